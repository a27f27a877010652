/* test_plot.c — rt_plot.c: curves.svg and boundary.svg from a fake network, in a temp directory. */
#include <check.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rt_internal.h"

/* ---- a fake network: one sigmoid unit, z = w·x' + b, on normalised inputs --------------- */

static double plot_params[3] = {2.0, -1.0, 0.5}; /* w1, w2, b */
static int plot_outputs = 1;                       /* 3: the multiclass variant */

static void plot_forward(int m, const void *x, void *out)
{
    const double *in = x;
    double *o = out;
    for (int r = 0; r < m; r++) {
        double z = plot_params[0] * in[2 * r] + plot_params[1] * in[2 * r + 1] + plot_params[2];
        if (plot_outputs == 1) {
            o[r] = 1.0 / (1.0 + exp(-z));
        } else { /* three bands of z */
            o[3 * r] = z < -1;
            o[3 * r + 1] = z >= -1 && z < 1;
            o[3 * r + 2] = z >= 1;
        }
    }
}

static const rt_tensor plot_tensors[2] = {
    {"layers.0.weight", 1, 2, 0, RT_INIT_NORMAL, 2, 1, 1, NULL, 0, 0},
    {"layers.0.bias", 1, 0, 2, RT_INIT_NORMAL, 2, 1, 1, NULL, 0, 0},
};

static rt_network plot_net;
static double plot_offset[2] = {1.0, -2.0}, plot_scale[2] = {0.5, 2.0};
static char plot_dir[] = "/tmp/nncc_plot_XXXXXX";

static void plot_setup(void)
{
    memset(&plot_net, 0, sizeof plot_net);
    plot_net.name = "toy<&>\"net\"";
    plot_net.inputs = 2;
    plot_net.outputs = 1;
    plot_net.real_size = 8;
    plot_net.task = RT_TASK_BINARY;
    plot_net.chunk = 7; /* odd, so the grid's last chunk is partial */
    plot_net.n_params = 3;
    plot_net.n_tensors = 2;
    plot_net.tensors = plot_tensors;
    plot_net.params = plot_params;
    plot_net.forward = plot_forward;
    plot_outputs = 1;
    ck_assert_ptr_nonnull(mkdtemp(plot_dir));
}

static void plot_teardown(void)
{
    DIR *d = opendir(plot_dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)))
            if (e->d_name[0] != '.') {
                char p[512];
                snprintf(p, sizeof p, "%s/%s", plot_dir, e->d_name);
                if (remove(p) != 0) rmdir(p);
            }
        closedir(d);
    }
    rmdir(plot_dir);
    strcpy(plot_dir, "/tmp/nncc_plot_XXXXXX");
}

/* A session over n points on a jittered lattice, labelled by the network's own rule. */
static void make_session(rt_session *s, rt_dataset *ds, int n)
{
    memset(s, 0, sizeof *s);
    memset(ds, 0, sizeof *ds);
    ds->n = n;
    ds->d = 2;
    ds->ny = 1;
    ds->x_f64 = calloc((size_t)n * 2, sizeof(double));
    ds->y = calloc((size_t)n, sizeof(double));
    for (int i = 0; i < n; i++) {
        double x1 = -3 + 6.0 * (i % 17) / 16 + 0.01 * i, x2 = -1 + 0.37 * (i % 23) - 0.001 * i;
        ds->x_f64[2 * i] = x1;
        ds->x_f64[2 * i + 1] = x2;
        double z = plot_params[0] * (x1 - plot_offset[0]) * plot_scale[0] +
                   plot_params[1] * (x2 - plot_offset[1]) * plot_scale[1] + plot_params[2];
        ds->y[i] = plot_outputs == 1 ? z >= 0 : z < -1 ? 0 : z < 1 ? 1 : 2;
    }
    s->net = &plot_net;
    s->train = *ds;
    s->norm.d = 2;
    s->norm.offset = plot_offset;
    s->norm.scale = plot_scale;
}

