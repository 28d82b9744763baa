/* SPDX-License-Identifier: MIT */
/* onprem.c: platform plugin for on-prem clusters: kfp's mount_pvc(pvc_name, 'local-storage',
 * '/mnt') on every op, the claim name taken from the pvc_name parameter. */
#include "config.h"

#include <mnistpipe/plugin.h>
#include <string.h>

#define ONPREM_PARAM "pvc_name"
#define ONPREM_VOLUME "local-storage"
#define ONPREM_MOUNT "/mnt"

static const struct mp_plugin_option onprem_options[] = {
    {"pvc", "NAME", "PersistentVolumeClaim mounted at /mnt (the pvc_name parameter's default)"},
    {0}};

/* A claim name is a Kubernetes object name (RFC 1123 subdomain). */
static bool onprem_claim_valid(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 253)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && !((c == '-' || c == '.') && i > 0 && i + 1 < n))
            return false;
    }
    return true;
}

static int onprem_transform(struct mp_pipeline *p, const struct mp_plugin_ctx *ctx,
                            struct mp_error *err)
{
    const char *pvc = mp_ctx_option(ctx, "pvc");
    if (pvc && !onprem_claim_valid(pvc))
        return mp_error_set(err, MP_ERR_USAGE,
                            "--pvc '%s' is not a valid claim name (expected lower-case letters, "
                            "digits, '-' and '.', starting and ending with a letter or digit)",
                            pvc);
    struct mp_param *param = mp_pipeline_find_param(p, ONPREM_PARAM);
    const char *claim;
    if (param) {
        int rc;
        if (pvc && (rc = mp_param_set_default(param, pvc, err)) != MP_OK)
            return rc;
        const char *def = mp_param_default(param);
        if (!def || !*def)
            mp_ctx_warn(ctx, "the claim name (parameter %s) is empty: give --pvc NAME now, or "
                             "-p %s=NAME when the pipeline runs",
                        ONPREM_PARAM, ONPREM_PARAM);
        claim = "{{params." ONPREM_PARAM "}}";
    } else if (pvc) {
        claim = pvc;
    } else {
        return mp_error_set(err, MP_ERR_USAGE,
                            "no claim to mount: the pipeline has no '%s' parameter, so give "
                            "--pvc NAME",
                            ONPREM_PARAM);
    }
    for (size_t i = 0; i < mp_pipeline_op_count(p); i++) {
        struct mp_op *op = mp_pipeline_op_at(p, i);
        int rc;
        if ((rc = mp_op_add_volume(op, ONPREM_VOLUME, MP_VOLUME_PVC, claim, err)) != MP_OK ||
            (rc = mp_op_add_volume_mount(op, ONPREM_VOLUME, ONPREM_MOUNT, false, err)) != MP_OK)
            return rc;
    }
    return MP_OK;
}

static const struct mp_platform_ops onprem_ops = {
    .size = sizeof(struct mp_platform_ops),
    .transform = onprem_transform,
};

static const struct mp_plugin_desc onprem_desc = {
    .abi_major = MP_PLUGIN_ABI_MAJOR,
    .abi_minor = MP_PLUGIN_ABI_MINOR,
    .name = "onprem",
    .kind = MP_PLUGIN_PLATFORM,
    .version = PACKAGE_VERSION,
    .summary = "On-prem Kubernetes: mount a PersistentVolumeClaim at /mnt in every step",
    .options = onprem_options,
    .platform = &onprem_ops,
};

MP_PLUGIN_EXPORT const struct mp_plugin_desc *mp_plugin_describe(void)
{
    return &onprem_desc;
}
