
/* acc[u][v] = x[u] (a bias), or 0 where x is NULL (a constant at every call) */
NNCC_INLINE void {{NAME}}_fill(int mr, int nv, real acc[][{{UPPER}}_NR], const real *restrict x)
{
    for (int u = 0; u < mr; u++)
        NNCC_SIMD for (int v = 0; v < nv; v++) acc[u][v] = x ? x[u] : 0;
}
