    for (int i0 = {{I0}}; i0 < {{I1}}; i0 += {{NR}}) { /* inputs i0 .. i0 + {{NR}} */
        for (int k0 = 0; k0 < {{OUT}}; k0 += {{KC}}) { /* units k0 .. k0 + {{KC}}: {{KC}} x {{NR}} of W stay in L1 */
            const int k1 = k0 + {{KC}} < {{OUT}} ? k0 + {{KC}} : {{OUT}};
            for (int r0 = lo; r0 < end; r0 += {{MR}}) { /* rows r0 .. r0 + {{MR}} */
                real acc[{{MR}}][{{NR}}];
                if (k0 == 0) {
                    for (int u = 0; u < {{MR}}; u++)
                        NNCC_SIMD for (int v = 0; v < {{NR}}; v++) acc[u][v] = 0;
                } else { /* the sums so far, kept in dZ{{P}} between slices of units */
                    for (int u = 0; u < {{MR}}; u++)
                        NNCC_SIMD for (int v = 0; v < {{NR}}; v++) acc[u][v] = dz_in[(size_t)(r0 + u) * {{IN_LD}} + i0 + v];
                }
                for (int j = k0; j < k1; j++) {
                    const real *restrict w = {{NAME}}_param.w{{L}}[j] + i0;
                    for (int u = 0; u < {{MR}}; u++) {
                        const real d = dz[(size_t)(r0 + u) * {{OUT_LD}} + j];
                        NNCC_SIMD for (int v = 0; v < {{NR}}; v++) acc[u][v] += d * w[v];
                    }
                }
                for (int u = 0; u < {{MR}}; u++) {
                    const real *restrict a = a_in + (size_t)(r0 + u) * {{IN_LD}} + i0;
                    real *restrict g = dz_in + (size_t)(r0 + u) * {{IN_LD}} + i0;
                    (void)a; /* unread when g' is constant (linear) */
                    if (k1 < {{OUT}}) /* more units to come */
                        NNCC_SIMD for (int i = 0; i < {{NR}}; i++) g[i] = acc[u][i];
                    else {
                        for (int i = 0; i < {{NR}}; i++) g[i] = acc[u][i] * {{DERIVATIVE}};
                        {{STORE_T}}
                    }
                }
            }
        }
    }
