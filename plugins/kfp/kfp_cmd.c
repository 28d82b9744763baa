/* SPDX-License-Identifier: MIT */
/* kfp_cmd.c: upload (pipeline or new version, named by content hash), run (get-or-create
 * experiment, parameters checked first), runs status/list/terminate/wait, experiments. */
#include "config.h"

#include "kfp_cmd.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kfp_api.h"
#include "kfp_wait.h"

int kfp_package(const struct mp_pipeline *p, const struct mp_plugin_ctx *ctx, struct mp_buf *out,
                struct mp_error *err)
{
    struct mp_doc *doc = mp_doc_new();
    struct mp_buf *yaml = mp_buf_new();
    struct mp_node *wf;
    int rc = MP_ERR_NOMEM;
    if (!doc || !yaml) {
        mp_error_set(err, rc, "out of memory");
        goto out;
    }
    if ((rc = mp_workflow_build(p, mp_ctx_option(ctx, "stamp"), doc, &wf, err)) != MP_OK ||
        (rc = mp_write_yaml(wf, yaml, err)) != MP_OK)
        goto out;
    rc = mp_package_build(MP_PACKAGE_TAR_GZ, "pipeline.yaml", mp_buf_data(yaml),
                          mp_buf_len(yaml), out, err);
out:
    mp_buf_free(yaml);
    mp_doc_free(doc);
    return rc;
}

/* The compiled Workflow as JSON, for a run that carries it (pipeline_spec.workflow_manifest)
 * instead of naming an uploaded version. */
static int workflow_manifest(const struct mp_pipeline *p, const struct mp_plugin_ctx *ctx,
                             struct mp_buf *out, struct mp_error *err)
{
    struct mp_doc *doc = mp_doc_new();
    struct mp_node *wf;
    int rc = doc ? mp_workflow_build(p, mp_ctx_option(ctx, "stamp"), doc, &wf, err)
                 : mp_error_set(err, MP_ERR_NOMEM, "out of memory");
    if (rc == MP_OK)
        rc = mp_write_json(wf, 0, out, err);
    mp_doc_free(doc);
    return rc;
}

/* FNV-1a 64 of the package: names a version by its content, so re-uploading is a no-op. */
static void content_name(const struct mp_buf *pkg, char *dst, size_t cap)
{
    uint64_t h = 1469598103934665603ULL;
    const unsigned char *d = (const unsigned char *)mp_buf_data(pkg);
    for (size_t i = 0; i < mp_buf_len(pkg); i++) {
        h ^= d[i];
        h *= 1099511628211ULL;
    }
    snprintf(dst, cap, "sha-%016llx", (unsigned long long)h);
}

/* Get or create pipeline @name, then get or create the version named for @pkg's content. */
static int ensure_uploaded(const struct kfp_client *c, const struct mp_pipeline *p,
                           const struct mp_plugin_ctx *ctx, char *pid, char *vid, size_t cap,
                           struct mp_error *err)
{
    const char *name = mp_ctx_option(ctx, "name");
    if (!name || !*name)
        name = mp_pipeline_name(p);
    char vname[64];
    struct mp_buf *pkg = mp_buf_new();
    int rc = MP_ERR_NOMEM;
    bool created = false;
    if (!pkg)
        return mp_error_set(err, rc, "out of memory");
    if ((rc = kfp_package(p, ctx, pkg, err)) != MP_OK)
        goto out;
    const char *vopt = mp_ctx_option(ctx, "version-name");
    if (vopt && *vopt)
        snprintf(vname, sizeof(vname), "%.63s", vopt);
    else
        content_name(pkg, vname, sizeof(vname));
    for (int attempt = 0;; attempt++) {
        rc = kfp_find_pipeline(c, name, pid, cap, err);
        if (rc != MP_ERR_NOTFOUND)
            break;
        rc = kfp_upload_pipeline(c, name, mp_ctx_option(ctx, "description"), mp_buf_data(pkg),
                                 mp_buf_len(pkg), pid, cap, err);
        if (rc == MP_OK) {
            created = true;
            mp_ctx_printf(ctx, "pipeline '%s' created (id %s)\n", name, pid);
            break;
        }
        if (rc != MP_ERR_EXISTS || attempt >= 2)
            goto out;
        mp_error_clear(err); /* exists, or may exist: look again */
        mph_sleep_ms(mph_backoff_ms(200, attempt, 2000));
    }
    if (rc != MP_OK)
        goto out;
    (void)created;
    for (int attempt = 0;; attempt++) {
        rc = kfp_find_version(c, pid, vname, vid, cap, err);
        if (rc == MP_OK) {
            if (attempt == 0)
                mp_ctx_printf(ctx, "pipeline '%s' version '%s' is already uploaded (id %s)\n",
                              name, vname, vid);
            break;
        }
        if (rc != MP_ERR_NOTFOUND)
            break;
        rc = kfp_upload_version(c, pid, vname, mp_buf_data(pkg), mp_buf_len(pkg), vid, cap, err);
        if (rc == MP_OK) {
            mp_ctx_printf(ctx, "pipeline '%s' version '%s' uploaded (id %s)\n", name, vname, vid);
            break;
        }
        if (rc != MP_ERR_EXISTS || attempt >= 2)
            break;
        mp_error_clear(err);
        mph_sleep_ms(mph_backoff_ms(200, attempt, 2000));
    }
out:
    mp_buf_free(pkg);
    return rc;
}

