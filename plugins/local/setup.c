/* SPDX-License-Identifier: MIT */
/* setup.c: `mnistpipe run` locally: the pipeline's ops become steps (program, arguments with
 * parameters rendered, volumes, ports), then the runner executes them. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "local.h"
#include "setup.h"

struct lr_setup {
    struct lr_run *run;
    const struct mp_pipeline *p;
    const struct mp_plugin_ctx *ctx;
    const struct lr_step *step; /* the step being rendered */
    bool noted_default;
    struct lr_step plan_step; /* stands for a loop's steps while its list is rendered */
    const struct lr_iter *path; /* the items of the loops around what is rendered */
    size_t depth;
};

/* One step to be: an op, and for an op in parallelFor groups, one item of each (the
 * innermost loop, iteration and item repeated for the runner). */
struct lr_plan {
    size_t op;
    const struct mp_group *loop;
    int iteration;
    json_t *item;
    bool tmpl; /* a loop over another step's output: stands for its iterations */
    struct lr_iter *path; /* outermost loop first; NULL outside loops */
    size_t depth;
};

static long opt_long(const struct mp_plugin_ctx *ctx, const char *name, long def, long min,
                     long max, struct mp_error *err, int *rc)
{
    const char *v = mp_ctx_option(ctx, name);
    if (!v || !*v)
        return def;
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || *end || n < min || n > max)
        *rc = mp_error_set(err, MP_ERR_USAGE, "--%s '%s': expected a number from %ld to %ld",
                           name, v, min, max);
    return n;
}

static int push(char ***vec, size_t *n, const char *s, struct mp_error *err)
{
    char **v = realloc(*vec, (*n + 2) * sizeof(*v));
    if (!v)
        return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
    *vec = v;
    if (!(v[*n] = strdup(s)))
        return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
    v[++*n] = NULL;
    return MP_OK;
}

static void free_vec(char **v)
{
    for (char **a = v; a && *a; a++)
        free(*a);
    free(v);
}

static const char *param_given(const struct mp_plugin_ctx *ctx, const char *name)
{
    const char *v = NULL;
    for (size_t i = 0; i < mp_ctx_param_count(ctx); i++)
        if (strcmp(mp_ctx_param_name(ctx, i), name) == 0)
            v = mp_ctx_param_value(ctx, i);
    return v;
}

/* {{params.X}}: the -p value, else the default. Cloud paths cannot work here: a given one is
 * an error; a default one becomes a local path (on the step's PVC when it has one). */
static int render_param(void *user, const char *name, struct mp_buf *out, struct mp_error *err)
{
    struct lr_setup *su = user;
    const char *given = param_given(su->ctx, name);
    const struct mp_param *param = mp_pipeline_find_param(su->p, name);
    if (!given && !param)
        return mp_error_set(err, MP_ERR_VALIDATE, "step '%s': no parameter '%s'",
                            su->step->name, name);
    const char *v = given ? given : mp_param_default(param);
    bool cloud = strncmp(v, "gs://", 5) == 0 || strncmp(v, "s3://", 5) == 0;
    if (!cloud)
        return mp_buf_puts(out, v);
    if (given)
        return mp_error_set(err, MP_ERR_UNSUPPORTED,
                            "-p %s=%s: %.5s paths are not supported by the local runner; give "
                            "a local path, e.g. -p %s=/mnt/export with --plugin onprem --pvc NAME",
                            name, v, v, name);
    const char *base = strrchr(v, '/');
    base = (base && base[1]) ? base + 1 : name;
    int rc = su->step->mount_path
                 ? mp_buf_printf(out, "%s/%s", su->step->mount_path, base)
                 : mp_buf_printf(out, "%s/%s", su->run->dir, base);
    if (!su->noted_default) {
        su->noted_default = true;
        mp_ctx_warn(su->ctx, "parameter %s defaults to %s, which the local runner cannot use; "
                    "using %s/%s (give -p %s=DIR to choose)", name, v,
                    su->step->mount_path ? su->step->mount_path : su->run->dir, base, name);
    }
    return rc;
}

/* A loop item as Argo substitutes it: a string as it is, anything else as JSON. */
static int put_item(struct mp_buf *b, json_t *v)
{
    if (json_is_string(v))
        return mp_buf_append(b, json_string_value(v), json_string_length(v));
    char *text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    if (!text)
        return MP_ERR_NOMEM;
    int rc = mp_buf_puts(b, text);
    free(text);
    return rc;
}

/* The item of the innermost loop around what is rendered (@name NULL), or of the enclosing
 * loop named [@name, @name + @len); NULL when there is none. */
static json_t *loop_item(const struct lr_setup *su, const char *name, size_t len)
{
    for (size_t i = su->depth; i-- > 0;) {
        const char *n = mp_group_name(su->path[i].loop);
        if (!name || (n && strlen(n) == len && !strncmp(n, name, len)))
            return su->path[i].item;
    }
    return NULL;
}

/* {{item}}, {{item.KEY}}, {{loops.LOOP.item}} and {{loops.LOOP.item.KEY}} in @s, from the
 * items of the loops around the step. */
