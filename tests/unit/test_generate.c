/* test_generate.c — rt_generate.c: shapes, determinism per seed, class balance, geometry, task fit. */
#include "nncc_rt.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static rt_source gen(int generator, int samples, double noise, uint64_t seed)
{
    rt_source s;
    memset(&s, 0, sizeof s);
    s.kind = RT_SRC_GENERATOR;
    s.generator = generator;
    s.samples = samples;
    s.noise = noise;
    s.factor = 0.5;
    s.seed = seed;
    return s;
}

static const rt_shape binary2 = {.inputs = 2, .outputs = 1, .task = RT_TASK_BINARY};

/* Loads, failing the test with the loader's message on error. */
static rt_dataset make(const rt_source *src, const rt_shape *shape)
{
    rt_dataset ds;
    ck_assert_int_eq(rt_dataset_load(&ds, src, shape), 0);
    return ds;
}

static int count_class(const rt_dataset *ds, double c)
{
    int n = 0;
    for (int i = 0; i < ds->n; i++)
        n += ds->y[i] == c;
    return n;
}

static int silent_fail(const rt_source *src, const rt_shape *shape)
{
    rt_dataset ds;
    fflush(stderr);
    FILE *f = tmpfile();
    int saved = dup(2);
    dup2(fileno(f), 2);
    int rc = rt_dataset_load(&ds, src, shape);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    fclose(f);
    ck_assert_ptr_null(ds.x_f64);
    return rc;
}

START_TEST(same_seed_same_data)
{
    for (int g = RT_GEN_BLOBS; g <= RT_GEN_OR; g++) {
        rt_source s = gen(g, 101, 0.2, 9), t = gen(g, 101, 0.2, 10);
        rt_dataset a = make(&s, &binary2), b = make(&s, &binary2), c = make(&t, &binary2);
        ck_assert_int_eq(a.n, 101);
        ck_assert_int_eq(a.d, 2);
        ck_assert_int_eq(a.ny, 1);
        ck_assert_int_eq(memcmp(a.x_f64, b.x_f64, 101 * 2 * sizeof(double)), 0);
        ck_assert_int_eq(memcmp(a.y, b.y, 101 * sizeof(double)), 0);
        ck_assert_int_ne(memcmp(a.x_f64, c.x_f64, 101 * 2 * sizeof(double)), 0);
        for (int i = 0; i < a.n * a.d; i++)
            ck_assert(isfinite(a.x_f64[i]));
        rt_dataset_free(&a);
        rt_dataset_free(&b);
        rt_dataset_free(&c);
    }
}
END_TEST

/* The test split: same distribution (blob centres) as the training split, other samples. */
START_TEST(test_split_shares_centres_not_samples)
{
    rt_source tr = gen(RT_GEN_BLOBS, 400, 0.5, 3), te = tr;
    te.split = 1;
    rt_dataset a = make(&tr, &binary2), b = make(&te, &binary2);
    ck_assert_int_ne(memcmp(a.x_f64, b.x_f64, 400 * 2 * sizeof(double)), 0);
    for (int k = 0; k < 2; k++) {
        double ma[2] = {0, 0}, mb[2] = {0, 0};
        for (int i = 0; i < 400; i++)
            for (int j = 0; j < 2; j++) {
                if (a.y[i] == k) ma[j] += a.x_f64[2 * i + j] / 200;
                if (b.y[i] == k) mb[j] += b.x_f64[2 * i + j] / 200;
            }
        for (int j = 0; j < 2; j++)
            ck_assert_msg(fabs(ma[j] - mb[j]) < 0.2, "class %d centre differs: %g vs %g", k, ma[j], mb[j]);
    }
    rt_dataset_free(&a);
    rt_dataset_free(&b);
}
END_TEST

START_TEST(blobs_balance_and_spread)
{
    rt_shape mc = {.inputs = 5, .outputs = 3, .task = RT_TASK_MULTICLASS};
    rt_source s = gen(RT_GEN_BLOBS, 301, 0.5, 1);
    s.centers = 3;
    rt_dataset ds = make(&s, &mc);
    ck_assert_str_eq(ds.name, "generator blobs");
    ck_assert_int_eq(ds.d, 5);
    /* As sklearn: 301 = 101 + 100 + 100. */
    ck_assert_int_eq(count_class(&ds, 0), 101);
    ck_assert_int_eq(count_class(&ds, 1), 100);
    ck_assert_int_eq(count_class(&ds, 2), 100);
    /* Each cluster's spread around its mean is about `noise`; means inside (-10, 10). */
    for (int k = 0; k < 3; k++) {
        double mean[5] = {0}, var = 0;
        int nk = 0;
        for (int i = 0; i < ds.n; i++)
            if (ds.y[i] == k) {
                nk++;
                for (int j = 0; j < 5; j++)
                    mean[j] += ds.x_f64[i * 5 + j];
            }
        for (int j = 0; j < 5; j++) {
            mean[j] /= nk;
            ck_assert(mean[j] > -10.5 && mean[j] < 10.5);
        }
        for (int i = 0; i < ds.n; i++)
            if (ds.y[i] == k)
                for (int j = 0; j < 5; j++)
                    var += pow(ds.x_f64[i * 5 + j] - mean[j], 2);
        ck_assert_double_eq_tol(sqrt(var / (nk * 5)), 0.5, 0.05);
    }
    /* Shuffled: the first rows are not all one class. */
    int first = (int)ds.y[0], same = 1;
    for (int i = 1; i < 20; i++)
        same &= ds.y[i] == first;
    ck_assert(!same);
    rt_dataset_free(&ds);
}
END_TEST

