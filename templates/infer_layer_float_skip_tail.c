    { /* the last {{TW}} units, {{T0}} .. {{OUT}} */
        float z[{{TW}}];
        for (int v = 0; v < {{TW}}; v++) z[v] = {{NAME}}_b{{L}}[{{T0}} + v];
        int k = 0;
        for (; k + {{U}} <= n; k += {{U}}) {
            const float *w[{{U}}] = {{ROWS}};
            const float {{XS}};
            for (int v = 0; v < {{TW}}; v++)
                z[v] = z[v] + {{TERMS}};
        }
        for (; k < n; k++) {
            const float *w = {{NAME}}_w{{L}}t[nz[k]];
            const float x0 = x[nz[k]];
            for (int v = 0; v < {{TW}}; v++) z[v] = z[v] + w[v] * x0;
        }
        for (int v = 0; v < {{TW}}; v++) a[{{T0}} + v] = z[v];
    }
