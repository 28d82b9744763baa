#!/bin/sh
# SPDX-License-Identifier: MIT
# The library exports only the public mp_ API; each plugin only its entry symbol.
. "$MP_TOP_SRCDIR/tests/lib.sh"
command -v nm >/dev/null || skip "nm not found"
lib="$MP_TOP_BUILDDIR/core/.libs/libmnistpipe.so"
[ -f "$lib" ] || { fail "no $lib"; finish; }
bad=$(nm -D --defined-only "$lib" | awk '{print $3}' | grep -v '^mp_' | grep -Ev '^(_init|_fini|_edata|_end|__bss_start)$')
[ -z "$bad" ] && pass "libmnistpipe exports only mp_*" || fail "libmnistpipe exports: $bad"
nm -D --defined-only "$lib" | grep -q ' mpi_' && fail "internal mpi_ symbols exported" ||
    pass "no mpi_ symbols exported"
soname=$(objdump -p "$lib" 2>/dev/null | awk '/SONAME/ {print $2}')
[ "$soname" = libmnistpipe.so.0 ] && pass "SONAME $soname" || fail "SONAME '$soname'"
for so in "$MP_TOP_BUILDDIR"/plugins/.libs/*.so; do
    syms=$(nm -D --defined-only "$so" | awk '{print $3}' | grep -Ev '^(_init|_fini|_edata|_end|__bss_start)$')
    [ "$syms" = mp_plugin_describe ] && pass "$(basename "$so") exports only mp_plugin_describe" ||
        fail "$(basename "$so") exports: $syms"
    objdump -p "$so" | grep -q 'NEEDED *libmnistpipe.so.0' && pass "$(basename "$so") needs libmnistpipe" ||
        fail "$(basename "$so") does not link libmnistpipe"
done
finish
