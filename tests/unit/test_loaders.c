/* test_loaders.c — rt_idx.c, rt_npy.c, rt_hdf5.c: good files, a corpus of broken ones, real data. */
#include "nncc_rt.h"

#include "capture.h"

#include <check.h>
#include <dirent.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

/* ---- a scratch directory per test, and stderr captured so error text can be asserted ---- */

static char dir[64];

static void scratch_setup(void)
{
    strcpy(dir, "/tmp/nncc_ld_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void scratch_teardown(void)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[512];
    while (d && (e = readdir(d)))
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            unlink(p);
        }
    if (d)
        closedir(d);
    rmdir(dir);
}

static const char *in_dir(const char *name)
{
    static char p[256][512]; /* callers keep the pointers for a whole test */
    static int k;
    k = (k + 1) % 256;
    snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
    return p[k];
}

/* The loader must return -1, leave the dataset empty, and print one located error holding `want`. */
#define EXPECT_LOAD_ERROR(loader, src, shape, want)                                                \
    do {                                                                                           \
        rt_dataset ds_;                                                                            \
        memset(&ds_, 0x55, sizeof ds_);                                                            \
        capture_begin();                                                                           \
        int rc_ = loader(&ds_, (src), (shape));                                                    \
        const char *err_ = capture_end();                                                          \
        if (getenv("SHOW_ERRORS")) /* SHOW_ERRORS=1 prints every message, to read them */          \
            fputs(err_, stdout);                                                                   \
        ck_assert_msg(rc_ == -1, "expected -1, got %d (wanted error: %s)", rc_, (want));           \
        ck_assert_msg(strstr(err_, (want)) != NULL, "expected error containing\n  %s\ngot\n  %s",  \
                      (want), err_);                                                               \
        ck_assert_msg(strstr(err_, ": error: ") != NULL, "not a located error: %s", err_);         \
        ck_assert_msg(strchr(err_, '\n') == err_ + strlen(err_) - 1, "more than one line: %s", err_); \
        ck_assert(ds_.n == 0 && ds_.x_u8 == NULL && ds_.x_f64 == NULL && ds_.y == NULL &&          \
                  ds_.name == NULL);                                                               \
    } while (0)

static void free_ds(rt_dataset *ds)
{
    free(ds->x_u8);
    free(ds->x_f64);
    free(ds->y);
    free(ds->name);
    memset(ds, 0, sizeof *ds);
}

static void write_bytes(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, n, f), n);
    fclose(f);
}

static const rt_shape multiclass3_6 = {.inputs = 6, .outputs = 3, .task = RT_TASK_MULTICLASS};

/* ---- IDX ------------------------------------------------------------------------------------ */

/* An IDX file: magic (0, 0, type, ndims), big-endian dims, then `nbytes` of data as given. */
static void write_idx(const char *path, int gz, int type, int ndims, const uint32_t *dims, const void *data,
                      size_t nbytes)
{
    unsigned char head[4 + 4 * 8] = {0, 0, (unsigned char)type, (unsigned char)ndims};
    for (int k = 0; k < ndims; k++)
        for (int b = 0; b < 4; b++)
            head[4 + 4 * k + b] = (unsigned char)(dims[k] >> (24 - 8 * b));
    size_t hn = 4 + 4 * (size_t)ndims;
    if (gz) {
        gzFile f = gzopen(path, "wb");
        ck_assert_ptr_nonnull(f);
        gzwrite(f, head, (unsigned)hn);
        if (nbytes)
            gzwrite(f, data, (unsigned)nbytes);
        gzclose(f);
    } else {
        FILE *f = fopen(path, "wb");
        ck_assert_ptr_nonnull(f);
        fwrite(head, 1, hn, f);
        if (nbytes)
            fwrite(data, 1, nbytes, f);
        fclose(f);
    }
}

static unsigned char pixels[5 * 6 + 2]; /* 2 more for the "extra data" case */
static const unsigned char labels5[5] = {0, 2, 1, 2, 0};
static const uint32_t img_dims[3] = {5, 2, 3}, lab_dims[1] = {5};

static void write_good_idx(int gz)
{
    for (int i = 0; i < 30; i++)
        pixels[i] = (unsigned char)(i * 8);
    write_idx(in_dir(gz ? "img.gz" : "img"), gz, 0x08, 3, img_dims, pixels, 30);
    write_idx(in_dir(gz ? "lab.gz" : "lab"), gz, 0x08, 1, lab_dims, labels5, sizeof labels5);
}

START_TEST(test_idx_good)
{
    for (int gz = 0; gz <= 1; gz++) {
        write_good_idx(gz);
        rt_source src = {.kind = RT_SRC_IDX, .path = in_dir(gz ? "img.gz" : "img"), .y = in_dir(gz ? "lab.gz" : "lab")};
        rt_dataset ds;
        ck_assert_int_eq(rt_load_idx(&ds, &src, &multiclass3_6), 0);
        ck_assert_int_eq(ds.n, 5);
        ck_assert_int_eq(ds.d, 6);
        ck_assert_int_eq(ds.ny, 1);
        ck_assert_ptr_nonnull(ds.x_u8); /* bytes stay bytes */
        ck_assert_ptr_null(ds.x_f64);
        ck_assert_int_eq(memcmp(ds.x_u8, pixels, 30), 0);
        for (int i = 0; i < 5; i++)
            ck_assert(ds.y[i] == labels5[i]);
        ck_assert_str_eq(ds.name, src.path);
        free_ds(&ds);
    }
}
END_TEST

