/* SPDX-License-Identifier: MIT */
/* workflow.h: the Argo Workflow that Kubeflow Pipelines v1 runs, built from a pipeline. */
#ifndef MNISTPIPE_CORE_WORKFLOW_H
#define MNISTPIPE_CORE_WORKFLOW_H

#include <mnistpipe/mnistpipe.h>

#include "buf.h"

/* The SDK-version string written in the pipelines.kubeflow.org/kfp_sdk_version annotation
 * and labels (a valid Kubernetes label value). */
#define MPI_SDK_VERSION "mnistpipe-" PACKAGE_VERSION

/* kfp's sanitize_k8s_name: lower-case, runs of other characters to one '-', trimmed.
 * Writes at most @cap-1 bytes; returns false when the result is empty or too long. */
bool mpi_k8s_name(const char *name, char *out, size_t cap);

/* The pipelines.kubeflow.org/pipeline_spec annotation: the run form's inputs, as kfp's
 * json.dumps(sort_keys=True) writes them. */
int mpi_pipeline_spec_json(const struct mp_pipeline *p, struct mp_buf *out);

/* The state of one mp_workflow_build(): what the parts in workflow_*.c share. */
struct mpi_wf {
    const struct mp_pipeline *p;
    struct mp_doc *doc;
    struct mp_buf tmp; /* scratch, reset by each user */
    struct mp_error *err;
    const char *item_base; /* the loop item parameter of the op being written, or NULL */
    const char *const *loop_items; /* each group's item parameter (by index; NULL: no loop) */
    struct mp_node *name; /* the name node of the op being written, or NULL (made from it) */
    /* The last op's args and their sequence: the next op's args tend to repeat most of its
     * strings at the same places ("--step", "--size", ...), each then its node again. */
    struct {
        const struct mpi_strvec *v;
        const char *base;
        struct mp_node *seq;
    } last_args;
    /* Short strings with placeholders already rendered (every op of a pipeline tends to
     * repeat the same "{{params.X}}"), by text and what their rendering depends on. */
    struct mpi_wf_seen {
        const char *base;
        const char *const *loop_items;
        struct mp_node *node;
        char src[40]; /* "" when the slot is empty */
    } seen[64];
    /* Parts of the last op's template (command, env, volumeMounts, volumes, inputs, metadata),
     * which the next op shares when its settings are the same: the ops of a pipeline tend
     * to repeat them. */
    struct mpi_wf_part {
        const struct mp_op *op; /* made for this op, or NULL */
        const char *base;       /* with this loop item (what rendering depends on) */
        struct mp_node *node;
    } part[6];
};

enum { MPI_WF_COMMAND, MPI_WF_ENV, MPI_WF_MOUNTS, MPI_WF_VOLUMES, MPI_WF_INPUTS, MPI_WF_META };

/* The item parameter of the loop named [@loop, @loop + @len), or NULL. */
const char *mpi_wf_loop_item(const struct mpi_wf *b, const char *loop, size_t len);

/* A string node of @s with its placeholders rewritten for a container template:
 * {{params.X}} -> {{inputs.parameters.X}}, {{steps.S.outputs.X}} -> {{inputs.parameters.S-X}}.
 * Ownership: belongs to b->doc. Errors: NULL (the document records it). */
struct mp_node *mpi_wf_rendered(struct mpi_wf *b, const char *s);
/* "{{inputs.parameters.NAME}}" appended to @out, without printf's cost (a 5,000-step
 * workflow writes 10,000 of them). Errors: the buffer's. */
int mpi_wf_input_ref(struct mp_buf *out, const char *name);

/* The container template of @op (workflow.c). */
void mpi_wf_container_template(struct mpi_wf *b, const struct mp_op *op, struct mp_node *tmpl);

/* The template inputs of @op (its parameters, the outputs it reads as strings and its input
 * artifacts) and its metadata (annotations, kfp's labels and the op's). */
void mpi_wf_op_inputs(struct mpi_wf *b, const struct mp_op *op, struct mp_node *tmpl);
void mpi_wf_op_metadata(struct mpi_wf *b, const struct mp_op *op, struct mp_node *tmpl);

/* workflow_resource.c: the resource template of resource op @op (kfp's ResourceOp). */
void mpi_wf_resource_template(struct mpi_wf *b, const struct mp_op *op, struct mp_node *tmpl);

/* workflow_controlflow.c: every template (the DAGs of the pipeline and its groups, and each
 * op's container template), sorted by name, into @templates.
 * Errors: MP_ERR_VALIDATE (two templates of one name), MP_ERR_NOMEM. */
int mpi_wf_templates(struct mpi_wf *b, const char *entry, struct mp_node *templates);

/* A document node of JSON text @json, its strings rendered as a template's (workflow_pod.c). */
struct mp_node *mpi_wf_json(struct mpi_wf *b, const char *json);

/* workflow_pod.c: what kfp writes in the container (resources, imagePullPolicy) and in the
 * template (nodeSelector, tolerations, affinity, retryStrategy, activeDeadlineSeconds,
 * sidecars, initContainers) for @op's settings. */
void mpi_wf_container_settings(struct mpi_wf *b, const struct mp_op *op, struct mp_node *c);
void mpi_wf_pod_settings(struct mpi_wf *b, const struct mp_op *op, struct mp_node *tmpl);
/* The workflow spec's pipeline-wide settings (imagePullSecrets, ttlStrategy, parallelism,
 * activeDeadlineSeconds, nodeSelector). */
void mpi_wf_spec_settings(struct mpi_wf *b, struct mp_node *spec);

#endif /* MNISTPIPE_CORE_WORKFLOW_H */
