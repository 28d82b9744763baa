/* SPDX-License-Identifier: MIT */
/* fuzz_argo.c: the argo plugin's submit (and --wait) against server answers from the input.
 * The first byte picks Argo Server or Kubernetes API, --wait and the namespace; the rest are
 * the answers, separated by FAKE_HTTP_SEP lines (see fake_http.c). */
#include "config.h"

#include <stdlib.h>

#include <mnistpipe/host.h>

#include "../../plugins/argo/argo_submit.h"
#include "fake_http.h"
#include "fuzz.h"

static struct mp_pipeline *pipeline;

static void quiet(void *user, int stream, const char *text)
{
    (void)user;
    (void)stream;
    (void)text;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    struct mp_error *err = mp_error_new();
    const char *plat = "gcp";
    if (!err || mp_builtin_pipeline("mnist", &plat, 1, &pipeline, err) != MP_OK)
        abort();
    mp_error_free(err);
    return 0;
}

void LLVMFuzzerCleanup(void)
{
    mp_pipeline_free(pipeline);
    pipeline = NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!pipeline)
        LLVMFuzzerInitialize(NULL, NULL);
    if (size == 0)
        return 0;
    unsigned sel = data[0];
    struct mp_plugin_ctx *ctx = mp_ctx_new(quiet, NULL);
    struct mp_error *err = mp_error_new();
    if (!ctx || !err)
        abort();
    mp_ctx_set_option(ctx, sel & 1 ? "argo-server" : "k8s-server", "http://argo.invalid/");
    mp_ctx_set_option(ctx, "namespace", sel & 2 ? "argo" : "");
    if (sel & 4)
        mp_ctx_set_option(ctx, "wait", "");
    if (sel & 8)
        mp_ctx_add_param(ctx, "model-dir", "/tmp/fuzz");
    mp_ctx_set_option(ctx, "stamp", "2026-01-01T00:00:00");
    fake_http_answers(data + 1, size - 1);
    argo_submit(pipeline, ctx, err);
    fake_http_answers(NULL, 0);
    mp_error_free(err);
    mp_ctx_free(ctx);
    return 0;
}