static int render_items(struct lr_setup *su, const char *s, struct mp_buf *b, struct mp_error *err)
{
    const char *p = s, *q;
    int rc = MP_OK;
    while (rc == MP_OK && (q = strstr(p, "{{")) != NULL) {
        const char *k = q + 2, *loop = NULL;
        size_t llen = 0;
        if (!strncmp(k, "loops.", 6)) {
            loop = k += 6;
            while ((*k >= 'a' && *k <= 'z') || (*k >= '0' && *k <= '9') || *k == '-')
                k++;
            llen = (size_t)(k - loop);
            k = llen && *k == '.' ? k + 1 : "";
        }
        const char *e = k;
        if (strncmp(k, "item", 4) != 0) {
            k = e = "";
        } else if (*(e = k += 4) == '.') {
            for (e = ++k; *e && *e != '}' && *e != '{' && *e != ' ' && *e != '.'; e++)
                ;
        }
        if (!*e || e[0] != '}' || e[1] != '}' || (k[-1] == '.' && e == k)) {
            rc = mp_buf_append(b, p, (size_t)(q + 2 - p));
            p = q + 2;
            continue;
        }
        rc = mp_buf_append(b, p, (size_t)(q - p));
        json_t *item = loop_item(su, loop, llen), *v = item;
        if (!item)
            return mp_error_set(err, MP_ERR_VALIDATE, "step '%s': no parallelFor %s%.*s%s "
                                "around it (%.*s)", su->step->name, loop ? "named '" : "",
                                (int)llen, loop ? loop : "", loop ? "'" : "",
                                (int)(e + 2 - q), q);
        if (k[-1] == '.') {
            char key[256];
            snprintf(key, sizeof(key), "%.*s", (int)(e - k), k);
            v = json_is_object(item) ? json_object_get(item, key) : NULL;
            if (!v)
                return mp_error_set(err, MP_ERR_VALIDATE, "step '%s': its loop item has no key "
                                    "'%s' (%.*s)", su->step->name, key, (int)(e + 2 - q), q);
        }
        if (rc == MP_OK)
            rc = put_item(b, v);
        p = e + 2;
    }
    if (rc == MP_OK)
        rc = mp_buf_puts(b, p);
    return rc == MP_OK ? MP_OK : mp_error_set(err, rc, "out of memory");
}

static int render(struct lr_setup *su, const char *s, char **out, struct mp_error *err)
{
    struct mp_buf *b = mp_buf_new(), *c = NULL;
    if (!b)
        return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
    int rc = mp_render(s, render_param, su, b, err);
    if (rc == MP_OK && su->step && su->depth) {
        if (!(c = mp_buf_new()))
            rc = mp_error_set(err, MP_ERR_NOMEM, "out of memory");
        else if ((rc = render_items(su, mp_buf_data(b), c, err)) == MP_OK) {
            mp_buf_free(b);
            b = c;
            c = NULL;
        }
    }
    if (rc == MP_OK && !(*out = strdup(mp_buf_data(b))))
        rc = mp_error_set(err, MP_ERR_NOMEM, "out of memory");
    mp_buf_free(b);
    mp_buf_free(c);
    return rc;
}

/* Without a mount namespace, "/mnt/x" in an argument becomes "<claim dir>/x". */
static int add_arg(struct lr_setup *su, struct lr_step *s, size_t *n, const char *arg,
                   struct mp_error *err)
{
    size_t ml = s->mount_path ? strlen(s->mount_path) : 0;
    char *rw = NULL;
    int rc = lr_paths_rewrite(mp_pipeline_op_at(su->p, s->op), s, arg, &rw, err);
    if (rc != MP_OK)
        return rc;
    if (rw)
        rc = push(&s->argv, n, rw, err);
    else if (s->claim_dir && !s->use_ns && strncmp(arg, s->mount_path, ml) == 0 &&
        (arg[ml] == '\0' || arg[ml] == '/')) {
        char buf[4096];
        snprintf(buf, sizeof(buf), "%s%s", s->claim_dir, arg + ml);
        rc = push(&s->argv, n, buf, err);
    } else {
        rc = push(&s->argv, n, arg, err);
    }
    free(rw);
    return rc;
}

static int setup_volumes(struct lr_setup *su, struct lr_step *s, const struct mp_op *op,
                         const char *root, struct mp_error *err)
{
    int rc = MP_OK;
    for (size_t m = 0; m < mp_op_volume_mount_count(op); m++) {
        const char *vol = mp_op_volume_mount_volume(op, m);
        for (size_t v = 0; v < mp_op_volume_count(op); v++) {
            if (strcmp(mp_op_volume_name(op, v), vol) != 0)
                continue;
            if (mp_op_volume_kind(op, v) != MP_VOLUME_PVC || s->claim_dir)
                continue;
            char *claim = NULL, dir[4096];
            if ((rc = render(su, mp_op_volume_source(op, v), &claim, err)) != MP_OK)
                return rc;
            if (!*claim || strchr(claim, '/') || strcmp(claim, "..") == 0) {
                rc = mp_error_set(err, MP_ERR_VALIDATE, "step '%s': bad claim name '%s'",
                                  s->name, claim);
                free(claim);
                return rc;
            }
            int dl = snprintf(dir, sizeof(dir), "%s/claims/%s", root, claim);
            free(claim);
            if (dl < 0 || (size_t)dl >= sizeof(dir))
                return mp_error_set(err, MP_ERR_IO, "step '%s': claim path too long", s->name);
            if ((rc = lr_mkdirs(dir, err)) != MP_OK)
                return rc;
            if (!(s->claim_dir = strdup(dir)) ||
                !(s->mount_path = strdup(mp_op_volume_mount_path(op, m))))
                return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
            /* A bind mount needs its target to exist on this machine. */
            struct stat sb;
            s->use_ns = su->run->use_ns && stat(s->mount_path, &sb) == 0 && S_ISDIR(sb.st_mode);
        }
    }
    return rc;
}

static int setup_env(struct lr_setup *su, struct lr_step *s, const struct mp_op *op,
                     struct mp_error *err)
{
    size_t n = 0;
    const char *creds = mp_ctx_option(su->ctx, "gcp-credentials");
    int rc = MP_OK;
    for (size_t i = 0; i < mp_op_env_count(op) && rc == MP_OK; i++) {
        const char *name = mp_op_env_name(op, i);
        const char *value = mp_op_env_value(op, i);
        char *v = NULL, buf[4096], abs[PATH_MAX];
        if (!value || mp_op_env_secret(op, i)) {
            mp_ctx_warn(su->ctx, "step '%s': env %s comes from a Kubernetes secret; not set "
                        "locally", s->name, name);
            continue;
        }
        if (strcmp(name, "GOOGLE_APPLICATION_CREDENTIALS") == 0) {
            if (!creds || !*creds) {
                mp_ctx_warn(su->ctx, "step '%s': the GCP secret is not available locally; "
                            "give --gcp-credentials FILE to use one", s->name);
                continue;
            }
            /* The secret's key file becomes this file, by absolute path. */
            if (!realpath(creds, abs) || access(abs, R_OK) != 0)
                return mp_error_set(err, MP_ERR_IO, "--gcp-credentials %s: %s", creds,
                                    strerror(errno));
            value = abs;
        }
        if ((rc = render(su, value, &v, err)) != MP_OK)
            break;
        char *rw = NULL;
        if ((rc = lr_paths_rewrite(op, s, v, &rw, err)) != MP_OK) {
            free(v);
            break;
        }
        snprintf(buf, sizeof(buf), "%s=%s", name, rw ? rw : v);
        free(rw);
        free(v);
        rc = push(&s->env, &n, buf, err);
    }
    return rc;
}

