/* emit.c — Net -> the C training program: templates from templates/ for kernel bodies, the
 * printf-checked emitter for glue (buffers, unrolled loops, tables, main). */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nncc.h"

/* ---- the emitter ----------------------------------------------------------------------------- */

void emit(Emitter *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(e->out, fmt, ap);
    va_end(ap);
}

void emit_line(Emitter *e, const char *fmt, ...)
{
    for (int i = 0; i < e->indent; i++) fputs("    ", e->out);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(e->out, fmt, ap);
    va_end(ap);
    fputc('\n', e->out);
}

void emit_template(Emitter *e, const char *template_name, const TemplateArg *args, int n)
{
    const char *text = template_get(template_name);
    if (!text) {
        fprintf(stderr, "nncc: internal error: no template %s\n", template_name);
        unreachable();
    }
    char *err;
    char *s = template_expand(text, args, n, &err);
    if (!s) {
        fprintf(stderr, "nncc: internal error: template %s: %s\n", template_name, err);
        unreachable();
    }
    fputs(s, e->out);
    free(s);
}

void emit_cstring(Emitter *e, const char *s)
{
    fputc('"', e->out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') fprintf(e->out, "\\%c", *p);
        else if (*p == '?') fputs("\\?", e->out); /* no trigraphs */
        else if (*p < 0x20 || *p >= 0x7f) fprintf(e->out, "\\%03o", *p);
        else fputc(*p, e->out);
    }
    fputc('"', e->out);
}

char *emit_comment_safe(const char *s)
{
    char *out = xcalloc(strlen(s) * 2 + 1, 1), *o = out;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '*' && p[1] == '/') *o++ = '*', *o++ = ' ';
        else if (*p < 0x20 || *p >= 0x7f) *o++ = '?';
        else *o++ = (char)*p;
    }
    return out;
}

/* ---- pieces of the program ------------------------------------------------------------------- */

typedef struct Gen {
    Emitter *e;
    const Net *net;
    const Schedule *s;
    const char *name;
    char upper[NNCC_MAX_NAME + 1];
    int f32;
    int mr_max;    /* the largest register block of units any kernel declares */
    unsigned uses; /* the block kernels the layers call (K_*): only those are printed */
} Gen;

/* The block kernels of templates/kernel_*.c, in the order they are printed. */
enum { K_MADD = 1, K_FILL = 2, K_LOAD = 4, K_STORE = 8, K_STORE_T = 16, K_DW = 32 };
static const char *const kernel_templates[] = {"kernel_madd.c", "kernel_fill.c", "kernel_load.c", "kernel_store.c",
                                               "kernel_store_t.c"}; /* kernel_dw.c: after the optimiser */

/* Strings made while printing, freed together at the end (one discipline instead of a free per
 * string). */
static char **scratch;
static int n_scratch, cap_scratch;

static char *keep(char *s)
{
    if (n_scratch == cap_scratch) {
        cap_scratch = cap_scratch ? 2 * cap_scratch : 64;
        char **grown = xcalloc((size_t)cap_scratch, sizeof *grown);
        if (scratch) memcpy(grown, scratch, (size_t)n_scratch * sizeof *grown);
        free(scratch);
        scratch = grown;
    }
    return scratch[n_scratch++] = s;
}

static void scratch_free(void)
{
    for (int i = 0; i < n_scratch; i++) free(scratch[i]);
    free(scratch);
    scratch = NULL, n_scratch = cap_scratch = 0;
}

#define fmt(...) keep(xasprintf(__VA_ARGS__))

static int any_trainable(const Net *net)
{
    for (int i = 0; i < net->n_layers; i++)
        if (net->layers[i].trainable) return 1;
    return 0;
}

static int uses_act(const Net *net, Activation act)
{
    for (int i = 0; i < net->n_layers; i++)
        if (net->layers[i].act == act) return 1;
    return 0;
}

/* Whether the program applies activation act elementwise (its forward, or its derivative in a
 * propagation or the mse loss). Softmax and linear need no function. */
static int elementwise(Activation act)
{
    return act != ACT_SOFTMAX && act != ACT_LINEAR;
}

static int uses_derivative(const Net *net, Activation act)
{
    if (!elementwise(act)) return 0; /* linear: g' = 1, nothing to multiply; softmax: its Jacobian */
    for (int i = 1; i < net->n_layers; i++)
        if (net->sched.layer[i].propagate && net->layers[i - 1].act == act) return 1;
    const Layer *last = &net->layers[net->n_layers - 1];
    return net->spec->loss == LOSS_MSE && last->act == act && any_trainable(net);
}

/* Whether the activations' code the program prints (registry.h's expressions, and softmax's row
 * code, which takes exp_r) names `word`: the math helpers it needs follow from the table. */
static int program_uses(const Net *net, const char *word)
{
    for (int a = 0; a < ACT_COUNT; a++) {
        if (!uses_act(net, a)) continue;
        if (a == ACT_SOFTMAX && !strcmp(word, "exp_r")) return 1;
        if (elementwise(a) && strstr(activation_forward[a], word)) return 1;
        if (uses_derivative(net, a) && strstr(activation_derivative[a], word)) return 1;
    }
    return 0;
}

static int n_states(const Spec *spec)
{
    return spec->optimizer == OPT_ADAM ? 2 : spec->optimizer == OPT_MOMENTUM ? 1 : 0;
}

static char *lit(double v)
{
    return fmt("%.17g", v);
}

/* Layer i's input as its forward reads it, feature by feature: X^T or A_i^T. */
static const char *input_t(const Gen *g, int i)
{
    return i == 0 ? fmt("%s_xt", g->name) : fmt("%s_at%d", g->name, i);
}

/* The row stride of layer i's input feature by feature: X^T's and a dense layer's A^T are
 * (features, ROWS), a spatial layer's wider (Schedule.spatial_ld). */
static const char *input_t_ld(const Gen *g, int i)
{
    return i > 0 && SPATIAL(g->net->layers[i - 1].kind) ? fmt("%d", g->s->spatial_ld) : fmt("%s_ROWS", g->upper);
}

/* The row stride of layer i's input (i = 0: X, as the runtime hands it over). */
static int input_ld(const Gen *g, int i)
{
    return i == 0 ? g->net->inputs : g->s->layer[i - 1].ld;
}

/* ---- spatial layers: conv2d and pooling -----------------------------------------------------
 * A spatial layer keeps its A and dZ feature by feature, the rows of a block side by side as the
 * lanes of vectors: A^T (C x H x W, rows), the features in PyTorch's (C, H, W) order, stored with
 * a zero border as wide as the padding of the convolution above, so that no loop tests a bound.
 * A convolution at one output position is then a dense layer over the taps: register blocks of
 * filters x rows (madd), every tap a full vector. Under a dense layer the layer also stores A
 * row by row, which that layer's dW reads; the dense layer hands dZ back feature by feature. Each
 * thread takes its own blocks of rows; dW takes the filters in turn, each summed over every row
 * on one thread, so results do not depend on the thread count. */

/* A loop over var in [0, n), or NULL when n is 1 (the index is then 0: ix()). */
static const char *loop_over(const char *var, int n)
{
    return n > 1 ? fmt("for (int %s = 0; %s < %d; %s++)", var, var, n, var) : NULL;
}

static const char *ix(const char *var, int n)
{
    return n > 1 ? var : "0";
}

/* "a * s + b", the terms that are 0 left out, and a factor of 1. */
static const char *affine(const char *a, int s, const char *b)
{
    const char *t = !strcmp(a, "0") || !s ? "" : s == 1 ? a : strchr(a, ' ') ? fmt("(%s) * %d", a, s) : fmt("%s * %d", a, s);
    if (strcmp(b, "0")) t = *t ? fmt("%s + %s", t, b) : b;
    return *t ? t : "0";
}

/* The loops over vars (those of size 1 left out) around what follows; returns how many opened,
 * the indent to take back after it. */
static int open_loops(Emitter *e, const char *const *vars, const int *n, int count)
{
    int opened = 0;
    for (int k = 0; k < count; k++) {
        const char *l = loop_over(vars[k], n[k]);
        if (l) emit_line(e, "%s", l), e->indent++, opened++;
    }
    return opened;
}

/* open_loops with a block as the body of the last loop, or a bare block when there is none;
 * returns what close_block() takes. */
static int open_block(Emitter *e, const char *const *vars, const int *n, int count)
{
    int opened = 0;
    const char *last = NULL;
    for (int k = 0; k < count; k++) {
        const char *l = loop_over(vars[k], n[k]);
        if (!l) continue;
        if (last) emit_line(e, "%s", last), e->indent++, opened++;
        last = l;
    }
    emit_line(e, "%s", last ? fmt("%s {", last) : "{");
    e->indent++;
    return opened;
}

static void close_block(Emitter *e, int opened)
{
    e->indent--;
    emit_line(e, "}");
    e->indent -= opened;
}

/* A spatial layer's sizes: the input (C, H, W) as stored (Hp, Wp: with its zero border, the
 * layer's padding), the output (F, OH, OW) as stored (OHp, OWp, its border ob). */
typedef struct Spatial {
    int C, H, W, Hp, Wp, F, OH, OW, OHp, OWp, KH, KW, SH, SW, oby, obx;
    const char *in_t, *out_t, *dz_t, *dzb_t; /* A^T below (X^T for layer 1), A^T, dZ^T, dZ^T below */
    int in_ld, dz_ld;                        /* row strides of A^T and dZ^T */
} Spatial;

static Spatial spatial_of(const Gen *g, int i)
{
    const Layer *l = &g->net->layers[i];
    const LayerSchedule *ls = &g->s->layer[i];
    const char *n = g->name;
    Spatial s = {l->in[0], l->in[1], l->in[2], l->in[1] + 2 * l->pad[0], l->in[2] + 2 * l->pad[1], l->out[0],
                 l->out[1], l->out[2], l->out[1] + 2 * ls->opad[0], l->out[2] + 2 * ls->opad[1], l->kernel[0],
                 l->kernel[1], l->stride[0], l->stride[1], ls->opad[0], ls->opad[1],
                 i ? fmt("%s_at%d", n, i) : fmt("%s_xt", n), fmt("%s_at%d", n, i + 1), fmt("%s_dzt%d", n, i + 1),
                 fmt("%s_dzt%d", n, i), g->s->spatial_ld, g->s->dzt_ld};
    return s;
}

/* The feature at (c, y, x) of an image stored (C, h, w), each of y, x a name or 0 times its step. */
static const char *feature(const char *c, const char *y, int ys, const char *x, int xs, int h, int w)
{
    const char *t = strcmp(c, "0") ? affine(c, h * w, "0") : "0";
    t = affine(y, ys * w, t);
    return affine(x, xs, t);
}

/* Whether the layer above reads this one's A row by row (a dense layer, a dropout). */
static int rows_above(const Gen *g, int i)
{
    return i + 1 < g->net->n_layers && !SPATIAL(g->net->layers[i + 1].kind);
}

static void emit_header(Gen *g, const char *file, const char *command)
{
    const Net *net = g->net;
    const Spec *spec = net->spec;
    char summary[1024];
    size_t len = (size_t)snprintf(summary, sizeof summary, "%d", net->inputs);
    for (int i = 0; i < net->n_layers && len < sizeof summary; i++) {
        const Layer *l = &net->layers[i];
        if (l->kind == LAYER_DENSE)
            len += (size_t)snprintf(summary + len, sizeof summary - len, " -> %d (%s)", l->units, activation_names[l->act]);
        else if (l->kind == LAYER_DROPOUT)
            len += (size_t)snprintf(summary + len, sizeof summary - len, " -> (dropout %g)", l->drop);
        else if (l->kind == LAYER_CONV)
            len += (size_t)snprintf(summary + len, sizeof summary - len, " -> %dx%dx%d (conv %dx%d, %s)", l->out[0], l->out[1],
                                    l->out[2], l->kernel[0], l->kernel[1], activation_names[l->act]);
        else
            len += (size_t)snprintf(summary + len, sizeof summary - len, " -> %dx%dx%d (%s %dx%d)", l->out[0], l->out[1],
                                    l->out[2], layer_kind_names[l->kind], l->kernel[0], l->kernel[1]);
    }
    char target[512];
    FILE *t = fmemopen(target, sizeof target, "w");
    target_print(&g->s->target, t);
    fclose(t);
    target[strcspn(target, "\n")] = 0;
    const Target *tg = &g->s->target;
    const char *flags = tg->march ? fmt("-O3 %s%s-fopenmp", tg->march, *tg->march ? " " : "") : "-O3 -march=native -fopenmp";
    /* Only the math helpers this network calls: an unused static function is a warning. */
    char *math = fmt("%s", "");
    const char *sfx = g->f32 ? "f" : "";
    if (program_uses(net, "exp_r") && g->f32)
        math = fmt("%s%s\nstatic inline real exp_r(real x) { return nncc_expf(x); }\n", math, template_get("fastexp.c"));
    else if (program_uses(net, "exp_r"))
        math = fmt("%sstatic inline real exp_r(real x) { return exp(x); }\n", math);
    if (program_uses(net, "tanh_r")) math = fmt("%sstatic inline real tanh_r(real x) { return tanh%s(x); }\n", math, sfx);
    if (spec->optimizer == OPT_ADAM && any_trainable(net))
        math = fmt("%sstatic inline real sqrt_r(real x) { return sqrt%s(x); }\n", math, sfx);
    if (program_uses(net, "NNCC_LEAKY_SLOPE")) math = fmt("%s%s\n", math, leaky_slope_definition);
    TemplateArg args[] = {
        {"FILE", emit_comment_safe(file)},
        {"NAME", g->name},
        {"UPPER", g->upper},
        {"VERSION", NNCC_VERSION},
        {"SOURCE", emit_comment_safe(spec->path)},
        {"COMMAND", emit_comment_safe(command)},
        {"SUMMARY", summary},
        {"LOSS", loss_names[spec->loss]},
        {"OPTIMIZER", optimizer_names[spec->optimizer]},
        {"PRECISION", precision_names[spec->precision]},
        {"TARGET", target},
        {"CFLAGS", flags},
        {"INPUTS", fmt("%d", net->inputs)},
        {"OUTPUTS", fmt("%d", net->outputs)},
        {"CHUNK", fmt("%d", net->chunk)},
        {"PARAMS", fmt("%zu", net->n_params)},
        {"REAL", g->f32 ? "float" : "double"},
        {"MATH", math},
        {"MPI_FLAG", net->mpi ? " --mpi" : ""},
        {"MPI_LIB", net->mpi ? " <nncc>/build/libnncc_rt_mpi.a" : ""},
        {"MPI_PKG", net->mpi ? "mpi-c " : ""},
        {"MPI_RUN", net->mpi ? fmt("\n * Run:     mpirun -np N ./train_%s   (each batch split across the N ranks)", g->name) : ""},
    };
    keep((char *)args[0].value), keep((char *)args[4].value), keep((char *)args[5].value);
    emit_template(g->e, "train_header.c", args, (int)ARRAY_LEN(args));
}

/* Parameters, gradients and optimiser state: one struct each, all the same layout, so the
 * update can walk them as flat arrays and the runtime can save them as one block. */
