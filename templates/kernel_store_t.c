
/* dst[v * ld + u] = acc[u][v]: the block transposed, (units, rows) into A (m, units) */
NNCC_INLINE void {{NAME}}_store_t(int mr, int nv, real acc[][{{UPPER}}_NR], real *restrict dst, int ld)
{
    for (int v = 0; v < nv; v++)
        for (int u = 0; u < mr; u++) dst[(size_t)v * ld + u] = acc[u][v];
}
