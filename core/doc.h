/* SPDX-License-Identifier: MIT */
/* doc.h: the document tree (struct mp_doc, struct mp_node) that the writers serialise. */
#ifndef MNISTPIPE_CORE_DOC_H
#define MNISTPIPE_CORE_DOC_H

#include <mnistpipe/mnistpipe.h>

#include <stddef.h>
#include <stdint.h>

#include "arena.h"

enum mpi_node_kind { MPI_NODE_MAP, MPI_NODE_SEQ, MPI_NODE_STR, MPI_NODE_INT, MPI_NODE_BOOL,
                     MPI_NODE_NULL };

/* 40 bytes: the fields of a scalar and of a collection share their place (a 5,000-step
 * workflow has about 250,000 nodes). A string node is shared by every use of its string
 * (struct mpi_dstr): nodes are never changed once made, except by adding to a collection. */
struct mp_node {
    enum mpi_node_kind kind;
    bool flag;          /* MPI_NODE_BOOL */
    bool shared;        /* a collection used in more than one place (mpi_node_share()) */
    struct mp_doc *doc;
    union {
        const char *str; /* MPI_NODE_STR */
        long long num;   /* MPI_NODE_INT */
        struct {
            const char **keys; /* MPI_NODE_MAP */
            struct mp_node **items;
        };
    };
    unsigned n;         /* items, 0 for scalars */
    unsigned cap;
};

/* Every string of a document (mapping keys and string values) is stored once, after this
 * header: a workflow repeats a few dozen keys ("name", "value", ...) hundreds of thousands of
 * times, and most values (images, commands, labels) thousands of times. A writer may cache
 * what it decides about a string in @yaml, so that it decides once per distinct string. */
struct mpi_dstr {
    struct mp_node *node; /* the string's one MPI_NODE_STR node, made on first use */
    size_t len;
    /* core/yaml_emit.c's analysis, 0 until the string is first written (so one document is
     * written by one thread at a time) */
    unsigned short yaml;
    unsigned hash; /* doc.c's hash of the text (its low bits) */
    char text[];
};

/* The header of @s, a key or the str of a node of some document. */
static inline struct mpi_dstr *mpi_dstr_of(const char *s)
{
    return (struct mpi_dstr *)(void *)(s - offsetof(struct mpi_dstr, text));
}

struct mp_doc {
    unsigned magic;
    int err;
    struct mpi_arena arena;
    /* The distinct strings (the text of each struct mpi_dstr). Open addressing, in the
     * arena. */
    const char **strs;
    size_t nstrs, strcap;
    /* Recently used keys by address (callers pass the same literals again and again): the
     * caller's pointer and the document's copy, taken only when the text still matches. */
    struct {
        const char *from, *str;
    } recent[64];
    /* The string literals passed to mpi_node_put_lit() (keys) and mpi_doc_str_lit(): the
     * same address always holds the same text, so it needs no comparing. */
    struct {
        const char *from, *str;
    } lit[256];
    /* Nodes, strings and item blocks are cut from blocks of the document's own (doc.c). */
    struct slab *slabs;
    char *slab;
    size_t slab_left;
};

/* mp_node_put(), mp_node_put_str(), mp_node_put_map() and mp_node_put_seq() for a key that
 * is a string literal (the macros below make sure of it): its address alone finds the
 * document's copy, with no hashing or comparing. Errors: as those. */
struct mp_node *mpi_node_put_lit_any(struct mp_node *map, const char *key, struct mp_node *value);
/* The slot of doc->lit for string literal @s. */
static inline size_t mpi_lit_slot(const char *s)
{
    return ((uintptr_t)s >> 3 ^ (uintptr_t)s >> 11) & 255;
}
/* mpi_node_put_lit_any(), inline when the key was seen before and the map has room (a
 * workflow puts hundreds of thousands of literal keys). */
static inline struct mp_node *mpi_node_put_lit(struct mp_node *map, const char *key,
                                               struct mp_node *value)
{
    if (map && value && map->kind == MPI_NODE_MAP && map->n < map->cap &&
        value->doc == map->doc && map->doc->lit[mpi_lit_slot(key)].from == key) {
        map->keys[map->n] = map->doc->lit[mpi_lit_slot(key)].str;
        map->items[map->n++] = value;
        return value;
    }
    return mpi_node_put_lit_any(map, key, value);
}
/* mp_doc_map() and mp_doc_seq() with room for @cap items (more may still be added), made at
 * once: for collections whose size is known, or nearly. Errors: as those. */
struct mp_node *mpi_doc_map_n(struct mp_doc *doc, unsigned cap);
struct mp_node *mpi_doc_seq_n(struct mp_doc *doc, unsigned cap);
struct mp_node *mpi_node_put_lit_str(struct mp_node *map, const char *key, const char *s);
struct mp_node *mpi_node_put_lit_map(struct mp_node *map, const char *key);
struct mp_node *mpi_node_put_lit_seq(struct mp_node *map, const char *key);
/* @n (a complete collection) is about to be used again, in another place: writers may copy
 * what they wrote for it before. Returns @n. A shared collection must not change again. */
static inline struct mp_node *mpi_node_share(struct mp_node *n)
{
    if (n)
        n->shared = true;
    return n;
}

/* mp_doc_str() of a string literal, found by its address as those keys are. */
struct mp_node *mpi_doc_str_lit(struct mp_doc *doc, const char *s);
#define mpi_doc_lit(doc, s) mpi_doc_str_lit((doc), "" s "")
#define mpi_put(map, key, value) mpi_node_put_lit((map), "" key "", (value))
#define mpi_put_str(map, key, s) mpi_node_put_lit_str((map), "" key "", (s))
#define mpi_put_map(map, key) mpi_node_put_lit_map((map), "" key "")
#define mpi_put_seq(map, key) mpi_node_put_lit_seq((map), "" key "")

#endif /* MNISTPIPE_CORE_DOC_H */
