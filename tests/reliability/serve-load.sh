#!/bin/sh
# SPDX-License-Identifier: MIT
# mnist-serve under hostile load keeps answering other clients: slow-loris clients (headers
# and bodies trickled, never finished) and 1,000 concurrent connections (wrk -c 1000). The
# REST layer is the one mnist-serve runs; the model is the stand-in (tests/mnist/stub_servable.c).
. "$MP_TOP_SRCDIR/tests/mnist/lib-serve.sh"
need_tools
SERVE=$MP_TOP_BUILDDIR/tests/mnist/mnist-serve-stub
[ -x "$SERVE" ] || skip "tests/mnist/mnist-serve-stub is not built"
mkdir -p "$TMP/models/1" && echo 1 >"$TMP/models/1/model.stub"
start_bg S "$SERVE" --model_base_path "$TMP/models" --model_name mnist --rest_api_port 0 \
    --rest_api_num_threads 2
slow=200 conns=1000 secs=4
[ -n "${MP_VALGRIND:-}" ] && slow=20 conns=0 secs=3
# wrk and the server each need a descriptor per connection.
fds=$(ulimit -n)
case $fds in unlimited) ;; *) [ "$fds" -lt $((2 * conns + 100)) ] && conns=$(( (fds - 100) / 2 )) ;; esac

# timed_req WHAT: GET the model status; HTTP 200 within 3 s.
timed_req() {
    t=$(curl -s -o "$TMP/resp" -w '%{http_code} %{time_total}' -m 10 "$S_URL/v1/models/mnist")
    code=${t% *}; took=${t#* }
    if [ "$code" = 200 ] && awk "BEGIN { exit !($took < 3) }"; then pass "$1 (${took}s)"; else
        fail "$1: HTTP $code after ${took}s"; fi
}

# 1. Slow-loris clients hold connections open; others are still answered.
port=${S_URL##*:}
"$PY" "$MP_TOP_SRCDIR/tests/reliability/slowloris.py" "$port" "$slow" "$secs" >"$TMP/slow.out" 2>&1 &
lpid=$!
PIDS="$PIDS $lpid"
i=0; while ! grep -q ready "$TMP/slow.out" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
grep -q ready "$TMP/slow.out" && pass "$slow slow clients connected" ||
    fail "slow clients: $(cat "$TMP/slow.out")"
for n in 1 2 3; do timed_req "status during slow-loris ($n)"; done
body=$TMP/predict.json
"$PY" -c 'import json; print(json.dumps({"instances": [[0.0] * 784]}))' >"$body"
req POST "$S_URL/v1/models/mnist:predict" "$body"
expect_code 200 "predict during slow-loris"
wait "$lpid"
cat "$TMP/slow.out"

# 2. 1,000 concurrent connections for 3 s (fewer when descriptors are limited; not under
# valgrind, too slow to be meaningful).
if [ "$conns" -gt 0 ] && command -v wrk >/dev/null 2>&1; then
    wrk -t 2 -c "$conns" -d 3s --timeout 5s "$S_URL/v1/models/mnist" >"$TMP/wrk.out" 2>&1 &
    wpid=$!
    sleep 1.5
    timed_req "status during wrk -c $conns"
    wait "$wpid"
    sed 's/^/    /' "$TMP/wrk.out"
    reqs=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$TMP/wrk.out")
    [ "${reqs:-0}" -gt 1000 ] && pass "wrk: $reqs requests answered" || fail "wrk: ${reqs:-no} requests"
    grep -q 'Non-2xx' "$TMP/wrk.out" && fail "wrk: non-2xx answers" || pass "wrk: every answer 2xx"
    if grep -q 'Socket errors' "$TMP/wrk.out"; then
        grep -Eq 'Socket errors: connect 0, read 0, write 0, timeout 0' "$TMP/wrk.out" &&
            pass "wrk: no socket errors" || fail "wrk: $(grep 'Socket errors' "$TMP/wrk.out")"
    else
        pass "wrk: no socket errors"
    fi
elif [ "$conns" -gt 0 ]; then
    echo "note: wrk is not installed; 1,000 connections not checked"
fi
timed_req "status after the load"
rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$S_PID/status" 2>/dev/null)
[ -n "$rss" ] && [ "$rss" -lt 262144 ] && pass "server RSS ${rss} kB < 256 MB" ||
    fail "server RSS ${rss:-?} kB"
stop "$S_PID" && pass "clean exit" || fail "exit status $?"
finish
