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
    const char *name;
    char upper[NNCC_MAX_NAME + 1];
    int f32;
    int threads; /* step() and forward() open a parallel region (work_per_step() >= OMP_MIN_WORK) */
} Gen;

/* Multiply-adds per step() call above which the work is split over threads. With the threads
 * sleeping at barriers (the runtime's default, see rt_main.c) a fork/join or a barrier costs a
 * wake-up, 50-100 us on a virtual machine: about 4e6 multiply-adds on one core (the notes' deep
 * net on 1000 points, 5.6e5 a step: 9000 iterations/s on one thread, 6600 on two). */
enum { OMP_MIN_WORK = 1 << 22 };

/* Threads split a step's rows, and each thread reads every weight, which the update has just
 * written on one core or the other: with fewer rows than this per step, moving the weights
 * between the cores costs more than the second core gives (Fashion 784-256-128-10, batch 64:
 * 0.43 s an epoch on one thread, 0.50 s on two). */
enum { MIN_PARALLEL_ROWS = 128 };

/* work: multiply-adds per row of a chunk. The update's own region. */
static const char *omp(const Gen *g, size_t work)
{
    return work * (size_t)g->net->chunk >= OMP_MIN_WORK ? "NNCC_OMP_FOR" : "/* serial: too small for threads */";
}

/* Multiply-adds of one step() call: the forward's, per row, times the chunk. */
static size_t work_per_step(const Net *net)
{
    size_t w = 0;
    for (int i = 0; i < net->n_layers; i++) w += (size_t)net->layers[i].fan_in * (size_t)net->layers[i].units;
    return w * (size_t)net->chunk;
}

/* A loop inside step()'s parallel region, split over the threads with no barrier after it. */
static const char *omp_nowait(const Gen *g)
{
    return g->threads ? "NNCC_OMP_FOR_NOWAIT" : "/* serial: too small for threads */";
}

/* Register blocks of the dense kernels: MR broadcast values times NR vector lanes of sums. 12 x 32
 * floats (or 12 x 16 doubles) are 24 AVX-512 registers: enough independent sums to keep both FMA
 * units busy through their latency, with room left for the operands. The forward and dW take MR
 * units a block, the propagation MR_ROWS rows (a divisor of NR, so that a thread's rows, whole
 * blocks of NR, are whole blocks of MR_ROWS too). */
enum { MR_BLOCK = 12, MR_ROWS = 8 };

/* Cache blocking of the forward and the propagation: KC inputs (or units) at a time, so that the
 * KC x NR operand slice read by every register block of a row block (16 KiB of float) stays in L1;
 * and the forward's units in panels of about PANEL_BYTES of weights, read from L2 by every row
 * block of the thread. */
enum { KC_BLOCK = 128, PANEL_BYTES = 256 * 1024 };

static int nr_lanes(const Gen *g)
{
    return g->f32 ? 32 : 16;
}

/* Layers with fewer units than this take the row-by-row forward (dense_forward_rows.c) when
 * their input would otherwise have to be transposed for them: the first layer, fed by X. A
 * blocked forward reads its input feature by feature, A^T, which the layer below writes for free
 * from its register blocks but X has to be transposed for, a scattered store per input and row:
 * for a wide X and a unit or two that costs several times the products (cats-vs-dogs' one neuron
 * on 4096 pixels: 6x the whole step). Dot products over X's rows as they are need no copy. */
enum { ROW_UNITS = 4 };

/* Whether layer i's forward goes row by row, reading its input as it is (not transposed). */
static int forward_by_rows(const Net *net, int i)
{
    return i == 0 && net->layers[i].units < ROW_UNITS;
}

/* Whether layer i's forward reads its input transposed: X^T for i = 0, else A_i^T, which the
 * layer below then stores. */
static int reads_transposed(const Net *net, int i)
{
    return i < net->n_layers && !forward_by_rows(net, i);
}

/* The row stride of layer i's A and dZ (i = -1: X, as the runtime hands it over). A row of a
 * whole number of KiB would put the rows' lines in the same few L1 sets (L1 is indexed by the
 * address modulo 4 KiB), so that the blocks that run down the rows (dW, the propagation) would
 * miss L1 on every row: such rows get one more cache line. The output layer's rows stay dense
 * (the loss and forward() read them as they are). */
static int row_stride(const Gen *g, int i)
{
    const Net *net = g->net;
    if (i < 0) return net->inputs;
    const int units = net->layers[i].units, size = g->f32 ? 4 : 8;
    if (i == net->n_layers - 1 || units * size % 1024 != 0) return units;
    return units + 64 / size;
}

/* Layer i's row strides as template text: its input's (row_stride(i - 1)) and its own. */
typedef struct Strides {
    char in[16], out[16];
} Strides;

static Strides strides_of(const Gen *g, int i)
{
    Strides ld;
    snprintf(ld.in, sizeof ld.in, "%d", row_stride(g, i - 1));
    snprintf(ld.out, sizeof ld.out, "%d", row_stride(g, i));
    return ld;
}

/* Whether layer i's dW reads dZ_i transposed, dZ_i^T (units, rows), which the propagation from
 * the layer above writes beside dZ_i: a hidden trainable layer. dW runs down the rows of dZ for
 * a few units at a time; row by row, those reads are a row's length apart (KiBs: past the
 * hardware prefetchers), column by column they are consecutive. */
static int dw_reads_transposed(const Net *net, int i)
{
    return i < net->n_layers - 1 && net->layers[i].trainable;
}

/* Rows of the activation buffers: the chunk padded to whole blocks of NR rows. */
static int padded_rows(const Gen *g)
{
    int nr = nr_lanes(g);
    return (g->net->chunk + nr - 1) / nr * nr;
}

/* The row stride of dZ^T: the padded rows, one cache line more when that is a whole number of
 * KiB (see row_stride). */
static int transposed_stride(const Gen *g)
{
    const int rows = padded_rows(g), size = g->f32 ? 4 : 8;
    return rows * size % 1024 == 0 ? rows + 64 / size : rows;
}

/* Appends s to a growing string *buf (NULL to start). */
static void append(char **buf, const char *s)
{
    size_t have = *buf ? strlen(*buf) : 0, add = strlen(s);
    char *grown = xcalloc(have + add + 1, 1);
    if (*buf) memcpy(grown, *buf, have);
    memcpy(grown + have, s, add);
    free(*buf);
    *buf = grown;
}

static char *expand(const char *template_name, const TemplateArg *args, int n)
{
    char *err, *s = template_expand(template_get(template_name), args, n, &err);
    if (!s) {
        fprintf(stderr, "nncc: internal error: template %s: %s\n", template_name, err);
        unreachable();
    }
    return s;
}

/* [0, n) cut into whole blocks of b and a tail: range k (0 main, 1 tail) as [*lo, *hi) in steps
 * of *step; returns 0 when that range is empty. */
