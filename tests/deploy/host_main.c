/* host_main.c — runs a generated inference kernel over CSV rows on stdin and prints what the
 * training program's --predict prints: the outputs ("%.9g", comma-separated), then the class.
 * Built by tests/t_infer.sh for any network:
 *   cc -std=c99 -DNET_H='"net.h"' -DNET=deep_circles -DNET_U=DEEP_CIRCLES host_main.c net.c -lm */
#include <stdio.h>
#include <stdlib.h>

#include NET_H

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define INFER CAT(NET, _infer)
#define PREDICT CAT(NET, _predict)
#define INPUTS CAT(NET_U, _INPUTS)
#define OUTPUTS CAT(NET_U, _OUTPUTS)

int main(void)
{
    char line[1 << 16];
    while (fgets(line, sizeof line, stdin)) {
        float in[INPUTS], out[OUTPUTS];
        char *p = line, *end;
        int n = 0;
        for (; n < INPUTS; n++) {
            in[n] = (float)strtod(p, &end);
            if (end == p) break;
            p = *end == ',' ? end + 1 : end;
        }
        if (n < INPUTS) continue; /* a header or a blank line */
        INFER(in, out);
        for (int k = 0; k < OUTPUTS; k++) printf(k ? ",%.9g" : "%.9g", (double)out[k]);
        printf(",%d\n", PREDICT(in));
    }
    return 0;
}
