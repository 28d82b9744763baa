#!/bin/sh
# SPDX-License-Identifier: MIT
# SIGKILL 'mnistpipe compile' at random moments: the output is never partial. After each kill
# the output file is absent, the previous file, or the complete new package, byte for byte;
# the only other file that may remain is the documented temporary file .NAME.tmp-XXXXXX
# (a kill between its creation and the rename; mnistpipe never reads it).
. "$MP_TOP_SRCDIR/tests/lib.sh"
[ -n "${PYTHON3:-}" ] || skip "no python3"
export SOURCE_DATE_EPOCH=0
L="--plugin onprem --pvc data"
for ext in tar.gz yaml; do
    "$MNISTPIPE" $L -p train_steps=1 compile -o "$TMP/old.$ext" &&
        "$MNISTPIPE" $L -p train_steps=2 compile -o "$TMP/new.$ext" ||
        { fail "reference compiles ($ext)"; continue; }
    cmp -s "$TMP/old.$ext" "$TMP/new.$ext" && fail "references differ ($ext)"
done
[ "$failures" -eq 0 ] || finish
iterations=30
[ -n "${MP_VALGRIND:-}" ] && iterations=8
"$PYTHON3" "$MP_TOP_SRCDIR/tests/reliability/killer.py" "$TMP" "$iterations" \
    "$MNISTPIPE" $L -p train_steps=2 compile || fail "kill loop"
finish