START_TEST(test_idx_other_types)
{
    /* float32 images (type 0x0D), big-endian, go to doubles; int16 labels. */
    unsigned char fl[2 * 2 * 4];
    const float vals[4] = {0.5f, -1.25f, 3.0f, 100.0f};
    for (int i = 0; i < 4; i++) {
        uint32_t u;
        memcpy(&u, &vals[i], 4);
        for (int b = 0; b < 4; b++)
            fl[4 * i + b] = (unsigned char)(u >> (24 - 8 * b));
    }
    const uint32_t dims[2] = {2, 2}, ldims[1] = {2};
    const unsigned char lab16[4] = {0, 1, 0, 0};
    write_idx(in_dir("img"), 0, 0x0D, 2, dims, fl, sizeof fl);
    write_idx(in_dir("lab"), 1, 0x0B, 1, ldims, lab16, sizeof lab16);
    rt_source src = {.kind = RT_SRC_IDX, .path = in_dir("img"), .y = in_dir("lab")};
    rt_shape shape = {.inputs = 2, .outputs = 1, .task = RT_TASK_BINARY};
    rt_dataset ds;
    ck_assert_int_eq(rt_load_idx(&ds, &src, &shape), 0);
    ck_assert_ptr_null(ds.x_u8);
    for (int i = 0; i < 4; i++)
        ck_assert(ds.x_f64[i] == vals[i]);
    ck_assert(ds.y[0] == 1.0 && ds.y[1] == 0.0);
    free_ds(&ds);
}
END_TEST

START_TEST(test_idx_predict_without_labels)
{
    write_good_idx(1);
    rt_source src = {.kind = RT_SRC_IDX, .path = in_dir("img.gz")};
    rt_shape shape = multiclass3_6;
    shape.predict = 1;
    rt_dataset ds;
    ck_assert_int_eq(rt_load_idx(&ds, &src, &shape), 0);
    ck_assert_int_eq(ds.n, 5);
    ck_assert_int_eq(ds.ny, 0);
    ck_assert_ptr_null(ds.y);
    free_ds(&ds);
    shape.predict = 0;
    EXPECT_LOAD_ERROR(rt_load_idx, &src, &shape, "IDX images need a labels file");
}
END_TEST

