/* SPDX-License-Identifier: MIT */
/* main.c: the mnistpipe command line: plugin loading, options, commands, exit codes.
 * The only file that prints to stdout/stderr or calls exit(). */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <mnistpipe/host.h>

/* Exit codes (documented in mnistpipe(1)). */
enum {
    EXIT_OK = 0,
    EXIT_FAILED = 1,  /* a run failed or was cancelled; lint found problems */
    EXIT_USAGE = 2,   /* bad command line, unknown plugin or option */
    EXIT_INPUT = 3,   /* invalid pipeline or input file */
    EXIT_PLUGIN = 4,  /* a plugin could not be loaded or failed */
    EXIT_IO = 5,      /* a file could not be read or written */
    EXIT_REMOTE = 6,  /* network or server error */
    EXIT_TIMEOUT = 7, /* --timeout ran out */
    EXIT_INTERNAL = 70,
    EXIT_INTERRUPTED = 130
};

#define MAX_PLATFORMS 32
/* What compile may write: a 64 MiB pipeline file (the input limit) of 100,000 steps makes a
 * workflow of about 70 MB, over the 64 MiB default of a buffer. */
#define MAX_OUTPUT_BYTES ((size_t)1 << 30)

struct cli {
    const char *command;
    const struct mp_plugin *command_plugin; /* for plugin commands */
    const char *output;
    const char *file;   /* -f: a pipeline file instead of the built-in one */
    const char *format; /* lint: text|json; graph: dot|text */
    bool stamp;
    bool verbose;
    bool help;
    bool version;
    struct mp_plugin_ctx *ctx;
};

static void print_cb(void *user, int stream, const char *text)
{
    (void)user;
    if (stream == 1) {
        fputs(text, stdout);
        fflush(stdout);
    } else {
        size_t n = strlen(text);
        fprintf(stderr, "mnistpipe: %s%s", text, (n && text[n - 1] == '\n') ? "" : "\n");
    }
}

static int exit_code_for(int status)
{
    switch (status) {
    case MP_OK: return EXIT_OK;
    case MP_ERR_FAILED: return EXIT_FAILED;
    case MP_ERR_USAGE: return EXIT_USAGE;
    case MP_ERR_PARSE:
    case MP_ERR_VALIDATE: return EXIT_INPUT;
    case MP_ERR_PLUGIN:
    case MP_ERR_ABI:
    case MP_ERR_UNSUPPORTED: return EXIT_PLUGIN;
    case MP_ERR_IO:
    case MP_ERR_NOTFOUND:
    case MP_ERR_EXISTS: return EXIT_IO;
    case MP_ERR_NET:
    case MP_ERR_HTTP: return EXIT_REMOTE;
    case MP_ERR_TIMEOUT: return EXIT_TIMEOUT;
    case MP_ERR_INTERRUPTED: return EXIT_INTERRUPTED;
    default: return EXIT_INTERNAL;
    }
}

static int fail(int status, const struct mp_error *err)
{
    const char *msg = mp_error_message(err);
    fprintf(stderr, "mnistpipe: error: %s\n", *msg ? msg : mp_strerror(status));
    return exit_code_for(status);
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("mnistpipe: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\nTry 'mnistpipe --help'.\n", stderr);
    return EXIT_USAGE;
}

/* ---- commands of mnistpipe itself and where others come from ---- */

struct core_command {
    const char *name;
    const char *summary;
};

static const struct core_command core_commands[] = {
    {"compile", "compile the pipeline and write the package (-o FILE)"},
    {"lint", "check the pipeline (-f FILE): every problem, FILE:LINE:COL (--format text|json)"},
    {"graph", "print the pipeline's DAG (--format dot|text); dot -Tsvg draws it"},
    {"plugins", "list the plugins in the plugin path: name, kind, version, ABI, path, options"},
    {"help", "show this help"},
    {NULL, NULL}};

/* Commands that output plugins provide, and which plugin to load for each when none of the
 * loaded ones has it. */
struct default_plugin {
    const char *command;
    const char *plugin;
};

static const struct default_plugin default_plugins[] = {
    {"upload", "kfp"}, {"experiments", "kfp"}, {"submit", "argo"},
    {"run", "local"},  {"runs", "local"},      {"logs", "local"},
    {"stop", "local"}, {NULL, NULL}};

/* `run` and `runs` exist twice: on a KFP cluster (kfp) and on this machine (local). A KFP
 * endpoint named on the command line (--host) or in KF_PIPELINES_ENDPOINT means the cluster. */
