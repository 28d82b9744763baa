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

/* FNV-1a over @n bytes. */
static uint64_t fp_bytes(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ULL;
    return h;
}

static uint64_t fp_str(uint64_t h, const char *str)
{
    return str ? fp_bytes(h, str, strlen(str) + 1) : fp_bytes(h, "", 0) * 31;
}

/* A fingerprint of every field step_json writes: when it is unchanged, so is the entry. */
static uint64_t step_fingerprint(const struct lr_step *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    h = fp_str(h, s->name);
    h = fp_str(h, s->image);
    h = fp_str(h, s->program);
    for (char **a = s->argv; a && *a; a++)
        h = fp_str(h, *a);
    int ints[] = {s->service, (int)s->state, s->attempts, s->retry_limit, s->exit_code,
                  s->signo, (int)s->pid, s->port};
    double reals[] = {s->timeout, s->started, s->finished};
    h = fp_bytes(h, ints, sizeof(ints));
    h = fp_bytes(h, reals, sizeof(reals));
    h = fp_str(h, s->reason);
    h = fp_str(h, s->progress);
    h = fp_str(h, s->summary);
    const void *outputs = s->outputs;
    h = fp_bytes(h, &outputs, sizeof(outputs));
    return fp_bytes(h, &s->outputs_gen, sizeof(s->outputs_gen));
}

/* @s's entry in the steps list of status.json: step_json as json_dump_file writes it at that
 * depth (every line indented by four more spaces), kept until its fields change. */
static bool step_text(struct lr_step *s)
{
    uint64_t fp = step_fingerprint(s);
    if (s->status_text && s->status_fp == fp)
        return true;
    json_t *o = step_json(s);
    char *text = o ? json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
    json_decref(o);
    if (!text)
        return false;
    size_t lines = 1, n = strlen(text);
    for (size_t i = 0; i < n; i++)
        lines += text[i] == '\n';
    char *out = malloc(n + 4 * lines + 1), *w = out;
    if (out) {
        memcpy(w, "    ", 4);
        w += 4;
        for (size_t i = 0; i < n; i++) {
            *w++ = text[i];
            if (text[i] == '\n') {
                memcpy(w, "    ", 4);
                w += 4;
            }
        }
        *w = '\0';
    }
    free(text);
    if (!out)
        return false;
    free(s->status_text);
    s->status_text = out;
    s->status_len = (size_t)(w - out);
    s->status_fp = fp;
    return true;
}

/* status.json's text: the run's fields as jansson writes them, with the steps' kept entries
 * in place of an empty list (a step's entry is serialised again only when it changed, so
 * that writing the state once per turn stays cheap in a long run). NULL: out of memory. */
static char *status_text(const struct lr_run *run, size_t *len)
{
    static const char mark[] = "\n  \"steps\": []";
    json_t *root = json_object();
    if (!root)
        return NULL;
    json_object_set_new(root, "id", json_string(run->id));
    json_object_set_new(root, "pipeline", json_string(run->pipeline));
    json_object_set_new(root, "state", json_string(run->state));
    json_object_set_new(root, "message", json_string(run->message));
    json_object_set_new(root, "runner_pid", json_integer(getpid()));
    json_object_set_new(root, "started", json_real(run->started));
    json_object_set_new(root, "finished", json_real(run->finished));
    json_object_set_new(root, "timeout", json_real(run->timeout));
    json_object_set_new(root, "steps", json_array());
    char *head = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(root);
    /* Keys and strings are escaped, so the mark is found only where the list is. */
    char *at = head ? strstr(head, mark) : NULL;
    if (!at) {
        free(head);
        return NULL;
    }
    size_t pre = (size_t)(at - head) + sizeof(mark) - 2, total = strlen(head) + 8;
    bool any = false;
    for (size_t i = 0; i < run->n; i++) {
        struct lr_step *s = &run->steps[i];
        if (s->hidden) /* an expanded stand-in: its iterations are listed */
            continue;
        if (!step_text(s)) {
            free(head);
            return NULL;
        }
        total += s->status_len + 2;
        any = true;
    }
    char *out = malloc(total), *w = out;
    if (!out) {
        free(head);
        return NULL;
    }
    memcpy(w, head, pre); /* up to and with the '[' */
    w += pre;
    const char *sep = "\n";
    for (size_t i = 0; i < run->n; i++) {
        const struct lr_step *s = &run->steps[i];
        if (s->hidden)
            continue;
        w = stpcpy(w, sep);
        memcpy(w, s->status_text, s->status_len);
        w += s->status_len;
        sep = ",\n";
    }
    if (any)
        w = stpcpy(w, "\n  ");
    w = stpcpy(w, head + pre); /* "]" and the rest */
    free(head);
    *len = (size_t)(w - out);
    return out;
}

int lr_state_write(const struct lr_run *run, struct mp_error *err)
{
    char path[4096], tmp[4200];
    size_t len = 0;
    char *text = status_text(run, &len);
    if (!text)
        return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
    snprintf(path, sizeof(path), "%s/status.json", run->dir);
    snprintf(tmp, sizeof(tmp), "%s/.status.json.%ld.tmp", run->dir, (long)getpid());
    FILE *f = fopen(tmp, "w");
    bool ok = f && fwrite(text, 1, len, f) == len;
    ok = (f && fclose(f) == 0) && ok;
    free(text);
    if (!ok) {
        unlink(tmp);
        return mp_error_set(err, MP_ERR_IO, "%s: cannot write", tmp);
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
        int e = errno;
        unlink(tmp);
        return mp_error_set(err, MP_ERR_IO, "%s: %s", path, strerror(e));
    }
    return MP_OK;
}
