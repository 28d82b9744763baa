/* SPDX-License-Identifier: MIT */
/* workflow_controlflow.c: the DAG templates of the pipeline and of its groups (conditions,
 * loops, the exit handler), as kfp 1.8's compiler builds them: each value an op reads is
 * passed down through the groups between its producer and the op (template inputs and task
 * arguments) and up out of the producer's groups (template outputs); each dependency links
 * the first groups (or ops) where the two paths part; templates and tasks sorted by name. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doc.h"
#include "graph.h"
#include "placeholder.h"
#include "workflow.h"

/* A value a node receives (or hands up): its Argo parameter name and the node it comes from
 * (-1: the enclosing template's own input). */
struct cf_in {
    const char *name;
    int from;
};

struct cf_node {
    int parent;    /* -1 for the root */
    const char *name;
    struct cf_in *in, *out;
    size_t nin, cin, nout, cout;
    struct cf_in *ain, *aout; /* the same for artifacts */
    size_t nain, cain, naout, caout;
    int *deps;
    size_t ndeps, cdeps;
    int *kids;
    size_t nkids, ckids;
    const struct mp_op *op;    /* ops only */
    const struct mp_group *g;  /* groups only */
    const char *item;          /* loops: the item parameter's name */
    struct mp_node *str;       /* the name's string node (name_node()), or NULL */
};

struct cf {
    struct mpi_wf *b;
    const struct mp_pipeline *p;
    struct cf_node *n;
    size_t nops, nnodes;
    int root;
    int args_kid;         /* the last task whose arguments can be shared, or -1 */
    struct mp_node *args; /* its arguments */
    int *order;    /* every node, sorted by name */
    unsigned *rank; /* each node's place in order */
    /* the nodes' lists (in, out, deps, ...): cut from chunks of this, freed at once */
    struct cf_chunk *chunks;
    char *pool;
    size_t pool_left, chunk_size;
    char **owned; /* malloc'd names */
    size_t nowned, cowned;
    bool nomem;
};

static void *grow(struct cf *cf, void *v, size_t elem, size_t *cap, size_t need)
{
    if (need <= *cap)
        return v;
    size_t c = *cap ? *cap * 2 : 4;
    while (c < need)
        c *= 2;
    void *nv = realloc(v, c * elem);
    if (!nv) {
        cf->nomem = true;
        return NULL;
    }
    *cap = c;
    return nv;
}

/* A chunk of memory for the lists of the nodes: a 5,000-step workflow has 10,000 of them,
 * which malloc, realloc and free cost more than their contents. */
struct cf_chunk {
    struct cf_chunk *next;
    size_t pad; /* keeps what follows aligned for any type */
    char data[];
};

#define CF_CHUNK 32768

/* @size bytes (a multiple of 16) from @cf's chunks, or NULL (@cf records it). */
static void *pool_alloc(struct cf *cf, size_t size)
{
    if (cf->pool_left < size) {
        /* 1 KiB, then twice the last (a small pipeline needs little), up to CF_CHUNK */
        size_t chunk = cf->chunk_size ? cf->chunk_size : 1024;
        size_t cap = size > chunk / 4 ? size : chunk;
        struct cf_chunk *c = size < SIZE_MAX / 2 ? malloc(sizeof(*c) + cap) : NULL;
        if (!c) {
            cf->nomem = true;
            return NULL;
        }
        c->next = cf->chunks;
        cf->chunks = c;
        if (cap != chunk) /* a big list: its own chunk, the current one kept */
            return c->data;
        cf->pool = c->data;
        cf->pool_left = chunk;
        cf->chunk_size = chunk < CF_CHUNK ? 2 * chunk : CF_CHUNK;
    }
    void *p = cf->pool;
    cf->pool += size;
    cf->pool_left -= size;
    return p;
}

/* Room for @need items of @elem bytes in list @v (@n used, capacity *@cap), from @cf's
 * chunks: doubled when full, the old block left to them. */
static void *grow_list(struct cf *cf, void *v, size_t elem, size_t n, size_t *cap, size_t need)
{
    if (need <= *cap)
        return v;
    size_t c = *cap ? *cap * 2 : 4;
    while (c < need)
        c *= 2;
    void *nv = c < SIZE_MAX / 2 / elem ? pool_alloc(cf, (c * elem + 15) & ~(size_t)15) : NULL;
    if (!nv) {
        cf->nomem = true;
        return NULL;
    }
    if (n)
        memcpy(nv, v, n * elem);
    *cap = c;
    return nv;
}

/* @a @b @c joined, owned by @cf ("" when out of memory, which @cf records). */
static const char *own(struct cf *cf, const char *a, const char *b, const char *c)
{
    size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
    char *s = malloc(la + lb + lc + 1);
    char **o = grow(cf, cf->owned, sizeof(*o), &cf->cowned, cf->nowned + 1);
    if (!s || !o) {
        free(s);
        cf->nomem = true;
        return "";
    }
    cf->owned = o;
    memcpy(s, a, la);
    memcpy(s + la, b, lb);
    memcpy(s + la + lb, c, lc + 1);
    cf->owned[cf->nowned++] = s;
    return s;
}

