/* infer.c — Net + trained weights -> the ahead-of-time inference kernel (--emit infer): net.c and
 * net.h, weights baked in as const arrays (float32, or int8 with per-output-channel scales), the
 * input normalisation applied inside, no libm on request. The kernel's arithmetic also runs here,
 * in float and int8, over the training (or --calibrate) data for the int8 accuracy report.
 *
 * Order: read and check the weights (nothing written yet) -> quantise -> size and accuracy
 * report -> emit both files through atomic_open, committed together. */
#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "nncc.h"

/* The --no-libm approximations' documented bounds (templates/infer_exp.c, infer_tanh.c), checked
 * by tests/deploy/approx_check.c over a dense sweep against libm. */
#define INFER_EXP_ERROR "2e-7"
#define INFER_TANH_ERROR "4e-7"

/* Rough Cortex-M3 code bytes (arm-none-eabi-gcc -Os, newlib-nano, measured on generated kernels
 * and linked programs): the entry points, each layer's loop, each activation, the helpers, and the
 * library code a core without an FPU pulls in. For the size report only. A float layer's loops
 * follow its schedule (fitted on t_infer.sh's relu70 and blobs3 layers at -Os, panels of 1 to 64
 * and steps of 2 to 16, within 20%): one loop, or two with a tail panel, of a step of terms. */
enum {
    CODE_BASE = 60,           /* NAME_infer + NAME_predict */
    CODE_FLOAT_LOOP = 170,    /* a float layer's loop over its panels, its tail panel's, or its rows' */
    CODE_FLOAT_TERM = 12,     /* and per multiply-add of a step of the full loop */
    CODE_SKIP_TERM = 40,      /* or of a step over the nonzero inputs (index, input and row loaded) */
    CODE_LAYER_INT8 = 100,
    CODE_NORMALISE = 80,
    CODE_ACTIVATION = 40,     /* an elementwise loop */
    CODE_SOFTMAX = 120,
    CODE_QUANTIZE = 200,
    CODE_EXP = 280,           /* ours (--no-libm) */
    CODE_TANH = 270,
    CODE_LIBM_EXP = 700,      /* newlib's expf */
    CODE_LIBM_TANH = 1200,    /* newlib's tanhf, beyond expf */
    CODE_SOFT_FLOAT = 1500,   /* libgcc's float add, multiply, divide, compare, convert */
    CODE_SOFT_DOUBLE = 1600   /* and double subtract and multiply, for the normalisation */
};

/* One layer's parameters, as the kernel stores them. */
typedef struct KLayer {
    float *w;      /* units x fan_in */
    float *b;      /* units */
    int8_t *q;     /* int8: units x fan_in */
    float *qscale; /* int8: units, W[j][i] ~ qscale[j] * q[j][i] */
} KLayer;

typedef struct Kernel {
    const Net *net;
    const char *name;
    char upper[NNCC_MAX_NAME + 1];
    KLayer layers[NNCC_MAX_LAYERS];
    float *offset, *scale; /* inputs each; NULL: no normalisation in the weights file */
    float *toffset, *tscale; /* outputs each: normalize_targets' y' = (y - offset) * scale; or NULL */
    int int8, no_libm;
    const char *weights_path;
    size_t weights_file_bytes;
    uint64_t hash;      /* FNV-1a 64 of the weights file */
    int width;          /* floats per activation buffer */
    int n_buffers;      /* activation buffers: 0, 1 or 2 (ping-pong) */
    int widest_fan_in;  /* int8 scratch */
    char check[512];    /* the int8 check's result, for the generated file's header */
    char **classes;     /* class names: the weights file's metadata, else the network file's; or NULL */
    int n_classes;
} Kernel;

/* The float layout is the schedule's (schedule.c's infer_layout, for the target): each layer's
 * units in panels of ls->infer_panel (fewer units: one panel of them all), the rest in one
 * narrower tail panel, or no panels (0: W's rows as they are, a dot product per unit,
 * templates/infer_layer_float_rows*.c); inputs ls->infer_step at a time; a layer whose input is
 * often exactly 0 (ls->infer_skip) gathers its nonzero inputs and reads only their weights
 * (templates/infer_layer_float_skip.c), ls->infer_skip_step inputs per step. */

/* Why layer `layer`'s input is often exactly 0, for the generated comment of a layer the
 * schedule has skip its zero inputs. */
static const char *zero_inputs(const Net *net, int layer)
{
    if (layer == 0)
        return "the network's input, often 0 in image-like data (a blank pixel: 0 as it comes, and 0\n"
               " * after a minmax normalisation, which maps each input's training minimum to 0)";
    switch (net->layers[layer - 1].act) {
    case ACT_RELU: return "a ReLU output: 0 wherever its sum was not positive";
    case ACT_STEP: return "a step output: 0 or 1";
    default: return "often 0";
    }
}

static int skips_zeros(const Net *net, int layer)
{
    return net->sched.layer[layer].infer_skip;
}

typedef struct Panels {
    int width, count, tail; /* units = width * count + tail */
} Panels;

/* A layer's panels; rows (no panels, infer_panel 0) count as panels of one unit: the same
 * weights in the same order, one sum at a time. */
static Panels panels_of(const Net *net, int layer)
{
    int units = net->layers[layer].units, width = net->sched.layer[layer].infer_panel;
    if (width == 0) width = 1;
    if (width < 1 || width > units) unreachable();
    Panels p = {width, units / width, units % width};
    return p;
}

/* ---- the weights file ------------------------------------------------------------------------ */

