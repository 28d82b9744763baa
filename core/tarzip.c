/* SPDX-License-Identifier: MIT */
/* tarzip.c: the two one-member archives of a KFP package, ustar+gzip and zip, compressed by
 * deflate_piece.c (ISA-L's igzip or zlib). libarchive did this before; it brings libxml2, ICU,
 * libstdc++, nettle, ACL and four other compressors into every process (3 ms and 5 MB at
 * start-up, more than a whole MNIST compile), for two fixed layouts of a few hundred bytes of
 * headers. tests/check_package.c reads both back with libarchive. */
#include "config.h"

#include "tarzip.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <zlib.h>

#include "deflate_piece.h"
#include "doc.h"
#include "pages.h"
#include "write.h"

#define TAR_BLOCK 512
#define TAR_RECORD 10240 /* 20 blocks, what tar and Python's tarfile pad to */

/* The bytes to compress: a tar header, the member and zero padding (or the member alone). */
struct zsrc {
    const unsigned char *p[3];
    size_t n[3];
    int count;
    size_t total;
};

/* Compressed in pieces of Z_CHUNK input bytes, each by a deflate stream of its own primed
 * with the Z_DICT bytes before it and ended with a sync flush, so that the pieces join into one
 * deflate stream (as pigz does) and two threads can share the work. The bytes depend only on
 * the input and the library (deflate_piece.c), never on the threads. A package of one piece
 * (under 256 KiB of tar: the MNIST pipeline's is 10 KiB) is compressed on the caller's thread
 * alone. */
#define Z_CHUNK ((size_t)1 << 18)
/* 8 KiB of dictionary, not deflate's whole 32 KiB window: setting a dictionary hashes every
 * byte of it, and workflow YAML repeats itself every few hundred bytes, so the packages even
 * come out a little smaller (zlib: 83,381 bytes against 83,444 for the 5,000-step fan). */
#define Z_DICT 8192

/* One piece: the range [start, end) of @src (the Z_DICT bytes before start prime it), compressed
 * into @out. A piece taken while the member is still being written reads it where it lies when
 * the member's buffer never moves, else owns a copy of its input (@copy, freed once compressed);
 * the others read the whole stream once it is complete. */
struct zpiece {
    size_t index; /* its place in the stream */
    struct zsrc src;
    size_t start, end;
    bool last;
    unsigned char *copy;
    struct mp_buf out; /* raw deflate bytes */
    uint32_t crc;      /* of its input */
    int rc;
};

/* The pieces of one stream and the two threads that compress them: the caller's, and a
 * helper started with the first piece (pieces may be queued while the member is written). */
struct zpack {
    pthread_mutex_t mu;
    pthread_cond_t more;
    struct zpiece **piece; /* in the order queued */
    size_t n, cap, next;
    bool closed, threaded, nomem;
    pthread_t helper;
    size_t head;     /* stream bytes before the member (the tar header) */
    size_t streamed; /* pieces 1..streamed were queued while the member was written */
    bool fixed;      /* the member's bytes stay where they are written: no copies */
};

static void src_copy(const struct zsrc *src, size_t from, size_t len, unsigned char *dst)
{
    size_t off = 0;
    for (int i = 0; i < src->count && len; off += src->n[i], i++) {
        if (from >= off + src->n[i])
            continue;
        size_t at = from - off, n = src->n[i] - at < len ? src->n[i] - at : len;
        memcpy(dst, src->p[i] + at, n);
        dst += n;
        from += n;
        len -= n;
    }
}

static int z_piece(struct mpi_deflater *d, struct zpiece *pc)
{
    const struct zsrc *src = &pc->src;
    unsigned char dict[Z_DICT];
    size_t nd = pc->start < Z_DICT ? pc->start : Z_DICT;
    src_copy(src, pc->start - nd, nd, dict);
    /* One contiguous run: copied when the piece spans the header, the member or the padding. */
    size_t len = pc->end - pc->start, off = 0;
    const unsigned char *in = NULL;
    unsigned char *gathered = NULL;
    for (int i = 0; i < src->count && !in; off += src->n[i], i++)
        if (pc->start >= off && pc->end <= off + src->n[i])
            in = src->p[i] + (pc->start - off);
    if (!in && len) {
        if (!(gathered = malloc(len)))
            return MP_ERR_NOMEM;
        src_copy(src, pc->start, len, gathered);
        in = gathered;
    }
    static const unsigned char none[1];
    if (!in)
        in = none;
    pc->crc = mpi_crc32(0, in, len);
    int rc = mpi_deflate_piece(d, dict, nd, in, len, pc->last, &pc->out);
    free(gathered);
    return rc;
}

