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

/* Sorted, distinct names, each with the number of the op's strings that hold it, so that a
 * string replaced (mp_op_set_image) drops exactly the references only it held. */
struct mpi_refvec {
    const char **v;
    unsigned *uses;
    size_t n;
    size_t cap, ucap;
};

struct mpi_env {
    const char *name;
    const char *value;  /* NULL when from a secret */
    const char *secret; /* NULL when plain */
    const char *key;
    const char *field;  /* a fieldRef path; NULL otherwise */
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

struct mpi_output {
    const char *name;
    const char *path;
    enum mp_output_kind kind;
};

struct mpi_input_artifact {
    const char *step;
    const char *output;
    const char *path;
};

/* An output of another op read through {{steps.STEP.outputs.NAME}}; argo = "STEP-NAME". */
struct mpi_output_ref {
    const char *step;
    const char *output;
    const char *argo;
    unsigned uses; /* how many of the op's strings hold it */
};

struct mpi_resource {
    const char *name;
    const char *quantity;
    bool number;
};

struct mpi_resources {
    struct mpi_resource *v;
    size_t n;
    size_t cap;
};

struct mpi_toleration {
    const char *key, *op, *value, *effect;
    long long seconds; /* -1: unset */
};

struct mpi_container {
    enum mp_container_role role;
    const char *name;
    const char *json;
};

struct mpi_group_dep {
    const char *op;               /* or NULL */
    const struct mp_group *group; /* or NULL */
};

struct mp_group {
    unsigned magic;
    struct mp_pipeline *pipeline;
    size_t index; /* creation order */
    enum mp_group_kind kind;
    struct mp_group *parent;
    const char *left, *op, *right;  /* condition */
    const char *items, *source;     /* loop: JSON array, or a placeholder */
    long long parallelism;          /* -1: unset */
    const char *name;               /* graph groups */
    MPI_VEC(struct mpi_group_dep) deps;
};

/* A resource op's Argo resource template (graph_resource.c). */
struct mpi_resource_tmpl {
    const char *action;
    const char *manifest; /* JSON text, its placeholders recorded in the op */
    const char *success, *failure, *merge_strategy;
    int owner_reference; /* -1: unset */
    struct mpi_strvec flags;
};

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
    /* The op each dependency names, when it was an op of the pipeline as it was added (ops
     * are never removed nor renamed, so it stays so), else NULL; deps.n items, dep_cap held. */
    struct mp_op **dep_ops;
    size_t dep_cap;
    struct mpi_strmap dep_index;  /* the deps, once there are many of them */
    struct mpi_refvec param_refs;
    MPI_VEC(struct mpi_env) env;
    MPI_VEC(struct mpi_volume) volumes;
    MPI_VEC(struct mpi_mount) mounts;
    MPI_VEC(struct mpi_kv) labels;
    MPI_VEC(struct mpi_kv) annotations;
    MPI_VEC(struct mpi_output) outputs;
    MPI_VEC(struct mpi_input_artifact) input_artifacts;
    MPI_VEC(struct mpi_output_ref) output_refs; /* sorted by argo name, distinct */
    struct mpi_resources requests, limits;
    MPI_VEC(struct mpi_kv) node_selector;
    MPI_VEC(struct mpi_toleration) tolerations;
    MPI_VEC(struct mpi_container) containers; /* sidecars and init containers */
    const char *affinity;                     /* JSON text, or NULL */
    unsigned retry_limit;
    unsigned retry_factor;
    const char *retry_policy, *retry_duration, *retry_max_duration;
    long long timeout; /* 0: none */
    const char *pull_policy;
    struct mp_group *group;       /* NULL: the pipeline itself */
    struct mpi_refvec item_refs;  /* loop-item keys ("" for {{item}}) */
    struct mpi_refvec loop_refs;  /* enclosing loops' items: "LOOP.item" or "LOOP.item.KEY" */
    bool args_set, command_set;   /* given, even as an empty list (kfp writes `args: []`) */
    struct mpi_resource_tmpl *resource; /* NULL: a container op */
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
    struct mpi_strvec pull_secrets;
    const char *service_account; /* NULL: pipeline-runner */
    long long ttl;               /* -1: unset */
    long long parallelism;       /* 0: unset */
    long long timeout;           /* 0: unset */
    MPI_VEC(struct mpi_kv) node_selector;
    const char *pull_policy;
    MPI_VEC(struct mp_group *) groups;
    struct mp_op *exit_op;
    /* Bumped by every change that mp_pipeline_validate() could see (MPI_CHANGED); valid_at is
     * its value when the pipeline last passed validation (0: never), so that validating a
     * pipeline not changed since is free. */
    unsigned long changes;
    unsigned long valid_at;
};

/* Note a change of @p (a struct mp_pipeline *) that validation could see. */
#define MPI_CHANGED(p) ((void)((p)->changes++))

/* Grow an arena vector to hold @need items. Errors: MP_ERR_NOMEM. */
int mpi_vec_reserve(struct mpi_arena *a, void **v, size_t elem, size_t *cap, size_t need);

/* Append one item to an arena vector: evaluates to MP_OK or MP_ERR_NOMEM. */
#define MPI_VEC_PUSH(arena, vec, item)                                                       \
    ((vec).n >= (vec).cap &&                                                                 \
             mpi_vec_reserve((arena), (void **)&(vec).v, sizeof(*(vec).v), &(vec).cap,      \
                             (vec).n + 1) != MP_OK                                           \
         ? MP_ERR_NOMEM                                                                      \
         : ((vec).v[(vec).n++] = (item), MP_OK))

