/* SPDX-License-Identifier: MIT */
/* outputs.c: outputs passed between the local runner's steps, as Argo passes them: a step's
 * declared outputs are files it writes; once it succeeded, a parameter output's content (one
 * trailing newline dropped, at most 256 KiB) is the value later steps read through
 * {{steps.S.outputs.O}}, in their arguments, environment, `when` conditions and loop lists,
 * and every output's file is kept in the run's state (RUNDIR/outputs/STEP/NAME), from which
 * input artifacts are copied into the steps that take them; an artifact that is a directory
 * is kept and copied whole (tree.c), as Argo archives it and unpacks it at the reader's path.
 * A step sees a declared path through its files directory (RUNDIR/files/STEP + path), the
 * paths in its arguments rewritten. Read from outside a parallelFor, the output of a step in
 * it is the JSON list of its iterations' values (Argo's aggregated output parameter). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "local.h"

static const struct mp_op *step_op(const struct lr_run *run, const struct lr_step *s)
{
    return mp_pipeline_op_at(run->p, s->op);
}

static bool under(const char *path, const char *dir)
{
    size_t n = dir ? strlen(dir) : 0;
    return dir && strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

void lr_local_path(const struct lr_step *s, const char *path, char *out, size_t size)
{
    if (s->claim_dir && under(path, s->mount_path))
        snprintf(out, size, "%s%s", s->claim_dir, path + strlen(s->mount_path));
    else
        snprintf(out, size, "%s%s", s->files_dir ? s->files_dir : "", path);
}

static bool path_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '.' || c == '-';
}

/* Replace each occurrence of @path in @text that stands alone as a path (nothing path-like
 * before it; after it the end, a separator, or a '/' going further down) by @local. */
static int replace_path(const char *text, const char *path, const char *local, char **out)
{
    size_t pl = strlen(path);
    struct mp_buf *b = NULL;
    const char *p = text, *from = text, *q; /* copied up to @p; searched from @from */
    *out = NULL;
    while ((q = strstr(from, path)) != NULL) {
        bool alone = (q == text || !(path_char(q[-1]) || q[-1] == '/')) && !path_char(q[pl]);
        if (!alone) {
            from = q + 1;
            continue;
        }
        if (!b && !(b = mp_buf_new()))
            return MP_ERR_NOMEM;
        mp_buf_append(b, p, (size_t)(q - p));
        mp_buf_puts(b, local);
        p = from = q + pl;
    }
    if (!b)
        return MP_OK;
    mp_buf_puts(b, p);
    if (mp_buf_error(b) == MP_OK)
        *out = strdup(mp_buf_data(b));
    mp_buf_free(b);
    return *out ? MP_OK : MP_ERR_NOMEM;
}

int lr_paths_rewrite(const struct mp_op *op, const struct lr_step *s, const char *text,
                     char **out, struct mp_error *err)
{
    size_t no = mp_op_output_count(op), ni = mp_op_input_artifact_count(op);
    char *cur = NULL;
    *out = NULL;
    for (size_t i = 0; i < no + ni; i++) {
        const char *path = i < no ? mp_op_output_path(op, i) : mp_op_input_artifact_path(op, i - no);
        char local[4096], *next = NULL;
        if (!path || !*path || (s->claim_dir && s->use_ns && under(path, s->mount_path)))
            continue; /* seen where it is through the bind mount */
        lr_local_path(s, path, local, sizeof(local));
        if (replace_path(cur ? cur : text, path, local, &next) != MP_OK) {
            free(cur);
            return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
        }
        if (next) {
            free(cur);
            cur = next;
        }
    }
    *out = cur;
    return MP_OK;
}

