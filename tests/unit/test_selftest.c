/* test_selftest.c — rt_selftest.c: rt_check_reals on float and double tensors (exact, within the
 * bound, over it, padded rows, NaN), and rt_main --selftest on a stand-in network: no data file,
 * the rows and labels it draws, the exit codes. */
#include "nncc_rt.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static rt_check checker(int real_size, double tol)
{
    rt_check c;
    memset(&c, 0, sizeof c);
    c.real_size = real_size;
    c.tol = tol;
    c.out = NULL;
    return c;
}

/* What one rt_check_reals call printed. */
static char printed[4096];
static void check_printed(rt_check *c, const char *what, const void *fast, int ld, const void *ref, int rows,
                          int cols)
{
    FILE *f = tmpfile();
    ck_assert_ptr_nonnull(f);
    c->out = f;
    rt_check_reals(c, what, fast, ld, ref, rows, cols);
    c->out = NULL;
    rewind(f);
    size_t n = fread(printed, 1, sizeof printed - 1, f);
    printed[n] = 0;
    fclose(f);
}

START_TEST(identical_is_exact)
{
    double a[6] = {1, -2, 3.5, 0, 1e-300, -7}, b[6];
    memcpy(b, a, sizeof a);
    rt_check c = checker(8, 1e-12);
    check_printed(&c, "layers.0.Z", a, 3, b, 2, 3);
    ck_assert_int_eq(c.checks, 1);
    ck_assert_int_eq(c.exact, 1);
    ck_assert_int_eq(c.failed, 0);
    ck_assert_double_eq(c.worst, 0);
    ck_assert_str_eq(c.worst_what, "layers.0.Z");
    ck_assert_str_eq(printed, "  layers.0.Z                   max |fast - ref| 0 (relative 0): exact\n");

    float f[4] = {1, 2, 3, 4}, g[4] = {1, 2, 3, 4};
    rt_check d = checker(4, 1e-4);
    rt_check_reals(&d, "f", f, 2, g, 2, 2);
    ck_assert_int_eq(d.checks, 1);
    ck_assert_int_eq(d.exact, 1);
    ck_assert_int_eq(d.failed, 0);
}
END_TEST

START_TEST(tiny_difference_within_bound)
{
    /* double: relative 1e-14 against max|ref| = 4 */
    double a[4] = {1, 2, 3, 4}, b[4] = {1, 2, 3 + 4e-14, 4};
    rt_check c = checker(8, 1e-12);
    rt_check_reals(&c, "exact first", a, 2, a, 2, 2);
    check_printed(&c, "dW", a, 2, b, 2, 2);
    ck_assert_int_eq(c.checks, 2);
    ck_assert_int_eq(c.exact, 1);
    ck_assert_int_eq(c.failed, 0);
    ck_assert_double_eq_tol(c.worst, 1e-14, 1e-16);
    ck_assert_str_eq(c.worst_what, "dW");
    ck_assert_ptr_nonnull(strstr(printed, ": within bound\n"));
    /* a smaller one later leaves the worst alone */
    double e[4] = {1, 2, 3, 4 + 4e-15};
    rt_check_reals(&c, "smaller", a, 2, e, 2, 2);
    ck_assert_str_eq(c.worst_what, "dW");
    ck_assert_double_eq_tol(c.worst, 1e-14, 1e-16);

    /* float: one ulp at 1 (1.2e-7) against max|ref| = 1 */
    float f[3] = {1, 0.5f, -0.25f}, g[3] = {nextafterf(1, 2), 0.5f, -0.25f};
    rt_check d = checker(4, 1e-4);
    rt_check_reals(&d, "A", f, 3, g, 1, 3);
    ck_assert_int_eq(d.exact, 0);
    ck_assert_int_eq(d.failed, 0);
    ck_assert_double_eq_tol(d.worst, 1.1920929e-7, 1e-13);
    ck_assert_str_eq(d.worst_what, "A");
}
END_TEST

