/* SPDX-License-Identifier: MIT */
/* validate.c: mp_pipeline_validate(), the graph rules every pipeline must keep. */
#include "config.h"

#include <mnistpipe/host.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "graph.h"
#include "placeholder.h"

struct ref_check {
    const struct mp_pipeline *p;
    const struct mp_op *op;
    const char *where;
    struct mp_error *err;
};

/* check_ref() looks up the first REF_MAX - 1 bytes of a name. */
#define REF_MAX 130

static int check_ref(void *user, const char *name, size_t len)
{
    struct ref_check *rc = user;
    char buf[REF_MAX];
    if (len >= sizeof(buf))
        len = sizeof(buf) - 1;
    memcpy(buf, name, len);
    buf[len] = '\0';
    if (mp_pipeline_find_param(rc->p, buf))
        return MP_OK;
    return mp_error_set(rc->err, MP_ERR_VALIDATE,
                        "op '%s': %s refers to {{params.%s}}, but the pipeline has no "
                        "parameter '%s'",
                        rc->op->name, rc->where, buf, buf);
}

static int check_strings(struct ref_check *rc, const struct mpi_strvec *v, const char *what)
{
    for (size_t i = 0; i < v->n; i++) {
        rc->where = what;
        int r = mpi_placeholder_each(v->v[i], check_ref, rc);
        if (r != MP_OK)
            return r;
    }
    return MP_OK;
}

/* @op reads output @output of op @step: both must exist; @kind, when not 0, must match. */
static int check_output(const struct mp_pipeline *p, const struct mp_op *op, const char *step,
                        const char *output, enum mp_output_kind kind, struct mp_error *err)
{
    const struct mp_op *src = mp_pipeline_find_op(p, step);
    size_t k;
    if (!src)
        return mp_error_set(err, MP_ERR_VALIDATE, "op '%s' reads output '%s' of '%s', which is "
                            "not an op of this pipeline", op->name, output, step);
    if (src == op)
        return mp_error_set(err, MP_ERR_VALIDATE, "op '%s' reads its own output '%s'",
                            op->name, output);
    if (mp_op_find_output(src, output, &k, NULL) != MP_OK)
        return mp_error_set(err, MP_ERR_VALIDATE, "op '%s' reads output '%s' of '%s', which "
                            "has no such output", op->name, output, step);
    if (kind && src->outputs.v[k].kind != kind)
        return mp_error_set(err, MP_ERR_VALIDATE, "op '%s' reads output '%s' of '%s' as a "
                            "string, but it is an artifact (a file input)", op->name, output,
                            step);
    return MP_OK;
}

/* A file made in a parallelFor can only be read inside that loop: Argo gathers the
 * iterations' parameter outputs into a list for the tasks after the loop, never their
 * artifacts. */
static int check_artifact_scope(const struct mp_pipeline *p, const struct mp_op *op,
                                const char *step, const char *output, struct mp_error *err)
{
    const struct mp_op *src = mp_pipeline_find_op(p, step);
    for (const struct mp_group *g = src ? src->group : NULL; g; g = g->parent) {
        if (g->kind != MP_GROUP_LOOP)
            continue;
        const struct mp_group *h = op->group;
        while (h && h != g)
            h = h->parent;
        if (!h)
            return mp_error_set(err, MP_ERR_VALIDATE, "op '%s' takes artifact '%s' of '%s', "
                                "which runs in a parallelFor around which '%s' is not: Argo "
                                "gathers a loop's parameter outputs into a list after it, "
                                "never its artifacts", op->name, output, step, op->name);
    }
    return MP_OK;
}

const struct mp_group *mpi_enclosing_loop(const struct mp_group *g, const char *name,
                                          size_t len)
{
    for (; g; g = g->parent)
        if (g->kind == MP_GROUP_LOOP &&
            (!name || (g->name && strlen(g->name) == len && !strncmp(g->name, name, len))))
            return g;
    return NULL;
}

