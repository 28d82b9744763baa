/* SPDX-License-Identifier: MIT */
/* graph_io.c: op outputs, input artifacts and the outputs an op reads from other ops
 * (mp_op_*output*, mp_op_*input_artifact*). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "graph.h"
#include "placeholder.h"

static int nomem(struct mp_error *err)
{
    return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
}

bool mpi_output_is_ui(const char *output)
{
    return !strcmp(output, "mlpipeline-ui-metadata") || !strcmp(output, "mlpipeline-metrics");
}

const char *mpi_output_argo_name(struct mp_pipeline *p, const char *step, const char *output)
{
    if (mpi_output_is_ui(output))
        return mpi_arena_strdup(&p->arena, output);
    size_t ls = strlen(step), lo = strlen(output);
    char *s = mpi_arena_alloc(&p->arena, ls + lo + 2);
    if (!s)
        return NULL;
    memcpy(s, step, ls);
    s[ls] = '-';
    memcpy(s + ls + 1, output, lo + 1);
    return s;
}

/* ---- outputs ---- */

int mp_op_add_output(struct mp_op *op, const char *name, const char *path,
                     enum mp_output_kind kind, struct mp_error *err)
{
    if (!mpi_op_check(op))
        return mp_error_set(err, MP_ERR_INVAL, "invalid op handle");
    MPI_CHANGED(op->pipeline);
    if (!mpi_param_name_valid(name))
        return mp_error_set(err, MP_ERR_INVAL,
                            "op '%s': output name '%s' is invalid: expected a letter or '_' "
                            "then letters, digits, '_' or '-'",
                            op->name, name ? name : "");
    if (!path || path[0] != '/')
        return mp_error_set(err, MP_ERR_INVAL, "op '%s': output '%s': path '%s' is not absolute",
                            op->name, name, path ? path : "");
    if (kind != MP_OUTPUT_PARAMETER && kind != MP_OUTPUT_ARTIFACT)
        return mp_error_set(err, MP_ERR_INVAL, "op '%s': output '%s': unknown kind %d",
                            op->name, name, (int)kind);
    for (size_t i = 0; i < op->outputs.n; i++)
        if (!strcmp(op->outputs.v[i].name, name))
            return mp_error_set(err, MP_ERR_EXISTS, "op '%s': output '%s' is declared twice",
                                op->name, name);
    struct mpi_output o = {.name = mpi_arena_strdup(&op->pipeline->arena, name),
                           .path = mpi_arena_strdup(&op->pipeline->arena, path),
                           .kind = kind};
    if (!o.name || !o.path || MPI_VEC_PUSH(&op->pipeline->arena, op->outputs, o) != MP_OK)
        return nomem(err);
    return MP_OK;
}

size_t mp_op_output_count(const struct mp_op *op)
{
    return mpi_op_check(op) ? op->outputs.n : 0;
}

const char *mp_op_output_name(const struct mp_op *op, size_t i)
{
    const struct mpi_output *o = MPI_OP_ITEM(op, outputs, i);
    return o ? o->name : NULL;
}

const char *mp_op_output_path(const struct mp_op *op, size_t i)
{
    const struct mpi_output *o = MPI_OP_ITEM(op, outputs, i);
    return o ? o->path : NULL;
}

enum mp_output_kind mp_op_output_kind(const struct mp_op *op, size_t i)
{
    const struct mpi_output *o = MPI_OP_ITEM(op, outputs, i);
    return o ? o->kind : (enum mp_output_kind)0;
}

int mp_op_find_output(const struct mp_op *op, const char *name, size_t *index,
                      struct mp_error *err)
{
    if (!mpi_op_check(op) || !name || !index)
        return mp_error_set(err, MP_ERR_INVAL, "mp_op_find_output: invalid argument");
    for (size_t i = 0; i < op->outputs.n; i++)
        if (!strcmp(op->outputs.v[i].name, name)) {
            *index = i;
            return MP_OK;
        }
    return mp_error_set(err, MP_ERR_NOTFOUND, "op '%s' has no output '%s'", op->name, name);
}

/* ---- input artifacts ---- */

int mp_op_add_input_artifact(struct mp_op *op, const char *step, const char *output,
                             const char *path, struct mp_error *err)
{
    if (!mpi_op_check(op))
        return mp_error_set(err, MP_ERR_INVAL, "invalid op handle");
    MPI_CHANGED(op->pipeline);
    if (!mpi_dns_label_valid(step) || !mpi_param_name_valid(output))
        return mp_error_set(err, MP_ERR_INVAL, "op '%s': input artifact from '%s' output '%s': "
                            "invalid step or output name", op->name, step ? step : "",
                            output ? output : "");
    if (!strcmp(step, op->name))
        return mp_error_set(err, MP_ERR_INVAL, "op '%s': an input artifact from its own output "
                            "'%s'", op->name, output);
    if (!path || path[0] != '/')
        return mp_error_set(err, MP_ERR_INVAL, "op '%s': input artifact path '%s' is not "
                            "absolute", op->name, path ? path : "");
    for (size_t i = 0; i < op->input_artifacts.n; i++)
        if (!strcmp(op->input_artifacts.v[i].path, path))
            return mp_error_set(err, MP_ERR_EXISTS, "op '%s': two input artifacts at '%s'",
                                op->name, path);
    struct mpi_input_artifact a = {.step = mpi_arena_strdup(&op->pipeline->arena, step),
                                   .output = mpi_arena_strdup(&op->pipeline->arena, output),
                                   .path = mpi_arena_strdup(&op->pipeline->arena, path)};
    if (!a.step || !a.output || !a.path ||
        MPI_VEC_PUSH(&op->pipeline->arena, op->input_artifacts, a) != MP_OK)
        return nomem(err);
    return MP_OK;
}

