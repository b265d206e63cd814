//! The debugger session: a [`Stepper`] on the loaded module with WASI, its captured
//! stdout, stderr and call log, the close events of its modules, and where the call
//! stands. No window needed: the app and the tests drive it the same way.
//!
//! Every operation (continue, the steps, run to cursor) runs in slices of about
//! [`SLICE_TIME`] each (sized from the last one's time: the runtime counts a slice in
//! units of work, see `wasmscope::Execution::resume_for`): [`Session::begin`] runs the
//! first, [`Session::tick`] as many more as fit in [`FRAME_BUDGET`] of each frame, and
//! [`Session::pause`] stops between two. A guest
//! that loops forever never blocks the window, and one that runs long gets most of the
//! machine, not one slice per frame. The `resume`/`step_*` helpers run an operation to its end at once (tests).

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::sync::{Arc, Mutex};

use wasmscope::dwarf::SourceLocation;
use wasmscope::variables::Evaluated;
use wasmscope::{
    ExecutionState, MemoryAccess, Module, ModuleConfig, TableElement, TableType, UnknownImports,
    ValueType,
};
use wasmscope_listeners::logging::{LoggingListenerFactory, Scope};
use wasmscope_listeners::stepper::{Frame, Op, Stepper, Watched};

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A byte buffer that a guest writes to (stdout, stderr, the call log) and the Console
/// reads. It keeps at most [`SharedBuffer::LIMIT`] bytes and then notes the truncation,
/// so a chatty guest cannot eat the machine's memory.
#[derive(Clone, Debug, Default)]
pub struct SharedBuffer(Arc<Mutex<(Vec<u8>, bool)>>);

impl SharedBuffer {
    /// The most bytes kept.
    pub const LIMIT: usize = 4 << 20;

    /// The bytes written so far, as (lossy) UTF-8.
    pub fn text(&self) -> String {
        let g = lock(&self.0);
        let mut s = String::from_utf8_lossy(&g.0).into_owned();
        if g.1 {
            s.push_str("\n… (truncated: more than 4 MiB)");
        }
        s
    }

    /// Whether nothing was written.
    pub fn is_empty(&self) -> bool {
        lock(&self.0).0.is_empty()
    }
}

impl Write for SharedBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut g = lock(&self.0);
        let room = Self::LIMIT.saturating_sub(g.0.len());
        if buf.len() > room {
            g.1 = true;
        }
        let n = buf.len().min(room);
        g.0.extend_from_slice(&buf[..n]);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Where the session's call stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunState {
    /// Nothing started (or the start failed: see [`Session::message`]).
    NotStarted,
    /// Paused before the instruction at this code offset (`None`: not yet entered).
    Paused {
        /// The code-section offset of the next instruction.
        code_offset: Option<u64>,
        /// The source location (`file:line:column`), when the module has DWARF.
        source: Option<String>,
    },
    /// The function returned these results.
    Finished(Vec<u64>),
    /// The call trapped: the message with its stack trace, and the innermost frame's
    /// code offset ([`Session::trap`] has the details).
    Trapped {
        /// The error's text (message and trace).
        message: String,
        /// The code offset of the trapping instruction, if known.
        code_offset: Option<u64>,
    },
    /// The guest exited (or was closed) with this code.
    Exited(u32),
}

/// One frame of a trap's stack trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrapFrame {
    /// `module.function(params) results`, as wazero prints frames.
    pub signature: String,
    /// The code offset of the frame's instruction.
    pub code_offset: Option<u64>,
    /// Its source locations (`file:line:column`), innermost inlined first.
    pub sources: Vec<String>,
}

/// The details of a trap, for the Traps view.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrapInfo {
    /// The first line of the message (`wasm error: …`).
    pub message: String,
    /// The stack trace, innermost first.
    pub frames: Vec<TrapFrame>,
    /// For out-of-bounds memory accesses: where it went.
    pub access: Option<MemoryAccess>,
}

/// What the user set for a run: WASI arguments, environment and stdin.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunOptions {
    /// Arguments after the program name, whitespace-separated.
    pub args: String,
    /// `KEY=VALUE` pairs, whitespace-separated.
    pub env: String,
    /// The guest's stdin.
    pub stdin: String,
    /// Whether to record the call log (wazero's logging format).
    pub call_log: bool,
    /// What the stubs of imports no module provides do (like `wasmscope run
    /// --unknown-imports`): trap when called (the default), or return zeros.
    pub stubs: UnknownImports,
}

impl RunOptions {
    /// The `KEY=VALUE` pairs of [`RunOptions::env`].
    ///
    /// # Errors
    /// A word without `=`.
    pub fn env_pairs(&self) -> Result<Vec<(String, String)>, String> {
        self.env
            .split_whitespace()
            .map(|kv| match kv.split_once('=') {
                Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
                _ => Err(format!("environment entry {kv:?} is not KEY=VALUE")),
            })
            .collect()
    }
}

/// A module of the session's runtime, for the Modules view.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModuleRow {
    /// Its name.
    pub name: String,
    /// The exit code it was closed with, once closed.
    pub closed: Option<u32>,
    /// Whether it is the module being debugged.
    pub debugged: bool,
}

/// A global's row in the Tables and globals view.
#[derive(Clone, Debug, PartialEq)]
pub struct GlobalRow {
    /// The global's index.
    pub index: u32,
    /// Its type.
    pub ty: ValueType,
    /// Whether it is mutable.
    pub mutable: bool,
    /// The value, formatted for its type.
    pub value: String,
}

/// A table's rows in the Tables and globals view.
#[derive(Clone, Debug, PartialEq)]
pub struct TableRows {
    /// The table's index.
    pub index: u32,
    /// Its type.
    pub ty: TableType,
    /// Its elements (the first [`Session::TABLE_ROWS`]), formatted.
    pub elements: Vec<String>,
    /// Its current size.
    pub size: u32,
}

/// A value's children, or why it has none (see [`Session::children`]).
type Children = Result<Vec<Evaluated>, String>;

/// A host call the paused call is at (a catchpoint), for the Stack view.
#[derive(Clone, Debug, PartialEq)]
pub struct HostCallView {
    /// The function's name (`fd_write`).
    pub name: String,
    /// Its module's name (`wasi_snapshot_preview1`).
    pub module: String,
    /// Paused before the call runs (else after it returned).
    pub before: bool,
    /// Before the call: it will not run (results were given).
    pub skipped: bool,
    /// Its arguments as values.
    pub params: Vec<wasmscope::Value>,
    /// Its arguments decoded: `(name, text)`.
    pub args: Vec<(String, String)>,
    /// After it: its results (errno) and output values; before: the results given.
    pub results: Vec<(String, String)>,
}

