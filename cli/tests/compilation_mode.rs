//! `wasmscope run --compilation-mode`: when function bodies are validated and translated.

use std::path::PathBuf;
use std::process::{Command, Output};

/// A module whose `_start` prints nothing and returns, with an invalid function that is
/// never called.
const INVALID_UNUSED: &str = r#"(module
  (func $bad (result i32) i64.const 0)
  (func (export "_start")))"#;

fn module_file() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wasmscope-mode-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("invalid-unused.wat");
    std::fs::write(&file, INVALID_UNUSED).unwrap();
    file
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wasmscope"))
        .arg("run")
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn an_invalid_function_is_rejected_before_running_unless_validation_is_lazy() {
    let file = module_file();
    let file = file.to_str().unwrap();
    for args in [
        vec![file],
        vec!["--compilation-mode", "lazy-translation", file],
        vec!["--compilation-mode", "eager", file],
    ] {
        let out = run(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains("type mismatch"), "{args:?}: {err}");
    }
    let out = run(&["--compilation-mode", "lazy", file]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn an_unknown_mode_is_a_usage_error() {
    let out = run(&["--compilation-mode", "sometimes", "x.wasm"]);
    assert_eq!(out.status.code(), Some(2));
}
