/* SPDX-License-Identifier: MIT */
/* check_resource.c: resource ops (kfp's ResourceOp, VolumeOp, VolumeSnapshotOp): the graph API
 * and the resource template, with the manifest as PyYAML's yaml.dump writes it. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <mnistpipe/host.h>

#include "doc.h"
#include "workflow.h"

static struct mp_pipeline *p;
static struct mp_error *err;

static void setup(void)
{
    err = mp_error_new();
    ck_assert_int_eq(mp_pipeline_new("Res", &p, err), MP_OK);
}

static void teardown(void)
{
    mp_pipeline_free(p);
    mp_error_free(err);
}

START_TEST(test_api)
{
    struct mp_op *r, *c;
    ck_assert_int_eq(mp_pipeline_add_param(p, "who", "me", NULL, NULL, err), MP_OK);
    ck_assert_int_eq(mp_pipeline_add_resource_op(p, "cm", "create",
                                                 "{\"apiVersion\": \"v1\", \"kind\": "
                                                 "\"ConfigMap\", \"metadata\": {\"name\": "
                                                 "\"{{params.who}}\"}}",
                                                 &r, err),
                     MP_OK);
    ck_assert(mp_op_is_resource(r));
    ck_assert_ptr_null(mp_op_image(r));
    ck_assert_str_eq(mp_op_resource_action(r), "create");
    ck_assert_ptr_nonnull(strstr(mp_op_resource_manifest(r), "{{params.who}}"));
    ck_assert_int_eq(mp_op_param_ref_count(r), 1); /* placeholders of the manifest count */
    ck_assert_str_eq(mp_op_param_ref_at(r, 0), "who");
    ck_assert_int_eq(mp_op_resource_owner_reference(r), -1);
    ck_assert_int_eq(mp_op_set_resource_owner_reference(r, false, err), MP_OK);
    ck_assert_int_eq(mp_op_resource_owner_reference(r), 0);
    ck_assert_int_eq(mp_op_set_resource_conditions(r, "status.phase == Ready", NULL, err), MP_OK);
    ck_assert_str_eq(mp_op_resource_success_condition(r), "status.phase == Ready");
    ck_assert_ptr_null(mp_op_resource_failure_condition(r));
    /* a merge strategy is for apply only */
    ck_assert_int_eq(mp_op_set_resource_merge_strategy(r, "merge", err), MP_ERR_INVAL);
    ck_assert_ptr_nonnull(strstr(mp_error_message(err), "apply action only"));
    ck_assert_int_eq(mp_op_add_resource_flag(r, "--validate=false", err), MP_OK);
    ck_assert_int_eq(mp_op_add_resource_flag(r, "", err), MP_ERR_INVAL);
    ck_assert_int_eq(mp_op_resource_flag_count(r), 1);
    ck_assert_str_eq(mp_op_resource_flag_at(r, 0), "--validate=false");
    ck_assert_ptr_null(mp_op_resource_flag_at(r, 1));
    /* JSON-path outputs are outputs; adding a name again replaces the path */
    ck_assert_int_eq(mp_op_add_resource_output(r, "name", "{.metadata.name}", err), MP_OK);
    ck_assert_int_eq(mp_op_add_resource_output(r, "name", "{.metadata.uid}", err), MP_OK);
    ck_assert_int_eq(mp_op_add_resource_output(r, "phase", ".status.phase", err), MP_ERR_INVAL);
    ck_assert_int_eq(mp_op_add_resource_output(r, "9bad", "{}", err), MP_ERR_INVAL);
    ck_assert_int_eq(mp_op_output_count(r), 1);
    ck_assert_str_eq(mp_op_output_path(r, 0), "{.metadata.uid}");
    ck_assert_int_eq(mp_op_output_kind(r, 0), MP_OUTPUT_PARAMETER);
    /* a container op reads it; no image needed for the resource op */
    ck_assert_int_eq(mp_pipeline_add_op(p, "use", "busybox", &c, err), MP_OK);
    ck_assert_int_eq(mp_op_add_arg(c, "{{steps.cm.outputs.name}}", err), MP_OK);
    ck_assert_int_eq(mp_pipeline_validate(p, err), MP_OK);
    /* container ops are not resource ops */
    ck_assert(!mp_op_is_resource(c));
    ck_assert_ptr_null(mp_op_resource_action(c));
    ck_assert_int_eq(mp_op_set_resource_owner_reference(c, true, err), MP_ERR_INVAL);
    ck_assert_int_eq(mp_op_add_resource_output(c, "x", "{}", err), MP_ERR_INVAL);
    ck_assert(!mp_op_is_resource(NULL));
    ck_assert_int_eq(mp_op_set_resource_conditions(NULL, "a", "b", err), MP_ERR_INVAL);
}
END_TEST

