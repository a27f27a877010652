/* fuzz_infer.c — the inference emitter's weights reader (--emit infer --weights FILE): a fuzzed
 * safetensors file baked into a kernel for one of four fixed networks, through emit_infer_files as
 * main.c calls it; the kernel's two files are written to the scratch directory.
 *
 * Input: one mode byte (bits 0-1: the network of `nets` below; bit 2: --quantize int8; bit 3:
 * --no-libm; bit 4: target x86-64-v3 rather than generic), then the weights file.
 * Covers: compiler/infer.c's load_weights (tensors by name and shape, the float32 range check,
 * extra tensors, class names from __metadata__, input and target normalisation), the int8
 * quantisation and its accuracy report (on the networks' built-in generator data), the kernel's
 * planning and printing for any finite weights; rt_safetensors.c beneath it.
 * Not covered: the network file (fuzz_frontend.c and fuzz_emit.c fuzz it; here it is one of four);
 * --calibrate PATH; compiling the kernel. Run with -close_fd_mask=3 (run.sh does): emit_infer_files
 * reports on stdout and stderr, and libFuzzer then keeps its own output and the sanitizers'. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "nncc.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The layer names and shapes of each are what seeds.c writes. */
static const char *const nets[4] = {
    "name: binary\ninput: 2\nlayers: [3, 1]\n",
    "name: softmax\ninput: [2, 2]\nlayers: [{units: 5, activation: relu}, {units: 3, activation: softmax}]\n"
    "loss: cross_entropy\nclasses: [cat, dog, bird]\n",
    "name: regression\ninput: 3\nlayers: [{units: 4, activation: tanh}, {units: 2, activation: linear}]\n"
    "loss: mse\nnormalize_targets: standard\n",
    "name: deep\ninput: 4\nlayers: [8, {units: 8, activation: leaky_relu}, {units: 1, activation: sigmoid}]\n"
    "activation: relu\nprecision: float64\n",
};
static Spec specs[4];
static Net net[4][2]; /* [network][target: generic, x86-64-v3] */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    static const char *const targets[2] = {"generic", "x86-64-v3"};
    for (int i = 0; i < 4; i++) {
        diag_init("net.yaml", nets[i]);
        Node *root = parse_yaml(nets[i], strlen(nets[i]));
        if (!root || !validate(root, "net.yaml", &specs[i])) {
            diag_flush(stderr);
            abort();
        }
        parse_free(root);
        for (int t = 0; t < 2; t++) {
            Target target;
            if (target_named(targets[t], &target)) abort();
            ir_build(&specs[i], &net[i][t]);
            plan_build(&net[i][t]);
            schedule_build(&net[i][t], &target);
        }
    }
    diag_reset();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_quiet_runtime();
    fz_in in = {data, size};
    unsigned mode = fz_byte(&in);
    const char *weights = fz_path("w.safetensors");
    fz_write(weights, in.p, in.n);
    const Net *n = &net[mode & 3][mode >> 4 & 1];
    emit_infer_files(n, fz_path("kernel.c"), weights, mode >> 2 & 1, mode >> 3 & 1, NULL,
                     "nncc net.yaml --emit infer --weights w.safetensors -o kernel.c");
    return 0; /* kernel.c and kernel.h stay in the scratch directory, rewritten each run */
}
