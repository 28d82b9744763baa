#!/bin/sh
# SPDX-License-Identifier: MIT
# Control flow on the local runner, as Argo runs it: a `when` group runs or is skipped by its
# condition on parameters (a skipped step does not block what comes after it), the onExit step
# runs last whatever the outcome, a group's `after` orders it; what the local runner cannot do
# (parallelFor, outputs passed between steps, conditions on them) is refused before anything
# runs, naming the step and the construct.
. "$MP_TOP_SRCDIR/tests/lib.sh"
export XDG_STATE_HOME="$TMP/state"
echo 'busybox - job' >"$TMP/map"
mpr() { f=$1; shift; timeout 60 "$MNISTPIPE" -f "$f" --plugin local run --image-map "$TMP/map" "$@"; }
status() { mp --plugin local runs status "$(ls "$XDG_STATE_HOME/mnistpipe/runs" | sort | tail -n 1)"; }
line() { grep -n "$1" "$TMP/out" | head -n 1 | cut -d: -f1; }

cat >"$TMP/cond.yaml" <<'EOM'
name: cond
parameters:
  - {name: coin, default: heads}
  - {name: n, default: "5"}
  - {name: fail, default: "0"}
onExit: {name: notify, image: busybox:1.36, command: [echo, exit handler ran]}
steps:
  - name: first
    image: busybox:1.36
    command: [sh, -c, "sleep 0.5; exit {{params.fail}}"]
  - when: "{{params.coin}} == heads"
    steps:
      - {name: cheer, image: busybox:1.36, after: first, command: [echo, yay]}
  - when: "{{params.n}} > 10"
    steps:
      - {name: big, image: busybox:1.36, command: [echo, big]}
  - name: last
    image: busybox:1.36
    after: [cheer, big]
    command: [echo, last]
  - graph: tail
    after: [last]
    steps:
      - {name: tail, image: busybox:1.36, command: [echo, tail]}
EOM
expect_exit 0 "conditions on parameters" -- mpr "$TMP/cond.yaml"
expect_output '^cheer: done' "coin == heads: cheer runs"
expect_output "^big: skipped: when '5 > 10' is false" "5 > 10 compares as numbers: big is skipped"
expect_output '^last: done' "a step after a skipped one still runs (Argo)"
[ "$(line '^tail: started')" -gt "$(line '^last: done')" ] && pass "the graph group runs after 'last'" ||
    fail "tail did not wait for last"
expect_output '^notify: done' "the exit handler ran"
n=$(line '^notify: started'); ok=1
for s in first cheer last tail; do [ "$(line "^$s: done")" -lt "$n" ] || ok=0; done
[ "$ok" = 1 ] && pass "the exit handler started after every other step ended" ||
    fail "the exit handler started too early"
expect_exit 0 "runs status" -- status
expect_output "^big +skipped .*when '5 > 10' is false" "runs status: skipped, with the condition"
expect_output '^state: +succeeded' "a skipped condition does not fail the run"

expect_exit 0 "the other branch" -- mpr "$TMP/cond.yaml" -p coin=tails -p n=11
expect_output "^cheer: skipped: when 'tails == heads' is false" "cheer is skipped"
expect_output '^big: done' "11 > 10: big runs"

expect_exit 1 "a failing step" -- mpr "$TMP/cond.yaml" -p fail=3
expect_output '^first: failed: exit code 3' "first failed"
expect_output '^cheer: skipped: a step it depends on' "cheer is not run"
expect_output '^notify: done' "the exit handler still runs after a failure"

# Refused before anything runs, naming the step and the construct.
cat >"$TMP/loop.yaml" <<'EOM'
name: loop
steps:
  - parallelFor: [1, 2, 3]
    steps:
      - {name: each, image: busybox:1.36, command: [echo, "{{item}}"]}
EOM
expect_exit 4 "parallelFor" -- mpr "$TMP/loop.yaml"
expect_output "step 'each': it is in a parallelFor loop \(over \[1, ?2, ?3\]\), which the local runner does not run" \
    "parallelFor is refused, naming the step"
grep -q '^each: started' "$TMP/out" && fail "the loop body ran" || pass "nothing ran"
cat >"$TMP/outcond.yaml" <<'EOM'
name: outcond
steps:
  - name: flip
    image: busybox:1.36
    command: [sh, -c, "echo heads >/tmp/result"]
    outputs: [{name: result, path: /tmp/result}]
  - when: "{{steps.flip.outputs.result}} == heads"
    steps:
      - {name: cheer, image: busybox:1.36, command: [echo, yay]}
EOM
expect_exit 4 "a condition on an output" -- mpr "$TMP/outcond.yaml"
expect_output "step 'cheer': its condition reads '\{\{steps.flip.outputs.result\}\}', an output of another step" \
    "names the step and the output"
cat >"$TMP/outref.yaml" <<'EOM'
name: outref
steps:
  - name: flip
    image: busybox:1.36
    command: [sh, -c, "echo heads >/tmp/result"]
    outputs: [{name: result, path: /tmp/result}]
  - {name: show, image: busybox:1.36, command: [echo, "{{steps.flip.outputs.result}}"]}
EOM
expect_exit 4 "an output read as a string" -- mpr "$TMP/outref.yaml"
expect_output "step 'show': it reads output 'result' of step 'flip'" "names the step and the output"
finish
