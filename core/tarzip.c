/* SPDX-License-Identifier: MIT */
/* tarzip.c: the two one-member archives of a KFP package, ustar+gzip and zip, written with
 * zlib. libarchive did this before; it brings libxml2, ICU, libstdc++, nettle, ACL and four
 * other compressors into every process (3 ms and 5 MB at start-up, more than a whole MNIST
 * compile), for two fixed layouts of a few hundred bytes of headers. tests/check_package.c
 * reads both back with libarchive. */
#include "config.h"

#include "tarzip.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#define TAR_BLOCK 512
#define TAR_RECORD 10240 /* 20 blocks, what tar and Python's tarfile pad to */

/* zlib level 1 (its greedy matcher): on workflow YAML, which repeats itself every few hundred
 * bytes, it runs 3.5x faster than the default level 6 for packages 1-3 % larger (10 % on the
 * 5 KB MNIST workflow: 1,246 bytes against 1,129); level 9 takes 2x level 6's time for 2 %
 * less. */
#define MPI_DEFLATE_LEVEL 1

struct zout {
    z_stream zs;
    gz_header gz; /* read by zlib until the header is out */
    struct mp_buf *out;
    uLong crc;      /* of the input, for zip's headers (gzip's trailer gets zlib's own) */
    bool want_crc;
    size_t written;
};