static void emit_storage(Gen *g)
{
    Emitter *e = g->e;
    const Net *net = g->net;
    const Schedule *s = g->s;
    const char *n = g->name, *U = g->upper;
    int spatial = 0;
    for (int i = 0; i < net->n_layers; i++) spatial |= SPATIAL(net->layers[i].kind);
    if (spatial)
        emit(e, "\n/* Parameters W_l and b_l in PyTorch's layouts: nn.Linear's (units, fan_in) and (units), nn.Conv2d's\n"
                " * (filters, channels, kh, kw) and (filters); pooling layers have none. */\n");
    else
        emit(e, "\n/* Parameters W_l (units, fan_in) and b_l (units): PyTorch's nn.Linear layout. */\n");
    emit(e, "typedef struct %s_params {\n", n);
    for (int i = 0; i < net->n_layers; i++) {
        const Layer *l = &net->layers[i];
        if (l->kind == LAYER_DENSE)
            emit(e, "    real w%d[%d][%d]; /* layers.%d.weight */\n", i + 1, l->units, l->fan_in, i);
        else if (l->kind == LAYER_CONV)
            emit(e, "    real w%d[%d][%d][%d][%d]; /* layers.%d.weight */\n", i + 1, l->out[0], l->in[0], l->kernel[0],
                 l->kernel[1], i);
        if (l->n_b) emit(e, "    real b%d[%zu];     /* layers.%d.bias */\n", i + 1, l->n_b, i);
    }
    emit(e, "} %s_params;\n", n);
    emit(e, "typedef char %s_layout_check[sizeof(%s_params) == %s_PARAMS * sizeof(real) ? 1 : -1];\n\n", n, n, U);
    emit(e, "static %s_params %s_param; /* W, b */\n", n, n);
    emit(e, "static %s_params %s_grad;  /* dW, db summed over the batch so far */\n", n, n);
    for (int k = 0; k < n_states(net->spec); k++)
        emit(e, "static %s_params %s_state%d; /* %s */\n", n, n, k,
             net->spec->optimizer == OPT_MOMENTUM ? "velocity" : k == 0 ? "first moment" : "second moment");

    emit(e, "\n/* One chunk's activations A_l and output gradients dZ_l, (%s_ROWS, units) with the row strides\n"
            " * the schedule chose, and feature by feature where a kernel reads them so: A_l^T (units, %s_ROWS)\n"
            " * for the next layer's forward, dZ_l^T for dW. %s_ROWS is the chunk padded to whole blocks of\n"
            " * %s_NR rows. */\n",
         U, U, U, U);
    emit(e, "#define %s_NR %d\n#define %s_ROWS %d\n", U, s->nr, U, s->rows);
    if (s->transpose_x) {
        const Layer *l = &net->layers[0];
        const int features = l->kind == LAYER_DENSE ? net->inputs : l->in[0] * (l->in[1] + 2 * l->pad[0]) * (l->in[2] + 2 * l->pad[1]);
        if (l->kind == LAYER_DENSE) emit(e, "static real %s_xt[%d][%s_ROWS]; /* X^T */\n", n, features, U);
        else emit(e, "static real %s_xt[%d][%d]; /* X^T */\n", n, features, s->spatial_ld);
    }
    for (int i = 0; i < net->n_layers; i++) {
        const Layer *l = &net->layers[i];
        const LayerSchedule *ls = &s->layer[i];
        if (SPATIAL(l->kind)) { /* A^T and dZ^T with their zero border; A, dZ for a dense layer above */
            const Spatial sp = spatial_of(g, i);
            const int features = sp.F * sp.OHp * sp.OWp, rows = rows_above(g, i);
            emit(e, "static real %s_at%d[%d][%d]", n, i + 1, features, s->spatial_ld);
            if (rows) emit(e, ", %s_a%d[%s_ROWS][%d]", n, i + 1, U, l->units);
            if (ls->needs_dz) emit(e, ", %s_dzt%d[%d][%d]", n, i + 1, features, s->dzt_ld);
            if (ls->needs_dz && rows) emit(e, ", %s_dz%d[%s_ROWS][%d]", n, i + 1, U, l->units);
            emit(e, ";\n");
            continue;
        }
        emit(e, "static real %s_a%d[%s_ROWS][%d]", n, i + 1, U, ls->ld);
        if (ls->keep_t) emit(e, ", %s_at%d[%d][%s_ROWS]", n, i + 1, l->units, U);
        if (ls->needs_dz) emit(e, ", %s_dz%d[%s_ROWS][%d]", n, i + 1, U, ls->ld);
        if (ls->dz_t) emit(e, ", %s_dzt%d[%d][%d]", n, i + 1, l->units, s->dzt_ld);
        emit(e, ";\n");
    }
    if (net->spec->loss == LOSS_CROSS_ENTROPY)
        emit(e, "static real %s_zout[%s_CHUNK][%d]; /* Z of the softmax layer, for a stable log-loss */\n", n, U,
             net->outputs);
    emit(e, "static double %s_row_loss[%s_CHUNK], %s_row_correct[%s_CHUNK]; /* each row's, summed in row order */\n",
         n, U, n, U);
    if (any_trainable(net))
        emit(e, "\n/* The optimiser's constants for the batch in progress (set_hp()): the update and the fused dW\n"
                " * blocks read them. */\nstatic struct { real %s; } %s_hp;\n",
             net->spec->optimizer == OPT_ADAM ? "step, scale, bc2_sqrt" : "alpha, scale", n);
    for (int i = 0; i < net->n_layers; i++) {
        const Layer *l = &net->layers[i];
        const double *given[2] = {l->weights, l->bias};
        size_t count[2] = {(size_t)l->units * (size_t)l->fan_in, (size_t)l->units};
        for (int k = 0; k < 2; k++) {
            if (!given[k]) continue;
            emit(e, "\n/* %s%d as given in the network file */\n", k ? "b" : "W", i + 1);
            emit(e, "static const double %s_given_%c%d[%zu] = {", n, k ? 'b' : 'w', i + 1, count[k]);
            for (size_t j = 0; j < count[k]; j++) emit(e, "%s%.17g", j ? ", " : "", given[k][j]);
            emit(e, "};\n");
        }
    }
}

/* The activations as scalar functions, from registry.h's table: the fast kernels call them in
 * their vector loops (inlined), the reference kernels one element at a time. */
static void emit_activations(Gen *g)
{
    const Net *net = g->net;
    const char *n = g->name;
    int any = 0;
    for (int a = 0; a < ACT_COUNT; a++) any |= (elementwise(a) && uses_act(net, a)) || uses_derivative(net, a);
    if (!any && !uses_act(net, ACT_SOFTMAX)) return;
    emit(g->e, "\n/* ---- activations (registry.h): A = g(Z), and g'(Z) written in terms of A ---- */\n");
    for (int a = 0; a < ACT_COUNT; a++) {
        if (elementwise(a) && uses_act(net, a))
            emit(g->e, "static inline real %s_g_%s(real z) { return %s; }\n", n, activation_names[a], activation_forward[a]);
        if (uses_derivative(net, a))
            emit(g->e, "static inline real %s_dg_%s(real a) { return %s; }\n", n, activation_names[a],
                 activation_derivative[a]);
    }
    if (uses_act(net, ACT_SOFTMAX)) {
        const Layer *l = &net->layers[net->n_layers - 1];
        const int ce = net->spec->loss == LOSS_CROSS_ENTROPY;
        emit(g->e, "/* softmax over rows [lo, end) of A (m, %d), shifted by each row's max so exp never overflows%s */\n",
             l->units, ce ? ";\n * Z kept for the loss" : "");
        emit(g->e, "static void %s_softmax(int lo, int end, real *restrict a)\n{\n", n);
        emit(g->e, "    for (int r = lo; r < end; r++) {\n");
        emit(g->e, "        real *restrict p = a + (size_t)r * %d, zmax = p[0], sum = 0;\n", l->units);
        if (ce) emit(g->e, "        memcpy(%s_zout[r], p, sizeof %s_zout[r]);\n", n, n);
        emit(g->e, "        for (int j = 1; j < %d; j++) zmax = p[j] > zmax ? p[j] : zmax;\n", l->units);
        emit(g->e, "        for (int j = 0; j < %d; j++) sum += p[j] = exp_r(p[j] - zmax);\n", l->units);
        emit(g->e, "        for (int j = 0; j < %d; j++) p[j] /= sum;\n    }\n}\n", l->units);
    }
}

/* The block kernels the layers' loops call (templates/kernel_*.c), with constant sizes at each
 * call: inlined there, they are the fixed-size loops the compiler unrolls and vectorises. */
static void emit_kernels(Gen *g)
{
    TemplateArg args[] = {{"NAME", g->name}, {"UPPER", g->upper}, {"MR", fmt("%d", g->mr_max)}};
    emit_template(g->e, "block_kernels.c", args + 1, 2);
    for (size_t k = 0; k < ARRAY_LEN(kernel_templates); k++)
        if (g->uses & 1u << k) emit_template(g->e, kernel_templates[k], args, 2);
}

/* The optimiser's step on one parameter, shared by update() and the fused dW blocks. */
static void emit_optimizer(Gen *g)
{
    const Net *net = g->net;
    const Spec *spec = net->spec;
    const char *n = g->name;
    if (!any_trainable(net)) return;
    Emitter *e = g->e;
    const char *decay = spec->weight_decay > 0 ? fmt(" + R(%s) * p[i]", lit(spec->weight_decay)) : "";
    emit(e, "\n/* ---- the optimiser: %s", optimizer_names[spec->optimizer]);
    switch (spec->optimizer) {
    case OPT_SGD:
        emit(e, " (PyTorch's SGD), W <- W - alpha (dW + lambda W) with dW = G / m ---- */\n");
        emit(e, "static void %s_set_hp(double lr, double inv_m)\n{\n    %s_hp.alpha = (real)lr;\n    %s_hp.scale = (real)inv_m;\n}\n", n, n, n);
        break;
    case OPT_MOMENTUM:
        emit(e, " (PyTorch's SGD, momentum mu, dampening 0):\n * v <- mu v + (dW + lambda W), W <- W - alpha v ---- */\n");
        emit(e, "static void %s_set_hp(double lr, double inv_m)\n{\n    %s_hp.alpha = (real)lr;\n    %s_hp.scale = (real)inv_m;\n}\n", n, n, n);
        break;
    default:
        emit(e, " (PyTorch's, same order of operations), with d = dW + lambda W:\n"
                " * m1 <- b1 m1 + (1 - b1) d, m2 <- b2 m2 + (1 - b2) d^2,\n"
                " * W <- W - (alpha / (1 - b1^t)) m1 / (sqrt(m2) / sqrt(1 - b2^t) + eps) ---- */\n");
        emit(e, "static void %s_set_hp(double lr, double inv_m, long t)\n{\n", n);
        emit(e, "    %s_hp.step = (real)(lr / (1 - pow(%s, (double)t)));\n", n, lit(spec->beta1));
        emit(e, "    %s_hp.bc2_sqrt = (real)sqrt(1 - pow(%s, (double)t));\n", n, lit(spec->beta2));
        emit(e, "    %s_hp.scale = (real)inv_m;\n}\n", n);
        break;
    }
    emit(e, "/* parameter i of the flat block (W and b of every layer, in order), its batch's gradient sum gsum */\n");
    emit(e, "NNCC_INLINE void %s_descend(size_t i, real gsum)\n{\n", n);
    emit(e, "    real *restrict p = (real *)&%s_param;\n", n);
    for (int k = 0; k < n_states(spec); k++) emit(e, "    real *restrict s%d = (real *)&%s_state%d;\n", k, n, k);
    emit(e, "    const real d = gsum * %s_hp.scale%s;\n", n, decay);
    switch (spec->optimizer) {
    case OPT_SGD: emit(e, "    p[i] -= %s_hp.alpha * d;\n", n); break;
    case OPT_MOMENTUM:
        emit(e, "    s0[i] = R(%s) * s0[i] + d;\n    p[i] -= %s_hp.alpha * s0[i];\n", lit(spec->momentum), n);
        break;
    default:
        emit(e, "    s0[i] = R(%s) * s0[i] + (1 - R(%s)) * d;\n", lit(spec->beta1), lit(spec->beta1));
        emit(e, "    s1[i] = R(%s) * s1[i] + (1 - R(%s)) * d * d;\n", lit(spec->beta2), lit(spec->beta2));
        emit(e, "    p[i] -= %s_hp.step * s0[i] / (sqrt_r(s1[i]) / %s_hp.bc2_sqrt + R(%s));\n", n, n, lit(spec->epsilon));
        break;
    }
    emit(e, "}\n");
    /* sqrt: a libm call, which an omp simd cannot honour */
    const char *simd = spec->optimizer == OPT_ADAM ? "" : "NNCC_SIMD ";
    emit(e, "/* the step on a block of dW sums still in registers: parameters i0 + u * ld + v */\n");
    emit(e, "NNCC_INLINE void %s_descend_block(int mr, int nv, real acc[][%s_NR], size_t i0, int ld)\n{\n", n, g->upper);
    emit(e, "    for (int u = 0; u < mr; u++)\n        %sfor (int v = 0; v < nv; v++) %s_descend(i0 + (size_t)u * ld + v, acc[u][v]);\n}\n",
         simd, n);
    if (g->uses & K_DW) {
        TemplateArg args[] = {{"NAME", g->name}, {"UPPER", g->upper}, {"MR", fmt("%d", g->mr_max)}};
        emit_template(e, "kernel_dw.c", args, (int)ARRAY_LEN(args));
    }
}

/* A call with its block's size for $N and its start for $S (every occurrence). */
static const char *call_text(const char *tmpl, int size, const char *start)
{
    char *out = xstrdup("");
    for (const char *c = tmpl; *c; c++) {
        char *grown = c[0] == '$' && c[1] == 'N'   ? xasprintf("%s%d", out, size)
                      : c[0] == '$' && c[1] == 'S' ? xasprintf("%s%s", out, start)
                                                   : xasprintf("%s%c", out, *c);
        c += c[0] == '$' && (c[1] == 'N' || c[1] == 'S');
        free(out);
        out = grown;
    }
    /* a block at 0: no "+ 0", no "0 * n" */
    if (!strcmp(start, "0")) {
        char *z;
        while ((z = strstr(out, "(size_t)0 * "))) { /* "(size_t)0 * 16" -> "0" */
            char *end = z + strlen("(size_t)0 * ");
            while (isdigit((unsigned char)*end)) end++;
            memmove(z + 1, end, strlen(end) + 1);
            *z = '0';
        }
        static const char *const plus0[] = {" + 0,", " + 0)", " + 0;"};
        for (size_t k = 0; k < ARRAY_LEN(plus0); k++)
            while ((z = strstr(out, plus0[k]))) memmove(z, z + 4, strlen(z + 4) + 1);
    }
    return keep(out);
}

/* A call for each register block along one dimension: a loop over the whole blocks when there are
 * several, one call when there is one, then the tail's call with its own constant size. `call` has
 * $N for the block's size and $S for its start (call_text). */
static void emit_blocks(Gen *g, int indent, int n, int b, const char *var, const char *call_fmt)
{
    const int whole = n / b * b, tail = n - whole;
    if (whole > b) {
        emit(g->e, "%*sfor (int %s = 0; %s < %d; %s += %d) ", indent, "", var, var, whole, var, b);
        emit(g->e, "%s", call_text(call_fmt, b, var));
        emit(g->e, "\n");
    } else if (whole == b) {
        emit(g->e, "%*s", indent, "");
        emit(g->e, "%s", call_text(call_fmt, b, "0"));
        emit(g->e, "\n");
    }
    if (tail) {
        emit(g->e, "%*s", indent, "");
        emit(g->e, "%s", call_text(call_fmt, tail, fmt("%d", whole)));
        emit(g->e, "\n");
    }
}

/* emit_blocks inside step()'s parallel region: the blocks shared among the threads (no barrier
 * after them), each sum on one thread. Without threads, emit_blocks. */
static void emit_blocks_shared(Gen *g, int indent, int n, int b, const char *var, const char *call_fmt)
{
    if (!g->s->threads) {
        emit_blocks(g, indent, n, b, var, call_fmt);
        return;
    }
    const int whole = n / b * b, tail = n - whole;
    if (whole > b) {
        emit(g->e, "%*sNNCC_OMP_FOR_NOWAIT\n%*sfor (int %s = 0; %s < %d; %s += %d) ", indent, "", indent, "", var, var,
             whole, var, b);
        emit(g->e, "%s", call_text(call_fmt, b, var));
        emit(g->e, "\n");
    } else if (whole == b) {
        emit(g->e, "%*sNNCC_OMP_SINGLE_NOWAIT\n%*s", indent, "", indent, "");
        emit(g->e, "%s", call_text(call_fmt, b, "0"));
        emit(g->e, "\n");
    }
    if (tail) {
        emit(g->e, "%*sNNCC_OMP_SINGLE_NOWAIT\n%*s", indent, "", indent, "");
        emit(g->e, "%s", call_text(call_fmt, tail, fmt("%d", whole)));
        emit(g->e, "\n");
    }
}

