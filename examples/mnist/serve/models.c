/* SPDX-License-Identifier: MIT */
/* Model versions under a base path: polling, loading, hot swap with refcounts, status, labels. */
#include "config.h"

#include "models.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Life cycle of a version, as TF's ServableState reports it. */
enum vstate { VS_START, VS_LOADING, VS_AVAILABLE, VS_UNLOADING, VS_END };
static const char *const vstate_names[] = {"START", "LOADING", "AVAILABLE", "UNLOADING", "END"};

struct version_info {
    int64_t version;
    enum vstate state;
    enum tf_code code;
    char *message;
    bool failed;      /* load failed: not retried until the directory changes */
    time_t dir_mtime;
};

struct label {
    char *name;
    int64_t version;
};

struct models {
    char *name;
    char *base;
    struct label *labels;
    size_t n_labels;
    /* lock guards current and versions; requests hold it only to take a reference */
    pthread_mutex_t lock;
    struct loaded *current;
    struct version_info *versions; /* sorted by version, descending (TF's order) */
    size_t n_versions;
    int last_scan_errno;
    bool warned_empty;
};

static struct version_info *find_version(struct models *m, int64_t v)
{
    for (size_t i = 0; i < m->n_versions; i++)
        if (m->versions[i].version == v) return &m->versions[i];
    return NULL;
}

/* Caller holds the lock. */
static struct version_info *get_version(struct models *m, int64_t v)
{
    struct version_info *vi = find_version(m, v);
    if (vi) return vi;
    struct version_info *p = realloc(m->versions, (m->n_versions + 1) * sizeof *p);
    if (!p) return NULL;
    m->versions = p;
    size_t at = 0;
    while (at < m->n_versions && m->versions[at].version > v) at++;
    memmove(&m->versions[at + 1], &m->versions[at], (m->n_versions - at) * sizeof *p);
    m->n_versions++;
    vi = &m->versions[at];
    memset(vi, 0, sizeof *vi);
    vi->version = v;
    vi->state = VS_START;
    return vi;
}

static void set_state(struct models *m, int64_t v, enum vstate st, enum tf_code code,
                      const char *msg)
{
    struct version_info *vi = get_version(m, v);
    if (!vi) return;
    vi->state = st;
    vi->code = code;
    free(vi->message);
    vi->message = msg ? strdup(msg) : NULL;
}

struct models *models_new(const char *name, const char *base_path, const char *const *labels,
                          size_t n_labels)
{
    struct models *m = calloc(1, sizeof *m);
    if (!m) goto fail;
    pthread_mutex_init(&m->lock, NULL);
    m->name = strdup(name);
    m->base = strdup(base_path);
    if (!m->name || !m->base) goto fail_free;
    if (n_labels) {
        m->labels = calloc(n_labels, sizeof *m->labels);
        if (!m->labels) goto fail_free;
    }
    for (size_t i = 0; i < n_labels; i++) {
        const char *eq = strchr(labels[i], '=');
        int64_t v;
        if (!eq || eq == labels[i] || !mnu_parse_i64(eq + 1, strlen(eq + 1), &v)) {
            fprintf(stderr, "mnist-serve: --version_label %s: expected NAME=VERSION with a "
                            "numeric version\n", labels[i]);
            goto fail_free;
        }
        m->labels[i].name = strndup(labels[i], (size_t)(eq - labels[i]));
        if (!m->labels[i].name) goto fail_free;
        m->labels[i].version = v;
        m->n_labels = i + 1;
    }
    return m;
fail_free:
    models_free(m);
fail:
    return NULL;
}

void models_free(struct models *m)
{
    if (!m) return;
    if (m->current) {
        struct loaded *l = m->current;
        m->current = NULL;
        servable_free(l->s);
        free(l);
    }
    for (size_t i = 0; i < m->n_versions; i++) free(m->versions[i].message);
    free(m->versions);
    for (size_t i = 0; i < m->n_labels; i++) free(m->labels[i].name);
    free(m->labels);
    free(m->name);
    free(m->base);
    pthread_mutex_destroy(&m->lock);
    free(m);
}

const char *models_name(const struct models *m) { return m->name; }

