/* rt_data.c — datasets in memory: the loader dispatch, label rules per task, and format detection. */
#include "nncc_rt.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Given class names (the network file's `classes`, or the training set's for the later sets)
 * label numeric classes too: the dataset gets its own copy. The CSV loader has mapped names
 * already; here the list must fit the network and every class index must have a name. */
static int class_names_of(rt_dataset *ds, const rt_source *src, const rt_shape *shape)
{
    const char *name = ds->name ? ds->name : src->path;
    int k = shape->n_classes;
    if (shape->task == RT_TASK_BINARY ? k != 2 : k > shape->outputs) {
        rt_error(name, 0, "%d class names do not fit the network: %s", k,
                 shape->task == RT_TASK_BINARY ? "a binary network (1 output) separates exactly 2"
                                               : "more than its softmax outputs");
        return -1;
    }
    for (int i = 0; ds->y && i < ds->n; i++) {
        double v = ds->y[(size_t)i * (size_t)ds->ny];
        if (v >= k) {
            rt_error(name, 0, "sample %d: class %.0f has no name (the classes are %d, from 0)", i + 1, v, k);
            return -1;
        }
    }
    if (ds->classes)
        return 0;
    ds->classes = rt_xcalloc((size_t)(k > 0 ? k : 1), sizeof *ds->classes);
    if (!ds->classes)
        return -1;
    for (int c = 0; c < k; c++) {
        size_t len = strlen(shape->classes[c]) + 1;
        if (!(ds->classes[c] = malloc(len))) {
            rt_error(name, 0, "out of memory");
            return -1; /* rt_dataset_free frees the ones copied: n_classes counts them */
        }
        memcpy(ds->classes[c], shape->classes[c], len);
        ds->n_classes = c + 1;
    }
    return 0;
}

int rt_dataset_load(rt_dataset *ds, const rt_source *src, const rt_shape *shape)
{
    int rc;
    memset(ds, 0, sizeof *ds);
    switch (src->kind) {
    case RT_SRC_CSV: rc = rt_load_csv(ds, src, shape); break;
    case RT_SRC_GENERATOR: rc = rt_generate(ds, src, shape); break;
    case RT_SRC_IDX: rc = rt_load_idx(ds, src, shape); break;
    case RT_SRC_NPY: rc = rt_load_npy(ds, src, shape); break;
    case RT_SRC_HDF5: rc = rt_load_hdf5(ds, src, shape); break;
    default:
        rt_error(src->path, 0, "unknown data format (expected .csv, .npy, .h5/.hdf5, IDX or a generator)");
        return -1;
    }
    if (rc != 0) {
        rt_dataset_free(ds); /* loaders free on error; this makes "ds left empty" hold regardless */
        return -1;
    }
    if (shape->task != RT_TASK_REGRESSION && shape->classes && class_names_of(ds, src, shape)) {
        rt_dataset_free(ds);
        return -1;
    }
    /* The loaders check shapes themselves; this catches one that forgot, before a kernel reads
     * past a row. */
    if (ds->d != shape->inputs || (ds->ny != 0 && ds->ny != rt_label_count(shape)) ||
        (ds->ny == 0 && !shape->predict)) {
        rt_error(ds->name ? ds->name : src->path, 0,
                 "data has %d features and %d label values per sample; the network wants %d and %d",
                 ds->d, ds->ny, shape->inputs, rt_label_count(shape));
        rt_dataset_free(ds);
        return -1;
    }
    return 0;
}

void rt_dataset_free(rt_dataset *ds)
{
    free(ds->x_u8);
    free(ds->x_f64);
    free(ds->y);
    free(ds->name);
    for (int i = 0; ds->classes && i < ds->n_classes; i++) free(ds->classes[i]);
    free(ds->classes);
    for (int i = 0; ds->feature_names && i < ds->d; i++) free(ds->feature_names[i]);
    free(ds->feature_names);
    memset(ds, 0, sizeof *ds);
}

size_t rt_dataset_bytes(const rt_dataset *ds)
{
    size_t n = (size_t)(ds->n > 0 ? ds->n : 0), bytes = 0;
    if (ds->x_u8)
        bytes += n * (size_t)ds->d;
    if (ds->x_f64)
        bytes += n * (size_t)ds->d * sizeof(double);
    if (ds->y)
        bytes += n * (size_t)ds->ny * sizeof(double);
    return bytes;
}

static int ends_with(const char *s, size_t len, const char *suffix)
{
    size_t k = strlen(suffix);
    return len >= k && strncasecmp(s + len - k, suffix, k) == 0;
}

/* Extensions compare case-insensitively: TRAIN.CSV from a Windows share is still a CSV. */
int rt_source_kind_from_path(const char *path)
{
    if (!path)
        return RT_SRC_NONE;
    size_t len = strlen(path);
    if (ends_with(path, len, ".csv"))
        return RT_SRC_CSV;
    if (ends_with(path, len, ".npy"))
        return RT_SRC_NPY;
    if (ends_with(path, len, ".h5") || ends_with(path, len, ".hdf5"))
        return RT_SRC_HDF5;
    /* IDX: MNIST's own names (train-images-idx3-ubyte), or name.idx / name.idx3, gzipped or not. */
    if (ends_with(path, len, ".gz"))
        len -= 3;
    if (ends_with(path, len, "-ubyte"))
        return RT_SRC_IDX;
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    size_t blen = len - (size_t)(base - path);
    for (size_t i = blen; i-- > 0;) {
        if (base[i] == '.') {
            if (blen - i >= 4 && strncasecmp(base + i, ".idx", 4) == 0)
                return RT_SRC_IDX;
            break;
        }
    }
    return RT_SRC_NONE;
}

int rt_label_count(const rt_shape *shape)
{
    return shape->task == RT_TASK_REGRESSION ? shape->outputs : 1;
}

/* why holds 64 bytes (nncc_rt.h); a longer reason is cut, never overrun. */
static void say(char *why, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void say(char *why, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, 64, fmt, ap);
    va_end(ap);
}

/* Called once per label from the loaders' parallel loops: formats only on failure. */
int rt_label_check(const rt_shape *shape, double v, char *why)
{
    if (isnan(v)) {
        say(why, "label is NaN");
        return -1;
    }
    if (isinf(v)) {
        say(why, "label is %s", v > 0 ? "infinite" : "-infinite");
        return -1;
    }
    switch (shape->task) {
    case RT_TASK_BINARY:
        if (v == 0.0 || v == 1.0)
            return 0;
        say(why, "label %.10g is not 0 or 1", v);
        return -1;
    case RT_TASK_MULTICLASS:
        if (v != floor(v)) {
            say(why, "label %.10g is not a class index (an integer)", v);
            return -1;
        }
        if (v < 0 || v > shape->outputs - 1) {
            say(why, "label %.10g out of range 0..%d for %d softmax outputs", v,
                     shape->outputs - 1, shape->outputs);
            return -1;
        }
        return 0;
    default:
        return 0; /* regression: any finite target */
    }
}
