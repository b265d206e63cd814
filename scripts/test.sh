#!/usr/bin/env bash
# The whole test run: set-up, the core's layering (no import cycle: scripts/check-layers.py),
# formatting, lints (benchmarks and examples included), and
# every test of the workspace (the spec testsuite included). CI runs exactly this.
# Not here: the peer benchmark (`cargo bench -p wasmscope --bench peers -- --quick` for a
# smoke run; it needs the bench profile: under the test profile wasmi's tail-call
# dispatch overflows the stack) and the browser build (`bash scripts/web.sh check`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
python3 scripts/check-layers.py
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
cargo test --workspace
# The interpreter's fast path in the other dispatch it has (a loop over its handlers, as
# in unoptimised builds and the browser; core/build.rs), on the spec testsuite, its own
# tests and the sample programs (core's and the CLI's). `--workspace`, not `-p wasmscope`:
# the same features as the build above, so that only the crates that see the dispatch
# are built again (with `-p`, features unified over the core alone rebuilt 139 crates,
# Cranelift among them: 3.7 of this step's 4.4 minutes).
WASMSCOPE_LOOP_DISPATCH=1 cargo test --workspace --test spec --test dispatch --test samples
