/* SPDX-License-Identifier: MIT */
/* kfp_api.c: KFP pipelines, versions and experiments over v1beta1 and v2beta1, with paged
 * lookups by name and look-before-create-again after a failure that may have taken effect. */
#include "config.h"

#include "kfp_api.h"
#include "kfp_dex.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define KFP_MAX_PAGES 100
#define KFP_DEFAULT_SA_TOKEN "/var/run/secrets/kubeflow/pipelines/token"

static const char *apiname(const struct kfp_client *c)
{
    return c->api == KFP_V2 ? "v2beta1" : "v1beta1";
}

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

static int parse_api(const char *s, enum kfp_api *out)
{
    if (strcmp(s, "v1beta1") == 0 || strcmp(s, "v1") == 0)
        *out = KFP_V1;
    else if (strcmp(s, "v2beta1") == 0 || strcmp(s, "v2") == 0)
        *out = KFP_V2;
    else
        return MP_ERR_USAGE;
    return MP_OK;
}

/* The password comes from KF_PIPELINES_DEX_PASSWORD or the first line of standard input,
 * never from the command line. */
static int dex_login(struct kfp_client *c, const char *user, const char *api,
                     struct mp_error *err)
{
    char pw[1024];
    const char *e = env("KF_PIPELINES_DEX_PASSWORD");
    if (e) {
        snprintf(pw, sizeof(pw), "%s", e);
    } else if (!fgets(pw, sizeof(pw), stdin)) {
        return mp_error_set(err, MP_ERR_USAGE,
                            "--dex-user %s: no password (set KF_PIPELINES_DEX_PASSWORD or "
                            "give it on standard input)",
                            user);
    }
    pw[strcspn(pw, "\r\n")] = '\0';
    char url[1200];
    snprintf(url, sizeof(url), "%s/apis/%s/healthz", c->base,
             api && strcmp(api, "v2beta1") == 0 ? "v2beta1" : "v1beta1");
    int rc = kfp_dex_login(&c->http, url, user, pw, c->cookie, sizeof(c->cookie), err);
    memset(pw, 0, sizeof(pw));
    if (rc == MP_OK)
        c->http.cookie = c->cookie;
    return rc;
}

