/* SPDX-License-Identifier: MIT */
/* Test plugin built for a newer plugin ABI minor than the core provides. */
#include "config.h"

#include "fixture.h"

FIXTURE_DESC(desc, "abi_newer_minor", MP_PLUGIN_ABI_MAJOR, MP_PLUGIN_ABI_MINOR + 1, MP_PLUGIN_PLATFORM, &fixture_ops);
MP_PLUGIN_EXPORT const struct mp_plugin_desc *mp_plugin_describe(void)
{
    return &desc;
}
