    { /* the last {{TW}} units, {{T0}} .. {{OUT}} */
        float z[{{TW}}];
        for (int v = 0; v < {{TW}}; v++) z[v] = {{NAME}}_b{{L}}[{{T0}} + v];
        for (int i = 0; i < {{IN}}; i += {{U}}) {
            const float (*w)[{{TW}}] = {{NAME}}_w{{L}}t + i;
            const float {{XS}};
            for (int v = 0; v < {{TW}}; v++)
                z[v] = z[v] + {{TERMS}};
        }
        for (int v = 0; v < {{TW}}; v++) a[{{T0}} + v] = z[v];
    }