int kfp_client_init(struct kfp_client *c, const struct mp_plugin_ctx *ctx, struct mp_error *err)
{
    memset(c, 0, sizeof(*c));
    c->http.ctx = ctx;
    const char *host = mp_ctx_option(ctx, "host");
    if (!host || !*host)
        host = env("KF_PIPELINES_ENDPOINT");
    if (!host)
        return mp_error_set(err, MP_ERR_USAGE,
                            "no KFP endpoint: give --host URL or set KF_PIPELINES_ENDPOINT");
    bool scheme = strstr(host, "://") != NULL;
    int n = snprintf(c->base, sizeof(c->base), "%s%s", scheme ? "" : "https://", host);
    if (n < 0 || (size_t)n >= sizeof(c->base))
        return mp_error_set(err, MP_ERR_USAGE, "--host: too long");
    while (n > 0 && c->base[n - 1] == '/')
        c->base[--n] = '\0';
    c->namespace = mp_ctx_option(ctx, "namespace");
    if (c->namespace && !*c->namespace)
        c->namespace = NULL;
    c->http.token = mp_ctx_option(ctx, "token");
    if (!c->http.token)
        c->http.token_file = mp_ctx_option(ctx, "token-file");
    if (!c->http.token && !c->http.token_file)
        c->http.token = env("KF_PIPELINES_TOKEN");
    if (!c->http.token && !c->http.token_file)
        c->http.token_file = env("KF_PIPELINES_SA_TOKEN_PATH");
    if (!c->http.token && !c->http.token_file && access(KFP_DEFAULT_SA_TOKEN, R_OK) == 0)
        c->http.token_file = KFP_DEFAULT_SA_TOKEN;
    c->http.cookie = env("KF_PIPELINES_COOKIE");
    c->http.cacert = mp_ctx_option(ctx, "cacert");
    c->http.insecure = mp_ctx_option(ctx, "insecure") != NULL;
    c->http.max_attempts = 5;
    c->http.base_delay_ms = 200;
    c->http.timeout_s = 60;
    const char *r = mp_ctx_option(ctx, "retries");
    if (r) {
        char *end;
        long v = strtol(r, &end, 10);
        if (*r == '\0' || *end || v < 0 || v > 20)
            return mp_error_set(err, MP_ERR_USAGE, "--retries '%s': expected 0 to 20", r);
        c->http.max_attempts = (int)v + 1;
    }
    int trc = mph_timeout_option(&c->http, ctx, err);
    if (trc != MP_OK)
        return trc;
    const char *api = mp_ctx_option(ctx, "api");
    const char *dex_user = mp_ctx_option(ctx, "dex-user");
    if (dex_user && *dex_user) {
        int rc = dex_login(c, dex_user, api, err);
        if (rc != MP_OK)
            return rc;
    }
    if (api && strcmp(api, "auto") != 0) {
        if (parse_api(api, &c->api) != MP_OK)
            return mp_error_set(err, MP_ERR_USAGE,
                                "--api '%s': expected v1beta1, v2beta1 or auto", api);
        c->api_explicit = true;
        return MP_OK;
    }
    /* Detect: v2beta1 healthz answers on KFP 2.x; 1.8 has v1beta1 only. */
    json_t *h = NULL;
    c->api = KFP_V2;
    int rc = kfp_call(c, "health check", "GET", "/apis/v2beta1/healthz", NULL, true, &h, NULL,
                      err);
    if (rc == MP_OK) {
        json_decref(h);
        return MP_OK;
    }
    if (rc != MP_ERR_HTTP)
        return rc; /* no answer at all (TLS, connection): asking v1beta1 cannot help */
    c->api = KFP_V1;
    mp_error_clear(err);
    rc = kfp_call(c, "health check", "GET", "/apis/v1beta1/healthz", NULL, true, &h, NULL, err);
    json_decref(h);
    return rc;
}

int kfp_call(const struct kfp_client *c, const char *op, const char *method, const char *path,
             json_t *body, bool idempotent, json_t **out, bool *maybe_applied,
             struct mp_error *err)
{
    struct mp_buf *url = mp_buf_new();
    char *text = NULL;
    struct mph_response resp = {0};
    int rc = MP_ERR_NOMEM;
    *out = NULL;
    if (maybe_applied)
        *maybe_applied = false;
    if (!url)
        return mp_error_set(err, rc, "out of memory");
    mp_buf_printf(url, "%s%s", c->base, path);
    if (body && !(text = json_dumps(body, JSON_COMPACT))) {
        mp_error_set(err, rc, "out of memory");
        goto out;
    }
    if (mp_buf_error(url)) {
        mp_error_set(err, rc, "out of memory");
        goto out;
    }
    rc = mph_request(&c->http, op, method, mp_buf_data(url), text, NULL, idempotent, &resp, err);
    if (maybe_applied)
        *maybe_applied = resp.maybe_applied;
    if (rc != MP_OK)
        goto out;
    json_error_t jerr;
    json_t *j = mp_buf_len(resp.body) ? json_loadb(mp_buf_data(resp.body), mp_buf_len(resp.body),
                                                   0, &jerr)
                                      : json_object();
    if (!json_is_object(j)) {
        json_decref(j);
        rc = mp_error_set(err, MP_ERR_PARSE, "%s: %s %s: HTTP %ld: answer is no JSON object", op,
                          method, mp_buf_data(url), resp.status);
        goto out;
    }
    *out = j;
out:
    mph_response_clear(&resp);
    free(text);
    mp_buf_free(url);
    return rc;
}

/* The Filter proto for key == value, URL-encoded. The server decodes it twice, so a literal
 * '%' or '+' gets its own encoding first. */
