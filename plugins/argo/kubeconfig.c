/* SPDX-License-Identifier: MIT */
/* kubeconfig.c: one context of a kubeconfig (a list of files, as $KUBECONFIG), parsed into
 * libyaml documents; every error names the file and, inside it, line and column. */
#include "config.h"

#include "kubeconfig.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yaml.h>

#define KC_MAX_FILES 16

struct kc_file {
    char *path;
    yaml_document_t doc;
    bool loaded;
};

struct kc_set {
    struct kc_file f[KC_MAX_FILES];
    size_t n;
};

/* A node found in one of the files. */
struct kc_ref {
    struct kc_file *file;
    yaml_node_t *node;
};

static int at(struct mp_error *err, int code, const struct kc_ref *r, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int at(struct mp_error *err, int code, const struct kc_ref *r, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (r->node)
        return mp_error_set(err, code, "%s:%lu:%lu: kubeconfig: %s", r->file->path,
                            (unsigned long)r->node->start_mark.line + 1,
                            (unsigned long)r->node->start_mark.column + 1, msg);
    return mp_error_set(err, code, "%s: kubeconfig: %s", r->file->path, msg);
}

static int load_file(struct kc_file *f, struct mp_error *err)
{
    FILE *fp = fopen(f->path, "rb");
    if (!fp)
        return mp_error_set(err, MP_ERR_IO, "kubeconfig '%s': %s", f->path, strerror(errno));
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        fclose(fp);
        return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
    }
    yaml_parser_set_input_file(&parser, fp);
    int rc = MP_OK;
    if (!yaml_parser_load(&parser, &f->doc)) {
        yaml_mark_t m = parser.problem_mark;
        rc = mp_error_set(err, MP_ERR_PARSE, "%s:%lu:%lu: kubeconfig: %s%s%s", f->path,
                          (unsigned long)m.line + 1, (unsigned long)m.column + 1,
                          parser.problem ? parser.problem : "YAML error",
                          parser.context ? " " : "", parser.context ? parser.context : "");
    } else {
        f->loaded = true;
    }
    yaml_parser_delete(&parser);
    fclose(fp);
    return rc;
}

static yaml_node_t *node(struct kc_file *f, int id)
{
    return id ? yaml_document_get_node(&f->doc, id) : NULL;
}

/* Value of @key in mapping @map (NULL when absent or @map is no mapping). */
static yaml_node_t *get(struct kc_file *f, yaml_node_t *map, const char *key)
{
    if (!map || map->type != YAML_MAPPING_NODE)
        return NULL;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = node(f, p->key);
        if (k && k->type == YAML_SCALAR_NODE && k->data.scalar.length == strlen(key) &&
            memcmp(k->data.scalar.value, key, k->data.scalar.length) == 0)
            return node(f, p->value);
    }
    return NULL;
}

static bool is_null(const yaml_node_t *n)
{
    const char *v = (const char *)n->data.scalar.value;
    return n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
           (n->data.scalar.length == 0 || strcmp(v, "null") == 0 || strcmp(v, "~") == 0);
}

/* A scalar's text, or NULL for a null/empty value; a non-scalar is an error at its place. */
static int scalar(struct kc_file *f, yaml_node_t *n, const char *what, const char **out,
                  struct mp_error *err)
{
    *out = NULL;
    if (!n)
        return MP_OK;
    if (n->type != YAML_SCALAR_NODE) {
        struct kc_ref r = {f, n};
        return at(err, MP_ERR_PARSE, &r, "'%s': expected a string", what);
    }
    const char *s = (const char *)n->data.scalar.value;
    bool plain = n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    if (*s == '\0' || (plain && (strcmp(s, "null") == 0 || strcmp(s, "~") == 0)))
        return MP_OK;
    *out = s;
    return MP_OK;
}

/* Find the entry named @name in the list @list ("clusters", "users", "contexts") of the first
 * file that has it; *@out is its @inner mapping ("cluster", "user", "context"). */
