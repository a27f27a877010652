
/* Rosenblatt's rule on a step output: W <- W + alpha (y - y_hat) X, i.e. dZ = y_hat - y with the
 * step's derivative taken as 1. The loss shown is the error rate, mean |y - y_hat|. Rows [lo, hi)
 * only; step() sums the rows in row order. */
static void {{NAME}}_loss(int m, int lo, int hi, const real *restrict a, const double *restrict y, real *restrict dz)
{
    const int end = hi < m ? hi : m;
    for (int r = lo; r < end; r++) {
        const double e = (double)a[r] - y[r];
        {{NAME}}_row_loss[r] = fabs(e);
        {{NAME}}_row_correct[r] = 1 - fabs(e); /* |e| is 0 or 1: the sum is exact */
        dz[r] = (real)e;
    }
}