/// A debugging session; see the [module docs](self).
pub struct Session {
    stepper: Option<Stepper>,
    /// The paused call's frames, read once per pause (the views ask every frame; typing
    /// the operands validates each function up to its instruction).
    frames_cache: std::cell::RefCell<Option<Vec<Frame>>>,
    /// Each frame's source variables (DWARF), read once per pause when first shown.
    variables_cache: std::cell::RefCell<HashMap<usize, Vec<wasmscope::variables::Variable>>>,
    state: RunState,
    /// The guest's stdout.
    pub stdout: SharedBuffer,
    /// The guest's stderr.
    pub stderr: SharedBuffer,
    /// The call log, in wazero's logging format (when enabled).
    pub call_log: SharedBuffer,
    /// The close notifier's events: `(module, exit code)`, in order.
    events: Arc<Mutex<Vec<(String, u32)>>>,
    /// Every module the runtime had after instantiation (closed ones stay listed).
    modules: Vec<Module>,
    message: Option<String>,
    trap: Option<TrapInfo>,
    /// The operation running in slices, if any.
    running: Option<Op>,
    /// Memory 0 when the last operation began, for the changed-bytes highlight.
    memory_before: Option<Vec<u8>>,
    /// The memory the Memory view shows (multi-memory; 0 unless chosen there).
    shown_memory: u32,
    /// What the caller of the debugged call saw when it ended (for the Modules view).
    outcome: Option<String>,
    /// How the Console shows [`Session::message`].
    message_tone: Tone,
    /// The export the call started.
    export: String,
    /// When the running operation began.
    running_since: Option<web_time::Instant>,
    /// The budget of the next slice (units of work), sized by the last one's time.
    slice: u64,
    /// Where the call paused or trapped, in words: the function (demangled) and its
    /// source line.
    place: Option<String>,
    /// Pause on trap: after a trap its frames stay inspectable (the Stack view, their
    /// locals and operands) until the next start. On by default.
    pub pause_on_trap: bool,
    /// Pause at every throw of an exception, caught or not, before its handler runs
    /// (`Session::set_pause_on_exceptions`). Off by default.
    pause_on_exceptions: bool,
    /// The host functions whose calls pause, before and after (WASI catchpoints,
    /// [`Session::set_host_call_catches`]); kept across starts.
    catches: Vec<String>,
    /// The watchpoints ([`Session::add_watch`]) with their conditions (empty: none);
    /// kept across starts, in the order of the stepper's.
    watches: Vec<Watched>,
    watch_conditions: Vec<String>,
    /// Record runs for time travel ([`Session::set_time_travel`]); kept across starts.
    time_travel: bool,
    /// Where the recorded run stopped at a breakpoint (`false`) or trapped (`true`), by
    /// instruction count.
    stop_marks: Vec<(u64, bool)>,
    /// Whether the trapped call's frames can still be read.
    trap_frames: bool,
    /// Expressions evaluated in this pause: `(frame, expression)` -> value.
    eval_cache: std::cell::RefCell<HashMap<(usize, String), Evaluated>>,
    /// Children listed in this pause: `(frame, expression)` -> children.
    children_cache: std::cell::RefCell<HashMap<(usize, String), Children>>,
    /// Values shown in the last pauses and in this one, by `(function, expression)`:
    /// what tells a changed value ([`Session::changed`]).
    seen_before: std::cell::RefCell<HashMap<(String, String), String>>,
    seen_now: std::cell::RefCell<HashMap<(String, String), String>>,
    /// Logpoint messages and condition errors, in order.
    pub debug_log: Vec<String>,
    /// The operation the user asked for (a line step into library code goes on with
    /// more steps: [`Session::step_into_library`]).
    user_op: Option<Op>,
    /// How many more steps through library code the current step into took.
    library_skips: u32,
    /// The next step of a step into that goes on through library code (run like a
    /// slice: [`Session::tick`]).
    chained: Option<Op>,
    /// The kind of the last chained step.
    last_chained: Option<wasmscope::LineStep>,
    /// Whether a line step into stops in the toolchain's code (Rust's standard library,
    /// wasi-libc: [`crate::views::source::is_toolchain`]). Off: such code is stepped
    /// over, as "Just My Code" debuggers do.
    pub step_into_library: bool,
}

/// What a status or message means, for its colour.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Tone {
    /// Nothing happening (not started, ready to enter the call).
    #[default]
    Idle,
    /// An operation is running.
    Running,
    /// Paused (at a breakpoint, after a step, by Pause).
    Paused,
    /// Ended well: finished, or exited with code 0.
    Success,
    /// Ended with a non-zero exit code.
    Warning,
    /// Trapped, or could not start.
    Failure,
}

/// The status line: what is true of the call now, and its [`Tone`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    /// One line, e.g. `paused in divzero::share at divzero/src/main.rs:28 (0x1a2)`.
    pub text: String,
    /// What it means.
    pub tone: Tone,
}

/// What a watchpoint watches, for people: `4 bytes at 0x1000 (writes)`, `global 0`.
pub fn watch_label(w: &Watched) -> String {
    match w {
        Watched::Memory {
            memory,
            address,
            len,
            kind,
        } => {
            let mem = if *memory == 0 {
                String::new()
            } else {
                format!(" of memory {memory}")
            };
            let on = match kind {
                wasmscope::WatchKind::Write => "writes",
                wasmscope::WatchKind::Read => "reads",
                _ => "reads and writes",
            };
            format!("{len} bytes at 0x{address:x}{mem} ({on})")
        }
        Watched::Global(g) => format!("global {g}"),
    }
}

/// Bytes as hex pairs.
fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Where a location is, for people: `file:line`, or the file and "no source line" when
/// DWARF has line 0 there (compiler-generated code).
pub fn source_place(l: &SourceLocation) -> String {
    if l.line == 0 {
        format!("{} (no source line)", l.file)
    } else {
        format!("{}:{}", l.file, l.line)
    }
}

/// The innermost location of `locations` (innermost inlined frame first) that has a
/// line: line 0 means "no line", so an inlined frame without one gives way to its
/// caller's line.
pub fn nearest_line(locations: &[SourceLocation]) -> Option<&SourceLocation> {
    locations.iter().find(|l| l.line > 0)
}

/// The location to tell people about: the innermost with a line in the program's own
/// code (code inlined from the standard library comes first, but says little), else
/// [`nearest_line`].
pub fn program_line(locations: &[SourceLocation]) -> Option<&SourceLocation> {
    locations
        .iter()
        .find(|l| l.line > 0 && !crate::views::source::is_toolchain(&l.file))
        .or_else(|| nearest_line(locations))
}

/// The first slice's budget (units of work, see `wasmscope::Execution::resume_for`);
/// later slices are sized to take about [`SLICE_TIME`].
pub const SLICE: u64 = 20_000;

/// How long one slice should take: short enough that a frame holds several and Pause
/// acts at once, long enough that the cost of a pause and resume is lost in it.
pub const SLICE_TIME: web_time::Duration = web_time::Duration::from_millis(2);

/// The budget after a slice of `budget` units that took `took`: scaled towards
/// [`SLICE_TIME`], by at most 4x either way per slice.
fn next_slice(budget: u64, took: web_time::Duration) -> u64 {
    let took = took.as_secs_f64().max(1e-6);
    let scale = (SLICE_TIME.as_secs_f64() / took).clamp(0.25, 4.0);
    ((budget as f64 * scale) as u64).clamp(100, 1 << 40)
}

