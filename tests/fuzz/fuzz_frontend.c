/* fuzz_frontend.c — the network file's front end: parse_yaml -> validate -> diag_flush, on any
 * bytes as the text of net.yaml.
 *
 * Covers: compiler/parse.c (libyaml events to the Node tree, duplicate keys, line:col), every
 * check and default of compiler/validate.c, compiler/diag.c's sorting, "did you mean" and the
 * source line with a caret (flushed to /dev/null).
 * Not covered: libyaml itself (a system library, not instrumented), anything after validation
 * (fuzz_emit.c), the data files a valid network names (their loaders have their own harnesses;
 * data_check is not called, so no path from the input is ever opened). */
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
    /* The compiler reads the file whole and NUL-terminates it (util.c read_file). */
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = '\0';

    diag_init("net.yaml", text);
    Node *root = parse_yaml(text, size);
    static Spec spec;
    int valid = root && validate(root, "net.yaml", &spec);
    parse_free(root);
    /* A rejected file always says why (an empty document is an empty map, not a failure). */
    if (!valid && diag_count() == 0) abort();
    diag_flush(sink);
    if (root) validate_free(&spec); /* only after validate: it leaves n_classes as it was */
    diag_reset();
    free(text);
    return 0;
}
