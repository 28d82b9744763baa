#!/bin/sh
# SPDX-License-Identifier: MIT
# TLS and cluster credentials against the stand-in server over HTTPS (certificates made here
# with openssl): verification on by default, --cacert, --insecure (warned once), for kfp and
# argo; argo submit from generated kubeconfigs (CA file and data, insecure-skip-tls-verify,
# token and tokenFile, client certificates, contexts, KUBECONFIG lists, namespace), from an
# in-cluster service account, and refusals of bad kubeconfigs with file:line:column.
. "$MP_TOP_SRCDIR/tests/lib.sh"
. "$MP_TOP_SRCDIR/tests/kfp/stub-lib.sh"
stub_prereqs
trap 'stub_stop; rm -rf "$TMP"' EXIT
TOK="tok-$$-Tl5secret"
PKI="$TMP/pki"
tls_pki "$PKI"
unset KF_PIPELINES_ENDPOINT KF_PIPELINES_SA_TOKEN_PATH KF_PIPELINES_COOKIE KUBECONFIG \
    ARGO_TOKEN KUBERNETES_SERVICE_HOST KUBERNETES_SERVICE_PORT
export HOME="$TMP/home" KF_PIPELINES_TOKEN="$TOK"
mkdir -p "$HOME"
OUT="$TMP/outputs"
mkdir -p "$OUT"
n=0
k() {
    want=$1; what=$2; shift 3
    n=$((n + 1))
    expect_exit "$want" "$what" -- mp "$@" </dev/null
    cp "$TMP/out" "$OUT/$n.out"
}
# one_line: the failure is a single line (no --verbose here).
one_line() {
    if [ "$(wc -l <"$TMP/out")" -eq 1 ]; then pass "$1: one line"; else
        fail "$1: $(wc -l <"$TMP/out") lines:"; sed 's/^/    /' "$TMP/out" >&2; fi
}
count_is() {
    got=$(grep -c -- "$1" "$TMP/out")
    if [ "$got" -eq "$2" ]; then pass "$3"; else fail "$3: $got times /$1/, expected $2"; fi
}
SUB="--plugin onprem --pvc data submit"
W="--wait --poll-interval 0.01 --timeout 60"

stub_start --tls-cert "$PKI/server.crt" --tls-key "$PKI/server.key" --token "$TOK"
H="--host $STUB_URL"

# ---- kfp ----
k 6 "kfp: an unknown CA is refused by default" -- experiments list $H
expect_output "health check: GET https://127\.0\.0\.1:[0-9]+/apis/v2beta1/healthz: TLS: .*certificate" \
    "kfp: the error names the operation, the endpoint and the certificate problem"
one_line "kfp: unknown CA"
k 6 "kfp: a --cacert of another CA is refused" -- experiments list $H --cacert "$PKI/other-ca.crt"
k 0 "kfp: --cacert" -- experiments list $H --cacert "$PKI/ca.crt"
k 0 "kfp: --insecure" -- --plugin onprem --pvc data --plugin kfp run --name mnist $H --insecure \
    $W
count_is "--insecure: the TLS certificate of https://" 1 "kfp: --insecure warns once over many requests"
k 6 "kfp: --cacert FILE that does not exist" -- experiments list $H --cacert "$TMP/none.crt"
one_line "kfp: missing --cacert file"

# ---- argo: explicit server ----
unset KF_PIPELINES_TOKEN
export ARGO_TOKEN="Bearer $TOK"
k 6 "argo: an unknown CA is refused by default" -- $SUB --argo-server "$STUB_URL"
expect_output "submit workflow: POST https://127\.0\.0\.1:[0-9]+/api/v1/workflows/default: TLS: " \
    "argo: the error names the operation, the endpoint and TLS"
one_line "argo: unknown CA"
k 0 "argo: --cacert" -- $SUB --argo-server "$STUB_URL" --cacert "$PKI/ca.crt" $W
k 0 "argo: --insecure" -- $SUB --k8s-server "$STUB_URL" --insecure $W
count_is "--insecure: the TLS certificate of https://" 1 "argo: --insecure warns once"
unset ARGO_TOKEN

