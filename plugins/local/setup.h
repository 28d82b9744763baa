/* SPDX-License-Identifier: MIT */
/* setup.h: the local plugin's commands (setup.c: run; runs.c: runs, logs, stop). */
#ifndef MNISTPIPE_PLUGINS_LOCAL_SETUP_H
#define MNISTPIPE_PLUGINS_LOCAL_SETUP_H

#include <mnistpipe/plugin.h>

/* Each returns MP_OK, MP_ERR_FAILED for a run that did not succeed, or an error in @err. */
int lr_cmd_run(const struct mp_pipeline *p, const struct mp_plugin_ctx *ctx,
               struct mp_error *err);
int lr_cmd_runs(const struct mp_plugin_ctx *ctx, struct mp_error *err);
int lr_cmd_logs(const struct mp_plugin_ctx *ctx, struct mp_error *err);
int lr_cmd_stop(const struct mp_plugin_ctx *ctx, struct mp_error *err);

#endif /* MNISTPIPE_PLUGINS_LOCAL_SETUP_H */
