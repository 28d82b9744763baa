/* SPDX-License-Identifier: MIT */
/* yaml_load.c: load a pipeline file (mnistpipe-pipeline(5)) into the graph, collecting every
 * problem with file:line:col; the only reader of <yaml.h>. */
#include "config.h"

#include "yaml_load.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <yaml.h>

#include "buf.h"
#include "component_op.h"
#include "diag.h"
#include "graph.h"
#include "pages.h"
#include "placeholder.h"
#include "strmap.h"
#include "textfile.h"
#include "yaml_load_int.h"

static const char *const top_keys[] = {"name", "description", "parameters", "steps",
                                       "default-platform", "imagePullSecrets", "serviceAccount",
                                       "ttlSecondsAfterFinished", "parallelism", "timeout",
                                       "nodeSelector", "imagePullPolicy", "onExit", NULL};
static const char *const top_future[] = {"settings", "components", "imports", NULL};
static const char *const param_keys[] = {"name", "default", "type", "description", NULL};
static const char *const step_keys[] = {"name", "image", "command", "args", "after", "env",
                                        "volumes", "volumeMounts", "labels", "annotations",
                                        "variants", "component", "arguments", "outputs",
                                        "inputArtifacts", "resources", "retries", "timeout",
                                        "nodeSelector", "tolerations", "affinity", "caching",
                                        "maxCacheStaleness", "displayName", "imagePullPolicy",
                                        "sidecars", "initContainers", "resourceOp",
                                        "volumeOp", "volumeSnapshotOp", NULL};
static const char *const step_future[] = {"inputs", "serviceAccount", NULL};
static const char *const env_keys[] = {"name", "value", "secretKeyRef", "fieldRef", NULL};
static const char *const field_ref_keys[] = {"fieldPath", NULL};
static const char *const secret_ref_keys[] = {"name", "key", NULL};
static const char *const volume_keys[] = {"name", "persistentVolumeClaim", "secret",
                                          "configMap", "emptyDir", NULL};
static const char *const mount_keys[] = {"name", "mountPath", "readOnly", NULL};
static const char *const variant_keys[] = {"when-platform", "unless-platform", "args+",
                                           "command+", NULL};

static void diag(struct loader *ld, const yaml_node_t *n, const char *expected, const char *fmt,
                 ...) MP_PRINTF(4, 5);
static void diag(struct loader *ld, const yaml_node_t *n, const char *expected, const char *fmt,
                 ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (mpi_diag_addv(ld->d, MP_DIAG_ERROR, n ? L(n) : 0, n ? C(n) : 0, expected, fmt, ap) !=
        MP_OK)
        ld->nomem = 1;
    va_end(ap);
}

static yaml_node_t *node(struct loader *ld, int id)
{
    /* yaml_document_get_node(), without the call nor its division (the count is kept). */
    return (size_t)id - 1 < ld->nnodes ? ld->doc.nodes.start + (id - 1) : NULL;
}

static const char *scalar(struct loader *ld, yaml_node_t *n, const char *what)
{
    if (n && n->type == YAML_SCALAR_NODE)
        return (const char *)n->data.scalar.value;
    diag(ld, n, "a string", "%s must be a string, not a %s", what,
         !n ? "nothing" : n->type == YAML_MAPPING_NODE ? "mapping" : "list");
    return NULL;
}

