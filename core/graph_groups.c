/* SPDX-License-Identifier: MIT */
/* graph_groups.c: groups of ops (conditions, loops, the exit handler), the exit op, and the
 * loop-item placeholders of ops (mp_pipeline_*group*, mp_group_*, mp_op_*group*). */
#include "config.h"

#include <jansson.h>
#include <string.h>

#include "graph.h"
#include "placeholder.h"

#define GROUP_MAGIC 0x47525550u

static int nomem(struct mp_error *err)
{
    return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
}

static const struct mp_group *group_check(const struct mp_group *g)
{
    return (g && g->magic == GROUP_MAGIC) ? g : NULL;
}

int mp_pipeline_add_group(struct mp_pipeline *p, enum mp_group_kind kind,
                          struct mp_group *parent, struct mp_group **out, struct mp_error *err)
{
    if (!mpi_pipeline_check(p) || !out ||
        (kind != MP_GROUP_CONDITION && kind != MP_GROUP_LOOP && kind != MP_GROUP_EXIT_HANDLER &&
         kind != MP_GROUP_GRAPH))
        return mp_error_set(err, MP_ERR_INVAL, "mp_pipeline_add_group: invalid argument");
    MPI_CHANGED(p);
    if (parent && (!group_check(parent) || parent->pipeline != p))
        return mp_error_set(err, MP_ERR_INVAL, "a group's parent must be a group of the same "
                            "pipeline");
    if (kind == MP_GROUP_EXIT_HANDLER) {
        if (parent)
            return mp_error_set(err, MP_ERR_INVAL, "an exit handler must be at the top");
        for (size_t i = 0; i < p->groups.n; i++)
            if (p->groups.v[i]->kind == MP_GROUP_EXIT_HANDLER)
                return mp_error_set(err, MP_ERR_EXISTS, "a pipeline has one exit handler");
    }
    struct mp_group *g = mpi_arena_alloc(&p->arena, sizeof(*g));
    if (!g)
        return nomem(err);
    g->magic = GROUP_MAGIC;
    g->pipeline = p;
    g->index = p->groups.n;
    g->kind = kind;
    g->parent = parent;
    g->parallelism = -1;
    if (MPI_VEC_PUSH(&p->arena, p->groups, g) != MP_OK)
        return nomem(err);
    *out = g;
    return MP_OK;
}

size_t mp_pipeline_group_count(const struct mp_pipeline *p)
{
    return mpi_pipeline_check(p) ? p->groups.n : 0;
}

struct mp_group *mp_pipeline_group_at(const struct mp_pipeline *p, size_t i)
{
    return mpi_pipeline_check(p) && i < p->groups.n ? p->groups.v[i] : NULL;
}

enum mp_group_kind mp_group_kind(const struct mp_group *g)
{
    return group_check(g) ? g->kind : (enum mp_group_kind)0;
}

struct mp_group *mp_group_parent(const struct mp_group *g)
{
    return group_check(g) ? g->parent : NULL;
}

/* Copy @s into the arena, noting nothing (group strings are resolved by the workflow). */
static const char *gdup(struct mp_group *g, const char *s)
{
    return mpi_arena_strdup(&g->pipeline->arena, s);
}

int mp_group_set_condition(struct mp_group *g, const char *left, const char *op,
                           const char *right, struct mp_error *err)
{
    static const char *const ops[] = {"==", "!=", "<", "<=", ">", ">=", NULL};
    if (!group_check(g) || g->kind != MP_GROUP_CONDITION || !left || !op || !right)
        return mp_error_set(err, MP_ERR_INVAL, "mp_group_set_condition: not a condition group "
                            "or a NULL operand");
    MPI_CHANGED(g->pipeline);
    bool known = false;
    for (const char *const *o = ops; *o && !known; o++)
        known = !strcmp(*o, op);
    if (!known)
        return mp_error_set(err, MP_ERR_INVAL, "condition operator '%s' (expected ==, !=, <, "
                            "<=, > or >=)", op);
    const char *l = gdup(g, left), *o = gdup(g, op), *r = gdup(g, right);
    if (!l || !o || !r)
        return nomem(err);
    g->left = l;
    g->op = o;
    g->right = r;
    return MP_OK;
}

const char *mp_group_condition_left(const struct mp_group *g)
{
    return group_check(g) ? g->left : NULL;
}

