//! The executor: runs translated code with its value and call stacks on the heap.
//!
//! All execution state (value stack, call frames, the current position) lives in
//! [`Executor`], never on the native stack: a Wasm call does not recurse in Rust, deep
//! recursion ends in a `call stack exhausted` trap, and a run can stop and continue later.
//!
//! Instructions address frame slots (see [`super::instr`]); there is no operand-stack
//! pointer. The hot loop ([`Executor::exec`]) works within one module instance, with
//! the registers (`pc`, `fp`) in locals; a call or return that crosses into another
//! instance leaves it so that [`Executor::run`] can switch the code it runs.

use std::sync::Arc;
use std::time::Instant;

use super::checkpoint::Checkpoints;
use super::code::{ModuleCode, WasmCode};
use super::gc;
use super::hot::{self, bit, DEADLINE_POLL_INTERVAL};
use super::hot::{Clause, HandlerKind};
use super::instr::{GcOp, Instr, WideOp, NEGATE};
use super::num::span;
use super::simd;
use crate::error::Exception;
use crate::error::EXIT_CODE_DEADLINE_EXCEEDED;
use crate::error::{Error, Result, TraceFrame, TrapCode};
use crate::listener::{
    CallContext, FrameTypes, InstanceView, Listener, ListenerAction, ListenerHooks, StackFrame,
    StackIterator, WalkFrames,
};
use crate::store::{
    CallCount, FuncInst, Held, HeldItems, HostCtx, Instance, InstanceControl, Registry, Store, View,
};
use crate::types::ValueType;

/// Most nested calls one execution may have.
pub(crate) const MAX_CALL_DEPTH: usize = 50_000;
/// Most value-stack slots one execution may use (64 MiB).
pub(crate) const MAX_STACK_SLOTS: usize = 8 << 20;

/// A [`WideOp`] on memory `mem` with its operands from the stack below `sp`: with
/// `addr64` (memory64) the effective address is the 64-bit address plus `offset`, past
/// the end when that overflows. The address and width of an out-of-bounds access.
fn wide_mem(
    op: WideOp,
    offset: u64,
    addr64: bool,
    mem: &mut [u8],
    stack: &mut [u64],
    sp: usize,
) -> std::result::Result<(), (u64, u64)> {
    // A 32-bit memory's address is the `i32` zero-extended; its offset fits 32 bits.
    let address = |slot: u64, n: u64| match addr64 {
        true => slot.checked_add(offset).ok_or((u64::MAX, n)),
        false => Ok(slot as u32 as u64 + offset),
    };
    match op {
        WideOp::Load {
            bytes,
            signed,
            wide,
        } => {
            let n = bytes as u64;
            let at = address(stack[sp - 1], n)?;
            let src = span(at, n).and_then(|r| mem.get(r)).ok_or((at, n))?;
            let mut b = [0u8; 8];
            b[..bytes as usize].copy_from_slice(src);
            let raw = u64::from_le_bytes(b);
            let shift = 64 - 8 * n as u32;
            let v = match signed && shift > 0 {
                true => (((raw << shift) as i64) >> shift) as u64,
                false => raw,
            };
            stack[sp - 1] = if wide { v } else { v as u32 as u64 };
            Ok(())
        }
        WideOp::Store { bytes } => {
            let n = bytes as u64;
            let at = address(stack[sp - 2], n)?;
            let v = stack[sp - 1].to_le_bytes();
            let dst = span(at, n).and_then(|r| mem.get_mut(r)).ok_or((at, n))?;
            dst.copy_from_slice(&v[..bytes as usize]);
            Ok(())
        }
        WideOp::Simd { op, lane } => {
            simd::exec_mem_wide(op, offset, lane, mem, stack, sp, addr64).map(|_| ())
        }
    }
}

pub(crate) use super::hot::Frame;

/// A Wasm frame as a stack walk sees it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FrameAt {
    pub(crate) inst: u32,
    /// Defined-function index in the instance's module.
    pub(crate) func: u32,
    /// Position of the current instruction in the function's code.
    pub(crate) pc: u32,
    pub(crate) fp: usize,
    /// End of the frame's operand slots.
    pub(crate) end: usize,
}

/// An `after` hook owed by a listened function that a tail call replaced: run when the
/// frame at `depth` (of instance `inst`) returns, with its results.
#[derive(Clone, Copy, Debug)]
struct TailAfter {
    depth: u32,
    inst: u32,
    /// The function's index in its module's function index space.
    func: u32,
}

/// A call's Wasm frames as the listener API reads them ([`WalkFrames`]): the innermost
/// frame, its callers (outermost first, as the executor keeps them), the registry and
/// the value stack.
pub(crate) struct WasmFrames<'a> {
    pub(crate) top: Option<FrameAt>,
    pub(crate) callers: hot::Callers<'a>,
    pub(crate) reg: &'a Registry,
    pub(crate) stack: &'a [u64],
}

impl WalkFrames for WasmFrames<'_> {
    fn count(&self) -> usize {
        self.top.is_some() as usize + self.callers.len()
    }

    fn frame(&self, i: usize) -> Option<StackFrame<'_>> {
        self.frame_at(i)
    }
}

impl<'a> WasmFrames<'a> {
    /// The frames a listened function's entry hook sees: its own frame, of instance
    /// `inst`, at `top` (the position just after the hook) and ending at `end` (after its
    /// locals and constants), then `callers`.
    fn at_entry(
        inst: u32,
        (top, end): (hot::Regs, usize),
        callers: hot::Callers<'a>,
        reg: &'a Registry,
        stack: &'a [u64],
    ) -> Self {
        WasmFrames {
            top: Some(FrameAt {
                inst,
                func: top.func,
                pc: (top.pc as u32).saturating_sub(1),
                fp: top.fp,
                end,
            }),
            callers,
            reg,
            stack,
        }
    }

    /// Frame `i`, innermost first ([`WalkFrames::frame`]), borrowing what the frames do.
    fn frame_at(&self, i: usize) -> Option<StackFrame<'a>> {
        let at = match (i, self.top) {
            (0, Some(top)) => top,
            _ => {
                // Caller `k` (innermost first); its operands end where the frame it
                // called starts.
                let k = i - self.top.is_some() as usize;
                let n = self.callers.len();
                let f = self.callers.get(n.checked_sub(k + 1)?)?;
                let inner_fp = match k {
                    0 => self.top.map_or(0, |t| t.fp),
                    _ => self.callers.get(n - k)?.fp as usize,
                };
                FrameAt {
                    inst: f.inst,
                    func: f.func,
                    pc: f.pc.saturating_sub(1),
                    fp: f.fp as usize,
                    end: inner_fp,
                }
            }
        };
        self.wasm_frame(at)
    }

    fn wasm_frame(&self, frame: FrameAt) -> Option<StackFrame<'a>> {
        let (fp, end) = (frame.fp, frame.end);
        let data = self.reg.instances.get(frame.inst as usize)?;
        let module = data.module.as_ref()?;
        let index = (module.num_imported_funcs + module.code.def_of(frame.func)) as usize;
        let definition = match &data.listeners {
            Some(l) => l.definitions[index].clone(),
            None => Arc::new(crate::module::definition(module, &data.name, index as u32)),
        };
        // A frame's function has run, so its code is there.
        let fc = module.code.ready(frame.func)?;
        let stack = self.stack;
        let locals_end = (fp + (fc.params + fc.locals) as usize).min(stack.len());
        let operands_start = (fp + fc.frame_slots() as usize).min(stack.len());
        let at = fc.offsets.get(frame.pc as usize).map(|o| *o as u64);
        Some(StackFrame {
            definition,
            source_offset: at.map(|o| o.saturating_sub(module.code_section_offset as u64)),
            locals: &stack[fp.min(locals_end)..locals_end],
            operands: &stack[operands_start..end.clamp(operands_start, stack.len())],
            types: FrameTypes::Wasm {
                module,
                def: module.code.def_of(frame.func),
                at,
            },
        })
    }
}

/// The Wasm frames a listener's entry hook in the fast path sees ([`WalkFrames`]): those
/// of `top`'s run, read from it when walked (a listener that does not walk the stack
/// costs nothing for it). The run's frames are of `env`'s instance.
struct HookWalk<'h, 'a, 'e> {
    top: hot::HookTop<'h, 'a>,
    /// The fast path's executor side, for the registry and the run's instance.
    env: &'h FastEnv<'h, 'e>,
}

impl<'h> HookWalk<'h, '_, '_> {
    /// The frames as [`WasmFrames`] reads them.
    fn frames(&self) -> WasmFrames<'h> {
        let (top, _, end) = self.top.regs();
        let inst = self.env.inst;
        let callers = hot::Callers::Hook(self.top.callers(), inst);
        WasmFrames::at_entry(inst, (top, end), callers, self.env.reg, self.top.stack())
    }
}

impl WalkFrames for HookWalk<'_, '_, '_> {
    fn count(&self) -> usize {
        1 + hot::Callers::Hook(self.top.callers(), self.env.inst).len()
    }

    fn frame(&self, i: usize) -> Option<StackFrame<'_>> {
        self.frames().frame_at(i)
    }
}

/// Why the hot loop stopped.
enum Exit {
    /// The outermost function returned.
    Returned,
    /// The current instance changed (cross-module call or return).
    Switch,
    Trap(TrapCode),
    /// An out-of-bounds memory access, with where it went.
    MemoryTrap(crate::error::MemoryAccess),
    Error(Error),
    /// A close, interrupt or deadline asked the call to stop with this exit code.
    Stopped(u32),
    /// A listener paused the call.
    Paused,
    /// An exception was thrown (by the instruction before `pc`).
    Throw(Arc<Exception>),
    /// Tiered compilation: the instruction before `pc` calls defined function `def` of
    /// instance `inst`, which runs as compiled code, its arguments in the slots from
    /// `base` of the current frame.
    Native {
        inst: u32,
        def: u32,
        base: u32,
    },
}

/// How a tiered executor runs a hot function as compiled code: the compiler engine's
/// (which sits above the interpreter) entry for one function. See
/// [`crate::RuntimeConfig::with_tiering`].
pub(crate) trait NativeCalls: Sync {
    /// Runs `call` as compiled code, its arguments in `values` and its results written
    /// there (it has a slot for each).
    ///
    /// # Errors
    /// The function's trap (with the compiled frames' trace), exception or exit.
    ///
    /// `lent`: the instance's items, when the caller holds them (it runs in
    /// `call.inst`): the call uses them instead of locking them again, and leaves them
    /// held.
    fn call<'d>(
        &self,
        store: &'d Store,
        call: NativeCall<'_>,
        values: &mut [u64],
        lent: Option<(&'d Arc<Instance>, &mut Option<Held<'d>>)>,
    ) -> Result<()>;

    /// Has defined function `def` of instance `inst`'s module compiled in the background
    /// (the calls meanwhile run on the interpreter); its call count becomes
    /// [`TIER_READY`] when it is.
    fn compile_later(&self, store: &Store, inst: u32, def: u32);
}

/// A call of a hot function the interpreter makes ([`NativeCalls::call`]). (Read by the
/// compiler engine only.)
#[cfg_attr(
    not(any(target_arch = "x86_64", target_arch = "aarch64")),
    allow(dead_code)
)]
pub(crate) struct NativeCall<'c> {
    /// The control of the instance the whole call entered (its close ends the call, its
    /// stop flag stops it), and that instance.
    pub control: &'c Arc<crate::store::InstanceControl>,
    pub entry: u32,
    /// Defined function `def` of instance `inst`.
    pub inst: u32,
    pub def: u32,
    pub deadline: Option<Instant>,
}

/// Tiered compilation, for an executor: who runs hot functions, and when a function is
/// hot.
#[derive(Clone, Copy)]
pub(crate) struct Tier {
    pub native: &'static dyn NativeCalls,
    /// The interpreted calls after which a function's calls run compiled code.
    pub threshold: u32,
}

/// A function's call count once its compiled code is ready (set by whoever compiled it,
/// [`NativeCalls::compile_later`]): from then on its calls run compiled.
pub(crate) const TIER_READY: u32 = u32::MAX;

/// Where a call of a function runs under tiered compilation ([`tier_up`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tiering {
    /// On the interpreter (not hot, or hot and being compiled).
    Interpret,
    /// On the interpreter, and the function just became hot: have it compiled
    /// ([`NativeCalls::compile_later`]).
    Compile,
    /// As compiled code.
    Native,
}

/// Counts a call of defined function `def` of `code` on the interpreter: where it runs.
#[inline]
fn tier_up(code: &ModuleCode, def: u32, threshold: u32) -> Tiering {
    use std::sync::atomic::Ordering;
    let Some(count) = code.call_counts().get(def as usize) else {
        return Tiering::Interpret;
    };
    match count.load(Ordering::Acquire) {
        TIER_READY if crossings() < MAX_CROSSINGS => Tiering::Native,
        n if n >= threshold => Tiering::Interpret,
        // One thread takes the count to the threshold, and asks for the compile; a
        // count at or past it changes only to `TIER_READY`.
        n => match count.compare_exchange(n, n + 1, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) if n + 1 == threshold => Tiering::Compile,
            _ => Tiering::Interpret,
        },
    }
}

/// The most calls between the engines one thread has in progress, nested: past it, a
/// call stays on the engine it is made in (an interpreted call of a compiled function
/// is interpreted, a compiled call of a cold function compiles it), so that recursion
/// through both engines ends in their own stack limits (each crossing into compiled
/// code may start a new native stack).
pub(crate) const MAX_CROSSINGS: u32 = 64;

thread_local! {
    static CROSSINGS: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// How many calls between the engines this thread has in progress.
pub(crate) fn crossings() -> u32 {
    CROSSINGS.with(|c| c.get())
}

/// A call between the engines in progress (counted while it lives). (Made by the compiler
/// engine only.)
#[cfg_attr(
    not(any(target_arch = "x86_64", target_arch = "aarch64")),
    allow(dead_code)
)]
pub(crate) struct Crossing(());

impl Crossing {
    /// Counts a call between the engines until the `Crossing` is dropped.
    #[cfg_attr(
        not(any(target_arch = "x86_64", target_arch = "aarch64")),
        allow(dead_code)
    )]
    pub(crate) fn enter() -> Self {
        CROSSINGS.with(|c| c.set(c.get() + 1));
        Crossing(())
    }
}

impl Drop for Crossing {
    fn drop(&mut self) {
        CROSSINGS.with(|c| c.set(c.get().saturating_sub(1)));
    }
}

/// A host call an execution is paused at (a catchpoint,
/// [`crate::Execution::set_host_call_catch`]).
#[derive(Clone, Debug)]
pub(crate) struct HostPause {
    /// The host function's store address.
    pub addr: u32,
    /// Paused after the call returned; else before it runs (the execution's `pc` is
    /// then just after the calling instruction, as at a throw).
    pub after: bool,
    /// The stack slot of the first argument, where the results go too.
    pub slot: usize,
    /// The slots of the arguments and of the results.
    pub params: usize,
    pub results: usize,
    /// The operand stack height at the pause, in slots from the frame pointer.
    pub height: u32,
    /// Before the call: the results to give the caller instead of running it.
    pub skip: Option<Vec<u64>>,
    /// After the call: its arguments as it got them (the results are in their slots
    /// now).
    pub args: Vec<u64>,
}

/// One host call of a recorded run (see `crate::Execution::set_recording`): what
/// replaying it gives the caller instead of calling.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct HostEvent {
    /// The instruction count at the call.
    pub step: u64,
    /// The host function's store address.
    pub addr: u32,
    /// Its results' slots.
    pub results: Vec<u64>,
    /// What it wrote to the caller's memory 0: `(offset, bytes)`.
    pub writes: Vec<(usize, Vec<u8>)>,
    /// The exit code it ended the call with (`proc_exit`), or its failure's message.
    pub exit: Option<u32>,
    pub failed: Option<String>,
}

/// The ranges where `after` differs from `before` (and what `after` grew by), as
/// `(offset, bytes)`.
fn memory_writes(before: &[u8], after: &[u8]) -> Vec<(usize, Vec<u8>)> {
    let mut out: Vec<(usize, Vec<u8>)> = Vec::new();
    let common = before.len().min(after.len());
    let mut i = 0;
    while i < common {
        if before[i] == after[i] {
            i += 1;
            continue;
        }
        let start = i;
        while i < common && before[i] != after[i] {
            i += 1;
        }
        out.push((start, after[start..i].to_vec()));
    }
    if after.len() > common {
        out.push((common, after[common..].to_vec()));
    }
    out
}

/// What a watchpoint watches (see `crate::Execution::add_watchpoint`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WatchTarget {
    /// Bytes `address .. address + len` of memory `memory` (module index space); a
    /// change stops with `write`, a load of memory 0 that touches them with `read`.
    Memory {
        memory: u32,
        address: u64,
        len: u64,
        write: bool,
        read: bool,
    },
    /// Global `index` (module index space): a change of its value stops.
    Global { index: u32 },
}

