
/* Loss: mean squared error over samples and outputs (as PyTorch's MSELoss),
 * L = (1/m) sum_r (1/{{OUT}}) sum_k (A - y)^2. dA = (2/{{OUT}}) (A - y), then dZ = dA * g'(Z). */
static void {{NAME}}_loss(int m, const real *restrict a, const double *restrict y, real *restrict dz, rt_stats *st)
{
    double loss = 0;
    for (int r = 0; r < m; r++) {
        const real *restrict p = a + (size_t)r * {{OUT}};
        const double *restrict t = y + (size_t)r * {{OUT}};
        real *restrict d = dz + (size_t)r * {{OUT}};
        double sq = 0;
        for (int k = 0; k < {{OUT}}; k++) {
            const double e = (double)p[k] - t[k];
            sq += e * e;
            d[k] = (real)(2.0 / {{OUT}} * e);
        }
        loss += sq / {{OUT}};
        {{OUTPUT_DERIVATIVE}}
    }
    st->loss += loss;
}
