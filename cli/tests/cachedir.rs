//! `wasmscope run --cachedir DIR`: the compiler's machine code kept on disk between runs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Prints "hello from the cache" through WASI and exits 3.
const HELLO: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello from the cache\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 21))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call $exit (i32.const 3))))"#;

fn scratch(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("wasmscope-cachedir-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wasmscope"))
        .arg("run")
        .args(args)
        .output()
        .unwrap()
}

fn cache_files(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect()
}

#[cfg(all(unix, any(target_arch = "x86_64", target_arch = "aarch64")))]
#[test]
fn a_second_run_reads_the_code_the_first_wrote() {
    use std::os::unix::fs::MetadataExt;
    let dir = scratch("runs");
    let module = dir.join("hello.wat");
    std::fs::write(&module, HELLO).unwrap();
    let cache = dir.join("cache");
    let (m, c) = (module.to_str().unwrap(), cache.to_str().unwrap());
    let first = run(&["--compiler", "--cachedir", c, m]);
    assert_eq!(
        first.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&first.stdout),
        "hello from the cache\n"
    );
    let files = cache_files(&cache);
    assert_eq!(files.len(), 1, "{files:?}");
    let written = std::fs::metadata(&files[0]).unwrap();

    let second = run(&["--compiler", "--cachedir", c, m]);
    assert_eq!(second.status.code(), Some(3));
    assert_eq!(second.stdout, first.stdout);
    // Read, not written again (a write replaces the file: another inode).
    assert_eq!(cache_files(&cache), files);
    assert_eq!(std::fs::metadata(&files[0]).unwrap().ino(), written.ino());

    // The interpreter keeps nothing on disk.
    let interp = run(&["--interpreter", "--cachedir", c, m]);
    assert_eq!(interp.stdout, first.stdout);
    assert_eq!(cache_files(&cache), files);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_cachedir_that_cannot_be_a_directory_is_an_error() {
    let dir = scratch("bad");
    let module = dir.join("hello.wat");
    std::fs::write(&module, HELLO).unwrap();
    let out = run(&[
        "--compiler",
        "--cachedir",
        module.to_str().unwrap(),
        module.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("compilation cache directory"), "{err}");
    assert!(out.stdout.is_empty());
    std::fs::remove_dir_all(&dir).unwrap();
}
