#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""compile.py - whole-process time and peak memory of mnistpipe compile, lint and local run.

Each case runs once to warm up, then RUNS times (fewer for the largest), through
bench/runstat (a small C parent: a Python parent would add its own RSS to the child's peak).
Reported: median and minimum wall time, median peak RSS, the target, and whether it is met.
Cases:
  - the built-in MNIST pipeline to .tar.gz for gcp and onprem; lint of examples/mnist/pipeline.yaml
  - generated pipeline files (bench/genpipe.py, in a temporary directory): a 1,000-step
    chain, a 5,000-step fan-out/fan-in, 100,000 steps, and the scaling series 1,000 /
    10,000 / 100,000 (each step 10x: time and memory should grow at most 11x)
  - lint of the chain and the fan
  - the local runner on chains of `true` steps: overhead per step
  - baselines: mnistpipe --version, /bin/true

  bench/compile.py [--builddir DIR] [--runs N] [--markdown] [--quick]
"""
import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def median(xs):
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def runstat(tool, argv, env, runs):
    out = subprocess.run([tool, str(runs)] + argv, env=env, capture_output=True, text=True)
    lines = out.stdout.split("\n")
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)}: {out.stdout.strip()} {out.stderr.strip()}")
    pairs = [tuple(int(v) for v in l.split()) for l in lines if l.strip()]
    return [p[0] / 1e3 for p in pairs], [p[1] / 1024 for p in pairs]


def machine():
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores, {platform.system()} {platform.release()}"


def build_runstat(tmp):
    exe = os.path.join(tmp, "runstat")
    cc = os.environ.get("CC", "cc")
    subprocess.run([cc, "-O2", "-o", exe, os.path.join(HERE, "runstat.c")], check=True)
    return exe


class Bench:
    def __init__(self, tool, env, runs):
        self.tool, self.env, self.runs, self.rows = tool, env, runs, []

    def case(self, name, argv, target_ms=None, target_mb=None, runs=None, note=""):
        walls, rss = runstat(self.tool, argv, self.env, runs or self.runs)
        row = {"case": name, "ms": median(walls), "min": min(walls), "mb": median(rss),
               "runs": len(walls), "target_ms": target_ms, "target_mb": target_mb, "note": note}
        self.rows.append(row)
        print(f"  {name}: {row['ms']:.2f} ms, {row['mb']:.1f} MB", file=sys.stderr)
        return row


def verdict(r):
    if r["target_ms"] is None and r["target_mb"] is None:
        return "-"
    ok = (r["target_ms"] is None or r["ms"] <= r["target_ms"]) and \
         (r["target_mb"] is None or r["mb"] <= r["target_mb"])
    return "yes" if ok else "**no**"


def target_text(r):
    t = []
    if r["target_ms"] is not None:
        t.append(f"<= {r['target_ms']:g} ms")
    if r["target_mb"] is not None:
        t.append(f"<= {r['target_mb']:g} MB")
    return ", ".join(t) or "-"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--builddir", default=os.environ.get("MP_TOP_BUILDDIR", "_build"))
    ap.add_argument("--runs", type=int, default=11)
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--quick", action="store_true", help="skip the 100,000-step cases")
    args = ap.parse_args()
    b = os.path.abspath(args.builddir)
    exe = os.path.join(b, "core", ".libs", "mnistpipe")
    if not os.path.exists(exe):
        exe = os.path.join(b, "core", "mnistpipe")
    src = os.path.dirname(HERE)
    env = dict(os.environ)
    env["MNISTPIPE_PLUGIN_PATH"] = os.path.join(b, "plugins", ".libs")
    env["LD_LIBRARY_PATH"] = os.path.join(b, "core", ".libs")
    env.pop("SOURCE_DATE_EPOCH", None)
    tmp = tempfile.mkdtemp(prefix="mnistpipe-bench-")
    env["XDG_STATE_HOME"] = os.path.join(tmp, "state")
    try:
        bn = Bench(build_runstat(tmp), env, args.runs)
        out = os.path.join(tmp, "out.tar.gz")

        def gen(shape, n):
            path = os.path.join(tmp, f"{shape}-{n}.yaml")
            if not os.path.exists(path):
                subprocess.run([sys.executable, os.path.join(HERE, "genpipe.py"), shape,
                                str(n), "-o", path], check=True)
            return path

        def compile_file(path):
            return [exe, "-f", path, "--plugin", "onprem", "--pvc", "data", "compile",
                    "-o", out]

        print("running (stderr shows progress)...", file=sys.stderr)
        bn.case("MNIST gcp -> .tar.gz", [exe, "--plugin", "gcp", "compile", "-o", out], 5, 8)
        bn.case("MNIST onprem -> .tar.gz",
                [exe, "--plugin", "onprem", "--pvc", "my-pvc", "compile", "-o", out], 5, 8)
        bn.case("lint examples/mnist/pipeline.yaml",
                [exe, "-f", os.path.join(src, "examples", "mnist", "pipeline.yaml"), "lint"])
        bn.case("1,000-step chain -> .tar.gz", compile_file(gen("chain", 1000)), 20)
        bn.case("5,000-step fan-out/fan-in -> .tar.gz", compile_file(gen("fan", 5000)), 60, 40)
        bn.case("lint 1,000-step chain", [exe, "-f", gen("chain", 1000), "lint"])
        bn.case("lint 5,000-step fan-out/fan-in", [exe, "-f", gen("fan", 5000), "lint"])
        series = [1000, 10000] + ([] if args.quick else [100000])
        scale = []
        for n in series:
            r = bn.case(f"scaling: {n:,}-step chain -> .tar.gz", compile_file(gen("chain", n)),
                        2000 if n == 100000 else None, runs=3 if n >= 100000 else 5)
            scale.append((n, r))
        if not args.quick:
            bn.case("100,000 steps in layers (2 deps each) -> .tar.gz",
                    compile_file(gen("layers", 100000)), 2000, runs=3)
        # The local runner: `true` for every step (busybox mapped to a command from PATH).
        imap = os.path.join(tmp, "image-map")
        with open(imap, "w") as f:
            f.write("busybox - job\n")
        local = {}
        for n in (10, 100):
            local[n] = bn.case(f"local run: {n}-step chain of `true`",
                               [exe, "-f", gen("chain", n), "--plugin", "local", "run",
                                "--image-map", imap, "--jobs", "1"], runs=5)
        bn.case("baseline: mnistpipe --version", [exe, "--version"])
        bn.case("baseline: /bin/true", ["/bin/true"])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    per_step = (local[100]["ms"] - local[10]["ms"]) / 90
    notes = [f"local runner overhead per step: {per_step:.2f} ms "
             f"((100-step chain - 10-step chain) / 90, one step at a time)"]
    for (n0, r0), (n1, r1) in zip(scale, scale[1:]):
        notes.append(f"scaling {n0:,} -> {n1:,} steps: time x{r1['ms'] / r0['ms']:.1f}, "
                     f"memory x{r1['mb'] / r0['mb']:.1f} (target <= x11 each)")
    date = time.strftime("%Y-%m-%d")
    load = os.getloadavg()[0]
    if args.markdown:
        print(f"Date {date}; machine: {machine()}; load average {load:.1f}; whole process, "
              f"median of {args.runs} runs after a warm-up (3 for 100,000 steps, 5 for the "
              f"scaling series and the local runner).\n")
        print("| case | median wall | min wall | median peak RSS | target | met |")
        print("|---|---:|---:|---:|---|---|")
        for r in bn.rows:
            print(f"| {r['case']} | {r['ms']:.2f} ms | {r['min']:.2f} ms | {r['mb']:.1f} MB | "
                  f"{target_text(r)} | {verdict(r)} |")
        print()
        for n in notes:
            print(f"- {n}")
    else:
        print(f"# {date}, {machine()}, load {load:.1f}")
        print(f"# whole process, median after a warm-up")
        print(f"{'case':<52} {'median':>10} {'min':>10} {'peak RSS':>9}  target / met")
        for r in bn.rows:
            print(f"{r['case']:<52} {r['ms']:8.2f}ms {r['min']:8.2f}ms {r['mb']:7.1f}MB  "
                  f"{target_text(r)} {verdict(r)}")
        for n in notes:
            print(f"# {n}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
