//! The interpreter's fast path: the instructions that touch nothing but the current
//! frame's slots, memory 0 and the instance's globals (numeric operators, branches, local
//! copies and constants, `select`, loads and stores, `global.get` and `global.set`,
//! `ref.null`, `ref.is_null`, `ref.as_non_null`), calls and returns within the instance
//! (direct and through a table), and GC's operators (through [`Env::gc`], unless a
//! collection is due), each run by a handler function of its own.
//!
//! The executor's loop ([`super::exec`]) takes every other instruction (calls it cannot
//! make, tables, a GC operator when a collection is due, memory growth and bulk
//! operations, and the debugging hooks). At the first fast-path
//! instruction it meets it calls [`run`], which runs handlers until an instruction that is
//! not theirs (returning its position, for the executor to run it) or a trap. A listened
//! function's entry hook (`ListenerBefore`) stops the handlers too: [`run`] calls the hook
//! itself and dispatches again ([`Cx::entry_hook`]), so that no handler saves its state
//! around the call (`listener_before` is the one handler that does not dispatch the
//! next).
//!
//! Each handler reads its instruction, runs it, and then dispatches the next one itself:
//! with `cfg(ws_tail_dispatch)` (optimised builds on x86-64 and AArch64, see `build.rs`)
//! by calling its handler in tail position, a call that LLVM makes a jump (a sibling
//! call), so that each handler ends in an indirect jump of its own (threaded code, which
//! branch predictors follow far better than the one shared jump of a `match` in a loop) and
//! the state (instruction pointer, frame pointer, memory 0) stays in the argument
//! registers; otherwise by returning the next instruction to a loop in [`run`]. This is the
//! design of wasmi 2.0's executor. Every handler has the same shape (made by one macro) and
//! holds no value whose address escapes, which is what the sibling call needs; tests run
//! long loops over the fast path's instructions in an optimised build, where native stack
//! taken per instruction would overflow (`core/tests/dispatch.rs`).
//!
//! # `unsafe`
//!
//! This module allows `unsafe` for the two pointers of the fast path (instruction and
//! frame), the executor's frames, its side of the run ([`Env`]) and the module's table of
//! code it holds while it runs,
//! and for one fact about the loads' and stores' instructions it tells the compiler,
//! with the invariants that make them sound established before it runs (by [`check`] when
//! a function is translated, and by [`run`] on entry) and `debug_assert!`ed where they are
//! relied on (the test suites run with debug assertions):
//!
//! - the instruction pointer always points at an instruction of the function's code:
//!   [`run`] checks its start; every jump target and `br_table` entry of the code is a
//!   position of the code and its last instruction is terminal (never a fast-path one), so
//!   the next instruction after a fast-path one is in the code too ([`check`]);
//! - every slot a fast-path instruction names is below the function's `max_height`
//!   ([`check`], through [`Instr::unchecked_slots_end`]; a function where it is not is
//!   refused), and the frame has at least `max_height` slots ([`run`] checks the slice it
//!   is given), so the frame pointer plus a slot is inside the frame; and the
//!   parameters, locals and constants fit in `max_height` ([`check`]), so a call zeroes
//!   and fills them unchecked;
//! - the table of code ([`CodeTable`]) holds, per code id, null or code that lives as
//!   long as the table is borrowed and is never written again (`ModuleCode` publishes
//!   each function there once translated and checked);
//! - the executor's frames ([`Frames`]) and its side of the run ([`EnvPtr`]) are each
//!   reached through one short-lived reference at a time ([`Frames::get`]'s and
//!   [`EnvPtr::get`]'s contracts); a listener's hook reads the frames and the stack
//!   through shared references only, while no handler runs ([`HookTop`]);
//! - a frame that [`Cx::call`] pushed in the current run names code of the table
//!   ([`Calls::funcs`]) that is translated, a position of that code and a frame whose
//!   `max_height` slots are in the stack (each was the running function's when pushed,
//!   and the running function's code, position and frame are always such: [`run`]
//!   checks the first, `call` and `ret` each next one), and it keeps that code's address
//!   and the position as a pointer; so the returns go back to such a frame with no check
//!   ([`Cx`]'s `trusted`: the frames there were when the run began are checked);
//! - the globals' addresses ([`Cx::global`]) are those of the `value`s of the instance's
//!   global items, which the executor holds locked while the run lasts, and no reference
//!   to a global is live while a handler reads or writes one (a listener reads them
//!   through shared references while its hook runs, when no handler does). The addresses
//!   are taken once per instance from references the item's lock gave
//!   (`Instance::global_slots`), and other code writes the globals through fresh
//!   references between runs: sound in the machine's terms (the same address, the
//!   accesses ordered by the lock and never overlapping), though not under Rust's
//!   stricter aliasing models (Stacked or Tree Borrows), which would ask every access to
//!   go through one shared cell. Compiled code reads the same addresses the same way.
//! - every memory-0 load's and store's `end` (its offset plus its width: where the
//!   access ends past its address) is at least its width ([`check`], through
//!   [`Instr::access_end`]), so the one bounds check of the access's end covers its start
//!   (`at_least!`).
//!
//! Memory 0 is a checked slice: every access is bounds-checked, as the spec requires.

#![allow(unsafe_code)]
// (`!(x < y)` on floats is meant: the branch when a comparison does not hold, NaN included.)
#![allow(clippy::neg_cmp_op_on_partial_ord)]

use std::cell::{Cell, RefCell};
use std::sync::atomic::{AtomicPtr, AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::Instant;

use super::instr::GcOp;
use super::instr::Instr;
use super::num;
use crate::error::TrapCode;

/// Why [`run`] returned. (`repr(u64)`: its words are aligned, so that copies of it are
/// whole words; an odd layout made each `run` wait on partly overlapping stores.)
#[derive(Clone, Copy, Debug)]
#[repr(u64)]
pub(crate) enum Stop {
    /// At an instruction of the executor's (the position returned is that instruction's).
    Other,
    /// The first instruction was not one of the fast path's, the frame is smaller than
    /// the function's, or the code is not the given code id's (internal errors: the
    /// executor passes none of them).
    Unhandled,
    /// A trap (the position returned is just after the trapping instruction, as the
    /// executor's own traps leave it).
    Trap(TrapCode),
    /// An access of `len` bytes at `address` outside memory 0.
    Memory { address: u64, len: u64 },
    /// A listener asked to pause (after its function's entry hook).
    Paused,
    /// A listener failed: the [`Env`] recorded the error ([`Env::before`], [`Env::after`]).
    Failed,
    /// (Within the fast path: the stop has been recorded already.)
    Recorded,
    /// (Within the fast path: the entry hook of a listened function at the position the
    /// handlers stopped at is due; [`run`] runs it, out of the handlers, and goes on. Never
    /// returned by [`run`].)
    Hook,
}

/// What the fast path asks of the executor: memory 0, the callees of indirect calls, GC's
/// operators, and the listener hooks (run with
/// no reference to memory held by the handlers, as a listener may read it; a listener
/// sees the instance through shared references only, so memory 0 is where it was after a
/// hook, and the handlers go on with the raw parts they took at the start).
pub(crate) trait Env {
    /// Memory 0's bytes (empty without one).
    fn memory(&mut self) -> &mut [u8];
    /// Calls listened function `listened`'s `before` with the current frame and its
    /// callers, which `top` gives when read: whether to pause, or `Err(())` after
    /// recording the error. (Called from [`run`], [`Cx::entry_hook`], between two runs of
    /// the handlers.)
    fn before(&mut self, listened: u32, top: HookTop<'_, '_>) -> Result<bool, ()>;
    /// Calls listened function `listened`'s `after` with its results (`Err(())` after
    /// recording the error).
    fn after(&mut self, listened: u32, results: &[u64]) -> Result<(), ()>;
    /// The function a `call_indirect` of type `ty` (module index space) calls through
    /// element `index` (its operand's slot) of table `table`, if the fast path may call
    /// it: a defined function of the run's instance (its index among the defined ones, as
    /// code ids count them) whose type is exactly `ty`. `None` for anything else
    /// (another instance's function, a host function, a subtype, a null or missing
    /// element), which the executor calls or traps on.
    fn indirect(&mut self, ty: u32, table: u32, index: u64) -> Option<u32>;
    /// Runs GC operator `op` on the frame's slots `slots`, its operands below height `h`
    /// (`super::gc::run`): `Err(None)` for the executor to run it (a collection is due:
    /// the executor makes it, with the stack it holds), `Err(Some(trap))` for its trap.
    /// (A result that fits in registers: one returned through memory would keep the
    /// handler from passing the run on to the next by a jump, and each GC operator would
    /// take native stack.)
    fn gc(&mut self, op: &GcOp, slots: &mut [u64], h: usize) -> Result<(), Option<TrapCode>>;
}

/// Writes `n` slots at `dst`: zeroes, or copies of the `n` at `src` (which do not
/// overlap them). Up to 16 inline, as two writes of a power of two slots that
/// overlap in the middle (a library call costs more than the writes for the frames
/// calls open); more by a library call.
///
/// # Safety
/// `dst .. dst + n` must be valid for writes and `src .. src + n` for reads, both
/// aligned for `u64`, and the two must not overlap.
#[inline(always)]
unsafe fn fill_slots(dst: *mut u64, src: Option<*const u64>, n: usize) {
    /// Slots `0 .. K` and `n - K .. n` (`K <= n <= 2K`: every slot, the middle twice).
    ///
    /// # Safety
    /// As [`fill_slots`]', and `K <= n`.
    #[inline(always)]
    unsafe fn ends<const K: usize>(dst: *mut u64, src: Option<*const u64>, n: usize) {
        debug_assert!(K <= n && n <= 2 * K);
        // SAFETY: `0 .. K` and `n - K .. n` are within `0 .. n` (`K <= n`), which the
        // caller gives valid and aligned (`[u64; K]` has `u64`'s alignment).
        unsafe {
            let (a, b) = match src {
                Some(s) => (*s.cast::<[u64; K]>(), *s.add(n - K).cast::<[u64; K]>()),
                None => ([0; K], [0; K]),
            };
            *dst.cast::<[u64; K]>() = a;
            *dst.add(n - K).cast::<[u64; K]>() = b;
        }
    }
    // SAFETY: the caller's contract, for every arm.
    unsafe {
        match n {
            0 => {}
            1..=2 => ends::<1>(dst, src, n),
            3..=4 => ends::<2>(dst, src, n),
            5..=8 => ends::<4>(dst, src, n),
            9..=16 => ends::<8>(dst, src, n),
            _ => match src {
                Some(s) => std::ptr::copy_nonoverlapping(s, dst, n),
                None => std::ptr::write_bytes(dst, 0, n),
            },
        }
    }
}

/// A position in the code: a pointer to one of its instructions.
type Ip = *const Op;

/// A handler: runs the instruction at the position it is given (its own instruction),
/// then the rest of the run (or returns the next position to [`run`]'s loop).
/// The last argument is the accumulators ([`Fr`], [`Acc`]): the value an instruction that
/// leaves its result in one passes to the next one, which takes it from there.
type HandlerFn = fn(Ip, *mut u64, Mem, &Cx<'_>, Acc) -> Ip;

/// The accumulators ([`Fr`]): the integer one, and the float one, which holds an `f64`
/// for the float operators ([`FIN`], [`FOUT`]) so that a value made by one and used by the
/// next stays in a float register. (Two scalars: the handlers get and pass them in one
/// integer and one float register.)
#[derive(Clone, Copy, Debug, Default)]
struct Acc {
    /// The integer accumulator.
    i: u64,
    /// The float accumulator.
    f: f64,
}

impl Acc {
    /// Nothing in either accumulator.
    const ZERO: Acc = Acc { i: 0, f: 0.0 };
}

/// An instruction of translated code with the handler that runs it in the fast path
/// (`exit` for the executor's instructions): dispatch is one load and one jump.
///
/// Invariant (what the handlers' `unsafe` match relies on): `handler` is always
/// `handler_of(&instr)` (`call_small` for a `Call`, `call_indirect` for a `CallIndirect`,
/// `return_few`, `return_listened` for a `Return`, `ReturnListened` of 0 to 2 result
/// slots, `listener_before` for a `ListenerBefore`), `call_marked` for a `Call`, `call_indirect_marked` for a `CallIndirect`, or the same
/// instruction's handler in an accumulator mode (`acc_handler_of`) — [`Op::new`],
/// [`Op::new_counted`] and [`Op::with_mode`] are the only ways to make one, and neither
/// field is ever written after.
#[derive(Clone, Copy)]
pub(crate) struct Op {
    handler: HandlerFn,
    instr: Instr,
}

impl Op {
    /// `instr` with its handler.
    pub(crate) fn new(instr: Instr) -> Self {
        Op {
            handler: handler_of(&instr),
            instr,
        }
    }

    /// `instr` with its handler, in code that counts the operators it runs (code
    /// compiled for debugging, `CodeOptions::count`): its `Call`s add to a recorded
    /// run's call marks ([`CallMarks`]), which plain code's calls never test for.
    pub(crate) fn new_counted(instr: Instr) -> Self {
        let handler = match instr {
            Instr::Call { .. } => call_marked as HandlerFn,
            Instr::CallIndirect { .. } => call_indirect_marked,
            _ => handler_of(&instr),
        };
        Op { handler, instr }
    }

    /// `instr` with its handler in accumulator mode `mode` (see [`Fr`]; 0: none), if it
    /// has that mode (then `counted` does not matter: no `Call` has one).
    pub(crate) fn with_mode(instr: Instr, mode: u8, counted: bool) -> Option<Self> {
        // (Holding the accumulator is passing it on, as every handler does.)
        let mode = mode & !HELD;
        if mode == 0 {
            return Some(match counted {
                true => Op::new_counted(instr),
                false => Op::new(instr),
            });
        }
        Some(Op {
            handler: acc_handler_of(&instr, mode)?,
            instr,
        })
    }

    /// The instruction.
    #[inline(always)]
    pub(crate) fn instr(&self) -> Instr {
        self.instr
    }
}

impl std::fmt::Debug for Op {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.instr.fmt(f)
    }
}

/// Runs the instruction at `ip` with its handler.
#[inline(always)]
fn dispatch(ip: Ip, frame: *mut u64, mem: Mem, cx: &Cx<'_>, acc: Acc) -> Ip {
    debug_assert!(
        cx.position(ip) < cx.cur.get().instrs.len(),
        "position outside the code"
    );
    // SAFETY: `ip` points at an instruction of the code (the module's docs).
    let handler = unsafe { (*ip).handler };
    handler(ip, frame, mem, cx, acc)
}

/// The handler of instructions the fast path does not run: it stops at them (for the
/// executor), or at the run's first position says that the run could not start.
#[inline(never)]
fn exit(ip: Ip, _: *mut u64, _: Mem, cx: &Cx<'_>, _: Acc) -> Ip {
    let why = if ip == cx.start {
        Stop::Unhandled
    } else {
        Stop::Other
    };
    cx.stop(why, ip)
}

/// Memory 0 as the handlers hold it: its bytes' address and length (from
/// [`Env::memory`] when the run starts; kept across listener hooks, which read memory
/// through shared references only, so it is where it was after one).
#[derive(Clone, Copy)]
struct Mem {
    ptr: *mut u8,
    len: usize,
}

impl Mem {
    fn of(bytes: &mut [u8]) -> Self {
        Mem {
            ptr: bytes.as_mut_ptr(),
            len: bytes.len(),
        }
    }

    /// The `N` bytes at `at`, if they are in the memory. (Through a checked slice: the
    /// raw reads, with a local for their result, kept the handlers' last call from being
    /// a jump in test builds.)
    #[inline(always)]
    fn read<const N: usize>(self, at: u64) -> Option<[u8; N]> {
        self.read_to(at.checked_add(N as u64)?)
    }

    /// The `N` bytes that end at `end` (exclusive), if they are in the memory: one check
    /// (of `end`) where [`Mem::read`]'s `at..` and then its first `N` would be two. The
    /// loads and stores compute `end` (their address and their instruction's `end`, its
    /// offset plus `N`: two `u32`s, no overflow) and not `at`, which their traps derive:
    /// so `end` is one addition, and the access is at `end - N`, a displacement.
    #[inline(always)]
    fn read_to<const N: usize>(self, end: u64) -> Option<[u8; N]> {
        let end = usize::try_from(end).ok()?;
        self.slice().get(..end)?.last_chunk::<N>().copied()
    }

    /// Writes `bytes` at `at`: `false` if they are not all in the memory.
    #[inline(always)]
    fn write<const N: usize>(self, at: u64, bytes: [u8; N]) -> bool {
        match at.checked_add(N as u64) {
            Some(end) => self.write_to(end, bytes),
            None => false,
        }
    }

    /// Writes `bytes` to end at `end` (exclusive): `false` if they are not all in the
    /// memory. (One check, as [`Mem::read_to`].)
    #[inline(always)]
    fn write_to<const N: usize>(self, end: u64, bytes: [u8; N]) -> bool {
        let Ok(end) = usize::try_from(end) else {
            return false;
        };
        match self
            .slice()
            .get_mut(..end)
            .and_then(|s| s.last_chunk_mut::<N>())
        {
            Some(d) => {
                *d = bytes;
                true
            }
            None => false,
        }
    }

    /// The memory as a checked slice (for the SIMD operators).
    #[allow(clippy::mut_from_ref)]
    fn slice(&self) -> &mut [u8] {
        // SAFETY: `ptr` points at `len` bytes of memory 0, and no other reference to them
        // is live while this one is.
        unsafe { std::slice::from_raw_parts_mut(self.ptr, self.len) }
    }
}

// The handlers' building blocks. Each names the frame pointer and context (and memory, and
// position) it works on: they are used in the bodies given to `handlers!`, whose names
// these are.
macro_rules! slot {
    ($f:ident, $cx:ident, $s:expr) => {
        *{
            let s = $s as usize;
            debug_assert!(s < $cx.frame_len(), "slot outside the frame");
            // SAFETY: a fast-path instruction's slots are below `max_height`
            // ([`check`]), and the frame has at least that many (`run`).
            unsafe { &mut *$f.p.add(s) }
        }
    };
}
// The frame as a checked slice (for the SIMD operators, which address it by height).
macro_rules! frame_slice {
    ($f:expr, $cx:ident) => {
        // SAFETY: the frame pointer points at `frame_len` slots of the stack (`run`), and
        // no other reference to them is live while this one is.
        unsafe { std::slice::from_raw_parts_mut($f, $cx.frame_len()) }
    };
}
/// What a handler of mode `M` takes an operand from, or gives its result to, instead of
/// its slot: the accumulator. Operand `a` (the first) comes from it with `IN_A`, operand `b`
/// (the second; a store's value) with `IN_B`; with `OUT` the result goes to it (and not to
/// `dst`), with `TEE` to it and to `dst`.
pub(crate) const IN_A: u8 = 1;
/// See [`IN_A`].
pub(crate) const IN_B: u8 = 2;
/// See [`IN_A`].
pub(crate) const OUT: u8 = 4;
/// See [`IN_A`].
pub(crate) const TEE: u8 = 8;
/// With [`IN_A`] or [`IN_B`]: the operand comes from the float accumulator ([`Acc::f`],
/// an `f64`'s bits), not the integer one.
pub(crate) const FIN: u8 = 16;
/// With [`OUT`] or [`TEE`]: the result goes to the float accumulator, not the integer one.
pub(crate) const FOUT: u8 = 32;
/// The instruction holds the accumulator for a later one: it gives nothing, and the value
/// an instruction before it gave (with [`TEE`]) stays there for the next instruction that
/// holds it or takes it (a `br_table`'s index three instructions after the load that
/// made it, past a bounds check). Only instructions that fall through and never hand the
/// run to the executor hold ([`has_mode`]); a run never starts at one.
pub(crate) const HELD: u8 = 64;

/// The current frame and the accumulators, as a handler of mode `M` ([`IN_A`]) holds them.
///
/// The accumulator is a value passed from one handler to the next in a register (the
/// handlers' last argument, [`Acc`]) instead of through a slot of the frame: an
/// instruction with `OUT` leaves its result there, and the next instruction, which has
/// `IN_A` or `IN_B`, takes it from there. Through a slot, the next handler's load has to
/// wait for the store before it (wasmi 2.0's executor passes values in registers the same
/// way). There are two: the integer one, and the float one for `f64`s (with [`FOUT`] the
/// result goes there, with [`FIN`] the operand comes from there), where an `f64` operator
/// computes on it without moving it between the integer and float registers (two
/// transfers of two or three cycles each on x86-64). An instruction takes from the one the
/// instruction before gave to. (An `f64` is moved there as the bits it is; on x86-64,
/// AArch64 and wasm32 that keeps every bit, a signalling NaN's too. A target whose `f64`s
/// go through x87 registers would quiet them.)
///
/// The translator gives an instruction `OUT` or `TEE` only when the next one reads that
/// result from the slot it writes (or, with `TEE`, one up to four after, the ones between
/// holding it, [`HELD`]), and nothing jumps to the next one
/// ([`CompiledFunc::modes`], checked by [`check`]); `OUT` when nothing reads that slot
/// after the next one (the slot is above the operand stack, or the next instruction
/// overwrites it), `TEE` otherwise (a local, or a value still on the stack: the next one
/// does not wait on the store). With `OUT` the slot is never read, but when the next
/// instruction traps: it then writes the value there ([`Fr::spill`]), so that the
/// trap's operand stack shows it as unfused code would.
#[derive(Clone, Copy)]
struct Fr<const M: u8> {
    /// The frame pointer.
    p: *mut u64,
    /// The accumulators.
    acc: Acc,
}

impl<const M: u8> Fr<M> {
    /// Operand `a` (in slot `s`, or the accumulator with [`IN_A`]).
    #[inline(always)]
    fn a(&self, cx: &Cx<'_>, s: u32) -> u64 {
        self.operand(cx, s, IN_A)
    }

    /// Operand `b` (in slot `s`, or the accumulator with [`IN_B`]).
    #[inline(always)]
    fn b(&self, cx: &Cx<'_>, s: u32) -> u64 {
        self.operand(cx, s, IN_B)
    }

    /// The operand in slot `s`, or the accumulator if the mode has `bit`.
    #[inline(always)]
    fn operand(&self, cx: &Cx<'_>, s: u32, bit: u8) -> u64 {
        if M & bit != 0 {
            if M & FIN != 0 {
                self.acc.f.to_bits()
            } else {
                self.acc.i
            }
        } else {
            slot!(self, cx, s)
        }
    }

    /// Gives the result `v` (to slot `dst`, or to the accumulator with [`OUT`]).
    #[inline(always)]
    fn set(&mut self, cx: &Cx<'_>, dst: u32, v: u64) {
        if M & (OUT | TEE) != 0 {
            if M & FOUT != 0 {
                self.acc.f = f64::from_bits(v);
            } else {
                self.acc.i = v;
            }
        }
        if M & OUT == 0 {
            slot!(self, cx, dst) = v;
        }
    }

    /// At a trap: the operand the accumulator holds to its slot (`a`'s with [`IN_A`],
    /// `b`'s with [`IN_B`]).
    #[inline(always)]
    fn spill(&self, cx: &Cx<'_>, a: u32, b: u32) {
        let v = if M & FIN != 0 {
            self.acc.f.to_bits()
        } else {
            self.acc.i
        };
        if M & IN_A != 0 {
            slot!(self, cx, a) = v;
        }
        if M & IN_B != 0 {
            slot!(self, cx, b) = v;
        }
    }
}

/// A caller's saved registers.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Frame {
    /// Where to continue in the caller. (A frame [`Cx::call`] pushes has `inst`
    /// [`Frame::UNCOMPLETED`] and `pc` and `func` 0 until the run ends: they are derived
    /// from `ip` and `code` then, [`Cx::complete_frames`], so that a call stores less; a
    /// listener's entry hook derives what it reads of them, [`HookFrames`]. Such frames
    /// are always the top ones: each is pushed on top, and completing completes all of
    /// them.)
    pub(crate) pc: u32,
    pub(crate) fp: u32,
    pub(crate) inst: u32,
    /// The caller: a code id of the instance's module.
    pub(crate) func: u32,
    /// `pc` as the fast path's instruction pointer (the address of the instruction), in
    /// a frame [`Cx::call`] pushed; 0 in the executor's. Read only in a frame the current
    /// run pushed (a return to a trusted one, see [`Cx`]'s `trusted`, whose jump then waits
    /// on one load, not on the caller's code; and [`Cx::complete_frames`]): a frame left
    /// by an earlier run keeps its values, which nothing reads.
    pub(crate) ip: usize,
    /// The caller's code (the address of its `CompiledFunc`), in a frame [`Cx::call`]
    /// pushed; 0 in the executor's. Read only as `ip` is.
    pub(crate) code: usize,
}

