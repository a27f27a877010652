/* test_validate.c — validate.c: defaults, every key's checks, and where each error points. */
#include "nncc.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static Spec spec;

/* Parses and validates text as the network file `path`; 1 when there is no error. */
static int check_file(const char *path, const char *text)
{
    diag_init(path, text);
    Node *root = parse_yaml(text, strlen(text));
    int ok = root && validate(root, path, &spec);
    parse_free(root);
    return ok;
}

static int check(const char *text)
{
    return check_file("dir/net.yaml", text);
}

static char *flushed(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    diag_flush(f);
    fclose(f);
    return buf;
}

/* text must fail, and the first message must be `first` exactly (path dir/net.yaml). */
static void expect_error(const char *text, const char *first)
{
    ck_assert_msg(!check(text), "no error for:\n%s", text);
    char *out = flushed();
    size_t n = strcspn(out, "\n");
    ck_assert_msg(strlen(first) == n && strncmp(out, first, n) == 0, "for:\n%s\nexpected: %s\ngot:\n%s", text, first,
                  out);
    free(out);
    validate_free(&spec);
    diag_reset();
}

static void expect_ok(const char *text)
{
    int ok = check(text);
    if (!ok) {
        char *out = flushed();
        ck_abort_msg("unexpected errors for:\n%s\n%s", text, out);
    }
}

static void teardown(void)
{
    validate_free(&spec);
    diag_reset();
}

START_TEST(defaults)
{
    expect_ok("input: 2\nlayers: [16, 16, 1]\n");
    ck_assert_str_eq(spec.name, "net");
    ck_assert_int_eq(spec.inputs, 2);
    ck_assert_int_eq(spec.input_rank, 1);
    ck_assert_int_eq(spec.n_layers, 3);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(spec.layers[i].act, ACT_SIGMOID);
        ck_assert_int_eq(spec.layers[i].init, INIT_AUTO); /* PyTorch's nn.Linear default */
        ck_assert_int_eq(spec.layers[i].trainable, 1);
        ck_assert_ptr_null(spec.layers[i].weights);
    }
    ck_assert_int_eq(spec.loss, LOSS_LOG_LOSS);
    ck_assert_int_eq(spec.optimizer, OPT_SGD);
    ck_assert_double_eq(spec.learning_rate, 0.1);
    ck_assert_double_eq(spec.momentum, 0.9);
    ck_assert_double_eq(spec.beta2, 0.999);
    ck_assert_double_eq(spec.epsilon, 1e-8);
    ck_assert_double_eq(spec.weight_decay, 0);
    ck_assert_int_eq(spec.epochs, 100);
    ck_assert_int_eq(spec.batch_size, 0);
    ck_assert_int_eq(spec.shuffle, 1);
    ck_assert_int_eq(spec.seed, 0);
    ck_assert_int_eq(spec.precision, PREC_FLOAT32);
    ck_assert_int_eq(spec.log_every, 10);
    ck_assert_int_eq(spec.early_stopping, 0);
    ck_assert_int_eq(spec.normalize, NORM_NONE);
    ck_assert_int_eq(spec.normalize_targets, NORM_NONE);
    ck_assert_int_eq(spec.lr_schedule, RT_LR_CONSTANT);
    ck_assert_int_eq(spec.lr_warmup, 0);
    ck_assert_double_eq(spec.validation, 0);
    ck_assert_int_eq(spec.val.kind, RT_SRC_NONE);
    ck_assert_int_eq(spec.n_classes, 0);
    ck_assert_int_eq(spec.train.kind, RT_SRC_GENERATOR);
    ck_assert_int_eq(spec.train.generator, GEN_BLOBS);
    ck_assert_int_eq(spec.train.samples, 100);
    ck_assert_double_eq(spec.train.noise, 1.0);
    ck_assert_int_eq(spec.train.centers, 2);
    ck_assert_int_eq(spec.test.kind, RT_SRC_NONE);
    ck_assert_int_eq(spec.output_loc.line, 2);
    ck_assert_int_eq(spec.output_loc.col, 18);
}
END_TEST

START_TEST(default_names)
{
    static const struct {
        const char *path, *name;
    } cases[] = {{"moons.yaml", "moons"},     {"a/b/xor-net.yaml", "xor_net"}, {"2layer.yaml", "net_2layer"},
                 {"int.yaml", "net_int"},     {"_x.yaml", "net__x"},         {"rt.yaml", "net_rt"},
                 {"my.net.yaml", "my"}};
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        ck_assert(check_file(cases[i].path, "input: 1\nlayers: [1]\n"));
        ck_assert_str_eq(spec.name, cases[i].name);
    }
}
END_TEST

