{{OMP}}
    for (int j = 0; j < {{OUT}}; j++) {
        real *restrict gw = {{NAME}}_grad.w{{L}}[j];
        real gb = 0;
        for (int r = 0; r < m; r++) {
            const real d = dz[(size_t)r * {{OUT}} + j];
            const real *restrict x = a_in + (size_t)r * {{IN}};
            gb += d;
            for (int i = 0; i < {{IN}}; i++) gw[i] += d * x[i];
        }
        {{NAME}}_grad.b{{L}}[j] += gb;
    }
