/* SPDX-License-Identifier: MIT */
/* check_graph.c: pipelines, params, ops, placeholders, validation, the built-in MNIST. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mnistpipe/host.h>

#include "buf.h"
#include "placeholder.h"

static struct mp_error *err;
static struct mp_pipeline *p;

static void setup(void)
{
    err = mp_error_new();
    ck_assert_int_eq(mp_pipeline_new("My Pipeline", &p, err), MP_OK);
}

static void teardown(void)
{
    mp_pipeline_free(p);
    mp_error_free(err);
}

static int render_param(void *user, const char *name, struct mp_buf *out, struct mp_error *e)
{
    (void)user;
    (void)e;
    return mp_buf_printf(out, "<%s>", name);
}

static int render_output(void *user, const char *step, const char *output, struct mp_buf *out,
                         struct mp_error *e)
{
    (void)user;
    (void)e;
    return mp_buf_printf(out, "[%s/%s]", step, output);
}

START_TEST(test_params)
{
    struct mp_param *a;
    ck_assert_int_eq(mp_pipeline_add_param(p, "steps", "200", "Integer", &a, err), MP_OK);
    ck_assert_int_eq(mp_pipeline_add_param(p, "dir", NULL, NULL, NULL, err), MP_OK);
    ck_assert_int_eq(mp_pipeline_add_param(p, "steps", "1", NULL, NULL, err), MP_ERR_EXISTS);
    ck_assert_int_eq(mp_pipeline_add_param(p, "9bad", "1", NULL, NULL, err), MP_ERR_INVAL);
    ck_assert_int_eq(mp_pipeline_add_param(p, "a b", "1", NULL, NULL, err), MP_ERR_INVAL);
    ck_assert_uint_eq(mp_pipeline_param_count(p), 2);
    ck_assert_str_eq(mp_param_name(mp_pipeline_param_at(p, 1)), "dir");
    ck_assert_ptr_null(mp_param_default(mp_pipeline_param_at(p, 1)));
    ck_assert_str_eq(mp_param_type(a), "Integer");
    ck_assert_ptr_eq(mp_pipeline_find_param(p, "steps"), a);
    ck_assert_int_eq(mp_param_set_default(a, "500", err), MP_OK);
    ck_assert_str_eq(mp_param_default(a), "500");
    ck_assert_ptr_null(mp_pipeline_param_at(p, 2));
}
END_TEST

START_TEST(test_ops_and_refs)
{
    struct mp_op *op;
    mp_pipeline_add_param(p, "b", "1", NULL, NULL, err);
    mp_pipeline_add_param(p, "a", "2", NULL, NULL, err);
    ck_assert_int_eq(mp_pipeline_add_op(p, "train", "img:1", &op, err), MP_OK);
    ck_assert_int_eq(mp_pipeline_add_op(p, "train", "img:2", NULL, err), MP_ERR_EXISTS);
    ck_assert_int_eq(mp_pipeline_add_op(p, "Train", "img", NULL, err), MP_ERR_INVAL);
    ck_assert_int_eq(mp_pipeline_add_op(p, "-x", "img", NULL, err), MP_ERR_INVAL);
    ck_assert_int_eq(mp_op_add_arg(op, "--x={{params.b}}/{{params.a}}", err), MP_OK);
    ck_assert_int_eq(mp_op_add_arg(op, "{{params.b}}", err), MP_OK);
    ck_assert_int_eq(mp_op_add_arg(op, "{{workflow.name}}", err), MP_OK);
    ck_assert_uint_eq(mp_op_param_ref_count(op), 2);
    ck_assert_str_eq(mp_op_param_ref_at(op, 0), "a");
    ck_assert_str_eq(mp_op_param_ref_at(op, 1), "b");
    ck_assert_int_eq(mp_op_add_env(op, "X", "1", err), MP_OK);
    ck_assert_int_eq(mp_op_add_env(op, "X", "2", err), MP_ERR_EXISTS);
    ck_assert_int_eq(mp_op_add_env_from_secret(op, "Y", "sec", "key", err), MP_OK);
    ck_assert_ptr_null(mp_op_env_value(op, 1));
    ck_assert_str_eq(mp_op_env_secret(op, 1), "sec");
    ck_assert_int_eq(mp_op_add_volume(op, "data", MP_VOLUME_PVC, "{{params.a}}", err), MP_OK);
    ck_assert_int_eq(mp_op_add_volume(op, "data", MP_VOLUME_PVC, "{{params.a}}", err), MP_OK);
    ck_assert_int_eq(mp_op_add_volume(op, "data", MP_VOLUME_SECRET, "x", err), MP_ERR_EXISTS);
    ck_assert_int_eq(mp_op_add_volume(op, "tmp", MP_VOLUME_EMPTY_DIR, NULL, err), MP_OK);
    ck_assert_int_eq(mp_op_add_volume(op, "tmp2", MP_VOLUME_EMPTY_DIR, "x", err), MP_ERR_INVAL);
    ck_assert_uint_eq(mp_op_volume_count(op), 2);
    ck_assert_int_eq(mp_op_add_volume_mount(op, "data", "/mnt", false, err), MP_OK);
    ck_assert_int_eq(mp_op_add_volume_mount(op, "data", "/mnt", false, err), MP_OK);
    ck_assert_int_eq(mp_op_add_volume_mount(op, "tmp", "/mnt", false, err), MP_ERR_EXISTS);
    ck_assert_int_eq(mp_op_add_volume_mount(op, "tmp", "rel", false, err), MP_ERR_INVAL);
    ck_assert_uint_eq(mp_op_volume_mount_count(op), 1);
    ck_assert_int_eq(mp_op_add_dependency(op, "train", err), MP_ERR_INVAL);
    ck_assert_int_eq(mp_op_set_label(op, "k", "v1", err), MP_OK);
    ck_assert_int_eq(mp_op_set_label(op, "k", "v2", err), MP_OK);
    ck_assert_uint_eq(mp_op_label_count(op), 1);
    ck_assert_str_eq(mp_op_label_value(op, 0), "v2");
    ck_assert_ptr_eq(mp_pipeline_find_op(p, "train"), op);
}
END_TEST

/* Replacing the image drops the references only the old image held, and keeps those another
 * string of the op (or the new image) still holds. */
