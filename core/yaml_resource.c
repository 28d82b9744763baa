/* SPDX-License-Identifier: MIT */
/* yaml_resource.c: steps that are Kubernetes resources instead of containers: `resourceOp`
 * (kfp dsl.ResourceOp), `volumeOp` (dsl.VolumeOp, a PersistentVolumeClaim) and
 * `volumeSnapshotOp` (dsl.VolumeSnapshotOp), each built as kfp 1.8 builds its manifest. */
#include "config.h"

#include <string.h>

#include "placeholder.h"
#include "workflow.h"
#include "yaml_load_int.h"

#define diag mpi_yl_diag
#define get mpi_yl_get
#define node mpi_yl_node
#define scalar mpi_yl_scalar
#define text mpi_yl_text
#define want mpi_yl_want

static const char *const kinds[] = {"resourceOp", "volumeOp", "volumeSnapshotOp", NULL};
static const char *const resource_keys[] = {"action", "manifest", "successCondition",
                                            "failureCondition", "setOwnerReference",
                                            "mergeStrategy", "flags", "attributeOutputs", NULL};
static const char *const volume_keys[] = {"resourceName", "size", "storageClass", "modes",
                                          "annotations", "dataSource", "volumeName",
                                          "generateUniqueName", "successCondition",
                                          "failureCondition", "setOwnerReference", NULL};
static const char *const snapshot_keys[] = {"resourceName", "pvc", "snapshotClass",
                                            "annotations", "apiVersion", "successCondition",
                                            "failureCondition", "setOwnerReference", NULL};
static const char *const actions[] = {"create", "apply", "delete", "patch", "replace", "get",
                                      NULL};
static const char *const strategies[] = {"strategic", "merge", "json", NULL};
static const char *const access_modes[] = {"ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany",
                                           "ReadWriteOncePod", NULL};
static const char *const data_source_keys[] = {"apiGroup", "kind", "name", NULL};
/* Keys of a container step that a resource step has no use for. */
static const char *const container_only[] = {
    "image", "command", "args", "variants", "component", "arguments", "env", "volumes",
    "volumeMounts", "outputs", "inputArtifacts", "resources", "imagePullPolicy", "sidecars",
    "initContainers", NULL};

static bool one_of(const char *s, const char *const *list)
{
    for (; s && *list; list++)
        if (!strcmp(s, *list))
            return true;
    return false;
}

/* Report @s at @n when it is not in @list, suggesting the nearest; true when it is. */
static bool choice(struct loader *ld, yaml_node_t *n, const char *s, const char *const *list,
                   const char *what, const char *expected)
{
    if (one_of(s, list))
        return true;
    const char *best = mpi_suggest(s, list);
    diag(ld, n, expected, "%s '%s' is not one of %s%s%s%s", what, s, expected,
         best ? "; did you mean '" : "", best ? best : "", best ? "'?" : "");
    return false;
}

/* kfp's memory-string check of a VolumeOp size: digits, then an optional E, P, T, G, M or K
 * suffix, optionally followed by i. */
static bool size_valid(const char *s)
{
    size_t d = strspn(s, "0123456789");
    if (!d)
        return false;
    s += d;
    if (!*s)
        return true;
    if (!strchr("EPTGMK", *s))
        return false;
    s += 1 + (s[1] == 'i');
    return !*s;
}

/* A scalar that may hold placeholders, as JSON. */
static void json_str(struct mp_buf *out, const char *key, const char *s)
{
    mp_buf_putc(out, '"');
    mp_buf_puts(out, key);
    mp_buf_puts(out, "\": ");
    mp_json_quote(out, s);
}

/* A mapping of strings (annotations), as JSON, after ", ". */
static void json_string_map(struct loader *ld, struct mp_buf *out, const char *key,
                            yaml_node_t *n)
{
    if (!n || mpi_yl_is_null(n) || !want(ld, n, YAML_MAPPING_NODE, key))
        return;
    mp_buf_printf(out, ", \"%s\": {", key);
    mpi_yl_check_keys(ld, n, NULL, NULL, key);
    for (yaml_node_pair_t *a = n->data.mapping.pairs.start; a < n->data.mapping.pairs.top; a++) {
        const char *k = scalar(ld, node(ld, a->key), key);
        const char *v = text(ld, node(ld, a->value), key);
        if (a != n->data.mapping.pairs.start)
            mp_buf_puts(out, ", ");
        json_str(out, k ? k : "", v ? v : "");
    }
    mp_buf_putc(out, '}');
}

