/* rt_idx.c — data loader for IDX files (the MNIST family), plain or gzip; images stay bytes. */
#include "nncc_rt.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#define IDX_MAX_DIMS 16

/* The type byte of an IDX magic number; multi-byte values are big-endian in the file. */
static const struct {
    int code, size;
} idx_types[] = {{0x08, 1}, {0x09, 1}, {0x0B, 2}, {0x0C, 4}, {0x0D, 4}, {0x0E, 8}};

typedef struct idx_file {
    const char *path;
    const char *what; /* "images" or "labels", for messages */
    gzFile gz;
    int type, size, ndims;
    uint32_t dims[IDX_MAX_DIMS];
    size_t header_bytes;
} idx_file;

static uint32_t load_be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* zlib's message without the "path: " it puts in front, since rt_error names the file. */
static const char *idx_zerror(idx_file *f)
{
    int zerr;
    const char *msg = gzerror(f->gz, &zerr);
    size_t n = strlen(f->path);
    return strncmp(msg, f->path, n) == 0 && strncmp(msg + n, ": ", 2) == 0 ? msg + n + 2 : msg;
}

/* Reads up to `need` bytes into *buf, growing it only as data arrives: a corrupt header that
 * claims terabytes costs a "truncated" message, not the memory. Returns bytes read or -1. */
static long long idx_slurp(idx_file *f, unsigned char **buf, size_t need)
{
    size_t cap = need < ((size_t)64 << 20) ? need : (size_t)64 << 20, got = 0;
    unsigned char *b = malloc(cap ? cap : 1);
    if (!b) {
        rt_error(f->path, 0, "out of memory reading %zu bytes of %s", need, f->what);
        return -1;
    }
    while (got < need) {
        if (got == cap) {
            size_t next = cap > need / 2 ? need : cap * 2;
            unsigned char *nb = realloc(b, next);
            if (!nb) {
                free(b);
                rt_error(f->path, 0, "out of memory reading %zu bytes of %s", need, f->what);
                return -1;
            }
            b = nb;
            cap = next;
        }
        size_t want = cap - got < (size_t)1 << 30 ? cap - got : (size_t)1 << 30;
        int r = gzread(f->gz, b + got, (unsigned)want);
        if (r > 0) {
            got += (size_t)r;
            continue;
        }
        int zerr;
        gzerror(f->gz, &zerr);
        if (r < 0 && zerr != Z_BUF_ERROR) { /* Z_BUF_ERROR: the gzip stream just stops early */
            free(b);
            rt_error(f->path, 0, "corrupt gzip data: %s", idx_zerror(f));
            return -1;
        }
        break;
    }
    *buf = b;
    return (long long)got;
}

static void idx_close(idx_file *f)
{
    if (f->gz)
        gzclose(f->gz);
    f->gz = NULL;
}

