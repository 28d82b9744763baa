/* SPDX-License-Identifier: MIT */
/* component_op.c: a pipeline step made from a component spec: load the file next to the
 * pipeline, resolve it with the step's arguments, and add the op kfp 1.8 would make. */
#include "config.h"

#include "component_op.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "component.h"
#include "diag.h"
#include "graph.h"

#define ANNOT "pipelines.kubeflow.org/"

/* Copy the component file's diagnostics into the pipeline's, at the step's 'component' key,
 * each naming the component file, line and column. */
static void relay(struct mp_diags *to, const struct mp_diags *from, const char *rel,
                  unsigned long line, unsigned long col)
{
    for (size_t i = 0; i < mp_diags_count(from); i++) {
        unsigned long l = mp_diag_line(from, i), c = mp_diag_column(from, i);
        if (l)
            mpi_diag_add(to, mp_diag_severity(from, i), line, col, mp_diag_expected(from, i),
                         "component %s:%lu:%lu: %s", rel, l, c, mp_diag_message(from, i));
        else
            mpi_diag_add(to, mp_diag_severity(from, i), line, col, mp_diag_expected(from, i),
                         "component %s: %s", rel, mp_diag_message(from, i));
    }
}

/* "{{steps.STEP.outputs.NAME}}" exactly: the step and output, in @a. */
static bool step_output(struct mpi_arena *a, const char *s, const char **step,
                        const char **output)
{
    static const char pre[] = "{{steps.", mid[] = ".outputs.";
    size_t n = strlen(s);
    if (strncmp(s, pre, sizeof(pre) - 1) || n < 4 || strcmp(s + n - 2, "}}"))
        return false;
    const char *st = s + sizeof(pre) - 1, *m = strstr(st, mid);
    if (!m || m == st)
        return false;
    const char *out = m + sizeof(mid) - 1;
    if (out >= s + n - 2 || memchr(out, '}', (size_t)(s + n - 2 - out)))
        return false;
    *step = mpi_arena_strndup(a, st, (size_t)(m - st));
    *output = mpi_arena_strndup(a, out, (size_t)(s + n - 2 - out));
    return *step && *output;
}

/* kfp 1.8's ContainerOp saves an output whose name, lower-cased with every character other
 * than [a-z0-9] made '-', is mlpipeline-ui-metadata or mlpipeline-metrics as that artifact
 * only (the files the KFP UI reads). That name, or NULL for other outputs. */
static const char *ui_output(struct mpi_arena *a, const char *name)
{
    char norm[32];
    size_t n = strlen(name);
    if (n >= sizeof(norm))
        return NULL;
    for (size_t i = 0; i <= n; i++) {
        char ch = name[i];
        if (ch >= 'A' && ch <= 'Z')
            ch = (char)(ch - 'A' + 'a');
        norm[i] = !ch || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ? ch : '-';
    }
    if (strcmp(norm, "mlpipeline-ui-metadata") && strcmp(norm, "mlpipeline-metrics"))
        return NULL;
    return mpi_arena_strdup(a, norm);
}

static int check(struct mp_diags *d, struct mp_error *err, int rc, unsigned long line,
                 unsigned long col)
{
    if (rc != MP_OK && rc != MP_ERR_NOMEM)
        mpi_diag_add(d, MP_DIAG_ERROR, line, col, NULL, "%s", mp_error_message(err));
    if (rc != MP_ERR_NOMEM) {
        mp_error_clear(err);
        return MP_OK;
    }
    return rc;
}

int mpi_component_op(struct mp_pipeline *p, const char *step, const char *pipeline_path,
                     const char *rel, const struct mpi_component_arg *args, size_t n_args,
                     unsigned long line, unsigned long col, struct mp_diags *d,
                     struct mp_op **out, struct mp_error *err)
{
    struct mp_diags *cd = mp_diags_new();
    struct mpi_component *c = NULL;
    struct mpi_component_use *u = NULL;
    struct mp_buf path, tmp;
    struct mp_op *op = NULL;
    int rc = MP_OK;
    mpi_buf_init(&path);
    mpi_buf_init(&tmp);
    if (!cd) {
        rc = mp_error_set(err, MP_ERR_NOMEM, "out of memory");
        goto out;
    }
    /* The component file is relative to the pipeline file's directory. */
    const char *slash = pipeline_path ? strrchr(pipeline_path, '/') : NULL;
    if (rel[0] != '/' && slash)
        mp_buf_append(&path, pipeline_path, (size_t)(slash - pipeline_path + 1));
    mp_buf_puts(&path, rel);
    if (mp_buf_error(&path)) {
        rc = mp_error_set(err, MP_ERR_NOMEM, "out of memory");
        goto out;
    }
    rc = mpi_component_load(mp_buf_data(&path), rel, &c, cd, err);
    if (rc == MP_ERR_IO) {
        mpi_diag_add(d, MP_DIAG_ERROR, line, col, "a component file (relative to the pipeline "
                     "file)", "step '%s': %s", step ? step : "?", mp_error_message(err));
        mp_error_clear(err);
        rc = MP_OK;
        goto out;
    }
    if (rc == MP_ERR_PARSE) {
        if (!mp_diags_error_count(cd)) /* never silently: every failure has a diagnostic */
            mpi_diag_add(cd, MP_DIAG_ERROR, 0, 0, NULL, "%s", mp_error_message(err));
        relay(d, cd, rel, line, col);
        mp_error_clear(err);
        rc = MP_OK;
        goto out;
    }
    if (rc != MP_OK)
        goto out;
    size_t before = mp_diags_error_count(d);
    rc = mpi_component_resolve(c, args, n_args, line, col, &u, d, err);
    if (rc == MP_ERR_PARSE || mp_diags_error_count(d) > before) {
        mp_error_clear(err);
        rc = MP_OK;
        goto out;
    }
    if (rc != MP_OK || !p || !step)
        goto out;

