/* seeds.c — writes the seed corpora that need the runtime's own writers or libhdf5 into
 * tests/fuzz/corpus/NAME/: hdf5 (files from libhdf5), checkpoint (rt_checkpoint_write),
 * weights (rt_write_weights) and safetensors (rt_st_write, every dtype). Each seed starts with
 * the bytes its harness reads first. Not a harness: tests/fuzz/seeds.sh builds and runs it. */
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_net.h"

static char corpus[512], tmp[512];

static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); exit(1); }
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    rewind(f);
    unsigned char *b = malloc(*n ? *n : 1);
    if (!b || fread(b, 1, *n, f) != *n) { perror(path); exit(1); }
    fclose(f);
    return b;
}

/* corpus/HARNESS/NAME = prefix bytes + the file at path. */
static void seed(const char *harness, const char *name, const unsigned char *prefix, size_t np, const char *path)
{
    char dir[600], out[700];
    snprintf(dir, sizeof dir, "%s/%s", corpus, harness);
    mkdir(dir, 0777);
    snprintf(out, sizeof out, "%s/%s", dir, name);
    size_t n;
    unsigned char *b = slurp(path, &n);
    FILE *f = fopen(out, "wb");
    if (!f || fwrite(prefix, 1, np, f) != np || fwrite(b, 1, n, f) != n || fclose(f)) { perror(out); exit(1); }
    free(b);
}

/* ---- hdf5 ------------------------------------------------------------------------------------ */

static void h5_put(hid_t loc, const char *name, hid_t type, int rank, const hsize_t *dims, const void *data)
{
    hid_t space = H5Screate_simple(rank, dims, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_obj_track_times(dcpl, 0); /* no time stamps: the same seed at every run */
    hid_t d = H5Dcreate2(loc, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Pclose(dcpl);
    if (d < 0 || H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) exit(1);
    H5Dclose(d);
    H5Sclose(space);
}

/* names: 0 x/y, 1 X_train/Y_train, 2 group/x and group/y, 3 x for both (fuzz_hdf5.c). */
static void hdf5_seed(const char *name, unsigned mode, int inputs, int outputs, unsigned names, int latest,
                      void (*fill)(hid_t))
{
    char path[600];
    snprintf(path, sizeof path, "%s/seed.h5", tmp);
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (latest) H5Pset_libver_bounds(fapl, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST);
    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE); /* a group creation list too: the root group's */
    H5Pset_obj_track_times(fcpl, 0);
    hid_t file = H5Fcreate(path, H5F_ACC_TRUNC, fcpl, fapl);
    H5Pclose(fcpl);
    if (file < 0) exit(1);
    fill(file);
    H5Fclose(file);
    H5Pclose(fapl);
    unsigned char prefix[4] = {(unsigned char)mode, (unsigned char)(inputs - 1), (unsigned char)(outputs - 1),
                               (unsigned char)names};
    seed("hdf5", name, prefix, sizeof prefix, path);
    unlink(path);
}

static void fill_f64(hid_t f)
{
    const double x[4][2] = {{0, 1}, {1, 0}, {0.5, 0.5}, {-1, 2}};
    const int64_t y[4] = {0, 1, 1, 0};
    h5_put(f, "x", H5T_NATIVE_DOUBLE, 2, (hsize_t[]){4, 2}, x);
    h5_put(f, "y", H5T_NATIVE_INT64, 1, (hsize_t[]){4}, y);
}

static void fill_u8_images(hid_t f)
{
    unsigned char x[3][2][2] = {{{0, 255}, {1, 2}}, {{3, 4}, {5, 6}}, {{7, 8}, {9, 10}}};
    const unsigned char y[3] = {0, 2, 1};
    h5_put(f, "X_train", H5T_NATIVE_UCHAR, 3, (hsize_t[]){3, 2, 2}, x);
    h5_put(f, "Y_train", H5T_NATIVE_UCHAR, 1, (hsize_t[]){3}, y);
    h5_put(f, "other", H5T_NATIVE_FLOAT, 1, (hsize_t[]){3}, (float[]){1, 2, 3});
}

static void fill_group(hid_t f)
{
    hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE);
    H5Pset_obj_track_times(gcpl, 0);
    hid_t g = H5Gcreate2(f, "group", H5P_DEFAULT, gcpl, H5P_DEFAULT);
    H5Pclose(gcpl);
    const float x[2][3] = {{1, 2, 3}, {4, 5, 6}};
    const float y[2][2] = {{0.5f, 1}, {-1, 2}};
    h5_put(g, "x", H5T_NATIVE_FLOAT, 2, (hsize_t[]){2, 3}, x);
    h5_put(g, "y", H5T_NATIVE_FLOAT, 2, (hsize_t[]){2, 2}, y);
    H5Gclose(g);
}

