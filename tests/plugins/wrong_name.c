/* SPDX-License-Identifier: MIT */
/* Test plugin whose descriptor name differs from its file name. */
#include "config.h"

#include "fixture.h"

FIXTURE_DESC(desc, "not-my-name", MP_PLUGIN_ABI_MAJOR, MP_PLUGIN_ABI_MINOR, MP_PLUGIN_PLATFORM, &fixture_ops);
MP_PLUGIN_EXPORT const struct mp_plugin_desc *mp_plugin_describe(void)
{
    return &desc;
}
