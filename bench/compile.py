#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""compile.py - whole-process timing and peak memory of `mnistpipe compile`.

Runs each case after a warm-up, N times, and prints the median wall time and the median peak
RSS (from wait4's rusage), with the target. Cases: the built-in MNIST pipeline to .tar.gz for
gcp and onprem; large generated pipeline files when this mnistpipe can read pipeline files.

  bench/compile.py [--builddir DIR] [--runs N] [--markdown]
"""
import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time


def run_once(argv, env):
    # posix_spawn (vfork-like) so that the child's peak RSS is its own, not a copy of ours.
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        t0 = time.perf_counter()
        pid = os.posix_spawn(argv[0], argv, env, file_actions=[
            (os.POSIX_SPAWN_DUP2, devnull, 1), (os.POSIX_SPAWN_DUP2, devnull, 2)])
        _, status, usage = os.wait4(pid, 0)
        wall = time.perf_counter() - t0
    finally:
        os.close(devnull)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(argv)}: exit {os.waitstatus_to_exitcode(status)}")
    return wall, usage.ru_maxrss  # KiB on Linux


def median(xs):
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def bench(name, argv, env, runs, target):
    run_once(argv, env)  # warm-up: page cache, dynamic loader
    walls, rss = [], []
    for _ in range(runs):
        w, r = run_once(argv, env)
        walls.append(w)
        rss.append(r)
    return {"case": name, "wall_ms": median(walls) * 1e3, "rss_mb": median(rss) / 1024,
            "min_ms": min(walls) * 1e3, "target": target}


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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--builddir", default=os.environ.get("MP_TOP_BUILDDIR", "_build"))
    ap.add_argument("--runs", type=int, default=21)
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args()
    b = os.path.abspath(args.builddir)
    exe = os.path.join(b, "core", ".libs", "mnistpipe")
    if not os.path.exists(exe):
        exe = os.path.join(b, "core", "mnistpipe")
    env = dict(os.environ)
    env["MNISTPIPE_PLUGIN_PATH"] = os.path.join(b, "plugins", ".libs")
    env["LD_LIBRARY_PATH"] = os.path.join(b, "core", ".libs")
    env.pop("SOURCE_DATE_EPOCH", None)
    tmp = tempfile.mkdtemp(prefix="mnistpipe-bench-")
    try:
        out = os.path.join(tmp, "out.tar.gz")
        rows = [
            bench("MNIST gcp -> .tar.gz", [exe, "--plugin", "gcp", "compile", "-o", out], env,
                  args.runs, "<= 5 ms, <= 8 MB"),
            bench("MNIST onprem -> .tar.gz",
                  [exe, "--plugin", "onprem", "--pvc", "my-pvc", "compile", "-o", out], env,
                  args.runs, "<= 5 ms, <= 8 MB"),
            bench("baseline: mnistpipe --version", [exe, "--version"], env, args.runs, "-"),
            bench("baseline: /bin/true", ["/bin/true"], env, args.runs, "-"),
        ]
    finally:
        shutil.rmtree(tmp)
    print(f"# compile benchmark, {time.strftime('%Y-%m-%d')}, {machine()}")
    print(f"# whole process, median of {args.runs} runs after a warm-up")
    if args.markdown:
        print("| case | median wall | min wall | median peak RSS | target |")
        print("|---|---|---|---|---|")
        for r in rows:
            print(f"| {r['case']} | {r['wall_ms']:.2f} ms | {r['min_ms']:.2f} ms | "
                  f"{r['rss_mb']:.1f} MB | {r['target']} |")
    else:
        for r in rows:
            print(f"{r['case']:<32} {r['wall_ms']:8.2f} ms  (min {r['min_ms']:.2f})  "
                  f"{r['rss_mb']:6.1f} MB   target {r['target']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
