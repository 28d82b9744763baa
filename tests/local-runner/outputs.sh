#!/bin/sh
# SPDX-License-Identifier: MIT
# Outputs passed between steps on the local runner, as Argo passes them: a parameter output is
# the content of the file the step wrote (one trailing newline dropped), substituted into the
# later steps' command, arguments and environment when they start; an artifact is a file kept in
# the run's state and copied to the input path of the step that takes it; `when` conditions on
# outputs are evaluated when their operands are known; a parallelFor over an output expands
# into iterations then. A missing, too large or non-text output fails its step.
. "$MP_TOP_SRCDIR/tests/lib.sh"
. "$MP_TOP_SRCDIR/tests/local-runner/lib-files.sh"

cat >"$TMP/chain.yaml" <<'EOM'
name: chain
parameters:
  - {name: coin, default: heads}
  - {name: list, default: '[1, "b", {"k": 2}]'}
steps:
  - name: flip
    image: busybox:1.36
    command: [sh, -c, "echo {{params.coin}} >/tmp/result; printf '%s' '{{params.list}}' >/tmp/list; printf 'two\nlines\n\n' >/tmp/model"]
    outputs:
      - {name: result, path: /tmp/result}
      - {name: list, path: /tmp/list}
      - {name: model, path: /tmp/model, kind: artifact}
  - name: show
    image: busybox:1.36
    command: [sh, -c, 'echo "arg=$1 env=$R"', sh, "[{{steps.flip.outputs.result}}]"]
    env: [{name: R, value: "<{{steps.flip.outputs.result}}>"}]
  - name: use
    image: busybox:1.36
    command: [sh, -c, "wc -l </in/model; cp /in/model /tmp/copy"]
    inputArtifacts: [{from: "{{steps.flip.outputs.model}}", path: /in/model}]
    outputs: [{name: copy, path: /tmp/copy, kind: artifact}]
  - when: "{{steps.flip.outputs.result}} == heads"
    steps:
      - {name: cheer, image: busybox:1.36, command: [echo, yay]}
  - when: "{{steps.flip.outputs.result}} != heads"
    steps:
      - {name: boo, image: busybox:1.36, command: [echo, boo]}
  - parallelFor: "{{steps.flip.outputs.list}}"
    steps:
      - {name: each, image: busybox:1.36, command: [sh, -c, "echo item {{item}}; sleep 0.2"]}
      - {name: then, image: busybox:1.36, after: each, command: [echo, "then {{item}}"]}
  - {name: join, image: busybox:1.36, after: [then, cheer, boo], command: [echo, join]}
EOM
expect_exit 0 "a chain of outputs" -- mpr "$TMP/chain.yaml"
expect_output '^flip: its output /tmp/result is the file .*/files/flip/tmp/result' \
    "says where the step's /tmp/result is on this machine"
expect_output '^show +\| arg=\[heads\] env=<heads>$' \
    "a parameter output in an argument and in the environment, its trailing newline dropped"
expect_output '^use +\| 3$' "the artifact is the whole file at /in/model (newlines kept)"
expect_output '^cheer: done' "when heads == heads: cheer runs"
expect_output "^boo: skipped: when 'heads != heads' is false" "the false condition skips boo"
expect_output '^each: 3 iterations from \{\{steps.flip.outputs.list\}\}' "the loop expands when its list is known"
expect_output '^then-2 +\| then \{"k":2\}$' "an object item as JSON"
expect_output '^then-1 +\| then b$' "the second step of an iteration sees its item"
[ "$(line '^then-0: started')" -gt "$(line '^each-0: done')" ] && pass "then-0 after each-0" ||
    fail "then-0 started before each-0 ended"
n=$(line '^join: started'); ok=1
for s in then-0 then-1 then-2 cheer use; do [ "$(line "^$s: done")" -lt "$n" ] || ok=0; done
[ "$ok" = 1 ] && pass "join waited for every iteration added while running" || fail "join started too early"
run=$(last_run)
expect_exit 0 "runs status" -- mp --plugin local runs status "$run"
expect_output '^then-2 +succeeded' "runs status lists the iterations added while running"
grep -q '^each ' "$TMP/out" && fail "the loop's stand-in is listed" || pass "the stand-in is not listed"
expect_exit 0 "runs outputs" -- mp --plugin local runs outputs "$run"
expect_output '^flip +result +parameter +heads$' "runs outputs: a parameter's value"
expect_output '^flip +list +parameter +\[1, "b", \{"k": 2\}\]$' "runs outputs: the list"
file=$(awk '$1 == "use" && $2 == "copy" {print $4}' "$TMP/out")
[ -f "$file" ] && [ "$(cat "$file")" = "$(printf 'two\nlines\n')" ] &&
    pass "runs outputs: the artifact's file is kept in the run's state" || fail "no kept artifact at '$file'"