static int put_filter(const struct kfp_client *c, struct mp_buf *b, const char *key,
                      const char *value)
{
    json_t *f = json_pack("{s:[{s:s,s:s,s:s}]}", "predicates", "key", key,
                          c->api == KFP_V2 ? "operation" : "op", "EQUALS", "string_value", value);
    char *s = f ? json_dumps(f, JSON_COMPACT) : NULL;
    json_decref(f);
    if (!s)
        return MP_ERR_NOMEM;
    struct mp_buf *pre = mp_buf_new();
    for (const char *p = s; pre && *p; p++) {
        if (*p == '%')
            mp_buf_puts(pre, "%25");
        else if (*p == '+')
            mp_buf_puts(pre, "%2B");
        else
            mp_buf_putc(pre, *p);
    }
    free(s);
    if (!pre || mp_buf_error(pre) || mp_buf_putc(pre, '\0') != MP_OK) {
        mp_buf_free(pre);
        return MP_ERR_NOMEM;
    }
    mp_buf_puts(b, "filter=");
    int rc = mph_urlencode(b, mp_buf_data(pre));
    mp_buf_free(pre);
    return rc;
}

static void put_ns_query(const struct kfp_client *c, struct mp_buf *b)
{
    if (!c->namespace)
        return;
    if (c->api == KFP_V2) {
        mp_buf_puts(b, "&namespace=");
    } else {
        mp_buf_puts(b, "&resource_reference_key.type=NAMESPACE&resource_reference_key.id=");
    }
    mph_urlencode(b, c->namespace);
}

static bool str_eq(json_t *o, const char *key, const char *want)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v && strcmp(v, want) == 0;
}

static int copy_id(json_t *o, const char *key, char *id, size_t cap, const char *what,
                   struct mp_error *err)
{
    const char *v = json_string_value(json_object_get(o, key));
    if (!v || !*v || strlen(v) >= cap)
        return mp_error_set(err, MP_ERR_PARSE, "%s: the answer has no usable '%s'", what, key);
    memcpy(id, v, strlen(v) + 1);
    return MP_OK;
}

/* Page through @prefix (a path with '?' and the filter) and find the item whose @name_key
 * (or @alt_key) equals @name; copy its @id_key. */
static int find_by_name(const struct kfp_client *c, const char *op, const char *prefix,
                        const char *list_key, const char *name_key, const char *alt_key,
                        const char *id_key, const char *name, char *id, size_t cap,
                        struct mp_error *err)
{
    char token[1024] = "";
    int rc = MP_ERR_NOTFOUND;
    for (int page = 0; page < KFP_MAX_PAGES; page++) {
        struct mp_buf *path = mp_buf_new();
        if (!path)
            return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
        mp_buf_printf(path, "%s&page_size=100", prefix);
        if (token[0]) {
            mp_buf_puts(path, "&page_token=");
            mph_urlencode(path, token);
        }
        json_t *res = NULL;
        rc = mp_buf_error(path) ? mp_error_set(err, MP_ERR_NOMEM, "out of memory")
                                : kfp_call(c, op, "GET", mp_buf_data(path), NULL, true, &res,
                                           NULL, err);
        mp_buf_free(path);
        if (rc != MP_OK)
            return rc;
        json_t *arr = json_object_get(res, list_key), *it;
        size_t i;
        json_array_foreach(arr, i, it) {
            if (str_eq(it, name_key, name) || (alt_key && str_eq(it, alt_key, name))) {
                rc = copy_id(it, id_key, id, cap, op, err);
                json_decref(res);
                return rc;
            }
        }
        const char *next = json_string_value(json_object_get(res, "next_page_token"));
        bool more = next && *next && strlen(next) < sizeof(token);
        if (more)
            memcpy(token, next, strlen(next) + 1);
        json_decref(res);
        if (!more)
            break;
    }
    return MP_ERR_NOTFOUND;
}

