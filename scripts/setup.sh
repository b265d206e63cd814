#!/usr/bin/env bash
# Installs what building and testing wasmscope needs on a fresh Debian machine with
# rustup: the Rust components the checks use (rustfmt, clippy) and the
# wasm32-unknown-unknown target (the workbench's browser build; samples/build.sh adds the
# targets it needs itself). Idempotent; safe to run every time.
set -euo pipefail
if ! command -v cargo >/dev/null; then
    echo "setup: cargo is missing; install Rust with rustup first" >&2
    exit 1
fi
rustup component add rustfmt clippy >/dev/null 2>&1 || rustup component add rustfmt clippy
rustup target add wasm32-unknown-unknown >/dev/null 2>&1 || rustup target add wasm32-unknown-unknown