/* The activation applied to a block in registers (nothing for linear; softmax works on rows). */
static void emit_block_activation(Gen *g, const Layer *l, const LayerSchedule *ls, const char *nv)
{
    if (!elementwise(l->act)) return;
    emit(g->e, "    for (int u = 0; u < mr; u++)\n        %sfor (int v = 0; v < %s; v++) acc[u][v] = %s_g_%s(acc[u][v]);\n",
         ls->vector_act ? "NNCC_SIMD " : "", nv, g->name, activation_names[l->act]);
}

/* The row-by-row forward of a first layer with few units (LayerSchedule.by_rows). */
static void emit_forward_rows(Gen *g, int i)
{
    Emitter *e = g->e;
    const Net *net = g->net;
    const Layer *l = &net->layers[i];
    const LayerSchedule *ls = &g->s->layer[i];
    const char *n = g->name;
    const int rb = ls->row_block, units = l->units;
    emit(e, "\n/* Layer %d forward, row by row: Z%d = W%d.X + b%d, A%d = %s(Z%d)\n", i + 1, i + 1, i + 1, i + 1, i + 1,
         activation_names[l->act], i + 1);
    emit(e, " *   X (m, %d) read as it is -> A%d (m, %d)%s. %d unit%s: too few for blocks that would read X^T\n"
            " * (transposing a wide X costs more than the products it feeds); instead rb rows x %d of scalar\n"
            " * sums, each starting at b[j] and adding W[j][i] X[r][i] for i = 0, 1, ... in order. */\n",
         l->fan_in, i + 1, units, ls->keep_t ? fmt(" and A%d^T", i + 1) : "", units, units > 1 ? "s" : "", units);
    emit(e, "NNCC_INLINE void %s_forward%d_rows(int rb, int r0, const real *restrict x)\n{\n", n, i + 1);
    /* one unit: one sum a row, acc[v]; one input: one product a sum. No loop of one trip. */
    const char *ux = units > 1 ? "[u]" : "", *wu = units > 1 ? "u" : "0", *wi = l->fan_in > 1 ? "i" : "0";
    const char *uloop = units > 1 ? fmt("for (int u = 0; u < %d; u++) ", units) : "";
    const char *xrow = fmt("x[(size_t)(r0 + v) * %d%s]", l->fan_in, l->fan_in > 1 ? " + i" : "");
    emit(e, "    real acc[%d]%s;\n", rb, units > 1 ? fmt("[%d]", units) : "");
    emit(e, "    for (int v = 0; v < rb; v++)\n        %sacc[v]%s = %s_param.b%d[%s];\n", uloop, ux, n, i + 1, wu);
    int ind = 4;
    if (l->fan_in > 1) emit(e, "    for (int i = 0; i < %d; i++)\n", l->fan_in), ind += 4;
    emit(e, "%*sfor (int v = 0; v < rb; v++)", ind, "");
    if (units > 1) emit(e, "\n%*sfor (int u = 0; u < %d; u++)", ind + 4, "", units);
    emit(e, " acc[v]%s += %s_param.w%d[%s][%s] * %s;\n", ux, n, i + 1, wu, wi, xrow);
    const char *a = elementwise(l->act) ? fmt("%s_g_%s(acc[v]%s)", n, activation_names[l->act], ux) : fmt("acc[v]%s", ux);
    const int in4 = units > 1 ? 4 : 0; /* the body's extra indent under the loop over units */
    emit(e, "    for (int v = 0; v < rb; v++)%s {\n", units > 1 ? fmt("\n        for (int u = 0; u < %d; u++)", units) : "");
    emit(e, "%*s        const real a = %s;\n%*s        %s_a%d[r0 + v][%s] = a;\n", in4, "", a, in4, "", n, i + 1, wu);
    if (ls->keep_t) emit(e, "%*s        %s_at%d[%s][r0 + v] = a;\n", in4, "", n, i + 1, wu);
    emit(e, "%*s    }\n}\n", in4, "");
    emit(e, "static void %s_forward%d(int m, int lo, int hi, const real *restrict x)\n{\n", n, i + 1);
    emit(e, "    const int end = hi < m ? hi : m;\n    int r0 = lo;\n");
    if (rb > 1) emit(e, "    for (; r0 + %d <= end; r0 += %d) %s_forward%d_rows(%d, r0, x);\n", rb, rb, n, i + 1, rb);
    emit(e, "    for (; r0 < end; r0++) %s_forward%d_rows(1, r0, x);\n", n, i + 1);
    if (l->act == ACT_SOFTMAX) emit(e, "    %s_softmax(lo, end, %s_a%d[0]);\n", n, n, i + 1);
    emit(e, "}\n");
}

static void emit_forward(Gen *g, int i)
{
    const LayerSchedule *ls = &g->s->layer[i];
    if (ls->by_rows) {
        emit_forward_rows(g, i);
        return;
    }
    Emitter *e = g->e;
    const Net *net = g->net;
    const Layer *l = &net->layers[i];
    const char *n = g->name, *U = g->upper;
    const int L = i + 1, in = l->fan_in, sliced = ls->kc < in;
    const char *xt = input_t(g, i);
    emit(e, "\n/* Layer %d forward: Z%d = W%d.A%d + b%d, A%d = %s(Z%d)\n", L, L, L, i, L, L, activation_names[l->act], L);
    emit(e, " *   A%d^T (%d, m) -> A%d (m, %d)%s. A block: units j0 .. j0 + mr of rows r0 .. r0 + %s_NR, each sum\n"
            " * starting at b[j] and adding W[j][i] A[r][i] for i = 0, 1, ... in order%s. */\n",
         i, in, L, l->units, ls->keep_t ? fmt(" and A%d^T (%d, m)", L, l->units) : "", U,
         sliced ? fmt(";\n * the inputs %d at a time (k0 .. k0 + nk), the sums so far waiting in A^T, so that the slice of A%d^T\n"
                      " * every block of a row block reads stays in L1", ls->kc, i)
                : "");
    g->uses |= K_MADD | K_FILL | K_STORE_T | (sliced ? K_LOAD | K_STORE : 0) | (ls->keep_t ? K_STORE : 0);
    emit(e, "NNCC_INLINE void %s_forward%d_block(int mr, int j0, int r0%s)\n{\n", n, L, sliced ? ", int k0, int nk" : "");
    emit(e, "    real acc[%d][%s_NR];\n", ls->mr, U);
    if (sliced) {
        emit(e, "    if (k0 == 0)\n        %s_fill(mr, %s_NR, acc, %s_param.b%d + j0);\n", n, U, n, L);
        emit(e, "    else\n        %s_load(mr, %s_NR, acc, %s_at%d[j0] + r0, %s_ROWS);\n", n, U, n, L, U);
        emit(e, "    %s_madd(mr, %s_NR, nk, acc, %s_param.w%d[j0] + k0, %d, 1, %s[k0] + r0, %s);\n", n, U, n, L, in, xt,
             input_t_ld(g, i));
        emit(e, "    if (k0 + nk < %d) { /* more inputs to come */\n", in);
        emit(e, "        %s_store(mr, %s_NR, acc, %s_at%d[j0] + r0, %s_ROWS);\n        return;\n    }\n", n, U, n, L, U);
    } else {
        emit(e, "    %s_fill(mr, %s_NR, acc, %s_param.b%d + j0);\n", n, U, n, L);
        emit(e, "    %s_madd(mr, %s_NR, %d, acc, %s_param.w%d[j0], %d, 1, %s[0] + r0, %s);\n", n, U, in, n, L, in, xt,
             input_t_ld(g, i));
    }
    emit_block_activation(g, l, ls, fmt("%s_NR", U));
    if (ls->keep_t) emit(e, "    %s_store(mr, %s_NR, acc, %s_at%d[j0] + r0, %s_ROWS);\n", n, U, n, L, U);
    emit(e, "    %s_store_t(mr, %s_NR, acc, %s_a%d[r0] + j0, %d);\n}\n", n, U, n, L, ls->ld);

    /* the loops: panels of units (their weights stay in L2), rows, slices of inputs, unit blocks */
    const int softmax = l->act == ACT_SOFTMAX;
    emit(e, "static void %s_forward%d(%sint lo, int hi)\n{\n", n, L, softmax ? "int m, " : "");
    const int whole = l->units / ls->mr * ls->mr, tail = l->units - whole, panels = ls->panel < whole;
    int ind = 4;
    const char *slice_args = sliced ? ", k0, nk" : "";
    if (panels) {
        emit(e, "    for (int p0 = 0; p0 < %d; p0 += %d) { /* a panel of units: its weights stay in L2 */\n", whole, ls->panel);
        emit(e, "        const int p1 = p0 + %d < %d ? p0 + %d : %d;\n", ls->panel, whole, ls->panel, whole);
        ind += 4;
    }
    emit(e, "%*sfor (int r0 = lo; r0 < hi; r0 += %s_NR)%s\n", ind, "", U, sliced || panels || (whole && tail) ? " {" : "");
    ind += 4;
    if (sliced) {
        emit(e, "%*sfor (int k0 = 0; k0 < %d; k0 += %d) {\n", ind, "", in, ls->kc);
        emit(e, "%*s    const int nk = %d - k0 < %d ? %d - k0 : %d;\n", ind, "", in, ls->kc, in, ls->kc);
        ind += 4;
    }
    if (panels) {
        emit(e, "%*sfor (int j0 = p0; j0 < p1; j0 += %d) %s_forward%d_block(%d, j0, r0%s);\n", ind, "", ls->mr, n, L,
             ls->mr, slice_args);
        if (tail)
            emit(e, "%*sif (p1 == %d) %s_forward%d_block(%d, %d, r0%s); /* the last panel: the units left */\n", ind, "",
                 whole, n, L, tail, whole, slice_args);
    } else {
        emit_blocks(g, ind, l->units, ls->mr, "j0", fmt("%s_forward%d_block($N, $S, r0%s);", n, L, slice_args));
    }
    if (sliced) ind -= 4, emit(e, "%*s}\n", ind, "");
    ind -= 4;
    if (sliced || panels || (whole && tail)) emit(e, "%*s}\n", ind, "");
    if (panels) emit(e, "    }\n");
    if (softmax) emit(e, "    %s_softmax(lo, hi < m ? hi : m, %s_a%d[0]);\n", n, n, L);
    emit(e, "}\n");
}

/* dZ of the layer below from this layer's dZ (LayerSchedule.propagate). */
static void emit_propagate(Gen *g, int i)
{
    Emitter *e = g->e;
    const Net *net = g->net;
    const Layer *l = &net->layers[i], *below = &net->layers[i - 1];
    const LayerSchedule *ls = &g->s->layer[i], *lb = &g->s->layer[i - 1];
    const char *n = g->name, *U = g->upper;
    const int L = i + 1, P = i, in = l->fan_in, out = l->units, pr = g->s->prop_rows, sliced = ls->prop_kc < out;
    emit(e, "\n/* Layer %d propagate: dZ%d = W%d^T.dZ%d * g'(Z%d), g' = %s\n", L, P, L, L, P, activation_doc[below->act]);
    emit(e, " *   dZ%d (m, %d) -> dZ%d (m, %d)%s. A block: %d rows x inputs i0 .. i0 + nv, each sum adding\n"
            " * dZ[r][j] W[j][i] for j = 0, 1, ... in order%s, then times g'. */\n",
         L, out, P, in, lb->dz_t ? fmt(" and dZ%d^T, for dW%d", P, P) : "", pr,
         sliced ? fmt(", the units %d at a time (the sums so far waiting in dZ%d)", ls->prop_kc, P) : "");
    g->uses |= K_MADD | K_FILL | K_STORE | (sliced ? K_LOAD : 0) | (lb->dz_t ? K_STORE_T : 0);
    emit(e, "NNCC_INLINE void %s_propagate%d_block(int nv, int i0, int r0%s)\n{\n", n, L, sliced ? ", int k0, int nk" : "");
    emit(e, "    real acc[%d][%s_NR];\n", pr, U);
    if (sliced) {
        emit(e, "    if (k0 == 0)\n        %s_fill(%d, nv, acc, NULL);\n", n, pr);
        emit(e, "    else\n        %s_load(%d, nv, acc, %s_dz%d[r0] + i0, %d);\n", n, pr, n, P, lb->ld);
        emit(e, "    %s_madd(%d, nv, nk, acc, %s_dz%d[r0] + k0, %d, 1, %s_param.w%d[k0] + i0, %d);\n", n, pr, n, L, ls->ld, n,
             L, in);
        emit(e, "    if (k0 + nk < %d) { /* more units to come */\n", out);
        emit(e, "        %s_store(%d, nv, acc, %s_dz%d[r0] + i0, %d);\n        return;\n    }\n", n, pr, n, P, lb->ld);
    } else {
        emit(e, "    %s_fill(%d, nv, acc, NULL);\n", n, pr);
        emit(e, "    %s_madd(%d, nv, %d, acc, %s_dz%d[r0], %d, 1, %s_param.w%d[0] + i0, %d);\n", n, pr, out, n, L, ls->ld, n, L,
             in);
    }
    if (below->act != ACT_LINEAR)
        emit(e, "    for (int u = 0; u < %d; u++)\n        NNCC_SIMD for (int v = 0; v < nv; v++) acc[u][v] *= %s_dg_%s(%s_a%d[r0 + u][i0 + v]);\n",
             pr, n, activation_names[below->act], n, P);
    emit(e, "    %s_store(%d, nv, acc, %s_dz%d[r0] + i0, %d);\n", n, pr, n, P, lb->ld);
    if (lb->dz_t) emit(e, "    %s_store_t(%d, nv, acc, %s_dzt%d[i0] + r0, %d);\n", n, pr, n, P, g->s->dzt_ld);
    emit(e, "}\n");
    /* one block of inputs (in <= nr): the rows' loop is the whole function */
    const int one_block = in <= g->s->nr;
    if (one_block) {
        emit(e, "static void %s_propagate%d(int m, int lo, int hi)\n{\n", n, L);
        emit(e, "    const int mq = (m + %d) / %d * %d, end = hi < mq ? hi : mq; /* whole blocks of %d rows */\n", pr - 1,
             pr, pr, pr);
        emit(e, "    const int nv = %d, i0 = 0;\n", in);
    } else {
        emit(e, "/* inputs i0 .. i0 + nv of every row [lo, end)%s */\n", sliced ? ", slice by slice of units" : "");
        emit(e, "NNCC_INLINE void %s_propagate%d_cols(int nv, int i0, int lo, int end)\n{\n", n, L);
    }
    if (sliced) {
        emit(e, "    for (int k0 = 0; k0 < %d; k0 += %d) {\n", out, ls->prop_kc);
        emit(e, "        const int nk = %d - k0 < %d ? %d - k0 : %d;\n", out, ls->prop_kc, out, ls->prop_kc);
        emit(e, "        for (int r0 = lo; r0 < end; r0 += %d) %s_propagate%d_block(nv, i0, r0, k0, nk);\n    }\n", pr, n, L);
    } else {
        emit(e, "    for (int r0 = lo; r0 < end; r0 += %d) %s_propagate%d_block(nv, i0, r0);\n", pr, n, L);
    }
    emit(e, "}\n");
    if (one_block) return;
    emit(e, "static void %s_propagate%d(int m, int lo, int hi)\n{\n", n, L);
    emit(e, "    const int mq = (m + %d) / %d * %d, end = hi < mq ? hi : mq; /* whole blocks of %d rows */\n", pr - 1, pr,
         pr, pr);
    emit_blocks(g, 4, in, g->s->nr, "i0", fmt("%s_propagate%d_cols($N, $S, lo, end);", n, L));
    emit(e, "}\n");
}

