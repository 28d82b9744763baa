/* SPDX-License-Identifier: MIT */
/* placeholder.c: scanning and rendering {{params.NAME}} and {{steps.STEP.outputs.NAME}}. */
#include "config.h"

#include "placeholder.h"

#include <string.h>

#define PREFIX "{{params."
#define PREFIX_LEN (sizeof(PREFIX) - 1)

/* strstr(@p, @prefix) for a prefix that starts with '{': strchr() to each '{' costs less on
 * the short strings seen here. */
static const char *find_prefix(const char *p, const char *prefix, size_t len)
{
    while ((p = strchr(p, '{')) && strncmp(p, prefix, len))
        p++;
    return p;
}

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
    while ((p = find_prefix(p, PREFIX, PREFIX_LEN)) != NULL) {
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

#define OUT_PREFIX "{{steps."
#define OUT_PREFIX_LEN (sizeof(OUT_PREFIX) - 1)
#define OUT_MIDDLE ".outputs."
#define OUT_MIDDLE_LEN (sizeof(OUT_MIDDLE) - 1)

static bool step_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

bool mpi_output_ref_next(const char *s, size_t from, size_t *start, size_t *end,
                         const char **step, size_t *step_len, const char **name,
                         size_t *name_len)
{
    const char *p = s + from;
    while ((p = find_prefix(p, OUT_PREFIX, OUT_PREFIX_LEN)) != NULL) {
        const char *st = p + OUT_PREFIX_LEN, *se = st;
        while (step_char(*se))
            se++;
        if (se > st && !strncmp(se, OUT_MIDDLE, OUT_MIDDLE_LEN)) {
            const char *n = se + OUT_MIDDLE_LEN, *e = n;
            while (name_char(*e, e == n))
                e++;
            if (e > n && e[0] == '}' && e[1] == '}') {
                *start = (size_t)(p - s);
                *end = (size_t)(e + 2 - s);
                *step = st;
                *step_len = (size_t)(se - st);
                *name = n;
                *name_len = (size_t)(e - n);
                return true;
            }
        }
        p += 2;
    }
    return false;
}

int mpi_output_ref_each(const char *s, mpi_output_ref_fn fn, void *user)
{
    size_t pos = 0, start, end, slen, nlen;
    const char *step, *name;
    if (!s)
        return MP_OK;
    while (mpi_output_ref_next(s, pos, &start, &end, &step, &slen, &name, &nlen)) {
        int rc = fn(user, step, slen, name, nlen);
        if (rc != MP_OK)
            return rc;
        pos = end;
    }
    return MP_OK;
}

bool mpi_item_ref_next(const char *s, size_t from, size_t *start, size_t *end, const char **key,
                       size_t *key_len)
{
    const char *p = s + from;
    while ((p = find_prefix(p, "{{item", 6)) != NULL) {
        const char *k = p + 6, *e = k;
        if (*k == '.') {
            k++;
            e = k;
            while (name_char(*e, e == k))
                e++;
            if (e == k) {
                p += 2;
                continue;
            }
        }
        if (e[0] == '}' && e[1] == '}') {
            *start = (size_t)(p - s);
            *end = (size_t)(e + 2 - s);
            *key = k;
            *key_len = (size_t)(e - k);
            return true;
        }
        p += 2;
    }
    return false;
}

#define LOOP_PREFIX "{{loops."
#define LOOP_PREFIX_LEN (sizeof(LOOP_PREFIX) - 1)

bool mpi_loop_ref_next(const char *s, size_t from, size_t *start, size_t *end, const char **loop,
                       size_t *loop_len, const char **key, size_t *key_len)
{
    const char *p = s + from;
    while ((p = strstr(p, LOOP_PREFIX)) != NULL) {
        const char *l = p + LOOP_PREFIX_LEN, *le = l;
        while (step_char(*le))
            le++;
        if (le > l && !strncmp(le, ".item", 5)) {
            const char *k = le + 5, *e = k;
            if (*k == '.') {
                e = ++k;
                while (name_char(*e, e == k))
                    e++;
            }
            if ((k[-1] != '.' || e > k) && e[0] == '}' && e[1] == '}') {
                *start = (size_t)(p - s);
                *end = (size_t)(e + 2 - s);
                *loop = l;
                *loop_len = (size_t)(le - l);
                *key = k[-1] == '.' ? k : e;
                *key_len = (size_t)(e - *key);
                return true;
            }
        }
        p += 2;
    }
    return false;
}

int mp_render(const char *s, mp_render_fn fn, void *user, struct mp_buf *out,
              struct mp_error *err)
{
    if (!fn)
        return mp_error_set(err, MP_ERR_INVAL, "mp_render: NULL argument");
    return mp_render_outputs(s, fn, NULL, user, out, err);
}

int mp_render_outputs(const char *s, mp_render_fn fn, mp_render_output_fn out_fn, void *user,
                      struct mp_buf *out, struct mp_error *err)
{
    size_t pos = 0, start, end, len, ostart, oend, slen, nlen;
    const char *name, *ostep, *oname;
    char stack_name[129], stack_step[129];
    if (!s || !out)
        return mp_error_set(err, MP_ERR_INVAL, "mp_render: NULL argument");
    for (;;) {
        bool hp = fn && mpi_placeholder_next(s, pos, &start, &end, &name, &len);
        bool ho = out_fn && mpi_output_ref_next(s, pos, &ostart, &oend, &ostep, &slen, &oname,
                                                &nlen);
        if (!hp && !ho)
            break;
        int rc;
        if (ho && (!hp || ostart < start)) {
            mp_buf_append(out, s + pos, ostart - pos);
            if (slen >= sizeof(stack_step) || nlen >= sizeof(stack_name))
                return mp_error_set(err, MP_ERR_INVAL, "step or output name too long in '%s'",
                                    s);
            memcpy(stack_step, ostep, slen);
            stack_step[slen] = '\0';
            memcpy(stack_name, oname, nlen);
            stack_name[nlen] = '\0';
            rc = out_fn(user, stack_step, stack_name, out, err);
            pos = oend;
        } else {
            mp_buf_append(out, s + pos, start - pos);
            if (len >= sizeof(stack_name))
                return mp_error_set(err, MP_ERR_INVAL, "parameter name too long in '%s'", s);
            memcpy(stack_name, name, len);
            stack_name[len] = '\0';
            rc = fn(user, stack_name, out, err);
            pos = end;
        }
        if (rc != MP_OK)
            return rc;
    }
    mp_buf_puts(out, s + pos);
    if (mp_buf_error(out) != MP_OK)
        return mp_error_set(err, mp_buf_error(out), "rendering '%.80s': %s", s,
                            mp_strerror(mp_buf_error(out)));
    return MP_OK;
}
