//! A stepping debugger session on one module: breakpoints by function, code offset and
//! `file:line` with conditions, hit counts and log messages (the session owns the one
//! set, see [`crate::breakpoints`]), steps by source line and by instruction into, over
//! and out of calls, run to cursor, and the source variables and expressions of any
//! paused frame. Built on the runtime's resumable execution ([`wasmscope::Execution`]),
//! whose code runs at the plain interpreter's speed wherever nothing can stop; the
//! workbench and `wasmscope debug` drive this.

use std::collections::HashSet;
use std::sync::Arc;

use crate::breakpoints::{
    interpolate, Breakpoint, BreakpointLocation, Breakpoints, HitCondition, LogSink,
};
use wasmscope::variables::{Evaluated, FrameValues, Scope, Variable};
use wasmscope::LineStep;

use wasmscope::dwarf::SourceLocation;
use wasmscope::listener::FunctionListenerFactory;
use wasmscope::{
    CompiledModule, Error, Execution, ExecutionState, FunctionDefinition, Module, ModuleConfig,
    Position, Runtime, RuntimeConfig, StepMode, Value,
};

/// A debugging session; see the [module docs](self).
pub struct Stepper {
    runtime: Runtime,
    compiled: CompiledModule,
    module: Option<Module>,
    execution: Option<Execution>,
    /// Pause at every throw (see [`Stepper::set_pause_on_exceptions`]).
    pause_on_exceptions: bool,
    /// The breakpoints (shared with the execution's breakpoint filter and the front
    /// end).
    book: Breakpoints,
    /// The set's generation that `offsets` reflect.
    synced: u64,
    /// The code offsets of the enabled breakpoints, as set on the execution.
    offsets: HashSet<u64>,
    /// The sliced operation that a budget pause interrupted ([`Stepper::begin`]).
    pending: Option<Op>,
    /// The host functions whose calls pause (see [`Stepper::set_host_call_catches`]).
    catches: Vec<String>,
    /// Record runs for time travel ([`Stepper::set_time_travel`]).
    time_travel: bool,
    /// While the stepper shows the past (a replay): the live call, paused at the
    /// present, and its module.
    live: Option<(Execution, Module, HashSet<u64>)>,
    /// The session's watchpoints ([`Stepper::watch`]), with the id the next one gets.
    watches: Vec<(u32, Watched)>,
    next_watch: u32,
    /// Which of them the execution shown has, `(session id, its id there)`; and the
    /// live call's while the past is shown.
    applied: Applied,
    live_applied: Applied,
    /// The session's watchpoints' conditions, by id ([`Stepper::set_watch_condition`]):
    /// shared with the filter of every execution.
    watch_conditions: Arc<std::sync::Mutex<std::collections::HashMap<u32, String>>>,
    /// The function and parameters the call started with (a replay starts the same).
    entry: (String, Vec<u64>),
    /// Replay instances made so far (each gets a name of its own).
    replays: u32,
    /// What the module imports that a replay would share with the live call (a table,
    /// a mutable global), if anything: time travel refuses it.
    shared_import: Option<&'static str>,
}

/// Why a change is refused while the stepper shows the past.
const PAST: &str = "the past cannot be changed (it is a replay): go forward to the present first";

/// A pause of [`Stepper::history`]'s replay: instruction count, call depth, code offset,
/// whether at a breakpoint or a watchpoint hit.
type HistoryStop = (u64, usize, Option<u64>, bool);

/// How [`Stepper::history`]'s replay steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum HistoryStep {
    /// By source line, entering calls.
    Line,
    /// To each function's entry.
    Entry,
}

/// The write [`Stepper::last_writer`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LastWrite {
    /// The instruction count just after it ([`Stepper::go_to`] shows that moment).
    pub instructions: u64,
    /// The code offset of the instruction that wrote (a store, a bulk operation, a
    /// call of a host function that wrote).
    pub code_offset: Option<u64>,
    /// The function the call was in after it (the writer's, unless it was a return).
    pub function_index: Option<u32>,
    /// The writer's source locations (innermost inlined frame first).
    pub sources: Vec<SourceLocation>,
    /// The bytes before the write.
    pub old: Vec<u8>,
    /// The bytes it wrote (the bytes now).
    pub new: Vec<u8>,
}

/// What a session's watchpoint watches ([`Stepper::watch`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Watched {
    /// Bytes `address .. address + len` of memory `memory`: their change (`Write`), a
    /// load of them (`Read`), or either.
    Memory {
        /// The memory's index.
        memory: u32,
        /// The first byte watched.
        address: u64,
        /// How many bytes.
        len: u64,
        /// What stops.
        kind: wasmscope::WatchKind,
    },
    /// A change of global `index` (the module's index space).
    Global(u32),
}

/// A step backwards ([`Stepper::reverse`]), as gdb's reverse commands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reverse {
    /// One instruction back (`reverse-stepi`).
    Instruction,
    /// Back to the last breakpoint hit (`reverse-continue`).
    Continue,
    /// Back to the start of the previous line, entering calls (`reverse-step`).
    Step,
    /// Back to the start of the previous line of this function (`reverse-next`).
    Next,
    /// Back to where the current function was called (`reverse-finish`).
    Finish,
}

/// Which session watchpoints an execution has, `(session id, its id there)`: shared
/// with that execution's watchpoint filter.
type Applied = Arc<std::sync::Mutex<Vec<(u32, u32)>>>;

fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The watchpoint filter of execution `e` of `module`: a hit of a session watchpoint
/// whose condition (in `conditions`, by session id; `applied` maps the execution's ids)
/// does not hold in the paused frame goes on; an error in a condition stops.
fn install_watch_filter(
    e: &mut Execution,
    compiled: &CompiledModule,
    module: &Module,
    applied: &Applied,
    conditions: &Arc<std::sync::Mutex<std::collections::HashMap<u32, String>>>,
) {
    let (compiled, module) = (compiled.clone(), module.clone());
    let (applied, conditions) = (applied.clone(), conditions.clone());
    e.set_watchpoint_filter(Some(Box::new(move |x: &Execution| {
        let Some(hit) = x.watchpoint_hit() else {
            return true;
        };
        let session = lock(&applied)
            .iter()
            .find(|(_, e)| *e == hit.id)
            .map(|(s, _)| *s);
        let Some(condition) = session.and_then(|s| lock(&conditions).get(&s).cloned()) else {
            return true;
        };
        let Some(offset) = x.position().and_then(|p| p.code_offset) else {
            return true;
        };
        let (locals, operands) = top_values(x);
        let mut verdict = Err(String::new());
        let r = with_scope(&compiled, Some(&module), offset, &locals, &operands, |s| {
            verdict = s.test(&condition)
        });
        !matches!(r.and(verdict), Ok(false))
    })));
}

/// What module `wasm` imports that a replay would share with the live call: `a table`
/// or `a mutable global` (imported memories are checked apart).
fn shared_import(wasm: &[u8]) -> Option<&'static str> {
    let s = wasmscope::inspect::structure(wasm).ok()?;
    s.imports.iter().find_map(|i| match i.kind {
        wasmscope::inspect::ItemKind::Table => Some("a table"),
        wasmscope::inspect::ItemKind::Global if i.ty.starts_with("mut ") => {
            Some("a mutable global")
        }
        _ => None,
    })
}

/// Sets watchpoint `what` on execution `e` of module `m`: its id there.
fn apply_watch(e: &mut Execution, m: &Module, what: &Watched) -> u32 {
    match *what {
        Watched::Memory {
            memory,
            address,
            len,
            kind,
        } => e.add_watchpoint(m, memory, address, len, kind),
        Watched::Global(g) => e.add_global_watchpoint(m, g),
    }
}

