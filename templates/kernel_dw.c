
/* dW, one register block: units j0 .. j0 + mr x inputs i0 .. i0 + nv, each sum adding dZ[r][j] A[r][i]
 * for r = 0, 1, ... m - 1 in order onto G (g, rows ldg apart). dZ's element (unit u, row r) is
 * dz[u * du + r * dr] (dZ^T's rows or dZ's columns), A's rows are lda apart. fused (train_step():
 * the batch is this one chunk): from zero, and the optimiser's step is taken on the sums at once,
 * parameters p0 + u * ldg + v (G stays zero). db is the same block with dZ's rows as A and a dZ of
 * ones. */
NNCC_INLINE void {{NAME}}_dw_block(int mr, int nv, int m, const real *restrict dz, int du, int dr,
                                   const real *restrict a, int lda, real *restrict g, int ldg, size_t p0,
                                   int fused)
{
    real acc[{{MR}}][{{UPPER}}_NR];
    if (fused)
        {{NAME}}_fill(mr, nv, acc, NULL);
    else
        {{NAME}}_load(mr, nv, acc, g, ldg);
    {{NAME}}_madd(mr, nv, m, acc, dz, du, dr, a, lda);
    if (fused)
        {{NAME}}_descend_block(mr, nv, acc, p0, ldg);
    else
        {{NAME}}_store(mr, nv, acc, g, ldg);
}
