/* SPDX-License-Identifier: MIT */
/* check_workflow.c: the kfp-shaped Argo Workflow: names, pipeline_spec, templates. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <mnistpipe/host.h>

#include "buf.h"
#include "workflow.h"

START_TEST(test_k8s_name)
{
    char out[64];
    ck_assert(mpi_k8s_name("MNIST", out, sizeof(out)));
    ck_assert_str_eq(out, "mnist");
    ck_assert(mpi_k8s_name("  Save Most_Frequent!! ", out, sizeof(out)));
    ck_assert_str_eq(out, "save-most-frequent");
    ck_assert(!mpi_k8s_name("!!!", out, sizeof(out)));
    ck_assert(!mpi_k8s_name("abcdefghij", out, 5));
}
END_TEST

START_TEST(test_pipeline_spec_mnist)
{
    struct mp_pipeline *p;
    struct mp_buf b;
    ck_assert_int_eq(mp_builtin_pipeline("mnist", NULL, 0, &p, NULL), MP_OK);
    mpi_buf_init(&b);
    ck_assert_int_eq(mpi_pipeline_spec_json(p, &b), MP_OK);
    /* Byte for byte what kfp 1.8.22 writes (../shared/reference/kfp-v1/mnist-gcp.yaml). */
    ck_assert_str_eq(mp_buf_data(&b),
                     "{\"description\": \"A pipeline to train and serve the MNIST example.\", "
                     "\"inputs\": [{\"default\": \"gs://your-bucket/export\", \"name\": "
                     "\"model_export_dir\", \"optional\": true}, {\"default\": \"200\", "
                     "\"name\": \"train_steps\", \"optional\": true}, {\"default\": \"0.01\", "
                     "\"name\": \"learning_rate\", \"optional\": true}, {\"default\": \"100\", "
                     "\"name\": \"batch_size\", \"optional\": true}, {\"default\": \"\", "
                     "\"name\": \"pvc_name\", \"optional\": true}], \"name\": \"MNIST\"}");
    mpi_buf_release(&b);
    mp_pipeline_free(p);
}
END_TEST

static char *build_yaml(struct mp_pipeline *p, const char *stamp, struct mp_error *err, int *rc)
{
    struct mp_doc *doc = mp_doc_new();
    struct mp_node *wf;
    struct mp_buf b;
    mpi_buf_init(&b);
    *rc = mp_workflow_build(p, stamp, doc, &wf, err);
    if (*rc == MP_OK)
        *rc = mp_write_yaml(wf, &b, err);
    char *s = *rc == MP_OK ? mpi_buf_take(&b, NULL) : NULL;
    mpi_buf_release(&b);
    mp_doc_free(doc);
    return s;
}

START_TEST(test_required_param_and_secret_env)
{
    struct mp_pipeline *p;
    struct mp_op *op;
    struct mp_error *err = mp_error_new();
    int rc;
    mp_pipeline_new("Typed", &p, err);
    mp_pipeline_add_param(p, "message", NULL, "String", NULL, err);
    mp_pipeline_add_op(p, "echo", "alpine:3", &op, err);
    mp_op_add_command(op, "sh", err);
    mp_op_add_arg(op, "echo {{params.message}}", err);
    mp_op_add_env_from_secret(op, "TOKEN", "my-secret", "token", err);
    mp_op_add_volume(op, "cfg", MP_VOLUME_CONFIG_MAP, "cfg-map", err);
    mp_op_add_volume(op, "scratch", MP_VOLUME_EMPTY_DIR, NULL, err);
    mp_op_add_volume_mount(op, "cfg", "/etc/cfg", true, err);
    char *y = build_yaml(p, "2020-01-01T00:00:00", err, &rc);
    ck_assert_msg(rc == MP_OK, "%s", mp_error_message(err));
    ck_assert_ptr_nonnull(strstr(y, "{\"name\": \"message\", \"type\":"));
    ck_assert_ptr_nonnull(strstr(y, "pipeline_compilation_time: '2020-01-01T00:00:00'"));
    ck_assert_ptr_nonnull(strstr(y, "    - {name: message}\n  serviceAccountName"));
    ck_assert_ptr_nonnull(strstr(y, "args: ['echo {{inputs.parameters.message}}']"));
    ck_assert_ptr_nonnull(strstr(y, "secretKeyRef: {key: token, name: my-secret}"));
    ck_assert_ptr_nonnull(strstr(y, "configMap: {name: cfg-map}"));
    ck_assert_ptr_nonnull(strstr(y, "emptyDir: {}"));
    ck_assert_ptr_nonnull(strstr(y, "{mountPath: /etc/cfg, name: cfg, readOnly: true}"));
    ck_assert_ptr_nonnull(strstr(y, "generateName: typed-"));
    free(y);
    mp_pipeline_free(p);
    mp_error_free(err);
}
END_TEST

START_TEST(test_entrypoint_clash)
{
    struct mp_pipeline *p;
    struct mp_error *err = mp_error_new();
    int rc;
    mp_pipeline_new("Train", &p, err);
    mp_pipeline_add_op(p, "train", "img", NULL, err);
    ck_assert_ptr_null(build_yaml(p, NULL, err, &rc));
    ck_assert_int_eq(rc, MP_ERR_VALIDATE);
    ck_assert_ptr_nonnull(strstr(mp_error_message(err), "entrypoint"));
    mp_pipeline_free(p);
    mp_error_free(err);
}
END_TEST

START_TEST(test_templates_sorted)
{
    struct mp_pipeline *p;
    struct mp_op *op;
    int rc;
    mp_pipeline_new("m", &p, NULL);
    mp_pipeline_add_op(p, "zeta", "img", &op, NULL);
    mp_op_add_dependency(op, "beta", NULL);
    mp_op_add_dependency(op, "alpha", NULL);
    mp_pipeline_add_op(p, "beta", "img", NULL, NULL);
    mp_pipeline_add_op(p, "alpha", "img", NULL, NULL);
    char *y = build_yaml(p, NULL, NULL, &rc);
    ck_assert_int_eq(rc, MP_OK);
    const char *a = strstr(y, "  - name: alpha\n"), *b = strstr(y, "  - name: beta\n"),
               *m = strstr(y, "  - name: m\n"), *z = strstr(y, "  - name: zeta\n");
    ck_assert(a && b && m && z && a < b && b < m && m < z);
    ck_assert_ptr_nonnull(strstr(y, "dependencies: [alpha, beta]"));
    ck_assert_ptr_null(strstr(y, "pipeline_compilation_time"));
    free(y);
    mp_pipeline_free(p);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("workflow");
    TCase *tc = tcase_create("workflow");
    tcase_add_test(tc, test_k8s_name);
    tcase_add_test(tc, test_pipeline_spec_mnist);
    tcase_add_test(tc, test_required_param_and_secret_env);
    tcase_add_test(tc, test_entrypoint_clash);
    tcase_add_test(tc, test_templates_sorted);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
