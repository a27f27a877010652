/* test_safetensors.c — rt_safetensors.c: round trips, a plain reader's view, and broken files. */
#include "nncc_rt.h"

#include "capture.h"

#include <check.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- a scratch directory per test, and stderr captured so error text can be asserted ---- */

static char dir[64];

static void scratch_setup(void)
{
    strcpy(dir, "/tmp/nncc_st_XXXXXX");
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

static int count_files(void)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    while (d && (e = readdir(d)))
        n += e->d_name[0] != '.';
    if (d)
        closedir(d);
    return n;
}

static const char *in_dir(const char *name)
{
    static char p[256][512]; /* callers keep the pointers for a whole test */
    static int k;
    k = (k + 1) % 256;
    snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
    return p[k];
}

/* `call` must return -1 and print an error containing `want`. */
#define EXPECT_ERROR(call, want)                                                                   \
    do {                                                                                           \
        capture_begin();                                                                           \
        int rc_ = (call);                                                                          \
        const char *err_ = capture_end();                                                          \
        if (getenv("SHOW_ERRORS")) /* SHOW_ERRORS=1 prints every message, to read them */          \
            fputs(err_, stdout);                                                                   \
        ck_assert_msg(rc_ == -1, "expected -1 from %s, got %d", #call, rc_);                       \
        ck_assert_msg(strstr(err_, (want)) != NULL, "expected error containing\n  %s\ngot\n  %s",  \
                      (want), err_);                                                               \
        ck_assert_msg(strstr(err_, "error: ") != NULL, "not a located error: %s", err_);           \
    } while (0)

/* A hand-made file: the header text as given (padded to 8), then `data`. */
static void write_raw(const char *path, const char *header, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    size_t h = strlen(header), padded = (h + 7) / 8 * 8;
    unsigned char len8[8];
    for (int i = 0; i < 8; i++)
        len8[i] = (unsigned char)((uint64_t)padded >> (8 * i));
    fwrite(len8, 1, 8, f);
    fwrite(header, 1, h, f);
    for (size_t i = h; i < padded; i++)
        fputc(' ', f);
    if (n)
        fwrite(data, 1, n, f);
    fclose(f);
}

static void write_bytes(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    fwrite(data, 1, n, f);
    fclose(f);
}

/* ---- round trips -------------------------------------------------------------------------- */

static const float w32[6] = {1.5f, -2.25f, 3.0f, 0.1f, -1e-7f, 65504.0f};
static const double b64[4] = {0.1, -0.2, 1e300, -3.0};
static const int64_t step64[1] = {123456789012345LL};

static int write_sample(const char *path)
{
    rt_st_entry e[3] = {
        {"layers.0.weight", "F32", 2, {3, 2}, w32},
        {"layers.0.bias", "F64", 1, {4, 0}, b64},
        {"step", "I64", 0, {0, 0}, step64},
    };
    return rt_st_write(path, e, 3, "{\"epoch\": 7, \"format\": \"pt\", \"loss\": \"0.25\"}");
}

START_TEST(test_roundtrip)
{
    const char *path = in_dir("w.safetensors");
    ck_assert_int_eq(write_sample(path), 0);
    ck_assert_int_eq(count_files(), 1); /* no temp file left beside it */

    rt_st_file f;
    ck_assert_int_eq(rt_st_open(&f, path), 0);
    ck_assert_int_eq((int)(f.data_start % 8), 0);
    double w[6], b[4], s[1];
    int64_t ws[2] = {3, 2}, bs[1] = {4};
    ck_assert_int_eq(rt_st_read(&f, path, "layers.0.weight", ws, 2, w), 0);
    ck_assert_int_eq(rt_st_read(&f, path, "layers.0.bias", bs, 1, b), 0);
    ck_assert_int_eq(rt_st_read(&f, path, "step", NULL, 0, s), 0);
    for (int i = 0; i < 6; i++)
        ck_assert(w[i] == (double)w32[i]);
    for (int i = 0; i < 4; i++)
        ck_assert(b[i] == b64[i]);
    ck_assert(s[0] == 123456789012345.0);
    ck_assert_str_eq(rt_st_metadata(&f, "epoch"), "7");
    ck_assert_str_eq(rt_st_metadata(&f, "format"), "pt");
    ck_assert_str_eq(rt_st_metadata(&f, "loss"), "0.25");
    ck_assert_ptr_null(rt_st_metadata(&f, "missing"));
    ck_assert_int_eq(rt_st_has(&f, "step"), 1);
    ck_assert_int_eq(rt_st_has(&f, "__metadata__"), 0);
    ck_assert_int_eq(rt_st_has(&f, "layers.1.weight"), 0);
    rt_st_close(&f);
}
END_TEST

START_TEST(test_no_metadata_and_overwrite)
{
    const char *path = in_dir("w.safetensors");
    ck_assert_int_eq(write_sample(path), 0);
    float one = 42.0f;
    rt_st_entry e = {"only", "F32", 1, {1, 0}, &one};
    ck_assert_int_eq(rt_st_write(path, &e, 1, NULL), 0); /* replaces the file whole */
    rt_st_file f;
    ck_assert_int_eq(rt_st_open(&f, path), 0);
    ck_assert_int_eq(rt_st_has(&f, "layers.0.weight"), 0);
    double v;
    int64_t shape[1] = {1};
    ck_assert_int_eq(rt_st_read(&f, path, "only", shape, 1, &v), 0);
    ck_assert(v == 42.0);
    ck_assert_ptr_null(rt_st_metadata(&f, "epoch"));
    rt_st_close(&f);
    ck_assert_int_eq(count_files(), 1);
}
END_TEST

/* The file as a plain reader (json + struct + numpy) sees it: the format, not our reader. */
START_TEST(test_plain_reader)
{
    if (access("/usr/bin/python3", X_OK) != 0 || system("/usr/bin/python3 -c 'import numpy' 2>/dev/null") != 0 ||
        access("safetensors_check.py", R_OK) != 0) {
        printf("skipped: plain safetensors reader (/usr/bin/python3 with numpy, tests/safetensors_check.py) not found\n");
        return;
    }
    const char *path = in_dir("w.safetensors");
    ck_assert_int_eq(write_sample(path), 0);
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 safetensors_check.py %s layers.0.weight=3x2 layers.0.bias=4 step= >/dev/null",
             path);
    ck_assert_int_eq(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 safetensors_check.py %s layers.0.weight=2x3 >/dev/null 2>&1",
             path);
    ck_assert_int_ne(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 safetensors_check.py %s layers.9.weight=2 >/dev/null 2>&1", path);
    ck_assert_int_ne(system(cmd), 0);
}
END_TEST

/* The narrow dtypes other tools write: F16, BF16, I8, U8, I16, I32, BOOL. */
START_TEST(test_read_dtypes)
{
    const char *path = in_dir("d.safetensors");
    unsigned char data[] = {
        0x00, 0x3c, 0x00, 0xc0, 0x01, 0x00,             /* F16: 1, -2, 2^-24 */
        0x80, 0x3f, 0x40, 0xc0,                         /* BF16: 1, -3 */
        0xff, 0x7f,                                     /* I8: -1, 127 */
        0xff, 0x00,                                     /* U8: 255, 0 */
        0x00, 0x80,                                     /* I16: -32768 */
        0xfe, 0xff, 0xff, 0xff,                         /* I32: -2 */
        0x01, 0x00,                                     /* BOOL */
    };
    write_raw(path,
              "{\"h\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[0,6]},"
              "\"bf\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[6,10]},"
              "\"i8\":{\"dtype\":\"I8\",\"shape\":[2],\"data_offsets\":[10,12]},"
              "\"u8\":{\"dtype\":\"U8\",\"shape\":[1,2],\"data_offsets\":[12,14]},"
              "\"i16\":{\"dtype\":\"I16\",\"shape\":[1],\"data_offsets\":[14,16]},"
              "\"i32\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[16,20]},"
              "\"b\":{\"dtype\":\"BOOL\",\"shape\":[2],\"data_offsets\":[20,22]}}",
              data, sizeof data);
    rt_st_file f;
    ck_assert_int_eq(rt_st_open(&f, path), 0);
    double v[3];
    int64_t s3[1] = {3}, s2[1] = {2}, s12[2] = {1, 2}, s1[1] = {1};
    ck_assert_int_eq(rt_st_read(&f, path, "h", s3, 1, v), 0);
    ck_assert(v[0] == 1.0 && v[1] == -2.0 && v[2] == ldexp(1.0, -24));
    ck_assert_int_eq(rt_st_read(&f, path, "bf", s2, 1, v), 0);
    ck_assert(v[0] == 1.0 && v[1] == -3.0);
    ck_assert_int_eq(rt_st_read(&f, path, "i8", s2, 1, v), 0);
    ck_assert(v[0] == -1.0 && v[1] == 127.0);
    ck_assert_int_eq(rt_st_read(&f, path, "u8", s12, 2, v), 0);
    ck_assert(v[0] == 255.0 && v[1] == 0.0);
    ck_assert_int_eq(rt_st_read(&f, path, "i16", s1, 1, v), 0);
    ck_assert(v[0] == -32768.0);
    ck_assert_int_eq(rt_st_read(&f, path, "i32", s1, 1, v), 0);
    ck_assert(v[0] == -2.0);
    ck_assert_int_eq(rt_st_read(&f, path, "b", s2, 1, v), 0);
    ck_assert(v[0] == 1.0 && v[1] == 0.0);
    rt_st_close(&f);
}
END_TEST

/* ---- errors ------------------------------------------------------------------------------- */

START_TEST(test_wrong_shape_and_missing)
{
    const char *path = in_dir("weights.safetensors");
    ck_assert_int_eq(write_sample(path), 0);
    rt_st_file f;
    ck_assert_int_eq(rt_st_open(&f, path), 0);
    double w[6];
    int64_t want[2] = {2, 3}, want1[1] = {6};
    EXPECT_ERROR(rt_st_read(&f, path, "layers.0.weight", want, 2, w),
                 "weights.safetensors: error: tensor 'layers.0.weight' has shape [3, 2], expected [2, 3]");
    EXPECT_ERROR(rt_st_read(&f, path, "layers.0.weight", want1, 1, w), "has shape [3, 2], expected [6]");
    EXPECT_ERROR(rt_st_read(&f, path, "layers.1.weight", want, 2, w),
                 "weights.safetensors: error: no tensor 'layers.1.weight'");
    EXPECT_ERROR(rt_st_read(&f, path, "__metadata__", want, 2, w), "no tensor '__metadata__'");
    rt_st_close(&f);
}
END_TEST

START_TEST(test_non_finite)
{
    const char *path = in_dir("weights.safetensors");
    float bad[3] = {1.0f, NAN, 2.0f};
    rt_st_entry e = {"layers.0.bias", "F32", 1, {3, 0}, bad};
    ck_assert_int_eq(rt_st_write(path, &e, 1, NULL), 0);
    rt_st_file f;
    ck_assert_int_eq(rt_st_open(&f, path), 0);
    double v[3];
    int64_t s[1] = {3};
    EXPECT_ERROR(rt_st_read(&f, path, "layers.0.bias", s, 1, v), "tensor 'layers.0.bias' has a non-finite value");
    EXPECT_ERROR(rt_st_read(&f, path, "layers.0.bias", s, 1, v), "at index 1");
    /* Training state keeps NaN on purpose: the raw read hands it back. */
    ck_assert_int_eq(rt_st_read_raw(&f, path, "layers.0.bias", s, 1, v), 0);
    ck_assert(v[0] == 1.0 && isnan(v[1]) && v[2] == 2.0);
    rt_st_close(&f);
}
END_TEST

START_TEST(test_write_errors)
{
    float x = 1;
    rt_st_entry e = {"x", "F32", 1, {1, 0}, &x};
    const char *path = in_dir("no/such/dir/w.safetensors");
    EXPECT_ERROR(rt_st_write(path, &e, 1, NULL), "no/such/dir/w.safetensors: error: cannot write");
    EXPECT_ERROR(rt_st_write(in_dir("w.safetensors"), &e, 1, "[1, 2]"), "metadata is not a JSON object");
    rt_st_entry twice[2] = {e, e};
    EXPECT_ERROR(rt_st_write(in_dir("w.safetensors"), twice, 2, NULL), "tensor name 'x' used twice");
    rt_st_entry odd = {"x", "Q4", 1, {1, 0}, &x};
    EXPECT_ERROR(rt_st_write(in_dir("w.safetensors"), &odd, 1, NULL), "tensor 'x' has dtype Q4");
    ck_assert_int_eq(count_files(), 0); /* nothing half-written */
}
END_TEST

START_TEST(test_broken_files)
{
    rt_st_file f;
    const char *p = in_dir("weights.safetensors");
    float four[4] = {1, 2, 3, 4};

    EXPECT_ERROR(rt_st_open(&f, in_dir("absent.safetensors")), "absent.safetensors: error: cannot open");

    write_bytes(p, "\x10\0\0", 3);
    EXPECT_ERROR(rt_st_open(&f, p), "weights.safetensors: error: not a safetensors file: 3 bytes");

    unsigned char big[12] = {0xff, 0xff, 0, 0, 0, 0, 0, 0, '{', '}', ' ', ' '};
    write_bytes(p, big, sizeof big);
    EXPECT_ERROR(rt_st_open(&f, p), "header length 65535 exceeds the file (12 bytes)");

    write_raw(p, "{\"x\": {\"dtype\": \"F32\", ", NULL, 0);
    EXPECT_ERROR(rt_st_open(&f, p), "weights.safetensors: error: header is not a JSON object");

    write_raw(p, "[1, 2, 3]", NULL, 0);
    EXPECT_ERROR(rt_st_open(&f, p), "header is not a JSON object");

    write_raw(p, "{} trailing", NULL, 0);
    EXPECT_ERROR(rt_st_open(&f, p), "header is not a JSON object");

    write_raw(p, "{\"x\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", four, 12);
    EXPECT_ERROR(rt_st_open(&f, p), "tensor 'x' has data_offsets [0, 16] beyond the data (12 bytes)");

    write_raw(p, "{\"x\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,16]}}", four, 16);
    EXPECT_ERROR(rt_st_open(&f, p), "tensor 'x' has 16 bytes of data; dtype F32 and its shape need 12");

    write_raw(p, "{\"x\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,4]}}", four, 16);
    EXPECT_ERROR(rt_st_open(&f, p), "tensor 'x' has malformed data_offsets");

    write_raw(p, "{\"x\":{\"dtype\":\"F32\",\"shape\":[-4],\"data_offsets\":[0,16]}}", four, 16);
    EXPECT_ERROR(rt_st_open(&f, p), "tensor 'x' has a shape entry that is not a non-negative integer");

    write_raw(p, "{\"x\":{\"dtype\":\"C64\",\"shape\":[2],\"data_offsets\":[0,16]}}", four, 16);
    EXPECT_ERROR(rt_st_open(&f, p), "tensor 'x' has unsupported dtype 'C64'");

    write_raw(p, "{\"x\":{\"shape\":[4],\"data_offsets\":[0,16]}}", four, 16);
    EXPECT_ERROR(rt_st_open(&f, p), "tensor 'x' needs \"dtype\"");

    /* A good file cut short loses its last tensor's bytes. */
    ck_assert_int_eq(write_sample(p), 0);
    ck_assert_int_eq(truncate(p, 60), 0);
    EXPECT_ERROR(rt_st_open(&f, p), "exceeds the file (60 bytes)");
    ck_assert_int_eq(write_sample(p), 0);
    FILE *in = fopen(p, "rb");
    fseek(in, 0, SEEK_END);
    long size = ftell(in);
    fclose(in);
    ck_assert_int_eq(truncate(p, size - 4), 0);
    EXPECT_ERROR(rt_st_open(&f, p), "beyond the data");
}
END_TEST

Suite *safetensors_suite(void)
{
    Suite *s = suite_create("safetensors");
    TCase *tc = tcase_create("safetensors");
    tcase_add_checked_fixture(tc, scratch_setup, scratch_teardown);
    tcase_add_test(tc, test_roundtrip);
    tcase_add_test(tc, test_no_metadata_and_overwrite);
    tcase_add_test(tc, test_plain_reader);
    tcase_add_test(tc, test_read_dtypes);
    tcase_add_test(tc, test_wrong_shape_and_missing);
    tcase_add_test(tc, test_non_finite);
    tcase_add_test(tc, test_write_errors);
    tcase_add_test(tc, test_broken_files);
    suite_add_tcase(s, tc);
    return s;
}
