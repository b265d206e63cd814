#!/usr/bin/env python3
"""The compiler engine against wasmtime, side by side in one run.

wasmtime runs through its Python bindings (PyPI `wasmtime`, a prebuilt engine: installed
here with pip if missing); wasmscope through `cargo run --release --example engine_times`.
Both compile each workload of samples/bench once (timed), call `run(n)` once to warm up
and check the checksum, then time five calls and keep the median. Each of --rounds
rounds (3) does so on both engines, one after the other, and the best round of each is
kept: the machine's drift moves both alike. Compile and execution times are reported
separately, with the ratio wasmscope/wasmtime and its geometric mean.

    python3 samples/bench/vs_wasmtime.py                       # the workloads
    python3 samples/bench/vs_wasmtime.py --compile FILE...     # compile throughput (MB/s)

With --compile, each round compiles each module in a new process of
each engine, one after the other; the best of each engine and their ratio are printed.

The Python call overhead is a few microseconds per call: negligible against the
workloads' tens of milliseconds.
"""

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


def wasmtime_module():
    try:
        import wasmtime  # noqa: F401
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "wasmtime"], check=True)
    import wasmtime
    return wasmtime


def ours(*args):
    cmd = ["cargo", "run", "--quiet", "--release", "-p", "wasmscope", "--example", "engine_times", "--", *args]
    out = subprocess.run(cmd, cwd=REPO, check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def workloads():
    large = {}
    with open(os.path.join(HERE, "expected.txt")) as f:
        for line in f:
            p = line.split()
            if len(p) == 3:
                large[p[0]] = (int(p[1]), int(p[2]))
    return large


def wasmtime_times(wt, name, n, checksum):
    """wasmtime's compile time of workload `name` and the median of five calls."""
    with open(os.path.join(HERE, f"{name}.wasm"), "rb") as f:
        data = f.read()
    engine = wt.Engine()
    t = time.perf_counter()
    module = wt.Module(engine, data)
    compile_s = time.perf_counter() - t
    store = wt.Store(engine)
    instance = wt.Instance(store, module, [])
    run = instance.exports(store)["run"]
    assert run(store, n) == checksum, f"{name} checksum (wasmtime)"
    times = []
    for _ in range(5):
        t = time.perf_counter()
        run(store, n)
        times.append(time.perf_counter() - t)
    return compile_s, statistics.median(times)


def bench(rounds):
    """Each round runs each workload on both engines, one after the other (ours in a new
    process): a machine whose speed drifts moves both alike. The best of the rounds
    is reported."""
    wt = wasmtime_module()
    ours("compile")  # builds the example first
    print(f"{'workload':<12} {'n':>8} {'compile ours':>13} {'wasmtime':>10} {'ratio':>7}"
          f" {'run ours':>11} {'wasmtime':>11} {'ratio':>7}")
    logs_run, logs_compile = [], []
    for name, (n, checksum) in workloads().items():
        mine_c, mine_r, theirs_c, theirs_r = [], [], [], []
        for _ in range(rounds):
            m = ours_only(name)
            mine_c.append(m["compile_s"])
            mine_r.append(m["run_s"])
            c, r = wasmtime_times(wt, name, n, checksum)
            theirs_c.append(c)
            theirs_r.append(r)
        mc, mr, tc, tr = min(mine_c), min(mine_r), min(theirs_c), min(theirs_r)
        rc, rr = mc / tc, mr / tr
        logs_compile.append(math.log(rc))
        logs_run.append(math.log(rr))
        print(f"{name:<12} {n:>8} {mc*1e3:>10.1f} ms {tc*1e3:>7.1f} ms {rc:>7.2f}"
              f" {mr*1e3:>8.2f} ms {tr*1e3:>8.2f} ms {rr:>7.2f}")
    gm = lambda logs: math.exp(sum(logs) / len(logs))
    print(f"geometric mean wasmscope/wasmtime: compile {gm(logs_compile):.2f}, run {gm(logs_run):.2f}")


def ours_only(name):
    """Our times of workload `name` (engine_times bench, BENCH_ONLY)."""
    cmd = ["cargo", "run", "--quiet", "--release", "-p", "wasmscope", "--example", "engine_times", "--", "bench"]
    env = dict(os.environ, BENCH_ONLY=name)
    out = subprocess.run(cmd, cwd=REPO, env=env, check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")][0]


def compile_throughput(files, rounds):
    """Each round compiles each module once in a new process of each engine, the two
    engines one after the other: a machine whose speed drifts between sittings moves
    both alike. The best of the rounds is reported, and the ratio of the two bests."""
    wasmtime_module()
    ours("compile")  # builds the example first, outside the timing
    wt_code = (
        "import sys, time, wasmtime\n"
        "d = open(sys.argv[1], 'rb').read()\n"
        "t = time.perf_counter(); wasmtime.Module(wasmtime.Engine(), d)\n"
        "print(time.perf_counter() - t)\n"
    )
    env = dict(os.environ, COMPILE_RUNS="1")
    print(f"{'module':<40} {'MB':>7} {'ours s':>8} {'MB/s':>7} {'wasmtime s':>11} {'MB/s':>7} {'ratio':>6}")
    for path in files:
        with open(path, "rb") as f:
            mb = len(f.read()) / 1e6
        mine, theirs = [], []
        for _ in range(rounds):
            cmd = ["cargo", "run", "--quiet", "--release", "-p", "wasmscope", "--example",
                   "engine_times", "--", "compile", path]
            out = subprocess.run(cmd, cwd=REPO, env=env, check=True, capture_output=True, text=True)
            mine.append(json.loads(out.stdout.splitlines()[-1])["compile_s"])
            out = subprocess.run([sys.executable, "-c", wt_code, path], check=True,
                                 capture_output=True, text=True)
            theirs.append(float(out.stdout.strip()))
        m, w = min(mine), min(theirs)
        print(f"{os.path.basename(path):<40} {mb:>7.1f} {m:>8.2f} {mb/m:>7.1f}"
              f" {w:>11.2f} {mb/w:>7.1f} {m/w:>6.2f}")
        print(f"  rounds (ours/wasmtime): " + ", ".join(f"{a:.2f}/{b:.2f}" for a, b in zip(mine, theirs)))


def _timed(f):
    t = time.perf_counter()
    f()
    return time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--compile", nargs="+", metavar="FILE", help="compile throughput of these modules")
    ap.add_argument("--rounds", type=int, default=3, help="rounds of both engines (the best is kept)")
    args = ap.parse_args()
    if args.compile:
        compile_throughput(args.compile, args.rounds)
    else:
        bench(args.rounds)


if __name__ == "__main__":
    main()
