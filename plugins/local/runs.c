/* SPDX-License-Identifier: MIT */
/* runs.c: `runs list`, `runs status RUN`, `logs RUN [STEP]`, `stop [RUN]` over the state
 * directory; they tell the truth after a crash by checking the recorded pids. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "local.h"
#include "setup.h"

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The run ids, sorted (oldest first). Ownership: the caller frees each and the array. */
static int list_ids(const char *root, char ***out, size_t *n, struct mp_error *err)
{
    char path[4200];
    snprintf(path, sizeof(path), "%s/runs", root);
    *out = NULL;
    *n = 0;
    DIR *d = opendir(path);
    if (!d)
        return errno == ENOENT ? MP_OK : mp_error_set(err, MP_ERR_IO, "%s: %s", path,
                                                       strerror(errno));
    struct dirent *e;
    int rc = MP_OK;
    while ((e = readdir(d)) && rc == MP_OK) {
        if (e->d_name[0] == '.')
            continue;
        char **v = realloc(*out, (*n + 1) * sizeof(*v));
        if (!v || !(v[*n] = strdup(e->d_name))) {
            if (v)
                *out = v;
            rc = mp_error_set(err, MP_ERR_NOMEM, "out of memory");
            break;
        }
        *out = v;
        (*n)++;
    }
    closedir(d);
    if (*n > 1)
        qsort(*out, *n, sizeof(**out), cmp_str);
    return rc;
}

static void free_ids(char **ids, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(ids[i]);
    free(ids);
}

/* @want, "latest" or NULL (latest) to a run directory. */
static int find_run(const char *want, char *dir, size_t size, struct mp_error *err)
{
    char root[4096], **ids;
    size_t n;
    int rc = lr_state_root(root, sizeof(root), err);
    if (rc != MP_OK || (rc = list_ids(root, &ids, &n, err)) != MP_OK)
        return rc;
    const char *id = NULL;
    if (!want || !*want || strcmp(want, "latest") == 0)
        id = n ? ids[n - 1] : NULL;
    else
        for (size_t i = 0; i < n && !id; i++)
            if (strcmp(ids[i], want) == 0)
                id = ids[i];
    if (id)
        snprintf(dir, size, "%s/runs/%s", root, id);
    else
        rc = mp_error_set(err, MP_ERR_NOTFOUND, "no local run '%s' in %s/runs (see 'mnistpipe "
                          "runs list')", want ? want : "latest", root);
    free_ids(ids, n);
    return rc;
}

static json_t *load_status(const char *dir, struct mp_error *err)
{
    char path[4300];
    json_error_t je;
    snprintf(path, sizeof(path), "%s/status.json", dir);
    json_t *j = json_load_file(path, 0, &je);
    if (!j)
        mp_error_set(err, MP_ERR_IO, "%s:%d:%d: %s", path, je.line, je.column, je.text);
    return j;
}

