/* SPDX-License-Identifier: MIT */
/* yaml_emit.c: mp_write_yaml(), a block-style YAML emitter with libyaml's exact output. */
#include "config.h"

#include "write.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "doc.h"

/* Our own block-style emitter. It writes byte for byte what libyaml's emitter (0.2.5, unicode,
 * width 80, indent 2) wrote for the same tree, which the golden files pin and
 * tests/check_yaml_emit.c checks against libyaml itself: the same scalar styles (plain, else
 * single-quoted, else double-quoted), the same folding of long scalars at spaces past column
 * 80, the same indentation and the same escapes. It only has to cover what mp_write_yaml()
 * asks for: no tags, anchors, directives or block scalars, one implicit document. Writing
 * straight into the buffer, with no event queue and no copy of every scalar, makes it about
 * ten times cheaper than going through libyaml. */

#define YAML_WIDTH 80  /* libyaml's best_width: folding starts past this column */
#define YAML_INDENT 2  /* best_indent */
#define YAML_SIMPLE_KEY_MAX 128 /* longer keys are written as "? key" */

/* Flow collections of strings already written, by content and by the state they started in:
 * a workflow repeats the same small ones ({name: MODE, value: bench}, ['true'], its labels)
 * in every template, and the same content from the same state gives the same bytes. A
 * document keeps one node per distinct string and one copy of each key, so equal collections
 * of strings hold equal pointers. */
#define MEMO_SLOTS 4096 /* a power of two: sets of two entries, the older one replaced */
#define MEMO_MAX_ITEMS 16

struct memo {
    const struct mp_node *node; /* the first collection written with this content */
    size_t hash;
    size_t at, len; /* its bytes in the output */
    int column, indent, end_column;
    bool whitespace, indention;
    /* a shared block collection (struct mp_node's shared), found by its address: */
    bool block, mapping_ctx, end_whitespace, end_indention;
};

struct yw {
    struct mp_buf *out;
    int column;      /* in characters, as libyaml counts */
    int indent;      /* -1 before the root node */
    int flow;        /* flow level */
    bool whitespace; /* the last thing written was whitespace (or nothing) */
    bool indention;  /* only indentation on this line so far */
    struct memo *memo; /* MEMO_SLOTS entries, or NULL */
    void (*progress)(void *user, const char *data, size_t len);
    void *user;
    size_t mark; /* call progress once the output reaches this length */
    size_t base; /* where this document starts in the output */
    bool may_split; /* a long sequence may still be shared with a second thread (yw_split) */
    /* yw_indent's one-copy path may run while the output is shorter than this: 65 bytes of
     * room, and no progress call due (yw_fast_end()). Only ever too small, never too big: the
     * room and the mark only grow. */
    size_t fast_end;
};

#define PROGRESS_EVERY 65536

/* How libyaml may write a scalar, from one look at its characters. */
struct yscalar {
    bool multiline;
    bool flow_plain;
    bool block_plain;
    bool single_quoted;
};

/* Sets w->fast_end from the room and the progress mark. */
static void yw_fast_end(struct yw *w)
{
    const struct mp_buf *b = w->out;
    size_t end = b->err == MP_OK && b->cap > 65 ? b->cap - 65 : 0;
    if (w->progress && w->mark - 1 < end)
        end = w->mark ? w->mark - 1 : 0;
    w->fast_end = end;
}

/* yw_room() when the buffer must grow (or has failed). */
__attribute__((noinline)) static bool yw_grow(struct yw *w, size_t n)
{
    if (w->out->err != MP_OK)
        return false;
    bool ok = mpi_buf_reserve(w->out, n) == MP_OK;
    yw_fast_end(w);
    return ok;
}

/* Room for @n more bytes (and the final NUL) in the output. */
static inline bool yw_room(struct yw *w, size_t n)
{
    const struct mp_buf *b = w->out;
    if (b->err == MP_OK && b->cap - b->len > n)
        return true;
    return yw_grow(w, n);
}

static void yw_put(struct yw *w, char c)
{
    if (yw_room(w, 1))
        w->out->data[w->out->len++] = c;
    w->column++;
}

static void yw_bytes(struct yw *w, const char *s, size_t n, int chars)
{
    if (yw_room(w, n)) {
        memcpy(w->out->data + w->out->len, s, n);
        w->out->len += n;
    }
    w->column += chars;
}

static void yw_break(struct yw *w)
{
    if (yw_room(w, 1))
        w->out->data[w->out->len++] = '\n';
    w->column = 0;
    if (w->progress && w->out->len >= w->mark && w->out->err == MP_OK) {
        w->mark = w->out->len + PROGRESS_EVERY;
        yw_fast_end(w);
        w->progress(w->user, w->out->data + w->base, w->out->len - w->base);
    }
}

/* Bytes in the UTF-8 sequence led by @c (0 for a byte that cannot lead one). */
static int u8_width(unsigned char c)
{
    return (c & 0x80) == 0 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3
                                 : (c & 0xf8) == 0xf0 ? 4 : 0;
}