START_TEST(blobs_default_centers_follow_the_task)
{
    rt_source s = gen(RT_GEN_BLOBS, 100, 1.0, 0);
    rt_dataset ds = make(&s, &binary2);
    ck_assert_int_eq(count_class(&ds, 0), 50);
    ck_assert_int_eq(count_class(&ds, 1), 50);
    rt_dataset_free(&ds);

    rt_shape mc = {.inputs = 2, .outputs = 4, .task = RT_TASK_MULTICLASS};
    ds = make(&s, &mc);
    for (int k = 0; k < 4; k++)
        ck_assert_int_eq(count_class(&ds, k), 25);
    rt_dataset_free(&ds);
}
END_TEST

START_TEST(circles_radii)
{
    rt_source s = gen(RT_GEN_CIRCLES, 200, 0.0, 3);
    s.factor = 0.3;
    rt_dataset ds = make(&s, &binary2);
    ck_assert_str_eq(ds.name, "generator circles");
    ck_assert_int_eq(count_class(&ds, 0), 100);
    ck_assert_int_eq(count_class(&ds, 1), 100);
    for (int i = 0; i < ds.n; i++) {
        double r = hypot(ds.x_f64[2 * i], ds.x_f64[2 * i + 1]);
        ck_assert_double_eq_tol(r, ds.y[i] == 0 ? 1.0 : 0.3, 1e-12);
    }
    rt_dataset_free(&ds);

    /* With noise the mean radii stay put. */
    s.noise = 0.05;
    s.samples = 2000;
    ds = make(&s, &binary2);
    double r0 = 0, r1 = 0;
    for (int i = 0; i < ds.n; i++)
        *(ds.y[i] == 0 ? &r0 : &r1) += hypot(ds.x_f64[2 * i], ds.x_f64[2 * i + 1]) / 1000;
    ck_assert_double_eq_tol(r0, 1.0, 0.01);
    ck_assert_double_eq_tol(r1, 0.3, 0.02);
    rt_dataset_free(&ds);
}
END_TEST

START_TEST(moons_geometry)
{
    rt_source s = gen(RT_GEN_MOONS, 101, 0.0, 4);
    rt_dataset ds = make(&s, &binary2);
    ck_assert_int_eq(count_class(&ds, 0), 50);
    ck_assert_int_eq(count_class(&ds, 1), 51);
    int at_ends = 0;
    for (int i = 0; i < ds.n; i++) {
        double x = ds.x_f64[2 * i], y = ds.x_f64[2 * i + 1];
        if (ds.y[i] == 0) {
            ck_assert_double_eq_tol(hypot(x, y), 1.0, 1e-12);
            ck_assert(y >= -1e-12);
        } else {
            ck_assert_double_eq_tol(hypot(x - 1, y - 0.5), 1.0, 1e-12);
            ck_assert(y <= 0.5 + 1e-12);
        }
        at_ends += fabs(y - (ds.y[i] == 0 ? 0.0 : 0.5)) < 1e-12;
    }
    ck_assert_int_eq(at_ends, 4); /* linspace includes both ends: (+-1, 0), (0, 0.5), (2, 0.5) */
    rt_dataset_free(&ds);
}
END_TEST

START_TEST(xor_labels)
{
    rt_source s = gen(RT_GEN_XOR, 1000, 0.0, 5);
    rt_dataset ds = make(&s, &binary2);
    for (int i = 0; i < ds.n; i++) {
        double a = ds.x_f64[2 * i], b = ds.x_f64[2 * i + 1];
        ck_assert(a >= -1 && a < 1 && b >= -1 && b < 1);
        ck_assert_double_eq(ds.y[i], (a > 0) != (b > 0));
    }
    ck_assert_int_gt(count_class(&ds, 1), 430);
    ck_assert_int_gt(count_class(&ds, 0), 430);
    rt_dataset_free(&ds);
}
END_TEST

