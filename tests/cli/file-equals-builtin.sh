#!/bin/sh
# SPDX-License-Identifier: MIT
# examples/mnist/pipeline.yaml compiles to exactly what the built-in pipeline does (gcp, onprem,
# no platform; YAML and tar.gz), and lint/graph behave as mnistpipe(1) says.
. "$MP_TOP_SRCDIR/tests/lib.sh"
ex="$MP_TOP_SRCDIR/examples/mnist/pipeline.yaml"

same() { # same DESCRIPTION EXT -- ARGS...: file and built-in give identical bytes
    what=$1; ext=$2; shift 3
    rm -f "$TMP/a$ext" "$TMP/b$ext"
    if mp -f "$ex" "$@" -o "$TMP/a$ext" >"$TMP/out" 2>&1 &&
        mp "$@" -o "$TMP/b$ext" >>"$TMP/out" 2>&1 && cmp "$TMP/a$ext" "$TMP/b$ext"; then
        pass "$what"
    else
        fail "$what"; cat "$TMP/out" >&2
    fi
}
same "gcp yaml" .yaml -- --plugin gcp compile
same "onprem yaml" .yaml -- --plugin onprem --pvc my-pvc compile
same "onprem yaml without --pvc" .yaml -- --plugin onprem compile
same "no platform" .yaml -- compile
same "gcp argo" .yaml -- --plugin gcp --plugin argo compile
same "onprem tar.gz" .tar.gz -- --plugin onprem --pvc my-pvc compile
same "gcp with -p" .yaml -- --plugin gcp -p train_steps=500 compile

expect_exit 0 "lint of the example" -- mp -f "$ex" lint
expect_exit 0 "lint onprem with --pvc" -- mp -f "$ex" --plugin onprem --pvc data lint
expect_exit 1 "lint onprem without a claim name" -- mp -f "$ex" --plugin onprem lint
expect_output "pipeline.yaml:[0-9]+:[0-9]+: error: platform onprem: the claim name" "pvc message"
expect_exit 0 "lint --format json, clean" -- mp -f "$ex" lint --format json
expect_output '"errors":0,"warnings":0,"diagnostics":\[\]' "empty JSON report"
expect_exit 2 "lint --format xml" -- mp -f "$ex" lint --format xml
expect_exit 0 "lint of the built-in" -- mp lint
expect_exit 5 "lint of a missing file" -- mp -f "$TMP/nonexistent.yaml" lint

expect_exit 0 "graph (dot)" -- mp -f "$ex" graph
expect_output '^  "train" -> "serve";$' "train -> serve edge"
expect_output '^digraph "MNIST" \{$' "digraph header"
expect_exit 0 "graph --format text" -- mp -f "$ex" graph --format text
expect_output '^`-- web-ui \(after serve\)$' "text tree"
expect_exit 2 "graph --format svg" -- mp -f "$ex" graph --format svg
expect_exit 3 "graph of a bad file" -- mp -f "$MP_TOP_SRCDIR/tests/data/bad/cycle.yaml" graph
expect_output 'cycle.yaml:6:12: error: dependency cycle' "graph prints the diagnostics"
if command -v dot >/dev/null 2>&1; then
    mp -f "$ex" graph >"$TMP/g.dot" && dot -Tsvg "$TMP/g.dot" >"$TMP/g.svg" &&
        pass "dot accepts it" || fail "dot rejects the graph"
fi

# compile runs the checks first and writes nothing on errors
rm -f "$TMP/x.yaml"
expect_exit 3 "compile of a bad file" -- mp -f "$MP_TOP_SRCDIR/tests/data/bad/many-problems.yaml" \
    --plugin gcp compile -o "$TMP/x.yaml"
expect_output "many-problems.yaml:4:11: error: step name 'A'" "first problem"
expect_output "many-problems.yaml:6:5: error: step 'b' has no image" "second problem"
expect_output "many-problems.yaml:8:12: error: step 'b' runs after 'z'" "third problem"
expect_output "3 problems; nothing written" "summary"
[ -e "$TMP/x.yaml" ] && fail "compile wrote output for a bad file"
finish
