/* SPDX-License-Identifier: MIT */
/* host.h: the API for programs that host plugins: the mnistpipe command, and any program that
 * embeds the compiler. Plugins do not need this header.
 *
 * The plugin registry is the library's one mutable global: fill it (mp_plugin_load) from one
 * thread before compiling, and empty it with mp_plugins_unload_all() at the end.
 */
#ifndef MNISTPIPE_INCLUDE_HOST_H
#define MNISTPIPE_INCLUDE_HOST_H

#include <mnistpipe/plugin.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Plugins ----------------------------------------------------------------------------- */

struct mp_plugin;

/* Load a plugin and register it. @name_or_path: a path (anything containing '/') is that file
 * and nothing else; a bare name is looked up as NAME.so in each directory of
 * $MNISTPIPE_PLUGIN_PATH (colon-separated; ignored in setuid programs), then in the installed
 * plugin directory. @kind: MP_PLUGIN_PLATFORM or MP_PLUGIN_OUTPUT to require one, 0 for any.
 * Loading a name that is already loaded returns the loaded plugin.
 * Ownership: the plugin stays loaded, and @out valid, until mp_plugins_unload_all().
 * Errors: MP_ERR_NOTFOUND (no such plugin; the message lists where it looked), MP_ERR_PLUGIN
 * (unsafe path, dlopen failure, no entry symbol, NULL descriptor, wrong name or kind, bad ops,
 * clashing option, init failed), MP_ERR_ABI (both versions named). Each message names the file. */
MP_API int mp_plugin_load(const char *name_or_path, int kind, struct mp_plugin **out,
                          struct mp_error *err);
MP_API void mp_plugins_unload_all(void);
MP_API size_t mp_plugin_count(void);
/* In load order. */
MP_API struct mp_plugin *mp_plugin_at(size_t i);
MP_API struct mp_plugin *mp_plugin_find(const char *name);
MP_API const char *mp_plugin_name(const struct mp_plugin *pl);
MP_API const char *mp_plugin_path(const struct mp_plugin *pl);
MP_API const char *mp_plugin_version(const struct mp_plugin *pl);
MP_API const char *mp_plugin_summary(const struct mp_plugin *pl);
MP_API int mp_plugin_kind(const struct mp_plugin *pl);
MP_API unsigned mp_plugin_abi_major(const struct mp_plugin *pl);
MP_API unsigned mp_plugin_abi_minor(const struct mp_plugin *pl);
/* {0}-terminated; never NULL. */
MP_API const struct mp_plugin_option *mp_plugin_options(const struct mp_plugin *pl);
/* Output plugins: {0}-terminated commands (never NULL) and the default output extension. */
MP_API const struct mp_plugin_command *mp_plugin_commands(const struct mp_plugin *pl);
MP_API const char *mp_plugin_default_output(const struct mp_plugin *pl);

/* Every NAME.so in the search path, in search order, first one of each name only. @fn gets
 * the name and the path; a non-MP_OK return stops the walk and is returned. */
typedef int (*mp_plugin_found_fn)(void *user, const char *name, const char *path);
MP_API int mp_plugin_discover(mp_plugin_found_fn fn, void *user);
/* The compiled-in plugin directory. */
MP_API const char *mp_plugin_dir(void);

/* ---- Plugin contexts --------------------------------------------------------------------- */

/* How a context prints: @stream 1 is standard output, 2 standard error; @text is one complete
 * message. */
typedef void (*mp_print_fn)(void *user, int stream, const char *text);

/* Ownership: caller frees with mp_ctx_free(); strings given are copied.
 * Errors: NULL when out of memory. */
MP_API struct mp_plugin_ctx *mp_ctx_new(mp_print_fn print, void *user);
MP_API void mp_ctx_free(struct mp_plugin_ctx *ctx);
/* @value "" for a flag. Setting an option again replaces it. */
MP_API int mp_ctx_set_option(struct mp_plugin_ctx *ctx, const char *name, const char *value);
MP_API int mp_ctx_add_param(struct mp_plugin_ctx *ctx, const char *name, const char *value);
MP_API int mp_ctx_add_arg(struct mp_plugin_ctx *ctx, const char *arg);
MP_API void mp_ctx_set_tty(struct mp_plugin_ctx *ctx, bool tty);
MP_API void mp_ctx_set_verbose(struct mp_plugin_ctx *ctx, bool verbose);

/* ---- Pipelines and compiling ------------------------------------------------------------- */

/* A built-in pipeline by name ("mnist"). @platforms: the names of the platform plugins it will
 * be compiled for, which pipelines may depend on (the MNIST example adds on-prem arguments when
 * the platform is not gcp). Ownership: caller frees with mp_pipeline_free().
 * Errors: MP_ERR_NOTFOUND, MP_ERR_NOMEM. */
MP_API int mp_builtin_pipeline(const char *name, const char *const *platforms, size_t n,
                               struct mp_pipeline **out, struct mp_error *err);

/* Check the graph: op images present, dependencies name existing ops, no cycle (the message
 * prints it), placeholders name declared parameters, volume mounts name the op's volumes.
 * Errors: MP_ERR_VALIDATE with the first problem. */
