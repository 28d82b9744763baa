/* SPDX-License-Identifier: MIT */
/* yaml_groups.c: the group items of a pipeline file's step lists: `when` (a condition) and
 * `parallelFor` (a loop over a list, a parameter or an output), with their steps, an optional
 * `name` (what `after` lists name) and `after`. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "yaml_load_int.h"

static const char *const group_keys[] = {"when", "parallelFor", "parallelism", "graph", "after",
                                         "name", "steps", NULL};

/* Strip one pair of matching quotes and surrounding spaces: [@s, @s + *len). */
static const char *operand(const char *s, size_t *len)
{
    while (*len && *s == ' ') {
        s++;
        (*len)--;
    }
    while (*len && s[*len - 1] == ' ')
        (*len)--;
    if (*len >= 2 && (s[0] == '"' || s[0] == '\'') && s[*len - 1] == s[0]) {
        s++;
        *len -= 2;
    }
    return s;
}

static void condition(struct loader *ld, yaml_node_t *wn, struct mp_group *g)
{
    static const char *const ops[] = {" == ", " != ", " >= ", " <= ", " > ", " < ", NULL};
    const char *w = mpi_yl_text(ld, wn, "when");
    if (!w)
        return;
    const char *at = NULL, *op = NULL;
    for (const char *const *o = ops; *o && !at; o++)
        if ((at = strstr(w, *o)))
            op = *o;
    if (!at) {
        mpi_yl_diag(ld, wn, "'LEFT == RIGHT' (or !=, <, <=, >, >=, with spaces around)",
                    "when: no comparison in '%s'", w);
        return;
    }
    size_t ll = (size_t)(at - w), rl = strlen(at + strlen(op));
    const char *l = operand(w, &ll), *r = operand(at + strlen(op), &rl);
    char left[512], right[512], oper[3] = {0};
    if (!ll || !rl || ll >= sizeof(left) || rl >= sizeof(right)) {
        mpi_yl_diag(ld, wn, "'LEFT == RIGHT'", "when: an operand of '%s' is empty or too long",
                    w);
        return;
    }
    memcpy(left, l, ll);
    left[ll] = '\0';
    memcpy(right, r, rl);
    right[rl] = '\0';
    memcpy(oper, op + 1, strlen(op) - 2);
    if (g)
        mpi_yl_fine(ld, mp_group_set_condition(g, left, oper, right, ld->err), wn);
}

static void loop(struct loader *ld, yaml_node_t *pf, struct mp_group *g)
{
    if (pf->type == YAML_SEQUENCE_NODE) {
        if (pf->data.sequence.items.top == pf->data.sequence.items.start) {
            mpi_yl_diag(ld, pf, "a non-empty list", "parallelFor: an empty list");
            return;
        }
        struct mp_buf b;
        mpi_buf_init(&b);
        mpi_yl_to_json(ld, pf, &b);
        if (mp_buf_error(&b))
            ld->nomem = 1;
        else if (g)
            mpi_yl_fine(ld, mp_group_set_loop_items(g, mp_buf_data(&b), ld->err), pf);
        mpi_buf_release(&b);
        return;
    }
    const char *s = mpi_yl_text(ld, pf, "parallelFor");
    if (s && g)
        mpi_yl_fine(ld, mp_group_set_loop_source(g, s, ld->err), pf);
}

