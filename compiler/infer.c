/* infer.c — the ahead-of-time inference kernel (--emit infer). */
#include "nncc.h"

int emit_infer_files(const Net *net, const char *out_c, const char *weights_path, int int8, int no_libm,
                     const char *calibrate, const char *command)
{
    (void)net, (void)out_c, (void)weights_path, (void)int8, (void)no_libm, (void)calibrate, (void)command;
    fprintf(stderr, "nncc: error: --emit infer arrives with the deployment work (issue 6)\n");
    return -1;
}