void lr_outputs_note(const struct lr_run *run, const struct lr_step *s)
{
    const struct mp_op *op = step_op(run, s);
    size_t no = mp_op_output_count(op), ni = mp_op_input_artifact_count(op);
    for (size_t i = 0; i < no + ni && !s->tmpl; i++) { /* iterations: files/STEP-INDEX */
        const char *path = i < no ? mp_op_output_path(op, i) : mp_op_input_artifact_path(op, i - no);
        char local[4096];
        if (s->claim_dir && s->use_ns && under(path, s->mount_path))
            continue;
        lr_local_path(s, path, local, sizeof(local));
        mp_ctx_printf(run->ctx, "%s: its %s %s is the file %s (the path is rewritten in its "
                      "command, arguments and environment)\n", s->name,
                      i < no ? "output" : "input", path, local);
    }
}

/* Whether @op is in the group @g. */
static bool op_in_group(const struct mp_op *op, const void *g)
{
    for (const struct mp_group *x = mp_op_group(op); x; x = mp_group_parent(x))
        if ((const void *)x == g)
            return true;
    return false;
}

/* Whether @t runs once per item of a parallelFor that @s is outside of, no loop holding both:
 * @s reads what all of @t's iterations give (Argo's aggregated outputs of a fanned-out task). */
static bool fan_in(const struct lr_run *run, const struct lr_step *s, const struct lr_step *t)
{
    if (!t->loop || t->loop == s->loop)
        return false;
    for (const struct mp_group *g = mp_op_group(step_op(run, t)); g; g = mp_group_parent(g))
        if (mp_group_kind(g) == MP_GROUP_LOOP && op_in_group(step_op(run, s), g))
            return false;
    return true;
}

/* The step whose output @s reads as {{steps.@opname...}}: in a loop that @s is in, the same
 * iteration's. NULL with @why set when there is no single one; *@fan (if not NULL) set when
 * @opname runs once per item of a parallelFor that @s is outside of. */
static struct lr_step *producer(struct lr_run *run, const struct lr_step *s, const char *opname,
                                bool *fan, char *why, size_t size)
{
    struct lr_step *found = NULL;
    bool fanned = false;
    if (fan)
        *fan = false;
    for (size_t i = 0; i < run->n; i++) {
        struct lr_step *t = &run->steps[i];
        if (t == s || strcmp(mp_op_name(step_op(run, t)), opname) != 0)
            continue;
        if (t->loop && t->loop != s->loop) { /* a stand-in too: a loop with no item */
            fanned = fan_in(run, s, t);
            if (fan)
                *fan = fanned;
            snprintf(why, size, fanned ? "step '%s' runs once per item of a parallelFor that '%s' "
                     "is not in; Argo gathers a loop's parameter outputs into a list, never its "
                     "artifacts" : "step '%s' runs once per item of a parallelFor that '%s' is "
                     "not in; the local runner does not gather its iterations' outputs",
                     opname, s->name);
            return NULL;
        }
        if (t->hidden || (t->loop && t->iteration != s->iteration))
            continue;
        found = t;
    }
    if (!found)
        snprintf(why, size, "there is no step '%s' to read it from", opname);
    return found;
}

/* Why step @t has no parameter output @output to give, into @why; false when it has one. */
static bool no_value(const struct lr_step *t, const char *output, char *why, size_t size)
{
    json_t *o = t->outputs ? json_object_get(t->outputs, output) : NULL;
    if (t->state != LR_SUCCEEDED)
        snprintf(why, size, "step '%.64s' %s%s%.150s", t->name,
                 t->state == LR_SKIPPED ? "was skipped" : "did not succeed",
                 t->reason[0] ? ": " : "", t->reason);
    else if (!json_string_value(json_object_get(o, "value")))
        snprintf(why, size, "step '%s' has no parameter output '%s'", t->name, output);
    else
        return false;
    return true;
}

static int by_iteration(const void *a, const void *b)
{
    const struct lr_step *x = *(const struct lr_step *const *)a;
    const struct lr_step *y = *(const struct lr_step *const *)b;
    return (x->iteration > y->iteration) - (x->iteration < y->iteration);
}

