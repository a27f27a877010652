/* rt_gradcheck.c — --gradcheck: the generated back-propagation against central differences.
 *
 * On a few training samples (as the network sees them, normalised), every trainable parameter
 * (a seeded sample of 64 for tensors of more than 256) is moved by ±h and ±h/2 and the mean loss
 * re-evaluated. Two central differences D(h) = (L(θ+h) − L(θ−h)) / 2h and D(h/2) give the
 * Richardson estimate n = (4 D(h/2) − D(h)) / 3, whose truncation error is O(h⁴): large inputs
 * (un-normalised data) make the third derivative big, and plain D(h) would blame the backward pass
 * for it. The error of a parameter is
 *     |a − n| / max(|a| + |n|, floor),  floor = f · max(1, |L|)
 * relative where the gradient is well above the rounding noise of the differences (about
 * 100 ε |L| / h), absolute below it: a saturated unit's gradient of 1e-10 cannot be measured by
 * differences of an O(1) loss, so f is that noise over the tolerance.
 * A mismatch that the loss itself explains — D(h) and D(h/2) disagreeing, or the one-sided slopes
 * (L(θ+h) − L(θ)) / h and (L(θ) − L(θ−h)) / h far apart — is a kink of relu or leaky_relu within
 * ±h, not a wrong gradient (where the loss is smooth both are O(h²) and O(h)): the point is
 * skipped and counted; more than half skipped fails. Constants per precision:
 *     float64  h = 1e-4 · max(1, |θ|), f = 1e-3, tolerance 1e-6
 *     float32  h = 1e-2 · max(1, |θ|), f = 1e-2, tolerance 2e-2 (catches gross errors only:
 *              check numerics with precision: float64).
 * Under log_loss the samples are ones whose output is not saturated (pick_samples says why). */
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

/* Mean loss with parameter `at` set to v. */
static double loss_at(rt_session *s, int m, size_t at, double v)
{
    rt_param_set(s->net, s->net->params, at, v);
    return mean_loss(s, m);
}

/* Up to 8 training samples, spread over the set. Under log_loss, only samples whose output p
 * lies in (1e-3, 1 - 1e-3): log(1 - p) computed from a rounded p carries an error of about
 * ε / (1 - p), which the differences divide by h, so near-saturated samples drown the comparison
 * in noise (and at p = 1 exactly the clamped loss is flat), while the backward pass rightly uses
 * dZ = A - y there. */
static int pick_samples(rt_session *s, int32_t idx[8], int *m)
{
    const rt_network *net = s->net;
    const int want = net->chunk < 8 ? net->chunk : 8, n = s->train.n;
    const int tries = n < 4096 ? n : 4096;
    *m = 0;
    for (int k = 0; k < tries && *m < want; k++) {
        /* spread: the first `want` candidates cover the set evenly, then the rest in order */
        int32_t i = k < want ? (int32_t)((long)k * n / want) : (int32_t)((long)k * n / tries);
        int dup = 0;
        for (int j = 0; j < *m; j++) dup |= idx[j] == i;
        if (dup) continue;
        if (net->loss == RT_LOSS_LOG) {
            double out[1]; /* one output of 4 or 8 bytes */
            rt_batch_fill(&s->train, &s->norm, &i, 1, s->xbuf, net->real_size);
            net->forward(1, s->xbuf, out);
            double p = rt_param_get(net, out, 0);
            if (!(p > 1e-3 && p < 1 - 1e-3)) continue;
        }
        idx[(*m)++] = i;
    }
    return 0;
}

