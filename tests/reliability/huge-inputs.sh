#!/bin/sh
# SPDX-License-Identifier: MIT
# Bad inputs too large to keep in the source tree, generated in the build tree at test time:
# each is refused quickly with the exact FILE:LINE:COL message, lint exit 1, compile exit 3
# and no output; a large valid pipeline (10,000 steps in a chain) compiles in bounded time.
. "$MP_TOP_SRCDIR/tests/lib.sh"
[ -n "${PYTHON3:-}" ] || skip "no python3"
big=$(mktemp -d "$MP_TOP_BUILDDIR/tests/reliability/huge.XXXXXX") || exit 99
trap 'rm -rf "$TMP" "$big"' EXIT
# Under valgrind the inputs are smaller: the limits are the same code paths.
scale=1
[ -n "${MP_VALGRIND:-}" ] && scale=10
L="--plugin onprem --pvc data"
cpu=
[ -z "${MP_VALGRIND:-}" ] && [ -x /usr/bin/time ] && cpu="/usr/bin/time -f %U -o $TMP/cpu"

# check NAME LINE:COL MESSAGE: lint and compile of $big/NAME.yaml, each within 60 s.
check() {
    f=$big/$1.yaml
    timeout 60 "$MNISTPIPE" -f "$f" $L lint >"$TMP/out" 2>&1
    code=$?
    if [ "$code" -ne 1 ]; then fail "$1: lint exit $code, expected 1"; head -c 600 "$TMP/out" >&2; return; fi
    if ! grep -F -- "$f:$2: error: " "$TMP/out" | grep -qF -- "$3"; then
        fail "$1: no '$2: ... $3' in:"; head -c 600 "$TMP/out" >&2; return
    fi
    timeout 60 "$MNISTPIPE" -f "$f" $L compile -o "$big/out.yaml" >/dev/null 2>&1
    code=$?
    if [ "$code" -ne 3 ] || [ -e "$big/out.yaml" ]; then fail "$1: compile exit $code or wrote output"; return; fi
    pass "$1"
}

gen() { "$PYTHON3" -c "$2" >"$big/$1.yaml" || fail "generating $1"; }

# 100 MB (above the 64 MiB limit): refused before it is read.
if [ "$scale" -eq 1 ]; then
    head -c 100000000 /dev/zero | tr '\0' '#' >"$big/100mb.yaml"
    check 100mb 1:1 "100000000 bytes; the limit is 64 MiB"
fi
# 10,000-deep nesting, flow and block style.
gen deep-flow "print('name: p\nsteps: ' + '['*10000 + ']'*10000)"
check deep-flow 2:71 "nesting deeper than 64 levels"
gen deep-block "print('name: p\nsteps:'); [print(' '*(i+1) + '- ', end='\n' if i < 9999 else 'x\n') for i in range(10000)]"
check deep-block 66:65 "nesting deeper than 64 levels"
# One mapping with 100,000 keys (a duplicate at the end), one list with 20,000 items.
gen wide-map "print('name: p\nsteps:\n  - name: a\n    image: i\n    labels:'); [print('      k%d: v' % i) for i in range(100000 // $scale)]; print('      k5: v')"
check wide-map 6:7 "a list or mapping with more than 10000 entries"
gen wide-list "print('name: p\nsteps:\n  - name: a\n    image: i\n    args:'); [print('      - x') for i in range(20000)]"
check wide-list 6:7 "a list or mapping with more than 10000 entries"
# Billion laughs, ten levels of ten.
gen laughs "print('name: p\na0: &a0 [lol]'); [print('a%d: &a%d [%s]' % (i, i, ','.join(['*a%d' % (i-1)]*10))) for i in range(1, 10)]; print('steps: *a9')"
check laughs 3:10 "YAML aliases (*a0) are not supported"
# A 10,000-step cycle: one line naming every step, found without deep recursion.
gen cycle "n=10000//$scale
print('name: p\nsteps:'); [print('  - {name: s%d, image: i, after: s%d}' % (i, (i - 1) % n)) for i in range(n)]"
check cycle 3:33 "dependency cycle: s0 -> s$((10000 / scale - 1)) -> s$((10000 / scale - 2))"

# A large valid pipeline: 10,000 steps in a chain lint and compile in linear time (under 8 s of
# CPU each, where name look-ups by list took 12-16 s) and within 60 s of wall time.
gen chain "n=10000//$scale
print('name: p\nsteps:'); [print('  - {name: s%d, image: i%s}' % (i, ', after: s%d' % (i - 1) if i else '')) for i in range(n)]"
for cmd in lint "compile -o $big/chain.tar.gz"; do
    rm -f "$TMP/cpu"
    # shellcheck disable=SC2086
    $cpu timeout 60 "$MNISTPIPE" -f "$big/chain.yaml" $L $cmd >"$TMP/out" 2>&1
    code=$?
    [ "$code" -eq 0 ] && pass "10,000-step chain: ${cmd%% *}" ||
        { fail "10,000-step chain: ${cmd%% *}: exit $code"; head -c 600 "$TMP/out" >&2; }
    if [ -s "$TMP/cpu" ]; then
        t=$(tail -n 1 "$TMP/cpu")
        awk "BEGIN { exit !($t < 8) }" && pass "10,000-step chain: ${cmd%% *} in ${t}s of CPU" ||
            fail "10,000-step chain: ${cmd%% *} took ${t}s of CPU"
    fi
done
# The file's own lists and `after` lists may pass 10,000 entries: a fan-in of 20,000 steps
# (one `after` naming all the others) lints clean.
gen fan "n=20000//$scale
print('name: p\nsteps:\n  - {name: src, image: i}'); [print('  - {name: s%d, image: i, after: [src]}' % i) for i in range(n)]
print('  - name: sink\n    image: i\n    after:'); [print('      - s%d' % i) for i in range(n)]"
timeout 60 "$MNISTPIPE" -f "$big/fan.yaml" $L lint >"$TMP/out" 2>&1
code=$?
[ "$code" -eq 0 ] && pass "$((20000 / scale))-step fan-in: lint" ||
    { fail "$((20000 / scale))-step fan-in: lint exit $code"; head -c 600 "$TMP/out" >&2; }
finish
