/* SPDX-License-Identifier: MIT */
/* mnistpipe.h: the pipeline graph API that the core and every plugin share.
 *
 * Every object is an opaque handle. Plugins reach the graph only through the functions
 * declared here; they never see a core struct, so the core may change its layout without
 * breaking a compiled plugin.
 *
 * Conventions, for every function below:
 * - Actions return int: MP_OK (0) or an MP_ERR_* code, and take `struct mp_error *err` last,
 *   which they fill on failure (err may be NULL when the caller does not want the message).
 * - Out-parameters are written only on success.
 * - Strings passed in are copied into the pipeline's arena: the caller keeps ownership of
 *   what it passes. Strings and handles returned are borrowed: valid until the object that
 *   owns them is freed (for graph objects, until mp_pipeline_free()).
 * - Indexes are 0-based; an index out of range returns NULL (or 0).
 * - A wrong or NULL handle yields MP_ERR_INVAL (or NULL/0 from accessors), never a crash.
 */
#ifndef MNISTPIPE_INCLUDE_MNISTPIPE_H
#define MNISTPIPE_INCLUDE_MNISTPIPE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define MP_API __attribute__((visibility("default")))
#define MP_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define MP_API
#define MP_PRINTF(fmt, args)
#endif

/* ---- Status codes ---------------------------------------------------------------------- */

enum mp_status {
    MP_OK = 0,
    MP_ERR_NOMEM = 1,   /* out of memory, or a size cap was reached */
    MP_ERR_INVAL,       /* bad argument or handle */
    MP_ERR_IO,          /* a file could not be read or written */
    MP_ERR_PARSE,       /* malformed input (YAML, JSON, a value) */
    MP_ERR_VALIDATE,    /* well-formed input that breaks a rule (cycle, unknown param, ...) */
    MP_ERR_NOTFOUND,    /* a named thing does not exist */
    MP_ERR_EXISTS,      /* a named thing exists already */
    MP_ERR_PLUGIN,      /* a plugin could not be loaded or misbehaved */
    MP_ERR_ABI,         /* a plugin was built for another plugin ABI */
    MP_ERR_USAGE,       /* bad command line */
    MP_ERR_NET,         /* a network operation failed */
    MP_ERR_HTTP,        /* a server answered with an error */
    MP_ERR_UNSUPPORTED, /* not possible with this plugin or platform */
    MP_ERR_FAILED,      /* a run finished, but not successfully */
    MP_ERR_TIMEOUT,     /* a wait ran out of time */
    MP_ERR_INTERRUPTED  /* stopped by a signal */
};

/* A short fixed description of @code ("out of memory", ...). Never NULL. */
MP_API const char *mp_strerror(int code);

/* ---- Errors ---------------------------------------------------------------------------- */

struct mp_error;

/* Ownership: caller frees with mp_error_free(). Errors: NULL when out of memory. */
MP_API struct mp_error *mp_error_new(void);
MP_API void mp_error_free(struct mp_error *err);

/* Record @code and a formatted message in @err (which may be NULL) and return @code, so a
 * plugin can write `return mp_error_set(err, MP_ERR_INVAL, "op %s: no image", name);`.
 * A later call replaces the earlier message. Messages are capped at 4 KiB. */
MP_API int mp_error_set(struct mp_error *err, int code, const char *fmt, ...) MP_PRINTF(3, 4);
MP_API int mp_error_setv(struct mp_error *err, int code, const char *fmt, va_list ap)
    MP_PRINTF(3, 0);
/* Put "<formatted>: " before the current message. Returns the current code. */
MP_API int mp_error_prefix(struct mp_error *err, const char *fmt, ...) MP_PRINTF(2, 3);
/* Ownership: the message is borrowed until the next call on @err. "" when none. */
MP_API const char *mp_error_message(const struct mp_error *err);
MP_API int mp_error_code(const struct mp_error *err);
MP_API void mp_error_clear(struct mp_error *err);

/* ---- Growable byte buffer -------------------------------------------------------------- */

/* A byte buffer with a size cap (64 MiB unless mp_buf_set_limit says otherwise) and a sticky
 * error: once an append fails, every later append is a no-op and mp_buf_error() reports the
 * first failure, so a run of appends is checked once. The data is always NUL-terminated. */
struct mp_buf;

/* Ownership: caller frees with mp_buf_free(). Errors: NULL when out of memory. */
MP_API struct mp_buf *mp_buf_new(void);
MP_API void mp_buf_free(struct mp_buf *b);
MP_API int mp_buf_append(struct mp_buf *b, const void *data, size_t len);
MP_API int mp_buf_puts(struct mp_buf *b, const char *s);
MP_API int mp_buf_putc(struct mp_buf *b, char c);
MP_API int mp_buf_printf(struct mp_buf *b, const char *fmt, ...) MP_PRINTF(2, 3);
MP_API int mp_buf_vprintf(struct mp_buf *b, const char *fmt, va_list ap) MP_PRINTF(2, 0);
/* Ownership: borrowed until the next append or mp_buf_free(). Never NULL (may be ""). */
MP_API const char *mp_buf_data(const struct mp_buf *b);
MP_API size_t mp_buf_len(const struct mp_buf *b);
/* MP_OK, or the code of the first failed append. */
MP_API int mp_buf_error(const struct mp_buf *b);
MP_API void mp_buf_reset(struct mp_buf *b);
MP_API void mp_buf_set_limit(struct mp_buf *b, size_t max_bytes);