static void add_in(struct cf *cf, struct cf_in **v, size_t *n, size_t *cap, const char *name,
                   int from)
{
    for (size_t i = 0; i < *n; i++)
        if ((*v)[i].from == from && !strcmp((*v)[i].name, name))
            return;
    struct cf_in *nv = grow_list(cf, *v, sizeof(**v), *n, cap, *n + 1);
    if (!nv)
        return;
    *v = nv;
    nv[(*n)++] = (struct cf_in){name, from};
}

/* Appended as they come: a fan-in of thousands made a search per item quadratic. Kids come
 * once each; repeated deps are dropped after sorting by name (names are unique). */
static void add_int(struct cf *cf, int **v, size_t *n, size_t *cap, int x)
{
    int *nv = grow_list(cf, *v, sizeof(**v), *n, cap, *n + 1);
    if (!nv)
        return;
    *v = nv;
    nv[(*n)++] = x;
}

static int op_node(const struct cf *cf, const char *name)
{
    const struct mp_op *op = name ? mp_pipeline_find_op(cf->p, name) : NULL;
    return op ? (int)op->index : -1;
}

static int group_node(const struct cf *cf, const struct mp_group *g)
{
    return g ? (int)(cf->nops + g->index) : cf->root;
}

/* The node of an op, or else of a named group, called @name; -1 when neither. */
static int dep_node(const struct cf *cf, const char *name)
{
    int x = op_node(cf, name);
    const struct mp_group *g = x < 0 && name ? mpi_pipeline_find_group(cf->p, name) : NULL;
    return g ? group_node(cf, g) : x;
}

/* The path from the root to @x: fills @path (capacity nnodes) and returns its length. */
static size_t path_of(const struct cf *cf, int x, int *path)
{
    size_t n = 0;
    for (int y = x; y >= 0; y = cf->n[y].parent)
        path[n++] = y;
    for (size_t i = 0; i < n / 2; i++) {
        int t = path[i];
        path[i] = path[n - 1 - i];
        path[n - 1 - i] = t;
    }
    return n;
}

/* The innermost loop around node @x, or -1. */
static int loop_of(const struct cf *cf, int x)
{
    for (int y = cf->n[x].parent; y >= 0; y = cf->n[y].parent)
        if (cf->n[y].g && cf->n[y].g->kind == MP_GROUP_LOOP)
            return y;
    return -1;
}

/* A value @name made by node @prod, read by node @user: passed down and up the groups (as
 * parameters, or as artifacts when @art). */
static void pass_value(struct cf *cf, int prod, int user, const char *name, bool art, int *pa,
                       int *pb)
{
    size_t na = path_of(cf, prod, pa), nb = path_of(cf, user, pb), k = 0;
    while (k < na && k < nb && pa[k] == pb[k])
        k++;
    if (k == na || k == nb)
        return; /* one contains the other */
    for (size_t i = k; i < nb; i++) {
        struct cf_node *d = &cf->n[pb[i]];
        if (art)
            add_in(cf, &d->ain, &d->nain, &d->cain, name, i == k ? pa[k] : -1);
        else
            add_in(cf, &d->in, &d->nin, &d->cin, name, i == k ? pa[k] : -1);
    }
    for (size_t i = k; i + 1 < na; i++) {
        struct cf_node *u = &cf->n[pa[i]];
        if (art)
            add_in(cf, &u->aout, &u->naout, &u->caout, name, pa[i + 1]);
        else
            add_in(cf, &u->out, &u->nout, &u->cout, name, pa[i + 1]);
    }
}

/* @user runs after @up: the first nodes where their paths part. */
static void depend(struct cf *cf, int up, int user, int *pa, int *pb)
{
    if (up < 0)
        return;
    if (up != user && cf->n[up].parent == cf->n[user].parent) { /* siblings: the usual case */
        struct cf_node *d = &cf->n[user];
        add_int(cf, &d->deps, &d->ndeps, &d->cdeps, up);
        return;
    }
    size_t na = path_of(cf, up, pa), nb = path_of(cf, user, pb), k = 0;
    while (k < na && k < nb && pa[k] == pb[k])
        k++;
    if (k == na || k == nb)
        return;
    struct cf_node *d = &cf->n[pb[k]];
    add_int(cf, &d->deps, &d->ndeps, &d->cdeps, pa[k]);
}

/* The op producing output placeholder @s ({{steps.S.outputs.O}}), or -1; @argo gets S-O. */
static int output_source(struct cf *cf, const char *s, const char **argo)
{
    size_t a, e, sl, nl;
    const char *st, *nm;
    if (!s || !mpi_output_ref_next(s, 0, &a, &e, &st, &sl, &nm, &nl))
        return -1;
    char step[64], out[130];
    if (sl >= sizeof(step) || nl >= sizeof(out))
        return -1;
    memcpy(step, st, sl);
    step[sl] = '\0';
    memcpy(out, nm, nl);
    out[nl] = '\0';
    if (argo)
        *argo = mpi_output_is_ui(out) ? own(cf, out, "", "") : own(cf, step, "-", out);
    return op_node(cf, step);
}

/* The parameter of placeholder @s ({{params.X}}), copied into @name, or false. */
static bool param_source(const char *s, char *name, size_t cap)
{
    size_t a, e, len;
    const char *nm;
    if (!s || !mpi_placeholder_next(s, 0, &a, &e, &nm, &len) || len >= cap)
        return false;
    memcpy(name, nm, len);
    name[len] = '\0';
    return true;
}

