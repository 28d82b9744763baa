#!/bin/sh
# SPDX-License-Identifier: MIT
# End to end: `mnistpipe run` of the MNIST pipeline with the real programs (a short training on
# shared/data/mnist), predictions over HTTP, the web UI page, stop, and nothing left running.
. "$MP_TOP_SRCDIR/tests/lib.sh"
B=$MP_TOP_BUILDDIR/examples/mnist
for prog in train/mnist-train serve/mnist-serve web-ui/mnist-web-ui; do
    [ -x "$B/$prog" ] || skip "$B/$prog is not built yet"
done
command -v curl >/dev/null 2>&1 || skip "no curl"
command -v python3 >/dev/null 2>&1 || skip "no python3 (free ports)"
shared=$(shared_dir) || skip "no shared/ directory"
data=$shared/data/mnist
[ -f "$data/train-images-idx3-ubyte.gz" ] || skip "no MNIST data in $data"
export XDG_STATE_HOME="$TMP/state"
export MNISTPIPE_LIBEXEC_PATH="$B/train:$B/serve:$B/web-ui"
run=""
cleanup() {
    [ -n "$run" ] && "$MNISTPIPE" --plugin local stop "$run" >/dev/null 2>&1
    rm -rf "$TMP"
}
trap cleanup EXIT

# Two free loopback ports.
set -- $(python3 -c 'import socket
a=[socket.socket() for _ in range(2)]
[s.bind(("127.0.0.1",0)) for s in a]
print(*[s.getsockname()[1] for s in a])')
sp=$1; up=$2

expect_exit 0 "run with the real programs" -- timeout 600 "$MNISTPIPE" --plugin onprem \
    --pvc data --plugin local run -p train_steps=100 -p model_export_dir=/mnt/export \
    --data-dir "$data" --train-args "--tf-model-type LINEAR --eval-test" --serve-port "$sp" --ui-port "$up" \
    --ready-timeout 60
cp "$TMP/out" "$TMP/run.out"
run=$(ls "$XDG_STATE_HOME/mnistpipe/runs" | sort | tail -n 1)
expect_output 'done .*test_acc=0\.[0-9]' "train reports its test accuracy"
expect_output "serve: ready" "serve is ready"
expect_output "web-ui: ready" "web-ui is ready"

# A prediction for a blank image: ten probabilities.
body=$(python3 -c 'print("{\"instances\": [[" + ",".join(["0.0"]*784) + "]]}")')
if curl -sf --max-time 10 -d "$body" "http://127.0.0.1:$sp/v1/models/mnist:predict" >"$TMP/pred"; then
    grep -q '"predictions"' "$TMP/pred" && pass "predict over HTTP" || fail "predict: $(cat "$TMP/pred")"
else
    fail "predict request failed"
fi
curl -sf --max-time 10 "http://127.0.0.1:$up/" >"$TMP/page" && grep -qi '<html' "$TMP/page" &&
    pass "the web UI page" || fail "no web UI page"
curl -sf --max-time 20 -d '{"index": 0}' "http://127.0.0.1:$up/api/predict" >"$TMP/uipred" &&
    grep -q '"prediction"' "$TMP/uipred" && pass "the web UI predicts through serve" ||
    fail "web UI predict: $(cat "$TMP/uipred" 2>/dev/null)"

pids=$(python3 -c 'import json,sys
st=json.load(open(sys.argv[1]))
print(" ".join(str(s["pid"]) for s in st["steps"] if s["pid"]))' "$XDG_STATE_HOME/mnistpipe/runs/$run/status.json")
expect_exit 0 "stop" -- "$MNISTPIPE" --plugin local stop "$run"
left=""
alive() { kill -0 "$1" 2>/dev/null && ! grep -q '^[^)]*) [ZX]' "/proc/$1/stat" 2>/dev/null; }
for p in $pids; do alive "$p" && left="$left $p"; done
[ -z "$left" ] && pass "nothing left running" || fail "still running:$left"
curl -s --max-time 2 "http://127.0.0.1:$sp/v1/models/mnist" >/dev/null 2>&1 &&
    fail "serve still answers after stop" || pass "serve's port is closed"
run=""
finish