static int find_named(struct kc_set *set, const char *list, const char *inner, const char *name,
                      struct kc_ref *out, struct mp_error *err)
{
    out->file = NULL;
    out->node = NULL;
    for (size_t i = 0; i < set->n; i++) {
        struct kc_file *f = &set->f[i];
        if (!f->loaded)
            continue;
        yaml_node_t *root = yaml_document_get_root_node(&f->doc);
        yaml_node_t *seq = get(f, root, list);
        if (!seq)
            continue;
        struct kc_ref r = {f, seq};
        if (is_null(seq))
            continue;
        if (seq->type != YAML_SEQUENCE_NODE)
            return at(err, MP_ERR_PARSE, &r, "'%s': expected a list", list);
        for (yaml_node_item_t *it = seq->data.sequence.items.start;
             it < seq->data.sequence.items.top; it++) {
            yaml_node_t *e = node(f, *it);
            struct kc_ref er = {f, e};
            if (!e || e->type != YAML_MAPPING_NODE)
                return at(err, MP_ERR_PARSE, &er, "'%s': each entry must be a mapping", list);
            const char *n;
            int rc = scalar(f, get(f, e, "name"), "name", &n, err);
            if (rc != MP_OK)
                return rc;
            if (!n || strcmp(n, name) != 0)
                continue;
            yaml_node_t *v = get(f, e, inner);
            struct kc_ref vr = {f, v ? v : e};
            if (!v || v->type != YAML_MAPPING_NODE)
                return at(err, MP_ERR_PARSE, &vr, "'%s' entry '%s': expected a mapping", inner,
                          name);
            out->file = f;
            out->node = v;
            return MP_OK;
        }
    }
    return MP_ERR_NOTFOUND;
}

static char *dup_or_null(const char *s, int *rc)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        *rc = MP_ERR_NOMEM;
    return d;
}

/* @s resolved against the directory of @file unless absolute. */
static char *resolve(const char *file, const char *s, int *rc)
{
    if (!s)
        return NULL;
    const char *slash = strrchr(file, '/');
    if (s[0] == '/' || !slash)
        return dup_or_null(s, rc);
    size_t dl = (size_t)(slash - file) + 1, sl = strlen(s);
    char *d = malloc(dl + sl + 1);
    if (!d) {
        *rc = MP_ERR_NOMEM;
        return NULL;
    }
    memcpy(d, file, dl);
    memcpy(d + dl, s, sl + 1);
    return d;
}

static int b64val(unsigned char ch)
{
    if (ch >= 'A' && ch <= 'Z')
        return ch - 'A';
    if (ch >= 'a' && ch <= 'z')
        return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9')
        return ch - '0' + 52;
    if (ch == '+' || ch == '-')
        return 62;
    if (ch == '/' || ch == '_')
        return 63;
    return -1;
}

/* Decode base64 @s (whitespace ignored, padding optional) into a new NUL-terminated string. */
static int decode_data(struct kc_file *f, yaml_node_t *n, const char *what, char **out,
                       struct mp_error *err)
{
    const char *s;
    int rc = scalar(f, n, what, &s, err);
    *out = NULL;
    if (rc != MP_OK || !s)
        return rc;
    size_t len = strlen(s);
    char *d = malloc(len / 4 * 3 + 4);
    if (!d)
        return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
    size_t o = 0;
    unsigned acc = 0;
    int bits = 0, pad = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')
            continue;
        if (*p == '=') {
            pad++;
            continue;
        }
        int v = b64val(*p);
        if (v < 0 || pad) {
            free(d);
            struct kc_ref r = {f, n};
            return at(err, MP_ERR_VALIDATE, &r, "'%s': not base64", what);
        }
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            d[o++] = (char)((acc >> bits) & 0xff);
        }
    }
    d[o] = '\0';
    if (o == 0 || memchr(d, '\0', o)) {
        free(d);
        struct kc_ref r = {f, n};
        return at(err, MP_ERR_VALIDATE, &r, "'%s': decodes to no PEM text", what);
    }
    *out = d;
    return MP_OK;
}

static void free_set(struct kc_set *set)
{
    for (size_t i = 0; i < set->n; i++) {
        if (set->f[i].loaded)
            yaml_document_delete(&set->f[i].doc);
        free(set->f[i].path);
    }
    set->n = 0;
}

