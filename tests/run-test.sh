#!/bin/sh
# SPDX-License-Identifier: MIT
# LOG_COMPILER for every test: runs it directly, or under valgrind when MP_VALGRIND is set
# (make check MP_VALGRIND=valgrind), with errors failing the test.
test="$1"; shift
case "$test" in
    *.sh) interp="${SHELL:-/bin/sh}" ;;
    *) interp= ;;
esac
if [ -n "$MP_VALGRIND" ]; then
    export CK_FORK=no
    # Shell tests pass MP_VALGRIND on, and tests/lib.sh wraps the mnistpipe binary with it.
    if [ -z "$interp" ]; then
        exec ${LIBTOOL:-libtool} --mode=execute "$MP_VALGRIND" --quiet --error-exitcode=1 \
            --leak-check=full --errors-for-leak-kinds=definite,indirect \
            --suppressions=/dev/null "$test" "$@"
    fi
fi
if [ -n "$interp" ]; then
    exec "$interp" "$test" "$@"
fi
exec "$test" "$@"