/// A watchpoint as the executor checks it at every stop point.
#[derive(Clone, Debug)]
pub(crate) struct Watch {
    pub id: u32,
    /// The instance whose memory or global it is.
    pub inst: u32,
    pub target: WatchTarget,
    /// The watched bytes (a global's value: 16 bytes) when last checked.
    pub last: Option<Vec<u8>>,
}

/// Why an execution paused at a watchpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct WatchHit {
    pub id: u32,
    /// A read (else a change).
    pub read: bool,
    /// The bytes before and after (for a read, the same).
    pub old: Vec<u8>,
    pub new: Vec<u8>,
    /// The code offset (instance, offset) of the instruction that wrote or read: the
    /// last one run before the pause.
    pub by: Option<(u32, u32)>,
}

/// The bytes a watchpoint watches as they are now, if the instance's items have them.
fn watched_bytes(held: &Held<'_>, target: &WatchTarget) -> Option<Vec<u8>> {
    match *target {
        WatchTarget::Memory {
            memory,
            address,
            len,
            ..
        } => {
            let m = held
                .memories
                .get(*held.memory_ix.get(memory as usize)? as usize)?;
            let start = usize::try_from(address).ok()?;
            let end = start.checked_add(usize::try_from(len).ok()?)?;
            m.data.get(start..end).map(<[u8]>::to_vec)
        }
        WatchTarget::Global { index } => {
            let g = held
                .globals
                .get(*held.global_ix.get(index as usize)? as usize)?;
            let mut b = g.value.to_le_bytes().to_vec();
            b.extend(g.hi.to_le_bytes());
            Some(b)
        }
    }
}

/// The bytes instruction `instr` reads from memory (a load, or `memory.copy`'s
/// source), given its frame's slots and its function's wide constants (a `Wide` load's
/// offset): `(memory index, address, len)`.
fn load_range(instr: &Instr, frame: &[u64], consts: &[u128]) -> Option<(u32, u64, u64)> {
    let (addr, offset, len) = match *instr {
        // (A `Wide` load: of another memory, of a 64-bit one, or at an offset whose
        // access's end does not fit 32 bits.)
        Instr::Wide {
            op: WideOp::Load { bytes, .. },
            h,
            off,
            mem,
            addr64,
        } => {
            let slot = *frame.get(h.checked_sub(1)? as usize)?;
            let offset = u64::try_from(*consts.get(off as usize)?).ok()?;
            let at = match addr64 {
                true => slot.checked_add(offset)?,
                false => slot as u32 as u64 + offset,
            };
            return Some((mem as u32, at, bytes as u64));
        }
        Instr::MemoryCopy { h, mem: from } | Instr::MemoryCopyBetween { src: from, h, .. } => {
            let (s, n) = (
                *frame.get(h.checked_sub(2)? as usize)?,
                *frame.get(h as usize - 1)?,
            );
            return Some((from, s, n));
        }
        Instr::LoadV128 { addr, offset, .. } => (addr, offset as u64, 16),
        // (A memory-0 load's `end` is its offset plus its width.)
        _ => match (instr.access_end(), instr.load_operands()) {
            (Some((end, n)), Some((_, addr))) => (addr, end.saturating_sub(n) as u64, n as u64),
            _ => return None,
        },
    };
    let base = *frame.get(addr as usize)? as u32 as u64;
    Some((0, base + offset, len))
}

/// Whether bytes `at .. at + n` and `address .. address + len` share one (`n` > 0).
fn overlaps((at, n): (u64, u64), (address, len): (u64, u64)) -> bool {
    n > 0 && at < address.saturating_add(len) && address < at.saturating_add(n)
}

/// One execution: stacks and registers.
pub(crate) struct Executor {
    stack: Vec<u64>,
    frames: Vec<Frame>,
    pc: u32,
    fp: u32,
    inst: u32,
    /// The current function (defined-function index in `inst`'s module): `pc` is a
    /// position in its code.
    func: u32,
    /// Fuel left (code without fuel checks never reads it).
    fuel: u64,
    /// The instance the call entered; interrupts and deadlines close it.
    entry: u32,
    control: Arc<InstanceControl>,
    deadline: Option<Instant>,
    /// Interrupt polls so far (the clock is read every 1024th).
    polls: u32,
    /// Whether listeners may pause this execution.
    resumable: bool,
    /// Result slots of the outermost function.
    results: u32,
    /// The `after` hooks owed by listened functions replaced by tail calls: each when the
    /// frame at its depth returns (innermost and latest last).
    tail_afters: Vec<TailAfter>,
    /// Stepping and breakpoints, for resumable executions.
    debug: DebugControl,
    /// Pause at every throw (resumable executions), before any handler runs.
    pause_on_exceptions: bool,
    /// The exception thrown where the execution paused (handled when it resumes), or
    /// the one no handler caught (the execution is over).
    in_flight: Option<Arc<Exception>>,
    /// The host functions (store addresses) whose calls pause the execution before they
    /// run and after they return (catchpoints; resumable executions).
    host_catches: std::collections::HashSet<u32>,
    /// The host call the execution is paused at (a catchpoint): before it runs (it runs
    /// when the execution resumes) or after it returned.
    host_pause: Option<HostPause>,
    /// Counts this call in the store while it lives (the collector's rule).
    _calls: CallCount,
    /// Tiered compilation: hot functions run as compiled code (plain calls only).
    tier: Option<Tier>,
}

/// How far a resumed execution runs before pausing at a stop point.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum StepMode {
    /// Until a breakpoint, a listener's pause, or the end.
    #[default]
    Run,
    /// To the next instruction, entering calls (step into).
    Instruction,
    /// To the next instruction of this function or its callers (step over calls).
    Over,
    /// To the next instruction after the current function returns (step out).
    Out,
    /// To the first instruction of the next function entered, at any depth (a
    /// call-level step in). A call that has run no instruction yet (not started, or
    /// paused by a listener at its entry) stops at its own first instruction.
    Entry,
    /// To the first instruction of the next function entered at the current depth: the
    /// next function that the current one's caller calls (a call-level step over).
    SiblingEntry,
}

/// The stepping state of an execution.
#[derive(Default, Debug)]
pub(crate) struct DebugControl {
    pub mode: StepMode,
    /// Call depth when the step started.
    pub depth: usize,
    /// Breakpoints: `(instance, code offset)`.
    pub breakpoints: Breakpoints,
    /// The stop point the execution is paused at (instance, function, position), which
    /// resuming must not stop at again.
    pub resumed_at: Option<(u32, u32, usize)>,
    /// The operand stack height (slots from the frame pointer) at that stop point.
    pub paused_height: Option<u32>,
    /// Stop points left before pausing anyway (a slice of a long run), if limited.
    pub budget: Option<u64>,
    /// Whether the last pause came from the budget running out.
    pub out_of_budget: bool,
    /// Whether the last pause was a breakpoint's where the run or step in progress
    /// would not have stopped.
    pub breakpoint_only: bool,
    /// Whether a breakpoint is set where the last pause is (a step may end there too).
    pub breakpoint_hit: bool,
    /// The operand stack height at the last stop point passed (set at every one), so
    /// that after a trap the trapping frame shows the operands its instruction had.
    pub last_height: Option<u32>,
    /// Whether the execution ended in a trap: its stack stays readable
    /// ([`Executor::with_stack_iter`]), the innermost frame at the trapping instruction.
    pub trapped: bool,
    /// The functions holding a breakpoint, `(instance, defined index)`: they run in
    /// their debug variant ([`Executor::prepare`]).
    pub bp_funcs: Vec<(u32, u32)>,
    /// Whether a call may have to enter a debug variant: an instruction step or a
    /// call-level step is in progress, or some function holds a breakpoint. (A step
    /// over or out never stops in the calls it makes.)
    pub debug_calls: bool,
    /// Watchpoints: with any, every function runs its debug variant, and every stop
    /// point compares the watched bytes.
    pub watches: Vec<Watch>,
    /// The watchpoint the execution paused at.
    pub watch_hit: Option<WatchHit>,
    /// A read watchpoint's load about to run (it stops at the next stop point).
    pending_read: Option<WatchHit>,
    /// The code offset of the last stop point passed: the instruction run since.
    last_offset: Option<(u32, u32)>,
    /// Count every instruction (every function runs its debug code): a recorded or
    /// replayed run, whose positions are instruction counts.
    pub counting: bool,
    /// The instructions begun so far (with `counting`): the count of the one the call is
    /// paused before.
    pub steps: u64,
    /// Pause when the count reaches this.
    pub stop_at: Option<u64>,
    /// Whether the last pause was `stop_at`'s.
    pub at_stop: bool,
    /// The host calls made so far, when recording.
    pub record: Option<Vec<HostEvent>>,
    /// The host calls to replay instead of calling, and how many have been.
    pub replay: Option<(Arc<Vec<HostEvent>>, usize)>,
    /// A replay's checkpoints (see [`super::checkpoint`]), when it takes them.
    pub checkpoints: Option<Checkpoints<Saved>>,
    /// Where a recorded run began its calls (in a cell: the fast path adds to it).
    pub call_marks: Option<std::cell::RefCell<hot::CallMarks>>,
}

/// The executor's state at a checkpoint (see [`super::checkpoint`]): taken at a
/// segment's `Count`, where no host call, exception or pause is in progress.
#[derive(Clone, Debug)]
pub(crate) struct Saved {
    /// The live part of the value stack (up to the current frame's height).
    stack: Vec<u64>,
    frames: Vec<Frame>,
    pc: u32,
    fp: u32,
    func: u32,
    fuel: u64,
    /// The host calls replayed so far.
    replayed: usize,
    tail_afters: Vec<TailAfter>,
}

/// Breakpoints as `(instance, code offset)`, checked at every stop point of code
/// compiled with debug stepping: a 4096-bit filter on the offset answers "no" for almost
/// every instruction without hashing, so a run with breakpoints set costs about what a
/// run without any costs.
#[derive(Clone, Debug, Default)]
pub(crate) struct Breakpoints {
    set: std::collections::HashSet<(u32, u32)>,
    /// Bit `offset % 4096` is set when some breakpoint has that offset residue.
    filter: Vec<u64>,
}

impl Breakpoints {
    const BITS: u32 = 4096;

    /// The breakpoints of `set`.
    pub(crate) fn from_set(set: &std::collections::BTreeSet<(u32, u32)>) -> Self {
        let mut filter = vec![0u64; (Self::BITS / 64) as usize];
        for (_, offset) in set {
            let bit = offset % Self::BITS;
            filter[(bit / 64) as usize] |= 1 << (bit % 64);
        }
        Breakpoints {
            set: set.iter().copied().collect(),
            filter,
        }
    }

    /// The breakpoints, `(instance, code offset)`.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &(u32, u32)> {
        self.set.iter()
    }

    #[inline(always)]
    pub(crate) fn contains(&self, inst: u32, offset: u32) -> bool {
        let bit = offset % Self::BITS;
        match self.filter.get((bit / 64) as usize) {
            Some(word) if word & (1 << (bit % 64)) != 0 => self.set.contains(&(inst, offset)),
            _ => false,
        }
    }
}

impl DebugControl {
    /// Whether a frame at call depth `depth` running defined function `def` of instance
    /// `inst` must run its debug variant: where the current step or a breakpoint may
    /// stop, or when a budget pause is due at the next stop point. Elsewhere plain code
    /// runs, at full speed.
    #[inline]
    fn needs_debug(&self, depth: usize, inst: u32, def: u32) -> bool {
        self.budget == Some(0)
            || match self.mode {
                StepMode::Run | StepMode::Entry | StepMode::SiblingEntry => false,
                StepMode::Instruction => true,
                StepMode::Over => depth <= self.depth,
                StepMode::Out => depth < self.depth,
            }
            || self.bp_funcs.contains(&(inst, def))
            || !self.watches.is_empty()
    }

    /// At a stop point of instance `inst` (its items `held`, the current frame's slots
    /// `frame`, the next instruction `next`, at code offset `offset`): a watchpoint
    /// whose bytes changed since the last stop point, or whose read the instruction run
    /// since made; the watched bytes are updated.
    fn check_watches(
        &mut self,
        inst: u32,
        held: &Held<'_>,
        frame: &[u64],
        next: Option<&Instr>,
        consts: &[u128],
        offset: u32,
    ) -> Option<WatchHit> {
        let by = self.last_offset.replace((inst, offset));
        let mut hit = self.pending_read.take().map(|mut h| {
            h.by = by;
            h
        });
        for w in self.watches.iter_mut().filter(|w| w.inst == inst) {
            let Some(now) = watched_bytes(held, &w.target) else {
                continue;
            };
            let changed = w.last.as_ref().is_some_and(|old| *old != now);
            let write = match w.target {
                WatchTarget::Memory { write, .. } => write,
                WatchTarget::Global { .. } => true,
            };
            if changed && write && hit.is_none() {
                hit = Some(WatchHit {
                    id: w.id,
                    read: false,
                    old: w.last.clone().unwrap_or_default(),
                    new: now.clone(),
                    by,
                });
            }
            if let (
                WatchTarget::Memory {
                    memory,
                    address,
                    len,
                    read: true,
                    ..
                },
                Some((m, at, n)),
            ) = (w.target, next.and_then(|i| load_range(i, frame, consts)))
            {
                if m == memory && overlaps((at, n), (address, len)) {
                    self.pending_read = Some(WatchHit {
                        id: w.id,
                        read: true,
                        old: now.clone(),
                        new: now.clone(),
                        by: None,
                    });
                }
            }
            w.last = Some(now);
        }
        hit
    }

    /// A host call of instance `inst` about to read `ranges` of its memory 0 (a WASI
    /// call's input, [`crate::wasi::describe::input_ranges`]): a read watchpoint on any
    /// of them stops at the next stop point, after the call.
    fn host_reads(&mut self, inst: u32, ranges: &[(u64, u64)], held: &Held<'_>) {
        if self.pending_read.is_some() {
            return;
        }
        for w in self.watches.iter().filter(|w| w.inst == inst) {
            let WatchTarget::Memory {
                memory: 0,
                address,
                len,
                read: true,
                ..
            } = w.target
            else {
                continue;
            };
            if ranges.iter().any(|&r| overlaps(r, (address, len))) {
                let now = watched_bytes(held, &w.target).unwrap_or_default();
                self.pending_read = Some(WatchHit {
                    id: w.id,
                    read: true,
                    old: now.clone(),
                    new: now,
                    by: None,
                });
                return;
            }
        }
    }

    /// Whether the step stops at the first instruction of a function entered at `depth`.
    #[inline]
    fn stops_at_entry(&self, depth: usize) -> bool {
        match self.mode {
            StepMode::Entry => true,
            StepMode::SiblingEntry => depth == self.depth,
            _ => false,
        }
    }

    /// Whether a frame must run debug code: [`DebugControl::needs_debug`], or, for a
    /// frame that has run no instruction yet (`at_entry`), a call-level step that stops
    /// at its first one.
    #[inline]
    fn wants_debug(&self, depth: usize, inst: u32, def: u32, at_entry: bool) -> bool {
        self.needs_debug(depth, inst, def) || (at_entry && self.stops_at_entry(depth))
    }

    /// The code id a call of defined function `def` of `inst` enters, at `depth`.
    #[inline(always)]
    fn callee(&self, code: &ModuleCode, depth: usize, inst: u32, def: u32) -> u32 {
        if code.has_variants() && self.debug_calls {
            code.id_of(def, self.wants_debug(depth, inst, def, true))
        } else {
            def
        }
    }

    /// The code id a tail call of defined function `def` from code id `current` enters:
    /// the callee takes the frame's place at the same depth, so it runs debug code
    /// whenever the frame it replaces did (or a call would).
    #[inline(always)]
    fn tail_callee(
        &self,
        code: &ModuleCode,
        (depth, inst, def): (usize, u32, u32),
        current: u32,
    ) -> u32 {
        if code.has_variants() && code.is_debug(current) {
            code.id_of(def, true)
        } else {
            self.callee(code, depth, inst, def)
        }
    }

    /// Whether to pause at the stop point `at` (instance, code id, position) for code
    /// offset `offset` at `depth`; `entry`: the stop point is its function's first.
    fn should_pause(
        &mut self,
        at: (u32, u32, usize),
        offset: u32,
        depth: usize,
        entry: bool,
    ) -> bool {
        let inst = at.0;
        if self.resumed_at.take() == Some(at) {
            return false;
        }
        let step = match self.mode {
            StepMode::Run => false,
            StepMode::Instruction => true,
            StepMode::Over => depth <= self.depth,
            StepMode::Out => depth < self.depth,
            StepMode::Entry | StepMode::SiblingEntry => entry && self.stops_at_entry(depth),
        };
        let breakpoint = self.breakpoints.contains(inst, offset);
        self.breakpoint_only = breakpoint && !step;
        self.breakpoint_hit = breakpoint;
        let stop = breakpoint || step;
        // A breakpoint or the step's end is that pause even when the budget ends here
        // too (else resuming would pass the breakpoint by).
        if !stop {
            if let Some(left) = self.budget.as_mut() {
                if *left == 0 {
                    self.out_of_budget = true;
                    return true;
                }
                *left -= 1;
            }
        }
        stop
    }
}