static int add_files(struct kc_set *set, const char *paths, struct mp_error *err)
{
    const char *p = paths;
    size_t listed = 0;
    while (*p) {
        const char *e = strchr(p, ':');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len > 0) {
            listed++;
            if (set->n == KC_MAX_FILES)
                return mp_error_set(err, MP_ERR_USAGE, "KUBECONFIG: more than %d files",
                                    KC_MAX_FILES);
            char *path = strndup(p, len);
            if (!path)
                return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
            set->f[set->n++].path = path;
        }
        if (!e)
            break;
        p = e + 1;
    }
    if (listed == 0)
        return mp_error_set(err, MP_ERR_USAGE, "kubeconfig: no file named");
    bool any = false;
    for (size_t i = 0; i < set->n; i++) {
        struct kc_file *f = &set->f[i];
        if (listed > 1 && access(f->path, F_OK) != 0)
            continue;
        int rc = load_file(f, err);
        if (rc != MP_OK)
            return rc;
        any = true;
        yaml_node_t *root = yaml_document_get_root_node(&f->doc);
        struct kc_ref r = {f, root};
        if (root && root->type != YAML_MAPPING_NODE && !is_null(root))
            return at(err, MP_ERR_PARSE, &r, "expected a mapping (apiVersion, clusters, "
                                             "contexts, users)");
        static const char *const lists[] = {"clusters", "contexts", "users"};
        for (size_t j = 0; j < 3; j++) {
            yaml_node_t *l = get(f, root, lists[j]);
            struct kc_ref lr = {f, l};
            if (l && l->type != YAML_SEQUENCE_NODE && !is_null(l))
                return at(err, MP_ERR_PARSE, &lr, "'%s': expected a list", lists[j]);
        }
    }
    if (!any)
        return mp_error_set(err, MP_ERR_IO, "KUBECONFIG '%s': none of its files exists", paths);
    return MP_OK;
}

static int user_fields(struct kubeconfig *kc, struct kc_ref *u, const char *uname,
                       struct mp_error *err)
{
    struct kc_file *f = u->file;
    static const char *const plugins[] = {"exec", "auth-provider"};
    for (size_t i = 0; i < 2; i++) {
        yaml_node_t *n = get(f, u->node, plugins[i]);
        struct kc_ref r = {f, n};
        if (n && !(n->type == YAML_SCALAR_NODE && n->data.scalar.length == 0))
            return at(err, MP_ERR_VALIDATE, &r,
                      "user '%s': credential plugins ('%s') are not supported; use a token, "
                      "tokenFile or client certificate",
                      uname, plugins[i]);
    }
    const char *token, *token_file, *cert, *key;
    int rc;
    if ((rc = scalar(f, get(f, u->node, "token"), "token", &token, err)) != MP_OK ||
        (rc = scalar(f, get(f, u->node, "tokenFile"), "tokenFile", &token_file, err)) != MP_OK ||
        (rc = scalar(f, get(f, u->node, "client-certificate"), "client-certificate", &cert,
                     err)) != MP_OK ||
        (rc = scalar(f, get(f, u->node, "client-key"), "client-key", &key, err)) != MP_OK)
        return rc;
    if ((rc = decode_data(f, get(f, u->node, "client-certificate-data"),
                          "client-certificate-data", &kc->cert_pem, err)) != MP_OK ||
        (rc = decode_data(f, get(f, u->node, "client-key-data"), "client-key-data",
                          &kc->key_pem, err)) != MP_OK)
        return rc;
    rc = MP_OK;
    kc->token = dup_or_null(token, &rc);
    kc->token_file = resolve(f->path, token_file, &rc);
    kc->cert_file = resolve(f->path, cert, &rc);
    kc->key_file = resolve(f->path, key, &rc);
    if (rc != MP_OK)
        return mp_error_set(err, rc, "out of memory");
    if ((kc->cert_file || kc->cert_pem) != (kc->key_file || kc->key_pem))
        return at(err, MP_ERR_VALIDATE, u,
                  "user '%s': a client certificate needs its key and a key its certificate",
                  uname);
    return MP_OK;
}

