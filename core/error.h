/* SPDX-License-Identifier: MIT */
/* error.h: struct mp_error, a status code with a message, owned by whoever made it. */
#ifndef MNISTPIPE_CORE_ERROR_H
#define MNISTPIPE_CORE_ERROR_H

#include <mnistpipe/mnistpipe.h>

#define MPI_ERROR_MAX 4096

struct mp_error {
    unsigned magic;
    int code;
    char msg[MPI_ERROR_MAX];
};

/* Initialise an error that lives on the stack. Cannot fail. */
void mpi_error_init(struct mp_error *err);

#endif /* MNISTPIPE_CORE_ERROR_H */
