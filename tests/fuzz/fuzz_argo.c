/* SPDX-License-Identifier: MIT */
/* fuzz_argo.c: the argo plugin's submit (and --wait) against server answers from the input.
 * The first byte picks Argo Server or Kubernetes API, --wait and the namespace; the rest are
 * the answers, separated by FAKE_HTTP_SEP lines (see fake_http.c). */
#include "config.h"

#include "../../plugins/argo/argo_submit.h"
#include "cluster_target.h"
#include "fake_http.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mp_pipeline *pipeline = cluster_target_pipeline("gcp");
    if (size == 0)
        return 0;
    unsigned sel = data[0];
    struct mp_error *err;
    struct mp_plugin_ctx *ctx = cluster_target_ctx(&err);
    mp_ctx_set_option(ctx, sel & 1 ? "argo-server" : "k8s-server", "http://argo.invalid/");
    mp_ctx_set_option(ctx, "namespace", sel & 2 ? "argo" : "");
    if (sel & 4)
        mp_ctx_set_option(ctx, "wait", "");
    if (sel & 8)
        mp_ctx_add_param(ctx, "model-dir", "/tmp/fuzz");
    mp_ctx_set_option(ctx, "stamp", "2026-01-01T00:00:00");
    fake_http_answers(data + 1, size - 1);
    argo_submit(pipeline, ctx, err);
    cluster_target_done(ctx, err);
    return 0;
}
