/* SPDX-License-Identifier: MIT */
/* plugin_loader.c: search path, path safety, dlopen/dlsym, ABI/name/kind checks, registry. */
#include "config.h"

#include "plugin_loader.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef MP_PLUGINDIR
#error "MP_PLUGINDIR must be defined on this file's compile line"
#endif

#define PLUGIN_MAGIC 0x504c5547u
#define MAX_PLUGINS 64

/* Options of the mnistpipe command itself, which no plugin may take. */
static const char *const reserved_options[] = {
    "plugin", "help", "version", "verbose", "file", "output", "param", "param-file", "stamp",
    "quiet", "format", NULL};

/* The registry: the library's one mutable global, filled from one thread (see host.h). */
static struct mp_plugin *registry[MAX_PLUGINS];
static size_t registry_count;

static const struct mp_plugin *plugin_check(const struct mp_plugin *pl)
{
    return (pl && pl->magic == PLUGIN_MAGIC) ? pl : NULL;
}

const char *mp_plugin_dir(void)
{
    return MP_PLUGINDIR;
}

int mpi_plugin_path_safe(const char *path, struct mp_error *err)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return mp_error_set(err, errno == ENOENT ? MP_ERR_NOTFOUND : MP_ERR_PLUGIN,
                            "plugin file %s: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return mp_error_set(err, MP_ERR_PLUGIN, "plugin file %s: not a regular file", path);
    if (st.st_mode & S_IWOTH)
        return mp_error_set(err, MP_ERR_PLUGIN,
                            "plugin file %s: refusing a world-writable file", path);
    char *dir = strdup(path);
    if (!dir)
        return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
    char *slash = strrchr(dir, '/');
    if (slash == dir)
        slash[1] = '\0';
    else if (slash)
        *slash = '\0';
    else
        dir[0] = '.', dir[1] = '\0';
    int rc = MP_OK;
    if (stat(dir, &st) != 0)
        rc = mp_error_set(err, MP_ERR_PLUGIN, "plugin directory %s: %s", dir, strerror(errno));
    else if (st.st_mode & S_IWOTH)
        rc = mp_error_set(err, MP_ERR_PLUGIN,
                          "plugin file %s: refusing a plugin in the world-writable directory %s",
                          path, dir);
    free(dir);
    return rc;
}

/* "/x/y/gcp.so" -> "gcp" (into @out). */
static void base_name(const char *path, char *out, size_t cap)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    size_t n = strlen(b);
    if (n > 3 && strcmp(b + n - 3, ".so") == 0)
        n -= 3;
    if (n >= cap)
        n = cap - 1;
    memcpy(out, b, n);
    out[n] = '\0';
}

static bool file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Each directory of the search path, in order; stops when @fn returns false. */
static void each_dir(bool (*fn)(void *user, const char *dir, size_t len), void *user)
{
    const char *env = secure_getenv("MNISTPIPE_PLUGIN_PATH");
    if (env) {
        const char *p = env;
        for (;;) {
            const char *c = strchr(p, ':');
            size_t len = c ? (size_t)(c - p) : strlen(p);
            /* An empty entry would mean the current directory, and a relative one a
             * directory under it: search absolute directories only. */
            if (len && p[0] == '/' && !fn(user, p, len))
                return;
            if (!c)
                break;
            p = c + 1;
        }
    }
    fn(user, MP_PLUGINDIR, strlen(MP_PLUGINDIR));
}

struct find {
    const char *name;
    char *found;
    struct mp_buf *tried;
};

static bool find_in_dir(void *user, const char *dir, size_t len)
{
    struct find *f = user;
    size_t n = len + strlen(f->name) + 8;
    char *path = malloc(n);
    if (!path)
        return false;
    snprintf(path, n, "%.*s/%s.so", (int)len, dir, f->name);
    if (file_exists(path)) {
        f->found = path;
        return false;
    }
    mp_buf_printf(f->tried, "%s%.*s", mp_buf_len(f->tried) ? ", " : "", (int)len, dir);
    free(path);
    return true;
}

