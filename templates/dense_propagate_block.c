    for (int r0 = lo; r0 < end; r0 += {{MR}}) { /* rows r0 .. r0 + {{MR}} */
        for (int i0 = {{I0}}; i0 < {{I1}}; i0 += {{NR}}) {
            real acc[{{MR}}][{{NR}}];
            for (int u = 0; u < {{MR}}; u++)
                for (int v = 0; v < {{NR}}; v++) acc[u][v] = 0;
            for (int j = 0; j < {{OUT}}; j++) {
                const real *restrict w = {{NAME}}_param.w{{L}}[j] + i0;
                for (int u = 0; u < {{MR}}; u++) {
                    const real d = dz[(size_t)(r0 + u) * {{OUT}} + j];
                    NNCC_SIMD for (int v = 0; v < {{NR}}; v++) acc[u][v] += d * w[v];
                }
            }
            for (int u = 0; u < {{MR}}; u++) {
                const real *restrict a = a_in + (size_t)(r0 + u) * {{IN}} + i0;
                real *restrict g = dz_in + (size_t)(r0 + u) * {{IN}} + i0;
                (void)a; /* unread when g' is constant (linear) */
                for (int i = 0; i < {{NR}}; i++) g[i] = acc[u][i] * {{DERIVATIVE}};
            }
        }
    }
