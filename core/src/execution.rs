//! Resumable calls: [`crate::Function::start_call`] gives an [`Execution`] that runs
//! until it finishes, traps, exits, or a function listener asks to pause
//! ([`crate::listener::ListenerAction::Pause`]); [`Execution::resume`] goes on from
//! there. The whole state of the call lives on the heap, so pausing needs no thread
//! (the workbench runs in the browser).

use std::sync::Arc;

use crate::error::{Error, ErrorKind};
use crate::handles::Module;
pub use crate::interp::exec::StepMode;
use crate::interp::exec::{Executor, RunEnd, Started};
use crate::listener::StackIterator;
use crate::rt::RuntimeInner;
use crate::store::FuncInst;
use crate::types::{FunctionDefinition, ValueType};
use crate::values::Value;

/// Where a resumable call stands after [`Execution::resume`].
#[derive(Debug)]
#[non_exhaustive]
pub enum ExecutionState {
    /// The function returned these results.
    Finished(Vec<u64>),
    /// A listener paused the call; `resume` continues it.
    Paused,
    /// The call trapped or failed (the error, with its trace).
    Trapped(Error),
    /// The guest exited, or the call was closed, with this exit code.
    Exited(u32),
}

enum State {
    NotStarted,
    Running(Box<Executor>),
    /// Ended in a trap; the executor is kept so that its frames can still be read
    /// ([`Execution::with_stack`]).
    Trapped(Box<Executor>),
    Done,
}

/// A call that can pause and resume.
pub struct Execution {
    rt: Arc<RuntimeInner>,
    addr: u32,
    params: Vec<u64>,
    instance: u32,
    state: State,
    /// Breakpoints set before the call started: `(instance, code offset)`.
    breakpoints: std::collections::BTreeSet<(u32, u32)>,
    /// Pause at every throw (see [`Execution::set_pause_on_exceptions`]).
    pause_on_exceptions: bool,
    /// Decides whether a breakpoint pauses (see [`Execution::set_breakpoint_filter`]).
    filter: Option<BreakpointFilter>,
    /// Decides whether a watchpoint's hit pauses ([`Execution::set_watchpoint_filter`]).
    watch_filter: Option<WatchpointFilter>,
    /// The line step in progress, while a budget pause interrupts it.
    line: Option<LineState>,
    /// Whether the last pause was a breakpoint's (the filter, if any, said stop).
    at_breakpoint: bool,
    /// Time travel: record the run's host calls (and count its instructions).
    recording: bool,
    /// Host calls to replay instead of calling (and count the instructions).
    replaying: Option<Recording>,
    /// Pause when the instruction count reaches this ([`Execution::run_to_instruction`]).
    stop_at: Option<u64>,
    /// The same for every run ([`Execution::set_instruction_limit`]).
    limit: Option<u64>,
    /// Watchpoints, with the id the next one gets.
    watches: Vec<crate::interp::exec::Watch>,
    next_watch: u32,
    /// The recording and the instruction count of a run that has ended.
    finished_recording: Option<Recording>,
    final_steps: u64,
    /// Decides which host functions' calls pause (see [`Execution::set_host_call_catch`]).
    host_filter: Option<HostCallFilter>,
    /// The host functions caught, as of a registry with this many functions.
    host_caught: Option<(usize, std::collections::HashSet<u32>)>,
    /// A replay's checkpoint interval (`None`: no checkpoints), and why it takes none
    /// once it found out.
    checkpoint_interval: Option<u64>,
    checkpoints_refused: Option<&'static str>,
}

/// Instructions between two checkpoints of a replay, at first
/// ([`Execution::set_checkpoint_interval`]).
pub const DEFAULT_CHECKPOINT_INTERVAL: u64 = 1 << 23;

/// What a replay's checkpoints take ([`Execution::checkpoints`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CheckpointStats {
    /// How many there are.
    pub count: usize,
    /// The bytes they hold: memory chunks, stacks and tables.
    pub bytes: usize,
    /// Instructions between two of them now (it doubles when they would hold more than
    /// [`CheckpointStats::budget`]).
    pub interval: u64,
    /// The most bytes the instance's memories have had.
    pub memory_peak: usize,
    /// The most bytes they may hold: `memory_peak` plus a quarter.
    pub budget: usize,
}

/// The host calls of a recorded run ([`Execution::set_recording`]), to replay it
/// ([`Execution::replay`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Recording {
    events: Arc<Vec<crate::interp::exec::HostEvent>>,
    /// Where the run began its calls.
    calls: Arc<Vec<(u64, u64)>>,
}

impl Recording {
    /// How many host calls it holds.
    pub fn host_calls(&self) -> usize {
        self.events.len()
    }

    /// The instruction count at each host call, in order.
    pub fn host_call_steps(&self) -> Vec<u64> {
        self.events.iter().map(|e| e.step).collect()
    }

    /// Where the run began its calls of Wasm functions, for a timeline: `(instruction
    /// count, calls)`, in order, each the calls begun from that count until the next
    /// entry's. The counts are those of the calling instructions, grouped in buckets of
    /// a power of two instructions, at most 2048 of them (so a run of any length takes a
    /// few kB): the total is exact, the positions are to a bucket's size.
    pub fn call_marks(&self) -> Vec<(u64, u64)> {
        self.calls.to_vec()
    }
}

/// What a watchpoint stops at ([`Execution::add_watchpoint`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WatchKind {
    /// A change of the bytes (gdb's `watch`).
    Write,
    /// A load that reads them (gdb's `rwatch`).
    Read,
    /// Either (gdb's `awatch`).
    Access,
}

/// Why a call paused at a watchpoint ([`Execution::watchpoint_hit`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct WatchpointHit {
    /// The watchpoint's id.
    pub id: u32,
    /// A read stopped it (else a change).
    pub read: bool,
    /// The watched bytes before (a global: its value's 16 bytes, little endian).
    pub old: Vec<u8>,
    /// The watched bytes after (the same as `old` for a read).
    pub new: Vec<u8>,
    /// The code offset of the instruction that wrote or read them (the last one run).
    pub code_offset: Option<u64>,
}

/// Decides which host functions' calls an execution catches (see
/// [`Execution::set_host_call_catch`]): given each host function's definition (its module
/// name, export name, parameter names), `true` catches its calls.
pub type HostCallFilter = Box<dyn FnMut(&FunctionDefinition) -> bool + Send>;

/// Where a catchpoint paused: before the host call runs, or after it returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostCallPhase {
    /// The call has not run: its arguments can be changed, or its results given
    /// instead of running it.
    Before,
    /// The call returned: its results can be changed before the caller gets them.
    After,
}

