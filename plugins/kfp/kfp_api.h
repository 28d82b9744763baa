/* SPDX-License-Identifier: MIT */
/* kfp_api.h: the KFP REST calls mnistpipe makes, for v1beta1 and v2beta1. */
#ifndef MNISTPIPE_PLUGINS_KFP_KFP_API_H
#define MNISTPIPE_PLUGINS_KFP_KFP_API_H

#include <stdbool.h>

#include <jansson.h>
#include <mnistpipe/plugin.h>

#include "../common/http.h"

enum kfp_api { KFP_V1 = 1, KFP_V2 = 2 };

struct kfp_client {
    struct mph_client http;
    char base[1024];       /* endpoint without trailing '/' */
    enum kfp_api api;
    bool api_explicit;     /* --api named it: use no other */
    const char *namespace; /* borrowed, or NULL */
    char cookie[4096];     /* session cookie from a Dex login */
};

/* Set up @c from the plugin options and environment (endpoint, auth, TLS, API version;
 * "auto" asks the server's healthz). Ownership: @c borrows strings from @ctx.
 * Errors: MP_ERR_USAGE (no endpoint, bad option), MP_ERR_NET, MP_ERR_HTTP. */
int kfp_client_init(struct kfp_client *c, const struct mp_plugin_ctx *ctx, struct mp_error *err);

/* GET/POST @path (under base, starting with "/apis/...") and parse the JSON answer.
 * Ownership: *@out is a new reference the caller json_decref()s. Errors as mph_request,
 * MP_ERR_PARSE for a body that is no JSON object. */
int kfp_call(const struct kfp_client *c, const char *op, const char *method, const char *path,
             json_t *body, bool idempotent, json_t **out, bool *maybe_applied,
             struct mp_error *err);

/* Ids are copied into @id (cap bytes); MP_ERR_NOTFOUND when there is none. */
int kfp_find_pipeline(const struct kfp_client *c, const char *name, char *id, size_t cap,
                      struct mp_error *err);
int kfp_find_version(const struct kfp_client *c, const char *pipeline_id, const char *name,
                     char *id, size_t cap, struct mp_error *err);
/* Upload @pkg as pipeline @name; MP_ERR_EXISTS when the server says it exists. */
int kfp_upload_pipeline(const struct kfp_client *c, const char *name, const char *desc,
                        const void *pkg, size_t len, char *id, size_t cap, struct mp_error *err);
int kfp_upload_version(const struct kfp_client *c, const char *pipeline_id, const char *name,
                       const void *pkg, size_t len, char *id, size_t cap, struct mp_error *err);
int kfp_find_experiment(const struct kfp_client *c, const char *name, char *id, size_t cap,
                        struct mp_error *err);
int kfp_ensure_experiment(const struct kfp_client *c, const char *name, char *id, size_t cap,
                          struct mp_error *err);
/* Get run @id; *@state is a lowercased state ("" while unknown) in @state_buf. */
int kfp_get_run(const struct kfp_client *c, const char *id, json_t **run, char *state,
                size_t cap, struct mp_error *err);
bool kfp_state_terminal(const char *lower_state);
/* Find the run named @name in experiment @eid. Errors: MP_ERR_NOTFOUND, request errors. */
int kfp_find_run(const struct kfp_client *c, const char *name, const char *eid, char *id,
                 size_t cap, struct mp_error *err);


#endif /* MNISTPIPE_PLUGINS_KFP_KFP_API_H */
