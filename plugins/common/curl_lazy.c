/* SPDX-License-Identifier: MIT */
/* curl_lazy.c: the libcurl functions the HTTP plugins call, as stubs that load libcurl (and
 * through it TLS, GSSAPI, LDAP, ...) with dlopen the first time a command needs the network.
 * Linking libcurl directly made every process that loaded the plugin (every `compile`) map
 * and relocate some 40 libraries and initialise OpenSSL: 10 ms and 7 MB per process, ten
 * times the cost of compiling the MNIST pipeline. Included by one wrapper file per plugin,
 * like http.c; the plugin's export list keeps these names private to it. */
#include "config.h"

#include "curl_lazy.h"

#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#ifndef MP_LIBCURL_SONAME
#define MP_LIBCURL_SONAME "libcurl.so.4"
#endif

typedef void (*curl_fnptr)(void);

static struct {
    int state; /* 0 not tried, 1 loaded, -1 failed */
    char error[256];
    CURLcode (*global_init)(long);
    void (*global_cleanup)(void);
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_perform)(CURL *);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
    const char *(*easy_strerror)(CURLcode);
    char *(*easy_escape)(CURL *, const char *, int);
    void (*free)(void *);
    curl_mime *(*mime_init)(CURL *);
    curl_mimepart *(*mime_addpart)(curl_mime *);
    CURLcode (*mime_data)(curl_mimepart *, const char *, size_t);
    CURLcode (*mime_filename)(curl_mimepart *, const char *);
    CURLcode (*mime_name)(curl_mimepart *, const char *);
    CURLcode (*mime_type)(curl_mimepart *, const char *);
    void (*mime_free)(curl_mime *);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
} lib;

/* dlsym returns an object pointer; POSIX guarantees it converts to a function pointer. */
#define RESOLVE(h, field, name)                                                              \
    do {                                                                                     \
        void *sym_ = dlsym(h, name);                                                         \
        if (!sym_) {                                                                         \
            missing = name;                                                                  \
            goto fail;                                                                       \
        }                                                                                    \
        memcpy(&lib.field, &sym_, sizeof(sym_));                                             \
    } while (0)

static bool load(void)
{
    if (lib.state)
        return lib.state > 0;
    const char *missing = NULL;
    /* Never closed: OpenSSL registers exit handlers in the process. */
    void *h = dlopen(MP_LIBCURL_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        snprintf(lib.error, sizeof(lib.error), "cannot load %s: %s", MP_LIBCURL_SONAME,
                 e ? e : "unknown error");
        lib.state = -1;
        return false;
    }
    RESOLVE(h, global_init, "curl_global_init");
    RESOLVE(h, global_cleanup, "curl_global_cleanup");
    RESOLVE(h, easy_init, "curl_easy_init");
    RESOLVE(h, easy_cleanup, "curl_easy_cleanup");
    RESOLVE(h, easy_setopt, "curl_easy_setopt");
    RESOLVE(h, easy_perform, "curl_easy_perform");
    RESOLVE(h, easy_getinfo, "curl_easy_getinfo");
    RESOLVE(h, easy_strerror, "curl_easy_strerror");
    RESOLVE(h, easy_escape, "curl_easy_escape");
    RESOLVE(h, free, "curl_free");
    RESOLVE(h, mime_init, "curl_mime_init");
    RESOLVE(h, mime_addpart, "curl_mime_addpart");
    RESOLVE(h, mime_data, "curl_mime_data");
    RESOLVE(h, mime_filename, "curl_mime_filename");
    RESOLVE(h, mime_name, "curl_mime_name");
    RESOLVE(h, mime_type, "curl_mime_type");
    RESOLVE(h, mime_free, "curl_mime_free");
    RESOLVE(h, slist_append, "curl_slist_append");
    RESOLVE(h, slist_free_all, "curl_slist_free_all");
    lib.state = 1;
    return true;
fail:
    snprintf(lib.error, sizeof(lib.error), "%s has no %s", MP_LIBCURL_SONAME, missing);
    lib.state = -1;
    return false;
}

static bool global_done;