MP_API int mp_pipeline_validate(const struct mp_pipeline *p, struct mp_error *err);

/* Validate @p, run every loaded platform plugin's transform in load order (with @ctx), and
 * validate again. A plugin's failure is prefixed with "plugin 'NAME': ". */
MP_API int mp_compile(struct mp_pipeline *p, struct mp_plugin_ctx *ctx, struct mp_error *err);

/* Have the output plugin @pl serialise @p for @path into @out. */
MP_API int mp_plugin_emit(const struct mp_plugin *pl, const struct mp_pipeline *p,
                          struct mp_plugin_ctx *ctx, const char *path, struct mp_buf *out,
                          struct mp_error *err);
/* Run the command @name of the output plugin @pl. Errors: MP_ERR_NOTFOUND (no such command),
 * and what the plugin returns. */
MP_API int mp_plugin_run_command(const struct mp_plugin *pl, const char *name,
                                 const struct mp_pipeline *p, struct mp_plugin_ctx *ctx,
                                 struct mp_error *err);


/* ---- Pipeline files, diagnostics, lint and graph ----------------------------------------- */

/* Problems found in a pipeline file, each with file:line:column (1-based), a message and, where
 * there is one, what was expected. */
struct mp_diags;
enum { MP_DIAG_ERROR = 1, MP_DIAG_WARNING = 2 };

/* Ownership: caller frees with mp_diags_free(). Errors: NULL when out of memory. */
MP_API struct mp_diags *mp_diags_new(void);
MP_API void mp_diags_free(struct mp_diags *d);
/* Forget every diagnostic (and the file name). */
MP_API void mp_diags_clear(struct mp_diags *d);
MP_API size_t mp_diags_count(const struct mp_diags *d);
/* Diagnostics of severity MP_DIAG_ERROR. */
MP_API size_t mp_diags_error_count(const struct mp_diags *d);
/* Accessors of the @i-th diagnostic, in file order. Ownership: borrowed until @d changes.
 * Errors: 0 or NULL when @i is out of range; expected is NULL when there is no suggestion. */
MP_API const char *mp_diags_file(const struct mp_diags *d);
MP_API int mp_diag_severity(const struct mp_diags *d, size_t i);
MP_API unsigned long mp_diag_line(const struct mp_diags *d, size_t i);
MP_API unsigned long mp_diag_column(const struct mp_diags *d, size_t i);
MP_API const char *mp_diag_message(const struct mp_diags *d, size_t i);
MP_API const char *mp_diag_expected(const struct mp_diags *d, size_t i);
/* Append every diagnostic to @out: @json false gives one "FILE:LINE:COL: error: MESSAGE
 * (expected ...)" line each; @json true gives {"file":..,"errors":N,"warnings":N,
 * "diagnostics":[{"line","column","severity","message","expected"}]}.
 * Errors: MP_ERR_NOMEM (the buffer's sticky error). */
MP_API int mp_diags_format(const struct mp_diags *d, bool json, struct mp_buf *out);

/* Load the pipeline file @path (format: mnistpipe-pipeline(5)). @platforms: the platform
 * plugins it will be compiled for (selects `variants`). Every problem goes to @diags (which may
 * be NULL), not just the first. Input limits: 64 MiB, nesting depth 64, no YAML aliases, UTF-8
 * without NUL bytes.
 * Ownership: on MP_OK caller frees *@out with mp_pipeline_free(); nothing is written to @out
 * on failure. Errors: MP_ERR_IO (unreadable file), MP_ERR_PARSE (YAML or format errors, the
 * first in @err, all in @diags), MP_ERR_VALIDATE (graph rules: names, dependencies, cycles,
 * placeholders), MP_ERR_NOMEM. */
MP_API int mp_pipeline_load_file(const char *path, const char *const *platforms, size_t n,
                                 struct mp_pipeline **out, struct mp_diags *diags,
                                 struct mp_error *err);

/* Lint: the loader's checks and, with @pvc_check, an error when the on-prem claim name would
 * be empty at run time (platform onprem, parameter pvc_name without default, @pvc NULL or "").
 * @path NULL lints the built-in MNIST pipeline (graph rules only). Warnings do not fail.
 * Ownership: @diags is the caller's. Errors: MP_OK when there is no error diagnostic,
 * MP_ERR_VALIDATE when there is, MP_ERR_IO, MP_ERR_NOMEM. */
MP_API int mp_lint(const char *path, const char *const *platforms, size_t n, bool pvc_check,
                   const char *pvc, struct mp_diags *diags, struct mp_error *err);

/* The pipeline's DAG as Graphviz DOT (one node per op, labelled with its image, an edge from
 * each op to the ops that run after it), or as a plain text tree for the terminal.
 * Ownership: appends to the caller's @out. Errors: MP_ERR_INVAL, MP_ERR_NOMEM. */
MP_API int mp_graph_dot(const struct mp_pipeline *p, struct mp_buf *out, struct mp_error *err);
MP_API int mp_graph_text(const struct mp_pipeline *p, struct mp_buf *out, struct mp_error *err);

#ifdef __cplusplus
}
#endif
#endif /* MNISTPIPE_INCLUDE_HOST_H */
