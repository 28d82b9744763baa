/* SPDX-License-Identifier: MIT */
/* kfp_cmd.h: the kfp plugin's commands: upload, run, runs, experiments. */
#ifndef MNISTPIPE_PLUGINS_KFP_KFP_CMD_H
#define MNISTPIPE_PLUGINS_KFP_KFP_CMD_H

#include <mnistpipe/plugin.h>

/* Run command @name. @p is the compiled pipeline for upload and run, else NULL.
 * Returns MP_OK, MP_ERR_FAILED for a run that ended unsuccessfully, MP_ERR_TIMEOUT, or the
 * error of the failing request. */
int kfp_command(const char *name, const struct mp_pipeline *p, const struct mp_plugin_ctx *ctx,
                struct mp_error *err);

/* Build the .tar.gz package of @p into @out. Errors: as mp_workflow_build/mp_package_build. */
int kfp_package(const struct mp_pipeline *p, const struct mp_plugin_ctx *ctx, struct mp_buf *out,
                struct mp_error *err);

#endif /* MNISTPIPE_PLUGINS_KFP_KFP_CMD_H */
