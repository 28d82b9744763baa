#!/bin/sh
# SPDX-License-Identifier: MIT
# The output of a step in a parallelFor read from outside the loop, on the local runner as in
# Argo (the aggregated output parameter of a fanned-out task): a JSON list of the iterations'
# values in iteration order, written as Go writes JSON (compact, '<' '>' '&' escaped), the
# values themselves JSON when every one is a JSON object or list, else strings. An empty loop or
# a skipped iteration fails the reader, saying why; an artifact (Argo gathers none) is refused
# before anything runs.
. "$MP_TOP_SRCDIR/tests/lib.sh"
. "$MP_TOP_SRCDIR/tests/local-runner/lib-files.sh"

# Iteration 0 ends last: the list is still in iteration order.
cat >"$TMP/fan.yaml" <<'EOM'
name: fan
steps:
  - parallelFor: [1, 2, 3]
    steps:
      - name: sq
        image: busybox:1.36
        command:
          - sh
          - -c
          - |
            sleep "0.$((3 - {{item}}))"
            echo "$(({{item}} * {{item}}))" >/tmp/v
            printf '{"n": %s, "t": "<&>"}\n' {{item}} >/tmp/j
            if [ {{item}} = 3 ]; then echo 'plain "3"' >/tmp/m; else echo '[{{item}}]' >/tmp/m; fi
            case {{item}} in
            1) echo '{"b": 1E21, "acc": 0.9781, "a": 1e-7}' >/tmp/f;;
            2) echo '{"x": [1.5, -0, 12345678901234567890, 100]}' >/tmp/f;;
            3) printf '%s\n' '{"s": "\u0001\u2028\n\u00e9"}' >/tmp/f;;
            esac
        outputs:
          - {name: v, path: /tmp/v}
          - {name: j, path: /tmp/j}
          - {name: m, path: /tmp/m}
          - {name: f, path: /tmp/f}
  - name: sum
    image: busybox:1.36
    command: [sh, -c, 'printf "v=%s\nj=%s\nm=%s\ne=%s\nf=%s\n" "$1" "$2" "$3" "$V" "$4"', sh,
              "{{steps.sq.outputs.v}}", "{{steps.sq.outputs.j}}", "{{steps.sq.outputs.m}}",
              "{{steps.sq.outputs.f}}"]
    env: [{name: V, value: "{{steps.sq.outputs.v}}"}]
  - parallelFor: "{{steps.sq.outputs.v}}"
    steps:
      - {name: again, image: busybox:1.36, command: [echo, "again {{item}}"]}
EOM
expect_exit 0 "lint accepts a looped step's output read after the loop" -- mp -f "$TMP/fan.yaml" lint
expect_exit 0 "compile" -- mp -f "$TMP/fan.yaml" compile -o "$TMP/fan.argo.yaml"
grep -Eq "value: '\{\{tasks\.for-loop-[0-9]+\.outputs\.parameters\.sq-v\}\}'" "$TMP/fan.argo.yaml" &&
    pass "compiled: the loop task's aggregated output parameter" ||
    fail "compile did not read {{tasks.for-loop-N.outputs.parameters.sq-v}}"
expect_exit 0 "a fan-in run" -- mpr "$TMP/fan.yaml"
expect_output '^sum +\| v=\["1","4","9"\]$' "the values as a JSON list of strings, in iteration order"
expect_output '^sum +\| j=\[\{"n":1,"t":"\\u003c\\u0026\\u003e"\},\{"n":2,"t":"\\u003c\\u0026\\u003e"\},\{"n":3,"t":"\\u003c\\u0026\\u003e"\}\]$' \
    "JSON objects: a list of them, compact, <&> escaped as Go writes them"
expect_output '^sum +\| m=\["\[1\]","\[2\]","plain \\"3\\""\]$' \
    "one value that is no JSON object or list: all are strings"
expect_output '^sum +\| e=\["1","4","9"\]$' "in the environment too"
expect_output '^sum +\| f=\[\{"a":1e-7,"acc":0\.9781,"b":1e\+21\},\{"x":\[1\.5,-0,12345678901234567000,100\]\},\{"s":"\\u0001\\u2028\\né"\}\]$' \
    "numbers as Go writes a float64, keys sorted, control characters and U+2028 escaped"
expect_output '^again: 3 iterations from \{\{steps.sq.outputs.v\}\}' "a loop over the gathered list"
expect_output '^again-2 +\| again 9$' "its items are the values"
grep -n '^sq-0: done' "$TMP/out" | cut -d: -f1 >"$TMP/l0"
grep -n '^sq-2: done' "$TMP/out" | cut -d: -f1 >"$TMP/l2"
[ "$(cat "$TMP/l0")" -gt "$(cat "$TMP/l2")" ] && pass "sq-0 ended after sq-2" ||
    fail "the iterations did not end in reverse order: the order test shows nothing"

# A loop over another step's output, its iterations added while running; an empty one; a
# skipped iteration.
cat >"$TMP/dyn.yaml" <<'EOM'
name: dyn
parameters:
  - {name: list, default: "[5, 6]"}
  - {name: skip, default: none}
steps:
  - {name: gen, image: busybox:1.36, command: [sh, -c, "echo '{{params.list}}' >/tmp/l"], outputs: [{name: l, path: /tmp/l}]}
  - parallelFor: "{{steps.gen.outputs.l}}"
    steps:
      - when: "{{item}} != {{params.skip}}"
        steps:
          - {name: each, image: busybox:1.36, command: [sh, -c, "echo x{{item}} >/tmp/o"], outputs: [{name: o, path: /tmp/o}]}
  - {name: total, image: busybox:1.36, command: [echo, "total {{steps.each.outputs.o}}"]}
EOM
expect_exit 0 "a fan-in from a loop over an output" -- mpr "$TMP/dyn.yaml"
expect_output '^total +\| total \["x5","x6"\]$' "the iterations added while running, in order"
expect_exit 1 "an empty loop" -- mpr "$TMP/dyn.yaml" -p list='[]'
expect_output "^total: failed: \{\{steps.each.outputs.o\}\} has no value: the parallelFor of step 'each' had no item" \
    "the reader fails, saying the loop had no item (Argo cannot resolve it either)"
expect_exit 1 "a skipped iteration" -- mpr "$TMP/dyn.yaml" -p skip=6
expect_output "^total: failed: \{\{steps.each.outputs.o\}\} has no value: step 'each-1' was skipped: when '6 != 6' is false" \
    "the reader fails, naming the skipped iteration"

# Argo gathers no artifact of a loop's iterations.
cat >"$TMP/art.yaml" <<'EOM'
name: art
steps:
  - parallelFor: [1, 2]
    steps:
      - {name: part, image: busybox:1.36, command: [sh, -c, "echo {{item}} >/tmp/p"], outputs: [{name: p, path: /tmp/p, kind: artifact}]}
  - name: join
    image: busybox:1.36
    command: [cat, /in/p]
    inputArtifacts: [{from: "{{steps.part.outputs.p}}", path: /in/p}]
EOM
expect_exit 3 "an artifact of a looped step read after the loop" -- mpr "$TMP/art.yaml"
expect_output "art.yaml:9:30: error: inputArtifacts takes the file \{\{steps.part.outputs.p\}\} of a step in a parallelFor that is not around it: after a loop, Argo gathers its steps' parameter outputs into a list, never their artifacts" \
    "refused before anything runs, at the placeholder, saying Argo gathers parameters only"
grep -q '^part' "$TMP/out" && fail "a step ran" || pass "nothing ran"
finish
