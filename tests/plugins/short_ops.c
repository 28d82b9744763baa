/* SPDX-License-Identifier: MIT */
/* Test plugin whose ops table is smaller than ABI 1.0's. */
#include "config.h"

#include "fixture.h"

static const struct mp_platform_ops short_table = {.size = sizeof(size_t), .transform = fixture_transform};
FIXTURE_DESC(desc, "short_ops", MP_PLUGIN_ABI_MAJOR, MP_PLUGIN_ABI_MINOR, MP_PLUGIN_PLATFORM, &short_table);
MP_PLUGIN_EXPORT const struct mp_plugin_desc *mp_plugin_describe(void)
{
    return &desc;
}
MP_PLUGIN_EXPORT const void *mp_plugin_keep(void);
MP_PLUGIN_EXPORT const void *mp_plugin_keep(void)
{
    return &fixture_ops;
}
