/* SPDX-License-Identifier: MIT */
/* fuzz_kfp.c: the kfp plugin's cluster commands (upload, run --wait, runs status|list|wait|
 * terminate, experiments list|create) against server answers from the input. The first byte
 * picks the command and the API version; the rest are the answers, separated by
 * FAKE_HTTP_SEP lines (see fake_http.c for the first byte of an answer). */
#include "config.h"

#include "../../plugins/kfp/kfp_cmd.h"
#include "cluster_target.h"
#include "fake_http.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const commands[][2] = {
        {"upload", NULL}, {"run", NULL},      {"runs", "status"}, {"runs", "list"},
        {"runs", "wait"}, {"runs", "terminate"}, {"experiments", "list"},
        {"experiments", "create"}};
    static const char *const apis[] = {"auto", "v1beta1", "v2beta1"};
    struct mp_pipeline *pipeline = cluster_target_pipeline("onprem");
    if (size == 0)
        return 0;
    unsigned sel = data[0];
    const char *const *cmd = commands[sel % 8];
    struct mp_error *err;
    struct mp_plugin_ctx *ctx = cluster_target_ctx(&err);
    mp_ctx_set_option(ctx, "host", "http://kfp.invalid");
    mp_ctx_set_option(ctx, "api", apis[(sel >> 3) % 3]);
    mp_ctx_set_option(ctx, "retries", "0");
    if (sel & 0x20)
        mp_ctx_set_option(ctx, "namespace", "team-a");
    if (sel & 0x40) {
        mp_ctx_set_option(ctx, "wait", "");
        mp_ctx_set_option(ctx, "run-name", "fuzz-run");
    }
    if (sel & 0x80)
        mp_ctx_set_option(ctx, "experiment", "fuzz-experiment");
    if (cmd[1]) {
        mp_ctx_add_arg(ctx, cmd[1]);
        mp_ctx_add_arg(ctx, "run-1");
    }
    fake_http_answers(data + 1, size - 1);
    kfp_command(cmd[0], pipeline, ctx, err);
    cluster_target_done(ctx, err);
    return 0;
}