/* ---- Pipelines, parameters, ops -------------------------------------------------------- */

struct mp_pipeline;
struct mp_param;
struct mp_op;

/* A new empty pipeline named @name (any text; kfp-style names like "MNIST" are fine).
 * Ownership: caller frees with mp_pipeline_free(), which also frees every param, op and
 * string obtained from it. Errors: MP_ERR_INVAL (empty name), MP_ERR_NOMEM. */
MP_API int mp_pipeline_new(const char *name, struct mp_pipeline **out, struct mp_error *err);
MP_API void mp_pipeline_free(struct mp_pipeline *p);

MP_API const char *mp_pipeline_name(const struct mp_pipeline *p);
/* NULL when there is none. */
MP_API const char *mp_pipeline_description(const struct mp_pipeline *p);
MP_API int mp_pipeline_set_description(struct mp_pipeline *p, const char *text,
                                       struct mp_error *err);
/* Where the pipeline came from ("builtin:mnist" or a file path); used in messages. */
MP_API const char *mp_pipeline_source(const struct mp_pipeline *p);
MP_API int mp_pipeline_set_source(struct mp_pipeline *p, const char *source,
                                  struct mp_error *err);

/* Parameters, in declaration order (the order of the run form and `arguments`).
 * @default_value may be NULL (no default: the run must supply it). @type may be NULL.
 * Errors: MP_ERR_EXISTS (same name twice), MP_ERR_INVAL (bad name), MP_ERR_NOMEM. */
MP_API int mp_pipeline_add_param(struct mp_pipeline *p, const char *name,
                                 const char *default_value, const char *type,
                                 struct mp_param **out, struct mp_error *err);
MP_API size_t mp_pipeline_param_count(const struct mp_pipeline *p);
MP_API struct mp_param *mp_pipeline_param_at(const struct mp_pipeline *p, size_t i);
/* NULL when there is no such parameter. */
MP_API struct mp_param *mp_pipeline_find_param(const struct mp_pipeline *p, const char *name);
MP_API const char *mp_param_name(const struct mp_param *param);
/* NULL when the parameter has no default. */
MP_API const char *mp_param_default(const struct mp_param *param);
MP_API const char *mp_param_type(const struct mp_param *param);
/* @value NULL removes the default. */
MP_API int mp_param_set_default(struct mp_param *param, const char *value, struct mp_error *err);

/* Ops (container steps), in declaration order. @name must be a Kubernetes DNS label
 * (lower-case letters, digits and '-', at most 63 characters).
 * Errors: MP_ERR_EXISTS, MP_ERR_INVAL, MP_ERR_NOMEM. */
MP_API int mp_pipeline_add_op(struct mp_pipeline *p, const char *name, const char *image,
                              struct mp_op **out, struct mp_error *err);
MP_API size_t mp_pipeline_op_count(const struct mp_pipeline *p);
MP_API struct mp_op *mp_pipeline_op_at(const struct mp_pipeline *p, size_t i);
MP_API struct mp_op *mp_pipeline_find_op(const struct mp_pipeline *p, const char *name);

MP_API const char *mp_op_name(const struct mp_op *op);
MP_API const char *mp_op_image(const struct mp_op *op);
/* Replace the image; the placeholders of the old image stop counting as references of the op
 * (mp_op_param_ref_*, mp_op_output_ref_*, mp_op_item_ref_*) unless another of its strings holds
 * them (so do the setters of labels, annotations, node selectors, resources, the affinity
 * and resource conditions for the value they replace). Ownership: @image is copied. Errors: MP_ERR_INVAL, MP_ERR_NOMEM. */
MP_API int mp_op_set_image(struct mp_op *op, const char *image, struct mp_error *err);

/* Container command (entrypoint override) and arguments. Strings may hold placeholders. */
MP_API int mp_op_add_command(struct mp_op *op, const char *word, struct mp_error *err);
MP_API size_t mp_op_command_count(const struct mp_op *op);
MP_API const char *mp_op_command_at(const struct mp_op *op, size_t i);
MP_API int mp_op_add_arg(struct mp_op *op, const char *arg, struct mp_error *err);
MP_API size_t mp_op_arg_count(const struct mp_op *op);
MP_API const char *mp_op_arg_at(const struct mp_op *op, size_t i);

/* Explicit ordering: @op runs after the op or the named group (mp_group_set_name) @after. Adding the same one twice is a no-op.
 * Errors: MP_ERR_INVAL (self-dependency), MP_ERR_NOMEM. Unknown names are reported by
 * validation, so a pipeline may be built in any order. */
MP_API int mp_op_add_dependency(struct mp_op *op, const char *after, struct mp_error *err);
MP_API size_t mp_op_dependency_count(const struct mp_op *op);
MP_API const char *mp_op_dependency_at(const struct mp_op *op, size_t i);

/* Environment: a plain value (may hold placeholders) or a key of a Kubernetes secret. */
MP_API int mp_op_add_env(struct mp_op *op, const char *name, const char *value,
                         struct mp_error *err);
MP_API int mp_op_add_env_from_secret(struct mp_op *op, const char *name, const char *secret,
                                     const char *key, struct mp_error *err);
MP_API size_t mp_op_env_count(const struct mp_op *op);
MP_API const char *mp_op_env_name(const struct mp_op *op, size_t i);
/* NULL when the variable comes from a secret. */
MP_API const char *mp_op_env_value(const struct mp_op *op, size_t i);
/* NULL when the variable has a plain value. */
MP_API const char *mp_op_env_secret(const struct mp_op *op, size_t i);
MP_API const char *mp_op_env_secret_key(const struct mp_op *op, size_t i);

