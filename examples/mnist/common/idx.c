/* SPDX-License-Identifier: MIT */
/* IDX (MNIST) file reading through zlib's gzopen, which reads gzip and raw files alike; SHA-256. */
#include "config.h"

#include "mnpm.h"
#include "sha256.h" /* core/sha256.c, compiled into libmnpm */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

__attribute__((format(printf, 3, 4)))
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    if (err && errlen) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int read_full(gzFile g, void *buf, size_t len)
{
    unsigned char *p = buf;
    while (len > 0) {
        unsigned chunk = len > (1u << 30) ? (1u << 30) : (unsigned)len;
        int r = gzread(g, p, chunk);
        if (r <= 0)
            return -1;
        p += r;
        len -= (size_t)r;
    }
    return 0;
}

/* Open, read the header (magic, then dims), return the count. */
static gzFile open_idx(const char *path, uint32_t magic, unsigned dims, uint32_t *count,
                       char *err, size_t errlen)
{
    unsigned char h[16];
    gzFile g = gzopen(path, "rb");
    if (!g) {
        fail(err, errlen, "%s: %s", path, errno ? strerror(errno) : "cannot open");
        return NULL;
    }
    if (read_full(g, h, 4 + 4 * dims) != 0) {
        fail(err, errlen, "%s: truncated IDX header", path);
        goto bad;
    }
    if (be32(h) != magic) {
        fail(err, errlen, "%s: bad IDX magic 0x%08x, expected 0x%08x (%s)", path,
             (unsigned)be32(h), (unsigned)magic, magic == 0x803 ? "images" : "labels");
        goto bad;
    }
    *count = be32(h + 4);
    if (dims == 3 && (be32(h + 8) != 28 || be32(h + 12) != 28)) {
        fail(err, errlen, "%s: images are %ux%u, expected 28x28", path, (unsigned)be32(h + 8),
             (unsigned)be32(h + 12));
        goto bad;
    }
    if (*count == 0 || *count > 10000000u) {
        fail(err, errlen, "%s: implausible item count %u", path, (unsigned)*count);
        goto bad;
    }
    return g;
bad:
    gzclose(g);
    return NULL;
}

int mnpm_idx_images(const char *path, float **pixels, size_t *count, char *err, size_t errlen)
{
    uint32_t n;
    int rc = -1;
    unsigned char *raw = NULL;
    float *px = NULL;
    gzFile g = open_idx(path, 0x803, 3, &n, err, errlen);
    if (!g)
        return -1;
    size_t len = (size_t)n * MNPM_INPUTS;
    raw = malloc(len);
    px = malloc(len * sizeof *px);
    if (!raw || !px) {
        fail(err, errlen, "%s: out of memory for %u images", path, (unsigned)n);
        goto cleanup;
    }
    if (read_full(g, raw, len) != 0) {
        fail(err, errlen, "%s: truncated: header says %u images, the data ends early", path,
             (unsigned)n);
        goto cleanup;
    }
    for (size_t i = 0; i < len; i++)
        px[i] = (float)raw[i] * (1.0f / 255.0f);
    *pixels = px;
    *count = n;
    px = NULL;
    rc = 0;
cleanup:
    gzclose(g);
    free(raw);
    free(px);
    return rc;
}

int mnpm_idx_labels(const char *path, unsigned char **labels, size_t *count, char *err,
                    size_t errlen)
{
    uint32_t n;
    int rc = -1;
    unsigned char *lab = NULL;
    gzFile g = open_idx(path, 0x801, 1, &n, err, errlen);
    if (!g)
        return -1;
    lab = malloc(n);
    if (!lab) {
        fail(err, errlen, "%s: out of memory", path);
        goto cleanup;
    }
    if (read_full(g, lab, n) != 0) {
        fail(err, errlen, "%s: truncated: header says %u labels, the data ends early", path,
             (unsigned)n);
        goto cleanup;
    }
    for (size_t i = 0; i < n; i++)
        if (lab[i] > 9) {
            fail(err, errlen, "%s: label %zu is %u, expected 0..9", path, i, lab[i]);
            goto cleanup;
        }
    *labels = lab;
    *count = n;
    lab = NULL;
    rc = 0;
cleanup:
    gzclose(g);
    free(lab);
    return rc;
}

/* ---- SHA-256 (FIPS 180-4) ---- */

int mnpm_sha256_file(const char *path, char hex[65], char *err, size_t errlen)
{
    struct mpi_sha256 h;
    unsigned char buf[65536];
    size_t n;
    FILE *f = fopen(path, "rb");
    if (!f)
        return fail(err, errlen, "%s: %s", path, strerror(errno));
    mpi_sha256_init(&h);
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        mpi_sha256_update(&h, buf, n);
    int bad = ferror(f);
    fclose(f);
    if (bad)
        return fail(err, errlen, "%s: read error", path);
    mpi_sha256_final(&h, hex);
    return 0;
}