static bool kfp_endpoint_named(int argc, char **argv)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "--host") == 0 || strncmp(argv[i], "--host=", 7) == 0)
            return true;
    const char *e = getenv("KF_PIPELINES_ENDPOINT");
    return e && *e;
}

static const char *default_plugin_for(const char *word, int argc, char **argv)
{
    if ((strcmp(word, "run") == 0 || strcmp(word, "runs") == 0) && kfp_endpoint_named(argc, argv))
        return "kfp";
    for (const struct default_plugin *d = default_plugins; d->command; d++)
        if (strcmp(d->command, word) == 0)
            return d->plugin;
    return NULL;
}

static bool is_core_command(const char *name)
{
    for (const struct core_command *c = core_commands; c->name; c++)
        if (strcmp(c->name, name) == 0)
            return true;
    return false;
}

static const struct mp_plugin_command *plugin_command(const struct mp_plugin *pl, const char *name)
{
    for (const struct mp_plugin_command *c = mp_plugin_commands(pl); c && c->name; c++)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

/* ---- option tables ---- */

enum opt_id { OPT_PLUGIN, OPT_FILE, OPT_FORMAT, OPT_OUTPUT, OPT_PARAM, OPT_STAMP, OPT_VERBOSE, OPT_HELP, OPT_VERSION };

struct core_option {
    const char *name;
    char short_name;
    bool has_arg;
    enum opt_id id;
    const char *metavar;
    const char *help;
};

static const struct core_option core_options[] = {
    {"plugin", 0, true, OPT_PLUGIN, "NAME|PATH",
     "load a plugin (repeatable; platform plugins apply in this order)"},
    {"file", 'f', true, OPT_FILE, "FILE",
     "the pipeline file to use instead of the built-in MNIST pipeline (mnistpipe-pipeline(5))"},
    {"format", 0, true, OPT_FORMAT, "FORMAT",
     "lint: text or json; graph: dot or text; plugins: text or tsv"},
    {"output", 'o', true, OPT_OUTPUT, "FILE",
     "compile: where to write (.tar.gz, .tgz, .zip, .yaml, .yml; - for stdout)"},
    {"param", 'p', true, OPT_PARAM, "NAME=VALUE", "set a pipeline parameter (repeatable)"},
    {"stamp", 0, false, OPT_STAMP, NULL,
     "record the compile time (SOURCE_DATE_EPOCH if set, else now)"},
    {"verbose", 'v', false, OPT_VERBOSE, NULL, "say more"},
    {"help", 'h', false, OPT_HELP, NULL, "show help and the options of the plugins"},
    {"version", 0, false, OPT_VERSION, NULL, "show the version and the plugin ABI"},
    {NULL, 0, false, 0, NULL, NULL}};

static const struct core_option *find_core_long(const char *name, size_t len)
{
    for (const struct core_option *o = core_options; o->name; o++)
        if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
            return o;
    return NULL;
}

static const struct core_option *find_core_short(char c)
{
    for (const struct core_option *o = core_options; o->name; o++)
        if (o->short_name == c)
            return o;
    return NULL;
}

static const struct mp_plugin_option *find_in_table(const struct mp_plugin_option *t,
                                                    const char *name, size_t len)
{
    for (; t && t->name; t++)
        if (strlen(t->name) == len && strncmp(t->name, name, len) == 0)
            return t;
    return NULL;
}

static const struct mp_plugin_option *find_plugin_option(const struct cli *cli, const char *name,
                                                         size_t len)
{
    for (size_t i = 0; i < mp_plugin_count(); i++) {
        const struct mp_plugin_option *o = find_in_table(mp_plugin_options(mp_plugin_at(i)), name, len);
        if (o)
            return o;
    }
    if (cli->command_plugin) {
        const struct mp_plugin_command *c = mp_plugin_commands(cli->command_plugin);
        for (; c->name; c++)
            if (strcmp(c->name, cli->command) == 0)
                return find_in_table(c->options, name, len);
    }
    return NULL;
}

/* ---- help ---- */

static void print_option(const char *name, char short_name, const char *metavar, const char *help)
{
    char left[64];
    snprintf(left, sizeof(left), "%c%c%c --%s%s%s", short_name ? '-' : ' ',
             short_name ? short_name : ' ', short_name ? ',' : ' ', name, metavar ? " " : "",
             metavar ? metavar : "");
    printf("  %-32s %s\n", left, help ? help : "");
}

/* A plugin's options and its commands' options, each name once (commands share many). */
static void print_plugin_options(const struct mp_plugin *pl)
{
    const struct mp_plugin_option *shown[128];
    size_t n = 0;
    const struct mp_plugin_option *tables[64];
    size_t nt = 0;
    tables[nt++] = mp_plugin_options(pl);
    for (const struct mp_plugin_command *c = mp_plugin_commands(pl); c->name && nt < 64; c++)
        tables[nt++] = c->options;
    for (size_t t = 0; t < nt; t++)
        for (const struct mp_plugin_option *o = tables[t]; o && o->name; o++) {
            bool seen = false;
            for (size_t k = 0; k < n && !seen; k++)
                seen = strcmp(shown[k]->name, o->name) == 0;
            if (seen)
                continue;
            if (n < sizeof(shown) / sizeof(shown[0]))
                shown[n++] = o;
            print_option(o->name, 0, o->metavar, o->help);
        }
}

static int load_quietly(void *user, const char *name, const char *path)
{
    (void)user;
    (void)name;
    struct mp_error *err = mp_error_new();
    struct mp_plugin *pl;
    mp_plugin_load(path, 0, &pl, err);
    mp_error_free(err);
    return MP_OK;
}

static void print_help(void)
{
    printf("Usage: mnistpipe [--plugin NAME]... [OPTION]... COMMAND [ARG]...\n"
           "Compile, submit and run Kubeflow/Argo pipelines; platforms come from plugins.\n\n"
           "  mnistpipe --plugin onprem --pvc my-pvc compile     # -> mnist_pipeline.tar.gz\n"
           "  mnistpipe --plugin gcp compile -o mnist.yaml        # Argo YAML, GCP secret\n"
           "  mnistpipe -f pipeline.yaml lint                     # every problem, FILE:LINE:COL\n"
           "  mnistpipe --plugin onprem --pvc data run            # run it on this machine\n"
           "  mnistpipe --plugin gcp run --host URL --wait        # run it on Kubeflow Pipelines\n\n"
           "'run' and 'runs' go to Kubeflow Pipelines when --host or KF_PIPELINES_ENDPOINT names\n"
           "an endpoint, else to this machine's runner; 'submit' goes to Argo.\n\n"
           "Commands:\n");
    for (const struct core_command *c = core_commands; c->name; c++)
        printf("  %-12s %s\n", c->name, c->summary);
    /* Show what every plugin in the path offers. */
    mp_plugin_discover(load_quietly, NULL);
    for (size_t i = 0; i < mp_plugin_count(); i++)
        for (const struct mp_plugin_command *c = mp_plugin_commands(mp_plugin_at(i)); c->name; c++)
            printf("  %-12s %s [%s]\n", c->name, c->summary ? c->summary : "",
                   mp_plugin_name(mp_plugin_at(i)));
    printf("\nOptions:\n");
    for (const struct core_option *o = core_options; o->name; o++)
        print_option(o->name, o->short_name, o->metavar, o->help);
    for (size_t i = 0; i < mp_plugin_count(); i++) {
        const struct mp_plugin *pl = mp_plugin_at(i);
        const struct mp_plugin_option *o = mp_plugin_options(pl);
        const struct mp_plugin_command *c = mp_plugin_commands(pl);
        if (!o->name && !c->name)
            continue;
        printf("\nPlugin '%s' (%s):\n", mp_plugin_name(pl), mp_plugin_summary(pl));
        print_plugin_options(pl);
    }
    printf("\nPlugins are searched in $MNISTPIPE_PLUGIN_PATH, then %s.\n"
           "Exit status: 0 ok, 1 run failed, 2 usage, 3 invalid input, 4 plugin error, 5 I/O "
           "error,\n6 network or server error, 7 timeout. See mnistpipe(1).\n",
           mp_plugin_dir());
}

static const char *kind_name(int kind)
{
    return kind == MP_PLUGIN_PLATFORM ? "platform" : kind == MP_PLUGIN_OUTPUT ? "output" : "?";
}

/* plugins --format tsv: one record per line, tab-separated, for scripts and shell completion:
 *   plugin  NAME KIND VERSION ABI PATH | error NAME PATH MESSAGE
 *   option  PLUGIN --OPTION METAVAR|-  | command PLUGIN COMMAND
 *   command-option PLUGIN COMMAND --OPTION METAVAR|- */
static void list_tsv(const struct mp_plugin *pl)
{
    const char *n = mp_plugin_name(pl);
    printf("plugin\t%s\t%s\t%s\t%u.%u\t%s\n", n, kind_name(mp_plugin_kind(pl)),
           mp_plugin_version(pl), mp_plugin_abi_major(pl), mp_plugin_abi_minor(pl),
           mp_plugin_path(pl));
    for (const struct mp_plugin_option *o = mp_plugin_options(pl); o->name; o++)
        printf("option\t%s\t--%s\t%s\n", n, o->name, o->metavar ? o->metavar : "-");
    for (const struct mp_plugin_command *c = mp_plugin_commands(pl); c->name; c++) {
        printf("command\t%s\t%s\n", n, c->name);
        for (const struct mp_plugin_option *o = c->options; o && o->name; o++)
            printf("command-option\t%s\t%s\t--%s\t%s\n", n, c->name, o->name,
                   o->metavar ? o->metavar : "-");
    }
}

static bool list_as_tsv;

static int list_one(void *user, const char *name, const char *path)
{
    int *failures = user;
    struct mp_error *err = mp_error_new();
    struct mp_plugin *pl;
    if (!err)
        return MP_ERR_NOMEM;
    int rc = mp_plugin_load(path, 0, &pl, err);
    if (list_as_tsv) {
        if (rc == MP_OK)
            list_tsv(pl);
        else
            printf("error\t%s\t%s\t%s\n", name, path, mp_error_message(err));
        *failures += rc != MP_OK;
    } else if (rc != MP_OK) {
        printf("%-10s %-8s %-8s %-5s %s\n  error: %s\n", name, "-", "-", "-", path,
               mp_error_message(err));
        (*failures)++;
    } else {
        printf("%-10s %-8s %-8s %u.%-3u %s\n", mp_plugin_name(pl), kind_name(mp_plugin_kind(pl)),
               mp_plugin_version(pl), mp_plugin_abi_major(pl), mp_plugin_abi_minor(pl),
               mp_plugin_path(pl));
        for (const struct mp_plugin_option *o = mp_plugin_options(pl); o->name; o++)
            printf("  --%s%s%s  %s\n", o->name, o->metavar ? " " : "", o->metavar ? o->metavar : "",
                   o->help ? o->help : "");
        for (const struct mp_plugin_command *c = mp_plugin_commands(pl); c->name; c++)
            printf("  command %s: %s\n", c->name, c->summary ? c->summary : "");
    }
    mp_error_free(err);
    return MP_OK;
}

static int cmd_plugins(const struct cli *cli)
{
    int failures = 0;
    const char *fmt = cli->format ? cli->format : "text";
    if (strcmp(fmt, "text") != 0 && strcmp(fmt, "tsv") != 0)
        return usage_error("plugins --format '%s': expected text or tsv", fmt);
    list_as_tsv = strcmp(fmt, "tsv") == 0;
    if (!list_as_tsv)
        printf("%-10s %-8s %-8s %-5s %s\n", "NAME", "KIND", "VERSION", "ABI", "PATH");
    /* Plugins given with --plugin (possibly by path) first, then the search path. */
    for (size_t i = 0; i < mp_plugin_count(); i++)
        list_one(&failures, mp_plugin_name(mp_plugin_at(i)), mp_plugin_path(mp_plugin_at(i)));
    size_t given = mp_plugin_count();
    (void)given;
    mp_plugin_discover(list_one, &failures);
    return failures ? EXIT_PLUGIN : EXIT_OK;
}

/* ---- compile ---- */

static int make_stamp(bool wanted, char *out, size_t cap, bool *have)
{
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    *have = false;
    if (sde && *sde) {
        char *end;
        errno = 0;
        long long v = strtoll(sde, &end, 10);
        if (errno || *end || v < 0)
            return usage_error("SOURCE_DATE_EPOCH='%s' is not a number of seconds", sde);
        time_t t = (time_t)v;
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(out, cap, "%Y-%m-%dT%H:%M:%S", &tm);
        *have = true;
    } else if (wanted) {
        struct timeval tv;
        gettimeofday(&tv, NULL);
        struct tm tm;
        gmtime_r(&tv.tv_sec, &tm);
        char base[32];
        strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(out, cap, "%s.%06ld", base, (long)tv.tv_usec);
        *have = true;
    }
    return EXIT_OK;
}

/* mnist_pipeline + extension, from the pipeline's name. */
static void default_output_name(const struct mp_pipeline *p, const char *ext, char *out, size_t cap)
{
    size_t n = 0;
    bool sep = false;
    for (const char *c = mp_pipeline_name(p); *c && n + 1 < cap; c++) {
        char ch = *c;
        if (ch >= 'A' && ch <= 'Z')
            ch = (char)(ch - 'A' + 'a');
        if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')) {
            if (sep && n + 2 < cap)
                out[n++] = '_';
            out[n++] = ch;
            sep = false;
        } else {
            sep = n > 0;
        }
    }
    out[n] = '\0';
    snprintf(out + n, cap - n, "%spipeline%s", n ? "_" : "", ext ? ext : "");
}

