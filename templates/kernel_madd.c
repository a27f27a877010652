
/* acc[u][v] += sum_k a[u][k] b[k][v] for k = 0, 1, ... n - 1 in order (u < mr, v < nv): the one
 * multiply-add of the forward, the propagation and dW. Element (u, k) of a is a[u * au + k * ak],
 * broadcast; row k of b is b + k * ldb, its nv lanes a vector. The sums stay in registers. */
NNCC_INLINE void {{NAME}}_madd(int mr, int nv, int n, real acc[][{{UPPER}}_NR], const real *restrict a, int au,
                               int ak, const real *restrict b, int ldb)
{
    for (int k = 0; k < n; k++)
        for (int u = 0; u < mr; u++) {
            const real s = a[(size_t)u * au + (size_t)k * ak];
            NNCC_SIMD for (int v = 0; v < nv; v++) acc[u][v] += s * b[(size_t)k * ldb + v];
        }
}
