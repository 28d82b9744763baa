/* SPDX-License-Identifier: MIT */
/* yaml_step_pod.c: the pipeline-file keys of a step's outputs and pod settings (outputs,
 * inputArtifacts, resources, retries, timeout, nodeSelector, tolerations, affinity, caching,
 * maxCacheStaleness, displayName, imagePullPolicy, sidecars, initContainers), the top-level
 * settings, and the check of {{steps.STEP.outputs.NAME}} placeholders. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "placeholder.h"
#include "quantity.h"
#include "yaml_load_int.h"

#define diag(...) mpi_yl_diag(__VA_ARGS__)
#define get(...) mpi_yl_get(__VA_ARGS__)
#define node(...) mpi_yl_node(__VA_ARGS__)
#define scalar(...) mpi_yl_scalar(__VA_ARGS__)
#define text(...) mpi_yl_text(__VA_ARGS__)
#define want(...) mpi_yl_want(__VA_ARGS__)
#define fine(...) mpi_yl_fine(__VA_ARGS__)
#define check_keys(...) mpi_yl_check_keys(__VA_ARGS__)

#define ANNOT_PREFIX "pipelines.kubeflow.org/"

static const char *const output_keys[] = {"name", "path", "kind", NULL};
static const char *const input_artifact_keys[] = {"from", "path", NULL};
static const char *const resource_keys[] = {"requests", "limits", "gpu", "gpuVendor", NULL};
static const char *const retry_keys[] = {"limit", "policy", "backoff", NULL};
static const char *const backoff_keys[] = {"duration", "factor", "maxDuration", NULL};
static const char *const toleration_keys[] = {"key", "operator", "value", "effect",
                                              "tolerationSeconds", NULL};

/* A plain (unquoted) scalar that is a whole number. */
static bool plain_integer(const yaml_node_t *n)
{
    if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    const char *s = (const char *)n->data.scalar.value;
    if (*s == '-' || *s == '+')
        s++;
    if (!*s)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

/* A whole number in [@min, @max] at @n; false (reported) otherwise. */
static bool integer(struct loader *ld, yaml_node_t *n, const char *what, long long min,
                    long long max, long long *out)
{
    const char *s = scalar(ld, n, what);
    if (!s)
        return false;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (!plain_integer(n) || errno || *end || v < min || v > max) {
        diag(ld, n, "a whole number", "%s must be a whole number from %lld to %lld, not '%s'",
             what, min, max, s);
        return false;
    }
    *out = v;
    return true;
}

static bool boolean(struct loader *ld, yaml_node_t *n, const char *what, bool *out)
{
    const char *s = scalar(ld, n, what);
    if (!s)
        return false;
    if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !strcmp(s, "true"))
        *out = true;
    else if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !strcmp(s, "false"))
        *out = false;
    else {
        diag(ld, n, "true or false", "%s must be true or false, not '%s'", what, s);
        return false;
    }
    return true;
}

/* ---- YAML to JSON, for Kubernetes objects kept as they are (affinity, containers) ---- */

static bool plain_number(const char *s)
{
    char *end;
    if (!*s)
        return false;
    errno = 0;
    (void)strtod(s, &end);
    return !*end && !errno && strspn(s, "+-0123456789.eE") == strlen(s) && strpbrk(s, "0123456789");
}

/* Write @n as JSON: plain scalars that read as YAML numbers, booleans or null keep their
 * type; everything else is a string. Keys must be strings. */
