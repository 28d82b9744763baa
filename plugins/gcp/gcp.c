/* SPDX-License-Identifier: MIT */
/* gcp.c: platform plugin for Google Cloud: kfp's use_gcp_secret on every op, gs:// checks. */
#include "config.h"

#include <mnistpipe/plugin.h>
#include <stdio.h>
#include <string.h>

#define GCP_DEFAULT_SECRET "user-gcp-sa"
#define GCP_MOUNT_PATH "/secret/gcp-credentials"

static const struct mp_plugin_option gcp_options[] = {
    {"secret", "NAME", "Kubernetes secret with the service-account key (default user-gcp-sa)"},
    {0}};

/* A Cloud Storage bucket name: 3-63 of [a-z0-9-_.], starting and ending with a letter or
 * digit (names with dots may be longer, up to 222, in 63-character parts). */
static bool gcp_bucket_valid(const char *b, size_t n)
{
    if (n < 3 || n > 222)
        return false;
    size_t part = 0;
    for (size_t i = 0; i < n; i++) {
        char c = b[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && c != '-' && c != '_' && c != '.')
            return false;
        part = c == '.' ? 0 : part + 1;
        if (part > 63)
            return false;
    }
    bool first = (b[0] >= 'a' && b[0] <= 'z') || (b[0] >= '0' && b[0] <= '9');
    bool last = (b[n - 1] >= 'a' && b[n - 1] <= 'z') || (b[n - 1] >= '0' && b[n - 1] <= '9');
    return first && last;
}

/* A parameter default that starts like a gs:// URL must be one: gs://BUCKET[/OBJECT]. */
static int gcp_check_url(const char *param, const char *value, struct mp_error *err)
{
    if (strncmp(value, "gs:", 3) != 0)
        return MP_OK;
    if (strncmp(value, "gs://", 5) != 0)
        return mp_error_set(err, MP_ERR_VALIDATE,
                            "parameter '%s': '%s' is not a gs:// URL (expected gs://BUCKET/PATH)",
                            param, value);
    const char *bucket = value + 5;
    const char *slash = strchr(bucket, '/');
    size_t n = slash ? (size_t)(slash - bucket) : strlen(bucket);
    if (!gcp_bucket_valid(bucket, n))
        return mp_error_set(err, MP_ERR_VALIDATE,
                            "parameter '%s': '%.*s' in '%s' is not a valid bucket name "
                            "(expected 3-63 lower-case letters, digits, '-', '_' or '.', "
                            "starting and ending with a letter or digit)",
                            param, (int)n, bucket, value);
    if (slash && strstr(slash, "//"))
        return mp_error_set(err, MP_ERR_VALIDATE,
                            "parameter '%s': '%s' has an empty path segment", param, value);
    return MP_OK;
}

static int gcp_transform(struct mp_pipeline *p, const struct mp_plugin_ctx *ctx,
                         struct mp_error *err)
{
    const char *secret = mp_ctx_option(ctx, "secret");
    if (!secret)
        secret = GCP_DEFAULT_SECRET;
    if (!*secret)
        return mp_error_set(err, MP_ERR_USAGE, "--secret needs a secret name");
    for (size_t i = 0; i < mp_pipeline_param_count(p); i++) {
        const struct mp_param *param = mp_pipeline_param_at(p, i);
        const char *def = mp_param_default(param);
        int rc = def ? gcp_check_url(mp_param_name(param), def, err) : MP_OK;
        if (rc != MP_OK)
            return rc;
    }
    /* kfp's use_gcp_secret(secret_name): volume gcp-credentials-<secret>, mounted at
     * /secret/gcp-credentials, the key file <secret>.json named by two variables. */
    char volume[128], keyfile[256];
    if ((size_t)snprintf(volume, sizeof(volume), "gcp-credentials-%s", secret) >= sizeof(volume) ||
        (size_t)snprintf(keyfile, sizeof(keyfile), "%s/%s.json", GCP_MOUNT_PATH, secret) >=
            sizeof(keyfile))
        return mp_error_set(err, MP_ERR_INVAL, "--secret '%s' is too long", secret);
    for (size_t i = 0; i < mp_pipeline_op_count(p); i++) {
        struct mp_op *op = mp_pipeline_op_at(p, i);
        int rc;
        if ((rc = mp_op_add_volume(op, volume, MP_VOLUME_SECRET, secret, err)) != MP_OK ||
            (rc = mp_op_add_volume_mount(op, volume, GCP_MOUNT_PATH, false, err)) != MP_OK ||
            (rc = mp_op_add_env(op, "GOOGLE_APPLICATION_CREDENTIALS", keyfile, err)) != MP_OK ||
            (rc = mp_op_add_env(op, "CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE", keyfile, err)) !=
                MP_OK)
            return rc;
    }
    return MP_OK;
}

static const struct mp_platform_ops gcp_ops = {
    .size = sizeof(struct mp_platform_ops),
    .transform = gcp_transform,
};

static const struct mp_plugin_desc gcp_desc = {
    .abi_major = MP_PLUGIN_ABI_MAJOR,
    .abi_minor = MP_PLUGIN_ABI_MINOR,
    .name = "gcp",
    .kind = MP_PLUGIN_PLATFORM,
    .version = PACKAGE_VERSION,
    .summary = "Google Cloud: mount the GCP service-account secret in every step",
    .options = gcp_options,
    .platform = &gcp_ops,
};

MP_PLUGIN_EXPORT const struct mp_plugin_desc *mp_plugin_describe(void)
{
    return &gcp_desc;
}