static int cluster_fields(struct kubeconfig *kc, struct kc_ref *c, const char *cname,
                          struct mp_error *err)
{
    struct kc_file *f = c->file;
    const char *server, *ca, *insecure;
    int rc;
    if ((rc = scalar(f, get(f, c->node, "server"), "server", &server, err)) != MP_OK ||
        (rc = scalar(f, get(f, c->node, "certificate-authority"), "certificate-authority", &ca,
                     err)) != MP_OK ||
        (rc = scalar(f, get(f, c->node, "insecure-skip-tls-verify"),
                     "insecure-skip-tls-verify", &insecure, err)) != MP_OK ||
        (rc = decode_data(f, get(f, c->node, "certificate-authority-data"),
                          "certificate-authority-data", &kc->ca_pem, err)) != MP_OK)
        return rc;
    if (!server)
        return at(err, MP_ERR_VALIDATE, c, "cluster '%s': no server", cname);
    if (insecure) {
        if (strcmp(insecure, "true") == 0)
            kc->insecure = true;
        else if (strcmp(insecure, "false") != 0) {
            struct kc_ref r = {f, get(f, c->node, "insecure-skip-tls-verify")};
            return at(err, MP_ERR_PARSE, &r, "'insecure-skip-tls-verify': expected true or false");
        }
    }
    rc = MP_OK;
    kc->server = dup_or_null(server, &rc);
    kc->ca_file = resolve(f->path, ca, &rc);
    if (rc != MP_OK)
        return mp_error_set(err, rc, "out of memory");
    return MP_OK;
}

int kubeconfig_load(struct kubeconfig *kc, const char *paths, const char *context,
                    struct mp_error *err)
{
    struct kc_set set;
    memset(&set, 0, sizeof(set));
    memset(kc, 0, sizeof(*kc));
    int rc = add_files(&set, paths, err);
    const char *cur = context;
    for (size_t i = 0; rc == MP_OK && !cur && i < set.n; i++) {
        struct kc_file *f = &set.f[i];
        if (!f->loaded)
            continue;
        rc = scalar(f, get(f, yaml_document_get_root_node(&f->doc), "current-context"),
                    "current-context", &cur, err);
    }
    if (rc != MP_OK)
        goto out;
    if (!cur) {
        rc = mp_error_set(err, MP_ERR_VALIDATE,
                          "kubeconfig '%s': no current-context (give --context NAME)", paths);
        goto out;
    }
    struct kc_ref ctxr, cl, us = {NULL, NULL};
    rc = find_named(&set, "contexts", "context", cur, &ctxr, err);
    if (rc == MP_ERR_NOTFOUND)
        rc = mp_error_set(err, MP_ERR_VALIDATE, "kubeconfig '%s': no context named '%s'", paths,
                          cur);
    if (rc != MP_OK)
        goto out;
    const char *cname, *uname, *ns;
    struct kc_file *f = ctxr.file;
    if ((rc = scalar(f, get(f, ctxr.node, "cluster"), "cluster", &cname, err)) != MP_OK ||
        (rc = scalar(f, get(f, ctxr.node, "user"), "user", &uname, err)) != MP_OK ||
        (rc = scalar(f, get(f, ctxr.node, "namespace"), "namespace", &ns, err)) != MP_OK)
        goto out;
    if (!cname) {
        rc = at(err, MP_ERR_VALIDATE, &ctxr, "context '%s': no cluster", cur);
        goto out;
    }
    rc = find_named(&set, "clusters", "cluster", cname, &cl, err);
    if (rc == MP_ERR_NOTFOUND)
        rc = at(err, MP_ERR_VALIDATE, &ctxr, "context '%s': no cluster named '%s'", cur, cname);
    if (rc == MP_OK)
        rc = cluster_fields(kc, &cl, cname, err);
    if (rc == MP_OK && uname) {
        rc = find_named(&set, "users", "user", uname, &us, err);
        if (rc == MP_ERR_NOTFOUND)
            rc = at(err, MP_ERR_VALIDATE, &ctxr, "context '%s': no user named '%s'", cur,
                    uname);
        if (rc == MP_OK)
            rc = user_fields(kc, &us, uname, err);
    }
    if (rc == MP_OK) {
        kc->context = dup_or_null(cur, &rc);
        kc->namespace = dup_or_null(ns, &rc);
        if (rc != MP_OK)
            mp_error_set(err, rc, "out of memory");
    }
out:
    free_set(&set);
    if (rc != MP_OK)
        kubeconfig_clear(kc);
    return rc;
}

static void wipe_free(char *s)
{
    if (s) {
        volatile char *v = s;
        while (*v)
            *v++ = '\0';
        free(s);
    }
}

void kubeconfig_clear(struct kubeconfig *kc)
{
    free(kc->context);
    free(kc->server);
    free(kc->ca_file);
    free(kc->ca_pem);
    wipe_free(kc->token);
    free(kc->token_file);
    free(kc->cert_file);
    free(kc->cert_pem);
    free(kc->key_file);
    wipe_free(kc->key_pem);
    free(kc->namespace);
    memset(kc, 0, sizeof(*kc));
}
