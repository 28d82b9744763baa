/* SPDX-License-Identifier: MIT */
/* kfp_dex.c: follows the gateway's redirects to Dex's local login form, posts the user and
 * password, and keeps the session cookie the gateway sets; redirects are followed by hand so
 * the original API path is not fetched again. */
#include "config.h"

#include "kfp_dex.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

static size_t discard(char *d, size_t s, size_t n, void *u)
{
    (void)d;
    (void)u;
    return s * n;
}

/* All cookies the engine holds, as a Cookie header value. */
static bool collect_cookies(CURL *h, char *dst, size_t cap)
{
    struct curl_slist *list = NULL;
    size_t n = 0;
    dst[0] = '\0';
    if (curl_easy_getinfo(h, CURLINFO_COOKIELIST, &list) != CURLE_OK)
        return false;
    for (struct curl_slist *p = list; p; p = p->next) {
        /* Netscape format: domain, flag, path, secure, expiry, name, value (tabs). */
        const char *f = p->data;
        for (int i = 0; i < 5 && f; i++) {
            f = strchr(f, '\t');
            if (f)
                f++;
        }
        const char *tab = f ? strchr(f, '\t') : NULL;
        if (!tab)
            continue;
        size_t nl = (size_t)(tab - f), vl = strlen(tab + 1);
        if (n + nl + vl + 4 >= cap)
            break;
        if (n) {
            memcpy(dst + n, "; ", 2);
            n += 2;
        }
        memcpy(dst + n, f, nl);
        n += nl;
        dst[n++] = '=';
        memcpy(dst + n, tab + 1, vl);
        n += vl;
        dst[n] = '\0';
    }
    for (struct curl_slist *p = list; p; p = p->next)
        memset(p->data, 0, strlen(p->data));
    curl_slist_free_all(list);
    return n > 0;
}

int kfp_dex_login(const struct mph_client *c, const char *start_url, const char *user,
                  const char *password, char *cookie, size_t cap, struct mp_error *err)
{
    CURL *h = curl_easy_init();
    char *u = NULL, *pw = NULL, *form = NULL, url[4096];
    int rc = MP_ERR_NOMEM;
    bool posted = false;
    if (!h)
        return mp_error_set(err, rc, "out of memory");
    u = curl_easy_escape(h, user, 0);
    pw = curl_easy_escape(h, password, 0);
    if (!u || !pw) {
        mp_error_set(err, rc, "out of memory");
        goto out;
    }
    size_t flen = strlen(u) + strlen(pw) + 32;
    form = malloc(flen);
    if (!form) {
        mp_error_set(err, rc, "out of memory");
        goto out;
    }
    snprintf(form, flen, "login=%s&password=%s", u, pw);
    snprintf(url, sizeof(url), "%s", start_url);
    curl_easy_setopt(h, CURLOPT_COOKIEFILE, "");
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    if (c->cacert)
        curl_easy_setopt(h, CURLOPT_CAINFO, c->cacert);
    if (c->insecure) {
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    for (int hop = 0; hop < 20; hop++) {
        curl_easy_setopt(h, CURLOPT_URL, url);
        CURLcode cc = curl_easy_perform(h);
        if (cc != CURLE_OK) {
            rc = mp_error_set(err, MP_ERR_NET, "Dex login as '%s': %s", user,
                              curl_easy_strerror(cc));
            goto out;
        }
        long st = 0;
        char *next = NULL, *eff = NULL;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &st);
        curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &next);
        curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &eff);
        /* The gateway's callback sets the session cookie. */
        if (posted && eff && (strstr(eff, "/login/oidc") || strstr(eff, "/oauth2/callback") ||
                              strstr(eff, "/authservice/")) &&
            collect_cookies(h, cookie, cap)) {
            rc = MP_OK;
            goto out;
        }
        if (st >= 300 && st < 400 && next) {
            snprintf(url, sizeof(url), "%s", next);
            curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
            continue;
        }
        if (st == 200 && !posted && eff && strstr(eff, "/auth/local")) {
            snprintf(url, sizeof(url), "%s", eff);
            curl_easy_setopt(h, CURLOPT_POSTFIELDS, form);
            posted = true;
            continue;
        }
        rc = mp_error_set(err, MP_ERR_HTTP, "Dex login as '%s' at %s: %s (HTTP %ld)", user,
                          start_url, posted ? "refused: wrong user or password?"
                                            : "no Dex login form on the way",
                          st);
        goto out;
    }
    rc = mp_error_set(err, MP_ERR_HTTP, "Dex login as '%s': too many redirects", user);
out:
    if (form) {
        memset(form, 0, strlen(form));
        free(form);
    }
    if (pw) {
        memset(pw, 0, strlen(pw));
        curl_free(pw);
    }
    curl_free(u);
    curl_easy_cleanup(h);
    return rc;
}
