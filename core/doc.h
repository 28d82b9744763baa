/* SPDX-License-Identifier: MIT */
/* doc.h: the document tree (struct mp_doc, struct mp_node) that the writers serialise. */
#ifndef MNISTPIPE_CORE_DOC_H
#define MNISTPIPE_CORE_DOC_H

#include <mnistpipe/mnistpipe.h>

#include "arena.h"

enum mpi_node_kind { MPI_NODE_MAP, MPI_NODE_SEQ, MPI_NODE_STR, MPI_NODE_INT, MPI_NODE_BOOL,
                     MPI_NODE_NULL };

/* 48 bytes: the fields of a scalar and of a collection share their place (a 5,000-step
 * workflow has about 250,000 nodes). */
struct mp_node {
    enum mpi_node_kind kind;
    bool flag;          /* MPI_NODE_BOOL */
    struct mp_doc *doc;
    union {
        const char *str; /* MPI_NODE_STR */
        long long num;   /* MPI_NODE_INT */
        struct {
            const char **keys; /* MPI_NODE_MAP */
            struct mp_node **items;
        };
    };
    size_t n;           /* items, 0 for scalars */
    size_t cap;
};

struct mp_doc {
    unsigned magic;
    int err;
    struct mpi_arena arena;
    /* Mapping keys, each copied once: a workflow repeats a few dozen keys ("name",
     * "value", ...) hundreds of thousands of times. Open addressing, in the arena. */
    const char **keys;
    size_t nkeys, keycap;
};

#endif /* MNISTPIPE_CORE_DOC_H */
