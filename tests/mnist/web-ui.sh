#!/bin/sh
# SPDX-License-Identifier: MIT
# mnist-web-ui with a live mnist-serve: /healthz, the page and its assets, /api/random,
# /api/status, /api/predict (test image and drawn pixels), and 502 when serve is down.
. "$MP_TOP_SRCDIR/tests/mnist/lib-serve.sh"
need_tools
DATA=$(data_dir) || skip "real MNIST not found (\$MNISTPIPE_SHARED/data/mnist or ../shared/data/mnist)"
[ -x "$SERVE" ] && [ -x "$WEBUI" ] || skip "mnist-serve or mnist-web-ui is not built"

"$WEBUI" --help >"$TMP/out" 2>&1 && grep -q -- '--server-addr\|--server_addr' "$TMP/out" &&
    pass "--help" || fail "--help"
"$WEBUI" --version >/dev/null 2>&1 && pass "--version" || fail "--version"
"$WEBUI" --port 99999 >"$TMP/out" 2>&1 && fail "bad port accepted" || pass "bad port refused"

EXPORT=$TMP/export
make_model "$EXPORT" 3
start_bg S "$SERVE" --model_base_path "$EXPORT" --rest_api_port 0
sport=$(cat "$TMP/S.port")
# Deploy-service flags are accepted; --container-port is the listen port (0: any free one).
start_bg W "$WEBUI" --image gcr.io/kubeflow-examples/mnist/web-ui --name web-ui \
    --container-port 0 --service-port 80 --service-type LoadBalancer --server-addr 127.0.0.1 \
    --server-port "$sport" --data-dir "$DATA" --model-name mnist

req GET "$W_URL/healthz"
expect_code 200 "/healthz"
expect_json 'd == {"status": "ok"}' "/healthz body"

CODE=$(curl -s -o "$TMP/page" -w '%{http_code}' "$W_URL/?name=mnist&addr=127.0.0.1&port=$sport")
[ "$CODE" = 200 ] && grep -q 'id="canvas"' "$TMP/page" && grep -q "value=\"$sport\"" "$TMP/page" &&
    pass "page honours ?port=" || fail "page: HTTP $CODE"
CODE=$(curl -s -o "$TMP/page" -w '%{http_code}' "$W_URL/?name=%22%3Cx%3E")
grep -q 'value="&quot;&lt;x&gt;"' "$TMP/page" && pass "query values are HTML-escaped" ||
    fail "query values not escaped"
if grep -Eq '(src|href)="(https?:)?//' "$TMP/page"; then fail "page refers to external URLs"; else
    pass "page has no external references"; fi
for f in app.js style.css; do
    CODE=$(curl -s -o "$TMP/asset" -w '%{http_code}' "$W_URL/static/$f")
    [ "$CODE" = 200 ] && [ -s "$TMP/asset" ] && pass "/static/$f" || fail "/static/$f: HTTP $CODE"
done
req GET "$W_URL/static/nope.js"
expect_code 404 "unknown asset"

req GET "$W_URL/api/random"
expect_code 200 "/api/random"
expect_json 'sorted(d) == ["index", "label", "pixels"] and len(d["pixels"]) == 784 and all(0 <= p <= 255 for p in d["pixels"]) and 0 <= d["label"] <= 9 and 0 <= d["index"] < 10000' \
    "/api/random: index, label, 784 pixels 0-255"
cp "$TMP/resp" "$TMP/random.json"

req GET "$W_URL/api/status"
expect_json 'd["model_version"] == "3" and d["state"] == "AVAILABLE"' "/api/status shows the real model version"

echo '{"index": 0}' >"$TMP/p.json"
req POST "$W_URL/api/predict" "$TMP/p.json"
expect_code 200 "/api/predict by index"
expect_json 'sorted(d) == ["latency_ms", "model_name", "model_version", "prediction", "scores", "truth"] and d["truth"] == 7 and len(d["scores"]) == 10 and abs(sum(d["scores"]) - 1) < 1e-5 and d["model_version"] == "3" and d["model_name"] == "mnist"' \
    "/api/predict reply fields"
expect_json 'd["prediction"] == d["scores"].index(max(d["scores"]))' "prediction is the argmax"

"$PY" - "$TMP/random.json" "$TMP/p.json" "$sport" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))
json.dump({"name": "mnist", "addr": "127.0.0.1", "port": sys.argv[3],
           "pixels": [p / 255 for p in r["pixels"]]}, open(sys.argv[2], "w"))
PYEOF
req POST "$W_URL/api/predict" "$TMP/p.json"
expect_code 200 "/api/predict with pixels and an explicit server"
expect_json 'd["truth"] is None' "drawn pixels have no truth"

echo '{"pixels": [1, 2]}' >"$TMP/p.json"
req POST "$W_URL/api/predict" "$TMP/p.json"
expect_code 400 "wrong pixel count"
echo 'nope' >"$TMP/p.json"
req POST "$W_URL/api/predict" "$TMP/p.json"
expect_code 400 "malformed body"
echo '{"index": 0, "addr": "192.0.2.1"}' >"$TMP/p.json"
req POST "$W_URL/api/predict" "$TMP/p.json"
expect_code 400 "non-loopback server refused"
echo '{"index": 0, "name": "other"}' >"$TMP/p.json"
req POST "$W_URL/api/predict" "$TMP/p.json"
expect_code 502 "unknown model: 502"
expect_json '"Servable not found" in d["error"]' "502 carries serve's error"

# serve goes away: 502 with {"error"}
stop "$S_PID" && pass "serve: SIGTERM exit 0" || fail "serve exit status"
echo '{"index": 0}' >"$TMP/p.json"
req POST "$W_URL/api/predict" "$TMP/p.json"
expect_code 502 "/api/predict with serve down"
expect_json 'list(d) == ["error"] and len(d["error"]) > 0' "502 body is {\"error\": ...}"
req GET "$W_URL/api/status"
expect_code 502 "/api/status with serve down"
req GET "$W_URL/healthz"
expect_code 200 "/healthz does not depend on serve"

stop "$W_PID"; st=$?
[ $st -eq 0 ] && pass "web-ui: SIGTERM exit 0" || fail "web-ui: exit $st"
finish
