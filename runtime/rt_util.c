/* rt_util.c — the runtime's small shared services: located error messages, checked allocation, a clock. */
#include "nncc_rt.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <dirent.h>
#include <unistd.h>

/* One place formats every runtime error, so the prefix matches SPEC section 4 everywhere:
 * `file:line: error:`, `file: error:` when there is no line, `error:` when there is no file. */
void (*rt_error_hook)(const char *file, long line, const char *msg);

void rt_error(const char *file, long line, const char *fmt, ...)
{
    va_list ap;
    if (rt_error_hook) {
        char msg[1024];
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        rt_error_hook(file, line, msg);
        return;
    }
    if (file && line > 0)
        fprintf(stderr, "%s:%ld: error: ", file, line);
    else if (file)
        fprintf(stderr, "%s: error: ", file);
    else
        fputs("error: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* The runtime never exits on its own: exhaustion is reported and handed back to the caller. */
void *rt_xcalloc(size_t n, size_t size)
{
    if (n == 0 || size == 0)
        n = size = 1; /* calloc(0) may return NULL, which would read as exhaustion */
    void *p = calloc(n, size);
    if (!p) {
        if (size != 0 && n > (size_t)-1 / size)
            rt_error(NULL, 0, "out of memory: %zu x %zu bytes", n, size);
        else
            rt_error(NULL, 0, "out of memory: %zu bytes", n * size);
    }
    return p;
}

double rt_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int rt_atomic_open(rt_atomic *a, const char *path)
{
    a->f = NULL;
    a->path = path;
    size_t plen = strlen(path);
    a->tmp = malloc(plen + 8);
    if (!a->tmp) {
        rt_error(path, 0, "cannot write: out of memory");
        return -1;
    }
    memcpy(a->tmp, path, plen);
    memcpy(a->tmp + plen, ".XXXXXX", 8);
    int fd = mkstemp(a->tmp);
    if (fd < 0) {
        rt_error(path, 0, "cannot write: %s", strerror(errno));
        free(a->tmp);
        a->tmp = NULL;
        return -1;
    }
    /* mkstemp makes the file 0600; outputs are ordinary files the user shares. */
    mode_t mask = umask(0);
    umask(mask);
    (void)fchmod(fd, 0666 & ~mask);
    a->f = fdopen(fd, "wb");
    if (!a->f) {
        rt_error(path, 0, "cannot write: %s", strerror(errno));
        close(fd);
        unlink(a->tmp);
        free(a->tmp);
        a->tmp = NULL;
        return -1;
    }
    return 0;
}

int rt_atomic_close(rt_atomic *a, int ok)
{
    if (!a->tmp) return -1;
    int saved = 0;
    if (!ok || ferror(a->f)) {
        /* A write failed earlier, and errno has moved on since: one more write asks the system
         * why (a full disk, a file size limit). The file is discarded either way. */
        clearerr(a->f);
        errno = 0;
        if (fputc(0, a->f) == EOF || fflush(a->f) != 0 || fsync(fileno(a->f)) != 0) saved = errno;
        ok = 0;
    } else if (fflush(a->f) != 0 || fsync(fileno(a->f)) != 0) {
        ok = 0, saved = errno;
    }
    if (fclose(a->f) != 0 && ok) ok = 0, saved = errno;
    if (ok && rename(a->tmp, a->path) != 0) ok = 0, saved = errno;
    if (!ok) {
        unlink(a->tmp);
        if (saved) rt_error(a->path, 0, "cannot write: %s", strerror(saved));
        else rt_error(a->path, 0, "cannot write: a write failed and the system gives no reason");
    }
    free(a->tmp);
    a->tmp = NULL;
    a->f = NULL;
    return ok ? 0 : -1;
}

/* mkstemp's suffix: a dot and six letters or digits. */
static int is_temp_of(const char *entry, const char *file)
{
    size_t k = strlen(file);
    if (strncmp(entry, file, k) != 0 || entry[k] != '.' || strlen(entry + k + 1) != 6)
        return 0;
    for (const char *p = entry + k + 1; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
            return 0;
    return 1;
}

int rt_atomic_sweep(const char *dir, const char *const *files, int n)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int removed = 0;
    size_t dl = strlen(dir);
    for (struct dirent *e; (e = readdir(d));) {
        for (int i = 0; i < n; i++) {
            if (!is_temp_of(e->d_name, files[i]))
                continue;
            char *p = malloc(dl + strlen(e->d_name) + 2);
            if (p) {
                sprintf(p, "%s/%s", dir, e->d_name);
                removed += unlink(p) == 0;
                free(p);
            }
            break;
        }
    }
    closedir(d);
    return removed;
}
