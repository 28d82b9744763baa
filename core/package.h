/* SPDX-License-Identifier: MIT */
/* package.h: KFP packages (.tar.gz, .zip, .yaml) and atomic file output. */
#ifndef MNISTPIPE_CORE_PACKAGE_H
#define MNISTPIPE_CORE_PACKAGE_H

#include <mnistpipe/mnistpipe.h>

/* Write @len bytes to the open descriptor @fd completely. Errors: MP_ERR_IO (errno kept). */
int mpi_write_all(int fd, const void *data, size_t len);

#endif /* MNISTPIPE_CORE_PACKAGE_H */
