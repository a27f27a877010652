/* target.c — the target model: what the kernels' register blocks and cache slices are sized for. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nncc.h"

extern char **environ;

#define KIB 1024
#define MIB (1024 * 1024)

const char *const target_names[] = {"native",  "x86-64-v2", "x86-64-v3", "x86-64-v4",
                                    "armv8-a", "generic",   "cortex-m"};
const int target_count = (int)ARRAY_LEN(target_names);

/* The named targets after "native", in target_names' order. They describe another machine, so
 * their caches are a typical part's rather than the host's, and their cores are not known (0):
 * the program's threads decide where it runs. A microcontroller has one. */
static const Target named[] = {
    {"x86-64-v2", "SSE4.2", 128, 16, 0, 32 * KIB, 256 * KIB, 0, "-march=x86-64-v2"},
    {"x86-64-v3", "AVX2 + FMA", 256, 16, 1, 32 * KIB, 512 * KIB, 0, "-march=x86-64-v3"},
    /* gcc and clang tune for 256-bit vectors on most AVX-512 parts unless asked */
    {"x86-64-v4", "AVX-512 + FMA", 512, 32, 1, 48 * KIB, 2 * MIB, 0,
     "-march=x86-64-v4 -mprefer-vector-width=512"},
    {"armv8-a", "NEON", 128, 32, 1, 64 * KIB, 1 * MIB, 0, "-march=armv8-a"},
    {"generic", "scalar", 0, 0, 0, 32 * KIB, 256 * KIB, 0, ""},
    {"cortex-m", "scalar (Cortex-M)", 0, 0, 0, 0, 0, 1, "-mcpu=cortex-m4 -mthumb"},
};
_Static_assert(ARRAY_LEN(named) + 1 == ARRAY_LEN(target_names), "target_names and named[] differ");

/* What a vector ISA gives the kernels, host or compiler alike. SSE2 and AVX without AVX2 are
 * not psABI levels but are real machines (any x86-64; Sandy and Ivy Bridge): 128 and 256 bits. */
typedef enum { LV_SCALAR, LV_SSE2, LV_V2, LV_AVX, LV_V3, LV_V4, LV_NEON, LV_NEON32, LV_MCU } Level;

static const struct {
    const char *name, *isa; /* isa without " + FMA": fma is added from what was found */
    int bits, regs, l1d, l2;
} levels[] = {
    [LV_SCALAR] = {"generic", "scalar", 0, 0, 32 * KIB, 256 * KIB},
    [LV_SSE2] = {"x86-64", "SSE2", 128, 16, 32 * KIB, 256 * KIB},
    [LV_V2] = {"x86-64-v2", "SSE4.2", 128, 16, 32 * KIB, 256 * KIB},
    [LV_AVX] = {"x86-64-v2 + AVX", "AVX", 256, 16, 32 * KIB, 256 * KIB},
    [LV_V3] = {"x86-64-v3", "AVX2", 256, 16, 32 * KIB, 512 * KIB},
    [LV_V4] = {"x86-64-v4", "AVX-512", 512, 32, 48 * KIB, 2 * MIB},
    [LV_NEON] = {"armv8-a", "NEON", 128, 32, 64 * KIB, 1 * MIB},
    [LV_NEON32] = {"armv7-a", "NEON", 128, 16, 32 * KIB, 256 * KIB}, /* AArch32: q0-q15 */
    [LV_MCU] = {"cortex-m", "scalar (Cortex-M)", 0, 0, 0, 0},
};

/* Fills t with the level's typical figures; the callers then put in what they measured. */
static void from_level(Target *t, Level lv, int fma)
{
    memset(t, 0, sizeof *t);
    snprintf(t->name, sizeof t->name, "%s", levels[lv].name);
    /* scalar and NEON name what they are; x86's FMA is an extension worth saying */
    int x86 = lv >= LV_SSE2 && lv <= LV_V4;
    snprintf(t->isa, sizeof t->isa, "%s%s", levels[lv].isa, x86 && fma ? " + FMA" : "");
    t->vector_bits = levels[lv].bits;
    t->vector_regs = levels[lv].regs;
    t->fma = fma;
    t->l1d = levels[lv].l1d;
    t->l2 = levels[lv].l2;
    t->cores = lv == LV_MCU; /* 0: another machine's, not known here: the program's threads decide */
    t->march = NULL;
}

