/* SPDX-License-Identifier: MIT */
/* Test platform plugin whose ops table lacks the required transform op. */
#include "config.h"

#include "fixture.h"

static const struct mp_platform_ops empty_table = {.size = sizeof(struct mp_platform_ops)};
FIXTURE_DESC(desc, "no_transform", MP_PLUGIN_ABI_MAJOR, MP_PLUGIN_ABI_MINOR, MP_PLUGIN_PLATFORM, &empty_table);
MP_PLUGIN_EXPORT const struct mp_plugin_desc *mp_plugin_describe(void)
{
    return &desc;
}
MP_PLUGIN_EXPORT const void *mp_plugin_keep(void);
MP_PLUGIN_EXPORT const void *mp_plugin_keep(void)
{
    return &fixture_ops;
}
