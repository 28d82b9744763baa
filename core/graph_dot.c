/* SPDX-License-Identifier: MIT */
/* graph_dot.c: the pipeline's DAG as Graphviz DOT or as a text tree for the terminal. */
#include "config.h"

#include <mnistpipe/host.h>
#include <stdlib.h>
#include <string.h>

/* A DOT double-quoted string: backslash and quote escaped, newlines as \n. */
static void dot_quote(struct mp_buf *out, const char *s)
{
    mp_buf_putc(out, '"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            mp_buf_putc(out, '\\');
        if (*s == '\n')
            mp_buf_puts(out, "\\n");
        else
            mp_buf_putc(out, *s);
    }
    mp_buf_putc(out, '"');
}

int mp_graph_dot(const struct mp_pipeline *p, struct mp_buf *out, struct mp_error *err)
{
    if (!p || !out || !mp_pipeline_name(p))
        return mp_error_set(err, MP_ERR_INVAL, "no pipeline or buffer");
    mp_buf_puts(out, "digraph ");
    dot_quote(out, mp_pipeline_name(p));
    mp_buf_puts(out, " {\n  rankdir=TB;\n  node [shape=box, style=rounded, fontname=\"sans\"];\n");
    size_t n = mp_pipeline_op_count(p);
    for (size_t i = 0; i < n; i++) {
        const struct mp_op *op = mp_pipeline_op_at(p, i);
        mp_buf_puts(out, "  ");
        dot_quote(out, mp_op_name(op));
        mp_buf_puts(out, " [label=");
        struct mp_buf *label = mp_buf_new();
        if (!label)
            return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
        mp_buf_printf(label, "%s\n%s", mp_op_name(op), mp_op_image(op) ? mp_op_image(op) : "");
        dot_quote(out, mp_buf_error(label) ? mp_op_name(op) : mp_buf_data(label));
        mp_buf_free(label);
        mp_buf_puts(out, "];\n");
    }
    for (size_t i = 0; i < n; i++) {
        const struct mp_op *op = mp_pipeline_op_at(p, i);
        for (size_t d = 0; d < mp_op_dependency_count(op); d++) {
            mp_buf_puts(out, "  ");
            dot_quote(out, mp_op_dependency_at(op, d));
            mp_buf_puts(out, " -> ");
            dot_quote(out, mp_op_name(op));
            mp_buf_puts(out, ";\n");
        }
    }
    mp_buf_puts(out, "}\n");
    int rc = mp_buf_error(out);
    return rc == MP_OK ? MP_OK : mp_error_set(err, rc, "out of memory");
}

/* Children of @op: the ops that run after it, in declaration order. @seen marks ops already
 * expanded, so a diamond prints the shared op's subtree once; @depth bounds the walk. */
static void text_tree(const struct mp_pipeline *p, const struct mp_op *op, unsigned char *seen,
                      char *prefix, size_t plen, size_t depth, struct mp_buf *out)
{
    size_t n = mp_pipeline_op_count(p), last = n;
    for (size_t i = 0; i < n; i++) {
        const struct mp_op *c = mp_pipeline_op_at(p, i);
        for (size_t d = 0; d < mp_op_dependency_count(c); d++)
            if (!strcmp(mp_op_dependency_at(c, d), mp_op_name(op)))
                last = i;
    }
    for (size_t i = 0; i < n && last < n; i++) {
        const struct mp_op *c = mp_pipeline_op_at(p, i);
        bool child = false;
        for (size_t d = 0; d < mp_op_dependency_count(c); d++)
            child = child || !strcmp(mp_op_dependency_at(c, d), mp_op_name(op));
        if (!child)
            continue;
        mp_buf_printf(out, "%.*s%s%s", (int)plen, prefix, i == last ? "`-- " : "|-- ",
                      mp_op_name(c));
        if (seen[i] || depth >= n || plen + 4 >= 256) {
            mp_buf_puts(out, seen[i] ? " (see above)\n" : " ...\n");
            continue;
        }
        seen[i] = 1;
        mp_buf_putc(out, '\n');
        memcpy(prefix + plen, i == last ? "    " : "|   ", 4);
        text_tree(p, c, seen, prefix, plen + 4, depth + 1, out);
    }
}

int mp_graph_text(const struct mp_pipeline *p, struct mp_buf *out, struct mp_error *err)
{
    if (!p || !out || !mp_pipeline_name(p))
        return mp_error_set(err, MP_ERR_INVAL, "no pipeline or buffer");
    size_t n = mp_pipeline_op_count(p);
    unsigned char *seen = calloc(n ? n : 1, 1);
    char prefix[256];
    if (!seen)
        return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
    mp_buf_printf(out, "%s\n", mp_pipeline_name(p));
    for (size_t i = 0; i < n; i++) {
        const struct mp_op *op = mp_pipeline_op_at(p, i);
        if (mp_op_dependency_count(op) != 0)
            continue;
        seen[i] = 1;
        mp_buf_printf(out, "%s\n", mp_op_name(op));
        text_tree(p, op, seen, prefix, 0, 0, out);
    }
    free(seen);
    int rc = mp_buf_error(out);
    return rc == MP_OK ? MP_OK : mp_error_set(err, rc, "out of memory");
}
