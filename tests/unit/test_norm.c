/* test_norm.c — rt_norm.c: minmax and standard fits, constant columns, float and double batches. */
#include "nncc_rt.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

/* n rows of d columns: column 0 ramps, column 1 is constant, column 2 is noisy and offset. */
static rt_dataset table(int n, int d)
{
    rt_dataset ds;
    memset(&ds, 0, sizeof ds);
    ds.n = n;
    ds.d = d;
    ds.x_f64 = calloc((size_t)n * d, sizeof(double));
    rt_rng r;
    rt_rng_seed(&r, 11);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < d; j++)
            ds.x_f64[i * d + j] = j == 0 ? i * 0.5 - 3 : j == 1 ? 0.1 : 1000 + 7 * rt_rng_normal(&r) + j;
    return ds;
}

static void column_stats(const double *x, int n, int d, int j, double *mean, double *sd, double *lo, double *hi)
{
    double s = 0, q = 0;
    *lo = INFINITY;
    *hi = -INFINITY;
    for (int i = 0; i < n; i++) {
        double v = x[i * d + j];
        s += v;
        *lo = fmin(*lo, v);
        *hi = fmax(*hi, v);
    }
    *mean = s / n;
    for (int i = 0; i < n; i++)
        q += pow(x[i * d + j] - *mean, 2);
    *sd = sqrt(q / n);
}

START_TEST(minmax_maps_to_unit_interval)
{
    const int n = 500, d = 40; /* 40 columns: two column blocks */
    rt_dataset ds = table(n, d);
    rt_norm nm;
    ck_assert_int_eq(rt_norm_fit(&nm, &ds, RT_NORM_MINMAX), 0);
    ck_assert_int_eq(nm.d, d);
    double *out = malloc((size_t)n * d * sizeof *out);
    rt_batch_fill(&ds, &nm, NULL, n, out, 8);
    for (int j = 0; j < d; j++) {
        double mean, sd, lo, hi;
        column_stats(out, n, d, j, &mean, &sd, &lo, &hi);
        if (j == 1) {
            ck_assert_double_eq(nm.scale[1], 1.0);
            ck_assert_double_eq(lo, 0.0);
            ck_assert_double_eq(hi, 0.0);
        } else {
            ck_assert_double_eq_tol(lo, 0.0, 1e-12);
            ck_assert_double_eq_tol(hi, 1.0, 1e-12);
        }
    }
    ck_assert_double_eq(nm.offset[0], -3);
    ck_assert_double_eq(nm.scale[0], 1.0 / (0.5 * (n - 1)));
    free(out);
    rt_norm_free(&nm);
    ck_assert_ptr_null(nm.offset);
    free(ds.x_f64);
}
END_TEST

START_TEST(standard_gives_mean_0_std_1)
{
    const int n = 1000, d = 70;
    rt_dataset ds = table(n, d);
    rt_norm nm;
    ck_assert_int_eq(rt_norm_fit(&nm, &ds, RT_NORM_STANDARD), 0);
    double *out = malloc((size_t)n * d * sizeof *out);
    rt_batch_fill(&ds, &nm, NULL, n, out, 8);
    for (int j = 0; j < d; j++) {
        double mean, sd, lo, hi;
        column_stats(out, n, d, j, &mean, &sd, &lo, &hi);
        ck_assert(isfinite(mean) && isfinite(sd));
        ck_assert_double_eq_tol(mean, 0.0, 1e-9);
        if (j == 1) {
            ck_assert_double_eq(nm.scale[1], 1.0); /* constant: no NaN, no 1/0 */
            ck_assert_double_eq_tol(sd, 0.0, 1e-12);
        } else {
            ck_assert_double_eq_tol(sd, 1.0, 1e-9); /* population std, as StandardScaler */
        }
    }
    free(out);
    rt_norm_free(&nm);
    free(ds.x_f64);
}
END_TEST

