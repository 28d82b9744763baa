/* SPDX-License-Identifier: MIT */
/* component.c: load a Kubeflow Pipelines v1 component spec (component.yaml) with
 * file:line:col diagnostics, and write kfp's component_spec JSON for it. */
#include "config.h"

#include "component.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "buf.h"
#include "diag.h"
#include "sha256.h"
#include "component_yaml.h"
#include "textfile.h"

#define COMPONENT_MAX_BYTES ((size_t)1 << 20)

struct cload {
    struct mp_diags *d;
    yaml_document_t doc;
    struct mpi_component *c;
    int nomem;
};

#define L(n) ((unsigned long)(n)->start_mark.line + 1)
#define C(n) ((unsigned long)(n)->start_mark.column + 1)

static const char *const top_keys[] = {"name", "description", "metadata", "inputs", "outputs",
                                       "implementation", NULL};
static const char *const input_keys[] = {"name", "type", "description", "default", "optional",
                                         NULL};
static const char *const output_keys[] = {"name", "type", "description", NULL};
static const char *const metadata_keys[] = {"annotations", "labels", NULL};
static const char *const impl_keys[] = {"container", NULL};
static const char *const container_keys[] = {"image", "command", "args", "env", "fileOutputs",
                                             NULL};
static const char *const ph_keys[] = {"inputValue", "inputPath", "outputPath", "concat", "if",
                                      "isPresent", NULL};
static const char *const if_keys[] = {"cond", "then", "else", NULL};

static void diag(struct cload *ld, const yaml_node_t *n, const char *expected, const char *fmt,
                 ...) MP_PRINTF(4, 5);
static void diag(struct cload *ld, const yaml_node_t *n, const char *expected, const char *fmt,
                 ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (mpi_diag_addv(ld->d, MP_DIAG_ERROR, n ? L(n) : 1, n ? C(n) : 1, expected, fmt, ap) !=
        MP_OK)
        ld->nomem = 1;
    va_end(ap);
}

static yaml_node_t *node(struct cload *ld, int id)
{
    return yaml_document_get_node(&ld->doc, id);
}

static const char *kind_name(const yaml_node_t *n)
{
    return !n ? "nothing" : n->type == YAML_MAPPING_NODE ? "mapping"
                          : n->type == YAML_SEQUENCE_NODE ? "list" : "string";
}

static const char *sval(const yaml_node_t *n)
{
    return (const char *)n->data.scalar.value;
}

static bool in_list(const char *const *list, const char *s)
{
    for (; *list; list++)
        if (!strcmp(*list, s))
            return true;
    return false;
}

/* ---- structure checks ---- */

static bool want(struct cload *ld, yaml_node_t *n, yaml_node_type_t type, const char *what)
{
    if (n && n->type == type)
        return true;
    diag(ld, n, type == YAML_MAPPING_NODE ? "a mapping (key: value)" : "a list (- item)",
         "%s must be %s, not a %s", what, type == YAML_MAPPING_NODE ? "a mapping" : "a list",
         kind_name(n));
    return false;
}

/* A copy of @s in the component's arena (the YAML document is freed after loading). */
static const char *keep(struct cload *ld, const char *s)
{
    const char *k = mpi_arena_strdup(&ld->c->arena, s);
    if (!k)
        ld->nomem = 1;
    return k;
}

static const char *str(struct cload *ld, yaml_node_t *n, const char *what)
{
    if (n && n->type == YAML_SCALAR_NODE && !mpi_yaml_null(n))
        return keep(ld, sval(n));
    diag(ld, n, "a string", "%s must be a string, not %s", what,
         n && n->type == YAML_SCALAR_NODE ? "null" : kind_name(n));
    return NULL;
}