static const struct mp_plugin *pick_output(struct mp_error *err, int *rc)
{
    const struct mp_plugin *found = NULL;
    for (size_t i = 0; i < mp_plugin_count(); i++) {
        const struct mp_plugin *pl = mp_plugin_at(i);
        if (mp_plugin_kind(pl) != MP_PLUGIN_OUTPUT)
            continue;
        if (found) {
            *rc = mp_error_set(err, MP_ERR_USAGE,
                               "two output plugins are loaded ('%s' and '%s'): keep one",
                               mp_plugin_name(found), mp_plugin_name(pl));
            return NULL;
        }
        found = pl;
    }
    if (found)
        return found;
    struct mp_plugin *kfp;
    *rc = mp_plugin_load("kfp", MP_PLUGIN_OUTPUT, &kfp, err);
    return *rc == MP_OK ? kfp : NULL;
}

static size_t platform_names(const char **platforms)
{
    size_t n = 0;
    for (size_t i = 0; i < mp_plugin_count() && n < MAX_PLATFORMS; i++)
        if (mp_plugin_kind(mp_plugin_at(i)) == MP_PLUGIN_PLATFORM)
            platforms[n++] = mp_plugin_name(mp_plugin_at(i));
    return n;
}

/* Print diagnostics to stderr (text) or stdout (JSON). */
static void print_diags(const struct mp_diags *diags, bool json)
{
    struct mp_buf *b = mp_buf_new();
    if (b && mp_diags_format(diags, json, b) == MP_OK)
        fputs(mp_buf_data(b), json ? stdout : stderr);
    mp_buf_free(b);
}

