/* SPDX-License-Identifier: MIT */
/* A small JSON reader with TensorFlow Serving's dialect (NaN/Infinity, rapidjson's error texts). */
#include "config.h"

#include "tfjson.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- arena ---- */

struct tj_chunk {
    struct tj_chunk *next;
    size_t used, cap;
    max_align_t data[];
};

/* Each server thread keeps one spare chunk and its value stack between requests, so a typical
 * predict body costs no malloc/free (and no brk/munmap churn) at all. */
#define CHUNK_SIZE 65536
#define KEEP_MAX (1u << 20)
static _Thread_local struct tj_chunk *spare_chunk;
static _Thread_local struct tj_value *spare_stack;
static _Thread_local size_t spare_stack_cap;
static pthread_key_t spare_key;
static pthread_once_t spare_once = PTHREAD_ONCE_INIT;

/* Runs at thread exit, while the thread's own TLS is still readable. */
static void free_spares(void *unused)
{
    (void)unused;
    free(spare_chunk);
    spare_chunk = NULL;
    free(spare_stack);
    spare_stack = NULL;
    spare_stack_cap = 0;
}

static void make_spare_key(void) { pthread_key_create(&spare_key, free_spares); }

/* Make sure this thread frees its spares when it exits. */
static void register_spares(void)
{
    pthread_once(&spare_once, make_spare_key);
    if (!pthread_getspecific(spare_key)) pthread_setspecific(spare_key, &spare_key);
}

void tj_thread_cleanup(void) { free_spares(NULL); }

static void *arena_alloc(struct tj_doc *doc, size_t n)
{
    n = (n + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
    struct tj_chunk *c = doc->chunks;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > CHUNK_SIZE ? n : CHUNK_SIZE;
        if (spare_chunk && spare_chunk->cap >= cap) {
            c = spare_chunk;
            spare_chunk = NULL;
        } else {
            c = malloc(sizeof *c + cap);
            if (!c) return NULL;
            c->cap = cap;
        }
        c->used = 0;
        c->next = doc->chunks;
        doc->chunks = c;
    }
    void *p = (char *)c->data + c->used;
    c->used += n;
    return p;
}

void tj_doc_free(struct tj_doc *doc)
{
    struct tj_chunk *c = doc->chunks;
    if (c) register_spares();
    while (c) {
        struct tj_chunk *next = c->next;
        if (c->cap <= KEEP_MAX && (!spare_chunk || spare_chunk->cap < c->cap)) {
            free(spare_chunk);
            spare_chunk = c;
        } else {
            free(c);
        }
        c = next;
    }
    doc->chunks = NULL;
}

/* ---- parser ---- */

/* rapidjson's messages (error/en.h), which TF Serving passes through. */
#define E_EMPTY "The document is empty."
#define E_ROOT "The document root must not be followed by other values."
#define E_VALUE "Invalid value."
#define E_NAME "Missing a name for object member."
#define E_COLON "Missing a colon after a name of object member."
#define E_OBJ "Missing a comma or '}' after an object member."
#define E_ARR "Missing a comma or ']' after an array element."
#define E_HEX "Incorrect hex digit after \\u escape in string."
#define E_SURR "The surrogate pair in string is invalid."
#define E_ESC "Invalid escape character in string."
#define E_QUOTE "Missing a closing quotation mark in string."
#define E_ENC "Invalid encoding in string."
#define E_BIG "Number too big to be stored in double."
#define E_FRAC "Miss fraction part in number."
#define E_EXP "Miss exponent in number."
#define E_DEPTH "Terminate parsing due to Handler error."
#define E_NOMEM "Terminate parsing due to Handler error."

#define MAX_DEPTH 128

struct parser {
    const char *p, *end, *start;
    struct tj_doc *doc;
    /* value stack: finished children wait here until their container closes */
    struct tj_value *stack;
    size_t top, cap;
    const char *err;
    size_t err_off;
    int depth;
};

static bool fail(struct parser *ps, const char *msg, const char *at)
{
    if (!ps->err) {
        ps->err = msg;
        ps->err_off = (size_t)(at - ps->start);
    }
    return false;
}