static int block_range(int n, int b, int k, int *lo, int *hi, int *step)
{
    int whole = n / b * b;
    if (k == 0) *lo = 0, *hi = whole, *step = b;
    else *lo = whole, *hi = n, *step = n - whole;
    return *hi > *lo;
}

/* A literal of the network's precision. */
static char *lit(double v)
{
    return xasprintf("%.17g", v);
}

/* The activation applied in place to a[0..units) of one row (r is the row). */
static char *activate_code(const Gen *g, const Layer *l, int is_output)
{
    int n = l->units;
    switch (l->act) {
    case ACT_STEP: return xasprintf("for (int j = 0; j < %d; j++) a[j] = a[j] >= 0 ? R(1) : R(0); /* step */", n);
    case ACT_SIGMOID: return xasprintf("for (int j = 0; j < %d; j++) a[j] = sigmoid_r(a[j]);", n);
    case ACT_TANH: return xasprintf("for (int j = 0; j < %d; j++) a[j] = tanh_r(a[j]);", n);
    case ACT_RELU: return xasprintf("for (int j = 0; j < %d; j++) a[j] = a[j] > 0 ? a[j] : 0;", n);
    case ACT_LEAKY_RELU:
        return xasprintf("for (int j = 0; j < %d; j++) a[j] = a[j] > 0 ? a[j] : R(0.01) * a[j];", n);
    case ACT_LINEAR: return xstrdup("/* linear: A = Z */");
    case ACT_SOFTMAX: {
        char *keep = is_output && g->net->spec->loss == LOSS_CROSS_ENTROPY
                         ? xasprintf("memcpy(%s_zout[r], a, sizeof %s_zout[r]); /* Z for the loss */\n        ",
                                     g->name, g->name)
                         : xstrdup("");
        char *code = xasprintf("%s{ /* softmax, shifted by the row's max so exp never overflows */\n"
                         "            real zmax = a[0], sum = 0;\n"
                         "            for (int j = 1; j < %d; j++) zmax = a[j] > zmax ? a[j] : zmax;\n"
                         "            for (int j = 0; j < %d; j++) sum += a[j] = exp_r(a[j] - zmax);\n"
                         "            for (int j = 0; j < %d; j++) a[j] /= sum;\n"
                         "        }",
                         keep, n, n, n);
        free(keep);
        return code;
    }
    default: unreachable();
    }
}

/* g'(Z) written in terms of A = g(Z), for element `a` (an lvalue expression). */
static char *derivative_code(Activation act, const char *a)
{
    switch (act) {
    case ACT_SIGMOID: return xasprintf("%s * (1 - %s)", a, a);
    case ACT_TANH: return xasprintf("(1 - %s * %s)", a, a);
    case ACT_RELU: return xasprintf("(%s > 0 ? R(1) : R(0))", a);
    case ACT_LEAKY_RELU: return xasprintf("(%s > 0 ? R(1) : R(0.01))", a);
    case ACT_LINEAR: return xstrdup("R(1)");
    case ACT_STEP: return xstrdup("R(0) /* step: no gradient */");
    default: unreachable();
    }
}

static const char *derivative_formula(Activation act)
{
    switch (act) {
    case ACT_SIGMOID: return "A(1 - A)";
    case ACT_TANH: return "1 - A^2";
    case ACT_RELU: return "[A > 0]";
    case ACT_LEAKY_RELU: return "[A > 0] + 0.01 [A <= 0]";
    case ACT_LINEAR: return "1";
    default: return "0";
    }
}

static char *num(long long v)
{
    return xasprintf("%lld", v);
}

static void emit_header(Gen *g, const char *file, const char *command)
{
    const Net *net = g->net;
    const Spec *spec = net->spec;
    char summary[1024];
    size_t len = (size_t)snprintf(summary, sizeof summary, "%d", net->inputs);
    for (int i = 0; i < net->n_layers && len < sizeof summary; i++)
        len += (size_t)snprintf(summary + len, sizeof summary - len, " -> %d (%s)", net->layers[i].units,
                                activation_names[net->layers[i].act]);
    char *cmd = emit_comment_safe(command), *src = emit_comment_safe(spec->path), *fname = emit_comment_safe(file);
    char *inputs = num(net->inputs), *outputs = num(net->outputs), *chunk = num(net->chunk);
    char *params = num((long long)net->n_params);
    /* Only the math helpers this network calls: an unused static function is a warning. */
    int uses[ACT_COUNT] = {0};
    for (int i = 0; i < net->n_layers; i++) uses[net->layers[i].act] = 1;
    char math[4096] = "";
    size_t ml = 0;
    const char *sfx = g->f32 ? "f" : "";
    if ((uses[ACT_SIGMOID] || uses[ACT_SOFTMAX]) && g->f32)
        ml += (size_t)snprintf(math + ml, sizeof math - ml, "%s\nstatic inline real exp_r(real x) { return nncc_expf(x); }\n",
                               template_get("fastexp.c"));
    else if (uses[ACT_SIGMOID] || uses[ACT_SOFTMAX])
        ml += (size_t)snprintf(math + ml, sizeof math - ml, "static inline real exp_r(real x) { return exp%s(x); }\n", sfx);
    if (uses[ACT_SIGMOID])
        ml += (size_t)snprintf(math + ml, sizeof math - ml, "static inline real sigmoid_r(real z) { return 1 / (1 + exp_r(-z)); }\n");
    if (uses[ACT_TANH])
        ml += (size_t)snprintf(math + ml, sizeof math - ml, "static inline real tanh_r(real x) { return tanh%s(x); }\n", sfx);
    if (spec->optimizer == OPT_ADAM)
        ml += (size_t)snprintf(math + ml, sizeof math - ml, "static inline real sqrt_r(real x) { return sqrt%s(x); }\n", sfx);
    TemplateArg args[] = {
        {"FILE", fname},
        {"NAME", g->name},
        {"UPPER", g->upper},
        {"VERSION", NNCC_VERSION},
        {"SOURCE", src},
        {"COMMAND", cmd},
        {"SUMMARY", summary},
        {"LOSS", loss_names[spec->loss]},
        {"OPTIMIZER", optimizer_names[spec->optimizer]},
        {"PRECISION", precision_names[spec->precision]},
        {"INPUTS", inputs},
        {"OUTPUTS", outputs},
        {"CHUNK", chunk},
        {"PARAMS", params},
        {"REAL", g->f32 ? "float" : "double"},
        {"MATH", math},
    };
    emit_template(g->e, "train_header.c", args, (int)ARRAY_LEN(args));
    free(cmd), free(src), free(fname), free(inputs), free(outputs), free(chunk), free(params);
}

static int needs_propagate(const Net *net, int layer)
{
    for (int k = 0; k < layer; k++)
        if (net->layers[k].trainable) return 1;
    return 0;
}

