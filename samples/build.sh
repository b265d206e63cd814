#!/usr/bin/env bash
# Builds the benchmark workloads in samples/bench for wasm32-unknown-unknown
# (release: opt-level 3, LTO, panic=abort; no DWARF, name section kept) and
# copies each module to samples/bench/<name>.wasm.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bench="$here/bench"
target_dir="$bench/target"
workloads=(fib sha256 nbody mandelbrot sort matmul bytecode)

rustup target add wasm32-unknown-unknown

# Default -j1: the machine is small and usually shared with other builds.
jobs="${CARGO_BUILD_JOBS:-1}"

cd "$bench"
# Ignore any RUSTFLAGS from the environment (e.g. target-cpu=native) so the
# committed modules are reproducible.
RUSTFLAGS="" CARGO_ENCODED_RUSTFLAGS="" \
    cargo build --release --target wasm32-unknown-unknown \
    --target-dir "$target_dir" -j "$jobs" \
    $(printf -- '-p %s ' "${workloads[@]}")

# The SIMD workload is built with the simd128 target feature (its own target dir, so
# the flag does not leak into the other workloads).
RUSTFLAGS="-C target-feature=+simd128" CARGO_ENCODED_RUSTFLAGS="" \
    cargo build --release --target wasm32-unknown-unknown \
    --target-dir "$target_dir/simd128" -j "$jobs" -p simd
cp "$target_dir/simd128/wasm32-unknown-unknown/release/simd.wasm" "$bench/simd.wasm"
echo "$(wc -c < "$bench/simd.wasm") bytes  samples/bench/simd.wasm"

for name in "${workloads[@]}"; do
    cp "$target_dir/wasm32-unknown-unknown/release/$name.wasm" "$bench/$name.wasm"
    echo "$(wc -c < "$bench/$name.wasm") bytes  samples/bench/$name.wasm"
done

# Sanity check (pure Python, optional): no imports, `run: (i32) -> i64` and
# `memory` exported, no DWARF, name section present.
if command -v python3 >/dev/null 2>&1; then
    python3 "$bench/check_modules.py" $(printf -- "$bench/%s.wasm " "${workloads[@]}" simd)
fi
