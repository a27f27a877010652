/* test_train.c — rt_train.c's learning-rate schedules and rt_split.c's validation split and
 * target scaling, on a fake session (no generated network). */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rt_internal.h"

static rt_config schedule(int kind, int every, double gamma, double lr_min, int warmup, int epochs)
{
    rt_config c;
    memset(&c, 0, sizeof c);
    c.learning_rate = 0.1;
    c.epochs = epochs;
    c.lr_schedule = kind;
    c.lr_every = every;
    c.lr_gamma = gamma;
    c.lr_min = lr_min;
    c.lr_warmup = warmup;
    return c;
}

START_TEST(lr_closed_forms)
{
    rt_config c = schedule(RT_LR_CONSTANT, 0, 0, 0, 0, 10);
    for (int e = 0; e < 10; e++) ck_assert_double_eq(rt_lr_at(&c, e), 0.1);
    c = schedule(RT_LR_STEP, 3, 0.5, 0, 0, 10);
    ck_assert_double_eq(rt_lr_at(&c, 0), 0.1);
    ck_assert_double_eq(rt_lr_at(&c, 2), 0.1);
    ck_assert_double_eq(rt_lr_at(&c, 3), 0.05);
    ck_assert_double_eq(rt_lr_at(&c, 9), 0.0125);
    c = schedule(RT_LR_STEP, 0, 0.5, 0, 0, 10); /* every 0 acts as 1, never a division by 0 */
    ck_assert_double_eq(rt_lr_at(&c, 2), 0.025);
    c = schedule(RT_LR_EXPONENTIAL, 0, 0.9, 0, 0, 10);
    ck_assert_double_eq_tol(rt_lr_at(&c, 4), 0.06561, 1e-16);
    c = schedule(RT_LR_COSINE, 0, 0, 0.01, 0, 10);
    ck_assert_double_eq(rt_lr_at(&c, 0), 0.1);
    ck_assert_double_eq_tol(rt_lr_at(&c, 5), 0.055, 1e-16); /* half way: the mean of lr0 and min */
    ck_assert_double_eq_tol(rt_lr_at(&c, 10), 0.01, 1e-17);
    /* warmup 4: (e + 1) / 5 of lr0, then the schedule from its start over epochs - 4 */
    c = schedule(RT_LR_COSINE, 0, 0, 0, 4, 14);
    ck_assert_double_eq_tol(rt_lr_at(&c, 0), 0.02, 1e-17);
    ck_assert_double_eq_tol(rt_lr_at(&c, 3), 0.08, 1e-17);
    ck_assert_double_eq(rt_lr_at(&c, 4), 0.1);
    ck_assert_double_eq_tol(rt_lr_at(&c, 9), 0.05, 1e-16); /* T = 10: half way at e - 4 = 5 */
    c = schedule(RT_LR_STEP, 2, 0.1, 0, 1, 10);
    ck_assert_double_eq(rt_lr_at(&c, 0), 0.05);
    ck_assert_double_eq(rt_lr_at(&c, 2), 0.1);
    ck_assert_double_eq_tol(rt_lr_at(&c, 3), 0.01, 1e-17);
}
END_TEST

/* ---- the split -------------------------------------------------------------------------- */

static rt_network split_net;

/* n samples, feature 0 = the sample's index (so each part's rows can be traced back), labels
 * of class i % k for classifiers, 10 * i for regression. */
static void make(rt_session *s, int n, int task, int outputs, double fraction, uint64_t seed)
{
    memset(s, 0, sizeof *s);
    memset(&split_net, 0, sizeof split_net);
    split_net.inputs = 2;
    split_net.outputs = outputs;
    split_net.task = task;
    s->net = &split_net;
    s->opt.quiet = 1;
    s->cfg.validation = fraction;
    s->cfg.seed = seed;
    s->shape = (rt_shape){2, outputs, task, 0, NULL, 0};
    rt_dataset *ds = &s->train;
    ds->n = n;
    ds->d = 2;
    ds->ny = task == RT_TASK_REGRESSION ? outputs : 1;
    ds->x_f64 = calloc((size_t)n * 2, sizeof(double));
    ds->y = calloc((size_t)n * (size_t)ds->ny, sizeof(double));
    ds->name = strdup("fake.csv");
    for (int i = 0; i < n; i++) {
        ds->x_f64[2 * i] = i;
        ds->x_f64[2 * i + 1] = -i;
        for (int k = 0; k < ds->ny; k++)
            ds->y[i * ds->ny + k] = task == RT_TASK_REGRESSION ? 10.0 * i + k : (i * 7 % 10 < 7 ? 0 : i % outputs);
    }
}

static void drop(rt_session *s)
{
    rt_dataset_free(&s->train);
    rt_dataset_free(&s->val);
    rt_norm_free(&s->target);
}

