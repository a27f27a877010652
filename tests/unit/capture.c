/* capture.c — the unit tests' stderr capture (capture.h), shared by the loader suites. */
#include "capture.h"

#include <check.h>
#include <stdio.h>
#include <unistd.h>

static char captured[8192];
static FILE *cap_file;
static int cap_saved = -1;

void capture_begin(void)
{
    fflush(stderr);
    cap_file = tmpfile();
    ck_assert_ptr_nonnull(cap_file);
    cap_saved = dup(2);
    dup2(fileno(cap_file), 2);
}

const char *capture_end(void)
{
    fflush(stderr);
    dup2(cap_saved, 2);
    close(cap_saved);
    rewind(cap_file);
    size_t n = fread(captured, 1, sizeof captured - 1, cap_file);
    captured[n] = '\0';
    fclose(cap_file);
    return captured;
}