static bool is_null(const yaml_node_t *n)
{
    if (!n || n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    const char *v = (const char *)n->data.scalar.value;
    switch (*v) {
    case '\0': return true;
    case '~': return !v[1];
    case 'n': return !strcmp(v, "null");
    case 'N': return !strcmp(v, "Null") || !strcmp(v, "NULL");
    default: return false;
    }
}

static bool want(struct loader *ld, yaml_node_t *n, yaml_node_type_t type, const char *what)
{
    if (n && n->type == type)
        return true;
    const char *exp = type == YAML_MAPPING_NODE ? "a mapping (key: value)" : "a list (- item)";
    diag(ld, n, exp, "%s must be %s", what,
         type == YAML_MAPPING_NODE ? "a mapping" : "a list");
    return false;
}

/* strcmp(@a, @b) == 0 for the short strings keys are, without the call. */
static inline bool same(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

static bool in_list(const char *const *list, const char *s)
{
    for (; *list; list++)
        if (**list == *s && !strcmp(*list, s))
            return true;
    return false;
}

/* Mappings with this many pairs have their keys indexed (ld->kmap) when looked up in: a step
 * is asked for every key it may have, and has few of them. */
#define KEYS_MIN 4
#define KEYS_MAX 64

#define key_hash mpi_yl_key_hash

/* The key of pair @a as a C string (the loader compares keys as C strings), or NULL. */
static const char *pair_key(struct loader *ld, const yaml_node_pair_t *a)
{
    const yaml_node_t *k = node(ld, a->key);
    return k && k->type == YAML_SCALAR_NODE ? (const char *)k->data.scalar.value : NULL;
}

static void index_keys(struct loader *ld, yaml_node_t *map)
{
    yaml_node_pair_t *p = map->data.mapping.pairs.start;
    size_t n = (size_t)(map->data.mapping.pairs.top - p);
    memset(ld->kslot, 0, sizeof(ld->kslot));
    ld->kmap = map;
    ld->kdup = false;
    for (size_t i = 0; i < n; i++) {
        const char *k = pair_key(ld, &p[i]);
        if (!k || !*k)
            continue;
        unsigned h = key_hash(k);
        /* A key given twice keeps its first pair, as the scan in get() does. */
        while (ld->kslot[h] && !same(ld->kkey[h], k))
            h = (h + 1) & 127u;
        if (!ld->kslot[h]) {
            ld->kslot[h] = (unsigned short)(i + 1);
            ld->kkey[h] = k;
        } else
            ld->kdup = true;
    }
}

/* get() in a mapping not indexed: the value of the first pair with @key. */
static yaml_node_t *scan_keys(struct loader *ld, yaml_node_t *map, const char *key)
{
    for (yaml_node_pair_t *a = map->data.mapping.pairs.start; a < map->data.mapping.pairs.top;
         a++) {
        yaml_node_t *k = node(ld, a->key);
        const char *v = (const char *)k->data.scalar.value;
        if (k->type == YAML_SCALAR_NODE && *v == *key && same(v, key))
            return node(ld, a->value);
    }
    return NULL;
}

/* The first pair of ld->kmap with non-empty @key (@h: its key_hash()), or NULL. */
static const yaml_node_pair_t *first_pair(struct loader *ld, const char *key, unsigned h)
{
    const yaml_node_pair_t *p = ld->kmap->data.mapping.pairs.start;
    for (; ld->kslot[h]; h = (h + 1) & 127u) {
        const char *k = ld->kkey[h];
        if (*k == *key && same(k, key))
            return &p[ld->kslot[h] - 1];
    }
    return NULL;
}

yaml_node_t *mpi_yl_find(struct loader *ld, yaml_node_t *map, const char *key, unsigned hash)
{
    if (map == ld->kmap && *key) {
        if (!ld->kslot[hash])
            return NULL;
    } else {
        size_t n = (size_t)(map->data.mapping.pairs.top - map->data.mapping.pairs.start);
        if (!*key || n < KEYS_MIN || n > KEYS_MAX)
            return scan_keys(ld, map, key);
        index_keys(ld, map);
    }
    const yaml_node_pair_t *a = first_pair(ld, key, hash);
    return a ? node(ld, a->value) : NULL;
}

#define get(ld, map, key) mpi_yl_get_hashed(ld, map, key, key_hash(key))

/* Report keys that are not in @allowed (with the nearest allowed key) or that are planned but
 * not supported yet (@future), and duplicate keys. */
static void check_keys(struct loader *ld, yaml_node_t *map, const char *const *allowed,
                       const char *const *future, const char *where)
{
    /* Large mappings find duplicates with a hash map, so that the check stays linear. */
    size_t npairs = (size_t)(map->data.mapping.pairs.top - map->data.mapping.pairs.start);
    bool big = npairs > 32, indexed = npairs >= KEYS_MIN && npairs <= KEYS_MAX && !big;
    if (indexed && ld->kmap != map)
        index_keys(ld, map);
    struct mpi_arena arena; /* for big mappings */
    struct mpi_strmap seen = {0};
    if (big)
        mpi_arena_init(&arena);
    for (yaml_node_pair_t *a = map->data.mapping.pairs.start; a < map->data.mapping.pairs.top;
         a++) {
        yaml_node_t *k = node(ld, a->key);
        const char *key = scalar(ld, k, "a key");
        if (!key)
            continue;
        if (big) {
            yaml_node_t *kb = mpi_strmap_get(&seen, key);
            if (kb)
                diag(ld, k, NULL, "%s: key '%s' given twice (first at line %lu)", where, key,
                     L(kb));
            else if (mpi_strmap_put(&seen, &arena, key, k) != MP_OK)
                ld->nomem = 1;
        }
        /* An indexed mapping has a key given twice when the index holds another pair for
         * it; only then are the pairs before compared. */
        bool dup = !big && (!indexed || !*key ||
                            (ld->kdup && first_pair(ld, key, key_hash(key)) != a));
        for (yaml_node_pair_t *b = map->data.mapping.pairs.start; dup && b < a; b++) {
            yaml_node_t *kb = node(ld, b->key);
            if (kb->type == YAML_SCALAR_NODE && *kb->data.scalar.value == (yaml_char_t)*key &&
                !strcmp((const char *)kb->data.scalar.value, key))
                diag(ld, k, NULL, "%s: key '%s' given twice (first at line %lu)", where, key,
                     L(kb));
        }
        if (!allowed)
            continue;
        if (in_list(allowed, key))
            continue;
        if (future && in_list(future, key)) {
            diag(ld, k, NULL, "%s: '%s' is not supported yet by this version of mnistpipe",
                 where, key);
            continue;
        }
        if (mpi_diag_unknown_key(ld->d, L(k), C(k), where, key, allowed) != MP_OK)
            ld->nomem = 1;
    }
    if (big)
        mpi_arena_release(&arena);
}

static bool param_declared(struct loader *ld, const char *name, size_t len)
{
    if (!ld->params || ld->params->type != YAML_SEQUENCE_NODE)
        return false;
    char key[256];
    if (!ld->have_param_names && len < sizeof(key)) {
        /* Index the names once: one lookup per placeholder keeps large files linear. */
        ld->have_param_names = true;
        for (yaml_node_item_t *i = ld->params->data.sequence.items.start;
             i < ld->params->data.sequence.items.top; i++) {
            yaml_node_t *pn = node(ld, *i);
            yaml_node_t *nn = pn->type == YAML_MAPPING_NODE ? get(ld, pn, "name") : NULL;
            if (nn && nn->type == YAML_SCALAR_NODE &&
                mpi_strmap_put(&ld->param_names, &ld->arena,
                               (const char *)nn->data.scalar.value, nn) != MP_OK)
                ld->nomem = 1;
        }
    }
    if (ld->have_param_names && len < sizeof(key)) {
        memcpy(key, name, len);
        key[len] = '\0';
        /* A name with a NUL inside never matches (the map holds C strings). */
        return strlen(key) == len && mpi_strmap_get(&ld->param_names, key) != NULL;
    }
    for (yaml_node_item_t *i = ld->params->data.sequence.items.start;
         i < ld->params->data.sequence.items.top; i++) {
        yaml_node_t *pn = node(ld, *i);
        yaml_node_t *nn = pn->type == YAML_MAPPING_NODE ? get(ld, pn, "name") : NULL;
        if (nn && nn->type == YAML_SCALAR_NODE && nn->data.scalar.length == len &&
            !memcmp(nn->data.scalar.value, name, len))
            return true;
    }
    return false;
}

/* Record the output placeholder at @o (checked once every step is known), or report one that
 * is not of the form {{steps.STEP.outputs.NAME}}. */
void mpi_yl_note_output_use(struct loader *ld, const char *o, unsigned long line,
                            unsigned long col, const char *what, bool artifact)
{
    size_t start, end, slen, nlen;
    const char *step, *name;
    if (!mpi_output_ref_next(o, 0, &start, &end, &step, &slen, &name, &nlen) || start != 0) {
        mpi_diag_add(ld->d, MP_DIAG_ERROR, line, col, "{{steps.STEP.outputs.NAME}}",
                     "%s: malformed output placeholder '%.*s'", what,
                     (int)(strstr(o, "}}") ? strstr(o, "}}") + 2 - o : (ptrdiff_t)strlen(o)), o);
        return;
    }
    if (ld->nuses == ld->cap_uses) {
        size_t cap = ld->cap_uses ? 2 * ld->cap_uses : 8;
        struct output_use *u = realloc(ld->uses, cap * sizeof(*u));
        if (!u) {
            ld->nomem = 1;
            return;
        }
        ld->uses = u;
        ld->cap_uses = cap;
    }
    struct output_use *u = &ld->uses[ld->nuses];
    u->step = strndup(step, slen);
    u->output = strndup(name, nlen);
    u->line = line;
    u->col = col;
    u->what = what;
    u->artifact = artifact;
    u->group = ld->group;
    if (!u->step || !u->output) {
        free(u->step);
        free(u->output);
        ld->nomem = 1;
        return;
    }
    ld->nuses++;
}

/* {{loops.LOOP.item[.KEY]}} at @o: LOOP must be a parallelFor around what is loaded. */
static void check_loop_ref(struct loader *ld, const char *o, unsigned long line,
                           unsigned long col, const char *what)
{
    size_t start, end, ll, kl;
    const char *l, *k;
    if (!mpi_loop_ref_next(o, 0, &start, &end, &l, &ll, &k, &kl) || start != 0) {
        mpi_diag_add(ld->d, MP_DIAG_ERROR, line, col, "{{loops.LOOP.item}} or "
                     "{{loops.LOOP.item.KEY}}", "%s: malformed loop placeholder '%.*s'", what,
                     (int)(strstr(o, "}}") ? strstr(o, "}}") + 2 - o : (ptrdiff_t)strlen(o)), o);
        return;
    }
    if (!ld->group && ld->loop_depth)
        return; /* the groups could not be made: reported already */
    struct mp_buf names;
    mpi_buf_init(&names);
    for (const struct mp_group *g = ld->group; g; g = mp_group_parent(g)) {
        const char *n = mp_group_name(g);
        if (mp_group_kind(g) != MP_GROUP_LOOP)
            continue;
        if (n && strlen(n) == ll && !strncmp(n, l, ll)) {
            mpi_buf_release(&names);
            return;
        }
        if (n)
            mp_buf_printf(&names, "%s%s", mp_buf_len(&names) ? ", " : "", n);
    }
    mpi_diag_add(ld->d, MP_DIAG_ERROR, line, col, "the name of a parallelFor around it",
                 "%s: {{%.*s}}: no parallelFor named '%.*s' is around it (%s%s%s)", what,
                 (int)(end - start - 4), o + 2, (int)ll, l,
                 mp_buf_len(&names) ? "the loops around it: " : "no named parallelFor is "
                 "around it", mp_buf_len(&names) ? mp_buf_data(&names) : "",
                 mp_buf_len(&names) ? "" : "; give the loop a name");
    mpi_buf_release(&names);
}

/* The first "{{" in @s, or NULL (strstr() costs more on short strings). */
static const char *find_open(const char *s)
{
    while ((s = strchr(s, '{')) && s[1] != '{')
        s++;
    return s;
}

/* Check the placeholders of a string node: {{params.NAME}} must name a declared parameter;
 * {{steps.STEP.outputs.NAME}} is recorded for mpi_yl_check_output_uses(). Other {{...}} pass to Argo unchanged.
 * The column points into single-line scalars. False when the string has no '{' at all (so no
 * placeholder). */
static bool check_placeholders(struct loader *ld, yaml_node_t *n, const char *what)
{
    const char *s = (const char *)n->data.scalar.value;
    /* Most strings have no '{': one memchr() over the known length tells. */
    if (!memchr(s, '{', n->data.scalar.length))
        return false;
    bool one_line = n->start_mark.line == n->end_mark.line;
    unsigned long quote = n->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
                          n->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE;
    for (const char *o = find_open(s); o; o = find_open(o + 2)) {
        const char *c = strstr(o, "}}");
        const char *in = o + 2;
        while (*in == ' ')
            in++;
        unsigned long col = one_line ? C(n) + quote + (unsigned long)(o - s) : C(n);
        unsigned long line = L(n);
        if (!c) {
            mpi_diag_add(ld->d, MP_DIAG_ERROR, line, col, "{{params.NAME}}",
                         "%s: '{{' without a closing '}}'", what);
            return true;
        }
        size_t len = (size_t)(c - in);
        while (len && in[len - 1] == ' ')
            len--;
        if (len > 7 && !strncmp(in, "params.", 7)) {
            if (!param_declared(ld, in + 7, len - 7))
                mpi_diag_add(ld->d, MP_DIAG_ERROR, line, col, "a parameter declared under "
                             "'parameters'", "%s refers to {{params.%.*s}}, but the pipeline "
                             "has no parameter '%.*s'", what, (int)(len - 7), in + 7,
                             (int)(len - 7), in + 7);
        } else if (len >= 6 && !strncmp(in, "steps.", 6)) {
            mpi_yl_note_output_use(ld, o, line, col, what, false);
        } else if ((len == 4 || (len > 5 && in[4] == '.')) && !strncmp(in, "item", 4) &&
                   !ld->loop_depth) {
            mpi_diag_add(ld->d, MP_DIAG_ERROR, line, col, "a step inside a parallelFor group",
                         "%s: {{%.*s}} is the item of a loop, but it is in no parallelFor",
                         what, (int)len, in);
        } else if (len > 6 && !strncmp(in, "loops.", 6)) {
            check_loop_ref(ld, o, line, col, what);
        }
    }
    return true;
}

static const char *text(struct loader *ld, yaml_node_t *n, const char *what)
{
    const char *s = scalar(ld, n, what);
    if (s)
        check_placeholders(ld, n, what);
    return s;
}

static bool fine(struct loader *ld, int rc, yaml_node_t *n)
{
    if (rc == MP_OK)
        return true;
    if (rc == MP_ERR_NOMEM)
        ld->nomem = 1;
    else
        diag(ld, n, NULL, "%s", mp_error_message(ld->err));
    mp_error_clear(ld->err);
    return false;
}

/* String @w (checked as text()) appended to @vec of @op (NULL: only checked). */
static void add_word(struct loader *ld, struct mp_op *op, struct mpi_strvec *vec, yaml_node_t *w,
                     const char *what)
{
    const char *s = scalar(ld, w, what);
    if (!s)
        return;
    bool open = check_placeholders(ld, w, what);
    if (op && mpi_op_push_word(op, vec, s, w->data.scalar.length, open) != MP_OK)
        ld->nomem = 1;
}

/* A list of strings (a single string is a list of one) for the op's args (@args) or
 * command, as mp_op_add_arg() or mp_op_add_command() add them. */
static void words(struct loader *ld, struct step *st, yaml_node_t *n, bool args,
                  const char *what)
{
    struct mp_op *op = st->op;
    struct mpi_strvec *vec = !op ? NULL : args ? &op->args : &op->command;
    if (n->type == YAML_SCALAR_NODE && !is_null(n)) {
        add_word(ld, op, vec, n, what);
        return;
    }
    if (is_null(n) || !want(ld, n, YAML_SEQUENCE_NODE, what))
        return;
    size_t k = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    if (op && k &&
        mpi_vec_reserve(&op->pipeline->arena, (void **)&vec->v, sizeof(*vec->v), &vec->cap,
                        vec->n + k) != MP_OK) {
        ld->nomem = 1;
        return;
    }
    for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top;
         i++)
        add_word(ld, op, vec, node(ld, *i), what);
}

/* One name of a step's `after`: a dependency of its op. A step loaded already is looked up
 * here, once: its op is the dependency. True when the name is that of such a step. */
static bool after_item(struct loader *ld, struct step *st, yaml_node_t *w)
{
    const char *s = text(ld, w, "after");
    if (!s)
        return true; /* not a name: reported, and nothing for check_deps() to look up */
    const struct step *t = mpi_strmap_get(&ld->names, s);
    if (st->op)
        fine(ld, mpi_op_add_dependency_on(st->op, s, t ? t->op : NULL, ld->err), w);
    return t != NULL;
}

/* `after`: a step name or a list of them. */
static void load_after(struct loader *ld, struct step *st, yaml_node_t *x)
{
    bool known = true;
    st->after = x;
    if (x->type == YAML_SCALAR_NODE) {
        if (!is_null(x))
            known = after_item(ld, st, x);
    } else if (want(ld, x, YAML_SEQUENCE_NODE, "after")) {
        size_t k = (size_t)(x->data.sequence.items.top - x->data.sequence.items.start);
        if (st->op && mpi_op_reserve_deps(st->op, k) != MP_OK)
            ld->nomem = 1;
        for (yaml_node_item_t *i = x->data.sequence.items.start;
             i < x->data.sequence.items.top; i++)
            known = after_item(ld, st, node(ld, *i)) && known;
    }
    st->after_known = known;
}

static void load_env(struct loader *ld, struct step *st, yaml_node_t *n)
{
    if (!want(ld, n, YAML_SEQUENCE_NODE, "env"))
        return;
    for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top;
         i++) {
        yaml_node_t *e = node(ld, *i);
        if (!want(ld, e, YAML_MAPPING_NODE, "an env item"))
            continue;
        check_keys(ld, e, env_keys, NULL, "env");
        yaml_node_t *nn = get(ld, e, "name"), *v = get(ld, e, "value");
        yaml_node_t *ref = get(ld, e, "secretKeyRef"), *fr = get(ld, e, "fieldRef");
        const char *name = nn ? scalar(ld, nn, "env name") : NULL;
        if (!nn)
            diag(ld, e, "name: VARIABLE", "env item without a name");
        if ((v != NULL) + (ref != NULL) + (fr != NULL) != 1) {
            diag(ld, e, "value, secretKeyRef or fieldRef", "env item needs exactly one of "
                 "value, secretKeyRef and fieldRef");
            continue;
        }
        if (fr) {
            if (!want(ld, fr, YAML_MAPPING_NODE, "fieldRef"))
                continue;
            check_keys(ld, fr, field_ref_keys, NULL, "fieldRef");
            yaml_node_t *fp = get(ld, fr, "fieldPath");
            const char *path = fp ? scalar(ld, fp, "fieldPath") : NULL;
            if (!fp)
                diag(ld, fr, "{fieldPath: metadata.name}", "fieldRef needs fieldPath");
            else if (name && path && st->op)
                fine(ld, mp_op_add_env_from_field(st->op, name, path, ld->err), nn);
        } else if (v) {
            const char *val = text(ld, v, "env value");
            if (name && val && st->op)
                fine(ld, mp_op_add_env(st->op, name, val, ld->err), nn);
        } else if (want(ld, ref, YAML_MAPPING_NODE, "secretKeyRef")) {
            check_keys(ld, ref, secret_ref_keys, NULL, "secretKeyRef");
            yaml_node_t *sn = get(ld, ref, "name"), *sk = get(ld, ref, "key");
            const char *sname = sn ? text(ld, sn, "secret name") : NULL;
            const char *skey = sk ? scalar(ld, sk, "secret key") : NULL;
            if (!sn || !sk)
                diag(ld, ref, "{name: SECRET, key: KEY}", "secretKeyRef needs name and key");
            else if (name && sname && skey && st->op)
                fine(ld, mp_op_add_env_from_secret(st->op, name, sname, skey, ld->err), nn);
        }
    }
}