/// A host call an execution is paused at (a catchpoint, see
/// [`Execution::set_host_call_catch`]).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct HostCall {
    /// The host function (`module_name()` is e.g. `wasi_snapshot_preview1`, `name()`
    /// e.g. `fd_write`).
    pub definition: FunctionDefinition,
    /// Before or after the call.
    pub phase: HostCallPhase,
    /// Its arguments (after the call: as it got them).
    pub params: Vec<Value>,
    /// After the call: its results, as the caller will get them; before it: the results
    /// given to skip it ([`Execution::set_host_call_results`]), if any.
    pub results: Option<Vec<Value>>,
}

/// `values` in the slot encoding of `types`, if each value is of its type (numbers and
/// vectors: references cannot be made up).
fn encode_values(types: &[ValueType], values: &[Value], what: &str) -> crate::Result<Vec<u64>> {
    if types.len() != values.len() {
        return Err(Error::usage(format!(
            "the call has {} {what}, {} given",
            types.len(),
            values.len()
        )));
    }
    let mut out = Vec::new();
    for (ty, v) in types.iter().zip(values) {
        if v.ty() != *ty {
            return Err(Error::usage(format!(
                "a {what} of type {ty:?} cannot be given a {:?} value",
                v.ty()
            )));
        }
        match *v {
            Value::I32(x) => out.push(x as u32 as u64),
            Value::I64(x) => out.push(x as u64),
            Value::F32(x) => out.push(x.to_bits() as u64),
            Value::F64(x) => out.push(x.to_bits()),
            Value::V128(x) => out.extend([x as u64, (x >> 64) as u64]),
            _ => {
                return Err(Error::usage(format!(
                    "a {what} of reference type {ty:?} cannot be changed"
                )))
            }
        }
    }
    Ok(out)
}

/// A line step in progress ([`Execution::step_line_for`]).
#[derive(Clone, Debug)]
struct LineState {
    kind: LineStep,
    /// The mode of its sub-steps.
    mode: StepMode,
    /// Where it started: the line, the inline depth, the call depth.
    start_line: (String, u32),
    start_inline: usize,
    start_depth: usize,
}

/// Decides, when an execution reaches a breakpoint, whether it pauses there (`true`) or
/// goes on (see [`Execution::set_breakpoint_filter`]); it can read the paused state
/// ([`Execution::position`], [`Execution::with_stack`]).
pub type BreakpointFilter = Box<dyn FnMut(&Execution) -> bool + Send>;

/// Decides, when an execution pauses at a watchpoint's hit, whether it stays paused
/// (`true`) or goes on (see [`Execution::set_watchpoint_filter`]); it can read the
/// paused state and [`Execution::watchpoint_hit`].
pub type WatchpointFilter = Box<dyn FnMut(&Execution) -> bool + Send>;

/// How many breakpoints a filter may pass over in one slice of a budgeted run before the
/// slice ends (so that a hot conditional breakpoint keeps a user interface responsive).
const SKIPS_PER_SLICE: u32 = 64;

/// An exception (exception handling) where an execution paused at its throw
/// ([`Execution::set_pause_on_exceptions`]), or that no handler caught
/// ([`Execution::exception`]).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ThrownException {
    /// The name of the module that defines its tag.
    pub module: String,
    /// The tag's index in that module.
    pub tag_index: u32,
    /// The tag's export names (if it is exported), sorted.
    pub tag_exports: Vec<String>,
    /// The payload: the values of the tag's parameters.
    pub payload: Vec<crate::values::Value>,
    /// All of it in words: `tag 1 ("bad_digit") of module "m" with payload (i32 42)`.
    pub description: String,
}

/// A step by source line ([`Execution::step_line`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineStep {
    /// To the next line of this function (gdb's `next`).
    Over,
    /// To the next line, entering calls (gdb's `step`).
    Into,
    /// To the caller's next line after this function returns (gdb's `finish`, then to a
    /// statement).
    Out,
}

/// Where a paused execution stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Position {
    /// The name of the module of the current function.
    pub module: String,
    /// The current function's index in its module.
    pub function_index: u32,
    /// The code-section offset of the next instruction to run.
    pub code_offset: Option<u64>,
    /// How many calls are below the current one (0 in the function the call started).
    pub depth: usize,
}

impl std::fmt::Debug for Execution {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = match self.state {
            State::NotStarted => "not started",
            State::Running(_) => "paused",
            State::Trapped(_) => "trapped",
            State::Done => "done",
        };
        write!(f, "Execution({state})")
    }
}

fn outcome(result: crate::Result<RunEnd>) -> (ExecutionState, bool) {
    match result {
        Ok(RunEnd::Finished(results)) => (ExecutionState::Finished(results), true),
        Ok(RunEnd::Paused) => (ExecutionState::Paused, false),
        Err(e) => match e.exit_code() {
            Some(code) => (ExecutionState::Exited(code), true),
            None => (ExecutionState::Trapped(e), true),
        },
    }
}

impl Execution {
    pub(crate) fn new(rt: Arc<RuntimeInner>, addr: u32, instance: u32, params: Vec<u64>) -> Self {
        Execution {
            rt,
            addr,
            params,
            instance,
            state: State::NotStarted,
            breakpoints: Default::default(),
            pause_on_exceptions: false,
            filter: None,
            watch_filter: None,
            line: None,
            at_breakpoint: false,
            host_filter: None,
            host_caught: None,
            watches: Vec::new(),
            next_watch: 1,
            recording: false,
            replaying: None,
            stop_at: None,
            limit: None,
            finished_recording: None,
            final_steps: 0,
            checkpoint_interval: Some(DEFAULT_CHECKPOINT_INTERVAL),
            checkpoints_refused: None,
        }
    }

    /// Records the run for time travel (set before it starts): every instruction is
    /// counted ([`Execution::instructions`]; plain code counts per straight-line
    /// segment, at about its own speed), and
    /// each host call's results and what it wrote to memory 0 are kept
    /// ([`Execution::recording`]), so that a fresh instance can replay the run exactly
    /// ([`Execution::replay`]) to any instruction count ([`Execution::run_to_instruction`]):
    /// stepping backwards is replaying to an earlier count.
    ///
    /// ```
    /// # use wasmscope::{ExecutionState, Runtime, RuntimeConfig};
    /// let rt = Runtime::with_config(RuntimeConfig::interpreter().with_debug_stepping(true));
    /// let wasm = wat::parse_str("(module (func (export \"f\") (result i32)
    ///     (i32.add (i32.const 1) (i32.const 2))))").unwrap();
    /// let m = rt.instantiate(&wasm).unwrap();
    /// let mut exec = m.exported_function("f").unwrap().start_call(&[]).unwrap();
    /// exec.set_recording(true);
    /// assert!(matches!(exec.resume(), ExecutionState::Finished(_)));
    /// // Three instructions (const, const, add) and the function's end.
    /// assert_eq!(exec.instructions(), 4);
    /// // Replayed in another instance, paused before the add (the third).
    /// let again = rt.instantiate_module(&rt.compile_module(&wasm).unwrap(),
    ///     wasmscope::ModuleConfig::new().with_name("again")).unwrap();
    /// let mut replay = again.exported_function("f").unwrap().start_call(&[]).unwrap();
    /// replay.replay(exec.recording().unwrap());
    /// assert!(matches!(replay.run_to_instruction(3), ExecutionState::Paused));
    /// assert_eq!(replay.instructions(), 3);
    /// ```
    pub fn set_recording(&mut self, on: bool) {
        self.recording = on;
    }