/* One character (its whole UTF-8 sequence) copied; returns what follows it. */
static const unsigned char *yw_char(struct yw *w, const unsigned char *p)
{
    yw_bytes(w, (const char *)p, (size_t)u8_width(*p), 1);
    return p + u8_width(*p);
}

/* A line break as libyaml writes one inside a scalar: '\n' for '\n', the character itself
 * for the other breaks (CR, NEL, LS, PS). */
static const unsigned char *yw_char_break(struct yw *w, const unsigned char *p)
{
    if (*p == '\n') {
        yw_break(w);
        return p + 1;
    }
    p = yw_char(w, p);
    w->column = 0;
    return p;
}

static void yw_indent(struct yw *w)
{
    int indent = w->indent >= 0 ? w->indent : 0;
    if ((!w->indention || w->column > indent || (w->column == indent && !w->whitespace)) &&
        indent < 64 && w->out->len < w->fast_end) {
        /* the usual case: a line break and the indentation in one copy (of a fixed size,
         * which the compiler writes inline; what follows the indentation is written over) */
        static const char spaces[65] = "\n                                "
                                       "                                ";
        memcpy(w->out->data + w->out->len, spaces, sizeof(spaces));
        w->out->len += (size_t)indent + 1;
        w->column = indent;
        w->whitespace = w->indention = true;
        return;
    }
    if (!w->indention || w->column > indent || (w->column == indent && !w->whitespace))
        yw_break(w);
    if (w->column < indent && yw_room(w, (size_t)(indent - w->column))) {
        memset(w->out->data + w->out->len, ' ', (size_t)(indent - w->column));
        w->out->len += (size_t)(indent - w->column);
    }
    if (w->column < indent)
        w->column = indent;
    w->whitespace = true;
    w->indention = true;
}

/* A one-character indicator (libyaml's write_indicator). */
static void yw_indicator(struct yw *w, char c, bool need_whitespace, bool is_whitespace,
                         bool is_indention)
{
    if (need_whitespace && !w->whitespace)
        yw_put(w, ' ');
    yw_put(w, c);
    w->whitespace = is_whitespace;
    w->indention = w->indention && is_indention;
}

/* libyaml's character classes, on UTF-8 at @p (NUL-terminated, so looking ahead is safe). */
static bool is_break(const unsigned char *p)
{
    return p[0] == '\r' || p[0] == '\n' || (p[0] == 0xc2 && p[1] == 0x85) ||
           (p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9));
}

static bool is_blankz(const unsigned char *p)
{
    return p[0] == ' ' || p[0] == '\t' || p[0] == '\0' || is_break(p);
}

static bool is_printable(const unsigned char *p)
{
    unsigned char c = p[0];
    return c == 0x0a || (c >= 0x20 && c <= 0x7e) || (c == 0xc2 && p[1] >= 0xa0) ||
           (c > 0xc2 && c < 0xed) || (c == 0xed && p[1] < 0xa0) || c == 0xee ||
           (c == 0xef && !(p[1] == 0xbb && p[2] == 0xbf) &&
            !(p[1] == 0xbf && (p[2] == 0xbe || p[2] == 0xbf)));
}

static bool is_bom(const unsigned char *p)
{
    return p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf;
}

/* The UTF-8 check libyaml makes of every scalar: well-formed sequences, none overlong. */
static bool utf8_ok(const unsigned char *p, size_t len)
{
    const unsigned char *end = p + len;
    while (p < end) {
        int width = u8_width(*p);
        if (!width || end - p < width)
            return false;
        unsigned v = width == 1 ? *p : width == 2 ? *p & 0x1fu : width == 3 ? *p & 0x0fu
                                                                           : *p & 0x07u;
        for (int k = 1; k < width; k++) {
            if ((p[k] & 0xc0) != 0x80)
                return false;
            v = (v << 6) | (p[k] & 0x3fu);
        }
        if ((width == 2 && v < 0x80) || (width == 3 && v < 0x800) ||
            (width == 4 && v < 0x10000))
            return false;
        p += width;
    }
    return true;
}

