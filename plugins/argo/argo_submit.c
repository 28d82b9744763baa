/* SPDX-License-Identifier: MIT */
/* argo_submit.c: submits the Workflow to an Argo Server (/api/v1/workflows/{ns}) or the
 * Kubernetes API (argoproj.io/v1alpha1), in-cluster or by explicit server, and waits on its
 * phase. A submission carries a unique label, so a request that may have taken effect is
 * looked up before anything is created again. */
#include "config.h"

#include "argo_submit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "../common/http.h"
#include "kubeconfig.h"

#define SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"
#define SUBMISSION_LABEL "mnistpipe.io/submission"

struct argo_target {
    struct mph_client http;
    struct kubeconfig kc; /* the context's settings, when a kubeconfig was read */
    char base[1024];
    char ns[256];
    char sa_token[1200], sa_ca[1200]; /* in-cluster service account files */
    bool server; /* Argo Server API, else the Kubernetes API */
};

static const char *env(const char *n)
{
    const char *v = getenv(n);
    return v && *v ? v : NULL;
}

static int read_small(const char *path, char *dst, size_t cap)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return MP_ERR_IO;
    size_t n = fread(dst, 1, cap - 1, f);
    fclose(f);
    while (n > 0 && (dst[n - 1] == '\n' || dst[n - 1] == ' '))
        n--;
    dst[n] = '\0';
    return n ? MP_OK : MP_ERR_IO;
}

/* The kubeconfig to read: --kubeconfig, $KUBECONFIG, else ~/.kube/config when it exists. */
static const char *kubeconfig_paths(const struct mp_plugin_ctx *ctx, char *buf, size_t cap)
{
    const char *k = mp_ctx_option(ctx, "kubeconfig");
    if (k && *k)
        return k;
    if ((k = env("KUBECONFIG")))
        return k;
    const char *home = env("HOME");
    if (home && (size_t)snprintf(buf, cap, "%s/.kube/config", home) < cap &&
        access(buf, F_OK) == 0)
        return buf;
    return NULL;
}

/* Server, TLS and credentials from the kubeconfig context; explicit options win. */
static int from_kubeconfig(struct argo_target *t, const struct mp_plugin_ctx *ctx,
                           const char *paths, struct mp_error *err)
{
    int rc = kubeconfig_load(&t->kc, paths, mp_ctx_option(ctx, "context"), err);
    if (rc != MP_OK)
        return rc;
    const struct kubeconfig *kc = &t->kc;
    snprintf(t->base, sizeof(t->base), "%s", kc->server);
    if (!t->http.cacert && !t->http.insecure) {
        t->http.cacert = kc->ca_file;
        t->http.ca_pem = kc->ca_pem;
        t->http.insecure = kc->insecure;
    }
    if (!t->http.token && !t->http.token_file) {
        t->http.token = kc->token;
        t->http.token_file = kc->token_file;
    }
    t->http.cert = kc->cert_file;
    t->http.cert_pem = kc->cert_pem;
    t->http.key = kc->key_file;
    t->http.key_pem = kc->key_pem;
    if (mp_ctx_verbose(ctx))
        mp_ctx_warn(ctx, "kubeconfig context '%s': server %s", kc->context, kc->server);
    return MP_OK;
}

