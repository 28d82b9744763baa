# SPDX-License-Identifier: MIT
"""SIGKILL a compile at random moments and check the output after each kill.

killer.py DIR N COMMAND...: COMMAND -o DIR/out.EXT is run N times per extension, each killed
after a random delay spread over its normal duration; DIR/old.EXT and DIR/new.EXT are the
previous and the complete outputs. Prints what was seen; exits 1 on a partial output or a
stray file other than the documented temporary file.
"""
import os
import random
import re
import signal
import subprocess
import sys
import time

def main():
    d, n, cmd = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    rng = random.Random(int(os.environ.get("MP_KILL_SEED", "0")) or None)
    bad = 0
    for ext in ("tar.gz", "yaml"):
        out = os.path.join(d, "out." + ext)
        old = open(os.path.join(d, "old." + ext), "rb").read()
        new = open(os.path.join(d, "new." + ext), "rb").read()
        t0 = time.monotonic()
        subprocess.run(cmd + ["-o", out], check=True, stdout=subprocess.DEVNULL)
        full = max(time.monotonic() - t0, 0.001)
        tmp_re = re.compile(r"^\.out\.%s\.tmp-[A-Za-z0-9]{6}$" % re.escape(ext))
        seen = {"absent": 0, "old": 0, "new": 0, "temporary file left": 0}
        for i in range(n):
            start = rng.choice(("absent", "old"))
            if os.path.exists(out):
                os.unlink(out)
            if start == "old":
                with open(out, "wb") as f:
                    f.write(old)
            p = subprocess.Popen(cmd + ["-o", out], stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0, full * 1.5))
            p.send_signal(signal.SIGKILL)
            p.wait()
            if not os.path.exists(out):
                state = "absent"
            else:
                data = open(out, "rb").read()
                state = "new" if data == new else "old" if data == old else None
            if state is None or (state == "absent" and start == "old"):
                print("FAIL: %s after a kill (run %d, %d bytes, started from %s)"
                      % ("partial output" if state is None else "previous output lost",
                         i, os.path.getsize(out) if state else 0, start))
                bad += 1
                continue
            seen[state] += 1
            for name in os.listdir(d):
                if name.startswith(".out."):
                    if not tmp_re.match(name):
                        print("FAIL: stray file %s" % name)
                        bad += 1
                    else:
                        seen["temporary file left"] += 1
                    os.unlink(os.path.join(d, name))
        print("%s: %d kills over %.0f ms runs: %s" % (ext, n, full * 1000, seen))
    return 1 if bad else 0

sys.exit(main())