START_TEST(test_idx_errors)
{
    write_good_idx(1);
    rt_source src = {.kind = RT_SRC_IDX, .path = in_dir("img.gz"), .y = in_dir("lab.gz")};

    src.path = in_dir("absent-images-idx3-ubyte.gz");
    EXPECT_LOAD_ERROR(rt_load_idx, &src, &multiclass3_6,
                      "absent-images-idx3-ubyte.gz: error: cannot open: No such file or directory");

    write_bytes(in_dir("magic"), "\x12\x34\x56\x78\0\0\0\1", 8);
    src.path = in_dir("magic");
    EXPECT_LOAD_ERROR(rt_load_idx, &src, &multiclass3_6, "magic: error: not an IDX file (magic 0x12345678)");

    write_bytes(in_dir("short"), "\0\0", 2);
    src.path = in_dir("short");
    EXPECT_LOAD_ERROR(rt_load_idx, &src, &multiclass3_6, "not an IDX file");

    write_idx(in_dir("type"), 0, 0x07, 3, img_dims, pixels, 30);
    src.path = in_dir("type");
    EXPECT_LOAD_ERROR(rt_load_idx, &src, &multiclass3_6, "unsupported IDX type byte 0x07");

    /* Truncated, plain and gzip, and a gzip stream cut in the middle. */
    rt_shape predict = multiclass3_6; /* images alone, where the label count would differ */
    predict.predict = 1;
    write_idx(in_dir("trunc"), 0, 0x08, 3, img_dims, pixels, 20);
    src.path = in_dir("trunc");
    EXPECT_LOAD_ERROR(rt_load_idx, &src, &multiclass3_6, "trunc: error: truncated: expected 30 bytes of images, found 20");
    write_idx(in_dir("trunc.gz"), 1, 0x08, 3, img_dims, pixels, 20);
    src.path = in_dir("trunc.gz");
    EXPECT_LOAD_ERROR(rt_load_idx, &src, &multiclass3_6, "truncated: expected 30 bytes of images, found 20");
    {
        static unsigned char big[4000 * 6];
        for (size_t i = 0; i < sizeof big; i++)
            big[i] = (unsigned char)(i * 7919 % 251);
        const uint32_t bd[3] = {4000, 2, 3};
        write_idx(in_dir("cut.gz"), 1, 0x08, 3, bd, big, sizeof big);
        FILE *f = fopen(in_dir("cut.gz"), "rb");
        fseek(f, 0, SEEK_END);
        long size = ftell(f);
        fclose(f);
        ck_assert_int_eq(truncate(in_dir("cut.gz"), size / 2), 0);
        src.path = in_dir("cut.gz");
        src.y = NULL;
        EXPECT_LOAD_ERROR(rt_load_idx, &src, &predict, "truncated: expected 24000 bytes of images, found");
    }
    write_bytes(in_dir("bad.gz"), "\x1f\x8b\x08\0\0\0\0\0\0\x03garbagegarbage", 24);
    src.path = in_dir("bad.gz");
    EXPECT_LOAD_ERROR(rt_load_idx, &src, &predict, "bad.gz: error: corrupt gzip data: ");

    /* A header claiming 4 billion images of a plain file: refused before allocating. */
    const uint32_t huge[3] = {0x7fffffff, 2, 3};
    write_idx(in_dir("huge"), 0, 0x08, 3, huge, pixels, 30);
    src.path = in_dir("huge");
    EXPECT_LOAD_ERROR(rt_load_idx, &src, &predict, "truncated: expected 12884901882 bytes of images, found 30");
    /* The same claim gzipped: the size is unknown until read, and memory grows only with the data. */
    write_idx(in_dir("huge.gz"), 1, 0x08, 3, huge, pixels, 30);
    src.path = in_dir("huge.gz");
    EXPECT_LOAD_ERROR(rt_load_idx, &src, &predict, "truncated: expected 12884901882 bytes of images, found 30");

    write_idx(in_dir("extra"), 0, 0x08, 3, img_dims, pixels, 30 + 2);
    src.path = in_dir("extra");
    EXPECT_LOAD_ERROR(rt_load_idx, &src, &predict, "unexpected data after 30 bytes of images");

    src.y = in_dir("lab.gz");

    /* Images of the wrong size for the network. */
    static unsigned char one[784];
    const uint32_t mnist[3] = {1, 28, 28};
    write_idx(in_dir("mnist"), 0, 0x08, 3, mnist, one, sizeof one);
    src.path = in_dir("mnist");
    rt_shape s100 = {.inputs = 100, .outputs = 10, .task = RT_TASK_MULTICLASS};
    EXPECT_LOAD_ERROR(rt_load_idx, &src, &s100, "images are 28x28 = 784 values; the network's input is 100");
    const uint32_t flat[2] = {1, 784};
    write_idx(in_dir("flat"), 0, 0x08, 2, flat, one, sizeof one);
    src.path = in_dir("flat");
    EXPECT_LOAD_ERROR(rt_load_idx, &src, &s100, "images are 784 values; the network's input is 100");

    /* Labels: count mismatch, out of range, wrong rank. */
    src.path = in_dir("img.gz");
    const uint32_t four[1] = {4};
    write_idx(in_dir("lab4"), 0, 0x08, 1, four, labels5, 4);
    src.y = in_dir("lab4");
    EXPECT_LOAD_ERROR(rt_load_idx, &src, &multiclass3_6, "lab4: error: 4 labels, but ");
    EXPECT_LOAD_ERROR(rt_load_idx, &src, &multiclass3_6, "img.gz has 5 images");
    const unsigned char bad_labels[5] = {0, 1, 2, 7, 0};
    write_idx(in_dir("lab7"), 0, 0x08, 1, lab_dims, bad_labels, 5);
    src.y = in_dir("lab7");
    EXPECT_LOAD_ERROR(rt_load_idx, &src, &multiclass3_6, "lab7: error: sample 3: label 7");
    rt_shape binary = {.inputs = 6, .outputs = 1, .task = RT_TASK_BINARY};
    src.y = in_dir("lab.gz");
    EXPECT_LOAD_ERROR(rt_load_idx, &src, &binary, "sample 1: label 2");
    const uint32_t lab2d[2] = {5, 2};
    write_idx(in_dir("lab2d"), 0, 0x08, 2, lab2d, pixels, 10);
    src.y = in_dir("lab2d");
    EXPECT_LOAD_ERROR(rt_load_idx, &src, &multiclass3_6, "the network needs 1 label per sample");
    src.y = in_dir("absent-labels");
    EXPECT_LOAD_ERROR(rt_load_idx, &src, &multiclass3_6, "absent-labels: error: cannot open");
}
END_TEST

/* ---- NPY ------------------------------------------------------------------------------------ */

/* A .npy file with header text `dict` (padded to 64 bytes as numpy does), then the data. */
static void write_npy(const char *path, int major, const char *dict, const void *data, size_t nbytes)
{
    size_t pre = major == 1 ? 10 : 12, len = strlen(dict);
    size_t total = (pre + len + 1 + 63) / 64 * 64, hlen = total - pre;
    unsigned char *buf = calloc(1, total + nbytes);
    memcpy(buf, "\x93NUMPY", 6);
    buf[6] = (unsigned char)major;
    for (size_t b = 0; b < pre - 8; b++)
        buf[8 + b] = (unsigned char)(hlen >> (8 * b));
    memset(buf + pre, ' ', hlen);
    memcpy(buf + pre, dict, len);
    buf[total - 1] = '\n';
    if (nbytes)
        memcpy(buf + total, data, nbytes);
    write_bytes(path, buf, total + nbytes);
    free(buf);
}

