
/* Update: Adam (PyTorch's, same order of operations), with d = dW + lambda W:
 * m1 <- b1 m1 + (1 - b1) d, m2 <- b2 m2 + (1 - b2) d^2,
 * W <- W - (alpha / (1 - b1^t)) m1 / (sqrt(m2) / sqrt(1 - b2^t) + eps); then G = 0. */
static void {{NAME}}_update(double lr, double inv_m, long t)
{
    real *restrict p = (real *)&{{NAME}}_param;
    real *restrict g = (real *)&{{NAME}}_grad;
    real *restrict m1 = (real *)&{{NAME}}_state0;
    real *restrict m2 = (real *)&{{NAME}}_state1;
    const real scale = (real)inv_m, lambda = R({{WEIGHT_DECAY}});
    const real b1 = R({{BETA1}}), b2 = R({{BETA2}}), eps = R({{EPSILON}});
    const real step = (real)(lr / (1 - pow({{BETA1}}, (double)t)));
    const real bc2_sqrt = (real)sqrt(1 - pow({{BETA2}}, (double)t));
    (void)lambda;
{{RANGES}}
}