impl Frame {
    /// `inst` of a frame [`Cx::call`] pushed and [`Cx::complete_frames`] has not completed
    /// yet (no instance has this index).
    pub(crate) const UNCOMPLETED: u32 = u32::MAX;
}

/// The frames the fast path gives a listener's entry hook while its run goes on
/// ([`Env::before`]; outermost first): those the run pushed are not completed yet
/// ([`Frame::UNCOMPLETED`]), and [`Callers::get`] derives what is read of them, so a
/// listener that does not walk the stack costs no completion. Made only by
/// [`HookTop::callers`] for the hook it runs, so it never outlives the run (whose code it
/// may read).
#[derive(Clone, Copy)]
pub(crate) struct HookFrames<'a>(&'a [Frame]);

/// What a listener's entry hook reads of the run it is called from ([`Env::before`]):
/// the listened function's frame, its callers and the stack, each derived when read (a
/// listener that reads none of them costs nothing for them). Made only by [`Cx::before`]
/// for the hook it runs, while no handler runs and none holds a reference into the stack
/// or the frames; it does not outlive the hook. Its methods must never reach `Cx::env`
/// (nor [`Cx::before`], [`Cx::after`], [`Cx::indirect`]): the hook runs within a call of
/// an [`Env`] method, [`EnvPtr::get`]'s contract.
#[derive(Clone, Copy)]
pub(crate) struct HookTop<'h, 'a> {
    cx: &'h Cx<'a>,
    /// The instruction after the entry hook.
    next: Ip,
}

impl<'h> HookTop<'h, '_> {
    /// The listened function's registers (the position just after its entry hook), its
    /// parameters' count and the stack position after its locals and constants.
    pub(crate) fn regs(&self) -> (Regs, usize, usize) {
        let f = self.cx.cur.get();
        let fp = self.cx.fp.get();
        let regs = Regs {
            pc: self.cx.position(self.next),
            fp,
            func: f.id,
        };
        (regs, f.params as usize, fp + f.frame_slots() as usize)
    }

    /// The listened function's parameters.
    pub(crate) fn params(&self) -> &'h [u64] {
        let fp = self.cx.fp.get();
        let n = self.cx.cur.get().params as usize;
        debug_assert!(n <= self.cx.frame_len(), "parameters outside the frame");
        // SAFETY: the parameters fit in the function's `max_height` slots ([`check`]),
        // which the current frame has in the stack; no handler holds a reference into it
        // while the hook runs ([`HookTop`]'s contract).
        unsafe { std::slice::from_raw_parts(self.cx.stack.add(fp), n) }
    }

    /// The whole value stack.
    pub(crate) fn stack(&self) -> &'h [u64] {
        // SAFETY: the stack is the run's (`stack_len` slots at `stack`), and no handler
        // holds a reference into it while the hook runs ([`HookTop`]'s contract): the
        // hook's shared references are the only ones until it returns.
        unsafe { std::slice::from_raw_parts(self.cx.stack, self.cx.stack_len) }
    }

    /// The callers' frames (outermost first), those the run pushed not completed.
    pub(crate) fn callers(&self) -> HookFrames<'h> {
        // SAFETY: `Cx::frames` is the run's frames (`Calls::frames`), which no handler
        // uses while the hook runs ([`HookTop`]'s contract), so shared references to them
        // are the only ones until it returns ([`Frames::get`]'s contract).
        HookFrames(unsafe { &*self.cx.frames })
    }
}

/// The callers' frames (outermost first) as a listener's frame walker reads them.
#[derive(Clone, Copy)]
pub(crate) enum Callers<'a> {
    /// The executor's, between runs: all complete (every run completes the frames it
    /// pushed when it ends, [`Cx::complete_frames`]).
    Complete(&'a [Frame]),
    /// Those a run gives its entry hook, with the run's instance (that of the frames it
    /// pushed).
    Hook(HookFrames<'a>, u32),
}

impl Callers<'_> {
    /// How many frames.
    pub(crate) fn len(&self) -> usize {
        match self {
            Callers::Complete(f) => f.len(),
            Callers::Hook(f, _) => f.0.len(),
        }
    }

    /// Frame `i` (outermost first), completed. (A frame not completed among the
    /// executor's, which no run leaves but one a panic ended, reads as of no instance:
    /// the walker skips it.)
    pub(crate) fn get(&self, i: usize) -> Option<Frame> {
        let (mut f, run) = match self {
            Callers::Complete(frames) => {
                let f = *frames.get(i)?;
                debug_assert!(f.inst != Frame::UNCOMPLETED, "a frame no run completed");
                return Some(f);
            }
            Callers::Hook(frames, run) => (*frames.0.get(i)?, *run),
        };
        if f.inst == Frame::UNCOMPLETED {
            // SAFETY: `HookFrames` are made only by `HookTop::callers`, for the hook `Cx::before` runs
            // while its run goes on: a frame not completed was pushed by `call` in that
            // run, of its instance, and its code lives for the run (`trusted_code`'s
            // contract).
            let code = unsafe { Cx::trusted_code(f) };
            f.pc = Cx::trusted_pc(f, code) as u32;
            f.func = code.id;
            f.inst = run;
        }
        Some(f)
    }
}

/// The executor's registers the fast path reads and moves: the position in the current
/// function's code, its frame, and the function (a code id).
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub(crate) struct Regs {
    pub(crate) pc: usize,
    pub(crate) fp: usize,
    pub(crate) func: u32,
}

/// What the fast path needs to run calls and returns within the instance itself. Without
/// it (or when a call or return needs more: another instance, an import, a function not
/// translated yet, a deeper stack, an `after` owed by a tail call), they stop the run, and
/// the executor runs them.
pub(crate) struct Calls<'a> {
    /// The module's code by code id (`ModuleCode`'s: the fast path sits below
    /// `ModuleCode` itself).
    pub(crate) funcs: CodeTable<'a>,
    /// The module's imported functions (defined ones come after them).
    pub(crate) n_imported: u32,
    /// The instance (for the frames pushed).
    pub(crate) inst: u32,
    /// Most frames. (0 under tiered compilation: the executor makes every call, and
    /// counts it.)
    pub(crate) max_depth: usize,
    /// Whether a `Return` may run here: no `after` is owed by a tail call.
    pub(crate) returns: bool,
    /// The executor's frames ([`Frames`]).
    pub(crate) frames: Frames<'a>,
    /// The instance's stop request (non-zero: stop), read at every interrupt check.
    pub(crate) stop: &'a AtomicU64,
    /// Whether interrupt checks are switch points between two variants of each function
    /// (a resumable call of code compiled for debugging): the fast path then runs the
    /// checks of plain code (code ids below `defined`), counting `budget`.
    pub(crate) variants: bool,
    /// The module's defined functions (code ids from it on are debug code).
    pub(crate) defined: u32,
    /// Checks of plain code left before the run must move to debug code to pause.
    pub(crate) budget: &'a Cell<Option<u64>>,
    /// The call's deadline, if any, and the interrupt polls so far (the clock is read
    /// every [`DEADLINE_POLL_INTERVAL`]th, by the executor).
    pub(crate) deadline: Option<Instant>,
    pub(crate) polls: &'a Cell<u32>,
    /// A recorded run's calls, where they began ([`CallMarks`]).
    pub(crate) marks: Option<&'a RefCell<CallMarks>>,
}

/// A module's code by code id, each set once (translated and checked): the code in
/// `OnceLock`s, and pointers to it that the fast path reads (one load per call and return,
/// where a `OnceLock`'s `get` adds an atomic load of its state that the compiler must
/// keep). Its fields are private, so that a pointer is only ever null or set by
/// [`Funcs::publish`] to code of its own `OnceLock`, which is never written again.
/// (Each function's code is boxed: a module of thousands of functions, most never
/// called, keeps 16 bytes for each of those (and the pointer in `ready`), where an
/// unboxed `OnceLock` of the cache-line-aligned code took 256.)
#[derive(Debug)]
pub(crate) struct Funcs {
    code: Box<[OnceLock<Box<CompiledFunc>>]>,
    ready: Box<[AtomicPtr<CompiledFunc>]>,
}

impl Funcs {
    /// `n` code ids, none set.
    pub(crate) fn new(n: usize) -> Self {
        Funcs {
            code: (0..n).map(|_| OnceLock::new()).collect(),
            ready: (0..n)
                .map(|_| AtomicPtr::new(std::ptr::null_mut()))
                .collect(),
        }
    }

    /// The number of code ids.
    pub(crate) fn len(&self) -> usize {
        self.code.len()
    }

    /// The code of code id `id`, if it is set.
    #[inline(always)]
    pub(crate) fn get(&self, id: u32) -> Option<&CompiledFunc> {
        self.code.get(id as usize)?.get().map(|c| &**c)
    }

    /// Sets code id `id` (below [`Funcs::len`]) to `code`, if it was not set: the code it
    /// has then.
    pub(crate) fn publish(&self, id: u32, mut code: CompiledFunc) -> &CompiledFunc {
        code.id = id;
        let code: &CompiledFunc = self.code[id as usize].get_or_init(|| Box::new(code));
        // (Release: whoever reads the pointer with `Acquire` sees the code.)
        self.ready[id as usize].store(std::ptr::from_ref(code).cast_mut(), Ordering::Release);
        code
    }

    /// The table the fast path reads.
    pub(crate) fn table(&self) -> CodeTable<'_> {
        CodeTable { ready: &self.ready }
    }
}

/// A module's code as the fast path reads it ([`Funcs::table`]): per code id, null or
/// code that lives as long as the table is borrowed and is never written again.
#[derive(Clone, Copy)]
pub(crate) struct CodeTable<'a> {
    ready: &'a [AtomicPtr<CompiledFunc>],
}

impl<'a> Calls<'a> {
    /// The code of code id `id`, if it is translated.
    #[inline(always)]
    fn code(&self, id: u32) -> Option<&'a CompiledFunc> {
        self.funcs.code(id)
    }
}

impl<'a> CodeTable<'a> {
    /// The code of code id `id`, if it is translated.
    #[inline(always)]
    fn code(&self, id: u32) -> Option<&'a CompiledFunc> {
        let p = self.ready.get(id as usize)?.load(Ordering::Acquire);
        // SAFETY: a pointer of the table is null or points at code that lives for `'a`
        // and is never written again ([`CodeTable`], made only by [`Funcs::table`]);
        // `Acquire` pairs with the `Release` that set it.
        unsafe { p.as_ref() }
    }
}

/// The executor's frames, as the fast path holds them while it runs: `call` pushes to
/// them, the returns pop, [`Cx::complete_frames`] completes the frames `call` pushed, and
/// a listener's entry hook reads them ([`HookFrames`]) (all through [`Frames::get`], or [`Cx::frames`]
/// with its contract). (A plain pointer, where a
/// `RefCell` cost every call and return a test and two writes of its flag: the fast path
/// runs one handler at a time, each uses the frames only within [`Frames::get`]'s
/// borrow, and a hook is given a shared slice that ends with the hook.)
pub(crate) struct Frames<'a> {
    frames: *mut Vec<Frame>,
    _borrow: std::marker::PhantomData<&'a mut Vec<Frame>>,
}

impl<'a> Frames<'a> {
    /// The frames `frames`, held (borrowed) by the fast path for `'a`.
    pub(crate) fn new(frames: &'a mut Vec<Frame>) -> Self {
        Frames {
            frames,
            _borrow: std::marker::PhantomData,
        }
    }

    /// The frames, for one step of one handler.
    ///
    /// # Safety
    /// No other reference this gave is used while this one is (a handler is done with it
    /// before it runs a hook that is given the frames, takes them again, or dispatches
    /// the next handler).
    #[inline(always)]
    #[allow(clippy::mut_from_ref)]
    unsafe fn get(&self) -> &mut Vec<Frame> {
        // SAFETY: `frames` is borrowed mutably for `'a` (`new`), only the fast path's
        // handlers, running one at a time, reach it, and the caller uses no other
        // reference to it meanwhile.
        unsafe { &mut *self.frames }
    }

    /// The frames' address (for [`Cx::frames`], which the calls and returns read without
    /// `Calls`).
    fn ptr(&self) -> *mut Vec<Frame> {
        self.frames
    }
}

/// The executor's side ([`Env`]) as the fast path holds it while it runs: the entry and
/// return hooks ([`Cx::before`], [`Cx::after`]), the indirect calls ([`Cx::indirect`])
/// and the `Gc` handler reach it, each for one call of one of its methods ([`EnvPtr::get`]'s contract). (A
/// plain pointer, where a `Cell<Option<&mut dyn Env>>` taken out and put back cost each
/// hook and indirect call a test, three writes, and two registers the handler saved
/// around the call.)
struct EnvPtr<'a> {
    env: *mut (dyn Env + 'a),
    _borrow: std::marker::PhantomData<&'a mut (dyn Env + 'a)>,
}

impl<'a> EnvPtr<'a> {
    /// `env`, held (borrowed) by the fast path for `'a`.
    fn new(env: &'a mut (dyn Env + 'a)) -> Self {
        EnvPtr {
            env,
            _borrow: std::marker::PhantomData,
        }
    }

    /// The executor's side, for one call of one of its methods.
    ///
    /// # Safety
    /// No other reference this gave is in use: the caller calls one method with it and
    /// keeps it no longer. (An `Env` method cannot take another: it is given scalars,
    /// slices of the stack, a `GcOp` of the code, and a [`HookTop`], whose `&Cx` is private to this module and
    /// whose methods read the stack, the frames and the current function only, never
    /// `Cx::env` nor anything that reaches it.)
    #[inline(always)]
    #[allow(clippy::mut_from_ref)]
    unsafe fn get(&self) -> &mut (dyn Env + 'a) {
        // SAFETY: `env` is borrowed mutably for `'a` (`new`), only the fast path's
        // handlers and `run`'s `Cx::entry_hook`, one at a time, reach it (through their
        // `Cx`), and the caller uses no other reference to it meanwhile.
        unsafe { &mut *self.env }
    }
}

/// Where a recorded run began its calls (a timeline's marks): per bucket of
/// `1 << shift` instructions, how many calls began in it. At most [`CallMarks::MAX`]
/// buckets: past that they double in size, so a run of any length takes a few kB.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct CallMarks {
    shift: u32,
    /// `(bucket index, calls)`, in order.
    buckets: Vec<(u64, u64)>,
}

impl CallMarks {
    /// The most buckets kept.
    pub(crate) const MAX: usize = 2048;

    /// A call begun at instruction count `at` (counts only grow).
    pub(crate) fn add(&mut self, at: u64) {
        let b = at >> self.shift;
        match self.buckets.last_mut() {
            Some((k, n)) if *k == b => *n += 1,
            _ => {
                self.buckets.push((b, 1));
                while self.buckets.len() > Self::MAX {
                    self.shift += 1;
                    let mut merged: Vec<(u64, u64)> = Vec::with_capacity(self.buckets.len());
                    for &(k, n) in &self.buckets {
                        match merged.last_mut() {
                            Some((m, c)) if *m == k >> 1 => *c += n,
                            _ => merged.push((k >> 1, n)),
                        }
                    }
                    self.buckets = merged;
                }
            }
        }
    }

    /// `(first instruction count of the bucket, calls begun in it)`, in order.
    pub(crate) fn marks(&self) -> Vec<(u64, u64)> {
        self.buckets
            .iter()
            .map(|&(k, n)| (k << self.shift, n))
            .collect()
    }
}

/// How often (in interrupt polls) a deadline reads the clock.
pub(crate) const DEADLINE_POLL_INTERVAL: u32 = 1024;

/// What every handler reads besides its registers: the code, the stack, and where the
/// run stops.
struct Cx<'a> {
    /// The current function's first instruction (of `cur.instrs`: jumps read it).
    base: Cell<*const Op>,
    /// The current function.
    cur: Cell<&'a CompiledFunc>,
    /// Where [`run`] started.
    start: Ip,
    /// The whole value stack.
    stack: *mut u64,
    stack_len: usize,
    /// The current frame. (The current function's code id is `cur`'s.)
    fp: Cell<usize>,
    calls: Option<&'a Calls<'a>>,
    /// The executor's side ([`EnvPtr`]).
    env: EnvPtr<'a>,
    /// Set when the handlers stop: read by [`run`] each time they return to it (a
    /// `Stop::Hook` is cleared there, once the hook ran) and at the end.
    stop: Cell<Option<Stop>>,
    /// The executor's frames when the run began: a frame above them was pushed by
    /// [`Cx::call`] in this run, with the code that was running then (`Frame::code`, code
    /// the run may hold for `'a`: its first, or code of the table), a position of it
    /// (`Frame::ip`) and a frame in the stack with room for that code's slots, so the
    /// returns trust it (`usize::MAX`: none is trusted; so it is when the fast path makes
    /// no returns: no `calls`, or not `Calls::returns`, so that a return tests one
    /// number). A checked return lowers it to the frames it leaves: every frame pushed
    /// after it is the run's too.
    trusted: Cell<usize>,
    /// `Calls::frames` (an empty list of the run's own without `calls`): the calls and
    /// the returns' handlers read it here, with [`Frames::get`]'s contract.
    frames: *mut Vec<Frame>,
    /// The frames when the run began (0 without `calls`). Those from the lower of it and
    /// `trusted` up were pushed by this run ([`Cx::complete_frames`]).
    start_frames: usize,
    /// `calls`' code table, imported functions and most frames (an empty table, 0 and 0
    /// without `calls`: every call then stops, for the executor), here so that a call
    /// reads them without `calls`.
    table: CodeTable<'a>,
    n_imported: u32,
    max_depth: usize,
    /// The operators begun so far ([`Instr::Count`]), and the count at which the run
    /// must leave plain code (the executor then moves it to debug code, to stop before
    /// that operator).
    steps: &'a Cell<u64>,
    limit: u64,
    /// The address of each global's value, module index space
    /// ([`crate::store::Instance::global_slots`]) of the instance the run is in, whose
    /// items the executor holds while the run lasts ([`Cx::global`]).
    globals: &'a [usize],
    /// The accumulators between handlers when they return to [`run`]'s loop (without
    /// `cfg(ws_tail_dispatch)`; with it, it is their argument).
    #[cfg_attr(ws_tail_dispatch, allow(dead_code))]
    acc: Cell<Acc>,
}

impl<'a> Cx<'a> {
    /// Ends the run at `ip` for `why`: for `Other` (and `Unhandled`) the instruction the
    /// executor runs next; for the other stops the instruction that stopped, and [`run`]
    /// returns the position after it. (Not the position after it here: a handler then
    /// keeps the next instruction's address in a register for its stop as well as for
    /// its dispatch, which made loads and stores save and restore one.) (`Hook`: [`run`]
    /// runs the entry hook at `ip` and goes on.)
    #[inline(always)]
    fn stop(&self, why: Stop, ip: Ip) -> Ip {
        self.stop.set(Some(why));
        ip
    }

    /// The current frame's size in slots (for the debug assertions).
    fn frame_len(&self) -> usize {
        self.stack_len - self.fp.get()
    }

    /// The instruction at position `t` of the current function, a jump target of its code.
    #[inline(always)]
    fn at(&self, t: u32) -> Ip {
        debug_assert!(
            (t as usize) < self.cur.get().instrs.len(),
            "jump outside the code"
        );
        // SAFETY: `t` is a jump target of the code, a position of it ([`check`]).
        unsafe { self.base.get().add(t as usize) }
    }

    /// The `br_table` entry `i` after the `br_table` before `next`.
    #[inline(always)]
    fn skip(&self, next: Ip, i: u32) -> Ip {
        debug_assert!(self.position(next) + (i as usize) < self.cur.get().instrs.len());
        // SAFETY: `i` is at most the table's length, and each of its entries is a position
        // of the code ([`check`]).
        unsafe { next.add(i as usize) }
    }

    /// The position of `ip` in the current function's code.
    fn position(&self, ip: Ip) -> usize {
        (ip as usize - self.base.get() as usize) / std::mem::size_of::<Op>()
    }

    /// `call` of function `callee` (module index space) with its arguments from slot
    /// `base`, continuing at `ret` after it: the callee's first instruction and frame, or
    /// `Stop::Other` for the executor to make the call.
    #[inline(always)]
    fn call<const MARKED: bool, const SMALL: bool>(
        &self,
        callee: u32,
        base: u32,
        ret: Ip,
    ) -> Result<(Ip, *mut u64), Stop> {
        let def = callee.checked_sub(self.n_imported).ok_or(Stop::Other)?;
        let f = self.table.code(def).ok_or(Stop::Other)?;
        // SAFETY: the only reference to the frames until the push below (`Cx::frames`).
        let frames = unsafe { &mut *self.frames };
        let fp = self.fp.get();
        let new_fp = fp + base as usize;
        if frames.len() >= self.max_depth || new_fp + f.max_height as usize > self.stack_len {
            return Err(Stop::Other);
        }
        // (`SMALL`: what needs no call of a library function: at most two locals and two
        // constants, and room for the frame; `Stop::Other` otherwise, and the handler
        // calls the general one, [`Call`].)
        if SMALL && (f.locals > 2 || f.consts.len() > 2 || frames.len() == frames.capacity()) {
            return Err(Stop::Other);
        }
        debug_assert!(!f.instrs.is_empty() && f.frame_slots() <= f.max_height);
        // The frame as `open_frame` makes it: locals zeroed, constants in place.
        let locals = new_fp + f.params as usize;
        let consts = locals + f.locals as usize;
        // SAFETY: `params + locals + consts <= max_height` ([`check`]) and
        // `new_fp + max_height <= stack_len` (above): both ranges are in the new frame,
        // which is in the stack; constants come from their own allocation. With `SMALL`,
        // `locals <= 2` and `consts <= 2` (checked above), so the arms past 2 are never
        // reached (and no library call is left in).
        unsafe {
            let (dst, n) = (self.stack.add(locals), f.locals as usize);
            match n {
                0 => {}
                1 => *dst = 0,
                2 => *dst.cast::<[u64; 2]>() = [0; 2],
                _ if SMALL => std::hint::unreachable_unchecked(),
                _ => fill_slots(dst, None, n),
            }
            let (dst, src, n) = (self.stack.add(consts), f.consts.as_ptr(), f.consts.len());
            match n {
                0 => {}
                1 => *dst = *src,
                2 => *dst.cast::<[u64; 2]>() = *src.cast::<[u64; 2]>(),
                _ if SMALL => std::hint::unreachable_unchecked(),
                _ => fill_slots(dst, Some(src), n),
            }
        }
        // (`pc`, `inst` and `func` follow from `ip` and `code`: `complete_frames`.)
        let frame = Frame {
            pc: 0,
            fp: fp as u32,
            inst: Frame::UNCOMPLETED,
            func: 0,
            ip: ret as usize,
            code: self.cur.get() as *const CompiledFunc as usize,
        };
        if SMALL {
            debug_assert!(frames.len() < frames.capacity());
            // SAFETY: `len < capacity` (checked above): the slot after the last frame is
            // allocated, and becomes the last frame. (The length is read again for the
            // new one, not kept: kept, it took a register the handler saved.)
            unsafe {
                frames.as_mut_ptr().add(frames.len()).write(frame);
                frames.set_len(frames.len() + 1);
            }
        } else {
            frames.push(frame);
        }
        self.fp.set(new_fp);
        self.base.set(f.instrs.as_ptr());
        self.cur.set(f);
        // (Only code compiled for debugging has `Call`s that mark: `call_marked`.)
        if MARKED {
            if let Some(marks) = self.calls.and_then(|c| c.marks) {
                marks.borrow_mut().add(self.steps.get());
            }
        }
        // SAFETY: `new_fp + max_height <= stack_len` (checked above): the new frame is in
        // the stack, and has the room its code's slots need.
        Ok((f.instrs.as_ptr(), unsafe { self.stack.add(new_fp) }))
    }