/* Compress queued pieces until the pack is closed and none is left. */
static void *z_worker(void *arg)
{
    struct zpack *zp = arg;
    struct mpi_deflater *d = mpi_deflater_new();
    for (;;) {
        pthread_mutex_lock(&zp->mu);
        while (zp->next == zp->n && !zp->closed)
            pthread_cond_wait(&zp->more, &zp->mu);
        struct zpiece *pc = zp->next < zp->n ? zp->piece[zp->next++] : NULL;
        pthread_mutex_unlock(&zp->mu);
        if (!pc)
            break;
        pc->rc = d ? z_piece(d, pc) : MP_ERR_NOMEM;
        free(pc->copy); /* its input is no longer needed: the output is what stays */
        pc->copy = NULL;
    }
    mpi_deflater_free(d);
    return NULL;
}

static void zpack_init(struct zpack *zp, size_t head)
{
    memset(zp, 0, sizeof(*zp));
    pthread_mutex_init(&zp->mu, NULL);
    pthread_cond_init(&zp->more, NULL);
    zp->head = head;
}

/* Queue a piece for the threads; @helper: start the helper thread if it is not running. */
static void zpack_queue(struct zpack *zp, struct zpiece *pc, bool helper)
{
    mpi_buf_init(&pc->out);
    pthread_mutex_lock(&zp->mu);
    if (zp->n == zp->cap) {
        size_t cap = zp->cap ? zp->cap * 2 : 16;
        struct zpiece **v = realloc(zp->piece, cap * sizeof(*v));
        if (!v) {
            zp->nomem = true;
            pthread_mutex_unlock(&zp->mu);
            free(pc->copy);
            free(pc);
            return;
        }
        zp->piece = v;
        zp->cap = cap;
    }
    zp->piece[zp->n++] = pc;
    pthread_cond_signal(&zp->more);
    pthread_mutex_unlock(&zp->mu);
    if (helper && !zp->threaded && !zp->closed)
        zp->threaded = pthread_create(&zp->helper, NULL, z_worker, zp) == 0;
}

/* The member's first @len bytes are written (@data: valid during the call only, or until the
 * pack is finished when zp->fixed): queue each piece that lies inside them and is not the
 * last, with a copy of its input unless zp->fixed. */
static void zpack_progress(void *user, const char *data, size_t len)
{
    struct zpack *zp = user;
    for (;;) {
        size_t k = zp->streamed + 1, from = k * Z_CHUNK - zp->head - Z_DICT;
        size_t to = (k + 1) * Z_CHUNK - zp->head;
        if (to >= len) /* more bytes must follow it: then it is not the last piece */
            return;
        struct zpiece *pc = calloc(1, sizeof(*pc));
        unsigned char *copy = pc && !zp->fixed ? malloc(to - from) : NULL;
        if (!pc || (!zp->fixed && !copy)) {
            free(pc);
            zp->nomem = true;
            return;
        }
        const unsigned char *in = (const unsigned char *)data + from;
        if (copy)
            in = memcpy(copy, in, to - from);
        *pc = (struct zpiece){.index = k, .src = {.p = {in}, .n = {to - from}, .count = 1,
                                                   .total = to - from},
                              .start = Z_DICT, .end = to - from, .copy = copy};
        zpack_queue(zp, pc, true);
        zp->streamed = k;
    }
}

/* The whole stream @src (valid until zpack_finish) is known: queue the pieces not queued yet,
 * compress, and append the raw deflate stream to @out, with its CRC-32 and length. Frees the
 * pack's resources whatever happens. */
