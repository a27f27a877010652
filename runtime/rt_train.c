/* rt_train.c — the epoch loop: batches, optimiser steps, the learning-rate schedule, evaluation,
 * divergence, early stopping on the validation loss and the best epoch kept; under MPI
 * (rt_world), each rank's share of every batch and of every evaluation. */
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

const rt_comm *rt_world;
int rt_agreed_failure;

int rt_writer(void)
{
    return !rt_world || rt_world->rank == 0;
}

int rt_agree(int code)
{
    if (rt_world) code = rt_world->max(code);
    if (code) rt_agreed_failure = 1;
    return code;
}

/* This rank's share [*lo, *hi) of m rows: contiguous slices in rank order (all of them in one
 * process). */
static void share(int m, int *lo, int *hi)
{
    const long long r = rt_world ? rt_world->rank : 0, p = rt_world ? rt_world->size : 1;
    *lo = (int)(m * r / p);
    *hi = (int)(m * (r + 1) / p);
}

/* The learning rate of epoch e (0-based), PyTorch's schedulers stepped once per epoch:
 *   constant     lr0
 *   step         lr0 * gamma^floor(e / every)                               StepLR(step_size=every, gamma)
 *   exponential  lr0 * gamma^e                                              ExponentialLR(gamma)
 *   cosine       min + (lr0 - min) * (1 + cos(pi * e / T)) / 2, T = epochs  CosineAnnealingLR(T_max=epochs, eta_min=min)
 * With warmup W > 0:
 *   e < W        lr0 * (e + 1) / (W + 1)
 *   e >= W       the schedule above at e - W, cosine with T = epochs - W
 * which is exactly
 *   SequentialLR(opt, [LinearLR(opt, start_factor=1/(W+1), end_factor=1.0, total_iters=W),
 *                      <schedule>], milestones=[W])
 * with <schedule> built as above (CosineAnnealingLR's T_max = epochs - W): the ramp starts at
 * lr0/(W+1) and reaches lr0 in the epoch the schedule starts. A closed form of the epoch number
 * alone, so --resume continues the schedule exactly. */
double rt_lr_at(const rt_config *cfg, int e)
{
    const double lr0 = cfg->learning_rate;
    const int w = cfg->lr_warmup > 0 ? cfg->lr_warmup : 0;
    if (e < w) return lr0 * (double)(e + 1) / (double)(w + 1);
    e -= w;
    switch (cfg->lr_schedule) {
    case RT_LR_STEP: return lr0 * pow(cfg->lr_gamma, (double)(e / (cfg->lr_every > 0 ? cfg->lr_every : 1)));
    case RT_LR_EXPONENTIAL: return lr0 * pow(cfg->lr_gamma, (double)e);
    case RT_LR_COSINE: {
        int t = cfg->epochs - w > 0 ? cfg->epochs - w : 1;
        return cfg->lr_min + (lr0 - cfg->lr_min) * (1 + cos(3.14159265358979323846 * (double)e / (double)t)) / 2;
    }
    default: return lr0;
    }
}

/* Copies rows idx[0..m) of ds's labels into ybuf, scaled when the targets are (normalize_targets). */
static void fill_labels(const rt_session *s, const rt_dataset *ds, const int32_t *idx, int m, double *ybuf)
{
    for (int r = 0; r < m; r++)
        memcpy(ybuf + (size_t)r * (size_t)ds->ny, ds->y + (size_t)idx[r] * (size_t)ds->ny,
               sizeof(double) * (size_t)ds->ny);
    if (s->target.d) rt_targets_scale(&s->target, ybuf, m);
}

/* Rows idx[0..m) of ds into xbuf, normalised; for a training batch (the optimiser step about to
 * be taken) augmented when data.augment says so. */
static void fill_x(rt_session *s, const rt_dataset *ds, const int32_t *idx, int m, int training)
{
    if (training) rt_rows_training(s->cfg.seed, s->step + 1, idx, m);
    else rt_rows.training = 0;
    if (training && (s->cfg.augment_flip || s->cfg.augment_shift))
        rt_batch_fill_augmented(ds, &s->norm, idx, m, s->xbuf, s->net->real_size, &s->cfg, s->step + 1);
    else
        rt_batch_fill(ds, &s->norm, idx, m, s->xbuf, s->net->real_size);
}

