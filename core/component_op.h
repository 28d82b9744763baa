/* SPDX-License-Identifier: MIT */
/* component_op.h: a pipeline step made from a kfp v1 component spec. */
#ifndef MNISTPIPE_CORE_COMPONENT_OP_H
#define MNISTPIPE_CORE_COMPONENT_OP_H

#include <mnistpipe/host.h>

#include "component.h"

/* Load the component @rel (relative to the directory of @pipeline_path unless absolute),
 * resolve it with @args and, when @p and @step are given, add op @step to @p as kfp 1.8's
 * ContainerOp for it: image, command, args, env, labels, outputs (outputPath, fileOutputs),
 * input artifacts (inputPath of {{steps.S.outputs.O}}), and the annotations component_spec,
 * component_ref, arguments.parameters (and max_cache_staleness for volatile components).
 * Every problem goes to @d at (@line, @col) of the pipeline file, or at an argument, naming
 * the component file's line:col. Sets *@out to the op (when one was added).
 * Ownership: the op belongs to @p. Errors: MP_ERR_NOMEM only; problems are in @d. */
int mpi_component_op(struct mp_pipeline *p, const char *step, const char *pipeline_path,
                     const char *rel, const struct mpi_component_arg *args, size_t n_args,
                     unsigned long line, unsigned long col, struct mp_diags *d,
                     struct mp_op **out, struct mp_error *err);

#endif /* MNISTPIPE_CORE_COMPONENT_OP_H */