static const float xf[4 * 6] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24};
static const double y4[4] = {0, 2, 1, 2};
#define NPY_X "{'descr': '<f4', 'fortran_order': False, 'shape': (4, 6), }"
#define NPY_Y "{'descr': '<f8', 'fortran_order': False, 'shape': (4,), }"

START_TEST(test_npy_written_by_numpy)
{
    /* Fixtures from numpy itself (tests/data/loaders/README.md); tests run with cwd = tests/. */
    const char *fx = "data/loaders/";
    char x[256], y[256];
    rt_dataset ds;
    rt_shape shape = multiclass3_6;

    snprintf(x, sizeof x, "%sx_u8_v1.npy", fx);
    snprintf(y, sizeof y, "%sy_i8_v1.npy", fx);
    rt_source src = {.kind = RT_SRC_NPY, .path = x, .y = y};
    ck_assert_int_eq(rt_load_npy(&ds, &src, &shape), 0);
    ck_assert_int_eq(ds.n, 4);
    ck_assert_int_eq(ds.d, 6);
    ck_assert_ptr_nonnull(ds.x_u8);
    for (int i = 0; i < 24; i++)
        ck_assert_int_eq(ds.x_u8[i], i * 10);
    ck_assert(ds.y[0] == 0 && ds.y[1] == 2 && ds.y[2] == 1 && ds.y[3] == 2);
    free_ds(&ds);

    snprintf(x, sizeof x, "%sx_f4_v2.npy", fx);
    snprintf(y, sizeof y, "%sy_b1_v3.npy", fx);
    shape.task = RT_TASK_BINARY;
    shape.outputs = 1;
    ck_assert_int_eq(rt_load_npy(&ds, &src, &shape), 0);
    ck_assert_ptr_null(ds.x_u8);
    for (int i = 0; i < 24; i++)
        ck_assert(ds.x_f64[i] == i * 10 / 4.0);
    ck_assert(ds.y[0] == 1 && ds.y[1] == 0 && ds.y[2] == 1 && ds.y[3] == 1);
    free_ds(&ds);

    snprintf(x, sizeof x, "%sx_be_f8.npy", fx);
    ck_assert_int_eq(rt_load_npy(&ds, &src, &shape), 0);
    for (int i = 0; i < 24; i++)
        ck_assert(ds.x_f64[i] == i * 10 - 100.5);
    free_ds(&ds);

    snprintf(x, sizeof x, "%sx_fortran.npy", fx);
    EXPECT_LOAD_ERROR(rt_load_npy, &src, &shape,
                      "x_fortran.npy: error: Fortran-order arrays are not supported; save with np.ascontiguousarray");
    snprintf(x, sizeof x, "%sx_object.npy", fx);
    EXPECT_LOAD_ERROR(rt_load_npy, &src, &shape, "x_object.npy: error: object arrays (dtype '|O') are not supported");
}
END_TEST

START_TEST(test_npy_good)
{
    rt_dataset ds;
    rt_source src = {.kind = RT_SRC_NPY, .path = in_dir("x.npy"), .y = in_dir("y.npy")};
    write_npy(src.path, 1, NPY_X, xf, sizeof xf);
    write_npy(src.y, 1, NPY_Y, y4, sizeof y4);
    ck_assert_int_eq(rt_load_npy(&ds, &src, &multiclass3_6), 0);
    ck_assert(ds.n == 4 && ds.d == 6 && ds.ny == 1 && ds.x_f64[23] == 24.0 && ds.y[1] == 2.0);
    free_ds(&ds);

    /* (n, 1) labels, dtypes of every width, version 3.0, extra whitespace and no trailing comma. */
    const int32_t yi[4] = {1, 0, 2, 2};
    write_npy(src.y, 3, "{ \"descr\" : '<i4' , 'shape':(4,1),'fortran_order':False}", yi, sizeof yi);
    const int16_t xs[24] = {-3, 0, 7, 32767, -32768, 1};
    write_npy(src.path, 2, "{'descr': '<i2', 'fortran_order': False, 'shape': (4, 2, 3), }", xs, sizeof xs);
    ck_assert_int_eq(rt_load_npy(&ds, &src, &multiclass3_6), 0);
    ck_assert(ds.x_f64[0] == -3 && ds.x_f64[3] == 32767 && ds.x_f64[4] == -32768 && ds.y[2] == 2);
    free_ds(&ds);

    /* Regression: (n, 2) targets. */
    const float targets[8] = {0.5f, -1, 2, 3, 4, 5, 6, 7.25f};
    write_npy(src.y, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4, 2), }", targets, sizeof targets);
    write_npy(src.path, 1, NPY_X, xf, sizeof xf);
    rt_shape reg = {.inputs = 6, .outputs = 2, .task = RT_TASK_REGRESSION};
    ck_assert_int_eq(rt_load_npy(&ds, &src, &reg), 0);
    ck_assert(ds.ny == 2 && ds.y[7] == 7.25 && ds.y[1] == -1);
    free_ds(&ds);

    /* --predict: no labels. */
    rt_source nolabels = {.kind = RT_SRC_NPY, .path = in_dir("x.npy")};
    rt_shape predict = multiclass3_6;
    predict.predict = 1;
    ck_assert_int_eq(rt_load_npy(&ds, &nolabels, &predict), 0);
    ck_assert(ds.n == 4 && ds.ny == 0 && ds.y == NULL);
    free_ds(&ds);
    EXPECT_LOAD_ERROR(rt_load_npy, &nolabels, &multiclass3_6, "NPY data needs a labels file");
}
END_TEST