/// How long [`Session::tick`] runs slices in one frame: most of a 60 Hz frame, the rest
/// left to drawing, so the window stays responsive and Pause acts at the next frame.
pub const FRAME_BUDGET: web_time::Duration = web_time::Duration::from_millis(12);

impl Default for Session {
    fn default() -> Self {
        Session {
            stepper: None,
            state: RunState::NotStarted,
            stdout: SharedBuffer::default(),
            stderr: SharedBuffer::default(),
            call_log: SharedBuffer::default(),
            events: Arc::default(),
            modules: Vec::new(),
            message: None,
            trap: None,
            running: None,
            memory_before: None,
            shown_memory: 0,
            outcome: None,
            message_tone: Tone::Idle,
            export: String::new(),
            running_since: None,
            frames_cache: Default::default(),
            variables_cache: Default::default(),
            slice: SLICE,
            place: None,
            pause_on_trap: true,
            pause_on_exceptions: false,
            catches: Vec::new(),
            watches: Vec::new(),
            watch_conditions: Vec::new(),
            time_travel: false,
            stop_marks: Vec::new(),
            trap_frames: false,
            eval_cache: Default::default(),
            children_cache: Default::default(),
            seen_before: Default::default(),
            seen_now: Default::default(),
            debug_log: Vec::new(),
            user_op: None,
            library_skips: 0,
            chained: None,
            last_chained: None,
            step_into_library: false,
        }
    }
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Session({:?})", self.state)
    }
}

/// The name of an operation, for the status line.
fn op_name(op: Op) -> &'static str {
    match op {
        Op::Continue => "continue",
        Op::StepInto => "step into",
        Op::StepOver => "step over",
        Op::StepOut => "step out",
        Op::StepToNextCall => "next call",
        Op::StepOverCall => "over call",
        Op::RunTo(_) => "run to cursor",
        Op::Line(wasmscope::LineStep::Over) => "next line",
        Op::Line(wasmscope::LineStep::Into) => "step into line",
        Op::Line(wasmscope::LineStep::Out) => "step out to line",
    }
}

/// How many steps a step into may take through library code before it stops anyway.
const MAX_LIBRARY_STEPS: u32 = 100_000;

/// A running time for the status line: `850 ms`, `2.4 s`, `37 s`.
pub fn duration_text(d: web_time::Duration) -> String {
    if d.as_secs() >= 10 {
        format!("{} s", d.as_secs())
    } else if d.as_millis() >= 1000 {
        format!("{:.1} s", d.as_secs_f64())
    } else {
        format!("{} ms", d.as_millis())
    }
}

/// What a finished call returned, in words: `finished: returned 120 (0x78)`, each result
/// formatted for its type (raw slots when the types are unknown), or `finished, no
/// results`.
pub fn describe_results(types: &[ValueType], slots: &[u64]) -> String {
    if slots.is_empty() {
        return "finished, no results".into();
    }
    let mut values = Vec::new();
    let mut i = 0;
    if types.iter().map(|t| t.slots()).sum::<usize>() == slots.len() {
        for t in types {
            let lo = slots[i];
            let hi = slots.get(i + 1).copied().unwrap_or(0);
            values.push(format_value(*t, lo, hi));
            i += t.slots();
        }
    } else {
        values = slots.iter().map(|v| format!("0x{v:x}")).collect();
    }
    format!("finished: returned {}", values.join(", "))
}

/// A typed value formatted as the views show values: `5 (0x5)`, `2.5`, `null`.
pub fn format_typed(v: &wasmscope::Value) -> String {
    let bits = v.bits();
    format_value(v.ty(), bits as u64, (bits >> 64) as u64)
}

/// A value of type `ty` from its slots (`hi`: a `v128`'s high half): `5 (0x5)`, `2.5`,
/// `null`.
pub fn format_value(ty: ValueType, lo: u64, hi: u64) -> String {
    match ty {
        ValueType::I32 => format!("{} (0x{:x})", lo as u32 as i32, lo as u32),
        ValueType::I64 => format!("{} (0x{lo:x})", lo as i64),
        ValueType::F32 => format!("{:?}", f32::from_bits(lo as u32)),
        ValueType::F64 => format!("{:?}", f64::from_bits(lo)),
        ValueType::V128 => format!("0x{hi:016x}{lo:016x}"),
        ValueType::FuncRef | ValueType::ExternRef | ValueType::ExnRef | ValueType::AnyRef => {
            let gc = matches!(ty, ValueType::AnyRef | ValueType::ExternRef);
            match wasmscope::Value::AnyRef(Some(lo)).gc_ref() {
                _ if lo == 0 => "null".into(),
                Some(wasmscope::GcRef::I31(v)) if gc => format!("i31 {v}"),
                Some(wasmscope::GcRef::Object(i)) if gc => format!("object #{i}"),
                _ => format!("ref 0x{lo:x}"),
            }
        }
    }
}

impl Session {
    /// Elements listed per table.
    pub const TABLE_ROWS: u32 = 256;

    /// Where the call stands.
    pub fn state(&self) -> &RunState {
        &self.state
    }

    /// The last start error, trap or exit, as text for the Console.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// Sets the Console's message (e.g. why a start did not happen), shown as a failure.
    pub fn set_message(&mut self, message: impl Into<String>) {
        self.message = Some(message.into());
        self.message_tone = Tone::Failure;
    }

    /// What [`Session::message`] means (a finished run is no error).
    pub fn message_tone(&self) -> Tone {
        self.message_tone
    }

