/* SPDX-License-Identifier: MIT */
/* yaml_ref.c: mp_write_yaml() as it was written through libyaml's emitter, kept as the
 * reference that tests/check_yaml_emit.c compares core/write.c's own emitter with. */
#include "config.h"

#include "yaml_ref.h"

#include <stdio.h>
#include <string.h>
#include <yaml.h>

#include "buf.h"
#include "doc.h"
#include "write.h"

static int yaml_out(void *data, unsigned char *buffer, size_t size)
{
    return mp_buf_append(data, buffer, size) == MP_OK;
}

static bool is_scalar(const struct mp_node *n)
{
    return n->kind != MPI_NODE_MAP && n->kind != MPI_NODE_SEQ;
}

static bool all_scalars(const struct mp_node *n)
{
    for (size_t i = 0; i < n->n; i++)
        if (!is_scalar(n->items[i]))
            return false;
    return true;
}

static int emit_scalar(yaml_emitter_t *em, const char *text, bool quote)
{
    yaml_event_t ev;
    yaml_scalar_style_t style = quote ? YAML_SINGLE_QUOTED_SCALAR_STYLE : YAML_ANY_SCALAR_STYLE;
    if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)text, (int)strlen(text),
                                      1, 1, style))
        return MP_ERR_NOMEM;
    return yaml_emitter_emit(em, &ev) ? MP_OK : MP_ERR_INVAL;
}

static int emit_node(yaml_emitter_t *em, const struct mp_node *n)
{
    yaml_event_t ev;
    char num[32];
    switch (n->kind) {
    case MPI_NODE_STR:
        return emit_scalar(em, n->str, mpi_yaml_needs_quotes(n->str));
    case MPI_NODE_INT:
        snprintf(num, sizeof(num), "%lld", n->num);
        return emit_scalar(em, num, false);
    case MPI_NODE_BOOL:
        return emit_scalar(em, n->flag ? "true" : "false", false);
    case MPI_NODE_NULL:
        return emit_scalar(em, "null", false);
    case MPI_NODE_MAP:
    case MPI_NODE_SEQ: {
        bool flow = n->n == 0 || all_scalars(n);
        int ok = n->kind == MPI_NODE_MAP
                     ? yaml_mapping_start_event_initialize(
                           &ev, NULL, NULL, 1, flow ? YAML_FLOW_MAPPING_STYLE
                                                    : YAML_BLOCK_MAPPING_STYLE)
                     : yaml_sequence_start_event_initialize(
                           &ev, NULL, NULL, 1, flow ? YAML_FLOW_SEQUENCE_STYLE
                                                    : YAML_BLOCK_SEQUENCE_STYLE);
        if (!ok || !yaml_emitter_emit(em, &ev))
            return MP_ERR_INVAL;
        for (size_t i = 0; i < n->n; i++) {
            int rc;
            if (n->kind == MPI_NODE_MAP &&
                (rc = emit_scalar(em, n->keys[i], mpi_yaml_needs_quotes(n->keys[i]))) != MP_OK)
                return rc;
            if ((rc = emit_node(em, n->items[i])) != MP_OK)
                return rc;
        }
        ok = n->kind == MPI_NODE_MAP ? yaml_mapping_end_event_initialize(&ev)
                                     : yaml_sequence_end_event_initialize(&ev);
        return (ok && yaml_emitter_emit(em, &ev)) ? MP_OK : MP_ERR_INVAL;
    }
    }
    return MP_ERR_INVAL;
}

int mpt_ref_write_yaml(const struct mp_node *root, struct mp_buf *out)
{
    if (!root || !out || root->doc->err != MP_OK)
        return MP_ERR_INVAL;
    yaml_emitter_t em;
    yaml_event_t ev;
    int rc = MP_ERR_INVAL;
    if (!yaml_emitter_initialize(&em))
        return MP_ERR_NOMEM;
    yaml_emitter_set_output(&em, yaml_out, out);
    yaml_emitter_set_unicode(&em, 1);
    yaml_emitter_set_width(&em, 80);
    yaml_emitter_set_indent(&em, 2);
    if (!yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) ||
        !yaml_emitter_emit(&em, &ev) ||
        !yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1) ||
        !yaml_emitter_emit(&em, &ev))
        goto out;
    if ((rc = emit_node(&em, root)) != MP_OK)
        goto out;
    rc = MP_ERR_INVAL;
    if (!yaml_document_end_event_initialize(&ev, 1) || !yaml_emitter_emit(&em, &ev) ||
        !yaml_stream_end_event_initialize(&ev) || !yaml_emitter_emit(&em, &ev) ||
        !yaml_emitter_flush(&em))
        goto out;
    rc = mp_buf_error(out);
out:
    yaml_emitter_delete(&em);
    return rc;
}