/* What libyaml's scalar analysis allows for @s (@len bytes, not empty). */
static void analyze(const unsigned char *s, size_t len, struct yscalar *a)
{
    const unsigned char *end = s + len;
    bool block_ind = false, flow_ind = false, breaks = false, special = false;
    bool edge = false, break_space = false, space_break = false;
    bool prev_space = false, prev_break = false;
    if ((s[0] == '-' && s[1] == '-' && s[2] == '-') || (s[0] == '.' && s[1] == '.' && s[2] == '.'))
        block_ind = flow_ind = true;
    bool preceded_ws = true;
    bool followed_ws = is_blankz(s + u8_width(s[0]));
    for (const unsigned char *p = s; p != end;) {
        unsigned char c = *p;
        int width = u8_width(c);
        if (p == s) {
            switch (c) {
            case '#': case ',': case '[': case ']': case '{': case '}': case '&': case '*':
            case '!': case '|': case '>': case '\'': case '"': case '%': case '@': case '`':
                flow_ind = block_ind = true;
                break;
            case '?': case ':':
                flow_ind = true;
                if (followed_ws)
                    block_ind = true;
                break;
            case '-':
                if (followed_ws)
                    flow_ind = block_ind = true;
                break;
            }
        } else {
            switch (c) {
            case ',': case '?': case '[': case ']': case '{': case '}':
                flow_ind = true;
                break;
            case ':':
                flow_ind = true;
                if (followed_ws)
                    block_ind = true;
                break;
            case '#':
                if (preceded_ws)
                    flow_ind = block_ind = true;
                break;
            }
        }
        if (!is_printable(p))
            special = true;
        bool brk = is_break(p);
        if (brk)
            breaks = true;
        if (c == ' ') {
            if (p == s || p + width == end)
                edge = true; /* a leading or trailing space */
            if (prev_break)
                break_space = true;
            prev_space = true;
            prev_break = false;
        } else if (brk) {
            if (p == s || p + width == end)
                edge = true;
            if (prev_space)
                space_break = true;
            prev_space = false;
            prev_break = true;
        } else {
            prev_space = prev_break = false;
        }
        preceded_ws = is_blankz(p);
        p += width;
        if (p != end)
            followed_ws = is_blankz(p + u8_width(*p));
    }
    a->multiline = breaks;
    a->flow_plain = a->block_plain = a->single_quoted = true;
    if (edge || breaks)
        a->flow_plain = a->block_plain = false;
    if (break_space || space_break || special)
        a->flow_plain = a->block_plain = a->single_quoted = false;
    if (flow_ind)
        a->flow_plain = false;
    if (block_ind)
        a->block_plain = false;
}

static void write_plain(struct yw *w, const unsigned char *s, size_t len, bool allow_breaks)
{
    if (!w->whitespace && (len || w->flow))
        yw_put(w, ' ');
    const unsigned char *p = s, *end = s + len;
    bool spaces = false;
    while (p != end) {
        if (*p == ' ') {
            if (allow_breaks && !spaces && w->column > YAML_WIDTH && p[1] != ' ') {
                yw_indent(w);
                p++;
            } else {
                p = yw_char(w, p);
            }
            spaces = true;
        } else {
            /* A run up to the next space in one copy; plain scalars hold no breaks. */
            const unsigned char *q = p;
            int chars = 0;
            while (q != end && *q != ' ') {
                chars += (*q & 0xc0) != 0x80;
                q++;
            }
            yw_bytes(w, (const char *)p, (size_t)(q - p), chars);
            p = q;
            w->indention = false;
            spaces = false;
        }
    }
    w->whitespace = false;
    w->indention = false;
}

static void write_single(struct yw *w, const unsigned char *s, size_t len, bool allow_breaks)
{
    yw_indicator(w, '\'', true, false, false);
    const unsigned char *p = s, *end = s + len;
    bool spaces = false, breaks = false;
    while (p != end) {
        if (*p == ' ') {
            if (allow_breaks && !spaces && w->column > YAML_WIDTH && p != s && p != end - 1 &&
                p[1] != ' ') {
                yw_indent(w);
                p++;
            } else {
                p = yw_char(w, p);
            }
            spaces = true;
        } else if (is_break(p)) {
            if (!breaks && *p == '\n')
                yw_break(w);
            p = yw_char_break(w, p);
            w->indention = true;
            breaks = true;
        } else {
            if (breaks)
                yw_indent(w);
            if (*p == '\'')
                yw_put(w, '\'');
            p = yw_char(w, p);
            w->indention = false;
            spaces = breaks = false;
        }
    }
    if (breaks)
        yw_indent(w);
    yw_indicator(w, '\'', false, false, false);
    w->whitespace = false;
    w->indention = false;
}

static void write_double(struct yw *w, const unsigned char *s, size_t len, bool allow_breaks)
{
    static const char hex[] = "0123456789ABCDEF";
    yw_indicator(w, '"', true, false, false);
    const unsigned char *p = s, *end = s + len;
    bool spaces = false;
    while (p != end) {
        if (!is_printable(p) || is_bom(p) || is_break(p) || *p == '"' || *p == '\\') {
            int width = u8_width(*p);
            unsigned v = width == 1 ? *p : width == 2 ? *p & 0x1fu : width == 3 ? *p & 0x0fu
                                                                               : *p & 0x07u;
            for (int k = 1; k < width; k++)
                v = (v << 6) + (p[k] & 0x3fu);
            p += width;
            yw_put(w, '\\');
            char esc = 0;
            switch (v) {
            case 0x00: esc = '0'; break;
            case 0x07: esc = 'a'; break;
            case 0x08: esc = 'b'; break;
            case 0x09: esc = 't'; break;
            case 0x0a: esc = 'n'; break;
            case 0x0b: esc = 'v'; break;
            case 0x0c: esc = 'f'; break;
            case 0x0d: esc = 'r'; break;
            case 0x1b: esc = 'e'; break;
            case 0x22: esc = '"'; break;
            case 0x5c: esc = '\\'; break;
            case 0x85: esc = 'N'; break;
            case 0xa0: esc = '_'; break;
            case 0x2028: esc = 'L'; break;
            case 0x2029: esc = 'P'; break;
            }
            if (esc) {
                yw_put(w, esc);
            } else {
                int digits = v <= 0xff ? 2 : v <= 0xffff ? 4 : 8;
                yw_put(w, digits == 2 ? 'x' : digits == 4 ? 'u' : 'U');
                for (int k = (digits - 1) * 4; k >= 0; k -= 4)
                    yw_put(w, hex[(v >> k) & 0x0f]);
            }
            spaces = false;
        } else if (*p == ' ') {
            if (allow_breaks && !spaces && w->column > YAML_WIDTH && p != s && p != end - 1) {
                yw_indent(w);
                if (p[1] == ' ')
                    yw_put(w, '\\');
                p++;
            } else {
                p = yw_char(w, p);
            }
            spaces = true;
        } else {
            p = yw_char(w, p);
            spaces = false;
        }
    }
    yw_indicator(w, '"', false, false, false);
    w->whitespace = false;
    w->indention = false;
}

