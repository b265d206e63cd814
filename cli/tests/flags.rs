//! `wasmscope run`'s flags for modules from elsewhere: `--unknown-imports`, `--invoke`
//! with arguments and printed results, wasmtime's `--dir`, guest arguments with and
//! without `--`; `inspect`'s list of the imports that would be stubbed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn samples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../samples")
}

/// A fresh scratch directory for one test.
fn scratch(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wasmscope-cli-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn wasmscope(args: &[&str], file: &Path, rest: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wasmscope"))
        .args(args)
        .arg(file)
        .args(rest)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A WASI command that also imports two functions no runtime provides, calls neither
/// from `_start`, and exports functions that do.
const FOREIGN: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "env" "never" (func $never (param i32) (result i64)))
  (import "rb-js-abi-host" "draw" (func $draw (param f64) (result f32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 8) "\10\00\00\00\03\00\00\00hi\n")
  (func (export "_start")
    (drop (call $fd_write (i32.const 1) (i32.const 8) (i32.const 1) (i32.const 0))))
  (func (export "calls_never") (result i64) (call $never (i32.const 1)))
  (func (export "calls_draw") (result f32 i32) (call $draw (f64.const 1))))"#;

fn foreign(dir: &Path) -> PathBuf {
    let file = dir.join("foreign.wat");
    std::fs::write(&file, FOREIGN).unwrap();
    file
}

#[test]
fn an_unknown_import_is_one_line_naming_it_and_the_flag() {
    let dir = scratch("unknown");
    let out = wasmscope(&["run"], &foreign(&dir), &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    for want in ["env.never", "rb-js-abi-host.draw", "--unknown-imports=trap"] {
        assert!(err.contains(want), "{err}");
    }
    assert!(out.stdout.is_empty());
}

#[test]
fn trap_stubs_run_the_program_and_trap_naming_the_import_when_called() {
    let dir = scratch("trap-stubs");
    let file = foreign(&dir);
    let out = wasmscope(&["run", "--unknown-imports=trap"], &file, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "hi\n");
    let out = wasmscope(
        &[
            "run",
            "--unknown-imports",
            "trap",
            "--invoke",
            "calls_never",
        ],
        &file,
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("unknown import env.never was called"), "{err}");
    assert!(err.contains("wasm stack trace:"), "{err}");
    // A module without a name of its own is named by its file.
    assert!(err.contains("\tforeign.wat.$4() i64\n"), "{err}");
}

#[test]
fn default_stubs_return_zeros() {
    let dir = scratch("default-stubs");
    let file = foreign(&dir);
    let out = wasmscope(
        &["run", "--unknown-imports=default", "--invoke", "calls_draw"],
        &file,
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "0\n0\n");
    let out = wasmscope(
        &[
            "run",
            "--unknown-imports=default",
            "--invoke",
            "calls_never",
        ],
        &file,
        &[],
    );
    assert_eq!(text(&out.stdout), "0\n");
}

#[test]
fn a_bad_unknown_imports_mode_is_a_usage_error() {
    let dir = scratch("bad-mode");
    let out = wasmscope(&["run", "--unknown-imports=maybe"], &foreign(&dir), &[]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn inspect_lists_the_imports_that_would_be_stubbed() {
    let dir = scratch("inspect-stubs");
    let out = wasmscope(&["inspect"], &foreign(&dir), &[]);
    assert!(out.status.success());
    let report = text(&out.stdout);
    let section = report
        .split("imports no module provides (2;")
        .nth(1)
        .unwrap_or_else(|| panic!("{report}"));
    let section = section.split("\n\n").next().unwrap();
    assert!(section.contains("env.never (i32) i64"), "{section}");
    assert!(
        section.contains("rb-js-abi-host.draw (f64) (f32,i32)"),
        "{section}"
    );
    assert!(!section.contains("fd_write"), "WASI is provided: {section}");
    // A module that needs no stubs says nothing about them.
    let out = wasmscope(&["inspect"], &samples().join("programs/hello.wasm"), &[]);
    assert!(!text(&out.stdout).contains("imports no module provides"));
}

const CALC: &str = r#"(module
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "wide") (param i64 f32 f64) (result f64 i64 f32 i32)
    (local.get 2) (local.get 0) (local.get 1) (i32.const -1))
  (func (export "seven") (result i32) (i32.const 7))
  (func (export "nothing")))"#;

#[test]
fn invoke_takes_arguments_and_prints_results_as_wasmtime_does() {
    let dir = scratch("invoke");
    let file = dir.join("calc.wat");
    std::fs::write(&file, CALC).unwrap();
    let run = |rest: &[&str]| {
        let mut args = vec!["run", "--invoke"];
        args.push(rest[0]);
        wasmscope(&args, &file, &rest[1..])
    };
    let out = run(&["add", "2", "3"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), "5\n");
    let out = run(&["add", "--", "-2", "4294967295"]);
    assert_eq!(text(&out.stdout), "-3\n", "{}", text(&out.stderr));
    let out = run(&["wide", "-9", "1.5", "inf"]);
    assert_eq!(text(&out.stdout), "inf\n-9\n1.5\n-1\n");
    let out = run(&["seven"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "a result is printed, not an exit code"
    );
    assert_eq!(text(&out.stdout), "7\n");
    let out = run(&["nothing"]);
    assert_eq!((out.status.code(), out.stdout.len()), (Some(0), 0));
    for (args, want) in [
        (&["add", "1"][..], "takes 2 arguments (i32, i32), 1 given"),
        (&["add", "1", "x"][..], "cannot read \"x\" as i32"),
        (&["add", "1", "99999999999"][..], "as i32"),
        (&["missing"][..], "no exported function \"missing\""),
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = text(&out.stderr);
        assert!(err.contains(want), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
}

#[test]
fn guest_arguments_follow_the_file_with_or_without_a_double_dash() {
    let echo = samples().join("programs/echo.wasm");
    let with = wasmscope(&["run"], &echo, &["--", "a", "--b"]);
    let without = wasmscope(&["run"], &echo, &["a", "--b"]);
    assert_eq!(text(&with.stdout), "a\n--b\n");
    assert_eq!(text(&without.stdout), text(&with.stdout));
}

#[test]
fn our_flags_right_after_the_file_are_the_guests() {
    let echo = samples().join("programs/echo.wasm");
    // Flags of ours, given after FILE, with and without values: the guest's.
    let out = wasmscope(
        &["run"],
        &echo,
        &["--env", "A=1", "--help", "-h", "--timeout=1s"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "--env\nA=1\n--help\n-h\n--timeout=1s\n");
    // Ours before FILE, values skipped on the way to it (a value that looks like a file
    // name is not taken for FILE), and `--` after FILE still only a separator.
    let out = wasmscope(
        &["run", "--env", "B=2", "--timeout", "5s"],
        &echo,
        &["--", "-x"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "-x\nB=2\n");
    // The same in `debug`: the guest prints its arguments, the debugger's flags stay its.
    let out = Command::new(env!("CARGO_BIN_EXE_wasmscope"))
        .args(["debug", "--ex", "run", "--ex", "quit"])
        .arg(&echo)
        .args(["--ex", "-h"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(
        text(&out.stdout).contains("--ex\n-h\n"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn a_variable_set_twice_is_seen_once_with_the_command_lines_last_value() {
    let echo = samples().join("programs/echo.wasm");
    let out = Command::new(env!("CARGO_BIN_EXE_wasmscope"))
        .args([
            "run",
            "--env-inherit",
            "--env",
            "WS_TWICE=1",
            "--env",
            "WS_TWICE=2",
        ])
        .arg(&echo)
        .env_clear()
        .env("WS_TWICE", "0")
        .env("WS_OTHER", "x")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "WS_OTHER=x\nWS_TWICE=2\n");
}

#[test]
fn dir_mounts_a_host_directory_as_wasmtime_spells_it() {
    let dir = scratch("dir-flag");
    std::fs::create_dir_all(dir.join("data")).unwrap();
    std::fs::copy(
        samples().join("programs/files/data/input.txt"),
        dir.join("data/input.txt"),
    )
    .unwrap();
    let host = dir.join("data");
    let arg = format!("{}::/data", host.display());
    let out = wasmscope(
        &["run", "--dir", &arg],
        &samples().join("programs/files.wasm"),
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let input = std::fs::read_to_string(host.join("input.txt")).unwrap();
    let output = std::fs::read_to_string(host.join("output.txt")).unwrap();
    assert_eq!(output, input.to_uppercase());
    let out = wasmscope(
        &["run", "--dir", "::/data"],
        &samples().join("programs/files.wasm"),
        &[],
    );
    // A malformed flag is a usage error.
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("invalid value '::/data' for '--dir"));
}