static const char *jstr(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static pid_t jpid(json_t *o, const char *key)
{
    return (pid_t)json_integer_value(json_object_get(o, key));
}

/* The recorded state, corrected by what is true now. */
static const char *true_run_state(json_t *st)
{
    const char *s = jstr(st, "state");
    if ((strcmp(s, "running") == 0 || strcmp(s, "starting") == 0) &&
        !lr_pid_alive(jpid(st, "runner_pid")))
        return "crashed";
    return s;
}

/* A start that status.json does not record yet: the runner died between the fork and its next
 * write. The child's pid file (@dir/pids/STEP, "PID ATTEMPT") tells, when its attempt is newer
 * than the recorded ones. *@pid gets that process, else 0. */
static bool unrecorded_start(json_t *step, const char *dir, pid_t *pid)
{
    char path[4400];
    int attempt = 0;
    *pid = 0;
    if (strcmp(jstr(step, "state"), "pending") != 0)
        return false;
    snprintf(path, sizeof(path), "%s/pids/%s", dir, jstr(step, "name"));
    if (!lr_pid_file_read(path, pid, &attempt) ||
        attempt <= json_integer_value(json_object_get(step, "attempts"))) {
        *pid = 0;
        return false;
    }
    return true;
}

/* @run_state: the run's true state; the steps of a crashed runner that never started never
 * will; a start it did not record is found in the step's pid file (*@pid: the process). */
static const char *true_step_state(json_t *step, const char *dir, const char *run_state,
                                   pid_t *pid)
{
    const char *s = jstr(step, "state");
    *pid = jpid(step, "pid");
    if ((strcmp(s, "running") == 0 || strcmp(s, "serving") == 0) && !lr_pid_alive(*pid))
        return strcmp(s, "serving") == 0 ? "exited" : "lost";
    if (strcmp(s, "pending") == 0 && strcmp(run_state, "crashed") == 0) {
        if (unrecorded_start(step, dir, pid))
            return lr_pid_alive(*pid) ? "running" : "lost";
        return "not run";
    }
    return s;
}

static void show_status(const struct mp_plugin_ctx *ctx, json_t *st, const char *dir)
{
    char when[64] = "";
    time_t t = (time_t)json_number_value(json_object_get(st, "started"));
    struct tm tm;
    if (gmtime_r(&t, &tm))
        strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%SZ", &tm);
    mp_ctx_printf(ctx, "run:      %s\npipeline: %s\nstate:    %s\nstarted:  %s\n",
                  jstr(st, "id"), jstr(st, "pipeline"), true_run_state(st), when);
    if (*jstr(st, "message"))
        mp_ctx_printf(ctx, "message:  %s\n", jstr(st, "message"));
    mp_ctx_printf(ctx, "%-10s %-10s %-8s %-5s %-8s %-6s %s\n", "STEP", "STATE", "ELAPSED",
                  "EXIT", "PID", "TRIES", "DETAIL");
    size_t i;
    json_t *step;
    json_array_foreach(json_object_get(st, "steps"), i, step)
    {
        double s0 = json_number_value(json_object_get(step, "started"));
        double s1 = json_number_value(json_object_get(step, "finished"));
        char el[32] = "-", pid[32] = "-", code[32] = "-", tries[48] = "-";
        pid_t p;
        const char *state = true_step_state(step, dir, true_run_state(st), &p);
        long long att = json_integer_value(json_object_get(step, "attempts"));
        long long max = json_integer_value(json_object_get(step, "max_attempts"));
        if (p > 0 && strcmp(jstr(step, "state"), "pending") == 0)
            att++; /* the unrecorded start */
        if (att > 0)
            snprintf(tries, sizeof(tries), "%lld/%lld", att, max > att ? max : att);
        if (s0 > 0 && strcmp(state, "lost") != 0)   /* a lost step's end is unknown */
            snprintf(el, sizeof(el), "%.1fs", (s1 > 0 ? s1 : lr_now()) - s0);
        if (s1 > 0 && json_object_get(step, "exit_code"))   /* only a finished step has one */
            snprintf(code, sizeof(code), "%lld",
                     (long long)json_integer_value(json_object_get(step, "exit_code")));
        if (p > 0)
            snprintf(pid, sizeof(pid), "%ld", (long)p);
        const char *detail = *jstr(step, "reason") && strcmp(state, "succeeded") != 0
                                 ? jstr(step, "reason")
                             : *jstr(step, "summary") ? jstr(step, "summary")
                                                      : jstr(step, "progress");
        mp_ctx_printf(ctx, "%-10s %-10s %-8s %-5s %-8s %-6s %s\n", jstr(step, "name"), state,
                      el, code, pid, tries, detail);
    }
}

static int runs_list(const struct mp_plugin_ctx *ctx, struct mp_error *err)
{
    char root[4096], **ids, dir[4300];
    size_t n;
    int rc = lr_state_root(root, sizeof(root), err);
    if (rc != MP_OK || (rc = list_ids(root, &ids, &n, err)) != MP_OK)
        return rc;
    mp_ctx_printf(ctx, "%-28s %-12s %s\n", "RUN", "STATE", "PIPELINE");
    for (size_t i = 0; i < n; i++) {
        snprintf(dir, sizeof(dir), "%s/runs/%s", root, ids[i]);
        struct mp_error *e2 = mp_error_new();
        json_t *st = e2 ? load_status(dir, e2) : NULL;
        mp_ctx_printf(ctx, "%-28s %-12s %s\n", ids[i], st ? true_run_state(st) : "unreadable",
                      st ? jstr(st, "pipeline") : "");
        json_decref(st);
        mp_error_free(e2);
    }
    free_ids(ids, n);
    return MP_OK;
}

/* `runs outputs RUN [STEP]`: each output a step kept: a parameter's value (newlines shown as
 * \n), an artifact's file in the run's state (a directory: with what it holds). */
static int show_outputs(const struct mp_plugin_ctx *ctx, json_t *st, const char *want,
                        struct mp_error *err)
{
    size_t i;
    json_t *step;
    bool found = false;
    mp_ctx_printf(ctx, "%-10s %-12s %-10s %s\n", "STEP", "OUTPUT", "KIND", "VALUE / FILE");
    json_array_foreach(json_object_get(st, "steps"), i, step)
    {
        const char *name = jstr(step, "name"), *oname;
        json_t *o;
        if (want && strcmp(name, want) != 0)
            continue;
        found = true;
        json_object_foreach(json_object_get(step, "outputs"), oname, o)
        {
            const char *kind = jstr(o, "kind"), *v = jstr(o, "value");
            struct mp_buf *b = mp_buf_new();
            if (!b)
                return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
            if (strcmp(kind, "parameter") == 0)
                for (const char *c = v; *c; c++) {
                    if (*c == '\n')
                        mp_buf_puts(b, "\\n");
                    else if (*c == '\\')
                        mp_buf_puts(b, "\\\\");
                    else
                        mp_buf_append(b, c, 1);
                }
            else if (json_is_object(json_object_get(o, "directory")))
                mp_buf_printf(b, "%s/ (a directory: %lld entries, %lld bytes)", jstr(o, "file"),
                              (long long)json_integer_value(json_object_get(
                                  json_object_get(o, "directory"), "entries")),
                              (long long)json_integer_value(json_object_get(
                                  json_object_get(o, "directory"), "bytes")));
            else
                mp_buf_puts(b, jstr(o, "file"));
            mp_ctx_printf(ctx, "%-10s %-12s %-10s %s\n", name, oname, kind, mp_buf_data(b));
            mp_buf_free(b);
        }
    }
    if (want && !found)
        return mp_error_set(err, MP_ERR_NOTFOUND, "run %s has no step '%s'", jstr(st, "id"),
                            want);
    return MP_OK;
}

int lr_cmd_runs(const struct mp_plugin_ctx *ctx, struct mp_error *err)
{
    const char *sub = mp_ctx_arg_count(ctx) ? mp_ctx_arg_at(ctx, 0) : "list";
    if (strcmp(sub, "list") == 0)
        return runs_list(ctx, err);
    if (strcmp(sub, "status") != 0 && strcmp(sub, "outputs") != 0)
        return mp_error_set(err, MP_ERR_USAGE, "runs: expected 'list', 'status RUN' or "
                            "'outputs RUN [STEP]', not '%s'", sub);
    char dir[4200];
    int rc = find_run(mp_ctx_arg_count(ctx) > 1 ? mp_ctx_arg_at(ctx, 1) : NULL, dir,
                      sizeof(dir), err);
    if (rc != MP_OK)
        return rc;
    json_t *st = load_status(dir, err);
    if (!st)
        return MP_ERR_IO;
    if (strcmp(sub, "outputs") == 0)
        rc = show_outputs(ctx, st, mp_ctx_arg_count(ctx) > 2 ? mp_ctx_arg_at(ctx, 2) : NULL, err);
    else
        show_status(ctx, st, dir);
    json_decref(st);
    return rc;
}

static int cat_file(const struct mp_plugin_ctx *ctx, const char *path, struct mp_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return mp_error_set(err, errno == ENOENT ? MP_ERR_NOTFOUND : MP_ERR_IO, "%s: %s", path,
                            strerror(errno));
    char buf[8192];
    ssize_t r;
    while ((r = read(fd, buf, sizeof(buf) - 1)) > 0) {
        buf[r] = '\0';
        mp_ctx_printf(ctx, "%s", buf);
    }
    close(fd);
    return r < 0 ? mp_error_set(err, MP_ERR_IO, "%s: %s", path, strerror(errno)) : MP_OK;
}

int lr_cmd_logs(const struct mp_plugin_ctx *ctx, struct mp_error *err)
{
    size_t na = mp_ctx_arg_count(ctx);
    if (na < 1 || na > 2)
        return mp_error_set(err, MP_ERR_USAGE, "logs: expected 'logs RUN [STEP]'");
    char dir[4200], path[4400];
    int rc = find_run(mp_ctx_arg_at(ctx, 0), dir, sizeof(dir), err);
    if (rc != MP_OK)
        return rc;
    json_t *st = load_status(dir, err);
    if (!st)
        return MP_ERR_IO;
    size_t i;
    json_t *step;
    bool found = false;
    json_array_foreach(json_object_get(st, "steps"), i, step)
    {
        const char *name = jstr(step, "name");
        if (na == 2 && strcmp(name, mp_ctx_arg_at(ctx, 1)) != 0)
            continue;
        found = true;
        snprintf(path, sizeof(path), "%s/logs/%s.log", dir, name);
        if (na == 1)
            mp_ctx_printf(ctx, "==> %s <==\n", name);
        if ((rc = cat_file(ctx, path, err)) != MP_OK)
            break;
    }
    if (rc == MP_OK && !found)
        rc = mp_error_set(err, MP_ERR_NOTFOUND, "run %s has no step '%s'", jstr(st, "id"),
                          mp_ctx_arg_at(ctx, 1));
    json_decref(st);
    return rc;
}

static int save_status(const char *dir, json_t *st, struct mp_error *err)
{
    char path[4300], tmp[4400];
    snprintf(path, sizeof(path), "%s/status.json", dir);
    snprintf(tmp, sizeof(tmp), "%s/.status.json.%ld.tmp", dir, (long)getpid());
    if (json_dump_file(st, tmp, JSON_INDENT(2) | JSON_SORT_KEYS) != 0 || rename(tmp, path) != 0) {
        unlink(tmp);
        return mp_error_set(err, MP_ERR_IO, "%s: cannot write", path);
    }
    return MP_OK;
}

int lr_cmd_stop(const struct mp_plugin_ctx *ctx, struct mp_error *err)
{
    char dir[4200];
    int rc = find_run(mp_ctx_arg_count(ctx) ? mp_ctx_arg_at(ctx, 0) : NULL, dir, sizeof(dir),
                      err);
    if (rc != MP_OK)
        return rc;
    json_t *st = load_status(dir, err);
    if (!st)
        return MP_ERR_IO;
    pid_t runner = jpid(st, "runner_pid");
    if (runner != getpid() && lr_pid_alive(runner) &&
        (strcmp(jstr(st, "state"), "running") == 0 || strcmp(jstr(st, "state"), "starting") == 0)) {
        /* The runner stops its own steps on SIGTERM and records it; wait for that. */
        kill(runner, SIGTERM);
        for (int i = 0; i < 300 && lr_pid_alive(runner); i++)
            usleep(50000);
        json_decref(st);
        if (!(st = load_status(dir, err)))
            return MP_ERR_IO;
    }
    size_t i, stopped = 0, left = 0;
    json_t *step;
    json_array_foreach(json_object_get(st, "steps"), i, step)
    {
        pid_t pid = jpid(step, "pid");
        const char *s = jstr(step, "state");
        bool unrecorded = unrecorded_start(step, dir, &pid);
        if (!unrecorded)
            pid = jpid(step, "pid");
        if (pid <= 0 || (strcmp(s, "running") != 0 && strcmp(s, "serving") != 0 && !unrecorded))
            continue;
        if (lr_pid_alive(pid)) {
            if (!lr_kill_group(pid, 10)) {
                left++;
                mp_ctx_warn(ctx, "%s (pid %ld) did not stop", jstr(step, "name"), (long)pid);
                continue;
            }
            stopped++;
            mp_ctx_printf(ctx, "%s: stopped (pid %ld)\n", jstr(step, "name"), (long)pid);
        }
        json_object_set_new(step, "state", json_string("stopped"));
        json_object_set_new(step, "pid", json_integer(0));
        json_object_set_new(step, "finished", json_real(lr_now()));
    }
    const char *rs = true_run_state(st);
    if (strcmp(rs, "crashed") == 0 || strcmp(rs, "running") == 0)
        json_object_set_new(st, "state", json_string("stopped"));
    rc = save_status(dir, st, err);
    if (rc == MP_OK)
        mp_ctx_printf(ctx, "run %s stopped (%zu process%s ended)\n", jstr(st, "id"), stopped,
                      stopped == 1 ? "" : "es");
    json_decref(st);
    if (rc == MP_OK && left)
        rc = mp_error_set(err, MP_ERR_FAILED, "%zu process%s of run %s would not stop", left,
                          left == 1 ? "" : "es", jstr(st, "id"));
    return rc;
}