static void fill_bad(hid_t f)
{
    const double x[2] = {NAN, INFINITY};
    h5_put(f, "x", H5T_NATIVE_DOUBLE, 1, (hsize_t[]){2}, x);
    h5_put(f, "y", H5T_STD_I16BE, 1, (hsize_t[]){2}, (short[]){0, 1});
}

/* ---- checkpoint and weights ------------------------------------------------------------------- */

static void fill_params(fz_net *z, rt_session *s)
{
    const rt_network *n = &z->net;
    for (size_t i = 0; i < n->n_params; i++) {
        rt_param_set(n, n->params, i, 0.25 * (double)i - 1);
        for (int b = 0; b < n->n_state; b++) rt_param_set(n, n->state[b], i, 0.01 * (double)i);
        if (s->kept) rt_param_set(n, s->kept, i, -0.5 * (double)i);
    }
}

static void checkpoint_seed(const char *name, unsigned mode, int epochs, int history)
{
    static fz_net z;
    rt_session s;
    fz_net_init(&z, &s, mode, tmp, epochs);
    fill_params(&z, &s);
    s.epoch = epochs;
    s.step = 42;
    s.seconds = 1.5;
    rt_rng_seed(&s.rng, 9);
    s.best_val_loss = history ? 0.25 : INFINITY;
    s.best_epoch = history ? 1 : -1;
    s.n_history = history;
    s.history = calloc((size_t)(history ? history : 1), sizeof *s.history);
    for (int i = 0; i < history; i++)
        s.history[i] = (rt_metrics){i, 1.0 / (i + 1), 0.5, NAN, NAN, i * 0.1, 0.1, 0.3, 0.6,
                                    NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN};
    if (rt_checkpoint_write(&s)) exit(1);
    char path[600];
    snprintf(path, sizeof path, "%s/checkpoint.safetensors", tmp);
    unsigned char prefix[2] = {(unsigned char)mode, (unsigned char)epochs};
    seed("checkpoint", name, prefix, sizeof prefix, path);
    unlink(path);
    free(s.history);
}

static void weights_seed(const char *name, unsigned mode, int norm, int classes, int targets)
{
    static fz_net z;
    rt_session s;
    fz_net_init(&z, &s, mode, tmp, 10);
    fill_params(&z, &s);
    double offset[FZ_INPUTS] = {0.5, -1}, scale[FZ_INPUTS] = {2, 0.25};
    double t_offset[FZ_MAX_OUT] = {1, 2, 3}, t_scale[FZ_MAX_OUT] = {0.5, 0.5, 0.5};
    if (norm) s.norm = (rt_norm){FZ_INPUTS, offset, scale};
    if (targets) s.target = (rt_norm){z.net.outputs, t_offset, t_scale};
    static char *names[3] = {"setosa", "versicolor", "virginica"}, *features[2] = {"width", "height"};
    if (classes) {
        s.train.classes = names;
        s.train.n_classes = z.net.task == RT_TASK_BINARY ? 2 : 3;
        s.train.feature_names = features;
        s.train.d = FZ_INPUTS;
    }
    char path[600];
    snprintf(path, sizeof path, "%s/fz.safetensors", tmp);
    if (rt_write_weights(&s, path, z.net.params)) exit(1);
    unsigned char prefix[2] = {(unsigned char)mode, 10};
    seed("weights", name, prefix, sizeof prefix, path);
    unlink(path);
}

/* ---- safetensors through the writer: every dtype ---------------------------------------------- */

static void safetensors_seed(void)
{
    const double f64[3] = {1, -2.5, 1e300};
    const float f32[2][2] = {{1, 2}, {3, 4}};
    const int64_t i64[2] = {-1, 1LL << 40};
    const uint16_t f16[2] = {0x3c00, 0xfc00}, bf16[2] = {0x3f80, 0x7fc0};
    const uint8_t u8[4] = {0, 1, 254, 255};
    const int32_t i32[1] = {-7};
    rt_st_entry e[] = {
        {"layers.0.weight", "F32", 2, {2, 2}, f32}, {"layers.0.bias", "F64", 1, {3, 0}, f64},
        {"i64", "I64", 1, {2, 0}, i64},            {"f16", "F16", 1, {2, 0}, f16},
        {"bf16", "BF16", 1, {2, 0}, bf16},         {"u8", "U8", 2, {2, 2}, u8},
        {"i32", "I32", 1, {1, 0}, i32},
    };
    char path[600];
    snprintf(path, sizeof path, "%s/st.safetensors", tmp);
    if (rt_st_write(path, e, (int)(sizeof e / sizeof e[0]),
                    "{\"format\": \"nncc\", \"classes\": \"[\\\"a\\\",\\\"b\\\"]\", \"epoch\": \"3\"}"))
        exit(1);
    seed("safetensors", "writer_all_dtypes", NULL, 0, path);
    if (rt_st_write(path, e, 1, NULL)) exit(1);
    seed("safetensors", "writer_one", NULL, 0, path);
    unlink(path);
}

/* ---- infer: weights for fuzz_infer.c's four networks ------------------------------------------ */