static void load_volumes(struct loader *ld, struct step *st, yaml_node_t *n)
{
    static const struct {
        const char *key, *field;
        enum mp_volume_kind kind;
    } kinds[] = {{"persistentVolumeClaim", "claimName", MP_VOLUME_PVC},
                 {"secret", "secretName", MP_VOLUME_SECRET},
                 {"configMap", "name", MP_VOLUME_CONFIG_MAP},
                 {"emptyDir", NULL, MP_VOLUME_EMPTY_DIR}};
    if (!want(ld, n, YAML_SEQUENCE_NODE, "volumes"))
        return;
    for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top;
         i++) {
        yaml_node_t *v = node(ld, *i);
        if (!want(ld, v, YAML_MAPPING_NODE, "a volume"))
            continue;
        check_keys(ld, v, volume_keys, NULL, "volume");
        yaml_node_t *nn = get(ld, v, "name");
        const char *name = nn ? scalar(ld, nn, "volume name") : NULL;
        if (!nn)
            diag(ld, v, "name: VOLUME", "volume without a name");
        int found = 0;
        for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
            yaml_node_t *src = get(ld, v, kinds[k].key);
            if (!src)
                continue;
            if (found++) {
                diag(ld, src, "one source", "volume has more than one source");
                break;
            }
            const char *source = NULL;
            if (kinds[k].field) {
                if (!want(ld, src, YAML_MAPPING_NODE, kinds[k].key))
                    continue;
                const char *const keys[] = {kinds[k].field, NULL};
                check_keys(ld, src, keys, NULL, kinds[k].key);
                yaml_node_t *f = get(ld, src, kinds[k].field);
                if (!f) {
                    diag(ld, src, kinds[k].field, "%s needs %s", kinds[k].key, kinds[k].field);
                    continue;
                }
                if (!(source = text(ld, f, kinds[k].field)))
                    continue;
            }
            if (name && st->op)
                fine(ld, mp_op_add_volume(st->op, name, kinds[k].kind, source, ld->err), nn);
        }
        if (!found)
            diag(ld, v, "persistentVolumeClaim, secret, configMap or emptyDir",
                 "volume '%s' has no source", name ? name : "?");
    }
}

