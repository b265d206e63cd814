#!/usr/bin/env bash
# The browser build of the workbench (wasm32-unknown-unknown, eframe's WebRunner, glow on
# WebGL2).
#
#   bash scripts/web.sh build          # -> target/web/dist (index.html, wasmscope-gui.js, wasmscope-gui_bg.wasm)
#   bash scripts/web.sh serve [PORT]   # serve target/web/dist on http://127.0.0.1:PORT/ (default 8765)
#   bash scripts/web.sh check [PORT]   # build, serve, and drive it in headless Chromium with
#                                      # Playwright (scripts/web-check.mjs); writes screenshots/web.png
#
# Open http://127.0.0.1:8765/?sample=hello for a built-in sample, ?demo for the demo state.
#
# Size: the release profile is tuned for this build only, through CARGO_PROFILE_RELEASE_*
# (opt-level "s", fat LTO, one codegen unit, no debug info; the workspace's profile and
# the native builds are untouched), then `wasm-opt` from npm's binaryen (installed into
# target/web/binaryen; Debian's binaryen 108 is too old: it breaks wasm-bindgen 0.2.130's
# output). The samples are not embedded in the wasm: they are copied into dist/samples/
# and fetched when opened. WASM_OPT=off skips wasm-opt (e.g. to compare).
# `check` may need root: it installs Debian's chromium with apt-get when /usr/bin/chromium is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

DIST=target/web/dist
PW_DIR=target/web/playwright
BINARYEN_DIR=target/web/binaryen
BINARYEN_VERSION=132.0.0
# -O2: of -O1/-O2/-Os/-Oz (gui/README.md, Web build) it gives nearly the smallest code
# for a minute of CPU (-Os/-Oz take 7 to 8 minutes for 1 to 3 % less). The features
# (bulk memory, reference types, ...) come from the module's target_features section.
WASM_OPT_FLAGS=(-O2)
DEFAULT_PORT=8765