static uint64_t fnv1a64(const unsigned char *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

/* Reads tensor `name` of `count` values as float; every value must fit in float32 (rt_st_read
 * has rejected NaN and infinity: the kernel's skipping of zero inputs relies on w * 0 being 0). */
static float *read_tensor(const rt_st_file *f, const char *path, const char *name, const int64_t *shape, int rank,
                          size_t count)
{
    double *tmp = xcalloc(count ? count : 1, sizeof *tmp);
    if (rt_st_read(f, path, name, shape, rank, tmp)) {
        free(tmp);
        return NULL;
    }
    float *out = xcalloc(count ? count : 1, sizeof *out);
    for (size_t i = 0; i < count; i++) {
        if (fabs(tmp[i]) > FLT_MAX) {
            fprintf(stderr, "%s: error: tensor '%s' has value %g at index %zu, beyond float32's range\n", path,
                    name, tmp[i], i);
            free(tmp), free(out);
            return NULL;
        }
        out[i] = (float)tmp[i];
    }
    free(tmp);
    return out;
}

/* Tensors the kernel does not use are an error: a file for another network (one layer more, a
 * PyTorch Sequential not renamed) would otherwise compile silently into something else. */
static int check_no_extra_tensors(const rt_st_file *f, const Kernel *k, const char *path)
{
    const cJSON *header = f->header;
    for (const cJSON *t = header->child; t; t = t->next) {
        const char *name = t->string;
        if (!strcmp(name, "__metadata__") || !strcmp(name, "input.offset") || !strcmp(name, "input.scale") ||
            !strcmp(name, "target.offset") || !strcmp(name, "target.scale"))
            continue;
        int used = 0;
        for (int i = 0; i < k->net->n_layers && !used; i++) {
            char w[48], b[48];
            snprintf(w, sizeof w, "layers.%d.weight", i);
            snprintf(b, sizeof b, "layers.%d.bias", i);
            used = !strcmp(name, w) || !strcmp(name, b);
        }
        if (!used) {
            fprintf(stderr,
                    "%s: error: tensor '%s' is not part of the network '%s' (%d layers: layers.0 .. layers.%d, "
                    "input.offset, input.scale, target.offset, target.scale)\n",
                    path, name, k->name, k->net->n_layers, k->net->n_layers - 1);
            return -1;
        }
    }
    return 0;
}

/* The class names of a weights file (its __metadata__ "classes": a JSON array as a string, as
 * the training program writes it), else of the network file's `classes:`; none is fine. */
static int load_class_names(Kernel *k, const rt_st_file *f, const char *path)
{
    const Net *net = k->net;
    const char *text = rt_st_metadata(f, "classes");
    if (!text) {
        k->n_classes = net->spec->n_classes;
        k->classes = k->n_classes ? xcalloc((size_t)k->n_classes, sizeof *k->classes) : NULL;
        for (int i = 0; i < k->n_classes; i++) k->classes[i] = xstrdup(net->spec->classes[i]);
        return 0;
    }
    cJSON *a = cJSON_Parse(text);
    int n = cJSON_IsArray(a) ? cJSON_GetArraySize(a) : -1;
    int fits = net->task == RT_TASK_BINARY ? n == 2 : net->task == RT_TASK_MULTICLASS && n >= 1 && n <= net->outputs;
    for (int i = 0; fits && i < n; i++) fits = cJSON_IsString(cJSON_GetArrayItem(a, i));
    if (!fits) {
        fprintf(stderr, "%s: error: metadata 'classes' is not a JSON array of %s class names: %.80s\n", path,
                net->task == RT_TASK_BINARY ? "2" : "the network's", text);
        cJSON_Delete(a);
        return -1;
    }
    k->n_classes = n;
    k->classes = xcalloc((size_t)n, sizeof *k->classes);
    for (int i = 0; i < n; i++) k->classes[i] = xstrdup(cJSON_GetArrayItem(a, i)->valuestring);
    cJSON_Delete(a);
    return 0;
}

static int load_weights(Kernel *k, const char *path)
{
    const Net *net = k->net;
    rt_st_file f;
    if (rt_st_open(&f, path)) return -1;
    k->weights_file_bytes = f.size;
    k->hash = fnv1a64(f.bytes, f.size);
    int rc = check_no_extra_tensors(&f, k, path);
    if (!rc) rc = load_class_names(k, &f, path);
    for (int i = 0; !rc && i < net->n_layers; i++) {
        const Layer *l = &net->layers[i];
        char wname[48], bname[48];
        snprintf(wname, sizeof wname, "layers.%d.weight", i);
        snprintf(bname, sizeof bname, "layers.%d.bias", i);
        int64_t wshape[2] = {l->units, l->fan_in}, bshape[1] = {l->units};
        k->layers[i].w = read_tensor(&f, path, wname, wshape, 2, (size_t)l->units * (size_t)l->fan_in);
        k->layers[i].b = k->layers[i].w ? read_tensor(&f, path, bname, bshape, 1, (size_t)l->units) : NULL;
        if (!k->layers[i].b) rc = -1;
    }
    /* A file trained elsewhere may carry no normalisation: then inputs go in as they are, as with
     * the training program's --predict. */
    int64_t ishape[1] = {net->inputs};
    if (!rc && rt_st_has(&f, "input.offset") && rt_st_has(&f, "input.scale")) {
        k->offset = read_tensor(&f, path, "input.offset", ishape, 1, (size_t)net->inputs);
        k->scale = k->offset ? read_tensor(&f, path, "input.scale", ishape, 1, (size_t)net->inputs) : NULL;
        if (!k->scale) rc = -1;
    } else if (!rc && (rt_st_has(&f, "input.offset") || rt_st_has(&f, "input.scale"))) {
        fprintf(stderr, "%s: error: tensor '%s' without '%s': the normalisation needs both\n", path,
                rt_st_has(&f, "input.offset") ? "input.offset" : "input.scale",
                rt_st_has(&f, "input.offset") ? "input.scale" : "input.offset");
        rc = -1;
    }
    /* normalize_targets: the outputs go back to the targets' units, as --predict prints them. */
    int64_t oshape[1] = {net->outputs};
    if (!rc && rt_st_has(&f, "target.offset") && rt_st_has(&f, "target.scale")) {
        k->toffset = read_tensor(&f, path, "target.offset", oshape, 1, (size_t)net->outputs);
        k->tscale = k->toffset ? read_tensor(&f, path, "target.scale", oshape, 1, (size_t)net->outputs) : NULL;
        if (!k->tscale) rc = -1;
        for (int j = 0; !rc && j < net->outputs; j++)
            if (!(k->tscale[j] != 0)) {
                fprintf(stderr, "%s: error: target.scale[%d] is 0: the outputs cannot be scaled back\n", path, j);
                rc = -1;
            }
    } else if (!rc && (rt_st_has(&f, "target.offset") || rt_st_has(&f, "target.scale"))) {
        fprintf(stderr, "%s: error: tensor '%s' without '%s': the target scaling needs both\n", path,
                rt_st_has(&f, "target.offset") ? "target.offset" : "target.scale",
                rt_st_has(&f, "target.offset") ? "target.scale" : "target.offset");
        rc = -1;
    }
    if (!rc && k->offset) {
        /* The identity needs no code. */
        int identity = 1;
        for (int i = 0; i < net->inputs; i++) identity &= k->offset[i] == 0 && k->scale[i] == 1;
        if (identity) {
            free(k->offset), free(k->scale);
            k->offset = k->scale = NULL;
        }
    }
    rt_st_close(&f);
    return rc;
}

/* Symmetric per-output-channel int8: s = max|W[j]| / 127, q = round(W / s) in [-127, 127]. */
static void quantize_weights(Kernel *k)
{
    for (int i = 0; i < k->net->n_layers; i++) {
        const Layer *l = &k->net->layers[i];
        KLayer *kl = &k->layers[i];
        kl->q = xcalloc((size_t)l->units * (size_t)l->fan_in, 1);
        kl->qscale = xcalloc((size_t)l->units, sizeof(float));
        for (int j = 0; j < l->units; j++) {
            const float *w = kl->w + (size_t)j * (size_t)l->fan_in;
            double m = 0;
            for (int c = 0; c < l->fan_in; c++) m = fabs(w[c]) > m ? fabs(w[c]) : m;
            kl->qscale[j] = (float)(m / 127);
            for (int c = 0; c < l->fan_in && m > 0; c++) {
                long v = lround(w[c] / ((double)kl->qscale[j]));
                kl->q[(size_t)j * (size_t)l->fan_in + (size_t)c] = (int8_t)(v > 127 ? 127 : v < -127 ? -127 : v);
            }
        }
    }
}

/* Activation buffers: the normalised input (when there is a normalisation) and every hidden
 * layer's output, alternating between two buffers of the widest; the last layer writes `out`. */
static void plan_buffers(Kernel *k)
{
    const Net *net = k->net;
    int stages = (k->offset ? 1 : 0) + net->n_layers - 1;
    k->n_buffers = stages < 2 ? stages : 2;
    k->width = k->offset ? net->inputs : 0;
    for (int i = 0; i + 1 < net->n_layers; i++)
        if (net->layers[i].units > k->width) k->width = net->layers[i].units;
    k->widest_fan_in = 0;
    for (int i = 0; i < net->n_layers; i++)
        if (net->layers[i].fan_in > k->widest_fan_in) k->widest_fan_in = net->layers[i].fan_in;
}

/* The index type of a skipping layer's nonzero inputs: 2 bytes where they fit. */
static const char *index_type(int fan_in)
{
    return fan_in <= 65535 ? "unsigned short" : "int";
}

static size_t index_bytes(int fan_in)
{
    return fan_in <= 65535 ? 2 : 4;
}

/* The activation buffers, and either the largest of a float layer's locals (a panel of sums, the
 * indices of the nonzero inputs) or the int8 scratch. */
static size_t stack_bytes(const Kernel *k, int int8)
{
    size_t widest_layer = 0;
    for (int i = 0; i < k->net->n_layers; i++) {
        const Layer *l = &k->net->layers[i];
        size_t b = (size_t)panels_of(k->net, i).width * sizeof(float);
        if (skips_zeros(k->net, i)) b += (size_t)l->fan_in * index_bytes(l->fan_in);
        if (b > widest_layer) widest_layer = b;
    }
    return (size_t)k->n_buffers * (size_t)k->width * sizeof(float) + (int8 ? (size_t)k->widest_fan_in : widest_layer);
}

/* ---- the kernel's arithmetic, here: the same operations in the same order, in float ------------ */

/* The activations are registry.h's expressions, compiled here in float: R(x) a float literal, and
 * libm's exp and tanh, for every kernel (a --no-libm kernel's own exp and tanh are within the
 * bounds it documents of these). Softmax works on whole rows: its own case. */
#define R(x) ((float)(x))
#define exp_r expf
#define tanh_r tanhf
static void sim_activate(Activation act, float *a, int n)
{
    if (act == ACT_SOFTMAX) {
        float zmax = a[0], sum = 0;
        for (int j = 1; j < n; j++) zmax = a[j] > zmax ? a[j] : zmax;
        for (int j = 0; j < n; j++) sum += a[j] = exp_r(a[j] - zmax);
        for (int j = 0; j < n; j++) a[j] /= sum;
        return;
    }
    switch (act) {
#define X_SIM(id, name, diff, out, vec, fwd, der, doc) \
    case ACT_##id:                                     \
        for (int j = 0; j < n; j++) {                  \
            const float z = a[j];                      \
            a[j] = fwd;                                \
        }                                              \
        break;
        ACTIVATIONS(X_SIM)
#undef X_SIM
    default: unreachable();
    }
}
#undef R
#undef exp_r
#undef tanh_r

/* Returns the scale, or NaN (q all 0) when an input is not finite: converting it to an integer
 * would be undefined, and the caller reports outputs that are not finite. */
static float sim_quantize(const float *x, int n, int8_t *q)
{
    float m = 0;
    int finite = 1;
    for (int i = 0; i < n; i++) {
        float v = x[i] < 0 ? -x[i] : x[i];
        finite &= isfinite(v);
        m = v > m ? v : m;
    }
    if (!finite) {
        memset(q, 0, (size_t)n);
        return NAN;
    }
    if (m < 1e-30f) { /* as the kernel's NAME_quantize: 127 / m would overflow */
        memset(q, 0, (size_t)n);
        return 0;
    }
    float inv = 127 / m;
    for (int i = 0; i < n; i++) {
        float v = x[i] * inv;
        q[i] = (int8_t)(v >= 0 ? (int)(v + 0.5f) : -(int)(0.5f - v));
    }
    return m / 127;
}

/* One sample through the network; buf holds 2 x width floats and widest_fan_in bytes. */
static void sim_run(const Kernel *k, int int8, const float *in, float *out, float *buf, int8_t *xq)
{
    const Net *net = k->net;
    const float *x = in;
    float *next = buf;
    if (k->offset) {
        for (int i = 0; i < net->inputs; i++) next[i] = (float)(((double)in[i] - k->offset[i]) * k->scale[i]);
        x = next;
        next = buf + k->width;
    }
    for (int l = 0; l < net->n_layers; l++) {
        const Layer *ly = &net->layers[l];
        const KLayer *kl = &k->layers[l];
        float *a = l + 1 == net->n_layers ? out : next;
        if (int8) {
            float xs = sim_quantize(x, ly->fan_in, xq);
            for (int j = 0; j < ly->units; j++) {
                const int8_t *q = kl->q + (size_t)j * (size_t)ly->fan_in;
                int32_t acc = 0;
                for (int i = 0; i < ly->fan_in; i++) acc += (int32_t)q[i] * xq[i];
                a[j] = kl->b[j] + kl->qscale[j] * xs * (float)acc;
            }
        } else {
            for (int j = 0; j < ly->units; j++) {
                const float *w = kl->w + (size_t)j * (size_t)ly->fan_in;
                float z = kl->b[j];
                for (int i = 0; i < ly->fan_in; i++) z += w[i] * x[i];
                a[j] = z;
            }
        }
        sim_activate(ly->act, a, ly->units);
        x = a;
        next = a == buf ? buf + k->width : buf;
    }
    for (int j = 0; k->toffset && j < net->outputs; j++)
        out[j] = (float)((double)out[j] / k->tscale[j] + k->toffset[j]);
}

/* The class NAME_predict returns. */
static int predicted_class(const Net *net, const float *out)
{
    if (net->task == RT_TASK_BINARY) return out[0] >= 0.5f;
    int best = 0;
    for (int j = 1; j < net->outputs; j++)
        if (out[j] > out[best]) best = j;
    return best;
}

/* The data for the int8 check: the network's training data, or --calibrate PATH. A CSV stands
 * alone; an HDF5 file takes its dataset names from the training source; IDX and NPY come in pairs
 * (images and labels, x and y), so PATH must be the data.train or data.test source's, and that
 * source is used whole. */
static int load_calibration(const Kernel *k, const char *calibrate, rt_dataset *ds, const char **what)
{
    const Spec *spec = k->net->spec;
    rt_source src;
    source_to_rt(&spec->train, &src);
    rt_shape shape = {.inputs = k->net->inputs, .outputs = k->net->outputs, .task = k->net->task};
    *what = "the training data";
    if (calibrate) {
        int kind = rt_source_kind_from_path(calibrate);
        const SourceSpec *same = NULL;
        if (spec->test.kind == kind && spec->test.path && !strcmp(spec->test.path, calibrate)) same = &spec->test;
        if (spec->train.kind == kind && spec->train.path && !strcmp(spec->train.path, calibrate)) same = &spec->train;
        if (same) {
            source_to_rt(same, &src);
        } else if (kind == RT_SRC_CSV) {
            memset(&src, 0, sizeof src);
            src.kind = RT_SRC_CSV, src.path = calibrate, src.label = RT_LABEL_LAST, src.header = RT_HEADER_AUTO;
        } else if (kind == RT_SRC_HDF5 && spec->train.kind == RT_SRC_HDF5) {
            src.path = calibrate;
        } else {
            fprintf(stderr,
                    "%s: error: --calibrate takes a CSV file, or the path of the network file's data.train or "
                    "data.test (%s)\n",
                    calibrate, kind == RT_SRC_NONE ? "this one's format is unknown" : "which give its paired file");
            return -1;
        }
        shape.predict = 1; /* labels optional: without them, agreement only */
        *what = calibrate;
    }
    return rt_dataset_load(ds, &src, &shape);
}

/* Runs float and int8 over the data; prints both accuracies and how often they agree. */
static int report_int8(Kernel *k, const char *calibrate)
{
    const Net *net = k->net;
    rt_dataset ds;
    memset(&ds, 0, sizeof ds);
    const char *what;
    if (load_calibration(k, calibrate, &ds, &what)) return -1;
    if (ds.n == 0) {
        fprintf(stderr, "%s: error: no samples to check the int8 kernel on\n", ds.name ? ds.name : what);
        rt_dataset_free(&ds);
        return -1;
    }
    int labelled = ds.y && ds.ny > 0 && net->task != RT_TASK_REGRESSION;
    long correct_f = 0, correct_q = 0, agree = 0, overflow = 0;
    double max_diff = 0;
    int n = ds.n, d = ds.d;
#pragma omp parallel reduction(+ : correct_f, correct_q, agree, overflow) reduction(max : max_diff)
    {
        float *in = xcalloc((size_t)d, sizeof(float));
        float *buf = xcalloc(2 * (size_t)(k->width ? k->width : 1), sizeof(float));
        int8_t *xq = xcalloc((size_t)k->widest_fan_in, 1);
        float *of = xcalloc((size_t)net->outputs, sizeof(float)), *oq = xcalloc((size_t)net->outputs, sizeof(float));
#pragma omp for schedule(static)
        for (int r = 0; r < n; r++) {
            for (int i = 0; i < d; i++)
                in[i] = ds.x_u8 ? (float)ds.x_u8[(size_t)r * (size_t)d + (size_t)i]
                                : (float)ds.x_f64[(size_t)r * (size_t)d + (size_t)i];
            sim_run(k, 0, in, of, buf, xq);
            sim_run(k, 1, in, oq, buf, xq);
            int cf = predicted_class(net, of), cq = predicted_class(net, oq);
            agree += cf == cq;
            if (labelled) {
                int y = (int)ds.y[(size_t)r * (size_t)ds.ny];
                correct_f += cf == y;
                correct_q += cq == y;
            }
            for (int j = 0; j < net->outputs; j++) {
                overflow += !isfinite(of[j]) || !isfinite(oq[j]);
                double diff = fabs((double)of[j] - (double)oq[j]);
                max_diff = diff > max_diff ? diff : max_diff;
            }
        }
        free(in), free(buf), free(xq), free(of), free(oq);
    }
    if (overflow) {
        fprintf(stderr, "%s: error: the network's outputs are not finite in float32 on %s (%ld outputs): the "
                        "weights are too large to deploy\n", k->weights_path, what, overflow);
        rt_dataset_free(&ds);
        return -1;
    }
    char acc[96] = "", agreement[96] = "";
    if (labelled)
        snprintf(acc, sizeof acc, " accuracy float %.2f%%, int8 %.2f%%;", 100.0 * (double)correct_f / n,
                 100.0 * (double)correct_q / n);
    if (!(net->task == RT_TASK_REGRESSION && net->outputs == 1))
        snprintf(agreement, sizeof agreement, " agreement %.2f%% (%ld of %d differ);", 100.0 * (double)agree / n,
                 (long)n - agree, n);
    printf("int8 check on %s (%d samples):%s%s max |float - int8| output %.3g\n", what, n, acc, agreement, max_diff);
    char *w = emit_comment_safe(what);
    snprintf(k->check, sizeof k->check, "on %s (%d samples):\n *          %s%s max |float - int8| output %.3g.", w,
             n, acc, agreement, max_diff);
    free(w);
    rt_dataset_free(&ds);
    return 0;
}

/* ---- sizes --------------------------------------------------------------------------------- */

typedef struct Sizes {
    size_t weights, code, stack;
} Sizes;

/* Whether the C expression expr names the identifier id (a whole token, not part of a longer one). */
static int names_identifier(const char *expr, const char *id)
{
    size_t n = strlen(id);
    for (const char *p = strstr(expr, id); p; p = strstr(p + 1, id)) {
        int joined_before = p > expr && (isalnum((unsigned char)p[-1]) || p[-1] == '_');
        int joined_after = isalnum((unsigned char)p[n]) || p[n] == '_';
        if (!joined_before && !joined_after) return 1;
    }
    return 0;
}

/* Whether some layer's activation code names id: registry.h's expression (NNCC_LEAKY_SLOPE's
 * definition with it), or softmax's row code (activate_code), which calls exp_r. */
static int net_names(const Net *net, const char *id)
{
    for (int i = 0; i < net->n_layers; i++) {
        Activation act = net->layers[i].act;
        const char *fwd = activation_forward[act];
        if (names_identifier(fwd, id) ||
            (names_identifier(fwd, "NNCC_LEAKY_SLOPE") && names_identifier(leaky_slope_definition, id)) ||
            (act == ACT_SOFTMAX && !strcmp(id, "exp_r")))
            return 1;
    }
    return 0;
}

/* The network calls exp (sigmoid, softmax), tanh. */
static int uses_exp(const Net *net)
{
    return net_names(net, "exp_r");
}

static int uses_tanh(const Net *net)
{
    return net_names(net, "tanh_r");
}

/* A = Z: no code. */
static int is_identity(Activation act)
{
    return act != ACT_SOFTMAX && !strcmp(activation_forward[act], "z");
}

static Sizes sizes_of(const Kernel *k, int int8)
{
    const Net *net = k->net;
    Sizes s = {0, CODE_BASE, stack_bytes(k, int8)};
    for (int i = 0; i < net->n_layers; i++) {
        const Layer *l = &net->layers[i];
        size_t w = (size_t)l->units * (size_t)l->fan_in;
        /* int8: q, and per unit a scale, a bias and sum_i q[j][i] */
        s.weights += int8 ? w + 3 * sizeof(float) * (size_t)l->units : sizeof(float) * (w + (size_t)l->units);
        if (int8) {
            s.code += CODE_LAYER_INT8;
        } else {
            const LayerSchedule *ls = &net->sched.layer[i];
            size_t loops = panels_of(net, i).tail ? 2 : 1;
            s.code += loops * (CODE_FLOAT_LOOP + (ls->infer_skip ? (size_t)ls->infer_skip_step * CODE_SKIP_TERM
                                                                : (size_t)ls->infer_step * CODE_FLOAT_TERM));
        }
        s.code += l->act == ACT_SOFTMAX ? CODE_SOFTMAX : is_identity(l->act) ? 0 : CODE_ACTIVATION;
    }
    if (k->offset) s.weights += 2 * sizeof(float) * (size_t)net->inputs, s.code += CODE_NORMALISE + CODE_SOFT_DOUBLE;
    if (k->toffset) s.weights += 2 * sizeof(float) * (size_t)net->outputs, s.code += CODE_NORMALISE + CODE_SOFT_DOUBLE;
    if (uses_exp(net) || uses_tanh(net)) s.code += k->no_libm ? CODE_EXP : CODE_LIBM_EXP;
    if (uses_tanh(net)) s.code += k->no_libm ? CODE_TANH : CODE_LIBM_TANH;
    if (int8) s.code += CODE_QUANTIZE;
    s.code += CODE_SOFT_FLOAT;
    return s;
}

static void report_sizes(const Kernel *k)
{
    Sizes f = sizes_of(k, 0), q = sizes_of(k, 1);
    printf("size in bytes          float32      int8%s\n", k->int8 ? "  (this kernel: int8)" : "  (this kernel: float32)");
    printf("  weights (flash)   %10zu %9zu\n", f.weights, q.weights);
    printf("  code (flash, est.)%10zu %9zu   Cortex-M3 -Os, with libgcc's soft float%s\n", f.code, q.code,
           k->no_libm ? "" : " and libm");
    printf("  flash total       %10zu %9zu\n", f.weights + f.code, q.weights + q.code);
    printf("  RAM (stack)       %10zu %9zu   activation buffers of %s_infer\n", f.stack, q.stack, k->name);
}

/* ---- emission ------------------------------------------------------------------------------ */

/* The shortest literal that reads back as exactly v: 0.1f, not 0.100000001f. */
static void float_literal(char *buf, size_t cap, float v)
{
    for (int digits = 6; digits <= 9; digits++) {
        snprintf(buf, cap, "%.*g", digits, (double)v);
        if (strtof(buf, NULL) == v) break;
    }
    if (!strpbrk(buf, ".e")) strncat(buf, ".0", cap - strlen(buf) - 1);
    strncat(buf, "f", cap - strlen(buf) - 1);
}

/* A row of numbers as C initialiser text, wrapped before 100 columns, each line indented. */
typedef struct Text {
    char *p;
    size_t len, cap;
} Text;

static void text_add(Text *t, const char *s)
{
    size_t n = strlen(s);
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 1024;
        while (cap < t->len + n + 1) cap *= 2;
        char *p = xcalloc(cap, 1);
        if (t->p) memcpy(p, t->p, t->len);
        free(t->p);
        t->p = p, t->cap = cap;
    }
    memcpy(t->p + t->len, s, n + 1);
    t->len += n;
}

