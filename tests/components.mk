# SPDX-License-Identifier: MIT
# Tests of steps made from kfp v1 component specs: the loader and placeholder resolution
# (Check; the fuzz target is tests/fuzz/fuzz_component.c), and the CLI (bad
# component files and steps, an end-to-end compile checked by validate-argo --strict).
# Included from tests/local.mk, so %reldir% is tests/.

if HAVE_CHECK
check_PROGRAMS += %reldir%/check_component
TESTS += %reldir%/check_component
%canon_reldir%_check_component_SOURCES = %reldir%/check_component.c
%canon_reldir%_check_component_CPPFLAGS = $(CHECK_CORE_CPPFLAGS)
%canon_reldir%_check_component_CFLAGS = $(CHECK_TEST_CFLAGS)
%canon_reldir%_check_component_LDADD = core/libmpcore.la $(CHECK_LIBS)
endif

dist_check_SCRIPTS += %reldir%/cli/components.sh
TESTS += %reldir%/cli/components.sh
EXTRA_DIST += %reldir%/golden/components.argo.yaml \
	%reldir%/data/components/pipeline.yaml \
	%reldir%/data/components/train.yaml \
	%reldir%/data/components/preprocess.yaml \
	%reldir%/data/components/flags.yaml \
	%reldir%/data/components/deploy.yaml \
	%reldir%/data/components/bad/alias.yaml \
	%reldir%/data/components/bad/concat-not-list.yaml \
	%reldir%/data/components/bad/duplicate-input.yaml \
	%reldir%/data/components/bad/empty.yaml \
	%reldir%/data/components/bad/file-output-relative.yaml \
	%reldir%/data/components/bad/file-output-unknown.yaml \
	%reldir%/data/components/bad/graph.yaml \
	%reldir%/data/components/bad/if-no-then.yaml \
	%reldir%/data/components/bad/input-no-name.yaml \
	%reldir%/data/components/bad/integer-default.yaml \
	%reldir%/data/components/bad/list-in-args.yaml \
	%reldir%/data/components/bad/no-image.yaml \
	%reldir%/data/components/bad/no-implementation.yaml \
	%reldir%/data/components/bad/optional-not-bool.yaml \
	%reldir%/data/components/bad/placeholder-two-keys.yaml \
	%reldir%/data/components/bad/placeholder-typo.yaml \
	%reldir%/data/components/bad/syntax.yaml \
	%reldir%/data/components/bad/top-level-list.yaml \
	%reldir%/data/components/bad/undeclared-input.yaml \
	%reldir%/data/components/bad/undeclared-output.yaml \
	%reldir%/data/components/bad/unknown-input-key.yaml \
	%reldir%/data/components/bad/unknown-top-key.yaml \
	%reldir%/data/components/bad-steps/arguments-not-map.yaml \
	%reldir%/data/components/bad-steps/arguments-without-component.yaml \
	%reldir%/data/components/bad-steps/bad-component.yaml \
	%reldir%/data/components/bad-steps/if-cond-runtime.yaml \
	%reldir%/data/components/bad-steps/input-path-constant.yaml \
	%reldir%/data/components/bad-steps/missing-file.yaml \
	%reldir%/data/components/bad-steps/missing-required.yaml \
	%reldir%/data/components/bad-steps/unknown-argument.yaml \
	%reldir%/data/components/bad-steps/unknown-param.yaml \
	%reldir%/data/components/bad-steps/with-image.yaml
