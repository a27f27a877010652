
/* Layer {{L}} forward: Z{{L}} = W{{L}}.A{{P}} + b{{L}}, A{{L}} = {{ACT}}(Z{{L}})
 *   A{{P}}^T ({{IN}}, m) -> A{{L}} (m, {{OUT}}){{AT_DOC}}, rows [lo, hi) only
 * Register blocks of {{MR}} units x {{NR}} rows: the sums stay in registers while i runs over the
 * fan-in, one broadcast weight times {{NR}} rows of A{{P}}^T per unit. Each sum starts at b[j] and
 * adds W[j][i] A[r][i] for i = 0, 1, ... in order, as the plain loop would; a wide fan-in is taken
 * a slice at a time (the block's sums wait in A^T between slices, exact in memory as in a
 * register), so the slice of A^T read by every block of a row block stays in L1. [lo, hi) is one
 * thread's share of the rows, whole blocks of {{NR}} (see step()); pad rows past m compute
 * garbage that nothing reads. */
static void {{NAME}}_forward{{L}}(int m, int lo, int hi, const real *restrict at_in, real *restrict a_out, real *restrict at_out)
{
    (void)m;
    (void)at_out;
{{BLOCKS}}{{ROW_ACTIVATE}}}
