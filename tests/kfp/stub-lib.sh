# SPDX-License-Identifier: MIT
# Helpers for the kfp/argo client tests (sourced after tests/lib.sh): start and stop the
# stand-in server tests/stub/kfp_stub.py on a free loopback port, read its records.
STUB_PID=
stub_prereqs() {
    STUB="${MP_KFP_STUB:-$MP_TOP_SRCDIR/tests/stub/kfp_stub.py}"
    [ -f "$STUB" ] || skip "tests/stub/kfp_stub.py has not landed yet"
    command -v python3 >/dev/null 2>&1 || skip "python3 not found"
    python3 -c 'import yaml, jsonschema' 2>/dev/null || skip "python3-yaml/python3-jsonschema missing"
    SHARED=$(shared_dir) || skip "../shared not found (set MNISTPIPE_SHARED)"
    export MNISTPIPE_SHARED="$SHARED"
}

stub_stop() {
    if [ -n "$STUB_PID" ]; then
        kill "$STUB_PID" 2>/dev/null
        wait "$STUB_PID" 2>/dev/null
        STUB_PID=
    fi
}

# stub_start ARGS...: start the stub, set $STUB_URL; fail the test when it does not come up.
stub_start() {
    stub_stop
    rm -f "$TMP/port"
    python3 "$STUB" --port 0 --port-file "$TMP/port" "$@" >"$TMP/stub.log" 2>&1 &
    STUB_PID=$!
    i=0
    # Loading the swagger and Argo schemas takes a while on a busy machine: up to 90 s.
    while [ ! -s "$TMP/port" ] && [ $i -lt 900 ] && kill -0 "$STUB_PID" 2>/dev/null; do
        sleep 0.1
        i=$((i + 1))
    done
    if [ ! -s "$TMP/port" ]; then
        cat "$TMP/stub.log" >&2
        echo "stub did not start" >&2
        exit 99
    fi
    STUB_PORT=$(cat "$TMP/port")
    case " $* " in
    *" --tls-cert "*) STUB_URL="https://127.0.0.1:$STUB_PORT" ;;
    *) STUB_URL="http://127.0.0.1:$STUB_PORT" ;;
    esac
}

# stub_post PATH JSON: POST JSON to the stub's control API (faults, config); answer on stdout.
stub_post() {
    python3 - "$STUB_URL$1" "$2" <<'PY'
import os, ssl, sys, urllib.request
ctx = ssl._create_unverified_context()
if os.environ.get("STUB_CLIENT_CERT"):
    ctx.load_cert_chain(os.environ["STUB_CLIENT_CERT"], os.environ["STUB_CLIENT_KEY"])
req = urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(), method="POST",
                             headers={"Content-Type": "application/json"})
print(urllib.request.urlopen(req, timeout=10,
                             context=ctx).read().decode())
PY
}

# stub_delete PATH: DELETE on the stub's control API (faults, requests, violations).
stub_delete() {
    python3 - "$STUB_URL$1" <<'PY'
import os, ssl, sys, urllib.request
ctx = ssl._create_unverified_context()
if os.environ.get("STUB_CLIENT_CERT"):
    ctx.load_cert_chain(os.environ["STUB_CLIENT_CERT"], os.environ["STUB_CLIENT_KEY"])
req = urllib.request.Request(sys.argv[1], method="DELETE")
print(urllib.request.urlopen(req, timeout=10,
                             context=ctx).read().decode())
PY
}

# tls_pki DIR: a CA, a server certificate for 127.0.0.1/localhost and a client certificate
# signed by it, and a second, unrelated CA (openssl; skips the test without it).
tls_pki() {
    command -v openssl >/dev/null 2>&1 || skip "openssl not found"
    d=$1
    mkdir -p "$d"
    (
        cd "$d" || exit 1
        for ca in ca other-ca; do
            openssl req -x509 -newkey rsa:2048 -nodes -keyout $ca.key -out $ca.crt -days 2 \
                -subj "/CN=mnistpipe test $ca" 2>/dev/null || exit 1
        done
        printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >server.ext
        printf 'extendedKeyUsage=clientAuth\n' >client.ext
        for who in server client; do
            openssl req -newkey rsa:2048 -nodes -keyout $who.key -out $who.csr \
                -subj "/CN=$who" 2>/dev/null &&
                openssl x509 -req -in $who.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
                    -out $who.crt -days 2 -extfile $who.ext 2>/dev/null || exit 1
        done
    ) || { echo "openssl failed to make the test certificates" >&2; exit 99; }
}

# stub_get PATH: the stub's JSON record at PATH (e.g. /_stub/violations) on stdout.
# $STUB_CLIENT_CERT/$STUB_CLIENT_KEY: the client certificate for a stub started with
# --tls-client-ca.
stub_get() {
    python3 - "$STUB_URL$1" <<'PY'
import os, ssl, sys, urllib.request
ctx = ssl._create_unverified_context()
if os.environ.get("STUB_CLIENT_CERT"):
    ctx.load_cert_chain(os.environ["STUB_CLIENT_CERT"], os.environ["STUB_CLIENT_KEY"])
print(urllib.request.urlopen(sys.argv[1], timeout=10,
                             context=ctx).read().decode())
PY
}

# stub_no_violations WHAT: the stub saw no request that breaks the swagger files.
stub_no_violations() {
    stub_get /_stub/violations >"$TMP/violations" 2>&1
    if python3 - "$TMP/violations" <<'PY'
import json, sys
v = json.load(open(sys.argv[1]))
if isinstance(v, dict):
    v = v.get("violations", v)
sys.exit(0 if not v else 1)
PY
    then pass "$1: no swagger violations"; else
        fail "$1: swagger violations:"; sed 's/^/    /' "$TMP/violations" >&2; fi
}

# no_secret SECRET FILE...: the secret appears in none of the files.
no_secret() {
    s=$1; shift
    if grep -F -l -- "$s" "$@" >/dev/null 2>&1; then
        fail "a secret leaked into: $(grep -F -l -- "$s" "$@" | tr '\n' ' ')"
    else
        pass "no secret in $# output file(s)"
    fi
}
