#!/bin/sh
# SPDX-License-Identifier: MIT
# SIGKILL the local runner ('mnistpipe run' with the local plugin) at random moments of a run
# of fake steps: the state dir stays readable, 'runs status' and 'runs list' tell the truth
# (the run crashed; a step is running only while its process lives), and 'stop' ends every
# process of the run and records it. The only stray file allowed in a run's directory is the
# documented .status.json.PID.tmp of a write the kill interrupted (beside logs/ and the steps'
# pid files in pids/).
. "$MP_TOP_SRCDIR/tests/lib.sh"
. "$MP_TOP_SRCDIR/tests/local-runner/fake-steps.sh"
# step_pid RUN STEP: the pid status.json records for STEP (0 when none)
step_pid() {
    "$PYTHON3" -c 'import json,sys
st=json.load(open(sys.argv[1]))
print(next((s["pid"] for s in st["steps"] if s["name"]==sys.argv[2]), 0))' \
        "$state/runs/$1/status.json" "$2" 2>/dev/null || echo 0
}
[ -n "${PYTHON3:-}" ] || skip "no python3"

# A train step that outlives the runner: it ignores SIGPIPE and writes nothing.
cat >"$TMP/quiet-train.sh" <<'EOS'
#!/bin/sh
trap '' PIPE
sleep 30
EOS
chmod +x "$TMP/quiet-train.sh"
sed "s|^gcr.io/kubeflow-examples/mnist/model .*|gcr.io/kubeflow-examples/mnist/model $TMP/quiet-train.sh job|" \
    "$TMP/map" >"$TMP/map-quiet"