# ---- argo: kubeconfig ----
CA64=$(base64 -w0 <"$PKI/ca.crt")
CERT64=$(base64 -w0 <"$PKI/client.crt")
KEY64=$(base64 -w0 <"$PKI/client.key")
mkdir -p "$TMP/kc"
cp "$PKI/ca.crt" "$TMP/kc/cluster-ca.crt"
printf '%s\n' "$TOK" >"$TMP/kc/token"
# kubeconfig FILE CURRENT CLUSTER_EXTRA USER_EXTRA [NS]
kubeconfig() {
    cat >"$1" <<EOF
apiVersion: v1
kind: Config
current-context: $2
clusters:
- name: stub
  cluster:
    server: $STUB_URL
$3
contexts:
- name: main
  context:
    cluster: stub
    user: me
    namespace: ${5:-team-a}
- name: other
  context: {cluster: stub, user: me, namespace: team-b}
users:
- name: me
  user:
$4
EOF
}
kubeconfig "$TMP/kc/data" main "    certificate-authority-data: $CA64" "    token: $TOK"
k 0 "kubeconfig: certificate-authority-data and token" -- $SUB --kubeconfig "$TMP/kc/data" $W
expect_output "submitted in namespace team-a" "kubeconfig: the context's namespace"
k 0 "kubeconfig: --context" -- $SUB --kubeconfig "$TMP/kc/data" --context other
expect_output "submitted in namespace team-b" "kubeconfig: the other context's namespace"
k 0 "kubeconfig: --namespace wins" -- $SUB --kubeconfig "$TMP/kc/data" --namespace team-c
expect_output "submitted in namespace team-c" "kubeconfig: --namespace"
k 0 "kubeconfig: --verbose" -- -v $SUB --kubeconfig "$TMP/kc/data"
expect_output "kubeconfig context 'main': server https://127" "kubeconfig: --verbose names the context"
kubeconfig "$TMP/kc/file" main "    certificate-authority: cluster-ca.crt" "    tokenFile: token"
k 0 "kubeconfig: certificate-authority and tokenFile (relative paths)" -- $SUB \
    --kubeconfig "$TMP/kc/file"
mkdir -p "$HOME/.kube"
cp "$TMP/kc/file" "$HOME/.kube/config"
cp "$TMP/kc/token" "$TMP/kc/cluster-ca.crt" "$HOME/.kube/"
k 0 "kubeconfig: ~/.kube/config" -- $SUB
rm -rf "$HOME/.kube"
kubeconfig "$TMP/kc/noca" main "    insecure-skip-tls-verify: false" "    token: $TOK"
k 6 "kubeconfig: no CA: the server is not trusted" -- $SUB --kubeconfig "$TMP/kc/noca"
k 0 "kubeconfig: --cacert with it" -- $SUB --kubeconfig "$TMP/kc/noca" --cacert "$PKI/ca.crt"
kubeconfig "$TMP/kc/insecure" main "    insecure-skip-tls-verify: true" "    token: $TOK"
k 0 "kubeconfig: insecure-skip-tls-verify" -- $SUB --kubeconfig "$TMP/kc/insecure"
count_is "--insecure: the TLS certificate of https://" 1 "kubeconfig: insecure-skip-tls-verify warns"
kubeconfig "$TMP/kc/wrongtok" main "    certificate-authority-data: $CA64" "    token: wrong"
k 6 "kubeconfig: a wrong token is refused" -- $SUB --kubeconfig "$TMP/kc/wrongtok"
expect_output "HTTP 401" "kubeconfig: the error names the status"
# KUBECONFIG lists: the first file that sets a value wins; missing files are skipped.
cat >"$TMP/kc/first" <<EOF
current-context: other
EOF
export KUBECONFIG="$TMP/kc/missing:$TMP/kc/first:$TMP/kc/data"
k 0 "KUBECONFIG list: current-context from the first file" -- $SUB
expect_output "submitted in namespace team-b" "KUBECONFIG list: the first file's context"
unset KUBECONFIG
# ---- in-cluster service account ----
SA="$TMP/sa"
mkdir -p "$SA"
cp "$PKI/ca.crt" "$SA/ca.crt"
printf '%s' "$TOK" >"$SA/token"
printf 'pipelines' >"$SA/namespace"
export MNISTPIPE_SERVICEACCOUNT_DIR="$SA" KUBERNETES_SERVICE_HOST=127.0.0.1 \
    KUBERNETES_SERVICE_PORT="$STUB_PORT"
