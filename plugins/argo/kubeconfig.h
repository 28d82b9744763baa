/* SPDX-License-Identifier: MIT */
/* kubeconfig.h: the server, TLS settings, credentials and namespace of one kubeconfig context,
 * read with libyaml the way kubectl reads them (KUBECONFIG lists: the first file that sets a
 * value wins; relative paths are relative to the file that names them). */
#ifndef MNISTPIPE_PLUGINS_ARGO_KUBECONFIG_H
#define MNISTPIPE_PLUGINS_ARGO_KUBECONFIG_H

#include <stdbool.h>

#include <mnistpipe/plugin.h>

/* Every string is owned (malloc) and NULL when the context does not set it. The *_pem fields
 * hold the decoded *-data values; token and key_pem are secrets, wiped by kubeconfig_clear. */
struct kubeconfig {
    char *context;    /* the context used */
    char *server;     /* cluster.server */
    char *ca_file;    /* cluster.certificate-authority, resolved */
    char *ca_pem;     /* cluster.certificate-authority-data, decoded */
    bool insecure;    /* cluster.insecure-skip-tls-verify */
    char *token;      /* user.token */
    char *token_file; /* user.tokenFile, resolved */
    char *cert_file;  /* user.client-certificate, resolved */
    char *cert_pem;   /* user.client-certificate-data, decoded */
    char *key_file;   /* user.client-key, resolved */
    char *key_pem;    /* user.client-key-data, decoded */
    char *namespace;  /* context.namespace */
};

/* Load context @context (NULL: current-context) from @paths, a ':'-separated list of files
 * (as $KUBECONFIG). Files that do not exist are skipped when @paths lists more than one;
 * a single missing file is an error. Errors: MP_ERR_IO (unreadable file), MP_ERR_PARSE (bad
 * YAML or a field of the wrong type: "FILE:LINE:COL: ..."), MP_ERR_VALIDATE (no such
 * context/cluster/user, no server, bad base64, credential plugins), MP_ERR_NOMEM.
 * On error @kc is left cleared. */
int kubeconfig_load(struct kubeconfig *kc, const char *paths, const char *context,
                    struct mp_error *err);

/* Free (wiping the secrets) and zero @kc. Safe on a zeroed or cleared struct. */
void kubeconfig_clear(struct kubeconfig *kc);

#endif /* MNISTPIPE_PLUGINS_ARGO_KUBECONFIG_H */