static bool has_volume(const struct mp_op *op, const char *name)
{
    for (size_t i = 0; i < mp_op_volume_count(op); i++)
        if (!strcmp(mp_op_volume_name(op, i), name))
            return true;
    return false;
}

static void load_mounts(struct loader *ld, struct step *st, yaml_node_t *n)
{
    if (!want(ld, n, YAML_SEQUENCE_NODE, "volumeMounts"))
        return;
    for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top;
         i++) {
        yaml_node_t *m = node(ld, *i);
        if (!want(ld, m, YAML_MAPPING_NODE, "a volume mount"))
            continue;
        check_keys(ld, m, mount_keys, NULL, "volumeMounts");
        yaml_node_t *nn = get(ld, m, "name"), *pn = get(ld, m, "mountPath");
        yaml_node_t *ro = get(ld, m, "readOnly");
        const char *name = nn ? scalar(ld, nn, "volume name") : NULL;
        const char *path = pn ? scalar(ld, pn, "mountPath") : NULL;
        const char *ros = ro ? scalar(ld, ro, "readOnly") : "false";
        bool read_only = false;
        if (ros && !strcmp(ros, "true"))
            read_only = true;
        else if (ros && strcmp(ros, "false") != 0)
            diag(ld, ro, "true or false", "readOnly must be true or false, not '%s'", ros);
        if (!nn || !pn)
            diag(ld, m, "{name: VOLUME, mountPath: /PATH}", "volume mount needs name and "
                 "mountPath");
        else if (name && path && st->op && !has_volume(st->op, name))
            diag(ld, nn, "a volume listed under the step's volumes", "step '%s' mounts volume "
                 "'%s', which it does not have", mp_op_name(st->op), name);
        else if (name && path && st->op)
            fine(ld, mp_op_add_volume_mount(st->op, name, path, read_only, ld->err), pn);
    }
}

typedef int (*set_kv_fn)(struct mp_op *op, const char *k, const char *v, struct mp_error *err);

static void load_map(struct loader *ld, struct step *st, yaml_node_t *n, set_kv_fn set,
                     const char *what)
{
    if (!want(ld, n, YAML_MAPPING_NODE, what))
        return;
    check_keys(ld, n, NULL, NULL, what); /* duplicates only: any key is fine */
    for (yaml_node_pair_t *a = n->data.mapping.pairs.start; a < n->data.mapping.pairs.top; a++) {
        const char *k = scalar(ld, node(ld, a->key), what);
        const char *v = text(ld, node(ld, a->value), what);
        if (k && v && st->op)
            fine(ld, set(st->op, k, v, ld->err), node(ld, a->key));
    }
}

/* With no platform plugin the pipeline's default-platform (if any) is the platform. */
static bool on_platform(struct loader *ld, const char *name, const char *dflt)
{
    if (ld->nplat == 0)
        return dflt && !strcmp(dflt, name);
    for (size_t i = 0; i < ld->nplat; i++)
        if (ld->platforms[i] && !strcmp(ld->platforms[i], name))
            return true;
    return false;
}

static void load_variants(struct loader *ld, struct step *st, yaml_node_t *n, const char *dflt)
{
    if (!want(ld, n, YAML_SEQUENCE_NODE, "variants"))
        return;
    for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top;
         i++) {
        yaml_node_t *v = node(ld, *i);
        if (!want(ld, v, YAML_MAPPING_NODE, "a variant"))
            continue;
        check_keys(ld, v, variant_keys, NULL, "variant");
        yaml_node_t *w = get(ld, v, "when-platform"), *u = get(ld, v, "unless-platform");
        if ((w != NULL) == (u != NULL)) {
            diag(ld, v, "when-platform: NAME or unless-platform: NAME",
                 "a variant needs exactly one of when-platform and unless-platform");
            continue;
        }
        const char *plat = scalar(ld, w ? w : u, w ? "when-platform" : "unless-platform");
        if (!plat)
            continue;
        bool on = on_platform(ld, plat, dflt) == (w != NULL);
        struct mp_op *saved = st->op;
        if (!on)
            st->op = NULL; /* still check it, add nothing */
        yaml_node_t *x;
        if ((x = get(ld, v, "command+"))) {
            words(ld, st, x, false, "command+");
            if (st->op && !is_null(x))
                st->op->command_set = true;
        }
        if ((x = get(ld, v, "args+"))) {
            words(ld, st, x, true, "args+");
            if (st->op && !is_null(x))
                st->op->args_set = true;
        }
        st->op = saved;
    }
}

/* A step made from a kfp v1 component spec (component.c): `component: FILE` and
 * `arguments: {INPUT: VALUE}` instead of image, command and args. */
static void load_component_step(struct loader *ld, struct step *st, yaml_node_t *m,
                                yaml_node_t *cn)
{
    static const char *const taken[] = {"image", "command", "args", "variants", NULL};
    for (const char *const *k = taken; *k; k++) {
        yaml_node_t *x = get(ld, m, *k);
        if (x)
            diag(ld, x, "component: FILE, or image/command/args", "step '%s': '%s' does not "
                 "go with 'component', which gives the container", st->name ? st->name : "?",
                 *k);
    }
    const char *rel = scalar(ld, cn, "component");
    yaml_node_t *an = get(ld, m, "arguments");
    struct mpi_component_arg *args = NULL;
    size_t n = 0;
    if (an && !is_null(an) && want(ld, an, YAML_MAPPING_NODE, "arguments")) {
        check_keys(ld, an, NULL, NULL, "arguments");
        size_t np = (size_t)(an->data.mapping.pairs.top - an->data.mapping.pairs.start);
        if (!(args = calloc(np ? np : 1, sizeof(*args)))) {
            ld->nomem = 1;
            return;
        }
        for (yaml_node_pair_t *a = an->data.mapping.pairs.start; a < an->data.mapping.pairs.top;
             a++) {
            yaml_node_t *k = node(ld, a->key), *v = node(ld, a->value);
            const char *val = text(ld, v, "an argument");
            if (k->type == YAML_SCALAR_NODE && val)
                args[n++] = (struct mpi_component_arg){(const char *)k->data.scalar.value, val,
                                                       L(k), C(k)};
        }
    }
    if (rel && *rel &&
        mpi_component_op(ld->p, st->name, ld->path, rel, args, n, L(cn), C(cn), ld->d, &st->op,
                         ld->err) != MP_OK)
        ld->nomem = 1;
    else if (rel && !*rel)
        diag(ld, cn, "component: FILE", "step '%s': the component file name is empty",
             st->name ? st->name : "?");
    free(args);
}

