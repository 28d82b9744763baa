/* SPDX-License-Identifier: MIT */
/* doc.c: building document trees (mp_doc_*, mp_node_*). */
#include "config.h"

#include "doc.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define DOC_MAGIC 0x444f4321u

struct slab {
    struct slab *next;
    size_t pad; /* keeps what follows aligned for any type */
    char data[];
};

struct mp_doc *mp_doc_new(void)
{
    struct mp_doc *doc = calloc(1, sizeof(*doc));
    if (!doc)
        return NULL;
    doc->magic = DOC_MAGIC;
    mpi_arena_init(&doc->arena);
    return doc;
}

void mp_doc_free(struct mp_doc *doc)
{
    if (!doc || doc->magic != DOC_MAGIC)
        return;
    mpi_arena_release(&doc->arena); /* and the slabs, cut from it */
    doc->magic = 0;
    free(doc);
}

int mp_doc_error(const struct mp_doc *doc)
{
    if (!doc || doc->magic != DOC_MAGIC)
        return MP_ERR_INVAL;
    return doc->err;
}

/* @n bytes (a multiple of 8) for nodes, strings and item blocks, not zeroed: cut from blocks
 * of the document's own, so that the 250,000 nodes of a big workflow cost a few allocations,
 * not one each (nor zeroing what is written at once). */
#define SLAB_SIZE 65536
static void *doc_alloc(struct mp_doc *doc, size_t n)
{
    if (doc->slab_left < n) {
        size_t size = n > SLAB_SIZE / 4 ? n : SLAB_SIZE;
        /* From the arena: its big chunks reuse the pages freed by the phases before. */
        struct slab *sl = n < SIZE_MAX / 2 ? mpi_arena_block(&doc->arena, sizeof(*sl) + size)
                                           : NULL;
        if (!sl)
            return NULL;
        sl->next = doc->slabs;
        doc->slabs = sl;
        if (size != SLAB_SIZE) /* a big block: its own, the current one kept */
            return sl->data;
        doc->slab = sl->data;
        doc->slab_left = SLAB_SIZE;
    }
    void *p = doc->slab;
    doc->slab += n;
    doc->slab_left -= n;
    return p;
}

static struct mp_node *node_new(struct mp_doc *doc, enum mpi_node_kind kind)
{
    if (!doc || doc->magic != DOC_MAGIC)
        return NULL;
    struct mp_node *n = doc_alloc(doc, sizeof(*n));
    if (!n) {
        doc->err = MP_ERR_NOMEM;
        return NULL;
    }
    *n = (struct mp_node){.kind = kind, .doc = doc};
    return n;
}

struct mp_node *mp_doc_map(struct mp_doc *doc)
{
    return node_new(doc, MPI_NODE_MAP);
}

struct mp_node *mp_doc_seq(struct mp_doc *doc)
{
    return node_new(doc, MPI_NODE_SEQ);
}

/* A collection and its first block of items (and keys) in one piece. */
static struct mp_node *coll_new(struct mp_doc *doc, enum mpi_node_kind kind, unsigned cap)
{
    if (!doc || doc->magic != DOC_MAGIC)
        return NULL;
    size_t per = kind == MPI_NODE_MAP ? 2 * sizeof(void *) : sizeof(void *);
    struct mp_node *n = cap && cap <= (1u << 24) ? doc_alloc(doc, sizeof(*n) + cap * per) : NULL;
    if (!n)
        return node_new(doc, kind);
    *n = (struct mp_node){.kind = kind, .doc = doc, .cap = cap};
    n->items = (struct mp_node **)(void *)(n + 1);
    if (kind == MPI_NODE_MAP)
        n->keys = (const char **)(void *)(n->items + cap);
    return n;
}

struct mp_node *mpi_doc_map_n(struct mp_doc *doc, unsigned cap)
{
    return coll_new(doc, MPI_NODE_MAP, cap);
}

struct mp_node *mpi_doc_seq_n(struct mp_doc *doc, unsigned cap)
{
    return coll_new(doc, MPI_NODE_SEQ, cap);
}

static const char *intern(struct mp_doc *doc, const char *s);

struct mp_node *mp_doc_str(struct mp_doc *doc, const char *s)
{
    if (!doc || doc->magic != DOC_MAGIC)
        return NULL;
    const char *str = s ? intern(doc, s) : NULL;
    if (!str) {
        doc->err = s ? MP_ERR_NOMEM : MP_ERR_INVAL;
        return NULL;
    }
    struct mpi_dstr *d = mpi_dstr_of(str);
    if (!d->node && (d->node = node_new(doc, MPI_NODE_STR)))
        d->node->str = str;
    return d->node;
}

