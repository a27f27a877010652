/* nncc.h — the compiler's one shared header, in sections named after the file that owns them.
 *
 * Pipeline (main.c): parse (YAML -> Node tree, every value with its line:col)
 *   -> validate (Node tree -> Spec: defaults, ranges, "did you mean", all errors collected)
 *   -> ir (Spec -> Net: layers with resolved shapes) -> plan (sizes and offsets)
 *   -> emit (Net -> C source via templates/) -> write atomically, or drive $CC. */
#ifndef NNCC_H
#define NNCC_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "nncc_rt.h" /* RT_* enums shared with the runtime */
#include "registry.h"

#define NNCC_VERSION "0.1.0"
#define NNCC_MAX_NAME 48
#define NNCC_MAX_LAYERS 64
#define NNCC_MAX_UNITS 1000000       /* per layer */
#define NNCC_MAX_PARAMS 1000000000LL /* per network: 4 GB of float32 */

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- registry enums (registry.h) ---------------------------------------------------------- */

#define X_ENUM(id, name, ...) ACT_##id,
typedef enum { ACTIVATIONS(X_ENUM) ACT_COUNT } Activation;
#undef X_ENUM
#define X_ENUM(id, name) LOSS_##id,
typedef enum { LOSSES(X_ENUM) LOSS_COUNT } Loss;
#undef X_ENUM
#define X_ENUM(id, name) OPT_##id,
typedef enum { OPTIMIZERS(X_ENUM) OPT_COUNT } Optimizer;
#undef X_ENUM
#define X_ENUM(id, name) INIT_##id,
typedef enum { INITS(X_ENUM) INIT_COUNT } Init;
#undef X_ENUM
#define X_ENUM(id, name) GEN_##id,
typedef enum { GENERATORS(X_ENUM) GEN_COUNT } Generator;
#undef X_ENUM
#define X_ENUM(id, name) NORM_##id,
typedef enum { NORMALIZATIONS(X_ENUM) NORM_COUNT } Normalization;
#undef X_ENUM
#define X_ENUM(id, name, bytes) PREC_##id,
typedef enum { PRECISIONS(X_ENUM) PREC_COUNT } Precision;
#undef X_ENUM

extern const char *const activation_names[ACT_COUNT];
extern const int activation_differentiable[ACT_COUNT];
extern const int activation_output_only[ACT_COUNT];
extern const int activation_vectorises[ACT_COUNT]; /* 2 always, 1 float32 only, 0 never */
extern const char *const activation_forward[ACT_COUNT];    /* C expression in z */
extern const char *const activation_derivative[ACT_COUNT]; /* C expression in a = g(z) */
extern const char *const activation_doc[ACT_COUNT];
extern const char *const leaky_slope_definition; /* "#define NNCC_LEAKY_SLOPE R(0.01)" */
extern const char *const loss_names[LOSS_COUNT];
extern const char *const optimizer_names[OPT_COUNT];
extern const char *const init_names[INIT_COUNT];
extern const char *const generator_names[GEN_COUNT];
extern const char *const normalization_names[NORM_COUNT];
extern const char *const precision_names[PREC_COUNT];
extern const int precision_bytes[PREC_COUNT];

/* Index of `name` in names[0..n), or -1. */
int registry_find(const char *const *names, int n, const char *name);

/* ---- util.c ------------------------------------------------------------------------------- */

void *xcalloc(size_t n, size_t size); /* aborts on exhaustion: the compiler's memory is small */
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *read_file(const char *path, size_t *len); /* NULL with errno set */
_Noreturn void unreachable_at(const char *file, int line);
#define unreachable() unreachable_at(__FILE__, __LINE__)

/* Writes files atomically: each goes to a temp file beside its target; atomic_commit renames
 * them all, atomic_abort removes them. Nothing is half-written on any error. */
FILE *atomic_open(const char *path);
int atomic_commit(void);
void atomic_abort(void);

/* ---- diag.c: errors located in the network file ----------------------------------------- */

typedef struct Loc {
    int line, col; /* 1-based; 0 = the file as a whole */
} Loc;