    if ((rc = check(d, err, mp_pipeline_add_op(p, step, c->image, &op, err), line, col)) ||
        !op)
        goto out;
    /* kfp 1.8 gives a component's op both lists, even empty: `args: []` */
    op->command_set = op->args_set = true;
    for (size_t i = 0; i < u->n_command && !rc; i++)
        rc = check(d, err, mp_op_add_command(op, u->command[i], err), line, col);
    for (size_t i = 0; i < u->n_args && !rc; i++)
        rc = check(d, err, mp_op_add_arg(op, u->args[i], err), line, col);
    for (size_t i = 0; i < c->n_env && !rc; i++)
        rc = check(d, err, mp_op_add_env(op, c->env[i].key, c->env[i].value, err), line, col);
    for (size_t i = 0; i < c->n_labels && !rc; i++)
        rc = check(d, err, mp_op_set_label(op, c->labels[i].key, c->labels[i].value, err),
                   line, col);
    for (size_t i = 0; i < u->n_output_paths && !rc; i++) {
        const char *name = ui_output(&u->arena, u->output_paths[i].name);
        enum mp_output_kind kind = name ? MP_OUTPUT_ARTIFACT : MP_OUTPUT_PARAMETER;
        if (!name)
            name = mpi_component_k8s_name(&u->arena, u->output_paths[i].name);
        if (!name) {
            rc = mp_error_set(err, MP_ERR_NOMEM, "out of memory");
            break;
        }
        rc = check(d, err, mp_op_add_output(op, name, u->output_paths[i].path, kind, err), line,
                   col);
    }
    for (size_t i = 0; i < u->n_input_paths && !rc; i++) {
        const struct mpi_component_file *f = &u->input_paths[i];
        const char *from_step, *from_output;
        if (!step_output(&u->arena, f->value, &from_step, &from_output)) {
            mpi_diag_add(d, MP_DIAG_ERROR, f->line ? f->line : line, f->line ? f->col : col,
                         "{{steps.STEP.outputs.NAME}}", "input '%s' of component '%s' is "
                         "read as a file (inputPath): its argument must be an output of "
                         "another step, {{steps.STEP.outputs.NAME}}, not '%s'", f->name,
                         c->name ? c->name : rel, f->value);
            continue;
        }
        rc = check(d, err, mp_op_add_input_artifact(op, from_step, from_output, f->path, err),
                   f->line ? f->line : line, f->line ? f->col : col);
    }
    /* The annotations, in the order kfp 1.8 writes them. */
    bool volatile_component = false;
    for (size_t i = 0; i < c->n_annotations && !rc; i++) {
        rc = check(d, err, mp_op_set_annotation(op, c->annotations[i].key,
                                                c->annotations[i].value, err), line, col);
        if (!strcmp(c->annotations[i].key, "volatile_component") &&
            !strcmp(c->annotations[i].value, "true"))
            volatile_component = true;
    }
    if (!rc)
        rc = check(d, err, mp_op_set_annotation(op, ANNOT "component_spec", c->spec_json, err),
                   line, col);
    mp_buf_puts(&tmp, "{\"digest\": ");
    mp_json_quote(&tmp, c->digest);
    mp_buf_puts(&tmp, ", \"url\": ");
    mp_json_quote(&tmp, rel);
    mp_buf_putc(&tmp, '}');
    if (!rc && mp_buf_error(&tmp))
        rc = mp_error_set(err, MP_ERR_NOMEM, "out of memory");
    if (!rc)
        rc = check(d, err, mp_op_set_annotation(op, ANNOT "component_ref", mp_buf_data(&tmp),
                                                err), line, col);
    if (!rc && u->arguments_json)
        rc = check(d, err, mp_op_set_annotation(op, ANNOT "arguments.parameters",
                                                u->arguments_json, err), line, col);
    if (!rc && volatile_component)
        rc = check(d, err, mp_op_set_annotation(op, ANNOT "max_cache_staleness", "P0D", err),
                   line, col);
    if (!rc && out)
        *out = op;
out:
    mpi_buf_release(&tmp);
    mpi_buf_release(&path);
    mpi_component_use_free(u);
    mpi_component_free(c);
    mp_diags_free(cd);
    return rc;
}
