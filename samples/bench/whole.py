#!/usr/bin/env python3
"""Whole-process CPU time: `wasmscope run --interpreter --invoke run FILE N` against the
wasmi CLI (`wasmi --invoke run FILE N`) on the workloads of samples/bench, at their
recommended n, side by side in one run (the engines take turns in each round), and the
ratios. Each result is checked against expected.txt.

    cargo build --release -p wasmscope-cli
    cargo install wasmi_cli --version 2.0.0 --locked     # the `wasmi` binary
    python3 samples/bench/whole.py [--rounds 5] [--wasmi PATH] [--also NAME=BINARY ...] [WORKLOAD ...]

`--also old=/path/to/an/older/wasmscope` adds another build of ours as a column (a
before/after comparison in the same run). CPU time is user + system time of the child
(getrusage), the median of the rounds.
"""

import argparse
import math
import os
import resource
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def expected():
    """name -> (recommended n, checksum): the last line of each workload in expected.txt."""
    out = {}
    with open(os.path.join(HERE, "expected.txt")) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3:
                out[parts[0]] = (int(parts[1]), int(parts[2]))
    return out


def cpu_time(cmd):
    """Runs cmd; returns (CPU seconds of the child, stdout)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.strip()}")
    used = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return used, proc.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--wasmi", default=shutil.which("wasmi") or "wasmi")
    ap.add_argument(
        "--wasmscope", default=os.path.join(ROOT, "target", "release", "wasmscope")
    )
    ap.add_argument("--also", action="append", default=[], metavar="NAME=BINARY")
    ap.add_argument("workloads", nargs="*")
    args = ap.parse_args()

    want = expected()
    names = args.workloads or list(want)
    engines = [("ours", args.wasmscope)] + [tuple(a.split("=", 1)) for a in args.also]

    def command(engine, binary, path, n):
        if engine == "wasmi":
            return [binary, "--invoke", "run", path, str(n)]
        return [binary, "run", "--interpreter", "--invoke", "run", path, str(n)]

    columns = [name for name, _ in engines] + ["wasmi"]
    print(f"{'workload':<11} {'n':>7} " + " ".join(f"{c:>9}" for c in columns)
          + " " + " ".join(f"{c + '/wasmi':>12}" for c, _ in engines))
    logs = {name: 0.0 for name, _ in engines}
    for w in names:
        n, checksum = want[w]
        path = os.path.join(HERE, f"{w}.wasm")
        times = {c: [] for c in columns}
        runs = engines + [("wasmi", args.wasmi)]
        for r in range(args.rounds):
            order = runs[r % len(runs):] + runs[: r % len(runs)]
            for engine, binary in order:
                t, out = cpu_time(command(engine, binary, path, n))
                got = out.split()[0] if out.split() else ""
                if str(checksum) not in out:
                    sys.exit(f"{w} on {engine}: expected {checksum}, got {got!r}")
                times[engine].append(t)
        med = {c: sorted(v)[len(v) // 2] for c, v in times.items()}
        ratios = []
        for name, _ in engines:
            ratio = med[name] / med["wasmi"]
            logs[name] += math.log(ratio)
            ratios.append(ratio)
        print(f"{w:<11} {n:>7} " + " ".join(f"{med[c]:>8.3f}s" for c in columns)
              + " " + " ".join(f"{r:>12.2f}" for r in ratios))
    print("geometric mean " + " ".join(
        f"{name}/wasmi {math.exp(logs[name] / len(names)):.2f}" for name, _ in engines))


if __name__ == "__main__":
    main()