/// Prepares the frame of function `f` at `fp` (its parameters in place): room on the
/// stack for its height, its locals zeroed, its constant slots filled. `false` when the
/// stack cannot grow that far (the call traps `call stack exhausted`).
#[inline(always)]
fn open_frame(stack: &mut Vec<u64>, fp: usize, f: &crate::interp::hot::CompiledFunc) -> bool {
    let need = fp + f.max_height as usize;
    if need > stack.len() {
        if need > MAX_STACK_SLOTS {
            return false;
        }
        stack.resize((stack.len() * 2).clamp(need, MAX_STACK_SLOTS), 0);
    }
    let locals = fp + f.params as usize;
    stack[locals..locals + f.locals as usize].fill(0);
    fill_consts(stack, locals + f.locals as usize, &f.consts);
    true
}

/// Fills a new frame's constant slots, which start at `at`.
#[inline(always)]
fn fill_consts(stack: &mut [u64], at: usize, consts: &[u64]) {
    if !consts.is_empty() {
        stack[at..at + consts.len()].copy_from_slice(consts);
    }
}

/// The error for a frame whose function has no code: never expected (a function runs
/// only once translated), reported rather than panicking.
#[cold]
fn no_code(func: u32) -> Error {
    Error::new(format!(
        "internal error: no code for defined function {func}"
    ))
}

/// An instance's listeners: what the hooks look up (once per run of the fast path, at
/// each hook in the executor's).
#[derive(Clone, Copy)]
struct Hooks<'a> {
    listeners: &'a crate::store::InstanceListeners,
}

/// No listeners: the fast path's hooks when its instance has none (they find no
/// listener, without a test of their own).
static NO_LISTENERS: crate::store::InstanceListeners = crate::store::InstanceListeners {
    funcs: Vec::new(),
    definitions: Vec::new(),
    aborts: false,
};

impl<'a> Hooks<'a> {
    /// Instance `inst`'s, if it has listeners.
    fn of(reg: &'a Registry, inst: u32) -> Option<Self> {
        let data = reg.instances.get(inst as usize)?;
        Some(Hooks {
            listeners: data.listeners.as_deref()?,
        })
    }

    /// Function `func`'s listener and definition, if it has a listener.
    #[inline(always)]
    fn listener(self, func: u32) -> Option<(&'a Listener, &'a crate::types::FunctionDefinition)> {
        let l = self.listeners.funcs.get(func as usize)?.as_ref()?;
        Some((&l.listener, &l.definition))
    }

    /// Calls listened function `func`'s `before` with its parameters `params` and the
    /// stack `frames` (its own frame first); the listener sees instance `inst` through
    /// `view`.
    #[inline(always)]
    fn before(
        self,
        view: &dyn InstanceView,
        inst: u32,
        params: &[u64],
        frames: &dyn WalkFrames,
        func: u32,
    ) -> Result<ListenerAction> {
        let Some((l, definition)) = self.listener(func) else {
            return Ok(ListenerAction::Continue);
        };
        let ctx = CallContext {
            store: view,
            instance: inst,
            caller: None,
            definition,
        };
        let iter = StackIterator {
            host: None,
            wasm: frames,
        };
        // (The translator emits the entry hook for listeners that have `before` only.)
        let l = l.has(ListenerHooks::BEFORE);
        guarded("before", || l.before(&ctx, params, &iter))
    }

    /// Calls listened function `func`'s `after` with its results, if its listener has it
    /// (a replaced function's owed `after` may be of one that has `abort` only; with
    /// `HAD`, the caller knows that it has: a `ReturnListened`, which the translator emits
    /// for such listeners only); the listener sees instance `inst` through `view`.
    #[inline(always)]
    fn after<const HAD: bool>(
        self,
        view: &dyn InstanceView,
        inst: u32,
        func: u32,
        results: &[u64],
    ) -> Result<()> {
        let Some((l, definition)) = self.listener(func) else {
            return Ok(());
        };
        let ctx = CallContext {
            store: view,
            instance: inst,
            caller: None,
            definition,
        };
        match HAD {
            true => {
                let l = l.has(ListenerHooks::AFTER);
                guarded("after", || l.after(&ctx, results))
            }
            false => guarded("after", || l.after(&ctx, results)),
        }
    }
}

/// The instance `inst` as the listener API sees it, its items `held`.
fn view_of<'a>(reg: &'a Registry, inst: u32, held: &'a Held<'_>) -> View<'a> {
    View {
        reg,
        instance: Some(inst),
        held: Some(held),
    }
}

/// Calls listened function `func`'s `before` (of instance `inst`), its frame at `top` (the
/// position just after the entry hook), its callers `callers`.
fn listener_before_at(
    reg: &Registry,
    held: &Held<'_>,
    inst: u32,
    top: hot::Regs,
    callers: &[Frame],
    stack: &[u64],
    func: u32,
) -> Result<ListenerAction> {
    let Some(h) = Hooks::of(reg, inst) else {
        return Ok(ListenerAction::Continue);
    };
    let module = reg
        .instances
        .get(inst as usize)
        .and_then(|d| d.module.as_ref());
    let Some(code) = module.and_then(|m| m.code.ready(top.func)) else {
        return Err(no_code(top.func));
    };
    let end = top.fp + code.frame_slots() as usize;
    let frames = WasmFrames::at_entry(
        inst,
        (top, end),
        hot::Callers::Complete(callers),
        reg,
        stack,
    );
    let params = stack
        .get(top.fp..top.fp + code.params as usize)
        .unwrap_or(&[]);
    h.before(&view_of(reg, inst, held), inst, params, &frames, func)
}

/// Calls listened function `func`'s `after` (of instance `inst`) with its results.
fn listener_after_at(
    reg: &Registry,
    held: &Held<'_>,
    inst: u32,
    func: u32,
    results: &[u64],
) -> Result<()> {
    match Hooks::of(reg, inst) {
        Some(h) => h.after::<false>(&view_of(reg, inst, held), inst, func, results),
        None => Ok(()),
    }
}

/// The executor's items as the fast path sees them ([`hot::Env`]): memory 0, the
/// listener hooks and the GC heap, with the instance's held items.
struct FastEnv<'a, 'h> {
    held: &'a mut Held<'h>,
    /// Memory 0's index in `held.memories` (`usize::MAX`: none).
    mem: usize,
    reg: &'a Registry,
    inst: u32,
    /// The instance's listeners ([`NO_LISTENERS`] without any).
    hooks: Hooks<'a>,
    /// Whether a listener's pause is honoured.
    resumable: bool,
    /// A listener's error, for the executor.
    error: Option<Error>,
    /// The instance's types (module index space → store type), for the indirect calls.
    types: &'a [u32],
    /// The store (its GC heap, for the GC operators).
    store: &'a Store,
}

impl hot::Env for FastEnv<'_, '_> {
    fn indirect(&mut self, ty: u32, table: u32, index: u64) -> Option<u32> {
        let t = self.held.table(table)?;
        let i = match t.ty.table64 {
            true => index,
            false => index as u32 as u64,
        };
        let entry = *t.elems.get(usize::try_from(i).ok()?)?;
        let want = *self.types.get(ty as usize)?;
        match self.reg.funcs.get(entry.checked_sub(1)? as usize)? {
            FuncInst::Wasm {
                ty: have,
                instance,
                index,
            } if *instance == self.inst && *have == want => Some(*index),
            _ => None,
        }
    }

    fn gc(
        &mut self,
        op: &GcOp,
        slots: &mut [u64],
        h: usize,
    ) -> std::result::Result<(), Option<TrapCode>> {
        // (A due collection needs the whole stack and the frames: the executor's.)
        if op.allocates() && self.store.gc_due() {
            return Err(None);
        }
        let state = &self.held.state;
        gc::run(
            op,
            slots,
            h,
            &self.store.heap,
            self.reg,
            &state.datas,
            &state.elems,
        )
        .map_err(Some)
    }

    fn memory(&mut self) -> &mut [u8] {
        match self.held.memories.get_mut(self.mem) {
            Some(m) => &mut m.data,
            None => &mut [],
        }
    }

    #[inline(always)]
    fn before(
        &mut self,
        listened: u32,
        top: hot::HookTop<'_, '_>,
    ) -> std::result::Result<bool, ()> {
        let h = self.hooks;
        // (The listener sees the instance through this `FastEnv`: no `View` at each hook;
        // and the stack through `top`, read when walked.)
        let frames = HookWalk { top, env: self };
        let outcome = h.before(&*self, self.inst, top.params(), &frames, listened);
        match outcome {
            Ok(action) => Ok(matches!(action, ListenerAction::Pause) && self.resumable),
            Err(e) => {
                self.error = Some(e);
                Err(())
            }
        }
    }

    #[inline(always)]
    fn after(&mut self, listened: u32, results: &[u64]) -> std::result::Result<(), ()> {
        let h = self.hooks;
        // (The fast path calls this for a `ReturnListened` only.)
        let outcome = h.after::<true>(&*self, self.inst, listened, results);
        match outcome {
            Ok(()) => Ok(()),
            Err(e) => {
                self.error = Some(e);
                Err(())
            }
        }
    }
}

impl FastEnv<'_, '_> {
    /// The instance as the listener API sees it.
    fn view(&self) -> View<'_> {
        view_of(self.reg, self.inst, self.held)
    }
}

impl InstanceView for FastEnv<'_, '_> {
    fn instance_name(&self, inst: u32) -> &str {
        self.view().name_of(inst)
    }

    fn instance_globals(&self, inst: u32) -> Vec<(crate::types::GlobalType, u64, u64)> {
        self.view().globals_of(inst)
    }

    fn instance_memory(&self, inst: u32) -> Option<&[u8]> {
        self.view().memory_of(inst)
    }

    fn instance_table(&self, inst: u32, index: u32) -> Option<&[u64]> {
        self.view().table_of(inst, index)
    }
}

/// How a run ended, when it did not fail.
pub(crate) enum RunEnd {
    /// The outermost function returned these results.
    Finished(Vec<u64>),
    /// A listener asked to pause; `resume` continues.
    Paused,
}

/// Where a call starts: run to the end ([`invoke`]), or step by step ([`Executor::start`]).
pub(crate) enum Started {
    /// A host function ran at once.
    Done(Vec<u64>),
    /// A Wasm function, ready to run.
    Ready(Box<Executor>),
}

/// Calls store function `func` with `args`, returning its results. With a `deadline`,
/// code compiled with interrupt checks stops once it has passed.
pub(crate) fn invoke(
    store: &Store,
    func: u32,
    args: &[u64],
    deadline: Option<Instant>,
) -> Result<Vec<u64>> {
    match Executor::start(store, func, args, deadline, false)? {
        Started::Done(results) => Ok(results),
        Started::Ready(mut ex) => match ex.run(store)? {
            RunEnd::Finished(results) => Ok(results),
            // Not resumable: listeners' pause requests are ignored.
            RunEnd::Paused => unreachable!("a plain call does not pause"),
        },
    }
}

/// Calls store function `func` (a Wasm function) with `args` as [`invoke`] does, with
/// tiered compilation: every function called `tier.threshold` times on the interpreter
/// runs as compiled code from then on.
///
/// `outer`: for a function compiled code calls, the instance the whole call entered and
/// its control (its close ends the call, its stop flag stops it).
// (Only the compiler engine, where it is built, tiers.)
#[cfg_attr(
    not(any(target_arch = "x86_64", target_arch = "aarch64")),
    allow(dead_code)
)]
pub(crate) fn invoke_tiered(
    store: &Store,
    func: u32,
    args: &[u64],
    deadline: Option<Instant>,
    tier: Tier,
    outer: Option<(u32, Arc<crate::store::InstanceControl>)>,
) -> Result<Vec<u64>> {
    // A call from compiled code (a function not hot yet, often small) starts small.
    let min_slots = if outer.is_some() { 64 } else { 1024 };
    match Executor::start_with_stack(store, func, args, deadline, false, min_slots)? {
        Started::Done(results) => Ok(results),
        Started::Ready(mut ex) => {
            ex.tier = Some(tier);
            if let Some((entry, control)) = outer {
                ex.entry = entry;
                ex.control = control;
            }
            match ex.run(store)? {
                RunEnd::Finished(results) => Ok(results),
                RunEnd::Paused => unreachable!("a plain call does not pause"),
            }
        }
    }
}

/// Counts a call of defined function `def` of `module` for tiered compilation from
/// outside the interpreter (the host, compiled code): where it runs.
// (Only the compiler engine, where it is built, tiers.)
#[cfg_attr(
    not(any(target_arch = "x86_64", target_arch = "aarch64")),
    allow(dead_code)
)]
pub(crate) fn tier_up_entry(module: &WasmCode, def: u32, threshold: u32) -> Tiering {
    tier_up(&module.code, def, threshold)
}

/// Calls a listener hook, turning a panic into an error (a misbehaving listener must not
/// take the runtime down).
#[inline(always)]
pub(crate) fn guarded<T>(what: &'static str, f: impl FnOnce() -> T) -> Result<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(v) => Ok(v),
        Err(p) => Err(listener_panicked(what, p)),
    }
}

/// The error for a listener that panicked in hook `what` with payload `p`.
#[cold]
#[inline(never)]
fn listener_panicked(what: &str, p: Box<dyn std::any::Any + Send>) -> Error {
    let msg = p
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default();
    Error::new(format!("function listener panicked in {what}: {msg}"))
}

/// No Wasm frames (a host function called from outside).
pub(crate) struct NoFrames;

impl WalkFrames for NoFrames {
    fn count(&self) -> usize {
        0
    }
    fn frame(&self, _: usize) -> Option<StackFrame<'_>> {
        None
    }
}

/// Calls host function `addr` with its arguments in `buf`, around its listener's hooks;
/// `caller`: the calling instance and its locked items, if a module called; `callers`:
/// the Wasm frames below it (for its listener's stack), from whichever engine.
#[allow(clippy::too_many_arguments)]
pub(crate) fn call_host(
    store: &Store,
    reg: &Registry,
    addr: u32,
    caller: Option<(u32, &mut dyn HeldItems)>,
    buf: &mut [u64],
    params: usize,
    results: usize,
    callers: &dyn WalkFrames,
) -> Result<()> {
    let Some(FuncInst::Host {
        func: hf,
        listener,
        instance,
        ..
    }) = reg.funcs.get(addr as usize)
    else {
        return Err(Error::new("internal error: call_host on a wasm function"));
    };
    let (caller_inst, mut held) = match caller {
        Some((i, h)) => (Some(i), Some(h)),
        None => (None, None),
    };
    let (hf, listener, instance) = (hf.clone(), listener.clone(), *instance);
    // The host may keep the references it gets.
    let ty = reg.types.get(reg.funcs[addr as usize].ty());
    let mut at = 0;
    for t in ty.params() {
        if let (ValueType::AnyRef | ValueType::ExternRef, Some(v)) = (t, buf.get(at)) {
            store.pin_slots(&[*v]);
        }
        at += t.slots();
    }
    // The definition, made only for a hook the listener has.
    let hooks = listener
        .as_ref()
        .map_or(ListenerHooks::empty(), |l| l.hooks());
    let definition = std::cell::OnceCell::new();
    let definition =
        || definition.get_or_init(|| Arc::new(host_definition_of(reg, instance, addr)));
    if let Some(l) = listener
        .as_ref()
        .filter(|_| hooks.contains(ListenerHooks::BEFORE))
    {
        let def = definition();
        let view = View {
            reg,
            instance: caller_inst,
            held: held.as_deref().map(|h| h as &dyn HeldItems),
        };
        let ctx = CallContext {
            store: &view,
            instance,
            caller: caller_inst,
            definition: def,
        };
        let host = StackFrame {
            definition: def.clone(),
            source_offset: None,
            locals: &buf[..params],
            operands: &[],
            types: FrameTypes::Host,
        };
        let iter = StackIterator {
            host: Some(&host),
            wasm: callers,
        };
        guarded("before", || l.before(&ctx, &buf[..params], &iter))?;
    }
    let ctx = HostCtx {
        store,
        reg,
        instance: caller_inst,
        held: match &mut held {
            Some(h) => Some(&mut **h),
            None => None,
        },
    };
    let mut result = (hf.func)(ctx, buf).map_err(Error::into_host_trap);
    if result.is_ok() {
        // A GC reference a host function returns must be one it may pass (see
        // `Function::call`): never a forged or stale one.
        let mut at = 0;
        for t in ty.results() {
            if let (ValueType::AnyRef | ValueType::ExternRef, Some(v)) = (t, buf.get(at)) {
                if let Err(e) = store.check_host_refs(&[*v]) {
                    result = Err(Error::new(format!("host function result: {e}")).into_host_trap());
                    break;
                }
            }
            at += t.slots();
        }
    }
    let ends = match &result {
        Ok(()) => ListenerHooks::AFTER,
        Err(_) => ListenerHooks::ABORT,
    };
    if let Some(l) = listener.as_ref().filter(|_| hooks.contains(ends)) {
        let view = View {
            reg,
            instance: caller_inst,
            held: held.as_deref().map(|h| h as &dyn HeldItems),
        };
        let ctx = CallContext {
            store: &view,
            instance,
            caller: caller_inst,
            definition: definition(),
        };
        match &result {
            Ok(()) => guarded("after", || l.after(&ctx, &buf[..results]))?,
            Err(e) => guarded("abort", || l.abort(&ctx, e))?,
        }
    }
    result
}

