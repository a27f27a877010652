/* rt_hdf5.c — data loader for HDF5 files through libhdf5: an x dataset and a y dataset. */
#include "nncc_rt.h"

#include <errno.h>
#include <hdf5.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The file's base name, as the messages quote it ("no dataset 'X' in trainset.hdf5"). */
static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* HDF5 keeps its own error stack; its innermost description says what went wrong. */
static herr_t h5_last_error(unsigned n, const H5E_error2_t *err, void *data)
{
    (void)n;
    if (err->desc && err->desc[0])
        snprintf(data, 160, "%s", err->desc);
    return 0;
}

static const char *h5_why(char *buf)
{
    buf[0] = '\0';
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, h5_last_error, buf);
    H5Eclear2(H5E_DEFAULT);
    return buf[0] ? buf : "HDF5 error";
}

/* "X_train, Y_train": the datasets at the top level, for a "did you mean" list. */
static void h5_list(hid_t file, char *out, size_t cap)
{
    H5G_info_t info;
    size_t at = 0;
    out[0] = '\0';
    if (H5Gget_info(file, &info) < 0)
        return;
    for (hsize_t i = 0; i < info.nlinks && at < cap; i++) {
        char name[256];
        if (H5Lget_name_by_idx(file, ".", H5_INDEX_NAME, H5_ITER_INC, i, name, sizeof name, H5P_DEFAULT) < 0)
            continue;
        hid_t obj = H5Oopen(file, name, H5P_DEFAULT);
        if (obj < 0)
            continue;
        if (H5Iget_type(obj) == H5I_DATASET)
            at += (size_t)snprintf(out + at, cap - at, "%s%s", at ? ", " : "", name);
        H5Oclose(obj);
    }
    H5Eclear2(H5E_DEFAULT);
}

typedef struct h5_data {
    hid_t dset;
    int rank;
    hsize_t dims[H5S_MAX_RANK];
    int is_u8; /* stored as 8-bit unsigned integers */
} h5_data;

static int h5_open(h5_data *h, hid_t file, const char *path, const char *name)
{
    char why[160];
    memset(h, 0, sizeof *h);
    h->dset = -1;
    if (H5Lexists(file, name, H5P_DEFAULT) <= 0) {
        char list[512];
        h5_list(file, list, sizeof list);
        rt_error(path, 0, "no dataset '%s' in %s (datasets: %s)", name, base_name(path), list[0] ? list : "none");
        return -1;
    }
    hid_t obj = H5Oopen(file, name, H5P_DEFAULT);
    if (obj < 0 || H5Iget_type(obj) != H5I_DATASET) {
        rt_error(path, 0, "'%s' is not a dataset (%s)", name, obj < 0 ? h5_why(why) : "a group or a named type");
        if (obj >= 0)
            H5Oclose(obj);
        return -1;
    }
    H5Oclose(obj);
    h->dset = H5Dopen2(file, name, H5P_DEFAULT);
    hid_t space = h->dset < 0 ? -1 : H5Dget_space(h->dset);
    h->rank = space < 0 ? -1 : H5Sget_simple_extent_ndims(space);
    if (h->rank < 0 || H5Sget_simple_extent_dims(space, h->dims, NULL) < 0) {
        rt_error(path, 0, "cannot open dataset '%s': %s", name, h5_why(why));
        if (space >= 0)
            H5Sclose(space);
        return -1;
    }
    H5Sclose(space);
    hid_t type = H5Dget_type(h->dset);
    H5T_class_t cls = type < 0 ? H5T_NO_CLASS : H5Tget_class(type);
    if (cls != H5T_INTEGER && cls != H5T_FLOAT) {
        rt_error(path, 0, "dataset '%s' does not hold numbers (HDF5 type class %d)", name, (int)cls);
        if (type >= 0)
            H5Tclose(type);
        return -1;
    }
    size_t size = H5Tget_size(type);
    h->is_u8 = cls == H5T_INTEGER && size == 1 && H5Tget_sign(type) == H5T_SGN_NONE;
    H5Tclose(type);
    /* Numbers are at most 8 bytes; a larger element would have libhdf5 allocate n times it to
     * convert (a 2 KB file asked for 3 GB). */
    if (size == 0 || size > 8) {
        rt_error(path, 0, "dataset '%s' holds %zu-byte %s: expected numbers of 1 to 8 bytes", name, size,
                 cls == H5T_INTEGER ? "integers" : "floats");
        return -1;
    }
    /* A dataset never written (or only in part) reads as its fill value: a tiny file could claim
     * millions of rows of zeros. Data must be data. */
    H5D_space_status_t status = H5D_SPACE_STATUS_ERROR;
    if (H5Dget_space_status(h->dset, &status) < 0 || status != H5D_SPACE_STATUS_ALLOCATED) {
        rt_error(path, 0, "dataset '%s' was never written in full (its storage is %s)", name,
                 status == H5D_SPACE_STATUS_PART_ALLOCATED ? "partly allocated" : "not allocated");
        return -1;
    }
    if (h->rank == 0 || h->dims[0] == 0 || h->dims[0] > INT_MAX) {
        rt_error(path, 0, "dataset '%s' has %llu samples: expected 1 to %d, one per row", name,
                 h->rank ? (unsigned long long)h->dims[0] : 0ULL, INT_MAX);
        return -1;
    }
    return 0;
}