/* gzip (windowBits 31) or raw deflate (-15) into @out. */
static int z_begin(struct zout *z, struct mp_buf *out, int level, int window_bits,
                   struct mp_error *err)
{
    memset(z, 0, sizeof(*z));
    z->out = out;
    z->crc = crc32(0L, Z_NULL, 0);
    z->want_crc = window_bits < 0;
    if (deflateInit2(&z->zs, level, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return mp_error_set(err, MP_ERR_NOMEM, "package: out of memory (zlib)");
    if (window_bits > 15) {
        /* No name, no time, Unix: the same bytes for the same input, wherever it runs. */
        z->gz.os = 3;
        deflateSetHeader(&z->zs, &z->gz);
    }
    return MP_OK;
}

/* Compress @len more bytes; @last finishes the stream. Frees the stream on failure. */
static int z_feed(struct zout *z, const void *data, size_t len, bool last, struct mp_error *err)
{
    unsigned char chunk[16384];
    const unsigned char *p = data;
    int zrc;
    do {
        uInt in = len > (1u << 30) ? (1u << 30) : (uInt)len;
        z->zs.next_in = (Bytef *)(uintptr_t)p; /* zlib does not write through next_in */
        z->zs.avail_in = in;
        if (z->want_crc)
            z->crc = crc32(z->crc, p, in);
        p += in;
        len -= in;
        int flush = (len || !last) ? Z_NO_FLUSH : Z_FINISH;
        do {
            z->zs.next_out = chunk;
            z->zs.avail_out = sizeof(chunk);
            zrc = deflate(&z->zs, flush);
            size_t got = sizeof(chunk) - z->zs.avail_out;
            z->written += got;
            if (mp_buf_append(z->out, chunk, got) != MP_OK) {
                deflateEnd(&z->zs);
                return mp_error_set(err, mp_buf_error(z->out), "package: %s",
                                    mp_strerror(mp_buf_error(z->out)));
            }
        } while (z->zs.avail_out == 0);
    } while (len);
    if (last) {
        deflateEnd(&z->zs);
        if (zrc != Z_STREAM_END)
            return mp_error_set(err, MP_ERR_IO, "package: zlib could not compress the data");
    }
    return MP_OK;
}

static void octal(char *field, size_t width, uint64_t v)
{
    /* width-1 digits and a NUL, as ustar wants */
    field[width - 1] = '\0';
    for (size_t i = width - 1; i-- > 0; v >>= 3)
        field[i] = (char)('0' + (v & 7));
}

int mpi_archive_tar_gz(const char *member, const void *data, size_t len, struct mp_buf *out,
                       struct mp_error *err)
{
    size_t name_len = strlen(member);
    if (name_len > 100)
        return mp_error_set(err, MP_ERR_INVAL, "package: member name longer than 100 bytes");
    if ((uint64_t)len >= (uint64_t)1 << 33)
        return mp_error_set(err, MP_ERR_INVAL, "package: member larger than 8 GiB");
    size_t body = (len + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK;
    size_t total = TAR_BLOCK + body + 2 * TAR_BLOCK;
    total = (total + TAR_RECORD - 1) / TAR_RECORD * TAR_RECORD;
    char h[TAR_BLOCK];
    memset(h, 0, sizeof(h));
    memcpy(h, member, name_len);
    octal(h + 100, 8, 0644);   /* mode */
    octal(h + 108, 8, 0);      /* uid */
    octal(h + 116, 8, 0);      /* gid */
    octal(h + 124, 12, len);   /* size */
    octal(h + 136, 12, 0);     /* mtime: the epoch, as kfp's archives */
    memset(h + 148, ' ', 8);   /* checksum, counted as spaces */
    h[156] = '0';              /* regular file */
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    octal(h + 329, 8, 0);      /* devmajor */
    octal(h + 337, 8, 0);      /* devminor */
    unsigned sum = 0;
    for (size_t i = 0; i < sizeof(h); i++)
        sum += (unsigned char)h[i];
    octal(h + 148, 7, sum);    /* six digits, NUL, and the space already there */
    /* Streamed: header, member, then zeros for the member's last block, the two end blocks
     * and the rest of the record; the uncompressed archive is never held in memory. */
    struct zout z;
    int rc = z_begin(&z, out, MPI_DEFLATE_LEVEL, 15 + 16, err);
    if (rc != MP_OK || (rc = z_feed(&z, h, sizeof(h), false, err)) != MP_OK ||
        (rc = z_feed(&z, data, len, false, err)) != MP_OK)
        return rc;
    static const char zeros[TAR_BLOCK];
    for (size_t pad = total - TAR_BLOCK - len; pad;) {
        size_t n = pad < sizeof(zeros) ? pad : sizeof(zeros);
        pad -= n;
        if ((rc = z_feed(&z, zeros, n, pad == 0, err)) != MP_OK)
            return rc;
    }
    return MP_OK;
}

static void le16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

static void le32(unsigned char *p, uint32_t v)
{
    le16(p, v & 0xffff);
    le16(p + 2, v >> 16);
}

int mpi_archive_zip(const char *member, const void *data, size_t len, struct mp_buf *out,
                    struct mp_error *err)
{
    size_t name_len = strlen(member);
    if (name_len > 0xffff || (uint64_t)len > 0xfffffffeu)
        return mp_error_set(err, MP_ERR_INVAL, "package: member too large for a zip file");
    /* 1980-01-01 00:00, the earliest time a zip entry can hold (DOS date 0x0021). */
    const unsigned dos_time = 0, dos_date = (1u << 5) | 1u;
    size_t start = mp_buf_len(out);
    unsigned char lh[30];
    memset(lh, 0, sizeof(lh));
    le32(lh, 0x04034b50);
    le16(lh + 4, 20);           /* version needed: 2.0, deflate */
    le16(lh + 8, 8);            /* deflate */
    le16(lh + 10, dos_time);
    le16(lh + 12, dos_date);
    le16(lh + 26, (unsigned)name_len);
    size_t lh_at = mp_buf_len(out);
    if (mp_buf_append(out, lh, sizeof(lh)) != MP_OK ||
        mp_buf_append(out, member, name_len) != MP_OK)
        return mp_error_set(err, mp_buf_error(out), "package: %s", mp_strerror(mp_buf_error(out)));
    struct zout z;
    int rc = z_begin(&z, out, MPI_DEFLATE_LEVEL, -15, err);
    if (rc != MP_OK || (rc = z_feed(&z, data, len, true, err)) != MP_OK)
        return rc;
    uint32_t crc = (uint32_t)z.crc;
    size_t csize = z.written;
    if ((uint64_t)csize > 0xfffffffeu || mp_buf_len(out) - start > 0xfffffffeu)
        return mp_error_set(err, MP_ERR_INVAL, "package: member too large for a zip file");
    /* The sizes are known now: fill them into the local header (no data descriptor). */
    unsigned char *lhp = (unsigned char *)out->data + lh_at;
    le32(lhp + 14, crc);
    le32(lhp + 18, (uint32_t)csize);
    le32(lhp + 22, (uint32_t)len);
    size_t cd_at = mp_buf_len(out) - start;
    unsigned char cd[46];
    memset(cd, 0, sizeof(cd));
    le32(cd, 0x02014b50);
    le16(cd + 4, (3u << 8) | 20u); /* made by Unix, 2.0: external attributes are a mode */
    le16(cd + 6, 20);
    le16(cd + 10, 8);
    le16(cd + 12, dos_time);
    le16(cd + 14, dos_date);
    le32(cd + 16, crc);
    le32(cd + 20, (uint32_t)csize);
    le32(cd + 24, (uint32_t)len);
    le16(cd + 28, (unsigned)name_len);
    le32(cd + 38, (uint32_t)0100644 << 16); /* a regular file, rw-r--r-- */
    le32(cd + 42, 0);                       /* its local header is at the start */
    unsigned char end[22];
    memset(end, 0, sizeof(end));
    le32(end, 0x06054b50);
    le16(end + 8, 1);
    le16(end + 10, 1);
    le32(end + 12, (uint32_t)(sizeof(cd) + name_len));
    le32(end + 16, (uint32_t)cd_at);
    mp_buf_append(out, cd, sizeof(cd));
    mp_buf_append(out, member, name_len);
    mp_buf_append(out, end, sizeof(end));
    if (mp_buf_error(out) != MP_OK)
        return mp_error_set(err, mp_buf_error(out), "package: %s", mp_strerror(mp_buf_error(out)));
    return MP_OK;
}
