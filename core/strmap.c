/* SPDX-License-Identifier: MIT */
/* strmap.c: FNV-1a hashing with linear probing; grows at 50% load. */
#include "config.h"

#include "strmap.h"

#include <mnistpipe/mnistpipe.h>
#include <stdint.h>
#include <string.h>

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

void *mpi_strmap_get(const struct mpi_strmap *m, const char *key)
{
    if (!m->cap)
        return NULL;
    size_t mask = m->cap - 1;
    for (size_t i = hash_str(key) & mask;; i = (i + 1) & mask) {
        const struct mpi_strmap_slot *s = &m->slots[i];
        if (!s->key)
            return NULL;
        if (strcmp(s->key, key) == 0)
            return s->value;
    }
}

static void insert_slot(struct mpi_strmap_slot *slots, size_t cap, const char *key, void *value)
{
    size_t mask = cap - 1;
    for (size_t i = hash_str(key) & mask;; i = (i + 1) & mask) {
        if (!slots[i].key || strcmp(slots[i].key, key) == 0) {
            slots[i].key = key;
            slots[i].value = value;
            return;
        }
    }
}

int mpi_strmap_reserve(struct mpi_strmap *m, struct mpi_arena *a, size_t n)
{
    if (n > SIZE_MAX / 4 / sizeof(struct mpi_strmap_slot))
        return MP_ERR_NOMEM;
    if (n * 2 > m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 16;
        while (cap < n * 2)
            cap *= 2;
        struct mpi_strmap_slot *slots = mpi_arena_alloc(a, cap * sizeof(*slots));
        if (!slots)
            return MP_ERR_NOMEM;
        for (size_t i = 0; i < m->cap; i++)
            if (m->slots[i].key)
                insert_slot(slots, cap, m->slots[i].key, m->slots[i].value);
        m->slots = slots;
        m->cap = cap;
    }
    return MP_OK;
}

struct mpi_strmap_slot *mpi_strmap_add(struct mpi_strmap *m, struct mpi_arena *a,
                                       const char *key, bool *found)
{
    if (mpi_strmap_reserve(m, a, m->count + 1) != MP_OK)
        return NULL;
    size_t mask = m->cap - 1;
    for (size_t i = hash_str(key) & mask;; i = (i + 1) & mask) {
        struct mpi_strmap_slot *s = &m->slots[i];
        if (!s->key) {
            m->count++;
            s->key = key;
            s->value = NULL;
            *found = false;
            return s;
        }
        if (strcmp(s->key, key) == 0) {
            *found = true;
            return s;
        }
    }
}

int mpi_strmap_put(struct mpi_strmap *m, struct mpi_arena *a, const char *key, void *value)
{
    bool found;
    struct mpi_strmap_slot *s = mpi_strmap_add(m, a, key, &found);
    if (!s)
        return MP_ERR_NOMEM;
    s->key = key;
    s->value = value;
    return MP_OK;
}
