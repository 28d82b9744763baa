#!/bin/sh
# SPDX-License-Identifier: MIT
# KFP client errors and limits against the stand-in server, for v1beta1 (KFP 1.8, grpc-gateway
# v1 error bodies) and v2beta1 (KFP 2.x, google.rpc.Status bodies): one-line errors with the
# server's message, Retry-After (seconds, HTTP-date, too long), bounded tries,
# --request-timeout, a token file rotated during --wait, 409 on concurrent experiment and
# pipeline creation, multi-user namespaces; no token in any output, --verbose included.
. "$MP_TOP_SRCDIR/tests/lib.sh"
. "$MP_TOP_SRCDIR/tests/kfp/stub-lib.sh"
stub_prereqs
trap 'stub_stop; rm -rf "$TMP"' EXIT
OLD="old-$$-Ex1secret"
NEW="new-$$-Ex2secret"
unset KF_PIPELINES_SA_TOKEN_PATH KF_PIPELINES_COOKIE KF_PIPELINES_OVERRIDE_EXPERIMENT_NAME \
    KF_PIPELINES_TOKEN
OUT="$TMP/outputs"
mkdir -p "$OUT"
n=0
# k EXPECT WHAT -- ARGS...: mnistpipe (quiet: errors must be one line), output kept.
k() {
    want=$1; what=$2; shift 3
    n=$((n + 1))
    expect_exit "$want" "$api: $what" -- mp "$@" $apiopt </dev/null
    cp "$TMP/out" "$OUT/$n.out"
}
kv() { # k with --verbose, for the leak check
    want=$1; what=$2; shift 3
    k "$want" "$what" -- -v "$@"
}
one_line() {
    if [ "$(wc -l <"$TMP/out")" -eq 1 ]; then pass "$api: $1: one line"; else
        fail "$api: $1: $(wc -l <"$TMP/out") lines:"; sed 's/^/    /' "$TMP/out" >&2; fi
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }
took() { # took MIN_MS MAX_MS WHAT: the last command took that long
    ms=$(($(now_ms) - t0))
    if [ "$ms" -ge "$1" ] && [ "$ms" -le "$2" ]; then pass "$api: $3 ($ms ms)"; else
        fail "$api: $3: took $ms ms, expected $1..$2"; fi
}
fault() { stub_post /_stub/faults "$1" >/dev/null; }
clear_faults() { stub_delete /_stub/faults >/dev/null; }
# state PY_EXPR: evaluates PY_EXPR over the stub's state s (a number or bool).
state() {
    stub_get /_stub/state >"$TMP/state.json"
    python3 -c "import json,sys; s=json.load(open(sys.argv[1])); print($1)" "$TMP/state.json"
}
# wait_fault KIND: until the stub has applied a fault of KIND (60 s at most).
wait_fault() {
    python3 - "$STUB_URL" "$1" <<'PY'
import json, sys, time, urllib.request
for _ in range(600):
    r = json.load(urllib.request.urlopen(sys.argv[1] + "/_stub/requests", timeout=10))
    if any(q.get("fault") == sys.argv[2] for q in r["requests"]):
        sys.exit(0)
    time.sleep(0.1)
sys.exit(1)
PY
}
W="--poll-interval 0.02 --timeout 60"
RUN="--plugin onprem --pvc data --plugin kfp run --name mnist"

