#!/bin/sh
# SPDX-License-Identifier: MIT
# Self-test of tests/stub/kfp_stub.py with curl: v1beta1 + v2beta1 happy paths, a swagger
# violation, injected faults, bearer-token and Dex/cookie auth, Argo + Kubernetes submission.
# Exit 0 ok, 1 failure, 77 skip (no python3 / yaml / jsonschema / curl / ../shared).
set -u

here=$(cd "$(dirname "$0")" && pwd)
stub="$here/kfp_stub.py"
PY=${PYTHON3:-python3}

skip() { echo "SKIP: $*" >&2; exit 77; }
command -v "$PY" >/dev/null 2>&1 || skip "python3 not found"
command -v curl >/dev/null 2>&1 || skip "curl not found"
"$PY" -c 'import yaml, jsonschema' 2>/dev/null ||
    skip "python3-yaml / python3-jsonschema missing (apt-get install -y python3-yaml python3-jsonschema)"

shared=
for cand in "${MNISTPIPE_SHARED:-}" "${MP_TOP_SRCDIR:+$MP_TOP_SRCDIR/../shared}" \
        "${srcdir:+$srcdir/../shared}" "$here/../../../shared"; do
    if [ -n "$cand" ] && [ -d "$cand/reference/kfp-api" ]; then shared=$cand; break; fi
done
[ -n "$shared" ] || skip "shared/reference/kfp-api not found (set MNISTPIPE_SHARED)"
swagger="$shared/reference/kfp-api"
export MNISTPIPE_SHARED="$shared"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/kfp-stub-test.XXXXXX") || exit 99
pid=
cleanup() {
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; fi
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }

# start_stub ARGS...: start on an ephemeral port, set $B (base URL) and $pid.
start_stub() {
    rm -f "$TMP/port"
    "$PY" "$stub" --port 0 --port-file "$TMP/port" --swagger-dir "$swagger" \
        --log "$TMP/stub.log" "$@" 2>"$TMP/stub.err" &
    pid=$!
    i=0
    while [ ! -s "$TMP/port" ] && [ $i -lt 300 ]; do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1; i=$((i + 1))
    done
    [ -s "$TMP/port" ] || { cat "$TMP/stub.err" >&2; echo "FAIL: stub did not start" >&2; exit 1; }
    B="http://127.0.0.1:$(cat "$TMP/port")"
}

# stop_stub: POST /_stub/shutdown and return the stub's exit status in $rc.
stop_stub() {
    curl -s -m 10 -X POST "$B/_stub/shutdown" >/dev/null
    i=0
    while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    wait "$pid"; rc=$?
    pid=
}

C() { curl -s -m 20 "$@"; }
# status CURLARGS...: print only the HTTP status code
status() { curl -s -m 20 -o "$TMP/body" -w '%{http_code}' "$@"; }
json() { "$PY" -c "import json,sys; d=json.load(open('$TMP/body')); print($1)"; }
JH='Content-Type: application/json'

# A KFP v1 package: pipeline.yaml first in a gzip tarball.
cp "$shared/tools/testdata/argo-valid.yaml" "$TMP/pipeline.yaml" 2>/dev/null || cat >"$TMP/pipeline.yaml" <<'EOF'
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: train-pipeline-}
spec:
  entrypoint: main
  arguments: {parameters: [{name: epochs, value: "10"}]}
  templates:
  - name: main
    dag:
      tasks:
      - {name: preprocess, template: step}
      - {name: train, template: step, dependencies: [preprocess]}
  - name: step
    container: {image: busybox, command: [true]}
EOF
(cd "$TMP" && tar czf pkg.tar.gz pipeline.yaml) || exit 99
ID1=00000000-0000-4000-8000-000000000001
ID2=00000000-0000-4000-8000-000000000002
ID3=00000000-0000-4000-8000-000000000003
ID4=00000000-0000-4000-8000-000000000004

# ---------------------------------------------------------------- v1beta1 happy path
start_stub --pending-polls 1 --running-polls 2
s=$(status "$B/apis/v1beta1/healthz")
[ "$s" = 200 ] && [ "$(json "d['multi_user']")" = False ] && pass "v1 healthz" || fail "v1 healthz $s"
s=$(status -F "uploadfile=@$TMP/pkg.tar.gz" "$B/apis/v1beta1/pipelines/upload?name=mnist&description=demo")
[ "$s" = 200 ] && [ "$(json "(d['id'], d['default_version']['id'])")" = "('$ID1', '$ID2')" ] &&
    pass "v1 upload (deterministic ids)" || fail "v1 upload $s $(cat "$TMP/body")"
s=$(status -F "uploadfile=@$TMP/pkg.tar.gz" "$B/apis/v1beta1/pipelines/upload?name=mnist")
[ "$s" = 409 ] && [ -n "$(json "d['error_message']")" ] && pass "duplicate upload -> 409 upload body" ||
    fail "duplicate upload $s"
