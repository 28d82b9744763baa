/* SPDX-License-Identifier: MIT */
/* quantity.h: checks of Kubernetes quantities (mp_quantity_valid() in mnistpipe.h) and of the
 * durations Argo reads. */
#ifndef MNISTPIPE_CORE_QUANTITY_H
#define MNISTPIPE_CORE_QUANTITY_H

#include <mnistpipe/mnistpipe.h>

/* True when @s is a Go duration ("30s", "1h30m", "1.5m") or a whole number of seconds ("30"),
 * as Argo's retry backoff reads it; a string holding placeholders is taken as valid. */
bool mpi_duration_valid(const char *s);

#endif /* MNISTPIPE_CORE_QUANTITY_H */
