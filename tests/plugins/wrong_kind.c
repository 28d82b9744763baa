/* SPDX-License-Identifier: MIT */
/* Test plugin that is a platform plugin, loaded where an output plugin is needed. */
#include "config.h"

#include "fixture.h"

FIXTURE_DESC(desc, "wrong_kind", MP_PLUGIN_ABI_MAJOR, MP_PLUGIN_ABI_MINOR, MP_PLUGIN_PLATFORM, &fixture_ops);
MP_PLUGIN_EXPORT const struct mp_plugin_desc *mp_plugin_describe(void)
{
    return &desc;
}
