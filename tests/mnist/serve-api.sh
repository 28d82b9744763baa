#!/bin/sh
# SPDX-License-Identifier: MIT
# mnist-serve against TensorFlow Serving's REST contract: status before and after a version
# loads, metadata, predict (row and columnar), classify/regress, TF's error messages and codes,
# 413, hot reload under load without failed requests, and a clean exit 0 on SIGTERM.
. "$MP_TOP_SRCDIR/tests/mnist/lib-serve.sh"
need_tools
DATA=$(data_dir) || skip "real MNIST not found (\$MNISTPIPE_SHARED/data/mnist or ../shared/data/mnist)"
[ -x "$SERVE" ] || skip "neither mnist-serve nor the stub server is built"

# ---- command line ----
"$SERVE" --help >"$TMP/out" 2>&1 && grep -q -- '--model_base_path' "$TMP/out" &&
    pass "--help" || fail "--help"
"$SERVE" --version >"$TMP/out" 2>&1 && grep -q 'mnist-serve' "$TMP/out" &&
    pass "--version" || fail "--version"
"$SERVE" --bogus 1 >"$TMP/out" 2>&1; st=$?
[ $st -ne 0 ] && grep -q "unknown option '--bogus'" "$TMP/out" && pass "unknown flag is an error" ||
    fail "unknown flag: exit $st, $(cat "$TMP/out")"
"$SERVE" >"$TMP/out" 2>&1; st=$?
[ $st -ne 0 ] && grep -q 'model_base_path' "$TMP/out" && pass "base path required" ||
    fail "missing base path: exit $st"
"$SERVE" --model_base_path gs://bucket/mnist >"$TMP/out" 2>&1; st=$?
[ $st -ne 0 ] && grep -q 'not supported by the local runner' "$TMP/out" && pass "gs:// refused" ||
    fail "gs:// path: exit $st, $(cat "$TMP/out")"
"$SERVE" --model_base_path "$TMP/x" --rest_api_port=notanumber >"$TMP/out" 2>&1; st=$?
[ $st -ne 0 ] && grep -q 'rest_api_port' "$TMP/out" && pass "bad port named" || fail "bad port: exit $st"

# ---- before any version exists: 404, and serve keeps polling ----
EXPORT=$TMP/export
start_bg S "$SERVE" -model_base_path="$EXPORT" --rest_api_port 0 \
    --file_system_poll_wait_seconds 1 --version_label stable=1 --version_label canary=2
req GET "$S_URL/v1/models/mnist"
expect_error 404 '^Could not find any versions of model mnist$' "status before any version"
req POST "$S_URL/v1/models/mnist:predict" /dev/null
expect_error 400 '^JSON Parse error: The document is empty$' "empty body parsed before lookup"
echo '{"instances": [[0]]}' >"$TMP/tiny.json"
req POST "$S_URL/v1/models/mnist:predict" "$TMP/tiny.json"
expect_error 404 '^Servable not found for request: Latest\(mnist\)$' "predict before any version"

make_model "$EXPORT" 1
wait_available() {
    i=0
    while [ $i -lt 100 ]; do
        req GET "$S_URL/v1/models/mnist/versions/$1"
        [ "$CODE" = 200 ] && grep -q '"AVAILABLE"' "$TMP/resp" && return 0
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}
wait_available 1 && pass "version 1 becomes AVAILABLE by polling" || fail "version 1 never loaded"

req GET "$S_URL/v1/models/mnist"
expect_json 'd == {"model_version_status": [{"version": "1", "state": "AVAILABLE", "status": {"error_code": "OK", "error_message": ""}}]}' \
    "status JSON is TF's GetModelStatusResponse"
req GET "$S_URL/V1/Models/mnist/Labels/stable"
expect_json 'd["model_version_status"][0]["version"] == "1"' "case-insensitive path, label"
req GET "$S_URL/v1/models/mn%69st"
expect_code 200 "URL-decoded model name"