/// The definition of host function `addr` of host module instance `instance`.
pub(crate) fn host_definition_of(
    reg: &Registry,
    instance: u32,
    addr: u32,
) -> crate::types::FunctionDefinition {
    let data = &reg.instances[instance as usize];
    let index = data
        .layout
        .funcs
        .iter()
        .position(|a| *a == addr)
        .unwrap_or(0) as u32;
    match &data.listeners {
        Some(l) if (index as usize) < l.definitions.len() => {
            (*l.definitions[index as usize]).clone()
        }
        _ => crate::store::definition(reg, instance, index),
    }
}

impl Executor {
    /// Prepares a call of store function `func` with `args` (a host function runs at
    /// once). `resumable`: listeners may pause it.
    pub(crate) fn start(
        store: &Store,
        func: u32,
        args: &[u64],
        deadline: Option<Instant>,
        resumable: bool,
    ) -> Result<Started> {
        Self::start_with_stack(store, func, args, deadline, resumable, 1024)
    }

    /// [`Self::start`] with a stack of at least `min_slots` slots to begin with (it grows
    /// as calls need).
    fn start_with_stack(
        store: &Store,
        func: u32,
        args: &[u64],
        deadline: Option<Instant>,
        resumable: bool,
        min_slots: usize,
    ) -> Result<Started> {
        let reg = store.snapshot();
        let Some(f) = reg.funcs.get(func as usize) else {
            return Err(Error::usage(format!("no function at store address {func}")));
        };
        let ty = reg.types.get(f.ty()).clone();
        let (p, r) = (ty.param_slots(), ty.result_slots());
        if args.len() != p {
            return Err(Error::usage(format!(
                "expected {p} params, but passed {}",
                args.len()
            )));
        }
        match f {
            FuncInst::Host { .. } => {
                let mut buf = vec![0u64; p.max(r)];
                buf[..p].copy_from_slice(args);
                call_host(store, &reg, func, None, &mut buf, p, r, &NoFrames)?;
                buf.truncate(r);
                Ok(Started::Done(buf))
            }
            FuncInst::Wasm {
                instance, index, ..
            } => {
                let (instance, index) = (*instance, *index);
                let data = &reg.instances[instance as usize];
                let module = data
                    .module
                    .clone()
                    .expect("wasm functions belong to modules");
                let fc = module.func_code(index)?;
                let mut ex = Executor {
                    stack: vec![0u64; (fc.max_height as usize).max(r).max(min_slots)],
                    frames: Vec::new(),
                    pc: 0,
                    fp: 0,
                    inst: instance,
                    func: index,
                    fuel: store.fuel.unwrap_or(u64::MAX),
                    entry: instance,
                    control: data.control.clone(),
                    deadline,
                    polls: 0,
                    resumable,
                    results: r as u32,
                    tail_afters: Vec::new(),
                    debug: DebugControl::default(),
                    pause_on_exceptions: false,
                    in_flight: None,
                    host_catches: Default::default(),
                    host_pause: None,
                    _calls: CallCount::new(store),
                    tier: None,
                };
                ex.stack[..p].copy_from_slice(args);
                let consts_start = (fc.params + fc.locals) as usize;
                fill_consts(&mut ex.stack, consts_start, &fc.consts);
                Ok(Started::Ready(Box::new(ex)))
            }
        }
    }

    /// Runs until the outermost function returns, traps, fails or pauses.
    ///
    /// The instance the code runs in has its items locked while it runs (see
    /// [`crate::store`]); crossing into another instance releases them first.
    pub(crate) fn run(&mut self, store: &Store) -> Result<RunEnd> {
        loop {
            if let Some(exn) = self.in_flight.take() {
                // Paused at this throw: its handler runs now.
                let reg = store.snapshot();
                if self.catch(store, &reg, &exn) {
                    continue;
                }
                return Err(self.uncaught(store, &reg, exn));
            }
            let Some(data) = store.instance(self.inst) else {
                return Err(Error::new("internal error: the call's instance is gone"));
            };
            let module = data.module.clone().expect("wasm code belongs to a module");
            let (exit, reg) = {
                let mut slot = Some(data.lock());
                let held = slot.as_mut().expect("just locked");
                // Taken once the items are held: every function whose reference the
                // items hold is in it (instantiation publishes before it lets go of
                // the items it initialised).
                let mut reg = store.snapshot();
                // The module the call entered, closed while the call was elsewhere (or
                // before it started): the call runs no more of its code. (A closed
                // module's functions stay callable through other modules' tables, as
                // WebAssembly requires of a module whose start function trapped.)
                let closed = data.control.closed().filter(|_| self.inst == self.entry);
                // A host call paused before it ran (a catchpoint) runs first; a pause
                // after one is over.
                let pending = self.host_pause.take().filter(|h| !h.after);
                let mut exit = match closed {
                    Some(code) => Exit::Error(Error::exit(code)),
                    None => match pending.and_then(|h| self.resume_host_call(store, &reg, held, h))
                    {
                        Some(exit) => exit,
                        None => self.exec(store, &mut reg, &data, held, &module),
                    },
                };
                // Hot functions of this instance (tiered) run compiled with its items
                // still held, and this code goes on after them.
                while let Exit::Native { inst, def, base } = exit {
                    if inst != self.inst {
                        break;
                    }
                    exit = match self.call_native(
                        store,
                        &reg,
                        inst,
                        def,
                        base,
                        Some((&data, &mut slot)),
                    ) {
                        Ok(()) => {
                            let held = match &mut slot {
                                Some(h) => h,
                                None => slot.insert(data.lock()),
                            };
                            self.exec(store, &mut reg, &data, held, &module)
                        }
                        Err(mut e) => {
                            e.extend_trace(self.trace(store, &reg));
                            Exit::Error(e)
                        }
                    };
                }
                (exit, reg)
            };
            let exit = match exit {
                Exit::Native { inst, def, base } => {
                    match self.call_native(store, &reg, inst, def, base, None) {
                        Ok(()) => continue,
                        Err(mut e) => {
                            // Below the compiled frames, this executor's.
                            e.extend_trace(self.trace(store, &reg));
                            Exit::Error(e)
                        }
                    }
                }
                exit => exit,
            };
            // (A memory trap's address, for the operands the debugger shows.)
            let mut trap_address = None;
            let error = match exit {
                Exit::Returned => {
                    let results = self.stack[..self.results as usize].to_vec();
                    // The host may keep the references it gets (pinned while this call
                    // still counts: no collection in between).
                    store.pin_slots(&results);
                    return Ok(RunEnd::Finished(results));
                }
                Exit::Paused => return Ok(RunEnd::Paused),
                Exit::Switch => continue,
                Exit::Throw(exn) if self.resumable && self.pause_on_exceptions => {
                    // The throw's operands in their slots, as after a trap (the slots
                    // it writes are dead once a handler runs: its label's are below).
                    self.operands_after_trap(&reg, None);
                    self.in_flight = Some(exn);
                    return Ok(RunEnd::Paused);
                }
                Exit::Throw(exn) => {
                    if self.catch(store, &reg, &exn) {
                        continue;
                    }
                    return Err(self.uncaught(store, &reg, exn));
                }
                Exit::Trap(code) => {
                    let mut e = Error::trap(code);
                    e.set_trace(self.trace(store, &reg));
                    e
                }
                Exit::MemoryTrap(access) => {
                    trap_address = Some(access.address);
                    let mut e = Error::memory_trap(access);
                    e.set_trace(self.trace(store, &reg));
                    e
                }
                // An exception from a call this executor made into another engine's
                // code: caught here as any other.
                Exit::Error(e) if e.exception().is_some_and(|x| self.catch(store, &reg, x)) => {
                    continue
                }
                Exit::Error(mut e) => {
                    if let Some(exn) = e.exception().cloned() {
                        e.describe_exception(|| crate::store::describe_exception(&reg, &exn));
                    }
                    e.set_trace(self.trace(store, &reg));
                    e
                }
                Exit::Stopped(code) => {
                    store.close(self.entry, code);
                    Error::exit(code)
                }
                Exit::Native { .. } => Error::new("internal error: a compiled call not made"),
            };
            self.debug.trapped = error.exit_code().is_none();
            if self.debug.trapped && self.resumable {
                // Only a resumable call's stack is read after a trap.
                self.operands_after_trap(&reg, trap_address);
                if self.debug.counting {
                    self.count_to_trap(&reg);
                }
            }
            self.abort_all(&reg, &error);
            return Err(error);
        }
    }

