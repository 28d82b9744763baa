#!/bin/sh
# SPDX-License-Identifier: MIT
# No test log of this build holds a secret the cluster-client tests use: the tokens, cookies
# and passwords of tests/kfp/*.sh (the part after "$$-" is fixed, e.g. "Zq8secret") never
# reach output. Runs after those tests (see tests/reliability/local.mk).
. "$MP_TOP_SRCDIR/tests/lib.sh"
secrets=$(grep -ho '"[a-z]*-\$\$-[A-Za-z0-9]*"' "$MP_TOP_SRCDIR"/tests/kfp/*.sh |
    sed 's/^"[a-z]*-\$\$-//; s/"$//' | sort -u)
[ -n "$secrets" ] || skip "tests/kfp/*.sh use no recognisable test secrets"
n=$(echo "$secrets" | wc -l)
# The check itself finds a planted secret.
first=$(echo "$secrets" | head -n 1)
echo "token: tok-1-$first" >"$TMP/planted.log"
echo "$secrets" >"$TMP/patterns"
grep -rlF -f "$TMP/patterns" "$TMP" | grep -q planted.log && pass "a planted secret is found" ||
    fail "the search misses a planted secret"
ran=0
for t in kfp auth argo; do
    [ -f "$MP_TOP_BUILDDIR/tests/kfp/$t.log" ] && ! grep -q '^SKIP' "$MP_TOP_BUILDDIR/tests/kfp/$t.trs" 2>/dev/null &&
        grep -q ':test-result: PASS\|:test-result: FAIL' "$MP_TOP_BUILDDIR/tests/kfp/$t.trs" 2>/dev/null &&
        ran=$((ran + 1))
done
[ "$ran" -gt 0 ] || skip "the tests/kfp tests did not run in this build"
# Every log and result file of the build's tests, and anything the stub or runs left there.
found=$(find "$MP_TOP_BUILDDIR" -type f \( -name '*.log' -o -name '*.trs' -o -name '*.out' \) \
    ! -name 'secrets-in-logs.*' -print 2>/dev/null | xargs grep -lF -f "$TMP/patterns" 2>/dev/null)
if [ -z "$found" ]; then
    pass "$n test secrets in no log of $ran client test(s) or any other test"
else
    fail "test secrets in: $found"
fi
finish