/* The loop item placeholder at the start of a search in @s ({{item[.K]}}, read from the
 * innermost loop at or around group @from, or {{loops.L.item[.K]}}): its Argo parameter
 * (ITEM or ITEM-subvar-K, owned by @cf), and in *@loop the node of the loop it comes from.
 * NULL when @s holds none. */
static const char *item_source(struct cf *cf, const char *s, const struct mp_group *from,
                               int *loop)
{
    size_t a, e, kl, ll;
    const char *k, *l;
    const struct mp_group *g = NULL;
    if (!s)
        return NULL;
    if (mpi_loop_ref_next(s, 0, &a, &e, &l, &ll, &k, &kl))
        g = mpi_enclosing_loop(from, l, ll);
    else if (mpi_item_ref_next(s, 0, &a, &e, &k, &kl))
        g = mpi_enclosing_loop(from, NULL, 0);
    if (!g)
        return NULL;
    *loop = group_node(cf, g);
    const char *item = cf->n[*loop].item ? cf->n[*loop].item : "";
    if (!kl)
        return item;
    char key[130];
    snprintf(key, sizeof(key), "%.*s", (int)kl, k);
    return own(cf, item, "-subvar-", key);
}

/* Parameter @name, made by loop @loop, is read in (the DAG of) node @x: an input of each node
 * from @x up to the loop. */
static void pass_item(struct cf *cf, int x, int loop, const char *name)
{
    for (int y = x; y >= 0; y = cf->n[y].parent) {
        add_in(cf, &cf->n[y].in, &cf->n[y].nin, &cf->n[y].cin, name, -1);
        if (y == loop)
            break;
    }
}

/* Output @name of op @prod is read by a task of the DAG of group node @dag (a loop's
 * withParam): passed up out of the producer's groups and, when it is not made inside @dag,
 * down into it. */
static void pass_to_dag(struct cf *cf, int prod, int dag, const char *name, int *pa, int *pb)
{
    size_t na = path_of(cf, prod, pa), nb = path_of(cf, dag, pb), k = 0;
    while (k < na && k < nb && pa[k] == pb[k])
        k++;
    if (k < nb) {
        pass_value(cf, prod, dag, name, false, pa, pb);
        return;
    }
    for (size_t i = k; i + 1 < na; i++) {
        struct cf_node *u = &cf->n[pa[i]];
        add_in(cf, &u->out, &u->nout, &u->cout, name, pa[i + 1]);
    }
}

static void analyse(struct cf *cf)
{
    int *pa = malloc((cf->nnodes + 1) * sizeof(int)), *pb = malloc((cf->nnodes + 1) * sizeof(int));
    if (!pa || !pb) {
        cf->nomem = true;
        goto out;
    }
    for (size_t i = 0; i < cf->nops; i++) {
        const struct mp_op *op = cf->p->ops.v[i];
        if (op == cf->p->exit_op)
            continue;
        int me = (int)i;
        for (size_t j = 0; j < op->param_refs.n; j++) {
            size_t n = path_of(cf, me, pb);
            for (size_t k = n; k-- > 0;)
                add_in(cf, &cf->n[pb[k]].in, &cf->n[pb[k]].nin, &cf->n[pb[k]].cin,
                       op->param_refs.v[j], -1);
        }
        for (size_t j = 0; j < op->output_refs.n; j++) {
            int prod = op_node(cf, op->output_refs.v[j].step);
            if (prod >= 0)
                pass_value(cf, prod, me, op->output_refs.v[j].argo, false, pa, pb);
        }
        for (size_t j = 0; j < op->input_artifacts.n; j++) {
            const struct mpi_input_artifact *a = &op->input_artifacts.v[j];
            int prod = op_node(cf, a->step);
            if (prod >= 0)
                pass_value(cf, prod, me,
                           mpi_output_is_ui(a->output) ? a->output
                                                       : own(cf, a->step, "-", a->output),
                           true, pa, pb);
        }
        int loop = loop_of(cf, me);
        for (size_t j = 0; j < op->item_refs.n && loop >= 0; j++) {
            const char *key = op->item_refs.v[j];
            const char *name = *key ? own(cf, cf->n[loop].item, "-subvar-", key)
                                    : cf->n[loop].item;
            size_t n = path_of(cf, me, pb);
            for (size_t k = n; k-- > 0;) {
                add_in(cf, &cf->n[pb[k]].in, &cf->n[pb[k]].nin, &cf->n[pb[k]].cin, name, -1);
                if (pb[k] == loop)
                    break;
            }
        }
        for (size_t j = 0; j < op->loop_refs.n; j++) {
            const char *r = op->loop_refs.v[j]; /* LOOP.item[.KEY] */
            const struct mp_group *g = mpi_enclosing_loop(op->group, r, strcspn(r, "."));
            if (!g)
                continue;
            int ln = group_node(cf, g);
            const char *key = strchr(r, '.') + 5;
            const char *name = *key ? own(cf, cf->n[ln].item ? cf->n[ln].item : "", "-subvar-",
                                          key + 1)
                                    : cf->n[ln].item;
            if (name)
                pass_item(cf, me, ln, name);
        }
        /* dependencies: explicit, data, and the outputs the enclosing conditions test */
        for (size_t k = 0; k < mpi_op_edge_count(op); k++)
            depend(cf, dep_node(cf, mpi_op_edge_at(op, k)), me, pa, pb);
        for (const struct mp_group *g = op->group; g; g = g->parent)
            if (g->kind == MP_GROUP_CONDITION) {
                depend(cf, output_source(cf, g->left, NULL), me, pa, pb);
                depend(cf, output_source(cf, g->right, NULL), me, pa, pb);
            }
    }
    for (size_t i = 0; i < cf->p->groups.n; i++) {
        const struct mp_group *g = cf->p->groups.v[i];
        int me = group_node(cf, g);
        char name[130];
        const char *argo = NULL, *item;
        int prod, loop;
        if (g->kind == MP_GROUP_LOOP && (prod = output_source(cf, g->source, &argo)) >= 0) {
            depend(cf, prod, me, pa, pb);
            pass_to_dag(cf, prod, cf->n[me].parent, argo, pa, pb);
        }
        /* a loop over (a key of) an enclosing loop's item reads it in its parent's DAG */
        if (g->kind == MP_GROUP_LOOP && (item = item_source(cf, g->source, g->parent, &loop)))
            pass_item(cf, cf->n[me].parent, loop, item);
        for (size_t k = 0; k < g->deps.n; k++)
            depend(cf, g->deps.v[k].op ? op_node(cf, g->deps.v[k].op)
                                       : group_node(cf, g->deps.v[k].group), me, pa, pb);
        if (g->kind != MP_GROUP_CONDITION)
            continue;
        /* a parameter tested by a condition: an input of the templates around it */
        const char *ops[2] = {g->left, g->right};
        for (int o = 0; o < 2; o++) {
            if ((item = item_source(cf, ops[o], g->parent, &loop)))
                pass_item(cf, cf->n[me].parent, loop, item);
            if (!param_source(ops[o], name, sizeof(name)))
                continue;
            const struct mp_param *prm = mp_pipeline_find_param(cf->p, name);
            if (!prm)
                continue;
            for (int y = cf->n[me].parent; y >= 0; y = cf->n[y].parent)
                add_in(cf, &cf->n[y].in, &cf->n[y].nin, &cf->n[y].cin, prm->name, -1);
        }
    }
out:
    free(pa);
    free(pb);
}

