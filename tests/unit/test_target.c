/* test_target.c — target.c: the named targets' figures, the host, what `cc cflags` targets, the line printed. */
#include "nncc.h"

#include "capture.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Whether a compiler is on PATH: the tests of one compiler's choices need that compiler. */
static int have(const char *cmd)
{
    char *line = xasprintf("command -v %s >/dev/null 2>&1", cmd);
    int ok = system(line) == 0;
    free(line);
    return ok;
}

/* What target_print writes for t (the caller frees). */
static char *printed(const Target *t)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ck_assert_ptr_nonnull(f);
    target_print(t, f);
    fclose(f);
    return buf;
}

static Target of(const char *cc, const char *cflags)
{
    Target t;
    ck_assert_msg(target_of_compiler(cc, cflags, &t) == 0, "'%s %s' did not run", cc, cflags);
    return t;
}

/* ---- named targets ------------------------------------------------------------------------ */

START_TEST(every_name_resolves)
{
    ck_assert_int_eq(target_count, 7);
    ck_assert_str_eq(target_names[0], "native");
    for (int i = 0; i < target_count; i++) {
        Target t;
        memset(&t, 0xff, sizeof t);
        ck_assert_msg(target_named(target_names[i], &t) == 0, "%s", target_names[i]);
        ck_assert_int_ge(t.cores, 0);
        ck_assert(t.vector_bits == 0 || t.vector_bits == 128 || t.vector_bits == 256 || t.vector_bits == 512);
        ck_assert_int_eq(t.vector_bits == 0, t.vector_regs == 0);
        if (i == 0) {
            ck_assert_ptr_null(t.march); /* native: the caller's flags select it */
            ck_assert_int_eq(strncmp(t.name, "native (", 8), 0);
        } else {
            ck_assert_str_eq(t.name, target_names[i]);
            ck_assert_ptr_nonnull(t.march);
            /* another machine: its cores are not known here (a microcontroller has one) */
            ck_assert_int_eq(t.cores, !strcmp(target_names[i], "cortex-m"));
        }
    }
}
END_TEST

START_TEST(unknown_names_are_rejected)
{
    Target t;
    capture_begin();
    ck_assert_int_eq(target_named("x86-64-v5", &t), -1);
    ck_assert_int_eq(target_named("Native", &t), -1); /* names are exact */
    ck_assert_int_eq(target_named("", &t), -1);
    ck_assert_int_eq(target_named(NULL, &t), -1);
    ck_assert_str_eq(capture_end(), ""); /* the caller reports */
}
END_TEST

START_TEST(figures_of_named_targets)
{
    Target t;
    ck_assert_int_eq(target_named("x86-64-v3", &t), 0);
    ck_assert_str_eq(t.isa, "AVX2 + FMA");
    ck_assert_int_eq(t.vector_bits, 256);
    ck_assert_int_eq(t.vector_regs, 16);
    ck_assert_int_eq(t.fma, 1);
    ck_assert_int_eq(t.l1d, 32 * 1024);
    ck_assert_int_eq(t.l2, 512 * 1024);
    ck_assert_str_eq(t.march, "-march=x86-64-v3");

    ck_assert_int_eq(target_named("x86-64-v4", &t), 0);
    ck_assert_str_eq(t.isa, "AVX-512 + FMA");
    ck_assert_int_eq(t.vector_bits, 512);
    ck_assert_int_eq(t.vector_regs, 32);
    ck_assert_int_eq(t.fma, 1);
    ck_assert_int_eq(t.l1d, 48 * 1024);
    ck_assert_int_eq(t.l2, 2 * 1024 * 1024);
    ck_assert_str_eq(t.march, "-march=x86-64-v4 -mprefer-vector-width=512");

    ck_assert_int_eq(target_named("x86-64-v2", &t), 0);
    ck_assert_str_eq(t.isa, "SSE4.2");
    ck_assert_int_eq(t.vector_bits, 128);
    ck_assert_int_eq(t.vector_regs, 16);
    ck_assert_int_eq(t.fma, 0);

    ck_assert_int_eq(target_named("armv8-a", &t), 0);
    ck_assert_str_eq(t.isa, "NEON");
    ck_assert_int_eq(t.vector_bits, 128);
    ck_assert_int_eq(t.vector_regs, 32);
    ck_assert_int_eq(t.fma, 1);
    ck_assert_int_eq(t.l1d, 64 * 1024);
    ck_assert_int_eq(t.l2, 1024 * 1024);

    ck_assert_int_eq(target_named("generic", &t), 0);
    ck_assert_str_eq(t.isa, "scalar");
    ck_assert_int_eq(t.vector_bits, 0);
    ck_assert_int_eq(t.vector_regs, 0);
    ck_assert_int_eq(t.fma, 0);
    ck_assert_int_eq(t.l1d, 32 * 1024);
    ck_assert_int_eq(t.l2, 256 * 1024);
    ck_assert_str_eq(t.march, ""); /* no flag at all */

    ck_assert_int_eq(target_named("cortex-m", &t), 0);
    ck_assert_int_eq(t.vector_bits, 0);
    ck_assert_int_eq(t.l1d, 0);
    ck_assert_int_eq(t.l2, 0);
    ck_assert_int_eq(t.cores, 1);
    ck_assert_str_eq(t.march, "-mcpu=cortex-m4 -mthumb");
}
END_TEST