/* The built-in pipeline, or the file given with -f; with a file, every problem is printed. */
static int load_pipeline(const char *file, struct mp_pipeline **out, struct mp_error *err)
{
    const char *platforms[MAX_PLATFORMS];
    size_t n = platform_names(platforms);
    if (!file)
        return mp_builtin_pipeline("mnist", platforms, n, out, err);
    struct mp_diags *diags = mp_diags_new();
    if (!diags)
        return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
    int rc = mp_pipeline_load_file(file, platforms, n, out, diags, err);
    if (mp_diags_count(diags)) {
        print_diags(diags, false);
        if (rc == MP_ERR_PARSE)
            mp_error_set(err, rc, "%s: %zu problem%s; nothing written", file,
                         mp_diags_error_count(diags), mp_diags_error_count(diags) == 1 ? "" : "s");
    }
    mp_diags_free(diags);
    return rc;
}

/* lint: 0 clean, 1 problems, 2 usage; other failures (unreadable file) as usual. */
static int cmd_lint(struct cli *cli, struct mp_error *err)
{
    const char *fmt = cli->format ? cli->format : "text";
    if (strcmp(fmt, "text") != 0 && strcmp(fmt, "json") != 0)
        return usage_error("lint --format '%s': expected text or json", fmt);
    const char *platforms[MAX_PLATFORMS];
    size_t n = platform_names(platforms);
    struct mp_diags *diags = mp_diags_new();
    if (!diags)
        return EXIT_INTERNAL;
    bool json = strcmp(fmt, "json") == 0;
    int rc = mp_lint(cli->file, platforms, n, true, mp_ctx_option(cli->ctx, "pvc"), diags, err);
    int code;
    if (rc == MP_OK || rc == MP_ERR_VALIDATE) {
        if (json || mp_diags_count(diags))
            print_diags(diags, json);
        code = rc == MP_OK ? EXIT_OK : EXIT_FAILED;
    } else {
        if (mp_diags_count(diags))
            print_diags(diags, json);
        code = fail(rc, err);
    }
    mp_diags_free(diags);
    return code;
}

