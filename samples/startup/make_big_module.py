#!/usr/bin/env python3
"""Writes a large synthetic WASI command module for the start-up benchmark
(BENCHMARKS.md, "Start-up"): `_start` calls `proc_exit(0)` at once, and the rest of the
module is code that never runs (by default about 30 MB of it, in functions of about
750 bytes, like compiled C: loads and stores, arithmetic on locals, blocks, loops and
calls). Deterministic: the same arguments give the same bytes. Pure Python.

    python3 samples/startup/make_big_module.py OUT.wasm [SIZE_MB]
"""

import random
import sys


def uleb(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def sleb(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if (n == 0 and not b & 0x40) or (n == -1 and b & 0x40):
            out.append(b)
            return bytes(out)
        out.append(b | 0x80)


def vec(items):
    return uleb(len(items)) + b"".join(items)


def name(s):
    return uleb(len(s)) + s.encode()


def section(sid, payload):
    return bytes([sid]) + uleb(len(payload)) + payload


I32, I64 = 0x7F, 0x7E
# Locals of every generated function: params 0, 1 (i32), locals 2, 3 (i32), 4 (i64).
A, B, C, D, W = 0, 1, 2, 3, 4


def get(i):
    return b"\x20" + uleb(i)


def set_(i):
    return b"\x21" + uleb(i)


def tee(i):
    return b"\x22" + uleb(i)


def i32c(v):
    return b"\x41" + sleb(v)


def memarg(align, offset):
    return uleb(align) + uleb(offset)


def statement(rng, first_func, n_funcs):
    """One balanced statement (leaves the operand stack as it found it)."""
    x, y, z = rng.choice([A, B, C, D]), rng.choice([A, B, C, D]), rng.choice([C, D])
    off = rng.randrange(0, 256, 4)
    k = rng.randrange(-1000, 1000)
    kind = rng.randrange(8)
    if kind == 0:  # z = load(x + off) + y
        return get(x) + b"\x28" + memarg(2, off) + get(y) + b"\x6a" + set_(z)
    if kind == 1:  # store(x + off, (y * k) ^ z)
        return get(x) + get(y) + i32c(k) + b"\x6c" + get(z) + b"\x73" + b"\x36" + memarg(2, off)
    if kind == 2:  # if z != 0 { z = f(x, y) }
        callee = first_func + rng.randrange(n_funcs)
        return (b"\x02\x40" + get(z) + b"\x45" + b"\x0d\x00" + get(x) + get(y)
                + b"\x10" + uleb(callee) + set_(z) + b"\x0b")
    if kind == 3:  # do { z -= 1; x += load8(z) } while z
        return (b"\x03\x40" + get(z) + i32c(1) + b"\x6b" + tee(z) + b"\x2d" + memarg(0, off)
                + get(x) + b"\x6a" + set_(x) + get(z) + b"\x0d\x00" + b"\x0b")
    if kind == 4:  # w += (u64) x << 3
        return get(W) + get(x) + b"\xad" + b"\x42\x03" + b"\x86" + b"\x7c" + set_(W)
    if kind == 5:  # z = x < y ? x + k : y - k
        return (get(x) + get(y) + b"\x48" + b"\x04\x7f" + get(x) + i32c(k) + b"\x6a"
                + b"\x05" + get(y) + i32c(k) + b"\x6b" + b"\x0b" + set_(z))
    if kind == 6:  # z = (x >> 2) & k, y = y | 1
        return (get(x) + i32c(2) + b"\x76" + i32c(k) + b"\x71" + set_(z)
                + get(y) + i32c(1) + b"\x72" + set_(y))
    # store64(x + off, w)
    return get(x) + get(W) + b"\x37" + memarg(3, off)


def body(rng, first_func, n_funcs, size):
    code = bytearray()
    while len(code) < size:
        code += statement(rng, first_func, n_funcs)
    code += get(C) + get(W) + b"\xa7" + b"\x6a" + b"\x0b"  # return c + (i32) w
    locals_ = vec([uleb(2) + bytes([I32]), uleb(1) + bytes([I64])])
    return locals_ + bytes(code)


def module(size_mb):
    rng = random.Random(42)
    func_size = 740
    n_funcs = max(1, size_mb * 1_000_000 // (func_size + 16))
    types = vec([
        b"\x60" + vec([bytes([I32])]) + vec([]),  # 0: (i32) -> ()
        b"\x60" + vec([]) + vec([]),  # 1: () -> ()
        b"\x60" + vec([bytes([I32]), bytes([I32])]) + vec([bytes([I32])]),  # 2
    ])
    imports = vec([name("wasi_snapshot_preview1") + name("proc_exit") + b"\x00" + uleb(0)])
    funcs = vec([uleb(1)] + [uleb(2)] * n_funcs)
    memory = vec([b"\x00" + uleb(1)])
    exports = vec([name("memory") + b"\x02" + uleb(0), name("_start") + b"\x00" + uleb(1)])
    start = vec([]) + i32c(0) + b"\x10\x00" + b"\x0b"  # proc_exit(0)
    bodies = [start] + [body(rng, 2, n_funcs, func_size) for _ in range(n_funcs)]
    code = vec([uleb(len(b)) + b for b in bodies])
    return (b"\0asm\x01\0\0\0" + section(1, types) + section(2, imports) + section(3, funcs)
            + section(5, memory) + section(7, exports) + section(10, code))


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    size_mb = int(sys.argv[2]) if len(sys.argv) == 3 else 30
    data = module(size_mb)
    with open(sys.argv[1], "wb") as f:
        f.write(data)
    print(f"{sys.argv[1]}: {len(data)} bytes")


if __name__ == "__main__":
    main()