/* ---- emitting ---- */

/* The string node of node @x's name: the same node for its template, its task and every
 * dependency on it, made once. */
static struct mp_node *name_node(struct cf *cf, int x)
{
    if (!cf->n[x].str)
        cf->n[x].str = mp_doc_str(cf->b->doc, cf->n[x].name);
    return cf->n[x].str;
}

static int cmp_in(const void *a, const void *b)
{
    const struct cf_in *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->from > y->from) - (x->from < y->from);
}

/* A node to sort by name: 8 bytes of its name as a big-endian number (so that numbers
 * compare as the names do), the name, the node. */
struct named {
    uint64_t key;
    const char *name;
    int node;
};

/* Bytes [@off, @off + 8) of @s (which has at least @off bytes) as a big-endian number, zeros
 * past its end. */
static uint64_t name_key(const char *s, size_t off)
{
    uint64_t k = 0;
    s += off;
    for (int j = 0; j < 8 && s[j]; j++)
        k |= (uint64_t)(unsigned char)s[j] << (56 - 8 * j);
    return k;
}

/* Sorts @x (@n names that agree in their first @off bytes, keys made at @off) by name as
 * strcmp orders them, keeping the order of equal names; @t has room for @n. A stable radix
 * sort on the bytes of the keys that differ, then the same for each run of equal keys whose
 * names go on (their next 8 bytes). */
static void sort_named(struct named *x, struct named *t, size_t n, size_t off)
{
    if (n < 24) { /* insertion sort: stable */
        for (size_t i = 1; i < n; i++) {
            struct named v = x[i];
            size_t j = i;
            for (; j > 0 && (x[j - 1].key > v.key ||
                             (x[j - 1].key == v.key && (v.key & 0xff) &&
                              strcmp(x[j - 1].name + off + 8, v.name + off + 8) > 0));
                 j--)
                x[j] = x[j - 1];
            x[j] = v;
        }
        return;
    }
    uint64_t differ = 0;
    for (size_t i = 1; i < n; i++)
        differ |= x[i].key ^ x[0].key;
    struct named *from = x, *to = t;
    for (int shift = 0; shift < 64; shift += 8) {
        if (!((differ >> shift) & 0xff))
            continue;
        size_t count[257] = {0};
        for (size_t i = 0; i < n; i++)
            count[((from[i].key >> shift) & 0xff) + 1]++;
        for (int c = 0; c < 256; c++)
            count[c + 1] += count[c];
        for (size_t i = 0; i < n; i++)
            to[count[(from[i].key >> shift) & 0xff]++] = from[i];
        struct named *sw = from;
        from = to;
        to = sw;
    }
    if (from != x)
        memcpy(x, from, n * sizeof(*x));
    for (size_t lo = 0, hi; lo < n; lo = hi) {
        for (hi = lo + 1; hi < n && x[hi].key == x[lo].key; hi++)
            ;
        if (hi - lo < 2 || !(x[lo].key & 0xff)) /* one name, or names that end here */
            continue;
        for (size_t i = lo; i < hi; i++)
            x[i].key = name_key(x[i].name, off + 8);
        sort_named(x + lo, t, hi - lo, off + 8);
    }
}