    /// Runs the call [`Exit::Native`] asked for: its arguments from, and its results to,
    /// the slots from `base` of the current frame. `lent`: the items of the instance the
    /// executor runs in, when `inst` is that instance (else no items are held).
    fn call_native<'d>(
        &mut self,
        store: &'d Store,
        reg: &Registry,
        inst: u32,
        def: u32,
        base: u32,
        lent: Option<(&'d Arc<Instance>, &mut Option<Held<'d>>)>,
    ) -> Result<()> {
        let tier = self
            .tier
            .ok_or_else(|| Error::new("internal error: a compiled call without tiering"))?;
        let data = &reg.instances[inst as usize];
        let module = data
            .module
            .as_ref()
            .ok_or_else(|| Error::new("internal error: not a Wasm module instance"))?;
        let index = module.num_imported_funcs + def;
        let addr = *data
            .layout
            .funcs
            .get(index as usize)
            .ok_or_else(|| Error::new("internal error: no such function"))?;
        let ty = reg.types.get(reg.funcs[addr as usize].ty());
        let (p, r) = (ty.param_slots(), ty.result_slots());
        let at = self.fp as usize + base as usize;
        let n = p.max(r).max(1);
        if at + n > self.stack.len() {
            return Err(Error::new(
                "internal error: a call's slots beyond the stack",
            ));
        }
        let mut small = [0u64; 16];
        let mut large = Vec::new();
        let values = if n <= small.len() {
            &mut small[..n]
        } else {
            large.resize(n, 0);
            &mut large[..]
        };
        values[..p].copy_from_slice(&self.stack[at..at + p]);
        let call = NativeCall {
            control: &self.control,
            entry: self.entry,
            inst,
            def,
            deadline: self.deadline,
        };
        tier.native.call(store, call, values, lent)?;
        self.stack[at..at + r].copy_from_slice(&values[..r]);
        Ok(())
    }

    /// Takes a checkpoint of a replay (see [`super::checkpoint`]) before the `Count` at
    /// `pc` of code `func`, the frame at `fp`, the stack `stack`: when every frame is in
    /// the instance the call entered (else the next is due one interval later).
    fn checkpoint(
        &mut self,
        stack: &[u64],
        pc: usize,
        fp: usize,
        func: u32,
        held: &Held<'_>,
        code: &ModuleCode,
    ) {
        let steps = self.debug.steps;
        let inst = self.entry;
        let here = self.inst == inst && self.frames.iter().all(|f| f.inst == inst);
        let live = code
            .ready(func)
            .map(|f| (fp + f.max_height as usize).min(stack.len()));
        let Some(cps) = self.debug.checkpoints.as_mut() else {
            return;
        };
        let (Some(live), true) = (live, here) else {
            cps.skip(steps);
            return;
        };
        let saved = Saved {
            stack: stack[..live].to_vec(),
            frames: self.frames.clone(),
            pc: pc as u32,
            fp: fp as u32,
            func,
            fuel: self.fuel,
            replayed: self.debug.replay.as_ref().map_or(0, |r| r.1),
            tail_afters: self.tail_afters.clone(),
        };
        let bytes = saved.stack.len() * 8 + std::mem::size_of_val(&saved.frames[..]);
        cps.take(steps, saved, bytes, held);
    }

    /// Turns on a replay's checkpoints, one every `interval` instructions, when the
    /// module the call entered allows them (see [`super::checkpoint`]); `Err` says why
    /// it does not.
    pub(crate) fn enable_checkpoints(
        &mut self,
        store: &Store,
        interval: u64,
    ) -> std::result::Result<(), &'static str> {
        let data = store.instance(self.entry).ok_or("the module is gone")?;
        let module = data.module.as_ref().ok_or("not a Wasm module")?;
        Checkpoints::<Saved>::possible(module)?;
        self.debug.checkpoints = Some(Checkpoints::new(interval));
        Ok(())
    }

    /// Goes back (or forward) to a replay's latest checkpoint before instruction `count`:
    /// the instance's items and the executor as they were there. `false` when there is
    /// none.
    pub(crate) fn restore_checkpoint(&mut self, store: &Store, count: u64) -> bool {
        let Some(cps) = &self.debug.checkpoints else {
            return false;
        };
        let Some(data) = store.instance(self.entry) else {
            return false;
        };
        let (steps, saved) = {
            let mut held = data.lock();
            match cps.restore(count, &mut held) {
                Some((steps, saved)) => (steps, saved.clone()),
                None => return false,
            }
        };
        if self.stack.len() < saved.stack.len() {
            self.stack.resize(saved.stack.len(), 0);
        }
        self.stack[..saved.stack.len()].copy_from_slice(&saved.stack);
        self.frames = saved.frames;
        self.pc = saved.pc;
        self.fp = saved.fp;
        self.func = saved.func;
        self.inst = self.entry;
        self.fuel = saved.fuel;
        self.tail_afters = saved.tail_afters;
        self.in_flight = None;
        self.host_pause = None;
        let d = &mut self.debug;
        d.steps = steps;
        if let Some(r) = d.replay.as_mut() {
            r.1 = saved.replayed;
        }
        d.resumed_at = None;
        d.paused_height = None;
        d.last_height = None;
        d.trapped = false;
        d.at_stop = false;
        d.watch_hit = None;
        d.pending_read = None;
        d.last_offset = None;
        for w in &mut d.watches {
            w.last = None;
        }
        true
    }

    /// A replay's checkpoints, if it takes them.
    pub(crate) fn checkpoints(&self) -> Option<&Checkpoints<Saved>> {
        self.debug.checkpoints.as_ref()
    }

    /// The code of the module the current frame runs in.
    fn current_module<'r>(&self, reg: &'r Registry) -> Option<&'r Arc<WasmCode>> {
        reg.instances
            .get(self.inst as usize)
            .and_then(|d| d.module.as_ref())
    }

    /// After a trap in plain code while counting instructions: the trapping segment's
    /// `Count` charged the operators after the trapping one too, which never ran; takes
    /// them back, so that the count ends at the trapping operator, as debug code's stop
    /// points leave it. (Its operators are found in the debug code of the same segment.)
    fn count_to_trap(&mut self, reg: &Registry) {
        let Some(module) = self.current_module(reg) else {
            return;
        };
        if module.code.is_debug(self.func) {
            return;
        }
        let Some(plain) = module.code.ready(self.func) else {
            return;
        };
        let at = (self.pc as usize).saturating_sub(1);
        let Some(start) = plain.instrs.get(..=at).and_then(|c| {
            c.iter()
                .rposition(|op| matches!(op.instr(), Instr::Count(_)))
        }) else {
            return;
        };
        let Instr::Count(k) = plain.instrs[start].instr() else {
            return;
        };
        let Some(trapping) = plain
            .offsets
            .get(at)
            .and_then(|o| o.checked_sub(module.code_section_offset as u32))
        else {
            return;
        };
        let Some((_, debug, from)) = module.switch_variant(self.func, start as u32 + 1) else {
            return;
        };
        let mut begun = 0u64;
        for op in &debug.instrs[from as usize..] {
            match op.instr() {
                Instr::DebugStep { offset, .. } => {
                    begun += 1;
                    if offset == trapping {
                        self.debug.steps = self
                            .debug
                            .steps
                            .saturating_sub((k as u64).saturating_sub(begun));
                        return;
                    }
                }
                Instr::Count(_) => return,
                _ => {}
            }
        }
    }

    /// After a trap in plain code (which keeps some operands outside their natural
    /// slots and has no stop point that recorded the height): puts the trapping
    /// instruction's operand stack in its slots, as debug code would have had it, so
    /// that the trapping frame shows it. The execution is over; its slots are only read.
    fn operands_after_trap(&mut self, reg: &Registry, trap_address: Option<u64>) {
        let Some(module) = self.current_module(reg) else {
            return;
        };
        let at = self.pc.saturating_sub(1);
        let instr = module
            .code
            .ready(self.func)
            .and_then(|f| f.instrs.get(at as usize))
            .map(|op| op.instr());
        if matches!(instr, Some(Instr::ConsumeFuel(_))) {
            // Out of fuel at a block's start, which jumps also reach (with other
            // operands than the operator before it left): no operands are shown.
            self.debug.last_height = None;
            return;
        }
        if module.code.is_debug(self.func) {
            return;
        }
        self.debug.last_height = None;
        let Some((height, lazy)) = module.operands_at(self.func, at) else {
            return;
        };
        let fp = self.fp as usize;
        let Some(frame) = self.stack.get(fp..) else {
            return;
        };
        let values: Vec<(usize, u64)> = lazy
            .iter()
            .filter(|(slot, _)| *slot < height)
            .filter_map(|(slot, l)| Some((fp + *slot as usize, l.value(frame)?)))
            .collect();
        for (slot, value) in values {
            if let Some(s) = self.stack.get_mut(slot) {
                *s = value;
            }
        }
        // A fused load's address (an `i32.add` of its operands, whose result no
        // instruction wrote: the load may even write a local, `local.set` after it) is
        // its operand, in its natural slot: the access's address, as it has no offset.
        let fused = instr.is_some_and(|i| i.is_fused_load());
        if let (true, Some(address), Some(top)) = (fused, trap_address, height.checked_sub(1)) {
            if let Some(s) = self.stack.get_mut(fp + top as usize) {
                *s = address;
            }
        }
        self.debug.last_height = Some(height);
    }

    /// Ends a paused call with `exit_code`: `abort` for every listened frame, and the
    /// module the call entered is closed.
    pub(crate) fn close(&mut self, store: &Store, exit_code: u32) -> Error {
        let error = Error::exit(exit_code);
        self.abort_all(&store.snapshot(), &error);
        store.close(self.entry, exit_code);
        error
    }

    /// Whether the last pause was the end of a budget.
    pub(crate) fn paused_by_budget(&self) -> bool {
        self.debug.out_of_budget
    }

    /// Whether the last pause was a breakpoint's only (the run or step in progress would
    /// not have stopped there).
    pub(crate) fn paused_by_breakpoint(&self) -> bool {
        self.debug.breakpoint_only && !self.debug.out_of_budget
    }

    /// Whether a breakpoint is set where the last pause is (not a budget's end).
    pub(crate) fn at_breakpoint(&self) -> bool {
        self.debug.breakpoint_hit && !self.debug.out_of_budget
    }

    /// The run or step in progress: its mode and target depth.
    pub(crate) fn step_in_progress(&self) -> (StepMode, usize) {
        (self.debug.mode, self.debug.depth)
    }

    /// Makes the last pause count as a budget's end (the slice's work is done), so that
    /// a `continue_for` goes on with the step in progress.
    pub(crate) fn mark_budget_pause(&mut self) {
        self.debug.out_of_budget = true;
        self.debug.breakpoint_only = false;
        self.debug.breakpoint_hit = false;
    }

    /// The step (mode and target depth) that the last pause, a budget's end,
    /// interrupted.
    pub(crate) fn interrupted_step(&self) -> Option<(StepMode, usize)> {
        self.debug
            .out_of_budget
            .then_some((self.debug.mode, self.debug.depth))
    }

    /// Before a resumable run in `mode` (a step's target `depth`, the current depth if
    /// `None`), with `budget` and `breakpoints` (`(instance, code offset)`):
    /// finds the functions that hold breakpoints, and moves every frame that stands at a
    /// switch point to the variant the run needs there (see `ModuleCode`'s docs): debug
    /// code where the step or a breakpoint may stop, plain code elsewhere. A frame that
    /// cannot move now (paused inside a function's debug code) moves at its next
    /// interrupt check.
    pub(crate) fn prepare(
        &mut self,
        reg: &Registry,
        mode: StepMode,
        depth: Option<usize>,
        budget: Option<u64>,
        breakpoints: &std::collections::BTreeSet<(u32, u32)>,
    ) {
        self.debug.mode = mode;
        self.debug.depth = depth.unwrap_or_else(|| self.depth());
        self.debug.breakpoints = Breakpoints::from_set(breakpoints);
        self.debug.paused_height = None;
        self.debug.budget = budget;
        self.debug.out_of_budget = false;
        self.debug.breakpoint_only = false;
        let mut bp_funcs = std::mem::take(&mut self.debug.bp_funcs);
        bp_funcs.clear();
        for &(inst, offset) in self.debug.breakpoints.iter() {
            let Some(module) = reg
                .instances
                .get(inst as usize)
                .and_then(|d| d.module.as_ref())
            else {
                continue;
            };
            let at = offset as u64 + module.code_section_offset as u64;
            if let Some(def) = module.func_at(at) {
                if !bp_funcs.contains(&(inst, def)) {
                    bp_funcs.push((inst, def));
                }
            }
        }
        self.debug.watch_hit = None;
        self.debug.at_stop = false;
        self.debug.debug_calls = !bp_funcs.is_empty()
            || !self.debug.watches.is_empty()
            || matches!(
                self.debug.mode,
                StepMode::Instruction | StepMode::Entry | StepMode::SiblingEntry
            );
        self.debug.bp_funcs = bp_funcs;
        let depth = self.frames.len();
        if let Some((id, pc)) = self.switched(reg, self.inst, self.func, self.pc, depth) {
            self.func = id;
            self.pc = pc;
            self.debug.resumed_at = None;
        }
        for i in 0..self.frames.len() {
            let f = self.frames[i];
            if let Some((id, pc)) = self.switched(reg, f.inst, f.func, f.pc, i) {
                self.frames[i].func = id;
                self.frames[i].pc = pc;
            }
        }
    }

    /// Where a frame (code id `id` of instance `inst`, continuing at `pc`, at `depth`)
    /// continues in the variant the run needs, if it must and can move: it can when it
    /// has not started (`pc` 0) or continues right after a switch point (a call, an
    /// entry hook, an interrupt check; not a segment's `Count`).
    ///
    /// A frame that stays in debug code at its entry hook then stops at its first
    /// instruction in a call-level step whatever the variant it was in, as one moved
    /// there does.
    fn switched(
        &self,
        reg: &Registry,
        inst: u32,
        id: u32,
        pc: u32,
        depth: usize,
    ) -> Option<(u32, u32)> {
        let module = reg.instances.get(inst as usize)?.module.as_ref()?;
        let code = &module.code;
        if !code.has_variants() {
            return None;
        }
        // A call that has run no instruction yet (at its start, or paused by a listener
        // at its entry hook) stops at its first instruction in a call-level step.
        let not_started = pc == 0
            || (pc == 1
                && matches!(
                    code.ready(id)?.instrs.first().map(|op| op.instr()),
                    Some(Instr::ListenerBefore(_))
                ));
        let want = self
            .debug
            .wants_debug(depth, inst, code.def_of(id), not_started);
        if want == code.is_debug(id) {
            return None;
        }
        if pc > 0
            && matches!(
                code.ready(id)?
                    .instrs
                    .get(pc as usize - 1)
                    .map(|op| op.instr()),
                Some(Instr::Count(_))
            )
        {
            // Paused at a segment's first stop point, which counted its operator: plain
            // code would count the whole segment again. (Only debug code stops there.)
            return None;
        }
        module.switch_variant(id, pc).map(|(to, _, at)| (to, at))
    }

    /// The call depth (frames below the current one).
    pub(crate) fn depth(&self) -> usize {
        self.frames.len()
    }

    /// Where the execution is: its instance, function (defined-function index) and the
    /// position of the current instruction in that function's code.
    pub(crate) fn position(&self) -> (u32, u32, u32) {
        // Paused at a throw, or before a host call: at that instruction.
        let back =
            (self.in_flight.is_some() || self.host_pause.as_ref().is_some_and(|h| !h.after)) as u32;
        (self.inst, self.func, self.pc.saturating_sub(back))
    }

    /// Lets `f` read the call stack, for inspection while paused, or after a trap (the
    /// innermost frame at the trapping instruction, with the operands of its stop point).
    pub(crate) fn with_stack_iter<R>(
        &self,
        reg: &Registry,
        f: impl FnOnce(&StackIterator<'_>) -> R,
    ) -> R {
        let module = self.current_module(reg);
        // After a trap, or paused at a throw: at that instruction, with the operands
        // it had.
        let (pc, height) = if let Some(h) = &self.host_pause {
            // At a catchpoint: the call's arguments (or results) on the operand stack.
            let back = !h.after as u32;
            (self.pc.saturating_sub(back), Some(h.height))
        } else if self.debug.trapped || self.in_flight.is_some() {
            (self.pc.saturating_sub(1), self.debug.last_height)
        } else {
            (self.pc, self.debug.paused_height)
        };
        // At a stop point the height is known; at a listener's pause (function entry)
        // the operand stack is empty.
        let end = match height {
            Some(h) => Some(self.fp as usize + h as usize),
            None => module.and_then(|m| {
                let f = m.code.ready(self.func)?;
                Some(self.fp as usize + f.frame_slots() as usize)
            }),
        };
        let frames = WasmFrames {
            top: Some(FrameAt {
                inst: self.inst,
                func: self.func,
                pc,
                fp: self.fp as usize,
                end: end.unwrap_or(self.fp as usize).min(self.stack.len()),
            }),
            callers: hot::Callers::Complete(&self.frames),
            reg,
            stack: &self.stack,
        };
        f(&StackIterator {
            host: None,
            wasm: &frames,
        })
    }

    /// The frames of this execution, innermost first, each at its current instruction.
    fn frame_list(&self, top_end: usize) -> Vec<FrameAt> {
        let mut out = Vec::with_capacity(self.frames.len() + 1);
        out.push(FrameAt {
            inst: self.inst,
            func: self.func,
            pc: self.pc.saturating_sub(1),
            fp: self.fp as usize,
            end: top_end,
        });
        let mut inner_fp = self.fp as usize;
        for f in self.frames.iter().rev() {
            out.push(FrameAt {
                inst: f.inst,
                func: f.func,
                pc: f.pc.saturating_sub(1),
                fp: f.fp as usize,
                end: inner_fp,
            });
            inner_fp = f.fp as usize;
        }
        out
    }

    /// Ends the call with `exn`, which no handler caught: its error (naming it, with the
    /// trace of where it was thrown); the execution keeps it
    /// ([`Executor::exception_in_flight`]) and the frames, and `abort`s its listeners.
    fn uncaught(&mut self, store: &Store, reg: &Registry, exn: Arc<Exception>) -> Error {
        let mut e = Error::thrown(exn.clone());
        e.describe_exception(|| crate::store::describe_exception(reg, &exn));
        // The host gets the payload.
        store.pin_slots(&exn.payload);
        e.set_trace(self.trace(store, reg));
        self.debug.trapped = true;
        if self.resumable {
            self.operands_after_trap(reg, None);
        }
        self.abort_all(reg, &e);
        self.in_flight = Some(exn);
        e
    }

    /// The exception thrown where the execution is paused (with
    /// [`Executor::set_pause_on_exceptions`]), or the one no handler caught.
    pub(crate) fn exception_in_flight(&self) -> Option<&Arc<Exception>> {
        self.in_flight.as_ref()
    }

    /// Pause at every throw, before any handler runs (resumable executions).
    pub(crate) fn set_pause_on_exceptions(&mut self, on: bool) {
        self.pause_on_exceptions = on;
    }

    /// Finds the handler of `exn`, thrown at the current position: the innermost frame
    /// with a matching clause, which continues at the clause's landing pad with the
    /// payload (and the `exnref`) in its slots. The frames above it are gone (their
    /// listeners get `abort`, as do the `after`s they owed). `false`: nothing catches it
    /// (the frames are left as they are, for the trace).
    fn catch(&mut self, store: &Store, reg: &Registry, exn: &Arc<Exception>) -> bool {
        let frames = self.frame_list(self.fp as usize);
        let mut found = None;
        'frames: for (i, frame) in frames.iter().enumerate() {
            let Some(data) = reg.instances.get(frame.inst as usize) else {
                continue;
            };
            let Some(f) = data.module.as_ref().and_then(|m| m.code.ready(frame.func)) else {
                continue;
            };
            if f.tail_sites.binary_search(&frame.pc).is_ok() {
                // A tail call's callee threw: this frame is gone in the spec's semantics.
                continue;
            }
            let (mut at, mut deepest, mut from) = (frame.pc, u32::MAX, 0);
            while let Some(k) = (from..f.handlers.len()).find(|&k| {
                let h = &f.handlers[k];
                h.start <= at && at < h.end && h.depth <= deepest
            }) {
                let h = &f.handlers[k];
                match &h.kind {
                    HandlerKind::Catch(clauses) => {
                        let matches = |c: &&Clause| {
                            c.tag
                                .is_none_or(|t| data.layout.tags.get(t as usize) == Some(&exn.tag))
                        };
                        if let Some(c) = clauses.iter().find(matches) {
                            found = Some((i, *frame, *c));
                            break 'frames;
                        }
                    }
                    HandlerKind::Delegate(None) => continue 'frames,
                    HandlerKind::Delegate(Some(d)) => {
                        at = h.start;
                        deepest = *d;
                    }
                }
                from = k + 1;
            }
        }
        let Some((i, frame, clause)) = found else {
            return false;
        };
        // The frames above the catching one unwind.
        if i > 0 {
            let error = Error::thrown(exn.clone());
            let depth = self.frames.len() - i;
            self.abort_above(reg, depth, &error);
            self.frames.truncate(depth);
            self.tail_afters.retain(|t| t.depth as usize <= depth);
        }
        self.inst = frame.inst;
        self.func = frame.func;
        self.fp = frame.fp as u32;
        let fp = frame.fp;
        if clause.tag.is_some() {
            let at = fp + clause.dst as usize;
            self.stack[at..at + exn.payload.len()].copy_from_slice(&exn.payload);
        }
        if let Some(slot) = clause.exn_slot {
            self.stack[fp + slot as usize] = store.exceptions.keep(exn.clone());
        }
        self.pc = clause.pad;
        true
    }

    /// Runs `abort` for the listened frames deeper than `depth` (innermost first) and
    /// the `after`s they owed, as [`Executor::abort_all`] does for all.
    fn abort_above(&self, reg: &Registry, depth: usize, error: &Error) {
        let frames = self.frame_list(self.fp as usize);
        let n = frames.len();
        self.abort_frames(reg, &frames[..n - 1 - depth], n, error);
    }

    /// Runs `abort` for every listened frame, innermost first, each with its instance's
    /// items locked (the caller holds none); after each frame, for the listened
    /// functions it replaced by tail calls (latest first).
    fn abort_all(&self, reg: &Registry, error: &Error) {
        let frames = self.frame_list(self.fp as usize);
        self.abort_frames(reg, &frames, frames.len(), error);
    }

    /// `abort` for `frames`, the innermost of a call's `all` frames.
    fn abort_frames(&self, reg: &Registry, frames: &[FrameAt], all: usize, error: &Error) {
        let depth_of = |i: usize| (all - 1 - i) as u32;
        for (i, frame) in frames.iter().enumerate() {
            let owed = self
                .tail_afters
                .iter()
                .rev()
                .filter(|t| t.depth == depth_of(i));
            let index_of = |data: &crate::store::Instance, func: u32| {
                data.module
                    .as_ref()
                    .map(|m| (m.num_imported_funcs + m.code.def_of(func)) as usize)
            };
            let replaced = owed.map(|t| (t.inst, Some(t.func as usize)));
            for (inst, index) in std::iter::once((frame.inst, None)).chain(replaced) {
                let Some(data) = reg.instances.get(inst as usize) else {
                    continue;
                };
                let Some(index) = index.or_else(|| index_of(data, frame.func)) else {
                    continue;
                };
                self.abort_one(reg, data, inst, index, error);
            }
        }
    }

    /// Runs `abort` of function `index` of instance `inst` (`data`), if it is listened,
    /// with the instance's items locked.
    fn abort_one(
        &self,
        reg: &Registry,
        data: &crate::store::Instance,
        inst: u32,
        index: usize,
        error: &Error,
    ) {
        let Some(listeners) = &data.listeners else {
            return;
        };
        let Some(Some(crate::store::Listened {
            listener: l,
            definition,
        })) = listeners.funcs.get(index)
        else {
            return;
        };
        let held = data.lock();
        let view = view_of(reg, inst, &held);
        let ctx = CallContext {
            store: &view,
            instance: inst,
            caller: None,
            definition,
        };
        // A panicking `abort` changes nothing: the call fails already.
        let _ = guarded("abort", || l.abort(&ctx, error));
    }

    /// Calls the `before` hook of function `func` of the current instance, at its entry.
    fn listener_before(
        &self,
        reg: &Registry,
        held: &Held<'_>,
        stack: &[u64],
        func: u32,
    ) -> Result<ListenerAction> {
        let top = hot::Regs {
            pc: self.pc as usize,
            fp: self.fp as usize,
            func: self.func,
        };
        listener_before_at(reg, held, self.inst, top, &self.frames, stack, func)
    }

    /// Runs the `after` hooks owed at the current depth (tail-called listened functions)
    /// with `results`, latest first.
    fn owed_afters(&mut self, reg: &Registry, held: &Held<'_>, results: &[u64]) -> Result<()> {
        let depth = self.frames.len() as u32;
        while let Some(t) = self.tail_afters.last().copied() {
            if t.depth != depth {
                break;
            }
            self.tail_afters.pop();
            self.listener_after(reg, held, t.func, results)?;
        }
        Ok(())
    }

    /// Calls the `after` hook of function `func` of the current instance.
    fn listener_after(
        &self,
        reg: &Registry,
        held: &Held<'_>,
        func: u32,
        results: &[u64],
    ) -> Result<()> {
        listener_after_at(reg, held, self.inst, func, results)
    }

    /// The wasm stack trace at the current position, innermost first.
    fn trace(&self, store: &Store, reg: &Registry) -> Vec<TraceFrame> {
        let mut out = Vec::new();
        let current = Frame {
            pc: self.pc,
            fp: self.fp,
            inst: self.inst,
            func: self.func,
            ip: 0,
            code: 0,
        };
        for f in std::iter::once(&current).chain(self.frames.iter().rev()) {
            let Some(data) = reg.instances.get(f.inst as usize) else {
                continue;
            };
            let Some(module) = &data.module else { continue };
            let pc = f.pc.saturating_sub(1);
            let index = module.num_imported_funcs + module.code.def_of(f.func);
            let name = match module.func_names.get(&index) {
                Some(n) => format!("{}.{}", data.name, n),
                None => format!("{}.${}", data.name, index),
            };
            let offset = module
                .code
                .ready(f.func)
                .and_then(|code| code.offsets.get(pc as usize))
                .map(|o| (*o as u64).saturating_sub(module.code_section_offset as u64));
            let sources = match offset {
                Some(o) if store.debug_info => module.source_locations(o),
                _ => Vec::new(),
            };
            out.push(TraceFrame {
                signature: format!("{name}{}", module.func_type(index)),
                code_offset: offset,
                sources,
            });
        }
        out
    }

    /// Enters store function `addr` from the generic call path (imports, indirect calls),
    /// with its arguments in the slots from `base`.
    #[allow(clippy::too_many_arguments)]
    fn enter(
        &mut self,
        store: &Store,
        reg: &mut Arc<Registry>,
        held: &mut Held<'_>,
        addr: u32,
        stack: &mut Vec<u64>,
        pc: &mut usize,
        fp: &mut usize,
        base: usize,
    ) -> Option<Exit> {
        if addr as usize >= reg.funcs.len() {
            // A function published after this run took its registry.
            *reg = store.snapshot();
        }
        let reg: &Registry = reg;
        let Some(callee) = reg.funcs.get(addr as usize) else {
            return Some(Exit::Trap(TrapCode::IndirectCallTypeMismatch));
        };
        match callee {
            FuncInst::Wasm {
                instance, index, ..
            } => {
                let (instance, index) = (*instance, *index);
                let module = reg.instances[instance as usize]
                    .module
                    .as_ref()
                    .expect("wasm code belongs to a module");
                if let Some(t) = self.tier.filter(|_| module.native.is_some()) {
                    match tier_up(&module.code, index, t.threshold) {
                        Tiering::Native => {
                            return Some(Exit::Native {
                                inst: instance,
                                def: index,
                                base: base as u32,
                            })
                        }
                        Tiering::Compile => t.native.compile_later(store, instance, index),
                        Tiering::Interpret => {}
                    }
                }
                let index = self
                    .debug
                    .callee(&module.code, self.frames.len() + 1, instance, index);
                let f = match module.func_code(index) {
                    Ok(f) => f,
                    Err(e) => return Some(Exit::Error(e)),
                };
                if self.frames.len() >= MAX_CALL_DEPTH {
                    return Some(Exit::Trap(TrapCode::CallStackExhausted));
                }
                let new_fp = *fp + base;
                if !open_frame(stack, new_fp, f) {
                    return Some(Exit::Trap(TrapCode::CallStackExhausted));
                }
                self.frames.push(Frame {
                    pc: *pc as u32,
                    fp: *fp as u32,
                    inst: self.inst,
                    func: self.func,
                    ip: 0,
                    code: 0,
                });
                if let Some(marks) = &mut self.debug.call_marks {
                    marks.get_mut().add(self.debug.steps);
                }
                *fp = new_fp;
                *pc = 0;
                self.func = index;
                if instance != self.inst {
                    self.inst = instance;
                    return Some(Exit::Switch);
                }
                None
            }
            FuncInst::Host { .. } => {
                self.host_call(store, reg, held, addr, stack, *pc, *fp, base, false, None)
            }
        }
    }

    /// Calls host function `addr` with its arguments from slot `base` of the frame at
    /// `fp` (the calling instruction just before `pc`), pausing before it runs when it is
    /// caught (unless `resumed`: the execution resumes from that pause) and after it
    /// returns. With `skip` the function does not run: these are its results.
    #[allow(clippy::too_many_arguments)]
    fn host_call(
        &mut self,
        store: &Store,
        reg: &Registry,
        held: &mut Held<'_>,
        addr: u32,
        stack: &mut Vec<u64>,
        pc: usize,
        fp: usize,
        base: usize,
        resumed: bool,
        skip: Option<Vec<u64>>,
    ) -> Option<Exit> {
        let Some(func) = reg.funcs.get(addr as usize) else {
            return Some(Exit::Trap(TrapCode::IndirectCallTypeMismatch));
        };
        let ty = reg.types.get(func.ty());
        let (p, r) = (ty.param_slots(), ty.result_slots());
        let start = fp + base;
        if start + p.max(r) > stack.len() {
            stack.resize(start + p.max(r), 0);
        }
        let caught = self.resumable && self.host_catches.contains(&addr);
        let mut pause = HostPause {
            addr,
            after: false,
            slot: start,
            params: p,
            results: r,
            height: (base + p) as u32,
            skip: None,
            args: Vec::new(),
        };
        if caught && !resumed {
            return self.pause_at_host_call(pause);
        }
        if caught {
            pause.args = stack[start..start + p].to_vec();
        }
        if self.resumable && !self.debug.watches.is_empty() {
            if let FuncInst::Host { func, instance, .. } = func {
                let abi = reg
                    .instances
                    .get(*instance as usize)
                    .and_then(|i| match &*i.name {
                        "wasi_snapshot_preview1" => Some(crate::wasi::abi::Abi::Preview1),
                        "wasi_unstable" => Some(crate::wasi::abi::Abi::Unstable),
                        _ => None,
                    });
                let memory = held
                    .memory_ix
                    .first()
                    .and_then(|m| held.memories.get(*m as usize));
                if let (Some(abi), Some(memory)) = (abi, memory) {
                    let ranges = crate::wasi::abi::input_ranges(
                        abi,
                        &func.name,
                        &stack[start..start + p],
                        &memory.data,
                    );
                    self.debug.host_reads(self.inst, &ranges, held);
                }
            }
        }
        let step = self.debug.steps;
        if let Some((log, next)) = &mut self.debug.replay {
            // Replayed: what the recorded call gave, without calling.
            let Some(event) = log.get(*next).filter(|e| e.addr == addr && e.step == step) else {
                return Some(Exit::Error(Error::new(format!(
                    "the replay went another way than the recording: host call {} at \
                     instruction {step} was not recorded there",
                    *next + 1
                ))));
            };
            *next += 1;
            if let Some(ix) = held.memory_ix.first() {
                if let Some(m) = held.memories.get_mut(*ix as usize) {
                    for (at, bytes) in &event.writes {
                        if m.data.len() < at + bytes.len() {
                            let _ = m.data.resize(at + bytes.len());
                        }
                        if let Some(dst) = m.data.get_mut(*at..at + bytes.len()) {
                            dst.copy_from_slice(bytes);
                        }
                    }
                }
            }
            if let Some(code) = event.exit {
                return Some(Exit::Error(Error::exit(code)));
            }
            if let Some(message) = &event.failed {
                return Some(Exit::Error(Error::new(message.clone())));
            }
            if let Some(results) = event.results.get(..r) {
                stack[start..start + r].copy_from_slice(results);
            }
            if caught {
                pause.after = true;
                pause.height = (base + r) as u32;
                return self.pause_at_host_call(pause);
            }
            return None;
        }
        let before = self.debug.record.as_ref().map(|_| {
            held.memory_ix
                .first()
                .and_then(|ix| held.memories.get(*ix as usize))
                .map(|m| m.data.to_vec())
                .unwrap_or_default()
        });
        let skipped = skip.is_some();
        if let Some(results) = skip {
            // Given by the debugger: the function does not run (nor pauses after).
            // (Of the function's result types: `Execution::set_host_call_results`.)
            if let Some(results) = results.get(..r) {
                stack[start..start + r].copy_from_slice(results);
            }
        } else {
            let (stack_below, buf) = stack.split_at_mut(start);
            // The caller's frame, as if the current instruction were the call.
            let top = FrameAt {
                inst: self.inst,
                func: self.func,
                pc: pc.saturating_sub(1) as u32,
                fp,
                end: start,
            };
            let inst = self.inst;
            let callers = WasmFrames {
                top: Some(top),
                callers: hot::Callers::Complete(&self.frames),
                reg,
                stack: &stack_below[..],
            };
            let caller: &mut dyn HeldItems = held;
            let result = call_host(
                store,
                reg,
                addr,
                Some((inst, caller)),
                &mut buf[..p.max(r)],
                p,
                r,
                &callers,
            );
            if let Err(e) = result {
                if let Some(log) = &mut self.debug.record {
                    log.push(HostEvent {
                        step,
                        addr,
                        results: Vec::new(),
                        writes: Vec::new(),
                        exit: e.exit_code(),
                        failed: e.exit_code().is_none().then(|| e.to_string()),
                    });
                }
                return Some(Exit::Error(e));
            }
        }
        let closed = reg.instances[self.inst as usize].control.closed();
        if let (Some(log), Some(before)) = (&mut self.debug.record, before) {
            let after = held
                .memory_ix
                .first()
                .and_then(|ix| held.memories.get(*ix as usize))
                .map(|m| &m.data[..])
                .unwrap_or_default();
            log.push(HostEvent {
                step,
                addr,
                results: stack[start..start + r].to_vec(),
                writes: memory_writes(&before, after),
                exit: closed,
                failed: None,
            });
        }
        // A host function that closed its caller (`proc_exit`) ends the call.
        if let Some(code) = closed {
            return Some(Exit::Error(Error::exit(code)));
        }
        if caught && !skipped {
            pause.after = true;
            pause.height = (base + r) as u32;
            return self.pause_at_host_call(pause);
        }
        None
    }

    /// Pauses at a caught host call (before or after it, as `pause` says).
    fn pause_at_host_call(&mut self, pause: HostPause) -> Option<Exit> {
        self.host_pause = Some(pause);
        self.debug.breakpoint_hit = false;
        self.debug.breakpoint_only = false;
        Some(Exit::Paused)
    }

    /// Runs the host call the execution paused before (its catchpoint), as the calling
    /// instruction would have.
    fn resume_host_call(
        &mut self,
        store: &Store,
        reg: &Registry,
        held: &mut Held<'_>,
        pause: HostPause,
    ) -> Option<Exit> {
        let mut stack = std::mem::take(&mut self.stack);
        let (pc, fp) = (self.pc as usize, self.fp as usize);
        let base = pause.slot.saturating_sub(fp);
        let exit = self.host_call(
            store, reg, held, pause.addr, &mut stack, pc, fp, base, true, pause.skip,
        );
        self.stack = stack;
        exit
    }

    /// The host call the execution is paused at (a catchpoint), with the stack, for
    /// reading and changing its arguments or results.
    pub(crate) fn host_pause_mut(&mut self) -> Option<(&mut HostPause, &mut [u64])> {
        let pause = self.host_pause.as_mut()?;
        Some((pause, &mut self.stack[..]))
    }

    /// The host call the execution is paused at (a catchpoint), with the stack.
    pub(crate) fn host_pause(&self) -> Option<(&HostPause, &[u64])> {
        Some((self.host_pause.as_ref()?, &self.stack[..]))
    }

    /// The watchpoints (their last values kept for those already set).
    pub(crate) fn set_watches(&mut self, mut watches: Vec<Watch>) {
        for w in &mut watches {
            if let Some(old) = self
                .debug
                .watches
                .iter()
                .find(|o| o.id == w.id && o.inst == w.inst && o.target == w.target)
            {
                w.last.clone_from(&old.last);
            }
        }
        if watches.is_empty() {
            self.debug.pending_read = None;
        }
        self.debug.watches = watches;
    }

    /// The watchpoint the execution paused at, if any.
    pub(crate) fn watch_hit(&self) -> Option<&WatchHit> {
        self.debug.watch_hit.as_ref()
    }

    /// Time travel's state (see `crate::Execution::set_recording`).
    pub(crate) fn travel(&mut self) -> &mut DebugControl {
        &mut self.debug
    }

    /// Time travel's state, to read.
    pub(crate) fn travel_state(&self) -> &DebugControl {
        &self.debug
    }

    /// The results of the last recorded host call become `results` (changed at its
    /// catchpoint after it returned, before the caller got them).
    pub(crate) fn amend_recorded_results(&mut self, results: &[u64]) {
        if let Some(event) = self.debug.record.as_mut().and_then(|r| r.last_mut()) {
            event.results = results.to_vec();
        }
    }

    /// Catch calls of these host functions (store addresses): pause before each runs and
    /// after it returns.
    pub(crate) fn set_host_catches(&mut self, addrs: std::collections::HashSet<u32>) {
        self.host_catches = addrs;
    }

    /// The hot loop, within the code of one module instance.
    fn exec(
        &mut self,
        store: &Store,
        reg: &mut Arc<Registry>,
        data: &Instance,
        held: &mut Held<'_>,
        module: &WasmCode,
    ) -> Exit {
        let layout = &data.layout;
        let code = &module.code;
        // The current function's code.
        let Some(cur) = code.ready(self.func) else {
            return Exit::Error(no_code(self.func));
        };
        let mut instrs = &cur.instrs[..];
        let n_imported = module.num_imported_funcs;
        // Memory 0 (the memory instructions other than `Wide` and the bulk ones, which
        // name theirs, use it).
        let mem = held.memory_ix.first().map_or(usize::MAX, |m| *m as usize);
        let mut stack = std::mem::take(&mut self.stack);
        let mut pc = self.pc as usize;
        let mut fp = self.fp as usize;
        // The current function (`self.func` while the loop runs).
        let mut func = self.func;

        macro_rules! trap {
            ($code:expr) => {
                break Exit::Trap($code)
            };
        }
        macro_rules! slot {
            ($s:expr) => {
                stack[fp + $s as usize]
            };
        }
        // An out-of-bounds access of `len` bytes at `address` (cold: only on the trap path)
        // of memory 0, or of the instance's memory `$m` (an index into `held.memories`).
        macro_rules! memory_trap {
            ($address:expr, $len:expr) => {
                memory_trap!($address, $len, mem)
            };
            ($address:expr, $len:expr, $m:expr) => {
                break Exit::MemoryTrap(crate::error::MemoryAccess {
                    address: $address,
                    len: $len,
                    memory_size: held.memories[$m].data.len() as u64,
                })
            };
        }
        // Memory `$m` of the module's index space, as an index into `held.memories`.
        macro_rules! memory_at {
            ($m:expr) => {
                held.memory_ix[$m as usize] as usize
            };
        }
        macro_rules! table {
            ($t:expr) => {
                held.tables[held.table_ix[$t as usize] as usize]
            };
        }
        // An index operand of table `$t`: an `i64` of a 64-bit table, else an `i32`.
        macro_rules! tix {
            ($t:expr, $v:expr) => {{
                let v: u64 = $v;
                if table!($t).ty.table64 {
                    v
                } else {
                    v as u32 as u64
                }
            }};
        }
        // The three operands of a bulk memory or table operator, at `h - 3 .. h`.
        macro_rules! three {
            ($h:expr) => {
                // (`i32`s are zero-extended in their slots; a 64-bit memory's
                // addresses and lengths are `i64`s.)
                (slot!($h - 3), slot!($h - 2), slot!($h - 1))
            };
        }

        // After a call or return within the instance: the code of `func`, which ran or
        // was entered already, so it is translated.
        macro_rules! reload {
            () => {
                match code.ready(func) {
                    Some(f) => instrs = &f.instrs,
                    None => break Exit::Error(no_code(func)),
                }
            };
        }

        // The store function at the table index in slot `$h - 1` of `$table` (trapping as
        // `call_indirect` when there is none) and the store type it must have.
        macro_rules! indirect_target {
            ($ty:expr, $table:expr, $h:expr) => {{
                let i = usize::try_from(tix!($table, slot!($h - 1))).unwrap_or(usize::MAX);
                let Some(&entry) = table!($table).elems.get(i) else {
                    trap!(TrapCode::UndefinedElement);
                };
                if entry == 0 {
                    trap!(TrapCode::UninitializedElement);
                }
                let addr = (entry - 1) as u32;
                if addr as usize >= reg.funcs.len() {
                    // A function published after this run took its registry.
                    *reg = store.snapshot();
                }
                (addr, layout.types[$ty as usize])
            }};
        }

        // Calls store function `$addr` (a host function, or any instance's) with its
        // arguments from slot `$base`.
        macro_rules! call_store_func {
            ($addr:expr, $base:expr) => {{
                self.func = func;
                let exit = self.enter(store, reg, held, $addr, &mut stack, &mut pc, &mut fp, $base);
                func = self.func;
                if let Some(exit) = exit {
                    break exit;
                }
                reload!();
            }};
        }

        // A tail call that replaces this frame: the `after` (or `abort`) a listened function
        // owes, if the translator put its `TailListened` just before the call (only a
        // replaced frame owes one: a call that does not replace it returns as any call).
        macro_rules! owe_tail {
            () => {
                if let Some(Instr::TailListened(listened)) = pc
                    .checked_sub(2)
                    .and_then(|p| instrs.get(p))
                    .map(|op| op.instr())
                {
                    self.tail_afters.push(TailAfter {
                        depth: self.frames.len() as u32,
                        inst: self.inst,
                        func: listened,
                    });
                }
            };
        }

        // A tail call of store function `$addr`, arguments from slot `$base`: a function
        // of this instance replaces this frame (as `ReturnCall`); any other is called, and
        // the `Return` after the instruction returns its results.
        macro_rules! tail_call_store_func {
            ($addr:expr, $base:expr) => {{
                let same_instance = match reg.funcs.get($addr as usize) {
                    Some(FuncInst::Wasm {
                        instance, index, ..
                    }) if *instance == self.inst => Some(*index),
                    _ => None,
                };
                match same_instance {
                    Some(def) => {
                        let at = (self.frames.len(), self.inst, def);
                        tail_enter!(self.debug.tail_callee(code, at, func), $base);
                    }
                    None => call_store_func!($addr, $base),
                }
            }};
        }

        // The store function the reference in slot `$h - 1` refers to (trapping on null)
        // and its store type.
        macro_rules! ref_target {
            ($h:expr) => {{
                let r = slot!($h - 1);
                if r == 0 {
                    trap!(TrapCode::NullReference);
                }
                let addr = (r - 1) as u32;
                if addr as usize >= reg.funcs.len() {
                    // A function published after this run took its registry.
                    *reg = store.snapshot();
                }
                match reg.funcs.get(addr as usize) {
                    Some(f) => (addr, f.ty()),
                    None => {
                        break Exit::Error(Error::new(
                            "internal error: a dangling function reference",
                        ))
                    }
                }
            }};
        }

        // A tail call of code id `$def` (this module's) with its arguments at slot
        // `$base`: they move down to the frame's base, and the callee runs in this frame.
        macro_rules! tail_enter {
            ($def:expr, $base:expr) => {{
                let def = $def;
                let f = match code.ready(def) {
                    Some(f) => f,
                    None => match module.func_code(def) {
                        Ok(f) => f,
                        Err(e) => break Exit::Error(e),
                    },
                };
                let src = fp + $base;
                stack.copy_within(src..src + f.params as usize, fp);
                if !open_frame(&mut stack, fp, f) {
                    trap!(TrapCode::CallStackExhausted);
                }
                // (The frame is replaced only now: a failure above aborts it as it is.)
                owe_tail!();
                pc = 0;
                func = def;
                instrs = &f.instrs;
            }};
        }

        // A `v128` constant of the current function (rare enough to be looked up).
        macro_rules! v128_const {
            ($idx:expr) => {
                code.ready(func)
                    .and_then(|f| f.v128_consts.get($idx as usize))
            };
        }

        let exit = loop {
            let instr = instrs[pc].instr();
            pc += 1;
            match instr {
                Instr::Unreachable => trap!(TrapCode::Unreachable),
                Instr::ListenerBefore(listened) => {
                    // `stack` is out of `self` while the loop runs: put the registers
                    // where the stack walk reads them.
                    self.pc = pc as u32;
                    self.fp = fp as u32;
                    self.func = func;
                    match self.listener_before(reg, held, &stack, listened) {
                        Ok(ListenerAction::Pause) if self.resumable => break Exit::Paused,
                        Ok(_) => {}
                        Err(e) => break Exit::Error(e),
                    }
                }
                Instr::ReturnListened {
                    src,
                    arity,
                    func: listened,
                } => {
                    let s = fp + src as usize;
                    if let Err(e) =
                        self.listener_after(reg, held, listened, &stack[s..s + arity as usize])
                    {
                        break Exit::Error(e);
                    }
                    stack.copy_within(s..s + arity as usize, fp);
                    if !self.tail_afters.is_empty() {
                        if let Err(e) = self.owed_afters(reg, held, &stack[fp..fp + arity as usize])
                        {
                            break Exit::Error(e);
                        }
                    }
                    let Some(frame) = self.frames.pop() else {
                        break Exit::Returned;
                    };
                    pc = frame.pc as usize;
                    fp = frame.fp as usize;
                    if frame.inst != self.inst {
                        func = frame.func;
                        self.inst = frame.inst;
                        break Exit::Switch;
                    }
                    if frame.func != func {
                        func = frame.func;
                        reload!();
                    }
                }
                Instr::Return { src, arity } => {
                    let s = fp + src as usize;
                    stack.copy_within(s..s + arity as usize, fp);
                    if !self.tail_afters.is_empty() {
                        if let Err(e) = self.owed_afters(reg, held, &stack[fp..fp + arity as usize])
                        {
                            break Exit::Error(e);
                        }
                    }
                    let Some(frame) = self.frames.pop() else {
                        break Exit::Returned;
                    };
                    pc = frame.pc as usize;
                    fp = frame.fp as usize;
                    if frame.inst != self.inst {
                        func = frame.func;
                        self.inst = frame.inst;
                        break Exit::Switch;
                    }
                    if frame.func != func {
                        func = frame.func;
                        reload!();
                    }
                }
                Instr::Call { func: callee, base } => {
                    if callee >= n_imported {
                        let def = callee - n_imported;
                        if let Some(t) = self.tier.filter(|_| module.native.is_some()) {
                            match tier_up(code, def, t.threshold) {
                                Tiering::Native => {
                                    break Exit::Native {
                                        inst: self.inst,
                                        def,
                                        base,
                                    }
                                }
                                Tiering::Compile => t.native.compile_later(store, self.inst, def),
                                Tiering::Interpret => {}
                            }
                        }
                        let def = self
                            .debug
                            .callee(code, self.frames.len() + 1, self.inst, def);
                        let f = match code.ready(def) {
                            Some(f) => f,
                            None => match module.func_code(def) {
                                Ok(f) => f,
                                Err(e) => break Exit::Error(e),
                            },
                        };
                        if self.frames.len() >= MAX_CALL_DEPTH {
                            trap!(TrapCode::CallStackExhausted);
                        }
                        let new_fp = fp + base as usize;
                        if !open_frame(&mut stack, new_fp, f) {
                            trap!(TrapCode::CallStackExhausted);
                        }
                        self.frames.push(Frame {
                            pc: pc as u32,
                            fp: fp as u32,
                            inst: self.inst,
                            func,
                            ip: 0,
                            code: 0,
                        });
                        if let Some(marks) = &mut self.debug.call_marks {
                            marks.get_mut().add(self.debug.steps);
                        }
                        fp = new_fp;
                        pc = 0;
                        func = def;
                        instrs = &f.instrs;
                    } else {
                        let addr = layout.funcs[callee as usize];
                        call_store_func!(addr, base as usize);
                    }
                }
                // (Read by the tail call after it, if that replaces the frame: `owe_tail!`.)
                Instr::TailListened(_) => {}
                Instr::ReturnCall { func: callee, base } => {
                    // A defined function of this module (the translator makes a call and a
                    // return of anything else): its frame replaces this one.
                    let def = callee - n_imported;
                    let at = (self.frames.len(), self.inst, def);
                    tail_enter!(self.debug.tail_callee(code, at, func), base as usize);
                }
                Instr::ReturnCallIndirect { ty, table, h } => {
                    let (addr, want) = indirect_target!(ty, table, h);
                    match reg.funcs.get(addr as usize) {
                        Some(f) if crate::store::sig_matches(f.ty(), want) => {}
                        _ => trap!(TrapCode::IndirectCallTypeMismatch),
                    }
                    let base = h as usize - 1 - reg.types.get(want).param_slots();
                    tail_call_store_func!(addr, base);
                }
                Instr::CallIndirect { ty, table, h } => {
                    let (addr, want) = indirect_target!(ty, table, h);
                    match reg.funcs.get(addr as usize) {
                        Some(f) if crate::store::sig_matches(f.ty(), want) => {}
                        _ => trap!(TrapCode::IndirectCallTypeMismatch),
                    }
                    let base = h as usize - 1 - reg.types.get(want).param_slots();
                    call_store_func!(addr, base);
                }
                Instr::Wide {
                    op,
                    h,
                    off,
                    mem: m,
                    addr64,
                } => {
                    let offset = v128_const!(off).copied().unwrap_or(0) as u64;
                    let m = memory_at!(m);
                    let data = &mut held.memories[m].data;
                    if let Err((address, len)) =
                        wide_mem(op, offset, addr64, data, &mut stack, fp + h as usize)
                    {
                        memory_trap!(address, len, m);
                    }
                }
                Instr::MemoryCopyBetween { dst, src, h } => {
                    let (d, s, n) = three!(h);
                    let (dm, sm) = (memory_at!(dst), memory_at!(src));
                    let bytes = match held.memories[sm].bytes_at(s, n) {
                        Ok(b) => b,
                        Err((at, len)) => memory_trap!(at, len, sm),
                    };
                    if let Err((at, len)) = held.memories[dm].write_at(d, &bytes) {
                        memory_trap!(at, len, dm);
                    }
                }
                Instr::CallRef { h } => {
                    let (addr, ty) = ref_target!(h);
                    let base = h as usize - 1 - reg.types.get(ty).param_slots();
                    call_store_func!(addr, base);
                }
                Instr::ReturnCallRef { h } => {
                    let (addr, ty) = ref_target!(h);
                    let base = h as usize - 1 - reg.types.get(ty).param_slots();
                    tail_call_store_func!(addr, base);
                }
                Instr::Gc { idx, h } => {
                    let Some(op) = code.ready(func).and_then(|f| f.gc.get(idx as usize)) else {
                        break Exit::Error(no_code(func));
                    };
                    if op.allocates() && store.gc_due() {
                        store.collect_garbage(self.inst, held, &stack);
                    }
                    let state = &held.state;
                    if let Err(t) = gc::run(
                        op,
                        &mut stack[fp..],
                        h as usize,
                        &store.heap,
                        reg,
                        &state.datas,
                        &state.elems,
                    ) {
                        trap!(t);
                    }
                }
                Instr::JumpIfCast { pc: t, a, idx } => {
                    let Some(GcOp::Branch { cast, .. }) = code
                        .ready(func)
                        .and_then(|f| f.gc.get((idx & !NEGATE) as usize))
                    else {
                        break Exit::Error(no_code(func));
                    };
                    let ok = gc::matches(slot!(a), cast, &crate::store::lock(&store.heap), reg);
                    if ok != (idx & NEGATE != 0) {
                        pc = t as usize;
                    }
                }
                Instr::RefAsNonNull { dst, a } => {
                    let r = slot!(a);
                    if r == 0 {
                        trap!(TrapCode::NullReference);
                    }
                    slot!(dst) = r;
                }
                Instr::Throw { tag, h } => {
                    let addr = layout.tags[tag as usize];
                    let n = reg.types.get(reg.tags[addr as usize].ty).param_slots();
                    let at = fp + h as usize;
                    break Exit::Throw(Exception::new(addr, stack[at - n..at].into()));
                }
                Instr::ThrowRef { a } => match store.exceptions.get(slot!(a)) {
                    Some(exn) => break Exit::Throw(exn),
                    None => trap!(TrapCode::NullReference),
                },
                Instr::GlobalGet { dst, global } => {
                    slot!(dst) = held.globals[held.global_ix[global as usize] as usize].value
                }
                Instr::GlobalSet { src, global } => {
                    held.globals[held.global_ix[global as usize] as usize].value = slot!(src)
                }
                // (The fast path's; here if a run ever starts at one it refuses.)
                Instr::GlobalAddC { dst, global, c } => {
                    let v = held.globals[held.global_ix[global as usize] as usize].value;
                    slot!(dst) = (v as u32).wrapping_add(c) as u64
                }
                Instr::GlobalAddSetC { dst, global, c } => {
                    let g = &mut held.globals[held.global_ix[global as usize] as usize];
                    g.value = (g.value as u32).wrapping_add(c) as u64;
                    slot!(dst) = g.value
                }
                Instr::GlobalSetAddC { a, global, c } => {
                    let v = (slot!(a) as u32).wrapping_add(c) as u64;
                    held.globals[held.global_ix[global as usize] as usize].value = v
                }
                Instr::MemorySize { dst, mem: m } => {
                    slot!(dst) = held.memories[memory_at!(m)].pages() as u64
                }
                Instr::MemoryGrow { dst, a, mem: m } => {
                    // An `i64` delta for a 64-bit memory (an `i32`'s slot is zero-extended).
                    let memory = &mut held.memories[memory_at!(m)];
                    let grown = u32::try_from(slot!(a)).ok().and_then(|d| memory.grow(d));
                    slot!(dst) = match (grown, memory.memory64) {
                        (Some(old), _) => old as u64,
                        (None, false) => u32::MAX as u64,
                        (None, true) => u64::MAX,
                    };
                }
                Instr::MemoryFill { h, mem: m } => {
                    let (d, val, n) = three!(h);
                    let m = memory_at!(m);
                    if let Err((at, len)) = held.memories[m].fill(d, val as u8, n) {
                        memory_trap!(at, len, m);
                    }
                }
                Instr::MemoryCopy { h, mem: m } => {
                    let (d, s, n) = three!(h);
                    let m = memory_at!(m);
                    if let Err((at, len)) = held.memories[m].copy(d, s, n) {
                        memory_trap!(at, len, m);
                    }
                }
                Instr::MemoryInit { seg, h, mem: m } => {
                    let (d, s, n) = three!(h);
                    let seg = held.state.datas[seg as usize].clone();
                    let m = memory_at!(m);
                    match held.memories[m].init(&seg, d, s, n) {
                        Ok(()) => {}
                        // Outside the data segment: no memory address to report.
                        Err(None) => trap!(TrapCode::OutOfBoundsMemoryAccess),
                        Err(Some((at, len))) => memory_trap!(at, len, m),
                    }
                }
                Instr::DataDrop(seg) => {
                    held.state.datas[seg as usize] = Default::default();
                }
                Instr::TableGet { table, h } => {
                    let i = usize::try_from(tix!(table, slot!(h - 1))).unwrap_or(usize::MAX);
                    match table!(table).elems.get(i) {
                        Some(v) => slot!(h - 1) = *v,
                        None => trap!(TrapCode::OutOfBoundsTableAccess),
                    }
                }
                Instr::TableSet { table, h } => {
                    let i = usize::try_from(tix!(table, slot!(h - 2))).unwrap_or(usize::MAX);
                    let v = slot!(h - 1);
                    match table!(table).elems.get_mut(i) {
                        Some(e) => *e = v,
                        None => trap!(TrapCode::OutOfBoundsTableAccess),
                    }
                }
                Instr::TableSize { table, dst } => slot!(dst) = table!(table).elems.len() as u64,
                Instr::TableGrow { table, h } => {
                    let (init, n) = (slot!(h - 2), tix!(table, slot!(h - 1)));
                    let t = &mut table!(table);
                    // -1 of the index type when it cannot grow.
                    let failed = if t.ty.table64 {
                        u64::MAX
                    } else {
                        u32::MAX as u64
                    };
                    slot!(h - 2) = t.grow(n, init).unwrap_or(failed);
                }
                Instr::TableFill { table, h } => {
                    let (i, v, n) = three!(h);
                    let (i, n) = (tix!(table, i), tix!(table, n));
                    if !table!(table).fill(i, v, n) {
                        trap!(TrapCode::OutOfBoundsTableAccess);
                    }
                }
                Instr::TableCopy { dst, src, h } => {
                    let (d, s, n) = three!(h);
                    // Each index has its table's type; the length is an `i64` only
                    // between two 64-bit tables.
                    let (d, s) = (tix!(dst, d), tix!(src, s));
                    let n = if table!(dst).ty.table64 && table!(src).ty.table64 {
                        n
                    } else {
                        n as u32 as u64
                    };
                    let (dt, st) = (
                        held.table_ix[dst as usize] as usize,
                        held.table_ix[src as usize] as usize,
                    );
                    let src_len = held.tables[st].elems.len();
                    let dst_len = held.tables[dt].elems.len();
                    let (Some(sr), Some(dr)) = (span(s, n), span(d, n)) else {
                        trap!(TrapCode::OutOfBoundsTableAccess);
                    };
                    if sr.end > src_len || dr.end > dst_len {
                        trap!(TrapCode::OutOfBoundsTableAccess);
                    }
                    if dt == st {
                        held.tables[dt].elems.copy_within(sr, dr.start);
                    } else {
                        let tmp: Vec<u64> = held.tables[st].elems[sr].to_vec();
                        held.tables[dt].elems[dr].copy_from_slice(&tmp);
                    }
                }
                Instr::TableInit { table, elem, h } => {
                    let (d, s, n) = three!(h);
                    // The segment's offset and the length are `i32`s.
                    let (d, s, n) = (tix!(table, d), s as u32 as u64, n as u32 as u64);
                    let seg = held.state.elems[elem as usize].clone();
                    if !table!(table).init(&seg, d, s, n) {
                        trap!(TrapCode::OutOfBoundsTableAccess);
                    }
                }
                Instr::ElemDrop(seg) => {
                    held.state.elems[seg as usize] = Arc::from(&[][..]);
                }
                Instr::RefNull { dst } => slot!(dst) = 0,
                Instr::RefIsNull { dst, a } => slot!(dst) = bit(slot!(a) == 0),
                Instr::RefFunc { dst, func: f } => slot!(dst) = layout.funcs[f as usize] as u64 + 1,
                Instr::V128Const { idx, dst } => {
                    let Some(&c) = v128_const!(idx) else {
                        break Exit::Error(no_code(func));
                    };
                    simd::put(&mut stack, fp + dst as usize, simd::V128::from_u128(c))
                }
                Instr::Shuffle { idx, h } => {
                    let at = fp + h as usize;
                    let (x, y) = (simd::get(&stack, at - 4), simd::get(&stack, at - 2));
                    let Some(&lanes) = v128_const!(idx) else {
                        break Exit::Error(no_code(func));
                    };
                    let r = simd::shuffle(x, y, simd::V128::from_u128(lanes));
                    simd::put(&mut stack, at - 4, r);
                }
                Instr::GlobalGet128 { dst, global } => {
                    let g = &held.globals[held.global_ix[global as usize] as usize];
                    let (lo, hi) = (g.value, g.hi);
                    slot!(dst) = lo;
                    slot!(dst + 1) = hi;
                }
                Instr::GlobalSet128 { src, global } => {
                    let (lo, hi) = (slot!(src), slot!(src + 1));
                    let g = &mut held.globals[held.global_ix[global as usize] as usize];
                    g.value = lo;
                    g.hi = hi;
                }
                Instr::CheckInterrupt => {
                    if let Some(code) = self.control.stop_requested() {
                        break Exit::Stopped(code);
                    }
                    if self.resumable && code.has_variants() {
                        // A switch point: move to the variant this frame needs now.
                        // Plain code runs where nothing could stop when the frame was
                        // entered or prepared; it only counts a run's budget (in checks),
                        // and moves to debug code to pause when the budget is spent.
                        let debug = code.is_debug(func);
                        let want = if debug {
                            // The entry check (the first) of a function whose first
                            // instruction a call-level step stops at keeps debug code.
                            let at_entry = !instrs[..pc - 1]
                                .iter()
                                .any(|op| matches!(op.instr(), Instr::CheckInterrupt));
                            self.debug.wants_debug(
                                self.frames.len(),
                                self.inst,
                                code.def_of(func),
                                at_entry,
                            )
                        } else {
                            match self.debug.budget.as_mut() {
                                Some(0) => true,
                                Some(left) => {
                                    *left -= 1;
                                    false
                                }
                                None => false,
                            }
                        };
                        if want != debug {
                            if let Some((to, target, at)) = module.switch_variant(func, pc as u32) {
                                func = to;
                                instrs = &target.instrs;
                                pc = at as usize;
                            }
                        }
                    }
                    if let Some(deadline) = self.deadline {
                        self.polls = self.polls.wrapping_add(1);
                        if self.polls.is_multiple_of(DEADLINE_POLL_INTERVAL)
                            && Instant::now() >= deadline
                        {
                            break Exit::Stopped(EXIT_CODE_DEADLINE_EXCEEDED);
                        }
                    }
                }
                Instr::DebugStep { offset, height } => {
                    self.debug.last_height = Some(height);
                    // Time travel's count and target, then the watchpoints: a stop point
                    // where both stop pauses once, for both.
                    let at = (self.inst, func, pc - 1);
                    let again = self.debug.resumed_at == Some(at);
                    let mut reached = false;
                    if self.debug.counting && self.resumable && !again {
                        // (Not again where the call paused: resuming runs this stop point
                        // a second time.)
                        self.debug.steps += 1;
                        reached = self.debug.stop_at == Some(self.debug.steps);
                    }
                    let mut hit = None;
                    if self.resumable && !self.debug.watches.is_empty() {
                        let frame = stack.get(fp..).unwrap_or(&[]);
                        hit = self
                            .debug
                            .check_watches(
                                self.inst,
                                held,
                                frame,
                                instrs.get(pc).map(|op| op.instr()).as_ref(),
                                code.ready(func).map_or(&[], |f| &f.v128_consts[..]),
                                offset,
                            )
                            .filter(|_| !again);
                    } else if reached {
                        self.debug.last_offset = Some((self.inst, offset));
                    }
                    if reached || hit.is_some() {
                        if reached {
                            self.debug.stop_at = None;
                            self.debug.at_stop = true;
                        }
                        self.debug.watch_hit = hit;
                        self.debug.breakpoint_hit = false;
                        self.debug.breakpoint_only = false;
                        self.debug.out_of_budget = false;
                        self.debug.paused_height = Some(height);
                        pc -= 1;
                        self.debug.resumed_at = Some((self.inst, func, pc));
                        break Exit::Paused;
                    }
                    // Only call-level steps ask whether this is the function's first stop.
                    let entry = matches!(self.debug.mode, StepMode::Entry | StepMode::SiblingEntry)
                        && !instrs[..pc - 1]
                            .iter()
                            .any(|op| matches!(op.instr(), Instr::DebugStep { .. }));
                    if self.resumable
                        && self.debug.should_pause(
                            (self.inst, func, pc - 1),
                            offset,
                            self.frames.len(),
                            entry,
                        )
                    {
                        self.debug.paused_height = Some(height);
                        // Paused before the instruction: resuming starts at this stop point.
                        pc -= 1;
                        self.debug.resumed_at = Some((self.inst, func, pc));
                        break Exit::Paused;
                    }
                }
                Instr::Count(k) if self.debug.counting && self.resumable => {
                    let end = self.debug.steps + k as u64;
                    if self
                        .debug
                        .checkpoints
                        .as_ref()
                        .is_some_and(|c| end >= c.next_due())
                    {
                        self.checkpoint(&stack, pc - 1, fp, func, held, code);
                    }
                    // (Debug code's `Count(0)` counts nothing: its stop points count.)
                    if k > 0 {
                        if self.debug.stop_at.is_some_and(|t| end >= t) {
                            // The target is one of this segment's operators: the debug
                            // code, which counts them one by one, runs the segment.
                            match module.switch_variant(func, pc as u32) {
                                Some((to, target, at)) => {
                                    func = to;
                                    instrs = &target.instrs;
                                    pc = at as usize;
                                }
                                None => {
                                    break Exit::Error(Error::new(
                                        "internal error: no debug code to count instructions in",
                                    ))
                                }
                            }
                        } else {
                            self.debug.steps = end;
                        }
                    }
                }
                // (Not counting: nothing to do.)
                Instr::Count(_) => {}
                Instr::ConsumeFuel(k) => match self.fuel.checked_sub(k as u64) {
                    Some(left) => self.fuel = left,
                    None => trap!(TrapCode::OutOfFuel),
                },
                _ => {
                    // Every other instruction is one of the fast path's (`super::hot`): it
                    // runs until an instruction it does not take (or a trap), calls and
                    // returns within the instance included unless a debugging step or an
                    // owed `after` needs the executor for them.
                    let Some(cur) = code.ready(func) else {
                        break Exit::Error(no_code(func));
                    };
                    let fast_calls = !(code.has_variants() && self.debug.debug_calls);
                    let returns = self.tail_afters.is_empty();
                    let budget = std::cell::Cell::new(self.debug.budget);
                    let polls = std::cell::Cell::new(self.polls);
                    let calls = fast_calls.then(|| hot::Calls {
                        funcs: code.table(),
                        n_imported,
                        inst: self.inst,
                        // Tiered: the executor makes (and counts) every call, so that
                        // the fast path's calls carry no test for it.
                        max_depth: match self.tier.is_some() && module.native.is_some() {
                            true => 0,
                            false => MAX_CALL_DEPTH,
                        },
                        returns,
                        frames: hot::Frames::new(&mut self.frames),
                        stop: &self.control.stop,
                        variants: self.resumable && code.has_variants(),
                        defined: code.defined(),
                        budget: &budget,
                        deadline: self.deadline,
                        polls: &polls,
                        marks: self.debug.call_marks.as_ref(),
                    });
                    // (Made before `env` takes the items: the fast path reads and
                    // writes the globals through these while the items stay held.)
                    let globals = data.global_slots(&mut *held);
                    let mut env = FastEnv {
                        held: &mut *held,
                        mem,
                        reg,
                        inst: self.inst,
                        hooks: Hooks::of(reg, self.inst).unwrap_or(Hooks {
                            listeners: &NO_LISTENERS,
                        }),
                        resumable: self.resumable,
                        error: None,
                        types: &layout.types,
                        store,
                    };
                    let regs = hot::Regs {
                        pc: pc - 1,
                        fp,
                        func,
                    };
                    // Plain code's `Count`s go back to the executor (above) at the
                    // segment that holds the target or the next checkpoint.
                    let counted = self.debug.counting && self.resumable;
                    let steps = std::cell::Cell::new(self.debug.steps);
                    let checkpoint = self.debug.checkpoints.as_ref().map(|c| c.next_due());
                    let limit = match (counted, self.debug.stop_at, checkpoint) {
                        (false, ..) => u64::MAX,
                        (true, t, c) => t.unwrap_or(u64::MAX).min(c.unwrap_or(u64::MAX)),
                    };
                    #[cfg(test)]
                    FAST_RUNS.with(|n| n.set(n.get() + 1));
                    let (regs, stop) = hot::run(
                        &mut stack,
                        regs,
                        cur,
                        &mut env,
                        calls.as_ref(),
                        (&steps, limit),
                        globals,
                    );
                    if counted {
                        self.debug.steps = steps.get();
                    }
                    let failed = env.error.take();
                    self.debug.budget = budget.get();
                    self.polls = polls.get();
                    pc = regs.pc;
                    fp = regs.fp;
                    if regs.func != func {
                        func = regs.func;
                        reload!();
                    }
                    match stop {
                        hot::Stop::Other => {}
                        hot::Stop::Trap(code) => trap!(code),
                        hot::Stop::Memory { address, len } => memory_trap!(address, len),
                        hot::Stop::Paused => break Exit::Paused,
                        hot::Stop::Failed => {
                            break Exit::Error(failed.unwrap_or_else(|| {
                                Error::new("internal error: a listener failed without an error")
                            }))
                        }
                        hot::Stop::Unhandled | hot::Stop::Recorded | hot::Stop::Hook => {
                            break Exit::Error(Error::new(format!(
                                "internal error: the fast path refused {:?} (not one of its \
                                 instructions, a frame smaller than its function's, or \
                                 code of another function)",
                                instrs.get(pc)
                            )))
                        }
                    }
                }
            }
        };
        self.stack = stack;
        self.func = func;
        self.pc = pc as u32;
        self.fp = fp as u32;
        exit
    }
}