#define to_json mpi_yl_to_json
void mpi_yl_to_json(struct loader *ld, yaml_node_t *n, struct mp_buf *out)
{
    switch (n->type) {
    case YAML_MAPPING_NODE:
        check_keys(ld, n, NULL, NULL, "a mapping"); /* duplicates */
        mp_buf_putc(out, '{');
        for (yaml_node_pair_t *a = n->data.mapping.pairs.start; a < n->data.mapping.pairs.top;
             a++) {
            const char *k = scalar(ld, node(ld, a->key), "a key");
            if (a != n->data.mapping.pairs.start)
                mp_buf_puts(out, ", ");
            mp_json_quote(out, k ? k : "");
            mp_buf_puts(out, ": ");
            to_json(ld, node(ld, a->value), out);
        }
        mp_buf_putc(out, '}');
        break;
    case YAML_SEQUENCE_NODE:
        mp_buf_putc(out, '[');
        for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top;
             i++) {
            if (i != n->data.sequence.items.start)
                mp_buf_puts(out, ", ");
            to_json(ld, node(ld, *i), out);
        }
        mp_buf_putc(out, ']');
        break;
    case YAML_SCALAR_NODE: {
        const char *s = text(ld, n, "a value");
        if (!s)
            s = "";
        if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
            if (mpi_yl_is_null(n)) {
                mp_buf_puts(out, "null");
                break;
            }
            if (!strcmp(s, "true") || !strcmp(s, "false") || plain_number(s)) {
                mp_buf_puts(out, s);
                break;
            }
        }
        mp_json_quote(out, s);
        break;
    }
    default: mp_buf_puts(out, "null"); break;
    }
}

/* @n (a mapping) as JSON text given to @set. */
static void json_object(struct loader *ld, struct step *st, yaml_node_t *n, const char *what,
                        int (*set)(struct mp_op *, const char *, struct mp_error *))
{
    if (!want(ld, n, YAML_MAPPING_NODE, what))
        return;
    struct mp_buf b;
    mpi_buf_init(&b);
    to_json(ld, n, &b);
    if (mp_buf_error(&b))
        ld->nomem = 1;
    else if (st->op)
        fine(ld, set(st->op, mp_buf_data(&b), ld->err), n);
    mpi_buf_release(&b);
}

static int add_sidecar(struct mp_op *op, const char *json, struct mp_error *err)
{
    return mp_op_add_container(op, MP_CONTAINER_SIDECAR, json, err);
}

static int add_init(struct mp_op *op, const char *json, struct mp_error *err)
{
    return mp_op_add_container(op, MP_CONTAINER_INIT, json, err);
}

static void containers(struct loader *ld, struct step *st, yaml_node_t *n, const char *what,
                       int (*add)(struct mp_op *, const char *, struct mp_error *))
{
    if (!want(ld, n, YAML_SEQUENCE_NODE, what))
        return;
    for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top; i++) {
        yaml_node_t *c = node(ld, *i);
        if (c->type == YAML_MAPPING_NODE && (!get(ld, c, "name") || !get(ld, c, "image"))) {
            diag(ld, c, "{name: NAME, image: IMAGE, ...}", "%s: a container needs name and "
                 "image", what);
            continue;
        }
        json_object(ld, st, c, what, add);
    }
}

/* ---- outputs and input artifacts ---- */

static void outputs(struct loader *ld, struct step *st, yaml_node_t *n)
{
    if (!want(ld, n, YAML_SEQUENCE_NODE, "outputs"))
        return;
    for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top; i++) {
        yaml_node_t *o = node(ld, *i);
        if (!want(ld, o, YAML_MAPPING_NODE, "an output"))
            continue;
        check_keys(ld, o, output_keys, NULL, "output");
        yaml_node_t *nn = get(ld, o, "name"), *pn = get(ld, o, "path"), *kn = get(ld, o, "kind");
        const char *name = nn ? scalar(ld, nn, "output name") : NULL;
        const char *path = pn ? scalar(ld, pn, "output path") : NULL;
        const char *kind = kn ? scalar(ld, kn, "output kind") : "parameter";
        if (!nn || !pn) {
            diag(ld, o, "{name: NAME, path: /PATH}", "an output needs name and path");
            continue;
        }
        enum mp_output_kind k = 0;
        if (kind && !strcmp(kind, "parameter"))
            k = MP_OUTPUT_PARAMETER;
        else if (kind && !strcmp(kind, "artifact"))
            k = MP_OUTPUT_ARTIFACT;
        else if (kind)
            diag(ld, kn, "parameter or artifact", "output kind must be parameter or artifact, "
                 "not '%s'", kind);
        if (name && path && k && st->op)
            fine(ld, mp_op_add_output(st->op, name, path, k, ld->err), nn);
    }
}

