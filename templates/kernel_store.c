
/* dst[u * ld + v] = acc[u][v] */
NNCC_INLINE void {{NAME}}_store(int mr, int nv, real acc[][{{UPPER}}_NR], real *restrict dst, int ld)
{
    for (int u = 0; u < mr; u++)
        NNCC_SIMD for (int v = 0; v < nv; v++) dst[(size_t)u * ld + v] = acc[u][v];
}
