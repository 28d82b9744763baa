/* SPDX-License-Identifier: MIT */
/* arena.c: bump allocation in growing chunks; under AddressSanitizer, one malloc per object. */
#include "config.h"

#include "arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "pages.h"

#define ARENA_ALIGN 16
#define ARENA_MIN_CHUNK 8192
/* Chunks double from 8 KiB (a component's arena needs a few KiB) to 16 MiB (100,000 steps
 * take 250 MB of workflow tree: twenty-odd chunks); from MPI_PAGES_MIN on, they are mappings
 * of their own, which take over the pages of the blocks freed before (pages.h). */
#define ARENA_MAX_CHUNK ((size_t)16 << 20)

/* Every chunk comes zeroed and its bytes are handed out once, so allocations need no memset.
 * A chunk of MPI_PAGES_MIN or more is a mapping of its own (@map bytes) whose pages, as the
 * chunk fills, are taken from the pool of freed ones (pages.h) a window at a time while there
 * are some: the bytes before @ready are those. */
#define ARENA_WINDOW ((size_t)256 << 10)
struct mpi_arena_chunk {
    struct mpi_arena_chunk *next;
    size_t used;
    size_t cap;
    size_t map, ready;
    _Alignas(ARENA_ALIGN) unsigned char data[];
};

void mpi_arena_init(struct mpi_arena *a)
{
    a->head = NULL;
    a->total = 0;
}

void mpi_arena_release(struct mpi_arena *a)
{
    struct mpi_arena_chunk *c = a->head;
    while (c) {
        struct mpi_arena_chunk *next = c->next;
        if (c->map)
            mpi_pages_put(c, c->map);
        else
            free(c);
        c = next;
    }
    a->head = NULL;
    a->total = 0;
}

#ifdef MP_ASAN
/* One chunk per object, so that AddressSanitizer sees the bounds of each. */
void *mpi_arena_alloc(struct mpi_arena *a, size_t n)
{
    if (n > SIZE_MAX / 2)
        return NULL;
    struct mpi_arena_chunk *c = calloc(1, sizeof(*c) + (n ? n : 1));
    if (!c)
        return NULL;
    c->cap = c->used = n;
    c->next = a->head;
    a->head = c;
    a->total += n;
    return c->data;
}
#else
/* Pooled pages for the chunk's bytes up to @upto, a window at a time (the pages after the
 * last window filled are fresh ones, zero, until a window is filled). */
static void chunk_ready(struct mpi_arena_chunk *c, size_t upto)
{
    while (c->ready < upto) {
        size_t w = c->map - c->ready < ARENA_WINDOW ? c->map - c->ready : ARENA_WINDOW;
        mpi_pages_fill((char *)c + c->ready, w, true);
        c->ready += w;
    }
}

/* Whether a chunk of @size bytes (header included) is a mapping of its own rather than a
 * malloc block: from MPI_PAGES_MIN on, or from a quarter window on while freed pages are
 * pooled (then they are its pages). */
static bool chunk_mapped(size_t size)
{
    return size >= MPI_PAGES_MIN || (size >= ARENA_WINDOW / 4 && mpi_pages_pooled());
}

static struct mpi_arena_chunk *chunk_new(size_t cap)
{
    struct mpi_arena_chunk *c;
    size_t size = sizeof(*c) + cap;
    if (!chunk_mapped(size)) {
        if (!(c = calloc(1, size)))
            return NULL;
    } else {
        void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            return NULL;
        size_t map = mpi_pages_round(size), w = map < ARENA_WINDOW ? map : ARENA_WINDOW;
        mpi_pages_fill(p, w, true); /* the header's window, before the header is written */
        c = p;
        c->map = map;
        c->ready = w;
    }
    c->cap = cap;
    return c;
}

void *mpi_arena_alloc(struct mpi_arena *a, size_t n)
{
    if (n > SIZE_MAX / 4)
        return NULL;
    size_t need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    struct mpi_arena_chunk *c = a->head;
    if (!c || c->cap - c->used < need) {
        size_t cap = ARENA_MIN_CHUNK;
        if (c && c->cap <= ARENA_MAX_CHUNK / 2)
            cap = c->cap * 2; /* chunks double up to 16 MiB, so big pipelines need few */
        else if (c)
            cap = c->cap;
        if (cap < need)
            cap = need;
        struct mpi_arena_chunk *nc = chunk_new(cap);
        if (!nc)
            return NULL;
        nc->next = c;
        a->head = c = nc;
    }
    if (c->map && offsetof(struct mpi_arena_chunk, data) + c->used + need > c->ready)
        chunk_ready(c, offsetof(struct mpi_arena_chunk, data) + c->used + need);
    void *p = c->data + c->used;
    c->used += need;
    a->total += need;
    return p;
}
#endif

void *mpi_arena_block(struct mpi_arena *a, size_t n)
{
#ifdef MP_ASAN
    return mpi_arena_alloc(a, n);
#else
    if (n > SIZE_MAX / 4)
        return NULL;
    struct mpi_arena_chunk *c;
    size_t size = sizeof(*c) + n;
    if (!chunk_mapped(size)) {
        if (!(c = malloc(size)))
            return NULL;
        c->map = 0;
    } else {
        if (!(c = mpi_pages_take(size, false)))
            return NULL;
        c->map = mpi_pages_round(size);
    }
    c->cap = c->used = n; /* full: nothing more is cut from it */
    c->ready = c->map;
    /* After the chunk allocations are cut from, which stays the head. */
    if (a->head) {
        c->next = a->head->next;
        a->head->next = c;
    } else {
        c->next = NULL;
        a->head = c;
    }
    a->total += n;
    return c->data;
#endif
}

char *mpi_arena_strndup(struct mpi_arena *a, const char *s, size_t n)
{
    if (!s)
        return NULL;
    char *d = mpi_arena_alloc(a, n + 1);
    if (!d)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *mpi_arena_strdup(struct mpi_arena *a, const char *s)
{
    return s ? mpi_arena_strndup(a, s, strlen(s)) : NULL;
}

void *mpi_arena_grow(struct mpi_arena *a, void *old, size_t elem, size_t old_cap, size_t need,
                     size_t *new_cap)
{
    if (need <= old_cap) {
        *new_cap = old_cap;
        return old;
    }
    size_t cap = old_cap ? old_cap * 2 : 4;
    while (cap < need)
        cap *= 2;
    if (elem && cap > SIZE_MAX / 4 / elem)
        return NULL;
    void *n = mpi_arena_alloc(a, cap * elem);
    if (!n)
        return NULL;
    if (old_cap)
        memcpy(n, old, old_cap * elem);
    *new_cap = cap;
    return n;
}
