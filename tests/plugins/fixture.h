/* SPDX-License-Identifier: MIT */
/* fixture.h: pieces shared by the deliberately broken test plugins. */
#ifndef MNISTPIPE_TESTS_PLUGINS_FIXTURE_H
#define MNISTPIPE_TESTS_PLUGINS_FIXTURE_H

#include <mnistpipe/plugin.h>

static int fixture_transform(struct mp_pipeline *p, const struct mp_plugin_ctx *ctx,
                             struct mp_error *err)
{
    (void)p;
    (void)ctx;
    (void)err;
    return MP_OK;
}

static const struct mp_platform_ops fixture_ops = {
    .size = sizeof(struct mp_platform_ops),
    .transform = fixture_transform,
};

#define FIXTURE_DESC(varname, nm, major, minor, knd, ops)                                   \
    static const struct mp_plugin_desc varname = {                                          \
        .abi_major = (major), .abi_minor = (minor), .name = (nm), .kind = (knd),             \
        .version = "0", .summary = "test fixture", .platform = (ops)}

#endif
