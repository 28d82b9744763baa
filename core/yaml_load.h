/* SPDX-License-Identifier: MIT */
/* yaml_load.h: pipeline files (mnistpipe-pipeline(5)) to the graph, every problem with
 * file:line:col; the only reader of <yaml.h>. */
#ifndef MNISTPIPE_CORE_YAML_LOAD_H
#define MNISTPIPE_CORE_YAML_LOAD_H

#include <mnistpipe/host.h>

#define MPI_YAML_MAX_BYTES ((size_t)64 << 20)
#define MPI_YAML_MAX_DEPTH 64
/* Entries in one list or mapping: bounds the work per step or parameter (some lookups by key
 * there are linear). The file's own lists (steps, parameters) and `after` lists may hold
 * MPI_YAML_MAX_TOP_ITEMS: what is looked up in them is indexed. */
#define MPI_YAML_MAX_ITEMS 10000
#define MPI_YAML_MAX_TOP_ITEMS 1000000

/* Where things are in the file, for checks made after loading (lint). 0 when absent. */
struct mpi_yaml_info {
    unsigned long pvc_line, pvc_col; /* the pvc_name parameter's default (or the parameter) */
};

/* mp_pipeline_load_file(), also filling @info (may be NULL) on success.
 * Ownership and Errors: as mp_pipeline_load_file(). */
int mpi_yaml_load(const char *path, const char *const *platforms, size_t n,
                  struct mp_pipeline **out, struct mpi_yaml_info *info, struct mp_diags *diags,
                  struct mp_error *err);

#endif /* MNISTPIPE_CORE_YAML_LOAD_H */
