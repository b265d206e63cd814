//! `wasmscope dap` driven by a small DAP client (tests/common/dap_client.rs) as VS Code
//! drives it: launch, line breakpoints (conditions, hit counts, log messages), the stops
//! of samples/variables.toml with every expected value through `evaluate` and the
//! Variables tree, steps by line in and out of calls, pause of a running guest, a trap
//! as an exception stop, the exit code in `exited`, the guest's output as `output`
//! events, and bad input that ends the adapter with a message instead of a panic.

#[path = "common/dap_client.rs"]
mod dap_client;

use std::path::PathBuf;
use std::process::Command;

use dap_client::Client;
use serde_json::{json, Value as Json};

fn samples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../samples")
        .canonicalize()
        .unwrap()
}

fn adapter() -> Client {
    let mut command = Command::new(env!("CARGO_BIN_EXE_wasmscope"));
    command.arg("dap");
    Client::start(command)
}

/// Initializes and launches `module` (relative to samples/) with `extra` launch
/// arguments.
fn launch(module: &str, extra: Json) -> Client {
    let mut c = adapter();
    let caps = c.ok(
        "initialize",
        json!({ "adapterID": "wasmscope", "linesStartAt1": true, "columnsStartAt1": true }),
    );
    assert_eq!(caps["supportsConditionalBreakpoints"], true);
    let mut args = json!({ "program": samples().join(module) });
    if let Json::Object(extra) = extra {
        for (k, v) in extra {
            args[k] = v;
        }
    }
    c.ok("launch", args);
    c.take_event("initialized");
    c
}

/// The local path of a source named by a suffix in variables.toml.
fn source(suffix: &str) -> String {
    let samples = samples();
    for candidate in [samples.join(suffix), samples.join("programs").join(suffix)] {
        if candidate.is_file() {
            return candidate.display().to_string();
        }
    }
    panic!("no source {suffix} under samples/");
}

fn set_lines(c: &mut Client, path: &str, lines: &[Json]) -> Json {
    c.ok(
        "setBreakpoints",
        json!({ "source": { "path": path }, "breakpoints": lines }),
    )
}

fn evaluate(c: &mut Client, frame: i64, expression: &str) -> String {
    let r = c.request(
        "evaluate",
        json!({ "expression": expression, "frameId": frame, "context": "watch" }),
    );
    assert_eq!(r["success"], true, "evaluate {expression}: {r:#}");
    r["body"]["result"].as_str().unwrap().to_string()
}

/// Every stop of samples/variables.toml for `module`: a breakpoint on its line, the stop
/// there (file, line, function), every value through `evaluate`, the plain names also
/// in the Locals scope; then the program runs to its end and exits 0, having printed
/// the same values.
fn variables_of(module: &str) {
    let text = std::fs::read_to_string(samples().join("variables.toml")).unwrap();
    let doc: toml::Table = toml::from_str(&text).unwrap();
    let stops: Vec<&toml::Table> = doc["stop"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_table().unwrap())
        .filter(|s| s["module"].as_str() == Some(module))
        .collect();
    assert!(!stops.is_empty());
    let mut c = launch(module, json!({}));
    let path = source(stops[0]["file"].as_str().unwrap());
    let mut pending: Vec<&toml::Table> = stops.clone();
    let lines = |p: &[&toml::Table]| -> Vec<Json> {
        p.iter()
            .map(|s| json!({ "line": s["line"].as_integer().unwrap() }))
            .collect()
    };
    let set = set_lines(&mut c, &path, &lines(&pending));
    for b in set["breakpoints"].as_array().unwrap() {
        assert_eq!(b["verified"], true, "{set:#}");
    }
    let mut seen = c.events.len();
    c.ok("configurationDone", json!({}));
    while !pending.is_empty() {
        let stopped = c.event_after("stopped", seen);
        assert_eq!(stopped["reason"], "breakpoint", "{stopped:#}");
        let (frame, name, file, line) = c.top_frame();
        let i = pending
            .iter()
            .position(|s| s["line"].as_integer() == Some(line))
            .unwrap_or_else(|| panic!("stopped at line {line}, not one of the stops"));
        let stop = pending.remove(i);
        assert!(file.ends_with(stop["file"].as_str().unwrap()), "{file}");
        let function = stop["function"].as_str().unwrap();
        assert!(name.contains(function), "frame {name:?} is not {function}");
        let locals = c.locals(frame);
        for (expression, want) in stop["values"].as_table().unwrap() {
            let want = want.as_str().unwrap();
            assert_eq!(
                evaluate(&mut c, frame, expression),
                want,
                "{module} line {line}: {expression}"
            );
            // A plain name is a variable of the Locals scope, with the same value.
            if expression.chars().all(|c| c.is_alphanumeric() || c == '_') {
                let shown = locals.iter().find(|(n, _)| n == expression);
                assert_eq!(
                    shown.map(|(_, v)| v.as_str()),
                    Some(want),
                    "Locals at line {line}: {expression} in {locals:?}"
                );
            }
        }
        // Later hits of this line do not stop.
        set_lines(&mut c, &path, &lines(&pending));
        seen = c.events.len();
        c.ok("continue", json!({ "threadId": 1 }));
    }
    let exited = c.event_after("exited", seen);
    assert_eq!(exited["exitCode"], 0);
    c.take_event("terminated");
    let out = c.stdout();
    for stop in &stops {
        for (expression, want) in stop["values"].as_table().unwrap() {
            let line = format!("{expression} = {}", want.as_str().unwrap());
            assert!(out.lines().any(|l| l == line), "output lacks {line:?}");
        }
    }
    c.request("disconnect", json!({}));
    assert_eq!(c.wait(), 0);
}

