/* cm3_main.c — a generated inference kernel on a Cortex-M3 (qemu-system-arm -M mps2-an385): runs it
 * on the fixed inputs of samples.h and prints the outputs and the class through semihosting, in
 * host_main.c's format, so tests/t_infer.sh compares the two line by line.
 *   arm-none-eabi-gcc -mcpu=cortex-m3 -mthumb --specs=rdimon.specs -nostartfiles -T mps2_an385.ld \
 *       -DNET_H='"net.h"' -DNET=name -DNET_U=NAME -I. cm3_main.c net.c -lm -o prog.elf
 *   qemu-system-arm -M mps2-an385 -nographic -semihosting-config enable=on,target=native -kernel prog.elf
 * No startup files from the toolchain: the vector table and reset handler below are all it takes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include NET_H
#include "samples.h" /* SAMPLES, static const float samples[SAMPLES][INPUTS] */

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define INFER CAT(NET, _infer)
#define PREDICT CAT(NET, _predict)
#define OUTPUTS CAT(NET_U, _OUTPUTS)

extern void initialise_monitor_handles(void); /* newlib's rdimon: semihosting stdio */

int main(void)
{
    initialise_monitor_handles();
    for (int r = 0; r < SAMPLES; r++) {
        float out[OUTPUTS];
        INFER(samples[r], out);
        for (int k = 0; k < OUTPUTS; k++) printf(k ? ",%.9g" : "%.9g", (double)out[k]);
        printf(",%d\n", PREDICT(samples[r]));
    }
    return 0;
}

/* ---- startup: copy .data, zero .bss, run main, exit through semihosting (ends qemu) ------------ */

extern uint32_t _data_start, _data_end, _data_load, _bss_start, _bss_end, _stack_top;
void reset_handler(void);
void _init(void);
void _fini(void);
static void fault_handler(void);

/* What crti.o would give newlib's exit(); nothing to do here. */
void _init(void) {}
void _fini(void) {}

void reset_handler(void)
{
    uint32_t *src = &_data_load, *dst = &_data_start;
    while (dst < &_data_end) *dst++ = *src++;
    for (dst = &_bss_start; dst < &_bss_end;) *dst++ = 0;
    exit(main());
}

static void fault_handler(void)
{
    exit(99); /* semihosting still works here: the test sees a failure, not a hang */
}

__attribute__((section(".vectors"), used)) static void (*const vectors[16])(void) = {
    (void (*)(void))&_stack_top, reset_handler, fault_handler, fault_handler, fault_handler, fault_handler,
    fault_handler, 0, 0, 0, 0, fault_handler, fault_handler, 0, fault_handler, fault_handler,
};