START_TEST(none_is_identity)
{
    rt_dataset ds = table(10, 3);
    rt_norm nm;
    ck_assert_int_eq(rt_norm_fit(&nm, &ds, RT_NORM_NONE), 0);
    for (int j = 0; j < 3; j++) {
        ck_assert_double_eq(nm.offset[j], 0);
        ck_assert_double_eq(nm.scale[j], 1);
    }
    double out[30];
    rt_batch_fill(&ds, &nm, NULL, 10, out, 8);
    ck_assert_int_eq(memcmp(out, ds.x_f64, sizeof out), 0);
    rt_norm_free(&nm);
    free(ds.x_f64);
}
END_TEST

START_TEST(bytes_and_float_gather)
{
    /* Image-like bytes; a gathered, minmax-normalised float batch. */
    const int n = 300, d = 784;
    rt_dataset ds;
    memset(&ds, 0, sizeof ds);
    ds.n = n;
    ds.d = d;
    ds.x_u8 = malloc((size_t)n * d);
    for (int i = 0; i < n * d; i++)
        ds.x_u8[i] = (unsigned char)((i * 7 + i / d) % 256);
    rt_norm nm;
    ck_assert_int_eq(rt_norm_fit(&nm, &ds, RT_NORM_MINMAX), 0);
    ck_assert_double_eq(nm.offset[0], 0);
    ck_assert_double_eq(nm.scale[0], 1.0 / 255);
    int32_t idx[200];
    rt_rng r;
    rt_rng_seed(&r, 3);
    for (int i = 0; i < 200; i++)
        idx[i] = (int32_t)rt_rng_below(&r, n);
    float *f = malloc(200 * (size_t)d * sizeof *f); /* 156800 values: the parallel branch */
    double *g = malloc(200 * (size_t)d * sizeof *g);
    rt_batch_fill(&ds, &nm, idx, 200, f, 4);
    rt_batch_fill(&ds, &nm, idx, 200, g, 8);
    for (int i = 0; i < 200; i++)
        for (int j = 0; j < d; j++) {
            double want = (ds.x_u8[idx[i] * d + j] - nm.offset[j]) * nm.scale[j];
            ck_assert_double_eq(g[i * d + j], want);
            ck_assert_float_eq(f[i * d + j], (float)want); /* rounded once, from double */
            ck_assert(want >= 0 && want <= 1);
        }
    free(f);
    free(g);
    rt_norm_free(&nm);
    free(ds.x_u8);
}
END_TEST

START_TEST(fit_is_reproducible)
{
    /* Partial sums per fixed row chunk, added in order: the same bits on 1 thread or 3. */
    rt_dataset ds = table(9000, 100);
    rt_norm a, b;
#ifdef _OPENMP
    int threads = omp_get_max_threads();
    omp_set_num_threads(1);
#endif
    ck_assert_int_eq(rt_norm_fit(&a, &ds, RT_NORM_STANDARD), 0);
#ifdef _OPENMP
    omp_set_num_threads(3);
#endif
    ck_assert_int_eq(rt_norm_fit(&b, &ds, RT_NORM_STANDARD), 0);
#ifdef _OPENMP
    omp_set_num_threads(threads);
#endif
    ck_assert_int_eq(memcmp(a.offset, b.offset, 100 * sizeof(double)), 0);
    ck_assert_int_eq(memcmp(a.scale, b.scale, 100 * sizeof(double)), 0);
    rt_norm_free(&a);
    rt_norm_free(&b);
    free(ds.x_f64);
}
END_TEST

Suite *norm_suite(void)
{
    Suite *s = suite_create("norm");
    TCase *tc = tcase_create("norm");
    tcase_add_test(tc, minmax_maps_to_unit_interval);
    tcase_add_test(tc, standard_gives_mean_0_std_1);
    tcase_add_test(tc, none_is_identity);
    tcase_add_test(tc, bytes_and_float_gather);
    tcase_add_test(tc, fit_is_reproducible);
    suite_add_tcase(s, tc);
    return s;
}
