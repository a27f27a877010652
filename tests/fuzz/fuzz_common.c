/* fuzz_common.c — see fuzz_common.h. */
#include "fuzz_common.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

unsigned fz_byte(fz_in *in)
{
    if (!in->n) return 0;
    in->n--;
    return *in->p++;
}

fz_in fz_slice(fz_in *in)
{
    size_t len = fz_byte(in);
    len |= (size_t)fz_byte(in) << 8;
    if (len > in->n) len = in->n;
    fz_in s = {in->p, len};
    in->p += len;
    in->n -= len;
    return s;
}

rt_shape fz_shape(fz_in *in)
{
    unsigned mode = fz_byte(in), inputs = fz_byte(in), outputs = fz_byte(in);
    rt_shape s = {0};
    s.task = (int)(mode % 3); /* RT_TASK_BINARY, RT_TASK_MULTICLASS, RT_TASK_REGRESSION */
    s.predict = (mode >> 2) & 1;
    s.inputs = 1 + (int)(inputs % 64);
    s.outputs = s.task == RT_TASK_BINARY ? 1 : 1 + (int)(outputs % 8);
    return s;
}

static char scratch[256];

/* dir and the files in it (the harnesses make no subdirectories). */
static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        char path[512];
        while ((e = readdir(d)))
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
                snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
                unlink(path);
            }
        closedir(d);
    }
    rmdir(dir);
}

static void remove_scratch(void)
{
    if (!scratch[0]) return;
    remove_dir(scratch);
    scratch[0] = '\0';
}

/* Scratch directories are named nncc-fuzz.PID.XXXXXX: those of processes that died (a crash
 * skips atexit) are removed by the next harness started on the same base. */
static void remove_stale(const char *base)
{
    DIR *d = opendir(base);
    if (!d) return;
    struct dirent *e;
    char path[512];
    while ((e = readdir(d))) {
        long pid;
        char rest[64];
        if (sscanf(e->d_name, "nncc-fuzz.%ld.%63s", &pid, rest) != 2 || pid <= 0) continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH) continue;
        snprintf(path, sizeof path, "%s/%s", base, e->d_name);
        remove_dir(path);
    }
    closedir(d);
}

const char *fz_dir(void)
{
    if (scratch[0]) return scratch;
    struct stat st;
    const char *base = getenv("FUZZ_TMPDIR") && *getenv("FUZZ_TMPDIR") ? getenv("FUZZ_TMPDIR")
                       : stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) && access("/dev/shm", W_OK) == 0
                           ? "/dev/shm"
                       : getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR")
                                                               : "/tmp";
    remove_stale(base);
    snprintf(scratch, sizeof scratch, "%s/nncc-fuzz.%ld.XXXXXX", base, (long)getpid());
    if (!mkdtemp(scratch)) {
        perror(scratch);
        abort();
    }
    /* Not __sanitizer_set_death_callback: that would replace libFuzzer's, which saves the input. */
    atexit(remove_scratch);
    return scratch;
}

const char *fz_path(const char *name)
{
    /* A few names per harness, each kept for the process's life. */
    static struct {
        char name[32], path[320];
    } paths[8];
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        if (!strcmp(paths[i].name, name)) return paths[i].path;
        if (!paths[i].name[0]) {
            snprintf(paths[i].name, sizeof paths[i].name, "%s", name);
            snprintf(paths[i].path, sizeof paths[i].path, "%s/%s", fz_dir(), name);
            return paths[i].path;
        }
    }
    abort();
}

void fz_write(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f || (n && fwrite(data, 1, n, f) != n) || fclose(f)) {
        perror(path);
        abort();
    }
}

static void sink(const char *file, long line, const char *msg)
{
    (void)file, (void)line, (void)msg;
}

void fz_quiet_runtime(void)
{
    static int verbose = -1;
    if (verbose < 0) verbose = getenv("FUZZ_VERBOSE") != NULL;
    rt_error_hook = verbose ? NULL : sink;
}
