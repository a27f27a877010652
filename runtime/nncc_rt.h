/* nncc_rt.h — the runtime's one public header: what a generated training program links against.
 *
 * A generated program describes its network in one `rt_network` (shapes, tensors, kernels) and
 * hands it to rt_main(), which owns everything that does not depend on shapes: the command line,
 * data loading and normalisation, batching, the epoch loop, metrics, checkpoints and plots.
 *
 * Conventions
 *   - Data matrices are row-major, one sample per row: X is (m, inputs). This is the notes'
 *     A transposed; the generated code's comments say so where it matters.
 *   - Parameters live in one contiguous block of `real` (float or double, network->real_size
 *     bytes); tensors are views into it at fixed offsets.
 *   - Runtime functions never exit: they return 0 on success or -1 after printing a located
 *     error (`file:line: error: ...`) through rt_error().
 */
#ifndef NNCC_RT_H
#define NNCC_RT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NNCC_RT_VERSION "0.1.0"

/* OpenMP through macros that vanish without -fopenmp, so generated code is clean C99 both ways.
 * NNCC_OMP_FOR is a loop with its own parallel region; the others work inside one region that
 * spans a whole step() (the loops there are orphaned: run outside a region, one thread does all). */
#ifdef _OPENMP
#include <omp.h>
#define NNCC_PRAGMA(x) _Pragma(#x)
#define NNCC_OMP_FOR NNCC_PRAGMA(omp parallel for schedule(static))
#define NNCC_OMP_FOR_IF(cond) NNCC_PRAGMA(omp parallel for schedule(static) if (cond))
#define NNCC_OMP_PARALLEL NNCC_PRAGMA(omp parallel)
#define NNCC_OMP_FOR_NOWAIT NNCC_PRAGMA(omp for schedule(static) nowait)
#define NNCC_OMP_FOR2_NOWAIT NNCC_PRAGMA(omp for collapse(2) schedule(static) nowait)
#define NNCC_OMP_SINGLE_NOWAIT NNCC_PRAGMA(omp single nowait)
#define NNCC_OMP_BARRIER NNCC_PRAGMA(omp barrier)
#define NNCC_OMP_MASTER NNCC_PRAGMA(omp master)
#define NNCC_THREAD() omp_get_thread_num()
#define NNCC_THREADS() omp_get_num_threads()
#else
#define NNCC_OMP_FOR
#define NNCC_OMP_FOR_IF(cond)
#define NNCC_OMP_PARALLEL
#define NNCC_OMP_FOR_NOWAIT
#define NNCC_OMP_FOR2_NOWAIT
#define NNCC_OMP_SINGLE_NOWAIT
#define NNCC_OMP_BARRIER
#define NNCC_OMP_MASTER
#define NNCC_THREAD() 0
#define NNCC_THREADS() 1
#endif

/* Exit codes of every nncc program (SPEC section 4). */
enum { RT_EXIT_OK = 0, RT_EXIT_INPUT = 1, RT_EXIT_USAGE = 2, RT_EXIT_DIVERGED = 3 };

/* ---- rt_random.c: one seeded generator for init, shuffling and data generators ---------- */

typedef struct rt_rng {
    uint64_t s[4]; /* xoshiro256** state */
} rt_rng;

void rt_rng_seed(rt_rng *rng, uint64_t seed);
uint64_t rt_rng_next(rt_rng *rng);
double rt_rng_uniform(rt_rng *rng);             /* [0, 1) with 53 random bits */
double rt_rng_normal(rt_rng *rng);              /* N(0, 1), Box-Muller, no cached spare */
uint32_t rt_rng_below(rt_rng *rng, uint32_t n); /* uniform in [0, n), unbiased */
void rt_rng_shuffle(rt_rng *rng, int32_t *a, int n);

/* ---- rt_data.c and loaders: datasets in memory --------------------------------------- */

/* The task decides what a label is and how accuracy is counted. */
enum rt_task {
    RT_TASK_BINARY,     /* 1 output, labels 0/1, predicted class = output >= 0.5 */
    RT_TASK_MULTICLASS, /* K outputs (softmax), integer labels 0..K-1, predicted = argmax */
    RT_TASK_REGRESSION  /* K outputs, K real targets per sample, no accuracy */
};

enum rt_source_kind { RT_SRC_NONE, RT_SRC_CSV, RT_SRC_IDX, RT_SRC_NPY, RT_SRC_HDF5, RT_SRC_GENERATOR };

