/* SPDX-License-Identifier: MIT */
/* version.c: the library's version string. */
#include "config.h"

#include <mnistpipe/mnistpipe.h>

const char *mp_version(void)
{
    return PACKAGE_VERSION;
}