/* Volumes of the op's pod. @source is the claim name (PVC, may hold placeholders), the
 * secret name, the config map name, or NULL for an empty dir.
 * Errors: MP_ERR_EXISTS (a volume of that name with another source), MP_ERR_INVAL. Adding an
 * identical volume again is a no-op, so several plugins may ask for the same one. */
enum mp_volume_kind {
    MP_VOLUME_PVC = 1,
    MP_VOLUME_SECRET = 2,
    MP_VOLUME_CONFIG_MAP = 3,
    MP_VOLUME_EMPTY_DIR = 4
};
MP_API int mp_op_add_volume(struct mp_op *op, const char *name, enum mp_volume_kind kind,
                            const char *source, struct mp_error *err);
MP_API size_t mp_op_volume_count(const struct mp_op *op);
MP_API const char *mp_op_volume_name(const struct mp_op *op, size_t i);
/* 0 when @i is out of range. */
MP_API enum mp_volume_kind mp_op_volume_kind(const struct mp_op *op, size_t i);
MP_API const char *mp_op_volume_source(const struct mp_op *op, size_t i);

/* Mount the volume named @volume at @path in the op's container.
 * Errors: MP_ERR_EXISTS (another volume is already mounted at @path), MP_ERR_INVAL (relative
 * path). Mounting an op's own volume twice at the same path is a no-op. */
MP_API int mp_op_add_volume_mount(struct mp_op *op, const char *volume, const char *path,
                                  bool read_only, struct mp_error *err);
MP_API size_t mp_op_volume_mount_count(const struct mp_op *op);
MP_API const char *mp_op_volume_mount_volume(const struct mp_op *op, size_t i);
MP_API const char *mp_op_volume_mount_path(const struct mp_op *op, size_t i);
MP_API bool mp_op_volume_mount_read_only(const struct mp_op *op, size_t i);

/* Pod labels and annotations of the op (kfp puts them under the template's metadata).
 * Setting an existing key replaces its value. */
MP_API int mp_op_set_label(struct mp_op *op, const char *key, const char *value,
                           struct mp_error *err);
MP_API size_t mp_op_label_count(const struct mp_op *op);
MP_API const char *mp_op_label_key(const struct mp_op *op, size_t i);
MP_API const char *mp_op_label_value(const struct mp_op *op, size_t i);
MP_API int mp_op_set_annotation(struct mp_op *op, const char *key, const char *value,
                                struct mp_error *err);
MP_API size_t mp_op_annotation_count(const struct mp_op *op);
MP_API const char *mp_op_annotation_key(const struct mp_op *op, size_t i);
MP_API const char *mp_op_annotation_value(const struct mp_op *op, size_t i);

/* ---- Pod settings of an op: resources, scheduling, retries, extra containers ---------- */

/* Environment from a field of the pod (Kubernetes fieldRef), e.g. "metadata.name".
 * mp_op_env_field() is NULL for the other kinds of variables, and mp_op_env_value() and
 * mp_op_env_secret() are NULL for this one. */
MP_API int mp_op_add_env_from_field(struct mp_op *op, const char *name, const char *field_path,
                                    struct mp_error *err);
MP_API const char *mp_op_env_field(const struct mp_op *op, size_t i);

/* True when @s is a Kubernetes resource quantity: a decimal number with an optional binary
 * (Ki Mi Gi Ti Pi Ei) or decimal (n u m k M G T P E) suffix or a decimal exponent (e3), e.g.
 * "500m", "1.5", "2Gi", "1e3". A string holding placeholders is taken as valid (its value is
 * known at run time). */
MP_API bool mp_quantity_valid(const char *s);

/* Requests and limits of the op's container (kfp's set_cpu_request, set_memory_limit,
 * set_gpu_limit, add_resource_limit ...). @resource: "cpu", "memory", or an extended resource
 * "DOMAIN/NAME" ("nvidia.com/gpu", "amd.com/gpu", "cloud-tpus.google.com/v2"). @number: write
 * the quantity as a YAML number rather than a string (kfp writes what it was given:
 * set_gpu_limit(1) gives 1, '1' gives '1'); only for plain integers. Setting a resource again
 * replaces its quantity. Errors: MP_ERR_INVAL (bad name or quantity; the message says which). */
enum mp_resource_bound {
    MP_RESOURCE_REQUEST = 1,
    MP_RESOURCE_LIMIT = 2
};
MP_API int mp_op_set_resource(struct mp_op *op, enum mp_resource_bound bound,
                              const char *resource, const char *quantity, bool number,
                              struct mp_error *err);
MP_API size_t mp_op_resource_count(const struct mp_op *op, enum mp_resource_bound bound);
MP_API const char *mp_op_resource_name(const struct mp_op *op, enum mp_resource_bound bound,
                                       size_t i);
MP_API const char *mp_op_resource_quantity(const struct mp_op *op,
                                           enum mp_resource_bound bound, size_t i);
MP_API bool mp_op_resource_is_number(const struct mp_op *op, enum mp_resource_bound bound,
                                     size_t i);

/* Node selector of the op's pod (kfp's add_node_selector_constraint). Setting a key again
 * replaces its value. */
MP_API int mp_op_set_node_selector(struct mp_op *op, const char *key, const char *value,
                                   struct mp_error *err);