START_TEST(test_set_image_refs)
{
    struct mp_op *op, *gen;
    mp_pipeline_add_param(p, "tag", "1", NULL, NULL, err);
    mp_pipeline_add_param(p, "repo", "r", NULL, NULL, err);
    mp_pipeline_add_param(p, "both", "b", NULL, NULL, err);
    ck_assert_int_eq(mp_pipeline_add_op(p, "gen", "img", &gen, err), MP_OK);
    ck_assert_int_eq(mp_op_add_output(gen, "v", "/tmp/v", MP_OUTPUT_PARAMETER, err), MP_OK);
    ck_assert_int_eq(mp_pipeline_add_op(p, "train",
                                        "{{params.repo}}/x:{{params.tag}}-{{params.both}}-"
                                        "{{steps.gen.outputs.v}}-{{item.k}}", &op, err), MP_OK);
    ck_assert_int_eq(mp_op_add_arg(op, "{{params.both}}", err), MP_OK);
    ck_assert_uint_eq(mp_op_param_ref_count(op), 3);
    ck_assert_uint_eq(mp_op_output_ref_count(op), 1);
    ck_assert_uint_eq(mp_op_item_ref_count(op), 1);
    ck_assert_int_eq(mp_op_set_image(op, "{{params.repo}}/y:latest", err), MP_OK);
    ck_assert_str_eq(mp_op_image(op), "{{params.repo}}/y:latest");
    ck_assert_uint_eq(mp_op_param_ref_count(op), 2);
    ck_assert_str_eq(mp_op_param_ref_at(op, 0), "both"); /* still in args */
    ck_assert_str_eq(mp_op_param_ref_at(op, 1), "repo"); /* in the new image */
    ck_assert_uint_eq(mp_op_output_ref_count(op), 0);
    ck_assert_uint_eq(mp_op_item_ref_count(op), 0);
    ck_assert_int_eq(mp_op_set_image(op, "plain", err), MP_OK);
    ck_assert_uint_eq(mp_op_param_ref_count(op), 1);
    ck_assert_str_eq(mp_op_param_ref_at(op, 0), "both");
    ck_assert_int_eq(mp_pipeline_validate(p, err), MP_OK); /* no stale {{item.k}} */
}
END_TEST

/* Every setter that replaces a string (a label, an annotation, a node selector, a resource
 * quantity, the affinity, resource conditions) drops the references only the old one held. */
START_TEST(test_setter_refs)
{
    struct mp_op *op, *res;
    const char *names[] = {"a", "b", "c", "d", "e", "f", "g", NULL};
    for (const char **n = names; *n; n++)
        ck_assert_int_eq(mp_pipeline_add_param(p, *n, "1", NULL, NULL, err), MP_OK);
    ck_assert_int_eq(mp_pipeline_add_op(p, "op", "img", &op, err), MP_OK);
    ck_assert_int_eq(mp_op_set_label(op, "l", "{{params.a}}-{{item.k}}", err), MP_OK);
    ck_assert_int_eq(mp_op_set_annotation(op, "n", "{{params.b}}", err), MP_OK);
    ck_assert_int_eq(mp_op_set_node_selector(op, "s", "{{params.c}}", err), MP_OK);
    ck_assert_int_eq(mp_op_set_resource(op, MP_RESOURCE_LIMIT, "cpu", "{{params.d}}", false,
                                        err), MP_OK);
    ck_assert_int_eq(mp_op_set_affinity(op, "{\"x\": \"{{params.e}}\"}", err), MP_OK);
    ck_assert_uint_eq(mp_op_param_ref_count(op), 5);
    ck_assert_uint_eq(mp_op_item_ref_count(op), 1);
    ck_assert_int_eq(mp_op_set_label(op, "l", "plain", err), MP_OK);
    ck_assert_int_eq(mp_op_set_annotation(op, "n", "{{params.a}}", err), MP_OK);
    ck_assert_int_eq(mp_op_set_node_selector(op, "s", "x", err), MP_OK);
    ck_assert_int_eq(mp_op_set_resource(op, MP_RESOURCE_LIMIT, "cpu", "1", false, err), MP_OK);
    ck_assert_int_eq(mp_op_set_affinity(op, "{}", err), MP_OK);
    ck_assert_uint_eq(mp_op_param_ref_count(op), 1);
    ck_assert_str_eq(mp_op_param_ref_at(op, 0), "a"); /* now in the annotation */
    ck_assert_uint_eq(mp_op_item_ref_count(op), 0);
    ck_assert_int_eq(mp_pipeline_validate(p, err), MP_OK); /* no stale {{item.k}} */
    ck_assert_int_eq(mp_pipeline_add_resource_op(p, "res", "create",
                                                 "{\"apiVersion\": \"v1\", \"kind\": \"X\"}",
                                                 &res, err), MP_OK);
    ck_assert_int_eq(mp_op_set_resource_conditions(res, "{{params.f}}", "{{params.g}}", err),
                     MP_OK);
    ck_assert_uint_eq(mp_op_param_ref_count(res), 2);
    ck_assert_int_eq(mp_op_set_resource_conditions(res, "{{params.f}}", NULL, err), MP_OK);
    ck_assert_uint_eq(mp_op_param_ref_count(res), 1);
    ck_assert_str_eq(mp_op_param_ref_at(res, 0), "f");
}
END_TEST

/* {{loops.LOOP.item[.KEY]}}: recorded, dropped with the string, and valid only inside a loop
 * of that name; a loop may run over (a key of) an enclosing loop's item. */