static void load_step(struct loader *ld, struct step *st, const char *dflt)
{
    yaml_node_t *m = st->node, *x;
    check_keys(ld, m, step_keys, step_future, "step");
    yaml_node_t *nn = get(ld, m, "name"), *img = get(ld, m, "image");
    const char *name = nn ? scalar(ld, nn, "step name") : NULL;
    if (!nn)
        diag(ld, m, "name: STEP", "step without a name");
    else if (name && !mpi_dns_label_valid(name)) {
        diag(ld, nn, "lower-case letters, digits and '-', starting and ending with a letter or "
             "digit, at most 63 characters", "step name '%s' is not a valid Kubernetes name",
             name);
        name = NULL;
    }
    /* Names are indexed so that duplicate and 'after' checks stay linear in the steps. */
    const char *given = nn && nn->type == YAML_SCALAR_NODE ? (const char *)nn->data.scalar.value
                                                           : NULL;
    const struct step *first = NULL;
    if (given) {
        bool found;
        struct mpi_strmap_slot *slot = mpi_strmap_add(&ld->names, &ld->arena, given, &found);
        if (!slot)
            ld->nomem = 1;
        else if (found)
            first = slot->value;
        else
            slot->value = st;
    }
    if (name && first) {
        diag(ld, nn, "a unique name", "duplicate step name '%s' (first at line %lu)", name,
             L(first->node));
        name = NULL;
    }
    st->name = name;
    if (mpi_yl_resource_step(ld, st, m))
        goto rest;
    if ((x = get(ld, m, "component"))) {
        load_component_step(ld, st, m, x);
        goto rest;
    }
    if ((x = get(ld, m, "arguments")))
        diag(ld, x, "component: FILE", "step '%s': 'arguments' are for a step with a "
             "'component'", name ? name : "?");
    const char *image = img ? text(ld, img, "image") : NULL;
    if (!img || (image && !*image))
        diag(ld, img ? img : m, "image: REGISTRY/IMAGE:TAG", "step '%s' has no image",
             name ? name : "?");
    if (name && ld->p)
        fine(ld, mp_pipeline_add_op(ld->p, name, image && *image ? image : "-", &st->op,
                                    ld->err), nn);
    /* kfp writes a list given empty (`args: []`), and leaves out one not given */
    if ((x = get(ld, m, "command"))) {
        words(ld, st, x, false, "command");
        if (st->op && !is_null(x))
            st->op->command_set = true;
    }
    if ((x = get(ld, m, "args"))) {
        words(ld, st, x, true, "args");
        if (st->op && !is_null(x))
            st->op->args_set = true;
    }
    if ((x = get(ld, m, "variants")))
        load_variants(ld, st, x, dflt);
rest:
    if ((x = get(ld, m, "after")))
        load_after(ld, st, x);
    if ((x = get(ld, m, "env")))
        load_env(ld, st, x);
    if ((x = get(ld, m, "volumes")))
        load_volumes(ld, st, x);
    if ((x = get(ld, m, "volumeMounts")))
        load_mounts(ld, st, x);
    if ((x = get(ld, m, "labels")))
        load_map(ld, st, x, mp_op_set_label, "labels");
    if ((x = get(ld, m, "annotations")))
        load_map(ld, st, x, mp_op_set_annotation, "annotations");
    mpi_yl_step_pod(ld, st);
}

static void load_params(struct loader *ld, yaml_node_t *n)
{
    if (!want(ld, n, YAML_SEQUENCE_NODE, "parameters"))
        return;
    ld->params = n;
    for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top;
         i++) {
        yaml_node_t *pm = node(ld, *i);
        if (!want(ld, pm, YAML_MAPPING_NODE, "a parameter"))
            continue;
        check_keys(ld, pm, param_keys, NULL, "parameter");
        yaml_node_t *nn = get(ld, pm, "name"), *dn = get(ld, pm, "default");
        yaml_node_t *tn = get(ld, pm, "type");
        const char *name = nn ? scalar(ld, nn, "parameter name") : NULL;
        const char *dflt = dn && !is_null(dn) ? scalar(ld, dn, "default") : NULL;
        const char *type = tn ? scalar(ld, tn, "type") : NULL;
        if (!nn)
            diag(ld, pm, "name: PARAMETER", "parameter without a name");
        else if (name && !mpi_param_name_valid(name))
            diag(ld, nn, "letters, digits, '_' and '-', starting with a letter or '_'",
                 "parameter name '%s' is not valid", name);
        else if (name && ld->p)
            fine(ld, mp_pipeline_add_param(ld->p, name, dflt, type, NULL, ld->err), nn);
        if (name && !strcmp(name, "pvc_name")) {
            ld->info.pvc_line = L(dn ? dn : pm);
            ld->info.pvc_col = C(dn ? dn : pm);
        }
    }
}

/* After every step is known: unknown dependencies, then cycles (printed in full). */
static void check_deps(struct loader *ld)
{
    /* ld->names (every step name given, filled by load_step) keeps the lookups linear. */
    for (size_t s = 0; s < ld->nsteps; s++) {
        yaml_node_t *a = ld->steps[s].after;
        if (!a || ld->steps[s].after_known)
            continue; /* every name was a step's when it was loaded */
        yaml_node_item_t one = 0, *b = &one, *e = &one;
        if (a->type == YAML_SEQUENCE_NODE) {
            b = a->data.sequence.items.start;
            e = a->data.sequence.items.top;
        } else if (a->type == YAML_SCALAR_NODE) {
            e = b + 1;
        }
        for (yaml_node_item_t *i = b; i < e; i++) {
            yaml_node_t *dn = a->type == YAML_SCALAR_NODE ? a : node(ld, *i);
            if (dn->type != YAML_SCALAR_NODE)
                continue;
            const char *dep = (const char *)dn->data.scalar.value;
            if (!ld->nomem && !mpi_strmap_get(&ld->names, dep) &&
                !mpi_strmap_get(&ld->group_names, dep))
                diag(ld, dn, "the name of a step or of a named group of this pipeline",
                     "step '%s' runs after '%s', which is neither a step nor a named group of "
                     "this pipeline",
                     ld->steps[s].name ? ld->steps[s].name : "?", dep);
        }
    }
    if (ld->p && !ld->nomem) {
        mp_error_clear(ld->err);
        int rc = mp_pipeline_validate(ld->p, ld->err);
        /* A cycle is reported at the 'after' of its first step; a step's dependency may
         * itself contain the words, so a message without a step found goes to the root. */
        const char *msg = mp_error_message(ld->err);
        const char *cycle = rc != MP_OK ? strstr(msg, "dependency cycle: ") : NULL;
        bool reported = false;
        if (cycle) {
            const char *first = cycle + strlen("dependency cycle: ");
            size_t len = strcspn(first, " ");
            for (size_t s = 0; s < ld->nsteps; s++)
                if (ld->steps[s].name && strlen(ld->steps[s].name) == len &&
                    !strncmp(ld->steps[s].name, first, len)) {
                    diag(ld, ld->steps[s].after ? ld->steps[s].after : ld->steps[s].node,
                         "steps without a circular 'after'", "%s", msg);
                    reported = true;
                    break;
                }
        }
        /* A rule the checks above do not cover. */
        if (rc != MP_OK && !reported && !mp_diags_error_count(ld->d))
            diag(ld, yaml_document_get_root_node(&ld->doc), NULL, "%s", msg);
        mp_error_clear(ld->err);
    }
}

/* A group item of a step list: a mapping with its own 'steps'. */
static bool is_group(struct loader *ld, yaml_node_t *n)
{
    return n->type == YAML_MAPPING_NODE && scan_keys(ld, n, "steps") != NULL;
}

/* The steps of list @n and of the groups in it. */
static size_t count_steps(struct loader *ld, yaml_node_t *n, int depth)
{
    size_t c = 0;
    if (n->type != YAML_SEQUENCE_NODE || depth > MPI_YAML_MAX_DEPTH)
        return 0;
    for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top; i++) {
        yaml_node_t *s = node(ld, *i);
        c += is_group(ld, s) ? count_steps(ld, get(ld, s, "steps"), depth + 1) : 1;
    }
    return c;
}

