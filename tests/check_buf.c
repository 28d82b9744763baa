/* SPDX-License-Identifier: MIT */
/* check_buf.c: mp_buf (caps, sticky errors, take), the arena, the string map, mp_error. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "error.h"
#include "pages.h"
#include "strmap.h"

START_TEST(test_append_and_printf)
{
    struct mp_buf b;
    mpi_buf_init(&b);
    ck_assert_str_eq(mp_buf_data(&b), "");
    mp_buf_puts(&b, "abc");
    mp_buf_putc(&b, '-');
    mp_buf_printf(&b, "%d/%s", 42, "x");
    ck_assert_int_eq(mp_buf_error(&b), MP_OK);
    ck_assert_str_eq(mp_buf_data(&b), "abc-42/x");
    ck_assert_uint_eq(mp_buf_len(&b), 8);
    size_t len;
    char *taken = mpi_buf_take(&b, &len);
    ck_assert_str_eq(taken, "abc-42/x");
    ck_assert_uint_eq(len, 8);
    ck_assert_uint_eq(mp_buf_len(&b), 0);
    free(taken);
    mpi_buf_release(&b);
}
END_TEST

START_TEST(test_limit_is_sticky)
{
    struct mp_buf *b = mp_buf_new();
    mp_buf_set_limit(b, 10);
    ck_assert_int_eq(mp_buf_puts(b, "0123456789"), MP_OK);
    ck_assert_int_eq(mp_buf_puts(b, "x"), MP_ERR_NOMEM);
    /* Every later append fails too, even one that would fit, and the data stays. */
    ck_assert_int_eq(mp_buf_puts(b, ""), MP_ERR_NOMEM);
    ck_assert_int_eq(mp_buf_error(b), MP_ERR_NOMEM);
    ck_assert_str_eq(mp_buf_data(b), "0123456789");
    mp_buf_reset(b);
    ck_assert_int_eq(mp_buf_error(b), MP_OK);
    mp_buf_free(b);
}
END_TEST

START_TEST(test_bad_handles)
{
    ck_assert_int_eq(mp_buf_append(NULL, "x", 1), MP_ERR_INVAL);
    int not_a_buf[16] = {0};
    ck_assert_int_eq(mp_buf_puts((struct mp_buf *)not_a_buf, "x"), MP_ERR_INVAL);
    ck_assert_str_eq(mp_buf_data(NULL), "");
    mp_buf_free(NULL);
}
END_TEST

START_TEST(test_large_growth)
{
    struct mp_buf b;
    mpi_buf_init(&b);
    for (int i = 0; i < 100000; i++)
        mp_buf_printf(&b, "%05d", i % 100000);
    ck_assert_int_eq(mp_buf_error(&b), MP_OK);
    ck_assert_uint_eq(mp_buf_len(&b), 500000);
    ck_assert_int_eq(memcmp(mp_buf_data(&b) + 499995, "99999", 5), 0);
    mpi_buf_release(&b);
}
END_TEST

START_TEST(test_arena)
{
    struct mpi_arena a;
    mpi_arena_init(&a);
    char *s = mpi_arena_strdup(&a, "hello");
    ck_assert_str_eq(s, "hello");
    for (int i = 0; i < 10000; i++) {
        unsigned char *p = mpi_arena_alloc(&a, 100);
        ck_assert_ptr_nonnull(p);
        ck_assert_uint_eq(((size_t)p) % 16, 0);
        for (int j = 0; j < 100; j++)
            ck_assert_uint_eq(p[j], 0);
        memset(p, 0xab, 100);
    }
    ck_assert_str_eq(s, "hello");
    size_t cap;
    int *v = mpi_arena_grow(&a, NULL, sizeof(int), 0, 3, &cap);
    ck_assert_uint_ge(cap, 3);
    v[0] = 7;
    v = mpi_arena_grow(&a, v, sizeof(int), cap, 100, &cap);
    ck_assert_uint_ge(cap, 100);
    ck_assert_int_eq(v[0], 7);
    ck_assert_ptr_null(mpi_arena_alloc(&a, (size_t)-1));
    mpi_arena_release(&a);
}
END_TEST

/* Freed blocks' pages come back in later blocks and arena chunks: with their bytes kept where
 * asked, zeroed where asked, and arrays keep their contents across every way of growing. */