START_TEST(test_loop_refs)
{
    struct mp_group *outer, *inner, *cond;
    struct mp_op *op;
    ck_assert_int_eq(mp_pipeline_add_group(p, MP_GROUP_LOOP, NULL, &outer, err), MP_OK);
    ck_assert_int_eq(mp_group_set_loop_items(outer, "[{\"s\": [1, 2]}]", err), MP_OK);
    ck_assert_int_eq(mp_group_set_name(outer, "outer", err), MP_OK);
    ck_assert_int_eq(mp_pipeline_add_group(p, MP_GROUP_LOOP, outer, &inner, err), MP_OK);
    ck_assert_int_eq(mp_group_set_loop_source(inner, "{{item.s}}", err), MP_OK);
    ck_assert_int_eq(mp_group_set_loop_source(inner, "{{loops.outer.item.s}}", err), MP_OK);
    ck_assert_int_eq(mp_group_set_loop_source(inner, "x{{item}}", err), MP_ERR_INVAL);
    ck_assert_int_eq(mp_pipeline_add_op(p, "op", "img", &op, err), MP_OK);
    ck_assert_int_eq(mp_op_add_arg(op, "{{loops.outer.item.s}} {{loops.outer.item}} {{item}}",
                                   err), MP_OK);
    ck_assert_int_eq(mp_op_set_label(op, "l", "{{loops.nope.item}}", err), MP_OK);
    ck_assert_int_eq(mp_op_set_group(op, inner, err), MP_OK);
    ck_assert_int_eq(mp_pipeline_validate(p, err), MP_ERR_VALIDATE);
    ck_assert_ptr_nonnull(strstr(mp_error_message(err), "no parallelFor named 'nope'"));
    ck_assert_int_eq(mp_op_set_label(op, "l", "x", err), MP_OK);
    ck_assert_int_eq(mp_pipeline_validate(p, err), MP_OK);
    /* a loop over an item must be inside a loop (of that name) */
    ck_assert_int_eq(mp_pipeline_add_group(p, MP_GROUP_CONDITION, NULL, &cond, err), MP_OK);
    ck_assert_int_eq(mp_group_set_condition(cond, "{{item}}", "==", "a", err), MP_OK);
    ck_assert_int_eq(mp_pipeline_validate(p, err), MP_ERR_VALIDATE);
    ck_assert_ptr_nonnull(strstr(mp_error_message(err), "is in no loop"));
    ck_assert_int_eq(mp_group_set_condition(cond, "{{loops.outer.item}}", "==", "a", err),
                     MP_OK);
    ck_assert_int_eq(mp_pipeline_validate(p, err), MP_ERR_VALIDATE);
    ck_assert_ptr_nonnull(strstr(mp_error_message(err), "no parallelFor named 'outer'"));
}
END_TEST

static int upper(void *user, const char *name, struct mp_buf *out, struct mp_error *e)
{
    (void)e;
    ++*(int *)user;
    for (const char *c = name; *c; c++)
        mp_buf_putc(out, (char)(*c >= 'a' && *c <= 'z' ? *c - 32 : *c));
    return MP_OK;
}

START_TEST(test_render)
{
    struct mp_buf b;
    int calls = 0;
    mpi_buf_init(&b);
    ck_assert_int_eq(mp_render("a{{params.x}}b{{ params.y }}{{params.zz}}{{params.}}", upper,
                               &calls, &b, err),
                     MP_OK);
    ck_assert_str_eq(mp_buf_data(&b), "aXb{{ params.y }}ZZ{{params.}}");
    ck_assert_int_eq(calls, 2);
    mpi_buf_release(&b);
}
END_TEST

static struct mp_op *op3(const char *name, const char *dep)
{
    struct mp_op *op;
    ck_assert_int_eq(mp_pipeline_add_op(p, name, "img", &op, err), MP_OK);
    if (dep)
        ck_assert_int_eq(mp_op_add_dependency(op, dep, err), MP_OK);
    return op;
}

START_TEST(test_validate_cycle)
{
    op3("a", "c");
    op3("b", "a");
    op3("c", "b");
    op3("d", NULL);
    ck_assert_int_eq(mp_pipeline_validate(p, err), MP_ERR_VALIDATE);
    ck_assert_str_eq(mp_error_message(err),
                     "dependency cycle: a -> c -> b -> a (each runs after the next)");
}
END_TEST

START_TEST(test_validate_problems)
{
    ck_assert_int_eq(mp_pipeline_validate(p, err), MP_ERR_VALIDATE);
    ck_assert_ptr_nonnull(strstr(mp_error_message(err), "has no ops"));
    struct mp_op *a = op3("a", "ghost");
    ck_assert_int_eq(mp_pipeline_validate(p, err), MP_ERR_VALIDATE);
    ck_assert_str_eq(mp_error_message(err),
                     "op 'a': runs after 'ghost', which is neither an op nor a named group of this pipeline");
    op3("ghost", NULL);
    ck_assert_int_eq(mp_pipeline_validate(p, err), MP_OK);
    mp_op_add_arg(a, "{{params.nope}}", err);
    ck_assert_int_eq(mp_pipeline_validate(p, err), MP_ERR_VALIDATE);
    ck_assert_ptr_nonnull(strstr(mp_error_message(err), "no parameter 'nope'"));
}
END_TEST

/* The parameter references of every string an op holds are checked, with the same message
 * whether the op's noted references are all declared (no scan) or not (a scan finds which
 * string has the undeclared one). */
