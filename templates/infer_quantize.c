
/* x[0..n) as int8 with one symmetric scale for the whole vector: x[i] ~ s * q[i], s = max|x| / 127,
 * rounded to nearest (ties away from zero). Returns s; 0 for a vector of zeros. Dynamic, per
 * sample and layer: no calibration data baked in, and a scale that fits every input. */
static float {{NAME}}_quantize(const float *restrict x, int n, int8_t *restrict q)
{
    float m = 0;
    for (int i = 0; i < n; i++) {
        float v = x[i] < 0 ? -x[i] : x[i];
        m = v > m ? v : m;
    }
    if (m == 0) {
        for (int i = 0; i < n; i++) q[i] = 0;
        return 0;
    }
    float inv = 127 / m;
    for (int i = 0; i < n; i++) {
        float v = x[i] * inv; /* in [-127, 127] */
        q[i] = (int8_t)(v >= 0 ? (int)(v + 0.5f) : -(int)(0.5f - v));
    }
    return m / 127;
}
