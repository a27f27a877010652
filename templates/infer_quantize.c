
/* x[0..n) as int8 with one symmetric scale for the whole vector: x[i] ~ s * q[i], s = max|x| / 127,
 * q rounded to nearest (ties away from zero), stored as u[i] = q[i] + 128 in [1, 255]. Returns s;
 * 0 for a vector of zeros (or of values all below 1e-30). Inputs are finite. Dynamic, per sample and layer: no calibration data baked in, and a
 * scale that fits every input. */
static float {{NAME}}_quantize(const float *restrict x, int n, uint8_t *restrict u)
{
    /* max|x| through the bits: for floats >= 0 the order of their bit patterns is their numeric
     * order, and an integer max is a reduction compilers vectorise (a float one needs
     * -ffast-math). */
    uint32_t mbits = 0;
    for (int i = 0; i < n; i++) {
        union {
            float f;
            uint32_t u;
        } c;
        c.f = x[i];
        uint32_t b = c.u & 0x7fffffffu; /* |x[i]| */
        mbits = b > mbits ? b : mbits;
    }
    union {
        uint32_t u;
        float f;
    } mc;
    mc.u = mbits;
    float m = mc.f;
    if (m < 1e-30f) { /* zeros, or so near them that 127 / m would overflow: nothing to carry */
        for (int i = 0; i < n; i++) u[i] = 128;
        return 0;
    }
    float inv = 127 / m;
    for (int i = 0; i < n; i++) {
        float v = x[i] * inv; /* in [-127, 127] */
        u[i] = (uint8_t)(128 + (v >= 0 ? (int)(v + 0.5f) : -(int)(0.5f - v)));
    }
    return m / 127;
}
