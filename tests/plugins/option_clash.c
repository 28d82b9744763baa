/* SPDX-License-Identifier: MIT */
/* Test plugin adding an option that onprem already adds (--pvc). */
#include "config.h"

#include "fixture.h"

static const struct mp_plugin_option options[] = {{"pvc", "NAME", "clashes with onprem"}, {0}};
static const struct mp_plugin_desc desc = {
    .abi_major = MP_PLUGIN_ABI_MAJOR, .abi_minor = MP_PLUGIN_ABI_MINOR, .name = "option_clash",
    .kind = MP_PLUGIN_PLATFORM, .version = "0", .options = options, .platform = &fixture_ops};

MP_PLUGIN_EXPORT const struct mp_plugin_desc *mp_plugin_describe(void)
{
    return &desc;
}