const char *mp_group_condition_operator(const struct mp_group *g)
{
    return group_check(g) ? g->op : NULL;
}

const char *mp_group_condition_right(const struct mp_group *g)
{
    return group_check(g) ? g->right : NULL;
}

int mp_group_set_loop_items(struct mp_group *g, const char *json, struct mp_error *err)
{
    if (!group_check(g) || g->kind != MP_GROUP_LOOP || !json)
        return mp_error_set(err, MP_ERR_INVAL, "mp_group_set_loop_items: not a loop group");
    MPI_CHANGED(g->pipeline);
    json_error_t je;
    json_t *j = json_loads(json, JSON_REJECT_DUPLICATES, &je);
    bool ok = j && json_is_array(j) && json_array_size(j) > 0;
    json_decref(j);
    if (!ok)
        return mp_error_set(err, MP_ERR_PARSE, "loop items must be a non-empty JSON array");
    const char *s = gdup(g, json);
    if (!s)
        return nomem(err);
    g->items = s;
    g->source = NULL;
    return MP_OK;
}

int mp_group_set_loop_source(struct mp_group *g, const char *placeholder, struct mp_error *err)
{
    if (!group_check(g) || g->kind != MP_GROUP_LOOP || !placeholder)
        return mp_error_set(err, MP_ERR_INVAL, "mp_group_set_loop_source: not a loop group");
    MPI_CHANGED(g->pipeline);
    size_t a, b, l1, l2;
    const char *x, *y;
    bool param = mpi_placeholder_next(placeholder, 0, &a, &b, &x, &l1);
    bool whole = (param && a == 0 && placeholder[b] == '\0') ||
                 (mpi_output_ref_next(placeholder, 0, &a, &b, &x, &l1, &y, &l2) && a == 0 &&
                  placeholder[b] == '\0') ||
                 (mpi_item_ref_next(placeholder, 0, &a, &b, &x, &l1) && a == 0 &&
                  placeholder[b] == '\0') ||
                 (mpi_loop_ref_next(placeholder, 0, &a, &b, &x, &l1, &y, &l2) && a == 0 &&
                  placeholder[b] == '\0');
    if (!whole)
        return mp_error_set(err, MP_ERR_INVAL, "a loop source must be one {{params.NAME}}, "
                            "{{steps.STEP.outputs.NAME}}, {{item[.KEY]}} or "
                            "{{loops.LOOP.item[.KEY]}} placeholder, not '%s'", placeholder);
    const char *s = gdup(g, placeholder);
    if (!s)
        return nomem(err);
    g->source = s;
    g->items = NULL;
    return MP_OK;
}

const char *mp_group_loop_items(const struct mp_group *g)
{
    return group_check(g) ? g->items : NULL;
}

const char *mp_group_loop_source(const struct mp_group *g)
{
    return group_check(g) ? g->source : NULL;
}

int mp_group_set_parallelism(struct mp_group *g, long long n, struct mp_error *err)
{
    if (!group_check(g) || n < -1)
        return mp_error_set(err, MP_ERR_INVAL, "mp_group_set_parallelism: invalid argument");
    MPI_CHANGED(g->pipeline);
    g->parallelism = n;
    return MP_OK;
}

long long mp_group_parallelism(const struct mp_group *g)
{
    return group_check(g) ? g->parallelism : -1;
}

int mp_group_set_name(struct mp_group *g, const char *name, struct mp_error *err)
{
    if (!group_check(g) || g->kind == MP_GROUP_EXIT_HANDLER || !mpi_dns_label_valid(name))
        return mp_error_set(err, MP_ERR_INVAL, "a group's name must be a Kubernetes name, "
                            "not '%s'", name ? name : "");
    MPI_CHANGED(g->pipeline);
    const char *s = gdup(g, name);
    if (!s)
        return nomem(err);
    g->name = s;
    return MP_OK;
}

const struct mp_group *mpi_pipeline_find_group(const struct mp_pipeline *p, const char *name)
{
    for (size_t i = 0; name && i < p->groups.n; i++)
        if (p->groups.v[i]->name && !strcmp(p->groups.v[i]->name, name))
            return p->groups.v[i];
    return NULL;
}

const char *mp_group_name(const struct mp_group *g)
{
    return group_check(g) ? g->name : NULL;
}

