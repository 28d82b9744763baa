/* SPDX-License-Identifier: MIT */
/* arena.h: a bump allocator that owns every object of one pipeline, freed all at once. */
#ifndef MNISTPIPE_CORE_ARENA_H
#define MNISTPIPE_CORE_ARENA_H

#include <stddef.h>

struct mpi_arena_chunk;

struct mpi_arena {
    struct mpi_arena_chunk *head;
    size_t total; /* bytes handed out, for statistics */
};

/* Ownership: the arena is a plain struct the caller embeds; mpi_arena_release() frees every
 * allocation at once. Cannot fail. */
void mpi_arena_init(struct mpi_arena *a);
void mpi_arena_release(struct mpi_arena *a);

/* Zeroed, aligned for any type. Ownership: borrowed until mpi_arena_release().
 * Errors: NULL when out of memory or @n is absurdly large. */
void *mpi_arena_alloc(struct mpi_arena *a, size_t n);
/* @n bytes of a block of their own, not zeroed (taking pooled pages when there are some, see
 * pages.h), freed with the arena. Errors: NULL. */
void *mpi_arena_block(struct mpi_arena *a, size_t n);
/* A copy of @s (NULL for NULL). Errors: NULL when out of memory. */
char *mpi_arena_strdup(struct mpi_arena *a, const char *s);
char *mpi_arena_strndup(struct mpi_arena *a, const char *s, size_t n);
/* Grow an array of @elem-sized items held in the arena from @old_cap to at least @need items.
 * The old block is abandoned (arena memory is never freed singly). Errors: NULL. */
void *mpi_arena_grow(struct mpi_arena *a, void *old, size_t elem, size_t old_cap, size_t need,
                     size_t *new_cap);

#endif /* MNISTPIPE_CORE_ARENA_H */
