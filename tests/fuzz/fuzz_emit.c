/* fuzz_emit.c — past the front end: a network file that validates goes through ir_build ->
 * plan_build -> schedule_build -> plan_check_static -> emit_train, and --check's plan_print and
 * schedule_print, all printed to /dev/null.
 *
 * Covers: compiler/ir.c, plan.c, schedule.c (for the named targets, one per input: the input's
 * length picks it), emit.c and template.c with the embedded templates (build/fuzz/templates.c),
 * on every network the validator accepts, as main.c calls them.
 * Not covered: the target "native" (target_host reads cpuid and sysfs: the host, not the input);
 * data_check (it opens the data paths the input names: the loaders have their own harnesses);
 * the generated C itself (it is not compiled here: tests/t_golden.sh and t_e2e.sh do that);
 * the inference emitter emit_infer_files, which needs a weights file that fits the network: not
 * reachable from the network file alone (fuzz_infer.c fuzzes the weights for fixed networks). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nncc.h"

static FILE *sink;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    sink = fopen("/dev/null", "w");
    return sink ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = '\0';

    diag_init("net.yaml", text);
    Node *root = parse_yaml(text, size);
    static Spec spec;
    int valid = root && validate(root, "net.yaml", &spec);
    parse_free(root);
    if (valid) {
        static Net net;
        ir_build(&spec, &net);
        plan_build(&net);
        Target target;
        /* target_names[0] is "native": the others, chosen by the input's length. */
        if (target_named(target_names[1 + size % (size_t)(target_count - 1)], &target)) abort();
        schedule_build(&net, &target);
        plan_print(&net, sink);
        schedule_print(&net, sink);
        if (plan_check_static(&net)) emit_train(&net, sink, "train_net.c", "nncc net.yaml -o train_net.c");
    }
    diag_flush(sink);
    if (root) validate_free(&spec); /* only after validate: it leaves n_classes as it was */
    diag_reset();
    free(text);
    return 0;
}
