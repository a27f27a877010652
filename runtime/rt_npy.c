/* rt_npy.c — data loader for numpy .npy files (versions 1.0, 2.0, 3.0): x and y arrays. */
#include "nncc_rt.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define NPY_MAX_DIMS 32
#define NPY_MAX_HEADER (1u << 20) /* numpy itself refuses headers above 10 kB by default */

typedef struct npy_array {
    const char *path;
    FILE *fp;
    char descr[32];
    int swap;      /* stored in the other byte order than the host's */
    char kind;     /* 'u', 'i', 'f' or 'b' */
    int size;      /* bytes per element */
    int ndims;
    uint64_t dims[NPY_MAX_DIMS];
    size_t data_start, file_size;
} npy_array;

/* ---- the header: a Python dict literal, parsed strictly -------------------------------------- */

typedef struct npy_lex {
    const char *path;
    const char *start, *p, *end;
} npy_lex;

static int npy_syntax(npy_lex *lx, const char *what)
{
    const char *end = lx->end; /* quote the dict without numpy's padding */
    while (end > lx->start && (end[-1] == ' ' || end[-1] == '\n'))
        end--;
    rt_error(lx->path, 0, "bad .npy header: %s at byte %ld of \"%.*s\"", what, (long)(lx->p - lx->start),
             (int)(end - lx->start > 120 ? 120 : end - lx->start), lx->start);
    return -1;
}

static void npy_ws(npy_lex *lx)
{
    while (lx->p < lx->end && (*lx->p == ' ' || *lx->p == '\t' || *lx->p == '\n' || *lx->p == '\r'))
        lx->p++;
}

static int npy_accept(npy_lex *lx, char c)
{
    npy_ws(lx);
    if (lx->p < lx->end && *lx->p == c) {
        lx->p++;
        return 1;
    }
    return 0;
}

/* 'text' or "text", no escapes: keys and dtype strings never need them. */
static int npy_string(npy_lex *lx, char *out, size_t cap)
{
    npy_ws(lx);
    if (lx->p >= lx->end || (*lx->p != '\'' && *lx->p != '"'))
        return npy_syntax(lx, "expected a quoted string");
    char q = *lx->p++;
    size_t n = 0;
    while (lx->p < lx->end && *lx->p != q) {
        if (*lx->p == '\\' || n + 1 >= cap)
            return npy_syntax(lx, "unexpected string");
        out[n++] = *lx->p++;
    }
    if (lx->p >= lx->end)
        return npy_syntax(lx, "unterminated string");
    lx->p++;
    out[n] = '\0';
    return 0;
}

/* (d0, d1, ...) of non-negative integers; () and (n,) included. */
static int npy_tuple(npy_lex *lx, npy_array *a)
{
    if (!npy_accept(lx, '('))
        return npy_syntax(lx, "expected a shape tuple");
    a->ndims = 0;
    while (!npy_accept(lx, ')')) {
        npy_ws(lx);
        if (lx->p >= lx->end || *lx->p < '0' || *lx->p > '9')
            return npy_syntax(lx, "expected a dimension");
        uint64_t v = 0;
        while (lx->p < lx->end && *lx->p >= '0' && *lx->p <= '9') {
            if (v > (UINT64_MAX - 9) / 10)
                return npy_syntax(lx, "dimension too large");
            v = v * 10 + (uint64_t)(*lx->p++ - '0');
        }
        if (lx->p < lx->end && *lx->p == 'L') /* Python 2 longs */
            lx->p++;
        if (a->ndims == NPY_MAX_DIMS)
            return npy_syntax(lx, "too many dimensions");
        a->dims[a->ndims++] = v;
        if (!npy_accept(lx, ',')) {
            if (!npy_accept(lx, ')'))
                return npy_syntax(lx, "expected ',' or ')' in the shape");
            break;
        }
    }
    return 0;
}