static int cmd_upload(const struct mp_pipeline *p, const struct mp_plugin_ctx *ctx,
                      struct mp_error *err)
{
    struct kfp_client c;
    char pid[256], vid[256];
    int rc = kfp_client_init(&c, ctx, err);
    if (rc != MP_OK)
        return rc;
    return ensure_uploaded(&c, p, ctx, pid, vid, sizeof(pid), err);
}

/* Collect parameters: --param-file (JSON object, or NAME=VALUE lines) then -p, which wins.
 * Every name must be a parameter of @p. */
static int collect_params(const struct mp_pipeline *p, const struct mp_plugin_ctx *ctx,
                          json_t *params, struct mp_error *err)
{
    const char *file = mp_ctx_option(ctx, "param-file");
    if (file) {
        json_error_t jerr;
        json_t *j = json_load_file(file, 0, &jerr);
        if (json_is_object(j)) {
            const char *k;
            json_t *v;
            json_object_foreach(j, k, v) {
                char *s = json_is_string(v) ? strdup(json_string_value(v))
                                            : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
                if (!s) {
                    json_decref(j);
                    return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
                }
                json_object_set_new(params, k, json_string(s));
                free(s);
            }
            json_decref(j);
        } else {
            json_decref(j);
            FILE *f = fopen(file, "r");
            if (!f)
                return mp_error_set(err, MP_ERR_IO, "--param-file '%s': %s", file,
                                    strerror(errno));
            char line[4096];
            int lineno = 0;
            while (fgets(line, sizeof(line), f)) {
                lineno++;
                line[strcspn(line, "\r\n")] = '\0';
                if (line[0] == '\0' || line[0] == '#')
                    continue;
                char *eq = strchr(line, '=');
                if (!eq || eq == line) {
                    fclose(f);
                    return mp_error_set(err, MP_ERR_PARSE,
                                        "--param-file '%s':%d: expected NAME=VALUE or a JSON "
                                        "object",
                                        file, lineno);
                }
                *eq = '\0';
                json_object_set_new(params, line, json_string(eq + 1));
            }
            fclose(f);
        }
    }
    for (size_t i = 0; i < mp_ctx_param_count(ctx); i++)
        json_object_set_new(params, mp_ctx_param_name(ctx, i),
                            json_string(mp_ctx_param_value(ctx, i)));
    const char *k;
    json_t *v;
    json_object_foreach(params, k, v) {
        if (!json_is_string(v))
            return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
        if (!mp_pipeline_find_param(p, k))
            return mp_error_set(err, MP_ERR_VALIDATE,
                                "parameter '%s': pipeline '%s' has no such parameter", k,
                                mp_pipeline_name(p));
    }
    return MP_OK;
}

static const char *experiment_name(const struct mp_plugin_ctx *ctx)
{
    const char *e = getenv("KF_PIPELINES_OVERRIDE_EXPERIMENT_NAME");
    if (e && *e)
        return e;
    e = mp_ctx_option(ctx, "experiment");
    if (e && *e)
        return e;
    e = getenv("KF_PIPELINES_DEFAULT_EXPERIMENT_NAME");
    return e && *e ? e : "Default";
}

