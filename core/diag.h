/* SPDX-License-Identifier: MIT */
/* diag.h: struct mp_diags, the list of file:line:col problems shared by the loader and lint. */
#ifndef MNISTPIPE_CORE_DIAG_H
#define MNISTPIPE_CORE_DIAG_H

#include <stdarg.h>

#include <mnistpipe/host.h>

/* At most this many diagnostics are kept; one more says that the rest were dropped. */
#define MPI_DIAGS_MAX 1000

struct mpi_diag {
    int severity; /* MP_DIAG_ERROR or MP_DIAG_WARNING */
    unsigned long line, col; /* 1-based; 0 when unknown */
    char *message;
    char *expected; /* NULL when there is nothing to suggest */
};

struct mp_diags {
    unsigned magic;
    char *file;
    struct mpi_diag *v;
    size_t n, cap;
    size_t errors, dropped;
};

/* Add one diagnostic; @expected may be NULL. Ownership: strings are copied.
 * Errors: MP_ERR_NOMEM (the diagnostic is lost). */
int mpi_diag_add(struct mp_diags *d, int severity, unsigned long line, unsigned long col,
                 const char *expected, const char *fmt, ...) MP_PRINTF(6, 7);
int mpi_diag_addv(struct mp_diags *d, int severity, unsigned long line, unsigned long col,
                  const char *expected, const char *fmt, va_list ap) MP_PRINTF(6, 0);

/* The error for an unknown key @key of @where at @line:@col: the nearest of the
 * NULL-terminated @allowed suggested, all of them listed as what was expected.
 * Errors: MP_ERR_NOMEM (the diagnostic is lost). */
int mpi_diag_unknown_key(struct mp_diags *d, unsigned long line, unsigned long col,
                         const char *where, const char *key, const char *const *allowed);

/* The entry of the NULL-terminated @choices nearest to @word (edit distance), or NULL when
 * none is near. Ownership: borrowed from @choices. Errors: none. */
const char *mpi_suggest(const char *word, const char *const *choices);

#endif /* MNISTPIPE_CORE_DIAG_H */
