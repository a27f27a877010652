/* driver.c — `nncc NET.yaml -o prog [--static | --mpi]`: builds the generated source with $CC and the
 * runtime. */
#include <errno.h>
#include <limits.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nncc.h"

#ifndef NNCC_RT_LIBS
#define NNCC_RT_LIBS "-lcjson -lhdf5 -lz -lm"
#endif
/* --static: the same libraries as archives. Debian's libhdf5.a needs libsz and libaec (its
 * szip filter); cJSON comes from libnncc_cjson.a beside the runtime (Debian ships no libcjson.a). */
#ifndef NNCC_RT_STATIC_LIBS
#define NNCC_RT_STATIC_LIBS "-lhdf5 -lsz -laec -lz -lm"
#endif

/* --mpi: MPI's link flags as pkg-config gave them (mpi-c) when nncc was built; none when it
 * found no MPI, and then no libnncc_rt_mpi.a was built either. */
#ifndef NNCC_MPI_LIBS
#define NNCC_MPI_LIBS ""
#endif

extern char **environ;

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* The runtime's header directory and archive: $NNCC_RUNTIME (a directory holding both), else
 * beside the nncc binary as the build tree lays them out (build/nncc, build/libnncc_rt.a,
 * runtime/nncc_rt.h), else as `make install` lays out a prefix (PREFIX/bin/nncc,
 * PREFIX/lib/libnncc_rt.a, PREFIX/include/nncc_rt.h): found from the binary, so an installed
 * tree can be moved (DESTDIR, a .deb unpacked anywhere) and needs no source tree. */
static int find_runtime(char **include_dir, char **archive)
{
    const char *env = getenv("NNCC_RUNTIME");
    if (env && *env) {
        *include_dir = xstrdup(env);
        *archive = xasprintf("%s/libnncc_rt.a", env);
        if (exists(*archive)) return 0;
        fprintf(stderr, "nncc: error: NNCC_RUNTIME=%s holds no libnncc_rt.a\n", env);
        return -1;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) {
        fprintf(stderr, "nncc: error: cannot find the runtime: set NNCC_RUNTIME\n");
        return -1;
    }
    exe[n] = 0;
    char *slash = strrchr(exe, '/');
    *slash = 0;
    const char *layouts[][2] = {{"%s/../runtime", "%s/libnncc_rt.a"}, {"%s/../include", "%s/../lib/libnncc_rt.a"}};
    for (size_t i = 0; i < ARRAY_LEN(layouts); i++) {
        char *inc = xasprintf(layouts[i][0], exe), *lib = xasprintf(layouts[i][1], exe);
        char *hdr = xasprintf("%s/nncc_rt.h", inc);
        int ok = exists(hdr) && exists(lib);
        free(hdr);
        if (ok) {
            *include_dir = inc;
            *archive = lib;
            return 0;
        }
        free(inc), free(lib);
    }
    fprintf(stderr, "nncc: error: cannot find the runtime (nncc_rt.h, libnncc_rt.a) near %s: set NNCC_RUNTIME\n",
            exe);
    return -1;
}

/* Splits `s` on blanks into argv slots (no quoting: flags, as make passes them); returns the
 * copy the slots point into, for the caller to free. */
static char *split_into(char **argv, int *argc, int max, const char *s)
{
    char *copy = xstrdup(s);
    for (char *tok = strtok(copy, " \t\n"); tok && *argc < max - 1; tok = strtok(NULL, " \t\n"))
        argv[(*argc)++] = tok;
    return copy;
}

/* Runs the compiler; on success renames its output into place. */
static int run(char **argv, const char *exe_path, const char *tmp_exe)
{
    pid_t pid;
    int err = posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ);
    if (err) {
        fprintf(stderr, "nncc: error: cannot run '%s': %s\n", argv[0], strerror(err));
        return -1;
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return -1;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "nncc: error: %s failed building %s\n", argv[0], exe_path);
        unlink(tmp_exe);
        return -1;
    }
    struct stat st;
    if (stat(exe_path, &st) == 0 && !S_ISREG(st.st_mode)) { /* /dev/null: built, and discarded */
        unlink(tmp_exe);
        return 0;
    }
    if (rename(tmp_exe, exe_path)) {
        fprintf(stderr, "nncc: error: cannot write '%s': %s\n", exe_path, strerror(errno));
        unlink(tmp_exe);
        return -1;
    }
    return 0;
}