    /// Runs listened function `listened`'s entry hook (the next instruction at `next`), or
    /// says why to stop (`Stop::Other` without the executor's frames: it runs the hook
    /// then). (From [`Cx::entry_hook`], between two runs of the handlers: the hook is one
    /// dynamic call with scalar arguments, and what the listener reads of the run is
    /// derived when it reads it, [`HookTop`].)
    #[inline(always)]
    fn before(&self, listened: u32, next: Ip) -> Result<(), Stop> {
        if self.calls.is_none() {
            return Err(Stop::Other);
        }
        // SAFETY: for this one call of an `Env` method (`EnvPtr::get`'s contract).
        let env = unsafe { self.env.get() };
        match env.before(listened, HookTop { cx: self, next }) {
            // (Tested first: one test of the outcome on the way on.)
            Ok(false) => Ok(()),
            outcome => Err(match outcome {
                Ok(_) => Stop::Paused,
                Err(()) => Stop::Failed,
            }),
        }
    }

    /// After the handlers stopped at `at`: if they stopped for the entry hook there
    /// (`Stop::Hook`, at a `ListenerBefore`), runs it and gives the position to go on at
    /// (the stop cleared); else, or if the hook stops the run, `None`, the stop recorded.
    #[inline(always)]
    fn entry_hook(&self, at: Ip) -> Option<Ip> {
        if !matches!(self.stop.get(), Some(Stop::Hook)) {
            return None;
        }
        // SAFETY: a handler stops with `Stop::Hook` only at its own instruction, a
        // position of the code (the module's docs).
        let op = unsafe { *at };
        let Instr::ListenerBefore(listened) = op.instr else {
            debug_assert!(false, "an entry hook's stop at {:?}", op.instr);
            self.stop.set(Some(Stop::Unhandled));
            return None;
        };
        // SAFETY: a fast-path instruction is never the code's last (that one is
        // terminal), so the next is in the code too.
        let next = unsafe { at.add(1) };
        match self.before(listened, next) {
            Ok(()) => {
                self.stop.set(None);
                Some(next)
            }
            Err(stop) => {
                self.stop.set(Some(stop));
                None
            }
        }
    }

    /// Runs listened function `listened`'s `after` hook with the `arity` results at slot
    /// `src` of the current frame, at `frame`. (In the handler itself, unlike
    /// [`Cx::before`], which runs from [`Cx::entry_hook`].)
    #[inline(always)]
    fn after(&self, listened: u32, frame: *mut u64, src: u32, arity: u32) -> Result<(), Stop> {
        debug_assert!(
            (src + arity) as usize <= self.frame_len(),
            "a result outside the frame"
        );
        debug_assert_eq!(
            frame,
            self.stack.wrapping_add(self.fp.get()),
            "not the frame"
        );
        // SAFETY: `src + arity` is at most the function's `max_height`
        // (`Instr::unchecked_slots_end`, [`check`]), and the current frame has that many
        // slots; no handler holds a reference into the stack while the hook runs.
        let results =
            unsafe { std::slice::from_raw_parts(frame.add(src as usize), arity as usize) };
        // SAFETY: for this one call of an `Env` method (`EnvPtr::get`'s contract).
        let env = unsafe { self.env.get() };
        env.after(listened, results).map_err(|()| Stop::Failed)
    }

    /// The value of global `index` (of the run's instance), or `Stop::Other` for an
    /// index the table does not have (never, for validated code: the executor then
    /// runs the instruction). The pointer is valid for reads and writes of a `u64`:
    /// it is the `value` (at offset 0, `repr(C)`) of a `GlobalInst` in an item the
    /// executor holds locked for the whole run (`run`'s caller), at an address that
    /// stays for the instance's life; the handlers hold no reference to it, and a
    /// listener reads it through a shared reference only while its hook runs, when no
    /// handler does.
    #[inline(always)]
    fn global(&self, index: u32) -> Result<*mut u64, Stop> {
        match self.globals.get(index as usize) {
            Some(&at) if at != 0 => Ok(at as *mut u64),
            _ => Err(Stop::Other),
        }
    }

    /// The callee of a `call_indirect` ([`Env::indirect`]) and its code's parameter
    /// slots, or `Stop::Other` for the executor to make the call.
    #[inline(always)]
    fn indirect(&self, ty: u32, table: u32, index: u64) -> Result<(u32, u32), Stop> {
        // (No call is made here without `calls`, or under tiered compilation: no look.)
        if self.max_depth == 0 {
            return Err(Stop::Other);
        }
        // SAFETY: for this one call of an `Env` method (`EnvPtr::get`'s contract).
        let def = unsafe { self.env.get() }.indirect(ty, table, index);
        let def = def.ok_or(Stop::Other)?;
        let f = self.table.code(def).ok_or(Stop::Other)?;
        let callee = def.checked_add(self.n_imported).ok_or(Stop::Other)?;
        Ok((callee, f.params))
    }

    /// A segment's `Count(k)`: `k` more operators begun, or `Stop::Other` (nothing
    /// counted) when the count limit falls within them, for the executor to move to the
    /// debug code that counts them one by one.
    #[inline(always)]
    fn count(&self, k: u32) -> Result<(), Stop> {
        let n = self.steps.get() + k as u64;
        if n >= self.limit {
            return Err(Stop::Other);
        }
        self.steps.set(n);
        Ok(())
    }

    /// An interrupt check (`CheckInterrupt`): nothing to do, or `Stop::Other` for the
    /// executor to make it (a stop requested, debug code, a spent budget, the clock to
    /// read). Nothing is counted when it stops, so the executor's check counts once.
    #[inline(always)]
    fn check(&self) -> Result<(), Stop> {
        let Some(calls) = self.calls else {
            return Err(Stop::Other);
        };
        if calls.stop.load(Ordering::Relaxed) != 0 {
            return Err(Stop::Other);
        }
        let polls = calls.polls.get().wrapping_add(1);
        if calls.deadline.is_some() && polls.is_multiple_of(DEADLINE_POLL_INTERVAL) {
            return Err(Stop::Other);
        }
        if calls.variants {
            if self.cur.get().id >= calls.defined {
                return Err(Stop::Other);
            }
            match calls.budget.get() {
                Some(0) => return Err(Stop::Other),
                Some(left) => calls.budget.set(Some(left - 1)),
                None => {}
            }
        }
        if calls.deadline.is_some() {
            calls.polls.set(polls);
        }
        Ok(())
    }

    /// The code of `caller`, the frame a `return` goes to, if the fast path can go there
    /// (a frame of this instance, its code translated, its position in that code and its
    /// frame in the stack).
    #[inline(always)]
    fn caller_code(&self, calls: &Calls<'a>, caller: Frame) -> Result<&'a CompiledFunc, Stop> {
        if caller.inst != calls.inst {
            return Err(Stop::Other);
        }
        let f = calls.code(caller.func).ok_or(Stop::Other)?;
        if caller.pc as usize >= f.instrs.len()
            || caller.fp as usize + f.max_height as usize > self.stack_len
        {
            return Err(Stop::Other);
        }
        Ok(f)
    }

    /// `return` of the `arity` values at slot `src` (after listened function `listened`'s
    /// `after` hook, if given): the caller's instruction and frame, or `Stop::Other` for
    /// the executor to return (hook and all: the hook runs only once the return is known
    /// to be the fast path's).
    #[inline(always)]
    fn ret(
        &self,
        frame: *mut u64,
        src: u32,
        arity: u32,
        listened: Option<u32>,
    ) -> Result<(Ip, *mut u64), Stop> {
        let calls = self.calls.ok_or(Stop::Other)?;
        if !calls.returns {
            return Err(Stop::Other);
        }
        // SAFETY: not used past the look at the top frame (the hook below sees none).
        let frames = unsafe { calls.frames.get() };
        let n = frames.len();
        let caller = *frames.last().ok_or(Stop::Other)?;
        let (f, pc) = if n > self.trusted.get() {
            // SAFETY: the frame was pushed by `call` in this run (`Cx::trusted`), with the
            // code that was running, which lives for `'a` (the run's first code, or code
            // of the table); its position is one of that code, and its frame and
            // `max_height` fit in the stack (checked when it became current).
            let f = unsafe { Self::trusted_code(caller) };
            let pc = Self::trusted_pc(caller, f);
            debug_assert!(
                caller.fp as usize + f.max_height as usize <= self.stack_len,
                "a trusted frame's frame"
            );
            (f, pc)
        } else {
            (self.caller_code(calls, caller)?, caller.pc as usize)
        };
        if let Some(listened) = listened {
            // (The hook sees no frames: the reference above is not used past it.)
            self.after(listened, frame, src, arity)?;
        }
        // SAFETY: the only reference to the frames now.
        unsafe { calls.frames.get() }.truncate(n - 1);
        self.trusted.set(self.trusted.get().min(n - 1));
        Ok(self.move_to(caller.fp as usize, pc, f, frame, src, arity))
    }

    /// The code of a frame `call` pushed in this run.
    ///
    /// # Safety
    /// `caller` was pushed by [`Cx::call`] in this run (it is above `Cx::trusted`, or
    /// above the lower of it and `start_frames`): its `code` is the address of code that
    /// lives for `'a`.
    #[inline(always)]
    unsafe fn trusted_code(caller: Frame) -> &'a CompiledFunc {
        debug_assert!(caller.code != 0 && caller.ip != 0, "a frame call pushed");
        // SAFETY: see the function's contract.
        unsafe { &*(caller.code as *const CompiledFunc) }
    }

    /// The position of a frame `call` pushed (its `ip`) in its code `f`.
    fn trusted_pc(caller: Frame, f: &CompiledFunc) -> usize {
        let pc = (caller.ip - f.instrs.as_ptr() as usize) / std::mem::size_of::<Op>();
        debug_assert!(pc < f.instrs.len(), "a trusted frame's position");
        pc
    }

    /// Completes the frames this run pushed ([`Frame::pc`]: only `ip`, `code` and `fp`
    /// were stored), for the executor, once the run ends. They are the top frames down to
    /// the first complete one ([`Frame::UNCOMPLETED`]). (A listener's entry hook reads
    /// them as they are, [`HookFrames`].)
    #[inline(never)]
    fn complete_frames(&self) {
        let Some(calls) = self.calls else {
            return;
        };
        // SAFETY: the only reference to the frames until this returns.
        let frames = unsafe { calls.frames.get() };
        // (No frame below this was pushed by the run: `start_frames`, or `trusted`, which
        // a return lowers to the frames it leaves.)
        let low = self.trusted.get().min(self.start_frames);
        for frame in frames.iter_mut().skip(low).rev() {
            if frame.inst != Frame::UNCOMPLETED {
                break;
            }
            // SAFETY: the frame was pushed by `call` in this run (it is above `low`), so
            // its code lives for `'a` (`trusted_code`'s contract).
            let f = unsafe { Self::trusted_code(*frame) };
            frame.pc = Self::trusted_pc(*frame, f) as u32;
            frame.func = f.id;
            frame.inst = calls.inst;
        }
    }

    /// Moves to the caller (frame `cfp`, position `cpc` of code `f`, its frame popped
    /// already) with the `arity` results at slot `src` of the current frame.
    #[inline(always)]
    fn move_to(
        &self,
        cfp: usize,
        cpc: usize,
        f: &'a CompiledFunc,
        frame: *mut u64,
        src: u32,
        arity: u32,
    ) -> (Ip, *mut u64) {
        debug_assert!(
            (src + arity) as usize <= self.frame_len(),
            "results outside the frame"
        );
        if arity == 1 {
            // SAFETY: slots `src .. src + arity` are below `max_height`
            // (`Instr::unchecked_slots_end` of the returns, [`check`]), and the frame has
            // that many.
            unsafe { *frame = *frame.add(src as usize) };
        } else if arity > 1 {
            copy_results(frame, src, arity);
        }
        self.fp.set(cfp);
        self.base.set(f.instrs.as_ptr());
        self.cur.set(f);
        // SAFETY: `cpc` is a position of the caller's code and `cfp + max_height` is in the
        // stack (both checked by `caller_code`, or by `call` and `run` for a trusted
        // frame).
        unsafe { (f.instrs.as_ptr().add(cpc), self.stack.add(cfp)) }
    }
}

fn f32v(x: u64) -> f32 {
    f32::from_bits(x as u32)
}
fn f64v(x: u64) -> f64 {
    f64::from_bits(x)
}
fn r32(f: f32) -> u64 {
    f.to_bits() as u64
}
fn r64(f: f64) -> u64 {
    f.to_bits()
}
pub(crate) fn bit(c: bool) -> u64 {
    c as u64
}

/// Runs the current function's code `cur` from `regs` (its position, frame and code id)
/// on the value stack `stack` with memory 0 `mem` (empty without one), calls and returns
/// within the instance too with `calls`, until an instruction that is not the fast path's
/// or a trap: the registers to continue with, and why it stopped. `Count`s add to
/// `steps` until `limit` falls within one (it stops there, for the executor).
/// `globals` is the instance's [`crate::store::Instance::global_slots`], whose items the
/// caller holds (locked, with no reference to a global live) until this returns.
/// Listeners' entry hooks run on the way ([`Cx::entry_hook`]): it never returns
/// `Stop::Hook`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn run<'a>(
    stack: &'a mut [u64],
    regs: Regs,
    cur: &'a CompiledFunc,
    env: &'a mut dyn Env,
    calls: Option<&'a Calls<'a>>,
    (steps, limit): (&'a Cell<u64>, u64),
    globals: &'a [usize],
) -> (Regs, Stop) {
    if regs.pc >= cur.instrs.len()
        || regs.fp + cur.max_height as usize > stack.len()
        || cur.id != regs.func
    {
        return (regs, Stop::Unhandled);
    }
    if cur
        .modes
        .get(regs.pc)
        .is_some_and(|m| m & (IN_A | IN_B | HELD) != 0)
    {
        // (Never: only the instructions before give such an instruction its operand.)
        return (regs, Stop::Unhandled);
    }
    let mem = Mem::of(env.memory());
    let base = stack.as_mut_ptr();
    // Frames `call` pushes from here on are trusted by the returns: each holds the code
    // that was running (`cur`, checked above, or code `call` or a checked return took
    // from the table), a position of it and a frame checked for it.
    // SAFETY: the only reference to the frames here.
    let start_frames = calls.map_or(0, |c| unsafe { c.frames.get() }.len());
    let trusted = match calls {
        Some(c) if c.returns => start_frames,
        _ => usize::MAX,
    };
    let mut no_frames = Vec::new();
    let frames = match calls {
        Some(c) => c.frames.ptr(),
        None => &mut no_frames,
    };
    let cx = Cx {
        base: Cell::new(cur.instrs.as_ptr()),
        cur: Cell::new(cur),
        start: &cur.instrs[regs.pc],
        stack: base,
        stack_len: stack.len(),
        fp: Cell::new(regs.fp),
        calls,
        env: EnvPtr::new(env),
        stop: Cell::new(None),
        trusted: Cell::new(trusted),
        frames,
        start_frames,
        table: calls.map_or(CodeTable { ready: &[] }, |c| c.funcs),
        n_imported: calls.map_or(0, |c| c.n_imported),
        max_depth: calls.map_or(0, |c| c.max_depth),
        steps,
        limit,
        globals,
        acc: Cell::new(Acc::ZERO),
    };
    let ip = cx.start;
    // SAFETY: `fp + max_height <= stack.len()` (checked above).
    let sp = unsafe { base.add(regs.fp) };
    // (Listeners' entry hooks run here, between two runs of the handlers:
    // `Cx::entry_hook`.)
    #[cfg(ws_tail_dispatch)]
    let at = {
        let (mut ip, mut sp) = (ip, sp);
        loop {
            let at = dispatch(ip, sp, mem, &cx, Acc::ZERO);
            match cx.entry_hook(at) {
                Some(next) => ip = next,
                None => break at,
            }
            // SAFETY: the current frame is in the stack with room for its function's
            // slots (`run`'s check, `Cx::call`'s and `Cx::ret`'s).
            sp = unsafe { cx.stack.add(cx.fp.get()) };
        }
    };
    #[cfg(not(ws_tail_dispatch))]
    let at = {
        let (mut ip, mut sp) = (ip, sp);
        loop {
            ip = dispatch(ip, sp, mem, &cx, cx.acc.get());
            if cx.stop.get().is_some() {
                // (After an entry hook `cx.acc` is passed on, never read: nothing takes
                // from the accumulator after a `ListenerBefore`, `check_modes`.)
                match cx.entry_hook(ip) {
                    Some(next) => ip = next,
                    None => break ip,
                }
            }
            // SAFETY: the current frame is in the stack with room for its function's
            // slots (`run`'s check, `Cx::call`'s and `Cx::ret`'s).
            sp = unsafe { cx.stack.add(cx.fp.get()) };
        }
    };
    cx.complete_frames();
    let why = cx.stop.get().unwrap_or(Stop::Unhandled);
    // (A stop other than these is at the instruction that stopped: `Cx::stop`.)
    let past = !matches!(why, Stop::Other | Stop::Unhandled);
    let regs = Regs {
        pc: cx.position(at) + past as usize,
        fp: cx.fp.get(),
        func: cx.cur.get().id,
    };
    (regs, why)
}

/// Establishes the invariants the handlers' unchecked accesses rely on, refusing a
/// function that breaks one (an internal error, never run), so that a translator bug
/// cannot become an access outside the stack or the code (called on every function
/// translated, both variants):
///
/// - every slot a fast-path instruction names through the frame pointer
///   ([`Instr::unchecked_slots_end`]; every fast-path instruction has that bound) is below
///   `max_height`;
/// - the parameters, locals and constants fit in `max_height` slots (a call zeroes and
///   fills them unchecked);
/// - every jump target and `br_table` entry is a position of the code, and the last
///   instruction never falls through ([`Instr::is_terminal`]), so that from any position
///   of the code the next one fetched is one too. (Positions from elsewhere, [`run`]'s
///   start and a return's, are checked where they are taken up.)
/// - every memory-0 load's and store's `end` is at least its width
///   ([`Instr::access_end`]), so that its one bounds check covers its start
///   (`at_least!`).
pub(crate) fn check(f: &CompiledFunc) -> crate::error::Result<()> {
    let height = f.max_height as u64;
    let n = f.instrs.len() as u64;
    let bad = |at: usize, what: &str| {
        Err(crate::error::Error::new(format!(
            "internal error: instruction {at} ({:?}) {what}",
            f.instrs.get(at)
        )))
    };

    let fixed = f.params as u64 + f.locals as u64 + f.consts.len() as u64;
    if fixed > height {
        return Err(crate::error::Error::new(format!(
            "internal error: {fixed} slots of parameters, locals and constants in a frame of {height}"
        )));
    }
    for (at, op) in f.instrs.iter().enumerate() {
        let i = &op.instr;
        if fast(i) && i.unchecked_slots_end().is_none_or(|end| end > height) {
            return bad(at, &format!("names a slot outside its frame of {height}"));
        }
        if i.jump_target().is_some_and(|t| t as u64 >= n) {
            return bad(at, "jumps outside the code");
        }
        if i.access_end().is_some_and(|(end, width)| end < width) {
            return bad(at, "ends its access before its start");
        }
        if let Instr::BrTable { len, .. } = i {
            if at as u64 + 1 + *len as u64 >= n {
                return bad(at, "has entries outside the code");
            }
        }
    }
    if !f.instrs.last().is_some_and(|op| op.instr.is_terminal()) {
        return bad(
            f.instrs.len().saturating_sub(1),
            "ends the code but falls through",
        );
    }
    check_modes(f)
}

/// The accumulator modes' invariants (see [`Fr`]), which make the value an instruction
/// takes from the accumulator the one the instruction before it left there: an
/// instruction with `OUT` is followed by one with `IN_A` or `IN_B` (not both), which
/// follows one with `OUT` and is no jump target (nor the start of a run: [`run`]); it takes
/// from the float accumulator ([`FIN`]) exactly when the one before gave to it ([`FOUT`]).
/// Or the instructions just before it hold the value ([`HELD`]: they give nothing, write
/// not its slot, are no jump targets, and may hold, [`has_mode`]), and the one before
/// those gave it with `TEE`.
fn check_modes(f: &CompiledFunc) -> crate::error::Result<()> {
    if f.modes.is_empty() {
        return Ok(());
    }
    let bad = |at: usize, what: &str| {
        Err(crate::error::Error::new(format!(
            "internal error: instruction {at} ({:?}) {what}",
            f.instrs.get(at)
        )))
    };
    if f.modes.len() != f.instrs.len() {
        return bad(0, "has a mode table of another length than the code");
    }
    let mut target = vec![false; f.instrs.len()];
    for op in f.instrs.iter() {
        if let Some(t) = op.instr.jump_target() {
            target[t as usize] = true;
        }
    }
    for (at, (op, &mode)) in f.instrs.iter().zip(f.modes.iter()).enumerate() {
        // (Every instruction has mode 0, its plain handler.)
        if mode != 0 && !has_mode(&op.instr, mode) {
            return bad(at, &format!("has no accumulator mode {mode}"));
        }
        let takes = mode & (IN_A | IN_B);
        if mode & FIN != 0 && takes == 0 {
            return bad(at, "takes from the float accumulator and takes nothing");
        }
        if mode & FOUT != 0 && mode & (OUT | TEE) == 0 {
            return bad(at, "gives to the float accumulator and gives nothing");
        }
        if takes == IN_A | IN_B {
            return bad(at, "takes two operands from the accumulator");
        }
        if mode & (OUT | TEE) == OUT | TEE {
            return bad(at, "gives its result in two ways");
        }
        if mode & HELD != 0 {
            if mode & (OUT | TEE) != 0 || target[at] {
                return bad(at, "holds the accumulator and gives, or is a jump target");
            }
            let before = at.checked_sub(1).map_or(0, |b| f.modes[b]);
            if before & (TEE | HELD) == 0 || before & OUT != 0 {
                return bad(at, "holds the accumulator nothing gave its slot and it");
            }
            if f.modes
                .get(at + 1)
                .is_none_or(|m| m & (IN_A | IN_B | HELD) == 0)
            {
                return bad(at, "holds the accumulator for nothing");
            }
        }
        if takes != 0 {
            // The instruction that gave it: the one before, or the one before those that
            // held it (which wrote it to its slot too, `TEE`).
            let mut g = at.checked_sub(1);
            while let Some(j) = g.filter(|&j| f.modes[j] & HELD != 0) {
                g = j.checked_sub(1);
            }
            let Some(g) = g.filter(|&g| f.modes[g] & (OUT | TEE) != 0 && !target[at]) else {
                return bad(at, "takes an operand from the accumulator nothing gave it");
            };
            if g + 1 < at && f.modes[g] & TEE == 0 {
                return bad(
                    at,
                    "takes a value held for it that only the accumulator had",
                );
            }
            if (mode & FIN != 0) != (f.modes[g] & FOUT != 0) {
                return bad(at, "takes from another accumulator than the one given");
            }
            // The operand it takes is the one given, and no instruction between wrote it.
            let (a, b, _) = op.instr.acc_operands();
            let slot = if takes == IN_A { a } else { b };
            if slot.is_none() || slot != f.instrs[g].instr.acc_operands().2 {
                return bad(at, "takes another operand than the one given");
            }
            if (g + 1..at).any(|j| f.instrs[j].instr.acc_operands().2 == slot) {
                return bad(at, "takes a value an instruction in between wrote again");
            }
            // A value given to the accumulator alone (`OUT`) is not in its slot: nothing
            // else this instruction reads may be it (its other operand, a factor `m`).
            let reads = op.instr.slot_reads();
            let others = [if takes == IN_A { reads[1] } else { reads[0] }, reads[2]];
            if f.modes[g] & OUT != 0 && others.contains(&slot) {
                return bad(
                    at,
                    "reads in its slot a value given to the accumulator alone",
                );
            }
        }
        let next = f.modes.get(at + 1).copied().unwrap_or(0);
        if mode & (OUT | TEE) != 0 && next & (IN_A | IN_B | HELD) == 0 {
            return bad(
                at,
                "gives its result to the accumulator, and nothing takes it",
            );
        }
    }
    Ok(())
}

