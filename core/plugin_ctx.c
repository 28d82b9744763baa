/* SPDX-License-Identifier: MIT */
/* plugin_ctx.c: options, parameters, arguments and printing for plugin ops. */
#include "config.h"

#include "plugin_ctx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

#define CTX_MAGIC 0x43545821u

static const struct mp_plugin_ctx *ctx_check(const struct mp_plugin_ctx *ctx)
{
    return (ctx && ctx->magic == CTX_MAGIC) ? ctx : NULL;
}

struct mp_plugin_ctx *mp_ctx_new(mp_print_fn print, void *user)
{
    struct mp_plugin_ctx *ctx = calloc(1, sizeof(*ctx));
    if (!ctx)
        return NULL;
    ctx->magic = CTX_MAGIC;
    ctx->print = print;
    ctx->print_user = user;
    return ctx;
}

static void free_pairs(struct mpi_pair *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].name);
        free(v[i].value);
    }
    free(v);
}

void mp_ctx_free(struct mp_plugin_ctx *ctx)
{
    if (!ctx_check(ctx))
        return;
    free_pairs(ctx->options, ctx->noptions);
    free_pairs(ctx->params, ctx->nparams);
    for (size_t i = 0; i < ctx->nargs; i++)
        free(ctx->args[i]);
    free(ctx->args);
    ctx->magic = 0;
    free(ctx);
}

static int pair_push(struct mpi_pair **v, size_t *n, const char *name, const char *value)
{
    struct mpi_pair *nv = realloc(*v, (*n + 1) * sizeof(**v));
    if (!nv)
        return MP_ERR_NOMEM;
    *v = nv;
    char *a = strdup(name), *b = strdup(value);
    if (!a || !b) {
        free(a);
        free(b);
        return MP_ERR_NOMEM;
    }
    nv[*n].name = a;
    nv[*n].value = b;
    (*n)++;
    return MP_OK;
}

int mp_ctx_set_option(struct mp_plugin_ctx *ctx, const char *name, const char *value)
{
    if (!ctx_check(ctx) || !name || !value)
        return MP_ERR_INVAL;
    for (size_t i = 0; i < ctx->noptions; i++)
        if (strcmp(ctx->options[i].name, name) == 0) {
            char *v = strdup(value);
            if (!v)
                return MP_ERR_NOMEM;
            free(ctx->options[i].value);
            ctx->options[i].value = v;
            return MP_OK;
        }
    return pair_push(&ctx->options, &ctx->noptions, name, value);
}

int mp_ctx_add_param(struct mp_plugin_ctx *ctx, const char *name, const char *value)
{
    if (!ctx_check(ctx) || !name || !value)
        return MP_ERR_INVAL;
    return pair_push(&ctx->params, &ctx->nparams, name, value);
}

int mp_ctx_add_arg(struct mp_plugin_ctx *ctx, const char *arg)
{
    if (!ctx_check(ctx) || !arg)
        return MP_ERR_INVAL;
    char **na = realloc(ctx->args, (ctx->nargs + 1) * sizeof(*na));
    if (!na)
        return MP_ERR_NOMEM;
    ctx->args = na;
    if (!(na[ctx->nargs] = strdup(arg)))
        return MP_ERR_NOMEM;
    ctx->nargs++;
    return MP_OK;
}

void mp_ctx_set_tty(struct mp_plugin_ctx *ctx, bool tty)
{
    if (ctx_check(ctx))
        ctx->tty = tty;
}

void mp_ctx_set_verbose(struct mp_plugin_ctx *ctx, bool verbose)
{
    if (ctx_check(ctx))
        ctx->verbose = verbose;
}

void mpi_ctx_set_plugin(struct mp_plugin_ctx *ctx, const char *name)
{
    if (ctx_check(ctx))
        ctx->plugin_name = name;
}

const char *mp_ctx_option(const struct mp_plugin_ctx *ctx, const char *name)
{
    if (!ctx_check(ctx) || !name)
        return NULL;
    for (size_t i = 0; i < ctx->noptions; i++)
        if (strcmp(ctx->options[i].name, name) == 0)
            return ctx->options[i].value;
    return NULL;
}

size_t mp_ctx_param_count(const struct mp_plugin_ctx *ctx)
{
    return ctx_check(ctx) ? ctx->nparams : 0;
}

const char *mp_ctx_param_name(const struct mp_plugin_ctx *ctx, size_t i)
{
    return (ctx_check(ctx) && i < ctx->nparams) ? ctx->params[i].name : NULL;
}

const char *mp_ctx_param_value(const struct mp_plugin_ctx *ctx, size_t i)
{
    return (ctx_check(ctx) && i < ctx->nparams) ? ctx->params[i].value : NULL;
}

size_t mp_ctx_arg_count(const struct mp_plugin_ctx *ctx)
{
    return ctx_check(ctx) ? ctx->nargs : 0;
}

const char *mp_ctx_arg_at(const struct mp_plugin_ctx *ctx, size_t i)
{
    return (ctx_check(ctx) && i < ctx->nargs) ? ctx->args[i] : NULL;
}

static void ctx_vprint(const struct mp_plugin_ctx *ctx, int stream, const char *prefix,
                       const char *fmt, va_list ap)
{
    if (!ctx_check(ctx) || !ctx->print)
        return;
    struct mp_buf b;
    mpi_buf_init(&b);
    mp_buf_puts(&b, prefix);
    mp_buf_vprintf(&b, fmt, ap);
    if (mp_buf_error(&b) == MP_OK)
        ctx->print(ctx->print_user, stream, mp_buf_data(&b));
    mpi_buf_release(&b);
}

void mp_ctx_printf(const struct mp_plugin_ctx *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ctx_vprint(ctx, 1, "", fmt, ap);
    va_end(ap);
}

void mp_ctx_warn(const struct mp_plugin_ctx *ctx, const char *fmt, ...)
{
    if (!ctx_check(ctx))
        return;
    char prefix[128];
    snprintf(prefix, sizeof(prefix), "warning: %s%s", ctx->plugin_name ? ctx->plugin_name : "",
             ctx->plugin_name ? ": " : "");
    va_list ap;
    va_start(ap, fmt);
    ctx_vprint(ctx, 2, prefix, fmt, ap);
    va_end(ap);
}

bool mp_ctx_is_tty(const struct mp_plugin_ctx *ctx)
{
    return ctx_check(ctx) ? ctx->tty : false;
}

bool mp_ctx_verbose(const struct mp_plugin_ctx *ctx)
{
    return ctx_check(ctx) ? ctx->verbose : false;
}
