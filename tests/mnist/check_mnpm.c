/* SPDX-License-Identifier: MIT */
/* Unit tests of model.mnpm: round trip, validation errors, predict threads, atomic export. */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mnpm.h"

static float w1[784 * 10], b1[10];

/* A LINEAR model whose class is decided by which tenth of the image is brightest. */
static void make_linear(unsigned char **buf, size_t *len)
{
    struct mnpm_layer_spec l[2];
    char err[256];
    memset(l, 0, sizeof l);
    for (size_t i = 0; i < 784; i++)
        for (size_t j = 0; j < 10; j++)
            w1[i * 10 + j] = (i * 10 / 784 == j) ? 1.0f : 0.0f;
    l[0].type = MNPM_L_DENSE; l[0].p[0] = 784; l[0].p[1] = 10;
    l[0].w = w1; l[0].w_len = 784 * 10; l[0].b = b1; l[0].b_len = 10;
    l[1].type = MNPM_L_SOFTMAX;
    ck_assert_int_eq(mnpm_serialize(MNPM_LINEAR, l, 2, 1234, "seed=1\n", buf, len, err,
                                    sizeof err), 0);
}

static char tmpdir[256];

static void setup(void)
{
    const char *t = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/check_mnpm.XXXXXX", t && *t ? t : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void rm_rf(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[1024];
    if (!d)
        return;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            rm_rf(p);
        else
            unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

static void teardown(void) { rm_rf(tmpdir); }

static void write_file(const char *path, const unsigned char *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(b, 1, n, f), n);
    fclose(f);
}

static int load_err(const unsigned char *b, size_t n, char *err, size_t errlen)
{
    char path[512];
    struct mnpm_model *m = NULL;
    snprintf(path, sizeof path, "%s/m.mnpm", tmpdir);
    write_file(path, b, n);
    int rc = mnpm_load(path, &m, err, errlen);
    mnpm_free(m);
    return rc;
}