/* A string for the command line or a map value: Python's str() of what PyYAML reads. */
static const char *text(struct cload *ld, yaml_node_t *n, const char *what)
{
    if (!n || n->type != YAML_SCALAR_NODE) {
        diag(ld, n, "a string", "%s must be a string, not a %s", what, kind_name(n));
        return NULL;
    }
    if (!mpi_yaml_plain(n) || mpi_yaml_scalar_kind(n) == MPI_SC_STR)
        return keep(ld, sval(n));
    struct mp_buf b;
    mpi_buf_init(&b);
    mpi_py_str(&b, n);
    const char *s = mp_buf_error(&b) ? NULL : mpi_arena_strdup(&ld->c->arena, mp_buf_data(&b));
    mpi_buf_release(&b);
    if (!s)
        ld->nomem = 1;
    return s;
}

static void check_keys(struct cload *ld, yaml_node_t *map, const char *const *allowed,
                       const char *where)
{
    for (yaml_node_pair_t *a = map->data.mapping.pairs.start; a < map->data.mapping.pairs.top;
         a++) {
        yaml_node_t *k = node(ld, a->key);
        if (k->type != YAML_SCALAR_NODE) {
            diag(ld, k, "a string", "%s: a key must be a string, not a %s", where,
                 kind_name(k));
            continue;
        }
        const char *key = sval(k);
        for (yaml_node_pair_t *b = map->data.mapping.pairs.start; b < a; b++) {
            yaml_node_t *kb = node(ld, b->key);
            if (kb->type == YAML_SCALAR_NODE && !strcmp(sval(kb), key))
                diag(ld, k, NULL, "%s: key '%s' given twice (first at line %lu)", where, key,
                     L(kb));
        }
        if (!allowed || in_list(allowed, key))
            continue;
        if (mpi_diag_unknown_key(ld->d, L(k), C(k), where, key, allowed) != MP_OK)
            ld->nomem = 1;
    }
}

static yaml_node_t *get(struct cload *ld, yaml_node_t *map, const char *key)
{
    for (yaml_node_pair_t *a = map->data.mapping.pairs.start; a < map->data.mapping.pairs.top;
         a++) {
        yaml_node_t *k = node(ld, a->key);
        if (k->type == YAML_SCALAR_NODE && !strcmp(sval(k), key))
            return node(ld, a->value);
    }
    return NULL;
}

/* An array of @n items of @elem bytes in the component's arena. */
static void *array(struct cload *ld, size_t elem, size_t n)
{
    void *v = mpi_arena_alloc(&ld->c->arena, elem * (n ? n : 1));
    if (!v)
        ld->nomem = 1;
    return v;
}