s=$(status -G --data-urlencode 'filter={"predicates":[{"key":"name","op":"EQUALS","string_value":"mnist"}]}' \
    --data-urlencode page_size=1 "$B/apis/v1beta1/pipelines")
[ "$s" = 200 ] && [ "$(json "(len(d['pipelines']), 'next_page_token' in d)")" = "(1, False)" ] &&
    pass "v1 list with name filter" || fail "v1 list $s $(cat "$TMP/body")"
s=$(status -H "$JH" -d '{"name":"exp1","description":"x"}' "$B/apis/v1beta1/experiments")
[ "$s" = 200 ] && [ "$(json "d['id']")" = $ID3 ] && pass "v1 experiment create" || fail "v1 experiment $s"
s=$(status -H "$JH" -d '{"name":"exp1"}' "$B/apis/v1beta1/experiments")
[ "$s" = 409 ] && [ "$(json "d['code']")" = 6 ] && pass "duplicate experiment -> 409 {code:6}" ||
    fail "dup experiment $s $(cat "$TMP/body")"
s=$(status -H "$JH" -d '{"name":"run1","pipeline_spec":{"parameters":[{"name":"epochs","value":"3"}]},
  "resource_references":[{"key":{"type":"EXPERIMENT","id":"'$ID3'"},"relationship":"OWNER"},
  {"key":{"type":"PIPELINE_VERSION","id":"'$ID2'"},"relationship":"CREATOR"}]}' "$B/apis/v1beta1/runs")
[ "$s" = 200 ] && [ "$(json "d['run']['id']")" = $ID4 ] &&
    pass "v1 run create" || fail "v1 run create $s $(cat "$TMP/body")"
RUN=$ID4   # the refused duplicate upload used no id
seen=
for i in 1 2 3 4; do
    status "$B/apis/v1beta1/runs/$RUN" >/dev/null
    seen="$seen $(json "d['run'].get('status')")"
done
[ "$seen" = " Pending Running Running Succeeded" ] && pass "v1 run progression:$seen" ||
    fail "v1 progression:$seen"
nodes=$(json "sorted((n['displayName'], n['phase']) for n in json.loads(d['pipeline_runtime']['workflow_manifest'])['status']['nodes'].values() if n['type']=='Pod')")
echo "$nodes" | grep -q "('train', 'Succeeded')" && pass "v1 workflow_manifest nodes" || fail "nodes $nodes"
s=$(status -H "$JH" -d '{"run":{"name":"wrapped"}}' "$B/apis/v1beta1/runs")
[ "$s" = 400 ] && pass "wrapped run body -> 400" || fail "wrapped body $s"
s=$(status -G --data-urlencode 'filter={"predicates":[{"key":"name","operation":"EQUALS","string_value":"x"}]}' \
    "$B/apis/v1beta1/pipelines")
[ "$s" = 400 ] && pass "v2 filter key on v1 -> 400" || fail "v1 filter operation $s"
s=$(status "$B/apis/v1beta1/pipelines?bogus=1")
[ "$s" = 400 ] && pass "undeclared query parameter -> 400" || fail "bogus query $s"
s=$(status -F "file=@$TMP/pkg.tar.gz" "$B/apis/v1beta1/pipelines/upload?name=other")
[ "$s" = 400 ] && pass "upload without 'uploadfile' -> 400" || fail "upload field $s"
n=$(C "$B/_stub/violations" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["count"])')
[ "$n" = 4 ] && pass "4 violations recorded" || fail "violations: $n"
C "$B/_stub/requests" | grep -q '"Authorization"' && fail "requests log leaks Authorization" || true
stop_stub
[ "$rc" = 1 ] && pass "stub exits 1 after violations" || fail "stub exit $rc after violations"

# ---------------------------------------------------------------- v2beta1 happy path + faults
start_stub --pending-polls 0 --running-polls 1 --fault 'status:code=503,count=1,path=/healthz$'
s=$(status "$B/apis/v2beta1/healthz")
[ "$s" = 503 ] && [ "$(json "d['code']")" = 14 ] && pass "injected 503 (--fault)" || fail "503 fault $s"
s=$(status "$B/apis/v2beta1/healthz")
[ "$s" = 200 ] && [ "$(json "d['pipeline_store']")" = database ] && pass "v2 healthz after fault" || fail "v2 healthz $s"
s=$(status -F "uploadfile=@$TMP/pkg.tar.gz" "$B/apis/v2beta1/pipelines/upload?name=mnist2")
[ "$s" = 200 ] && [ "$(json "(d['pipeline_id'], 'default_version' in d)")" = "('$ID1', False)" ] &&
    pass "v2 upload" || fail "v2 upload $s $(cat "$TMP/body")"
