/* SPDX-License-Identifier: MIT */
/* gojson.c: JSON written as Go's encoding/json writes it (json.Marshal), for the values the
 * local runner makes where Argo's controller marshals them: compact; object keys sorted by
 * byte; numbers as float64, in the shortest form that reads back, plain from 1e-6 up to 1e21
 * and as 1e+21 or 1e-7 beyond; in strings '<', '>', '&', U+2028 and U+2029 escaped as
 * \u003c and so on, control characters as \n, \r, \t, \b, \f or \u00XX (lower-case hex). */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "local.h"

static void go_string(const char *s, size_t n, struct mp_buf *out)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    mp_buf_puts(out, "\"");
    for (; p < end; p++) {
        char esc[8] = "";
        switch (*p) {
        case '"': snprintf(esc, sizeof(esc), "\\\""); break;
        case '\\': snprintf(esc, sizeof(esc), "\\\\"); break;
        case '\n': snprintf(esc, sizeof(esc), "\\n"); break;
        case '\r': snprintf(esc, sizeof(esc), "\\r"); break;
        case '\t': snprintf(esc, sizeof(esc), "\\t"); break;
        case '\b': snprintf(esc, sizeof(esc), "\\b"); break;
        case '\f': snprintf(esc, sizeof(esc), "\\f"); break;
        case '<': case '>': case '&': snprintf(esc, sizeof(esc), "\\u%04x", *p); break;
        default:
            if (*p < 0x20)
                snprintf(esc, sizeof(esc), "\\u%04x", *p);
            else if (p + 2 < end && p[0] == 0xe2 && p[1] == 0x80 && (p[2] & 0xfe) == 0xa8) {
                snprintf(esc, sizeof(esc), "\\u%s", p[2] == 0xa8 ? "2028" : "2029");
                p += 2;
            }
        }
        if (esc[0])
            mp_buf_puts(out, esc);
        else
            mp_buf_append(out, (const char *)p, 1);
    }
    mp_buf_puts(out, "\"");
}

/* strconv.AppendFloat(f, 'f' or 'e', -1, 64) as encoding/json uses it. */
static void go_float(double d, struct mp_buf *out)
{
    char e[40], digits[24];
    int prec, exp10, nd = 0;
    for (prec = 0; prec < 17; prec++) { /* the shortest "%.*e" that reads back as @d */
        snprintf(e, sizeof(e), "%.*e", prec, d);
        if (strtod(e, NULL) == d)
            break;
    }
    char *p = e + (e[0] == '-'), *x = strchr(e, 'e');
    for (; p < x; p++)
        if (*p != '.')
            digits[nd++] = *p;
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    digits[nd] = '\0';
    exp10 = (int)strtol(x + 1, NULL, 10);
    if (signbit(d))
        mp_buf_puts(out, "-");
    double a = d < 0 ? -d : d;
    if (a != 0 && (a < 1e-6 || a >= 1e21)) {
        mp_buf_printf(out, "%c%s%s", digits[0], nd > 1 ? "." : "", digits + 1);
        mp_buf_printf(out, "e%c%d", exp10 < 0 ? '-' : '+', abs(exp10)); /* e-7, as Go cleans */
    } else if (d == 0) {
        mp_buf_puts(out, "0");
    } else if (exp10 >= nd - 1) { /* an integer: its digits, then zeros */
        mp_buf_puts(out, digits);
        for (int i = nd - 1; i < exp10; i++)
            mp_buf_puts(out, "0");
    } else if (exp10 >= 0) {
        mp_buf_printf(out, "%.*s.%s", exp10 + 1, digits, digits + exp10 + 1);
    } else {
        mp_buf_puts(out, "0.");
        for (int i = -1; i > exp10; i--)
            mp_buf_puts(out, "0");
        mp_buf_puts(out, digits);
    }
}

static int by_key(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int lr_go_json(const json_t *j, struct mp_buf *out)
{
    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        size_t n = json_object_size(j), k = 0;
        const char **keys = malloc((n ? n : 1) * sizeof(*keys)), *key;
        json_t *v;
        if (!keys)
            return MP_ERR_NOMEM;
        json_object_foreach((json_t *)j, key, v)
            keys[k++] = key;
        qsort(keys, n, sizeof(*keys), by_key);
        mp_buf_puts(out, "{");
        for (k = 0; k < n; k++) {
            if (k)
                mp_buf_puts(out, ",");
            go_string(keys[k], strlen(keys[k]), out);
            mp_buf_puts(out, ":");
            lr_go_json(json_object_get(j, keys[k]), out);
        }
        free(keys);
        mp_buf_puts(out, "}");
        break;
    }
    case JSON_ARRAY:
        mp_buf_puts(out, "[");
        for (size_t i = 0; i < json_array_size(j); i++) {
            if (i)
                mp_buf_puts(out, ",");
            lr_go_json(json_array_get(j, i), out);
        }
        mp_buf_puts(out, "]");
        break;
    case JSON_STRING:
        go_string(json_string_value(j), json_string_length(j), out);
        break;
    case JSON_INTEGER: /* Go reads every number as a float64 */
        go_float((double)json_integer_value(j), out);
        break;
    case JSON_REAL:
        go_float(json_real_value(j), out);
        break;
    case JSON_TRUE:
        mp_buf_puts(out, "true");
        break;
    case JSON_FALSE:
        mp_buf_puts(out, "false");
        break;
    default:
        mp_buf_puts(out, "null");
    }
    return mp_buf_error(out);
}