START_TEST(everything_given)
{
    expect_ok("name: digits\n"
              "input: [8, 8]\n"
              "layers:\n"
              "  - 32\n"
              "  - {units: 10, activation: softmax, init: xavier}\n"
              "activation: relu\n"
              "init: he\n"
              "learning_rate: 0.01\n"
              "optimizer: {name: adam, beta1: 0.8, epsilon: 1e-7}\n"
              "weight_decay: 1e-4\n"
              "epochs: 5\n"
              "batch_size: 64\n"
              "shuffle: false\n"
              "seed: 18446744073709551\n"
              "precision: float64\n"
              "log_every: 1\n"
              "early_stopping: {patience: 3, min_delta: 0.001}\n"
              "data:\n"
              "  train: train.csv\n"
              "  test: {path: /abs/test.csv, label: first, header: false}\n"
              "  normalize: standard\n");
    ck_assert_str_eq(spec.name, "digits");
    ck_assert_int_eq(spec.inputs, 64);
    ck_assert_int_eq(spec.input_rank, 2);
    ck_assert_int_eq(spec.layers[0].act, ACT_RELU);
    ck_assert_int_eq(spec.layers[0].init, INIT_HE);
    ck_assert_int_eq(spec.layers[1].act, ACT_SOFTMAX);
    ck_assert_int_eq(spec.layers[1].init, INIT_XAVIER);
    ck_assert_int_eq(spec.loss, LOSS_CROSS_ENTROPY);
    ck_assert_int_eq(spec.optimizer, OPT_ADAM);
    ck_assert_double_eq(spec.beta1, 0.8);
    ck_assert_double_eq(spec.beta2, 0.999);
    ck_assert_double_eq(spec.epsilon, 1e-7);
    ck_assert_double_eq(spec.weight_decay, 1e-4);
    ck_assert_int_eq(spec.epochs, 5);
    ck_assert_int_eq(spec.batch_size, 64);
    ck_assert_int_eq(spec.shuffle, 0);
    ck_assert(spec.seed == 18446744073709551LL);
    ck_assert_int_eq(spec.precision, PREC_FLOAT64);
    ck_assert_int_eq(spec.early_stopping, 1);
    ck_assert_int_eq(spec.patience, 3);
    ck_assert_double_eq(spec.min_delta, 0.001);
    ck_assert_int_eq(spec.train.kind, RT_SRC_CSV);
    ck_assert_str_eq(spec.train.path, "dir/train.csv");
    ck_assert_int_eq(spec.train.label, RT_LABEL_LAST);
    ck_assert_int_eq(spec.train.header, RT_HEADER_AUTO);
    ck_assert_str_eq(spec.test.path, "/abs/test.csv");
    ck_assert_int_eq(spec.test.label, RT_LABEL_FIRST);
    ck_assert_int_eq(spec.test.header, 0);
    ck_assert_int_eq(spec.normalize, NORM_STANDARD);
}
END_TEST

START_TEST(default_losses)
{
    expect_ok("input: 2\nlayers: [4, {units: 3, activation: softmax}]\n");
    ck_assert_int_eq(spec.loss, LOSS_CROSS_ENTROPY);
    teardown();
    expect_ok("input: 2\nlayers: [4, 3]\nactivation: linear\n");
    ck_assert_int_eq(spec.loss, LOSS_MSE);
    teardown();
    expect_ok("input: 2\nlayers: [{units: 1, activation: step}]\nepochs: 3\n");
    ck_assert_int_eq(spec.loss, LOSS_PERCEPTRON);
    teardown();
    /* a default that does not fit is an error at the output layer, with a hint */
    expect_error("input: 2\nlayers: [4, 1]\nactivation: relu\n",
                 "dir/net.yaml:2:13: error: the default loss for this output layer is log_loss, but log_loss needs an "
                 "output layer of 1 sigmoid unit; the output layer has 1 relu unit");
}
END_TEST