# Kill moments: before the first step, while train runs, about when train ends and the
# services start; then with the train step that outlives the runner ("q").
delays="0.05 0.5 1.0 q0.6"
[ -n "${MP_VALGRIND:-}" ] && delays="q1.5"
n=0
for d in $delays; do
    n=$((n + 1))
    map=$TMP/map
    case $d in q*) d=${d#q}; map=$TMP/map-quiet ;; esac
    : >"$TMP/services"
    rm -rf "$state/claims"
    ls "$state/runs" 2>/dev/null | sort >"$TMP/runs-before"
    FAKE_TRAIN_SLEEP=0.1 "$MNISTPIPE" $L run --image-map "$map" -p train_steps=8 \
        >"$TMP/run.out" 2>&1 &
    pid=$!
    sleep "$d"
    kill -9 "$pid"
    wait "$pid" 2>/dev/null
    # The run made now: not the last by name, which two runs started in the same second
    # would not tell apart once the pids wrap around.
    run=$(ls "$state/runs" 2>/dev/null | sort | comm -13 "$TMP/runs-before" - | tail -n 1)
    if [ -z "$run" ]; then
        pass "kill $n after ${d}s: before the run existed"
        continue
    fi
    if [ ! -f "$state/runs/$run/status.json" ]; then
        expect_exit 0 "kill $n: runs list without status.json" -- mp --plugin local runs list
        continue
    fi
    # The step may die (SIGPIPE) while 'runs status' runs: compare with its state before and after.
    tp=$(step_pid "$run" train)
    before_alive=0; [ "$tp" -gt 0 ] && alive "$tp" && before_alive=1
    expect_exit 0 "kill $n after ${d}s: runs status" -- mp --plugin local runs status "$run"
    after_alive=0; [ "$tp" -gt 0 ] && alive "$tp" && after_alive=1
    if grep -Eq '^state: +(succeeded|failed)' "$TMP/out"; then
        pass "kill $n: the run had finished"
    else
        expect_output '^state: +crashed' "kill $n: the run is reported as crashed"
    fi
    if grep -Eq '^train +running' "$TMP/out"; then
        [ "$before_alive" = 1 ] && pass "kill $n: train runs on and is reported running" ||
            fail "kill $n: train was dead but is shown running"
    else
        [ "$after_alive" = 0 ] && pass "kill $n: train is not running and not shown running" ||
            fail "kill $n: train runs on but is not shown running"
    fi
    expect_exit 0 "kill $n: runs list" -- mp --plugin local runs list
    grep -q "$run" "$TMP/out" && pass "kill $n: runs list shows the run" || fail "kill $n: run not listed"
    pids=$(for s in train serve web-ui; do step_pid "$run" $s; done)
    expect_exit 0 "kill $n: stop" -- mp --plugin local stop "$run"
    left=""; for p in $pids; do [ "$p" -gt 0 ] && alive "$p" && left="$left $p"; done
    [ -z "$left" ] && pass "kill $n: no process of the run left" || fail "kill $n: still running:$left"
    expect_exit 0 "kill $n: status after stop" -- mp --plugin local runs status "$run"
    if grep -Eq '^[a-z-]+ +(running|serving)' "$TMP/out"; then
        fail "kill $n: a step still shown running after stop"; sed 's/^/    /' "$TMP/out" >&2
    else
        pass "kill $n: nothing shown running after stop"
    fi
    stray=$(ls -A "$state/runs/$run" | grep -Ev '^(logs|pids|status\.json|\.status\.json\.[0-9]+\.tmp)$')
    [ -z "$stray" ] && pass "kill $n: no stray file" || fail "kill $n: stray files: $stray"
done

# The window between the fork of a step and the status.json write that records it: SIGKILL
# the runner a random 0-40 ms after serve's pid file appears (serve is a service: it outlives
# the runner). Whether or not status.json recorded the start, 'runs status' shows serve
# running with its pid, and 'stop' ends it.
tries=4
[ -n "${MP_VALGRIND:-}" ] && tries=2
hits=0
i=0
while [ $i -lt $tries ]; do
    i=$((i + 1))
    : >"$TMP/services"
    rm -rf "$state/claims" "$state/runs" # the runs before were stopped; one run at a time
    "$MNISTPIPE" $L run --image-map "$TMP/map" -p train_steps=1 >"$TMP/run.out" 2>&1 &
    pid=$!
    "$PYTHON3" - "$state/runs" "$pid" <<'EOP'
import glob, os, random, signal, sys, time
runs, pid = sys.argv[1], int(sys.argv[2])
end = time.monotonic() + 60
while time.monotonic() < end and not glob.glob(os.path.join(runs, "*", "pids", "serve")):
    time.sleep(0.0005)
time.sleep(random.uniform(0, 0.04))
os.kill(pid, signal.SIGKILL)
EOP
    wait "$pid" 2>/dev/null
    run=$(ls "$state/runs" | sort | tail -n 1)
    read -r spid _ <"$state/runs/$run/pids/serve" || spid=0
    recorded=$("$PYTHON3" -c 'import json,sys
st=json.load(open(sys.argv[1]))
print(next(s["state"] for s in st["steps"] if s["name"]=="serve"))' "$state/runs/$run/status.json")
    [ "$recorded" = pending ] && hits=$((hits + 1))
    expect_exit 0 "window $i (status.json: serve $recorded): runs status" -- \
        mp --plugin local runs status "$run"
    expect_output "^serve +running +[^ ]+ +- +$spid +1/1 " \
        "window $i: serve is running, with the pid its process wrote"
    expect_exit 0 "window $i: stop" -- mp --plugin local stop "$run"
    expect_output "^serve: stopped \\(pid $spid\\)" "window $i: stop ended serve"
    gone=0
    for _ in $(seq 1 50); do alive "$spid" || { gone=1; break; }; sleep 0.1; done
    [ "$gone" = 1 ] && pass "window $i: serve is gone" || fail "window $i: serve $spid still runs"
    expect_exit 0 "window $i: status after stop" -- mp --plugin local runs status "$run"
    expect_output '^serve +stopped ' "window $i: serve recorded as stopped"
done
# The kills land before status.json records serve most of the time (it is written once per
# turn of the runner's loop, which waits up to 100 ms for output).
[ "$hits" -ge 1 ] && pass "$hits of $tries kills landed before status.json recorded serve" ||
    fail "no kill landed in the window ($tries tries)"
finish
