/* SPDX-License-Identifier: MIT */
/* workflow_pod.c: the pod settings of ops and the pipeline-wide settings, where kfp 1.8's
 * compiler writes them in the Argo Workflow. */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "doc.h"
#include "graph.h"
#include "workflow.h"

static void resources(struct mpi_wf *b, struct mp_node *res, const char *key,
                      const struct mpi_resource *v, size_t n)
{
    if (!n)
        return;
    struct mp_node *m = mp_node_put_map(res, key);
    for (size_t i = 0; i < n; i++) {
        if (v[i].number)
            mp_node_put(m, v[i].name, mp_doc_int(b->doc, strtoll(v[i].quantity, NULL, 10)));
        else
            mp_node_put(m, v[i].name, mpi_wf_rendered(b, v[i].quantity));
    }
}

void mpi_wf_container_settings(struct mpi_wf *b, const struct mp_op *op, struct mp_node *c)
{
    if (op->limits.n || op->requests.n) {
        struct mp_node *res = mpi_put_map(c, "resources");
        resources(b, res, "limits", op->limits.v, op->limits.n);
        resources(b, res, "requests", op->requests.v, op->requests.n);
    }
    const char *pull = op->pull_policy ? op->pull_policy : b->p->pull_policy;
    if (pull)
        mpi_put_str(c, "imagePullPolicy", pull);
}

/* A JSON value as a document node, its strings rendered as the template's. */
static struct mp_node *from_json(struct mpi_wf *b, json_t *j)
{
    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        struct mp_node *m = mp_doc_map(b->doc);
        for (void *it = json_object_iter(j); it; it = json_object_iter_next(j, it))
            mp_node_put(m, json_object_iter_key(it), from_json(b, json_object_iter_value(it)));
        return m;
    }
    case JSON_ARRAY: {
        struct mp_node *s = mp_doc_seq(b->doc);
        for (size_t i = 0; i < json_array_size(j); i++)
            mp_node_push(s, from_json(b, json_array_get(j, i)));
        return s;
    }
    case JSON_STRING: return mpi_wf_rendered(b, json_string_value(j));
    case JSON_INTEGER: return mp_doc_int(b->doc, json_integer_value(j));
    case JSON_REAL: {
        char num[64];
        snprintf(num, sizeof(num), "%.17g", json_real_value(j));
        return mp_doc_str(b->doc, num);
    }
    case JSON_TRUE: return mp_doc_bool(b->doc, true);
    case JSON_FALSE: return mp_doc_bool(b->doc, false);
    case JSON_NULL: return mp_doc_null(b->doc);
    }
    return NULL;
}

#define json_node mpi_wf_json
/* @text was checked to be JSON when it was set. */
struct mp_node *mpi_wf_json(struct mpi_wf *b, const char *text)
{
    json_t *j = json_loads(text, 0, NULL);
    struct mp_node *n = j ? from_json(b, j) : NULL;
    json_decref(j);
    return n;
}

static void containers(struct mpi_wf *b, const struct mp_op *op, enum mp_container_role role,
                       struct mp_node *tmpl, const char *key)
{
    struct mp_node *seq = NULL;
    for (size_t i = 0; i < op->containers.n; i++) {
        if (op->containers.v[i].role != role)
            continue;
        if (!seq)
            seq = mp_node_put_seq(tmpl, key);
        mp_node_push(seq, json_node(b, op->containers.v[i].json));
    }
}

static void kv_map(struct mpi_wf *b, struct mp_node *parent, const char *key,
                   const struct mpi_kv *v, size_t n)
{
    if (!n)
        return;
    struct mp_node *m = mp_node_put_map(parent, key);
    for (size_t i = 0; i < n; i++)
        mp_node_put(m, v[i].key, mpi_wf_rendered(b, v[i].value));
}

void mpi_wf_pod_settings(struct mpi_wf *b, const struct mp_op *op, struct mp_node *tmpl)
{
    kv_map(b, tmpl, "nodeSelector", op->node_selector.v, op->node_selector.n);
    if (op->tolerations.n) {
        struct mp_node *seq = mpi_put_seq(tmpl, "tolerations");
        for (size_t i = 0; i < op->tolerations.n; i++) {
            const struct mpi_toleration *t = &op->tolerations.v[i];
            struct mp_node *m = mp_node_push(seq, mp_doc_map(b->doc));
            if (t->effect)
                mpi_put_str(m, "effect", t->effect);
            if (t->key)
                mpi_put_str(m, "key", t->key);
            if (t->op)
                mpi_put_str(m, "operator", t->op);
            if (t->seconds >= 0)
                mpi_put(m, "tolerationSeconds", mp_doc_int(b->doc, t->seconds));
            if (t->value)
                mpi_put(m, "value", mpi_wf_rendered(b, t->value));
        }
    }
    if (op->affinity)
        mpi_put(tmpl, "affinity", json_node(b, op->affinity));
    if (op->retry_limit) {
        struct mp_node *r = mpi_put_map(tmpl, "retryStrategy");
        mpi_put(r, "limit", mp_doc_int(b->doc, op->retry_limit));
        if (op->retry_policy)
            mpi_put_str(r, "retryPolicy", op->retry_policy);
        if (op->retry_duration) {
            struct mp_node *bo = mpi_put_map(r, "backoff");
            mpi_put_str(bo, "duration", op->retry_duration);
            if (op->retry_factor)
                mpi_put(bo, "factor", mp_doc_int(b->doc, op->retry_factor));
            if (op->retry_max_duration)
                mpi_put_str(bo, "maxDuration", op->retry_max_duration);
        }
    }
    if (op->timeout)
        mpi_put(tmpl, "activeDeadlineSeconds", mp_doc_int(b->doc, op->timeout));
    containers(b, op, MP_CONTAINER_SIDECAR, tmpl, "sidecars");
    containers(b, op, MP_CONTAINER_INIT, tmpl, "initContainers");
}

void mpi_wf_spec_settings(struct mpi_wf *b, struct mp_node *spec)
{
    const struct mp_pipeline *p = b->p;
    if (p->parallelism)
        mpi_put(spec, "parallelism", mp_doc_int(b->doc, p->parallelism));
    if (p->ttl >= 0)
        mpi_put(mpi_put_map(spec, "ttlStrategy"), "secondsAfterCompletion",
                    mp_doc_int(b->doc, p->ttl));
    if (p->pull_secrets.n) {
        struct mp_node *seq = mpi_put_seq(spec, "imagePullSecrets");
        for (size_t i = 0; i < p->pull_secrets.n; i++)
            mpi_put_str(mp_node_push(seq, mp_doc_map(b->doc)), "name",
                            p->pull_secrets.v[i]);
    }
    if (p->timeout)
        mpi_put(spec, "activeDeadlineSeconds", mp_doc_int(b->doc, p->timeout));
    if (p->node_selector.n) {
        struct mp_node *m = mpi_put_map(spec, "nodeSelector");
        for (size_t i = 0; i < p->node_selector.n; i++)
            mp_node_put_str(m, p->node_selector.v[i].key, p->node_selector.v[i].value);
    }
}
