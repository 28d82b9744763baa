/* SPDX-License-Identifier: MIT */
/* cluster_target.h: what the cluster fuzz targets (fuzz_kfp.c, fuzz_argo.c) share: the MNIST
 * pipeline they submit, built once, and a quiet plugin context per input. */
#ifndef MNISTPIPE_TESTS_FUZZ_CLUSTER_TARGET_H
#define MNISTPIPE_TESTS_FUZZ_CLUSTER_TARGET_H

#include <mnistpipe/host.h>

/* The built-in MNIST pipeline for @platform; built on the first call, freed by
 * LLVMFuzzerCleanup() (defined in cluster_target.c). Aborts when it cannot be built. */
struct mp_pipeline *cluster_target_pipeline(const char *platform);

/* A plugin context that swallows all output, and an error to go with it; aborts when out of
 * memory. Release both with cluster_target_done(). */
struct mp_plugin_ctx *cluster_target_ctx(struct mp_error **err);
void cluster_target_done(struct mp_plugin_ctx *ctx, struct mp_error *err);

#endif /* MNISTPIPE_TESTS_FUZZ_CLUSTER_TARGET_H */