#[test]
fn rust_variables_at_every_stop() {
    variables_of("programs/vars.wasm");
}

#[test]
fn c_variables_at_every_stop() {
    variables_of("c/vars.wasm");
}

#[test]
fn steps_in_and_out_by_line() {
    let mut c = launch("programs/vars.wasm", json!({}));
    let path = source("vars/src/main.rs");
    set_lines(&mut c, &path, &[json!({ "line": 184 })]);
    let seen = c.events.len();
    c.ok("configurationDone", json!({}));
    c.event_after("stopped", seen);
    let (_, name, _, line) = c.top_frame();
    assert!(name.contains("main") && line == 184, "{name} {line}");
    set_lines(&mut c, &path, &[]);
    // Into `describe` (the program's own function).
    let seen = c.events.len();
    c.ok("stepIn", json!({ "threadId": 1 }));
    assert_eq!(c.event_after("stopped", seen)["reason"], "step");
    let (frame, name, file, line) = c.top_frame();
    assert!(name.contains("describe"), "{name}");
    assert!(
        file.ends_with("vars/src/main.rs") && (79..=88).contains(&line),
        "{file}:{line}"
    );
    assert_eq!(evaluate(&mut c, frame, "count"), "12345678901");
    // Out, back in main at the call's line.
    let seen = c.events.len();
    c.ok("stepOut", json!({ "threadId": 1 }));
    c.event_after("stopped", seen);
    let (_, name, _, line) = c.top_frame();
    assert!(name.contains("main") && line >= 184, "{name} {line}");
    // Next: a later line of main.
    let seen = c.events.len();
    c.ok("next", json!({ "threadId": 1 }));
    c.event_after("stopped", seen);
    let (_, name, _, after) = c.top_frame();
    assert!(name.contains("main") && after > line, "{name} {after}");
    // By instruction: the instruction pointer moves, the line may not.
    let before = c.ok("stackTrace", json!({ "threadId": 1 }))["stackFrames"][0]
        ["instructionPointerReference"]
        .clone();
    let seen = c.events.len();
    c.ok(
        "next",
        json!({ "threadId": 1, "granularity": "instruction" }),
    );
    c.event_after("stopped", seen);
    let now = c.ok("stackTrace", json!({ "threadId": 1 }))["stackFrames"][0]
        ["instructionPointerReference"]
        .clone();
    assert_ne!(before, now);
    c.request("terminate", json!({}));
    assert_eq!(c.take_event("exited")["exitCode"], 137);
}