START_TEST(test_bad_ops)
{
    struct mp_op *r = NULL;
    ck_assert_int_eq(mp_pipeline_add_resource_op(p, "a", "creat", "{}", &r, err), MP_ERR_INVAL);
    ck_assert_ptr_nonnull(strstr(mp_error_message(err), "'creat'"));
    ck_assert_int_eq(mp_pipeline_add_resource_op(p, "a", "create", "[1]", &r, err),
                     MP_ERR_PARSE);
    ck_assert_int_eq(mp_pipeline_add_resource_op(p, "a", "create", "{", &r, err), MP_ERR_PARSE);
    ck_assert_int_eq(mp_pipeline_add_resource_op(p, "Bad_Name", "create", "{}", &r, err),
                     MP_ERR_INVAL);
    ck_assert_int_eq(mp_pipeline_add_resource_op(p, "a", "create", NULL, &r, err),
                     MP_ERR_INVAL);
    ck_assert_ptr_null(r);
    ck_assert_int_eq(mp_pipeline_op_count(p), 0);
    ck_assert_int_eq(mp_pipeline_add_resource_op(p, "a", "apply", "{}", &r, err), MP_OK);
    ck_assert_int_eq(mp_op_set_resource_merge_strategy(r, "theirs", err), MP_ERR_INVAL);
    ck_assert_int_eq(mp_op_set_resource_merge_strategy(r, "json", err), MP_OK);
    ck_assert_str_eq(mp_op_resource_merge_strategy(r), "json");
    ck_assert_int_eq(mp_pipeline_add_resource_op(p, "a", "create", "{}", NULL, err),
                     MP_ERR_EXISTS);
    /* the manifest's placeholders are checked as any op's */
    ck_assert_int_eq(mp_pipeline_add_resource_op(p, "b", "create",
                                                 "{\"x\": \"{{params.nope}}\"}", NULL, err),
                     MP_OK);
    ck_assert_int_eq(mp_pipeline_validate(p, err), MP_ERR_VALIDATE);
    ck_assert_ptr_nonnull(strstr(mp_error_message(err), "nope"));
}
END_TEST

/* The template named @name in the workflow @wf. */
static const struct mp_node *template(const struct mp_node *wf, const char *name)
{
    const struct mp_node *t = mp_node_get(mp_node_get(wf, "spec"), "templates");
    for (size_t i = 0; t && i < t->n; i++) {
        const struct mp_node *n = mp_node_get(t->items[i], "name");
        if (n && !strcmp(n->str, name))
            return t->items[i];
    }
    return NULL;
}