#[cfg(test)]
thread_local! {
    /// How many times the executor has entered the fast path on this thread (unit tests
    /// only: what the fast path leaves to the executor shows as more runs).
    static FAST_RUNS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

#[cfg(test)]
mod fast_path_tests {
    use super::FAST_RUNS;
    use crate::{Runtime, RuntimeConfig};

    /// Runs `wat`'s export `run` with `n` on the interpreter: its result and how many
    /// times the executor entered the fast path.
    fn runs(wat: &str, n: u64) -> (Vec<u64>, u64) {
        let rt = Runtime::with_config(RuntimeConfig::interpreter());
        let m = rt.instantiate(&wat::parse_str(wat).unwrap()).unwrap();
        let f = m.exported_function("run").unwrap();
        let before = FAST_RUNS.with(|r| r.get());
        let results = f.call(&[n]).unwrap();
        (results, FAST_RUNS.with(|r| r.get()) - before)
    }

    /// Globals (a shadow stack's frame, a counter), calls through a table and the
    /// frames they open run in the fast path: a loop of them enters it a bounded number
    /// of times however long it runs (each instruction the executor took would end the
    /// run and start another).
    #[test]
    fn globals_and_calls_through_a_table_stay_in_the_fast_path() {
        let wat = r#"(module
          (memory 1)
          (global $sp (mut i32) (i32.const 65536))
          (global $count (mut i64) (i64.const 0))
          (type $t (func (param i32) (result i32)))
          (table 2 funcref) (elem (i32.const 0) $inc $frame)
          (func $inc (type $t) (i32.add (local.get 0) (i32.const 1)))
          (func $frame (type $t) (local $fp i32)
            (global.set $sp (local.tee $fp (i32.sub (global.get $sp) (i32.const 16))))
            (i32.store (local.get $fp) (local.get 0))
            (global.set $count (i64.add (global.get $count) (i64.const 1)))
            (global.set $sp (i32.add (local.get $fp) (i32.const 16)))
            (i32.load (local.get $fp)))
          (func (export "run") (param $n i64) (result i64) (local $i i32) (local $acc i32)
            (loop $l
              (local.set $acc (call_indirect (type $t) (local.get $acc)
                (i32.and (local.get $i) (i32.const 1))))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $l (i64.lt_u (i64.extend_i32_u (local.get $i)) (local.get $n))))
            (i64.add (i64.extend_i32_u (local.get $acc))
                     (i64.add (global.get $count) (i64.extend_i32_u (global.get $sp))))))"#;
        let (short, few) = runs(wat, 10);
        let (long, many) = runs(wat, 10_000);
        // acc counts the `$inc`s (every other call), `$count` the `$frame`s, and the
        // stack pointer is back where it started.
        assert_eq!(short, vec![5 + 5 + 65536]);
        assert_eq!(long, vec![5000 + 5000 + 65536]);
        // (The first calls of each function translate it, in the executor.)
        assert!(few <= 10, "{few} runs for 10 iterations");
        assert_eq!(many, few, "{many} runs for 10,000 iterations, {few} for 10");
    }
}

