#!/usr/bin/env bash
# Rebuilds every committed sample module; idempotent, single-job by default.
#
# 1. samples/bench: benchmark workloads for wasm32-unknown-unknown (release: opt-level 3,
#    LTO, panic=abort; no DWARF, name section kept) -> samples/bench/<name>.wasm.
# 2. samples/programs: WASI programs for wasm32-wasip1 with full DWARF (opt-level 1,
#    debug = 2), build-machine paths remapped -> samples/programs/<name>.wasm.
#
# samples/wat/*.wat are committed as text and need no build.
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

# ---------------------------------------------------------------------------------------
# WASI programs with DWARF.
programs_dir="$here/programs"
programs=(hello echo files divzero oob panic exit pattern table recursion longloop)

rustup target add wasm32-wasip1

# Keep build-machine paths out of the DWARF (and out of panic messages): the samples
# directory becomes /samples, crates.io sources /cargo, the toolchain /rustc (std's own
# DWARF already says /rustc/<commit>/...). Passed as CARGO_ENCODED_RUSTFLAGS (0x1f
# separated) so that paths with spaces survive.
sysroot="$(rustc --print sysroot)"
cargo_home="${CARGO_HOME:-$HOME/.cargo}"
flags=("--remap-path-prefix=$here=/samples" "--remap-path-prefix=$sysroot=/rustc")
here_physical="$(cd "$here" && pwd -P)"
if [ "$here_physical" != "$here" ]; then
    flags+=("--remap-path-prefix=$here_physical=/samples")
fi
shopt -s nullglob
for index in "$cargo_home"/registry/src/*/; do
    flags+=("--remap-path-prefix=${index%/}=/cargo")
done
shopt -u nullglob
encoded="$(IFS=$'\x1f'; echo "${flags[*]}")"

cd "$programs_dir"
RUSTFLAGS="" CARGO_ENCODED_RUSTFLAGS="$encoded" \
    cargo build --release --target wasm32-wasip1 \
    --target-dir "$programs_dir/target" -j "$jobs" \
    $(printf -- '-p %s ' "${programs[@]}")

# Check the fresh build before it replaces the committed modules: no build-machine path
# may remain, DWARF must be there, imports only from wasi_snapshot_preview1 (check.py,
# pure Python), plus a plain `strings | grep` for the paths where binutils is installed.
built=()
for name in "${programs[@]}"; do
    built+=("$programs_dir/target/wasm32-wasip1/release/$name.wasm")
done
if command -v strings >/dev/null 2>&1; then
    leaks=0
    for file in "${built[@]}"; do
        if strings -n 5 "$file" | grep -E '/root|/home|/work|/Users/' >&2; then
            echo "error: $file contains a build-machine path" >&2
            leaks=1
        fi
    done
    [ "$leaks" = 0 ] || exit 1
fi
python3 "$programs_dir/check.py" --forbid "$here" --forbid "$here_physical" \
    --forbid "$HOME" --forbid "$sysroot" --forbid "$cargo_home" "${built[@]}"

for name in "${programs[@]}"; do
    cp "$programs_dir/target/wasm32-wasip1/release/$name.wasm" "$programs_dir/$name.wasm"
    echo "$(wc -c < "$programs_dir/$name.wasm") bytes  samples/programs/$name.wasm"
done

# Optional: run every case of expected.toml on the Python `wasmtime` package, if it is
# installed (a verification aid only, not a dependency of the project).
if python3 -c "import wasmtime" >/dev/null 2>&1; then
    python3 "$programs_dir/verify.py"
else
    echo "note: Python package wasmtime not installed; skipped samples/programs/verify.py"
fi
