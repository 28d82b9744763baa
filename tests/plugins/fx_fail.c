/* SPDX-License-Identifier: MIT */
/* Test platform plugin whose transform fails with a message. */
#include "config.h"

#include <mnistpipe/plugin.h>

static int fx_fail_transform(struct mp_pipeline *p, const struct mp_plugin_ctx *ctx,
                             struct mp_error *err)
{
    (void)ctx;
    return mp_error_set(err, MP_ERR_VALIDATE, "refusing pipeline '%s'", mp_pipeline_name(p));
}

static const struct mp_platform_ops ops = {.size = sizeof(ops), .transform = fx_fail_transform};
static const struct mp_plugin_desc desc = {
    .abi_major = MP_PLUGIN_ABI_MAJOR, .abi_minor = MP_PLUGIN_ABI_MINOR, .name = "fx_fail",
    .kind = MP_PLUGIN_PLATFORM, .version = "0", .platform = &ops};

MP_PLUGIN_EXPORT const struct mp_plugin_desc *mp_plugin_describe(void)
{
    return &desc;
}
