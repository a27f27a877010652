    {{OMP}}
    for (size_t i = {{BEGIN}}; i < {{END}}; i++) { /* {{WHAT}} */
        const real d = g[i] * scale{{DECAY}};
        v[i] = mu * v[i] + d;
        p[i] -= alpha * v[i];
        g[i] = 0;
    }
