#!/usr/bin/env python3
"""Checks the sample programs (samples/programs/*.wasm, and the C ones, samples/c/*.wasm,
whose C library brings DWARF with Debian's relative build paths): a WASI command module
(exports `_start` and `memory`), imports only from `wasi_snapshot_preview1`, DWARF
present (`.debug_info`, `.debug_line`, `.debug_abbrev`, `.debug_str` custom sections)
and no build-machine path anywhere in the file (/root, /home, /work, /Users, and each
--forbid PREFIX). Pure Python, no dependencies.

Usage: check.py [--forbid PREFIX]... FILE.wasm..."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from wasmfile import MAGIC, exports as read_exports, leb, name, sections  # noqa: E402

WASI = "wasi_snapshot_preview1"
DWARF = (".debug_info", ".debug_line", ".debug_abbrev", ".debug_str")
MACHINE_PATHS = ["/root", "/home", "/work", "/Users/"]


def skip_limits(buf, pos):
    flags = buf[pos]
    _, pos = leb(buf, pos + 1)
    if flags & 1:
        _, pos = leb(buf, pos)
    return pos


def check(path, forbidden):
    buf = open(path, "rb").read()
    errors = []
    if buf[:8] != MAGIC:
        return ["not a wasm 1.0 module"]
    imports, exports, customs = [], {}, []
    for sid, pos, _ in sections(buf):
        if sid == 0:
            customs.append(name(buf, pos)[0])
        elif sid == 2:  # imports
            count, p = leb(buf, pos)
            for _ in range(count):
                module, p = name(buf, p)
                field, p = name(buf, p)
                kind = buf[p]
                p += 1
                if kind == 0:  # func: type index
                    _, p = leb(buf, p)
                elif kind == 1:  # table: reftype + limits
                    p = skip_limits(buf, p + 1)
                elif kind == 2:  # memory: limits
                    p = skip_limits(buf, p)
                elif kind == 3:  # global: valtype + mutability
                    p += 2
                else:
                    errors.append(f"unknown import kind {kind}")
                    break
                imports.append((module, field))
        elif sid == 7:  # exports
            exports = read_exports(buf, pos)
    foreign = sorted({m for m, _ in imports if m != WASI})
    if foreign:
        errors.append(f"imports from {', '.join(foreign)} (want only {WASI})")
    if exports.get("_start", (None,))[0] != 0:
        errors.append("no exported function `_start`")
    if exports.get("memory", (None,))[0] != 2:
        errors.append("no exported memory `memory`")
    missing = [s for s in DWARF if s not in customs]
    if missing:
        errors.append(f"missing DWARF sections {', '.join(missing)}")
    for prefix in MACHINE_PATHS + forbidden:
        at = buf.find(prefix.encode())
        if at >= 0:
            end = at
            while end < len(buf) and 0x20 <= buf[end] < 0x7F:
                end += 1
            errors.append(f"build-machine path at byte {at}: {buf[at:end][:120].decode()}")
    return errors


def main(argv):
    forbidden, files = [], []
    args = iter(argv)
    for arg in args:
        if arg == "--forbid":
            prefix = next(args).rstrip("/")
            if prefix and prefix != "/":
                forbidden.append(prefix)
        else:
            files.append(arg)
    if not files:
        print(__doc__, file=sys.stderr)
        return 2
    bad = 0
    for path in files:
        errors = check(path, forbidden)
        print(f"{path}: {'ok' if not errors else '; '.join(errors)}")
        bad += bool(errors)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