/* Driver mode's flags when $CFLAGS is unset. On x86 with AVX-512 the schedule's register blocks
 * are sized for 512-bit vectors, which gcc and clang do not always prefer unless asked; machines
 * without AVX-512 ignore the preference. A named target brings its own -march. */
#if defined(__x86_64__) || defined(__i386__)
#define NNCC_DEFAULT_CFLAGS "-O3 -march=native -mprefer-vector-width=512 -fopenmp"
#else
#define NNCC_DEFAULT_CFLAGS "-O3 -march=native -fopenmp"
#endif

const char *driver_cc(void)
{
    const char *cc = getenv("CC");
    return cc && *cc ? cc : "cc";
}

const char *driver_cflags(const Target *named)
{
    static char flags[256];
    const char *cflags = getenv("CFLAGS");
    if (cflags) return cflags;
    if (!named || !named->march) return NNCC_DEFAULT_CFLAGS;
    snprintf(flags, sizeof flags, "-O3 %s%s-fopenmp", named->march, *named->march ? " " : "");
    return flags;
}

/* An archive beside the runtime's: libnncc_cjson.a stands in for the system's cJSON in a static
 * link, libnncc_rt_mpi.a holds rt_main_mpi(). `why` says what needs it. */
static char *beside(const char *archive, const char *name, const char *why)
{
    const char *slash = strrchr(archive, '/');
    char *path = xasprintf("%.*s%s", slash ? (int)(slash - archive + 1) : 0, archive, name);
    if (exists(path)) return path;
    fprintf(stderr, "nncc: error: %s needs %s (built by make beside libnncc_rt.a)\n", why, path);
    free(path);
    return NULL;
}

int driver_build(const char *c_path, const char *exe_path, const Target *named, int static_link, int mpi)
{
    char *inc, *lib, *cjson = NULL, *mpi_lib = NULL;
    if (mpi && !*NNCC_MPI_LIBS) {
        fprintf(stderr, "nncc: error: --mpi: this nncc was built without MPI (pkg-config found no mpi-c); "
                        "install libopenmpi-dev and rebuild nncc\n");
        return -1;
    }
    if (find_runtime(&inc, &lib)) return -1;
    if ((static_link && !(cjson = beside(lib, "libnncc_cjson.a", "--static"))) ||
        (mpi && !(mpi_lib = beside(lib, "libnncc_rt_mpi.a", "--mpi")))) {
        free(inc), free(lib), free(cjson);
        return -1;
    }
    const char *cc = driver_cc(), *cflags = driver_cflags(named);
    /* Link into a temp name, then rename: a failed build leaves no program behind. */
    struct stat st;
    const char *tmpdir = getenv("TMPDIR");
    char *tmp_exe = stat(exe_path, &st) == 0 && !S_ISREG(st.st_mode) /* /dev/null: build it elsewhere */
                        ? xasprintf("%s/nncc-%ld", tmpdir && *tmpdir ? tmpdir : "/tmp", (long)getpid())
                        : xasprintf("%s.nncc-tmp", exe_path);
    char *argv[256];
    int argc = 0;
    char *copies[4] = {NULL, NULL, NULL, NULL};
    copies[0] = split_into(argv, &argc, 200, cc);
    copies[1] = split_into(argv, &argc, 200, cflags);
    char *include = xasprintf("-I%s", inc);
    argv[argc++] = include;
    argv[argc++] = (char *)c_path;
    if (mpi) argv[argc++] = mpi_lib; /* before the runtime it calls into */
    argv[argc++] = lib;
    if (static_link) {
        /* -static: libgomp, libm and the C library as archives too, so the program needs no
         * shared library at all ("not a dynamic executable"). */
        argv[argc++] = cjson;
        argv[argc++] = "-static";
    }
    if (mpi) copies[3] = split_into(argv, &argc, 220, NNCC_MPI_LIBS);
    copies[2] = split_into(argv, &argc, 240, static_link ? NNCC_RT_STATIC_LIBS : NNCC_RT_LIBS);
    argv[argc++] = "-fopenmp"; /* the runtime itself is built with OpenMP */
    argv[argc++] = "-o";
    argv[argc++] = tmp_exe;
    argv[argc] = NULL;
    int rc = run(argv, exe_path, tmp_exe);
    for (int i = 0; i < 4; i++) free(copies[i]);
    free(include), free(inc), free(lib), free(cjson), free(mpi_lib), free(tmp_exe);
    return rc;
}
