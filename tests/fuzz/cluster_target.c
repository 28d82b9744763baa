/* SPDX-License-Identifier: MIT */
/* cluster_target.c: the set-up the cluster fuzz targets share (cluster_target.h). */
#include "config.h"

#include "cluster_target.h"

#include <stdlib.h>

#include "fake_http.h"
#include "fuzz.h"

static struct mp_pipeline *pipeline;

struct mp_pipeline *cluster_target_pipeline(const char *platform)
{
    if (pipeline)
        return pipeline;
    struct mp_error *err = mp_error_new();
    if (!err || mp_builtin_pipeline("mnist", &platform, 1, &pipeline, err) != MP_OK)
        abort();
    mp_error_free(err);
    return pipeline;
}

void LLVMFuzzerCleanup(void)
{
    mp_pipeline_free(pipeline);
    pipeline = NULL;
}

static void quiet(void *user, int stream, const char *text)
{
    (void)user;
    (void)stream;
    (void)text;
}

struct mp_plugin_ctx *cluster_target_ctx(struct mp_error **err)
{
    struct mp_plugin_ctx *ctx = mp_ctx_new(quiet, NULL);
    *err = mp_error_new();
    if (!ctx || !*err)
        abort();
    return ctx;
}

void cluster_target_done(struct mp_plugin_ctx *ctx, struct mp_error *err)
{
    fake_http_answers(NULL, 0);
    mp_error_free(err);
    mp_ctx_free(ctx);
}