/* n values as "v, v, v," lines after `indent` spaces (`braces`: one {row} per call, for arrays of
 * arrays; `last`: no comma after it). */
static void text_row(Text *t, const float *f, const int8_t *q, size_t n, int indent, int braces, int last)
{
    char pad[64];
    snprintf(pad, sizeof pad, "%*s%s", indent, "", braces ? "{" : "");
    text_add(t, pad);
    size_t col = strlen(pad);
    for (size_t i = 0; i < n; i++) {
        char lit[40], item[48];
        if (f) float_literal(lit, sizeof lit, f[i]);
        else snprintf(lit, sizeof lit, "%d", q[i]);
        snprintf(item, sizeof item, "%s%s", lit, i + 1 < n ? "," : "");
        if (i > 0 && col + 1 + strlen(item) > 99) {
            snprintf(pad, sizeof pad, "\n%*s", indent + (braces ? 1 : 0), "");
            text_add(t, pad);
            col = (size_t)indent + (braces ? 1 : 0);
        } else if (i > 0) {
            text_add(t, " ");
            col++;
        }
        text_add(t, item);
        col += strlen(item);
    }
    text_add(t, braces ? (last ? "}" : "},") : "");
}

static char *matrix_text(const float *f, const int8_t *q, int rows, int cols)
{
    Text t = {0};
    for (int j = 0; j < rows; j++) {
        text_row(&t, f ? f + (size_t)j * (size_t)cols : NULL, q ? q + (size_t)j * (size_t)cols : NULL, (size_t)cols,
                 4, 1, j + 1 == rows);
        if (j + 1 < rows) text_add(&t, "\n");
    }
    return t.p;
}

