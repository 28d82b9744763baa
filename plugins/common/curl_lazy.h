/* SPDX-License-Identifier: MIT */
/* curl_lazy.h: load libcurl on first use (plugins/common/curl_lazy.c). */
#ifndef MNISTPIPE_PLUGINS_COMMON_CURL_LAZY_H
#define MNISTPIPE_PLUGINS_COMMON_CURL_LAZY_H

/* The stubs define curl's functions themselves; curl.h's GCC type-check macros would
 * rename them. */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>
#include <mnistpipe/plugin.h>

/* Load libcurl and run curl_global_init() once; call it before the first HTTP request (not
 * at plugin load, so that compiling never pays for TLS). Errors: MP_ERR_NET, the message
 * naming what failed (the library missing, a symbol missing, the initialisation). */
int mph_curl_init(struct mp_error *err);
/* curl_global_cleanup() if mph_curl_init() ran; libcurl itself stays mapped. */
void mph_curl_cleanup(void);

#endif /* MNISTPIPE_PLUGINS_COMMON_CURL_LAZY_H */