expect_exit 0 "runs outputs of one step" -- mp --plugin local runs outputs "$run" show
[ "$(wc -l <"$TMP/out")" -eq 1 ] && pass "show has no outputs: the header only" || fail "runs outputs show"
expect_exit 5 "runs outputs of no such step" -- mp --plugin local runs outputs "$run" nosuch
expect_output "has no step 'nosuch'" "names the step"

expect_exit 0 "the other branch, an empty list" -- mpr "$TMP/chain.yaml" -p coin=tails -p list='[]'
expect_output "^cheer: skipped: when 'tails == heads' is false" "cheer is skipped"
expect_output '^boo: done' "boo runs"
expect_output '^each: 0 iterations' "an empty list: no iteration"
expect_output '^join: done' "a step after an empty loop runs"

expect_exit 1 "a list that is no JSON" -- mpr "$TMP/chain.yaml" -p list='x, y'
expect_output "^each: failed: its parallelFor is over \{\{steps.flip.outputs.list\}\}, which is not a JSON list: 'x, y'" \
    "the loop fails, naming the producing step and output"
expect_output '^join: skipped: a step it depends on did not succeed' "what comes after is not run"
expect_output "failed: step 'each' failed" "the run fails on it"

# A missing, too large or binary output fails the step that should have written it.
cat >"$TMP/bad.yaml" <<'EOM'
name: bad
parameters: [{name: mode, default: none}]
steps:
  - name: make
    image: busybox:1.36
    command: [sh, -c, "case {{params.mode}} in big) head -c 262145 /dev/zero | tr '\\0' x >/tmp/v;; max) head -c 262144 /dev/zero | tr '\\0' x >/tmp/v;; nul) printf 'a\\0b' >/tmp/v;; esac"]
    outputs: [{name: v, path: /tmp/v}]
  - name: read
    image: busybox:1.36
    command: [sh, -c, "wc -c </in/v"]
    inputArtifacts: [{from: "{{steps.make.outputs.v}}", path: /in/v}]
EOM
expect_exit 1 "a missing output file" -- mpr "$TMP/bad.yaml"
expect_output "^make: failed: output 'v': no file at /tmp/v" "the producer fails, naming the output and path"
expect_output '^read: skipped' "its reader is not run"
expect_exit 0 "the log tells where it was looked for" -- mp --plugin local logs "$(last_run)" make
expect_output "^mnistpipe local: output 'v' is looked for at .*/files/make/tmp/v$" "the local path"
expect_exit 1 "an output one byte too large" -- mpr "$TMP/bad.yaml" -p mode=big
expect_output "^make: failed: output 'v': /tmp/v holds 262145 bytes; an output parameter holds at most 262144" \
    "over 256 KiB fails"
expect_exit 0 "an output of 256 KiB" -- mpr "$TMP/bad.yaml" -p mode=max
expect_output '^read +\| 262144$' "256 KiB passes whole (as a file)"
expect_exit 0 "runs outputs" -- mp --plugin local runs outputs "$(last_run)" make
[ "$(awk '$2 == "v" {print length($4)}' "$TMP/out")" = 262144 ] &&
    pass "the value is 256 KiB" || fail "runs outputs: the value is not 256 KiB"
expect_exit 1 "a binary output" -- mpr "$TMP/bad.yaml" -p mode=nul
expect_output "^make: failed: output 'v': /tmp/v is not text" "a NUL byte fails"

# The coin flip of kfp's examples, the coin a stand-in python on PATH.
mkdir "$TMP/bin"
cat >"$TMP/bin/python" <<'EOM'
#!/bin/sh
n=$(cat "$COIN_STATE" 2>/dev/null || echo 0); echo $((n + 1)) >"$COIN_STATE"
set -- $COINS; shift "$n"; echo "$1"
EOM
chmod +x "$TMP/bin/python"
printf 'python:alpine3.6 - job\nalpine:3.6 - job\n' >"$TMP/map"
coin() {
    rm -f "$TMP/coin"
    COINS="$1" COIN_STATE="$TMP/coin" PATH="$TMP/bin:$PATH" mpr "$MP_TOP_SRCDIR/tests/pipelines/coin.yaml"
}
expect_exit 0 "coin: heads then tails" -- coin "heads tails"
expect_output '^print1 +\| tails$' "print1 prints flip-again's output"
expect_output "^print2: skipped: when 'heads == tails' is false" "print2 is skipped"
expect_exit 0 "coin: heads then heads" -- coin "heads heads"
expect_output "^print1: skipped: when 'heads == tails' is false" "the nested condition is false"
expect_exit 1 "coin: tails" -- coin "tails"
expect_output "^flip-again: skipped: when 'tails == heads' is false" "flip-again is skipped"
expect_output "^print1: skipped: when 'tails == heads' is false" \
    "print1: the outer condition is decided first, the inner one (on flip-again) not read"