/* Printable ASCII that libyaml's analysis finds nothing special in, as bitmaps of the
 * characters allowed first (not an indicator, not a space) and after the first (not a flow
 * indicator, ':' or '#'). */
#define FIRST_LO 0x3bffcb1000000000u
#define FIRST_HI 0x47fffffed7fffffeu
#define INNER_LO 0x7bffeff700000000u
#define INNER_HI 0x57ffffffd7ffffffu

static bool in_set(uint64_t lo, uint64_t hi, unsigned char c)
{
    return c < 64 ? (lo >> c) & 1 : c < 128 && ((hi >> (c - 64)) & 1);
}

/* The common case, checked in one cheap pass: every style allowed, one line. */
static bool plain_ascii(const unsigned char *s, size_t *len)
{
    if (!in_set(FIRST_LO, FIRST_HI, s[0])) {
        /* "-x" is fine; "- x", "-" and "---" are not */
        if (s[0] != '-' || !s[1] || s[1] == ' ' || (s[1] == '-' && s[2] == '-'))
            return false;
    } else if (s[0] == '.' && s[1] == '.' && s[2] == '.') {
        return false;
    }
    const unsigned char *p = s + 1;
    while (*p && in_set(INNER_LO, INNER_HI, *p))
        p++;
    if (*p || p[-1] == ' ')
        return false;
    *len = (size_t)(p - s);
    return true;
}

/* Length, UTF-8 check and analysis of @text; @ascii when every character is one byte. */
static int scalar_info(const char *text, size_t *len, struct yscalar *a, bool *ascii)
{
    const unsigned char *s = (const unsigned char *)text;
    if (plain_ascii(s, len)) {
        *a = (struct yscalar){false, true, true, true};
        *ascii = true;
        return MP_OK;
    }
    *len = strlen(text);
    if (!utf8_ok(s, *len))
        return MP_ERR_INVAL;
    *a = (struct yscalar){false, false, true, true};
    if (*len)
        analyze(s, *len, a);
    *ascii = false;
    return MP_OK;
}

/* What yw_scalar_out() needs of a document string, kept in its struct mpi_dstr. */
enum {
    YI_DONE = 1,        /* the analysis below was made */
    YI_BAD = 2,         /* not valid UTF-8: cannot be written */
    YI_QUOTE = 4,       /* a YAML 1.1 implicit type (mpi_yaml_needs_quotes): single quotes */
    YI_ASCII = 8,
    YI_SPACE = 16,      /* holds a space (somewhere to fold) */
    YI_MULTILINE = 32,
    YI_FLOW_PLAIN = 64,
    YI_BLOCK_PLAIN = 128,
    YI_SINGLE = 256,    /* single quotes allowed */
    YI_QUOTE_CHAR = 512, /* holds a single quote */
};

static unsigned scalar_bits(const char *text)
{
    size_t len;
    struct yscalar a;
    bool ascii;
    if (scalar_info(text, &len, &a, &ascii) != MP_OK)
        return YI_DONE | YI_BAD;
    if (!ascii && len) { /* scalar_info() only tells for plain scalars */
        ascii = true;
        for (size_t i = 0; i < len && ascii; i++)
            ascii = !((unsigned char)text[i] & 0x80);
    }
    return YI_DONE | (mpi_yaml_needs_quotes(text) ? YI_QUOTE : 0) | (ascii ? YI_ASCII : 0) |
           (memchr(text, ' ', len) ? YI_SPACE : 0) | (a.multiline ? YI_MULTILINE : 0) |
           (a.flow_plain ? YI_FLOW_PLAIN : 0) | (a.block_plain ? YI_BLOCK_PLAIN : 0) |
           (a.single_quoted ? YI_SINGLE : 0) | (memchr(text, '\'', len) ? YI_QUOTE_CHAR : 0);
}

