//! `wasmscope dap`: a Debug Adapter Protocol server on stdin/stdout, so that VS Code (and
//! any DAP client: nvim-dap, Helix, Zed) debugs a WASI program on wasmscope at the source
//! level without LLDB. It drives the same debugging session as the workbench and
//! `wasmscope debug` ([`Stepper`]): breakpoints by source line with conditions, hit
//! counts and log messages, function breakpoints, continue, next / step in / step out by
//! line (or by instruction, `granularity: "instruction"`), pause, the stack with source
//! locations (inlined frames as frames of their own), the source variables as trees,
//! evaluate for watch and hover, the guest's output as `output` events and its exit code
//! in `exited`.
//!
//! The `launch` request's arguments: `program` (a `.wasm` or `.wat` file), `args`
//! (after argv[0]), `env` (an object), `mounts` (`HOST[:GUEST][:ro]` strings, as
//! `wasmscope run --mount`), `stopOnEntry`, `invoke` (an export to call instead of
//! `_start`; `args` are then its parameters), `sourceMap` (an object: DWARF path prefix
//! → local path prefix; without it a DWARF path that does not exist is looked for under
//! the program's folders by its trailing components).
//!
//! The guest runs on the adapter's thread in slices of [`SLICE`] instructions; between
//! slices the adapter answers `pause`, `threads`, breakpoint changes and `disconnect`,
//! so a running guest never blocks the client. The guest's stdin is empty (the
//! adapter's stdin is the protocol).

use std::collections::HashMap;
use std::io::{self, BufRead, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{mpsc, Arc, Mutex};

use serde_json::{json, Value as Json};
use wasmscope::{ExecutionState, LineStep, ModuleConfig};
use wasmscope_listeners::breakpoints::{BreakpointLocation, HitCondition};
use wasmscope_listeners::stepper::{Frame, Op, Reverse, Stepper};

/// Instructions the guest runs between two looks at the client's requests.
pub const SLICE: u64 = 200_000;
/// The largest message accepted (a longer `Content-Length` ends the session: the
/// stream cannot be resynchronised).
const MAX_MESSAGE: usize = 16 * 1024 * 1024;
/// How many library steps one step in may chain (Just My Code).
const MAX_LIBRARY_STEPS: usize = 100_000;

/// Reads one message (`Content-Length` framed JSON); `Ok(None)` at the end of input.
///
/// # Errors
/// An I/O error, a missing or oversized length, or a body that is not JSON.
pub fn read_message(input: &mut impl BufRead) -> io::Result<Option<Json>> {
    let mut length: Option<usize> = None;
    let mut saw_header = false;
    loop {
        let mut line = String::new();
        // A header line is short: a longer one is not the protocol.
        if input.by_ref().take(4096).read_line(&mut line)? == 0 {
            return if saw_header {
                Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "input ended in a header",
                ))
            } else {
                Ok(None)
            };
        }
        if !line.ends_with('\n') && line.len() >= 4096 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "a header line too long",
            ));
        }
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            if saw_header {
                break;
            }
            continue;
        }
        saw_header = true;
        if let Some((k, v)) = line.split_once(':') {
            if k.trim().eq_ignore_ascii_case("content-length") {
                length = v.trim().parse().ok();
            }
        }
    }
    let length =
        length.ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "no Content-Length"))?;
    if length > MAX_MESSAGE {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("a message of {length} bytes (at most {MAX_MESSAGE})"),
        ));
    }
    let mut body = vec![0u8; length];
    input.read_exact(&mut body)?;
    serde_json::from_slice(&body)
        .map(Some)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

/// Writes one message with its `Content-Length` header.
///
/// # Errors
/// The output cannot be written.
pub fn write_message(out: &mut impl Write, message: &Json) -> io::Result<()> {
    let body = message.to_string();
    write!(out, "Content-Length: {}\r\n\r\n{body}", body.len())?;
    out.flush()
}

