#!/bin/sh
# SPDX-License-Identifier: MIT
# Golden tests: the MNIST pipeline for {gcp, onprem} x {kfp, argo}:
#  - byte for byte equal to tests/golden/ (MP_UPDATE_GOLDEN=1 rewrites them: make update-golden);
#  - the same workflow as kfp 1.8.22's real output in ../shared/reference/kfp-v1/ (parsed);
#  - valid against Argo's schema (validate-argo --strict), packages included.
. "$MP_TOP_SRCDIR/tests/lib.sh"
golden="$MP_TOP_SRCDIR/tests/golden"
export SOURCE_DATE_EPOCH=1700000000

compile() { # platform output-plugin file
    case "$1" in
        gcp) mp --plugin gcp --plugin "$2" compile -o "$3" ;;
        onprem) mp --plugin onprem --pvc my-pvc --plugin "$2" compile -o "$3" ;;
    esac
}

for platform in gcp onprem; do
    for out in kfp argo; do
        suffix=$([ "$out" = argo ] && echo ".argo" || echo "")
        want="$golden/mnist.$platform$suffix.yaml"
        got="$TMP/mnist.$platform$suffix.yaml"
        compile "$platform" "$out" "$got" || { fail "compile $platform/$out"; continue; }
        if [ -n "${MP_UPDATE_GOLDEN:-}" ]; then
            cp "$got" "$want" && echo "updated $want"
            continue
        fi
        if cmp -s "$got" "$want"; then pass "$platform/$out equals $want"; else
            fail "$platform/$out differs from $want:"; diff -u "$want" "$got" >&2; fi
    done
done
[ -n "${MP_UPDATE_GOLDEN:-}" ] && exit 0

shared=$(shared_dir) || skip "../shared not found (set MNISTPIPE_SHARED): reference checks skipped"
[ -n "${PYTHON3:-}" ] || skip "python3 not found"
"$PYTHON3" -c 'import yaml, jsonschema' 2>/dev/null || skip "python3-yaml/python3-jsonschema missing"
ref="$shared/reference/kfp-v1"
for platform in gcp onprem; do
    for fmt in yaml tar.gz zip; do
        pkg="$TMP/ref-$platform.$fmt"
        compile "$platform" kfp "$pkg" || { fail "compile $platform .$fmt"; continue; }
        # kfp's on-prem reference was compiled with pvc_name=''; ours with --pvc my-pvc.
        set -- ; [ "$platform" = onprem ] && set -- --default pvc_name=my-pvc
        if "$PYTHON3" "$MP_TOP_SRCDIR/tests/tools/wfcompare.py" "$@" "$pkg" "$ref/mnist-$platform.yaml" \
            >"$TMP/diff" 2>&1; then
            pass "$platform .$fmt is the same workflow as kfp 1.8.22's mnist-$platform.yaml"
        else
            fail "$platform .$fmt differs from the kfp reference:"; cat "$TMP/diff" >&2
        fi
        if "$PYTHON3" "$shared/tools/validate-argo" --strict -q "$pkg" >"$TMP/v" 2>&1; then
            pass "$platform .$fmt passes validate-argo --strict"
        else
            fail "$platform .$fmt fails validate-argo:"; cat "$TMP/v" >&2
        fi
    done
    # Also the reference package itself compares equal (the comparison can tell .tar.gz apart).
    "$PYTHON3" "$MP_TOP_SRCDIR/tests/tools/wfcompare.py" "$@" "$TMP/ref-$platform.tar.gz" \
        "$ref/mnist-$platform.tar.gz" >/dev/null 2>&1 || fail "kfp's own $platform package differs"
done
# Without --pvc, on-prem equals kfp's reference exactly (the claim name left to run time).
mp --plugin onprem compile -o "$TMP/nopvc.yaml" 2>/dev/null || fail "compile onprem without --pvc"
"$PYTHON3" "$MP_TOP_SRCDIR/tests/tools/wfcompare.py" "$TMP/nopvc.yaml" "$ref/mnist-onprem.yaml" \
    >"$TMP/diff" 2>&1 && pass "onprem without --pvc is kfp's mnist-onprem.yaml" ||
    { fail "onprem without --pvc differs:"; cat "$TMP/diff" >&2; }
# The comparison is not blind: gcp and onprem differ, and a changed argument is caught.
if "$PYTHON3" "$MP_TOP_SRCDIR/tests/tools/wfcompare.py" "$TMP/ref-gcp.yaml" \
    "$ref/mnist-onprem.yaml" >/dev/null 2>&1; then fail "gcp compared equal to onprem"; else
    pass "wfcompare tells gcp from onprem"; fi
sed 's/mnist-service/mnist-servic3/' "$TMP/ref-gcp.yaml" >"$TMP/changed.yaml"
if "$PYTHON3" "$MP_TOP_SRCDIR/tests/tools/wfcompare.py" "$TMP/changed.yaml" \
    "$ref/mnist-gcp.yaml" >/dev/null 2>&1; then fail "a changed argument compared equal"; else
    pass "wfcompare catches a changed argument"; fi
finish
