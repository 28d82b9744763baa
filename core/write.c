/* SPDX-License-Identifier: MIT */
/* write.c: YAML 1.1 implicit-type quoting (for core/yaml_emit.c) and the JSON writer. */
#include "config.h"

#include "write.h"

#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "doc.h"

/* ---- YAML 1.1 implicit types (PyYAML's resolver, plus Go yaml.v2's y/n) ---- */

static const char *const bool_words[] = {
    "yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE",
    "on", "On", "ON", "off", "Off", "OFF", "y", "Y", "n", "N", "null", "Null", "NULL", "~",
    "<<", "=", NULL};

/* Tiny matchers for YAML 1.1's implicit number and date forms (PyYAML's resolver regexes),
 * written out by hand: they run for every scalar, and a regcomp() per call cost more than the
 * rest of a compile. The number matchers take the text after an optional sign. */
static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool all_of(const char *s, const char *set, bool nonempty)
{
    if (nonempty && !*s)
        return false;
    for (; *s; s++)
        if (!strchr(set, *s))
            return false;
    return true;
}

/* (:[0-5]?[0-9])* sexagesimal groups; returns what follows them. */
static const char *sexagesimal(const char *s, bool *had_group)
{
    *had_group = false;
    while (*s == ':') {
        const char *g = s + 1;
        if (is_digit(g[0]) && is_digit(g[1]) && g[0] <= '5')
            g += 2;
        else if (is_digit(g[0]) && !is_digit(g[1]))
            g += 1;
        else
            break;
        s = g;
        *had_group = true;
    }
    return s;
}

static bool yaml11_int(const char *s)
{
    if (s[0] == '0' && s[1] == 'b')
        return all_of(s + 2, "01_", true);
    if (s[0] == '0' && s[1] == 'x')
        return all_of(s + 2, "0123456789abcdefABCDEF_", true);
    if (s[0] == '0')
        return all_of(s + 1, "01234567_", false);
    if (!is_digit(s[0]))
        return false;
    const char *p = s + 1;
    while (is_digit(*p) || *p == '_')
        p++;
    if (!*p)
        return true;
    bool group;
    p = sexagesimal(p, &group);
    return group && !*p;
}

static bool yaml11_float(const char *s)
{
    if (strcmp(s, ".inf") == 0 || strcmp(s, ".Inf") == 0 || strcmp(s, ".INF") == 0)
        return true;
    const char *p = s;
    bool lead = is_digit(*p);
    while (is_digit(*p) || (lead && *p == '_'))
        p++;
    bool group = false;
    if (lead && *p == ':')
        p = sexagesimal(p, &group);
    if (*p == '.') {
        p++;
        while (is_digit(*p) || *p == '_')
            p++;
        if (group || !*p)
            return !*p;
        /* [eE][-+][0-9]+: PyYAML wants a signed exponent after a dot */
        if ((*p == 'e' || *p == 'E') && (p[1] == '-' || p[1] == '+'))
            return all_of(p + 2, "0123456789", true);
        return false;
    }
    /* 1e5, 1E-3: the JSON / YAML 1.2 form that Go's decoder reads as a number */
    if (lead && !group && (*p == 'e' || *p == 'E')) {
        p++;
        if (*p == '-' || *p == '+')
            p++;
        return all_of(p, "0123456789", true);
    }
    return false;
}

/* [0-9]{4}-[0-9]{1,2}-[0-9]{1,2} at the start: a date, or the start of a date-time. */
static bool yaml11_timestamp(const char *s)
{
    for (int i = 0; i < 4; i++)
        if (!is_digit(s[i]))
            return false;
    const char *p = s + 4;
    for (int part = 0; part < 2; part++) {
        if (*p != '-' || !is_digit(p[1]))
            return false;
        p += is_digit(p[2]) ? 3 : 2;
    }
    return true;
}

bool mpi_yaml_needs_quotes(const char *s)
{
    if (!*s)
        return true;
    /* Every word of the list starts with one of these, and is at most 5 bytes long: most
     * scalars skip the list (this runs for every key and value written). */
    if (strchr("yYnNtTfFoO~<=", s[0]) && strnlen(s, 6) <= 5)
        for (const char *const *w = bool_words; *w; w++)
            if (strcmp(s, *w) == 0)
                return true;
    if (s[0] == '.' &&
        (strcmp(s, ".nan") == 0 || strcmp(s, ".NaN") == 0 || strcmp(s, ".NAN") == 0))
        return true;
    const char *body = (s[0] == '-' || s[0] == '+') ? s + 1 : s;
    return yaml11_int(body) || yaml11_float(body) || yaml11_timestamp(s);
}