    /// The status line: running (with the instructions run so far), ready to enter the
    /// call, paused (function and source line), trapped, exited, finished (with the
    /// results).
    pub fn status(&self) -> Status {
        let (text, tone) = match (&self.state, self.running) {
            (RunState::Paused { .. }, Some(op)) => (
                format!(
                    "running ({}) for {}",
                    op_name(op),
                    duration_text(self.running_since.map(|t| t.elapsed()).unwrap_or_default())
                ),
                Tone::Running,
            ),
            (RunState::NotStarted, _) => match &self.message {
                Some(m) => (m.clone(), Tone::Failure),
                None => ("not started".into(), Tone::Idle),
            },
            (
                RunState::Paused {
                    code_offset: None, ..
                },
                None,
            ) => (
                format!(
                    "ready: {} not entered yet (Step into or Continue)",
                    self.export
                ),
                Tone::Idle,
            ),
            (
                RunState::Paused {
                    code_offset: Some(o),
                    ..
                },
                None,
            ) => {
                let at = match &self.place {
                    Some(p) => format!("in {p} (0x{o:x})"),
                    None => format!("at 0x{o:x}"),
                };
                let text = match (self.exception(), self.host_call()) {
                    (Some(e), _) => format!("paused at a throw {at}: exception {e}"),
                    (None, Some(c)) if c.before => {
                        format!("paused before the call of {}.{} {at}", c.module, c.name)
                    }
                    (None, Some(c)) => {
                        format!("paused after the call of {}.{} {at}", c.module, c.name)
                    }
                    (None, None) => match self.watch_hit() {
                        Some((i, hit)) => {
                            let what = self.watches.get(i).map(watch_label).unwrap_or_default();
                            // A global's value by its type; memory as bytes.
                            let ty = match self.watches.get(i) {
                                Some(Watched::Global(g)) => {
                                    self.globals().iter().find(|r| r.index == *g).map(|r| r.ty)
                                }
                                _ => None,
                            };
                            let shown = |b: &[u8]| match ty {
                                Some(ty) => {
                                    let half = |k: usize| {
                                        let mut w = [0u8; 8];
                                        for (d, s) in w.iter_mut().zip(b.iter().skip(k)) {
                                            *d = *s;
                                        }
                                        u64::from_le_bytes(w)
                                    };
                                    format_value(ty, half(0), half(8))
                                }
                                None => hex(b),
                            };
                            let change = if hit.read {
                                format!("read {}", shown(&hit.new))
                            } else {
                                format!("{} -> {}", shown(&hit.old), shown(&hit.new))
                            };
                            format!("paused at watchpoint {} ({what}): {change} {at}", i + 1)
                        }
                        None => format!("paused {at}"),
                    },
                };
                (text, Tone::Paused)
            }
            (RunState::Finished(_), _) | (RunState::Exited(_), _) => {
                (self.message.clone().unwrap_or_default(), self.message_tone)
            }
            (RunState::Trapped { message, .. }, _) => {
                let first = message.lines().next().unwrap_or("");
                let first = first.strip_prefix("wasm error: ").unwrap_or(first);
                let text = match &self.place {
                    Some(p) => format!("trapped in {p}: {first}"),
                    None => format!("trapped: {first}"),
                };
                (text, Tone::Failure)
            }
        };
        Status { text, tone }
    }

    /// Adds a watchpoint (memory bytes written or read, or a global changed): it stops
    /// this run and the next ones, in the past shown too ([`Stepper::watch`]).
    pub fn add_watch(&mut self, what: Watched) {
        if self.watches.contains(&what) {
            return;
        }
        self.watches.push(what.clone());
        self.watch_conditions.push(String::new());
        if let Some(s) = &mut self.stepper {
            s.watch(what);
        }
    }

    /// Makes watchpoint `index` of [`Session::watches`] stop only where `condition` (an
    /// expression of the paused frame) holds; empty: always.
    pub fn set_watch_condition(&mut self, index: usize, condition: &str) {
        let Some(c) = self.watch_conditions.get_mut(index) else {
            return;
        };
        *c = condition.trim().to_string();
        if let Some(s) = &mut self.stepper {
            if let Some(id) = s.watched().get(index).map(|(id, _)| *id) {
                s.set_watch_condition(id, Some(condition.trim().to_string()));
            }
        }
    }

    /// The condition of watchpoint `index` (empty: none).
    pub fn watch_condition(&self, index: usize) -> &str {
        self.watch_conditions.get(index).map_or("", String::as_str)
    }

    /// Removes watchpoint `index` of [`Session::watches`].
    pub fn remove_watch(&mut self, index: usize) {
        if index >= self.watches.len() {
            return;
        }
        self.watches.remove(index);
        self.watch_conditions.remove(index);
        if let Some(s) = &mut self.stepper {
            if let Some(id) = s.watched().get(index).map(|(id, _)| *id) {
                s.unwatch(id);
            }
        }
    }

    /// The watchpoints, oldest first.
    pub fn watches(&self) -> &[Watched] {
        &self.watches
    }

    /// The watchpoint the call is paused at (its index in [`Session::watches`]), with
    /// what it saw.
    pub fn watch_hit(&self) -> Option<(usize, wasmscope::WatchpointHit)> {
        let s = self.stepper.as_ref()?;
        let (id, hit) = s.watch_hit()?;
        let index = s.watched().iter().position(|(w, _)| *w == id)?;
        Some((index, hit))
    }

    /// Pause at every throw of an exception (caught or not) before its handler runs.
    pub fn set_pause_on_exceptions(&mut self, on: bool) {
        self.pause_on_exceptions = on;
        if let Some(s) = &mut self.stepper {
            s.set_pause_on_exceptions(on);
        }
    }

    /// Whether the call pauses at every throw.
    pub fn pause_on_exceptions(&self) -> bool {
        self.pause_on_exceptions
    }

    /// Pause before and after every call of the host functions `names` name (WASI
    /// catchpoints: `fd_write`, or `module.name`; [`Stepper::set_host_call_catches`]),
    /// in this run and the next ones.
    pub fn set_host_call_catches(&mut self, names: Vec<String>) {
        if let Some(s) = &mut self.stepper {
            s.set_host_call_catches(&names);
        }
        self.catches = names;
    }

    /// Record the next runs for time travel: every instruction counted, the host
    /// calls' results kept, so that [`Session::reverse`], [`Session::go_to`] and
    /// [`Session::last_writer`] can show the past (a replay).
    pub fn set_time_travel(&mut self, on: bool) {
        self.time_travel = on;
    }

    /// Whether runs are recorded.
    pub fn time_travel(&self) -> bool {
        self.time_travel
    }

    /// Whether the paused (or trapped, its frames kept) call is recorded: time travel
    /// works in it.
    pub fn is_recorded(&self) -> bool {
        self.stepper.as_ref().is_some_and(Stepper::time_travel)
            && (self.is_paused() || self.is_paused_at_trap())
    }

    /// The timeline's marks besides the host calls: where the recorded run stopped at a
    /// breakpoint, and where it trapped.
    pub fn stop_marks(&self) -> &[(u64, bool)] {
        &self.stop_marks
    }

    /// The instruction count where the call is, and the present's (recorded runs).
    pub fn timeline(&self) -> Option<(u64, u64)> {
        let s = self.stepper.as_ref()?;
        s.time_travel().then(|| (s.instructions(), s.present()))
    }

    /// The instruction counts of the recorded host calls (the timeline's marks).
    pub fn call_marks(&self) -> Vec<(u64, u64)> {
        self.stepper
            .as_ref()
            .map(Stepper::call_marks)
            .unwrap_or_default()
    }

    /// The instruction counts of the recorded run's host calls (the timeline's marks).
    pub fn host_call_marks(&self) -> Vec<u64> {
        self.stepper
            .as_ref()
            .map(Stepper::host_call_marks)
            .unwrap_or_default()
    }

    /// Whether the call shown is the past (a replay of the recording).
    pub fn in_past(&self) -> bool {
        self.stepper.as_ref().is_some_and(Stepper::in_past)
    }