#[cfg(test)]
mod breakpoint_tests {
    use super::Breakpoints;

    #[test]
    fn the_filter_never_hides_a_breakpoint_and_rejects_other_offsets() {
        let b = Breakpoints::default();
        assert!(!b.contains(0, 5));
        let mut set = std::collections::BTreeSet::from([(0, 5), (1, 70_000)]);
        let b = Breakpoints::from_set(&set);
        assert!(b.contains(0, 5));
        assert!(b.contains(1, 70_000));
        assert!(!b.contains(1, 5), "another instance");
        assert!(
            !b.contains(0, 5 + 4096),
            "the same filter bit, another offset"
        );
        assert!(!b.contains(0, 6));
        set.remove(&(0, 5));
        let b = Breakpoints::from_set(&set);
        assert!(!b.contains(0, 5));
        assert!(b.contains(1, 70_000), "the other one stays");
    }
}

#[cfg(test)]
mod tier_tests {
    use super::*;
    use std::sync::atomic::Ordering::SeqCst;

    fn code() -> ModuleCode {
        let options = crate::options::CodeOptions {
            mode: Default::default(),
            fuel: false,
            interrupts: false,
            debug: false,
            count: false,
            native: true,
            features: crate::features::CoreFeatures::V3,
        };
        ModuleCode::new(options, 1)
    }

