//! LLDB 22 as the front end: `lldb-22` connected to `wasmscope run -g` with its Wasm
//! plugin (a line breakpoint, continue, frame variable, bt, step, finish, continue to
//! the exit), LLDB's Wasm platform launching wasmscope itself (`run` in LLDB), a trap as
//! LLDB shows it, `lldb-dap-22` driving the same through DAP (as VS Code does), and
//! LLDB as an oracle: at every stop of samples/variables.toml the scalar values LLDB's
//! `frame variable` reads through the server (evaluating the DWARF itself) equal the
//! ones `wasmscope debug` prints.
//!
//! LLDB 22 comes from Debian's `lldb-22` package, which scripts/setup.sh installs.

#[path = "common/dap_client.rs"]
mod dap_client;
#[path = "common/gdb_server.rs"]
mod gdb_server;

use std::process::Command;

use gdb_server::{samples, Server};
use serde_json::json;

/// Runs `lldb-22 -b` with `commands` (each an `-o`), after connecting to `port` when
/// given; LLDB's stdout and stderr together.
fn lldb(port: Option<u16>, target: Option<&str>, commands: &[&str]) -> String {
    lldb_on_crash(port, target, commands, &[])
}

/// [`lldb`], with `on_crash` commands (`-k`) that run when the program stops on a trap
/// (LLDB ends a batch there, as at a crash).
fn lldb_on_crash(
    port: Option<u16>,
    target: Option<&str>,
    commands: &[&str],
    on_crash: &[&str],
) -> String {
    let mut cmd = Command::new("lldb-22");
    cmd.arg("-b").arg("--no-use-colors");
    // Where the samples' DWARF paths (/samples/...) are on this machine.
    cmd.arg("-o").arg(format!(
        "settings set target.source-map /samples {}",
        samples().display()
    ));
    if let Some(port) = port {
        cmd.arg("-o").arg(format!(
            "process connect --plugin wasm connect://127.0.0.1:{port}"
        ));
    }
    for c in commands {
        cmd.arg("-o").arg(c);
    }
    for c in on_crash {
        cmd.arg("-k").arg(c);
    }
    if let Some(t) = target {
        cmd.arg(t);
    }
    let out = cmd
        .output()
        .expect("lldb-22 runs (Debian's lldb-22 package: scripts/setup.sh installs it)");
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn has(out: &str, text: &str) {
    assert!(out.contains(text), "no {text:?} in LLDB's output:\n{out}");
}

#[test]
fn lldb_debugs_a_rust_program_at_the_source_level() {
    let server = Server::start("programs/vars.wasm", &[]);
    let out = lldb(
        Some(server.port),
        None,
        &[
            "breakpoint set --file main.rs --line 110",
            "continue",
            "frame variable small big negative flag ratio",
            "bt",
            "breakpoint delete --force",
            "breakpoint set --file main.rs --line 184",
            "continue",
            "step",
            "bt 2",
            // LLDB's step in stops at the opening line, before the prologue has stored
            // the parameters where DWARF says they live; one line on, they are there.
            "next",
            "frame variable count",
            "finish",
            "breakpoint delete --force",
            "continue",
        ],
    );
    // The stop at the breakpoint's file and line.
    has(&out, "stop reason = breakpoint 1.1");
    has(&out, "vars::main::");
    has(&out, "at main.rs:110");
    // The variables, read by LLDB from the DWARF through the server's locals and memory.
    has(&out, "(int) small = -42");
    has(&out, "(unsigned long long) big = 12345678901");
    has(&out, "(long long) negative = -9000000000");
    has(&out, "(bool) flag = true");
    has(&out, "(double) ratio = 2.5");
    // The backtrace's functions, down to the WASI entry point.
    has(&out, "std::rt::lang_start");
    has(&out, "_start at crt1-command.c");
    // A step into the program's own function, and back out of it.
    has(&out, "stop reason = step in");
    has(&out, "vars::describe::");
    has(&out, "(unsigned long long) count = 12345678901");
    has(&out, "stop reason = step out");
    // To the end: the exit code.
    has(&out, "Process 1 exited with status = 0");
    let (code, stdout) = server.finish();
    assert_eq!(code, 0);
    assert!(stdout.contains("small = -42"));
}

#[test]
fn lldb_sees_exit_codes_and_traps() {
    let server = Server::start("programs/exit.wasm", &[]);
    let out = lldb(Some(server.port), None, &["continue"]);
    has(&out, "Process 1 exited with status = 7");
    assert_eq!(server.finish().0, 7);

    let server = Server::start("programs/divzero.wasm", &[]);
    // A trap stops the batch (LLDB treats it as a crash): -k commands run then.
    let out = lldb_on_crash(
        Some(server.port),
        None,
        &["continue"],
        &["bt", "frame variable", "continue"],
    );
    has(&out, "stop reason = wasm error: integer divide by zero");
    has(&out, "divzero::raw_div");
    has(&out, "parts = 0");
    has(&out, "exited with status = 1");
    assert_eq!(server.finish().0, 1);
}

#[test]
fn lldb_launches_wasmscope_through_its_wasm_platform() {
    let wasmscope = env!("CARGO_BIN_EXE_wasmscope");
    let program = samples().join("programs/echo.wasm");
    let out = lldb(
        None,
        Some(program.to_str().unwrap()),
        &[
            &format!("settings set platform.plugin.wasm.runtime-path {wasmscope}"),
            "settings set -- platform.plugin.wasm.port-arg --gdb-server=",
            "settings set platform.plugin.wasm.runtime-args run",
            "breakpoint set --name main",
            "process launch -- first second",
            "bt 1",
            "continue",
        ],
    );
    has(&out, "stop reason = breakpoint 1.");
    has(&out, "echo::main");
    // The guest's output (through LLDB's terminal for the process, in its own time).
    assert!(
        out.lines().any(|l| l == "first") && out.lines().any(|l| l == "second"),
        "{out}"
    );
    has(&out, "exited with status = 0");
}

#[test]
fn lldb_dap_debugs_through_wasmscope() {
    let mut command = Command::new("lldb-dap-22");
    command.current_dir(samples());
    let mut c = dap_client::Client::start(command);
    c.ok(
        "initialize",
        json!({ "adapterID": "lldb-dap", "linesStartAt1": true, "columnsStartAt1": true }),
    );
    let wasmscope = env!("CARGO_BIN_EXE_wasmscope");
    let program = samples().join("programs/vars.wasm");
    let seq = c.send(
        "launch",
        json!({
            "program": program,
            "initCommands": [
                format!("settings set platform.plugin.wasm.runtime-path {wasmscope}"),
                "settings set -- platform.plugin.wasm.port-arg --gdb-server=",
                "settings set platform.plugin.wasm.runtime-args run",
                format!("settings set target.source-map /samples {}", samples().display()),
            ],
        }),
    );
    c.take_event("initialized");
    let source = samples().join("programs/vars/src/main.rs");
    let set = c.ok(
        "setBreakpoints",
        json!({ "source": { "path": source }, "breakpoints": [{ "line": 110 }] }),
    );
    assert_eq!(set["breakpoints"][0]["verified"], true, "{set:#}");
    c.ok("configurationDone", json!({}));
    let launched = c.response(seq);
    assert_eq!(launched["success"], true, "{launched:#}");
    let stopped = c.take_event("stopped");
    assert_eq!(stopped["reason"], "breakpoint", "{stopped:#}");
    let (frame, name, path, line) = c.top_frame();
    assert!(name.contains("vars::main"), "{name}");
    assert!(path.ends_with("programs/vars/src/main.rs"), "{path}");
    assert_eq!(line, 110);
    let locals = c.locals(frame);
    let value = |n: &str| {
        locals
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no local {n} in {locals:?}"))
    };
    assert_eq!(value("small"), "-42");
    assert_eq!(value("big"), "12345678901");
    let e = c.ok(
        "evaluate",
        json!({ "expression": "negative", "frameId": frame, "context": "watch" }),
    );
    assert_eq!(e["result"], "-9000000000");
    // A step to the next line (LLDB's step over, through the server's instruction
    // steps and breakpoints); line 110 has several locations: without breakpoints.
    c.ok(
        "setBreakpoints",
        json!({ "source": { "path": source }, "breakpoints": [] }),
    );
    let seen = c.events.len();
    c.ok("next", json!({ "threadId": 1 }));
    assert_eq!(c.event_after("stopped", seen)["reason"], "step");
    let (_, name, _, next_line) = c.top_frame();
    assert!(
        name.contains("vars::main") && next_line > 110,
        "{name}:{next_line}"
    );
    c.ok(
        "setBreakpoints",
        json!({ "source": { "path": source }, "breakpoints": [] }),
    );
    c.ok("continue", json!({ "threadId": 1 }));
    assert_eq!(c.take_event("exited")["exitCode"], 0);
}

/// A scalar as text, in one form for both debuggers: integers as decimal, floats by
/// value, characters by the character, booleans, pointers by address; `None` for what
/// is not a scalar.
fn canonical(text: &str) -> Option<String> {
    let t = text.trim();
    if t == "true" || t == "false" {
        return Some(t.to_string());
    }
    if let Ok(i) = t.parse::<i128>() {
        return Some(format!("int {i}"));
    }
    if let Ok(f) = t.parse::<f64>() {
        return Some(format!("float {f:?}"));
    }
    // Characters: 'w' (Rust), 65 'A' (wasmscope, C), U+0x00000077 U'w' (LLDB, Rust).
    if t.ends_with('\'') {
        let inner = t.trim_end_matches('\'');
        let c = inner.rsplit('\'').next()?;
        return Some(format!("char {c}"));
    }
    if let Some(hex) = t.strip_prefix("0x") {
        let digits: String = hex.chars().take_while(char::is_ascii_hexdigit).collect();
        let rest = hex[digits.len()..].trim();
        let address = u64::from_str_radix(&digits, 16).ok()?;
        return Some(format!("pointer {address:#x} {rest}"));
    }
    None
}

#[test]
fn lldb_and_wasmscope_debug_agree_on_every_stop() {
    let text = std::fs::read_to_string(samples().join("variables.toml")).unwrap();
    let doc: toml::Table = toml::from_str(&text).unwrap();
    let mut compared = 0;
    let mut report = Vec::new();
    let mut skipped = Vec::new();
    let mut scalars = 0;
    for stop in doc["stop"].as_array().unwrap() {
        let stop = stop.as_table().unwrap();
        let module = stop["module"].as_str().unwrap();
        let file = stop["file"].as_str().unwrap();
        let line = stop["line"].as_integer().unwrap();
        let file_name = file.rsplit('/').next().unwrap();
        // The scalar expressions of this stop (by the expected text's form).
        let exprs: Vec<&str> = stop["values"]
            .as_table()
            .unwrap()
            .iter()
            .filter(|(_, v)| canonical(v.as_str().unwrap()).is_some())
            .map(|(k, _)| k.as_str())
            .collect();
        scalars += exprs.len();
        if exprs.is_empty() {
            continue;
        }
        // wasmscope debug's values.
        let mut debug = Command::new(env!("CARGO_BIN_EXE_wasmscope"));
        debug
            .arg("debug")
            .arg("--ex")
            .arg(format!("break {file}:{line}"))
            .arg("--ex")
            .arg("run");
        for e in &exprs {
            debug.arg("--ex").arg(format!("print {e}"));
        }
        debug.arg("--ex").arg("quit");
        let out = debug.arg(samples().join(module)).output().unwrap();
        let ours: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.strip_prefix('$'))
            .filter_map(|l| l.split_once(" = ").map(|(_, v)| v.to_string()))
            .collect();
        assert_eq!(ours.len(), exprs.len(), "wasmscope debug printed {ours:?}");
        // LLDB's, over the gdb-remote server.
        let server = Server::start(module, &[]);
        let mut commands = vec![
            format!("breakpoint set --file {file_name} --line {line}"),
            "continue".to_string(),
        ];
        for e in &exprs {
            commands.push(format!("frame variable --format d -- {e}"));
            commands.push(format!("frame variable --format u -- {e}"));
            commands.push(format!("frame variable -- {e}"));
        }
        commands.push("process kill".into());
        // From a file, so that a command LLDB refuses does not end the batch (as `-o`
        // commands do): `-e false` goes on after errors, `-c false` after `continue`.
        let script = std::env::temp_dir().join(format!(
            "wasmscope-lldb-oracle-{}-{}.txt",
            std::process::id(),
            compared + skipped.len()
        ));
        std::fs::write(&script, commands.join("\n") + "\n").unwrap();
        let source = format!("command source -e false -c false {}", script.display());
        let out = lldb(Some(server.port), None, &[&source]);
        let _ = std::fs::remove_file(&script);
        for (e, ours) in exprs.iter().zip(&ours) {
            let want = canonical(ours).unwrap_or_else(|| panic!("{e} = {ours}"));
            // LLDB prints `(type) expr = value`: signed decimal, unsigned decimal and
            // its natural form. Integers compare in the decimal form of their type's
            // signedness (a u8 is a character in the natural form), the rest naturally.
            let lines: Vec<(String, String)> = out
                .lines()
                .filter(|l| l.starts_with('(') && l.contains(&format!(") {e} = ")))
                .filter_map(|l| {
                    let (ty, v) = l.split_once(" = ")?;
                    Some((ty.to_string(), v.to_string()))
                })
                .collect();
            if lines.is_empty() {
                // LLDB cannot evaluate it (e.g. indexing a Rust slice, a fat pointer to
                // LLDB): nothing to compare.
                skipped.push(format!("{module} {file}:{line} {e}"));
                continue;
            }
            assert_eq!(lines.len(), 3, "LLDB shows {e} at {file}:{line}:\n{out}");
            let values: Vec<String> = lines.iter().map(|(_, v)| v.clone()).collect();
            let unsigned = lines[2].0.contains("unsigned") || lines[2].0.contains("(u");
            let theirs = if want.starts_with("int ") && unsigned {
                canonical(&values[1])
            } else if want.starts_with("int ") {
                canonical(&values[0])
            } else if want.starts_with("float ") {
                // LLDB prints a double 1.0 as `1`.
                values[2]
                    .parse::<f64>()
                    .ok()
                    .map(|f| format!("float {f:?}"))
            } else {
                canonical(&values[2])
            };
            report.push(format!(
                "{module} {file}:{line} {e}: {ours} | {}",
                values[2]
            ));
            assert_eq!(
                theirs.as_deref(),
                Some(want.as_str()),
                "{module} {file}:{line}: {e}: wasmscope debug {ours:?}, LLDB {values:?}"
            );
            compared += 1;
        }
        let _ = server.finish();
    }
    eprintln!("{}", report.join("\n"));
    eprintln!("LLDB cannot evaluate: {skipped:?}");
    // What LLDB 22 cannot evaluate in Rust (indexing a slice or a Vec, fields through a
    // reference without `->`): exactly these, so that no value slips out of the
    // comparison unnoticed.
    assert_eq!(
        skipped,
        [
            "programs/vars.wasm vars/src/main.rs:130 slice[1]",
            "programs/vars.wasm vars/src/main.rs:155 numbers[1]",
            "programs/vars.wasm vars/src/main.rs:174 point_ref.y",
            "programs/vars.wasm vars/src/main.rs:62 rect.size.x",
            "programs/vars.wasm vars/src/main.rs:75 values[3]",
        ]
    );
    assert_eq!(compared + skipped.len(), scalars);
    assert!(compared >= 50, "{compared}");
}
