/* SPDX-License-Identifier: MIT */
/* kfp_wait.c: polls a run with backoff to a terminal state, tests the state before the
 * deadline, and shows per-step progress from the Workflow (v1beta1) or task details (v2beta1). */
#include "config.h"

#include "kfp_wait.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int parse_seconds(const char *s, const char *opt, long *ms, struct mp_error *err)
{
    char *end;
    double v = strtod(s, &end);
    if (*s == '\0' || *end || !(v >= 0) || v > 31536000.0)
        return mp_error_set(err, MP_ERR_USAGE, "--%s '%s': expected seconds", opt, s);
    *ms = (long)(v * 1000.0);
    return MP_OK;
}

int kfp_wait_options(const struct mp_plugin_ctx *ctx, struct kfp_wait_opts *out,
                     struct mp_error *err)
{
    struct kfp_wait_opts o = {0, 1000, 10000};
    const char *t = mp_ctx_option(ctx, "timeout");
    const char *pi = mp_ctx_option(ctx, "poll-interval");
    int rc;
    if (t && (rc = parse_seconds(t, "timeout", &o.timeout_ms, err)) != MP_OK)
        return rc;
    if (pi) {
        if ((rc = parse_seconds(pi, "poll-interval", &o.poll_ms, err)) != MP_OK)
            return rc;
        if (o.poll_ms < 10)
            o.poll_ms = 10;
        if (o.poll_max_ms < o.poll_ms)
            o.poll_max_ms = o.poll_ms;
    }
    if (out)
        *out = o;
    return MP_OK;
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Report each step whose state differs from @seen (name -> state), or all when @seen is NULL. */
static void show_steps(const struct kfp_client *c, json_t *run, json_t *seen)
{
    const struct mp_plugin_ctx *ctx = c->http.ctx;
    if (c->api == KFP_V2) {
        json_t *tasks = json_object_get(json_object_get(run, "run_details"), "task_details"), *t;
        size_t i;
        json_array_foreach(tasks, i, t) {
            const char *n = json_string_value(json_object_get(t, "display_name"));
            const char *s = json_string_value(json_object_get(t, "state"));
            if (!n || !s || strcmp(n, "root") == 0)
                continue;
            if (seen && json_equal(json_object_get(seen, n), json_object_get(t, "state")))
                continue;
            mp_ctx_printf(ctx, "  step %-24s %s\n", n, s);
            if (seen)
                json_object_set_new(seen, n, json_string(s));
        }
        return;
    }
    const char *m = json_string_value(
        json_object_get(json_object_get(run, "pipeline_runtime"), "workflow_manifest"));
    json_error_t jerr;
    json_t *wf = m ? json_loads(m, 0, &jerr) : NULL;
    json_t *nodes = json_object_get(json_object_get(wf, "status"), "nodes"), *nd;
    const char *key;
    json_object_foreach(nodes, key, nd) {
        const char *type = json_string_value(json_object_get(nd, "type"));
        const char *n = json_string_value(json_object_get(nd, "displayName"));
        const char *s = json_string_value(json_object_get(nd, "phase"));
        if (!n || !s || (type && strcmp(type, "Pod") != 0))
            continue;
        if (seen && json_equal(json_object_get(seen, n), json_object_get(nd, "phase")))
            continue;
        mp_ctx_printf(ctx, "  step %-24s %s\n", n, s);
        if (seen)
            json_object_set_new(seen, n, json_string(s));
    }
    json_decref(wf);
}

static const char *run_error(const struct kfp_client *c, json_t *run)
{
    const char *e = c->api == KFP_V2
                        ? json_string_value(json_object_get(json_object_get(run, "error"),
                                                            "message"))
                        : json_string_value(json_object_get(json_object_get(run, "run"),
                                                            "error"));
    return e && *e ? e : NULL;
}

int kfp_wait_run(const struct kfp_client *c, const char *id, struct mp_error *err)
{
    struct kfp_wait_opts o;
    int rc = kfp_wait_options(c->http.ctx, &o, err);
    if (rc != MP_OK)
        return rc;
    json_t *seen = json_object();
    if (!seen)
        return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
    long start = now_ms(), delay = o.poll_ms;
    char state[64], last[64] = "-";
    for (;;) {
        json_t *run = NULL;
        if ((rc = kfp_get_run(c, id, &run, state, sizeof(state), err)) != MP_OK)
            break;
        show_steps(c, run, seen);
        if (strcmp(state, last) != 0) {
            mp_ctx_printf(c->http.ctx, "run %s: %s\n", id, state[0] ? state : "pending");
            snprintf(last, sizeof(last), "%s", state);
        }
        if (kfp_state_terminal(state)) {
            const char *e = run_error(c, run);
            if (strcmp(state, "succeeded") == 0)
                rc = MP_OK;
            else
                rc = mp_error_set(err, MP_ERR_FAILED, "run %s %s%s%s", id, state,
                                  e ? ": " : "", e ? e : "");
            json_decref(run);
            break;
        }
        json_decref(run);
        long left = o.timeout_ms ? o.timeout_ms - (now_ms() - start) : delay;
        if (o.timeout_ms && left <= 0) {
            rc = mp_error_set(err, MP_ERR_TIMEOUT, "run %s: still %s after the --timeout of %ld s",
                              id, state[0] ? state : "pending", o.timeout_ms / 1000);
            break;
        }
        mph_sleep_ms(delay < left ? delay : left);
        delay = mph_backoff_ms(delay * 2, 0, o.poll_max_ms);
        if (delay < o.poll_ms)
            delay = o.poll_ms;
    }
    json_decref(seen);
    return rc;
}

int kfp_show_run(const struct kfp_client *c, const char *id, struct mp_error *err)
{
    json_t *run = NULL;
    char state[64];
    int rc = kfp_get_run(c, id, &run, state, sizeof(state), err);
    if (rc != MP_OK)
        return rc;
    json_t *r = c->api == KFP_V2 ? run : json_object_get(run, "run");
    const char *name = json_string_value(json_object_get(r, c->api == KFP_V2 ? "display_name"
                                                                              : "name"));
    const char *e = run_error(c, run);
    mp_ctx_printf(c->http.ctx, "run %s (%s): %s\n", id, name ? name : "", state[0] ? state
                                                                                 : "pending");
    if (e)
        mp_ctx_printf(c->http.ctx, "  error: %s\n", e);
    show_steps(c, run, NULL);
    json_decref(run);
    return MP_OK;
}

/* Print one page after another of @path's @key list. */
static int list_pages(const struct kfp_client *c, const char *op, struct mp_buf *path,
                      const char *key, const char *id_key, const char *name_key,
                      const char *state_key, struct mp_error *err)
{
    char token[1024] = "";
    size_t base = mp_buf_len(path);
    int rc = MP_OK;
    for (int page = 0; page < 100; page++) {
        mp_buf_reset(path);
        (void)base;
        json_t *res = NULL;
        if (mp_buf_error(path))
            return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
        struct mp_buf *p = mp_buf_new();
        if (!p)
            return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
        mp_buf_printf(p, "%s", op); /* op holds the path prefix */
        mp_buf_puts(p, "page_size=100");
        if (token[0]) {
            mp_buf_puts(p, "&page_token=");
            mph_urlencode(p, token);
        }
        rc = mp_buf_putc(p, '\0') == MP_OK
                 ? kfp_call(c, "list", "GET", mp_buf_data(p), NULL, true, &res, NULL, err)
                 : mp_error_set(err, MP_ERR_NOMEM, "out of memory");
        mp_buf_free(p);
        if (rc != MP_OK)
            return rc;
        json_t *arr = json_object_get(res, key), *it;
        size_t i;
        json_array_foreach(arr, i, it) {
            json_t *o = c->api == KFP_V1 && strcmp(key, "runs") == 0 ? it : it;
            const char *id = json_string_value(json_object_get(o, id_key));
            const char *n = json_string_value(json_object_get(o, name_key));
            const char *s = state_key ? json_string_value(json_object_get(o, state_key)) : NULL;
            mp_ctx_printf(c->http.ctx, "%s\t%s%s%s\n", id ? id : "?", state_key ? (s ? s : "-")
                                                                              : "",
                          state_key ? "\t" : "", n ? n : "");
        }
        const char *next = json_string_value(json_object_get(res, "next_page_token"));
        bool more = next && *next && strlen(next) < sizeof(token);
        if (more)
            memcpy(token, next, strlen(next) + 1);
        json_decref(res);
        if (!more)
            break;
    }
    return rc;
}

static int list_with_prefix(const struct kfp_client *c, struct mp_buf *prefix, const char *key,
                            const char *id_key, const char *name_key, const char *state_key,
                            struct mp_error *err)
{
    if (mp_buf_putc(prefix, '\0') != MP_OK)
        return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
    struct mp_buf *scratch = mp_buf_new();
    if (!scratch)
        return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
    int rc = list_pages(c, mp_buf_data(prefix), scratch, key, id_key, name_key, state_key, err);
    mp_buf_free(scratch);
    return rc;
}

int kfp_list_runs(const struct kfp_client *c, const struct mp_plugin_ctx *ctx,
                  struct mp_error *err)
{
    bool v2 = c->api == KFP_V2;
    char eid[256];
    const char *exp = mp_ctx_option(ctx, "experiment");
    int rc;
    if (exp && *exp && (rc = kfp_find_experiment(c, exp, eid, sizeof(eid), err)) != MP_OK) {
        if (rc == MP_ERR_NOTFOUND)
            rc = mp_error_set(err, rc, "experiment '%s': not found", exp);
        return rc;
    }
    struct mp_buf *b = mp_buf_new();
    if (!b)
        return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
    mp_buf_printf(b, "/apis/%s/runs?", v2 ? "v2beta1" : "v1beta1");
    if (exp && *exp) {
        mp_buf_puts(b, v2 ? "experiment_id="
                          : "resource_reference_key.type=EXPERIMENT&resource_reference_key.id=");
        mph_urlencode(b, eid);
        mp_buf_putc(b, '&');
    } else if (c->namespace) {
        mp_buf_puts(b, v2 ? "namespace="
                          : "resource_reference_key.type=NAMESPACE&resource_reference_key.id=");
        mph_urlencode(b, c->namespace);
        mp_buf_putc(b, '&');
    }
    rc = list_with_prefix(c, b, "runs", v2 ? "run_id" : "id", v2 ? "display_name" : "name",
                          v2 ? "state" : "status", err);
    mp_buf_free(b);
    return rc;
}

int kfp_list_experiments(const struct kfp_client *c, const struct mp_plugin_ctx *ctx,
                         struct mp_error *err)
{
    (void)ctx;
    bool v2 = c->api == KFP_V2;
    struct mp_buf *b = mp_buf_new();
    if (!b)
        return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
    mp_buf_printf(b, "/apis/%s/experiments?", v2 ? "v2beta1" : "v1beta1");
    if (c->namespace) {
        mp_buf_puts(b, v2 ? "namespace="
                          : "resource_reference_key.type=NAMESPACE&resource_reference_key.id=");
        mph_urlencode(b, c->namespace);
        mp_buf_putc(b, '&');
    }
    int rc = list_with_prefix(c, b, "experiments", v2 ? "experiment_id" : "id",
                              v2 ? "display_name" : "name", NULL, err);
    mp_buf_free(b);
    return rc;
}
