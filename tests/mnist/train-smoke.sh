#!/bin/sh
# SPDX-License-Identifier: MIT
# mnist-train on real MNIST: a short MLP run (exit code, last-line format, accuracy floor, a
# loadable export), then bad inputs (missing data file, corrupted model, unknown type).
set -u
fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*" >&2; exit 77; }

top_build=${MP_TOP_BUILDDIR:-$(pwd)}
train="$top_build/examples/mnist/train/mnist-train"
validate="$top_build/tests/mnist/mnpm-validate"
[ -x "$train" ] || fail "$train not built"
[ -x "$validate" ] || skip "tests/mnist/mnpm-validate not built (needs Check)"

data=
for d in "${MNISTPIPE_SHARED:-}/data/mnist" "${MP_TOP_SRCDIR:-.}/../shared/data/mnist"; do
    if [ -f "$d/train-images-idx3-ubyte.gz" ]; then data=$d; break; fi
done
[ -n "$data" ] || skip "real MNIST not found (\$MNISTPIPE_SHARED/data/mnist or ../shared/data/mnist)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/train-smoke.XXXXXX") || fail "mktemp"
trap 'rm -rf "$tmp"' EXIT

# 1. MLP, 300 steps of Adam: reaches ~94 % test accuracy; the floor is 0.92.
"$train" /opt/model.py --tf-data-dir "$data" --tf-export-dir "$tmp/export" \
    --tf-model-type MLP --optimizer adam --tf-learning-rate 0.001 --tf-train-steps 300 \
    --seed 1 --threads 2 --eval-test --some-unknown-flag x >"$tmp/out" 2>"$tmp/err" \
    || { cat "$tmp/err" >&2; fail "mnist-train exited $?"; }
grep -q 'warning: ignoring unknown option --some-unknown-flag' "$tmp/err" \
    || fail "no warning for an unknown flag"
grep -q 'progress step=300/300 loss=' "$tmp/err" || fail "no progress lines on stderr"
last=$(tail -n 1 "$tmp/out")
echo "$last"
echo "$last" | grep -Eq '^train: steps=300 loss=[0-9.]+ val_acc=0\.[0-9]{4} test_acc=0\.[0-9]{4} seconds=[0-9.]+ export=.+/[0-9]+$' \
    || fail "bad last line: $last"