START_TEST(large_difference_fails)
{
    double a[2] = {1, 2}, b[2] = {1, 2.001};
    rt_check c = checker(8, 1e-12);
    check_printed(&c, "dZ", a, 2, b, 1, 2);
    ck_assert_int_eq(c.failed, 1);
    ck_assert_int_eq(c.exact, 0);
    ck_assert_ptr_nonnull(strstr(printed, ": FAIL\n"));
    ck_assert_double_eq_tol(c.worst, 0.001 / 2.001, 1e-12);

    float f[2] = {1, 2}, g[2] = {1, 2.01f};
    rt_check d = checker(4, 1e-4);
    rt_check_reals(&d, "f", f, 2, g, 1, 2);
    rt_check_reals(&d, "g", f, 2, f, 1, 2);
    ck_assert_int_eq(d.checks, 2);
    ck_assert_int_eq(d.failed, 1);
    ck_assert_int_eq(d.exact, 1);
    ck_assert_str_eq(d.worst_what, "f");
    /* relative to max|ref|, with a floor: all-zero ref and a small fast value is a failure */
    float z[2] = {0, 0}, s[2] = {1e-20f, 0};
    rt_check_reals(&d, "zeros", s, 2, z, 1, 2);
    ck_assert_int_eq(d.failed, 2);
}
END_TEST

START_TEST(padding_is_ignored)
{
    /* fast: 3 rows of 2 values, 5 apart, the padding full of garbage; ref dense */
    double a[15], b[6];
    float f[15], g[6];
    for (int i = 0; i < 15; i++) a[i] = f[i] = 1e9f;
    for (int r = 0; r < 3; r++)
        for (int k = 0; k < 2; k++) {
            a[r * 5 + k] = b[r * 2 + k] = r - 0.5 * k;
            f[r * 5 + k] = g[r * 2 + k] = (float)(r + 0.25 * k);
        }
    rt_check c = checker(8, 1e-12);
    rt_check_reals(&c, "ld 5", a, 5, b, 3, 2);
    ck_assert_int_eq(c.exact, 1);
    ck_assert_int_eq(c.failed, 0);
    a[1 * 5 + 1] += 1; /* a real element: seen */
    rt_check_reals(&c, "ld 5 changed", a, 5, b, 3, 2);
    ck_assert_int_eq(c.failed, 1);
    rt_check d = checker(4, 1e-4);
    rt_check_reals(&d, "ld 5 float", f, 5, g, 3, 2);
    ck_assert_int_eq(d.exact, 1);
    ck_assert_int_eq(d.failed, 0);
    f[2 * 5 + 2] = NAN; /* padding: not seen */
    rt_check_reals(&d, "ld 5 float, NaN pad", f, 5, g, 3, 2);
    ck_assert_int_eq(d.exact, 2);
}
END_TEST

START_TEST(nan_fails)
{
    double a[3] = {1, NAN, 3}, b[3] = {1, 2, 3};
    rt_check c = checker(8, 1e-12);
    rt_check_reals(&c, "ok", b, 3, b, 1, 3);
    check_printed(&c, "nan", a, 3, b, 1, 3);
    ck_assert_int_eq(c.failed, 1);
    ck_assert_int_eq(c.exact, 1);
    ck_assert_ptr_nonnull(strstr(printed, ": FAIL\n"));
    ck_assert(isnan(c.worst));
    ck_assert_str_eq(c.worst_what, "nan");
    /* NaN stays the worst */
    double e[3] = {1, 2, 3.5};
    rt_check_reals(&c, "large", e, 3, b, 1, 3);
    ck_assert(isnan(c.worst));
    ck_assert_str_eq(c.worst_what, "nan");
    ck_assert_int_eq(c.failed, 2);

    /* float NaN, in the last element; and an infinity */
    float f[2] = {1, NAN}, g[2] = {1, 2}, h[2] = {INFINITY, 2};
    rt_check d = checker(4, 1e-4);
    rt_check_reals(&d, "f", f, 2, g, 1, 2);
    rt_check_reals(&d, "inf", h, 2, g, 1, 2);
    ck_assert_int_eq(d.failed, 2);
    ck_assert_int_eq(d.exact, 0);
}
END_TEST

/* ---- rt_main --selftest on a stand-in network: 3 inputs, one dense layer of K outputs ------ */

#define IN 3
#define CHUNK 16
static double p_block[IN * 4 + 4], g_block[IN * 4 + 4];
static rt_tensor p_tensors[2] = {
    {"layers.0.weight", 4, IN, 0, RT_INIT_NORMAL, IN, 4, 1, NULL, 0, 0},
    {"layers.0.bias", 4, 0, IN * 4, RT_INIT_NORMAL, IN, 4, 1, NULL, 0, 0},
};
static struct {
    int calls, m, labels_ok, fail;
    double x0, p0;
} seen;

/* Checks the labels for the task, compares W x + b summed in two orders (within the bound) and x
 * with itself (exact); with seen.fail, a tensor over the bound. */
