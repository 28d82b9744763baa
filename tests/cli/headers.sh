#!/bin/sh
# SPDX-License-Identifier: MIT
# Each public header compiles alone, as C and as C++.
. "$MP_TOP_SRCDIR/tests/lib.sh"
cc=${CC:-cc}
for h in mnistpipe plugin host; do
    printf '#include <mnistpipe/%s.h>\nint mp_header_test_%s;\n' "$h" "$h" >"$TMP/$h.c"
    if $cc -std=c99 -Wall -Wextra -Werror -pedantic -I"$MP_TOP_SRCDIR/include" -c "$TMP/$h.c" \
        -o "$TMP/$h.o" 2>"$TMP/err"; then pass "$h.h compiles alone as C99"; else
        fail "$h.h as C:"; cat "$TMP/err" >&2; fi
    if command -v c++ >/dev/null; then
        cp "$TMP/$h.c" "$TMP/$h.cc"
        if c++ -Wall -Wextra -Werror -I"$MP_TOP_SRCDIR/include" -c "$TMP/$h.cc" -o "$TMP/$h.oo" \
            2>"$TMP/err"; then pass "$h.h compiles alone as C++"; else
            fail "$h.h as C++:"; cat "$TMP/err" >&2; fi
    fi
    grep -E '^#include' "$MP_TOP_SRCDIR/include/mnistpipe/$h.h" |
        grep -Ev '<(stddef|stdbool|stdarg)\.h>|<mnistpipe/(mnistpipe|plugin)\.h>' &&
        fail "$h.h includes more than the standard headers it may" || pass "$h.h includes little"
done
finish