/* kfp's "{{workflow.name}}-NAME" (@unique) or NAME, from @s given at @n: a plain name is
 * sanitized as a Kubernetes name, one with placeholders kept. */
static void object_name(struct loader *ld, struct mp_buf *out, yaml_node_t *n, const char *s,
                        bool unique, const char *what)
{
    char clean[254];
    if (!s)
        s = "";
    else if (!strstr(s, "{{") && !mpi_k8s_name(s, clean, sizeof(clean)))
        diag(ld, n, "letters or digits", "%s '%s' gives no valid Kubernetes name", what, s);
    else if (!strstr(s, "{{"))
        s = clean;
    mp_buf_puts(out, "\"name\": ");
    if (unique) {
        struct mp_buf tmp;
        mpi_buf_init(&tmp);
        mp_buf_printf(&tmp, "{{workflow.name}}-%s", s);
        mp_json_quote(out, mp_buf_data(&tmp));
        if (mp_buf_error(&tmp))
            ld->nomem = 1;
        mpi_buf_release(&tmp);
    } else {
        mp_json_quote(out, s);
    }
}

static const char *required(struct loader *ld, yaml_node_t *m, const char *key,
                            const char *kind, const char *expected, yaml_node_t **out)
{
    yaml_node_t *n = get(ld, m, key);
    *out = n;
    if (!n || mpi_yl_is_null(n)) {
        diag(ld, n ? n : m, expected, "%s needs %s", kind, key);
        return NULL;
    }
    return text(ld, n, key);
}

/* dsl.VolumeOp: a PersistentVolumeClaim. */
static void volume_manifest(struct loader *ld, yaml_node_t *m, struct mp_buf *out)
{
    yaml_node_t *rn, *sn, *x;
    const char *rname = required(ld, m, "resourceName", "volumeOp", "resourceName: NAME", &rn);
    const char *size = required(ld, m, "size", "volumeOp", "size: 1Gi", &sn);
    if (size && !strstr(size, "{{") && !size_valid(size))
        diag(ld, sn, "an integer, optionally followed by E, Ei, P, Pi, T, Ti, G, Gi, M, Mi, K "
             "or Ki", "volumeOp size '%s' is not a valid size", size);
    bool unique = true;
    if ((x = get(ld, m, "generateUniqueName"))) {
        const char *u = scalar(ld, x, "generateUniqueName");
        if (u && (!strcmp(u, "false") || !strcmp(u, "true")))
            unique = !strcmp(u, "true");
        else if (u)
            diag(ld, x, "true or false", "generateUniqueName must be true or false, not '%s'",
                 u);
    }
    mp_buf_puts(out, "{\"apiVersion\": \"v1\", \"kind\": \"PersistentVolumeClaim\", "
                     "\"metadata\": {");
    object_name(ld, out, rn, rname, unique, "volumeOp resourceName");
    json_string_map(ld, out, "annotations", get(ld, m, "annotations"));
    mp_buf_puts(out, "}, \"spec\": {\"accessModes\": [");
    yaml_node_t *modes = get(ld, m, "modes");
    if (!modes || mpi_yl_is_null(modes)) {
        mp_buf_puts(out, "\"ReadWriteMany\"");
    } else if (want(ld, modes, YAML_SEQUENCE_NODE, "modes")) {
        if (modes->data.sequence.items.top == modes->data.sequence.items.start)
            diag(ld, modes, "at least one access mode", "volumeOp modes is empty");
        for (yaml_node_item_t *i = modes->data.sequence.items.start;
             i < modes->data.sequence.items.top; i++) {
            yaml_node_t *mn = node(ld, *i);
            const char *mode = scalar(ld, mn, "an access mode");
            if (mode)
                choice(ld, mn, mode, access_modes, "volumeOp access mode",
                       "ReadWriteOnce, ReadOnlyMany, ReadWriteMany or ReadWriteOncePod");
            if (i != modes->data.sequence.items.start)
                mp_buf_puts(out, ", ");
            mp_json_quote(out, mode ? mode : "");
        }
    }
    mp_buf_putc(out, ']');
    if ((x = get(ld, m, "dataSource")) && !mpi_yl_is_null(x)) {
        mp_buf_puts(out, ", \"dataSource\": ");
        if (x->type == YAML_MAPPING_NODE) {
            /* a TypedLocalObjectReference, written as it is */
            mpi_yl_check_keys(ld, x, data_source_keys, NULL, "dataSource");
            if (!get(ld, x, "kind") || !get(ld, x, "name"))
                diag(ld, x, "{kind: KIND, name: NAME}", "dataSource needs kind and name");
            mp_buf_putc(out, '{');
            for (const char *const *k = data_source_keys; *k; k++) {
                yaml_node_t *v = get(ld, x, *k);
                const char *vs = v ? text(ld, v, *k) : NULL;
                if (!vs)
                    continue;
                if (mp_buf_data(out)[mp_buf_len(out) - 1] != '{')
                    mp_buf_puts(out, ", ");
                json_str(out, *k, vs);
            }
            mp_buf_putc(out, '}');
        } else {
            const char *snap = text(ld, x, "dataSource");
            mp_buf_puts(out, "{\"apiGroup\": \"snapshot.storage.k8s.io\", "
                             "\"kind\": \"VolumeSnapshot\", ");
            json_str(out, "name", snap ? snap : "");
            mp_buf_putc(out, '}');
        }
    }
    mp_buf_puts(out, ", \"resources\": {\"requests\": {");
    json_str(out, "storage", size ? size : "");
    mp_buf_puts(out, "}}");
    const char *s;
    if ((x = get(ld, m, "storageClass")) && (s = text(ld, x, "storageClass"))) {
        mp_buf_puts(out, ", ");
        json_str(out, "storageClassName", s);
    }
    if ((x = get(ld, m, "volumeName")) && (s = text(ld, x, "volumeName"))) {
        mp_buf_puts(out, ", ");
        json_str(out, "volumeName", s);
    }
    mp_buf_puts(out, "}}");
}

