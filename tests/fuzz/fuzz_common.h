/* fuzz_common.h — what the libFuzzer harnesses in tests/fuzz/ share: a reader over the fuzzer's
 * bytes, temp files for the loaders that take a path, and a sink for the runtime's messages. */
#ifndef NNCC_FUZZ_COMMON_H
#define NNCC_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "nncc_rt.h"

/* The fuzzer's input, consumed from the front: bytes past the end read as 0. */
typedef struct fz_in {
    const uint8_t *p;
    size_t n;
} fz_in;

unsigned fz_byte(fz_in *in);
/* The next 16-bit little-endian length, then that many bytes (cut to what is left) as a slice. */
fz_in fz_slice(fz_in *in);

/* A loader's expectations from three bytes: task and predict, inputs (1..64), outputs (1..8;
 * 1 for a binary task). The seeds start with the bytes that fit their data. */
rt_shape fz_shape(fz_in *in);

/* A file `name` in this process's scratch directory, made on first use in $FUZZ_TMPDIR, else
 * /dev/shm, else $TMPDIR, else /tmp, and removed with everything in it at exit. A crash leaves
 * it (libFuzzer's own death callback must stay, to save the input): the next harness removes
 * the directories of dead processes, and run.sh points FUZZ_TMPDIR into a directory it removes
 * in any case. */
const char *fz_path(const char *name);
const char *fz_dir(void);
/* Writes n bytes to path (truncating it); aborts on failure, which is the harness's fault. */
void fz_write(const char *path, const void *data, size_t n);

/* Routes rt_error's messages to a sink: the text is still formatted (so a bad format argument is
 * still found), but never printed, which would slow the fuzzer down ten times. With FUZZ_VERBOSE
 * set in the environment they are printed (to see what a seed or a finding is refused for). */
void fz_quiet_runtime(void);

#endif
