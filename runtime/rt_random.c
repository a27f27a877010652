/* rt_random.c — the one seeded generator behind initialisation, shuffling and the data generators. */
#include "nncc_rt.h"

#include <math.h>

/* xoshiro256** (Blackman & Vigna): small, fast, and defined purely on uint64_t arithmetic, so the
 * same seed gives the same numbers on every platform. The state is only s[4], which lets a
 * checkpoint save and restore it exactly. */

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

/* splitmix64 spreads one 64-bit seed over 256 bits of state; it never yields an all-zero state
 * in practice, which xoshiro must avoid. */
static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void rt_rng_seed(rt_rng *rng, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        rng->s[i] = splitmix64(&x);
}

uint64_t rt_rng_next(rt_rng *rng)
{
    uint64_t *s = rng->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* The top 53 bits scaled by 2^-53: every value is an exact multiple of 2^-53 in [0, 1). */
double rt_rng_uniform(rt_rng *rng) { return (double)(rt_rng_next(rng) >> 11) * 0x1.0p-53; }

/* Box-Muller with both uniforms drawn per call and the second normal thrown away: a cached spare
 * would be hidden state that a checkpoint of s[4] could not restore. 1 - u keeps log() off 0. */
double rt_rng_normal(rt_rng *rng)
{
    double u1 = 1.0 - rt_rng_uniform(rng); /* (0, 1] */
    double u2 = rt_rng_uniform(rng);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586476925286766559 * u2);
}

/* Lemire's multiply-and-reject: unbiased, and rejects only when the low word lands in the
 * short leftover range. */
uint32_t rt_rng_below(rt_rng *rng, uint32_t n)
{
    if (n == 0)
        return 0;
    uint64_t m = (uint64_t)(uint32_t)(rt_rng_next(rng) >> 32) * n;
    uint32_t low = (uint32_t)m;
    if (low < n) {
        uint32_t threshold = (uint32_t)(-n) % n;
        while (low < threshold) {
            m = (uint64_t)(uint32_t)(rt_rng_next(rng) >> 32) * n;
            low = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}

/* Fisher-Yates, from the back: every permutation equally likely. */
void rt_rng_shuffle(rt_rng *rng, int32_t *a, int n)
{
    for (int i = n - 1; i > 0; i--) {
        int j = (int)rt_rng_below(rng, (uint32_t)i + 1);
        int32_t t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}