MP_API size_t mp_op_node_selector_count(const struct mp_op *op);
MP_API const char *mp_op_node_selector_key(const struct mp_op *op, size_t i);
MP_API const char *mp_op_node_selector_value(const struct mp_op *op, size_t i);

/* Tolerations, in order. Any of @key, @op_name ("Equal", "Exists"), @value and @effect
 * ("NoSchedule", "PreferNoSchedule", "NoExecute") may be NULL (left out); @seconds < 0 means
 * no tolerationSeconds. Errors: MP_ERR_INVAL (unknown operator or effect). */
MP_API int mp_op_add_toleration(struct mp_op *op, const char *key, const char *op_name,
                                const char *value, const char *effect, long long seconds,
                                struct mp_error *err);
MP_API size_t mp_op_toleration_count(const struct mp_op *op);
MP_API const char *mp_op_toleration_key(const struct mp_op *op, size_t i);
MP_API const char *mp_op_toleration_operator(const struct mp_op *op, size_t i);
MP_API const char *mp_op_toleration_value(const struct mp_op *op, size_t i);
MP_API const char *mp_op_toleration_effect(const struct mp_op *op, size_t i);
/* -1 when not set (or @i out of range). */
MP_API long long mp_op_toleration_seconds(const struct mp_op *op, size_t i);

/* The pod's affinity: a Kubernetes Affinity object as JSON text (kfp's add_affinity), written
 * into the template as it is. Setting it again replaces it. NULL when none.
 * Errors: MP_ERR_PARSE (not a JSON object). */
MP_API int mp_op_set_affinity(struct mp_op *op, const char *json, struct mp_error *err);
MP_API const char *mp_op_affinity(const struct mp_op *op);

/* Sidecars and init containers of the op's pod (kfp's dsl.Sidecar, add_init_container): each
 * a Kubernetes Container object as JSON text with at least "name" and "image"; its strings may
 * hold {{params.NAME}} placeholders. Errors: MP_ERR_PARSE (not a JSON object), MP_ERR_INVAL
 * (no name or image), MP_ERR_EXISTS (a container of that name and role). */
enum mp_container_role {
    MP_CONTAINER_SIDECAR = 1,
    MP_CONTAINER_INIT = 2
};
MP_API int mp_op_add_container(struct mp_op *op, enum mp_container_role role,
                               const char *json, struct mp_error *err);
MP_API size_t mp_op_container_count(const struct mp_op *op, enum mp_container_role role);
MP_API const char *mp_op_container_json(const struct mp_op *op, enum mp_container_role role,
                                        size_t i);

/* Retries (Argo retryStrategy, kfp's set_retry): at most @limit more attempts (0 removes the
 * strategy); @policy "Always", "OnFailure", "OnError", "OnTransientError" or NULL (Argo's
 * default); backoff: @duration and @max_duration are Argo durations ("30s", "5m") or NULL,
 * @factor 0 for none. Errors: MP_ERR_INVAL (unknown policy, bad duration, factor without a
 * duration). */
MP_API int mp_op_set_retry(struct mp_op *op, unsigned limit, const char *policy,
                           const char *duration, unsigned factor, const char *max_duration,
                           struct mp_error *err);
MP_API unsigned mp_op_retry_limit(const struct mp_op *op);
/* NULL when not set. */
MP_API const char *mp_op_retry_policy(const struct mp_op *op);
MP_API const char *mp_op_retry_backoff_duration(const struct mp_op *op);
MP_API unsigned mp_op_retry_backoff_factor(const struct mp_op *op);
MP_API const char *mp_op_retry_backoff_max_duration(const struct mp_op *op);

/* Timeout of one attempt of the op (activeDeadlineSeconds, kfp's set_timeout); 0 for none. */
MP_API int mp_op_set_timeout(struct mp_op *op, long long seconds, struct mp_error *err);
MP_API long long mp_op_timeout(const struct mp_op *op);

/* The container's imagePullPolicy: "Always", "IfNotPresent", "Never", or NULL (the cluster's
 * default). Errors: MP_ERR_INVAL (another value). */
MP_API int mp_op_set_image_pull_policy(struct mp_op *op, const char *policy,
                                       struct mp_error *err);
MP_API const char *mp_op_image_pull_policy(const struct mp_op *op);

/* ---- Pipeline settings (kfp's PipelineConf) ---------------------------------------------- */

/* Secrets for pulling images (spec.imagePullSecrets), in order; adding one again is a no-op. */
MP_API int mp_pipeline_add_image_pull_secret(struct mp_pipeline *p, const char *name,
                                             struct mp_error *err);
MP_API size_t mp_pipeline_image_pull_secret_count(const struct mp_pipeline *p);
MP_API const char *mp_pipeline_image_pull_secret_at(const struct mp_pipeline *p, size_t i);
/* The workflow's service account; "pipeline-runner" (kfp's) unless set. */
MP_API int mp_pipeline_set_service_account(struct mp_pipeline *p, const char *name,
                                           struct mp_error *err);
MP_API const char *mp_pipeline_service_account(const struct mp_pipeline *p);
/* Seconds a finished workflow is kept (ttlStrategy.secondsAfterCompletion; -1: unset),
 * the most pods at once (parallelism; 0: unset), the whole run's timeout
 * (activeDeadlineSeconds; 0: unset). Errors: MP_ERR_INVAL (negative). */
