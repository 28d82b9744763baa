/* SPDX-License-Identifier: MIT */
/* argo.c: output plugin writing the Argo Workflow itself, as YAML (or JSON for *.json). */
#include "config.h"

#include <mnistpipe/plugin.h>
#include <string.h>

#include "../common/curl_lazy.h"

#include "argo_submit.h"

static bool argo_is_json(const char *path)
{
    size_t n = path ? strlen(path) : 0;
    return n >= 5 && strcmp(path + n - 5, ".json") == 0;
}

static int argo_emit(const struct mp_pipeline *p, const struct mp_plugin_ctx *ctx,
                     const char *path, struct mp_buf *out, struct mp_error *err)
{
    struct mp_doc *doc = mp_doc_new();
    struct mp_node *wf;
    if (!doc)
        return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
    int rc = mp_workflow_build(p, mp_ctx_option(ctx, "stamp"), doc, &wf, err);
    if (rc == MP_OK) {
        if (argo_is_json(path)) {
            rc = mp_write_json(wf, 2, out, err);
            if (rc == MP_OK)
                rc = mp_buf_putc(out, '\n');
        } else {
            rc = mp_write_yaml(wf, out, err);
        }
    }
    mp_doc_free(doc);
    return rc;
}

static const struct mp_plugin_option argo_submit_options[] = {
    {"argo-server", "URL", "Argo Server to submit to (/api/v1/workflows/NS)"},
    {"k8s-server", "URL", "Kubernetes API server (default: kubeconfig, else in-cluster)"},
    {"kubeconfig", "FILE", "kubeconfig (default: $KUBECONFIG, else ~/.kube/config)"},
    {"context", "NAME", "kubeconfig context (default: its current-context)"},
    {"namespace", "NS", "namespace (default: the context's or in-cluster one, else default)"},
    {"token-file", "FILE", "bearer token file, re-read per request (default: $ARGO_TOKEN)"},
    {"cacert", "FILE", "CA bundle for TLS verification"},
    {"insecure", NULL, "do not verify the server's TLS certificate"},
    {"request-timeout", "SECONDS", "give up on one request after this long (default 60)"},
    {"wait", NULL, "wait for the workflow; exit 0 only if it succeeded"},
    {"timeout", "SECONDS", "with --wait: give up after this long"},
    {"poll-interval", "SECONDS", "with --wait: first poll interval (default 1)"},
    {NULL, NULL, NULL}};

static const struct mp_plugin_command argo_commands[] = {
    {"submit", "submit the Workflow to Argo or Kubernetes; --wait", argo_submit_options, true},
    {NULL, NULL, NULL, false}};

static int argo_command(const char *name, const struct mp_pipeline *p,
                        const struct mp_plugin_ctx *ctx, struct mp_error *err)
{
    int rc = mph_curl_init(err);
    if (rc != MP_OK)
        return rc;
    if (strcmp(name, "submit") == 0)
        return argo_submit(p, ctx, err);
    return mp_error_set(err, MP_ERR_USAGE, "unknown command '%s'", name);
}

/* libcurl is loaded and initialised by the first command that needs it, never by a compile. */
static void argo_fini(void)
{
    mph_curl_cleanup();
}

static const struct mp_output_ops argo_ops = {
    .size = sizeof(struct mp_output_ops),
    .fini = argo_fini,
    .emit = argo_emit,
    .default_output = ".yaml",
    .commands = argo_commands,
    .command = argo_command,
};

static const struct mp_plugin_desc argo_desc = {
    .abi_major = MP_PLUGIN_ABI_MAJOR,
    .abi_minor = MP_PLUGIN_ABI_MINOR,
    .name = "argo",
    .kind = MP_PLUGIN_OUTPUT,
    .version = PACKAGE_VERSION,
    .summary = "Argo Workflows: write the Workflow as YAML (JSON for *.json)",
    .output = &argo_ops,
};

MP_PLUGIN_EXPORT const struct mp_plugin_desc *mp_plugin_describe(void)
{
    return &argo_desc;
}
