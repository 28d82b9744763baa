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
#include "placeholder.h"

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

int mpi_wf_input_ref(struct mp_buf *out, const char *name)
{
    static const char pre[] = "{{inputs.parameters.";
    mp_buf_append(out, pre, sizeof(pre) - 1);
    mp_buf_puts(out, name);
    return mp_buf_append(out, "}}", 2);
}

/* {{params.X}} -> {{inputs.parameters.X}} */
static int to_input(void *user, const char *name, struct mp_buf *out, struct mp_error *err)
{
    (void)user;
    (void)err;
    return mpi_wf_input_ref(out, name);
}

/* {{steps.S.outputs.X}} -> {{inputs.parameters.S-X}} */
static int output_to_input(void *user, const char *step, const char *output, struct mp_buf *out,
                           struct mp_error *err)
{
    (void)user;
    (void)err;
    if (mpi_output_is_ui(output))
        return mpi_wf_input_ref(out, output);
    mp_buf_puts(out, "{{inputs.parameters.");
    mp_buf_puts(out, step);
    mp_buf_putc(out, '-');
    mp_buf_puts(out, output);
    return mp_buf_puts(out, "}}");
}

const char *mpi_wf_loop_item(const struct mpi_wf *b, const char *loop, size_t len)
{
    for (size_t i = 0; b->loop_items && i < b->p->groups.n; i++) {
        const struct mp_group *g = b->p->groups.v[i];
        if (g->kind == MP_GROUP_LOOP && g->name && strlen(g->name) == len &&
            !strncmp(g->name, loop, len))
            return b->loop_items[i];
    }
    return NULL;
}

/* The next loop-item placeholder of @r at or after @pos, {{item[.K]}} or
 * {{loops.L.item[.K]}}, with the item parameter it reads in *@base (NULL: unknown). */
static bool item_next(const struct mpi_wf *b, const char *r, size_t pos, size_t *start,
                      size_t *end, const char **key, size_t *len, const char **base)
{
    size_t s1, e1, s2, e2, k1, k2, ll;
    const char *key1, *key2, *loop;
    bool i1 = b->item_base && mpi_item_ref_next(r, pos, &s1, &e1, &key1, &k1);
    bool i2 = b->loop_items && mpi_loop_ref_next(r, pos, &s2, &e2, &loop, &ll, &key2, &k2);
    if (i2 && (!i1 || s2 < s1)) {
        *start = s2, *end = e2, *key = key2, *len = k2;
        *base = mpi_wf_loop_item(b, loop, ll);
        return true;
    }
    if (i1) {
        *start = s1, *end = e1, *key = key1, *len = k1;
        *base = b->item_base;
    }
    return i1;
}

#define rendered mpi_wf_rendered
static struct mp_node *render(struct mpi_wf *b, const char *s);

struct mp_node *mpi_wf_rendered(struct mpi_wf *b, const char *s)
{
    if (s && !strstr(s, "{{")) /* no placeholder of any kind: the string as it is */
        return mp_doc_str(b->doc, s);
    struct mpi_wf_seen *seen = NULL;
    size_t len = s ? strlen(s) : sizeof(seen->src);
    if (len < sizeof(seen->src)) {
        unsigned h = (unsigned)len;
        for (size_t i = 0; i < len; i++)
            h = h * 31u + (unsigned char)s[i];
        seen = &b->seen[h & 63];
        if (seen->node && seen->base == b->item_base && seen->loop_items == b->loop_items &&
            !memcmp(seen->src, s, len + 1))
            return seen->node;
    }
    struct mp_node *n = render(b, s);
    if (seen && n) {
        memcpy(seen->src, s, len + 1);
        seen->base = b->item_base;
        seen->loop_items = b->loop_items;
        seen->node = n;
    }
    return n;
}