static void load_ports(struct cload *ld, yaml_node_t *seq, bool inputs)
{
    const char *what = inputs ? "inputs" : "outputs";
    if (mpi_yaml_null(seq) || !want(ld, seq, YAML_SEQUENCE_NODE, what))
        return;
    size_t n = (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
    struct mpi_component *c = ld->c;
    struct mpi_component_input *in = inputs ? array(ld, sizeof(*in), n) : NULL;
    struct mpi_component_output *outp = inputs ? NULL : array(ld, sizeof(*outp), n);
    if (!in && !outp)
        return;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *m = node(ld, seq->data.sequence.items.start[i]);
        if (!want(ld, m, YAML_MAPPING_NODE, inputs ? "an input" : "an output"))
            continue;
        check_keys(ld, m, inputs ? input_keys : output_keys, inputs ? "input" : "output");
        yaml_node_t *nn = get(ld, m, "name"), *t = get(ld, m, "type");
        const char *name = nn ? str(ld, nn, inputs ? "input name" : "output name") : NULL;
        if (!nn)
            diag(ld, m, "name: NAME", "%s without a name", inputs ? "input" : "output");
        if (t && t->type == YAML_SEQUENCE_NODE)
            diag(ld, t, "a type name or a mapping", "type must be a string or a mapping, not "
                 "a list");
        yaml_node_t *dn = get(ld, m, "description");
        if (dn && !mpi_yaml_null(dn))
            str(ld, dn, "description");
        if (!name)
            continue;
        for (size_t j = 0; j < k; j++) {
            const char *other = inputs ? in[j].name : outp[j].name;
            unsigned long ol = inputs ? in[j].line : outp[j].line;
            if (!strcmp(other, name)) {
                diag(ld, nn, "a unique name", "%s '%s' declared twice (first at line %lu)",
                     inputs ? "input" : "output", name, ol);
                name = NULL;
                break;
            }
        }
        if (!name)
            continue;
        if (!inputs) {
            outp[k++] = (struct mpi_component_output){name, L(m), C(m)};
            continue;
        }
        struct mpi_component_input *ip = &in[k++];
        *ip = (struct mpi_component_input){.name = name, .line = L(m), .col = C(m)};
        if (t && t->type == YAML_SCALAR_NODE && !mpi_yaml_null(t))
            ip->type = keep(ld, sval(t));
        yaml_node_t *on = get(ld, m, "optional"), *dv = get(ld, m, "default");
        if (on && !mpi_yaml_null(on)) {
            if (mpi_yaml_scalar_kind(on) != MPI_SC_BOOL)
                diag(ld, on, "true or false", "optional must be true or false");
            else
                ip->optional = strchr("yYtT", sval(on)[0]) || !strcmp(sval(on), "on") ||
                               !strcmp(sval(on), "On") || !strcmp(sval(on), "ON");
        }
        if (dv && !mpi_yaml_null(dv)) {
            if (dv->type != YAML_SCALAR_NODE) {
                diag(ld, dv, "a string or a number", "default must be a string or a number, "
                     "not a %s", kind_name(dv));
            } else {
                ip->default_value = text(ld, dv, "default");
                /* kfp 1.8 turns Integer and Float defaults into numbers before str(). */
                if (ip->default_value && ip->type &&
                    (!strcmp(ip->type, "Integer") || !strcmp(ip->type, "Float"))) {
                    char *end;
                    double x = strtod(ip->default_value, &end);
                    bool integer = !strcmp(ip->type, "Integer");
                    long long iv = integer ? strtoll(ip->default_value, &end, 10) : 0;
                    while (*end == ' ')
                        end++;
                    if (end == ip->default_value || *end) {
                        diag(ld, dv, integer ? "an integer" : "a number", "default '%s' of %s "
                             "input '%s' is not %s", ip->default_value, ip->type, name,
                             integer ? "an integer" : "a number");
                    } else {
                        struct mp_buf b;
                        mpi_buf_init(&b);
                        if (integer)
                            mp_buf_printf(&b, "%lld", iv);
                        else
                            mpi_py_float(&b, x);
                        ip->default_value = mp_buf_error(&b) ? NULL
                            : mpi_arena_strdup(&c->arena, mp_buf_data(&b));
                        mpi_buf_release(&b);
                        if (!ip->default_value)
                            ld->nomem = 1;
                    }
                }
            }
        }
    }
    if (inputs) {
        c->inputs = in;
        c->n_inputs = k;
    } else {
        c->outputs = outp;
        c->n_outputs = k;
    }
}

static bool has_output(const struct mpi_component *c, const char *name)
{
    for (size_t i = 0; i < c->n_outputs; i++)
        if (!strcmp(c->outputs[i].name, name))
            return true;
    return false;
}

