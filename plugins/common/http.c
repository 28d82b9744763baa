/* SPDX-License-Identifier: MIT */
/* http.c: libcurl requests with bounded bodies, retries with backoff and jitter, and
 * credentials that go only into request headers, never into messages. */
#include "config.h"

#include "http.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

#define MPH_MAX_BODY (32u * 1024u * 1024u)
#define MPH_MAX_TOKEN 16384

void mph_sleep_ms(long ms)
{
    if (ms <= 0)
        return;
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

long mph_backoff_ms(long base_ms, int n, long cap_ms)
{
    long d = base_ms;
    for (int i = 0; i < n && d < cap_ms; i++)
        d *= 2;
    if (d > cap_ms)
        d = cap_ms;
    /* Full jitter in [d/2, d]: retries of many clients spread out, none waits too little. */
    static unsigned seed;
    if (!seed)
        seed = (unsigned)time(NULL) ^ (unsigned)clock();
    long half = d / 2;
    return half + (half > 0 ? (long)(rand_r(&seed) % (half + 1)) : 0);
}

int mph_urlencode(struct mp_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
            ch == '-' || ch == '_' || ch == '.' || ch == '~') {
            mp_buf_putc(b, (char)ch);
        } else {
            mp_buf_putc(b, '%');
            mp_buf_putc(b, hex[ch >> 4]);
            mp_buf_putc(b, hex[ch & 15]);
        }
    }
    return mp_buf_error(b);
}

static void copy_line(const char *s, size_t len, char *dst, size_t cap)
{
    size_t n = 0;
    while (len > 0 && (*s == ' ' || *s == '\n' || *s == '\r' || *s == '\t'))
        s++, len--;
    for (size_t i = 0; i < len && n + 1 < cap; i++)
        dst[n++] = (s[i] == '\n' || s[i] == '\r' || s[i] == '\t') ? ' ' : s[i];
    while (n > 0 && dst[n - 1] == ' ')
        n--;
    dst[n] = '\0';
}

void mph_error_text(const char *body, size_t len, char *dst, size_t cap)
{
    if (cap == 0)
        return;
    dst[0] = '\0';
    if (!body || len == 0)
        return;
    json_error_t jerr;
    json_t *root = json_loadb(body, len, 0, &jerr);
    if (json_is_object(root)) {
        static const char *const keys[] = {"message", "error", "error_message"};
        for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
            const char *m = json_string_value(json_object_get(root, keys[i]));
            if (m && *m) {
                copy_line(m, strlen(m), dst, cap);
                json_decref(root);
                return;
            }
        }
    }
    json_decref(root);
    copy_line(body, len, dst, cap);
}

struct sink {
    struct mp_buf *b;
    bool too_big;
};

static size_t on_body(char *data, size_t size, size_t nmemb, void *user)
{
    struct sink *s = user;
    size_t n = size * nmemb;
    if (mp_buf_len(s->b) + n > MPH_MAX_BODY) {
        s->too_big = true;
        return 0;
    }
    return mp_buf_append(s->b, data, n) == MP_OK ? n : 0;
}

/* Read the bearer token file; trailing whitespace is cut. Errors name the file only. */
static int read_token_file(const char *path, char *dst, size_t cap, struct mp_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return mp_error_set(err, MP_ERR_IO, "token file '%s': %s", path, strerror(errno));
    size_t n = fread(dst, 1, cap - 1, f);
    bool more = fgetc(f) != EOF;
    fclose(f);
    if (more)
        return mp_error_set(err, MP_ERR_IO, "token file '%s': larger than %zu bytes", path,
                            cap - 1);
    while (n > 0 && (dst[n - 1] == '\n' || dst[n - 1] == '\r' || dst[n - 1] == ' '))
        n--;
    dst[n] = '\0';
    if (n == 0)
        return mp_error_set(err, MP_ERR_IO, "token file '%s': empty", path);
    return MP_OK;
}

static bool has_crlf(const char *s)
{
    return strpbrk(s, "\r\n") != NULL;
}

