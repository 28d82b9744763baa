# SPDX-License-Identifier: MIT
# Reliability tests: generated huge inputs, SIGKILL at random moments (compile, the local
# runner), faults at the edges (disk full, slow and hostile clients and servers) and security
# basics. Included from tests/local.mk, so %reldir% is tests/reliability.

RELIABILITY_TESTS = %reldir%/huge-inputs.sh %reldir%/kill-compile.sh %reldir%/kill-runner.sh \
	%reldir%/disk-full.sh %reldir%/serve-load.sh %reldir%/cluster-faults.sh \
	%reldir%/security.sh %reldir%/secrets-in-logs.sh %reldir%/export-vs-serve.sh \
	%reldir%/kill-export.sh
dist_check_SCRIPTS += $(RELIABILITY_TESTS)
TESTS += $(RELIABILITY_TESTS)
EXTRA_DIST += %reldir%/lib-export.sh %reldir%/killer.py %reldir%/slowloris.py \
	%reldir%/hostile_http.py %reldir%/tls_server.py

# The secrets check reads the logs of the cluster-client tests: it runs after them.
%reldir%/secrets-in-logs.log: tests/kfp/kfp.log tests/kfp/auth.log tests/kfp/argo.log

# The bad inputs added with these tests (tests/cli/bad-inputs.sh runs every file of the
# directory; the others are listed in tests/pipeline-files.mk).
EXTRA_DIST += tests/data/bad/README.md \
	tests/data/bad/after-number.yaml \
	tests/data/bad/alias-billion-laughs.yaml \
	tests/data/bad/alias-merge-key.yaml \
	tests/data/bad/command-map.yaml \
	tests/data/bad/control-char.yaml \
	tests/data/bad/control-del.yaml \
	tests/data/bad/cycle-long.yaml \
	tests/data/bad/dependency-named-like-cycle.yaml \
	tests/data/bad/env-not-list.yaml \
	tests/data/bad/image-list.yaml \
	tests/data/bad/labels-list.yaml \
	tests/data/bad/name-not-string.yaml \
	tests/data/bad/nul-at-start.yaml \
	tests/data/bad/nul-in-key.yaml \
	tests/data/bad/param-duplicate.yaml \
	tests/data/bad/params-not-list.yaml \
	tests/data/bad/pipeline-name-empty.yaml \
	tests/data/bad/readonly-string.yaml \
	tests/data/bad/self-cycle.yaml \
	tests/data/bad/step-name-dot.yaml \
	tests/data/bad/step-name-too-long.yaml \
	tests/data/bad/step-name-trailing-dash.yaml \
	tests/data/bad/step-not-map.yaml \
	tests/data/bad/steps-map.yaml \
	tests/data/bad/syntax-bad-escape.yaml \
	tests/data/bad/syntax-bad-flow-map.yaml \
	tests/data/bad/syntax-colon-in-key.yaml \
	tests/data/bad/syntax-unclosed-quote.yaml \
	tests/data/bad/syntax-unknown-anchor.yaml \
	tests/data/bad/unknown-env-key.yaml \
	tests/data/bad/unknown-mount-key.yaml \
	tests/data/bad/unknown-variant-key.yaml \
	tests/data/bad/utf16-bom.yaml \
	tests/data/bad/utf8-bad-continuation.yaml \
	tests/data/bad/utf8-surrogate.yaml \
	tests/data/bad/utf8-truncated.yaml \
	tests/data/bad/volume-name-bad.yaml
