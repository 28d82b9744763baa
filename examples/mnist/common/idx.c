/* SPDX-License-Identifier: MIT */
/* IDX (MNIST) file reading through zlib's gzopen, which reads gzip and raw files alike; SHA-256. */
#include "config.h"

#include "mnpm.h"

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

static const uint32_t K256[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
    0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
    0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2,
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha256_block(uint32_t s[8], const unsigned char *p)
{
    uint32_t w[64], a = s[0], b = s[1], c = s[2], d = s[3], e = s[4], f = s[5], g = s[6],
             h = s[7];
    for (int i = 0; i < 16; i++)
        w[i] = be32(p + 4 * i);
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = h + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) + K256[i]
                      + w[i];
        uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        h = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
    }
    s[0] += a; s[1] += b; s[2] += c; s[3] += d; s[4] += e; s[5] += f; s[6] += g; s[7] += h;
}

int mnpm_sha256_file(const char *path, char hex[65], char *err, size_t errlen)
{
    uint32_t s[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c,
                      0x1f83d9ab, 0x5be0cd19 };
    unsigned char buf[65536 + 128];
    uint64_t total = 0;
    size_t n, have = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return fail(err, errlen, "%s: %s", path, strerror(errno));
    while ((n = fread(buf + have, 1, 65536, f)) > 0) {
        total += n;
        have += n;
        size_t blocks = have / 64;
        for (size_t i = 0; i < blocks; i++)
            sha256_block(s, buf + 64 * i);
        memmove(buf, buf + 64 * blocks, have - 64 * blocks);
        have -= 64 * blocks;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad)
        return fail(err, errlen, "%s: read error", path);
    buf[have++] = 0x80;
    while (have % 64 != 56)
        buf[have++] = 0;
    for (int i = 7; i >= 0; i--)
        buf[have++] = (unsigned char)((total * 8) >> (8 * i));
    for (size_t i = 0; i < have; i += 64)
        sha256_block(s, buf + i);
    for (int i = 0; i < 8; i++)
        snprintf(hex + 8 * i, 9, "%08x", (unsigned)s[i]);
    return 0;
}
