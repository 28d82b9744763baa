/* SPDX-License-Identifier: MIT */
/* graph_dot.c: the pipeline's DAG as Graphviz DOT (groups as clusters; after, output and
 * artifact edges) or as a text tree for the terminal. */
#include "config.h"

#include <mnistpipe/host.h>
#include <stdint.h>
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

/* The position of @g among the pipeline's groups (its cluster number). */
static size_t group_index(const struct mp_pipeline *p, const struct mp_group *g)
{
    size_t n = mp_pipeline_group_count(p);
    for (size_t i = 0; i < n; i++)
        if (mp_pipeline_group_at(p, i) == g)
            return i;
    return n;
}

/* What a group does, for its label: "when A == B", "for each of [..]", "exit handler". */
static void group_label(const struct mp_group *g, struct mp_buf *b)
{
    if (mp_group_name(g))
        mp_buf_printf(b, "%s: ", mp_group_name(g));
    switch (mp_group_kind(g)) {
    case MP_GROUP_CONDITION:
        mp_buf_printf(b, "when %s %s %s", mp_group_condition_left(g) ? mp_group_condition_left(g)
                                                                     : "?",
                      mp_group_condition_operator(g) ? mp_group_condition_operator(g) : "?",
                      mp_group_condition_right(g) ? mp_group_condition_right(g) : "?");
        break;
    case MP_GROUP_LOOP:
        mp_buf_printf(b, "for each item of %s", mp_group_loop_items(g) ? mp_group_loop_items(g)
                                               : mp_group_loop_source(g) ? mp_group_loop_source(g)
                                                                         : "?");
        if (mp_group_parallelism(g) >= 0)
            mp_buf_printf(b, " (%lld at once)", mp_group_parallelism(g));
        break;
    case MP_GROUP_EXIT_HANDLER:
        mp_buf_puts(b, "exit handler");
        break;
    default:
        mp_buf_puts(b, "graph");
        break;
    }
}

/* The DOT node an edge to or from @name attaches to: the op, or a named group's anchor. */
static void dot_end(const struct mp_pipeline *p, const char *name, struct mp_buf *out,
                    size_t *cluster)
{
    *cluster = SIZE_MAX;
    if (!mp_pipeline_find_op(p, name))
        for (size_t i = 0; i < mp_pipeline_group_count(p); i++) {
            const char *gn = mp_group_name(mp_pipeline_group_at(p, i));
            if (gn && !strcmp(gn, name)) {
                *cluster = i;
                mp_buf_printf(out, "\"group-%zu\"", i);
                return;
            }
        }
    dot_quote(out, name);
}

static void dot_edge(const struct mp_pipeline *p, const char *from, size_t from_group,
                     const char *to, size_t to_group, const char *attrs, struct mp_buf *out)
{
    size_t lt = from_group, lh = to_group;
    mp_buf_puts(out, "  ");
    if (from)
        dot_end(p, from, out, &lt);
    else
        mp_buf_printf(out, "\"group-%zu\"", from_group);
    mp_buf_puts(out, " -> ");
    if (to)
        dot_end(p, to, out, &lh);
    else
        mp_buf_printf(out, "\"group-%zu\"", to_group);
    if (lt == SIZE_MAX && lh == SIZE_MAX && !*attrs) {
        mp_buf_puts(out, ";\n");
        return;
    }
    mp_buf_puts(out, " [");
    if (lt != SIZE_MAX)
        mp_buf_printf(out, "ltail=\"cluster_%zu\"%s", lt, lh != SIZE_MAX || *attrs ? ", " : "");
    if (lh != SIZE_MAX)
        mp_buf_printf(out, "lhead=\"cluster_%zu\"%s", lh, *attrs ? ", " : "");
    mp_buf_printf(out, "%s];\n", attrs);
}

/* A dashed edge for @output of step @from read by step @to, labelled with the output's name;
 * @style starts the attributes. */
static void dot_data_edge(const struct mp_pipeline *p, const char *from, const char *output,
                          const char *to, const char *style, struct mp_buf *out)
{
    struct mp_buf *a = mp_buf_new();
    if (a) {
        mp_buf_puts(a, style);
        mp_buf_puts(a, "label=");
        dot_quote(a, output);
    }
    dot_edge(p, from, SIZE_MAX, to, SIZE_MAX,
             a && !mp_buf_error(a) ? mp_buf_data(a) : "style=dashed", out);
    mp_buf_free(a);
}

static void dot_op(const struct mp_pipeline *p, const struct mp_op *op, const char *indent,
                   struct mp_buf *out)
{
    mp_buf_puts(out, indent);
    dot_quote(out, mp_op_name(op));
    mp_buf_puts(out, " [label=");
    struct mp_buf *label = mp_buf_new();
    if (label)
        mp_buf_printf(label, "%s\n%s%s", mp_op_name(op), mp_op_image(op) ? mp_op_image(op) : "",
                      op == mp_pipeline_exit_op(p) ? "\n(on exit)" : "");
    dot_quote(out, !label || mp_buf_error(label) ? mp_op_name(op) : mp_buf_data(label));
    mp_buf_free(label);
    mp_buf_puts(out, op == mp_pipeline_exit_op(p) ? ", style=\"rounded,dashed\"];\n" : "];\n");
}