s=$(status "$B/apis/v2beta1/pipelines/$ID1/versions?sort_by=created_at%20desc&page_size=1")
[ "$s" = 200 ] && [ "$(json "d['pipeline_versions'][0]['pipeline_version_id']")" = $ID2 ] &&
    pass "v2 versions list" || fail "v2 versions $s"
s=$(status -H "$JH" -d '{"display_name":"e2"}' "$B/apis/v2beta1/experiments")
[ "$s" = 200 ] && [ "$(json "(d['experiment_id'], d['storage_state'])")" = "('$ID3', 'AVAILABLE')" ] &&
    pass "v2 experiment" || fail "v2 experiment $s"
C -H "$JH" -X POST -d '{"kind":"run_outcome","state":"Failed","name":"^bad","step":"train"}' \
    "$B/_stub/faults" >/dev/null
s=$(status -H "$JH" -d '{"display_name":"bad-run","experiment_id":"'$ID3'",
  "pipeline_version_reference":{"pipeline_id":"'$ID1'"},"runtime_config":{"parameters":{"epochs":5}}}' \
  "$B/apis/v2beta1/runs")
[ "$s" = 200 ] && [ "$(json "(d['run_id'], d['state'])")" = "('$ID4', 'PENDING')" ] &&
    pass "v2 run create" || fail "v2 run create $s $(cat "$TMP/body")"
seen=
for i in 1 2; do
    status "$B/apis/v2beta1/runs/$ID4" >/dev/null
    seen="$seen $(json "d['state']")"
done
[ "$seen" = " RUNNING FAILED" ] && pass "v2 run_outcome fault:$seen" || fail "v2 run states:$seen"
[ "$(json "[t['state'] for t in d['run_details']['task_details'] if t['display_name']=='train']")" = "['FAILED']" ] &&
    pass "v2 task_details" || fail "task_details $(cat "$TMP/body")"
C "$B/_stub/state" | grep -q '"ignored_parameters": *{"epochs": *5}' &&
    pass "v2 runtime_config ignored for Argo pipelines (recorded)" || fail "ignored_parameters"
C -H "$JH" -X POST -d '["drop:path=/experiments$", "status:code=429,path=/experiments$"]' \
    "$B/_stub/faults" >/dev/null
s=$(status "$B/apis/v2beta1/experiments")
[ "$s" = 000 ] && pass "dropped connection" || fail "drop fault $s"
hdr=$(curl -s -m 10 -D - -o /dev/null "$B/apis/v2beta1/experiments" | tr -d '\r')
echo "$hdr" | grep -qi '^Retry-After: 1' && echo "$hdr" | grep -q ' 429' &&
    pass "429 with Retry-After" || fail "429 fault: $hdr"
C -H "$JH" -X POST -d '"drop:method=POST,when=after,path=/experiments$"' "$B/_stub/faults" >/dev/null
s=$(status -H "$JH" -d '{"display_name":"lost-answer"}' "$B/apis/v2beta1/experiments")
C -G --data-urlencode 'filter={"predicates":[{"key":"display_name","operation":"EQUALS","string_value":"lost-answer"}]}' \
    "$B/apis/v2beta1/experiments" | grep -q lost-answer && [ "$s" = 000 ] &&
    pass "drop when=after: created, answer lost" || fail "drop when=after $s"
C -H "$JH" -X POST -d '"truncate:path=/experiments$"' "$B/_stub/faults" >/dev/null
curl -s -m 10 -o /dev/null "$B/apis/v2beta1/experiments"; e=$?
[ "$e" = 18 ] && pass "truncated body (curl exit 18)" || fail "truncate: curl exit $e"
C -H "$JH" -X POST -d '{"kind":"huge","bytes":3000000,"path":"/pipelines$"}' "$B/_stub/faults" >/dev/null
sz=$(curl -s -m 20 "$B/apis/v2beta1/pipelines" | wc -c)
[ "$sz" -eq 3000000 ] && pass "huge body streamed" || fail "huge body $sz"
stop_stub
[ "$rc" = 0 ] && pass "clean stub exits 0" || { fail "clean stub exit $rc"; cat "$TMP/stub.err" >&2; }

# ---------------------------------------------------------------- auth: token
start_stub --token good --token fresh --fault 'expire_token:token=good,after=1'
s=$(status "$B/apis/v1beta1/pipelines")
[ "$s" = 401 ] && [ "$(json "d['code']")" = 16 ] && pass "no token -> 401" || fail "no token $s"
s=$(status -H 'Authorization: Bearer good' "$B/apis/v1beta1/pipelines")
[ "$s" = 200 ] && pass "bearer token accepted" || fail "token $s"
s=$(status -H 'Authorization: Bearer good' "$B/apis/v1beta1/pipelines")
[ "$s" = 401 ] && pass "expired token -> 401" || fail "expire_token $s"
s=$(status -H 'Authorization: Bearer fresh' "$B/apis/v1beta1/pipelines")
[ "$s" = 200 ] && pass "re-read token accepted" || fail "fresh token $s"
C "$B/_stub/requests" | grep -q 'Bearer REDACTED' && pass "token redacted in /_stub/requests" ||
    fail "redaction"