#[test]
fn conditions_and_log_messages() {
    // A false condition never stops; a logpoint prints; the program exits.
    let mut c = launch("programs/vars.wasm", json!({}));
    let path = source("vars/src/main.rs");
    let set = set_lines(
        &mut c,
        &path,
        &[
            json!({ "line": 110, "condition": "small == 1" }),
            json!({ "line": 130, "logMessage": "small is {small}, p.x is {p.x}" }),
        ],
    );
    assert_eq!(set["breakpoints"][1]["verified"], true);
    c.ok("configurationDone", json!({}));
    assert_eq!(c.take_event("exited")["exitCode"], 0);
    let console: String = c
        .events
        .iter()
        .filter(|e| e["event"] == "output" && e["body"]["category"] == "console")
        .filter_map(|e| e["body"]["output"].as_str())
        .collect();
    assert!(console.contains("small is -42, p.x is 3"), "{console:?}");

    // A true condition stops; a bad one is reported with the breakpoint.
    let mut c = launch("programs/vars.wasm", json!({}));
    let set = set_lines(
        &mut c,
        &path,
        &[
            json!({ "line": 110, "condition": "small == -42 && flag" }),
            json!({ "line": 130, "condition": "p.x ==" }),
        ],
    );
    assert!(set["breakpoints"][1]["message"]
        .as_str()
        .unwrap_or("")
        .contains("condition"));
    c.ok("configurationDone", json!({}));
    let stopped = c.take_event("stopped");
    assert_eq!(stopped["reason"], "breakpoint");
    assert_eq!(c.top_frame().3, 110);
}

#[test]
fn pause_a_running_guest_and_terminate() {
    let mut c = launch(
        "programs/longloop.wasm",
        json!({ "args": ["100000000000", "1000000000000"] }),
    );
    c.ok("configurationDone", json!({}));
    std::thread::sleep(std::time::Duration::from_millis(300));
    // Requests while it runs: threads answers, a stack trace is refused.
    let threads = c.ok("threads", json!({}));
    assert_eq!(threads["threads"][0]["id"], 1);
    let st = c.request("stackTrace", json!({ "threadId": 1 }));
    assert_eq!(st["success"], false);
    c.ok("pause", json!({ "threadId": 1 }));
    assert_eq!(c.take_event("stopped")["reason"], "pause");
    let (_, name, _, _) = c.top_frame();
    assert!(!name.is_empty());
    c.ok("terminate", json!({}));
    assert_eq!(c.take_event("exited")["exitCode"], 137);
    c.take_event("terminated");
}

#[test]
fn stop_on_entry_env_and_args() {
    let mut c = launch(
        "programs/echo.wasm",
        json!({ "stopOnEntry": true, "args": ["one", "two"], "env": { "GREETING": "hi" } }),
    );
    c.ok("configurationDone", json!({}));
    assert_eq!(c.take_event("stopped")["reason"], "entry");
    c.ok("continue", json!({ "threadId": 1 }));
    assert_eq!(c.take_event("exited")["exitCode"], 0);
    let out = c.stdout();
    assert_eq!(out, "one\ntwo\nGREETING=hi\n");
}

#[test]
fn a_trap_is_an_exception_stop_then_the_exit() {
    let mut c = launch("programs/divzero.wasm", json!({}));
    c.ok("configurationDone", json!({}));
    let stopped = c.take_event("stopped");
    assert_eq!(stopped["reason"], "exception");
    assert!(stopped["text"]
        .as_str()
        .unwrap()
        .contains("integer divide by zero"));
    let (frame, name, file, _) = c.top_frame();
    assert!(name.contains("raw_div"), "{name}");
    assert!(file.ends_with("divzero/src/main.rs"), "{file}");
    assert_eq!(evaluate(&mut c, frame, "parts"), "0");
    c.ok("continue", json!({ "threadId": 1 }));
    assert_eq!(c.take_event("exited")["exitCode"], 1);
}

#[test]
fn bad_requests_and_bad_input() {
    let mut c = adapter();
    // Before launch, and unknown commands: failed responses, the adapter goes on.
    let r = c.request("stackTrace", json!({ "threadId": 1 }));
    assert_eq!(r["success"], false);
    let r = c.request("frobnicate", json!({}));
    assert_eq!(r["success"], false);
    let r = c.request("launch", json!({ "program": "/no/such.wasm" }));
    assert_eq!(r["success"], false);
    assert!(r["message"].as_str().unwrap().contains("/no/such.wasm"));
    let r = c.request(
        "launch",
        json!({ "program": samples().join("programs/vars.wasm"), "args": 5 }),
    );
    assert_eq!(r["success"], false);
    // A body that is not JSON ends the adapter (the stream cannot be trusted), cleanly.
    c.send_raw(b"Content-Length: 5\r\n\r\n{oops");
    assert_eq!(c.wait(), 0);
}

