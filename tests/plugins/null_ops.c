/* SPDX-License-Identifier: MIT */
/* Test platform plugin without an ops table. */
#include "config.h"

#include "fixture.h"

FIXTURE_DESC(desc, "null_ops", MP_PLUGIN_ABI_MAJOR, MP_PLUGIN_ABI_MINOR, MP_PLUGIN_PLATFORM, 0);
MP_PLUGIN_EXPORT const struct mp_plugin_desc *mp_plugin_describe(void)
{
    return &desc;
}
static const void *keep = &fixture_ops;
MP_PLUGIN_EXPORT const void *mp_plugin_keep(void);
MP_PLUGIN_EXPORT const void *mp_plugin_keep(void)
{
    return keep;
}