static void input_artifacts(struct loader *ld, struct step *st, yaml_node_t *n)
{
    if (!want(ld, n, YAML_SEQUENCE_NODE, "inputArtifacts"))
        return;
    for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top; i++) {
        yaml_node_t *a = node(ld, *i);
        if (!want(ld, a, YAML_MAPPING_NODE, "an input artifact"))
            continue;
        check_keys(ld, a, input_artifact_keys, NULL, "inputArtifacts");
        yaml_node_t *fn = get(ld, a, "from"), *pn = get(ld, a, "path");
        if (!fn || !pn) {
            diag(ld, a, "{from: '{{steps.STEP.outputs.NAME}}', path: /PATH}",
                 "an input artifact needs from and path");
            continue;
        }
        const char *from = scalar(ld, fn, "from"), *path = scalar(ld, pn, "path");
        size_t start, end, slen, nlen;
        const char *step, *name;
        if (!from || !path)
            continue;
        if (!mpi_output_ref_next(from, 0, &start, &end, &step, &slen, &name, &nlen) ||
            start != 0 || from[end] != '\0') {
            diag(ld, fn, "{{steps.STEP.outputs.NAME}}", "from must be one output placeholder "
                 "{{steps.STEP.outputs.NAME}}, not '%s'", from);
            continue;
        }
        char sbuf[130], obuf[130];
        if (slen >= sizeof(sbuf) || nlen >= sizeof(obuf)) {
            diag(ld, fn, NULL, "step or output name too long in '%s'", from);
            continue;
        }
        mpi_yl_note_output_use(ld, from, L(fn), C(fn) + (fn->data.scalar.style !=
                                                         YAML_PLAIN_SCALAR_STYLE),
                               "inputArtifacts", true);
        memcpy(sbuf, step, slen);
        sbuf[slen] = '\0';
        memcpy(obuf, name, nlen);
        obuf[nlen] = '\0';
        if (st->op)
            fine(ld, mp_op_add_input_artifact(st->op, sbuf, obuf, path, ld->err), fn);
    }
}

/* ---- resources ---- */

static void resource_map(struct loader *ld, struct step *st, yaml_node_t *n,
                         enum mp_resource_bound bound, const char *what)
{
    if (!want(ld, n, YAML_MAPPING_NODE, what))
        return;
    check_keys(ld, n, NULL, NULL, what);
    for (yaml_node_pair_t *a = n->data.mapping.pairs.start; a < n->data.mapping.pairs.top; a++) {
        yaml_node_t *kn = node(ld, a->key), *vn = node(ld, a->value);
        const char *k = scalar(ld, kn, what), *v = text(ld, vn, what);
        if (!k || !v)
            continue;
        if (!mp_quantity_valid(v)) {
            diag(ld, vn, "a Kubernetes quantity such as 500m, 1.5, 2Gi",
                 "%s: %s '%s' is not a valid quantity", what, k, v);
            continue;
        }
        if (st->op)
            fine(ld, mp_op_set_resource(st->op, bound, k, v, plain_integer(vn), ld->err), kn);
    }
}

static void resources(struct loader *ld, struct step *st, yaml_node_t *n)
{
    if (!want(ld, n, YAML_MAPPING_NODE, "resources"))
        return;
    check_keys(ld, n, resource_keys, NULL, "resources");
    yaml_node_t *x;
    if ((x = get(ld, n, "requests")))
        resource_map(ld, st, x, MP_RESOURCE_REQUEST, "requests");
    if ((x = get(ld, n, "limits")))
        resource_map(ld, st, x, MP_RESOURCE_LIMIT, "limits");
    yaml_node_t *gn = get(ld, n, "gpu"), *vn = get(ld, n, "gpuVendor");
    const char *vendor = vn ? scalar(ld, vn, "gpuVendor") : "nvidia";
    if (vn && !gn)
        diag(ld, vn, "gpu: COUNT", "gpuVendor without gpu");
    if (vendor && strcmp(vendor, "nvidia") && strcmp(vendor, "amd")) {
        diag(ld, vn, "nvidia or amd", "gpuVendor must be nvidia or amd, not '%s'", vendor);
        vendor = NULL;
    }
    if (gn && vendor) {
        const char *count = text(ld, gn, "gpu");
        char res[32];
        snprintf(res, sizeof(res), "%s.com/gpu", vendor);
        if (count && (!mp_quantity_valid(count) || (!strstr(count, "{{") &&
                                                    strspn(count, "0123456789") != strlen(count))))
            diag(ld, gn, "a whole number of GPUs", "gpu must be a whole number, not '%s'", count);
        else if (count && st->op)
            fine(ld, mp_op_set_resource(st->op, MP_RESOURCE_LIMIT, res, count, plain_integer(gn),
                                        ld->err), gn);
    }
}

