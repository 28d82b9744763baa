/* SPDX-License-Identifier: MIT */
/* hello.c: an out-of-tree platform plugin, built only against the installed headers and
 * pkg-config. It labels every step with a greeting and refuses steps without an image tag. */
#include <mnistpipe/plugin.h>
#include <string.h>

static const struct mp_plugin_option hello_options[] = {
    {"greeting", "TEXT", "label value put on every step (default: hello)"},
    {"require-tags", NULL, "refuse images without an explicit tag or digest"},
    {0}};

static int hello_transform(struct mp_pipeline *p, const struct mp_plugin_ctx *ctx,
                           struct mp_error *err)
{
    const char *greeting = mp_ctx_option(ctx, "greeting");
    bool require_tags = mp_ctx_option(ctx, "require-tags") != NULL;
    for (size_t i = 0; i < mp_pipeline_op_count(p); i++) {
        struct mp_op *op = mp_pipeline_op_at(p, i);
        const char *image = mp_op_image(op);
        const char *last = strrchr(image, '/');
        last = last ? last + 1 : image;
        if (require_tags && !strchr(last, ':') && !strchr(last, '@'))
            return mp_error_set(err, MP_ERR_VALIDATE, "op '%s': image '%s' has no tag",
                                mp_op_name(op), image);
        int rc = mp_op_set_label(op, "example.com/greeting", greeting ? greeting : "hello", err);
        if (rc != MP_OK)
            return rc;
    }
    return MP_OK;
}

static const struct mp_platform_ops hello_ops = {
    .size = sizeof(struct mp_platform_ops),
    .transform = hello_transform,
};

static const struct mp_plugin_desc hello_desc = {
    .abi_major = MP_PLUGIN_ABI_MAJOR,
    .abi_minor = MP_PLUGIN_ABI_MINOR,
    .name = "hello",
    .kind = MP_PLUGIN_PLATFORM,
    .version = "1.0.0",
    .summary = "example: label every step with a greeting",
    .options = hello_options,
    .platform = &hello_ops,
};

MP_PLUGIN_EXPORT const struct mp_plugin_desc *mp_plugin_describe(void)
{
    return &hello_desc;
}
