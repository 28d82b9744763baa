#!/bin/sh
# SPDX-License-Identifier: MIT
# The local runner's edges: an image with no mapping, the GCP secret and gs:// paths, a runner
# killed with SIGKILL (what 'runs status' says then, no job left behind), the live view on a
# terminal against plain lines otherwise.
. "$MP_TOP_SRCDIR/tests/lib.sh"
. "$MP_TOP_SRCDIR/tests/local-runner/fake-steps.sh"
stop_all() { for r in $(ls "$state/runs" 2>/dev/null); do mp --plugin local stop "$r" >/dev/null 2>&1; done; }

# 1. An image with no mapping: the step, the image, and how to map it.
cat >"$TMP/p.yaml" <<'EOM'
name: unmapped
steps:
  - name: prep
    image: registry.example/team/prep:1.2
    command: [prep]
EOM
expect_exit 5 "unmapped image" -- mp -f "$TMP/p.yaml" --plugin local run
expect_output "step 'prep': image 'registry.example/team/prep:1.2' has no local program" \
    "names the step and the image"
expect_output "--image-map FILE.*registry.example/team/prep /usr/bin/my-step job" \
    "says how to map it"
expect_exit 0 "status of the refused run" -- mp --plugin local runs status "$(last_run)"
expect_output '^state: +failed' "recorded as failed"
expect_output "^message: .*image 'registry.example/team/prep:1.2' has no local program" \
    "with the reason"

# 2. GCP: the secret's key file is --gcp-credentials; a gs:// path is refused locally.
G="--plugin gcp --plugin local"
expect_exit 4 "gs:// parameter with the gcp plugin" -- \
    mp $G run --image-map "$TMP/map" -p model_export_dir=gs://bucket/export
expect_output "model_export_dir.*gs:// paths are not supported by the local runner" \
    "the gs:// error names the parameter"
expect_exit 0 "gcp without credentials" -- \
    mpt $G run --image-map "$TMP/map" -p train_steps=1 -p model_export_dir="$TMP/exp"
expect_output "step 'train': the GCP secret is not available locally; give --gcp-credentials FILE" \
    "warns that the secret is missing"
mp --plugin local logs "$(last_run)" train >"$TMP/out" 2>&1
expect_output "fake train: no credentials" "no credentials variable without the option"
stop_all
printf '{"type": "service_account", "private_key": "SECRET-KEY-TEXT"}\n' >"$TMP/key.json"
expect_exit 0 "gcp with --gcp-credentials" -- mpt $G run --image-map "$TMP/map" -p train_steps=1 \
    -p model_export_dir="$TMP/exp" --gcp-credentials "$TMP/key.json"
grep -q "GCP secret is not available" "$TMP/out" && fail "warned despite the option" ||
    pass "no warning with the option"
mp --plugin local logs "$(last_run)" train >"$TMP/out" 2>&1
expect_output "fake train: credentials $TMP/key.json: 40 bytes readable" \
    "GOOGLE_APPLICATION_CREDENTIALS names the local key file"
grep -rq "SECRET-KEY-TEXT" "$state" && fail "the key's content reached the run's state" ||
    pass "the key's content is in no log or state file"
stop_all
expect_exit 5 "unreadable --gcp-credentials" -- mp $G run --image-map "$TMP/map" \
    -p model_export_dir="$TMP/exp" --gcp-credentials "$TMP/nonexistent.json"
expect_output "--gcp-credentials $TMP/nonexistent.json: No such file or directory" \
    "names the missing key file"

# 3. A runner killed with SIGKILL: its job ends with it, and 'runs status' tells the truth.
: >"$TMP/services"
FAKE_TRAIN_SLEEP=1 "$MNISTPIPE" $L run --image-map "$TMP/map" -p train_steps=30 \
    >"$TMP/killed.out" 2>&1 &
bg=$!
for _ in $(seq 1 50); do grep -q '^train: started' "$TMP/killed.out" && break; sleep 0.2; done
sleep 1.2
run=$(last_run)
kill -9 "$bg"
wait "$bg" 2>/dev/null
train_pid=$(sed -n 's/^train: started (pid \([0-9]*\).*/\1/p' "$TMP/killed.out")
gone=0
for _ in $(seq 1 50); do kill -0 "$train_pid" 2>/dev/null || { gone=1; break; }; sleep 0.1; done
[ "$gone" = 1 ] && pass "the train job ended with its runner" || fail "train $train_pid still runs"
expect_exit 0 "status of a killed run" -- mp --plugin local runs status "$run"
expect_output '^state: +crashed' "the run is crashed, not running"
expect_output '^train +lost +- +- ' "train is lost, with no made-up time or exit code"
expect_output '^serve +not run ' "serve never ran"
expect_exit 0 "runs list" -- mp --plugin local runs list
expect_output "$run +crashed" "runs list agrees"
expect_exit 0 "stop of a crashed run" -- mp --plugin local stop "$run"
[ -s "$TMP/services" ] && fail "a service started" || pass "no service started"

# 4. The live view on a terminal, plain lines otherwise.
if command -v script >/dev/null 2>&1; then
    cmd="FAKE_TRAIN_SLEEP=0.3 '$MNISTPIPE' $L run --image-map '$TMP/map' -p train_steps=6"
    TERM=xterm timeout 60 script -qec "$cmd" /dev/null </dev/null >"$TMP/tty.out" 2>&1
    rc=$?
    [ "$rc" -eq 0 ] && pass "run on a terminal" || fail "run on a terminal: exit $rc"
    esc=$(printf '\033')
    grep -q "${esc}\[[0-9]*A${esc}\[J" "$TMP/tty.out" && pass "the view redraws in place" ||
        fail "no cursor movement on a terminal"
    grep -q "train .*░.* [0-9]*%.*step [0-9]/6" "$TMP/tty.out" && pass "a progress bar for train" ||
        fail "no progress bar: $(tr -d '\033' <"$TMP/tty.out" | head -c 600)"
    stop_all
    expect_exit 0 "run to a file" -- mpt $L run --image-map "$TMP/map" -p train_steps=3
    grep -q "$esc" "$TMP/out" && fail "escape sequences in plain output" ||
        pass "no escape sequences when not on a terminal"
    expect_output '^train: done' "plain event lines"
    expect_output '^train +| step 3/3' "the step's output, prefixed"
    stop_all
else
    echo "SKIP: no script(1) for a terminal" >&2
fi
finish