# ---- metadata ----
req GET "$S_URL/v1/models/mnist/metadata"
expect_code 200 "metadata"
expect_json 'd["model_spec"] == {"name": "mnist", "signature_name": "", "version": "1"}' "metadata model_spec"
expect_json 'sorted(d["metadata"]["signature_def"]["signature_def"]) == ["classes", "serving_default"]' \
    "signatures serving_default and classes"
expect_json 's = d["metadata"]["signature_def"]["signature_def"]["serving_default"]; s["method_name"] == "tensorflow/serving/predict" and s["inputs"]["x"]["dtype"] == "DT_FLOAT" and [x["size"] for x in s["inputs"]["x"]["tensor_shape"]["dim"]] == ["-1", "28", "28"] and s["outputs"]["classes"]["dtype"] == "DT_UINT8" and [x["size"] for x in s["outputs"]["predictions"]["tensor_shape"]["dim"]] == ["-1", "10"]' \
    "signature x [-1,28,28] -> predictions [-1,10], classes uint8"

# ---- predict ----
label=$(body_for 0 rows)
req POST "$S_URL/v1/models/mnist:predict" "$TMP/body.json"
expect_code 200 "predict, row format, 784 flat"
expect_json 'len(d["predictions"]) == 1 and sorted(d["predictions"][0]) == ["classes", "predictions"]' "row format shape"
expect_json 'p = d["predictions"][0]["predictions"]; len(p) == 10 and abs(sum(p) - 1) < 1e-5 and min(p) >= 0' \
    "10 probabilities that sum to 1"
expect_json 'p = d["predictions"][0]; p["classes"] == p["predictions"].index(max(p["predictions"]))' "classes is the argmax"
trained "label check" && expect_json "d['predictions'][0]['classes'] == $label" "test image 0 is classified as its label $label"
label=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["predictions"][0]["classes"])' "$TMP/resp")
cp "$TMP/resp" "$TMP/row.json"
if grep -q '"predictions": \[' "$TMP/row.json" && ! grep -q 'e+' "$TMP/row.json"; then
    pass "TF float formatting"; else fail "float formatting"; fi

body_for 0 rows28 >/dev/null
req POST "$S_URL/v1/models/mnist/versions/1:predict" "$TMP/body.json"
expect_json 'd["predictions"][0]["classes"] == '"$label" "predict, 28x28 nested, versioned URL"
body_for 0 objects >/dev/null
req POST "$S_URL/v1/models/mnist/labels/stable:predict" "$TMP/body.json"
expect_json 'd["predictions"][0]["classes"] == '"$label" "predict, named {\"x\": ...} instances, label URL"
body_for 0 columnar >/dev/null
req POST "$S_URL/v1/models/mnist:predict" "$TMP/body.json"
expect_code 200 "predict, columnar format"
expect_json 'list(d) == ["outputs"] and len(d["outputs"]["predictions"]) == 1 and d["outputs"]["classes"] == ['"$label"']' \
    "columnar outputs {predictions: [[...]], classes: [d]}"
expect_json 'r = json.load(open(sys.argv[1].replace("resp", "row.json"))); r["predictions"][0]["predictions"] == d["outputs"]["predictions"][0]' \
    "row and columnar give the same scores"

# A batch of 1000 test images: accuracy well above chance, and the limit.
"$PY" - "$DATA" "$TMP" <<'PYEOF'
import gzip, json, sys
data, tmp = sys.argv[1], sys.argv[2]
with gzip.open(data + "/t10k-images-idx3-ubyte.gz") as f:
    raw = f.read(16 + 784 * 1001)[16:]
with gzip.open(data + "/t10k-labels-idx1-ubyte.gz") as f:
    labels = list(f.read(8 + 1001)[8:])
