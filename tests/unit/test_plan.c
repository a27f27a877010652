/* test_plan.c — ir.c and plan.c: resolved shapes, tensor offsets, chunk and bytes, --check's text. */
#include "nncc.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static Spec spec;
static Net net;

static void build(const char *text)
{
    diag_reset();
    diag_init("net.yaml", text);
    Node *root = parse_yaml(text, strlen(text));
    int ok = root && validate(root, "net.yaml", &spec);
    parse_free(root);
    ck_assert_msg(ok, "network does not validate:\n%s", text);
    ir_build(&spec, &net);
    plan_build(&net);
}

static void teardown(void)
{
    validate_free(&spec);
    diag_reset();
}

START_TEST(deep_circles_shapes_and_offsets)
{
    build("input: 2\nlayers: [16, 16, 16, 1]\n");
    ck_assert_int_eq(net.n_layers, 4);
    ck_assert_int_eq(net.inputs, 2);
    ck_assert_int_eq(net.outputs, 1);
    ck_assert_int_eq(net.task, RT_TASK_BINARY);
    ck_assert_int_eq(net.layers[0].fan_in, 2);
    ck_assert_int_eq(net.layers[1].fan_in, 16);
    ck_assert_int_eq(net.layers[3].fan_in, 16);
    /* W1 (16,2) b1 (16) W2 (16,16) b2 ...: offsets in reals */
    ck_assert_uint_eq(net.layers[0].w_off, 0);
    ck_assert_uint_eq(net.layers[0].b_off, 32);
    ck_assert_uint_eq(net.layers[1].w_off, 48);
    ck_assert_uint_eq(net.layers[3].b_off, 48 + 272 + 272 + 16);
    ck_assert_uint_eq(net.n_params, 609);
    ck_assert_int_eq(net.real_size, 4);
    ck_assert_uint_eq(net.param_bytes, 609 * 4);
    ck_assert_uint_eq(net.state_bytes, 0);
    ck_assert_int_eq(net.chunk, 100); /* a full batch of the generator's 100 points: one chunk */
}
END_TEST

START_TEST(batch_size_sets_the_chunk_and_adam_doubles_state)
{
    build("input: [28, 28]\nlayers: [{units: 10, activation: softmax}]\nbatch_size: 64\n"
          "optimizer: adam\nprecision: float64\n");
    ck_assert_int_eq(net.inputs, 784);
    ck_assert_int_eq(net.task, RT_TASK_MULTICLASS);
    ck_assert_int_eq(net.chunk, 64);
    ck_assert_int_eq(net.real_size, 8);
    ck_assert_uint_eq(net.n_params, 7850);
    ck_assert_uint_eq(net.state_bytes, 2 * 7850 * 8);
}
END_TEST

START_TEST(mse_is_regression)
{
    build("input: 3\nlayers: [{units: 2, activation: linear}]\nloss: mse\n");
    ck_assert_int_eq(net.task, RT_TASK_REGRESSION);
    ck_assert_int_eq(net.outputs, 2);
}
END_TEST

START_TEST(check_prints_the_plan)
{
    build("input: 2\nlayers: [16, 16, 16, 1]\n");
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    plan_print(&net, f);
    fclose(f);
    ck_assert_ptr_nonnull(strstr(buf, "parameters: 609\n"));
    ck_assert_ptr_nonnull(strstr(buf, "W1 (16, 2)"));
    ck_assert_ptr_nonnull(strstr(buf, "loss log_loss, optimizer sgd"));
    ck_assert_ptr_nonnull(strstr(buf, "memory plan"));
    free(buf);
}
END_TEST

Suite *plan_suite(void)
{
    Suite *s = suite_create("plan");
    TCase *tc = tcase_create("ir and plan");
    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_add_test(tc, deep_circles_shapes_and_offsets);
    tcase_add_test(tc, batch_size_sets_the_chunk_and_adam_doubles_state);
    tcase_add_test(tc, mse_is_regression);
    tcase_add_test(tc, check_prints_the_plan);
    suite_add_tcase(s, tc);
    return s;
}