static void skip_ws(struct parser *ps)
{
    while (ps->p < ps->end &&
           (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\r' || *ps->p == '\t'))
        ps->p++;
}

static struct tj_value *push(struct parser *ps)
{
    if (ps->top == ps->cap) {
        size_t cap = ps->cap ? ps->cap * 2 : 1024;
        struct tj_value *s = realloc(ps->stack, cap * sizeof *s);
        if (!s) return NULL;
        ps->stack = s;
        ps->cap = cap;
    }
    struct tj_value *v = &ps->stack[ps->top++];
    memset(v, 0, sizeof *v);
    return v;
}

static bool parse_value(struct parser *ps);

static bool literal(struct parser *ps, const char *word, enum tj_type t)
{
    size_t n = strlen(word);
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
        return fail(ps, E_VALUE, ps->p);
    ps->p += n;
    struct tj_value *v = push(ps);
    if (!v) return fail(ps, E_NOMEM, ps->p);
    v->type = t;
    return true;
}

static const long double pow10_ld[] = {
    1e0L, 1e1L, 1e2L, 1e3L, 1e4L, 1e5L, 1e6L, 1e7L, 1e8L, 1e9L, 1e10L, 1e11L, 1e12L, 1e13L,
    1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L, 1e20L, 1e21L, 1e22L, 1e23L, 1e24L, 1e25L, 1e26L,
    1e27L};

static const double pow10_d[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
                                 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21,
                                 1e22};

static bool special_number(struct parser *ps, const char *tok, bool neg)
{
    /* TF parses with kParseNanAndInfFlag: NaN, Inf, Infinity (optionally negative). */
    const char *q = ps->p;
    double d;
    if ((size_t)(ps->end - q) >= 3 && !memcmp(q, "NaN", 3)) {
        q += 3;
        d = NAN;
    } else if ((size_t)(ps->end - q) >= 8 && !memcmp(q, "Infinity", 8)) {
        q += 8;
        d = neg ? -INFINITY : INFINITY;
    } else if ((size_t)(ps->end - q) >= 3 && !memcmp(q, "Inf", 3)) {
        q += 3;
        d = neg ? -INFINITY : INFINITY;
    } else {
        return fail(ps, E_VALUE, tok);
    }
    ps->p = q;
    struct tj_value *v = push(ps);
    if (!v) return fail(ps, E_NOMEM, q);
    v->type = TJ_NUMBER;
    v->raw = tok;
    v->raw_len = (uint32_t)(q - tok);
    v->u.d = d;
    v->f = (float)d;
    return true;
}

static bool parse_number(struct parser *ps)
{
    const char *tok = ps->p, *q = ps->p;
    bool neg = false;
    if (q < ps->end && *q == '-') {
        neg = true;
        q++;
    }
    if (q < ps->end && (*q == 'N' || *q == 'I')) {
        ps->p = q;
        return special_number(ps, tok, neg);
    }
    uint64_t mant = 0;
    int sig = 0, exp10 = 0;
    bool exact = true, is_int = true;
    if (q >= ps->end || *q < '0' || *q > '9') return fail(ps, E_VALUE, tok);
    if (*q == '0') {
        q++;
    } else {
        while (q < ps->end && *q >= '0' && *q <= '9') {
            if (sig < 19) {
                mant = mant * 10 + (uint64_t)(*q - '0');
                if (mant) sig++;
            } else {
                exp10++;
                exact = false;
            }
            q++;
        }
    }
    if (q < ps->end && *q == '.') {
        is_int = false;
        q++;
        if (q >= ps->end || *q < '0' || *q > '9') return fail(ps, E_FRAC, q);
        while (q < ps->end && *q >= '0' && *q <= '9') {
            if (sig < 19) {
                mant = mant * 10 + (uint64_t)(*q - '0');
                if (mant) sig++;
                exp10--;
            } else {
                exact = false;
            }
            q++;
        }
    }
    if (q < ps->end && (*q == 'e' || *q == 'E')) {
        is_int = false;
        q++;
        bool eneg = false;
        if (q < ps->end && (*q == '+' || *q == '-')) eneg = *q++ == '-';
        if (q >= ps->end || *q < '0' || *q > '9') return fail(ps, E_EXP, q);
        int e = 0;
        while (q < ps->end && *q >= '0' && *q <= '9') {
            if (e < 100000) e = e * 10 + (*q - '0');
            q++;
        }
        exp10 += eneg ? -e : e;
    }
    ps->p = q;
    struct tj_value *v = push(ps);
    if (!v) return fail(ps, E_NOMEM, q);
    v->type = TJ_NUMBER;
    v->raw = tok;
    v->raw_len = (uint32_t)(q - tok);
    if (exact && mant <= (1ULL << 53) && exp10 >= -22 && exp10 <= 22) {
        /* Clinger's fast path: mantissa and 10^|e| are exact doubles, so the double is
         * correctly rounded; the float cast can only differ from strtof when the value lies
         * within 2^-53 of a float halfway point (rapidjson, which TF uses, is looser). */
        double x = (double)mant;
        x = exp10 < 0 ? x / pow10_d[-exp10] : x * pow10_d[exp10];
        if (neg) x = -x;
        v->f = (float)x;
        v->u.d = x;
    } else if (exact && exp10 >= -27 && exp10 <= 27) {
        /* The 19-digit mantissa is exact in x87's 64-bit significand and so is 10^|e| up to
         * 10^27; one rounding here, one to float: correctly rounded for all but values that
         * land on a float halfway point within 2^-40 relative error. */
        long double x = (long double)mant;
        x = exp10 < 0 ? x / pow10_ld[-exp10] : x * pow10_ld[exp10];
        if (neg) x = -x;
        v->f = (float)x;
        v->u.d = (double)x;
    } else {
        /* Rare forms (over 19 significant digits, big exponents): let libc do it. */
        char tmp[512];
        size_t n = v->raw_len < sizeof tmp - 1 ? v->raw_len : sizeof tmp - 1;
        memcpy(tmp, tok, n);
        tmp[n] = '\0';
        v->u.d = strtod(tmp, NULL);
        v->f = strtof(tmp, NULL);
        if (isinf(v->u.d)) return fail(ps, E_BIG, tok);
    }
    if (is_int) {
        /* Integers beyond int64 stay doubles, as in rapidjson. */
        if (exp10 == 0 && exact && (mant <= (uint64_t)INT64_MAX || (neg && mant == (uint64_t)INT64_MAX + 1))) {
            v->is_int = true;
            v->i = neg ? (int64_t)(0 - mant) : (int64_t)mant;
        }
    }
    return true;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static bool read_hex4(struct parser *ps, const char *q, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        if (q + i >= ps->end) return fail(ps, E_HEX, q + i);
        int h = hexval(q[i]);
        if (h < 0) return fail(ps, E_HEX, q + i);
        v = v * 16 + (unsigned)h;
    }
    *out = v;
    return true;
}

static bool parse_string_raw(struct parser *ps, const char **out, uint32_t *out_len)
{
    const char *q = ps->p + 1; /* past the quote */
    /* Fast scan: most strings have no escapes. */
    const char *r = q;
    while (r < ps->end && *r != '"' && *r != '\\' && (unsigned char)*r >= 0x20) r++;
    size_t maxlen = (size_t)(ps->end - q);
    char *dst;
    size_t n = 0;
    if (r < ps->end && *r == '"') {
        n = (size_t)(r - q);
        dst = arena_alloc(ps->doc, n + 1);
        if (!dst) return fail(ps, E_NOMEM, q);
        memcpy(dst, q, n);
        dst[n] = '\0';
        ps->p = r + 1;
        *out = dst;
        *out_len = (uint32_t)n;
        return true;
    }
    dst = arena_alloc(ps->doc, maxlen + 1);
    if (!dst) return fail(ps, E_NOMEM, q);
    while (q < ps->end) {
        unsigned char c = (unsigned char)*q;
        if (c == '"') {
            dst[n] = '\0';
            ps->p = q + 1;
            *out = dst;
            *out_len = (uint32_t)n;
            return true;
        }
        if (c < 0x20) return fail(ps, c == 0 ? E_QUOTE : E_ENC, q);
        if (c != '\\') {
            dst[n++] = (char)c;
            q++;
            continue;
        }
        const char *esc = q;
        q++;
        if (q >= ps->end) return fail(ps, E_QUOTE, q);
        switch (*q) {
        case '"': dst[n++] = '"'; break;
        case '\\': dst[n++] = '\\'; break;
        case '/': dst[n++] = '/'; break;
        case 'b': dst[n++] = '\b'; break;
        case 'f': dst[n++] = '\f'; break;
        case 'n': dst[n++] = '\n'; break;
        case 'r': dst[n++] = '\r'; break;
        case 't': dst[n++] = '\t'; break;
        case 'u': {
            unsigned cp;
            if (!read_hex4(ps, q + 1, &cp)) return false;
            q += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                unsigned lo;
                if (q + 2 >= ps->end || q[1] != '\\' || q[2] != 'u') return fail(ps, E_SURR, q + 1);
                if (!read_hex4(ps, q + 3, &lo)) return false;
                if (lo < 0xDC00 || lo > 0xDFFF) return fail(ps, E_SURR, q + 3);
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                q += 6;
            }
            if (cp < 0x80) {
                dst[n++] = (char)cp;
            } else if (cp < 0x800) {
                dst[n++] = (char)(0xC0 | (cp >> 6));
                dst[n++] = (char)(0x80 | (cp & 0x3F));
            } else if (cp < 0x10000) {
                dst[n++] = (char)(0xE0 | (cp >> 12));
                dst[n++] = (char)(0x80 | ((cp >> 6) & 0x3F));
                dst[n++] = (char)(0x80 | (cp & 0x3F));
            } else {
                dst[n++] = (char)(0xF0 | (cp >> 18));
                dst[n++] = (char)(0x80 | ((cp >> 12) & 0x3F));
                dst[n++] = (char)(0x80 | ((cp >> 6) & 0x3F));
                dst[n++] = (char)(0x80 | (cp & 0x3F));
            }
            break;
        }
        default:
            return fail(ps, E_ESC, esc);
        }
        q++;
    }
    return fail(ps, E_QUOTE, q);
}

static bool close_container(struct parser *ps, size_t base, enum tj_type t)
{
    size_t count = ps->top - base;
    struct tj_value *items = NULL;
    if (count) {
        items = arena_alloc(ps->doc, count * sizeof *items);
        if (!items) return fail(ps, E_NOMEM, ps->p);
        memcpy(items, ps->stack + base, count * sizeof *items);
    }
    ps->top = base;
    struct tj_value *v = push(ps);
    if (!v) return fail(ps, E_NOMEM, ps->p);
    v->type = t;
    v->n = (uint32_t)(t == TJ_OBJECT ? count / 2 : count);
    v->u.items = items;
    return true;
}

static bool parse_array(struct parser *ps)
{
    ps->p++;
    size_t base = ps->top;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == ']') {
        ps->p++;
        return close_container(ps, base, TJ_ARRAY);
    }
    for (;;) {
        if (!parse_value(ps)) return false;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            skip_ws(ps);
            continue;
        }
        if (ps->p < ps->end && *ps->p == ']') {
            ps->p++;
            return close_container(ps, base, TJ_ARRAY);
        }
        return fail(ps, E_ARR, ps->p);
    }
}

