    for (; r0 + {{RB}} <= end; r0 += {{RB}}) { /* {{WHAT}}: rows r0 .. r0 + {{RB}} */
        real acc[{{RB}}][{{OUT}}];
        for (int v = 0; v < {{RB}}; v++)
            for (int u = 0; u < {{OUT}}; u++) acc[v][u] = {{NAME}}_param.b{{L}}[u];
        for (int i = 0; i < {{IN}}; i++)
            for (int v = 0; v < {{RB}}; v++) {
                const real x = a_in[(size_t)(r0 + v) * {{IN}} + i];
                for (int u = 0; u < {{OUT}}; u++) acc[v][u] += {{NAME}}_param.w{{L}}[u][i] * x;
            }
        for (int v = 0; v < {{RB}}; v++)
            for (int u = 0; u < {{OUT}}; u++) {
                real z = acc[v][u];
                {{ACT_ELEM}}
                a_out[(size_t)(r0 + v) * {{OUT_LD}} + u] = z;
                {{STORE_T}}
            }
    }