/* Magic (0, 0, type, ndims) and the big-endian dimensions. */
static int idx_open(idx_file *f, const char *path, const char *what)
{
    memset(f, 0, sizeof *f);
    f->path = path;
    f->what = what;
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) { /* gzread would say "corrupt gzip data" */
        rt_error(path, 0, "is a directory, not an IDX file of %s", what);
        return -1;
    }
    errno = 0;
    f->gz = gzopen(path, "rb");
    if (!f->gz) {
        rt_error(path, 0, "cannot open: %s", errno ? strerror(errno) : "out of memory");
        return -1;
    }
    gzbuffer(f->gz, 1 << 17);
    unsigned char head[4 + 4 * IDX_MAX_DIMS];
    int r = gzread(f->gz, head, 4);
    if (r < 0) {
        rt_error(path, 0, "corrupt gzip data: %s", idx_zerror(f));
        goto fail;
    }
    if (r != 4) {
        rt_error(path, 0, "not an IDX file (%d bytes)", r < 0 ? 0 : r);
        goto fail;
    }
    uint32_t magic = load_be32(head);
    if (head[0] != 0 || head[1] != 0) {
        rt_error(path, 0, "not an IDX file (magic 0x%08x)", (unsigned)magic);
        goto fail;
    }
    for (size_t i = 0; i < sizeof idx_types / sizeof idx_types[0]; i++)
        if (idx_types[i].code == head[2]) {
            f->type = head[2];
            f->size = idx_types[i].size;
        }
    if (!f->size) {
        rt_error(path, 0, "unsupported IDX type byte 0x%02x (magic 0x%08x)", head[2], (unsigned)magic);
        goto fail;
    }
    f->ndims = head[3];
    if (f->ndims < 1 || f->ndims > IDX_MAX_DIMS) {
        rt_error(path, 0, "IDX file with %d dimensions (magic 0x%08x)", f->ndims, (unsigned)magic);
        goto fail;
    }
    r = gzread(f->gz, head + 4, (unsigned)(4 * f->ndims));
    if (r != 4 * f->ndims) {
        rt_error(path, 0, "truncated: the header needs %d dimensions", f->ndims);
        goto fail;
    }
    for (int k = 0; k < f->ndims; k++)
        f->dims[k] = load_be32(head + 4 + 4 * k);
    f->header_bytes = (size_t)(4 + 4 * f->ndims);
    if (f->dims[0] > INT_MAX) {
        rt_error(path, 0, "%u %s is more than this runtime takes", (unsigned)f->dims[0], what);
        goto fail;
    }
    return 0;
fail:
    idx_close(f);
    return -1;
}

/* The values of a whole file, n samples of `per` elements: bytes into *u8 when the caller keeps bytes and
 * the file holds unsigned bytes, doubles into *f64 otherwise. */
static int idx_values(idx_file *f, size_t n, size_t per, unsigned char **u8, double **f64)
{
    size_t count = n * per;
    size_t need = count * (size_t)f->size;
    /* A plain file's size is known: say "truncated" before allocating what is not there. */
    struct stat st;
    if (gzdirect(f->gz) && stat(f->path, &st) == 0 && (size_t)st.st_size < f->header_bytes + need) {
        rt_error(f->path, 0, "truncated: expected %zu bytes of %s, found %zu", need, f->what,
                 (size_t)st.st_size - f->header_bytes);
        return -1;
    }
    unsigned char *raw = NULL;
    long long got = idx_slurp(f, &raw, need);
    if (got < 0)
        return -1;
    if ((size_t)got < need) {
        rt_error(f->path, 0, "truncated: expected %zu bytes of %s, found %lld", need, f->what, got);
        free(raw);
        return -1;
    }
    unsigned char extra;
    int r = gzread(f->gz, &extra, 1);
    if (r > 0) {
        rt_error(f->path, 0, "unexpected data after %zu bytes of %s (wrong dimensions in the header?)", need,
                 f->what);
        free(raw);
        return -1;
    }
    /* Reading past the data is what checks a gzip stream's trailer (its CRC and length): a file
     * cut just after the data, or with a wrong CRC, fails here. */
    int zerr = Z_OK;
    if (r < 0 || (gzerror(f->gz, &zerr), zerr != Z_OK)) {
        rt_error(f->path, 0, "corrupt gzip data after %zu bytes of %s: %s", need, f->what, idx_zerror(f));
        free(raw);
        return -1;
    }
    if (u8 && f->type == 0x08) {
        *u8 = raw;
        return 0;
    }
    double *out = malloc((count ? count : 1) * sizeof *out);
    if (!out) {
        rt_error(f->path, 0, "out of memory: %zu values of %s", count, f->what);
        free(raw);
        return -1;
    }
    for (size_t i = 0; i < count; i++) {
        const unsigned char *p = raw + i * (size_t)f->size;
        uint64_t u = 0;
        for (int b = 0; b < f->size; b++)
            u = u << 8 | p[b];
        double v;
        switch (f->type) {
        case 0x08: v = (double)u; break;
        case 0x09: v = (double)(int8_t)u; break;
        case 0x0B: v = (double)(int16_t)u; break;
        case 0x0C: v = (double)(int32_t)u; break;
        case 0x0D: {
            uint32_t u32 = (uint32_t)u;
            float fl;
            memcpy(&fl, &u32, 4);
            v = fl;
            break;
        }
        default: memcpy(&v, &u, 8); break;
        }
        if (!isfinite(v)) {
            rt_error(f->path, 0, "%s: sample %zu has a non-finite value (%g)", f->what, i / per, v);
            free(raw);
            free(out);
            return -1;
        }
        out[i] = v;
    }
    free(raw);
    *f64 = out;
    return 0;
}

