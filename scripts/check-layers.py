#!/usr/bin/env python3
"""Checks that the modules of core/src import each other one way only.

Every module (a file of core/src; `interp::exec` for core/src/interp/exec.rs) has a place
in LAYERS, lowest first. A module may use modules below it, never one above it: then
there can be no import cycle. Uses are the paths a module names: `crate::a::b`,
`super::x`, and `use crate::{...}` / `use super::{...}` groups (test modules excluded).

Upward uses that are known and still to be removed are listed in
core/layer-exceptions.txt, one `from -> to` per line. That list may only shrink: the
check fails on an upward use that is not listed, and on a listed one that no longer
exists (remove it from the list).

    python3 scripts/check-layers.py          # the check (exit 1 on a failure)
    python3 scripts/check-layers.py --graph  # every module's uses
"""

import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "core", "src")
EXCEPTIONS = os.path.join(ROOT, "..", "layer-exceptions.txt")

# Lowest first. ARCHITECTURE.md's code map follows this order.
LAYERS = """
names types machine gctypes heap values source error input dwarf expr variables features options linear inspect
wasi::abi wasi::errno wasi::clock wasi::fs wasi::mem wasi::memfs wasi::hostfs wasi::fd
wasi::context
module interp::num interp::simd interp::instr interp::heights interp::hot interp::translate
compiler::roots compiler::signals compiler::ops compiler::simd compiler::translate compiler::code compiler::persist
interp::code
listener store interp::gc interp::checkpoint interp::exec interp compiler::exec compiler
cache config rt compiled handles host instantiate runtime execution stubs
wasi::preview1 wasi::describe wasi
""".split()


def modules():
    found = {}
    for dirpath, _, files in os.walk(ROOT):
        for f in files:
            if not f.endswith(".rs"):
                continue
            rel = os.path.relpath(os.path.join(dirpath, f), ROOT)[:-3].split(os.sep)
            if rel[-1] in ("mod", "lib"):
                rel = rel[:-1]
            if rel:
                found["::".join(rel)] = os.path.join(dirpath, f)
    return found


def expand(tree):
    """`a::{b, c::{d}}` -> ["a::b", "a::c::d"]."""
    tree = re.sub(r"\s+as\s+\w+", "", tree)
    tree = re.sub(r"\s+", "", tree)
    out = []

    def walk(prefix, s):
        depth, start, parts = 0, 0, []
        for i, ch in enumerate(s):
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
            elif ch == "," and depth == 0:
                parts.append(s[start:i])
                start = i + 1
        parts.append(s[start:])
        for p in parts:
            if not p:
                continue
            if "{" in p:
                head, rest = p.split("{", 1)
                walk(prefix + head, rest[: rest.rfind("}")])
            else:
                out.append(prefix + p)

    walk("", tree)
    return out


def strip_test_modules(src):
    """The source without its `#[cfg(test)] mod name { ... }` blocks."""
    while True:
        m = re.search(r"#\[cfg\(test\)\]\s*mod\s+\w+\s*\{", src)
        if not m:
            return src
        depth = 0
        for k in range(m.end() - 1, len(src)):
            depth += {"{": 1, "}": -1}.get(src[k], 0)
            if depth == 0:
                break
        src = src[: m.start()] + src[k + 1 :]


def uses(name, path, names):
    src = open(path, encoding="utf-8").read()
    src = strip_test_modules(src)
    src = re.sub(r"//[^\n]*", "", src)
    parent = name.rsplit("::", 1)[0] if "::" in name else ""
    paths = []
    for m in re.finditer(r"\buse\s+(crate|super)::([^;]*);", src):
        for p in expand(m.group(2)):
            paths.append((m.group(1), p))
    for m in re.finditer(r"\b(crate|super)::([a-z_0-9]+(?:::[a-z_0-9]+)*)", src):
        paths.append((m.group(1), m.group(2)))
    found = set()
    for base, p in paths:
        full = p if base == "crate" else (parent + "::" + p if parent else p)
        segs = full.strip(":").split("::")
        for i in range(len(segs), 0, -1):
            candidate = "::".join(segs[:i])
            if candidate in names:
                if candidate != name and not name.startswith(candidate + "::"):
                    found.add(candidate)
                break
    return found


def main():
    mods = modules()
    names = set(mods)
    graph = {m: uses(m, p, names) for m, p in sorted(mods.items())}
    if "--graph" in sys.argv:
        for m, targets in graph.items():
            print(f"{m} -> {', '.join(sorted(targets))}")
        return 0
    failures = []
    missing = sorted(names - set(LAYERS))
    if missing:
        failures.append(f"modules without a layer (add them to LAYERS): {', '.join(missing)}")
    rank = {m: i for i, m in enumerate(LAYERS)}
    upward = {
        (m, t)
        for m, targets in graph.items()
        for t in targets
        if m in rank and t in rank and rank[t] > rank[m]
    }
    listed = set()
    if os.path.exists(EXCEPTIONS):
        for line in open(EXCEPTIONS, encoding="utf-8"):
            line = line.split("#")[0].strip()
            if line:
                a, b = (s.strip() for s in line.split("->"))
                listed.add((a, b))
    for a, b in sorted(upward - listed):
        failures.append(f"{a} uses {b}, which is above it (see LAYERS in {__file__})")
    for a, b in sorted(listed - upward):
        failures.append(f"{a} -> {b} is listed in core/layer-exceptions.txt but gone: remove it")
    for f in failures:
        print(f"check-layers: {f}")
    print(
        f"check-layers: {len(names)} modules, {sum(map(len, graph.values()))} uses, "
        f"{len(upward & listed)} known upward uses left (core/layer-exceptions.txt)"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
