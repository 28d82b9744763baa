/* SPDX-License-Identifier: MIT */
/* kfp_wait.h: run state, per-step progress, --wait polling, run and experiment listings. */
#ifndef MNISTPIPE_PLUGINS_KFP_KFP_WAIT_H
#define MNISTPIPE_PLUGINS_KFP_KFP_WAIT_H

#include "kfp_api.h"

struct kfp_wait_opts {
    long timeout_ms;  /* 0: no limit */
    long poll_ms;     /* first poll interval */
    long poll_max_ms; /* backoff cap */
};

/* Parse --timeout SECONDS and --poll-interval SECONDS from @ctx into @out (may be NULL, to
 * check only). Errors: MP_ERR_USAGE. */
int kfp_wait_options(const struct mp_plugin_ctx *ctx, struct kfp_wait_opts *out,
                     struct mp_error *err);
/* Poll run @id to a terminal state, printing step changes. MP_OK when it succeeded,
 * MP_ERR_FAILED when it failed or was cancelled, MP_ERR_TIMEOUT, or a request error. */
int kfp_wait_run(const struct kfp_client *c, const char *id, struct mp_error *err);
/* Print the run's state and its steps, like the KFP UI's graph. */
int kfp_show_run(const struct kfp_client *c, const char *id, struct mp_error *err);
int kfp_list_runs(const struct kfp_client *c, const struct mp_plugin_ctx *ctx,
                  struct mp_error *err);
int kfp_list_experiments(const struct kfp_client *c, const struct mp_plugin_ctx *ctx,
                         struct mp_error *err);
#endif /* MNISTPIPE_PLUGINS_KFP_KFP_WAIT_H */
