/* SPDX-License-Identifier: MIT */
/* kfp_http.c: this plugin's copy of the shared HTTP client (plugins/common/http.c); a
 * wrapper per plugin gives each module its own object file, so parallel builds never race. */
#include "../common/http.c"