START_TEST(test_validate_param_refs)
{
    ck_assert_int_eq(mp_pipeline_add_param(p, "size", "1", NULL, NULL, err), MP_OK);
    struct mp_op *a = op3("a", NULL);
    ck_assert_int_eq(mp_op_add_arg(a, "--size={{params.size}}", err), MP_OK);
    ck_assert_int_eq(mp_op_set_label(a, "l", "{{params.gone}}", err), MP_OK);
    ck_assert_int_eq(mp_pipeline_validate(p, err), MP_ERR_VALIDATE);
    ck_assert_str_eq(mp_error_message(err), "op 'a': a label refers to {{params.gone}}, but "
                     "the pipeline has no parameter 'gone'");
    /* the label's new value drops its reference */
    ck_assert_int_eq(mp_op_set_label(a, "l", "{{params.size}}", err), MP_OK);
    ck_assert_int_eq(mp_pipeline_validate(p, err), MP_OK);
    ck_assert_int_eq(mp_op_add_env(a, "E", "x{{params.size}}y{{params.other}}", err), MP_OK);
    ck_assert_int_eq(mp_pipeline_validate(p, err), MP_ERR_VALIDATE);
    ck_assert_str_eq(mp_error_message(err), "op 'a': env refers to {{params.other}}, but the "
                     "pipeline has no parameter 'other'");
    ck_assert_int_eq(mp_pipeline_add_param(p, "other", NULL, NULL, NULL, err), MP_OK);
    ck_assert_int_eq(mp_pipeline_validate(p, err), MP_OK);
    ck_assert_int_eq(mp_op_add_command(op3("b", "a"), "{{params.a-b}}", err), MP_OK);
    ck_assert_int_eq(mp_pipeline_validate(p, err), MP_ERR_VALIDATE);
    ck_assert_str_eq(mp_error_message(err), "op 'b': command refers to {{params.a-b}}, but the "
                     "pipeline has no parameter 'a-b'");
}
END_TEST

START_TEST(test_builtin_mnist)
{
    struct mp_pipeline *m;
    ck_assert_int_eq(mp_builtin_pipeline("mnist", NULL, 0, &m, err), MP_OK);
    ck_assert_str_eq(mp_pipeline_name(m), "MNIST");
    ck_assert_uint_eq(mp_pipeline_param_count(m), 5);
    ck_assert_uint_eq(mp_pipeline_op_count(m), 3);
    ck_assert_int_eq(mp_pipeline_validate(m, err), MP_OK);
    /* GCP form: serve has no on-prem arguments. */
    ck_assert_uint_eq(mp_op_arg_count(mp_pipeline_find_op(m, "serve")), 4);
    mp_pipeline_free(m);
    const char *onprem[] = {"onprem"};
    ck_assert_int_eq(mp_builtin_pipeline("mnist", onprem, 1, &m, err), MP_OK);
    struct mp_op *serve = mp_pipeline_find_op(m, "serve");
    ck_assert_uint_eq(mp_op_arg_count(serve), 8);
    ck_assert_str_eq(mp_op_arg_at(serve, 7), "{{params.pvc_name}}");
    ck_assert_str_eq(mp_op_dependency_at(serve, 0), "train");
    mp_pipeline_free(m);
    ck_assert_int_eq(mp_builtin_pipeline("nope", NULL, 0, &m, err), MP_ERR_NOTFOUND);
}
END_TEST

START_TEST(test_outputs)
{
    struct mp_op *prep, *train, *eval;
    size_t k = 99;
    ck_assert_int_eq(mp_pipeline_add_op(p, "prep", "img", &prep, err), MP_OK);
    ck_assert_int_eq(mp_pipeline_add_op(p, "train", "img", &train, err), MP_OK);
    ck_assert_int_eq(mp_pipeline_add_op(p, "eval", "img", &eval, err), MP_OK);
    ck_assert_int_eq(mp_op_add_output(prep, "data", "/tmp/data", MP_OUTPUT_PARAMETER, err), MP_OK);
    ck_assert_int_eq(mp_op_add_output(prep, "model", "/tmp/m", MP_OUTPUT_ARTIFACT, err), MP_OK);
    ck_assert_int_eq(mp_op_add_output(prep, "data", "/x", MP_OUTPUT_PARAMETER, err), MP_ERR_EXISTS);
    ck_assert_int_eq(mp_op_add_output(prep, "rel", "tmp/x", MP_OUTPUT_PARAMETER, err), MP_ERR_INVAL);
    ck_assert_int_eq(mp_op_add_output(prep, "9x", "/x", MP_OUTPUT_PARAMETER, err), MP_ERR_INVAL);
    ck_assert_int_eq(mp_op_add_output(prep, "k", "/x", (enum mp_output_kind)7, err), MP_ERR_INVAL);
    ck_assert_uint_eq(mp_op_output_count(prep), 2);
    ck_assert_str_eq(mp_op_output_name(prep, 1), "model");
    ck_assert_str_eq(mp_op_output_path(prep, 1), "/tmp/m");
    ck_assert_int_eq(mp_op_output_kind(prep, 1), MP_OUTPUT_ARTIFACT);
    ck_assert_int_eq(mp_op_output_kind(prep, 2), 0);
    ck_assert_ptr_null(mp_op_output_name(prep, 2));
    ck_assert_int_eq(mp_op_find_output(prep, "model", &k, err), MP_OK);
    ck_assert_uint_eq(k, 1);
    ck_assert_int_eq(mp_op_find_output(prep, "nope", &k, err), MP_ERR_NOTFOUND);
    ck_assert_uint_eq(k, 1);

    /* Output placeholders: recorded sorted by Argo name, distinct; implicit dependencies. */
    ck_assert_int_eq(mp_op_add_arg(train, "--data={{steps.prep.outputs.data}}", err), MP_OK);
    ck_assert_int_eq(mp_op_add_env(train, "D", "{{steps.prep.outputs.data}}", err), MP_OK);
    ck_assert_uint_eq(mp_op_output_ref_count(train), 1);
    ck_assert_str_eq(mp_op_output_ref_step(train, 0), "prep");
    ck_assert_str_eq(mp_op_output_ref_output(train, 0), "data");
    ck_assert_ptr_null(mp_op_output_ref_step(train, 1));
    ck_assert_int_eq(mp_op_add_input_artifact(train, "prep", "model", "/in/model", err), MP_OK);
    ck_assert_int_eq(mp_op_add_input_artifact(train, "prep", "model", "/in/model", err),
                     MP_ERR_EXISTS);
    ck_assert_int_eq(mp_op_add_input_artifact(train, "train", "model", "/in/x", err), MP_ERR_INVAL);
    ck_assert_int_eq(mp_op_add_input_artifact(train, "prep", "model", "in", err), MP_ERR_INVAL);
    ck_assert_uint_eq(mp_op_input_artifact_count(train), 1);
    ck_assert_str_eq(mp_op_input_artifact_step(train, 0), "prep");
    ck_assert_str_eq(mp_op_input_artifact_output(train, 0), "model");
    ck_assert_str_eq(mp_op_input_artifact_path(train, 0), "/in/model");
    ck_assert_int_eq(mp_pipeline_validate(p, err), MP_OK);

    /* Rendering: parameters and outputs each through their own callback. */
    struct mp_buf *b = mp_buf_new();
    ck_assert_int_eq(mp_render("{{steps.prep.outputs.data}}", NULL, NULL, b, err), MP_ERR_INVAL);
    mp_buf_free(b);

    /* Unknown outputs, artifacts read as strings and cycles through outputs are refused. */
    ck_assert_int_eq(mp_op_add_arg(eval, "{{steps.prep.outputs.nope}}", err), MP_OK);
    ck_assert_int_eq(mp_pipeline_validate(p, err), MP_ERR_VALIDATE);
    ck_assert_ptr_nonnull(strstr(mp_error_message(err), "has no such output"));
}
END_TEST