/* The analysis of @text, a string of the document, made on its first use. */
static unsigned dstr_bits(const char *text, size_t *len)
{
    struct mpi_dstr *d = mpi_dstr_of(text);
    /* Relaxed atomics: two writer threads (yw_split) may fill it in at once, alike. */
    unsigned short bits = __atomic_load_n(&d->yaml, __ATOMIC_RELAXED);
    if (!bits) {
        bits = (unsigned short)scalar_bits(text);
        __atomic_store_n(&d->yaml, bits, __ATOMIC_RELAXED);
    }
    *len = d->len;
    return bits;
}

/* One scalar (@len bytes, analysed into @bits), in the style libyaml would pick: plain,
 * else single-quoted, else double-quoted; YI_QUOTE asks for single quotes. */
static void yw_scalar_out(struct yw *w, const char *text, size_t len, unsigned bits,
                          bool simple_key)
{
    const unsigned char *s = (const unsigned char *)text;
    enum { PLAIN, SINGLE, DOUBLE } style = bits & YI_QUOTE ? SINGLE : PLAIN;
    if (simple_key && (bits & YI_MULTILINE))
        style = DOUBLE;
    if (style == PLAIN && ((w->flow && !(bits & YI_FLOW_PLAIN)) ||
                           (!w->flow && !(bits & YI_BLOCK_PLAIN)) ||
                           (!len && (w->flow || simple_key))))
        style = SINGLE;
    if (style == SINGLE && !(bits & YI_SINGLE))
        style = DOUBLE;
    bool quoted = style == SINGLE;
    if ((style == PLAIN && (bits & (YI_ASCII | YI_SPACE)) == YI_ASCII) ||
        (quoted && (bits & (YI_ASCII | YI_SPACE | YI_MULTILINE | YI_QUOTE_CHAR)) == YI_ASCII)) {
        /* no space, so nowhere to fold (no break, nothing to double): a space when one is
         * needed, and the bytes (between two quotes) in one copy */
        size_t lead = !w->whitespace, n = lead + len + 2 * quoted;
        if (yw_room(w, n)) {
            char *o = w->out->data + w->out->len;
            if (lead)
                *o++ = ' ';
            if (quoted)
                *o++ = '\'';
            memcpy(o, text, len);
            if (quoted)
                o[len] = '\'';
            w->out->len += n;
        }
        w->column += (int)n;
        w->whitespace = w->indention = false;
        return;
    }
    int saved = w->indent;
    w->indent = w->indent < 0 ? YAML_INDENT : w->indent + YAML_INDENT;
    if (style == PLAIN)
        write_plain(w, s, len, !simple_key);
    else if (style == SINGLE)
        write_single(w, s, len, !simple_key);
    else
        write_double(w, s, len, !simple_key);
    w->indent = saved;
}

/* A scalar that is not a document string (numbers, true, false, null): written as itself,
 * never quoted for its type. */
static void yw_scalar(struct yw *w, const char *text, bool simple_key)
{
    yw_scalar_out(w, text, strlen(text), scalar_bits(text) & ~(unsigned)YI_QUOTE, simple_key);
}

static bool is_scalar(const struct mp_node *n)
{
    return n->kind != MPI_NODE_MAP && n->kind != MPI_NODE_SEQ;
}

static bool all_scalars(const struct mp_node *n)
{
    for (size_t i = 0; i < n->n; i++)
        if (!is_scalar(n->items[i]))
            return false;
    return true;
}

static int yw_node(struct yw *w, const struct mp_node *n, bool mapping_ctx, bool simple);

/* A key and its value. libyaml writes a key of one line and at most 128 bytes as a simple
 * key ("key: value"), any other as "? key" with ": value" on the next line (in block style). */
static int yw_key(struct yw *w, const char *key, const struct mp_node *value)
{
    size_t len;
    unsigned bits = dstr_bits(key, &len);
    if (bits & YI_BAD)
        return MP_ERR_INVAL;
    /* The common case in one copy: a key written plain with no space (so nowhere to fold),
     * ":", and a string value of the same kind, or a collection after it. */
    unsigned plain = w->flow ? YI_FLOW_PLAIN : YI_BLOCK_PLAIN;
    unsigned mask = YI_QUOTE | YI_MULTILINE | YI_SPACE | YI_ASCII | plain;
    if ((bits & mask) == (YI_ASCII | plain) && len && len <= YAML_SIMPLE_KEY_MAX) {
        size_t vlen = 0, lead = !w->whitespace;
        unsigned vbits = 0;
        bool pair = value->kind == MPI_NODE_STR;
        if (pair) {
            vbits = dstr_bits(value->str, &vlen);
            pair = (vbits & (mask | YI_BAD)) == (YI_ASCII | plain) && vlen;
        }
        size_t n = lead + len + 1 + (pair ? 1 + vlen : 0);
        if (yw_room(w, n)) {
            char *o = w->out->data + w->out->len;
            if (lead)
                *o++ = ' ';
            memcpy(o, key, len);
            o += len;
            *o++ = ':';
            if (pair) {
                *o++ = ' ';
                memcpy(o, value->str, vlen);
            }
            w->out->len += n;
        }
        w->column += (int)n;
        w->whitespace = w->indention = false;
        return pair ? MP_OK : yw_node(w, value, true, false);
    }
    if (!(bits & YI_MULTILINE) && len <= YAML_SIMPLE_KEY_MAX) {
        yw_scalar_out(w, key, len, bits, true);
        yw_indicator(w, ':', false, false, false);
    } else {
        yw_indicator(w, '?', true, false, !w->flow);
        yw_scalar_out(w, key, len, bits, false);
        if (!w->flow || w->column > YAML_WIDTH)
            yw_indent(w);
        yw_indicator(w, ':', true, false, !w->flow);
    }
    return yw_node(w, value, true, false);
}

