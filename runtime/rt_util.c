/* rt_util.c — the runtime's small shared services: located error messages, checked allocation, a clock. */
#include "nncc_rt.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* One place formats every runtime error, so the prefix matches SPEC section 4 everywhere:
 * `file:line: error:`, `file: error:` when there is no line, `error:` when there is no file. */
void rt_error(const char *file, long line, const char *fmt, ...)
{
    va_list ap;
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