imgs = [[b / 255 for b in raw[i * 784:(i + 1) * 784]] for i in range(1001)]
json.dump({"instances": imgs[:1000]}, open(tmp + "/b1000.json", "w"))
json.dump({"instances": imgs}, open(tmp + "/b1001.json", "w"))
json.dump(labels[:1000], open(tmp + "/labels.json", "w"))
PYEOF
req POST "$S_URL/v1/models/mnist:predict" "$TMP/b1000.json"
expect_code 200 "batch of 1000"
expect_json 'len(d["predictions"]) == 1000' "1000 predictions"
trained "accuracy" && expect_json 'l = json.load(open(sys.argv[1].replace("resp", "labels.json"))); n = sum(p["classes"] == y for p, y in zip(d["predictions"], l)); print("    batch accuracy", n / 1000) or n >= 600' \
    "accuracy > 60 % on 1000 test images"
req POST "$S_URL/v1/models/mnist:predict" "$TMP/b1001.json"
expect_error 400 'over the limit of 1000' "batch of 1001 refused"

# ---- classify (beyond TF) and regress ----
"$PY" -c 'import json,sys; b=json.load(open(sys.argv[1])); json.dump({"examples": [{"x": b["instances"][0]}]}, open(sys.argv[2], "w"))' \
    "$TMP/b1000.json" "$TMP/cls.json"
req POST "$S_URL/v1/models/mnist:classify" "$TMP/cls.json"
expect_json 'r = d["results"][0]; [x[0] for x in r] == [str(i) for i in range(10)] and abs(sum(x[1] for x in r) - 1) < 1e-5' \
    "classify: results [[label, score] x 10]"
req POST "$S_URL/v1/models/mnist:regress" "$TMP/cls.json"
expect_error 400 '^Expected regression signature method_name to be tensorflow/serving/regress. Was: tensorflow/serving/predict$' "regress"

