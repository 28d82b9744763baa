/* SPDX-License-Identifier: MIT */
/* workflow.c: mp_workflow_build(), the kfp 1.8 compiler's Argo Workflow for a pipeline. */
#include "config.h"

#include "workflow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "doc.h"
#include "graph.h"

#define ANNOT_PREFIX "pipelines.kubeflow.org/"

bool mpi_k8s_name(const char *name, char *out, size_t cap)
{
    size_t n = 0;
    bool dash = false;
    for (const char *c = name; *c; c++) {
        char ch = *c;
        if (ch >= 'A' && ch <= 'Z')
            ch = (char)(ch - 'A' + 'a');
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
        if (!ok) {
            dash = n > 0;
            continue;
        }
        if (dash) {
            if (n + 1 >= cap)
                return false;
            out[n++] = '-';
            dash = false;
        }
        if (n + 1 >= cap)
            return false;
        out[n++] = ch;
    }
    out[n] = '\0';
    return n > 0;
}

int mpi_pipeline_spec_json(const struct mp_pipeline *p, struct mp_buf *out)
{
    mp_buf_putc(out, '{');
    if (p->description) {
        mp_buf_puts(out, "\"description\": ");
        mp_json_quote(out, p->description);
        mp_buf_puts(out, ", ");
    }
    if (p->params.n)
        mp_buf_puts(out, "\"inputs\": [");
    for (size_t i = 0; i < p->params.n; i++) {
        const struct mp_param *param = p->params.v[i];
        if (i)
            mp_buf_puts(out, ", ");
        mp_buf_putc(out, '{');
        if (param->default_value) {
            mp_buf_puts(out, "\"default\": ");
            mp_json_quote(out, param->default_value);
            mp_buf_puts(out, ", ");
        }
        mp_buf_puts(out, "\"name\": ");
        mp_json_quote(out, param->name);
        if (param->default_value)
            mp_buf_puts(out, ", \"optional\": true");
        if (param->type) {
            mp_buf_puts(out, ", \"type\": ");
            mp_json_quote(out, param->type);
        }
        mp_buf_putc(out, '}');
    }
    mp_buf_puts(out, p->params.n ? "], \"name\": " : "\"name\": ");
    mp_json_quote(out, p->name);
    mp_buf_putc(out, '}');
    return mp_buf_error(out);
}

/* {{params.X}} -> {{inputs.parameters.X}} */
static int to_input(void *user, const char *name, struct mp_buf *out, struct mp_error *err)
{
    (void)user;
    (void)err;
    return mp_buf_printf(out, "{{inputs.parameters.%s}}", name);
}

/* {{steps.S.outputs.X}} -> {{inputs.parameters.S-X}} */
static int output_to_input(void *user, const char *step, const char *output, struct mp_buf *out,
                           struct mp_error *err)
{
    (void)user;
    (void)err;
    if (mpi_output_is_ui(output))
        return mp_buf_printf(out, "{{inputs.parameters.%s}}", output);
    return mp_buf_printf(out, "{{inputs.parameters.%s-%s}}", step, output);
}

#define rendered mpi_wf_rendered
struct mp_node *mpi_wf_rendered(struct mpi_wf *b, const char *s)
{
    mp_buf_reset(&b->tmp);
    if (mp_render_outputs(s, to_input, output_to_input, NULL, &b->tmp, b->err) != MP_OK)
        return NULL;
    return mp_doc_str(b->doc, mp_buf_data(&b->tmp));
}

