#!/usr/bin/env python3
"""Checks samples/variables.toml against the modules it names.

For every [[stop]]:
  - the DWARF line table has `is_stmt` rows for `line` in a file whose path ends with
    `file` (llvm-dwarfdump --debug-line);
  - at each of those addresses the innermost function (subprogram or inlined
    subroutine, from llvm-dwarfdump --debug-info) is `function`, and every variable that
    an expression of [stop.values] starts with (`rect` of `rect.size.x`, `raw` of `*raw`,
    `arr` of `arr[2]`, `pp` of `pp->y`) is a local or parameter of that frame in scope
    there, with a DWARF location that covers the address (not optimised out);
  - the program's stdout (run on the Python `wasmtime` package, when installed) has
    every `<expression> = <value>` as a whole line.

A verification aid for whoever changes the samples (needs llvm-dwarfdump, any version
that reads Wasm, e.g. Debian's llvm-14; Python >= 3.11), not a dependency of wasmscope.

Usage: check_variables.py [--show] [FILE.toml]
  --show     print each stop's addresses, frames and the variables' locations
  FILE.toml  another file of the same format (default: samples/variables.toml); its
             modules are still relative to samples/"""
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib

HERE = os.path.dirname(os.path.abspath(__file__))
SCOPES = ("DW_TAG_subprogram", "DW_TAG_inlined_subroutine", "DW_TAG_lexical_block")
FRAMES = ("DW_TAG_subprogram", "DW_TAG_inlined_subroutine")
VARS = ("DW_TAG_variable", "DW_TAG_formal_parameter")
# wasm-ld marks the DWARF of code it dropped with addresses at the top of the range.
TOMBSTONE = 0xFFFFFFF0


def dwarfdump():
    for name in ["llvm-dwarfdump"] + [f"llvm-dwarfdump-{v}" for v in range(30, 10, -1)]:
        if shutil.which(name):
            return name
    found = sorted(glob.glob("/usr/lib/llvm-*/bin/llvm-dwarfdump"))
    return found[-1] if found else None


def line_rows(tool, path):
    """[(address, file path, line, is_stmt)] of every line-table row, end_sequence rows
    and dropped code left out."""
    text = subprocess.run([tool, "--debug-line", path], capture_output=True, text=True,
                          check=True).stdout
    rows, dirs, files, current = [], {}, {}, None
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("debug_line["):
            dirs, files, current = {}, {}, None
        elif m := re.match(r'include_directories\[\s*(\d+)\] = "(.*)"', line):
            dirs[int(m[1])] = m[2]
        elif m := re.match(r"file_names\[\s*(\d+)\]:", line):
            current = int(m[1])
            files[current] = ["", 0]
        elif current is not None and (m := re.match(r'name: "(.*)"', line)):
            files[current][0] = m[1]
        elif current is not None and (m := re.match(r"dir_index: (\d+)", line)):
            files[current][1] = int(m[1])
        elif m := re.match(r"0x([0-9a-f]+)\s+(\d+)\s+\d+\s+(\d+)\s+\d+\s+\d+\s*(.*)", line):
            address, flags = int(m[1], 16), m[4].split()
            if "end_sequence" in flags or address >= TOMBSTONE:
                continue
            name, dir_index = files.get(int(m[3]), ("?", 0))
            full = name if name.startswith("/") else f"{dirs.get(dir_index, '')}/{name}"
            rows.append((address, full, int(m[2]), "is_stmt" in flags))
    return rows


class Die:
    def __init__(self, offset, tag, depth, parent, index):
        self.offset, self.tag, self.depth, self.parent = offset, tag, depth, parent
        self.index = index  # offset -> Die, for the module
        self.attrs, self.children = {}, []

    def name(self):
        if "DW_AT_name" in self.attrs:
            return self.attrs["DW_AT_name"].strip('"')
        for key in ("DW_AT_abstract_origin", "DW_AT_specification"):
            # llvm-dwarfdump shows the target's linkage name if it has one: follow the
            # reference to its DW_AT_name.
            if m := re.match(r"0x([0-9a-f]+)", self.attrs.get(key, "")):
                target = self.index.get(int(m[1], 16))
                if target is not None and target is not self:
                    return target.name()
        return None

    def ranges(self):
        """[(low, high)], or None for a DIE without addresses."""
        low = self.attrs.get("DW_AT_low_pc")
        if low is not None and "DW_AT_high_pc" in self.attrs:
            if "dead code" in low:
                return []
            lo, hi = int(low, 16), int(self.attrs["DW_AT_high_pc"], 16)
            return [(lo, hi)] if lo < TOMBSTONE else []
        if "DW_AT_ranges" in self.attrs:
            pairs = re.findall(r"\[0x([0-9a-f]+), 0x([0-9a-f]+)\)", self.attrs["DW_AT_ranges"])
            return [(int(a, 16), int(b, 16)) for a, b in pairs if int(a, 16) < TOMBSTONE]
        return None

    def location_at(self, address):
        """The location expression that holds at `address`, or None."""
        loc = self.attrs.get("DW_AT_location")
        if loc is None:
            return None
        entries = re.findall(r"\[0x([0-9a-f]+), 0x([0-9a-f]+)\): ([^\n]*)", loc)
        if not entries:
            return loc.strip() or None
        for lo, hi, expr in entries:
            if int(lo, 16) <= address < int(hi, 16):
                return expr.rstrip(")").strip() or None
        return None


