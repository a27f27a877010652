
/* Rosenblatt's rule on a step output: W <- W + alpha (y - y_hat) X, i.e. dZ = y_hat - y with the
 * step's derivative taken as 1. The loss shown is the error rate, mean |y - y_hat|. */
static void {{NAME}}_loss(int m, const real *restrict a, const double *restrict y, real *restrict dz, rt_stats *st)
{
    double errors = 0;
    for (int r = 0; r < m; r++) {
        const double e = (double)a[r] - y[r];
        errors += fabs(e);
        dz[r] = (real)e;
    }
    st->loss += errors;
    st->correct += m - errors;
}
