#!/bin/sh
# SPDX-License-Identifier: MIT
# Benchmark mnist-serve's REST predict with wrk on loopback: an MLP (784-256-10) model trained by
# mnist-train, one real MNIST test image per request (784 floats, as the web-ui sends them),
# 16 connections; reports the median requests/s and p99 latency of several runs.
#
#   bench/serve.sh [BUILDDIR]        (default: the current directory)
#   env: RUNS=5 DURATION=10 CONNECTIONS=16 WRK_THREADS=2 SERVE_THREADS= MODEL_TYPE=MLP
#        TRAIN_STEPS=2000 DATA=<shared>/data/mnist RESULTS=<file to append a Markdown row to>
set -eu
B=$(cd "${1:-.}" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
SERVE=$B/examples/mnist/serve/mnist-serve
TRAIN=$B/examples/mnist/train/mnist-train
RUNS=${RUNS:-5}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-16}
WRK_THREADS=${WRK_THREADS:-2}
MODEL_TYPE=${MODEL_TYPE:-MLP}
TRAIN_STEPS=${TRAIN_STEPS:-2000}
DATA=${DATA:-${MNISTPIPE_SHARED:-$HERE/../../shared}/data/mnist}

for t in wrk python3 curl; do
    command -v $t >/dev/null 2>&1 || { echo "bench/serve.sh: $t is required" >&2; exit 2; }
done
[ -x "$SERVE" ] || { echo "bench/serve.sh: no $SERVE (build first, or pass the build dir)" >&2; exit 2; }
[ -x "$TRAIN" ] || { echo "bench/serve.sh: no $TRAIN" >&2; exit 2; }
[ -r "$DATA/t10k-images-idx3-ubyte.gz" ] || { echo "bench/serve.sh: no MNIST in $DATA (set DATA)" >&2; exit 2; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/mnist-serve-bench.XXXXXX")
SPID=
cleanup() {
    [ -n "$SPID" ] && kill "$SPID" 2>/dev/null && wait "$SPID" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

echo "training a $MODEL_TYPE model ($TRAIN_STEPS steps) ..." >&2
"$TRAIN" --tf-data-dir "$DATA" --tf-export-dir "$TMP/export" --tf-model-type "$MODEL_TYPE" \
    --tf-train-steps "$TRAIN_STEPS" --optimizer adam --tf-learning-rate 0.001 --model-version 1 \
    >"$TMP/train.out" 2>&1 || { cat "$TMP/train.out" >&2; exit 1; }
tail -n 1 "$TMP/train.out" >&2

python3 - "$DATA" "$TMP/body.json" <<'PYEOF'
import gzip, json, sys
with gzip.open(sys.argv[1] + "/t10k-images-idx3-ubyte.gz") as f:
    f.seek(16)
    px = f.read(784)
json.dump({"instances": [[b / 255 for b in px]]}, open(sys.argv[2], "w"))
PYEOF
cat >"$TMP/post.lua" <<EOF
wrk.method = "POST"
local f = io.open("$TMP/body.json", "rb")
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
EOF

"$SERVE" --model_base_path "$TMP/export" --rest_api_port 0 --port_file "$TMP/port" \
    ${SERVE_THREADS:+--rest_api_num_threads $SERVE_THREADS} 2>"$TMP/serve.log" &
SPID=$!
i=0
while [ ! -s "$TMP/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
URL=http://127.0.0.1:$(cat "$TMP/port")/v1/models/mnist:predict
code=$(curl -s -o "$TMP/reply" -w '%{http_code}' --data-binary @"$TMP/body.json" "$URL")
[ "$code" = 200 ] || { echo "predict failed: HTTP $code $(cat "$TMP/reply")" >&2; exit 1; }
wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d2s -s "$TMP/post.lua" "$URL" >/dev/null  # warm-up

: >"$TMP/runs"
to_ms() { awk '/us$/ {print $1 / 1000; next} /ms$/ {print $1 + 0; next} /s$/ {print $1 * 1000}'; }
r=1
while [ $r -le "$RUNS" ]; do
    wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$TMP/post.lua" "$URL" >"$TMP/wrk.out"
    rps=$(awk '/^Requests\/sec:/ {print $2}' "$TMP/wrk.out")
    p50=$(awk '$1 == "50%" {print $2}' "$TMP/wrk.out")
    p99=$(awk '$1 == "99%" {print $2}' "$TMP/wrk.out")
    errs=$(awk '/Non-2xx|Socket errors/' "$TMP/wrk.out")
    echo "run $r: $rps req/s, p50 $p50, p99 $p99 ${errs:+($errs)}" >&2
    echo "$rps $(echo "$p50" | to_ms) $(echo "$p99" | to_ms)" >>"$TMP/runs"
    r=$((r + 1))
done
med() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
rps=$(awk '{print $1}' "$TMP/runs" | med)
p50=$(awk '{print $2}' "$TMP/runs" | med)
p99=$(awk '{print $3}' "$TMP/runs" | med)
threads=$(sed -n 's/.*, \([0-9]*\) threads).*/\1/p' "$TMP/serve.log" | head -n 1)
cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -n 1)
ncpu=$(nproc)
isa=$(grep -o -w -m1 -e avx512f -e avx2 /proc/cpuinfo | sort -u | tr '\n' ' ')
load=$(cut -d' ' -f1-3 /proc/loadavg)
row="| $(date -u +%Y-%m-%d) | mnist-serve predict, $MODEL_TYPE, 1 image/request, wrk -c$CONNECTIONS -t$WRK_THREADS on the same CPUs, serve $threads threads | $rps | $p50 | $p99 | median of $RUNS x ${DURATION}s | $cpu, $ncpu CPUs (${isa% }), load avg $load |"
echo "median: $rps req/s, p50 $p50 ms, p99 $p99 ms"
echo "$row"
if [ -n "${RESULTS:-}" ]; then
    [ -s "$RESULTS" ] || printf '# Benchmark results\n' >>"$RESULTS"
    if ! grep -q '^| date | serve benchmark' "$RESULTS"; then
        printf '\n## Serving (bench/serve.sh)\n\n| date | serve benchmark | req/s | p50 ms | p99 ms | runs | machine |\n|---|---|---:|---:|---:|---|---|\n' >>"$RESULTS"
    fi
    # Insert after the last row of this section's table, not after the notes below it.
    last=$(awk '/^## Serving/ {in_s = 1; next} /^## / {in_s = 0} in_s && /^\|/ {n = NR} END {print n + 0}' "$RESULTS")
    if [ "$last" -gt 0 ]; then
        awk -v n="$last" -v row="$row" '{print} NR == n {print row}' "$RESULTS" >"$RESULTS.tmp" &&
            mv "$RESULTS.tmp" "$RESULTS"
    else
        echo "$row" >>"$RESULTS"
    fi
fi