    /// Steps backwards ([`Stepper::reverse`]); a message says why not, or that the
    /// history's start was reached.
    pub fn reverse(&mut self, how: wasmscope_listeners::stepper::Reverse) {
        if !self.is_recorded() || self.is_running() {
            return;
        }
        let Some(s) = &mut self.stepper else { return };
        self.memory_before = None;
        match s.reverse(how) {
            Ok(Some(state)) => self.settle(state),
            Ok(None) => {
                self.settle(ExecutionState::Paused);
                self.set_message("no more history: at the start of the recorded run");
            }
            Err(e) => self.set_message(e),
        }
    }

    /// Shows the recorded call before its instruction `count` ([`Stepper::go_to`]).
    pub fn go_to(&mut self, count: u64) {
        if !self.is_recorded() || self.is_running() {
            return;
        }
        let Some(s) = &mut self.stepper else { return };
        self.memory_before = None;
        match s.go_to(count) {
            Ok(state) => self.settle(state),
            Err(e) => self.set_message(e),
        }
    }

    /// The write that gave memory 0's bytes `address .. address + len` their value
    /// ([`Stepper::last_writer`]).
    ///
    /// # Errors
    /// The run is not recorded, or the replay failed.
    pub fn last_writer(
        &mut self,
        address: u64,
        len: u64,
    ) -> Result<Option<wasmscope_listeners::stepper::LastWrite>, String> {
        let s = self.stepper.as_mut().ok_or("not started")?;
        s.last_writer(0, address, len)
    }

    /// The host functions whose calls pause.
    pub fn host_call_catches(&self) -> &[String] {
        &self.catches
    }

    /// The host call the paused call is at (a catchpoint), its arguments and results
    /// decoded (WASI's: paths, buffers, flags, errno by name).
    pub fn host_call(&self) -> Option<HostCallView> {
        if self.is_running() {
            return None;
        }
        let s = self.stepper.as_ref()?;
        let call = s.host_call()?;
        let name = call.definition.name().unwrap_or("?").to_string();
        let module = call.definition.module_name().to_string();
        let described = s.describe_wasi_call(&call);
        let wasi = described.is_some();
        let names = call.definition.param_names();
        let pairs = |args: Vec<wasmscope::wasi::WasiArg>| -> Vec<(String, String)> {
            args.into_iter().map(|a| (a.name, a.text)).collect()
        };
        let (args, described_results) = match described {
            Some((args, results)) => (pairs(args), pairs(results)),
            None => (
                call.params
                    .iter()
                    .enumerate()
                    .map(|(i, v)| {
                        let n = names.get(i).cloned().flatten();
                        (
                            n.map_or_else(|| format!("arg{i}"), |n| n.to_string()),
                            format_typed(v),
                        )
                    })
                    .collect(),
                Vec::new(),
            ),
        };
        let results = match (&call.results, call.phase) {
            (Some(_), wasmscope::HostCallPhase::After) if wasi => described_results,
            (Some(r), _) => r
                .iter()
                .enumerate()
                .map(|(i, v)| match v {
                    wasmscope::Value::I32(n) if wasi => (
                        "errno".to_string(),
                        wasmscope_listeners::values::errno_text(*n as u32),
                    ),
                    v => (format!("result{i}"), format_typed(v)),
                })
                .collect(),
            (None, _) => Vec::new(),
        };
        Some(HostCallView {
            before: call.phase == wasmscope::HostCallPhase::Before,
            skipped: call.phase == wasmscope::HostCallPhase::Before && call.results.is_some(),
            name,
            module,
            params: call.params,
            args,
            results,
        })
    }

    /// Before a caught host call: gives its argument `index` the value typed in `text`.
    ///
    /// # Errors
    /// Not paused before a host call, no such argument, or text that is not a value of
    /// its type.
    pub fn set_host_call_arg(&mut self, index: usize, text: &str) -> Result<(), String> {
        let s = self.stepper.as_mut().ok_or("not started")?;
        let call = s.host_call().ok_or("not paused at a host call")?;
        let mut params = call.params.clone();
        let slot = params.get_mut(index).ok_or("no such argument")?;
        *slot = wasmscope_listeners::values::parse_value(slot.ty(), text)?;
        s.set_host_call_params(&params).map_err(|e| e.to_string())
    }

    /// At a caught host call, gives the caller the result typed in `text` (a WASI errno
    /// by name or number): before the call, without running it; after it, instead of
    /// what it returned.
    ///
    /// # Errors
    /// Not paused at a host call, or text that is not a value of its result type.
    pub fn return_from_host_call(&mut self, text: &str) -> Result<(), String> {
        let s = self.stepper.as_mut().ok_or("not started")?;
        let call = s.host_call().ok_or("not paused at a host call")?;
        let types = call.definition.result_types();
        let values = match types {
            [] => Vec::new(),
            [ty] => vec![wasmscope_listeners::values::parse_value(*ty, text)?],
            _ => types
                .iter()
                .zip(text.split(','))
                .map(|(ty, t)| wasmscope_listeners::values::parse_value(*ty, t))
                .collect::<Result<_, _>>()?,
        };
        s.set_host_call_results(&values).map_err(|e| e.to_string())
    }

    /// The exception thrown where the call is paused, or the one that ended it
    /// uncaught: its tag and payload in words.
    pub fn exception(&self) -> Option<String> {
        let e = self.stepper.as_ref()?.exception()?;
        Some(e.description)
    }

    /// The last trap's details.
    pub fn trap(&self) -> Option<&TrapInfo> {
        self.trap.as_ref()
    }

    /// Whether the call is paused (so stepping makes sense). While an operation runs in
    /// slices the call is between slices: paused, but not for the user.
    pub fn is_paused(&self) -> bool {
        matches!(self.state, RunState::Paused { .. })
    }

    /// The stepper, once started.
    pub fn stepper(&self) -> Option<&Stepper> {
        self.stepper.as_ref()
    }