static int target_init(struct argo_target *t, const struct mp_plugin_ctx *ctx,
                       struct mp_error *err)
{
    t->http.ctx = ctx;
    t->http.max_attempts = 5;
    t->http.base_delay_ms = 200;
    t->http.timeout_s = 60;
    int rc = mph_timeout_option(&t->http, ctx, err);
    if (rc != MP_OK)
        return rc;
    t->http.cacert = mp_ctx_option(ctx, "cacert");
    t->http.insecure = mp_ctx_option(ctx, "insecure") != NULL;
    t->http.token_file = mp_ctx_option(ctx, "token-file");
    const char *tok = env("ARGO_TOKEN");
    if (!t->http.token_file && tok)
        t->http.token = strncmp(tok, "Bearer ", 7) == 0 ? tok + 7 : tok;
    const char *server = mp_ctx_option(ctx, "argo-server");
    const char *k8s = mp_ctx_option(ctx, "k8s-server");
    const char *host = env("KUBERNETES_SERVICE_HOST");
    char kbuf[1200];
    const char *kpaths = kubeconfig_paths(ctx, kbuf, sizeof(kbuf));
    const char *sa = env("MNISTPIPE_SERVICEACCOUNT_DIR");
    if (!sa)
        sa = SA_DIR;
    bool in_cluster = false;
    if (server && *server) {
        t->server = true;
        snprintf(t->base, sizeof(t->base), "%s%s", strstr(server, "://") ? "" : "https://",
                 server);
    } else if (k8s && *k8s) {
        snprintf(t->base, sizeof(t->base), "%s", k8s);
    } else if (kpaths) {
        if ((rc = from_kubeconfig(t, ctx, kpaths, err)) != MP_OK)
            return rc;
    } else if (host) {
        const char *port = env("KUBERNETES_SERVICE_PORT");
        bool v6 = strchr(host, ':') != NULL;
        snprintf(t->base, sizeof(t->base), "https://%s%s%s:%s", v6 ? "[" : "", host,
                 v6 ? "]" : "", port ? port : "443");
        snprintf(t->sa_token, sizeof(t->sa_token), "%s/token", sa);
        snprintf(t->sa_ca, sizeof(t->sa_ca), "%s/ca.crt", sa);
        if (!t->http.token && !t->http.token_file)
            t->http.token_file = t->sa_token;
        if (!t->http.cacert)
            t->http.cacert = t->sa_ca;
        in_cluster = true;
    } else {
        return mp_error_set(err, MP_ERR_USAGE,
                            "submit: no cluster: give --argo-server URL, --k8s-server URL or "
                            "--kubeconfig FILE (or set KUBECONFIG, or run inside a cluster)");
    }
    size_t n = strlen(t->base);
    while (n > 0 && t->base[n - 1] == '/')
        t->base[--n] = '\0';
    const char *ns = mp_ctx_option(ctx, "namespace");
    char path[1300];
    snprintf(path, sizeof(path), "%s/namespace", sa);
    if (ns && *ns)
        snprintf(t->ns, sizeof(t->ns), "%s", ns);
    else if (t->kc.namespace)
        snprintf(t->ns, sizeof(t->ns), "%s", t->kc.namespace);
    else if (!in_cluster || read_small(path, t->ns, sizeof(t->ns)) != MP_OK)
        snprintf(t->ns, sizeof(t->ns), "%s", "default");
    return MP_OK;
}

static int call(const struct argo_target *t, const char *op, const char *method,
                const char *path, json_t *body, bool idempotent, json_t **out, bool *maybe,
                struct mp_error *err)
{
    char url[2048];
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    struct mph_response r = {0};
    *out = NULL;
    if (body && !text)
        return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
    snprintf(url, sizeof(url), "%s%s", t->base, path);
    int rc = mph_request(&t->http, op, method, url, text, NULL, idempotent, &r, err);
    free(text);
    if (maybe)
        *maybe = r.maybe_applied;
    if (rc == MP_OK) {
        json_error_t je;
        *out = json_loadb(mp_buf_data(r.body), mp_buf_len(r.body), 0, &je);
        if (!json_is_object(*out)) {
            json_decref(*out);
            *out = NULL;
            rc = mp_error_set(err, MP_ERR_PARSE, "%s: %s %s: answer is no JSON object", op,
                              method, url);
        }
    }
    mph_response_clear(&r);
    return rc;
}

static void wf_path(const struct argo_target *t, const char *name, char *dst, size_t cap)
{
    if (t->server)
        snprintf(dst, cap, "/api/v1/workflows/%s%s%s", t->ns, name ? "/" : "", name ? name : "");
    else
        snprintf(dst, cap, "/apis/argoproj.io/v1alpha1/namespaces/%s/workflows%s%s", t->ns,
                 name ? "/" : "", name ? name : "");
}

/* Set -p values on spec.arguments.parameters; unknown names are refused. */
static int apply_params(json_t *wf, const struct mp_plugin_ctx *ctx, struct mp_error *err)
{
    json_t *params = json_object_get(json_object_get(json_object_get(wf, "spec"), "arguments"),
                                     "parameters");
    for (size_t i = 0; i < mp_ctx_param_count(ctx); i++) {
        const char *n = mp_ctx_param_name(ctx, i);
        json_t *pp;
        size_t j;
        bool found = false;
        json_array_foreach(params, j, pp) {
            if (json_is_object(pp) && strcmp(json_string_value(json_object_get(pp, "name"))
                                                  ? json_string_value(json_object_get(pp, "name"))
                                                  : "",
                                              n) == 0) {
                json_object_set_new(pp, "value", json_string(mp_ctx_param_value(ctx, i)));
                found = true;
            }
        }
        if (!found)
            return mp_error_set(err, MP_ERR_VALIDATE,
                                "parameter '%s': the workflow has no such parameter", n);
    }
    return MP_OK;
}

