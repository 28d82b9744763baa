#!/bin/sh
# SPDX-License-Identifier: MIT
# Each tests/pipelines/NAME.yaml is a pipeline file written after one of kfp 1.8.22's own
# compiler cases (shared/reference/kfp-v1/testdata/compiled/NAME.yaml, from kfp's
# sdk/python/tests/compiler/testdata/NAME.py) or features_pipeline.py (features.yaml).
# It must compile to the same workflow as kfp's (parsed; only compile stamps and SDK versions
# may differ), pass Argo's schema (validate-argo --strict), lint clean, and give the same bytes
# twice.
. "$MP_TOP_SRCDIR/tests/lib.sh"
export SOURCE_DATE_EPOCH=1700000000
shared=$(shared_dir) || skip "../shared not found (set MNISTPIPE_SHARED)"
[ -n "${PYTHON3:-}" ] || skip "python3 not found"
"$PYTHON3" -c 'import yaml, jsonschema' 2>/dev/null || skip "python3-yaml/python3-jsonschema missing"
ref="$shared/reference/kfp-v1"
n=0
for f in "$MP_TOP_SRCDIR"/tests/pipelines/*.yaml; do
    name=$(basename "$f" .yaml)
    want="$ref/testdata/compiled/$name.yaml"
    [ -f "$want" ] || want="$ref/$name.yaml"
    [ -f "$want" ] || { fail "$name: no kfp reference $want"; continue; }
    n=$((n + 1))
    wf="$TMP/$name.yaml"
    if ! mp -f "$f" compile -o "$wf" >"$TMP/out" 2>&1; then
        fail "$name: compile failed:"; cat "$TMP/out" >&2; continue
    fi
    if "$PYTHON3" "$MP_TOP_SRCDIR/tests/tools/wfcompare.py" "$wf" "$want" >"$TMP/diff" 2>&1; then
        pass "$name: the same workflow as kfp 1.8.22's"
    else
        fail "$name differs from $want:"; cat "$TMP/diff" >&2
    fi
    if "$PYTHON3" "$shared/tools/validate-argo" --strict -q "$wf" >"$TMP/v" 2>&1; then
        pass "$name: validate-argo --strict"
    else
        fail "$name fails validate-argo:"; cat "$TMP/v" >&2
    fi
    expect_exit 0 "$name: lint" -- mp -f "$f" lint
    mp -f "$f" compile -o "$TMP/again.yaml" >/dev/null 2>&1 && cmp -s "$wf" "$TMP/again.yaml" &&
        pass "$name: deterministic" || fail "$name: two compiles differ"
done
[ "$n" -gt 0 ] || fail "no cases in tests/pipelines/"

# Shapes kfp has no compiler case for: valid for Argo, and the key parts where kfp puts them.
f="$MP_TOP_SRCDIR/tests/pipelines/argo-only/control-flow.yaml"
if mp -f "$f" compile -o "$TMP/cf.yaml" >"$TMP/out" 2>&1 &&
    "$PYTHON3" "$shared/tools/validate-argo" --strict -q "$TMP/cf.yaml" >"$TMP/v" 2>&1; then
    pass "control-flow: validate-argo --strict"
else
    fail "control-flow:"; cat "$TMP/out" "$TMP/v" >&2
fi
"$PYTHON3" - "$TMP/cf.yaml" <<'PY' && pass "control-flow: loop over an output, condition, exit handler" || fail "control-flow: shapes"
import sys, yaml
wf = yaml.safe_load(open(sys.argv[1]))
t = {x["name"]: x for x in wf["spec"]["templates"]}
tasks = {x["name"]: x for x in t["exit-handler-1"]["dag"]["tasks"]}
assert wf["spec"]["onExit"] == "notify"
assert tasks["for-loop-2"]["withParam"] == "{{tasks.gen.outputs.parameters.gen-list}}"
assert tasks["for-loop-2"]["dependencies"] == ["gen"]
assert t["for-loop-2"]["parallelism"] == 2
assert t["gen"]["outputs"]["parameters"][0]["name"] == "gen-list"
assert tasks["condition-3"]["when"] == '"{{inputs.parameters.mode}}" == "full"'
assert t["shard"]["container"]["command"] == ["echo", "{{inputs.parameters.gen-list-loop-item}}"]
assert tasks["use-model"]["arguments"]["artifacts"] == [
    {"name": "gen-model", "from": "{{tasks.gen.outputs.artifacts.gen-model}}"}]
assert t["use-model"]["inputs"]["artifacts"] == [{"name": "gen-model", "path": "/in/model"}]
assert t["for-loop-5"]["inputs"]["parameters"] == [{"name": "loop-item-param-4"}, {"name": "mode"}]
PY
# Resource steps (kfp's VolumeOp, VolumeSnapshotOp, ResourceOp): the example of
# doc/pipeline-format.md, with the manifests as kfp's yaml.dump writes them.
f="$MP_TOP_SRCDIR/tests/pipelines/argo-only/resources.yaml"
if mp -f "$f" compile -o "$TMP/res.yaml" >"$TMP/out" 2>&1 &&
    "$PYTHON3" "$shared/tools/validate-argo" --strict -q "$TMP/res.yaml" >"$TMP/v" 2>&1; then
    pass "resources: validate-argo --strict"
else
    fail "resources:"; cat "$TMP/out" "$TMP/v" >&2
fi
expect_exit 0 "resources: lint" -- mp -f "$f" lint
"$PYTHON3" - "$TMP/res.yaml" <<'PY' && pass "resources: resource templates, outputs, claims, snapshots" || fail "resources: shapes"
import sys, yaml
wf = yaml.safe_load(open(sys.argv[1]))
t = {x["name"]: x for x in wf["spec"]["templates"]}
tasks = {x["name"]: x for x in t["resources"]["dag"]["tasks"]}
vol = t["create-volume"]
assert "container" not in vol and vol["resource"]["action"] == "create"
assert vol["resource"]["manifest"] == (
    "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: '{{workflow.name}}-data'\n"
    "spec:\n  accessModes:\n  - ReadWriteOnce\n  resources:\n    requests:\n"
    "      storage: '{{inputs.parameters.size}}'\n  storageClassName: standard\n")
assert vol["inputs"]["parameters"] == [{"name": "size"}]
assert vol["outputs"] == {"parameters": [
    {"name": "create-volume-manifest", "valueFrom": {"jsonPath": "{}"}},
    {"name": "create-volume-name", "valueFrom": {"jsonPath": "{.metadata.name}"}},
    {"name": "create-volume-size", "valueFrom": {"jsonPath": "{.status.capacity.storage}"}}]}
assert vol["metadata"]["labels"]["pipelines.kubeflow.org/enable_caching"] == "true"
assert t["train"]["volumes"] == [{"name": "create-volume", "persistentVolumeClaim":
                                  {"claimName": "{{inputs.parameters.create-volume-name}}"}}]
assert tasks["train"]["dependencies"] == ["create-volume"]
assert tasks["train"]["arguments"]["parameters"] == [{"name": "create-volume-name",
    "value": "{{tasks.create-volume.outputs.parameters.create-volume-name}}"}]
snap = t["snapshot"]["resource"]
assert snap["successCondition"] == "status.readyToUse == true"
assert snap["manifest"] == (
    "apiVersion: snapshot.storage.k8s.io/v1alpha1\nkind: VolumeSnapshot\nmetadata:\n"
    "  name: '{{workflow.name}}-trained'\nspec:\n  source:\n    kind: PersistentVolumeClaim\n"
    "    name: '{{inputs.parameters.create-volume-name}}'\n")
assert t["snapshot"]["outputs"]["parameters"][2] == {
    "name": "snapshot-size", "valueFrom": {"jsonPath": "{.status.restoreSize}"}}
assert tasks["snapshot"]["dependencies"] == ["create-volume", "train"]
assert "    kind: VolumeSnapshot\n    name: '{{inputs.parameters.snapshot-name}}'\n" in \
    t["restore"]["resource"]["manifest"]
job = t["job"]["resource"]
assert (job["successCondition"], job["failureCondition"], job["setOwnerReference"]) == (
    "status.succeeded > 0", "status.failed > 3", True)
assert job["manifest"] == (
    "apiVersion: batch/v1\nkind: Job\nmetadata:\n  generateName: train-job-\nspec:\n"
    "  template:\n    spec:\n      containers:\n      - args:\n"
    "        - '{{inputs.parameters.size}}'\n        image: example/train\n"
    "        name: main\n      restartPolicy: Never\n")
assert [p["name"] for p in t["job"]["outputs"]["parameters"]] == [
    "job-job-uid", "job-manifest", "job-name"]
PY
# The local runner runs containers only: it refuses a resource step before it writes anything.
unset KF_PIPELINES_ENDPOINT
export XDG_STATE_HOME="$TMP/state"
mkdir -p "$XDG_STATE_HOME"
expect_exit 4 "local runner: a resource step" -- \
    mp -f "$MP_TOP_SRCDIR/tests/pipelines/param_substitutions.yaml" run
expect_output "error: step 'create-volume' is a Kubernetes resource \(action create\), which needs a cluster" \
    "local runner: says which step and why"
[ -z "$(ls -A "$XDG_STATE_HOME")" ] && pass "local runner: no run state written" ||
    fail "local runner: wrote $(ls -A "$XDG_STATE_HOME")"
finish