static const char *const *name_list(struct cload *ld, bool inputs)
{
    const struct mpi_component *c = ld->c;
    size_t n = inputs ? c->n_inputs : c->n_outputs;
    const char **v = mpi_arena_alloc(&ld->c->arena, (n + 1) * sizeof(*v));
    if (!v) {
        ld->nomem = 1;
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        v[i] = inputs ? c->inputs[i].name : c->outputs[i].name;
    return v;
}

/* A placeholder's input or output name, which must be declared. */
static const char *port_ref(struct cload *ld, yaml_node_t *n, const char *ph, bool input)
{
    const char *name = str(ld, n, ph);
    if (!name)
        return NULL;
    if (input ? mpi_component_input(ld->c, name) != NULL : has_output(ld->c, name))
        return name;
    const char *const *names = name_list(ld, input);
    const char *best = names ? mpi_suggest(name, names) : NULL;
    diag(ld, n, input ? "an input declared under 'inputs'" : "an output declared under "
         "'outputs'", "{%s: %s}: the component has no %s '%s'%s%s%s", ph, name,
         input ? "input" : "output", name, best ? "; did you mean '" : "", best ? best : "",
         best ? "'?" : "");
    return NULL;
}

static struct mpi_cph *placeholder(struct cload *ld, yaml_node_t *n, int depth);

static struct mpi_cph **item_list(struct cload *ld, yaml_node_t *n, size_t *count, int depth,
                                  const char *what)
{
    *count = 0;
    yaml_node_item_t one = 0, *b = &one, *e = &one + 1;
    if (n->type == YAML_SEQUENCE_NODE) {
        b = n->data.sequence.items.start;
        e = n->data.sequence.items.top;
    } else if (!strcmp(what, "concat")) {
        want(ld, n, YAML_SEQUENCE_NODE, what);
        return NULL;
    }
    size_t total = (size_t)(e - b);
    struct mpi_cph **v = array(ld, sizeof(*v), total);
    if (!v)
        return NULL;
    for (yaml_node_item_t *i = b; i < e; i++) {
        yaml_node_t *in = n->type == YAML_SEQUENCE_NODE ? node(ld, *i) : n;
        struct mpi_cph *ph = placeholder(ld, in, depth + 1);
        if (ph)
            v[(*count)++] = ph;
    }
    return v;
}

static struct mpi_cph *placeholder(struct cload *ld, yaml_node_t *n, int depth)
{
    struct mpi_cph *ph = mpi_arena_alloc(&ld->c->arena, sizeof(*ph));
    if (!ph) {
        ld->nomem = 1;
        return NULL;
    }
    ph->line = L(n);
    ph->col = C(n);
    if (depth > MPI_COMPONENT_MAX_DEPTH)
        return NULL;
    if (n->type == YAML_SCALAR_NODE) {
        if (mpi_yaml_null(n)) {
            diag(ld, n, "a string or a placeholder", "a command-line item must not be null");
            return NULL;
        }
        ph->kind = MPI_CPH_STRING;
        return (ph->text = text(ld, n, "a command-line item")) ? ph : NULL;
    }
    if (n->type == YAML_SEQUENCE_NODE) {
        diag(ld, n, "a string or a placeholder", "a command-line item must be a string or a "
             "placeholder, not a list");
        return NULL;
    }
    size_t np = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
    check_keys(ld, n, ph_keys, "placeholder");
    if (np != 1) {
        diag(ld, n, "one of: inputValue, inputPath, outputPath, concat, if, isPresent",
             "a placeholder must have exactly one key, not %zu", np);
        return NULL;
    }
    yaml_node_t *k = node(ld, n->data.mapping.pairs.start->key);
    yaml_node_t *v = node(ld, n->data.mapping.pairs.start->value);
    if (k->type != YAML_SCALAR_NODE || !in_list(ph_keys, sval(k)))
        return NULL; /* reported by check_keys */
    const char *key = sval(k);
    if (!strcmp(key, "inputValue") || !strcmp(key, "inputPath") || !strcmp(key, "isPresent")) {
        ph->kind = key[5] == 'V' ? MPI_CPH_INPUT_VALUE : key[5] == 'P' ? MPI_CPH_INPUT_PATH
                                                                       : MPI_CPH_IS_PRESENT;
        return (ph->text = port_ref(ld, v, key, true)) ? ph : NULL;
    }
    if (!strcmp(key, "outputPath")) {
        ph->kind = MPI_CPH_OUTPUT_PATH;
        return (ph->text = port_ref(ld, v, key, false)) ? ph : NULL;
    }
    if (!strcmp(key, "concat")) {
        ph->kind = MPI_CPH_CONCAT;
        ph->items = item_list(ld, v, &ph->n, depth, "concat");
        return ph->items ? ph : NULL;
    }
    ph->kind = MPI_CPH_IF;
    if (!want(ld, v, YAML_MAPPING_NODE, "if"))
        return NULL;
    check_keys(ld, v, if_keys, "if");
    yaml_node_t *cn = get(ld, v, "cond"), *tn = get(ld, v, "then"), *en = get(ld, v, "else");
    if (!cn || !tn) {
        diag(ld, v, "{cond: ..., then: [...], else: [...]}", "if needs cond and then");
        return NULL;
    }
    ph->cond = placeholder(ld, cn, depth + 1);
    ph->items = item_list(ld, tn, &ph->n, depth, "then");
    if (en && !mpi_yaml_null(en))
        ph->else_items = item_list(ld, en, &ph->n_else, depth, "else");
    return ph->cond && ph->items && (!en || mpi_yaml_null(en) || ph->else_items) ? ph : NULL;
}

static void load_cmdline(struct cload *ld, yaml_node_t *n, struct mpi_cph ***out, size_t *count,
                         const char *what)
{
    if (mpi_yaml_null(n) || !want(ld, n, YAML_SEQUENCE_NODE, what))
        return;
    *out = item_list(ld, n, count, 0, what);
}

static void load_map(struct cload *ld, yaml_node_t *n, struct mpi_kv_pos **out, size_t *count,
                     const char *what)
{
    if (mpi_yaml_null(n) || !want(ld, n, YAML_MAPPING_NODE, what))
        return;
    check_keys(ld, n, NULL, what);
    size_t np = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
    struct mpi_kv_pos *v = array(ld, sizeof(*v), np);
    if (!v)
        return;
    *out = v;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = node(ld, p->key), *vn = node(ld, p->value);
        if (k->type != YAML_SCALAR_NODE)
            continue; /* reported by check_keys */
        const char *val = text(ld, vn, what);
        if (val)
            v[(*count)++] = (struct mpi_kv_pos){keep(ld, sval(k)), val, L(k), C(k)};
    }
}

