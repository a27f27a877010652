/* fuzz_hdf5.c — the HDF5 loader through rt_dataset_load, on any bytes as the .h5 file.
 *
 * Input: fz_shape's three bytes (task, inputs, outputs; bit 3 of the first: no y dataset), one
 * byte choosing the dataset names (x/y, X_train/Y_train, group/x and group/y, or x for both),
 * then the file.
 * Covers: runtime/rt_hdf5.c (open and "not an HDF5 file", dataset lookup and the list of what
 * the file holds, ranks and dimensions, element types through H5Dread's conversion, finiteness
 * and label checks, every error path's cleanup) and rt_data.c's checks after it.
 * Not covered: libhdf5 itself is a system library, not instrumented: ASan sees only what it does
 * through intercepted calls (memcpy, malloc, free), so a bad read inside it shows as a SEGV, if at
 * all. Its own leaks on corrupt files would be libhdf5's; run.sh runs this harness with leak
 * detection on and reports any. Files past libFuzzer's -max_len. */
#include <stdlib.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const names[4][2] = {{"x", "y"}, {"X_train", "Y_train"}, {"group/x", "group/y"}, {"x", "x"}};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_quiet_runtime();
    fz_in in = {data, size};
    int no_y = size > 0 && data[0] >> 3 & 1;
    rt_shape shape = fz_shape(&in);
    unsigned which = fz_byte(&in) % 4;
    rt_source src = {0};
    src.kind = RT_SRC_HDF5;
    src.path = fz_path("data.h5");
    src.x = names[which][0];
    src.y = no_y ? NULL : names[which][1];
    fz_write(src.path, in.p, in.n);
    rt_dataset ds;
    if (rt_dataset_load(&ds, &src, &shape) == 0) {
        if (ds.n <= 0 || ds.d != shape.inputs || !(ds.x_f64 || ds.x_u8)) abort();
        rt_dataset_free(&ds);
    }
    return 0;
}