static void make_history(rt_session *s, int n, int with_test, int with_acc)
{
    s->history = calloc((size_t)(n > 0 ? n : 1), sizeof(rt_metrics));
    s->n_history = s->cap_history = n;
    for (int i = 0; i < n; i++) {
        rt_metrics *r = &s->history[i];
        r->epoch = 10 * i;
        r->train_loss = 0.7 * exp(-0.05 * i);
        r->train_acc = with_acc ? 1 - 0.5 * exp(-0.1 * i) : NAN;
        /* the test loss turns up half way: over-fitting */
        r->test_loss = with_test ? 0.7 * exp(-0.05 * i) + 0.0004 * i * i : NAN;
        r->test_acc = with_test && with_acc ? 0.9 - 0.5 * exp(-0.1 * i) : NAN;
        r->seconds = i;
        r->lr = r->val_loss = r->val_acc = NAN;
        r->train_r2 = r->train_rmse = r->train_mae = r->val_r2 = r->val_rmse = r->val_mae = NAN;
        r->test_r2 = r->test_rmse = r->test_mae = NAN;
    }
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = malloc((size_t)n + 1);
    size_t got = fread(p, 1, (size_t)n, f);
    p[got] = 0;
    fclose(f);
    return p;
}

static int count(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle)) n++;
    return n;
}