void models_release(struct loaded *l)
{
    if (!l) return;
    if (atomic_fetch_sub_explicit(&l->refs, 1, memory_order_acq_rel) != 1) return;
    /* The last reference: the manager dropped its own when it swapped this version out. */
    struct models *m = l->mgr;
    pthread_mutex_lock(&m->lock);
    set_state(m, l->version, VS_END, TF_OK, NULL);
    pthread_mutex_unlock(&m->lock);
    mnu_log("version %" PRId64 " of model %s unloaded", l->version, m->name);
    servable_free(l->s);
    free(l);
}

/* Highest numeric version directory that has not failed to load, or -1. */
static int64_t scan(struct models *m, time_t *mtime_out)
{
    DIR *d = opendir(m->base);
    if (!d) {
        if (errno != m->last_scan_errno)
            mnu_log("cannot read --model_base_path %s: %s (will keep polling)", m->base,
                    strerror(errno));
        m->last_scan_errno = errno;
        return -2;
    }
    m->last_scan_errno = 0;
    int64_t best = -1;
    time_t best_mtime = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        int64_t v;
        if (!mnu_parse_i64(e->d_name, strlen(e->d_name), &v)) continue; /* also skips .tmp-* */
        char path[4096];
        struct stat st;
        if (snprintf(path, sizeof path, "%s/%s", m->base, e->d_name) >= (int)sizeof path)
            continue;
        if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) continue;
        pthread_mutex_lock(&m->lock);
        struct version_info *vi = find_version(m, v);
        bool skip = vi && vi->failed && vi->dir_mtime == st.st_mtime;
        pthread_mutex_unlock(&m->lock);
        if (skip) continue;
        if (v > best) {
            best = v;
            best_mtime = st.st_mtime;
        }
    }
    closedir(d);
    *mtime_out = best_mtime;
    return best;
}

void models_poll(struct models *m)
{
    time_t mtime = 0;
    int64_t want = scan(m, &mtime);
    if (want == -2) return; /* unreadable base path: keep what we serve */
    pthread_mutex_lock(&m->lock);
    struct loaded *cur = m->current;
    int64_t have = cur ? cur->version : -1;
    pthread_mutex_unlock(&m->lock);
    if (want == have && want >= 0) return;

    if (want < 0) {
        if (!m->warned_empty)
            mnu_log("no versions of servable %s found under base path %s", m->name, m->base);
        m->warned_empty = true;
        if (!cur) return;
        /* Every version directory is gone: TF unloads what it served. */
        pthread_mutex_lock(&m->lock);
        m->current = NULL;
        set_state(m, cur->version, VS_UNLOADING, TF_OK, NULL);
        pthread_mutex_unlock(&m->lock);
        models_release(cur);
        return;
    }
    m->warned_empty = false;

    char dir[4096];
    snprintf(dir, sizeof dir, "%s/%" PRId64, m->base, want);
    pthread_mutex_lock(&m->lock);
    set_state(m, want, VS_LOADING, TF_OK, NULL);
    pthread_mutex_unlock(&m->lock);
    mnu_log("loading version %" PRId64 " of model %s from %s", want, m->name, dir);

    double t0 = mnu_now();
    struct servable *s = NULL;
    char err[1024] = "";
    struct loaded *l = NULL;
    if (servable_load(dir, &s, err, sizeof err) != 0 || !(l = calloc(1, sizeof *l))) {
        if (s) servable_free(s);
        if (!err[0]) snprintf(err, sizeof err, "out of memory loading %.900s", dir);
        mnu_log("failed to load version %" PRId64 " of model %s: %s", want, m->name, err);
        pthread_mutex_lock(&m->lock);
        set_state(m, want, VS_END, TF_INVALID_ARGUMENT, err);
        struct version_info *vi = find_version(m, want);
        if (vi) {
            vi->failed = true;
            vi->dir_mtime = mtime;
        }
        pthread_mutex_unlock(&m->lock);
        return;
    }
    atomic_init(&l->refs, 1); /* the manager's own reference */
    l->version = want;
    l->s = s;
    l->mgr = m;

    /* Swap: new requests get the new version at once; in-flight ones finish on the old. */
    pthread_mutex_lock(&m->lock);
    struct loaded *old = m->current;
    m->current = l;
    set_state(m, want, VS_AVAILABLE, TF_OK, NULL);
    struct version_info *vi = find_version(m, want);
    if (vi) vi->failed = false;
    if (old) set_state(m, old->version, VS_UNLOADING, TF_OK, NULL);
    pthread_mutex_unlock(&m->lock);
    mnu_log("version %" PRId64 " of model %s is AVAILABLE (loaded in %.3f s)", want, m->name,
            mnu_now() - t0);
    models_release(old);
}