static int zpack_finish(struct zpack *zp, const struct zsrc *src, struct mp_buf *out,
                        uint32_t *crc, size_t *csize, struct mp_error *err)
{
    size_t n = src->total ? (src->total - 1) / Z_CHUNK + 1 : 1;
    for (size_t k = 0; k < n; k++) {
        if (k && k <= zp->streamed)
            continue;
        struct zpiece *pc = calloc(1, sizeof(*pc));
        if (!pc) {
            zp->nomem = true;
            break;
        }
        *pc = (struct zpiece){.index = k, .src = *src, .start = k * Z_CHUNK,
                              .end = k + 1 < n ? (k + 1) * Z_CHUNK : src->total,
                              .last = k + 1 == n};
        zpack_queue(zp, pc, k + 1 < n); /* one piece alone: no second thread */
    }
    pthread_mutex_lock(&zp->mu);
    zp->closed = true;
    pthread_cond_broadcast(&zp->more);
    pthread_mutex_unlock(&zp->mu);
    z_worker(zp);
    if (zp->threaded)
        pthread_join(zp->helper, NULL);
    int rc = zp->nomem || zp->n != n ? MP_ERR_NOMEM : MP_OK;
    struct zpiece **at = rc == MP_OK ? calloc(n, sizeof(*at)) : NULL;
    if (rc == MP_OK && !at)
        rc = MP_ERR_NOMEM;
    for (size_t i = 0; at && i < zp->n; i++)
        at[zp->piece[i]->index] = zp->piece[i];
    uLong c = 0;
    size_t before = mp_buf_len(out);
    for (size_t k = 0; at && k < n && rc == MP_OK; k++) {
        if ((rc = at[k]->rc) == MP_OK) {
            c = crc32_combine(c, at[k]->crc, (z_off_t)(at[k]->end - at[k]->start));
            rc = mp_buf_append(out, at[k]->out.data, at[k]->out.len);
        }
    }
    free(at);
    for (size_t i = 0; i < zp->n; i++) {
        mpi_buf_release(&zp->piece[i]->out);
        free(zp->piece[i]->copy);
        free(zp->piece[i]);
    }
    free(zp->piece);
    pthread_cond_destroy(&zp->more);
    pthread_mutex_destroy(&zp->mu);
    if (rc != MP_OK)
        return mp_error_set(err, rc, "package: %s",
                            rc == MP_ERR_IO ? "the deflate library could not compress the data"
                                            : mp_strerror(rc));
    *crc = (uint32_t)c;
    *csize = mp_buf_len(out) - before;
    return MP_OK;
}

/* Give up: let the threads finish what they took, and free everything. */
static void zpack_abort(struct zpack *zp)
{
    pthread_mutex_lock(&zp->mu);
    zp->closed = true;
    zp->next = zp->n; /* nothing more to take */
    pthread_cond_broadcast(&zp->more);
    pthread_mutex_unlock(&zp->mu);
    if (zp->threaded)
        pthread_join(zp->helper, NULL);
    for (size_t i = 0; i < zp->n; i++) {
        mpi_buf_release(&zp->piece[i]->out);
        free(zp->piece[i]->copy);
        free(zp->piece[i]);
    }
    free(zp->piece);
    pthread_cond_destroy(&zp->more);
    pthread_mutex_destroy(&zp->mu);
}

/* Raw deflate of @src appended to @out, with its CRC-32 and compressed size. */
static int z_deflate(const struct zsrc *src, struct mp_buf *out, uint32_t *crc, size_t *csize,
                     struct mp_error *err)
{
    struct zpack zp;
    zpack_init(&zp, 0);
    return zpack_finish(&zp, src, out, crc, csize, err);
}

static void le16(unsigned char *p, unsigned v);
static void le32(unsigned char *p, uint32_t v);

static void octal(char *field, size_t width, uint64_t v)
{
    /* width-1 digits and a NUL, as ustar wants */
    field[width - 1] = '\0';
    for (size_t i = width - 1; i-- > 0; v >>= 3)
        field[i] = (char)('0' + (v & 7));
}

/* The .tar.gz of @len bytes of @data as @member, through @zp (which may hold pieces of the
 * member queued already); @zp is finished whatever happens. */
