/* SPDX-License-Identifier: MIT */
/* sha256.h: SHA-256 (FIPS 180-4) of a byte string, as lower-case hex. */
#ifndef MNISTPIPE_CORE_SHA256_H
#define MNISTPIPE_CORE_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct mpi_sha256 {
    uint32_t h[8];
    unsigned char block[64];
    size_t fill;
    unsigned long long total;
};

/* Incremental hashing: init, update any number of times, then final. Cannot fail. */
void mpi_sha256_init(struct mpi_sha256 *s);
void mpi_sha256_update(struct mpi_sha256 *s, const void *data, size_t len);
/* Write the digest as 64 hex digits and a NUL to @hex. */
void mpi_sha256_final(struct mpi_sha256 *s, char hex[65]);

#endif /* MNISTPIPE_CORE_SHA256_H */
