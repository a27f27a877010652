
/* Layer {{L}} forward, row by row: Z{{L}} = W{{L}}.A{{P}} + b{{L}}, A{{L}} = {{ACT}}(Z{{L}})
 *   A{{P}} (m, {{IN}}) read in place -> A{{L}} (m, {{OUT}}){{AT_DOC}}, rows [lo, min(hi, m)) only
 * {{OUT}} unit(s): too few for blocks of {{MR}} units x {{NR}} rows, which would read A{{P}}^T, and
 * transposing a wide input costs more than the few products it would feed (a scattered store
 * per input). Instead plain dot products over the rows as they are: {{RB}} rows x {{OUT}} units of
 * independent scalar sums at a time. Each sum starts at b[j] and adds W[j][i] A[r][i] for
 * i = 0, 1, ... in order, as the blocked kernel does: the same results. Pad rows past m are left
 * as they are (nothing reads them). */
static void {{NAME}}_forward{{L}}(int m, int lo, int hi, const real *restrict a_in, real *restrict a_out, real *restrict at_out)
{
    const int end = hi < m ? hi : m;
    int r0 = lo;
    (void)at_out;
{{BLOCKS}}{{ROW_ACTIVATE}}}