/* ---- scheduling, retries, the rest ---- */

static void tolerations(struct loader *ld, struct step *st, yaml_node_t *n)
{
    if (!want(ld, n, YAML_SEQUENCE_NODE, "tolerations"))
        return;
    for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top; i++) {
        yaml_node_t *t = node(ld, *i);
        if (!want(ld, t, YAML_MAPPING_NODE, "a toleration"))
            continue;
        check_keys(ld, t, toleration_keys, NULL, "toleration");
        yaml_node_t *x;
        const char *f[4] = {NULL, NULL, NULL, NULL};
        static const char *const names[4] = {"key", "operator", "value", "effect"};
        bool ok = true;
        for (int k = 0; k < 4; k++)
            if ((x = get(ld, t, names[k])) && !(f[k] = k == 2 ? text(ld, x, names[k])
                                                               : scalar(ld, x, names[k])))
                ok = false;
        long long secs = -1;
        if ((x = get(ld, t, "tolerationSeconds")) &&
            !integer(ld, x, "tolerationSeconds", 0, 1LL << 40, &secs))
            ok = false;
        if (ok && st->op)
            fine(ld, mp_op_add_toleration(st->op, f[0], f[1], f[2], f[3], secs, ld->err), t);
    }
}

static void retries(struct loader *ld, struct step *st, yaml_node_t *n)
{
    long long limit = 0, factor = 0;
    const char *policy = NULL, *dur = NULL, *max = NULL;
    yaml_node_t *x, *at = n;
    if (n->type == YAML_SCALAR_NODE) {
        if (!integer(ld, n, "retries", 0, 1000000, &limit))
            return;
    } else {
        if (!want(ld, n, YAML_MAPPING_NODE, "retries"))
            return;
        check_keys(ld, n, retry_keys, NULL, "retries");
        if (!(x = get(ld, n, "limit"))) {
            diag(ld, n, "limit: COUNT", "retries needs a limit");
            return;
        }
        if (!integer(ld, x, "retries limit", 0, 1000000, &limit))
            return;
        if ((x = get(ld, n, "policy")) && !(policy = scalar(ld, x, "retry policy")))
            return;
        if ((x = get(ld, n, "backoff"))) {
            if (!want(ld, x, YAML_MAPPING_NODE, "backoff"))
                return;
            check_keys(ld, x, backoff_keys, NULL, "backoff");
            yaml_node_t *y;
            at = x;
            if ((y = get(ld, x, "duration")) && !(dur = scalar(ld, y, "backoff duration")))
                return;
            if ((y = get(ld, x, "factor")) && !integer(ld, y, "backoff factor", 1, 1000, &factor))
                return;
            if ((y = get(ld, x, "maxDuration")) && !(max = scalar(ld, y, "backoff maxDuration")))
                return;
        }
    }
    if (st->op)
        fine(ld, mp_op_set_retry(st->op, (unsigned)limit, policy, dur, (unsigned)factor, max,
                                 ld->err), at);
}

static void kv(struct loader *ld, yaml_node_t *n, const char *what, struct mp_op *op,
               struct mp_pipeline *p)
{
    if (!want(ld, n, YAML_MAPPING_NODE, what))
        return;
    check_keys(ld, n, NULL, NULL, what);
    for (yaml_node_pair_t *a = n->data.mapping.pairs.start; a < n->data.mapping.pairs.top; a++) {
        const char *k = scalar(ld, node(ld, a->key), what);
        const char *v = op ? text(ld, node(ld, a->value), what)
                           : scalar(ld, node(ld, a->value), what);
        if (k && v && op)
            fine(ld, mp_op_set_node_selector(op, k, v, ld->err), node(ld, a->key));
        else if (k && v && p)
            fine(ld, mp_pipeline_set_node_selector(p, k, v, ld->err), node(ld, a->key));
    }
}