/* Build the header list; the returned strings with secrets are wiped by the caller. */
static int auth_headers(const struct mph_client *c, struct curl_slist **list, char *scratch,
                        size_t cap, struct mp_error *err)
{
    char token[MPH_MAX_TOKEN];
    const char *t = c->token;
    int rc;
    if (!t && c->token_file) {
        if ((rc = read_token_file(c->token_file, token, sizeof(token), err)) != MP_OK)
            return rc;
        t = token;
    }
    if (t) {
        if (has_crlf(t))
            return mp_error_set(err, MP_ERR_INVAL, "bearer token: contains a line break");
        int n = snprintf(scratch, cap, "Authorization: Bearer %s", t);
        memset(token, 0, sizeof(token));
        if (n < 0 || (size_t)n >= cap)
            return mp_error_set(err, MP_ERR_INVAL, "bearer token: too long");
        struct curl_slist *l = curl_slist_append(*list, scratch);
        memset(scratch, 0, cap);
        if (!l)
            return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
        *list = l;
    }
    if (c->cookie) {
        if (has_crlf(c->cookie))
            return mp_error_set(err, MP_ERR_INVAL, "session cookie: contains a line break");
        int n = snprintf(scratch, cap, "Cookie: %s", c->cookie);
        if (n < 0 || (size_t)n >= cap)
            return mp_error_set(err, MP_ERR_INVAL, "session cookie: too long");
        struct curl_slist *l = curl_slist_append(*list, scratch);
        memset(scratch, 0, cap);
        if (!l)
            return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
        *list = l;
    }
    return MP_OK;
}

/* Wipe and free a header list that held credentials. */
static void free_headers(struct curl_slist *l)
{
    for (struct curl_slist *p = l; p; p = p->next)
        if (p->data)
            memset(p->data, 0, strlen(p->data));
    curl_slist_free_all(l);
}

static bool retryable_status(long st)
{
    return st == 429 || st == 502 || st == 503 || st == 504 || (st >= 500 && st <= 599);
}

/* TLS set-up and verification failures: trying again cannot help. */
static bool tls_failure(CURLcode cc)
{
    return cc == CURLE_PEER_FAILED_VERIFICATION || cc == CURLE_SSL_CACERT_BADFILE ||
           cc == CURLE_SSL_CERTPROBLEM || cc == CURLE_SSL_CIPHER ||
           cc == CURLE_SSL_CONNECT_ERROR || cc == CURLE_SSL_ISSUER_ERROR ||
           cc == CURLE_SSL_CRL_BADFILE || cc == CURLE_SSL_PINNEDPUBKEYNOTMATCH;
}

int mph_timeout_option(struct mph_client *c, const struct mp_plugin_ctx *ctx,
                       struct mp_error *err)
{
    const char *s = mp_ctx_option(ctx, "request-timeout");
    if (!s)
        return MP_OK;
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end || v < 1 || v > 3600)
        return mp_error_set(err, MP_ERR_USAGE, "--request-timeout '%s': expected 1 to 3600 "
                                               "seconds",
                            s);
    c->timeout_s = v;
    return MP_OK;
}

/* Connect-phase failures: the request never reached the server. */
static bool not_sent(CURLcode cc)
{
    return cc == CURLE_COULDNT_CONNECT || cc == CURLE_COULDNT_RESOLVE_HOST ||
           cc == CURLE_COULDNT_RESOLVE_PROXY;
}

