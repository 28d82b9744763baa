/* SPDX-License-Identifier: MIT */
/* Test plugin whose entry returns no descriptor. */
#include "config.h"

#include "fixture.h"

MP_PLUGIN_EXPORT const struct mp_plugin_desc *mp_plugin_describe(void)
{
    (void)fixture_ops;
    return 0;
}