START_TEST(test_output_rules)
{
    struct mp_op *a, *b;
    ck_assert_int_eq(mp_pipeline_add_op(p, "a", "img", &a, err), MP_OK);
    ck_assert_int_eq(mp_pipeline_add_op(p, "b", "img", &b, err), MP_OK);
    ck_assert_int_eq(mp_op_add_output(a, "m", "/m", MP_OUTPUT_ARTIFACT, err), MP_OK);
    ck_assert_int_eq(mp_op_add_output(b, "v", "/v", MP_OUTPUT_PARAMETER, err), MP_OK);
    ck_assert_int_eq(mp_op_add_arg(b, "{{steps.a.outputs.m}}", err), MP_OK);
    ck_assert_int_eq(mp_pipeline_validate(p, err), MP_ERR_VALIDATE);
    ck_assert_ptr_nonnull(strstr(mp_error_message(err), "is an artifact"));
    struct mp_pipeline *q;
    struct mp_op *c, *d;
    ck_assert_int_eq(mp_pipeline_new("q", &q, err), MP_OK);
    ck_assert_int_eq(mp_pipeline_add_op(q, "c", "img", &c, err), MP_OK);
    ck_assert_int_eq(mp_pipeline_add_op(q, "d", "img", &d, err), MP_OK);
    ck_assert_int_eq(mp_op_add_output(c, "x", "/x", MP_OUTPUT_PARAMETER, err), MP_OK);
    ck_assert_int_eq(mp_op_add_output(d, "y", "/y", MP_OUTPUT_ARTIFACT, err), MP_OK);
    ck_assert_int_eq(mp_op_add_arg(d, "{{steps.c.outputs.x}}", err), MP_OK);
    ck_assert_int_eq(mp_op_add_input_artifact(c, "d", "y", "/in/y", err), MP_OK);
    ck_assert_int_eq(mp_pipeline_validate(q, err), MP_ERR_VALIDATE);
    ck_assert_ptr_nonnull(strstr(mp_error_message(err), "dependency cycle"));
    mp_pipeline_free(q);
}
END_TEST

/* A file made in a loop is readable only inside that loop: Argo gathers a loop's parameter
 * outputs after it, never its artifacts. */
START_TEST(test_artifact_scope)
{
    struct mp_op *a, *b, *c;
    struct mp_group *loop;
    ck_assert_int_eq(mp_pipeline_add_group(p, MP_GROUP_LOOP, NULL, &loop, err), MP_OK);
    ck_assert_int_eq(mp_group_set_loop_items(loop, "[1, 2]", err), MP_OK);
    ck_assert_int_eq(mp_pipeline_add_op(p, "a", "img", &a, err), MP_OK);
    ck_assert_int_eq(mp_op_set_group(a, loop, err), MP_OK);
    ck_assert_int_eq(mp_op_add_output(a, "m", "/m", MP_OUTPUT_ARTIFACT, err), MP_OK);
    ck_assert_int_eq(mp_pipeline_add_op(p, "b", "img", &b, err), MP_OK);
    ck_assert_int_eq(mp_op_set_group(b, loop, err), MP_OK);
    ck_assert_int_eq(mp_op_add_input_artifact(b, "a", "m", "/in/m", err), MP_OK);
    ck_assert_msg(mp_pipeline_validate(p, err) == MP_OK, "%s", mp_error_message(err));
    ck_assert_int_eq(mp_pipeline_add_op(p, "c", "img", &c, err), MP_OK);
    ck_assert_int_eq(mp_op_add_input_artifact(c, "a", "m", "/in/m", err), MP_OK);
    ck_assert_int_eq(mp_pipeline_validate(p, err), MP_ERR_VALIDATE);
    ck_assert_ptr_nonnull(strstr(mp_error_message(err), "op 'c' takes artifact 'm' of 'a'"));
    ck_assert_ptr_nonnull(strstr(mp_error_message(err), "never its artifacts"));
}
END_TEST