/* A run of an uploaded version (@pid, @vid), or of the Workflow @manifest (v1beta1 only:
 * v2beta1's pipeline_spec is KFP's IR, not an Argo Workflow). */
struct run_source {
    const char *pid, *vid, *manifest;
};

static json_t *run_body(const struct kfp_client *c, const char *name, const char *eid,
                        const struct run_source *src, json_t *params)
{
    const char *k;
    json_t *v;
    const char *pid = src->pid, *vid = src->vid;
    if (src->manifest) {
        json_t *list = json_array();
        json_object_foreach(params, k, v) {
            json_array_append_new(list, json_pack("{s:s,s:O}", "name", k, "value", v));
        }
        return json_pack("{s:s,s:{s:s,s:o},s:[{s:{s:s,s:s},s:s}]}", "name", name,
                         "pipeline_spec", "workflow_manifest", src->manifest, "parameters", list,
                         "resource_references", "key", "type", "EXPERIMENT", "id", eid,
                         "relationship", "OWNER");
    }
    if (c->api == KFP_V2) {
        json_t *b = json_pack("{s:s,s:s,s:{s:s,s:s}}", "display_name", name, "experiment_id",
                              eid, "pipeline_version_reference", "pipeline_id", pid,
                              "pipeline_version_id", vid);
        if (b && json_object_size(params))
            json_object_set_new(b, "runtime_config", json_pack("{s:O}", "parameters", params));
        return b;
    }
    json_t *list = json_array();
    json_object_foreach(params, k, v) {
        json_array_append_new(list, json_pack("{s:s,s:O}", "name", k, "value", v));
    }
    return json_pack("{s:s,s:{s:o},s:[{s:{s:s,s:s},s:s},{s:{s:s,s:s},s:s}]}", "name", name,
                     "pipeline_spec", "parameters", list, "resource_references", "key", "type",
                     "EXPERIMENT", "id", eid, "relationship", "OWNER", "key", "type",
                     "PIPELINE_VERSION", "id", vid, "relationship", "CREATOR");
}

static int create_run_as(const struct kfp_client *c, const char *name, const char *eid,
                         const struct run_source *src, json_t *params, char *rid, size_t cap,
                         struct mp_error *err);

static int create_run(const struct kfp_client *c0, const char *name, const char *eid,
                      const struct run_source *src, json_t *params, char *rid, size_t cap,
                      struct mp_error *err)
{
    /* KFP applies run parameters to an Argo-format pipeline only from the v1beta1 list
     * (v2beta1 runtime_config feeds IR pipelines only), so such runs go through v1beta1; the
     * ids are the same in both APIs. */
    struct kfp_client c1 = *c0;
    const struct kfp_client *c = &c1;
    if (src->manifest) {
        if (c1.api == KFP_V2 && c1.api_explicit)
            return mp_error_set(err, MP_ERR_USAGE, "run --no-upload: a Workflow runs through "
                                "the v1beta1 API only (not --api v2beta1)");
        c1.api = KFP_V1;
    } else if (c1.api == KFP_V2 && !c1.api_explicit && json_object_size(params) > 0)
        c1.api = KFP_V1;
    else if (c1.api == KFP_V2 && json_object_size(params) > 0)
        mp_ctx_warn(c0->http.ctx, "--api v2beta1: KFP applies runtime_config parameters to "
                                  "Argo-format pipelines only through v1beta1");
    int rc = create_run_as(c, name, eid, src, params, rid, cap, err);
    /* A create that may have reached the server was looked up by name (create_run_as); when
     * the run is not there, creating it again is safe. */
    for (int attempt = 0; rc == MP_ERR_EXISTS && attempt < 3; attempt++) {
        mp_error_clear(err);
        mph_sleep_ms(mph_backoff_ms(200, attempt, 2000));
        rc = create_run_as(c, name, eid, src, params, rid, cap, err);
    }
    if (rc == MP_ERR_EXISTS)
        rc = mp_error_set(err, MP_ERR_NET, "create run '%s': no answer after retries", name);
    if (rc == MP_ERR_HTTP && c1.api != c0->api && strstr(mp_error_message(err), "HTTP 404")) {
        mp_ctx_warn(c0->http.ctx, "this server has no v1beta1 runs API; KFP applies v2beta1 "
                                  "run parameters to Argo-format pipelines only in IR form");
        mp_error_clear(err);
        rc = create_run_as(c0, name, eid, src, params, rid, cap, err);
    }
    return rc;
}