static bool name_ok(const char *name)
{
    if (!*name || strlen(name) > 64)
        return false;
    for (const char *c = name; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-' || *c == '_'))
            return false;
    return true;
}

static int locate(const char *name_or_path, char **out, struct mp_error *err)
{
    if (strchr(name_or_path, '/')) {
        char *p = strdup(name_or_path);
        if (!p)
            return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
        *out = p;
        return MP_OK;
    }
    if (!name_ok(name_or_path))
        return mp_error_set(err, MP_ERR_NOTFOUND,
                            "plugin '%s': not a plugin name (expected lower-case letters, "
                            "digits, '-' or '_')",
                            name_or_path);
    struct mp_buf *tried = mp_buf_new();
    if (!tried)
        return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
    struct find f = {.name = name_or_path, .tried = tried};
    each_dir(find_in_dir, &f);
    int rc = MP_OK;
    if (f.found)
        *out = f.found;
    else
        rc = mp_error_set(err, MP_ERR_NOTFOUND,
                          "plugin '%s': no %s.so in the plugin path (searched: %s; set "
                          "MNISTPIPE_PLUGIN_PATH or give a path)",
                          name_or_path, name_or_path, mp_buf_data(tried));
    mp_buf_free(tried);
    return rc;
}

static bool option_taken(const char *name, const struct mp_plugin **owner)
{
    for (const char *const *r = reserved_options; *r; r++)
        if (strcmp(*r, name) == 0) {
            *owner = NULL;
            return true;
        }
    for (size_t i = 0; i < registry_count; i++) {
        const struct mp_plugin_option *o = registry[i]->desc->options;
        for (; o && o->name; o++)
            if (strcmp(o->name, name) == 0) {
                *owner = registry[i];
                return true;
            }
    }
    return false;
}

/* The checks of STYLE.md §1.4, in order, once dlopen and dlsym have succeeded. */
static int check_desc(const struct mp_plugin_desc *d, const char *path, int kind,
                      struct mp_plugin *pl, struct mp_error *err)
{
    char base[80];
    base_name(path, base, sizeof(base));
    if (!d)
        return mp_error_set(err, MP_ERR_PLUGIN, "plugin %s: %s() returned no descriptor", path,
                            MP_PLUGIN_ENTRY);
    if (d->abi_major != MP_PLUGIN_ABI_MAJOR || d->abi_minor > MP_PLUGIN_ABI_MINOR)
        return mp_error_set(err, MP_ERR_ABI,
                            "plugin '%s' (%s): built for plugin ABI %u.%u, this mnistpipe "
                            "provides %u.%u",
                            base, path, d->abi_major, d->abi_minor, MP_PLUGIN_ABI_MAJOR,
                            MP_PLUGIN_ABI_MINOR);
    if (!d->name || strcmp(d->name, base) != 0)
        return mp_error_set(err, MP_ERR_PLUGIN,
                            "plugin %s: calls itself '%s', but a plugin's name must equal its "
                            "file name ('%s')",
                            path, d->name ? d->name : "(null)", base);
    if (d->kind != MP_PLUGIN_PLATFORM && d->kind != MP_PLUGIN_OUTPUT)
        return mp_error_set(err, MP_ERR_PLUGIN, "plugin '%s' (%s): unknown kind %d", base, path,
                            (int)d->kind);
    if (kind && (int)d->kind != kind)
        return mp_error_set(err, MP_ERR_PLUGIN,
                            "plugin '%s' (%s): is a%s plugin, but a%s plugin is needed here",
                            base, path, d->kind == MP_PLUGIN_PLATFORM ? " platform" : "n output",
                            kind == MP_PLUGIN_PLATFORM ? " platform" : "n output");
    if (d->kind == MP_PLUGIN_PLATFORM) {
        const struct mp_platform_ops *ops = d->platform;
        size_t min = offsetof(struct mp_platform_ops, transform) + sizeof(ops->transform);
        if (!ops)
            return mp_error_set(err, MP_ERR_PLUGIN, "plugin '%s' (%s): no platform ops table",
                                base, path);
        if (ops->size < min)
            return mp_error_set(err, MP_ERR_PLUGIN,
                                "plugin '%s' (%s): platform ops table is %zu bytes, at least "
                                "%zu expected",
                                base, path, ops->size, min);
        memcpy(&pl->platform, ops,
               ops->size < sizeof(pl->platform) ? ops->size : sizeof(pl->platform));
        if (!pl->platform.transform)
            return mp_error_set(err, MP_ERR_PLUGIN, "plugin '%s' (%s): no transform op", base,
                                path);
    } else {
        const struct mp_output_ops *ops = d->output;
        size_t min = offsetof(struct mp_output_ops, command) + sizeof(ops->command);
        if (!ops)
            return mp_error_set(err, MP_ERR_PLUGIN, "plugin '%s' (%s): no output ops table",
                                base, path);
        if (ops->size < min)
            return mp_error_set(err, MP_ERR_PLUGIN,
                                "plugin '%s' (%s): output ops table is %zu bytes, at least %zu "
                                "expected",
                                base, path, ops->size, min);
        memcpy(&pl->output, ops, ops->size < sizeof(pl->output) ? ops->size : sizeof(pl->output));
        if (!pl->output.emit)
            return mp_error_set(err, MP_ERR_PLUGIN, "plugin '%s' (%s): no emit op", base, path);
        if (pl->output.commands && !pl->output.command)
            return mp_error_set(err, MP_ERR_PLUGIN,
                                "plugin '%s' (%s): lists commands but has no command op", base,
                                path);
    }
    for (const struct mp_plugin_option *o = d->options; o && o->name; o++) {
        const struct mp_plugin *owner;
        if (option_taken(o->name, &owner))
            return mp_error_set(err, MP_ERR_PLUGIN,
                                "plugin '%s' (%s): option --%s is already taken by %s%s%s", base,
                                path, o->name, owner ? "plugin '" : "mnistpipe itself",
                                owner ? owner->desc->name : "", owner ? "'" : "");
    }
    return MP_OK;
}

int mp_plugin_load(const char *name_or_path, int kind, struct mp_plugin **out,
                   struct mp_error *err)
{
    if (!name_or_path || !*name_or_path)
        return mp_error_set(err, MP_ERR_INVAL, "no plugin name given");
    char *path = NULL;
    struct mp_plugin *pl = NULL;
    int rc = locate(name_or_path, &path, err);
    if (rc != MP_OK)
        return rc;

    char base[80];
    base_name(path, base, sizeof(base));
    for (size_t i = 0; i < registry_count; i++)
        if (strcmp(registry[i]->desc->name, base) == 0) {
            if (strchr(name_or_path, '/') && strcmp(registry[i]->path, path) != 0) {
                rc = mp_error_set(err, MP_ERR_PLUGIN,
                                  "plugin %s: a plugin named '%s' is already loaded from %s",
                                  path, base, registry[i]->path);
                goto free_path;
            }
            if (kind && (int)registry[i]->desc->kind != kind) {
                rc = mp_error_set(err, MP_ERR_PLUGIN, "plugin '%s' (%s): wrong kind for this use",
                                  base, registry[i]->path);
                goto free_path;
            }
            *out = registry[i];
            free(path);
            return MP_OK;
        }
    if (registry_count == MAX_PLUGINS) {
        rc = mp_error_set(err, MP_ERR_PLUGIN, "plugin %s: too many plugins (%d)", path,
                          MAX_PLUGINS);
        goto free_path;
    }
    if ((rc = mpi_plugin_path_safe(path, err)) != MP_OK)
        goto free_path;

    pl = calloc(1, sizeof(*pl));
    if (!pl) {
        rc = mp_error_set(err, MP_ERR_NOMEM, "out of memory");
        goto free_path;
    }
    pl->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!pl->handle) {
        const char *why = dlerror();
        rc = mp_error_set(err, MP_ERR_PLUGIN, "plugin %s: cannot load: %s", path,
                          why ? why : "unknown reason");
        goto free_pl;
    }
    dlerror();
    mp_plugin_describe_fn describe;
    *(void **)&describe = dlsym(pl->handle, MP_PLUGIN_ENTRY);
    if (!describe) {
        rc = mp_error_set(err, MP_ERR_PLUGIN,
                          "plugin %s: no entry symbol %s() (is it an mnistpipe plugin?)", path,
                          MP_PLUGIN_ENTRY);
        goto close;
    }
    pl->desc = describe();
    if ((rc = check_desc(pl->desc, path, kind, pl, err)) != MP_OK)
        goto close;
    int (*init)(struct mp_error *) =
        pl->desc->kind == MP_PLUGIN_PLATFORM ? pl->platform.init : pl->output.init;
    if (init && (rc = init(err)) != MP_OK) {
        mp_error_prefix(err, "plugin '%s' (%s): init", base, path);
        goto close;
    }
    pl->magic = PLUGIN_MAGIC;
    pl->path = path;
    registry[registry_count++] = pl;
    *out = pl;
    return MP_OK;
close:
    dlclose(pl->handle);
free_pl:
    free(pl);
free_path:
    free(path);
    return rc;
}

