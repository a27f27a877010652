/* main.c — a program that uses an nncc inference kernel: classifies the sample given on the
 * command line (or one sample per line on stdin), or times the kernel with --bench.
 *
 *   nncc ../deep_circles.yaml --emit infer --weights deep_circles.safetensors -o deep_circles.c
 *   cc -std=c99 -O2 main.c deep_circles.c -lm -o classify
 *   ./classify 0.1 -0.4          -> 1
 *   echo "0.1,-0.4" | ./classify -> 1
 *   ./classify --bench           -> latency per sample
 *
 * For another network, include its header and rename the four macros (or pass them with -D). */
#define _POSIX_C_SOURCE 199309L /* clock_gettime */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef NET_INFER
#include "deep_circles.h"
#define NET_INFER deep_circles_infer
#define NET_PREDICT deep_circles_predict
#define NET_INPUTS DEEP_CIRCLES_INPUTS
#define NET_OUTPUTS DEEP_CIRCLES_OUTPUTS
#endif

/* Reads up to NET_INPUTS numbers separated by commas or blanks; returns how many. */
static int parse_numbers(const char *s, float in[NET_INPUTS])
{
    int n = 0;
    while (n < NET_INPUTS) {
        char *end;
        double v = strtod(s, &end);
        if (end == s) break;
        in[n++] = (float)v;
        s = end + strspn(end, ", \t");
    }
    return n;
}

static double seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Latency of one NET_INFER call on the host: the best of 5 runs of a timing loop. */
static void bench(void)
{
    enum { CALLS = 20000 };
    float in[NET_INPUTS], out[NET_OUTPUTS];
    volatile float sink = 0; /* keeps the calls from being optimised away */
    for (int i = 0; i < NET_INPUTS; i++) in[i] = (float)(i % 7) * 0.1f;
    int calls = CALLS / (NET_INPUTS > 100 ? 100 : 1); /* fewer for big networks */
    double best = 1e30;
    for (int run = 0; run < 5; run++) {
        double t0 = seconds();
        for (int c = 0; c < calls; c++) {
            in[c % NET_INPUTS] += 1e-6f; /* a different sample every call */
            NET_INFER(in, out);
            sink += out[0];
        }
        double per = (seconds() - t0) / calls;
        best = per < best ? per : best;
    }
    printf("%d inputs, %d outputs: %.3g us per sample (%.0f samples/s)\n", NET_INPUTS, NET_OUTPUTS, best * 1e6,
           1 / best);
}

int main(int argc, char **argv)
{
    float in[NET_INPUTS];
    if (argc == 2 && !strcmp(argv[1], "--bench")) {
        bench();
        return 0;
    }
    if (argc > 1) { /* one sample from the arguments */
        char line[4096] = "";
        for (int i = 1; i < argc; i++) {
            strncat(line, argv[i], sizeof line - strlen(line) - 2);
            strcat(line, " ");
        }
        if (parse_numbers(line, in) != NET_INPUTS) {
            fprintf(stderr, "usage: %s X1 .. X%d | --bench   (or samples on stdin, one per line)\n", argv[0],
                    NET_INPUTS);
            return 2;
        }
        printf("%d\n", NET_PREDICT(in));
        return 0;
    }
    char line[1 << 16];
    for (long row = 1; fgets(line, sizeof line, stdin); row++) {
        if (parse_numbers(line, in) != NET_INPUTS) {
            fprintf(stderr, "stdin:%ld: error: expected %d numbers\n", row, NET_INPUTS);
            return 1;
        }
        printf("%d\n", NET_PREDICT(in));
    }
    return 0;
}