struct mp_node *mp_doc_int(struct mp_doc *doc, long long v)
{
    struct mp_node *n = node_new(doc, MPI_NODE_INT);
    if (n)
        n->num = v;
    return n;
}

struct mp_node *mp_doc_bool(struct mp_doc *doc, bool v)
{
    struct mp_node *n = node_new(doc, MPI_NODE_BOOL);
    if (n)
        n->flag = v;
    return n;
}

struct mp_node *mp_doc_null(struct mp_doc *doc)
{
    return node_new(doc, MPI_NODE_NULL);
}

/* Eight bytes at a time: this runs for every key and string of a workflow. */
static size_t str_hash(const char *s, size_t *len)
{
    size_t n = strlen(s);
    uint64_t h = 14695981039346656037u ^ n, w;
    const char *p = s, *end = s + n;
    for (; end - p >= 8; p += 8) {
        memcpy(&w, p, 8);
        h = (h ^ w) * 0x9e3779b97f4a7c15u;
        h ^= h >> 29;
    }
    /* the last 0-7 bytes, in loads of 4, 2 and 1 (fixed sizes: no call to memcpy) */
    size_t rest = (size_t)(end - p), at = 0;
    w = 0;
    if (rest & 4) {
        uint32_t v;
        memcpy(&v, p, 4);
        w = v;
        at = 4;
    }
    if (rest & 2) {
        uint16_t v;
        memcpy(&v, p + at, 2);
        w |= (uint64_t)v << (8 * at);
        at += 2;
    }
    if (rest & 1)
        w |= (uint64_t)(unsigned char)p[at] << (8 * at);
    h = (h ^ w) * 0x9e3779b97f4a7c15u;
    h ^= h >> 32;
    *len = n;
    return (size_t)h;
}

/* The document's copy of @s, made on first use. Errors: NULL when out of memory. */
static const char *intern(struct mp_doc *doc, const char *s)
{
    size_t len;
    unsigned h = (unsigned)str_hash(s, &len); /* kept in each string's header */
    if ((doc->nstrs + 1) * 2 > doc->strcap) {
        size_t cap = doc->strcap ? doc->strcap * 2 : 256;
        const char **t = mpi_arena_alloc(&doc->arena, cap * sizeof(*t));
        if (!t)
            return NULL;
        for (size_t i = 0; i < doc->strcap; i++) {
            if (!doc->strs[i])
                continue;
            size_t j = mpi_dstr_of(doc->strs[i])->hash & (cap - 1);
            while (t[j])
                j = (j + 1) & (cap - 1);
            t[j] = doc->strs[i];
        }
        doc->strs = t;
        doc->strcap = cap;
    }
    size_t j = h & (doc->strcap - 1);
    for (const char *t; (t = doc->strs[j]); j = (j + 1) & (doc->strcap - 1)) {
        const struct mpi_dstr *e = mpi_dstr_of(t);
        if (e->hash == h && e->len == len && memcmp(t, s, len) == 0)
            return t;
    }
    struct mpi_dstr *d = doc_alloc(doc, (sizeof(*d) + len + 8) & ~(size_t)7);
    if (!d)
        return NULL;
    d->node = NULL;
    d->len = len;
    d->yaml = 0;
    d->hash = h;
    memcpy(d->text, s, len + 1);
    doc->strs[j] = d->text;
    doc->nstrs++;
    return d->text;
}

/* The document's copy of mapping key @key: through doc->recent when the caller passes the
 * same pointer with the same text as before. */
static const char *intern_key(struct mp_doc *doc, const char *key)
{
    size_t slot = ((uintptr_t)key >> 3) & 63;
    if (doc->recent[slot].from == key && strcmp(doc->recent[slot].str, key) == 0)
        return doc->recent[slot].str;
    const char *k = intern(doc, key);
    if (k) {
        doc->recent[slot].from = key;
        doc->recent[slot].str = k;
    }
    return k;
}

/* Room for one more item in @parent: items and (for a mapping) keys in one block, doubled
 * when full. Kept out of add_item(), which runs for every item and so stays a small leaf. */
__attribute__((noinline)) static bool grow_items(struct mp_node *parent)
{
    struct mp_doc *doc = parent->doc;
    bool map = parent->kind == MPI_NODE_MAP;
    size_t cap = parent->cap ? (size_t)parent->cap * 2 : 4, per = map ? 2 * sizeof(void *)
                                                                      : sizeof(void *);
    void *block = cap <= UINT_MAX && cap < SIZE_MAX / 4 / per ? doc_alloc(doc, cap * per) : NULL;
    if (!block) {
        doc->err = MP_ERR_NOMEM;
        return false;
    }
    struct mp_node **items = block;
    if (parent->n)
        memcpy(items, parent->items, parent->n * sizeof(*items));
    if (map) {
        const char **keys = (const char **)(void *)(items + cap);
        if (parent->n)
            memcpy(keys, parent->keys, parent->n * sizeof(*keys));
        parent->keys = keys;
    }
    parent->items = items;
    parent->cap = (unsigned)cap;
    return true;
}