static struct mp_node *string_seq(struct mpi_wf *b, const struct mpi_strvec *v)
{
    struct mp_node *seq = mp_doc_seq(b->doc);
    for (size_t i = 0; i < v->n && seq; i++)
        mp_node_push(seq, rendered(b, v->v[i]));
    return seq;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void input_params(struct mpi_wf *b, struct mp_node *tmpl, const struct mpi_strvec *refs)
{
    if (!refs->n)
        return;
    struct mp_node *params = mp_node_put_seq(mp_node_put_map(tmpl, "inputs"), "parameters");
    for (size_t i = 0; i < refs->n; i++)
        mp_node_put_str(mp_node_push(params, mp_doc_map(b->doc)), "name", refs->v[i]);
}

/* Argo's name for output @output of op @step (kfp's "STEP-OUTPUT"). Step names are at most 63
 * characters and output names at most 128, so 256 bytes hold it. */
#define ARGO_NAME_MAX 256
static void argo_name(char *out, const char *step, const char *output)
{
    if (mpi_output_is_ui(output))
        snprintf(out, ARGO_NAME_MAX, "%s", output);
    else
        snprintf(out, ARGO_NAME_MAX, "%s-%s", step, output);
}

/* The template inputs of @op: its parameters and the outputs it reads as strings, merged in
 * name order (kfp sorts them), then its input artifacts. */
static void op_inputs(struct mpi_wf *b, const struct mp_op *op, struct mp_node *tmpl)
{
    if (!op->param_refs.n && !op->output_refs.n && !op->input_artifacts.n)
        return;
    struct mp_node *in = mp_node_put_map(tmpl, "inputs");
    if (op->param_refs.n || op->output_refs.n) {
        struct mp_node *params = mp_node_put_seq(in, "parameters");
        size_t i = 0, j = 0;
        while (i < op->param_refs.n || j < op->output_refs.n) {
            const char *name;
            if (j == op->output_refs.n ||
                (i < op->param_refs.n && strcmp(op->param_refs.v[i], op->output_refs.v[j].argo) < 0))
                name = op->param_refs.v[i++];
            else
                name = op->output_refs.v[j++].argo;
            mp_node_put_str(mp_node_push(params, mp_doc_map(b->doc)), "name", name);
        }
    }
    if (op->input_artifacts.n) {
        struct mp_node *arts = mp_node_put_seq(in, "artifacts");
        for (size_t i = 0; i < op->input_artifacts.n; i++) {
            const struct mpi_input_artifact *a = &op->input_artifacts.v[i];
            struct mp_node *m = mp_node_push(arts, mp_doc_map(b->doc));
            char argo[ARGO_NAME_MAX];
            argo_name(argo, a->step, a->output);
            mp_node_put_str(m, "name", argo);
            mp_node_put_str(m, "path", a->path);
        }
    }
}

/* True when some op reads output @output of @op as a string. */
static bool output_read_as_string(const struct mp_pipeline *p, const struct mp_op *op,
                                  const char *output)
{
    for (size_t i = 0; i < p->ops.n; i++)
        for (size_t j = 0; j < p->ops.v[i]->output_refs.n; j++)
            if (!strcmp(p->ops.v[i]->output_refs.v[j].step, op->name) &&
                !strcmp(p->ops.v[i]->output_refs.v[j].output, output))
                return true;
    return false;
}

/* The template outputs of @op: an output parameter for each output some op reads as a string
 * (kfp drops the others), and an artifact for every output, each list sorted by Argo name. */
static void op_outputs(struct mpi_wf *b, const struct mp_op *op, struct mp_node *tmpl)
{
    size_t n = op->outputs.n;
    if (!n)
        return;
    struct keyed {
        char argo[ARGO_NAME_MAX];
        const struct mpi_output *o;
    } *k = malloc(n * sizeof(*k));
    if (!k) {
        b->doc->err = MP_ERR_NOMEM;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        k[i].o = &op->outputs.v[i];
        argo_name(k[i].argo, op->name, k[i].o->name);
    }
    for (size_t i = 1; i < n; i++) /* insertion sort by Argo name: few outputs */
        for (size_t j = i; j > 0 && strcmp(k[j - 1].argo, k[j].argo) > 0; j--) {
            struct keyed t = k[j];
            k[j] = k[j - 1];
            k[j - 1] = t;
        }
    struct mp_node *out = mp_node_put_map(tmpl, "outputs");
    struct mp_node *params = NULL;
    for (size_t i = 0; i < n; i++) {
        if (k[i].o->kind != MP_OUTPUT_PARAMETER || mpi_output_is_ui(k[i].o->name) ||
            !output_read_as_string(b->p, op, k[i].o->name))
            continue;
        if (!params)
            params = mp_node_put_seq(out, "parameters");
        struct mp_node *m = mp_node_push(params, mp_doc_map(b->doc));
        mp_node_put_str(m, "name", k[i].argo);
        mp_node_put_str(mp_node_put_map(m, "valueFrom"), "path", k[i].o->path);
    }
    struct mp_node *arts = mp_node_put_seq(out, "artifacts");
    for (size_t i = 0; i < n; i++) {
        struct mp_node *m = mp_node_push(arts, mp_doc_map(b->doc));
        mp_node_put_str(m, "name", k[i].argo);
        mp_node_put_str(m, "path", k[i].o->path);
    }
    free(k);
}

static void container_template(struct mpi_wf *b, const struct mp_op *op, struct mp_node *tmpl)
{
    mp_node_put_str(tmpl, "name", op->name);
    struct mp_node *c = mp_node_put_map(tmpl, "container");
    if (op->args.n)
        mp_node_put(c, "args", string_seq(b, &op->args));
    if (op->command.n)
        mp_node_put(c, "command", string_seq(b, &op->command));
    if (op->env.n) {
        struct mp_node *env = mp_node_put_seq(c, "env");
        for (size_t i = 0; i < op->env.n; i++) {
            const struct mpi_env *e = &op->env.v[i];
            struct mp_node *m = mp_node_push(env, mp_doc_map(b->doc));
            mp_node_put_str(m, "name", e->name);
            if (e->value) {
                mp_node_put(m, "value", rendered(b, e->value));
            } else if (e->field) {
                mp_node_put_str(mp_node_put_map(mp_node_put_map(m, "valueFrom"), "fieldRef"),
                                "fieldPath", e->field);
            } else {
                struct mp_node *ref =
                    mp_node_put_map(mp_node_put_map(m, "valueFrom"), "secretKeyRef");
                mp_node_put_str(ref, "key", e->key);
                mp_node_put(ref, "name", rendered(b, e->secret));
            }
        }
    }
    mp_node_put(c, "image", rendered(b, op->image ? op->image : ""));
    if (op->mounts.n) {
        struct mp_node *mounts = mp_node_put_seq(c, "volumeMounts");
        for (size_t i = 0; i < op->mounts.n; i++) {
            struct mp_node *m = mp_node_push(mounts, mp_doc_map(b->doc));
            mp_node_put_str(m, "mountPath", op->mounts.v[i].path);
            mp_node_put_str(m, "name", op->mounts.v[i].volume);
            if (op->mounts.v[i].read_only)
                mp_node_put(m, "readOnly", mp_doc_bool(b->doc, true));
        }
    }
    mpi_wf_container_settings(b, op, c);
    op_inputs(b, op, tmpl);
    op_outputs(b, op, tmpl);
    mpi_wf_pod_settings(b, op, tmpl);

    struct mp_node *meta = mp_node_put_map(tmpl, "metadata");
    if (op->annotations.n) {
        struct mp_node *ann = mp_node_put_map(meta, "annotations");
        for (size_t i = 0; i < op->annotations.n; i++)
            mp_node_put(ann, op->annotations.v[i].key, rendered(b, op->annotations.v[i].value));
    }
    struct mp_node *labels = mp_node_put_map(meta, "labels");
    mp_node_put_str(labels, ANNOT_PREFIX "kfp_sdk_version", MPI_SDK_VERSION);
    mp_node_put_str(labels, ANNOT_PREFIX "pipeline-sdk-type", "kfp");
    bool caching_set = false;
    for (size_t i = 0; i < op->labels.n; i++) {
        if (strcmp(op->labels.v[i].key, ANNOT_PREFIX "enable_caching") == 0)
            caching_set = true;
        mp_node_put(labels, op->labels.v[i].key, rendered(b, op->labels.v[i].value));
    }
    if (!caching_set)
        mp_node_put_str(labels, ANNOT_PREFIX "enable_caching", "true");

    if (op->volumes.n) {
        struct mp_node *vols = mp_node_put_seq(tmpl, "volumes");
        for (size_t i = 0; i < op->volumes.n; i++) {
            const struct mpi_volume *v = &op->volumes.v[i];
            struct mp_node *m = mp_node_push(vols, mp_doc_map(b->doc));
            mp_node_put_str(m, "name", v->name);
            switch (v->kind) {
            case MP_VOLUME_PVC:
                mp_node_put(mp_node_put_map(m, "persistentVolumeClaim"), "claimName",
                            rendered(b, v->source));
                break;
            case MP_VOLUME_SECRET:
                mp_node_put(mp_node_put_map(m, "secret"), "secretName", rendered(b, v->source));
                break;
            case MP_VOLUME_CONFIG_MAP:
                mp_node_put(mp_node_put_map(m, "configMap"), "name", rendered(b, v->source));
                break;
            case MP_VOLUME_EMPTY_DIR:
                mp_node_put_map(m, "emptyDir");
                break;
            }
        }
    }
}

static void dag_task(struct mpi_wf *b, const struct mp_op *op, struct mp_node *task)
{
    mp_node_put_str(task, "name", op->name);
    mp_node_put_str(task, "template", op->name);
    size_t ne = mpi_op_edge_count(op);
    if (ne) {
        const char **deps = malloc(ne * sizeof(*deps));
        if (!deps) {
            b->doc->err = MP_ERR_NOMEM;
            return;
        }
        for (size_t i = 0; i < ne; i++)
            deps[i] = mpi_op_edge_at(op, i);
        qsort(deps, ne, sizeof(*deps), cmp_str);
        struct mp_node *seq = mp_node_put_seq(task, "dependencies");
        for (size_t i = 0; i < ne; i++)
            if (i == 0 || strcmp(deps[i], deps[i - 1]) != 0)
                mp_node_push(seq, mp_doc_str(b->doc, deps[i]));
        free(deps);
    }
    struct mp_node *args = NULL;
    if (op->param_refs.n || op->output_refs.n) {
        args = mp_node_put_map(task, "arguments");
        struct mp_node *params = mp_node_put_seq(args, "parameters");
        size_t i = 0, j = 0;
        while (i < op->param_refs.n || j < op->output_refs.n) {
            struct mp_node *m = mp_node_push(params, mp_doc_map(b->doc));
            mp_buf_reset(&b->tmp);
            if (j == op->output_refs.n ||
                (i < op->param_refs.n && strcmp(op->param_refs.v[i], op->output_refs.v[j].argo) < 0)) {
                mp_node_put_str(m, "name", op->param_refs.v[i]);
                mp_buf_printf(&b->tmp, "{{inputs.parameters.%s}}", op->param_refs.v[i++]);
            } else {
                const struct mpi_output_ref *r = &op->output_refs.v[j++];
                mp_node_put_str(m, "name", r->argo);
                mp_buf_printf(&b->tmp, "{{tasks.%s.outputs.parameters.%s}}", r->step, r->argo);
            }
            mp_node_put_str(m, "value", mp_buf_data(&b->tmp));
        }
    }
    if (op->input_artifacts.n) {
        if (!args)
            args = mp_node_put_map(task, "arguments");
        struct mp_node *arts = mp_node_put_seq(args, "artifacts");
        for (size_t i = 0; i < op->input_artifacts.n; i++) {
            const struct mpi_input_artifact *a = &op->input_artifacts.v[i];
            char argo[ARGO_NAME_MAX];
            argo_name(argo, a->step, a->output);
            struct mp_node *m = mp_node_push(arts, mp_doc_map(b->doc));
            mp_node_put_str(m, "name", argo);
            mp_buf_reset(&b->tmp);
            mp_buf_printf(&b->tmp, "{{tasks.%s.outputs.artifacts.%s}}", a->step, argo);
            mp_node_put_str(m, "from", mp_buf_data(&b->tmp));
        }
    }
}

static int cmp_op_name(const void *a, const void *b)
{
    return strcmp((*(const struct mp_op *const *)a)->name, (*(const struct mp_op *const *)b)->name);
}

/* The distinct parameters any op refers to, sorted: the DAG template's inputs. */
static int dag_inputs(const struct mp_pipeline *p, struct mpi_strvec *out)
{
    size_t total = 0;
    for (size_t i = 0; i < p->ops.n; i++)
        total += p->ops.v[i]->param_refs.n;
    out->v = total ? malloc(total * sizeof(*out->v)) : NULL;
    if (total && !out->v)
        return MP_ERR_NOMEM;
    out->n = 0;
    for (size_t i = 0; i < p->ops.n; i++)
        for (size_t j = 0; j < p->ops.v[i]->param_refs.n; j++)
            out->v[out->n++] = p->ops.v[i]->param_refs.v[j];
    if (out->n)
        qsort(out->v, out->n, sizeof(*out->v), cmp_str);
    size_t w = 0;
    for (size_t i = 0; i < out->n; i++)
        if (w == 0 || strcmp(out->v[i], out->v[w - 1]) != 0)
            out->v[w++] = out->v[i];
    out->n = w;
    return MP_OK;
}

int mp_workflow_build(const struct mp_pipeline *p, const char *stamp, struct mp_doc *doc,
                      struct mp_node **out, struct mp_error *err)
{
    if (!mpi_pipeline_check(p) || !doc || !out)
        return mp_error_set(err, MP_ERR_INVAL, "mp_workflow_build: invalid argument");
    char entry[254];
    if (!mpi_k8s_name(p->name, entry, sizeof(entry)))
        return mp_error_set(err, MP_ERR_VALIDATE,
                            "pipeline name '%s' gives no valid Kubernetes name", p->name);
    struct mpi_wf b = {.p = p, .doc = doc, .err = err};
    mpi_buf_init(&b.tmp);
    const struct mp_op **sorted = NULL;
    struct mpi_strvec inputs = {0};
    int rc = MP_ERR_NOMEM;

