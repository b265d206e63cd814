//! `wasmscope run ... | head`: when the reader of stdout or stderr goes away, the run ends
//! at once and quietly (exit code 141, as a process that SIGPIPE ends), never with a
//! panic, a trap or a message.

use std::io::Read;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// `yes` as a WASI guest: writes `y\n` to fd 1 a million times, and traps (as a Rust
/// program's `println!` panics) when a write fails.
const YES: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "\10\00\00\00\02\00\00\00")
  (data (i32.const 16) "y\n")
  (func (export "_start") (local $i i32)
    (loop $again
      (if (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))
        (then unreachable))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $again (i32.lt_u (local.get $i) (i32.const 1000000))))))"#;

/// The guest's file, one per test: the tests run in parallel, and a file another test
/// is rewriting can be read half-written.
fn yes(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wasmscope-pipes-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("{test}.wat"));
    std::fs::write(&file, YES).unwrap();
    file
}

/// Reads `n` bytes from `from`, then closes it (drops it).
fn read_then_close(mut from: impl Read, n: usize) {
    let mut buf = vec![0; n];
    from.read_exact(&mut buf).unwrap();
}

fn spawn(test: &str, flags: &[&str], stdout: Stdio, stderr: Stdio) -> Child {
    Command::new(env!("CARGO_BIN_EXE_wasmscope"))
        .arg("run")
        .args(flags)
        .arg(yes(test))
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
        .unwrap()
}

#[test]
fn a_closed_stdout_ends_the_run_quietly() {
    let err = std::env::temp_dir().join(format!("wasmscope-pipes-{}.err", std::process::id()));
    let mut child = spawn(
        "stdout",
        &[],
        Stdio::piped(),
        Stdio::from(std::fs::File::create(&err).unwrap()),
    );
    read_then_close(child.stdout.take().unwrap(), 10);
    let status = child.wait().unwrap();
    let stderr = std::fs::read_to_string(&err).unwrap();
    std::fs::remove_file(&err).unwrap();
    assert_eq!(status.code(), Some(141), "{stderr}");
    assert_eq!(stderr, "", "no trap, no panic, no message");
}

#[test]
fn a_closed_stderr_under_trace_ends_the_run_quietly() {
    // `--trace` writes every call to stderr: its reader goes after the first lines.
    let mut child = spawn("stderr", &["--trace"], Stdio::null(), Stdio::piped());
    read_then_close(child.stderr.take().unwrap(), 100);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(141));
}

#[test]
fn a_closed_stdout_still_leaves_the_profile() {
    let profile =
        std::env::temp_dir().join(format!("wasmscope-pipes-{}.folded", std::process::id()));
    let mut child = spawn(
        "profile",
        &["--profile", profile.to_str().unwrap()],
        Stdio::piped(),
        Stdio::null(),
    );
    read_then_close(child.stdout.take().unwrap(), 10);
    assert_eq!(child.wait().unwrap().code(), Some(141));
    let folded = std::fs::read_to_string(&profile).unwrap();
    std::fs::remove_file(&profile).unwrap();
    assert!(
        folded.contains("wasi_snapshot_preview1.fd_write "),
        "{folded}"
    );
}
