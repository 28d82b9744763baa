/* SPDX-License-Identifier: MIT */
/* component_placeholders.c: one use of a component: its arguments checked against the inputs,
 * and the command line resolved as kfp 1.8's _resolve_command_line_and_paths() does. */
#include "config.h"

#include "component.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "diag.h"

struct strvec {
    const char **v;
    size_t n, cap;
};

struct rctx {
    const struct mpi_component *c;
    struct mpi_component_use *u;
    struct mp_diags *d;
    const char **value;                       /* per input: its argument or default, or NULL */
    const struct mpi_component_arg **arg;     /* per input: the argument given, or NULL */
    bool *by_value;                           /* per input: consumed by inputValue */
    size_t cap_in, cap_out;
    unsigned long line, col; /* the step's position in the pipeline file */
    int nomem;
};

static bool push(struct rctx *r, struct strvec *v, const char *s)
{
    if (!s) {
        r->nomem = 1;
        return false;
    }
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 8;
        const char **nv = mpi_arena_alloc(&r->u->arena, cap * sizeof(*nv));
        if (!nv) {
            r->nomem = 1;
            return false;
        }
        if (v->n)
            memcpy(nv, v->v, v->n * sizeof(*nv));
        v->v = nv;
        v->cap = cap;
    }
    v->v[v->n++] = s;
    return true;
}

static size_t input_index(const struct mpi_component *c, const char *name)
{
    for (size_t i = 0; i < c->n_inputs; i++)
        if (!strcmp(c->inputs[i].name, name))
            return i;
    return c->n_inputs;
}