/* The item @i of the op's vector @field, or NULL (bad handle, out of range). */
#define MPI_OP_ITEM(op, field, i)                                                            \
    ((mpi_op_check(op) && (i) < (op)->field.n) ? &(op)->field.v[(i)] : NULL)

/* Room for @n ops in all, so that adding them grows nothing. Errors: MP_ERR_NOMEM. */
int mpi_pipeline_reserve_ops(struct mp_pipeline *p, size_t n);

/* Room for @n more dependencies of @op. Errors: MP_ERR_NOMEM. */
int mpi_op_reserve_deps(struct mp_op *op, size_t n);

/* mp_op_add_dependency() when the op @after names is known: @target (NULL when @after is no
 * op of the pipeline yet). */
int mpi_op_add_dependency_on(struct mp_op *op, const char *after, struct mp_op *target,
                             struct mp_error *err);

/* Copy @s into the op's arena, recording the placeholders it holds. NULL when out of memory. */
const char *mpi_op_strdup(struct mp_op *op, const char *s);

/* mpi_op_strdup() of [@s, @s + @len) (read as a C string: a NUL inside ends it), whose
 * placeholders are recorded only when @open (false: the caller knows it holds no "{{"). */
const char *mpi_op_strndup(struct mp_op *op, const char *s, size_t len, bool open);

/* Append such a copy to @vec, the op's command or args (mp_op_add_command(),
 * mp_op_add_arg()). Errors: MP_ERR_NOMEM. */
int mpi_op_push_word(struct mp_op *op, struct mpi_strvec *vec, const char *s, size_t len,
                     bool open);

/* Count one more use of [@key, @key + @len) in @r, adding it in order when new.
 * Errors: MP_ERR_NOMEM (@r unchanged). */
int mpi_refvec_note(struct mpi_arena *a, struct mpi_refvec *r, const char *key, size_t len);

/* Count one use less of [@key, @key + @len) in @r, removing it at none. */
void mpi_refvec_drop(struct mpi_refvec *r, const char *key, size_t len);

/* Forget the placeholders of @s, a string the op held and no longer holds: references that
 * no other string of the op holds are dropped. */
void mpi_op_forget_refs(struct mp_op *op, const char *s);

/* Set @key to @value in a vector of struct mpi_kv (replacing the value of an existing key).
 * @key is copied into @a; @value must already live there. Errors: MP_ERR_NOMEM. */
int mpi_kv_set(struct mpi_arena *a, void *vec, const char *key, const char *value);

/* True for Always, IfNotPresent and Never. */
bool mpi_pull_policy_valid(const char *policy);

/* Record the {{steps.STEP.outputs.NAME}} placeholders of @s (a string the op holds) in the
 * op's output_refs. Errors: MP_ERR_NOMEM. */
int mpi_op_note_output_refs(struct mp_op *op, const char *s);

/* Count one use less of each {{steps.STEP.outputs.NAME}} of @s, dropping those at none. */
void mpi_op_forget_output_refs(struct mp_op *op, const char *s);

/* The Argo name kfp gives output @output of op @step: "STEP-OUTPUT", or @output alone for
 * mlpipeline-ui-metadata and mlpipeline-metrics. Ownership: in @p's arena; NULL when out of
 * memory. */
const char *mpi_output_argo_name(struct mp_pipeline *p, const char *step, const char *output);

/* The ops @op runs after: explicit dependencies, then the steps of its output placeholders,
 * then those of its input artifacts (names may repeat; unknown names are possible). */
size_t mpi_op_edge_count(const struct mp_op *op);
const char *mpi_op_edge_at(const struct mp_op *op, size_t k);

/* True when kfp keeps the output name as it is (the UI's metadata and metrics files). */
bool mpi_output_is_ui(const char *output);

/* True when @name is a Kubernetes DNS label (RFC 1123): [a-z0-9]([-a-z0-9]*[a-z0-9])?, <= 63. */
bool mpi_dns_label_valid(const char *name);

/* Record the {{item}} / {{item.KEY}} placeholders of @s in the op's item_refs.
 * Errors: MP_ERR_NOMEM. */
int mpi_op_note_item_refs(struct mp_op *op, const char *s);

/* Count one use less of each {{item}} / {{item.KEY}} of @s, dropping those at none. */
void mpi_op_forget_item_refs(struct mp_op *op, const char *s);

/* The same for the {{loops.LOOP.item}} / {{loops.LOOP.item.KEY}} placeholders of @s (the
 * op's loop_refs). Errors: MP_ERR_NOMEM. */
int mpi_op_note_loop_refs(struct mp_op *op, const char *s);
void mpi_op_forget_loop_refs(struct mp_op *op, const char *s);

/* The innermost loop at or around group @g (NULL: none), or the innermost one named
 * [@name, @name + @len) when @name is not NULL. */
const struct mp_group *mpi_enclosing_loop(const struct mp_group *g, const char *name,
                                          size_t len);

/* The group named @name (mp_group_set_name), or NULL. */
const struct mp_group *mpi_pipeline_find_group(const struct mp_pipeline *p, const char *name);

/* Checked casts from handles; NULL when the handle is NULL or not of that type. */
const struct mp_pipeline *mpi_pipeline_check(const struct mp_pipeline *p);
const struct mp_op *mpi_op_check(const struct mp_op *op);

#endif /* MNISTPIPE_CORE_GRAPH_H */
