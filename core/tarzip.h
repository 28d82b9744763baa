/* SPDX-License-Identifier: MIT */
/* tarzip.h: deterministic one-member .tar.gz and .zip archives (zlib only). */
#ifndef MNISTPIPE_CORE_TARZIP_H
#define MNISTPIPE_CORE_TARZIP_H

#include "buf.h"

/* Append to @out a gzip'd ustar archive holding @member (@len bytes of @data): mode 0644,
 * owner 0:0, mtime 0, padded to 10240-byte records, gzip (zlib level 1) with no name or time.
 * Ownership: @out stays the caller's; on failure it may hold a partial archive.
 * Errors: MP_ERR_INVAL (name over 100 bytes, member over 8 GiB), MP_ERR_NOMEM, MP_ERR_IO. */
int mpi_archive_tar_gz(const char *member, const void *data, size_t len, struct mp_buf *out,
                       struct mp_error *err);

/* The same for the YAML of @root (mp_write_yaml()'s bytes): the compression of the member's
 * first mebibytes overlaps the writing of the rest. Errors: as both. */
int mpi_archive_tar_gz_yaml(const char *member, const struct mp_node *root,
                            struct mp_buf *out, struct mp_error *err);

/* Append to @out a zip archive holding @member, deflated, mode 0644, dated 1980-01-01 (the
 * earliest a zip entry can be). Ownership and errors as above (MP_ERR_INVAL over 4 GiB). */
int mpi_archive_zip(const char *member, const void *data, size_t len, struct mp_buf *out,
                    struct mp_error *err);

#endif /* MNISTPIPE_CORE_TARZIP_H */
