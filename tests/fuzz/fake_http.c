/* SPDX-License-Identifier: MIT */
/* fake_http.c: the plugins' HTTP client (plugins/common/http.c) with the transport replaced by
 * answers taken from the fuzz input, so the KFP and Argo clients parse what a server could
 * send. Everything but mph_request and mph_sleep_ms is the real code. */
#define mph_request mph_curl_request
#define mph_sleep_ms mph_real_sleep_ms
#include "../../plugins/common/http.c"
#undef mph_request
#undef mph_sleep_ms

#include "../../plugins/common/curl_lazy.h"
#include "fake_http.h"

/* The fuzz targets link libcurl (for its URL helpers): there is nothing to load. */
int mph_curl_init(struct mp_error *err)
{
    (void)err;
    return MP_OK;
}

void mph_curl_cleanup(void) {}

static const uint8_t *next_answer;
static size_t answers_left;
static unsigned requests;

void fake_http_answers(const uint8_t *data, size_t size)
{
    next_answer = data;
    answers_left = size;
    requests = 0;
}

/* The next answer: the bytes up to FAKE_HTTP_SEP. Returns false when there is none. */
static bool take(const uint8_t **ans, size_t *len)
{
    if (!next_answer)
        return false;
    const uint8_t *p = next_answer;
    size_t n = answers_left, sep = sizeof(FAKE_HTTP_SEP) - 1;
    size_t i = 0;
    while (i + sep <= n && memcmp(p + i, FAKE_HTTP_SEP, sep) != 0)
        i++;
    *ans = p;
    if (i + sep <= n) {
        *len = i;
        next_answer = p + i + sep;
        answers_left = n - i - sep;
    } else {
        *len = n;
        next_answer = NULL;
        answers_left = 0;
    }
    return true;
}

int mph_request(const struct mph_client *c, const char *op, const char *method, const char *url,
                const char *json_body, const struct mph_part *part, bool idempotent,
                struct mph_response *resp, struct mp_error *err);
void mph_sleep_ms(long ms);

int mph_request(const struct mph_client *c, const char *op, const char *method, const char *url,
                const char *json_body, const struct mph_part *part, bool idempotent,
                struct mph_response *resp, struct mp_error *err)
{
    const uint8_t *ans;
    size_t len;
    (void)c;
    (void)json_body;
    (void)part;
    memset(resp, 0, sizeof(*resp));
    if (!(resp->body = mp_buf_new()))
        return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
    if (++requests > FAKE_HTTP_MAX_REQUESTS || !take(&ans, &len))
        return mp_error_set(err, MP_ERR_NET, "%s: %s %s: no answer", op, method, url);
    /* A first byte 'E' is no answer, 'M' no answer after the request may have been
     * applied, 'H' and 'C' statuses 500 and 409 with the rest as body; else 200. */
    char kind = len ? (char)ans[0] : '\0';
    bool special = kind == 'E' || kind == 'M' || kind == 'H' || kind == 'C';
    const char *body = (const char *)ans + (special ? 1 : 0);
    size_t blen = len - (special ? 1 : 0);
    if (mp_buf_append(resp->body, body, blen) != MP_OK)
        return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
    if (kind == 'E' || kind == 'M') {
        resp->maybe_applied = kind == 'M' && !idempotent;
        return mp_error_set(err, MP_ERR_NET, "%s: %s %s: connection lost", op, method, url);
    }
    if (kind == 'H' || kind == 'C') {
        char msg[256];
        resp->status = kind == 'H' ? 500 : 409;
        mph_error_text(mp_buf_data(resp->body), mp_buf_len(resp->body), msg, sizeof(msg));
        return mp_error_set(err, MP_ERR_HTTP, "%s: %s %s: HTTP %ld: %s", op, method, url,
                            resp->status, msg);
    }
    resp->status = 200;
    return MP_OK;
}

void mph_sleep_ms(long ms)
{
    (void)ms;
}