static int cmd_graph(struct cli *cli, struct mp_error *err)
{
    const char *fmt = cli->format ? cli->format : "dot";
    if (strcmp(fmt, "dot") != 0 && strcmp(fmt, "text") != 0)
        return usage_error("graph --format '%s': expected dot or text", fmt);
    struct mp_pipeline *p = NULL;
    struct mp_buf *out = mp_buf_new();
    int rc = out ? load_pipeline(cli->file, &p, err) : mp_error_set(err, MP_ERR_NOMEM, "out of memory");
    if (rc == MP_OK && (rc = mp_pipeline_validate(p, err)) == MP_OK)
        rc = strcmp(fmt, "dot") == 0 ? mp_graph_dot(p, out, err) : mp_graph_text(p, out, err);
    if (rc == MP_OK)
        fputs(mp_buf_data(out), stdout);
    mp_buf_free(out);
    mp_pipeline_free(p);
    return rc == MP_OK ? EXIT_OK : fail(rc, err);
}

/* -p NAME=VALUE at compile time sets the parameter's default in the package. */
static int apply_params(struct mp_pipeline *p, const struct mp_plugin_ctx *ctx, struct mp_error *err)
{
    for (size_t i = 0; i < mp_ctx_param_count(ctx); i++) {
        struct mp_param *param = mp_pipeline_find_param(p, mp_ctx_param_name(ctx, i));
        if (!param)
            return mp_error_set(err, MP_ERR_USAGE, "-p %s: the pipeline has no such parameter",
                                mp_ctx_param_name(ctx, i));
        int rc = mp_param_set_default(param, mp_ctx_param_value(ctx, i), err);
        if (rc != MP_OK)
            return rc;
    }
    return MP_OK;
}

