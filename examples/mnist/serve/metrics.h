/* SPDX-License-Identifier: MIT */
/* Request counters and latency histograms for GET /monitoring/prometheus/metrics. */
#ifndef MNISTPIPE_SERVE_METRICS_H
#define MNISTPIPE_SERVE_METRICS_H

#include "rest.h"
#include "util.h"

/* Lock-free; callable from every server thread. */
void metrics_record(enum rest_api api, enum tf_code code, double seconds);
/* Prometheus text exposition format (version 0.0.4). */
void metrics_write(struct mnu_buf *b, const char *model_name);

#endif