    /// The host calls recorded so far ([`Execution::set_recording`]); `None` when not
    /// recording.
    pub fn recording(&self) -> Option<Recording> {
        let (State::Running(ex) | State::Trapped(ex)) = &self.state else {
            return self
                .recording
                .then(|| self.finished_recording.clone())
                .flatten();
        };
        let t = ex.travel_state();
        let events = t.record.clone()?;
        Some(Recording {
            events: Arc::new(events),
            calls: Arc::new(
                t.call_marks
                    .as_ref()
                    .map(|m| m.borrow().marks())
                    .unwrap_or_default(),
            ),
        })
    }

    /// The instruction counts of the host calls recorded so far
    /// ([`Recording::host_call_steps`] without copying the log: a timeline reads it at
    /// every frame); empty when not recording.
    pub fn recorded_host_call_steps(&self) -> Vec<u64> {
        match &self.state {
            State::Running(ex) | State::Trapped(ex) => ex
                .travel_state()
                .record
                .as_ref()
                .map(|r| r.iter().map(|e| e.step).collect())
                .unwrap_or_default(),
            _ => self
                .finished_recording
                .as_ref()
                .map(Recording::host_call_steps)
                .unwrap_or_default(),
        }
    }

    /// Where the recorded run began its calls so far ([`Recording::call_marks`] without
    /// copying the log); empty when not recording.
    pub fn recorded_call_marks(&self) -> Vec<(u64, u64)> {
        match &self.state {
            State::Running(ex) | State::Trapped(ex) => ex
                .travel_state()
                .call_marks
                .as_ref()
                .map(|m| m.borrow().marks())
                .unwrap_or_default(),
            _ => self
                .finished_recording
                .as_ref()
                .map(Recording::call_marks)
                .unwrap_or_default(),
        }
    }

    /// Replays `recording` (set before the call starts): host calls are not made, the
    /// recorded results and memory writes are given instead, so the run goes exactly as
    /// the recorded one did (a call that goes another way, as after a change of its
    /// memory, ends with an error that says so). Instructions are counted as in a
    /// recording.
    ///
    /// A replay takes checkpoints as it goes, so that it can go back: a
    /// [`Execution::run_to_instruction`] to an earlier count restores the latest
    /// checkpoint before it and replays on from there (see
    /// [`Execution::set_checkpoint_interval`]).
    pub fn replay(&mut self, recording: Recording) {
        self.replaying = Some(recording);
    }

    /// Sets how many instructions a replay runs between two checkpoints at first (set
    /// before the call starts; [`DEFAULT_CHECKPOINT_INTERVAL`] unless set), or turns
    /// them off (`None`). A checkpoint keeps the executor's stacks, the instance's
    /// globals and tables, and the 4 KiB chunks of memory that changed since the one
    /// before; when they would hold more than the guest's memory plus a quarter, the
    /// interval doubles and every other one goes.
    ///
    /// Checkpoints are taken only where restoring one is exact: not in modules that
    /// import a memory, a table or a mutable global, or use GC objects or exceptions
    /// ([`Execution::checkpoints_refused`] says why), nor while the call is in another
    /// module's code. Without them a replay goes back by running from the start again
    /// (in a fresh instance).
    pub fn set_checkpoint_interval(&mut self, interval: Option<u64>) {
        self.checkpoint_interval = interval;
    }

    /// A replay's checkpoints so far: how many, the bytes they hold and the interval
    /// between them; `None` when it takes none.
    pub fn checkpoints(&self) -> Option<CheckpointStats> {
        let (State::Running(ex) | State::Trapped(ex)) = &self.state else {
            return None;
        };
        let c = ex.checkpoints()?;
        let s = c.stats();
        Some(CheckpointStats {
            count: s.count,
            bytes: s.bytes,
            interval: s.interval,
            memory_peak: s.memory_peak,
            budget: c.budget(),
        })
    }