START_TEST(round_trip)
{
    unsigned char *buf;
    size_t len;
    char path[512], err[256];
    struct mnpm_model *m;
    float x[2 * 784] = { 0 }, probs[20];
    unsigned char cls[2];

    make_linear(&buf, &len);
    ck_assert_uint_eq(len % 64, 4);   /* 64-aligned data + 4-byte CRC trailer */
    snprintf(path, sizeof path, "%s/model.mnpm", tmpdir);
    write_file(path, buf, len);
    ck_assert_msg(mnpm_load(path, &m, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(mnpm_kind(m), MNPM_LINEAR);
    ck_assert_str_eq(mnpm_kind_name(mnpm_kind(m)), "LINEAR");
    ck_assert_uint_eq(mnpm_created(m), 1234);
    ck_assert_uint_eq(mnpm_param_count(m), 7850);
    ck_assert_str_eq(mnpm_provenance(m), "seed=1\n");
    ck_assert_ptr_nonnull(strstr(mnpm_signature(m), "serving_default"));
    ck_assert_ptr_nonnull(strstr(mnpm_signature(m), "DT_UINT8"));
    for (int i = 0; i < 50; i++)
        x[240 + i] = 1.0f;            /* image 0: pixels 240..289 -> class 3 */
    for (int i = 0; i < 50; i++)
        x[784 + 630 + i] = 1.0f;      /* image 1: pixels 630..679 -> class 8 */
    ck_assert_int_eq(mnpm_predict(m, x, 2, probs, cls), 0);
    ck_assert_uint_eq(cls[0], 3);
    ck_assert_uint_eq(cls[1], 8);
    float s = 0;
    for (int j = 0; j < 10; j++)
        s += probs[j];
    ck_assert_float_eq_tol(s, 1.0f, 1e-6f);
    mnpm_free(m);
    free(buf);
}
END_TEST

START_TEST(rejects_corruption)
{
    unsigned char *buf;
    size_t len;
    char err[256];

    make_linear(&buf, &len);
    buf[len / 2] ^= 0x40;
    ck_assert_int_eq(load_err(buf, len, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "CRC-32 mismatch"));
    buf[len / 2] ^= 0x40;

    ck_assert_int_eq(load_err(buf, len - 10, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "size mismatch"));

    ck_assert_int_eq(load_err(buf, 20, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "too short"));

    buf[0] = 'X';
    ck_assert_int_eq(load_err(buf, len, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "bad magic"));
    buf[0] = 'M';

    buf[8] = 2;   /* format version 2 */
    ck_assert_int_eq(load_err(buf, len, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "format version 2"));
    free(buf);

    struct mnpm_model *m = NULL;
    ck_assert_int_eq(mnpm_load("/nonexistent/model.mnpm", &m, err, sizeof err), -1);
    ck_assert_ptr_null(m);
    ck_assert_ptr_nonnull(strstr(err, "/nonexistent/model.mnpm"));
}
END_TEST

START_TEST(rejects_bad_shapes)
{
    struct mnpm_layer_spec l[2];
    struct mnpm_model *m = NULL;
    char err[256];
    memset(l, 0, sizeof l);
    l[0].type = MNPM_L_DENSE; l[0].p[0] = 700; l[0].p[1] = 10;   /* wrong input width */
    l[0].w = w1; l[0].w_len = 7000; l[0].b = b1; l[0].b_len = 10;
    l[1].type = MNPM_L_SOFTMAX;
    ck_assert_int_eq(mnpm_from_layers(MNPM_LINEAR, l, 2, &m, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "expects 700 inputs"));
    l[0].p[0] = 784; l[0].w_len = 7840; l[0].b_len = 9;
    ck_assert_int_eq(mnpm_from_layers(MNPM_LINEAR, l, 2, &m, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "do not match"));
    l[0].b_len = 10;
    ck_assert_int_eq(mnpm_from_layers(MNPM_LINEAR, l, 1, &m, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "softmax"));
}
END_TEST

/* A tiny CNN: conv 1->2 (3x3) + relu + pool + flatten + dense 392->10; predict from 4 threads
 * must agree with a single-threaded run. */
static struct mnpm_model *cnn;
static float cx[100 * 784];
static unsigned char want[100];

static void *predict_thread(void *arg)
{
    unsigned char got[100];
    (void)arg;
    for (int r = 0; r < 20; r++)
        if (mnpm_predict(cnn, cx, 100, NULL, got) != 0 || memcmp(got, want, 100) != 0)
            return (void *)1;
    return NULL;
}

START_TEST(cnn_threads)
{
    static float cw[2 * 9], cb[2], dw[392 * 10], db[10];
    struct mnpm_layer_spec l[6];
    char err[256];
    unsigned int seed = 7;
    memset(l, 0, sizeof l);
    for (size_t i = 0; i < 18; i++) cw[i] = (float)(rand_r(&seed) % 200 - 100) / 100.0f;
    for (size_t i = 0; i < 3920; i++) dw[i] = (float)(rand_r(&seed) % 200 - 100) / 100.0f;
    for (size_t i = 0; i < 100 * 784; i++) cx[i] = (float)(rand_r(&seed) % 256) / 255.0f;
    l[0].type = MNPM_L_CONV2D; l[0].p[0] = 1; l[0].p[1] = 2; l[0].p[2] = 3; l[0].p[3] = 1;
    l[0].p[4] = 28; l[0].p[5] = 28; l[0].w = cw; l[0].w_len = 18; l[0].b = cb; l[0].b_len = 2;
    l[1].type = MNPM_L_RELU;
    l[2].type = MNPM_L_MAXPOOL; l[2].p[0] = 2; l[2].p[1] = 2; l[2].p[2] = 2; l[2].p[3] = 28;
    l[2].p[4] = 28;
    l[3].type = MNPM_L_FLATTEN;
    l[4].type = MNPM_L_DENSE; l[4].p[0] = 392; l[4].p[1] = 10; l[4].w = dw; l[4].w_len = 3920;
    l[4].b = db; l[4].b_len = 10;
    l[5].type = MNPM_L_SOFTMAX;
    ck_assert_msg(mnpm_from_layers(MNPM_CNN, l, 6, &cnn, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(mnpm_predict(cnn, cx, 100, NULL, want), 0);
    /* One image alone gives the same class as in the batch. */
    unsigned char one;
    ck_assert_int_eq(mnpm_predict(cnn, cx + 99 * 784, 1, NULL, &one), 0);
    ck_assert_uint_eq(one, want[99]);
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, predict_thread, NULL), 0);
    for (int i = 0; i < 4; i++) {
        void *r;
        pthread_join(t[i], &r);
        ck_assert_ptr_null(r);
    }
    mnpm_free(cnn);
}
END_TEST

START_TEST(export_versions)
{
    unsigned char *buf;
    size_t len;
    char base[512], out[1024], err[256], p[1100];
    uint64_t v1, v2, v3;
    struct mnpm_model *m;

    make_linear(&buf, &len);
    snprintf(base, sizeof base, "%s/export/mnist", tmpdir);
    ck_assert_msg(mnpm_export(base, 0, buf, len, "{}", &v1, out, sizeof out, err,
                              sizeof err) == 0, "%s", err);
    ck_assert_uint_gt(v1, 1500000000u);
    snprintf(p, sizeof p, "%s/model.mnpm", out);
    ck_assert_msg(mnpm_load(p, &m, err, sizeof err) == 0, "%s", err);
    mnpm_free(m);
    snprintf(p, sizeof p, "%s/model.json", out);
    ck_assert_int_eq(access(p, R_OK), 0);
    ck_assert_int_eq(mnpm_export(base, 7, buf, len, NULL, &v2, out, sizeof out, err,
                                 sizeof err), 0);
    ck_assert_uint_eq(v2, 7);
    /* Collision: version 7 exists, so max(existing)+1. */
    ck_assert_int_eq(mnpm_export(base, 7, buf, len, NULL, &v3, out, sizeof out, err,
                                 sizeof err), 0);
    ck_assert_uint_eq(v3, v1 + 1);
    /* No .tmp-* directory is left behind. */
    DIR *d = opendir(base);
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d)) != NULL) {
        ck_assert_msg(strncmp(e->d_name, ".tmp-", 5) != 0, "left %s", e->d_name);
        n += e->d_name[0] != '.';
    }
    closedir(d);
    ck_assert_int_eq(n, 3);
    free(buf);
}
END_TEST

START_TEST(source_date_epoch)
{
    setenv("SOURCE_DATE_EPOCH", "1552609187", 1);
    ck_assert_uint_eq(mnpm_created_now(), 1552609187u);
    setenv("SOURCE_DATE_EPOCH", "garbage", 1);
    ck_assert_uint_gt(mnpm_created_now(), 1552609187u);
    unsetenv("SOURCE_DATE_EPOCH");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("mnpm");
    TCase *tc = tcase_create("mnpm");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, round_trip);
    tcase_add_test(tc, rejects_corruption);
    tcase_add_test(tc, rejects_bad_shapes);
    tcase_add_test(tc, cnn_threads);
    tcase_add_test(tc, export_versions);
    tcase_add_test(tc, source_date_epoch);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
