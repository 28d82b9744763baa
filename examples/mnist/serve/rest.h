/* SPDX-License-Identifier: MIT */
/* TensorFlow Serving's REST API (/v1/models/...): routing, status, metadata, predict, classify. */
#ifndef MNISTPIPE_SERVE_REST_H
#define MNISTPIPE_SERVE_REST_H

#include <stdbool.h>
#include <stddef.h>

#include "models.h"
#include "tfstatus.h"
#include "util.h"

/* Which API a request hit, for metrics. */
enum rest_api { API_STATUS, API_METADATA, API_PREDICT, API_CLASSIFY, API_REGRESS, API_OTHER,
                API_COUNT };
extern const char *const rest_api_names[API_COUNT];

struct rest_config {
    long max_batch;   /* instances per predict/classify request */
};

struct rest_reply {
    int http_status;
    enum tf_code code;
    enum rest_api api;
    struct mnu_buf body; /* JSON; caller frees (mnu_buf_free or mnu_buf_take) */
};

/* Handle one request under /v1 (path is the raw, still %-encoded path without the query).
 * Never fails: errors become {"error": ...} bodies with TF's status mapping. */
void rest_handle(struct models *m, const struct rest_config *cfg, const char *method,
                 const char *path, const char *body, size_t body_len, struct rest_reply *r);

/* Fill r with {"error": msg} for the given code. */
void rest_error(struct rest_reply *r, enum tf_code code, const char *msg);

#endif