/* dsl.VolumeSnapshotOp: a VolumeSnapshot of a claim. */
static void snapshot_manifest(struct loader *ld, yaml_node_t *m, struct mp_buf *out)
{
    yaml_node_t *rn, *pn, *x;
    const char *rname = required(ld, m, "resourceName", "volumeSnapshotOp",
                                 "resourceName: NAME", &rn);
    const char *pvc = required(ld, m, "pvc", "volumeSnapshotOp",
                               "pvc: CLAIM or \"{{steps.STEP.outputs.name}}\"", &pn);
    const char *api = "snapshot.storage.k8s.io/v1alpha1";
    if ((x = get(ld, m, "apiVersion")) && !(api = scalar(ld, x, "apiVersion")))
        api = "";
    mp_buf_putc(out, '{');
    json_str(out, "apiVersion", api);
    mp_buf_puts(out, ", \"kind\": \"VolumeSnapshot\", \"metadata\": {");
    object_name(ld, out, rn, rname, true, "volumeSnapshotOp resourceName");
    json_string_map(ld, out, "annotations", get(ld, m, "annotations"));
    mp_buf_puts(out, "}, \"spec\": {\"source\": {\"kind\": \"PersistentVolumeClaim\", ");
    json_str(out, "name", pvc ? pvc : "");
    mp_buf_putc(out, '}');
    const char *s;
    if ((x = get(ld, m, "snapshotClass")) && (s = text(ld, x, "snapshotClass"))) {
        mp_buf_puts(out, ", ");
        json_str(out, "snapshotClassName", s);
    }
    mp_buf_puts(out, "}}");
}

