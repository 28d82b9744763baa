# SPDX-License-Identifier: MIT
# Pipeline files written after kfp 1.8.22's compiler cases, compared with its real outputs.
# Included from tests/local.mk, so %reldir% is tests/.

dist_check_SCRIPTS += %reldir%/cli/kfp-cases.sh
TESTS += %reldir%/cli/kfp-cases.sh
EXTRA_DIST += %reldir%/pipelines/add_pod_env.yaml \
	%reldir%/pipelines/basic.yaml \
	%reldir%/pipelines/coin.yaml \
	%reldir%/pipelines/default_value.yaml \
	%reldir%/pipelines/features.yaml \
	%reldir%/pipelines/imagepullsecrets.yaml \
	%reldir%/pipelines/opsgroups.yaml \
	%reldir%/pipelines/param_substitutions.yaml \
	%reldir%/pipelines/pipelineparams.yaml \
	%reldir%/pipelines/preemptible_tpu_gpu.yaml \
	%reldir%/pipelines/sidecar.yaml \
	%reldir%/pipelines/timeout.yaml \
	%reldir%/pipelines/volume.yaml \
	%reldir%/pipelines/withitem_basic.yaml \
	%reldir%/pipelines/withparam_global.yaml \
	%reldir%/pipelines/argo-only/control-flow.yaml \
	%reldir%/pipelines/argo-only/resources.yaml

# Control-flow shapes without a kfp compiled case: checked for kfp's parts.
dist_check_SCRIPTS += %reldir%/cli/flow-shapes.sh
TESTS += %reldir%/cli/flow-shapes.sh
EXTRA_DIST += %reldir%/pipelines/argo-only/artifacts-groups.yaml \
	%reldir%/pipelines/argo-only/after-group.yaml
EXTRA_DIST += %reldir%/pipelines/argo-only/empty-lists.yaml
EXTRA_DIST += %reldir%/pipelines/argo-only/exit-params.yaml
EXTRA_DIST += %reldir%/pipelines/argo-only/withitem-nested.yaml \
	%reldir%/pipelines/argo-only/nested-items.yaml