/* Adds @value under key @k (the document's copy; NULL for a sequence). */
static inline bool add_item(struct mp_node *parent, const char *k, struct mp_node *value)
{
    if (parent->n == parent->cap && !grow_items(parent))
        return false;
    if (k)
        parent->keys[parent->n] = k;
    parent->items[parent->n++] = value;
    return true;
}

/* The checks of mp_node_put(): false (recording MP_ERR_INVAL) when @value cannot go in @map. */
static bool put_ok(struct mp_node *map, const char *key, const struct mp_node *value)
{
    if (!map || map->kind != MPI_NODE_MAP || !key)
        return false;
    if (!value || value->doc != map->doc) {
        if (map->doc->err == MP_OK)
            map->doc->err = MP_ERR_INVAL;
        return false;
    }
    return true;
}

struct mp_node *mp_node_put(struct mp_node *map, const char *key, struct mp_node *value)
{
    if (!put_ok(map, key, value))
        return NULL;
    const char *k = intern_key(map->doc, key);
    if (!k) {
        map->doc->err = MP_ERR_NOMEM;
        return NULL;
    }
    return add_item(map, k, value) ? value : NULL;
}

/* The document's copy of string literal @s, found by its address. Errors: NULL. */
static const char *intern_lit(struct mp_doc *doc, const char *s)
{
    size_t slot = mpi_lit_slot(s);
    if (doc->lit[slot].from == s)
        return doc->lit[slot].str;
    const char *k = intern(doc, s);
    if (k) {
        doc->lit[slot].from = s;
        doc->lit[slot].str = k;
    }
    return k;
}

struct mp_node *mpi_node_put_lit_any(struct mp_node *map, const char *key, struct mp_node *value)
{
    if (!put_ok(map, key, value))
        return NULL;
    const char *k = intern_lit(map->doc, key);
    if (!k) {
        map->doc->err = MP_ERR_NOMEM;
        return NULL;
    }
    return add_item(map, k, value) ? value : NULL;
}

struct mp_node *mpi_doc_str_lit(struct mp_doc *doc, const char *s)
{
    if (!doc || doc->magic != DOC_MAGIC)
        return NULL;
    const char *str = intern_lit(doc, s);
    if (!str) {
        doc->err = MP_ERR_NOMEM;
        return NULL;
    }
    struct mpi_dstr *d = mpi_dstr_of(str);
    if (!d->node && (d->node = node_new(doc, MPI_NODE_STR)))
        d->node->str = str;
    return d->node;
}

struct mp_node *mpi_node_put_lit_str(struct mp_node *map, const char *key, const char *s)
{
    return map ? mpi_node_put_lit(map, key, mp_doc_str(map->doc, s)) : NULL;
}

struct mp_node *mpi_node_put_lit_map(struct mp_node *map, const char *key)
{
    return map ? mpi_node_put_lit(map, key, mp_doc_map(map->doc)) : NULL;
}

struct mp_node *mpi_node_put_lit_seq(struct mp_node *map, const char *key)
{
    return map ? mpi_node_put_lit(map, key, mp_doc_seq(map->doc)) : NULL;
}

struct mp_node *mp_node_push(struct mp_node *seq, struct mp_node *value)
{
    if (!seq || seq->kind != MPI_NODE_SEQ)
        return NULL;
    if (!value || value->doc != seq->doc) {
        if (seq->doc->err == MP_OK)
            seq->doc->err = MP_ERR_INVAL;
        return NULL;
    }
    return add_item(seq, NULL, value) ? value : NULL;
}

struct mp_node *mp_node_put_str(struct mp_node *map, const char *key, const char *s)
{
    return map ? mp_node_put(map, key, mp_doc_str(map->doc, s)) : NULL;
}

struct mp_node *mp_node_put_map(struct mp_node *map, const char *key)
{
    return map ? mp_node_put(map, key, mp_doc_map(map->doc)) : NULL;
}

struct mp_node *mp_node_put_seq(struct mp_node *map, const char *key)
{
    return map ? mp_node_put(map, key, mp_doc_seq(map->doc)) : NULL;
}

struct mp_node *mp_node_get(const struct mp_node *map, const char *key)
{
    if (!map || map->kind != MPI_NODE_MAP || !key)
        return NULL;
    for (size_t i = 0; i < map->n; i++)
        if (strcmp(map->keys[i], key) == 0)
            return map->items[i];
    return NULL;
}

size_t mp_node_count(const struct mp_node *node)
{
    return node ? node->n : 0;
}