MP_API int mp_pipeline_set_ttl(struct mp_pipeline *p, long long seconds, struct mp_error *err);
MP_API long long mp_pipeline_ttl(const struct mp_pipeline *p);
MP_API int mp_pipeline_set_parallelism(struct mp_pipeline *p, long long n, struct mp_error *err);
MP_API long long mp_pipeline_parallelism(const struct mp_pipeline *p);
MP_API int mp_pipeline_set_timeout(struct mp_pipeline *p, long long seconds,
                                   struct mp_error *err);
MP_API long long mp_pipeline_timeout(const struct mp_pipeline *p);
/* Default node selector of every pod (spec.nodeSelector). */
MP_API int mp_pipeline_set_node_selector(struct mp_pipeline *p, const char *key,
                                         const char *value, struct mp_error *err);
MP_API size_t mp_pipeline_node_selector_count(const struct mp_pipeline *p);
MP_API const char *mp_pipeline_node_selector_key(const struct mp_pipeline *p, size_t i);
MP_API const char *mp_pipeline_node_selector_value(const struct mp_pipeline *p, size_t i);
/* imagePullPolicy of every op that sets none (kfp's set_image_pull_policy), or NULL. */
MP_API int mp_pipeline_set_image_pull_policy(struct mp_pipeline *p, const char *policy,
                                             struct mp_error *err);
MP_API const char *mp_pipeline_image_pull_policy(const struct mp_pipeline *p);

/* ---- Outputs and data passing ---------------------------------------------------------- */

/* A file an op writes, which Argo saves when the container ends (kfp's file_outputs, and the
 * OutputPath outputs of components). Argo names it "OPNAME-NAME" (kfp's naming), except the
 * two names kfp's UI reads, mlpipeline-ui-metadata and mlpipeline-metrics, kept as they are.
 * MP_OUTPUT_PARAMETER: a small value a later op may read as a string through the placeholder
 *   {{steps.OP.outputs.NAME}} (an Argo output parameter, valueFrom.path, written only when some
 *   op reads it so, as kfp does), and always an artifact too.
 * MP_OUTPUT_ARTIFACT: only an artifact; a later op gets the file with
 *   mp_op_add_input_artifact(), never as a string. */
enum mp_output_kind {
    MP_OUTPUT_PARAMETER = 1,
    MP_OUTPUT_ARTIFACT = 2
};
/* Declare output @name (letters, digits, '_' and '-', starting with a letter or '_') written at
 * the absolute @path. Errors: MP_ERR_INVAL (bad name, relative path, unknown kind),
 * MP_ERR_EXISTS (the op has an output of that name), MP_ERR_NOMEM. */
MP_API int mp_op_add_output(struct mp_op *op, const char *name, const char *path,
                            enum mp_output_kind kind, struct mp_error *err);
MP_API size_t mp_op_output_count(const struct mp_op *op);
MP_API const char *mp_op_output_name(const struct mp_op *op, size_t i);
MP_API const char *mp_op_output_path(const struct mp_op *op, size_t i);
/* 0 when @i is out of range. */
MP_API enum mp_output_kind mp_op_output_kind(const struct mp_op *op, size_t i);
/* Set *@index to the position of the output named @name.
 * Errors: MP_ERR_NOTFOUND (no such output; *@index untouched), MP_ERR_INVAL. */
MP_API int mp_op_find_output(const struct mp_op *op, const char *name, size_t *index,
                             struct mp_error *err);

/* Input artifacts: the file that output @output of the op named @step writes is placed at the
 * absolute @path in @op's container before it starts (kfp's InputPath). @op then runs after
 * @step (an implicit dependency, as kfp adds). Argo names it "STEP-OUTPUT".
 * Errors: MP_ERR_INVAL (bad names, relative path, @step is @op), MP_ERR_EXISTS (@path is taken
 * by another input artifact), MP_ERR_NOMEM. Unknown steps and outputs are reported by
 * validation, so a pipeline may be built in any order. */
MP_API int mp_op_add_input_artifact(struct mp_op *op, const char *step, const char *output,
                                    const char *path, struct mp_error *err);
MP_API size_t mp_op_input_artifact_count(const struct mp_op *op);
MP_API const char *mp_op_input_artifact_step(const struct mp_op *op, size_t i);
MP_API const char *mp_op_input_artifact_output(const struct mp_op *op, size_t i);
MP_API const char *mp_op_input_artifact_path(const struct mp_op *op, size_t i);

/* The outputs of other ops that @op reads as strings through {{steps.STEP.outputs.NAME}}
 * placeholders anywhere in it, distinct, sorted by their Argo name "STEP-NAME". Each one is
 * also an implicit dependency of @op on STEP.
 * Ownership: borrowed until the op changes or the pipeline is freed. */
MP_API size_t mp_op_output_ref_count(const struct mp_op *op);
MP_API const char *mp_op_output_ref_step(const struct mp_op *op, size_t i);
MP_API const char *mp_op_output_ref_output(const struct mp_op *op, size_t i);

/* ---- Control flow: groups of ops (kfp's dsl.Condition, dsl.ParallelFor, dsl.ExitHandler) */