enum rt_generator {
    RT_GEN_BLOBS,
    RT_GEN_CIRCLES,
    RT_GEN_MOONS,
    RT_GEN_XOR,
    RT_GEN_AND,
    RT_GEN_OR
};

#define RT_LABEL_LAST (-1)
#define RT_LABEL_FIRST (-2)
#define RT_HEADER_AUTO (-1)

/* Where a dataset comes from: the YAML's `data.train` / `data.test`, or --train / --test. */
typedef struct rt_source {
    int kind;         /* enum rt_source_kind */
    const char *path; /* CSV, HDF5 file; IDX images; NPY x */
    const char *x;    /* HDF5 dataset name of the features */
    const char *y;    /* HDF5 dataset of the labels; IDX labels file; NPY y file */
    int label;        /* CSV: RT_LABEL_LAST, RT_LABEL_FIRST or a 0-based column */
    const char *label_name; /* CSV: the label column by its header name (then `label` is unused), or NULL */
    int header;       /* CSV: RT_HEADER_AUTO, 0 or 1 */
    int generator;    /* enum rt_generator */
    int samples;      /* generator: number of samples */
    double noise;     /* generator: blobs cluster std, circles/moons/xor noise */
    double factor;    /* circles: inner radius / outer radius */
    int centers;      /* blobs: number of classes */
    uint64_t seed;    /* generator seed */
    int split;        /* generator: 0 train, 1 test, 2 validation: same distribution (blob centres), other samples */
} rt_source;

/* A dataset: n samples of d features and ny label values each.
 * Features stay in the source's width: uint8 sources (images) as bytes, everything else as
 * double; rt_batch_fill() converts and normalises one batch at a time. */
typedef struct rt_dataset {
    int n, d, ny;
    unsigned char *x_u8; /* n*d, or NULL */
    double *x_f64;       /* n*d, or NULL */
    double *y;           /* n*ny: class index (binary/multiclass) or targets (regression) */
    char *name;          /* file name for messages */
    /* Class names, when the labels were names (CSV) or the network file lists `classes`: class i
     * is classes[i]. Owned by the dataset (copies); NULL / 0 for numeric labels. */
    char **classes;
    int n_classes;
    /* Column names from a CSV header (d of them, features in order), or NULL. Owned. */
    char **feature_names;
} rt_dataset;

/* What a loader must check the data against. */
typedef struct rt_shape {
    int inputs;  /* features per sample */
    int outputs; /* output units */
    int task;    /* enum rt_task: decides the label columns and their range */
    int predict; /* 1: labels optional (--predict): rows of `inputs` values give ny = 0, y = NULL */
    /* Named classes, in order: a label that is a name maps to its index here, and a name not in
     * the list is a located error. NULL: the training set's loader finds the sorted distinct
     * names itself (and stores them in ds->classes); numeric labels ignore this. */
    const char *const *classes;
    int n_classes;
} rt_shape;

/* Fills *ds from src; on error prints `file:line: error: ...` and returns -1 (ds left empty).
 * Labels are checked: 0/1 for binary, 0..outputs-1 integers for multiclass; NaN/Inf rejected. */
int rt_dataset_load(rt_dataset *ds, const rt_source *src, const rt_shape *shape);
void rt_dataset_free(rt_dataset *ds);
size_t rt_dataset_bytes(const rt_dataset *ds);

/* Format from the extension: .csv .idx/-ubyte(.gz) .npy .h5/.hdf5; RT_SRC_NONE when unknown. */
int rt_source_kind_from_path(const char *path);

/* Loaders, each in its own file; called by rt_dataset_load. */
int rt_load_csv(rt_dataset *ds, const rt_source *src, const rt_shape *shape);
int rt_generate(rt_dataset *ds, const rt_source *src, const rt_shape *shape);
int rt_load_idx(rt_dataset *ds, const rt_source *src, const rt_shape *shape);
int rt_load_npy(rt_dataset *ds, const rt_source *src, const rt_shape *shape);
int rt_load_hdf5(rt_dataset *ds, const rt_source *src, const rt_shape *shape);
/* Label columns per sample for a task: 1, or `outputs` targets for regression. */
int rt_label_count(const rt_shape *shape);
/* Checks one label value for the task; returns 0 or -1 and fills why (64 bytes). */
int rt_label_check(const rt_shape *shape, double v, char *why);

/* ---- rt_norm.c: x' = (x - offset) * scale, fitted on the training set ----------------- */

enum rt_norm_kind { RT_NORM_NONE, RT_NORM_MINMAX, RT_NORM_STANDARD };

typedef struct rt_norm {
    int d;
    double *offset, *scale; /* d each */
} rt_norm;