/// The filter of an execution that catches the host functions `names` name
/// ([`Stepper::set_host_call_catches`]).
fn catch_filter(names: &[String]) -> Option<wasmscope::HostCallFilter> {
    if names.is_empty() {
        return None;
    }
    let names = names.to_vec();
    Some(Box::new(move |def: &FunctionDefinition| {
        let Some(name) = def.name() else {
            return false;
        };
        let module = def.module_name();
        let wasi = module == "wasi_snapshot_preview1" || module == "wasi_unstable";
        names.iter().any(|n| {
            (wasi && n == name)
                || n.strip_prefix(module).and_then(|r| r.strip_prefix('.')) == Some(name)
        })
    }))
}

/// One frame of a paused call: [`Stepper::frames`].
#[derive(Clone, Debug)]
pub struct Frame {
    /// The frame's function (name, type, parameter names).
    pub definition: FunctionDefinition,
    /// The code-section offset of the frame's current instruction (the call, for callers).
    pub code_offset: Option<u64>,
    /// Its source locations from DWARF, innermost inlined frame first.
    pub sources: Vec<SourceLocation>,
    /// Locals, parameters first.
    pub locals: Vec<Value>,
    /// The operand stack, bottom first.
    pub operands: Vec<Value>,
}

/// An operation that [`Stepper::begin`] runs in slices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// To the next breakpoint or the end ([`Stepper::resume`]).
    Continue,
    /// One instruction, entering calls ([`Stepper::step_into`]).
    StepInto,
    /// One instruction of this function ([`Stepper::step_over`]).
    StepOver,
    /// Out of the current function ([`Stepper::step_out`]).
    StepOut,
    /// To the next function entered ([`Stepper::step_to_next_call`]).
    StepToNextCall,
    /// To the next call at the current function's level ([`Stepper::step_over_call`]).
    StepOverCall,
    /// To a code offset ([`Stepper::run_to`]).
    RunTo(u64),
    /// By source line ([`Stepper::step_line`]).
    Line(LineStep),
}

/// Whether a DWARF path is the toolchain's rather than the program's: Rust's standard
/// library (`/rustc/HASH/library/…`, or `library/…` under that compile directory),
/// wasi-sdk and wasi-libc (`wasisdk://…`, Debian's `./libc-top-half/…`), crates from the
/// registry or git.
///
/// ```
/// use wasmscope_listeners::stepper::is_library_path;
/// assert!(is_library_path("/rustc/59807616/library/std/src/rt.rs"));
/// assert!(is_library_path("wasisdk://v30.0/src/wasi-libc/libc-bottom-half/crt/crt1-command.c"));
/// assert!(is_library_path("./build/./libc-bottom-half/crt/crt1-command.c"));
/// assert!(!is_library_path("/samples/programs/vars/src/main.rs"));
/// ```
pub fn is_library_path(path: &str) -> bool {
    path.starts_with("/rustc/")
        || path.starts_with("library/")
        || path.contains("://")
        || path.contains("/.cargo/registry/")
        || path.contains("/.cargo/git/")
        || path.contains("/.rustup/")
        || path.contains("/rust/deps/")
        || path.contains("/wasi-libc/")
        || path.contains("libc-top-half/")
        || path.contains("libc-bottom-half/")
}

