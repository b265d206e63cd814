#!/usr/bin/env bash
# Rebuilds every committed sample module; idempotent, single-job by default.
#
# 1. samples/bench: benchmark workloads for wasm32-unknown-unknown (release: opt-level 3,
#    LTO, panic=abort; no DWARF, name section kept) -> samples/bench/<name>.wasm.
# 2. samples/programs: WASI programs for wasm32-wasip1 with full DWARF (opt-level 1,
#    debug = 2; `vars` at opt-level 0), build-machine paths remapped
#    -> samples/programs/<name>.wasm.
# 3. samples/c: WASI programs in C with DWARF (-O0 -g), built with Debian's clang-14 and
#    wasi-libc when they are installed (skipped with a note otherwise)
#    -> samples/c/<name>.wasm.
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
programs=(hello echo files divzero oob panic exit pattern table recursion longloop vars)

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

# ---------------------------------------------------------------------------------------
# WASI programs in C with DWARF: Debian's clang-14 and wasi-libc
#   apt-get install clang-14 lld-14 wasi-libc libclang-rt-14-dev-wasm32
# Debian's wasi-libc is laid out for `--sysroot=/usr` (/usr/include/wasm32-wasi,
# /usr/lib/wasm32-wasi); CLANG and WASI_SYSROOT override the defaults. -O0 so that every
# variable is readable; `always_inline` functions are still inlined. The samples directory
# becomes /samples in the DWARF (each program is compiled from there as `c/<name>.c`, so
# its DW_AT_name is `c/<name>.c` and DW_AT_comp_dir `/samples`). Deterministic: the same
# packages give byte-identical modules.
c_dir="$here/c"
c_programs=(vars)
clang="${CLANG:-clang-14}"
wasi_sysroot="${WASI_SYSROOT:-/usr}"
if command -v "$clang" >/dev/null 2>&1 && [ -f "$wasi_sysroot/lib/wasm32-wasi/libc.a" ] \
    && [ -f "$wasi_sysroot/lib/wasm32-wasi/crt1-command.o" ]; then
    mkdir -p "$c_dir/target"
    c_built=()
    for name in "${c_programs[@]}"; do
        (cd "$here" && "$clang" --target=wasm32-wasi --sysroot="$wasi_sysroot" -g -O0 \
            -Wall -Wextra -Werror \
            "-fdebug-prefix-map=$here=/samples" "-fdebug-prefix-map=$here_physical=/samples" \
            -o "$c_dir/target/$name.wasm" "c/$name.c")
        c_built+=("$c_dir/target/$name.wasm")
    done
    # Same checks as for the Rust programs. Debian's wasi-libc brings its own DWARF, with
    # relative paths (`./libc-top-half/...`, comp_dir `.`) and clang's header directory
    # `/usr/lib/llvm-14/lib/clang/14.0.6/include` from Debian's build: not paths of this
    # machine, so not rejected.
    if command -v strings >/dev/null 2>&1; then
        for file in "${c_built[@]}"; do
            if strings -n 5 "$file" | grep -E '/root|/home|/work|/Users/' >&2; then
                echo "error: $file contains a build-machine path" >&2
                exit 1
            fi
        done
    fi
    python3 "$programs_dir/check.py" --forbid "$here" --forbid "$here_physical" \
        --forbid "$HOME" "${c_built[@]}"
    for name in "${c_programs[@]}"; do
        cp "$c_dir/target/$name.wasm" "$c_dir/$name.wasm"
        echo "$(wc -c < "$c_dir/$name.wasm") bytes  samples/c/$name.wasm"
    done
else
    echo "note: $clang or the WASI sysroot ($wasi_sysroot/lib/wasm32-wasi) not found;" \
        "skipped samples/c (apt-get install clang-14 lld-14 wasi-libc libclang-rt-14-dev-wasm32)"
fi

# Optional: samples/variables.toml against the DWARF of the debugging samples (needs
# llvm-dwarfdump; the program output too when `wasmtime` is there), if both modules exist.
if [ -f "$c_dir/vars.wasm" ] && { command -v llvm-dwarfdump >/dev/null 2>&1 \
    || compgen -c llvm-dwarfdump- >/dev/null; }; then
    python3 "$here/check_variables.py"
else
    echo "note: llvm-dwarfdump or samples/c/vars.wasm missing; skipped samples/check_variables.py"
fi

# Optional: run every case of expected.toml on the Python `wasmtime` package, if it is
# installed (a verification aid only, not a dependency of the project).
if python3 -c "import wasmtime" >/dev/null 2>&1; then
    python3 "$programs_dir/verify.py"
else
    echo "note: Python package wasmtime not installed; skipped samples/programs/verify.py"
fi