/* Constant columns get scale 1 (never a division by zero). */
int rt_norm_fit(rt_norm *nm, const rt_dataset *train, int kind);
void rt_norm_free(rt_norm *nm);

/* Gathers rows idx[0..m) of ds, normalised, into out (m*d reals of real_size 4 or 8 bytes). */
void rt_batch_fill(const rt_dataset *ds, const rt_norm *nm, const int32_t *idx, int m, void *out,
                   int real_size);

/* ---- rt_selftest.c: --selftest, the fast kernels against the reference kernels ---------- */
typedef struct rt_check {
    int real_size;          /* 4 or 8: the reals compared */
    double tol;             /* bound on max|fast - ref| / max(max|ref|, 1e-30), per tensor */
    double worst;           /* the largest such relative difference so far */
    char worst_what[64];    /* ... and where */
    int checks, exact, failed;
    FILE *out;              /* one line per check */
} rt_check;
/* Compares rows x cols reals: fast's rows are ld_fast apart, ref's are dense (cols apart). Prints
 * "  %-28s max |fast - ref| %.3g (relative %.3g): exact|within bound|FAIL" and counts it. */
void rt_check_reals(rt_check *c, const char *what, const void *fast, int ld_fast, const void *ref, int rows, int cols);

/* ---- the network a generated program describes ---------------------------------------- */

/* RT_INIT_AUTO is PyTorch's nn.Linear default: W and b from U(-1/sqrt(fan_in), 1/sqrt(fan_in)). */
enum rt_init { RT_INIT_NORMAL, RT_INIT_XAVIER, RT_INIT_HE, RT_INIT_ZEROS, RT_INIT_AUTO };
/* Learning-rate schedules, PyTorch's semantics, stepped once per epoch (lr of epoch e, from 0):
 *   step         lr0 * gamma^floor(e / every)                          (StepLR)
 *   exponential  lr0 * gamma^e                                         (ExponentialLR)
 *   cosine       min + (lr0 - min) * (1 + cos(pi * e / T)) / 2, T = epochs  (CosineAnnealingLR)
 * With warmup W > 0 the first W epochs ramp linearly, then the schedule runs from its start over
 * the remaining epochs (see rt_train.c for the exact formula and its PyTorch equivalent). */
enum rt_lr_schedule { RT_LR_CONSTANT, RT_LR_STEP, RT_LR_EXPONENTIAL, RT_LR_COSINE };
enum rt_loss { RT_LOSS_LOG, RT_LOSS_CROSS_ENTROPY, RT_LOSS_MSE, RT_LOSS_PERCEPTRON };
enum rt_optimizer { RT_OPT_SGD, RT_OPT_MOMENTUM, RT_OPT_ADAM };

/* One parameter tensor: a view into the parameter block. */
typedef struct rt_tensor {
    const char *name;    /* "layers.0.weight", as PyTorch's nn.Linear */
    int rows, cols;      /* weight: (units, fan_in); bias: rows = units, cols = 0 */
    size_t offset;       /* in reals from the start of the block */
    int init;            /* enum rt_init, for weights; biases are zero unless init is normal or auto */
    int fan_in, fan_out;
    int trainable;       /* 0: the update leaves it alone */
    const double *given; /* values given in the network file, or NULL */
    int kh, kw;          /* a convolution's weight: (rows = filters, cols = input channels, kh, kw); else 0 */
} rt_tensor;

/* A tensor's shape as the weights file has it (rank 1, 2 or 4), and its count of values. */
int rt_tensor_shape(const rt_tensor *t, int64_t shape[4]);
size_t rt_tensor_count(const rt_tensor *t);

/* Loss and correct predictions summed over the samples of a call. */
typedef struct rt_stats {
    double loss;
    double correct;
} rt_stats;

