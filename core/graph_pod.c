/* SPDX-License-Identifier: MIT */
/* graph_pod.c: the pod settings of an op: env from fields, resources, node selector,
 * tolerations, affinity, sidecars and init containers, retries, timeout, image pull policy. */
#include "config.h"

#include <jansson.h>
#include <string.h>

#include "graph.h"
#include "quantity.h"

static int nomem(struct mp_error *err)
{
    return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
}

static int bad_handle(struct mp_error *err)
{
    return mp_error_set(err, MP_ERR_INVAL, "invalid op handle or argument");
}

static bool one_of(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (!strcmp(s, *list))
            return true;
    return false;
}

int mpi_kv_set(struct mpi_arena *a, void *vecp, const char *key, const char *value)
{
    MPI_VEC(struct mpi_kv) *vec = vecp;
    for (size_t i = 0; i < vec->n; i++)
        if (!strcmp(vec->v[i].key, key)) {
            vec->v[i].value = value;
            return MP_OK;
        }
    struct mpi_kv kv = {.key = mpi_arena_strdup(a, key), .value = value};
    if (!kv.key)
        return MP_ERR_NOMEM;
    return MPI_VEC_PUSH(a, *vec, kv);
}

/* ---- env from a field ---- */

int mp_op_add_env_from_field(struct mp_op *op, const char *name, const char *field_path,
                             struct mp_error *err)
{
    if (!mpi_op_check(op) || !name || !*name || !field_path || !*field_path)
        return bad_handle(err);
    MPI_CHANGED(op->pipeline);
    for (size_t i = 0; i < op->env.n; i++)
        if (!strcmp(op->env.v[i].name, name))
            return mp_error_set(err, MP_ERR_EXISTS, "op '%s': env variable %s is set twice",
                                op->name, name);
    struct mpi_env e = {.name = mpi_arena_strdup(&op->pipeline->arena, name),
                        .field = mpi_arena_strdup(&op->pipeline->arena, field_path)};
    if (!e.name || !e.field || MPI_VEC_PUSH(&op->pipeline->arena, op->env, e) != MP_OK)
        return nomem(err);
    return MP_OK;
}

const char *mp_op_env_field(const struct mp_op *op, size_t i)
{
    const struct mpi_env *e = MPI_OP_ITEM(op, env, i);
    return e ? e->field : NULL;
}

/* ---- resources ---- */

static bool resource_name_valid(const char *s)
{
    if (!strcmp(s, "cpu") || !strcmp(s, "memory") || !strcmp(s, "ephemeral-storage"))
        return true;
    const char *slash = strchr(s, '/');
    if (!slash || slash == s || !slash[1] || strchr(slash + 1, '/'))
        return false;
    for (const char *c = s; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '-' || *c == '.' || *c == '_' || *c == '/'))
            return false;
    return true;
}

#define RES_VEC(op, bound) ((bound) == MP_RESOURCE_REQUEST ? &(op)->requests : &(op)->limits)

int mp_op_set_resource(struct mp_op *op, enum mp_resource_bound bound, const char *resource,
                       const char *quantity, bool number, struct mp_error *err)
{
    if (!mpi_op_check(op) || !resource || !quantity ||
        (bound != MP_RESOURCE_REQUEST && bound != MP_RESOURCE_LIMIT))
        return bad_handle(err);
    MPI_CHANGED(op->pipeline);
    if (!resource_name_valid(resource))
        return mp_error_set(err, MP_ERR_INVAL, "op '%s': '%s' is not a resource name (expected "
                            "cpu, memory or DOMAIN/NAME such as nvidia.com/gpu)", op->name,
                            resource);
    if (!mp_quantity_valid(quantity))
        return mp_error_set(err, MP_ERR_INVAL, "op '%s': %s %s '%s' is not a Kubernetes "
                            "quantity (expected e.g. 500m, 1.5, 2Gi)", op->name, resource,
                            bound == MP_RESOURCE_REQUEST ? "request" : "limit", quantity);
    if (number) {
        for (const char *c = quantity; *c; c++)
            if (*c < '0' || *c > '9')
                return mp_error_set(err, MP_ERR_INVAL, "op '%s': %s '%s' cannot be written as "
                                    "a number", op->name, resource, quantity);
    }
    struct mpi_arena *a = &op->pipeline->arena;
    const char *q = mpi_op_strdup(op, quantity);
    if (!q)
        return nomem(err);
    struct mpi_resources *vec = RES_VEC(op, bound);
    for (size_t i = 0; i < vec->n; i++)
        if (!strcmp(vec->v[i].name, resource)) {
            mpi_op_forget_refs(op, vec->v[i].quantity);
            vec->v[i].quantity = q;
            vec->v[i].number = number;
            return MP_OK;
        }
    struct mpi_resource r = {.name = mpi_arena_strdup(a, resource), .quantity = q,
                             .number = number};
    if (!r.name || MPI_VEC_PUSH(a, *vec, r) != MP_OK)
        return nomem(err);
    return MP_OK;
}

