/* SPDX-License-Identifier: MIT */
/* yaml_fast.c: a direct parser for the YAML that pipeline files are written in, building the
 * document that libyaml's events compose (mpi_yl_parse()): the same nodes in the same order,
 * with the same values, styles, tags and marks.
 *
 * It takes block mappings and lists (indented or not), flow lists and mappings (over lines
 * too), one-line plain, single- and double-quoted scalars, literal and folded block scalars,
 * comments and the '---' and '...' markers. Anything else gives up: anchors, aliases, tags,
 * directives, complex keys, plain or quoted scalars over lines, tabs and CRs outside
 * comments and text, a document that is empty or not a block collection, a second document,
 * the input limits (depth, entries) and every syntax error. Then nothing is kept and the caller
 * parses with libyaml, which reports the problems with its own messages and marks.
 *
 * Marks count characters, as libyaml's do: the UTF-8 continuation bytes before the cursor are
 * counted and taken off. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "pages.h"
#include "yaml_load_int.h"

/* The tags libyaml's loader gives untagged nodes. A document made here uses these copies, so
 * that mpi_yl_doc_free() knows it (its values and items live in its node block). */
static char fast_tags[3][32] = {YAML_DEFAULT_SCALAR_TAG, YAML_DEFAULT_SEQUENCE_TAG,
                                YAML_DEFAULT_MAPPING_TAG};

/* For the few small functions of the hot paths that the compiler would not inline. */
#ifdef __GNUC__
#define HOT_INLINE inline __attribute__((always_inline))
#else
#define HOT_INLINE inline
#endif

/* Simple keys longer than this may not be keys for libyaml (it stops looking at 1024). */
#define KEY_MAX 1000

/* The size of the transparent huge pages asked for the nodes of big files (x86-64, arm64 with
 * 4 KB pages). */
#define HUGE_PAGE ((uintptr_t)2 << 20)

struct fp {
    const unsigned char *s, *e; /* the input */
    const unsigned char *p;     /* the cursor */
    const unsigned char *bol;   /* the start of the cursor's line */
    size_t line;
    /* The cursor's index is p - ib, its column p - cb (ib: s and the UTF-8 continuation bytes
     * before p; cb: bol and those on the cursor's line). */
    const unsigned char *ib, *cb;
    /* One block: room for cn nodes, then for cn items and pairs (each node but the first is
     * one), then ct bytes of text (scalar values, each NUL-terminated). It is sized from the
     * input, so that it is seldom grown; the parts not used are never touched. */
    yaml_node_t *nodes;
    size_t nn, cn;
    int *ids;                   /* the items and pairs of closed collections */
    size_t ni;
    char *text;
    size_t nt, ct;
    int *stk;                   /* the children of the open collections (room for cn) */
    size_t ns;
    int depth;
    bool bad;                   /* not taken here, or out of memory */
};

/* Byte classes. STOP_BLOCK: a plain scalar's run of characters stops at it for a look
 * (blanks, controls, ':', DEL and above); STOP_FLOW: the same, and ',', '[', ']', '{', '}' and
 * '?' (in a flow collection); INDICATOR: no plain scalar starts with it (but '-'). */
enum { STOP_BLOCK = 1, STOP_FLOW = 2, INDICATOR = 4 };
static const unsigned char cls[256] = {
    7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
    7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
    7, 4, 4, 4, 0, 4, 4, 4, 0, 0, 4, 0, 6, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 4, 6,
    4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 6, 0, 6, 0, 0,
    4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 6, 4, 6, 0, 7,
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3
};

/* Make the block room for @cn nodes and @ct bytes of text: the items and the text move to
 * their new places, and the nodes' pointers to them with them. */
static bool relayout(struct fp *f, size_t cn, size_t ct)
{
    const size_t per = sizeof(yaml_node_t) + 2 * sizeof(int);
    if (cn > INT32_MAX || ct > SIZE_MAX / 4 || cn > (SIZE_MAX / 4 - ct) / per)
        return false;
    int *stk = mpi_block_realloc(f->stk, cn * sizeof(int));
    if (!stk)
        return false;
    f->stk = stk;
    size_t ids_at = f->cn * sizeof(yaml_node_t), text_at = ids_at + f->cn * sizeof(int);
    uintptr_t old_ids = (uintptr_t)f->ids, old_text = (uintptr_t)f->text;
    char *b = mpi_block_realloc(f->nodes, cn * (sizeof(yaml_node_t) + sizeof(int)) + ct);
    if (!b)
        return false;
    f->nodes = (yaml_node_t *)b;
    f->ids = (int *)(b + cn * sizeof(yaml_node_t));
    f->text = (char *)(f->ids + cn);
    if (f->nt)
        memmove(f->text, b + text_at, f->nt);
    if (f->ni)
        memmove(f->ids, b + ids_at, f->ni * sizeof(int));
    f->cn = cn;
    f->ct = ct;
    if (old_ids == (uintptr_t)f->ids && old_text == (uintptr_t)f->text)
        return true;
    for (yaml_node_t *n = f->nodes; n < f->nodes + f->nn; n++) {
        if (n->type == YAML_SCALAR_NODE) {
            n->data.scalar.value =
                (yaml_char_t *)f->text + ((uintptr_t)n->data.scalar.value - old_text);
        } else if (n->type == YAML_SEQUENCE_NODE) {
            if (!n->data.sequence.items.start)
                continue; /* open */
            size_t at = ((uintptr_t)n->data.sequence.items.start - old_ids) / sizeof(int);
            size_t cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
            n->data.sequence.items.start = f->ids + at;
            n->data.sequence.items.top = n->data.sequence.items.end = f->ids + at + cnt;
        } else {
            if (!n->data.mapping.pairs.start)
                continue;
            size_t at = ((uintptr_t)n->data.mapping.pairs.start - old_ids) / sizeof(int);
            size_t cnt = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
            n->data.mapping.pairs.start = (yaml_node_pair_t *)(f->ids + at);
            n->data.mapping.pairs.top = n->data.mapping.pairs.end =
                n->data.mapping.pairs.start + cnt;
        }
    }
    return true;
}

