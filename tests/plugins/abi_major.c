/* SPDX-License-Identifier: MIT */
/* Test plugin built for a newer plugin ABI major. */
#include "config.h"

#include "fixture.h"

FIXTURE_DESC(desc, "abi_major", MP_PLUGIN_ABI_MAJOR + 1, 0, MP_PLUGIN_PLATFORM, &fixture_ops);
MP_PLUGIN_EXPORT const struct mp_plugin_desc *mp_plugin_describe(void)
{
    return &desc;
}