static void load_container(struct cload *ld, yaml_node_t *n)
{
    struct mpi_component *c = ld->c;
    if (!want(ld, n, YAML_MAPPING_NODE, "implementation.container"))
        return;
    check_keys(ld, n, container_keys, "container");
    yaml_node_t *x = get(ld, n, "image");
    if (!x)
        diag(ld, n, "image: REGISTRY/IMAGE:TAG", "the container has no image");
    else if ((c->image = str(ld, x, "image")) && !*c->image)
        diag(ld, x, "image: REGISTRY/IMAGE:TAG", "the container image is empty");
    if ((x = get(ld, n, "command")))
        load_cmdline(ld, x, &c->command, &c->n_command, "command");
    if ((x = get(ld, n, "args")))
        load_cmdline(ld, x, &c->args, &c->n_args, "args");
    if ((x = get(ld, n, "env")))
        load_map(ld, x, &c->env, &c->n_env, "env");
    if ((x = get(ld, n, "fileOutputs"))) {
        load_map(ld, x, &c->file_outputs, &c->n_file_outputs, "fileOutputs");
        for (size_t i = 0; i < c->n_file_outputs; i++) {
            const struct mpi_kv_pos *f = &c->file_outputs[i];
            if (!has_output(c, f->key))
                mpi_diag_add(ld->d, MP_DIAG_ERROR, f->line, f->col, "an output declared under "
                             "'outputs'", "fileOutputs: the component has no output '%s'",
                             f->key);
            else if (f->value[0] != '/')
                mpi_diag_add(ld->d, MP_DIAG_ERROR, f->line, f->col, "an absolute path",
                             "fileOutputs: the path of output '%s' must be absolute, not "
                             "'%s'", f->key, f->value);
        }
    }
}

