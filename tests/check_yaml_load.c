/* SPDX-License-Identifier: MIT */
/* check_yaml_load.c: pipeline files to the graph, every problem with line:col, input limits. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mnistpipe/host.h>

#include "yaml_load.h"

static struct mp_error *err;
static struct mp_diags *diags;
static char dir[] = "/tmp/mp-yaml-XXXXXX";
static char path[64];

static void setup(void)
{
    err = mp_error_new();
    diags = mp_diags_new();
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/p.yaml", dir);
}

static void teardown(void)
{
    unlink(path);
    rmdir(dir);
    memcpy(dir + strlen(dir) - 6, "XXXXXX", 6);
    mp_diags_free(diags);
    mp_error_free(err);
}

static void write_file(const char *text, size_t len)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(text, 1, len, f), len);
    fclose(f);
}

static int load(const char *text, const char *platform, struct mp_pipeline **out)
{
    write_file(text, strlen(text));
    const char *plats[] = {platform};
    *out = NULL;
    return mp_pipeline_load_file(path, plats, platform ? 1 : 0, out, diags, err);
}

static const char *example(void)
{
    static char buf[4096];
    const char *top = getenv("MP_TOP_SRCDIR");
    snprintf(buf, sizeof(buf), "%s/examples/mnist/pipeline.yaml", top ? top : "..");
    return buf;
}

START_TEST(test_example)
{
    const char *onprem[] = {"onprem"}, *gcp[] = {"gcp"};
    struct mp_pipeline *a, *b;
    ck_assert_int_eq(mp_pipeline_load_file(example(), gcp, 1, &a, diags, err), MP_OK);
    ck_assert_uint_eq(mp_diags_count(diags), 0);
    ck_assert_str_eq(mp_pipeline_name(a), "MNIST");
    ck_assert_uint_eq(mp_pipeline_param_count(a), 5);
    ck_assert_str_eq(mp_param_default(mp_pipeline_find_param(a, "pvc_name")), "");
    ck_assert_uint_eq(mp_op_arg_count(mp_pipeline_find_op(a, "serve")), 4);
    ck_assert_str_eq(mp_op_dependency_at(mp_pipeline_find_op(a, "web-ui"), 0), "serve");
    ck_assert_int_eq(mp_pipeline_load_file(example(), onprem, 1, &b, NULL, err), MP_OK);
    ck_assert_uint_eq(mp_op_arg_count(mp_pipeline_find_op(b, "serve")), 8);
    ck_assert_str_eq(mp_op_arg_at(mp_pipeline_find_op(b, "serve"), 7), "{{params.pvc_name}}");
    ck_assert_uint_eq(mp_op_arg_count(mp_pipeline_find_op(b, "web-ui")), 12);
    ck_assert_int_eq(mp_pipeline_validate(b, err), MP_OK);
    mp_pipeline_free(a);
    mp_pipeline_free(b);
}
END_TEST

START_TEST(test_every_option)
{
    struct mp_pipeline *p;
    ck_assert_int_eq(load("name: all\nparameters:\n  - {name: x, default: '1', type: Integer}\n"
                          "  - name: y\nsteps:\n  - name: a\n    image: busybox\n"
                          "    command: [sh, -c]\n    args: 'echo {{params.x}}'\n"
                          "    env:\n      - {name: A, value: '{{params.y}}'}\n"
                          "      - {name: B, secretKeyRef: {name: s, key: k}}\n"
                          "    volumes:\n      - {name: d, persistentVolumeClaim: {claimName: c}}\n"
                          "      - {name: e, emptyDir: {}}\n"
                          "    volumeMounts: [{name: d, mountPath: /d, readOnly: true}]\n"
                          "    labels: {team: ml}\n    annotations: {note: hi}\n"
                          "  - name: b\n    image: busybox\n    after: [a]\n    variants:\n"
                          "      - {when-platform: gcp, args+: [g]}\n"
                          "      - {unless-platform: gcp, command+: [o]}\n",
                          "onprem", &p), MP_OK);
    struct mp_op *a = mp_pipeline_find_op(p, "a"), *b = mp_pipeline_find_op(p, "b");
    ck_assert_ptr_null(mp_param_default(mp_pipeline_find_param(p, "y")));
    ck_assert_str_eq(mp_param_type(mp_pipeline_find_param(p, "x")), "Integer");
    ck_assert_uint_eq(mp_op_command_count(a), 2);
    ck_assert_str_eq(mp_op_arg_at(a, 0), "echo {{params.x}}");
    ck_assert_str_eq(mp_op_env_secret_key(a, 1), "k");
    ck_assert_int_eq(mp_op_volume_kind(a, 1), MP_VOLUME_EMPTY_DIR);
    ck_assert(mp_op_volume_mount_read_only(a, 0));
    ck_assert_str_eq(mp_op_label_value(a, 0), "ml");
    ck_assert_str_eq(mp_op_annotation_value(a, 0), "hi");
    ck_assert_uint_eq(mp_op_arg_count(b), 0);
    ck_assert_str_eq(mp_op_command_at(b, 0), "o");
    mp_pipeline_free(p);
}
END_TEST

START_TEST(test_all_problems)
{
    struct mp_pipeline *p;
    ck_assert_int_eq(load("name: p\nsteps:\n  - name: A\n    image: x\n  - name: b\n"
                          "    args: ['{{params.nope}}']\n    after: z\n    imag: y\n",
                          NULL, &p), MP_ERR_PARSE);
    ck_assert_ptr_null(p);
    ck_assert_uint_eq(mp_diags_error_count(diags), 5);
    struct mp_buf *b = mp_buf_new();
    ck_assert_int_eq(mp_diags_format(diags, false, b), MP_OK);
    ck_assert_ptr_nonnull(strstr(mp_buf_data(b), "p.yaml:3:11: error: step name 'A'"));
    ck_assert_ptr_nonnull(strstr(mp_buf_data(b), ":5:5: error: step 'b' has no image"));
    ck_assert_ptr_nonnull(strstr(mp_buf_data(b), ":6:13: error: args refers to {{params.nope}}"));
    ck_assert_ptr_nonnull(strstr(mp_buf_data(b), ":7:12: error: step 'b' runs after 'z'"));
    ck_assert_ptr_nonnull(strstr(mp_buf_data(b), "did you mean 'image'?"));
    mp_buf_reset(b);
    ck_assert_int_eq(mp_diags_format(diags, true, b), MP_OK);
    ck_assert_ptr_nonnull(strstr(mp_buf_data(b), "\"errors\":5"));
    ck_assert_ptr_nonnull(strstr(mp_buf_data(b), "\"line\":3,\"column\":11"));
    mp_buf_free(b);
    ck_assert_ptr_nonnull(strstr(mp_error_message(err), "p.yaml:3:11:"));
}
END_TEST

START_TEST(test_hostile)
{
    struct mp_pipeline *p;
    ck_assert_int_eq(load("a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n", NULL, &p), MP_ERR_PARSE);
    ck_assert_uint_eq(mp_diags_count(diags), 1);
    ck_assert_uint_eq(mp_diag_line(diags, 0), 2);
    ck_assert_uint_eq(mp_diag_column(diags, 0), 8);
    char deep[400];
    memset(deep, '[', 200);
    memset(deep + 200, ']', 199);
    deep[399] = '\0';
    ck_assert_int_eq(load(deep, NULL, &p), MP_ERR_PARSE);
    ck_assert_ptr_nonnull(strstr(mp_diag_message(diags, 0), "nesting deeper"));
    write_file("name: p\n\0", 9);
    ck_assert_int_eq(mp_pipeline_load_file(path, NULL, 0, &p, diags, err), MP_ERR_PARSE);
    ck_assert_uint_eq(mp_diag_line(diags, 0), 2);
    ck_assert_int_eq(load("name: \xed\xa0\x80\n", NULL, &p), MP_ERR_PARSE); /* a surrogate */
    ck_assert_uint_eq(mp_diag_column(diags, 0), 7);
    FILE *f = fopen(path, "wb");
    ck_assert_int_eq(ftruncate(fileno(f), (off_t)MPI_YAML_MAX_BYTES + 1), 0);
    fclose(f);
    ck_assert_int_eq(mp_pipeline_load_file(path, NULL, 0, &p, diags, err), MP_ERR_PARSE);
    ck_assert_ptr_nonnull(strstr(mp_error_message(err), "limit is 64 MiB"));
    ck_assert_int_eq(mp_pipeline_load_file("/nonexistent/x.yaml", NULL, 0, &p, diags, err),
                     MP_ERR_IO);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("yaml_load");
    TCase *tc = tcase_create("load");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_example);
    tcase_add_test(tc, test_every_option);
    tcase_add_test(tc, test_all_problems);
    tcase_add_test(tc, test_hostile);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