void mpi_yl_step_pod(struct loader *ld, struct step *st)
{
    yaml_node_t *m = st->node, *x;
    long long secs;
    bool on;
    const char *s;
    if ((x = get(ld, m, "outputs")))
        outputs(ld, st, x);
    if ((x = get(ld, m, "inputArtifacts")))
        input_artifacts(ld, st, x);
    if ((x = get(ld, m, "resources")))
        resources(ld, st, x);
    if ((x = get(ld, m, "retries")))
        retries(ld, st, x);
    if ((x = get(ld, m, "timeout")) && integer(ld, x, "timeout (seconds)", 0, 1LL << 40, &secs) &&
        st->op)
        fine(ld, mp_op_set_timeout(st->op, secs, ld->err), x);
    if ((x = get(ld, m, "nodeSelector")))
        kv(ld, x, "nodeSelector", st->op, NULL);
    if ((x = get(ld, m, "tolerations")))
        tolerations(ld, st, x);
    if ((x = get(ld, m, "affinity")))
        json_object(ld, st, x, "affinity", mp_op_set_affinity);
    if ((x = get(ld, m, "caching")) && boolean(ld, x, "caching", &on) && st->op)
        fine(ld, mp_op_set_label(st->op, ANNOT_PREFIX "enable_caching", on ? "true" : "false",
                                 ld->err), x);
    if ((x = get(ld, m, "maxCacheStaleness")) && (s = scalar(ld, x, "maxCacheStaleness")) &&
        st->op)
        fine(ld, mp_op_set_annotation(st->op, ANNOT_PREFIX "max_cache_staleness", s, ld->err), x);
    if ((x = get(ld, m, "displayName")) && (s = scalar(ld, x, "displayName")) && st->op)
        fine(ld, mp_op_set_annotation(st->op, ANNOT_PREFIX "task_display_name", s, ld->err), x);
    if ((x = get(ld, m, "imagePullPolicy")) && (s = scalar(ld, x, "imagePullPolicy")) && st->op)
        fine(ld, mp_op_set_image_pull_policy(st->op, s, ld->err), x);
    if ((x = get(ld, m, "sidecars")))
        containers(ld, st, x, "sidecars", add_sidecar);
    if ((x = get(ld, m, "initContainers")))
        containers(ld, st, x, "initContainers", add_init);
}

/* ---- pipeline settings ---- */

void mpi_yl_settings(struct loader *ld, yaml_node_t *root)
{
    struct mp_pipeline *p = ld->p;
    yaml_node_t *x;
    long long v;
    const char *s;
    if ((x = get(ld, root, "imagePullSecrets")) && want(ld, x, YAML_SEQUENCE_NODE,
                                                         "imagePullSecrets"))
        for (yaml_node_item_t *i = x->data.sequence.items.start; i < x->data.sequence.items.top;
             i++)
            if ((s = scalar(ld, node(ld, *i), "an image pull secret name")))
                fine(ld, mp_pipeline_add_image_pull_secret(p, s, ld->err), node(ld, *i));
    if ((x = get(ld, root, "serviceAccount")) && (s = scalar(ld, x, "serviceAccount")))
        fine(ld, mp_pipeline_set_service_account(p, s, ld->err), x);
    if ((x = get(ld, root, "ttlSecondsAfterFinished")) &&
        integer(ld, x, "ttlSecondsAfterFinished", 0, 1LL << 40, &v))
        fine(ld, mp_pipeline_set_ttl(p, v, ld->err), x);
    if ((x = get(ld, root, "parallelism")) && integer(ld, x, "parallelism", 1, 1000000, &v))
        fine(ld, mp_pipeline_set_parallelism(p, v, ld->err), x);
    if ((x = get(ld, root, "timeout")) && integer(ld, x, "timeout (seconds)", 0, 1LL << 40, &v))
        fine(ld, mp_pipeline_set_timeout(p, v, ld->err), x);
    if ((x = get(ld, root, "nodeSelector")))
        kv(ld, x, "nodeSelector", NULL, p);
    if ((x = get(ld, root, "imagePullPolicy")) && (s = scalar(ld, x, "imagePullPolicy")))
        fine(ld, mp_pipeline_set_image_pull_policy(p, s, ld->err), x);
}