void mpi_yl_group(struct loader *ld, yaml_node_t *item, struct mp_group *parent,
                  struct mp_group **out, bool *is_loop)
{
    *out = NULL;
    *is_loop = false;
    mpi_yl_check_keys(ld, item, group_keys, NULL, "group");
    yaml_node_t *wn = mpi_yl_get(ld, item, "when"), *pf = mpi_yl_get(ld, item, "parallelFor");
    yaml_node_t *par = mpi_yl_get(ld, item, "parallelism"), *gn = mpi_yl_get(ld, item, "graph");
    yaml_node_t *an = mpi_yl_get(ld, item, "after"), *nn = mpi_yl_get(ld, item, "name");
    if ((wn != NULL) + (pf != NULL) + (gn != NULL) != 1) {
        mpi_yl_diag(ld, item, "when: CONDITION, parallelFor: ITEMS or graph: NAME", "a group of "
                    "steps needs exactly one of when, parallelFor and graph");
        return;
    }
    if (par && !pf)
        mpi_yl_diag(ld, par, "parallelFor", "parallelism is for a parallelFor group");
    *is_loop = pf != NULL;
    struct mp_group *g = NULL;
    enum mp_group_kind kind = pf ? MP_GROUP_LOOP : gn ? MP_GROUP_GRAPH : MP_GROUP_CONDITION;
    if (ld->p && !mpi_yl_fine(ld, mp_pipeline_add_group(ld->p, kind, parent, &g, ld->err), item))
        return;
    if (gn && nn) {
        mpi_yl_diag(ld, nn, "graph: NAME alone", "a graph group is named by its 'graph' key");
        nn = NULL;
    }
    if (gn || nn) {
        yaml_node_t *x = gn ? gn : nn;
        const char *name = mpi_yl_scalar(ld, x, gn ? "graph" : "group name");
        const yaml_node_t *first = name ? mpi_strmap_get(&ld->group_names, name) : NULL;
        if (name && nn && first)
            mpi_yl_diag(ld, nn, "a unique name", "duplicate group name '%s' (first at line %lu)",
                        name, L(first));
        else if (name && g && !mpi_yl_fine(ld, mp_group_set_name(g, name, ld->err), x))
            name = NULL;
        if (name && !first && mpi_strmap_put(&ld->group_names, &ld->arena, name, x) != MP_OK)
            ld->nomem = 1;
    }
    if ((an || nn) && g) {
        if (ld->ngafter == ld->cgafter) {
            size_t cap = ld->cgafter ? 2 * ld->cgafter : 4;
            struct group_after *v = realloc(ld->gafter, cap * sizeof(*v));
            if (v) {
                ld->gafter = v;
                ld->cgafter = cap;
            } else {
                ld->nomem = 1;
            }
        }
        if (ld->ngafter < ld->cgafter)
            ld->gafter[ld->ngafter++] = (struct group_after){g, an, nn};
    }
    if (wn)
        condition(ld, wn, g);
    else if (pf)
        loop(ld, pf, g);
    if (par && pf) {
        const char *v = mpi_yl_scalar(ld, par, "parallelism");
        char *end = NULL;
        long long n = v ? strtoll(v, &end, 10) : -1;
        if (v && (!*v || *end || n < 0 || par->data.scalar.style != YAML_PLAIN_SCALAR_STYLE))
            mpi_yl_diag(ld, par, "a whole number", "parallelism must be a whole number, not "
                        "'%s'", v);
        else if (v && g)
            mpi_yl_fine(ld, mp_group_set_parallelism(g, n, ld->err), par);
    }
    *out = g;
}

static void group_after(struct loader *ld, struct mp_group *g, yaml_node_t *n)
{
    const char *name = mpi_yl_scalar(ld, n, "after");
    if (!name)
        return;
    for (size_t i = 0; i < ld->nsteps; i++)
        if (ld->steps[i].name && !strcmp(ld->steps[i].name, name)) {
            mpi_yl_fine(ld, mp_group_add_dependency(g, name, NULL, ld->err), n);
            return;
        }
    for (size_t i = 0; i < mp_pipeline_group_count(ld->p); i++) {
        const struct mp_group *o = mp_pipeline_group_at(ld->p, i);
        if (mp_group_name(o) && !strcmp(mp_group_name(o), name)) {
            mpi_yl_fine(ld, mp_group_add_dependency(g, NULL, o, ld->err), n);
            return;
        }
    }
    mpi_yl_diag(ld, n, "the name of a step or of a named group", "a group runs after '%s', "
                "which is neither a step nor a named group of this pipeline", name);
}

void mpi_yl_group_afters(struct loader *ld)
{
    for (size_t i = 0; i < ld->ngafter; i++) {
        yaml_node_t *a = ld->gafter[i].after, *nn = ld->gafter[i].name;
        const struct step *st = nn && nn->type == YAML_SCALAR_NODE
                                    ? mpi_strmap_get(&ld->names,
                                                     (const char *)nn->data.scalar.value)
                                    : NULL;
        if (st)
            mpi_yl_diag(ld, nn, "a name no step has", "group name '%s' is also the name of a "
                        "step (line %lu)", (const char *)nn->data.scalar.value, L(st->node));
        if (!a) {
            continue;
        } else if (a->type == YAML_SEQUENCE_NODE) {
            for (yaml_node_item_t *it = a->data.sequence.items.start;
                 it < a->data.sequence.items.top; it++)
                group_after(ld, ld->gafter[i].g, mpi_yl_node(ld, *it));
        } else {
            group_after(ld, ld->gafter[i].g, a);
        }
    }
}
