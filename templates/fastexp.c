/* e^x for float32, written so that compilers vectorise it (no libm call, no branch):
 * e^x = 2^k e^f with k = round(x log2 e) (half away from zero) and f = x - k ln 2 in two parts
 * (Cody-Waite), e^f by Cephes' degree-7 polynomial on |f| <= ln 2 / 2, 2^k put into the exponent
 * bits. x is clamped to [-87.33654, 88.37626] (2^-126 .. 2^127.5), so the result is always a
 * normal float: e^x for x above 88.376 is capped at 2.4e38 (never inf), below -87.34 it is
 * 1.2e-38 (never 0). x must be finite: inf and NaN give NaN (the loss then reports divergence).
 * Error within the range: at most 2 ulp against libm's expf (tests/unit/test_fastexp.c sweeps
 * every multiple of 2^-12 in the range and 1e6 random floats). */
static inline float nncc_expf(float x)
{
    /* The clamps as integer minimums of x's bits: a float compare-and-select is not if-converted
     * by gcc 12 under -ftrapping-math (the default) for 256-bit and narrower vectors, which kept
     * every AVX2 loop calling this scalar. As signed integers the bits of positive floats keep
     * their order and negative ones come below them; as unsigned, the negative floats come last,
     * in the order of their magnitude. inf and NaN are clamped too (no float-to-int overflow
     * below) and made NaN again at the end by adding x - x, which is 0 for every finite x. */
    const float x0 = x;
    union { float f; int32_t i; uint32_t u; } v, two_k;
    v.f = x;
    v.i = v.i < 0x42b0c0a5 ? v.i : 0x42b0c0a5;     /* x > 88.37626f (2^127.5) -> 88.37626f */
    v.u = v.u < 0xc2aeac4fu ? v.u : 0xc2aeac4fu; /* x < -87.33654f (2^-126) -> -87.33654f */
    x = v.f;
    const float t = x * 1.44269504088896341f;
    const int ki = (int)(t + copysignf(0.5f, t)); /* round half away from zero; no floorf call */
    const float k = (float)ki;
    const float f = (x - k * 0.693359375f) - k * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * f + 1.3981999507e-3f;
    p = p * f + 8.3334519073e-3f;
    p = p * f + 4.1665795894e-2f;
    p = p * f + 1.6666665459e-1f;
    p = p * f + 5.0000001201e-1f;
    p = p * f * f + f + 1.0f;
    two_k.i = (ki + 127) << 23;
    return p * two_k.f + (x0 - x0);
}
