/* SPDX-License-Identifier: MIT */
/* image_map.c: container images to local programs: the three MNIST images, plus --image-map. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "local.h"

#ifndef MP_LIBEXECDIR
#define MP_LIBEXECDIR "/usr/local/libexec/mnistpipe"
#endif

#define MAX_ENTRIES 256

struct lr_map_entry {
    char *image; /* a full reference, or a repository matching any tag */
    char *program;
    enum lr_profile profile;
};

struct lr_image_map {
    struct lr_map_entry e[MAX_ENTRIES];
    size_t n;
};

static const struct {
    const char *image, *program;
    enum lr_profile profile;
} builtin[] = {
    {"gcr.io/kubeflow-examples/mnist/model", "mnist-train", LR_TRAIN},
    {"gcr.io/ml-pipeline/ml-pipeline-kubeflow-deployer", "mnist-serve", LR_SERVE},
    {"gcr.io/kubeflow-examples/mnist/deploy-service", "mnist-web-ui", LR_WEBUI},
    {"gcr.io/kubeflow-examples/mnist/web-ui", "mnist-web-ui", LR_WEBUI},
};

static int add(struct lr_image_map *m, const char *image, const char *program,
               enum lr_profile profile, struct mp_error *err)
{
    if (m->n == MAX_ENTRIES)
        return mp_error_set(err, MP_ERR_NOMEM, "image map: more than %d entries", MAX_ENTRIES);
    struct lr_map_entry *e = &m->e[m->n];
    e->image = strdup(image);
    e->program = strdup(program);
    e->profile = profile;
    if (!e->image || !e->program) {
        free(e->image);
        free(e->program);
        return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
    }
    m->n++;
    return MP_OK;
}

static int parse_profile(const char *w, enum lr_profile *out)
{
    static const char *const names[] = {"job", "service", "train", "serve", "web-ui"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(w, names[i]) == 0) {
            *out = (enum lr_profile)i;
            return 0;
        }
    return -1;
}

/* File format, one mapping a line, '#' starts a comment:
 *     IMAGE PROGRAM [job|service|train|serve|web-ui]
 * IMAGE without a tag matches every tag. A relative PROGRAM is looked up like the built-in
 * ones; "-" runs the step's own command on this machine. Later lines win over earlier ones and
 * over the built-in map. */
static int load_file(struct lr_image_map *m, const char *file, struct mp_error *err)
{
    FILE *f = fopen(file, "r");
    if (!f)
        return mp_error_set(err, MP_ERR_IO, "--image-map %s: %s", file, strerror(errno));
    char line[4096];
    int rc = MP_OK;
    for (unsigned lineno = 1; fgets(line, sizeof(line), f); lineno++) {
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *words[4] = {0}, *save = NULL;
        size_t nw = 0;
        for (char *w = strtok_r(line, " \t\r\n", &save); w; w = strtok_r(NULL, " \t\r\n", &save))
            if (nw < 4)
                words[nw++] = w;
            else
                nw = 5;
        if (nw == 0)
            continue;
        enum lr_profile profile = LR_JOB;
        if (nw < 2 || nw > 3 || (nw == 3 && parse_profile(words[2], &profile) != 0)) {
            rc = mp_error_set(err, MP_ERR_PARSE,
                              "%s:%u: expected 'IMAGE PROGRAM [job|service|train|serve|web-ui]'",
                              file, lineno);
            goto out;
        }
        if ((rc = add(m, words[0], words[1], profile, err)) != MP_OK)
            goto out;
    }
    if (ferror(f))
        rc = mp_error_set(err, MP_ERR_IO, "--image-map %s: read error", file);
out:
    fclose(f);
    return rc;
}

void lr_image_map_free(struct lr_image_map *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n; i++) {
        free(m->e[i].image);
        free(m->e[i].program);
    }
    free(m);
}

int lr_image_map_load(const char *file, struct lr_image_map **out, struct mp_error *err)
{
    struct lr_image_map *m = calloc(1, sizeof(*m));
    int rc = MP_OK;
    if (!m)
        return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++)
        if ((rc = add(m, builtin[i].image, builtin[i].program, builtin[i].profile, err)) != MP_OK)
            goto fail;
    if (file && *file && (rc = load_file(m, file, err)) != MP_OK)
        goto fail;
    *out = m;
    return MP_OK;
fail:
    lr_image_map_free(m);
    return rc;
}

/* The repository part of an image reference: without ":tag" and "@digest". */
static size_t repo_len(const char *image)
{
    size_t n = strcspn(image, "@");
    const char *slash = strrchr(image, '/');
    const char *colon = strrchr(image, ':');
    if (colon && (!slash || colon > slash) && (size_t)(colon - image) < n)
        n = (size_t)(colon - image);
    return n;
}

static char *find_program(const char *name, char *where, size_t size)
{
    char path[4096];
    if (name[0] == '/') {
        snprintf(where, size, "%s", name);
        return access(name, X_OK) == 0 ? strdup(name) : NULL;
    }
    const char *dirs = getenv("MNISTPIPE_LIBEXEC_PATH");
    if (!dirs || !*dirs)
        dirs = MP_LIBEXECDIR;
    snprintf(where, size, "%s", dirs);
    while (*dirs) {
        size_t len = strcspn(dirs, ":");
        if (len > 0 && snprintf(path, sizeof(path), "%.*s/%s", (int)len, dirs, name) <
                           (int)sizeof(path) &&
            access(path, X_OK) == 0)
            return strdup(path);
        dirs += len;
        if (*dirs == ':')
            dirs++;
    }
    return NULL;
}

int lr_image_map_resolve(const struct lr_image_map *m, const char *step, const char *image,
                         char **program, enum lr_profile *profile, struct mp_error *err)
{
    const struct lr_map_entry *hit = NULL;
    size_t rl = repo_len(image);
    for (size_t i = m->n; i-- > 0 && !hit;) /* later entries win */
        if (strcmp(m->e[i].image, image) == 0)
            hit = &m->e[i];
    for (size_t i = m->n; i-- > 0 && !hit;)
        if (strlen(m->e[i].image) == rl && strncmp(m->e[i].image, image, rl) == 0)
            hit = &m->e[i];
    if (!hit)
        return mp_error_set(err, MP_ERR_NOTFOUND,
                            "step '%s': image '%s' has no local program; map it with "
                            "--image-map FILE, a line 'IMAGE PROGRAM [job|service]' "
                            "(e.g. '%.*s /usr/bin/my-step job')",
                            step, image, (int)rl, image);
    if (strcmp(hit->program, "-") == 0) {
        if (!(*program = strdup("-")))
            return mp_error_set(err, MP_ERR_NOMEM, "out of memory");
        *profile = hit->profile;
        return MP_OK;
    }
    char where[4096];
    char *found = find_program(hit->program, where, sizeof(where));
    if (!found)
        return mp_error_set(err, MP_ERR_NOTFOUND,
                            "step '%s': image '%s' maps to the program '%s', which is not in %s "
                            "(install mnistpipe's MNIST programs, set MNISTPIPE_LIBEXEC_PATH, or "
                            "map the image with --image-map FILE)",
                            step, image, hit->program, where);
    *program = found;
    *profile = hit->profile;
    return MP_OK;
}
