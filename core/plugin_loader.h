/* SPDX-License-Identifier: MIT */
/* plugin_loader.h: finding, checking and registering plugins (the one file with <dlfcn.h>). */
#ifndef MNISTPIPE_CORE_PLUGIN_LOADER_H
#define MNISTPIPE_CORE_PLUGIN_LOADER_H

#include <mnistpipe/host.h>

struct mp_plugin {
    unsigned magic;
    void *handle;
    char *path;
    const struct mp_plugin_desc *desc;
    /* Core-owned copies, zero-filled past what the plugin's table declared. */
    struct mp_platform_ops platform;
    struct mp_output_ops output;
};

/* Is @name a safe plugin file: a regular file, neither it nor its directory world-writable?
 * Errors: MP_ERR_PLUGIN naming the check that failed. */
int mpi_plugin_path_safe(const char *path, struct mp_error *err);

#endif /* MNISTPIPE_CORE_PLUGIN_LOADER_H */