/* Sorts @v (@n nodes of @cf) by name, as strcmp orders them, keeping the order of equal
 * names. Errors: false when out of memory (@cf records it). */
static bool sort_by_name(struct cf *cf, int *v, size_t n)
{
    if (n < 2)
        return true;
    struct named *block = malloc(2 * n * sizeof(*block));
    if (!block) {
        cf->nomem = true;
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        const char *s = cf->n[v[i]].name;
        block[i] = (struct named){name_key(s, 0), s, v[i]};
    }
    sort_named(block, block + n, n, 0);
    for (size_t i = 0; i < n; i++)
        v[i] = block[i].node;
    free(block);
    return true;
}

/* Sorts @v (@n nodes, maybe repeated) by name once every node has its place in the order of
 * all names (cf->rank, cf->order: the names are distinct by then), dropping repeats: *@n
 * gets the new count. A fan-in of thousands, or the DAG of thousands of tasks, costs a pass
 * over a bitmap of the places, not a sort by name again. Errors: false when out of memory
 * (@cf records it). */
static bool sort_by_rank(struct cf *cf, int *v, size_t *n)
{
    size_t m = *n;
    if (m < 2)
        return true;
    if (m < 32 || m * 32 < cf->nnodes) {
        if (m >= 32 && !sort_by_name(cf, v, m))
            return false;
        for (size_t i = 1; i < m && m < 32; i++) {
            int x = v[i];
            size_t j = i;
            for (; j > 0 && cf->rank[v[j - 1]] > cf->rank[x]; j--)
                v[j] = v[j - 1];
            v[j] = x;
        }
        size_t k = 1;
        for (size_t i = 1; i < m; i++)
            if (v[i] != v[k - 1])
                v[k++] = v[i];
        *n = k;
        return true;
    }
    size_t words = (cf->nnodes + 63) / 64, k = 0;
    uint64_t *bits = calloc(words, sizeof(*bits));
    if (!bits) {
        cf->nomem = true;
        return false;
    }
    for (size_t i = 0; i < m; i++)
        bits[cf->rank[v[i]] / 64] |= (uint64_t)1 << (cf->rank[v[i]] % 64);
    for (size_t w = 0; w < words; w++)
        for (uint64_t b = bits[w]; b; b &= b - 1)
            v[k++] = cf->order[w * 64 + (size_t)__builtin_ctzll(b)];
    free(bits);
    *n = k;
    return true;
}

/* The operand of a condition as the parent DAG reads it. */
static void operand(struct cf *cf, int cond, const char *s, struct mp_buf *out)
{
    char name[130];
    const char *argo = NULL, *item;
    int prod = output_source(cf, s, &argo), loop;
    if ((item = item_source(cf, s, cf->n[cond].g->parent, &loop))) {
        size_t a, e, l1, l2;
        const char *x, *y;
        if (!mpi_loop_ref_next(s, 0, &a, &e, &x, &l1, &y, &l2))
            mpi_item_ref_next(s, 0, &a, &e, &y, &l2);
        mp_buf_printf(out, "%.*s{{inputs.parameters.%s}}%s", (int)a, s, item, s + e);
        return;
    }
    if (prod >= 0 && argo) {
        const struct cf_node *c = &cf->n[cond];
        for (size_t i = 0; i < c->nin; i++)
            if (!strcmp(c->in[i].name, argo)) {
                if (c->in[i].from < 0)
                    mpi_wf_input_ref(out, argo);
                else
                    mp_buf_printf(out, "{{tasks.%s.outputs.parameters.%s}}",
                                  cf->n[c->in[i].from].name, argo);
                return;
            }
        mp_buf_printf(out, "{{tasks.%s.outputs.parameters.%s}}", cf->n[prod].name, argo);
    } else if (param_source(s, name, sizeof(name)) && mp_pipeline_find_param(cf->p, name)) {
        mpi_wf_input_ref(out, name);
    } else {
        mp_buf_puts(out, s);
    }
}

/* The value a task gives input @in of child @kid, in the DAG of its parent. */
static void argument(struct cf *cf, int kid, const struct cf_in *in, struct mp_buf *out)
{
    const struct cf_node *k = &cf->n[kid];
    if (in->from >= 0) {
        mp_buf_printf(out, "{{tasks.%s.outputs.parameters.%s}}", cf->n[in->from].name, in->name);
        return;
    }
    if (k->item) {
        size_t l = strlen(k->item);
        if (!strcmp(in->name, k->item)) {
            mp_buf_puts(out, "{{item}}");
            return;
        }
        if (!strncmp(in->name, k->item, l) && !strncmp(in->name + l, "-subvar-", 8)) {
            mp_buf_printf(out, "{{item.%s}}", in->name + l + 8);
            return;
        }
    }
    mpi_wf_input_ref(out, in->name);
}

/* True when the arguments of task @kid are its parameters alone, each the enclosing DAG's
 * input of that name. */
