#!/bin/sh
# SPDX-License-Identifier: MIT
# The local runner with the built-in MNIST pipeline and an image map to small shell scripts:
# order, logs, state, params, volumes, failures, retries, timeouts, Ctrl-C, stop, errors.
. "$MP_TOP_SRCDIR/tests/lib.sh"
. "$MP_TOP_SRCDIR/tests/local-runner/fake-steps.sh"

# 1. A full run: train, then serve, then web-ui; services left running; stop ends them.
expect_exit 0 "run succeeds" -- mpt $L run --image-map "$TMP/map" -p train_steps=4
expect_output '^train: done' "train finished"
expect_output 'test_acc=0.9123' "the train summary is shown"
expect_output '^serve: ready' "serve became ready"
expect_output 'mnistpipe stop' "says how to stop the services"
run=$(last_run)
[ -f "$state/runs/$run/status.json" ] && pass "status.json written" || fail "no status.json"
# UTC time and the pid padded to 7 digits: ids of runs started in one second sort by pid.
echo "$run" | grep -Eq '^[0-9]{8}-[0-9]{6}-[0-9]{7}$' && pass "run id $run: time, padded pid" ||
    fail "run id '$run' is not YYYYMMDD-HHMMSS-PPPPPPP"
t=$(grep -n '^train:' "$TMP/out" | head -n 1 | cut -d: -f1)
s=$(grep -n '^serve: started' "$TMP/out" | cut -d: -f1)
w=$(grep -n '^web-ui: started' "$TMP/out" | cut -d: -f1)
[ "$t" -lt "$s" ] && [ "$s" -lt "$w" ] && pass "dependency order" || fail "order: $t $s $w"
[ -f "$state/claims/data/export/1/model.mnpm" ] && pass "train wrote into the claim as /mnt" ||
    fail "no model in the claim dir"
grep -q -- '--model-export-path [^ ]*/export' "$TMP/services" && pass "serve got the export dir" ||
    fail "serve args: $(cat "$TMP/services")"
expect_exit 0 "runs list" -- mp --plugin local runs list
expect_output "$run +succeeded" "runs list shows the run"
expect_exit 0 "runs status" -- mp --plugin local runs status "$run"
expect_output '^serve +serving' "serve is serving"
expect_exit 0 "logs" -- mp --plugin local logs "$run" train
expect_output '^step 4/4' "train's log"
pids=$(cut -d' ' -f1 "$TMP/services")
expect_exit 0 "stop" -- mp --plugin local stop "$run"
expect_output 'serve: stopped' "stop ended serve"
left=""; for p in $pids; do alive "$p" && left="$left $p"; done
[ -z "$left" ] && pass "no service left running" || fail "still running:$left"
expect_exit 0 "status after stop" -- mp --plugin local runs status "$run"
expect_output '^web-ui +stopped' "web-ui recorded as stopped"

# 2. A service that died after the run is reported as exited, not as serving.
: >"$TMP/services"
expect_exit 0 "second run" -- mpt $L run --image-map "$TMP/map" -p train_steps=1
run=$(last_run)
for p in $(cut -d' ' -f1 "$TMP/services"); do kill -9 "$p"; done
sleep 0.5
expect_exit 0 "status with dead pids" -- mp --plugin local runs status "$run"
expect_output '^serve +exited' "a dead service is reported as exited"
expect_exit 0 "stop of a dead run" -- mp --plugin local stop "$run"

# 3. A failing step fails the run (exit 1); later steps are skipped; retries recover.
: >"$TMP/services"
rm -rf "$state/claims/data/export"
FAKE_TRAIN_FAIL=1 expect_exit 1 "failing train" -- mpt $L run --image-map "$TMP/map"
expect_output 'train: failed: exit code 3' "the failure is named"
expect_output 'serve: skipped' "serve is skipped"
expect_output "mnistpipe logs .* train" "the error says where the log is"
[ -s "$TMP/services" ] && fail "a service started after a failure" || pass "no service started"
rm -rf "$state/claims/data/export"
FAKE_TRAIN_FAIL=2 expect_exit 0 "retries" -- mpt $L run --image-map "$TMP/map" --retries 2
expect_output 'retrying' "the retry is shown"
mp --plugin local stop >/dev/null 2>&1

# 4. Timeouts.
: >"$TMP/services"
FAKE_TRAIN_SLEEP=5 expect_exit 1 "step timeout" -- mpt $L run --image-map "$TMP/map" --step-timeout 1
expect_output 'train: timed out' "the timeout is named"

# 5. Ctrl-C: SIGINT stops the run's steps; exit 130.
: >"$TMP/services"
FAKE_TRAIN_SLEEP=1 "$MNISTPIPE" $L run --image-map "$TMP/map" -p train_steps=30 >"$TMP/out" 2>&1 &
bg=$!
sleep 1.5
kill -INT "$bg"
wait "$bg"; rc=$?
[ "$rc" -eq 130 ] && pass "SIGINT: exit 130" || { fail "SIGINT: exit $rc"; cat "$TMP/out" >&2; }
run=$(last_run)
mp --plugin local runs status "$run" >"$TMP/out" 2>&1
expect_output '^state: +interrupted' "the run is recorded as interrupted"
if pgrep -f "fake-train.sh" >/dev/null 2>&1 && pgrep -f fake-train.sh | xargs -r ps -o args= -p | grep -q "$TMP"; then
    fail "train still running after SIGINT"
else
    pass "train stopped"
fi

# 6. Errors: unmapped image, gs:// parameter, busy port, bad option values.
printf 'gcr.io/kubeflow-examples/mnist/model /nonexistent/program job\n' >"$TMP/badmap"
expect_exit 5 "missing program" -- mp $L run --image-map "$TMP/badmap"
expect_output "/nonexistent/program" "names the program"
MNISTPIPE_LIBEXEC_PATH=/nonexistent expect_exit 5 "no MNIST programs" -- mp $L run
expect_output "mnist-train.*MNISTPIPE_LIBEXEC_PATH" "says how to point at the programs"
expect_exit 4 "gs:// parameter" -- mp $L run --image-map "$TMP/map" -p model_export_dir=gs://b/x
expect_output "gs:// paths are not supported by the local runner" "gs:// error"
expect_exit 2 "bad --jobs" -- mp $L run --image-map "$TMP/map" --jobs x
printf 'gcr.io/x y z w\n' >"$TMP/badmap2"
expect_exit 3 "bad image map line" -- mp $L run --image-map "$TMP/badmap2"
expect_output "badmap2:1:" "names the line"
expect_exit 5 "unknown run" -- mp --plugin local runs status nosuchrun
# A busy port: hold one with a fake service on that port number via the serve profile's port.
if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import socket,time,sys
s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(1); print(s.getsockname()[1], flush=True); time.sleep(30)' >"$TMP/port" &
    holder=$!
    for _ in $(seq 1 100); do [ -s "$TMP/port" ] && break; sleep 0.2; done
    port=$(cat "$TMP/port")
    printf 'gcr.io/ml-pipeline/ml-pipeline-kubeflow-deployer %s serve\n' "$here/fake-service.sh" >>"$TMP/map"
    : >"$TMP/services"
    expect_exit 1 "busy port" -- mpt $L run --image-map "$TMP/map" --serve-port "$port"
    expect_output "port $port on 127.0.0.1 is in use" "names the port"
    kill "$holder" 2>/dev/null
    mp --plugin local stop >/dev/null 2>&1
fi
finish
