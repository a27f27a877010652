/* rt_train.c — the epoch loop: batches, optimiser steps, evaluation, divergence, early stopping. */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt_internal.h"

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    stop_signal = sig;
    signal(sig, SIG_DFL); /* a second Ctrl-C ends the program at once */
}

/* Copies rows idx[0..m) of ds's labels into ybuf. */
static void fill_labels(const rt_dataset *ds, const int32_t *idx, int m, double *ybuf)
{
    for (int r = 0; r < m; r++)
        memcpy(ybuf + (size_t)r * (size_t)ds->ny, ds->y + (size_t)idx[r] * (size_t)ds->ny,
               sizeof(double) * (size_t)ds->ny);
}

/* Runs step() over rows idx[0..m) in chunks: loss and correct counts, and gradients when grad. */
static void run_rows(rt_session *s, const rt_dataset *ds, const int32_t *idx, int m, int grad,
                     rt_stats *st)
{
    const rt_network *net = s->net;
    for (int c = 0; c < m; c += net->chunk) {
        int mc = m - c < net->chunk ? m - c : net->chunk;
        rt_batch_fill(ds, &s->norm, idx + c, mc, s->xbuf, net->real_size);
        fill_labels(ds, idx + c, mc, s->ybuf);
        net->step(mc, s->xbuf, s->ybuf, grad, st);
    }
}

void rt_evaluate(rt_session *s, const rt_dataset *ds, double *loss, double *acc)
{
    int32_t order[1024];
    rt_stats st = {0, 0};
    for (int start = 0; start < ds->n; start += 1024) {
        int m = ds->n - start < 1024 ? ds->n - start : 1024;
        for (int r = 0; r < m; r++) order[r] = start + r;
        run_rows(s, ds, order, m, 0, &st);
    }
    *loss = st.loss / ds->n;
    *acc = s->net->task == RT_TASK_REGRESSION ? NAN : st.correct / ds->n;
}

static int params_finite(const rt_network *net)
{
    for (size_t i = 0; i < net->n_params; i++)
        if (!isfinite(rt_param_get(net, net->params, i))) return 0;
    return 1;
}

static int add_history(rt_session *s, const rt_metrics *row)
{
    if (s->n_history == s->cap_history) {
        int cap = s->cap_history ? 2 * s->cap_history : 64;
        rt_metrics *h = realloc(s->history, sizeof *h * (size_t)cap);
        if (!h) {
            rt_error(NULL, 0, "out of memory");
            return -1;
        }
        s->history = h;
        s->cap_history = cap;
    }
    s->history[s->n_history++] = *row;
    return 0;
}

/* Evaluates at a log point: one metrics row, printed, kept and written. */
static int log_point(rt_session *s, int epochs)
{
    rt_metrics row = {s->epoch, NAN, NAN, NAN, NAN, s->seconds};
    rt_evaluate(s, &s->train, &row.train_loss, &row.train_acc);
    if (s->has_test) rt_evaluate(s, &s->test, &row.test_loss, &row.test_acc);
    if (add_history(s, &row)) return -1;
    rt_log_row(s, &row, epochs);
    return rt_write_metrics(s);
}

/* Everything a finished (or stopped) run leaves in the output directory. */
static int write_outputs(rt_session *s)
{
    char file[160];
    snprintf(file, sizeof file, "%s.safetensors", s->net->name);
    char *weights = rt_join(s->out_dir, file);
    char *curves = rt_join(s->out_dir, "curves.svg");
    char *boundary = rt_join(s->out_dir, "boundary.svg");
    int rc = 0;
    if (!weights || !curves || !boundary) rc = -1;
    if (!rc) rc = rt_write_weights(s, weights, s->net->params);
    if (!rc) rc = rt_write_metrics(s);
    if (!rc) rc = rt_checkpoint_write(s);
    if (!rc) rc = rt_plot_curves(s, curves);
    if (!rc && s->net->inputs == 2) rc = rt_plot_boundary(s, boundary);
    if (!rc && !s->opt.quiet) printf("wrote %s/ (%s, metrics.csv, curves.svg%s, checkpoint.safetensors)\n",
                                     s->out_dir, file, s->net->inputs == 2 ? ", boundary.svg" : "");
    free(weights);
    free(curves);
    free(boundary);
    return rc;
}

static void print_summary(const rt_session *s)
{
    if (s->opt.quiet || s->n_history == 0) return;
    const rt_metrics *r = &s->history[s->n_history - 1];
    printf("final: epoch %d  train loss %.6f", r->epoch, r->train_loss);
    if (!isnan(r->train_acc)) printf(" accuracy %.4f", r->train_acc);
    if (s->has_test) {
        printf("  test loss %.6f", r->test_loss);
        if (!isnan(r->test_acc)) printf(" accuracy %.4f", r->test_acc);
    }
    printf("  (%.2f s)\n", r->seconds);
}

