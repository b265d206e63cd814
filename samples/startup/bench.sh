#!/usr/bin/env bash
# The start-up benchmark (BENCHMARKS.md, "Start-up"): `wasmscope run` against wasmi's CLI
# on the modules of get-modules.sh, each in its compilation modes, with hyperfine.
#
#   samples/startup/get-modules.sh                 # once
#   cargo build --release -p wasmscope-cli
#   cargo install wasmi_cli --version 2.0.0 --locked --root /tmp/wasmi-cli
#   samples/startup/bench.sh [DIR]
#
# WASMSCOPE and WASMI name the binaries (defaults: target/release/wasmscope,
# /tmp/wasmi-cli/bin/wasmi); RUNS the runs per command (default 15).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
dir="${1:-/tmp/wasmscope-startup}"
ws="${WASMSCOPE:-$root/target/release/wasmscope}"
wasmi="${WASMI:-/tmp/wasmi-cli/bin/wasmi}"
runs="${RUNS:-15}"
ruby_show='ruby-show-version: func() -> ()'
cmds=()
for mode in lazy-translation lazy eager; do
    cmds+=("$ws run --compilation-mode $mode $dir/synthetic-30mb.wasm")
    cmds+=("$wasmi run --compilation-mode $mode $dir/synthetic-30mb.wasm")
    cmds+=("$ws run --compilation-mode $mode $dir/yosys.wasm -V")
    cmds+=("$wasmi run --compilation-mode $mode $dir/yosys.wasm -V")
    # Ruby's build for JavaScript imports functions no WASI host has (never called to
    # print the version): wasmi's CLI cannot link it.
    cmds+=("$ws run --compilation-mode $mode --unknown-imports=trap --invoke '$ruby_show' $dir/ruby+stdlib.wasm")
done
for c in "${cmds[@]}"; do
    hyperfine -N --warmup 2 --runs "$runs" --style basic "$c" | grep -E "Benchmark|Time|Range"
done