    /// Why a replay takes no checkpoints, once it has started.
    pub fn checkpoints_refused(&self) -> Option<&'static str> {
        self.checkpoints_refused
    }

    /// How many instructions the run has begun (recorded or replayed runs; 0 otherwise):
    /// paused, the count of the instruction it is paused before.
    pub fn instructions(&self) -> u64 {
        match &self.state {
            State::Running(ex) | State::Trapped(ex) => ex.travel_state().steps,
            _ => self.final_steps,
        }
    }

    /// Runs (a recorded or replayed run) until the instruction count reaches `count`,
    /// pausing before that instruction ([`Execution::paused_at_instruction`]), or until a
    /// breakpoint, watchpoint, catchpoint or the end stops it first.
    ///
    /// A replay goes back too: to a count it has passed (or is paused at), it restores
    /// its latest checkpoint before `count` and replays from there; and forward, from a
    /// checkpoint past where it is, when there is one before `count` (after an earlier
    /// trip back). A replay that trapped can go back that way too. Without a checkpoint
    /// before `count` (or outside a replay) the call only runs forward.
    pub fn run_to_instruction(&mut self, count: u64) -> ExecutionState {
        self.go_back_for(count);
        self.stop_at = Some(count);
        let state = self.resume();
        self.stop_at = None;
        state
    }

    /// A replay bound for instruction `count`: restores its latest checkpoint before
    /// `count` when that is ahead of where it is, or the run has passed `count`.
    fn go_back_for(&mut self, count: u64) {
        if self.replaying.is_none() || RuntimeInner::check_not_in_call("").is_err() {
            return;
        }
        let (State::Running(ex) | State::Trapped(ex)) = &mut self.state else {
            return;
        };
        let steps = ex.travel_state().steps;
        let Some(at) = ex.checkpoints().and_then(|c| c.before(count)) else {
            return;
        };
        let trapped = matches!(self.state, State::Trapped(_));
        if (count <= steps || at > steps || trapped) && at < count {
            let (State::Running(mut ex) | State::Trapped(mut ex)) =
                std::mem::replace(&mut self.state, State::Done)
            else {
                return;
            };
            let restored = ex.restore_checkpoint(&self.rt.store, count);
            self.state = if restored || !trapped {
                State::Running(ex)
            } else {
                State::Trapped(ex)
            };
        }
    }

    /// Pauses every run or step of a recorded or replayed run that reaches instruction
    /// count `limit` there, as [`Execution::run_to_instruction`] does (the end of a
    /// replay's history); `None` removes it.
    pub fn set_instruction_limit(&mut self, limit: Option<u64>) {
        self.limit = limit;
    }

    /// Whether the last pause was [`Execution::run_to_instruction`]'s (or the
    /// [`Execution::set_instruction_limit`]'s).
    pub fn paused_at_instruction(&self) -> bool {
        matches!(&self.state, State::Running(ex) if ex.travel_state().at_stop)
    }

    /// Stops the call when bytes `address .. address + len` of `module`'s memory
    /// `memory` change (`WatchKind::Write`), are read by a load (`Read`), or either
    /// (`Access`): gdb's `watch -l`, `rwatch -l`, `awatch -l`. The execution pauses at
    /// the instruction after the one that wrote or read (a store, a bulk operation, a
    /// host function the call made: anything that changed the bytes), and
    /// [`Execution::watchpoint_hit`] says which watchpoint, the bytes before and after,
    /// and the instruction. Returns the watchpoint's id. Needs code compiled with
    /// [`crate::RuntimeConfig::with_debug_stepping`]; while any watchpoint is set every
    /// function runs its debug code (slower: each instruction is a stop point).
    ///
    /// # Notes
    /// A change is what stops a write watchpoint (a store of the value already there
    /// does not, as gdb's `watch`). Reads are seen for the loads of memory 0
    /// (`i32.load`..., `v128.load`), the source of `memory.copy` (any memory), and what
    /// a WASI call reads ([`crate::wasi::input_ranges`]: paths, iovecs, the bytes a
    /// write sends); not the loads of other memories, nor other host functions' reads.
    /// The bytes
    /// are compared while the call runs in `module`'s code (a write through another
    /// module that imports the memory is seen when the call is back).
    ///
    /// ```
    /// # use wasmscope::{ExecutionState, Runtime, RuntimeConfig, WatchKind};
    /// let rt = Runtime::with_config(RuntimeConfig::interpreter().with_debug_stepping(true));
    /// let wasm = wat::parse_str(
    ///     "(module (memory 1) (func (export \"f\") (local i32)
    ///        (loop (i32.store8 (local.get 0) (i32.const 1))
    ///              (local.set 0 (i32.add (local.get 0) (i32.const 1)))
    ///              (br_if 0 (i32.lt_u (local.get 0) (i32.const 100))))))",
    /// ).unwrap();
    /// let m = rt.instantiate(&wasm).unwrap();
    /// let mut exec = m.exported_function("f").unwrap().start_call(&[]).unwrap();
    /// let id = exec.add_watchpoint(&m, 0, 42, 1, WatchKind::Write);
    /// assert!(matches!(exec.resume(), ExecutionState::Paused));
    /// let hit = exec.watchpoint_hit().unwrap();
    /// assert_eq!((hit.id, hit.old.clone(), hit.new.clone()), (id, vec![0], vec![1]));
    /// assert!(matches!(exec.resume(), ExecutionState::Finished(_)));
    /// ```
    pub fn add_watchpoint(
        &mut self,
        module: &Module,
        memory: u32,
        address: u64,
        len: u64,
        kind: WatchKind,
    ) -> u32 {
        let (write, read) = match kind {
            WatchKind::Write => (true, false),
            WatchKind::Read => (false, true),
            WatchKind::Access => (true, true),
        };
        self.add_watch(
            module,
            crate::interp::exec::WatchTarget::Memory {
                memory,
                address,
                len,
                write,
                read,
            },
        )
    }

    /// Stops the call when `module`'s global `global` changes (see
    /// [`Execution::add_watchpoint`]); returns the watchpoint's id.
    pub fn add_global_watchpoint(&mut self, module: &Module, global: u32) -> u32 {
        self.add_watch(
            module,
            crate::interp::exec::WatchTarget::Global { index: global },
        )
    }

    fn add_watch(&mut self, module: &Module, target: crate::interp::exec::WatchTarget) -> u32 {
        let id = self.next_watch;
        self.next_watch += 1;
        self.watches.push(crate::interp::exec::Watch {
            id,
            inst: module.inst,
            target,
            last: None,
        });
        id
    }

    /// Removes watchpoint `id`; whether there was one.
    pub fn remove_watchpoint(&mut self, id: u32) -> bool {
        let before = self.watches.len();
        self.watches.retain(|w| w.id != id);
        before != self.watches.len()
    }

    /// Sets the filter that decides whether a watchpoint's hit pauses (its condition,
    /// say); without one, every hit pauses. When it says no, the run or step in progress
    /// goes on as if the hit had not been.
    pub fn set_watchpoint_filter(&mut self, filter: Option<WatchpointFilter>) {
        self.watch_filter = filter;
    }

    /// The watchpoint the call paused at (see [`Execution::add_watchpoint`]); `None` at
    /// any other pause.
    pub fn watchpoint_hit(&self) -> Option<WatchpointHit> {
        let State::Running(ex) = &self.state else {
            return None;
        };
        let hit = ex.watch_hit()?;
        Some(WatchpointHit {
            id: hit.id,
            read: hit.read,
            old: hit.old.clone(),
            new: hit.new.clone(),
            code_offset: hit.by.map(|(_, o)| u64::from(o)),
        })
    }

    /// Catch host calls (a debugger's catchpoints, gdb's `catch syscall`): the calls of
    /// every host function `filter` accepts pause the execution before the function
    /// runs ([`ExecutionState::Paused`], [`Execution::host_call`] says which, the
    /// position is the calling instruction) and again after it returned (the position
    /// is the next instruction). Before, [`Execution::set_host_call_params`] changes its
    /// arguments and [`Execution::set_host_call_results`] skips it with the results
    /// given (no pause after a skipped call); after, `set_host_call_results` changes what the caller gets. A step or a
    /// line step that reaches a caught call ends there. `None` catches nothing (the
    /// default).
    ///
    /// Calls the interpreter makes from Wasm code are caught (not a host function the
    /// execution started with, nor a call from another engine's code).
    ///
    /// ```
    /// # use wasmscope::{ExecutionState, HostCallPhase, Runtime, RuntimeConfig, Value};
    /// let rt = Runtime::with_config(RuntimeConfig::interpreter().with_debug_stepping(true));
    /// rt.new_host_module_builder("env")
    ///     .new_function_builder()
    ///     .with_func(|x: i32| x * 2)
    ///     .export("double")
    ///     .instantiate()
    ///     .unwrap();
    /// let wasm = wat::parse_str(
    ///     r#"(module (import "env" "double" (func $d (param i32) (result i32)))
    ///          (func (export "f") (result i32) (call $d (i32.const 20))))"#,
    /// )
    /// .unwrap();
    /// let m = rt.instantiate(&wasm).unwrap();
    /// let mut exec = m.exported_function("f").unwrap().start_call(&[]).unwrap();
    /// exec.set_host_call_catch(Some(Box::new(|def| def.name() == Some("double"))));
    /// assert!(matches!(exec.resume(), ExecutionState::Paused));
    /// let call = exec.host_call().unwrap();
    /// assert_eq!((call.phase, call.params.clone()), (HostCallPhase::Before, vec![Value::I32(20)]));
    /// exec.set_host_call_params(&[Value::I32(21)]).unwrap();
    /// assert!(matches!(exec.resume(), ExecutionState::Paused));
    /// assert_eq!(exec.host_call().unwrap().results, Some(vec![Value::I32(42)]));
    /// exec.set_host_call_results(&[Value::I32(-1)]).unwrap();
    /// assert!(matches!(exec.resume(), ExecutionState::Finished(r) if r == [(-1i32) as u32 as u64]));
    /// ```
    pub fn set_host_call_catch(&mut self, filter: Option<HostCallFilter>) {
        self.host_filter = filter;
        self.host_caught = None;
    }

    /// The host functions the filter catches (store addresses), computed again when
    /// functions have been added since.
    fn caught_host_functions(&mut self) -> std::collections::HashSet<u32> {
        let Some(filter) = self.host_filter.as_mut() else {
            return Default::default();
        };
        let reg = self.rt.store.snapshot();
        if let Some((n, set)) = &self.host_caught {
            if *n == reg.funcs.len() {
                return set.clone();
            }
        }
        let mut set = std::collections::HashSet::new();
        for (addr, f) in reg.funcs.iter().enumerate() {
            if let FuncInst::Host { instance, .. } = f {
                let def = crate::interp::exec::host_definition_of(&reg, *instance, addr as u32);
                if filter(&def) {
                    set.insert(addr as u32);
                }
            }
        }
        self.host_caught = Some((reg.funcs.len(), set.clone()));
        set
    }

    /// The host call the execution is paused at (a catchpoint, see
    /// [`Execution::set_host_call_catch`]); `None` at any other pause.
    pub fn host_call(&self) -> Option<HostCall> {
        let State::Running(ex) = &self.state else {
            return None;
        };
        let (pause, stack) = ex.host_pause()?;
        let reg = self.rt.store.snapshot();
        let f = reg.funcs.get(pause.addr as usize)?;
        let FuncInst::Host { instance, .. } = f else {
            return None;
        };
        let definition = crate::interp::exec::host_definition_of(&reg, *instance, pause.addr);
        let ty = reg.types.get(f.ty());
        let slots = |n: usize| stack.get(pause.slot..pause.slot + n).unwrap_or(&[]);
        let (phase, params, results) = if pause.after {
            (
                HostCallPhase::After,
                Value::decode(ty.params(), &pause.args),
                Some(Value::decode(ty.results(), slots(pause.results))),
            )
        } else {
            (
                HostCallPhase::Before,
                Value::decode(ty.params(), slots(pause.params)),
                pause.skip.as_ref().map(|s| Value::decode(ty.results(), s)),
            )
        };
        Some(HostCall {
            definition,
            phase,
            params,
            results,
        })
    }

    /// The types of the parameters and results of the host function paused at.
    fn host_call_types(&self) -> crate::Result<(Vec<ValueType>, Vec<ValueType>)> {
        let State::Running(ex) = &self.state else {
            return Err(Error::usage("the execution is not paused at a host call"));
        };
        let (pause, _) = ex
            .host_pause()
            .ok_or_else(|| Error::usage("the execution is not paused at a host call"))?;
        let reg = self.rt.store.snapshot();
        let f = reg
            .funcs
            .get(pause.addr as usize)
            .ok_or_else(|| Error::new("internal error: the host call's function is gone"))?;
        let ty = reg.types.get(f.ty());
        Ok((ty.params().to_vec(), ty.results().to_vec()))
    }

    /// Changes the arguments of the host call the execution is paused before (a
    /// catchpoint): the function gets `params` when the execution resumes.
    ///
    /// # Errors
    /// Not paused before a host call, or `params` not of its parameter types (numbers
    /// and vectors only).
    pub fn set_host_call_params(&mut self, params: &[Value]) -> crate::Result<()> {
        let (types, _) = self.host_call_types()?;
        let slots = encode_values(&types, params, "parameters")?;
        let State::Running(ex) = &mut self.state else {
            return Err(Error::usage("the execution is not paused at a host call"));
        };
        let Some((pause, stack)) = ex.host_pause_mut() else {
            return Err(Error::usage("the execution is not paused at a host call"));
        };
        if pause.after {
            return Err(Error::usage(
                "the host call has returned: its arguments cannot change",
            ));
        }
        let dst = stack
            .get_mut(pause.slot..pause.slot + slots.len())
            .ok_or_else(|| Error::new("internal error: the host call's arguments are gone"))?;
        dst.copy_from_slice(&slots);
        Ok(())
    }

    /// Gives the caller `results` from the host call the execution is paused at (a
    /// catchpoint): after the call, instead of what it returned; before it, without
    /// running it (a debugger's `return`, to see how a program copes with an error a
    /// host function seldom returns). What a function writes to memory (a WASI output
    /// value) is changed through [`crate::Memory`].
    ///
    /// # Errors
    /// Not paused at a host call, or `results` not of its result types (numbers and
    /// vectors only).
    pub fn set_host_call_results(&mut self, results: &[Value]) -> crate::Result<()> {
        let (_, types) = self.host_call_types()?;
        let slots = encode_values(&types, results, "results")?;
        let State::Running(ex) = &mut self.state else {
            return Err(Error::usage("the execution is not paused at a host call"));
        };
        let Some((pause, stack)) = ex.host_pause_mut() else {
            return Err(Error::usage("the execution is not paused at a host call"));
        };
        if !pause.after {
            pause.skip = Some(slots);
            return Ok(());
        }
        let dst = stack
            .get_mut(pause.slot..pause.slot + slots.len())
            .ok_or_else(|| Error::new("internal error: the host call's results are gone"))?;
        dst.copy_from_slice(&slots);
        // A recorded run: its replay gives the caller these results too.
        ex.amend_recorded_results(&slots);
        Ok(())
    }

    /// Lets `filter` decide at every breakpoint whether the execution pauses there: the
    /// way to conditional breakpoints, hit counts and logpoints. When it answers `false`
    /// the run or step that reached the breakpoint goes on as if there were none (a step
    /// over still ends back in its function), whether it was a [`Execution::resume`], a
    /// step, a line step or a budgeted slice. Where a step ends on a breakpoint's
    /// instruction the filter is asked too (its hit counts): `true` makes the pause a
    /// breakpoint's ([`Execution::paused_at_breakpoint`]), `false` leaves it the step's
    /// end. `None` removes the filter (every breakpoint pauses).
    ///
    /// ```
    /// # use wasmscope::{ExecutionState, Runtime, RuntimeConfig};
    /// let rt = Runtime::with_config(RuntimeConfig::interpreter().with_debug_stepping(true));
    /// let wasm = wat::parse_str(
    ///     "(module (func $g (param i32))
    ///        (func (export \"f\") (local i32)
    ///          (loop (call $g (local.get 0))
    ///                (local.set 0 (i32.add (local.get 0) (i32.const 1)))
    ///                (br_if 0 (i32.lt_u (local.get 0) (i32.const 10))))))",
    /// ).unwrap();
    /// let m = rt.instantiate(&wasm).unwrap();
    /// let compiled = rt.compile_module(&wasm).unwrap();
    /// let mut exec = m.exported_function("f").unwrap().start_call(&[]).unwrap();
    /// // A breakpoint at $g's entry, taken when its parameter is 7.
    /// exec.add_breakpoint(&m, compiled.function_entry_offset(0).unwrap());
    /// let param = |e: &wasmscope::Execution| {
    ///     e.with_stack(|s| s.frames().next().unwrap().locals()[0].clone()).unwrap()
    /// };
    /// exec.set_breakpoint_filter(Some(Box::new(move |e: &wasmscope::Execution| {
    ///     param(e) == wasmscope::Value::I32(7)
    /// })));
    /// assert!(matches!(exec.resume(), ExecutionState::Paused));
    /// assert!(exec.paused_at_breakpoint());
    /// assert_eq!(param(&exec), wasmscope::Value::I32(7));
    /// assert!(matches!(exec.resume(), ExecutionState::Finished(_)));
    /// ```
    pub fn set_breakpoint_filter(&mut self, filter: Option<BreakpointFilter>) {
        self.filter = filter;
    }

    /// Whether the last pause was at a breakpoint that stopped the call (the filter, if
    /// any, said so): a run's, or a step's that ended on a breakpoint's instruction; not
    /// a budget's end or a listener's request.
    pub fn paused_at_breakpoint(&self) -> bool {
        self.at_breakpoint && matches!(&self.state, State::Running(_))
    }

    /// Pause at every throw of an exception (a debugger's "pause on exceptions"), caught
    /// or not, before any handler runs: [`Execution::resume`] answers
    /// [`ExecutionState::Paused`], the position is the throwing instruction and
    /// [`Execution::exception`] tells the exception; resuming (or stepping) runs its
    /// handler. Off by default.
    pub fn set_pause_on_exceptions(&mut self, on: bool) {
        self.pause_on_exceptions = on;
    }

    /// The exception thrown where the call is paused (see
    /// [`Execution::set_pause_on_exceptions`]), or, after the call ended with an
    /// uncaught exception, that exception; `None` otherwise.
    pub fn exception(&self) -> Option<ThrownException> {
        let (State::Running(ex) | State::Trapped(ex)) = &self.state else {
            return None;
        };
        let exn = ex.exception_in_flight()?;
        let reg = self.rt.store.snapshot();
        let tag = reg.tags.get(exn.tag as usize)?;
        let data = reg.instances.get(tag.instance as usize)?;
        let tag_exports = crate::store::tag_exports(data, tag.index);
        let ty = reg.types.get(tag.ty);
        Some(ThrownException {
            module: data.name.to_string(),
            tag_index: tag.index,
            tag_exports,
            payload: crate::values::Value::decode(ty.params(), &exn.payload),
            description: crate::store::describe_exception(&reg, exn),
        })
    }

    /// Stops the call before the instruction at `code_offset` of `module`'s code
    /// (a code-section offset, as DWARF and traces use), whenever it gets there. Needs
    /// code compiled with [`crate::RuntimeConfig::with_debug_stepping`].
    pub fn add_breakpoint(&mut self, module: &Module, code_offset: u64) {
        self.breakpoints.insert((module.inst, code_offset as u32));
    }

    /// Removes a breakpoint set with [`Execution::add_breakpoint`].
    pub fn remove_breakpoint(&mut self, module: &Module, code_offset: u64) {
        self.breakpoints.remove(&(module.inst, code_offset as u32));
    }

    /// Runs on like [`Execution::resume`], but pauses again after a step: the next
    /// instruction (`Instruction`), the next one not in a deeper call (`Over`), or the
    /// next one after the current function returns (`Out`). Stepping needs code compiled
    /// with [`crate::RuntimeConfig::with_debug_stepping`]; otherwise it runs to the end
    /// (or the next listener pause).
    pub fn step(&mut self, mode: StepMode) -> ExecutionState {
        self.line = None;
        self.run_with(mode, None)
    }

    /// Steps by source line (DWARF): runs until the next instruction that begins a
    /// statement of another line (or of the same line entered again from elsewhere) in
    /// this function (`Over`: calls run through, and so does code inlined into this
    /// function at a deeper inline level than where the step began), in any function
    /// (`Into`: the first statement of a called function with line information), or in a
    /// caller after this function returns (`Out`). Code without line information is run
    /// through. Without DWARF it is an instruction step of the same kind. Needs code
    /// compiled with [`crate::RuntimeConfig::with_debug_stepping`].
    ///
    /// ```
    /// # use wasmscope::{ExecutionState, LineStep, Runtime, RuntimeConfig};
    /// let rt = Runtime::with_config(RuntimeConfig::interpreter().with_debug_stepping(true));
    /// let m = rt.instantiate(&wat::parse_str("(module (func (export \"f\")))").unwrap()).unwrap();
    /// let mut exec = m.exported_function("f").unwrap().start_call(&[]).unwrap();
    /// // No DWARF: one instruction at a time, to the end.
    /// assert!(matches!(exec.step_line(LineStep::Over), ExecutionState::Paused));
    /// assert!(matches!(exec.step_line(LineStep::Over), ExecutionState::Finished(_)));
    /// ```
    pub fn step_line(&mut self, kind: LineStep) -> ExecutionState {
        self.begin_line(kind, None)
    }

    /// Steps by source line like [`Execution::step_line`], but pauses after about
    /// `instructions` instructions if the line step has not ended by then
    /// ([`Execution::paused_by_budget`]); [`Execution::continue_for`] goes on with the
    /// same line step (a user interface stays responsive over a long call).
    pub fn step_line_for(&mut self, kind: LineStep, instructions: u64) -> ExecutionState {
        self.begin_line(kind, Some(instructions))
    }

    /// The source locations where the call stands, whether a statement begins there, and
    /// the depth.
    fn line_place(&self) -> Option<(Vec<crate::dwarf::SourceLocation>, bool, usize)> {
        let State::Running(ex) = &self.state else {
            return None;
        };
        let (inst, _, _) = ex.position();
        let p = self.position()?;
        let offset = p.code_offset?;
        let module = self.rt.store.instance(inst)?.module.clone()?;
        Some((
            module.source_locations(offset),
            module.is_statement(offset),
            p.depth,
        ))
    }

    fn begin_line(&mut self, kind: LineStep, budget: Option<u64>) -> ExecutionState {
        self.line = None;
        let mode = match kind {
            LineStep::Over => StepMode::Over,
            LineStep::Into => StepMode::Instruction,
            LineStep::Out => StepMode::Out,
        };
        let start = self.line_place();
        let Some((start_locs, _, start_depth)) = start.filter(|(l, _, _)| !l.is_empty()) else {
            return self.run_with(mode, budget);
        };
        self.line = Some(LineState {
            kind,
            mode,
            start_line: (start_locs[0].file.clone(), start_locs[0].line),
            start_inline: start_locs.len(),
            start_depth,
        });
        self.line_loop(None, budget)
    }

    /// The sub-steps of the line step in `self.line`, from `first` (the state a
    /// continued sub-step ended in) or a new sub-step, within `budget` sub-steps.
    fn line_loop(&mut self, first: Option<ExecutionState>, budget: Option<u64>) -> ExecutionState {
        let Some(line) = self.line.clone() else {
            return first.unwrap_or(ExecutionState::Paused);
        };
        let mut first = first;
        let mut left = budget;
        // A bound on the sub-steps one line step may take.
        for _ in 0..10_000_000u32 {
            let state = match first.take() {
                Some(s) => s,
                None => self.run_with(line.mode, left),
            };
            if !matches!(state, ExecutionState::Paused) {
                self.line = None;
                return state;
            }
            if self.paused_by_budget() {
                // Kept for `continue_for`.
                return state;
            }
            if self.paused_at_breakpoint()
                || self.host_call().is_some()
                || self.watchpoint_hit().is_some()
                || self.paused_at_instruction()
            {
                self.line = None;
                return state;
            }
            let Some((locs, statement, depth)) = self.line_place() else {
                continue;
            };
            // Back in a caller (the function returned): stop there, mid-line, as gdb's
            // `next` does at a function's end, wherever it has line information.
            if line.kind != LineStep::Into && depth < line.start_depth && !locs.is_empty() {
                self.line = None;
                return state;
            }
            if locs.is_empty() || !statement {
                // No line information here, or not where a statement begins.
                if line.kind == LineStep::Out {
                    // Out: the step ended in the caller; go on to its next statement.
                    return self.begin_line(LineStep::Over, left);
                }
            } else {
                let here = (locs[0].file.clone(), locs[0].line);
                let stop = match line.kind {
                    LineStep::Out => true,
                    LineStep::Into => depth != line.start_depth || here != line.start_line,
                    LineStep::Over => {
                        depth < line.start_depth
                            || (locs.len() <= line.start_inline && here != line.start_line)
                            || locs.len() < line.start_inline
                    }
                };
                if stop {
                    self.line = None;
                    return state;
                }
            }
            if let Some(n) = left.as_mut() {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    // The slice's work is done: `continue_for` goes on.
                    if let State::Running(ex) = &mut self.state {
                        ex.mark_budget_pause();
                    }
                    return state;
                }
            }
        }
        self.line = None;
        ExecutionState::Paused
    }

    /// Runs like [`Execution::resume`] for at most `instructions` units of work, then
    /// pauses at the next instruction ([`Execution::paused_by_budget`] tells this pause
    /// from a breakpoint), so that a user interface can run a long guest in slices and
    /// stay responsive. Needs code compiled with
    /// [`crate::RuntimeConfig::with_debug_stepping`]; otherwise it runs like `resume`.
    ///
    /// # Notes
    /// Where nothing can stop (no step in progress there, no breakpoint in the function)
    /// such code runs at the plain interpreter's speed, and a unit of work is a function
    /// entry or a loop iteration; where a step or a breakpoint may stop, a unit is one
    /// instruction. Size slices by the time they take, not by this count.
    pub fn resume_for(&mut self, instructions: u64) -> ExecutionState {
        self.line = None;
        self.run_with(StepMode::Run, Some(instructions))
    }

    /// Steps like [`Execution::step`], but pauses after at most `instructions`
    /// instructions if the step has not ended by then ([`Execution::paused_by_budget`]),
    /// so that a step over a long call keeps a user interface responsive;
    /// [`Execution::continue_for`] then goes on with the same step.
    pub fn step_for(&mut self, mode: StepMode, instructions: u64) -> ExecutionState {
        self.line = None;
        self.run_with(mode, Some(instructions))
    }

    /// Goes on, for at most `instructions` more instructions, with the step or run that
    /// the last budget pause interrupted: same mode, same target depth (a step over
    /// still ends back in the function it started in). After any other pause this is
    /// [`Execution::resume_for`].
    pub fn continue_for(&mut self, instructions: u64) -> ExecutionState {
        let interrupted = match &self.state {
            State::Running(ex) => ex.interrupted_step(),
            _ => None,
        };
        let state = match interrupted {
            Some((mode, depth)) => self.run_at_depth(mode, Some(instructions), Some(depth)),
            None => return self.resume_for(instructions),
        };
        if self.line.is_some() {
            // A line step's sub-step: the line step goes on.
            return self.line_loop(Some(state), Some(instructions));
        }
        state
    }

    /// Whether the last pause was the end of a budget: a [`Execution::resume_for`]
    /// slice, or a [`Execution::step_for`] step that has not ended yet.
    pub fn paused_by_budget(&self) -> bool {
        matches!(&self.state, State::Running(ex) if ex.paused_by_budget())
    }

    /// Where the paused call stands; `None` before it started and after it ended.
    pub fn position(&self) -> Option<Position> {
        let State::Running(ex) = &self.state else {
            return None;
        };
        let (inst, func, pc) = ex.position();
        let data = self.rt.store.instance(inst)?;
        let module = data.module.as_ref()?;
        Some(Position {
            module: data.name.to_string(),
            function_index: module.num_imported_funcs + module.code.def_of(func),
            code_offset: module
                .code
                .ready(func)
                .and_then(|code| code.offsets.get(pc as usize))
                .map(|o| (*o as u64).saturating_sub(module.code_section_offset as u64)),
            depth: ex.depth(),
        })
    }

    /// Lets `f` look at the paused call's stack: frames with their function's definition,
    /// code offset, and typed locals and operands.
    ///
    /// After a trap the stack stays readable as it was when the call trapped (a debugger's
    /// "pause on trap"): the innermost frame at the trapping instruction, with the operands
    /// that instruction had (in code compiled with
    /// [`crate::RuntimeConfig::with_debug_stepping`]; none otherwise), its callers at their
    /// calls. The execution keeps that stack (and the memory it takes) until it is
    /// dropped.
    ///
    /// `None` when neither paused nor trapped (not started, finished, exited).
    pub fn with_stack<R>(&self, f: impl FnOnce(&StackIterator<'_>) -> R) -> Option<R> {
        let (State::Running(ex) | State::Trapped(ex)) = &self.state else {
            return None;
        };
        Some(ex.with_stack_iter(&self.rt.store.snapshot(), f))
    }

    /// Runs the call until it finishes, traps, exits or pauses (a listener's request or a
    /// breakpoint). After it has ended, `resume` keeps answering `Trapped` with a usage
    /// error.
    pub fn resume(&mut self) -> ExecutionState {
        self.line = None;
        self.run_with(StepMode::Run, None)
    }

    fn run_with(&mut self, mode: StepMode, budget: Option<u64>) -> ExecutionState {
        self.run_at_depth(mode, budget, None)
    }

    /// [`Execution::run_once`], going on past the breakpoints the filter passes over.
    fn run_at_depth(
        &mut self,
        mode: StepMode,
        budget: Option<u64>,
        depth: Option<usize>,
    ) -> ExecutionState {
        let mut depth = depth;
        let mut skips = 0;
        loop {
            self.at_breakpoint = false;
            let state = self.run_once(mode, budget, depth);
            let (hit, only, at_count) = match &self.state {
                State::Running(ex) => (
                    ex.at_breakpoint(),
                    ex.paused_by_breakpoint(),
                    ex.travel_state().at_stop,
                ),
                _ => return state,
            };
            if !matches!(state, ExecutionState::Paused) {
                return state;
            }
            if hit {
                // A breakpoint is where the call paused: the filter decides.
                let stop = self.consult(|x| &mut x.filter);
                if stop || !only {
                    // Stopped by it, or the step ends here anyway (not a breakpoint's
                    // pause).
                    self.at_breakpoint = stop;
                    return state;
                }
            } else if !at_count && self.watchpoint_hit().is_some() {
                // A watchpoint's hit: its filter (a condition) decides. (Not where an
                // instruction count stops the run too: that pause stays.)
                if self.consult(|x| &mut x.watch_filter) {
                    return state;
                }
            } else {
                return state;
            }
            let State::Running(ex) = &mut self.state else {
                return state;
            };
            // The same run or step goes on, to the depth it started with.
            depth = Some(ex.step_in_progress().1);
            skips += 1;
            if budget.is_some() && skips >= SKIPS_PER_SLICE {
                ex.mark_budget_pause();
                return state;
            }
        }
    }

    /// What the filter in slot `which` (a breakpoint's or a watchpoint's) says of the
    /// pause: stop (also without a filter) or go on.
    fn consult(&mut self, which: fn(&mut Self) -> &mut Option<BreakpointFilter>) -> bool {
        match which(self).take() {
            None => true,
            Some(mut filter) => {
                let stop = filter(self);
                *which(self) = Some(filter);
                stop
            }
        }
    }

    /// Runs in `mode` with `budget`; a step's depth is the current one unless `depth`
    /// gives the depth of the step being continued.
    fn run_once(
        &mut self,
        mode: StepMode,
        budget: Option<u64>,
        depth: Option<usize>,
    ) -> ExecutionState {
        let breakpoints = self.breakpoints.clone();
        let caught = self.caught_host_functions();
        let watches = self.watches.clone();
        let stop_at = match (self.stop_at, self.limit) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let (recording, replaying) = (self.recording, self.replaying.clone());
        let state = std::mem::replace(&mut self.state, State::Done);
        let (addr, instance) = (self.addr, self.instance);
        let params = std::mem::take(&mut self.params);
        let store = &self.rt.store;
        if let Err(e) = RuntimeInner::check_not_in_call("resuming an execution") {
            self.state = state;
            self.params = params;
            return ExecutionState::Trapped(e);
        }
        let closed = store.instance(instance).and_then(|d| d.control.closed());
        let mut finished = None;
        let (result, next) = (|| {
            if let Some(code) = closed {
                // Closed meanwhile (by another thread, or the runtime): the call ends.
                if let State::Running(mut ex) = state {
                    ex.close(store, code);
                }
                return (ExecutionState::Exited(code), State::Done);
            }
            let mut ex = match state {
                ended @ (State::Done | State::Trapped(_)) => {
                    return (
                        ExecutionState::Trapped(Error::usage("the execution has already ended")),
                        ended,
                    )
                }
                State::NotStarted => match Executor::start(store, addr, &params, None, true) {
                    Ok(Started::Ready(ex)) => ex,
                    Ok(Started::Done(results)) => {
                        return (ExecutionState::Finished(results), State::Done);
                    }
                    Err(e) => return (outcome(Err(e)).0, State::Done),
                },
                State::Running(ex) => ex,
            };
            // (The watchpoints and time travel first: with either, `prepare` moves every
            // frame to debug code.)
            ex.set_watches(watches);
            {
                let t = ex.travel();
                t.counting = recording || replaying.is_some();
                t.stop_at = stop_at;
                if recording && t.record.is_none() {
                    t.record = Some(Vec::new());
                    t.call_marks = Some(Default::default());
                }
                if let (Some(r), None) = (&replaying, &t.replay) {
                    t.replay = Some((r.events.clone(), 0));
                    if let Some(interval) = self.checkpoint_interval {
                        self.checkpoints_refused = ex.enable_checkpoints(store, interval).err();
                    }
                }
            }
            ex.prepare(&store.snapshot(), mode, depth, budget, &breakpoints);
            ex.set_pause_on_exceptions(self.pause_on_exceptions);
            ex.set_host_catches(caught);
            let (state, done) = outcome(ex.run(store));
            if done {
                let t = ex.travel_state();
                let calls = t.call_marks.as_ref().map(|m| m.borrow().marks());
                finished = Some((t.record.clone(), t.steps, calls.unwrap_or_default()));
            }
            let next = match (&state, done) {
                // Kept for `with_stack`.
                (ExecutionState::Trapped(_), true) => State::Trapped(ex),
                (_, true) => State::Done,
                (_, false) => State::Running(ex),
            };
            (state, next)
        })();
        store.notify();
        self.state = next;
        if let Some((record, steps, calls)) = finished {
            self.final_steps = steps;
            self.finished_recording = record.map(|events| Recording {
                events: Arc::new(events),
                calls: Arc::new(calls),
            });
        }
        result
    }

    /// Whether the call has ended (finished, trapped or exited).
    pub fn is_done(&self) -> bool {
        matches!(self.state, State::Done | State::Trapped(_))
    }

    /// Ends a paused (or not yet started) call with `exit_code`: `abort` runs for every
    /// listened frame, the module is closed with that code (close notifiers fire), and
    /// the returned error is the `ExitError` the caller sees.
    pub fn close_with_exit_code(&mut self, exit_code: u32) -> Error {
        let state = std::mem::replace(&mut self.state, State::Done);
        let instance = self.instance;
        let store = &self.rt.store;
        if let Err(e) = RuntimeInner::check_not_in_call("closing an execution") {
            self.state = state;
            return e;
        }
        let error = match state {
            State::Running(mut ex) => ex.close(store, exit_code),
            _ => {
                store.close(instance, exit_code);
                Error::from_kind(ErrorKind::Exit(exit_code))
            }
        };
        store.notify();
        error
    }
}
