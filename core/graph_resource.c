/* SPDX-License-Identifier: MIT */
/* graph_resource.c: resource ops, Argo resource templates (kfp's ResourceOp, VolumeOp and
 * VolumeSnapshotOp): action, manifest, conditions, owner reference, flags, JSON-path outputs. */
#include "config.h"

#include <jansson.h>
#include <string.h>

#include "graph.h"
#include "placeholder.h"

static const char *const actions[] = {"create", "apply", "delete", "patch", "replace", "get",
                                      NULL};
static const char *const strategies[] = {"strategic", "merge", "json", NULL};

static int nomem(struct mp_error *err)
{
    return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
}

static bool one_of(const char *s, const char *const *list)
{
    for (; s && *list; list++)
        if (!strcmp(s, *list))
            return true;
    return false;
}

/* @op as a resource op, or NULL (with the error set). */
static struct mp_op *resource_op(struct mp_op *op, struct mp_error *err)
{
    if (!mpi_op_check(op) || !op->resource) {
        mp_error_set(err, MP_ERR_INVAL, "%s%s%s is not a resource op",
                     mpi_op_check(op) ? "op '" : "invalid op handle",
                     mpi_op_check(op) ? op->name : "", mpi_op_check(op) ? "'" : "");
        return NULL;
    }
    MPI_CHANGED(op->pipeline);
    return op;
}

static const struct mpi_resource_tmpl *tmpl_of(const struct mp_op *op)
{
    return mpi_op_check(op) ? op->resource : NULL;
}

int mp_pipeline_add_resource_op(struct mp_pipeline *p, const char *name, const char *action,
                                const char *manifest_json, struct mp_op **out,
                                struct mp_error *err)
{
    if (!mpi_pipeline_check(p) || !manifest_json)
        return mp_error_set(err, MP_ERR_INVAL, "invalid pipeline handle or argument");
    MPI_CHANGED(p);
    if (!one_of(action, actions))
        return mp_error_set(err, MP_ERR_INVAL, "op '%s': resource action '%s' is not one of "
                            "create, apply, delete, patch, replace, get", name ? name : "",
                            action ? action : "");
    json_error_t je;
    json_t *j = json_loads(manifest_json, JSON_REJECT_DUPLICATES, &je);
    bool object = j && json_is_object(j);
    json_decref(j);
    if (!object)
        return mp_error_set(err, MP_ERR_PARSE, "op '%s': the manifest is not a JSON object%s%s",
                            name ? name : "", j ? "" : ": ", j ? "" : je.text);
    struct mp_op *op = NULL;
    int rc = mp_pipeline_add_op(p, name, NULL, &op, err);
    if (rc != MP_OK)
        return rc;
    struct mpi_resource_tmpl *r = mpi_arena_alloc(&p->arena, sizeof(*r));
    if (!r || !(r->action = mpi_arena_strdup(&p->arena, action)) ||
        !(r->manifest = mpi_op_strdup(op, manifest_json)))
        return nomem(err);
    r->owner_reference = -1;
    op->resource = r;
    if (out)
        *out = op;
    return MP_OK;
}

bool mp_op_is_resource(const struct mp_op *op)
{
    return tmpl_of(op) != NULL;
}

const char *mp_op_resource_action(const struct mp_op *op)
{
    return tmpl_of(op) ? op->resource->action : NULL;
}

const char *mp_op_resource_manifest(const struct mp_op *op)
{
    return tmpl_of(op) ? op->resource->manifest : NULL;
}

int mp_op_set_resource_conditions(struct mp_op *op, const char *success, const char *failure,
                                  struct mp_error *err)
{
    if (!resource_op(op, err))
        return MP_ERR_INVAL;
    const char *s = success ? mpi_op_strdup(op, success) : NULL;
    const char *f = failure ? mpi_op_strdup(op, failure) : NULL;
    if ((success && !s) || (failure && !f))
        return nomem(err);
    mpi_op_forget_refs(op, op->resource->success);
    mpi_op_forget_refs(op, op->resource->failure);
    op->resource->success = s;
    op->resource->failure = f;
    return MP_OK;
}