static bool plain_args(const struct cf *cf, int kid)
{
    const struct cf_node *k = &cf->n[kid];
    if (k->nain || k->item)
        return false;
    for (size_t i = 0; i < k->nin; i++)
        if (k->in[i].from >= 0)
            return false;
    return true;
}

/* True when plain tasks @a and @b pass the same parameters (their in lists sorted). */
static bool same_args(const struct cf *cf, int a, int b)
{
    const struct cf_node *x = &cf->n[a], *y = &cf->n[b];
    if (x->nin != y->nin)
        return false;
    for (size_t i = 0; i < x->nin; i++)
        if (strcmp(x->in[i].name, y->in[i].name))
            return false;
    return true;
}

static void task(struct cf *cf, int kid, struct mp_node *t)
{
    struct mpi_wf *b = cf->b;
    struct cf_node *k = &cf->n[kid];
    struct mp_node *tname = name_node(cf, kid);
    mpi_put(t, "name", tname);
    mpi_put(t, "template", tname);
    if (k->g && k->g->kind == MP_GROUP_CONDITION && k->g->left) {
        bool quote = !strcmp(k->g->op, "==") || !strcmp(k->g->op, "!=");
        mp_buf_reset(&b->tmp);
        if (quote)
            mp_buf_putc(&b->tmp, '"');
        operand(cf, kid, k->g->left, &b->tmp);
        mp_buf_printf(&b->tmp, "%s %s %s", quote ? "\"" : "", k->g->op, quote ? "\"" : "");
        operand(cf, kid, k->g->right, &b->tmp);
        if (quote)
            mp_buf_putc(&b->tmp, '"');
        mpi_put_str(t, "when", mp_buf_data(&b->tmp));
    }
    if (k->ndeps) {
        sort_by_rank(cf, k->deps, &k->ndeps);
        struct mp_node *seq = mpi_put(t, "dependencies",
                                      mpi_doc_seq_n(b->doc, (unsigned)k->ndeps));
        for (size_t i = 0; i < k->ndeps; i++)
            if (!i || k->deps[i] != k->deps[i - 1])
                mp_node_push(seq, name_node(cf, k->deps[i]));
    }
    struct mp_node *args = NULL;
    if (k->nin > 1)
        qsort(k->in, k->nin, sizeof(*k->in), cmp_in);
    if (k->nin && plain_args(cf, kid) && cf->args_kid >= 0 && same_args(cf, kid, cf->args_kid)) {
        /* the same arguments as the task before: shared */
        mpi_put(t, "arguments", mpi_node_share(cf->args));
    } else if (k->nin) {
        args = mpi_put_map(t, "arguments");
        if (plain_args(cf, kid)) {
            cf->args_kid = kid;
            cf->args = args;
        }
        struct mp_node *params = mpi_put_seq(args, "parameters");
        for (size_t i = 0; i < k->nin; i++) {
            if (i && !strcmp(k->in[i].name, k->in[i - 1].name))
                continue;
            struct mp_node *m = mp_node_push(params, mp_doc_map(b->doc));
            mpi_put_str(m, "name", k->in[i].name);
            mp_buf_reset(&b->tmp);
            argument(cf, kid, &k->in[i], &b->tmp);
            mpi_put_str(m, "value", mp_buf_data(&b->tmp));
        }
    }
    if (k->nain) {
        /* as kfp's data-passing rewriter writes them: from a sibling task, or from an input
         * artifact of the enclosing DAG */
        qsort(k->ain, k->nain, sizeof(*k->ain), cmp_in);
        if (!args)
            args = mpi_put_map(t, "arguments");
        struct mp_node *arts = mpi_put_seq(args, "artifacts");
        for (size_t i = 0; i < k->nain; i++) {
            if (i && !strcmp(k->ain[i].name, k->ain[i - 1].name))
                continue;
            struct mp_node *m = mp_node_push(arts, mp_doc_map(b->doc));
            mpi_put_str(m, "name", k->ain[i].name);
            mp_buf_reset(&b->tmp);
            if (k->ain[i].from >= 0)
                mp_buf_printf(&b->tmp, "{{tasks.%s.outputs.artifacts.%s}}",
                              cf->n[k->ain[i].from].name, k->ain[i].name);
            else
                mp_buf_printf(&b->tmp, "{{inputs.artifacts.%s}}", k->ain[i].name);
            mpi_put_str(m, "from", mp_buf_data(&b->tmp));
        }
    }
    if (k->g && k->g->kind == MP_GROUP_LOOP) {
        char name[130];
        const char *argo = NULL;
        int prod;
        const char *item;
        int loop, sib = -1;
        if (k->g->items) {
            mpi_put(t, "withItems", mpi_wf_json(b, k->g->items));
        } else if ((prod = output_source(cf, k->g->source, &argo)) >= 0) {
            /* the task (in the DAG) that hands the output up, or the DAG's own input */
            for (int y = prod; y >= 0 && sib < 0; y = cf->n[y].parent)
                if (cf->n[y].parent == k->parent)
                    sib = y;
            mp_buf_reset(&b->tmp);
            if (sib >= 0)
                mp_buf_printf(&b->tmp, "{{tasks.%s.outputs.parameters.%s}}", cf->n[sib].name,
                              argo);
            else
                mp_buf_printf(&b->tmp, "{{inputs.parameters.%s}}", argo);
            mpi_put_str(t, "withParam", mp_buf_data(&b->tmp));
        } else if ((item = item_source(cf, k->g->source, k->g->parent, &loop))) {
            /* kfp 1.8 writes {{workflow.parameters.ITEM}} here, which Argo cannot resolve */
            mp_buf_reset(&b->tmp);
            mp_buf_printf(&b->tmp, "{{inputs.parameters.%s}}", item);
            mpi_put_str(t, "withParam", mp_buf_data(&b->tmp));
        } else if (param_source(k->g->source, name, sizeof(name))) {
            mp_buf_reset(&b->tmp);
            mp_buf_printf(&b->tmp, "{{workflow.parameters.%s}}", name);
            mpi_put_str(t, "withParam", mp_buf_data(&b->tmp));
        }
    }
}

