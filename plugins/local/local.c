/* SPDX-License-Identifier: MIT */
/* local.c: the local output plugin: `run` executes the pipeline on this machine; `runs`,
 * `logs` and `stop` read and act on the runs kept in the state directory. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "local.h"
#include "setup.h"

static const struct mp_plugin_option run_options[] = {
    {"image-map", "FILE", "more image-to-program mappings: lines 'IMAGE PROGRAM [job|service]'"},
    {"data-dir", "DIR", "the MNIST data directory for train and web-ui ($MNISTPIPE_DATA_DIR)"},
    {"serve-port", "PORT", "the model server's REST port on 127.0.0.1 (8500)"},
    {"ui-port", "PORT", "the web UI's port on 127.0.0.1 (5000)"},
    {"jobs", "N", "run at most N steps at once (4)"},
    {"retries", "N", "retry a failed step N times, when the pipeline declares no retries (0)"},
    {"step-timeout", "SECONDS", "stop a step that runs longer, when the pipeline declares no "
     "timeout (no limit)"},
    {"ready-timeout", "SECONDS", "how long a service may take to answer (120)"},
    {"train-args", "ARGS", "extra arguments for the train program, e.g. '--tf-model-type MLP'"},
    {"gcp-credentials", "FILE", "the local file that stands for the GCP service-account secret"},
    {"no-mount-ns", NULL, "rewrite /mnt in arguments instead of a private mount namespace"},
    {NULL, NULL, NULL}};

static const struct mp_plugin_command local_commands[] = {
    {"run", "run the pipeline on this machine (trains, serves, starts the web UI)", run_options,
     true},
    {"runs", "local runs: 'runs list', 'runs status RUN', 'runs outputs RUN [STEP]'", NULL, false},
    {"logs", "print a local run's logs: 'logs RUN [STEP]'", NULL, false},
    {"stop", "stop a local run and its services: 'stop [RUN]'", NULL, false},
    {NULL, NULL, NULL, false}};

static int local_emit(const struct mp_pipeline *p, const struct mp_plugin_ctx *ctx,
                      const char *path, struct mp_buf *out, struct mp_error *err)
{
    (void)p;
    (void)ctx;
    (void)path;
    (void)out;
    return mp_error_set(err, MP_ERR_UNSUPPORTED,
                        "the local plugin runs pipelines ('mnistpipe run'); it writes no package");
}

static int local_command(const char *name, const struct mp_pipeline *p,
                         const struct mp_plugin_ctx *ctx, struct mp_error *err)
{
    if (strcmp(name, "run") == 0)
        return lr_cmd_run(p, ctx, err);
    if (strcmp(name, "runs") == 0)
        return lr_cmd_runs(ctx, err);
    if (strcmp(name, "logs") == 0)
        return lr_cmd_logs(ctx, err);
    if (strcmp(name, "stop") == 0)
        return lr_cmd_stop(ctx, err);
    return mp_error_set(err, MP_ERR_USAGE, "local: no command '%s'", name);
}

static const struct mp_output_ops local_ops = {
    .size = sizeof(struct mp_output_ops),
    .emit = local_emit,
    .default_output = ".none",
    .commands = local_commands,
    .command = local_command,
};

static const struct mp_plugin_desc local_desc = {
    .abi_major = MP_PLUGIN_ABI_MAJOR,
    .abi_minor = MP_PLUGIN_ABI_MINOR,
    .name = "local",
    .kind = MP_PLUGIN_OUTPUT,
    .version = PACKAGE_VERSION,
    .summary = "run the pipeline on this machine: native programs, logs, services, state",
    .options = NULL,
    .output = &local_ops,
};

MP_PLUGIN_EXPORT const struct mp_plugin_desc *mp_plugin_describe(void)
{
    return &local_desc;
}
