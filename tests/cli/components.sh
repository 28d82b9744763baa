#!/bin/sh
# SPDX-License-Identifier: MIT
# Steps made from kfp v1 component specs (tests/data/components):
# - each bad/*.yaml component starts with "# expect: LINE:COL: MESSAGE" (its own position):
#   a step using it must make lint exit 1 naming COMPONENT:LINE:COL, and compile exit 3;
# - each bad-steps/*.yaml pipeline starts with "# expect: LINE:COL: MESSAGE", as tests/data/bad;
# - pipeline.yaml lints clean and compiles to tests/golden/components.argo.yaml, which Argo's
#   schema accepts (validate-argo --strict); its component_spec annotations equal kfp's
#   json.dumps(spec, sort_keys=True) of the YAML and component_ref digests the sha256 of the
#   file (checked with Python's yaml, json and hashlib when they are there).
. "$MP_TOP_SRCDIR/tests/lib.sh"
data="$MP_TOP_SRCDIR/tests/data/components"

# check_lint FILE POS MSG: lint exits 1 with FILE:POS: error: ...MSG; compile exits 3, no file.
check_lint() {
    f=$1; pos=$2; msg=$3; what=$4
    mp -f "$f" lint >"$TMP/out" 2>"$TMP/err"
    code=$?
    if [ "$code" -ne 1 ]; then
        fail "$what: lint exit $code, expected 1"; cat "$TMP/err" >&2; return
    fi
    if ! grep -F -- "$f:$pos: error: " "$TMP/err" | grep -qF -- "$msg"; then
        fail "$what: no '$f:$pos: error: ...$msg' in:"; cat "$TMP/err" >&2; return
    fi
    rm -f "$TMP/out.yaml"
    mp -f "$f" compile -o "$TMP/out.yaml" >/dev/null 2>&1
    code=$?
    if [ "$code" -ne 3 ] || [ -e "$TMP/out.yaml" ]; then
        fail "$what: compile exit $code (expected 3) or wrote output"; return
    fi
    pass "$what"
}

count=0
for c in "$data"/bad/*.yaml; do
    count=$((count + 1))
    expect=$(sed -n '1s/^# expect: //p' "$c")
    [ -n "$expect" ] || { fail "$c: no '# expect:' line"; continue; }
    printf 'name: p\nsteps:\n  - name: a\n    component: %s\n' "$c" >"$TMP/p.yaml"
    check_lint "$TMP/p.yaml" 4:16 "component $c:$expect" "bad/$(basename "$c")"
done
[ "$count" -ge 20 ] || fail "only $count bad components"

# A component file over the 1 MiB limit.
{ printf 'name: big\ndescription: "'; head -c 1100000 /dev/zero | tr '\0' x; printf '"\n'; } \
    >"$TMP/big.yaml"
printf 'name: p\nsteps:\n  - name: a\n    component: big.yaml\n' >"$TMP/p.yaml"
check_lint "$TMP/p.yaml" 4:16 "component big.yaml:1:1: the component file is larger than 1 MiB" \
    "a component over 1 MiB"

count=0
for f in "$data"/bad-steps/*.yaml; do
    count=$((count + 1))
    expect=$(sed -n '1s/^# expect: //p' "$f")
    [ -n "$expect" ] || { fail "$f: no '# expect:' line"; continue; }
    check_lint "$f" "${expect%%: *}" "${expect#*: }" "bad-steps/$(basename "$f")"
done
[ "$count" -ge 10 ] || fail "only $count bad steps"

# The end-to-end pipeline, from its own directory as a user would run it.
cd "$data" || exit 99
expect_exit 0 "lint pipeline.yaml" -- mp -f pipeline.yaml lint
out="$TMP/components.argo.yaml"
expect_exit 0 "compile pipeline.yaml" -- mp -f pipeline.yaml --plugin argo compile -o "$out"
golden="$MP_TOP_SRCDIR/tests/golden/components.argo.yaml"
if [ -n "${MP_UPDATE_GOLDEN:-}" ]; then
    cp "$out" "$golden" && echo "updated $golden"
elif cmp -s "$out" "$golden"; then
    pass "pipeline.yaml compiles to tests/golden/components.argo.yaml"
else
    fail "pipeline.yaml differs from the golden file:"; diff -u "$golden" "$out" >&2
fi

if shared=$(shared_dir) && [ -x "$shared/tools/validate-argo" ]; then
    expect_exit 0 "validate-argo --strict" -- "$shared/tools/validate-argo" --strict "$out"
else
    echo "SKIP: validate-argo (no ../shared)"
fi

py=${PYTHON3:-python3}
if "$py" -c 'import yaml, json, hashlib' 2>/dev/null; then
    expect_exit 0 "component_spec and component_ref as kfp writes them" -- "$py" - "$out" "$data" <<'PY'
import hashlib, json, os, sys
import yaml

wf = yaml.safe_load(open(sys.argv[1]))
seen = 0
for t in wf["spec"]["templates"]:
    ann = t.get("metadata", {}).get("annotations", {})
    if "pipelines.kubeflow.org/component_ref" not in ann:
        continue
    seen += 1
    ref = json.loads(ann["pipelines.kubeflow.org/component_ref"])
    raw = open(os.path.join(sys.argv[2], ref["url"]), "rb").read()

    # kfp's ComponentSpec.to_dict() leaves out None and the default optional: false.
    def to_dict(o):
        if isinstance(o, dict):
            return {k: to_dict(v) for k, v in o.items()
                    if v is not None and not (k == "optional" and v is False)}
        if isinstance(o, list):
            return [to_dict(x) for x in o]
        return o

    want = json.dumps(to_dict(yaml.safe_load(raw)), sort_keys=True)
    got = ann["pipelines.kubeflow.org/component_spec"]
    assert got == want, (t["name"], got, want)
    assert ref["digest"] == hashlib.sha256(raw.replace(b"\r\n", b"\n")).hexdigest(), t["name"]
    assert sorted(ref) == ["digest", "url"], ref
    print("ok:", t["name"])
assert seen == 4, seen
PY
else
    echo "SKIP: python3 with yaml (component_spec check)"
fi
finish