static int needs_backward(const Net *net, int layer)
{
    return net->layers[layer].trainable || needs_propagate(net, layer);
}

static int any_trainable(const Net *net)
{
    for (int i = 0; i < net->n_layers; i++)
        if (net->layers[i].trainable) return 1;
    return 0;
}

/* Parameters, gradients and optimiser state: one struct each, all the same layout, so the
 * update can walk them as flat arrays and the runtime can save them as one block. */
static void emit_storage(Gen *g)
{
    Emitter *e = g->e;
    const Net *net = g->net;
    const char *n = g->name;
    emit(e, "\n/* The lanes of a register block are one vector loop: without this gcc unrolls them first and\n"
            " * then vectorises across the rows, with shuffles (several times slower). */\n"
            "#if defined(_OPENMP)\n#define NNCC_SIMD NNCC_PRAGMA(omp simd)\n"
            "#elif defined(__GNUC__) && !defined(__clang__)\n#define NNCC_SIMD _Pragma(\"GCC unroll 1\")\n"
            "#else\n#define NNCC_SIMD\n#endif\n");
    emit(e, "\n/* Parameters W_l (units, fan_in) and b_l (units): PyTorch's nn.Linear layout. */\n");
    emit(e, "typedef struct %s_params {\n", n);
    for (int i = 0; i < net->n_layers; i++) {
        const Layer *l = &net->layers[i];
        emit(e, "    real w%d[%d][%d]; /* layers.%d.weight */\n", i + 1, l->units, l->fan_in, i);
        emit(e, "    real b%d[%d];     /* layers.%d.bias */\n", i + 1, l->units, i);
    }
    emit(e, "} %s_params;\n", n);
    emit(e, "typedef char %s_layout_check[sizeof(%s_params) == %s_PARAMS * sizeof(real) ? 1 : -1];\n\n", n, n,
         g->upper);
    emit(e, "static %s_params %s_param; /* W, b */\n", n, n);
    emit(e, "static %s_params %s_grad;  /* dW, db summed over the batch so far */\n", n, n);
    int states = net->spec->optimizer == OPT_ADAM ? 2 : net->spec->optimizer == OPT_MOMENTUM ? 1 : 0;
    for (int s = 0; s < states; s++)
        emit(e, "static %s_params %s_state%d; /* %s */\n", n, n, s,
             net->spec->optimizer == OPT_MOMENTUM ? "velocity" : s == 0 ? "first moment" : "second moment");

    emit(e, "\n/* One chunk's activations A_l and output gradients dZ_l, (%s_ROWS, units), and the\n"
            " * activations again feature by feature, A_l^T (units, %s_ROWS), for the next layer's forward.\n"
            " * %s_ROWS is the chunk padded to whole blocks of %d rows. */\n",
         g->upper, g->upper, g->upper, nr_lanes(g));
    emit(e, "#define %s_ROWS %d\n", g->upper, padded_rows(g));
    if (reads_transposed(net, 0))
        emit(e, "static real %s_xt[%d][%s_ROWS]; /* X^T */\n", n, net->inputs, g->upper);
    for (int i = 0; i < net->n_layers; i++) {
        const Layer *l = &net->layers[i];
        emit(e, "static real %s_a%d[%s_ROWS][%d]", n, i + 1, g->upper, row_stride(g, i));
        if (reads_transposed(net, i + 1)) emit(e, ", %s_at%d[%d][%s_ROWS]", n, i + 1, l->units, g->upper);
        /* dZ of the output layer holds the loss's gradient even when nothing is trained */
        if (needs_backward(net, i) || i == net->n_layers - 1)
            emit(e, ", %s_dz%d[%s_ROWS][%d]", n, i + 1, g->upper, row_stride(g, i));
        if (dw_reads_transposed(net, i)) emit(e, ", %s_dzt%d[%d][%d] /* dZ^T */", n, i + 1, l->units, transposed_stride(g));
        emit(e, ";\n");
    }
    if (net->spec->loss == LOSS_CROSS_ENTROPY)
        emit(e, "static real %s_zout[%s_CHUNK][%d]; /* Z of the softmax layer, for a stable log-loss */\n", n,
             g->upper, net->outputs);
    emit(e, "static double %s_row_loss[%s_CHUNK], %s_row_correct[%s_CHUNK]; /* each row's, summed in row order */\n",
         n, g->upper, n, g->upper);

    if (any_trainable(net))
        emit(e, "\n/* The optimiser's constants for the batch in progress, set by train_step() for the update that\n"
                " * backward() takes as each block of dW is complete (see update() for their meaning). */\n"
                "static struct { real %s; } %s_hp;\n",
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

/* One element z of Z in registers becomes A = g(z); softmax works on whole rows, after the blocks. */
static const char *activate_elem(Activation act)
{
    switch (act) {
    case ACT_STEP: return "z = z >= 0 ? R(1) : R(0); /* step */";
    case ACT_SIGMOID: return "z = sigmoid_r(z);";
    case ACT_TANH: return "z = tanh_r(z);";
    case ACT_RELU: return "z = z > 0 ? z : 0;";
    case ACT_LEAKY_RELU: return "z = z > 0 ? z : R(0.01) * z;";
    case ACT_LINEAR: return "/* linear: A = Z */";
    case ACT_SOFTMAX: return "/* softmax: over each row, below */";
    default: unreachable();
    }
}

/* Whether the activation's loop over a block's lanes vectorises: a libm call (tanh, double exp)
 * does not, and clang rejects an `omp simd` it cannot honour (-Wpass-failed, an error with -Werror). */
static int act_vectorises(const Gen *g, Activation act)
{
    return act != ACT_TANH && !(act == ACT_SIGMOID && !g->f32);
}

/* The softmax over each row of A, after the blocks; empty for the other activations. */
static char *row_activate(const Gen *g, const Layer *l, int last)
{
    if (l->act != ACT_SOFTMAX) return xstrdup("");
    char *act = activate_code(g, l, last);
    char *s = xasprintf("    for (int r = lo; r < (hi < m ? hi : m); r++) {\n        real *restrict a = a_out + (size_t)r * %d;\n        %s\n    }\n",
                        l->units, act);
    free(act);
    return s;
}

/* The row-by-row forward of a layer with few units (forward_by_rows). */
static void emit_layer_forward_rows(Gen *g, int i)
{
    const Strides ld = strides_of(g, i);
    const Net *net = g->net;
    const Layer *l = &net->layers[i];
    const int last = i == net->n_layers - 1, store_t = reads_transposed(net, i + 1);
    /* Rows per block: a power of two up to ROW_SUMS sums, so that blocks, which start at a
     * thread's lo (a multiple of NR), fall on the same rows for any thread count and every row is
     * computed by the same code: bit-identical results (gcc vectorises a block across its rows,
     * with separate multiplies and adds where a one-row tail may contract to an FMA). 8 sums:
     * 1 unit x 8 rows was the fastest at -O2 and within 3% of the best at -O3 -march=native. */
    enum { ROW_SUMS = 8 };
    int rb = 1;
    while (rb * 2 * l->units <= ROW_SUMS && rb * 2 <= nr_lanes(g)) rb *= 2;
    char *L = num(i + 1), *P = num(i), *in = num(l->fan_in), *out = num(l->units);
    char *store = store_t ? xasprintf("at_out[(size_t)u * %s_ROWS + r0 + v] = z; /* A^T for the next layer */", g->upper)
                          : xstrdup(last ? "/* output layer: no A^T needed */" : "/* the next layer reads A, not A^T */");
    char *blocks = NULL;
    for (int k = 0; k < 2; k++) { /* blocks of rb rows, then the rows left one at a time */
        char *RB = num(k == 0 ? rb : 1);
        if (k == 1 && rb == 1) {
            free(RB);
            break;
        }
        TemplateArg a[] = {{"NAME", g->name}, {"L", L}, {"IN", in}, {"OUT", out}, {"RB", RB},
                           {"WHAT", k == 0 ? "a block of rows" : "the rows left, one at a time"},
                           {"ACT_ELEM", activate_elem(l->act)}, {"STORE_T", store}, {"OUT_LD", ld.out}};
        char *b = expand("dense_forward_rows_block.c", a, (int)ARRAY_LEN(a));
        append(&blocks, b);
        free(b), free(RB);
    }
    char *row_act = row_activate(g, l, last);
    char *at_doc = store_t ? xasprintf(" and A%d^T (%d, m)", i + 1, l->units) : xstrdup("");
    char *MRs = num(MR_BLOCK), *NRs = num(nr_lanes(g)), *RBs = num(rb);
    TemplateArg args[] = {
        {"NAME", g->name}, {"L", L}, {"P", P}, {"IN", in}, {"OUT", out}, {"ACT", activation_names[l->act]},
        {"AT_DOC", at_doc}, {"MR", MRs}, {"NR", NRs}, {"RB", RBs}, {"BLOCKS", blocks}, {"ROW_ACTIVATE", row_act},
    };
    emit_template(g->e, "dense_forward_rows.c", args, (int)ARRAY_LEN(args));
    free(L), free(P), free(in), free(out), free(store), free(blocks), free(row_act), free(at_doc), free(MRs), free(NRs),
        free(RBs);
}

static void emit_layer_forward(Gen *g, int i)
{
    const Strides ld = strides_of(g, i);
    const Net *net = g->net;
    const Layer *l = &net->layers[i];
    if (forward_by_rows(net, i)) {
        emit_layer_forward_rows(g, i);
        return;
    }
    const int last = i == net->n_layers - 1, nr = nr_lanes(g), keep_t = reads_transposed(net, i + 1);
    char *L = num(i + 1), *P = num(i), *in = num(l->fan_in), *out = num(l->units), *NR = num(nr);
    char *blocks = NULL;
    for (int k = 0; k < 2; k++) {
        int lo, hi, step;
        if (!block_range(l->units, MR_BLOCK, k, &lo, &hi, &step)) continue;
        /* without A^T to keep the partial sums in, one slice of all the inputs */
        const int kc = keep_t && l->fan_in > KC_BLOCK ? KC_BLOCK : l->fan_in;
        int panel = PANEL_BYTES / (l->fan_in * (g->f32 ? 4 : 8)) / step * step;
        if (panel < step) panel = step;
        char *J0 = num(lo), *J1 = num(hi), *MR = num(step), *KC = num(kc), *PANEL = num(panel);
        char *store_t = !keep_t ? xstrdup(last ? "/* output layer: no A^T needed */" : "/* the next layer reads A, not A^T */")
                             : xasprintf("NNCC_SIMD for (int v = 0; v < %d; v++) at_out[(size_t)(j0 + u) * %s_ROWS + r0 + v] = acc[u][v];",
                                         nr, g->upper);
        TemplateArg a[] = {
            {"NAME", g->name}, {"UPPER", g->upper}, {"L", L}, {"IN", in}, {"OUT", out}, {"J0", J0}, {"J1", J1},
            {"MR", MR}, {"NR", NR}, {"KC", KC}, {"PANEL", PANEL}, {"ACT_ELEM", activate_elem(l->act)}, {"STORE_T", store_t},
            {"OUT_LD", ld.out},
            {"ACT_SIMD", act_vectorises(g, l->act) ? "NNCC_SIMD " : "/* a libm call: not omp simd */ "},
        };
        char *b = expand("dense_forward_block.c", a, (int)ARRAY_LEN(a));
        append(&blocks, b);
        free(b), free(J0), free(J1), free(MR), free(KC), free(PANEL), free(store_t);
    }
    char *row_act = row_activate(g, l, last);
    char *at_doc = !keep_t ? xstrdup("") : xasprintf(" and A%d^T (%d, m)", i + 1, l->units);
    char *MRs = num(MR_BLOCK);
    TemplateArg args[] = {
        {"NAME", g->name}, {"L", L}, {"P", P}, {"IN", in}, {"OUT", out},
        {"ACT", activation_names[l->act]}, {"AT_DOC", at_doc}, {"MR", MRs}, {"NR", NR},
        {"BLOCKS", blocks}, {"ROW_ACTIVATE", row_act},
    };
    emit_template(g->e, "dense_forward.c", args, (int)ARRAY_LEN(args));
    free(L), free(P), free(in), free(out), free(NR), free(blocks), free(row_act), free(at_doc), free(MRs);
}

/* One element's optimiser step, as update() takes it (templates/update_*_range.c): the batch's
 * gradient sum `sum`, the parameter `p` and the optimiser's state `s0`, `s1` (lvalues). */
static char *update_elem(const Gen *g, const char *sum, const char *p, const char *s0, const char *s1)
{
    const Spec *spec = g->net->spec;
    char *decay = spec->weight_decay > 0 ? xasprintf(" + lambda * %s", p) : xstrdup("");
    char *code;
    switch (spec->optimizer) {
    case OPT_SGD: code = xasprintf("const real d = %s * scale%s;\n%s -= alpha * d;", sum, decay, p); break;
    case OPT_MOMENTUM:
        code = xasprintf("const real d = %s * scale%s;\n%s = mu * %s + d;\n%s -= alpha * %s;", sum, decay, s0, s0, p, s0);
        break;
    default:
        code = xasprintf("const real d = %s * scale%s;\n%s = b1 * %s + (1 - b1) * d;\n%s = b2 * %s + (1 - b2) * d * d;\n"
                         "%s -= step * %s / (sqrt_r(%s) / bc2_sqrt + eps);",
                         sum, decay, s0, s0, s1, s1, p, s0, s1);
        break;
    }
    free(decay);
    return code;
}

/* Code of several lines, the lines after the first indented by `indent` spaces. */
static char *indent_lines(const char *code, int indent)
{
    char *out = xstrdup("");
    for (const char *c = code; *c; c++) {
        char piece[2] = {*c, 0};
        append(&out, piece);
        if (*c == '\n') {
            char *pad = xasprintf("%*s", indent, "");
            append(&out, pad);
            free(pad);
        }
    }
    return out;
}

/* Pointers to one row of the optimiser's state beside p, for the fused update. */
static char *state_rows(const Gen *g, const char *fmt_tensor, int indent)
{
    int states = g->net->spec->optimizer == OPT_ADAM ? 2 : g->net->spec->optimizer == OPT_MOMENTUM ? 1 : 0;
    char *out = xstrdup("");
    for (int k = 0; k < states; k++) {
        char *tensor = xasprintf(fmt_tensor, g->name, k);
        char *line = xasprintf("\n%*sreal *restrict s%d = %s;", indent, "", k, tensor);
        append(&out, line);
        free(tensor), free(line);
    }
    return out;
}

/* The optimiser's constants for the fused update, as update() computes them. */
static char *update_constants(const Gen *g)
{
    const Spec *spec = g->net->spec;
    char *wd = lit(spec->weight_decay), *s;
    switch (spec->optimizer) {
    case OPT_SGD:
        s = xasprintf("    const real alpha = %s_hp.alpha, scale = %s_hp.scale, lambda = R(%s);\n"
                      "    (void)alpha, (void)scale, (void)lambda;",
                      g->name, g->name, wd);
        break;
    case OPT_MOMENTUM: {
        char *mom = lit(spec->momentum);
        s = xasprintf("    const real alpha = %s_hp.alpha, scale = %s_hp.scale, lambda = R(%s), mu = R(%s);\n"
                      "    (void)alpha, (void)scale, (void)lambda, (void)mu;",
                      g->name, g->name, wd, mom);
        free(mom);
        break;
    }
    default: {
        char *b1 = lit(spec->beta1), *b2 = lit(spec->beta2), *eps = lit(spec->epsilon);
        s = xasprintf("    const real step = %s_hp.step, scale = %s_hp.scale, bc2_sqrt = %s_hp.bc2_sqrt, lambda = R(%s);\n"
                      "    const real b1 = R(%s), b2 = R(%s), eps = R(%s);\n"
                      "    (void)step, (void)scale, (void)bc2_sqrt, (void)lambda, (void)b1, (void)b2, (void)eps;",
                      g->name, g->name, g->name, wd, b1, b2, eps);
        free(b1), free(b2), free(eps);
        break;
    }
    }
    free(wd);
    return s;
}

/* dW, db of a trainable layer: every row of the chunk, split over blocks. */
static void emit_layer_backward(Gen *g, int i)
{
    const Strides ld = strides_of(g, i);
    const Net *net = g->net;
    const Layer *l = &net->layers[i];
    const int nr = nr_lanes(g);
    char *L = num(i + 1), *P = num(i), *in = num(l->fan_in), *out = num(l->units), *MRs = num(MR_BLOCK), *NRs = num(nr);
    char *blocks = NULL;
    for (int kj = 0; kj < 2; kj++)
        for (int ki = 0; ki < 2; ki++) {
            int jlo, jhi, jstep, ilo, ihi, istep;
            if (!block_range(l->units, MR_BLOCK, kj, &jlo, &jhi, &jstep)) continue;
            if (!block_range(l->fan_in, nr, ki, &ilo, &ihi, &istep)) continue;
            char *J0 = num(jlo), *J1 = num(jhi), *MR = num(jstep), *I0 = num(ilo), *I1 = num(ihi), *NR = num(istep);
            /* the threads split the (inputs, units) blocks, each a whole sum over the rows */
            const char *split = g->threads ? "NNCC_OMP_FOR2_NOWAIT" : "/* serial: too small for threads */";
            char *tensor_fmt = xasprintf("%%s_state%%d.w%d[j0 + u] + i0", i + 1);
            const int tr = dw_reads_transposed(net, i);
            char *dz_row = tr ? xstrdup("/* dZ^T: each unit's rows side by side */")
                              : xasprintf("const real *restrict d = dz + (size_t)r * %s + j0;", ld.out);
            char *dz_elem = tr ? xasprintf("%s_dzt%d[j0 + u][r]", g->name, i + 1) : xstrdup("d[u]");
            char *rows = state_rows(g, tensor_fmt, 20);
            char *el = update_elem(g, "acc[u][v]", "p[v]", "s0[v]", "s1[v]"), *elem = indent_lines(el, 24);
            TemplateArg a[] = {
                {"NAME", g->name}, {"L", L}, {"IN_LD", ld.in}, {"J0", J0}, {"J1", J1}, {"MR", MR},
                {"I0", I0}, {"I1", I1}, {"NR", NR}, {"OMP", split}, {"STATE_ROWS", rows}, {"UPDATE_ELEM", elem},
                {"UPDATE_SIMD", g->net->spec->optimizer == OPT_ADAM ? "/* sqrt: a libm call, not omp simd */ " : "NNCC_SIMD "},
                {"DZ_ROW", dz_row}, {"DZ_ELEM", dz_elem},
            };
            char *b = expand("dense_weight_grads_block.c", a, (int)ARRAY_LEN(a));
            append(&blocks, b);
            free(b), free(J0), free(J1), free(MR), free(I0), free(I1), free(NR), free(tensor_fmt), free(rows), free(el),
                free(elem), free(dz_row), free(dz_elem);
        }
    char *bias_fmt = xasprintf("%%s_state%%d.b%d + j", i + 1);
    char *bias_rows = state_rows(g, bias_fmt, 12);
    char *bel = update_elem(g, "gb", "p[0]", "s0[0]", "s1[0]"), *belem = indent_lines(bel, 12);
    TemplateArg a[] = {{"NAME", g->name}, {"L", L},   {"OUT", out},          {"MR", MRs}, {"OUT_LD", ld.out},
                       {"NR", NRs},       {"BLOCKS", blocks}, {"OMP", omp_nowait(g)}, {"STATE_BIAS", bias_rows},
                       {"UPDATE_BIAS", belem}};
    char *weights = expand("dense_weight_grads.c", a, (int)ARRAY_LEN(a));
    char *consts = update_constants(g);
    TemplateArg args[] = {{"NAME", g->name}, {"L", L}, {"P", P}, {"OUT", out}, {"WEIGHT_GRADS", weights},
                          {"CONSTANTS", consts}};
    emit_template(g->e, "dense_backward.c", args, (int)ARRAY_LEN(args));
    free(L), free(P), free(in), free(out), free(weights), free(blocks), free(MRs), free(NRs), free(bias_fmt),
        free(bias_rows), free(bel), free(belem), free(consts);
}

/* dZ of the layer below from this layer's dZ, row by row: one thread's rows. */
static void emit_layer_propagate(Gen *g, int i)
{
    const Strides ld = strides_of(g, i);
    const Net *net = g->net;
    const Layer *l = &net->layers[i], *prev = &net->layers[i - 1];
    const int nr = nr_lanes(g);
    char *L = num(i + 1), *P = num(i), *in = num(l->fan_in), *out = num(l->units), *MRs = num(MR_ROWS), *NRs = num(nr);
    char *KC = num(l->units > KC_BLOCK ? KC_BLOCK : l->units);
    char *deriv = derivative_code(prev->act, "a[i]");
    char *blocks = NULL;
    for (int ki = 0; ki < 2; ki++) {
        int ilo, ihi, istep;
        if (!block_range(l->fan_in, nr, ki, &ilo, &ihi, &istep)) continue;
        char *I0 = num(ilo), *I1 = num(ihi), *NR = num(istep);
        /* dZ^T of the layer below, for its dW (dw_reads_transposed) */
        char *store_t = dw_reads_transposed(net, i - 1)
                            ? xasprintf("for (int i = 0; i < %d; i++) %s_dzt%d[i0 + i][r0 + u] = g[i]; /* dZ%d^T */", istep,
                                        g->name, i, i)
                            : xstrdup("/* dW of the layer below reads dZ as it is */");
        TemplateArg a[] = {
            {"NAME", g->name}, {"L", L},   {"P", P}, {"IN_LD", ld.in}, {"OUT", out}, {"MR", MRs}, {"I0", I0}, {"I1", I1},
            {"NR", NR},        {"KC", KC}, {"DERIVATIVE", deriv}, {"OUT_LD", ld.out}, {"STORE_T", store_t},
        };
        char *b = expand("dense_propagate_block.c", a, (int)ARRAY_LEN(a));
        append(&blocks, b);
        free(b), free(I0), free(I1), free(NR), free(store_t);
    }
    TemplateArg args[] = {
        {"NAME", g->name}, {"L", L}, {"P", P}, {"IN", in}, {"OUT", out}, {"MR", MRs}, {"NR", NRs},
        {"DERIVATIVE_DOC", derivative_formula(prev->act)}, {"BLOCKS", blocks},
    };
    emit_template(g->e, "dense_propagate.c", args, (int)ARRAY_LEN(args));
    free(L), free(P), free(in), free(out), free(MRs), free(NRs), free(KC), free(deriv), free(blocks);
}

static void emit_loss(Gen *g)
{
    const Net *net = g->net;
    const Layer *last = &net->layers[net->n_layers - 1];
    char *out = num(net->outputs);
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
        char *deriv;
        if (last->act == ACT_SOFTMAX) {
            deriv = xasprintf("{ /* softmax Jacobian: dZ_k = A_k (dA_k - sum_j dA_j A_j) */\n"
                              "            double s = 0;\n"
                              "            for (int k = 0; k < %d; k++) s += (double)d[k] * p[k];\n"
                              "            for (int k = 0; k < %d; k++) d[k] = (real)(p[k] * (d[k] - s));\n"
                              "        }",
                              net->outputs, net->outputs);
        } else if (last->act == ACT_LINEAR) {
            deriv = xstrdup("/* linear output: dZ = dA */");
        } else {
            char *dc = derivative_code(last->act, "p[k]");
            deriv = xasprintf("for (int k = 0; k < %d; k++) d[k] *= %s;", net->outputs, dc);
            free(dc);
        }
        TemplateArg args[] = {{"NAME", g->name}, {"OUT", out}, {"OUTPUT_DERIVATIVE", deriv}};
        emit_template(g->e, "loss_mse.c", args, 3);
        free(deriv);
        break;
    }
    default: unreachable();
    }
    free(out);
}

