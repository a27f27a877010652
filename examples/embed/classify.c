/* classify.c — an nncc inference kernel called from your own main(): the sample given on the
 * command line, printed as the training program's --predict prints it (outputs, then class).
 *
 *   nncc deep_circles_csv.yaml --emit infer --weights deep_circles_csv.safetensors -o deep_circles_csv.c
 *   cc -std=c99 -O2 classify.c deep_circles_csv.c -lm -o classify
 *   ./classify 0.159 -0.262
 */
#include <stdio.h>
#include <stdlib.h>

#include "deep_circles_csv.h"

int main(int argc, char **argv)
{
    float in[DEEP_CIRCLES_CSV_INPUTS], out[DEEP_CIRCLES_CSV_OUTPUTS];
    if (argc != 1 + DEEP_CIRCLES_CSV_INPUTS) {
        fprintf(stderr, "usage: %s X1 .. X%d\n", argv[0], DEEP_CIRCLES_CSV_INPUTS);
        return 2;
    }
    for (int i = 0; i < DEEP_CIRCLES_CSV_INPUTS; i++) in[i] = strtof(argv[1 + i], NULL);
    deep_circles_csv_infer(in, out); /* raw features: the normalisation is built in */
    for (int j = 0; j < DEEP_CIRCLES_CSV_OUTPUTS; j++) printf("%.9g,", out[j]);
    printf("%d\n", deep_circles_csv_predict(in));
    return 0;
}
