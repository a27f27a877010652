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

/* One metrics row: what metrics.csv and curves.svg show. NAN = not measured. */
typedef struct rt_metrics {
    int epoch;
    double train_loss, train_acc, test_loss, test_acc, seconds;
} rt_metrics;

/* Everything one run holds. */
typedef struct rt_session {
    const rt_network *net;
    rt_options opt;
    rt_config cfg; /* YAML defaults with the command line applied */
    rt_shape shape;
    rt_dataset train, test;
    int has_test;
    rt_norm norm;
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
    /* early stopping */
    double best_test_loss;
    int bad_epochs;
} rt_session;

/* rt_train.c */
int rt_train(rt_session *s);
/* Mean loss and accuracy (NAN for regression) of the network over ds. */
void rt_evaluate(rt_session *s, const rt_dataset *ds, double *loss, double *acc);

/* rt_report.c: metrics.csv, weights, progress */
int rt_write_weights(const rt_session *s, const char *path, const void *params);
int rt_read_weights(rt_session *s, const char *path, int want_norm);
int rt_write_metrics(const rt_session *s);
void rt_progress(rt_session *s, int epoch, int epochs, double loss, double acc, double done_frac,
                 double rate);
void rt_log_row(rt_session *s, const rt_metrics *row, int epochs);
char *rt_join(const char *dir, const char *file); /* malloc'd "dir/file" */
int rt_mkdir_p(const char *dir);

/* rt_checkpoint.c */
int rt_checkpoint_write(const rt_session *s);
int rt_checkpoint_read(rt_session *s);

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