static void dag_template(struct cf *cf, int me, struct mp_node *tmpl)
{
    struct mpi_wf *b = cf->b;
    struct cf_node *g = &cf->n[me];
    mpi_put(tmpl, "name", name_node(cf, me));
    if (g->g && g->g->parallelism >= 0)
        mpi_put(tmpl, "parallelism", mp_doc_int(b->doc, g->g->parallelism));
    struct mp_node *inputs = g->nin || g->nain ? mpi_put_map(tmpl, "inputs") : NULL;
    if (g->nin) {
        qsort(g->in, g->nin, sizeof(*g->in), cmp_in);
        struct mp_node *params = mpi_put_seq(inputs, "parameters");
        for (size_t i = 0; i < g->nin; i++)
            if (!i || strcmp(g->in[i].name, g->in[i - 1].name))
                mpi_put_str(mp_node_push(params, mp_doc_map(b->doc)), "name", g->in[i].name);
    }
    if (g->nain) {
        qsort(g->ain, g->nain, sizeof(*g->ain), cmp_in);
        struct mp_node *arts = mpi_put_seq(inputs, "artifacts");
        for (size_t i = 0; i < g->nain; i++)
            if (!i || strcmp(g->ain[i].name, g->ain[i - 1].name))
                mpi_put_str(mp_node_push(arts, mp_doc_map(b->doc)), "name", g->ain[i].name);
    }
    struct mp_node *outputs = g->nout || g->naout ? mpi_put_map(tmpl, "outputs") : NULL;
    if (g->naout) {
        qsort(g->aout, g->naout, sizeof(*g->aout), cmp_in);
        struct mp_node *arts = mpi_put_seq(outputs, "artifacts");
        for (size_t i = 0; i < g->naout; i++) {
            if (i && !strcmp(g->aout[i].name, g->aout[i - 1].name))
                continue;
            struct mp_node *m = mp_node_push(arts, mp_doc_map(b->doc));
            mpi_put_str(m, "name", g->aout[i].name);
            mp_buf_reset(&b->tmp);
            mp_buf_printf(&b->tmp, "{{tasks.%s.outputs.artifacts.%s}}",
                          cf->n[g->aout[i].from].name, g->aout[i].name);
            mpi_put_str(m, "from", mp_buf_data(&b->tmp));
        }
    }
    if (g->nout) {
        qsort(g->out, g->nout, sizeof(*g->out), cmp_in);
        struct mp_node *params = mpi_put_seq(outputs, "parameters");
        for (size_t i = 0; i < g->nout; i++) {
            if (i && !strcmp(g->out[i].name, g->out[i - 1].name))
                continue;
            struct mp_node *m = mp_node_push(params, mp_doc_map(b->doc));
            mpi_put_str(m, "name", g->out[i].name);
            mp_buf_reset(&b->tmp);
            mp_buf_printf(&b->tmp, "{{tasks.%s.outputs.parameters.%s}}",
                          cf->n[g->out[i].from].name, g->out[i].name);
            mpi_put_str(mpi_put_map(m, "valueFrom"), "parameter", mp_buf_data(&b->tmp));
        }
    }
    struct mp_node *tasks = mpi_put(mpi_put_map(tmpl, "dag"), "tasks",
                                    mpi_doc_seq_n(b->doc, (unsigned)g->nkids));
    sort_by_rank(cf, g->kids, &g->nkids);
    for (size_t i = 0; i < g->nkids; i++)
        task(cf, g->kids[i], mp_node_push(tasks, mpi_doc_map_n(b->doc, 4)));
}