static inline size_t col(const struct fp *f)
{
    return (size_t)(f->p - f->cb);
}

static inline yaml_mark_t mark(const struct fp *f)
{
    yaml_mark_t m;
    m.index = (size_t)(f->p - f->ib);
    m.line = f->line;
    m.column = col(f);
    return m;
}

/* Where the block collection at column @c ends, at the cursor. At the end of the input,
 * libyaml ends the collections beyond the last line's column there, then moves to a new line
 * (a last line without a line break counts) and ends the others. */
static yaml_mark_t end_mark(const struct fp *f, long c)
{
    yaml_mark_t m = mark(f);
    if (f->p == f->e && m.column && c <= (long)m.column) {
        m.line++;
        m.column = 0;
    }
    return m;
}

static inline void newline(struct fp *f)
{
    f->p++;
    f->line++;
    f->bol = f->cb = f->p;
}

static inline bool blankz(const struct fp *f, const unsigned char *q)
{
    return q == f->e || *q == ' ' || *q == '\n' || *q == '\t';
}

/* A ':' at the cursor that is a value indicator here (block context: a blank follows; a tab
 * there is not taken). */
static inline bool value_colon(const struct fp *f)
{
    const unsigned char *q = f->p + 1;
    return f->p < f->e && *f->p == ':' && (q == f->e || *q == ' ' || *q == '\n');
}

/* The length of the UTF-8 character at @q that libyaml reads as an ordinary printable
 * character (not a line break, a byte order mark or a character it refuses), or 0. */
static size_t u8char(const struct fp *f, const unsigned char *q)
{
    unsigned c = q[0];
    size_t n = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4
                                                                            ? 4 : 0;
    if (!n || (size_t)(f->e - q) < n)
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((q[i] & 0xc0) != 0x80)
            return 0;
    if ((c == 0xc2 && q[1] < 0xa0) || (c == 0xe0 && q[1] < 0xa0) || (c == 0xed && q[1] >= 0xa0) ||
        (c == 0xe2 && q[1] == 0x80 && (q[2] == 0xa8 || q[2] == 0xa9)) ||
        (c == 0xef && q[1] == 0xbb && q[2] == 0xbf) ||
        (c == 0xef && q[1] == 0xbf && q[2] >= 0xbe) || (c == 0xf0 && q[1] < 0x90) ||
        (c == 0xf4 && q[1] >= 0x90))
        return 0;
    return n;
}

/* Step over the non-ASCII character at the cursor; false when libyaml would not read it as
 * an ordinary character. */
static bool skip_u8(struct fp *f)
{
    size_t n = u8char(f, f->p);
    if (!n)
        return false;
    f->p += n;
    f->ib += n - 1;
    f->cb += n - 1;
    return true;
}

/* The first byte from @q (before @e) that is not a space; eight at a time over
 * indentation. */
static inline const unsigned char *spaces(const unsigned char *q, const unsigned char *e)
{
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    while (e - q >= 8) {
        uint64_t w;
        memcpy(&w, q, 8);
        w ^= 0x2020202020202020u;
        if (w)
            return q + __builtin_ctzll(w) / 8;
        q += 8;
    }
#endif
    while (q < e && *q == ' ')
        q++;
    return q;
}

/* Skip a comment up to its line break. */
static void comment(struct fp *f)
{
    while (f->p < f->e && *f->p != '\n') {
        unsigned c = *f->p;
        if (c >= 0x80) {
            if (!skip_u8(f)) {
                f->bad = true;
                return;
            }
        } else if ((c < 0x20 && c != '\t') || c == 0x7f) {
            f->bad = true;
            return;
        } else {
            f->p++;
        }
    }
}

/* Skip spaces, comments and line breaks up to the next content or the end. */
static HOT_INLINE void next_content(struct fp *f)
{
    const unsigned char *p = f->p, *const e = f->e;
    while (!f->bad) {
        if (p < e && *p == ' ')
            p = spaces(p + 1, e);
        if (p == e)
            break;
        unsigned c = *p;
        if (c == '\n') {
            f->line++;
            f->bol = f->cb = ++p;
        } else if (c == '#') {
            f->p = p;
            comment(f);
            p = f->p;
        } else {
            if (c < 0x20 || c == 0x7f)
                f->bad = true; /* a tab, CR or a control character */
            break;
        }
    }
    f->p = p;
}

/* '---' or '...' at the start of a line. */
static inline bool doc_marker(const struct fp *f)
{
    const unsigned char *p = f->p;
    return p == f->bol && f->e - p >= 3 &&
           ((p[0] == '-' && p[1] == '-' && p[2] == '-') ||
            (p[0] == '.' && p[1] == '.' && p[2] == '.')) &&
           blankz(f, p + 3);
}

/* More than KEY_MAX characters from @k (before the cursor, where the index base was @kib) to
 * the cursor. */
static inline bool too_long(const struct fp *f, const unsigned char *k, const unsigned char *kib)
{
    return f->p - k > KEY_MAX && (size_t)(f->p - f->ib) - (size_t)(k - kib) > KEY_MAX;
}

/* After next_content(), for the block collection at column @c: -1 when it ends here (the
 * end, a document marker, a smaller column), 0 at its column, 1 beyond it. */
static inline int where(const struct fp *f, long c)
{
    if (f->p == f->e || doc_marker(f))
        return -1;
    long k = (long)col(f);
    return k < c ? -1 : k > c;
}

/* ---- nodes ---- */

/* Room for one more node, made. */
static bool more_nodes(struct fp *f)
{
    if (relayout(f, f->cn * 2, f->ct)) /* (which keeps node ids ints) */
        return true;
    f->bad = true;
    return false;
}