    /// Starts a fresh, paused call of `export` of module `wasm`, instantiated as `name`
    /// (a `.wasm` suffix dropped), with `params` (raw value slots) in a new runtime with
    /// WASI (arguments, environment and stdin from `options`), stopping at
    /// `breakpoints` (the module's set, shared: later changes to it take effect at the
    /// next run or step). Output buffers are cleared.
    pub fn start(
        &mut self,
        name: &str,
        wasm: &[u8],
        export: &str,
        params: &[u64],
        breakpoints: &wasmscope_listeners::breakpoints::Breakpoints,
        options: &RunOptions,
    ) {
        let pause_on_trap = self.pause_on_trap;
        let pause_on_exceptions = self.pause_on_exceptions;
        let step_into_library = self.step_into_library;
        let catches = std::mem::take(&mut self.catches);
        let watches = std::mem::take(&mut self.watches);
        let watch_conditions = std::mem::take(&mut self.watch_conditions);
        let time_travel = self.time_travel;
        *self = Session {
            pause_on_trap,
            pause_on_exceptions,
            catches,
            watches,
            watch_conditions,
            time_travel,
            step_into_library,
            export: export.to_string(),
            ..Session::default()
        };
        let env = match options.env_pairs() {
            Ok(env) => env,
            Err(e) => {
                self.set_message(e);
                return;
            }
        };
        let log = options.call_log.then(|| {
            // Names as people wrote them (Rust and C++ demangled), like the CLI's --trace.
            Arc::new(
                LoggingListenerFactory::new(self.call_log.clone(), Scope::All)
                    .with_demangled_names(true)
                    .with_stdio_calls(true),
            ) as Arc<dyn wasmscope::listener::FunctionListenerFactory>
        });
        let events = self.events.clone();
        let result = Stepper::with_listener_factory(wasm, log, wasmscope::wasi::instantiate)
            .and_then(|mut s| {
                // Imports no module provides are linked to stubs, as the user chose: a
                // called trap stub ends the run as a trap naming the import.
                s.runtime()
                    .define_unknown_imports(s.compiled(), options.stubs)?;
                s.use_breakpoints(breakpoints.clone());
                s.set_time_travel(self.time_travel);
                let mut args = vec!["module"];
                args.extend(options.args.split_whitespace());
                let mut config = ModuleConfig::new()
                    .with_stdout(self.stdout.clone())
                    .with_stderr(self.stderr.clone())
                    .with_stdin(std::io::Cursor::new(options.stdin.clone().into_bytes()))
                    .with_args(&args);
                for (k, v) in &env {
                    config = config.with_env(k, v);
                }
                let name = name.strip_suffix(".wasm").unwrap_or(name).to_string();
                let config = config.with_name(&name).with_close_notifier(move |code| {
                    lock(&events).push((name.clone(), code));
                });
                s.start(config, export, params)?;
                Ok(s)
            });
        match result {
            Ok(mut s) => {
                self.modules = s.runtime().modules();
                s.set_pause_on_exceptions(self.pause_on_exceptions);
                s.set_host_call_catches(&self.catches);
                for (w, c) in self.watches.iter().zip(&self.watch_conditions) {
                    let id = s.watch(w.clone());
                    s.set_watch_condition(id, Some(c.clone()));
                }
                self.stepper = Some(s);
                self.state = RunState::Paused {
                    code_offset: None,
                    source: None,
                };
            }
            Err(e) => self.set_message(format!("cannot start {export}: {e}")),
        }
    }

    /// Begins `op` on the paused call and runs its first slice; [`Session::tick`] runs
    /// the others. Ignored unless paused and idle.
    pub fn begin(&mut self, op: Op) {
        if !self.is_paused() || self.is_running() {
            return;
        }
        self.user_op = Some(op);
        self.library_skips = 0;
        self.chained = None;
        self.last_chained = None;
        self.memory_before = self.memory_snapshot();
        self.begin_op(op);
        self.run_chained();
    }

    fn begin_op(&mut self, op: Op) {
        self.running_since = Some(web_time::Instant::now());
        let Some(s) = &mut self.stepper else { return };
        let start = web_time::Instant::now();
        let state = s.begin(op, self.slice);
        if s.pending().is_some() {
            self.slice = next_slice(self.slice, start.elapsed());
        }
        self.running = s.pending();
        self.settle(state);
        self.after_op();
    }

    /// After an operation ended: a line step into that stopped in the toolchain's code
    /// goes on, unless [`Session::step_into_library`] (a breakpoint there stops): out of
    /// a library function the program's code called (a step over it, in effect), over
    /// library code inlined into the program's, and into whatever comes next elsewhere
    /// (from the program's entry through the C runtime and Rust's `lang_start` to
    /// `main`) until the program's own code is reached.
    fn after_op(&mut self) {
        use wasmscope::LineStep;
        if self.running.is_some()
            || self.step_into_library
            || self.user_op != Some(Op::Line(LineStep::Into))
            || !self.is_paused()
            || self.library_skips >= MAX_LIBRARY_STEPS
        {
            return;
        }
        let Some(s) = &self.stepper else { return };
        let Some(next) = s.library_step(self.last_chained) else {
            return;
        };
        self.library_skips += 1;
        self.last_chained = Some(next);
        self.chained = Some(Op::Line(next));
    }

    /// Runs the chained steps of a step into through library code for at most a
    /// frame's time.
    fn run_chained(&mut self) {
        let frame = web_time::Instant::now();
        while self.running.is_none() {
            let Some(op) = self.chained.take() else { break };
            self.begin_op(op);
            if frame.elapsed() >= FRAME_BUDGET {
                break;
            }
        }
    }

    /// Runs one more slice of the running operation; returns whether it still runs.
    pub fn tick(&mut self) -> bool {
        if self.running.is_none() {
            self.run_chained();
            return self.running.is_some() || self.chained.is_some();
        }
        let Some(s) = &mut self.stepper else {
            self.running = None;
            return false;
        };
        let frame = web_time::Instant::now();
        let mut state;
        loop {
            let start = web_time::Instant::now();
            state = s.go_on(self.slice);
            if s.pending().is_none() {
                break;
            }
            // A slice that ended by its budget: size the next, and run it if the frame
            // has time left.
            self.slice = next_slice(self.slice, start.elapsed());
            if frame.elapsed() >= FRAME_BUDGET {
                break;
            }
        }
        self.running = s.pending();
        self.settle(state);
        self.after_op();
        self.run_chained();
        self.running.is_some() || self.chained.is_some()
    }

    /// Stops the running operation between two slices (the call stays paused where the
    /// last slice ended).
    pub fn pause(&mut self) {
        self.chained = None;
        if let Some(s) = &mut self.stepper {
            s.cancel();
        }
        if self.running.take().is_some() && self.is_paused() {
            self.place = self.pause_place();
        }
    }

    /// The operation running in slices, if any.
    pub fn running(&self) -> Option<Op> {
        self.running.or(self.chained)
    }

    /// Whether an operation is running in slices.
    pub fn is_running(&self) -> bool {
        self.running.is_some() || self.chained.is_some()
    }

    /// Runs `op` to its end at once (tests and scripted use; the UI ticks instead).
    pub fn run_op(&mut self, op: Op) {
        self.begin(op);
        while self.tick() {}
    }

    /// Runs to the next breakpoint or the end, at once.
    pub fn resume(&mut self) {
        self.run_op(Op::Continue);
    }

    /// One instruction, entering calls, at once.
    pub fn step_into(&mut self) {
        self.run_op(Op::StepInto);
    }

    /// One instruction, running calls to their end, at once.
    pub fn step_over(&mut self) {
        self.run_op(Op::StepOver);
    }

    /// To the instruction after the current function returns, at once.
    pub fn step_out(&mut self) {
        self.run_op(Op::StepOut);
    }

    /// Ends the paused call with `exit_code` (the module closes; its notifier fires).
    pub fn close(&mut self, exit_code: u32) {
        if !self.is_paused() {
            return;
        }
        self.forget_pause();
        self.pause();
        if let Some(s) = &mut self.stepper {
            let e = s.close(exit_code);
            self.message = Some(e.to_string());
            self.message_tone = if exit_code == 0 {
                Tone::Success
            } else {
                Tone::Warning
            };
            self.outcome = Some(format!("the call returned: {e}"));
            self.state = RunState::Exited(exit_code);
        }
    }

