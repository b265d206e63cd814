//! `wasmscope run --hostlogging`, `--trace` and `--profile` on the sample programs.

use std::path::PathBuf;
use std::process::{Command, Output};

fn sample(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../samples/programs/{name}.wasm"))
}

fn run(flags: &[&str], name: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wasmscope"))
        .arg("run")
        .args(flags)
        .arg(sample(name))
        .arg("--")
        .args(args)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A scratch file path unique to this test process and `tag`.
fn scratch(tag: &str) -> PathBuf {
    std::env::temp_dir().join(format!("wasmscope-cli-{}-{tag}", std::process::id()))
}

/// Runs the `files` sample with `flags`, its `/data` a fresh directory holding an input
/// of 6 bytes.
fn run_files(tag: &str, flags: &[&str]) -> Output {
    let dir = scratch(tag);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("input.txt"), "hello\n").unwrap();
    let mount = format!("{}:/data", dir.display());
    let mut all = vec!["--mount", &mount];
    all.extend_from_slice(flags);
    let out = run(&all, "files", &[]);
    let _ = std::fs::remove_dir_all(&dir);
    out
}

#[test]
fn hostlogging_filesystem_logs_in_wazero_format() {
    // As wazero's: stdio reads and writes are left out (hello makes no other call).
    let out = run(&["--hostlogging=filesystem"], "hello", &[]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), "hello, wasmscope!\n");
    assert_eq!(text(&out.stderr), "");
    let out = run_files("fs-log", &["--hostlogging=filesystem"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "6 bytes\n");
    let log = text(&out.stderr);
    // Outputs after the call, with a value only when it succeeded; the directory's name
    // is an output of fd_prestat_dir_name.
    assert!(
        log.starts_with(
            "==> wasi_snapshot_preview1.fd_prestat_get(fd=3)\n\
             <== (prestat={pr_name_len=5},errno=ESUCCESS)\n\
             ==> wasi_snapshot_preview1.fd_prestat_dir_name(fd=3)\n\
             <== (path=/data,errno=ESUCCESS)\n\
             ==> wasi_snapshot_preview1.fd_prestat_get(fd=4)\n\
             <== (prestat=,errno=EBADF)\n\
             ==> wasi_snapshot_preview1.fd_fdstat_get(fd=3)\n\
             <== (stat={filetype=DIRECTORY,fdflags=,fs_rights_base="
        ),
        "{log}"
    );
    // Paths as text, flags by name (none: empty).
    let has = |line: &str| assert!(log.lines().any(|l| l.starts_with(line)), "{line}: {log}");
    has("==> wasi_snapshot_preview1.path_open(fd=3,dirflags=SYMLINK_FOLLOW,path=input.txt,oflags=,fs_rights_base=FD_READ|");
    has("==> wasi_snapshot_preview1.path_open(fd=3,dirflags=SYMLINK_FOLLOW,path=output.txt,oflags=CREAT|TRUNC,");
    has("<== (filestat={filetype=REGULAR_FILE,size=6,mtim=");
    has("<== (nread=6,errno=ESUCCESS)");
    has("==> wasi_snapshot_preview1.fd_write(fd=4,iovs=");
    has("<== (nwritten=6,errno=ESUCCESS)");
    // The write of "6 bytes" to stdout is not there.
    assert!(!log.contains("fd_write(fd=1"), "{log}");
}

#[test]
fn hostlogging_all_logs_every_wasi_call() {
    let out = run(&["--hostlogging", "all"], "hello", &[]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stderr), "");
    let out = run(&["--hostlogging=all"], "exit", &["5"]);
    assert_eq!(out.status.code(), Some(5));
    let stderr = text(&out.stderr);
    // An output pointer wazero does not read back is shown as the parameter it is.
    assert!(
        stderr.starts_with("==> wasi_snapshot_preview1.args_sizes_get(result.argc="),
        "{stderr}"
    );
    assert!(
        stderr.ends_with(
            "==> wasi_snapshot_preview1.proc_exit(rval=5)\n\
             <== error: module closed with exit_code(5)\n"
        ),
        "{stderr}"
    );
}