/* A new node, also a child of the collection being filled (its id is f->nn); the caller
 * sets its fields but the tag. */
static inline yaml_node_t *add_node(struct fp *f, yaml_node_type_t type)
{
    if (f->bad || (f->nn == f->cn && !more_nodes(f)))
        return NULL;
    yaml_node_t *n = &f->nodes[f->nn++];
    n->tag = (yaml_char_t *)fast_tags[type - YAML_SCALAR_NODE];
    f->stk[f->ns++] = (int)f->nn; /* the first node's stays under the others */
    return n;
}

/* Room for @n more bytes of text, made. */
static bool room_grow(struct fp *f, size_t n)
{
    size_t c = f->ct;
    while (c < f->nt + n) {
        if (c > SIZE_MAX / 8)
            break;
        c *= 2;
    }
    if (c >= f->nt + n && relayout(f, f->cn, c))
        return true;
    f->bad = true;
    return false;
}

/* Room for @n more bytes of text. */
static inline bool room(struct fp *f, size_t n)
{
    return f->nt + n <= f->ct || room_grow(f, n);
}

static inline bool put(struct fp *f, const void *b, size_t n)
{
    if (!room(f, n))
        return false;
    memcpy(f->text + f->nt, b, n);
    f->nt += n;
    return true;
}

static inline bool put_c(struct fp *f, char c)
{
    if (!room(f, 1))
        return false;
    f->text[f->nt++] = c;
    return true;
}

/* The scalar whose value is text[@off..] (terminated here). */
static inline int add_scalar(struct fp *f, size_t off, yaml_scalar_style_t style,
                             yaml_mark_t sm, yaml_mark_t em)
{
    if (!put_c(f, '\0'))
        return 0;
    yaml_node_t *n = add_node(f, YAML_SCALAR_NODE);
    if (!n)
        return 0;
    n->type = YAML_SCALAR_NODE;
    n->data.scalar.value = (yaml_char_t *)f->text + off;
    n->data.scalar.length = f->nt - 1 - off;
    n->data.scalar.style = style;
    n->start_mark = sm;
    n->end_mark = em;
    return (int)f->nn;
}

/* A collection starts: its id; *@base is where its children begin on the stack. */
static HOT_INLINE int open_coll(struct fp *f, yaml_node_type_t type, int style, yaml_mark_t sm,
                     size_t *base)
{
    if (++f->depth > MPI_YAML_MAX_DEPTH) {
        f->bad = true;
        return 0;
    }
    yaml_node_t *n = add_node(f, type);
    if (!n)
        return 0;
    n->type = type;
    /* Open: no items yet (relayout() tells it by that). */
    if (type == YAML_SEQUENCE_NODE) {
        n->data.sequence.items.start = n->data.sequence.items.end =
            n->data.sequence.items.top = NULL;
        n->data.sequence.style = (yaml_sequence_style_t)style;
    } else {
        n->data.mapping.pairs.start = n->data.mapping.pairs.end = n->data.mapping.pairs.top =
            NULL;
        n->data.mapping.style = (yaml_mapping_style_t)style;
    }
    n->start_mark = sm;
    *base = f->ns;
    return (int)f->nn;
}

/* The collection @id ends at @em: its children move from the stack to the items. @big: it
 * may hold MPI_YAML_MAX_TOP_ITEMS entries. */
static HOT_INLINE int close_coll(struct fp *f, int id, size_t base, bool big, yaml_mark_t em)
{
    f->depth--;
    if (f->bad)
        return 0;
    yaml_node_t *n = &f->nodes[id - 1];
    size_t cnt = f->ns - base;
    if (n->type == YAML_MAPPING_NODE ? cnt / 2 > (big ? MPI_YAML_MAX_TOP_ITEMS
                                                        : MPI_YAML_MAX_ITEMS)
                                     : cnt > (big ? MPI_YAML_MAX_TOP_ITEMS
                                                  : MPI_YAML_MAX_ITEMS)) {
        f->bad = true;
        return 0;
    }
    int *at = f->ids + f->ni;
    if (cnt > 8)
        memcpy(at, f->stk + base, cnt * sizeof(int));
    else
        for (size_t i = 0; i < cnt; i++)
            at[i] = f->stk[base + i];
    if (n->type == YAML_SEQUENCE_NODE) {
        n->data.sequence.items.start = at;
        n->data.sequence.items.top = n->data.sequence.items.end = at + cnt;
    } else {
        n->data.mapping.pairs.start = (yaml_node_pair_t *)at;
        n->data.mapping.pairs.top = n->data.mapping.pairs.end =
            (yaml_node_pair_t *)(at + cnt);
    }
    f->ni += cnt;
    f->ns = base;
    n->end_mark = em;
    return id;
}

/* ---- scalars ---- */

/* The end of the run of characters from @r that a plain scalar takes without a look (before
 * @e): the first blank, control, ':', DEL or non-ASCII byte; in a flow collection (@flow) also
 * the first ',', '[', ']', '{', '}' or '?'. */
static inline const unsigned char *run(const unsigned char *r, const unsigned char *e,
                                       bool flow)
{
#ifdef __SSE2__
    const __m128i one = _mm_set1_epi8(1), lo = _mm_set1_epi8(0x22),
                  colon = _mm_set1_epi8(':');
    while (e - r >= 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)r);
        /* Signed, one more: blanks and controls are below 0x22, and DEL and the bytes from
         * 0x80 too (they become negative, 0xff becomes 0). */
        __m128i m = _mm_or_si128(_mm_cmplt_epi8(_mm_add_epi8(x, one), lo),
                                 _mm_cmpeq_epi8(x, colon));
        if (flow) {
            __m128i y = _mm_or_si128(x, _mm_set1_epi8(0x20)); /* '[' '{', ']' '}' */
            m = _mm_or_si128(m, _mm_or_si128(_mm_cmpeq_epi8(y, _mm_set1_epi8('{')),
                                             _mm_cmpeq_epi8(y, _mm_set1_epi8('}'))));
            m = _mm_or_si128(m, _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8(',')),
                                             _mm_cmpeq_epi8(x, _mm_set1_epi8('?'))));
        }
        unsigned bits = (unsigned)_mm_movemask_epi8(m);
        if (bits)
            return r + __builtin_ctz(bits);
        r += 16;
    }
