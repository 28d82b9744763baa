#!/bin/sh
# SPDX-License-Identifier: MIT
# Disk full on a small tmpfs (in a private mount namespace; skipped where mounting is not
# permitted): compile -o a package fails with exit 5 and one line naming the file and "No
# space left on device", removes its temporary file and leaves a previous package intact;
# mnist-train's model export fails the same way (exit non-zero, no version directory and no
# .tmp-* directory left) when MNIST data is at hand.
. "$MP_TOP_SRCDIR/tests/lib.sh"
command -v unshare >/dev/null 2>&1 || skip "no unshare"
mnt=$TMP/small
mkdir -p "$mnt"
unshare -m sh -c "mount -t tmpfs -o size=256k tmpfs '$mnt'" 2>/dev/null ||
    skip "cannot mount a tmpfs in a private mount namespace here"

# A pipeline whose package is larger than the file system (about 300 KB as .yaml).
"${PYTHON3:-python3}" -c "
print('name: p\nsteps:'); [print('  - {name: s%d, image: i%s}' % (i, ', after: s%d' % (i - 1) if i else '')) for i in range(1000)]" \
    >"$TMP/big.yaml" || skip "no python3"
train=$MP_TOP_BUILDDIR/examples/mnist/train/mnist-train
data=
if d=$(shared_dir) && [ -f "$d/data/mnist/train-images-idx3-ubyte.gz" ]; then data=$d/data/mnist; fi

# Everything runs inside one private mount namespace; its output is checked here.
MP_MNT=$mnt MP_BIG=$TMP/big.yaml MP_TRAIN=$train MP_DATA=$data \
    unshare -m sh -c '
mount -t tmpfs -o size=256k tmpfs "$MP_MNT" || exit 99
mp() { "$MNISTPIPE" "$@"; }
[ -n "${MP_VALGRIND:-}" ] && mp() { $LIBTOOL --mode=execute "$MP_VALGRIND" --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect "$MNISTPIPE" "$@"; }
echo previous >"$MP_MNT/prev.yaml"
mp -f "$MP_BIG" compile -o "$MP_MNT/out.yaml"; echo "exit=$?"
mp -f "$MP_BIG" compile -o "$MP_MNT/prev.yaml"; echo "exit=$?"
echo "files: $(ls -A "$MP_MNT" | tr "\n" " ")"
echo "prev: $(cat "$MP_MNT/prev.yaml")"
# Fill the file system completely: creating the temporary file or its first write fails.
cat /dev/zero >"$MP_MNT/fill" 2>/dev/null
mp compile -o "$MP_MNT/small.tar.gz"; echo "exit=$?"
rm -f "$MP_MNT/fill" "$MP_MNT/prev.yaml"
echo "files: $(ls -A "$MP_MNT" | tr "\n" " ")"
if [ -n "$MP_DATA" ] && [ -x "$MP_TRAIN" ]; then
    # A model.mnpm is about 32 KB: leave 16 KB free.
    head -c $((240 * 1024)) /dev/zero >"$MP_MNT/fill"
    "$MP_TRAIN" --tf-data-dir "$MP_DATA" --tf-export-dir "$MP_MNT/export" --tf-model-type LINEAR \
        --tf-train-steps 1 --threads 1 >/dev/null; echo "train exit=$?"
    echo "export: $(ls -A "$MP_MNT/export" | tr "\n" " ")"
fi
' >"$TMP/out" 2>&1
code=$?
sed 's/^/    /' "$TMP/out"
[ "$code" -eq 99 ] && skip "cannot mount a tmpfs"
[ "$(grep -c '^exit=5$' "$TMP/out")" -eq 3 ] && pass "compile fails with exit 5 (3 times)" ||
    fail "compile exit codes: $(grep '^exit=' "$TMP/out" | tr '\n' ' ')"
n=$(grep -c "mnistpipe: error: $mnt/out.yaml: No space left on device" "$TMP/out")
[ "$n" -eq 1 ] && pass "the error names the file and the cause" || fail "no clear ENOSPC message"
grep -q "mnistpipe: error: $mnt/small.tar.gz: .*No space left on device" "$TMP/out" &&
    pass "a full file system gives the same error" || fail "full file system: no clear message"
grep -q '^files: prev.yaml $' "$TMP/out" && pass "no temporary or partial file left" ||
    fail "files left: $(grep '^files:' "$TMP/out" | head -n 1)"
grep -q '^files: $' "$TMP/out" && pass "no temporary file left when full" ||
    fail "files left when full: $(grep '^files:' "$TMP/out" | tail -n 1)"
grep -q '^prev: previous$' "$TMP/out" && pass "the previous package is intact" ||
    fail "previous package changed"
if grep -q '^train exit=' "$TMP/out"; then
    grep -q '^train exit=0$' "$TMP/out" && fail "train succeeded on a full disk" ||
        pass "mnist-train fails on a full disk"
    grep -q 'error: export: cannot write .*No space left on device' "$TMP/out" &&
        pass "mnist-train says why" || fail "mnist-train: no clear ENOSPC message"
    grep -q '^export: $' "$TMP/out" && pass "no partial model export left" ||
        fail "export dir: $(grep '^export:' "$TMP/out")"
else
    echo "note: MNIST data not found; model export on a full disk not checked"
fi
finish