int mp_group_add_dependency(struct mp_group *g, const char *after_op,
                            const struct mp_group *after_group, struct mp_error *err)
{
    if (!group_check(g) || (!after_op) == (!after_group) ||
        (after_group && (!group_check(after_group) || after_group == g ||
                         after_group->pipeline != g->pipeline)))
        return mp_error_set(err, MP_ERR_INVAL, "a group runs after one op or another group of "
                            "its pipeline");
    MPI_CHANGED(g->pipeline);
    struct mpi_group_dep d = {.op = after_op ? gdup(g, after_op) : NULL, .group = after_group};
    if ((after_op && !d.op) || MPI_VEC_PUSH(&g->pipeline->arena, g->deps, d) != MP_OK)
        return nomem(err);
    return MP_OK;
}

size_t mp_group_dependency_count(const struct mp_group *g)
{
    return group_check(g) ? g->deps.n : 0;
}

const char *mp_group_dependency_op(const struct mp_group *g, size_t i)
{
    return group_check(g) && i < g->deps.n ? g->deps.v[i].op : NULL;
}

const struct mp_group *mp_group_dependency_group(const struct mp_group *g, size_t i)
{
    return group_check(g) && i < g->deps.n ? g->deps.v[i].group : NULL;
}

int mp_op_set_group(struct mp_op *op, struct mp_group *g, struct mp_error *err)
{
    if (!mpi_op_check(op) || (g && (!group_check(g) || g->pipeline != op->pipeline)))
        return mp_error_set(err, MP_ERR_INVAL, "an op's group must be a group of its pipeline");
    MPI_CHANGED(op->pipeline);
    op->group = g;
    return MP_OK;
}

struct mp_group *mp_op_group(const struct mp_op *op)
{
    return mpi_op_check(op) ? op->group : NULL;
}

int mp_pipeline_set_exit_op(struct mp_pipeline *p, struct mp_op *op, struct mp_error *err)
{
    if (!mpi_pipeline_check(p) || (op && (!mpi_op_check(op) || op->pipeline != p)))
        return mp_error_set(err, MP_ERR_INVAL, "the exit op must be an op of the pipeline");
    MPI_CHANGED(p);
    p->exit_op = op;
    return MP_OK;
}

struct mp_op *mp_pipeline_exit_op(const struct mp_pipeline *p)
{
    return mpi_pipeline_check(p) ? p->exit_op : NULL;
}

/* ---- loop-item placeholders ---- */

int mpi_op_note_item_refs(struct mp_op *op, const char *s)
{
    size_t pos = 0, start, end, len;
    const char *key;
    while (mpi_item_ref_next(s, pos, &start, &end, &key, &len)) {
        pos = end;
        if (mpi_refvec_note(&op->pipeline->arena, &op->item_refs, key, len) != MP_OK)
            return MP_ERR_NOMEM;
    }
    return MP_OK;
}

void mpi_op_forget_item_refs(struct mp_op *op, const char *s)
{
    size_t pos = 0, start, end, len;
    const char *key;
    while (mpi_item_ref_next(s, pos, &start, &end, &key, &len)) {
        pos = end;
        mpi_refvec_drop(&op->item_refs, key, len);
    }
}

int mpi_op_note_loop_refs(struct mp_op *op, const char *s)
{
    size_t pos = 0, start, end, llen, klen;
    const char *loop, *key;
    while (mpi_loop_ref_next(s, pos, &start, &end, &loop, &llen, &key, &klen)) {
        pos = end;
        if (mpi_refvec_note(&op->pipeline->arena, &op->loop_refs, loop,
                            end - 2 - (size_t)(loop - s)) != MP_OK)
            return MP_ERR_NOMEM;
    }
    return MP_OK;
}

void mpi_op_forget_loop_refs(struct mp_op *op, const char *s)
{
    size_t pos = 0, start, end, llen, klen;
    const char *loop, *key;
    while (mpi_loop_ref_next(s, pos, &start, &end, &loop, &llen, &key, &klen)) {
        pos = end;
        mpi_refvec_drop(&op->loop_refs, loop, end - 2 - (size_t)(loop - s));
    }
}

size_t mp_op_item_ref_count(const struct mp_op *op)
{
    return mpi_op_check(op) ? op->item_refs.n : 0;
}

const char *mp_op_item_ref_at(const struct mp_op *op, size_t i)
{
    return mpi_op_check(op) && i < op->item_refs.n ? op->item_refs.v[i] : NULL;
}