#endif
    const unsigned stop = flow ? STOP_FLOW : STOP_BLOCK;
    while (r < e && !(cls[*r] & stop))
        r++;
    return r;
}

/* A scalar on the cursor's line: the @n bytes at @v copied into the text, with the style
 * and the marks (indexes and columns) given. */
static HOT_INLINE int line_scalar(struct fp *f, const unsigned char *v, size_t n,
                              yaml_scalar_style_t style, size_t si, size_t sc, size_t ei,
                              size_t ec)
{
    if (f->ct - f->nt < n + 16 && !room_grow(f, n + 16))
        return 0;
    yaml_node_t *node = add_node(f, YAML_SCALAR_NODE);
    if (!node)
        return 0;
    char *t = f->text + f->nt;
    if (n <= 16 && f->e - v >= 16)
        memcpy(t, v, 16); /* what follows the value is overwritten next */
    else
        memcpy(t, v, n);
    t[n] = '\0';
    f->nt += n + 1;
    node->type = YAML_SCALAR_NODE;
    node->data.scalar.value = (yaml_char_t *)t;
    node->data.scalar.length = n;
    node->data.scalar.style = style;
    node->start_mark.index = si;
    node->start_mark.line = node->end_mark.line = f->line;
    node->start_mark.column = sc;
    node->end_mark.index = ei;
    node->end_mark.column = ec;
    return (int)f->nn;
}

/* The rest of a plain scalar whose run of characters stopped at @r, not at its end: its end
 * (NULL when it is not taken), with *@ib and *@cb there (struct fp) and *@after past the
 * blanks that follow. */
static const unsigned char *plain_more(struct fp *f, const unsigned char *r, bool flow,
                                       const unsigned char **after, const unsigned char **ib,
                                       const unsigned char **cb)
{
    const unsigned char *const e = f->e, *end;
    for (;;) {
        for (;;) {
            r = run(r, e, flow);
            if (r == e)
                break;
            unsigned c = *r;
            if (c == ' ' || c == '\n')
                break;
            if (c == ':') {
                const unsigned char *q = r + 1;
                if (q == e || *q == ' ' || *q == '\n')
                    break;
                if (flow || *q == '\t')
                    return NULL;
                r++;
                continue;
            }
            if (flow && (c == ',' || c == '[' || c == ']' || c == '{' || c == '}'))
                break;
            size_t n = c >= 0x80 ? u8char(f, r) : 0;
            if (!n)
                return NULL; /* a tab, a control character, '?' in a flow collection */
            r += n;
            f->ib += n - 1;
            f->cb += n - 1;
        }
        end = r;
        *ib = f->ib;
        *cb = f->cb;
        while (r < e && *r == ' ')
            r++;
        if (r == e)
            break;
        unsigned c = *r;
        if (c == '\n' || c == '#' ||
            (c == ':' && (r + 1 == e || r[1] == ' ' || r[1] == '\n' || r[1] == '\t')) ||
            (flow && (c == ',' || c == '[' || c == ']' || c == '{' || c == '}')))
            break;
    }
    *after = r;
    return end;
}

/* A plain scalar on one line from the cursor; in a flow collection (@flow) it also ends at
 * ',', '[', ']', '{' and '}'. The cursor stops after it and the blanks that follow. */
static HOT_INLINE int plain(struct fp *f, bool flow)
{
    const unsigned char *const start = f->p, *const e = f->e;
    const unsigned char *const ib0 = f->ib, *const cb0 = f->cb;
    const unsigned char *end = run(start, e, flow), *after = end, *ib_end = ib0, *cb_end = cb0;
    if (end < e) {
        unsigned c = *end;
        /* Mostly it ends where its first run does: before a line break, a value indicator, or
         * in a flow collection, a ',' or a bracket. */
        if (!(c == '\n' || (c == ':' && (end + 1 == e || end[1] == ' ' || end[1] == '\n')) ||
              (flow && (c == ',' || c == ']' || c == '}' || c == '[' || c == '{')))) {
            end = plain_more(f, end, flow, &after, &ib_end, &cb_end);
            if (!end) {
                f->bad = true;
                return 0;
            }
        }
    }
    f->p = after;
    return line_scalar(f, start, (size_t)(end - start), YAML_PLAIN_SCALAR_STYLE,
                       (size_t)(start - ib0), (size_t)(start - cb0), (size_t)(end - ib_end),
                       (size_t)(end - cb_end));
}

static int hexval(unsigned c)
{
    return c >= '0' && c <= '9' ? (int)(c - '0') : c >= 'a' && c <= 'f' ? (int)(c - 'a' + 10)
           : c >= 'A' && c <= 'F' ? (int)(c - 'A' + 10) : -1;
}

