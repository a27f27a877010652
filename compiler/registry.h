/* registry.h — every named choice of the network file, listed once.
 *
 * Adding an activation, loss, optimiser, initialiser, generator or normalisation is one row
 * here plus its code in the emitter or runtime; parse, validate, --check and the tests all loop
 * over these tables. X(ENUM_SUFFIX, "yaml name", ...) */
#ifndef NNCC_REGISTRY_H
#define NNCC_REGISTRY_H

/* X(id, name, differentiable, output_only, vectorises, forward, derivative, doc)
 *   forward     A = g(Z) for one element, a C expression in z (softmax works on whole rows: its
 *               row code is the one special case, in both emitters)
 *   derivative  g'(Z) written in terms of A = g(Z), a C expression in a
 *   vectorises  2: always; 1: in float32 only (exp_r is nncc's own there, libm's in float64);
 *               0: never (a libm call: clang rejects an omp simd it cannot honour)
 *   doc         g' as the generated banners print it
 * The expressions are C in the generated programs' vocabulary: R(x) a literal of their real type,
 * exp_r / tanh_r their exp and tanh, NNCC_LEAKY_SLOPE. Both emitters paste them (stringified by
 * registry.c) and infer.c compiles them for its simulation of the kernel: one row per activation. */
#define ACTIVATIONS(X)                                                                                        \
    X(STEP, "step", 0, 0, 2, z >= 0 ? R(1) : R(0), R(0), "0")                                                \
    X(SIGMOID, "sigmoid", 1, 0, 1, R(1) / (R(1) + exp_r(-z)), a * (R(1) - a), "A(1 - A)")                    \
    X(TANH, "tanh", 1, 0, 0, tanh_r(z), R(1) - a * a, "1 - A^2")                                             \
    X(RELU, "relu", 1, 0, 2, z > 0 ? z : R(0), a > 0 ? R(1) : R(0), "[A > 0]")                               \
    X(LEAKY_RELU, "leaky_relu", 1, 0, 2, z > 0 ? z : NNCC_LEAKY_SLOPE * z, a > 0 ? R(1) : NNCC_LEAKY_SLOPE,  \
      "[A > 0] + slope [A <= 0]")                                                                             \
    X(LINEAR, "linear", 1, 0, 2, z, R(1), "1")                                                                \
    X(SOFTMAX, "softmax", 1, 1, 0, z, R(1), "softmax Jacobian")

/* leaky_relu's slope, written once: the generated programs get this definition (registry.c's
 * leaky_slope_definition) where they use it. */
#define NNCC_LEAKY_SLOPE R(0.01)

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
#define INITS(X)          \
    X(NORMAL, "normal")   \
    X(XAVIER, "xavier")   \
    X(HE, "he")           \
    X(ZEROS, "zeros")     \
    X(AUTO, "auto")

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
