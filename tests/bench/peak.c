/* peak.c — the machine's float32 multiply-add peak, for make bench's "% of peak" column.
 *
 * Each thread runs independent chains acc = acc * a + b over 16 x 16 floats (enough chains to
 * cover the FMA latency on two ports), which compilers turn into packed FMAs. Prints
 * GFLOP/s (2 flops per multiply-add) for 1 thread and for all threads. Build twice, with
 * -mprefer-vector-width=256 and =512, and take the larger: some CPUs slow down on 512-bit FMAs. */
#include <stdio.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#endif

enum { CHAINS = 16, LANES = 16 };

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static float chains(long iters, float a, float b)
{
    float acc[CHAINS][LANES];
    for (int k = 0; k < CHAINS; k++)
        for (int v = 0; v < LANES; v++) acc[k][v] = (float)(k * LANES + v) * 1e-3f;
    for (long it = 0; it < iters; it++)
        for (int k = 0; k < CHAINS; k++)
            for (int v = 0; v < LANES; v++) acc[k][v] = acc[k][v] * a + b;
    float s = 0;
    for (int k = 0; k < CHAINS; k++)
        for (int v = 0; v < LANES; v++) s += acc[k][v];
    return s;
}

/* GFLOP/s of `threads` threads each running the chains; best of 5. */
static double measure(int threads, volatile float *sink)
{
    const long iters = 4000000;
    double best = 0;
    for (int rep = 0; rep < 5; rep++) {
        double t = now();
        float s = 0;
#ifdef _OPENMP
#pragma omp parallel num_threads(threads) reduction(+ : s)
#endif
        s += chains(iters, 0.99999f, 1e-6f);
        t = now() - t;
        *sink = s;
        double g = 2.0 * CHAINS * LANES * (double)iters * threads / t * 1e-9;
        if (g > best) best = g;
    }
    return best;
}

int main(void)
{
    volatile float sink;
    int n = 1;
#ifdef _OPENMP
    n = omp_get_max_threads();
#endif
    printf("%.1f %.1f %d\n", measure(1, &sink), measure(n, &sink), n);
    return 0;
}
