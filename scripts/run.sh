#!/usr/bin/env bash
# The main job: run a sample program on the interpreter.
# (The workbench and the `wasmscope` command line will take over this script.)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo run --release -q -p wasmscope --example run_sample -- samples/bench/fib.wasm run 27
cargo run --release -q -p wasmscope --example run_sample -- samples/bench/sha256.wasm run 100000
