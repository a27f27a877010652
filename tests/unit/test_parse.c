/* test_parse.c — parse.c and diag.c: the Node tree, its line:col, and the errors of bad YAML. */
#include "nncc.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Parses text as "net.yaml"; the caller frees with parse_free. */
static Node *parse(const char *text)
{
    diag_init("net.yaml", text);
    return parse_yaml(text, strlen(text));
}

/* Everything diag would print, as one malloc'd string. */
static char *flushed(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    diag_flush(f);
    fclose(f);
    return buf;
}

static const Node *get(const Node *map, const char *key)
{
    for (int i = 0; i + 1 < map->n; i += 2)
        if (strcmp(map->items[i]->str, key) == 0)
            return map->items[i + 1];
    return NULL;
}

/* The first line of the flushed messages must be `first`. */
static void expect_first_line(const char *text, const char *first)
{
    Node *root = parse(text);
    ck_assert_ptr_null(root);
    ck_assert_int_gt(diag_count(), 0);
    char *out = flushed();
    ck_assert_msg(strncmp(out, first, strlen(first)) == 0 && out[strlen(first)] == '\n', "got:\n%s", out);
    free(out);
    diag_reset();
}

START_TEST(tree_and_locations)
{
    Node *root = parse("input: 2\nlayers: [16, {units: 1, activation: sigmoid}]\nname: \"x\"\n");
    ck_assert_ptr_nonnull(root);
    ck_assert_int_eq(diag_count(), 0);
    ck_assert_int_eq(root->kind, NODE_MAP);
    ck_assert_int_eq(root->n, 6);
    const Node *layers = get(root, "layers");
    ck_assert_int_eq(layers->kind, NODE_SEQ);
    ck_assert_int_eq(layers->n, 2);
    ck_assert_int_eq(layers->loc.line, 2);
    ck_assert_int_eq(layers->loc.col, 9);
    const Node *l1 = layers->items[1];
    ck_assert_int_eq(l1->kind, NODE_MAP);
    ck_assert_str_eq(get(l1, "activation")->str, "sigmoid");
    ck_assert_int_eq(get(l1, "activation")->loc.col, 37);
    ck_assert_int_eq(get(root, "input")->plain, 1);
    ck_assert_int_eq(get(root, "name")->plain, 0);
    ck_assert_int_eq(get(root, "name")->loc.line, 3);
    parse_free(root);
}
END_TEST

START_TEST(empty_documents_are_empty_maps)
{
    const char *texts[] = {"", "# only a comment\n", "---\n", "\n\n"};
    for (size_t i = 0; i < ARRAY_LEN(texts); i++) {
        Node *root = parse(texts[i]);
        ck_assert_ptr_nonnull(root);
        ck_assert_int_eq(root->kind, NODE_MAP);
        ck_assert_int_eq(root->n, 0);
        parse_free(root);
    }
}
END_TEST

START_TEST(duplicate_key_with_note)
{
    Node *root = parse("input: 2\nlayers: [1]\ninput: 3\n");
    ck_assert_ptr_null(root);
    ck_assert_int_eq(diag_count(), 1);
    char *out = flushed();
    ck_assert_str_eq(out, "net.yaml:3:1: error: duplicate key 'input'\n"
                          "    3 | input: 3\n"
                          "      | ^~~~~\n"
                          "net.yaml:1:1: note: 'input' was first given here\n"
                          "    1 | input: 2\n"
                          "      | ^~~~~\n");
    free(out);
}
END_TEST

START_TEST(syntax_errors_are_located)
{
    expect_first_line("input: 2\nlayers: [16, 1\nloss: mse\n",
                      "net.yaml:3:5: error: invalid YAML: did not find expected ',' or ']'");
    expect_first_line("input: 2\nlayers:\n\t- 3\n",
                      "net.yaml:3:1: error: tab character in indentation: YAML indents with spaces only");
    expect_first_line("input: 2\n  layers: 3\n", "net.yaml:2:9: error: invalid YAML: mapping values are not allowed "
                                                 "in this context (check the indentation of this line)");
    expect_first_line("a: &x 2\n", "net.yaml:1:4: error: YAML anchors are not supported (found '&x')");
    expect_first_line("a: 1\nb: *x\n", "net.yaml:2:4: error: YAML aliases are not supported (found '*x')");
    expect_first_line("a: !!int 3\n", "net.yaml:1:4: error: YAML tags are not supported (found '!!int')");
    expect_first_line("a: 1\n---\nb: 2\n",
                      "net.yaml:2:1: error: a network file holds one YAML document; found a second one here");
    expect_first_line("[1, 2]: 3\n", "net.yaml:1:1: error: a mapping key must be a plain name, not a list");
}
END_TEST