static char *vector_text(const float *f, int n)
{
    Text t = {0};
    text_row(&t, f, NULL, (size_t)n, 4, 0, 1);
    return t.p;
}

/* sum_i q[j][i] for each row j, as a C initialiser. */
static char *qsum_text(const int8_t *q, int rows, int cols)
{
    Text t = {0};
    text_add(&t, "    ");
    size_t col = 4;
    for (int j = 0; j < rows; j++) {
        long sum = 0;
        for (int i = 0; i < cols; i++) sum += q[(size_t)j * (size_t)cols + (size_t)i];
        char item[32];
        snprintf(item, sizeof item, "%ld%s", sum, j + 1 < rows ? "," : "");
        if (j > 0 && col + 1 + strlen(item) > 99) text_add(&t, "\n    "), col = 4;
        else if (j > 0) text_add(&t, " "), col++;
        text_add(&t, item);
        col += strlen(item);
    }
    return t.p;
}

/* Units j0 .. j0 + width of W (units, fan_in) transposed: one {row} per input i holding
 * W[j0 .. j0 + width)[i], after `indent` spaces. */
static void text_panel(Text *t, const float *w, int fan_in, int j0, int width, int indent)
{
    float *col = xcalloc((size_t)width, sizeof *col);
    for (int i = 0; i < fan_in; i++) {
        for (int v = 0; v < width; v++) col[v] = w[(size_t)(j0 + v) * (size_t)fan_in + (size_t)i];
        text_row(t, col, NULL, (size_t)width, indent, 1, i + 1 == fan_in);
        if (i + 1 < fan_in) text_add(t, "\n");
    }
    free(col);
}

/* The activation, in place on a[0..n), as C: registry.h's expression of z for one element, in
 * the vocabulary emit_vocabulary defines; softmax's row code. */
static char *activate_code(Activation act, int n)
{
    if (act == ACT_SOFTMAX)
        return xasprintf("{ /* softmax, shifted by the max so exp never overflows */\n"
                         "        float zmax = a[0], sum = 0;\n"
                         "        for (int j = 1; j < %d; j++) zmax = a[j] > zmax ? a[j] : zmax;\n"
                         "        for (int j = 0; j < %d; j++) sum += a[j] = exp_r(a[j] - zmax);\n"
                         "        for (int j = 0; j < %d; j++) a[j] /= sum;\n"
                         "    }",
                         n, n, n);
    if (is_identity(act)) return xasprintf("/* %s: A = Z */", activation_names[act]);
    return xasprintf("for (int j = 0; j < %d; j++) { /* %s */\n"
                     "        const float z = a[j];\n"
                     "        a[j] = %s;\n"
                     "    }",
                     n, activation_names[act], activation_forward[act]);
}

