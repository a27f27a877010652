/* rt_split.c — the validation set and the target scaling, made once the data are loaded and
 * before anything is fitted: cfg.val loaded with the training set's shape and classes, or a
 * fraction of the training set held out (seeded, stratified for classifiers), or, for early
 * stopping with neither, 10% held out as scikit-learn's MLP does. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt_internal.h"

/* The split's own generator stream: seeded from cfg.seed but apart from the stream of the
 * initial weights and the shuffle, so a run without validation draws exactly what it did. */
#define SPLIT_STREAM 0x76616c6964617465ULL /* "validate" */

/* The rows idx[0..m) of ds as a dataset of their own (features, labels; no names). */
static int take_rows(rt_dataset *out, const rt_dataset *ds, const int32_t *idx, int m, const char *what)
{
    memset(out, 0, sizeof *out);
    out->n = m;
    out->d = ds->d;
    out->ny = ds->ny;
    size_t d = (size_t)ds->d, ny = (size_t)ds->ny, rows = (size_t)(m > 0 ? m : 1);
    if (ds->x_u8) out->x_u8 = malloc(rows * (d ? d : 1));
    else out->x_f64 = malloc(rows * (d ? d : 1) * sizeof(double));
    out->y = malloc(rows * (ny ? ny : 1) * sizeof(double));
    size_t len = strlen(ds->name ? ds->name : "train") + strlen(what) + 4;
    out->name = malloc(len);
    if ((!out->x_u8 && !out->x_f64) || !out->y || !out->name) {
        rt_dataset_free(out);
        rt_error(NULL, 0, "out of memory");
        return -1;
    }
    snprintf(out->name, len, "%s (%s)", ds->name ? ds->name : "train", what);
    for (int r = 0; r < m; r++) {
        size_t i = (size_t)idx[r];
        if (ds->x_u8) memcpy(out->x_u8 + (size_t)r * d, ds->x_u8 + i * d, d);
        else memcpy(out->x_f64 + (size_t)r * d, ds->x_f64 + i * d, d * sizeof(double));
        memcpy(out->y + (size_t)r * ny, ds->y + i * ny, ny * sizeof(double));
    }
    return 0;
}

/* Holds out round(fraction * count) samples of each class (of all samples for regression),
 * chosen by the split's generator; both parts keep the data's order. */
static int hold_out(rt_session *s, double fraction)
{
    rt_dataset *tr = &s->train;
    const int n = tr->n;
    const int classes = s->net->task == RT_TASK_REGRESSION ? 1
                        : s->net->task == RT_TASK_BINARY   ? 2
                                                           : s->net->outputs;
    int32_t *order = malloc(sizeof(int32_t) * (size_t)(n > 0 ? n : 1));
    char *in_val = calloc((size_t)(n > 0 ? n : 1), 1);
    int32_t *val = malloc(sizeof(int32_t) * (size_t)(n > 0 ? n : 1));
    int32_t *rest = malloc(sizeof(int32_t) * (size_t)(n > 0 ? n : 1));
    if (!order || !in_val || !val || !rest) {
        free(order), free(in_val), free(val), free(rest);
        rt_error(NULL, 0, "out of memory");
        return -1;
    }
    rt_rng rng;
    rt_rng_seed(&rng, s->cfg.seed ^ SPLIT_STREAM);
    for (int c = 0; c < classes; c++) {
        int count = 0;
        for (int i = 0; i < n; i++)
            if (classes == 1 || (int)tr->y[(size_t)i * (size_t)tr->ny] == c) order[count++] = i;
        rt_rng_shuffle(&rng, order, count);
        long take = lround(fraction * count);
        for (long k = 0; k < take; k++) in_val[order[k]] = 1;
    }
    int nv = 0, nr = 0;
    for (int i = 0; i < n; i++) {
        if (in_val[i]) val[nv++] = i;
        else rest[nr++] = i;
    }
    int rc = 0;
    if (nv == 0 || nr == 0) {
        rt_error(tr->name, 0, "a validation fraction of %g of %d samples leaves %s", fraction, n,
                 nv == 0 ? "no validation sample" : "no training sample");
        rc = -1;
    }
    char what[48];
    snprintf(what, sizeof what, "training part, %d of %d", nr, n);
    rt_dataset part = {0};
    if (!rc) rc = take_rows(&s->val, tr, val, nv, "validation part");
    if (!rc) rc = take_rows(&part, tr, rest, nr, what);
    if (!rc) {
        /* The training part keeps the names (classes, header) and the source's name. */
        free(tr->x_u8), free(tr->x_f64), free(tr->y);
        tr->x_u8 = part.x_u8, tr->x_f64 = part.x_f64, tr->y = part.y;
        tr->n = part.n;
        free(part.name);
        s->has_val = 1;
    } else {
        rt_dataset_free(&s->val);
    }
    free(order), free(in_val), free(val), free(rest);
    return rc;
}

int rt_split_validation(rt_session *s)
{
    const rt_config *c = &s->cfg;
    s->has_val = 0;
    if (c->val.kind != RT_SRC_NONE) {
        rt_shape shape = s->shape;
        if (s->train.classes) {
            shape.classes = (const char *const *)s->train.classes;
            shape.n_classes = s->train.n_classes;
        }
        if (rt_dataset_load(&s->val, &c->val, &shape)) return -1;
        if (s->val.n == 0) {
            rt_error(s->val.name, 0, "no samples");
            return -1;
        }
        s->has_val = 1;
        if (!s->opt.quiet) printf("validation: %s: %d samples\n", s->val.name, s->val.n);
    } else {
        double fraction = c->validation;
        if (!(fraction > 0) && c->early_stopping) {
            fraction = 0.1;
            if (!s->opt.quiet)
                printf("early stopping: no validation data given; holding out 10%% of the training set "
                       "(as scikit-learn's validation_fraction)\n");
        }
        if (fraction > 0) {
            if (!(fraction < 1)) {
                rt_error(NULL, 0, "validation fraction %g is not between 0 and 1", fraction);
                return -1;
            }
            int n = s->train.n;
            if (hold_out(s, fraction)) return -1;
            if (!s->opt.quiet)
                printf("validation: %d of %d training samples held out (%g%s); training on %d\n", s->val.n, n,
                       fraction, s->net->task == RT_TASK_REGRESSION ? "" : ", stratified", s->train.n);
        }
    }
    /* normalize_targets: fitted on the training part's targets, per output column. */
    rt_norm_free(&s->target);
    if (s->net->task == RT_TASK_REGRESSION && c->normalize_targets != RT_NORM_NONE) {
        rt_dataset view = {0};
        view.n = s->train.n;
        view.d = s->train.ny;
        view.x_f64 = s->train.y;
        view.name = s->train.name;
        if (rt_norm_fit(&s->target, &view, c->normalize_targets)) return -1;
    }
    return 0;
}

void rt_targets_scale(const rt_norm *t, double *y, int n)
{
    for (int i = 0; i < n; i++)
        for (int k = 0; k < t->d; k++) {
            double *v = y + (size_t)i * (size_t)t->d + (size_t)k;
            *v = (*v - t->offset[k]) * t->scale[k];
        }
}

void rt_targets_unscale(const rt_norm *t, double *y, int n)
{
    for (int i = 0; i < n; i++)
        for (int k = 0; k < t->d; k++) {
            double *v = y + (size_t)i * (size_t)t->d + (size_t)k;
            *v = *v / t->scale[k] + t->offset[k];
        }
}