const char *mp_op_resource_success_condition(const struct mp_op *op)
{
    return tmpl_of(op) ? op->resource->success : NULL;
}

const char *mp_op_resource_failure_condition(const struct mp_op *op)
{
    return tmpl_of(op) ? op->resource->failure : NULL;
}

int mp_op_set_resource_owner_reference(struct mp_op *op, bool set, struct mp_error *err)
{
    if (!resource_op(op, err))
        return MP_ERR_INVAL;
    op->resource->owner_reference = set;
    return MP_OK;
}

int mp_op_resource_owner_reference(const struct mp_op *op)
{
    return tmpl_of(op) ? op->resource->owner_reference : -1;
}

int mp_op_set_resource_merge_strategy(struct mp_op *op, const char *strategy,
                                      struct mp_error *err)
{
    if (!resource_op(op, err))
        return MP_ERR_INVAL;
    if (strcmp(op->resource->action, "apply") != 0)
        return mp_error_set(err, MP_ERR_INVAL, "op '%s': a merge strategy is for the apply "
                            "action only, not %s", op->name, op->resource->action);
    if (!one_of(strategy, strategies))
        return mp_error_set(err, MP_ERR_INVAL, "op '%s': merge strategy '%s' is not one of "
                            "strategic, merge, json", op->name, strategy ? strategy : "");
    if (!(op->resource->merge_strategy = mpi_arena_strdup(&op->pipeline->arena, strategy)))
        return nomem(err);
    return MP_OK;
}

const char *mp_op_resource_merge_strategy(const struct mp_op *op)
{
    return tmpl_of(op) ? op->resource->merge_strategy : NULL;
}

int mp_op_add_resource_flag(struct mp_op *op, const char *flag, struct mp_error *err)
{
    if (!resource_op(op, err))
        return MP_ERR_INVAL;
    if (!flag || !*flag)
        return mp_error_set(err, MP_ERR_INVAL, "op '%s': an empty resource flag", op->name);
    const char *s = mpi_op_strdup(op, flag);
    if (!s || MPI_VEC_PUSH(&op->pipeline->arena, op->resource->flags, s) != MP_OK)
        return nomem(err);
    return MP_OK;
}

size_t mp_op_resource_flag_count(const struct mp_op *op)
{
    return tmpl_of(op) ? op->resource->flags.n : 0;
}

const char *mp_op_resource_flag_at(const struct mp_op *op, size_t i)
{
    return tmpl_of(op) && i < op->resource->flags.n ? op->resource->flags.v[i] : NULL;
}

int mp_op_add_resource_output(struct mp_op *op, const char *name, const char *json_path,
                              struct mp_error *err)
{
    if (!resource_op(op, err))
        return MP_ERR_INVAL;
    if (!mpi_param_name_valid(name))
        return mp_error_set(err, MP_ERR_INVAL, "op '%s': output name '%s' is invalid: expected "
                            "a letter or '_' then letters, digits, '_' or '-'", op->name,
                            name ? name : "");
    size_t len = json_path ? strlen(json_path) : 0;
    if (len < 2 || json_path[0] != '{' || json_path[len - 1] != '}')
        return mp_error_set(err, MP_ERR_INVAL, "op '%s': output '%s': JSON path '%s' is not "
                            "in braces ({.metadata.name})", op->name, name,
                            json_path ? json_path : "");
    const char *path = mpi_arena_strdup(&op->pipeline->arena, json_path);
    if (!path)
        return nomem(err);
    for (size_t i = 0; i < op->outputs.n; i++)
        if (!strcmp(op->outputs.v[i].name, name)) {
            op->outputs.v[i].path = path;
            return MP_OK;
        }
    struct mpi_output o = {.name = mpi_arena_strdup(&op->pipeline->arena, name),
                           .path = path,
                           .kind = MP_OUTPUT_PARAMETER};
    if (!o.name || MPI_VEC_PUSH(&op->pipeline->arena, op->outputs, o) != MP_OK)
        return nomem(err);
    return MP_OK;
}
