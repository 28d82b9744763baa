#!/bin/sh
# SPDX-License-Identifier: MIT
# Control-flow shapes kfp 1.8.22 compiles but has no compiled case for in the reference
# outputs: each tests/pipelines/argo-only/NAME.yaml below must compile, pass Argo's schema
# (validate-argo --strict), lint clean, and have the parts kfp's compiler (and its
# data-passing rewriter, for artifacts) writes, checked on the parsed workflow.
. "$MP_TOP_SRCDIR/tests/lib.sh"
export SOURCE_DATE_EPOCH=1700000000
dir="$MP_TOP_SRCDIR/tests/pipelines/argo-only"

# graph: groups as clusters and labelled lines, output and artifact edges (no shared needed)
expect_exit 0 "graph (dot) of groups" -- mp -f "$dir/artifacts-groups.yaml" graph
expect_output '^  subgraph "cluster_0" \{$' "a condition is a cluster"
expect_output '^    label="when \{\{params.mode\}\} == full";$' "the cluster says its condition"
expect_output '^    subgraph "cluster_1" \{$' "a loop nests in it"
expect_output '^      label="for each item of \[\\"a\\", \\"b\\"\]";$' "the loop says its items"
expect_output '^  "report" -> "publish" \[style=dashed, arrowhead=empty, label="text"\];$' \
    "an artifact edge out of a group"
expect_exit 0 "graph (dot) of group dependencies" -- mp -f "$dir/after-group.yaml" graph
expect_output '^  "group-0" -> "merge" \[ltail="cluster_0"\];$' "a step after a group"
expect_output '^  "group-0" -> "group-2" \[ltail="cluster_0", lhead="cluster_2"\];$' \
    "a group after a group"
expect_exit 0 "graph (dot) of a loop over an output" -- mp -f "$dir/control-flow.yaml" graph
expect_output '^  "gen" -> "group-1" \[lhead="cluster_1", style=dashed, label="list"\];$' \
    "the loop reads its items from an output"
expect_output '^  "notify" \[label="notify\\nalpine\\n\(on exit\)", style="rounded,dashed"\];$' \
    "the exit step is marked"
mp -f "$dir/control-flow.yaml" graph --format text >"$TMP/tree" 2>&1
cat >"$TMP/want" <<'TREE'
control flow
`-- [exit handler]
    |-- gen
    |-- use-model (file gen.model)
    |-- [for each item of {{steps.gen.outputs.list}} (2 at once)]
    |   `-- shard
    `-- [when {{params.mode}} == full]
        `-- [for each item of ["a", "b"]]
            `-- each
on exit: notify
TREE
diff "$TMP/want" "$TMP/tree" >&2 && pass "text tree: groups, files read" || fail "text tree"
mp -f "$dir/after-group.yaml" graph --format text >"$TMP/out" 2>&1
expect_output '^\|-- merge \(after check, shards\)$' "text tree: a step after groups"
expect_output '^`-- \[when \{\{params.mode\}\} != full\] \(after check\)$' \
    "text tree: a group after a group"
expect_output '^\|-- \[shards: for each item of \["a", "b"\]\]$' "text tree: a named loop"

shared=$(shared_dir) || { [ "$failures" -eq 0 ] || finish; skip "../shared not found (set MNISTPIPE_SHARED)"; }
# "../shared not found (set MNISTPIPE_SHARED)"
[ -n "${PYTHON3:-}" ] || skip "python3 not found"
"$PYTHON3" -c 'import yaml, jsonschema' 2>/dev/null || skip "python3-yaml/python3-jsonschema missing"

# case NAME: compile, validate and lint; the python check reads the workflow as $TMP/NAME.yaml.
case_compile() {
    if mp -f "$dir/$1.yaml" compile -o "$TMP/$1.yaml" >"$TMP/out" 2>&1 &&
        "$PYTHON3" "$shared/tools/validate-argo" --strict -q "$TMP/$1.yaml" >"$TMP/v" 2>&1; then
        pass "$1: compiles, validate-argo --strict"
    else
        fail "$1:"; cat "$TMP/out" "$TMP/v" >&2; return 1
    fi
    expect_exit 0 "$1: lint" -- mp -f "$dir/$1.yaml" lint
}