static bool parse_object(struct parser *ps)
{
    ps->p++;
    size_t base = ps->top;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == '}') {
        ps->p++;
        return close_container(ps, base, TJ_OBJECT);
    }
    for (;;) {
        if (ps->p >= ps->end || *ps->p != '"') return fail(ps, E_NAME, ps->p);
        const char *s;
        uint32_t n;
        if (!parse_string_raw(ps, &s, &n)) return false;
        struct tj_value *k = push(ps);
        if (!k) return fail(ps, E_NOMEM, ps->p);
        k->type = TJ_STRING;
        k->raw = s;
        k->n = n;
        skip_ws(ps);
        if (ps->p >= ps->end || *ps->p != ':') return fail(ps, E_COLON, ps->p);
        ps->p++;
        skip_ws(ps);
        if (!parse_value(ps)) return false;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            skip_ws(ps);
            continue;
        }
        if (ps->p < ps->end && *ps->p == '}') {
            ps->p++;
            return close_container(ps, base, TJ_OBJECT);
        }
        return fail(ps, E_OBJ, ps->p);
    }
}

static bool parse_value(struct parser *ps)
{
    if (ps->p >= ps->end) return fail(ps, E_VALUE, ps->p);
    bool ok;
    switch (*ps->p) {
    case 'n': return literal(ps, "null", TJ_NULL);
    case 't': return literal(ps, "true", TJ_TRUE);
    case 'f': return literal(ps, "false", TJ_FALSE);
    case '"': {
        const char *s;
        uint32_t n;
        if (!parse_string_raw(ps, &s, &n)) return false;
        struct tj_value *v = push(ps);
        if (!v) return fail(ps, E_NOMEM, ps->p);
        v->type = TJ_STRING;
        v->raw = s;
        v->n = n;
        return true;
    }
    case '[':
    case '{':
        if (++ps->depth > MAX_DEPTH) return fail(ps, E_DEPTH, ps->p);
        ok = *ps->p == '[' ? parse_array(ps) : parse_object(ps);
        ps->depth--;
        return ok;
    default:
        return parse_number(ps);
    }
}

