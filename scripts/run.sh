#!/usr/bin/env bash
# The main job: the `wasmscope` command line running sample programs, then the
# workbench on a built-in sample.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo build --release -q -p wasmscope-cli
bin=target/release/wasmscope
$bin run samples/programs/hello.wasm
$bin run --env GREETING=hi samples/programs/echo.wasm -- one two
# A trap, with its source lines (exit code 1 is expected here).
$bin run samples/programs/divzero.wasm || echo "(exit code $?)"
$bin inspect samples/programs/hello.wasm | head -20

# The workbench on a built-in sample: in a window when there is a display, otherwise
# under Xvfb, captured to screenshots/workbench.png.
cargo build --release -q -p wasmscope-gui
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
    target/release/wasmscope-gui --demo
else
    BIN=target/release/wasmscope-gui bash scripts/screenshots.sh
fi
