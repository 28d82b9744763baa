/* SPDX-License-Identifier: MIT */
/* Model versions under a base path: polling, loading, hot swap with refcounts, status, labels. */
#ifndef MNISTPIPE_SERVE_MODELS_H
#define MNISTPIPE_SERVE_MODELS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "servable.h"
#include "tfstatus.h"
#include "util.h"

/* A loaded version, shared by the manager and in-flight requests. */
struct loaded {
    atomic_int refs;
    int64_t version;
    struct servable *s;
    struct models *mgr;
};

/* How a request names a version: latest, a number, or a label. */
enum spec_kind { SPEC_LATEST, SPEC_VERSION, SPEC_LABEL };
struct model_spec {
    const char *name;
    enum spec_kind kind;
    int64_t version;
    const char *label;
};

/* Ownership: models_new copies name and base path; labels are "NAME=VERSION" strings, parsed
 * here. Errors: NULL with a message on stderr. */
struct models *models_new(const char *name, const char *base_path, const char *const *labels,
                          size_t n_labels);
/* Stops serving and frees everything; no request may be in flight. */
void models_free(struct models *m);

/* Scan the base path once: load the highest numeric version if it is new, unload the old one
 * (it is freed when its last request releases it). Called from the main thread only. */
void models_poll(struct models *m);

const char *models_name(const struct models *m);

/* Take a reference to the servable a request names. Errors: TF's status codes and messages
 * ("Servable not found for request: Latest(mnist)", "Unrecognized servable version label"). */
enum tf_code models_acquire(struct models *m, const struct model_spec *spec,
                            struct loaded **out, struct mnu_buf *msg);
void models_release(struct loaded *l);

/* Write the GetModelStatusResponse JSON for spec (all versions when SPEC_LATEST). */
enum tf_code models_status_json(struct models *m, const struct model_spec *spec,
                                struct mnu_buf *body, struct mnu_buf *msg);

/* True when at least one version is AVAILABLE. */
bool models_ready(struct models *m);

#endif
