/* rt_checkpoint.c — checkpoint.safetensors: everything --resume needs to continue bit-identically.
 *
 * Besides the weights (same names as NAME.safetensors): the optimiser buffers, the epoch and
 * step counters, the generator state (as 32-bit halves, exact in F64), early-stopping state (best
 * validation loss, epochs without improvement, the best epoch and its parameters), and of the
 * metrics only their count and the last row: the rows themselves are metrics.csv's, which
 * --resume reads back (rt_read_metrics) and checks against these two. So a checkpoint's size
 * depends on the network alone, never on how many epochs the run has logged.
 *
 * A checkpoint of an earlier nncc carries the whole history as train.metrics instead of
 * train.last_metrics: it still resumes, the tensor ignored and the rows read from metrics.csv
 * without the last row's check. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt_internal.h"

enum { METRIC_COLS = RT_METRICS_COLUMNS };

/* A metrics row as doubles, in metrics.csv's column order, and back. */
static void row_to(const rt_metrics *r, double *v)
{
    const double f[RT_METRICS_COLUMNS] = {r->epoch, r->train_loss, r->train_acc, r->test_loss, r->test_acc,
                                          r->seconds, r->lr, r->val_loss, r->val_acc, r->train_r2,
                                          r->train_rmse, r->train_mae, r->val_r2, r->val_rmse, r->val_mae,
                                          r->test_r2, r->test_rmse, r->test_mae};
    memcpy(v, f, sizeof f);
}

/* A counter of the file is an integer in [lo, hi] before it is converted: a corrupt file must not
 * become an undefined conversion (1e300 to int) or a wrapped allocation. */
static int whole_in(double v, double lo, double hi)
{
    return v >= lo && v <= hi && v == floor(v);
}

/* The name of the first counter out of its range, or NULL. The rows have distinct epochs from 0
 * to the checkpoint's, so there are at most epoch + 1. */
static const char *bad_counter(const double *counters, const double *rng, const double *early)
{
    if (!whole_in(counters[0], 0, 100000000)) return "train.counters[0] (the epoch)";
    if (!whole_in(counters[1], 0, 9e15)) return "train.counters[1] (the optimiser step)";
    if (!(counters[2] >= 0)) return "train.counters[2] (the seconds)";
    if (!whole_in(counters[3], 0, counters[0] + 1)) return "train.counters[3] (the metrics rows)";
    for (int i = 0; i < 8; i++)
        if (!whole_in(rng[i], 0, 4294967295.0)) return "train.rng";
    if (!whole_in(early[1], 0, 100000000)) return "train.early_stopping[1] (the epochs without improvement)";
    if (!whole_in(early[2], -1, counters[0])) return "train.early_stopping[2] (the best epoch)";
    return NULL;
}

static rt_metrics row_from(const double *v)
{
    return (rt_metrics){(int)v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8],
                        v[9], v[10], v[11], v[12], v[13], v[14], v[15], v[16], v[17]};
}

int rt_checkpoint_write(const rt_session *s)
{
    const rt_network *net = s->net;
    const char *dtype = net->real_size == 4 ? "F32" : "F64";
    int n = net->n_tensors + net->n_state + 7;
    rt_st_entry *e = calloc((size_t)n, sizeof *e);
    char *path = rt_join(s->out_dir, "checkpoint.safetensors");
    if (!e || !path) {
        free(e);
        free(path);
        rt_error(NULL, 0, "out of memory");
        return -1;
    }
    /* The rows this checkpoint counts are on disk before it is: a power cut cannot leave a
     * checkpoint whose metrics.csv lacks them. */
    if (rt_sync_metrics(s)) {
        free(e);
        free(path);
        return -1;
    }
    int k = 0;
    for (int t = 0; t < net->n_tensors; t++, k++) {
        const rt_tensor *tn = &net->tensors[t];
        e[k] = (rt_st_entry){tn->name, dtype, 0, {0}, (const char *)net->params + tn->offset * (size_t)net->real_size};
        e[k].rank = rt_tensor_shape(tn, e[k].shape);
    }
    static const char *const state_names[2] = {"optimizer.state.0", "optimizer.state.1"};
    for (int i = 0; i < net->n_state; i++, k++)
        e[k] = (rt_st_entry){state_names[i], dtype, 1, {(int64_t)net->n_params, 0}, net->state[i]};
    double counters[4] = {s->epoch, (double)s->step, s->seconds, s->n_history};
    double rng[8];
    for (int i = 0; i < 4; i++) {
        rng[2 * i] = (double)(s->rng.s[i] >> 32);
        rng[2 * i + 1] = (double)(s->rng.s[i] & 0xffffffffu);
    }
    double early[3] = {s->best_val_loss, s->bad_epochs, s->best_epoch};
    /* The last metrics row, as metrics.csv holds it (epoch -1 and NaN when there is none). */
    double last[METRIC_COLS];
    rt_metrics none = {-1,  NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN,
                       NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN};
    row_to(s->n_history > 0 ? &s->history[s->n_history - 1] : &none, last);
    e[k++] = (rt_st_entry){"train.counters", "F64", 1, {4, 0}, counters};
    e[k++] = (rt_st_entry){"train.rng", "F64", 1, {8, 0}, rng};
    e[k++] = (rt_st_entry){"train.early_stopping", "F64", 1, {3, 0}, early};
    /* The parameters of the best epoch (the current ones until there is one). */
    e[k++] = (rt_st_entry){"train.best_params", dtype, 1, {(int64_t)net->n_params, 0},
                           s->best_epoch >= 0 && s->kept ? s->kept : net->params};
    e[k++] = (rt_st_entry){"train.last_metrics", "F64", 1, {METRIC_COLS, 0}, last};
    char meta[256];
    snprintf(meta, sizeof meta, "{\"format\": \"nncc-checkpoint\", \"network\": \"%s\", \"epoch\": \"%d\"}",
             net->name, s->epoch);
    int rc = rt_st_write(path, e, k, meta);
    free(e);
    free(path);
    return rc;
}