k 0 "in-cluster service account (token, ca.crt, namespace)" -- $SUB $W
expect_output "submitted in namespace pipelines" "in-cluster: the service account's namespace"
rm "$SA/ca.crt"
k 6 "in-cluster without ca.crt" -- $SUB
unset MNISTPIPE_SERVICEACCOUNT_DIR KUBERNETES_SERVICE_HOST KUBERNETES_SERVICE_PORT

stub_no_violations "tls"

# ---- client certificates ----
stub_start --tls-cert "$PKI/server.crt" --tls-key "$PKI/server.key" \
    --tls-client-ca "$PKI/ca.crt"
kubeconfig "$TMP/kc/certdata" main "    certificate-authority-data: $CA64" \
    "    client-certificate-data: $CERT64
    client-key-data: $KEY64"
k 0 "kubeconfig: client-certificate-data/client-key-data" -- -v $SUB --kubeconfig \
    "$TMP/kc/certdata" $W
cp "$PKI/client.crt" "$PKI/client.key" "$TMP/kc/"
kubeconfig "$TMP/kc/certfile" main "    certificate-authority: cluster-ca.crt" \
    "    client-certificate: client.crt
    client-key: $TMP/kc/client.key"
k 0 "kubeconfig: client-certificate/client-key files" -- $SUB --kubeconfig "$TMP/kc/certfile"
kubeconfig "$TMP/kc/nocert" main "    certificate-authority-data: $CA64" "    token: $TOK"
k 6 "kubeconfig: no client certificate: the handshake fails" -- $SUB --kubeconfig \
    "$TMP/kc/nocert"
one_line "no client certificate"

STUB_CLIENT_CERT="$PKI/client.crt" STUB_CLIENT_KEY="$PKI/client.key"
export STUB_CLIENT_CERT STUB_CLIENT_KEY
stub_no_violations "client certificates"
unset STUB_CLIENT_CERT STUB_CLIENT_KEY

# ---- bad kubeconfigs: file:line:column and what ----
bad() {
    printf '%s\n' "$3" >"$TMP/kc/bad"
    k "$1" "bad kubeconfig: $2" -- $SUB --kubeconfig "$TMP/kc/bad"
    expect_output "$4" "bad kubeconfig: $2: names the place"
    one_line "bad kubeconfig: $2"
}
bad 3 "YAML syntax" "clusters:
- name: a
  cluster: {server: x
users: []" "kc/bad:[0-9]+:[0-9]+: kubeconfig: "
bad 3 "clusters is no list" "current-context: a
clusters: 7" "kc/bad:2:11: kubeconfig: 'clusters': expected a list"
bad 3 "server is no string" "current-context: a
contexts: [{name: a, context: {cluster: c}}]
clusters:
- name: c
  cluster:
    server: [x]" "kc/bad:6:13: kubeconfig: 'server': expected a string"
bad 3 "no current-context" "clusters: []" "no current-context \\(give --context NAME\\)"
bad 3 "no such context" "current-context: nope
contexts: []" "no context named 'nope'"
bad 3 "certificate-authority-data not base64" "current-context: a
contexts: [{name: a, context: {cluster: c}}]
clusters:
- name: c
  cluster: {server: 'https://x', certificate-authority-data: '**'}" \
    "kc/bad:5:62: kubeconfig: 'certificate-authority-data': not base64"
bad 3 "exec credential plugin" "current-context: a
contexts: [{name: a, context: {cluster: c, user: u}}]
clusters: [{name: c, cluster: {server: 'https://x'}}]
users:
- name: u
  user:
    exec: {command: aws}" "kc/bad:7:11: kubeconfig: user 'u': credential plugins"
k 5 "missing --kubeconfig file" -- $SUB --kubeconfig "$TMP/kc/absent"
expect_output "kc/absent" "missing kubeconfig: names the file"
no_secret "$TOK" "$OUT"/*
no_secret "$(sed -n 2p "$PKI/client.key")" "$OUT"/*
finish
