/* SPDX-License-Identifier: MIT */
/* Reader for the MNIST test set in IDX format (gzip'd or raw), for the web-ui's random digits. */
#include "config.h"

#include "idx.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

/* gzopen reads raw files transparently, so "<base>.gz" and "<base>" share one path. */
static gzFile open_idx(const char *dir, const char *base, char *path, size_t pathlen)
{
    snprintf(path, pathlen, "%s/%s.gz", dir, base);
    if (access(path, R_OK) != 0) snprintf(path, pathlen, "%s/%s", dir, base);
    return gzopen(path, "rb");
}

static bool read_exact(gzFile f, void *buf, size_t n)
{
    uint8_t *p = buf;
    while (n) {
        unsigned chunk = n > (1u << 30) ? (1u << 30) : (unsigned)n;
        int got = gzread(f, p, chunk);
        if (got <= 0) return false;
        p += got;
        n -= (size_t)got;
    }
    return true;
}

static uint32_t be32(const uint8_t *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

int idx_testset_load(const char *dir, struct idx_testset *out, char *err, size_t errlen)
{
    char path[4096];
    uint8_t hdr[16];
    uint8_t *pixels = NULL, *labels = NULL;
    gzFile f = open_idx(dir, "t10k-images-idx3-ubyte", path, sizeof path);
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno ? errno : ENOENT));
        goto fail;
    }
    if (!read_exact(f, hdr, 16)) {
        snprintf(err, errlen, "%s: truncated IDX header", path);
        goto fail_close;
    }
    if (be32(hdr) != 2051 || be32(hdr + 8) != 28 || be32(hdr + 12) != 28) {
        snprintf(err, errlen, "%s: not an IDX image file of 28x28 images (magic %u, %ux%u)", path,
                 be32(hdr), be32(hdr + 8), be32(hdr + 12));
        goto fail_close;
    }
    size_t count = be32(hdr + 4);
    if (count == 0 || count > 1000000) {
        snprintf(err, errlen, "%s: implausible image count %zu", path, count);
        goto fail_close;
    }
    pixels = malloc(count * 784);
    if (!pixels || !read_exact(f, pixels, count * 784)) {
        snprintf(err, errlen, "%s: truncated: expected %zu images", path, count);
        goto fail_close;
    }
    gzclose(f);
    f = open_idx(dir, "t10k-labels-idx1-ubyte", path, sizeof path);
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno ? errno : ENOENT));
        goto fail;
    }
    if (!read_exact(f, hdr, 8) || be32(hdr) != 2049 || be32(hdr + 4) != count) {
        snprintf(err, errlen, "%s: expected an IDX label file (magic 2049) of %zu labels", path,
                 count);
        goto fail_close;
    }
    labels = malloc(count);
    if (!labels || !read_exact(f, labels, count)) {
        snprintf(err, errlen, "%s: truncated: expected %zu labels", path, count);
        goto fail_close;
    }
    for (size_t i = 0; i < count; i++) {
        if (labels[i] > 9) {
            snprintf(err, errlen, "%s: label %u at index %zu is not a digit", path, labels[i], i);
            goto fail_close;
        }
    }
    gzclose(f);
    out->count = count;
    out->pixels = pixels;
    out->labels = labels;
    return 0;
fail_close:
    gzclose(f);
fail:
    free(pixels);
    free(labels);
    return -1;
}

void idx_testset_free(struct idx_testset *t)
{
    free(t->pixels);
    free(t->labels);
    memset(t, 0, sizeof *t);
}