/* The start of step()'s and forward()'s body: the parallel region (or a plain block), and this
 * thread's rows [lo, hi), whole blocks of NR, the same share for every layer. */
static void emit_region_open(Gen *g, const char *what)
{
    const int nr = nr_lanes(g);
    emit(g->e, "    const int blocks = (m + %d - 1) / %d; /* of %d rows */\n", nr, nr, nr);
    if (!g->threads) {
        emit(g->e, "    /* serial: too small for threads */\n    {\n");
        emit(g->e, "        const int lo = 0, hi = blocks * %d; /* every row */\n", nr);
        return;
    }
    emit(g->e, "    NNCC_OMP_PARALLEL /* one region per call: %s */\n    {\n", what);
    emit(g->e, "        const int t = NNCC_THREAD(), nt = NNCC_THREADS();\n");
    emit(g->e, "        const int lo = blocks * t / nt * %d, hi = blocks * (t + 1) / nt * %d; /* this thread's rows */\n",
         nr, nr);
}

/* The forward chain on rows [lo, hi), shared by step() and forward(). */
static void emit_forward_calls(Gen *g)
{
    const Net *net = g->net;
    const char *n = g->name;
    if (reads_transposed(net, 0)) emit(g->e, "        %s_transpose_input(m, lo, hi, (const real *)x);\n", n);
    for (int i = 0; i < net->n_layers; i++) {
        char *at_out = reads_transposed(net, i + 1) ? xasprintf("%s_at%d[0]", n, i + 1) : xstrdup("NULL");
        if (i == 0 && forward_by_rows(net, 0))
            emit(g->e, "        %s_forward1(m, lo, hi, (const real *)x, %s_a1[0], %s);\n", n, n, at_out);
        else if (i == 0) emit(g->e, "        %s_forward1(m, lo, hi, %s_xt[0], %s_a1[0], %s);\n", n, n, n, at_out);
        else emit(g->e, "        %s_forward%d(m, lo, hi, %s_at%d[0], %s_a%d[0], %s);\n", n, i + 1, n, i, n, i + 1, at_out);
        free(at_out);
    }
}

