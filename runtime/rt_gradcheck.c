/* rt_gradcheck.c — --gradcheck: the generated back-propagation against central differences.
 *
 * On a few training samples, every parameter (a seeded sample of at most 64 per tensor for large
 * tensors) is moved by ±h and the mean loss re-evaluated: numeric = (L(θ+h) − L(θ−h)) / 2h.
 * The relative error |a − n| / max(|a| + |n|, 1e-8) is reported at its worst. At float64
 * h = 1e-6 and the tolerance is 1e-6; at float32 the loss itself carries ~1e-7 of rounding, so
 * h = 1e-2 and the tolerance 5e-2 only catch gross errors — check numerics with precision: float64. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt_internal.h"

static double mean_loss(rt_session *s, int m)
{
    rt_stats st = {0, 0};
    s->net->step(m, s->xbuf, s->ybuf, 0, &st);
    return st.loss / m;
}

int rt_gradcheck(rt_session *s)
{
    const rt_network *net = s->net;
    if (net->loss == RT_LOSS_PERCEPTRON) {
        printf("gradcheck: not applicable: the perceptron rule follows no gradient\n");
        return RT_EXIT_OK;
    }
    int m = s->train.n < 8 ? s->train.n : 8;
    if (m > net->chunk) m = net->chunk;
    int32_t idx[8];
    for (int i = 0; i < m; i++) idx[i] = (int32_t)((long)i * s->train.n / m);
    s->ybuf = calloc((size_t)net->chunk * (size_t)(s->train.ny ? s->train.ny : 1), sizeof(double));
    if (!s->ybuf) return RT_EXIT_INPUT;
    rt_batch_fill(&s->train, &s->norm, idx, m, s->xbuf, net->real_size);
    for (int r = 0; r < m; r++)
        memcpy(s->ybuf + (size_t)r * (size_t)s->train.ny, s->train.y + (size_t)idx[r] * (size_t)s->train.ny,
               sizeof(double) * (size_t)s->train.ny);

    memset(net->grads, 0, net->n_params * (size_t)net->real_size);
    rt_stats st = {0, 0};
    net->step(m, s->xbuf, s->ybuf, 1, &st);

    const int f64 = net->real_size == 8;
    const double h = f64 ? 1e-6 : 1e-2, tol = f64 ? 1e-6 : 5e-2;
    double worst = 0;
    const char *worst_name = "";
    long worst_i = 0, checked = 0;
    rt_rng pick;
    rt_rng_seed(&pick, 12345);
    for (int t = 0; t < net->n_tensors; t++) {
        const rt_tensor *tn = &net->tensors[t];
        if (!tn->trainable) continue;
        size_t count = (size_t)tn->rows * (size_t)(tn->cols ? tn->cols : 1);
        size_t samples = count <= 256 ? count : 64;
        for (size_t k = 0; k < samples; k++) {
            size_t i = samples == count ? k : rt_rng_below(&pick, (uint32_t)count);
            size_t at = tn->offset + i;
            double analytic = rt_param_get(net, net->grads, at) / m;
            double p = rt_param_get(net, net->params, at);
            rt_param_set(net, net->params, at, p + h);
            double lp = mean_loss(s, m);
            rt_param_set(net, net->params, at, p - h);
            double lm = mean_loss(s, m);
            rt_param_set(net, net->params, at, p);
            double numeric = (lp - lm) / (2 * h);
            double err = fabs(analytic - numeric) / fmax(fabs(analytic) + fabs(numeric), 1e-8);
            if (!(err <= worst)) {
                worst = err;
                worst_name = tn->name;
                worst_i = (long)i;
            }
            checked++;
        }
    }
    printf("gradcheck: %ld parameters on %d samples, worst relative error %.3g (%s[%ld]), tolerance %g: %s\n",
           checked, m, worst, worst_name, worst_i, tol, worst <= tol ? "ok" : "FAILED");
    return worst <= tol ? RT_EXIT_OK : RT_EXIT_INPUT;
}