START_TEST(test_render_outputs)
{
    struct mp_buf *b = mp_buf_new();
    ck_assert_int_eq(mp_render_outputs("a {{params.x}} b {{steps.s-1.outputs.o_2}} c {{steps.S.outputs.o}}",
                                       render_param, render_output, NULL, b, err), MP_OK);
    ck_assert_str_eq(mp_buf_data(b), "a <x> b [s-1/o_2] c {{steps.S.outputs.o}}");
    mp_buf_reset(b);
    ck_assert_int_eq(mp_render("{{steps.s.outputs.o}}{{params.x}}", render_param, NULL, b, err), MP_OK);
    ck_assert_str_eq(mp_buf_data(b), "{{steps.s.outputs.o}}<x>");
    mp_buf_free(b);
}
END_TEST

START_TEST(test_pod_settings)
{
    struct mp_op *op;
    ck_assert_int_eq(mp_pipeline_add_op(p, "train", "img:{{params.tag}}", &op, err), MP_OK);
    ck_assert_uint_eq(mp_op_param_ref_count(op), 1); /* the image's parameter */
    ck_assert(mp_quantity_valid("500m"));
    ck_assert(mp_quantity_valid("1.5"));
    ck_assert(mp_quantity_valid("2Gi"));
    ck_assert(mp_quantity_valid("1e3"));
    ck_assert(mp_quantity_valid("{{params.cpu}}"));
    ck_assert(!mp_quantity_valid("2x"));
    ck_assert(!mp_quantity_valid(""));
    ck_assert(!mp_quantity_valid("-1"));
    ck_assert(!mp_quantity_valid("1Gb"));
    ck_assert_int_eq(mp_op_set_resource(op, MP_RESOURCE_LIMIT, "cpu", "2x", false, err), MP_ERR_INVAL);
    ck_assert_ptr_nonnull(strstr(mp_error_message(err), "not a Kubernetes quantity"));
    ck_assert_int_eq(mp_op_set_resource(op, MP_RESOURCE_LIMIT, "gpu", "1", true, err), MP_ERR_INVAL);
    ck_assert_int_eq(mp_op_set_resource(op, MP_RESOURCE_LIMIT, "nvidia.com/gpu", "1.5", true, err),
                     MP_ERR_INVAL);
    ck_assert_int_eq(mp_op_set_resource(op, MP_RESOURCE_LIMIT, "nvidia.com/gpu", "1", true, err), MP_OK);
    ck_assert_int_eq(mp_op_set_resource(op, MP_RESOURCE_REQUEST, "cpu", "500m", false, err), MP_OK);
    ck_assert_int_eq(mp_op_set_resource(op, MP_RESOURCE_REQUEST, "cpu", "1", false, err), MP_OK);
    ck_assert_uint_eq(mp_op_resource_count(op, MP_RESOURCE_REQUEST), 1);
    ck_assert_str_eq(mp_op_resource_quantity(op, MP_RESOURCE_REQUEST, 0), "1");
    ck_assert(mp_op_resource_is_number(op, MP_RESOURCE_LIMIT, 0));
    ck_assert_ptr_null(mp_op_resource_name(op, MP_RESOURCE_LIMIT, 1));
    ck_assert_int_eq(mp_op_add_toleration(op, "gpu", "Equal", "true", "NoSchedule", -1, err), MP_OK);
    ck_assert_int_eq(mp_op_add_toleration(op, "gpu", "Like", NULL, NULL, -1, err), MP_ERR_INVAL);
    ck_assert_int_eq(mp_op_toleration_seconds(op, 0), -1);
    ck_assert_str_eq(mp_op_toleration_effect(op, 0), "NoSchedule");
    ck_assert_int_eq(mp_op_set_affinity(op, "[1]", err), MP_ERR_PARSE);
    ck_assert_int_eq(mp_op_set_affinity(op, "{\"nodeAffinity\": {}}", err), MP_OK);
    ck_assert_int_eq(mp_op_add_container(op, MP_CONTAINER_SIDECAR, "{\"name\": \"s\"}", err), MP_ERR_INVAL);
    ck_assert_int_eq(mp_op_add_container(op, MP_CONTAINER_SIDECAR, "{\"name\": \"s\", \"image\": \"i\"}", err), MP_OK);
    ck_assert_int_eq(mp_op_add_container(op, MP_CONTAINER_SIDECAR, "{\"name\": \"s\", \"image\": \"j\"}", err), MP_ERR_EXISTS);
    ck_assert_int_eq(mp_op_add_container(op, MP_CONTAINER_INIT, "{\"name\": \"s\", \"image\": \"j\"}", err), MP_OK);
    ck_assert_uint_eq(mp_op_container_count(op, MP_CONTAINER_SIDECAR), 1);
    ck_assert_ptr_nonnull(strstr(mp_op_container_json(op, MP_CONTAINER_INIT, 0), "\"j\""));
    ck_assert_int_eq(mp_op_set_retry(op, 3, "Sometimes", NULL, 0, NULL, err), MP_ERR_INVAL);
    ck_assert_int_eq(mp_op_set_retry(op, 3, NULL, "30x", 0, NULL, err), MP_ERR_INVAL);
    ck_assert_int_eq(mp_op_set_retry(op, 3, NULL, NULL, 2, NULL, err), MP_ERR_INVAL);
    ck_assert_int_eq(mp_op_set_retry(op, 3, "Always", "30s", 2, "1h30m", err), MP_OK);
    ck_assert_uint_eq(mp_op_retry_backoff_factor(op), 2);
    ck_assert_str_eq(mp_op_retry_backoff_max_duration(op), "1h30m");
    ck_assert_int_eq(mp_op_set_timeout(op, -1, err), MP_ERR_INVAL);
    ck_assert_int_eq(mp_op_set_timeout(op, 60, err), MP_OK);
    ck_assert_int_eq(mp_op_timeout(op), 60);
    ck_assert_int_eq(mp_op_set_image_pull_policy(op, "Sometimes", err), MP_ERR_INVAL);
    ck_assert_int_eq(mp_op_add_env_from_field(op, "POD", "metadata.name", err), MP_OK);
    ck_assert_str_eq(mp_op_env_field(op, 0), "metadata.name");
    ck_assert_ptr_null(mp_op_env_value(op, 0));

    ck_assert_str_eq(mp_pipeline_service_account(p), "pipeline-runner");
    ck_assert_int_eq(mp_pipeline_set_service_account(p, "Bad Name", err), MP_ERR_INVAL);
    ck_assert_int_eq(mp_pipeline_ttl(p), -1);
    ck_assert_int_eq(mp_pipeline_set_ttl(p, -2, err), MP_ERR_INVAL);
    ck_assert_int_eq(mp_pipeline_set_ttl(p, 0, err), MP_OK);
    ck_assert_int_eq(mp_pipeline_ttl(p), 0);
    ck_assert_int_eq(mp_pipeline_add_image_pull_secret(p, "a", err), MP_OK);
    ck_assert_int_eq(mp_pipeline_add_image_pull_secret(p, "a", err), MP_OK);
    ck_assert_uint_eq(mp_pipeline_image_pull_secret_count(p), 1);
}
END_TEST

