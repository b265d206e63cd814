#!/usr/bin/env python3
"""Checks the bench modules: no imports, exports `run` (i32 -> i64) and
`memory`, no DWARF (.debug_*) custom sections, `name` section present.
Pure Python, no dependencies. Usage: check_modules.py FILE.wasm..."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from wasmfile import MAGIC, exports as read_exports, leb, name, sections  # noqa: E402


def check(path):
    buf = open(path, "rb").read()
    errors = []
    if buf[:8] != MAGIC:
        return ["not a wasm 1.0 module"]
    types, funcs, imports, exports, customs = [], [], 0, {}, []
    for sid, pos, _ in sections(buf):
        if sid == 0:
            customs.append(name(buf, pos)[0])
        elif sid == 1:  # types
            count, p = leb(buf, pos)
            for _ in range(count):
                assert buf[p] == 0x60
                np, p = leb(buf, p + 1)
                params = list(buf[p:p + np])
                p += np
                nr, p = leb(buf, p)
                results = list(buf[p:p + nr])
                p += nr
                types.append((params, results))
        elif sid == 2:  # imports
            imports, _ = leb(buf, pos)
        elif sid == 3:  # functions
            count, p = leb(buf, pos)
            for _ in range(count):
                t, p = leb(buf, p)
                funcs.append(t)
        elif sid == 7:  # exports
            exports = read_exports(buf, pos)
    if imports:
        errors.append(f"{imports} imports (want none)")
    if exports.get("memory", (None,))[0] != 2:
        errors.append("no exported memory `memory`")
    run = exports.get("run")
    if run is None or run[0] != 0:
        errors.append("no exported function `run`")
    elif types[funcs[run[1] - imports]] != ([0x7F], [0x7E]):
        errors.append("`run` is not (i32) -> i64")
    if any(c.startswith(".debug") for c in customs):
        errors.append("has DWARF sections")
    if "name" not in customs:
        errors.append("no `name` section")
    return errors


def main():
    bad = 0
    for path in sys.argv[1:]:
        errors = check(path)
        print(f"{path}: {'ok' if not errors else '; '.join(errors)}")
        bad += bool(errors)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
