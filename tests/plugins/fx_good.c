/* SPDX-License-Identifier: MIT */
/* Test platform plugin that works: adds an env variable (from --fx-value) to every op and
 * reports how it was called, so tests can check order and options. */
#include "config.h"

#include <mnistpipe/plugin.h>

static const struct mp_plugin_option options[] = {
    {"fx-value", "TEXT", "value of FX_VALUE in every op"}, {"fx-flag", NULL, "a flag"}, {0}};

static int fx_transform(struct mp_pipeline *p, const struct mp_plugin_ctx *ctx,
                        struct mp_error *err)
{
    const char *v = mp_ctx_option(ctx, "fx-value");
    for (size_t i = 0; i < mp_pipeline_op_count(p); i++) {
        int rc = mp_op_add_env(mp_pipeline_op_at(p, i), "FX_VALUE", v ? v : "unset", err);
        if (rc != MP_OK)
            return rc;
    }
    if (mp_ctx_option(ctx, "fx-flag"))
        mp_ctx_warn(ctx, "fx-flag was given");
    return MP_OK;
}

static const struct mp_platform_ops ops = {.size = sizeof(ops), .transform = fx_transform};
static const struct mp_plugin_desc desc = {
    .abi_major = MP_PLUGIN_ABI_MAJOR, .abi_minor = MP_PLUGIN_ABI_MINOR, .name = "fx_good",
    .kind = MP_PLUGIN_PLATFORM, .version = "1.2.3", .summary = "test fixture that works",
    .options = options, .platform = &ops};

MP_PLUGIN_EXPORT const struct mp_plugin_desc *mp_plugin_describe(void)
{
    return &desc;
}
