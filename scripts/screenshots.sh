#!/usr/bin/env bash
# Regenerates screenshots/workbench.png: the release workbench under Xvfb, opened with
# --demo (divzero paused at a breakpoint on the instruction that traps).
# Needs root for apt-get (skipped when the tools are already there).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v Xvfb >/dev/null || ! command -v import >/dev/null || ! command -v xdotool >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        xvfb xauth imagemagick xdotool x11-utils \
        libgl1 libegl1 libgl1-mesa-dri libglx-mesa0 libx11-6 libx11-xcb1 libxcursor1 libxi6 \
        libxrandr2 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1
fi

# Always (re)build the default binary, so a stale one never makes a stale picture.
if [ -z "${BIN:-}" ]; then
    cargo build --release -j2 -p wasmscope-gui
    BIN=target/release/wasmscope-gui
fi

DISPLAY_NUM=${DISPLAY_NUM:-:97}
Xvfb "$DISPLAY_NUM" -screen 0 1280x800x24 -nolisten tcp &
XVFB=$!
trap 'kill "$APP" 2>/dev/null || true; kill "$XVFB" 2>/dev/null || true' EXIT
sleep 2
export DISPLAY=$DISPLAY_NUM
unset WAYLAND_DISPLAY
XDG_RUNTIME_DIR=$(mktemp -d)
export XDG_RUNTIME_DIR
"$BIN" --demo &
APP=$!
sleep "${WAIT:-8}"
mkdir -p screenshots
import -window root screenshots/workbench.png
echo "wrote screenshots/workbench.png"