/* Group @g as a cluster: its anchor (for edges to and from the group), its ops, its groups. */
static void dot_cluster(const struct mp_pipeline *p, const struct mp_group *g, size_t depth,
                        struct mp_buf *out)
{
    char indent[2 * 66 + 1]; /* the cluster's contents; its braces two columns left */
    size_t w = depth < 64 ? 2 * depth + 4 : 132;
    memset(indent, ' ', w);
    indent[w] = '\0';
    size_t gi = group_index(p, g);
    mp_buf_printf(out, "%.*ssubgraph \"cluster_%zu\" {\n%slabel=", (int)(w - 2), indent, gi,
                  indent);
    struct mp_buf *label = mp_buf_new();
    if (label)
        group_label(g, label);
    dot_quote(out, !label || mp_buf_error(label) ? "group" : mp_buf_data(label));
    mp_buf_free(label);
    mp_buf_printf(out, ";\n%sstyle=%s;\n%s\"group-%zu\" [shape=point, style=invis];\n",
                  indent, mp_group_kind(g) == MP_GROUP_LOOP ? "\"rounded,dashed\"" : "rounded",
                  indent, gi);
    for (size_t i = 0; i < mp_pipeline_op_count(p); i++) {
        const struct mp_op *op = mp_pipeline_op_at(p, i);
        if (mp_op_group(op) == g && op != mp_pipeline_exit_op(p))
            dot_op(p, op, indent, out);
    }
    for (size_t i = 0; i < mp_pipeline_group_count(p) && depth < 64; i++)
        if (mp_group_parent(mp_pipeline_group_at(p, i)) == g)
            dot_cluster(p, mp_pipeline_group_at(p, i), depth + 1, out);
    mp_buf_printf(out, "%.*s}\n", (int)(w - 2), indent);
}

int mp_graph_dot(const struct mp_pipeline *p, struct mp_buf *out, struct mp_error *err)
{
    if (!p || !out || !mp_pipeline_name(p))
        return mp_error_set(err, MP_ERR_INVAL, "no pipeline or buffer");
    mp_buf_puts(out, "digraph ");
    dot_quote(out, mp_pipeline_name(p));
    mp_buf_puts(out, " {\n  rankdir=TB;\n  compound=true;\n"
                "  node [shape=box, style=rounded, fontname=\"sans\"];\n");
    size_t n = mp_pipeline_op_count(p);
    for (size_t i = 0; i < n; i++) {
        const struct mp_op *op = mp_pipeline_op_at(p, i);
        if (!mp_op_group(op) || op == mp_pipeline_exit_op(p))
            dot_op(p, op, "  ", out);
    }
    for (size_t i = 0; i < mp_pipeline_group_count(p); i++)
        if (!mp_group_parent(mp_pipeline_group_at(p, i)))
            dot_cluster(p, mp_pipeline_group_at(p, i), 0, out);
    /* edges: after (solid), values read as strings and files (dashed, labelled) */
    for (size_t i = 0; i < n; i++) {
        const struct mp_op *op = mp_pipeline_op_at(p, i);
        const char *me = mp_op_name(op);
        for (size_t d = 0; d < mp_op_dependency_count(op); d++)
            dot_edge(p, mp_op_dependency_at(op, d), SIZE_MAX, me, SIZE_MAX, "", out);
        for (size_t d = 0; d < mp_op_output_ref_count(op); d++)
            dot_data_edge(p, mp_op_output_ref_step(op, d), mp_op_output_ref_output(op, d), me,
                          "style=dashed, ", out);
        for (size_t d = 0; d < mp_op_input_artifact_count(op); d++)
            dot_data_edge(p, mp_op_input_artifact_step(op, d),
                          mp_op_input_artifact_output(op, d), me,
                          "style=dashed, arrowhead=empty, ", out);
    }
    for (size_t i = 0; i < mp_pipeline_group_count(p); i++) {
        const struct mp_group *g = mp_pipeline_group_at(p, i);
        for (size_t d = 0; d < mp_group_dependency_count(g); d++) {
            const struct mp_group *dg = mp_group_dependency_group(g, d);
            dot_edge(p, mp_group_dependency_op(g, d), dg ? group_index(p, dg) : SIZE_MAX, NULL,
                     i, "", out);
        }
        /* a loop over an output reads it */
        const char *src = mp_group_kind(g) == MP_GROUP_LOOP ? mp_group_loop_source(g) : NULL;
        const char *st = src && !strncmp(src, "{{steps.", 8) ? src + 8 : NULL;
        const char *dot = st ? strchr(st, '.') : NULL;
        if (dot && !strncmp(dot, ".outputs.", 9)) {
            char step[64];
            size_t l = (size_t)(dot - st);
            if (l < sizeof(step)) {
                memcpy(step, st, l);
                step[l] = '\0';
                struct mp_buf *a = mp_buf_new();
                if (a) {
                    mp_buf_puts(a, "style=dashed, label=");
                    mp_buf_putc(a, '"');
                    mp_buf_append(a, dot + 9, strcspn(dot + 9, "}"));
                    mp_buf_putc(a, '"');
                }
                dot_edge(p, step, SIZE_MAX, NULL, i,
                         a && !mp_buf_error(a) ? mp_buf_data(a) : "style=dashed", out);
                mp_buf_free(a);
            }
        }
    }
    mp_buf_puts(out, "}\n");
    int rc = mp_buf_error(out);
    return rc == MP_OK ? MP_OK : mp_error_set(err, rc, "out of memory");
}

