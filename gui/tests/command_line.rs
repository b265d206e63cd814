//! `wasmscope-gui`'s command line: `--help` and `--version` print and exit without
//! opening a window; a bad command line exits 2 with clap's message.

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Runs the workbench binary with `args` and no display at all (a window could not open),
/// failing the test if it has not exited within a minute.
fn gui(args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wasmscope-gui"))
        .args(args)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("wasmscope-gui {args:?} did not exit");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn help_and_version_print_and_exit() {
    for flag in ["--help", "-h"] {
        let out = gui(&[flag]);
        let help = text(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{flag}: {}", text(&out.stderr));
        for want in [
            "Usage: wasmscope-gui",
            "[FILE]",
            "--demo [<VIEW>]",
            "--version",
        ] {
            assert!(help.contains(want), "{flag} lacks {want:?}:\n{help}");
        }
        assert_eq!(text(&out.stderr), "", "{flag}");
    }
    let out = gui(&["--version"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        text(&out.stdout),
        format!("wasmscope-gui {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn a_bad_command_line_exits_2() {
    for args in [
        &["--bogus"][..],
        &["--demo", "nosuch"],
        &["--demo", "code", "file.wasm"],
        &["a.wasm", "b.wasm"],
    ] {
        let out = gui(args);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.starts_with("error: "), "{args:?}: {err}");
        assert!(err.contains("--help"), "{args:?}: {err}");
    }
    // The views a demo can show are listed.
    let err = text(&gui(&["--demo", "nosuch"]).stderr);
    assert!(err.contains("calllog"), "{err}");
}