int mph_curl_init(struct mp_error *err)
{
    if (global_done)
        return MP_OK;
    if (!load())
        return mp_error_set(err, MP_ERR_NET, "libcurl: %s", lib.error);
    if (lib.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return mp_error_set(err, MP_ERR_NET, "libcurl initialisation failed");
    global_done = true;
    return MP_OK;
}

void mph_curl_cleanup(void)
{
    if (global_done)
        lib.global_cleanup();
    global_done = false;
}

/* ---- the stubs: each checks that libcurl is there, so a call before
 * mph_curl_init() fails like an out-of-memory libcurl would, never crashes ---- */

CURLcode curl_global_init(long flags)
{
    return load() ? lib.global_init(flags) : CURLE_FAILED_INIT;
}

void curl_global_cleanup(void)
{
    if (load())
        lib.global_cleanup();
}

CURL *curl_easy_init(void)
{
    return load() ? lib.easy_init() : NULL;
}

void curl_easy_cleanup(CURL *h)
{
    if (load())
        lib.easy_cleanup(h);
}

/* The option's number says which type its argument has (curl.h: CURLOPTTYPE_*). */
CURLcode curl_easy_setopt(CURL *h, CURLoption opt, ...)
{
    if (!load())
        return CURLE_FAILED_INIT;
    va_list ap;
    CURLcode rc;
    va_start(ap, opt);
    if (opt < CURLOPTTYPE_OBJECTPOINT) {
        long v = va_arg(ap, long);
        rc = lib.easy_setopt(h, opt, v);
    } else if (opt < CURLOPTTYPE_FUNCTIONPOINT || opt >= CURLOPTTYPE_BLOB) {
        void *v = va_arg(ap, void *);
        rc = lib.easy_setopt(h, opt, v);
    } else if (opt < CURLOPTTYPE_OFF_T) {
        curl_fnptr v = va_arg(ap, curl_fnptr);
        rc = lib.easy_setopt(h, opt, v);
    } else {
        curl_off_t v = va_arg(ap, curl_off_t);
        rc = lib.easy_setopt(h, opt, v);
    }
    va_end(ap);
    return rc;
}

CURLcode curl_easy_perform(CURL *h)
{
    return load() ? lib.easy_perform(h) : CURLE_FAILED_INIT;
}

/* Every CURLINFO_* takes a pointer to where the answer goes. */
CURLcode curl_easy_getinfo(CURL *h, CURLINFO info, ...)
{
    if (!load())
        return CURLE_FAILED_INIT;
    va_list ap;
    va_start(ap, info);
    void *where = va_arg(ap, void *);
    va_end(ap);
    return lib.easy_getinfo(h, info, where);
}

const char *curl_easy_strerror(CURLcode code)
{
    return load() ? lib.easy_strerror(code) : lib.error;
}

char *curl_easy_escape(CURL *h, const char *s, int len)
{
    return load() ? lib.easy_escape(h, s, len) : NULL;
}

void curl_free(void *p)
{
    if (load())
        lib.free(p);
}

curl_mime *curl_mime_init(CURL *h)
{
    return load() ? lib.mime_init(h) : NULL;
}

curl_mimepart *curl_mime_addpart(curl_mime *m)
{
    return load() ? lib.mime_addpart(m) : NULL;
}

CURLcode curl_mime_data(curl_mimepart *part, const char *data, size_t size)
{
    return load() ? lib.mime_data(part, data, size) : CURLE_FAILED_INIT;
}

CURLcode curl_mime_filename(curl_mimepart *part, const char *name)
{
    return load() ? lib.mime_filename(part, name) : CURLE_FAILED_INIT;
}

CURLcode curl_mime_name(curl_mimepart *part, const char *name)
{
    return load() ? lib.mime_name(part, name) : CURLE_FAILED_INIT;
}

CURLcode curl_mime_type(curl_mimepart *part, const char *type)
{
    return load() ? lib.mime_type(part, type) : CURLE_FAILED_INIT;
}

void curl_mime_free(curl_mime *m)
{
    if (load())
        lib.mime_free(m);
}

struct curl_slist *curl_slist_append(struct curl_slist *list, const char *s)
{
    return load() ? lib.slist_append(list, s) : NULL;
}

void curl_slist_free_all(struct curl_slist *list)
{
    if (load())
        lib.slist_free_all(list);
}
