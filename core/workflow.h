/* SPDX-License-Identifier: MIT */
/* workflow.h: the Argo Workflow that Kubeflow Pipelines v1 runs, built from a pipeline. */
#ifndef MNISTPIPE_CORE_WORKFLOW_H
#define MNISTPIPE_CORE_WORKFLOW_H

#include <mnistpipe/mnistpipe.h>

/* The SDK-version string written in the pipelines.kubeflow.org/kfp_sdk_version annotation
 * and labels (a valid Kubernetes label value). */
#define MPI_SDK_VERSION "mnistpipe-" PACKAGE_VERSION

/* kfp's sanitize_k8s_name: lower-case, runs of other characters to one '-', trimmed.
 * Writes at most @cap-1 bytes; returns false when the result is empty or too long. */
bool mpi_k8s_name(const char *name, char *out, size_t cap);

/* The pipelines.kubeflow.org/pipeline_spec annotation: the run form's inputs, as kfp's
 * json.dumps(sort_keys=True) writes them. */
int mpi_pipeline_spec_json(const struct mp_pipeline *p, struct mp_buf *out);

#endif /* MNISTPIPE_CORE_WORKFLOW_H */