static int setup_args(struct lr_setup *su, struct lr_step *s, const struct mp_op *op,
                      struct mp_error *err)
{
    const struct mp_plugin_ctx *ctx = su->ctx;
    const char *data = mp_ctx_option(ctx, "data-dir");
    if (!data || !*data)
        data = getenv("MNISTPIPE_DATA_DIR");
    int rc = MP_OK;
    size_t n = 0;
    char port[32];
    bool own_command = strcmp(s->program, "-") == 0;
    if (own_command) {
        if (mp_op_command_count(op) == 0)
            return mp_error_set(err, MP_ERR_VALIDATE, "step '%s': image '%s' is mapped to '-' "
                                "(its own command) but the step has no command", s->name,
                                s->image);
    } else if ((rc = push(&s->argv, &n, s->program, err)) != MP_OK) {
        return rc;
    }
    for (size_t i = 0; own_command && i < mp_op_command_count(op) && rc == MP_OK; i++) {
        char *a = NULL;
        if ((rc = render(su, mp_op_command_at(op, i), &a, err)) == MP_OK)
            rc = add_arg(su, s, &n, a, err);
        free(a);
    }
    bool next_is_port = false;
    for (size_t i = 0; i < mp_op_arg_count(op) && rc == MP_OK; i++) {
        char *a = NULL;
        if ((rc = render(su, mp_op_arg_at(op, i), &a, err)) != MP_OK)
            break;
        if (next_is_port) /* web-ui's --container-port is where it listens */
            snprintf(port, sizeof(port), "%d", s->port);
        rc = add_arg(su, s, &n, next_is_port ? port : a, err);
        next_is_port = s->profile == LR_WEBUI && strcmp(a, "--container-port") == 0;
        free(a);
    }
    if (rc != MP_OK)
        return rc;
    if (own_command && s->argv && !strchr(s->argv[0], '/')) {
        /* The container would find it on its PATH; here, this machine's PATH. */
        const char *path = getenv("PATH");
        char buf[4096], *found = NULL;
        while (path && *path && !found) {
            size_t len = strcspn(path, ":");
            int bl = snprintf(buf, sizeof(buf), "%.*s/%s", (int)len, path, s->argv[0]);
            if (len && bl > 0 && (size_t)bl < sizeof(buf) && access(buf, X_OK) == 0 &&
                !(found = strdup(buf)))
                return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
            path += len + (path[len] == ':');
        }
        if (!found)
            return mp_error_set(err, MP_ERR_NOTFOUND, "step '%s': its command '%s' is not on "
                                "this machine's PATH", s->name, s->argv[0]);
        free(s->argv[0]);
        s->argv[0] = found;
    }
    if (own_command && s->argv && s->argv[0][0] != '/')
        return mp_error_set(err, MP_ERR_VALIDATE, "step '%s': its command '%s' must be an "
                            "absolute path or a name on PATH", s->name, s->argv[0]);
    int serve_port = (int)opt_long(ctx, "serve-port", 8500, 1, 65535, err, &rc);
    snprintf(port, sizeof(port), "%d", s->port);
    if (s->profile == LR_TRAIN) {
        if (data && *data && ((rc = push(&s->argv, &n, "--tf-data-dir", err)) != MP_OK ||
                              (rc = push(&s->argv, &n, data, err)) != MP_OK))
            return rc;
        const char *extra = mp_ctx_option(ctx, "train-args");
        char buf[1024], *save = NULL;
        snprintf(buf, sizeof(buf), "%s", extra ? extra : "");
        for (char *w = strtok_r(buf, " \t", &save); w && rc == MP_OK;
             w = strtok_r(NULL, " \t", &save))
            rc = push(&s->argv, &n, w, err);
    } else if (s->profile == LR_SERVE) {
        if ((rc = push(&s->argv, &n, "--rest_api_port", err)) != MP_OK ||
            (rc = push(&s->argv, &n, port, err)) != MP_OK)
            return rc;
    } else if (s->profile == LR_WEBUI) {
        char sp[32];
        snprintf(sp, sizeof(sp), "%d", serve_port);
        const char *extra[] = {"--port", port, "--server-addr", "127.0.0.1", "--server-port", sp,
                               data && *data ? "--data-dir" : NULL, data};
        for (size_t i = 0; i < 8 && extra[i] && rc == MP_OK; i++)
            rc = push(&s->argv, &n, extra[i], err);
    }
    return rc;
}

/* The step's retries and timeout: what the pipeline declares, else --retries and
 * --step-timeout. */
