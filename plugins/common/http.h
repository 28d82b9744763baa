/* SPDX-License-Identifier: MIT */
/* http.h: libcurl client shared (compiled in) by the kfp and argo plugins: auth headers that
 * never reach output, bounded bodies, retries with exponential backoff and jitter. */
#ifndef MNISTPIPE_PLUGINS_COMMON_HTTP_H
#define MNISTPIPE_PLUGINS_COMMON_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include <mnistpipe/plugin.h>

/* Connection settings. All strings are borrowed for the client's lifetime. A token file is
 * re-read before every request (projected service-account tokens rotate). */
struct mph_client {
    const struct mp_plugin_ctx *ctx;
    const char *token;      /* bearer token, or NULL */
    const char *token_file; /* file holding the bearer token, or NULL */
    const char *cookie;     /* Cookie header value, or NULL */
    const char *cacert;     /* CA bundle, or NULL for the system's */
    const char *ca_pem;     /* CA certificates as PEM text (kubeconfig data), or NULL */
    const char *cert;       /* client certificate file (PEM), or NULL */
    const char *cert_pem;   /* client certificate as PEM text, or NULL */
    const char *key;        /* client key file (PEM), or NULL */
    const char *key_pem;    /* client key as PEM text, or NULL */
    bool insecure;          /* skip TLS verification (explicit --insecure only; warned once) */
    int max_attempts;       /* attempts for retryable failures, >= 1 */
    long base_delay_ms;     /* first backoff delay */
    long timeout_s;         /* per-request timeout (--request-timeout); 0: the default */
};

/* The per-request timeout when --request-timeout is not given (the man page and the
 * plugins' --help say it). */
#define MPH_DEFAULT_TIMEOUT_S 60

/* Bounds on a server's Retry-After: longer waits are not taken (the request fails). */
#define MPH_MAX_RETRY_AFTER_S 120

/* Parse --request-timeout (whole seconds, 1 to 3600) from @ctx into @c->timeout_s.
 * Errors: MP_ERR_USAGE. */
int mph_timeout_option(struct mph_client *c, const struct mp_plugin_ctx *ctx,
                       struct mp_error *err);

/* A multipart file part (name "uploadfile" for KFP). */
struct mph_part {
    const char *field;
    const char *filename;
    const void *data;
    size_t len;
};

struct mph_response {
    long status;       /* HTTP status, 0 when no answer arrived */
    struct mp_buf *body;
    bool maybe_applied; /* a non-idempotent request failed after it may have reached the server */
};

/* Perform @method on @url. @op names the operation for errors ("upload pipeline").
 * @json_body (may be NULL) is sent as application/json; @part (may be NULL) as
 * multipart/form-data. @idempotent requests are retried on connection failures, 429 and
 * 5xx; others only when the server cannot have acted (connect failures, 429, 503). A 429 or
 * 503 waits the server's Retry-After (seconds or HTTP-date; longer than
 * MPH_MAX_RETRY_AFTER_S fails at once) or the backoff, whichever is longer.
 * A 2xx status returns MP_OK; any other status returns MP_ERR_HTTP with one line naming
 * @op, the URL, the status and the server's message.
 * Ownership: @resp->body is allocated here; the caller frees it with mph_response_clear()
 * whatever the result. Errors: MP_ERR_NET, MP_ERR_HTTP, MP_ERR_NOMEM, MP_ERR_IO (token file). */
int mph_request(const struct mph_client *c, const char *op, const char *method, const char *url,
                const char *json_body, const struct mph_part *part, bool idempotent,
                struct mph_response *resp, struct mp_error *err);
void mph_response_clear(struct mph_response *resp);

/* The server's own message from an error body: message, error, error_message, else the
 * raw text (first line, trimmed to @cap). Writes into @dst of @cap bytes. */
void mph_error_text(const char *body, size_t len, char *dst, size_t cap);

/* Percent-encode @s (RFC 3986 unreserved kept) onto @b. */
int mph_urlencode(struct mp_buf *b, const char *s);

/* Sleep @ms milliseconds (interrupted sleeps resume). */
void mph_sleep_ms(long ms);

/* Exponential backoff with full jitter for attempt @n (0-based), capped at @cap_ms. */
long mph_backoff_ms(long base_ms, int n, long cap_ms);

#endif /* MNISTPIPE_PLUGINS_COMMON_HTTP_H */