    /// Closes the module named `name` with `exit_code`: the debugged one ends its paused
    /// call (see [`Session::close`]); another is closed through its handle.
    pub fn close_module(&mut self, name: &str, exit_code: u32) {
        let Some(m) = self.modules.iter().find(|m| m.name() == name).cloned() else {
            return;
        };
        let debugged = self.stepper().and_then(Stepper::module).map(Module::name) == Some(name);
        if debugged && self.is_paused() {
            self.close(exit_code);
            return;
        }
        let _ = m.close_with_exit_code(exit_code);
    }

    /// The modules of the runtime, in instantiation order (host modules first).
    pub fn modules(&self) -> Vec<ModuleRow> {
        let debugged = self.stepper().and_then(Stepper::module).map(Module::name);
        self.modules
            .iter()
            .map(|m| ModuleRow {
                name: m.name().to_string(),
                closed: m.exit_code(),
                debugged: Some(m.name()) == debugged,
            })
            .collect()
    }

    /// The close notifier's events so far: `(module, exit code)`.
    pub fn close_events(&self) -> Vec<(String, u32)> {
        lock(&self.events).clone()
    }

    /// What the debugged call's caller saw when it ended, if it has.
    pub fn outcome(&self) -> Option<&str> {
        self.outcome.as_deref()
    }

    fn settle(&mut self, state: ExecutionState) {
        self.forget_pause();
        let Some(s) = &mut self.stepper else { return };
        if s.time_travel() && !s.in_past() {
            let trapped = matches!(state, ExecutionState::Trapped(_));
            if trapped || !s.stopped_by().is_empty() {
                let mark = (s.instructions(), trapped);
                if !self.stop_marks.contains(&mark) {
                    self.stop_marks.push(mark);
                }
            }
        }
        self.debug_log.extend(s.take_log());
        self.place = None;
        self.message_tone = Tone::Failure;
        self.state = match state {
            ExecutionState::Paused => {
                let source = s.source();
                RunState::Paused {
                    code_offset: s.position().and_then(|p| p.code_offset),
                    source: nearest_line(&source).map(|l| l.to_string()),
                }
            }
            ExecutionState::Finished(results) => {
                let types = s
                    .module()
                    .and_then(|m| m.exported_function(&self.export))
                    .map(|f| f.definition().result_types().to_vec())
                    .unwrap_or_default();
                self.message = Some(describe_results(&types, &results));
                self.message_tone = Tone::Success;
                self.outcome = Some(format!("the call returned {results:?}"));
                RunState::Finished(results)
            }
            ExecutionState::Trapped(e) => {
                let message = e.to_string();
                self.message = Some(message.clone());
                self.trap_frames = !s.frames().is_empty();
                if let Some(f) = e.trace().first() {
                    // `module.name(params) results`; the module name comes first.
                    let head = f.signature.split('(').next().unwrap_or(&f.signature);
                    let name = head.split_once('.').map_or(head, |(_, n)| n);
                    let name = crate::names::demangle(name);
                    self.place = Some(match program_line(&f.sources) {
                        Some(l) => format!("{name} at {}:{}", l.file, l.line),
                        None => name.to_string(),
                    });
                }
                self.outcome = Some(format!(
                    "the call failed: {}",
                    message.lines().next().unwrap_or("")
                ));
                self.trap = Some(TrapInfo {
                    message: message.lines().next().unwrap_or("").to_string(),
                    frames: e
                        .trace()
                        .iter()
                        .map(|f| TrapFrame {
                            signature: f.signature.clone(),
                            code_offset: f.code_offset,
                            sources: f.sources.iter().map(|l| l.to_string()).collect(),
                        })
                        .collect(),
                    access: e.memory_access(),
                });
                RunState::Trapped {
                    message,
                    code_offset: e.trace().first().and_then(|f| f.code_offset),
                }
            }
            ExecutionState::Exited(code) => {
                self.message = Some(format!("exited with code {code}"));
                self.message_tone = if code == 0 {
                    Tone::Success
                } else {
                    Tone::Warning
                };
                self.outcome = Some(format!("the call ended: exit_code({code})"));
                RunState::Exited(code)
            }
            other => {
                self.message = Some(format!("{other:?}"));
                RunState::NotStarted
            }
        };
        if !matches!(self.state, RunState::Paused { .. }) {
            self.running = None;
        } else if self.running.is_none() {
            self.place = self.pause_place();
        }
    }

    /// Where the paused call is, in words: the function and the nearest source line.
    fn pause_place(&self) -> Option<String> {
        let s = self.stepper.as_ref()?;
        let source = s.source();
        let at = program_line(&source).map_or_else(
            || "no source line".to_string(),
            |l| format!("{}:{}", l.file, l.line),
        );
        let function = s.frames().first().map(|f| {
            let d = &f.definition;
            d.name()
                .map_or_else(|| d.debug_name(), crate::names::demangle)
        });
        Some(match function {
            Some(f) if source.is_empty() => f,
            Some(f) => format!("{f} at {at}"),
            None => at,
        })
    }

    /// The frames of the paused call, innermost first (empty while an operation runs).
    /// After a trap, with [`Session::pause_on_trap`], the frames as they were at the
    /// trapping instruction.
    pub fn frames(&self) -> Vec<Frame> {
        let trapped = matches!(self.state, RunState::Trapped { .. });
        let readable = (self.is_paused() && !self.is_running()) || (trapped && self.pause_on_trap);
        match &self.stepper {
            Some(s) if readable => self
                .frames_cache
                .borrow_mut()
                .get_or_insert_with(|| s.frames())
                .clone(),
            _ => Vec::new(),
        }
    }

    /// Drops what was read in the last pause (frames, variables, values); the values
    /// shown are kept to tell changes.
    fn forget_pause(&mut self) {
        self.frames_cache.get_mut().take();
        self.variables_cache.get_mut().clear();
        self.eval_cache.get_mut().clear();
        self.children_cache.get_mut().clear();
        let now = std::mem::take(self.seen_now.get_mut());
        self.seen_before.get_mut().extend(now);
    }

    /// The value of `expression` in frame `index` (0: innermost) of
    /// [`Session::frames`] (see [`wasmscope::variables`]), read once per pause.
    pub fn evaluate(&self, index: usize, expression: &str) -> Evaluated {
        let key = (index, expression.trim().to_string());
        if let Some(e) = self.eval_cache.borrow().get(&key) {
            return e.clone();
        }
        let e = match (&self.stepper, self.frames().into_iter().nth(index)) {
            (Some(s), Some(frame)) => s.evaluate(&frame, expression),
            _ => Evaluated::error(&key.1, "not paused"),
        };
        self.eval_cache.borrow_mut().insert(key, e.clone());
        e
    }