/* dW, db of a trainable layer, with the fused update. */
static void emit_backward(Gen *g, int i)
{
    Emitter *e = g->e;
    const Net *net = g->net;
    const Layer *l = &net->layers[i];
    const LayerSchedule *ls = &g->s->layer[i];
    const char *n = g->name;
    const int L = i + 1, in = l->fan_in, out = l->units;
    emit(e, "\n/* Layer %d backward: dW%d = (1/m) dZ%d^T.A%d, db%d = (1/m) sum_r dZ%d (summed here, divided by m in\n"
            " * the update), in blocks of dw_block()%s. */\n",
         L, L, L, i, L, L, ls->dz_t ? fmt("; dZ%d^T, each unit's rows side by side", L) : "");
    g->uses |= K_MADD | K_FILL | K_LOAD | K_STORE | K_DW;
    /* dZ's element (unit u, row r) for the units from j0: dZ^T's rows, or dZ's columns */
    const char *dz = ls->dz_t ? fmt("%s_dzt%d[$S], %d, 1", n, L, g->s->dzt_ld) : fmt("%s_dz%d[0] + $S, 1, %d", n, L, ls->ld);
    const char *off = l->w_off ? fmt("%zu + ", l->w_off) : "";
    const int nr = g->s->nr;
    if (in > nr) {
        emit(e, "/* inputs i0 .. i0 + nv of every unit */\n");
        emit(e, "NNCC_INLINE void %s_backward%d_cols(int nv, int i0, int m, const real *restrict a_in, int fused)\n{\n", n, L);
        emit_blocks(g, 4, out, ls->mr, "j0",
                    fmt("%s_dw_block($N, nv, m, %s, a_in + i0, %d, %s_grad.w%d[$S] + i0, %d, %s(size_t)$S * %d + i0, fused);", n,
                        dz, input_ld(g, i), n, L, in, off, in));
        emit(e, "}\n");
    }
    emit(e, "static void %s_backward%d(int m, const real *restrict a_in, int fused)\n{\n", n, L);
    emit(e, "    const real one = 1; /* db: dZ's rows multiplied by 1 and added */\n");
    /* threads: the blocks shared out, each a whole sum over the rows on one thread; nowait, as the
     * layers' gradients are independent */
    if (in <= nr) /* one block of inputs: the units' blocks */
        emit_blocks_shared(g, 4, out, ls->mr, "j0",
                           fmt("%s_dw_block($N, %d, m, %s, a_in, %d, %s_grad.w%d[$S], %d, %s(size_t)$S * %d, fused);", n, in, dz,
                               input_ld(g, i), n, L, in, off, in));
    else
        emit_blocks_shared(g, 4, in, nr, "i0", fmt("%s_backward%d_cols($N, $S, m, a_in, fused);", n, L));
    /* db: the units side by side in a vector, each sum over the rows in order */
    emit_blocks_shared(g, 4, out, nr, "j0",
                       fmt("%s_dw_block(1, $N, m, &one, 0, 0, %s_dz%d[0] + $S, %d, %s_grad.b%d + $S, 0, %zu + $S, fused);", n, n, L,
                           ls->ld, n, L, l->b_off));
    emit(e, "}\n");
}

/* X (m, C x H x W) -> X^T with the first layer's zero border, for rows [lo, hi). */
static void emit_transpose_image(Gen *g)
{
    const Layer *l = &g->net->layers[0];
    Spatial s = spatial_of(g, 0);
    Emitter *e = g->e;
    emit(e, "\n/* X (m, %d) -> X^T (%dx%dx%d, rows) for rows [lo, hi)%s: the first layer reads its input\n"
            " * feature by feature. Pad rows keep what an earlier call left there (finite values). */\n",
         l->fan_in, s.C, s.Hp, s.Wp, l->pad[0] || l->pad[1] ? fmt(", inside a zero border of %dx%d", l->pad[0], l->pad[1]) : "");
    emit(e, "static void %s_transpose_input(int m, int lo, int hi, const real *restrict x)\n{\n", g->name);
    e->indent = 1;
    emit_line(e, "const int end = hi < m ? hi : m;");
    emit_line(e, "for (int r = lo; r < end; r++)");
    e->indent++;
    const int loops = open_loops(e, (const char *const[]){"c", "iy", "ix"}, (const int[]){s.C, s.H, s.W}, 3);
    const char *c = ix("c", s.C), *y = ix("iy", s.H), *xx = ix("ix", s.W);
    emit_line(e, "%s[%s][r] = x[(size_t)r * %d + %s];", s.in_t,
              feature(c, affine(y, 1, fmt("%d", l->pad[0])), 1, affine(xx, 1, fmt("%d", l->pad[1])), 1, s.Hp, s.Wp),
              l->fan_in, feature(c, y, 1, xx, 1, s.H, s.W));
    e->indent = 0;
    (void)loops;
    emit(e, "}\n");
}

/* Stores the block acc (units u of the rows r0 .. r0 + NR) at features out(u) of A^T and, under a
 * dense layer, of A. */
static void emit_store_block(Gen *g, int i, const Spatial *s, const char *mr, const char *feat, const char *step)
{
    Emitter *e = g->e;
    const char *U = g->upper;
    emit_line(e, "%s_store(%s, %s_NR, acc, %s[%s] + r0, %s);", g->name, mr, U, s->out_t, feat,
              fmt("%d", atoi(step) * s->in_ld));
    if (!rows_above(g, i)) return;
    if (!strcmp(mr, "1")) { /* a pool's one feature */
        emit_line(e, "for (int v = 0; v < %s_NR; v++) %s_a%d[r0 + v][%s] = acc[0][v];", U, g->name, i + 1, feat);
        return;
    }
    emit_line(e, "for (int u = 0; u < %s; u++)", mr);
    emit_line(e, "    for (int v = 0; v < %s_NR; v++) %s_a%d[r0 + v][%s + u * %d] = acc[u][v];", U, g->name, i + 1,
              feat, s->OH * s->OW);
}

static void emit_spatial_forward(Gen *g, int i)
{
    Emitter *e = g->e;
    const Layer *l = &g->net->layers[i];
    const LayerSchedule *ls = &g->s->layer[i];
    const char *n = g->name, *U = g->upper;
    const int L = i + 1, conv = l->kind == LAYER_CONV;
    const Spatial s = spatial_of(g, i);
    emit(e, "\n/* Layer %d forward: %s %dx%d", L, layer_kind_names[l->kind], l->kernel[0], l->kernel[1]);
    if (l->stride[0] != 1 || l->stride[1] != 1) emit(e, ", stride %dx%d", l->stride[0], l->stride[1]);
    if (l->pad[0] || l->pad[1]) emit(e, ", padding %dx%d (zeros)", l->pad[0], l->pad[1]);
    emit(e, ", %dx%dx%d -> %dx%dx%d%s\n", l->in[0], l->in[1], l->in[2], l->out[0], l->out[1], l->out[2],
         conv ? fmt(", %s", activation_names[l->act]) : "");
    const char *where = rows_above(g, i) ? fmt(" -> A%d^T and A%d", L, L) : fmt(" -> A%d^T", L);
    const char *border = s.oby || s.obx ? fmt(" (inside a zero border of %dx%d)", s.oby, s.obx) : "";
    if (conv) {
        g->uses |= K_MADD | K_FILL | K_STORE;
        emit(e, " *   %s^T%s%s. Z[f][oy][ox] = b[f] + sum over c, i, j of W[f][c][i][j] A[c][oy * %d + i][ox * %d + j]\n"
                " * (the input's coordinates inside its border), A = g(Z). A block: filters f0 .. f0 + mr of rows\n"
                " * r0 .. r0 + %s_NR at every output, each sum starting at b[f] and adding the taps in order. */\n",
             i ? fmt("A%d", i) : "X", where, border, l->stride[0], l->stride[1], U);
        emit(e, "NNCC_INLINE void %s_forward%d_block(int mr, int f0, int r0)\n{\n", n, L);
        e->indent = 1;
        emit_line(e, "real acc[%d][%s_NR];", ls->mr, U);
        const int pos = open_block(e, (const char *const[]){"oy", "ox"}, (const int[]){s.OH, s.OW}, 2);
        const char *oy = ix("oy", s.OH), *ox = ix("ox", s.OW);
        emit_line(e, "%s_fill(mr, %s_NR, acc, %s_param.b%d + f0);", n, U, n, L);
        const int taps = open_loops(e, (const char *const[]){"c", "i"}, (const int[]){s.C, s.KH}, 2);
        emit_line(e, "%s_madd(mr, %s_NR, %d, acc, &%s_param.w%d[f0][%s][%s][0], %d, 1, %s[%s] + r0, %d);", n, U,
                  s.KW, n, L, ix("c", s.C), ix("i", s.KH), s.C * s.KH * s.KW, s.in_t,
                  feature(ix("c", s.C), affine(oy, s.SH, ix("i", s.KH)), 1, ox, s.SW, s.Hp, s.Wp), s.in_ld);
        e->indent -= taps;
        if (elementwise(l->act)) {
            emit_line(e, "for (int u = 0; u < mr; u++)");
            emit_line(e, "    %sfor (int v = 0; v < %s_NR; v++) acc[u][v] = %s_g_%s(acc[u][v]);", ls->vector_act ? "NNCC_SIMD " : "",
                      U, n, activation_names[l->act]);
        }
        emit_store_block(g, i, &s, "mr",
                         feature("f0", affine(oy, 1, fmt("%d", s.oby)), 1, affine(ox, 1, fmt("%d", s.obx)), 1, s.OHp, s.OWp),
                         fmt("%d", s.OHp * s.OWp));
        close_block(e, pos);
        e->indent = 0;
        emit(e, "}\n");
        emit(e, "static void %s_forward%d(int lo, int hi)\n{\n", n, L);
        emit(e, "    for (int r0 = lo; r0 < hi; r0 += %s_NR)%s\n", U, (l->out[0] / ls->mr && l->out[0] % ls->mr) ? " {" : "");
        emit_blocks(g, 8, l->out[0], ls->mr, "f0", fmt("%s_forward%d_block($N, $S, r0);", n, L));
        if (l->out[0] / ls->mr && l->out[0] % ls->mr) emit(e, "    }\n");
        emit(e, "}\n");
        return;
    }
    const int max = l->kind == LAYER_MAXPOOL;
    emit(e, " *   %s^T%s%s. A[c][oy][ox] = the %s of A[c][oy * %d + i][ox * %d + j] over i < %d, j < %d;\n"
            " * %s_NR rows a vector. */\n",
         i ? fmt("A%d", i) : "X", where, border, max ? "largest" : "mean", l->stride[0], l->stride[1], l->kernel[0],
         l->kernel[1], U);
    emit(e, "static void %s_forward%d(int lo, int hi)\n{\n", n, L);
    e->indent = 1;
    emit_line(e, "for (int r0 = lo; r0 < hi; r0 += %s_NR)", U);
    e->indent++;
    const int cells = open_block(e, (const char *const[]){"c", "oy", "ox"}, (const int[]){s.C, s.OH, s.OW}, 3);
    const char *c = ix("c", s.C), *oy = ix("oy", s.OH), *ox = ix("ox", s.OW);
    emit_line(e, "const real *restrict p = %s[%s] + r0;", s.in_t, feature(c, oy, s.SH, ox, s.SW, s.Hp, s.Wp));
    emit_line(e, "real acc[1][%s_NR];", U);
    emit_line(e, "NNCC_SIMD for (int v = 0; v < %s_NR; v++) acc[0][v] = %s;", U, max ? "p[v]" : "0");
    const int taps = open_loops(e, (const char *const[]){"i", "j"}, (const int[]){s.KH, s.KW}, 2);
    const char *tap = fmt("p[(size_t)(%s) * %d + v]", affine(ix("i", s.KH), s.Wp, ix("j", s.KW)), s.in_ld);
    if (max) emit_line(e, "NNCC_SIMD for (int v = 0; v < %s_NR; v++) acc[0][v] = %s > acc[0][v] ? %s : acc[0][v];", U, tap, tap);
    else emit_line(e, "NNCC_SIMD for (int v = 0; v < %s_NR; v++) acc[0][v] += %s;", U, tap);
    e->indent -= taps;
    if (!max) emit_line(e, "NNCC_SIMD for (int v = 0; v < %s_NR; v++) acc[0][v] /= %d;", U, s.KH * s.KW);
    g->uses |= K_STORE;
    emit_store_block(g, i, &s, "1",
                     feature(c, affine(oy, 1, fmt("%d", s.oby)), 1, affine(ox, 1, fmt("%d", s.obx)), 1, s.OHp, s.OWp),
                     fmt("%d", s.OHp * s.OWp));
    close_block(e, cells);
    e->indent = 0;
    emit(e, "}\n");
}

/* dZ^T of the layer below from this spatial layer's, block of rows by block, times g' of the
 * layer below. */
static void emit_spatial_propagate(Gen *g, int i)
{
    Emitter *e = g->e;
    const Layer *l = &g->net->layers[i], *below = &g->net->layers[i - 1];
    const LayerSchedule *ls = &g->s->layer[i];
    const char *n = g->name, *U = g->upper;
    const int L = i + 1, P = i, conv = l->kind == LAYER_CONV, max = l->kind == LAYER_MAXPOOL;
    const Spatial s = spatial_of(g, i);
    const int below_features = s.C * s.Hp * s.Wp;
    emit(e, "\n/* Layer %d propagate: dZ%d^T = ", L, P);
    if (conv) emit(e, "the sum over f of W[f][c][i][j] dZ%d[f][oy][ox] at each input the forward read,\n * in blocks of kernel columns x rows", L);
    else if (max) emit(e, "dZ%d routed to the first largest input of each window (PyTorch's choice on ties)", L);
    else emit(e, "dZ%d shared evenly over each window", L);
    emit(e, ", then times g'(A%d), g' = %s. */\n", P, activation_doc[below->act]);
    const char *oy = ix("oy", s.OH), *ox = ix("ox", s.OW);
    const char *out_feat = feature("0", affine(oy, 1, fmt("%d", s.oby)), 1, affine(ox, 1, fmt("%d", s.obx)), 1, s.OHp, s.OWp);
    if (conv) {
        g->uses |= K_MADD | K_LOAD | K_STORE;
        emit(e, "NNCC_INLINE void %s_propagate%d_block(int nj, int j0, int r0)\n{\n", n, L);
        e->indent = 1;
        emit_line(e, "real acc[%d][%s_NR];", ls->prop_kc, U);
        const int pos = open_block(e, (const char *const[]){"oy", "ox", "c", "i"}, (const int[]){s.OH, s.OW, s.C, s.KH}, 4);
        emit_line(e, "real *restrict d = %s[%s] + r0;", s.dzb_t,
                  feature(ix("c", s.C), affine(oy, s.SH, ix("i", s.KH)), 1, ox, s.SW, s.Hp, s.Wp));
        emit_line(e, "%s_load(nj, %s_NR, acc, d + (size_t)j0 * %d, %d);", n, U, s.dz_ld, s.dz_ld);
        emit_line(e, "%s_madd(nj, %s_NR, %d, acc, &%s_param.w%d[0][%s][%s][j0], 1, %d, %s[%s] + r0, %d);", n, U, s.F, n, L,
                  ix("c", s.C), ix("i", s.KH), s.C * s.KH * s.KW, s.dz_t, out_feat, s.OHp * s.OWp * s.dz_ld);
        emit_line(e, "%s_store(nj, %s_NR, acc, d + (size_t)j0 * %d, %d);", n, U, s.dz_ld, s.dz_ld);
        close_block(e, pos);
        e->indent = 0;
        emit(e, "}\n");
    }
    emit(e, "static void %s_propagate%d(int lo, int hi)\n{\n", n, L);
    e->indent = 1;
    emit_line(e, "for (int r0 = lo; r0 < hi; r0 += %s_NR) {", U), e->indent++;
    emit_line(e, "for (int k = 0; k < %d; k++)", below_features);
    emit_line(e, "    NNCC_SIMD for (int v = 0; v < %s_NR; v++) %s[k][r0 + v] = 0;", U, s.dzb_t);
    if (conv) {
        emit_blocks(g, 4 * e->indent, s.KW, ls->prop_kc, "j0", fmt("%s_propagate%d_block($N, $S, r0);", n, L));
    } else {
        const int cells = open_block(e, (const char *const[]){"c", "oy", "ox"}, (const int[]){s.C, s.OH, s.OW}, 3);
        const char *c = ix("c", s.C);
        const char *at = feature(c, oy, s.SH, ox, s.SW, s.Hp, s.Wp);
        const char *feat = feature(c, affine(oy, 1, fmt("%d", s.oby)), 1, affine(ox, 1, fmt("%d", s.obx)), 1, s.OHp, s.OWp);
        emit_line(e, "const real *restrict dz = %s[%s] + r0;", s.dz_t, feat);
        if (max) {
            emit_line(e, "const real *restrict best = %s[%s] + r0; /* the forward's result */", s.out_t, feat);
            emit_line(e, "real open[%s_NR]; /* 1 until a row's gradient has gone to the first largest input */", U);
            emit_line(e, "NNCC_SIMD for (int v = 0; v < %s_NR; v++) open[v] = 1;", U);
        }
        const int taps = open_block(e, (const char *const[]){"i", "j"}, (const int[]){s.KH, s.KW}, 2);
        const char *tap = affine(ix("i", s.KH), s.Wp, ix("j", s.KW));
        emit_line(e, "real *restrict d = %s[%s%s] + r0;", s.dzb_t, at, strcmp(tap, "0") ? fmt(" + %s", tap) : "");
        if (max) {
            emit_line(e, "const real *restrict a = %s[%s%s] + r0;", s.in_t, at, strcmp(tap, "0") ? fmt(" + %s", tap) : "");
            emit_line(e, "NNCC_SIMD for (int v = 0; v < %s_NR; v++) {", U);
            emit_line(e, "    const real hit = (real)(a[v] == best[v]) * open[v]; /* arithmetic, no branch: a vector of rows */");
            emit_line(e, "    d[v] += hit * dz[v];");
            emit_line(e, "    open[v] -= hit;");
            emit_line(e, "}");
        } else {
            emit_line(e, "NNCC_SIMD for (int v = 0; v < %s_NR; v++) d[v] += dz[v] / %d;", U, s.KH * s.KW);
        }
        close_block(e, taps);
        close_block(e, cells);
    }
    if (below->act != ACT_LINEAR) {
        emit_line(e, "for (int k = 0; k < %d; k++)", below_features);
        emit_line(e, "    NNCC_SIMD for (int v = 0; v < %s_NR; v++) %s[k][r0 + v] *= %s_dg_%s(%s[k][r0 + v]);", U, s.dzb_t, n,
                  activation_names[below->act], s.in_t);
    }
    close_block(e, 0);
    e->indent = 0;
    emit(e, "}\n");
}