/* "28x28 = 784 values" for messages. */
static void describe_sample(char *buf, size_t cap, const idx_file *f, unsigned long long d)
{
    if (f->ndims == 1) {
        snprintf(buf, cap, "single values");
        return;
    }
    size_t at = 0;
    for (int k = 1; k < f->ndims && at < cap; k++)
        at += (size_t)snprintf(buf + at, cap - at, "%s%u", k > 1 ? "x" : "", (unsigned)f->dims[k]);
    if (f->ndims > 2 && at < cap)
        snprintf(buf + at, cap - at, " = %llu values", d);
    else if (at < cap)
        snprintf(buf + at, cap - at, " values");
}

int rt_load_idx(rt_dataset *ds, const rt_source *src, const rt_shape *shape)
{
    memset(ds, 0, sizeof *ds);
    idx_file img, lab;
    memset(&lab, 0, sizeof lab);
    if (idx_open(&img, src->path, "images") != 0)
        return -1;
    unsigned long long d = 1;
    for (int k = 1; k < img.ndims && d <= INT_MAX; k++)
        d *= img.dims[k];
    if (d != (unsigned long long)shape->inputs) {
        char what[160];
        describe_sample(what, sizeof what, &img, d);
        rt_error(src->path, 0, "images are %s; the network's input is %d", what, shape->inputs);
        goto fail;
    }
    int n = (int)img.dims[0];
    if (n == 0) {
        rt_error(src->path, 0, "no images in the file");
        goto fail;
    }
    int ny = 0;
    if (src->y) {
        if (idx_open(&lab, src->y, "labels") != 0)
            goto fail;
        ny = rt_label_count(shape);
        int have = lab.ndims == 1 ? 1 : lab.ndims == 2 ? (int)lab.dims[1] : -1;
        if (have != ny) {
            rt_error(src->y, 0, "labels have %d dimensions; the network needs %d label%s per sample", lab.ndims,
                     ny, ny == 1 ? "" : "s");
            goto fail;
        }
        if (lab.dims[0] != img.dims[0]) {
            rt_error(src->y, 0, "%u labels, but %s has %d images", (unsigned)lab.dims[0], src->path, n);
            goto fail;
        }
    } else if (!shape->predict) {
        rt_error(src->path, 0, "IDX images need a labels file (data: {images: ..., labels: ...})");
        goto fail;
    }

    if (idx_values(&img, (size_t)n, (size_t)d, &ds->x_u8, &ds->x_f64) != 0)
        goto fail;
    idx_close(&img);
    if (src->y) {
        if (idx_values(&lab, (size_t)n, (size_t)ny, NULL, &ds->y) != 0)
            goto fail;
        idx_close(&lab);
        char why[64];
        for (size_t i = 0; i < (size_t)n * (size_t)ny; i++)
            if (rt_label_check(shape, ds->y[i], why) != 0) {
                rt_error(src->y, 0, "sample %zu: %s", i / (size_t)ny, why);
                goto fail;
            }
    }
    ds->n = n;
    ds->d = (int)d;
    ds->ny = ny;
    ds->name = strdup(src->path);
    if (!ds->name) {
        rt_error(src->path, 0, "out of memory");
        goto fail;
    }
    return 0;
fail:
    idx_close(&img);
    idx_close(&lab);
    free(ds->x_u8);
    free(ds->x_f64);
    free(ds->y);
    free(ds->name);
    memset(ds, 0, sizeof *ds);
    return -1;
}
