/* SPDX-License-Identifier: MIT */
/* graph.c: pipelines, parameters and ops (mp_pipeline_*, mp_param_*, mp_op_*). */
#include "config.h"

#include "graph.h"

#include <string.h>

#include "placeholder.h"

#define PIPELINE_MAGIC 0x50495045u
#define PARAM_MAGIC 0x50415241u
#define OP_MAGIC 0x4f505321u

#define VEC_PUSH MPI_VEC_PUSH

int mpi_vec_reserve(struct mpi_arena *a, void **v, size_t elem, size_t *cap, size_t need)
{
    size_t new_cap;
    void *nv = mpi_arena_grow(a, *v, elem, *cap, need, &new_cap);
    if (!nv)
        return MP_ERR_NOMEM;
    *v = nv;
    *cap = new_cap;
    return MP_OK;
}

#define vec_reserve mpi_vec_reserve

const struct mp_pipeline *mpi_pipeline_check(const struct mp_pipeline *p)
{
    return (p && p->magic == PIPELINE_MAGIC) ? p : NULL;
}

const struct mp_op *mpi_op_check(const struct mp_op *op)
{
    return (op && op->magic == OP_MAGIC) ? op : NULL;
}

static const struct mp_param *param_check(const struct mp_param *param)
{
    return (param && param->magic == PARAM_MAGIC) ? param : NULL;
}

bool mpi_dns_label_valid(const char *name)
{
    if (!name)
        return false;
    /* One pass: '-' is fine but first and last, which the end checks. */
    size_t i = 0;
    for (char c; (c = name[i]) != '\0'; i++)
        if (i == 63 || !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c == '-' && i)))
            return false;
    return i > 0 && name[i - 1] != '-';
}

static int nomem(struct mp_error *err)
{
    return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
}

/* ---- pipeline ---- */

int mp_pipeline_new(const char *name, struct mp_pipeline **out, struct mp_error *err)
{
    if (!name || !*name || !out)
        return mp_error_set(err, MP_ERR_INVAL, "pipeline name must not be empty");
    struct mpi_arena arena;
    mpi_arena_init(&arena);
    struct mp_pipeline *p = mpi_arena_alloc(&arena, sizeof(*p));
    if (!p || !(p->name = mpi_arena_strdup(&arena, name))) {
        mpi_arena_release(&arena);
        return nomem(err);
    }
    p->magic = PIPELINE_MAGIC;
    p->ttl = -1;
    p->changes = 1;
    p->arena = arena; /* the struct lives in its own arena: copy the head in */
    *out = p;
    return MP_OK;
}

void mp_pipeline_free(struct mp_pipeline *p)
{
    if (!mpi_pipeline_check(p))
        return;
    struct mpi_arena arena = p->arena;
    p->magic = 0;
    mpi_arena_release(&arena);
}

const char *mp_pipeline_name(const struct mp_pipeline *p)
{
    return mpi_pipeline_check(p) ? p->name : NULL;
}

const char *mp_pipeline_description(const struct mp_pipeline *p)
{
    return mpi_pipeline_check(p) ? p->description : NULL;
}

int mp_pipeline_set_description(struct mp_pipeline *p, const char *text, struct mp_error *err)
{
    if (!mpi_pipeline_check(p))
        return mp_error_set(err, MP_ERR_INVAL, "invalid pipeline handle");
    const char *d = text ? mpi_arena_strdup(&p->arena, text) : NULL;
    if (text && !d)
        return nomem(err);
    p->description = d;
    return MP_OK;
}

const char *mp_pipeline_source(const struct mp_pipeline *p)
{
    return mpi_pipeline_check(p) ? p->source : NULL;
}

int mp_pipeline_set_source(struct mp_pipeline *p, const char *source, struct mp_error *err)
{
    if (!mpi_pipeline_check(p) || !source)
        return mp_error_set(err, MP_ERR_INVAL, "invalid pipeline handle");
    const char *s = mpi_arena_strdup(&p->arena, source);
    if (!s)
        return nomem(err);
    p->source = s;
    return MP_OK;
}

/* ---- parameters ---- */