static int setup_retry(struct lr_setup *su, struct lr_step *s, const struct mp_op *op,
                       struct mp_error *err)
{
    int rc = MP_OK;
    long cli_retries = opt_long(su->ctx, "retries", 0, 0, 100, err, &rc);
    long cli_timeout = opt_long(su->ctx, "step-timeout", 0, 0, 86400 * 7, err, &rc);
    if (rc != MP_OK)
        return rc;
    unsigned limit = mp_op_retry_limit(op);
    s->retry_limit = limit ? (int)(limit > 1000 ? 1000 : limit) : (int)cli_retries;
    s->timeout = mp_op_timeout(op) > 0 ? (double)mp_op_timeout(op) : (double)cli_timeout;
    if (!limit)
        return MP_OK;
    const char *policy = mp_op_retry_policy(op);
    if (!policy || strcmp(policy, "OnFailure") == 0)
        s->policy = LR_RETRY_ON_FAILURE;
    else if (strcmp(policy, "Always") == 0)
        s->policy = LR_RETRY_ALWAYS;
    else if (strcmp(policy, "OnError") == 0 || strcmp(policy, "OnTransientError") == 0)
        s->policy = LR_RETRY_ON_ERROR;
    else
        return mp_error_set(err, MP_ERR_VALIDATE, "step '%s': unknown retry policy '%s'",
                            s->name, policy);
    const char *d = mp_op_retry_backoff_duration(op), *m = mp_op_retry_backoff_max_duration(op);
    s->backoff = d ? lr_parse_duration(d) : 0;
    s->backoff_max = m ? lr_parse_duration(m) : 0;
    s->backoff_factor = mp_op_retry_backoff_factor(op);
    if (s->backoff < 0 || s->backoff_max < 0)
        return mp_error_set(err, MP_ERR_VALIDATE, "step '%s': bad backoff duration '%s'",
                            s->name, s->backoff < 0 ? d : m);
    return MP_OK;
}

/* A `when` operand: a literal, or {{params.NAME}} rendered (outputs: lr_setup_conditions). */
static int cond_operand(struct lr_setup *su, const char *text, char **out, struct mp_error *err)
{
    return render(su, text, out, err);
}

static bool as_number(const char *s, double *v)
{
    char *end;
    if (!*s)
        return false;
    errno = 0;
    *v = strtod(s, &end);
    return *end == '\0' && errno == 0;
}

/* Argo's `when`: numbers compare as numbers, anything else as strings. */
static bool cond_holds(const char *l, const char *op, const char *r)
{
    double a, b;
    int c;
    if (as_number(l, &a) && as_number(r, &b))
        c = a < b ? -1 : a > b;
    else
        c = strcmp(l, r) < 0 ? -1 : strcmp(l, r) > 0;
    if (strcmp(op, "==") == 0)
        return c == 0;
    if (strcmp(op, "!=") == 0)
        return c != 0;
    if (strcmp(op, "<") == 0)
        return c < 0;
    if (strcmp(op, "<=") == 0)
        return c <= 0;
    if (strcmp(op, ">") == 0)
        return c > 0;
    return c >= 0;
}

/* The step's groups: each enclosing `when` on parameters and loop items is evaluated now
 * (they are known before the run); a false one skips the step as Argo skips it. One that
 * reads an output, or around a loop's stand-in, is evaluated when the step is ready. */
static int setup_control_flow(struct lr_setup *su, struct lr_step *s, const struct mp_op *op,
                              struct mp_error *err)
{
    for (const struct mp_group *g = mp_op_group(op); g; g = mp_group_parent(g)) {
        if (mp_group_kind(g) != MP_GROUP_CONDITION || s->cond_false)
            continue;
        const char *lt = mp_group_condition_left(g), *o = mp_group_condition_operator(g);
        const char *rt = mp_group_condition_right(g);
        if (s->tmpl || (lt && strstr(lt, "{{steps.")) || (rt && strstr(rt, "{{steps."))) {
            s->deferred_cond = true;
            continue;
        }
        char *l = NULL, *r = NULL;
        int rc = cond_operand(su, lt ? lt : "", &l, err);
        if (rc == MP_OK)
            rc = cond_operand(su, rt ? rt : "", &r, err);
        if (rc == MP_OK && !cond_holds(l, o ? o : "==", r)) {
            s->cond_false = true;
            s->state = LR_SKIPPED;
            snprintf(s->reason, sizeof(s->reason), "when '%s %s %s' is false", l, o, r);
        }
        free(l);
        free(r);
        if (rc != MP_OK)
            return rc;
    }
    return MP_OK;
}

/* An iteration is named as its op and the item's index in each loop, outermost first:
 * train-0, train-1, ...; in nested loops train-0-0, train-0-1, ... */
static void iteration_name(char *name, size_t cap, const char *op, const struct lr_plan *pl)
{
    size_t n = (size_t)snprintf(name, cap, "%s", op);
    for (size_t i = 0; i < pl->depth && n < cap; i++)
        n += (size_t)snprintf(name + n, cap - n, "-%d", pl->path[i].index);
}

