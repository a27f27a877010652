/* rt_internal.h — what the runtime's own files share behind rt_main(); not installed. */
#ifndef NNCC_RT_INTERNAL_H
#define NNCC_RT_INTERNAL_H

#include <stdio.h>

#include "nncc_rt.h"

/* The training program's command line (SPEC section 3); -1 / NULL = take the YAML's value. */
typedef struct rt_options {
    const char *program;
    const char *train_path, *test_path, *out_dir, *predict_path, *weights_path;
    int epochs, batch_size, threads;
    double learning_rate;
    int64_t seed;
    int quiet, resume, gradcheck, selftest;
} rt_options;

/* One metrics row: what metrics.csv and curves.svg show. NAN = not measured. The first six
 * fields are metrics.csv's first six columns (SPEC 3); the rest follow in the same order. */
typedef struct rt_metrics {
    int epoch;
    double train_loss, train_acc, test_loss, test_acc, seconds;
    double lr; /* the learning rate the epoch trained with (NAN for epoch 0) */
    double val_loss, val_acc;
    /* regression, in the targets' own units: R^2 (mean over outputs), RMSE, MAE */
    double train_r2, train_rmse, train_mae, val_r2, val_rmse, val_mae, test_r2, test_rmse, test_mae;
} rt_metrics;
#define RT_METRICS_COLUMNS 18 /* epoch and the 17 doubles, in the order above */

/* What rt_evaluate measures on one dataset; NAN where it does not apply. */
typedef struct rt_eval {
    double loss, acc, r2, rmse, mae;
} rt_eval;

/* Everything one run holds. */
typedef struct rt_session {
    const rt_network *net;
    rt_options opt;
    rt_config cfg; /* YAML defaults with the command line applied */
    rt_shape shape;
    rt_dataset train, test;
    int has_test;
    rt_dataset val; /* validation: cfg.val, or held out of the training set (rt_split.c) */
    int has_val;
    rt_norm norm;
    rt_norm target; /* normalize_targets: y' = (y - offset) * scale per output; d = 0 when none */
    rt_rng rng;
    char *out_dir;
    void *xbuf;    /* chunk x inputs reals */
    double *ybuf;  /* chunk x ny */
    int32_t *idx;  /* train.n sample order */
    void *best;    /* last good parameters (divergence) */
    long step;     /* optimiser steps taken, for Adam's bias correction */
    int epoch;     /* epochs completed */
    double seconds;
    rt_metrics *history;
    int n_history, cap_history;
    int tty;       /* progress bar on stderr */
    /* early stopping on the validation loss */
    double best_val_loss;
    int bad_epochs;
    int best_epoch; /* epoch of best_val_loss, whose parameters `kept` holds; -1 = none yet */
    void *kept;     /* the parameters of best_epoch */
    int saved_epoch; /* the epoch whose weights NAME.safetensors holds, once written (plots) */
} rt_session;

/* The ranks of a data-parallel run: set by rt_main_mpi() (rt_mpi.c) before rt_main(); NULL in a
 * program of one process. Every call is collective: each rank makes the same calls in the same
 * order. */
typedef struct rt_comm {
    int rank, size;
    void (*sum)(double *v, int n); /* v summed over the ranks in place, the same on every rank */
    int (*max)(int v);             /* the largest v of any rank */
    /* net->grads summed over the ranks: starts the layers step() has not handed to
     * rt_grads_ready() (a rank with no rows), in the same reverse order, then waits for all */
    void (*grads)(const rt_network *net);
    /* 1 when the parameters are the same bytes on every rank */
    int (*same)(const void *block, size_t bytes);
    /* rank 0 prints what the gradient sums cost (after training, unless --quiet) */
    void (*report)(void);
} rt_comm;
extern const rt_comm *rt_world;
/* Rank 0 (or the one process): the rank that prints and writes files. */
int rt_writer(void);
/* A failure any rank saw, agreed on by all: the largest code of any rank (0: none). After a
 * non-zero agreed code every rank returns it; a rank that fails alone elsewhere ends the run. */
