/* SPDX-License-Identifier: MIT */
/* textfile.c: read a capped text file; find NUL bytes and invalid UTF-8 with line:col. */
#include "config.h"

#include "textfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "pages.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

int mpi_textfile_read(const char *path, size_t max, char **data, size_t *len,
                      struct mp_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return mp_error_set(err, MP_ERR_IO, "%s: %s", path, strerror(errno));
    struct stat st;
    int rc = MP_OK;
    char *buf = NULL;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        rc = mp_error_set(err, MP_ERR_IO, "%s: not a regular file", path);
        goto close;
    }
    if ((size_t)st.st_size > max) {
        rc = mp_error_set(err, MP_ERR_PARSE, "%s: %lld bytes; the limit is %zu MiB", path, (long long)st.st_size, max >> 20);
        goto close;
    }
    size_t n = (size_t)st.st_size;
    if (!(buf = malloc(n + 1))) {
        rc = mp_error_set(err, MP_ERR_NOMEM, "out of memory");
        goto close;
    }
    if (fread(buf, 1, n, f) != n) {
        rc = mp_error_set(err, MP_ERR_IO, "%s: read error", path);
        free(buf);
        goto close;
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
close:
    fclose(f);
    return rc;
}

/* Files from this size on are mapped: the page cache's pages, not a copy in fresh ones. */
#define MAP_MIN ((size_t)64 << 10)

int mpi_textfile_map(const char *path, size_t max, char **data, size_t *len,
                     struct mp_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return mp_error_set(err, MP_ERR_IO, "%s: %s", path, strerror(errno));
    struct stat st;
    bool big = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size >= MAP_MIN &&
               (size_t)st.st_size <= max;
    char *p = MAP_FAILED;
    size_t n = big ? (size_t)st.st_size : 0, span = mpi_pages_round(n + 1);
    /* Whole pages and one byte more: the bytes after the end of the file in its last page
     * read as zero, and so does the page after it when the file fills its last page, so the
     * text is NUL-terminated without a write. */
    if (big && (p = mmap(NULL, span, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)) != MAP_FAILED &&
        mmap(p, n, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0) == MAP_FAILED) {
        munmap(p, span);
        p = MAP_FAILED;
    }
    close(fd);
    if (p == MAP_FAILED) /* small, or not mappable: read */
        return mpi_textfile_read(path, max, data, len, err);
    *data = p;
    *len = n;
    return MP_OK;
}

void mpi_textfile_unmap(char *data, size_t len)
{
    if (data && len >= MAP_MIN)
        munmap(data, mpi_pages_round(len + 1));
    else
        free(data);
}

/* Length of the valid UTF-8 sequence at @s (RFC 3629: no overlongs, surrogates or > U+10FFFF),
 * 0 when invalid. */
static size_t utf8_len(const unsigned char *s, size_t left)
{
    if (s[0] < 0x80)
        return 1;
    size_t n = s[0] >= 0xC2 && s[0] <= 0xDF ? 2 : s[0] >= 0xE0 && s[0] <= 0xEF ? 3
             : s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : 0;
    if (!n || n > left)
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    if ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] > 0x9F) ||
        (s[0] == 0xF0 && s[1] < 0x90) || (s[0] == 0xF4 && s[1] > 0x8F))
        return 0;
    return n;
}

/* NUL bytes and invalid UTF-8, with the position of the first of each. */
/* C0 controls but tab, LF and CR; DEL; C1 controls but NEL (U+0085): outside YAML's
 * printable set. */
static bool is_control(const unsigned char *s, size_t n)
{
    if (n == 1)
        return (s[0] < 0x20 && s[0] != '\t' && s[0] != '\n' && s[0] != '\r') || s[0] == 0x7f;
    return n == 2 && s[0] == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f && s[1] != 0x85;
}

#define ONES 0x0101010101010101ull

/* Every byte of @u is printable ASCII, a tab, a line feed or a CR: the usual file, with
 * nothing to report. */
static bool all_plain_ascii(const unsigned char *u, size_t len)
{
    size_t i = 0;
#ifdef __SSE2__
    /* Sixteen bytes at a time, as signed bytes: 0x20..0x7e are those above 0x1f and below
     * 0x7f (0x80 and above are negative). */
    const __m128i low = _mm_set1_epi8(0x1f), high = _mm_set1_epi8(0x7f);
    const __m128i tab = _mm_set1_epi8('\t'), lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r');
    for (; len - i >= 16; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(u + i));
        __m128i ok = _mm_and_si128(_mm_cmpgt_epi8(v, low), _mm_cmplt_epi8(v, high));
        ok = _mm_or_si128(ok, _mm_or_si128(_mm_cmpeq_epi8(v, lf),
                                           _mm_or_si128(_mm_cmpeq_epi8(v, tab),
                                                        _mm_cmpeq_epi8(v, cr))));
        if (_mm_movemask_epi8(ok) != 0xffff)
            return false;
    }
#endif
    for (; i < len; i++)
        if (!((u[i] >= 0x20 && u[i] < 0x7f) || u[i] == '\t' || u[i] == '\n' || u[i] == '\r'))
            return false;
    return true;
}

bool mpi_text_check(struct mp_diags *d, const char *data, size_t len)
{
    if (all_plain_ascii((const unsigned char *)data, len))
        return true;
    unsigned long line = 1, col = 1;
    bool ok = true, nul = false, bad = false, ctl = false;
    const unsigned char *u = (const unsigned char *)data;
    for (size_t i = 0; i < len;) {
        /* Printable ASCII, tab and CR, the bulk of a file, need no decoding: eight bytes at a
         * time while none is below 0x20 or above 0x7e. */
        while (len - i >= 8) {
            uint64_t x;
            memcpy(&x, u + i, 8);
            if (((x - ONES * 0x20) & ~x & ONES * 0x80) || (((x + ONES * 1) | x) & ONES * 0x80))
                break;
            i += 8;
            col += 8;
        }
        while (i < len && ((u[i] >= 0x20 && u[i] < 0x7f) || u[i] == '\t' || u[i] == '\r')) {
            i++;
            col++;
        }
        if (i == len)
            break;
        const unsigned char *s = u + i;
        size_t n = utf8_len(s, len - i);
        if (s[0] == 0 && !nul) {
            mpi_diag_add(d, MP_DIAG_ERROR, line, col, "text", "NUL byte in the file");
            nul = true;
            ok = false;
        } else if (!n && !bad) {
            mpi_diag_add(d, MP_DIAG_ERROR, line, col, "UTF-8 text",
                         "invalid UTF-8 (byte 0x%02X)", s[0]);
            bad = true;
            ok = false;
        } else if (n && !ctl && is_control(s, n)) {
            /* YAML refuses these too, but names no place for them. */
            mpi_diag_add(d, MP_DIAG_ERROR, line, col, "printable text",
                         "control character U+%04X in the file",
                         n == 1 ? s[0] : (unsigned)((s[0] & 0x1f) << 6 | (s[1] & 0x3f)));
            ctl = true;
            ok = false;
        }
        if (s[0] == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
        i += n ? n : 1;
    }
    return ok;
}
