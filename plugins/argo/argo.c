/* SPDX-License-Identifier: MIT */
/* argo.c: output plugin writing the Argo Workflow itself, as YAML (or JSON for *.json). */
#include "config.h"

#include <mnistpipe/plugin.h>
#include <string.h>

static bool argo_is_json(const char *path)
{
    size_t n = path ? strlen(path) : 0;
    return n >= 5 && strcmp(path + n - 5, ".json") == 0;
}

static int argo_emit(const struct mp_pipeline *p, const struct mp_plugin_ctx *ctx,
                     const char *path, struct mp_buf *out, struct mp_error *err)
{
    struct mp_doc *doc = mp_doc_new();
    struct mp_node *wf;
    if (!doc)
        return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
    int rc = mp_workflow_build(p, mp_ctx_option(ctx, "stamp"), doc, &wf, err);
    if (rc == MP_OK) {
        if (argo_is_json(path)) {
            rc = mp_write_json(wf, 2, out, err);
            if (rc == MP_OK)
                rc = mp_buf_putc(out, '\n');
        } else {
            rc = mp_write_yaml(wf, out, err);
        }
    }
    mp_doc_free(doc);
    return rc;
}

static const struct mp_output_ops argo_ops = {
    .size = sizeof(struct mp_output_ops),
    .emit = argo_emit,
    .default_output = ".yaml",
};

static const struct mp_plugin_desc argo_desc = {
    .abi_major = MP_PLUGIN_ABI_MAJOR,
    .abi_minor = MP_PLUGIN_ABI_MINOR,
    .name = "argo",
    .kind = MP_PLUGIN_OUTPUT,
    .version = PACKAGE_VERSION,
    .summary = "Argo Workflows: write the Workflow as YAML (JSON for *.json)",
    .output = &argo_ops,
};

MP_PLUGIN_EXPORT const struct mp_plugin_desc *mp_plugin_describe(void)
{
    return &argo_desc;
}
