
/* Update: gradient descent with momentum (PyTorch's SGD, momentum = mu, dampening 0):
 * v <- mu v + (dW + lambda W), W <- W - alpha v; then G = 0. */
static void {{NAME}}_update(double lr, double inv_m, long t)
{
    real *restrict p = (real *)&{{NAME}}_param;
    real *restrict g = (real *)&{{NAME}}_grad;
    real *restrict v = (real *)&{{NAME}}_state0;
    const real alpha = (real)lr, scale = (real)inv_m, lambda = R({{WEIGHT_DECAY}}), mu = R({{MOMENTUM}});
    (void)t;
    (void)lambda;
{{RANGES}}
}
