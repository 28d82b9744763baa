# SPDX-License-Identifier: MIT
# Stand-in KFP / Argo Server / Kubernetes API server for the client tests (Python 3 with
# python3-yaml + python3-jsonschema), and its self-test. See tests/stub/README.md.
EXTRA_DIST += %reldir%/kfp_stub.py %reldir%/stub_spec.py %reldir%/stub_faults.py \
	%reldir%/stub_runs.py %reldir%/README.md
dist_check_SCRIPTS += %reldir%/test_stub.sh
TESTS += %reldir%/test_stub.sh
