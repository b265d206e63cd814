//! Every sample program runs through `wasmscope run` with the output and exit code that
//! `samples/programs/expected.toml` gives (checked there on another runtime too).

use std::path::{Path, PathBuf};
use std::process::Command;

fn samples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../samples")
}

/// Copies a directory tree (the mounted fixtures: the guest may write into it).
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn every_sample_case_gives_the_expected_output_and_exit_code() {
    let text = std::fs::read_to_string(samples().join("programs/expected.toml")).unwrap();
    let doc: toml::Table = text.parse().unwrap();
    let cases = doc["case"].as_array().unwrap();
    assert!(cases.len() >= 19, "expected.toml has {} cases", cases.len());
    let scratch =
        std::env::temp_dir().join(format!("wasmscope-cli-samples-{}", std::process::id()));
    let mut failures = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let sample = case["sample"].as_str().unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_wasmscope"));
        cmd.arg("run");
        for (k, v) in case["env"].as_table().unwrap() {
            cmd.arg("--env").arg(format!("{k}={}", v.as_str().unwrap()));
        }
        let mut mounts = Vec::new();
        if let Some(dirs) = case.get("dirs").and_then(|d| d.as_table()) {
            for (guest, host) in dirs {
                let copy = scratch
                    .join(format!("case{i}"))
                    .join(guest.trim_start_matches('/'));
                copy_dir(
                    &samples().join("programs").join(host.as_str().unwrap()),
                    &copy,
                );
                cmd.arg("--mount")
                    .arg(format!("{}:{guest}", copy.display()));
                mounts.push((guest.clone(), copy));
            }
        }
        cmd.arg(samples().join(format!("programs/{sample}.wasm")));
        cmd.arg("--");
        for a in case["args"].as_array().unwrap() {
            cmd.arg(a.as_str().unwrap());
        }
        let out = cmd.output().unwrap();
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        );
        let name = format!("case {i} ({sample} {:?})", case["args"]);
        let mut check = |ok: bool, what: String| {
            if !ok {
                failures.push(format!("{name}: {what}"));
            }
        };
        check(
            stdout == case["stdout"].as_str().unwrap(),
            format!("stdout {stdout:?}"),
        );
        if let Some(trap) = case.get("trap") {
            let trap = trap.as_str().unwrap();
            check(
                out.status.code() == Some(1),
                format!("exit {:?}, want 1 (trap)", out.status.code()),
            );
            check(
                stderr.contains(&format!("wasm error: {trap}"))
                    && stderr.contains("wasm stack trace:"),
                format!("stderr {stderr:?} lacks the trap {trap:?} with a trace"),
            );
        } else {
            let want = case["exit_code"].as_integer().unwrap() as i32;
            check(
                out.status.code() == Some(want),
                format!(
                    "exit {:?}, want {want}; stderr {stderr:?}",
                    out.status.code()
                ),
            );
            if let Some(e) = case.get("stderr").and_then(|s| s.as_str()) {
                check(stderr == e, format!("stderr {stderr:?}, want {e:?}"));
            }
        }
        if let Some(part) = case.get("stderr_contains").and_then(|s| s.as_str()) {
            check(
                stderr.contains(part),
                format!("stderr {stderr:?} lacks {part:?}"),
            );
        }
        if let Some(files) = case.get("files").and_then(|f| f.as_table()) {
            for (guest_path, content) in files {
                let (guest_dir, host_dir) = mounts
                    .iter()
                    .find(|(g, _)| guest_path.starts_with(g.as_str()))
                    .expect("a mount for the file");
                let host = host_dir.join(guest_path[guest_dir.len()..].trim_start_matches('/'));
                let got = std::fs::read_to_string(&host).unwrap_or_default();
                check(
                    got == content.as_str().unwrap(),
                    format!("{guest_path} holds {got:?}"),
                );
            }
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    assert!(
        failures.is_empty(),
        "{} failing cases:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn a_timeout_ends_a_long_loop_with_exit_code_124() {
    let out = Command::new(env!("CARGO_BIN_EXE_wasmscope"))
        .args(["run", "--timeout", "300ms"])
        .arg(samples().join("programs/longloop.wasm"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(124),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("looping 10000000000 times"));
}

#[test]
fn a_timeout_of_0_is_no_limit_as_in_wazero() {
    let out = Command::new(env!("CARGO_BIN_EXE_wasmscope"))
        .args(["run", "--timeout", "0", "--invoke", "sum"])
        .arg(samples().join("wat/learn/loop.wat"))
        .arg("100000")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(!out.stdout.is_empty(), "{err}");
}

#[test]
fn a_file_that_is_not_wasm_is_an_error_naming_the_offset() {
    let dir = std::env::temp_dir().join(format!("wasmscope-cli-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bad.wasm");
    std::fs::write(&file, b"\0asm\x01\0\0\0\x01\xff").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_wasmscope"))
        .arg("run")
        .arg(&file)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("invalid module") && err.contains("offset 0x"),
        "{err}"
    );
}

#[test]
fn inspect_lists_sections_imports_and_dwarf() {
    let out = Command::new(env!("CARGO_BIN_EXE_wasmscope"))
        .arg("inspect")
        .arg(samples().join("programs/hello.wasm"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for want in [
        "sections:",
        " code ",
        "custom \".debug_info\"",
        "func   wasi_snapshot_preview1.fd_write (i32,i32,i32,i32) i32",
        "func   _start ()",
        "producers:",
        "DWARF: ",
        "compile units (",
        "line info for ",
    ] {
        assert!(
            text.contains(want),
            "inspect output lacks {want:?}:\n{text}"
        );
    }
}

#[test]
fn usage_errors_exit_2_and_help_lists_the_flags() {
    let out = Command::new(env!("CARGO_BIN_EXE_wasmscope"))
        .arg("run")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let help = Command::new(env!("CARGO_BIN_EXE_wasmscope"))
        .args(["run", "--help"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&help.stdout);
    for flag in [
        "--env",
        "--env-inherit",
        "--mount",
        "--timeout",
        "--invoke",
        "--interpreter",
        "--compiler",
        "--tier-up",
        "--memory-limit-pages",
    ] {
        assert!(text.contains(flag), "run --help lacks {flag}");
    }
}

/// Every `[[wat]]` call of `expected.toml` without setup calls, through `wasmscope run
/// --invoke`, on each engine (the interpreter, the compiler, the default: tiered, and
/// tiered at one call, where calls cross between the engines most): its results (one
/// per line) or its trap (exit 1).
#[test]
fn every_wat_call_gives_the_expected_results_on_each_engine() {
    let text = std::fs::read_to_string(samples().join("programs/expected.toml")).unwrap();
    let doc: toml::Table = text.parse().unwrap();
    let calls = doc["wat"].as_array().unwrap();
    let mut ran = 0;
    let mut failures = Vec::new();
    let engines: [&[&str]; 4] = [
        &["--interpreter"],
        &["--compiler"],
        &[],
        &["--tier-up", "1"],
    ];
    for engine in engines {
        for call in calls.iter().filter(|c| c.get("calls").is_none()) {
            let file = samples().join("wat").join(call["file"].as_str().unwrap());
            let name = call["invoke"].as_str().unwrap();
            let param = |v: &toml::Value| match v {
                toml::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let params: Vec<String> = call["params"]
                .as_array()
                .unwrap()
                .iter()
                .map(param)
                .collect();
            let run_args: Vec<String> = call
                .get("run_args")
                .and_then(|a| a.as_array())
                .map(|a| a.iter().map(param).collect())
                .unwrap_or_default();
            let out = Command::new(env!("CARGO_BIN_EXE_wasmscope"))
                .arg("run")
                .args(engine)
                .args(["--invoke", name])
                .args(&run_args)
                .arg(&file)
                .args(&params)
                .output()
                .unwrap();
            let (stdout, stderr) = (
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr),
            );
            let what = format!(
                "{engine:?} {run_args:?} {} {name}{params:?}",
                file.display()
            );
            match (call.get("results"), call.get("trap")) {
                (Some(results), _) => {
                    let want: String = results
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|v| format!("{}\n", param(v)))
                        .collect();
                    if out.status.code() != Some(0) || stdout != want {
                        failures.push(format!("{what}: {stdout:?} {stderr}, want {want:?}"));
                    }
                }
                (None, Some(trap)) => {
                    let trap = trap.as_str().unwrap();
                    if out.status.code() != Some(1) || !stderr.contains(trap) {
                        failures.push(format!(
                            "{what}: exit {:?} {stderr}, want {trap}",
                            out.status.code()
                        ));
                    }
                }
                _ => panic!("{what}: neither results nor trap"),
            }
            ran += 1;
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(ran >= 20, "only {ran} calls");
}