static const struct mpi_resource *resource_at(const struct mp_op *op,
                                              enum mp_resource_bound bound, size_t i)
{
    if (!mpi_op_check(op) || (bound != MP_RESOURCE_REQUEST && bound != MP_RESOURCE_LIMIT))
        return NULL;
    const struct mpi_resource *v = bound == MP_RESOURCE_REQUEST ? op->requests.v : op->limits.v;
    size_t n = bound == MP_RESOURCE_REQUEST ? op->requests.n : op->limits.n;
    return i < n ? &v[i] : NULL;
}

size_t mp_op_resource_count(const struct mp_op *op, enum mp_resource_bound bound)
{
    if (!mpi_op_check(op))
        return 0;
    return bound == MP_RESOURCE_REQUEST ? op->requests.n
           : bound == MP_RESOURCE_LIMIT ? op->limits.n
                                        : 0;
}

const char *mp_op_resource_name(const struct mp_op *op, enum mp_resource_bound bound, size_t i)
{
    const struct mpi_resource *r = resource_at(op, bound, i);
    return r ? r->name : NULL;
}

const char *mp_op_resource_quantity(const struct mp_op *op, enum mp_resource_bound bound,
                                    size_t i)
{
    const struct mpi_resource *r = resource_at(op, bound, i);
    return r ? r->quantity : NULL;
}

bool mp_op_resource_is_number(const struct mp_op *op, enum mp_resource_bound bound, size_t i)
{
    const struct mpi_resource *r = resource_at(op, bound, i);
    return r ? r->number : false;
}

/* ---- node selector ---- */

int mp_op_set_node_selector(struct mp_op *op, const char *key, const char *value,
                            struct mp_error *err)
{
    if (!mpi_op_check(op) || !key || !*key || !value)
        return bad_handle(err);
    MPI_CHANGED(op->pipeline);
    const char *v = mpi_op_strdup(op, value);
    if (!v)
        return nomem(err);
    for (size_t i = 0; i < op->node_selector.n; i++)
        if (!strcmp(op->node_selector.v[i].key, key))
            mpi_op_forget_refs(op, op->node_selector.v[i].value);
    if (mpi_kv_set(&op->pipeline->arena, &op->node_selector, key, v) != MP_OK)
        return nomem(err);
    return MP_OK;
}

size_t mp_op_node_selector_count(const struct mp_op *op)
{
    return mpi_op_check(op) ? op->node_selector.n : 0;
}

const char *mp_op_node_selector_key(const struct mp_op *op, size_t i)
{
    const struct mpi_kv *kv = MPI_OP_ITEM(op, node_selector, i);
    return kv ? kv->key : NULL;
}

const char *mp_op_node_selector_value(const struct mp_op *op, size_t i)
{
    const struct mpi_kv *kv = MPI_OP_ITEM(op, node_selector, i);
    return kv ? kv->value : NULL;
}

/* ---- tolerations ---- */

int mp_op_add_toleration(struct mp_op *op, const char *key, const char *op_name,
                         const char *value, const char *effect, long long seconds,
                         struct mp_error *err)
{
    static const char *const ops[] = {"Equal", "Exists", NULL};
    static const char *const effects[] = {"NoSchedule", "PreferNoSchedule", "NoExecute", NULL};
    if (!mpi_op_check(op))
        return bad_handle(err);
    MPI_CHANGED(op->pipeline);
    if (op_name && !one_of(op_name, ops))
        return mp_error_set(err, MP_ERR_INVAL, "op '%s': toleration operator '%s' (expected "
                            "Equal or Exists)", op->name, op_name);
    if (effect && !one_of(effect, effects))
        return mp_error_set(err, MP_ERR_INVAL, "op '%s': toleration effect '%s' (expected "
                            "NoSchedule, PreferNoSchedule or NoExecute)", op->name, effect);
    struct mpi_arena *a = &op->pipeline->arena;
    struct mpi_toleration t = {.key = key ? mpi_arena_strdup(a, key) : NULL,
                               .op = op_name ? mpi_arena_strdup(a, op_name) : NULL,
                               .value = value ? mpi_op_strdup(op, value) : NULL,
                               .effect = effect ? mpi_arena_strdup(a, effect) : NULL,
                               .seconds = seconds < 0 ? -1 : seconds};
    if ((key && !t.key) || (op_name && !t.op) || (value && !t.value) || (effect && !t.effect) ||
        MPI_VEC_PUSH(a, op->tolerations, t) != MP_OK)
        return nomem(err);
    return MP_OK;
}