static size_t memo_hash(const struct yw *w, const struct mp_node *n)
{
    uint64_t h = ((uint64_t)n->kind << 56) ^ ((uint64_t)n->n << 40) ^
                 ((uint64_t)(unsigned)w->column << 20) ^ ((uint64_t)(unsigned)w->indent << 2) ^
                 ((uint64_t)w->whitespace << 1) ^ (uint64_t)w->indention;
    for (size_t i = 0; i < n->n; i++) {
        h = (h ^ (uintptr_t)n->items[i]) * 0x9e3779b97f4a7c15u;
        if (n->kind == MPI_NODE_MAP)
            h = (h ^ (uintptr_t)n->keys[i]) * 0x9e3779b97f4a7c15u;
        h ^= h >> 29;
    }
    return (size_t)(h ^ (h >> 32));
}

static bool memo_same(const struct memo *e, size_t hash, const struct yw *w,
                      const struct mp_node *n)
{
    const struct mp_node *m = e->node;
    return e->hash == hash && !e->block && m->kind == n->kind && m->n == n->n &&
           e->column == w->column &&
           e->indent == w->indent && e->whitespace == w->whitespace &&
           e->indention == w->indention &&
           !memcmp(m->items, n->items, n->n * sizeof(*n->items)) &&
           (n->kind != MPI_NODE_MAP || !memcmp(m->keys, n->keys, n->n * sizeof(*n->keys)));
}

/* The set of two entries for @hash: the one to replace (empty, else the older) of the two. A
 * set, not a table that fills up: a big workflow writes many collections that never repeat,
 * and a full table made every search long. */
static struct memo *memo_set(const struct yw *w, size_t hash)
{
    struct memo *e = &w->memo[(hash << 1) & (MEMO_SLOTS - 1)];
    return !e[0].node || (e[1].node && e[0].at < e[1].at) ? &e[0] : &e[1];
}

/* The entry for @n in @w's memo: the one holding the same content and state (*@hit), or the
 * one to replace (NULL when @n is not memoised: not a small collection of strings at flow
 * level 0). */
static struct memo *memo_slot(const struct yw *w, const struct mp_node *n, size_t *hash,
                              bool *hit)
{
    *hit = false;
    if (!w->memo || w->flow || !n->n || n->n > MEMO_MAX_ITEMS)
        return NULL;
    for (size_t i = 0; i < n->n; i++)
        if (n->items[i]->kind != MPI_NODE_STR)
            return NULL;
    *hash = memo_hash(w, n);
    struct memo *e = &w->memo[(*hash << 1) & (MEMO_SLOTS - 1)];
    for (int k = 0; k < 2; k++)
        if (e[k].node && memo_same(&e[k], *hash, w, n)) {
            *hit = true;
            return &e[k];
        }
    return memo_set(w, *hash);
}

static int yw_flow_items(struct yw *w, const struct mp_node *n);

static int yw_flow(struct yw *w, const struct mp_node *n)
{
    size_t hash = 0;
    bool hit;
    struct memo *e = memo_slot(w, n, &hash, &hit);
    if (hit) {
        /* written before from the same state: the same bytes again */
        if (yw_room(w, e->len)) {
            memcpy(w->out->data + w->out->len, w->out->data + e->at, e->len);
            w->out->len += e->len;
        }
        w->column = e->end_column;
        w->whitespace = w->indention = false;
        return MP_OK;
    }
    struct memo start = {.node = n, .hash = hash, .at = w->out->len, .column = w->column,
                         .indent = w->indent, .whitespace = w->whitespace,
                         .indention = w->indention};
    int rc = yw_flow_items(w, n);
    if (e && rc == MP_OK && w->out->err == MP_OK) {
        start.len = w->out->len - start.at;
        start.end_column = w->column;
        *e = start;
    }
    return rc;
}

static int yw_flow_items(struct yw *w, const struct mp_node *n)
{
    bool map = n->kind == MPI_NODE_MAP;
    yw_indicator(w, map ? '{' : '[', true, true, false);
    int saved = w->indent, rc = MP_OK;
    w->indent = w->indent < 0 ? YAML_INDENT : w->indent + YAML_INDENT;
    w->flow++;
    for (size_t i = 0; i < n->n && rc == MP_OK; i++) {
        if (i)
            yw_indicator(w, ',', false, false, false);
        if (w->column > YAML_WIDTH)
            yw_indent(w);
        const struct mp_node *item = n->items[i];
        if (!map && item->kind == MPI_NODE_STR) { /* the usual item: straight to its string */
            size_t len;
            unsigned bits = dstr_bits(item->str, &len);
            if (bits & YI_BAD)
                rc = MP_ERR_INVAL;
            else
                yw_scalar_out(w, item->str, len, bits, false);
            continue;
        }
        rc = map ? yw_key(w, n->keys[i], item) : yw_node(w, item, false, false);
    }
    w->flow--;
    w->indent = saved;
    yw_indicator(w, map ? '}' : ']', false, false, false);
    return rc;
}

