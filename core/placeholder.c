/* SPDX-License-Identifier: MIT */
/* placeholder.c: scanning and rendering {{params.NAME}}. */
#include "config.h"

#include "placeholder.h"

#include <string.h>

#define PREFIX "{{params."
#define PREFIX_LEN (sizeof(PREFIX) - 1)

static bool name_char(char c, bool first)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_')
        return true;
    return !first && ((c >= '0' && c <= '9') || c == '-');
}

bool mpi_param_name_valid(const char *name)
{
    size_t n = 0;
    if (!name || !*name)
        return false;
    for (const char *c = name; *c; c++, n++)
        if (!name_char(*c, c == name) || n >= 128)
            return false;
    return true;
}

bool mpi_placeholder_next(const char *s, size_t from, size_t *start, size_t *end,
                          const char **name, size_t *name_len)
{
    const char *p = s + from;
    while ((p = strstr(p, PREFIX)) != NULL) {
        const char *n = p + PREFIX_LEN;
        const char *e = n;
        while (name_char(*e, e == n))
            e++;
        if (e > n && e[0] == '}' && e[1] == '}') {
            *start = (size_t)(p - s);
            *end = (size_t)(e + 2 - s);
            *name = n;
            *name_len = (size_t)(e - n);
            return true;
        }
        p += 2;
    }
    return false;
}

int mpi_placeholder_each(const char *s, mpi_placeholder_fn fn, void *user)
{
    size_t pos = 0, start, end, len;
    const char *name;
    if (!s)
        return MP_OK;
    while (mpi_placeholder_next(s, pos, &start, &end, &name, &len)) {
        int rc = fn(user, name, len);
        if (rc != MP_OK)
            return rc;
        pos = end;
    }
    return MP_OK;
}

int mp_render(const char *s, mp_render_fn fn, void *user, struct mp_buf *out,
              struct mp_error *err)
{
    size_t pos = 0, start, end, len;
    const char *name;
    char stack_name[129];
    if (!s || !fn || !out)
        return mp_error_set(err, MP_ERR_INVAL, "mp_render: NULL argument");
    while (mpi_placeholder_next(s, pos, &start, &end, &name, &len)) {
        mp_buf_append(out, s + pos, start - pos);
        if (len >= sizeof(stack_name))
            return mp_error_set(err, MP_ERR_INVAL, "parameter name too long in '%s'", s);
        memcpy(stack_name, name, len);
        stack_name[len] = '\0';
        int rc = fn(user, stack_name, out, err);
        if (rc != MP_OK)
            return rc;
        pos = end;
    }
    mp_buf_puts(out, s + pos);
    if (mp_buf_error(out) != MP_OK)
        return mp_error_set(err, mp_buf_error(out), "rendering '%.80s': %s", s,
                            mp_strerror(mp_buf_error(out)));
    return MP_OK;
}