for api in v1beta1 v2beta1; do
    if [ $api = v1beta1 ]; then
        stub_start --backend 1.8 --api v1beta1 --token "$OLD" --token "$NEW"
    else
        stub_start --token "$OLD" --token "$NEW"
    fi
    apiopt="--api $api"
    export KF_PIPELINES_ENDPOINT="$STUB_URL" KF_PIPELINES_TOKEN="$OLD"

    # The server's own message, for either error body shape.
    fault "{\"kind\":\"status\",\"code\":400,\"method\":\"GET\",\"path\":\"/experiments\",
            \"message\":\"Invalid input error: bad filter from $api\"}"
    k 6 "HTTP 400" -- experiments list
    expect_output "^mnistpipe: error: [a-z ]+: GET $STUB_URL/apis/$api/experiments\\?[^ ]*: HTTP 400: Invalid input error: bad filter from $api\$" \
        "$api: the error names operation, endpoint, status and the server's message"
    one_line "HTTP 400"
    fault '{"kind":"status","code":404,"method":"POST","path":"/experiments$",
            "message":"Not found: no such namespace"}'
    k 6 "HTTP 404 on create" -- experiments create e404
    expect_output "create experiment: POST $STUB_URL/apis/$api/experiments: HTTP 404: Not found: no such namespace\$" \
        "$api: the create error names the same"

    # The HTTP client's limits do not depend on the API version: checked once.
    if [ $api = v2beta1 ]; then
    # Bounded tries: 503 forever, --retries 2 = 3 tries.
    clear_faults
    stub_delete /_stub/requests >/dev/null
    fault '{"kind":"status","code":503,"method":"GET","path":"/experiments","count":"inf"}'
    k 6 "503 forever: gives up" -- experiments list --retries 2
    expect_output "HTTP 503" "$api: the last status is named"
    stub_get /_stub/requests >"$TMP/reqs.json"
    tries=$(python3 -c 'import json,sys; print(sum(1 for q in json.load(open(sys.argv[1]))["requests"] if q["fault"] == "status"))' "$TMP/reqs.json")
    if [ "$tries" -eq 3 ]; then pass "$api: --retries 2: 3 tries"; else
        fail "$api: --retries 2: $tries tries"; fi
    clear_faults

    # Retry-After: seconds (429), HTTP-date (503), and too long.
    fault '{"kind":"status","code":429,"method":"GET","path":"/experiments","retry_after":2}'
    t0=$(now_ms)
    k 0 "429 with Retry-After: 2" -- experiments list
    took 1900 30000 "Retry-After seconds honoured"
    # The date is 6 s ahead of t0: the retry waits until then, less 1 s of date resolution.
    t0=$(now_ms)
    when=$(python3 -c 'import email.utils,time; print(email.utils.formatdate(time.time() + 6, usegmt=True))')
    fault "{\"kind\":\"status\",\"code\":503,\"method\":\"GET\",\"path\":\"/experiments\",
            \"retry_after\":\"$when\"}"
    k 0 "503 with Retry-After: HTTP-date" -- experiments list
    took 4000 30000 "Retry-After HTTP-date honoured"
    fault '{"kind":"status","code":503,"method":"GET","path":"/experiments","retry_after":3600}'
    t0=$(now_ms)
    k 6 "Retry-After: 3600 is not waited for" -- experiments list
    took 0 20000 "fails without waiting"
    expect_output "HTTP 503: .*Retry-After 3600 s is over 120 s" "$api: the error says why"
    one_line "Retry-After too long"

    # A slow answer: --request-timeout.
    fault '{"kind":"stall","seconds":15,"method":"GET","path":"/experiments"}'
    t0=$(now_ms)
    k 6 "--request-timeout 1 on a stalled answer" -- experiments list --request-timeout 1 \
        --retries 0
    took 900 12000 "gives up after the request timeout"
    expect_output "GET $STUB_URL/apis/$api/experiments[^ ]*: no answer within 1 s \\(--request-timeout\\)" \
        "$api: the error names the timeout"
    one_line "request timeout"
    k 2 "--request-timeout 0 refused" -- experiments list --request-timeout 0
    fi

    # 409: another client creates the same experiment / pipeline while ours is on the way.
    # Ours is held long enough for the other one to finish first (under valgrind it starts
    # slowly).
    hold=2
    [ -n "${MP_VALGRIND:-}" ] && hold=20
    clear_faults
    stub_delete /_stub/requests >/dev/null
    fault '{"kind":"stall","seconds":'$hold',"method":"POST","path":"/experiments$"}'
    mp experiments create race-exp $apiopt >"$TMP/a.out" 2>&1 &
    a=$!
    wait_fault stall || fail "$api: the create never arrived"
    k 0 "the other client creates the experiment" -- experiments create race-exp
    other=$(sed -n "s/^experiment 'race-exp' (id \(.*\))\$/\1/p" "$TMP/out")
    wait $a
    rc=$?
    cp "$TMP/a.out" "$OUT/race-exp.out"
    mine=$(sed -n "s/^experiment 'race-exp' (id \(.*\))\$/\1/p" "$TMP/a.out")
    if [ $rc -eq 0 ] && [ -n "$other" ] && [ "$mine" = "$other" ]; then
        pass "$api: experiment create answered 409: the existing one is reused"
    else
        fail "$api: experiment race: exit $rc, ids '$mine' / '$other':"
        sed 's/^/    /' "$TMP/a.out" >&2
    fi
    count=$(state 'sum(1 for e in s["experiments"] if e["name"] == "race-exp")')
    [ "$count" = 1 ] && pass "$api: one experiment race-exp" || fail "$api: $count race-exp"
    stub_delete /_stub/requests >/dev/null
    fault '{"kind":"stall","seconds":'$hold',"method":"POST","path":"/upload$"}'
    mp --plugin onprem --pvc data --plugin kfp upload --name race-pl $apiopt >"$TMP/a.out" 2>&1 &
    a=$!
    wait_fault stall || fail "$api: the upload never arrived"
    k 0 "the other client uploads the pipeline" -- --plugin onprem --pvc data --plugin kfp \
        upload --name race-pl
    wait $a
    rc=$?
    cp "$TMP/a.out" "$OUT/race-pl.out"
    if [ $rc -eq 0 ] && grep -q "already uploaded" "$TMP/a.out"; then
        pass "$api: pipeline upload answered duplicate: the existing one is reused"
    else
        fail "$api: upload race: exit $rc:"; sed 's/^/    /' "$TMP/a.out" >&2
    fi
    count=$(state 'sum(1 for p in s["pipelines"] if p["name"] == "race-pl")')
    [ "$count" = 1 ] && pass "$api: one pipeline race-pl" || fail "$api: $count race-pl"
    clear_faults

    # A token file rotated while --wait polls: the old token expires, the new one is read.
    if [ $api = v2beta1 ]; then
    # The run stays Pending until a poll with the new token has been seen.
    stub_post /_stub/config '{"pending_polls":100000,"running_polls":0}' >/dev/null
    printf '%s\n' "$OLD" >"$TMP/token"
    unset KF_PIPELINES_TOKEN
    mp -v $RUN --token-file "$TMP/token" --wait --poll-interval 0.05 --timeout 60 $apiopt \
        >"$TMP/a.out" 2>&1 &
    a=$!
    python3 - "$STUB_URL" "$TMP/token" "$NEW" "$TMP/polls" "$OLD" <<'PY'
