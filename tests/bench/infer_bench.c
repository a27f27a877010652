/* infer_bench.c — W5: microseconds per one-sample call of the generated inference kernel
 * (nncc --emit infer, network w3). Inputs are 256 Fashion-MNIST-like rows of raw pixel values;
 * prints the median, min and max of 7 runs of 20000 calls. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "w3.h"

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

static float in[256][W3_INPUTS];

int main(void)
{
    unsigned s = 12345;
    for (int r = 0; r < 256; r++)
        for (int i = 0; i < W3_INPUTS; i++) in[r][i] = (float)((s = s * 1103515245u + 12345u) >> 24);
    float out[W3_OUTPUTS], sink = 0;
    double us[7];
    for (int rep = 0; rep < 7; rep++) {
        double t = now();
        for (int k = 0; k < 20000; k++) {
            w3_infer(in[k & 255], out);
            sink += out[k % W3_OUTPUTS];
        }
        us[rep] = (now() - t) / 20000 * 1e6;
    }
    qsort(us, 7, sizeof us[0], cmp);
    printf("%.6g %.6g %.6g %g\n", us[3], us[0], us[6], (double)(sink != sink));
    return 0;
}