/* {{steps.@opname.outputs.@output}} read from outside the parallelFor that @opname runs in:
 * what Argo gives for the aggregated output parameter of a fanned-out task, a JSON list of
 * the iterations' values in their order, as Go writes it (lr_go_json). The values are JSON
 * themselves when every one is a JSON object or list (Argo 3.6 and later), else strings.
 * Errors: MP_ERR_VALIDATE when an iteration has no value or the loop had no item (Argo
 * cannot resolve it then either), MP_ERR_NOMEM. */
static int gather(struct lr_run *run, const char *opname, const char *output, struct mp_buf *out,
                  struct mp_error *err)
{
    const struct lr_step **it = calloc(run->n ? run->n : 1, sizeof(*it));
    json_t *strs = json_array(), *parsed = json_array();
    char why[256] = "";
    size_t n = 0;
    int rc = MP_OK;
    if (!it || !strs || !parsed) {
        rc = mp_error_set(err, MP_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < run->n; i++)
        if (!run->steps[i].hidden && strcmp(mp_op_name(step_op(run, &run->steps[i])), opname) == 0)
            it[n++] = &run->steps[i];
    qsort(it, n, sizeof(*it), by_iteration);
    for (size_t i = 0; i < n && !why[0]; i++) {
        const char *v;
        json_t *j;
        if (no_value(it[i], output, why, sizeof(why)))
            break;
        v = json_string_value(json_object_get(json_object_get(it[i]->outputs, output), "value"));
        json_array_append_new(strs, json_string(v));
        if (!parsed)
            continue;
        j = json_loads(v, JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL, NULL); /* as Go reads it */
        if (json_is_object(j) || json_is_array(j)) {
            json_array_append_new(parsed, j);
        } else {
            json_decref(j);
            json_decref(parsed);
            parsed = NULL; /* one that is not: all are strings */
        }
    }
    if (!why[0] && n == 0)
        snprintf(why, sizeof(why), "the parallelFor of step '%s' had no item, so no iteration "
                 "gave one", opname);
    if (why[0]) {
        rc = mp_error_set(err, MP_ERR_VALIDATE, "{{steps.%s.outputs.%s}} has no value: %s",
                          opname, output, why);
        goto out;
    }
    rc = json_array_size(strs) == n ? lr_go_json(parsed ? parsed : strs, out) : MP_ERR_NOMEM;
    if (rc != MP_OK)
        rc = mp_error_set(err, MP_ERR_NOMEM, "out of memory");
out:
    free(it);
    json_decref(strs);
    json_decref(parsed);
    return rc;
}

struct render_ctx {
    struct lr_run *run;
    const struct lr_step *s;
};

static int render_output(void *user, const char *step, const char *output, struct mp_buf *out,
                         struct mp_error *err)
{
    struct render_ctx *rc = user;
    char why[256];
    bool fan;
    struct lr_step *t = producer(rc->run, rc->s, step, &fan, why, sizeof(why));
    if (fan)
        return gather(rc->run, step, output, out, err);
    if (!t || no_value(t, output, why, sizeof(why)))
        return mp_error_set(err, MP_ERR_VALIDATE, "{{steps.%s.outputs.%s}} has no value: %s",
                            step, output, why);
    const char *v = json_string_value(json_object_get(json_object_get(t->outputs, output),
                                                      "value"));
    return mp_buf_puts(out, v) == MP_OK ? MP_OK
                                        : mp_error_set(err, MP_ERR_NOMEM, "out of memory");
}

int lr_outputs_render(struct lr_run *run, const struct lr_step *s, const char *text, char **out,
                      struct mp_error *err)
{
    if (!strstr(text, "{{steps.")) {
        *out = strdup(text);
        return *out ? MP_OK : mp_error_set(err, MP_ERR_NOMEM, "out of memory");
    }
    struct mp_buf *b = mp_buf_new();
    struct render_ctx rc = {run, s};
    if (!b)
        return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
    int r = mp_render_outputs(text, NULL, render_output, &rc, b, err);
    if (r == MP_OK && !(*out = strdup(mp_buf_data(b))))
        r = mp_error_set(err, MP_ERR_NOMEM, "out of memory");
    mp_buf_free(b);
    return r;
}

/* ---- dependencies ---- */

struct dep_ctx {
    struct lr_run *run;
    size_t i;
};

static int dep_on(struct dep_ctx *dc, const char *opname, struct mp_error *err)
{
    struct lr_step *s = &dc->run->steps[dc->i];
    for (size_t j = 0; j < dc->run->n; j++) {
        const struct lr_step *t = &dc->run->steps[j];
        if (j == dc->i || strcmp(mp_op_name(step_op(dc->run, t)), opname) != 0 ||
            (s->loop && t->loop == s->loop && t->iteration != s->iteration))
            continue;
        int rc = lr_step_add_dep(s, j, err);
        if (rc != MP_OK)
            return rc;
    }
    return MP_OK;
}

static int dep_ref(void *user, const char *step, const char *output, struct mp_buf *out,
                   struct mp_error *err)
{
    (void)output;
    (void)out;
    return dep_on(user, step, err);
}

int lr_link_data_deps(struct lr_run *run, size_t i, struct mp_error *err)
{
    struct dep_ctx dc = {run, i};
    const struct mp_op *op = step_op(run, &run->steps[i]);
    int rc = MP_OK;
    for (size_t k = 0; k < mp_op_output_ref_count(op) && rc == MP_OK; k++)
        rc = dep_on(&dc, mp_op_output_ref_step(op, k), err);
    for (size_t k = 0; k < mp_op_input_artifact_count(op) && rc == MP_OK; k++)
        rc = dep_on(&dc, mp_op_input_artifact_step(op, k), err);
    for (const struct mp_group *g = mp_op_group(op); g && rc == MP_OK; g = mp_group_parent(g)) {
        const char *texts[3] = {NULL, NULL, NULL};
        if (mp_group_kind(g) == MP_GROUP_CONDITION) {
            texts[0] = mp_group_condition_left(g);
            texts[1] = mp_group_condition_right(g);
        } else if (mp_group_kind(g) == MP_GROUP_LOOP) {
            texts[0] = mp_group_loop_source(g);
        }
        for (int t = 0; t < 3 && rc == MP_OK; t++) {
            struct mp_buf *b;
            if (!texts[t] || !strstr(texts[t], "{{steps."))
                continue;
            if (!(b = mp_buf_new()))
                return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
            rc = mp_render_outputs(texts[t], NULL, dep_ref, &dc, b, err);
            mp_buf_free(b);
        }
    }
    return rc;
}

/* ---- files ---- */

/* mkdir -p of the directory that holds @path. */
static int mkdir_parent(const char *path, struct mp_error *err)
{
    char dir[4400];
    snprintf(dir, sizeof(dir), "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir)
        return MP_OK;
    *slash = '\0';
    return lr_mkdirs(dir, err);
}

/* Copy @src to @dst (a new file, written whole then renamed into place). */
static int copy_file(const char *src, const char *dst, char *why, size_t size)
{
    char tmp[4200];
    snprintf(tmp, sizeof(tmp), "%s.tmp-%ld", dst, (long)getpid());
    int in = open(src, O_RDONLY | O_CLOEXEC), out = -1;
    if (in < 0) {
        snprintf(why, size, "%s: %s", src, strerror(errno));
        return -1;
    }
    struct stat sb;
    if (fstat(in, &sb) != 0 || !S_ISREG(sb.st_mode) ||
        (out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, sb.st_mode & 0777)) < 0) {
        snprintf(why, size, "%.300s: %s", out < 0 && S_ISREG(sb.st_mode) ? tmp : src,
                 S_ISREG(sb.st_mode) ? strerror(errno) : "not a regular file");
        close(in);
        return -1;
    }
    char buf[65536];
    ssize_t r = 0;
    while ((r = read(in, buf, sizeof(buf))) > 0)
        for (ssize_t w = 0, k; w < r; w += k)
            if ((k = write(out, buf + w, (size_t)(r - w))) < 0) {
                r = -1;
                break;
            }
    int e = errno;
    close(in);
    if (close(out) != 0 || r < 0 || rename(tmp, dst) != 0) {
        snprintf(why, size, "copying %.200s to %.200s: %s", src, dst, strerror(r < 0 ? e : errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* A line in the step's log from the runner: why it failed or was skipped. */
static void log_note(struct lr_step *s, const char *fmt, ...) MP_PRINTF(2, 3);
static void log_note(struct lr_step *s, const char *fmt, ...)
{
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(text, sizeof(text) - 1, fmt, ap);
    va_end(ap);
    if (n < 0 || s->log_fd < 0)
        return;
    if ((size_t)n > sizeof(text) - 2)
        n = (int)sizeof(text) - 2;
    text[n++] = '\n';
    (void)!write(s->log_fd, "mnistpipe local: ", 17);
    (void)!write(s->log_fd, text, (size_t)n);
}

static enum lr_prep prep_fail(struct lr_step *s, const char *msg)
{
    s->state = LR_FAILED;
    snprintf(s->reason, sizeof(s->reason), "%.*s", (int)sizeof(s->reason) - 1, msg);
    log_note(s, "%s", msg);
    return LR_PREP_FAIL;
}

/* {{steps...}} in each of @vec's strings replaced; "/mnt/x" rewritten as add_arg() does. */
static int render_vec(struct lr_run *run, struct lr_step *s, char **vec, bool args,
                      struct mp_error *err)
{
    for (char **a = vec; a && *a; a++) {
        char *v = NULL;
        if (!strstr(*a, "{{steps."))
            continue;
        int rc = lr_outputs_render(run, s, *a, &v, err);
        if (rc != MP_OK)
            return rc;
        if (args && s->claim_dir && !s->use_ns && under(v, s->mount_path)) {
            char buf[4096];
            snprintf(buf, sizeof(buf), "%s%s", s->claim_dir, v + strlen(s->mount_path));
            free(v);
            if (!(v = strdup(buf)))
                return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
        }
        free(*a);
        *a = v;
    }
    return MP_OK;
}

enum lr_prep lr_outputs_prepare(struct lr_run *run, struct lr_step *s)
{
    const struct mp_op *op = step_op(run, s);
    struct mp_error *err = mp_error_new();
    char why[512], local[4096], msg[768];
    enum lr_prep r = LR_PREP_START;
    if (!err)
        return prep_fail(s, "out of memory");
    bool holds = true;
    if (s->deferred_cond && lr_setup_conditions(run, s, &holds, why, sizeof(why), err) != MP_OK) {
        r = prep_fail(s, mp_error_message(err));
        goto out;
    }
    if (!holds) {
        s->state = LR_SKIPPED;
        s->cond_false = true;
        snprintf(s->reason, sizeof(s->reason), "%.*s", (int)sizeof(s->reason) - 1, why);
        r = LR_PREP_SKIP;
        goto out;
    }
    if (render_vec(run, s, s->argv, true, err) != MP_OK ||
        render_vec(run, s, s->env, false, err) != MP_OK) {
        r = prep_fail(s, mp_error_message(err));
        goto out;
    }
    /* The output files of an earlier attempt are not this attempt's. */
    for (size_t i = 0; i < mp_op_output_count(op); i++) {
        lr_local_path(s, mp_op_output_path(op, i), local, sizeof(local));
        if (mkdir_parent(local, err) != MP_OK) {
            r = prep_fail(s, mp_error_message(err));
            goto out;
        }
        if (!(s->claim_dir && under(mp_op_output_path(op, i), s->mount_path)))
            (void)lr_tree_remove(local);
    }
    for (size_t i = 0; i < mp_op_input_artifact_count(op); i++) {
        const char *from = mp_op_input_artifact_step(op, i);
        const char *name = mp_op_input_artifact_output(op, i);
        struct lr_step *t = producer(run, s, from, NULL, why, sizeof(why));
        const char *file = t && t->state == LR_SUCCEEDED
                               ? json_string_value(json_object_get(
                                     json_object_get(t->outputs, name), "file"))
                               : NULL;
        if (t && !file)
            snprintf(why, sizeof(why), "step '%s' %s", t->name,
                     t->state == LR_SUCCEEDED ? "kept no such output" : "did not succeed");
        bool dir = json_object_get(json_object_get(t ? t->outputs : NULL, name), "directory");
        lr_local_path(s, mp_op_input_artifact_path(op, i), local, sizeof(local));
        if (!file || mkdir_parent(local, err) != MP_OK ||
            (dir ? lr_tree_copy(file, local, file, false, NULL, NULL, why, sizeof(why))
                 : copy_file(file, local, why, sizeof(why))) != 0) {
            snprintf(msg, sizeof(msg), "input artifact %s of step '%s': %s", name, from,
                     file && mp_error_code(err) != MP_OK ? mp_error_message(err) : why);
            r = prep_fail(s, msg);
            goto out;
        }
    }
out:
    mp_error_free(err);
    return r;
}

/* Whether @text[0..@n) is UTF-8 text without NUL bytes (what a parameter can carry). */
static bool is_text(const char *text, size_t n)
{
    if (memchr(text, '\0', n))
        return false;
    json_t *j = json_stringn(text, n);
    json_decref(j);
    return j != NULL;
}

static bool collect_fail(struct lr_step *s, const char *fmt, ...) MP_PRINTF(2, 3);
static bool collect_fail(struct lr_step *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->reason, sizeof(s->reason), fmt, ap);
    va_end(ap);
    log_note(s, "%s", s->reason);
    return false;
}

bool lr_outputs_collect(struct lr_run *run, struct lr_step *s)
{
    const struct mp_op *op = step_op(run, s);
    size_t n = mp_op_output_count(op);
    if (n == 0)
        return true;
    json_t *outs = json_object();
    if (!outs)
        return collect_fail(s, "out of memory");
    char local[4096], keep[4400], why[512];
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++) {
        const char *name = mp_op_output_name(op, i), *path = mp_op_output_path(op, i);
        bool param = mp_op_output_kind(op, i) == MP_OUTPUT_PARAMETER;
        bool in_claim = s->claim_dir && under(path, s->mount_path);
        struct stat sb;
        lr_local_path(s, path, local, sizeof(local));
        if (stat(local, &sb) != 0) {
            ok = collect_fail(s, "output '%s': no file at %s (%s)", name, path, strerror(errno));
            log_note(s, "output '%s' is looked for at %s", name, local);
            break;
        }
        bool dir = S_ISDIR(sb.st_mode);
        if (dir && param) {
            ok = collect_fail(s, "output '%s': %s is a directory; a parameter is the content "
                              "of a file (declare it kind: artifact to pass the directory)",
                              name, path);
            break;
        }
        if (!dir && !S_ISREG(sb.st_mode)) {
            ok = collect_fail(s, "output '%s': %s is not a regular file or directory", name,
                              path);
            break;
        }
        if (param && sb.st_size > LR_PARAM_MAX) {
            ok = collect_fail(s, "output '%s': %s holds %lld bytes; an output parameter holds "
                              "at most %d", name, path, (long long)sb.st_size, LR_PARAM_MAX);
            break;
        }
        snprintf(keep, sizeof(keep), "%s/outputs/%s/%s", run->dir, s->name, name);
        struct mp_error *err = mp_error_new();
        long entries = 0;
        long long bytes = 0;
        if (!dir)
            (void)lr_tree_remove(keep); /* a directory kept by an earlier attempt too */
        if (!err || mkdir_parent(keep, err) != MP_OK ||
            (dir ? lr_tree_copy(local, keep, path, !in_claim, &entries, &bytes, why,
                                   sizeof(why)) != 0
                 : ((in_claim || link(local, keep) != 0) &&
                    copy_file(local, keep, why, sizeof(why)) != 0))) {
            ok = collect_fail(s, "output '%s': %s", name,
                              err && mp_error_code(err) != MP_OK ? mp_error_message(err) : why);
            mp_error_free(err);
            break;
        }
        mp_error_free(err);
        json_t *o = json_pack("{s:s, s:s, s:s}", "kind", param ? "parameter" : "artifact",
                              "path", path, "file", keep);
        if (o && dir && json_object_set_new(o, "directory", json_pack("{s:I, s:I}", "entries",
                                            (json_int_t)entries, "bytes", (json_int_t)bytes)))
            ok = collect_fail(s, "out of memory");
        if (o && param) {
            /* The kept copy is read: the step's own file may change under a claim. */
            char *text = malloc((size_t)sb.st_size + 1);
            int fd = open(keep, O_RDONLY | O_CLOEXEC);
            ssize_t got = 0, r = 1;
            while (text && fd >= 0 && got < (ssize_t)sb.st_size &&
                   (r = read(fd, text + got, (size_t)sb.st_size - (size_t)got)) > 0)
                got += r;
            if (fd >= 0)
                close(fd);
            if (!text || got != (ssize_t)sb.st_size)
                ok = collect_fail(s, "output '%s': reading %s: %s", name, keep,
                                  text ? strerror(errno) : "out of memory");
            else if (!is_text(text, (size_t)got))
                ok = collect_fail(s, "output '%s': %s is not text (a NUL byte or invalid "
                                  "UTF-8); pass it as an artifact", name, path);
            else {
                /* Argo drops one trailing newline ("for user convenience"). */
                size_t len = (size_t)got - (got > 0 && text[got - 1] == '\n');
                json_object_set_new(o, "value", json_stringn(text, len));
            }
            free(text);
        }
        if (!o || json_object_set_new(outs, name, o) != 0)
            ok = ok ? collect_fail(s, "out of memory") : false;
    }
    if (ok) {
        json_decref(s->outputs);
        s->outputs = outs;
        s->outputs_gen++;
    } else {
        json_decref(outs);
    }
    return ok;
}

int lr_outputs_expand(struct lr_run *run, size_t t, bool *ok, struct mp_error *err)
{
    struct lr_step *s = &run->steps[t];
    const char *src = mp_group_loop_source(s->loop);
    struct mp_error *e2 = mp_error_new();
    char *text = NULL, msg[512];
    json_t *items = NULL;
    *ok = true;
    if (!e2)
        return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
    if (lr_outputs_render(run, s, src ? src : "[]", &text, e2) != MP_OK) {
        snprintf(msg, sizeof(msg), "%s", mp_error_message(e2));
    } else {
        json_error_t je;
        items = json_loads(text, JSON_DECODE_ANY, &je);
        if (!json_is_array(items))
            snprintf(msg, sizeof(msg), "its parallelFor is over %s, which is not a JSON list: "
                     "'%.40s%s'", src, text, strlen(text) > 40 ? "..." : "");
    }
    mp_error_free(e2);
    free(text);
    if (!json_is_array(items)) {
        json_decref(items);
        *ok = false;
        for (size_t i = 0; i < run->n; i++) {
            struct lr_step *x = &run->steps[i];
            if (x->tmpl && !x->hidden && x->loop == s->loop && x->state == LR_PENDING) {
                (void)prep_fail(x, msg);
                lr_progress_event(run, x, "failed: %s", x->reason);
            }
        }
        return MP_OK;
    }
    size_t k = json_array_size(items);
    lr_progress_event(run, s, "%zu iteration%s from %s", k, k == 1 ? "" : "s", src);
    int rc = lr_setup_expand(run, t, items, err);
    json_decref(items);
    return rc;
}