bool tj_parse(const char *text, size_t len, struct tj_doc *doc, const char **err_msg,
              size_t *err_off)
{
    struct parser ps = {.p = text, .end = text + len, .start = text, .doc = doc,
                        .stack = spare_stack, .cap = spare_stack_cap};
    spare_stack = NULL;
    spare_stack_cap = 0;
    memset(doc, 0, sizeof *doc);
    bool ok = false;
    skip_ws(&ps);
    if (ps.p >= ps.end) {
        fail(&ps, E_EMPTY, ps.p);
        goto out;
    }
    if (!parse_value(&ps)) goto out;
    skip_ws(&ps);
    if (ps.p < ps.end) {
        fail(&ps, E_ROOT, ps.p);
        goto out;
    }
    doc->root = ps.stack[0];
    ok = true;
out:
    if (ps.cap * sizeof *ps.stack <= KEEP_MAX) {
        register_spares();
        spare_stack = ps.stack;
        spare_stack_cap = ps.cap;
    } else {
        free(ps.stack);
    }
    if (!ok) {
        *err_msg = ps.err ? ps.err : E_VALUE;
        *err_off = ps.err_off;
    }
    return ok;
}

const struct tj_value *tj_get(const struct tj_value *obj, const char *key)
{
    if (!obj || obj->type != TJ_OBJECT) return NULL;
    size_t klen = strlen(key);
    for (uint32_t i = 0; i < obj->n; i++) {
        const struct tj_value *k = &obj->u.items[2 * i];
        if (k->n == klen && memcmp(k->raw, key, klen) == 0) return &obj->u.items[2 * i + 1];
    }
    return NULL;
}