/* The loop items that @s reads ({{item...}} and {{loops.LOOP.item...}}) must be those of
 * loops around @from (a group, or NULL: the pipeline itself); @who names the reader. */
static int check_item_refs(const char *s, const struct mp_group *from, const char *who,
                           struct mp_error *err)
{
    size_t pos = 0, a, e, ll, kl;
    const char *l, *k;
    if (s && mpi_item_ref_next(s, 0, &a, &e, &k, &kl) && !mpi_enclosing_loop(from, NULL, 0))
        return mp_error_set(err, MP_ERR_VALIDATE, "%s reads {{item}} but is in no loop", who);
    while (s && mpi_loop_ref_next(s, pos, &a, &e, &l, &ll, &k, &kl)) {
        pos = e;
        if (!mpi_enclosing_loop(from, l, ll))
            return mp_error_set(err, MP_ERR_VALIDATE, "%s reads {{loops.%.*s.item}}, but it is "
                                "in no parallelFor named '%.*s'", who, (int)ll, l, (int)ll, l);
    }
    return MP_OK;
}

/* Every {{params.NAME}} in the op's strings is declared. The strings the checks below scan
 * (image, resource manifest, conditions and flags, command, args, env, volume sources, labels,
 * annotations) are all copied in with mpi_op_strdup(), which notes each such NAME in
 * op->param_refs: when each noted name is a parameter, none of the scans can fail. */
static bool params_declared(const struct mp_pipeline *p, const struct mp_op *op)
{
    for (size_t i = 0; i < op->param_refs.n; i++)
        if (strlen(op->param_refs.v[i]) >= REF_MAX ||
            !mp_pipeline_find_param(p, op->param_refs.v[i]))
            return false; /* scan, for check_ref()'s message */
    return true;
}