/* layers: units of each layer after the input; norm adds input.offset/scale, targets
 * target.offset/scale; classes a __metadata__ "classes". */
static void infer_seed(const char *name, unsigned mode, int inputs, int n_layers, const int *units, int norm,
                       int targets, const char *meta)
{
    static float data[64][256];
    static char names[16][32];
    rt_st_entry e[16];
    int k = 0, fan_in = inputs;
    for (int l = 0; l < n_layers; l++) {
        for (int i = 0; i < units[l] * fan_in; i++) data[k][i] = (float)((i * 7 + l) % 11 - 5) / 4;
        snprintf(names[k], sizeof names[k], "layers.%d.weight", l);
        e[k] = (rt_st_entry){names[k], "F32", 2, {units[l], fan_in}, data[k]};
        k++;
        for (int i = 0; i < units[l]; i++) data[k][i] = (float)(i % 3) / 8;
        snprintf(names[k], sizeof names[k], "layers.%d.bias", l);
        e[k] = (rt_st_entry){names[k], "F32", 1, {units[l], 0}, data[k]};
        k++;
        fan_in = units[l];
    }
    const int pairs[2][2] = {{norm, inputs}, {targets, fan_in}};
    static const char *const pair_names[2][2] = {{"input.offset", "input.scale"}, {"target.offset", "target.scale"}};
    for (int p = 0; p < 2; p++) {
        if (!pairs[p][0]) continue;
        for (int j = 0; j < 2; j++, k++) {
            for (int i = 0; i < pairs[p][1]; i++) data[k][i] = j ? 0.5f + (float)i : -(float)i;
            e[k] = (rt_st_entry){pair_names[p][j], "F32", 1, {pairs[p][1], 0}, data[k]};
        }
    }
    char path[600];
    snprintf(path, sizeof path, "%s/infer.safetensors", tmp);
    if (rt_st_write(path, e, k, meta)) exit(1);
    unsigned char prefix[1] = {(unsigned char)mode};
    seed("infer", name, prefix, sizeof prefix, path);
    unlink(path);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: seeds CORPUS_DIR TMP_DIR\n");
        return 2;
    }
    snprintf(corpus, sizeof corpus, "%s", argv[1]);
    snprintf(tmp, sizeof tmp, "%s", argv[2]);
    mkdir(corpus, 0777);
    hdf5_seed("f64_binary", RT_TASK_BINARY, 2, 1, 0, 0, fill_f64);
    hdf5_seed("f64_binary_latest", RT_TASK_BINARY, 2, 1, 0, 1, fill_f64);
    hdf5_seed("f64_predict_no_y", RT_TASK_BINARY | 4 | 8, 2, 1, 0, 0, fill_f64);
    hdf5_seed("u8_images_multiclass", RT_TASK_MULTICLASS, 4, 3, 1, 0, fill_u8_images);
    hdf5_seed("group_regression", RT_TASK_REGRESSION, 3, 2, 2, 1, fill_group);
    hdf5_seed("nonfinite", RT_TASK_BINARY, 1, 1, 0, 0, fill_bad);
    hdf5_seed("same_dataset", RT_TASK_BINARY, 2, 1, 3, 0, fill_f64);
    checkpoint_seed("binary_sgd_f32", 0, 5, 3);
    checkpoint_seed("multiclass_adam_f64_kept", 1 | 4 | 16 | 32, 20, 4);
    checkpoint_seed("regression_momentum", 2 | 8, 0, 0);
    checkpoint_seed("past_epochs", 0, 200, 1);
    weights_seed("binary_plain", 0, 0, 0, 0);
    weights_seed("binary_norm_classes", 0 | 4, 1, 1, 0);
    weights_seed("multiclass_classes", 1, 1, 1, 0);
    weights_seed("regression_targets", 2 | 4, 1, 0, 1);
    safetensors_seed();
    /* fuzz_infer.c's mode: network (bits 0-1), int8 (4), no libm (8), x86-64-v3 (16) */
    infer_seed("binary", 0, 2, 2, (const int[]){3, 1}, 1, 0, "{\"format\": \"nncc\"}");
    infer_seed("binary_int8_v3", 0 | 4 | 16, 2, 2, (const int[]){3, 1}, 1, 0, NULL);
    infer_seed("softmax_classes", 1, 4, 2, (const int[]){5, 3}, 1, 0,
               "{\"classes\": \"[\\\"cat\\\",\\\"dog\\\",\\\"bird\\\"]\"}");
    infer_seed("regression_targets_nolibm", 2 | 8, 3, 2, (const int[]){4, 2}, 1, 1, NULL);
    infer_seed("deep_no_norm", 3 | 16, 4, 3, (const int[]){8, 8, 1}, 0, 0, NULL);
    infer_seed("deep_int8", 3 | 4, 4, 3, (const int[]){8, 8, 1}, 1, 0, NULL);
    return 0;
}
