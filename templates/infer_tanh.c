
/* tanh without the math library: tanh|x| = u / (u + 2), u = e^(2|x|) - 1. Near 0, u comes from its
 * Taylor series (degree 8 on [0, ln2/2], off by under 3e-9 relative), so tanh x keeps full relative
 * precision for tiny x instead of cancelling in e^(2x) - 1; beyond |x| = 10, tanh is 1 in float.
 * Max relative error {{TANH_ERROR}} over all floats (tests/deploy/approx_check.c). */
static float {{NAME}}_tanhf(float x)
{
    float a = x < 0 ? -x : x, u;
    if (a > 10) return x < 0 ? -1.0f : 1.0f;
    float t = 2 * a;
    if (t < 0.346573591f)
        u = t * (1 + t * (0.5f + t * (1.66666667e-1f + t * (4.16666667e-2f + t * (8.33333333e-3f +
            t * (1.38888889e-3f + t * (1.98412698e-4f + t * 2.48015873e-5f)))))));
    else
        u = {{NAME}}_expf(t) - 1;
    float y = u / (u + 2);
    return x < 0 ? -y : y;
}