# shape NAME DESCRIPTION: the python on standard input, with t (templates by name) and
# tasks(T) (the tasks of template T by name).
shape() {
    { cat <<'PY'; cat; } >"$TMP/check.py"
import sys, yaml
wf = yaml.safe_load(open(sys.argv[1]))
t = {x["name"]: x for x in wf["spec"]["templates"]}
def tasks(name):
    return {x["name"]: x for x in t[name]["dag"]["tasks"]}
PY
    if "$PYTHON3" "$TMP/check.py" "$TMP/$1.yaml" >"$TMP/py" 2>&1; then pass "$1: $2"; else
        fail "$1: $2:"; cat "$TMP/py" >&2; fi
}

case_compile artifacts-groups &&
shape artifacts-groups "artifacts passed into and out of groups" <<'PY'
root = tasks("artifacts-across-groups")
mm = {"name": "make-model", "from": "{{tasks.make.outputs.artifacts.make-model}}"}
assert root["condition-1"]["arguments"] == {"artifacts": [mm]}, root["condition-1"]
assert root["condition-1"]["dependencies"] == ["make"]
assert root["publish"]["arguments"]["artifacts"] == [
    {"name": "report-text", "from": "{{tasks.condition-1.outputs.artifacts.report-text}}"}]
assert root["publish"]["dependencies"] == ["condition-1"]
c = t["condition-1"]
assert c["inputs"] == {"artifacts": [{"name": "make-model"}]}, c["inputs"]
assert c["outputs"] == {"artifacts": [
    {"name": "report-text", "from": "{{tasks.report.outputs.artifacts.report-text}}"}]}
inner = {"name": "make-model", "from": "{{inputs.artifacts.make-model}}"}
assert tasks("condition-1")["check"]["arguments"] == {"artifacts": [inner]}
loop = tasks("condition-1")["for-loop-3"]
assert loop["arguments"]["artifacts"] == [inner]
assert t["for-loop-3"]["inputs"]["artifacts"] == [{"name": "make-model"}]
assert tasks("for-loop-3")["each"]["arguments"]["artifacts"] == [inner]
assert t["each"]["inputs"]["artifacts"] == [{"name": "make-model", "path": "/in/model"}]
PY

case_compile after-group &&
shape after-group "after naming a condition, a loop, and a group after a group" <<'PY'
root = tasks("after-group")
assert sorted(root) == ["condition-4", "condition-check-1", "for-loop-3", "merge", "start"]
assert root["merge"]["dependencies"] == ["condition-check-1", "for-loop-3"]
assert root["condition-4"]["dependencies"] == ["condition-check-1"]
assert root["condition-4"]["when"] == '"{{inputs.parameters.mode}}" != "full"'
assert "dependencies" not in root["condition-check-1"]
assert list(tasks("condition-check-1")) == ["verify"]
PY

case_compile empty-lists &&
shape empty-lists "empty command and args kept, absent ones left out (kfp 1.8's ContainerOp)" <<'PY'
c = {n: t[n]["container"] for n in ("both-empty", "args-empty", "none-given", "component")}
assert c["both-empty"]["args"] == [] and c["both-empty"]["command"] == [], c["both-empty"]
assert c["args-empty"] == {"args": [], "command": ["echo", "hi"], "image": "alpine"}
assert "args" not in c["none-given"] and "command" not in c["none-given"], c["none-given"]
assert c["component"]["args"] == [] and c["component"]["command"] == ["python", "/src/main.py"]
PY

case_compile exit-params &&
shape exit-params "an exit step reading parameters (kfp 1.8's exit handler op)" <<'PY'
assert wf["spec"]["onExit"] == "notify"
n = t["notify"]
assert n["inputs"] == {"parameters": [{"name": "url"}, {"name": "who"}]}, n["inputs"]
assert n["container"]["command"] == [
    "echo", "bye {{inputs.parameters.who}}", "{{inputs.parameters.url}}"]
assert "inputs" not in t["exit-handler-1"] and "inputs" not in t["exit-params"]
assert list(tasks("exit-handler-1")) == ["work"] and list(tasks("exit-params")) == ["exit-handler-1"]
PY