    struct mp_node *root = mp_doc_map(doc);
    mp_node_put_str(root, "apiVersion", "argoproj.io/v1alpha1");
    mp_node_put_str(root, "kind", "Workflow");
    struct mp_node *meta = mp_node_put_map(root, "metadata");
    mp_buf_printf(&b.tmp, "%s-", entry);
    mp_node_put_str(meta, "generateName", mp_buf_data(&b.tmp));
    struct mp_node *ann = mp_node_put_map(meta, "annotations");
    mp_node_put_str(ann, ANNOT_PREFIX "kfp_sdk_version", MPI_SDK_VERSION);
    if (stamp)
        mp_node_put_str(ann, ANNOT_PREFIX "pipeline_compilation_time", stamp);
    mp_buf_reset(&b.tmp);
    if (mpi_pipeline_spec_json(p, &b.tmp) != MP_OK)
        goto fail;
    mp_node_put_str(ann, ANNOT_PREFIX "pipeline_spec", mp_buf_data(&b.tmp));
    mp_node_put_str(mp_node_put_map(meta, "labels"), ANNOT_PREFIX "kfp_sdk_version",
                    MPI_SDK_VERSION);

    struct mp_node *spec = mp_node_put_map(root, "spec");
    mp_node_put_str(spec, "entrypoint", entry);
    struct mp_node *templates = mp_node_put_seq(spec, "templates");

