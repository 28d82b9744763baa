#!/bin/sh
# SPDX-License-Identifier: MIT
# Start-up cost: a compile maps neither libcurl nor TLS (the kfp and argo plugins load libcurl
# when a command first needs the network), and libmnistpipe needs no libarchive.
. "$MP_TOP_SRCDIR/tests/lib.sh"
[ -z "${MP_VALGRIND:-}" ] || skip "reads the dynamic loader's trace, not valgrind's"
lib=$MP_TOP_BUILDDIR/core/.libs/libmnistpipe.so
[ -f "$lib" ] || skip "no $lib"
# Only the libraries the process maps (LD_DEBUG=files names each one as it is loaded).
LD_DEBUG=files "$MNISTPIPE" --plugin onprem --pvc p compile -o "$TMP/p.tar.gz" \
    >"$TMP/out" 2>"$TMP/trace" || fail "compile failed: $(cat "$TMP/out" "$TMP/trace" | tail -n 5)"
grep -q 'file=.*kfp\.so' "$TMP/trace" && pass "the kfp plugin was loaded" ||
    fail "kfp.so is not in the loader's trace"
for l in libcurl libssl libcrypto libgnutls libarchive libxml2 libicu; do
    if grep -q "file=$l" "$TMP/trace"; then fail "a compile loaded $l"; else
        pass "a compile does not load $l"; fi
done
# The network commands still get libcurl: a refused connection is a network error (6), not
# a missing library.
expect_exit 6 "kfp upload loads libcurl when it needs it" -- \
    "$MNISTPIPE" upload --host http://127.0.0.1:9 --retries 0
expect_output 'http://127\.0\.0\.1:9|connect|refused' "the error is the connection's"
finish
