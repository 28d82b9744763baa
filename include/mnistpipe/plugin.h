/* SPDX-License-Identifier: MIT */
/* plugin.h: the mnistpipe plugin ABI. A plugin includes this header and nothing else of ours.
 *
 * A plugin is a shared object exporting one symbol, mp_plugin_describe(), which returns a
 * pointer to a static const struct mp_plugin_desc. The core loads it with
 * dlopen(RTLD_NOW | RTLD_LOCAL) and checks, in order: the entry symbol, a non-NULL descriptor,
 * the ABI version, that the name equals the file's basename (gcp.so -> "gcp"), the kind, the ops
 * table and its size, the required ops, and that its options do not clash with loaded ones.
 *
 * ABI versioning: appending a field, op or function bumps MP_PLUGIN_ABI_MINOR; removing,
 * reordering or changing the meaning of anything bumps MP_PLUGIN_ABI_MAJOR. The core accepts a
 * plugin when its major equals the core's and its minor is not newer. Ops tables start with
 * their own size, so the core never reads past what a plugin built against an older minor has.
 *
 * Kinds:
 * - platform plugins (gcp, onprem, ...) transform the graph: add volumes, secrets, env,
 *   defaults, checks. They run in the order of --plugin on the command line.
 * - output plugins (argo, kfp, local) only read the graph: they emit bytes, talk to a server
 *   or execute it. One is used per command.
 *
 * Rules for plugins: never exit, abort, longjmp or print to stdout/stderr; report failures with
 * mp_error_set() and print through mp_ctx_printf()/mp_ctx_warn(). Whoever allocates frees:
 * strings given to the core are copied; what the core hands out is borrowed. Plugin state is
 * allocated in init and freed in fini.
 */
#ifndef MNISTPIPE_INCLUDE_PLUGIN_H
#define MNISTPIPE_INCLUDE_PLUGIN_H

#include <mnistpipe/mnistpipe.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MP_PLUGIN_ABI_MAJOR 1
#define MP_PLUGIN_ABI_MINOR 2

#if defined(__GNUC__) || defined(__clang__)
#define MP_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define MP_PLUGIN_EXPORT
#endif

enum mp_plugin_kind { MP_PLUGIN_PLATFORM = 1, MP_PLUGIN_OUTPUT = 2 };

/* A command-line option a plugin adds (`--pvc NAME`). The table ends with an entry whose
 * name is NULL. Names are long options without the dashes; they must be unique among the
 * loaded plugins and must not clash with mnistpipe's own options. */
struct mp_plugin_option {
    const char *name;
    const char *metavar; /* NULL: a flag without a value */
    const char *help;
};

/* What the core passes to a plugin's ops: the option values the user gave, the parameter
 * values (-p name=value), positional arguments of the command, and an output channel.
 * Ownership: every string is borrowed for the duration of the call. */
struct mp_plugin_ctx;

/* The value given for option @name (of this plugin, or of the command being run), "" for a
 * flag that was given, NULL when not given. */
MP_API const char *mp_ctx_option(const struct mp_plugin_ctx *ctx, const char *name);
/* -p name=value pairs, in command-line order. */
MP_API size_t mp_ctx_param_count(const struct mp_plugin_ctx *ctx);
MP_API const char *mp_ctx_param_name(const struct mp_plugin_ctx *ctx, size_t i);
MP_API const char *mp_ctx_param_value(const struct mp_plugin_ctx *ctx, size_t i);
/* Positional arguments after the command name. */
MP_API size_t mp_ctx_arg_count(const struct mp_plugin_ctx *ctx);
MP_API const char *mp_ctx_arg_at(const struct mp_plugin_ctx *ctx, size_t i);
/* Print to the user's standard output / a warning line to standard error (the core adds
 * "mnistpipe: warning: <plugin>: "). */
MP_API void mp_ctx_printf(const struct mp_plugin_ctx *ctx, const char *fmt, ...) MP_PRINTF(2, 3);
MP_API void mp_ctx_warn(const struct mp_plugin_ctx *ctx, const char *fmt, ...) MP_PRINTF(2, 3);
/* True when standard output is a terminal (for live progress views). */
MP_API bool mp_ctx_is_tty(const struct mp_plugin_ctx *ctx);
/* True when --verbose was given. */
MP_API bool mp_ctx_verbose(const struct mp_plugin_ctx *ctx);

/* Platform plugins. transform is required. */
struct mp_platform_ops {
    size_t size; /* sizeof(struct mp_platform_ops) as the plugin was built: always first */
    /* Optional: called once after loading, before any other op. */
    int (*init)(struct mp_error *err);
    /* Optional: called once before unloading. */
    void (*fini)(void);
    /* Adapt @p to the platform. */
    int (*transform)(struct mp_pipeline *p, const struct mp_plugin_ctx *ctx,
                     struct mp_error *err);
};

/* A command an output plugin provides beyond compile (`upload`, `run`, `submit`, ...). */
struct mp_plugin_command {
    const char *name;
    const char *summary;
    const struct mp_plugin_option *options; /* may be NULL; {0}-terminated */
    bool needs_pipeline;                    /* false for e.g. `runs list` */
};

/* Output plugins. emit is required. */
struct mp_output_ops {
    size_t size; /* sizeof(struct mp_output_ops) as the plugin was built: always first */
    int (*init)(struct mp_error *err);
    void (*fini)(void);
    /* Serialise @p for the output file @path (its extension may pick the format; "-" is
     * standard output) into @out. The core writes @out to @path atomically. */
    int (*emit)(const struct mp_pipeline *p, const struct mp_plugin_ctx *ctx, const char *path,
                struct mp_buf *out, struct mp_error *err);
    /* The extension of the file compile writes when no -o is given, e.g. ".tar.gz"; the file
     * is named after the pipeline: mnist_pipeline.tar.gz. */
    const char *default_output;
    /* Optional: commands, {0}-terminated, and the function that runs them. @p is NULL for a
     * command whose needs_pipeline is false. Return MP_OK, MP_ERR_FAILED for a run that ended
     * unsuccessfully, or another error. */
    const struct mp_plugin_command *commands;
    int (*command)(const char *name, const struct mp_pipeline *p,
                   const struct mp_plugin_ctx *ctx, struct mp_error *err);
};

struct mp_plugin_desc {
    unsigned abi_major; /* MP_PLUGIN_ABI_MAJOR: these two stay the first fields forever */
    unsigned abi_minor; /* MP_PLUGIN_ABI_MINOR */
    const char *name;   /* equals the file's basename without ".so" */
    enum mp_plugin_kind kind;
    const char *version;
    const char *summary; /* one line for `mnistpipe plugins` and --help */
    const struct mp_plugin_option *options; /* may be NULL; {0}-terminated */
    const struct mp_platform_ops *platform; /* for MP_PLUGIN_PLATFORM */
    const struct mp_output_ops *output;     /* for MP_PLUGIN_OUTPUT */
};

/* The one symbol a plugin exports. */
#define MP_PLUGIN_ENTRY "mp_plugin_describe"
typedef const struct mp_plugin_desc *(*mp_plugin_describe_fn)(void);
MP_PLUGIN_EXPORT const struct mp_plugin_desc *mp_plugin_describe(void);

#ifdef __cplusplus
}
#endif
#endif /* MNISTPIPE_INCLUDE_PLUGIN_H */