/* The escape sequence after the backslash at the cursor, into the text. */
static bool escape(struct fp *f)
{
    const unsigned char *q = f->p + 1;
    if (q == f->e)
        return false;
    int digits = 0;
    char c;
    switch (*q) {
    case '0': c = '\0'; break;
    case 'a': c = '\a'; break;
    case 'b': c = '\b'; break;
    case 't': case '\t': c = '\t'; break;
    case 'n': c = '\n'; break;
    case 'v': c = '\v'; break;
    case 'f': c = '\f'; break;
    case 'r': c = '\r'; break;
    case 'e': c = '\x1b'; break;
    case ' ': c = ' '; break;
    case '"': c = '"'; break;
    case '/': c = '/'; break;
    case '\\': c = '\\'; break;
    case 'N': f->p += 2; return put(f, "\xc2\x85", 2);
    case '_': f->p += 2; return put(f, "\xc2\xa0", 2);
    case 'L': f->p += 2; return put(f, "\xe2\x80\xa8", 3);
    case 'P': f->p += 2; return put(f, "\xe2\x80\xa9", 3);
    case 'x': digits = 2; break;
    case 'u': digits = 4; break;
    case 'U': digits = 8; break;
    default: return false;
    }
    if (!digits) {
        f->p += 2;
        return put_c(f, c);
    }
    if (f->e - (q + 1) < digits)
        return false;
    unsigned long v = 0;
    for (int i = 1; i <= digits; i++) {
        int h = hexval(q[i]);
        if (h < 0)
            return false;
        v = v << 4 | (unsigned long)h;
    }
    if ((v >= 0xd800 && v <= 0xdfff) || v > 0x10ffff)
        return false;
    unsigned char b[4];
    size_t n;
    if (v < 0x80) {
        b[0] = (unsigned char)v;
        n = 1;
    } else if (v < 0x800) {
        b[0] = (unsigned char)(0xc0 | v >> 6);
        b[1] = (unsigned char)(0x80 | (v & 0x3f));
        n = 2;
    } else if (v < 0x10000) {
        b[0] = (unsigned char)(0xe0 | v >> 12);
        b[1] = (unsigned char)(0x80 | (v >> 6 & 0x3f));
        b[2] = (unsigned char)(0x80 | (v & 0x3f));
        n = 3;
    } else {
        b[0] = (unsigned char)(0xf0 | v >> 18);
        b[1] = (unsigned char)(0x80 | (v >> 12 & 0x3f));
        b[2] = (unsigned char)(0x80 | (v >> 6 & 0x3f));
        b[3] = (unsigned char)(0x80 | (v & 0x3f));
        n = 4;
    }
    f->p += 2 + digits;
    return put(f, b, n);
}

/* The end of the run of characters from @r that a quoted scalar takes as they are (before
 * @e): the first control, DEL, non-ASCII byte, quote or backslash. */
static inline const unsigned char *quoted_run(const unsigned char *r, const unsigned char *e)
{
#ifdef __SSE2__
    const __m128i lo = _mm_set1_epi8(0x20), del = _mm_set1_epi8(0x7f),
                  sq = _mm_set1_epi8('\''), dq = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\');
    while (e - r >= 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)r);
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmplt_epi8(x, lo), _mm_cmpeq_epi8(x, del)),
                                 _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, sq),
                                                           _mm_cmpeq_epi8(x, dq)),
                                              _mm_cmpeq_epi8(x, bs)));
        unsigned bits = (unsigned)_mm_movemask_epi8(m);
        if (bits)
            return r + __builtin_ctz(bits);
        r += 16;
    }
#endif
    while (r < e && *r >= 0x20 && *r < 0x7f && *r != '\'' && *r != '"' && *r != '\\')
        r++;
    return r;
}

static int quoted_more(struct fp *f);

/* A single- or double-quoted scalar that ends on its line. */
static HOT_INLINE int quoted(struct fp *f)
{
    const unsigned char *const q = f->p, *const r = quoted_run(q + 1, f->e);
    /* Mostly ASCII with no escape up to its closing quote. */
    if (r < f->e && *r == *q && !(*r == '\'' && r + 1 < f->e && r[1] == '\'')) {
        f->p = r + 1;
        return line_scalar(f, q + 1, (size_t)(r - q - 1),
                           *q == '"' ? YAML_DOUBLE_QUOTED_SCALAR_STYLE
                                     : YAML_SINGLE_QUOTED_SCALAR_STYLE,
                           (size_t)(q - f->ib), (size_t)(q - f->cb), (size_t)(f->p - f->ib),
                           (size_t)(f->p - f->cb));
    }
    return quoted_more(f);
}

/* The same, any way. */
static int quoted_more(struct fp *f)
{
    bool dbl = *f->p == '"';
    yaml_mark_t sm = mark(f);
    size_t off = f->nt;
    f->p++;
    for (;;) {
        if (f->p == f->e)
            goto bad;
        const unsigned char *run = f->p;
        /* The bulk: characters taken as they are. */
        f->p = quoted_run(f->p, f->e);
        if (f->p > run && !put(f, run, (size_t)(f->p - run)))
            return 0;
        if (f->p == f->e)
            goto bad;
        unsigned c = *f->p;
        if (c == '\'' && !dbl) {
            if (f->p + 1 < f->e && f->p[1] == '\'') {
                if (!put_c(f, '\''))
                    return 0;
                f->p += 2;
                continue;
            }
            f->p++;
            break;
        }
        if (c == '"' && dbl) {
            f->p++;
            break;
        }
        if (c == '\\' && dbl) {
            if (!escape(f))
                goto bad;
            continue;
        }
        if (c == '\'' || c == '"' || c == '\\' || c == '\t') {
            if (!put_c(f, (char)c))
                return 0;
            f->p++;
            continue;
        }
        if (c >= 0x80 && c != 0x7f) {
            const unsigned char *q = f->p;
            if (!skip_u8(f) || !put(f, q, (size_t)(f->p - q)))
                goto bad;
            continue;
        }
        goto bad; /* a line break (more lines), a control character */
    }
    return add_scalar(f, off, dbl ? YAML_DOUBLE_QUOTED_SCALAR_STYLE
                                  : YAML_SINGLE_QUOTED_SCALAR_STYLE, sm, mark(f));
bad:
    f->bad = true;
    return 0;
}

/* Indentation and empty lines before and inside a block scalar, as libyaml's
 * yaml_parser_scan_block_scalar_breaks() eats them. */
