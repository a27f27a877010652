/* rt_norm.c — input normalisation: fitted once on the training set, applied to each batch as it is gathered. */
#include "nncc_rt.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* x' = (x - offset) * scale per column. The same two vectors go into the weights file
 * (input.offset, input.scale), so the inference kernel normalises exactly as training did. */

/* Columns are split into blocks that threads own whole: each column's sums then run over the
 * rows in the same order whatever the thread count, so the fit is reproducible. */
#define COL_BLOCK 32

static double value_at(const rt_dataset *ds, size_t i) { return ds->x_u8 ? ds->x_u8[i] : ds->x_f64[i]; }

/* Statistics of columns [j0, j1): min/max always (they decide "constant"), and for standard the
 * mean and the population std in two passes, which stays accurate when the mean is large. */
static void fit_block(const rt_dataset *ds, int kind, int j0, int j1, double *offset, double *scale)
{
    size_t n = (size_t)ds->n, d = (size_t)ds->d;
    double lo[COL_BLOCK], hi[COL_BLOCK], sum[COL_BLOCK];
    int w = j1 - j0;
    for (int k = 0; k < w; k++) {
        lo[k] = hi[k] = value_at(ds, (size_t)(j0 + k));
        sum[k] = 0;
    }
    for (size_t r = 0; r < n; r++)
        for (int k = 0; k < w; k++) {
            double v = value_at(ds, r * d + (size_t)(j0 + k));
            lo[k] = v < lo[k] ? v : lo[k];
            hi[k] = v > hi[k] ? v : hi[k];
            sum[k] += v;
        }
    if (kind == RT_NORM_MINMAX) {
        for (int k = 0; k < w; k++) {
            offset[j0 + k] = lo[k];
            scale[j0 + k] = hi[k] > lo[k] ? 1.0 / (hi[k] - lo[k]) : 1.0;
        }
        return;
    }
    double mean[COL_BLOCK], ss[COL_BLOCK];
    for (int k = 0; k < w; k++) {
        mean[k] = sum[k] / (double)n;
        ss[k] = 0;
    }
    for (size_t r = 0; r < n; r++)
        for (int k = 0; k < w; k++) {
            double t = value_at(ds, r * d + (size_t)(j0 + k)) - mean[k];
            ss[k] += t * t;
        }
    for (int k = 0; k < w; k++) {
        double sd = sqrt(ss[k] / (double)n);
        offset[j0 + k] = mean[k];
        /* A constant column's computed std can be a rounding crumb instead of 0; min == max is
         * the exact test, and scale 1 keeps it at x - mean = 0. */
        scale[j0 + k] = hi[k] > lo[k] && sd > 0 ? 1.0 / sd : 1.0;
    }
}

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
    if (kind == RT_NORM_NONE) {
        for (int j = 0; j < d; j++)
            nm->scale[j] = 1.0;
        return 0;
    }
    int nblocks = (d + COL_BLOCK - 1) / COL_BLOCK;
    double *offset = nm->offset, *scale = nm->scale;
#pragma omp parallel for schedule(dynamic, 1) if ((size_t)train->n * (size_t)d > 100000)
    for (int b = 0; b < nblocks; b++) {
        int j0 = b * COL_BLOCK, j1 = j0 + COL_BLOCK < d ? j0 + COL_BLOCK : d;
        fit_block(train, kind, j0, j1, offset, scale);
    }
    return 0;
}

void rt_norm_free(rt_norm *nm)
{
    free(nm->offset);
    free(nm->scale);
    memset(nm, 0, sizeof *nm);
}

/* Computed in double, rounded once to the network's precision. A NULL nm leaves values as they
 * are; a NULL idx takes rows 0..m-1 (a whole dataset in order, as --predict does). */
void rt_batch_fill(const rt_dataset *ds, const rt_norm *nm, const int32_t *idx, int m, void *out, int real_size)
{
    int d = ds->d;
    const double *off = nm && nm->offset ? nm->offset : NULL;
    const double *sc = nm && nm->scale ? nm->scale : NULL;
    float *out32 = real_size == 4 ? out : NULL;
    double *out64 = real_size == 4 ? NULL : out;
    const unsigned char *xu = ds->x_u8;
    const double *xd = ds->x_f64;
#pragma omp parallel for schedule(static) if ((size_t)m * (size_t)d > 65536)
    for (int i = 0; i < m; i++) {
        size_t src = (size_t)(idx ? idx[i] : i) * (size_t)d, dst = (size_t)i * (size_t)d;
        for (int j = 0; j < d; j++) {
            double v = xu ? (double)xu[src + j] : xd[src + j];
            if (off)
                v = (v - off[j]) * sc[j];
            if (out32)
                out32[dst + j] = (float)v;
            else
                out64[dst + j] = v;
        }
    }
}