/* {'descr': '<f4', 'fortran_order': False, 'shape': (60000, 28, 28), } — exactly these keys. */
static int npy_dict(npy_lex *lx, npy_array *a, int *fortran)
{
    int seen_descr = 0, seen_fortran = 0, seen_shape = 0;
    char key[32];
    if (!npy_accept(lx, '{'))
        return npy_syntax(lx, "expected '{'");
    while (!npy_accept(lx, '}')) {
        if (npy_string(lx, key, sizeof key) != 0)
            return -1;
        if (!npy_accept(lx, ':'))
            return npy_syntax(lx, "expected ':'");
        npy_ws(lx);
        if (strcmp(key, "descr") == 0 && !seen_descr++) {
            if (lx->p < lx->end && *lx->p == '[') {
                rt_error(lx->path, 0, "structured arrays (a list of fields as dtype) are not supported");
                return -1;
            }
            if (npy_string(lx, a->descr, sizeof a->descr) != 0)
                return -1;
        } else if (strcmp(key, "fortran_order") == 0 && !seen_fortran++) {
            size_t left = (size_t)(lx->end - lx->p);
            if (left >= 4 && memcmp(lx->p, "True", 4) == 0) {
                *fortran = 1;
                lx->p += 4;
            } else if (left >= 5 && memcmp(lx->p, "False", 5) == 0) {
                *fortran = 0;
                lx->p += 5;
            } else {
                return npy_syntax(lx, "expected True or False");
            }
        } else if (strcmp(key, "shape") == 0 && !seen_shape++) {
            if (npy_tuple(lx, a) != 0)
                return -1;
        } else {
            return npy_syntax(lx, "unknown or repeated key");
        }
        if (!npy_accept(lx, ',')) {
            if (!npy_accept(lx, '}'))
                return npy_syntax(lx, "expected ',' or '}'");
            break;
        }
    }
    npy_ws(lx);
    if (lx->p != lx->end)
        return npy_syntax(lx, "text after the dict");
    if (!seen_descr || !seen_fortran || !seen_shape) {
        rt_error(lx->path, 0, "bad .npy header: needs 'descr', 'fortran_order' and 'shape'");
        return -1;
    }
    return 0;
}