/* dW, db of a convolution: for each filter and tap, the products dZ A summed over every output
 * position and block of rows, the rows in the lanes of kc vectors (one per kernel column), the
 * lanes added at the end; then added into the gradients (fused: the optimiser's step taken on
 * them at once). The lanes of the rows past m are zeroed in dZ first. */
static void emit_conv_backward(Gen *g, int i)
{
    Emitter *e = g->e;
    const Layer *l = &g->net->layers[i];
    const char *n = g->name, *U = g->upper;
    const int L = i + 1;
    const Spatial s = spatial_of(g, i);
    emit(e, "\n/* Layer %d backward: dW%d[f][c][i][j] = the sum over rows and outputs (oy, ox) of dZ%d[f][oy][ox] times\n"
            " * A%d[c][oy * %d + i][ox * %d + j], db%d[f] = the sum of dZ%d[f]; summed here, divided by m in the\n"
            " * update. A filter at a time%s, the rows side by side in vectors, their lanes added\n"
            " * at the end; the lanes past m zeroed in dZ%d first. */\n",
         L, L, L, i, l->stride[0], l->stride[1], L, L, g->s->threads ? " (the filters shared out among the threads)" : "", L);
    const int per_filter = s.C * s.KH * s.KW;
    emit(e, "static void %s_backward%d(int m, int fused)\n{\n", n, L);
    e->indent = 1;
    emit_line(e, "const int rows = (m + %s_NR - 1) / %s_NR * %s_NR; /* whole blocks */", U, U, U);
    const char *f = ix("f", s.F), *oy = ix("oy", s.OH), *ox = ix("ox", s.OW);
    if (g->s->threads) emit_line(e, s.F > 1 ? "NNCC_OMP_FOR_NOWAIT" : "NNCC_OMP_SINGLE_NOWAIT");
    const int filters = open_block(e, (const char *const[]){"f"}, (const int[]){s.F}, 1);
    const char *feat = feature(f, affine(oy, 1, fmt("%d", s.oby)), 1, affine(ox, 1, fmt("%d", s.obx)), 1, s.OHp, s.OWp);
    int loops = open_loops(e, (const char *const[]){"oy", "ox"}, (const int[]){s.OH, s.OW}, 2);
    emit_line(e, "for (int r = m; r < rows; r++) %s[%s][r] = 0;", s.dz_t, feat);
    e->indent -= loops;
    emit_line(e, "real gw[%d][%d][%d], sum[%d][%s_NR], gb = 0;", s.C, s.KH, s.KW, s.KW, U);
    /* db */
    emit_line(e, "NNCC_SIMD for (int v = 0; v < %s_NR; v++) sum[0][v] = 0;", U);
    emit_line(e, "for (int r0 = 0; r0 < rows; r0 += %s_NR)", U);
    e->indent++;
    loops = open_loops(e, (const char *const[]){"oy", "ox"}, (const int[]){s.OH, s.OW}, 2);
    emit_line(e, "NNCC_SIMD for (int v = 0; v < %s_NR; v++) sum[0][v] += %s[%s][r0 + v];", U, s.dz_t, feat);
    e->indent -= loops + 1;
    emit_line(e, "for (int v = 0; v < %s_NR; v++) gb += sum[0][v];", U);
    /* dW */
    const int taps = open_block(e, (const char *const[]){"c", "i"}, (const int[]){s.C, s.KH}, 2);
    emit_line(e, "for (int j = 0; j < %d; j++)", s.KW);
    emit_line(e, "    NNCC_SIMD for (int v = 0; v < %s_NR; v++) sum[j][v] = 0;", U);
    emit_line(e, "for (int r0 = 0; r0 < rows; r0 += %s_NR)", U);
    e->indent++;
    const int pos = open_block(e, (const char *const[]){"oy", "ox"}, (const int[]){s.OH, s.OW}, 2);
    emit_line(e, "const real *restrict d = %s[%s] + r0;", s.dz_t, feat);
    emit_line(e, "const real *restrict a = %s[%s] + r0;", s.in_t,
              feature(ix("c", s.C), affine(oy, s.SH, ix("i", s.KH)), 1, ox, s.SW, s.Hp, s.Wp));
    emit_line(e, "for (int j = 0; j < %d; j++)", s.KW);
    emit_line(e, "    NNCC_SIMD for (int v = 0; v < %s_NR; v++) sum[j][v] += d[v] * a[(size_t)j * %d + v];", U, s.in_ld);
    close_block(e, pos);
    e->indent--;
    emit_line(e, "for (int j = 0; j < %d; j++) {", s.KW), e->indent++;
    emit_line(e, "real t = 0;");
    emit_line(e, "for (int v = 0; v < %s_NR; v++) t += sum[j][v];", U);
    emit_line(e, "gw[%s][%s][j] = t;", ix("c", s.C), ix("i", s.KH));
    close_block(e, 0);
    close_block(e, taps);
    emit_line(e, "const real *restrict sums = &gw[0][0][0];");
    const char *wi = s.F > 1 ? fmt("(size_t)f * %d + k", per_filter) : "k";
    emit_line(e, "if (fused) {"), e->indent++;
    emit_line(e, "for (int k = 0; k < %d; k++) %s_descend(%s, sums[k]);", per_filter, n,
              l->w_off ? fmt("%zu + %s", l->w_off, wi) : wi);
    emit_line(e, "%s_descend(%zu%s, gb);", n, l->b_off, s.F > 1 ? " + (size_t)f" : "");
    e->indent--, emit_line(e, "} else {"), e->indent++;
    emit_line(e, "real *restrict gsum = &%s_grad.w%d[%s][0][0][0];", n, L, f);
    emit_line(e, "for (int k = 0; k < %d; k++) gsum[k] += sums[k];", per_filter);
    emit_line(e, "%s_grad.b%d[%s] += gb;", n, L, f);
    close_block(e, 0);
    close_block(e, filters);
    e->indent = 0;
    emit(e, "}\n");
}

/* ---- dropout ---------------------------------------------------------------------------------- */

/* The threshold of a 32-bit hash below which a value is dropped (p 2^32), and the scale of those
 * kept, 1 / (1 - p). */
static const char *drop_threshold(const Layer *l)
{
    const double t = l->drop * 4294967296.0;
    return fmt("%.0fu", t > 4294967295.0 ? 4294967295.0 : t);
}

static const char *drop_args(const Layer *l)
{
    return fmt("%s, R(%s)", drop_threshold(l), lit(1 / (1 - l->drop)));
}

static int any_dropout(const Net *net)
{
    for (int i = 0; i < net->n_layers; i++)
        if (net->layers[i].kind == LAYER_DROPOUT) return 1;
    return 0;
}

static void emit_dropout_mask(Gen *g)
{
    if (!any_dropout(g->net)) return;
    const char *n = g->name;
    emit(g->e, "\n/* ---- dropout (PyTorch's nn.Dropout, inverted): on the rows of a training step (rt_rows.training)\n"
               " * value k of row r is kept when a 32-bit hash of (rt_rows.key[r], k) is at least the layer's threshold\n"
               " * (p 2^32), then scaled by 1 / (1 - p); the runtime's key is a hash of (seed, step, sample), so the\n"
               " * masks are the same for any thread count, any MPI rank and after --resume ---- */\n");
    emit(g->e, "static inline int %s_kept(int r, int k, uint32_t threshold)\n{\n", n);
    emit(g->e, "    uint64_t z = rt_rows.key[r] ^ ((uint64_t)k * 0x9e3779b97f4a7c15u);\n"
               "    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;\n"
               "    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;\n"
               "    return (uint32_t)((z ^ (z >> 31)) >> 32) >= threshold;\n}\n");
}

static void emit_dropout_forward(Gen *g, int i)
{
    Emitter *e = g->e;
    const Layer *l = &g->net->layers[i];
    const LayerSchedule *ls = &g->s->layer[i];
    const char *n = g->name;
    const int L = i + 1;
    emit(e, "\n/* Layer %d forward: dropout %g, A%d (m, %d) -> A%d%s: drop (a training step's rows), each value kept\n"
            " * or zeroed by %s_kept() and the kept ones scaled; else A%d as it is. */\n",
         L, l->drop, i, l->units, L, ls->keep_t ? fmt(" and A%d^T", L) : "", n, i);
    emit(e, "static void %s_forward%d(int m, int lo, int hi, const real *restrict x, int drop)\n{\n", n, L);
    emit(e, "    const int end = hi < m ? hi : m; /* pad rows keep what an earlier call left (finite values) */\n");
    emit(e, "    for (int r = lo; r < end; r++)\n        for (int k = 0; k < %d; k++) {\n", l->units);
    emit(e, "            real a = x[(size_t)r * %d + k];\n", i ? g->s->layer[i - 1].ld : l->fan_in);
    emit(e, "            if (drop) a = %s_kept(r, k, %s) ? a * R(%s) : 0;\n", n,
         drop_threshold(l), lit(1 / (1 - l->drop)));
    emit(e, "            %s_a%d[r][k] = a;\n", n, L);
    if (ls->keep_t) emit(e, "            %s_at%d[k][r] = a;\n", n, L);
    emit(e, "        }\n}\n");
}

/* dZ of the layer below: dZ%d through the same mask, times g' of the layer below. */
static void emit_dropout_propagate(Gen *g, int i)
{
    Emitter *e = g->e;
    const Layer *l = &g->net->layers[i], *below = &g->net->layers[i - 1];
    const char *n = g->name;
    const int L = i + 1, P = i, spatial = SPATIAL(below->kind);
    emit(e, "\n/* Layer %d propagate: dZ%d = dZ%d through the forward's mask and scale, times g'(A%d), g' = %s%s. */\n", L, P,
         L, P, activation_doc[below->act], spatial ? fmt("; also dZ%d^T", P) : "");
    emit(e, "static void %s_propagate%d(int m, int lo, int hi)\n{\n", n, L);
    emit(e, "    const int end = hi < m ? hi : m, drop = rt_rows.training;\n");
    emit(e, "    for (int r = lo; r < end; r++)\n        for (int k = 0; k < %d; k++) {\n", l->units);
    emit(e, "            real d = %s_dz%d[r][k];\n", n, L);
    emit(e, "            if (drop) d = %s_kept(r, k, %s) ? d * R(%s) : 0;\n", n,
         drop_threshold(l), lit(1 / (1 - l->drop)));
    if (below->act != ACT_LINEAR) emit(e, "            d *= %s_dg_%s(%s_a%d[r][k]);\n", n, activation_names[below->act], n, P);
    emit(e, "            %s_dz%d[r][k] = d;\n", n, P);
    if (spatial) emit(e, "            %s_dzt%d[k][r] = d;\n", n, P);
    emit(e, "        }\n}\n");
}

/* The reference kernels of the spatial layers: plain loops over every index with runtime sizes,
 * the propagation gathered into each input (the fast kernels scatter from each output).
 * s: C, H, W, F (output channels), OH, OW, KH, KW, SH, SW, PH, PW. */
