#!/bin/sh
# SPDX-License-Identifier: MIT
# Each tests/pipelines/NAME.yaml is a pipeline file written after one of kfp 1.8.22's own
# compiler cases (shared/reference/kfp-v1/testdata/compiled/NAME.yaml, from kfp's
# sdk/python/tests/compiler/testdata/NAME.py) or features_pipeline.py (features.yaml).
# It must compile to the same workflow as kfp's (parsed; only compile stamps and SDK versions
# may differ), pass Argo's schema (validate-argo --strict), lint clean, and give the same bytes
# twice.
. "$MP_TOP_SRCDIR/tests/lib.sh"
export SOURCE_DATE_EPOCH=1700000000
shared=$(shared_dir) || skip "../shared not found (set MNISTPIPE_SHARED)"
[ -n "${PYTHON3:-}" ] || skip "python3 not found"
"$PYTHON3" -c 'import yaml, jsonschema' 2>/dev/null || skip "python3-yaml/python3-jsonschema missing"
ref="$shared/reference/kfp-v1"
n=0
for f in "$MP_TOP_SRCDIR"/tests/pipelines/*.yaml; do
    name=$(basename "$f" .yaml)
    want="$ref/testdata/compiled/$name.yaml"
    [ -f "$want" ] || want="$ref/$name.yaml"
    [ -f "$want" ] || { fail "$name: no kfp reference $want"; continue; }
    n=$((n + 1))
    wf="$TMP/$name.yaml"
    if ! mp -f "$f" compile -o "$wf" >"$TMP/out" 2>&1; then
        fail "$name: compile failed:"; cat "$TMP/out" >&2; continue
    fi
    if "$PYTHON3" "$MP_TOP_SRCDIR/tests/tools/wfcompare.py" "$wf" "$want" >"$TMP/diff" 2>&1; then
        pass "$name: the same workflow as kfp 1.8.22's"
    else
        fail "$name differs from $want:"; cat "$TMP/diff" >&2
    fi
    if "$PYTHON3" "$shared/tools/validate-argo" --strict -q "$wf" >"$TMP/v" 2>&1; then
        pass "$name: validate-argo --strict"
    else
        fail "$name fails validate-argo:"; cat "$TMP/v" >&2
    fi
    expect_exit 0 "$name: lint" -- mp -f "$f" lint
    mp -f "$f" compile -o "$TMP/again.yaml" >/dev/null 2>&1 && cmp -s "$wf" "$TMP/again.yaml" &&
        pass "$name: deterministic" || fail "$name: two compiles differ"
done
[ "$n" -gt 0 ] || fail "no cases in tests/pipelines/"
finish
