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

/* mpi_textfile_read(), but files of 64 KiB or more are mapped (read-only) rather than copied;
 * the caller frees *@data with mpi_textfile_unmap(*@data, *@len). The file must not be
 * truncated while it is mapped. */
int mpi_textfile_map(const char *path, size_t max, char **data, size_t *len,
                     struct mp_error *err);
void mpi_textfile_unmap(char *data, size_t len);

/* Report the first NUL byte and the first invalid UTF-8 sequence to @d (1-based line:col).
 * Ownership: @d is the caller's. Errors: false when either was found. */
bool mpi_text_check(struct mp_diags *d, const char *data, size_t len);

#endif /* MNISTPIPE_CORE_TEXTFILE_H */