int target_named(const char *name, Target *t)
{
    int i = name ? registry_find(target_names, target_count, name) : -1;
    if (i < 0) return -1;
    if (i == 0)
        target_host(t);
    else
        *t = named[i - 1];
    return 0;
}

/* ---- the host ------------------------------------------------------------------------------ */

/* The family of machines a program built here runs on: when a compiler targets another family
 * (a cross compiler), the host's caches say nothing about the machine that runs its output. */
#if defined(__x86_64__) || defined(__i386__)
#define HOST_FAMILY "x86"
#elif defined(__aarch64__) || defined(__arm__)
#define HOST_FAMILY "arm"
#elif defined(__riscv)
#define HOST_FAMILY "riscv"
#elif defined(__powerpc__) || defined(__powerpc64__)
#define HOST_FAMILY "power"
#elif defined(__s390x__)
#define HOST_FAMILY "s390"
#elif defined(__loongarch__)
#define HOST_FAMILY "loongarch"
#elif defined(__mips__)
#define HOST_FAMILY "mips"
#else
#define HOST_FAMILY "unknown"
#endif

/* "48K" or "2M", as sysfs writes cache sizes; 0 if unreadable. */
static int parse_size(const char *s)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || v <= 0) return 0;
    long scale = *end == 'K' ? KIB : *end == 'M' ? MIB : *end == 'G' ? 1024L * MIB : 1;
    return v <= INT_MAX / scale ? (int)(v * scale) : 0;
}

/* One line of a small sysfs file, without its newline; 0 on success. */
static int read_line(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    char *ok = fgets(buf, (int)size, f);
    fclose(f);
    if (!ok) return -1;
    buf[strcspn(buf, "\n")] = '\0';
    return 0;
}

/* cpu0's data (or unified) cache of this level from sysfs: what glibc's sysconf does not know
 * (it answers 0 on most non-x86 machines). 0 if none is listed. */
static int sysfs_cache(int level)
{
    for (int i = 0; i < 16; i++) {
        char path[96], buf[32];
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/level", i);
        if (read_line(path, buf, sizeof buf)) break; /* the indices are dense */
        if (atoi(buf) != level) continue;
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/type", i);
        if (read_line(path, buf, sizeof buf) || (strcmp(buf, "Data") && strcmp(buf, "Unified")))
            continue;
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/size", i);
        if (read_line(path, buf, sizeof buf) == 0) return parse_size(buf);
    }
    return 0;
}

static int sysconf_int(int name)
{
    long v = sysconf(name);
    return v > 0 && v <= INT_MAX ? (int)v : 0;
}

/* The host's caches and cores over the typical figures already in t: sysconf first (glibc reads
 * cpuid on x86), then sysfs; what neither knows keeps the typical figure. */
static void host_memory(Target *t)
{
    int l1d = 0, l2 = 0;
#ifdef _SC_LEVEL1_DCACHE_SIZE
    l1d = sysconf_int(_SC_LEVEL1_DCACHE_SIZE);
#endif
#ifdef _SC_LEVEL2_CACHE_SIZE
    l2 = sysconf_int(_SC_LEVEL2_CACHE_SIZE);
#endif
    if (!l1d) l1d = sysfs_cache(1);
    if (!l2) l2 = sysfs_cache(2);
    if (l1d) t->l1d = l1d;
    if (l2) t->l2 = l2;
    int cores = sysconf_int(_SC_NPROCESSORS_ONLN);
    t->cores = cores > 0 ? cores : 1;
}

void target_host(Target *t)
{
    Level lv = LV_SCALAR;
    int fma = 0, regs = 0;
#if defined(__x86_64__) || defined(__i386__)
    /* cpuid, and the OS's saving of the wide registers (xgetbv): the libgcc check does both */
    __builtin_cpu_init();
    fma = __builtin_cpu_supports("fma") != 0;
    if (__builtin_cpu_supports("avx512f"))
        lv = LV_V4;
    else if (__builtin_cpu_supports("avx2"))
        lv = LV_V3;
    else if (__builtin_cpu_supports("avx"))
        lv = LV_AVX;
    else if (__builtin_cpu_supports("sse4.2"))
        lv = LV_V2;
    else
        lv = LV_SSE2;
#if defined(__i386__)
    regs = 8; /* 32-bit mode sees xmm0-7 only */
#endif
#elif defined(__aarch64__)
    lv = LV_NEON; /* Advanced SIMD and FMA are part of every ARMv8-A core */
    fma = 1;
#elif defined(__arm__) && defined(__ARM_NEON)
    lv = LV_NEON32;
#ifdef __ARM_FEATURE_FMA
    fma = 1;
#endif
#endif
    from_level(t, lv, fma);
    if (regs) t->vector_regs = regs;
    snprintf(t->name, sizeof t->name, "native (%s)", levels[lv].name);
    host_memory(t);
}

