#!/bin/sh
# SPDX-License-Identifier: MIT
# Each tests/data/bad/*.yaml starts with "# expect: LINE:COL: MESSAGE-SUBSTRING"; a second line
# "# args: ..." adds options. lint must exit 1 and print FILE:LINE:COL: ... with the substring,
# and compile must exit 3 and write nothing (except files whose only problem is a lint rule,
# marked "# lint-only").
. "$MP_TOP_SRCDIR/tests/lib.sh"
dir="$MP_TOP_SRCDIR/tests/data/bad"
count=0
for f in "$dir"/*.yaml; do
    base=$(basename "$f")
    count=$((count + 1))
    expect=$(sed -n '1s/^# expect: //p' "$f")
    args=$(sed -n '2s/^# args: //p' "$f")
    [ -n "$expect" ] || { fail "$base: no '# expect:' line"; continue; }
    pos=${expect%%: *}
    msg=${expect#*: }
    # shellcheck disable=SC2086
    mp -f "$f" $args lint >"$TMP/out" 2>"$TMP/err"
    code=$?
    if [ "$code" -ne 1 ]; then
        fail "$base: lint exit $code, expected 1"; cat "$TMP/err" >&2; continue
    fi
    if ! grep -F -- "$f:$pos: error: " "$TMP/err" | grep -qF -- "$msg"; then
        fail "$base: no '$pos: ... $msg' in:"; cat "$TMP/err" >&2; continue
    fi
    # shellcheck disable=SC2086
    mp -f "$f" $args lint --format json >"$TMP/json" 2>/dev/null
    if [ $? -ne 1 ] || ! grep -q '"severity":"error"' "$TMP/json"; then
        fail "$base: lint --format json"; continue
    fi
    if ! grep -q '^# lint-only' "$f"; then
        rm -f "$TMP/out.yaml"
        # shellcheck disable=SC2086
        mp -f "$f" $args compile -o "$TMP/out.yaml" >/dev/null 2>&1
        code=$?
        if [ "$code" -ne 3 ] || [ -e "$TMP/out.yaml" ]; then
            fail "$base: compile exit $code (expected 3) or wrote output"; continue
        fi
    fi
    pass "$base"
done
[ "$count" -ge 60 ] || fail "only $count bad inputs"
exit $((failures != 0))
