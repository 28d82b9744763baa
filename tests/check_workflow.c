/* SPDX-License-Identifier: MIT */
/* check_workflow.c: the kfp-shaped Argo Workflow: names, pipeline_spec, templates. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mnistpipe/host.h>

#include "buf.h"
#include "doc.h"
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

/* An op of settings @v ("base" or what differs): image, command, env, mount, volume, label
 * and (unless "noparam") a parameter it reads. */
static void like_op(struct mp_pipeline *p, const char *name, const char *v)
{
    struct mp_op *op;
    ck_assert_int_eq(mp_pipeline_add_op(p, name, "img", &op, NULL), MP_OK);
    mp_op_add_command(op, strcmp(v, "cmd") ? "sh" : "bash", NULL);
    mp_op_add_arg(op, strcmp(v, "noparam") ? "{{params.p}}" : "x", NULL);
    mp_op_add_env(op, "MODE", strcmp(v, "env") ? "x" : "z", NULL);
    mp_op_add_volume(op, "vol", MP_VOLUME_PVC, strcmp(v, "vol") ? "claim" : "other", NULL);
    mp_op_add_volume_mount(op, "vol", "/m", strcmp(v, "mount") == 0, NULL);
    mp_op_set_label(op, "k", strcmp(v, "label") ? "v" : "w", NULL);
}

static const struct mp_node *template_of(const struct mp_node *wf, const char *name)
{
    const struct mp_node *t = mp_node_get(mp_node_get(wf, "spec"), "templates");
    for (size_t i = 0; t && i < t->n; i++)
        if (strcmp(mp_node_get(t->items[i], "name")->str, name) == 0)
            return t->items[i];
    return NULL;
}

/* A template shares a part of the one before only when its settings for it are the same. */
START_TEST(test_shared_parts)
{
    static const char *const kinds[] = {"cmd", "env", "mount", "vol", "label", "noparam"};
    static const char *const parts[][2] = {
        {"container", "command"}, {"container", "env"}, {"container", "volumeMounts"},
        {"volumes", NULL}, {"metadata", NULL}, {"inputs", NULL}};
    struct mp_pipeline *p;
    mp_pipeline_new("shares", &p, NULL);
    mp_pipeline_add_param(p, "p", "1", NULL, NULL, NULL);
    /* by name, each op comes right after one of settings "base" */
    char name[16];
    for (size_t k = 0; k < 6; k++) {
        snprintf(name, sizeof(name), "a%zu", k);
        like_op(p, name, "base");
        snprintf(name, sizeof(name), "b%zu", k);
        like_op(p, name, "base");
        snprintf(name, sizeof(name), "c%zu", k);
        like_op(p, name, kinds[k]);
    }
    struct mp_doc *doc = mp_doc_new();
    struct mp_node *wf;
    ck_assert_int_eq(mp_workflow_build(p, NULL, doc, &wf, NULL), MP_OK);
    for (size_t k = 0; k < 6; k++) {
        const struct mp_node *t[3];
        for (int j = 0; j < 3; j++) {
            snprintf(name, sizeof(name), "%c%zu", 'a' + j, k);
            t[j] = template_of(wf, name);
            ck_assert_ptr_nonnull(t[j]);
        }
        for (size_t q = 0; q < 6; q++) {
            const struct mp_node *x[3];
            for (int j = 0; j < 3; j++) {
                x[j] = mp_node_get(t[j], parts[q][0]);
                if (parts[q][1])
                    x[j] = mp_node_get(x[j], parts[q][1]);
            }
            ck_assert_msg(x[0] && x[0] == x[1] && x[0]->shared, "%s of b%zu", parts[q][0], k);
            if (q == k)
                ck_assert_msg(x[2] != x[1], "%s of c%zu is b's", parts[q][0], k);
        }
    }
    struct mp_buf b;
    mpi_buf_init(&b);
    ck_assert_int_eq(mp_write_yaml(wf, &b, NULL), MP_OK);
    const char *y = mp_buf_data(&b);
    ck_assert_ptr_nonnull(strstr(y, "  - name: c0\n    container:\n"
                                    "      args: ['{{inputs.parameters.p}}']\n"
                                    "      command: [bash]\n"));
    ck_assert_ptr_nonnull(strstr(y, "      - {name: MODE, value: z}\n"));
    ck_assert_ptr_nonnull(strstr(y, "      - {mountPath: /m, name: vol, readOnly: true}\n"));
    ck_assert_ptr_nonnull(strstr(y, "      persistentVolumeClaim: {claimName: other}\n"));
    ck_assert_ptr_nonnull(strstr(y, " k: w,"));
    ck_assert_ptr_nonnull(strstr(y, "  - name: c5\n    container:\n      args: [x]\n"));
    const char *c5 = strstr(y, "  - name: c5\n"), *next = strstr(c5 + 1, "\n  - name: ");
    const char *in = strstr(c5, "    inputs:\n");
    ck_assert(next && (!in || in > next)); /* c5 reads no parameter */
    mpi_buf_release(&b);
    mp_doc_free(doc);
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
    tcase_add_test(tc, test_shared_parts);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
