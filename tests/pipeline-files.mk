# SPDX-License-Identifier: MIT
# Tests of pipeline files: the loader and lint (Check), the bad-input suite, and the CLI
# (-f, lint, graph; examples/mnist/pipeline.yaml equals the built-in). Included from
# tests/local.mk, so %reldir% is tests/.

if HAVE_CHECK
check_PROGRAMS += %reldir%/check_yaml_load %reldir%/check_lint
TESTS += %reldir%/check_yaml_load %reldir%/check_lint

%canon_reldir%_check_yaml_load_SOURCES = %reldir%/check_yaml_load.c %reldir%/yaml_same.c \
	%reldir%/yaml_same.h
%canon_reldir%_check_yaml_load_CPPFLAGS = $(CHECK_CORE_CPPFLAGS) $(YAML_CFLAGS)
%canon_reldir%_check_yaml_load_CFLAGS = $(CHECK_TEST_CFLAGS)
%canon_reldir%_check_yaml_load_LDADD = core/libmpcore.la $(CHECK_LIBS)

%canon_reldir%_check_lint_SOURCES = %reldir%/check_lint.c
%canon_reldir%_check_lint_CPPFLAGS = $(CHECK_CORE_CPPFLAGS)
%canon_reldir%_check_lint_CFLAGS = $(CHECK_TEST_CFLAGS)
%canon_reldir%_check_lint_LDADD = core/libmpcore.la $(CHECK_LIBS)
endif

dist_check_SCRIPTS += %reldir%/cli/bad-inputs.sh %reldir%/cli/file-equals-builtin.sh
TESTS += %reldir%/cli/bad-inputs.sh %reldir%/cli/file-equals-builtin.sh
EXTRA_DIST += %reldir%/data/bad/alias-bomb.yaml \
	%reldir%/data/bad/resource-op-delete-outputs.yaml \
	%reldir%/data/bad/resource-op-json-path.yaml \
	%reldir%/data/bad/resource-op-manifest-no-kind.yaml \
	%reldir%/data/bad/resource-op-merge-not-apply.yaml \
	%reldir%/data/bad/resource-op-no-manifest.yaml \
	%reldir%/data/bad/resource-op-output-unknown.yaml \
	%reldir%/data/bad/resource-op-owner-ref.yaml \
	%reldir%/data/bad/resource-op-two-kinds.yaml \
	%reldir%/data/bad/resource-op-unknown-action.yaml \
	%reldir%/data/bad/resource-op-unknown-key.yaml \
	%reldir%/data/bad/resource-op-unknown-param.yaml \
	%reldir%/data/bad/resource-op-with-image.yaml \
	%reldir%/data/bad/snapshot-op-no-pvc.yaml \
	%reldir%/data/bad/volume-op-bad-mode.yaml \
	%reldir%/data/bad/volume-op-bad-size.yaml \
	%reldir%/data/bad/volume-op-no-size.yaml \
	%reldir%/data/bad/volume-op-size-unit.yaml \
	%reldir%/data/bad/volume-op-unknown-key.yaml \
	%reldir%/data/bad/args-wrong-type.yaml \
	%reldir%/data/bad/cycle.yaml \
	%reldir%/data/bad/deep-nesting.yaml \
	%reldir%/data/bad/duplicate-key.yaml \
	%reldir%/data/bad/duplicate-step.yaml \
	%reldir%/data/bad/empty-file.yaml \
	%reldir%/data/bad/empty-image.yaml \
	%reldir%/data/bad/env-both.yaml \
	%reldir%/data/bad/invalid-step-name.yaml \
	%reldir%/data/bad/invalid-utf8.yaml \
	%reldir%/data/bad/many-problems.yaml \
	%reldir%/data/bad/missing-image.yaml \
	%reldir%/data/bad/mount-unknown-volume.yaml \
	%reldir%/data/bad/no-name.yaml \
	%reldir%/data/bad/no-steps.yaml \
	%reldir%/data/bad/nul-byte.yaml \
	%reldir%/data/bad/overlong-utf8.yaml \
	%reldir%/data/bad/param-bad-name.yaml \
	%reldir%/data/bad/param-unknown-key.yaml \
	%reldir%/data/bad/pvc-empty-onprem.yaml \
	%reldir%/data/bad/readonly-bad.yaml \
	%reldir%/data/bad/quantity-bad.yaml \
	%reldir%/data/bad/resources-unknown-key.yaml \
	%reldir%/data/bad/output-unknown.yaml \
	%reldir%/data/bad/output-artifact-as-string.yaml \
	%reldir%/data/bad/retries-bad-policy.yaml \
	%reldir%/data/bad/toleration-bad-effect.yaml \
	%reldir%/data/bad/timeout-not-number.yaml \
	%reldir%/data/bad/sidecar-no-image.yaml \
	%reldir%/data/bad/pipeline-ttl-negative.yaml \
	%reldir%/data/bad/input-artifact-unknown.yaml \
	%reldir%/data/bad/item-outside-loop.yaml \
	%reldir%/data/bad/group-when-and-loop.yaml \
	%reldir%/data/bad/when-no-comparison.yaml \
	%reldir%/data/bad/when-unknown-output.yaml \
	%reldir%/data/bad/exit-step-reads-output.yaml \
	%reldir%/data/bad/loop-name-unknown.yaml %reldir%/data/bad/artifact-from-loop.yaml \
	%reldir%/data/bad/loop-over-item-outside-loop.yaml \
	%reldir%/data/bad/step-output-placeholder.yaml \
	%reldir%/data/bad/steps-not-list.yaml \
	%reldir%/data/bad/syntax-bad-indent.yaml \
	%reldir%/data/bad/syntax-unclosed-bracket.yaml \
	%reldir%/data/bad/tab-indent.yaml \
	%reldir%/data/bad/top-level-list.yaml \
	%reldir%/data/bad/top-level-scalar.yaml \
	%reldir%/data/bad/two-documents.yaml \
	%reldir%/data/bad/unclosed-placeholder.yaml \
	%reldir%/data/bad/unknown-dependency.yaml \
	%reldir%/data/bad/unknown-placeholder.yaml \
	%reldir%/data/bad/unknown-step-key.yaml \
	%reldir%/data/bad/unknown-top-key.yaml \
	%reldir%/data/bad/variant-both.yaml \
	%reldir%/data/bad/volume-no-source.yaml
EXTRA_DIST += %reldir%/data/bad/after-own-group.yaml \
	%reldir%/data/bad/after-unknown-group.yaml \
	%reldir%/data/bad/group-name-duplicate.yaml \
	%reldir%/data/bad/group-name-is-step.yaml
