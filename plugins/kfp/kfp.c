/* SPDX-License-Identifier: MIT */
/* kfp.c: output plugin writing the Kubeflow Pipelines package: pipeline.yaml in a .tar.gz or
 * .zip, or the bare .yaml, chosen by the output file's extension as kfp's compiler does. */
#include "config.h"

#include <mnistpipe/plugin.h>

static int kfp_emit(const struct mp_pipeline *p, const struct mp_plugin_ctx *ctx,
                    const char *path, struct mp_buf *out, struct mp_error *err)
{
    enum mp_package_format fmt = mp_package_format_for(path);
    if (fmt == MP_PACKAGE_NONE)
        return mp_error_set(err, MP_ERR_USAGE,
                            "output '%s': unknown package type (expected a name ending in "
                            ".tar.gz, .tgz, .zip, .yaml or .yml)",
                            path ? path : "");
    struct mp_doc *doc = mp_doc_new();
    struct mp_buf *yaml = mp_buf_new();
    struct mp_node *wf;
    int rc = MP_ERR_NOMEM;
    if (!doc || !yaml) {
        mp_error_set(err, rc, "out of memory");
        goto out;
    }
    if ((rc = mp_workflow_build(p, mp_ctx_option(ctx, "stamp"), doc, &wf, err)) != MP_OK ||
        (rc = mp_write_yaml(wf, yaml, err)) != MP_OK)
        goto out;
    rc = mp_package_build(fmt, "pipeline.yaml", mp_buf_data(yaml), mp_buf_len(yaml), out, err);
out:
    mp_buf_free(yaml);
    mp_doc_free(doc);
    return rc;
}

static const struct mp_output_ops kfp_ops = {
    .size = sizeof(struct mp_output_ops),
    .emit = kfp_emit,
    .default_output = ".tar.gz",
};

static const struct mp_plugin_desc kfp_desc = {
    .abi_major = MP_PLUGIN_ABI_MAJOR,
    .abi_minor = MP_PLUGIN_ABI_MINOR,
    .name = "kfp",
    .kind = MP_PLUGIN_OUTPUT,
    .version = PACKAGE_VERSION,
    .summary = "Kubeflow Pipelines: package pipeline.yaml (.tar.gz, .tgz, .zip, .yaml)",
    .output = &kfp_ops,
};

MP_PLUGIN_EXPORT const struct mp_plugin_desc *mp_plugin_describe(void)
{
    return &kfp_desc;
}