START_TEST(test_template)
{
    struct mp_op *r;
    ck_assert_int_eq(mp_pipeline_add_param(p, "who", "me", NULL, NULL, err), MP_OK);
    /* Every kind of value; the expected text is PyYAML's
     * yaml.dump(obj, default_flow_style=False), as kfp 1.8 writes a manifest. */
    ck_assert_int_eq(
        mp_pipeline_add_resource_op(
            p, "cm", "apply",
            "{\"kind\": \"ConfigMap\", \"apiVersion\": \"v1\", \"metadata\": {\"name\": "
            "\"{{params.who}}-cm\", \"labels\": {}}, \"data\": {\"flag\": \"true\", \"num\": "
            "\"123\", \"text\": \"caf\\u00e9\", \"long\": \"word word word word word word word "
            "word word word word word word word word word word word word word\", \"key: value\": "
            "\"a: b\", \"empty\": \"\"}, \"spec\": {\"replicas\": 3, \"ratio\": 0.5, \"whole\": "
            "2.0, \"on\": true, \"none\": null, \"list\": [], \"ports\": [{\"port\": 80, "
            "\"name\": \"http\"}]}}",
            &r, err),
        MP_OK);
    ck_assert_int_eq(mp_op_set_resource_merge_strategy(r, "merge", err), MP_OK);
    ck_assert_int_eq(mp_op_set_resource_conditions(r, NULL, "status.x == {{params.who}}", err),
                     MP_OK);
    ck_assert_int_eq(mp_op_set_resource_owner_reference(r, true, err), MP_OK);
    ck_assert_int_eq(mp_op_add_resource_output(r, "uid", "{.metadata.uid}", err), MP_OK);
    ck_assert_int_eq(mp_op_add_resource_output(r, "name", "{.metadata.name}", err), MP_OK);
    struct mp_doc *doc = mp_doc_new();
    struct mp_node *wf;
    ck_assert_int_eq(mp_workflow_build(p, NULL, doc, &wf, err), MP_OK);
    const struct mp_node *t = template(wf, "cm");
    ck_assert_ptr_nonnull(t);
    ck_assert_ptr_null(mp_node_get(t, "container"));
    const struct mp_node *res = mp_node_get(t, "resource");
    ck_assert_str_eq(mp_node_get(res, "action")->str, "apply");
    ck_assert_str_eq(mp_node_get(res, "mergeStrategy")->str, "merge");
    ck_assert_str_eq(mp_node_get(res, "failureCondition")->str,
                     "status.x == {{inputs.parameters.who}}");
    ck_assert_ptr_null(mp_node_get(res, "successCondition"));
    ck_assert(mp_node_get(res, "setOwnerReference")->flag);
    ck_assert_str_eq(mp_node_get(res, "manifest")->str,
                     "apiVersion: v1\ndata:\n  empty: ''\n  flag: 'true'\n  'key: value': 'a: b'\n"
                     "  long: word word word word word word word word word word word word word "
                     "word word\n    word word word word word\n  num: '123'\n  text: "
                     "\"caf\\xE9\"\nkind: ConfigMap\nmetadata:\n  labels: {}\n  name: "
                     "'{{inputs.parameters.who}}-cm'\nspec:\n  list: []\n  none: null\n  'on': "
                     "true\n  ports:\n  - name: http\n    port: 80\n  ratio: 0.5\n  replicas: 3\n"
                     "  whole: 2.0\n");
    /* outputs sorted by Argo name, read by JSON path; the parameter it reads is an input */
    const struct mp_node *outs = mp_node_get(mp_node_get(t, "outputs"), "parameters");
    ck_assert_int_eq(mp_node_count(outs), 2);
    ck_assert_str_eq(mp_node_get(outs->items[0], "name")->str, "cm-name");
    ck_assert_str_eq(mp_node_get(mp_node_get(outs->items[1], "valueFrom"), "jsonPath")->str,
                     "{.metadata.uid}");
    ck_assert_ptr_null(mp_node_get(mp_node_get(t, "outputs"), "artifacts"));
    const struct mp_node *in = mp_node_get(mp_node_get(t, "inputs"), "parameters");
    ck_assert_int_eq(mp_node_count(in), 1);
    ck_assert_str_eq(mp_node_get(in->items[0], "name")->str, "who");
    ck_assert_str_eq(
        mp_node_get(mp_node_get(mp_node_get(t, "metadata"), "labels"),
                    "pipelines.kubeflow.org/enable_caching")->str,
        "true");
    mp_doc_free(doc);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("resource");
    TCase *tc = tcase_create("resource");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_api);
    tcase_add_test(tc, test_bad_ops);
    tcase_add_test(tc, test_template);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