# The wasm-bindgen version in Cargo.lock: wasm-bindgen-cli must match it exactly.
lock_wasm_bindgen_version() {
    awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

build() {
    rustup target add wasm32-unknown-unknown >/dev/null 2>&1 || rustup target add wasm32-unknown-unknown
    local want have
    want=$(lock_wasm_bindgen_version)
    if [ -z "$want" ]; then
        echo "web.sh: no wasm-bindgen in Cargo.lock" >&2
        exit 1
    fi
    have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
    if [ "$have" != "$want" ]; then
        echo "web.sh: installing wasm-bindgen-cli $want (found: ${have:-none}); this takes several minutes"
        # Not --locked: the CLI's own lockfile pins a webpki-roots the index lacks here.
        nice cargo install wasm-bindgen-cli --version "$want"
    fi
    # The release profile for this build only (environment, not Cargo.toml): smallest code.
    CARGO_PROFILE_RELEASE_OPT_LEVEL=s CARGO_PROFILE_RELEASE_LTO=fat \
        CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1 CARGO_PROFILE_RELEASE_DEBUG=false \
        nice cargo build --release --target wasm32-unknown-unknown -p wasmscope-gui
    rm -rf "$DIST"
    mkdir -p "$DIST/samples"
    # Without the name section (1.2 MB of function names, only for stack traces).
    wasm-bindgen --target web --no-typescript --remove-name-section --remove-producers-section \
        --out-dir "$DIST" target/wasm32-unknown-unknown/release/wasmscope-gui.wasm
    local wasm=$DIST/wasmscope-gui_bg.wasm
    if [ "${WASM_OPT:-on}" != off ]; then
        install_binaryen
        local before
        before=$(stat -c %s "$wasm")
        nice "$BINARYEN_DIR/node_modules/.bin/wasm-opt" "${WASM_OPT_FLAGS[@]}" "$wasm" -o "$wasm.opt"
        mv "$wasm.opt" "$wasm"
        echo "web.sh: wasm-opt ${WASM_OPT_FLAGS[0]}: $before -> $(stat -c %s "$wasm") bytes"
    fi
    cp gui/web/index.html "$DIST/"
    # The samples the Open view offers (views::open::SAMPLE_NAMES), fetched on demand.
    cp samples/programs/*.wasm samples/wat/*.wat "$DIST/samples/"
    echo "web.sh: built $DIST: wasm $(stat -c %s "$wasm") bytes" \
        "(gzip -9: $(gzip -9c "$wasm" | wc -c)), js $(stat -c %s "$DIST/wasmscope-gui.js") bytes," \
        "samples/ $(du -sh "$DIST/samples" | cut -f1)"
}

# binaryen's wasm-opt, from npm at a fixed version, into target/web/binaryen.
install_binaryen() {
    local have
    have=$(node -p "require('./$BINARYEN_DIR/node_modules/binaryen/package.json').version" 2>/dev/null || true)
    if [ "$have" != "$BINARYEN_VERSION" ]; then
        echo "web.sh: installing binaryen $BINARYEN_VERSION (npm) into $BINARYEN_DIR"
        mkdir -p "$BINARYEN_DIR"
        (cd "$BINARYEN_DIR" && { [ -f package.json ] || echo '{"private": true}' >package.json; } &&
            npm install --no-audit --no-fund "binaryen@$BINARYEN_VERSION")
    fi
}

serve() {
    local port=${1:-$DEFAULT_PORT}
    if [ ! -f "$DIST/index.html" ]; then
        echo "web.sh: $DIST is missing; run 'bash scripts/web.sh build' first" >&2
        exit 1
    fi
    echo "web.sh: serving $DIST on http://127.0.0.1:$port/ (try ?sample=hello or ?demo)"
    # http.server sends .wasm as application/wasm, which instantiateStreaming needs.
    exec python3 -m http.server "$port" --bind 127.0.0.1 --directory "$DIST"
}

check() {
    local port=${1:-$DEFAULT_PORT}
    local start=$SECONDS
    build
    if [ ! -x /usr/bin/chromium ]; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium
    fi
    if [ ! -f "$PW_DIR/node_modules/playwright-core/package.json" ]; then
        mkdir -p "$PW_DIR"
        # Only the driver; never `npx playwright install` (it downloads its own browsers).
        (cd "$PW_DIR" && { [ -f package.json ] || echo '{"private": true}' >package.json; } &&
            npm install --no-audit --no-fund playwright-core)
    fi
    local log=target/web/server.log
    if python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" 2>/dev/null; then
        echo "web.sh: port $port is already in use; pass another: bash scripts/web.sh check PORT" >&2
        exit 1
    fi
    python3 -m http.server "$port" --bind 127.0.0.1 --directory "$DIST" >"$log" 2>&1 &
    SERVER_PID=$!
    trap 'kill "$SERVER_PID" 2>/dev/null || true' EXIT
    local server=$SERVER_PID
    # Wait until the server answers (it fails at once if the port is taken).
    local i
    for i in $(seq 50); do
        if python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/index.html')" 2>/dev/null; then
            break
        fi
        if ! kill -0 "$server" 2>/dev/null; then
            echo "web.sh: the server on port $port did not start:" >&2
            cat "$log" >&2
            exit 1
        fi
        sleep 0.2
    done
    mkdir -p screenshots
    local check_start=$SECONDS
    PLAYWRIGHT_DIR="$PWD/$PW_DIR" node scripts/web-check.mjs "http://127.0.0.1:$port/" screenshots/web.png
    echo "web.sh: check passed (browser part $((SECONDS - check_start)) s, all $((SECONDS - start)) s)"
}

case "${1:-}" in
    build) build ;;
    serve) shift; serve "$@" ;;
    check) shift; check "$@" ;;
    *)
        echo "usage: bash scripts/web.sh build | serve [PORT] | check [PORT]" >&2
        exit 2
        ;;
esac