int mp_pipeline_add_param(struct mp_pipeline *p, const char *name, const char *default_value,
                          const char *type, struct mp_param **out, struct mp_error *err)
{
    if (!mpi_pipeline_check(p))
        return mp_error_set(err, MP_ERR_INVAL, "invalid pipeline handle");
    MPI_CHANGED(p);
    if (!mpi_param_name_valid(name))
        return mp_error_set(err, MP_ERR_INVAL,
                            "parameter name '%s' is invalid: expected a letter or '_' then "
                            "letters, digits, '_' or '-'",
                            name ? name : "");
    if (mpi_strmap_get(&p->param_index, name))
        return mp_error_set(err, MP_ERR_EXISTS, "parameter '%s' is declared twice", name);
    struct mp_param *param = mpi_arena_alloc(&p->arena, sizeof(*param));
    if (!param || !(param->name = mpi_arena_strdup(&p->arena, name)))
        return nomem(err);
    param->magic = PARAM_MAGIC;
    param->pipeline = p;
    if (default_value && !(param->default_value = mpi_arena_strdup(&p->arena, default_value)))
        return nomem(err);
    if (type && !(param->type = mpi_arena_strdup(&p->arena, type)))
        return nomem(err);
    if (VEC_PUSH(&p->arena, p->params, param) != MP_OK ||
        mpi_strmap_put(&p->param_index, &p->arena, param->name, param) != MP_OK)
        return nomem(err);
    if (out)
        *out = param;
    return MP_OK;
}

size_t mp_pipeline_param_count(const struct mp_pipeline *p)
{
    return mpi_pipeline_check(p) ? p->params.n : 0;
}

struct mp_param *mp_pipeline_param_at(const struct mp_pipeline *p, size_t i)
{
    return (mpi_pipeline_check(p) && i < p->params.n) ? p->params.v[i] : NULL;
}

struct mp_param *mp_pipeline_find_param(const struct mp_pipeline *p, const char *name)
{
    return (mpi_pipeline_check(p) && name) ? mpi_strmap_get(&p->param_index, name) : NULL;
}

const char *mp_param_name(const struct mp_param *param)
{
    return param_check(param) ? param->name : NULL;
}

const char *mp_param_default(const struct mp_param *param)
{
    return param_check(param) ? param->default_value : NULL;
}

const char *mp_param_type(const struct mp_param *param)
{
    return param_check(param) ? param->type : NULL;
}

int mp_param_set_default(struct mp_param *param, const char *value, struct mp_error *err)
{
    if (!param_check(param))
        return mp_error_set(err, MP_ERR_INVAL, "invalid parameter handle");
    MPI_CHANGED(param->pipeline);
    const char *v = value ? mpi_arena_strdup(&param->pipeline->arena, value) : NULL;
    if (value && !v)
        return nomem(err);
    param->default_value = v;
    return MP_OK;
}

/* ---- ops ---- */

int mp_pipeline_add_op(struct mp_pipeline *p, const char *name, const char *image,
                       struct mp_op **out, struct mp_error *err)
{
    if (!mpi_pipeline_check(p))
        return mp_error_set(err, MP_ERR_INVAL, "invalid pipeline handle");
    MPI_CHANGED(p);
    if (!mpi_dns_label_valid(name))
        return mp_error_set(err, MP_ERR_INVAL,
                            "op name '%s' is invalid: expected a Kubernetes name (lower-case "
                            "letters, digits and '-', starting and ending with a letter or "
                            "digit, at most 63 characters)",
                            name ? name : "");
    /* The name is copied first, so that one probe of the index finds or adds it. */
    const char *copy = mpi_arena_strdup(&p->arena, name);
    bool found;
    struct mpi_strmap_slot *slot = copy ? mpi_strmap_add(&p->op_index, &p->arena, copy, &found)
                                        : NULL;
    if (!slot)
        return nomem(err);
    if (found)
        return mp_error_set(err, MP_ERR_EXISTS, "op '%s' is declared twice", name);
    struct mp_op *op = mpi_arena_alloc(&p->arena, sizeof(*op));
    if (!op)
        return nomem(err);
    slot->value = op;
    op->name = copy;
    op->magic = OP_MAGIC;
    op->pipeline = p;
    if (image && !(op->image = mpi_op_strdup(op, image)))
        return nomem(err);
    op->index = p->ops.n;
    if (VEC_PUSH(&p->arena, p->ops, op) != MP_OK)
        return nomem(err);
    if (out)
        *out = op;
    return MP_OK;
}