START_TEST(split_stratified_and_whole)
{
    rt_session s;
    make(&s, 200, RT_TASK_MULTICLASS, 3, 0.25, 5);
    int before[3] = {0, 0, 0};
    for (int i = 0; i < 200; i++) before[(int)s.train.y[i]]++;
    ck_assert_int_eq(rt_split_validation(&s), 0);
    ck_assert(s.has_val);
    int val[3] = {0, 0, 0}, seen[200] = {0};
    for (int i = 0; i < s.val.n; i++) {
        val[(int)s.val.y[i]]++;
        int id = (int)s.val.x_f64[2 * i];
        ck_assert_double_eq(s.val.x_f64[2 * i + 1], -id); /* whole rows */
        seen[id]++;
        if (i) ck_assert_int_lt((int)s.val.x_f64[2 * (i - 1)], id); /* in the data's order */
    }
    for (int i = 0; i < s.train.n; i++) seen[(int)s.train.x_f64[2 * i]]++;
    for (int i = 0; i < 200; i++) ck_assert_int_eq(seen[i], 1); /* each sample in one part */
    for (int c = 0; c < 3; c++) ck_assert_int_eq(val[c], (int)lround(0.25 * before[c]));
    ck_assert_int_eq(s.val.n + s.train.n, 200);
    drop(&s);
}
END_TEST

START_TEST(split_deterministic_by_seed)
{
    rt_session a, b, c;
    make(&a, 100, RT_TASK_BINARY, 1, 0.3, 9);
    make(&b, 100, RT_TASK_BINARY, 1, 0.3, 9);
    ck_assert_int_eq(rt_split_validation(&a), 0);
    ck_assert_int_eq(rt_split_validation(&b), 0);
    ck_assert_int_eq(a.val.n, b.val.n);
    ck_assert_mem_eq(a.val.x_f64, b.val.x_f64, sizeof(double) * 2 * (size_t)a.val.n);
    make(&c, 100, RT_TASK_BINARY, 1, 0.3, 10);
    ck_assert_int_eq(rt_split_validation(&c), 0);
    ck_assert_int_eq(c.val.n, a.val.n); /* same counts per class ... */
    ck_assert(memcmp(a.val.x_f64, c.val.x_f64, sizeof(double) * 2 * (size_t)a.val.n) != 0); /* other samples */
    drop(&a), drop(&b), drop(&c);
}
END_TEST

START_TEST(split_early_stopping_default_and_errors)
{
    rt_session s;
    make(&s, 50, RT_TASK_REGRESSION, 2, 0, 1);
    s.cfg.early_stopping = 1;
    ck_assert_int_eq(rt_split_validation(&s), 0);
    ck_assert_int_eq(s.val.n, 5); /* 10% */
    ck_assert_int_eq(s.train.n, 45);
    drop(&s);
    make(&s, 50, RT_TASK_REGRESSION, 2, 0, 1);
    ck_assert_int_eq(rt_split_validation(&s), 0); /* neither: no validation */
    ck_assert(!s.has_val);
    ck_assert_int_eq(s.train.n, 50);
    drop(&s);
    make(&s, 4, RT_TASK_REGRESSION, 1, 0.1, 1); /* round(0.4) = 0 samples */
    ck_assert_int_eq(rt_split_validation(&s), -1);
    ck_assert(!s.has_val);
    drop(&s);
    make(&s, 10, RT_TASK_REGRESSION, 1, 1.5, 1);
    ck_assert_int_eq(rt_split_validation(&s), -1);
    drop(&s);
}
END_TEST

START_TEST(target_scaling_from_training_part)
{
    rt_session s;
    make(&s, 40, RT_TASK_REGRESSION, 2, 0.25, 3);
    s.cfg.normalize_targets = RT_NORM_MINMAX;
    ck_assert_int_eq(rt_split_validation(&s), 0);
    ck_assert_int_eq(s.target.d, 2);
    double lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < s.train.n; i++) lo = fmin(lo, s.train.y[2 * i]), hi = fmax(hi, s.train.y[2 * i]);
    ck_assert_double_eq(s.target.offset[0], lo); /* the training part's, not the whole set's */
    ck_assert_double_eq_tol(s.target.scale[0], 1 / (hi - lo), 1e-15);
    double y[4] = {lo, lo + 1, hi, hi + 1}, back[4];
    memcpy(back, y, sizeof y);
    rt_targets_scale(&s.target, back, 2);
    ck_assert_double_eq(back[0], 0);
    ck_assert_double_eq_tol(back[2], 1, 1e-15);
    rt_targets_unscale(&s.target, back, 2);
    for (int i = 0; i < 4; i++) ck_assert_double_eq_tol(back[i], y[i], 1e-12);
    drop(&s);
    /* classifiers never scale their labels */
    make(&s, 40, RT_TASK_BINARY, 1, 0, 3);
    s.cfg.normalize_targets = RT_NORM_STANDARD;
    ck_assert_int_eq(rt_split_validation(&s), 0);
    ck_assert_int_eq(s.target.d, 0);
    drop(&s);
}
END_TEST

Suite *train_suite(void)
{
    Suite *s = suite_create("train");
    TCase *tc = tcase_create("schedule_split");
    tcase_add_test(tc, lr_closed_forms);
    tcase_add_test(tc, split_stratified_and_whole);
    tcase_add_test(tc, split_deterministic_by_seed);
    tcase_add_test(tc, split_early_stopping_default_and_errors);
    tcase_add_test(tc, target_scaling_from_training_part);
    suite_add_tcase(s, tc);
    return s;
}
