/* SPDX-License-Identifier: MIT */
/* plugin_ctx.h: struct mp_plugin_ctx, what the core hands a plugin op besides the graph. */
#ifndef MNISTPIPE_CORE_PLUGIN_CTX_H
#define MNISTPIPE_CORE_PLUGIN_CTX_H

#include <mnistpipe/host.h>

struct mpi_pair {
    char *name;
    char *value;
};

struct mp_plugin_ctx {
    unsigned magic;
    mp_print_fn print;
    void *print_user;
    bool tty;
    bool verbose;
    const char *plugin_name; /* the plugin being called, for warning prefixes */
    struct mpi_pair *options;
    size_t noptions;
    struct mpi_pair *params;
    size_t nparams;
    char **args;
    size_t nargs;
};

/* Name the plugin about to be called (borrowed for the duration of the call). */
void mpi_ctx_set_plugin(struct mp_plugin_ctx *ctx, const char *name);

#endif /* MNISTPIPE_CORE_PLUGIN_CTX_H */