START_TEST(given_weights)
{
    expect_ok("input: 2\nepochs: 0\nlayers:\n"
              "  - {units: 2, activation: step, weights: [[1, 1], [-1, -1]], bias: [-1.5, 0.5]}\n"
              "  - {units: 1, activation: step, weights: [1, 1], bias: -1.5}\n");
    ck_assert_ptr_nonnull(spec.layers[0].weights);
    ck_assert_double_eq(spec.layers[0].weights[2], -1);
    ck_assert_double_eq(spec.layers[0].bias[1], 0.5);
    ck_assert_double_eq(spec.layers[1].weights[1], 1);
    ck_assert_double_eq(spec.layers[1].bias[0], -1.5);
    ck_assert_int_eq(spec.layers[1].weights_loc.line, 5);
    teardown();
    expect_error("input: 3\nlayers:\n  - {units: 2, weights: [[1, 1], [1, 1]]}\n  - 1\n",
                 "dir/net.yaml:3:26: error: expected 3 numbers (one per input of layers.0), found 2");
    expect_error("input: 2\nlayers:\n  - {units: 2, weights: [[1, 1]]}\n  - 1\n",
                 "dir/net.yaml:3:25: error: expected weights as 2 rows (one per unit) of 2 numbers (one per input), "
                 "found 1 row");
    expect_error("input: 2\nlayers:\n  - {units: 2, bias: [1, 2, 3]}\n  - 1\n",
                 "dir/net.yaml:3:22: error: expected 2 numbers (one per unit), found 3");
}
END_TEST

START_TEST(type_errors)
{
    expect_error("input: abc\nlayers: [1]\n", "dir/net.yaml:1:8: error: expected an integer, found 'abc'");
    expect_error("input: \"2\"\nlayers: [1]\n",
                 "dir/net.yaml:1:8: error: expected an integer, found the string \"2\" (remove the quotes)");
    expect_error("input: 2.5\nlayers: [1]\n", "dir/net.yaml:1:8: error: expected an integer, found '2.5'");
    expect_error("input: 2\nlayers: [1]\nlearning_rate: fast\n",
                 "dir/net.yaml:3:16: error: expected a number, found 'fast'");
    expect_error("input: 2\nlayers: [1]\nlearning_rate: .inf\n",
                 "dir/net.yaml:3:16: error: expected a finite number, found '.inf'");
    expect_error("input: 2\nlayers: [1]\nlearning_rate: 1e999\n",
                 "dir/net.yaml:3:16: error: number '1e999' is out of range");
    expect_error("input: 2\nlayers: [1]\nshuffle: yes\n", "dir/net.yaml:3:10: error: expected true or false, found 'yes'");
    expect_error("input: 2\nlayers: 16\n",
                 "dir/net.yaml:2:9: error: expected a list of layers (e.g. [16, 1]), found '16'");
    expect_error("input: 2\nlayers: [1]\ndata: [a.csv]\n",
                 "dir/net.yaml:3:7: error: expected a mapping {train, test, validation, normalize, augment}, found a list");
    expect_error("input:\nlayers: [1]\n", "dir/net.yaml:1:7: error: expected an integer, found nothing");
    expect_error("- 1\n- 2\n", "dir/net.yaml:1:1: error: expected a mapping of keys (input, layers, ...) at the top "
                               "level, found a list");
}
END_TEST

START_TEST(ranges)
{
    expect_error("input: 0\nlayers: [1]\n", "dir/net.yaml:1:8: error: input must be between 1 and 1000000, found 0");
    expect_error("input: 2\nlayers: [16, -1]\n",
                 "dir/net.yaml:2:14: error: units must be between 1 and 1000000, found -1");
    expect_error("input: 2\nlayers: [1]\nepochs: 99999999999999999999\n",
                 "dir/net.yaml:3:9: error: epochs must be between 0 and 1000000000, found 99999999999999999999");
    expect_error("input: [1000, 1000, 1000]\nlayers: [1]\n",
                 "dir/net.yaml:1:8: error: input shape has more than 1000000 features; the limit is 1000000");
    expect_error("input: 100000\nlayers: [100000, 1]\n",
                 "dir/net.yaml:2:9: error: network has 10000200001 parameters; the limit is 1000000000");
    expect_error("input: 2\nlayers: [1]\nlearning_rate: 0\n",
                 "dir/net.yaml:3:16: error: learning_rate must be greater than 0, found 0");
    expect_error("input: 2\nlayers: [1]\nseed: -1\n", "dir/net.yaml:3:7: error: seed must be at least 0, found -1");
    expect_error("input: 2\nlayers: []\n", "dir/net.yaml:2:9: error: a network needs at least one layer");
    expect_error("input: 2\nlayers: [1]\noptimizer: {name: momentum, momentum: 1}\n",
                 "dir/net.yaml:3:39: error: momentum must be at least 0 and less than 1, found 1");
}
END_TEST

