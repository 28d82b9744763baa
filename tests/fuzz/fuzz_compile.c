/* SPDX-License-Identifier: MIT */
/* fuzz_compile.c: compile end to end on arbitrary pipeline files: load, the gcp and onprem
 * platform plugins, then the kfp output plugin (Argo YAML, .tar.gz and .zip packages) and the
 * argo output plugin, all loaded with dlopen from the build tree as the command does. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <mnistpipe/host.h>

#include "fuzz.h"

static struct mp_plugin_ctx *ctx;
static struct mp_plugin *kfp, *argo;
static const char *const platforms[] = {"gcp", "onprem"};

static void quiet(void *user, int stream, const char *text)
{
    (void)user;
    (void)stream;
    (void)text;
}

static void load(const char *name, struct mp_plugin **out)
{
    struct mp_error *err = mp_error_new();
    struct mp_plugin *pl = NULL;
    if (!err || mp_plugin_load(name, 0, &pl, err) != MP_OK) {
        fprintf(stderr, "fuzz_compile: %s (set MNISTPIPE_PLUGIN_PATH to the build's "
                        "plugins/.libs)\n", err ? mp_error_message(err) : "out of memory");
        exit(1);
    }
    mp_error_free(err);
    if (out)
        *out = pl;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
#ifdef MP_FUZZ_PLUGIN_PATH
    setenv("MNISTPIPE_PLUGIN_PATH", MP_FUZZ_PLUGIN_PATH, 0);
#endif
    load("gcp", NULL);
    load("onprem", NULL);
    load("kfp", &kfp);
    load("argo", &argo);
    if (!(ctx = mp_ctx_new(quiet, NULL)) || mp_ctx_set_option(ctx, "pvc", "fuzz-pvc") != MP_OK ||
        mp_ctx_set_option(ctx, "stamp", "2026-01-01T00:00:00") != MP_OK)
        abort();
    return 0;
}

void LLVMFuzzerCleanup(void)
{
    mp_ctx_free(ctx);
    mp_plugins_unload_all();
}

static void emit(const struct mp_plugin *pl, const struct mp_pipeline *p, const char *path)
{
    struct mp_buf *out = mp_buf_new();
    struct mp_error *err = mp_error_new();
    if (!out || !err)
        abort();
    int rc = mp_plugin_emit(pl, p, ctx, path, out, err);
    /* A pipeline that compiled is always written. */
    if (rc != MP_OK && rc != MP_ERR_NOMEM) {
        fprintf(stderr, "fuzz_compile: emit %s: %s\n", path, mp_error_message(err));
        abort();
    }
    mp_error_free(err);
    mp_buf_free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    if (fuzz_memfile(data, size, path, sizeof(path)) != 0)
        abort();
    struct mp_error *err = mp_error_new();
    struct mp_pipeline *p = NULL;
    if (!err)
        abort();
    if (mp_pipeline_load_file(path, platforms, 2, &p, NULL, err) == MP_OK &&
        mp_compile(p, ctx, err) == MP_OK) {
        emit(kfp, p, "pipeline.yaml");
        emit(kfp, p, "pipeline.tar.gz");
        emit(kfp, p, "pipeline.zip");
        emit(argo, p, "workflow.yaml");
    }
    mp_pipeline_free(p);
    mp_error_free(err);
    return 0;
}
