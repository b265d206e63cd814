#!/usr/bin/env python3
"""Runs every case of expected.toml (samples/programs/*.wasm under WASI, and the
samples/wat/*.wat calls) on the Python `wasmtime` package and compares stdout, stderr,
exit code, trap and written files.

A verification aid for whoever rebuilds the samples, NOT a dependency of wasmscope:
`pip install wasmtime` to use it (Python >= 3.11 for tomllib). build.sh runs it only if
the package is importable.

Usage: verify.py [--show] [SAMPLE_OR_WAT_FILE...]
  --show  print what each case actually did, not just mismatches"""
import os
import shutil
import sys
import tempfile
import tomllib

import wasmtime

HERE = os.path.dirname(os.path.abspath(__file__))
WAT_DIR = os.path.join(HERE, "..", "wat")

# wasmtime's trap codes -> wasmscope's trap messages (core/src/error.rs).
TRAPS = {
    wasmtime.TrapCode.UNREACHABLE: "unreachable",
    wasmtime.TrapCode.INTEGER_DIVISION_BY_ZERO: "integer divide by zero",
    wasmtime.TrapCode.INTEGER_OVERFLOW: "integer overflow",
    wasmtime.TrapCode.BAD_CONVERSION_TO_INTEGER: "invalid conversion to integer",
    wasmtime.TrapCode.MEMORY_OUT_OF_BOUNDS: "out of bounds memory access",
    wasmtime.TrapCode.TABLE_OUT_OF_BOUNDS: "out of bounds table access",
    wasmtime.TrapCode.INDIRECT_CALL_TO_NULL: "uninitialized element",
    wasmtime.TrapCode.BAD_SIGNATURE: "indirect call type mismatch",
    wasmtime.TrapCode.STACK_OVERFLOW: "call stack exhausted",
    wasmtime.TrapCode.NULL_REFERENCE: "null reference",
    wasmtime.TrapCode.OUT_OF_FUEL: "all fuel consumed",
}

ENGINE = wasmtime.Engine()
MODULES = {}


def trap_message(err):
    code = getattr(err, "trap_code", None)
    return TRAPS.get(code, f"<wasmtime: {err}>")


def run_case(case):
    """Returns (actual: dict, mismatches: list[str])."""
    name = case["sample"]
    path = os.path.join(HERE, f"{name}.wasm")
    if path not in MODULES:
        MODULES[path] = wasmtime.Module.from_file(ENGINE, path)
    with tempfile.TemporaryDirectory() as tmp:
        wasi = wasmtime.WasiConfig()
        wasi.argv = [name] + list(case.get("args", []))
        wasi.env = sorted(case.get("env", {}).items())
        wasi.stdout_file = os.path.join(tmp, "stdout")
        wasi.stderr_file = os.path.join(tmp, "stderr")
        mounts = {}
        for guest, host in case.get("dirs", {}).items():
            copy = os.path.join(tmp, "dir" + str(len(mounts)))
            shutil.copytree(os.path.join(HERE, host), copy)
            wasi.preopen_dir(copy, guest)
            mounts[guest.rstrip("/")] = copy
        store = wasmtime.Store(ENGINE)
        store.set_wasi(wasi)
        linker = wasmtime.Linker(ENGINE)
        linker.define_wasi()
        instance = linker.instantiate(store, MODULES[path])
        actual = {}
        try:
            instance.exports(store)["_start"](store)
            actual["exit_code"] = 0
        except wasmtime.ExitTrap as e:
            actual["exit_code"] = e.code
        except wasmtime.Trap as e:
            actual["trap"] = trap_message(e)
        actual["stdout"] = open(os.path.join(tmp, "stdout"), encoding="utf-8").read()
        actual["stderr"] = open(os.path.join(tmp, "stderr"), encoding="utf-8").read()
        files = {}
        for guest in case.get("files", {}):
            for prefix, copy in mounts.items():
                if guest.startswith(prefix + "/"):
                    host = os.path.join(copy, guest[len(prefix) + 1:])
                    files[guest] = open(host, encoding="utf-8").read() if os.path.exists(host) else None
        if files:
            actual["files"] = files

    errors = []
    for key in ("stdout", "stderr", "exit_code", "trap", "files"):
        if key in case or key in ("exit_code", "trap"):
            if case.get(key) != actual.get(key):
                errors.append(f"{key}: expected {case.get(key)!r}, got {actual.get(key)!r}")
    if "stderr_contains" in case and case["stderr_contains"] not in actual["stderr"]:
        errors.append(f"stderr {actual['stderr']!r} lacks {case['stderr_contains']!r}")
    return actual, errors


def to_val(kind, value):
    value = int(value)
    if kind == wasmtime.ValType.i32():
        return wasmtime.Val.i32(value)
    return wasmtime.Val.i64(value)


def call(store, instance, invoke, params):
    func = instance.exports(store)[invoke]
    kinds = func.type(store).params
    try:
        result = func(store, *[to_val(k, v) for k, v in zip(kinds, params)])
    except wasmtime.Trap as e:
        return {"trap": trap_message(e)}
    if result is None:
        result = []
    elif not isinstance(result, list):
        result = [result]
    return {"results": result}


def expect(actual, want):
    if "trap" in want:
        return [] if actual.get("trap") == want["trap"] else [f"expected trap {want['trap']!r}, got {actual}"]
    results = [int(v) for v in want.get("results", [])]
    return [] if actual.get("results") == results else [f"expected results {results}, got {actual}"]


def run_wat(case):
    path = os.path.join(WAT_DIR, case["file"])
    if path not in MODULES:
        MODULES[path] = wasmtime.Module(ENGINE, open(path, encoding="utf-8").read())
    store = wasmtime.Store(ENGINE)
    instance = wasmtime.Instance(store, MODULES[path], [])
    errors = []
    for setup in case.get("calls", []):
        got = call(store, instance, setup["invoke"], setup.get("params", []))
        errors += [f"setup {setup['invoke']}: {e}" for e in expect(got, setup)]
    actual = call(store, instance, case["invoke"], case.get("params", []))
    return actual, errors + expect(actual, case)


def main(argv):
    show = "--show" in argv
    only = [a for a in argv if not a.startswith("--")]
    expected = tomllib.load(open(os.path.join(HERE, "expected.toml"), "rb"))
    cases = [(c["sample"], run_case, c) for c in expected["case"]]
    # (Calls with `run_args` test flags of `wasmscope run`: not for wasmtime.)
    cases += [(c["file"], run_wat, c) for c in expected["wat"] if "run_args" not in c]
    failed = 0
    for label, runner, case in cases:
        if only and label not in only:
            continue
        title = f"{label} {' '.join(repr(str(p)) for p in case.get('args', case.get('params', [])))}"
        actual, errors = runner(case)
        print(f"{'ok  ' if not errors else 'FAIL'} {title}")
        if show:
            print(f"     {actual}")
        for e in errors:
            print(f"     {e}")
        failed += bool(errors)
    print(f"verify.py: {failed} of {len(cases)} cases failed" if failed else f"verify.py: all {len(cases)} cases pass on wasmtime")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