    sorted = malloc((p->ops.n ? p->ops.n : 1) * sizeof(*sorted));
    if (!sorted || dag_inputs(p, &inputs) != MP_OK)
        goto fail;
    if (p->ops.n) {
        memcpy(sorted, p->ops.v, p->ops.n * sizeof(*sorted));
        qsort(sorted, p->ops.n, sizeof(*sorted), cmp_op_name);
    }

    /* The DAG template sorts among the op templates by its name. */
    bool dag_done = false;
    for (size_t i = 0; i <= p->ops.n; i++) {
        if (!dag_done && (i == p->ops.n || strcmp(entry, sorted[i]->name) < 0)) {
            struct mp_node *dag = mp_node_push(templates, mp_doc_map(doc));
            mp_node_put_str(dag, "name", entry);
            input_params(&b, dag, &inputs);
            struct mp_node *tasks = mp_node_put_seq(mp_node_put_map(dag, "dag"), "tasks");
            for (size_t j = 0; j < p->ops.n; j++)
                dag_task(&b, sorted[j], mp_node_push(tasks, mp_doc_map(doc)));
            dag_done = true;
        }
        if (i < p->ops.n) {
            if (strcmp(entry, sorted[i]->name) == 0) {
                rc = mp_error_set(err, MP_ERR_VALIDATE,
                                  "op '%s' has the name of the pipeline's entrypoint template; "
                                  "rename the op or the pipeline",
                                  sorted[i]->name);
                goto out;
            }
            container_template(&b, sorted[i], mp_node_push(templates, mp_doc_map(doc)));
        }
    }

    struct mp_node *args = mp_node_put_seq(mp_node_put_map(spec, "arguments"), "parameters");
    for (size_t i = 0; i < p->params.n; i++) {
        struct mp_node *m = mp_node_push(args, mp_doc_map(doc));
        mp_node_put_str(m, "name", p->params.v[i]->name);
        if (p->params.v[i]->default_value)
            mp_node_put_str(m, "value", p->params.v[i]->default_value);
    }
    mp_node_put_str(spec, "serviceAccountName", mp_pipeline_service_account(p));
    mpi_wf_spec_settings(&b, spec);

    if (mp_doc_error(doc) != MP_OK || mp_buf_error(&b.tmp) != MP_OK)
        goto fail;
    *out = root;
    rc = MP_OK;
    goto out;
fail:
    if (mp_error_code(err) == MP_OK || mp_doc_error(doc) != MP_OK)
        rc = mp_error_set(err, MP_ERR_NOMEM, "building the workflow: out of memory");
    else
        rc = mp_error_code(err);
out:
    free(inputs.v);
    free(sorted);
    mpi_buf_release(&b.tmp);
    return rc;
}