START_TEST(test_groups)
{
    struct mp_group *cond, *loop, *exit_g;
    struct mp_op *a, *b, *bye;
    ck_assert_int_eq(mp_pipeline_add_group(p, MP_GROUP_CONDITION, NULL, &cond, err), MP_OK);
    ck_assert_int_eq(mp_pipeline_add_group(p, MP_GROUP_LOOP, cond, &loop, err), MP_OK);
    ck_assert_int_eq(mp_pipeline_add_group(p, MP_GROUP_EXIT_HANDLER, cond, &exit_g, err), MP_ERR_INVAL);
    ck_assert_ptr_eq(mp_group_parent(loop), cond);
    ck_assert_int_eq(mp_group_set_condition(cond, "{{params.x}}", "=~", "1", err), MP_ERR_INVAL);
    ck_assert_int_eq(mp_group_set_condition(loop, "a", "==", "b", err), MP_ERR_INVAL);
    ck_assert_int_eq(mp_group_set_loop_items(loop, "[]", err), MP_ERR_PARSE);
    ck_assert_int_eq(mp_group_set_loop_source(loop, "x {{params.x}}", err), MP_ERR_INVAL);
    ck_assert_int_eq(mp_pipeline_add_param(p, "x", "1", NULL, NULL, err), MP_OK);
    ck_assert_int_eq(mp_pipeline_add_op(p, "a", "img", &a, err), MP_OK);
    ck_assert_int_eq(mp_pipeline_add_op(p, "b", "img", &b, err), MP_OK);
    ck_assert_int_eq(mp_pipeline_add_op(p, "bye", "img", &bye, err), MP_OK);
    ck_assert_int_eq(mp_op_add_arg(b, "{{item.k}} {{item}} {{item.k}}", err), MP_OK);
    ck_assert_uint_eq(mp_op_item_ref_count(b), 2);
    ck_assert_str_eq(mp_op_item_ref_at(b, 0), "");
    ck_assert_str_eq(mp_op_item_ref_at(b, 1), "k");
    ck_assert_int_eq(mp_op_set_group(b, cond, err), MP_OK);
    ck_assert_int_eq(mp_group_set_condition(cond, "{{params.x}}", "==", "1", err), MP_OK);
    ck_assert_int_eq(mp_group_set_loop_items(loop, "[{\"k\": 1}]", err), MP_OK);
    ck_assert_int_eq(mp_pipeline_validate(p, err), MP_ERR_VALIDATE); /* {{item}} outside a loop */
    ck_assert_ptr_nonnull(strstr(mp_error_message(err), "in no loop"));
    ck_assert_int_eq(mp_op_set_group(b, loop, err), MP_OK);
    ck_assert_int_eq(mp_pipeline_set_exit_op(p, bye, err), MP_OK);
    ck_assert_int_eq(mp_pipeline_validate(p, err), MP_OK);
    ck_assert_int_eq(mp_op_add_arg(bye, "{{params.x}}", err), MP_OK); /* kfp allows it */
    ck_assert_int_eq(mp_pipeline_validate(p, err), MP_OK);
    ck_assert_int_eq(mp_op_add_output(a, "o", "/tmp/o", MP_OUTPUT_PARAMETER, err), MP_OK);
    ck_assert_int_eq(mp_op_add_arg(bye, "{{steps.a.outputs.o}}", err), MP_OK);
    ck_assert_int_eq(mp_pipeline_validate(p, err), MP_ERR_VALIDATE);
    ck_assert_ptr_eq(mp_pipeline_exit_op(p), bye);
    ck_assert_uint_eq(mp_pipeline_group_count(p), 2);
    ck_assert_int_eq(mp_group_kind(mp_pipeline_group_at(p, 1)), MP_GROUP_LOOP);
    ck_assert_int_eq(mp_group_kind(NULL), 0);
    ck_assert_int_eq(mp_group_parallelism(loop), -1);
}
END_TEST

START_TEST(test_bad_handles)
{
    ck_assert_ptr_null(mp_pipeline_name(NULL));
    ck_assert_uint_eq(mp_pipeline_op_count(NULL), 0);
    ck_assert_int_eq(mp_op_add_arg(NULL, "x", err), MP_ERR_INVAL);
    int junk[64] = {0};
    ck_assert_ptr_null(mp_op_name((struct mp_op *)junk));
    ck_assert_int_eq(mp_pipeline_add_op((struct mp_pipeline *)junk, "a", "i", NULL, err),
                     MP_ERR_INVAL);
    mp_pipeline_free(NULL);
}
END_TEST

