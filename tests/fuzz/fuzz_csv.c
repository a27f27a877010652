/* fuzz_csv.c — the CSV loader through rt_dataset_load, as a training program and nncc's data
 * check call it, on any bytes as the file.
 *
 * Input: fz_shape's three bytes (task, inputs, outputs), one options byte (label column: last,
 * first, a numbered one or a name; header auto/no/yes; named classes given or not), for a named
 * label column a slice with its name, then the file's bytes.
 * Covers: runtime/rt_csv.c (reading, line index, header detection, fast and exact numbers,
 * quoted fields, labels by number or name, class-name mapping, every located error and its
 * message) and rt_data.c's checks after it; on success, rt_norm_fit (min-max and standard) and
 * rt_batch_fill over every row, as training would read them.
 * Not covered: standard input ("-") and streams (the file is always a regular file in the
 * scratch directory), files larger than libFuzzer's -max_len. Non-finite results of the
 * normalisation (issue 13 D4) are not flagged. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Class names for `classes:`: binary takes the first two, multiclass the first `outputs`. */
static const char *const names[8] = {"setosa", "versicolor", "virginica", "a", "b", "c", "0", "1"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_quiet_runtime();
    fz_in in = {data, size};
    rt_shape shape = fz_shape(&in);
    unsigned opt = fz_byte(&in);
    char label_name[64] = "";
    rt_source src = {0};
    src.kind = RT_SRC_CSV;
    src.path = fz_path("data.csv");
    switch (opt & 3) {
    case 0: src.label = RT_LABEL_LAST; break;
    case 1: src.label = RT_LABEL_FIRST; break;
    case 2: src.label = (int)(fz_byte(&in) % (unsigned)(shape.inputs + 2)); break;
    default: {
        fz_in s = fz_slice(&in);
        size_t n = s.n < sizeof label_name - 1 ? s.n : sizeof label_name - 1;
        memcpy(label_name, s.p, n);
        label_name[n] = '\0';
        src.label_name = label_name;
    }
    }
    src.header = (opt >> 2 & 3) == 1 ? 0 : (opt >> 2 & 3) == 2 ? 1 : RT_HEADER_AUTO;
    if (opt >> 4 & 1 && shape.task != RT_TASK_REGRESSION) {
        shape.classes = names;
        shape.n_classes = shape.task == RT_TASK_BINARY ? 2 : shape.outputs;
    }
    fz_write(src.path, in.p, in.n);

    rt_dataset ds;
    if (rt_dataset_load(&ds, &src, &shape) == 0) {
        if (ds.n <= 0 || ds.d != shape.inputs || !(ds.x_f64 || ds.x_u8)) abort();
        for (int kind = RT_NORM_MINMAX; kind <= RT_NORM_STANDARD; kind++) {
            rt_norm nm = {0};
            if (rt_norm_fit(&nm, &ds, kind) == 0) {
                int32_t *idx = malloc(sizeof *idx * (size_t)ds.n);
                double *out = malloc(sizeof *out * (size_t)ds.n * (size_t)ds.d);
                if (idx && out) {
                    for (int i = 0; i < ds.n; i++) idx[i] = i;
                    rt_batch_fill(&ds, &nm, idx, ds.n, out, 8);
                }
                free(idx);
                free(out);
            }
            rt_norm_free(&nm);
        }
        rt_dataset_free(&ds);
    }
    return 0;
}