#[test]
fn the_vscode_extension_starts_the_adapter() {
    // cli/vscode: the debugger VS Code starts for `"type": "wasmscope"`.
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("vscode");
    let manifest: Json =
        serde_json::from_str(&std::fs::read_to_string(dir.join("package.json")).unwrap()).unwrap();
    let debugger = &manifest["contributes"]["debuggers"][0];
    assert_eq!(debugger["type"], "wasmscope");
    let program = dir.join(debugger["program"].as_str().unwrap());
    let mut command = Command::new(&program);
    command.env("WASMSCOPE", env!("CARGO_BIN_EXE_wasmscope"));
    let mut c = Client::start(command);
    let caps = c.ok("initialize", json!({ "adapterID": "wasmscope" }));
    assert_eq!(caps["supportsLogPoints"], true);
    c.ok(
        "launch",
        json!({ "program": samples().join("programs/hello.wasm") }),
    );
    c.take_event("initialized");
    c.ok("configurationDone", json!({}));
    assert_eq!(c.take_event("exited")["exitCode"], 0);
    assert_eq!(c.stdout(), "hello, wasmscope!\n");
}

#[test]
fn mounts_give_the_guest_its_files() {
    // A copy of the sample's data folder, mounted at /data: the program reads
    // input.txt and writes output.txt there.
    let dir = std::env::temp_dir().join(format!("wasmscope-dap-mount-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let data = samples().join("programs/files/data");
    for entry in std::fs::read_dir(&data).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
    }
    let mut c = launch(
        "programs/files.wasm",
        json!({ "mounts": [format!("{}:/data", dir.display())] }),
    );
    c.ok("configurationDone", json!({}));
    assert_eq!(c.take_event("exited")["exitCode"], 0);
    assert_eq!(c.stdout(), "84 bytes\n");
    let written = std::fs::read_to_string(dir.join("output.txt")).unwrap();
    assert!(
        written.starts_with("HELLO FROM A MOUNTED DIRECTORY"),
        "{written}"
    );
    let _ = std::fs::remove_dir_all(&dir);
    // A malformed mount is a failed launch that says why.
    let mut c = adapter();
    c.ok("initialize", json!({}));
    let r = c.request(
        "launch",
        json!({ "program": samples().join("programs/files.wasm"), "mounts": [":"] }),
    );
    assert_eq!(r["success"], false);
    assert!(r["message"].as_str().unwrap().contains("mounts"), "{r:#}");
}

#[test]
fn hit_conditions_and_hostile_arguments() {
    // longloop's line 28 (`i += 1`) is reached once per iteration: with hit condition
    // 3 the first stop is the third. Its statement comes before the call to `step` in
    // the loop's code (a release build), so two iterations are done: `i` is 2 and
    // `state` the generator's second value.
    let mut c = launch("programs/longloop.wasm", json!({ "args": ["5", "1000"] }));
    let path = source("longloop/src/main.rs");
    let set = set_lines(&mut c, &path, &[json!({ "line": 28, "hitCondition": "3" })]);
    assert_eq!(set["breakpoints"][0]["verified"], true, "{set:#}");
    c.ok("configurationDone", json!({}));
    let stopped = c.take_event("stopped");
    assert_eq!(stopped["reason"], "breakpoint");
    let (frame, name, _, _) = c.top_frame();
    assert!(name.contains("main"), "{name}");
    let lcg = |s: u64| {
        s.wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407)
    };
    assert_eq!(evaluate(&mut c, frame, "state"), lcg(lcg(0)).to_string());
    assert_eq!(evaluate(&mut c, frame, "i"), "2");
    // Arguments no client should send: errors or nothing, never a crash.
    let st = c.ok(
        "stackTrace",
        json!({ "threadId": 1, "startFrame": 1, "levels": u64::MAX }),
    );
    assert!(st["stackFrames"].as_array().unwrap().len() > 1);
    let st = c.ok(
        "stackTrace",
        json!({ "threadId": 1, "startFrame": u64::MAX, "levels": 1 }),
    );
    assert_eq!(st["stackFrames"].as_array().unwrap().len(), 0);
    let set = set_lines(
        &mut c,
        &path,
        &[
            json!({ "line": u64::MAX }),
            json!({ "line": 4294967406u64 }),
            json!({ "line": -3 }),
        ],
    );
    for b in set["breakpoints"].as_array().unwrap() {
        assert_eq!(b["verified"], false, "{set:#}");
    }
    // A file found by its name alone (a program built elsewhere), and a name that
    // several of the program's files have, which says so.
    let set = set_lines(&mut c, "/built/elsewhere/main.rs", &[json!({ "line": 28 })]);
    assert_eq!(set["breakpoints"][0]["verified"], true, "{set:#}");
    set_lines(&mut c, "/built/elsewhere/main.rs", &[]);
    let set = set_lines(&mut c, "/elsewhere/mod.rs", &[json!({ "line": 10 })]);
    assert_eq!(set["breakpoints"][0]["verified"], false, "{set:#}");
    let message = set["breakpoints"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("could be") && message.contains("sourceMap"),
        "{message}"
    );
    assert_eq!(
        c.request("variables", json!({ "variablesReference": 999 }))["success"],
        false
    );
    assert_eq!(
        c.request("scopes", json!({ "frameId": 999 }))["success"],
        false
    );
    c.ok("continue", json!({ "threadId": 1 }));
    assert_eq!(c.take_event("exited")["exitCode"], 0);
}

