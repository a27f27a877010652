/* rt_norm.c — input normalisation: fitted once on the training set, applied to each batch as it is gathered. */
#include "nncc_rt.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* x' = (x - offset) * scale per column. The same two vectors go into the weights file
 * (input.offset, input.scale), so the inference kernel normalises exactly as training did. */

/* The fit reads the data row by row (contiguous, vectorisable) in fixed chunks of rows. Each chunk
 * keeps its own partial sums, and they are added in chunk order afterwards: the chunking depends
 * on n and d only, never on the thread count, so the fit is bit-reproducible. */
#define CHUNK_ROWS 2048
#define MAX_CHUNKS 256

/* Partial statistics of rows [r0, r1) into lo, hi, sum (d each). */
#define CHUNK_MINMAX_SUM(X, T)                                                                           \
    do {                                                                                                \
        for (int j = 0; j < d; j++) {                                                                   \
            lo[j] = hi[j] = (double)(X)[(size_t)r0 * d + (size_t)j];                                    \
            sum[j] = 0;                                                                                 \
        }                                                                                               \
        for (size_t r = r0; r < r1; r++) {                                                              \
            const T *row = (X) + r * (size_t)d;                                                             \
            for (int j = 0; j < d; j++) {                                                               \
                double v = (double)row[j];                                                              \
                lo[j] = v < lo[j] ? v : lo[j];                                                          \
                hi[j] = v > hi[j] ? v : hi[j];                                                          \
                sum[j] += v;                                                                            \
            }                                                                                           \
        }                                                                                               \
    } while (0)

/* Partial sums of squared deviations from mean over rows [r0, r1) into ss. */
#define CHUNK_SQUARES(X, T)                                                                              \
    do {                                                                                                \
        for (int j = 0; j < d; j++)                                                                     \
            ss[j] = 0;                                                                                  \
        for (size_t r = r0; r < r1; r++) {                                                              \
            const T *row = (X) + r * (size_t)d;                                                             \
            for (int j = 0; j < d; j++) {                                                               \
                double t = (double)row[j] - mean[j];                                                    \
                ss[j] += t * t;                                                                         \
            }                                                                                           \
        }                                                                                               \
    } while (0)