static int setup_step(struct lr_setup *su, struct lr_step *s, const struct lr_plan *pl,
                      const struct lr_image_map *map, const char *root, struct mp_error *err)
{
    struct lr_run *run = su->run;
    const struct mp_op *op = mp_pipeline_op_at(su->p, pl->op);
    int rc;
    char name[256];
    s->out_fd = s->log_fd = s->err_fd = -1;
    s->op = pl->op;
    s->loop = pl->loop;
    s->iteration = pl->iteration;
    s->loop_parallelism = pl->loop ? mp_group_parallelism(pl->loop) : 0;
    s->item = pl->item ? json_incref(pl->item) : NULL;
    s->tmpl = pl->tmpl;
    if (pl->depth) {
        if (!(s->path = malloc(pl->depth * sizeof(*s->path))))
            return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
        memcpy(s->path, pl->path, pl->depth * sizeof(*s->path));
        for (size_t k = 0; k < pl->depth; k++)
            json_incref(s->path[k].item);
        s->depth = pl->depth;
    }
    iteration_name(name, sizeof(name), mp_op_name(op), pl);
    if (!(s->name = strdup(name)) || !(s->image = strdup(mp_op_image(op))))
        return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
    char files[4096];
    snprintf(files, sizeof(files), "%s/files/%s", run->dir, s->name);
    if (!(s->files_dir = strdup(files)))
        return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
    su->step = s;
    su->path = s->path;
    su->depth = s->depth;
    if ((rc = lr_image_map_resolve(map, s->name, s->image, &s->program, &s->profile, err)) !=
        MP_OK)
        return rc;
    s->service = s->profile == LR_SERVICE || s->profile == LR_SERVE || s->profile == LR_WEBUI;
    if (s->profile == LR_SERVE) {
        s->port = (int)opt_long(su->ctx, "serve-port", 8500, 1, 65535, err, &rc);
        s->ready_path = strdup("/v1/models/mnist");
        snprintf(s->summary, sizeof(s->summary), "http://127.0.0.1:%d/v1/models/mnist", s->port);
    } else if (s->profile == LR_WEBUI) {
        s->port = (int)opt_long(su->ctx, "ui-port", 5000, 1, 65535, err, &rc);
        s->ready_path = strdup("/healthz");
        snprintf(s->summary, sizeof(s->summary), "http://127.0.0.1:%d/", s->port);
    }
    if (rc != MP_OK || (rc = setup_retry(su, s, op, err)) != MP_OK ||
        (rc = setup_control_flow(su, s, op, err)) != MP_OK ||
        (rc = setup_volumes(su, s, op, root, err)) != MP_OK ||
        (rc = setup_args(su, s, op, err)) != MP_OK || (rc = setup_env(su, s, op, err)) != MP_OK)
        return rc;
    if (s->service && s->ready_path == NULL && s->profile != LR_SERVICE)
        return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
    s->exit_handler = op == mp_pipeline_exit_op(su->p);
    char log[4096];
    snprintf(log, sizeof(log), "%s/pids/%s", run->dir, s->name);
    if (!(s->pid_file = strdup(log)))
        return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
    snprintf(log, sizeof(log), "%s/logs/%s.log", run->dir, s->name);
    s->log_fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (s->log_fd < 0)
        return mp_error_set(err, MP_ERR_IO, "%s: %s", log, strerror(errno));
    return MP_OK;
}

static bool op_in_group(const struct mp_op *op, const struct mp_group *g)
{
    for (const struct mp_group *h = mp_op_group(op); h; h = mp_group_parent(h))
        if (h == g)
            return true;
    return false;
}

int lr_step_add_dep(struct lr_step *s, size_t j, struct mp_error *err)
{
    for (size_t d = 0; d < s->ndeps; d++)
        if (s->deps[d] == j)
            return MP_OK;
    if (s->ndeps == s->deps_cap) {
        size_t cap = s->deps_cap ? s->deps_cap * 2 : 4;
        size_t *v = realloc(s->deps, cap * sizeof(*v));
        if (!v)
            return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
        s->deps = v;
        s->deps_cap = cap;
    }
    s->deps[s->ndeps++] = j;
    return MP_OK;
}

/* True when plan steps @a and @b are in different iterations of a loop around both. */
static bool other_iteration(const struct lr_plan *a, const struct lr_plan *b)
{
    for (size_t k = 0; k < a->depth && k < b->depth && a->path[k].loop == b->path[k].loop; k++)
        if (a->path[k].index != b->path[k].index)
            return true;
    return false;
}

/* A step's dependencies: its own, and those of its groups (`after` an op, or after every step
 * of another group). A step after an op in a parallelFor waits for all its iterations; within
 * one loop, an iteration's step waits only for the same iteration's steps (Argo runs one DAG
 * per item), in nested loops for those of the same iteration of each loop around both. */
static int link_deps(struct lr_run *run, const struct mp_pipeline *p, const struct lr_plan *plan,
                     struct mp_error *err)
{
    for (size_t i = 0; i < run->n; i++) {
        struct lr_step *s = &run->steps[i];
        const struct mp_op *op = mp_pipeline_op_at(p, s->op);
        int rc = MP_OK;
        for (size_t d = 0; d < mp_op_dependency_count(op) && rc == MP_OK; d++) {
            const struct mp_op *dop = mp_pipeline_find_op(p, mp_op_dependency_at(op, d));
            if (!dop)
                return mp_error_set(err, MP_ERR_VALIDATE, "step '%s': no step '%s'", s->name,
                                    mp_op_dependency_at(op, d));
            for (size_t j = 0; j < run->n && rc == MP_OK; j++) {
                const struct lr_step *t = &run->steps[j];
                if (mp_pipeline_op_at(p, t->op) != dop || other_iteration(&plan[i], &plan[j]))
                    continue;
                rc = lr_step_add_dep(s, j, err);
            }
        }
        for (const struct mp_group *g = mp_op_group(op); g && rc == MP_OK; g = mp_group_parent(g))
            for (size_t d = 0; d < mp_group_dependency_count(g) && rc == MP_OK; d++) {
                const char *dname = mp_group_dependency_op(g, d);
                const struct mp_group *dg = mp_group_dependency_group(g, d);
                for (size_t j = 0; j < run->n && rc == MP_OK; j++) {
                    const struct lr_step *t = &run->steps[j];
                    const struct mp_op *o = mp_pipeline_op_at(p, t->op);
                    if (j == i || other_iteration(&plan[i], &plan[j]))
                        continue;
                    if (dname ? strcmp(mp_op_name(o), dname) == 0 : op_in_group(o, dg))
                        rc = lr_step_add_dep(s, j, err);
                }
            }
        if (rc != MP_OK)
            return rc;
    }
    return MP_OK;
}

/* The items of @loop for the op of @st, in the iterations of the loops around it (su->path):
 * a list, a parameter holding a JSON list, or (a key of) an enclosing loop's item (loops
 * over another step's output are expanded when it is known: lr_setup_expand). Ownership:
 * *@out is the caller's. */
static int loop_list(struct lr_setup *su, const struct mp_group *loop, struct lr_step *st,
                     json_t **out, struct mp_error *err)
{
    const char *text = mp_group_loop_items(loop), *src = mp_group_loop_source(loop);
    char *rendered = NULL;
    int rc = MP_OK;
    *out = NULL;
    su->step = st;
    if (!text && (rc = render(su, src ? src : "[]", &rendered, err)) != MP_OK)
        return rc;
    json_error_t je;
    json_t *items = json_loads(text ? text : rendered, JSON_DECODE_ANY, &je);
    if (!json_is_array(items)) {
        rc = mp_error_set(err, MP_ERR_VALIDATE, "step '%s': its parallelFor is over '%s', "
                          "which is not a JSON list", st->name, text ? text : rendered);
        json_decref(items);
        items = NULL;
    }
    free(rendered);
    *out = items;
    return rc;
}