/* A group holds ops and other groups; the workflow gets one DAG template per group, named as
 * kfp 1.8 names them: condition-N, for-loop-N, exit-handler-N, where N counts in the order
 * groups are created (a loop over a static list takes two numbers, the first for its item
 * parameter, loop-item-param-N), so create them in the order of the source.
 * - MP_GROUP_CONDITION: its ops run when "LEFT OP RIGHT" holds (mp_group_set_condition).
 * - MP_GROUP_LOOP: its ops run once per item (mp_group_set_loop_items / _source); their
 *   strings read the item as {{item}} or, for items that are objects, {{item.KEY}}, and the
 *   item of an enclosing loop named NAME (mp_group_set_name) as {{loops.NAME.item}} or
 *   {{loops.NAME.item.KEY}}.
 * - MP_GROUP_EXIT_HANDLER: the pipeline's exit op (mp_pipeline_set_exit_op) runs when
 *   they have finished, whatever their outcome. At most one, at the top.
 * - MP_GROUP_GRAPH: a named subgraph (kfp's @dsl.graph_component), template graph-NAME-N
 *   (mp_group_set_name).
 * @parent NULL: the pipeline itself. Ownership: freed with the pipeline.
 * Errors: MP_ERR_INVAL (bad kind or parent), MP_ERR_NOMEM. */
struct mp_group;
enum mp_group_kind {
    MP_GROUP_CONDITION = 1,
    MP_GROUP_LOOP = 2,
    MP_GROUP_EXIT_HANDLER = 3,
    MP_GROUP_GRAPH = 4
};
MP_API int mp_pipeline_add_group(struct mp_pipeline *p, enum mp_group_kind kind,
                                 struct mp_group *parent, struct mp_group **out,
                                 struct mp_error *err);
MP_API size_t mp_pipeline_group_count(const struct mp_pipeline *p);
MP_API struct mp_group *mp_pipeline_group_at(const struct mp_pipeline *p, size_t i);
/* 0 for a bad handle. */
MP_API enum mp_group_kind mp_group_kind(const struct mp_group *g);
/* NULL for a top-level group. */
MP_API struct mp_group *mp_group_parent(const struct mp_group *g);
/* The condition "LEFT OP RIGHT": each operand a {{params.NAME}},
 * {{steps.STEP.outputs.NAME}} or loop item placeholder or a literal; @op one of == != < <= > >=.
 * Errors: MP_ERR_INVAL (not a condition group, unknown operator). */
MP_API int mp_group_set_condition(struct mp_group *g, const char *left, const char *op,
                                  const char *right, struct mp_error *err);
MP_API const char *mp_group_condition_left(const struct mp_group *g);
MP_API const char *mp_group_condition_operator(const struct mp_group *g);
MP_API const char *mp_group_condition_right(const struct mp_group *g);
/* What a loop iterates over: a static list, as JSON text of an array (Argo withItems), or a
 * {{params.NAME}} or {{steps.STEP.outputs.NAME}} placeholder whose value is a JSON array at
 * run time (withParam), or in a loop inside a loop an enclosing loop's item or one of its keys
 * ({{item}}, {{item.KEY}}, {{loops.NAME.item}}, {{loops.NAME.item.KEY}}, read where the loop
 * is: {{item}} is its parent loop's). Setting one clears the other.
 * Errors: MP_ERR_INVAL (not a loop group, not one placeholder), MP_ERR_PARSE (not a JSON
 * array). */
MP_API int mp_group_set_loop_items(struct mp_group *g, const char *json, struct mp_error *err);
MP_API int mp_group_set_loop_source(struct mp_group *g, const char *placeholder,
                                    struct mp_error *err);
/* NULL when not set. */
MP_API const char *mp_group_loop_items(const struct mp_group *g);
MP_API const char *mp_group_loop_source(const struct mp_group *g);
/* The most iterations at once (the template's parallelism); -1 when unset. */
MP_API int mp_group_set_parallelism(struct mp_group *g, long long n, struct mp_error *err);
MP_API long long mp_group_parallelism(const struct mp_group *g);

/* The name of a group (a Kubernetes DNS label; not for the exit handler): a graph group's
 * template is graph-NAME-N, a condition's condition-NAME-N (kfp's dsl.Condition(name=)), a
 * loop's stays for-loop-N. An op or group runs after a named group by naming it
 * (mp_op_add_dependency, mp_group_add_dependency). Errors: MP_ERR_INVAL. */
MP_API int mp_group_set_name(struct mp_group *g, const char *name, struct mp_error *err);
MP_API const char *mp_group_name(const struct mp_group *g);
/* The group runs after the op or group @after (a group given by its position in creation
 * order, as mp_pipeline_group_at() counts: @after_group; an op by name: @after_op; one of
 * the two is used). Errors: MP_ERR_INVAL. */
MP_API int mp_group_add_dependency(struct mp_group *g, const char *after_op,
                                   const struct mp_group *after_group, struct mp_error *err);
MP_API size_t mp_group_dependency_count(const struct mp_group *g);
/* One of the two is NULL. */
MP_API const char *mp_group_dependency_op(const struct mp_group *g, size_t i);
MP_API const struct mp_group *mp_group_dependency_group(const struct mp_group *g, size_t i);

/* Put @op in group @g (NULL: the pipeline itself, the default).
 * Errors: MP_ERR_INVAL (a group of another pipeline). */
MP_API int mp_op_set_group(struct mp_op *op, struct mp_group *g, struct mp_error *err);
MP_API struct mp_group *mp_op_group(const struct mp_op *op);
/* The op the workflow runs on exit (Argo onExit), in no group; NULL for none. */
MP_API int mp_pipeline_set_exit_op(struct mp_pipeline *p, struct mp_op *op, struct mp_error *err);
MP_API struct mp_op *mp_pipeline_exit_op(const struct mp_pipeline *p);
/* The distinct loop-item keys @op reads ("" for {{item}}, KEY for {{item.KEY}}), sorted.
 * Ownership: borrowed until the op changes or the pipeline is freed. */
