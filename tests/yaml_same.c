/* SPDX-License-Identifier: MIT */
/* yaml_same.c: compare two composed YAML documents (see yaml_same.h). */
#include "config.h"

#include "yaml_same.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "diag.h"
#include "yaml_load_int.h"

static bool same_mark(yaml_mark_t a, yaml_mark_t b)
{
    return a.index == b.index && a.line == b.line && a.column == b.column;
}

static const char *mark_diff(const char *what, long node, yaml_mark_t a, yaml_mark_t b,
                             char *why, size_t cap)
{
    snprintf(why, cap, "%s of node %ld: %zu/%zu:%zu, not %zu/%zu:%zu", what, node, a.index,
             a.line + 1, a.column + 1, b.index, b.line + 1, b.column + 1);
    return why;
}

const char *mpt_yaml_doc_diff(const yaml_document_t *a, const yaml_document_t *b, char *why,
                              size_t cap)
{
    if (a->start_implicit != b->start_implicit || a->end_implicit != b->end_implicit)
        return snprintf(why, cap, "implicit document start or end"), why;
    if (!same_mark(a->start_mark, b->start_mark))
        return mark_diff("document start", 0, a->start_mark, b->start_mark, why, cap);
    if (!same_mark(a->end_mark, b->end_mark))
        return mark_diff("document end", 0, a->end_mark, b->end_mark, why, cap);
    if (a->nodes.top - a->nodes.start != b->nodes.top - b->nodes.start)
        return snprintf(why, cap, "%ld nodes, not %ld", (long)(a->nodes.top - a->nodes.start),
                        (long)(b->nodes.top - b->nodes.start)), why;
    for (const yaml_node_t *x = a->nodes.start, *y = b->nodes.start; x < a->nodes.top;
         x++, y++) {
        long id = (long)(x - a->nodes.start) + 1;
        if (x->type != y->type)
            return snprintf(why, cap, "type of node %ld", id), why;
        if (strcmp((const char *)x->tag, (const char *)y->tag))
            return snprintf(why, cap, "tag of node %ld", id), why;
        if (!same_mark(x->start_mark, y->start_mark))
            return mark_diff("start", id, x->start_mark, y->start_mark, why, cap);
        if (!same_mark(x->end_mark, y->end_mark))
            return mark_diff("end", id, x->end_mark, y->end_mark, why, cap);
        if (x->type == YAML_SCALAR_NODE) {
            if (x->data.scalar.style != y->data.scalar.style)
                return snprintf(why, cap, "style of scalar %ld", id), why;
            if (x->data.scalar.length != y->data.scalar.length ||
                memcmp(x->data.scalar.value, y->data.scalar.value, x->data.scalar.length) ||
                x->data.scalar.value[x->data.scalar.length] != '\0')
                return snprintf(why, cap, "value of scalar %ld: '%.*s', not '%.*s'", id,
                                (int)x->data.scalar.length, (const char *)x->data.scalar.value,
                                (int)y->data.scalar.length, (const char *)y->data.scalar.value),
                       why;
        } else if (x->type == YAML_SEQUENCE_NODE) {
            size_t n = (size_t)(x->data.sequence.items.top - x->data.sequence.items.start);
            if (x->data.sequence.style != y->data.sequence.style)
                return snprintf(why, cap, "style of list %ld", id), why;
            if (n != (size_t)(y->data.sequence.items.top - y->data.sequence.items.start) ||
                (n && memcmp(x->data.sequence.items.start, y->data.sequence.items.start,
                             n * sizeof(yaml_node_item_t))))
                return snprintf(why, cap, "items of list %ld", id), why;
        } else {
            size_t n = (size_t)(x->data.mapping.pairs.top - x->data.mapping.pairs.start);
            if (x->data.mapping.style != y->data.mapping.style)
                return snprintf(why, cap, "style of mapping %ld", id), why;
            if (n != (size_t)(y->data.mapping.pairs.top - y->data.mapping.pairs.start) ||
                (n && memcmp(x->data.mapping.pairs.start, y->data.mapping.pairs.start,
                             n * sizeof(yaml_node_pair_t))))
                return snprintf(why, cap, "pairs of mapping %ld", id), why;
        }
    }
    return NULL;
}

const char *mpt_yaml_fast_check(const char *data, size_t len, char *why, size_t cap)
{
    yaml_document_t fast, ref;
    if (!mpi_yl_fast_parse(data, len, &fast))
        return NULL;
    struct mp_diags *d = mp_diags_new();
    const char *r = NULL;
    if (!d) {
        r = "out of memory";
    } else if (!mpi_yl_parse_events(d, data, len, &ref)) {
        snprintf(why, cap, "taken, but the libyaml path fails: %s",
                 mp_diags_count(d) ? mp_diag_message(d, 0) : "?");
        r = why;
    } else {
        r = mpt_yaml_doc_diff(&fast, &ref, why, cap);
        mpi_yl_doc_free(&ref);
    }
    mpi_yl_doc_free(&fast);
    mp_diags_free(d);
    return r;
}