int rt_norm_fit(rt_norm *nm, const rt_dataset *train, int kind)
{
    memset(nm, 0, sizeof *nm);
    int d = train->d;
    if (kind != RT_NORM_NONE && kind != RT_NORM_MINMAX && kind != RT_NORM_STANDARD) {
        rt_error(train->name, 0, "unknown normalisation %d", kind);
        return -1;
    }
    if (kind != RT_NORM_NONE && (train->n <= 0 || (!train->x_u8 && !train->x_f64))) {
        rt_error(train->name, 0, "cannot fit the normalisation: no training samples");
        return -1;
    }
    nm->offset = rt_xcalloc((size_t)(d > 0 ? d : 1), sizeof *nm->offset);
    nm->scale = rt_xcalloc((size_t)(d > 0 ? d : 1), sizeof *nm->scale);
    if (!nm->offset || !nm->scale) {
        rt_norm_free(nm);
        return -1;
    }
    nm->d = d;
    if (kind == RT_NORM_NONE || d == 0) {
        for (int j = 0; j < d; j++)
            nm->scale[j] = 1.0;
        return 0;
    }

    size_t n = (size_t)train->n;
    size_t rows = CHUNK_ROWS;
    if ((n + rows - 1) / rows > MAX_CHUNKS)
        rows = (n + MAX_CHUNKS - 1) / MAX_CHUNKS;
    int nchunks = (int)((n + rows - 1) / rows);
    /* Per chunk: lo, hi, sum, then ss (d each). */
    double *part = rt_xcalloc((size_t)nchunks * 4 * (size_t)d, sizeof *part);
    double *mean = rt_xcalloc((size_t)d, sizeof *mean);
    if (!part || !mean) {
        free(part);
        free(mean);
        rt_norm_free(nm);
        return -1;
    }
    const unsigned char *xu = train->x_u8;
    const double *xd = train->x_f64;
#pragma omp parallel for schedule(static) if (n * (size_t)d > 100000)
    for (int c = 0; c < nchunks; c++) {
        double *lo = part + (size_t)c * 4 * d, *hi = lo + d, *sum = hi + d;
        size_t r0 = (size_t)c * rows, r1 = r0 + rows < n ? r0 + rows : n;
        if (xu)
            CHUNK_MINMAX_SUM(xu, unsigned char);
        else
            CHUNK_MINMAX_SUM(xd, double);
    }
    double *lo = nm->offset, *hi = nm->scale; /* reused as the totals until the end */
    for (int c = 0; c < nchunks; c++) {
        const double *plo = part + (size_t)c * 4 * d, *phi = plo + d, *psum = phi + d;
        for (int j = 0; j < d; j++) {
            lo[j] = c == 0 || plo[j] < lo[j] ? plo[j] : lo[j];
            hi[j] = c == 0 || phi[j] > hi[j] ? phi[j] : hi[j];
            mean[j] += psum[j];
        }
    }
    for (int j = 0; j < d; j++)
        mean[j] /= (double)n;
    /* A column spanning more than a double holds (1e308 and -1e308) would give range inf, scale
     * 0 and a NaN loss: refused here, the column named. */
    for (int j = 0; j < d; j++) {
        if (isfinite(hi[j] - lo[j]) && isfinite(mean[j]))
            continue;
        const char *name = train->feature_names ? train->feature_names[j] : NULL;
        rt_error(train->name, 0,
                 "feature %d%s%s%s spans %g to %g, more than a double can scale: normalize: %s cannot fit it "
                 "(rescale the column)",
                 j + 1, name ? " ('" : "", name ? name : "", name ? "')" : "", lo[j], hi[j],
                 kind == RT_NORM_MINMAX ? "minmax" : "standard");
        free(part);
        free(mean);
        rt_norm_free(nm);
        return -1;
    }

    if (kind == RT_NORM_MINMAX) {
        for (int j = 0; j < d; j++) {
            double range = hi[j] - lo[j];
            nm->offset[j] = lo[j];
            nm->scale[j] = range > 0 ? 1.0 / range : 1.0;
        }
    } else {
        /* Two passes (mean, then squared deviations) stay accurate when the mean is large. */
#pragma omp parallel for schedule(static) if (n * (size_t)d > 100000)
        for (int c = 0; c < nchunks; c++) {
            double *ss = part + (size_t)c * 4 * d + 3 * (size_t)d;
            size_t r0 = (size_t)c * rows, r1 = r0 + rows < n ? r0 + rows : n;
            if (xu)
                CHUNK_SQUARES(xu, unsigned char);
            else
                CHUNK_SQUARES(xd, double);
        }
        for (int j = 0; j < d; j++) {
            double ss = 0;
            for (int c = 0; c < nchunks; c++)
                ss += part[(size_t)c * 4 * d + 3 * (size_t)d + (size_t)j];
            double sd = sqrt(ss / (double)n);
            if (!isfinite(sd)) { /* squares past a double: the same refusal as above */
                rt_error(train->name, 0, "feature %d spans %g to %g: its squared deviations pass what a double "
                         "holds; normalize: standard cannot fit it (rescale the column)", j + 1, lo[j], hi[j]);
                free(part);
                free(mean);
                rt_norm_free(nm);
                return -1;
            }
            /* A constant column's computed std can be a rounding crumb instead of 0; min == max
             * is the exact test, and scale 1 keeps it at x - mean = 0. */
            int constant = !(hi[j] > lo[j]);
            nm->offset[j] = mean[j];
            nm->scale[j] = !constant && sd > 0 ? 1.0 / sd : 1.0;
        }
    }
    free(part);
    free(mean);
    return 0;
}

void rt_norm_free(rt_norm *nm)
{
    free(nm->offset);
    free(nm->scale);
    memset(nm, 0, sizeof *nm);
}

/* One row, with the type tests hoisted out so the compiler vectorises the loop. */
#define FILL_ROW(OUT, IN, NORMALISE)                                                                    \
    do {                                                                                                \
        for (int j = 0; j < d; j++) {                                                                   \
            double v = (double)(IN)[src + (size_t)j];                                                   \
            (OUT)[dst + (size_t)j] = NORMALISE ? (v - off[j]) * sc[j] : v;                              \
        }                                                                                               \
    } while (0)

/* Computed in double, rounded once to the network's precision. A NULL nm leaves values as they
 * are; a NULL idx takes rows 0..m-1 (a whole dataset in order, as --predict does). */
void rt_batch_fill(const rt_dataset *ds, const rt_norm *nm, const int32_t *idx, int m, void *out, int real_size)
{
    int d = ds->d;
    const double *off = nm && nm->offset && nm->scale ? nm->offset : NULL;
    const double *sc = off ? nm->scale : NULL;
    float *out32 = real_size == 4 ? out : NULL;
    double *out64 = real_size == 4 ? NULL : out;
    const unsigned char *xu = ds->x_u8;
    const double *xd = ds->x_f64;
#pragma omp parallel for schedule(static) if ((size_t)m * (size_t)d > 262144)
    for (int i = 0; i < m; i++) {
        size_t src = (size_t)(idx ? idx[i] : i) * (size_t)d, dst = (size_t)i * (size_t)d;
        if (xu && out32 && off)
            FILL_ROW(out32, xu, 1);
        else if (xu && out32)
            FILL_ROW(out32, xu, 0);
        else if (xu && off)
            FILL_ROW(out64, xu, 1);
        else if (xu)
            FILL_ROW(out64, xu, 0);
        else if (out32 && off)
            FILL_ROW(out32, xd, 1);
        else if (out32)
            FILL_ROW(out32, xd, 0);
        else if (off)
            FILL_ROW(out64, xd, 1);
        else
            FILL_ROW(out64, xd, 0);
    }
}
