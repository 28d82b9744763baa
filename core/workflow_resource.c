/* SPDX-License-Identifier: MIT */
/* workflow_resource.c: the Argo resource template of a resource op, as kfp 1.8 writes it for
 * dsl.ResourceOp, VolumeOp and VolumeSnapshotOp. */
#include "config.h"

#include "workflow.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "doc.h"
#include "graph.h"
#include "write.h"

/* ---- the manifest, as kfp's yaml.dump(obj, default_flow_style=False) writes it ---- */

struct dump {
    yaml_emitter_t em;
    struct mpi_wf *b;
    int rc;
};

static void scalar(struct dump *d, const char *s, bool is_str)
{
    yaml_event_t ev;
    yaml_scalar_style_t style = is_str && mpi_yaml_needs_quotes(s)
                                    ? YAML_SINGLE_QUOTED_SCALAR_STYLE
                                    : YAML_ANY_SCALAR_STYLE;
    if (d->rc != MP_OK)
        return;
    if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)strlen(s), 1, 1,
                                      style))
        d->rc = MP_ERR_NOMEM;
    else if (!yaml_emitter_emit(&d->em, &ev))
        d->rc = MP_ERR_INVAL;
}

/* @s with its placeholders rewritten as the template's; NULL when out of memory. */
static const char *render(struct dump *d, const char *s)
{
    struct mp_node *n = mpi_wf_rendered(d->b, s);
    if (!n && d->rc == MP_OK)
        d->rc = MP_ERR_NOMEM;
    return n ? n->str : NULL;
}

/* Python's repr() of a float, as PyYAML writes it: the shortest digits that read back. */
static void real(struct dump *d, double v)
{
    char num[64];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(num, sizeof(num), "%.*g", prec, v);
        if (strtod(num, NULL) == v)
            break;
    }
    size_t len = strlen(num);
    if (!strpbrk(num, ".ein") && len + 3 <= sizeof(num))
        memcpy(num + len, ".0", 3); /* 1.0, not 1 */
    scalar(d, num, false);
}

struct key {
    const char *name; /* rendered */
    json_t *value;
};

static int cmp_key(const void *a, const void *b)
{
    return strcmp(((const struct key *)a)->name, ((const struct key *)b)->name);
}

static void value(struct dump *d, json_t *j)
{
    yaml_event_t ev;
    char num[32];
    if (d->rc != MP_OK)
        return;
    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        size_t n = json_object_size(j), k = 0;
        struct key *keys = calloc(n ? n : 1, sizeof(*keys));
        if (!keys) {
            d->rc = MP_ERR_NOMEM;
            return;
        }
        for (void *it = json_object_iter(j); it; it = json_object_iter_next(j, it)) {
            keys[k].name = render(d, json_object_iter_key(it));
            keys[k++].value = json_object_iter_value(it);
        }
        if (d->rc == MP_OK) {
            qsort(keys, n, sizeof(*keys), cmp_key); /* yaml.dump sorts the keys */
            if (!yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
                                                     YAML_BLOCK_MAPPING_STYLE) ||
                !yaml_emitter_emit(&d->em, &ev))
                d->rc = MP_ERR_INVAL;
            for (size_t i = 0; i < n; i++) {
                scalar(d, keys[i].name, true);
                value(d, keys[i].value);
            }
            if (d->rc == MP_OK &&
                (!yaml_mapping_end_event_initialize(&ev) || !yaml_emitter_emit(&d->em, &ev)))
                d->rc = MP_ERR_INVAL;
        }
        free(keys);
        return;
    }
    case JSON_ARRAY:
        if (!yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
                                                  YAML_BLOCK_SEQUENCE_STYLE) ||
            !yaml_emitter_emit(&d->em, &ev)) {
            d->rc = MP_ERR_INVAL;
            return;
        }
        for (size_t i = 0; i < json_array_size(j); i++)
            value(d, json_array_get(j, i));
        if (d->rc == MP_OK &&
            (!yaml_sequence_end_event_initialize(&ev) || !yaml_emitter_emit(&d->em, &ev)))
            d->rc = MP_ERR_INVAL;
        return;
    case JSON_STRING: {
        const char *s = render(d, json_string_value(j));
        if (s)
            scalar(d, s, true);
        return;
    }
    case JSON_INTEGER:
        snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(j));
        scalar(d, num, false);
        return;
    case JSON_REAL: real(d, json_real_value(j)); return;
    case JSON_TRUE: scalar(d, "true", false); return;
    case JSON_FALSE: scalar(d, "false", false); return;
    case JSON_NULL: scalar(d, "null", false); return;
    }
}

static int emit_out(void *data, unsigned char *buffer, size_t size)
{
    return mp_buf_append(data, buffer, size) == MP_OK;
}