/* X (m, inputs) -> X^T for the first layer's blocked forward. In tiles of TRANSPOSE_TILE inputs
 * by every row of the thread's share: a tile's lines of X^T stay in L1 while every row's stretch
 * of the tile is copied in. Without the tiles the stores run down one row of X, a cache line of
 * X^T per input, each evicted before the next row comes back to it (and gcc interchanges the
 * plain loops into that order by itself). */
enum { TRANSPOSE_TILE = 16 };

static void emit_transpose_input(Gen *g)
{
    const Net *net = g->net;
    const char *n = g->name;
    emit(g->e, "\n/* X (m, %d) -> X^T (%d, m) for rows [lo, hi): the first layer's forward reads its input feature\n"
               " * by feature. Tiles of %d inputs (a cache line or two of X) by the thread's rows: the tile's lines of\n"
               " * X^T stay in cache while each row's part is copied in. Pad rows keep what an earlier call left\n"
               " * there (finite values; nothing reads them). */\n",
         net->inputs, net->inputs, TRANSPOSE_TILE);
    emit(g->e, "static void %s_transpose_input(int m, int lo, int hi, const real *restrict x)\n{\n", n);
    emit(g->e, "    const int end = hi < m ? hi : m;\n");
    emit(g->e, "    for (int i0 = 0; i0 < %d; i0 += %d) {\n", net->inputs, TRANSPOSE_TILE);
    emit(g->e, "        const int i1 = i0 + %d < %d ? i0 + %d : %d;\n", TRANSPOSE_TILE, net->inputs, TRANSPOSE_TILE,
         net->inputs);
    emit(g->e, "        for (int r = lo; r < end; r++)\n");
    emit(g->e, "            for (int i = i0; i < i1; i++) %s_xt[i][r] = x[(size_t)r * %d + i];\n", n, net->inputs);
    emit(g->e, "    }\n}\n");
}