static void block_breaks(struct fp *f, long *indent, size_t *breaks, yaml_mark_t *em,
                         long parent)
{
    long max = 0;
    *em = mark(f);
    for (;;) {
        while ((!*indent || (long)col(f) < *indent) && f->p < f->e && *f->p == ' ')
            f->p++;
        if ((long)col(f) > max)
            max = (long)col(f);
        if (f->p < f->e && (*f->p == '\t' || *f->p == '\r') &&
            (!*indent || (long)col(f) < *indent)) {
            f->bad = true;
            return;
        }
        if (f->p == f->e || *f->p != '\n')
            break;
        newline(f);
        (*breaks)++;
        *em = mark(f);
    }
    if (!*indent) {
        *indent = max;
        if (*indent < parent + 1)
            *indent = parent + 1;
        if (*indent < 1)
            *indent = 1;
    }
}

static bool put_breaks(struct fp *f, size_t n)
{
    for (; n; n--)
        if (!put_c(f, '\n'))
            return false;
    return true;
}

/* A literal ('|') or folded ('>') block scalar in a block collection at column @parent, as
 * libyaml's yaml_parser_scan_block_scalar() reads it. */
static int block_scalar(struct fp *f, long parent)
{
    bool literal = *f->p == '|';
    yaml_mark_t sm = mark(f), em;
    int chomping = 0, increment = 0;
    f->p++;
    for (int i = 0; i < 2 && f->p < f->e; i++) {
        unsigned c = *f->p;
        if ((c == '+' || c == '-') && !chomping) {
            chomping = c == '+' ? 1 : -1;
        } else if (c >= '0' && c <= '9' && !increment) {
            if (c == '0')
                goto bad;
            increment = (int)(c - '0');
        } else {
            break;
        }
        f->p++;
    }
    while (f->p < f->e && *f->p == ' ')
        f->p++;
    if (f->p < f->e && *f->p == '#')
        comment(f);
    if (f->bad || (f->p < f->e && *f->p != '\n'))
        goto bad;
    if (f->p < f->e)
        newline(f);
    long indent = increment ? (parent >= 0 ? parent + increment : increment) : 0;
    size_t trailing = 0;
    bool leading_break = false, leading_blank = false;
    block_breaks(f, &indent, &trailing, &em, parent);
    size_t off = f->nt;
    while (!f->bad && (long)col(f) == indent && f->p < f->e) {
        bool trailing_blank = *f->p == ' ' || *f->p == '\t';
        if (!literal && leading_break && !leading_blank && !trailing_blank) {
            if (!trailing && !put_c(f, ' '))
                return 0;
        } else if (leading_break && !put_c(f, '\n')) {
            return 0;
        }
        leading_break = false;
        if (!put_breaks(f, trailing))
            return 0;
        trailing = 0;
        leading_blank = *f->p == ' ' || *f->p == '\t';
        const unsigned char *run = f->p;
        while (f->p < f->e && *f->p != '\n') {
            unsigned c = *f->p;
            if ((c >= 0x20 && c < 0x7f) || c == '\t')
                f->p++;
            else if (c < 0x80 || !skip_u8(f))
                goto bad;
        }
        if (!put(f, run, (size_t)(f->p - run)))
            return 0;
        if (f->p < f->e) {
            newline(f);
            leading_break = true;
        }
        block_breaks(f, &indent, &trailing, &em, parent);
    }
    if (f->bad)
        return 0;
    if (chomping != -1 && leading_break && !put_c(f, '\n'))
        return 0;
    if (chomping == 1 && !put_breaks(f, trailing))
        return 0;
    return add_scalar(f, off, literal ? YAML_LITERAL_SCALAR_STYLE : YAML_FOLDED_SCALAR_STYLE, sm,
                      em);
bad:
    f->bad = true;
    return 0;
}

/* ---- collections ---- */

static inline bool plain_start(const struct fp *f, bool flow)
{
    unsigned c = *f->p;
    if (c == '-')
        return !blankz(f, f->p + 1) && !(flow && (f->p[1] == ',' || f->p[1] == '[' ||
                                                  f->p[1] == ']' || f->p[1] == '{' ||
                                                  f->p[1] == '}'));
    return !(cls[c] & INDICATOR);
}

static bool is_after(const struct fp *f, int key)
{
    const yaml_node_t *n = &f->nodes[key - 1];
    /* strcmp(), as the libyaml path tells it: a value with a NUL after "after" is one. */
    return n->data.scalar.length >= 5 && !memcmp(n->data.scalar.value, "after", 6);
}

static inline void skip_blanks(struct fp *f)
{
    const unsigned char *p = f->p;
    if (p < f->e && *p == ' ') {
        /* Mostly one. */
        if (++p < f->e && *p == ' ')
            p = spaces(p + 1, f->e);
        f->p = p;
    }
}

/* Spaces, comments and line breaks between the tokens of a flow collection (which may go on
 * over lines at any indentation); false on a tab, a CR or a document marker. */
static bool flow_space_slow(struct fp *f)
{
    for (;;) {
        skip_blanks(f);
        if (f->p == f->e)
            return true;
        if (*f->p == '#')
            comment(f);
        else if (*f->p == '\n')
            newline(f);
        else
            return !f->bad && !(f->p == f->bol && doc_marker(f)) && *f->p != '\t' &&
                   *f->p != '\r';
        if (f->bad)
            return false;
    }
}

static HOT_INLINE bool flow_space(struct fp *f)
{
    skip_blanks(f);
    /* Mostly the next token, on the same line. */
    if (f->p < f->e && *f->p > ' ' && *f->p != '#' && f->p != f->bol)
        return true;
    return flow_space_slow(f);
}