/// Whether `instr` computes on `f64`s (takes one or gives one): a value it takes from the
/// accumulator or gives to it is better kept in the float one ([`FIN`], [`FOUT`]), where
/// the operator works on it without moving it between register files. These are the
/// instructions with float modes (`acc_handlers!`) but those that only carry 64 bits,
/// which may be an `f64` or not.
pub(crate) fn float_typed(instr: &Instr) -> bool {
    let carries = matches!(
        instr,
        Instr::I64Load { .. }
            | Instr::I64LoadAt { .. }
            | Instr::I64LoadIdx { .. }
            | Instr::Store64 { .. }
            | Instr::Copy { .. }
            | Instr::Const64 { .. }
    );
    !carries
        && (has_mode(instr, IN_A | FIN)
            || has_mode(instr, IN_B | FIN)
            || has_mode(instr, OUT | FOUT))
}

/// Whether `instr` has accumulator mode `mode` (see [`Fr`]).
pub(crate) fn has_mode(instr: &Instr, mode: u8) -> bool {
    acc_handler_of(instr, mode & !HELD).is_some() && (mode & HELD == 0 || holds(instr))
}

/// Whether `instr` may hold the accumulator ([`HELD`]): it has accumulator modes (so its
/// handler never hands the run to the executor: it goes on, branches or traps), falls
/// through, and writes at most its one result slot.
pub(crate) fn holds(instr: &Instr) -> bool {
    !instr.is_terminal()
        && !matches!(
            instr,
            Instr::BrTable { .. } | Instr::Return { .. } | Instr::LoadV128 { .. }
        )
        && [IN_A, IN_B, OUT, TEE]
            .iter()
            .any(|&m| acc_handler_of(instr, m).is_some())
}

/// Copies a return's `arity` results at slot `src` to the frame's first slots (out of
/// line: the one-result return stays free of calls).
#[cold]
#[inline(never)]
fn copy_results(frame: *mut u64, src: u32, arity: u32) {
    // SAFETY: slots `src .. src + arity` are below `max_height` (`check`), and the frame
    // has that many; `ptr::copy` allows the overlap.
    unsafe { std::ptr::copy(frame.add(src as usize), frame, arity as usize) }
}

/// Copies `n` slots from `src` to `dst` in the frame (the ranges may overlap).
#[inline(always)]
fn copy_slots(frame: *mut u64, cx: &Cx<'_>, src: u32, dst: u32, n: u16) {
    debug_assert!(
        src as usize + n as usize <= cx.frame_len() && dst as usize + n as usize <= cx.frame_len()
    );
    // SAFETY: `Br`'s source and destination ranges are inside the frame ([`check`]
    // checks `max(src, dst) + arity <= max_height`, the frame being at least that large).
    unsafe { std::ptr::copy(frame.add(src as usize), frame.add(dst as usize), n as usize) }
}

/// A SIMD load or store at height `h` of the frame: `false` after a trap, which it
/// records (out of line, so that its result, passed in memory, is not a local of the
/// handler: that would keep the handler's last call from being a jump).
#[inline(never)]
fn simd_mem(
    op: super::simd::MemOp,
    lane: u8,
    offset: u32,
    h: u32,
    mem: &mut [u8],
    frame: &mut [u64],
    cx: &Cx<'_>,
) -> bool {
    match super::simd::exec_mem(op, offset, lane, mem, frame, h as usize) {
        Ok(_) => true,
        Err((address, len)) => {
            cx.stop.set(Some(Stop::Memory { address, len }));
            false
        }
    }
}

macro_rules! un {
    ($f:ident, $cx:ident, $dst:expr, $a:expr, $op:expr) => {{
        let x = $f.a($cx, $a);
        $f.set($cx, $dst, $op(x));
    }};
}
macro_rules! un_trap {
    ($f:ident, $cx:ident, $dst:expr, $a:expr, $op:expr) => {{
        let x = $f.a($cx, $a);
        match $op(x) {
            Ok(v) => $f.set($cx, $dst, v),
            Err(code) => {
                $f.spill($cx, $a, $a);
                return Err(Stop::Trap(code));
            }
        }
    }};
}
macro_rules! bin {
    ($f:ident, $cx:ident, $dst:expr, $a:expr, $b:expr, $op:expr) => {{
        let x = $f.a($cx, $a);
        let y = $f.b($cx, $b);
        $f.set($cx, $dst, $op(x, y));
    }};
}
macro_rules! bin_c {
    ($f:ident, $cx:ident, $dst:expr, $a:expr, $c:expr, $op:expr) => {{
        let x = $f.a($cx, $a);
        $f.set($cx, $dst, $op(x, $c as u64));
    }};
}
macro_rules! bin_trap {
    ($f:ident, $cx:ident, $dst:expr, $a:expr, $b:expr, $op:expr) => {{
        let x = $f.a($cx, $a);
        let y = $f.b($cx, $b);
        match $op(x, y) {
            Ok(v) => $f.set($cx, $dst, v),
            Err(code) => {
                $f.spill($cx, $a, $b);
                return Err(Stop::Trap(code));
            }
        }
    }};
}
macro_rules! cmp_br {
    ($f:ident, $cx:ident, $pc:ident, $t:expr, $a:expr, $b:expr, $op:expr) => {{
        if $op($f.a($cx, $a), $f.b($cx, $b)) {
            $pc = $cx.at($t);
        }
    }};
}
macro_rules! cmp_br_c {
    ($f:ident, $cx:ident, $pc:ident, $t:expr, $a:expr, $c:expr, $op:expr) => {{
        if $op($f.a($cx, $a), $c as u64) {
            $pc = $cx.at($t);
        }
    }};
}
// A load's or store's `end` is at least its width (`$n`), which tells the compiler that
// the access's end, `end`, is too: one bounds check (`end <= len`), where without it
// the slice's last `$n` bytes need a second (`end >= $n`).
macro_rules! at_least {
    ($end:expr, $n:literal) => {{
        debug_assert!($end as u64 >= $n, "an access that ends before its start");
        // SAFETY: `check` refused any code with a load or store whose `end` is below its
        // width (`Instr::access_end`), and the handlers run checked code only.
        unsafe { std::hint::assert_unchecked($end as u64 >= $n) };
    }};
}
macro_rules! load {
    ($f:ident, $cx:ident, $m:ident, $dst:expr, $addr:expr, $end:expr, $n:literal, $conv:expr) => {{
        // (The access's end, not its address, from the instruction's `end`: see
        // `Mem::read_to`.)
        let end = ($f.a($cx, $addr) as u32 as u64) + $end as u64;
        at_least!($end, $n);
        match $m.read_to::<$n>(end) {
            Some(bytes) => $f.set($cx, $dst, $conv(bytes)),
            None => {
                $f.spill($cx, $addr, $addr);
                return Err(Stop::Memory {
                    address: end - $n,
                    len: $n,
                });
            }
        }
    }};
}
// A load at the `i32` address `$at` that fused operators computed from slots `$a` and
// `$b`. (At a trap the executor puts the address, the access's, in its natural slot for
// the debugger, as the unfused operators leave it: `Executor::operands_after_trap`.
// `$dst`, which may be a local, is untouched, as it is by the unfused load; an operand
// taken from the accumulator goes to its slot, which may be that local, written by the
// instruction before.)
macro_rules! load_at {
    ($f:ident, $cx:ident, $m:ident, $dst:expr, $a:expr, $b:expr, $at:expr, $n:literal, $conv:expr) => {{
        let at = $at as u64;
        match $m.read::<$n>(at) {
            Some(bytes) => $f.set($cx, $dst, $conv(bytes)),
            None => {
                $f.spill($cx, $a, $b);
                return Err(Stop::Memory {
                    address: at,
                    len: $n,
                });
            }
        }
    }};
}
macro_rules! store_ {
    ($f:ident, $cx:ident, $m:ident, $addr:expr, $src:expr, $end:expr, $n:literal, $conv:expr) => {{
        let v = $f.b($cx, $src);
        // (The access's end, not its address, from the instruction's `end`: see
        // `Mem::read_to`.)
        let end = ($f.a($cx, $addr) as u32 as u64) + $end as u64;
        at_least!($end, $n);
        if !$m.write_to::<$n>(end, $conv(v)) {
            $f.spill($cx, $addr, $src);
            return Err(Stop::Memory {
                address: end - $n,
                len: $n,
            });
        }
    }};
}

/// After a handler: the next instruction's handler, called in tail position.
#[cfg(ws_tail_dispatch)]
macro_rules! next {
    ($ip:expr, $f:expr, $m:ident, $cx:ident, $acc:expr) => {
        dispatch($ip, $f, $m, $cx, $acc)
    };
}
/// After a handler: back to [`run`]'s loop with the next instruction.
#[cfg(not(ws_tail_dispatch))]
macro_rules! next {
    ($ip:expr, $f:expr, $m:ident, $cx:ident, $acc:expr) => {{
        $cx.acc.set($acc);
        $ip
    }};
}

// Handlers specialised to one SIMD operator each (unary and binary ones: the others run
// in the generic `Simd` handler, which matches the operator at run time).
macro_rules! simd_handlers {
    (
        unary { $($u:ident)* }
        binary { $($b:ident)* }
        ternary { $($t:ident)* }
        test { $($q:ident)* }
        shift { $($s:ident)* }
        splat { $($p:ident)* }
    ) => {
        /// The handler specialised to SIMD operator `op`, if it has one.
        fn simd_handler_of(op: super::simd::SimdOp) -> Option<HandlerFn> {
            use super::simd::SimdOp;
            match op {
                $(SimdOp::$u => Some(simd_unary::<{ SimdOp::$u as u16 }>),)*
                $(SimdOp::$b => Some(simd_binary::<{ SimdOp::$b as u16 }>),)*
                _ => None,
            }
        }
    };
}
super::simd::simd_op_list!(simd_handlers);

/// The handler specialised to an `AddBrIf`'s or `AddBrIfC`'s comparison and side (the
/// generic ones test them at run time).
fn add_br_if_handler_of(instr: &Instr) -> Option<HandlerFn> {
    use super::instr::{ADD_TO_B, CMP_GE_U};
    macro_rules! pick {
        ($kind:expr, $c:literal, $($k:literal)*) => {
            match $kind {
                $($k => Some(add_br_if::<$k, $c> as HandlerFn),)*
                _ => None,
            }
        };
    }
    match *instr {
        Instr::AddBrIf { kind, .. } if kind & !ADD_TO_B <= CMP_GE_U => {
            pick!(kind, false, 0 1 2 3 4 5 6 7 8 9 128 129 130 131 132 133 134 135 136 137)
        }
        Instr::AddBrIfC { kind, .. } if kind <= CMP_GE_U => {
            pick!(kind, true, 0 1 2 3 4 5 6 7 8 9)
        }
        _ => None,
    }
}

/// An `AddBrIf` (`C`: an `AddBrIfC`) of comparison and side `K` ([`Instr::AddBrIf`]):
/// the add in place, then the compare-and-branch that reads the sum, in one dispatch.
#[inline(never)]
#[allow(unused_variables)] // (`mem`: passed on with tail dispatch only)
fn add_br_if<const K: u8, const C: bool>(
    ip: Ip,
    frame: *mut u64,
    mem: Mem,
    cx: &Cx<'_>,
    acc: Acc,
) -> Ip {
    // (The target is read where the branch is taken, not here: read here, it took a
    // register the handler had to save.)
    #[inline(always)]
    fn fields<const C: bool>(ip: Ip) -> (u32, u32, u32, i8) {
        // SAFETY: `ip` points at an instruction of the code (the module's docs).
        match (unsafe { *ip }).instr {
            Instr::AddBrIf { pc, a, b, add, .. } if !C => (pc, a, b, add),
            Instr::AddBrIfC { pc, a, c, add, .. } if C => (pc, a, c, add),
            _ => {
                debug_assert!(false, "an add-and-branch handler given another instruction");
                // SAFETY: `add_br_if_handler_of` gives these handlers to `AddBrIf`s (`C`:
                // `AddBrIfC`s) only (`Op`'s invariant).
                unsafe { std::hint::unreachable_unchecked() }
            }
        }
    }
    let (_, a, b, add) = fields::<C>(ip);
    let d = if K & super::instr::ADD_TO_B != 0 {
        b
    } else {
        a
    };
    debug_assert!(
        (a as usize) < cx.frame_len() && (C || (b as usize) < cx.frame_len()),
        "slot outside the frame"
    );
    // SAFETY: slots `a` and `d` (and `b` without `C`) are below `max_height`
    // (`Instr::unchecked_slots_end`, [`check`]), and the frame has that many (`run`); no
    // reference to the frame is live here.
    let holds = unsafe {
        let p = frame.add(d as usize);
        *p = (*p as u32).wrapping_add(add as i32 as u32) as u64;
        let y = if C { b as u64 } else { *frame.add(b as usize) };
        super::instr::i32_holds(K, *frame.add(a as usize), y)
    };
    let next = match holds {
        true => cx.at(fields::<C>(ip).0),
        // SAFETY: a fast-path instruction is never the code's last (that one is terminal).
        false => unsafe { ip.add(1) },
    };
    next!(next, frame, mem, cx, acc)
}

/// The `h` of the `Instr::Simd` at `ip`.
#[inline(always)]
fn simd_height(ip: Ip) -> usize {
    // SAFETY: `ip` points at an instruction of the code (the module's docs).
    let Instr::Simd { h, .. } = (unsafe { *ip }).instr else {
        debug_assert!(false, "a SIMD handler given another instruction");
        // SAFETY: an `Op`'s handler is `handler_of` its instruction (`Op`'s invariant),
        // which gives the SIMD handlers only `Instr::Simd`.
        unsafe { std::hint::unreachable_unchecked() }
    };
    h as usize
}

/// The handler specialised to SIMD memory operator `op`, if it has one: the loads of a
/// whole `v128` from one address (`simd::load_width`).
fn simd_load_handler_of(op: super::simd::MemOp) -> Option<HandlerFn> {
    use super::simd::MemOp as M;
    Some(match op {
        M::Load8x8S => simd_load::<{ M::Load8x8S as u8 }>,
        M::Load8x8U => simd_load::<{ M::Load8x8U as u8 }>,
        M::Load16x4S => simd_load::<{ M::Load16x4S as u8 }>,
        M::Load16x4U => simd_load::<{ M::Load16x4U as u8 }>,
        M::Load32x2S => simd_load::<{ M::Load32x2S as u8 }>,
        M::Load32x2U => simd_load::<{ M::Load32x2U as u8 }>,
        M::Load8Splat => simd_load::<{ M::Load8Splat as u8 }>,
        M::Load16Splat => simd_load::<{ M::Load16Splat as u8 }>,
        M::Load32Splat => simd_load::<{ M::Load32Splat as u8 }>,
        M::Load64Splat => simd_load::<{ M::Load64Splat as u8 }>,
        M::Load32Zero => simd_load::<{ M::Load32Zero as u8 }>,
        M::Load64Zero => simd_load::<{ M::Load64Zero as u8 }>,
        _ => return None,
    })
}

/// SIMD load `OP` (a discriminant of `MemOp`, one `simd_load_handler_of` gives) of
/// memory 0, its address at height `h - 1`: extending, splat and zero-filling loads
/// (the generic `SimdMem` handler matches the operator at run time).
#[inline(never)]
#[allow(unused_variables)] // (`acc`: passed on with tail dispatch only)
fn simd_load<const OP: u8>(ip: Ip, frame: *mut u64, mem: Mem, cx: &Cx<'_>, acc: Acc) -> Ip {
    // SAFETY: `ip` points at an instruction of the code (the module's docs).
    let Instr::SimdMem { offset, h, .. } = (unsafe { *ip }).instr else {
        debug_assert!(false, "a SIMD load handler given another instruction");
        // SAFETY: an `Op`'s handler is `handler_of` its instruction (`Op`'s invariant),
        // which gives this handler only `Instr::SimdMem`s.
        unsafe { std::hint::unreachable_unchecked() }
    };
    let op = super::simd::MemOp::ALL[OP as usize];
    let n = super::simd::load_width(op);
    let h = h as usize;
    let slots = frame_slice!(frame, cx);
    let at = slots[h - 1] as u32 as u64 + offset as u64;
    // SAFETY: a fast-path instruction is never the code's last (that one is terminal).
    let next = unsafe { ip.add(1) };
    let bytes = usize::try_from(at)
        .ok()
        .and_then(|a| mem.slice().get(a..))
        .and_then(|b| b.get(..n));
    let Some(bytes) = bytes else {
        return cx.stop(
            Stop::Memory {
                address: at,
                len: n as u64,
            },
            ip,
        );
    };
    super::simd::put(slots, h - 1, super::simd::load_value(op, bytes));
    next!(next, frame, mem, cx, acc)
}

/// The `v128` at slots `at .. at + 2` of the frame at `frame`, for a unary or binary
/// SIMD operator's handler.
#[inline(always)]
fn v128_at(frame: *mut u64, cx: &Cx<'_>, at: usize) -> super::simd::V128 {
    debug_assert!(at + 2 <= cx.frame_len(), "slot outside the frame");
    // SAFETY: the slots of a unary or binary `Simd` operator's operands are below its
    // `h` (`at + 2 <= h`), which is at most `max_height` (`Instr::unchecked_slots_end`,
    // [`check`]), and the frame has that many (`run`); a slot is a `u64`, so two
    // consecutive slots are a `[u64; 2]` (alignment 8), and no reference to the frame is
    // live here.
    super::simd::V128(unsafe { *(frame.add(at) as *const [u64; 2]) })
}

/// Writes `v` at slots `at .. at + 2` of the frame at `frame` ([`v128_at`]).
#[inline(always)]
fn set_v128(frame: *mut u64, cx: &Cx<'_>, at: usize, v: super::simd::V128) {
    debug_assert!(at + 2 <= cx.frame_len(), "slot outside the frame");
    // SAFETY: as in `v128_at`.
    unsafe { *(frame.add(at) as *mut [u64; 2]) = v.0 }
}

/// SIMD unary operator `OP` (a discriminant of `SimdOp`) on the `v128` below height `h`.
#[inline(never)]
#[allow(unused_variables)] // (`mem`: passed on with tail dispatch only)
fn simd_unary<const OP: u16>(ip: Ip, frame: *mut u64, mem: Mem, cx: &Cx<'_>, acc: Acc) -> Ip {
    // (`h >= 2`: `Instr::unchecked_slots_end`, `check`.)
    let h = simd_height(ip);
    let a = v128_at(frame, cx, h - 2);
    set_v128(frame, cx, h - 2, super::simd::unary_of::<OP>(a));
    // SAFETY: a fast-path instruction is never the code's last (that one is terminal).
    let next = unsafe { ip.add(1) };
    next!(next, frame, mem, cx, acc)
}

/// SIMD binary operator `OP` on the two `v128`s below height `h`.
#[inline(never)]
#[allow(unused_variables)] // (`mem`: passed on with tail dispatch only)
fn simd_binary<const OP: u16>(ip: Ip, frame: *mut u64, mem: Mem, cx: &Cx<'_>, acc: Acc) -> Ip {
    // (`h >= 4`: `Instr::unchecked_slots_end`, `check`.)
    let h = simd_height(ip);
    let (a, b) = (v128_at(frame, cx, h - 4), v128_at(frame, cx, h - 2));
    set_v128(frame, cx, h - 4, super::simd::binary_of::<OP>(a, b));
    // SAFETY: a fast-path instruction is never the code's last (that one is terminal).
    let next = unsafe { ip.add(1) };
    next!(next, frame, mem, cx, acc)
}

/// The handler of a `Return` of `ARITY` (0, 1 or 2) result slots to a frame [`Cx::call`] pushed
/// in this run (a trusted one: see [`Cx`]'s `trusted`), the common returns, kept to what
/// they must do so that their state fits in the argument and scratch registers; any other
/// return goes on to the general `Return` handler (in tail position, as a dispatch does).
#[inline(never)]
fn return_few<const ARITY: u32>(ip: Ip, frame: *mut u64, mem: Mem, cx: &Cx<'_>, acc: Acc) -> Ip {
    return_to::<ARITY, true, false, false>(ip, frame, mem, cx, acc)
}

/// [`return_few`] of the one result slot the instruction before gave in the accumulator
/// (mode `IN_A`, the integer accumulator only; see [`Fr`]).
#[inline(never)]
fn return_acc(ip: Ip, frame: *mut u64, mem: Mem, cx: &Cx<'_>, acc: Acc) -> Ip {
    return_to::<1, true, false, true>(ip, frame, mem, cx, acc)
}

/// The handler of a listened function's entry hook (`ListenerBefore`, always its code's
/// first instruction): it leaves the handlers for [`run`], which runs the hook
/// ([`Cx::entry_hook`]) and goes on. (A handler that called the hook saved and restored
/// its state around the call, which cost more than leaving the chain of handlers and
/// coming back. The accumulators hold nothing there: none is kept.)
#[inline(never)]
fn listener_before(ip: Ip, _: *mut u64, _: Mem, cx: &Cx<'_>, _: Acc) -> Ip {
    cx.stop(Stop::Hook, ip)
}

/// [`return_few`] of a listened function (`ReturnListened`): its `after` hook first.
#[inline(never)]
fn return_listened<const ARITY: u32>(
    ip: Ip,
    frame: *mut u64,
    mem: Mem,
    cx: &Cx<'_>,
    acc: Acc,
) -> Ip {
    return_to::<ARITY, true, true, false>(ip, frame, mem, cx, acc)
}

