/* SPDX-License-Identifier: MIT */
/* textfile.h: read a capped text file; find NUL bytes and invalid UTF-8 with line:col. */
#ifndef MNISTPIPE_CORE_TEXTFILE_H
#define MNISTPIPE_CORE_TEXTFILE_H

#include <mnistpipe/host.h>

/* Read the regular file @path, at most @max bytes, NUL-terminated.
 * Ownership: on MP_OK caller frees *@data with free(). Errors: MP_ERR_IO (unreadable, not a
 * regular file), MP_ERR_PARSE (larger than @max), MP_ERR_NOMEM. */
int mpi_textfile_read(const char *path, size_t max, char **data, size_t *len,
                      struct mp_error *err);

/* Report the first NUL byte and the first invalid UTF-8 sequence to @d (1-based line:col).
 * Ownership: @d is the caller's. Errors: false when either was found. */
bool mpi_text_check(struct mp_diags *d, const char *data, size_t len);

#endif /* MNISTPIPE_CORE_TEXTFILE_H */
