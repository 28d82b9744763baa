/* SPDX-License-Identifier: MIT */
/* graph.h: the core structs behind mp_pipeline, mp_param and mp_op, held in one arena. */
#ifndef MNISTPIPE_CORE_GRAPH_H
#define MNISTPIPE_CORE_GRAPH_H

#include <mnistpipe/mnistpipe.h>

#include "arena.h"
#include "strmap.h"

struct mpi_strvec {
    const char **v;
    size_t n;
    size_t cap;
};

struct mpi_env {
    const char *name;
    const char *value;  /* NULL when from a secret */
    const char *secret; /* NULL when plain */
    const char *key;
};

struct mpi_volume {
    const char *name;
    enum mp_volume_kind kind;
    const char *source;
};

struct mpi_mount {
    const char *volume;
    const char *path;
    bool read_only;
};

struct mpi_kv {
    const char *key;
    const char *value;
};

#define MPI_VEC(type)                                                                        \
    struct {                                                                                 \
        type *v;                                                                             \
        size_t n;                                                                            \
        size_t cap;                                                                          \
    }

struct mp_param {
    unsigned magic;
    struct mp_pipeline *pipeline;
    const char *name;
    const char *default_value;
    const char *type;
};

struct mp_op {
    unsigned magic;
    struct mp_pipeline *pipeline;
    size_t index; /* position in the pipeline's op list */
    const char *name;
    const char *image;
    struct mpi_strvec command;
    struct mpi_strvec args;
    struct mpi_strvec deps;
    struct mpi_strmap dep_index;  /* the deps, once there are many of them */
    struct mpi_strvec param_refs; /* sorted, distinct */
    MPI_VEC(struct mpi_env) env;
    MPI_VEC(struct mpi_volume) volumes;
    MPI_VEC(struct mpi_mount) mounts;
    MPI_VEC(struct mpi_kv) labels;
    MPI_VEC(struct mpi_kv) annotations;
};

struct mp_pipeline {
    unsigned magic;
    struct mpi_arena arena;
    const char *name;
    const char *description;
    const char *source;
    MPI_VEC(struct mp_param *) params;
    MPI_VEC(struct mp_op *) ops;
    struct mpi_strmap param_index;
    struct mpi_strmap op_index;
};

/* True when @name is a Kubernetes DNS label (RFC 1123): [a-z0-9]([-a-z0-9]*[a-z0-9])?, <= 63. */
bool mpi_dns_label_valid(const char *name);

/* Checked casts from handles; NULL when the handle is NULL or not of that type. */
const struct mp_pipeline *mpi_pipeline_check(const struct mp_pipeline *p);
const struct mp_op *mpi_op_check(const struct mp_op *op);

#endif /* MNISTPIPE_CORE_GRAPH_H */
