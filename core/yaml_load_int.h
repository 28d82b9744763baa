/* SPDX-License-Identifier: MIT */
/* yaml_load_int.h: the pipeline-file loader's state and helpers, shared by yaml_load.c and the
 * files that load groups of keys (yaml_step_pod.c). Only loader files include it. */
#ifndef MNISTPIPE_CORE_YAML_LOAD_INT_H
#define MNISTPIPE_CORE_YAML_LOAD_INT_H

#include <yaml.h>

#include "arena.h"
#include "buf.h"
#include "diag.h"
#include "strmap.h"
#include "yaml_load.h"

struct step {
    const char *name;      /* borrowed from the document; NULL when invalid */
    yaml_node_t *node;     /* the step's mapping */
    yaml_node_t *after;    /* its `after` node, or NULL */
    bool after_known;      /* each name in it was a step's when it was loaded */
    struct mp_op *op;
};

/* A {{steps.STEP.outputs.NAME}} seen in the file, checked once every step is loaded. */
struct output_use {
    char *step, *output;
    unsigned long line, col;
    const char *what;
    bool artifact; /* read as a file (inputArtifacts), not as a string */
    const struct mp_group *group; /* the innermost group around the reader, or NULL */
};

struct loader {
    const char *path;      /* the pipeline file; component files are relative to it */
    struct mp_diags *d;
    struct mp_error *err;
    yaml_document_t doc;
    size_t nnodes;         /* the document's nodes, counted once it is parsed */
    const char *const *platforms;
    size_t nplat;
    struct mp_pipeline *p;
    yaml_node_t *params;   /* the parameters sequence, for placeholder checks */
    struct step *steps;
    size_t nsteps;
    struct mpi_arena arena;  /* for @names */
    struct mpi_strmap names; /* every step name given as a string -> its first step */
    struct mpi_strmap param_names; /* declared parameter names, filled on first use */
    bool have_param_names;
    struct mpi_yaml_info info;
    int nomem;
    int loop_depth;          /* parallelFor groups around the step being loaded */
    struct mp_group *group;  /* the group of the step being loaded (NULL: none, or no graph) */
    struct group_after {     /* groups' `after` and `name`, checked once every name is known */
        struct mp_group *g;
        yaml_node_t *after;  /* or NULL */
        yaml_node_t *name;   /* or NULL */
    } *gafter;               /* malloc'd */
    struct mpi_strmap group_names; /* `name` of the groups -> the first such name node */
    size_t ngafter, cgafter;
    struct output_use *uses; /* malloc'd, each string malloc'd */
    size_t nuses, cap_uses;
    /* The keys of the last mapping of KEYS_MIN..KEYS_MAX pairs looked up in (a step's,
     * usually): a small open-addressing table of pair index + 1, first pair of a key kept. */
    const yaml_node_t *kmap;
    unsigned short kslot[128];
    const char *kkey[128];   /* the key of each slot in use */
    bool kdup;               /* kmap has a non-empty key given twice */
};

#define L(n) ((unsigned long)(n)->start_mark.line + 1)
#define C(n) ((unsigned long)(n)->start_mark.column + 1)

/* @data (@len bytes) parsed in one pass of libyaml events into @doc, composed as
 * yaml_parser_load() composes it (nodes, values, styles, tags, marks; not the directives),
 * while syntax errors, the input limits (depth, entries, aliases, one document) and duplicate
 * anchors are reported into @d with yaml_parser_load()'s messages. False, with @doc empty, on
 * any of them. A document made here is freed with mpi_yl_doc_free(), not
 * yaml_document_delete() (untagged nodes share their default tag). */
bool mpi_yl_parse(struct mp_diags *d, const char *data, size_t len, yaml_document_t *doc);
void mpi_yl_doc_free(yaml_document_t *doc);
/* mpi_yl_parse() in its two ways. _events: libyaml's events, for any input. _fast
 * (yaml_fast.c): the subset of YAML pipeline files are written in, read directly; false, with
 * @doc empty and nothing reported, for any input it does not take exactly as libyaml does
 * (every problem among them). Both make the same document from what _fast takes. */
bool mpi_yl_parse_events(struct mp_diags *d, const char *data, size_t len,
                         yaml_document_t *doc);
