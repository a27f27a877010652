/* evaluate.c — the runtime's loaders feeding an nncc inference kernel: reads a labelled CSV file
 * with rt_dataset_load (the training program's own loader: header detection, located errors)
 * and counts the samples whose predicted class is their label.
 *
 *   nncc deep_circles_csv.yaml --emit infer --weights deep_circles_csv.safetensors -o deep_circles_csv.c
 *   cc -O2 evaluate.c deep_circles_csv.c $(pkg-config --cflags --libs nncc-rt) -o evaluate
 *   ./evaluate data/circles_test.csv
 */
#include <stdio.h>

#include "deep_circles_csv.h"
#include "nncc_rt.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s DATA.csv\n", argv[0]);
        return RT_EXIT_USAGE;
    }
    rt_source src = {.kind = RT_SRC_CSV, .path = argv[1], .label = RT_LABEL_LAST, .header = RT_HEADER_AUTO};
    rt_shape shape = {.inputs = DEEP_CIRCLES_CSV_INPUTS, .outputs = DEEP_CIRCLES_CSV_OUTPUTS, .task = RT_TASK_BINARY};
    rt_dataset ds;
    if (rt_dataset_load(&ds, &src, &shape)) return RT_EXIT_INPUT; /* it printed file:line: error: ... */

    int correct = 0;
    for (int i = 0; i < ds.n; i++) {
        float in[DEEP_CIRCLES_CSV_INPUTS];
        for (int k = 0; k < ds.d; k++) in[k] = (float)ds.x_f64[(size_t)i * ds.d + k];
        correct += deep_circles_csv_predict(in) == (int)ds.y[i];
    }
    printf("%d/%d correct\n", correct, ds.n);
    rt_dataset_free(&ds);
    return RT_EXIT_OK;
}