static int one_attempt(const struct mph_client *c, const char *method, const char *url,
                       const char *json_body, const struct mph_part *part, struct sink *sink,
                       long *status, long *retry_after, CURLcode *cc, char *errbuf,
                       struct mp_error *err)
{
    char scratch[MPH_MAX_TOKEN + 64];
    struct curl_slist *hdrs = NULL;
    curl_mime *mime = NULL;
    int rc = MP_ERR_NOMEM;
    CURL *h = curl_easy_init();
    if (!h) {
        mp_error_set(err, rc, "out of memory");
        goto out;
    }
    if ((rc = auth_headers(c, &hdrs, scratch, sizeof(scratch), err)) != MP_OK)
        goto out;
    struct curl_slist *l = curl_slist_append(hdrs, "Accept: application/json");
    if (l)
        hdrs = l;
    if (json_body) {
        l = curl_slist_append(hdrs, "Content-Type: application/json");
        if (l)
            hdrs = l;
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, json_body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(json_body));
    } else if (part) {
        mime = curl_mime_init(h);
        curl_mimepart *mp = mime ? curl_mime_addpart(mime) : NULL;
        if (!mp) {
            rc = mp_error_set(err, MP_ERR_NOMEM, "out of memory");
            goto out;
        }
        curl_mime_name(mp, part->field);
        curl_mime_filename(mp, part->filename);
        curl_mime_type(mp, "application/octet-stream");
        curl_mime_data(mp, part->data, part->len);
        curl_easy_setopt(h, CURLOPT_MIMEPOST, mime);
    } else if (strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, 0L);
    }
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, sink);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT,
                     c->timeout_s > 0 ? c->timeout_s : (long)MPH_DEFAULT_TIMEOUT_S);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, c->timeout_s > 0 && c->timeout_s < 10
                                                    ? c->timeout_s
                                                    : 10L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L); /* never carry credentials elsewhere */
    if (c->cacert)
        curl_easy_setopt(h, CURLOPT_CAINFO, c->cacert);
    if (c->ca_pem) {
        struct curl_blob b = {(void *)c->ca_pem, strlen(c->ca_pem), CURL_BLOB_COPY};
        curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &b);
    }
    if (c->cert)
        curl_easy_setopt(h, CURLOPT_SSLCERT, c->cert);
    if (c->cert_pem) {
        struct curl_blob b = {(void *)c->cert_pem, strlen(c->cert_pem), CURL_BLOB_COPY};
        curl_easy_setopt(h, CURLOPT_SSLCERT_BLOB, &b);
    }
    if (c->key)
        curl_easy_setopt(h, CURLOPT_SSLKEY, c->key);
    if (c->key_pem) {
        struct curl_blob b = {(void *)c->key_pem, strlen(c->key_pem), CURL_BLOB_COPY};
        curl_easy_setopt(h, CURLOPT_SSLKEY_BLOB, &b);
    }
    if (c->insecure) {
        static bool warned; /* never silently: once per process */
        if (!warned && strncmp(url, "https:", 6) == 0) {
            warned = true;
            mp_ctx_warn(c->ctx, "--insecure: the TLS certificate of %s is not verified", url);
        }
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    errbuf[0] = '\0';
    *cc = curl_easy_perform(h);
    *status = 0;
    *retry_after = -1;
    if (*cc == CURLE_OK) {
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
        curl_off_t ra = 0;
        /* libcurl reads both forms (delta-seconds, HTTP-date); 0 when absent or past. */
        if (curl_easy_getinfo(h, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK && ra > 0)
            *retry_after = (long)(ra > 86400 ? 86400 : ra);
    }
    rc = MP_OK;
out:
    curl_mime_free(mime);
    free_headers(hdrs);
    if (h)
        curl_easy_cleanup(h);
    return rc;
}

int mph_request(const struct mph_client *c, const char *op, const char *method, const char *url,
                const char *json_body, const struct mph_part *part, bool idempotent,
                struct mph_response *resp, struct mp_error *err)
{
    resp->status = 0;
    resp->maybe_applied = false;
    resp->body = mp_buf_new();
    if (!resp->body)
        return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
    int attempts = c->max_attempts > 0 ? c->max_attempts : 1;
    char errbuf[CURL_ERROR_SIZE];
    long timeout_s = c->timeout_s > 0 ? c->timeout_s : MPH_DEFAULT_TIMEOUT_S;
    if (mp_ctx_verbose(c->ctx))
        mp_ctx_warn(c->ctx, "%s %s (no answer within %ld s fails it)", method, url, timeout_s);
    for (int n = 0;; n++) {
        struct sink sink = {resp->body, false};
        long st = 0, retry_after = -1;
        CURLcode cc = CURLE_OK;
        mp_buf_reset(resp->body);
        int rc = one_attempt(c, method, url, json_body, part, &sink, &st, &retry_after, &cc,
                             errbuf, err);
        if (rc != MP_OK)
            return rc;
        if (mp_ctx_verbose(c->ctx))
            mp_ctx_warn(c->ctx, "%s %s -> %ld%s%s", method, url, st, cc ? " " : "",
                        cc ? curl_easy_strerror(cc) : "");
        if (cc == CURLE_OK && st >= 200 && st < 300) {
            resp->status = st;
            return MP_OK;
        }
        bool may_retry;
        if (cc != CURLE_OK)
            may_retry = idempotent || not_sent(cc);
        else
            may_retry = idempotent ? retryable_status(st) : (st == 429 || st == 503);
        if (sink.too_big || tls_failure(cc))
            may_retry = false;
        bool wait_asked = cc == CURLE_OK && (st == 429 || st == 503) && retry_after > 0;
        if (may_retry && wait_asked && retry_after > MPH_MAX_RETRY_AFTER_S && n + 1 < attempts) {
            resp->status = st;
            char msg[512];
            mph_error_text(mp_buf_data(resp->body), mp_buf_len(resp->body), msg, sizeof(msg));
            return mp_error_set(err, MP_ERR_HTTP,
                                "%s: %s %s: HTTP %ld: %s (Retry-After %ld s is over %d s: not "
                                "waiting)",
                                op, method, url, st, msg[0] ? msg : "(no message)",
                                retry_after, MPH_MAX_RETRY_AFTER_S);
        }
        if (may_retry && n + 1 < attempts) {
            long d = mph_backoff_ms(c->base_delay_ms > 0 ? c->base_delay_ms : 500, n, 10000);
            if (wait_asked && retry_after * 1000 > d)
                d = retry_after * 1000;
            if (mp_ctx_verbose(c->ctx))
                mp_ctx_warn(c->ctx, "%s: retrying in %ld ms (attempt %d of %d)", op, d, n + 2,
                            attempts);
            mph_sleep_ms(d);
            continue;
        }
        resp->status = st;
        if (cc != CURLE_OK) {
            resp->maybe_applied = !idempotent && !not_sent(cc);
            if (sink.too_big)
                return mp_error_set(err, MP_ERR_NET, "%s: %s %s: response larger than %u bytes",
                                    op, method, url, MPH_MAX_BODY);
            if (cc == CURLE_OPERATION_TIMEDOUT)
                return mp_error_set(err, MP_ERR_NET,
                                    "%s: %s %s: no answer within %ld s (--request-timeout)", op,
                                    method, url, timeout_s);
            if (tls_failure(cc))
                return mp_error_set(err, MP_ERR_NET, "%s: %s %s: TLS: %s%s", op, method, url,
                                    errbuf[0] ? errbuf : curl_easy_strerror(cc),
                                    cc == CURLE_PEER_FAILED_VERIFICATION
                                        ? " (give the server's CA with --cacert FILE)"
                                        : "");
            return mp_error_set(err, MP_ERR_NET, "%s: %s %s: %s", op, method, url,
                                errbuf[0] ? errbuf : curl_easy_strerror(cc));
        }
        resp->maybe_applied = !idempotent && st >= 500 && st != 503;
        char msg[512];
        mph_error_text(mp_buf_data(resp->body), mp_buf_len(resp->body), msg, sizeof(msg));
        return mp_error_set(err, MP_ERR_HTTP, "%s: %s %s: HTTP %ld: %s", op, method, url, st,
                            msg[0] ? msg : "(no message)");
    }
}

void mph_response_clear(struct mph_response *resp)
{
    mp_buf_free(resp->body);
    resp->body = NULL;
}