/* One op's line: its name, then what it runs after and what it reads. */
static void text_op(const struct mp_op *op, struct mp_buf *out)
{
    mp_buf_puts(out, mp_op_name(op));
    const char *sep = " (";
    for (size_t d = 0; d < mp_op_dependency_count(op); d++, sep = ", ")
        mp_buf_printf(out, "%s%s%s", sep, d ? "" : "after ", mp_op_dependency_at(op, d));
    for (size_t d = 0; d < mp_op_output_ref_count(op); d++, sep = ", ")
        mp_buf_printf(out, "%sreads %s.%s", sep, mp_op_output_ref_step(op, d),
                      mp_op_output_ref_output(op, d));
    for (size_t d = 0; d < mp_op_input_artifact_count(op); d++, sep = ", ")
        mp_buf_printf(out, "%sfile %s.%s", sep, mp_op_input_artifact_step(op, d),
                      mp_op_input_artifact_output(op, d));
    mp_buf_puts(out, *sep == ',' ? ")\n" : "\n");
}

/* The ops, then the groups, directly in @g (NULL: the top), each group with its own. */
static void text_level(const struct mp_pipeline *p, const struct mp_group *g, char *prefix,
                       size_t plen, struct mp_buf *out)
{
    size_t n = mp_pipeline_op_count(p), ng = mp_pipeline_group_count(p), total = 0, k = 0;
    const struct mp_op *exit_op = mp_pipeline_exit_op(p);
    for (size_t i = 0; i < n; i++)
        total += mp_op_group(mp_pipeline_op_at(p, i)) == g && mp_pipeline_op_at(p, i) != exit_op;
    for (size_t i = 0; i < ng; i++)
        total += mp_group_parent(mp_pipeline_group_at(p, i)) == g;
    for (size_t i = 0; i < n; i++) {
        const struct mp_op *op = mp_pipeline_op_at(p, i);
        if (mp_op_group(op) != g || op == exit_op)
            continue;
        mp_buf_printf(out, "%.*s%s", (int)plen, prefix, ++k == total ? "`-- " : "|-- ");
        text_op(op, out);
    }
    for (size_t i = 0; i < ng; i++) {
        const struct mp_group *c = mp_pipeline_group_at(p, i);
        if (mp_group_parent(c) != g)
            continue;
        bool last = ++k == total;
        mp_buf_printf(out, "%.*s%s[", (int)plen, prefix, last ? "`-- " : "|-- ");
        group_label(c, out);
        mp_buf_putc(out, ']');
        const char *sep = " (after ";
        for (size_t d = 0; d < mp_group_dependency_count(c); d++, sep = ", ") {
            const struct mp_group *dg = mp_group_dependency_group(c, d);
            mp_buf_printf(out, "%s%s", sep, dg ? (mp_group_name(dg) ? mp_group_name(dg) : "?")
                                               : mp_group_dependency_op(c, d));
        }
        mp_buf_puts(out, *sep == ',' ? ")\n" : "\n");
        if (plen + 4 >= 256) {
            mp_buf_printf(out, "%.*s    ...\n", (int)plen, prefix);
            continue;
        }
        memcpy(prefix + plen, last ? "    " : "|   ", 4);
        text_level(p, c, prefix, plen + 4, out);
    }
}

int mp_graph_text(const struct mp_pipeline *p, struct mp_buf *out, struct mp_error *err)
{
    if (!p || !out || !mp_pipeline_name(p))
        return mp_error_set(err, MP_ERR_INVAL, "no pipeline or buffer");
    char prefix[256];
    mp_buf_printf(out, "%s\n", mp_pipeline_name(p));
    text_level(p, NULL, prefix, 0, out);
    if (mp_pipeline_exit_op(p)) {
        mp_buf_puts(out, "on exit: ");
        text_op(mp_pipeline_exit_op(p), out);
    }
    int rc = mp_buf_error(out);
    return rc == MP_OK ? MP_OK : mp_error_set(err, rc, "out of memory");
}