/// The source scope of a paused frame, given to `f`: its locals and operands, and the
/// globals and memory 0 of `module`.
fn with_scope<R>(
    compiled: &CompiledModule,
    module: Option<&Module>,
    offset: u64,
    locals: &[Value],
    operands: &[Value],
    f: impl FnOnce(&Scope<'_>) -> R,
) -> Result<R, String> {
    let globals = module.map(|m| m.globals()).unwrap_or_default();
    let memory = module.and_then(|m| m.memories().into_iter().next());
    let global = |i: u32| {
        let g = globals.get(i as usize)?;
        let bits = g.peek();
        Value::from_slots(g.value_type(), &[bits as u64, (bits >> 64) as u64])
    };
    let read = |address: u64, len: usize| memory.as_ref()?.read_at(address, len as u64);
    let values = FrameValues {
        locals,
        operands,
        global: &global,
        memory: &read,
    };
    match compiled.scope(offset, &values) {
        Ok(Some(scope)) => Ok(f(&scope)),
        Ok(None) => Err("a host function has no source variables".into()),
        Err(e) => Err(e.to_string()),
    }
}

/// The locals and operands of `e`'s innermost frame (empty when it has none).
fn top_values(e: &Execution) -> (Vec<Value>, Vec<Value>) {
    e.with_stack(|s| s.frames().next().map(|f| (f.locals(), f.operands())))
        .flatten()
        .unwrap_or_default()
}

/// What the execution's breakpoint filter does at a breakpoint: counts hits, tests
/// conditions and hit conditions, prints logpoints; whether to stop.
fn filter_hit(
    book: &Breakpoints,
    compiled: &CompiledModule,
    module: &Module,
    execution: &Execution,
) -> bool {
    let Some(position) = execution.position() else {
        return true;
    };
    let Some(offset) = position.code_offset else {
        return true;
    };
    if position.module != module.name() {
        return true;
    }
    let (locals, operands) = top_values(execution);
    let mut book = book.lock();
    if book.run_to == Some(offset) {
        // Run to cursor's target.
        book.stopped_by.clear();
        return true;
    }
    if !book
        .list
        .iter()
        .any(|b| b.enabled && b.offsets.contains(&offset))
    {
        // Not one of the set's (run to cursor's): it stops.
        book.stopped_by.clear();
        return true;
    }
    let mut stop_ids = Vec::new();
    let mut log = Vec::new();
    let eval = |f: &mut dyn FnMut(&Scope<'_>)| {
        with_scope(compiled, Some(module), offset, &locals, &operands, |s| f(s))
    };
    for bp in book
        .list
        .iter_mut()
        .filter(|b| b.enabled && b.offsets.contains(&offset))
    {
        if let Some(c) = &bp.condition {
            let mut verdict = Err(String::new());
            let r = eval(&mut |s| verdict = s.test(c));
            match r.and(verdict) {
                Ok(false) => continue,
                Ok(true) => {}
                Err(e) => {
                    // gdb's way: an error in a condition stops, and says so.
                    log.push(format!(
                        "breakpoint {}: error in condition `{c}`: {e}",
                        bp.id
                    ));
                    stop_ids.push(bp.id);
                    continue;
                }
            }
        }
        bp.hits += 1;
        if bp.hit_condition.is_some_and(|h| !h.matches(bp.hits)) {
            continue;
        }
        match &bp.log_message {
            Some(message) => {
                let mut text = String::new();
                let r = eval(&mut |s| {
                    text = interpolate(message, |e| match s.evaluate(e).value {
                        Ok(v) => v,
                        Err(err) => format!("<{err}>"),
                    })
                });
                log.push(r.map_or_else(|e| format!("<{e}>"), |()| text));
            }
            None => stop_ids.push(bp.id),
        }
    }
    match &mut book.sink {
        Some(sink) => log.iter().for_each(|l| sink(l)),
        None => book.log.extend(log),
    }
    let stop = !stop_ids.is_empty();
    if stop {
        book.stopped_by = stop_ids;
    }
    stop
}

/// [`filter_hit`] for a replay that looks for breakpoint hits in the past
/// ([`Stepper::reverse`]): the same conditions and hit conditions (its hits counted in
/// `hits`, from the run's start as the live run counted them), but nothing logged or
/// counted in the set, and logpoints never stop.
fn history_hit(
    book: &Breakpoints,
    compiled: &CompiledModule,
    module: &Module,
    execution: &Execution,
    hits: &mut std::collections::HashMap<u32, u64>,
) -> bool {
    let Some(offset) = execution.position().and_then(|p| p.code_offset) else {
        return false;
    };
    let (locals, operands) = top_values(execution);
    let book = book.lock();
    let mut stop = false;
    for bp in book
        .list
        .iter()
        .filter(|b| b.enabled && b.offsets.contains(&offset))
    {
        if let Some(c) = &bp.condition {
            let mut verdict = Err(String::new());
            let r = with_scope(compiled, Some(module), offset, &locals, &operands, |s| {
                verdict = s.test(c)
            });
            if !matches!(r.and(verdict), Ok(true) | Err(_)) {
                continue;
            }
        }
        let n = hits.entry(bp.id).or_insert(0);
        *n += 1;
        if bp.hit_condition.is_some_and(|h| !h.matches(*n)) || bp.log_message.is_some() {
            continue;
        }
        stop = true;
    }
    stop
}

/// The most pages a 64-bit memory may have in a debug session (64 GiB), on 64-bit hosts;
/// 32-bit memories keep their 4 GiB.
pub const MEMORY64_LIMIT_PAGES: u32 = 1 << 20;

impl Stepper {
    /// A session for module `wasm`, compiled for stepping, on a runtime where
    /// `setup` may add host modules (e.g. `wasmscope::wasi::instantiate`).
    ///
    /// # Errors
    /// The module does not compile, or `setup` fails.
    pub fn new(
        wasm: &[u8],
        setup: impl FnOnce(&Runtime) -> wasmscope::Result<()>,
    ) -> wasmscope::Result<Stepper> {
        Self::with_listener_factory(wasm, None, setup)
    }

    /// Like [`Stepper::new`], with `listeners` (e.g. a
    /// [`LoggingListenerFactory`](crate::logging::LoggingListenerFactory) for a call log)
    /// on every function besides the stepper's own.
    ///
    /// # Errors
    /// The module does not compile, or `setup` fails.
    pub fn with_listener_factory(
        wasm: &[u8],
        listeners: Option<Arc<dyn FunctionListenerFactory>>,
        setup: impl FnOnce(&Runtime) -> wasmscope::Result<()>,
    ) -> wasmscope::Result<Stepper> {
        // Everything this version runs: 3.0 and the legacy exception instructions that
        // Emscripten emits (a debugger opens what people build).
        let mut config = RuntimeConfig::interpreter()
            .with_debug_stepping(true)
            .with_core_features(wasmscope::CoreFeatures::SUPPORTED);
        // A 64-bit memory (memory64) may grow past 4 GiB (to 64 GiB: pages are mapped
        // when touched) where the host has the address space for it.
        if cfg!(target_pointer_width = "64") {
            config = config.with_memory_limit_pages(MEMORY64_LIMIT_PAGES);
        }
        if let Some(factory) = listeners {
            config = config.with_function_listener_factory(factory);
        }
        let runtime = Runtime::with_config(config);
        setup(&runtime)?;
        let compiled = runtime.compile_module(wasm)?;
        Ok(Stepper {
            runtime,
            compiled,
            module: None,
            execution: None,
            pause_on_exceptions: false,
            book: Breakpoints::new(),
            synced: 0,
            offsets: HashSet::new(),
            pending: None,
            catches: Vec::new(),
            time_travel: false,
            live: None,
            watches: Vec::new(),
            next_watch: 1,
            applied: Applied::default(),
            live_applied: Applied::default(),
            watch_conditions: Default::default(),
            entry: (String::new(), Vec::new()),
            replays: 0,
            shared_import: shared_import(wasm),
        })
    }

    /// The runtime of the session.
    pub fn runtime(&self) -> &Runtime {
        &self.runtime
    }

    /// The compiled module (definitions, DWARF lookups).
    pub fn compiled(&self) -> &CompiledModule {
        &self.compiled
    }

    /// Instantiates the module with `config` (its start functions are not run) and starts
    /// a paused call of `function`; nothing runs until the first step or `resume`.
    ///
    /// # Errors
    /// Instantiation fails, or there is no such export.
    pub fn start(
        &mut self,
        config: ModuleConfig,
        function: &str,
        params: &[u64],
    ) -> wasmscope::Result<()> {
        let module = self
            .runtime
            .instantiate_module(&self.compiled, config.with_start_functions(&[]))?;
        let f = module
            .exported_function(function)
            .ok_or_else(|| Error::new(format!("no exported function {function:?}")))?;
        let mut execution = f.start_call(params)?;
        execution.set_recording(self.time_travel);
        if let Some((_, _, _)) = self.live.take() {
            // The past shown (a replay) goes with the run it belonged to.
            if let Some(replay) = self.module.take() {
                let _ = replay.close();
            }
        }
        self.entry = (function.to_string(), params.to_vec());
        self.book.reset_hits();
        self.synced = self.book.generation();
        self.offsets = self.book.enabled_offsets().into_iter().collect();
        for o in &self.offsets {
            execution.add_breakpoint(&module, *o);
        }
        execution.set_pause_on_exceptions(self.pause_on_exceptions);
        execution.set_host_call_catch(catch_filter(&self.catches));
        let (book, compiled, m) = (self.book.clone(), self.compiled.clone(), module.clone());
        execution.set_breakpoint_filter(Some(Box::new(move |e: &Execution| {
            filter_hit(&book, &compiled, &m, e)
        })));
        self.applied = Applied::default();
        self.live_applied = Applied::default();
        install_watch_filter(
            &mut execution,
            &self.compiled,
            &module,
            &self.applied,
            &self.watch_conditions,
        );
        self.execution = Some(execution);
        self.module = Some(module);
        self.sync_watches();
        Ok(())
    }

    /// Stops whenever function `name` is entered (see
    /// [`CompiledModule::function_breakpoint_offsets`]: a name-section name, a demangled
    /// path or its last segments; inlined copies too): a breakpoint where each such
    /// function's body begins after its prologue; returns the first one's offset,
    /// `None` when no defined function has that name.
    pub fn break_at_function(&mut self, name: &str) -> Option<u64> {
        let id = self
            .add_breakpoint(BreakpointLocation::Function(name.to_string()))
            .ok()?;
        self.breakpoint(id)?.offsets.first().copied()
    }

    /// Stops before the instruction at code-section offset `offset`.
    pub fn break_at_offset(&mut self, offset: u64) {
        let _ = self.add_breakpoint(BreakpointLocation::Offset(offset));
    }

    /// Stops at line `line` of the source file whose path ends with `file`; returns the
    /// code offsets the breakpoint covers (none: the line has no code, and no breakpoint
    /// is set).
    pub fn break_at_line(&mut self, file: &str, line: u32) -> Vec<u64> {
        let location = BreakpointLocation::Line {
            file: file.to_string(),
            line,
        };
        match self.add_breakpoint(location) {
            Ok(id) => self.breakpoint(id).map(|b| b.offsets).unwrap_or_default(),
            Err(_) => Vec::new(),
        }
    }

    /// The code offsets `location` stands for in this module.
    ///
    /// # Errors
    /// It has no code (a line without statements, no such function, an offset where no
    /// instruction begins).
    pub fn resolve(&self, location: &BreakpointLocation) -> Result<Vec<u64>, String> {
        let offsets = match location {
            BreakpointLocation::Line { file, line } => {
                self.compiled.code_offsets_for_line(file, *line)
            }
            BreakpointLocation::Function(name) => self.compiled.function_breakpoint_offsets(name),
            BreakpointLocation::Offset(o) => {
                if !self.compiled.is_instruction_start(*o) {
                    // Data, local declarations, the middle of an instruction: a
                    // breakpoint there could never stop.
                    return Err(format!("no instruction begins at code offset {o:#x}"));
                }
                vec![*o]
            }
        };
        if offsets.is_empty() {
            return Err(match location {
                BreakpointLocation::Line { file, line } => {
                    format!("no code at line {line} of a file named like {file:?}")
                }
                BreakpointLocation::Function(name) => format!("no function named {name}"),
                BreakpointLocation::Offset(_) => unreachable!("an instruction is its own code"),
            });
        }
        Ok(offsets)
    }

    /// Adds a breakpoint at `location` and returns its number (a location may have
    /// several: a breakpoint and a logpoint, say).
    ///
    /// # Errors
    /// The location has no code ([`Stepper::resolve`]).
    pub fn add_breakpoint(&mut self, location: BreakpointLocation) -> Result<u32, String> {
        let offsets = self.resolve(&location)?;
        let id = self.book.add(location, offsets);
        self.sync_offsets();
        Ok(id)
    }

    /// Removes breakpoint `id`; whether there was one.
    pub fn remove_breakpoint(&mut self, id: u32) -> bool {
        let removed = self.book.remove(id);
        self.sync_offsets();
        removed
    }

    /// The session's breakpoint set (a handle: views read and change it; the next run
    /// or step sees the changes).
    pub fn breakpoint_set(&self) -> &Breakpoints {
        &self.book
    }

    /// Makes `set` the session's breakpoint set (the workbench keeps one per loaded
    /// module, across runs).
    pub fn use_breakpoints(&mut self, set: Breakpoints) {
        self.book = set;
        self.synced = self.book.generation().wrapping_sub(1);
        self.sync_offsets();
    }

    /// The breakpoints, in the order they were set.
    pub fn breakpoints(&self) -> Vec<Breakpoint> {
        self.book.list()
    }

    /// Breakpoint `id`.
    pub fn breakpoint(&self, id: u32) -> Option<Breakpoint> {
        self.book.get(id)
    }

    /// The first breakpoint at `location`, if there is one.
    pub fn breakpoint_at(&self, location: &BreakpointLocation) -> Option<Breakpoint> {
        self.book.find(location)
    }

    /// Sets (or with `None` removes) breakpoint `id`'s condition, an expression over the
    /// variables in scope where it stops ([`wasmscope::variables`]).
    ///
    /// # Errors
    /// No such breakpoint, or a syntax error in the condition.
    pub fn set_condition(&mut self, id: u32, condition: Option<&str>) -> Result<(), String> {
        self.book.set_condition(id, condition)
    }

    /// Sets (or removes) which hits of breakpoint `id` stop.
    ///
    /// # Errors
    /// No such breakpoint.
    pub fn set_hit_condition(&mut self, id: u32, hits: Option<HitCondition>) -> Result<(), String> {
        self.book.set_hit_condition(id, hits)
    }

    /// Makes breakpoint `id` a logpoint with `message` (`{expr}` parts replaced by their
    /// values; it never stops), or with `None` a breakpoint again.
    ///
    /// # Errors
    /// No such breakpoint, or a syntax error in an expression of the message.
    pub fn set_log_message(&mut self, id: u32, message: Option<&str>) -> Result<(), String> {
        self.book.set_log_message(id, message)
    }

    /// Turns breakpoint `id` on or off.
    ///
    /// # Errors
    /// No such breakpoint.
    pub fn set_enabled(&mut self, id: u32, enabled: bool) -> Result<(), String> {
        let r = self.book.set_enabled(id, enabled);
        self.sync_offsets();
        r
    }

    /// Takes the next number of the breakpoints' sequence for a front end's own kind of
    /// stop (`wasmscope debug`'s watchpoints), so that no breakpoint gets it.
    pub fn next_number(&mut self) -> u32 {
        self.book.next_number()
    }

    /// Sends logpoint messages and condition errors to `sink` as they happen (in order
    /// with the guest's own output), instead of keeping them for
    /// [`Stepper::take_log`]; `None` keeps them again.
    pub fn set_log_sink(&mut self, sink: Option<LogSink>) {
        self.book.set_log_sink(sink);
    }

    /// The logpoints' messages and the condition errors since the last call, oldest
    /// first.
    pub fn take_log(&mut self) -> Vec<String> {
        self.book.take_log()
    }

    /// The breakpoints that stopped the last pause (empty when it was not a
    /// breakpoint's).
    pub fn stopped_by(&self) -> Vec<u32> {
        if !self
            .execution
            .as_ref()
            .is_some_and(Execution::paused_at_breakpoint)
        {
            return Vec::new();
        }
        self.book.lock().stopped_by.clone()
    }

    /// Sets on the execution the code offsets of the enabled breakpoints (and removes the
    /// others).
    fn sync_offsets(&mut self) {
        self.synced = self.book.generation();
        let want: HashSet<u64> = self.book.enabled_offsets().into_iter().collect();
        if let (Some(e), Some(m)) = (&mut self.execution, &self.module) {
            for o in self.offsets.difference(&want) {
                e.remove_breakpoint(m, *o);
            }
            for o in want.difference(&self.offsets) {
                e.add_breakpoint(m, *o);
            }
        }
        self.offsets = want;
    }

    /// Syncs the execution's breakpoints when the set changed (through another handle).
    fn sync_if_changed(&mut self) {
        if self.book.generation() != self.synced {
            self.sync_offsets();
        }
    }

    /// Pause at every throw of an exception, caught or not, before its handler runs
    /// ([`Execution::set_pause_on_exceptions`]); [`Stepper::exception`] tells it.
    pub fn set_pause_on_exceptions(&mut self, on: bool) {
        self.pause_on_exceptions = on;
        if let Some(e) = &mut self.execution {
            e.set_pause_on_exceptions(on);
        }
    }

    /// The exception thrown where the call is paused, or the one that ended it
    /// uncaught ([`Execution::exception`]).
    pub fn exception(&self) -> Option<wasmscope::ThrownException> {
        self.execution.as_ref()?.exception()
    }

    /// Pause before and after every call of the host functions `names` name (WASI
    /// catchpoints, gdb's `catch syscall`; [`Execution::set_host_call_catch`]): a name
    /// is a WASI function's (`fd_write`, of either WASI module) or any host function's
    /// `module.name`. Empty: none.
    pub fn set_host_call_catches(&mut self, names: &[String]) {
        self.catches = names.to_vec();
        let filter = catch_filter(&self.catches);
        if let Some(e) = &mut self.execution {
            e.set_host_call_catch(filter);
        }
    }

    /// Stops the call when bytes `address .. address + len` of memory `memory` of the
    /// debugged module change (`Write`), are loaded (`Read`), or either
    /// ([`Execution::add_watchpoint`]); the watchpoint's id, for this run.
    ///
    /// # Errors
    /// No call has started.
    pub fn add_watchpoint(
        &mut self,
        memory: u32,
        address: u64,
        len: u64,
        kind: wasmscope::WatchKind,
    ) -> Result<u32, String> {
        match (&mut self.execution, &self.module) {
            (Some(e), Some(m)) => Ok(e.add_watchpoint(m, memory, address, len, kind)),
            _ => Err("the program is not running".into()),
        }
    }

    /// Stops the call when global `global` of the debugged module changes
    /// ([`Execution::add_global_watchpoint`]).
    ///
    /// # Errors
    /// No call has started.
    pub fn add_global_watchpoint(&mut self, global: u32) -> Result<u32, String> {
        match (&mut self.execution, &self.module) {
            (Some(e), Some(m)) => Ok(e.add_global_watchpoint(m, global)),
            _ => Err("the program is not running".into()),
        }
    }

    /// Removes watchpoint `id` ([`Execution::remove_watchpoint`]).
    pub fn remove_watchpoint(&mut self, id: u32) -> bool {
        self.execution
            .as_mut()
            .is_some_and(|e| e.remove_watchpoint(id))
    }

    /// The watchpoint the call paused at ([`Execution::watchpoint_hit`]).
    pub fn watchpoint_hit(&self) -> Option<wasmscope::WatchpointHit> {
        self.execution.as_ref()?.watchpoint_hit()
    }

    /// Adds a watchpoint to the session: unlike [`Stepper::add_watchpoint`]'s, it stays
    /// for every later run ([`Stepper::start`]) and applies in the past shown too (a
    /// replay stops at it, and [`Reverse::Continue`] goes back to its last hit). Its
    /// id, for [`Stepper::unwatch`] and [`Stepper::watch_hit`].
    pub fn watch(&mut self, what: Watched) -> u32 {
        let id = self.next_watch;
        self.next_watch += 1;
        self.watches.push((id, what));
        self.sync_watches();
        id
    }

    /// Removes the session's watchpoint `id`; `false` when there is none.
    pub fn unwatch(&mut self, id: u32) -> bool {
        let before = self.watches.len();
        self.watches.retain(|(w, _)| *w != id);
        lock(&self.watch_conditions).remove(&id);
        self.sync_watches();
        self.watches.len() != before
    }

    /// Makes the session's watchpoint `id` stop only where `condition` (an expression
    /// of the paused frame, as a breakpoint's) holds; `None` removes it. An error in the
    /// condition stops, as gdb does.
    pub fn set_watch_condition(&mut self, id: u32, condition: Option<String>) {
        let mut conditions = lock(&self.watch_conditions);
        match condition.filter(|c| !c.trim().is_empty()) {
            Some(c) => conditions.insert(id, c),
            None => conditions.remove(&id),
        };
    }

    /// The condition of the session's watchpoint `id`, if it has one.
    pub fn watch_condition(&self, id: u32) -> Option<String> {
        lock(&self.watch_conditions).get(&id).cloned()
    }

    /// The session's watchpoints, by id.
    pub fn watched(&self) -> &[(u32, Watched)] {
        &self.watches
    }

    /// The session's watchpoint the call paused at (its id), with what it saw.
    pub fn watch_hit(&self) -> Option<(u32, wasmscope::WatchpointHit)> {
        let hit = self.watchpoint_hit()?;
        let id = lock(&self.applied).iter().find(|(_, e)| *e == hit.id)?.0;
        Some((id, hit))
    }

    /// Gives the execution shown the session's watchpoints it lacks, and takes away
    /// those removed.
    fn sync_watches(&mut self) {
        let (Some(e), Some(m)) = (&mut self.execution, &self.module) else {
            return;
        };
        let watches = &self.watches;
        let mut applied = lock(&self.applied);
        applied.retain(|(id, exec)| {
            let keep = watches.iter().any(|(w, _)| w == id);
            if !keep {
                e.remove_watchpoint(*exec);
            }
            keep
        });
        for (id, what) in watches {
            if !applied.iter().any(|(a, _)| a == id) {
                applied.push((*id, apply_watch(e, m, what)));
            }
        }
    }

    /// The host functions whose calls pause ([`Stepper::set_host_call_catches`]).
    pub fn host_call_catches(&self) -> &[String] {
        &self.catches
    }

    /// The host call the execution is paused at, before or after it
    /// ([`Execution::host_call`]).
    pub fn host_call(&self) -> Option<wasmscope::HostCall> {
        self.execution.as_ref()?.host_call()
    }

    /// A `wasi_snapshot_preview1` call the program is paused at, decoded for people with
    /// memory 0 (a memory above 256 MiB is not read: numbers only): its arguments, and
    /// after the call its errno and the values it wrote ([`wasmscope::wasi::describe_params`],
    /// [`wasmscope::wasi::describe_results`]). `None` for another host module's call.
    pub fn describe_wasi_call(
        &self,
        call: &wasmscope::HostCall,
    ) -> Option<(Vec<wasmscope::wasi::WasiArg>, Vec<wasmscope::wasi::WasiArg>)> {
        if call.definition.module_name() != wasmscope::wasi::MODULE_NAME {
            return None;
        }
        let name = call.definition.name().unwrap_or("");
        let memory = self
            .module()
            .and_then(|m| m.memories().into_iter().next())
            .and_then(|m| {
                let len = u64::from(m.pages()) * 65536;
                (len <= 256 << 20).then(|| m.read_at(0, len)).flatten()
            });
        let raw =
            |values: &[Value]| -> Vec<u64> { values.iter().map(|v| v.bits() as u64).collect() };
        let params = raw(&call.params);
        let args = wasmscope::wasi::describe_params(name, &params, memory.as_deref());
        let results = match (&call.results, call.phase) {
            (Some(r), wasmscope::HostCallPhase::After) => {
                wasmscope::wasi::describe_results(name, &params, &raw(r), memory.as_deref())
            }
            _ => Vec::new(),
        };
        Some((args, results))
    }

    /// Changes the arguments of the host call paused before
    /// ([`Execution::set_host_call_params`]).
    ///
    /// # Errors
    /// Not paused before a host call, or values not of its parameter types.
    pub fn set_host_call_params(&mut self, params: &[Value]) -> wasmscope::Result<()> {
        if self.in_past() {
            return Err(Error::new(PAST));
        }
        self.leave_replay_at_present();
        match &mut self.execution {
            Some(e) => e.set_host_call_params(params),
            None => Err(Error::new("no call is running")),
        }
    }

    /// Gives the caller these results of the host call paused at: after it, instead of
    /// what it returned; before it, without running it ([`Execution::set_host_call_results`]).
    ///
    /// # Errors
    /// Not paused at a host call, or values not of its result types.
    pub fn set_host_call_results(&mut self, results: &[Value]) -> wasmscope::Result<()> {
        if self.in_past() {
            return Err(Error::new(PAST));
        }
        self.leave_replay_at_present();
        match &mut self.execution {
            Some(e) => e.set_host_call_results(results),
            None => Err(Error::new("no call is running")),
        }
    }

    /// Removes every breakpoint.
    pub fn clear_breakpoints(&mut self) {
        self.book.clear();
        self.sync_offsets();
    }

    fn execution(&mut self) -> &mut Execution {
        // In the past and at the end of its history: back to the live call.
        self.leave_replay_at_present();
        self.sync_if_changed();
        self.sync_watches();
        self.execution.as_mut().expect("Stepper::start was called")
    }

    /// Record every run from its start for time travel (set before [`Stepper::start`]):
    /// every instruction is counted ([`Stepper::instructions`]; plain code counts per
    /// straight-line segment, at about the speed of a run not recorded), and
    /// [`Stepper::reverse`] / [`Stepper::go_to`] step backwards by replaying the run in
    /// a fresh instance ([`Execution::replay`]), which takes checkpoints as it goes:
    /// later steps back in the past shown restore the latest checkpoint before their
    /// target and replay from there.
    pub fn set_time_travel(&mut self, on: bool) {
        self.time_travel = on;
    }

    /// Whether runs are recorded for time travel.
    pub fn time_travel(&self) -> bool {
        self.time_travel
    }

    /// Where the recorded run began its calls of Wasm functions (a timeline's marks):
    /// `(instruction count, calls)`, see [`wasmscope::Recording::call_marks`].
    pub fn call_marks(&self) -> Vec<(u64, u64)> {
        let live = match &self.live {
            Some((live, _, _)) => Some(live),
            None => self.execution.as_ref(),
        };
        live.map(Execution::recorded_call_marks).unwrap_or_default()
    }

    /// The instruction counts at which the recorded run called host functions (a
    /// timeline's marks).
    pub fn host_call_marks(&self) -> Vec<u64> {
        let live = match &self.live {
            Some((live, _, _)) => Some(live),
            None => self.execution.as_ref(),
        };
        live.map(Execution::recorded_host_call_steps)
            .unwrap_or_default()
    }

    /// The instruction count where the call is (recorded runs; see
    /// [`Execution::instructions`]).
    pub fn instructions(&self) -> u64 {
        self.execution.as_ref().map_or(0, Execution::instructions)
    }

    /// The instruction count of the present: how far the live call has run.
    pub fn present(&self) -> u64 {
        match &self.live {
            Some((live, _, _)) => live.instructions(),
            None => self.instructions(),
        }
    }

    /// Whether the stepper shows the past (a replay; going forward past the present
    /// returns to the live call).
    pub fn in_past(&self) -> bool {
        self.live.is_some() && self.instructions() < self.present()
    }

    /// At the present in a replay: the live call again (changes go to it).
    fn leave_replay_at_present(&mut self) {
        if self.live.is_some() && !self.in_past() {
            self.back_to_present();
        }
    }

    /// Leaves the past: the live call and its module again.
    fn back_to_present(&mut self) {
        if let Some((mut live, module, offsets)) = self.live.take() {
            if let Some(replay) = self.module.replace(module) {
                let _ = replay.close();
            }
            // What changed while the past was shown applies to the live call.
            live.set_host_call_catch(catch_filter(&self.catches));
            live.set_pause_on_exceptions(self.pause_on_exceptions);
            self.execution = Some(live);
            self.applied = std::mem::take(&mut self.live_applied);
            self.offsets = offsets;
            self.sync_offsets();
            self.sync_watches();
            self.pending = None;
        }
    }

    /// The replay shown (in the past), taken to instruction `count` through its
    /// checkpoints (with no breakpoint, catchpoint or exception pause: nothing stops it
    /// before), if it has them; else a fresh instance replaying the recording to it (see
    /// [`Stepper::replay_to`]).
    fn shown_replay_to(
        &mut self,
        count: u64,
    ) -> Result<(Execution, Module, ExecutionState), String> {
        let reusable = self.live.is_some()
            && self
                .execution
                .as_ref()
                .is_some_and(|e| e.checkpoints().is_some());
        if !reusable {
            return self.replay_to(count);
        }
        let (Some(mut e), Some(module)) = (self.execution.take(), self.module.take()) else {
            return self.replay_to(count);
        };
        for o in &self.offsets {
            e.remove_breakpoint(&module, *o);
        }
        for (_, id) in std::mem::take(&mut *lock(&self.applied)) {
            e.remove_watchpoint(id);
        }
        e.set_breakpoint_filter(None);
        e.set_host_call_catch(None);
        e.set_pause_on_exceptions(false);
        let state = e.run_to_instruction(count.max(1));
        Ok((e, module, state))
    }

    /// A fresh instance replaying the recording, paused before instruction `count`
    /// (with no breakpoint: nothing stops it before); the live call is kept.
    fn replay_to(&mut self, count: u64) -> Result<(Execution, Module, ExecutionState), String> {
        let live = match &self.live {
            Some((live, _, _)) => live,
            None => self
                .execution
                .as_ref()
                .ok_or("the program is not running")?,
        };
        let recording = live
            .recording()
            .ok_or("this run is not recorded: turn on time travel and run again")?;
        if let Some(what) = self.shared_import {
            return Err(format!(
                "time travel needs a module with its own tables and mutable globals: a \
                 replay of one that imports {what} would change the live call's"
            ));
        }
        if !self.compiled.imported_memories().is_empty() {
            return Err(
                "time travel needs a module with its own memory: a replay of one that \
                        imports its memory would share it with the live call"
                    .into(),
            );
        }
        let present = live.instructions();
        self.replays += 1;
        let name = format!(
            "{}~replay{}",
            self.compiled.name().unwrap_or("module"),
            self.replays
        );
        let module = self
            .runtime
            .instantiate_module(
                &self.compiled,
                ModuleConfig::new()
                    .with_name(&name)
                    .with_start_functions(&[]),
            )
            .map_err(|e| e.to_string())?;
        let started = module
            .exported_function(&self.entry.0)
            .ok_or_else(|| format!("no exported function {:?}", self.entry.0))
            .and_then(|f| f.start_call(&self.entry.1).map_err(|e| e.to_string()));
        let mut e = match started {
            Ok(e) => e,
            Err(why) => {
                let _ = module.close();
                return Err(why);
            }
        };
        e.replay(recording);
        e.set_instruction_limit(Some(present));
        let state = e.run_to_instruction(count.max(1));
        Ok((e, module, state))
    }

    /// Shows the call as it was before instruction `count` of the recorded run (going
    /// forward past the present runs the live call on).
    ///
    /// # Errors
    /// The run is not recorded, or the replay failed.
    pub fn go_to(&mut self, count: u64) -> Result<ExecutionState, String> {
        self.cancel();
        let present = self.present();
        if count >= present {
            self.back_to_present();
            if count == present {
                return Ok(ExecutionState::Paused);
            }
            let state = self.execution().run_to_instruction(count);
            return Ok(self.settle(state));
        }
        let (mut e, module, state) = self.shown_replay_to(count)?;
        // The breakpoints, catchpoints and exception pauses apply in the past too (hit
        // counts run from the moment shown).
        self.replay_breakpoints(&mut e, &module);
        e.set_pause_on_exceptions(self.pause_on_exceptions);
        e.set_host_call_catch(catch_filter(&self.catches));
        let applied = Applied::default();
        install_watch_filter(
            &mut e,
            &self.compiled,
            &module,
            &applied,
            &self.watch_conditions,
        );
        if self.live.is_none() {
            let live = self.execution.take().ok_or("the program is not running")?;
            let live_module = self.module.take().ok_or("the program is not running")?;
            self.live = Some((live, live_module, self.offsets.clone()));
            self.live_applied = std::mem::replace(&mut self.applied, applied);
        } else {
            if let Some(old) = self.module.take() {
                let _ = old.close();
            }
            self.applied = applied;
        }
        self.execution = Some(e);
        self.module = Some(module);
        self.sync_watches();
        Ok(state)
    }

    /// Sets the breakpoints on replay `e` of `module`, with a filter that tests their
    /// conditions and hit counts (counted from the replay's start) and counts or logs
    /// nothing in the set ([`history_hit`]).
    fn replay_breakpoints(&self, e: &mut Execution, module: &Module) {
        for o in &self.offsets {
            e.add_breakpoint(module, *o);
        }
        let (book, compiled, m) = (self.book.clone(), self.compiled.clone(), module.clone());
        let mut hits = std::collections::HashMap::new();
        e.set_breakpoint_filter(Some(Box::new(move |x: &Execution| {
            history_hit(&book, &compiled, &m, x, &mut hits)
        })));
    }

    /// The enabled breakpoints (not logpoints) at the paused call's instruction.
    pub fn breakpoints_here(&self) -> Vec<u32> {
        let Some(offset) = self.position().and_then(|p| p.code_offset) else {
            return Vec::new();
        };
        self.breakpoints()
            .into_iter()
            .filter(|b| b.enabled && b.log_message.is_none() && b.offsets.contains(&offset))
            .map(|b| b.id)
            .collect()
    }

    /// The pauses of a replay from the start up to (not including) instruction `until`,
    /// each `(count, depth, code offset, at a breakpoint)`: the replay steps by `mode`
    /// (`None`: runs from breakpoint to breakpoint).
    fn history(
        &mut self,
        until: u64,
        mode: Option<HistoryStep>,
    ) -> Result<Vec<HistoryStop>, String> {
        self.history_from(1, until, mode)
    }

    /// What `pick` finds among the pauses of a replay stepping by `mode` before
    /// instruction `until`, looking at the last 2^12 instructions first, then 4 times as
    /// many, and so on back to the start: stepping by line or by entry runs in debug
    /// code, so this costs what the nearest answer needs, not the whole run. (The
    /// pauses a replay from the middle makes are those a replay from the start makes
    /// after that point: each line or entry step stops at the next change of line, or
    /// the next entry, wherever it starts.)
    fn history_back(
        &mut self,
        until: u64,
        mode: HistoryStep,
        pick: impl Fn(&Self, &[HistoryStop]) -> Option<u64>,
    ) -> Result<Option<u64>, String> {
        let mut window: u64 = 1 << 12;
        loop {
            let from = until.saturating_sub(window).max(1);
            let stops = self.history_from(from, until, Some(mode))?;
            if let Some(c) = pick(self, &stops) {
                return Ok(Some(c));
            }
            if from == 1 {
                return Ok(None);
            }
            window = window.saturating_mul(4);
        }
    }

    /// [`Stepper::history`]'s pauses from instruction `from` on (the position at `from`
    /// itself only when it is the start, where every step begins).
    fn history_from(
        &mut self,
        from: u64,
        until: u64,
        mode: Option<HistoryStep>,
    ) -> Result<Vec<HistoryStop>, String> {
        let (mut e, module, mut state) = self.replay_to(from)?;
        e.set_instruction_limit(Some(until));
        if mode.is_none() {
            self.replay_breakpoints(&mut e, &module);
            let applied = Applied::default();
            for (id, what) in &self.watches {
                let exec = apply_watch(&mut e, &module, what);
                lock(&applied).push((*id, exec));
            }
            install_watch_filter(
                &mut e,
                &self.compiled,
                &module,
                &applied,
                &self.watch_conditions,
            );
        }
        let mut out = Vec::new();
        let mut first = true;
        while matches!(state, ExecutionState::Paused) {
            let count = e.instructions();
            if count >= until {
                break;
            }
            if let Some(p) = e.position() {
                if !first || (mode.is_some() && from <= 1) {
                    let stop = e.paused_at_breakpoint() || e.watchpoint_hit().is_some();
                    out.push((count, p.depth, p.code_offset, stop));
                }
            }
            first = false;
            state = match mode {
                None => e.resume(),
                Some(HistoryStep::Line) => e.step_line(LineStep::Into),
                Some(HistoryStep::Entry) => e.step(StepMode::Entry),
            };
        }
        let _ = module.close();
        Ok(out)
    }

    /// The write that gave bytes `address .. address + len` of memory `memory` the
    /// value they have where the call is (a recorded run): found by replaying the run
    /// from its start with a watchpoint on them. `Ok(None)`: nothing wrote them since
    /// the start (they hold what instantiation put there).
    ///
    /// # Errors
    /// The run is not recorded, or the replay failed.
    pub fn last_writer(
        &mut self,
        memory: u32,
        address: u64,
        len: u64,
    ) -> Result<Option<LastWrite>, String> {
        if !self.time_travel || self.execution.is_none() {
            return Err("this run is not recorded: turn on time travel and run again".into());
        }
        // Paused after a host call, the call's writes are before this moment, though the
        // count is still the call's: look one stop point further (its log has the call).
        let after_call = self
            .host_call()
            .is_some_and(|c| c.phase == wasmscope::HostCallPhase::After);
        let now = self.instructions() + u64::from(after_call);
        let (mut e, module, _) = self.replay_to(1)?;
        e.set_instruction_limit(Some(now));
        e.add_watchpoint(&module, memory, address, len, wasmscope::WatchKind::Write);
        let mut last = None;
        // (From instruction 1: nothing has run yet.)
        let mut state = if now > 1 {
            e.resume()
        } else {
            ExecutionState::Finished(Vec::new())
        };
        while matches!(state, ExecutionState::Paused) && e.instructions() <= now {
            if let Some(hit) = e.watchpoint_hit() {
                let p = e.position();
                last = Some(LastWrite {
                    instructions: e.instructions(),
                    code_offset: hit.code_offset,
                    function_index: p.as_ref().map(|p| p.function_index),
                    sources: hit
                        .code_offset
                        .map(|o| self.compiled.source_locations(o))
                        .unwrap_or_default(),
                    old: hit.old,
                    new: hit.new,
                });
            }
            if e.paused_at_instruction() {
                break;
            }
            state = e.resume();
        }
        let _ = module.close();
        Ok(last)
    }

    /// Steps backwards (gdb's reverse commands) by replaying the recorded run: the
    /// stepper then shows the past ([`Stepper::in_past`]) until a step forward reaches
    /// the present again. `Ok(None)`: there is no history that far back (the call is
    /// left at its first instruction).
    ///
    /// # Errors
    /// The run is not recorded ([`Stepper::set_time_travel`]), or the replay failed.
    pub fn reverse(&mut self, how: Reverse) -> Result<Option<ExecutionState>, String> {
        let now = self.instructions();
        if self.execution.is_none() {
            return Err("the program is not running".into());
        }
        if !self.time_travel {
            return Err("this run is not recorded: turn on time travel and run again".into());
        }
        if now <= 1 {
            // At the first instruction (or not entered yet): no history behind.
            return Ok(None);
        }
        let depth = self.position().map_or(0, |p| p.depth);
        let line_of = |s: &Self, offset: Option<u64>| {
            offset
                .and_then(|o| s.compiled.source_locations(o).into_iter().next())
                .map(|l| (l.file, l.line))
        };
        let here = line_of(self, self.position().and_then(|p| p.code_offset));
        let target = match how {
            Reverse::Instruction => now.checked_sub(1).filter(|c| *c >= 1),
            Reverse::Continue => self
                .history(now, None)?
                .into_iter()
                .rev()
                .find(|(_, _, _, bp)| *bp)
                .map(|(c, ..)| c),
            Reverse::Step | Reverse::Next => {
                self.history_back(now, HistoryStep::Line, |s, stops| {
                    stops
                        .iter()
                        .rev()
                        .filter(|(_, d, _, _)| how == Reverse::Step || *d <= depth)
                        .find(|(_, d, o, _)| line_of(s, *o) != here || *d != depth)
                        .map(|(c, ..)| *c)
                })?
            }
            Reverse::Finish => {
                if depth == 0 {
                    return Err("\"finish\" not meaningful in the outermost frame.".into());
                }
                self.history_back(now + 1, HistoryStep::Entry, |_, entries| {
                    entries
                        .iter()
                        .rev()
                        .find(|(c, d, _, _)| *d == depth && *c <= now)
                        .map(|(c, ..)| c.saturating_sub(1))
                })?
                .filter(|c| *c >= 1)
            }
        };
        match target {
            Some(c) => self.go_to(c).map(Some),
            None => {
                self.go_to(1)?;
                Ok(None)
            }
        }
    }

    /// Runs to the next breakpoint, or the end.
    pub fn resume(&mut self) -> ExecutionState {
        self.execution().resume()
    }

    /// Runs at most `instructions` instructions (a slice of a long run), then pauses;
    /// [`Stepper::paused_by_budget`] tells such a pause from a breakpoint.
    pub fn resume_for(&mut self, instructions: u64) -> ExecutionState {
        self.execution().resume_for(instructions)
    }

    /// Whether the last pause ended a [`Stepper::resume_for`] slice.
    pub fn paused_by_budget(&self) -> bool {
        self.execution
            .as_ref()
            .is_some_and(Execution::paused_by_budget)
    }

    /// One instruction, entering calls.
    pub fn step_into(&mut self) -> ExecutionState {
        self.execution().step(StepMode::Instruction)
    }

    /// One instruction of this function, running calls to their end.
    pub fn step_over(&mut self) -> ExecutionState {
        self.execution().step(StepMode::Over)
    }

    /// To the instruction after the current function returns.
    pub fn step_out(&mut self) -> ExecutionState {
        self.execution().step(StepMode::Out)
    }

    /// To the entry of the next function called (call-level step in).
    pub fn step_to_next_call(&mut self) -> ExecutionState {
        self.run(Op::StepToNextCall, None)
    }

    /// Runs the current function to its end and on to the entry of the next call at its
    /// level (the caller's next call): call-level step over. Ends at a breakpoint, or at
    /// the end when no such call comes.
    pub fn step_over_call(&mut self) -> ExecutionState {
        self.run(Op::StepOverCall, None)
    }

    /// Steps by source line ([`Execution::step_line`]): gdb's `next` (`Over`), `step`
    /// (`Into`) and `finish` (`Out`, then on to the caller's next statement).
    pub fn step_line(&mut self, kind: LineStep) -> ExecutionState {
        self.run(Op::Line(kind), None)
    }

    /// "Just My Code" for a line step into: after one ended here, the next step that goes
    /// on through the toolchain's code ([`is_library_path`]) toward the program's own, or
    /// `None` when the program's code is reached (or a breakpoint stopped the call): out
    /// of a library function the program called, over library code inlined into the
    /// program's, into whatever comes next elsewhere (from the entry through the C
    /// runtime and `lang_start` to `main`); back in the program mid-line after such a
    /// step out (`last`: the step before), into the rest of the line.
    pub fn library_step(&self, last: Option<LineStep>) -> Option<LineStep> {
        // A breakpoint's stop, or a catchpoint's (in the toolchain's code, mostly), is
        // the user's.
        if !self.stopped_by().is_empty()
            || self.host_call().is_some()
            || self.watchpoint_hit().is_some()
        {
            return None;
        }
        let library = |l: &SourceLocation| is_library_path(&l.file);
        let frames = self.frames();
        let top = frames.first()?;
        let mid_line = top
            .code_offset
            .is_some_and(|o| !self.compiled.is_statement(o));
        let program = top.sources.first().is_some_and(|l| !library(l));
        if program && mid_line && last == Some(LineStep::Out) {
            return Some(LineStep::Into);
        }
        match (top.sources.first(), top.sources.last()) {
            (Some(inner), Some(outer)) if library(inner) => Some(if !library(outer) {
                LineStep::Over
            } else if frames
                .get(1)
                .and_then(|f| f.sources.last())
                .is_some_and(|l| !library(l))
            {
                LineStep::Out
            } else {
                LineStep::Into
            }),
            // Code without line information (the runtime's own): into, on.
            (None, _) => Some(LineStep::Into),
            _ => None,
        }
    }

    /// Runs to code offset `offset` (a temporary breakpoint), or the next breakpoint.
    pub fn run_to(&mut self, offset: u64) -> ExecutionState {
        self.run(Op::RunTo(offset), None)
    }

    /// Starts `op` and runs it for at most `instructions` instructions. When the budget
    /// runs out first the call pauses with [`Stepper::pending`] set, and
    /// [`Stepper::go_on`] runs the next slice of the same operation (a step over a long
    /// call still ends back in its function), so that a user interface never blocks on
    /// a guest that runs long or forever. A pending operation is cancelled first.
    pub fn begin(&mut self, op: Op, instructions: u64) -> ExecutionState {
        self.run(op, Some(instructions))
    }

    /// Sets up `op` (a temporary breakpoint for run to cursor) and runs it, within `budget`
    /// instructions if given; what it set up is undone once it ends.
    fn run(&mut self, op: Op, budget: Option<u64>) -> ExecutionState {
        self.cancel();
        let mode = match op {
            Op::StepInto => StepMode::Instruction,
            Op::StepOver => StepMode::Over,
            Op::StepOut => StepMode::Out,
            Op::Continue => StepMode::Run,
            Op::StepToNextCall => StepMode::Entry,
            Op::StepOverCall => StepMode::SiblingEntry,
            Op::RunTo(offset) => {
                // (At the present in a replay: the live call's module.)
                let _ = self.execution();
                let module = self.module.clone().expect("Stepper::start was called");
                self.execution().add_breakpoint(&module, offset);
                self.book.lock().run_to = Some(offset);
                StepMode::Run
            }
            Op::Line(kind) => {
                self.pending = Some(op);
                let state = match budget {
                    Some(n) => self.execution().step_line_for(kind, n),
                    None => self.execution().step_line(kind),
                };
                return self.settle(state);
            }
        };
        self.pending = Some(op);
        let state = match budget {
            Some(n) => self.execution().step_for(mode, n),
            None => self.execution().step(mode),
        };
        self.settle(state)
    }

    /// Runs the next slice of the operation a budget pause interrupted; without one,
    /// this is [`Stepper::resume_for`].
    pub fn go_on(&mut self, instructions: u64) -> ExecutionState {
        let state = self.execution().continue_for(instructions);
        self.settle(state)
    }

    /// The operation that a budget pause interrupted, if any.
    pub fn pending(&self) -> Option<Op> {
        self.pending
    }

    /// Forgets the interrupted operation (the user pressed Pause): the call stays paused
    /// where the last slice ended, and the next resume or step starts afresh.
    pub fn cancel(&mut self) {
        let Some(op) = self.pending.take() else {
            return;
        };
        if let Op::RunTo(offset) = op {
            self.book.lock().run_to = None;
            if !self.offsets.contains(&offset) {
                if let (Some(e), Some(m)) = (&mut self.execution, &self.module) {
                    e.remove_breakpoint(m, offset);
                }
            }
        }
    }

    /// Keeps the operation pending after a budget pause, and ends it otherwise.
    fn settle(&mut self, state: ExecutionState) -> ExecutionState {
        if !(matches!(state, ExecutionState::Paused) && self.paused_by_budget()) {
            self.cancel();
        }
        state
    }

    /// Where the paused call is.
    pub fn position(&self) -> Option<Position> {
        self.execution.as_ref()?.position()
    }

    /// The source locations of the current position (innermost inlined frame first).
    pub fn source(&self) -> Vec<SourceLocation> {
        self.position()
            .and_then(|p| p.code_offset)
            .map(|o| self.compiled.source_locations(o))
            .unwrap_or_default()
    }

    /// The frames of the paused call, innermost first, with their code offsets and
    /// source locations. After a trap, the trapping call's frames as they were (the
    /// innermost at the trapping instruction, see [`Execution::with_stack`]) until the
    /// next [`Stepper::start`]; empty otherwise when not paused.
    pub fn frames(&self) -> Vec<Frame> {
        let mut frames: Vec<Frame> = self
            .execution
            .as_ref()
            .and_then(|e| {
                e.with_stack(|s| {
                    s.frames()
                        .map(|f| Frame {
                            definition: f.definition().clone(),
                            code_offset: f.source_offset(),
                            sources: Vec::new(),
                            locals: f.locals(),
                            operands: f.operands(),
                        })
                        .collect()
                })
            })
            .unwrap_or_default();
        // DWARF lookups after the stack walk, which holds the runtime's store.
        for f in &mut frames {
            if let Some(o) = f.code_offset {
                f.sources = self.compiled.source_locations(o);
            }
        }
        frames
    }

    /// The source variables of `frame` (one of [`Stepper::frames`]) at its offset, from
    /// DWARF, with their values (globals and memory 0 read from the session's instance);
    /// empty without DWARF. A variable that cannot be read says why in its value.
    pub fn variables(&self, frame: &Frame) -> Vec<Variable> {
        self.in_scope(frame, |s| s.variables()).unwrap_or_default()
    }

    /// The value of `expression` in `frame`'s scope (see [`wasmscope::variables`]); an
    /// error (no such variable, no DWARF, a frame without a code offset) is the value's
    /// `Err`.
    pub fn evaluate(&self, frame: &Frame, expression: &str) -> Evaluated {
        match self.in_scope(frame, |s| s.evaluate(expression)) {
            Ok(e) => e,
            Err(error) => Evaluated::error(expression, error),
        }
    }

    /// Whether `condition` holds (is non-zero) in `frame`'s scope, as a breakpoint's
    /// condition is tested ([`Scope::test`]).
    ///
    /// # Errors
    /// The expression has no value, or it is not a number.
    pub fn test(&self, frame: &Frame, condition: &str) -> Result<bool, String> {
        self.in_scope(frame, |s| s.test(condition))?
    }

    /// The children of `expression`'s value in `frame`'s scope (one level of a tree; see
    /// [`Scope::children`]).
    ///
    /// # Errors
    /// The expression has no value.
    pub fn children(&self, frame: &Frame, expression: &str) -> Result<Vec<Evaluated>, String> {
        self.in_scope(frame, |s| s.children(expression))?
    }

    fn in_scope<R>(&self, frame: &Frame, f: impl FnOnce(&Scope<'_>) -> R) -> Result<R, String> {
        let offset = frame
            .code_offset
            .ok_or("the frame has no code offset (a host function)")?;
        with_scope(
            &self.compiled,
            self.module.as_ref(),
            offset,
            &frame.locals,
            &frame.operands,
            f,
        )
    }

    /// The call stack while paused: `(debug name, locals, operands)` per frame, innermost
    /// first.
    pub fn stack(&self) -> Vec<(String, Vec<Value>, Vec<Value>)> {
        self.execution
            .as_ref()
            .and_then(|e| {
                e.with_stack(|s| {
                    s.frames()
                        .map(|f| (f.definition().debug_name(), f.locals(), f.operands()))
                        .collect()
                })
            })
            .unwrap_or_default()
    }

    /// Ends the paused call with `exit_code` (the module closes, its notifier fires).
    pub fn close(&mut self, exit_code: u32) -> Error {
        self.execution().close_with_exit_code(exit_code)
    }

    /// The instantiated module, once started.
    pub fn module(&self) -> Option<&Module> {
        self.module.as_ref()
    }
}