size_t mp_op_input_artifact_count(const struct mp_op *op)
{
    return mpi_op_check(op) ? op->input_artifacts.n : 0;
}

const char *mp_op_input_artifact_step(const struct mp_op *op, size_t i)
{
    const struct mpi_input_artifact *a = MPI_OP_ITEM(op, input_artifacts, i);
    return a ? a->step : NULL;
}

const char *mp_op_input_artifact_output(const struct mp_op *op, size_t i)
{
    const struct mpi_input_artifact *a = MPI_OP_ITEM(op, input_artifacts, i);
    return a ? a->output : NULL;
}

const char *mp_op_input_artifact_path(const struct mp_op *op, size_t i)
{
    const struct mpi_input_artifact *a = MPI_OP_ITEM(op, input_artifacts, i);
    return a ? a->path : NULL;
}

/* ---- outputs read from other ops ---- */

/* The position of output @argo of step @st in the op's output_refs, or where it would go. */
static size_t output_ref_find(const struct mp_op *op, const char *st, const char *argo,
                              bool *found)
{
    size_t lo = 0, hi = op->output_refs.n;
    *found = false;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const struct mpi_output_ref *r = &op->output_refs.v[mid];
        int c = strcmp(r->argo, argo);
        if (c == 0)
            c = strcmp(r->step, st);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int note_output_ref(void *user, const char *step, size_t slen, const char *name,
                           size_t nlen)
{
    struct mp_op *op = user;
    struct mpi_arena *a = &op->pipeline->arena;
    const char *st = mpi_arena_strndup(a, step, slen), *nm = mpi_arena_strndup(a, name, nlen);
    const char *argo = st && nm ? mpi_output_argo_name(op->pipeline, st, nm) : NULL;
    if (!argo)
        return MP_ERR_NOMEM;
    bool found;
    size_t lo = output_ref_find(op, st, argo, &found);
    if (found) {
        op->output_refs.v[lo].uses++;
        return MP_OK;
    }
    if (mpi_vec_reserve(a, (void **)&op->output_refs.v, sizeof(*op->output_refs.v),
                        &op->output_refs.cap, op->output_refs.n + 1) != MP_OK)
        return MP_ERR_NOMEM;
    memmove(&op->output_refs.v[lo + 1], &op->output_refs.v[lo],
            (op->output_refs.n - lo) * sizeof(*op->output_refs.v));
    op->output_refs.v[lo] =
        (struct mpi_output_ref){.step = st, .output = nm, .argo = argo, .uses = 1};
    op->output_refs.n++;
    return MP_OK;
}

int mpi_op_note_output_refs(struct mp_op *op, const char *s)
{
    return mpi_output_ref_each(s, note_output_ref, op);
}

static int forget_output_ref(void *user, const char *step, size_t slen, const char *name,
                             size_t nlen)
{
    struct mp_op *op = user;
    for (size_t i = 0; i < op->output_refs.n; i++) {
        struct mpi_output_ref *r = &op->output_refs.v[i];
        if (strlen(r->step) == slen && !strncmp(r->step, step, slen) &&
            strlen(r->output) == nlen && !strncmp(r->output, name, nlen)) {
            if (--r->uses == 0) {
                memmove(r, r + 1, (op->output_refs.n - i - 1) * sizeof(*r));
                op->output_refs.n--;
            }
            break;
        }
    }
    return MP_OK;
}

void mpi_op_forget_output_refs(struct mp_op *op, const char *s)
{
    mpi_output_ref_each(s, forget_output_ref, op);
}

size_t mp_op_output_ref_count(const struct mp_op *op)
{
    return mpi_op_check(op) ? op->output_refs.n : 0;
}

const char *mp_op_output_ref_step(const struct mp_op *op, size_t i)
{
    const struct mpi_output_ref *r = MPI_OP_ITEM(op, output_refs, i);
    return r ? r->step : NULL;
}

const char *mp_op_output_ref_output(const struct mp_op *op, size_t i)
{
    const struct mpi_output_ref *r = MPI_OP_ITEM(op, output_refs, i);
    return r ? r->output : NULL;
}

/* ---- every "runs after" edge ---- */

size_t mpi_op_edge_count(const struct mp_op *op)
{
    return op->deps.n + op->output_refs.n + op->input_artifacts.n;
}

const char *mpi_op_edge_at(const struct mp_op *op, size_t k)
{
    if (k < op->deps.n)
        return op->deps.v[k];
    k -= op->deps.n;
    if (k < op->output_refs.n)
        return op->output_refs.v[k].step;
    k -= op->output_refs.n;
    return k < op->input_artifacts.n ? op->input_artifacts.v[k].step : NULL;
}
