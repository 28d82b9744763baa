#!/bin/sh
# SPDX-License-Identifier: MIT
# KFP authentication against the stand-in gateway: session cookie, Dex static-password login
# (password from the environment or standard input), refusals; no secret in any output.
. "$MP_TOP_SRCDIR/tests/lib.sh"
. "$MP_TOP_SRCDIR/tests/kfp/stub-lib.sh"
stub_prereqs
trap 'stub_stop; rm -rf "$TMP"' EXIT
TOK="tok-$$-Hv3secret"
CK="ck-$$-Rw7secret"
PW="pw-$$-Lm2secret"
unset KF_PIPELINES_SA_TOKEN_PATH KF_PIPELINES_COOKIE KF_PIPELINES_DEX_PASSWORD
OUT="$TMP/outputs"
mkdir -p "$OUT"
n=0
api=auth
k() {
    want=$1; what=$2; shift 3
    n=$((n + 1))
    expect_exit "$want" "$what" -- mp -v "$@" </dev/null
    cp "$TMP/out" "$OUT/$n.out"
}

stub_start --token "$TOK" --cookie "authservice_session=$CK" --dex-user user@example.com \
    --dex-password "$PW"
export KF_PIPELINES_ENDPOINT="$STUB_URL" KF_PIPELINES_TOKEN="$TOK"
k 6 "no session cookie: refused" -- experiments list
export KF_PIPELINES_COOKIE="authservice_session=$CK"
k 0 "session cookie from the environment" -- experiments list
unset KF_PIPELINES_COOKIE
export KF_PIPELINES_DEX_PASSWORD="$PW"
k 0 "Dex login, password from the environment" -- experiments list --dex-user user@example.com
k 0 "Dex login, then a run" -- --plugin onprem --pvc data --plugin kfp run --name mnist \
    --dex-user user@example.com --wait --poll-interval 0.01 --timeout 60
export KF_PIPELINES_DEX_PASSWORD="wrong-$PW"
k 6 "Dex login, wrong password" -- experiments list --dex-user user@example.com
expect_output "Dex login" "the error names the Dex login"
unset KF_PIPELINES_DEX_PASSWORD
n=$((n + 1))
if printf '%s\n' "$PW" | mp -v experiments list --dex-user user@example.com >"$OUT/$n.out" 2>&1
then pass "Dex login, password on standard input"; else
    fail "Dex login, password on standard input:"; sed 's/^/    /' "$OUT/$n.out" >&2; fi
stub_no_violations "auth"
stub_get /_stub/requests >"$OUT/requests.json" 2>&1
for s in "$TOK" "$CK" "$PW"; do
    no_secret "$s" "$OUT"/[0-9]*.out
done
finish