/* ---- what a compiler targets ------------------------------------------------------------- */

/* Where the value of a predefined macro starts in `cc -dM -E` output (it runs to the end of the
 * line, which may be at once: defined empty), or NULL if it is not defined. */
static const char *macro(const char *text, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = text; *p; p += strcspn(p, "\n"), p += *p == '\n') {
        if (strncmp(p, "#define ", 8) || strncmp(p + 8, name, n)) continue;
        char c = p[8 + n];
        if (c == ' ') return p + 9 + n;
        if (c == '\n' || c == '\0') return p + 8 + n;
    }
    return NULL;
}

/* Whether the macro is defined as exactly `value`. */
static int macro_is(const char *text, const char *name, const char *value)
{
    const char *v = macro(text, name);
    size_t n = strlen(value);
    return v && strncmp(v, value, n) == 0 && (v[n] == '\n' || v[n] == '\0');
}

/* The value of the last `-PREFIX...` word in flags, or NULL: gcc and clang honour the last. */
static const char *last_flag(char *const *words, int n, const char *prefix)
{
    const char *found = NULL;
    size_t plen = strlen(prefix);
    for (int i = 0; i < n; i++)
        if (strncmp(words[i], prefix, plen) == 0) found = words[i] + plen;
    return found;
}

static int flag_is(const char *value, const char *s)
{
    return value && strcmp(value, s) == 0;
}

/* The width the vectoriser picks on x86 within the ISA's `bits`. Measured with gcc 12 and
 * clang 14 on a float loop: -mprefer-vector-width=N wins; otherwise gcc follows its tuning
 * (the __tune_CPU__ macros: AVX-512 Intel cores prefer 256 bits, early Zen and Bulldozer 128,
 * anything else the full width), and clang prefers 256 bits for AVX-512 unless it tunes for a
 * generic x86-64 level or Knights Landing, which it cannot show in macros, only in the flags. */
static int x86_vector_width(int bits, int clang, const char *m, char *const *words, int n)
{
    const char *pref = last_flag(words, n, "-mprefer-vector-width=");
    if (flag_is(pref, "128") || flag_is(pref, "256") || flag_is(pref, "512")) {
        int want = atoi(pref);
        return want < bits ? want : bits;
    }
    if (!clang) {
        if (flag_is(pref, "none")) return bits;
        static const char *const narrow[] = {"__tune_znver1__", "__tune_bdver1__", "__tune_bdver2__",
                                             "__tune_bdver3__", "__tune_bdver4__", "__tune_btver2__"};
        for (size_t i = 0; i < ARRAY_LEN(narrow); i++)
            if (macro(m, narrow[i])) return bits < 128 ? bits : 128;
        static const char *const avx256[] = {
            "__tune_skylake_avx512__", "__tune_cannonlake__",  "__tune_icelake_client__",
            "__tune_icelake_server__", "__tune_cascadelake__", "__tune_cooperlake__",
            "__tune_tigerlake__",      "__tune_sapphirerapids__", "__tune_rocketlake__",
            "__tune_graniterapids__",  "__tune_emeraldrapids__"};
        if (bits == 512)
            for (size_t i = 0; i < ARRAY_LEN(avx256); i++)
                if (macro(m, avx256[i])) return 256;
        return bits;
    }
    if (bits < 512) return bits;
    const char *tune = last_flag(words, n, "-mtune=");
    if (!tune) tune = last_flag(words, n, "-march=");
    if (!tune || flag_is(tune, "generic") || flag_is(tune, "x86-64") || flag_is(tune, "x86-64-v2") ||
        flag_is(tune, "x86-64-v3") || flag_is(tune, "knl") || flag_is(tune, "knm"))
        return 512;
    return 256;
}