bool models_ready(struct models *m)
{
    pthread_mutex_lock(&m->lock);
    bool ok = m->current != NULL;
    pthread_mutex_unlock(&m->lock);
    return ok;
}

static bool resolve_label(struct models *m, const char *label, int64_t *v)
{
    for (size_t i = 0; i < m->n_labels; i++) {
        if (!strcmp(m->labels[i].name, label)) {
            *v = m->labels[i].version;
            return true;
        }
    }
    return false;
}

enum tf_code models_acquire(struct models *m, const struct model_spec *spec,
                            struct loaded **out, struct mnu_buf *msg)
{
    int64_t want = -1;
    if (spec->kind == SPEC_LABEL) {
        if (strcmp(spec->name, m->name) != 0 || !resolve_label(m, spec->label, &want)) {
            mnu_buf_printf(msg, "Unrecognized servable version label: %s", spec->label);
            return TF_INVALID_ARGUMENT;
        }
    } else if (spec->kind == SPEC_VERSION) {
        want = spec->version;
    }
    struct loaded *l = NULL;
    if (strcmp(spec->name, m->name) == 0) {
        pthread_mutex_lock(&m->lock);
        l = m->current;
        if (l && want >= 0 && l->version != want) l = NULL;
        if (l) atomic_fetch_add_explicit(&l->refs, 1, memory_order_relaxed);
        pthread_mutex_unlock(&m->lock);
    }
    if (!l) {
        if (want < 0)
            mnu_buf_printf(msg, "Servable not found for request: Latest(%s)", spec->name);
        else
            mnu_buf_printf(msg, "Servable not found for request: Specific(%s, %" PRId64 ")",
                           spec->name, want);
        return TF_NOT_FOUND;
    }
    *out = l;
    return TF_OK;
}

static void status_entry(struct mnu_buf *b, const struct version_info *vi, bool first)
{
    mnu_buf_adds(b, first ? "\n  {\n" : ",\n  {\n");
    mnu_buf_printf(b, "   \"version\": \"%" PRId64 "\",\n   \"state\": \"%s\",\n", vi->version,
                   vstate_names[vi->state]);
    mnu_buf_printf(b, "   \"status\": {\n    \"error_code\": \"%s\",\n    \"error_message\": ",
                   tf_code_name(vi->code));
    const char *em = vi->message ? vi->message : "";
    mnu_buf_add_jstr(b, em, strlen(em));
    mnu_buf_adds(b, "\n   }\n  }");
}

enum tf_code models_status_json(struct models *m, const struct model_spec *spec,
                                struct mnu_buf *body, struct mnu_buf *msg)
{
    int64_t want = -1;
    if (spec->kind == SPEC_LABEL) {
        if (strcmp(spec->name, m->name) != 0 || !resolve_label(m, spec->label, &want)) {
            mnu_buf_printf(msg, "Unrecognized servable version label: %s", spec->label);
            return TF_INVALID_ARGUMENT;
        }
    } else if (spec->kind == SPEC_VERSION) {
        want = spec->version;
    }
    enum tf_code rc = TF_OK;
    pthread_mutex_lock(&m->lock);
    /* Protobuf's JSON printer with add_whitespace (one-space indent), as TF prints it. */
    if (strcmp(spec->name, m->name) != 0 || m->n_versions == 0) {
        mnu_buf_printf(msg, "Could not find any versions of model %s", spec->name);
        rc = TF_NOT_FOUND;
    } else if (want >= 0) {
        const struct version_info *vi = find_version(m, want);
        if (!vi) {
            mnu_buf_printf(msg, "Could not find version %" PRId64 " of model %s", want,
                           spec->name);
            rc = TF_NOT_FOUND;
        } else {
            mnu_buf_adds(body, "{\n \"model_version_status\": [");
            status_entry(body, vi, true);
            mnu_buf_adds(body, "\n ]\n}\n");
        }
    } else {
        mnu_buf_adds(body, "{\n \"model_version_status\": [");
        for (size_t i = 0; i < m->n_versions; i++) status_entry(body, &m->versions[i], i == 0);
        mnu_buf_adds(body, "\n ]\n}\n");
    }
    pthread_mutex_unlock(&m->lock);
    return rc;
}
