{{OMP}}
    for (int r = 0; r < m; r++) {
        const real *restrict d = dz + (size_t)r * {{OUT}};
        const real *restrict a = a_in + (size_t)r * {{IN}};
        real *restrict g = dz_in + (size_t)r * {{IN}};
        for (int i = 0; i < {{IN}}; i++) g[i] = 0;
        for (int j = 0; j < {{OUT}}; j++) {
            const real *restrict w = {{NAME}}_param.w{{L}}[j];
            for (int i = 0; i < {{IN}}; i++) g[i] += d[j] * w[i];
        }
        for (int i = 0; i < {{IN}}; i++) g[i] *= {{DERIVATIVE}};
    }
