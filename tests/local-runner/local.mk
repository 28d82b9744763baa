# SPDX-License-Identifier: MIT
# Local runner tests: fake steps (shell scripts) and an end-to-end run of the MNIST programs.
dist_check_SCRIPTS += %reldir%/runner.sh %reldir%/parallel.sh %reldir%/edges.sh %reldir%/e2e.sh \
	%reldir%/retries.sh %reldir%/control-flow.sh %reldir%/outputs.sh \
	%reldir%/outputs-dirs.sh %reldir%/outputs-fan-in.sh
EXTRA_DIST += %reldir%/fake-train.sh %reldir%/fake-service.sh %reldir%/fake-steps.sh \
	%reldir%/lib-files.sh
TESTS += %reldir%/runner.sh %reldir%/parallel.sh %reldir%/edges.sh %reldir%/e2e.sh \
	%reldir%/retries.sh %reldir%/control-flow.sh %reldir%/outputs.sh \
	%reldir%/outputs-dirs.sh %reldir%/outputs-fan-in.sh
dist_check_SCRIPTS += %reldir%/nested-loops.sh
TESTS += %reldir%/nested-loops.sh
