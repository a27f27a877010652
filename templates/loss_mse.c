
/* Loss: mean squared error over samples and outputs (as PyTorch's MSELoss),
 * L = (1/m) sum_r (1/{{OUT}}) sum_k (A - y)^2. dA = (2/{{OUT}}) (A - y), then dZ = dA * g'(Z).
 * Rows [lo, hi) only; step() sums the rows' losses in row order. */
static void {{NAME}}_loss(int m, int lo, int hi, const real *restrict a, const double *restrict y, real *restrict dz)
{
    const int end = hi < m ? hi : m;
    for (int r = lo; r < end; r++) {
        const real *restrict p = a + (size_t)r * {{OUT}};
        const double *restrict t = y + (size_t)r * {{OUT}};
        real *restrict d = dz + (size_t)r * {{OUT}};
        double sq = 0;
{{ERRORS}}        {{NAME}}_row_loss[r] = sq / {{OUT}};
        {{NAME}}_row_correct[r] = 0; /* regression: no accuracy */
        {{OUTPUT_DERIVATIVE}}
    }
}