int mpi_pipeline_reserve_ops(struct mp_pipeline *p, size_t n)
{
    if (vec_reserve(&p->arena, (void **)&p->ops.v, sizeof(*p->ops.v), &p->ops.cap, n) != MP_OK)
        return MP_ERR_NOMEM;
    return mpi_strmap_reserve(&p->op_index, &p->arena, n);
}

size_t mp_pipeline_op_count(const struct mp_pipeline *p)
{
    return mpi_pipeline_check(p) ? p->ops.n : 0;
}

struct mp_op *mp_pipeline_op_at(const struct mp_pipeline *p, size_t i)
{
    return (mpi_pipeline_check(p) && i < p->ops.n) ? p->ops.v[i] : NULL;
}

struct mp_op *mp_pipeline_find_op(const struct mp_pipeline *p, const char *name)
{
    return (mpi_pipeline_check(p) && name) ? mpi_strmap_get(&p->op_index, name) : NULL;
}

const char *mp_op_name(const struct mp_op *op)
{
    return mpi_op_check(op) ? op->name : NULL;
}

const char *mp_op_image(const struct mp_op *op)
{
    return mpi_op_check(op) ? op->image : NULL;
}

int mp_op_set_image(struct mp_op *op, const char *image, struct mp_error *err)
{
    if (!mpi_op_check(op) || !image)
        return mp_error_set(err, MP_ERR_INVAL, "invalid op handle or image");
    MPI_CHANGED(op->pipeline);
    const char *s = mpi_op_strdup(op, image);
    if (!s)
        return nomem(err);
    mpi_op_forget_refs(op, op->image);
    op->image = s;
    return MP_OK;
}

