#!/bin/sh
# SPDX-License-Identifier: MIT
# The web page in headless Chromium (tests/mnist/browser/page.test.js, playwright-core): status
# with the real model version, random test images, drawing a digit, no external requests.
# Needs node, /usr/bin/chromium (or $CHROMIUM) and playwright-core (npm install in
# $MP_TOP_BUILDDIR/tests/mnist/browser or tests/mnist/browser, or on $NODE_PATH); skips if absent.
# With MNISTPIPE_REQUIRE_BROWSER set (CI), a missing browser tool fails the test instead.
. "$MP_TOP_SRCDIR/tests/mnist/lib-serve.sh"
need_tools
no_browser() {
    if [ -n "${MNISTPIPE_REQUIRE_BROWSER:-}" ]; then echo "FAIL: $*" >&2; exit 1; fi
    skip "$@"
}
command -v node >/dev/null 2>&1 || no_browser "node is not installed"
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || no_browser "chromium is not installed at $CHROMIUM"
modules=
for d in "$MP_TOP_BUILDDIR/tests/mnist/browser/node_modules" \
         "$MP_TOP_SRCDIR/tests/mnist/browser/node_modules"; do
    [ -d "$d/playwright-core" ] && modules=$d && break
done
if [ -z "$modules" ]; then
    NODE_PATH=${NODE_PATH:-} node -e 'require.resolve("playwright-core")' 2>/dev/null ||
        no_browser "playwright-core not found: run 'npm install' with tests/mnist/browser/package.json in $MP_TOP_BUILDDIR/tests/mnist/browser"
else
    NODE_PATH=$modules${NODE_PATH:+:$NODE_PATH}
fi
export NODE_PATH CHROMIUM
DATA=$(data_dir) || skip "real MNIST not found (\$MNISTPIPE_SHARED/data/mnist or ../shared/data/mnist)"
[ -x "$SERVE" ] && [ -x "$WEBUI" ] || skip "mnist-serve or mnist-web-ui is not built"

make_model "$TMP/export" 4
start_bg S "$SERVE" --model_base_path "$TMP/export" --rest_api_port 0
sport=$(cat "$TMP/S.port")
start_bg W "$WEBUI" --port 0 --server-port 8500 --data-dir "$DATA"
# The page's form overrides the flags' default server port, as ?port= did in the original.
HOME=$TMP timeout 120 node "$MP_TOP_SRCDIR/tests/mnist/browser/page.test.js" \
    "$W_URL/?name=mnist&addr=127.0.0.1&port=$sport" 4 "$TMP" || fail "browser test"
stop "$W_PID" || fail "web-ui exit status"
stop "$S_PID" || fail "serve exit status"
finish
