/* SPDX-License-Identifier: MIT */
/* quantity.c: Kubernetes resource quantities ("500m", "2Gi") and Go durations ("30s", "1h30m")
 * as Argo reads them. */
#include "config.h"

#include "quantity.h"

#include <string.h>

static bool digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Digits with an optional fraction ("1", "1.5", ".5", "1."): at least one digit. */
static const char *number(const char *s)
{
    bool any = false;
    while (digit(*s)) {
        s++;
        any = true;
    }
    if (*s == '.') {
        s++;
        while (digit(*s)) {
            s++;
            any = true;
        }
    }
    return any ? s : NULL;
}

bool mp_quantity_valid(const char *s)
{
    static const char *const suffixes[] = {"Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "n", "u", "m",
                                           "k", "M", "G", "T", "P", "E", "", NULL};
    if (!s || !*s)
        return false;
    if (strstr(s, "{{"))
        return true; /* known at run time */
    if (*s == '+')
        s++;
    const char *e = number(s);
    if (!e)
        return false;
    if (*e == 'e' || *e == 'E') { /* a decimal exponent: e3, E-2 */
        e++;
        if (*e == '+' || *e == '-')
            e++;
        if (!digit(*e))
            return false;
        while (digit(*e))
            e++;
        return *e == '\0';
    }
    for (const char *const *x = suffixes; *x; x++)
        if (!strcmp(e, *x))
            return true;
    return false;
}

bool mpi_duration_valid(const char *s)
{
    static const char *const units[] = {"ns", "us", "ms", "s", "m", "h", NULL};
    if (!s || !*s)
        return false;
    if (strstr(s, "{{"))
        return true;
    const char *p = s;
    while (digit(*p))
        p++;
    if (!*p)
        return true; /* plain seconds */
    p = s;
    while (*p) {
        const char *e = number(p);
        if (!e)
            return false;
        size_t best = 0;
        for (const char *const *u = units; *u; u++) {
            size_t n = strlen(*u);
            if (!strncmp(e, *u, n) && n > best)
                best = n;
        }
        if (!best)
            return false;
        p = e + best;
    }
    return true;
}