/* Under AddressSanitizer the plugins stay mapped: LeakSanitizer's exit-time scan walks each
 * thread's dynamic TLS vector, which still points into the TLS blocks of unloaded libraries
 * (a plugin's libcurl and its TLS libraries), and crashes there; unloaded code would also
 * leave leak reports without symbols. fini() still runs. */
static void plugin_dlclose(void *handle)
{
#if defined(__SANITIZE_ADDRESS__)
    (void)handle;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
    (void)handle;
#else
    dlclose(handle);
#endif
#else
    dlclose(handle);
#endif
}

void mp_plugins_unload_all(void)
{
    while (registry_count) {
        struct mp_plugin *pl = registry[--registry_count];
        void (*fini)(void) =
            pl->desc->kind == MP_PLUGIN_PLATFORM ? pl->platform.fini : pl->output.fini;
        if (fini)
            fini();
        plugin_dlclose(pl->handle);
        free(pl->path);
        pl->magic = 0;
        free(pl);
    }
}

size_t mp_plugin_count(void)
{
    return registry_count;
}

struct mp_plugin *mp_plugin_at(size_t i)
{
    return i < registry_count ? registry[i] : NULL;
}

struct mp_plugin *mp_plugin_find(const char *name)
{
    for (size_t i = 0; name && i < registry_count; i++)
        if (strcmp(registry[i]->desc->name, name) == 0)
            return registry[i];
    return NULL;
}