#[test]
fn step_back_and_reverse_continue_in_a_recorded_run() {
    let mut c = launch(
        "programs/divzero.wasm",
        json!({ "args": ["a", "b", "c", "d"], "record": true }),
    );
    let path = source("divzero/src/main.rs");
    set_lines(&mut c, &path, &[json!({ "line": 56 })]);
    let seen = c.events.len();
    c.ok("configurationDone", json!({}));
    c.event_after("stopped", seen);
    for _ in 0..2 {
        let seen = c.events.len();
        c.ok("continue", json!({ "threadId": 1 }));
        assert_eq!(c.event_after("stopped", seen)["reason"], "breakpoint");
    }
    let (frame, _, _, _) = c.top_frame();
    assert_eq!(evaluate(&mut c, frame, "i"), "2");
    // Back to the previous hit.
    let seen = c.events.len();
    c.ok("reverseContinue", json!({ "threadId": 1 }));
    let stop = c.event_after("stopped", seen);
    assert_eq!(stop["reason"], "breakpoint");
    let (frame, _, _, line) = c.top_frame();
    assert_eq!((evaluate(&mut c, frame, "i"), line), ("1".to_string(), 56));
    // A step back: an earlier line.
    let seen = c.events.len();
    c.ok("stepBack", json!({ "threadId": 1 }));
    assert_eq!(c.event_after("stopped", seen)["reason"], "step");
    let (_, _, _, back) = c.top_frame();
    assert_ne!(back, 56);
    // Forward: the present (i == 2), then on.
    let seen = c.events.len();
    c.ok("continue", json!({ "threadId": 1 }));
    c.event_after("stopped", seen);
    let (frame, _, _, _) = c.top_frame();
    assert_eq!(evaluate(&mut c, frame, "i"), "1");
    c.request("terminate", json!({}));
    c.take_event("exited");
}

#[test]
fn step_back_needs_a_recorded_run() {
    let mut c = launch("programs/divzero.wasm", json!({ "args": ["a"] }));
    let path = source("divzero/src/main.rs");
    set_lines(&mut c, &path, &[json!({ "line": 56 })]);
    let seen = c.events.len();
    c.ok("configurationDone", json!({}));
    c.event_after("stopped", seen);
    let r = c.request("stepBack", json!({ "threadId": 1 }));
    assert_eq!(r["success"], false);
    assert!(
        r["message"]
            .as_str()
            .is_some_and(|m| m.contains("not recorded")),
        "{r}"
    );
    c.request("terminate", json!({}));
}