int rt_train(rt_session *s)
{
    const rt_network *net = s->net;
    const int n = s->train.n, epochs = s->cfg.epochs;
    const size_t block = net->n_params * (size_t)net->real_size;
    s->ybuf = calloc((size_t)net->chunk * (size_t)(s->train.ny ? s->train.ny : 1), sizeof(double));
    s->idx = malloc(sizeof(int32_t) * (size_t)n);
    s->best = malloc(block ? block : 1);
    if (!s->ybuf || !s->idx || !s->best) {
        rt_error(NULL, 0, "out of memory");
        return RT_EXIT_INPUT;
    }
    for (int i = 0; i < n; i++) s->idx[i] = i;
    int bs = s->cfg.batch_size <= 0 || s->cfg.batch_size > n ? n : s->cfg.batch_size;
    int full = bs == n;
    s->best_test_loss = INFINITY;

    if (rt_mkdir_p(s->out_dir)) return RT_EXIT_INPUT;
    if (s->opt.resume) {
        if (rt_checkpoint_read(s)) return RT_EXIT_INPUT;
        if (!s->opt.quiet)
            printf("resumed from %s/checkpoint.safetensors at epoch %d\n", s->out_dir, s->epoch);
    } else if (log_point(s, epochs)) {
        return RT_EXIT_INPUT;
    }
    memcpy(s->best, net->params, block);

    stop_signal = 0;
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    double t0 = rt_now() - s->seconds, last_draw = 0;
    const int first = s->epoch;
    int code = RT_EXIT_OK;
    for (int epoch = s->epoch + 1; epoch <= epochs; epoch++) {
        if (s->cfg.shuffle && !full) {
            /* Each epoch's order from the identity and the generator alone, so a run resumed
             * from a checkpoint (which keeps the generator, not the order) shuffles the same. */
            for (int i = 0; i < n; i++) s->idx[i] = i;
            rt_rng_shuffle(&s->rng, s->idx, n);
        }
        rt_stats st = {0, 0};
        for (int start = 0; start < n; start += bs) {
            int m = n - start < bs ? n - start : bs;
            if (net->train_step && m <= net->chunk) { /* the batch is one chunk: step and update in one */
                rt_batch_fill(&s->train, &s->norm, s->idx + start, m, s->xbuf, net->real_size);
                fill_labels(&s->train, s->idx + start, m, s->ybuf);
                net->train_step(m, s->xbuf, s->ybuf, &st, s->cfg.learning_rate, ++s->step);
            } else {
                run_rows(s, &s->train, s->idx + start, m, 1, &st);
                net->update(s->cfg.learning_rate, 1.0 / m, ++s->step);
            }
            double now = rt_now();
            if (s->tty && now - last_draw > 0.1) {
                s->seconds = now - t0;
                double done = (epoch - 1 + (double)(start + m) / n) / epochs;
                double rate = (double)(epoch - 1 - first) * n + start + m;
                rt_progress(s, epoch, epochs, st.loss / (start + m),
                            net->task == RT_TASK_REGRESSION ? NAN : st.correct / (start + m), done,
                            rate / (now - t0 + 1e-9));
                last_draw = now;
            }
        }
        s->seconds = rt_now() - t0;
        double loss = st.loss / n;
        if (!isfinite(loss) || !params_finite(net)) {
            memcpy(net->params, s->best, block);
            if (s->tty) fputs("\r\033[K", stderr);
            fprintf(stderr,
                    "%s: error: training diverged at epoch %d: the loss became %s; kept the weights of "
                    "epoch %d (try a smaller learning_rate than %g, or normalize: minmax)\n",
                    s->opt.program, epoch, isnan(loss) ? "NaN" : "infinite", s->epoch,
                    s->cfg.learning_rate);
            code = RT_EXIT_DIVERGED;
            break;
        }
        memcpy(s->best, net->params, block);
        s->epoch = epoch;
        int stop = 0;
        const double eval_start = rt_now(); /* evaluation and checkpoints are not training time */
        if (s->cfg.early_stopping && s->has_test) {
            double tl, ta;
            rt_evaluate(s, &s->test, &tl, &ta);
            if (tl < s->best_test_loss - s->cfg.min_delta) {
                s->best_test_loss = tl;
                s->bad_epochs = 0;
            } else if (++s->bad_epochs >= s->cfg.patience) {
                stop = 1;
            }
        }
        if (epoch % s->cfg.log_every == 0 || epoch == epochs || stop || stop_signal) {
            if (s->tty) fputs("\r\033[K", stderr); /* erase the bar; the row takes its line */
            if (log_point(s, epochs)) return RT_EXIT_INPUT;
            if (epoch % s->cfg.log_every == 0 && rt_checkpoint_write(s)) return RT_EXIT_INPUT;
        }
        t0 += rt_now() - eval_start; /* so metrics.csv's seconds count training only (SPEC 3) */
        if (stop) {
            if (!s->opt.quiet)
                printf("early stopping at epoch %d: test loss has not improved by %g for %d epochs\n", epoch,
                       s->cfg.min_delta, s->cfg.patience);
            break;
        }
        if (stop_signal) {
            if (!s->opt.quiet)
                printf("interrupted after epoch %d: checkpoint saved; continue with --resume\n", epoch);
            code = 128 + stop_signal;
            break;
        }
    }
    if (s->tty) fputs("\r\033[K", stderr);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    if (s->n_history == 0 || s->history[s->n_history - 1].epoch != s->epoch) {
        if (log_point(s, epochs)) return RT_EXIT_INPUT;
    }
    if (write_outputs(s)) return RT_EXIT_INPUT;
    print_summary(s);
    if (rt_confusion_report(s)) return RT_EXIT_INPUT;
    return code;
}
