/* tests/selftest_stub.c — just enough of the runtime to run a generated program's --selftest where
 * the runtime's libraries are not built (a cross compiler under qemu-user): seeded random
 * parameters, inputs and labels, then the program's own comparison of its fast kernels with its
 * reference kernels. Exit 0 when every check is within the bound. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nncc_rt.h"

static uint64_t state = 0x9e3779b97f4a7c15u;

static double uniform(void) /* [-1, 1) */
{
    state = state * 6364136223846793005u + 1442695040888963407u;
    return (double)(state >> 11) / 4503599627370496.0 - 1;
}

static void set(const rt_network *net, void *block, size_t i, double v)
{
    if (net->real_size == 4) ((float *)block)[i] = (float)v;
    else ((double *)block)[i] = v;
}

static double get(int real_size, const void *p, size_t i)
{
    return real_size == 4 ? ((const float *)p)[i] : ((const double *)p)[i];
}

void rt_check_reals(rt_check *c, const char *what, const void *fast, int ld_fast, const void *ref, int rows, int cols)
{
    double diff = 0, top = 0;
    for (int r = 0; r < rows; r++)
        for (int j = 0; j < cols; j++) {
            double f = get(c->real_size, fast, (size_t)r * ld_fast + j), e = get(c->real_size, ref, (size_t)r * cols + j);
            double d = fabs(f - e);
            if (!(d <= diff)) diff = d; /* NaN sticks */
            if (fabs(e) > top) top = fabs(e);
        }
    double rel = diff / (top > 1e-30 ? top : 1e-30);
    int ok = rel <= c->tol;
    printf("  %-28s max |fast - ref| %.3g (relative %.3g): %s\n", what, diff, rel, diff == 0 ? "exact" : ok ? "within bound" : "FAIL");
    c->checks++, c->exact += diff == 0, c->failed += !ok;
    if (!(rel <= c->worst)) c->worst = rel, snprintf(c->worst_what, sizeof c->worst_what, "%s", what);
}

int rt_main(int argc, char **argv, const rt_network *net)
{
    (void)argc, (void)argv;
    if (!net->selftest) return 2;
    for (int t = 0; t < net->n_tensors; t++) {
        const rt_tensor *tn = &net->tensors[t];
        size_t n = (size_t)tn->rows * (size_t)(tn->cols ? tn->cols : 1) * (size_t)(tn->kh ? tn->kh * tn->kw : 1);
        for (size_t i = 0; i < n; i++) set(net, net->params, tn->offset + i, uniform() / sqrt((double)tn->fan_in));
    }
    const int m = net->chunk > 8 ? net->chunk - 3 : net->chunk;
    const int ny = net->task == RT_TASK_REGRESSION ? net->outputs : 1;
    void *x = malloc((size_t)m * net->inputs * net->real_size);
    double *y = malloc((size_t)m * ny * sizeof *y);
    for (size_t i = 0; i < (size_t)m * net->inputs; i++) set(net, x, i, uniform());
    for (int r = 0; r < m; r++)
        for (int k = 0; k < ny; k++) {
            double u = (uniform() + 1) / 2;
            y[r * ny + k] = net->task == RT_TASK_REGRESSION ? u
                            : net->task == RT_TASK_MULTICLASS ? floor(u * net->outputs)
                                                              : u < 0.5;
        }
    rt_check c = {net->real_size, net->real_size == 4 ? 1e-4 : 1e-12, 0, "every check exact", 0, 0, 0, stdout};
    net->selftest(m, x, y, &c);
    printf("selftest: %d checks (%d exact), worst relative difference %.3g (%s): %s\n", c.checks, c.exact, c.worst,
           c.worst_what, c.checks && !c.failed ? "ok" : "FAIL");
    free(x), free(y);
    return c.checks && !c.failed ? 0 : 1;
}