bool mpi_yl_fast_parse(const char *data, size_t len, yaml_document_t *doc);
/* @doc was made by mpi_yl_fast_parse(). */
bool mpi_yl_fast_doc(const yaml_document_t *doc);

/* Helpers of yaml_load.c (see there): report at a node, look up, check keys and types. */
void mpi_yl_diag(struct loader *ld, const yaml_node_t *n, const char *expected, const char *fmt,
                 ...) MP_PRINTF(4, 5);
yaml_node_t *mpi_yl_node(struct loader *ld, int id);
/* The slot where the key index (struct loader's kslot) starts looking for non-empty @k: its
 * first three bytes (or fewer). Inlined, it is a constant for a literal key, so a lookup in
 * the index costs a load when the key is not there. */
static inline unsigned mpi_yl_key_hash(const char *k)
{
    unsigned h = (unsigned char)k[0] * 31u + (unsigned char)k[1];
    if (k[1])
        h = h * 7u + (unsigned char)k[2];
    return (h ^ h >> 7) & 127u;
}
/* The value of the first pair of mapping @map with @key (a C string), or NULL. */
yaml_node_t *mpi_yl_find(struct loader *ld, yaml_node_t *map, const char *key, unsigned hash);
/* mpi_yl_find(), where the mapping indexed last answers "none" inline: most keys asked for
 * are not there. */
static inline yaml_node_t *mpi_yl_get_hashed(struct loader *ld, yaml_node_t *map,
                                             const char *key, unsigned hash)
{
    if (map == ld->kmap && *key && !ld->kslot[hash])
        return NULL;
    return mpi_yl_find(ld, map, key, hash);
}
#define mpi_yl_get(ld, map, key) mpi_yl_get_hashed(ld, map, key, mpi_yl_key_hash(key))
const char *mpi_yl_scalar(struct loader *ld, yaml_node_t *n, const char *what);
/* A string that may hold placeholders (checked). */
const char *mpi_yl_text(struct loader *ld, yaml_node_t *n, const char *what);
bool mpi_yl_is_null(const yaml_node_t *n);
bool mpi_yl_want(struct loader *ld, yaml_node_t *n, yaml_node_type_t type, const char *what);
void mpi_yl_check_keys(struct loader *ld, yaml_node_t *map, const char *const *allowed,
                       const char *const *future, const char *where);
/* Record the output placeholder starting at @o, found at @line:@col in @what (a static
 * string), for mpi_yl_check_output_uses(); report it when malformed. */
void mpi_yl_note_output_use(struct loader *ld, const char *o, unsigned long line,
                            unsigned long col, const char *what, bool artifact);
/* Report a failed graph call at @n (unless out of memory); true when @rc is MP_OK. */
bool mpi_yl_fine(struct loader *ld, int rc, yaml_node_t *n);

/* yaml_step_pod.c: a step's outputs, input artifacts, resources, scheduling, retries,
 * timeout, caching, display name, image pull policy, sidecars and init containers. */
void mpi_yl_step_pod(struct loader *ld, struct step *st);
/* The pipeline-wide settings at the top level. */
void mpi_yl_settings(struct loader *ld, yaml_node_t *root);
/* yaml_groups.c: the group of a group item (when / parallelFor, parallelism) in @parent;
 * *@loop tells a parallelFor. *@out is NULL when the item is invalid (reported). */
void mpi_yl_group(struct loader *ld, yaml_node_t *item, struct mp_group *parent,
                  struct mp_group **out, bool *loop);
/* Resolve the groups' `after` lists: step names or graph group names. */
void mpi_yl_group_afters(struct loader *ld);
/* @n as JSON text into @out (yaml_step_pod.c): plain scalars that read as numbers, booleans or
 * null keep their type. */
void mpi_yl_to_json(struct loader *ld, yaml_node_t *n, struct mp_buf *out);

/* yaml_resource.c: a step with resourceOp, volumeOp or volumeSnapshotOp (a Kubernetes
 * resource, not a container): its op, manifest and outputs. False when @m has none of them. */
bool mpi_yl_resource_step(struct loader *ld, struct step *st, yaml_node_t *m);

/* The output placeholders recorded while loading: each must name an earlier-or-later step of
 * the pipeline and an output it declares as a parameter. */
void mpi_yl_check_output_uses(struct loader *ld);

#endif /* MNISTPIPE_CORE_YAML_LOAD_INT_H */
