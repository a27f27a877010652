    for (int p0 = {{J0}}; p0 < {{J1}}; p0 += {{PANEL}}) { /* a panel of units p0 .. p0 + {{PANEL}}: its weights stay in L2 */
        const int p1 = p0 + {{PANEL}} < {{J1}} ? p0 + {{PANEL}} : {{J1}};
        for (int r0 = lo; r0 < hi; r0 += {{NR}}) { /* rows r0 .. r0 + {{NR}} */
            for (int k0 = 0; k0 < {{IN}}; k0 += {{KC}}) { /* inputs k0 .. k0 + {{KC}}: {{KC}} x {{NR}} of A^T stay in L1 */
                const int k1 = k0 + {{KC}} < {{IN}} ? k0 + {{KC}} : {{IN}};
                for (int j0 = p0; j0 < p1; j0 += {{MR}}) { /* units j0 .. j0 + {{MR}} */
                    real acc[{{MR}}][{{NR}}];
                    if (k0 == 0) {
                        for (int u = 0; u < {{MR}}; u++)
                            NNCC_SIMD for (int v = 0; v < {{NR}}; v++) acc[u][v] = {{NAME}}_param.b{{L}}[j0 + u];
                    } else { /* the sums so far, kept in A^T between slices of inputs */
                        for (int u = 0; u < {{MR}}; u++)
                            NNCC_SIMD for (int v = 0; v < {{NR}}; v++) acc[u][v] = at_out[(size_t)(j0 + u) * {{UPPER}}_ROWS + r0 + v];
                    }
                    for (int i = k0; i < k1; i++) {
                        const real *restrict x = at_in + (size_t)i * {{UPPER}}_ROWS + r0;
                        for (int u = 0; u < {{MR}}; u++) {
                            const real w = {{NAME}}_param.w{{L}}[j0 + u][i];
                            NNCC_SIMD for (int v = 0; v < {{NR}}; v++) acc[u][v] += w * x[v];
                        }
                    }
                    if (k1 < {{IN}}) { /* more inputs to come */
                        for (int u = 0; u < {{MR}}; u++)
                            NNCC_SIMD for (int v = 0; v < {{NR}}; v++) at_out[(size_t)(j0 + u) * {{UPPER}}_ROWS + r0 + v] = acc[u][v];
                        continue;
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
                        for (int u = 0; u < {{MR}}; u++) a_out[(size_t)(r0 + v) * {{OUT_LD}} + j0 + u] = acc[u][v];
                }
            }
        }
    }
