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
# LLDB 22 (lldb-22, with lldb-dap-22 and its WebAssembly plugin) for the tests of
# `wasmscope run -g` and `wasmscope dap` against LLDB (cli/tests/lldb.rs).
if ! command -v lldb-22 >/dev/null || ! command -v lldb-dap-22 >/dev/null; then
    SUDO=""
    if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
    $SUDO apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq lldb-22 >/dev/null
fi
