/* SPDX-License-Identifier: MIT */
/* diag.c: the diagnostic list (file:line:col, message, expected) and its text/JSON forms. */
#include "config.h"

#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

#define DIAGS_MAGIC 0x44494147u

static bool diags_ok(const struct mp_diags *d)
{
    return d && d->magic == DIAGS_MAGIC;
}

struct mp_diags *mp_diags_new(void)
{
    struct mp_diags *d = calloc(1, sizeof(*d));
    if (d)
        d->magic = DIAGS_MAGIC;
    return d;
}

void mp_diags_clear(struct mp_diags *d)
{
    if (!diags_ok(d))
        return;
    for (size_t i = 0; i < d->n; i++) {
        free(d->v[i].message);
        free(d->v[i].expected);
    }
    free(d->file);
    d->file = NULL;
    d->n = d->errors = d->dropped = 0;
}

void mp_diags_free(struct mp_diags *d)
{
    if (!diags_ok(d))
        return;
    mp_diags_clear(d);
    free(d->v);
    d->magic = 0;
    free(d);
}

int mpi_diag_add(struct mp_diags *d, int severity, unsigned long line, unsigned long col,
                 const char *expected, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = mpi_diag_addv(d, severity, line, col, expected, fmt, ap);
    va_end(ap);
    return rc;
}

int mpi_diag_addv(struct mp_diags *d, int severity, unsigned long line, unsigned long col,
                  const char *expected, const char *fmt, va_list ap)
{
    if (!diags_ok(d))
        return MP_OK;
    if (severity == MP_DIAG_ERROR)
        d->errors++;
    if (d->n >= MPI_DIAGS_MAX) {
        d->dropped++;
        return MP_OK;
    }
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 16;
        struct mpi_diag *v = realloc(d->v, cap * sizeof(*v));
        if (!v)
            return MP_ERR_NOMEM;
        d->v = v;
        d->cap = cap;
    }
    struct mp_buf b;
    mpi_buf_init(&b);
    mp_buf_vprintf(&b, fmt, ap);
    struct mpi_diag *x = &d->v[d->n];
    x->severity = severity;
    x->line = line;
    x->col = col;
    x->message = mpi_buf_take(&b, NULL);
    x->expected = expected ? strdup(expected) : NULL;
    mpi_buf_release(&b);
    if (!x->message || (expected && !x->expected)) {
        free(x->message);
        free(x->expected);
        return MP_ERR_NOMEM;
    }
    d->n++;
    return MP_OK;
}

int mpi_diag_unknown_key(struct mp_diags *d, unsigned long line, unsigned long col,
                         const char *where, const char *key, const char *const *allowed)
{
    const char *best = mpi_suggest(key, allowed);
    struct mp_buf e;
    mpi_buf_init(&e);
    for (const char *const *o = allowed; *o; o++)
        mp_buf_printf(&e, "%s%s", o == allowed ? "one of: " : ", ", *o);
    int rc = mp_buf_error(&e) ? MP_ERR_NOMEM
             : best ? mpi_diag_add(d, MP_DIAG_ERROR, line, col, mp_buf_data(&e),
                                   "%s: unknown key '%s'; did you mean '%s'?", where, key, best)
                    : mpi_diag_add(d, MP_DIAG_ERROR, line, col, mp_buf_data(&e),
                                   "%s: unknown key '%s'", where, key);
    mpi_buf_release(&e);
    return rc;
}

/* Levenshtein distance, for "did you mean". Keys are short; anything long is "far". */
static size_t distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), row[40];
    if (la >= 39 || lb >= 39)
        return 99;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t prev = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cur = row[j];
            size_t best = prev + (a[i - 1] != b[j - 1]);
            if (row[j] + 1 < best)
                best = row[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            prev = cur;
        }
    }
    return row[lb];
}

const char *mpi_suggest(const char *word, const char *const *choices)
{
    const char *best = NULL;
    size_t bd = 99;
    for (; *choices; choices++) {
        size_t dd = distance(word, *choices);
        if (dd < bd) {
            bd = dd;
            best = *choices;
        }
    }
    return best && bd <= 2 + strlen(word) / 4 ? best : NULL;
}

size_t mp_diags_count(const struct mp_diags *d)
{
    return diags_ok(d) ? d->n : 0;
}

size_t mp_diags_error_count(const struct mp_diags *d)
{
    return diags_ok(d) ? d->errors : 0;
}

const char *mp_diags_file(const struct mp_diags *d)
{
    return diags_ok(d) ? d->file : NULL;
}

static const struct mpi_diag *at(const struct mp_diags *d, size_t i)
{
    return diags_ok(d) && i < d->n ? &d->v[i] : NULL;
}

int mp_diag_severity(const struct mp_diags *d, size_t i)
{
    return at(d, i) ? at(d, i)->severity : 0;
}

unsigned long mp_diag_line(const struct mp_diags *d, size_t i)
{
    return at(d, i) ? at(d, i)->line : 0;
}

unsigned long mp_diag_column(const struct mp_diags *d, size_t i)
{
    return at(d, i) ? at(d, i)->col : 0;
}

const char *mp_diag_message(const struct mp_diags *d, size_t i)
{
    return at(d, i) ? at(d, i)->message : NULL;
}

const char *mp_diag_expected(const struct mp_diags *d, size_t i)
{
    return at(d, i) ? at(d, i)->expected : NULL;
}

static int cmp_diag(const void *a, const void *b)
{
    const struct mpi_diag *x = a, *y = b;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    if (x->col != y->col)
        return x->col < y->col ? -1 : 1;
    return 0;
}

/* File order; a stable order for equal positions is not needed because qsort only reorders
 * diagnostics of one position, whose messages all print. */
static void sort_diags(const struct mp_diags *d)
{
    if (d->n > 1)
        qsort(d->v, d->n, sizeof(*d->v), cmp_diag);
}

int mp_diags_format(const struct mp_diags *d, bool json, struct mp_buf *out)
{
    if (!diags_ok(d) || !out)
        return MP_ERR_INVAL;
    const char *file = d->file ? d->file : "-";
    sort_diags(d);
    if (json) {
        mp_buf_puts(out, "{\"file\":");
        mp_json_quote(out, file);
        mp_buf_printf(out, ",\"errors\":%zu,\"warnings\":%zu,\"diagnostics\":[",
                      d->errors, d->n - (d->errors > d->n ? d->n : d->errors));
    }
    for (size_t i = 0; i < d->n; i++) {
        const struct mpi_diag *x = &d->v[i];
        const char *sev = x->severity == MP_DIAG_ERROR ? "error" : "warning";
        if (json) {
            mp_buf_printf(out, "%s\n{\"line\":%lu,\"column\":%lu,\"severity\":\"%s\",\"message\":",
                          i ? "," : "", x->line, x->col, sev);
            mp_json_quote(out, x->message);
            mp_buf_puts(out, ",\"expected\":");
            if (x->expected)
                mp_json_quote(out, x->expected);
            else
                mp_buf_puts(out, "null");
            mp_buf_putc(out, '}');
        } else {
            mp_buf_printf(out, "%s:%lu:%lu: %s: %s", file, x->line, x->col, sev, x->message);
            if (x->expected)
                mp_buf_printf(out, " (expected %s)", x->expected);
            mp_buf_putc(out, '\n');
        }
    }
    if (json)
        mp_buf_printf(out, "%s]}\n", d->n ? "\n" : "");
    else if (d->dropped)
        mp_buf_printf(out, "%s: %zu more problems not shown\n", file, d->dropped);
    return mp_buf_error(out);
}
