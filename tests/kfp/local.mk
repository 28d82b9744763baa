# SPDX-License-Identifier: MIT
# KFP/Argo client tests against the stand-in server (tests/stub); they skip without it.
TESTS += %reldir%/kfp.sh %reldir%/auth.sh %reldir%/argo.sh %reldir%/tls.sh \
	%reldir%/errors.sh
EXTRA_DIST += %reldir%/kfp.sh %reldir%/auth.sh %reldir%/argo.sh %reldir%/tls.sh %reldir%/errors.sh \
	%reldir%/stub-lib.sh
