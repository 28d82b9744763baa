/* SPDX-License-Identifier: MIT */
/* buf.c: appends, formatting and ownership transfer for struct mp_buf. */
#include "config.h"

#include "buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUF_MAGIC 0x42554621u
static const char empty_string[1] = "";

void mpi_buf_init(struct mp_buf *b)
{
    b->magic = BUF_MAGIC;
    b->err = MP_OK;
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->limit = MPI_BUF_DEFAULT_LIMIT;
}

void mpi_buf_release(struct mp_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

struct mp_buf *mp_buf_new(void)
{
    struct mp_buf *b = malloc(sizeof(*b));
    if (b)
        mpi_buf_init(b);
    return b;
}

void mp_buf_free(struct mp_buf *b)
{
    if (!b || b->magic != BUF_MAGIC)
        return;
    mpi_buf_release(b);
    b->magic = 0;
    free(b);
}

static int buf_fail(struct mp_buf *b, int code)
{
    if (b->err == MP_OK)
        b->err = code;
    return b->err;
}

int mpi_buf_reserve(struct mp_buf *b, size_t extra)
{
    if (b->err != MP_OK)
        return b->err;
    if (extra > b->limit || b->len > b->limit - extra)
        return buf_fail(b, MP_ERR_NOMEM);
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return MP_OK;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    char *d = realloc(b->data, cap);
    if (!d)
        return buf_fail(b, MP_ERR_NOMEM);
    b->data = d;
    b->cap = cap;
    return MP_OK;
}

int mp_buf_append(struct mp_buf *b, const void *data, size_t len)
{
    if (!b || b->magic != BUF_MAGIC)
        return MP_ERR_INVAL;
    if (mpi_buf_reserve(b, len) != MP_OK)
        return b->err;
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return MP_OK;
}

int mp_buf_puts(struct mp_buf *b, const char *s)
{
    return mp_buf_append(b, s, strlen(s));
}

int mp_buf_putc(struct mp_buf *b, char c)
{
    return mp_buf_append(b, &c, 1);
}

int mp_buf_vprintf(struct mp_buf *b, const char *fmt, va_list ap)
{
    if (!b || b->magic != BUF_MAGIC)
        return MP_ERR_INVAL;
    if (b->err != MP_OK)
        return b->err;
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return buf_fail(b, MP_ERR_INVAL);
    if (mpi_buf_reserve(b, (size_t)n) != MP_OK)
        return b->err;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return MP_OK;
}

int mp_buf_printf(struct mp_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = mp_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

const char *mp_buf_data(const struct mp_buf *b)
{
    if (!b || b->magic != BUF_MAGIC || !b->data)
        return empty_string;
    return b->data;
}

size_t mp_buf_len(const struct mp_buf *b)
{
    return (b && b->magic == BUF_MAGIC) ? b->len : 0;
}

int mp_buf_error(const struct mp_buf *b)
{
    return (b && b->magic == BUF_MAGIC) ? b->err : MP_ERR_INVAL;
}

void mp_buf_reset(struct mp_buf *b)
{
    if (!b || b->magic != BUF_MAGIC)
        return;
    b->len = 0;
    b->err = MP_OK;
    if (b->data)
        b->data[0] = '\0';
}

void mp_buf_set_limit(struct mp_buf *b, size_t max_bytes)
{
    if (b && b->magic == BUF_MAGIC)
        b->limit = max_bytes;
}

char *mpi_buf_take(struct mp_buf *b, size_t *len)
{
    if (b->err != MP_OK)
        return NULL;
    char *d = b->data;
    if (!d) {
        d = calloc(1, 1);
        if (!d)
            return NULL;
    }
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return d;
}
