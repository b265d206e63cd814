#!/usr/bin/env python3
"""The compiler engine against wasmtime, side by side in one run.

wasmtime runs through its Python bindings (PyPI `wasmtime`, a prebuilt engine: installed
here with pip if missing); wasmscope through `cargo run --release --example engine_times`.
Both compile each workload of samples/bench once (timed), call `run(n)` once to warm up
and check the checksum, then time five calls and keep the median. Compile and execution
times are reported separately, with the ratio wasmscope/wasmtime and its geometric mean.

    python3 samples/bench/vs_wasmtime.py                       # the workloads
    python3 samples/bench/vs_wasmtime.py --compile FILE...     # compile throughput (MB/s)

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


def bench():
    wt = wasmtime_module()
    mine = {r["name"]: r for r in ours("bench")}
    print(f"{'workload':<12} {'n':>8} {'compile ours':>13} {'wasmtime':>10} {'ratio':>7}"
          f" {'run ours':>11} {'wasmtime':>11} {'ratio':>7}")
    logs_run, logs_compile = [], []
    for name, (n, checksum) in workloads().items():
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
        run_s = statistics.median(times)
        m = mine[name]
        rc, rr = m["compile_s"] / compile_s, m["run_s"] / run_s
        logs_compile.append(math.log(rc))
        logs_run.append(math.log(rr))
        print(f"{name:<12} {n:>8} {m['compile_s']*1e3:>10.1f} ms {compile_s*1e3:>7.1f} ms {rc:>7.2f}"
              f" {m['run_s']*1e3:>8.2f} ms {run_s*1e3:>8.2f} ms {rr:>7.2f}")
    gm = lambda logs: math.exp(sum(logs) / len(logs))
    print(f"geometric mean wasmscope/wasmtime: compile {gm(logs_compile):.2f}, run {gm(logs_run):.2f}")


def compile_throughput(files):
    wt = wasmtime_module()
    mine = {r["name"]: r for r in ours("compile", *files)}
    print(f"{'module':<40} {'MB':>7} {'ours s':>8} {'MB/s':>7} {'wasmtime s':>11} {'MB/s':>7}")
    for path in files:
        with open(path, "rb") as f:
            data = f.read()
        best = min(_timed(lambda: wt.Module(wt.Engine(), data)) for _ in range(3))
        mb = len(data) / 1e6
        m = mine[path]
        print(f"{os.path.basename(path):<40} {mb:>7.1f} {m['compile_s']:>8.2f} {mb/m['compile_s']:>7.1f}"
              f" {best:>11.2f} {mb/best:>7.1f}")


def _timed(f):
    t = time.perf_counter()
    f()
    return time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--compile", nargs="+", metavar="FILE", help="compile throughput of these modules")
    args = ap.parse_args()
    if args.compile:
        compile_throughput(args.compile)
    else:
        bench()


if __name__ == "__main__":
    main()