/* A banner title padded with dashes to column 100, after the comment opening and four dashes; takes title. */
static char *banner_text(char *title)
{
    size_t n = strlen(title), width = 100 - 8 - 3;
    char *s = xcalloc(width + n + 1, 1);
    memcpy(s, title, n);
    for (size_t i = n; i < width; i++) s[i] = '-';
    free(title);
    return s;
}

static const char *base_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static char *summary_of(const Net *net)
{
    Text t = {0};
    char part[64];
    snprintf(part, sizeof part, "%d", net->inputs);
    text_add(&t, part);
    for (int i = 0; i < net->n_layers; i++) {
        snprintf(part, sizeof part, " -> %d (%s)", net->layers[i].units, activation_names[net->layers[i].act]);
        text_add(&t, part);
    }
    return t.p;
}

static const char *out_doc(const Net *net)
{
    switch (net->task) {
    case RT_TASK_BINARY: return "the output after the last activation, as the training program's\n *        --predict prints it";
    case RT_TASK_MULTICLASS: return "the class probabilities (softmax), as the training program's\n *        --predict prints them";
    default: return "the outputs after the last activation, as the training program's\n *        --predict prints them";
    }
}

static const char *predict_doc(const Net *net)
{
    if (net->task == RT_TASK_BINARY) return "1 when out[0] >= 0.5, else 0 (a step output is 0 or 1 already)";
    if (net->task == RT_TASK_MULTICLASS) return "the index of the largest output (the first, on a tie)";
    return "an mse network has no classes: the index of the largest output\n * (0 for one output); use the outputs of _infer instead";
}

/* The class names as a C initializer, {"setosa", "versicolor", "virginica"}, escaped as C
 * string literals (emit_cstring: no trigraphs, bytes outside ASCII in octal). */
static char *class_initializer(const Kernel *k)
{
    char *p = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&p, &n);
    if (!f) {
        fprintf(stderr, "nncc: error: out of memory\n");
        exit(1);
    }
    Emitter e = {f, 0};
    fputc('{', f);
    for (int i = 0; i < k->n_classes; i++) {
        if (i) fputs(", ", f);
        emit_cstring(&e, k->classes[i]);
    }
    fputc('}', f);
    if (fclose(f)) {
        fprintf(stderr, "nncc: error: out of memory\n");
        exit(1);
    }
    return p;
}

/* With class names: NAME_CLASSES and the NAME_CLASS_NAMES initializer beside the sizes, and the
 * read-only table NAME_class_names beside the functions (defined in the .c file). */
static void class_header_parts(const Kernel *k, const char *c_file, char **defines, char **decl)
{
    if (!k->n_classes) {
        *defines = xstrdup("");
        *decl = xstrdup("");
        return;
    }
    const char *n = k->name, *U = k->upper;
    char *init = class_initializer(k);
    *defines = xasprintf("\n\n/* The classes, named as in the training data: class i (what %s_predict returns) is\n"
                         " * %s_class_names[i]; %s_CLASS_NAMES is the same list as an initializer. */\n"
                         "#define %s_CLASSES %d\n#define %s_CLASS_NAMES %s",
                         n, n, U, U, k->n_classes, U, init);
    *decl = xasprintf("\n\n/* Each class's name, indexed by %s_predict's result: read-only, in %s. */\n"
                      "extern const char *const %s_class_names[%s_CLASSES];",
                      n, c_file, n, U);
    free(init);
}

static void emit_header_file(const Kernel *k, FILE *out, const char *h_file, const char *c_file)
{
    Emitter e = {out, 0};
    char *inputs = xasprintf("%d", k->net->inputs), *outputs = xasprintf("%d", k->net->outputs);
    char *stack = xasprintf("%zu", stack_bytes(k, k->int8));
    char *class_defines, *class_decl;
    class_header_parts(k, c_file, &class_defines, &class_decl);
    TemplateArg args[] = {
        {"FILE", h_file},          {"CFILE", c_file},          {"NAME", k->name}, {"UPPER", k->upper},
        {"VERSION", NNCC_VERSION}, {"INPUTS", inputs},         {"OUTPUTS", outputs},
        {"OUT_DOC", out_doc(k->net)}, {"PREDICT_DOC", predict_doc(k->net)},    {"STACK", stack},
        {"CLASS_DEFINES", class_defines}, {"CLASS_DECL", class_decl},
    };
    emit_template(&e, "infer_header.h", args, (int)ARRAY_LEN(args));
    free(inputs), free(outputs), free(stack), free(class_defines), free(class_decl);
}

/* The float layout as the schedule chose it for its target. */
static char *layout_float(const Net *net)
{
    int panels = 0, rows = 0;
    for (int i = 0; i < net->n_layers; i++) {
        if (net->sched.layer[i].infer_panel) panels = 1;
        else rows = 1;
    }
    Text t = {0};
    text_add(&t, "one sample at a time, Z = W.A + b is, unit by unit, z[j] = b[j] + sum_i W[j][i] a[i].\n");
    if (panels)
        text_add(&t, " * W_l is stored transposed in panels of units (below), so the kernel runs over many units\n"
                     " * at once, one vector of independent sums, each added in the order above: the same float\n"
                     " * result as the training program's, and loops gcc and clang vectorise without -ffast-math\n"
                     " * (build with -O3 -march=native where the target allows).");
    if (panels && rows)
        text_add(&t, "\n * A layer without panels keeps W_l's rows as they are, a dot product per unit.");
    else if (rows)
        text_add(&t, " * W_l is stored row by row, as the weights file has it, and each z[j] is a dot product in\n"
                     " * one register, added in the order above: the same float result as the training program's\n"
                     " * (no -ffast-math).");
    text_add(&t, "\n * A layer whose input is often exactly 0 (the network's input; a ReLU's output) reads only\n"
                 " * the weights whose input is not 0: the same sums, fewer weights read.\n"
                 " * Scheduled for ");
    text_add(&t, net->sched.target.name);
    text_add(&t, ". The panels and steps differ between targets (nncc --check\n"
                 " * --target NAME prints them), the floats they compute do not.");
    return t.p;
}

#define LAYOUT_INT8                                                                                    \
    "W_l is (units, fan_in) row-major, as PyTorch's nn.Linear and the weights file store it;\n"      \
    " * one sample at a time, so Z = W.A + b is, unit by unit, z[j] = b[j] + sum_i W[j][i] * a[i]."

static void emit_preamble(const Kernel *k, Emitter *e, const char *c_file, const char *h_file, const char *command)
{
    const Net *net = k->net;
    char *cmd = emit_comment_safe(command), *src = emit_comment_safe(net->spec->path), *wpath = emit_comment_safe(k->weights_path);
    char *summary = summary_of(net);
    char *wbytes = xasprintf("%zu", k->weights_file_bytes), *hash = xasprintf("%016llx", (unsigned long long)k->hash);
    Sizes sz = sizes_of(k, k->int8);
    char *flash = xasprintf("%zu", sz.weights), *stack = xasprintf("%zu", sz.stack);
    const char *trained = net->spec->precision == PREC_FLOAT64 ? "trained in float64, rounded to float32 here"
                                                                 : "as trained";
    char *numbers = k->int8 ? xasprintf("int8 weights with one float scale per output unit (symmetric), float biases;\n"
                                        " *           activations quantised to int8 per sample and layer, int32 sums,\n"
                                        " *           dequantised for the activation; from float32 weights (%s).\n"
                                        " * Checked:  against the float kernel %s",
                                        trained, k->check)
                            : xasprintf("float32 weights (%s); float arithmetic throughout.", trained);
    int ex = uses_exp(net), th = uses_tanh(net), need_exp = ex || th; /* tanh: an exp, in --no-libm */
    char *math = !need_exp ? xstrdup("none needed (no exp or tanh in this network).")
                 : k->no_libm ? xasprintf("no math library: exp%s below (max relative error %s%s%s).",
                                          th ? " and tanh" : "", INFER_EXP_ERROR, th ? ", tanh " : "",
                                          th ? INFER_TANH_ERROR : "")
                              : xasprintf("%s from <math.h> (link with -lm); --no-libm avoids it.",
                                          th && ex ? "expf and tanhf" : th ? "tanhf" : "expf");
    char *layout = k->int8 ? xstrdup(LAYOUT_INT8) : layout_float(net);
    Text inc = {0};
    if (need_exp && !k->no_libm) text_add(&inc, "#include <math.h>\n");
    if (k->int8 || (need_exp && k->no_libm)) text_add(&inc, "#include <stdint.h>\n");
    if (inc.len) text_add(&inc, "\n");
    text_add(&inc, "#include \"");
    text_add(&inc, h_file);
    text_add(&inc, "\"");
    TemplateArg args[] = {
        {"FILE", c_file},   {"NAME", k->name},      {"VERSION", NNCC_VERSION}, {"COMMAND", cmd},
        {"SOURCE", src},    {"SUMMARY", summary},   {"WEIGHTS", wpath},        {"WEIGHTS_BYTES", wbytes},
        {"HASH", hash},     {"NUMBERS", numbers},   {"MATH", math},            {"FLASH", flash},
        {"STACK", stack},   {"INCLUDES", inc.p},    {"LAYOUT", layout},
    };
    emit_template(e, "infer_preamble.c", args, (int)ARRAY_LEN(args));
    free(cmd), free(src), free(wpath), free(summary), free(wbytes), free(hash), free(flash), free(stack);
    free(numbers), free(math), free(inc.p), free(layout);
}

