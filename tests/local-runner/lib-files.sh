# SPDX-License-Identifier: MIT
# Sourced (after tests/lib.sh) by the local-runner tests that run pipeline files written into
# $TMP: a state directory of their own, every busybox image mapped to a command from PATH, and
#   mpr FILE [ARG]...   mnistpipe -f FILE --plugin local run, under valgrind with make check
#                       MP_VALGRIND=valgrind, else with a timeout of $mpr_timeout s (60)
#   last_run            the newest run's id
#   status              'runs status' of the newest run
#   line PATTERN        the number of the first line of $TMP/out that matches
export XDG_STATE_HOME="$TMP/state"
echo 'busybox - job' >"$TMP/map"
mpr() {
    f=$1; shift
    if [ -n "${MP_VALGRIND:-}" ]; then mp -f "$f" --plugin local run --image-map "$TMP/map" "$@"
    else timeout "${mpr_timeout:-60}" "$MNISTPIPE" -f "$f" --plugin local run \
        --image-map "$TMP/map" "$@"; fi
}
last_run() { ls "$XDG_STATE_HOME/mnistpipe/runs" | sort | tail -n 1; }
status() { mp --plugin local runs status "$(last_run)"; }
line() { grep -n "$1" "$TMP/out" | head -n 1 | cut -d: -f1; }
