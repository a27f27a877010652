/* registry.c — the name tables every phase loops over, generated from registry.h's X-macros. */
#include <string.h>

#include "nncc.h"

#define X_NAME(id, name, ...) [ACT_##id] = name,
const char *const activation_names[ACT_COUNT] = {ACTIVATIONS(X_NAME)};
#undef X_NAME
#define X_DIFF(id, name, diff, ...) [ACT_##id] = diff,
const int activation_differentiable[ACT_COUNT] = {ACTIVATIONS(X_DIFF)};
#undef X_DIFF
#define X_OUT(id, name, diff, out, ...) [ACT_##id] = out,
const int activation_output_only[ACT_COUNT] = {ACTIVATIONS(X_OUT)};
#undef X_OUT
#define X_VEC(id, name, diff, out, vec, ...) [ACT_##id] = vec,
const int activation_vectorises[ACT_COUNT] = {ACTIVATIONS(X_VEC)};
#undef X_VEC
#define X_FWD(id, name, diff, out, vec, fwd, der, doc) [ACT_##id] = #fwd,
const char *const activation_forward[ACT_COUNT] = {ACTIVATIONS(X_FWD)};
#undef X_FWD
#define X_DER(id, name, diff, out, vec, fwd, der, doc) [ACT_##id] = #der,
const char *const activation_derivative[ACT_COUNT] = {ACTIVATIONS(X_DER)};
#undef X_DER
#define X_DOC(id, name, diff, out, vec, fwd, der, doc) [ACT_##id] = doc,
const char *const activation_doc[ACT_COUNT] = {ACTIVATIONS(X_DOC)};
#undef X_DOC
#define STRINGIFY(x) #x
#define EXPANDED(x) STRINGIFY(x)
const char *const leaky_slope_definition = "#define NNCC_LEAKY_SLOPE " EXPANDED(NNCC_LEAKY_SLOPE);
#undef EXPANDED
#undef STRINGIFY

#define X_NAME(id, name) [LOSS_##id] = name,
const char *const loss_names[LOSS_COUNT] = {LOSSES(X_NAME)};
#undef X_NAME
#define X_NAME(id, name) [OPT_##id] = name,
const char *const optimizer_names[OPT_COUNT] = {OPTIMIZERS(X_NAME)};
#undef X_NAME
#define X_NAME(id, name) [INIT_##id] = name,
const char *const init_names[INIT_COUNT] = {INITS(X_NAME)};
#undef X_NAME
#define X_NAME(id, name) [GEN_##id] = name,
const char *const generator_names[GEN_COUNT] = {GENERATORS(X_NAME)};
#undef X_NAME
#define X_NAME(id, name) [NORM_##id] = name,
const char *const normalization_names[NORM_COUNT] = {NORMALIZATIONS(X_NAME)};
#undef X_NAME
#define X_NAME(id, name, bytes) [PREC_##id] = name,
const char *const precision_names[PREC_COUNT] = {PRECISIONS(X_NAME)};
#undef X_NAME
#define X_BYTES(id, name, bytes) [PREC_##id] = bytes,
const int precision_bytes[PREC_COUNT] = {PRECISIONS(X_BYTES)};
#undef X_BYTES

/* The enums are shared with the runtime by value: a reordered row would silently swap choices. */
_Static_assert((int)LOSS_LOG_LOSS == RT_LOSS_LOG && (int)LOSS_CROSS_ENTROPY == RT_LOSS_CROSS_ENTROPY &&
                   (int)LOSS_MSE == RT_LOSS_MSE && (int)LOSS_PERCEPTRON == RT_LOSS_PERCEPTRON,
               "registry.h LOSSES out of the order of enum rt_loss");
_Static_assert((int)OPT_SGD == RT_OPT_SGD && (int)OPT_MOMENTUM == RT_OPT_MOMENTUM && (int)OPT_ADAM == RT_OPT_ADAM,
               "registry.h OPTIMIZERS out of the order of enum rt_optimizer");
_Static_assert((int)INIT_NORMAL == RT_INIT_NORMAL && (int)INIT_XAVIER == RT_INIT_XAVIER &&
                   (int)INIT_HE == RT_INIT_HE && (int)INIT_ZEROS == RT_INIT_ZEROS && (int)INIT_AUTO == RT_INIT_AUTO,
               "registry.h INITS out of the order of enum rt_init");
_Static_assert((int)GEN_BLOBS == RT_GEN_BLOBS && (int)GEN_CIRCLES == RT_GEN_CIRCLES && (int)GEN_MOONS == RT_GEN_MOONS &&
                   (int)GEN_XOR == RT_GEN_XOR && (int)GEN_AND == RT_GEN_AND && (int)GEN_OR == RT_GEN_OR,
               "registry.h GENERATORS out of the order of enum rt_generator");
_Static_assert((int)NORM_NONE == RT_NORM_NONE && (int)NORM_MINMAX == RT_NORM_MINMAX &&
                   (int)NORM_STANDARD == RT_NORM_STANDARD,
               "registry.h NORMALIZATIONS out of the order of enum rt_norm_kind");

int registry_find(const char *const *names, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return -1;
}

const char *const layer_kind_names[] = {[LAYER_DENSE] = "units", [LAYER_CONV] = "conv", [LAYER_MAXPOOL] = "maxpool",
                                        [LAYER_AVGPOOL] = "avgpool", [LAYER_DROPOUT] = "dropout"};
