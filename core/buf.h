/* SPDX-License-Identifier: MIT */
/* buf.h: struct mp_buf, the capped growable byte buffer with a sticky error. */
#ifndef MNISTPIPE_CORE_BUF_H
#define MNISTPIPE_CORE_BUF_H

#include <mnistpipe/mnistpipe.h>

#define MPI_BUF_DEFAULT_LIMIT ((size_t)64 << 20)

struct mp_buf {
    unsigned magic;
    int err;
    char *data;
    size_t len;
    size_t cap;
    size_t limit;
};

/* Initialise a buffer on the stack: cannot fail; free its bytes with mpi_buf_release(). */
void mpi_buf_init(struct mp_buf *b);
void mpi_buf_release(struct mp_buf *b);
/* Make room for @extra more bytes and a NUL after them (cap - len > extra afterwards), for
 * writers that fill data[len...] themselves and then advance len. Errors: the sticky error
 * (MP_ERR_NOMEM past the limit or when out of memory). */
int mpi_buf_reserve(struct mp_buf *b, size_t extra);
/* Hand the bytes over: the caller frees them with free(); @b is left empty.
 * Errors: NULL when the buffer has a sticky error (which stays). */
char *mpi_buf_take(struct mp_buf *b, size_t *len);

#endif /* MNISTPIPE_CORE_BUF_H */
