#!/bin/sh
# SPDX-License-Identifier: MIT
# Control flow on the local runner, as Argo runs it: a `when` group runs or is skipped by its
# condition on parameters (a skipped step does not block what comes after it), the onExit step
# runs last whatever the outcome, a group's `after` orders it, a parallelFor runs once per
# item (nested loops: nested-loops.sh); what the local runner cannot do (a loop over an output
# nested with another loop) is refused before anything runs, naming the step. Outputs passed
# between steps: outputs.sh.
. "$MP_TOP_SRCDIR/tests/lib.sh"
. "$MP_TOP_SRCDIR/tests/local-runner/lib-files.sh"

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

# parallelFor: one step per item (a list, or a parameter holding a JSON list), {{item}} and
# {{item.KEY}} substituted, each iteration's own order, the loop's parallelism, a step after
# the loop waits for every iteration.
cat >"$TMP/loop.yaml" <<'EOM'
name: loop
parameters:
  - {name: shards, default: '["x", "y"]'}
steps:
  - {name: first, image: busybox:1.36, command: [echo, first]}
  - parallelFor: [{a: 1, b: 2}, {a: 10, b: 20}]
    parallelism: 1
    steps:
      - {name: each, image: busybox:1.36, after: first, command: [sh, -c, "echo a={{item.a}} b={{item.b}}; sleep 0.3"]}
      - {name: then, image: busybox:1.36, after: each, command: [echo, "then {{item.a}}"]}
  - parallelFor: "{{params.shards}}"
    steps:
      - {name: shard, image: busybox:1.36, command: [echo, "shard {{item}}"]}
  - {name: join, image: busybox:1.36, after: [then, shard], command: [echo, join]}
EOM
expect_exit 0 "parallelFor over a list and over a parameter" -- mpr "$TMP/loop.yaml"
expect_output '^run [^ ]*: 8 steps' "first, 2 x (each, then), 2 x shard, join"
expect_output '^each-0 +\| a=1 b=2$' "{{item.a}} and {{item.b}} of item 0"
expect_output '^each-1 +\| a=10 b=20$' "... and of item 1"
expect_output '^then-1 +\| then 10$' "the second step of iteration 1 sees its item"
expect_output '^shard-1 +\| shard y$' "{{item}} of a list parameter"
[ "$(line '^then-0: started')" -gt "$(line '^each-0: done')" ] && pass "then-0 after each-0" ||
    fail "then-0 started before each-0 ended"
[ "$(line '^each-1: started')" -gt "$(line '^each-0: done')" ] && pass "parallelism 1: one at a time" ||
    fail "parallelism 1: each-1 started while each-0 ran"
n=$(line '^join: started'); ok=1
for s in then-0 then-1 shard-0 shard-1; do [ "$(line "^$s: done")" -lt "$n" ] || ok=0; done
[ "$ok" = 1 ] && pass "join waited for every iteration" || fail "join started too early"
expect_exit 0 "a parameter of three items" -- mpr "$TMP/loop.yaml" -p 'shards=["p", 7, {"k": 1}]'
expect_output '^shard-1 +\| shard 7$' "a number item"
expect_output '^shard-2 +\| shard \{"k":1\}$' "an object item as JSON"
expect_exit 3 "a parameter that is no JSON list" -- mpr "$TMP/loop.yaml" -p shards=x,y
expect_output "step 'shard': its parallelFor is over 'x,y', which is not a JSON list" "names the step"

# Refused before anything runs, naming the step and the construct.
cat >"$TMP/nested.yaml" <<'EOM'
name: nested
steps:
  - name: make
    image: busybox:1.36
    command: [sh, -c, "echo '[1, 2]' >/tmp/list"]
    outputs: [{name: list, path: /tmp/list}]
  - parallelFor: [1, 2]
    steps:
      - parallelFor: "{{steps.make.outputs.list}}"
        steps:
          - {name: inner, image: busybox:1.36, command: [echo, "{{item}}"]}
EOM
expect_exit 4 "a loop over an output inside another loop" -- mpr "$TMP/nested.yaml"
expect_output "step 'inner': its parallelFor over '\{\{steps.make.outputs.list\}\}', an output of another step, is nested with another parallelFor" \
    "a loop over an output nested in a loop is refused, naming the step"
grep -q '^make' "$TMP/out" && fail "a step ran" || pass "nothing ran"
finish