/* Reads an output back, with the checks every SVG here must pass. */
static char *read_svg(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", plot_dir, name);
    char *t = slurp(path);
    ck_assert_msg(t != NULL, "%s not written", path);
    ck_assert(strncmp(t, "<?xml", 5) == 0);
    ck_assert_ptr_nonnull(strstr(t, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
    ck_assert_ptr_nonnull(strstr(t, "viewBox=\""));
    ck_assert_ptr_nonnull(strstr(t, "</svg>\n"));
    ck_assert_ptr_null(strstr(t, "<script"));
    ck_assert_ptr_null(strstr(t, "nan"));
    ck_assert_ptr_null(strstr(t, "inf"));
    /* the name is escaped, never raw */
    ck_assert_ptr_null(strstr(t, "toy<"));
    ck_assert_ptr_nonnull(strstr(t, "toy&lt;&amp;&gt;&quot;net&quot;"));
    return t;
}

/* Files in the temp dir, so a failed write can be shown to leave nothing behind. */
static int dir_entries(void)
{
    int n = 0;
    DIR *d = opendir(plot_dir);
    struct dirent *e;
    while ((e = readdir(d)))
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static int plot_to(rt_session *s, int boundary, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", plot_dir, name);
    return boundary ? rt_plot_boundary(s, path) : rt_plot_curves(s, path);
}

static void free_session(rt_session *s, rt_dataset *ds)
{
    free(ds->x_f64);
    free(ds->y);
    free(s->history);
}

START_TEST(curves_train_and_test)
{
    rt_session s;
    rt_dataset ds;
    make_session(&s, &ds, 10);
    make_history(&s, 60, 1, 1);
    ck_assert_int_eq(plot_to(&s, 0, "curves.svg"), 0);
    char *t = read_svg("curves.svg");
    ck_assert_int_eq(count(t, "<polyline"), 4); /* loss and accuracy, train and test */
    ck_assert_int_eq(count(t, "<circle"), 0);   /* too many points for dots */
    ck_assert_ptr_nonnull(strstr(t, ">Loss<"));
    ck_assert_ptr_nonnull(strstr(t, ">Accuracy<"));
    ck_assert_ptr_nonnull(strstr(t, ">test<"));
    ck_assert_ptr_null(strstr(t, "lowest")); /* no epoch kept (no early stopping): no marker */
    ck_assert_ptr_nonnull(strstr(t, ">epoch<"));
    ck_assert_ptr_null(strstr(t, "cut off"));
    free(t);

    /* a huge first loss would flatten the rest: the axis follows the later epochs */
    s.history[0].train_loss = 50;
    ck_assert_int_eq(plot_to(&s, 0, "cut.svg"), 0);
    t = read_svg("cut.svg");
    ck_assert_ptr_nonnull(strstr(t, "early values up to 50 cut off"));
    ck_assert_ptr_nonnull(strstr(t, "clip-path=\"url(#cut)\""));
    free(t);
    free_session(&s, &ds);
}
END_TEST

START_TEST(curves_without_test_or_accuracy)
{
    rt_session s;
    rt_dataset ds;
    make_session(&s, &ds, 10);
    make_history(&s, 12, 0, 1);
    ck_assert_int_eq(plot_to(&s, 0, "a.svg"), 0);
    char *t = read_svg("a.svg");
    ck_assert_int_eq(count(t, "<polyline"), 2);
    ck_assert_int_eq(count(t, "<circle"), 24); /* few points: dotted */
    ck_assert_ptr_null(strstr(t, ">test<"));
    free(t);
    free(s.history);

    make_history(&s, 12, 1, 0); /* regression: no accuracy */
    ck_assert_int_eq(plot_to(&s, 0, "b.svg"), 0);
    t = read_svg("b.svg");
    ck_assert_int_eq(count(t, "<polyline"), 2);
    ck_assert_ptr_nonnull(strstr(t, "no accuracy measured"));
    free(t);
    free_session(&s, &ds);
}
END_TEST

/* y of the first <text> whose content is exactly `what`, or -1. */
static double text_y(const char *t, const char *what)
{
    char needle[160];
    snprintf(needle, sizeof needle, ">%s</text>", what);
    const char *at = strstr(t, needle);
    if (!at) return -1;
    while (at > t && strncmp(at, "<text", 5)) at--;
    const char *y = strstr(at, " y=\"");
    return y ? atof(y + 4) : -1;
}

START_TEST(curves_validation_kept_epoch_and_r2)
{
    rt_session s;
    rt_dataset ds;
    make_session(&s, &ds, 10);
    make_history(&s, 60, 1, 1);
    for (int i = 0; i < 60; i++) {
        s.history[i].val_loss = s.history[i].test_loss + 0.01;
        s.history[i].val_acc = s.history[i].test_acc - 0.01;
    }
    s.history[0].train_loss = 50; /* a cut-off note as well */
    s.cfg.early_stopping = 1;
    s.best_epoch = s.saved_epoch = 250;
    ck_assert_int_eq(plot_to(&s, 0, "kept.svg"), 0);
    char *t = read_svg("kept.svg");
    ck_assert_int_eq(count(t, "<polyline"), 6); /* train, validation, test in both panels */
    ck_assert_ptr_nonnull(strstr(t, ">validation<"));
    ck_assert_ptr_nonnull(strstr(t, ">epoch 250<"));
    ck_assert_ptr_nonnull(strstr(t, "dotted line: epoch 250, lowest validation loss: the weights saved"));
    /* the notes lie below the plot area (it ends at y = 368), never on the legend's line */
    ck_assert(text_y(t, "early values up to 50 cut off") > 368 + 40);
    ck_assert(text_y(t, "dotted line: epoch 250, lowest validation loss: the weights saved") > 368 + 40);
    ck_assert(text_y(t, "early values up to 50 cut off") !=
              text_y(t, "dotted line: epoch 250, lowest validation loss: the weights saved"));
    free(t);

    /* regression: R^2 where a classifier shows accuracy, from -1 up when early values are lower */
    plot_net.task = RT_TASK_REGRESSION;
    for (int i = 0; i < 60; i++) {
        rt_metrics *r = &s.history[i];
        r->train_acc = r->val_acc = r->test_acc = NAN;
        r->train_r2 = 1 - exp(-0.1 * i) * (i == 0 ? 40 : 1);
        r->val_r2 = r->train_r2 - 0.02, r->test_r2 = r->train_r2 - 0.03;
    }
    ck_assert_int_eq(plot_to(&s, 0, "r2.svg"), 0);
    t = read_svg("r2.svg");
    ck_assert_int_eq(count(t, "<polyline"), 6);
    ck_assert_ptr_nonnull(strstr(t, ">R²<"));
    ck_assert_ptr_null(strstr(t, "no accuracy"));
    ck_assert_ptr_nonnull(strstr(t, "early values down to -39 cut off"));
    ck_assert_ptr_nonnull(strstr(t, "clip-path=\"url(#cut-r2)\""));
    free(t);
    free_session(&s, &ds);
}
END_TEST

START_TEST(curves_degenerate)
{
    rt_session s;
    rt_dataset ds;
    make_session(&s, &ds, 10);
    make_history(&s, 1, 1, 1); /* one row: a single dot per series */
    ck_assert_int_eq(plot_to(&s, 0, "one.svg"), 0);
    char *t = read_svg("one.svg");
    ck_assert_int_eq(count(t, "<polyline"), 0);
    ck_assert_int_eq(count(t, "<circle"), 4);
    free(t);
    free(s.history);

    /* constant, huge, tiny, infinite and missing values: still finite coordinates */
    static const double odd[][2] = {{0, 0}, {1e12, 1e12}, {1e-12, 2e-12}, {INFINITY, NAN}, {1e308, -1e308}};
    for (size_t k = 0; k < sizeof odd / sizeof odd[0]; k++) {
        make_history(&s, 5, 1, 1);
        for (int i = 0; i < 5; i++) {
            s.history[i].train_loss = odd[k][i % 2];
            s.history[i].test_loss = i == 2 ? NAN : odd[k][0];
            s.history[i].train_acc = 0.5;
        }
        ck_assert_int_eq(plot_to(&s, 0, "odd.svg"), 0);
        t = read_svg("odd.svg");
        free(t);
        free(s.history);
    }
    s.history = NULL;
    s.n_history = 0; /* no rows at all */
    ck_assert_int_eq(plot_to(&s, 0, "none.svg"), 0);
    t = read_svg("none.svg");
    ck_assert_ptr_nonnull(strstr(t, "no loss measured"));
    free(t);
    free_session(&s, &ds);
}
END_TEST

START_TEST(boundary_single_neuron)
{
    rt_session s;
    rt_dataset ds;
    make_session(&s, &ds, 40);
    ck_assert_int_eq(plot_to(&s, 1, "boundary.svg"), 0);
    char *t = read_svg("boundary.svg");
    /* every training point, plus a dot in each of the two legend entries */
    ck_assert_int_eq(count(t, "<circle"), 40 + 2);
    ck_assert_ptr_nonnull(strstr(t, "x₂ = (−w₁x₁ − b)/w₂"));
    ck_assert_int_eq(count(t, "stroke=\"#111111\""), 2); /* the line and its legend swatch */
    ck_assert_ptr_nonnull(strstr(t, ">x₁<"));
    ck_assert_int_gt(count(t, "<rect"), 2);
    free(t);

    /* w2 = 0: the line is vertical, x1 = const */
    double saved = plot_params[1];
    plot_params[1] = 0.0;
    ck_assert_int_eq(plot_to(&s, 1, "vertical.svg"), 0);
    t = read_svg("vertical.svg");
    ck_assert_ptr_nonnull(strstr(t, "x₁ = −b/w₁"));
    const char *line = strstr(t, "<line x1=\"");
    ck_assert_ptr_nonnull(line);
    plot_params[1] = saved;
    free(t);
    free_session(&s, &ds);
}
END_TEST

/* The drawn line must lie where the network's output crosses 0.5, in raw units. */
START_TEST(boundary_line_in_raw_units)
{
    rt_session s;
    rt_dataset ds;
    make_session(&s, &ds, 40);
    ck_assert_int_eq(plot_to(&s, 1, "b.svg"), 0);
    char *t = read_svg("b.svg");
    /* the neuron's line is the first drawn in its colour */
    const char *hit = strstr(t, "stroke=\"#111111\"");
    ck_assert_ptr_nonnull(hit);
    while (hit > t && strncmp(hit, "<line", 5) != 0) hit--;
    double px[2], py[2];
    ck_assert_int_eq(sscanf(hit, "<line x1=\"%lf\" y1=\"%lf\" x2=\"%lf\" y2=\"%lf\"", &px[0], &py[0],
                            &px[1], &py[1]),
                     4);
    /* Pixel to raw: the plot area is the frame (the last unfilled rect), the axes the data's
     * range padded by 10% on each side. */
    const char *fr = strstr(t, "fill=\"none\" stroke=\"#555555\"");
    ck_assert_ptr_nonnull(fr);
    while (fr > t && strncmp(fr, "<rect", 5) != 0) fr--;
    double X0, Y0, W, H;
    ck_assert_int_eq(sscanf(fr, "<rect x=\"%lf\" y=\"%lf\" width=\"%lf\" height=\"%lf\"", &X0, &Y0, &W, &H), 4);
    double lo[2] = {1e9, 1e9}, hi[2] = {-1e9, -1e9};
    for (int i = 0; i < ds.n; i++)
        for (int f = 0; f < 2; f++) {
            lo[f] = fmin(lo[f], ds.x_f64[2 * i + f]);
            hi[f] = fmax(hi[f], ds.x_f64[2 * i + f]);
        }
    for (int f = 0; f < 2; f++) {
        double pad = 0.1 * (hi[f] - lo[f]);
        lo[f] -= pad;
        hi[f] += pad;
    }
    for (int e = 0; e < 2; e++) {
        double x1 = lo[0] + (px[e] - X0) / W * (hi[0] - lo[0]);
        double x2 = hi[1] - (py[e] - Y0) / H * (hi[1] - lo[1]);
        double z = plot_params[0] * (x1 - plot_offset[0]) * plot_scale[0] +
                   plot_params[1] * (x2 - plot_offset[1]) * plot_scale[1] + plot_params[2];
        ck_assert_msg(fabs(z) < 0.05, "end %d of the line is at z = %g, not 0", e, z);
    }
    free(t);
    free_session(&s, &ds);
}
END_TEST

START_TEST(boundary_many_points_multiclass)
{
    rt_session s;
    rt_dataset ds;
    plot_outputs = 3;
    plot_net.outputs = 3;
    plot_net.task = RT_TASK_MULTICLASS;
    plot_net.n_tensors = 0; /* not a single neuron: no line */
    make_session(&s, &ds, 5000);
    ck_assert_int_eq(plot_to(&s, 1, "many.svg"), 0);
    char *t = read_svg("many.svg");
    ck_assert_int_eq(count(t, "<circle"), 2000 + 3); /* subsampled, plus 3 legend dots */
    ck_assert_ptr_null(strstr(t, "w₂"));
    ck_assert_ptr_nonnull(strstr(t, "2000 drawn"));
    free(t);

    /* regression: shades of the first output, and the file still parses */
    plot_outputs = 1;
    plot_net.outputs = 1;
    plot_net.task = RT_TASK_REGRESSION;
    ck_assert_int_eq(plot_to(&s, 1, "reg.svg"), 0);
    free(read_svg("reg.svg"));
    free_session(&s, &ds);
}
END_TEST

START_TEST(failed_write_leaves_nothing)
{
    rt_session s;
    rt_dataset ds;
    make_session(&s, &ds, 10);
    make_history(&s, 3, 1, 1);
    /* a directory that does not exist */
    ck_assert_int_eq(plot_to(&s, 0, "missing/curves.svg"), -1);
    ck_assert_int_eq(plot_to(&s, 1, "missing/boundary.svg"), -1);
    ck_assert_int_eq(dir_entries(), 0);
    /* the target is a directory: the temp file is written, the rename fails, the temp goes */
    char sub[512];
    snprintf(sub, sizeof sub, "%s/taken", plot_dir);
    ck_assert_int_eq(mkdir(sub, 0777), 0);
    ck_assert_int_eq(plot_to(&s, 0, "taken"), -1);
    ck_assert_int_eq(plot_to(&s, 1, "taken"), -1);
    ck_assert_int_eq(dir_entries(), 1);
    free_session(&s, &ds);
}
END_TEST

/* float networks: the grid buffer is packed as float */
static void plot_forward_f32(int m, const void *x, void *out)
{
    const float *in = x;
    float *o = out;
    for (int r = 0; r < m; r++)
        o[r] = (float)(1.0 / (1.0 + exp(-(2.0 * in[2 * r] - 1.0 * in[2 * r + 1] + 0.5))));
}

START_TEST(boundary_float_network)
{
    static float fparams[3] = {2.0f, -1.0f, 0.5f};
    rt_session s;
    rt_dataset ds;
    plot_net.real_size = 4;
    plot_net.params = fparams;
    plot_net.forward = plot_forward_f32;
    make_session(&s, &ds, 40);
    ck_assert_int_eq(plot_to(&s, 1, "f.svg"), 0);
    char *t = read_svg("f.svg");
    ck_assert_ptr_nonnull(strstr(t, "w₁ = 2, w₂ = -1"));
    free(t);
    free_session(&s, &ds);
}
END_TEST

Suite *plot_suite(void)
{
    Suite *s = suite_create("plot");
    TCase *tc = tcase_create("svg");
    tcase_add_checked_fixture(tc, plot_setup, plot_teardown);
    tcase_add_test(tc, curves_train_and_test);
    tcase_add_test(tc, curves_without_test_or_accuracy);
    tcase_add_test(tc, curves_degenerate);
    tcase_add_test(tc, curves_validation_kept_epoch_and_r2);
    tcase_add_test(tc, boundary_single_neuron);
    tcase_add_test(tc, boundary_line_in_raw_units);
    tcase_add_test(tc, boundary_many_points_multiclass);
    tcase_add_test(tc, failed_write_leaves_nothing);
    tcase_add_test(tc, boundary_float_network);
    suite_add_tcase(s, tc);
    return s;
}