/// Output kept for `output` events: (category, bytes) in the order written.
type Chunks = Arc<Mutex<Vec<(&'static str, Vec<u8>)>>>;

/// The guest's stdout or stderr, kept for `output` events.
#[derive(Clone)]
struct Capture {
    category: &'static str,
    sink: Chunks,
}

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut sink = self.sink.lock().unwrap_or_else(|e| e.into_inner());
        match sink.last_mut() {
            Some((c, bytes)) if *c == self.category => bytes.extend_from_slice(buf),
            _ => sink.push((self.category, buf.to_vec())),
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// One frame as the client sees it: a Wasm frame, or a function inlined into one.
struct View {
    /// Index into the stepper's frames.
    wasm: usize,
    name: String,
    /// DWARF path, line, column.
    source: Option<(String, u32, u32)>,
    offset: Option<u64>,
}

/// What a `variablesReference` stands for.
#[derive(Clone, PartialEq)]
enum Ref {
    /// The source variables of a frame (a view).
    Locals(usize),
    /// The Wasm locals and operand stack of a frame.
    Wasm(usize),
    /// The children of an expression's value in a frame.
    Children(usize, String),
}

/// Why the program is stopped.
#[derive(Clone, Debug, PartialEq)]
enum Stop {
    Entry,
    Step,
    Breakpoint(Vec<u32>),
    Pause,
    Exception(String),
    Trap(String),
}

/// A launched program.
struct Session {
    stepper: Stepper,
    program: PathBuf,
    stop: Stop,
    views: Option<Vec<View>>,
    frames: Vec<Frame>,
    refs: Vec<Ref>,
    /// Client source path → the breakpoints set for it.
    source_breakpoints: HashMap<String, Vec<u32>>,
    function_breakpoints: Vec<u32>,
    output: Chunks,
    log: Arc<Mutex<Vec<String>>>,
    source_map: Vec<(String, String)>,
    paths: HashMap<String, Option<String>>,
    stop_on_entry: bool,
    ended: bool,
}

/// The adapter: the client's requests in, responses and events out.
struct Adapter<W: Write> {
    out: W,
    seq: i64,
    session: Option<Session>,
    /// The client's `linesStartAt1` (DAP's default: true).
    lines_from_1: bool,
    /// The client's `columnsStartAt1` (DAP's default: true).
    columns_from_1: bool,
}

impl<W: Write> Adapter<W> {
    fn send(&mut self, mut message: Json) {
        self.seq += 1;
        message["seq"] = json!(self.seq);
        // A client that has gone cannot be told anything more.
        let _ = write_message(&mut self.out, &message);
    }

    fn respond(&mut self, request: &Json, body: Json) {
        self.send(json!({
            "type": "response",
            "request_seq": request["seq"],
            "command": request["command"],
            "success": true,
            "body": body,
        }));
    }

    fn fail(&mut self, request: &Json, message: impl Into<String>) {
        let message = message.into();
        self.send(json!({
            "type": "response",
            "request_seq": request["seq"],
            "command": request["command"],
            "success": false,
            "message": message,
            "body": { "error": { "id": 1, "format": message, "showUser": true } },
        }));
    }

    fn event(&mut self, event: &str, body: Json) {
        self.send(json!({ "type": "event", "event": event, "body": body }));
    }

    /// Sends the guest's output and the logpoints' messages gathered so far.
    fn flush_output(&mut self) {
        let Some(s) = &self.session else { return };
        let chunks: Vec<(&'static str, Vec<u8>)> =
            std::mem::take(&mut *s.output.lock().unwrap_or_else(|e| e.into_inner()));
        let logs: Vec<String> =
            std::mem::take(&mut *s.log.lock().unwrap_or_else(|e| e.into_inner()));
        for (category, bytes) in chunks {
            let text = String::from_utf8_lossy(&bytes).into_owned();
            self.event("output", json!({ "category": category, "output": text }));
        }
        for line in logs {
            self.event(
                "output",
                json!({ "category": "console", "output": format!("{line}\n") }),
            );
        }
    }

    /// Handles one request; `false` ends the adapter.
    fn request(&mut self, req: &Json, rx: &mpsc::Receiver<Option<Json>>) -> bool {
        let command = req["command"].as_str().unwrap_or("").to_string();
        let args = req.get("arguments").cloned().unwrap_or(Json::Null);
        match command.as_str() {
            "initialize" => {
                self.lines_from_1 = args["linesStartAt1"].as_bool().unwrap_or(true);
                self.columns_from_1 = args["columnsStartAt1"].as_bool().unwrap_or(true);
                self.respond(
                    req,
                    json!({
                        "supportsConfigurationDoneRequest": true,
                        "supportsConditionalBreakpoints": true,
                        "supportsHitConditionalBreakpoints": true,
                        "supportsLogPoints": true,
                        "supportsFunctionBreakpoints": true,
                        "supportsEvaluateForHovers": true,
                        "supportsSteppingGranularity": true,
                        "supportsTerminateRequest": true,
                        "supportsStepBack": true,
                        "supportTerminateDebuggee": true,
                        "exceptionBreakpointFilters": [{
                            "filter": "exceptions",
                            "label": "Wasm exceptions (at the throw)",
                            "default": false,
                        }],
                    }),
                );
            }
            "launch" => match self.launch(&args) {
                Ok(()) => {
                    self.respond(req, json!({}));
                    self.event("initialized", json!({}));
                }
                Err(e) => self.fail(req, e),
            },
            "attach" => self.fail(
                req,
                "wasmscope dap launches programs (`launch`); to attach LLDB to a running \
                 `wasmscope run -g`, use lldb-dap",
            ),
            "disconnect" | "terminate" => {
                self.respond(req, json!({}));
                if command == "terminate" {
                    self.end_program(None);
                }
                return command != "disconnect";
            }
            _ if self.session.is_none() => {
                self.fail(req, format!("`{command}` before `launch`"));
            }
            "setBreakpoints" => {
                let body = self.set_breakpoints(&args);
                self.respond(req, body);
            }
            "setFunctionBreakpoints" => {
                let body = self.set_function_breakpoints(&args);
                self.respond(req, body);
            }
            "setExceptionBreakpoints" => {
                let on = args["filters"]
                    .as_array()
                    .is_some_and(|f| f.iter().any(|x| x == "exceptions"));
                if let Some(s) = &mut self.session {
                    s.stepper.set_pause_on_exceptions(on);
                }
                self.respond(req, json!({}));
            }
            "configurationDone" => {
                self.respond(req, json!({}));
                let entry = self.session.as_ref().is_some_and(|s| s.stop_on_entry);
                if entry {
                    self.stopped();
                } else {
                    return self.run(Op::Continue, rx);
                }
            }
            "threads" => {
                self.respond(req, json!({ "threads": [{ "id": 1, "name": "main" }] }));
            }
            "stackTrace" => {
                let body = self.stack_trace(&args);
                self.respond(req, body);
            }
            "scopes" => {
                let frame = args["frameId"].as_u64().unwrap_or(u64::MAX) as usize;
                match self.scopes(frame) {
                    Ok(body) => self.respond(req, body),
                    Err(e) => self.fail(req, e),
                }
            }
            "variables" => {
                let r = args["variablesReference"].as_u64().unwrap_or(0) as usize;
                match self.variables(r) {
                    Ok(body) => self.respond(req, body),
                    Err(e) => self.fail(req, e),
                }
            }
            "evaluate" => {
                let frame = args["frameId"].as_u64().map(|f| f as usize).unwrap_or(0);
                let expression = args["expression"].as_str().unwrap_or("").to_string();
                match self.evaluate(frame, &expression) {
                    Ok(body) => self.respond(req, body),
                    Err(e) => self.fail(req, e),
                }
            }
            "source" => self.fail(req, "no source available by reference"),
            "continue" | "next" | "stepIn" | "stepOut" => {
                if self.session.as_ref().is_some_and(|s| s.ended) {
                    self.fail(req, "the program has ended");
                    return true;
                }
                let instruction = args["granularity"] == "instruction";
                let op = match (command.as_str(), instruction) {
                    ("continue", _) => Op::Continue,
                    ("next", false) => Op::Line(LineStep::Over),
                    ("stepIn", false) => Op::Line(LineStep::Into),
                    ("stepOut", false) => Op::Line(LineStep::Out),
                    ("next", true) => Op::StepOver,
                    ("stepIn", true) => Op::StepInto,
                    _ => Op::StepOut,
                };
                let body = if command == "continue" {
                    json!({ "allThreadsContinued": true })
                } else {
                    json!({})
                };
                self.respond(req, body);
                return self.run(op, rx);
            }
            "stepBack" | "reverseContinue" => {
                if self.session.as_ref().is_some_and(|s| s.ended) {
                    self.fail(req, "the program has ended");
                    return true;
                }
                let how = match (command.as_str(), args["granularity"] == "instruction") {
                    ("reverseContinue", _) => Reverse::Continue,
                    (_, true) => Reverse::Instruction,
                    (_, false) => Reverse::Next,
                };
                let Some(s) = &mut self.session else {
                    return true;
                };
                match s.stepper.reverse(how) {
                    Ok(found) => {
                        self.respond(req, json!({}));
                        let Some(s) = &mut self.session else {
                            return true;
                        };
                        s.views = None;
                        s.refs.clear();
                        s.stop = match (how, found) {
                            (Reverse::Continue, Some(_)) => {
                                Stop::Breakpoint(s.stepper.breakpoints_here())
                            }
                            // The start of the history.
                            (_, None) => Stop::Entry,
                            _ => Stop::Step,
                        };
                        self.stopped();
                    }
                    Err(e) => self.fail(req, e),
                }
            }
            "pause" => {
                // Already paused (a pause while running is handled by `run`).
                self.respond(req, json!({}));
            }
            _ => self.fail(req, format!("`{command}` is not supported")),
        }
        true
    }

    fn launch(&mut self, args: &Json) -> Result<(), String> {
        let program = args["program"]
            .as_str()
            .ok_or("launch: `program` (the .wasm file) is missing")?;
        let program = PathBuf::from(program);
        let wasm = crate::run::read_module(&program)?;
        let mut stepper = Stepper::new(&wasm, wasmscope::wasi::instantiate)
            .map_err(|e| format!("{}: {e}", program.display()))?;
        let guest_args: Vec<String> = match &args["args"] {
            Json::Array(a) => a
                .iter()
                .map(|v| {
                    v.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| v.to_string())
                })
                .collect(),
            Json::Null => Vec::new(),
            _ => return Err("launch: `args` must be an array of strings".into()),
        };
        let invoke = args["invoke"].as_str().map(str::to_string);
        let output = Arc::new(Mutex::new(Vec::new()));
        let argv0 = program
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut argv: Vec<&str> = vec![&argv0];
        if invoke.is_none() {
            argv.extend(guest_args.iter().map(String::as_str));
        }
        let mut config = ModuleConfig::new()
            .with_args(&argv)
            .with_stdin(io::empty())
            .with_stdout(Capture {
                category: "stdout",
                sink: output.clone(),
            })
            .with_stderr(Capture {
                category: "stderr",
                sink: output.clone(),
            })
            .with_sys_walltime()
            .with_sys_nanotime();
        match &args["env"] {
            Json::Object(env) => {
                for (k, v) in env {
                    let v = v
                        .as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| v.to_string());
                    config = config.with_env(k, &v);
                }
            }
            Json::Null => {}
            _ => return Err("launch: `env` must be an object".into()),
        }
        let mut fs = wasmscope::FsConfig::new();
        if let Some(mounts) = args["mounts"].as_array() {
            for m in mounts {
                let m = crate::run::parse_mount(m.as_str().unwrap_or(""))
                    .map_err(|e| format!("launch: mounts: {e}"))?;
                fs = if m.read_only {
                    fs.with_read_only_dir_mount(&m.host, &m.guest)
                } else {
                    fs.with_dir_mount(&m.host, &m.guest)
                };
            }
        }
        config = config.with_fs_config(fs);
        let (export, params) =
            crate::run::entry(&program, stepper.compiled(), invoke.as_deref(), &guest_args)?;
        let log = Arc::new(Mutex::new(Vec::new()));
        {
            let log = log.clone();
            stepper.set_log_sink(Some(Box::new(move |line: &str| {
                log.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(line.to_string())
            })));
        }
        // `record`: time travel (stepBack, reverseContinue).
        stepper.set_time_travel(args["record"].as_bool().unwrap_or(false));
        stepper
            .start(config, &export, &params)
            .map_err(|e| format!("{}: {e}", program.display()))?;
        // Into the function, before its first instruction.
        if !matches!(stepper.step_into(), ExecutionState::Paused) {
            return Err(format!(
                "{}: ended before its first instruction",
                program.display()
            ));
        }
        let source_map = match &args["sourceMap"] {
            Json::Object(m) => m
                .iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect(),
            _ => Vec::new(),
        };
        self.session = Some(Session {
            stepper,
            program,
            stop: Stop::Entry,
            views: None,
            frames: Vec::new(),
            refs: Vec::new(),
            source_breakpoints: HashMap::new(),
            function_breakpoints: Vec::new(),
            output,
            log,
            source_map,
            paths: HashMap::new(),
            stop_on_entry: args["stopOnEntry"].as_bool().unwrap_or(false),
            ended: false,
        });
        Ok(())
    }

    fn set_breakpoints(&mut self, args: &Json) -> Json {
        let Some(s) = &mut self.session else {
            return json!({ "breakpoints": [] });
        };
        let path = args["source"]["path"]
            .as_str()
            .or_else(|| args["source"]["name"].as_str())
            .unwrap_or("")
            .to_string();
        for id in s.source_breakpoints.remove(&path).unwrap_or_default() {
            s.stepper.remove_breakpoint(id);
        }
        let file = s.dwarf_file(&path);
        let mut ids = Vec::new();
        let mut out = Vec::new();
        let one = if self.lines_from_1 { 0 } else { 1 };
        for bp in args["breakpoints"].as_array().cloned().unwrap_or_default() {
            let given = bp["line"].as_u64().unwrap_or(0);
            let Some(line) = u32::try_from(given)
                .ok()
                .and_then(|l| l.checked_add(one))
                .filter(|l| *l > 0)
            else {
                out.push(json!({
                    "verified": false,
                    "line": given,
                    "message": format!("no line {given}"),
                }));
                continue;
            };
            let file = match &file {
                Ok(f) => f,
                Err(e) => {
                    out.push(json!({
                        "verified": false,
                        "line": line - one,
                        "message": e,
                    }));
                    continue;
                }
            };
            let location = BreakpointLocation::Line {
                file: file.clone(),
                line,
            };
            match s.stepper.add_breakpoint(location) {
                Ok(id) => {
                    let mut problems = Vec::new();
                    if let Some(c) = bp["condition"].as_str().filter(|c| !c.trim().is_empty()) {
                        if let Err(e) = s.stepper.set_condition(id, Some(c)) {
                            problems.push(format!("condition: {e}"));
                        }
                    }
                    if let Some(h) = bp["hitCondition"].as_str().filter(|h| !h.trim().is_empty()) {
                        match HitCondition::parse(h) {
                            Ok(h) => {
                                if let Err(e) = s.stepper.set_hit_condition(id, Some(h)) {
                                    problems.push(format!("hit condition: {e}"));
                                }
                            }
                            Err(e) => problems.push(format!("hit condition: {e}")),
                        }
                    }
                    if let Some(m) = bp["logMessage"].as_str() {
                        if let Err(e) = s.stepper.set_log_message(id, Some(m)) {
                            problems.push(format!("log message: {e}"));
                        }
                    }
                    ids.push(id);
                    let mut entry = json!({ "id": id, "verified": true, "line": line - one });
                    if !problems.is_empty() {
                        entry["message"] = json!(problems.join("; "));
                    }
                    out.push(entry);
                }
                Err(e) => out.push(json!({
                    "verified": false,
                    "line": line - one,
                    "message": e,
                })),
            }
        }
        s.source_breakpoints.insert(path, ids);
        json!({ "breakpoints": out })
    }

    fn set_function_breakpoints(&mut self, args: &Json) -> Json {
        let Some(s) = &mut self.session else {
            return json!({ "breakpoints": [] });
        };
        for id in std::mem::take(&mut s.function_breakpoints) {
            s.stepper.remove_breakpoint(id);
        }
        let mut out = Vec::new();
        for bp in args["breakpoints"].as_array().cloned().unwrap_or_default() {
            let name = bp["name"].as_str().unwrap_or("").to_string();
            match s.stepper.add_breakpoint(BreakpointLocation::Function(name)) {
                Ok(id) => {
                    let mut entry = json!({ "id": id, "verified": true });
                    if let Some(c) = bp["condition"].as_str().filter(|c| !c.trim().is_empty()) {
                        if let Err(e) = s.stepper.set_condition(id, Some(c)) {
                            entry["message"] = json!(format!("condition: {e}"));
                        }
                    }
                    s.function_breakpoints.push(id);
                    out.push(entry);
                }
                Err(e) => out.push(json!({ "verified": false, "message": e })),
            }
        }
        json!({ "breakpoints": out })
    }

    /// Runs `op` in slices until it stops, answering the requests that come
    /// meanwhile; then says why it stopped (or that the program ended). `false` ends
    /// the adapter (the client disconnected).
    fn run(&mut self, op: Op, rx: &mpsc::Receiver<Option<Json>>) -> bool {
        let Some(s) = &mut self.session else {
            return true;
        };
        s.views = None;
        s.refs.clear();
        if let Stop::Trap(_) = s.stop {
            // A trapped program cannot go on: it ends as `wasmscope run` ends it.
            self.end_program(Some(1));
            return true;
        }
        let mut last = match op {
            Op::Line(kind) => Some(kind),
            _ => None,
        };
        let mut library_steps = 0;
        let mut state = s.stepper.begin(op, SLICE);
        loop {
            self.flush_output();
            let Some(s) = &mut self.session else {
                return true;
            };
            match state {
                ExecutionState::Paused if s.stepper.paused_by_budget() => {
                    // Requests that came while the guest ran.
                    while let Ok(message) = rx.try_recv() {
                        let Some(req) = message else {
                            return false;
                        };
                        if req["type"] != "request" {
                            continue;
                        }
                        match req["command"].as_str().unwrap_or("") {
                            "pause" => {
                                self.respond(&req, json!({}));
                                if let Some(s) = &mut self.session {
                                    s.stepper.cancel();
                                    s.stop = Stop::Pause;
                                }
                                self.stopped();
                                return true;
                            }
                            "disconnect" => {
                                self.respond(&req, json!({}));
                                return false;
                            }
                            "terminate" => {
                                self.respond(&req, json!({}));
                                self.end_program(None);
                                return true;
                            }
                            "threads"
                            | "setBreakpoints"
                            | "setFunctionBreakpoints"
                            | "setExceptionBreakpoints" => {
                                self.request(&req, rx);
                            }
                            other => {
                                let other = other.to_string();
                                self.fail(&req, format!("`{other}`: the program is running"));
                            }
                        }
                    }
                    let Some(s) = &mut self.session else {
                        return true;
                    };
                    state = s.stepper.go_on(SLICE);
                }
                ExecutionState::Paused => {
                    let by = s.stepper.stopped_by();
                    // Just My Code: a step in goes on through the toolchain's code.
                    if by.is_empty()
                        && matches!(op, Op::Line(LineStep::Into))
                        && library_steps < MAX_LIBRARY_STEPS
                        && s.stepper.exception().is_none()
                    {
                        if let Some(next) = s.stepper.library_step(last) {
                            library_steps += 1;
                            last = Some(next);
                            state = s.stepper.begin(Op::Line(next), SLICE);
                            continue;
                        }
                    }
                    s.stop = if let Some(e) = s.stepper.exception() {
                        Stop::Exception(e.description)
                    } else if !by.is_empty() {
                        Stop::Breakpoint(by)
                    } else {
                        Stop::Step
                    };
                    self.stopped();
                    return true;
                }
                ExecutionState::Finished(_) => {
                    self.end_program(Some(0));
                    return true;
                }
                ExecutionState::Exited(code) => {
                    self.end_program(Some(code));
                    return true;
                }
                ExecutionState::Trapped(e) => {
                    let message = e.to_string();
                    s.stop = Stop::Trap(message.lines().next().unwrap_or("trap").to_string());
                    self.event(
                        "output",
                        json!({ "category": "stderr", "output": format!("{message}\n") }),
                    );
                    self.stopped();
                    return true;
                }
                _ => {
                    self.end_program(Some(1));
                    return true;
                }
            }
        }
    }

    /// The `stopped` event for the session's stop.
    fn stopped(&mut self) {
        self.flush_output();
        let Some(s) = &self.session else { return };
        let mut body = json!({ "threadId": 1, "allThreadsStopped": true });
        match &s.stop {
            Stop::Entry => body["reason"] = json!("entry"),
            Stop::Step => body["reason"] = json!("step"),
            Stop::Pause => body["reason"] = json!("pause"),
            Stop::Breakpoint(ids) => {
                body["reason"] = json!("breakpoint");
                body["hitBreakpointIds"] = json!(ids);
            }
            Stop::Exception(text) | Stop::Trap(text) => {
                body["reason"] = json!("exception");
                body["description"] = json!(text);
                body["text"] = json!(text);
            }
        }
        self.event("stopped", body);
    }

    /// Ends the program (with its exit code, or closing it) and says so.
    fn end_program(&mut self, code: Option<u32>) {
        self.flush_output();
        let Some(s) = &mut self.session else { return };
        if s.ended {
            return;
        }
        s.ended = true;
        let code = match code {
            Some(c) => c,
            None => {
                let _ = s.stepper.close(137);
                137
            }
        };
        self.event("exited", json!({ "exitCode": code }));
        self.event("terminated", json!({}));
    }

    fn stack_trace(&mut self, args: &Json) -> Json {
        let one = if self.lines_from_1 { 0 } else { 1 };
        let column_one = if self.columns_from_1 { 0 } else { 1 };
        let Some(s) = &mut self.session else {
            return json!({ "stackFrames": [], "totalFrames": 0 });
        };
        s.ensure_views();
        let start = usize::try_from(args["startFrame"].as_u64().unwrap_or(0)).unwrap_or(usize::MAX);
        let levels = usize::try_from(args["levels"].as_u64().unwrap_or(0)).unwrap_or(usize::MAX);
        let views = s.views.as_deref().unwrap_or_default();
        let total = views.len();
        let end = if levels == 0 {
            total
        } else {
            start.saturating_add(levels).min(total)
        };
        let mut frames = Vec::new();
        let mut lookups = Vec::new();
        for (i, v) in views.iter().enumerate().take(end).skip(start) {
            lookups.push((i, v.source.clone(), v.name.clone(), v.offset));
        }
        for (i, source, name, offset) in lookups {
            let mut f = json!({
                "id": i,
                "name": name,
                "line": 0,
                "column": 0,
            });
            if let Some(o) = offset {
                f["instructionPointerReference"] = json!(format!("0x{o:x}"));
            }
            if let Some((file, line, column)) = source {
                let local = s.local_path(&file);
                let shown = local.clone().unwrap_or(file.clone());
                let name = Path::new(&shown)
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let mut src = json!({ "name": name, "path": shown });
                if local.is_none() {
                    src["presentationHint"] = json!("deemphasize");
                }
                f["source"] = src;
                f["line"] = json!(line.saturating_sub(one));
                f["column"] = json!(column.max(1).saturating_sub(column_one));
            } else {
                f["presentationHint"] = json!("subtle");
            }
            frames.push(f);
        }
        json!({ "stackFrames": frames, "totalFrames": total })
    }

    fn scopes(&mut self, view: usize) -> Result<Json, String> {
        let s = self.session.as_mut().ok_or("no program")?;
        s.ensure_views();
        if view >= s.views.as_ref().map_or(0, Vec::len) {
            return Err(format!("no frame {view}"));
        }
        let locals = s.reference(Ref::Locals(view));
        let wasm = s.reference(Ref::Wasm(view));
        Ok(json!({ "scopes": [
            { "name": "Locals", "presentationHint": "locals", "variablesReference": locals, "expensive": false },
            { "name": "Wasm", "presentationHint": "registers", "variablesReference": wasm, "expensive": false },
        ]}))
    }

    fn variables(&mut self, reference: usize) -> Result<Json, String> {
        let s = self.session.as_mut().ok_or("no program")?;
        let r = s
            .refs
            .get(reference.wrapping_sub(1))
            .cloned()
            .ok_or_else(|| format!("no variables reference {reference}"))?;
        let mut out = Vec::new();
        match r {
            Ref::Locals(view) => {
                let frame = s.frame_of(view)?;
                let vars = s.stepper.variables(&frame);
                for v in vars {
                    let e = v.as_evaluated();
                    let child = e
                        .expandable
                        .then(|| s.reference(Ref::Children(view, e.expression.clone())));
                    out.push(variable_json(&v.name, &e, child));
                }
            }
            Ref::Wasm(view) => {
                let frame = s.frame_of(view)?;
                let names = frame.definition.param_names();
                for (i, v) in frame.locals.iter().enumerate() {
                    let name = names
                        .get(i)
                        .and_then(|n| n.as_deref())
                        .map_or_else(|| format!("local {i}"), |n| format!("local {i} (${n})"));
                    out.push(json!({ "name": name, "value": v.to_string(), "type": v.ty().to_string(), "variablesReference": 0 }));
                }
                for (i, v) in frame.operands.iter().enumerate() {
                    out.push(json!({ "name": format!("stack {i}"), "value": v.to_string(), "type": v.ty().to_string(), "variablesReference": 0 }));
                }
            }
            Ref::Children(view, expression) => {
                let frame = s.frame_of(view)?;
                let children = s.stepper.children(&frame, &expression)?;
                for e in children {
                    let child = e
                        .expandable
                        .then(|| s.reference(Ref::Children(view, e.expression.clone())));
                    out.push(variable_json(&e.label, &e, child));
                }
            }
        }
        Ok(json!({ "variables": out }))
    }

    fn evaluate(&mut self, view: usize, expression: &str) -> Result<Json, String> {
        let s = self.session.as_mut().ok_or("no program")?;
        if s.ended {
            return Err("the program has ended".into());
        }
        let frame = s.frame_of(view)?;
        let e = s.stepper.evaluate(&frame, expression);
        let value = e.value.clone()?;
        let child = e
            .expandable
            .then(|| s.reference(Ref::Children(view, e.expression.clone())));
        Ok(json!({
            "result": value,
            "type": e.type_name,
            "variablesReference": child.unwrap_or(0),
        }))
    }
}

fn variable_json(name: &str, e: &wasmscope::variables::Evaluated, child: Option<usize>) -> Json {
    let value = match &e.value {
        Ok(v) => v.clone(),
        Err(why) => format!("<{why}>"),
    };
    let mut v = json!({
        "name": name,
        "value": value,
        "type": e.type_name,
        "evaluateName": e.expression,
        "variablesReference": child.unwrap_or(0),
    });
    if let Some(a) = e.address.or(e.points_to) {
        v["memoryReference"] = json!(format!("0x{a:x}"));
    }
    v
}

impl Session {
    /// A number for `r` (1-based; the same `r` gets the same number), valid until the
    /// program runs again.
    fn reference(&mut self, r: Ref) -> usize {
        if let Some(i) = self.refs.iter().position(|x| *x == r) {
            return i + 1;
        }
        self.refs.push(r);
        self.refs.len()
    }

    fn ensure_views(&mut self) {
        if self.views.is_some() {
            return;
        }
        self.frames = self.stepper.frames();
        let mut views = Vec::new();
        for (i, f) in self.frames.iter().enumerate() {
            if f.sources.is_empty() {
                views.push(View {
                    wasm: i,
                    name: f.definition.debug_name(),
                    source: None,
                    offset: f.code_offset,
                });
                continue;
            }
            for l in &f.sources {
                views.push(View {
                    wasm: i,
                    name: l
                        .function
                        .clone()
                        .unwrap_or_else(|| f.definition.debug_name()),
                    source: Some((l.file.clone(), l.line, l.column)),
                    offset: f.code_offset,
                });
            }
        }
        self.views = Some(views);
    }

    fn frame_of(&mut self, view: usize) -> Result<Frame, String> {
        self.ensure_views();
        let wasm = self
            .views
            .as_ref()
            .and_then(|v| v.get(view))
            .map(|v| v.wasm)
            .ok_or_else(|| format!("no frame {view}"))?;
        self.frames
            .get(wasm)
            .cloned()
            .ok_or_else(|| format!("no frame {view}"))
    }

    /// The local file a DWARF path stands for: through `sourceMap`, as is when it
    /// exists, else its trailing components under the program's folders.
    fn local_path(&mut self, dwarf: &str) -> Option<String> {
        if let Some(known) = self.paths.get(dwarf) {
            return known.clone();
        }
        let found = crate::sources::local_path(dwarf, &self.source_map, &self.program)
            .map(|p| p.display().to_string());
        self.paths.insert(dwarf.to_string(), found.clone());
        found
    }

    /// The DWARF file a client's path stands for: of the line tables' files, the one
    /// that shares the most trailing path components with it (or with its `sourceMap`
    /// image), at least the file name, so that a program built elsewhere finds its
    /// sources; `Err` when none does, or when several share as many (say which).
    fn dwarf_file(&self, path: &str) -> Result<String, String> {
        let mut candidates = vec![path.to_string()];
        for (from, to) in &self.source_map {
            if let Some(rest) = path.strip_prefix(to.as_str()) {
                candidates.insert(0, format!("{from}{rest}"));
            }
        }
        let components = |p: &str| -> Vec<String> {
            p.split(['/', '\\'])
                .filter(|c| !c.is_empty() && *c != ".")
                .map(str::to_string)
                .collect()
        };
        let mut best: Vec<String> = Vec::new();
        let mut most = 0;
        for file in self.stepper.compiled().source_files() {
            let theirs = components(&file);
            let shared = candidates
                .iter()
                .map(|c| {
                    components(c)
                        .iter()
                        .rev()
                        .zip(theirs.iter().rev())
                        .take_while(|(a, b)| a == b)
                        .count()
                })
                .max()
                .unwrap_or(0);
            if shared > most {
                most = shared;
                best = vec![file];
            } else if shared == most && shared > 0 && !best.contains(&file) {
                best.push(file);
            }
        }
        match best.as_slice() {
            [] => Err(format!("no code of the program comes from {path}")),
            [one] => Ok(one.clone()),
            [a, b, ..] => Err(format!(
                "{path} could be {a} or {b} (and {} more) of the program: set \"sourceMap\"",
                best.len() - 2
            )),
        }
    }
}

/// `wasmscope dap`: see the [module docs](self).
pub fn dap() -> ExitCode {
    let (tx, rx) = mpsc::channel::<Option<Json>>();
    std::thread::spawn(move || {
        let stdin = io::stdin();
        let mut input = stdin.lock();
        loop {
            match read_message(&mut input) {
                Ok(Some(m)) => {
                    if tx.send(Some(m)).is_err() {
                        return;
                    }
                }
                Ok(None) => {
                    let _ = tx.send(None);
                    return;
                }
                Err(e) => {
                    eprintln!("wasmscope dap: {e}");
                    let _ = tx.send(None);
                    return;
                }
            }
        }
    });
    let mut adapter = Adapter {
        out: io::stdout(),
        seq: 0,
        session: None,
        lines_from_1: true,
        columns_from_1: true,
    };
    while let Ok(Some(req)) = rx.recv() {
        if req["type"] != "request" {
            continue;
        }
        if !adapter.request(&req, &rx) {
            break;
        }
    }
    ExitCode::SUCCESS
}