import json, os, sys, time, urllib.request
url, path, new, out, old = sys.argv[1:]
def call(p, body=None):
    req = urllib.request.Request(url + p, method="POST" if body else "GET",
                                 data=json.dumps(body).encode() if body else None)
    return json.load(urllib.request.urlopen(req, timeout=10))
def polls():
    runs = call("/_stub/state")["runs"]
    return runs[0]["polls"] if runs else -1
before = -1
for _ in range(1200):
    before = polls()
    if before >= 1:
        break
    time.sleep(0.05)
with open(path + ".new", "w") as f:
    f.write(new + "\n")
os.replace(path + ".new", path)
call("/_stub/faults", {"kind": "expire_token", "token": old, "count": "inf"})
for _ in range(1200):
    if polls() > before:
        break
    time.sleep(0.05)
call("/_stub/config", {"pending_polls": 0, "running_polls": 0})
open(out, "w").write(str(before))
PY
    wait $a
    rc=$?
    cp "$TMP/a.out" "$OUT/rotate.out"
    polls=$(state 's["runs"][0]["polls"]')
    if [ $rc -eq 0 ] && [ "$polls" -gt "$(cat "$TMP/polls")" ]; then
        pass "$api: token file rotated during --wait: $(cat "$TMP/polls") polls before, $polls after"
    else
        fail "$api: token rotation: exit $rc, polls $(cat "$TMP/polls") -> $polls:"
        sed 's/^/    /' "$TMP/a.out" >&2
    fi
    stub_post /_stub/config '{"pending_polls":1,"running_polls":2}' >/dev/null
    clear_faults
    fi
    export KF_PIPELINES_TOKEN="$NEW"

    # Multi-user: the namespace goes where the API version expects it.
    stub_post /_stub/config '{"multi_user":true}' >/dev/null
    k 6 "multi-user: listing experiments without --namespace" -- experiments list
    expect_output "HTTP 400: .*namespace" "$api: the server's namespace message is shown"
    kv 0 "multi-user: run --namespace team-a --wait" -- $RUN --namespace team-a \
        --experiment ns-exp $W --wait
    k 0 "multi-user: experiments list --namespace team-a" -- experiments list --namespace team-a
    expect_output "ns-exp" "$api: team-a lists its experiment"
    k 0 "multi-user: experiments list --namespace team-b" -- experiments list --namespace team-b
    if grep -q ns-exp "$TMP/out"; then fail "$api: team-b sees team-a's experiment"; else
        pass "$api: team-b does not see team-a's experiment"; fi
    k 0 "multi-user: runs list --namespace team-a" -- runs list --namespace team-a
    expect_output "[Mm][Nn][Ii][Ss][Tt]-[0-9]{8}-" "$api: team-a lists its run"
    ns=$(state '",".join(sorted(set((e.get("namespace") or "-") for e in s["experiments"] if e["name"] == "ns-exp")))')
    [ "$ns" = team-a ] && pass "$api: the experiment was created in team-a" ||
        fail "$api: experiment namespaces: $ns"
    stub_post /_stub/config '{"multi_user":false}' >/dev/null
    stub_get /_stub/requests >"$OUT/requests-$api.json"
    stub_no_violations "$api"
done
no_secret "$OLD" "$OUT"/*
no_secret "$NEW" "$OUT"/*
finish