# kfp's withitem_nested.yaml (sdk/python/tests/compiler/testdata), its loop codes numbered as
# kfp 1.8.22 numbers them (for-loop-for-loop-00000001-1 is for-loop-2, loop-item-param-00000001
# is loop-item-param-1, the inner ones 4 and 3) and the parameter keeping its underscores.
case_compile withitem-nested &&
shape withitem-nested "kfp's withitem_nested: the outer item passed down to the inner loop" <<'PY'
def ps(*names):
    return {"parameters": [{"name": n} for n in names]}
A, B, I3, P = ("loop-item-param-1-subvar-a", "loop-item-param-1-subvar-b", "loop-item-param-3",
               "my_pipe_param")
inp = lambda n: "{{inputs.parameters.%s}}" % n
def arglist(pairs):
    return {"parameters": [{"name": n, "value": v} for n, v in pairs]}
assert t["for-loop-2"]["inputs"] == ps(A, B, P), t["for-loop-2"]["inputs"]
assert tasks("for-loop-2")["for-loop-4"] == {
    "name": "for-loop-4", "template": "for-loop-4",
    "arguments": arglist([(A, inp(A)), (I3, "{{item}}"), (P, inp(P))]),
    "withItems": [100, 200, 300]}, tasks("for-loop-2")["for-loop-4"]
assert tasks("for-loop-2")["my-in-coop1"]["arguments"] == arglist([(A, inp(A)), (P, inp(P))])
assert tasks("for-loop-2")["my-in-coop2"]["arguments"] == arglist([(B, inp(B))])
assert t["for-loop-4"]["inputs"] == ps(A, I3, P)
assert tasks("for-loop-4")["my-inner-inner-coop"]["arguments"] == arglist(
    [(A, inp(A)), (I3, inp(I3)), (P, inp(P))])
inner = t["my-inner-inner-coop"]
assert inner["container"]["args"] == ["echo op1 %s %s %s" % (inp(A), inp(I3), inp(P))]
assert inner["inputs"] == ps(A, I3, P)
root = tasks("my-pipeline")
assert root["for-loop-2"]["arguments"] == arglist(
    [(A, "{{item.a}}"), (B, "{{item.b}}"), (P, inp(P))])
assert root["for-loop-2"]["withItems"] == [{"a": 1, "b": 2}, {"a": 10, "b": 20}]
assert sorted(t) == ["for-loop-2", "for-loop-4", "my-in-coop1", "my-in-coop2",
                     "my-inner-inner-coop", "my-out-cop", "my-pipeline"]
PY

case_compile nested-items &&
shape nested-items "a loop over a key of the outer item, a condition on it, loops inside" <<'PY'
inp = lambda n: "{{inputs.parameters.%s}}" % n
SUB, NAME, IT = ("loop-item-param-1-subvar-sub", "loop-item-param-1-subvar-name",
                 "loop-item-param-1")
root = tasks("nested-items")["for-loop-2"]
assert [(a["name"], a["value"]) for a in root["arguments"]["parameters"]] == [
    ("gen-list", "{{tasks.gen.outputs.parameters.gen-list}}"), (IT, "{{item}}"),
    (NAME, "{{item.name}}"), (SUB, "{{item.sub}}")], root["arguments"]
assert root["dependencies"] == ["gen"]
loop = tasks("for-loop-2")
# kfp 1.8.22 writes {{workflow.parameters.loop-item-param-1-subvar-sub}}, which Argo cannot
# resolve; the outer item's key is passed down as any loop item is
assert loop["for-loop-3"]["withParam"] == inp(SUB)
assert {"name": SUB + "-loop-item", "value": "{{item}}"} in loop["for-loop-3"]["arguments"]["parameters"]
assert t["inner"]["container"]["command"] == ["echo", inp(NAME), inp(SUB + "-loop-item")]
assert loop["condition-4"]["when"] == '"%s" == "a"' % inp(NAME)
cond = tasks("condition-4")
assert cond["for-loop-5"]["withParam"] == inp("gen-list") and "dependencies" not in cond["for-loop-5"]
assert cond["for-loop-6"]["withParam"] == "{{workflow.parameters.shards}}"
assert t["condition-4"]["inputs"] == {"parameters": [{"name": "gen-list"}, {"name": IT}]}
assert t["each"]["container"]["command"] == ["echo", inp("gen-list-loop-item"), inp(IT)]
PY

finish