static void emit_step(Gen *g)
{
    const Net *net = g->net;
    const char *n = g->name;
    int L = net->n_layers;
    if (reads_transposed(net, 0)) emit_transpose_input(g);
    emit(g->e, "\n/* One chunk of m <= %s_CHUNK rows: forward through every layer, the loss, and with grad the\n"
               " * backward pass in reverse, adding dW, db into %s_grad.\n"
               " * Each thread carries its own rows from the input through the loss and back down to dZ1: no\n"
               " * thread waits for another until dW, which sums over every row and so waits once for all.\n"
               " * Results do not depend on the thread count: rows are independent up to dW, dW and db are\n"
               " * split over units (each sum over the rows in order on one thread), and the rows' losses\n"
               " * are summed in row order after the region. */\n",
         g->upper, n);
    emit(g->e, "static void %s_run(int m, const void *x, const double *y, int grad, int fused, rt_stats *st)\n{\n", n);
    emit_region_open(g, "forward, loss, propagate, then dW");
    emit_forward_calls(g);
    emit(g->e, "        %s_loss(m, lo, hi, %s_a%d[0], y, %s_dz%d[0]);\n", n, n, L, n, L);
    int any = 0;
    for (int i = 0; i < L; i++) any |= net->layers[i].trainable;
    if (any) {
        emit(g->e, "        if (grad) {\n");
        for (int i = L - 1; i >= 1; i--)
            if (needs_propagate(net, i))
                emit(g->e, "            %s_propagate%d(m, lo, hi, %s_a%d[0], %s_dz%d[0], %s_dz%d[0]);\n", n, i + 1, n, i,
                     n, i + 1, n, i);
        if (g->threads) emit(g->e, "            NNCC_OMP_BARRIER /* dW sums over every row */\n");
        for (int i = L - 1; i >= 0; i--) {
            if (!net->layers[i].trainable) continue;
            char *a_in = i == 0 ? xstrdup("(const real *)x") : xasprintf("%s_a%d[0]", n, i);
            emit(g->e, "            %s_backward%d(m, %s, %s_dz%d[0], fused);\n", n, i + 1, a_in, n, i + 1);
            free(a_in);
        }
        emit(g->e, "        }\n");
    } else {
        emit(g->e, "        (void)grad, (void)fused; /* every layer is frozen: nothing to back-propagate */\n");
    }
    emit(g->e, "    }\n");
    emit(g->e, "    double loss = 0, correct = 0;\n");
    emit(g->e, "    for (int r = 0; r < m; r++) loss += %s_row_loss[r], correct += %s_row_correct[r];\n", n, n);
    emit(g->e, "    st->loss += loss;\n    st->correct += correct;\n");
    emit(g->e, "}\n");

    emit(g->e, "\n/* step() as the runtime's contract has it: the gradient sums added into %s_grad. */\n", n);
    emit(g->e, "static void %s_step(int m, const void *x, const double *y, int grad, rt_stats *st)\n{\n", n);
    emit(g->e, "    %s_run(m, x, y, grad, 0, st);\n}\n", n);
    if (any) {
        const Spec *spec = net->spec;
        emit(g->e, "\n/* A batch that is one chunk: step() and update() in one pass (one parallel region), each\n"
                   " * block of dW updating its weights as soon as it is complete. The same arithmetic as step()\n"
                   " * then update(lr, 1.0 / m, t): the same results. */\n");
        emit(g->e, "static void %s_train_step(int m, const void *x, const double *y, rt_stats *st, double lr, long t)\n{\n", n);
        emit(g->e, "    const double inv_m = 1.0 / m;\n");
        if (spec->optimizer == OPT_ADAM) {
            char *b1 = lit(spec->beta1), *b2 = lit(spec->beta2);
            emit(g->e, "    %s_hp.step = (real)(lr / (1 - pow(%s, (double)t)));\n", n, b1);
            emit(g->e, "    %s_hp.bc2_sqrt = (real)sqrt(1 - pow(%s, (double)t));\n", n, b2);
            free(b1), free(b2);
        } else {
            emit(g->e, "    %s_hp.alpha = (real)lr;\n    (void)t;\n", n);
        }
        emit(g->e, "    %s_hp.scale = (real)inv_m;\n", n);
        emit(g->e, "    %s_run(m, x, y, 1, 1, st);\n}\n", n);
    }

    emit(g->e, "\n/* Outputs A_%d of m <= %s_CHUNK rows: (m, %d). */\n", L, g->upper, net->outputs);
    emit(g->e, "static void %s_forward(int m, const void *x, void *out)\n{\n", n);
    emit_region_open(g, "the forward");
    emit_forward_calls(g);
    emit(g->e, "    }\n");
    emit(g->e, "    memcpy(out, %s_a%d, sizeof(real) * (size_t)m * %d);\n}\n", n, L, net->outputs);
}

