#!/bin/sh
# SPDX-License-Identifier: MIT
# Retries and timeouts as the pipeline file declares them, run by the local runner: the retry
# limit, policy and backoff (duration, factor, maxDuration) of a step, the timeout of one
# attempt (its whole process group is killed), the pipeline's own timeout; every attempt is in
# the output, the step's log and 'runs status'.
. "$MP_TOP_SRCDIR/tests/lib.sh"
mpr_timeout=120
. "$MP_TOP_SRCDIR/tests/local-runner/lib-files.sh"
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }
# The most a run that is stopped by a timeout may take, valgrind's start included.
lim=20; [ -n "${MP_VALGRIND:-}" ] && lim=120

# 1. Fails twice (a counter file), then succeeds: retried after 1s, then 2s (factor 2).
cat >"$TMP/retry.yaml" <<EOM
name: retry
steps:
  - name: flaky
    image: busybox:1.36
    command: [sh, -c]
    args: ['n=\$(cat $TMP/count 2>/dev/null || echo 0); n=\$((n+1)); echo \$n >$TMP/count; echo "attempt \$n"; [ \$n -ge 3 ] || exit 3']
    retries: {limit: 3, backoff: {duration: 1s, factor: 2}}
  - name: after
    image: busybox:1.36
    after: flaky
    command: [echo, after ran]
EOM
t0=$(now)
expect_exit 0 "a step that fails twice is retried" -- mpr "$TMP/retry.yaml"
took=$(since "$t0")
expect_output '^flaky: exit code 3 \(attempt 1 of 4\); retrying in 1s' \
    "the first failure and its backoff are shown"
expect_output '^flaky: exit code 3 \(attempt 2 of 4\); retrying in 2s' "the backoff doubles"
expect_output '^flaky: started \(pid [0-9]+, attempt 3 of 4\)' "the third attempt starts"
expect_output '^after: done' "the dependent step runs after the retries"
ge "$took" 3 && pass "the backoff waited 1s + 2s (${took}s)" || fail "no backoff wait (${took}s)"
expect_exit 0 "runs status after retries" -- status
expect_output '^flaky +succeeded .* 3/4 ' "runs status shows 3 attempts of 4"
mp --plugin local logs latest flaky >"$TMP/out" 2>&1
expect_output '^==> attempt 2 of 4 \(the last one: exit code 3\)' "the log marks each attempt"
expect_output '^attempt 3$' "the log holds every attempt's output"

# 2. The policy: OnError retries only a step that could not start, not a failure.
sed -e 's/retries: {limit: 3, backoff: {duration: 1s, factor: 2}}/retries: {limit: 3, policy: OnError}/' \
    "$TMP/retry.yaml" >"$TMP/onerror.yaml"
rm -f "$TMP/count"
expect_exit 1 "OnError: a failure is not retried" -- mpr "$TMP/onerror.yaml"
expect_output '^flaky: failed: exit code 3$' "failed at once"
grep -q retrying "$TMP/out" && fail "OnError retried a failure" || pass "no retry"
expect_output '^after: skipped' "the dependent step is skipped"
expect_exit 0 "runs status" -- status
expect_output '^flaky +failed .* 1/4 +exit code 3' "one attempt of 4, with the reason"

# A program that cannot start (its interpreter is missing, execve fails): an error, which
# OnError retries and OnFailure (the default) does not.
printf '#!/nonexistent/interpreter\n' >"$TMP/broken"
chmod +x "$TMP/broken"
for policy in OnError OnFailure; do
    cat >"$TMP/broken.yaml" <<EOM
name: broken
steps:
  - {name: broken, image: busybox:1.36, command: [$TMP/broken], retries: {limit: 1, policy: $policy}}