START_TEST(names_and_suggestions)
{
    expect_error("input: 2\nlayers: [1]\nactivaton: relu\n",
                 "dir/net.yaml:3:1: error: unknown key 'activaton' (did you mean 'activation'?)");
    expect_error("input: 2\nlayers: [1]\nactivation: sigmod\n",
                 "dir/net.yaml:3:13: error: unknown activation 'sigmod' (did you mean 'sigmoid'?)");
    expect_error("input: 2\nlayers: [1]\nloss: hinge\n",
                 "dir/net.yaml:3:7: error: unknown loss 'hinge' (expected one of: log_loss, cross_entropy, mse, "
                 "perceptron)");
    expect_error("name: a-b\ninput: 2\nlayers: [1]\n",
                 "dir/net.yaml:1:7: error: name 'a-b' is not a C identifier: use letters, digits and '_', starting "
                 "with a letter");
    expect_error("name: 'x; system(\"rm\")'\ninput: 2\nlayers: [1]\n",
                 "dir/net.yaml:1:7: error: name 'x; system(\"rm\")' is not a C identifier: use letters, digits and "
                 "'_', starting with a letter");
    expect_error("name: while\ninput: 2\nlayers: [1]\n", "dir/net.yaml:1:7: error: name 'while' is a C keyword");
    expect_error("name: _x\ninput: 2\nlayers: [1]\n",
                 "dir/net.yaml:1:7: error: name '_x' starts with '_': such names are reserved in C");
    expect_error("", "dir/net.yaml: error: missing required key 'input' (features per sample, e.g. 'input: 2')");
}
END_TEST

START_TEST(network_rules)
{
    expect_error("input: 2\nlayers: [{units: 3, activation: softmax}, 1]\n",
                 "dir/net.yaml:2:33: error: softmax is only allowed in the output layer; layers.0 is a hidden layer");
    expect_error("input: 2\nlayers: [3, {units: 1, activation: softmax}]\n",
                 "dir/net.yaml:2:36: error: softmax needs at least 2 output units, found 1");
    expect_error("input: 2\nlayers: [3, 2]\nloss: log_loss\n",
                 "dir/net.yaml:3:7: error: log_loss needs an output layer of 1 sigmoid unit; the output layer has 2 "
                 "sigmoid units");
    expect_error("input: 2\nlayers: [3, 1]\nloss: cross_entropy\n",
                 "dir/net.yaml:3:7: error: cross_entropy needs a softmax output layer; the output layer has 1 sigmoid "
                 "unit");
    expect_error("input: 2\nlayers: [{units: 3, activation: step}, 1]\n",
                 "dir/net.yaml:2:33: error: step has no gradient, so layers.0 cannot be trained through");
    /* ... but fine when nothing at or before it is trained, or nothing is trained at all */
    expect_ok("input: 2\nlayers: [{units: 1, activation: step, weights: [1, 1], trainable: false}, 1]\n");
    teardown();
    expect_ok("input: 2\nepochs: 0\nlayers: [{units: 3, activation: step}, 1]\n");
    teardown();
    /* early stopping needs no test set: it watches validation (held out by the runtime if need be) */
    expect_ok("input: 2\nlayers: [3, 1]\nearly_stopping: {patience: 2}\n");
    teardown();
    /* the perceptron rule is per sample unless told otherwise */
    expect_ok("input: 2\nlayers: [{units: 1, activation: step}]\n");
    ck_assert_int_eq(spec.batch_size, 1);
    teardown();
    expect_ok("input: 2\nlayers: [3, {units: 3, activation: softmax}]\nclasses: [a, b, c]\n"
              "lr_schedule: {name: cosine, min: 0.01, warmup: 3}\ndata: {validation: 0.25}\n");
    ck_assert_int_eq(spec.n_classes, 3);
    ck_assert_str_eq(spec.classes[2], "c");
    ck_assert_int_eq(spec.lr_schedule, RT_LR_COSINE);
    ck_assert_double_eq(spec.lr_min, 0.01);
    ck_assert_int_eq(spec.lr_warmup, 3);
    ck_assert_double_eq(spec.validation, 0.25);
    teardown();
    /* a test or validation CSV that does not say where its label is has the training file's layout */
    expect_ok("input: 4\nlayers: [3, {units: 3, activation: softmax}]\n"
              "data: {train: {path: a.csv, label: species, header: true}, test: b.csv, validation: {path: c.csv, label: 0}}\n");
    ck_assert_str_eq(spec.test.label_name, "species");
    ck_assert_int_eq(spec.test.header, 1);
    ck_assert_ptr_null(spec.val.label_name);
    ck_assert_int_eq(spec.val.label, 0);
    ck_assert_int_eq(spec.val.header, 1);
    teardown();
    expect_error("input: 2\nlayers: [1]\noptimizer: {name: adam, momentum: 0.9}\n",
                 "dir/net.yaml:3:25: error: 'momentum' does not apply to the adam optimizer (adam takes 'beta1', "
                 "'beta2' and 'epsilon')");
}
END_TEST