/// [`return_few`] to a frame it does not trust: the frame is checked first (as
/// [`Cx::ret`] checks it). (A handler of its own, so that the trusted return's state
/// stays in registers.)
#[inline(never)]
fn return_checked<const ARITY: u32, const LISTENED: bool, const ACC: bool>(
    ip: Ip,
    frame: *mut u64,
    mem: Mem,
    cx: &Cx<'_>,
    acc: Acc,
) -> Ip {
    return_to::<ARITY, false, LISTENED, ACC>(ip, frame, mem, cx, acc)
}

/// [`return_few`] (`TRUSTED`) or [`return_checked`], of a listened function's
/// `ReturnListened` if `LISTENED` (else a `Return`), of the result in the accumulator if
/// `ACC` ([`return_acc`]; one slot, not listened).
#[inline(always)]
#[allow(unused_variables)]
fn return_to<const ARITY: u32, const TRUSTED: bool, const LISTENED: bool, const ACC: bool>(
    ip: Ip,
    frame: *mut u64,
    mem: Mem,
    cx: &Cx<'_>,
    acc: Acc,
) -> Ip {
    // SAFETY: `ip` points at an instruction of the code (the module's docs).
    let op = unsafe { *ip };
    let (src, arity, listened) = match op.instr {
        Instr::Return { src, arity } if !LISTENED => (src, arity, 0),
        Instr::ReturnListened { src, arity, func } if LISTENED => (src, arity, func),
        _ => {
            debug_assert!(false, "{:?} given to the handler return_few", op.instr);
            // SAFETY: `handler_of` gives these handlers to `Return`s (`LISTENED`:
            // `ReturnListened`s) only (`Op`'s invariant).
            unsafe { std::hint::unreachable_unchecked() }
        }
    };
    debug_assert_eq!(arity, ARITY, "return_few given another arity");
    debug_assert!(!ACC || (ARITY == 1 && !LISTENED));
    // The general handler, for what these do not take (which reads the result from its
    // slot).
    let general = |ip: Ip, frame: *mut u64, mem: Mem, cx: &Cx<'_>| {
        if ACC {
            debug_assert!(
                (src as usize) < cx.frame_len(),
                "a result outside the frame"
            );
            // SAFETY: `src + ARITY` is at most `max_height` (`Instr::unchecked_slots_end`,
            // [`check`]) and the frame has that many slots.
            unsafe { *frame.add(src as usize) = acc.i };
        }
        match LISTENED {
            true => ReturnListened::<0>(ip, frame, mem, cx, acc),
            false => Return::<0>(ip, frame, mem, cx, acc),
        }
    };
    // SAFETY: the only reference to the frames in this handler (it is done with them
    // before it dispatches): `Cx::frames` is `Calls::frames`' (or the run's own), as
    // `Frames::get` gives it.
    let frames = unsafe { &mut *cx.frames };
    let n = frames.len();
    // The caller and its code, if checked here (`!TRUSTED`). A trusted frame is read
    // below, once the frames are popped: its fields loaded then, not all at once here,
    // so that the handler's state stays in the scratch registers.
    let checked = if TRUSTED {
        if n <= cx.trusted.get() {
            return return_checked::<ARITY, LISTENED, ACC>(ip, frame, mem, cx, acc);
        }
        None
    } else {
        let Some(calls) = cx.calls.filter(|c| c.returns) else {
            return general(ip, frame, mem, cx);
        };
        let Some(&caller) = frames.last() else {
            return general(ip, frame, mem, cx);
        };
        match cx.caller_code(calls, caller) {
            Ok(f) => Some((caller, f)),
            Err(_) => return general(ip, frame, mem, cx),
        }
    };
    if LISTENED {
        // The hook, once the return is known to be the fast path's (it sees no frames:
        // the reference above is not used again). On a stop, as the handlers stop.
        match cx.after(listened, frame, src, ARITY) {
            Ok(()) => {}
            Err(Stop::Other) => return cx.stop(Stop::Other, ip),
            Err(Stop::Recorded) => return ip,
            Err(stop) => return cx.stop(stop, ip),
        }
    }
    // SAFETY: the only reference to the frames now (as above).
    let frames = unsafe { &mut *cx.frames };
    // (After a hook, read again: the hook leaves the frames as they were, and a count
    // kept across it took a register the handler saved.)
    debug_assert_eq!(frames.len(), n, "a hook moved the frames");
    let n = if LISTENED { frames.len() } else { n };
    debug_assert!(
        (src + ARITY) as usize <= cx.frame_len(),
        "a result outside the frame"
    );
    if !TRUSTED {
        // (Frames pushed from here on are the run's.)
        cx.trusted.set(cx.trusted.get().min(n - 1));
    }
    // SAFETY: `n >= 1` frames are there (`n > trusted`, or a last frame was checked), and
    // stay in their allocation once popped (`Frame` is `Copy`). The caller's position is
    // one of its code `f` and its frame with `f`'s `max_height` is in the stack (trusted
    // or checked above). `src + ARITY` is at most `max_height`
    // (`Instr::unchecked_slots_end`, [`check`]) and the frame has that many slots.
    unsafe {
        let top = frames.as_ptr().add(n - 1);
        frames.set_len(n - 1);
        match ARITY {
            0 => {}
            1 if ACC => *frame = acc.i,
            1 => *frame = *frame.add(src as usize),
            // (A `v128`: its two slots, which may overlap the first two.)
            _ => std::ptr::copy(frame.add(src as usize), frame, 2),
        }
        let (caller, f) = match checked {
            Some(checked) => checked,
            // SAFETY (`TRUSTED`, the `trusted_code` call): `n > trusted`, so `calls` is
            // given and makes returns (`Cx::trusted`), and the frame `n - 1` was pushed by
            // `call` in this run: what makes its code, position and frame sound to take
            // unchecked is said in `Cx::ret`.
            None => {
                let caller = *top;
                let f = Cx::trusted_code(caller);
                debug_assert!(
                    Cx::trusted_pc(caller, f) < f.instrs.len()
                        && caller.fp as usize + f.max_height as usize <= cx.stack_len,
                    "a trusted frame's position and frame"
                );
                (caller, f)
            }
        };
        let base = f.instrs.as_ptr();
        cx.fp.set(caller.fp as usize);
        cx.base.set(base);
        cx.cur.set(f);
        // (A trusted frame's position is its `ip`, which `Cx::call` pushed: the jump
        // waits on the frame's load only. Its `pc` is not set yet: `complete_frames`.)
        let pc = match TRUSTED {
            true => caller.ip as Ip,
            false => base.add(caller.pc as usize),
        };
        let frame = cx.stack.add(caller.fp as usize);
        // (Nothing is in the accumulators after a call, and after a listened return's
        // hook they are not kept: the registers they were in are not saved around it.)
        let acc = if LISTENED { Acc::ZERO } else { acc };
        next!(pc, frame, mem, cx, acc)
    }
}

/// The handler of a `Call` (in plain code) of a function with at most two locals and
/// two constants while the executor's frames have room for one more: nothing in it calls
/// a library function (to zero or copy slots, or to grow the frames), so that it keeps
/// its state in the argument and scratch registers. Any other call goes on to the general
/// [`Call`] handler (in tail position, as a dispatch does).
#[inline(never)]
fn call_small(ip: Ip, frame: *mut u64, mem: Mem, cx: &Cx<'_>, acc: Acc) -> Ip {
    call_via::<false, true>(ip, frame, mem, cx, acc)
}

/// The `Call` handler of code that counts its operators ([`Op::new_counted`]): the
/// plain one, and the call added to a recorded run's call marks.
#[inline(never)]
fn call_marked(ip: Ip, frame: *mut u64, mem: Mem, cx: &Cx<'_>, acc: Acc) -> Ip {
    call_via::<true, false>(ip, frame, mem, cx, acc)
}

/// The `CallIndirect` handler: a call of a function of this instance through a table,
/// in the fast path ([`Cx::indirect`]); any other goes to the executor.
#[inline(never)]
fn call_indirect(ip: Ip, frame: *mut u64, mem: Mem, cx: &Cx<'_>, acc: Acc) -> Ip {
    call_indirect_via::<false>(ip, frame, mem, cx, acc)
}

/// [`call_indirect`] in code that counts its operators: the call added to a recorded
/// run's call marks (as [`call_marked`]).
#[inline(never)]
fn call_indirect_marked(ip: Ip, frame: *mut u64, mem: Mem, cx: &Cx<'_>, acc: Acc) -> Ip {
    call_indirect_via::<true>(ip, frame, mem, cx, acc)
}

/// [`call_indirect`], or [`call_indirect_marked`] (`MARKED`).
#[inline(always)]
#[allow(unused_variables)] // (`mem`: passed on with tail dispatch only)
fn call_indirect_via<const MARKED: bool>(
    ip: Ip,
    frame: *mut u64,
    mem: Mem,
    cx: &Cx<'_>,
    acc: Acc,
) -> Ip {
    // SAFETY: `ip` points at an instruction of the code (the module's docs).
    let op = unsafe { *ip };
    let Instr::CallIndirect { ty, table, h } = op.instr else {
        debug_assert!(false, "{:?} given to an indirect call's handler", op.instr);
        // SAFETY: `handler_of` gives `call_indirect`, and `Op::new_counted`
        // `call_indirect_marked`, to `CallIndirect`s only (`Op`'s invariant).
        unsafe { std::hint::unreachable_unchecked() }
    };
    // SAFETY: a fast-path instruction is never the code's last (that one is terminal),
    // so the next is in the code too.
    let ret: Ip = unsafe { ip.add(1) };
    let called = (|| {
        // The element's index is in slot `h - 1` (`h >= 1`: `Instr::unchecked_slots_end`,
        // `check`), the arguments below it.
        let f = Fr::<0> { p: frame, acc };
        let index = f.a(cx, h - 1);
        let (callee, params) = cx.indirect(ty, table, index)?;
        // (Its type is the call's: its parameters are the call's arguments.)
        let base = (h - 1).checked_sub(params).ok_or(Stop::Other)?;
        cx.call::<MARKED, false>(callee, base, ret)
    })();
    match called {
        Ok((pc, frame)) => next!(pc, frame, mem, cx, Acc::ZERO),
        // An instruction for the executor: it makes the call, or traps.
        Err(Stop::Other) => cx.stop(Stop::Other, ip),
        Err(Stop::Recorded) => ip,
        Err(stop) => cx.stop(stop, ip),
    }
}

/// [`call_small`] (`SMALL`) or [`call_marked`] (`MARKED`).
#[inline(always)]
#[allow(unused_variables)] // (the callee's `frame`: passed on with tail dispatch only)
fn call_via<const MARKED: bool, const SMALL: bool>(
    ip: Ip,
    frame: *mut u64,
    mem: Mem,
    cx: &Cx<'_>,
    acc: Acc,
) -> Ip {
    // SAFETY: `ip` points at an instruction of the code (the module's docs).
    let op = unsafe { *ip };
    let Instr::Call { func: callee, base } = op.instr else {
        debug_assert!(false, "{:?} given to a call handler", op.instr);
        // SAFETY: `handler_of` gives `call_small`, and `Op::new_counted` `call_marked`,
        // to `Call`s only (`Op`'s invariant).
        unsafe { std::hint::unreachable_unchecked() }
    };
    // SAFETY: a fast-path instruction is never the code's last (that one is terminal),
    // so the next is in the code too.
    let ret: Ip = unsafe { ip.add(1) };
    match cx.call::<MARKED, SMALL>(callee, base, ret) {
        // (Nothing is in the accumulator across a call.)
        Ok((pc, frame)) => next!(pc, frame, mem, cx, Acc::ZERO),
        // What `call_small` does not take, the general handler does.
        Err(Stop::Other) if SMALL => Call::<0>(ip, frame, mem, cx, acc),
        // An instruction for the executor: it runs it.
        Err(Stop::Other) => cx.stop(Stop::Other, ip),
        Err(Stop::Recorded) => ip,
        Err(stop) => cx.stop(stop, ip),
    }
}

/// Makes one handler per instruction (`name: pattern => body`; the body may move `pc`, the
/// next instruction, and return `Err(Stop)` early), `dispatch`, which calls the handler of
/// the instruction at an instruction pointer, and `fast`, the set of those instructions.
macro_rules! handlers {
    ($frame:ident, $mem:ident, $pc:ident, $cx:ident; $( $name:ident : $pat:pat => $body:block, )*) => {
        $(
            // (The body runs in a closure called at once, so that `?` can end it early.)
            // (Never inlined: each handler is a function of its own, reached by a jump.)
            #[inline(never)]
            #[allow(non_snake_case, unused_variables, unused_mut, clippy::redundant_closure_call)]
            fn $name<const M: u8>(
                ip: Ip,
                frame: *mut u64,
                mut $mem: Mem,
                $cx: &Cx<'_>,
                acc: Acc,
            ) -> Ip {
                // SAFETY: `ip` points at an instruction of the code (the module's docs).
                let op = unsafe { *ip };
                let $pat = op.instr else {
                    // (Never: this handler runs only the instructions `handler_of` gives
                    // it.)
                    debug_assert!(false, "{:?} given to the handler {}", op.instr, stringify!($name));
                    // SAFETY: an `Op`'s handler is `handler_of` its instruction (`Op`'s
                    // invariant), which is this handler only for instructions this
                    // pattern matches.
                    unsafe { std::hint::unreachable_unchecked() }
                };
                // SAFETY: a fast-path instruction is never the code's last (that one is
                // terminal), so the next is in the code too.
                let mut $pc: Ip = unsafe { ip.add(1) };
                let mut $frame = Fr::<M> { p: frame, acc };
                let result = (|| -> Result<(), Stop> {
                    $body;
                    Ok(())
                })();
                match result {
                    Ok(()) => next!($pc, $frame.p, $mem, $cx, $frame.acc),
                    // An instruction for the executor: it runs it.
                    Err(Stop::Other) => $cx.stop(Stop::Other, ip),
                    // Already recorded (a trap), or another stop: at the instruction
                    // (`run` returns the position after it; see `Cx::stop`).
                    Err(Stop::Recorded) => ip,
                    Err(stop) => $cx.stop(stop, ip),
                }
            }
        )*

        /// The handler of `instr`: its own, or `exit` for the executor's instructions.
        #[allow(unused_variables)]
        fn handler_of(instr: &Instr) -> HandlerFn {
            match *instr {
                Instr::Call { .. } => return call_small,
                Instr::CallIndirect { .. } => return call_indirect,
                Instr::Return { arity: 0, .. } => return return_few::<0>,
                Instr::Return { arity: 1, .. } => return return_few::<1>,
                Instr::Return { arity: 2, .. } => return return_few::<2>,
                Instr::ReturnListened { arity: 0, .. } => return return_listened::<0>,
                Instr::ReturnListened { arity: 1, .. } => return return_listened::<1>,
                Instr::ReturnListened { arity: 2, .. } => return return_listened::<2>,
                Instr::ListenerBefore(_) => return listener_before,
                _ => {}
            }
            if let Instr::Simd { op, .. } = *instr {
                if let Some(h) = simd_handler_of(op) {
                    return h;
                }
            }
            if let Instr::SimdMem { op, .. } = *instr {
                if let Some(h) = simd_load_handler_of(op) {
                    return h;
                }
            }
            if let Some(h) = add_br_if_handler_of(instr) {
                return h;
            }
            match *instr {
                $( $pat => $name::<0>, )*
                _ => exit,
            }
        }

        /// Whether `instr` is one of the fast path's.
        #[allow(unused_variables)]
        fn fast(instr: &Instr) -> bool {
            match *instr {
                $( $pat => true, )*
                // (Its handlers are `call_indirect` and `call_indirect_marked`.)
                Instr::CallIndirect { .. } => true,
                // (Its handler is `listener_before`.)
                Instr::ListenerBefore(_) => true,
                _ => false,
            }
        }

    };
}