/* Defaults from the network file; the command line overrides the first few. */
typedef struct rt_config {
    int epochs;
    double learning_rate;
    int batch_size; /* 0 = full batch */
    int shuffle;
    uint64_t seed;
    int log_every;
    int normalize; /* enum rt_norm_kind */
    int early_stopping;
    int patience;
    double min_delta;
    rt_source train, test; /* test.kind == RT_SRC_NONE: no test set */
    /* Validation: a source (val.kind != RT_SRC_NONE), else a fraction of the training set held
     * out (seeded, stratified for classifiers), else none: 0. Early stopping watches validation;
     * with early stopping and neither, the runtime holds out 10% and says so. */
    rt_source val;
    double validation;
    int lr_schedule;   /* enum rt_lr_schedule */
    int lr_every;      /* step: epochs between decays */
    double lr_gamma;   /* step, exponential: the factor */
    double lr_min;     /* cosine: the floor (eta_min) */
    int lr_warmup;     /* epochs of linear warmup, 0 = none */
    int normalize_targets; /* enum rt_norm_kind: regression targets scaled for training */
    /* `classes:` of the network file: the order of named classes, or NULL / 0. */
    const char *const *classes;
    int n_classes;
    /* data.augment, training batches only: random horizontal flips (1) and shifts of up to
     * augment_shift pixels with zero fill, of the image[0] channels of image[1] x image[2] pixels
     * each input is (rt_augment.c). */
    int augment_flip, augment_shift;
    int image[3];
} rt_config;

/* ---- rt_augment.c: data.augment ------------------------------------------------------------ */

/* rt_batch_fill() for a training batch of optimiser step `step`: each image flipped and shifted
 * as cfg->augment_* say, before normalisation (pixels shifted in are 0). The choices for a sample
 * depend on cfg->seed, step and the sample's index alone, so threads, ranks and --resume do not
 * change them. */
void rt_batch_fill_augmented(const rt_dataset *ds, const rt_norm *nm, const int32_t *idx, int m, void *out,
                             int real_size, const rt_config *cfg, long step);
/* The choices: *flip 0 or 1; *dx, *dy in [-shift, shift] (the content moves right and down). */
void rt_augment_choice(const rt_config *cfg, long step, int32_t sample, int *flip, int *dx, int *dy);

typedef struct rt_network {
    const char *name;     /* C identifier; output directory NAME-out/ */
    const char *source;   /* the network file it was generated from */
    int inputs, outputs;
    int real_size;        /* sizeof(real): 4 or 8 */
    int task;             /* enum rt_task */
    int loss;             /* enum rt_loss */
    int optimizer;        /* enum rt_optimizer */
    int chunk;            /* most rows one step() or forward() call takes */
    size_t n_params;
    int n_tensors;
    const rt_tensor *tensors;
    void *params;         /* n_params reals */
    void *grads;          /* n_params reals: sums over the samples of a batch */
    int n_state;          /* optimiser buffers: 0 sgd, 1 momentum, 2 adam */
    void *state[2];       /* n_params reals each */
    rt_config config;

    /* Forward over m <= chunk rows of x (m*inputs reals); adds loss and correct counts to *st;
     * with grad != 0 also back-propagates and ADDS the gradient sums into grads. grad ==
     * RT_GRAD_SHARE (programs built with --mpi, the batch's last chunk): also hands each layer's
     * gradient to rt_grads_ready() as soon as it is complete. */
    void (*step)(int m, const void *x, const double *y, int grad, rt_stats *st);
    /* Outputs after the last activation: out is m*outputs reals. */
    void (*forward)(int m, const void *x, void *out);
    /* One optimiser step with g = grads * inv_m (+ weight decay), t counting from 1; then
     * zeroes grads. */
    void (*update)(double lr, double inv_m, long t);
    /* A whole optimiser step on a batch of m <= chunk rows, in one pass: what step(grad) then
     * update(lr, 1.0 / m, t) do, with the same results, but each weight is updated as soon as its
     * gradient is complete, and grads are left untouched (zero). NULL: step, then update. */
    void (*train_step)(int m, const void *x, const double *y, rt_stats *st, double lr, long t);
    /* --selftest: on m <= chunk seeded random rows x (m * inputs reals) with labels y, runs the
     * fast kernels and the reference kernels (plain loops) and reports each comparison to c. The
     * parameters are the runtime's seeded initial ones; the call may change them. NULL: none. */
    void (*selftest)(int m, const void *x, const double *y, rt_check *c);
} rt_network;

/* The whole training program: parses argv (SPEC section 3), trains, writes NAME-out/.
 * Returns the process exit code. */
int rt_main(int argc, char **argv, const rt_network *net);

/* step()'s grad argument. */
enum { RT_GRAD_NONE = 0, RT_GRAD_ADD = 1, RT_GRAD_SHARE = 2 };

/* The rows step() is about to see (dropout layers): training is 1 for the rows of an optimiser
 * step (and for --gradcheck and --selftest), 0 for evaluation; key[r] is row r's random key, a
 * hash of (seed, step, sample), so a row's draws are the same for any thread count, any MPI rank
 * and after --resume. Set by the runtime before each step() call, read-only during it. */
