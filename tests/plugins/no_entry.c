/* SPDX-License-Identifier: MIT */
/* Test plugin that exports no mp_plugin_describe symbol. */
#include "config.h"

#include <mnistpipe/plugin.h>

MP_PLUGIN_EXPORT int not_the_entry(void);
MP_PLUGIN_EXPORT int not_the_entry(void)
{
    return 42;
}