stop_stub

# ---------------------------------------------------------------- auth: Dex + session cookie
for ck in authservice_session oauth2_proxy_kubeflow; do
    start_stub --cookie "$ck=s3cret" --dex-user user@example.com --dex-password 12341234
    s=$(status "$B/pipeline/apis/v1beta1/healthz")
    [ "$s" = 302 ] && pass "$ck: no cookie -> 302" || fail "$ck: no cookie $s"
    # follow to the login form like KFPClientManager does
    form=$(curl -s -m 20 -L -c "$TMP/jar" -b "$TMP/jar" -o "$TMP/form" -w '%{url_effective}' \
        "$B/pipeline/apis/v1beta1/healthz")
    case "$form" in */dex/auth/local/login\?back=\&state=*) pass "$ck: landed on Dex login form" ;;
        *) fail "$ck: login form URL $form" ;; esac
    grep -q 'name="login"' "$TMP/form" && pass "$ck: form has login field" || fail "$ck: form"
    s=$(curl -s -m 20 -L -c "$TMP/jar" -b "$TMP/jar" -o "$TMP/body" -w '%{http_code}' \
        --data-urlencode login=user@example.com --data-urlencode password=12341234 "$form")
    [ "$s" = 200 ] && grep -q "$ck" "$TMP/jar" && [ "$(json "d['tag_name']")" = 2.17.0 ] &&
        pass "$ck: login sets the cookie and reaches the API" || fail "$ck: login $s $(cat "$TMP/body")"
    s=$(status -H "Cookie: $ck=s3cret" "$B/pipeline/apis/v1beta1/pipelines")
    [ "$s" = 200 ] && pass "$ck: cookie accepted" || fail "$ck: cookie $s"
    rm -f "$TMP/jar"
    stop_stub
    [ "$rc" = 0 ] || fail "$ck: stub exit $rc"
done

# ---------------------------------------------------------------- Argo Server + Kubernetes API
start_stub --pending-polls 1 --running-polls 1
wfjson=$("$PY" -c 'import json,yaml,sys; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))' "$TMP/pipeline.yaml")
s=$(status -H "$JH" -d "{\"namespace\":\"argo\",\"workflow\":$wfjson}" "$B/api/v1/workflows/argo")
name=$(json "d['metadata']['name']")
[ "$s" = 200 ] && [ -n "$name" ] && pass "Argo Server submit ($name)" || fail "argo submit $s $(cat "$TMP/body")"
seen=
for i in 1 2 3; do
    status "$B/api/v1/workflows/argo/$name?fields=metadata.name,status.phase" >/dev/null
    seen="$seen $(json "d['status']['phase']")"
done
[ "$seen" = " Pending Running Succeeded" ] && pass "Argo phases:$seen" || fail "argo phases:$seen"
s=$(status -H "$JH" -d "$wfjson" "$B/apis/argoproj.io/v1alpha1/namespaces/kubeflow/workflows")
kname=$(json "d['metadata']['name']")
[ "$s" = 201 ] && [ "$(json "'status' in d")" = False ] && pass "Kubernetes API submit ($kname)" ||
    fail "k8s submit $s"
s=$(status "$B/apis/argoproj.io/v1alpha1/namespaces/kubeflow/workflows/$kname")
[ "$s" = 200 ] && [ "$(json "d['status']['phase']")" = Pending ] && pass "Kubernetes GET workflow" ||
    fail "k8s get $s"
s=$(status -H "$JH" -d '{"apiVersion":"argoproj.io/v1alpha1","kind":"Workflow","metadata":{"generateName":"x-"},"spec":{"templates":[{"name":"a","container":{"image":"busybox"}},{"name":"a","container":{"image":"busybox"}}]}}' \
    "$B/apis/argoproj.io/v1alpha1/namespaces/kubeflow/workflows")
[ "$s" = 400 ] && pass "invalid workflow -> 400 + violation" || fail "invalid workflow $s"
C -X DELETE "$B/_stub/violations" >/dev/null
stop_stub
[ "$rc" = 0 ] && pass "violations cleared -> exit 0" || fail "argo stub exit $rc"

if [ "$failures" -ne 0 ]; then
    echo "--- stub log (tail)" >&2; tail -n 30 "$TMP/stub.log" >&2
    echo "$failures failure(s)" >&2
    exit 1
fi
echo "all stub self-tests passed"
exit 0