/* What registry.h's expressions name, each defined where some layer's activation names it. */
static const char *const vocabulary[] = {"R", "exp_r", "tanh_r", "NNCC_LEAKY_SLOPE"};

static void emit_vocabulary(const Kernel *k, Emitter *e)
{
    const char *n = k->name;
    int any = 0;
    for (size_t i = 0; i < ARRAY_LEN(vocabulary); i++) {
        const char *w = vocabulary[i];
        if (!net_names(k->net, w)) continue;
        if (!any++)
            emit(e, "\n/* The activations are the training program's expressions (nncc's registry.h); what they "
                    "use: */\n");
        if (!strcmp(w, "R")) emit(e, "#define R(x) ((float)(x)) /* a literal of the real type: float */\n");
        else if (!strcmp(w, "exp_r") && k->no_libm) emit(e, "#define exp_r %s_expf /* e^x, above */\n", n);
        else if (!strcmp(w, "exp_r")) emit(e, "#define exp_r expf /* e^x */\n");
        else if (!strcmp(w, "tanh_r") && k->no_libm) emit(e, "#define tanh_r %s_tanhf /* tanh, above */\n", n);
        else if (!strcmp(w, "tanh_r")) emit(e, "#define tanh_r tanhf /* tanh */\n");
        else if (!strcmp(w, "NNCC_LEAKY_SLOPE")) emit(e, "%s /* leaky_relu's, for z <= 0 */\n", leaky_slope_definition);
        else unreachable();
    }
}

/* The vocabulary ends with the file, which may be #included into another. */
static void emit_vocabulary_end(const Kernel *k, Emitter *e)
{
    int any = 0;
    for (size_t i = 0; i < ARRAY_LEN(vocabulary); i++) {
        if (!net_names(k->net, vocabulary[i])) continue;
        if (!any++) emit(e, "\n/* The activations' vocabulary ends with this file. */\n");
        emit(e, "#undef %s\n", vocabulary[i]);
    }
}

static void emit_helpers(const Kernel *k, Emitter *e)
{
    const Net *net = k->net;
    if (k->no_libm && (uses_exp(net) || uses_tanh(net))) {
        TemplateArg a[] = {{"NAME", k->name}, {"EXP_ERROR", INFER_EXP_ERROR}};
        emit_template(e, "infer_exp.c", a, 2);
    }
    if (k->no_libm && uses_tanh(net)) {
        TemplateArg a[] = {{"NAME", k->name}, {"TANH_ERROR", INFER_TANH_ERROR}};
        emit_template(e, "infer_tanh.c", a, 2);
    }
    emit_vocabulary(k, e);
    if (k->int8) {
        TemplateArg a[] = {{"NAME", k->name}};
        emit_template(e, "infer_quantize.c", a, 1);
    }
    if (k->offset) {
        char *off = vector_text(k->offset, net->inputs), *sc = vector_text(k->scale, net->inputs);
        char *banner = banner_text(xstrdup("Input normalisation "));
        emit(e, "\n/* ---- %s\n"
                " * x' = (x - offset) * scale, fitted on the training data; from input.offset and input.scale\n"
                " * (%d). Computed in double and rounded once, as the training program does, so the\n"
                " * outputs match its --predict; define %s_NORMALISE_IN_FLOAT for float arithmetic. */\n",
             banner, net->inputs, k->upper);
        free(banner);
        emit(e, "static const float %s_offset[%d] = {\n%s\n};\n", k->name, net->inputs, off);
        emit(e, "static const float %s_scale[%d] = {\n%s\n};\n", k->name, net->inputs, sc);
        free(off), free(sc);
    } else {
        emit(e, "\n/* No input normalisation in the weights file: inputs go in as they are. */\n");
    }
    if (k->toffset) {
        char *off = vector_text(k->toffset, net->outputs), *sc = vector_text(k->tscale, net->outputs);
        char *banner = banner_text(xstrdup("Target scaling "));
        emit(e, "\n/* ---- %s\n"
                " * Trained on y' = (y - offset) * scale (normalize_targets); the outputs are given back in the\n"
                " * targets' own units, y = y' / scale + offset, in double as --predict does. From\n"
                " * target.offset and target.scale (%d). */\n",
             banner, net->outputs);
        free(banner);
        emit(e, "static const float %s_target_offset[%d] = {\n%s\n};\n", k->name, net->outputs, off);
        emit(e, "static const float %s_target_scale[%d] = {\n%s\n};\n", k->name, net->outputs, sc);
        free(off), free(sc);
    }
}

/* "x0 = x[i], x1 = x[i + 1], ..." and "w[0][v] * x0 + w[1][v] * x1 + ...", for one step of u
 * inputs, wrapped for reading (continuation lines after `indent` spaces). */
static char *step_inputs(int u, int indent)
{
    Text t = {0};
    for (int k = 0; k < u; k++) {
        char part[64];
        if (k == 0) snprintf(part, sizeof part, "x0 = x[i]");
        else if (k % 6 == 0) snprintf(part, sizeof part, ",\n%*sx%d = x[i + %d]", indent, "", k, k);
        else snprintf(part, sizeof part, ", x%d = x[i + %d]", k, k);
        text_add(&t, part);
    }
    return t.p;
}

static char *step_terms(int u, int indent)
{
    Text t = {0};
    for (int k = 0; k < u; k++) {
        char part[64];
        if (k == 0) snprintf(part, sizeof part, "w[0][v] * x0");
        else if (k % 4 == 0) snprintf(part, sizeof part, "\n%*s+ w[%d][v] * x%d", indent, "", k, k);
        else snprintf(part, sizeof part, " + w[%d][v] * x%d", k, k);
        text_add(&t, part);
    }
    return t.p;
}

/* Items joined by ", ", wrapped before column 100: continuation lines start at column `indent`,
 * the first line's text at column `first`. */
static void add_wrapped(Text *t, char **items, int n, int first, int indent)
{
    int col = first;
    for (int j = 0; j < n; j++) {
        int len = (int)strlen(items[j]) + 1; /* and its comma or closing character */
        if (j && col + 1 + len > 99) {
            char pad[64];
            snprintf(pad, sizeof pad, ",\n%*s", indent, "");
            text_add(t, pad);
            col = indent;
        } else if (j) {
            text_add(t, ", ");
            col += 2;
        }
        text_add(t, items[j]);
        col += len - 1;
        free(items[j]);
    }
}

/* "{NAME_wL[p][nz[k]], NAME_wL[p][nz[k + 1]], ...}" (the rows of panel p; `tail`: of the tail
 * panel) and "x0 = x[nz[k]], x1 = x[nz[k + 1]], ...": one step of u nonzero inputs, for a line that
 * starts at column `indent` (the statement's). */
static char *step_rows(const Kernel *k, const char *L, int u, int tail, int indent)
{
    char **items = xcalloc((size_t)u, sizeof *items);
    for (int j = 0; j < u; j++)
        items[j] = j ? xasprintf("%s_w%s%s[nz[k + %d]]", k->name, L, tail ? "t" : "[p]", j)
                     : xasprintf("%s_w%s%s[nz[k]]", k->name, L, tail ? "t" : "[p]");
    Text t = {0};
    text_add(&t, "{");
    int first = indent + snprintf(NULL, 0, "const float *w[%d] = {", u);
    add_wrapped(&t, items, u, first, first);
    text_add(&t, "}");
    free(items);
    return t.p;
}

static char *step_inputs_nz(int u, int indent)
{
    char **items = xcalloc((size_t)u, sizeof *items);
    for (int j = 0; j < u; j++) items[j] = j ? xasprintf("x%d = x[nz[k + %d]]", j, j) : xstrdup("x0 = x[nz[k]]");
    Text t = {0};
    int first = indent + (int)strlen("const float ");
    add_wrapped(&t, items, u, first, first);
    free(items);
    return t.p;
}