static void emit_spatial_reference(Gen *g)
{
    Emitter *e = g->e;
    const Net *net = g->net;
    const char *n = g->name;
    int conv = 0, pool = 0, conv_trained = 0, conv_prop = 0, pool_prop = 0;
    for (int i = 0; i < net->n_layers; i++) {
        const Layer *l = &net->layers[i];
        if (l->kind == LAYER_CONV) conv = 1, conv_trained |= l->trainable, conv_prop |= g->s->layer[i].propagate;
        if (l->kind == LAYER_MAXPOOL || l->kind == LAYER_AVGPOOL) pool = 1, pool_prop |= g->s->layer[i].propagate;
    }
    if (!conv && !pool) return;
    emit(e, "\n/* A spatial layer's A^T or dZ^T, (c, h + 2 by, w + 2 bx) features of ld reals, as rows (m, c x h x w) */\n");
    emit(e, "static void %s_rows_of(int m, int c, int h, int w, int by, int bx, int ld, const real *t, real *out)\n{\n", n);
    emit(e, "    for (int r = 0; r < m; r++)\n"
            "        for (int k = 0; k < c; k++)\n"
            "            for (int y = 0; y < h; y++)\n"
            "                for (int x = 0; x < w; x++)\n"
            "                    out[(size_t)r * c * h * w + ((size_t)k * h + y) * w + x] =\n"
            "                        t[(((size_t)k * (h + 2 * by) + y + by) * (w + 2 * bx) + x + bx) * ld + r];\n}\n");
    emit(e, "\n/* Spatial layers, s = {C, H, W, F, OH, OW, KH, KW, SH, SW, PH, PW}: the input (C, H, W) at X[c][y][x],\n"
            " * zero outside; the output (F, OH, OW). */\n");
    emit(e, "static real %s_ref_at(const int *s, const real *a, int c, int y, int x)\n{\n", n);
    emit(e, "    return y < 0 || y >= s[1] || x < 0 || x >= s[2] ? 0 : a[((size_t)c * s[1] + y) * s[2] + x];\n}\n");
    if (conv) {
        emit(e, "/* conv: A'[f][oy][ox] = g(b[f] + sum_c,i,j W[f][c][i][j] A[c][oy sh + i - ph][ox sw + j - pw]) */\n");
        emit(e, "static void %s_ref_conv_forward(int m, const int *s, const real *w, const real *b, const real *a, real (*g)(real),\n"
                "                                real *a_out)\n{\n", n);
        emit(e, "    const int in = s[0] * s[1] * s[2], out = s[3] * s[4] * s[5];\n"
                "    for (int r = 0; r < m; r++)\n"
                "        for (int f = 0; f < s[3]; f++)\n"
                "            for (int oy = 0; oy < s[4]; oy++)\n"
                "                for (int ox = 0; ox < s[5]; ox++) {\n"
                "                    real z = b[f];\n"
                "                    for (int c = 0; c < s[0]; c++)\n"
                "                        for (int i = 0; i < s[6]; i++)\n"
                "                            for (int j = 0; j < s[7]; j++)\n"
                "                                z += w[((size_t)(f * s[0] + c) * s[6] + i) * s[7] + j] *\n"
                "                                     %s_ref_at(s, a + (size_t)r * in, c, oy * s[8] + i - s[10], ox * s[9] + j - s[11]);\n"
                "                    a_out[(size_t)r * out + ((size_t)f * s[4] + oy) * s[5] + ox] = g ? g(z) : z;\n"
                "                }\n}\n", n);
    }
    if (conv_trained) {
        emit(e, "/* conv: dW[f][c][i][j] = sum_r,oy,ox dZ[f][oy][ox] A[c][oy sh + i - ph][ox sw + j - pw], db[f] = sum dZ[f] */\n");
        emit(e, "static void %s_ref_conv_backward(int m, const int *s, const real *dz, const real *a, real *dw, real *db)\n{\n", n);
        emit(e, "    const int in = s[0] * s[1] * s[2], out = s[3] * s[4] * s[5];\n"
                "    for (int f = 0; f < s[3]; f++) {\n"
                "        db[f] = 0;\n"
                "        for (int r = 0; r < m; r++)\n"
                "            for (int k = 0; k < s[4] * s[5]; k++) db[f] += dz[(size_t)r * out + (size_t)f * s[4] * s[5] + k];\n"
                "        for (int c = 0; c < s[0]; c++)\n"
                "            for (int i = 0; i < s[6]; i++)\n"
                "                for (int j = 0; j < s[7]; j++) {\n"
                "                    real sum = 0;\n"
                "                    for (int r = 0; r < m; r++)\n"
                "                        for (int oy = 0; oy < s[4]; oy++)\n"
                "                            for (int ox = 0; ox < s[5]; ox++)\n"
                "                                sum += dz[(size_t)r * out + ((size_t)f * s[4] + oy) * s[5] + ox] *\n"
                "                                       %s_ref_at(s, a + (size_t)r * in, c, oy * s[8] + i - s[10], ox * s[9] + j - s[11]);\n"
                "                    dw[((size_t)(f * s[0] + c) * s[6] + i) * s[7] + j] = sum;\n"
                "                }\n    }\n}\n", n);
    }
    if (conv_prop) {
        emit(e, "/* conv: dZ_below[c][y][x] = g'(A_below) sum over f, i, j of W[f][c][i][j] dZ[f][oy][ox] for every\n"
                " * output (oy, ox) that read (y, x): oy sh + i - ph = y, ox sw + j - pw = x */\n");
        emit(e, "static void %s_ref_conv_propagate(int m, const int *s, const real *w, const real *dz, const real *a,\n"
                "                                  real (*dg)(real), real *dz_below)\n{\n", n);
        emit(e, "    const int in = s[0] * s[1] * s[2], out = s[3] * s[4] * s[5];\n"
                "    for (int r = 0; r < m; r++)\n"
                "        for (int c = 0; c < s[0]; c++)\n"
                "            for (int y = 0; y < s[1]; y++)\n"
                "                for (int x = 0; x < s[2]; x++) {\n"
                "                    real sum = 0;\n"
                "                    for (int f = 0; f < s[3]; f++)\n"
                "                        for (int i = 0; i < s[6]; i++)\n"
                "                            for (int j = 0; j < s[7]; j++) {\n"
                "                                const int ny = y + s[10] - i, nx = x + s[11] - j;\n"
                "                                if (ny < 0 || nx < 0 || ny %% s[8] || nx %% s[9] || ny / s[8] >= s[4] || nx / s[9] >= s[5]) continue;\n"
                "                                sum += w[((size_t)(f * s[0] + c) * s[6] + i) * s[7] + j] *\n"
                "                                       dz[(size_t)r * out + ((size_t)f * s[4] + ny / s[8]) * s[5] + nx / s[9]];\n"
                "                            }\n"
                "                    const size_t k = (size_t)r * in + ((size_t)c * s[1] + y) * s[2] + x;\n"
                "                    dz_below[k] = dg ? sum * dg(a[k]) : sum;\n"
                "                }\n}\n");
    }
    if (pool) {
        emit(e, "/* pooling (max: the largest, else the mean) of each window A[c][oy sh + i][ox sw + j], i < KH, j < KW */\n");
        emit(e, "static void %s_ref_pool_forward(int m, const int *s, int max, const real *a, real *a_out)\n{\n", n);
        emit(e, "    const int in = s[0] * s[1] * s[2], out = s[3] * s[4] * s[5];\n"
                "    for (int r = 0; r < m; r++)\n"
                "        for (int c = 0; c < s[0]; c++)\n"
                "            for (int oy = 0; oy < s[4]; oy++)\n"
                "                for (int ox = 0; ox < s[5]; ox++) {\n"
                "                    real v = max ? -INFINITY : 0;\n"
                "                    for (int i = 0; i < s[6]; i++)\n"
                "                        for (int j = 0; j < s[7]; j++) {\n"
                "                            const real t = %s_ref_at(s, a + (size_t)r * in, c, oy * s[8] + i, ox * s[9] + j);\n"
                "                            v = max ? (t > v ? t : v) : v + t;\n"
                "                        }\n"
                "                    a_out[(size_t)r * out + ((size_t)c * s[4] + oy) * s[5] + ox] = max ? v : v / (s[6] * s[7]);\n"
                "                }\n}\n", n);
    }
    if (pool_prop) {
        emit(e, "/* pooling: dZ_below[c][y][x] = g'(A_below) times the sum over the windows holding (y, x) of dZ[c][oy][ox],\n"
                " * max: where (y, x) is the window's first largest input (row-major), else divided by KH KW */\n");
        emit(e, "static void %s_ref_pool_propagate(int m, const int *s, int max, const real *dz, const real *a, real (*dg)(real),\n"
                "                                  real *dz_below)\n{\n", n);
        emit(e, "    const int in = s[0] * s[1] * s[2], out = s[3] * s[4] * s[5];\n"
                "    for (int r = 0; r < m; r++)\n"
                "        for (int c = 0; c < s[0]; c++)\n"
                "            for (int y = 0; y < s[1]; y++)\n"
                "                for (int x = 0; x < s[2]; x++) {\n"
                "                    const real *ar = a + (size_t)r * in;\n"
                "                    real sum = 0;\n"
                "                    for (int oy = 0; oy < s[4]; oy++)\n"
                "                        for (int ox = 0; ox < s[5]; ox++) {\n"
                "                            const int y0 = oy * s[8], x0 = ox * s[9];\n"
                "                            if (y < y0 || y >= y0 + s[6] || x < x0 || x >= x0 + s[7]) continue;\n"
                "                            const real g = dz[(size_t)r * out + ((size_t)c * s[4] + oy) * s[5] + ox];\n"
                "                            if (!max) {\n"
                "                                sum += g / (s[6] * s[7]);\n"
                "                                continue;\n"
                "                            }\n"
                "                            int by = y0, bx = x0; /* the first largest */\n"
                "                            for (int i = 0; i < s[6]; i++)\n"
                "                                for (int j = 0; j < s[7]; j++)\n"
                "                                    if (%s_ref_at(s, ar, c, y0 + i, x0 + j) > %s_ref_at(s, ar, c, by, bx)) by = y0 + i, bx = x0 + j;\n"
                "                            if (by == y && bx == x) sum += g;\n"
                "                        }\n"
                "                    const size_t k = (size_t)r * in + ((size_t)c * s[1] + y) * s[2] + x;\n"
                "                    dz_below[k] = dg ? sum * dg(a[k]) : sum;\n"
                "                }\n}\n", n, n);
    }
}

/* A spatial layer's sizes as the reference kernels take them. */
static const char *spatial_sizes(const Layer *l)
{
    return fmt("(const int[]){%d, %d, %d, %d, %d, %d, %d, %d, %d, %d, %d, %d}", l->in[0], l->in[1], l->in[2], l->out[0],
               l->out[1], l->out[2], l->kernel[0], l->kernel[1], l->stride[0], l->stride[1], l->pad[0], l->pad[1]);
}

static void emit_loss(Gen *g)
{
    const Net *net = g->net;
    const Layer *last = &net->layers[net->n_layers - 1];
    const char *out = fmt("%d", net->outputs);
    switch (net->spec->loss) {
    case LOSS_LOG_LOSS: {
        TemplateArg args[] = {{"NAME", g->name}};
        emit_template(g->e, "loss_log_loss.c", args, 1);
        break;
    }
    case LOSS_CROSS_ENTROPY: {
        TemplateArg args[] = {{"NAME", g->name}, {"OUT", out}};
        emit_template(g->e, "loss_cross_entropy.c", args, 2);
        break;
    }
    case LOSS_PERCEPTRON: {
        TemplateArg args[] = {{"NAME", g->name}};
        emit_template(g->e, "loss_perceptron.c", args, 1);
        break;
    }
    case LOSS_MSE: {
        /* one output: one error a row, no loop over outputs */
        const int K = net->outputs;
        const char *kloop = K > 1 ? fmt("for (int k = 0; k < %d; k++) ", K) : "", *k = K > 1 ? "k" : "0";
        const char *deriv;
        if (last->act == ACT_SOFTMAX)
            deriv = fmt("{ /* softmax Jacobian: dZ_k = A_k (dA_k - sum_j dA_j A_j) */\n"
                        "            double s = 0;\n"
                        "            for (int k = 0; k < %d; k++) s += (double)d[k] * p[k];\n"
                        "            for (int k = 0; k < %d; k++) d[k] = (real)(p[k] * (d[k] - s));\n"
                        "        }",
                        K, K);
        else if (last->act == ACT_LINEAR || !any_trainable(net))
            deriv = last->act == ACT_LINEAR ? "/* linear output: dZ = dA */" : "/* nothing is trained: dZ = dA */";
        else
            deriv = fmt("%sd[%s] *= %s_dg_%s(p[%s]);", kloop, k, g->name, activation_names[last->act], k);
        const char *body = K > 1 ? fmt("        for (int k = 0; k < %d; k++) {\n"
                                       "            const double e = (double)p[k] - t[k];\n"
                                       "            sq += e * e;\n"
                                       "            d[k] = (real)(2.0 / %d * e);\n"
                                       "        }\n", K, K)
                                 : "        const double e = (double)p[0] - t[0];\n"
                                   "        sq = e * e;\n"
                                   "        d[0] = (real)(2.0 * e);\n";
        TemplateArg args[] = {{"NAME", g->name}, {"OUT", out}, {"ERRORS", body}, {"OUTPUT_DERIVATIVE", deriv}};
        emit_template(g->e, "loss_mse.c", args, 4);
        break;
    }
    default: unreachable();
    }
}

/* X (m, inputs) -> X^T for the first layer's blocked forward. In tiles of inputs by every row of
 * the thread's share: a tile's lines of X^T stay in L1 while every row's stretch of the tile is
 * copied in. Without the tiles the stores run down one row of X, a cache line of X^T per input,
 * each evicted before the next row comes back to it (and gcc interchanges the plain loops into
 * that order by itself). */
static void emit_transpose_input(Gen *g)
{
    const Net *net = g->net;
    const char *n = g->name;
    const int tile = g->s->transpose_tile, in = net->inputs;
    emit(g->e, "\n/* X (m, %d) -> X^T (%d, m) for rows [lo, hi): the first layer's forward reads its input feature\n"
               " * by feature. Tiles of %d inputs by the thread's rows: the tile's lines of X^T stay in cache while\n"
               " * each row's part is copied in. Pad rows keep what an earlier call left there (finite values). */\n",
         in, in, tile);
    emit(g->e, "static void %s_transpose_input(int m, int lo, int hi, const real *restrict x)\n{\n", n);
    emit(g->e, "    const int end = hi < m ? hi : m;\n");
    if (in > tile) {
        emit(g->e, "    for (int i0 = 0; i0 < %d; i0 += %d) {\n", in, tile);
        emit(g->e, "        const int i1 = i0 + %d < %d ? i0 + %d : %d;\n", tile, in, tile, in);
        emit(g->e, "        for (int r = lo; r < end; r++)\n");
        emit(g->e, "            for (int i = i0; i < i1; i++) %s_xt[i][r] = x[(size_t)r * %d + i];\n    }\n}\n", n, in);
    } else {
        emit(g->e, "    for (int r = lo; r < end; r++)\n");
        emit(g->e, "        for (int i = 0; i < %d; i++) %s_xt[i][r] = x[(size_t)r * %d + i];\n}\n", in, n, in);
    }
}

/* The start of step()'s and forward()'s body: the parallel region (or a plain block), and this
 * thread's rows [lo, hi), whole blocks of NR, the same share for every layer. */
static void emit_region_open(Gen *g, const char *what)
{
    const char *U = g->upper;
    emit(g->e, "    const int blocks = (m + %s_NR - 1) / %s_NR;\n", U, U);
    if (!g->s->threads) {
        emit(g->e, "    { /* one thread: too small to pay for a wake-up */\n");
        emit(g->e, "        const int lo = 0, hi = blocks * %s_NR; /* every row */\n", U);
        return;
    }
    emit(g->e, "    NNCC_OMP_PARALLEL /* one region per call: %s */\n    {\n", what);
    emit(g->e, "        const int t = NNCC_THREAD(), nt = NNCC_THREADS();\n");
    emit(g->e, "        const int lo = blocks * t / nt * %s_NR, hi = blocks * (t + 1) / nt * %s_NR; /* this thread's rows */\n",
         U, U);
}

/* The forward chain on rows [lo, hi), shared by step() and forward(). */
static void emit_forward_calls(Gen *g, const char *drop)
{
    const Net *net = g->net;
    const char *n = g->name;
    if (g->s->transpose_x) emit(g->e, "        %s_transpose_input(m, lo, hi, (const real *)x);\n", n);
    for (int i = 0; i < net->n_layers; i++) {
        if (SPATIAL(net->layers[i].kind)) emit(g->e, "        %s_forward%d(lo, hi);\n", n, i + 1);
        else if (net->layers[i].kind == LAYER_DROPOUT)
            emit(g->e, "        %s_forward%d(m, lo, hi, %s, %s);\n", n, i + 1, i ? fmt("%s_a%d[0]", n, i) : "(const real *)x", drop);
        else if (g->s->layer[i].by_rows) emit(g->e, "        %s_forward%d(m, lo, hi, (const real *)x);\n", n, i + 1);
        else emit(g->e, "        %s_forward%d(%slo, hi);\n", n, i + 1, net->layers[i].act == ACT_SOFTMAX ? "m, " : "");
    }
}

