/* test_template.c — template.c: the {{NAME}} expander and the templates built into nncc. */
#include "nncc.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

START_TEST(expands_every_placeholder)
{
    TemplateArg args[] = {{"N", "16"}, {"NAME", "net"}};
    char *err = NULL;
    char *s = template_expand("for (int i = 0; i < {{N}}; i++) {{NAME}}_w[i] = {{N}};", args, 2, &err);
    ck_assert_ptr_nonnull(s);
    ck_assert_str_eq(s, "for (int i = 0; i < 16; i++) net_w[i] = 16;");
    free(s);
}
END_TEST

START_TEST(keeps_braces_that_are_not_placeholders)
{
    TemplateArg args[] = {{"X", "1"}};
    char *err = NULL;
    char *s = template_expand("{ {{X}} } {{x}} {{ X }} {{", args, 1, &err);
    ck_assert_ptr_nonnull(s);
    ck_assert_str_eq(s, "{ 1 } {{x}} {{ X }} {{");
    free(s);
}
END_TEST

START_TEST(unknown_placeholder_fails)
{
    TemplateArg args[] = {{"A", "1"}};
    char *err = NULL;
    char *s = template_expand("{{A}} {{B}}", args, 1, &err);
    ck_assert_ptr_null(s);
    ck_assert_ptr_nonnull(err);
    ck_assert_str_eq(err, "unknown placeholder {{B}}");
    free(err);
}
END_TEST

START_TEST(unused_argument_fails)
{
    TemplateArg args[] = {{"A", "1"}, {"UNUSED", "2"}};
    char *err = NULL;
    char *s = template_expand("{{A}}", args, 2, &err);
    ck_assert_ptr_null(s);
    ck_assert_str_eq(err, "argument UNUSED is used by no placeholder");
    free(err);
}
END_TEST

START_TEST(templates_are_embedded)
{
    static const char *const names[] = {"train_header.c", "block_kernels.c", "loss_log_loss.c",
                                        "loss_cross_entropy.c", "loss_mse.c", "loss_perceptron.c"};
    for (size_t i = 0; i < ARRAY_LEN(names); i++) {
        const char *t = template_get(names[i]);
        ck_assert_msg(t != NULL, "template %s is not built in", names[i]);
        ck_assert_msg(strstr(t, "{{") != NULL, "template %s has no placeholder", names[i]);
    }
    ck_assert_ptr_null(template_get("no_such_template.c"));
}
END_TEST

Suite *template_suite(void)
{
    Suite *s = suite_create("template");
    TCase *tc = tcase_create("expand");
    tcase_add_test(tc, expands_every_placeholder);
    tcase_add_test(tc, keeps_braces_that_are_not_placeholders);
    tcase_add_test(tc, unknown_placeholder_fails);
    tcase_add_test(tc, unused_argument_fails);
    tcase_add_test(tc, templates_are_embedded);
    suite_add_tcase(s, tc);
    return s;
}