/* mpi_wf_rendered() for a string holding "{{" (or NULL). */
static struct mp_node *render(struct mpi_wf *b, const char *s)
{
    mp_buf_reset(&b->tmp);
    if (mp_render_outputs(s, to_input, output_to_input, NULL, &b->tmp, b->err) != MP_OK)
        return NULL;
    size_t pos = 0, start, end, len;
    const char *key, *base, *r = mp_buf_data(&b->tmp);
    if (!item_next(b, r, 0, &start, &end, &key, &len, &base))
        return mp_doc_str(b->doc, r);
    /* {{item}} -> {{inputs.parameters.ITEM}}, {{item.K}} -> {{inputs.parameters.ITEM-subvar-K}},
     * and the same for an enclosing loop's {{loops.L.item[.K]}} */
    struct mp_buf items;
    mpi_buf_init(&items);
    while (item_next(b, r, pos, &start, &end, &key, &len, &base)) {
        mp_buf_append(&items, r + pos, (base ? start : end) - pos);
        if (base)
            mp_buf_printf(&items, "{{inputs.parameters.%s%s%.*s}}", base, len ? "-subvar-" : "",
                          (int)len, key);
        pos = end;
    }
    mp_buf_puts(&items, r + pos);
    struct mp_node *n = mp_buf_error(&items) ? NULL : mp_doc_str(b->doc, mp_buf_data(&items));
    mpi_buf_release(&items);
    return n;
}