static int tar_gz(struct zpack *zp, const char *member, const void *data, size_t len,
                  struct mp_buf *out, struct mp_error *err)
{
    size_t name_len = strlen(member);
    int rc = MP_OK;
    if (name_len > 100)
        rc = mp_error_set(err, MP_ERR_INVAL, "package: member name longer than 100 bytes");
    else if ((uint64_t)len >= (uint64_t)1 << 33)
        rc = mp_error_set(err, MP_ERR_INVAL, "package: member larger than 8 GiB");
    size_t body = (len + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK;
    size_t total = TAR_BLOCK + body + 2 * TAR_BLOCK;
    total = (total + TAR_RECORD - 1) / TAR_RECORD * TAR_RECORD;
    char h[TAR_BLOCK];
    memset(h, 0, sizeof(h));
    memcpy(h, member, name_len <= 100 ? name_len : 0);
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
    /* Then the member, zeros for its last block, the two end blocks and the rest of the
     * record; the uncompressed archive is never held in memory. */
    static const unsigned char zeros[TAR_BLOCK + 2 * TAR_BLOCK + TAR_RECORD];
    struct zsrc src = {.p = {(const unsigned char *)h, data, zeros},
                       .n = {TAR_BLOCK, len, total - TAR_BLOCK - len}, .count = 3, .total = total};
    /* gzip: no name, no time, "fastest" (XFL 4, as zlib writes for level 1), Unix */
    static const unsigned char gz_head[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 4, 3};
    if (rc == MP_OK && mp_buf_append(out, gz_head, sizeof(gz_head)) != MP_OK)
        rc = mp_error_set(err, mp_buf_error(out), "package: %s", mp_strerror(mp_buf_error(out)));
    if (rc != MP_OK) {
        zpack_abort(zp);
        return rc;
    }
    uint32_t crc;
    size_t csize;
    if ((rc = zpack_finish(zp, &src, out, &crc, &csize, err)) != MP_OK)
        return rc;
    unsigned char trailer[8];
    le32(trailer, crc);
    le32(trailer + 4, (uint32_t)total); /* ISIZE: the length modulo 2^32 */
    if (mp_buf_append(out, trailer, sizeof(trailer)) != MP_OK)
        return mp_error_set(err, mp_buf_error(out), "package: %s", mp_strerror(mp_buf_error(out)));
    return MP_OK;
}

int mpi_archive_tar_gz(const char *member, const void *data, size_t len, struct mp_buf *out,
                       struct mp_error *err)
{
    struct zpack zp;
    zpack_init(&zp, 0);
    return tar_gz(&zp, member, data, len, out, err);
}

/* The largest YAML member: 100,000 steps write 77 MB. */
#define YAML_LIMIT ((size_t)1 << 30)
/* The YAML buffer's mapping: the limit, the NUL after it, whole pages. */
#define YAML_MAP ((YAML_LIMIT + 1 + 65535) & ~(size_t)65535)

/* Give @b (empty) address space for YAML_LIMIT bytes, which the kernel backs with pages only as
 * they are written: the buffer never grows, so it never moves (no realloc copying the YAML
 * written so far) and the pieces compressed while it is written need no copies. False where
 * the reservation is refused (overcommit turned off): then @b grows as usual. */
static bool yaml_map(struct mp_buf *b, size_t estimate)
{
    void *p = mmap(NULL, YAML_MAP, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS |
                   MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return false;
    /* The pages of the blocks freed before (the parser's, the loader's) for its start, as
     * many as @estimate: the YAML is the last big thing written, so the pooled pages left are
     * given back rather than kept unused. */
    mpi_pages_fill(p, estimate < YAML_MAP ? estimate : YAML_MAP, false);
    mpi_pages_trim();
    b->data = p;
    b->cap = YAML_MAP; /* mpi_buf_reserve stops at the limit before it needs more */
    return true;
}

int mpi_archive_tar_gz_yaml(const char *member, const struct mp_node *root,
                            struct mp_buf *out, struct mp_error *err)
{
    if (strlen(member) > 100)
        return mp_error_set(err, MP_ERR_INVAL, "package: member name longer than 100 bytes");
    struct mp_buf yaml;
    mpi_buf_init(&yaml);
    mp_buf_set_limit(&yaml, YAML_LIMIT);
    struct zpack zp;
    zpack_init(&zp, TAR_BLOCK);
    /* The YAML of a tree takes fewer bytes than the tree's arena (0.8 to 0.9 of them for the
     * bench's chains, fan-out and layers, 1,000 to 100,000 steps). */
    zp.fixed = yaml_map(&yaml, root->doc ? root->doc->arena.total + 65536 : 0);
    int rc = mpi_write_yaml_progress(root, &yaml, err, zpack_progress, &zp);
    if (rc == MP_OK)
        rc = tar_gz(&zp, member, yaml.data, yaml.len, out, err);
    else
        zpack_abort(&zp);
    if (zp.fixed)
        munmap(yaml.data, YAML_MAP);
    else
        mpi_buf_release(&yaml);
    return rc;
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
    struct zsrc src = {.p = {data}, .n = {len}, .count = 1, .total = len};
    uint32_t crc;
    size_t csize;
    int rc = z_deflate(&src, out, &crc, &csize, err);
    if (rc != MP_OK)
        return rc;
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