static int create_run_as(const struct kfp_client *c, const char *name, const char *eid,
                         const struct run_source *src, json_t *params, char *rid, size_t cap,
                         struct mp_error *err)
{
    json_t *body = run_body(c, name, eid, src, params);
    if (!body)
        return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
    char path[64];
    snprintf(path, sizeof(path), "/apis/%s/runs", c->api == KFP_V2 ? "v2beta1" : "v1beta1");
    json_t *res = NULL;
    bool maybe = false;
    int rc = kfp_call(c, "create run", "POST", path, body, false, &res, &maybe, err);
    json_decref(body);
    if (rc == MP_OK) {
        const char *id = c->api == KFP_V2
                             ? json_string_value(json_object_get(res, "run_id"))
                             : json_string_value(json_object_get(json_object_get(res, "run"),
                                                                 "id"));
        if (!id || strlen(id) >= cap)
            rc = mp_error_set(err, MP_ERR_PARSE, "create run: the answer has no run id");
        else
            memcpy(rid, id, strlen(id) + 1);
    } else if (maybe) {
        /* It may exist: look for a run of that (unique) name before giving up. */
        struct mp_error *e2 = mp_error_new();
        int found = e2 ? kfp_find_run(c, name, eid, rid, cap, e2) : MP_ERR_NOMEM;
        if (found == MP_OK) {
            mp_error_clear(err);
            rc = MP_OK;
        } else if (found == MP_ERR_NOTFOUND) {
            rc = MP_ERR_EXISTS; /* "try again": it did not take effect */
        }
        mp_error_free(e2);
    }
    json_decref(res);
    return rc;
}

static int cmd_run(const struct mp_pipeline *p, const struct mp_plugin_ctx *ctx,
                   struct mp_error *err)
{
    struct kfp_client c;
    char pid[256], vid[256], eid[256], rid[256], name[256];
    json_t *params = json_object();
    struct mp_buf *manifest = NULL;
    struct run_source src = {pid, vid, NULL};
    bool no_upload = mp_ctx_option(ctx, "no-upload") != NULL;
    int rc = params ? MP_OK : mp_error_set(err, MP_ERR_NOMEM, "out of memory");
    if (rc == MP_OK)
        rc = collect_params(p, ctx, params, err); /* before anything is sent */
    if (rc == MP_OK)
        rc = kfp_wait_options(ctx, NULL, err);
    if (rc == MP_OK)
        rc = kfp_client_init(&c, ctx, err);
    if (rc == MP_OK && no_upload) {
        if (!(manifest = mp_buf_new()))
            rc = mp_error_set(err, MP_ERR_NOMEM, "out of memory");
        else if ((rc = workflow_manifest(p, ctx, manifest, err)) == MP_OK)
            src.manifest = mp_buf_data(manifest);
    } else if (rc == MP_OK) {
        rc = ensure_uploaded(&c, p, ctx, pid, vid, sizeof(pid), err);
    }
    if (rc == MP_OK)
        rc = kfp_ensure_experiment(&c, experiment_name(ctx), eid, sizeof(eid), err);
    if (rc != MP_OK)
        goto out;
    const char *rn = mp_ctx_option(ctx, "run-name");
    if (rn && *rn) {
        snprintf(name, sizeof(name), "%s", rn);
    } else {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        struct tm tm;
        gmtime_r(&ts.tv_sec, &tm);
        char when[32];
        strftime(when, sizeof(when), "%Y%m%d-%H%M%S", &tm);
        snprintf(name, sizeof(name), "%.180s-%s-%04lx", mp_pipeline_name(p), when,
                 (unsigned long)((ts.tv_nsec / 1000) & 0xffff));
    }
    if ((rc = create_run(&c, name, eid, &src, params, rid, sizeof(rid), err)) != MP_OK)
        goto out;
    mp_ctx_printf(ctx, "run '%s' created (id %s) in experiment '%s'\n", name, rid,
                  experiment_name(ctx));
    if (mp_ctx_option(ctx, "wait"))
        rc = kfp_wait_run(&c, rid, err);
out:
    json_decref(params);
    mp_buf_free(manifest);
    return rc;
}