static int check_op(const struct mp_pipeline *p, const struct mp_op *op, struct mp_error *err)
{
    if (!op->resource && (!op->image || !*op->image))
        return mp_error_set(err, MP_ERR_VALIDATE, "op '%s': no image", op->name);
    for (size_t i = 0; i < op->deps.n; i++)
        if (!op->dep_ops[i] && !mp_pipeline_find_op(p, op->deps.v[i]) &&
            !mpi_pipeline_find_group(p, op->deps.v[i]))
            return mp_error_set(err, MP_ERR_VALIDATE, "op '%s': runs after '%s', which is "
                                "neither an op nor a named group of this pipeline", op->name,
                                op->deps.v[i]);
    struct ref_check rc = {.p = p, .op = op, .err = err};
    int r;
    if (params_declared(p, op))
        goto refs_checked;
    rc.where = "the image";
    if (op->image && (r = mpi_placeholder_each(op->image, check_ref, &rc)) != MP_OK)
        return r;
    if (op->resource) {
        const struct mpi_resource_tmpl *t = op->resource;
        rc.where = "the manifest";
        if ((r = mpi_placeholder_each(t->manifest, check_ref, &rc)) != MP_OK)
            return r;
        rc.where = "a resource condition";
        if ((t->success && (r = mpi_placeholder_each(t->success, check_ref, &rc)) != MP_OK) ||
            (t->failure && (r = mpi_placeholder_each(t->failure, check_ref, &rc)) != MP_OK))
            return r;
        if ((r = check_strings(&rc, &t->flags, "resource flags")) != MP_OK)
            return r;
    }
    if ((r = check_strings(&rc, &op->command, "command")) != MP_OK ||
        (r = check_strings(&rc, &op->args, "args")) != MP_OK)
        return r;
    for (size_t i = 0; i < op->env.n; i++) {
        rc.where = "env";
        const char *s = op->env.v[i].value ? op->env.v[i].value : op->env.v[i].secret;
        if ((r = mpi_placeholder_each(s, check_ref, &rc)) != MP_OK)
            return r;
    }
    for (size_t i = 0; i < op->volumes.n; i++) {
        rc.where = "a volume";
        if ((r = mpi_placeholder_each(op->volumes.v[i].source, check_ref, &rc)) != MP_OK)
            return r;
    }
    for (size_t i = 0; i < op->labels.n; i++) {
        rc.where = "a label";
        if ((r = mpi_placeholder_each(op->labels.v[i].value, check_ref, &rc)) != MP_OK)
            return r;
    }
    for (size_t i = 0; i < op->annotations.n; i++) {
        rc.where = "an annotation";
        if ((r = mpi_placeholder_each(op->annotations.v[i].value, check_ref, &rc)) != MP_OK)
            return r;
    }
refs_checked:
    for (size_t i = 0; i < op->output_refs.n; i++)
        if (check_output(p, op, op->output_refs.v[i].step, op->output_refs.v[i].output,
                         MP_OUTPUT_PARAMETER, err) != MP_OK)
            return MP_ERR_VALIDATE;
    for (size_t i = 0; i < op->input_artifacts.n; i++) {
        const struct mpi_input_artifact *a = &op->input_artifacts.v[i];
        if (check_output(p, op, a->step, a->output, 0, err) != MP_OK ||
            check_artifact_scope(p, op, a->step, a->output, err) != MP_OK)
            return MP_ERR_VALIDATE;
    }
    if (op == p->exit_op && (op->output_refs.n || op->deps.n || op->input_artifacts.n ||
                             op->group))
        return mp_error_set(err, MP_ERR_VALIDATE, "exit op '%s' runs outside the DAG: it may "
                            "read parameters, but not outputs of other ops, nor run after an op "
                            "or be in a group", op->name);
    if (op->item_refs.n) {
        const struct mp_group *g = op->group;
        while (g && g->kind != MP_GROUP_LOOP)
            g = g->parent;
        if (!g)
            return mp_error_set(err, MP_ERR_VALIDATE, "op '%s' reads {{item}} but is in no "
                                "loop", op->name);
    }
    for (size_t i = 0; i < op->loop_refs.n; i++) {
        const char *ref = op->loop_refs.v[i];
        size_t len = strcspn(ref, ".");
        if (!mpi_enclosing_loop(op->group, ref, len))
            return mp_error_set(err, MP_ERR_VALIDATE, "op '%s' reads {{loops.%s}}, but it is in "
                                "no parallelFor named '%.*s'", op->name, ref, (int)len, ref);
    }
    for (size_t i = 0; i < op->mounts.n; i++) {
        bool found = false;
        for (size_t j = 0; j < op->volumes.n && !found; j++)
            found = strcmp(op->volumes.v[j].name, op->mounts.v[i].volume) == 0;
        if (!found)
            return mp_error_set(err, MP_ERR_VALIDATE,
                                "op '%s': mounts volume '%s' at %s, but the op has no such "
                                "volume", op->name, op->mounts.v[i].volume, op->mounts.v[i].path);
    }
    return MP_OK;
}

/* The nodes of the dependency graph: ops (0 .. ops.n - 1), then groups. A group's edges are
 * its members (it ends after them) and the steps and groups it runs after, so that a step
 * running after a group it is in, or after a group that waits for it, is a cycle. */
struct dep_graph {
    const struct mp_pipeline *p;
    size_t *first, *kids; /* members of group g: kids[first[g] .. first[g + 1]) */
};

static size_t node_of_name(const struct mp_pipeline *p, const char *name)
{
    const struct mp_op *op = mp_pipeline_find_op(p, name);
    if (op)
        return op->index;
    const struct mp_group *g = mpi_pipeline_find_group(p, name);
    return g ? p->ops.n + g->index : SIZE_MAX;
}

static size_t edge_count(const struct dep_graph *dg, size_t x)
{
    const struct mp_pipeline *p = dg->p;
    if (x < p->ops.n)
        return mpi_op_edge_count(p->ops.v[x]);
    size_t g = x - p->ops.n;
    return dg->first[g + 1] - dg->first[g] + p->groups.v[g]->deps.n;
}