static int plan_push(struct lr_plan **out, size_t *n, size_t *cap, size_t op,
                     const struct lr_iter *path, size_t depth, struct mp_error *err)
{
    if (*n == *cap) {
        struct lr_plan *v = realloc(*out, (*cap ? *cap * 2 : 8) * sizeof(*v));
        if (!v)
            return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
        *out = v;
        *cap = *cap ? *cap * 2 : 8;
    }
    struct lr_plan *pl = &(*out)[*n];
    *pl = (struct lr_plan){.op = op, .iteration = -1, .depth = depth};
    if (depth) {
        if (!(pl->path = malloc(depth * sizeof(*pl->path))))
            return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
        memcpy(pl->path, path, depth * sizeof(*path));
        for (size_t k = 0; k < depth; k++)
            json_incref(pl->path[k].item);
        pl->loop = path[depth - 1].loop;
        pl->iteration = path[depth - 1].index;
        pl->item = json_incref(path[depth - 1].item);
    }
    ++*n;
    return MP_OK;
}

/* The iterations of op @op in its loops @loops[@level ..] (outermost first), the outer ones
 * fixed in @path: Argo's cartesian walk, each inner list read in its outer iteration. */
static int plan_loops(struct lr_setup *su, size_t op, const struct mp_group **loops,
                      size_t depth, size_t level, struct lr_iter *path, struct lr_plan **out,
                      size_t *n, size_t *cap, struct mp_error *err)
{
    if (level == depth)
        return plan_push(out, n, cap, op, path, depth, err);
    const char *src = mp_group_loop_source(loops[level]);
    if (!mp_group_loop_items(loops[level]) && src && strstr(src, "{{steps.")) {
        /* Over another step's output: one stand-in until the list is known. */
        if (depth > 1)
            return mp_error_set(err, MP_ERR_UNSUPPORTED, "step '%s': its parallelFor over '%s', "
                                "an output of another step, is nested with another "
                                "parallelFor, which the local runner does not run; run it on "
                                "a cluster", mp_op_name(mp_pipeline_op_at(su->p, op)), src);
        int rc = plan_push(out, n, cap, op, path, 0, err);
        if (rc == MP_OK) {
            (*out)[*n - 1].loop = loops[level];
            (*out)[*n - 1].tmpl = true;
        }
        return rc;
    }
    json_t *items = NULL;
    su->plan_step.name = (char *)mp_op_name(mp_pipeline_op_at(su->p, op)); /* names it */
    su->path = path;
    su->depth = level;
    int rc = loop_list(su, loops[level], &su->plan_step, &items, err);
    su->step = NULL;
    su->path = NULL;
    su->depth = 0;
    for (size_t j = 0; rc == MP_OK && j < json_array_size(items); j++) {
        path[level] = (struct lr_iter){loops[level], (int)j, json_array_get(items, j)};
        rc = plan_loops(su, op, loops, depth, level + 1, path, out, n, cap, err);
    }
    json_decref(items);
    return rc;
}

/* The steps to run: one per op, one per item for an op in a parallelFor (a list, a parameter
 * holding a JSON list, or an enclosing loop's item), one per combination of items in nested
 * loops. Loops over another step's output are refused. Ownership: *@out and its items are
 * the caller's (free_plan). */
static int make_plan(struct lr_setup *su, struct lr_plan **out, size_t *n, struct mp_error *err)
{
    const struct mp_pipeline *p = su->p;
    size_t cap = 0;
    int rc = MP_OK;
    const struct mp_group **loops = NULL;
    struct lr_iter *path = NULL;
    *out = NULL;
    *n = 0;
    for (size_t i = 0; i < mp_pipeline_op_count(p) && rc == MP_OK; i++) {
        const struct mp_op *op = mp_pipeline_op_at(p, i);
        size_t depth = 0;
        for (const struct mp_group *g = mp_op_group(op); g; g = mp_group_parent(g))
            depth += mp_group_kind(g) == MP_GROUP_LOOP;
        free(loops);
        free(path);
        loops = calloc(depth + 1, sizeof(*loops));
        path = calloc(depth + 1, sizeof(*path));
        if (!loops || !path) {
            rc = mp_error_set(err, MP_ERR_NOMEM, "out of memory");
            break;
        }
        size_t k = depth;
        for (const struct mp_group *g = mp_op_group(op); g; g = mp_group_parent(g))
            if (mp_group_kind(g) == MP_GROUP_LOOP)
                loops[--k] = g;
        rc = plan_loops(su, i, loops, depth, 0, path, out, n, &cap, err);
    }
    free(loops);
    free(path);
    return rc;
}

static void free_plan(struct lr_plan *plan, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        json_decref(plan[i].item);
        for (size_t k = 0; k < plan[i].depth; k++)
            json_decref(plan[i].path[k].item);
        free(plan[i].path);
    }
    free(plan);
}

static void run_free(struct lr_run *run)
{
    for (size_t i = 0; i < run->n; i++) {
        struct lr_step *s = &run->steps[i];
        free(s->name);
        free(s->image);
        free(s->program);
        free_vec(s->argv);
        free_vec(s->env);
        free(s->deps);
        free(s->ready_path);
        free(s->claim_dir);
        free(s->mount_path);
        free(s->pid_file);
        free(s->files_dir);
        json_decref(s->outputs);
        free(s->status_text);
        json_decref(s->item);
        for (size_t k = 0; k < s->depth; k++)
            json_decref(s->path[k].item);
        free(s->path);
        if (s->log_fd >= 0)
            close(s->log_fd);
        if (s->out_fd >= 0)
            close(s->out_fd);
        if (s->err_fd >= 0)
            close(s->err_fd);
    }
    free(run->steps);
    free(run->id);
    free(run->dir);
    free(run->pipeline);
}