const char *tj_type_name(const struct tj_value *val)
{
    switch (val->type) {
    case TJ_NULL: return "Null";
    case TJ_FALSE: return "False";
    case TJ_TRUE: return "True";
    case TJ_OBJECT: return "Object";
    case TJ_ARRAY: return "Array";
    case TJ_STRING: return "String";
    case TJ_NUMBER: return "Number";
    }
    return "Null";
}

void tj_write_float(struct mnu_buf *b, float v)
{
    if (isnan(v)) {
        mnu_buf_adds(b, "NaN");
        return;
    }
    if (isinf(v)) {
        mnu_buf_adds(b, signbit(v) ? "-Infinity" : "Infinity");
        return;
    }
    char s[32];
    int n = snprintf(s, sizeof s, "%.6g", (double)v);
    if (strtof(s, NULL) != v) n = snprintf(s, sizeof s, "%.9g", (double)v);
    if (n < 0) n = 0;
    mnu_buf_add(b, s, (size_t)n);
    if (!memchr(s, '.', (size_t)n) && !memchr(s, 'e', (size_t)n)) mnu_buf_adds(b, ".0");
}

static void indent(struct mnu_buf *b, int level)
{
    mnu_buf_addc(b, '\n');
    for (int i = 0; i < level; i++) mnu_buf_adds(b, "    ");
}

/* rapidjson's PrettyWriter layout (4-space indent), which TF uses for JsonValueToString. */
static void write_pretty(struct mnu_buf *b, const struct tj_value *v, int level)
{
    switch (v->type) {
    case TJ_NULL: mnu_buf_adds(b, "null"); break;
    case TJ_TRUE: mnu_buf_adds(b, "true"); break;
    case TJ_FALSE: mnu_buf_adds(b, "false"); break;
    case TJ_NUMBER: mnu_buf_add(b, v->raw, v->raw_len); break;
    case TJ_STRING: mnu_buf_add_jstr(b, v->raw, v->n); break;
    case TJ_ARRAY:
        mnu_buf_addc(b, '[');
        for (uint32_t i = 0; i < v->n; i++) {
            if (i) mnu_buf_addc(b, ',');
            indent(b, level + 1);
            write_pretty(b, &v->u.items[i], level + 1);
        }
        if (v->n) indent(b, level);
        mnu_buf_addc(b, ']');
        break;
    case TJ_OBJECT:
        mnu_buf_addc(b, '{');
        for (uint32_t i = 0; i < v->n; i++) {
            if (i) mnu_buf_addc(b, ',');
            indent(b, level + 1);
            const struct tj_value *k = &v->u.items[2 * i];
            mnu_buf_add_jstr(b, k->raw, k->n);
            mnu_buf_adds(b, ": ");
            write_pretty(b, &v->u.items[2 * i + 1], level + 1);
        }
        if (v->n) indent(b, level);
        mnu_buf_addc(b, '}');
        break;
    }
}

void tj_write(struct mnu_buf *b, const struct tj_value *val)
{
    if (val->type == TJ_NUMBER && !val->is_int) {
        /* TF writes a lone double through its float formatter. */
        tj_write_float(b, val->f);
        return;
    }
    write_pretty(b, val, 0);
}