enum { RT_MAX_CHUNK = 1024 };
typedef struct rt_row_keys {
    int training;
    uint64_t key[RT_MAX_CHUNK];
} rt_row_keys;
extern rt_row_keys rt_rows;
/* Training rows idx[0..m) (NULL: 0..m) for optimiser step `step`. */
void rt_rows_training(uint64_t seed, long step, const int32_t *idx, int m);

/* ---- rt_mpi.c (libnncc_rt_mpi.a; programs built with nncc --mpi) -------------------------- */

/* rt_main() as one rank of `mpirun -np N`: each batch's rows are split across the ranks, the
 * gradients summed over them (MPI_Iallreduce, layer by layer as step() hands them over) and every
 * rank takes the same update; rank 0 alone prints and writes. */
int rt_main_mpi(int argc, char **argv, const rt_network *net);
/* The gradient of layers.LAYER (its weight and bias) is complete for this batch: start summing it
 * over the ranks. Called by step() with grad == RT_GRAD_SHARE, on one thread, layers in reverse. */
void rt_grads_ready(int layer);

/* ---- rt_params.c: parameter access independent of precision --------------------------- */

double rt_param_get(const rt_network *net, const void *block, size_t i);
void rt_param_set(const rt_network *net, void *block, size_t i, double v);
void rt_params_init(const rt_network *net, rt_rng *rng);

/* ---- rt_safetensors.c -------------------------------------------------------------------- */

/* One tensor to write: data of `count` elements of dtype "F32", "F64" or "I64". */
typedef struct rt_st_entry {
    const char *name;
    const char *dtype;
    int rank;         /* 1 to 4 */
    int64_t shape[4];
    const void *data;
} rt_st_entry;

/* Writes atomically (temp file + rename). Returns 0 or -1 with a message. */
int rt_st_write(const char *path, const rt_st_entry *entries, int n, const char *metadata_json);

/* A file read whole, with its parsed header; find tensors by name. */
typedef struct rt_st_file {
    unsigned char *bytes;
    size_t size;
    size_t data_start;
    void *header; /* cJSON object */
} rt_st_file;

int rt_st_open(rt_st_file *f, const char *path);
/* Copies tensor `name` into dst as doubles (count elements expected, F32/F64/F16/BF16/I64..I8/U8
 * accepted); returns -1 with a message naming the file and tensor if missing or mis-shaped. */
int rt_st_read(const rt_st_file *f, const char *path, const char *name, const int64_t *shape, int rank,
               double *dst);
void rt_st_close(rt_st_file *f);
/* rt_st_read without the finiteness check, for state that holds NaN/Inf on purpose (metrics
 * not measured, best loss not yet seen); weights go through rt_st_read. */
int rt_st_read_raw(const rt_st_file *f, const char *path, const char *name, const int64_t *shape, int rank,
                   double *dst);
/* A string of the header's __metadata__, or NULL; valid until rt_st_close. */
const char *rt_st_metadata(const rt_st_file *f, const char *key);
/* 1 when the file holds tensor `name` (optional tensors, e.g. optimiser state), else 0. */
int rt_st_has(const rt_st_file *f, const char *name);

/* ---- rt_util.c --------------------------------------------------------------------------- */

/* Prints "error: " (or "file:line: error: ") and the message to stderr. */
void rt_error(const char *file, long line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* When set, rt_error hands the message (formatted, without prefix or newline) here instead of
 * printing it: nncc uses this to report a data file's problem at the network file's data key. */
extern void (*rt_error_hook)(const char *file, long line, const char *msg);
void *rt_xcalloc(size_t n, size_t size); /* NULL only on exhaustion, after a message */
double rt_now(void);                     /* seconds, monotonic */

/* Every file the runtime writes goes through these: a temp file beside `path` (so rename is
 * atomic), then, on close, flush + fsync + fclose checked and rename; on any failure the temp is
 * removed and `path: error: cannot write: ...` printed. A reader sees the old file or the new
 * one, never half of one (SPEC section 4). */
typedef struct rt_atomic {
    FILE *f;
    char *tmp;
    const char *path;
} rt_atomic;
int rt_atomic_open(rt_atomic *a, const char *path);
/* ok = 0 discards the file (the caller found a problem while writing). Returns 0 or -1. */
int rt_atomic_close(rt_atomic *a, int ok);
/* Removes the temps that a killed run left in dir (`FILE.XXXXXX` beside each of the `n` files
 * named), so they do not pile up over kill -9s; returns how many. */
int rt_atomic_sweep(const char *dir, const char *const *files, int n);

#ifdef __cplusplus
}
#endif
#endif