/* The first block sequence of at least SPLIT_MIN_ITEMS items (a big workflow's templates) is
 * written by two threads: its second half by a helper thread into a buffer of its own, then
 * copied in after the first half. Every item of a block sequence but the first starts the same
 * way, with a line break (an item always ends with something written after its "- "), so the
 * helper starts from that state and the bytes are the same as one writer's; yw_split checks
 * the state where the halves meet, and writes the second half again itself if it differs. */
#define SPLIT_MIN_ITEMS 256

struct yw_half {
    struct yw w;
    struct mp_buf buf;
    const struct mp_node *seq;
    size_t from;
    int rc;
};


static int yw_seq_items(struct yw *w, const struct mp_node *n, size_t from, size_t to)
{
    int rc = MP_OK;
    for (size_t i = from; i < to && rc == MP_OK; i++) {
        yw_indent(w);
        yw_indicator(w, '-', true, false, true);
        rc = yw_node(w, n->items[i], false, false);
    }
    return rc;
}

static void *yw_half_run(void *arg)
{
    struct yw_half *h = arg;
    h->rc = yw_seq_items(&h->w, h->seq, h->from, h->seq->n);
    return NULL;
}

/* A line break comes before the next item: what yw_indent decides from this state. */
static bool yw_breaks_next(const struct yw *w)
{
    return !w->indention || w->column > w->indent || (w->column == w->indent && !w->whitespace);
}

/* The items of block sequence @n (its indentation set), the second half on a helper thread.
 * False when no thread could be started: nothing was written. */
static bool yw_split(struct yw *w, const struct mp_node *n, int *rc)
{
    struct yw_half h = {.seq = n, .from = n->n / 2};
    mpi_buf_init(&h.buf);
    mp_buf_set_limit(&h.buf, w->out->limit);
    h.w = (struct yw){.out = &h.buf, .column = w->indent + 1, .indent = w->indent,
                      .memo = calloc(MEMO_SLOTS, sizeof(struct memo))};
    yw_fast_end(&h.w);
    pthread_t t;
    if (!h.w.memo || pthread_create(&t, NULL, yw_half_run, &h) != 0) {
        free(h.w.memo);
        return false;
    }
    *rc = yw_seq_items(w, n, 0, h.from);
    pthread_join(t, NULL);
    free(h.w.memo);
    if (*rc == MP_OK && h.rc != MP_OK)
        *rc = h.rc;
    if (*rc == MP_OK && h.buf.err != MP_OK && w->out->err == MP_OK)
        w->out->err = h.buf.err;
    if (*rc == MP_OK && w->out->err == MP_OK) {
        if (yw_breaks_next(w) && yw_room(w, h.buf.len)) {
            memcpy(w->out->data + w->out->len, h.buf.data, h.buf.len);
            w->out->len += h.buf.len;
            w->column = h.w.column;
            w->whitespace = h.w.whitespace;
            w->indention = h.w.indention;
            if (w->progress && w->out->len >= w->mark && w->out->err == MP_OK) {
                w->mark = w->out->len + PROGRESS_EVERY;
                yw_fast_end(w);
                w->progress(w->user, w->out->data + w->base, w->out->len - w->base);
            }
        } else if (w->out->err == MP_OK) {
            *rc = yw_seq_items(w, n, h.from, n->n);
        }
    }
    mpi_buf_release(&h.buf);
    return true;
}

static int yw_block(struct yw *w, const struct mp_node *n, bool mapping_ctx)
{
    bool map = n->kind == MPI_NODE_MAP;
    int saved = w->indent, rc = MP_OK;
    /* A sequence right after "key:" is not indented further (libyaml's indentless one). */
    bool indentless = !map && mapping_ctx && !w->indention;
    if (w->indent < 0)
        w->indent = 0;
    else if (!indentless)
        w->indent += YAML_INDENT;
    if (!map && w->may_split && n->n >= SPLIT_MIN_ITEMS) {
        w->may_split = false; /* one split per document */
        if (yw_split(w, n, &rc)) {
            w->indent = saved;
            return rc;
        }
    }
    if (!map)
        rc = yw_seq_items(w, n, 0, n->n);
    for (size_t i = 0; map && i < n->n && rc == MP_OK; i++) {
        yw_indent(w);
        rc = yw_key(w, n->keys[i], n->items[i]);
    }
    w->indent = saved;
    return rc;
}

/* A shared block collection: the bytes it was written as before from the same state, copied
 * (when no progress call would fall inside them), else written and remembered. */