static void emit_step(Gen *g)
{
    const Net *net = g->net;
    const char *n = g->name, *U = g->upper;
    const int L = net->n_layers, train = any_trainable(net);
    if (g->s->transpose_x && SPATIAL(net->layers[0].kind)) emit_transpose_image(g);
    else if (g->s->transpose_x) emit_transpose_input(g);
    emit(g->e, "\n/* One chunk of m <= %s_CHUNK rows: forward through every layer, the loss%s.\n"
               " * Each thread carries its own rows from the input through the loss and back down to dZ1: no\n"
               " * thread waits for another until dW, which sums over every row and so waits once for all.\n"
               " * Results do not depend on the thread count: rows are independent up to dW, dW and db are\n"
               " * split over inputs and units (each sum over the rows in order on one thread), and the rows'\n"
               " * losses are summed in row order after the region. */\n",
         U, train ? ", and with grad the\n * backward pass in reverse, adding dW, db into the gradients (fused: updating the weights)" : "");
    if (train) emit(g->e, "static void %s_run(int m, const void *x, const double *y, int grad, int fused, rt_stats *st)\n{\n", n);
    else emit(g->e, "static void %s_step(int m, const void *x, const double *y, int grad, rt_stats *st)\n{\n", n);
    emit_region_open(g, train ? "forward, loss, propagate, then dW" : "forward and loss");
    emit_forward_calls(g, "rt_rows.training");
    emit(g->e, "        %s_loss(m, lo, hi, %s_a%d[0], y, %s_dz%d[0]);\n", n, n, L, n, L);
    if (train) {
        emit(g->e, "        if (grad) {\n");
        for (int i = L - 1; i >= 1; i--) {
            if (!g->s->layer[i].propagate) continue;
            if (!SPATIAL(net->layers[i].kind)) emit(g->e, "            %s_propagate%d(m, lo, hi);\n", n, i + 1);
            else emit(g->e, "            %s_propagate%d(lo, hi);\n", n, i + 1);
        }
        if (g->s->threads) emit(g->e, "            NNCC_OMP_BARRIER /* dW sums over every row */\n");
        for (int i = L - 1; i >= 0; i--) {
            if (!net->layers[i].trainable) continue;
            const char *a_in = i == 0 ? "(const real *)x" : fmt("%s_a%d[0]", n, i);
            if (net->layers[i].kind == LAYER_DENSE) emit(g->e, "            %s_backward%d(m, %s, fused);\n", n, i + 1, a_in);
            else emit(g->e, "            %s_backward%d(m, fused);\n", n, i + 1);
            if (!net->mpi) continue;
            emit(g->e, "            if (grad == RT_GRAD_SHARE) { /* dW%d, db%d complete: sum them over the ranks */\n", i + 1,
                 i + 1);
            if (g->s->threads) emit(g->e, "                NNCC_OMP_BARRIER\n                NNCC_OMP_MASTER\n");
            emit(g->e, "                rt_grads_ready(%d);\n            }\n", i);
        }
        emit(g->e, "        }\n");
    }
    emit(g->e, "    }\n");
    if (!train) emit(g->e, "    (void)grad; /* every layer is frozen: nothing to back-propagate */\n");
    emit(g->e, "    double loss = 0, correct = 0;\n");
    emit(g->e, "    for (int r = 0; r < m; r++) loss += %s_row_loss[r], correct += %s_row_correct[r];\n", n, n);
    emit(g->e, "    st->loss += loss;\n    st->correct += correct;\n}\n");
    if (train) {
        const int adam = net->spec->optimizer == OPT_ADAM;
        emit(g->e, "\n/* step() as the runtime's contract has it: the gradient sums added into %s_grad. */\n", n);
        emit(g->e, "static void %s_step(int m, const void *x, const double *y, int grad, rt_stats *st)\n{\n", n);
        emit(g->e, "    %s_run(m, x, y, grad, 0, st);\n}\n", n);
        emit(g->e, "\n/* A batch that is one chunk: step() and update() in one pass, each block of dW updating its\n"
                   " * weights as soon as it is complete: the same arithmetic, the same results. */\n");
        emit(g->e, "static void %s_train_step(int m, const void *x, const double *y, rt_stats *st, double lr, long t)\n{\n", n);
        if (adam) emit(g->e, "    %s_set_hp(lr, 1.0 / m, t);\n", n);
        else emit(g->e, "    %s_set_hp(lr, 1.0 / m);\n    (void)t; /* sgd and momentum do not count steps */\n", n);
        emit(g->e, "    %s_run(m, x, y, 1, 1, st);\n}\n", n);
    }
    emit(g->e, "\n/* Outputs A_%d of m <= %s_CHUNK rows: (m, %d). */\n", L, U, net->outputs);
    emit(g->e, "static void %s_forward(int m, const void *x, void *out)\n{\n", n);
    emit_region_open(g, "the forward");
    emit_forward_calls(g, "0");
    emit(g->e, "    }\n");
    emit(g->e, "    memcpy(out, %s_a%d, sizeof(real) * (size_t)m * %d);\n}\n", n, L, net->outputs);
}

static void emit_update(Gen *g)
{
    const Net *net = g->net;
    const char *n = g->name;
    Emitter *e = g->e;
    emit(e, "\n/* Update: the optimiser's step on every trainable parameter with dW = G / m; then G = 0. */\n");
    emit(e, "static void %s_update(double lr, double inv_m, long t)\n{\n", n);
    if (!any_trainable(net)) {
        emit(e, "    (void)lr, (void)inv_m, (void)t; /* every layer is frozen: nothing to update */\n}\n");
        return;
    }
    if (net->spec->optimizer == OPT_ADAM) emit(e, "    %s_set_hp(lr, inv_m, t);\n", n);
    else emit(e, "    %s_set_hp(lr, inv_m);\n    (void)t; /* sgd and momentum do not count steps */\n", n);
    emit(e, "    real *restrict g = (real *)&%s_grad;\n", n);
    /* one loop over each run of trainable tensors in the flat block */
    for (int i = 0; i < net->n_layers;) {
        if (!net->layers[i].trainable) {
            i++;
            continue;
        }
        int j = i;
        while (j < net->n_layers && net->layers[j].trainable) j++;
        const Layer *first = &net->layers[i], *last = &net->layers[j - 1];
        const size_t begin = first->w_off, end = last->b_off + last->n_b;
        const char *what = j - i == 1 ? fmt("W%d, b%d", i + 1, i + 1) : fmt("W%d .. b%d", i + 1, j);
        if ((end - begin) * (size_t)net->chunk >= (size_t)1 << 22) emit(e, "    NNCC_OMP_FOR\n");
        emit(e, "    for (size_t i = %zu; i < %zu; i++) { /* %s */\n", begin, end, what);
        emit(e, "        %s_descend(i, g[i]);\n        g[i] = 0;\n    }\n", n);
        i = j;
    }
    emit(e, "}\n");
}

/* ---- the reference kernels and --selftest ------------------------------------------------- */

static void emit_reference(Gen *g)
{
    Emitter *e = g->e;
    const Net *net = g->net;
    const char *n = g->name;
    const int L = net->n_layers, train = any_trainable(net);
    emit(e, "\n/* ---- the reference kernels: the notes' equations as plain loops, for --selftest ---- */\n");
    emit(e, "\n/* Z = W.A + b, A' = g(Z) (g NULL: linear, or softmax after the call): A (m, in) -> A' (m, out) */\n");
    emit(e, "static void %s_ref_forward(int m, int in, int out, const real *w, const real *b, const real *a, int lda,\n"
            "                           real (*g)(real), real *a_out)\n{\n", n);
    emit(e, "    for (int r = 0; r < m; r++)\n        for (int j = 0; j < out; j++) {\n"
            "            real z = b[j];\n            for (int i = 0; i < in; i++) z += w[(size_t)j * in + i] * a[(size_t)r * lda + i];\n"
            "            a_out[(size_t)r * out + j] = g ? g(z) : z;\n        }\n}\n");
    int dense_trained = 0, prop = 0;
    for (int i = 0; i < L; i++) {
        if (net->layers[i].kind != LAYER_DENSE) continue;
        dense_trained |= net->layers[i].trainable;
        prop |= g->s->layer[i].propagate;
    }
    if (train && dense_trained) {
        emit(e, "/* dW = dZ^T.A, db = sum_r dZ (sums: the update divides by m) */\n");
        emit(e, "static void %s_ref_backward(int m, int in, int out, const real *dz, const real *a, int lda, real *dw, real *db)\n{\n", n);
        emit(e, "    for (int j = 0; j < out; j++) {\n        db[j] = 0;\n"
                "        for (int r = 0; r < m; r++) db[j] += dz[(size_t)r * out + j];\n"
                "        for (int i = 0; i < in; i++) {\n            real s = 0;\n"
                "            for (int r = 0; r < m; r++) s += dz[(size_t)r * out + j] * a[(size_t)r * lda + i];\n"
                "            dw[(size_t)j * in + i] = s;\n        }\n    }\n}\n");
    }
    if (prop) {
            emit(e, "/* dZ_below = W^T.dZ * g'(A_below) (dg NULL: linear): dZ (m, out) -> dZ_below (m, in) */\n");
            emit(e, "static void %s_ref_propagate(int m, int in, int out, const real *w, const real *dz, const real *a,\n"
                    "                             real (*dg)(real), real *dz_below)\n{\n", n);
            emit(e, "    for (int r = 0; r < m; r++)\n        for (int i = 0; i < in; i++) {\n            real s = 0;\n"
                    "            for (int j = 0; j < out; j++) s += dz[(size_t)r * out + j] * w[(size_t)j * in + i];\n"
                "            dz_below[(size_t)r * in + i] = dg ? s * dg(a[(size_t)r * in + i]) : s;\n        }\n}\n");
    }
    emit_spatial_reference(g);
    if (!any_dropout(net)) return;
    emit(e, "/* dropout: A' = A, or where a training step's row drops a value 0 and the rest A / (1 - p) (scale) */\n");
    emit(e, "static void %s_ref_dropout(int m, int n, uint32_t threshold, real scale, const real *a, real *a_out)\n{\n", n);
    emit(e, "    for (int r = 0; r < m; r++)\n        for (int k = 0; k < n; k++)\n"
            "            a_out[(size_t)r * n + k] = !rt_rows.training ? a[(size_t)r * n + k]\n"
            "                                       : %s_kept(r, k, threshold) ? a[(size_t)r * n + k] * scale : 0;\n}\n", n);
    int drop_prop = 0;
    for (int i = 0; i < L; i++) drop_prop |= net->layers[i].kind == LAYER_DROPOUT && g->s->layer[i].propagate;
    if (!drop_prop) return;
    emit(e, "/* dropout: dZ_below = dZ through the same mask and scale, times g'(A_below) (dg NULL: linear) */\n");
    emit(e, "static void %s_ref_dropout_propagate(int m, int n, uint32_t threshold, real scale, const real *dz, const real *a,\n"
            "                                     real (*dg)(real), real *dz_below)\n{\n", n);
    emit(e, "    %s_ref_dropout(m, n, threshold, scale, dz, dz_below);\n"
            "    for (size_t k = 0; dg && k < (size_t)m * n; k++) dz_below[k] *= dg(a[k]);\n}\n", n);
}

/* --selftest: the fast kernels against the reference ones (rt_check_reals prints each line). */
static void emit_selftest(Gen *g)
{
    Emitter *e = g->e;
    const Net *net = g->net;
    const char *n = g->name;
    const int L = net->n_layers, train = any_trainable(net);
    emit(e, "\n/* --selftest: the fast kernels against the reference ones on the runtime's seeded random rows:\n"
            " * every layer's A, the loss's dZ, dW, db and the propagated dZ%s. */\n",
         train ? ", then the weights after the fused\n * train_step() against update() on the reference dW" : "");
    emit(e, "static void %s_selftest(int m, const void *x, const double *y, rt_check *c)\n{\n", n);
    emit(e, "    const real *ra0 = x; /* ra_l, rdz_l: the reference A_l, dZ_l, (m, units) */\n");
    size_t widest = 0; /* a spatial layer's A or dZ row by row, for the checks */
    for (int i = 0; i < L; i++)
        if (SPATIAL(net->layers[i].kind) && (size_t)net->layers[i].units > widest) widest = (size_t)net->layers[i].units;
    if (widest) emit(e, "    real *fast = malloc((size_t)m * %zu * sizeof(real));\n", widest);
    for (int i = 0; i < L; i++) {
        emit(e, "    real *ra%d = calloc((size_t)m * %d, sizeof(real))", i + 1, net->layers[i].units);
        if (g->s->layer[i].needs_dz) emit(e, ", *rdz%d = calloc((size_t)m * %d, sizeof(real))", i + 1, net->layers[i].units);
        emit(e, ";\n");
    }
    if (train) emit(e, "    %s_params *rg = calloc(1, sizeof *rg), *p0 = malloc(sizeof *p0);\n", n);
    emit(e, "    rt_stats st = {0, 0};\n");
    if (train) emit(e, "    memcpy(p0, &%s_param, sizeof *p0);\n    memset(&%s_grad, 0, sizeof %s_grad);\n", n, n, n);
    emit(e, "    %s_step(m, x, y, %d, &st); /* the fast kernels */\n", n, train);
    for (int i = 0; i < L; i++) {
        const Layer *l = &net->layers[i];
        const char *gfn = elementwise(l->act) ? fmt("%s_g_%s", n, activation_names[l->act]) : "NULL";
        if (l->kind == LAYER_CONV)
            emit(e, "    %s_ref_conv_forward(m, %s, &%s_param.w%d[0][0][0][0], %s_param.b%d, ra%d, %s, ra%d);\n", n,
                 spatial_sizes(l), n, i + 1, n, i + 1, i, gfn, i + 1);
        else if (SPATIAL(l->kind))
            emit(e, "    %s_ref_pool_forward(m, %s, %d, ra%d, ra%d);\n", n, spatial_sizes(l), l->kind == LAYER_MAXPOOL, i,
                 i + 1);
        if (l->kind == LAYER_DROPOUT) {
            emit(e, "    %s_ref_dropout(m, %d, %s, ra%d, ra%d);\n", n, l->units, drop_args(l), i, i + 1);
            emit(e, "    rt_check_reals(c, \"layer %d forward: A%d\", %s_a%d[0], %d, ra%d, m, %d);\n", i + 1, i + 1, n, i + 1,
                 g->s->layer[i].ld, i + 1, l->units);
            continue;
        }
        if (SPATIAL(l->kind)) {
            const LayerSchedule *ls = &g->s->layer[i];
            emit(e, "    %s_rows_of(m, %d, %d, %d, %d, %d, %d, &%s_at%d[0][0], fast);\n", n, l->out[0], l->out[1],
                 l->out[2], ls->opad[0], ls->opad[1], g->s->spatial_ld, n, i + 1);
            emit(e, "    rt_check_reals(c, \"layer %d forward: A%d\", fast, %d, ra%d, m, %d);\n", i + 1, i + 1, l->units, i + 1,
                 l->units);
            continue;
        }
        emit(e, "    %s_ref_forward(m, %d, %d, %s_param.w%d[0], %s_param.b%d, ra%d, %d, %s, ra%d);\n", n, l->fan_in, l->units,
             n, i + 1, n, i + 1, i, l->fan_in, gfn, i + 1);
        if (l->act == ACT_SOFTMAX) emit(e, "    %s_softmax(0, m, ra%d);\n", n, i + 1);
        emit(e, "    rt_check_reals(c, \"layer %d forward: A%d\", %s_a%d[0], %d, ra%d, m, %d);\n", i + 1, i + 1, n, i + 1,
             g->s->layer[i].ld, i + 1, l->units);
    }
    emit(e, "    %s_loss(m, 0, m, ra%d, y, rdz%d);\n", n, L, L);
    emit(e, "    rt_check_reals(c, \"loss: dZ%d\", %s_dz%d[0], %d, rdz%d, m, %d);\n", L, n, L, g->s->layer[L - 1].ld, L,
         net->outputs);
    for (int i = L - 1; i >= 0; i--) {
        const Layer *l = &net->layers[i];
        const LayerSchedule *ls = &g->s->layer[i];
        if (l->kind == LAYER_DROPOUT) {
            if (!ls->propagate) continue;
            const Layer *b = &net->layers[i - 1];
            const char *dg = b->act != ACT_LINEAR ? fmt("%s_dg_%s", n, activation_names[b->act]) : "NULL";
            emit(e, "    %s_ref_dropout_propagate(m, %d, %s, rdz%d, ra%d, %s, rdz%d);\n", n, l->units, drop_args(l), i + 1, i, dg,
                 i);
            emit(e, "    rt_check_reals(c, \"layer %d propagate: dZ%d\", %s_dz%d[0], %d, rdz%d, m, %d);\n", i + 1, i, n, i,
                 g->s->layer[i - 1].ld, i, l->fan_in);
            continue;
        }
        if (SPATIAL(l->kind)) {
            if (l->trainable) {
                emit(e, "    %s_ref_conv_backward(m, %s, rdz%d, ra%d, &rg->w%d[0][0][0][0], rg->b%d);\n", n, spatial_sizes(l),
                     i + 1, i, i + 1, i + 1);
                emit(e, "    rt_check_reals(c, \"layer %d backward: dW%d\", &%s_grad.w%d[0][0][0][0], %zu, &rg->w%d[0][0][0][0], 1, %zu);\n",
                     i + 1, i + 1, n, i + 1, l->n_w, i + 1, l->n_w);
                emit(e, "    rt_check_reals(c, \"layer %d backward: db%d\", %s_grad.b%d, %zu, rg->b%d, 1, %zu);\n", i + 1, i + 1,
                     n, i + 1, l->n_b, i + 1, l->n_b);
            }
            if (ls->propagate) {
                const Layer *b = &net->layers[i - 1];
                const char *dg = b->act != ACT_LINEAR ? fmt("%s_dg_%s", n, activation_names[b->act]) : "NULL";
                if (l->kind == LAYER_CONV)
                    emit(e, "    %s_ref_conv_propagate(m, %s, &%s_param.w%d[0][0][0][0], rdz%d, ra%d, %s, rdz%d);\n", n,
                         spatial_sizes(l), n, i + 1, i + 1, i, dg, i);
                else
                    emit(e, "    %s_ref_pool_propagate(m, %s, %d, rdz%d, ra%d, %s, rdz%d);\n", n, spatial_sizes(l),
                         l->kind == LAYER_MAXPOOL, i + 1, i, dg, i);
                emit(e, "    %s_rows_of(m, %d, %d, %d, %d, %d, %d, &%s_dzt%d[0][0], fast);\n", n, b->out[0], b->out[1],
                     b->out[2], l->pad[0], l->pad[1], g->s->dzt_ld, n, i);
                emit(e, "    rt_check_reals(c, \"layer %d propagate: dZ%d\", fast, %d, rdz%d, m, %d);\n", i + 1, i, l->fan_in, i,
                     l->fan_in);
            }
            continue;
        }
        if (l->trainable) {
            emit(e, "    %s_ref_backward(m, %d, %d, rdz%d, ra%d, %d, rg->w%d[0], rg->b%d);\n", n, l->fan_in, l->units, i + 1, i,
                 l->fan_in, i + 1, i + 1);
            emit(e, "    rt_check_reals(c, \"layer %d backward: dW%d\", %s_grad.w%d[0], %d, rg->w%d[0], %d, %d);\n", i + 1,
                 i + 1, n, i + 1, l->fan_in, i + 1, l->units, l->fan_in);
            emit(e, "    rt_check_reals(c, \"layer %d backward: db%d\", %s_grad.b%d, %d, rg->b%d, 1, %d);\n", i + 1, i + 1, n,
                 i + 1, l->units, i + 1, l->units);
        }
        if (ls->propagate) {
            const Layer *b = &net->layers[i - 1];
            const char *dg = b->act != ACT_LINEAR ? fmt("%s_dg_%s", n, activation_names[b->act]) : "NULL";
            emit(e, "    %s_ref_propagate(m, %d, %d, %s_param.w%d[0], rdz%d, ra%d, %s, rdz%d);\n", n, l->fan_in, l->units, n,
                 i + 1, i + 1, i, dg, i);
            emit(e, "    rt_check_reals(c, \"layer %d propagate: dZ%d\", %s_dz%d[0], %d, rdz%d, m, %d);\n", i + 1, i, n, i,
                 g->s->layer[i - 1].ld, i, l->fan_in);
        }
    }
    if (train) {
        const char *lr = lit(net->spec->learning_rate);
        emit(e, "    /* the weights after one step: update() on the reference dW, then the fused train_step() */\n");
        emit(e, "    memcpy(&%s_grad, rg, sizeof *rg);\n    %s_update(%s, 1.0 / m, 1);\n", n, n, lr);
        emit(e, "    memcpy(rg, &%s_param, sizeof *rg);\n    memcpy(&%s_param, p0, sizeof *p0);\n", n, n);
        for (int k = 0; k < n_states(net->spec); k++) emit(e, "    memset(&%s_state%d, 0, sizeof %s_state%d);\n", n, k, n, k);
        emit(e, "    %s_train_step(m, x, y, &st, %s, 1);\n", n, lr);
        emit(e, "    rt_check_reals(c, \"fused update: W, b\", &%s_param, %s_PARAMS, rg, 1, %s_PARAMS);\n", n, g->upper,
             g->upper);
        emit(e, "    free(rg), free(p0);\n");
    }
    if (widest) emit(e, "    free(fast);\n");
    for (int i = 0; i < L; i++) {
        emit(e, "    free(ra%d);", i + 1);
        if (g->s->layer[i].needs_dz) emit(e, " free(rdz%d);", i + 1);
        emit(e, "\n");
    }
    emit(e, "}\n");
}
/* A data path in the generated program: relative paths are made absolute, so the program runs
 * from any directory. */
