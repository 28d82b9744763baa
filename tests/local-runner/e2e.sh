#!/bin/sh
# SPDX-License-Identifier: MIT
# End to end: `mnistpipe run` of the MNIST pipeline with the real programs (a short training on
# shared/data/mnist), predictions over HTTP, the web page in headless Chromium against the web UI
# the runner started (tests/mnist/browser/page.test.js: random test images, a drawn digit),
# stop, and nothing left running (no process of the run, both ports free).
# Under MP_VALGRIND the runner runs under valgrind (the programs it starts do not).
# The browser part needs node, chromium and playwright-core (see tests/mnist/browser.sh); without
# them it is skipped with a message, or fails when MNISTPIPE_REQUIRE_BROWSER is set.
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
    for r in $(ls "$XDG_STATE_HOME/mnistpipe/runs" 2>/dev/null); do
        "$MNISTPIPE" --plugin local stop "$r" >/dev/null 2>&1
    done
    rm -rf "$TMP"
}
trap cleanup EXIT

# Two free loopback ports.
set -- $(python3 -c 'import socket
a=[socket.socket() for _ in range(2)]
[s.bind(("127.0.0.1",0)) for s in a]
print(*[s.getsockname()[1] for s in a])')
sp=$1; up=$2

# The runner, under valgrind when asked (as mp() in lib.sh, but with a time limit).
if [ -n "${MP_VALGRIND:-}" ]; then
    runner="$LIBTOOL --mode=execute $MP_VALGRIND --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect $MNISTPIPE"
else
    runner=$MNISTPIPE
fi
# shellcheck disable=SC2086
expect_exit 0 "run with the real programs" -- timeout 600 $runner --plugin onprem \
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

expect_exit 0 "the train step's log" -- mp --plugin local logs "$run" train
expect_output 'train: steps=100 ' "model.py's final line in the log"

# The web page in headless Chromium, against the web UI the runner started, with no query
# overrides: the page talks to the model server the runner gave the web UI.
browser=""
no_browser() {
    if [ -n "${MNISTPIPE_REQUIRE_BROWSER:-}" ]; then fail "$*"; else
        echo "SKIP (browser part only): $*" >&2; fi
}
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
modules=
for d in "$MP_TOP_BUILDDIR/tests/mnist/browser/node_modules" \
         "$MP_TOP_SRCDIR/tests/mnist/browser/node_modules"; do
    [ -d "$d/playwright-core" ] && modules=$d && break
done
[ -n "$modules" ] && NODE_PATH=$modules${NODE_PATH:+:$NODE_PATH}
export NODE_PATH="${NODE_PATH:-}" CHROMIUM
if ! command -v node >/dev/null 2>&1; then
    no_browser "node is not installed"
elif [ ! -x "$CHROMIUM" ]; then
    no_browser "chromium is not installed at $CHROMIUM"
elif ! node -e 'require.resolve("playwright-core")' >/dev/null 2>&1; then
    no_browser "playwright-core not found (npm install tests/mnist/browser/package.json in $MP_TOP_BUILDDIR/tests/mnist/browser)"
else
    browser=yes
fi
if [ -n "$browser" ]; then
    version=$(curl -sf --max-time 10 "http://127.0.0.1:$sp/v1/models/mnist" | python3 -c 'import json,sys
print(json.load(sys.stdin)["model_version_status"][0]["version"])')
    if HOME=$TMP timeout 180 node "$MP_TOP_SRCDIR/tests/mnist/browser/page.test.js" \
        "http://127.0.0.1:$up/" "$version" "$TMP" >"$TMP/browser.out" 2>&1; then
        pass "the page in Chromium: status, random images, a drawn digit (model $version)"
    else
        fail "the page in Chromium:"; sed 's/^/    /' "$TMP/browser.out" >&2
    fi
    grep -E '^  ' "$TMP/browser.out"
fi

pids=$(python3 -c 'import json,sys
st=json.load(open(sys.argv[1]))
print(" ".join(str(s["pid"]) for s in st["steps"] if s["pid"]))' "$XDG_STATE_HOME/mnistpipe/runs/$run/status.json")
[ -n "$pids" ] && pass "the services' pids are recorded: $pids" || fail "no pids in status.json"
expect_exit 0 "stop" -- mp --plugin local stop "$run"
expect_output "serve: stopped" "stop ended serve"
expect_output "web-ui: stopped" "stop ended the web UI"
# No process of the run: neither the services nor anything in their process groups (each
# service leads its own session), nor any process of the run's state directory.
left=""
alive() { kill -0 "$1" 2>/dev/null && ! grep -q '^[^)]*) [ZX]' "/proc/$1/stat" 2>/dev/null; }
for p in $pids; do
    alive "$p" && left="$left $p"
    for q in $(ps -eo pid=,pgid= | awk -v g="$p" '$2 == g { print $1 }'); do
        alive "$q" && left="$left $q(group $p)"
    done
done
for q in $(pgrep -f "$XDG_STATE_HOME" 2>/dev/null); do alive "$q" && left="$left $q"; done
[ -z "$left" ] && pass "nothing of the run left running" || fail "still running:$left"
# Both ports free: a new server can listen on them (SO_REUSEADDR, as servers do, so that the
# closed connections' TIME_WAIT does not count; a listener still there would).
for port in "$sp" "$up"; do
    if python3 -c 'import socket,sys
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1)' "$port" 2>/dev/null; then
        pass "port $port is free"
    else
        fail "port $port is still in use after stop"
    fi
done
expect_exit 0 "status after stop" -- mp --plugin local runs status "$run"
expect_output '^serve +stopped' "serve recorded as stopped"
run=""
finish