MP_API size_t mp_op_item_ref_count(const struct mp_op *op);
MP_API const char *mp_op_item_ref_at(const struct mp_op *op, size_t i);

/* ---- Resource ops (plugin ABI 1.2) ---------------------------------------------------- */

/* A resource op is an Argo resource template instead of a container: it creates, applies,
 * patches or deletes a Kubernetes object (kfp 1.8's dsl.ResourceOp; dsl.VolumeOp and
 * dsl.VolumeSnapshotOp are resource ops whose manifest is a PersistentVolumeClaim or a
 * VolumeSnapshot). It has no image, command, env or volumes; its outputs are values read
 * from the object by JSON path (mp_op_add_resource_output()), and other ops read them with
 * {{steps.OP.outputs.NAME}} as any output. The manifest is JSON text; its strings may hold
 * placeholders, written into the template as kfp writes the object (YAML, keys sorted).
 * @action: create, apply, delete, patch, replace or get.
 * Ownership: the op belongs to @p; strings are copied.
 * Errors: MP_ERR_INVAL (bad name or action), MP_ERR_PARSE (the manifest is not a JSON object),
 * MP_ERR_EXISTS (the name is taken), MP_ERR_NOMEM. */
MP_API int mp_pipeline_add_resource_op(struct mp_pipeline *p, const char *name,
                                       const char *action, const char *manifest_json,
                                       struct mp_op **out, struct mp_error *err);
/* True when @op is a resource op. */
MP_API bool mp_op_is_resource(const struct mp_op *op);
/* The action and the manifest (JSON text); NULL for a container op.
 * Ownership: borrowed until the pipeline is freed. */
MP_API const char *mp_op_resource_action(const struct mp_op *op);
MP_API const char *mp_op_resource_manifest(const struct mp_op *op);
/* Argo's successCondition and failureCondition (label-selector expressions on the object,
 * "status.succeeded > 0"); NULL leaves one unset. Errors: MP_ERR_INVAL (not a resource op). */
MP_API int mp_op_set_resource_conditions(struct mp_op *op, const char *success,
                                         const char *failure, struct mp_error *err);
MP_API const char *mp_op_resource_success_condition(const struct mp_op *op);
MP_API const char *mp_op_resource_failure_condition(const struct mp_op *op);
/* setOwnerReference: the object is owned by the workflow (deleted with it).
 * mp_op_resource_owner_reference() is -1 when unset, else 0 or 1.
 * Errors: MP_ERR_INVAL (not a resource op). */
MP_API int mp_op_set_resource_owner_reference(struct mp_op *op, bool set,
                                              struct mp_error *err);
MP_API int mp_op_resource_owner_reference(const struct mp_op *op);
/* mergeStrategy of an apply: strategic, merge or json; NULL when unset.
 * Errors: MP_ERR_INVAL (not a resource op, another action, an unknown strategy). */
MP_API int mp_op_set_resource_merge_strategy(struct mp_op *op, const char *strategy,
                                             struct mp_error *err);
MP_API const char *mp_op_resource_merge_strategy(const struct mp_op *op);
/* Extra kubectl flags, in order ("--wait=false"). Errors: MP_ERR_INVAL, MP_ERR_NOMEM. */
MP_API int mp_op_add_resource_flag(struct mp_op *op, const char *flag, struct mp_error *err);
MP_API size_t mp_op_resource_flag_count(const struct mp_op *op);
MP_API const char *mp_op_resource_flag_at(const struct mp_op *op, size_t i);
/* An output of a resource op: the value at @json_path ("{.metadata.name}", "{}" for the whole
 * object) once the action is done. It is listed with the op's outputs (a parameter whose
 * mp_op_output_path() is the JSON path). Adding a name again replaces its path.
 * Errors: MP_ERR_INVAL (not a resource op, a bad name, a path not in braces), MP_ERR_NOMEM. */
MP_API int mp_op_add_resource_output(struct mp_op *op, const char *name, const char *json_path,
                                     struct mp_error *err);

/* ---- Placeholders ---------------------------------------------------------------------- */

/* Strings in ops may refer to pipeline parameters as {{params.NAME}}. mp_render() copies
 * @s to @out, calling @fn for each placeholder to append its replacement. @fn returns MP_OK or
 * an error code, which stops the rendering and is returned. Output placeholders
 * ({{steps.STEP.outputs.NAME}}) are copied unchanged. */
typedef int (*mp_render_fn)(void *user, const char *param_name, struct mp_buf *out,
                            struct mp_error *err);
MP_API int mp_render(const char *s, mp_render_fn fn, void *user, struct mp_buf *out,
                     struct mp_error *err);
/* As mp_render(), and calls @out_fn (when not NULL) for each {{steps.STEP.outputs.NAME}}. */
typedef int (*mp_render_output_fn)(void *user, const char *step, const char *output,
                                   struct mp_buf *out, struct mp_error *err);
MP_API int mp_render_outputs(const char *s, mp_render_fn fn, mp_render_output_fn out_fn,
                             void *user, struct mp_buf *out, struct mp_error *err);
/* Count the distinct parameters that @op refers to, anywhere (command, args, env, volumes,
 * labels, annotations); mp_op_param_ref_at() lists them sorted by name.
 * Ownership: borrowed until the op changes or the pipeline is freed. */
MP_API size_t mp_op_param_ref_count(const struct mp_op *op);
MP_API const char *mp_op_param_ref_at(const struct mp_op *op, size_t i);

/* ---- Documents and writers ------------------------------------------------------------- */

