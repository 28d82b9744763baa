/* SPDX-License-Identifier: MIT */
/* doc.h: the document tree (struct mp_doc, struct mp_node) that the writers serialise. */
#ifndef MNISTPIPE_CORE_DOC_H
#define MNISTPIPE_CORE_DOC_H

#include <mnistpipe/mnistpipe.h>

#include "arena.h"

enum mpi_node_kind { MPI_NODE_MAP, MPI_NODE_SEQ, MPI_NODE_STR, MPI_NODE_INT, MPI_NODE_BOOL,
                     MPI_NODE_NULL };

struct mp_node {
    enum mpi_node_kind kind;
    struct mp_doc *doc;
    const char *str;    /* MPI_NODE_STR */
    long long num;      /* MPI_NODE_INT */
    bool flag;          /* MPI_NODE_BOOL */
    const char **keys;  /* MPI_NODE_MAP */
    struct mp_node **items;
    size_t n;
    size_t cap;
};

struct mp_doc {
    unsigned magic;
    int err;
    struct mpi_arena arena;
};

#endif /* MNISTPIPE_CORE_DOC_H */