size_t mp_op_toleration_count(const struct mp_op *op)
{
    return mpi_op_check(op) ? op->tolerations.n : 0;
}

const char *mp_op_toleration_key(const struct mp_op *op, size_t i)
{
    const struct mpi_toleration *t = MPI_OP_ITEM(op, tolerations, i);
    return t ? t->key : NULL;
}

const char *mp_op_toleration_operator(const struct mp_op *op, size_t i)
{
    const struct mpi_toleration *t = MPI_OP_ITEM(op, tolerations, i);
    return t ? t->op : NULL;
}

const char *mp_op_toleration_value(const struct mp_op *op, size_t i)
{
    const struct mpi_toleration *t = MPI_OP_ITEM(op, tolerations, i);
    return t ? t->value : NULL;
}

const char *mp_op_toleration_effect(const struct mp_op *op, size_t i)
{
    const struct mpi_toleration *t = MPI_OP_ITEM(op, tolerations, i);
    return t ? t->effect : NULL;
}

long long mp_op_toleration_seconds(const struct mp_op *op, size_t i)
{
    const struct mpi_toleration *t = MPI_OP_ITEM(op, tolerations, i);
    return t ? t->seconds : -1;
}

/* ---- affinity and extra containers: Kubernetes objects as JSON ---- */

/* Parse @text as a JSON object; NULL (and @err set) when it is not one. Caller decrefs. */
static json_t *json_object_of(const struct mp_op *op, const char *text, const char *what,
                              struct mp_error *err)
{
    json_error_t je;
    json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &je);
    if (!j || !json_is_object(j)) {
        mp_error_set(err, MP_ERR_PARSE, "op '%s': %s is not a JSON object%s%s", op->name, what,
                     j ? "" : ": ", j ? "" : je.text);
        json_decref(j);
        return NULL;
    }
    return j;
}

int mp_op_set_affinity(struct mp_op *op, const char *json, struct mp_error *err)
{
    if (!mpi_op_check(op) || !json)
        return bad_handle(err);
    MPI_CHANGED(op->pipeline);
    json_t *j = json_object_of(op, json, "the affinity", err);
    if (!j)
        return MP_ERR_PARSE;
    json_decref(j);
    const char *s = mpi_op_strdup(op, json);
    if (!s)
        return nomem(err);
    mpi_op_forget_refs(op, op->affinity);
    op->affinity = s;
    return MP_OK;
}

const char *mp_op_affinity(const struct mp_op *op)
{
    return mpi_op_check(op) ? op->affinity : NULL;
}

int mp_op_add_container(struct mp_op *op, enum mp_container_role role, const char *json,
                        struct mp_error *err)
{
    if (!mpi_op_check(op) || !json || (role != MP_CONTAINER_SIDECAR && role != MP_CONTAINER_INIT))
        return bad_handle(err);
    MPI_CHANGED(op->pipeline);
    const char *what = role == MP_CONTAINER_SIDECAR ? "a sidecar" : "an init container";
    json_t *j = json_object_of(op, json, what, err);
    if (!j)
        return MP_ERR_PARSE;
    const char *name = json_string_value(json_object_get(j, "name"));
    const char *image = json_string_value(json_object_get(j, "image"));
    int rc = MP_OK;
    if (!name || !*name || !image || !*image) {
        rc = mp_error_set(err, MP_ERR_INVAL, "op '%s': %s needs a name and an image", op->name,
                          what);
        goto out;
    }
    for (size_t i = 0; i < op->containers.n; i++)
        if (op->containers.v[i].role == role && !strcmp(op->containers.v[i].name, name)) {
            rc = mp_error_set(err, MP_ERR_EXISTS, "op '%s': two of its %ss are named '%s'",
                              op->name, role == MP_CONTAINER_SIDECAR ? "sidecar" :
                              "init container", name);
            goto out;
        }
    struct mpi_container c = {.role = role, .name = mpi_arena_strdup(&op->pipeline->arena, name),
                              .json = mpi_op_strdup(op, json)};
    if (!c.name || !c.json || MPI_VEC_PUSH(&op->pipeline->arena, op->containers, c) != MP_OK)
        rc = nomem(err);
out:
    json_decref(j);
    return rc;
}

size_t mp_op_container_count(const struct mp_op *op, enum mp_container_role role)
{
    size_t n = 0;
    if (mpi_op_check(op))
        for (size_t i = 0; i < op->containers.n; i++)
            n += op->containers.v[i].role == role;
    return n;
}

