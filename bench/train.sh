#!/bin/sh
# SPDX-License-Identifier: MIT
# Training benchmark: medians over runs of mnist-train on real MNIST (accuracy, time, GFLOP/s).
# usage: bench/train.sh BUILDDIR [RUNS] [WHICH...]   WHICH: default mlp linear cnn-epoch (all)
# Env: MNISTPIPE_SHARED (data in $MNISTPIPE_SHARED/data/mnist), PEAK_GFLOPS (fp32 peak of the
# machine for the FLOP floor; default 260 = 2 cores x 130 GFLOP/s AVX2 measured with an FMA loop).
set -eu
build=${1:?usage: bench/train.sh BUILDDIR [RUNS] [WHICH...]}
runs=${2:-3}
shift; [ $# -gt 0 ] && shift
which=${*:-default mlp linear cnn-epoch}
train="$build/examples/mnist/train/mnist-train"
here=$(cd "$(dirname "$0")" && pwd)
data=${MNISTPIPE_SHARED:-$here/../../shared}/data/mnist
peak=${PEAK_GFLOPS:-260}
[ -x "$train" ] || { echo "bench/train.sh: $train not built" >&2; exit 1; }
[ -f "$data/train-images-idx3-ubyte.gz" ] || { echo "bench/train.sh: no MNIST in $data" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-train.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# bench NAME FLOP_PER_IMAGE IMAGES_PER_STEP... ARGS: prints one Markdown row.
bench() {
    name=$1; flop=$2; shift 2
    : >"$tmp/acc"; : >"$tmp/sec"; all=
    i=0
    while [ $i -lt "$runs" ]; do
        i=$((i + 1))
        line=$("$train" /opt/model.py --tf-data-dir "$data" --tf-export-dir "$tmp/export" \
                 --seed "$i" --threads 2 --eval-test --quiet "$@" | tail -n 1)
        acc=$(echo "$line" | sed 's/.*test_acc=\([0-9.]*\).*/\1/')
        sec=$(echo "$line" | sed 's/.*seconds=\([0-9.]*\).*/\1/')
        steps=$(echo "$line" | sed 's/.*steps=\([0-9]*\).*/\1/')
        echo "$name run $i: $line" >&2
        echo "$acc" >>"$tmp/acc"; echo "$sec" >>"$tmp/sec"
        all="$all ${acc}/${sec}s"
    done
    macc=$(median <"$tmp/acc"); msec=$(median <"$tmp/sec")
    batch=$(echo " $* " | sed -n 's/.* --tf-batch-size \([0-9]*\) .*/\1/p'); batch=${batch:-100}
    gflops=$(awk "BEGIN { printf \"%.1f\", $flop * $steps * $batch / $msec / 1e9 }")
    floor=$(awk "BEGIN { printf \"%.1f\", $flop * $steps * $batch / ($peak * 1e9) }")
    echo "| $(date -u +%F) | $name | $(awk "BEGIN { printf \"%.2f\", $macc * 100 }") % | $msec s | $gflops | $floor s | median of $runs (acc/time:$all) |"
}

cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -n 1)
echo "machine: $cpu, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| date | run | test acc | train time | achieved GFLOP/s | FLOP floor at ${peak} GFLOP/s | runs |"
echo "|---|---|---:|---:|---:|---:|---|"
for w in $which; do
    case $w in
    default) bench "model.py defaults: CNN, 200 steps, batch 100, SGD 0.01" 82e6 ;;
    mlp) bench "MLP 784-256-10, Adam 1e-3, 5 epochs (2750 steps)" 0.82e6 --tf-model-type MLP \
             --optimizer adam --tf-learning-rate 0.001 --tf-train-steps 2750 ;;
    linear) bench "LINEAR, 1000 steps" 31e3 --tf-model-type LINEAR --tf-train-steps 1000 ;;
    cnn-epoch) bench "CNN, Adam 1e-3, 1 epoch (550 steps)" 82e6 --optimizer adam \
                   --tf-learning-rate 0.001 --tf-train-steps 550 ;;
    *) echo "bench/train.sh: unknown run '$w'" >&2; exit 1 ;;
    esac
done
