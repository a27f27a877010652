/* util.c — shared helpers under every phase: checked allocation, file reading, atomic writes. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nncc.h"

/* The compiler's memory is small and freed at exit: running out is not a user error worth
 * recovering from, so stop at once with a message rather than thread NULL through every phase. */
static _Noreturn void util_oom(void)
{
    fputs("nncc: out of memory\n", stderr);
    abort();
}

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        util_oom();
    return p;
}

char *xstrndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *p = xcalloc(len + 1, 1);
    memcpy(p, s, len);
    return p;
}

char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (len < 0)
        unreachable();
    char *p = xcalloc((size_t)len + 1, 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)len + 1, fmt, ap);
    va_end(ap);
    return p;
}

char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = xcalloc(cap, 1);
    for (;;) {
        if (cap - n < 2) {
            char *bigger = realloc(buf, cap * 2);
            if (!bigger)
                util_oom();
            buf = bigger;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        int e = errno ? errno : EIO;
        fclose(f);
        free(buf);
        errno = e;
        return NULL;
    }
    fclose(f);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

_Noreturn void unreachable_at(const char *file, int line)
{
    fflush(stdout);
    fprintf(stderr, "nncc: internal error at %s:%d\n", file, line);
    abort();
}

/* ---- atomic writes ------------------------------------------------------------------------ */

/* Every file opened since the last commit or abort: its target and the temp file beside it, so
 * a reader of the target sees either the old file or the complete new one. */
typedef struct AtomicFile {
    char *target, *temp;
    FILE *f;
} AtomicFile;

static AtomicFile *atomic_files;
static int atomic_n, atomic_cap;

FILE *atomic_open(const char *path)
{
    /* A target that is no regular file (/dev/null, a pipe, a terminal) is written in place:
     * renaming a temp onto it would replace the device with a file. */
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        FILE *direct = fopen(path, "w");
        if (!direct) return NULL;
        if (atomic_n == atomic_cap) {
            int cap = atomic_cap ? atomic_cap * 2 : 8;
            AtomicFile *grown = realloc(atomic_files, (size_t)cap * sizeof *grown);
            if (!grown) util_oom();
            atomic_files = grown;
            atomic_cap = cap;
        }
        atomic_files[atomic_n++] = (AtomicFile){xstrdup(path), NULL, direct};
        return direct;
    }
    /* The temp must be in the target's directory: rename() is only atomic within a filesystem. */
    const char *slash = strrchr(path, '/');
    char *temp = slash ? xasprintf("%.*s/.%s.XXXXXX", (int)(slash - path), path, slash + 1)
                       : xasprintf(".%s.XXXXXX", path);
    int fd = mkstemp(temp);
    if (fd < 0) {
        int e = errno;
        free(temp);
        errno = e;
        return NULL;
    }
    FILE *f = fdopen(fd, "w");
    if (!f) {
        int e = errno;
        close(fd);
        unlink(temp);
        free(temp);
        errno = e;
        return NULL;
    }
    if (atomic_n == atomic_cap) {
        int cap = atomic_cap ? atomic_cap * 2 : 8;
        AtomicFile *grown = realloc(atomic_files, (size_t)cap * sizeof *grown);
        if (!grown)
            util_oom();
        atomic_files = grown;
        atomic_cap = cap;
    }
    atomic_files[atomic_n++] = (AtomicFile){xstrdup(path), temp, f};
    return f;
}

static void atomic_forget(void)
{
    for (int i = 0; i < atomic_n; i++) {
        free(atomic_files[i].target);
        free(atomic_files[i].temp);
    }
    atomic_n = 0;
}

int atomic_commit(void)
{
    /* Close everything first: a full disk shows up at fclose, and then no target is replaced. */
    int failed = 0;
    for (int i = 0; i < atomic_n; i++) {
        AtomicFile *a = &atomic_files[i];
        int bad = ferror(a->f);
        if (fclose(a->f) != 0 || bad) {
            if (!failed)
                fprintf(stderr, "nncc: error: cannot write '%s': %s\n", a->target,
                        strerror(errno ? errno : EIO));
            failed = 1;
        }
        a->f = NULL;
    }
    for (int i = 0; i < atomic_n && !failed; i++) {
        if (!atomic_files[i].temp) continue; /* written in place */
        /* mkstemp creates 0600; generated files should have the usual permissions. */
        mode_t mask = umask(0);
        umask(mask);
        chmod(atomic_files[i].temp, 0666 & ~mask);
        if (rename(atomic_files[i].temp, atomic_files[i].target) != 0) {
            fprintf(stderr, "nncc: error: cannot write '%s': %s\n", atomic_files[i].target,
                    strerror(errno));
            failed = 1;
        }
    }
    if (failed) {
        for (int i = 0; i < atomic_n; i++)
            if (atomic_files[i].temp) unlink(atomic_files[i].temp); /* renamed ones are gone: ENOENT is fine */
        atomic_forget();
        return -1;
    }
    atomic_forget();
    return 0;
}

void atomic_abort(void)
{
    for (int i = 0; i < atomic_n; i++) {
        if (atomic_files[i].f)
            fclose(atomic_files[i].f);
        if (atomic_files[i].temp) unlink(atomic_files[i].temp);
    }
    atomic_forget();
}
