#!/bin/sh
# SPDX-License-Identifier: MIT
# argo submit against the stand-in Argo Server and Kubernetes API: --wait, -p, refusals,
# a failing workflow, a 500 on submit, no leaked token.
. "$MP_TOP_SRCDIR/tests/lib.sh"
. "$MP_TOP_SRCDIR/tests/kfp/stub-lib.sh"
stub_prereqs
trap 'stub_stop; rm -rf "$TMP"' EXIT
TOK="tok-$$-Argo9secret"
OUT="$TMP/outputs"
mkdir -p "$OUT"
n=0
k() {
    want=$1; what=$2; shift 3
    n=$((n + 1))
    expect_exit "$want" "$what" -- mp -v --plugin onprem --pvc data submit "$@"
    cp "$TMP/out" "$OUT/$n.out"
}
W="--wait --poll-interval 0.01 --timeout 60"
stub_start --token "$TOK"
export ARGO_TOKEN="Bearer $TOK"
k 0 "Argo Server submit --wait" -- --argo-server "$STUB_URL" --namespace argo -p train_steps=7 $W
expect_output "Succeeded" "the workflow succeeded"
k 0 "Kubernetes API submit --wait" -- --k8s-server "$STUB_URL" --namespace kubeflow $W
k 3 "unknown parameter refused" -- --k8s-server "$STUB_URL" -p no_such=1
printf '%s\n' "$TOK" >"$TMP/token"
unset ARGO_TOKEN
k 0 "token file" -- --k8s-server "$STUB_URL" --token-file "$TMP/token"
export ARGO_TOKEN="Bearer wrong"
k 6 "wrong token" -- --k8s-server "$STUB_URL"
expect_output "HTTP 401" "the error names the status"
k 2 "no server" -- --namespace x
stub_no_violations "argo"
export ARGO_TOKEN="Bearer $TOK"
stub_start --token "$TOK" --fault 'status:code=503,count=2,path=/workflows' \
    --fault 'drop:method=POST,path=/workflows,count=1'
k 0 "submit through two 503s and a dropped connection" -- --argo-server "$STUB_URL" $W
stub_no_violations "argo faults"
no_secret "$TOK" "$OUT"/*
finish
