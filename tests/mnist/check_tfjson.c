/* SPDX-License-Identifier: MIT */
/* Unit tests of mnist-serve's JSON reader: numbers, TF's tokens, rapidjson's errors, floats. */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tfjson.h"

static struct tj_doc doc;

static const struct tj_value *parse_ok(const char *s)
{
    const char *e = NULL;
    size_t off = 0;
    tj_doc_free(&doc);
    ck_assert_msg(tj_parse(s, strlen(s), &doc, &e, &off), "parse '%s': %s at %zu", s,
                  e ? e : "", off);
    return &doc.root;
}

static void parse_err(const char *s, const char *msg, size_t want_off)
{
    const char *e = NULL;
    size_t off = 0;
    tj_doc_free(&doc);
    ck_assert_msg(!tj_parse(s, strlen(s), &doc, &e, &off), "'%s' parsed", s);
    ck_assert_str_eq(e, msg);
    ck_assert_uint_eq(off, want_off);
}

static void teardown(void)
{
    tj_doc_free(&doc);
    tj_thread_cleanup();
}

START_TEST(numbers_round_like_strtof)
{
    unsigned long long seed = 42;
    for (int i = 0; i < 300000; i++) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        double r = (double)(seed >> 11) / 9007199254740992.0;
        char s[64];
        switch (i % 5) {
        case 0: snprintf(s, sizeof s, "%.17g", r); break;
        case 1: snprintf(s, sizeof s, "%.9g", (double)(float)(r * 1000)); break;
        case 2: snprintf(s, sizeof s, "%.16g", r / 255.0); break;
        case 3: snprintf(s, sizeof s, "-%.6e", r * 1e-30); break;
        default: snprintf(s, sizeof s, "%.25f", r); break; /* > 19 digits: libc path */
        }
        const struct tj_value *v = parse_ok(s);
        ck_assert_int_eq(v->type, TJ_NUMBER);
        ck_assert_msg(v->f == strtof(s, NULL), "%s: got %.9g, strtof %.9g", s, (double)v->f,
                      (double)strtof(s, NULL));
    }
}
END_TEST

START_TEST(integers_and_tokens)
{
    const struct tj_value *v = parse_ok("[0, -12, 16777217, 1e3, NaN, Infinity, -Infinity, -0.0]");
    ck_assert_int_eq(v->type, TJ_ARRAY);
    ck_assert_uint_eq(v->n, 8);
    ck_assert(v->u.items[0].is_int && v->u.items[0].i == 0);
    ck_assert(v->u.items[1].is_int && v->u.items[1].i == -12);
    ck_assert(v->u.items[2].is_int && v->u.items[2].i == 16777217);
    ck_assert(!v->u.items[3].is_int && v->u.items[3].f == 1000.0f);
    ck_assert(isnan(v->u.items[4].f));
    ck_assert(isinf(v->u.items[5].f) && v->u.items[5].f > 0);
    ck_assert(isinf(v->u.items[6].f) && v->u.items[6].f < 0);
    ck_assert(signbit(v->u.items[7].f));
}
END_TEST

START_TEST(strings_and_objects)
{
    const struct tj_value *v =
        parse_ok(" {\"a\\u00e9\\n\": \"x\\\"y\", \"b\": [true, false, null, {}], \"\\ud83d\\ude00\": 1} ");
    ck_assert_int_eq(v->type, TJ_OBJECT);
    ck_assert_uint_eq(v->n, 3);
    ck_assert_str_eq(v->u.items[0].raw, "a\xc3\xa9\n");
    ck_assert_str_eq(tj_get(v, "a\xc3\xa9\n")->raw, "x\"y");
    ck_assert_uint_eq(tj_get(v, "b")->n, 4);
    ck_assert_int_eq(tj_get(v, "b")->u.items[3].type, TJ_OBJECT);
    ck_assert_ptr_nonnull(tj_get(v, "\xf0\x9f\x98\x80"));
    ck_assert_ptr_null(tj_get(v, "c"));
}
END_TEST

START_TEST(rapidjson_errors)
{
    parse_err("", "The document is empty.", 0);
    parse_err("  ", "The document is empty.", 2);
    parse_err("nope", "Invalid value.", 0);
    parse_err("{\"a\": 1} x", "The document root must not be followed by other values.", 9);
    parse_err("{\"instances\": [1, 2", "Missing a comma or ']' after an array element.", 19);
    parse_err("{\"a\" 1}", "Missing a colon after a name of object member.", 5);
    parse_err("{\"a\": 1 \"b\": 2}", "Missing a comma or '}' after an object member.", 8);
    parse_err("{1: 2}", "Missing a name for object member.", 1);
    parse_err("[1.]", "Miss fraction part in number.", 3);
    parse_err("[1e]", "Miss exponent in number.", 3);
    parse_err("[\"abc", "Missing a closing quotation mark in string.", 5);
    parse_err("[\"\\x\"]", "Invalid escape character in string.", 2);
    parse_err("[\"\\u12g4\"]", "Incorrect hex digit after \\u escape in string.", 6);
    parse_err("[1e400]", "Number too big to be stored in double.", 1);
}
END_TEST

static void float_is(float v, const char *want)
{
    struct mnu_buf b;
    mnu_buf_init(&b);
    tj_write_float(&b, v);
    ck_assert_str_eq(b.data, want);
    mnu_buf_free(&b);
}

START_TEST(tf_float_format)
{
    float_is(0.0f, "0.0");
    float_is(1.0f, "1.0");
    float_is(-3.0f, "-3.0");
    float_is(0.1f, "0.1");
    float_is(0.5f, "0.5");
    float_is(1e-5f, "1e-05");
    float_is(9000000.0f, "9e+06");
    float_is(123456.0f, "123456.0");
    float_is(1234567.0f, "1234567.0");
    float_is(0.329411775f, "0.329411775");
    float_is(0.123456f, "0.123456");
    float_is(NAN, "NaN");
    float_is(INFINITY, "Infinity");
    float_is(-INFINITY, "-Infinity");
    /* Every float written must read back as itself. */
    unsigned seed = 7;
    for (int i = 0; i < 100000; i++) {
        seed = seed * 1103515245u + 12345u;
        float f;
        unsigned bits = seed & 0x7f7fffffu;
        memcpy(&f, &bits, sizeof f);
        struct mnu_buf b;
        mnu_buf_init(&b);
        tj_write_float(&b, f);
        ck_assert_msg(strtof(b.data, NULL) == f, "%s does not round-trip", b.data);
        mnu_buf_free(&b);
    }
}
END_TEST

START_TEST(pretty_value_text)
{
    struct mnu_buf b;
    mnu_buf_init(&b);
    tj_write(&b, parse_ok("{\"instances\": [[1, 2.50]], \"e\": [], \"o\": {}}"));
    ck_assert_str_eq(b.data, "{\n    \"instances\": [\n        [\n            1,\n            2.50\n"
                             "        ]\n    ],\n    \"e\": [],\n    \"o\": {}\n}");
    mnu_buf_free(&b);
    mnu_buf_init(&b);
    tj_write(&b, parse_ok("2.50"));
    ck_assert_str_eq(b.data, "2.5");
    mnu_buf_free(&b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("tfjson");
    TCase *tc = tcase_create("reader");
    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, numbers_round_like_strtof);
    tcase_add_test(tc, integers_and_tokens);
    tcase_add_test(tc, strings_and_objects);
    tcase_add_test(tc, rapidjson_errors);
    tcase_add_test(tc, tf_float_format);
    tcase_add_test(tc, pretty_value_text);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
