
/* ---- the fast kernels: register blocks of up to {{MR}} x {{UPPER}}_NR sums, sized for the target ---- */

/* The lanes of a register block are one vector loop: without this gcc unrolls them first and
 * then vectorises across the rows, with shuffles (several times slower). */
#if defined(_OPENMP)
#define NNCC_SIMD NNCC_PRAGMA(omp simd)
#elif defined(__GNUC__) && !defined(__clang__)
#define NNCC_SIMD _Pragma("GCC unroll 1")
#else
#define NNCC_SIMD
#endif
/* The block kernels are inlined where they are called, with constant sizes. */
#if defined(__GNUC__)
#define NNCC_INLINE static inline __attribute__((always_inline))
#else
#define NNCC_INLINE static inline
#endif