# ---- errors: TF's messages and codes ----
printf '{"instances": [1, 2' >"$TMP/e.json"
req POST "$S_URL/v1/models/mnist:predict" "$TMP/e.json"
expect_error 400 "^JSON Parse error: Missing a comma or '\]' after an array element\. at offset: 19$" "malformed JSON"
printf 'nope' >"$TMP/e.json"
req POST "$S_URL/v1/models/mnist:predict" "$TMP/e.json"
expect_error 400 '^JSON Parse error: Invalid value\. at offset: 0$' "invalid value"
echo '{"x": 1}' >"$TMP/e.json"
req POST "$S_URL/v1/models/mnist:predict" "$TMP/e.json"
expect_error 400 "^Missing 'inputs' or 'instances' key$" "no inputs/instances"
echo '{"instances": [], "inputs": []}' >"$TMP/e.json"
req POST "$S_URL/v1/models/mnist:predict" "$TMP/e.json"
expect_error 400 "^JSON Value: .* Not formatted correctly expecting only one of 'inputs' or 'instances' keys to exist $" "both keys"
echo '{"instances": []}' >"$TMP/e.json"
req POST "$S_URL/v1/models/mnist:predict" "$TMP/e.json"
expect_error 400 "No values in 'instances' array$" "empty instances"
echo '{"instances": {"x": 1}}' >"$TMP/e.json"
req POST "$S_URL/v1/models/mnist:predict" "$TMP/e.json"
expect_error 400 "Expecting 'instances' to be an list/array$" "instances not a list"
echo '{"instances": [["a"]]}' >"$TMP/e.json"
req POST "$S_URL/v1/models/mnist:predict" "$TMP/e.json"
expect_error 400 '^Failed to process element: 0 of .instances. list. Error: Invalid argument: JSON Value: "a" Type: String is not of expected type: float$' "string value"
echo '{"signature_name": 3, "instances": [[0]]}' >"$TMP/e.json"
req POST "$S_URL/v1/models/mnist:predict" "$TMP/e.json"
expect_error 400 "'signature_name' key must be a string value\.$" "signature_name not a string"
echo '{"signature_name": "foo", "instances": [[0]]}' >"$TMP/e.json"
req POST "$S_URL/v1/models/mnist:predict" "$TMP/e.json"
expect_error 400 '^Serving signature name: "foo" not found in signature def$' "unknown signature"
echo '{"instances": [[0, 1, 2]]}' >"$TMP/e.json"
req POST "$S_URL/v1/models/mnist:predict" "$TMP/e.json"
expect_error 400 'requires a multiple of 784' "wrong instance size"
echo '{"instances": [[0, 1], [0]]}' >"$TMP/e.json"
req POST "$S_URL/v1/models/mnist:predict" "$TMP/e.json"
expect_error 400 'Expecting tensor size: 2 but got: 1' "ragged instances"
echo '{"instances": [[0]]}' >"$TMP/e.json"
req POST "$S_URL/v1/models/foo:predict" "$TMP/e.json"
expect_error 404 '^Servable not found for request: Latest\(foo\)$' "unknown model"
req POST "$S_URL/v1/models/mnist/versions/7:predict" "$TMP/e.json"
expect_error 404 '^Servable not found for request: Specific\(mnist, 7\)$' "unknown version"
req POST "$S_URL/v1/models/mnist/labels/nope:predict" "$TMP/e.json"
expect_error 400 '^Unrecognized servable version label: nope$' "unknown label"
req GET "$S_URL/v1/models/foo"
expect_error 404 '^Could not find any versions of model foo$' "status of unknown model"
req GET "$S_URL/v1/models/mnist/versions/9"
expect_error 404 '^Could not find version 9 of model mnist$' "status of unknown version"
req GET "$S_URL/v1/models/mnist/versions/99999999999999999999"
expect_error 400 '^Failed to convert version: 99999999999999999999 to numeric\.$' "version overflow"
req GET "$S_URL/v1/models/foo/metadata"
expect_error 404 '^Servable not found for request: Latest\(foo\)$' "metadata of unknown model"
req DELETE "$S_URL/v1/models/mnist"
expect_error 400 '^Malformed request: DELETE /v1/models/mnist$' "other method"
req GET "$S_URL/v1/models/mnist:predict"
expect_error 400 '^Malformed request: GET /v1/models/mnist:predict$' "GET on :predict"
req GET "$S_URL/index.html"
expect_error 404 '^Not found$' "path outside /v1"
CODE=$(curl -s -o "$TMP/resp" -w '%{http_code}' -X OPTIONS "$S_URL/v1/models/mnist")
[ "$CODE" = 400 ] && pass "OPTIONS without Origin: 400" || fail "OPTIONS without Origin: $CODE"
CODE=$(curl -s -o "$TMP/resp" -w '%{http_code}' -X OPTIONS -H 'Origin: http://localhost' "$S_URL/v1/models/mnist")
[ "$CODE" = 200 ] && pass "CORS preflight: 200" || fail "CORS preflight: $CODE"
ct=$(curl -s -o /dev/null -w '%{content_type}' "$S_URL/v1/models/nope")
[ "$ct" = application/json ] && pass "errors are application/json" || fail "content type '$ct'"

# ---- body limit ----
start_bg L "$SERVE" --model_base_path "$EXPORT" --rest_api_port 0 --max_body_bytes 4096
req POST "$L_URL/v1/models/mnist:predict" "$TMP/b1000.json"
expect_error 413 'over the limit of 4096 bytes' "body over --max_body_bytes"
CODE=$(curl -s -o "$TMP/resp" -w '%{http_code}' -H 'Transfer-Encoding: chunked' \
    -H 'Content-Type: application/json' --data-binary @"$TMP/b1000.json" "$L_URL/v1/models/mnist:predict")
expect_error 413 'over the limit' "chunked body over the limit"
head -c 70000000 /dev/zero >"$TMP/huge" 2>/dev/null
CODE=$(curl -s -o "$TMP/resp" -w '%{http_code}' -H 'Content-Type: application/json' \
    --data-binary @"$TMP/huge" "$S_URL/v1/models/mnist:predict")
expect_error 413 'over the limit of 67108864 bytes' "70 MB body over the default 64 MiB limit"
rm -f "$TMP/huge"
stop "$L_PID" && pass "second server: SIGTERM exit 0" || fail "second server exit status $?"

# ---- port in use ----
port=$(cat "$TMP/S.port")
"$SERVE" --model_base_path "$EXPORT" --rest_api_port "$port" >"$TMP/out" 2>&1; st=$?
[ $st -ne 0 ] && grep -q 'Address already in use' "$TMP/out" && pass "port in use: clear error, exit $st" ||
    fail "port in use: exit $st, $(cat "$TMP/out")"