acc=$(echo "$last" | sed 's/.*test_acc=\([0-9.]*\).*/\1/')
awk "BEGIN { exit !($acc >= 0.92) }" || fail "test_acc $acc below the 0.92 floor"
dir=${last##*export=}
case ${dir##*/} in *[!0-9]*|'') fail "version '${dir##*/}' is not numeric" ;; esac
[ -f "$dir/model.json" ] || fail "no model.json in $dir"
"$validate" "$dir/model.mnpm" | grep -q '^MLP 203530$' || fail "mnpm_load rejects $dir/model.mnpm"
ls -a "$tmp/export" | grep -q '^\.tmp-' && fail "a .tmp- directory was left behind"

# 2. --model-version, and a collision gives max(existing)+1; TF_CONFIG worker: no export.
"$train" --tf-data-dir "$data" --tf-export-dir "$tmp/export" --tf-model-type LINEAR \
    --tf-train-steps 20 --model-version "${dir##*/}" --quiet >"$tmp/out" 2>&1 || fail "LINEAR run failed"
v=$(ls "$tmp/export" | sort -n | tail -n 1)
[ "$v" -eq $((${dir##*/} + 1)) ] || fail "collision did not give max(existing)+1 (got $v)"
TF_CONFIG='{"task": {"type": "worker", "index": 0}}' "$train" --tf-data-dir "$data" \
    --tf-export-dir "$tmp/w" --tf-model-type LINEAR --tf-train-steps 5 --quiet >"$tmp/out" 2>&1 \
    || fail "worker run failed"
tail -n 1 "$tmp/out" | grep -q 'export=-$' || fail "a TF_CONFIG worker exported"
[ -e "$tmp/w" ] && fail "a TF_CONFIG worker created the export dir"

# 3. --tf-model-dir: a rerun resumes at the checkpoint's global step (max_steps semantics).
"$train" --tf-data-dir "$data" --tf-model-dir "$tmp/ck" --tf-export-dir "$tmp/e3" \
    --tf-model-type LINEAR --tf-train-steps 20 --quiet >"$tmp/out" 2>&1 || fail "checkpoint run failed"
"$train" --tf-data-dir "$data" --tf-model-dir "$tmp/ck" --tf-export-dir "$tmp/e3" \
    --tf-model-type LINEAR --tf-train-steps 30 >"$tmp/out" 2>"$tmp/err" || fail "resume failed"
grep -q 'resuming from .*checkpoint.mnck at global step 20' "$tmp/err" || fail "did not resume"
tail -n 1 "$tmp/out" | grep -q '^train: steps=30 ' || fail "resumed run did not stop at 30"
if "$train" --tf-data-dir "$data" --tf-model-dir "$tmp/ck" --tf-export-dir "$tmp/e3" \
    --tf-model-type MLP --quiet >"$tmp/out" 2>"$tmp/err"; then
    fail "a LINEAR checkpoint was used for an MLP"
fi
grep -q 'checkpoint is for model type LINEAR, not MLP' "$tmp/err" || fail "bad checkpoint message"

# 4. --weight-average exports the average and logs the last weights' accuracy; --init he.
"$train" --tf-data-dir "$data" --tf-export-dir "$tmp/e4" --tf-model-type LINEAR \
    --tf-train-steps 20 --init he --weight-average 0.5 --eval-test >"$tmp/out" 2>"$tmp/err" \
    || { cat "$tmp/err" >&2; fail "--weight-average run failed"; }
grep -Eq 'last weights \(not averaged\): val_acc=0\.[0-9]{4} test_acc=0\.[0-9]{4}$' "$tmp/err" \
    || fail "no accuracy of the last weights"
grep -q 'weight_average=0.5' "$tmp/e4"/*/model.json || fail "provenance lacks weight_average"
grep -q 'init=he' "$tmp/e4"/*/model.json || fail "provenance lacks init"
# Adam exports the average by default (0.99), unless --weight-average 0; SGD does not.
for args in "--optimizer adam:0.99" "--optimizer adam --weight-average 0:0" ":0"; do
    # shellcheck disable=SC2086
    "$train" --tf-data-dir "$data" --tf-export-dir "$tmp/e5" --tf-model-type LINEAR \
        --tf-train-steps 5 --validation-size 100 --quiet ${args%:*} >"$tmp/out" 2>"$tmp/err" \
        || { cat "$tmp/err" >&2; fail "run with '${args%:*}' failed"; }
    d5=$(tail -n 1 "$tmp/out"); d5=${d5##*export=}
    grep -qF "weight_average=${args##*:}\\n" "$d5/model.json" \
        || fail "'${args%:*}': provenance does not say weight_average=${args##*:}"
done
for bad in "--weight-average 1" "--weight-average x" "--init xavier"; do
    # shellcheck disable=SC2086
    if "$train" --tf-data-dir "$data" $bad >"$tmp/out" 2>"$tmp/err"; then fail "$bad accepted"; fi
    grep -q "error: ${bad%% *} expects" "$tmp/err" || fail "bad message for $bad"
done

# 5. Bad inputs.
mkdir "$tmp/partial"
cp "$data/train-images-idx3-ubyte.gz" "$data/train-labels-idx1-ubyte.gz" \
   "$data/t10k-images-idx3-ubyte.gz" "$tmp/partial/"
if "$train" --tf-data-dir "$tmp/partial" --tf-export-dir "$tmp/e2" >"$tmp/out" 2>"$tmp/err"; then
    fail "missing data file accepted"
fi
grep -q "t10k-labels-idx1-ubyte.gz" "$tmp/err" || fail "error does not name the missing file"
grep -q "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6" "$tmp/err" \
    || fail "error does not give the expected sha256"

cp "$dir/model.mnpm" "$tmp/bad.mnpm"
printf 'X' | dd of="$tmp/bad.mnpm" bs=1 seek=5000 conv=notrunc 2>/dev/null
if "$validate" "$tmp/bad.mnpm" 2>"$tmp/err"; then fail "corrupted model accepted"; fi
grep -q "CRC-32 mismatch" "$tmp/err" || fail "corruption not reported as a CRC error"

if "$train" --tf-data-dir "$data" --tf-model-type RNN >"$tmp/out" 2>"$tmp/err"; then
    fail "unknown model type accepted"
fi
grep -q "No such model type" "$tmp/err" || fail "bad message for an unknown model type"
if "$train" --tf-export-dir gs://bucket/mnist >"$tmp/out" 2>"$tmp/err"; then
    fail "gs:// accepted"
fi
grep -q "not supported by the local runner" "$tmp/err" || fail "bad message for gs://"
echo "PASS"