static bool same_str(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static bool same_strs(const char *const *a, size_t na, const char *const *b, size_t nb)
{
    if (na != nb)
        return false;
    for (size_t i = 0; i < na; i++)
        if (!same_str(a[i], b[i]))
            return false;
    return true;
}

static bool same_kvs(const struct mpi_kv *a, size_t na, const struct mpi_kv *b, size_t nb)
{
    if (na != nb)
        return false;
    for (size_t i = 0; i < na; i++)
        if (!same_str(a[i].key, b[i].key) || !same_str(a[i].value, b[i].value))
            return false;
    return true;
}

/* True when part @part of the templates of @a and @b is made from the same settings. */
static bool same_part(const struct mp_op *a, const struct mp_op *b, int part)
{
    switch (part) {
    case MPI_WF_COMMAND:
        return same_strs(a->command.v, a->command.n, b->command.v, b->command.n);
    case MPI_WF_ENV:
        if (a->env.n != b->env.n)
            return false;
        for (size_t i = 0; i < a->env.n; i++) {
            const struct mpi_env *x = &a->env.v[i], *y = &b->env.v[i];
            if (!same_str(x->name, y->name) || !same_str(x->value, y->value) ||
                !same_str(x->secret, y->secret) || !same_str(x->key, y->key) ||
                !same_str(x->field, y->field))
                return false;
        }
        return true;
    case MPI_WF_MOUNTS:
        if (a->mounts.n != b->mounts.n)
            return false;
        for (size_t i = 0; i < a->mounts.n; i++)
            if (!same_str(a->mounts.v[i].volume, b->mounts.v[i].volume) ||
                !same_str(a->mounts.v[i].path, b->mounts.v[i].path) ||
                a->mounts.v[i].read_only != b->mounts.v[i].read_only)
                return false;
        return true;
    case MPI_WF_VOLUMES:
        if (a->volumes.n != b->volumes.n)
            return false;
        for (size_t i = 0; i < a->volumes.n; i++)
            if (!same_str(a->volumes.v[i].name, b->volumes.v[i].name) ||
                a->volumes.v[i].kind != b->volumes.v[i].kind ||
                !same_str(a->volumes.v[i].source, b->volumes.v[i].source))
                return false;
        return true;
    case MPI_WF_INPUTS: /* only the plain case: parameters alone */
        return !a->output_refs.n && !b->output_refs.n && !a->item_refs.n && !b->item_refs.n &&
               !a->loop_refs.n && !b->loop_refs.n && !a->input_artifacts.n &&
               !b->input_artifacts.n &&
               same_strs(a->param_refs.v, a->param_refs.n, b->param_refs.v, b->param_refs.n);
    case MPI_WF_META:
        return same_kvs(a->annotations.v, a->annotations.n, b->annotations.v,
                        b->annotations.n) &&
               same_kvs(a->labels.v, a->labels.n, b->labels.v, b->labels.n);
    }
    return false;
}

/* Part @part of the last template, when @op's is made from the same settings (and loop
 * item), marked shared; else NULL. */
static struct mp_node *shared_part(struct mpi_wf *b, const struct mp_op *op, int part)
{
    const struct mpi_wf_part *x = &b->part[part];
    if (x->op && x->node && x->base == b->item_base && same_part(x->op, op, part))
        return mpi_node_share(x->node);
    return NULL;
}

/* @node, part @part of @op's template, kept for the next op's. */
static struct mp_node *keep_part(struct mpi_wf *b, const struct mp_op *op, int part,
                                 struct mp_node *node)
{
    b->part[part] = (struct mpi_wf_part){op, b->item_base, node};
    return node;
}

static struct mp_node *string_seq(struct mpi_wf *b, const struct mpi_strvec *v)
{
    struct mp_node *seq = mpi_doc_seq_n(b->doc, (unsigned)v->n);
    for (size_t i = 0; i < v->n && seq; i++)
        mp_node_push(seq, rendered(b, v->v[i]));
    return seq;
}

/* string_seq() of @op's args, taking the last op's node for each string that is the same
 * at the same place. */
static struct mp_node *args_seq(struct mpi_wf *b, const struct mp_op *op)
{
    const struct mpi_strvec *v = &op->args;
    struct mp_node *seq = mpi_doc_seq_n(b->doc, (unsigned)v->n);
    const struct mpi_strvec *lv = b->last_args.v;
    const struct mp_node *last = lv && b->last_args.base == b->item_base ? b->last_args.seq
                                                                           : NULL;
    for (size_t i = 0; i < v->n && seq; i++) {
        const char *s = v->v[i];
        if (last && i < last->n && i < lv->n && s && lv->v[i] && !strcmp(s, lv->v[i]))
            mp_node_push(seq, last->items[i]);
        else
            mp_node_push(seq, rendered(b, s));
    }
    b->last_args.v = v;
    b->last_args.base = b->item_base;
    b->last_args.seq = seq;
    return seq;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
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
#define op_inputs mpi_wf_op_inputs
void mpi_wf_op_inputs(struct mpi_wf *b, const struct mp_op *op, struct mp_node *tmpl)
{
    bool items = b->item_base && op->item_refs.n;
    size_t nloop = b->loop_items ? op->loop_refs.n : 0;
    if (!op->param_refs.n && !op->output_refs.n && !op->input_artifacts.n && !items && !nloop)
        return;
    struct mp_node *in = shared_part(b, op, MPI_WF_INPUTS);
    if (in) {
        mpi_put(tmpl, "inputs", in);
        return;
    }
    in = keep_part(b, op, MPI_WF_INPUTS, mpi_put_map(tmpl, "inputs"));
    if (op->param_refs.n || op->output_refs.n || items || nloop) {
        size_t n = op->param_refs.n + op->output_refs.n + (items ? op->item_refs.n : 0) + nloop;
        size_t k = 0;
        char **names = calloc(n, sizeof(*names));
        if (!names) {
            b->doc->err = MP_ERR_NOMEM;
            return;
        }
        for (size_t i = 0; i < op->param_refs.n; i++)
            names[k++] = strdup(op->param_refs.v[i]);
        for (size_t i = 0; i < op->output_refs.n; i++)
            names[k++] = strdup(op->output_refs.v[i].argo);
        for (size_t i = 0; items && i < op->item_refs.n; i++) {
            size_t len = strlen(b->item_base) + strlen(op->item_refs.v[i]) + 9;
            if ((names[k] = malloc(len)))
                snprintf(names[k], len, "%s%s%s", b->item_base,
                         *op->item_refs.v[i] ? "-subvar-" : "", op->item_refs.v[i]);
            k++;
        }
        for (size_t i = 0; i < nloop; i++) {
            /* "LOOP.item" or "LOOP.item.KEY" */
            const char *r = op->loop_refs.v[i], *key = strchr(r, '.') + 5;
            const char *base = mpi_wf_loop_item(b, r, strcspn(r, "."));
            size_t len = (base ? strlen(base) : 0) + strlen(key) + 9;
            if (base && (names[k] = malloc(len)))
                snprintf(names[k], len, "%s%s%s", base, *key ? "-subvar-" : "",
                         *key ? key + 1 : "");
            else if (!base)
                names[k] = strdup("?");
            k++;
        }
        qsort(names, n, sizeof(*names), cmp_str);
        struct mp_node *params = mpi_put_seq(in, "parameters");
        for (size_t i = 0; i < n; i++) {
            if (!names[i])
                b->doc->err = MP_ERR_NOMEM;
            else if (!i || !names[i - 1] || strcmp(names[i], names[i - 1]))
                mpi_put_str(mp_node_push(params, mp_doc_map(b->doc)), "name", names[i]);
        }
        for (size_t i = 0; i < n; i++)
            free(names[i]);
        free(names);
    }
    if (op->input_artifacts.n) {
        struct mp_node *arts = mpi_put_seq(in, "artifacts");
        for (size_t i = 0; i < op->input_artifacts.n; i++) {
            const struct mpi_input_artifact *a = &op->input_artifacts.v[i];
            struct mp_node *m = mp_node_push(arts, mp_doc_map(b->doc));
            char argo[ARGO_NAME_MAX];
            argo_name(argo, a->step, a->output);
            mpi_put_str(m, "name", argo);
            mpi_put_str(m, "path", a->path);
        }
    }
}

/* True when some op reads output @output of @op as a string. */
/* True when placeholder @s is {{steps.OP.outputs.OUTPUT}}. */
static bool names_output(const char *s, const struct mp_op *op, const char *output)
{
    size_t a, e, sl, nl;
    const char *st, *nm;
    return s && mpi_output_ref_next(s, 0, &a, &e, &st, &sl, &nm, &nl) &&
           sl == strlen(op->name) && !strncmp(st, op->name, sl) && nl == strlen(output) &&
           !strncmp(nm, output, nl);
}

static bool output_read_as_string(const struct mp_pipeline *p, const struct mp_op *op,
                                  const char *output)
{
    for (size_t i = 0; i < p->groups.n; i++) {
        const struct mp_group *g = p->groups.v[i];
        if (names_output(g->left, op, output) || names_output(g->right, op, output) ||
            names_output(g->source, op, output))
            return true;
    }
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
    struct mp_node *out = mpi_put_map(tmpl, "outputs");
    struct mp_node *params = NULL;
    for (size_t i = 0; i < n; i++) {
        if (k[i].o->kind != MP_OUTPUT_PARAMETER || mpi_output_is_ui(k[i].o->name) ||
            !output_read_as_string(b->p, op, k[i].o->name))
            continue;
        if (!params)
            params = mpi_put_seq(out, "parameters");
        struct mp_node *m = mp_node_push(params, mp_doc_map(b->doc));
        mpi_put_str(m, "name", k[i].argo);
        mpi_put_str(mpi_put_map(m, "valueFrom"), "path", k[i].o->path);
    }
    struct mp_node *arts = mpi_put_seq(out, "artifacts");
    for (size_t i = 0; i < n; i++) {
        struct mp_node *m = mp_node_push(arts, mp_doc_map(b->doc));
        mpi_put_str(m, "name", k[i].argo);
        mpi_put_str(m, "path", k[i].o->path);
    }
    free(k);
}

/* The container's env of @op. */
static struct mp_node *env_seq(struct mpi_wf *b, const struct mp_op *op)
{
    struct mp_node *env = mp_doc_seq(b->doc);
    for (size_t i = 0; i < op->env.n; i++) {
        const struct mpi_env *e = &op->env.v[i];
        struct mp_node *m = mp_node_push(env, mp_doc_map(b->doc));
        mpi_put_str(m, "name", e->name);
        if (e->value) {
            mpi_put(m, "value", rendered(b, e->value));
        } else if (e->field) {
            mpi_put_str(mpi_put_map(mpi_put_map(m, "valueFrom"), "fieldRef"), "fieldPath",
                        e->field);
        } else {
            struct mp_node *ref = mpi_put_map(mpi_put_map(m, "valueFrom"), "secretKeyRef");
            mpi_put_str(ref, "key", e->key);
            mpi_put(ref, "name", rendered(b, e->secret));
        }
    }
    return env;
}

/* The container's volumeMounts of @op. */
static struct mp_node *mounts_seq(struct mpi_wf *b, const struct mp_op *op)
{
    struct mp_node *mounts = mp_doc_seq(b->doc);
    for (size_t i = 0; i < op->mounts.n; i++) {
        struct mp_node *m = mp_node_push(mounts, mp_doc_map(b->doc));
        mpi_put_str(m, "mountPath", op->mounts.v[i].path);
        mpi_put_str(m, "name", op->mounts.v[i].volume);
        if (op->mounts.v[i].read_only)
            mpi_put(m, "readOnly", mp_doc_bool(b->doc, true));
    }
    return mounts;
}

/* The template's volumes of @op. */
static struct mp_node *volumes_seq(struct mpi_wf *b, const struct mp_op *op)
{
    struct mp_node *vols = mp_doc_seq(b->doc);
    for (size_t i = 0; i < op->volumes.n; i++) {
        const struct mpi_volume *v = &op->volumes.v[i];
        struct mp_node *m = mp_node_push(vols, mp_doc_map(b->doc));
        mpi_put_str(m, "name", v->name);
        switch (v->kind) {
        case MP_VOLUME_PVC:
            mpi_put(mpi_put_map(m, "persistentVolumeClaim"), "claimName", rendered(b, v->source));
            break;
        case MP_VOLUME_SECRET:
            mpi_put(mpi_put_map(m, "secret"), "secretName", rendered(b, v->source));
            break;
        case MP_VOLUME_CONFIG_MAP:
            mpi_put(mpi_put_map(m, "configMap"), "name", rendered(b, v->source));
            break;
        case MP_VOLUME_EMPTY_DIR:
            mpi_put_map(m, "emptyDir");
            break;
        }
    }
    return vols;
}

void mpi_wf_container_template(struct mpi_wf *b, const struct mp_op *op, struct mp_node *tmpl)
{
    mpi_put(tmpl, "name", b->name ? b->name : mp_doc_str(b->doc, op->name));
    struct mp_node *c = mpi_put(tmpl, "container", mpi_doc_map_n(b->doc, 6));
    if (op->args.n || op->args_set)
        mpi_put(c, "args", args_seq(b, op));
    if (op->command.n || op->command_set) {
        struct mp_node *cmd = shared_part(b, op, MPI_WF_COMMAND);
        mpi_put(c, "command",
                cmd ? cmd : keep_part(b, op, MPI_WF_COMMAND, string_seq(b, &op->command)));
    }
    if (op->env.n) {
        struct mp_node *env = shared_part(b, op, MPI_WF_ENV);
        mpi_put(c, "env", env ? env : keep_part(b, op, MPI_WF_ENV, env_seq(b, op)));
    }
    mpi_put(c, "image", rendered(b, op->image ? op->image : ""));
    if (op->mounts.n) {
        struct mp_node *mounts = shared_part(b, op, MPI_WF_MOUNTS);
        mpi_put(c, "volumeMounts",
                mounts ? mounts : keep_part(b, op, MPI_WF_MOUNTS, mounts_seq(b, op)));
    }
    mpi_wf_container_settings(b, op, c);
    op_inputs(b, op, tmpl);
    op_outputs(b, op, tmpl);
    mpi_wf_pod_settings(b, op, tmpl);
    mpi_wf_op_metadata(b, op, tmpl);

    if (op->volumes.n) {
        struct mp_node *vols = shared_part(b, op, MPI_WF_VOLUMES);
        mpi_put(tmpl, "volumes",
                vols ? vols : keep_part(b, op, MPI_WF_VOLUMES, volumes_seq(b, op)));
    }
}

/* The template's metadata: the op's annotations, and kfp's labels with the op's own. */
void mpi_wf_op_metadata(struct mpi_wf *b, const struct mp_op *op, struct mp_node *tmpl)
{
    struct mp_node *meta = shared_part(b, op, MPI_WF_META);
    if (meta) {
        mpi_put(tmpl, "metadata", meta);
        return;
    }
    meta = keep_part(b, op, MPI_WF_META, mpi_put_map(tmpl, "metadata"));
    if (op->annotations.n) {
        struct mp_node *ann = mpi_put_map(meta, "annotations");
        for (size_t i = 0; i < op->annotations.n; i++)
            mp_node_put(ann, op->annotations.v[i].key, rendered(b, op->annotations.v[i].value));
    }
    struct mp_node *labels = mpi_put_map(meta, "labels");
    mpi_put(labels, ANNOT_PREFIX "kfp_sdk_version", mpi_doc_lit(b->doc, MPI_SDK_VERSION));
    mpi_put(labels, ANNOT_PREFIX "pipeline-sdk-type", mpi_doc_lit(b->doc, "kfp"));
    bool caching_set = false;
    for (size_t i = 0; i < op->labels.n; i++) {
        if (strcmp(op->labels.v[i].key, ANNOT_PREFIX "enable_caching") == 0)
            caching_set = true;
        mp_node_put(labels, op->labels.v[i].key, rendered(b, op->labels.v[i].value));
    }
    if (!caching_set)
        mpi_put(labels, ANNOT_PREFIX "enable_caching", mpi_doc_lit(b->doc, "true"));
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
    int rc = MP_ERR_NOMEM;

    struct mp_node *root = mp_doc_map(doc);
    mpi_put_str(root, "apiVersion", "argoproj.io/v1alpha1");
    mpi_put_str(root, "kind", "Workflow");
    struct mp_node *meta = mpi_put_map(root, "metadata");
    mp_buf_printf(&b.tmp, "%s-", entry);
    mpi_put_str(meta, "generateName", mp_buf_data(&b.tmp));
    struct mp_node *ann = mpi_put_map(meta, "annotations");
    mpi_put_str(ann, ANNOT_PREFIX "kfp_sdk_version", MPI_SDK_VERSION);
    if (stamp)
        mpi_put_str(ann, ANNOT_PREFIX "pipeline_compilation_time", stamp);
    mp_buf_reset(&b.tmp);
    if (mpi_pipeline_spec_json(p, &b.tmp) != MP_OK)
        goto fail;
    mpi_put_str(ann, ANNOT_PREFIX "pipeline_spec", mp_buf_data(&b.tmp));
    mpi_put_str(mpi_put_map(meta, "labels"), ANNOT_PREFIX "kfp_sdk_version",
                    MPI_SDK_VERSION);

    struct mp_node *spec = mpi_put_map(root, "spec");
    mpi_put_str(spec, "entrypoint", entry);
    struct mp_node *templates = mpi_put_seq(spec, "templates");

    if ((rc = mpi_wf_templates(&b, entry, templates)) != MP_OK)
        goto out;

    struct mp_node *args = mpi_put_seq(mpi_put_map(spec, "arguments"), "parameters");
    for (size_t i = 0; i < p->params.n; i++) {
        struct mp_node *m = mp_node_push(args, mp_doc_map(doc));
        mpi_put_str(m, "name", p->params.v[i]->name);
        if (p->params.v[i]->default_value)
            mpi_put_str(m, "value", p->params.v[i]->default_value);
    }
    mpi_put_str(spec, "serviceAccountName", mp_pipeline_service_account(p));
    if (p->exit_op)
        mpi_put_str(spec, "onExit", p->exit_op->name);
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
    mpi_buf_release(&b.tmp);
    return rc;
}