static void load_root(struct cload *ld, yaml_node_t *root)
{
    struct mpi_component *c = ld->c;
    if (!root) {
        mpi_diag_add(ld->d, MP_DIAG_ERROR, 1, 1, "a mapping with name, inputs, outputs and "
                     "implementation", "the component file is empty");
        return;
    }
    if (!want(ld, root, YAML_MAPPING_NODE, "the top level of a component file"))
        return;
    c->line = L(root);
    c->col = C(root);
    check_keys(ld, root, top_keys, "component");
    yaml_node_t *x;
    if ((x = get(ld, root, "name")) && !mpi_yaml_null(x))
        c->name = str(ld, x, "name");
    if ((x = get(ld, root, "description")) && !mpi_yaml_null(x))
        c->description = str(ld, x, "description");
    if ((x = get(ld, root, "inputs")))
        load_ports(ld, x, true);
    if ((x = get(ld, root, "outputs")))
        load_ports(ld, x, false);
    if ((x = get(ld, root, "metadata")) && !mpi_yaml_null(x) &&
        want(ld, x, YAML_MAPPING_NODE, "metadata")) {
        check_keys(ld, x, metadata_keys, "metadata");
        yaml_node_t *y;
        if ((y = get(ld, x, "annotations")))
            load_map(ld, y, &c->annotations, &c->n_annotations, "annotations");
        if ((y = get(ld, x, "labels")))
            load_map(ld, y, &c->labels, &c->n_labels, "labels");
    }
    x = get(ld, root, "implementation");
    if (!x) {
        diag(ld, root, "implementation: {container: {image: ..., command: [...]}}",
             "the component has no implementation");
        return;
    }
    if (!want(ld, x, YAML_MAPPING_NODE, "implementation"))
        return;
    yaml_node_t *g = get(ld, x, "graph");
    if (g) {
        diag(ld, node(ld, x->data.mapping.pairs.start->key), "implementation: {container: "
             "...}", "graph components are not supported; only container components are");
        return;
    }
    check_keys(ld, x, impl_keys, "implementation");
    yaml_node_t *ct = get(ld, x, "container");
    if (!ct)
        diag(ld, x, "container: {image: ..., command: [...]}",
             "the implementation has no container");
    else
        load_container(ld, ct);
}

/* An event pass before building the document: syntax errors, nesting depth, aliases (a
 * component needs none, and they make "billion laughs" inputs) and a second document. */
