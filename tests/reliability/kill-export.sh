#!/bin/sh
# SPDX-License-Identifier: MIT
# mnist-train SIGKILLed in the middle of its model export, while mnist-serve polls the export
# directory every second. strace delays each fsync of mnist-train by 0.4 s, so that the
# export (a hidden .tmp-VERSION-PID directory: model.mnpm, fsync, model.json, fsync, fsync of
# the directory, rename to VERSION) takes about 1.5 s and a kill at a random moment in it lands
# in the middle. While the half-written export exists, mnist-serve is asked (more than once a
# poll) which versions it has: never that one. After each kill: a version directory exists
# only complete (mnpm-validate), mnist-serve serves the newest complete version, never fails
# to load one.
. "$MP_TOP_SRCDIR/tests/mnist/lib-serve.sh"
need_tools
. "$MP_TOP_SRCDIR/tests/reliability/lib-export.sh"
command -v strace >/dev/null 2>&1 || skip "no strace"
strace -f -qq -o /dev/null -e trace=fsync -e inject=fsync:delay_enter=1 true 2>/dev/null ||
    skip "strace cannot trace here (ptrace refused?)"
train 1 || { cat "$TMP/train.log" >&2; fail "first export"; finish; }
start_bg S "$SERVE" --model_base_path "$export_dir" --rest_api_port 0 \
    --file_system_poll_wait_seconds 1
"$PY" -c 'import json; print(json.dumps({"instances": [[0.5] * 784]}))' >"$TMP/body.json"

kills=3
mid=0
v=1
i=0
while [ $i -lt $kills ]; do
    i=$((i + 1)); v=$((v + 1))
    train "$v" strace -f -qq -o /dev/null -e trace=fsync -e inject=fsync:delay_enter=400000 &
    tp=$!
    # Wait for the export's hidden directory, ask mnist-serve for its versions while it is
    # there, then SIGKILL mnist-train at a random moment of the export.
    "$PY" - "$export_dir" "$v" "$S_URL" >>"$TMP/watch.log" 2>&1 <<'EOP'
import json, os, random, re, signal, sys, time, urllib.request
d, v, url = sys.argv[1], sys.argv[2], sys.argv[3]
pat = re.compile(r"^\.tmp-%s-(\d+)$" % v)
end = time.monotonic() + 120
pid = None
while pid is None and time.monotonic() < end:
    for e in os.listdir(d):
        m = pat.match(e)
        if m:
            pid = int(m.group(1))
    time.sleep(0.005)
if pid is None:
    sys.exit("no export of version %s began" % v)
kill_at = time.monotonic() + random.uniform(0.05, 1.1)
seen = set()
while time.monotonic() < kill_at:
    st = json.load(urllib.request.urlopen(url + "/v1/models/mnist", timeout=10))
    seen |= {s["version"] for s in st["model_version_status"]}
    time.sleep(0.1)
done = os.path.isdir(os.path.join(d, v))
os.kill(pid, signal.SIGKILL)
print("version %s: killed %s the rename; served meanwhile: %s" %
      (v, "after" if done else "before", sorted(seen)))
if not done and v in seen:
    sys.exit("FAIL: mnist-serve listed version %s before its export was complete" % v)
EOP
    rc=$?
    [ "$rc" = 0 ] && pass "kill $i: mnist-serve never listed the half-written version $v" ||
        fail "kill $i: $(tail -n 1 "$TMP/watch.log")"
    wait "$tp" 2>/dev/null
    if [ -d "$export_dir/$v" ]; then
        "$validate" "$export_dir/$v/model.mnpm" >/dev/null 2>&1 &&
            pass "kill $i: version $v was complete before the kill" ||
            fail "kill $i: version $v exists but is incomplete"
    else
        mid=$((mid + 1))
        ls -A "$export_dir" | grep -q "^\.tmp-$v-" && pass "kill $i: the export was cut short" ||
            fail "kill $i: no version $v and no leftover"
    fi
    req POST "$S_URL/v1/models/mnist:predict" "$TMP/body.json"
    [ "$CODE" = 200 ] || fail "predict after kill $i: HTTP $CODE"
done
[ "$mid" -ge 1 ] && pass "$mid of $kills kills cut an export in the middle" ||
    fail "no kill landed in the middle of an export"
cat "$TMP/watch.log"
v=$((v + 1))
exports_settle "$v"
finish
