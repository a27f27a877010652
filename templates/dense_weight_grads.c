    /* dW: blocks of {{MR}} units x {{NR}} inputs; each sum adds dZ[r][j] A[r][i] for r = 0, 1, ...
     * in order onto the running G (from zero when fused, where G stays zero), as the plain loop would. */
{{BLOCKS}}    /* db */
    {{OMP}}
    for (int j = 0; j < {{OUT}}; j++) {
        real gb = 0;
        for (int r = 0; r < m; r++) gb += dz[(size_t)r * {{OUT_LD}} + j];
        if (fused) {
            real *restrict p = {{NAME}}_param.b{{L}} + j;{{STATE_BIAS}}
            {{UPDATE_BIAS}}
        } else {
            {{NAME}}_grad.b{{L}}[j] += gb;
        }
    }
