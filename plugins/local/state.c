/* SPDX-License-Identifier: MIT */
/* state.c: the local runner's state directory and each run's status.json (atomic writes). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "local.h"

double lr_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int lr_mkdirs(const char *path, struct mp_error *err)
{
    char tmp[4096];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof(tmp))
        return mp_error_set(err, MP_ERR_IO, "bad directory name '%s'", path);
    memcpy(tmp, path, n + 1);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
            return mp_error_set(err, MP_ERR_IO, "%s: %s", tmp, strerror(errno));
        *p = '/';
    }
    if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
        return mp_error_set(err, MP_ERR_IO, "%s: %s", tmp, strerror(errno));
    return MP_OK;
}

int lr_state_root(char *out, size_t size, struct mp_error *err)
{
    const char *xdg = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");
    int n;
    if (xdg && xdg[0] == '/')
        n = snprintf(out, size, "%s/mnistpipe", xdg);
    else if (home && home[0] == '/')
        n = snprintf(out, size, "%s/.local/state/mnistpipe", home);
    else
        return mp_error_set(err, MP_ERR_IO,
                            "no state directory: set XDG_STATE_HOME or HOME to an absolute path");
    if (n < 0 || (size_t)n >= size)
        return mp_error_set(err, MP_ERR_IO, "state directory name too long");
    return lr_mkdirs(out, err);
}

const char *lr_state_name(enum lr_state s)
{
    switch (s) {
    case LR_PENDING: return "pending";
    case LR_RUNNING: return "running";
    case LR_SUCCEEDED: return "succeeded";
    case LR_FAILED: return "failed";
    case LR_SKIPPED: return "skipped";
    case LR_CANCELLED: return "cancelled";
    case LR_SERVING: return "serving";
    case LR_STOPPED: return "stopped";
    }
    return "unknown";
}

bool lr_pid_alive(pid_t pid)
{
    if (pid <= 0 || (kill(pid, 0) != 0 && errno == ESRCH))
        return false;
    /* A zombie answers kill(0) until its parent reaps it. */
    char path[64], buf[512];
    snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return true;
    ssize_t r = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (r <= 0)
        return true;
    buf[r] = '\0';
    const char *paren = strrchr(buf, ')');
    return !(paren && paren[1] == ' ' && (paren[2] == 'Z' || paren[2] == 'X'));
}

double lr_parse_duration(const char *s)
{
    if (!s || !*s)
        return -1;
    char *end;
    double v = strtod(s, &end);
    if (end == s || v < 0)
        return -1;
    if (*end == '\0')
        return v; /* plain seconds */
    double total = 0;
    const char *p = s;
    while (*p) {
        v = strtod(p, &end);
        if (end == p || v < 0)
            return -1;
        p = end;
        if (strncmp(p, "ms", 2) == 0) {
            total += v / 1000;
            p += 2;
        } else if (*p == 'h') {
            total += v * 3600;
            p++;
        } else if (*p == 'm') {
            total += v * 60;
            p++;
        } else if (*p == 's') {
            total += v;
            p++;
        } else {
            return -1;
        }
    }
    return total;
}

bool lr_pid_file_read(const char *path, pid_t *pid, int *attempt)
{
    char buf[64];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t r = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    long p = 0;
    int a = 0;
    if (r <= 0)
        return false;
    buf[r] = '\0';
    if (sscanf(buf, "%ld %d", &p, &a) != 2 || p <= 0 || a <= 0)
        return false;
    *pid = (pid_t)p;
    *attempt = a;
    return true;
}

static json_t *step_json(const struct lr_step *s)
{
    json_t *o = json_object();
    json_t *argv = json_array();
    if (!o || !argv) {
        json_decref(o);
        json_decref(argv);
        return NULL;
    }
    for (char **a = s->argv; a && *a; a++)
        json_array_append_new(argv, json_string(*a));
    json_object_set_new(o, "name", json_string(s->name));
    json_object_set_new(o, "image", json_string(s->image));
    json_object_set_new(o, "program", json_string(s->program ? s->program : ""));
    json_object_set_new(o, "argv", argv);
    json_object_set_new(o, "service", json_boolean(s->service));
    json_object_set_new(o, "state", json_string(lr_state_name(s->state)));
    json_object_set_new(o, "attempts", json_integer(s->attempts));
    json_object_set_new(o, "max_attempts", json_integer(s->retry_limit + 1));
    json_object_set_new(o, "timeout", json_real(s->timeout));
    json_object_set_new(o, "reason", json_string(s->reason));
    json_object_set_new(o, "exit_code", json_integer(s->exit_code));
    json_object_set_new(o, "signal", json_integer(s->signo));
    json_object_set_new(o, "pid", json_integer(s->pid));
    json_object_set_new(o, "started", json_real(s->started));
    json_object_set_new(o, "finished", json_real(s->finished));
    json_object_set_new(o, "port", json_integer(s->port));
    json_object_set_new(o, "progress", json_string(s->progress));
    json_object_set_new(o, "summary", json_string(s->summary));
    if (s->outputs)
        json_object_set(o, "outputs", s->outputs);
    return o;
}

int lr_state_write(const struct lr_run *run, struct mp_error *err)
{
    char path[4096], tmp[4200];
    int rc = MP_OK;
    json_t *root = json_object(), *steps = json_array();
    if (!root || !steps) {
        rc = mp_error_set(err, MP_ERR_NOMEM, "out of memory");
        goto out;
    }
    json_object_set_new(root, "id", json_string(run->id));
    json_object_set_new(root, "pipeline", json_string(run->pipeline));
    json_object_set_new(root, "state", json_string(run->state));
    json_object_set_new(root, "message", json_string(run->message));
    json_object_set_new(root, "runner_pid", json_integer(getpid()));
    json_object_set_new(root, "started", json_real(run->started));
    json_object_set_new(root, "finished", json_real(run->finished));
    json_object_set_new(root, "timeout", json_real(run->timeout));
    for (size_t i = 0; i < run->n; i++) {
        if (run->steps[i].hidden) /* an expanded stand-in: its iterations are listed */
            continue;
        json_t *s = step_json(&run->steps[i]);
        if (!s) {
            rc = mp_error_set(err, MP_ERR_NOMEM, "out of memory");
            goto out;
        }
        json_array_append_new(steps, s);
    }
    json_object_set(root, "steps", steps);
    snprintf(path, sizeof(path), "%s/status.json", run->dir);
    snprintf(tmp, sizeof(tmp), "%s/.status.json.%ld.tmp", run->dir, (long)getpid());
    if (json_dump_file(root, tmp, JSON_INDENT(2) | JSON_SORT_KEYS) != 0) {
        rc = mp_error_set(err, MP_ERR_IO, "%s: cannot write", tmp);
        goto out;
    }
    /* The rename alone leaves the old or the new file when mnistpipe dies. The final state
     * is also fsync'd first, for a system crash; doing that for every step's start and end
     * cost 3-5 ms a step on ext4 (the rename waits for the journal), more than a short
     * step itself. */
    if (run->state && strcmp(run->state, "running") != 0) {
        int fd = open(tmp, O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            (void)fsync(fd);
            close(fd);
        }
    }
    if (rename(tmp, path) != 0) {
        rc = mp_error_set(err, MP_ERR_IO, "%s: %s", path, strerror(errno));
        unlink(tmp);
    }
out:
    json_decref(steps);
    json_decref(root);
    return rc;
}