static int cmd_compile(struct cli *cli, struct mp_error *err)
{
    struct mp_pipeline *p = NULL;
    struct mp_buf *out = NULL;
    char stamp[64], defname[256];
    bool have_stamp;
    int code = make_stamp(cli->stamp, stamp, sizeof(stamp), &have_stamp);
    if (code != EXIT_OK)
        return code;
    if (have_stamp)
        mp_ctx_set_option(cli->ctx, "stamp", stamp);

    int rc;
    const struct mp_plugin *output = pick_output(err, &rc);
    if (!output)
        return fail(rc, err);
    if ((rc = load_pipeline(cli->file, &p, err)) != MP_OK || (rc = apply_params(p, cli->ctx, err)) != MP_OK ||
        (rc = mp_compile(p, cli->ctx, err)) != MP_OK)
        goto out;
    const char *path = cli->output;
    if (!path) {
        default_output_name(p, mp_plugin_default_output(output), defname, sizeof(defname));
        path = defname;
    }
    if (!(out = mp_buf_new())) {
        rc = mp_error_set(err, MP_ERR_NOMEM, "out of memory");
        goto out;
    }
    mp_buf_set_limit(out, MAX_OUTPUT_BYTES);
    if ((rc = mp_plugin_emit(output, p, cli->ctx, path, out, err)) != MP_OK ||
        (rc = mp_write_file_atomic(path, mp_buf_data(out), mp_buf_len(out), err)) != MP_OK)
        goto out;
    if (cli->verbose && strcmp(path, "-") != 0)
        fprintf(stderr, "mnistpipe: wrote %s (%zu bytes)\n", path, mp_buf_len(out));
out:
    mp_buf_free(out);
    mp_pipeline_free(p);
    return rc == MP_OK ? EXIT_OK : fail(rc, err);
}

/* ---- argument parsing ---- */

static int load_plugin_arg(const char *arg, struct mp_error *err)
{
    struct mp_plugin *pl;
    int rc = mp_plugin_load(arg, 0, &pl, err);
    if (rc == MP_ERR_NOTFOUND && !strchr(arg, '/')) {
        fprintf(stderr, "mnistpipe: unknown plugin: %s\nTry 'mnistpipe plugins'.\n",
                mp_error_message(err));
        return EXIT_USAGE;
    }
    return rc == MP_OK ? EXIT_OK : fail(rc, err);
}

/* Pass 1: load every --plugin, in order, so that their options are known in pass 2. */
static int load_plugins(int argc, char **argv, struct mp_error *err)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0)
            break;
        const char *value = NULL;
        if (strcmp(a, "--plugin") == 0) {
            if (i + 1 >= argc)
                return usage_error("option --plugin needs a value");
            value = argv[++i];
        } else if (strncmp(a, "--plugin=", 9) == 0) {
            value = a + 9;
        }
        if (value) {
            int code = load_plugin_arg(value, err);
            if (code != EXIT_OK)
                return code;
        }
    }
    return EXIT_OK;
}

static int set_param(struct cli *cli, const char *arg)
{
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg)
        return usage_error("-p '%s': expected NAME=VALUE", arg);
    char name[256];
    size_t n = (size_t)(eq - arg);
    if (n >= sizeof(name))
        return usage_error("-p '%.40s...': parameter name too long", arg);
    memcpy(name, arg, n);
    name[n] = '\0';
    return mp_ctx_add_param(cli->ctx, name, eq + 1) == MP_OK ? EXIT_OK : EXIT_INTERNAL;
}

