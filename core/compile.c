/* SPDX-License-Identifier: MIT */
/* compile.c: validate, run the platform plugins in order, validate again; dispatch to output
 * plugins. No I/O here. */
#include "config.h"

#include <string.h>

#include "graph.h"
#include "plugin_ctx.h"
#include "plugin_loader.h"

int mp_compile(struct mp_pipeline *p, struct mp_plugin_ctx *ctx, struct mp_error *err)
{
    int rc = mp_pipeline_validate(p, err);
    if (rc != MP_OK)
        return rc;
    for (size_t i = 0; i < mp_plugin_count(); i++) {
        struct mp_plugin *pl = mp_plugin_at(i);
        if (pl->desc->kind != MP_PLUGIN_PLATFORM)
            continue;
        mpi_ctx_set_plugin(ctx, pl->desc->name);
        rc = pl->platform.transform(p, ctx, err);
        mpi_ctx_set_plugin(ctx, NULL);
        if (rc != MP_OK) {
            if (mp_error_message(err)[0] == '\0')
                mp_error_set(err, rc, "%s", mp_strerror(rc));
            return mp_error_prefix(err, "plugin '%s'", pl->desc->name);
        }
    }
    rc = mp_pipeline_validate(p, err);
    if (rc != MP_OK)
        mp_error_prefix(err, "after the platform plugins");
    return rc;
}

int mp_plugin_emit(const struct mp_plugin *pl, const struct mp_pipeline *p,
                   struct mp_plugin_ctx *ctx, const char *path, struct mp_buf *out,
                   struct mp_error *err)
{
    if (!pl || pl->desc->kind != MP_PLUGIN_OUTPUT || !mpi_pipeline_check(p) || !out)
        return mp_error_set(err, MP_ERR_INVAL, "mp_plugin_emit: invalid argument");
    mpi_ctx_set_plugin(ctx, pl->desc->name);
    int rc = pl->output.emit(p, ctx, path, out, err);
    mpi_ctx_set_plugin(ctx, NULL);
    if (rc != MP_OK)
        mp_error_prefix(err, "plugin '%s'", pl->desc->name);
    return rc;
}

int mp_plugin_run_command(const struct mp_plugin *pl, const char *name,
                          const struct mp_pipeline *p, struct mp_plugin_ctx *ctx,
                          struct mp_error *err)
{
    if (!pl || !name)
        return mp_error_set(err, MP_ERR_INVAL, "mp_plugin_run_command: invalid argument");
    const struct mp_plugin_command *c = mp_plugin_commands(pl);
    for (; c->name; c++)
        if (strcmp(c->name, name) == 0)
            break;
    if (!c->name)
        return mp_error_set(err, MP_ERR_NOTFOUND, "plugin '%s' has no command '%s'",
                            pl->desc->name, name);
    mpi_ctx_set_plugin(ctx, pl->desc->name);
    int rc = pl->output.command(name, p, ctx, err);
    mpi_ctx_set_plugin(ctx, NULL);
    return rc;
}
