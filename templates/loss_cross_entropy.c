
/* Loss: cross-entropy of the softmax, L = -(1/m) sum_r log A[r][y_r], computed from Z through
 * log-sum-exp so it never takes log(0). Output gradient: dZ = A - onehot(y). Rows [lo, hi) only;
 * each row's loss is kept apart and step() sums them in row order. */
static void {{NAME}}_loss(int m, int lo, int hi, const real *restrict a, const double *restrict y, real *restrict dz)
{
    const int end = hi < m ? hi : m;
    for (int r = lo; r < end; r++) {
        const real *restrict z = {{NAME}}_zout[r];
        const real *restrict p = a + (size_t)r * {{OUT}};
        const int label = (int)y[r];
        double zmax = z[0], sum = 0;
        int best = 0;
        for (int k = 1; k < {{OUT}}; k++) {
            if (z[k] > zmax) zmax = z[k];
            if (p[k] > p[best]) best = k;
        }
        for (int k = 0; k < {{OUT}}; k++) sum += exp((double)z[k] - zmax);
        {{NAME}}_row_loss[r] = log(sum) - ((double)z[label] - zmax);
        {{NAME}}_row_correct[r] = best == label;
        for (int k = 0; k < {{OUT}}; k++) dz[(size_t)r * {{OUT}} + k] = p[k] - (k == label);
    }
}
