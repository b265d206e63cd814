#!/usr/bin/env bash
# Instruction counts (valgrind's callgrind: repeatable, unlike wall clock on a shared
# machine) of one call of each workload's run(n), on wasmscope's interpreter and on
# wasmi 2.0 (the crate), only inside the call (no start-up, no module compile), and
# their ratio. Usage: samples/bench/counts.sh [WORKLOAD...]   (default: all eight)
# Each n is the workload's small n from expected.txt times SCALE (default 4).
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release -q -p wasmscope --example peer_call
bin=target/release/examples/peer_call
scale=${SCALE:-4}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
count() { # engine file n -> instructions
    valgrind --tool=callgrind --callgrind-out-file="$tmp/out" \
        --toggle-collect='peer_call::measured*' "$bin" "$1" "$2" "$3" >"$tmp/stdout" 2>"$tmp/stderr" \
        || { cat "$tmp/stderr" >&2; exit 1; }
    grep -E '^(summary|totals):' "$tmp/out" | head -1 | awk '{print $2}'
}
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
    names=(bytecode fib mandelbrot matmul nbody sha256 sort simd)
fi
printf '%-11s %8s %14s %14s %8s\n' workload n interpreter wasmi ratio
logsum=0
for name in "${names[@]}"; do
    small=$(awk -v w="$name" '$1 == w {print $2; exit}' samples/bench/expected.txt)
    n=$((small * scale))
    [ "$name" = fib ] && n=$((small + 3))   # fib grows exponentially: +3 is about x4
    ours=$(count interpreter "samples/bench/$name.wasm" "$n")
    theirs=$(count wasmi "samples/bench/$name.wasm" "$n")
    ratio=$(awk -v a="$ours" -v b="$theirs" 'BEGIN {printf "%.2f", a / b}')
    logsum=$(awk -v s="$logsum" -v r="$ratio" 'BEGIN {print s + log(r)}')
    printf '%-11s %8s %14s %14s %8s\n' "$name" "$n" "$ours" "$theirs" "$ratio"
done
awk -v s="$logsum" -v k="${#names[@]}" 'BEGIN {printf "geometric mean of the ratios: %.2f\n", exp(s / k)}'