/* Runs step() over rows idx[0..m) in chunks: loss and correct counts, and gradients when grad
 * (RT_GRAD_SHARE: only the last chunk hands the complete gradients over). */
static void run_rows(rt_session *s, const rt_dataset *ds, const int32_t *idx, int m, int grad,
                     rt_stats *st)
{
    const rt_network *net = s->net;
    for (int c = 0; c < m; c += net->chunk) {
        int mc = m - c < net->chunk ? m - c : net->chunk;
        fill_x(s, ds, idx + c, mc, grad != RT_GRAD_NONE);
        fill_labels(s, ds, idx + c, mc, s->ybuf);
        net->step(mc, s->xbuf, s->ybuf, grad == RT_GRAD_SHARE && c + mc < m ? RT_GRAD_ADD : grad, st);
    }
}

/* The loss and correct counts of every rank's rows. */
static void sum_stats(rt_stats *st)
{
    if (!rt_world) return;
    double v[2] = {st->loss, st->correct};
    rt_world->sum(v, 2);
    st->loss = v[0], st->correct = v[1];
}

void rt_evaluate(rt_session *s, const rt_dataset *ds, double *loss, double *acc)
{
    int32_t order[1024];
    rt_stats st = {0, 0};
    int lo, hi;
    share(ds->n, &lo, &hi);
    for (int start = lo; start < hi; start += 1024) {
        int m = hi - start < 1024 ? hi - start : 1024;
        for (int r = 0; r < m; r++) order[r] = start + r;
        run_rows(s, ds, order, m, RT_GRAD_NONE, &st);
    }
    sum_stats(&st);
    *loss = st.loss / ds->n;
    *acc = s->net->task == RT_TASK_REGRESSION ? NAN : st.correct / ds->n;
}

/* Regression metrics in the targets' own units, outputs un-scaled:
 *   R^2   mean over outputs k of 1 - SS_res,k / SS_tot,k (scikit-learn's r2_score, multioutput
 *         'uniform_average'; an output of constant targets scores 1 when predicted exactly, else 0)
 *   RMSE  sqrt of the mean over samples and outputs of (y - yhat)^2
 *   MAE   mean over samples and outputs of |y - yhat| */
static void regression_metrics(rt_session *s, const rt_dataset *ds, rt_eval *ev)
{
    const rt_network *net = s->net;
    const int k = net->outputs, n = ds->n;
    double *sums = calloc((size_t)k * 4, sizeof(double)); /* mean, ss_tot, ss_res, abs */
    double *pred = malloc(sizeof(double) * (size_t)net->chunk * (size_t)k);
    void *out = malloc((size_t)net->chunk * (size_t)k * (size_t)net->real_size);
    int32_t *order = malloc(sizeof(int32_t) * (size_t)net->chunk);
    if (!sums || !pred || !out || !order) goto done; /* metrics stay NAN */
    double *mean = sums, *tot = sums + k, *res = sums + 2 * k, *abs_err = sums + 3 * k;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < k; j++) mean[j] += ds->y[(size_t)i * (size_t)k + (size_t)j];
    for (int j = 0; j < k; j++) mean[j] /= n;
    int lo, hi;
    share(n, &lo, &hi);
    for (int start = lo; start < hi; start += net->chunk) {
        int m = hi - start < net->chunk ? hi - start : net->chunk;
        for (int r = 0; r < m; r++) order[r] = start + r;
        rt_batch_fill(ds, &s->norm, order, m, s->xbuf, net->real_size);
        net->forward(m, s->xbuf, out);
        for (size_t i = 0; i < (size_t)m * (size_t)k; i++)
            pred[i] = net->real_size == 4 ? (double)((float *)out)[i] : ((double *)out)[i];
        if (s->target.d) rt_targets_unscale(&s->target, pred, m);
        for (int r = 0; r < m; r++)
            for (int j = 0; j < k; j++) {
                double y = ds->y[(size_t)(start + r) * (size_t)k + (size_t)j];
                double e = y - pred[(size_t)r * (size_t)k + (size_t)j];
                tot[j] += (y - mean[j]) * (y - mean[j]);
                res[j] += e * e;
                abs_err[j] += fabs(e);
            }
    }
    if (rt_world) rt_world->sum(tot, 3 * k); /* tot, res and abs_err over every rank's rows */
    double r2 = 0, se = 0, ae = 0;
    for (int j = 0; j < k; j++) {
        r2 += tot[j] > 0 ? 1 - res[j] / tot[j] : res[j] == 0 ? 1 : 0;
        se += res[j];
        ae += abs_err[j];
    }
    ev->r2 = r2 / k;
    ev->rmse = sqrt(se / ((double)n * k));
    ev->mae = ae / ((double)n * k);
