# SPDX-License-Identifier: MIT
# Shared helpers for the shell tests (sourced). Gives: $MNISTPIPE (run through valgrind when
# MP_VALGRIND is set), a private $TMP removed at exit, fail/skip/expect helpers.
set -u
: "${MP_TOP_SRCDIR:?run through make check}"
: "${MP_TOP_BUILDDIR:?run through make check}"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/mnistpipe-test.XXXXXX") || exit 99
trap 'rm -rf "$TMP"' EXIT
failures=0

mp() {
    if [ -n "${MP_VALGRIND:-}" ]; then
        $LIBTOOL --mode=execute "$MP_VALGRIND" --quiet --error-exitcode=99 \
            --leak-check=full --errors-for-leak-kinds=definite,indirect "$MNISTPIPE" "$@"
    else
        "$MNISTPIPE" "$@"
    fi
}

fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }
skip() { echo "SKIP: $*" >&2; exit 77; }

# shared_dir: ../shared, or skip the test.
shared_dir() {
    if [ -n "${MNISTPIPE_SHARED:-}" ] && [ -d "$MNISTPIPE_SHARED" ]; then
        echo "$MNISTPIPE_SHARED"
    elif [ -d "$MP_TOP_SRCDIR/../shared" ]; then
        echo "$MP_TOP_SRCDIR/../shared"
    else
        return 1
    fi
}

# expect_exit CODE DESCRIPTION -- COMMAND...: run, check the exit code, keep output in $TMP/out.
expect_exit() {
    want=$1; what=$2; shift 3
    "$@" >"$TMP/out" 2>&1
    got=$?
    if [ "$got" -ne "$want" ]; then
        fail "$what: exit $got, expected $want; output:"; sed 's/^/    /' "$TMP/out" >&2
        return 1
    fi
    pass "$what (exit $got)"
}

# expect_output PATTERN DESCRIPTION: grep -E PATTERN in the last output.
expect_output() {
    if grep -Eq -- "$1" "$TMP/out"; then pass "$2"; else
        fail "$2: output lacks /$1/:"; sed 's/^/    /' "$TMP/out" >&2; fi
}

finish() {
    if [ "$failures" -ne 0 ]; then echo "$failures check(s) failed" >&2; exit 1; fi
    exit 0
}