/* What lr_cmd_run keeps for the steps set up while the run goes on. */
struct lr_setup_keep {
    struct lr_setup *su;
    const struct lr_image_map *map;
    const char *root;
};

int lr_setup_expand(struct lr_run *run, size_t t, json_t *items, struct mp_error *err)
{
    struct lr_setup_keep *keep = run->setup;
    const void *loop = run->steps[t].loop;
    size_t nt = 0, *tm = NULL, base = run->n, ni = json_array_size(items);
    int rc = MP_OK;
    for (size_t i = 0; i < base; i++)
        if (run->steps[i].tmpl && !run->steps[i].hidden && run->steps[i].loop == loop) {
            size_t *v = realloc(tm, (nt + 1) * sizeof(*v));
            if (!v) {
                free(tm);
                return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
            }
            tm = v;
            tm[nt++] = i;
        }
    size_t add = ni * nt;
    struct lr_step *v = realloc(run->steps, (base + add + 1) * sizeof(*v));
    if (!v) {
        free(tm);
        return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
    }
    run->steps = v;
    memset(run->steps + base, 0, (add + 1) * sizeof(*v));
    for (size_t i = base; i < base + add; i++)
        run->steps[i].out_fd = run->steps[i].log_fd = run->steps[i].err_fd = -1;
    run->n = base + add;
    /* Iteration j of stand-in k is step base + j * nt + k; it waits for what the stand-in
     * waited for, a stand-in of the same loop being the same iteration's step. */
    for (size_t j = 0; j < ni && rc == MP_OK; j++)
        for (size_t k = 0; k < nt && rc == MP_OK; k++) {
            size_t idx = base + j * nt + k;
            const struct lr_step *tp = &run->steps[tm[k]];
            struct lr_iter it = {loop, (int)j, json_array_get(items, j)};
            struct lr_plan pl = {.op = tp->op, .loop = loop, .iteration = (int)j,
                                 .item = it.item, .path = &it, .depth = 1};
            if ((rc = setup_step(keep->su, &run->steps[idx], &pl, keep->map, keep->root, err)) !=
                MP_OK)
                break;
            for (size_t i = 0; i < idx && rc == MP_OK; i++)
                if (!run->steps[i].hidden && strcmp(run->steps[i].name, run->steps[idx].name) == 0)
                    rc = mp_error_set(err, MP_ERR_VALIDATE, "two steps would be named '%s' (an "
                                      "iteration of a parallelFor is named STEP-INDEX); rename "
                                      "one", run->steps[idx].name);
            for (size_t d = 0; d < run->steps[tm[k]].ndeps && rc == MP_OK; d++) {
                size_t dep = run->steps[tm[k]].deps[d];
                for (size_t m = 0; m < nt; m++)
                    if (tm[m] == dep)
                        dep = base + j * nt + m;
                rc = lr_step_add_dep(&run->steps[idx], dep, err);
            }
            if (rc == MP_OK && run->steps[idx].cond_false)
                lr_progress_event(run, &run->steps[idx], "skipped: %s", run->steps[idx].reason);
        }
    /* What waited for a stand-in waits for all its iterations. */
    for (size_t i = 0; i < base && rc == MP_OK; i++)
        for (size_t d = 0; d < run->steps[i].ndeps && rc == MP_OK; d++)
            for (size_t k = 0; k < nt && rc == MP_OK; k++)
                if (run->steps[i].deps[d] == tm[k])
                    for (size_t j = 0; j < ni && rc == MP_OK; j++)
                        rc = lr_step_add_dep(&run->steps[i], base + j * nt + k, err);
    for (size_t k = 0; k < nt && rc == MP_OK; k++) {
        run->steps[tm[k]].hidden = true;
        run->steps[tm[k]].state = LR_SUCCEEDED;
    }
    run->state_dirty = true;
    free(tm);
    return rc;
}

int lr_setup_conditions(struct lr_run *run, struct lr_step *s, bool *holds, char *reason,
                        size_t size, struct mp_error *err)
{
    struct lr_setup *su = ((struct lr_setup_keep *)run->setup)->su;
    const struct mp_op *op = mp_pipeline_op_at(run->p, s->op);
    const struct mp_group *groups[64];
    size_t ng = 0;
    int rc = MP_OK;
    *holds = true;
    su->step = s;
    su->path = s->path;
    su->depth = s->depth;
    for (const struct mp_group *g = mp_op_group(op); g && ng < 64; g = mp_group_parent(g))
        if (mp_group_kind(g) == MP_GROUP_CONDITION)
            groups[ng++] = g;
    /* Outermost first, as Argo decides: a false outer group skips what is inside it unread. */
    while (ng > 0 && *holds && rc == MP_OK) {
        const struct mp_group *g = groups[--ng];
        const char *text[2] = {mp_group_condition_left(g), mp_group_condition_right(g)};
        const char *o = mp_group_condition_operator(g);
        char *v[2] = {NULL, NULL};
        for (int i = 0; i < 2 && rc == MP_OK; i++) {
            char *r = NULL;
            if ((rc = render(su, text[i] ? text[i] : "", &r, err)) == MP_OK)
                rc = lr_outputs_render(run, s, r, &v[i], err);
            free(r);
        }
        if (rc == MP_OK && !cond_holds(v[0], o ? o : "==", v[1])) {
            *holds = false;
            snprintf(reason, size, "when '%s %s %s' is false", v[0], o ? o : "==", v[1]);
        }
        free(v[0]);
        free(v[1]);
    }
    su->step = NULL;
    su->path = NULL;
    su->depth = 0;
    if (rc != MP_OK)
        mp_error_prefix(err, "its condition");
    return rc;
}