done:
    free(sums);
    free(pred);
    free(out);
    free(order);
}

void rt_evaluate_all(rt_session *s, const rt_dataset *ds, rt_eval *ev)
{
    *ev = (rt_eval){NAN, NAN, NAN, NAN, NAN};
    rt_evaluate(s, ds, &ev->loss, &ev->acc);
    if (s->net->task == RT_TASK_REGRESSION) regression_metrics(s, ds, ev);
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

/* The metrics of the current parameters on every set there is; the epoch's lr. */
static rt_metrics measure(rt_session *s)
{
    rt_metrics row;
    rt_eval tr, va = {NAN, NAN, NAN, NAN, NAN}, te = va;
    rt_evaluate_all(s, &s->train, &tr);
    if (s->has_val) rt_evaluate_all(s, &s->val, &va);
    if (s->has_test) rt_evaluate_all(s, &s->test, &te);
    row.epoch = s->epoch;
    row.train_loss = tr.loss, row.train_acc = tr.acc;
    row.test_loss = te.loss, row.test_acc = te.acc;
    row.seconds = s->seconds;
    row.lr = s->epoch > 0 ? rt_lr_at(&s->cfg, s->epoch - 1) : NAN;
    row.val_loss = va.loss, row.val_acc = va.acc;
    row.train_r2 = tr.r2, row.train_rmse = tr.rmse, row.train_mae = tr.mae;
    row.val_r2 = va.r2, row.val_rmse = va.rmse, row.val_mae = va.mae;
    row.test_r2 = te.r2, row.test_rmse = te.rmse, row.test_mae = te.mae;
    return row;
}

/* Evaluates at a log point: one metrics row, printed, kept and written. */
static int log_point(rt_session *s, int epochs)
{
    rt_metrics row = measure(s);
    if (add_history(s, &row)) return -1;
    if (rt_world && !rt_world->same(s->net->params, s->net->n_params * (size_t)s->net->real_size)) {
        rt_agree(RT_EXIT_INPUT); /* every rank has found it */
        rt_error(NULL, 0, "internal error: the ranks' parameters differ at epoch %d", s->epoch);
        return -1;
    }
    rt_log_row(s, &row, epochs);
    return rt_append_metrics(s);
}

/* Everything a finished (or stopped) run leaves in the output directory. */
static int write_outputs(rt_session *s)
{
    char file[160];
    snprintf(file, sizeof file, "%s.safetensors", s->net->name);
    char *weights = rt_join(s->out_dir, file);
    char *curves = rt_join(s->out_dir, "curves.svg");
    char *boundary = rt_join(s->out_dir, "boundary.svg");
    const int writer = rt_writer(); /* the other ranks restore the kept weights and write nothing */
    int rc = 0;
    if (!weights || !curves || !boundary) rc = -1;
    /* The checkpoint holds the last epoch's parameters (what --resume continues from), the
     * weights file the kept epoch's: restored first when early stopping kept an earlier one. */
    if (!rc && writer) rc = rt_checkpoint_write(s);
    s->saved_epoch = s->epoch;
    if (!rc && s->best_epoch >= 0) {
        memcpy(s->net->params, s->kept, s->net->n_params * (size_t)s->net->real_size);
        s->saved_epoch = s->best_epoch;
        if (!s->opt.quiet) {
            if (s->best_epoch != s->epoch)
                printf("restored the weights of epoch %d (validation loss %.6g)\n", s->best_epoch,
                       s->best_val_loss);
            else
                printf("kept the weights of epoch %d, the last (validation loss %.6g)\n", s->best_epoch,
                       s->best_val_loss);
        }
    }
    if (!rc && writer) {
        /* The weights file's metadata names the epoch of the weights it holds. */
        int last = s->epoch;
        s->epoch = s->saved_epoch;
        rc = rt_write_weights(s, weights, s->net->params);
        s->epoch = last;
        if (!rc) rc = rt_plot_curves(s, curves);
        if (!rc && s->net->inputs == 2) rc = rt_plot_boundary(s, boundary);
    }
    if (!rc && writer && !s->opt.quiet) printf("wrote %s/ (%s, metrics.csv, curves.svg%s, checkpoint.safetensors)\n",
                                     s->out_dir, file, s->net->inputs == 2 ? ", boundary.svg" : "");
    free(weights);
    free(curves);
    free(boundary);
    return rc;
}

/* One set's part of the summary: loss, then accuracy or R^2, RMSE and MAE. */
static void summary_set(const char *set, double loss, double acc, double r2, double rmse, double mae)
{
    printf("  %s loss %.6f", set, loss);
    if (!isnan(acc)) printf(" accuracy %.4f", acc);
    if (!isnan(r2)) printf(" R2 %.4f RMSE %.6g MAE %.6g", r2, rmse, mae);
}

/* The metrics of the weights written: the last row, or, when early stopping restored an earlier
 * epoch, that epoch's measured again. */
static void print_summary(rt_session *s)
{
    if (s->opt.quiet || s->n_history == 0) return;
    rt_metrics restored, *r = &s->history[s->n_history - 1];
    if (s->saved_epoch != r->epoch) {
        int last = s->epoch;
        s->epoch = s->saved_epoch;
        restored = measure(s);
        s->epoch = last;
        restored.seconds = r->seconds;
        r = &restored;
    }
    printf("final: epoch %d", r->epoch);
    summary_set("train", r->train_loss, r->train_acc, r->train_r2, r->train_rmse, r->train_mae);
    if (s->has_val) summary_set("validation", r->val_loss, r->val_acc, r->val_r2, r->val_rmse, r->val_mae);
    if (s->has_test) summary_set("test", r->test_loss, r->test_acc, r->test_r2, r->test_rmse, r->test_mae);
    printf("  (%.2f s)\n", r->seconds);
}

/* The temps a run killed while writing left in the output directory (kill -9 runs no cleanup). */
static void sweep_temps(const rt_session *s)
{
    char weights[160];
    snprintf(weights, sizeof weights, "%s.safetensors", s->net->name);
    const char *const outputs[] = {weights, "metrics.csv", "checkpoint.safetensors", "curves.svg",
                                   "boundary.svg", "confusion.csv"};
    rt_atomic_sweep(s->out_dir, outputs, (int)(sizeof outputs / sizeof outputs[0]));
}

int rt_train(rt_session *s)
{
    const rt_network *net = s->net;
    const int n = s->train.n, epochs = s->cfg.epochs;
    const size_t block = net->n_params * (size_t)net->real_size;
    s->ybuf = calloc((size_t)net->chunk * (size_t)(s->train.ny ? s->train.ny : 1), sizeof(double));
    s->idx = malloc(sizeof(int32_t) * (size_t)n);
    s->best = malloc(block ? block : 1);
    s->kept = malloc(block ? block : 1);
    if (!s->ybuf || !s->idx || !s->best || !s->kept) {
        rt_error(NULL, 0, "out of memory");
        return RT_EXIT_INPUT;
    }
    for (int i = 0; i < n; i++) s->idx[i] = i;
    int bs = s->cfg.batch_size <= 0 || s->cfg.batch_size > n ? n : s->cfg.batch_size;
    int full = bs == n;
    s->best_val_loss = INFINITY;
    s->bad_epochs = 0;
    s->best_epoch = -1;
    const int watch = s->cfg.early_stopping && s->has_val;

    if (rt_writer()) {
        if (rt_mkdir_p(s->out_dir)) return RT_EXIT_INPUT;
        sweep_temps(s);
    }
    if (s->opt.resume) {
        /* Every rank reads the checkpoint and metrics.csv's rows up to its epoch (the output
         * directory is shared, as the data are); rank 0 rewrites metrics.csv with those rows. */
        rt_metrics last;
        int rows, bad = rt_checkpoint_read(s, &rows, &last) || rt_read_metrics(s, rows, &last) ||
                        (rt_writer() && rt_write_metrics(s));
        if (rt_agree(bad ? RT_EXIT_INPUT : 0)) return RT_EXIT_INPUT;
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
    /* Under MPI each rank steps its share of every batch and the gradients are summed over the
     * ranks before the one update all take; the fused train_step() updates as it goes, so it
     * serves one process only. */
    const int ranks = rt_world && rt_world->size > 1;
    int code = RT_EXIT_OK;
    /* A run that early stopping ended has nothing left to do on --resume. */
    const int stopped = watch && s->bad_epochs >= s->cfg.patience;
    for (int epoch = s->epoch + 1; !stopped && epoch <= epochs; epoch++) {
        const double lr = rt_lr_at(&s->cfg, epoch - 1);
        if (s->cfg.shuffle && !full) {
            /* Each epoch's order from the identity and the generator alone, so a run resumed
             * from a checkpoint (which keeps the generator, not the order) shuffles the same. */
            for (int i = 0; i < n; i++) s->idx[i] = i;
            rt_rng_shuffle(&s->rng, s->idx, n);
        }
        rt_stats st = {0, 0};
        int seen = 0; /* rows this rank has stepped this epoch */
        for (int start = 0; start < n; start += bs) {
            int m = n - start < bs ? n - start : bs;
            if (ranks) {
                int lo, hi;
                share(m, &lo, &hi);
                run_rows(s, &s->train, s->idx + start + lo, hi - lo, RT_GRAD_SHARE, &st);
                rt_world->grads(net);
                net->update(lr, 1.0 / m, ++s->step);
                seen += hi - lo;
            } else if (net->train_step && m <= net->chunk) { /* the batch is one chunk: step and update in one */
                fill_x(s, &s->train, s->idx + start, m, 1);
                fill_labels(s, &s->train, s->idx + start, m, s->ybuf);
                net->train_step(m, s->xbuf, s->ybuf, &st, lr, ++s->step);
                seen += m;
            } else {
                run_rows(s, &s->train, s->idx + start, m, RT_GRAD_ADD, &st);
                net->update(lr, 1.0 / m, ++s->step);
                seen += m;
            }
            double now = rt_now();
            if (s->tty && now - last_draw > 0.1) {
                s->seconds = now - t0;
                double done = (epoch - 1 + (double)(start + m) / n) / epochs;
                double rate = (double)(epoch - 1 - first) * n + start + m;
                rt_progress(s, epoch, epochs, st.loss / (seen ? seen : 1),
                            net->task == RT_TASK_REGRESSION ? NAN : st.correct / (seen ? seen : 1), done,
                            rate / (now - t0 + 1e-9));
                last_draw = now;
            }
        }
        s->seconds = rt_now() - t0;
        sum_stats(&st);
        if (rt_world) stop_signal = rt_world->max(stop_signal); /* every rank stops after the same epoch */
        double loss = st.loss / n;
        if (!isfinite(loss) || !params_finite(net)) {
            memcpy(net->params, s->best, block);
            if (s->tty) fputs("\r\033[K", stderr);
            if (rt_writer()) /* every rank diverged alike: one message */
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
        if (watch) {
            double vl, va;
            rt_evaluate(s, &s->val, &vl, &va);
            if (vl < s->best_val_loss - s->cfg.min_delta) {
                s->best_val_loss = vl;
                s->bad_epochs = 0;
                s->best_epoch = epoch;
                memcpy(s->kept, net->params, block);
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
                printf("early stopping at epoch %d: validation loss has not improved by %g for %d epochs\n",
                       epoch, s->cfg.min_delta, s->cfg.patience);
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
    if (ranks && !s->opt.quiet) rt_world->report();
    if (rt_writer() && rt_confusion_report(s)) return RT_EXIT_INPUT;
    return code;
}