static int host_is_little(void)
{
    const uint16_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

/* '<f4' and friends: byte order, kind, size. */
static int npy_dtype(npy_array *a)
{
    const char *d = a->descr;
    char order = d[0], kind = order ? d[1] : 0;
    int size = 0;
    if (kind && d[2] >= '1' && d[2] <= '9' && d[3] == '\0')
        size = d[2] - '0';
    if (kind == 'O') {
        rt_error(a->path, 0, "object arrays (dtype '%s') are not supported; save numbers, e.g. arr.astype(np.float32)",
                 d);
        return -1;
    }
    int known = (kind == 'u' && (size == 1 || size == 2 || size == 4 || size == 8)) ||
                (kind == 'i' && (size == 1 || size == 2 || size == 4 || size == 8)) ||
                (kind == 'f' && (size == 4 || size == 8)) || (kind == 'b' && size == 1);
    if (!known || (order != '<' && order != '>' && order != '|' && order != '=')) {
        rt_error(a->path, 0, "unsupported dtype '%s' (numbers: |u1 |i1 |b1 <i2 <i4 <i8 <u2 <u4 <u8 <f4 <f8)", d);
        return -1;
    }
    a->kind = kind;
    a->size = size;
    a->swap = size > 1 && ((order == '<' && !host_is_little()) || (order == '>' && host_is_little()));
    return 0;
}

static void npy_close(npy_array *a)
{
    if (a->fp)
        fclose(a->fp);
    a->fp = NULL;
}

static int npy_open(npy_array *a, const char *path)
{
    memset(a, 0, sizeof *a);
    a->path = path;
    a->fp = fopen(path, "rb");
    if (!a->fp) {
        rt_error(path, 0, "cannot open: %s", strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fileno(a->fp), &st) != 0 || !S_ISREG(st.st_mode)) {
        rt_error(path, 0, "not a regular file");
        goto fail;
    }
    a->file_size = (size_t)st.st_size;
    unsigned char pre[12];
    if (fread(pre, 1, 10, a->fp) != 10 || memcmp(pre, "\x93NUMPY", 6) != 0) {
        rt_error(path, 0, "not a .npy file (no \\x93NUMPY magic)");
        goto fail;
    }
    int major = pre[6], minor = pre[7];
    size_t hlen;
    if (major == 1 && minor == 0) {
        hlen = (size_t)pre[8] | (size_t)pre[9] << 8;
        a->data_start = 10 + hlen;
    } else if ((major == 2 || major == 3) && minor == 0 && fread(pre + 10, 1, 2, a->fp) == 2) {
        hlen = (size_t)pre[8] | (size_t)pre[9] << 8 | (size_t)pre[10] << 16 | (size_t)pre[11] << 24;
        a->data_start = 12 + hlen;
    } else {
        rt_error(path, 0, "unsupported .npy version %d.%d (1.0, 2.0 and 3.0 are)", major, minor);
        goto fail;
    }
    if (hlen > NPY_MAX_HEADER || a->data_start > a->file_size) {
        rt_error(path, 0, "truncated: the header says %zu bytes, the file has %zu", hlen, a->file_size);
        goto fail;
    }
    char *text = malloc(hlen + 1);
    if (!text) {
        rt_error(path, 0, "out of memory");
        goto fail;
    }
    if (fread(text, 1, hlen, a->fp) != hlen) {
        rt_error(path, 0, "read error: %s", strerror(errno));
        free(text);
        goto fail;
    }
    text[hlen] = '\0';
    npy_lex lx = {path, text, text, text + hlen};
    int fortran = 0;
    int rc = npy_dict(&lx, a, &fortran);
    free(text);
    if (rc != 0 || npy_dtype(a) != 0)
        goto fail;
    if (fortran) {
        rt_error(path, 0, "Fortran-order arrays are not supported; save with np.ascontiguousarray");
        goto fail;
    }
    if (a->ndims == 0) {
        rt_error(path, 0, "holds a single value (shape ()); expected one row per sample");
        goto fail;
    }
    if (a->dims[0] == 0 || a->dims[0] > INT_MAX) {
        rt_error(path, 0, "%llu samples: expected 1 to %d", (unsigned long long)a->dims[0], INT_MAX);
        goto fail;
    }
    return 0;
fail:
    npy_close(a);
    return -1;
}

/* "(60000, 28, 28)", as numpy prints it. */
static void npy_shape(char *buf, size_t cap, const npy_array *a)
{
    size_t at = (size_t)snprintf(buf, cap, "(");
    for (int k = 0; k < a->ndims && at < cap; k++)
        at += (size_t)snprintf(buf + at, cap - at, "%s%llu", k ? ", " : "", (unsigned long long)a->dims[k]);
    if (at < cap)
        snprintf(buf + at, cap - at, a->ndims == 1 ? ",)" : ")");
}

/* Elements per sample (the trailing dimensions' product), or 0 when above INT_MAX. */
static uint64_t npy_per_sample(const npy_array *a)
{
    uint64_t per = 1;
    for (int k = 1; k < a->ndims; k++) {
        if (a->dims[k] != 0 && per > (uint64_t)INT_MAX / a->dims[k])
            return 0;
        per *= a->dims[k];
    }
    return per;
}

static double npy_element(const npy_array *a, const unsigned char *p)
{
    unsigned char b[8];
    for (int k = 0; k < a->size; k++)
        b[k] = a->swap ? p[a->size - 1 - k] : p[k];
    switch (a->kind) {
    case 'b':
        return b[0] != 0;
    case 'u':
        switch (a->size) {
        case 1: return b[0];
        case 2: { uint16_t v; memcpy(&v, b, 2); return v; }
        case 4: { uint32_t v; memcpy(&v, b, 4); return v; }
        default: { uint64_t v; memcpy(&v, b, 8); return (double)v; }
        }
    case 'i':
        switch (a->size) {
        case 1: return (int8_t)b[0];
        case 2: { int16_t v; memcpy(&v, b, 2); return v; }
        case 4: { int32_t v; memcpy(&v, b, 4); return v; }
        default: { int64_t v; memcpy(&v, b, 8); return (double)v; }
        }
    default:
        if (a->size == 4) {
            float v;
            memcpy(&v, b, 4);
            return v;
        } else {
            double v;
            memcpy(&v, b, 8);
            return v;
        }
    }
}

/* All n*per values: bytes into *u8 when the caller keeps bytes and the file holds |u1, doubles
 * into *f64 otherwise, converted a block at a time so memory stays one copy of the data. */
static int npy_values(npy_array *a, size_t n, size_t per, const char *what, unsigned char **u8, double **f64)
{
    size_t count = n * per, need = count * (size_t)a->size, have = a->file_size - a->data_start;
    if (have < need) {
        rt_error(a->path, 0, "truncated: expected %zu bytes of data, found %zu", need, have);
        return -1;
    }
    if (have > need) {
        rt_error(a->path, 0, "%zu bytes after the array's data (the header's shape is wrong?)", have - need);
        return -1;
    }
    if (u8 && a->kind == 'u' && a->size == 1) {
        unsigned char *out = malloc(count ? count : 1);
        if (!out) {
            rt_error(a->path, 0, "out of memory: %zu bytes", count);
            return -1;
        }
        if (fread(out, 1, count, a->fp) != count) {
            rt_error(a->path, 0, "read error: %s", strerror(errno));
            free(out);
            return -1;
        }
        *u8 = out;
        return 0;
    }
    double *out = malloc((count ? count : 1) * sizeof *out);
    unsigned char *block = malloc((size_t)1 << 16);
    if (!out || !block) {
        rt_error(a->path, 0, "out of memory: %zu values", count);
        free(out);
        free(block);
        return -1;
    }
    size_t per_block = ((size_t)1 << 16) / (size_t)a->size;
    for (size_t i = 0; i < count;) {
        size_t m = count - i < per_block ? count - i : per_block;
        if (fread(block, (size_t)a->size, m, a->fp) != m) {
            rt_error(a->path, 0, "read error: %s", strerror(errno));
            free(out);
            free(block);
            return -1;
        }
        for (size_t k = 0; k < m; k++, i++) {
            out[i] = npy_element(a, block + k * (size_t)a->size);
            if (!isfinite(out[i])) {
                rt_error(a->path, 0, "%s of sample %zu is not finite (%g)", what, i / per, out[i]);
                free(out);
                free(block);
                return -1;
            }
        }
    }
    free(block);
    *f64 = out;
    return 0;
}

int rt_load_npy(rt_dataset *ds, const rt_source *src, const rt_shape *shape)
{
    memset(ds, 0, sizeof *ds);
    npy_array x, y;
    memset(&y, 0, sizeof y);
    char dims[256];
    if (npy_open(&x, src->path) != 0)
        return -1;
    uint64_t per = npy_per_sample(&x);
    if (per != (uint64_t)shape->inputs) {
        npy_shape(dims, sizeof dims, &x);
        rt_error(src->path, 0, "x has shape %s: %llu values per sample; the network's input is %d", dims,
                 (unsigned long long)per, shape->inputs);
        goto fail;
    }
    size_t n = (size_t)x.dims[0];
    int ny = 0;
    if (src->y) {
        if (npy_open(&y, src->y) != 0)
            goto fail;
        ny = rt_label_count(shape);
        npy_shape(dims, sizeof dims, &y);
        if (y.ndims > 2 || (y.ndims == 2 && y.dims[1] != (uint64_t)ny)) {
            rt_error(src->y, 0, "y has shape %s; the network needs %d label%s per sample: (n,)%s", dims, ny,
                     ny == 1 ? "" : "s", ny == 1 ? " or (n, 1)" : "");
            goto fail;
        }
        if (y.ndims == 1 && ny != 1) {
            rt_error(src->y, 0, "y has shape %s; the network needs %d targets per sample: (n, %d)", dims, ny, ny);
            goto fail;
        }
        if (y.dims[0] != x.dims[0]) {
            rt_error(src->y, 0, "y has %llu samples, but x (%s) has %zu", (unsigned long long)y.dims[0], src->path,
                     n);
            goto fail;
        }
    } else if (!shape->predict) {
        rt_error(src->path, 0, "NPY data needs a labels file (data: {x: X.npy, y: Y.npy})");
        goto fail;
    }

    if (npy_values(&x, n, (size_t)per, "x", &ds->x_u8, &ds->x_f64) != 0)
        goto fail;
    npy_close(&x);
    if (src->y) {
        if (npy_values(&y, n, (size_t)ny, "the label", NULL, &ds->y) != 0)
            goto fail;
        npy_close(&y);
        char why[64];
        for (size_t i = 0; i < n * (size_t)ny; i++)
            if (rt_label_check(shape, ds->y[i], why) != 0) {
                rt_error(src->y, 0, "sample %zu: %s", i / (size_t)ny, why);
                goto fail;
            }
    }
    ds->n = (int)n;
    ds->d = shape->inputs;
    ds->ny = ny;
    ds->name = strdup(src->path);
    if (!ds->name) {
        rt_error(src->path, 0, "out of memory");
        goto fail;
    }
    return 0;
fail:
    npy_close(&x);
    npy_close(&y);
    free(ds->x_u8);
    free(ds->x_f64);
    free(ds->y);
    free(ds->name);
    memset(ds, 0, sizeof *ds);
    return -1;
}