static int build_workflow(const struct mp_pipeline *p, const struct mp_plugin_ctx *ctx,
                          const char *submission, json_t **out, struct mp_error *err)
{
    struct mp_doc *doc = mp_doc_new();
    struct mp_buf *b = mp_buf_new();
    struct mp_node *wf;
    int rc = MP_ERR_NOMEM;
    *out = NULL;
    if (!doc || !b) {
        mp_error_set(err, rc, "out of memory");
        goto out;
    }
    if ((rc = mp_workflow_build(p, mp_ctx_option(ctx, "stamp"), doc, &wf, err)) != MP_OK ||
        (rc = mp_write_json(wf, 0, b, err)) != MP_OK)
        goto out;
    json_error_t je;
    json_t *j = json_loadb(mp_buf_data(b), mp_buf_len(b), 0, &je);
    if (!json_is_object(j)) {
        json_decref(j);
        rc = mp_error_set(err, MP_ERR_PARSE, "submit: the workflow JSON does not parse: %s",
                          je.text);
        goto out;
    }
    json_t *md = json_object_get(j, "metadata");
    if (json_is_object(md)) {
        json_t *labels = json_object_get(md, "labels");
        if (!json_is_object(labels)) {
            labels = json_object();
            json_object_set_new(md, "labels", labels);
        }
        json_object_set_new(labels, SUBMISSION_LABEL, json_string(submission));
    }
    if ((rc = apply_params(j, ctx, err)) != MP_OK) {
        json_decref(j);
        goto out;
    }
    *out = j;
out:
    mp_buf_free(b);
    mp_doc_free(doc);
    return rc;
}