/* dsl.ResourceOp: any manifest. */
static void resource_manifest(struct loader *ld, yaml_node_t *m, struct mp_buf *out)
{
    yaml_node_t *mn = get(ld, m, "manifest");
    if (!mn || mpi_yl_is_null(mn)) {
        diag(ld, mn ? mn : m, "manifest: {apiVersion: ..., kind: ..., metadata: ...}",
             "resourceOp needs a manifest");
        return;
    }
    if (!want(ld, mn, YAML_MAPPING_NODE, "manifest"))
        return;
    for (const char *const *k = (const char *const[]){"apiVersion", "kind", NULL}; *k; k++) {
        yaml_node_t *v = get(ld, mn, *k);
        if (!v)
            diag(ld, mn, "a Kubernetes object with apiVersion and kind", "resourceOp manifest "
                 "has no %s", *k);
        else
            scalar(ld, v, *k); /* reports anything but a string */
    }
    mpi_yl_to_json(ld, mn, out);
}

static void conditions(struct loader *ld, struct step *st, yaml_node_t *m,
                       const char *dflt_success)
{
    yaml_node_t *sn = get(ld, m, "successCondition"), *fn = get(ld, m, "failureCondition");
    const char *s = sn ? text(ld, sn, "successCondition") : dflt_success;
    const char *f = fn ? text(ld, fn, "failureCondition") : NULL;
    if (st->op && (s || f))
        mpi_yl_fine(ld, mp_op_set_resource_conditions(st->op, s, f, ld->err), sn ? sn : m);
    yaml_node_t *on = get(ld, m, "setOwnerReference");
    const char *o = on ? scalar(ld, on, "setOwnerReference") : NULL;
    if (o && strcmp(o, "true") && strcmp(o, "false"))
        diag(ld, on, "true or false", "setOwnerReference must be true or false, not '%s'", o);
    else if (o && st->op)
        mpi_yl_fine(ld, mp_op_set_resource_owner_reference(st->op, !strcmp(o, "true"), ld->err),
                    on);
}

static void resource_extras(struct loader *ld, struct step *st, yaml_node_t *m,
                            const char *action)
{
    bool del = action && !strcmp(action, "delete");
    yaml_node_t *x;
    if (del)
        for (const char *const *k = (const char *const[]){"successCondition",
                                                           "failureCondition",
                                                           "attributeOutputs", NULL};
             *k; k++)
            if ((x = get(ld, m, *k)))
                diag(ld, x, "no conditions or outputs with action: delete", "resourceOp: '%s' "
                     "does not go with action delete", *k);
    if ((x = get(ld, m, "mergeStrategy"))) {
        const char *s = scalar(ld, x, "mergeStrategy");
        if (s && action && strcmp(action, "apply") != 0)
            diag(ld, x, "action: apply", "resourceOp: mergeStrategy is for action apply, not "
                 "%s", action);
        else if (s && choice(ld, x, s, strategies, "mergeStrategy", "strategic, merge or json") &&
                 st->op)
            mpi_yl_fine(ld, mp_op_set_resource_merge_strategy(st->op, s, ld->err), x);
    }
    yaml_node_t *fl = get(ld, m, "flags");
    if (fl && want(ld, fl, YAML_SEQUENCE_NODE, "flags")) {
        for (yaml_node_item_t *i = fl->data.sequence.items.start; i < fl->data.sequence.items.top;
             i++) {
            yaml_node_t *f = node(ld, *i);
            const char *s = text(ld, f, "a flag");
            if (s && st->op)
                mpi_yl_fine(ld, mp_op_add_resource_flag(st->op, s, ld->err), f);
        }
    } else if (!fl && del && st->op) {
        /* kfp deletes without waiting unless told otherwise */
        mpi_yl_fine(ld, mp_op_add_resource_flag(st->op, "--wait=false", ld->err), m);
    }
    yaml_node_t *ao = get(ld, m, "attributeOutputs");
    if (ao && !del && want(ld, ao, YAML_MAPPING_NODE, "attributeOutputs")) {
        mpi_yl_check_keys(ld, ao, NULL, NULL, "attributeOutputs");
        for (yaml_node_pair_t *a = ao->data.mapping.pairs.start; a < ao->data.mapping.pairs.top;
             a++) {
            yaml_node_t *k = node(ld, a->key), *v = node(ld, a->value);
            const char *name = scalar(ld, k, "an output name");
            const char *path = scalar(ld, v, "a JSON path");
            if (name && !mpi_param_name_valid(name))
                diag(ld, k, "letters, digits, '_' and '-', starting with a letter or '_'",
                     "attributeOutputs: output name '%s' is not valid", name);
            else if (path && (strlen(path) < 2 || path[0] != '{' ||
                              path[strlen(path) - 1] != '}'))
                diag(ld, v, "a JSON path in braces, e.g. {.status.phase}",
                     "attributeOutputs: '%s' is not a JSON path", path);
            else if (name && path && st->op)
                mpi_yl_fine(ld, mp_op_add_resource_output(st->op, name, path, ld->err), k);
        }
    }
}

