/* SPDX-License-Identifier: MIT */
/* kfp_curl.c: this plugin's copy of the lazily loaded libcurl (plugins/common/curl_lazy.c). */
#include "../common/curl_lazy.c"