/* The steps and groups of list @n, in group @g (NULL: the pipeline itself). */
static void load_items(struct loader *ld, yaml_node_t *n, struct mp_group *g, const char *dflt)
{
    for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top; i++) {
        yaml_node_t *s = node(ld, *i);
        if (!want(ld, s, YAML_MAPPING_NODE, "a step"))
            continue;
        /* get() indexes a step's keys here once, for check_keys() and the lookups after. */
        if (get(ld, s, "steps")) {
            struct mp_group *sub = NULL;
            bool loop = false;
            mpi_yl_group(ld, s, g, &sub, &loop);
            yaml_node_t *list = get(ld, s, "steps");
            if (!want(ld, list, YAML_SEQUENCE_NODE, "steps"))
                continue;
            if (list->data.sequence.items.top == list->data.sequence.items.start)
                diag(ld, list, "at least one step", "a group without steps");
            ld->loop_depth += loop;
            ld->group = sub ? sub : g;
            load_items(ld, list, sub ? sub : g, dflt);
            ld->group = g;
            ld->loop_depth -= loop;
            continue;
        }
        struct step *st = &ld->steps[ld->nsteps++];
        st->node = s;
        load_step(ld, st, dflt);
        if (st->op && g)
            fine(ld, mp_op_set_group(st->op, g, ld->err), s);
    }
}

/* The first scalar under @n holding an output placeholder, or NULL (nesting is bounded by
 * the loader's depth limit). */
static yaml_node_t *output_scalar(struct loader *ld, yaml_node_t *n, int depth)
{
    yaml_node_t *hit = NULL;
    if (depth > MPI_YAML_MAX_DEPTH)
        return NULL;
    if (n->type == YAML_SCALAR_NODE)
        return strstr((const char *)n->data.scalar.value, "{{steps.") ? n : NULL;
    if (n->type == YAML_SEQUENCE_NODE)
        for (yaml_node_item_t *i = n->data.sequence.items.start;
             !hit && i < n->data.sequence.items.top; i++)
            hit = output_scalar(ld, node(ld, *i), depth + 1);
    if (n->type == YAML_MAPPING_NODE)
        for (yaml_node_pair_t *pr = n->data.mapping.pairs.start;
             !hit && pr < n->data.mapping.pairs.top; pr++)
            hit = output_scalar(ld, node(ld, pr->value), depth + 1);
    return hit;
}

/* Where a lint message about exit step @m reading outputs points. */
static yaml_node_t *exit_output_node(struct loader *ld, yaml_node_t *m)
{
    yaml_node_t *n = get(ld, m, "inputArtifacts");
    return n ? n : (n = output_scalar(ld, m, 0)) ? n : m;
}

static void load_root(struct loader *ld, yaml_node_t *root)
{
    yaml_node_t *x;
    if (!root) {
        mpi_diag_add(ld->d, MP_DIAG_ERROR, 1, 1, "a mapping with name and steps",
                     "the file is empty");
        return;
    }
    if (!want(ld, root, YAML_MAPPING_NODE, "the top level of a pipeline file"))
        return;
    check_keys(ld, root, top_keys, top_future, "pipeline");
    yaml_node_t *nn = get(ld, root, "name");
    const char *name = nn ? scalar(ld, nn, "name") : NULL;
    if (!nn)
        diag(ld, root, "name: PIPELINE", "the pipeline has no name");
    if (name && !*name)
        diag(ld, nn, "a name", "the pipeline name is empty");
    if (fine(ld, mp_pipeline_new(name && *name ? name : "pipeline", &ld->p, ld->err), nn) &&
        (x = get(ld, root, "description"))) {
        const char *d = scalar(ld, x, "description");
        if (d)
            fine(ld, mp_pipeline_set_description(ld->p, d, ld->err), x);
    }
    const char *dflt = NULL;
    if ((x = get(ld, root, "default-platform")))
        dflt = scalar(ld, x, "default-platform");
    if ((x = get(ld, root, "parameters")) && !is_null(x))
        load_params(ld, x);
    if (ld->p)
        mpi_yl_settings(ld, root);
    yaml_node_t *steps = get(ld, root, "steps");
    if (!steps || is_null(steps)) {
        diag(ld, steps ? steps : root, "steps: a list of steps", "the pipeline has no steps");
        return;
    }
    if (!want(ld, steps, YAML_SEQUENCE_NODE, "steps"))
        return;
    yaml_node_t *on_exit = get(ld, root, "onExit");
    size_t n = count_steps(ld, steps, 0) + (on_exit ? 1 : 0);
    ld->steps = calloc(n ? n : 1, sizeof(*ld->steps));
    if (!ld->steps || mpi_strmap_reserve(&ld->names, &ld->arena, n) != MP_OK ||
        (ld->p && mpi_pipeline_reserve_ops(ld->p, n) != MP_OK)) {
        ld->nomem = 1;
        return;
    }
    struct mp_group *handler = NULL;
    if (on_exit && ld->p)
        fine(ld, mp_pipeline_add_group(ld->p, MP_GROUP_EXIT_HANDLER, NULL, &handler, ld->err),
             on_exit);
    load_items(ld, steps, handler, dflt);
    if (on_exit && want(ld, on_exit, YAML_MAPPING_NODE, "onExit")) {
        struct step *st = &ld->steps[ld->nsteps++];
        st->node = on_exit;
        load_step(ld, st, dflt);
        if (st->op) {
            fine(ld, mp_pipeline_set_exit_op(ld->p, st->op, ld->err), on_exit);
            /* kfp 1.8 gives an exit op pipeline parameters only (Argo passes the workflow's
             * arguments to the onExit template); reading an output fails its compiler */
            if (mp_op_output_ref_count(st->op) || mp_op_input_artifact_count(st->op))
                diag(ld, exit_output_node(ld, on_exit), "{{params.NAME}} or literal values",
                     "onExit: the exit step runs outside the pipeline's DAG, after it; it may "
                     "read parameters, but not outputs of other steps");
            if (mp_op_dependency_count(st->op))
                diag(ld, get(ld, on_exit, "after"), "no 'after'", "onExit: the exit step runs "
                     "when all other steps have ended; it cannot run after a step");
        }
    }
    mpi_yl_group_afters(ld);
    mpi_yl_check_output_uses(ld);
    check_deps(ld);
}

/* ---- helpers for the other loader files (yaml_load_int.h) ---- */

void mpi_yl_diag(struct loader *ld, const yaml_node_t *n, const char *expected, const char *fmt,
                 ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (mpi_diag_addv(ld->d, MP_DIAG_ERROR, n ? L(n) : 0, n ? C(n) : 0, expected, fmt, ap) !=
        MP_OK)
        ld->nomem = 1;
    va_end(ap);
}

yaml_node_t *mpi_yl_node(struct loader *ld, int id)
{
    return node(ld, id);
}

const char *mpi_yl_scalar(struct loader *ld, yaml_node_t *n, const char *what)
{
    return scalar(ld, n, what);
}

const char *mpi_yl_text(struct loader *ld, yaml_node_t *n, const char *what)
{
    return text(ld, n, what);
}

bool mpi_yl_is_null(const yaml_node_t *n)
{
    return is_null(n);
}

bool mpi_yl_want(struct loader *ld, yaml_node_t *n, yaml_node_type_t type, const char *what)
{
    return want(ld, n, type, what);
}

void mpi_yl_check_keys(struct loader *ld, yaml_node_t *map, const char *const *allowed,
                       const char *const *future, const char *where)
{
    check_keys(ld, map, allowed, future, where);
}

bool mpi_yl_fine(struct loader *ld, int rc, yaml_node_t *n)
{
    return fine(ld, rc, n);
}

/* ---- input: size, bytes, then one pass of YAML events that builds the document ---- */

static void yaml_problem_at(struct mp_diags *d, const char *problem, const yaml_mark_t *m,
                            const char *context, const yaml_mark_t *c)
{
    char from[64] = "";
    if (context && (c->line != m->line || c->column != m->column))
        snprintf(from, sizeof(from), " that starts at %lu:%lu", (unsigned long)c->line + 1,
                 (unsigned long)c->column + 1);
    mpi_diag_add(d, MP_DIAG_ERROR, (unsigned long)m->line + 1, (unsigned long)m->column + 1,
                 "valid YAML", "YAML syntax: %s%s%s%s", problem ? problem : "error",
                 context ? " " : "", context ? context : "", from);
}