handlers! { frame, mem, pc, cx;
    Jump: Instr::Jump(t) => { pc = cx.at(t) },
    JumpIfZero: Instr::JumpIfZero { pc: t, c } => {
                if frame.a(cx, c) == 0 {
                    pc = cx.at(t);
                }
            },
    JumpIfNonZero: Instr::JumpIfNonZero { pc: t, c } => {
                if frame.a(cx, c) != 0 {
                    pc = cx.at(t);
                }
            },
    BrIfI32Eq: Instr::BrIfI32Eq { pc: t, a, b } => {
                cmp_br!(frame, cx, pc, t, a, b, |x: u64, y: u64| x as u32 == y as u32)
            },
    BrIfI32Ne: Instr::BrIfI32Ne { pc: t, a, b } => {
                cmp_br!(frame, cx, pc, t, a, b, |x: u64, y: u64| x as u32 != y as u32)
            },
    BrIfI32LtS: Instr::BrIfI32LtS { pc: t, a, b } => {
                cmp_br!(frame, cx, pc, t, a, b, |x: u64, y: u64| (x as i32) < (y as i32))
            },
    BrIfI32LtU: Instr::BrIfI32LtU { pc: t, a, b } => {
                cmp_br!(frame, cx, pc, t, a, b, |x: u64, y: u64| (x as u32) < (y as u32))
            },
    BrIfI32GtS: Instr::BrIfI32GtS { pc: t, a, b } => {
                cmp_br!(frame, cx, pc, t, a, b, |x: u64, y: u64| (x as i32) > (y as i32))
            },
    BrIfI32GtU: Instr::BrIfI32GtU { pc: t, a, b } => {
                cmp_br!(frame, cx, pc, t, a, b, |x: u64, y: u64| (x as u32) > (y as u32))
            },
    BrIfI32LeS: Instr::BrIfI32LeS { pc: t, a, b } => {
                cmp_br!(frame, cx, pc, t, a, b, |x: u64, y: u64| (x as i32) <= (y as i32))
            },
    BrIfI32LeU: Instr::BrIfI32LeU { pc: t, a, b } => {
                cmp_br!(frame, cx, pc, t, a, b, |x: u64, y: u64| (x as u32) <= (y as u32))
            },
    BrIfI32GeS: Instr::BrIfI32GeS { pc: t, a, b } => {
                cmp_br!(frame, cx, pc, t, a, b, |x: u64, y: u64| (x as i32) >= (y as i32))
            },
    BrIfI32GeU: Instr::BrIfI32GeU { pc: t, a, b } => {
                cmp_br!(frame, cx, pc, t, a, b, |x: u64, y: u64| (x as u32) >= (y as u32))
            },
    BrIfI32EqC: Instr::BrIfI32EqC { pc: t, a, c } => {
                cmp_br_c!(frame, cx, pc, t, a, c, |x: u64, y: u64| (x as u32) == (y as u32))
            },
    BrIfI32NeC: Instr::BrIfI32NeC { pc: t, a, c } => {
                cmp_br_c!(frame, cx, pc, t, a, c, |x: u64, y: u64| (x as u32) != (y as u32))
            },
    BrIfI32LtSC: Instr::BrIfI32LtSC { pc: t, a, c } => {
                cmp_br_c!(frame, cx, pc, t, a, c, |x: u64, y: u64| (x as i32) < (y as i32))
            },
    BrIfI32LtUC: Instr::BrIfI32LtUC { pc: t, a, c } => {
                cmp_br_c!(frame, cx, pc, t, a, c, |x: u64, y: u64| (x as u32) < (y as u32))
            },
    BrIfI32GtSC: Instr::BrIfI32GtSC { pc: t, a, c } => {
                cmp_br_c!(frame, cx, pc, t, a, c, |x: u64, y: u64| (x as i32) > (y as i32))
            },
    BrIfI32GtUC: Instr::BrIfI32GtUC { pc: t, a, c } => {
                cmp_br_c!(frame, cx, pc, t, a, c, |x: u64, y: u64| (x as u32) > (y as u32))
            },
    BrIfI32LeSC: Instr::BrIfI32LeSC { pc: t, a, c } => {
                cmp_br_c!(frame, cx, pc, t, a, c, |x: u64, y: u64| (x as i32) <= (y as i32))
            },
    BrIfI32LeUC: Instr::BrIfI32LeUC { pc: t, a, c } => {
                cmp_br_c!(frame, cx, pc, t, a, c, |x: u64, y: u64| (x as u32) <= (y as u32))
            },
    BrIfI32GeSC: Instr::BrIfI32GeSC { pc: t, a, c } => {
                cmp_br_c!(frame, cx, pc, t, a, c, |x: u64, y: u64| (x as i32) >= (y as i32))
            },
    BrIfI32GeUC: Instr::BrIfI32GeUC { pc: t, a, c } => {
                cmp_br_c!(frame, cx, pc, t, a, c, |x: u64, y: u64| (x as u32) >= (y as u32))
            },
    BrIfI64Eq: Instr::BrIfI64Eq { pc: t, a, b } => {
                cmp_br!(frame, cx, pc, t, a, b, |x: u64, y: u64| x == y)
            },
    BrIfI64Ne: Instr::BrIfI64Ne { pc: t, a, b } => {
                cmp_br!(frame, cx, pc, t, a, b, |x: u64, y: u64| x != y)
            },
    BrIfI64LtS: Instr::BrIfI64LtS { pc: t, a, b } => {
                cmp_br!(frame, cx, pc, t, a, b, |x: u64, y: u64| (x as i64) < (y as i64))
            },
    BrIfI64LtU: Instr::BrIfI64LtU { pc: t, a, b } => {
                cmp_br!(frame, cx, pc, t, a, b, |x: u64, y: u64| x < y)
            },
    BrIfI64GtS: Instr::BrIfI64GtS { pc: t, a, b } => {
                cmp_br!(frame, cx, pc, t, a, b, |x: u64, y: u64| (x as i64) > (y as i64))
            },
    BrIfI64GtU: Instr::BrIfI64GtU { pc: t, a, b } => {
                cmp_br!(frame, cx, pc, t, a, b, |x: u64, y: u64| x > y)
            },
    BrIfI64LeS: Instr::BrIfI64LeS { pc: t, a, b } => {
                cmp_br!(frame, cx, pc, t, a, b, |x: u64, y: u64| (x as i64) <= (y as i64))
            },
    BrIfI64LeU: Instr::BrIfI64LeU { pc: t, a, b } => {
                cmp_br!(frame, cx, pc, t, a, b, |x: u64, y: u64| x <= y)
            },
    BrIfI64GeS: Instr::BrIfI64GeS { pc: t, a, b } => {
                cmp_br!(frame, cx, pc, t, a, b, |x: u64, y: u64| (x as i64) >= (y as i64))
            },
    BrIfI64GeU: Instr::BrIfI64GeU { pc: t, a, b } => {
                cmp_br!(frame, cx, pc, t, a, b, |x: u64, y: u64| x >= y)
            },
    BrIfF64Eq: Instr::BrIfF64Eq { pc: t, a, b } => {
                cmp_br!(frame, cx, pc, t, a, b, |x: u64, y: u64| f64v(x) == f64v(y))
            },
    BrIfF64Ne: Instr::BrIfF64Ne { pc: t, a, b } => {
                cmp_br!(frame, cx, pc, t, a, b, |x: u64, y: u64| f64v(x) != f64v(y))
            },
    BrIfF64Lt: Instr::BrIfF64Lt { pc: t, a, b } => {
                cmp_br!(frame, cx, pc, t, a, b, |x: u64, y: u64| f64v(x) < f64v(y))
            },
    BrIfF64Gt: Instr::BrIfF64Gt { pc: t, a, b } => {
                cmp_br!(frame, cx, pc, t, a, b, |x: u64, y: u64| f64v(x) > f64v(y))
            },
    BrIfF64Le: Instr::BrIfF64Le { pc: t, a, b } => {
                cmp_br!(frame, cx, pc, t, a, b, |x: u64, y: u64| f64v(x) <= f64v(y))
            },
    BrIfF64Ge: Instr::BrIfF64Ge { pc: t, a, b } => {
                cmp_br!(frame, cx, pc, t, a, b, |x: u64, y: u64| f64v(x) >= f64v(y))
            },
    BrIfF64NotLt: Instr::BrIfF64NotLt { pc: t, a, b } => {
                cmp_br!(frame, cx, pc, t, a, b, |x: u64, y: u64| !(f64v(x) < f64v(y)))
            },
    BrIfF64NotGt: Instr::BrIfF64NotGt { pc: t, a, b } => {
                cmp_br!(frame, cx, pc, t, a, b, |x: u64, y: u64| !(f64v(x) > f64v(y)))
            },
    BrIfF64NotLe: Instr::BrIfF64NotLe { pc: t, a, b } => {
                cmp_br!(frame, cx, pc, t, a, b, |x: u64, y: u64| !(f64v(x) <= f64v(y)))
            },
    BrIfF64NotGe: Instr::BrIfF64NotGe { pc: t, a, b } => {
                cmp_br!(frame, cx, pc, t, a, b, |x: u64, y: u64| !(f64v(x) >= f64v(y)))
            },
    Br: Instr::Br {
                pc: t,
                dst,
                src,
                arity,
            } => {
                copy_slots(frame.p, cx, src, dst, arity);
                pc = cx.at(t);
            },
    BrTable: Instr::BrTable { len, index } => {
                let i = (frame.a(cx, index) as u32).min(len);
                pc = cx.skip(pc, i);
                // An entry that only jumps is taken here (one dispatch, not two); one
                // that copies values (`Br`) runs as the next instruction.
                // SAFETY: `pc` is an entry of the table, a position of the code.
                if let Instr::Jump(t) = unsafe { (*pc).instr } {
                    pc = cx.at(t);
                }
            },
    RefNull: Instr::RefNull { dst } => { frame.set(cx, dst, 0) },
    RefIsNull: Instr::RefIsNull { dst, a } => {
                let r = frame.a(cx, a);
                frame.set(cx, dst, (r == 0) as u64);
            },
    RefAsNonNull: Instr::RefAsNonNull { dst, a } => {
                let r = frame.a(cx, a);
                if r == 0 {
                    return Err(Stop::Trap(TrapCode::NullReference));
                }
                frame.set(cx, dst, r);
            },
    // (A GC operator runs on the frame's slots through a checked slice.)
    Gc: Instr::Gc { idx, h } => {
                let op = cx.cur.get().gc.get(idx as usize).ok_or(Stop::Other)?;
                // SAFETY: for this one call of an `Env` method (`EnvPtr::get`'s contract).
                unsafe { cx.env.get() }
                    .gc(op, frame_slice!(frame.p, cx), h as usize)
                    .map_err(|t| t.map_or(Stop::Other, Stop::Trap))?;
            },
    Select: Instr::Select { h } => {
                if slot!(frame, cx, h - 1) == 0 {
                    slot!(frame, cx, h - 3) = slot!(frame, cx, h - 2);
                }
            },
    Copy: Instr::Copy { dst, src } => {
                let v = frame.a(cx, src);
                frame.set(cx, dst, v);
            },
    GlobalGet: Instr::GlobalGet { dst, global } => {
                let g = cx.global(global)?;
                // SAFETY: `Cx::global`: the value of a global this run holds, and no
                // reference to it is live while a handler runs.
                let v = unsafe { g.read() };
                frame.set(cx, dst, v);
            },
    GlobalSet: Instr::GlobalSet { src, global } => {
                let v = frame.a(cx, src);
                let g = cx.global(global)?;
                // SAFETY: as in `GlobalGet`'s handler (a `global.set` validates only
                // for a mutable global).
                unsafe { g.write(v) };
            },
    GlobalAddC: Instr::GlobalAddC { dst, global, c } => {
                let g = cx.global(global)?;
                // SAFETY: as in `GlobalGet`'s handler.
                let v = unsafe { g.read() } as u32;
                frame.set(cx, dst, v.wrapping_add(c) as u64);
            },
    GlobalAddSetC: Instr::GlobalAddSetC { dst, global, c } => {
                let g = cx.global(global)?;
                // SAFETY: as in `GlobalGet`'s handler.
                let v = (unsafe { g.read() } as u32).wrapping_add(c) as u64;
                // SAFETY: as in `GlobalSet`'s handler.
                unsafe { g.write(v) };
                frame.set(cx, dst, v);
            },
    GlobalSetAddC: Instr::GlobalSetAddC { a, global, c } => {
                let v = (frame.a(cx, a) as u32).wrapping_add(c) as u64;
                let g = cx.global(global)?;
                // SAFETY: as in `GlobalSet`'s handler.
                unsafe { g.write(v) };
            },
    Const32: Instr::Const32 { dst, c } => { frame.set(cx, dst, c as u64) },
    Const64: Instr::Const64 { dst, c } => { frame.set(cx, dst, c) },
    I32Load: Instr::I32Load { dst, addr, end } => {
                load!(frame, cx, mem, dst, addr, end, 4, |b| u32::from_le_bytes(b) as u64)
            },
    I64Load: Instr::I64Load { dst, addr, end } => {
                load!(frame, cx, mem, dst, addr, end, 8, u64::from_le_bytes)
            },
    I32Load8S: Instr::I32Load8S { dst, addr, end } => {
                load!(frame, cx, mem, dst, addr, end, 1, |b: [u8; 1]| b[0] as i8 as i32 as u32
                    as u64)
            },
    I32Load8U: Instr::I32Load8U { dst, addr, end } => {
                load!(frame, cx, mem, dst, addr, end, 1, |b: [u8; 1]| b[0] as u64)
            },
    I32Load16S: Instr::I32Load16S { dst, addr, end } => {
                load!(frame, cx, mem,
                    dst,
                    addr,
                    end,
                    2,
                    |b| i16::from_le_bytes(b) as i32 as u32 as u64
                )
            },
    I32Load16U: Instr::I32Load16U { dst, addr, end } => {
                load!(frame, cx, mem, dst, addr, end, 2, |b| u16::from_le_bytes(b) as u64)
            },
    I64Load8S: Instr::I64Load8S { dst, addr, end } => {
                load!(frame, cx, mem, dst, addr, end, 1, |b: [u8; 1]| b[0] as i8 as i64 as u64)
            },
    I64Load8U: Instr::I64Load8U { dst, addr, end } => {
                load!(frame, cx, mem, dst, addr, end, 1, |b: [u8; 1]| b[0] as u64)
            },
    I64Load16S: Instr::I64Load16S { dst, addr, end } => {
                load!(frame, cx, mem, dst, addr, end, 2, |b| i16::from_le_bytes(b) as i64
                    as u64)
            },
    I64Load16U: Instr::I64Load16U { dst, addr, end } => {
                load!(frame, cx, mem, dst, addr, end, 2, |b| u16::from_le_bytes(b) as u64)
            },
    I64Load32S: Instr::I64Load32S { dst, addr, end } => {
                load!(frame, cx, mem, dst, addr, end, 4, |b| i32::from_le_bytes(b) as i64
                    as u64)
            },
    I64Load32U: Instr::I64Load32U { dst, addr, end } => {
                load!(frame, cx, mem, dst, addr, end, 4, |b| u32::from_le_bytes(b) as u64)
            },
    Store32: Instr::Store32 { addr, src, end } => {
                store_!(frame, cx, mem, addr, src, end, 4, |v: u64| (v as u32).to_le_bytes())
            },
    Store64: Instr::Store64 { addr, src, end } => {
                store_!(frame, cx, mem, addr, src, end, 8, |v: u64| v.to_le_bytes())
            },
    Store8: Instr::Store8 { addr, src, end } => {
                store_!(frame, cx, mem, addr, src, end, 1, |v: u64| [v as u8])
            },
    Store16: Instr::Store16 { addr, src, end } => {
                store_!(frame, cx, mem, addr, src, end, 2, |v: u64| (v as u16).to_le_bytes())
            },
    I32Eqz: Instr::I32Eqz { dst, a } => { un!(frame, cx, dst, a, |x| bit(x as u32 == 0)) },
    I64Eqz: Instr::I64Eqz { dst, a } => { un!(frame, cx, dst, a, |x| bit(x == 0)) },
    I32Clz: Instr::I32Clz { dst, a } => { un!(frame, cx, dst, a, |x: u64| (x as u32).leading_zeros() as u64) },
    I32Ctz: Instr::I32Ctz { dst, a } => {
                un!(frame, cx, dst, a, |x: u64| (x as u32).trailing_zeros() as u64)
            },
    I32Popcnt: Instr::I32Popcnt { dst, a } => { un!(frame, cx, dst, a, |x: u64| (x as u32).count_ones() as u64) },
    I64Clz: Instr::I64Clz { dst, a } => { un!(frame, cx, dst, a, |x: u64| x.leading_zeros() as u64) },
    I64Ctz: Instr::I64Ctz { dst, a } => { un!(frame, cx, dst, a, |x: u64| x.trailing_zeros() as u64) },
    I64Popcnt: Instr::I64Popcnt { dst, a } => { un!(frame, cx, dst, a, |x: u64| x.count_ones() as u64) },
    F32Abs: Instr::F32Abs { dst, a } => { un!(frame, cx, dst, a, |x: u64| x & 0x7fff_ffff) },
    F32Neg: Instr::F32Neg { dst, a } => { un!(frame, cx, dst, a, |x: u64| x ^ 0x8000_0000) },
    F32Ceil: Instr::F32Ceil { dst, a } => {
                un!(frame, cx, dst, a, |x| r32(num::round_f32(f32v(x), f32::ceil)))
            },
    F32Floor: Instr::F32Floor { dst, a } => {
                un!(frame, cx, dst, a, |x| r32(num::round_f32(f32v(x), f32::floor)))
            },
    F32Trunc: Instr::F32Trunc { dst, a } => {
                un!(frame, cx, dst, a, |x| r32(num::round_f32(f32v(x), f32::trunc)))
            },
    F32Nearest: Instr::F32Nearest { dst, a } => { un!(frame, cx, dst, a, |x| r32(num::round_f32(
                f32v(x),
                f32::round_ties_even
            ))) },
    F32Sqrt: Instr::F32Sqrt { dst, a } => { un!(frame, cx, dst, a, |x| r32(f32v(x).sqrt())) },
    F64Abs: Instr::F64Abs { dst, a } => { un!(frame, cx, dst, a, |x: u64| x & !(1u64 << 63)) },
    F64Neg: Instr::F64Neg { dst, a } => { un!(frame, cx, dst, a, |x: u64| x ^ (1u64 << 63)) },
    F64Ceil: Instr::F64Ceil { dst, a } => {
                un!(frame, cx, dst, a, |x| r64(num::round_f64(f64v(x), f64::ceil)))
            },
    F64Floor: Instr::F64Floor { dst, a } => {
                un!(frame, cx, dst, a, |x| r64(num::round_f64(f64v(x), f64::floor)))
            },
    F64Trunc: Instr::F64Trunc { dst, a } => {
                un!(frame, cx, dst, a, |x| r64(num::round_f64(f64v(x), f64::trunc)))
            },
    F64Nearest: Instr::F64Nearest { dst, a } => { un!(frame, cx, dst, a, |x| r64(num::round_f64(
                f64v(x),
                f64::round_ties_even
            ))) },
    F64Sqrt: Instr::F64Sqrt { dst, a } => { un!(frame, cx, dst, a, |x| r64(f64v(x).sqrt())) },
    I32WrapI64: Instr::I32WrapI64 { dst, a } => { un!(frame, cx, dst, a, |x: u64| x as u32 as u64) },
    I32TruncF32S: Instr::I32TruncF32S { dst, a } => {
                un_trap!(frame, cx, dst, a, |x| num::trunc_i32_s(f32v(x) as f64))
            },
    I32TruncF32U: Instr::I32TruncF32U { dst, a } => {
                un_trap!(frame, cx, dst, a, |x| num::trunc_i32_u(f32v(x) as f64))
            },
    I32TruncF64S: Instr::I32TruncF64S { dst, a } => { un_trap!(frame, cx, dst, a, |x| num::trunc_i32_s(f64v(x))) },
    I32TruncF64U: Instr::I32TruncF64U { dst, a } => { un_trap!(frame, cx, dst, a, |x| num::trunc_i32_u(f64v(x))) },
    I64ExtendI32S: Instr::I64ExtendI32S { dst, a } => { un!(frame, cx, dst, a, |x: u64| x as i32 as i64 as u64) },
    I64TruncF32S: Instr::I64TruncF32S { dst, a } => {
                un_trap!(frame, cx, dst, a, |x| num::trunc_i64_s(f32v(x) as f64))
            },
    I64TruncF32U: Instr::I64TruncF32U { dst, a } => {
                un_trap!(frame, cx, dst, a, |x| num::trunc_i64_u(f32v(x) as f64))
            },
    I64TruncF64S: Instr::I64TruncF64S { dst, a } => { un_trap!(frame, cx, dst, a, |x| num::trunc_i64_s(f64v(x))) },
    I64TruncF64U: Instr::I64TruncF64U { dst, a } => { un_trap!(frame, cx, dst, a, |x| num::trunc_i64_u(f64v(x))) },
    F32ConvertI32S: Instr::F32ConvertI32S { dst, a } => { un!(frame, cx, dst, a, |x: u64| r32(x as i32 as f32)) },
    F32ConvertI32U: Instr::F32ConvertI32U { dst, a } => { un!(frame, cx, dst, a, |x: u64| r32(x as u32 as f32)) },
    F32ConvertI64S: Instr::F32ConvertI64S { dst, a } => { un!(frame, cx, dst, a, |x: u64| r32(x as i64 as f32)) },
    F32ConvertI64U: Instr::F32ConvertI64U { dst, a } => { un!(frame, cx, dst, a, |x: u64| r32(x as f32)) },
    F32DemoteF64: Instr::F32DemoteF64 { dst, a } => { un!(frame, cx, dst, a, |x| r32(f64v(x) as f32)) },
    F64ConvertI32S: Instr::F64ConvertI32S { dst, a } => { un!(frame, cx, dst, a, |x: u64| r64(x as i32 as f64)) },
    F64ConvertI32U: Instr::F64ConvertI32U { dst, a } => { un!(frame, cx, dst, a, |x: u64| r64(x as u32 as f64)) },
    F64ConvertI64S: Instr::F64ConvertI64S { dst, a } => { un!(frame, cx, dst, a, |x: u64| r64(x as i64 as f64)) },
    F64ConvertI64U: Instr::F64ConvertI64U { dst, a } => { un!(frame, cx, dst, a, |x: u64| r64(x as f64)) },
    F64PromoteF32: Instr::F64PromoteF32 { dst, a } => { un!(frame, cx, dst, a, |x| r64(f32v(x) as f64)) },
    I32Extend8S: Instr::I32Extend8S { dst, a } => { un!(frame, cx, dst, a, |x: u64| x as i8 as i32 as u32 as u64) },
    I32Extend16S: Instr::I32Extend16S { dst, a } => {
                un!(frame, cx, dst, a, |x: u64| x as i16 as i32 as u32 as u64)
            },
    I64Extend8S: Instr::I64Extend8S { dst, a } => { un!(frame, cx, dst, a, |x: u64| x as i8 as i64 as u64) },
    I64Extend16S: Instr::I64Extend16S { dst, a } => { un!(frame, cx, dst, a, |x: u64| x as i16 as i64 as u64) },
    I64Extend32S: Instr::I64Extend32S { dst, a } => { un!(frame, cx, dst, a, |x: u64| x as i32 as i64 as u64) },
    I32TruncSatF32S: Instr::I32TruncSatF32S { dst, a } => { un!(frame, cx, dst, a, |x| f32v(x) as i32 as u32 as u64) },
    I32TruncSatF32U: Instr::I32TruncSatF32U { dst, a } => { un!(frame, cx, dst, a, |x| f32v(x) as u32 as u64) },
    I32TruncSatF64S: Instr::I32TruncSatF64S { dst, a } => { un!(frame, cx, dst, a, |x| f64v(x) as i32 as u32 as u64) },
    I32TruncSatF64U: Instr::I32TruncSatF64U { dst, a } => { un!(frame, cx, dst, a, |x| f64v(x) as u32 as u64) },
    I64TruncSatF32S: Instr::I64TruncSatF32S { dst, a } => { un!(frame, cx, dst, a, |x| f32v(x) as i64 as u64) },
    I64TruncSatF32U: Instr::I64TruncSatF32U { dst, a } => { un!(frame, cx, dst, a, |x| f32v(x) as u64) },
    I64TruncSatF64S: Instr::I64TruncSatF64S { dst, a } => { un!(frame, cx, dst, a, |x| f64v(x) as i64 as u64) },
    I64TruncSatF64U: Instr::I64TruncSatF64U { dst, a } => { un!(frame, cx, dst, a, |x| f64v(x) as u64) },
    I32Eq: Instr::I32Eq { dst, a, b } => { bin!(frame, cx, dst, a, b, |x, y| bit(x as u32 == y as u32)) },
    I32Ne: Instr::I32Ne { dst, a, b } => { bin!(frame, cx, dst, a, b, |x, y| bit(x as u32 != y as u32)) },
    I32LtS: Instr::I32LtS { dst, a, b } => { bin!(frame, cx, dst, a, b, |x, y| bit((x as i32) < (y as i32))) },
    I32LtU: Instr::I32LtU { dst, a, b } => { bin!(frame, cx, dst, a, b, |x, y| bit((x as u32) < (y as u32))) },
    I32GtS: Instr::I32GtS { dst, a, b } => { bin!(frame, cx, dst, a, b, |x, y| bit((x as i32) > (y as i32))) },
    I32GtU: Instr::I32GtU { dst, a, b } => { bin!(frame, cx, dst, a, b, |x, y| bit((x as u32) > (y as u32))) },
    I32LeS: Instr::I32LeS { dst, a, b } => {
                bin!(frame, cx, dst, a, b, |x, y| bit((x as i32) <= (y as i32)))
            },
    I32LeU: Instr::I32LeU { dst, a, b } => {
                bin!(frame, cx, dst, a, b, |x, y| bit((x as u32) <= (y as u32)))
            },
    I32GeS: Instr::I32GeS { dst, a, b } => {
                bin!(frame, cx, dst, a, b, |x, y| bit((x as i32) >= (y as i32)))
            },
    I32GeU: Instr::I32GeU { dst, a, b } => {
                bin!(frame, cx, dst, a, b, |x, y| bit((x as u32) >= (y as u32)))
            },
    I64Eq: Instr::I64Eq { dst, a, b } => { bin!(frame, cx, dst, a, b, |x, y| bit(x == y)) },
    I64Ne: Instr::I64Ne { dst, a, b } => { bin!(frame, cx, dst, a, b, |x, y| bit(x != y)) },
    I64LtS: Instr::I64LtS { dst, a, b } => { bin!(frame, cx, dst, a, b, |x, y| bit((x as i64) < (y as i64))) },
    I64LtU: Instr::I64LtU { dst, a, b } => { bin!(frame, cx, dst, a, b, |x, y| bit(x < y)) },
    I64GtS: Instr::I64GtS { dst, a, b } => { bin!(frame, cx, dst, a, b, |x, y| bit((x as i64) > (y as i64))) },
    I64GtU: Instr::I64GtU { dst, a, b } => { bin!(frame, cx, dst, a, b, |x, y| bit(x > y)) },
    I64LeS: Instr::I64LeS { dst, a, b } => {
                bin!(frame, cx, dst, a, b, |x, y| bit((x as i64) <= (y as i64)))
            },
    I64LeU: Instr::I64LeU { dst, a, b } => { bin!(frame, cx, dst, a, b, |x, y| bit(x <= y)) },
    I64GeS: Instr::I64GeS { dst, a, b } => {
                bin!(frame, cx, dst, a, b, |x, y| bit((x as i64) >= (y as i64)))
            },
    I64GeU: Instr::I64GeU { dst, a, b } => { bin!(frame, cx, dst, a, b, |x, y| bit(x >= y)) },
    F32Eq: Instr::F32Eq { dst, a, b } => { bin!(frame, cx, dst, a, b, |x, y| bit(f32v(x) == f32v(y))) },
    F32Ne: Instr::F32Ne { dst, a, b } => { bin!(frame, cx, dst, a, b, |x, y| bit(f32v(x) != f32v(y))) },
    F32Lt: Instr::F32Lt { dst, a, b } => { bin!(frame, cx, dst, a, b, |x, y| bit(f32v(x) < f32v(y))) },
    F32Gt: Instr::F32Gt { dst, a, b } => { bin!(frame, cx, dst, a, b, |x, y| bit(f32v(x) > f32v(y))) },
    F32Le: Instr::F32Le { dst, a, b } => { bin!(frame, cx, dst, a, b, |x, y| bit(f32v(x) <= f32v(y))) },
    F32Ge: Instr::F32Ge { dst, a, b } => { bin!(frame, cx, dst, a, b, |x, y| bit(f32v(x) >= f32v(y))) },
    F64Eq: Instr::F64Eq { dst, a, b } => { bin!(frame, cx, dst, a, b, |x, y| bit(f64v(x) == f64v(y))) },
    F64Ne: Instr::F64Ne { dst, a, b } => { bin!(frame, cx, dst, a, b, |x, y| bit(f64v(x) != f64v(y))) },
    F64Lt: Instr::F64Lt { dst, a, b } => { bin!(frame, cx, dst, a, b, |x, y| bit(f64v(x) < f64v(y))) },
    F64Gt: Instr::F64Gt { dst, a, b } => { bin!(frame, cx, dst, a, b, |x, y| bit(f64v(x) > f64v(y))) },
    F64Le: Instr::F64Le { dst, a, b } => { bin!(frame, cx, dst, a, b, |x, y| bit(f64v(x) <= f64v(y))) },
    F64Ge: Instr::F64Ge { dst, a, b } => { bin!(frame, cx, dst, a, b, |x, y| bit(f64v(x) >= f64v(y))) },
    I32Add: Instr::I32Add { dst, a, b } => { bin!(frame, cx, dst, a, b, |x: u64, y: u64| (x as u32)
                .wrapping_add(y as u32)
                as u64) },
    I32Sub: Instr::I32Sub { dst, a, b } => { bin!(frame, cx, dst, a, b, |x: u64, y: u64| (x as u32)
                .wrapping_sub(y as u32)
                as u64) },
    I32Mul: Instr::I32Mul { dst, a, b } => { bin!(frame, cx, dst, a, b, |x: u64, y: u64| (x as u32)
                .wrapping_mul(y as u32)
                as u64) },
    I32DivS: Instr::I32DivS { dst, a, b } => { bin_trap!(frame, cx, dst, a, b, |x: u64, y: u64| {
                let (x, y) = (x as i32, y as i32);
                if y == 0 {
                    Err(TrapCode::IntegerDivideByZero)
                } else if x == i32::MIN && y == -1 {
                    Err(TrapCode::IntegerOverflow)
                } else {
                    Ok((x / y) as u32 as u64)
                }
            }) },
    I32DivU: Instr::I32DivU { dst, a, b } => { bin_trap!(frame, cx, dst, a, b, |x: u64, y: u64| {
                match (x as u32).checked_div(y as u32) {
                    Some(v) => Ok(v as u64),
                    None => Err(TrapCode::IntegerDivideByZero),
                }
            }) },
    I32RemS: Instr::I32RemS { dst, a, b } => { bin_trap!(frame, cx, dst, a, b, |x: u64, y: u64| {
                if y as i32 == 0 {
                    Err(TrapCode::IntegerDivideByZero)
                } else {
                    Ok((x as i32).wrapping_rem(y as i32) as u32 as u64)
                }
            }) },
    I32RemU: Instr::I32RemU { dst, a, b } => { bin_trap!(frame, cx, dst, a, b, |x: u64, y: u64| {
                match (x as u32).checked_rem(y as u32) {
                    Some(v) => Ok(v as u64),
                    None => Err(TrapCode::IntegerDivideByZero),
                }
            }) },
    I32And: Instr::I32And { dst, a, b } => { bin!(frame, cx, dst, a, b, |x: u64, y: u64| x & y) },
    I32Or: Instr::I32Or { dst, a, b } => { bin!(frame, cx, dst, a, b, |x: u64, y: u64| x | y) },
    I32Xor: Instr::I32Xor { dst, a, b } => { bin!(frame, cx, dst, a, b, |x: u64, y: u64| x ^ y) },
    I32Shl: Instr::I32Shl { dst, a, b } => { bin!(frame, cx, dst, a, b, |x: u64, y: u64| (x as u32)
                .wrapping_shl(y as u32)
                as u64) },
    I32ShrS: Instr::I32ShrS { dst, a, b } => { bin!(frame, cx, dst, a, b, |x: u64, y: u64| (x as i32)
                .wrapping_shr(y as u32)
                as u32
                as u64) },
    I32ShrU: Instr::I32ShrU { dst, a, b } => { bin!(frame, cx, dst, a, b, |x: u64, y: u64| (x as u32)
                .wrapping_shr(y as u32)
                as u64) },
    I32Rotl: Instr::I32Rotl { dst, a, b } => { bin!(frame, cx, dst, a, b, |x: u64, y: u64| (x as u32)
                .rotate_left(y as u32)
                as u64) },
    I32Rotr: Instr::I32Rotr { dst, a, b } => { bin!(frame, cx, dst, a, b, |x: u64, y: u64| (x as u32)
                .rotate_right(y as u32)
                as u64) },
    I64Add: Instr::I64Add { dst, a, b } => { bin!(frame, cx, dst, a, b, |x: u64, y: u64| x.wrapping_add(y)) },
    I64Sub: Instr::I64Sub { dst, a, b } => { bin!(frame, cx, dst, a, b, |x: u64, y: u64| x.wrapping_sub(y)) },
    I64Mul: Instr::I64Mul { dst, a, b } => { bin!(frame, cx, dst, a, b, |x: u64, y: u64| x.wrapping_mul(y)) },
    I64DivS: Instr::I64DivS { dst, a, b } => { bin_trap!(frame, cx, dst, a, b, |x: u64, y: u64| {
                let (x, y) = (x as i64, y as i64);
                if y == 0 {
                    Err(TrapCode::IntegerDivideByZero)
                } else if x == i64::MIN && y == -1 {
                    Err(TrapCode::IntegerOverflow)
                } else {
                    Ok((x / y) as u64)
                }
            }) },
    I64DivU: Instr::I64DivU { dst, a, b } => { bin_trap!(frame, cx, dst, a, b, |x: u64, y: u64| {
                x.checked_div(y).ok_or(TrapCode::IntegerDivideByZero)
            }) },
    I64RemS: Instr::I64RemS { dst, a, b } => { bin_trap!(frame, cx, dst, a, b, |x: u64, y: u64| {
                if y == 0 {
                    Err(TrapCode::IntegerDivideByZero)
                } else {
                    Ok((x as i64).wrapping_rem(y as i64) as u64)
                }
            }) },
    I64RemU: Instr::I64RemU { dst, a, b } => { bin_trap!(frame, cx, dst, a, b, |x: u64, y: u64| {
                x.checked_rem(y).ok_or(TrapCode::IntegerDivideByZero)
            }) },
    I64And: Instr::I64And { dst, a, b } => { bin!(frame, cx, dst, a, b, |x: u64, y: u64| x & y) },
    I64Or: Instr::I64Or { dst, a, b } => { bin!(frame, cx, dst, a, b, |x: u64, y: u64| x | y) },
    I64Xor: Instr::I64Xor { dst, a, b } => { bin!(frame, cx, dst, a, b, |x: u64, y: u64| x ^ y) },
    I64Shl: Instr::I64Shl { dst, a, b } => {
                bin!(frame, cx, dst, a, b, |x: u64, y: u64| x.wrapping_shl(y as u32))
            },
    I64ShrS: Instr::I64ShrS { dst, a, b } => { bin!(frame, cx, dst, a, b, |x: u64, y: u64| (x as i64)
                .wrapping_shr(y as u32)
                as u64) },
    I64ShrU: Instr::I64ShrU { dst, a, b } => {
                bin!(frame, cx, dst, a, b, |x: u64, y: u64| x.wrapping_shr(y as u32))
            },
    I64Rotl: Instr::I64Rotl { dst, a, b } => {
                bin!(frame, cx, dst, a, b, |x: u64, y: u64| x.rotate_left((y & 63) as u32))
            },
    I64Rotr: Instr::I64Rotr { dst, a, b } => {
                bin!(frame, cx, dst, a, b, |x: u64, y: u64| x.rotate_right((y & 63) as u32))
            },
    F32Add: Instr::F32Add { dst, a, b } => { bin!(frame, cx, dst, a, b, |x, y| r32(f32v(x) + f32v(y))) },
    F32Sub: Instr::F32Sub { dst, a, b } => { bin!(frame, cx, dst, a, b, |x, y| r32(f32v(x) - f32v(y))) },
    F32Mul: Instr::F32Mul { dst, a, b } => { bin!(frame, cx, dst, a, b, |x, y| r32(f32v(x) * f32v(y))) },
    F32Div: Instr::F32Div { dst, a, b } => { bin!(frame, cx, dst, a, b, |x, y| r32(f32v(x) / f32v(y))) },
    F32Min: Instr::F32Min { dst, a, b } => {
                bin!(frame, cx, dst, a, b, |x, y| r32(num::f32_min(f32v(x), f32v(y))))
            },
    F32Max: Instr::F32Max { dst, a, b } => {
                bin!(frame, cx, dst, a, b, |x, y| r32(num::f32_max(f32v(x), f32v(y))))
            },
    F32Copysign: Instr::F32Copysign { dst, a, b } => { bin!(frame, cx, dst, a, b, |x: u64, y: u64| (x
                & 0x7fff_ffff)
                | (y & 0x8000_0000)) },
    F64Add: Instr::F64Add { dst, a, b } => { bin!(frame, cx, dst, a, b, |x, y| r64(f64v(x) + f64v(y))) },
    F64Sub: Instr::F64Sub { dst, a, b } => { bin!(frame, cx, dst, a, b, |x, y| r64(f64v(x) - f64v(y))) },
    F64Mul: Instr::F64Mul { dst, a, b } => { bin!(frame, cx, dst, a, b, |x, y| r64(f64v(x) * f64v(y))) },
    F64Div: Instr::F64Div { dst, a, b } => { bin!(frame, cx, dst, a, b, |x, y| r64(f64v(x) / f64v(y))) },
    F64Min: Instr::F64Min { dst, a, b } => {
                bin!(frame, cx, dst, a, b, |x, y| r64(num::f64_min(f64v(x), f64v(y))))
            },
    F64Max: Instr::F64Max { dst, a, b } => {
                bin!(frame, cx, dst, a, b, |x, y| r64(num::f64_max(f64v(x), f64v(y))))
            },
    F64Copysign: Instr::F64Copysign { dst, a, b } => { bin!(frame, cx, dst, a, b, |x: u64, y: u64| (x & !(1u64
                << 63))
                | (y & (1u64 << 63))) },
    I32AddC: Instr::I32AddC { dst, a, c } => { bin_c!(frame, cx, dst, a, c, |x: u64, y: u64| (x as u32)
                .wrapping_add(y as u32)
                as u64) },
    I32SubC: Instr::I32SubC { dst, a, c } => { bin_c!(frame, cx, dst, a, c, |x: u64, y: u64| (x as u32)
                .wrapping_sub(y as u32)
                as u64) },
    I32MulC: Instr::I32MulC { dst, a, c } => { bin_c!(frame, cx, dst, a, c, |x: u64, y: u64| (x as u32)
                .wrapping_mul(y as u32)
                as u64) },
    I32AndC: Instr::I32AndC { dst, a, c } => { bin_c!(frame, cx, dst, a, c, |x: u64, y: u64| x & y) },
    I32OrC: Instr::I32OrC { dst, a, c } => { bin_c!(frame, cx, dst, a, c, |x: u64, y: u64| x | y) },
    I32XorC: Instr::I32XorC { dst, a, c } => { bin_c!(frame, cx, dst, a, c, |x: u64, y: u64| x ^ y) },
    I32ShlC: Instr::I32ShlC { dst, a, c } => { bin_c!(frame, cx, dst, a, c, |x: u64, y: u64| (x as u32)
                .wrapping_shl(y as u32)
                as u64) },
    I32ShrSC: Instr::I32ShrSC { dst, a, c } => { bin_c!(frame, cx, dst, a, c, |x: u64, y: u64| (x as i32)
                .wrapping_shr(y as u32)
                as u32
                as u64) },
    I32ShrUC: Instr::I32ShrUC { dst, a, c } => { bin_c!(frame, cx, dst, a, c, |x: u64, y: u64| (x as u32)
                .wrapping_shr(y as u32)
                as u64) },
    I32RotlC: Instr::I32RotlC { dst, a, c } => { bin_c!(frame, cx, dst, a, c, |x: u64, y: u64| (x as u32)
                .rotate_left(y as u32)
                as u64) },
    I32RotrC: Instr::I32RotrC { dst, a, c } => { bin_c!(frame, cx, dst, a, c, |x: u64, y: u64| (x as u32)
                .rotate_right(y as u32)
                as u64) },
    I32EqC: Instr::I32EqC { dst, a, c } => { bin_c!(frame, cx, dst, a, c, |x, y| bit(x as u32 == y as u32)) },
    I32NeC: Instr::I32NeC { dst, a, c } => { bin_c!(frame, cx, dst, a, c, |x, y| bit(x as u32 != y as u32)) },
    I32LtSC: Instr::I32LtSC { dst, a, c } => {
                bin_c!(frame, cx, dst, a, c, |x, y| bit((x as i32) < (y as i32)))
            },
    I32LtUC: Instr::I32LtUC { dst, a, c } => {
                bin_c!(frame, cx, dst, a, c, |x, y| bit((x as u32) < (y as u32)))
            },
    I32GtSC: Instr::I32GtSC { dst, a, c } => {
                bin_c!(frame, cx, dst, a, c, |x, y| bit((x as i32) > (y as i32)))
            },
    I32GtUC: Instr::I32GtUC { dst, a, c } => {
                bin_c!(frame, cx, dst, a, c, |x, y| bit((x as u32) > (y as u32)))
            },
    I32LeSC: Instr::I32LeSC { dst, a, c } => {
                bin_c!(frame, cx, dst, a, c, |x, y| bit((x as i32) <= (y as i32)))
            },
    I32LeUC: Instr::I32LeUC { dst, a, c } => {
                bin_c!(frame, cx, dst, a, c, |x, y| bit((x as u32) <= (y as u32)))
            },
    I32GeSC: Instr::I32GeSC { dst, a, c } => {
                bin_c!(frame, cx, dst, a, c, |x, y| bit((x as i32) >= (y as i32)))
            },
    I32GeUC: Instr::I32GeUC { dst, a, c } => {
                bin_c!(frame, cx, dst, a, c, |x, y| bit((x as u32) >= (y as u32)))
            },
    Simd: Instr::Simd { op, h } => {
                super::simd::exec_plain(op, frame_slice!(frame.p, cx), h as usize);
            },
    SimdLane: Instr::SimdLane { op, lane, h } => {
                super::simd::exec_lane(op, lane, frame_slice!(frame.p, cx), h as usize);
            },
    LoadV128: Instr::LoadV128 { dst, addr, offset } => {
                let at = (frame.a(cx, addr) as u32 as u64) + offset as u64;
                let Some(b) = mem.read::<16>(at) else {
                    frame.spill(cx, addr, addr);
                    return Err(Stop::Memory { address: at, len: 16 });
                };
                // (Slots `dst .. dst + 2`: `Instr::unchecked_slots_end`.)
                slot!(frame, cx, dst) = u64::from_le_bytes(b[..8].try_into().unwrap());
                slot!(frame, cx, dst + 1) = u64::from_le_bytes(b[8..].try_into().unwrap());
            },
    StoreV128: Instr::StoreV128 { addr, src, offset } => {
                let at = (slot!(frame, cx, addr) as u32 as u64) + offset as u64;
                let (lo, hi) = (slot!(frame, cx, src), slot!(frame, cx, src + 1));
                let bytes = ((hi as u128) << 64 | lo as u128).to_le_bytes();
                if !mem.write::<16>(at, bytes) {
                    return Err(Stop::Memory { address: at, len: 16 });
                }
            },
    SimdMem: Instr::SimdMem {
                op,
                lane,
                offset,
                h,
            } => {
                if !simd_mem(op, lane, offset, h, mem.slice(), frame_slice!(frame.p, cx), cx) {
                    return Err(Stop::Recorded);
                }
            },
    Call: Instr::Call { func: callee, base } => {
                (pc, frame.p) = cx.call::<false, false>(callee, base, pc)?;
            },
    Return: Instr::Return { src, arity } => {
                (pc, frame.p) = cx.ret(frame.p, src, arity, None)?;
            },
    CheckInterrupt: Instr::CheckInterrupt => {
                cx.check()?;
            },
    Count: Instr::Count(k) => {
                cx.count(k)?;
            },
    ReturnListened: Instr::ReturnListened { src, arity, func: listened } => {
                (pc, frame.p) = cx.ret(frame.p, src, arity, Some(listened))?;
            },
    I32AddShl: Instr::I32AddShl { dst, a, b, scale } => {
                let (x, y) = (frame.a(cx, a) as u32, frame.b(cx, b) as u32);
                frame.set(cx, dst, x.wrapping_add(y.wrapping_mul(scale as u32)) as u64);
            },
    I32LoadIdx: Instr::I32LoadIdx { dst, a, b, scale } => {
                let (x, y) = (frame.a(cx, a) as u32, frame.b(cx, b) as u32);
                load_at!(frame, cx, mem, dst, a, b, x.wrapping_add(y.wrapping_mul(scale as u32)), 4, |b| {
                    u32::from_le_bytes(b) as u64
                })
            },
    I64LoadIdx: Instr::I64LoadIdx { dst, a, b, scale } => {
                let (x, y) = (frame.a(cx, a) as u32, frame.b(cx, b) as u32);
                load_at!(frame, cx, mem, dst, a, b, x.wrapping_add(y.wrapping_mul(scale as u32)), 8, u64::from_le_bytes)
            },
    I32LoadAt: Instr::I32LoadAt { dst, a, c } => {
                let x = frame.a(cx, a) as u32;
                load_at!(frame, cx, mem, dst, a, a, x.wrapping_add(c), 4, |b| u32::from_le_bytes(b) as u64)
            },
    I64LoadAt: Instr::I64LoadAt { dst, a, c } => {
                let x = frame.a(cx, a) as u32;
                load_at!(frame, cx, mem, dst, a, a, x.wrapping_add(c), 8, u64::from_le_bytes)
            },
    Copy128: Instr::Copy128 { dst, src } => {
                slot!(frame, cx, dst) = slot!(frame, cx, src);
                slot!(frame, cx, dst + 1) = slot!(frame, cx, src + 1);
            },
    F64MulAdd: Instr::F64MulAdd { dst, a, b, m } => {
                let (x, y) = (frame.a(cx, a), frame.b(cx, b));
                let p = f64v(slot!(frame, cx, m as u32)) * f64v(y);
                frame.set(cx, dst, r64(f64v(x) + p));
            },
    F64MulSub: Instr::F64MulSub { dst, a, b, m } => {
                let (x, y) = (frame.a(cx, a), frame.b(cx, b));
                let p = f64v(slot!(frame, cx, m as u32)) * f64v(y);
                frame.set(cx, dst, r64(f64v(x) - p));
            },
    // (`add_br_if_handler_of` gives these their handlers specialised to the comparison;
    // these are the fast path's entries for them, which test it at run time.)
    AddBrIf: Instr::AddBrIf { pc: t, a, b, add, kind } => {
                let d = if kind & super::instr::ADD_TO_B != 0 { b } else { a };
                slot!(frame, cx, d) = (slot!(frame, cx, d) as u32).wrapping_add(add as i32 as u32) as u64;
                if super::instr::i32_holds(kind, slot!(frame, cx, a), slot!(frame, cx, b)) {
                    pc = cx.at(t);
                }
            },
    AddBrIfC: Instr::AddBrIfC { pc: t, a, c, add, kind } => {
                slot!(frame, cx, a) = (slot!(frame, cx, a) as u32).wrapping_add(add as i32 as u32) as u64;
                if super::instr::i32_holds(kind, slot!(frame, cx, a), c as u64) {
                    pc = cx.at(t);
                }
            },
    Select128: Instr::Select128 { h } => {
                if slot!(frame, cx, h - 1) == 0 {
                    slot!(frame, cx, h - 5) = slot!(frame, cx, h - 3);
                    slot!(frame, cx, h - 4) = slot!(frame, cx, h - 2);
                }
            },
}

