/* SPDX-License-Identifier: MIT */
/* check_write.c: YAML quoting and layout, JSON escaping, documents. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "write.h"

START_TEST(test_needs_quotes)
{
    static const char *const quoted[] = {"", "true", "False", "yes", "NO", "on", "Off", "y", "N",
                                         "null", "~", "5000", "-1", "0.01", "1e5", "1_000",
                                         "0x1f", "017", "1:20", ".inf", ".NaN", "2024-01-02",
                                         "<<", "=", "+5", ".5", "-.5e+3", "1.5E-3", "0b101", "1:20:30.5", "190:20:30",
                                         "2001-12-14t21:59:43.10-05:00", "-0x1F", "+.INF", NULL};
    static const char *const plain[] = {"gs://your-bucket/export", "mnist-service", "abc",
                                        "LoadBalancer", "v1.2", "1.2.3", "--flag", "web-ui",
                                        "{{inputs.parameters.x}}", "yesno", "x5", "1.2.3", "1e", "0b",
                                        "0x", "1:60", "1-2-3", "192.168.0.1", "3x", NULL};
    for (const char *const *s = quoted; *s; s++)
        ck_assert_msg(mpi_yaml_needs_quotes(*s), "'%s' should need quotes", *s);
    for (const char *const *s = plain; *s; s++)
        ck_assert_msg(!mpi_yaml_needs_quotes(*s), "'%s' should not need quotes", *s);
}
END_TEST

START_TEST(test_yaml_layout)
{
    struct mp_doc *doc = mp_doc_new();
    struct mp_node *root = mp_doc_map(doc);
    mp_node_put_str(root, "name", "x");
    struct mp_node *args = mp_node_put_seq(root, "args");
    mp_node_push(args, mp_doc_str(doc, "--port"));
    mp_node_push(args, mp_doc_str(doc, "5000"));
    mp_node_push(args, mp_doc_str(doc, "a: b"));
    struct mp_node *list = mp_node_put_seq(root, "items");
    mp_node_put_str(mp_node_push(list, mp_doc_map(doc)), "k", "true");
    mp_node_put(root, "n", mp_doc_int(doc, -3));
    mp_node_put(root, "b", mp_doc_bool(doc, true));
    mp_node_put_map(root, "empty");
    struct mp_buf b;
    mpi_buf_init(&b);
    ck_assert_int_eq(mp_write_yaml(root, &b, NULL), MP_OK);
    ck_assert_str_eq(mp_buf_data(&b), "name: x\n"
                                      "args: [--port, '5000', 'a: b']\n"
                                      "items:\n"
                                      "- {k: 'true'}\n"
                                      "'n': -3\n"
                                      "b: true\n"
                                      "empty: {}\n");
    mp_buf_reset(&b);
    ck_assert_int_eq(mp_write_json(root, 0, &b, NULL), MP_OK);
    ck_assert_str_eq(mp_buf_data(&b), "{\"name\":\"x\",\"args\":[\"--port\",\"5000\",\"a: b\"],"
                                      "\"items\":[{\"k\":\"true\"}],\"n\":-3,\"b\":true,"
                                      "\"empty\":{}}");
    mpi_buf_release(&b);
    mp_doc_free(doc);
}
END_TEST

START_TEST(test_json_quote)
{
    struct mp_buf b;
    mpi_buf_init(&b);
    mp_json_quote(&b, "a\"b\\c\n\x01\xc3\xa9\xf0\x9f\x98\x80\xff");
    /* Python's json.dumps(ensure_ascii=True) spelling; a stray byte becomes U+FFFD. */
    ck_assert_str_eq(mp_buf_data(&b), "\"a\\\"b\\\\c\\n\\u0001\\u00e9\\ud83d\\ude00\\ufffd\"");
    mpi_buf_release(&b);
}
END_TEST

START_TEST(test_incomplete_doc)
{
    struct mp_doc *doc = mp_doc_new();
    struct mp_node *root = mp_doc_map(doc);
    ck_assert_ptr_null(mp_node_put(root, "x", NULL));
    struct mp_buf b;
    mpi_buf_init(&b);
    struct mp_error *err = mp_error_new();
    ck_assert_int_eq(mp_write_yaml(root, &b, err), MP_ERR_INVAL);
    ck_assert_ptr_nonnull(strstr(mp_error_message(err), "incomplete"));
    mp_error_free(err);
    mpi_buf_release(&b);
    mp_doc_free(doc);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("write");
    TCase *tc = tcase_create("write");
    tcase_add_test(tc, test_needs_quotes);
    tcase_add_test(tc, test_yaml_layout);
    tcase_add_test(tc, test_json_quote);
    tcase_add_test(tc, test_incomplete_doc);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