static int apply_core_option(struct cli *cli, const struct core_option *o, const char *value)
{
    switch (o->id) {
    case OPT_PLUGIN: return EXIT_OK; /* loaded in pass 1 */
    case OPT_FILE: cli->file = value; return EXIT_OK;
    case OPT_FORMAT: cli->format = value; return EXIT_OK;
    case OPT_OUTPUT: cli->output = value; return EXIT_OK;
    case OPT_PARAM: return set_param(cli, value);
    case OPT_STAMP: cli->stamp = true; return EXIT_OK;
    case OPT_VERBOSE: cli->verbose = true; return EXIT_OK;
    case OPT_HELP: cli->help = true; return EXIT_OK;
    case OPT_VERSION: cli->version = true; return EXIT_OK;
    }
    return EXIT_INTERNAL;
}

/* The command word decides which plugin's command options are valid after it. A command that
 * one loaded plugin provides is that plugin's; where several or none do, the default plugin
 * for the word (see default_plugin_for) is taken, loaded if need be. */
static int set_command(struct cli *cli, const char *word, int argc, char **argv,
                       struct mp_error *err)
{
    cli->command = word;
    if (is_core_command(word))
        return EXIT_OK;
    const struct mp_plugin *owner = NULL;
    size_t providers = 0;
    for (size_t i = 0; i < mp_plugin_count(); i++)
        if (plugin_command(mp_plugin_at(i), word)) {
            if (!providers++)
                owner = mp_plugin_at(i);
        }
    const char *preferred = providers == 1 ? NULL : default_plugin_for(word, argc, argv);
    if (preferred) {
        struct mp_plugin *pl = mp_plugin_find(preferred);
        if (!pl) {
            int rc = mp_plugin_load(preferred, MP_PLUGIN_OUTPUT, &pl, err);
            if (rc != MP_OK)
                return fail(rc, err);
        }
        if (plugin_command(pl, word))
            owner = pl;
    }
    if (!owner)
        return usage_error("unknown command '%s'", word);
    cli->command_plugin = owner;
    return EXIT_OK;
}

/* Pass 1 (after the --plugin loads): find the command word, so that the plugin that owns it
 * is loaded before the options are parsed and its options may come before the word
 * (`mnistpipe --host URL run`). Option values of known options are skipped; an unknown
 * option's value is passed over unless it is itself a command's name. */
static bool is_command_name(const char *word)
{
    if (is_core_command(word))
        return true;
    for (const struct default_plugin *d = default_plugins; d->command; d++)
        if (strcmp(d->command, word) == 0)
            return true;
    for (size_t i = 0; i < mp_plugin_count(); i++)
        if (plugin_command(mp_plugin_at(i), word))
            return true;
    return false;
}

/* Any option a loaded plugin declares, for itself or for one of its commands. */
static const struct mp_plugin_option *find_plugin_option_any(const char *name, size_t len)
{
    for (size_t i = 0; i < mp_plugin_count(); i++) {
        const struct mp_plugin *pl = mp_plugin_at(i);
        const struct mp_plugin_option *o = find_in_table(mp_plugin_options(pl), name, len);
        for (const struct mp_plugin_command *c = mp_plugin_commands(pl); !o && c && c->name; c++)
            o = find_in_table(c->options, name, len);
        if (o)
            return o;
    }
    return NULL;
}

static const char *find_command_word(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0)
            return i + 1 < argc ? argv[i + 1] : NULL;
        if (a[0] != '-' || a[1] == '\0') {
            if (is_command_name(a))
                return a;
            continue;
        }
        if (a[1] != '-') {
            const struct core_option *o = find_core_short(a[1]);
            if (o && o->has_arg && !a[2])
                i++;
            continue;
        }
        const char *name = a + 2, *eq = strchr(name, '=');
        if (eq)
            continue;
        const struct core_option *co = find_core_long(name, strlen(name));
        const struct mp_plugin_option *po = co ? NULL : find_plugin_option_any(name, strlen(name));
        if ((co && co->has_arg) || (po && po->metavar))
            i++;
    }
    return NULL;
}