/* The manifest as kfp writes it: block style, keys sorted, ASCII (other characters escaped),
 * 80 columns, placeholders rendered. */
static struct mp_node *manifest_yaml(struct mpi_wf *b, const char *json)
{
    struct dump d = {.b = b, .rc = MP_OK};
    struct mp_buf out;
    yaml_event_t ev;
    struct mp_node *n = NULL;
    json_t *j = json_loads(json, 0, NULL);
    mpi_buf_init(&out);
    if (!j || !yaml_emitter_initialize(&d.em)) {
        json_decref(j);
        b->doc->err = MP_ERR_NOMEM;
        return NULL;
    }
    yaml_emitter_set_output(&d.em, emit_out, &out);
    yaml_emitter_set_unicode(&d.em, 0);
    yaml_emitter_set_width(&d.em, 80);
    yaml_emitter_set_indent(&d.em, 2);
    if (!yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) ||
        !yaml_emitter_emit(&d.em, &ev) ||
        !yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1) ||
        !yaml_emitter_emit(&d.em, &ev))
        d.rc = MP_ERR_INVAL;
    value(&d, j);
    if (d.rc == MP_OK &&
        (!yaml_document_end_event_initialize(&ev, 1) || !yaml_emitter_emit(&d.em, &ev) ||
         !yaml_stream_end_event_initialize(&ev) || !yaml_emitter_emit(&d.em, &ev) ||
         !yaml_emitter_flush(&d.em)))
        d.rc = MP_ERR_INVAL;
    yaml_emitter_delete(&d.em);
    json_decref(j);
    if (d.rc == MP_OK && mp_buf_error(&out) == MP_OK)
        n = mp_doc_str(b->doc, mp_buf_data(&out));
    else
        b->doc->err = d.rc != MP_OK ? d.rc : mp_buf_error(&out);
    mpi_buf_release(&out);
    return n;
}

/* ---- the template ---- */

static int cmp_output(const void *a, const void *b)
{
    return strcmp((*(const struct mpi_output *const *)a)->name,
                  (*(const struct mpi_output *const *)b)->name);
}

/* Every output, sorted, read by JSON path: kfp writes them all, and no artifacts. */
static void outputs(struct mpi_wf *b, const struct mp_op *op, struct mp_node *tmpl)
{
    if (!op->outputs.n)
        return;
    const struct mpi_output **v = calloc(op->outputs.n, sizeof(*v));
    if (!v) {
        b->doc->err = MP_ERR_NOMEM;
        return;
    }
    for (size_t i = 0; i < op->outputs.n; i++)
        v[i] = &op->outputs.v[i];
    qsort(v, op->outputs.n, sizeof(*v), cmp_output);
    struct mp_node *params = mpi_put_seq(mpi_put_map(tmpl, "outputs"), "parameters");
    for (size_t i = 0; i < op->outputs.n; i++) {
        struct mp_node *m = mp_node_push(params, mp_doc_map(b->doc));
        mp_buf_reset(&b->tmp);
        mp_buf_printf(&b->tmp, "%s-%s", op->name, v[i]->name);
        mpi_put_str(m, "name", mp_buf_data(&b->tmp));
        mpi_put_str(mpi_put_map(m, "valueFrom"), "jsonPath", v[i]->path);
    }
    free(v);
}

void mpi_wf_resource_template(struct mpi_wf *b, const struct mp_op *op, struct mp_node *tmpl)
{
    const struct mpi_resource_tmpl *r = op->resource;
    mpi_put(tmpl, "name", b->name ? b->name : mp_doc_str(b->doc, op->name));
    struct mp_node *res = mpi_put_map(tmpl, "resource");
    mpi_put_str(res, "action", r->action);
    if (r->merge_strategy)
        mpi_put_str(res, "mergeStrategy", r->merge_strategy);
    if (r->success)
        mpi_put(res, "successCondition", mpi_wf_rendered(b, r->success));
    if (r->failure)
        mpi_put(res, "failureCondition", mpi_wf_rendered(b, r->failure));
    if (r->owner_reference >= 0)
        mpi_put(res, "setOwnerReference", mp_doc_bool(b->doc, r->owner_reference));
    mpi_put(res, "manifest", manifest_yaml(b, r->manifest));
    if (r->flags.n) {
        struct mp_node *flags = mpi_put_seq(res, "flags");
        for (size_t i = 0; i < r->flags.n; i++)
            mp_node_push(flags, mpi_wf_rendered(b, r->flags.v[i]));
    }
    mpi_wf_op_inputs(b, op, tmpl);
    outputs(b, op, tmpl);
    mpi_wf_pod_settings(b, op, tmpl);
    mpi_wf_op_metadata(b, op, tmpl);
}