START_TEST(test_npy_errors)
{
    rt_source src = {.kind = RT_SRC_NPY, .path = in_dir("x.npy"), .y = in_dir("y.npy")};
    const rt_shape *sh = &multiclass3_6;
    write_npy(src.y, 1, NPY_Y, y4, sizeof y4);

    src.path = in_dir("absent.npy");
    EXPECT_LOAD_ERROR(rt_load_npy, &src, sh, "absent.npy: error: cannot open: No such file or directory");
    src.path = in_dir("x.npy");

    write_bytes(src.path, "PK\3\4 this is a zip (an .npz)", 29);
    EXPECT_LOAD_ERROR(rt_load_npy, &src, sh, "x.npy: error: not a .npy file");
    write_bytes(src.path, "\x93NUM", 4);
    EXPECT_LOAD_ERROR(rt_load_npy, &src, sh, "not a .npy file");
    write_npy(src.path, 4, NPY_X, xf, sizeof xf);
    EXPECT_LOAD_ERROR(rt_load_npy, &src, sh, "unsupported .npy version 4.0");

    write_npy(src.path, 1, NPY_X, xf, sizeof xf - 8);
    EXPECT_LOAD_ERROR(rt_load_npy, &src, sh, "x.npy: error: truncated: expected 96 bytes of data, found 88");
    write_npy(src.path, 1, NPY_X, xf, 0);
    ck_assert_int_eq(truncate(src.path, 40), 0); /* inside the header */
    EXPECT_LOAD_ERROR(rt_load_npy, &src, sh, "truncated: the header says 118 bytes, the file has 40");
    write_npy(src.path, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4, 5), }", xf, sizeof xf);
    EXPECT_LOAD_ERROR(rt_load_npy, &src, sh, "x has shape (4, 5): 5 values per sample; the network's input is 6");
    write_npy(src.path, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4, 5), }", xf, sizeof xf - 16);
    EXPECT_LOAD_ERROR(rt_load_npy, &src, sh, "x has shape (4, 5)");
    write_npy(src.path, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 6), }", xf, sizeof xf);
    write_npy(src.y, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", y4, 24);
    EXPECT_LOAD_ERROR(rt_load_npy, &src, sh, "24 bytes after the array's data");
    write_npy(src.y, 1, NPY_Y, y4, sizeof y4);

    /* The header dict, strictly. */
    static const struct {
        const char *dict, *want;
    } headers[] = {
        {"{'descr': '<f4', 'fortran_order': False}", "needs 'descr', 'fortran_order' and 'shape'"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (4, 6), 'extra': 1}", "unknown or repeated key"},
        {"{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (4, 6)}", "unknown or repeated key"},
        {"{'descr': '<f4' 'fortran_order': False, 'shape': (4, 6)}", "expected ',' or '}'"},
        {"{'descr': '<f4', 'fortran_order': false, 'shape': (4, 6)}", "expected True or False"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': [4, 6]}", "expected a shape tuple"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (4, -6)}", "expected a dimension"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (4 6)}", "expected ',' or ')'"},
        {"{'descr': '<f4, 'fortran_order': False, 'shape': (4, 6)}", "bad .npy header"},
        {"{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (4,)}", "structured arrays"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (4, 6)} junk", "text after the dict"},
        {"['descr', '<f4']", "expected '{'"},
        {"{'descr': '<c16', 'fortran_order': False, 'shape': (4, 6)}", "unsupported dtype '<c16'"},
        {"{'descr': '<U3', 'fortran_order': False, 'shape': (4, 6)}", "unsupported dtype '<U3'"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': ()}", "holds a single value"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (0, 6)}", "0 samples"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999, 6)}", "dimension too large"},
        {"{'descr': '<f4', 'fortran_order': True, 'shape': (4, 6)}", "Fortran-order arrays are not supported"},
    };
    for (size_t i = 0; i < sizeof headers / sizeof headers[0]; i++) {
        write_npy(src.path, 1, headers[i].dict, xf, sizeof xf);
        EXPECT_LOAD_ERROR(rt_load_npy, &src, sh, headers[i].want);
    }

    /* Counts, values and labels. */
    write_npy(src.path, 1, NPY_X, xf, sizeof xf);
    write_npy(src.y, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", y4, 24);
    EXPECT_LOAD_ERROR(rt_load_npy, &src, sh, "y.npy: error: y has 3 samples, but x (");
    write_npy(src.y, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", y4, 32);
    EXPECT_LOAD_ERROR(rt_load_npy, &src, sh, "y has shape (2, 2); the network needs 1 label per sample");
    const double bad_y[4] = {0, 1, 2, 3};
    write_npy(src.y, 1, NPY_Y, bad_y, sizeof bad_y);
    EXPECT_LOAD_ERROR(rt_load_npy, &src, sh, "y.npy: error: sample 3: label 3");
    const double nan_y[4] = {0, NAN, 2, 1};
    write_npy(src.y, 1, NPY_Y, nan_y, sizeof nan_y);
    EXPECT_LOAD_ERROR(rt_load_npy, &src, sh, "y.npy: error: the label of sample 1 is not finite (nan)");
    write_npy(src.y, 1, NPY_Y, y4, sizeof y4);
    float nan_x[24];
    memcpy(nan_x, xf, sizeof xf);
    nan_x[15] = INFINITY;
    write_npy(src.path, 1, NPY_X, nan_x, sizeof nan_x);
    EXPECT_LOAD_ERROR(rt_load_npy, &src, sh, "x.npy: error: x of sample 2 is not finite (inf)");
    rt_shape reg = {.inputs = 6, .outputs = 2, .task = RT_TASK_REGRESSION};
    write_npy(src.path, 1, NPY_X, xf, sizeof xf);
    EXPECT_LOAD_ERROR(rt_load_npy, &src, &reg, "the network needs 2 targets per sample: (n, 2)");
}
END_TEST

/* ---- HDF5 ----------------------------------------------------------------------------------- */

/* A dataset stored as `type`, written from memory of type `mem`. */
static void h5_put2(hid_t file, const char *name, hid_t type, hid_t mem, int rank, const hsize_t *dims,
                    const void *data)
{
    hid_t space = H5Screate_simple(rank, dims, NULL);
    hid_t d = H5Dcreate2(file, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    ck_assert_int_ge(d, 0);
    ck_assert_int_ge(H5Dwrite(d, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), 0);
    H5Dclose(d);
    H5Sclose(space);
}

static void h5_put(hid_t file, const char *name, hid_t type, int rank, const hsize_t *dims, const void *data)
{
    h5_put2(file, name, type, type, rank, dims, data);
}

static unsigned char h5_pixels[5 * 2 * 3];
static const double h5_y[5] = {1, 0, 0, 1, 1};

/* t.h5: X_train (5, 2, 3) uint8, Y_train (5, 1) float64 like the course's files; plus odd ones. */
static void write_h5(void)
{
    for (int i = 0; i < 30; i++)
        h5_pixels[i] = (unsigned char)(255 - i);
    hid_t f = H5Fcreate(in_dir("t.h5"), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    ck_assert_int_ge(f, 0);
    const hsize_t xd[3] = {5, 2, 3}, yd[2] = {5, 1}, y1[1] = {5}, y4d[1] = {4}, fd[2] = {5, 6};
    h5_put(f, "X_train", H5T_NATIVE_UCHAR, 3, xd, h5_pixels);
    h5_put(f, "Y_train", H5T_NATIVE_DOUBLE, 2, yd, h5_y);
    float xfl[30];
    for (int i = 0; i < 30; i++)
        xfl[i] = (float)i / 8;
    h5_put2(f, "X_float", H5T_IEEE_F32BE, H5T_NATIVE_FLOAT, 2, fd, xfl); /* big-endian in the file: HDF5 converts */
    const int32_t yi[5] = {0, 1, 1, 0, 1};
    h5_put(f, "y_int", H5T_NATIVE_INT, 1, y1, yi);
    h5_put(f, "y_short", H5T_NATIVE_INT, 1, y4d, yi);
    const double ybad[5] = {0, 1, 2, 1, 0};
    h5_put(f, "y_bad", H5T_NATIVE_DOUBLE, 1, y1, ybad);
    double ynan[5] = {0, 1, 1, NAN, 0};
    h5_put(f, "y_nan", H5T_NATIVE_DOUBLE, 1, y1, ynan);
    xfl[13] = NAN;
    h5_put(f, "X_nan", H5T_NATIVE_FLOAT, 2, fd, xfl);
    hid_t g = H5Gcreate2(f, "group", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Gclose(g);
    H5Fclose(f);
}

START_TEST(test_hdf5_good)
{
    write_h5();
    rt_source src = {.kind = RT_SRC_HDF5, .path = in_dir("t.h5"), .x = "X_train", .y = "Y_train"};
    rt_shape shape = {.inputs = 6, .outputs = 1, .task = RT_TASK_BINARY};
    rt_dataset ds;
    ck_assert_int_eq(rt_load_hdf5(&ds, &src, &shape), 0);
    ck_assert(ds.n == 5 && ds.d == 6 && ds.ny == 1);
    ck_assert_ptr_nonnull(ds.x_u8);
    ck_assert_ptr_null(ds.x_f64);
    ck_assert_int_eq(memcmp(ds.x_u8, h5_pixels, 30), 0);
    for (int i = 0; i < 5; i++)
        ck_assert(ds.y[i] == h5_y[i]);
    free_ds(&ds);

    src.x = "X_float";
    src.y = "y_int";
    ck_assert_int_eq(rt_load_hdf5(&ds, &src, &shape), 0);
    ck_assert_ptr_null(ds.x_u8);
    for (int i = 0; i < 30; i++)
        ck_assert(ds.x_f64[i] == i / 8.0);
    ck_assert(ds.y[1] == 1 && ds.y[3] == 0);
    free_ds(&ds);

    shape.predict = 1;
    src.y = NULL;
    ck_assert_int_eq(rt_load_hdf5(&ds, &src, &shape), 0);
    ck_assert(ds.ny == 0 && ds.y == NULL);
    free_ds(&ds);
}
END_TEST

START_TEST(test_hdf5_errors)
{
    write_h5();
    rt_source src = {.kind = RT_SRC_HDF5, .path = in_dir("t.h5"), .x = "X_train", .y = "Y_train"};
    rt_shape shape = {.inputs = 6, .outputs = 1, .task = RT_TASK_BINARY};

    src.path = in_dir("absent.hdf5");
    EXPECT_LOAD_ERROR(rt_load_hdf5, &src, &shape, "absent.hdf5: error: cannot open: No such file or directory");
    write_bytes(in_dir("text.hdf5"), "x,y\n1,2\n", 8);
    src.path = in_dir("text.hdf5");
    EXPECT_LOAD_ERROR(rt_load_hdf5, &src, &shape, "text.hdf5: error: not an HDF5 file");
    src.path = in_dir("t.h5");

    src.x = "X_trian";
    EXPECT_LOAD_ERROR(rt_load_hdf5, &src, &shape,
                      "t.h5: error: no dataset 'X_trian' in t.h5 (datasets: X_float, X_nan, X_train, Y_train, "
                      "y_bad, y_int, y_nan, y_short)");
    src.x = "no/such/path";
    EXPECT_LOAD_ERROR(rt_load_hdf5, &src, &shape, "no dataset 'no/such/path'");
    src.x = "group";
    EXPECT_LOAD_ERROR(rt_load_hdf5, &src, &shape, "'group' is not a dataset");
    src.x = "X_train";
    src.y = "Y_trian";
    EXPECT_LOAD_ERROR(rt_load_hdf5, &src, &shape, "no dataset 'Y_trian'");
    src.y = NULL;
    EXPECT_LOAD_ERROR(rt_load_hdf5, &src, &shape, "HDF5 data needs a labels dataset");
    src.y = "Y_train";

    rt_shape s100 = {.inputs = 100, .outputs = 1, .task = RT_TASK_BINARY};
    EXPECT_LOAD_ERROR(rt_load_hdf5, &src, &s100,
                      "dataset 'X_train' has shape (5, 2, 3): 6 values per sample; the network's input is 100");
    src.y = "y_short";
    EXPECT_LOAD_ERROR(rt_load_hdf5, &src, &shape, "dataset 'y_short' has 4 labels, but 'X_train' has 5 samples");
    src.y = "X_float";
    EXPECT_LOAD_ERROR(rt_load_hdf5, &src, &shape, "dataset 'X_float' has shape (5, 6); the network needs 1 label");
    src.y = "y_bad";
    EXPECT_LOAD_ERROR(rt_load_hdf5, &src, &shape, "dataset 'y_bad': sample 2: label 2");
    src.y = "y_nan";
    EXPECT_LOAD_ERROR(rt_load_hdf5, &src, &shape, "dataset 'y_nan': sample 3 is not finite (nan)");
    src.y = "Y_train";
    src.x = "X_nan";
    EXPECT_LOAD_ERROR(rt_load_hdf5, &src, &shape, "dataset 'X_nan': sample 2 is not finite (nan)");
    src.x = NULL;
    EXPECT_LOAD_ERROR(rt_load_hdf5, &src, &shape, "HDF5 data needs the name of its x dataset");
}
END_TEST

/* ---- the real data sets ----------------------------------------------------------------------- */

#define FASHION "/usr/share/datasets/fashion-mnist/"

START_TEST(test_fashion_mnist)
{
    if (access(FASHION "train-images-idx3-ubyte.gz", R_OK) != 0) {
        printf("skipped: Fashion-MNIST: " FASHION "train-images-idx3-ubyte.gz not found\n");
        fflush(stdout);
        return;
    }
    rt_shape shape = {.inputs = 784, .outputs = 10, .task = RT_TASK_MULTICLASS};
    static const struct {
        const char *images, *labels;
        int n;
    } sets[] = {
        {FASHION "train-images-idx3-ubyte.gz", FASHION "train-labels-idx1-ubyte.gz", 60000},
        {FASHION "t10k-images-idx3-ubyte.gz", FASHION "t10k-labels-idx1-ubyte.gz", 10000},
    };
    for (int s = 0; s < 2; s++) {
        rt_source src = {.kind = RT_SRC_IDX, .path = sets[s].images, .y = sets[s].labels};
        rt_dataset ds;
        double t0 = rt_now();
        ck_assert_int_eq(rt_load_idx(&ds, &src, &shape), 0);
        double t = rt_now() - t0;
        ck_assert_int_eq(ds.n, sets[s].n);
        ck_assert_int_eq(ds.d, 784);
        ck_assert_int_eq(ds.ny, 1);
        ck_assert_ptr_nonnull(ds.x_u8);
        ck_assert_ptr_null(ds.x_f64);
        /* Fashion-MNIST is balanced: n/10 of each class; and its images are not all black. */
        int count[10] = {0};
        for (int i = 0; i < ds.n; i++)
            count[(int)ds.y[i]]++;
        for (int c = 0; c < 10; c++)
            ck_assert_int_eq(count[c], sets[s].n / 10);
        long sum = 0;
        for (size_t i = 0; i < 784; i++)
            sum += ds.x_u8[i];
        ck_assert_int_gt(sum, 0);
        printf("Fashion-MNIST %s: %d x %d uint8 (%.1f MB) loaded in %.3f s\n", s ? "t10k" : "train", ds.n, ds.d,
               (double)ds.n * ds.d / 1e6, t);
        fflush(stdout);
        free_ds(&ds);
    }
}
END_TEST

#define CATS "../../shared/data/cats-vs-dogs/"

START_TEST(test_cats_vs_dogs)
{
    if (access(CATS "trainset.hdf5", R_OK) != 0) {
        printf("skipped: cats-vs-dogs: " CATS "trainset.hdf5 not found (relative to tests/)\n");
        fflush(stdout);
        return;
    }
    rt_shape shape = {.inputs = 64 * 64, .outputs = 1, .task = RT_TASK_BINARY};
    rt_source src = {.kind = RT_SRC_HDF5, .path = CATS "trainset.hdf5", .x = "X_train", .y = "Y_train"};
    rt_dataset ds;
    double t0 = rt_now();
    ck_assert_int_eq(rt_load_hdf5(&ds, &src, &shape), 0);
    double t = rt_now() - t0;
    ck_assert(ds.n == 1000 && ds.d == 4096 && ds.ny == 1 && ds.x_u8 != NULL);
    int ones = 0;
    for (int i = 0; i < ds.n; i++)
        ones += ds.y[i] == 1.0;
    ck_assert(ones > 0 && ones < ds.n);
    printf("cats-vs-dogs trainset.hdf5: %d x %d uint8, %d dogs, loaded in %.3f s\n", ds.n, ds.d, ones, t);
    free_ds(&ds);

    src.path = CATS "testset.hdf5";
    src.x = "X_test";
    src.y = "Y_test";
    ck_assert_int_eq(rt_load_hdf5(&ds, &src, &shape), 0);
    ck_assert(ds.n > 0 && ds.d == 4096 && ds.x_u8 != NULL);
    printf("cats-vs-dogs testset.hdf5: %d x %d uint8\n", ds.n, ds.d);
    fflush(stdout);
    free_ds(&ds);

    src.x = "X_trian";
    EXPECT_LOAD_ERROR(rt_load_hdf5, &src, &shape, "no dataset 'X_trian' in testset.hdf5 (datasets: X_test, Y_test)");
}
END_TEST

Suite *loaders_suite(void)
{
    Suite *s = suite_create("loaders");
    TCase *idx = tcase_create("idx"), *npy = tcase_create("npy"), *h5 = tcase_create("hdf5");
    TCase *real = tcase_create("real data");
    tcase_add_checked_fixture(idx, scratch_setup, scratch_teardown);
    tcase_add_checked_fixture(npy, scratch_setup, scratch_teardown);
    tcase_add_checked_fixture(h5, scratch_setup, scratch_teardown);
    tcase_add_test(idx, test_idx_good);
    tcase_add_test(idx, test_idx_other_types);
    tcase_add_test(idx, test_idx_predict_without_labels);
    tcase_add_test(idx, test_idx_errors);
    tcase_add_test(npy, test_npy_written_by_numpy);
    tcase_add_test(npy, test_npy_good);
    tcase_add_test(npy, test_npy_errors);
    tcase_add_test(h5, test_hdf5_good);
    tcase_add_test(h5, test_hdf5_errors);
    tcase_set_timeout(real, 120); /* decompressing 47 MB under sanitizers */
    tcase_add_test(real, test_fashion_mnist);
    tcase_add_test(real, test_cats_vs_dogs);
    suite_add_tcase(s, idx);
    suite_add_tcase(s, npy);
    suite_add_tcase(s, h5);
    suite_add_tcase(s, real);
    return s;
}