static void fake_selftest_k(int m, const void *x, const double *y, rt_check *c, int task, int k)
{
    const double *xs = x;
    seen.calls++;
    seen.m = m;
    seen.x0 = xs[0];
    seen.p0 = p_block[0];
    seen.labels_ok = 1;
    int hit[4] = {0, 0, 0, 0};
    int ny = task == RT_TASK_REGRESSION ? k : 1;
    for (int r = 0; r < m; r++)
        for (int j = 0; j < ny; j++) {
            double v = y[r * ny + j];
            if (task == RT_TASK_BINARY) seen.labels_ok &= v == 0 || v == 1;
            if (task == RT_TASK_MULTICLASS) seen.labels_ok &= v == floor(v) && v >= 0 && v < k;
            if (task == RT_TASK_REGRESSION) seen.labels_ok &= isfinite(v) && v != floor(v);
            if (task != RT_TASK_REGRESSION && v >= 0 && v < 4) hit[(int)v] = 1;
        }
    if (task == RT_TASK_MULTICLASS) seen.labels_ok &= hit[0] && hit[1] && hit[2];
    if (task == RT_TASK_BINARY) seen.labels_ok &= hit[0] && hit[1];
    double fast[CHUNK * 8], ref[CHUNK * 4]; /* fast: rows 8 apart */
    for (int i = 0; i < CHUNK * 8; i++) fast[i] = NAN;
    for (int r = 0; r < m; r++)
        for (int u = 0; u < k; u++) {
            double s = p_block[IN * 4 + u], t = 0;
            for (int i = 0; i < IN; i++) s += p_block[u * IN + i] * xs[r * IN + i];
            for (int i = IN - 1; i >= 0; i--) t += p_block[u * IN + i] * xs[r * IN + i];
            fast[r * 8 + u] = s;
            ref[r * k + u] = p_block[IN * 4 + u] + t;
        }
    rt_check_reals(c, "layers.0.Z", fast, 8, ref, m, k);
    rt_check_reals(c, "x", x, IN, x, m, IN); /* exact */
    if (seen.fail) {
        fast[0] += 1;
        rt_check_reals(c, "broken", fast, 8, ref, m, k);
    }
}
static void fake_binary(int m, const void *x, const double *y, rt_check *c)
{
    fake_selftest_k(m, x, y, c, RT_TASK_BINARY, 1);
}
static void fake_multi(int m, const void *x, const double *y, rt_check *c)
{
    fake_selftest_k(m, x, y, c, RT_TASK_MULTICLASS, 3);
}
static void fake_regress(int m, const void *x, const double *y, rt_check *c)
{
    fake_selftest_k(m, x, y, c, RT_TASK_REGRESSION, 2);
}
static void fake_none(int m, const void *x, const double *y, rt_check *c)
{
    (void)m, (void)x, (void)y, (void)c;
    seen.calls++;
}

static rt_network fake_net(int task, int outputs, int chunk, void (*st)(int, const void *, const double *, rt_check *))
{
    rt_network n;
    memset(&n, 0, sizeof n);
    n.name = "fake";
    n.source = "fake.yaml";
    n.inputs = IN;
    n.outputs = outputs;
    n.real_size = 8;
    n.task = task;
    n.loss = task == RT_TASK_BINARY ? RT_LOSS_LOG : task == RT_TASK_MULTICLASS ? RT_LOSS_CROSS_ENTROPY : RT_LOSS_MSE;
    n.chunk = chunk;
    n.n_params = IN * 4 + 4;
    n.n_tensors = 2;
    n.tensors = p_tensors;
    n.params = p_block;
    n.grads = g_block;
    n.config.seed = 7;
    n.config.epochs = 1;
    /* a data file that is not there: --selftest must not read it */
    n.config.train.kind = RT_SRC_CSV;
    n.config.train.path = "/nonexistent/selftest-train.csv";
    n.config.train.label = RT_LABEL_LAST;
    n.config.train.header = RT_HEADER_AUTO;
    n.selftest = st;
    return n;
}

static char out_text[16384], err_text[4096];

/* rt_main with stdout and stderr captured; returns its exit code. */
static int run(const rt_network *net, const char *extra)
{
    setenv("OMP_WAIT_POLICY", "passive", 1); /* else rt_main re-executes the test runner */
    char *argv[4] = {"train_fake", "--selftest", (char *)extra, NULL};
    fflush(stdout);
    fflush(stderr);
    FILE *o = tmpfile(), *e = tmpfile();
    ck_assert(o && e);
    int so = dup(1), se = dup(2);
    dup2(fileno(o), 1);
    dup2(fileno(e), 2);
    int code = rt_main(extra ? 3 : 2, argv, net);
    fflush(stdout);
    fflush(stderr);
    dup2(so, 1);
    dup2(se, 2);
    close(so);
    close(se);
    rewind(o);
    rewind(e);
    out_text[fread(out_text, 1, sizeof out_text - 1, o)] = 0;
    err_text[fread(err_text, 1, sizeof err_text - 1, e)] = 0;
    fclose(o);
    fclose(e);
    return code;
}