/* A template's text with its placeholders filled, without its final line break: for a piece
 * that goes inside another template. */
static char *template_text(const char *name, const TemplateArg *args, int n)
{
    char *err;
    char *s = template_expand(template_get(name), args, n, &err);
    if (!s) {
        fprintf(stderr, "nncc: internal error: template %s: %s\n", name, err);
        unreachable();
    }
    size_t len = strlen(s);
    if (len && s[len - 1] == '\n') s[len - 1] = 0;
    char *out = xasprintf("\n%s", s);
    free(s);
    return out;
}

/* "w[i] * x[i] + w[i + 1] * x[i + 1] + ..." (`skip`: "w[nz[k]] * x[nz[k]] + ..."): one step of u
 * inputs of a dot product for a line whose text starts at column `first`, wrapped before column
 * 100, continuation lines after `indent` spaces. */
static char *row_terms(int u, int skip, int first, int indent)
{
    Text t = {0};
    int col = first;
    for (int j = 0; j < u; j++) {
        char at[32], term[96], part[128];
        if (skip) snprintf(at, sizeof at, j ? "nz[k + %d]" : "nz[k]", j);
        else snprintf(at, sizeof at, j ? "i + %d" : "i", j);
        int len = snprintf(term, sizeof term, "w[%s] * x[%s]", at, at);
        if (j == 0) {
            snprintf(part, sizeof part, "%s", term), col += len;
        } else if (col + 3 + len + 1 > 99) { /* " + term" and the ';' past column 99: a new line */
            snprintf(part, sizeof part, "\n%*s+ %s", indent, "", term), col = indent + 2 + len;
        } else {
            snprintf(part, sizeof part, " + %s", term), col += 3 + len;
        }
        text_add(&t, part);
    }
    return t.p;
}

/* A float layer without panels: W's rows as they are, a dot product per unit. */
static void emit_layer_rows(const Kernel *k, Emitter *e, int i, const char *banner, const char *bias,
                            const char *act)
{
    const Layer *l = &k->net->layers[i];
    const LayerSchedule *ls = &k->net->sched.layer[i];
    const int skip = ls->infer_skip, step = skip ? ls->infer_skip_step : ls->infer_step;
    if (step < 1 || step > l->fan_in || (!skip && l->fan_in % step)) unreachable();
    char *L = xasprintf("%d", i + 1), *P = xasprintf("%d", i), *in = xasprintf("%d", l->fan_in);
    char *out = xasprintf("%d", l->units), *u = xasprintf("%d", step), *u_1 = xasprintf("%d", step - 1);
    char *w = matrix_text(k->layers[i].w, NULL, l->units, l->fan_in);
    char *terms = row_terms(step, skip, 20, 16); /* after "            z = z + " */
    TemplateArg wa[] = {{"NAME", k->name}, {"L", L},           {"P", P},        {"IN", in},  {"OUT", out},
                        {"ACT", activation_names[l->act]},     {"BANNER", banner}, {"WEIGHTS", w}, {"BIAS", bias}};
    emit_template(e, "infer_weights_float_rows.c", wa, (int)ARRAY_LEN(wa));
    if (skip) {
        TemplateArg a[] = {{"NAME", k->name},  {"L", L},         {"P", P},     {"IN", in},
                           {"OUT", out},       {"ACTIVATE", act}, {"U", u},     {"U_1", u_1},
                           {"TERMS", terms},   {"ZEROS", zero_inputs(k->net, i)}, {"INDEX", index_type(l->fan_in)}};
        emit_template(e, "infer_layer_float_rows_skip.c", a, (int)ARRAY_LEN(a));
    } else {
        TemplateArg a[] = {{"NAME", k->name}, {"L", L},           {"P", P}, {"IN", in},
                           {"OUT", out},      {"ACTIVATE", act},  {"U", u}, {"TERMS", terms}};
        emit_template(e, "infer_layer_float_rows.c", a, (int)ARRAY_LEN(a));
    }
    free(L), free(P), free(in), free(out), free(u), free(u_1), free(w), free(terms);
}

static void emit_layer(const Kernel *k, Emitter *e, int i)
{
    const Layer *l = &k->net->layers[i];
    const KLayer *kl = &k->layers[i];
    char *L = xasprintf("%d", i + 1), *P = xasprintf("%d", i), *in = xasprintf("%d", l->fan_in);
    char *out = xasprintf("%d", l->units);
    char *act = activate_code(l->act, l->units);
    char *bias = vector_text(kl->b, l->units);
    char *banner = banner_text(xasprintf("Layer %d: %d -> %d, %s%s ", i + 1, l->fan_in, l->units,
                                         activation_names[l->act], k->int8 ? ", int8" : ""));
    if (k->int8) {
        char *w = matrix_text(NULL, kl->q, l->units, l->fan_in), *sc = vector_text(kl->qscale, l->units);
        char *qsum = qsum_text(kl->q, l->units, l->fan_in);
        TemplateArg a[] = {{"NAME", k->name}, {"L", L},   {"P", P},          {"IN", in},          {"OUT", out},
                           {"ACT", activation_names[l->act]}, {"BANNER", banner}, {"WEIGHTS", w}, {"SCALES", sc}, {"QSUM", qsum}, {"BIAS", bias},
                           {"ACTIVATE", act}};
        emit_template(e, "infer_layer_int8.c", a, (int)ARRAY_LEN(a));
        free(w), free(sc), free(qsum);
    } else if (k->net->sched.layer[i].infer_panel == 0) {
        emit_layer_rows(k, e, i, banner, bias, act);
    } else {
        /* the weights (the panels, the tail panel), then the layer's function: the full loop, or the
         * one that skips zero inputs */
        const LayerSchedule *ls = &k->net->sched.layer[i];
        Panels pn = panels_of(k->net, i);
        const char *zeros = ls->infer_skip ? zero_inputs(k->net, i) : NULL;
        Text w = {0};
        for (int p = 0; p < pn.count; p++) {
            char head[96];
            snprintf(head, sizeof head, "    { /* units %d .. %d */\n", p * pn.width, (p + 1) * pn.width - 1);
            text_add(&w, head);
            text_panel(&w, kl->w, l->fan_in, p * pn.width, pn.width, 8);
            text_add(&w, p + 1 < pn.count ? "\n    },\n" : "\n    }");
        }
        int step = zeros ? ls->infer_skip_step : ls->infer_step;
        if (step < 1 || step > l->fan_in || (!zeros && l->fan_in % step)) unreachable();
        char *pw = xasprintf("%d", pn.width), *count = xasprintf("%d", pn.count);
        char *u = xasprintf("%d", step), *u_1 = xasprintf("%d", step - 1);
        char *xs = zeros ? step_inputs_nz(step, 12) : step_inputs(step, 24);
        char *xs_t = zeros ? step_inputs_nz(step, 12) : step_inputs(step, 28);
        char *rows = zeros ? step_rows(k, L, step, 0, 12) : xstrdup("");
        char *rows_t = zeros ? step_rows(k, L, step, 1, 12) : xstrdup("");
        char *terms = step_terms(step, 20), *terms_t = step_terms(step, zeros ? 20 : 24);
        char *tail_doc = xstrdup(""), *tail_w = xstrdup(""), *tail = xstrdup("");
        if (pn.tail) {
            int t0 = pn.count * pn.width;
            char *tw = xasprintf("%d", pn.tail), *t0s = xasprintf("%d", t0);
            Text tt = {0};
            text_panel(&tt, kl->w, l->fan_in, t0, pn.tail, 4);
            free(tail_doc), free(tail_w), free(tail);
            tail_doc = xasprintf("\n * Units %d .. %d, the last %d, in w%st the same way.", t0, l->units - 1, pn.tail, L);
            tail_w = xasprintf("\nstatic const float %s_w%st[%d][%d] = {\n%s\n};", k->name, L, l->fan_in, pn.tail, tt.p);
            if (zeros) {
                TemplateArg a[] = {{"NAME", k->name}, {"L", L}, {"OUT", out},  {"TW", tw},         {"T0", t0s},
                                   {"U", u},          {"XS", xs_t}, {"TERMS", terms_t}, {"ROWS", rows_t}};
                tail = template_text("infer_layer_float_skip_tail.c", a, (int)ARRAY_LEN(a));
            } else {
                TemplateArg a[] = {{"NAME", k->name}, {"L", L},   {"IN", in},   {"OUT", out},      {"TW", tw},
                                   {"T0", t0s},       {"U", u},   {"XS", xs_t}, {"TERMS", terms_t}};
                tail = template_text("infer_layer_float_tail.c", a, (int)ARRAY_LEN(a));
            }
            free(tt.p), free(tw), free(t0s);
        }
        TemplateArg wa[] = {{"NAME", k->name}, {"L", L},           {"P", P},        {"IN", in},
                            {"OUT", out},      {"ACT", activation_names[l->act]},  {"BANNER", banner},
                            {"WEIGHTS", w.p},  {"BIAS", bias},     {"PW", pw},      {"PANELS", count},
                            {"TAIL_DOC", tail_doc}, {"TAIL_WEIGHTS", tail_w}};
        emit_template(e, "infer_weights_float.c", wa, (int)ARRAY_LEN(wa));
        if (zeros) {
            TemplateArg a[] = {{"NAME", k->name}, {"L", L},         {"P", P},         {"IN", in},
                               {"OUT", out},      {"PW", pw},       {"PANELS", count}, {"TAIL", tail},
                               {"ACTIVATE", act}, {"U", u},         {"XS", xs},       {"TERMS", terms},
                               {"ZEROS", zeros},  {"U_1", u_1},     {"ROWS", rows},   {"INDEX", index_type(l->fan_in)}};
            emit_template(e, "infer_layer_float_skip.c", a, (int)ARRAY_LEN(a));
        } else {
            TemplateArg a[] = {{"NAME", k->name}, {"L", L},         {"P", P},          {"IN", in},
                               {"OUT", out},      {"PW", pw},       {"PANELS", count}, {"TAIL", tail},
                               {"ACTIVATE", act}, {"U", u},         {"XS", xs},        {"TERMS", terms}};
            emit_template(e, "infer_layer_float.c", a, (int)ARRAY_LEN(a));
        }
        free(w.p), free(pw), free(count), free(tail_doc), free(tail_w), free(tail), free(u), free(u_1);
        free(xs), free(xs_t), free(rows), free(rows_t), free(terms), free(terms_t);
    }
    free(L), free(P), free(in), free(out), free(act), free(bias), free(banner);
}

