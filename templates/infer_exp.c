
/* e^x without the math library. e^x = 2^k e^r with k = round(x / ln 2) and r = x - k ln 2, ln 2 split
 * in two (0.693359375 has 9 bits, so k * 0.693359375 is exact) so r keeps float precision;
 * |r| <= ln2/2, where Taylor to degree 7 is off by under 8e-9 relative; 2^k is built in the
 * exponent bits (in two steps for k > 0, so k = 128 does not overflow early).
 * Max relative error {{EXP_ERROR}} for x in [-87.33, 88.72] (tests/deploy/approx_check.c sweeps it
 * against libm); below: 0 (true value < 1.2e-38), above: +infinity. */
static float {{NAME}}_expf(float x)
{
    union {
        float f;
        uint32_t u;
    } p;
    if (x > 88.7228317f) {
        p.u = 0x7f800000u; /* +inf */
        return p.f;
    }
    if (x < -87.3365479f) return 0;
    float kf = x * 1.44269504f;
    int k = (int)(kf >= 0 ? kf + 0.5f : kf - 0.5f);
    float r = (x - (float)k * 0.693359375f) + (float)k * 2.12194440e-4f;
    float e = 1 + r * (1 + r * (0.5f + r * (1.66666667e-1f + r * (4.16666667e-2f +
                  r * (8.33333333e-3f + r * (1.38888889e-3f + r * 1.98412698e-4f))))));
    if (k > 0) {
        p.u = (uint32_t)(k - 1 + 127) << 23; /* 2^(k-1) */
        return e * p.f * 2;
    }
    p.u = (uint32_t)(k + 127) << 23; /* 2^k, k >= -126 */
    return e * p.f;
}