START_TEST(deep_nesting_is_refused)
{
    char text[400];
    memset(text, '[', 200);
    memset(text + 200, ']', 200);
    text[399] = '\0';
    text[199] = '1'; /* the innermost bracket pair becomes a scalar: still far too deep */
    Node *root = parse(text);
    ck_assert_ptr_null(root);
    ck_assert_int_gt(diag_count(), 0);
    diag_reset();
}
END_TEST

START_TEST(diag_sorts_by_position_and_underlines)
{
    const char *text = "a: 1\nactivation: sigmod\n";
    diag_init("net.yaml", text);
    diag_error((Loc){2, 13}, "second");
    diag_error((Loc){0, 0}, "whole file");
    diag_error((Loc){1, 4}, "first");
    diag_note((Loc){1, 4}, "a hint at the same place");
    ck_assert_int_eq(diag_count(), 3);
    char *out = flushed();
    ck_assert_str_eq(out, "net.yaml: error: whole file\n"
                          "net.yaml:1:4: error: first\n"
                          "    1 | a: 1\n"
                          "      |    ^\n"
                          "net.yaml:1:4: note: a hint at the same place\n"
                          "net.yaml:2:13: error: second\n"
                          "    2 | activation: sigmod\n"
                          "      |             ^~~~~~\n");
    free(out);
    diag_reset();
    ck_assert_int_eq(diag_count(), 0);
}
END_TEST

START_TEST(suggestions)
{
    const char *const names[] = {"sigmoid", "softmax", "step", "tanh", "relu"};
    ck_assert_str_eq(diag_suggest("sigmod", names, 5), "sigmoid");
    ck_assert_str_eq(diag_suggest("Sigmoid", names, 5), "sigmoid");
    ck_assert_str_eq(diag_suggest("rleu", names, 5), "relu");
    ck_assert_ptr_null(diag_suggest("banana", names, 5));
    ck_assert_ptr_null(diag_suggest("x", names, 5));
    const char *const keys[] = {"activation", "learning_rate", "layers"};
    ck_assert_str_eq(diag_suggest("activaton", keys, 3), "activation");
    ck_assert_str_eq(diag_suggest("learning_rat", keys, 3), "learning_rate");
}
END_TEST

START_TEST(registry_tables)
{
    for (int i = 0; i < ACT_COUNT; i++)
        ck_assert_int_eq(registry_find(activation_names, ACT_COUNT, activation_names[i]), i);
    ck_assert_int_eq(registry_find(loss_names, LOSS_COUNT, "mse"), LOSS_MSE);
    ck_assert_int_eq(registry_find(loss_names, LOSS_COUNT, "MSE"), -1);
    ck_assert_int_eq(activation_differentiable[ACT_STEP], 0);
    ck_assert_int_eq(activation_output_only[ACT_SOFTMAX], 1);
    ck_assert_int_eq(precision_bytes[PREC_FLOAT64], 8);
    ck_assert_str_eq(generator_names[GEN_MOONS], "moons");
}
END_TEST

START_TEST(atomic_files)
{
    char dir[] = "/tmp/nncc_atomic_XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char *a = xasprintf("%s/a.c", dir), *b = xasprintf("%s/b.h", dir);
    FILE *f = atomic_open(a);
    ck_assert_ptr_nonnull(f);
    fputs("int x;\n", f);
    ck_assert_ptr_nonnull(atomic_open(b));
    atomic_abort();
    ck_assert_ptr_null(fopen(a, "r")); /* nothing left: not the target, not the temp */
    char *cmd = xasprintf("test -z \"$(ls -A %s)\"", dir);
    ck_assert_int_eq(system(cmd), 0);
    f = atomic_open(a);
    fputs("int x;\n", f);
    ck_assert_int_eq(atomic_commit(), 0);
    size_t len;
    char *text = read_file(a, &len);
    ck_assert_str_eq(text, "int x;\n");
    ck_assert_int_eq(len, 7);
    free(text);
    ck_assert_ptr_null(read_file(b, &len));
    unlink(a);
    rmdir(dir);
    free(a);
    free(b);
    free(cmd);
}
END_TEST

Suite *parse_suite(void)
{
    Suite *s = suite_create("parse");
    TCase *t = tcase_create("parse");
    tcase_add_test(t, tree_and_locations);
    tcase_add_test(t, empty_documents_are_empty_maps);
    tcase_add_test(t, duplicate_key_with_note);
    tcase_add_test(t, syntax_errors_are_located);
    tcase_add_test(t, deep_nesting_is_refused);
    tcase_add_test(t, diag_sorts_by_position_and_underlines);
    tcase_add_test(t, suggestions);
    tcase_add_test(t, registry_tables);
    tcase_add_test(t, atomic_files);
    suite_add_tcase(s, t);
    return s;
}