/* ---- output placeholders ---- */

/* True when every parallelFor around @made (a producer's group) is also around @in. */
static bool loops_enclose(const struct mp_group *made, const struct mp_group *in)
{
    for (const struct mp_group *g = made; g; g = mp_group_parent(g)) {
        if (mp_group_kind(g) != MP_GROUP_LOOP)
            continue;
        const struct mp_group *h = in;
        while (h && h != g)
            h = mp_group_parent(h);
        if (!h)
            return false;
    }
    return true;
}

void mpi_yl_check_output_uses(struct loader *ld)
{
    const char **names = calloc(ld->nsteps + 1, sizeof(*names));
    if (!names) {
        ld->nomem = 1;
        return;
    }
    size_t n = 0;
    for (size_t i = 0; i < ld->nsteps; i++)
        if (ld->steps[i].name)
            names[n++] = ld->steps[i].name;
    for (size_t i = 0; i < ld->nuses; i++) {
        const struct output_use *u = &ld->uses[i];
        const struct mp_op *op = NULL;
        for (size_t k = 0; k < ld->nsteps && !op; k++)
            if (ld->steps[k].name && !strcmp(ld->steps[k].name, u->step))
                op = ld->steps[k].op;
        bool known = false;
        for (size_t k = 0; k < n && !known; k++)
            known = !strcmp(names[k], u->step);
        if (!known) {
            const char *best = mpi_suggest(u->step, names);
            mpi_diag_add(ld->d, MP_DIAG_ERROR, u->line, u->col, "the name of a step of this "
                         "pipeline", "%s refers to {{steps.%s.outputs.%s}}, but the pipeline has "
                         "no step '%s'%s%s%s", u->what, u->step, u->output, u->step,
                         best ? "; did you mean '" : "", best ? best : "", best ? "'?" : "");
            continue;
        }
        if (!op)
            continue; /* the step itself is broken: reported there */
        size_t k;
        if (mp_op_find_output(op, u->output, &k, NULL) != MP_OK) {
            size_t no = mp_op_output_count(op);
            const char **outs = calloc(no + 1, sizeof(*outs));
            if (!outs) {
                ld->nomem = 1;
                break;
            }
            for (size_t j = 0; j < no; j++)
                outs[j] = mp_op_output_name(op, j);
            const char *best = mpi_suggest(u->output, outs);
            mpi_diag_add(ld->d, MP_DIAG_ERROR, u->line, u->col, "an output the step declares "
                         "under 'outputs'", "%s refers to {{steps.%s.outputs.%s}}, but step "
                         "'%s' has no output '%s'%s%s%s", u->what, u->step, u->output, u->step,
                         u->output, best ? "; did you mean '" : "", best ? best : "",
                         best ? "'?" : "");
            free(outs);
        } else if (!u->artifact && mp_op_output_kind(op, k) == MP_OUTPUT_ARTIFACT) {
            mpi_diag_add(ld->d, MP_DIAG_ERROR, u->line, u->col, "inputArtifacts: [{from, path}]",
                         "%s refers to {{steps.%s.outputs.%s}}, an artifact: a step reads it "
                         "as a file with inputArtifacts", u->what, u->step, u->output);
        } else if (u->artifact && !loops_enclose(mp_op_group(op), u->group)) {
            mpi_diag_add(ld->d, MP_DIAG_ERROR, u->line, u->col, "a step in the same parallelFor",
                         "%s takes the file {{steps.%s.outputs.%s}} of a step in a parallelFor "
                         "that is not around it: after a loop, Argo gathers its steps' "
                         "parameter outputs into a list, never their artifacts", u->what,
                         u->step, u->output);
        }
    }
    free(names);
}
