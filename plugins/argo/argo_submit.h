/* SPDX-License-Identifier: MIT */
/* argo_submit.h: the argo plugin's submit command (Argo Server or Kubernetes API, --wait). */
#ifndef MNISTPIPE_PLUGINS_ARGO_ARGO_SUBMIT_H
#define MNISTPIPE_PLUGINS_ARGO_ARGO_SUBMIT_H

#include <mnistpipe/plugin.h>

/* Submit @p's Workflow with -p parameters; with --wait poll it to a finished phase.
 * Returns MP_OK, MP_ERR_FAILED (Failed/Error), MP_ERR_TIMEOUT, or a request error. */
int argo_submit(const struct mp_pipeline *p, const struct mp_plugin_ctx *ctx,
                struct mp_error *err);

#endif /* MNISTPIPE_PLUGINS_ARGO_ARGO_SUBMIT_H */