/* A small document tree (mappings keep insertion order) that the core serialises as YAML
 * (byte for byte as libyaml's emitter would) or JSON, deterministically. Output plugins build
 * what they emit with it. All nodes belong to the document and are freed with it. */
struct mp_doc;
struct mp_node;

MP_API struct mp_doc *mp_doc_new(void);
MP_API void mp_doc_free(struct mp_doc *doc);
/* Make nodes. Errors: NULL only when out of memory; a later mp_doc_error() tells. */
MP_API struct mp_node *mp_doc_map(struct mp_doc *doc);
MP_API struct mp_node *mp_doc_seq(struct mp_doc *doc);
MP_API struct mp_node *mp_doc_str(struct mp_doc *doc, const char *s);
MP_API struct mp_node *mp_doc_int(struct mp_doc *doc, long long v);
MP_API struct mp_node *mp_doc_bool(struct mp_doc *doc, bool v);
MP_API struct mp_node *mp_doc_null(struct mp_doc *doc);
/* Append to a mapping (key copied) or a sequence. A NULL @value is ignored (and recorded as
 * an error of the document). Returns @value. */
MP_API struct mp_node *mp_node_put(struct mp_node *map, const char *key, struct mp_node *value);
MP_API struct mp_node *mp_node_push(struct mp_node *seq, struct mp_node *value);
/* Shorthands: put a new string / new map / new seq under @key. */
MP_API struct mp_node *mp_node_put_str(struct mp_node *map, const char *key, const char *s);
MP_API struct mp_node *mp_node_put_map(struct mp_node *map, const char *key);
MP_API struct mp_node *mp_node_put_seq(struct mp_node *map, const char *key);
/* The value under @key in a mapping, or NULL. */
MP_API struct mp_node *mp_node_get(const struct mp_node *map, const char *key);
MP_API size_t mp_node_count(const struct mp_node *node);
MP_API int mp_doc_error(const struct mp_doc *doc);

/* Serialise @root. YAML: block style, with collections of scalars only in flow style (as
 * kfp's compiler writes them). JSON: compact when @indent is 0.
 * Errors: MP_ERR_NOMEM, MP_ERR_INVAL (a document error; for YAML also a string that is not
 * UTF-8, with nothing appended to @out). */
MP_API int mp_write_yaml(const struct mp_node *root, struct mp_buf *out, struct mp_error *err);
MP_API int mp_write_json(const struct mp_node *root, int indent, struct mp_buf *out,
                         struct mp_error *err);
/* Append @s as a JSON string literal (with quotes) in Python json.dumps' ASCII escaping. */
MP_API int mp_json_quote(struct mp_buf *out, const char *s);

/* ---- The compiled workflow ------------------------------------------------------------- */

/* Build the Argo Workflow (argoproj.io/v1alpha1) that Kubeflow Pipelines v1 runs for @p,
 * in the shape kfp 1.8's compiler gives it: a DAG entrypoint named after the pipeline,
 * templates sorted by name, parameters passed as template inputs, the
 * pipelines.kubeflow.org annotations and labels, service account pipeline-runner.
 * @stamp: the pipeline_compilation_time annotation value, or NULL for none.
 * Templates made from the same settings hold the same collection (their command, env,
 * volumes...), written once per use: the tree is for writing, not for changing afterwards.
 * Ownership: the nodes belong to @doc. Errors: MP_ERR_NOMEM, MP_ERR_VALIDATE. */
MP_API int mp_workflow_build(const struct mp_pipeline *p, const char *stamp, struct mp_doc *doc,
                             struct mp_node **out, struct mp_error *err);

/* ---- Packages -------------------------------------------------------------------------- */

enum mp_package_format {
    MP_PACKAGE_NONE = 0,
    MP_PACKAGE_TAR_GZ = 1, /* .tar.gz / .tgz: one member */
    MP_PACKAGE_ZIP = 2,    /* .zip: one member */
    MP_PACKAGE_YAML = 3    /* .yaml / .yml: the bytes as they are */
};
/* The format kfp's compiler picks for a file name; MP_PACKAGE_NONE for any other. */
MP_API enum mp_package_format mp_package_format_for(const char *path);
/* Wrap @len bytes of @data as the single member @member (mode 0644, owner 0:0, mtime 0; no
 * time or name in the gzip header), so the same input gives the same bytes.
 * Errors: MP_ERR_INVAL, MP_ERR_NOMEM, MP_ERR_IO. */
MP_API int mp_package_build(enum mp_package_format fmt, const char *member, const void *data,
                            size_t len, struct mp_buf *out, struct mp_error *err);
/* mp_write_yaml() of @root packaged by mp_package_build(): the same bytes, with the
 * compression of a large member overlapping the writing of its YAML (on a second thread).
 * Errors: as both. */
MP_API int mp_package_build_yaml(enum mp_package_format fmt, const char *member,
                                 const struct mp_node *root, struct mp_buf *out,
                                 struct mp_error *err);

/* Write @len bytes to @path atomically: a temporary file beside it, fsync, rename. On any
 * failure the temporary file is removed and @path is untouched. "-" writes to stdout.
 * Errors: MP_ERR_IO (with the path and the system's reason). */
MP_API int mp_write_file_atomic(const char *path, const void *data, size_t len,
                                struct mp_error *err);

/* ---- Version --------------------------------------------------------------------------- */

/* The library's version, "0.1.0". */
MP_API const char *mp_version(void);

#ifdef __cplusplus
}
#endif
#endif /* MNISTPIPE_INCLUDE_MNISTPIPE_H */
