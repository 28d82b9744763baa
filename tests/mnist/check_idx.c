/* SPDX-License-Identifier: MIT */
/* Unit tests of the IDX reader (gzip and raw, magic/count/28x28 checks) and SHA-256. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "mnpm.h"

static char dir[256], path[512];

static void setup(void)
{
    const char *t = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/check_idx.XXXXXX", t && *t ? t : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/f", dir);
}

static void teardown(void)
{
    unlink(path);
    rmdir(dir);
}

static void be(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)(v >> 24); p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8); p[3] = (unsigned char)v;
}

/* Write an images file: magic, count, rows, cols, then `have` images of pixel value i. */
static void write_images(int gz, unsigned magic, unsigned count, unsigned rows, unsigned have)
{
    unsigned char h[16];
    be(h, magic); be(h + 4, count); be(h + 8, rows); be(h + 12, 28);
    size_t n = 16 + (size_t)have * rows * 28;
    unsigned char *b = malloc(n);
    memcpy(b, h, 16);
    for (size_t i = 0; i < (size_t)have * rows * 28; i++)
        b[16 + i] = (unsigned char)(i / 784 == 1 ? 255 : 0);
    if (gz) {
        gzFile g = gzopen(path, "wb");
        ck_assert_ptr_nonnull(g);
        ck_assert_int_eq(gzwrite(g, b, (unsigned)n), (int)n);
        gzclose(g);
    } else {
        FILE *f = fopen(path, "wb");
        fwrite(b, 1, n, f);
        fclose(f);
    }
    free(b);
}

START_TEST(images_gz_and_raw)
{
    for (int gz = 0; gz < 2; gz++) {
        float *px = NULL;
        size_t n = 0;
        char err[256];
        write_images(gz, 0x803, 3, 28, 3);
        ck_assert_msg(mnpm_idx_images(path, &px, &n, err, sizeof err) == 0, "%s", err);
        ck_assert_uint_eq(n, 3);
        ck_assert_float_eq(px[0], 0.0f);
        ck_assert_float_eq(px[784 + 5], 1.0f);   /* 255 / 255 */
        free(px);
    }
}
END_TEST

START_TEST(images_errors)
{
    float *px = NULL;
    size_t n = 0;
    char err[256];
    write_images(1, 0x801, 3, 28, 3);
    ck_assert_int_eq(mnpm_idx_images(path, &px, &n, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "bad IDX magic"));
    ck_assert_ptr_nonnull(strstr(err, path));
    write_images(1, 0x803, 3, 27, 3);
    ck_assert_int_eq(mnpm_idx_images(path, &px, &n, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "expected 28x28"));
    write_images(1, 0x803, 5, 28, 3);
    ck_assert_int_eq(mnpm_idx_images(path, &px, &n, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "truncated"));
    ck_assert_int_eq(mnpm_idx_images("/nonexistent/x.gz", &px, &n, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "/nonexistent/x.gz"));
}
END_TEST

START_TEST(labels)
{
    unsigned char h[8 + 4] = { 0 }, *lab = NULL;
    size_t n = 0;
    char err[256];
    be(h, 0x801); be(h + 4, 4);
    h[8] = 7; h[9] = 0; h[10] = 9; h[11] = 3;
    FILE *f = fopen(path, "wb");
    fwrite(h, 1, sizeof h, f);
    fclose(f);
    ck_assert_msg(mnpm_idx_labels(path, &lab, &n, err, sizeof err) == 0, "%s", err);
    ck_assert_uint_eq(n, 4);
    ck_assert_uint_eq(lab[0], 7);
    ck_assert_uint_eq(lab[2], 9);
    free(lab);
    h[11] = 12;
    f = fopen(path, "wb");
    fwrite(h, 1, sizeof h, f);
    fclose(f);
    ck_assert_int_eq(mnpm_idx_labels(path, &lab, &n, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "expected 0..9"));
}
END_TEST

START_TEST(sha256)
{
    char hex[65], err[256];
    FILE *f = fopen(path, "wb");
    fputs("abc", f);
    fclose(f);
    ck_assert_int_eq(mnpm_sha256_file(path, hex, err, sizeof err), 0);
    ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    f = fopen(path, "wb");   /* 1,000,000 'a': spans many blocks and the padding edge */
    for (int i = 0; i < 1000000; i++)
        fputc('a', f);
    fclose(f);
    ck_assert_int_eq(mnpm_sha256_file(path, hex, err, sizeof err), 0);
    ck_assert_str_eq(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("idx");
    TCase *tc = tcase_create("idx");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, images_gz_and_raw);
    tcase_add_test(tc, images_errors);
    tcase_add_test(tc, labels);
    tcase_add_test(tc, sha256);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
