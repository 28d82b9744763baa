/* SPDX-License-Identifier: MIT */
/* strmap.h: an open-addressing hash map from arena strings to pointers, held in the arena. */
#ifndef MNISTPIPE_CORE_STRMAP_H
#define MNISTPIPE_CORE_STRMAP_H

#include <stdbool.h>

#include "arena.h"

struct mpi_strmap_slot {
    const char *key;
    void *value;
};

struct mpi_strmap {
    struct mpi_strmap_slot *slots;
    size_t cap; /* a power of two, or 0 */
    size_t count;
};

/* Zero-initialised maps are empty and valid. */
/* The value for @key, or NULL. */
void *mpi_strmap_get(const struct mpi_strmap *m, const char *key);
/* Insert or replace. @key must outlive the map (an arena string).
 * Errors: MP_ERR_NOMEM. */
int mpi_strmap_put(struct mpi_strmap *m, struct mpi_arena *a, const char *key, void *value);
/* Room for @n keys in all, so that adding them does not grow the map. Errors: MP_ERR_NOMEM. */
int mpi_strmap_reserve(struct mpi_strmap *m, struct mpi_arena *a, size_t n);
/* The slot of @key, found (*@found) or added with @key and a NULL value for the caller to set
 * (before anything else is added): a lookup and an insertion in one probe. @key must outlive
 * the map. Errors: NULL when out of memory. */
struct mpi_strmap_slot *mpi_strmap_add(struct mpi_strmap *m, struct mpi_arena *a,
                                       const char *key, bool *found);

#endif /* MNISTPIPE_CORE_STRMAP_H */