const char *mp_plugin_name(const struct mp_plugin *pl)
{
    return plugin_check(pl) ? pl->desc->name : NULL;
}

const char *mp_plugin_path(const struct mp_plugin *pl)
{
    return plugin_check(pl) ? pl->path : NULL;
}

const char *mp_plugin_version(const struct mp_plugin *pl)
{
    return plugin_check(pl) ? (pl->desc->version ? pl->desc->version : "") : NULL;
}

const char *mp_plugin_summary(const struct mp_plugin *pl)
{
    return plugin_check(pl) ? (pl->desc->summary ? pl->desc->summary : "") : NULL;
}

int mp_plugin_kind(const struct mp_plugin *pl)
{
    return plugin_check(pl) ? (int)pl->desc->kind : 0;
}

unsigned mp_plugin_abi_major(const struct mp_plugin *pl)
{
    return plugin_check(pl) ? pl->desc->abi_major : 0;
}

unsigned mp_plugin_abi_minor(const struct mp_plugin *pl)
{
    return plugin_check(pl) ? pl->desc->abi_minor : 0;
}

static const struct mp_plugin_option no_options[1];
static const struct mp_plugin_command no_commands[1];

const struct mp_plugin_option *mp_plugin_options(const struct mp_plugin *pl)
{
    return (plugin_check(pl) && pl->desc->options) ? pl->desc->options : no_options;
}

const struct mp_plugin_command *mp_plugin_commands(const struct mp_plugin *pl)
{
    return (plugin_check(pl) && pl->desc->kind == MP_PLUGIN_OUTPUT && pl->output.commands)
               ? pl->output.commands
               : no_commands;
}

const char *mp_plugin_default_output(const struct mp_plugin *pl)
{
    return (plugin_check(pl) && pl->desc->kind == MP_PLUGIN_OUTPUT) ? pl->output.default_output
                                                                    : NULL;
}

/* ---- discovery ---- */

struct discover {
    mp_plugin_found_fn fn;
    void *user;
    char **seen;
    size_t nseen;
    int rc;
};

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool seen_before(struct discover *d, const char *name)
{
    for (size_t i = 0; i < d->nseen; i++)
        if (strcmp(d->seen[i], name) == 0)
            return true;
    return false;
}

static bool discover_dir(void *user, const char *dir, size_t len)
{
    struct discover *d = user;
    char *dpath = strndup(dir, len);
    if (!dpath)
        return false;
    DIR *dh = opendir(dpath);
    if (!dh) {
        free(dpath);
        return true;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(dh)) != NULL) {
        size_t l = strlen(de->d_name);
        if (l <= 3 || strcmp(de->d_name + l - 3, ".so") != 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            char **nn = realloc(names, cap * sizeof(*nn));
            if (!nn)
                break;
            names = nn;
        }
        names[n] = strndup(de->d_name, l - 3);
        if (names[n])
            n++;
    }
    closedir(dh);
    if (n)
        qsort(names, n, sizeof(*names), cmp_names);
    for (size_t i = 0; i < n; i++) {
        if (d->rc == MP_OK && !seen_before(d, names[i])) {
            size_t plen = len + strlen(names[i]) + 8;
            char *path = malloc(plen);
            char **ns = realloc(d->seen, (d->nseen + 1) * sizeof(*ns));
            if (path && ns) {
                d->seen = ns;
                d->seen[d->nseen++] = names[i];
                snprintf(path, plen, "%s/%s.so", dpath, names[i]);
                d->rc = d->fn(d->user, names[i], path);
                names[i] = NULL;
            } else if (ns) {
                d->seen = ns;
            }
            free(path);
        }
        free(names[i]);
    }
    free(names);
    free(dpath);
    return d->rc == MP_OK;
}

int mp_plugin_discover(mp_plugin_found_fn fn, void *user)
{
    if (!fn)
        return MP_ERR_INVAL;
    struct discover d = {.fn = fn, .user = user};
    each_dir(discover_dir, &d);
    for (size_t i = 0; i < d.nseen; i++)
        free(d.seen[i]);
    free(d.seen);
    return d.rc;
}
