    {{OMP}}
    for (size_t i = {{BEGIN}}; i < {{END}}; i++) { /* {{WHAT}} */
        const real d = g[i] * scale{{DECAY}};
        p[i] -= alpha * d;
        g[i] = 0;
    }
