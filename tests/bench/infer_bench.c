/* infer_bench.c — W5: microseconds per one-sample call of the generated inference kernel
 * (nncc --emit infer, network w3), on two kinds of input:
 *   real:  the first IMAGES Fashion-MNIST test images (raw pixel values 0..255; about half of
 *          the pixels are 0, which the kernel's first layer skips), read with zlib;
 *   dense: 256 rows of uniformly random bytes (almost no zeros): the kernel's slow case.
 * Prints one line: median, min and max over 7 runs of 20000 calls on the real images, then the
 * same three for the dense rows, then the fraction of zero pixels in the real images, then 1 if
 * an output was NaN (else 0).
 *   cc -O3 -march=native -I. infer_bench.c w3.c -lm -lz -o infer_bench && ./infer_bench [IMAGES.gz] */
#define _POSIX_C_SOURCE 199309L /* clock_gettime under -std=c99 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <zlib.h>

#include "w3.h"

#ifndef IMAGES
#define IMAGES 1000 /* as tests/bench/peers.py's w5 */
#endif
#define DENSE 256
#define CALLS 20000
#define RUNS 7

static const char *const default_images = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static float real[IMAGES][W3_INPUTS], dense[DENSE][W3_INPUTS];

/* The first IMAGES images of an IDX file of 28x28 unsigned bytes (big-endian header: magic 0x803,
 * count, rows, columns), as floats. */
static int load_images(const char *path)
{
    gzFile f = gzopen(path, "rb");
    if (!f) {
        fprintf(stderr, "infer_bench: cannot open %s (Debian: dataset-fashion-mnist)\n", path);
        return -1;
    }
    unsigned char h[16], px[W3_INPUTS];
    int ok = gzread(f, h, sizeof h) == (int)sizeof h;
    unsigned long magic = ok ? (unsigned long)h[0] << 24 | (unsigned long)h[1] << 16 | h[2] << 8 | h[3] : 0;
    unsigned long count = ok ? (unsigned long)h[4] << 24 | (unsigned long)h[5] << 16 | h[6] << 8 | h[7] : 0;
    ok = ok && magic == 0x803 && count >= IMAGES && h[11] * h[15] == W3_INPUTS;
    for (int r = 0; ok && r < IMAGES; r++) {
        ok = gzread(f, px, sizeof px) == (int)sizeof px;
        for (int i = 0; ok && i < W3_INPUTS; i++) real[r][i] = px[i];
    }
    gzclose(f);
    if (!ok) fprintf(stderr, "infer_bench: %s: not an IDX file of %d or more 28x28 images\n", path, IMAGES);
    return ok ? 0 : -1;
}

/* RUNS runs of CALLS calls over rows[0..n): median, min, max microseconds per call. */
static void time_calls(float (*rows)[W3_INPUTS], int n, double t3[3], float *sink)
{
    float out[W3_OUTPUTS];
    double us[RUNS];
    for (int rep = 0; rep < RUNS; rep++) {
        double t = now();
        for (int k = 0; k < CALLS; k++) {
            w3_infer(rows[k % n], out);
            *sink += out[k % W3_OUTPUTS];
        }
        us[rep] = (now() - t) / CALLS * 1e6;
    }
    qsort(us, RUNS, sizeof us[0], cmp);
    t3[0] = us[RUNS / 2], t3[1] = us[0], t3[2] = us[RUNS - 1];
}

int main(int argc, char **argv)
{
    if (load_images(argc > 1 ? argv[1] : default_images)) return 1;
    long zeros = 0;
    for (int r = 0; r < IMAGES; r++)
        for (int i = 0; i < W3_INPUTS; i++) zeros += real[r][i] == 0;
    unsigned s = 12345;
    for (int r = 0; r < DENSE; r++)
        for (int i = 0; i < W3_INPUTS; i++) dense[r][i] = (float)((s = s * 1103515245u + 12345u) >> 24);
    float sink = 0;
    double tr[3], td[3];
    time_calls(real, IMAGES, tr, &sink);
    time_calls(dense, DENSE, td, &sink);
    printf("%.6g %.6g %.6g %.6g %.6g %.6g %.3f %d\n", tr[0], tr[1], tr[2], td[0], td[1], td[2],
           (double)zeros / ((double)IMAGES * W3_INPUTS), sink != sink);
    return 0;
}
