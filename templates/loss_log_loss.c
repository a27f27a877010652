
/* Loss: log loss, L = -(1/m) sum [y log(A + eps) + (1 - y) log(1 - A + eps)], eps = 1e-15 as in the notes.
 * Output gradient: dZ = A - y. Rows [lo, hi) only; step() sums the rows' losses in row order. */
static void {{NAME}}_loss(int m, int lo, int hi, const real *restrict a, const double *restrict y, real *restrict dz)
{
    const double eps = 1e-15;
    const int end = hi < m ? hi : m;
    for (int r = lo; r < end; r++) {
        const double p = a[r];
        /* y is 0 or 1 (the runtime checks): one of the two terms, one log a row */
        {{NAME}}_row_loss[r] = -log((y[r] >= 0.5 ? p : 1 - p) + eps);
        {{NAME}}_row_correct[r] = (p >= 0.5) == (y[r] >= 0.5);
        dz[r] = a[r] - (real)y[r];
    }
}