static void emit_update(Gen *g)
{
    const Net *net = g->net;
    const Spec *spec = net->spec;
    static const char *const base[] = {"update_sgd.c", "update_momentum.c", "update_adam.c"};
    static const char *const range[] = {"update_sgd_range.c", "update_momentum_range.c", "update_adam_range.c"};
    /* One loop over each run of trainable tensors in the flat block. */
    size_t cap = 4096, len = 0;
    char *ranges = xcalloc(cap, 1);
    const char *decay = spec->weight_decay > 0 ? " + lambda * p[i]" : "";
    for (int i = 0; i < net->n_layers;) {
        if (!net->layers[i].trainable) {
            i++;
            continue;
        }
        int j = i;
        while (j < net->n_layers && net->layers[j].trainable) j++;
        const Layer *first = &net->layers[i], *last = &net->layers[j - 1];
        size_t begin = first->w_off, end = last->b_off + (size_t)last->units;
        char *b = num((long long)begin), *en = num((long long)end);
        char *what = j - i == 1 ? xasprintf("W%d, b%d", i + 1, i + 1) : xasprintf("W%d .. b%d", i + 1, j);
        TemplateArg a[] = {{"OMP", omp(g, (end - begin) / (size_t)net->chunk + 1)},
                           {"BEGIN", b},
                           {"END", en},
                           {"WHAT", what},
                           {"DECAY", decay}};
        char *err, *s = template_expand(template_get(range[spec->optimizer]), a, (int)ARRAY_LEN(a), &err);
        if (!s) unreachable();
        size_t sl = strlen(s);
        if (len + sl + 1 > cap) {
            cap = (len + sl + 1) * 2;
            char *grown = xcalloc(cap, 1);
            memcpy(grown, ranges, len);
            free(ranges);
            ranges = grown;
        }
        memcpy(ranges + len, s, sl + 1);
        len += sl;
        free(s), free(b), free(en), free(what);
        i = j;
    }
    if (len == 0) {
        free(ranges);
        ranges = xstrdup("    /* every layer is frozen: nothing to update */\n    (void)p, (void)g, (void)alpha, (void)scale;\n");
    } else if (ranges[len - 1] == '\n') {
        ranges[len - 1] = 0;
    }
    char *wd = lit(spec->weight_decay), *mom = lit(spec->momentum), *b1 = lit(spec->beta1), *b2 = lit(spec->beta2),
         *eps = lit(spec->epsilon);
    if (spec->optimizer == OPT_SGD) {
        TemplateArg a[] = {{"NAME", g->name}, {"WEIGHT_DECAY", wd}, {"RANGES", ranges}};
        emit_template(g->e, base[0], a, 3);
    } else if (spec->optimizer == OPT_MOMENTUM) {
        TemplateArg a[] = {{"NAME", g->name}, {"WEIGHT_DECAY", wd}, {"MOMENTUM", mom}, {"RANGES", ranges}};
        emit_template(g->e, base[1], a, 4);
    } else {
        TemplateArg a[] = {{"NAME", g->name}, {"WEIGHT_DECAY", wd}, {"BETA1", b1}, {"BETA2", b2},
                           {"EPSILON", eps}, {"RANGES", ranges}};
        emit_template(g->e, base[2], a, 6);
    }
    free(ranges), free(wd), free(mom), free(b1), free(b2), free(eps);
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
    emit(e, ",\n                  .label = %d, .header = %d},\n", s->label, s->header);
}