static int yw_block_shared(struct yw *w, const struct mp_node *n, bool mapping_ctx)
{
    uint64_t h = ((uint64_t)(uintptr_t)n * 0x9e3779b97f4a7c15u) ^
                 ((uint64_t)(unsigned)w->column << 20) ^ ((uint64_t)(unsigned)w->indent << 3) ^
                 ((uint64_t)mapping_ctx << 2) ^ ((uint64_t)w->whitespace << 1) ^
                 (uint64_t)w->indention;
    size_t hash = (size_t)(h ^ (h >> 29));
    struct memo *e = &w->memo[(hash << 1) & (MEMO_SLOTS - 1)];
    bool hit = false;
    for (int k = 0; k < 2 && !hit; k++)
        if (e[k].node && e[k].block && e[k].node == n && e[k].hash == hash &&
            e[k].column == w->column && e[k].indent == w->indent &&
            e[k].whitespace == w->whitespace && e[k].indention == w->indention &&
            e[k].mapping_ctx == mapping_ctx)
            hit = true, e += k;
    if (hit && (!w->progress || w->out->len + e->len < w->mark)) {
        if (yw_room(w, e->len)) {
            memcpy(w->out->data + w->out->len, w->out->data + e->at, e->len);
            w->out->len += e->len;
        }
        w->column = e->end_column;
        w->whitespace = e->end_whitespace;
        w->indention = e->end_indention;
        return MP_OK;
    }
    struct memo start = {.node = n, .hash = hash, .at = w->out->len, .column = w->column,
                         .indent = w->indent, .whitespace = w->whitespace,
                         .indention = w->indention, .block = true, .mapping_ctx = mapping_ctx};
    int rc = yw_block(w, n, mapping_ctx);
    if (!hit && rc == MP_OK && w->out->err == MP_OK) {
        start.len = w->out->len - start.at;
        start.end_column = w->column;
        start.end_whitespace = w->whitespace;
        start.end_indention = w->indention;
        *memo_set(w, hash) = start;
    }
    return rc;
}

static int yw_node(struct yw *w, const struct mp_node *n, bool mapping_ctx, bool simple)
{
    char num[32];
    size_t len;
    unsigned bits;
    switch (n->kind) {
    case MPI_NODE_STR:
        bits = dstr_bits(n->str, &len);
        if (bits & YI_BAD)
            return MP_ERR_INVAL;
        yw_scalar_out(w, n->str, len, bits, simple);
        return MP_OK;
    case MPI_NODE_INT:
        snprintf(num, sizeof(num), "%lld", n->num);
        yw_scalar(w, num, simple);
        return MP_OK;
    case MPI_NODE_BOOL:
        yw_scalar(w, n->flag ? "true" : "false", simple);
        return MP_OK;
    case MPI_NODE_NULL:
        yw_scalar(w, "null", simple);
        return MP_OK;
    case MPI_NODE_MAP:
    case MPI_NODE_SEQ:
        if (w->flow || n->n == 0 || all_scalars(n))
            return yw_flow(w, n);
        if (n->shared && w->memo)
            return yw_block_shared(w, n, mapping_ctx);
        return yw_block(w, n, mapping_ctx);
    }
    return MP_ERR_INVAL;
}

int mp_write_yaml(const struct mp_node *root, struct mp_buf *out, struct mp_error *err)
{
    return mpi_write_yaml_progress(root, out, err, NULL, NULL);
}

int mpi_write_yaml_progress(const struct mp_node *root, struct mp_buf *out, struct mp_error *err,
                            void (*progress)(void *user, const char *data, size_t len),
                            void *user)
{
    if (!root || !out)
        return mp_error_set(err, MP_ERR_INVAL, "mp_write_yaml: NULL argument");
    if (root->doc->err != MP_OK)
        return mp_error_set(err, root->doc->err, "document is incomplete: %s",
                            mp_strerror(root->doc->err));
    struct yw w = {.out = out, .indent = -1, .whitespace = true, .indention = true,
                   .memo = calloc(MEMO_SLOTS, sizeof(struct memo)), /* optional */
                   .progress = progress, .user = user, .mark = out->len + PROGRESS_EVERY,
                   .base = out->len, .may_split = true};
    yw_fast_end(&w);
    size_t start = out->len;
    int rc = yw_node(&w, root, false, false);
    free(w.memo);
    if (rc == MP_OK)
        yw_indent(&w); /* the end of the document: a final line break */
    if (mp_buf_error(out) != MP_OK) {
        rc = mp_buf_error(out);
        return mp_error_set(err, rc, "writing YAML: %s (output limit %zu MiB)", mp_strerror(rc),
                            out->limit >> 20);
    }
    if (rc != MP_OK) {
        /* Leave the buffer as it was: no half-written document. */
        out->len = start;
        if (out->data)
            out->data[start] = '\0';
        return mp_error_set(err, rc, "writing YAML: a string is not valid UTF-8");
    }
    if (out->data)
        out->data[out->len] = '\0';
    return MP_OK;
}
