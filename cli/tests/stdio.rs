//! The guest sees what `wasmscope run`'s standard streams really are: a pipe is no
//! terminal, a terminal is one (wasi-libc's `isatty` looks for a character device).

use std::process::{Command, Stdio};

/// Exits with the WASI file type of fd 1 (`fd_fdstat_get`): 2 is a character device.
const STDOUT_TYPE: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_fdstat_get" (func $stat (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (drop (call $stat (i32.const 1) (i32.const 64)))
    (call $exit (i32.load8_u (i32.const 64)))))"#;

#[test]
fn a_piped_stdout_is_not_a_terminal_to_the_guest() {
    let dir = std::env::temp_dir().join(format!("wasmscope-cli-stdio-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("stdout_type.wat");
    std::fs::write(&file, STDOUT_TYPE).unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_wasmscope"))
        .arg("run")
        .arg(&file)
        .stdout(Stdio::piped())
        .status()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(
        status.code(),
        Some(0),
        "unknown type, not a character device"
    );
}

#[test]
fn a_terminal_stdout_is_a_character_device_to_the_guest() {
    // util-linux's `script` runs the command with a pseudo-terminal as its streams.
    let dir = std::env::temp_dir().join(format!("wasmscope-cli-tty-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("stdout_type.wat");
    std::fs::write(&file, STDOUT_TYPE).unwrap();
    let command = format!("{} run {}", env!("CARGO_BIN_EXE_wasmscope"), file.display());
    let status = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .expect("util-linux's `script` (Debian: bsdutils) runs the command on a terminal");
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(status.code(), Some(2), "a character device");
}
