/* fuzz_npy.c — the NPY loader through rt_dataset_load: an x file and, unless the input asks for
 * none (--predict), a y file, both from the fuzzer's bytes.
 *
 * Input: fz_shape's three bytes (task, inputs, outputs; bit 3 of the first: no y file), a slice
 * with x.npy, then y.npy as the rest.
 * Covers: runtime/rt_npy.c (magic and versions 1-3, the header dict's lexer, dtypes and byte
 * order, fortran_order, shapes and their products, short data, label checks) and rt_data.c's
 * checks after it.
 * Not covered: files past libFuzzer's -max_len (the loader reads by fread in chunks: a large
 * file differs in size only). */
#include <stdlib.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_quiet_runtime();
    fz_in in = {data, size};
    int no_y = size > 0 && data[0] >> 3 & 1;
    rt_shape shape = fz_shape(&in);
    fz_in x = fz_slice(&in);
    rt_source src = {0};
    src.kind = RT_SRC_NPY;
    src.path = fz_path("x.npy");
    fz_write(src.path, x.p, x.n);
    if (!no_y) {
        src.y = fz_path("y.npy");
        fz_write(src.y, in.p, in.n);
    }
    rt_dataset ds;
    if (rt_dataset_load(&ds, &src, &shape) == 0) {
        if (ds.n <= 0 || ds.d != shape.inputs || !(ds.x_f64 || ds.x_u8)) abort();
        rt_dataset_free(&ds);
    }
    return 0;
}
