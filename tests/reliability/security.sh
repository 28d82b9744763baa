#!/bin/sh
# SPDX-License-Identifier: MIT
# Security basics: plugins load only from the documented places (never the current directory,
# an empty or relative MNISTPIPE_PLUGIN_PATH entry, or a world-writable directory or file);
# TLS verification is on unless --insecure says otherwise, and then a warning says so;
# mnist-serve and mnist-web-ui listen on loopback by default.
. "$MP_TOP_SRCDIR/tests/lib.sh"
libs=$MP_TOP_BUILDDIR/plugins/.libs
[ -f "$libs/gcp.so" ] || skip "plugins not built"
pids=
cleanup() { for p in $pids; do kill "$p" 2>/dev/null; done; rm -rf "$TMP"; }
trap cleanup EXIT

# 1. Plugin search path. A copy of gcp.so sits in the current directory and in ./sub.
mkdir -p "$TMP/cwd/sub" "$TMP/ww"
cp "$libs/gcp.so" "$TMP/cwd/gcp.so"
cp "$libs/gcp.so" "$TMP/cwd/sub/gcp.so"
# not_from_cwd WHAT: $TMP/out shows gcp was not found, or found outside the test's directories.
not_from_cwd() {
    where=$(awk '$1 == "gcp" { print $NF }' "$TMP/out")
    if grep -q "no gcp.so in the plugin path" "$TMP/out"; then
        pass "$1: the current directory is not searched"
    elif [ -n "$where" ] && case $where in /*) true ;; *) false ;; esac &&
        case $where in "$TMP"/*) false ;; *) true ;; esac; then
        pass "$1: gcp is the installed one ($where)"
    else
        fail "$1: gcp loaded from '$where'"; sed 's/^/    /' "$TMP/out" >&2
    fi
}
for path in "" ":" "::" "." "./" "sub" ":.:sub:"; do
    (cd "$TMP/cwd" && MNISTPIPE_PLUGIN_PATH=$path mp --plugin gcp plugins >"$TMP/out" 2>&1)
    not_from_cwd "MNISTPIPE_PLUGIN_PATH='$path'"
done
(cd "$TMP/cwd" && unset MNISTPIPE_PLUGIN_PATH && mp --plugin gcp plugins >"$TMP/out" 2>&1)
not_from_cwd "no MNISTPIPE_PLUGIN_PATH"
# A world-writable directory in the path, and a world-writable plugin file.
cp "$libs/gcp.so" "$TMP/ww/gcp.so"
chmod 0777 "$TMP/ww"
MNISTPIPE_PLUGIN_PATH=$TMP/ww expect_exit 4 "plugin in a world-writable directory refused" -- \
    mp --plugin gcp compile -o "$TMP/x.yaml"
expect_output "world-writable directory" "the message says why"
[ -e "$TMP/x.yaml" ] && fail "compiled with a refused plugin"
chmod 0755 "$TMP/ww"; chmod 0666 "$TMP/ww/gcp.so"
MNISTPIPE_PLUGIN_PATH=$TMP/ww expect_exit 4 "world-writable plugin file refused" -- \
    mp --plugin gcp compile -o "$TMP/x.yaml"
expect_output "world-writable file" "the message says why"
expect_exit 4 "a world-writable plugin given by path is refused too" -- \
    mp --plugin "$TMP/ww/gcp.so" compile -o "$TMP/x.yaml"

# 2. TLS: a server whose certificate the system does not trust.
if command -v openssl >/dev/null 2>&1 && [ -n "${PYTHON3:-}" ]; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
        -addext subjectAltName=IP:127.0.0.1 -keyout "$TMP/key.pem" -out "$TMP/cert.pem" \
        >/dev/null 2>&1 || skip "openssl cannot make a certificate"
    "$PYTHON3" "$MP_TOP_SRCDIR/tests/reliability/tls_server.py" "$TMP/cert.pem" "$TMP/key.pem" \
        "$TMP/tls.port" 2>/dev/null &
    pids="$pids $!"
    i=0; while [ ! -s "$TMP/tls.port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    url=https://127.0.0.1:$(cat "$TMP/tls.port")
    K="--plugin kfp experiments list --api v2beta1 --retries 0 --host $url"
    expect_exit 6 "kfp: an untrusted certificate fails" -- mp $K
    expect_output "certificate" "the error names the certificate"
    expect_exit 6 "argo: an untrusted certificate fails" -- \
        mp --plugin argo submit --argo-server "$url" --namespace ns
    expect_output "certificate" "the error names the certificate"
    expect_exit 0 "kfp --cacert: trusted" -- mp $K --cacert "$TMP/cert.pem"
    grep -q "warning" "$TMP/out" && fail "--cacert warns" || pass "--cacert: no warning"
    expect_exit 0 "kfp --insecure: not verified" -- mp $K --insecure
    expect_output "warning: kfp: --insecure: the TLS certificate of https://127.0.0.1:[0-9]+/.* is not verified" \
        "--insecure is never silent"
    [ "$(grep -c warning "$TMP/out")" -eq 1 ] && pass "one warning" || fail "warnings: $(grep -c warning "$TMP/out")"
else
    echo "note: openssl or python3 missing; TLS not checked"
fi

# 3. Loopback by default. The listening socket's address, from /proc/net/tcp (127.0.0.1 is
# 0100007F there).
listen_addr() {
    awk -v p="$(printf '%04X' "$1")" '$4 == "0A" { split($2, a, ":"); if (a[2] == p) print a[1] }' \
        /proc/net/tcp /proc/net/tcp6 2>/dev/null | head -n 1
}
check_loopback() {
    name=$1; shift
    rm -f "$TMP/$name.port"
    "$@" --port_file "$TMP/$name.port" >"$TMP/$name.log" 2>&1 &
    pids="$pids $!"
    i=0; while [ ! -s "$TMP/$name.port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    if [ ! -s "$TMP/$name.port" ]; then fail "$name did not start"; cat "$TMP/$name.log" >&2; return; fi
    a=$(listen_addr "$(cat "$TMP/$name.port")")
    case $a in
    0100007F|00000000000000000000000001000000) pass "$name listens on loopback ($a)" ;;
    *) fail "$name listens on '$a', not loopback" ;;
    esac
}
serve=$MP_TOP_BUILDDIR/tests/mnist/mnist-serve-stub
webui=$MP_TOP_BUILDDIR/examples/mnist/web-ui/mnist-web-ui
mkdir -p "$TMP/models/1" && echo 1 >"$TMP/models/1/model.stub"
[ -x "$serve" ] && check_loopback serve "$serve" --model_base_path "$TMP/models" --rest_api_port 0
[ -x "$MP_TOP_BUILDDIR/examples/mnist/serve/mnist-serve" ] &&
    check_loopback mnist-serve "$MP_TOP_BUILDDIR/examples/mnist/serve/mnist-serve" \
        --model_base_path "$TMP/models" --rest_api_port 0
[ -x "$webui" ] && check_loopback web-ui "$webui" --container-port 0 --data-dir "$TMP"
finish
