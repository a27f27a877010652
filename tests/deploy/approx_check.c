/* approx_check.c — the --no-libm exp and tanh of a generated kernel against libm's, in double.
 * Includes the kernel's source to reach its static functions:
 *   cc -std=c99 -DNET_C='"net.c"' -DNET=name [-DWITH_TANH] approx_check.c -lm
 *   ./a.out EXP_BOUND [TANH_BOUND]     exits 1 when a measured max relative error exceeds its bound
 * Sweeps every 31st float bit pattern (1 in 31 of all floats, so every binade and every part of
 * the reduction range), plus 10^6 evenly spaced points over the sigmoid/tanh working range. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include NET_C

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)

static float from_bits(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

typedef struct Worst {
    double err;
    float at;
} Worst;

static void measure_exp(float x, Worst *w)
{
    if (!(x >= -87.3365479f && x <= 88.7228317f)) return; /* the documented range */
    double want = exp((double)x), got = (double)CAT(NET, _expf)(x);
    double err = fabs(got - want) / want;
    if (err > w->err) w->err = err, w->at = x;
}

#ifdef WITH_TANH
static void measure_tanh(float x, Worst *w)
{
    if (x != x) return;
    double want = tanh((double)x), got = (double)CAT(NET, _tanhf)(x);
    double err = want == 0 ? fabs(got) : fabs(got - want) / fabs(want);
    if (err > w->err) w->err = err, w->at = x;
}
#endif

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s EXP_BOUND [TANH_BOUND]\n", argv[0]);
        return 2;
    }
    Worst we = {0, 0};
    for (uint64_t u = 0; u <= 0xffffffffu; u += 31) measure_exp(from_bits((uint32_t)u), &we);
    for (int i = 0; i <= 1000000; i++) measure_exp(-30.0f + 60.0f * (float)i / 1e6f, &we);
    /* the extremes of the range, and that outside it is 0 and +inf */
    measure_exp(-87.3365479f, &we);
    measure_exp(88.7228317f, &we);
    int bad = CAT(NET, _expf)(-100.0f) != 0 || !(CAT(NET, _expf)(100.0f) > 3.4e38f);
    printf("exp: max relative error %.3g at x = %.9g (bound %s)%s\n", we.err, (double)we.at, argv[1],
           bad ? "; WRONG outside the range" : "");
    bad |= we.err > atof(argv[1]);
#ifdef WITH_TANH
    if (argc < 3) return 2;
    Worst wt = {0, 0};
    for (uint64_t u = 0; u <= 0xffffffffu; u += 31) measure_tanh(from_bits((uint32_t)u), &wt);
    for (int i = 0; i <= 1000000; i++) measure_tanh(-12.0f + 24.0f * (float)i / 1e6f, &wt);
    printf("tanh: max relative error %.3g at x = %.9g (bound %s)\n", wt.err, (double)wt.at, argv[2]);
    bad |= wt.err > atof(argv[2]);
#endif
    return bad;
}
