/* registry.h — every named choice of the network file, listed once.
 *
 * Adding an activation, loss, optimiser, initialiser, generator or normalisation is one row
 * here plus its code in the emitter or runtime; parse, validate, --check and the tests all loop
 * over these tables. X(ENUM_SUFFIX, "yaml name", ...) */
#ifndef NNCC_REGISTRY_H
#define NNCC_REGISTRY_H

/* X(id, name, differentiable, output_only) */
#define ACTIVATIONS(X)                 \
    X(STEP, "step", 0, 0)              \
    X(SIGMOID, "sigmoid", 1, 0)        \
    X(TANH, "tanh", 1, 0)              \
    X(RELU, "relu", 1, 0)              \
    X(LEAKY_RELU, "leaky_relu", 1, 0)  \
    X(LINEAR, "linear", 1, 0)          \
    X(SOFTMAX, "softmax", 1, 1)

/* X(id, name) — must stay in the order of enum rt_loss in runtime/nncc_rt.h */
#define LOSSES(X)                    \
    X(LOG_LOSS, "log_loss")          \
    X(CROSS_ENTROPY, "cross_entropy") \
    X(MSE, "mse")                    \
    X(PERCEPTRON, "perceptron")

/* X(id, name) — order of enum rt_optimizer */
#define OPTIMIZERS(X)          \
    X(SGD, "sgd")              \
    X(MOMENTUM, "momentum")    \
    X(ADAM, "adam")

/* X(id, name) — order of enum rt_init */
#define INITS(X)           \
    X(NORMAL, "normal")    \
    X(XAVIER, "xavier")    \
    X(HE, "he")            \
    X(ZEROS, "zeros")

/* X(id, name) — order of enum rt_generator */
#define GENERATORS(X)        \
    X(BLOBS, "blobs")        \
    X(CIRCLES, "circles")    \
    X(MOONS, "moons")        \
    X(XOR, "xor")            \
    X(AND, "and")            \
    X(OR, "or")

/* X(id, name) — order of enum rt_norm_kind */
#define NORMALIZATIONS(X)      \
    X(NONE, "none")            \
    X(MINMAX, "minmax")        \
    X(STANDARD, "standard")

/* X(id, name, bytes) */
#define PRECISIONS(X)          \
    X(FLOAT32, "float32", 4)   \
    X(FLOAT64, "float64", 8)

#endif
