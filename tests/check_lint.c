/* SPDX-License-Identifier: MIT */
/* check_lint.c: mp_lint() (file and built-in, the on-prem claim rule) and the DAG printers. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mnistpipe/host.h>

static struct mp_error *err;
static struct mp_diags *diags;

static void setup(void)
{
    err = mp_error_new();
    diags = mp_diags_new();
}

static void teardown(void)
{
    mp_diags_free(diags);
    mp_error_free(err);
}

static const char *example(void)
{
    static char buf[4096];
    const char *top = getenv("MP_TOP_SRCDIR");
    snprintf(buf, sizeof(buf), "%s/examples/mnist/pipeline.yaml", top ? top : "..");
    return buf;
}

START_TEST(test_lint_example)
{
    const char *onprem[] = {"onprem"};
    ck_assert_int_eq(mp_lint(example(), NULL, 0, true, NULL, diags, err), MP_OK);
    ck_assert_uint_eq(mp_diags_count(diags), 0);
    ck_assert_int_eq(mp_lint(example(), onprem, 1, true, "data", diags, err), MP_OK);
    ck_assert_int_eq(mp_lint(example(), onprem, 1, false, NULL, diags, err), MP_OK);
    ck_assert_int_eq(mp_lint(example(), onprem, 1, true, "", diags, err), MP_ERR_VALIDATE);
    ck_assert_uint_eq(mp_diags_error_count(diags), 1);
    ck_assert_uint_eq(mp_diag_line(diags, 0), 21); /* pvc_name's default: "" */
    ck_assert_ptr_nonnull(strstr(mp_diag_expected(diags, 0), "--pvc NAME"));
}
END_TEST

START_TEST(test_lint_builtin)
{
    const char *onprem[] = {"onprem"};
    ck_assert_int_eq(mp_lint(NULL, NULL, 0, true, NULL, diags, err), MP_OK);
    ck_assert_str_eq(mp_diags_file(diags), "builtin:mnist");
    ck_assert_int_eq(mp_lint(NULL, onprem, 1, true, NULL, diags, err), MP_ERR_VALIDATE);
    ck_assert_int_eq(mp_lint(NULL, NULL, 0, true, NULL, NULL, err), MP_ERR_INVAL);
}
END_TEST

START_TEST(test_graph)
{
    struct mp_pipeline *p;
    struct mp_op *op;
    struct mp_buf *b = mp_buf_new();
    ck_assert_int_eq(mp_pipeline_new("Dia \"mond\"", &p, err), MP_OK);
    const char *names[] = {"a", "b", "c", "d"};
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(mp_pipeline_add_op(p, names[i], "img", &op, err), MP_OK);
    mp_op_add_dependency(mp_pipeline_find_op(p, "b"), "a", err);
    mp_op_add_dependency(mp_pipeline_find_op(p, "c"), "a", err);
    mp_op_add_dependency(mp_pipeline_find_op(p, "d"), "b", err);
    mp_op_add_dependency(mp_pipeline_find_op(p, "d"), "c", err);
    ck_assert_int_eq(mp_graph_dot(p, b, err), MP_OK);
    ck_assert_ptr_nonnull(strstr(mp_buf_data(b), "digraph \"Dia \\\"mond\\\"\" {"));
    ck_assert_ptr_nonnull(strstr(mp_buf_data(b), "  \"a\" [label=\"a\\nimg\"];\n"));
    ck_assert_ptr_nonnull(strstr(mp_buf_data(b), "  \"c\" -> \"d\";\n"));
    mp_buf_reset(b);
    ck_assert_int_eq(mp_graph_text(p, b, err), MP_OK);
    ck_assert_str_eq(mp_buf_data(b), "Dia \"mond\"\n|-- a\n|-- b (after a)\n|-- c (after a)\n"
                                     "`-- d (after b, c)\n");
    ck_assert_int_eq(mp_graph_dot(NULL, b, err), MP_ERR_INVAL);
    mp_buf_free(b);
    mp_pipeline_free(p);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("lint");
    TCase *tc = tcase_create("lint");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_lint_example);
    tcase_add_test(tc, test_lint_builtin);
    tcase_add_test(tc, test_graph);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