START_TEST(test_many_ops)
{
    char name[32], prev[32] = "";
    for (int i = 0; i < 20000; i++) {
        snprintf(name, sizeof(name), "op-%d", i);
        struct mp_op *op;
        ck_assert_int_eq(mp_pipeline_add_op(p, name, "img", &op, err), MP_OK);
        if (*prev)
            mp_op_add_dependency(op, prev, err);
        memcpy(prev, name, sizeof(prev));
    }
    ck_assert_int_eq(mp_pipeline_validate(p, err), MP_OK);
    ck_assert_str_eq(mp_op_name(mp_pipeline_find_op(p, "op-12345")), "op-12345");
}
END_TEST

/* A pipeline that passed is checked again after each kind of change that can break it. */
START_TEST(test_validate_after_changes)
{
    struct mp_op *a, *b, *c;
    struct mp_group *g;
    ck_assert_int_eq(mp_pipeline_add_op(p, "a", "img", &a, err), MP_OK);
    ck_assert_int_eq(mp_pipeline_add_op(p, "b", "img", &b, err), MP_OK);
    /* "later" is no op yet: the name is kept, and found once the op exists */
    ck_assert_int_eq(mp_op_add_dependency(b, "later", err), MP_OK);
    ck_assert_int_eq(mp_pipeline_validate(p, err), MP_ERR_VALIDATE);
    ck_assert_ptr_nonnull(strstr(mp_error_message(err), "runs after 'later'"));
    ck_assert_int_eq(mp_pipeline_add_op(p, "later", "img", &c, err), MP_OK);
    ck_assert_int_eq(mp_op_add_dependency(b, "a", err), MP_OK);
    ck_assert_int_eq(mp_op_add_dependency(b, "a", err), MP_OK); /* once */
    ck_assert_uint_eq(mp_op_dependency_count(b), 2);
    ck_assert_str_eq(mp_op_dependency_at(b, 1), "a");
    ck_assert_int_eq(mp_op_add_dependency(b, "b", err), MP_ERR_INVAL);
    ck_assert_int_eq(mp_pipeline_validate(p, err), MP_OK);
    ck_assert_int_eq(mp_pipeline_validate(p, err), MP_OK);
    /* a cycle through an op added after its name was given */
    ck_assert_int_eq(mp_op_add_dependency(c, "b", err), MP_OK);
    ck_assert_int_eq(mp_pipeline_validate(p, err), MP_ERR_VALIDATE);
    ck_assert_ptr_nonnull(strstr(mp_error_message(err), "dependency cycle: "));
    mp_pipeline_free(p);
    ck_assert_int_eq(mp_pipeline_new("again", &p, err), MP_OK);
    ck_assert_int_eq(mp_pipeline_add_op(p, "a", "img", &a, err), MP_OK);
    ck_assert_int_eq(mp_pipeline_validate(p, err), MP_OK);
    ck_assert_int_eq(mp_op_add_arg(a, "{{params.n}}", err), MP_OK);
    ck_assert_int_eq(mp_pipeline_validate(p, err), MP_ERR_VALIDATE);
    ck_assert_int_eq(mp_pipeline_add_param(p, "n", "1", NULL, NULL, err), MP_OK);
    ck_assert_int_eq(mp_pipeline_validate(p, err), MP_OK);
    ck_assert_int_eq(mp_op_add_volume_mount(a, "v", "/v", false, err), MP_OK);
    ck_assert_int_eq(mp_pipeline_validate(p, err), MP_ERR_VALIDATE);
    ck_assert_int_eq(mp_op_add_volume(a, "v", MP_VOLUME_EMPTY_DIR, NULL, err), MP_OK);
    ck_assert_int_eq(mp_pipeline_validate(p, err), MP_OK);
    ck_assert_int_eq(mp_op_set_image(a, "{{params.gone}}", err), MP_OK);
    ck_assert_int_eq(mp_pipeline_validate(p, err), MP_ERR_VALIDATE);
    ck_assert_int_eq(mp_op_set_image(a, "img", err), MP_OK);
    ck_assert_int_eq(mp_pipeline_validate(p, err), MP_OK);
    ck_assert_int_eq(mp_pipeline_add_group(p, MP_GROUP_LOOP, NULL, &g, err), MP_OK);
    ck_assert_int_eq(mp_pipeline_validate(p, err), MP_ERR_VALIDATE); /* nothing to loop over */
    ck_assert_int_eq(mp_group_set_loop_items(g, "[1]", err), MP_OK);
    ck_assert_int_eq(mp_pipeline_validate(p, err), MP_OK);
    ck_assert_int_eq(mp_pipeline_set_exit_op(p, a, err), MP_OK);
    ck_assert_int_eq(mp_op_set_group(a, g, err), MP_OK);
    ck_assert_int_eq(mp_pipeline_validate(p, err), MP_ERR_VALIDATE); /* an exit op in a group */
    ck_assert_int_eq(mp_op_set_group(a, NULL, err), MP_OK);
    ck_assert_int_eq(mp_pipeline_validate(p, err), MP_OK);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("graph");
    TCase *tc = tcase_create("graph");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_params);
    tcase_add_test(tc, test_ops_and_refs);
    tcase_add_test(tc, test_set_image_refs);
    tcase_add_test(tc, test_setter_refs);
    tcase_add_test(tc, test_loop_refs);
    tcase_add_test(tc, test_render);
    tcase_add_test(tc, test_validate_cycle);
    tcase_add_test(tc, test_validate_problems);
    tcase_add_test(tc, test_validate_param_refs);
    tcase_add_test(tc, test_builtin_mnist);
    tcase_add_test(tc, test_outputs);
    tcase_add_test(tc, test_output_rules);
    tcase_add_test(tc, test_artifact_scope);
    tcase_add_test(tc, test_render_outputs);
    tcase_add_test(tc, test_pod_settings);
    tcase_add_test(tc, test_groups);
    tcase_add_test(tc, test_bad_handles);
    tcase_add_test(tc, test_many_ops);
    tcase_add_test(tc, test_validate_after_changes);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
