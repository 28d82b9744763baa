# SPDX-License-Identifier: MIT
# Sourced after tests/lib.sh by the tests that run the MNIST pipeline on the local runner with
# its three images mapped to small shell scripts. Gives: $here, a private state dir ($state,
# XDG_STATE_HOME), the image map $TMP/map, $L (the plugins), a cleanup that stops every run
# and service the test started, and the helpers mpt, last_run and alive.
here=$MP_TOP_SRCDIR/tests/local-runner
export XDG_STATE_HOME="$TMP/state"
export FAKE_SERVICE_LOG="$TMP/services"
state=$XDG_STATE_HOME/mnistpipe
cat >"$TMP/map" <<EOM
# the three MNIST images, as shell scripts
gcr.io/kubeflow-examples/mnist/model $here/fake-train.sh job
gcr.io/ml-pipeline/ml-pipeline-kubeflow-deployer $here/fake-service.sh service
gcr.io/kubeflow-examples/mnist/deploy-service $here/fake-service.sh service
EOM
L="--plugin onprem --pvc data --plugin local"

# Whatever happens, nothing the test started stays running.
cleanup() {
    for r in $(ls "$state/runs" 2>/dev/null); do
        "$MNISTPIPE" --plugin local stop "$r" >/dev/null 2>&1
    done
    if [ -f "$TMP/services" ]; then
        while read -r pid _; do kill "$pid" 2>/dev/null; done <"$TMP/services"
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT

mpt() { timeout 60 "$MNISTPIPE" "$@"; }
last_run() { ls "$state/runs" | sort | tail -n 1; }
# alive PID: the process exists and is neither a zombie nor dead.
alive() { kill -0 "$1" 2>/dev/null && ! grep -q '^[^)]*) [ZX]' "/proc/$1/stat" 2>/dev/null; }