START_TEST(host_is_plausible)
{
    Target t, n;
    target_host(&t);
    ck_assert_int_eq(target_named("native", &n), 0);
    ck_assert_str_eq(t.name, n.name);
    ck_assert_int_eq(t.vector_bits, n.vector_bits);
    ck_assert_int_ge(t.cores, 1);
    ck_assert_int_gt(t.l1d, 0); /* measured, or the level's typical figure */
    ck_assert_int_ge(t.l2, t.l1d);
#if defined(__x86_64__)
    ck_assert_int_ge(t.vector_bits, 128); /* SSE2 is part of x86-64 */
    ck_assert_int_ge(t.vector_regs, 16);
#elif defined(__aarch64__)
    ck_assert_str_eq(t.isa, "NEON");
    ck_assert_int_eq(t.vector_regs, 32);
#endif
}
END_TEST

/* ---- what a compiler targets -------------------------------------------------------------- */

/* The x86 cases only mean something where `cc` targets x86: elsewhere -march=x86-64-v3 is
 * not a flag the compiler knows, so they are skipped rather than failed. */
START_TEST(march_v3_is_avx2)
{
#if defined(__x86_64__)
    Target t = of("cc", "-march=x86-64-v3");
    ck_assert_int_eq(t.vector_bits, 256);
    ck_assert_int_eq(t.vector_regs, 16);
    ck_assert_int_eq(t.fma, 1);
    ck_assert_str_eq(t.isa, "AVX2 + FMA");
    ck_assert_ptr_nonnull(strstr(t.name, "x86-64-v3"));
    ck_assert_ptr_null(t.march);
    /* the program runs here: the host's caches and cores, not the typical part's */
    Target h;
    target_host(&h);
    ck_assert_int_eq(t.l1d, h.l1d);
    ck_assert_int_eq(t.l2, h.l2);
    ck_assert_int_eq(t.cores, h.cores);
#endif
}
END_TEST

START_TEST(baseline_x86_64_is_sse2)
{
#if defined(__x86_64__)
    /* no -march: the compiler's default, SSE2 on Debian (x86-64-v2 on some distributions):
     * 128 bits and 16 registers either way */
    Target t = of("cc", "-O2");
    ck_assert_int_eq(t.vector_bits, 128);
    ck_assert_int_eq(t.vector_regs, 16);
    t = of("cc", "-O2 -march=x86-64");
    ck_assert_str_eq(t.isa, "SSE2");
    ck_assert_int_eq(t.vector_bits, 128);
    ck_assert_int_eq(t.vector_regs, 16);
    ck_assert_int_eq(t.fma, 0);
    ck_assert_ptr_nonnull(strstr(t.name, "x86-64"));
#endif
}
END_TEST