def debug_info(tool, path):
    text = subprocess.run([tool, "--debug-info", path], capture_output=True, text=True,
                          check=True).stdout
    roots, stack, last, attr, index = [], [], None, None, {}
    for raw in text.splitlines():
        if m := re.match(r"0x([0-9a-f]+):( +)(DW_TAG_\w+|NULL)", raw):
            attr = None
            if m[3] == "NULL":
                continue
            depth = (len(m[2]) - 1) // 2
            while stack and stack[-1].depth >= depth:
                stack.pop()
            die = Die(int(m[1], 16), m[3], depth, stack[-1] if stack else None, index)
            index[die.offset] = die
            (stack[-1].children if stack else roots).append(die)
            stack.append(die)
            last = die
        elif m := re.match(r"\s+(DW_AT_\w+)\t\((.*)$", raw):
            attr = m[1]
            value = m[2]
            last.attrs[attr] = value[:-1] if value.endswith(")") and value.count("(") < value.count(")") else value
        elif attr and raw.strip():
            last.attrs[attr] += "\n" + raw.strip()
    return roots


def scope_chain(roots, address):
    """The scopes (subprogram, inlined subroutines, lexical blocks) that contain
    `address`, outermost first."""
    chain = []

    def visit(dies):
        for die in dies:
            ranges = die.ranges()
            if ranges is None:
                if die.tag not in SCOPES:
                    visit(die.children)
                continue
            if any(lo <= address < hi for lo, hi in ranges):
                if die.tag in SCOPES:
                    chain.append(die)
                visit(die.children)
                return

    visit(roots)
    return chain


def run(module, args):
    try:
        import wasmtime
    except ImportError:
        return None
    engine = wasmtime.Engine()
    with tempfile.TemporaryDirectory() as tmp:
        wasi = wasmtime.WasiConfig()
        wasi.argv = [os.path.splitext(os.path.basename(module))[0]] + list(args)
        wasi.stdout_file = os.path.join(tmp, "stdout")
        wasi.stderr_file = os.path.join(tmp, "stderr")
        store = wasmtime.Store(engine)
        store.set_wasi(wasi)
        linker = wasmtime.Linker(engine)
        linker.define_wasi()
        instance = linker.instantiate(store, wasmtime.Module.from_file(engine, module))
        try:
            instance.exports(store)["_start"](store)
        except wasmtime.ExitTrap as e:
            if e.code != 0:
                raise
        return open(os.path.join(tmp, "stdout"), encoding="utf-8").read()


def main(argv):
    show = "--show" in argv
    tool = dwarfdump()
    if tool is None:
        print("check_variables.py: llvm-dwarfdump not found", file=sys.stderr)
        return 2
    files = [a for a in argv if not a.startswith("--")]
    path = files[0] if files else os.path.join(HERE, "variables.toml")
    stops = tomllib.load(open(path, "rb"))["stop"]
    cache, outputs, failures = {}, {}, 0
    ran = True
    for stop in stops:
        module = os.path.join(HERE, stop["module"])
        title = f"{stop['module']} {stop['file']}:{stop['line']} ({stop['function']})"
        errors = []
        if module not in cache:
            cache[module] = (line_rows(tool, module), debug_info(tool, module))
        rows, roots = cache[module]
        suffix = stop["file"].lstrip("/")
        addresses = sorted({a for a, f, line, stmt in rows
                            if stmt and line == stop["line"] and ("/" + f).endswith("/" + suffix)})
        if not addresses:
            errors.append("no is_stmt row for that line")
        names = {}
        for expr in stop["values"]:
            m = re.match(r"\**([A-Za-z_]\w*)", expr)
            if not m:
                errors.append(f"expression {expr!r}: no variable name")
                continue
            names.setdefault(m[1], []).append(expr)
        for address in addresses:
            chain = scope_chain(roots, address)
            frames = [i for i, d in enumerate(chain) if d.tag in FRAMES]
            if not frames:
                errors.append(f"0x{address:x}: no function")
                continue
            scopes = chain[frames[-1]:]
            function = scopes[0].name()
            if function != stop["function"]:
                errors.append(f"0x{address:x}: innermost function {function!r}")
            visible = {}
            for scope in scopes:  # inner scopes shadow outer ones
                for die in scope.children:
                    if die.tag in VARS and die.name():
                        visible[die.name()] = die
            if show:
                print(f"     0x{address:x}: {' > '.join(d.name() or d.tag[7:] for d in chain if d.tag in FRAMES)}; "
                      f"{len(visible)} variables")
            for name, exprs in names.items():
                die = visible.get(name)
                if die is None:
                    errors.append(f"0x{address:x}: {name} ({', '.join(exprs)}) not in scope")
                elif die.location_at(address) is None:
                    errors.append(f"0x{address:x}: {name} has no location (optimised out)")
                elif show:
                    print(f"       {name}: {die.location_at(address)}")
        if module not in outputs:
            outputs[module] = run(module, stop.get("args", []))
        stdout = outputs[module]
        if stdout is None:
            ran = False
        else:
            lines = set(stdout.splitlines())
            for expr, value in stop["values"].items():
                if f"{expr} = {value}" not in lines:
                    got = [line for line in lines if line.startswith(f"{expr} = ")]
                    errors.append(f"stdout lacks `{expr} = {value}` (has {got})")
        where = ", ".join(f"0x{a:x}" for a in addresses)
        print(f"{'ok  ' if not errors else 'FAIL'} {title} at {where or '-'}: {len(stop['values'])} values")
        for e in errors:
            print(f"     {e}")
        failures += bool(errors)
    if not ran:
        print("note: Python package wasmtime not installed; stdout not checked")
    print(f"check_variables.py: {failures} of {len(stops)} stops failed" if failures
          else f"check_variables.py: all {len(stops)} stops ok")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
