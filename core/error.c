/* SPDX-License-Identifier: MIT */
/* error.c: recording and formatting errors; the fixed texts of the status codes. */
#include "config.h"

#include "error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ERROR_MAGIC 0x45525221u

void mpi_error_init(struct mp_error *err)
{
    err->magic = ERROR_MAGIC;
    err->code = MP_OK;
    err->msg[0] = '\0';
}

struct mp_error *mp_error_new(void)
{
    struct mp_error *err = malloc(sizeof(*err));
    if (err)
        mpi_error_init(err);
    return err;
}

void mp_error_free(struct mp_error *err)
{
    if (err && err->magic == ERROR_MAGIC) {
        err->magic = 0;
        free(err);
    }
}

int mp_error_setv(struct mp_error *err, int code, const char *fmt, va_list ap)
{
    if (!err || err->magic != ERROR_MAGIC)
        return code;
    err->code = code;
    int n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    if (n < 0)
        snprintf(err->msg, sizeof(err->msg), "%s", mp_strerror(code));
    return code;
}

int mp_error_set(struct mp_error *err, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mp_error_setv(err, code, fmt, ap);
    va_end(ap);
    return code;
}

int mp_error_prefix(struct mp_error *err, const char *fmt, ...)
{
    if (!err || err->magic != ERROR_MAGIC)
        return MP_ERR_INVAL;
    char prefix[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(prefix, sizeof(prefix), fmt, ap);
    va_end(ap);
    if (n < 0)
        return err->code;
    /* Shift the message right to make room; cut its end when the whole is too long. */
    size_t plen = strlen(prefix), room = sizeof(err->msg) - 1;
    if (plen + 2 > room)
        plen = room - 2;
    size_t mlen = strlen(err->msg);
    if (plen + 2 + mlen > room)
        mlen = room - plen - 2;
    memmove(err->msg + plen + 2, err->msg, mlen);
    memcpy(err->msg, prefix, plen);
    memcpy(err->msg + plen, ": ", 2);
    err->msg[plen + 2 + mlen] = '\0';
    return err->code;
}

const char *mp_error_message(const struct mp_error *err)
{
    if (!err || err->magic != ERROR_MAGIC)
        return "";
    return err->msg;
}

int mp_error_code(const struct mp_error *err)
{
    if (!err || err->magic != ERROR_MAGIC)
        return MP_ERR_INVAL;
    return err->code;
}

void mp_error_clear(struct mp_error *err)
{
    if (err && err->magic == ERROR_MAGIC) {
        err->code = MP_OK;
        err->msg[0] = '\0';
    }
}

const char *mp_strerror(int code)
{
    switch (code) {
    case MP_OK: return "success";
    case MP_ERR_NOMEM: return "out of memory";
    case MP_ERR_INVAL: return "invalid argument";
    case MP_ERR_IO: return "input/output error";
    case MP_ERR_PARSE: return "parse error";
    case MP_ERR_VALIDATE: return "invalid pipeline";
    case MP_ERR_NOTFOUND: return "not found";
    case MP_ERR_EXISTS: return "already exists";
    case MP_ERR_PLUGIN: return "plugin error";
    case MP_ERR_ABI: return "plugin ABI mismatch";
    case MP_ERR_USAGE: return "usage error";
    case MP_ERR_NET: return "network error";
    case MP_ERR_HTTP: return "server error";
    case MP_ERR_UNSUPPORTED: return "not supported";
    case MP_ERR_FAILED: return "run failed";
    case MP_ERR_TIMEOUT: return "timed out";
    case MP_ERR_INTERRUPTED: return "interrupted";
    default: return "unknown error";
    }
}