/// Makes `acc_handler_of`: the handler of an instruction in mode `mode` (see [`Fr`]), if
/// it has that mode (the classes of handlers, each with its modes, and their names, which
/// are those of their instructions).
macro_rules! acc_handlers {
    ($( $class:ident $modes:tt { $($name:ident)* } )*) => {
        /// The handler of `instr` in mode `mode` (`None`: it has no such mode; mode 0 is
        /// [`handler_of`]'s).
        fn acc_handler_of(instr: &Instr, mode: u8) -> Option<HandlerFn> {
            if mode == 0 {
                return Some(handler_of(instr));
            }
            if let Instr::Return { arity: 1, .. } = instr {
                return (mode == IN_A).then_some(return_acc as HandlerFn);
            }
            // (A `v128.load`'s address.)
            if let Instr::LoadV128 { .. } = instr {
                return (mode == IN_A).then_some(LoadV128::<IN_A> as HandlerFn);
            }
            match *instr {
                $($(
                    Instr::$name { .. } => acc_pick!($name, mode, $modes),
                )*)*
                _ => None,
            }
        }
    };
}
/// `$name`'s handler in mode `$mode` if it is one of `$modes`.
macro_rules! acc_pick {
    ($name:ident, $mode:ident, [$($m:expr),*]) => {{
        $(
            if $mode == $m {
                return Some($name::<{ $m }> as HandlerFn);
            }
        )*
        None
    }};
}

// The handlers that take an operand from the accumulator or give their result to it, by
// the modes they have (see [`Fr`]): two operands, one, a branch on two, a branch on one,
// a store (its address is operand `a`, its value `b`), a copy (its source is `a`), a
// `br_table` (its index is `a`), a constant. The float accumulator's modes ([`FIN`],
// [`FOUT`]) are for `f64`s: of the `f64` operators (`float_binary`, `float_unary`, with
// every combination of the integer and the float ones), compares (`float_compare`),
// branches (`float_branch2`) and conversions (`to_float`'s results, `from_float`'s
// operands); loads of 64 bits (`to_float`, `load_index`: their result), `Store64`'s
// value, copies and 64-bit constants, which may be `f64`s.
acc_handlers! {
    binary [IN_A, IN_B, OUT, IN_A | OUT, IN_B | OUT, TEE, IN_A | TEE, IN_B | TEE] {
        I32Eq I32Ne I32LtS I32LtU I32GtS I32GtU I32LeS I32LeU I32GeS I32GeU I64Eq I64Ne
        I64LtS I64LtU I64GtS I64GtU I64LeS I64LeU I64GeS I64GeU F32Eq F32Ne F32Lt F32Gt
        F32Le F32Ge I32Add I32Sub I32Mul I32DivS I32DivU I32RemS I32RemU I32And I32Or
        I32Xor I32Shl I32ShrS I32ShrU I32Rotl I32Rotr I64Add I64Sub I64Mul I64DivS I64DivU
        I64RemS I64RemU I64And I64Or I64Xor I64Shl I64ShrS I64ShrU I64Rotl I64Rotr F32Add
        F32Sub F32Mul F32Div F32Min F32Max F32Copysign I32AddShl I32LoadIdx
    }
    float_binary [
        IN_A, IN_B, OUT, IN_A | OUT, IN_B | OUT, TEE, IN_A | TEE, IN_B | TEE,
        IN_A | FIN, IN_B | FIN, IN_A | FIN | OUT, IN_B | FIN | OUT, IN_A | FIN | TEE,
        IN_B | FIN | TEE, OUT | FOUT, TEE | FOUT, IN_A | OUT | FOUT, IN_B | OUT | FOUT,
        IN_A | TEE | FOUT, IN_B | TEE | FOUT, IN_A | FIN | OUT | FOUT,
        IN_B | FIN | OUT | FOUT, IN_A | FIN | TEE | FOUT, IN_B | FIN | TEE | FOUT
    ] {
        F64Add F64Sub F64Mul F64Div F64Min F64Max F64Copysign F64MulAdd F64MulSub
    }
    float_compare [
        IN_A, IN_B, OUT, IN_A | OUT, IN_B | OUT, TEE, IN_A | TEE, IN_B | TEE,
        IN_A | FIN, IN_B | FIN, IN_A | FIN | OUT, IN_B | FIN | OUT, IN_A | FIN | TEE,
        IN_B | FIN | TEE
    ] {
        F64Eq F64Ne F64Lt F64Gt F64Le F64Ge
    }
    load_index [
        IN_A, IN_B, OUT, IN_A | OUT, IN_B | OUT, TEE, IN_A | TEE, IN_B | TEE, OUT | FOUT,
        TEE | FOUT, IN_A | OUT | FOUT, IN_B | OUT | FOUT, IN_A | TEE | FOUT,
        IN_B | TEE | FOUT
    ] {
        I64LoadIdx
    }
    unary [IN_A, OUT, IN_A | OUT, TEE, IN_A | TEE] {
        I32Load I32Load8S I32Load8U I32Load16S I32Load16U I64Load8S I64Load8U I64Load16S
        I64Load16U I64Load32S I64Load32U I32Eqz I64Eqz I32Clz I32Ctz I32Popcnt I64Clz
        I64Ctz I64Popcnt F32Abs F32Neg F32Ceil F32Floor F32Trunc F32Nearest F32Sqrt
        I32WrapI64 I32TruncF32S I32TruncF32U I64ExtendI32S I64TruncF32S I64TruncF32U
        F32ConvertI32S F32ConvertI32U F32ConvertI64S F32ConvertI64U I32Extend8S
        I32Extend16S I64Extend8S I64Extend16S I64Extend32S I32TruncSatF32S I32TruncSatF32U
        I64TruncSatF32S I64TruncSatF32U I32AddC I32SubC I32MulC I32AndC I32OrC I32XorC
        I32ShlC I32ShrSC I32ShrUC I32RotlC I32RotrC I32EqC I32NeC I32LtSC I32LtUC I32GtSC
        I32GtUC I32LeSC I32LeUC I32GeSC I32GeUC I32LoadAt
    }
    float_unary [
        IN_A, OUT, IN_A | OUT, TEE, IN_A | TEE, IN_A | FIN, IN_A | FIN | OUT,
        IN_A | FIN | TEE, OUT | FOUT, TEE | FOUT, IN_A | OUT | FOUT, IN_A | TEE | FOUT,
        IN_A | FIN | OUT | FOUT, IN_A | FIN | TEE | FOUT
    ] {
        F64Abs F64Neg F64Ceil F64Floor F64Trunc F64Nearest F64Sqrt
    }
    to_float [
        IN_A, OUT, IN_A | OUT, TEE, IN_A | TEE, OUT | FOUT, TEE | FOUT, IN_A | OUT | FOUT,
        IN_A | TEE | FOUT
    ] {
        I64Load I64LoadAt F64ConvertI32S F64ConvertI32U F64ConvertI64S F64ConvertI64U
        F64PromoteF32
    }
    from_float [IN_A, OUT, IN_A | OUT, TEE, IN_A | TEE, IN_A | FIN, IN_A | FIN | OUT, IN_A | FIN | TEE] {
        I32TruncF64S I32TruncF64U I64TruncF64S I64TruncF64U I32TruncSatF64S
        I32TruncSatF64U I64TruncSatF64S I64TruncSatF64U F32DemoteF64
    }
    branch2 [IN_A, IN_B] {
        BrIfI32Eq BrIfI32Ne BrIfI32LtS BrIfI32LtU BrIfI32GtS BrIfI32GtU BrIfI32LeS
        BrIfI32LeU BrIfI32GeS BrIfI32GeU BrIfI64Eq BrIfI64Ne BrIfI64LtS BrIfI64LtU
        BrIfI64GtS BrIfI64GtU BrIfI64LeS BrIfI64LeU BrIfI64GeS BrIfI64GeU
    }
    float_branch2 [IN_A, IN_B, IN_A | FIN, IN_B | FIN] {
        BrIfF64Eq BrIfF64Ne BrIfF64Lt BrIfF64Gt BrIfF64Le BrIfF64Ge BrIfF64NotLt
        BrIfF64NotGt BrIfF64NotLe BrIfF64NotGe
    }
    branch1 [IN_A] {
        JumpIfZero JumpIfNonZero BrIfI32EqC BrIfI32NeC BrIfI32LtSC BrIfI32LtUC BrIfI32GtSC
        BrIfI32GtUC BrIfI32LeSC BrIfI32LeUC BrIfI32GeSC BrIfI32GeUC
    }
    store [IN_A, IN_B] {
        Store32 Store8 Store16
    }
    store64 [IN_A, IN_B, IN_B | FIN] {
        Store64
    }
    copy [
        IN_A, OUT, IN_A | OUT, TEE, IN_A | TEE, IN_A | FIN, IN_A | FIN | OUT,
        IN_A | FIN | TEE, OUT | FOUT, TEE | FOUT, IN_A | OUT | FOUT, IN_A | TEE | FOUT,
        IN_A | FIN | OUT | FOUT, IN_A | FIN | TEE | FOUT
    ] {
        Copy
    }
    table [IN_A] {
        BrTable
    }
    constant [OUT, TEE] {
        Const32
    }
    constant64 [OUT, TEE, OUT | FOUT, TEE | FOUT] {
        Const64
    }
}