static void default_output(struct loader *ld, struct step *st, yaml_node_t *at,
                           const char *name, const char *path)
{
    size_t k;
    if (mp_op_find_output(st->op, name, &k, NULL) != MP_OK)
        mpi_yl_fine(ld, mp_op_add_resource_output(st->op, name, path, ld->err), at);
}

bool mpi_yl_resource_step(struct loader *ld, struct step *st, yaml_node_t *m)
{
    yaml_node_t *kn = NULL, *x;
    const char *kind = NULL;
    for (const char *const *k = kinds; *k; k++) {
        if (!(x = get(ld, m, *k)))
            continue;
        if (kn) {
            diag(ld, x, "one of resourceOp, volumeOp and volumeSnapshotOp", "step '%s' has "
                 "both %s and %s", st->name ? st->name : "?", kind, *k);
            continue;
        }
        kn = x;
        kind = *k;
    }
    if (!kn)
        return false;
    for (const char *const *k = container_only; *k; k++)
        if ((x = get(ld, m, *k)))
            diag(ld, x, "the keys of a resource step", "step '%s': '%s' does not go with "
                 "'%s', which makes a Kubernetes resource, not a container",
                 st->name ? st->name : "?", *k, kind);
    if (!want(ld, kn, YAML_MAPPING_NODE, kind))
        return true;
    struct mp_buf manifest;
    mpi_buf_init(&manifest);
    size_t errors = mp_diags_error_count(ld->d);
    const char *action = "create";
    if (!strcmp(kind, "resourceOp")) {
        mpi_yl_check_keys(ld, kn, resource_keys, NULL, kind);
        if ((x = get(ld, kn, "action")) && (action = scalar(ld, x, "action")) &&
            !choice(ld, x, action, actions, "resourceOp action",
                    "create, apply, delete, patch, replace or get"))
            action = NULL;
        resource_manifest(ld, kn, &manifest);
    } else if (!strcmp(kind, "volumeOp")) {
        mpi_yl_check_keys(ld, kn, volume_keys, NULL, kind);
        volume_manifest(ld, kn, &manifest);
    } else {
        mpi_yl_check_keys(ld, kn, snapshot_keys, NULL, kind);
        snapshot_manifest(ld, kn, &manifest);
    }
    if (mp_buf_error(&manifest))
        ld->nomem = 1;
    else if (st->name && ld->p && action && mp_buf_len(&manifest) &&
             mp_diags_error_count(ld->d) == errors)
        mpi_yl_fine(ld, mp_pipeline_add_resource_op(ld->p, st->name, action,
                                                    mp_buf_data(&manifest), &st->op, ld->err),
                    kn);
    mpi_buf_release(&manifest);
    if (!strcmp(kind, "resourceOp")) {
        resource_extras(ld, st, kn, action);
        conditions(ld, st, kn, NULL);
    } else {
        conditions(ld, st, kn, !strcmp(kind, "volumeOp") ? NULL : "status.readyToUse == true");
    }
    if (st->op && !(action && !strcmp(action, "delete"))) {
        /* kfp's outputs of every resource op (unless attributeOutputs names them), and the
         * size of a claim or a snapshot */
        default_output(ld, st, kn, "manifest", "{}");
        default_output(ld, st, kn, "name", "{.metadata.name}");
        if (strcmp(kind, "volumeOp") == 0)
            default_output(ld, st, kn, "size", "{.status.capacity.storage}");
        else if (strcmp(kind, "volumeSnapshotOp") == 0)
            default_output(ld, st, kn, "size", "{.status.restoreSize}");
    }
    return true;
}