static int with_filter(const struct kfp_client *c, struct mp_buf *b, const char *key,
                       const char *name)
{
    if (put_filter(c, b, key, name) != MP_OK)
        return MP_ERR_NOMEM;
    return mp_buf_error(b);
}

int kfp_find_pipeline(const struct kfp_client *c, const char *name, char *id, size_t cap,
                      struct mp_error *err)
{
    struct mp_buf *b = mp_buf_new();
    if (!b)
        return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
    mp_buf_printf(b, "/apis/%s/pipelines?", apiname(c));
    int rc = with_filter(c, b, "name", name);
    put_ns_query(c, b);
    if (rc == MP_OK && mp_buf_error(b) == MP_OK && mp_buf_putc(b, '\0') == MP_OK)
        rc = find_by_name(c, "find pipeline", mp_buf_data(b), "pipelines", "name",
                          "display_name", c->api == KFP_V2 ? "pipeline_id" : "id", name, id,
                          cap, err);
    else
        rc = mp_error_set(err, MP_ERR_NOMEM, "out of memory");
    mp_buf_free(b);
    return rc;
}

int kfp_find_version(const struct kfp_client *c, const char *pipeline_id, const char *name,
                     char *id, size_t cap, struct mp_error *err)
{
    struct mp_buf *b = mp_buf_new();
    if (!b)
        return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
    if (c->api == KFP_V2) {
        mp_buf_puts(b, "/apis/v2beta1/pipelines/");
        mph_urlencode(b, pipeline_id);
        mp_buf_puts(b, "/versions?");
    } else {
        mp_buf_puts(b, "/apis/v1beta1/pipeline_versions?resource_key.type=PIPELINE&"
                       "resource_key.id=");
        mph_urlencode(b, pipeline_id);
        mp_buf_putc(b, '&');
    }
    int rc = with_filter(c, b, "name", name);
    if (rc == MP_OK && mp_buf_putc(b, '\0') == MP_OK)
        rc = find_by_name(c, "find pipeline version", mp_buf_data(b),
                          c->api == KFP_V2 ? "pipeline_versions" : "versions", "name",
                          "display_name", c->api == KFP_V2 ? "pipeline_version_id" : "id", name,
                          id, cap, err);
    else
        rc = mp_error_set(err, MP_ERR_NOMEM, "out of memory");
    mp_buf_free(b);
    return rc;
}

static bool says_exists(const struct mph_response *r)
{
    if (r->status == 409)
        return true;
    if (r->status != 500 && r->status != 400)
        return false;
    const char *d = mp_buf_data(r->body);
    size_t n = mp_buf_len(r->body);
    for (size_t i = 0; d && i + 14 <= n; i++)
        if (strncasecmp(d + i, "already exist", 13) == 0)
            return true;
    return false;
}

static int upload(const struct kfp_client *c, const char *op, const char *query,
                  const void *pkg, size_t len, json_t **out, struct mp_error *err)
{
    struct mp_buf *url = mp_buf_new();
    struct mph_response resp = {0};
    struct mph_part part = {"uploadfile", "pipeline.tar.gz", pkg, len};
    int rc;
    *out = NULL;
    if (!url)
        return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
    mp_buf_printf(url, "%s/apis/%s/pipelines/%s", c->base, apiname(c), query);
    if (mp_buf_error(url)) {
        mp_buf_free(url);
        return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
    }
    rc = mph_request(&c->http, op, "POST", mp_buf_data(url), NULL, &part, false, &resp, err);
    if (rc == MP_ERR_HTTP && says_exists(&resp)) {
        rc = MP_ERR_EXISTS;
        mp_error_set(err, rc, "%s: already exists", op);
    } else if (rc != MP_OK && resp.maybe_applied) {
        rc = MP_ERR_EXISTS; /* maybe: the caller looks before it tries again */
    } else if (rc == MP_OK) {
        json_error_t jerr;
        *out = json_loadb(mp_buf_data(resp.body), mp_buf_len(resp.body), 0, &jerr);
        if (!json_is_object(*out)) {
            json_decref(*out);
            *out = NULL;
            rc = mp_error_set(err, MP_ERR_PARSE, "%s: POST %s: answer is no JSON object", op,
                              mp_buf_data(url));
        }
    }
    mph_response_clear(&resp);
    mp_buf_free(url);
    return rc;
}