static void yaml_problem(struct mp_diags *d, const yaml_parser_t *ps)
{
    if (ps->error == YAML_MEMORY_ERROR) {
        mpi_diag_add(d, MP_DIAG_ERROR, 0, 0, NULL, "out of memory while parsing");
        return;
    }
    yaml_problem_at(d, ps->problem, &ps->problem_mark, ps->context, &ps->context_mark);
}

/* The tags libyaml's loader gives untagged nodes; shared, never freed (mpi_yl_doc_free()). */
static char default_tags[3][32] = {YAML_DEFAULT_SCALAR_TAG, YAML_DEFAULT_SEQUENCE_TAG,
                                   YAML_DEFAULT_MAPPING_TAG};

void mpi_yl_doc_free(yaml_document_t *doc)
{
    if (mpi_yl_fast_doc(doc)) {
        mpi_block_free(doc->nodes.start); /* values and items are in the nodes' block */
        memset(doc, 0, sizeof(*doc));
        return;
    }
    for (yaml_node_t *n = doc->nodes.start; n && n < doc->nodes.top; n++) {
        if (n->tag != (yaml_char_t *)default_tags[0] && n->tag != (yaml_char_t *)default_tags[1] &&
            n->tag != (yaml_char_t *)default_tags[2])
            free(n->tag);
        if (n->type == YAML_SCALAR_NODE)
            free(n->data.scalar.value);
        else if (n->type == YAML_SEQUENCE_NODE)
            free(n->data.sequence.items.start);
        else if (n->type == YAML_MAPPING_NODE)
            free(n->data.mapping.pairs.start);
    }
    free(doc->nodes.start);
    memset(doc, 0, sizeof(*doc));
}

/* Grow the array of @elem-sized items at *@start (*@top used, *@end allocated) by one. */
static bool grow(void **start, void **top, void **end, size_t elem)
{
    if (*top != *end)
        return true;
    size_t n = *start ? (size_t)((char *)*end - (char *)*start) / elem : 0;
    size_t cap = n ? 2 * n : 4;
    char *p = realloc(*start, cap * elem);
    if (!p)
        return false;
    *start = p;
    *top = p + n * elem;
    *end = p + cap * elem;
    return true;
}

/* The document the way yaml_parser_load() composes it (same nodes, values, styles, tags and
 * marks; directives are not kept), from the events of the pass below. */
struct composer {
    yaml_document_t *doc;
    int open[MPI_YAML_MAX_DEPTH + 2]; /* the collections being filled (node ids) */
    int nopen;
    struct mpi_arena arena;           /* anchor names */
    struct mpi_strmap anchors;        /* anchor -> its node's start mark */
    bool dup;                         /* a duplicate anchor: yaml_parser_load() fails */
    yaml_mark_t dup_first, dup_second;
};

/* Add the node of @ev to the document; false when out of memory. The event's value and tag
 * move into the node. */
static bool compose(struct composer *cp, yaml_event_t *ev)
{
    yaml_document_t *doc = cp->doc;
    yaml_node_t n;
    yaml_char_t **tag, *anchor;
    memset(&n, 0, sizeof(n));
    n.start_mark = ev->start_mark;
    n.end_mark = ev->end_mark;
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        n.type = YAML_SCALAR_NODE;
        n.data.scalar.value = ev->data.scalar.value;
        n.data.scalar.length = ev->data.scalar.length;
        n.data.scalar.style = ev->data.scalar.style;
        tag = &ev->data.scalar.tag;
        anchor = ev->data.scalar.anchor;
        break;
    case YAML_SEQUENCE_START_EVENT:
        n.type = YAML_SEQUENCE_NODE;
        n.data.sequence.style = ev->data.sequence_start.style;
        tag = &ev->data.sequence_start.tag;
        anchor = ev->data.sequence_start.anchor;
        break;
    case YAML_MAPPING_START_EVENT:
        n.type = YAML_MAPPING_NODE;
        n.data.mapping.style = ev->data.mapping_start.style;
        tag = &ev->data.mapping_start.tag;
        anchor = ev->data.mapping_start.anchor;
        break;
    default:
        return true;
    }
    if (!grow((void **)&doc->nodes.start, (void **)&doc->nodes.top, (void **)&doc->nodes.end,
              sizeof(yaml_node_t)))
        return false;
    if (n.type == YAML_SCALAR_NODE)
        ev->data.scalar.value = NULL; /* moved into the node */
    if (*tag && strcmp((const char *)*tag, "!") != 0) {
        n.tag = *tag;
        *tag = NULL;
    } else {
        n.tag = (yaml_char_t *)default_tags[n.type - YAML_SCALAR_NODE];
    }
    *doc->nodes.top++ = n;
    int id = (int)(doc->nodes.top - doc->nodes.start);
    if (anchor) {
        const yaml_mark_t *first = mpi_strmap_get(&cp->anchors, (const char *)anchor);
        yaml_mark_t *m;
        if (first && !cp->dup) {
            cp->dup = true;
            cp->dup_first = *first;
            cp->dup_second = n.start_mark;
        } else if (!first) {
            if (!(m = mpi_arena_alloc(&cp->arena, sizeof(*m))))
                return false;
            *m = n.start_mark;
            const char *a = mpi_arena_strdup(&cp->arena, (const char *)anchor);
            if (!a || mpi_strmap_put(&cp->anchors, &cp->arena, a, m) != MP_OK)
                return false;
        }
    }
    if (cp->nopen) {
        yaml_node_t *parent = doc->nodes.start + cp->open[cp->nopen - 1] - 1;
        if (parent->type == YAML_SEQUENCE_NODE) {
            if (!grow((void **)&parent->data.sequence.items.start,
                      (void **)&parent->data.sequence.items.top,
                      (void **)&parent->data.sequence.items.end, sizeof(yaml_node_item_t)))
                return false;
            *parent->data.sequence.items.top++ = id;
        } else {
            yaml_node_pair_t *p = parent->data.mapping.pairs.top;
            if (p != parent->data.mapping.pairs.start && p[-1].key && !p[-1].value) {
                p[-1].value = id;
            } else {
                if (!grow((void **)&parent->data.mapping.pairs.start,
                          (void **)&parent->data.mapping.pairs.top,
                          (void **)&parent->data.mapping.pairs.end, sizeof(yaml_node_pair_t)))
                    return false;
                *parent->data.mapping.pairs.top++ = (yaml_node_pair_t){id, 0};
            }
        }
    }
    if (n.type != YAML_SCALAR_NODE)
        cp->open[cp->nopen++] = id;
    return true;
}

/* The libyaml path of mpi_yl_parse(), one pass over the YAML events: syntax errors, nesting depth, aliases (refused: a pipeline
 * needs none, and they make "billion laughs" inputs) and a second document are reported, and
 * while there is none of these the events build @doc (emptied again when there is one). */