const char *mp_op_container_json(const struct mp_op *op, enum mp_container_role role, size_t i)
{
    if (!mpi_op_check(op))
        return NULL;
    for (size_t k = 0; k < op->containers.n; k++)
        if (op->containers.v[k].role == role && i-- == 0)
            return op->containers.v[k].json;
    return NULL;
}

/* ---- retries, timeout, image pull policy ---- */

int mp_op_set_retry(struct mp_op *op, unsigned limit, const char *policy, const char *duration,
                    unsigned factor, const char *max_duration, struct mp_error *err)
{
    static const char *const policies[] = {"Always", "OnFailure", "OnError", "OnTransientError",
                                           NULL};
    if (!mpi_op_check(op))
        return bad_handle(err);
    MPI_CHANGED(op->pipeline);
    if (policy && !one_of(policy, policies))
        return mp_error_set(err, MP_ERR_INVAL, "op '%s': retry policy '%s' (expected Always, "
                            "OnFailure, OnError or OnTransientError)", op->name, policy);
    if ((duration && !mpi_duration_valid(duration)) ||
        (max_duration && !mpi_duration_valid(max_duration)))
        return mp_error_set(err, MP_ERR_INVAL, "op '%s': retry backoff '%s' is not a duration "
                            "(expected e.g. 30s, 5m, 1h30m)", op->name,
                            duration && !mpi_duration_valid(duration) ? duration : max_duration);
    if ((factor || max_duration) && !duration)
        return mp_error_set(err, MP_ERR_INVAL, "op '%s': a retry backoff factor or maximum "
                            "needs a backoff duration", op->name);
    struct mpi_arena *a = &op->pipeline->arena;
    const char *p = policy ? mpi_arena_strdup(a, policy) : NULL;
    const char *d = duration ? mpi_arena_strdup(a, duration) : NULL;
    const char *m = max_duration ? mpi_arena_strdup(a, max_duration) : NULL;
    if ((policy && !p) || (duration && !d) || (max_duration && !m))
        return nomem(err);
    op->retry_limit = limit;
    op->retry_policy = limit ? p : NULL;
    op->retry_duration = limit ? d : NULL;
    op->retry_factor = limit ? factor : 0;
    op->retry_max_duration = limit ? m : NULL;
    return MP_OK;
}

unsigned mp_op_retry_limit(const struct mp_op *op)
{
    return mpi_op_check(op) ? op->retry_limit : 0;
}

const char *mp_op_retry_policy(const struct mp_op *op)
{
    return mpi_op_check(op) ? op->retry_policy : NULL;
}

const char *mp_op_retry_backoff_duration(const struct mp_op *op)
{
    return mpi_op_check(op) ? op->retry_duration : NULL;
}

unsigned mp_op_retry_backoff_factor(const struct mp_op *op)
{
    return mpi_op_check(op) ? op->retry_factor : 0;
}

const char *mp_op_retry_backoff_max_duration(const struct mp_op *op)
{
    return mpi_op_check(op) ? op->retry_max_duration : NULL;
}

int mp_op_set_timeout(struct mp_op *op, long long seconds, struct mp_error *err)
{
    if (!mpi_op_check(op))
        return bad_handle(err);
    MPI_CHANGED(op->pipeline);
    if (seconds < 0)
        return mp_error_set(err, MP_ERR_INVAL, "op '%s': timeout %lld is negative", op->name,
                            seconds);
    op->timeout = seconds;
    return MP_OK;
}

long long mp_op_timeout(const struct mp_op *op)
{
    return mpi_op_check(op) ? op->timeout : 0;
}

bool mpi_pull_policy_valid(const char *policy)
{
    static const char *const policies[] = {"Always", "IfNotPresent", "Never", NULL};
    return policy && one_of(policy, policies);
}

int mp_op_set_image_pull_policy(struct mp_op *op, const char *policy, struct mp_error *err)
{
    if (!mpi_op_check(op))
        return bad_handle(err);
    MPI_CHANGED(op->pipeline);
    if (policy && !mpi_pull_policy_valid(policy))
        return mp_error_set(err, MP_ERR_INVAL, "op '%s': image pull policy '%s' (expected "
                            "Always, IfNotPresent or Never)", op->name, policy);
    const char *s = policy ? mpi_arena_strdup(&op->pipeline->arena, policy) : NULL;
    if (policy && !s)
        return nomem(err);
    op->pull_policy = s;
    return MP_OK;
}

const char *mp_op_image_pull_policy(const struct mp_op *op)
{
    return mpi_op_check(op) ? op->pull_policy : NULL;
}