/* A quoted scalar where a key may be, and the blanks after it (as plain() leaves the cursor). */
static inline int quoted_key(struct fp *f)
{
    int id = quoted(f);
    skip_blanks(f);
    return id;
}

static HOT_INLINE int flow_node(struct fp *f, bool after);

/* A flow list or mapping. */
static int flow_coll(struct fp *f, bool after)
{
    bool map = *f->p == '{';
    size_t base;
    int id = open_coll(f, map ? YAML_MAPPING_NODE : YAML_SEQUENCE_NODE,
                       map ? (int)YAML_FLOW_MAPPING_STYLE : (int)YAML_FLOW_SEQUENCE_STYLE,
                       mark(f), &base);
    if (!id)
        return 0;
    unsigned char close = map ? '}' : ']';
    f->p++;
    if (!flow_space(f))
        goto bad;
    if (f->p < f->e && *f->p == close) {
        f->p++;
        return close_coll(f, id, base, f->depth <= 2 || after, mark(f));
    }
    while (!f->bad) {
        if (map) {
            if (f->p == f->e || !(*f->p == '"' || *f->p == '\'' || plain_start(f, true)))
                break;
            const unsigned char *k = f->p, *kib = f->ib;
            int key = *f->p == '"' || *f->p == '\'' ? quoted_key(f) : plain(f, true);
            if (!key)
                break;
            if (f->p == f->e || *f->p != ':' || too_long(f, k, kib))
                break;
            f->p++;
            if (f->p == f->e || *f->p != ' ' || !flow_space(f))
                break;
            if (!flow_node(f, is_after(f, key)))
                break;
        } else if (!flow_node(f, false)) {
            break;
        }
        if (!flow_space(f) || f->p == f->e)
            break;
        if (*f->p == close) {
            f->p++;
            return close_coll(f, id, base, f->depth <= 2 || after, mark(f));
        }
        if (*f->p != ',')
            break;
        f->p++;
        if (!flow_space(f))
            break;
    }
bad:
    f->bad = true;
    f->depth--;
    return 0;
}

/* A node inside a flow collection. */
static HOT_INLINE int flow_node(struct fp *f, bool after)
{
    if (f->p == f->e)
        return f->bad = true, 0;
    unsigned c = *f->p;
    if (c == '[' || c == '{')
        return flow_coll(f, after);
    if (c == '"' || c == '\'')
        return quoted(f);
    if (plain_start(f, true))
        return plain(f, true);
    f->bad = true;
    return 0;
}

static int block_node(struct fp *f, long indent, bool after, bool compact);

/* A key at the cursor in a block mapping: a one-line scalar before ':' (the cursor stops on
 * it). */
static int block_key(struct fp *f)
{
    const unsigned char *k = f->p, *kib = f->ib;
    int key = 0;
    if (*f->p == '"' || *f->p == '\'')
        key = quoted_key(f);
    else if (plain_start(f, false))
        key = plain(f, false);
    if (!key)
        return f->bad = true, 0;
    if (!value_colon(f) || too_long(f, k, kib))
        return f->bad = true, 0;
    return key;
}

/* A block list at the cursor's column (@indentless: at the column of the mapping whose value it
 * is). The cursor ends at what follows. */
static int block_seq(struct fp *f, bool indentless, bool after)
{
    long c = (long)col(f);
    size_t base;
    int id = open_coll(f, YAML_SEQUENCE_NODE, YAML_BLOCK_SEQUENCE_STYLE, mark(f), &base);
    if (!id)
        return 0;
    for (;;) {
        const unsigned char *d = ++f->p; /* after the '-' */
        skip_blanks(f);
        if (f->p == f->e || *f->p == '\n' || *f->p == '#') {
            yaml_mark_t dash = mark(f);
            dash.index -= (size_t)(f->p - d);
            dash.column -= (size_t)(f->p - d);
            next_content(f);
            if (!f->bad && where(f, c) > 0)
                block_node(f, c, false, true);
            else
                add_scalar(f, f->nt, YAML_PLAIN_SCALAR_STYLE, dash, dash);
        } else {
            block_node(f, c, false, true);
        }
        next_content(f);
        if (f->bad)
            break;
        int w = where(f, c);
        if (w > 0)
            break;
        if (w < 0 || !(*f->p == '-' && blankz(f, f->p + 1))) {
            if (w == 0 && !indentless)
                break;
            return close_coll(f, id, base, f->depth <= 2 || after, end_mark(f, c));
        }
    }
    f->bad = true;
    f->depth--;
    return 0;
}

/* A block mapping whose first key (node @key, the node before it being the mapping's place) is
 * read; the cursor is on its ':'. */
static int block_map(struct fp *f, int id, size_t base, long c, int key, bool after)
{
    for (;;) {
        bool value_after = is_after(f, key);
        f->p++; /* ':' */
        const unsigned char *v = f->p;
        skip_blanks(f);
        if (f->p == f->e || *f->p == '\n' || *f->p == '#') {
            yaml_mark_t vm = mark(f); /* after the ':', on its line */
            vm.index -= (size_t)(f->p - v);
            vm.column -= (size_t)(f->p - v);
            next_content(f);
            int w = f->bad ? -1 : where(f, c);
            if (w > 0)
                block_node(f, c, value_after, true);
            else if (w == 0 && *f->p == '-' && blankz(f, f->p + 1))
                block_seq(f, true, value_after);
            else
                add_scalar(f, f->nt, YAML_PLAIN_SCALAR_STYLE, vm, vm);
        } else if (*f->p != '-' && !(cls[*f->p] & INDICATOR)) {
            /* Mostly a plain scalar: block_node() for it, shorter. */
            if (plain(f, false) && f->p < f->e && *f->p == ':' && blankz(f, f->p + 1))
                break; /* a key on the line of another */
        } else {
            block_node(f, c, value_after, false);
        }
        next_content(f);
        if (f->bad)
            break;
        int w = where(f, c);
        if (w < 0)
            return close_coll(f, id, base, f->depth <= 2 || after, end_mark(f, c));
        if (w > 0 || !(key = block_key(f)))
            break;
    }
    f->bad = true;
    f->depth--;
    return 0;
}