START_TEST(gcc_vector_width_follows_its_tuning)
{
#if defined(__x86_64__)
    if (!have("gcc")) return;
    Target t = of("gcc", "-march=x86-64-v4");
    ck_assert_int_eq(t.vector_bits, 512);
    ck_assert_int_eq(t.vector_regs, 32);
    ck_assert_int_eq(t.fma, 1);
    ck_assert_str_eq(t.isa, "AVX-512 + FMA");
    t = of("gcc", "-march=x86-64-v4 -mprefer-vector-width=256");
    ck_assert_int_eq(t.vector_bits, 256);
    ck_assert_int_eq(t.vector_regs, 32); /* AVX-512VL: 32 ymm registers */
    t = of("gcc", "-march=x86-64-v4 -mprefer-vector-width=256 -mprefer-vector-width=512");
    ck_assert_int_eq(t.vector_bits, 512); /* the last one counts */
    t = of("gcc", "-march=skylake-avx512"); /* its tuning prefers 256-bit vectors */
    ck_assert_int_eq(t.vector_bits, 256);
    t = of("gcc", "-march=znver1"); /* AVX2, split into 128-bit halves: gcc keeps to 128 */
    ck_assert_int_eq(t.vector_bits, 128);
    ck_assert_int_eq(t.fma, 1);
    t = of("gcc", "-march=x86-64-v3 -mprefer-vector-width=512"); /* no wider than the ISA */
    ck_assert_int_eq(t.vector_bits, 256);
#endif
}
END_TEST

START_TEST(clang_prefers_256_bits_with_avx512)
{
#if defined(__x86_64__)
    if (!have("clang")) return;
    Target t = of("clang", "-march=x86-64-v4");
    ck_assert_int_eq(t.vector_bits, 256);
    ck_assert_int_eq(t.vector_regs, 32);
    t = of("clang", "-march=x86-64-v4 -mprefer-vector-width=512");
    ck_assert_int_eq(t.vector_bits, 512);
    t = of("clang", "-mavx512f"); /* generic tuning: the full width */
    ck_assert_int_eq(t.vector_bits, 512);
#endif
}
END_TEST

START_TEST(cross_compiler_gets_typical_figures)
{
    /* clang preprocesses for any target without a sysroot: an AArch64 compile on an x86 host
     * runs elsewhere, so the host's caches do not apply */
#if defined(__x86_64__)
    if (!have("clang")) return;
    Target t = of("clang", "--target=aarch64-linux-gnu -O2");
    ck_assert_str_eq(t.isa, "NEON");
    ck_assert_int_eq(t.vector_bits, 128);
    ck_assert_int_eq(t.vector_regs, 32);
    ck_assert_int_eq(t.fma, 1);
    ck_assert_int_eq(t.l1d, 64 * 1024);
    ck_assert_int_eq(t.l2, 1024 * 1024);
    ck_assert_int_eq(t.cores, 0);
#endif
}
END_TEST

START_TEST(cortex_m_compiler_has_no_cache)
{
    if (!have("arm-none-eabi-gcc")) return;
    Target t = of("arm-none-eabi-gcc", "-mcpu=cortex-m4 -mthumb -O2");
    ck_assert_int_eq(t.vector_bits, 0);
    ck_assert_int_eq(t.vector_regs, 0);
    ck_assert_int_eq(t.l1d, 0);
    ck_assert_int_eq(t.l2, 0);
    ck_assert_int_eq(t.cores, 1);
    ck_assert_ptr_nonnull(strstr(t.name, "cortex-m"));
    char *line = printed(&t);
    ck_assert_ptr_nonnull(strstr(line, "scalar C, no vector registers, no data cache, 1 core\n"));
    free(line);
}
END_TEST

START_TEST(cc_and_cflags_split_on_blanks)
{
    /* CC may carry flags of its own, and CFLAGS stray blanks, as make passes them */
    Target a = of("  cc  -std=c11 ", "  -O2 \t ");
    Target b = of("cc", "-O2");
    ck_assert_str_eq(a.name, b.name);
    ck_assert_int_eq(a.vector_bits, b.vector_bits);
    Target c = of(NULL, NULL); /* as no CC and no CFLAGS: `cc` */
    ck_assert_int_eq(c.vector_bits, b.vector_bits);
}
END_TEST