static void h5_shape(char *buf, size_t cap, const h5_data *h)
{
    size_t at = (size_t)snprintf(buf, cap, "(");
    for (int k = 0; k < h->rank && at < cap; k++)
        at += (size_t)snprintf(buf + at, cap - at, "%s%llu", k ? ", " : "", (unsigned long long)h->dims[k]);
    if (at < cap)
        snprintf(buf + at, cap - at, h->rank == 1 ? ",)" : ")");
}

/* n*per values: bytes when the caller keeps bytes and the file stores them, else doubles (HDF5
 * converts through its own small buffer, so memory stays one copy of the data). */
static int h5_values(const h5_data *h, const char *path, const char *name, size_t n, size_t per,
                     unsigned char **u8, double **f64)
{
    char why[160];
    size_t count = n * per;
    if (u8 && h->is_u8) {
        *u8 = malloc(count ? count : 1);
        if (!*u8) {
            rt_error(path, 0, "out of memory: %zu bytes", count);
            return -1;
        }
        if (H5Dread(h->dset, H5T_NATIVE_UCHAR, H5S_ALL, H5S_ALL, H5P_DEFAULT, *u8) < 0) {
            rt_error(path, 0, "cannot read dataset '%s': %s", name, h5_why(why));
            return -1; /* the caller frees */
        }
        return 0;
    }
    *f64 = malloc((count ? count : 1) * sizeof **f64);
    if (!*f64) {
        rt_error(path, 0, "out of memory: %zu values", count);
        return -1;
    }
    if (H5Dread(h->dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, *f64) < 0) {
        rt_error(path, 0, "cannot read dataset '%s': %s", name, h5_why(why));
        return -1;
    }
    for (size_t i = 0; i < count; i++)
        if (!isfinite((*f64)[i])) {
            rt_error(path, 0, "dataset '%s': sample %zu is not finite (%g)", name, i / per, (*f64)[i]);
            return -1;
        }
    return 0;
}