/* The node at the cursor in block context, in the block collection at column @indent.
 * @compact: a block collection may start here (not on the line of a key). The cursor ends
 * after the node. */
static int block_node(struct fp *f, long indent, bool after, bool compact)
{
    if (f->bad || f->p == f->e)
        return f->bad = true, 0;
    unsigned c = *f->p;
    if (c == '-' && blankz(f, f->p + 1))
        return compact ? block_seq(f, false, after) : (f->bad = true, 0);
    if (c == '[' || c == '{') {
        /* Nothing but a comment after it on its line (where it may end, lines below its
         * start, a key is no key for libyaml). */
        int id = flow_coll(f, after);
        skip_blanks(f);
        if (id && f->p < f->e && *f->p != '\n' && *f->p != '#')
            return f->bad = true, 0;
        return id;
    }
    if (c == '|' || c == '>')
        return block_scalar(f, indent);
    /* A scalar, or the first key of a mapping. */
    int mapid = 0;
    size_t base = 0;
    if (compact) {
        /* The mapping would come before its key: take its place now, give it back if not. */
        if (!(mapid = open_coll(f, YAML_MAPPING_NODE, YAML_BLOCK_MAPPING_STYLE, mark(f), &base)))
            return 0;
    }
    int key;
    if (c == '"' || c == '\'')
        key = quoted_key(f);
    else if (plain_start(f, false))
        key = plain(f, false);
    else
        return f->bad = true, 0;
    if (!key)
        return 0;
    bool is_key = f->p < f->e && *f->p == ':' && blankz(f, f->p + 1);
    if (is_key && !value_colon(f))
        return f->bad = true, 0; /* ':' and a tab */
    if (!is_key) {
        if (!mapid)
            return key;
        /* Not a mapping: the scalar takes the mapping's place. */
        f->nodes[mapid - 1] = f->nodes[key - 1];
        f->nn--;
        f->ns -= 1;
        f->depth--;
        return mapid;
    }
    if (!mapid || mark(f).index - f->nodes[key - 1].start_mark.index > KEY_MAX)
        return f->bad = true, 0;
    return block_map(f, mapid, base, (long)f->nodes[mapid - 1].start_mark.column, key, after);
}

bool mpi_yl_fast_parse(const char *data, size_t len, yaml_document_t *doc)
{
    struct fp f = {.s = (const unsigned char *)data, .e = (const unsigned char *)data + len};
    f.p = f.bol = f.ib = f.cb = f.s;
    bool explicit_start = false, ok = false;
    memset(doc, 0, sizeof(*doc));
    /* Room for more nodes and text than pipeline files have (about a node for 7 or 8 bytes,
     * 70 % of the bytes in values), grown when short. */
    if (len > SIZE_MAX / 4 ||
        !relayout(&f, len / 6 < INT32_MAX / 2 ? len / 6 + 64 : INT32_MAX / 2,
                  len + len / 8 + 64))
        goto out;
#ifdef MADV_HUGEPAGE
    {
        /* The nodes of a big file take thousands of pages (96 bytes each): in 2 MB pages
         * where the system gives them when asked, a fault each instead of 512. */
        uintptr_t a = ((uintptr_t)f.nodes + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
        uintptr_t z = (uintptr_t)(f.nodes + f.cn) & ~(uintptr_t)(HUGE_PAGE - 1);
        if (z > a)
            (void)madvise((void *)a, z - a, MADV_HUGEPAGE);
    }
#endif
    yaml_mark_t start;
    next_content(&f);
    if (f.bad || f.p == f.e)
        goto out;
    if (doc_marker(&f) && *f.p == '-') {
        explicit_start = true;
        start = mark(&f);
        f.p += 3;
        skip_blanks(&f);
        if (f.p < f.e && *f.p != '\n' && *f.p != '#')
            goto out;
        next_content(&f);
        if (f.bad || f.p == f.e || doc_marker(&f))
            goto out;
    } else {
        start = mark(&f);
    }
    /* The top node: a block mapping or list. */
    int root = block_node(&f, -1, false, true);
    if (!root || f.nodes[0].type == YAML_SCALAR_NODE ||
        (f.nodes[0].type == YAML_MAPPING_NODE
             ? f.nodes[0].data.mapping.style != YAML_BLOCK_MAPPING_STYLE
             : f.nodes[0].data.sequence.style != YAML_BLOCK_SEQUENCE_STYLE))
        goto out;
    next_content(&f);
    if (f.bad)
        goto out;
    if (f.p == f.e) {
        doc->end_implicit = 1;
        doc->end_mark = end_mark(&f, -1);
    } else if (doc_marker(&f) && *f.p == '.') {
        f.p += 3;
        doc->end_mark = mark(&f);
        next_content(&f);
        if (f.bad || f.p != f.e)
            goto out;
    } else {
        goto out;
    }
    doc->start_implicit = !explicit_start;
    doc->start_mark = start;
    doc->nodes.start = f.nodes;
    doc->nodes.top = doc->nodes.end = f.nodes + f.nn;
    f.nodes = NULL;
    ok = true;
out:
    mpi_block_free(f.nodes);
    mpi_block_free(f.stk);
    if (!ok)
        memset(doc, 0, sizeof(*doc));
    return ok;
}

bool mpi_yl_fast_doc(const yaml_document_t *doc)
{
    const yaml_node_t *n = doc->nodes.start;
    return n && n < doc->nodes.top &&
           (n->tag == (yaml_char_t *)fast_tags[0] || n->tag == (yaml_char_t *)fast_tags[1] ||
            n->tag == (yaml_char_t *)fast_tags[2]);
}
