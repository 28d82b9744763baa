/* SPDX-License-Identifier: MIT */
/* component_yaml.c: YAML 1.1 scalars as PyYAML reads them and Python's str() prints them, and
 * kfp's component_spec JSON (json.dumps(spec.to_dict(), sort_keys=True)) of a component. */
#include "config.h"

#include "component_yaml.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

bool mpi_yaml_plain(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

static const char *sval(const yaml_node_t *n)
{
    return (const char *)n->data.scalar.value;
}

bool mpi_yaml_null(const yaml_node_t *n)
{
    if (!mpi_yaml_plain(n))
        return false;
    const char *v = sval(n);
    return !*v || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") ||
           !strcmp(v, "NULL");
}

static bool in_list(const char *const *list, const char *s)
{
    for (; *list; list++)
        if (!strcmp(*list, s))
            return true;
    return false;
}

/* ---- YAML 1.1 scalars as PyYAML reads them, printed as Python's str() ---- */


static bool word_in(const char *v, const char *const *words)
{
    return in_list(words, v);
}

static bool digits(const char *s, const char *set, bool underscore)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!strchr(set, *s) && !(underscore && *s == '_'))
            return false;
    return true;
}

enum mpi_scalar_kind mpi_yaml_scalar_kind(const yaml_node_t *n)
{
    static const char *const yes[] = {"yes", "Yes", "YES", "true", "True", "TRUE",
                                      "on",  "On",  "ON",  NULL};
    static const char *const no[] = {"no", "No", "NO", "false", "False", "FALSE",
                                     "off", "Off", "OFF", NULL};
    if (!mpi_yaml_plain(n))
        return MPI_SC_STR;
    const char *v = sval(n);
    if (mpi_yaml_null(n))
        return MPI_SC_NULL;
    if (word_in(v, yes) || word_in(v, no))
        return MPI_SC_BOOL;
    const char *s = v + (*v == '-' || *v == '+');
    if (!strcmp(s, "0") || (*s >= '1' && *s <= '9' && digits(s, "0123456789", true)) ||
        (s[0] == '0' && s[1] == 'x' && digits(s + 2, "0123456789abcdefABCDEF", true)) ||
        (s[0] == '0' && s[1] == 'b' && digits(s + 2, "01", true)) ||
        (s[0] == '0' && digits(s + 1, "01234567", true)))
        return MPI_SC_INT;
    /* [0-9][0-9_]*\.[0-9_]*([eE][-+][0-9]+)? | \.[0-9_]+([eE][-+][0-9]+)? | .inf | .nan */
    if (!strcmp(s, ".inf") || !strcmp(s, ".Inf") || !strcmp(s, ".INF") ||
        (s == v && (!strcmp(v, ".nan") || !strcmp(v, ".NaN") || !strcmp(v, ".NAN"))))
        return MPI_SC_FLOAT;
    const char *p = s;
    size_t before = strspn(p, "0123456789_");
    if (before && (*p < '0' || *p > '9'))
        return MPI_SC_STR;
    p += before;
    if (*p != '.')
        return MPI_SC_STR;
    p++;
    size_t after = strspn(p, "0123456789_");
    if (!before && (!after || *p < '0' || *p > '9'))
        return MPI_SC_STR;
    p += after;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p != '-' && *p != '+')
            return MPI_SC_STR;
        p++;
        if (!digits(p, "0123456789", false))
            return MPI_SC_STR;
        return MPI_SC_FLOAT;
    }
    return *p ? MPI_SC_STR : MPI_SC_FLOAT;
}

/* Python's repr() of a double: the shortest digits that read back the same, in fixed
 * notation for exponents -4..15 (with ".0" for integral values), else d.ddde+XX. */