void diag_init(const char *path, const char *text); /* the file errors refer to */
void diag_error(Loc loc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void diag_note(Loc loc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int diag_count(void);
void diag_flush(FILE *out); /* prints collected messages in file order, with source line and caret */
void diag_reset(void);

/* Closest of candidates to word within a small edit distance, or NULL: for "did you mean". */
const char *diag_suggest(const char *word, const char *const *candidates, int n);

/* ---- parse.c: YAML text -> Node tree (libyaml) ------------------------------------------ */

typedef enum { NODE_SCALAR, NODE_SEQ, NODE_MAP } NodeKind;

typedef struct Node Node;
struct Node {
    NodeKind kind;
    Loc loc;
    char *str;    /* scalar text */
    int plain;    /* scalar was unquoted (so `yes`, `1` may be read as bool/number) */
    Node **items; /* seq: elements; map: keys and values interleaved (k0 v0 k1 v1 ...) */
    int n;        /* number of items (for a map, 2 x pairs) */
};

/* Parses text into a tree; on a YAML syntax error or a duplicate key reports through diag and
 * returns NULL. An empty document gives an empty map. */
Node *parse_yaml(const char *text, size_t len);
void parse_free(Node *root); /* the tree and its strings; NULL is fine */

/* ---- validate.c: Node tree -> Spec ------------------------------------------------------ */

typedef struct SourceSpec {
    int kind; /* enum rt_source_kind values (RT_SRC_*) */
    char *path, *x, *y;
    int label;  /* RT_LABEL_LAST / RT_LABEL_FIRST / column */
    char *label_name; /* CSV: the label column by header name, or NULL */
    int label_given, header_given; /* CSV: written in the file (else test and validation take train's) */
    int header; /* RT_HEADER_AUTO / 0 / 1 */
    Generator generator;
    int samples;
    double noise, factor;
    int centers;
    int64_t seed;
    int split; /* 1 for data.test: see rt_source.split */
    Loc loc;
} SourceSpec;

/* What a layer is: dense (nn.Linear), or one of the spatial layers that work on (C, H, W) images. */
typedef enum { LAYER_DENSE, LAYER_CONV, LAYER_MAXPOOL, LAYER_AVGPOOL, LAYER_DROPOUT, LAYER_KIND_COUNT } LayerKind;
extern const char *const layer_kind_names[]; /* "units", "conv", "maxpool", "avgpool", "dropout": the key */
/* Whether a layer works on (C, H, W) images (conv, pooling) */
#define SPATIAL(kind) ((kind) == LAYER_CONV || (kind) == LAYER_MAXPOOL || (kind) == LAYER_AVGPOOL)

typedef struct LayerSpec {
    LayerKind kind;
    int units;       /* dense: units; conv: filters (output channels); pools: 0 */
    int kernel[2], stride[2], pad[2]; /* spatial layers: (height, width) */
    int out[3];      /* the output's (C, H, W); dense: (units, 1, 1) */
    double drop;     /* dropout: the probability of zeroing each value in training */
    Activation act;
    Init init;
    int trainable;
    double *weights; /* units x fan_in, row-major, when given */
    double *bias;    /* units, when given */
    Loc loc, weights_loc, bias_loc;
} LayerSpec;

typedef struct Spec {
    const char *path; /* the network file */
    char name[NNCC_MAX_NAME + 1];
    int input_shape[4];
    int input_rank; /* 1 for `input: 2`, 2 for `[64, 64]` */
    int inputs;     /* product of input_shape */
    LayerSpec layers[NNCC_MAX_LAYERS];
    int n_layers;
    Activation activation;
    Loss loss;
    Optimizer optimizer;
    double momentum, beta1, beta2, epsilon;
    double learning_rate, weight_decay;
    int epochs, batch_size, shuffle, log_every;
    int64_t seed;
    Init init;
    Precision precision;
    int early_stopping, patience;
    double min_delta;
    SourceSpec train, test; /* train.kind == RT_SRC_GENERATOR when no data */
    SourceSpec val;         /* kind RT_SRC_NONE: none, or the fraction below */
    double validation;      /* fraction of the training set held out, 0 = none */
    Normalization normalize, normalize_targets;
    int augment_flip, augment_shift; /* data.augment: horizontal flips; shifts of up to N pixels */
    int lr_schedule;        /* enum rt_lr_schedule */
    int lr_every, lr_warmup;
    double lr_gamma, lr_min;
    char **classes;         /* `classes:`, n_classes names, or NULL */
    int n_classes;
    Loc classes_loc;
    Loc loss_loc, output_loc, layers_loc;
} Spec;

/* Fills spec from root (path names the file for defaults such as `name`); every problem goes
 * to diag. Returns diag_count() == 0. */
int validate(const Node *root, const char *path, Spec *spec);
void validate_free(Spec *spec); /* what validate allocated: weights, biases, data paths */

/* ---- target.c: what the kernels' shapes depend on ----------------------------------------- */

typedef struct Target {
    char name[48];     /* "x86-64-v3", or "native (x86-64-v4)" for what was detected */
    char isa[48];      /* "AVX2 + FMA", "AVX-512 + FMA", "SSE4.2", "NEON", "scalar" */
    int vector_bits;   /* what the compiler's vectoriser uses: 0 (scalar C), 128, 256 or 512 */
    int vector_regs;   /* architectural vector registers (16 or 32); 0 for scalar */
    int fma;           /* fused multiply-add in hardware */
    int l1d, l2;       /* data cache bytes per core; 0 = no cache (a microcontroller) */
    int cores;         /* 0: not known (a named target: the program's threads decide at run time) */
    const char *march; /* compiler flags that select it ("-march=x86-64-v3"); NULL for native */
} Target;

/* The named targets: x86-64-v2 x86-64-v3 x86-64-v4 armv8-a generic cortex-m, and native. */
extern const char *const target_names[];
extern const int target_count;

/* Fills t for a named target; "native" detects the host (target_host). Returns 0, or -1 for an
 * unknown name. */
int target_named(const char *name, Target *t);
/* The machine nncc runs on: its vector ISA (cpuid on x86), cache sizes (sysfs) and cores. */
void target_host(Target *t);
/* What `cc cflags` targets: its predefined macros (__AVX512F__, __AVX2__, __FMA__, __ARM_NEON...)
 * with the host's caches and cores. Returns 0, or -1 (message printed) when cc cannot be run. */
int target_of_compiler(const char *cc, const char *cflags, Target *t);
void target_print(const Target *t, FILE *out); /* one line: name, ISA, vector bits/registers, caches */

/* ---- ir.c and plan.c: the network with resolved shapes and its memory plan -------------- */

typedef struct Layer {
    int index;        /* 0-based, as layers.I in the weights file */
    LayerKind kind;
    int fan_in, units; /* input and output values per row: a spatial layer's C x H x W flattened */
    int in[3], out[3]; /* (C, H, W) of input and output; a dense layer's (n, 1, 1) */
    int kernel[2], stride[2], pad[2]; /* spatial layers: (height, width) */
    int w_fan_in;     /* inputs each output sums (conv: C_in x kh x kw): the initialisers' fan_in */
    double drop;      /* dropout's probability */
    size_t n_w, n_b;  /* reals of W and b (pools: none) */
    Activation act;
    Init init;
    int trainable;
    const double *weights, *bias; /* given values or NULL */
    size_t w_off, b_off;          /* offsets in reals into the parameter block */
} Layer;

/* ---- schedule.c: every decision about how a layer's loops run, before any text ------------- */

typedef struct LayerSchedule {
    int by_rows;    /* forward row by row over X as it is (few units fed by X): no X^T */
    int row_block;  /* by_rows: rows per block of scalar sums */
    int mr;         /* forward and dW: units per register block (the tail takes units % mr) */
    int kc;         /* forward: inputs per cache slice (fan_in: one slice) */
    int panel;      /* forward: units per panel of weights kept in L2 (units: one panel) */
    int prop_kc;    /* propagation into this layer's input: units per slice; a convolution's: kernel
                     * columns per register block */
    int opad[2];    /* a spatial layer: the zero border its output is stored with, the padding of the
                     * convolution above (so that its loops never test a bound) */
    int ld;         /* row stride of A and dZ: units, or padded off a whole number of KiB */
    int keep_t;     /* forward also stores A^T (units, rows) for the next layer's forward */
    int dz_t;       /* dW reads dZ^T, written by the propagation from the layer above */
    int needs_dz;   /* dZ exists: back-propagation reaches this layer (or it is the output) */
    int propagate;  /* dZ of the layer below is computed from this layer's */
    int vector_act; /* the activation's loop over lanes is omp simd */
    /* the inference kernel (--emit infer), float weights: */
    int infer_panel;     /* units per panel of transposed weights, the sums side by side (units when
                          * fewer; the rest in a tail panel); 0: no panels, W's rows as they are and
                          * a dot product per unit */
    int infer_step;      /* full loop: inputs per step (a power of two that divides fan_in) */
    int infer_skip;      /* the input is often exactly 0 (the network's input, a ReLU's or a step's
                          * output): the nonzero inputs are gathered and only their weights read */
    int infer_skip_step; /* infer_skip: nonzero inputs per step (panels: their rows through that
                          * many pointers); fan_in when fewer */
} LayerSchedule;

typedef struct Schedule {
    Target target;
    int vl;             /* reals per vector register (1 for scalar) */
    int nr;             /* rows per register block: the lanes of the sums, two vectors */
    int prop_rows;      /* propagation: rows per register block */
    int rows;           /* the chunk padded to whole blocks of nr */
    int dzt_ld;         /* row stride of dZ^T */
    int spatial_ld;     /* row stride of the spatial layers' A^T and dZ^T (and dzt_ld with them): the
                         * chunk padded to an odd number of cache lines */
    int transpose_x;    /* X^T is copied for the first layer's blocked forward */
    int transpose_tile; /* inputs per tile of that copy */
    int threads;        /* step() opens a parallel region: enough rows and work for two cores */
    long long work;     /* multiply-adds of one step's forward */
    LayerSchedule layer[NNCC_MAX_LAYERS];
} Schedule;

typedef struct Net {
    const Spec *spec;
    Layer layers[NNCC_MAX_LAYERS];
    int n_layers;
    int inputs, outputs;
    int task; /* enum rt_task */
    /* plan */
    size_t n_params;
    int chunk;              /* rows per step() call: batch_size, capped, or a tile for full batch */
    size_t act_reals;       /* activation buffers for one chunk */
    size_t param_bytes, grad_bytes, state_bytes, act_bytes;
    int real_size;
    Schedule sched; /* schedule_build */
    int mpi;        /* nncc --mpi: the program runs as the ranks of mpirun (rt_main_mpi) */
} Net;

void ir_build(const Spec *spec, Net *net);

/* ---- datacheck.c: the network file's data sources against the network ------------------- */

void source_to_rt(const SourceSpec *spec, rt_source *src); /* borrows spec's strings */
/* Loads each data file the network file names (not generators) with the runtime's loaders;
 * every misfit is a diag error at its key. Returns 1 when all fit. */
int data_check(const Net *net);
void plan_build(Net *net);
void plan_print(const Net *net, FILE *out); /* what --check shows */
/* The training program keeps its buffers in static arrays, which x86-64's default (small) code
 * model and most linkers limit to 2 GiB in all: past that, a diag error at `layers`. Returns 1
 * when the plan fits. */
int plan_check_static(const Net *net);
/* Decides every layer's loops for the target: register blocks, cache slices, strides, which
 * buffers are transposed, threads, and the inference kernel's panels and steps. The emitters
 * (emit.c, infer.c) only print what this decided. */
void schedule_build(Net *net, const Target *target);
void schedule_print(const Net *net, FILE *out); /* --check's schedule section */

/* ---- template.c: templates/ built into the binary -------------------------------------- */

/* Looks up an embedded template by file name ("dense_forward.c"); NULL if none. */
const char *template_get(const char *name);

typedef struct TemplateArg {
    const char *name;  /* placeholder name, written {{NAME}} in the template */
    const char *value;
} TemplateArg;

/* Expands text, replacing each {{NAME}}; fails (returns NULL, *err set) on a placeholder with
 * no argument or an argument no placeholder uses. The result is malloc'd. */
char *template_expand(const char *text, const TemplateArg *args, int n, char **err);

/* ---- emit.c: the printf-checked emitter and the training program ------------------------ */

typedef struct Emitter {
    FILE *out;
    int indent;
} Emitter;

void emit(Emitter *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void emit_line(Emitter *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void emit_template(Emitter *e, const char *template_name, const TemplateArg *args, int n);
void emit_cstring(Emitter *e, const char *s); /* a C string literal, escaped */
/* Text safe inside a C comment (no terminator, line break or non-ASCII); malloc'd. */
char *emit_comment_safe(const char *s);

/* The training program; `file` and `command` are stamped into its header. */
void emit_train(const Net *net, FILE *out, const char *file, const char *command);

/* ---- infer.c: the ahead-of-time inference kernel (--emit infer) ---------------------------- */

/* Writes out_c and its header (out_c with .h) atomically, weights from a safetensors file baked
 * in; int8 quantises them, no_libm avoids the math library; calibrate names data for the int8
 * accuracy report (NULL: the network's training data). Returns 0, or -1 after a message. */
int emit_infer_files(const Net *net, const char *out_c, const char *weights_path, int int8, int no_libm,
                     const char *calibrate, const char *command);

/* ---- driver.c: -o NAME without .c builds the program with $CC ---------------------------- */

/* Compiles c_path into exe_path with the runtime; returns 0 or prints why and returns -1. The
 * flags are $CFLAGS, else those of the named target (NULL: this machine's, -march=native).
 * static_link: every library as an archive (-static), a program that needs no shared library. */
int driver_build(const char *c_path, const char *exe_path, const Target *named, int static_link, int mpi);
const char *driver_cc(void);                      /* $CC, default cc */
const char *driver_cflags(const Target *named);   /* $CFLAGS, else the target's defaults (static) */

#endif
