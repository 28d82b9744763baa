#!/bin/sh
# SPDX-License-Identifier: MIT
# A stand-in for mnist-train in the local-runner tests: honours --tf-export-dir and
# --tf-train-steps, prints progress on stderr and model.py's final line; FAKE_TRAIN_FAIL=N fails
# the first N attempts (counted in the export dir), FAKE_TRAIN_SLEEP seconds per step; says
# whether GOOGLE_APPLICATION_CREDENTIALS names a readable file (never its content).
export_dir=/tmp/data; steps=3
while [ $# -gt 0 ]; do
    case $1 in
    --tf-export-dir) export_dir=$2; shift ;;
    --tf-train-steps) steps=$2; shift ;;
    esac
    shift
done
mkdir -p "$export_dir" || exit 2
if [ -n "${GOOGLE_APPLICATION_CREDENTIALS:-}" ]; then
    echo "fake train: credentials $GOOGLE_APPLICATION_CREDENTIALS: $(head -c 40 "$GOOGLE_APPLICATION_CREDENTIALS" | tr -d '\n' | wc -c) bytes readable" >&2
else
    echo "fake train: no credentials" >&2
fi
echo "$*" >/dev/null
if [ -n "${FAKE_TRAIN_FAIL:-}" ]; then
    n=$(cat "$export_dir/.attempts" 2>/dev/null || echo 0); n=$((n + 1))
    echo "$n" >"$export_dir/.attempts"
    if [ "$n" -le "$FAKE_TRAIN_FAIL" ]; then echo "fake train: failing attempt $n" >&2; exit 3; fi
fi
i=1
while [ "$i" -le "$steps" ]; do
    echo "step $i/$steps loss=0.5" >&2
    sleep "${FAKE_TRAIN_SLEEP:-0}"
    i=$((i + 1))
done
mkdir -p "$export_dir/1" && echo model >"$export_dir/1/model.mnpm"
echo "train: steps=$steps loss=0.1 val_acc=0.9 test_acc=0.9123 seconds=0.1 export=$export_dir/1"
