/* fuzz_idx.c — the IDX loader (MNIST's format) through rt_dataset_load: an images file and,
 * unless the input asks for none (--predict), a labels file. Built twice by run.sh: fuzz_idx
 * writes the fuzzer's bytes as they are (plain IDX, or a raw .gz stream the fuzzer corrupts);
 * fuzz_idx_gz (-DFUZZ_IDX_GZIP) gzips them first, so the loader's gzip path reads well-formed
 * gzip around a fuzzed IDX body.
 *
 * Input: fz_shape's three bytes (task, inputs, outputs; bit 3 of the first: no labels file), a
 * slice with the images file, then the labels file as the rest.
 * Covers: runtime/rt_idx.c (magic, type codes, dimensions and their products, the size check
 * against the file for plain IDX, short reads, gzip errors, uint8 and wider element types,
 * label checks) and rt_data.c's checks after it.
 * Not covered: zlib itself (a system library, not instrumented); a path that is a directory
 * (tests/t_hostile.sh). */
#include <stdlib.h>

#include <zlib.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void put(const char *path, fz_in bytes)
{
#ifdef FUZZ_IDX_GZIP
    gzFile gz = gzopen(path, "wb1");
    if (!gz || (bytes.n && gzwrite(gz, bytes.p, (unsigned)bytes.n) != (int)bytes.n) || gzclose(gz) != Z_OK)
        abort();
#else
    fz_write(path, bytes.p, bytes.n);
#endif
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_quiet_runtime();
    fz_in in = {data, size};
    int no_labels = size > 0 && data[0] >> 3 & 1;
    rt_shape shape = fz_shape(&in);
    fz_in images = fz_slice(&in);
    rt_source src = {0};
    src.kind = RT_SRC_IDX;
#ifdef FUZZ_IDX_GZIP
    src.path = fz_path("images-idx3-ubyte.gz");
#else
    src.path = fz_path("images-idx3-ubyte");
#endif
    put(src.path, images);
    if (!no_labels) {
        src.y = fz_path("labels-idx1-ubyte");
        put(src.y, in);
    }
    rt_dataset ds;
    if (rt_dataset_load(&ds, &src, &shape) == 0) {
        if (ds.n <= 0 || ds.d != shape.inputs || !(ds.x_f64 || ds.x_u8)) abort();
        rt_dataset_free(&ds);
    }
    return 0;
}