expect_output "^print2: failed: \{\{steps.flip-again.outputs.output\}\} has no value: step 'flip-again' was skipped" \
    "print2 reads the output of a skipped step: it fails, saying why (Argo cannot resolve it either)"
echo 'busybox - job' >"$TMP/map"

# A retried step starts without the output files of its failed attempt.
cat >"$TMP/retry.yaml" <<EOM
name: retry
steps:
  - name: flaky
    image: busybox:1.36
    command: [sh, -c, "if [ -f $TMP/tried ]; then exit 0; fi; touch $TMP/tried; echo stale >/tmp/v; exit 3"]
    outputs: [{name: v, path: /tmp/v}]
    retries: {limit: 1}
EOM
expect_exit 1 "a retry that writes no output" -- mpr "$TMP/retry.yaml"
expect_output '^flaky: exit code 3 \(attempt 1 of 2\)' "the first attempt failed"
expect_output "^flaky: failed: output 'v': no file at /tmp/v" "the first attempt's file is gone"

# Paths under a claim are the claim's files: /mnt/x is seen there through the mount namespace,
# or rewritten to the claim directory without one.
cat >"$TMP/claim.yaml" <<'EOM'
name: claim
steps:
  - name: make
    image: busybox:1.36
    command: [sh, -c, "echo in-claim >/mnt/out/v"]
    outputs: [{name: v, path: /mnt/out/v}]
    volumes: [{name: d, persistentVolumeClaim: {claimName: data}}]
    volumeMounts: [{name: d, mountPath: /mnt}]
  - name: take
    image: busybox:1.36
    command: [sh, -c, "cat /mnt/in/v /tmp/v; echo {{steps.make.outputs.v}}"]
    inputArtifacts:
      - {from: "{{steps.make.outputs.v}}", path: /mnt/in/v}
      - {from: "{{steps.make.outputs.v}}", path: /tmp/v}
    volumes: [{name: d, persistentVolumeClaim: {claimName: data}}]
    volumeMounts: [{name: d, mountPath: /mnt}]
EOM
for ns in "" --no-mount-ns; do
    expect_exit 0 "outputs and inputs in a claim ${ns:-(mount namespace where the kernel allows)}" -- \
        mpr "$TMP/claim.yaml" $ns
    [ "$(grep -Ec '^take +\| in-claim$' "$TMP/out")" = 3 ] &&
        pass "the claim's file as an output and as input files" || fail "take did not see in-claim 3 times"
    [ -z "$ns" ] || expect_output '^make: sees .* at /mnt \(--no-mount-ns: paths in its arguments were rewritten\)' \
        "--no-mount-ns: no namespace"
    [ -f "$XDG_STATE_HOME/mnistpipe/claims/data/in/v" ] &&
        pass "an input under the claim is a file of the claim" || fail "no claims/data/in/v"
done

# A killed runner still tells the truth about the iterations it added.
cat >"$TMP/crash.yaml" <<'EOM'
name: crash
steps:
  - {name: make, image: busybox:1.36, command: [sh, -c, "echo '[1, 2]' >/tmp/l"], outputs: [{name: l, path: /tmp/l}]}
  - parallelFor: "{{steps.make.outputs.l}}"
    parallelism: 1
    steps:
      - {name: slow, image: busybox:1.36, command: [sh, -c, "exec sleep 30"]}
EOM
"$MNISTPIPE" -f "$TMP/crash.yaml" --plugin local run --image-map "$TMP/map" >"$TMP/crash.out" 2>&1 &
runner=$!
for _ in $(seq 100); do grep -q '^slow-0: started' "$TMP/crash.out" && break; sleep 0.1; done
sleep 0.3
kill -KILL "$runner"; wait "$runner" 2>/dev/null
sleep 0.3
expect_exit 0 "runs status of a killed runner" -- mp --plugin local runs status "$(last_run)"
expect_output '^state: +crashed' "the run crashed"
expect_output '^slow-0 +lost' "the iteration that ran is lost (it ended with its runner)"
expect_output '^slow-1 +not run' "the iteration that waited was not run"
mp --plugin local stop "$(last_run)" >/dev/null 2>&1
finish