static char *absolute(const char *path)
{
    if (!path || path[0] == '/') return path ? xstrdup(path) : NULL;
    char cwd[4096];
    if (!getcwd(cwd, sizeof cwd)) return xstrdup(path);
    return xasprintf("%s/%s", cwd, path[0] == '.' && path[1] == '/' ? path + 2 : path);
}

static void emit_optional_string(Emitter *e, const char *s)
{
    if (!s) {
        emit(e, "NULL");
        return;
    }
    char *abs = absolute(s);
    emit_cstring(e, abs);
    free(abs);
}

static void emit_source(Gen *g, const char *field, const SourceSpec *s)
{
    Emitter *e = g->e;
    static const char *const kinds[] = {"RT_SRC_NONE", "RT_SRC_CSV", "RT_SRC_IDX", "RT_SRC_NPY", "RT_SRC_HDF5",
                                        "RT_SRC_GENERATOR"};
    emit(e, "        .%s = {.kind = %s", field, kinds[s->kind]);
    if (s->kind == RT_SRC_NONE) {
        emit(e, "},\n");
        return;
    }
    if (s->kind == RT_SRC_GENERATOR) {
        char up[32];
        snprintf(up, sizeof up, "%s", generator_names[s->generator]);
        for (char *p = up; *p; p++) *p = (char)toupper((unsigned char)*p);
        emit(e, ", .generator = RT_GEN_%s, .samples = %d, .noise = %.17g, .factor = %.17g, .centers = %d, .seed = %lluu,\n                  .split = %d},\n",
             up, s->samples, s->noise, s->factor, s->centers, (unsigned long long)s->seed, s->split);
        return;
    }
    emit(e, ",\n                  .path = ");
    emit_optional_string(e, s->path);
    if (s->kind == RT_SRC_HDF5) {
        emit(e, ", .x = ");
        if (s->x) emit_cstring(e, s->x);
        else emit(e, "NULL");
        emit(e, ", .y = ");
        if (s->y) emit_cstring(e, s->y);
        else emit(e, "NULL");
    } else {
        emit(e, ", .y = ");
        emit_optional_string(e, s->y);
    }
    if (s->label_name) {
        emit(e, ",\n                  .label_name = ");
        emit_cstring(e, s->label_name);
    }
    emit(e, ",\n                  .label = %d, .header = %d},\n", s->label, s->header);
}

static void emit_tables(Gen *g)
{
    Emitter *e = g->e;
    const Net *net = g->net;
    const Spec *spec = net->spec;
    const char *n = g->name;
    static const char *const inits[] = {"RT_INIT_NORMAL", "RT_INIT_XAVIER", "RT_INIT_HE", "RT_INIT_ZEROS", "RT_INIT_AUTO"};
    emit(e, "\n/* The tensors as the weights file names them, and where they live in %s_param. */\n", n);
    emit(e, "static const rt_tensor %s_tensors[] = {\n", n);
    int n_tensors = 0;
    for (int i = 0; i < net->n_layers; i++) {
        const Layer *l = &net->layers[i];
        if (l->kind == LAYER_CONV) { /* PyTorch's fan_out of a convolution: filters x kh x kw */
            emit(e, "    {\"layers.%d.weight\", %d, %d, %zu, %s, %d, %d, %d, NULL, %d, %d},\n", i, l->out[0], l->in[0],
                 l->w_off, inits[l->init], l->w_fan_in, l->out[0] * l->kernel[0] * l->kernel[1], l->trainable,
                 l->kernel[0], l->kernel[1]);
            emit(e, "    {\"layers.%d.bias\", %d, 0, %zu, %s, %d, %d, %d, NULL, 0, 0},\n", i, l->out[0], l->b_off,
                 inits[l->init], l->w_fan_in, l->out[0] * l->kernel[0] * l->kernel[1], l->trainable);
        }
        if (l->kind != LAYER_DENSE) {
            n_tensors += l->kind == LAYER_CONV ? 2 : 0;
            continue;
        }
        n_tensors += 2;
        int fan_out = i + 1 < net->n_layers ? net->layers[i + 1].units : l->units;
        char gw[96] = "NULL", gb[96] = "NULL";
        if (l->weights) snprintf(gw, sizeof gw, "%s_given_w%d", n, i + 1);
        if (l->bias) snprintf(gb, sizeof gb, "%s_given_b%d", n, i + 1);
        emit(e, "    {\"layers.%d.weight\", %d, %d, %zu, %s, %d, %d, %d, %s, 0, 0},\n", i, l->units, l->fan_in, l->w_off,
             inits[l->init], l->fan_in, fan_out, l->trainable, gw);
        emit(e, "    {\"layers.%d.bias\", %d, 0, %zu, %s, %d, %d, %d, %s, 0, 0},\n", i, l->units, l->b_off, inits[l->init],
             l->fan_in, fan_out, l->trainable, gb);
    }
    emit(e, "};\n");

    static const char *const tasks[] = {"RT_TASK_BINARY", "RT_TASK_MULTICLASS", "RT_TASK_REGRESSION"};
    static const char *const losses[] = {"RT_LOSS_LOG", "RT_LOSS_CROSS_ENTROPY", "RT_LOSS_MSE", "RT_LOSS_PERCEPTRON"};
    static const char *const opts[] = {"RT_OPT_SGD", "RT_OPT_MOMENTUM", "RT_OPT_ADAM"};
    static const char *const norms[] = {"RT_NORM_NONE", "RT_NORM_MINMAX", "RT_NORM_STANDARD"};
    int states = spec->optimizer == OPT_ADAM ? 2 : spec->optimizer == OPT_MOMENTUM ? 1 : 0;
    if (spec->n_classes) {
        emit(e, "\n/* The network file's classes, in the order of the outputs. */\n");
        emit(e, "static const char *const %s_classes[%d] = {", n, spec->n_classes);
        for (int i = 0; i < spec->n_classes; i++) {
            emit(e, i ? ", " : "");
            emit_cstring(e, spec->classes[i]);
        }
        emit(e, "};\n");
    }
    emit(e, "\nstatic const rt_network %s_network = {\n", n);
    emit(e, "    .name = \"%s\",\n    .source = ", n);
    emit_cstring(e, spec->path);
    emit(e, ",\n    .inputs = %s_INPUTS,\n    .outputs = %s_OUTPUTS,\n", g->upper, g->upper);
    emit(e, "    .real_size = sizeof(real),\n    .task = %s,\n    .loss = %s,\n    .optimizer = %s,\n",
         tasks[net->task], losses[spec->loss], opts[spec->optimizer]);
    emit(e, "    .chunk = %s_CHUNK,\n    .n_params = %s_PARAMS,\n", g->upper, g->upper);
    emit(e, "    .n_tensors = %d,\n    .tensors = %s_tensors,\n", n_tensors, n);
    emit(e, "    .params = &%s_param,\n    .grads = &%s_grad,\n    .n_state = %d,\n", n, n, states);
    if (states == 2) emit(e, "    .state = {&%s_state0, &%s_state1},\n", n, n);
    else if (states == 1) emit(e, "    .state = {&%s_state0, NULL},\n", n);
    else emit(e, "    .state = {NULL, NULL},\n");
    emit(e, "    .config = {\n");
    emit(e, "        .epochs = %d,\n        .learning_rate = %.17g,\n        .batch_size = %d,\n", spec->epochs,
         spec->learning_rate, spec->batch_size);
    emit(e, "        .shuffle = %d,\n        .seed = %lluu,\n        .log_every = %d,\n", spec->shuffle,
         (unsigned long long)spec->seed, spec->log_every);
    emit(e, "        .normalize = %s,\n", norms[spec->normalize]);
    emit(e, "        .early_stopping = %d,\n        .patience = %d,\n        .min_delta = %.17g,\n",
         spec->early_stopping, spec->patience, spec->min_delta);
    emit_source(g, "train", &spec->train);
    emit_source(g, "test", &spec->test);
    if (spec->val.kind != RT_SRC_NONE) emit_source(g, "val", &spec->val);
    if (spec->validation > 0) emit(e, "        .validation = %.17g,\n", spec->validation);
    static const char *const schedules[] = {"RT_LR_CONSTANT", "RT_LR_STEP", "RT_LR_EXPONENTIAL", "RT_LR_COSINE"};
    if (spec->lr_schedule != RT_LR_CONSTANT) emit(e, "        .lr_schedule = %s,\n", schedules[spec->lr_schedule]);
    if (spec->lr_schedule == RT_LR_STEP) emit(e, "        .lr_every = %d,\n", spec->lr_every);
    if (spec->lr_schedule == RT_LR_STEP || spec->lr_schedule == RT_LR_EXPONENTIAL)
        emit(e, "        .lr_gamma = %.17g,\n", spec->lr_gamma);
    if (spec->lr_schedule == RT_LR_COSINE) emit(e, "        .lr_min = %.17g,\n", spec->lr_min);
    if (spec->lr_warmup) emit(e, "        .lr_warmup = %d,\n", spec->lr_warmup);
    if (spec->normalize_targets != NORM_NONE)
        emit(e, "        .normalize_targets = %s,\n", norms[spec->normalize_targets]);
    if (spec->n_classes) emit(e, "        .classes = %s_classes,\n        .n_classes = %d,\n", n, spec->n_classes);
    if (spec->augment_flip || spec->augment_shift) {
        const int r = spec->input_rank;
        emit(e, "        .augment_flip = %d,\n        .augment_shift = %d,\n        .image = {%d, %d, %d},\n",
             spec->augment_flip, spec->augment_shift, r == 3 ? spec->input_shape[0] : 1, spec->input_shape[r - 2],
             spec->input_shape[r - 1]);
    }
    emit(e, "    },\n");
    emit(e, "    .step = %s_step,\n    .forward = %s_forward,\n    .update = %s_update,\n", n, n, n);
    if (any_trainable(net)) emit(e, "    .train_step = %s_train_step,\n", n);
    emit(e, "    .selftest = %s_selftest,\n", n);
    emit(e, "};\n");
    emit(e, "\nint main(int argc, char **argv)\n{\n    return %s(argc, argv, &%s_network);\n}\n",
         net->mpi ? "rt_main_mpi" : "rt_main", n);
}

void emit_train(const Net *net, FILE *out, const char *file, const char *command)
{
    Emitter e = {out, 0};
    Gen g = {&e, net, &net->sched, net->spec->name, {0}, precision_bytes[net->spec->precision] == 4, 1, 0};
    for (size_t i = 0; g.name[i]; i++) g.upper[i] = (char)toupper((unsigned char)g.name[i]);
    for (int i = 0; i < net->n_layers; i++)
        if (net->sched.layer[i].mr > g.mr_max) g.mr_max = net->sched.layer[i].mr;
    /* The layers first, into memory: the block kernels printed before them are those they call. */
    char *layers = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&layers, &len);
    if (!mem) unreachable();
    Emitter le = {mem, 0};
    Gen lg = g;
    lg.e = &le;
    for (int i = 0; i < net->n_layers; i++) {
        if (net->layers[i].kind == LAYER_DENSE) emit_forward(&lg, i);
        else if (net->layers[i].kind == LAYER_DROPOUT) emit_dropout_forward(&lg, i);
        else emit_spatial_forward(&lg, i);
    }
    emit_loss(&lg);
    for (int i = net->n_layers - 1; i >= 0; i--) {
        const int dense = net->layers[i].kind == LAYER_DENSE;
        if (net->sched.layer[i].propagate) {
            if (dense) emit_propagate(&lg, i);
            else if (net->layers[i].kind == LAYER_DROPOUT) emit_dropout_propagate(&lg, i);
            else emit_spatial_propagate(&lg, i);
        }
        if (net->layers[i].trainable) {
            if (dense) emit_backward(&lg, i);
            else emit_conv_backward(&lg, i);
        }
    }
    fclose(mem);
    g.uses = lg.uses;

    emit_header(&g, file, command);
    emit_storage(&g);
    emit_activations(&g);
    emit_kernels(&g);
    emit_optimizer(&g);
    emit_dropout_mask(&g);
    fputs(layers, out);
    free(layers);
    emit_step(&g);
    emit_update(&g);
    emit_reference(&g);
    emit_selftest(&g);
    emit_tables(&g);
    scratch_free();
}
