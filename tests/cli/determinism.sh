#!/bin/sh
# SPDX-License-Identifier: MIT
# Same input, same bytes: archives included; SOURCE_DATE_EPOCH and --stamp.
. "$MP_TOP_SRCDIR/tests/lib.sh"
unset SOURCE_DATE_EPOCH
cd "$TMP" || exit 99
for ext in tar.gz tgz zip yaml yml; do
    mp --plugin onprem --pvc my-pvc compile -o "a.$ext" && sleep 1 &&
        mp --plugin onprem --pvc my-pvc compile -o "b.$ext" || fail "compile .$ext"
    if cmp -s "a.$ext" "b.$ext"; then pass ".$ext is byte-identical across runs"; else
        fail ".$ext differs between two runs"; fi
done
# The default output name, and that it holds just pipeline.yaml with no time in it.
mp --plugin gcp compile || fail "compile with the default output"
[ -f mnist_pipeline.tar.gz ] && pass "default output mnist_pipeline.tar.gz" ||
    fail "no mnist_pipeline.tar.gz"
[ "$(tar tzf mnist_pipeline.tar.gz)" = pipeline.yaml ] && pass "one member pipeline.yaml" ||
    fail "members: $(tar tzf mnist_pipeline.tar.gz)"
tar xzf mnist_pipeline.tar.gz -O >p.yaml
grep -q pipeline_compilation_time p.yaml && fail "a time stamp without SOURCE_DATE_EPOCH" ||
    pass "no time stamp unless asked"
tar tvzf mnist_pipeline.tar.gz | grep -q ' 0/0 .* 1970-01-01 00:00 pipeline.yaml' &&
    pass "tar entry owner 0/0, mtime 0" || fail "tar entry: $(tar tvzf mnist_pipeline.tar.gz)"
SOURCE_DATE_EPOCH=1700000000 mp --plugin gcp compile -o s.yaml || fail "compile with SDE"
grep -q "pipeline_compilation_time: '2023-11-14T22:13:20'" s.yaml &&
    pass "SOURCE_DATE_EPOCH gives the stamp" || fail "stamp: $(grep compilation s.yaml)"
mp --plugin gcp compile --stamp -o t.yaml || fail "compile --stamp"
grep -Eq "pipeline_compilation_time: '[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{6}'" t.yaml &&
    pass "--stamp records the time" || fail "--stamp: $(grep compilation t.yaml)"
expect_exit 2 "bad SOURCE_DATE_EPOCH" -- env SOURCE_DATE_EPOCH=soon "$MNISTPIPE" --plugin gcp compile -o u.yaml
[ ! -e u.yaml ] && pass "nothing written on error" || fail "u.yaml written"
# -p at compile time sets the default; --secret renames the secret everywhere.
mp --plugin gcp --secret admin-gcp-sa compile -p train_steps=500 -o v.zip || fail "compile .zip"
unzip -p v.zip pipeline.yaml >v.yaml 2>/dev/null || "${PYTHON3:-python3}" -c \
    'import zipfile,sys; sys.stdout.write(zipfile.ZipFile("v.zip").read("pipeline.yaml").decode())' >v.yaml
grep -q "{name: train_steps, value: '500'}" v.yaml && pass "-p sets a default" || fail "-p"
grep -q "secret: {secretName: admin-gcp-sa}" v.yaml &&
    grep -q "/secret/gcp-credentials/admin-gcp-sa.json" v.yaml &&
    grep -q "name: gcp-credentials-admin-gcp-sa" v.yaml && pass "--secret admin-gcp-sa" ||
    fail "--secret"
mp --plugin gcp compile -o - >w.yaml && cmp -s w.yaml "$TMP/s.yaml" && fail "stdout equals stamped" ||
    grep -q '^kind: Workflow' w.yaml && pass "-o - writes YAML to stdout" || fail "-o -"
ls -a | grep -q '\.tmp-' && fail "a temporary file was left: $(ls -a)" || pass "no temporary files left"
finish