static bool check_events(struct mp_diags *d, const char *data, size_t len)
{
    yaml_parser_t ps;
    yaml_event_t ev;
    bool ok = true, done = false;
    int depth = 0, docs = 0;
    if (!yaml_parser_initialize(&ps))
        return mpi_diag_add(d, MP_DIAG_ERROR, 0, 0, NULL, "out of memory"), false;
    yaml_parser_set_input_string(&ps, (const unsigned char *)data, len);
    while (!done && ok) {
        if (!yaml_parser_parse(&ps, &ev)) {
            mpi_diag_add(d, MP_DIAG_ERROR, (unsigned long)ps.problem_mark.line + 1,
                         (unsigned long)ps.problem_mark.column + 1, "valid YAML",
                         "YAML syntax: %s%s%s", ps.problem ? ps.problem : "error",
                         ps.context ? " " : "", ps.context ? ps.context : "");
            ok = false;
            break;
        }
        unsigned long line = (unsigned long)ev.start_mark.line + 1;
        unsigned long col = (unsigned long)ev.start_mark.column + 1;
        switch (ev.type) {
        case YAML_STREAM_END_EVENT: done = true; break;
        case YAML_DOCUMENT_START_EVENT:
            if (++docs == 2) {
                mpi_diag_add(d, MP_DIAG_ERROR, line, col, "one YAML document",
                             "a second YAML document ('---'): a file holds one component");
                ok = false;
            }
            break;
        case YAML_ALIAS_EVENT:
            mpi_diag_add(d, MP_DIAG_ERROR, line, col, "the value written out",
                         "YAML aliases are not supported in component files");
            ok = false;
            break;
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
            if (++depth > MPI_COMPONENT_MAX_DEPTH) {
                mpi_diag_add(d, MP_DIAG_ERROR, line, col, "at most 64 levels",
                             "nesting deeper than %d levels", MPI_COMPONENT_MAX_DEPTH);
                ok = false;
            }
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT: depth--; break;
        default: break;
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&ps);
    return ok;
}

const struct mpi_component_input *mpi_component_input(const struct mpi_component *c,
                                                      const char *name)
{
    for (size_t i = 0; c && i < c->n_inputs; i++)
        if (!strcmp(c->inputs[i].name, name))
            return &c->inputs[i];
    return NULL;
}

void mpi_component_free(struct mpi_component *c)
{
    if (!c)
        return;
    mpi_arena_release(&c->arena);
    free(c);
}

int mpi_component_parse(const char *data, size_t len, const char *name,
                        struct mpi_component **out, struct mp_diags *diags,
                        struct mp_error *err)
{
    if (!data || !name || !out || !diags)
        return mp_error_set(err, MP_ERR_INVAL, "mpi_component_parse: invalid argument");
    struct cload ld = {.d = diags};
    bool have_doc = false;
    int rc = MP_OK;
    char *copy = NULL;
    mp_diags_clear(diags);
    if (!(diags->file = strdup(name)) || !(ld.c = calloc(1, sizeof(*ld.c))))
        goto nomem;
    mpi_arena_init(&ld.c->arena);
    if (!(ld.c->file = mpi_arena_strdup(&ld.c->arena, name)))
        goto nomem;
    /* The digest kfp records: sha256 of the bytes with CRLF line ends read as LF. */
    struct mpi_sha256 sh;
    mpi_sha256_init(&sh);
    for (size_t i = 0, start = 0; i <= len; i++)
        if (i == len || (data[i] == '\r' && i + 1 < len && data[i + 1] == '\n')) {
            mpi_sha256_update(&sh, data + start, i - start);
            start = i + 1;
        }
    mpi_sha256_final(&sh, ld.c->digest);
    if (!(copy = malloc(len + 1)))
        goto nomem;
    memcpy(copy, data, len);
    copy[len] = '\0';
    if (mpi_text_check(diags, copy, len) && check_events(diags, copy, len)) {
        yaml_parser_t ps;
        if (!yaml_parser_initialize(&ps))
            goto nomem;
        yaml_parser_set_input_string(&ps, (const unsigned char *)copy, len);
        if (yaml_parser_load(&ps, &ld.doc)) {
            have_doc = true;
            yaml_node_t *root = yaml_document_get_root_node(&ld.doc);
            load_root(&ld, root);
            if (!mp_diags_error_count(diags) && !ld.nomem) {
                struct mp_buf b;
                mpi_buf_init(&b);
                if (mpi_component_json(&ld.doc, root, &b) != MP_OK ||
                    !(ld.c->spec_json = mpi_arena_strdup(&ld.c->arena, mp_buf_data(&b))))
                    ld.nomem = 1;
                mpi_buf_release(&b);
            }
        } else {
            mpi_diag_add(diags, MP_DIAG_ERROR, (unsigned long)ps.problem_mark.line + 1,
                         (unsigned long)ps.problem_mark.column + 1, "valid YAML",
                         "YAML syntax: %s", ps.problem ? ps.problem : "error");
        }
        yaml_parser_delete(&ps);
    }
    if (ld.nomem)
        goto nomem;
    if (mp_diags_error_count(diags)) {
        rc = mp_error_set(err, MP_ERR_PARSE, "%s:%lu:%lu: %s%s", name, mp_diag_line(diags, 0),
                          mp_diag_column(diags, 0), mp_diag_message(diags, 0),
                          mp_diags_error_count(diags) > 1 ? " (and more problems)" : "");
        goto out;
    }
    *out = ld.c;
    ld.c = NULL;
    goto out;
nomem:
    rc = mp_error_set(err, MP_ERR_NOMEM, "out of memory");
out:
    if (have_doc)
        yaml_document_delete(&ld.doc);
    free(copy);
    mpi_component_free(ld.c);
    return rc;
}

int mpi_component_load(const char *path, const char *name, struct mpi_component **out,
                       struct mp_diags *diags, struct mp_error *err)
{
    char *data = NULL;
    size_t len = 0;
    int rc = mpi_textfile_read(path, COMPONENT_MAX_BYTES, &data, &len, err);
    if (rc == MP_ERR_PARSE && diags) { /* too large: a problem of the file, at its start */
        mp_diags_clear(diags);
        if (!(diags->file = strdup(name)) ||
            mpi_diag_add(diags, MP_DIAG_ERROR, 1, 1, "at most 1 MiB", "the component file is "
                         "larger than 1 MiB") != MP_OK)
            return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
    }
    if (rc != MP_OK)
        return rc;
    rc = mpi_component_parse(data, len, name, out, diags, err);
    free(data);
    return rc;
}
