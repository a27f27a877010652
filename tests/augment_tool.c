/* augment_tool.c — tests/t_augment.sh's window onto rt_batch_fill_augmented(): for a dataset of
 * n images of C x H x W pixel values 1 + its index (so 0 means "shifted in"), prints each chosen
 * flip, dx, dy and the augmented batch, for an independent reference to recompute.
 *
 *   augment_tool C H W FLIP SHIFT SEED STEPS N u8|f64 float|double [norm]
 * prints, for each step 1..STEPS, a line "step S sample I flip F dx X dy Y" and the image's values;
 * with norm, normalised after the augmentation by offset 0.25 j and scale 2 for feature j. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nncc_rt.h"

int main(int argc, char **argv)
{
    if (argc != 11 && !(argc == 12 && !strcmp(argv[11], "norm"))) {
        fprintf(stderr, "usage: %s C H W FLIP SHIFT SEED STEPS N u8|f64 float|double [norm]\n", argv[0]);
        return 2;
    }
    rt_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.image[0] = atoi(argv[1]), cfg.image[1] = atoi(argv[2]), cfg.image[2] = atoi(argv[3]);
    cfg.augment_flip = atoi(argv[4]), cfg.augment_shift = atoi(argv[5]);
    cfg.seed = strtoull(argv[6], NULL, 10);
    const int steps = atoi(argv[7]), n = atoi(argv[8]), u8 = !strcmp(argv[9], "u8"), f32 = !strcmp(argv[10], "float");
    const int d = cfg.image[0] * cfg.image[1] * cfg.image[2];
    rt_dataset ds;
    memset(&ds, 0, sizeof ds);
    ds.n = n, ds.d = d;
    if (u8) ds.x_u8 = malloc((size_t)n * (size_t)d);
    else ds.x_f64 = malloc(sizeof(double) * (size_t)n * (size_t)d);
    int32_t *idx = malloc(sizeof(int32_t) * (size_t)n);
    void *out = malloc((size_t)n * (size_t)d * (f32 ? 4 : 8));
    rt_norm nm = {d, malloc(sizeof(double) * (size_t)d), malloc(sizeof(double) * (size_t)d)};
    if ((!ds.x_u8 && !ds.x_f64) || !idx || !out || !nm.offset || !nm.scale) return 1;
    for (int j = 0; j < d; j++) nm.offset[j] = 0.25 * j, nm.scale[j] = 2;
    for (int i = 0; i < n * d; i++) {
        if (u8) ds.x_u8[i] = (unsigned char)(1 + i % 250);
        else ds.x_f64[i] = 1 + i;
    }
    for (int i = 0; i < n; i++) idx[i] = n - 1 - i; /* a batch in another order than the set's */
    for (int step = 1; step <= steps; step++) {
        rt_batch_fill_augmented(&ds, argc == 12 ? &nm : NULL, idx, n, out, f32 ? 4 : 8, &cfg, step);
        for (int i = 0; i < n; i++) {
            int flip, dx, dy;
            rt_augment_choice(&cfg, step, idx[i], &flip, &dx, &dy);
            printf("step %d sample %d flip %d dx %d dy %d\n", step, idx[i], flip, dx, dy);
            for (int j = 0; j < d; j++)
                printf(j ? " %.17g" : "%.17g", f32 ? (double)((float *)out)[(size_t)i * d + j] : ((double *)out)[(size_t)i * d + j]);
            printf("\n");
        }
    }
    free(ds.x_u8), free(ds.x_f64), free(idx), free(out), free(nm.offset), free(nm.scale);
    return 0;
}