static int h5_load(rt_dataset *ds, const rt_source *src, const rt_shape *shape, hid_t file)
{
    h5_data x, y;
    char dims[256];
    const char *path = src->path;
    int rc = -1;
    y.dset = -1;
    if (h5_open(&x, file, path, src->x) != 0)
        goto done;
    uint64_t per = 1;
    for (int k = 1; k < x.rank && per <= INT_MAX; k++)
        per *= x.dims[k];
    if (per != (uint64_t)shape->inputs) {
        h5_shape(dims, sizeof dims, &x);
        rt_error(path, 0, "dataset '%s' has shape %s: %llu values per sample; the network's input is %d", src->x,
                 dims, (unsigned long long)per, shape->inputs);
        goto done;
    }
    size_t n = (size_t)x.dims[0];
    int ny = 0;
    if (src->y) {
        if (h5_open(&y, file, path, src->y) != 0)
            goto done;
        ny = rt_label_count(shape);
        h5_shape(dims, sizeof dims, &y);
        if (y.rank > 2 || (y.rank == 2 && y.dims[1] != (hsize_t)ny) || (y.rank == 1 && ny != 1)) {
            rt_error(path, 0, "dataset '%s' has shape %s; the network needs %d label%s per sample", src->y, dims,
                     ny, ny == 1 ? "" : "s");
            goto done;
        }
        if (y.dims[0] != x.dims[0]) {
            rt_error(path, 0, "dataset '%s' has %llu labels, but '%s' has %zu samples", src->y,
                     (unsigned long long)y.dims[0], src->x, n);
            goto done;
        }
    } else if (!shape->predict) {
        rt_error(path, 0, "HDF5 data needs a labels dataset (data: {path: ..., x: DATASET, y: DATASET})");
        goto done;
    }
    if (h5_values(&x, path, src->x, n, (size_t)per, &ds->x_u8, &ds->x_f64) != 0)
        goto done;
    if (src->y) {
        if (h5_values(&y, path, src->y, n, (size_t)ny, NULL, &ds->y) != 0)
            goto done;
        char why[64];
        for (size_t i = 0; i < n * (size_t)ny; i++)
            if (rt_label_check(shape, ds->y[i], why) != 0) {
                rt_error(path, 0, "dataset '%s': sample %zu: %s", src->y, i / (size_t)ny, why);
                goto done;
            }
    }
    ds->n = (int)n;
    ds->d = shape->inputs;
    ds->ny = ny;
    rc = 0;
done:
    if (x.dset >= 0)
        H5Dclose(x.dset);
    if (y.dset >= 0)
        H5Dclose(y.dset);
    return rc;
}

int rt_load_hdf5(rt_dataset *ds, const rt_source *src, const rt_shape *shape)
{
    memset(ds, 0, sizeof *ds);
    if (!src->x) {
        rt_error(src->path, 0, "HDF5 data needs the name of its x dataset (data: {path: ..., x: DATASET, y: DATASET})");
        return -1;
    }
    /* libhdf5 says "unable to open file" for everything; errno says why. */
    FILE *probe = fopen(src->path, "rb");
    if (!probe) {
        rt_error(src->path, 0, "cannot open: %s", strerror(errno));
        return -1;
    }
    fclose(probe);

    /* We report errors our way; HDF5's stack dump to stderr would bury the one line that matters. */
    H5E_auto2_t old_func;
    void *old_data;
    H5Eget_auto2(H5E_DEFAULT, &old_func, &old_data);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    int rc = -1;
#if H5_VERSION_GE(1, 12, 0)
    htri_t is_hdf5 = H5Fis_accessible(src->path, H5P_DEFAULT);
#else
    htri_t is_hdf5 = H5Fis_hdf5(src->path);
#endif
    hid_t file = is_hdf5 > 0 ? H5Fopen(src->path, H5F_ACC_RDONLY, H5P_DEFAULT) : -1;
    if (is_hdf5 <= 0) {
        rt_error(src->path, 0, "not an HDF5 file");
    } else if (file < 0) {
        char why[160];
        rt_error(src->path, 0, "cannot open as HDF5: %s", h5_why(why));
    } else {
        rc = h5_load(ds, src, shape, file);
        H5Fclose(file);
    }
    if (rc == 0 && !(ds->name = strdup(src->path))) {
        rt_error(src->path, 0, "out of memory");
        rc = -1;
    }
    if (rc != 0) {
        free(ds->x_u8);
        free(ds->x_f64);
        free(ds->y);
        memset(ds, 0, sizeof *ds);
    }
    H5Eclear2(H5E_DEFAULT);
    H5Eset_auto2(H5E_DEFAULT, old_func, old_data);
    return rc;
}
