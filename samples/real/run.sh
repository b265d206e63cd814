#!/usr/bin/env bash
# Real third-party WASI programs on `wasmscope run` against wasmtime recordings.
# Downloads the pinned packages into samples/real/.cache/ (not in git) on first use.
# Options: see `bash samples/real/run.sh --help` (run.py).
set -euo pipefail
exec python3 "$(dirname "${BASH_SOURCE[0]}")/run.py" "$@"