    /// The children of `expression`'s value in frame `index` (one level of the
    /// Variables and Watch trees), read once per pause.
    pub fn children(&self, index: usize, expression: &str) -> Result<Vec<Evaluated>, String> {
        let key = (index, expression.to_string());
        if let Some(c) = self.children_cache.borrow().get(&key) {
            return c.clone();
        }
        let c = match (&self.stepper, self.frames().into_iter().nth(index)) {
            (Some(s), Some(frame)) => s.children(&frame, expression),
            _ => Err("not paused".into()),
        };
        self.children_cache.borrow_mut().insert(key, c.clone());
        c
    }

    /// Records that `value` is shown for `expression` of `function`'s frame, and tells
    /// whether it differs from what the last pause showed for it (a changed value is
    /// marked).
    pub fn changed(&self, function: &str, expression: &str, value: &str) -> bool {
        let key = (function.to_string(), expression.to_string());
        let before = self.seen_before.borrow().get(&key).cloned();
        self.seen_now.borrow_mut().insert(key, value.to_string());
        before.is_some_and(|b| b != value)
    }

    /// The source variables of frame `index` (0: innermost) of [`Session::frames`], from
    /// the module's DWARF; empty without DWARF or frames.
    pub fn variables(&self, index: usize) -> Vec<wasmscope::variables::Variable> {
        let Some(s) = &self.stepper else {
            return Vec::new();
        };
        if let Some(v) = self.variables_cache.borrow().get(&index) {
            return v.clone();
        }
        let Some(frame) = self.frames().into_iter().nth(index) else {
            return Vec::new();
        };
        let vars = s.variables(&frame);
        self.variables_cache
            .borrow_mut()
            .insert(index, vars.clone());
        vars
    }

    /// Whether the trapped call's frames are kept for inspection (pause on trap).
    pub fn is_paused_at_trap(&self) -> bool {
        matches!(self.state, RunState::Trapped { .. }) && self.pause_on_trap && self.trap_frames
    }

    fn module(&self) -> Option<&Module> {
        self.stepper.as_ref()?.module()
    }

    /// Every global of the debugged module (exported or not), with its current value.
    pub fn globals(&self) -> Vec<GlobalRow> {
        let Some(m) = self.module() else {
            return Vec::new();
        };
        m.globals()
            .iter()
            .enumerate()
            .map(|(i, g)| {
                let t = g.global_type();
                // (A display: no GC object kept alive for it.)
                let v = g.peek();
                GlobalRow {
                    index: i as u32,
                    ty: t.value_type,
                    mutable: t.mutable,
                    value: format_value(t.value_type, v as u64, (v >> 64) as u64),
                }
            })
            .collect()
    }

    /// Every table of the debugged module with its first [`Session::TABLE_ROWS`]
    /// elements.
    pub fn tables(&self) -> Vec<TableRows> {
        let Some(m) = self.module() else {
            return Vec::new();
        };
        m.tables()
            .iter()
            .enumerate()
            .map(|(i, t)| TableRows {
                index: i as u32,
                ty: t.table_type(),
                size: t.size(),
                elements: (0..t.size().min(Self::TABLE_ROWS))
                    .map(|e| match t.peek(e) {
                        Some(TableElement::Function(d)) => {
                            let name = d
                                .name()
                                .map_or_else(|| d.debug_name(), crate::names::demangle);
                            format!("{name} {}", d.func_type())
                        }
                        Some(TableElement::Extern(v)) => format!("extern 0x{v:x}"),
                        Some(TableElement::Any(v)) => {
                            format_value(wasmscope::ValueType::AnyRef, v, 0)
                        }
                        Some(TableElement::Null) | None => "null".into(),
                    })
                    .collect(),
            })
            .collect()
    }

    /// Shows memory `index` (multi-memory) in the Memory view: the memory that
    /// [`Session::memory_size`], [`Session::read_memory`] and
    /// [`Session::changed_bytes`] read from now on.
    pub fn set_shown_memory(&mut self, index: u32) {
        if index != self.shown_memory {
            self.shown_memory = index;
            // What changed is only known for the memory shown when the operation began.
            self.memory_before = None;
        }
    }

    /// The memory the Memory view shows.
    pub fn shown_memory(&self) -> u32 {
        self.shown_memory
    }

    fn shown(&self) -> Option<wasmscope::Memory> {
        self.module()?
            .memories()
            .into_iter()
            .nth(self.shown_memory as usize)
    }

    /// Size of the shown memory (memory 0 unless another is chosen) in bytes, once
    /// instantiated.
    pub fn memory_size(&self) -> Option<u64> {
        Some(self.shown()?.size())
    }

    /// Whether the shown memory is a 64-bit one (its pointers are 8 bytes).
    pub fn memory_is_64(&self) -> bool {
        self.shown().is_some_and(|m| m.is_64())
    }

    /// `len` bytes of the shown memory at `offset` (clipped to the memory's end).
    pub fn read_memory(&self, offset: u64, len: u64) -> Option<Vec<u8>> {
        let memory = self.shown()?;
        let size = memory.size();
        if offset >= size {
            return Some(Vec::new());
        }
        let len = len.min(size - offset);
        memory.read_at(offset, len)
    }

    /// A copy of the shown memory (what "changed bytes" compares with), for memories of
    /// at most 4 GiB (a 64-bit memory may be far larger, used sparsely).
    fn memory_snapshot(&self) -> Option<Vec<u8>> {
        let size = self.memory_size()?;
        if size > u32::MAX as u64 {
            return None;
        }
        self.read_memory(0, size)
    }

    /// The addresses in `offset..offset + len` whose bytes changed since the last
    /// operation began (e.g. what the last step wrote).
    pub fn changed_bytes(&self, offset: u64, len: u64) -> BTreeMap<u64, u8> {
        let (Some(before), Some(now)) = (&self.memory_before, self.read_memory(offset, len)) else {
            return BTreeMap::new();
        };
        now.iter()
            .enumerate()
            .filter_map(|(i, b)| {
                let a = offset + i as u64;
                match before.get(a as usize) {
                    Some(old) if old == b => None,
                    Some(old) => Some((a, *old)),
                    // Grown since: new bytes count as changed.
                    None => Some((a, 0)),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod slice_tests {
    use super::{duration_text, next_slice, SLICE_TIME};
    use web_time::Duration;

    #[test]
    fn slices_are_sized_towards_the_slice_time_within_bounds() {
        // Twice as long as wanted: half the budget; far too long: a quarter at most.
        assert_eq!(next_slice(1000, SLICE_TIME * 2), 500);
        assert_eq!(next_slice(1000, Duration::from_secs(5)), 250);
        // Much faster: four times the budget at most, never zero, never unbounded.
        assert_eq!(next_slice(1000, Duration::ZERO), 4000);
        assert_eq!(next_slice(1, Duration::from_secs(1)), 100);
        assert_eq!(next_slice(1 << 40, Duration::ZERO), 1 << 40);
    }

    #[test]
    fn running_times_read_well() {
        assert_eq!(duration_text(Duration::from_millis(850)), "850 ms");
        assert_eq!(duration_text(Duration::from_millis(2440)), "2.4 s");
        assert_eq!(duration_text(Duration::from_secs(37)), "37 s");
    }
}
