# SPDX-License-Identifier: MIT
# What the export tests (export-vs-serve.sh, kill-export.sh) share; source it after
# tests/mnist/lib-serve.sh and need_tools. Skips without mnist-serve, mnist-train, the real
# MNIST files or mnpm-validate; sets DATA, validate and export_dir.
[ "$STUB" = 0 ] || skip "needs mnist-serve and mnist-train"
DATA=$(data_dir) || skip "real MNIST not found (\$MNISTPIPE_SHARED/data/mnist)"
validate=$MP_TOP_BUILDDIR/tests/mnist/mnpm-validate
[ -x "$validate" ] || skip "tests/mnist/mnpm-validate is not built"
export_dir=$TMP/export

# train VERSION [COMMAND...]: one quick LINEAR training exported as VERSION, run under
# COMMAND (e.g. strace) when given.
train() {
    train_version=$1; shift
    "$@" "$TRAIN" --tf-data-dir "$DATA" --tf-export-dir "$export_dir" --tf-model-type LINEAR \
        --tf-train-steps 1 --threads 1 --model-version "$train_version" --quiet >>"$TMP/train.log" 2>&1
}

# exports_settle VERSION: after the kills, one more complete export as VERSION; mnist-serve
# (started as S, predict body in $TMP/body.json) serves that one alone and predicts with it,
# never met a broken export, every version directory holds a complete model, and mnist-serve
# exits cleanly.
exports_settle() {
    train "$1" || fail "a last complete export"
    sleep 2.5 # two polls
    req GET "$S_URL/v1/models/mnist"
    expect_code 200 "status"
    expect_json "[s['version'] for s in d['model_version_status'] if s['state'] == 'AVAILABLE'] == ['$1']" \
        "the newest complete version ($1) is the one available"
    req POST "$S_URL/v1/models/mnist:predict" "$TMP/body.json"
    expect_code 200 "predict with the newest version"
    if grep -E "failed to load|cannot" "$TMP/S.log"; then fail "mnist-serve met a broken export"; else
        pass "mnist-serve never met a broken export"; fi
    bad=
    for d in "$export_dir"/[0-9]*; do
        "$validate" "$d/model.mnpm" >/dev/null 2>&1 || bad="$bad ${d##*/}"
    done
    [ -z "$bad" ] && pass "every version directory holds a complete model" || fail "incomplete:$bad"
    echo "export dir: $(ls -A "$export_dir" | tr '\n' ' ')"
    stop "$S_PID" && pass "clean exit" || fail "exit status $?"
}
