#!/bin/sh
# SPDX-License-Identifier: MIT
# mnist-serve never sees a half-written model export: while it polls the export directory
# every second, mnist-train exports new versions and is SIGKILLed at random moments, and a
# killed exporter's leftover (.tmp-VERSION-PID with a truncated model.mnpm) sits beside them.
# mnist-serve never fails to load a version, serves only complete ones, and every numeric
# version directory holds a model that mnpm-validate accepts.
. "$MP_TOP_SRCDIR/tests/mnist/lib-serve.sh"
need_tools
[ "$STUB" = 0 ] || skip "needs mnist-serve and mnist-train"
DATA=$(data_dir) || skip "real MNIST not found (\$MNISTPIPE_SHARED/data/mnist)"
validate=$MP_TOP_BUILDDIR/tests/mnist/mnpm-validate
[ -x "$validate" ] || skip "tests/mnist/mnpm-validate is not built"
export_dir=$TMP/export
train() {
    "$TRAIN" --tf-data-dir "$DATA" --tf-export-dir "$export_dir" --tf-model-type LINEAR \
        --tf-train-steps 1 --threads 1 --model-version "$1" --quiet >>"$TMP/train.log" 2>&1
}
t0=$(date +%s.%N)
train 1 || { cat "$TMP/train.log" >&2; fail "first export"; finish; }
took=$(echo "$t0 $(date +%s.%N)" | awk '{ print $2 - $1 }')
# What a SIGKILL in the middle of an export leaves: a hidden directory, a partial file.
mkdir "$export_dir/.tmp-9-12345"
head -c 1000 "$export_dir/1/model.mnpm" >"$export_dir/.tmp-9-12345/model.mnpm"
start_bg S "$SERVE" --model_base_path "$export_dir" --rest_api_port 0 \
    --file_system_poll_wait_seconds 1

"$PY" -c 'import json; print(json.dumps({"instances": [[0.5] * 784]}))' >"$TMP/body.json"
kills=2
[ -n "${MP_VALGRIND:-}" ] && kills=1
v=1
i=0
while [ $i -lt $kills ]; do
    i=$((i + 1)); v=$((v + 1))
    train "$v" &
    tp=$!
    # The export comes at the end of the run: kill anywhere in its second half.
    sleep "$("$PY" -c "import random; print(round(random.uniform(0.5, 1.05) * $took, 2))")"
    kill -9 "$tp" 2>/dev/null
    wait "$tp" 2>/dev/null
    req POST "$S_URL/v1/models/mnist:predict" "$TMP/body.json"
    [ "$CODE" = 200 ] || fail "predict after kill $i: HTTP $CODE"
done
v=$((v + 1))
train "$v" || fail "a last complete export"
sleep 2.5 # two polls
req GET "$S_URL/v1/models/mnist"
expect_code 200 "status"
expect_json "[s['version'] for s in d['model_version_status'] if s['state'] == 'AVAILABLE'] == ['$v']" \
    "the newest complete version ($v) is the one available"
req POST "$S_URL/v1/models/mnist:predict" "$TMP/body.json"
expect_code 200 "predict with the newest version"
if grep -E "failed to load|cannot" "$TMP/S.log"; then fail "mnist-serve met a broken export"; else
    pass "mnist-serve never met a broken export"; fi
bad=
for d in "$export_dir"/[0-9]*; do
    "$validate" "$d/model.mnpm" >/dev/null 2>&1 || bad="$bad ${d##*/}"
done
[ -z "$bad" ] && pass "every version directory holds a complete model" || fail "incomplete:$bad"
echo "export dir: $(ls -A "$export_dir" | tr '\n' ' ')"
stop "$S_PID" && pass "clean exit" || fail "exit status $?"
finish
