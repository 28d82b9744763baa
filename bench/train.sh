#!/bin/sh
# SPDX-License-Identifier: MIT
# Training benchmark: medians over runs of mnist-train on real MNIST (accuracy, time, GFLOP/s).
# usage: bench/train.sh BUILDDIR [RUNS] [WHICH...]
#   WHICH: default mlp linear cnn-epoch (all by default), cnn-epoch-avg, cnn-epoch-last, cnn-fifth,
#   cnn-steps (CPU seconds per CNN step with --threads 1: 30 steps less a 0-step run, against the
#   per-CPU-second peak; Adam's default weight average included)
# Env: MNISTPIPE_SHARED (data in $MNISTPIPE_SHARED/data/mnist), PEAK_GFLOPS (the SGEMM peak for
# the FLOP floor; by default measured here, in the same run: OpenBLAS sgemm 2048^3, 2 threads,
# best of 5, once before and once after the training runs, the better of the two is used).
set -eu
build=${1:?usage: bench/train.sh BUILDDIR [RUNS] [WHICH...]}
runs=${2:-3}
shift; [ $# -gt 0 ] && shift
which=${*:-default mlp linear cnn-epoch}
train="$build/examples/mnist/train/mnist-train"
here=$(cd "$(dirname "$0")" && pwd)
data=${MNISTPIPE_SHARED:-$here/../../shared}/data/mnist
[ -x "$train" ] || { echo "bench/train.sh: $train not built" >&2; exit 1; }
[ -f "$data/train-images-idx3-ubyte.gz" ] || { echo "bench/train.sh: no MNIST in $data" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-train.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# The machine's SGEMM peak with the same OpenBLAS mnist-train links.
cat >"$tmp/sgemm.c" <<'EOC'
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
int main(void)
{
    const int n = 2048;
    float *a = malloc(sizeof(float) * n * n), *b = malloc(sizeof(float) * n * n),
          *c = malloc(sizeof(float) * n * n);
    if (!a || !b || !c)
        return 1;
    for (int i = 0; i < n * n; i++) { a[i] = (float)(i % 7) / 7.0f; b[i] = (float)(i % 5) / 5.0f; }
    openblas_set_num_threads(2);
    double best = 0.0, best_cpu = 0.0;
    for (int r = 0; r < 6; r++) {
        struct timespec t0, t1, c0, c1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
        double flop = 2.0 * n * n * n;
        double g = flop / ((double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9) / 1e9;
        double gc = flop / ((double)(c1.tv_sec - c0.tv_sec) + (c1.tv_nsec - c0.tv_nsec) * 1e-9) / 1e9;
        if (r > 0 && g > best)   /* the first one warms up */
            best = g;
        if (r > 0 && gc > best_cpu)
            best_cpu = gc;
    }
    /* GFLOP per wall second (2 threads), and per CPU second (what one core does). */
    printf("%.1f %.1f\n", best, best_cpu);
    free(a); free(b); free(c);
    return 0;
}
EOC
sgemm_peak() { "$tmp/sgemm"; }
if [ -z "${PEAK_GFLOPS:-}" ]; then
    # shellcheck disable=SC2046
    ${CC:-cc} -O2 -o "$tmp/sgemm" "$tmp/sgemm.c" $(pkg-config --cflags --libs openblas) ||
        { echo "bench/train.sh: cannot build the SGEMM probe (set PEAK_GFLOPS)" >&2; exit 1; }
    # shellcheck disable=SC2046
    set -- $(sgemm_peak)
    peak=$1; cpu_peak=$2
    peak_note="measured before the runs; $cpu_peak GFLOP per CPU second"
else
    peak=$PEAK_GFLOPS; cpu_peak=$(awk "BEGIN { print $peak / 2 }")
    peak_note="given; $cpu_peak GFLOP per CPU second assumed"
fi

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# bench NAME FLOP_PER_IMAGE IMAGES_PER_STEP... ARGS: prints one Markdown row.
bench() {
    name=$1; flop=$2; shift 2
    : >"$tmp/acc"; : >"$tmp/sec"; : >"$tmp/cpu"; all=
    i=0
    while [ $i -lt "$runs" ]; do
        i=$((i + 1))
        line=$(/usr/bin/time -f '%U %S' -o "$tmp/time" "$train" /opt/model.py --tf-data-dir "$data" --tf-export-dir "$tmp/export" \
                 --seed "$i" --threads 2 --eval-test --quiet "$@" | tail -n 1)
        acc=$(echo "$line" | sed 's/.*test_acc=\([0-9.]*\).*/\1/')
        sec=$(echo "$line" | sed 's/.*seconds=\([0-9.]*\).*/\1/')
        steps=$(echo "$line" | sed 's/.*steps=\([0-9]*\).*/\1/')
        echo "$name run $i: $line" >&2
        cpu=$(awk '{ print $1 + $2 }' "$tmp/time")
        echo "$acc" >>"$tmp/acc"; echo "$sec" >>"$tmp/sec"; echo "$cpu" >>"$tmp/cpu"
        all="$all ${acc}/${sec}s/${cpu}cpu-s"
    done
    macc=$(median <"$tmp/acc"); msec=$(median <"$tmp/sec"); mcpu=$(median <"$tmp/cpu")
    batch=$(echo " $* " | sed -n 's/.* --tf-batch-size \([0-9]*\) .*/\1/p'); batch=${batch:-100}
    gflops=$(awk "BEGIN { printf \"%.1f\", $flop * $steps * $batch / $msec / 1e9 }")
    floor=$(awk "BEGIN { printf \"%.2f\", $flop * $steps * $batch / ($peak * 1e9) }")
    ratio=$(awk "BEGIN { printf \"%.2f\", $msec / $floor }")
    # The same on CPU time, which a loaded host distorts far less than wall time: the whole
    # process (data loading and evaluation included) against the FLOPs at one core's SGEMM rate.
    cfloor=$(awk "BEGIN { printf \"%.2f\", $flop * $steps * $batch / ($cpu_peak * 1e9) }")
    cratio=$(awk "BEGIN { printf \"%.2f\", $mcpu / $cfloor }")
    echo "| $(date -u +%F) | $name | $(awk "BEGIN { printf \"%.2f\", $macc * 100 }") % | $msec s | $gflops | $floor s | ${ratio}x | $mcpu / $cfloor s = ${cratio}x | median of $runs (acc/wall/cpu:$all); load $(cut -d' ' -f1-3 /proc/loadavg) |"
}

# steps_cpu NAME STEPS: CPU s per step of one-thread CNN Adam training (load and export excluded).
steps_cpu() {
    name=$1; n=$2
    for s in 0 "$n"; do
        /usr/bin/time -f '%U %S' -o "$tmp/time$s" "$train" --tf-data-dir "$data" --tf-export-dir "$tmp/export" \
            --optimizer adam --tf-learning-rate 0.001 --tf-train-steps "$s" --threads 1 \
            --validation-size 0 --quiet >"$tmp/out$s" || { echo "bench/train.sh: $name failed" >&2; exit 1; }
    done
    per=$(awk '{ c += $1 + $2 } END { printf "%.3f", c }' "$tmp/time$n")
    base=$(awk '{ c += $1 + $2 } END { printf "%.3f", c }' "$tmp/time0")
    per=$(awk "BEGIN { printf \"%.3f\", ($per - $base) / $n }")
    cfloor=$(awk "BEGIN { printf \"%.3f\", 82e6 * 100 / ($cpu_peak * 1e9) }")
    echo "| $(date -u +%F) | $name | - | - | - | - | - | $per / $cfloor s per step = $(awk "BEGIN { printf \"%.2f\", $per / $cfloor }")x | $n steps less a 0-step run ($base CPU s); $(tail -n 1 "$tmp/out$n" | sed 's/.*\(loss=[0-9.]*\).*/\1/'); load $(cut -d' ' -f1-3 /proc/loadavg) |"
}

cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -n 1)
echo "machine: $cpu, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "SGEMM peak: $peak GFLOP/s ($peak_note)"
echo "| date | run | test acc | train time | achieved GFLOP/s | FLOP floor at ${peak} GFLOP/s | time / floor | CPU s / CPU floor at ${cpu_peak} | runs |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---|"
for w in $which; do
    case $w in
    default) bench "model.py defaults: CNN, 200 steps, batch 100, SGD 0.01" 82e6 ;;
    mlp) bench "MLP 784-256-10, Adam 1e-3, 5 epochs (2750 steps)" 0.82e6 --tf-model-type MLP \
             --optimizer adam --tf-learning-rate 0.001 --tf-train-steps 2750 ;;
    linear) bench "LINEAR, 1000 steps" 31e3 --tf-model-type LINEAR --tf-train-steps 1000 ;;
    cnn-epoch) bench "CNN, Adam 1e-3, 1 epoch (550 steps), default export (weight average 0.99)" \
                   82e6 --optimizer adam --tf-learning-rate 0.001 --tf-train-steps 550 ;;
    cnn-epoch-last) bench "CNN, Adam 1e-3, 1 epoch (550 steps), last weights (--weight-average 0)" \
                   82e6 --optimizer adam --tf-learning-rate 0.001 --tf-train-steps 550 --weight-average 0 ;;
    cnn-epoch-avg) bench "CNN, Adam 1e-3, 1 epoch (550 steps), exported weights averaged (0.99)" 82e6 \
                   --optimizer adam --tf-learning-rate 0.001 --tf-train-steps 550 --weight-average 0.99 ;;
    cnn-fifth) bench "CNN, Adam 1e-3, a fifth of an epoch (110 steps; time ratio only)" 82e6 \
                   --optimizer adam --tf-learning-rate 0.001 --tf-train-steps 110 ;;
    cnn-steps) steps_cpu "CNN, Adam 1e-3, CPU s per step, --threads 1" 30 ;;
    *) echo "bench/train.sh: unknown run '$w'" >&2; exit 1 ;;
    esac
done
if [ -z "${PEAK_GFLOPS:-}" ]; then
    echo "SGEMM peak after the runs (wall, per CPU second): $(sgemm_peak) GFLOP/s; load $(cut -d' ' -f1-3 /proc/loadavg)"
fi
