/* SPDX-License-Identifier: MIT */
/* graph_settings.c: pipeline-wide settings (kfp's PipelineConf): image pull secrets, service
 * account, TTL, parallelism, timeout, default node selector and image pull policy. */
#include "config.h"

#include <string.h>

#include "graph.h"

static int bad_handle(struct mp_error *err)
{
    return mp_error_set(err, MP_ERR_INVAL, "invalid pipeline handle or argument");
}

static int nomem(struct mp_error *err)
{
    return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
}

int mp_pipeline_add_image_pull_secret(struct mp_pipeline *p, const char *name,
                                      struct mp_error *err)
{
    if (!mpi_pipeline_check(p) || !name || !*name)
        return bad_handle(err);
    MPI_CHANGED(p);
    for (size_t i = 0; i < p->pull_secrets.n; i++)
        if (!strcmp(p->pull_secrets.v[i], name))
            return MP_OK;
    const char *s = mpi_arena_strdup(&p->arena, name);
    if (!s || MPI_VEC_PUSH(&p->arena, p->pull_secrets, s) != MP_OK)
        return nomem(err);
    return MP_OK;
}

size_t mp_pipeline_image_pull_secret_count(const struct mp_pipeline *p)
{
    return mpi_pipeline_check(p) ? p->pull_secrets.n : 0;
}

const char *mp_pipeline_image_pull_secret_at(const struct mp_pipeline *p, size_t i)
{
    return mpi_pipeline_check(p) && i < p->pull_secrets.n ? p->pull_secrets.v[i] : NULL;
}

int mp_pipeline_set_service_account(struct mp_pipeline *p, const char *name,
                                    struct mp_error *err)
{
    if (!mpi_pipeline_check(p) || !name)
        return bad_handle(err);
    MPI_CHANGED(p);
    if (!mpi_dns_label_valid(name) && strlen(name) <= 253) {
        /* DNS subdomain: labels joined by dots */
        bool ok = *name && name[strlen(name) - 1] != '.';
        for (const char *c = name; *c && ok; c++)
            ok = (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-' || *c == '.';
        if (!ok)
            return mp_error_set(err, MP_ERR_INVAL, "service account '%s' is not a valid "
                                "Kubernetes name", name);
    }
    const char *s = mpi_arena_strdup(&p->arena, name);
    if (!s)
        return nomem(err);
    p->service_account = s;
    return MP_OK;
}

const char *mp_pipeline_service_account(const struct mp_pipeline *p)
{
    if (!mpi_pipeline_check(p))
        return NULL;
    return p->service_account ? p->service_account : "pipeline-runner";
}

static int set_count(struct mp_pipeline *p, long long *field, long long v, const char *what,
                     struct mp_error *err)
{
    if (!mpi_pipeline_check(p))
        return bad_handle(err);
    MPI_CHANGED(p);
    if (v < 0)
        return mp_error_set(err, MP_ERR_INVAL, "%s %lld is negative", what, v);
    *field = v;
    return MP_OK;
}

int mp_pipeline_set_ttl(struct mp_pipeline *p, long long seconds, struct mp_error *err)
{
    return set_count(p, mpi_pipeline_check(p) ? &p->ttl : NULL, seconds, "TTL", err);
}

long long mp_pipeline_ttl(const struct mp_pipeline *p)
{
    return mpi_pipeline_check(p) ? p->ttl : -1;
}

int mp_pipeline_set_parallelism(struct mp_pipeline *p, long long n, struct mp_error *err)
{
    return set_count(p, mpi_pipeline_check(p) ? &p->parallelism : NULL, n, "parallelism", err);
}

long long mp_pipeline_parallelism(const struct mp_pipeline *p)
{
    return mpi_pipeline_check(p) ? p->parallelism : 0;
}

int mp_pipeline_set_timeout(struct mp_pipeline *p, long long seconds, struct mp_error *err)
{
    return set_count(p, mpi_pipeline_check(p) ? &p->timeout : NULL, seconds, "timeout", err);
}

long long mp_pipeline_timeout(const struct mp_pipeline *p)
{
    return mpi_pipeline_check(p) ? p->timeout : 0;
}

int mp_pipeline_set_node_selector(struct mp_pipeline *p, const char *key, const char *value,
                                  struct mp_error *err)
{
    if (!mpi_pipeline_check(p) || !key || !*key || !value)
        return bad_handle(err);
    MPI_CHANGED(p);
    const char *v = mpi_arena_strdup(&p->arena, value);
    if (!v || mpi_kv_set(&p->arena, &p->node_selector, key, v) != MP_OK)
        return nomem(err);
    return MP_OK;
}

size_t mp_pipeline_node_selector_count(const struct mp_pipeline *p)
{
    return mpi_pipeline_check(p) ? p->node_selector.n : 0;
}

const char *mp_pipeline_node_selector_key(const struct mp_pipeline *p, size_t i)
{
    return mpi_pipeline_check(p) && i < p->node_selector.n ? p->node_selector.v[i].key : NULL;
}

const char *mp_pipeline_node_selector_value(const struct mp_pipeline *p, size_t i)
{
    return mpi_pipeline_check(p) && i < p->node_selector.n ? p->node_selector.v[i].value : NULL;
}

int mp_pipeline_set_image_pull_policy(struct mp_pipeline *p, const char *policy,
                                      struct mp_error *err)
{
    if (!mpi_pipeline_check(p))
        return bad_handle(err);
    MPI_CHANGED(p);
    if (policy && !mpi_pull_policy_valid(policy))
        return mp_error_set(err, MP_ERR_INVAL, "image pull policy '%s' (expected Always, "
                            "IfNotPresent or Never)", policy);
    const char *s = policy ? mpi_arena_strdup(&p->arena, policy) : NULL;
    if (policy && !s)
        return nomem(err);
    p->pull_policy = s;
    return MP_OK;
}

const char *mp_pipeline_image_pull_policy(const struct mp_pipeline *p)
{
    return mpi_pipeline_check(p) ? p->pull_policy : NULL;
}