int kfp_upload_pipeline(const struct kfp_client *c, const char *name, const char *desc,
                        const void *pkg, size_t len, char *id, size_t cap, struct mp_error *err)
{
    struct mp_buf *q = mp_buf_new();
    json_t *res = NULL;
    if (!q)
        return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
    mp_buf_puts(q, "upload?name=");
    mph_urlencode(q, name);
    if (desc) {
        mp_buf_puts(q, "&description=");
        mph_urlencode(q, desc);
    }
    if (c->namespace) {
        mp_buf_puts(q, "&namespace=");
        mph_urlencode(q, c->namespace);
    }
    int rc = mp_buf_putc(q, '\0') == MP_OK
                 ? upload(c, "upload pipeline", mp_buf_data(q), pkg, len, &res, err)
                 : mp_error_set(err, MP_ERR_NOMEM, "out of memory");
    if (rc == MP_OK)
        rc = copy_id(res, c->api == KFP_V2 ? "pipeline_id" : "id", id, cap, "upload pipeline",
                     err);
    json_decref(res);
    mp_buf_free(q);
    return rc;
}

int kfp_upload_version(const struct kfp_client *c, const char *pipeline_id, const char *name,
                       const void *pkg, size_t len, char *id, size_t cap, struct mp_error *err)
{
    struct mp_buf *q = mp_buf_new();
    json_t *res = NULL;
    if (!q)
        return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
    mp_buf_puts(q, "upload_version?name=");
    mph_urlencode(q, name);
    mp_buf_puts(q, "&pipelineid=");
    mph_urlencode(q, pipeline_id);
    int rc = mp_buf_putc(q, '\0') == MP_OK
                 ? upload(c, "upload pipeline version", mp_buf_data(q), pkg, len, &res, err)
                 : mp_error_set(err, MP_ERR_NOMEM, "out of memory");
    if (rc == MP_OK)
        rc = copy_id(res, c->api == KFP_V2 ? "pipeline_version_id" : "id", id, cap,
                     "upload pipeline version", err);
    json_decref(res);
    mp_buf_free(q);
    return rc;
}

int kfp_find_experiment(const struct kfp_client *c, const char *name, char *id, size_t cap,
                        struct mp_error *err)
{
    struct mp_buf *b = mp_buf_new();
    if (!b)
        return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
    mp_buf_printf(b, "/apis/%s/experiments?", apiname(c));
    int rc = with_filter(c, b, c->api == KFP_V2 ? "display_name" : "name", name);
    put_ns_query(c, b);
    if (rc == MP_OK && mp_buf_error(b) == MP_OK && mp_buf_putc(b, '\0') == MP_OK)
        rc = find_by_name(c, "find experiment", mp_buf_data(b), "experiments",
                          c->api == KFP_V2 ? "display_name" : "name", "name",
                          c->api == KFP_V2 ? "experiment_id" : "id", name, id, cap, err);
    else
        rc = mp_error_set(err, MP_ERR_NOMEM, "out of memory");
    mp_buf_free(b);
    return rc;
}

