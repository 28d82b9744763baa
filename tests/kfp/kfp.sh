#!/bin/sh
# SPDX-License-Identifier: MIT
# kfp upload/run/--wait/runs/experiments against the stand-in KFP server, for v1beta1 and
# v2beta1: idempotent upload, parameter checks, exit codes, retries, auth, no leaked secrets.
. "$MP_TOP_SRCDIR/tests/lib.sh"
. "$MP_TOP_SRCDIR/tests/kfp/stub-lib.sh"
stub_prereqs
trap 'stub_stop; rm -rf "$TMP"' EXIT
TOK="tok-$$-Zq8secret"
unset KF_PIPELINES_SA_TOKEN_PATH KF_PIPELINES_COOKIE KF_PIPELINES_OVERRIDE_EXPERIMENT_NAME
OUT="$TMP/outputs"
mkdir -p "$OUT"
n=0
# k EXPECT WHAT -- ARGS...: run mnistpipe with the kfp plugin, keep every output for the leak check.
k() {
    want=$1; what=$2; shift 3
    n=$((n + 1))
    cmd=$1; shift
    expect_exit "$want" "$api: $what" -- mp -v --plugin onprem --pvc data --plugin kfp "$cmd" \
        $apiopt "$@"
    cp "$TMP/out" "$OUT/$n.out"
}
W="--poll-interval 0.01 --timeout 60"

# "both" is a 2.x server serving both APIs: mnistpipe detects the version itself.
for api in v1beta1 v2beta1 both; do
    apiopt="--api $api"
    [ "$api" = both ] && apiopt=
    stub_start --api "$api" --token "$TOK" --fault 'run_outcome:name=^fail,state=Failed,count=inf' \
        --fault 'run_outcome:name=^cancel,state=Canceled,count=inf'
    export KF_PIPELINES_ENDPOINT="$STUB_URL" KF_PIPELINES_TOKEN="$TOK"
    k 0 "upload" -- upload --name mnist
    k 0 "upload again changes nothing" -- upload --name mnist
    expect_output "already uploaded" "$api: second upload found its version"
    k 0 "run --wait succeeds" -- run --name mnist --experiment mnist -p train_steps=5 $W --wait
    expect_output "succeeded" "$api: run reached succeeded"
    rid=$(sed -n "s/^run '.*' created (id \([^)]*\)).*/\1/p" "$TMP/out" | head -n 1)
    k 3 "unknown parameter refused before sending" -- run --name mnist -p no_such=1
    expect_output "no_such" "$api: the message names the parameter"
    k 1 "failed run exits 1" -- run --name mnist --run-name "fail-$api" $W --wait
    k 1 "cancelled run exits 1" -- run --name mnist --run-name "cancel-$api" $W --wait
    # KFP 1.8's v1beta1 shows a cancelled Argo workflow as Failed; v2beta1 says CANCELED.
    if [ "$api" = v1beta1 ]; then outcome=failed; else outcome=canceled; fi
    expect_output "^run [0-9a-f-]+: $outcome\$" "$api: the outcome is $outcome"
    if [ "$api" = v2beta1 ]; then
        k 2 "run --no-upload refused with --api v2beta1" -- run --no-upload $W
        expect_output "v1beta1 API only" "$api: the message names the API"
    else
        k 0 "run --no-upload: the Workflow itself" -- run --no-upload --run-name "direct-$api" \
            -p train_steps=9 $W --wait
        expect_output "succeeded" "$api: the run without upload succeeded"
    fi
    printf '{"train_steps": 7}\n' >"$TMP/params.json"
    k 0 "--param-file (JSON)" -- run --name mnist --param-file "$TMP/params.json"
    printf 'bogus=1\n' >"$TMP/params.txt"
    k 3 "--param-file with an unknown name" -- run --name mnist --param-file "$TMP/params.txt"
    k 7 "--timeout expires" -- run --name mnist --wait --poll-interval 0.03 --timeout 0.05
    k 0 "runs status" -- runs status "$rid"
    k 0 "runs list" -- runs list
    k 0 "experiments list" -- experiments list
    k 0 "runs terminate" -- runs terminate "$rid"
    unset KF_PIPELINES_ENDPOINT
    k 2 "run without an endpoint" -- run --name mnist
    export KF_PIPELINES_ENDPOINT="$STUB_URL" KF_PIPELINES_TOKEN=wrong-token
    k 6 "wrong token" -- runs status "$rid"
    expect_output "HTTP 401" "$api: the error names the status"
    printf '%s\n' "$TOK" >"$TMP/token"
    unset KF_PIPELINES_TOKEN
    export KF_PIPELINES_SA_TOKEN_PATH="$TMP/token"
    k 0 "token file" -- runs status "$rid"
    unset KF_PIPELINES_SA_TOKEN_PATH
    export KF_PIPELINES_TOKEN="$TOK"
    stub_no_violations "$api"

    stub_start --api "$api" --token "$TOK" --fault 'status:code=503,count=2,path=/healthz' \
        --fault 'drop:method=GET,path=/pipelines,count=1' \
        --fault 'status:code=500,method=POST,path=/experiments,count=1' \
        --fault 'drop:method=POST,path=/runs$,count=1'
    export KF_PIPELINES_ENDPOINT="$STUB_URL"
    k 0 "run through 503, dropped connections and a 500 on create" -- \
        run --name mnist --experiment faulty $W --wait
    k 0 "runs list after the faults" -- runs list
    runs=$(grep -c -v '^mnistpipe:' "$TMP/out")
    if [ "$runs" -eq 1 ]; then pass "$api: exactly one run was created"; else
        fail "$api: $runs runs after a dropped create"; fi
    stub_no_violations "$api faults"
    stub_get /_stub/requests >"$OUT/requests-$api.json" 2>&1
done
no_secret "$TOK" "$OUT"/*
finish