static int need_arg(const struct mp_plugin_ctx *ctx, size_t i, const char *what,
                    struct mp_error *err)
{
    if (mp_ctx_arg_count(ctx) <= i)
        return mp_error_set(err, MP_ERR_USAGE, "%s: missing argument", what);
    return MP_OK;
}

static int cmd_runs(const struct mp_plugin_ctx *ctx, struct mp_error *err)
{
    struct kfp_client c;
    int rc = need_arg(ctx, 0, "runs (status|list|terminate|wait)", err);
    if (rc != MP_OK)
        return rc;
    const char *sub = mp_ctx_arg_at(ctx, 0);
    bool known = strcmp(sub, "status") == 0 || strcmp(sub, "list") == 0 ||
                 strcmp(sub, "terminate") == 0 || strcmp(sub, "wait") == 0;
    if (!known)
        return mp_error_set(err, MP_ERR_USAGE,
                            "runs %s: unknown; expected status, list, terminate or wait", sub);
    if (strcmp(sub, "list") != 0 && (rc = need_arg(ctx, 1, "runs: RUN_ID", err)) != MP_OK)
        return rc;
    if ((rc = kfp_wait_options(ctx, NULL, err)) != MP_OK ||
        (rc = kfp_client_init(&c, ctx, err)) != MP_OK)
        return rc;
    if (strcmp(sub, "list") == 0)
        return kfp_list_runs(&c, ctx, err);
    const char *id = mp_ctx_arg_at(ctx, 1);
    if (strcmp(sub, "status") == 0)
        return kfp_show_run(&c, id, err);
    if (strcmp(sub, "wait") == 0)
        return kfp_wait_run(&c, id, err);
    struct mp_buf *b = mp_buf_new();
    if (!b)
        return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
    mp_buf_printf(b, "/apis/%s/runs/", c.api == KFP_V2 ? "v2beta1" : "v1beta1");
    mph_urlencode(b, id);
    mp_buf_puts(b, c.api == KFP_V2 ? ":terminate" : "/terminate");
    json_t *res = NULL;
    rc = mp_buf_putc(b, '\0') == MP_OK
             ? kfp_call(&c, "terminate run", "POST", mp_buf_data(b), NULL, true, &res, NULL, err)
             : mp_error_set(err, MP_ERR_NOMEM, "out of memory");
    json_decref(res);
    mp_buf_free(b);
    if (rc == MP_OK)
        mp_ctx_printf(ctx, "run %s: termination requested\n", id);
    return rc;
}

static int cmd_experiments(const struct mp_plugin_ctx *ctx, struct mp_error *err)
{
    struct kfp_client c;
    int rc = need_arg(ctx, 0, "experiments (list|create NAME)", err);
    if (rc != MP_OK)
        return rc;
    const char *sub = mp_ctx_arg_at(ctx, 0);
    if (strcmp(sub, "create") == 0) {
        char eid[256];
        if ((rc = need_arg(ctx, 1, "experiments create: NAME", err)) != MP_OK ||
            (rc = kfp_client_init(&c, ctx, err)) != MP_OK ||
            (rc = kfp_ensure_experiment(&c, mp_ctx_arg_at(ctx, 1), eid, sizeof(eid), err)) !=
                MP_OK)
            return rc;
        mp_ctx_printf(ctx, "experiment '%s' (id %s)\n", mp_ctx_arg_at(ctx, 1), eid);
        return MP_OK;
    }
    if (strcmp(sub, "list") != 0)
        return mp_error_set(err, MP_ERR_USAGE, "experiments %s: expected list or create", sub);
    if ((rc = kfp_client_init(&c, ctx, err)) != MP_OK)
        return rc;
    return kfp_list_experiments(&c, ctx, err);
}

int kfp_command(const char *name, const struct mp_pipeline *p, const struct mp_plugin_ctx *ctx,
                struct mp_error *err)
{
    if (strcmp(name, "upload") == 0)
        return cmd_upload(p, ctx, err);
    if (strcmp(name, "run") == 0)
        return cmd_run(p, ctx, err);
    if (strcmp(name, "runs") == 0)
        return cmd_runs(ctx, err);
    if (strcmp(name, "experiments") == 0)
        return cmd_experiments(ctx, err);
    return mp_error_set(err, MP_ERR_USAGE, "unknown command '%s'", name);
}