int rt_agree(int code);
extern int rt_agreed_failure;

/* rt_main.c: OMP_WAIT_POLICY=passive unless the user chose one, by starting the program again
 * (before MPI_Init under MPI: rt_main_mpi calls it first). */
void rt_prefer_passive_waiting(char **argv);

/* rt_train.c */
int rt_train(rt_session *s);
/* Mean loss and accuracy (NAN for regression) of the network over ds. */
void rt_evaluate(rt_session *s, const rt_dataset *ds, double *loss, double *acc);
/* The same with, for regression, R^2, RMSE and MAE in the targets' own units. */
void rt_evaluate_all(rt_session *s, const rt_dataset *ds, rt_eval *ev);
/* The learning rate of epoch e (0-based) under cfg's schedule: depends on e alone. */
double rt_lr_at(const rt_config *cfg, int e);

/* rt_split.c: the validation set (cfg.val, a fraction of train, or 10% for early stopping) and
 * the target scaling, both from the training part only; called once the data are loaded. */
int rt_split_validation(rt_session *s);
/* Target scaling: y' = (y - offset) * scale in place over n rows of ny values; and back. */
void rt_targets_scale(const rt_norm *t, double *y, int n);
void rt_targets_unscale(const rt_norm *t, double *y, int n);

/* rt_report.c: metrics.csv, weights, progress */
int rt_write_weights(const rt_session *s, const char *path, const void *params);
int rt_read_weights(rt_session *s, const char *path, int want_norm);
/* metrics.csv, from s->history: the whole file atomically (--resume's repair); */
int rt_write_metrics(const rt_session *s);
/* its last row rounded to what its line reads back as (on every rank) and appended by rank 0 (a
 * run's first row: the file anew); */
int rt_append_metrics(rt_session *s);
/* --resume: the rows up to the checkpoint's epoch read back, checked against the checkpoint's
 * count and last row (last->epoch -1: not known); */
int rt_read_metrics(rt_session *s, int rows, const rt_metrics *last);
/* fsync'd, before a checkpoint that counts its rows. */
int rt_sync_metrics(const rt_session *s);
void rt_progress(rt_session *s, int epoch, int epochs, double loss, double acc, double done_frac,
                 double rate);
void rt_log_row(rt_session *s, const rt_metrics *row, int epochs);
char *rt_join(const char *dir, const char *file); /* malloc'd "dir/file" */
int rt_mkdir_p(const char *dir);

/* rt_checkpoint.c */
int rt_checkpoint_write(const rt_session *s);
/* Also the number of metrics rows the run had logged and the last of them, for rt_read_metrics. */
int rt_checkpoint_read(rt_session *s, int *rows, rt_metrics *last);

/* rt_plot.c: curves.svg and boundary.svg */
int rt_plot_curves(const rt_session *s, const char *path);
int rt_plot_boundary(rt_session *s, const char *path);

/* rt_gradcheck.c: returns the exit code */
int rt_gradcheck(rt_session *s);

/* rt_selftest.c: --selftest on seeded random rows (no data file); returns the exit code */
int rt_selftest(rt_session *s);

/* rt_confusion.c: the confusion matrix of a classifier (binary: 2 classes, threshold 0.5) */
typedef struct rt_confusion {
    int k, n;    /* classes, samples counted */
    long *count; /* k*k, row = true class, column = predicted class */
} rt_confusion;
int rt_confusion_compute(rt_session *s, const rt_dataset *ds, rt_confusion *cm);
int rt_confusion_write(const rt_confusion *cm, const char *dir); /* DIR/confusion.csv, atomically */
void rt_confusion_print(const rt_confusion *cm, const char *set, FILE *out);
void rt_confusion_free(rt_confusion *cm);
/* After training: confusion.csv on the test set (else the training set) and its summary on
 * stdout; nothing for regression. */
int rt_confusion_report(rt_session *s);

#endif
