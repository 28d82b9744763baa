/* SPDX-License-Identifier: MIT */
/* deflate_piece.h: raw deflate in pieces that join into one stream (as pigz makes them), with
 * ISA-L's igzip where configure found it, else zlib. */
#ifndef MNISTPIPE_CORE_DEFLATE_PIECE_H
#define MNISTPIPE_CORE_DEFLATE_PIECE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* One thread's compressor. NULL when out of memory. */
struct mpi_deflater;
struct mpi_deflater *mpi_deflater_new(void);
void mpi_deflater_free(struct mpi_deflater *d);

/* Compress @len bytes of @in (one contiguous run: the bytes out depend on the bytes in only)
 * as one piece, primed with the @dict_len bytes of @dict that come before it in the stream,
 * and append it to @out: ended by a sync flush, so that the next piece follows it in the same
 * stream, or, when @last, by the stream's final block.
 * Errors: MP_ERR_NOMEM, MP_ERR_IO (the library refused). */
int mpi_deflate_piece(struct mpi_deflater *d, const unsigned char *dict, size_t dict_len,
                      const unsigned char *in, size_t len, bool last, struct mp_buf *out);

/* CRC-32 (gzip's) of @len bytes, continuing @crc (0 to start). */
uint32_t mpi_crc32(uint32_t crc, const void *p, size_t len);

#endif /* MNISTPIPE_CORE_DEFLATE_PIECE_H */
