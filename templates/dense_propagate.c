    /* dA: blocks of {{MR}} rows x {{NR}} inputs; each sum adds dZ[r][j] W[j][i] for j = 0, 1, ... in
     * order, then dZ{{P}} = dA * g'. Rows are padded to whole blocks; pad rows are never read. */
    const int mq = (m + {{MR}} - 1) / {{MR}} * {{MR}};
{{BLOCKS}}
