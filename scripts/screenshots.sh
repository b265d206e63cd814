#!/usr/bin/env bash
# Regenerates screenshots/*.png: the release workbench under Xvfb, once per main view
# (`wasmscope-gui --demo VIEW`, the states `WorkbenchApp::demo_view` builds), plus
# screenshots/workbench.png (`--demo`: divzero paused before its trap, Source view).
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
APP=
trap 'kill $APP 2>/dev/null || true; kill "$XVFB" 2>/dev/null || true' EXIT
sleep 2
export DISPLAY=$DISPLAY_NUM
unset WAYLAND_DISPLAY
XDG_RUNTIME_DIR=$(mktemp -d)
export XDG_RUNTIME_DIR
mkdir -p screenshots

shot() { # shot OUTPUT ARGS...
    local out=$1
    shift
    "$BIN" "$@" &
    APP=$!
    sleep "${WAIT:-6}"
    import -window root "screenshots/$out.png"
    kill "$APP" 2>/dev/null || true
    wait "$APP" 2>/dev/null || true
    APP=
    echo "wrote screenshots/$out.png"
}

shot workbench --demo
for view in ${VIEWS:-code module memory traps modules tables calllog breakpoints exceptions catch time_travel watchpoints gc variables watch machine machine_call}; do
    shot "$view" --demo "$view"
done
