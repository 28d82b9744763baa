#!/bin/sh
# SPDX-License-Identifier: MIT
# The local runner on a pipeline file of shell steps: independent steps run in parallel up to
# --jobs, a fan-in step waits for all, a failure skips only its dependents, a PVC is seen at
# its mount path.
. "$MP_TOP_SRCDIR/tests/lib.sh"
export XDG_STATE_HOME="$TMP/state"
cat >"$TMP/fan.yaml" <<'EOM'
name: fan
description: three independent steps, then one that needs all three
parameters:
  - name: fail
    default: "0"
steps:
  - name: a
    image: busybox:1.36
    command: [sh, -c]
    args: ["sleep 1; echo a > \"$0\" && echo a done", /data/a.txt]
    volumes:
      - {name: data, persistentVolumeClaim: {claimName: fanclaim}}
    volumeMounts:
      - {name: data, mountPath: /data}
  - name: b
    image: busybox:1.36
    command: [sh, -c]
    args: ["sleep 1; exit {{params.fail}}"]
  - name: c
    image: busybox:1.36
    command: [sh, -c]
    args: ["sleep 1; echo c done"]
  - name: d
    image: busybox:1.36
    after: [a, b, c]
    command: [sh, -c]
    args: ["echo d after all"]
EOM
echo 'busybox - job' >"$TMP/map"

start=$(date +%s.%N)
expect_exit 0 "fan-out, fan-in" -- timeout 60 "$MNISTPIPE" -f "$TMP/fan.yaml" --plugin local run \
    --image-map "$TMP/map" --jobs 3
took=$(echo "$(date +%s.%N) - $start" | bc 2>/dev/null || echo 0)
expect_output '^d: done' "the fan-in step ran"
d=$(grep -n '^d: started' "$TMP/out" | cut -d: -f1)
for s in a b c; do
    e=$(grep -n "^$s: done" "$TMP/out" | cut -d: -f1)
    [ -n "$e" ] && [ "$e" -lt "$d" ] || fail "d started before $s was done"
done
if command -v bc >/dev/null 2>&1; then
    [ "$(echo "$took < 2.8" | bc)" = 1 ] && pass "a, b, c ran in parallel (${took}s)" ||
        fail "a, b, c did not run in parallel (${took}s)"
fi
[ -f "$XDG_STATE_HOME/mnistpipe/claims/fanclaim/a.txt" ] && pass "the claim is seen at /data" ||
    fail "no a.txt in the claim dir"

start=$(date +%s)
expect_exit 0 "--jobs 1" -- timeout 60 "$MNISTPIPE" -f "$TMP/fan.yaml" --plugin local run \
    --image-map "$TMP/map" --jobs 1
[ $(($(date +%s) - start)) -ge 3 ] && pass "--jobs 1 runs one at a time" ||
    fail "--jobs 1 was too fast"

expect_exit 1 "a failing step" -- timeout 60 "$MNISTPIPE" -f "$TMP/fan.yaml" --plugin local run \
    --image-map "$TMP/map" -p fail=4
expect_output '^b: failed: exit code 4' "b failed"
expect_output '^c: done' "c, independent of b, still ran"
expect_output '^d: skipped' "d, after b, was skipped"
finish