static int parse_args(struct cli *cli, int argc, char **argv, struct mp_error *err)
{
    bool options_done = false, command_seen = false;
    const char *word = find_command_word(argc, argv);
    if (word) {
        int code = set_command(cli, word, argc, argv, err);
        if (code != EXIT_OK)
            return code;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (options_done || a[0] != '-' || a[1] == '\0') {
            if (!command_seen) {
                if (!cli->command || strcmp(a, cli->command) != 0)
                    return usage_error("unknown command '%s'", a);
                command_seen = true;
            } else if (mp_ctx_add_arg(cli->ctx, a) != MP_OK) {
                return EXIT_INTERNAL;
            }
            continue;
        }
        if (strcmp(a, "--") == 0) {
            options_done = true;
            continue;
        }
        if (a[1] != '-') { /* short options: -o FILE, -oFILE, -p N=V, -v, -h */
            const struct core_option *o = find_core_short(a[1]);
            if (!o)
                return usage_error("unknown option '%s'", a);
            const char *value = NULL;
            if (o->has_arg) {
                if (a[2])
                    value = a + 2;
                else if (i + 1 < argc)
                    value = argv[++i];
                else
                    return usage_error("option %s needs a value", a);
            } else if (a[2]) {
                return usage_error("unknown option '%s'", a);
            }
            int code = apply_core_option(cli, o, value);
            if (code != EXIT_OK)
                return code;
            continue;
        }
        const char *name = a + 2;
        const char *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        const struct core_option *co = find_core_long(name, len);
        const struct mp_plugin_option *po = co ? NULL : find_plugin_option(cli, name, len);
        if (!co && !po)
            return usage_error("unknown option '%s' (plugin options need their --plugin)", a);
        bool has_arg = co ? co->has_arg : po->metavar != NULL;
        const char *value = NULL;
        if (has_arg) {
            if (eq)
                value = eq + 1;
            else if (i + 1 < argc)
                value = argv[++i];
            else
                return usage_error("option %s needs a value", a);
        } else if (eq) {
            return usage_error("option '%s' takes no value", a);
        }
        if (co) {
            int code = apply_core_option(cli, co, value);
            if (code != EXIT_OK)
                return code;
        } else if (mp_ctx_set_option(cli->ctx, po->name, value ? value : "") != MP_OK) {
            return EXIT_INTERNAL;
        }
    }
    return EXIT_OK;
}

static int run(int argc, char **argv, struct mp_error *err)
{
    struct cli cli = {0};
    int code = load_plugins(argc, argv, err);
    if (code != EXIT_OK)
        return code;
    cli.ctx = mp_ctx_new(print_cb, NULL);
    if (!cli.ctx)
        return EXIT_INTERNAL;
    mp_ctx_set_tty(cli.ctx, isatty(STDOUT_FILENO));
    code = parse_args(&cli, argc, argv, err);
    if (code != EXIT_OK)
        goto out;
    mp_ctx_set_verbose(cli.ctx, cli.verbose);
    if (cli.version) {
        printf("mnistpipe %s (plugin ABI %d.%d)\n", mp_version(), MP_PLUGIN_ABI_MAJOR,
               MP_PLUGIN_ABI_MINOR);
        goto out;
    }
    if (cli.help || (cli.command && strcmp(cli.command, "help") == 0)) {
        print_help();
        goto out;
    }
    if (!cli.command) {
        code = usage_error("no command given");
        goto out;
    }
    if (strcmp(cli.command, "compile") == 0) {
        code = cmd_compile(&cli, err);
    } else if (strcmp(cli.command, "lint") == 0) {
        code = cmd_lint(&cli, err);
    } else if (strcmp(cli.command, "graph") == 0) {
        code = cmd_graph(&cli, err);
    } else if (strcmp(cli.command, "plugins") == 0) {
        code = cmd_plugins(&cli);
    } else {
        struct mp_pipeline *p = NULL;
        const struct mp_plugin_command *c = NULL;
        const struct mp_plugin *owner = cli.command_plugin;
        for (c = mp_plugin_commands(owner); c->name && strcmp(c->name, cli.command); c++)
            ;
        int rc = MP_OK;
        if (c->needs_pipeline) {
            if ((rc = load_pipeline(cli.file, &p, err)) == MP_OK)
                rc = mp_compile(p, cli.ctx, err);
        }
        if (rc == MP_OK)
            rc = mp_plugin_run_command(owner, cli.command, p, cli.ctx, err);
        mp_pipeline_free(p);
        code = rc == MP_OK ? EXIT_OK : fail(rc, err);
    }
out:
    mp_ctx_free(cli.ctx);
    return code;
}

int main(int argc, char **argv)
{
    struct mp_error *err = mp_error_new();
    if (!err) {
        fputs("mnistpipe: out of memory\n", stderr);
        return EXIT_INTERNAL;
    }
    int code = run(argc, argv, err);
    mp_plugins_unload_all();
    mp_error_free(err);
    if (fflush(stdout) != 0 && code == EXIT_OK) {
        fprintf(stderr, "mnistpipe: writing to standard output: %s\n", strerror(errno));
        code = EXIT_IO;
    }
    return code;
}