START_TEST(test_pages_reuse)
{
    mpi_pages_trim();
    /* An array from small (malloc) to big (a mapping) and back down. */
    unsigned char *v = NULL;
    size_t sizes[] = {100, 5000, 70000, 3u << 20, 9u << 20, 200000, 40};
    size_t filled = 0;
    for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
        unsigned char *nv = mpi_block_realloc(v, sizes[k]);
        ck_assert_ptr_nonnull(nv);
        v = nv;
        size_t keep = filled < sizes[k] ? filled : sizes[k];
        for (size_t i = 0; i < keep; i++)
            ck_assert_uint_eq(v[i], (unsigned char)(i * 7 + 1));
        for (size_t i = keep; i < sizes[k]; i++)
            v[i] = (unsigned char)(i * 7 + 1);
        filled = sizes[k];
    }
    mpi_block_free(v);
    /* A big written block freed, then blocks and an arena taken: zero where asked. */
    size_t big = (size_t)4 << 20;
    unsigned char *b = mpi_block_realloc(NULL, big);
    ck_assert_ptr_nonnull(b);
    memset(b, 0xab, big);
    mpi_block_free(b);
    unsigned char *z = mpi_pages_take(big / 2, true);
    ck_assert_ptr_nonnull(z);
    for (size_t i = 0; i < big / 2; i++)
        ck_assert_uint_eq(z[i], 0);
    struct mpi_arena a;
    mpi_arena_init(&a);
    for (int i = 0; i < 2000; i++) {
        unsigned char *p = mpi_arena_alloc(&a, 1000);
        ck_assert_ptr_nonnull(p);
        for (int j = 0; j < 1000; j++)
            ck_assert_uint_eq(p[j], 0);
        memset(p, 0xcd, 1000);
    }
    mpi_arena_release(&a);
    mpi_pages_put(z, big / 2);
    /* A reservation takes what is pooled: readable, writable. */
    size_t res = (size_t)64 << 20;
    unsigned char *m = mpi_pages_take(res, false);
    ck_assert_ptr_nonnull(m);
    size_t got = mpi_pages_fill(m, res, true);
    for (size_t i = 0; i < got; i++)
        ck_assert_uint_eq(m[i], 0);
    m[res - 1] = 1;
    mpi_pages_put(m, res);
    mpi_pages_trim();
}
END_TEST

START_TEST(test_strmap)
{
    struct mpi_arena a;
    struct mpi_strmap m = {0};
    mpi_arena_init(&a);
    char keys[2000][8];
    for (int i = 0; i < 2000; i++) {
        snprintf(keys[i], sizeof(keys[i]), "k%d", i);
        ck_assert_int_eq(mpi_strmap_put(&m, &a, keys[i], &keys[i]), MP_OK);
    }
    ck_assert_uint_eq(m.count, 2000);
    for (int i = 0; i < 2000; i++)
        ck_assert_ptr_eq(mpi_strmap_get(&m, keys[i]), &keys[i]);
    ck_assert_ptr_null(mpi_strmap_get(&m, "absent"));
    ck_assert_int_eq(mpi_strmap_put(&m, &a, keys[5], NULL), MP_OK);
    ck_assert_uint_eq(m.count, 2000);
    mpi_arena_release(&a);
}
END_TEST

START_TEST(test_error)
{
    struct mp_error *err = mp_error_new();
    ck_assert_int_eq(mp_error_set(err, MP_ERR_IO, "file %s", "x.yaml"), MP_ERR_IO);
    ck_assert_int_eq(mp_error_prefix(err, "plugin '%s'", "kfp"), MP_ERR_IO);
    ck_assert_str_eq(mp_error_message(err), "plugin 'kfp': file x.yaml");
    ck_assert_int_eq(mp_error_code(err), MP_ERR_IO);
    /* A prefix on a full message keeps the prefix and cuts the end. */
    char big[5000];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    mp_error_set(err, MP_ERR_INVAL, "%s", big);
    mp_error_prefix(err, "pfx");
    ck_assert_int_eq(strncmp(mp_error_message(err), "pfx: aaa", 8), 0);
    ck_assert_uint_eq(strlen(mp_error_message(err)), MPI_ERROR_MAX - 1);
    mp_error_clear(err);
    ck_assert_str_eq(mp_error_message(err), "");
    ck_assert_int_eq(mp_error_set(NULL, MP_ERR_NOMEM, "ignored"), MP_ERR_NOMEM);
    ck_assert_str_eq(mp_strerror(MP_ERR_ABI), "plugin ABI mismatch");
    ck_assert_str_eq(mp_strerror(12345), "unknown error");
    mp_error_free(err);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("buf");
    TCase *tc = tcase_create("buf");
    tcase_add_test(tc, test_append_and_printf);
    tcase_add_test(tc, test_limit_is_sticky);
    tcase_add_test(tc, test_bad_handles);
    tcase_add_test(tc, test_large_growth);
    suite_add_tcase(s, tc);
    TCase *tc2 = tcase_create("arena");
    tcase_add_test(tc2, test_arena);
    tcase_add_test(tc2, test_strmap);
    tcase_add_test(tc2, test_pages_reuse);
    suite_add_tcase(s, tc2);
    TCase *tc3 = tcase_create("error");
    tcase_add_test(tc3, test_error);
    suite_add_tcase(s, tc3);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