#[test]
fn hostlogging_scopes_select_their_functions() {
    // proc: args_* and proc_exit, not the file system.
    let out = run(&["--hostlogging=proc"], "exit", &[]);
    assert_eq!(out.status.code(), Some(7));
    assert_eq!(
        text(&out.stderr),
        // (The guest addresses come from the built sample: rebuilding it may move them.)
        "==> wasi_snapshot_preview1.args_sizes_get(result.argc=1048456,result.argv_len=1048460)\n\
         <== errno=ESUCCESS\n\
         ==> wasi_snapshot_preview1.args_get(argv=1055840,argv_buf=1055856)\n\
         <== errno=ESUCCESS\n\
         ==> wasi_snapshot_preview1.proc_exit(rval=7)\n\
         <== error: module closed with exit_code(7)\n"
    );
    // Scopes the program does not use log nothing; comma-separated and repeated flags
    // add up; `memory` is accepted and logs nothing.
    let out = run(
        &[
            "--hostlogging=clock,random",
            "--hostlogging=memory",
            "--hostlogging=sock,poll",
        ],
        "hello",
        &[],
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), "hello, wasmscope!\n");
    assert_eq!(text(&out.stderr), "");
    let out = run_files("scopes", &["--hostlogging=clock,filesystem"]);
    assert!(
        text(&out.stderr).starts_with("==> wasi_snapshot_preview1.fd_prestat_get(fd=3)\n"),
        "{}",
        text(&out.stderr)
    );
    let out = run_files("scopes-proc", &["--hostlogging=proc"]);
    assert!(!text(&out.stderr).contains("fd_"), "{}", text(&out.stderr));
}

