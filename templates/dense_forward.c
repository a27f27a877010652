
/* Layer {{L}} forward: Z{{L}} = W{{L}}.A{{P}} + b{{L}}, A{{L}} = {{ACT}}(Z{{L}})
 *   A{{P}}^T ({{IN}}, m) -> A{{L}} (m, {{OUT}}){{AT_DOC}}
 * Register blocks of {{MR}} units x {{NR}} rows: the sums stay in registers while i runs over the
 * fan-in, one broadcast weight times {{NR}} rows of A{{P}}^T per unit. Each sum starts at b[j] and
 * adds W[j][i] A[r][i] for i = 0, 1, ... in order, as the plain loop would. Rows are padded to
 * whole blocks ({{UPPER}}_ROWS); pad rows compute garbage that nothing reads. */
static void {{NAME}}_forward{{L}}(int m, const real *restrict at_in, real *restrict a_out, real *restrict at_out)
{
    const int mp = (m + {{NR}} - 1) / {{NR}} * {{NR}};
    (void)at_out;
{{BLOCKS}}{{ROW_ACTIVATE}}
}
