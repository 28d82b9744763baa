/* SPDX-License-Identifier: MIT */
/* yaml_load.h: pipeline files (mnistpipe-pipeline(5)) to the graph, every problem with
 * file:line:col; the only reader of <yaml.h>. */
#ifndef MNISTPIPE_CORE_YAML_LOAD_H
#define MNISTPIPE_CORE_YAML_LOAD_H

#include <mnistpipe/host.h>

#define MPI_YAML_MAX_BYTES ((size_t)64 << 20)
#define MPI_YAML_MAX_DEPTH 64

/* mp_pipeline_load_file() with lint's extra check: with @pvc_check, an error when the platforms
 * include onprem, @pvc is NULL or "" and the pvc_name parameter's default is empty.
 * Ownership and Errors: as mp_pipeline_load_file(). */
int mpi_yaml_load(const char *path, const char *const *platforms, size_t n, bool pvc_check,
                  const char *pvc, struct mp_pipeline **out, struct mp_diags *diags,
                  struct mp_error *err);

#endif /* MNISTPIPE_CORE_YAML_LOAD_H */
