#!/bin/sh
# SPDX-License-Identifier: MIT
# mnist-serve never sees a half-written model export: while it polls the export directory
# every second, mnist-train exports new versions and is SIGKILLed at random moments, and a
# killed exporter's leftover (.tmp-VERSION-PID with a truncated model.mnpm) sits beside them.
# mnist-serve never fails to load a version, serves only complete ones, and every numeric
# version directory holds a model that mnpm-validate accepts.
. "$MP_TOP_SRCDIR/tests/mnist/lib-serve.sh"
need_tools
. "$MP_TOP_SRCDIR/tests/reliability/lib-export.sh"
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
exports_settle "$v"
finish
