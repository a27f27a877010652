/* test_fastexp.c — templates/fastexp.c, the float32 exp of generated sigmoid and softmax: its
 * documented error bound (2 ulp of libm's expf over the clamped range) and its clamping. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../templates/fastexp.c"

/* Distance in units in the last place between two positive normal floats. */
static long ulps(float a, float b)
{
    int32_t ia, ib;
    memcpy(&ia, &a, 4);
    memcpy(&ib, &b, 4);
    return labs((long)ia - (long)ib);
}

static long worst_at(float x, long worst, float *where)
{
    long d = ulps(nncc_expf(x), expf(x));
    if (d > worst) *where = x;
    return d > worst ? d : worst;
}

/* Every multiple of 2^-12 in the range (1.4 million points), then a million random floats. */
START_TEST(within_two_ulp)
{
    long worst = 0;
    float where = 0;
    for (long k = (long)(-87.33f * 4096); k <= (long)(88.37f * 4096); k++) worst = worst_at((float)k / 4096, worst, &where);
    uint64_t s = 88172645463325252ULL;
    for (int n = 0; n < 1000000; n++) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        float x = -87.33f + (float)(s >> 40) / (float)(1 << 24) * (88.37f + 87.33f);
        worst = worst_at(x, worst, &where);
    }
    ck_assert_msg(worst <= 2, "worst error %ld ulp at x = %.9g", worst, (double)where);
}
END_TEST

START_TEST(small_arguments_exact_enough)
{
    ck_assert(nncc_expf(0.0f) == 1.0f);
    for (float x = -1e-3f; x <= 1e-3f; x += 1e-5f) ck_assert(ulps(nncc_expf(x), expf(x)) <= 1);
}
END_TEST

/* Beyond the range the result is clamped to a finite normal float: sigmoid(-z) = 1 / (1 + e^z)
 * then goes to ~0 instead of dividing by infinity, and softmax never sees inf or 0. */
START_TEST(clamped_never_inf_or_zero)
{
    const float big[] = {88.38f, 88.8f, 100.0f, 1e30f, 3.4e38f};
    for (size_t i = 0; i < sizeof big / sizeof big[0]; i++) {
        float e = nncc_expf(big[i]);
        ck_assert(isfinite(e) && e > 2.3e38f);
        float t = nncc_expf(-big[i]);
        ck_assert(t > 0 && isnormal(t) && t < 1.3e-38f);
    }
    ck_assert(1.0f / (1.0f + nncc_expf(200.0f)) < 1e-38f);
}
END_TEST

Suite *fastexp_suite(void)
{
    Suite *s = suite_create("fastexp");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, within_two_ulp);
    tcase_add_test(tc, small_arguments_exact_enough);
    tcase_add_test(tc, clamped_never_inf_or_zero);
    suite_add_tcase(s, tc);
    return s;
}