START_TEST(data_sources)
{
    expect_ok("input: 2\nlayers: [1]\nseed: 7\ndata:\n"
              "  train: {generator: moons, samples: 500, noise: 0.2}\n"
              "  test: {generator: moons}\n");
    ck_assert_int_eq(spec.train.kind, RT_SRC_GENERATOR);
    ck_assert_int_eq(spec.train.generator, GEN_MOONS);
    ck_assert_int_eq(spec.train.samples, 500);
    ck_assert_double_eq(spec.train.noise, 0.2);
    ck_assert_int_eq(spec.train.seed, 7);
    ck_assert_int_eq(spec.test.seed, 7); /* same distribution ... */
    ck_assert_int_eq(spec.test.split, 1); /* ... other samples: not the training set again */
    ck_assert_double_eq(spec.test.noise, 0.1);
    teardown();
    expect_ok("input: [28, 28]\nlayers: [{units: 10, activation: softmax}]\ndata:\n"
              "  train: {images: train-images-idx3-ubyte.gz, labels: train-labels-idx1-ubyte.gz}\n"
              "  test: {path: d.h5, x: /x, y: /y}\n");
    ck_assert_int_eq(spec.train.kind, RT_SRC_IDX);
    ck_assert_str_eq(spec.train.path, "dir/train-images-idx3-ubyte.gz");
    ck_assert_str_eq(spec.train.y, "dir/train-labels-idx1-ubyte.gz");
    ck_assert_int_eq(spec.test.kind, RT_SRC_HDF5);
    ck_assert_str_eq(spec.test.x, "/x");
    teardown();
    expect_ok("input: 3\nlayers: [{units: 4, activation: softmax}]\ndata: {train: {x: a.npy, y: b.npy}}\n");
    ck_assert_int_eq(spec.train.kind, RT_SRC_NPY);
    ck_assert_str_eq(spec.train.y, "dir/b.npy");
    teardown();
    expect_ok("input: 3\nlayers: [{units: 4, activation: softmax}]\n");
    ck_assert_int_eq(spec.train.centers, 4); /* the default generator fits the output */
    teardown();
    expect_error("input: 3\nlayers: [1]\ndata: {train: {generator: circles}}\n",
                 "dir/net.yaml:3:27: error: the circles generator makes 2-D points, but the network has 3 inputs; set "
                 "'input: 2'");
    expect_error("input: 2\nlayers: [1]\ndata: {train: x.npy}\n",
                 "dir/net.yaml:3:15: error: a .npy file holds features or labels, not both: write {x: FEATURES.npy, y: "
                 "LABELS.npy}");
    expect_error("input: 2\nlayers: [1]\ndata: {train: {path: a.csv, lable: first}}\n",
                 "dir/net.yaml:3:29: error: unknown key 'lable' in data.train (did you mean 'label'?)");
    expect_error("input: 2\nlayers: [1]\ndata: {train: {generator: moons, factor: 0.5}}\n",
                 "dir/net.yaml:3:34: error: 'factor' applies to the circles generator only");
    expect_error("input: 2\nlayers: [1]\ndata: {train: {generator: blobs, centers: 3}}\n",
                 "dir/net.yaml:3:43: error: log_loss separates 2 classes, but the generator makes 3");
}
END_TEST

Suite *validate_suite(void)
{
    Suite *s = suite_create("validate");
    TCase *t = tcase_create("validate");
    tcase_add_checked_fixture(t, NULL, teardown);
    tcase_add_test(t, defaults);
    tcase_add_test(t, default_names);
    tcase_add_test(t, everything_given);
    tcase_add_test(t, default_losses);
    tcase_add_test(t, given_weights);
    tcase_add_test(t, type_errors);
    tcase_add_test(t, ranges);
    tcase_add_test(t, names_and_suggestions);
    tcase_add_test(t, network_rules);
    tcase_add_test(t, data_sources);
    suite_add_tcase(s, t);
    return s;
}
