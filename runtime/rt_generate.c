/* rt_generate.c — the built-in data generators, so every example trains with no file at all. */
#include "nncc_rt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The point sets follow scikit-learn's make_blobs / make_circles / make_moons (same shapes, same
 * class layout, same seed gives the same data) but draw from nncc's own generator, so the
 * numbers differ from sklearn's. Every draw comes from one rt_rng seeded by src->seed, in a
 * fixed order, so the data is identical on every platform and thread count. */

static const double two_pi = 6.283185307179586476925286766559;
static const double pi = 3.1415926535897932384626433832795;

static const char *const generator_names[] = {"blobs", "circles", "moons", "xor", "and", "or"};

/* Shuffles rows of x (n x d) and their classes together, Fisher-Yates as rt_rng_shuffle. */
static void shuffle_rows(rt_rng *rng, double *x, int *cls, int n, int d)
{
    for (int i = n - 1; i > 0; i--) {
        int j = (int)rt_rng_below(rng, (uint32_t)i + 1);
        for (int k = 0; k < d; k++) {
            double t = x[(size_t)i * d + k];
            x[(size_t)i * d + k] = x[(size_t)j * d + k];
            x[(size_t)j * d + k] = t;
        }
        int c = cls[i];
        cls[i] = cls[j];
        cls[j] = c;
    }
}

static void add_noise(rt_rng *rng, double *x, size_t count, double noise)
{
    if (noise > 0)
        for (size_t i = 0; i < count; i++)
            x[i] += noise * rt_rng_normal(rng);
}

/* make_blobs: centres uniform in (-10, 10)^d; n split evenly, the first n % centres centres
 * taking one extra sample; isotropic gaussian clusters of std `noise`; then shuffled. */
/* Centres come from crng, samples from rng: a test split shares the training set's centres. */
static int gen_blobs(rt_rng *crng, rt_rng *rng, double *x, int *cls, int n, int d, int centers, double noise)
{
    double *centres = rt_xcalloc((size_t)centers * (size_t)d, sizeof *centres);
    if (!centres)
        return -1;
    for (size_t i = 0; i < (size_t)centers * d; i++)
        centres[i] = -10.0 + 20.0 * rt_rng_uniform(crng);
    int row = 0;
    for (int k = 0; k < centers; k++) {
        int nk = n / centers + (k < n % centers);
        for (int i = 0; i < nk; i++, row++) {
            for (int j = 0; j < d; j++)
                x[(size_t)row * d + j] = centres[(size_t)k * d + j] + noise * rt_rng_normal(rng);
            cls[row] = k;
        }
    }
    free(centres);
    shuffle_rows(rng, x, cls, n, d);
    return 0;
}

/* make_circles: n/2 outer points at angles linspace(0, 2pi, endpoint=False) on radius 1, the
 * rest on radius `factor`; label 0 outer, 1 inner; gaussian noise; then shuffled. */
static void gen_circles(rt_rng *rng, double *x, int *cls, int n, double noise, double factor)
{
    int n_out = n / 2, n_in = n - n_out;
    for (int i = 0; i < n_out; i++) {
        double t = two_pi * i / n_out;
        x[2 * i] = cos(t);
        x[2 * i + 1] = sin(t);
        cls[i] = 0;
    }
    for (int i = 0; i < n_in; i++) {
        double t = two_pi * i / n_in;
        x[2 * (n_out + i)] = factor * cos(t);
        x[2 * (n_out + i) + 1] = factor * sin(t);
        cls[n_out + i] = 1;
    }
    add_noise(rng, x, (size_t)n * 2, noise);
    shuffle_rows(rng, x, cls, n, 2);
}

/* linspace(0, stop, k) with the endpoint, as numpy: one point gives 0. */
static double linspace_at(double stop, int i, int k) { return k > 1 ? stop * i / (k - 1) : 0.0; }

/* make_moons: the upper half circle (label 0) and the lower one shifted to (1, -0.5) (label 1),
 * n/2 points on the first; gaussian noise; then shuffled. */
static void gen_moons(rt_rng *rng, double *x, int *cls, int n, double noise)
{
    int n_out = n / 2, n_in = n - n_out;
    for (int i = 0; i < n_out; i++) {
        double t = linspace_at(pi, i, n_out);
        x[2 * i] = cos(t);
        x[2 * i + 1] = sin(t);
        cls[i] = 0;
    }
    for (int i = 0; i < n_in; i++) {
        double t = linspace_at(pi, i, n_in);
        x[2 * (n_out + i)] = 1.0 - cos(t);
        x[2 * (n_out + i) + 1] = 1.0 - sin(t) - 0.5;
        cls[n_out + i] = 1;
    }
    add_noise(rng, x, (size_t)n * 2, noise);
    shuffle_rows(rng, x, cls, n, 2);
}

/* xor: uniform in [-1, 1]^2, class from the clean point's quadrant, then jitter. */
static void gen_xor(rt_rng *rng, double *x, int *cls, int n, double noise)
{
    for (int i = 0; i < n; i++) {
        double a = -1.0 + 2.0 * rt_rng_uniform(rng), b = -1.0 + 2.0 * rt_rng_uniform(rng);
        x[2 * i] = a;
        x[2 * i + 1] = b;
        cls[i] = (a > 0) != (b > 0);
    }
    add_noise(rng, x, (size_t)n * 2, noise);
}

