    {{OMP}}
    for (size_t i = {{BEGIN}}; i < {{END}}; i++) { /* {{WHAT}} */
        const real d = g[i] * scale{{DECAY}};
        m1[i] = b1 * m1[i] + (1 - b1) * d;
        m2[i] = b2 * m2[i] + (1 - b2) * d * d;
        p[i] -= step * m1[i] / (sqrt_r(m2[i]) / bc2_sqrt + eps);
        g[i] = 0;
    }