START_TEST(truth_tables)
{
    rt_source s = gen(RT_GEN_AND, 10, 0.0, 0);
    rt_dataset ds = make(&s, &binary2);
    const double x[8] = {0, 0, 0, 1, 1, 0, 1, 1}, and_y[4] = {0, 0, 0, 1}, or_y[4] = {0, 1, 1, 1};
    for (int i = 0; i < 10; i++) {
        ck_assert_double_eq(ds.x_f64[2 * i], x[2 * (i % 4)]);
        ck_assert_double_eq(ds.x_f64[2 * i + 1], x[2 * (i % 4) + 1]);
        ck_assert_double_eq(ds.y[i], and_y[i % 4]);
    }
    rt_dataset_free(&ds);
    s.generator = RT_GEN_OR;
    s.noise = 0.1;
    ds = make(&s, &binary2);
    ck_assert_str_eq(ds.name, "generator or");
    for (int i = 0; i < 10; i++) {
        ck_assert_double_eq(ds.y[i], or_y[i % 4]);
        ck_assert_double_eq_tol(ds.x_f64[2 * i], x[2 * (i % 4)], 0.6);
        ck_assert(ds.x_f64[2 * i] != x[2 * (i % 4)]); /* jittered */
    }
    rt_dataset_free(&ds);
}
END_TEST

START_TEST(regression_targets)
{
    rt_shape one = {.inputs = 2, .outputs = 1, .task = RT_TASK_REGRESSION};
    rt_source s = gen(RT_GEN_MOONS, 40, 0.1, 6);
    rt_dataset ds = make(&s, &one);
    ck_assert_int_eq(ds.ny, 1);
    ck_assert_int_eq(count_class(&ds, 1), 20);
    rt_dataset_free(&ds);

    rt_shape three = {.inputs = 2, .outputs = 3, .task = RT_TASK_REGRESSION};
    s = gen(RT_GEN_BLOBS, 30, 1.0, 6);
    s.centers = 3;
    ds = make(&s, &three);
    ck_assert_int_eq(ds.ny, 3);
    int per[3] = {0};
    for (int i = 0; i < ds.n; i++) {
        double sum = 0;
        for (int k = 0; k < 3; k++) {
            double v = ds.y[i * 3 + k];
            ck_assert(v == 0 || v == 1);
            sum += v;
            per[k] += v == 1;
        }
        ck_assert_double_eq(sum, 1);
    }
    ck_assert(per[0] == 10 && per[1] == 10 && per[2] == 10);
    rt_dataset_free(&ds);
}
END_TEST

START_TEST(labels_must_fit_the_task)
{
    rt_source s = gen(RT_GEN_BLOBS, 30, 1.0, 0);
    s.centers = 3;
    ck_assert_int_eq(silent_fail(&s, &binary2), -1); /* 3 classes, 1 output */
    rt_shape two = {.inputs = 2, .outputs = 2, .task = RT_TASK_MULTICLASS};
    ck_assert_int_eq(silent_fail(&s, &two), -1);
    rt_shape three_in = {.inputs = 3, .outputs = 1, .task = RT_TASK_BINARY};
    rt_source c = gen(RT_GEN_CIRCLES, 30, 0.1, 0);
    ck_assert_int_eq(silent_fail(&c, &three_in), -1); /* circles are 2-d */
    c.factor = 1.5;
    ck_assert_int_eq(silent_fail(&c, &binary2), -1);
    c = gen(RT_GEN_MOONS, 0, 0.1, 0);
    ck_assert_int_eq(silent_fail(&c, &binary2), -1);
    c = gen(RT_GEN_MOONS, 10, -1, 0);
    ck_assert_int_eq(silent_fail(&c, &binary2), -1);
    c = gen(99, 10, 0, 0);
    ck_assert_int_eq(silent_fail(&c, &binary2), -1);
}
END_TEST

Suite *generate_suite(void)
{
    Suite *s = suite_create("generate");
    TCase *tc = tcase_create("generators");
    tcase_add_test(tc, same_seed_same_data);
    tcase_add_test(tc, test_split_shares_centres_not_samples);
    tcase_add_test(tc, blobs_balance_and_spread);
    tcase_add_test(tc, blobs_default_centers_follow_the_task);
    tcase_add_test(tc, circles_radii);
    tcase_add_test(tc, moons_geometry);
    tcase_add_test(tc, xor_labels);
    tcase_add_test(tc, truth_tables);
    tcase_add_test(tc, regression_targets);
    tcase_add_test(tc, labels_must_fit_the_task);
    suite_add_tcase(s, tc);
    return s;
}