bool mpi_yl_parse_events(struct mp_diags *d, const char *data, size_t len,
                         yaml_document_t *doc)
{
    yaml_parser_t ps;
    yaml_event_t ev;
    bool ok = true, done = false, wide = false;
    int depth = 0, docs = 0, aliases = 0;
    /* Nodes in each open collection (a mapping counts keys and values), and where it began. */
    size_t items[MPI_YAML_MAX_DEPTH + 2] = {0};
    yaml_mark_t begun[MPI_YAML_MAX_DEPTH + 2] = {{0}};
    size_t per_entry[MPI_YAML_MAX_DEPTH + 2] = {0};
    /* Collections that may hold MPI_YAML_MAX_TOP_ITEMS: the file's mapping, its lists (steps,
     * parameters) and every `after` list (a fan-in names all steps before it). after_key[d]:
     * the last key read in the mapping at depth d was `after`. */
    bool big[MPI_YAML_MAX_DEPTH + 2] = {false};
    bool after_key[MPI_YAML_MAX_DEPTH + 2] = {false};
    struct composer cp = {.doc = doc};
    memset(doc, 0, sizeof(*doc));
    if (!yaml_parser_initialize(&ps)) {
        mpi_diag_add(d, MP_DIAG_ERROR, 0, 0, NULL, "out of memory");
        return false;
    }
    mpi_arena_init(&cp.arena);
    yaml_parser_set_input_string(&ps, (const unsigned char *)data, len);
    while (!done) {
        if (!yaml_parser_parse(&ps, &ev)) {
            yaml_problem(d, &ps);
            ok = false;
            break;
        }
        unsigned long line = (unsigned long)ev.start_mark.line + 1;
        unsigned long col = (unsigned long)ev.start_mark.column + 1;
        bool is_node = ev.type == YAML_SCALAR_EVENT || ev.type == YAML_ALIAS_EVENT ||
                       ev.type == YAML_SEQUENCE_START_EVENT ||
                       ev.type == YAML_MAPPING_START_EVENT;
        if (is_node && depth > 0 && depth <= MPI_YAML_MAX_DEPTH && !wide) {
            size_t limit = big[depth] ? MPI_YAML_MAX_TOP_ITEMS : MPI_YAML_MAX_ITEMS;
            if (++items[depth] > per_entry[depth] * limit) {
                char expected[40];
                snprintf(expected, sizeof(expected), "at most %zu entries", limit);
                mpi_diag_add(d, MP_DIAG_ERROR, (unsigned long)begun[depth].line + 1,
                             (unsigned long)begun[depth].column + 1, expected,
                             "a list or mapping with more than %zu entries", limit);
                ok = false;
                wide = true;
            }
        }
        bool key_position = depth > 0 && depth <= MPI_YAML_MAX_DEPTH &&
                            per_entry[depth] == 2 && items[depth] % 2 == 1;
        if (is_node && key_position)
            after_key[depth] = ev.type == YAML_SCALAR_EVENT &&
                               !strcmp((const char *)ev.data.scalar.value, "after");
        switch (ev.type) {
        case YAML_STREAM_END_EVENT: done = true; break;
        case YAML_DOCUMENT_START_EVENT:
            if (++docs == 2) {
                mpi_diag_add(d, MP_DIAG_ERROR, line, col, "one YAML document",
                             "a second YAML document ('---'): a file holds one pipeline");
                ok = false;
            } else {
                doc->start_implicit = ev.data.document_start.implicit;
                doc->start_mark = ev.start_mark;
            }
            break;
        case YAML_DOCUMENT_END_EVENT:
            if (docs == 1) {
                doc->end_implicit = ev.data.document_end.implicit;
                doc->end_mark = ev.end_mark;
            }
            break;
        case YAML_ALIAS_EVENT:
            if (aliases++) /* one report is enough */
                break;
            mpi_diag_add(d, MP_DIAG_ERROR, line, col, "the value written out",
                         "YAML aliases (*%s) are not supported in pipeline files",
                         ev.data.alias.anchor ? (const char *)ev.data.alias.anchor : "");
            ok = false;
            break;
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
            if (depth + 1 <= MPI_YAML_MAX_DEPTH) {
                items[depth + 1] = 0;
                begun[depth + 1] = ev.start_mark;
                per_entry[depth + 1] = ev.type == YAML_MAPPING_START_EVENT ? 2 : 1;
                big[depth + 1] = depth + 1 <= 2 || (depth > 0 && per_entry[depth] == 2 &&
                                                    items[depth] % 2 == 0 && after_key[depth]);
            }
            if (++depth > MPI_YAML_MAX_DEPTH) {
                mpi_diag_add(d, MP_DIAG_ERROR, line, col, "at most 64 levels",
                             "nesting deeper than %d levels", MPI_YAML_MAX_DEPTH);
                ok = false;
                done = true;
            }
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            depth--;
            if (ok && cp.nopen) /* the collection ends here */
                doc->nodes.start[cp.open[--cp.nopen] - 1].end_mark = ev.end_mark;
            break;
        default: break;
        }
        /* Only the first document is composed, as yaml_parser_load() does. */
        if (ok && is_node && docs == 1 && !cp.dup && !compose(&cp, &ev)) {
            mpi_diag_add(d, MP_DIAG_ERROR, 0, 0, NULL, "out of memory while parsing");
            ok = false;
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&ps);
    if (ok && cp.dup) {
        /* yaml_parser_load()'s message for it. */
        yaml_problem_at(d, "second occurrence", &cp.dup_second,
                        "found duplicate anchor; first occurrence", &cp.dup_first);
        ok = false;
    }
    mpi_arena_release(&cp.arena);
    if (!ok)
        mpi_yl_doc_free(doc);
    return ok;
}

bool mpi_yl_parse(struct mp_diags *d, const char *data, size_t len, yaml_document_t *doc)
{
    /* Files in the subset yaml_fast.c reads skip libyaml; the others, and every problem, go
     * through it. */
    return mpi_yl_fast_parse(data, len, doc) || mpi_yl_parse_events(d, data, len, doc);
}

int mpi_yaml_load(const char *path, const char *const *platforms, size_t n,
                  struct mp_pipeline **out, struct mpi_yaml_info *info, struct mp_diags *diags,
                  struct mp_error *err)
{
    struct loader ld = {.path = path, .platforms = platforms, .nplat = n,
                        .err = mp_error_new()};
    mpi_arena_init(&ld.arena);
    struct mp_diags *own = NULL;
    char *data = NULL;
    size_t len = 0;
    bool have_doc = false;
    int rc = MP_OK;
    if (!path || !out) {
        mp_error_free(ld.err);
        return mp_error_set(err, MP_ERR_INVAL, "no pipeline file");
    }
    if (!diags && !(diags = own = mp_diags_new())) {
        rc = mp_error_set(err, MP_ERR_NOMEM, "out of memory");
        goto out;
    }
    mp_diags_clear(diags);
    ld.d = diags;
    if (!ld.err || !(diags->file = strdup(path))) {
        rc = mp_error_set(err, MP_ERR_NOMEM, "out of memory");
        goto out;
    }
    if ((rc = mpi_textfile_read(path, MPI_YAML_MAX_BYTES, &data, &len, err)) != MP_OK) {
        if (rc == MP_ERR_PARSE)
            mpi_diag_add(diags, MP_DIAG_ERROR, 1, 1, "a smaller file", "%s",
                         mp_error_message(err));
        goto out;
    }
    if (mpi_text_check(diags, data, len) && mpi_yl_parse(diags, data, len, &ld.doc)) {
        have_doc = true;
        ld.nnodes = (size_t)(ld.doc.nodes.top - ld.doc.nodes.start);
        load_root(&ld, yaml_document_get_root_node(&ld.doc));
    }
    if (ld.nomem) {
        rc = mp_error_set(err, MP_ERR_NOMEM, "out of memory");
    } else if (mp_diags_error_count(diags)) {
        size_t i = 0;
        while (mp_diag_severity(diags, i) != MP_DIAG_ERROR && i < mp_diags_count(diags))
            i++;
        rc = mp_error_set(err, MP_ERR_PARSE, "%s:%lu:%lu: %s%s", path, mp_diag_line(diags, i),
                          mp_diag_column(diags, i), mp_diag_message(diags, i) ? mp_diag_message(diags, i) : "invalid",
                          mp_diags_error_count(diags) > 1 ? " (and more problems)" : "");
    } else if (ld.p && (rc = mp_pipeline_set_source(ld.p, path, err)) == MP_OK) {
        *out = ld.p;
        ld.p = NULL;
        if (info)
            *info = ld.info;
    }
out:
    if (have_doc)
        mpi_yl_doc_free(&ld.doc);
    mp_pipeline_free(ld.p);
    mpi_arena_release(&ld.arena);
    free(ld.steps);
    for (size_t i = 0; i < ld.nuses; i++) {
        free(ld.uses[i].step);
        free(ld.uses[i].output);
    }
    free(ld.uses);
    free(ld.gafter);
    free(data);
    mp_error_free(ld.err);
    mp_diags_free(own);
    return rc;
}

int mp_pipeline_load_file(const char *path, const char *const *platforms, size_t n,
                          struct mp_pipeline **out, struct mp_diags *diags, struct mp_error *err)
{
    return mpi_yaml_load(path, platforms, n, out, NULL, diags, err);
}