START_TEST(main_selftest_passes_without_data)
{
    memset(&seen, 0, sizeof seen);
    rt_network net = fake_net(RT_TASK_MULTICLASS, 3, CHUNK, fake_multi);
    ck_assert_int_eq(run(&net, NULL), 0);
    ck_assert_int_eq(seen.calls, 1);
    ck_assert_int_eq(seen.m, CHUNK - 3);
    ck_assert_int_eq(seen.labels_ok, 1);
    ck_assert_str_eq(err_text, "");
    ck_assert_ptr_nonnull(strstr(out_text, "selftest: fake, 13 rows, fast kernels against the reference kernels (bound 1e-12)\n"));
    ck_assert_ptr_nonnull(strstr(out_text, "  layers.0.Z "));
    ck_assert_ptr_nonnull(strstr(out_text, "selftest: 2 checks ("));
    ck_assert_ptr_nonnull(strstr(out_text, "): ok\n"));
    /* the parameters are the seeded initial ones: the same seed, the same draws */
    double x0 = seen.x0, p0 = seen.p0;
    ck_assert(p0 != 0);
    ck_assert_int_eq(run(&net, NULL), 0);
    ck_assert_double_eq(seen.x0, x0);
    ck_assert_double_eq(seen.p0, p0);
    ck_assert_int_eq(run(&net, "--seed=8"), 0);
    ck_assert(seen.x0 != x0 && seen.p0 != p0);
    rt_rng r;
    rt_rng_seed(&r, 7);
    ck_assert_double_eq(p0, rt_rng_normal(&r)); /* layers.0.weight[0] is the first draw */

    net = fake_net(RT_TASK_BINARY, 1, CHUNK, fake_binary);
    ck_assert_int_eq(run(&net, NULL), 0);
    ck_assert_int_eq(seen.labels_ok, 1);
    net = fake_net(RT_TASK_REGRESSION, 2, 8, fake_regress); /* chunk <= 8: m = chunk */
    ck_assert_int_eq(run(&net, NULL), 0);
    ck_assert_int_eq(seen.m, 8);
    ck_assert_int_eq(seen.labels_ok, 1);
}
END_TEST

START_TEST(main_selftest_failures)
{
    memset(&seen, 0, sizeof seen);
    rt_network net = fake_net(RT_TASK_MULTICLASS, 3, CHUNK, fake_multi);
    seen.fail = 1;
    ck_assert_int_eq(run(&net, NULL), 1);
    ck_assert_ptr_nonnull(strstr(out_text, "  broken "));
    ck_assert_ptr_nonnull(strstr(out_text, "selftest: 3 checks ("));
    ck_assert_ptr_nonnull(strstr(out_text, " (broken): FAIL (1 over the bound)\n"));
    seen.fail = 0;

    net.selftest = fake_none;
    ck_assert_int_eq(run(&net, NULL), 1);
    ck_assert_ptr_nonnull(strstr(out_text, "selftest: 0 checks (0 exact)"));
    ck_assert_ptr_nonnull(strstr(out_text, ": FAIL (no checks ran)\n"));

    net.selftest = NULL;
    ck_assert_int_eq(run(&net, NULL), 2);
    ck_assert_str_eq(err_text, "train_fake: error: this program has no self-test\n");

    net.selftest = fake_multi;
    ck_assert_int_eq(run(&net, "--gradcheck"), 2);
    ck_assert_ptr_nonnull(strstr(err_text, "error: --selftest and --gradcheck"));
}
END_TEST

Suite *selftest_suite(void)
{
    Suite *s = suite_create("selftest");
    TCase *tc = tcase_create("selftest");
    tcase_add_test(tc, identical_is_exact);
    tcase_add_test(tc, tiny_difference_within_bound);
    tcase_add_test(tc, large_difference_fails);
    tcase_add_test(tc, padding_is_ignored);
    tcase_add_test(tc, nan_fails);
    tcase_add_test(tc, main_selftest_passes_without_data);
    tcase_add_test(tc, main_selftest_failures);
    suite_add_tcase(s, tc);
    return s;
}