/* NAME_infer: normalise, then the layers in order through the ping-pong buffers; NAME_predict. */
static void emit_entry(const Kernel *k, Emitter *e)
{
    const Net *net = k->net;
    const char *n = k->name, *U = k->upper;
    char *banner = banner_text(xstrdup("Entry points "));
    emit(e, "\n/* ---- %s */\n\n", banner);
    free(banner);
    emit(e, "void %s_infer(const float in[%s_INPUTS], float out[%s_OUTPUTS])\n{\n", n, U, U);
    if (k->n_buffers)
        emit(e, "    float a[%d][%d]; /* activations%s: %zu bytes */\n", k->n_buffers, k->width,
             k->n_buffers == 2 ? ", layer by layer in turn" : "", (size_t)k->n_buffers * (size_t)k->width * 4);
    if (k->int8) emit(e, "    uint8_t xu[%d]; /* each layer's input, quantised, plus 128 */\n", k->widest_fan_in);
    const char *cur = "in";
    int s = 0;
    char bufname[2][8] = {"a[0]", "a[1]"};
    if (k->offset) {
        emit(e, "    for (int i = 0; i < %s_INPUTS; i++) {\n", U);
        emit(e, "#ifdef %s_NORMALISE_IN_FLOAT /* faster where double is emulated; x' may differ in its last bit */\n", U);
        emit(e, "        a[0][i] = (in[i] - %s_offset[i]) * %s_scale[i];\n", n, n);
        emit(e, "#else /* as the training program: in double, rounded once to float */\n");
        emit(e, "        a[0][i] = (float)(((double)in[i] - %s_offset[i]) * %s_scale[i]);\n", n, n);
        emit(e, "#endif\n    }\n");
        cur = bufname[0];
        s = 1;
    }
    for (int i = 0; i < net->n_layers; i++) {
        const char *next = i + 1 == net->n_layers ? "out" : bufname[s % 2];
        if (i + 1 < net->n_layers) s++;
        emit(e, "    %s_layer%d(%s, %s%s);\n", n, i + 1, cur, next, k->int8 ? ", xu" : "");
        cur = next;
    }
    if (k->toffset) {
        emit(e, "    for (int j = 0; j < %s_OUTPUTS; j++) /* in the targets' units */\n", U);
        emit(e, "        out[j] = (float)((double)out[j] / %s_target_scale[j] + %s_target_offset[j]);\n", n, n);
    }
    emit(e, "}\n\n");
    emit(e, "int %s_predict(const float in[%s_INPUTS])\n{\n", n, U);
    emit(e, "    float out[%s_OUTPUTS];\n    %s_infer(in, out);\n", U, n);
    if (net->task == RT_TASK_BINARY) {
        emit(e, "    return out[0] >= 0.5f;\n}\n");
    } else {
        if (net->task == RT_TASK_REGRESSION) emit(e, "    /* mse: no classes; the largest output's index */\n");
        emit(e, "    int best = 0;\n");
        emit(e, "    for (int j = 1; j < %s_OUTPUTS; j++) best = out[j] > out[best] ? j : best;\n", U);
        emit(e, "    return best;\n}\n");
    }
}

static void emit_c_file(const Kernel *k, FILE *out, const char *c_file, const char *h_file, const char *command)
{
    Emitter e = {out, 0};
    emit_preamble(k, &e, c_file, h_file, command);
    emit_helpers(k, &e);
    for (int i = 0; i < k->net->n_layers; i++) emit_layer(k, &e, i);
    emit_entry(k, &e);
    if (k->n_classes)
        emit(&e, "\n/* The classes' names (%s.h): class i is what %s_predict returns. */\n"
                 "const char *const %s_class_names[%s_CLASSES] = %s_CLASS_NAMES;\n",
             k->name, k->name, k->name, k->upper, k->upper);
    emit_vocabulary_end(k, &e);
}

static void kernel_free(Kernel *k)
{
    for (int i = 0; i < k->net->n_layers; i++) {
        free(k->layers[i].w), free(k->layers[i].b), free(k->layers[i].q), free(k->layers[i].qscale);
    }
    free(k->offset), free(k->scale), free(k->toffset), free(k->tscale);
    for (int i = 0; i < k->n_classes; i++) free(k->classes[i]);
    free(k->classes);
}

int emit_infer_files(const Net *net, const char *out_c, const char *weights_path, int int8, int no_libm,
                     const char *calibrate, const char *command)
{
    static Kernel k;
    memset(&k, 0, sizeof k);
    k.net = net, k.name = net->spec->name, k.int8 = int8, k.no_libm = no_libm, k.weights_path = weights_path;
    for (size_t i = 0; k.name[i]; i++) k.upper[i] = (char)toupper((unsigned char)k.name[i]);
    for (int i = 0; i < net->n_layers; i++)
        if (net->layers[i].kind != LAYER_DENSE) {
            diag_error(net->spec->layers[i].loc, "--emit infer takes dense layers only so far; layers.%d is a %s layer "
                                                 "(train it with the training program, which saves its weights)",
                       i, layer_kind_names[net->layers[i].kind]);
            diag_flush(stderr);
            return -1;
        }
    for (int i = 0; i < net->n_layers; i++) {
        /* |sum| <= 127 * 255 * fan_in (int8 weights times the inputs plus 128) must fit int32. */
        if ((int8 || calibrate) && net->layers[i].fan_in > INT32_MAX / (127 * 255)) {
            fprintf(stderr, "nncc: error: layer %d has %d inputs: too many for int32 sums of int8 products\n", i + 1,
                    net->layers[i].fan_in);
            return -1;
        }
    }
    if (load_weights(&k, weights_path)) {
        kernel_free(&k);
        return -1;
    }
    quantize_weights(&k); /* for the report even when the kernel is float */
    plan_buffers(&k);
    /* The int8 check runs for an int8 kernel, or for a float one when --calibrate asks for it. */
    if ((int8 || calibrate) && report_int8(&k, calibrate)) {
        kernel_free(&k);
        return -1;
    }

    size_t n = strlen(out_c);
    char *out_h = xasprintf("%.*s.h", (int)(n - 2), out_c);
    FILE *fc = atomic_open(out_c), *fh = fc ? atomic_open(out_h) : NULL;
    if (!fh) {
        fprintf(stderr, "nncc: error: cannot write '%s': %s\n", fc ? out_h : out_c, strerror(errno));
        atomic_abort();
        kernel_free(&k);
        free(out_h);
        return -1;
    }
    emit_header_file(&k, fh, base_of(out_h), base_of(out_c));
    emit_c_file(&k, fc, base_of(out_c), base_of(out_h), command);
    int rc = atomic_commit();
    if (!rc) {
        printf("wrote %s and %s: %s, %s weights%s\n", out_c, out_h, k.name, int8 ? "int8" : "float32",
               no_libm ? ", no libm" : "");
        report_sizes(&k);
    }
    kernel_free(&k);
    free(out_h);
    return rc;
}