// The code of a function: what the translator makes (`super::translate`) and the fast
// path runs (here, below the translator: the translator builds `Op`s).

/// The translated code of one function, with what the executor needs at a call.
/// Immutable once built. Positions (`pc`) are indices into `instrs`; the function starts
/// at 0.
///
/// (Laid out for the call: what [`Cx::call`] reads, `instrs`, `consts`, `params`,
/// `locals` and `max_height`, comes first, in the first 48 bytes, and the code is
/// aligned to a cache line, so that a call of a function reads one line of it, not the
/// three that the compiler's order spread those fields over. CPython's start-up made
/// 5.4 million calls, most of them of a function whose line was not in the cache.)
#[derive(Debug)]
#[repr(C, align(64))]
pub(crate) struct CompiledFunc {
    /// The instructions, each with its fast-path handler.
    pub instrs: Box<[Op]>,
    /// The values of the constant slots after the locals, copied in on entry.
    pub consts: Box<[u64]>,
    /// Parameter slots.
    pub params: u32,
    /// Declared (non-parameter) local slots, zeroed on entry.
    pub locals: u32,
    /// Slots the frame may use at most: locals plus the deepest operand stack.
    pub max_height: u32,
    /// Its code id, set when it is published ([`Funcs::publish`]; `u32::MAX` before): the
    /// fast path knows the running function by its code alone.
    pub id: u32,
    /// Each instruction's accumulator mode (see [`Fr`]; its handler is that mode's), or
    /// empty when no instruction has one.
    pub modes: Box<[u8]>,
    /// Module byte offset of the operator each instruction came from.
    pub offsets: Box<[u32]>,
    /// `v128.const` values and `i8x16.shuffle` lanes.
    pub v128_consts: Box<[u128]>,
    /// The GC operators (`Instr::Gc`, `Instr::JumpIfCast`).
    pub gc: Box<[GcOp]>,
    /// The switch points (positions of entry and loop interrupt checks, listener entry
    /// hooks and calls), in order, when the module has two variants (see
    /// `ModuleCode::remap`); empty otherwise.
    pub points: Box<[u32]>,
    /// Exception handlers (`try_table`, the legacy `try`), innermost first: a throw at
    /// position `pc` is caught by the first that covers `pc` and has a matching clause
    /// (see [`Handler`]).
    pub handlers: Box<[Handler]>,
    /// Positions (in order) of the calls that stand for tail calls (`return_call` of an
    /// import, `return_call_indirect` of another instance's function): this frame is
    /// replaced in the spec's semantics, so its handlers do not catch what they throw.
    pub tail_sites: Box<[u32]>,
}

/// The instructions of a `try_table` (or a legacy `try`'s body) and what catches an
/// exception thrown at one of them (or in a function they call).
#[derive(Debug, Clone)]
pub(crate) struct Handler {
    /// Positions `start..end` are covered.
    pub start: u32,
    pub end: u32,
    /// The construct's nesting depth (index of its control frame; 0 is the function's
    /// body): a `delegate` passes exceptions on to handlers at most this deep.
    pub depth: u32,
    pub kind: HandlerKind,
}

/// What a handler does with an exception.
#[derive(Debug, Clone)]
pub(crate) enum HandlerKind {
    /// The first clause whose tag matches catches it; none: it goes on outwards.
    Catch(Vec<Clause>),
    /// A legacy `try ... delegate`: the exception goes on to the handlers that cover
    /// `start` and are at most `Some(depth)` deep (after this one in the list); `None`:
    /// to the caller.
    Delegate(Option<u32>),
}

/// A catch clause.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Clause {
    /// The module's tag index; `None` catches every exception (`catch_all`).
    pub tag: Option<u32>,
    /// The payload goes to the frame's slots from `dst` (for `catch_all`: none).
    pub dst: u32,
    /// Where the `exnref` goes (`catch_ref`, `catch_all_ref`, the legacy catches' hidden
    /// slot that `rethrow` reads), if anywhere.
    pub exn_slot: Option<u32>,
    /// Where execution continues.
    pub pad: u32,
}

impl CompiledFunc {
    /// Slots of locals and constants: where the operand stack starts.
    pub(crate) fn frame_slots(&self) -> u32 {
        self.params + self.locals + self.consts.len() as u32
    }
}

#[cfg(test)]
mod mode_tests {
    use super::*;

    /// `local 1 = local 0 + 1; (that + 1)`, then a return, with the given modes.
    fn func(modes: &[u8]) -> CompiledFunc {
        let instrs = [
            Instr::I32AddC { dst: 2, a: 0, c: 1 },
            Instr::I32AddC { dst: 2, a: 2, c: 1 },
            Instr::JumpIfZero { pc: 1, c: 2 },
            Instr::Return { src: 2, arity: 1 },
        ];
        CompiledFunc {
            id: u32::MAX,
            params: 2,
            locals: 0,
            max_height: 4,
            instrs: instrs.iter().map(|&i| Op::new(i)).collect(),
            modes: modes.into(),
            offsets: vec![0; instrs.len()].into(),
            consts: Box::new([]),
            v128_consts: Box::new([]),
            gc: Box::new([]),
            points: Box::new([]),
            handlers: Box::new([]),
            tail_sites: Box::new([]),
        }
    }

    /// `check` refuses a load or store whose `end` is below its width, which the
    /// handlers rely on (`at_least!`), and takes one whose `end` is its width (offset 0).
    #[test]
    fn check_refuses_an_access_that_ends_before_its_start() {
        let code = |access: Instr| {
            let mut f = func(&[]);
            let instrs = [access, Instr::Return { src: 2, arity: 1 }];
            f.instrs = instrs.iter().map(|&i| Op::new(i)).collect();
            f.offsets = vec![0; instrs.len()].into();
            check(&f)
        };
        let (dst, addr, src) = (2, 0, 1);
        for (access, width) in [
            (Instr::I32Load { dst, addr, end: 4 }, 4),
            (Instr::I64Load { dst, addr, end: 8 }, 8),
            (Instr::I32Load8U { dst, addr, end: 1 }, 1),
            (Instr::I64Load16S { dst, addr, end: 2 }, 2),
            (Instr::Store32 { addr, src, end: 4 }, 4),
            (Instr::Store64 { addr, src, end: 8 }, 8),
            (Instr::Store8 { addr, src, end: 1 }, 1),
        ] {
            assert_eq!(access.access_end(), Some((width, width)), "{access:?}");
            assert!(code(access).is_ok(), "{access:?}");
        }
        for bad in [
            Instr::I32Load { dst, addr, end: 3 },
            Instr::I64Load { dst, addr, end: 7 },
            Instr::I64Load32U { dst, addr, end: 0 },
            Instr::I32Load16U { dst, addr, end: 1 },
            Instr::Store64 { addr, src, end: 7 },
            Instr::Store16 { addr, src, end: 1 },
            Instr::Store8 { addr, src, end: 0 },
        ] {
            let e = code(bad).expect_err("an access that ends before its start");
            assert!(
                e.to_string().contains("ends its access before its start"),
                "{e}"
            );
        }
    }

    #[test]
    fn the_accumulator_modes_that_check_refuses() {
        assert!(check(&func(&[])).is_ok());
        assert!(check(&func(&[0, 0, 0, 0])).is_ok());
        // (The second instruction is a jump target.)
        assert!(check(&func(&[OUT, IN_A, 0, 0])).is_err());
        let mut ok = func(&[0, OUT, IN_A, 0]);
        assert!(check(&ok).is_ok());
        assert!(check(&func(&[0, TEE, IN_A, 0])).is_ok());
        for bad in [
            &[0, OUT, 0, 0][..],       // given, never taken
            &[0, 0, IN_A, 0],          // taken, never given
            &[0, OUT, IN_A | IN_B, 0], // two operands from one value
            &[0, OUT, IN_B, 0],        // a mode the branch has not
            &[0, 0, 0, OUT],           // a mode the return has not
            &[0, OUT, IN_A],           // not one mode per instruction
            &[0, OUT | TEE, IN_A, 0],  // given twice
        ] {
            assert!(check(&func(bad)).is_err(), "{bad:?}");
        }
        ok.modes = Box::new([0, OUT, IN_A | OUT, 0]);
        assert!(check(&ok).is_err(), "the branch gives nothing");
        // The branch reads another slot than the sum's.
        let mut other = func(&[0, OUT, IN_A, 0]);
        other.instrs[2] = Op::new(Instr::JumpIfZero { pc: 1, c: 3 });
        assert!(check(&other).is_err());
        // A return of the value given.
        let mut ret = func(&[0, 0, 0, 0]);
        ret.instrs[2] = Op::new(Instr::I32AddC { dst: 2, a: 2, c: 1 });
        ret.modes = Box::new([0, 0, OUT, IN_A]);
        assert!(check(&ret).is_ok());
    }

    #[test]
    fn every_mode_of_the_classes_has_its_handler() {
        let add = Instr::I32Add { dst: 0, a: 1, b: 2 };
        for m in [
            IN_A,
            IN_B,
            OUT,
            IN_A | OUT,
            IN_B | OUT,
            TEE,
            IN_A | TEE,
            IN_B | TEE,
        ] {
            assert!(has_mode(&add, m), "{m}");
        }
        assert!(!has_mode(&add, OUT | TEE));
        assert!(!has_mode(&add, IN_A | IN_B));
        let store = Instr::Store32 {
            addr: 0,
            src: 1,
            end: 4,
        };
        assert!(has_mode(&store, IN_A) && has_mode(&store, IN_B) && !has_mode(&store, OUT));
        let call = Instr::Call { func: 0, base: 0 };
        assert!(has_mode(&call, 0) && !has_mode(&call, IN_A) && !has_mode(&call, OUT));
    }

    /// `f64` operators have the float accumulator's modes, and every combination of the
    /// integer and float ones; what takes or gives an integer or an `f32` has none.
    #[test]
    fn the_float_accumulator_is_for_f64s_only() {
        let mul = Instr::F64Mul { dst: 0, a: 1, b: 2 };
        for take in [0, IN_A, IN_B, IN_A | FIN, IN_B | FIN] {
            for give in [0, OUT, TEE, OUT | FOUT, TEE | FOUT] {
                assert!(has_mode(&mul, take | give), "{take} {give}");
            }
        }
        assert!(!has_mode(&mul, FIN) && !has_mode(&mul, FOUT));
        let bits = |i: Instr| (0..64u8).filter(move |&m| has_mode(&i, m));
        // Integer and `f32` operands and results: no float mode.
        for i in [
            Instr::I64Add { dst: 0, a: 1, b: 2 },
            Instr::F32Mul { dst: 0, a: 1, b: 2 },
            Instr::I32LoadIdx {
                dst: 0,
                a: 1,
                b: 2,
                scale: 4,
            },
            Instr::Store32 {
                addr: 0,
                src: 1,
                end: 4,
            },
            Instr::Const32 { dst: 0, c: 1 },
            Instr::BrIfI64Eq { pc: 0, a: 1, b: 2 },
        ] {
            assert!(bits(i).all(|m| m & (FIN | FOUT) == 0), "{i:?}");
        }
        // An `f64` operand, an integer result: no `FOUT`.
        for i in [
            Instr::F64Lt { dst: 0, a: 1, b: 2 },
            Instr::I32TruncF64S { dst: 0, a: 1 },
            Instr::F32DemoteF64 { dst: 0, a: 1 },
        ] {
            assert!(has_mode(&i, IN_A | FIN), "{i:?}");
            assert!(bits(i).all(|m| m & FOUT == 0), "{i:?}");
        }
        // An integer operand (an address, or what is converted), an `f64` result: no
        // `FIN`.
        for i in [
            Instr::I64Load {
                dst: 0,
                addr: 1,
                end: 8,
            },
            Instr::F64ConvertI32S { dst: 0, a: 1 },
            Instr::F64PromoteF32 { dst: 0, a: 1 },
        ] {
            assert!(has_mode(&i, IN_A | OUT | FOUT), "{i:?}");
            assert!(bits(i).all(|m| m & FIN == 0), "{i:?}");
        }
        // A store's value may be an `f64`, its address never.
        let store = Instr::Store64 {
            addr: 0,
            src: 1,
            end: 8,
        };
        assert!(has_mode(&store, IN_B | FIN) && !has_mode(&store, IN_A | FIN));
        // The `f64` operators, not what carries 64 bits or computes on other types.
        let (a, b, dst) = (1, 2, 0);
        for i in [
            Instr::F64Mul { dst, a, b },
            Instr::F64Lt { dst, a, b },
            Instr::F64Sqrt { dst, a },
            Instr::F64ConvertI32S { dst, a },
            Instr::I32TruncF64S { dst, a },
            Instr::F32DemoteF64 { dst, a },
            Instr::BrIfF64Lt { pc: 0, a, b },
        ] {
            assert!(float_typed(&i), "{i:?}");
        }
        for i in [
            Instr::I64Load {
                dst,
                addr: a,
                end: 8,
            },
            store,
            Instr::Copy { dst, src: a },
            Instr::Const64 { dst, c: 1 },
            Instr::I64Add { dst, a, b },
            Instr::F32Add { dst, a, b },
        ] {
            assert!(!float_typed(&i), "{i:?}");
        }
    }

    /// An `f64` sum given to the float accumulator, then a product that takes it.
    fn float_func(modes: &[u8]) -> CompiledFunc {
        let mut f = func(&[]);
        let instrs = [
            Instr::F64Add { dst: 2, a: 0, b: 1 },
            Instr::F64Mul { dst: 2, a: 2, b: 0 },
            Instr::F64Neg { dst: 2, a: 2 },
            Instr::Return { src: 2, arity: 1 },
        ];
        f.instrs = instrs.iter().map(|&i| Op::new(i)).collect();
        f.modes = modes.into();
        f
    }

    /// A value given to the accumulator and to its slot, held past two instructions,
    /// then taken.
    fn held_func(modes: &[u8]) -> CompiledFunc {
        let mut f = func(&[]);
        let instrs = [
            Instr::I32AddC { dst: 2, a: 0, c: 1 },
            Instr::BrIfI32LtUC { pc: 5, a: 2, c: 9 },
            Instr::I32AddC { dst: 3, a: 1, c: 1 },
            Instr::I32AddC { dst: 3, a: 2, c: 7 },
            Instr::Return { src: 3, arity: 1 },
            Instr::Return { src: 2, arity: 1 },
        ];
        f.instrs = instrs.iter().map(|&i| Op::new(i)).collect();
        f.modes = modes.into();
        f
    }

    #[test]
    fn check_refuses_a_held_value_it_cannot_vouch_for() {
        assert!(check(&held_func(&[TEE, IN_A | HELD, HELD, IN_A, 0, 0])).is_ok());
        assert!(check(&held_func(&[TEE, HELD, HELD, IN_A, 0, 0])).is_ok());
        for bad in [
            &[OUT, IN_A | HELD, HELD, IN_A, 0, 0][..], // only the accumulator had it
            &[TEE, IN_A, HELD, IN_A, 0, 0],            // a gap in the holding
            &[TEE, IN_A | HELD, 0, IN_A, 0, 0],        // and another
            &[TEE, HELD, HELD | TEE, IN_A, 0, 0],      // an instruction between gives
            &[TEE, HELD, HELD, 0, 0, 0],               // held for nothing
            &[0, HELD, HELD, IN_A, 0, 0],              // nothing gave it
        ] {
            assert!(check(&held_func(bad)).is_err(), "{bad:?}");
        }
        // Three held, the most; a return cannot be one of them (it does not fall through).
        let mut ret = held_func(&[TEE, IN_A | HELD, HELD, HELD, IN_A, 0]);
        ret.instrs[3] = Op::new(Instr::I32AddC { dst: 3, a: 1, c: 2 });
        ret.instrs[4] = Op::new(Instr::I32AddC { dst: 3, a: 2, c: 7 });
        ret.instrs[5] = Op::new(Instr::Return { src: 3, arity: 1 });
        assert!(check(&ret).is_ok());
        ret.instrs[3] = Op::new(Instr::Return { src: 1, arity: 1 });
        assert!(check(&ret).is_err());
        // A value given to the float accumulator, taken from the integer one past two
        // held instructions.
        let mut float = held_func(&[]);
        float.instrs[0] = Op::new(Instr::F64Add { dst: 2, a: 0, b: 1 });
        float.instrs[3] = Op::new(Instr::I64Eqz { dst: 3, a: 2 });
        float.modes = Box::new([TEE | FOUT, IN_A | FIN | HELD, HELD, IN_A | FIN, 0, 0]);
        assert!(check(&float).is_err(), "I64Eqz has no FIN mode");
        float.instrs[3] = Op::new(Instr::F64Neg { dst: 3, a: 2 });
        float.instrs[1] = Op::new(Instr::BrIfF64Lt { pc: 5, a: 2, b: 0 });
        assert!(check(&float).is_ok());
        float.modes = Box::new([TEE | FOUT, IN_A | FIN | HELD, HELD, IN_A, 0, 0]);
        assert!(check(&float).is_err(), "taken from the other accumulator");
        // The instruction between writes the slot the taker reads.
        let mut wrote = held_func(&[TEE, IN_A | HELD, HELD, IN_A, 0, 0]);
        wrote.instrs[2] = Op::new(Instr::I32AddC { dst: 2, a: 1, c: 1 });
        assert!(check(&wrote).is_err());
        // A jump into the held instructions.
        let mut jumped = held_func(&[TEE, IN_A | HELD, HELD, IN_A, 0, 0]);
        jumped.instrs[1] = Op::new(Instr::BrIfI32LtUC { pc: 2, a: 2, c: 9 });
        assert!(check(&jumped).is_err());
    }

    #[test]
    fn check_refuses_a_value_taken_from_the_other_accumulator() {
        assert!(check(&float_func(&[OUT | FOUT, IN_A | FIN, 0, 0])).is_ok());
        assert!(check(&float_func(&[
            OUT | FOUT,
            IN_A | FIN | OUT | FOUT,
            IN_A | FIN,
            0
        ]))
        .is_ok());
        assert!(check(&float_func(&[OUT, IN_A, 0, 0])).is_ok());
        // (The product gives an integer to the negation, which takes it so: the bits.)
        assert!(check(&float_func(&[OUT | FOUT, IN_A | FIN | OUT, IN_A, 0])).is_ok());
        for bad in [
            &[OUT | FOUT, IN_A, 0, 0][..], // given to the float one, taken from the other
            &[OUT, IN_A | FIN, 0, 0],      // and the other way round
            &[OUT | FOUT, IN_A | FIN | OUT | FOUT, IN_A, 0],
            &[FOUT, 0, 0, 0],                   // the float one, and nothing given
            &[0, FIN, 0, 0],                    // the float one, and nothing taken
            &[OUT | FOUT, IN_A | FIN, 0, IN_A], // nothing gave the return its value
        ] {
            assert!(check(&float_func(bad)).is_err(), "{bad:?}");
        }
        // A one-slot return takes from the integer accumulator only.
        assert!(check(&float_func(&[0, 0, OUT, IN_A])).is_ok());
        assert!(check(&float_func(&[0, 0, OUT | FOUT, IN_A | FIN])).is_err());
    }

    /// A value given to the accumulator alone is not in its slot: an instruction that
    /// takes it may not also read that slot (`z = c + z * z` fused, `m` the slot).
    #[test]
    fn check_refuses_a_slot_read_of_a_value_given_to_the_accumulator_alone() {
        let fused = |m: u16, modes: &[u8]| {
            let mut f = func(&[]);
            let instrs = [
                Instr::F64Sqrt { dst: 2, a: 1 },
                Instr::F64MulAdd {
                    dst: 2,
                    a: 0,
                    b: 2,
                    m,
                },
                Instr::Return { src: 2, arity: 1 },
            ];
            f.instrs = instrs.iter().map(|&i| Op::new(i)).collect();
            f.modes = modes.into();
            f
        };
        assert!(check(&fused(1, &[OUT | FOUT, IN_B | FIN, 0])).is_ok());
        // (Given to its slot too: the factor reads it there.)
        assert!(check(&fused(2, &[TEE | FOUT, IN_B | FIN, 0])).is_ok());
        assert!(check(&fused(2, &[OUT | FOUT, IN_B | FIN, 0])).is_err());
        // Its other operand, the same way.
        let mut f = float_func(&[OUT | FOUT, IN_A | FIN, 0, 0]);
        f.instrs[1] = Op::new(Instr::F64Mul { dst: 2, a: 2, b: 2 });
        assert!(check(&f).is_err());
        f.modes = [TEE | FOUT, IN_A | FIN, 0, 0].into();
        assert!(check(&f).is_ok());
    }
}
