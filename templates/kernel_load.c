
/* acc[u][v] = src[u * ld + v]: sums kept in memory between slices, or G so far */
NNCC_INLINE void {{NAME}}_load(int mr, int nv, real acc[][{{UPPER}}_NR], const real *restrict src, int ld)
{
    for (int u = 0; u < mr; u++)
        NNCC_SIMD for (int v = 0; v < nv; v++) acc[u][v] = src[(size_t)u * ld + v];
}
