#!/bin/sh
# SPDX-License-Identifier: MIT
# Nested parallelFor groups on the local runner, walked as Argo walks them: one step per
# combination of items, named STEP-I-J (outermost index first); {{item}} is the innermost
# item and {{loops.NAME.item.KEY}} an enclosing loop's; an inner loop may run over a key of
# the outer item or over a parameter; a step waits only for the steps of its own iteration of
# each loop around both, and a step after the loop waits for every iteration. The onExit step
# gets the parameters it reads.
. "$MP_TOP_SRCDIR/tests/lib.sh"
. "$MP_TOP_SRCDIR/tests/local-runner/lib-files.sh"

cat >"$TMP/nested.yaml" <<'EOM'
name: nested
parameters:
  - {name: who, default: world}
  - {name: tags, default: '["x", "y"]'}
onExit: {name: notify, image: busybox:1.36, command: [echo, "bye {{params.who}}"]}
steps:
  - parallelFor: [{n: a, sub: [1, 2], wait: "1.5"}, {n: b, sub: [3], wait: "0"}]
    name: outer
    steps:
      - {name: first, image: busybox:1.36, command: [sh, -c, "sleep {{item.wait}}; echo first {{item.n}}"]}
      - parallelFor: "{{item.sub}}"
        steps:
          - {name: inner, image: busybox:1.36, after: first, command: [echo, "inner {{loops.outer.item.n}} {{item}}"]}
          - when: "{{item}} == 2"
            steps:
              - {name: two, image: busybox:1.36, command: [echo, "two {{loops.outer.item.n}}"]}
      - parallelFor: "{{params.tags}}"
        steps:
          - {name: tag, image: busybox:1.36, command: [echo, "tag {{loops.outer.item.n}}-{{item}}"]}
  - {name: join, image: busybox:1.36, after: [inner, tag], command: [echo, join]}
EOM
expect_exit 0 "nested loops" -- mpr "$TMP/nested.yaml" -p who=nested
expect_output '^run [^ ]*: 14 steps' "2 first, 3 inner, 3 two, 4 tag, join, the exit step"
expect_output '^inner-0-0 *\| inner a 1$' "{{loops.outer.item.n}} and {{item}} of iteration 0-0"
expect_output '^inner-0-1 *\| inner a 2$' "... of 0-1 (the inner list is the outer item's key)"
expect_output '^inner-1-0 *\| inner b 3$' "... of 1-0 (a list of one)"
grep -q '^inner-1-1' "$TMP/out" && fail "inner-1-1 ran (b has one sub item)" ||
    pass "b's inner loop has one iteration"
expect_output "^two-0-0: skipped: when '1 == 2' is false" "a condition on the inner item"
expect_output '^two-0-1 *\| two a$' "... holds for item 2"
expect_output '^tag-1-1 *\| tag b-y$' "an inner loop over a parameter"
[ "$(line '^inner-1-0: started')" -lt "$(line '^first-0: done')" ] &&
    pass "inner-1-0 waits only for first-1, not first-0 (its own outer iteration)" ||
    fail "inner-1-0 waited for another outer iteration"
[ "$(line '^inner-0-0: started')" -gt "$(line '^first-0: done')" ] &&
    pass "inner-0-0 waits for first-0" || fail "inner-0-0 started before first-0 ended"
n=$(line '^join: started'); ok=1
for s in inner-0-0 inner-0-1 inner-1-0 tag-0-0 tag-0-1 tag-1-0 tag-1-1; do
    [ "$(line "^$s: done")" -lt "$n" ] || ok=0
done
[ "$ok" = 1 ] && pass "join waited for every iteration of both inner loops" ||
    fail "join started too early"
expect_output '^notify *\| bye nested$' "the exit step gets the parameter it reads"

# An inner list that is not a JSON list is refused before anything runs, naming the step.
sed 's/sub: \[3\]/sub: 3/' "$TMP/nested.yaml" >"$TMP/bad.yaml"
expect_exit 3 "an inner list that is no list" -- mpr "$TMP/bad.yaml"
expect_output "step 'inner': its parallelFor is over '3', which is not a JSON list" \
    "names the step and the value"
grep -q '^first' "$TMP/out" && fail "a step ran" || pass "nothing ran"
finish