/* After a submission that may have taken effect: find it by its label. */
static int find_submitted(const struct argo_target *t, const char *submission, char *name,
                          size_t cap, struct mp_error *err)
{
    char path[1024], q[1600];
    wf_path(t, NULL, path, sizeof(path));
    snprintf(q, sizeof(q), "%s?%slabelSelector=" SUBMISSION_LABEL "%%3D%s", path,
             t->server ? "listOptions." : "", submission);
    json_t *res = NULL;
    int rc = call(t, "find submitted workflow", "GET", q, NULL, true, &res, NULL, err);
    if (rc != MP_OK)
        return rc;
    const char *n = json_string_value(
        json_object_get(json_object_get(json_array_get(json_object_get(res, "items"), 0),
                                        "metadata"),
                        "name"));
    rc = n ? MP_OK : MP_ERR_NOTFOUND;
    if (n)
        snprintf(name, cap, "%s", n);
    json_decref(res);
    return rc;
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long seconds_opt(const struct mp_plugin_ctx *ctx, const char *name, long dflt)
{
    const char *s = mp_ctx_option(ctx, name);
    if (!s)
        return dflt;
    char *end;
    double v = strtod(s, &end);
    return (*s && !*end && v >= 0 && v < 31536000.0) ? (long)(v * 1000.0) : -1;
}

static int wait_workflow(const struct argo_target *t, const char *name, struct mp_error *err)
{
    const struct mp_plugin_ctx *ctx = t->http.ctx;
    long timeout = seconds_opt(ctx, "timeout", 0), delay = seconds_opt(ctx, "poll-interval", 1000);
    if (timeout < 0 || delay < 0)
        return mp_error_set(err, MP_ERR_USAGE, "--timeout/--poll-interval: expected seconds");
    if (delay < 10)
        delay = 10;
    long start = now_ms(), first = delay;
    char path[1024], last[32] = "-";
    json_t *seen = json_object();
    int rc;
    wf_path(t, name, path, sizeof(path));
    for (;;) {
        json_t *wf = NULL;
        if ((rc = call(t, "get workflow", "GET", path, NULL, true, &wf, NULL, err)) != MP_OK)
            break;
        json_t *status = json_object_get(wf, "status"), *nd;
        const char *key;
        json_object_foreach(json_object_get(status, "nodes"), key, nd) {
            const char *type = json_string_value(json_object_get(nd, "type"));
            const char *n = json_string_value(json_object_get(nd, "displayName"));
            json_t *ph = json_object_get(nd, "phase");
            if (!n || !json_is_string(ph) || (type && strcmp(type, "Pod") != 0) ||
                json_equal(json_object_get(seen, n), ph))
                continue;
            mp_ctx_printf(ctx, "  step %-24s %s\n", n, json_string_value(ph));
            json_object_set(seen, n, ph);
        }
        const char *phase = json_string_value(json_object_get(status, "phase"));
        const char *msg = json_string_value(json_object_get(status, "message"));
        if (!phase)
            phase = "";
        if (strcmp(phase, last) != 0) {
            mp_ctx_printf(ctx, "workflow %s: %s\n", name, *phase ? phase : "Pending");
            snprintf(last, sizeof(last), "%s", phase);
        }
        bool done = strcmp(phase, "Succeeded") == 0 || strcmp(phase, "Failed") == 0 ||
                    strcmp(phase, "Error") == 0;
        if (done) {
            rc = strcmp(phase, "Succeeded") == 0
                     ? MP_OK
                     : mp_error_set(err, MP_ERR_FAILED, "workflow %s %s%s%s", name, phase,
                                    msg ? ": " : "", msg ? msg : "");
            json_decref(wf);
            break;
        }
        json_decref(wf);
        long left = timeout ? timeout - (now_ms() - start) : delay;
        if (timeout && left <= 0) {
            rc = mp_error_set(err, MP_ERR_TIMEOUT, "workflow %s: still %s after the --timeout",
                              name, *phase ? phase : "Pending");
            break;
        }
        mph_sleep_ms(delay < left ? delay : left);
        delay = mph_backoff_ms(delay * 2, 0, 10000);
        if (delay < first)
            delay = first;
    }
    json_decref(seen);
    return rc;
}

int argo_submit(const struct mp_pipeline *p, const struct mp_plugin_ctx *ctx,
                struct mp_error *err)
{
    struct argo_target t;
    memset(&t, 0, sizeof(t));
    json_t *wf = NULL, *body = NULL, *res = NULL;
    char submission[40], name[256] = "", path[1024];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(submission, sizeof(submission), "%lx%05lx", (unsigned long)ts.tv_sec,
             (unsigned long)(ts.tv_nsec / 1000) & 0xfffff);
    int rc = build_workflow(p, ctx, submission, &wf, err);
    if (rc == MP_OK)
        rc = target_init(&t, ctx, err);
    if (rc != MP_OK)
        goto out;
    body = t.server ? json_pack("{s:s,s:O}", "namespace", t.ns, "workflow", wf) : json_incref(wf);
    if (!body) {
        rc = mp_error_set(err, MP_ERR_NOMEM, "out of memory");
        goto out;
    }
    wf_path(&t, NULL, path, sizeof(path));
    bool maybe = false;
    rc = call(&t, "submit workflow", "POST", path, body, false, &res, &maybe, err);
    /* No answer, but maybe created: look for the label; create again only if it is absent. */
    for (int attempt = 0; rc != MP_OK && maybe && attempt < 3; attempt++) {
        struct mp_error *e2 = mp_error_new();
        int found = e2 ? find_submitted(&t, submission, name, sizeof(name), e2) : MP_ERR_NOMEM;
        mp_error_free(e2);
        if (found == MP_OK) {
            mp_error_clear(err);
            rc = MP_OK;
            break;
        }
        if (found != MP_ERR_NOTFOUND)
            break;
        mp_error_clear(err);
        mph_sleep_ms(mph_backoff_ms(200, attempt, 2000));
        rc = call(&t, "submit workflow", "POST", path, body, false, &res, &maybe, err);
    }
    if (rc == MP_OK && name[0]) {
        /* found by its label */
    } else if (rc == MP_OK) {
        const char *n = json_string_value(
            json_object_get(json_object_get(res, "metadata"), "name"));
        if (!n)
            rc = mp_error_set(err, MP_ERR_PARSE, "submit workflow: the answer has no name");
        else
            snprintf(name, sizeof(name), "%s", n);
    }
    if (rc != MP_OK)
        goto out;
    mp_ctx_printf(ctx, "workflow %s submitted in namespace %s\n", name, t.ns);
    if (mp_ctx_option(ctx, "wait"))
        rc = wait_workflow(&t, name, err);
out:
    kubeconfig_clear(&t.kc);
    json_decref(res);
    json_decref(body);
    json_decref(wf);
    return rc;
}