/* The family of machines the compiler's output runs on, as HOST_FAMILY names them. */
static const char *family_of(const char *m)
{
    static const struct {
        const char *macro, *family;
    } families[] = {{"__x86_64__", "x86"},   {"__i386__", "x86"},       {"__aarch64__", "arm"},
                    {"__arm__", "arm"},      {"__riscv", "riscv"},      {"__powerpc__", "power"},
                    {"__powerpc64__", "power"}, {"__s390x__", "s390"}, {"__loongarch__", "loongarch"},
                    {"__mips__", "mips"}};
    for (size_t i = 0; i < ARRAY_LEN(families); i++)
        if (macro(m, families[i].macro)) return families[i].family;
    return "unknown";
}

/* Splits s on blanks into words[*n...] (no quoting: flags as make passes them); returns the
 * copy the words point into. */
static char *split(const char *s, char **words, int *n, int max)
{
    char *copy = xstrdup(s);
    for (char *w = strtok(copy, " \t\n"); w && *n < max; w = strtok(NULL, " \t\n"))
        words[(*n)++] = w;
    return copy;
}

/* Runs argv with stdout and stderr into one pipe; returns all it wrote (the caller frees) and
 * its wait status, or NULL with *err set when it cannot be started. stderr is read with the
 * macros rather than shown: on a failure its first line is the reason, and otherwise it is
 * noise. */