EOM
    # Not under valgrind: it mediates execve, and the failure shows as its own exit 101.
    expect_exit 1 "$policy: a program that cannot start" -- \
        timeout 60 "$MNISTPIPE" -f "$TMP/broken.yaml" --plugin local run --image-map "$TMP/map"
    if [ $policy = OnError ]; then
        expect_output '^broken: could not start its program \(see its log\) \(attempt 1 of 2\); retrying' \
            "OnError retries it"
    else
        grep -q retrying "$TMP/out" && fail "OnFailure retried an error" || pass "OnFailure does not"
    fi
    expect_output '^broken: failed: could not start its program' "the reason is named"
done
mp --plugin local logs latest broken >"$TMP/out" 2>&1
expect_output "$TMP/broken: No such file or directory" "the log says why"

# 3. maxDuration: no retry whose wait would end past it (Argo's rule).
sed -e 's/retries: {limit: 3, backoff: {duration: 1s, factor: 2}}/retries: {limit: 5, policy: Always, backoff: {duration: 1s, factor: 2, maxDuration: 2s}}/' \
    -e 's/-ge 3/-ge 9/' "$TMP/retry.yaml" >"$TMP/maxdur.yaml"
rm -f "$TMP/count"
expect_exit 1 "maxDuration ends the retries" -- mpr "$TMP/maxdur.yaml"
expect_output 'retrying in 1s' "the first retry"
expect_output 'no retry: a wait of 2s would pass the backoff.s maxDuration of 2s' "the reason"
[ "$(cat "$TMP/count")" = 2 ] && pass "two attempts" || fail "$(cat "$TMP/count") attempts"

# 4. A step over its timeout: its whole process group is killed, each attempt times out.
cat >"$TMP/timeout.yaml" <<EOM
name: slow
steps:
  - name: slow
    image: busybox:1.36
    command: [sh, -c]
    args: ['sleep 60 & echo \$! >>$TMP/kids; sleep 60']
    timeout: 1
    retries: 1
EOM
t0=$(now)
expect_exit 1 "a step over its timeout" -- mpr "$TMP/timeout.yaml"
took=$(since "$t0")
expect_output '^slow: timed out after 1s \(attempt 1 of 2\); retrying' "the first attempt timed out"
expect_output '^slow: timed out after 1s$' "the second too"
expect_output "step 'slow' failed" "the run fails naming the step"
ge "$lim" "$took" && pass "ended in ${took}s" || fail "took ${took}s"
# alive PID: neither dead nor a zombie not yet reaped by init
alive() { kill -0 "$1" 2>/dev/null && ! grep -q '^[^)]*) [ZX]' "/proc/$1/stat" 2>/dev/null; }
for _ in $(seq 1 50); do
    left=""
    for p in $(cat "$TMP/kids"); do alive "$p" && left="$left $p"; done
    [ -z "$left" ] && break
    sleep 0.1
done
[ -z "$left" ] && pass "the step's children were killed with it" || fail "left running:$left"
expect_exit 0 "runs status" -- status
expect_output '^slow +failed .* 2/2 +timed out after 1s' "runs status: timed out, 2 attempts"

# 5. The pipeline's timeout: running steps are stopped, pending ones cancelled, exit 1.
cat >"$TMP/ptimeout.yaml" <<EOM
name: ptimeout
timeout: 2
steps:
  - name: long
    image: busybox:1.36
    command: [sleep, "60"]
  - name: next
    image: busybox:1.36
    after: long
    command: [echo, next]
EOM
t0=$(now)
expect_exit 1 "a run over the pipeline's timeout" -- mpr "$TMP/ptimeout.yaml"
took=$(since "$t0")
expect_output "passed the pipeline's timeout of 2s" "the error names the pipeline's timeout"
expect_output '^next: not run: the run.s timeout of 2s passed' "the pending step is not run"
ge "$lim" "$took" && ge "$took" 2 && pass "stopped after ${took}s" || fail "took ${took}s"
expect_exit 0 "runs status" -- status
expect_output '^long +failed .*stopped: the run.s timeout of 2s passed' "long: stopped by the run's timeout"
expect_output '^next +cancelled ' "next: cancelled"
finish