int mpi_wf_templates(struct mpi_wf *b, const char *entry, struct mp_node *templates)
{
    const struct mp_pipeline *p = b->p;
    struct cf cf = {.b = b, .p = p, .nops = p->ops.n, .args_kid = -1};
    cf.nnodes = p->ops.n + p->groups.n + 1;
    cf.root = (int)(cf.nnodes - 1);
    int rc = MP_OK;
    int *order = NULL;
    const char **loop_items = NULL;
    cf.n = calloc(cf.nnodes, sizeof(*cf.n));
    if (!cf.n)
        goto nomem;
    /* names: kfp numbers groups in the order they are made; a loop over a static list also
     * numbers its item parameter, just before itself */
    unsigned id = 0;
    for (size_t i = 0; i < p->groups.n; i++) {
        const struct mp_group *g = p->groups.v[i];
        struct cf_node *n = &cf.n[group_node(&cf, g)];
        char num[24];
        n->g = g;
        n->parent = group_node(&cf, g->parent);
        if (g->kind == MP_GROUP_LOOP && g->items) {
            snprintf(num, sizeof(num), "%u", ++id);
            n->item = own(&cf, "loop-item-param-", num, "");
        }
        snprintf(num, sizeof(num), "%u", ++id);
        if (g->kind == MP_GROUP_GRAPH) {
            const char *base = own(&cf, "graph-", g->name ? g->name : "group", "-");
            n->name = own(&cf, base, num, "");
        } else if (g->kind == MP_GROUP_CONDITION && g->name) {
            n->name = own(&cf, own(&cf, "condition-", g->name, "-"), num, "");
        } else {
            n->name = own(&cf, g->kind == MP_GROUP_CONDITION ? "condition-"
                               : g->kind == MP_GROUP_LOOP   ? "for-loop-"
                                                            : "exit-handler-",
                          num, "");
        }
        if (g->kind == MP_GROUP_LOOP && !g->items) {
            const char *argo = NULL, *item;
            char pname[130];
            int loop;
            if (output_source(&cf, g->source, &argo) >= 0)
                n->item = own(&cf, argo, "-loop-item", "");
            else if ((item = item_source(&cf, g->source, g->parent, &loop)))
                n->item = own(&cf, item, "-loop-item", "");
            else if (param_source(g->source, pname, sizeof(pname)))
                n->item = own(&cf, pname, "-loop-item", "");
        }
    }
    cf.n[cf.root] = (struct cf_node){.parent = -1, .name = entry};
    for (size_t i = 0; i < p->ops.n; i++) {
        cf.n[i].op = p->ops.v[i];
        cf.n[i].name = p->ops.v[i]->name;
        cf.n[i].parent = p->ops.v[i] == p->exit_op ? -1 : group_node(&cf, p->ops.v[i]->group);
    }
    for (size_t i = 0; i < cf.nnodes; i++)
        if (cf.n[i].parent >= 0 && !(cf.n[i].op && cf.n[i].op == p->exit_op)) {
            struct cf_node *par = &cf.n[cf.n[i].parent];
            add_int(&cf, &par->kids, &par->nkids, &par->ckids, (int)i);
        }
    if (cf.nomem)
        goto nomem;
    analyse(&cf);
    if (cf.nomem)
        goto nomem;

    order = malloc(cf.nnodes * sizeof(*order));
    if (!order)
        goto nomem;
    for (size_t i = 0; i < cf.nnodes; i++)
        order[i] = (int)i;
    if (!sort_by_name(&cf, order, cf.nnodes))
        goto nomem;
    cf.order = order;
    cf.rank = malloc(cf.nnodes * sizeof(*cf.rank));
    if (!cf.rank)
        goto nomem;
    for (size_t i = 0; i < cf.nnodes; i++)
        cf.rank[order[i]] = (unsigned)i;
    for (size_t i = 0; i < cf.nnodes; i++) {
        if (i && !strcmp(cf.n[order[i]].name, cf.n[order[i - 1]].name)) {
            const struct cf_node *x = cf.n[order[i]].op ? &cf.n[order[i]] : &cf.n[order[i - 1]];
            rc = mp_error_set(b->err, MP_ERR_VALIDATE, "op '%s' has the name of the %s "
                              "template; rename the op%s", x->name,
                              (order[i] == cf.root || order[i - 1] == cf.root)
                                  ? "pipeline's entrypoint" : "group's",
                              (order[i] == cf.root || order[i - 1] == cf.root)
                                  ? " or the pipeline" : "");
            goto out;
        }
    }
    loop_items = calloc(p->groups.n + 1, sizeof(*loop_items));
    if (!loop_items)
        goto nomem;
    for (size_t i = 0; i < p->groups.n; i++)
        loop_items[i] = cf.n[group_node(&cf, p->groups.v[i])].item;
    b->loop_items = loop_items;
    for (size_t i = 0; i < cf.nnodes; i++) {
        struct cf_node *n = &cf.n[order[i]];
        struct mp_node *t = mp_node_push(templates, mpi_doc_map_n(b->doc, 6));
        if (n->op) {
            int loop = loop_of(&cf, order[i]);
            b->item_base = loop >= 0 ? cf.n[loop].item : NULL;
            b->name = name_node(&cf, order[i]);
            if (mp_op_is_resource(n->op))
                mpi_wf_resource_template(b, n->op, t);
            else
                mpi_wf_container_template(b, n->op, t);
            b->item_base = NULL;
            b->name = NULL;
        } else {
            dag_template(&cf, order[i], t);
        }
    }
    goto out;
nomem:
    rc = mp_error_set(b->err, MP_ERR_NOMEM, "building the workflow: out of memory");
out:
    for (struct cf_chunk *c = cf.chunks, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    for (size_t i = 0; i < cf.nowned; i++)
        free(cf.owned[i]);
    free(cf.owned);
    free(cf.n);
    free(cf.rank);
    free(order);
    free(loop_items);
    b->loop_items = NULL;
    return rc;
}
