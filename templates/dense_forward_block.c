    for (int j0 = {{J0}}; j0 < {{J1}}; j0 += {{MR}}) { /* units j0 .. j0 + {{MR}} */
        for (int r0 = lo; r0 < hi; r0 += {{NR}}) {
            real acc[{{MR}}][{{NR}}];
            for (int u = 0; u < {{MR}}; u++)
                for (int v = 0; v < {{NR}}; v++) acc[u][v] = {{NAME}}_param.b{{L}}[j0 + u];
            for (int i = 0; i < {{IN}}; i++) {
                const real *restrict x = at_in + (size_t)i * {{UPPER}}_ROWS + r0;
                for (int u = 0; u < {{MR}}; u++) {
                    const real w = {{NAME}}_param.w{{L}}[j0 + u][i];
                    NNCC_SIMD for (int v = 0; v < {{NR}}; v++) acc[u][v] += w * x[v];
                }
            }
            for (int u = 0; u < {{MR}}; u++) {
                {{ACT_SIMD}}for (int v = 0; v < {{NR}}; v++) {
                    real z = acc[u][v];
                    {{ACT_ELEM}}
                    acc[u][v] = z;
                }
                {{STORE_T}}
            }
            for (int v = 0; v < {{NR}}; v++) /* A (m, {{OUT}}): {{MR}} units of each row */
                for (int u = 0; u < {{MR}}; u++) a_out[(size_t)(r0 + v) * {{OUT}} + j0 + u] = acc[u][v];
        }
    }
