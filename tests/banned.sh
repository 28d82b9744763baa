#!/bin/sh
# SPDX-License-Identifier: MIT
# Banned calls in core/ and plugins/: unsafe string functions everywhere; exit, abort and
# printing outside core/main.c.
. "$MP_TOP_SRCDIR/tests/lib.sh"
cd "$MP_TOP_SRCDIR" || exit 99
files=$(find core plugins -name '*.c' -o -name '*.h' | sort)
hits=$(grep -nE '\b(sprintf|vsprintf|strcpy|strcat|strncpy|strtok|atoi|atol|gets|system)\s*\(' $files)
[ -z "$hits" ] && pass "no unsafe string calls" || fail "unsafe calls:
$hits"
hits=$(grep -nE '\b(exit|abort|printf|fprintf|puts|fputs|perror)\s*\(' $(echo "$files" | grep -v '^core/main\.c$') |
    grep -vE '(snprintf|vsnprintf|mp_buf_printf|mp_ctx_printf|mp_buf_vprintf|mp_error_set)')
[ -z "$hits" ] && pass "no exit/abort/printing outside core/main.c" || fail "found:
$hits"
finish
