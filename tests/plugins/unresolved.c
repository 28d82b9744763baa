/* SPDX-License-Identifier: MIT */
/* Test plugin that calls a function nothing defines, so dlopen(RTLD_NOW) fails. */
#include "config.h"

#include "fixture.h"

int mp_symbol_that_does_not_exist(void);

static int unresolved_transform(struct mp_pipeline *p, const struct mp_plugin_ctx *ctx,
                                struct mp_error *err)
{
    (void)p;
    (void)ctx;
    (void)err;
    return mp_symbol_that_does_not_exist();
}

static const struct mp_platform_ops ops = {.size = sizeof(ops), .transform = unresolved_transform};
FIXTURE_DESC(desc, "unresolved", MP_PLUGIN_ABI_MAJOR, MP_PLUGIN_ABI_MINOR, MP_PLUGIN_PLATFORM,
             &ops);

MP_PLUGIN_EXPORT const struct mp_plugin_desc *mp_plugin_describe(void)
{
    (void)fixture_ops;
    return &desc;
}
