/* SPDX-License-Identifier: MIT */
/* kfp_dex.h: Dex static-password login through the Kubeflow gateway, yielding its cookie. */
#ifndef MNISTPIPE_PLUGINS_KFP_KFP_DEX_H
#define MNISTPIPE_PLUGINS_KFP_KFP_DEX_H

#include <stddef.h>

#include "kfp_api.h"

/* Log in as @user with @password (oidc-authservice or oauth2-proxy in front of Dex) starting
 * at @start_url, and write the session cookie ("NAME=VALUE[; ...]") into @cookie (@cap bytes).
 * Neither the password nor the cookie appears in any message.
 * Errors: MP_ERR_NET, MP_ERR_HTTP (login refused or no cookie), MP_ERR_NOMEM. */
int kfp_dex_login(const struct mph_client *c, const char *start_url, const char *user,
                  const char *password, char *cookie, size_t cap, struct mp_error *err);

#endif /* MNISTPIPE_PLUGINS_KFP_KFP_DEX_H */
