
/* Update: plain gradient descent, W <- W - alpha (dW + lambda W) with dW = G / m; then G = 0.
 * (PyTorch's SGD, weight_decay = lambda.) */
static void {{NAME}}_update(double lr, double inv_m, long t)
{
    real *restrict p = (real *)&{{NAME}}_param;
    real *restrict g = (real *)&{{NAME}}_grad;
    const real alpha = (real)lr, scale = (real)inv_m, lambda = R({{WEIGHT_DECAY}});
    (void)t;
    (void)lambda;
{{RANGES}}
}
