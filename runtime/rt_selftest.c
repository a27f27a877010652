/* rt_selftest.c — --selftest: the generated fast kernels against its reference kernels.
 *
 * The generated program's selftest() runs both on the same rows and hands each pair of tensors to
 * rt_check_reals(), which measures max |fast - ref| relative to max |ref| over the tensor. The
 * runtime's half needs no data file: the parameters are initialised as training would initialise
 * them (one seeded generator, --seed or the network file's seed), then the same generator draws
 * m rows of x ~ N(0, 1) and labels as the task has them:
 *     binary (log_loss, perceptron)   1 double per row, 0.0 or 1.0
 *     multiclass (cross_entropy)      1 double per row, a class index 0..outputs-1
 *     regression (mse)                outputs doubles per row (row r at y + r * outputs), N(0, 1)
 * m = chunk - 3 when chunk > 8, so the rows past m that the fast kernels pad are exercised. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt_internal.h"

void rt_check_reals(rt_check *c, const char *what, const void *fast, int ld_fast, const void *ref, int rows,
                    int cols)
{
    const int f32 = c->real_size == 4;
    double diff = 0, big = 0; /* max |fast - ref|, max |ref| */
    int bad = 0;              /* a NaN or an infinity on either side */
    for (int r = 0; r < rows; r++)
        for (int k = 0; k < cols; k++) {
            size_t i = (size_t)r * (size_t)ld_fast + (size_t)k, j = (size_t)r * (size_t)cols + (size_t)k;
            double a = f32 ? (double)((const float *)fast)[i] : ((const double *)fast)[i];
            double b = f32 ? (double)((const float *)ref)[j] : ((const double *)ref)[j];
            if (!isfinite(a) || !isfinite(b)) {
                bad = 1;
                continue;
            }
            diff = fmax(diff, fabs(a - b));
            big = fmax(big, fabs(b));
        }
    if (bad) diff = NAN;
    const double rel = diff / fmax(big, 1e-30);
    const int exact = diff == 0, ok = rel <= c->tol; /* false for NaN */
    if (c->out)
        fprintf(c->out, "  %-28s max |fast - ref| %.3g (relative %.3g): %s\n", what, diff, rel,
                exact ? "exact" : ok ? "within bound" : "FAIL");
    /* The first check names the worst; a NaN stays the worst. */
    if (c->checks == 0 || (!isnan(c->worst) && !(rel <= c->worst))) {
        c->worst = rel;
        snprintf(c->worst_what, sizeof c->worst_what, "%s", what);
    }
    c->checks++;
    c->exact += exact;
    c->failed += !ok;
}

int rt_selftest(rt_session *s)
{
    const rt_network *net = s->net;
    if (!net->selftest) {
        fprintf(stderr, "%s: error: this program has no self-test\n", s->opt.program);
        return RT_EXIT_USAGE;
    }
    const int m = net->chunk > 8 ? net->chunk - 3 : net->chunk;
    const int ny = rt_label_count(&s->shape);
    if (m < 1 || net->inputs < 1 || net->outputs < 1 || ny < 1) {
        fprintf(stderr, "%s: error: selftest: nothing to run on (chunk %d, %d inputs, %d labels per row)\n",
                s->opt.program, net->chunk, net->inputs, ny);
        return RT_EXIT_USAGE;
    }

    /* The order of the draws is the contract: parameters, then x row by row, then y. */
    rt_params_init(net, &s->rng);
    if (net->grads) memset(net->grads, 0, net->n_params * (size_t)net->real_size);
    const size_t nx = (size_t)m * (size_t)net->inputs;
    void *x = malloc(nx * (size_t)net->real_size);
    double *y = malloc((size_t)m * (size_t)ny * sizeof *y);
    if (!x || !y) {
        free(x);
        free(y);
        rt_error(NULL, 0, "out of memory");
        return RT_EXIT_INPUT;
    }
    for (size_t i = 0; i < nx; i++) rt_param_set(net, x, i, rt_rng_normal(&s->rng));
    for (int r = 0; r < m; r++) {
        double *yr = y + (size_t)r * (size_t)ny;
        switch (net->task) {
        case RT_TASK_BINARY: yr[0] = (double)rt_rng_below(&s->rng, 2); break;
        case RT_TASK_MULTICLASS: yr[0] = (double)rt_rng_below(&s->rng, (uint32_t)net->outputs); break;
        default:
            for (int k = 0; k < ny; k++) yr[k] = rt_rng_normal(&s->rng);
            break;
        }
    }

    rt_check c;
    memset(&c, 0, sizeof c);
    c.real_size = net->real_size;
    c.tol = net->real_size == 4 ? 1e-4 : 1e-12;
    c.out = stdout;
    printf("selftest: %s, %d rows, fast kernels against the reference kernels (bound %g)\n", net->name, m,
           c.tol);
    fflush(stdout);
    rt_rows_training(s->cfg.seed, 1, NULL, m); /* dropout's masks drawn */
    net->selftest(m, x, y, &c);
    free(x);
    free(y);

    printf("selftest: %d checks (%d exact), worst relative difference %.3g (%s): ", c.checks, c.exact,
           c.checks ? c.worst : 0.0, c.checks ? c.worst_what : "-");
    int code = RT_EXIT_OK;
    if (c.checks == 0) {
        printf("FAIL (no checks ran)\n");
        code = RT_EXIT_INPUT;
    } else if (c.failed) {
        printf("FAIL (%d over the bound)\n", c.failed);
        code = RT_EXIT_INPUT;
    } else {
        printf("ok\n");
    }
    fflush(stdout);
    return code;
}