int lr_cmd_run(const struct mp_pipeline *p, const struct mp_plugin_ctx *ctx,
               struct mp_error *err)
{
    struct lr_run run = {0};
    struct lr_setup su = {&run, p, ctx, NULL, false, {0}, NULL, 0};
    struct lr_image_map *map = NULL;
    struct lr_plan *plan = NULL;
    size_t nplan = 0;
    char root[4096], dir[4200], id[64], why[256] = "";
    int rc = MP_OK;
    struct lr_setup_keep keep = {&su, NULL, root};
    run.ctx = ctx;
    run.p = p;
    run.setup = &keep;
    run.tty = mp_ctx_is_tty(ctx);
    run.jobs = (int)opt_long(ctx, "jobs", 4, 1, 64, err, &rc);
    (void)opt_long(ctx, "retries", 0, 0, 100, err, &rc);
    (void)opt_long(ctx, "step-timeout", 0, 0, 86400 * 7, err, &rc);
    run.timeout = (double)mp_pipeline_timeout(p);
    run.ready_timeout = (double)opt_long(ctx, "ready-timeout", 120, 1, 86400, err, &rc);
    if (rc != MP_OK)
        return rc;
    for (size_t i = 0; i < mp_ctx_param_count(ctx); i++)
        if (!mp_pipeline_find_param(p, mp_ctx_param_name(ctx, i)))
            return mp_error_set(err, MP_ERR_USAGE, "-p %s: the pipeline has no such parameter",
                                mp_ctx_param_name(ctx, i));
    for (size_t i = 0; i < mp_pipeline_op_count(p); i++)
        if (mp_op_is_resource(mp_pipeline_op_at(p, i)))
            return mp_error_set(err, MP_ERR_UNSUPPORTED, "step '%s' is a Kubernetes resource "
                                "(action %s), which needs a cluster: the local runner runs "
                                "containers only", mp_op_name(mp_pipeline_op_at(p, i)),
                                mp_op_resource_action(mp_pipeline_op_at(p, i)));
    if ((rc = lr_state_root(root, sizeof(root), err)) != MP_OK ||
        (rc = lr_image_map_load(mp_ctx_option(ctx, "image-map"), &map, err)) != MP_OK)
        return rc;
    keep.map = map;
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    /* UTC time, then the pid zero-padded to pid_max's 7 digits: runs started in the same
     * second sort by pid as numbers ('latest'), not as text, where 10000 < 9999. */
    snprintf(id, sizeof(id), "%04d%02d%02d-%02d%02d%02d-%07ld", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long)getpid());
    snprintf(dir, sizeof(dir), "%s/runs/%s/pids", root, id);
    if ((rc = lr_mkdirs(dir, err)) != MP_OK)
        goto out;
    dir[strlen(dir) - 5] = '\0';
    size_t dl = strlen(dir);
    snprintf(dir + dl, sizeof(dir) - dl, "/logs");
    if ((rc = lr_mkdirs(dir, err)) != MP_OK)
        goto out;
    dir[dl] = '\0';
    run.id = strdup(id);
    run.dir = strdup(dir);
    run.pipeline = strdup(mp_pipeline_name(p));
    run.state = "starting";
    run.started = lr_now();
    if (run.dir && (rc = make_plan(&su, &plan, &nplan, err)) != MP_OK)
        goto out;
    run.n = nplan;
    run.steps = calloc(run.n ? run.n : 1, sizeof(*run.steps));
    if (!run.id || !run.dir || !run.pipeline || !run.steps) {
        rc = mp_error_set(err, MP_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < run.n; i++)
        run.steps[i].out_fd = run.steps[i].log_fd = run.steps[i].err_fd = -1;
    const char *nons = mp_ctx_option(ctx, "no-mount-ns");
    run.use_ns = !nons && lr_mount_ns_works(why, sizeof(why)); /* a flag: "" when given */
    if (!run.use_ns && !nons)
        snprintf(run.message, sizeof(run.message), "no private mount namespace (%s)", why);
    for (size_t i = 0; i < run.n; i++)
        if ((rc = setup_step(&su, &run.steps[i], &plan[i], map, root, err)) != MP_OK)
            goto out;
    for (size_t i = 0; i < run.n; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(run.steps[i].name, run.steps[j].name) == 0) {
                rc = mp_error_set(err, MP_ERR_VALIDATE, "two steps would be named '%s' (an "
                                  "iteration of a parallelFor is named STEP-INDEX); rename one",
                                  run.steps[i].name);
                goto out;
            }
    if ((rc = link_deps(&run, p, plan, err)) != MP_OK)
        goto out;
    for (size_t i = 0; i < run.n; i++)
        if ((rc = lr_link_data_deps(&run, i, err)) != MP_OK)
            goto out;
    mp_ctx_printf(ctx, "run %s: %zu steps, state in %s\n", run.id, run.n, run.dir);
    for (size_t i = 0; i < run.n; i++)
        if (run.steps[i].claim_dir)
            mp_ctx_printf(ctx, "%s: sees %s at %s (%s)\n", run.steps[i].name,
                          run.steps[i].claim_dir, run.steps[i].mount_path,
                          run.steps[i].use_ns
                              ? "bind mount in a private mount namespace"
                          : *why ? "the kernel refused a private mount namespace: paths in "
                                   "its arguments were rewritten instead"
                          : run.use_ns ? "the mount path does not exist here: paths in its "
                                         "arguments were rewritten instead"
                                       : "--no-mount-ns: paths in its arguments were rewritten");
    for (size_t i = 0; i < run.n; i++)
        lr_outputs_note(&run, &run.steps[i]);
    if (why[0] && mp_ctx_verbose(ctx))
        mp_ctx_warn(ctx, "mount namespace: %s", why);
    run.message[0] = '\0';
    rc = lr_run_execute(&run, err);
out:
    if (rc != MP_OK && run.dir && strcmp(run.state, "starting") == 0) {
        struct mp_error *e2 = mp_error_new();
        run.state = "failed";
        snprintf(run.message, sizeof(run.message), "%s", mp_error_message(err));
        if (e2)
            (void)lr_state_write(&run, e2);
        mp_error_free(e2);
    }
    lr_image_map_free(map);
    free_plan(plan, nplan);
    run_free(&run);
    return rc;
}
