//! What a new user meets when something is wrong: every failure of `run` and `inspect`
//! is one line on stderr naming the file; usage errors (the command line itself) exit 2,
//! everything found once the module is read exits 1; a module without `_start` says so.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn samples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../samples")
}

/// A fresh scratch directory for one test.
fn scratch(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wasmscope-errors-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn wasmscope(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wasmscope"))
        .args(args)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs `wasmscope <command> <file>`: it must fail with exit code 1 and exactly `want`
/// (one line) on stderr, nothing on stdout.
fn fails_with_one_line(command: &str, file: &Path, want: &str) {
    let out = wasmscope(&[command, file.to_str().unwrap()]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{command} {file:?}: {err}");
    assert_eq!(err, format!("{want}\n"), "{command} {file:?}");
    assert_eq!(text(&out.stdout), "", "{command} {file:?}");
}

#[test]
fn every_bad_file_is_one_line_naming_it() {
    let dir = scratch("files");
    let file = |name: &str, bytes: &[u8]| {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    };
    let hello = std::fs::read(samples().join("programs/hello.wasm")).unwrap();
    let cases: Vec<(PathBuf, String)> = vec![
        (
            dir.join("missing.wasm"),
            "missing.wasm: No such file or directory (os error 2)".into(),
        ),
        (dir.clone(), "Is a directory (os error 21)".into()),
        (
            file("empty.wasm", b""),
            "empty.wasm: not a WebAssembly module or WAT text: the file is empty".into(),
        ),
        (
            file("elf.wasm", b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00"),
            "elf.wasm: not a WebAssembly module or WAT text: it starts with \
             7f 45 4c 46 02 01 01 00"
                .into(),
        ),
        (
            file("notes.wat", b"hello world\n"),
            "notes.wat: not a WebAssembly module or WAT text: it starts with \
             68 65 6c 6c 6f 20 77 6f (\"hello wo\")"
                .into(),
        ),
        (
            file("typo.wat", b";; a typo\n(module\n  (func i32.ad))\n"),
            "typo.wat: invalid WAT text at 3:9: unknown operator or unexpected token".into(),
        ),
        (
            file("truncated.wasm", &hello[..100]),
            "truncated.wasm: invalid module: unexpected end-of-file (at offset 0xa)".into(),
        ),
        (
            file("invalid.wat", b"(module (func (result i32)))"),
            "invalid.wat: invalid module: type mismatch: expected i32 but nothing on stack \
             (at offset 0x18)"
                .into(),
        ),
        (
            file("bad-version.wasm", b"\0asm\x02\0\0\0"),
            "bad-version.wasm: invalid module: unknown binary version: 0x2 (at offset 0x4)".into(),
        ),
    ];
    for (path, want) in &cases {
        let want = if path == &dir {
            format!("{}: {want}", dir.display())
        } else {
            format!("{}", dir.join(want).display())
        };
        fails_with_one_line("run", path, &want);
        if path.ends_with("invalid.wat") {
            // Well-formed, so there is something to inspect.
            assert!(wasmscope(&["inspect", path.to_str().unwrap()])
                .status
                .success());
        } else {
            fails_with_one_line("inspect", path, &want);
        }
    }
}

#[test]
fn link_errors_and_a_missing_start_are_one_line_for_run() {
    let dir = scratch("link");
    let file = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let at = |name: &str| dir.join(name).display().to_string();
    fails_with_one_line(
        "run",
        &file("import.wat", r#"(module (import "env" "f" (func)))"#),
        &format!(
            "{}: no module provides the import env.f; if it is never called, run with \
             --unknown-imports=trap (stubs that trap when called) or \
             --unknown-imports=default (stubs that return zeros)",
            at("import.wat")
        ),
    );
    // What no stub can stand in for is named with what it is, every import at once.
    fails_with_one_line(
        "run",
        &file(
            "memory-import.wat",
            r#"(module (import "env" "f" (func)) (import "env" "mem" (memory 1)))"#,
        ),
        &format!(
            "{}: no module provides the imports env.f, env.mem (a memory); \
             --unknown-imports stubs functions only",
            at("memory-import.wat")
        ),
    );
    // An instantiation error names the file too.
    let path = file(
        "big.wat",
        r#"(module (memory 17) (func (export "_start")))"#,
    );
    let out = wasmscope(&["run", "--memory-limit-pages", "1", path.to_str().unwrap()]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.starts_with(&format!("{}: ", at("big.wat"))), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    // A WASI function imported with another type.
    let path = file(
        "wasi-type.wat",
        r#"(module (import "wasi_snapshot_preview1" "fd_write" (func))
                   (func (export "_start")))"#,
    );
    let out = wasmscope(&["run", path.to_str().unwrap()]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("fd_write"), "{err}");

    fails_with_one_line(
        "run",
        &file(
            "reactor.wat",
            r#"(module (func (export "add") (param i32 i32) (result i32) local.get 0)
                       (func (export "_initialize")) (memory (export "memory") 1))"#,
        ),
        &format!(
            "{}: no _start function to run; exported functions: _initialize, add (run one \
             with --invoke NAME, its arguments after the file)",
            at("reactor.wat")
        ),
    );
    fails_with_one_line(
        "run",
        &file("nothing.wat", r#"(module (memory (export "memory") 1))"#),
        &format!(
            "{}: no _start function to run, and the module exports no functions",
            at("nothing.wat")
        ),
    );
    // The export is there to be invoked.
    let out = wasmscope(&["run", "--invoke", "add", &at("reactor.wat"), "4", "5"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "4\n");
}

#[test]
fn usage_errors_exit_2_before_the_file_is_read() {
    // The file does not exist: the command line is judged first.
    for args in [
        &["run", "--env", "NOEQ", "missing.wasm"][..],
        &["run", "--env", "=value", "missing.wasm"],
        &["run", "--mount", "a:b:c", "missing.wasm"],
        &["run", "--mount", ":ro", "missing.wasm"],
        &["run", "--dir", "::/data", "missing.wasm"],
        &["run", "--timeout", "soon", "missing.wasm"],
        &["run", "--unknown-imports=maybe", "missing.wasm"],
        &["run", "--hostlogging=disk", "missing.wasm"],
        &["run", "--no-such-flag", "missing.wasm"],
        &["debug", "-g", "1234", "missing.wasm"],
        &["-g", "1234", "debug", "missing.wasm"],
        &["inspect", "--gdb-server=1234", "missing.wasm"],
        &["debug", "--substitute-path", "/samples", "missing.wasm"],
        &["run"],
        &["inspect"],
        &["frobnicate"],
    ] {
        let out = wasmscope(args);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.starts_with("error: "), "{args:?}: {err}");
        assert!(!err.contains("missing.wasm: "), "{args:?}: {err}");
    }
    let out = wasmscope(&["run", "--env", "NOEQ", "x.wasm"]);
    assert!(
        text(&out.stderr).starts_with(
            "error: invalid value 'NOEQ' for '--env <KEY=VALUE>': expected KEY=VALUE\n"
        ),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn invoke_arguments_that_do_not_fit_the_export_exit_1() {
    // They depend on the module: a run failure, not a usage error.
    let dir = scratch("invoke");
    let path = dir.join("add.wat");
    std::fs::write(
        &path,
        r#"(module (func (export "add") (param i32 i32) (result i32) local.get 0))"#,
    )
    .unwrap();
    let path = path.to_str().unwrap();
    for (rest, want) in [
        (
            &["add", path, "1"][..],
            "--invoke add: the function takes 2 arguments (i32, i32), 1 given",
        ),
        (
            &["add", path, "1", "x"],
            "--invoke add: cannot read \"x\" as i32",
        ),
        (&["sub", path], "no exported function \"sub\""),
    ] {
        let mut args = vec!["run", "--invoke"];
        args.extend_from_slice(rest);
        let out = wasmscope(&args);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(want), "{args:?}: {err}");
    }
}

#[test]
fn output_that_cannot_be_written_fails_the_command() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        return; // Not on Linux: no device that is always full.
    };
    let add = samples().join("wat/add.wat");
    for args in [
        vec!["inspect", add.to_str().unwrap()],
        vec!["run", "--invoke", "add", add.to_str().unwrap(), "1", "2"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_wasmscope"))
            .args(&args)
            .stdout(full.try_clone().unwrap())
            .output()
            .unwrap();
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(
            err.starts_with("error: cannot write to stdout: "),
            "{args:?}: {err}"
        );
    }
}
