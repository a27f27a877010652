
/* Loss: cross-entropy of the softmax, L = -(1/m) sum_r log A[r][y_r], computed from Z through
 * log-sum-exp so it never takes log(0). Output gradient: dZ = A - onehot(y). */
static void {{NAME}}_loss(int m, const real *restrict a, const double *restrict y, real *restrict dz, rt_stats *st)
{
    double loss = 0, correct = 0;
    for (int r = 0; r < m; r++) {
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
        loss += log(sum) - ((double)z[label] - zmax);
        correct += best == label;
        for (int k = 0; k < {{OUT}}; k++) dz[(size_t)r * {{OUT}} + k] = p[k] - (k == label);
    }
    st->loss += loss;
    st->correct += correct;
}