/* The position of [@key, @key + @len) in @r, or where it would go (*@found false). */
static size_t refvec_find(const struct mpi_refvec *r, const char *key, size_t len, bool *found)
{
    size_t lo = 0, hi = r->n;
    *found = false;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strncmp(r->v[mid], key, len);
        if (c == 0 && r->v[mid][len] != '\0')
            c = 1;
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

int mpi_refvec_note(struct mpi_arena *a, struct mpi_refvec *r, const char *key, size_t len)
{
    bool found;
    size_t at = refvec_find(r, key, len, &found);
    if (found) {
        r->uses[at]++;
        return MP_OK;
    }
    const char *s = mpi_arena_strndup(a, key, len);
    if (!s || vec_reserve(a, (void **)&r->v, sizeof(*r->v), &r->cap, r->n + 1) != MP_OK ||
        vec_reserve(a, (void **)&r->uses, sizeof(*r->uses), &r->ucap, r->n + 1) != MP_OK)
        return MP_ERR_NOMEM;
    memmove(&r->v[at + 1], &r->v[at], (r->n - at) * sizeof(*r->v));
    memmove(&r->uses[at + 1], &r->uses[at], (r->n - at) * sizeof(*r->uses));
    r->v[at] = s;
    r->uses[at] = 1;
    r->n++;
    return MP_OK;
}

void mpi_refvec_drop(struct mpi_refvec *r, const char *key, size_t len)
{
    bool found;
    size_t at = refvec_find(r, key, len, &found);
    if (!found || --r->uses[at] > 0)
        return;
    memmove(&r->v[at], &r->v[at + 1], (r->n - at - 1) * sizeof(*r->v));
    memmove(&r->uses[at], &r->uses[at + 1], (r->n - at - 1) * sizeof(*r->uses));
    r->n--;
}

/* Record each {{params.X}} of @s in the op's reference list. */
static int note_ref(void *user, const char *name, size_t len)
{
    struct mp_op *op = user;
    return mpi_refvec_note(&op->pipeline->arena, &op->param_refs, name, len);
}

static int forget_ref(void *user, const char *name, size_t len)
{
    struct mp_op *op = user;
    mpi_refvec_drop(&op->param_refs, name, len);
    return MP_OK;
}

void mpi_op_forget_refs(struct mp_op *op, const char *s)
{
    if (!s)
        return;
    mpi_placeholder_each(s, forget_ref, op);
    mpi_op_forget_output_refs(op, s);
    mpi_op_forget_item_refs(op, s);
    mpi_op_forget_loop_refs(op, s);
}

enum { REF_PARAMS = 1, REF_STEPS = 2, REF_ITEM = 4, REF_LOOPS = 8 };

/* The kinds of placeholder whose prefix ("{{params.", "{{steps.", "{{item", "{{loops.")
 * occurs in @s: a scan for a kind not there finds nothing. */
static unsigned ref_kinds(const char *s)
{
    unsigned k = 0;
    for (const char *p = strstr(s, "{{"); p; p = strstr(p + 1, "{{")) {
        const char *q = p + 2;
        if (!strncmp(q, "params.", 7))
            k |= REF_PARAMS;
        else if (!strncmp(q, "steps.", 6))
            k |= REF_STEPS;
        else if (!strncmp(q, "item", 4))
            k |= REF_ITEM;
        else if (!strncmp(q, "loops.", 6))
            k |= REF_LOOPS;
    }
    return k;
}

/* Record the placeholders of @d, a string the op now holds; NULL when out of memory. */
static const char *note_refs(struct mp_op *op, const char *d)
{
    /* Every placeholder starts with "{{": most strings have none to scan for. */
    unsigned k = d ? ref_kinds(d) : 0;
    if (((k & REF_PARAMS) && mpi_placeholder_each(d, note_ref, op) != MP_OK) ||
        ((k & REF_STEPS) && mpi_op_note_output_refs(op, d) != MP_OK) ||
        ((k & REF_ITEM) && mpi_op_note_item_refs(op, d) != MP_OK) ||
        ((k & REF_LOOPS) && mpi_op_note_loop_refs(op, d) != MP_OK))
        return NULL;
    return d;
}

#define op_strdup mpi_op_strdup
const char *mpi_op_strdup(struct mp_op *op, const char *s)
{
    return note_refs(op, mpi_arena_strdup(&op->pipeline->arena, s));
}

const char *mpi_op_strndup(struct mp_op *op, const char *s, size_t len, bool open)
{
    char *d = mpi_arena_alloc(&op->pipeline->arena, len + 1);
    if (!d)
        return NULL;
    memcpy(d, s, len);
    d[len] = '\0';
    return open ? note_refs(op, d) : d;
}

int mpi_op_push_word(struct mp_op *op, struct mpi_strvec *vec, const char *s, size_t len,
                     bool open)
{
    MPI_CHANGED(op->pipeline);
    const char *d = mpi_op_strndup(op, s, len, open);
    return d ? VEC_PUSH(&op->pipeline->arena, *vec, d) : MP_ERR_NOMEM;
}

static int strvec_push(struct mp_op *op, struct mpi_strvec *vec, const char *s,
                       struct mp_error *err)
{
    if (!mpi_op_check(op) || !s)
        return mp_error_set(err, MP_ERR_INVAL, "invalid op handle or NULL string");
    if (mpi_op_push_word(op, vec, s, strlen(s), true) != MP_OK)
        return nomem(err);
    return MP_OK;
}

int mp_op_add_command(struct mp_op *op, const char *word, struct mp_error *err)
{
    return strvec_push(op, mpi_op_check(op) ? &op->command : NULL, word, err);
}

size_t mp_op_command_count(const struct mp_op *op)
{
    return mpi_op_check(op) ? op->command.n : 0;
}

const char *mp_op_command_at(const struct mp_op *op, size_t i)
{
    return (mpi_op_check(op) && i < op->command.n) ? op->command.v[i] : NULL;
}

int mp_op_add_arg(struct mp_op *op, const char *arg, struct mp_error *err)
{
    return strvec_push(op, mpi_op_check(op) ? &op->args : NULL, arg, err);
}

size_t mp_op_arg_count(const struct mp_op *op)
{
    return mpi_op_check(op) ? op->args.n : 0;
}

const char *mp_op_arg_at(const struct mp_op *op, size_t i)
{
    return (mpi_op_check(op) && i < op->args.n) ? op->args.v[i] : NULL;
}

int mpi_op_add_dependency_on(struct mp_op *op, const char *after, struct mp_op *target,
                             struct mp_error *err)
{
    if (!mpi_op_check(op) || !after)
        return mp_error_set(err, MP_ERR_INVAL, "invalid op handle or dependency name");
    MPI_CHANGED(op->pipeline);
    if (target == op || strcmp(after, op->name) == 0)
        return mp_error_set(err, MP_ERR_INVAL, "op '%s' cannot depend on itself", op->name);
    /* An op's own name is an arena string that never changes: a dependency on it shares it. */
    struct mpi_arena *a = &op->pipeline->arena;
    const char *d = target ? target->name : mpi_arena_strdup(a, after);
    if (!d)
        return nomem(err);
    /* A fan-in step may run after thousands: past a few, look names up in a hash map. */
    if (op->dep_index.count) {
        bool found;
        struct mpi_strmap_slot *s = mpi_strmap_add(&op->dep_index, a, d, &found);
        if (!s)
            return nomem(err);
        if (found)
            return MP_OK;
        s->value = op;
    } else {
        for (size_t i = 0; i < op->deps.n; i++)
            if (op->deps.v[i] == d || strcmp(op->deps.v[i], d) == 0)
                return MP_OK;
    }
    if (vec_reserve(a, (void **)&op->dep_ops, sizeof(*op->dep_ops), &op->dep_cap,
                    op->deps.n + 1) != MP_OK ||
        VEC_PUSH(a, op->deps, d) != MP_OK)
        return nomem(err);
    op->dep_ops[op->deps.n - 1] = target;
    if (op->deps.n == 16)
        for (size_t i = 0; i < op->deps.n; i++)
            if (mpi_strmap_put(&op->dep_index, a, op->deps.v[i], op) != MP_OK)
                return nomem(err);
    return MP_OK;
}

int mpi_op_reserve_deps(struct mp_op *op, size_t n)
{
    struct mpi_arena *a = &op->pipeline->arena;
    size_t need = op->deps.n + n;
    if (vec_reserve(a, (void **)&op->deps.v, sizeof(*op->deps.v), &op->deps.cap, need) !=
            MP_OK ||
        vec_reserve(a, (void **)&op->dep_ops, sizeof(*op->dep_ops), &op->dep_cap, need) !=
            MP_OK)
        return MP_ERR_NOMEM;
    /* the index that mpi_op_add_dependency_on() starts at 16 */
    return need >= 16 ? mpi_strmap_reserve(&op->dep_index, a, need) : MP_OK;
}

int mp_op_add_dependency(struct mp_op *op, const char *after, struct mp_error *err)
{
    struct mp_op *target = mpi_op_check(op) && after ? mp_pipeline_find_op(op->pipeline, after)
                                                     : NULL;
    return mpi_op_add_dependency_on(op, after, target, err);
}

size_t mp_op_dependency_count(const struct mp_op *op)
{
    return mpi_op_check(op) ? op->deps.n : 0;
}

const char *mp_op_dependency_at(const struct mp_op *op, size_t i)
{
    return (mpi_op_check(op) && i < op->deps.n) ? op->deps.v[i] : NULL;
}

/* ---- env ---- */

static int env_push(struct mp_op *op, const char *name, const char *value, const char *secret,
                    const char *key, struct mp_error *err)
{
    if (!mpi_op_check(op) || !name || !*name)
        return mp_error_set(err, MP_ERR_INVAL, "invalid op handle or env name");
    MPI_CHANGED(op->pipeline);
    for (size_t i = 0; i < op->env.n; i++)
        if (strcmp(op->env.v[i].name, name) == 0)
            return mp_error_set(err, MP_ERR_EXISTS, "op '%s': env variable %s is set twice",
                                op->name, name);
    struct mpi_env e = {0};
    e.name = mpi_arena_strdup(&op->pipeline->arena, name);
    e.value = value ? op_strdup(op, value) : NULL;
    e.secret = secret ? op_strdup(op, secret) : NULL;
    e.key = key ? mpi_arena_strdup(&op->pipeline->arena, key) : NULL;
    if (!e.name || (value && !e.value) || (secret && !e.secret) || (key && !e.key) ||
        VEC_PUSH(&op->pipeline->arena, op->env, e) != MP_OK)
        return nomem(err);
    return MP_OK;
}

int mp_op_add_env(struct mp_op *op, const char *name, const char *value, struct mp_error *err)
{
    if (!value)
        return mp_error_set(err, MP_ERR_INVAL, "env %s: NULL value", name ? name : "");
    return env_push(op, name, value, NULL, NULL, err);
}

int mp_op_add_env_from_secret(struct mp_op *op, const char *name, const char *secret,
                              const char *key, struct mp_error *err)
{
    if (!secret || !*secret || !key || !*key)
        return mp_error_set(err, MP_ERR_INVAL, "env %s: secret name and key are required",
                            name ? name : "");
    return env_push(op, name, NULL, secret, key, err);
}

size_t mp_op_env_count(const struct mp_op *op)
{
    return mpi_op_check(op) ? op->env.n : 0;
}

#define OP_ITEM(op, vec, i) ((mpi_op_check(op) && (i) < (op)->vec.n) ? &(op)->vec.v[i] : NULL)

const char *mp_op_env_name(const struct mp_op *op, size_t i)
{
    const struct mpi_env *e = OP_ITEM(op, env, i);
    return e ? e->name : NULL;
}

const char *mp_op_env_value(const struct mp_op *op, size_t i)
{
    const struct mpi_env *e = OP_ITEM(op, env, i);
    return e ? e->value : NULL;
}

const char *mp_op_env_secret(const struct mp_op *op, size_t i)
{
    const struct mpi_env *e = OP_ITEM(op, env, i);
    return e ? e->secret : NULL;
}

const char *mp_op_env_secret_key(const struct mp_op *op, size_t i)
{
    const struct mpi_env *e = OP_ITEM(op, env, i);
    return e ? e->key : NULL;
}

/* ---- volumes and mounts ---- */

static bool same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

int mp_op_add_volume(struct mp_op *op, const char *name, enum mp_volume_kind kind,
                     const char *source, struct mp_error *err)
{
    if (!mpi_op_check(op))
        return mp_error_set(err, MP_ERR_INVAL, "invalid op handle");
    MPI_CHANGED(op->pipeline);
    if (!mpi_dns_label_valid(name))
        return mp_error_set(err, MP_ERR_INVAL, "op '%s': volume name '%s' is not a Kubernetes name",
                            op->name, name ? name : "");
    if (kind < MP_VOLUME_PVC || kind > MP_VOLUME_EMPTY_DIR)
        return mp_error_set(err, MP_ERR_INVAL, "op '%s': volume '%s' has an unknown kind %d",
                            op->name, name, (int)kind);
    if ((kind == MP_VOLUME_EMPTY_DIR) != (source == NULL) || (source && !*source))
        return mp_error_set(err, MP_ERR_INVAL, "op '%s': volume '%s' needs a %s", op->name,
                            name, kind == MP_VOLUME_EMPTY_DIR ? "NULL source" : "source name");
    for (size_t i = 0; i < op->volumes.n; i++) {
        const struct mpi_volume *v = &op->volumes.v[i];
        if (strcmp(v->name, name) != 0)
            continue;
        if (v->kind == kind && same_str(v->source, source))
            return MP_OK;
        return mp_error_set(err, MP_ERR_EXISTS,
                            "op '%s': volume '%s' is already defined with another source",
                            op->name, name);
    }
    struct mpi_volume v = {.kind = kind};
    v.name = mpi_arena_strdup(&op->pipeline->arena, name);
    v.source = source ? op_strdup(op, source) : NULL;
    if (!v.name || (source && !v.source) ||
        VEC_PUSH(&op->pipeline->arena, op->volumes, v) != MP_OK)
        return nomem(err);
    return MP_OK;
}

size_t mp_op_volume_count(const struct mp_op *op)
{
    return mpi_op_check(op) ? op->volumes.n : 0;
}

const char *mp_op_volume_name(const struct mp_op *op, size_t i)
{
    const struct mpi_volume *v = OP_ITEM(op, volumes, i);
    return v ? v->name : NULL;
}

enum mp_volume_kind mp_op_volume_kind(const struct mp_op *op, size_t i)
{
    const struct mpi_volume *v = OP_ITEM(op, volumes, i);
    return v ? v->kind : (enum mp_volume_kind)0;
}

const char *mp_op_volume_source(const struct mp_op *op, size_t i)
{
    const struct mpi_volume *v = OP_ITEM(op, volumes, i);
    return v ? v->source : NULL;
}

int mp_op_add_volume_mount(struct mp_op *op, const char *volume, const char *path,
                           bool read_only, struct mp_error *err)
{
    if (!mpi_op_check(op) || !volume || !path)
        return mp_error_set(err, MP_ERR_INVAL, "invalid op handle, volume or path");
    MPI_CHANGED(op->pipeline);
    if (path[0] != '/')
        return mp_error_set(err, MP_ERR_INVAL, "op '%s': mount path '%s' must be absolute",
                            op->name, path);
    for (size_t i = 0; i < op->mounts.n; i++) {
        const struct mpi_mount *m = &op->mounts.v[i];
        if (strcmp(m->path, path) != 0)
            continue;
        if (strcmp(m->volume, volume) == 0 && m->read_only == read_only)
            return MP_OK;
        return mp_error_set(err, MP_ERR_EXISTS, "op '%s': volume '%s' is already mounted at %s",
                            op->name, m->volume, path);
    }
    struct mpi_mount m = {.read_only = read_only};
    m.volume = mpi_arena_strdup(&op->pipeline->arena, volume);
    m.path = mpi_arena_strdup(&op->pipeline->arena, path);
    if (!m.volume || !m.path || VEC_PUSH(&op->pipeline->arena, op->mounts, m) != MP_OK)
        return nomem(err);
    return MP_OK;
}

size_t mp_op_volume_mount_count(const struct mp_op *op)
{
    return mpi_op_check(op) ? op->mounts.n : 0;
}

const char *mp_op_volume_mount_volume(const struct mp_op *op, size_t i)
{
    const struct mpi_mount *m = OP_ITEM(op, mounts, i);
    return m ? m->volume : NULL;
}

const char *mp_op_volume_mount_path(const struct mp_op *op, size_t i)
{
    const struct mpi_mount *m = OP_ITEM(op, mounts, i);
    return m ? m->path : NULL;
}

bool mp_op_volume_mount_read_only(const struct mp_op *op, size_t i)
{
    const struct mpi_mount *m = OP_ITEM(op, mounts, i);
    return m ? m->read_only : false;
}

/* ---- labels and annotations ---- */

static int kv_set(struct mp_op *op, void *vecp, const char *key, const char *value,
                  struct mp_error *err)
{
    MPI_VEC(struct mpi_kv) *vec = vecp;
    if (!mpi_op_check(op) || !key || !*key || !value)
        return mp_error_set(err, MP_ERR_INVAL, "invalid op handle, key or value");
    MPI_CHANGED(op->pipeline);
    const char *v = op_strdup(op, value);
    if (!v)
        return nomem(err);
    for (size_t i = 0; i < vec->n; i++)
        if (strcmp(vec->v[i].key, key) == 0) {
            mpi_op_forget_refs(op, vec->v[i].value);
            vec->v[i].value = v;
            return MP_OK;
        }
    struct mpi_kv kv = {.key = mpi_arena_strdup(&op->pipeline->arena, key), .value = v};
    if (!kv.key || VEC_PUSH(&op->pipeline->arena, *vec, kv) != MP_OK)
        return nomem(err);
    return MP_OK;
}

int mp_op_set_label(struct mp_op *op, const char *key, const char *value, struct mp_error *err)
{
    return kv_set(op, mpi_op_check(op) ? (void *)&op->labels : NULL, key, value, err);
}

size_t mp_op_label_count(const struct mp_op *op)
{
    return mpi_op_check(op) ? op->labels.n : 0;
}

const char *mp_op_label_key(const struct mp_op *op, size_t i)
{
    const struct mpi_kv *kv = OP_ITEM(op, labels, i);
    return kv ? kv->key : NULL;
}

const char *mp_op_label_value(const struct mp_op *op, size_t i)
{
    const struct mpi_kv *kv = OP_ITEM(op, labels, i);
    return kv ? kv->value : NULL;
}

int mp_op_set_annotation(struct mp_op *op, const char *key, const char *value,
                         struct mp_error *err)
{
    return kv_set(op, mpi_op_check(op) ? (void *)&op->annotations : NULL, key, value, err);
}

size_t mp_op_annotation_count(const struct mp_op *op)
{
    return mpi_op_check(op) ? op->annotations.n : 0;
}

const char *mp_op_annotation_key(const struct mp_op *op, size_t i)
{
    const struct mpi_kv *kv = OP_ITEM(op, annotations, i);
    return kv ? kv->key : NULL;
}

const char *mp_op_annotation_value(const struct mp_op *op, size_t i)
{
    const struct mpi_kv *kv = OP_ITEM(op, annotations, i);
    return kv ? kv->value : NULL;
}

/* ---- parameter references ---- */

size_t mp_op_param_ref_count(const struct mp_op *op)
{
    return mpi_op_check(op) ? op->param_refs.n : 0;
}

const char *mp_op_param_ref_at(const struct mp_op *op, size_t i)
{
    return (mpi_op_check(op) && i < op->param_refs.n) ? op->param_refs.v[i] : NULL;
}