char *mpi_component_file_name(struct mpi_arena *a, const char *port)
{
    size_t n = strlen(port);
    char *s = mpi_arena_alloc(a, n + 1), *w = s;
    if (!s)
        return NULL;
    for (const char *p = port; *p;) {
        char ch = *p;
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.';
        if (ok) {
            *w++ = ch;
            p++;
            continue;
        }
        *w++ = '_';
        while (*p && !((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                       (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.'))
            p++;
    }
    *w = '\0';
    return s;
}

char *mpi_component_k8s_name(struct mpi_arena *a, const char *name)
{
    size_t n = strlen(name);
    char *s = mpi_arena_alloc(a, n + 1), *w = s;
    if (!s)
        return NULL;
    for (const char *p = name; *p; p++) {
        char ch = *p;
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '_';
        if (!ok)
            ch = '-';
        if (ch == '-' && (w == s || w[-1] == '-'))
            continue;
        *w++ = ch;
    }
    while (w > s && w[-1] == '-')
        w--;
    *w = '\0';
    return s;
}

static void problem(struct rctx *r, unsigned long line, unsigned long col, const char *expected,
                    const char *fmt, ...) MP_PRINTF(5, 6);
static void problem(struct rctx *r, unsigned long line, unsigned long col, const char *expected,
                    const char *fmt, ...)
{
    struct mp_buf b;
    mpi_buf_init(&b);
    va_list ap;
    va_start(ap, fmt);
    mp_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    if (mp_buf_error(&b) ||
        mpi_diag_add(r->d, MP_DIAG_ERROR, line, col, expected, "%s", mp_buf_data(&b)) != MP_OK)
        r->nomem = 1;
    mpi_buf_release(&b);
}

static const char *cname(const struct mpi_component *c)
{
    return c->name ? c->name : "Component";
}

static void add_file(struct rctx *r, bool input, const char *name, const char *path,
                     const struct mpi_component_arg *arg, const char *value)
{
    struct mpi_component_use *u = r->u;
    struct mpi_component_file **v = input ? &u->input_paths : &u->output_paths;
    size_t *n = input ? &u->n_input_paths : &u->n_output_paths;
    size_t *cap = input ? &r->cap_in : &r->cap_out;
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 4;
        struct mpi_component_file *nv = mpi_arena_alloc(&u->arena, nc * sizeof(*nv));
        if (!nv) {
            r->nomem = 1;
            return;
        }
        if (*n)
            memcpy(nv, *v, *n * sizeof(*nv));
        *v = nv;
        *cap = nc;
    }
    (*v)[(*n)++] = (struct mpi_component_file){name, path, value, arg ? arg->line : 0,
                                               arg ? arg->col : 0};
}

static const struct mpi_component_file *find_file(const struct mpi_component_file *v, size_t n,
                                                  const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(v[i].name, name))
            return &v[i];
    return NULL;
}

static const char *port_path(struct rctx *r, const char *dir, const char *name)
{
    char *file = mpi_component_file_name(&r->u->arena, name);
    struct mp_buf b;
    mpi_buf_init(&b);
    mp_buf_printf(&b, "%s/%s/data", dir, file ? file : "");
    const char *s = !file || mp_buf_error(&b) ? NULL : mpi_arena_strdup(&r->u->arena,
                                                                         mp_buf_data(&b));
    mpi_buf_release(&b);
    if (!s)
        r->nomem = 1;
    return s;
}

/* distutils.util.strtobool, which kfp applies to an if's condition. */
static int truth(const char *s)
{
    static const char *const yes[] = {"y", "yes", "t", "true", "on", "1", NULL};
    static const char *const no[] = {"n", "no", "f", "false", "off", "0", NULL};
    for (const char *const *w = yes; *w; w++)
        if (!strcasecmp(s, *w))
            return 1;
    for (const char *const *w = no; *w; w++)
        if (!strcasecmp(s, *w))
            return 0;
    return -1;
}

static void expand_list(struct rctx *r, struct mpi_cph *const *items, size_t n,
                        struct strvec *out);

/* Append what @ph expands to (nothing, one string, or a list for if) to @out. */
static void expand(struct rctx *r, const struct mpi_cph *ph, struct strvec *out)
{
    const struct mpi_component *c = r->c;
    size_t i;
    switch (ph->kind) {
    case MPI_CPH_STRING: push(r, out, ph->text); return;
    case MPI_CPH_IS_PRESENT:
        i = input_index(c, ph->text);
        push(r, out, i < c->n_inputs && r->value[i] ? "True" : "False");
        return;
    case MPI_CPH_INPUT_VALUE:
        i = input_index(c, ph->text);
        if (i < c->n_inputs && r->value[i]) {
            r->by_value[i] = true;
            push(r, out, r->value[i]);
        }
        return; /* a missing required input was reported already */
    case MPI_CPH_INPUT_PATH: {
        i = input_index(c, ph->text);
        if (i >= c->n_inputs || !r->value[i])
            return;
        const char *path = port_path(r, MPI_COMPONENT_INPUTS_DIR, ph->text);
        if (!path)
            return;
        if (!find_file(r->u->input_paths, r->u->n_input_paths, ph->text))
            add_file(r, true, c->inputs[i].name, path, r->arg[i], r->value[i]);
        push(r, out, path);
        return;
    }
    case MPI_CPH_OUTPUT_PATH: {
        const char *path = port_path(r, MPI_COMPONENT_OUTPUTS_DIR, ph->text);
        if (!path)
            return;
        const struct mpi_component_file *f =
            find_file(r->u->output_paths, r->u->n_output_paths, ph->text);
        if (f && strcmp(f->path, path))
            problem(r, r->line, r->col, "an output written by one of fileOutputs and "
                    "outputPath", "%s:%lu:%lu: output '%s' is both in fileOutputs (%s) and an "
                    "outputPath", c->file, ph->line, ph->col, ph->text, f->path);
        else if (!f)
            add_file(r, false, ph->text, path, NULL, NULL);
        push(r, out, path);
        return;
    }
    case MPI_CPH_CONCAT: {
        struct strvec parts = {0};
        expand_list(r, ph->items, ph->n, &parts);
        struct mp_buf b;
        mpi_buf_init(&b);
        mp_buf_puts(&b, "");
        for (size_t k = 0; k < parts.n; k++)
            mp_buf_puts(&b, parts.v[k]);
        push(r, out, mp_buf_error(&b) ? NULL : mpi_arena_strdup(&r->u->arena, mp_buf_data(&b)));
        mpi_buf_release(&b);
        return;
    }
    case MPI_CPH_IF: {
        struct strvec cond = {0};
        expand(r, ph->cond, &cond);
        int t = 0;
        if (cond.n > 1) {
            problem(r, r->line, r->col, "isPresent, an input or true/false",
                    "%s:%lu:%lu: the condition of if gives a list", c->file, ph->cond->line,
                    ph->cond->col);
            return;
        }
        if (cond.n == 1 && *cond.v[0] && (t = truth(cond.v[0])) < 0) {
            problem(r, r->line, r->col, "true or false (y, yes, on, 1, n, no, "
                    "off, 0)", "%s:%lu:%lu: the condition of if is '%s', which is not true or "
                    "false at compile time", c->file, ph->cond->line, ph->cond->col,
                    cond.v[0]);
            return;
        }
        if (t)
            expand_list(r, ph->items, ph->n, out);
        else
            expand_list(r, ph->else_items, ph->n_else, out);
        return;
    }
    }
}

static void expand_list(struct rctx *r, struct mpi_cph *const *items, size_t n,
                        struct strvec *out)
{
    for (size_t i = 0; i < n; i++)
        expand(r, items[i], out);
}

void mpi_component_use_free(struct mpi_component_use *u)
{
    if (!u)
        return;
    mpi_arena_release(&u->arena);
    free(u);
}

static int cmp_idx(const void *a, const void *b, void *names)
{
    (void)names;
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void arguments_json(struct rctx *r)
{
    const struct mpi_component *c = r->c;
    size_t n = 0;
    const char **names = calloc(c->n_inputs ? c->n_inputs : 1, 2 * sizeof(*names));
    if (!names) {
        r->nomem = 1;
        return;
    }
    for (size_t i = 0; i < c->n_inputs; i++)
        if (r->by_value[i]) {
            names[2 * n] = c->inputs[i].name;
            names[2 * n + 1] = r->value[i];
            n++;
        }
    if (n) {
        /* sort the (name, value) pairs by name */
        for (size_t i = 1; i < n; i++)
            for (size_t j = i; j > 0 && cmp_idx(&names[2 * j - 2], &names[2 * j], NULL) > 0;
                 j--) {
                const char *k = names[2 * j], *v = names[2 * j + 1];
                names[2 * j] = names[2 * j - 2];
                names[2 * j + 1] = names[2 * j - 1];
                names[2 * j - 2] = k;
                names[2 * j - 1] = v;
            }
        struct mp_buf b;
        mpi_buf_init(&b);
        mp_buf_putc(&b, '{');
        for (size_t i = 0; i < n; i++) {
            if (i)
                mp_buf_puts(&b, ", ");
            mp_json_quote(&b, names[2 * i]);
            mp_buf_puts(&b, ": ");
            mp_json_quote(&b, names[2 * i + 1]);
        }
        mp_buf_putc(&b, '}');
        if (mp_buf_error(&b) ||
            !(r->u->arguments_json = mpi_arena_strdup(&r->u->arena, mp_buf_data(&b))))
            r->nomem = 1;
        mpi_buf_release(&b);
    }
    free(names);
}

int mpi_component_resolve(const struct mpi_component *c, const struct mpi_component_arg *args,
                          size_t n_args, unsigned long line, unsigned long col,
                          struct mpi_component_use **out, struct mp_diags *diags,
                          struct mp_error *err)
{
    if (!c || (n_args && !args) || !out || !diags)
        return mp_error_set(err, MP_ERR_INVAL, "mpi_component_resolve: invalid argument");
    size_t errors = mp_diags_error_count(diags), ni = c->n_inputs ? c->n_inputs : 1;
    struct rctx r = {.c = c, .d = diags, .line = line, .col = col};
    int rc = MP_OK;
    r.u = calloc(1, sizeof(*r.u));
    r.value = calloc(ni, sizeof(*r.value));
    r.arg = calloc(ni, sizeof(*r.arg));
    r.by_value = calloc(ni, sizeof(*r.by_value));
    if (!r.u || !r.value || !r.arg || !r.by_value) {
        free(r.u);
        r.u = NULL;
        r.nomem = 1;
        goto out;
    }
    mpi_arena_init(&r.u->arena);

    /* Arguments must name inputs; inputs without an argument take their default. */
    const char **names = calloc(ni + 1, sizeof(*names));
    if (!names) {
        r.nomem = 1;
        goto out;
    }
    for (size_t i = 0; i < c->n_inputs; i++)
        names[i] = c->inputs[i].name;
    for (size_t a = 0; a < n_args; a++) {
        size_t i = input_index(c, args[a].name);
        if (i < c->n_inputs) {
            r.value[i] = args[a].value;
            r.arg[i] = &args[a];
            continue;
        }
        const char *best = mpi_suggest(args[a].name, names);
        problem(&r, args[a].line, args[a].col, "an input of the component",
                "component '%s' (%s:%lu:%lu) has no input '%s'%s%s%s", cname(c), c->file,
                c->line, c->col, args[a].name, best ? "; did you mean '" : "",
                best ? best : "", best ? "'?" : "");
    }
    free(names);
    for (size_t i = 0; i < c->n_inputs; i++) {
        const struct mpi_component_input *in = &c->inputs[i];
        if (!r.value[i])
            r.value[i] = in->default_value;
        if (!r.value[i] && !in->optional)
            problem(&r, line, col, "an argument for each required input",
                    "no value provided for input '%s' of component '%s' (%s:%lu:%lu): give "
                    "it under 'arguments'", in->name, cname(c), c->file, in->line, in->col);
    }

    /* File outputs first, in the order of the outputs; then the command line. */
    for (size_t o = 0; o < c->n_outputs; o++)
        for (size_t f = 0; f < c->n_file_outputs; f++)
            if (!strcmp(c->file_outputs[f].key, c->outputs[o].name))
                add_file(&r, false, c->outputs[o].name, c->file_outputs[f].value, NULL, NULL);
    struct strvec cmd = {0}, argv = {0};
    expand_list(&r, c->command, c->n_command, &cmd);
    expand_list(&r, c->args, c->n_args, &argv);
    r.u->command = cmd.v;
    r.u->n_command = cmd.n;
    r.u->args = argv.v;
    r.u->n_args = argv.n;
    /* An input read both as a value and as a file is passed as a value only (kfp 1.8). */
    size_t w = 0;
    for (size_t k = 0; k < r.u->n_input_paths; k++) {
        size_t i = input_index(c, r.u->input_paths[k].name);
        if (i < c->n_inputs && !r.by_value[i])
            r.u->input_paths[w++] = r.u->input_paths[k];
    }
    r.u->n_input_paths = w;
    arguments_json(&r);
out:
    if (!r.nomem && mp_diags_error_count(diags) > errors)
        rc = mp_error_set(err, MP_ERR_PARSE, "component %s: %zu problems", c->file,
                          mp_diags_error_count(diags) - errors);
    if (r.nomem)
        rc = mp_error_set(err, MP_ERR_NOMEM, "out of memory");
    if (rc == MP_OK)
        *out = r.u;
    else
        mpi_component_use_free(r.u);
    free(r.value);
    free(r.arg);
    free(r.by_value);
    return rc;
}