int rt_checkpoint_read(rt_session *s, int *rows, rt_metrics *last)
{
    const rt_network *net = s->net;
    char *path = rt_join(s->out_dir, "checkpoint.safetensors");
    if (!path) return -1;
    rt_st_file f;
    if (rt_st_open(&f, path)) {
        free(path);
        return -1;
    }
    int rc = 0;
    size_t most = net->n_params > 8 ? net->n_params : 8;
    double *tmp = malloc(sizeof(double) * most);
    double counters[4], rng[8], early[3];
    int64_t s4[1] = {4}, s8[1] = {8}, s3[1] = {3};
    if (!tmp) rc = -1;
    for (int t = 0; !rc && t < net->n_tensors; t++) {
        const rt_tensor *tn = &net->tensors[t];
        int64_t shape[4];
        const int rank = rt_tensor_shape(tn, shape);
        size_t count = rt_tensor_count(tn);
        rc = rt_st_read(&f, path, tn->name, shape, rank, tmp);
        for (size_t i = 0; !rc && i < count; i++) rt_param_set(net, net->params, tn->offset + i, tmp[i]);
    }
    static const char *const state_names[2] = {"optimizer.state.0", "optimizer.state.1"};
    for (int b = 0; !rc && b < net->n_state; b++) {
        int64_t shape[1] = {(int64_t)net->n_params};
        rc = rt_st_read(&f, path, state_names[b], shape, 1, tmp);
        for (size_t i = 0; !rc && i < net->n_params; i++) rt_param_set(net, net->state[b], i, tmp[i]);
    }
    if (!rc) rc = rt_st_read(&f, path, "train.counters", s4, 1, counters);
    if (!rc) rc = rt_st_read(&f, path, "train.rng", s8, 1, rng);
    /* These two hold NaN (not measured) and +inf (no best loss yet) by design. */
    if (!rc) rc = rt_st_read_raw(&f, path, "train.early_stopping", s3, 1, early);
    if (!rc && s->kept) {
        int64_t shape[1] = {(int64_t)net->n_params};
        rc = rt_st_read(&f, path, "train.best_params", shape, 1, tmp);
        for (size_t i = 0; !rc && i < net->n_params; i++) rt_param_set(net, s->kept, i, tmp[i]);
    }
    const char *bad = rc ? NULL : bad_counter(counters, rng, early);
    if (bad) {
        rt_error(path, 0, "corrupt checkpoint: %s is out of range", bad);
        rc = -1;
    }
    /* The last metrics row (NaN where not measured). An earlier nncc's train.metrics, the whole
     * history, is ignored: metrics.csv has the rows, and there is no last row to check them by. */
    double row[METRIC_COLS];
    int64_t s_row[1] = {METRIC_COLS};
    const int earlier = !rt_st_has(&f, "train.last_metrics") && rt_st_has(&f, "train.metrics");
    last->epoch = -1;
    *rows = rc ? 0 : (int)counters[3];
    if (!rc && !earlier) rc = rt_st_read_raw(&f, path, "train.last_metrics", s_row, 1, row);
    if (!rc && !earlier && *rows > 0) {
        if (!whole_in(row[0], 0, counters[0])) {
            rt_error(path, 0, "corrupt checkpoint: train.last_metrics[0] (the epoch) is out of range");
            rc = -1;
        } else {
            *last = row_from(row);
        }
    }
    if (!rc) {
        s->epoch = (int)counters[0];
        s->step = (long)counters[1];
        s->seconds = counters[2];
        for (int i = 0; i < 4; i++)
            s->rng.s[i] = (uint64_t)rng[2 * i] << 32 | (uint64_t)rng[2 * i + 1];
        s->best_val_loss = early[0];
        s->bad_epochs = (int)early[1];
        s->best_epoch = (int)early[2];
        if (s->epoch > s->cfg.epochs) {
            rt_error(path, 0, "checkpoint is at epoch %d, past the %d epochs asked for", s->epoch,
                     s->cfg.epochs);
            rc = -1;
        }
    }
    free(tmp);
    free(path);
    rt_st_close(&f);
    return rc;
}