/* and / or: the truth table, cycled to n rows in table order (the notes' perceptron data). */
static void gen_truth_table(rt_rng *rng, double *x, int *cls, int n, double noise, int is_or)
{
    for (int i = 0; i < n; i++) {
        int a = (i % 4) >> 1, b = (i % 4) & 1;
        x[2 * i] = a;
        x[2 * i + 1] = b;
        cls[i] = is_or ? (a | b) : (a & b);
    }
    add_noise(rng, x, (size_t)n * 2, noise);
}

int rt_generate(rt_dataset *ds, const rt_source *src, const rt_shape *shape)
{
    memset(ds, 0, sizeof *ds);
    int g = src->generator;
    if (g < RT_GEN_BLOBS || g > RT_GEN_OR) {
        rt_error(NULL, 0, "unknown data generator %d", g);
        return -1;
    }
    char name[32];
    snprintf(name, sizeof name, "generator %s", generator_names[g]);
    int n = src->samples, d = shape->inputs, outputs = shape->outputs;

    if (n <= 0) {
        rt_error(name, 0, "samples must be at least 1 (got %d)", n);
        return -1;
    }
    if (d < 1) {
        rt_error(name, 0, "the network has %d inputs", d);
        return -1;
    }
    if (g != RT_GEN_BLOBS && d != 2) {
        rt_error(name, 0, "makes points with 2 features; the network has %d inputs (use blobs, or data from a file)",
                 d);
        return -1;
    }
    if (!(src->noise >= 0) || !isfinite(src->noise)) {
        rt_error(name, 0, "noise must be a finite number >= 0 (got %g)", src->noise);
        return -1;
    }
    if (g == RT_GEN_CIRCLES && !(src->factor >= 0 && src->factor < 1)) {
        rt_error(name, 0, "factor (inner radius / outer radius) must be in [0, 1) (got %g)", src->factor);
        return -1;
    }

    /* Classes the generator makes, and whether the task can take them as labels. Without
     * `centers`, blobs makes as many classes as the network's head tells apart. */
    int classes = 2;
    if (g == RT_GEN_BLOBS) {
        classes = src->centers;
        if (classes <= 0)
            classes = shape->task == RT_TASK_BINARY || outputs == 1 ? 2 : outputs;
    }
    int fits, ny = rt_label_count(shape);
    if (shape->task == RT_TASK_BINARY || (shape->task == RT_TASK_REGRESSION && outputs == 1))
        fits = classes <= 2;
    else
        fits = classes <= outputs;
    if (!fits) {
        rt_error(name, 0, "makes %d classes, which a network with %d output%s cannot %s", classes, outputs,
                 outputs == 1 ? "" : "s", shape->task == RT_TASK_REGRESSION ? "fit" : "predict");
        return -1;
    }

    double *x = rt_xcalloc((size_t)n * (size_t)d, sizeof *x);
    double *y = rt_xcalloc((size_t)n * (size_t)ny, sizeof *y);
    int *cls = rt_xcalloc((size_t)n, sizeof *cls);
    ds->name = malloc(strlen(name) + 1);
    if (!x || !y || !cls || !ds->name) {
        free(x);
        free(y);
        free(cls);
        free(ds->name);
        ds->name = NULL;
        return -1;
    }
    strcpy(ds->name, name);

    /* A test or validation split draws its samples from a stream of its own; on the training
     * split both streams are one, so blobs draw centres then samples from a single generator. */
    rt_rng rng, split_rng;
    rt_rng_seed(&rng, src->seed);
    rt_rng_seed(&split_rng, src->seed ^ (0x9e3779b97f4a7c15u * (uint64_t)src->split));
    rt_rng *samples = src->split ? &split_rng : &rng;
    int rc = 0;
    switch (g) {
    case RT_GEN_BLOBS: rc = gen_blobs(&rng, samples, x, cls, n, d, classes, src->noise); break;
    case RT_GEN_CIRCLES: gen_circles(samples, x, cls, n, src->noise, src->factor); break;
    case RT_GEN_MOONS: gen_moons(samples, x, cls, n, src->noise); break;
    case RT_GEN_XOR: gen_xor(samples, x, cls, n, src->noise); break;
    case RT_GEN_AND: gen_truth_table(samples, x, cls, n, src->noise, 0); break;
    default: gen_truth_table(samples, x, cls, n, src->noise, 1); break;
    }
    if (rc != 0) {
        free(x);
        free(y);
        free(cls);
        free(ds->name);
        ds->name = NULL;
        return -1;
    }

    /* Regression with several outputs learns the one-hot vector of the class. */
    for (int i = 0; i < n; i++) {
        if (ny == 1)
            y[i] = cls[i];
        else
            y[(size_t)i * ny + cls[i]] = 1.0;
    }
    free(cls);
    ds->n = n;
    ds->d = d;
    ds->ny = ny;
    ds->x_f64 = x;
    ds->y = y;
    return 0;
}
