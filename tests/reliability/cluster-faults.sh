#!/bin/sh
# SPDX-License-Identifier: MIT
# The cluster clients (kfp and argo plugins) against a hostile server (hostile_http.py): a
# 1 GiB body with or without a length, endless headers, a truncated body, HTML, no HTTP,
# a closed connection, a stall, a server that never answers (or sends headers and stops).
# Each ends in bounded time and memory (peak RSS under 100 MB for a 1 GiB answer) with one
# clear error line and the network (6) or input (3) exit code. A stall longer than the
# request timeout fails with it (--request-timeout 1 keeps this fast); the default timeout
# is the 60 s that the man page and --help say.
. "$MP_TOP_SRCDIR/tests/lib.sh"
[ -n "${PYTHON3:-}" ] || skip "no python3"
srv_pid=
cleanup() { [ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
timer=
# In an ASan build, freed memory waits in a quarantine (256 MB by default) that would count as
# the client's: keep it small so that the bound measures the client.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=8"
export ASAN_OPTIONS
[ -z "${MP_VALGRIND:-}" ] && [ -x /usr/bin/time ] && timer="/usr/bin/time -f %M -o $TMP/rss"

serve() {
    [ -n "$srv_pid" ] && { kill "$srv_pid" 2>/dev/null; wait "$srv_pid" 2>/dev/null; }
    rm -f "$TMP/port"
    "$PYTHON3" "$MP_TOP_SRCDIR/tests/reliability/hostile_http.py" "$1" "$TMP/port" 2>/dev/null &
    srv_pid=$!
    i=0; while [ ! -s "$TMP/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    url=http://127.0.0.1:$(cat "$TMP/port")
}

# client MODE EXIT MESSAGE ARGS...: run mnistpipe ARGS (@URL@ is the server) against MODE;
# check the exit code, the error line and the peak memory.
client() {
    mode=$1 want=$2 msg=$3; shift 3
    serve "$mode"
    args=$(echo "$*" | sed "s|@URL@|$url|")
    rm -f "$TMP/rss"
    # shellcheck disable=SC2086
    $timer timeout 60 sh -c '
        if [ -n "${MP_VALGRIND:-}" ]; then
            exec $LIBTOOL --mode=execute "$MP_VALGRIND" --quiet --error-exitcode=99 \
                --leak-check=full --errors-for-leak-kinds=definite,indirect "$MNISTPIPE" "$@"
        fi
        exec "$MNISTPIPE" "$@"' sh $args >"$TMP/out" 2>"$TMP/err"
    code=$?
    what="$mode ($(echo "$args" | cut -d' ' -f2-4))"
    [ "$code" -eq "$want" ] && pass "$what: exit $code" ||
        { fail "$what: exit $code, expected $want"; cat "$TMP/err" >&2; }
    if [ "$want" -eq 0 ]; then
        [ -s "$TMP/err" ] && { fail "$what: error output"; cat "$TMP/err" >&2; }
    elif [ "$(wc -l <"$TMP/err")" -eq 1 ] && grep -q "^mnistpipe: error: .*$msg" "$TMP/err"; then
        pass "$what: one clear line"
    else
        fail "$what: expected one line with /$msg/:"; cat "$TMP/err" >&2
    fi
    if [ -s "$TMP/rss" ]; then
        rss=$(tail -n 1 "$TMP/rss")
        [ "$rss" -lt 102400 ] && pass "$what: peak RSS $rss kB" || fail "$what: peak RSS $rss kB"
    fi
}

K="--plugin kfp experiments list --api v2beta1 --retries 0 --host @URL@"
A="--plugin argo submit --argo-server @URL@ --namespace ns"
client huge 6 "response larger than 33554432 bytes" $K
client endless 6 "response larger than 33554432 bytes" $K
client chunked 6 "response larger than 33554432 bytes" $A
client headers 6 "Too large response headers" $K
client truncate 6 "transfer closed with 99979 bytes remaining" $K
client garbage 3 "HTTP 200: answer is no JSON object" $K
client garbage 3 "answer is no JSON object" $A
client badstatus 6 "GET http://127.0.0.1:[0-9]*/apis/v2beta1/experiments" $K
client close 6 "Empty reply from server" $K
client stall 0 "" $K

# Servers that never answer: the request timeout fires, in bounded time, one clear line.
for m in hang headhang; do
    t0=$(date +%s)
    client $m 6 "GET http://127.0.0.1:[0-9]*/apis/v2beta1/experiments[^ ]*: no answer within 1 s (--request-timeout)$" \
        $K --request-timeout 1
    t=$(($(date +%s) - t0))
    lim=10; [ -n "${MP_VALGRIND:-}" ] && lim=40
    [ "$t" -le "$lim" ] && pass "$m: the timeout fired (${t}s)" || fail "$m: took ${t}s"
done
client hang 6 "POST http://127.0.0.1:[0-9]*/api/v1/workflows/ns: no answer within 1 s (--request-timeout)$" \
    $A --request-timeout 1

# The default: what the client applies (--verbose says it before the request), what --help
# and the man page say, all 60 s; and no early give-up: still waiting after 3 s.
serve hang
for p in "$K" "$A"; do
    args=$(echo "$p" | sed "s|@URL@|$url|")
    # shellcheck disable=SC2086
    "$MNISTPIPE" --verbose $args >"$TMP/out" 2>"$TMP/err" &
    cp=$!
    sleep 3
    if kill -0 "$cp" 2>/dev/null; then pass "default timeout: still waiting after 3 s"; else
        fail "default timeout: gave up within 3 s"; cat "$TMP/err" >&2; fi
    kill "$cp" 2>/dev/null; wait "$cp" 2>/dev/null
    grep -Eq "(GET|POST) http://[^ ]* \(no answer within 60 s fails it\)" "$TMP/err" &&
        pass "default timeout: 60 s applied ($(echo "$args" | cut -d' ' -f2))" ||
        { fail "default timeout: not 60 s"; cat "$TMP/err" >&2; }
done
mp --plugin kfp --plugin argo --help >"$TMP/out" 2>&1
n=$(grep -c -- '--request-timeout SECONDS *give up on one request after this long (default 60)' "$TMP/out")
[ "$n" = 2 ] && pass "--help of kfp and argo says 60 s" || fail "--help: $n plugins say 60 s"
grep -q 'seconds (default 60) fails' "$MP_TOP_SRCDIR/doc/mnistpipe.1" &&
    pass "the man page says 60 s" || fail "the man page does not say 60 s"
finish