# ---- hot reload under load: no request may fail ----
body_for 1 rows >/dev/null
(
    i=0
    while [ $i -lt 400 ]; do
        curl -s -o /dev/null -w '%{http_code}\n' -H 'Content-Type: application/json' \
            --data-binary @"$TMP/body.json" "$S_URL/v1/models/mnist:predict"
        i=$((i + 1))
    done >"$TMP/codes"
) &
LOAD=$!
PIDS="$PIDS $LOAD"
sleep 0.3
make_model "$TMP/staging" 2
mv "$TMP/staging/2" "$EXPORT/2"
wait_available 2 && pass "version 2 hot-loaded" || fail "version 2 never loaded"
wait "$LOAD"
n200=$(grep -c '^200$' "$TMP/codes")
[ "$n200" = 400 ] && pass "400 predicts during the reload all answered 200" ||
    fail "during reload: $n200 of 400 answered 200 ($(sort "$TMP/codes" | uniq -c | tr '\n' ' '))"
i=0
while [ $i -lt 50 ]; do
    req GET "$S_URL/v1/models/mnist"
    grep -q '"END"' "$TMP/resp" && break
    sleep 0.1
    i=$((i + 1))
done
expect_json '[(v["version"], v["state"]) for v in d["model_version_status"]] == [("2", "AVAILABLE"), ("1", "END")]' \
    "status lists 2 AVAILABLE, 1 END"
req POST "$S_URL/v1/models/mnist/versions/1:predict" "$TMP/body.json"
expect_error 404 'Specific\(mnist, 1\)' "old version no longer served"
req GET "$S_URL/v1/models/mnist/metadata"
expect_json 'd["model_spec"]["version"] == "2"' "metadata follows the new version"
# ---- a version that does not load: reported, the current one keeps serving ----
mkdir -p "$TMP/staging/3" && printf 'garbage, not a model\n' >"$TMP/staging/3/model.mnpm" &&
    cp "$TMP/staging/3/model.mnpm" "$TMP/staging/3/model.stub" && mv "$TMP/staging/3" "$EXPORT/3"
i=0
while [ $i -lt 50 ]; do
    req GET "$S_URL/v1/models/mnist/versions/3"
    grep -q 'INVALID_ARGUMENT' "$TMP/resp" && break
    sleep 0.1
    i=$((i + 1))
done
expect_json 'd["model_version_status"][0]["state"] == "END" and d["model_version_status"][0]["status"]["error_code"] == "INVALID_ARGUMENT" and d["model_version_status"][0]["status"]["error_message"] != ""' \
    "a corrupt version 3 is END with its load error"
req POST "$S_URL/v1/models/mnist:predict" "$TMP/body.json"
expect_code 200 "predict still answered by version 2"
req GET "$S_URL/v1/models/mnist/metadata"
expect_json 'd["model_spec"]["version"] == "2"' "version 2 stays the served one"
grep -q 'failed to load version 3' "$TMP/S.log" && pass "the load failure is logged" ||
    fail "no log line for the failed load"
req GET "$S_URL/monitoring/prometheus/metrics"
expect_code 200 "prometheus metrics"
grep -q ':tensorflow:serving:request_count{model_name="mnist",API="predict",entrypoint="REST",status="OK"}' "$TMP/resp" &&
    pass "metrics count predicts" || fail "metrics lack predict counts"

# ---- shutdown ----
stop "$S_PID"; st=$?
[ $st -eq 0 ] && pass "SIGTERM: exit 0" || fail "SIGTERM: exit $st"
grep -q 'SIGTERM received' "$TMP/S.log" && pass "shutdown logged" || fail "no shutdown log line"
grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z mnist-serve: ' "$TMP/S.log" && pass "timestamped logs" ||
    fail "log lines lack timestamps"
kill -0 "$S_PID" 2>/dev/null && fail "server still running" || pass "nothing left running"
finish
