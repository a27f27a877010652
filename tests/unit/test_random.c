/* test_random.c — rt_random.c: known answers, determinism, distributions, permutations. */
#include "nncc_rt.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Reference xoshiro256** seeded by splitmix64 from 0 (checked against an independent Python
 * implementation): the numbers every platform must produce. */
START_TEST(known_answer)
{
    static const uint64_t want[4] = {0x99ec5f36cb75f2b4ULL, 0xbf6e1f784956452aULL, 0x1a5f849d4933e6e0ULL,
                                     0x6aa594f1262d2d2cULL};
    rt_rng r;
    rt_rng_seed(&r, 0);
    ck_assert(r.s[0] == 0xe220a8397b1dcdafULL); /* splitmix64's first output from 0 */
    for (int i = 0; i < 4; i++)
        ck_assert(rt_rng_next(&r) == want[i]);
}
END_TEST

START_TEST(same_seed_same_sequence)
{
    rt_rng a, b, c;
    rt_rng_seed(&a, 42);
    rt_rng_seed(&b, 42);
    rt_rng_seed(&c, 43);
    int differ = 0;
    for (int i = 0; i < 1000; i++) {
        double x = rt_rng_normal(&a), y = rt_rng_normal(&b);
        ck_assert(memcmp(&x, &y, sizeof x) == 0);
        differ += rt_rng_normal(&c) != x;
    }
    ck_assert_int_gt(differ, 990);
}
END_TEST

/* A checkpoint saves s[4] only: restoring it must resume the exact stream, normals included. */
START_TEST(state_is_the_whole_state)
{
    rt_rng a;
    rt_rng_seed(&a, 7);
    rt_rng_normal(&a);
    rt_rng saved;
    memcpy(saved.s, a.s, sizeof a.s);
    double x1 = rt_rng_normal(&a), x2 = rt_rng_uniform(&a);
    ck_assert_double_eq(rt_rng_normal(&saved), x1);
    ck_assert_double_eq(rt_rng_uniform(&saved), x2);
}
END_TEST

START_TEST(uniform_range_and_mean)
{
    rt_rng r;
    rt_rng_seed(&r, 1);
    const int n = 200000;
    double sum = 0, lo = 1, hi = 0;
    for (int i = 0; i < n; i++) {
        double u = rt_rng_uniform(&r);
        ck_assert(u >= 0.0 && u < 1.0);
        ck_assert_double_eq(u * 0x1.0p53, floor(u * 0x1.0p53)); /* a multiple of 2^-53 */
        sum += u;
        lo = u < lo ? u : lo;
        hi = u > hi ? u : hi;
    }
    ck_assert_double_eq_tol(sum / n, 0.5, 0.005);
    ck_assert(lo < 1e-4 && hi > 1 - 1e-4);
}
END_TEST

START_TEST(normal_mean_and_variance)
{
    rt_rng r;
    rt_rng_seed(&r, 2);
    const int n = 400000;
    double sum = 0, sq = 0, q4 = 0;
    int beyond3 = 0;
    for (int i = 0; i < n; i++) {
        double z = rt_rng_normal(&r);
        ck_assert(isfinite(z));
        sum += z;
        sq += z * z;
        q4 += z * z * z * z;
        beyond3 += fabs(z) > 3;
    }
    double mean = sum / n, var = sq / n - mean * mean;
    ck_assert_double_eq_tol(mean, 0.0, 0.01);
    ck_assert_double_eq_tol(var, 1.0, 0.01);
    ck_assert_double_eq_tol(q4 / n, 3.0, 0.06); /* the fourth moment of N(0,1): tails right too */
    ck_assert_double_eq_tol(beyond3 / (double)n, 0.0027, 0.0006);
}
END_TEST

START_TEST(below_is_unbiased)
{
    rt_rng r;
    rt_rng_seed(&r, 3);
    ck_assert_uint_eq(rt_rng_below(&r, 1), 0);
    ck_assert_uint_eq(rt_rng_below(&r, 0), 0);
    int count[7] = {0};
    const int n = 700000;
    for (int i = 0; i < n; i++) {
        uint32_t k = rt_rng_below(&r, 7);
        ck_assert_uint_lt(k, 7);
        count[k]++;
    }
    double chi2 = 0;
    for (int k = 0; k < 7; k++)
        chi2 += (count[k] - n / 7.0) * (count[k] - n / 7.0) / (n / 7.0);
    ck_assert_double_lt(chi2, 22.5); /* 6 degrees of freedom, p = 0.001 */
    /* A bound near 2^32 exercises the rejection branch. */
    uint32_t big = 3000000000u;
    for (int i = 0; i < 1000; i++)
        ck_assert_uint_lt(rt_rng_below(&r, big), big);
}
END_TEST

START_TEST(shuffle_is_a_permutation)
{
    enum { N = 1000 };
    int32_t a[N], b[N];
    int seen[N] = {0};
    for (int i = 0; i < N; i++)
        a[i] = b[i] = i;
    rt_rng r, s;
    rt_rng_seed(&r, 4);
    rt_rng_seed(&s, 4);
    rt_rng_shuffle(&r, a, N);
    rt_rng_shuffle(&s, b, N);
    int moved = 0;
    for (int i = 0; i < N; i++) {
        ck_assert_int_eq(a[i], b[i]);
        ck_assert(a[i] >= 0 && a[i] < N);
        seen[a[i]]++;
        moved += a[i] != i;
    }
    for (int i = 0; i < N; i++)
        ck_assert_int_eq(seen[i], 1);
    ck_assert_int_gt(moved, N - 20);
    rt_rng_shuffle(&r, a, 0); /* empty and single arrays are fine */
    rt_rng_shuffle(&r, a, 1);
}
END_TEST

/* Every one of the 6 orders of 3 items turns up about equally often. */
START_TEST(shuffle_is_uniform)
{
    rt_rng r;
    rt_rng_seed(&r, 5);
    int count[6] = {0};
    const int n = 60000;
    for (int t = 0; t < n; t++) {
        int32_t a[3] = {0, 1, 2};
        rt_rng_shuffle(&r, a, 3);
        count[a[0] * 2 + (a[1] > a[2])]++;
    }
    for (int k = 0; k < 6; k++)
        ck_assert_int_lt(abs(count[k] - n / 6), 400);
}
END_TEST

Suite *random_suite(void)
{
    Suite *s = suite_create("random");
    TCase *tc = tcase_create("rng");
    tcase_add_test(tc, known_answer);
    tcase_add_test(tc, same_seed_same_sequence);
    tcase_add_test(tc, state_is_the_whole_state);
    tcase_add_test(tc, uniform_range_and_mean);
    tcase_add_test(tc, normal_mean_and_variance);
    tcase_add_test(tc, below_is_unbiased);
    tcase_add_test(tc, shuffle_is_a_permutation);
    tcase_add_test(tc, shuffle_is_uniform);
    suite_add_tcase(s, tc);
    return s;
}
