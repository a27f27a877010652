
/* Loss: log loss, L = -(1/m) sum [y log(A + eps) + (1 - y) log(1 - A + eps)], eps = 1e-15 as in the notes.
 * Output gradient: dZ = A - y. */
static void {{NAME}}_loss(int m, const real *restrict a, const double *restrict y, real *restrict dz, rt_stats *st)
{
    const double eps = 1e-15;
    double loss = 0, correct = 0;
    for (int r = 0; r < m; r++) {
        const double p = a[r];
        loss -= y[r] * log(p + eps) + (1 - y[r]) * log(1 - p + eps);
        correct += (p >= 0.5) == (y[r] >= 0.5);
        dz[r] = a[r] - (real)y[r];
    }
    st->loss += loss;
    st->correct += correct;
}