int rt_gradcheck(rt_session *s)
{
    const rt_network *net = s->net;
    if (net->loss == RT_LOSS_PERCEPTRON) {
        printf("gradcheck: not applicable: the perceptron rule follows no gradient\n");
        return RT_EXIT_OK;
    }
    int m = 0;
    int32_t idx[8];
    if (pick_samples(s, idx, &m)) return RT_EXIT_INPUT;
    if (m == 0) {
        printf("gradcheck: FAILED: every log_loss output is within 1e-3 of 0 or 1 (saturated), where the "
               "loss computed from A keeps too few digits for finite differences: nothing measured; "
               "normalise the data (normalize: standard), use init: xavier or try another --seed\n");
        return RT_EXIT_INPUT;
    }
    s->ybuf = calloc((size_t)net->chunk * (size_t)(s->train.ny ? s->train.ny : 1), sizeof(double));
    if (!s->ybuf) {
        rt_error(NULL, 0, "out of memory");
        return RT_EXIT_INPUT;
    }
    rt_batch_fill(&s->train, &s->norm, idx, m, s->xbuf, net->real_size);
    for (int r = 0; r < m; r++)
        memcpy(s->ybuf + (size_t)r * (size_t)s->train.ny, s->train.y + (size_t)idx[r] * (size_t)s->train.ny,
               sizeof(double) * (size_t)s->train.ny);

    memset(net->grads, 0, net->n_params * (size_t)net->real_size);
    rt_rows_training(s->cfg.seed, 1, idx, m); /* dropout's masks fixed for every evaluation below */
    rt_stats st = {0, 0};
    net->step(m, s->xbuf, s->ybuf, 1, &st);
    const double loss = st.loss / m;
    if (!isfinite(loss)) {
        printf("gradcheck: the loss at the initial weights is %g: nothing to compare\n", loss);
        return RT_EXIT_INPUT;
    }

    const int f64 = net->real_size == 8;
    const double h0 = f64 ? 1e-4 : 1e-2, tol = f64 ? 1e-6 : 2e-2;
    const double floor_ = (f64 ? 1e-3 : 1e-2) * fmax(1.0, fabs(loss));
    double worst = 0, worst_a = 0, worst_n = 0;
    const char *worst_name = "";
    long worst_i = 0, checked = 0, kinks = 0;
    rt_rng pick;
    rt_rng_seed(&pick, 12345);
    for (int t = 0; t < net->n_tensors; t++) {
        const rt_tensor *tn = &net->tensors[t];
        if (!tn->trainable) continue;
        size_t count = rt_tensor_count(tn);
        size_t samples = count <= 256 ? count : 64;
        for (size_t k = 0; k < samples; k++) {
            size_t i = samples == count ? k : rt_rng_below(&pick, (uint32_t)count);
            size_t at = tn->offset + i;
            double analytic = rt_param_get(net, net->grads, at) / m;
            double p = rt_param_get(net, net->params, at);
            /* The steps as the parameter's precision holds them, so p ± h is exact. */
            double h = h0 * fmax(1.0, fabs(p));
            double pp = p + h, pm = p - h, qp = p + h / 2, qm = p - h / 2;
            if (!f64) pp = (float)pp, pm = (float)pm, qp = (float)qp, qm = (float)qm;
            double lp = loss_at(s, m, at, pp), lm = loss_at(s, m, at, pm);
            double d1 = (lp - lm) / (pp - pm);
            double d2 = (loss_at(s, m, at, qp) - loss_at(s, m, at, qm)) / (qp - qm);
            double bend = fabs(lp - 2 * loss + lm) / h; /* one-sided slopes' gap: h|L''| if smooth */
            rt_param_set(net, net->params, at, p);
            checked++;
            double numeric = (4 * d2 - d1) / 3;
            double err = fabs(analytic - numeric) / fmax(fabs(analytic) + fabs(numeric), floor_);
            /* A mismatch the differences account for is theirs. A kink within ±h/2 bends the loss
             * by about its slope change s, so `bend` >= s/2 >= the error it causes; one between
             * h/2 and h moves D(h) but not D(h/2). A wrong gradient where the loss is smooth
             * leaves both small next to the mismatch. */
            double gap = fabs(analytic - numeric);
            if (err > tol && (fabs(d1 - d2) > 0.1 * gap || bend > 0.5 * gap)) {
                kinks++;
                continue;
            }
            if (!(err <= worst)) {
                worst = err;
                worst_name = tn->name;
                worst_i = (long)i;
                worst_a = analytic;
                worst_n = numeric;
            }
        }
    }
    int pass = worst <= tol && kinks * 2 <= checked;
    printf("gradcheck: %ld parameters on %d samples (loss %.6g), worst relative error %.3g (%s[%ld]: "
           "backward %.9g, differences %.9g), tolerance %g",
           checked, m, loss, worst, worst_name, worst_i, worst_a, worst_n, tol);
    if (kinks) printf("; %ld skipped where the differences are unreliable (a kink within the step, or rounding)", kinks);
    printf(": %s\n", pass ? "ok" : "FAILED");
    if (kinks * 2 > checked) printf("gradcheck: more than half the parameters sit at a kink: nothing measured\n");
    return pass ? RT_EXIT_OK : RT_EXIT_INPUT;
}
