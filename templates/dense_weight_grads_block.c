    {{OMP}}
    for (int i0 = {{I0}}; i0 < {{I1}}; i0 += {{NR}}) { /* inputs i0 .. i0 + {{NR}}: their rows of A stay in L1 */
        for (int j0 = {{J0}}; j0 < {{J1}}; j0 += {{MR}}) { /* units j0 .. j0 + {{MR}} */
            real acc[{{MR}}][{{NR}}];
            for (int u = 0; u < {{MR}}; u++)
                NNCC_SIMD for (int v = 0; v < {{NR}}; v++) acc[u][v] = fused ? 0 : {{NAME}}_grad.w{{L}}[j0 + u][i0 + v];
            for (int r = 0; r < m; r++) {
                const real *restrict x = a_in + (size_t)r * {{IN_LD}} + i0;
                {{DZ_ROW}}
                for (int u = 0; u < {{MR}}; u++) {
                    const real du = {{DZ_ELEM}};
                    NNCC_SIMD for (int v = 0; v < {{NR}}; v++) acc[u][v] += du * x[v];
                }
            }
            if (fused) { /* the update, while the block's dW is in registers: G is never stored */
                for (int u = 0; u < {{MR}}; u++) {
                    real *restrict p = {{NAME}}_param.w{{L}}[j0 + u] + i0;{{STATE_ROWS}}
                    {{UPDATE_SIMD}}for (int v = 0; v < {{NR}}; v++) {
                        {{UPDATE_ELEM}}
                    }
                }
            } else {
                for (int u = 0; u < {{MR}}; u++)
                    NNCC_SIMD for (int v = 0; v < {{NR}}; v++) {{NAME}}_grad.w{{L}}[j0 + u][i0 + v] = acc[u][v];
            }
        }
    }