void mpi_py_float(struct mp_buf *out, double x)
{
    if (isnan(x)) {
        mp_buf_puts(out, "nan");
        return;
    }
    if (isinf(x)) {
        mp_buf_puts(out, x < 0 ? "-inf" : "inf");
        return;
    }
    char tmp[40];
    int prec = 0;
    for (; prec < 17; prec++) {
        snprintf(tmp, sizeof(tmp), "%.*e", prec, x);
        if (strtod(tmp, NULL) == x)
            break;
    }
    /* tmp: [-]d[.ddd]e[+-]XX */
    const char *t = tmp;
    if (*t == '-') {
        mp_buf_putc(out, '-');
        t++;
    }
    char dig[24];
    size_t nd = 0;
    const char *e = strchr(t, 'e');
    for (const char *q = t; q < e; q++)
        if (*q != '.')
            dig[nd++] = *q;
    while (nd > 1 && dig[nd - 1] == '0')
        nd--;
    int exp = (int)strtol(e + 1, NULL, 10);
    if (exp >= -4 && exp < 16) {
        if (exp < 0) {
            mp_buf_puts(out, "0.");
            for (int i = -1; i > exp; i--)
                mp_buf_putc(out, '0');
            mp_buf_append(out, dig, nd);
        } else {
            for (int i = 0; i <= exp; i++)
                mp_buf_putc(out, (size_t)i < nd ? dig[i] : '0');
            mp_buf_putc(out, '.');
            if ((size_t)exp + 1 < nd)
                mp_buf_append(out, dig + exp + 1, nd - (size_t)exp - 1);
            else
                mp_buf_putc(out, '0');
        }
        return;
    }
    mp_buf_putc(out, dig[0]);
    if (nd > 1) {
        mp_buf_putc(out, '.');
        mp_buf_append(out, dig + 1, nd - 1);
    }
    mp_buf_printf(out, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
}

static void py_int(struct mp_buf *out, const char *v)
{
    bool neg = *v == '-';
    const char *s = v + (*v == '-' || *v == '+');
    char clean[128];
    size_t n = 0;
    for (const char *q = s; *q && n + 1 < sizeof(clean); q++)
        if (*q != '_')
            clean[n++] = *q;
    clean[n] = '\0';
    int base = 10;
    const char *digs = clean;
    if (clean[0] == '0' && clean[1] == 'x')
        base = 16, digs = clean + 2;
    else if (clean[0] == '0' && clean[1] == 'b')
        base = 2, digs = clean + 2;
    else if (clean[0] == '0' && clean[1])
        base = 8, digs = clean + 1;
    if (base == 10) {
        while (digs[0] == '0' && digs[1])
            digs++;
        mp_buf_printf(out, "%s%s", neg && strcmp(digs, "0") ? "-" : "", digs);
        return;
    }
    unsigned long long u = strtoull(digs, NULL, base);
    mp_buf_printf(out, "%s%llu", neg && u ? "-" : "", u);
}

/* Append Python's str() of the value PyYAML reads from scalar @n. */
void mpi_py_str(struct mp_buf *out, const yaml_node_t *n)
{
    const char *v = sval(n);
    switch (mpi_yaml_scalar_kind(n)) {
    case MPI_SC_NULL: mp_buf_puts(out, "None"); break;
    case MPI_SC_BOOL: mp_buf_puts(out, strchr("yYtToO", v[0]) && strcmp(v, "off") &&
                                           strcmp(v, "Off") && strcmp(v, "OFF")
                                       ? "True" : "False");
        break;
    case MPI_SC_INT: py_int(out, v); break;
    case MPI_SC_FLOAT: {
        char clean[128];
        size_t k = 0;
        for (const char *q = v; *q && k + 1 < sizeof(clean); q++)
            if (*q != '_')
                clean[k++] = *q;
        clean[k] = '\0';
        const char *s = clean + (clean[0] == '-' || clean[0] == '+');
        double x = !strcmp(s, ".inf") || !strcmp(s, ".Inf") || !strcmp(s, ".INF") ? INFINITY
                   : s[0] == '.' && (s[1] == 'n' || s[1] == 'N')                   ? NAN
                                                                                  : strtod(s, NULL);
        mpi_py_float(out, clean[0] == '-' ? -x : x);
        break;
    }
    default: mp_buf_puts(out, v); break;
    }
}

/* ---- kfp's to_dict() as JSON: keys sorted, None values left out, optional: false too ---- */

struct pair_ref {
    const char *key;
    yaml_node_t *value;
};

static int cmp_pair(const void *a, const void *b)
{
    return strcmp(((const struct pair_ref *)a)->key, ((const struct pair_ref *)b)->key);
}

static void json_value(yaml_document_t *doc, yaml_node_t *n, struct mp_buf *out, int depth,
                       int *nomem);

static void json_scalar(const yaml_node_t *n, struct mp_buf *out)
{
    switch (mpi_yaml_scalar_kind(n)) {
    case MPI_SC_NULL: mp_buf_puts(out, "null"); return;
    case MPI_SC_BOOL: {
        struct mp_buf b;
        mpi_buf_init(&b);
        mpi_py_str(&b, n);
        mp_buf_puts(out, strcmp(mp_buf_data(&b), "True") ? "false" : "true");
        mpi_buf_release(&b);
        return;
    }
    case MPI_SC_INT: py_int(out, sval(n)); return;
    case MPI_SC_FLOAT: {
        struct mp_buf b;
        mpi_buf_init(&b);
        mpi_py_str(&b, n);
        const char *f = mp_buf_data(&b);
        mp_buf_puts(out, !strcmp(f, "inf") ? "Infinity" : !strcmp(f, "-inf") ? "-Infinity"
                         : !strcmp(f, "nan") ? "NaN" : f);
        mpi_buf_release(&b);
        return;
    }
    default: mp_json_quote(out, sval(n)); return;
    }
}

static void json_value(yaml_document_t *doc, yaml_node_t *n, struct mp_buf *out, int depth,
                       int *nomem)
{
    if (depth > MPI_COMPONENT_MAX_DEPTH)
        return;
    if (n->type == YAML_SCALAR_NODE) {
        json_scalar(n, out);
    } else if (n->type == YAML_SEQUENCE_NODE) {
        mp_buf_putc(out, '[');
        for (yaml_node_item_t *i = n->data.sequence.items.start;
             i < n->data.sequence.items.top; i++) {
            if (i != n->data.sequence.items.start)
                mp_buf_puts(out, ", ");
            json_value(doc, yaml_document_get_node(doc, *i), out, depth + 1, nomem);
        }
        mp_buf_putc(out, ']');
    } else {
        size_t np = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start), k = 0;
        struct pair_ref *v = calloc(np ? np : 1, sizeof(*v));
        if (!v) {
            *nomem = 1;
            return;
        }
        for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
             p++) {
            yaml_node_t *kn = yaml_document_get_node(doc, p->key);
            yaml_node_t *vn = yaml_document_get_node(doc, p->value);
            if (kn->type != YAML_SCALAR_NODE || mpi_yaml_null(vn))
                continue;
            if (!strcmp(sval(kn), "optional") && mpi_yaml_scalar_kind(vn) == MPI_SC_BOOL &&
                strchr("nNfFoO", sval(vn)[0]) && strcmp(sval(vn), "on") &&
                strcmp(sval(vn), "On") && strcmp(sval(vn), "ON"))
                continue; /* the default, which to_dict() leaves out */
            v[k++] = (struct pair_ref){sval(kn), vn};
        }
        qsort(v, k, sizeof(*v), cmp_pair);
        mp_buf_putc(out, '{');
        for (size_t i = 0; i < k; i++) {
            if (i)
                mp_buf_puts(out, ", ");
            mp_json_quote(out, v[i].key);
            mp_buf_puts(out, ": ");
            json_value(doc, v[i].value, out, depth + 1, nomem);
        }
        mp_buf_putc(out, '}');
        free(v);
    }
}

int mpi_component_json(yaml_document_t *doc, yaml_node_t *n, struct mp_buf *out)
{
    int nomem = 0;
    json_value(doc, n, out, 0, &nomem);
    return nomem ? MP_ERR_NOMEM : mp_buf_error(out);
}