    #[test]
    fn one_call_makes_a_function_hot_and_asks_for_its_compile() {
        let code = code();
        let runs: Vec<Tiering> = (0..7).map(|_| tier_up(&code, 0, 5)).collect();
        use Tiering::*;
        assert_eq!(
            runs,
            [Interpret, Interpret, Interpret, Interpret, Compile, Interpret, Interpret]
        );
        assert_eq!(
            code.call_counts()[0].load(SeqCst),
            5,
            "no count past the threshold"
        );
        code.call_counts()[0].store(TIER_READY, SeqCst);
        assert_eq!(tier_up(&code, 0, 5), Native);
        assert_eq!(code.call_counts()[0].load(SeqCst), TIER_READY);
    }

    #[test]
    fn deep_crossings_keep_calls_on_their_engine() {
        let code = code();
        code.call_counts()[0].store(TIER_READY, SeqCst);
        assert_eq!(tier_up(&code, 0, 5), Tiering::Native);
        let nested: Vec<Crossing> = (0..MAX_CROSSINGS).map(|_| Crossing::enter()).collect();
        assert_eq!(tier_up(&code, 0, 5), Tiering::Interpret);
        drop(nested);
        assert_eq!(crossings(), 0);
        assert_eq!(tier_up(&code, 0, 5), Tiering::Native);
    }
}