START_TEST(missing_compiler_is_reported)
{
    Target t;
    capture_begin();
    int rc = target_of_compiler("/nonexistent/cc", "-O2", &t);
    const char *err = capture_end();
    ck_assert_int_eq(rc, -1);
    ck_assert_msg(strncmp(err, "nncc: error: cannot run '/nonexistent/cc -O2 -dM -E': ", 54) == 0, "%s", err);
    ck_assert_int_gt(strlen(err), 56); /* and why */
}
END_TEST

START_TEST(failing_compiler_is_reported)
{
    Target t;
    capture_begin();
    int rc = target_of_compiler("cc", "--nncc-no-such-flag", &t);
    const char *err = capture_end();
    ck_assert_int_eq(rc, -1);
    ck_assert_ptr_nonnull(strstr(err, "nncc: error: cannot run 'cc --nncc-no-such-flag -dM -E': "));
    /* a program that runs but is no compiler prints no macros */
    capture_begin();
    rc = target_of_compiler("true", "", &t);
    err = capture_end();
    ck_assert_int_eq(rc, -1);
    ck_assert_ptr_nonnull(strstr(err, "nncc: error: cannot run 'true -dM -E': "));
}
END_TEST

/* ---- the printed line ------------------------------------------------------------------- */

START_TEST(print_says_what_was_chosen)
{
    Target t;
    char *line;
    ck_assert_int_eq(target_named("x86-64-v3", &t), 0);
    line = printed(&t);
    ck_assert_str_eq(line, "target x86-64-v3: AVX2 + FMA, 256-bit vectors, 16 registers, L1d 32 KiB, "
                           "L2 512 KiB, cores as the machine has\n");
    free(line);
    ck_assert_int_eq(target_named("x86-64-v4", &t), 0);
    line = printed(&t);
    ck_assert_str_eq(line, "target x86-64-v4: AVX-512 + FMA, 512-bit vectors, 32 registers, L1d 48 KiB, "
                           "L2 2 MiB, cores as the machine has\n");
    free(line);
    ck_assert_int_eq(target_named("generic", &t), 0);
    line = printed(&t);
    ck_assert_str_eq(line, "target generic: scalar C, no vector registers, L1d 32 KiB, L2 256 KiB, cores as the machine has\n");
    free(line);
    ck_assert_int_eq(target_named("cortex-m", &t), 0);
    line = printed(&t);
    ck_assert_str_eq(line, "target cortex-m: scalar C, no vector registers, no data cache, 1 core\n");
    free(line);
    for (int i = 0; i < target_count; i++) {
        ck_assert_int_eq(target_named(target_names[i], &t), 0);
        line = printed(&t);
        ck_assert_ptr_nonnull(strstr(line, target_names[i]));
        ck_assert_int_eq(strchr(line, '\n') - line, (long)strlen(line) - 1); /* one line */
        free(line);
    }
    t.cores = 8;
    line = printed(&t);
    ck_assert_ptr_nonnull(strstr(line, ", 8 cores\n"));
    free(line);
}
END_TEST

Suite *target_suite(void)
{
    Suite *s = suite_create("target");
    TCase *named = tcase_create("named");
    tcase_add_test(named, every_name_resolves);
    tcase_add_test(named, unknown_names_are_rejected);
    tcase_add_test(named, figures_of_named_targets);
    tcase_add_test(named, host_is_plausible);
    tcase_add_test(named, print_says_what_was_chosen);
    suite_add_tcase(s, named);

    TCase *cc = tcase_create("compiler");
    tcase_set_timeout(cc, 30); /* each case runs a compiler a few times */
    tcase_add_test(cc, march_v3_is_avx2);
    tcase_add_test(cc, baseline_x86_64_is_sse2);
    tcase_add_test(cc, gcc_vector_width_follows_its_tuning);
    tcase_add_test(cc, clang_prefers_256_bits_with_avx512);
    tcase_add_test(cc, cross_compiler_gets_typical_figures);
    tcase_add_test(cc, cortex_m_compiler_has_no_cache);
    tcase_add_test(cc, cc_and_cflags_split_on_blanks);
    tcase_add_test(cc, missing_compiler_is_reported);
    tcase_add_test(cc, failing_compiler_is_reported);
    suite_add_tcase(s, cc);
    return s;
}