static void emit_tables(Gen *g)
{
    Emitter *e = g->e;
    const Net *net = g->net;
    const Spec *spec = net->spec;
    const char *n = g->name;
    static const char *const inits[] = {"RT_INIT_NORMAL", "RT_INIT_XAVIER", "RT_INIT_HE", "RT_INIT_ZEROS"};
    emit(e, "\n/* The tensors as the weights file names them, and where they live in %s_param. */\n", n);
    emit(e, "static const rt_tensor %s_tensors[] = {\n", n);
    for (int i = 0; i < net->n_layers; i++) {
        const Layer *l = &net->layers[i];
        int fan_out = i + 1 < net->n_layers ? net->layers[i + 1].units : l->units;
        char gw[96] = "NULL", gb[96] = "NULL";
        if (l->weights) snprintf(gw, sizeof gw, "%s_given_w%d", n, i + 1);
        if (l->bias) snprintf(gb, sizeof gb, "%s_given_b%d", n, i + 1);
        emit(e, "    {\"layers.%d.weight\", %d, %d, %zu, %s, %d, %d, %d, %s},\n", i, l->units, l->fan_in, l->w_off,
             inits[l->init], l->fan_in, fan_out, l->trainable, gw);
        emit(e, "    {\"layers.%d.bias\", %d, 0, %zu, %s, %d, %d, %d, %s},\n", i, l->units, l->b_off, inits[l->init],
             l->fan_in, fan_out, l->trainable, gb);
    }
    emit(e, "};\n");

    static const char *const tasks[] = {"RT_TASK_BINARY", "RT_TASK_MULTICLASS", "RT_TASK_REGRESSION"};
    static const char *const losses[] = {"RT_LOSS_LOG", "RT_LOSS_CROSS_ENTROPY", "RT_LOSS_MSE", "RT_LOSS_PERCEPTRON"};
    static const char *const opts[] = {"RT_OPT_SGD", "RT_OPT_MOMENTUM", "RT_OPT_ADAM"};
    static const char *const norms[] = {"RT_NORM_NONE", "RT_NORM_MINMAX", "RT_NORM_STANDARD"};
    int states = spec->optimizer == OPT_ADAM ? 2 : spec->optimizer == OPT_MOMENTUM ? 1 : 0;
    emit(e, "\nstatic const rt_network %s_network = {\n", n);
    emit(e, "    .name = \"%s\",\n    .source = ", n);
    emit_cstring(e, spec->path);
    emit(e, ",\n    .inputs = %s_INPUTS,\n    .outputs = %s_OUTPUTS,\n", g->upper, g->upper);
    emit(e, "    .real_size = sizeof(real),\n    .task = %s,\n    .loss = %s,\n    .optimizer = %s,\n",
         tasks[net->task], losses[spec->loss], opts[spec->optimizer]);
    emit(e, "    .chunk = %s_CHUNK,\n    .n_params = %s_PARAMS,\n", g->upper, g->upper);
    emit(e, "    .n_tensors = %d,\n    .tensors = %s_tensors,\n", 2 * net->n_layers, n);
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
    emit(e, "    },\n");
    emit(e, "    .step = %s_step,\n    .forward = %s_forward,\n    .update = %s_update,\n", n, n, n);
    if (any_trainable(net)) emit(e, "    .train_step = %s_train_step,\n", n);
    emit(e, "};\n");
    emit(e, "\nint main(int argc, char **argv)\n{\n    return rt_main(argc, argv, &%s_network);\n}\n", n);
}

void emit_train(const Net *net, FILE *out, const char *file, const char *command)
{
    Emitter e = {out, 0};
    Gen g = {&e, net, net->spec->name, {0}, precision_bytes[net->spec->precision] == 4,
             work_per_step(net) >= OMP_MIN_WORK && net->chunk >= MIN_PARALLEL_ROWS};
    for (size_t i = 0; g.name[i]; i++) g.upper[i] = (char)toupper((unsigned char)g.name[i]);
    emit_header(&g, file, command);
    emit_storage(&g);
    for (int i = 0; i < net->n_layers; i++) emit_layer_forward(&g, i);
    emit_loss(&g);
    for (int i = net->n_layers - 1; i >= 0; i--) {
        if (needs_propagate(net, i)) emit_layer_propagate(&g, i);
        if (net->layers[i].trainable) emit_layer_backward(&g, i);
    }
    emit_step(&g);
    emit_update(&g);
    emit_tables(&g);
}
