
/* Layer {{L}} propagate: dZ{{P}} = W{{L}}^T.dZ{{L}} * g'(Z{{P}}), g' = {{DERIVATIVE_DOC}}
 *   dZ{{L}} (m, {{OUT}}) -> dZ{{P}} (m, {{IN}}), rows [lo, hi) only
 * Blocks of {{MR}} rows x {{NR}} inputs; each sum adds dZ[r][j] W[j][i] for j = 0, 1, ... in order,
 * then times g'. Each row needs only its own row of dZ{{L}}, so a thread carries its rows from the
 * forward through the loss down here without waiting for the others. Rows are padded to whole
 * blocks of {{MR}}; pad rows are never read. */
static void {{NAME}}_propagate{{L}}(int m, int lo, int hi, const real *restrict a_in, const real *restrict dz, real *restrict dz_in)
{
    const int mq = (m + {{MR}} - 1) / {{MR}} * {{MR}}, end = hi < mq ? hi : mq;
{{BLOCKS}}}