static char *run_capture(char **argv, int *status, int *err)
{
    int fds[2];
    if (pipe(fds)) {
        *err = errno;
        return NULL;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
    if (fds[0] > 2) posix_spawn_file_actions_addclose(&fa, fds[0]);
    if (fds[1] > 2) posix_spawn_file_actions_addclose(&fa, fds[1]);
    pid_t pid;
    *err = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    if (*err) {
        close(fds[0]);
        return NULL;
    }
    size_t cap = 64 * KIB, len = 0;
    char *buf = xcalloc(cap, 1);
    for (;;) {
        if (len + 1 == cap) { /* keep one byte for the terminator */
            char *bigger = xcalloc(cap * 2, 1);
            memcpy(bigger, buf, len);
            free(buf);
            buf = bigger;
            cap *= 2;
        }
        ssize_t got = read(fds[0], buf + len, cap - 1 - len);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;
        len += (size_t)got;
    }
    buf[len] = '\0';
    close(fds[0]);
    while (waitpid(pid, status, 0) < 0)
        if (errno != EINTR) {
            *status = -1;
            break;
        }
    return buf;
}

/* Why a run that started gave no macros: the compiler's first line of complaint, or its exit. */
static char *failure_reason(const char *out, int status)
{
    for (const char *p = out; *p; p += strcspn(p, "\n"), p += *p == '\n') {
        size_t n = strcspn(p, "\n");
        if (n && strncmp(p, "#define ", 8)) return xstrndup(p, n);
    }
    if (status == -1) return xstrdup("lost track of the process");
    if (WIFSIGNALED(status)) return xasprintf("killed by signal %d", WTERMSIG(status));
    if (WIFEXITED(status) && WEXITSTATUS(status)) return xasprintf("exit status %d", WEXITSTATUS(status));
    return xstrdup("it printed no predefined macros");
}

int target_of_compiler(const char *cc, const char *cflags, Target *t)
{
    if (!cflags) cflags = "";
    if (!cc || !cc[strspn(cc, " \t\n")]) cc = "cc";
    enum { MAX_WORDS = 256 };
    char *argv[MAX_WORDS + 8];
    int argc = 0;
    char *cc_copy = split(cc, argv, &argc, MAX_WORDS);
    int flags_at = argc;
    char *flags_copy = split(cflags, argv, &argc, MAX_WORDS);
    char *const *flags = argv + flags_at;
    int n_flags = argc - flags_at;
    static char *const tail[] = {"-dM", "-E", "-x", "c", "/dev/null"};
    for (size_t i = 0; i < ARRAY_LEN(tail); i++)
        argv[argc++] = tail[i];
    argv[argc] = NULL;

    int status = 0, err = 0;
    char *m = run_capture(argv, &status, &err);
    if (!m || status != 0 || !macro(m, "__STDC__")) {
        char *why = m ? failure_reason(m, status) : xstrdup(strerror(err));
        fputs("nncc: error: cannot run '", stderr);
        for (int i = 0; i < argc - 3; i++) /* the words as run, up to -dM -E */
            fprintf(stderr, "%s%s", i ? " " : "", argv[i]);
        fprintf(stderr, "': %s\n", why);
        free(why), free(m), free(cc_copy), free(flags_copy);
        return -1;
    }

    Level lv = LV_SCALAR;
    int fma = 0, regs = 0, bits = -1;
    /* gcc writes the profile as a number, clang as a character constant */
    int arm_m = macro(m, "__arm__") &&
                (macro_is(m, "__ARM_ARCH_PROFILE", "77") || macro_is(m, "__ARM_ARCH_PROFILE", "'M'"));
    const char *family = arm_m ? "arm-m" : family_of(m);
    if (!strcmp(family, "x86")) {
        fma = macro(m, "__FMA__") != NULL;
        lv = macro(m, "__AVX512F__") ? LV_V4
             : macro(m, "__AVX2__")  ? LV_V3
             : macro(m, "__AVX__")   ? LV_AVX
             : macro(m, "__SSE4_2__") ? LV_V2
             : macro(m, "__SSE2__")  ? LV_SSE2
                                     : LV_SCALAR;
        int x86_64 = macro(m, "__x86_64__") != NULL;
        if (!x86_64 && lv != LV_SCALAR) regs = 8;
        if (lv != LV_SCALAR)
            bits = x86_vector_width(levels[lv].bits, macro(m, "__clang__") != NULL, m, flags, n_flags);
    } else if (arm_m) {
        lv = LV_MCU; /* Helium (MVE) is left scalar: nothing here sizes for it yet */
        fma = macro(m, "__ARM_FEATURE_FMA") != NULL;
    } else if (!strcmp(family, "arm") && macro(m, "__ARM_NEON")) {
        lv = macro(m, "__aarch64__") ? LV_NEON : LV_NEON32;
        fma = macro(m, "__ARM_FEATURE_FMA") != NULL;
        if (lv == LV_NEON32) {
            /* AArch32 NEON flushes denormals, so gcc vectorises float only under fast math */
            int fast = macro(m, "__FAST_MATH__") != NULL;
            for (int i = 0; i < n_flags; i++)
                if (!strcmp(flags[i], "-funsafe-math-optimizations")) fast = 1;
            if (!fast) bits = 0;
        }
    }

    from_level(t, lv, fma);
    if (regs) t->vector_regs = regs;
    if (bits >= 0) t->vector_bits = bits;
    if (t->vector_bits == 0) {
        t->vector_regs = 0;
        if (lv != LV_MCU) snprintf(t->isa, sizeof t->isa, "scalar");
    }
    /* The program these flags build runs here, unless the compiler targets another family: then
     * the level's typical part, on one core, like a named target. */
    if (!strcmp(family, HOST_FAMILY) && strcmp(family, "unknown")) host_memory(t);

    const char *march = last_flag(flags, n_flags, "-march=");
    const char *mcpu = last_flag(flags, n_flags, "-mcpu=");
    if (flag_is(march, "native") || flag_is(mcpu, "native"))
        snprintf(t->name, sizeof t->name, "native (%s)", levels[lv].name);
    else
        snprintf(t->name, sizeof t->name, "%s (from CFLAGS)", levels[lv].name);
    t->march = NULL; /* the caller's flags already select it */
    free(m), free(cc_copy), free(flags_copy);
    return 0;
}

/* ---- printing ---------------------------------------------------------------------------- */

static void print_size(FILE *out, const char *what, int bytes)
{
    if (bytes % MIB == 0)
        fprintf(out, ", %s %d MiB", what, bytes / MIB);
    else if (bytes % KIB == 0)
        fprintf(out, ", %s %d KiB", what, bytes / KIB);
    else
        fprintf(out, ", %s %d bytes", what, bytes);
}

void target_print(const Target *t, FILE *out)
{
    fprintf(out, "target %s: ", t->name);
    if (t->vector_bits == 0)
        fputs("scalar C, no vector registers", out);
    else
        fprintf(out, "%s, %d-bit vectors, %d registers", t->isa, t->vector_bits, t->vector_regs);
    if (!t->l1d && !t->l2) fputs(", no data cache", out);
    if (t->l1d) print_size(out, "L1d", t->l1d);
    if (t->l2) print_size(out, "L2", t->l2);
    if (t->cores) fprintf(out, ", %d core%s\n", t->cores, t->cores == 1 ? "" : "s");
    else fputs(", cores as the machine has\n", out);
}
