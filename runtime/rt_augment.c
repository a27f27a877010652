/* rt_augment.c — data.augment: random horizontal flips and shifts of the training images.
 *
 * As torchvision's RandomHorizontalFlip(p=0.5) and RandomCrop(size, padding=N, fill=0) do to a
 * raw image before it is normalised: the image is flipped (x -> W-1-x) with probability 1/2, then
 * its content moves by (dx, dy), each uniform over the integers of [-N, N], and the pixels it
 * uncovers are 0. Every channel of an image moves together.
 *
 * The choices for a sample come from a hash of (seed, optimiser step, sample index): no state to
 * checkpoint, the same on every thread and rank, and a sample seen again in a later epoch is
 * augmented afresh. */
#include <stddef.h>
#include <stdint.h>

#include "nncc_rt.h"

/* splitmix64's finaliser: a bijection of 64-bit words that mixes every input bit. */
static uint64_t mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void rt_augment_choice(const rt_config *cfg, long step, int32_t sample, int *flip, int *dx, int *dy)
{
    /* A stream of its own: the seed mixed with a constant no other use of the seed takes. */
    uint64_t h = mix(cfg->seed ^ 0x6175676d656e7421ULL); /* "augment!" */
    h = mix(h ^ (uint64_t)step);
    h = mix(h ^ (uint64_t)(uint32_t)sample);
    *flip = cfg->augment_flip ? (int)(h >> 63) : 0;
    const uint64_t range = 2 * (uint64_t)cfg->augment_shift + 1;
    /* 32 random bits each: the modulo's bias is below range / 2^32 */
    *dx = (int)((h & 0xffffffffu) % range) - cfg->augment_shift;
    *dy = (int)(((mix(h) >> 32) & 0xffffffffu) % range) - cfg->augment_shift;
}

/* One image: out(c, y, x) = in(c, y - dy, sx) with sx = x - dx, mirrored when flipped; 0 outside. */
#define AUGMENT_ROW(OUT, IN)                                                                            \
    do {                                                                                                \
        for (int c = 0; c < ch; c++)                                                                    \
            for (int y = 0; y < h; y++) {                                                               \
                const int sy = y - dy;                                                                  \
                for (int x = 0; x < w; x++) {                                                           \
                    const int sx0 = x - dx, sx = flip ? w - 1 - sx0 : sx0;                              \
                    const size_t j = ((size_t)c * (size_t)h + (size_t)y) * (size_t)w + (size_t)x;       \
                    double v = sy >= 0 && sy < h && sx0 >= 0 && sx0 < w                                 \
                                   ? (double)(IN)[src + ((size_t)c * (size_t)h + (size_t)sy) * (size_t)w + (size_t)sx] \
                                   : 0.0;                                                               \
                    (OUT)[dst + j] = off ? (v - off[j]) * sc[j] : v;                                    \
                }                                                                                       \
            }                                                                                           \
    } while (0)

void rt_batch_fill_augmented(const rt_dataset *ds, const rt_norm *nm, const int32_t *idx, int m, void *out,
                             int real_size, const rt_config *cfg, long step)
{
    const int ch = cfg->image[0], h = cfg->image[1], w = cfg->image[2];
    const size_t d = (size_t)ds->d;
    const double *off = nm && nm->offset && nm->scale ? nm->offset : NULL;
    const double *sc = off ? nm->scale : NULL;
    float *out32 = real_size == 4 ? out : NULL;
    double *out64 = real_size == 4 ? NULL : out;
#pragma omp parallel for schedule(static) if ((size_t)m * d > 262144)
    for (int i = 0; i < m; i++) {
        const int32_t sample = idx ? idx[i] : i;
        const size_t src = (size_t)sample * d, dst = (size_t)i * d;
        int flip, dx, dy;
        rt_augment_choice(cfg, step, sample, &flip, &dx, &dy);
        if (ds->x_u8 && out32)
            AUGMENT_ROW(out32, ds->x_u8);
        else if (ds->x_u8)
            AUGMENT_ROW(out64, ds->x_u8);
        else if (out32)
            AUGMENT_ROW(out32, ds->x_f64);
        else
            AUGMENT_ROW(out64, ds->x_f64);
    }
}

rt_row_keys rt_rows;

void rt_rows_training(uint64_t seed, long step, const int32_t *idx, int m)
{
    const uint64_t stream = mix(seed ^ 0x64726f706f757421ULL); /* "dropout!": a stream of its own */
    rt_rows.training = 1;
    for (int i = 0; i < m && i < RT_MAX_CHUNK; i++)
        rt_rows.key[i] = mix(mix(stream ^ (uint64_t)step) ^ (uint64_t)(uint32_t)(idx ? idx[i] : i));
}