int kfp_ensure_experiment(const struct kfp_client *c, const char *name, char *id, size_t cap,
                          struct mp_error *err)
{
    for (int attempt = 0; attempt < 3; attempt++) {
        int rc = kfp_find_experiment(c, name, id, cap, err);
        if (rc != MP_ERR_NOTFOUND)
            return rc;
        json_t *body;
        if (c->api == KFP_V2)
            body = c->namespace ? json_pack("{s:s,s:s}", "display_name", name, "namespace",
                                            c->namespace)
                                : json_pack("{s:s}", "display_name", name);
        else if (c->namespace)
            body = json_pack("{s:s,s:[{s:{s:s,s:s},s:s}]}", "name", name, "resource_references",
                             "key", "type", "NAMESPACE", "id", c->namespace, "relationship",
                             "OWNER");
        else
            body = json_pack("{s:s}", "name", name);
        if (!body)
            return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
        char path[64];
        snprintf(path, sizeof(path), "/apis/%s/experiments", apiname(c));
        json_t *res = NULL;
        bool maybe = false;
        rc = kfp_call(c, "create experiment", "POST", path, body, false, &res, &maybe, err);
        json_decref(body);
        if (rc == MP_OK) {
            rc = copy_id(res, c->api == KFP_V2 ? "experiment_id" : "id", id, cap,
                         "create experiment", err);
            json_decref(res);
            return rc;
        }
        bool dup = strstr(mp_error_message(err), "HTTP 409") != NULL;
        if (!dup && !maybe)
            return rc;
        /* Someone (perhaps our own lost request) created it: look again. */
        mp_error_clear(err);
        mph_sleep_ms(mph_backoff_ms(200, attempt, 2000));
    }
    return kfp_find_experiment(c, name, id, cap, err);
}

bool kfp_state_terminal(const char *s)
{
    static const char *const t[] = {"succeeded", "failed", "error", "skipped", "canceled",
                                    "cancelled"};
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        if (strcmp(s, t[i]) == 0)
            return true;
    return false;
}

int kfp_get_run(const struct kfp_client *c, const char *id, json_t **run, char *state,
                size_t cap, struct mp_error *err)
{
    struct mp_buf *b = mp_buf_new();
    if (!b)
        return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
    mp_buf_printf(b, "/apis/%s/runs/", apiname(c));
    mph_urlencode(b, id);
    int rc = mp_buf_putc(b, '\0') == MP_OK
                 ? kfp_call(c, "get run", "GET", mp_buf_data(b), NULL, true, run, NULL, err)
                 : mp_error_set(err, MP_ERR_NOMEM, "out of memory");
    mp_buf_free(b);
    if (rc != MP_OK)
        return rc;
    const char *s = c->api == KFP_V2
                        ? json_string_value(json_object_get(*run, "state"))
                        : json_string_value(json_object_get(json_object_get(*run, "run"),
                                                            "status"));
    size_t n = 0;
    if (s && strcmp(s, "RUNTIME_STATE_UNSPECIFIED") != 0)
        for (; s[n] && n + 1 < cap; n++)
            state[n] = (char)tolower((unsigned char)s[n]);
    state[n] = '\0';
    return MP_OK;
}

int kfp_find_run(const struct kfp_client *c, const char *name, const char *eid, char *id,
                 size_t cap, struct mp_error *err)
{
    struct mp_buf *b = mp_buf_new();
    if (!b)
        return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
    mp_buf_printf(b, "/apis/%s/runs?", apiname(c));
    if (c->api == KFP_V2)
        mp_buf_puts(b, "experiment_id=");
    else
        mp_buf_puts(b, "resource_reference_key.type=EXPERIMENT&resource_reference_key.id=");
    mph_urlencode(b, eid);
    mp_buf_putc(b, '&');
    int rc = with_filter(c, b, c->api == KFP_V2 ? "display_name" : "name", name);
    if (rc == MP_OK && mp_buf_putc(b, '\0') == MP_OK)
        rc = find_by_name(c, "find run", mp_buf_data(b), "runs",
                          c->api == KFP_V2 ? "display_name" : "name", "name",
                          c->api == KFP_V2 ? "run_id" : "id", name, id, cap, err);
    else
        rc = mp_error_set(err, MP_ERR_NOMEM, "out of memory");
    mp_buf_free(b);
    return rc;
}
