# SPDX-License-Identifier: MIT
# Shared helpers for the mnist-serve / mnist-web-ui tests (sourced): locating binaries and data,
# starting servers on free loopback ports, HTTP requests with curl, JSON checks with python3.
# Every server started here is killed on exit; nothing is written outside $TMP.
set -u
: "${MP_TOP_BUILDDIR:?run through make check}"
: "${MP_TOP_SRCDIR:?run through make check}"

SERVE=$MP_TOP_BUILDDIR/examples/mnist/serve/mnist-serve
WEBUI=$MP_TOP_BUILDDIR/examples/mnist/web-ui/mnist-web-ui
TRAIN=$MP_TOP_BUILDDIR/examples/mnist/train/mnist-train
PY=${PYTHON3:-}
[ -n "$PY" ] || PY=$(command -v python3 || true)

TMP=$(mktemp -d "${TMPDIR:-/tmp}/mnist-serve-test.XXXXXX") || exit 99
PIDS=""
failures=0

cleanup() {
    for p in $PIDS; do
        kill "$p" 2>/dev/null
    done
    for p in $PIDS; do
        wait "$p" 2>/dev/null
    done
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

skip() { echo "SKIP: $*" >&2; exit 77; }
pass() { echo "ok: $*"; }
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
finish() {
    if [ "$failures" -ne 0 ]; then echo "$failures check(s) failed" >&2; exit 1; fi
    exit 0
}

need_tools() {
    command -v curl >/dev/null 2>&1 || skip "curl is not installed"
    [ -n "$PY" ] && "$PY" -c 'import json' 2>/dev/null || skip "python3 is not installed"
}

# data_dir: the real MNIST files, or skip.
data_dir() {
    for d in "${MNISTPIPE_SHARED:-}/data/mnist" "$MP_TOP_SRCDIR/../shared/data/mnist"; do
        if [ -r "$d/t10k-images-idx3-ubyte.gz" ] && [ -r "$d/train-images-idx3-ubyte.gz" ]; then
            echo "$d"
            return 0
        fi
    done
    return 1
}

# Without mnist-train (or without mnist-serve), the REST tests can still run against
# tests/mnist/mnist-serve-stub, which serves tests/mnist/stub_servable.c's stand-in model; checks
# that need a trained model are then skipped (STUB=1).
STUB=0
if [ ! -x "$SERVE" ] || [ ! -x "$TRAIN" ]; then
    if [ -x "$MP_TOP_BUILDDIR/tests/mnist/mnist-serve-stub" ]; then
        SERVE=$MP_TOP_BUILDDIR/tests/mnist/mnist-serve-stub
        STUB=1
        echo "note: mnist-serve or mnist-train is not built; testing the REST layer with the stub model"
    fi
fi

# trained CHECK...: run a check only with a real trained model.
trained() {
    if [ "$STUB" = 1 ]; then echo "skipped (stub model): $*"; return 1; fi
    return 0
}

# make_model EXPORT_DIR VERSION: a quick LINEAR model from mnist-train (or a stub model).
make_model() {
    if [ "$STUB" = 1 ]; then
        mkdir -p "$1/.tmp-$2" && echo "0.$2" >"$1/.tmp-$2/model.stub" && mv "$1/.tmp-$2" "$1/$2"
        return
    fi
    [ -x "$TRAIN" ] || skip "mnist-train is not built ($TRAIN)"
    "$TRAIN" --tf-data-dir "$DATA" --tf-export-dir "$1" --tf-model-type LINEAR \
        --tf-train-steps 50 --model-version "$2" --quiet >"$TMP/train.log" 2>&1 || {
        cat "$TMP/train.log" >&2
        echo "FAIL: mnist-train could not make a model" >&2
        exit 1
    }
}

# wait_file FILE: up to 10 s (60 s under valgrind).
wait_file() {
    i=0
    n=100
    [ -n "${MP_VALGRIND:-}" ] && n=600
    while [ ! -s "$1" ] && [ $i -lt $n ]; do sleep 0.1; i=$((i + 1)); done
    [ -s "$1" ]
}

# start_serve NAME ARGS...: mnist-serve on a free port; sets <NAME>_PID and <NAME>_URL.
start_bg() {
    var=$1; prog=$2; shift 2
    rm -f "$TMP/$var.port"
    # make check MP_VALGRIND=valgrind: the servers run under valgrind, and any error or leak
    # turns into exit status 99, which stop() reports.
    ${MP_VALGRIND:+$MP_VALGRIND --quiet --error-exitcode=99 --leak-check=full} \
        ${MP_VALGRIND:+--errors-for-leak-kinds=definite,indirect} \
        "$prog" "$@" --port_file "$TMP/$var.port" >"$TMP/$var.log" 2>&1 &
    pid=$!
    PIDS="$PIDS $pid"
    if ! wait_file "$TMP/$var.port"; then
        echo "FAIL: $prog did not start; log:" >&2
        sed 's/^/    /' "$TMP/$var.log" >&2
        exit 1
    fi
    eval "${var}_PID=$pid"
    eval "${var}_URL=http://127.0.0.1:$(cat "$TMP/$var.port")"
}

# stop PID: SIGTERM, wait, return its exit status.
stop() {
    kill -TERM "$1" 2>/dev/null
    wait "$1"
    st=$?
    PIDS=$(echo "$PIDS" | tr ' ' '\n' | grep -vx "$1" | tr '\n' ' ')
    return $st
}

# req METHOD URL [BODY_FILE]: response body in $TMP/resp, status in $CODE.
req() {
    if [ $# -ge 3 ]; then
        CODE=$(curl -s -o "$TMP/resp" -w '%{http_code}' -X "$1" -H 'Content-Type: application/json' \
            --data-binary @"$3" "$2")
    else
        CODE=$(curl -s -o "$TMP/resp" -w '%{http_code}' -X "$1" "$2")
    fi
}

# expect_code CODE WHAT
expect_code() {
    if [ "$CODE" = "$1" ]; then pass "$2 (HTTP $CODE)"; else
        fail "$2: HTTP $CODE, expected $1; body:"; head -c 600 "$TMP/resp" | sed 's/^/    /' >&2; echo >&2; fi
}

# expect_json PY_EXPR WHAT: evaluate with d = the parsed response body.
expect_json() {
    if "$PY" - "$TMP/resp" "$1" <<'PYEOF'
import json, math, sys
d = json.load(open(sys.argv[1]))
# "stmt; stmt; expr": run the statements, test the expression.
*stmts, expr = sys.argv[2].split("; ")
exec("\n".join(stmts))
sys.exit(0 if eval(expr) else 1)
PYEOF
    then pass "$2"; else
        fail "$2: [$1] is false for:"; head -c 600 "$TMP/resp" | sed 's/^/    /' >&2; echo >&2; fi
}

# expect_error CODE MESSAGE_REGEX WHAT: a TF error body {"error": ...} with that status.
expect_error() {
    if [ "$CODE" = "$1" ] && "$PY" - "$TMP/resp" "$2" <<'PYEOF'
import json, re, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if list(d) == ["error"] and re.search(sys.argv[2], d["error"], re.S) else 1)
PYEOF
    then pass "$3 (HTTP $CODE)"; else
        fail "$3: HTTP $CODE, expected $1 with error /$2/; body:"
        head -c 600 "$TMP/resp" | sed 's/^/    /' >&2; echo >&2
    fi
}

# body_for INDEX FORMAT: a predict body from test image INDEX (pixels / 255) in $TMP/body.json;
# FORMAT is rows, rows28, columnar, or objects. Prints the true label.
body_for() {
    "$PY" - "$DATA" "$1" "$2" "$TMP/body.json" <<'PYEOF'
import gzip, json, sys
data, idx, fmt, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
with gzip.open(data + "/t10k-images-idx3-ubyte.gz") as f:
    f.seek(16 + 784 * idx)
    px = [b / 255 for b in f.read(784)]
with gzip.open(data + "/t10k-labels-idx1-ubyte.gz") as f:
    f.seek(8 + idx)
    label = f.read(1)[0]
rows28 = [px[r * 28:(r + 1) * 28] for r in range(28)]
body = {"rows": {"instances": [px]},
        "rows28": {"instances": [rows28]},
        "objects": {"signature_name": "serving_default", "instances": [{"x": px}]},
        "columnar": {"inputs": {"x": [rows28]}}}[fmt]
json.dump(body, open(out, "w"))
print(label)
PYEOF
}