#[test]
fn hostlogging_rejects_an_unknown_scope() {
    let out = run(&["--hostlogging=disk"], "hello", &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("filesystem"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn trace_logs_guest_and_host_calls_nested() {
    let out = run(&["--trace"], "hello", &[]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), "hello, wasmscope!\n");
    let stderr = text(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines[0], "--> hello-5f0220b2064c1dd7.wasm._start()");
    assert_eq!(*lines.last().unwrap(), "<--");
    let (mut depth, mut calls) = (0usize, 0);
    for line in &lines {
        let body = line.trim_start_matches('\t');
        let tabs = line.len() - body.len();
        if body.starts_with("--> ") || body.starts_with("==> ") {
            assert_eq!(tabs, depth, "{line}");
            depth += 1;
            calls += 1;
        } else if ["<--", "<=="]
            .iter()
            .any(|a| body == *a || body.starts_with(&format!("{a} ")))
        {
            depth -= 1;
            assert_eq!(tabs, depth, "{line}");
        } else {
            panic!("not a log line: {line:?}");
        }
    }
    assert_eq!(depth, 0);
    assert!(calls > 10, "{calls} calls");
    let fd_write = lines
        .iter()
        .position(|l| {
            l.trim_start()
                .starts_with("==> wasi_snapshot_preview1.fd_write(")
        })
        .expect("fd_write is traced");
    assert_eq!(
        lines[fd_write + 1].trim_start(),
        "<== (nwritten=18,errno=ESUCCESS)"
    );
}

/// Checks that every line is `stack micros` with non-empty frames, and returns them.
fn folded_lines(text: &str) -> Vec<(Vec<String>, u64)> {
    assert!(!text.is_empty());
    text.lines()
        .map(|line| {
            let (stack, micros) = line.rsplit_once(' ').unwrap_or_else(|| panic!("{line}"));
            let micros: u64 = micros.parse().unwrap_or_else(|_| panic!("{line}"));
            let frames: Vec<String> = stack.split(';').map(str::to_string).collect();
            assert!(frames.iter().all(|f| !f.is_empty()), "{line}");
            (frames, micros)
        })
        .collect()
}

#[test]
fn profile_writes_folded_stacks() {
    let path = scratch("hello-profile.txt");
    let out = run(&["--profile", path.to_str().unwrap()], "hello", &[]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), "hello, wasmscope!\n");
    assert_eq!(text(&out.stderr), "");
    let folded = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    let lines = folded_lines(&folded);
    assert!(lines.len() > 5, "{folded}");
    for (frames, _) in &lines {
        assert_eq!(
            frames[0], "hello-5f0220b2064c1dd7.wasm._start",
            "{frames:?}"
        );
    }
    // One line per stack: no duplicates, and every prefix of a stack has its own line.
    let stacks: Vec<&Vec<String>> = lines.iter().map(|(f, _)| f).collect();
    let unique: std::collections::HashSet<_> = stacks.iter().collect();
    assert_eq!(unique.len(), stacks.len());
    for s in &stacks {
        assert!(
            s.len() == 1 || stacks.contains(&&s[..s.len() - 1].to_vec()),
            "{s:?}"
        );
    }
    assert!(
        stacks
            .iter()
            .any(|s| s.last().unwrap() == "wasi_snapshot_preview1.fd_write"),
        "{folded}"
    );
}

#[test]
fn profile_is_written_on_a_trap_and_on_an_exit() {
    let path = scratch("divzero-profile.txt");
    let out = run(&["--profile", path.to_str().unwrap()], "divzero", &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("integer divide by zero"));
    let folded = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    let lines = folded_lines(&folded);
    assert!(
        lines
            .iter()
            .any(|(f, _)| f.iter().any(|n| n.ends_with(".divzero::main"))),
        "{folded}"
    );

    let path = scratch("exit-profile.txt");
    let out = run(
        &["--profile", path.to_str().unwrap(), "--hostlogging=proc"],
        "exit",
        &["3"],
    );
    assert_eq!(out.status.code(), Some(3));
    assert!(text(&out.stderr).contains("==> wasi_snapshot_preview1.proc_exit(rval=3)"));
    let folded = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    let lines = folded_lines(&folded);
    assert!(
        lines
            .iter()
            .any(|(f, _)| f.last().unwrap() == "wasi_snapshot_preview1.proc_exit"),
        "{folded}"
    );
}

#[test]
fn an_unwritable_profile_fails_the_run() {
    let path = scratch("no-such-dir").join("profile.txt");
    let out = run(&["--profile", path.to_str().unwrap()], "hello", &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), "hello, wasmscope!\n");
    assert!(
        text(&out.stderr).starts_with("--profile "),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn names_are_demangled_unless_raw_names() {
    // --trace
    let out = run(&["--trace"], "hello", &[]);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("\t--> hello-5f0220b2064c1dd7.wasm.hello::main()\n"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("_ZN") && !stderr.contains("_RN"),
        "{stderr}"
    );
    let raw = text(&run(&["--trace", "--raw-names"], "hello", &[]).stderr);
    assert!(
        raw.contains("\t--> hello-5f0220b2064c1dd7.wasm._ZN5hello4main17h"),
        "{raw}"
    );
    assert_eq!(raw.lines().count(), stderr.lines().count());

    // --profile
    let path = scratch("raw-profile.txt");
    run(
        &["--profile", path.to_str().unwrap(), "--raw-names"],
        "hello",
        &[],
    );
    let folded = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert!(folded.contains(".wasm._ZN5hello4main17h"), "{folded}");
    let path = scratch("profile.txt");
    run(&["--profile", path.to_str().unwrap()], "hello", &[]);
    let folded = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert!(folded.contains(".wasm.hello::main;"), "{folded}");
    assert!(!folded.contains("_ZN"), "{folded}");
}

#[test]
fn a_trap_prints_wazeros_trace_with_demangled_names() {
    let demangled = run(&[], "divzero", &[]);
    let raw = run(&["--raw-names"], "divzero", &[]);
    assert_eq!(
        (demangled.status.code(), raw.status.code()),
        (Some(1), Some(1))
    );
    let (demangled, raw) = (text(&demangled.stderr), text(&raw.stderr));
    // --raw-names: the runtime's own text (wazero's), mangled names and all.
    assert!(
        raw.starts_with(
            "module[divzero-79976b493d05f920.wasm] function[_start] failed: \
             wasm error: integer divide by zero\n\
             wasm stack trace:\n\
             \tdivzero-79976b493d05f920.wasm._ZN7divzero5share17hc855073edf7893f1E(i32) i32\n\
             \t\t0x47d: /samples/programs/divzero/src/main.rs:28:5 (inlined)\n"
        ),
        "{raw}"
    );
    // By default the same text, line for line, with each frame's name demangled.
    let want: Vec<String> = raw
        .lines()
        .map(|line| match line.strip_prefix('\t') {
            Some(frame) if !frame.starts_with('\t') => {
                format!("\t{}", wasmscope::demangle_signature(frame))
            }
            _ => line.to_string(),
        })
        .collect();
    assert_eq!(demangled.lines().collect::<Vec<_>>(), want);
    assert!(
        demangled.contains("\n\tdivzero-79976b493d05f920.wasm.divzero::share(i32) i32\n"),
        "{demangled}"
    );
    assert!(
        !demangled.contains("_ZN") && !demangled.contains("_RN"),
        "{demangled}"
    );
}