static size_t edge_at(const struct dep_graph *dg, size_t x, size_t k)
{
    const struct mp_pipeline *p = dg->p;
    if (x < p->ops.n) {
        const struct mp_op *op = p->ops.v[x];
        if (k < op->deps.n && op->dep_ops[k])
            return op->dep_ops[k]->index;
        return node_of_name(p, mpi_op_edge_at(op, k));
    }
    size_t g = x - p->ops.n, nk = dg->first[g + 1] - dg->first[g];
    if (k < nk)
        return dg->kids[dg->first[g] + k];
    const struct mpi_group_dep *d = &p->groups.v[g]->deps.v[k - nk];
    return d->op ? node_of_name(p, d->op) : p->ops.n + d->group->index;
}

static void node_name(const struct mp_pipeline *p, size_t x, struct mp_buf *b)
{
    if (x < p->ops.n) {
        mp_buf_puts(b, p->ops.v[x]->name);
        return;
    }
    const struct mp_group *g = p->groups.v[x - p->ops.n];
    if (g->name)
        mp_buf_puts(b, g->name);
    else
        mp_buf_printf(b, "(group %zu)", g->index + 1);
}

/* Members of each group, by counting: dg->first has groups.n + 1 entries. */
static int group_members(struct dep_graph *dg)
{
    const struct mp_pipeline *p = dg->p;
    size_t ng = p->groups.n, total = 0;
    dg->first = calloc(ng + 2, sizeof(*dg->first));
    for (size_t i = 0; dg->first && i < p->ops.n; i++)
        if (p->ops.v[i]->group)
            dg->first[p->ops.v[i]->group->index + 2]++, total++;
    for (size_t i = 0; dg->first && i < ng; i++)
        if (p->groups.v[i]->parent)
            dg->first[p->groups.v[i]->parent->index + 2]++, total++;
    dg->kids = malloc((total ? total : 1) * sizeof(*dg->kids));
    if (!dg->first || !dg->kids)
        return MP_ERR_NOMEM;
    for (size_t g = 0; g < ng; g++)
        dg->first[g + 2] += dg->first[g + 1];
    for (size_t i = 0; i < p->ops.n; i++)
        if (p->ops.v[i]->group)
            dg->kids[dg->first[p->ops.v[i]->group->index + 1]++] = i;
    for (size_t i = 0; i < ng; i++)
        if (p->groups.v[i]->parent)
            dg->kids[dg->first[p->groups.v[i]->parent->index + 1]++] = p->ops.n + i;
    return MP_OK;
}

/* Iterative three-colour depth-first search over "runs after" edges; on a cycle, the message
 * spells it out: a -> b -> c -> a. */