/* ---- JSON ---- */

/* Decode one UTF-8 sequence at @s; returns its length (1 for a stray byte, taken as U+FFFD). */
static size_t utf8_decode(const unsigned char *s, unsigned *cp)
{
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    int len = (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3 : (s[0] & 0xf8) == 0xf0 ? 4 : 0;
    unsigned v = len == 2 ? s[0] & 0x1f : len == 3 ? s[0] & 0x0f : s[0] & 0x07;
    for (int i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            len = 0;
            break;
        }
        v = (v << 6) | (s[i] & 0x3f);
    }
    if (len == 0 || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) {
        *cp = 0xfffd;
        return 1;
    }
    *cp = v;
    return (size_t)len;
}

int mp_json_quote(struct mp_buf *out, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    mp_buf_putc(out, '"');
    while (*p) {
        unsigned cp;
        size_t n = utf8_decode(p, &cp);
        p += n;
        switch (cp) {
        case '"': mp_buf_puts(out, "\\\""); break;
        case '\\': mp_buf_puts(out, "\\\\"); break;
        case '\n': mp_buf_puts(out, "\\n"); break;
        case '\r': mp_buf_puts(out, "\\r"); break;
        case '\t': mp_buf_puts(out, "\\t"); break;
        case '\b': mp_buf_puts(out, "\\b"); break;
        case '\f': mp_buf_puts(out, "\\f"); break;
        default:
            if (cp < 0x20 || (cp >= 0x7f && cp < 0x10000))
                mp_buf_printf(out, "\\u%04x", cp);
            else if (cp >= 0x10000)
                mp_buf_printf(out, "\\u%04x\\u%04x", 0xd800 + ((cp - 0x10000) >> 10),
                              0xdc00 + ((cp - 0x10000) & 0x3ff));
            else
                mp_buf_putc(out, (char)cp);
        }
    }
    mp_buf_putc(out, '"');
    return mp_buf_error(out);
}

static void json_newline(struct mp_buf *out, int indent, int depth)
{
    if (indent <= 0)
        return;
    mp_buf_putc(out, '\n');
    for (int i = 0; i < indent * depth; i++)
        mp_buf_putc(out, ' ');
}

static void json_node(const struct mp_node *n, int indent, int depth, struct mp_buf *out)
{
    const char *comma = indent < 0 ? ", " : ",";
    const char *colon = indent != 0 ? ": " : ":";
    switch (n->kind) {
    case MPI_NODE_STR: mp_json_quote(out, n->str); return;
    case MPI_NODE_INT: mp_buf_printf(out, "%lld", n->num); return;
    case MPI_NODE_BOOL: mp_buf_puts(out, n->flag ? "true" : "false"); return;
    case MPI_NODE_NULL: mp_buf_puts(out, "null"); return;
    case MPI_NODE_MAP:
    case MPI_NODE_SEQ: {
        bool map = n->kind == MPI_NODE_MAP;
        mp_buf_putc(out, map ? '{' : '[');
        for (size_t i = 0; i < n->n; i++) {
            if (i)
                mp_buf_puts(out, comma);
            json_newline(out, indent, depth + 1);
            if (map) {
                mp_json_quote(out, n->keys[i]);
                mp_buf_puts(out, colon);
            }
            json_node(n->items[i], indent, depth + 1, out);
        }
        if (n->n)
            json_newline(out, indent, depth);
        mp_buf_putc(out, map ? '}' : ']');
        return;
    }
    }
}

int mp_write_json(const struct mp_node *root, int indent, struct mp_buf *out,
                  struct mp_error *err)
{
    if (!root || !out)
        return mp_error_set(err, MP_ERR_INVAL, "mp_write_json: NULL argument");
    if (root->doc->err != MP_OK)
        return mp_error_set(err, root->doc->err, "document is incomplete: %s",
                            mp_strerror(root->doc->err));
    json_node(root, indent, 0, out);
    if (mp_buf_error(out) != MP_OK)
        return mp_error_set(err, mp_buf_error(out), "writing JSON: %s",
                            mp_strerror(mp_buf_error(out)));
    return MP_OK;
}
