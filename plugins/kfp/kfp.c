/* SPDX-License-Identifier: MIT */
/* kfp.c: output plugin writing the Kubeflow Pipelines package: pipeline.yaml in a .tar.gz or
 * .zip, or the bare .yaml, chosen by the output file's extension as kfp's compiler does. */
#include "config.h"

#include <mnistpipe/plugin.h>

#include "../common/curl_lazy.h"

#include "kfp_cmd.h"

static int kfp_emit(const struct mp_pipeline *p, const struct mp_plugin_ctx *ctx,
                    const char *path, struct mp_buf *out, struct mp_error *err)
{
    enum mp_package_format fmt = mp_package_format_for(path);
    if (fmt == MP_PACKAGE_NONE)
        return mp_error_set(err, MP_ERR_USAGE,
                            "output '%s': unknown package type (expected a name ending in "
                            ".tar.gz, .tgz, .zip, .yaml or .yml)",
                            path ? path : "");
    struct mp_doc *doc = mp_doc_new();
    struct mp_node *wf;
    int rc = MP_ERR_NOMEM;
    if (!doc)
        return mp_error_set(err, rc, "out of memory");
    if ((rc = mp_workflow_build(p, mp_ctx_option(ctx, "stamp"), doc, &wf, err)) == MP_OK)
        rc = mp_package_build_yaml(fmt, "pipeline.yaml", wf, out, err);
    mp_doc_free(doc);
    return rc;
}

/* Connection options, valid after each cluster command (per command, so they never clash
 * with another plugin's options). Secrets are not taken here except --token, which the
 * environment (KF_PIPELINES_TOKEN) or a file (--token-file) does better. */
#define KFP_CONN_OPTIONS                                                                       \
    {"host", "URL", "KFP endpoint (default: $KF_PIPELINES_ENDPOINT)"},                         \
        {"api", "VERSION", "v1beta1, v2beta1 or auto (default: ask the server)"},              \
        {"namespace", "NS", "multi-user namespace"},                                           \
        {"token", "TOKEN", "bearer token (prefer $KF_PIPELINES_TOKEN or --token-file)"},       \
        {"token-file", "FILE",                                                                 \
         "bearer token file, re-read per request (default: $KF_PIPELINES_SA_TOKEN_PATH)"},     \
        {"cacert", "FILE", "CA bundle for TLS verification"},                                  \
        {"insecure", NULL, "do not verify the server's TLS certificate"},                      \
        {"retries", "N", "retries for connection failures, 429 and 5xx (default 4)"},         \
        {"request-timeout", "SECONDS", "give up on one request after this long (default 60)"}, \
        {"dex-user", "USER",                                                                   \
         "log in through Dex (password: $KF_PIPELINES_DEX_PASSWORD or standard input)"}

#define KFP_WAIT_OPTIONS                                                                       \
    {"wait", NULL, "wait for the run to finish; exit 0 only if it succeeded"},                 \
        {"timeout", "SECONDS", "with --wait: give up after this long"},                        \
        {"poll-interval", "SECONDS", "with --wait: first poll interval (default 1)"}

static const struct mp_plugin_option kfp_upload_options[] = {
    KFP_CONN_OPTIONS,
    {"name", "NAME", "pipeline name (default: the pipeline's)"},
    {"version-name", "NAME", "version name (default: from the package's content hash)"},
    {"description", "TEXT", "pipeline description"},
    {NULL, NULL, NULL}};

static const struct mp_plugin_option kfp_run_options[] = {
    KFP_CONN_OPTIONS,
    KFP_WAIT_OPTIONS,
    {"name", "NAME", "pipeline name (default: the pipeline's)"},
    {"version-name", "NAME", "version name (default: from the package's content hash)"},
    {"description", "TEXT", "pipeline description"},
    {"experiment", "NAME", "experiment, created if missing (default: Default)"},
    {"run-name", "NAME", "run name (default: pipeline-date-time-random)"},
    {"param-file", "FILE", "parameters: a JSON object or NAME=VALUE lines (-p wins)"},
    {"no-upload", NULL, "run the compiled Workflow itself; no pipeline is uploaded (v1beta1)"},
    {NULL, NULL, NULL}};

static const struct mp_plugin_option kfp_runs_options[] = {
    KFP_CONN_OPTIONS, KFP_WAIT_OPTIONS,
    {"experiment", "NAME", "runs list: only this experiment's runs"}, {NULL, NULL, NULL}};

static const struct mp_plugin_option kfp_experiments_options[] = {KFP_CONN_OPTIONS,
                                                                  {NULL, NULL, NULL}};

static const struct mp_plugin_command kfp_commands[] = {
    {"upload", "upload the pipeline to KFP, or a new version of it", kfp_upload_options, true},
    {"run", "start a KFP run (needs --host or KF_PIPELINES_ENDPOINT); --wait", kfp_run_options,
     true},
    {"runs", "runs status|list|terminate|wait [RUN_ID] on KFP", kfp_runs_options, false},
    {"experiments", "experiments list|create NAME on KFP", kfp_experiments_options, false},
    {NULL, NULL, NULL, false}};

/* libcurl is loaded and initialised by the first command that needs it, never by a compile. */
static int kfp_command_net(const char *name, const struct mp_pipeline *p,
                           const struct mp_plugin_ctx *ctx, struct mp_error *err)
{
    int rc = mph_curl_init(err);
    return rc == MP_OK ? kfp_command(name, p, ctx, err) : rc;
}

static void kfp_fini(void)
{
    mph_curl_cleanup();
}

static const struct mp_output_ops kfp_ops = {
    .size = sizeof(struct mp_output_ops),
    .fini = kfp_fini,
    .emit = kfp_emit,
    .default_output = ".tar.gz",
    .commands = kfp_commands,
    .command = kfp_command_net,
};

static const struct mp_plugin_desc kfp_desc = {
    .abi_major = MP_PLUGIN_ABI_MAJOR,
    .abi_minor = MP_PLUGIN_ABI_MINOR,
    .name = "kfp",
    .kind = MP_PLUGIN_OUTPUT,
    .version = PACKAGE_VERSION,
    .summary = "Kubeflow Pipelines: package pipeline.yaml (.tar.gz, .tgz, .zip, .yaml)",
    .output = &kfp_ops,
};

MP_PLUGIN_EXPORT const struct mp_plugin_desc *mp_plugin_describe(void)
{
    return &kfp_desc;
}