static int check_cycles(const struct mp_pipeline *p, struct mp_error *err)
{
    size_t n = p->ops.n + p->groups.n;
    struct dep_graph dg = {.p = p};
    unsigned char *colour = calloc(n ? n : 1, 1);
    size_t *stack = malloc((n ? n : 1) * sizeof(*stack));
    size_t *next_dep = calloc(n ? n : 1, sizeof(*next_dep));
    int rc = MP_OK;
    if (!colour || !stack || !next_dep || group_members(&dg) != MP_OK) {
        rc = mp_error_set(err, MP_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t root = 0; root < n && rc == MP_OK; root++) {
        if (colour[root])
            continue;
        size_t top = 0;
        stack[top++] = root;
        colour[root] = 1;
        while (top && rc == MP_OK) {
            size_t cur = stack[top - 1];
            if (next_dep[cur] == edge_count(&dg, cur)) {
                colour[cur] = 2;
                top--;
                continue;
            }
            size_t dep = edge_at(&dg, cur, next_dep[cur]++);
            if (dep == SIZE_MAX)
                continue;
            if (colour[dep] == 0) {
                colour[dep] = 1;
                stack[top++] = dep;
            } else if (colour[dep] == 1) {
                struct mp_buf b;
                mpi_buf_init(&b);
                size_t start = top - 1;
                while (stack[start] != dep)
                    start--;
                /* unnamed groups (a step's own group) are left out of the message */
                size_t close = SIZE_MAX;
                for (size_t i = start; i < top; i++)
                    if (stack[i] < p->ops.n || p->groups.v[stack[i] - p->ops.n]->name) {
                        if (close == SIZE_MAX)
                            close = stack[i];
                        node_name(p, stack[i], &b);
                        mp_buf_puts(&b, " -> ");
                    }
                node_name(p, close, &b);
                rc = mp_error_set(err, MP_ERR_VALIDATE, "dependency cycle: %s (each runs after the next)",
                                  mp_buf_data(&b));
                mpi_buf_release(&b);
            }
        }
    }
out:
    free(colour);
    free(stack);
    free(next_dep);
    free(dg.first);
    free(dg.kids);
    return rc;
}

static int check_group(const struct mp_pipeline *p, const struct mp_group *g,
                       struct mp_error *err)
{
    if (g->kind == MP_GROUP_CONDITION && !g->op)
        return mp_error_set(err, MP_ERR_VALIDATE, "condition group %zu has no condition",
                            g->index + 1);
    if (g->kind == MP_GROUP_LOOP && !g->items && !g->source)
        return mp_error_set(err, MP_ERR_VALIDATE, "loop group %zu has nothing to loop over",
                            g->index + 1);
    const char *ops[3] = {g->left, g->right, g->source};
    char who[64];
    snprintf(who, sizeof(who), "%s group %zu", g->kind == MP_GROUP_LOOP ? "loop" : "condition",
             g->index + 1);
    for (int i = 0; i < 3; i++) {
        int r = check_item_refs(ops[i], g->parent, who, err);
        if (r != MP_OK)
            return r;
        size_t a, e, sl, nl, pl;
        const char *st, *nm, *pn;
        char step[64], out[130], prm[130];
        if (ops[i] && mpi_output_ref_next(ops[i], 0, &a, &e, &st, &sl, &nm, &nl) &&
            sl < sizeof(step) && nl < sizeof(out)) {
            memcpy(step, st, sl);
            step[sl] = '\0';
            memcpy(out, nm, nl);
            out[nl] = '\0';
            const struct mp_op *src = mp_pipeline_find_op(p, step);
            size_t k;
            if (!src || mp_op_find_output(src, out, &k, NULL) != MP_OK ||
                src->outputs.v[k].kind != MP_OUTPUT_PARAMETER)
                return mp_error_set(err, MP_ERR_VALIDATE, "a group reads {{steps.%s.outputs.%s}}"
                                    ", which is no parameter output of an op", step, out);
        }
        if (ops[i] && mpi_placeholder_next(ops[i], 0, &a, &e, &pn, &pl) && pl < sizeof(prm)) {
            memcpy(prm, pn, pl);
            prm[pl] = '\0';
            if (!mp_pipeline_find_param(p, prm))
                return mp_error_set(err, MP_ERR_VALIDATE, "a group reads {{params.%s}}, but the "
                                    "pipeline has no parameter '%s'", prm, prm);
        }
    }
    return MP_OK;
}

int mp_pipeline_validate(const struct mp_pipeline *p, struct mp_error *err)
{
    if (!mpi_pipeline_check(p))
        return mp_error_set(err, MP_ERR_INVAL, "invalid pipeline handle");
    if (p->valid_at == p->changes)
        return MP_OK; /* passed, and not changed since */
    if (p->ops.n == 0)
        return mp_error_set(err, MP_ERR_VALIDATE, "pipeline '%s' has no ops", p->name);
    for (size_t i = 0; i < p->ops.n; i++) {
        int rc = check_op(p, p->ops.v[i], err);
        if (rc != MP_OK)
            return rc;
    }
    for (size_t i = 0; i < p->groups.n; i++) {
        int rc = check_group(p, p->groups.v[i], err);
        if (rc != MP_OK)
            return rc;
    }
    int rc = check_cycles(p, err);
    /* Only this cache of the result changes: the pipeline stays as it was. */
    if (rc == MP_OK)
        ((struct mp_pipeline *)p)->valid_at = p->changes;
    return rc;
}
