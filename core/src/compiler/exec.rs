//! Running compiled code: entering it from Rust with the instance's items held, and the
//! libcalls through which it reaches the store (calls to imports and through tables,
//! tables, bulk memory, `memory.grow`, traps).
//!
//! `unsafe` here, and why it holds:
//! - entering compiled code: an entry address is a finalised array trampoline of the
//!   instance's module ([`super::code::NativeModule`]), called with a `VmCtx` that lives
//!   for the call and a value array of the function's parameter and result slots;
//! - the `VmCtx` handed to compiled code points into the items the call holds (memory 0's
//!   bytes, each global's value): they stay locked, and so in place, while compiled code
//!   runs; every libcall that may move them (`memory.grow`, a call that lets go of the
//!   items) writes the new addresses back before compiled code continues, and compiled
//!   code reads them again after every call (memory 0's where used, the others'
//!   reloaded). What never moves for a call is read once where the optimiser places it
//!   (`readonly` loads): a guarded memory 0's base (its reservation grows in place,
//!   `crate::linear`), the globals' slot table (made once per instance, its slots inside
//!   items that never move), each slot's address, and the module's code table;
//! - libcalls dereference the `VmCtx` and the `Running` it points to: compiled code only
//!   passes the `VmCtx` it was given, and `Running` outlives the call;
//! - the shadow stack (code compiled for listeners): compiled code writes its frames
//!   through the header's base pointer, and Rust reads and grows it only inside libcalls,
//!   while compiled code waits; the `ShadowStack` lives in the outermost `invoke`.
//!
//! A panic inside a libcall (a host function's) is caught, the call unwinds as for a
//! trap, and the panic resumes once compiled code has returned: no unwinding crosses
//! native frames.
#![allow(unsafe_code)]

use std::any::Any;
use std::sync::Arc;

use super::signals;
use super::translate::{Libcall, Libcalls, LIBCALLS, TRAP_CODES};
use crate::error::Exception;
use crate::error::{Error, MemoryAccess, Result, TraceFrame, TrapCode};
use crate::interp::num::span;
use crate::listener::{
    CallContext, FrameTypes, ListenerAction, StackFrame, StackIterator, WalkFrames,
};
use crate::store::{FuncInst, Held, HeldItems, Instance, Registry, Store, View};

/// What compiled code reads of its instance (offsets in [`super::translate::vmctx`]).
#[repr(C)]
pub(crate) struct VmCtx {
    mem_base: *mut u8,
    mem_len: u64,
    globals: *const *mut u64,
    ret: u64,
    stack_limit: u64,
    trapped: u64,
    /// The call's [`Running`] (Rust only).
    running: *mut (),
    /// The entered instance's stop flag (an `AtomicU64`, read by compiled code with
    /// plain 8-byte loads, which are atomic on the targets the compiler supports).
    stop: *const u64,
    /// Interrupt checks left before `Poll` reads the clock.
    polls: i64,
    /// The module's code table (`NativeModule::code_table`).
    code: *const usize,
    /// Fuel left (code compiled with fuel charges it).
    fuel: i64,
    /// The call's shadow stack (code compiled for listeners keeps its frames there).
    shadow: *mut ShadowHeader,
    /// Every memory's base address and length (`Running::mems`).
    mems: *const [u64; 2],
    /// Tiered compilation: the defined function the interpreter stub about to be called
    /// runs (set with the stub's address: [`callable`]).
    pending: u64,
}

// The offsets compiled code uses (`translate::vmctx`) are the fields' offsets.
const _: () = {
    use super::translate::vmctx as at;
    use std::mem::offset_of;
    assert!(offset_of!(VmCtx, mem_base) == at::MEM_BASE as usize);
    assert!(offset_of!(VmCtx, mem_len) == at::MEM_LEN as usize);
    assert!(offset_of!(VmCtx, globals) == at::GLOBALS as usize);
    assert!(offset_of!(VmCtx, ret) == at::RET as usize);
    assert!(offset_of!(VmCtx, stack_limit) == at::STACK_LIMIT as usize);
    assert!(offset_of!(VmCtx, trapped) == at::TRAPPED as usize);
    assert!(offset_of!(VmCtx, stop) == at::STOP as usize);
    assert!(offset_of!(VmCtx, polls) == at::POLLS as usize);
    assert!(offset_of!(VmCtx, code) == at::CODE as usize);
    assert!(offset_of!(VmCtx, fuel) == at::FUEL as usize);
    assert!(offset_of!(VmCtx, shadow) == at::SHADOW as usize);
    assert!(offset_of!(VmCtx, mems) == at::MEMS as usize);
    assert!(offset_of!(VmCtx, pending) == at::PENDING as usize);
};

/// What compiled code reads and writes of the shadow stack (offsets
/// `vmctx::SHADOW_*`): `len` frames at `base`, room for `cap`.
#[repr(C)]
struct ShadowHeader {
    base: *mut u64,
    len: u64,
    cap: u64,
    /// How many `after` (or `abort`) hooks are owed (`ShadowStack::owed`'s length).
    owed: u64,
}

/// The frames of a call's compiled functions, for the listeners' stack: code compiled
/// for a runtime with listeners writes each frame's function and current Wasm offset
/// (`def << 32 | offset`) here at entry and before each call, and takes it off when it
/// returns or unwinds. One per outermost call, shared by the instances it runs in.
struct ShadowStack {
    header: ShadowHeader,
    /// The frames' memory (`header.base`; compiled code writes it through that pointer,
    /// so Rust reads it through that pointer too).
    frames: Vec<u64>,
    /// Where each instance's stretch of frames starts, and the instance, in order.
    segments: Vec<(u64, u32)>,
    /// The `after` (or `abort`) hooks owed by listened functions that tail-called: the frame (index)
    /// that owes each, and the function (defined index, in that frame's instance).
    owed: Vec<(u64, u32)>,
}

impl ShadowStack {
    fn new() -> Self {
        ShadowStack {
            header: ShadowHeader {
                base: std::ptr::null_mut(),
                len: 0,
                cap: 0,
                owed: 0,
            },
            frames: Vec::new(),
            segments: Vec::new(),
            owed: Vec::new(),
        }
    }

    /// Takes the `after` hooks owed at frame `frame` off the list (latest first): the
    /// functions' defined indices.
    fn take_owed(&mut self, frame: u64) -> Vec<u64> {
        let mut owed = Vec::new();
        while self.owed.last().is_some_and(|(f, _)| *f == frame) {
            owed.extend(self.owed.pop().map(|(_, def)| def as u64));
        }
        self.header.owed = self.owed.len() as u64;
        owed
    }

    /// Frame `j` (0: the outermost): its instance, function and module offset.
    fn frame(&self, j: u64) -> Option<(u32, u32, u32)> {
        if j >= self.header.len || j >= self.frames.len() as u64 {
            return None;
        }
        // SAFETY: `j` is below the frames' length (`frames` owns `header.base`'s memory,
        // every element initialised), and no compiled code runs while Rust reads it
        // (only libcalls do).
        let word = unsafe { self.header.base.add(j as usize).read() };
        let inst = self.segments.iter().rev().find(|(start, _)| *start <= j)?.1;
        Some((inst, (word >> 32) as u32, word as u32))
    }
}

/// A call's compiled frames, innermost first, as the listener API reads them; the
/// innermost frame's locals are given when `top_params` is (its parameters and zeroed
/// locals at its entry: the only values compiled code keeps), made when first read.
struct ShadowFrames<'a> {
    shadow: &'a ShadowStack,
    reg: &'a Registry,
    top_params: Option<&'a [u64]>,
    top_locals: std::cell::OnceCell<Vec<u64>>,
}

impl WalkFrames for ShadowFrames<'_> {
    fn count(&self) -> usize {
        self.shadow.header.len as usize
    }

    fn frame(&self, i: usize) -> Option<StackFrame<'_>> {
        let j = self.shadow.header.len.checked_sub(i as u64 + 1)?;
        let (inst, def, offset) = self.shadow.frame(j)?;
        let data = self.reg.instances.get(inst as usize)?;
        let module = data.module.as_ref()?;
        let index = module.num_imported_funcs + def;
        let definition = match &data.listeners {
            Some(l) => l.definitions.get(index as usize)?.clone(),
            None => Arc::new(crate::module::definition(module, &data.name, index)),
        };
        let locals: &[u64] = match (i, self.top_params) {
            (0, Some(params)) => self.top_locals.get_or_init(|| {
                let slots: usize = module
                    .local_types(def)
                    .map_or(0, |t| t.iter().map(|t| t.slots()).sum());
                let mut locals = params.to_vec();
                locals.resize(slots.max(params.len()), 0);
                locals
            }),
            _ => &[],
        };
        Some(StackFrame {
            definition,
            source_offset: Some((offset as u64).saturating_sub(module.code_section_offset as u64)),
            locals,
            operands: &[],
            types: FrameTypes::Wasm {
                module,
                def,
                at: Some(offset as u64),
            },
        })
    }
}

/// The Rust side of a stretch of a call running compiled code in one instance.
struct Running<'a, 'h> {
    store: &'a Store,
    reg: Arc<Registry>,
    inst: u32,
    data: &'a Arc<Instance>,
    /// The instance's items, held while its code runs (let go during a call into another
    /// instance, and taken again before compiled code goes on): the slot of whoever
    /// locked them ([`call_instance`], or the interpreter calling a hot function of the
    /// instance it runs in, tiered).
    held: &'h mut Option<Held<'a>>,
    /// The instance the whole call entered (closed meanwhile: the call ends).
    entry: u32,
    /// Each memory's base address and length, for `VmCtx::mems` (refreshed with them).
    mems: Vec<[u64; 2]>,
    /// The error being unwound, with the frames recorded so far.
    error: Option<Error>,
    /// A panic caught in a libcall, resumed once compiled code has returned.
    panic: Option<Box<dyn Any + Send>>,
    /// The entered instance's stop flag, and the call's deadline.
    control: Arc<crate::store::InstanceControl>,
    deadline: Option<std::time::Instant>,
    /// The call's shadow stack (read by the listener hooks).
    shadow: *mut ShadowStack,
    /// An `after` hook failed: the frame unwinds without `abort`.
    skip_abort: bool,
    /// The frames unwound so far (defined function, Wasm offset), innermost first: they
    /// become the error's trace when it leaves this instance's code (or before an
    /// `abort` reads it), and are dropped when a handler catches an exception.
    unwound: Vec<(u32, u32)>,
}

impl<'a, 'h> Running<'a, 'h> {
    /// The call's shadow stack.
    fn shadow(&self) -> &ShadowStack {
        // SAFETY: `shadow` points to the `ShadowStack` of the outermost `invoke`, which
        // outlives every `Running` of the call; Rust only reads it inside libcalls, when
        // compiled code is not running, and the only writer on the Rust side
        // (`lc_shadow_grow`, `call_instance`'s segments) holds no other reference.
        unsafe { &*self.shadow }
    }
    fn held(&mut self) -> &mut Held<'a> {
        // Only `call_instance` takes the items away, and it puts them back before
        // compiled code continues.
        self.held
            .as_mut()
            .expect("the items are held while compiled code runs")
    }

    /// Points `vm` at the held items (memory 0, globals).
    fn refresh(&mut self, vm: &mut VmCtx) {
        let data = self.data;
        let held = self.held();
        // Each global's slot stays where it is for the instance's life (inside its item),
        // so the table is made once per instance: compiled code loads its address once
        // per function.
        let globals = data.global_slots(held);
        let (mem, _) = held.memory_and_state(0);
        let (base, len) = match mem {
            Some(m) => (m.data.as_mut_ptr(), m.data.len() as u64),
            None => (std::ptr::null_mut(), 0),
        };
        vm.mem_base = base;
        vm.mem_len = len;
        vm.globals = globals.as_ptr() as *const *mut u64;
        // Multi-memory: every memory's, in the instance's index space.
        let held = self.held();
        let count = held.memory_ix.len();
        if count > 1 {
            let mut mems = std::mem::take(&mut self.mems);
            mems.clear();
            let held = self.held();
            for i in 0..count as u32 {
                let (m, _) = held.memory_and_state(i);
                mems.push(m.map_or([0, 0], |m| {
                    [m.data.as_mut_ptr() as u64, m.data.len() as u64]
                }));
            }
            self.mems = mems;
            vm.mems = self.mems.as_ptr();
        }
    }

    /// Adds the frames unwound so far to the error's trace.
    fn flush_trace(&mut self) {
        let unwound = std::mem::take(&mut self.unwound);
        let frames: Vec<TraceFrame> = (unwound.iter())
            .filter_map(|&(def, offset)| self.frame(def, offset))
            .collect();
        if let Some(e) = self.error.as_mut() {
            e.extend_trace(frames);
        }
    }

    /// Starts unwinding `error`.
    fn fail(&mut self, vm: &mut VmCtx, error: Error) -> u64 {
        self.error.get_or_insert(error);
        vm.trapped = 1;
        1
    }

    /// The trace frame of defined function `def` at module offset `offset`.
    fn frame(&self, def: u32, offset: u32) -> Option<TraceFrame> {
        let module = self.data.module.as_ref()?;
        let index = module.num_imported_funcs + def;
        let name = match module.func_names.get(&index) {
            Some(n) => format!("{}.{}", self.data.name, n),
            None => format!("{}.${}", self.data.name, index),
        };
        let code_offset = (offset as u64).saturating_sub(module.code_section_offset as u64);
        let sources = if self.store.debug_info {
            module.source_locations(code_offset)
        } else {
            Vec::new()
        };
        Some(TraceFrame {
            signature: format!("{name}{}", module.func_type(index)),
            code_offset: Some(code_offset),
            sources,
        })
    }
}

/// The libcalls' addresses, for the translator.
pub(crate) fn libcalls() -> Libcalls {
    type F = extern "C" fn(*mut VmCtx, u64, u64, u64, u64) -> u64;
    let mut table: [F; LIBCALLS] = [lc_trap; LIBCALLS];
    table[Libcall::Trap as usize] = lc_trap;
    table[Libcall::MemoryTrap as usize] = lc_memory_trap;
    table[Libcall::Frame as usize] = lc_frame;
    table[Libcall::Call as usize] = lc_call;
    table[Libcall::CallIndirect as usize] = lc_call_indirect;
    table[Libcall::MemoryGrow as usize] = lc_memory_grow;
    table[Libcall::MemoryFill as usize] = lc_memory_fill;
    table[Libcall::MemoryCopy as usize] = lc_memory_copy;
    table[Libcall::MemoryInit as usize] = lc_memory_init;
    table[Libcall::DataDrop as usize] = lc_data_drop;
    table[Libcall::TableGet as usize] = lc_table_get;
    table[Libcall::TableSet as usize] = lc_table_set;
    table[Libcall::TableSize as usize] = lc_table_size;
    table[Libcall::TableGrow as usize] = lc_table_grow;
    table[Libcall::TableFill as usize] = lc_table_fill;
    table[Libcall::TableCopy as usize] = lc_table_copy;
    table[Libcall::TableInit as usize] = lc_table_init;
    table[Libcall::ElemDrop as usize] = lc_elem_drop;
    table[Libcall::RefFunc as usize] = lc_ref_func;
    table[Libcall::Poll as usize] = lc_poll;
    table[Libcall::Compile as usize] = lc_compile;
    table[Libcall::Before as usize] = lc_before;
    table[Libcall::After as usize] = lc_after;
    table[Libcall::ShadowGrow as usize] = lc_shadow_grow;
    table[Libcall::ResolveIndirect as usize] = lc_resolve_indirect;
    table[Libcall::TailListened as usize] = lc_tail_listened;
    table[Libcall::OwedAfters as usize] = lc_owed_afters;
    table[Libcall::Throw as usize] = lc_throw;
    table[Libcall::ThrowRef as usize] = lc_throw_ref;
    table[Libcall::Catch as usize] = lc_catch;
    table[Libcall::ResolveRef as usize] = lc_resolve_ref;
    table[Libcall::CallRef as usize] = lc_call_ref;
    table[Libcall::Interpret as usize] = lc_interpret;
    table[Libcall::Gc as usize] = lc_gc;
    Libcalls(table.map(|f| f as usize))
}

/// An array trampoline: calls the code at the last argument with the arguments and
/// results in the `u64` slots.
type Entry = signals::Entry<VmCtx>;

/// The room compiled code leaves on the native stack for Rust (host functions, libcalls,
/// the runtime's own frames) below its limit.
const STACK_RESERVE: usize = 256 * 1024;
/// At least this much stack left when compiled code is entered, or it runs on a new one.
const STACK_RED_ZONE: usize = 1024 * 1024;
/// The size of such a new stack.
const STACK_SIZE: usize = 8 * 1024 * 1024;

/// The lowest stack address compiled code entered from here may use.
fn stack_limit() -> u64 {
    // A local's address: where the stack is now.
    let marker = 0u8;
    let here = std::hint::black_box(&marker) as *const u8 as usize;
    let remaining = stacker::remaining_stack().unwrap_or(STACK_RED_ZONE);
    here.saturating_sub(remaining.saturating_sub(STACK_RESERVE)) as u64
}

/// Calls store function `func` (a Wasm function whose instance has native code) with
/// `args`; returns its results.
pub(crate) fn invoke(
    store: &Store,
    func: u32,
    args: &[u64],
    deadline: Option<std::time::Instant>,
) -> Result<Vec<u64>> {
    let reg = store.snapshot();
    let Some(FuncInst::Wasm {
        instance,
        index,
        ty,
        ..
    }) = reg.funcs.get(func as usize)
    else {
        return Err(Error::new("internal error: not a Wasm function"));
    };
    let ty = reg.types.get(*ty);
    let (p, r) = (ty.param_slots(), ty.result_slots());
    if args.len() != p {
        return Err(Error::usage(format!(
            "expected {p} params, but passed {}",
            args.len()
        )));
    }
    let data = reg.instances[*instance as usize].clone();
    // Compiled code may hold references in its registers: no collection meanwhile.
    let _calls = crate::store::CallCount::new(store);
    let mut values = vec![0u64; p.max(r).max(1)];
    values[..p].copy_from_slice(args);
    let (instance, index) = (*instance, *index);
    drop(reg);
    let mut shadow = ShadowStack::new();
    let call = Call {
        entry: instance,
        control: data.control.clone(),
        deadline,
        shadow: &mut shadow,
        fuel: std::cell::Cell::new(
            store
                .fuel
                .map_or(i64::MAX, |f| f.min(i64::MAX as u64) as i64),
        ),
    };
    stacker::maybe_grow(STACK_RED_ZONE, STACK_SIZE, || {
        // (Compiled code's frames are below: the `Gc` libcall scans up to here.)
        let top = 0u8;
        let _entered = super::roots::Entered::new(std::ptr::addr_of!(top) as usize);
        call_instance(store, &data, instance, index, &mut values, &call)
    })
    .map_err(|mut e| {
        if let Some(exn) = e.exception().cloned() {
            e.describe_exception(|| crate::store::describe_exception(&store.snapshot(), &exn));
            // The host gets the payload.
            store.pin_slots(&exn.payload);
        }
        e
    })?;
    values.truncate(r);
    // The host may keep the references it gets (pinned while this call still counts).
    store.pin_slots(&values);
    Ok(values)
}

/// The compiler's side of tiered compilation: the interpreter runs a hot function
/// through it ([`crate::interp::exec::NativeCalls`]).
pub(crate) struct Tiered;

/// The one [`Tiered`] (the interpreter keeps a `&'static` of it).
pub(crate) static TIERED: Tiered = Tiered;

impl crate::interp::exec::NativeCalls for Tiered {
    fn call<'d>(
        &self,
        store: &'d Store,
        call: crate::interp::exec::NativeCall<'_>,
        values: &mut [u64],
        lent: Option<(&'d Arc<Instance>, &mut Option<Held<'d>>)>,
    ) -> Result<()> {
        let crate::interp::exec::NativeCall {
            control,
            entry,
            inst,
            def,
            deadline,
        } = call;
        let _crossing = crate::interp::exec::Crossing::enter();
        let mut shadow = ShadowStack::new();
        let call = Call {
            entry,
            control: control.clone(),
            deadline,
            shadow: &mut shadow,
            fuel: std::cell::Cell::new(i64::MAX),
        };
        match lent {
            Some((data, held)) => stacker::maybe_grow(STACK_RED_ZONE, STACK_SIZE, || {
                call_held(store, data, held, inst, def, values, &call)
            }),
            None => {
                let data = store
                    .instance(inst)
                    .ok_or_else(|| Error::new("internal error: no such instance"))?;
                stacker::maybe_grow(STACK_RED_ZONE, STACK_SIZE, || {
                    call_instance(store, &data, inst, def, values, &call)
                })
            }
        }
    }

    fn compile_later(&self, store: &Store, inst: u32, def: u32) {
        let Some(module) = store.instance(inst).and_then(|d| d.module.clone()) else {
            return;
        };
        background::run(Box::new(move || {
            // (A function that does not compile stays on the interpreter.)
            let compiled = (module.native.as_ref()).is_some_and(|n| n.entry(&module, def).is_ok());
            if !compiled {
                return;
            }
            if let Some(count) = module.code.call_counts().get(def as usize) {
                count.store(
                    crate::interp::exec::TIER_READY,
                    std::sync::atomic::Ordering::Release,
                );
            }
        }));
    }
}

/// Tiered compilation's compiles, on a thread of their own (one for the process), so
/// that the program runs on meanwhile.
pub(crate) mod background {
    use std::sync::mpsc::{channel, Sender};
    use std::sync::{Condvar, Mutex, OnceLock};

    type Job = Box<dyn FnOnce() + Send>;

    /// Jobs queued or running.
    static PENDING: Mutex<usize> = Mutex::new(0);
    static DONE: Condvar = Condvar::new();

    fn worker() -> Option<&'static Sender<Job>> {
        static QUEUE: OnceLock<Option<Sender<Job>>> = OnceLock::new();
        QUEUE
            .get_or_init(|| {
                let (tx, rx) = channel::<Job>();
                let spawned = std::thread::Builder::new()
                    .name("wasmscope-tier-up".into())
                    .spawn(move || {
                        for job in rx {
                            // A panic in the compiler must not end the worker.
                            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                            finished();
                        }
                    });
                spawned.ok().map(|_| tx)
            })
            .as_ref()
    }

    fn finished() {
        let mut n = crate::store::lock(&PENDING);
        *n = n.saturating_sub(1);
        DONE.notify_all();
    }

    /// Runs `job` on the worker (here, if there is none).
    pub(crate) fn run(job: Job) {
        *crate::store::lock(&PENDING) += 1;
        let job = match worker() {
            Some(tx) => match tx.send(job) {
                Ok(()) => return,
                Err(e) => e.0,
            },
            None => job,
        };
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
        finished();
    }

    /// Waits until every compile queued so far is done.
    pub(crate) fn wait() {
        let mut n = crate::store::lock(&PENDING);
        while *n > 0 {
            n = DONE.wait(n).unwrap_or_else(|e| e.into_inner());
        }
    }
}

/// An instance's module and its native code.
fn native_of(
    data: &Instance,
) -> Result<(&crate::interp::code::WasmCode, &super::code::NativeModule)> {
    let module = data
        .module
        .as_ref()
        .ok_or_else(|| Error::new("internal error: not a Wasm module instance"))?;
    let native = module
        .native
        .as_ref()
        .ok_or_else(|| Error::new("internal error: no native code"))?;
    Ok((module, native))
}

/// What a whole call keeps across the instances it runs in.
struct Call {
    /// The instance it entered (closed meanwhile: the call ends).
    entry: u32,
    /// That instance's stop flag: interrupts and deadlines stop the call.
    control: Arc<crate::store::InstanceControl>,
    deadline: Option<std::time::Instant>,
    /// The fuel left, carried across the instances the call runs in.
    fuel: std::cell::Cell<i64>,
    /// The call's shadow stack.
    shadow: *mut ShadowStack,
}

/// How often (in interrupt checks) a deadline reads the clock.
const DEADLINE_POLL_INTERVAL: i64 = 1024;

/// Runs defined function `def` of instance `inst` (`data`, with native code) with its
/// items held, arguments and results in `values`, for `call`.
fn call_instance(
    store: &Store,
    data: &Arc<Instance>,
    inst: u32,
    def: u32,
    values: &mut [u64],
    call: &Call,
) -> Result<()> {
    let mut held = Some(data.lock());
    call_held(store, data, &mut held, inst, def, values, call)
}

/// [`call_instance`] with the instance's items held by the caller (in `held`; let go
/// and taken again meanwhile, held again when it returns).
fn call_held<'a>(
    store: &'a Store,
    data: &'a Arc<Instance>,
    held: &mut Option<Held<'a>>,
    inst: u32,
    def: u32,
    values: &mut [u64],
    call: &Call,
) -> Result<()> {
    let entry = call.entry;
    let (module, native) = native_of(data)?;
    let (trampoline, code) = native.entry(module, def)?;
    if held.is_none() {
        *held = Some(data.lock());
    }
    if let Some(code) = data.control.closed().filter(|_| inst == entry) {
        return Err(Error::exit(code));
    }
    // Taken once the items are held (see `interp::exec::Executor::run`).
    let reg = store.snapshot();
    let mut running = Running {
        store,
        reg,
        inst,
        data,
        held,
        entry,
        mems: Vec::new(),
        error: None,
        panic: None,
        control: call.control.clone(),
        deadline: call.deadline,
        shadow: call.shadow,
        skip_abort: false,
        unwound: Vec::new(),
    };
    let listens = native.listens();
    if listens {
        // SAFETY: as in `Running::shadow`; no compiled code of the call runs now.
        let shadow = unsafe { &mut *call.shadow };
        shadow.segments.push((shadow.header.len, inst));
    }
    let mut vm = VmCtx {
        mem_base: std::ptr::null_mut(),
        mem_len: 0,
        globals: std::ptr::null(),
        ret: 0,
        stack_limit: stack_limit(),
        trapped: 0,
        running: std::ptr::null_mut(),
        stop: call.control.stop.as_ptr() as *const u64,
        polls: DEADLINE_POLL_INTERVAL,
        code: native.code_table(),
        fuel: call.fuel.get(),
        // SAFETY: a field's address, no access.
        shadow: unsafe { &raw mut (*call.shadow).header },
        mems: std::ptr::null(),
        pending: 0,
    };
    running.refresh(&mut vm);
    vm.running = &mut running as *mut Running<'_, '_> as *mut ();
    // SAFETY: `trampoline` is the finalised array trampoline of defined function `def`'s type
    // in this instance's module and `code` that function's finalised code
    // (`NativeModule::entry`), both living as long as `native` (borrowed from `data` for
    // this whole function). The trampoline calls `code` with the parameters read from
    // `values` and writes the results there; `values` has a slot for each (the caller
    // sized it from the function's type). `vm` and `running` outlive the call; while it
    // runs they are reached only through `vm` (the `running` pointer is derived once).
    unsafe {
        run_compiled(
            &mut vm,
            trampoline,
            values.as_mut_ptr(),
            code,
            native.signals(),
        )
    };
    call.fuel.set(vm.fuel);
    if listens {
        // SAFETY: as above; the compiled code has returned.
        let shadow = unsafe { &mut *call.shadow };
        shadow.segments.pop();
    }
    if let Some(p) = running.panic.take() {
        std::panic::resume_unwind(p);
    }
    if vm.trapped != 0 {
        running.flush_trace();
        return Err(running
            .error
            .take()
            .unwrap_or_else(|| Error::new("internal error: a trap without an error")));
    }
    Ok(())
}

/// Calls compiled code: `entry`, an array trampoline, with `code` (the function's
/// address) and `values`. With `signals` (code compiled for traps by signal), through
/// [`signals::enter`]: a trap by signal becomes the call's trap, as the trap blocks of
/// explicit checks would have made it (the error, each compiled frame, `trapped`).
///
/// # Safety
///
/// As calling the trampoline directly: `entry` is the finalised array trampoline of the
/// function's type and `code` the function's finalised code, of the module `vm` runs,
/// alive for the call; `values` has a slot for each parameter and result; `vm.running`
/// is the call's `Running`.
unsafe fn run_compiled(vm: &mut VmCtx, entry: usize, values: *mut u64, code: usize, signals: bool) {
    // SAFETY: an array trampoline has this type (`code::trampoline`).
    let f: Entry = unsafe { std::mem::transmute(entry) };
    if !signals {
        f(vm, values, code);
        return;
    }
    let memory_base = vm.mem_base as usize;
    // SAFETY: the caller's contract (`f` is the trampoline, `vm`, `values` and `code`
    // as `enter` wants them), and `memory_base` is memory 0's, whose reservation a
    // memory fault must lie in.
    if let Err(t) = unsafe { signals::enter(f, vm, values, code, memory_base) } {
        // SAFETY: as in `with_running`; the compiled code has returned.
        let running = unsafe { &mut *(vm.running as *mut Running<'_, '_>) };
        let (kind, frames) = signals::frames(&t);
        let error = match kind.checked_sub(signals::MEMORY) {
            Some(width) => {
                let (m, _) = running.held().memory_and_state(0);
                Error::memory_trap(MemoryAccess {
                    address: (t.address as u64).wrapping_sub(vm.mem_base as u64),
                    len: 1 << width,
                    memory_size: m.map_or(0, |m| m.data.len() as u64),
                })
            }
            None => Error::trap(
                (kind.checked_sub(1))
                    .and_then(|k| TRAP_CODES.get(k as usize))
                    .copied()
                    .unwrap_or(TrapCode::Unreachable),
            ),
        };
        running.unwound.extend(frames);
        running.fail(vm, error);
    }
}

/// Runs `f` for a libcall: its `VmCtx` and `Running`, a caught panic unwinding as a trap.
fn with_running(
    vm: *mut VmCtx,
    f: impl FnOnce(&mut VmCtx, &mut Running<'_, '_>) -> Result<u64>,
) -> u64 {
    // SAFETY: compiled code passes the `VmCtx` that `call_instance` gave it, whose
    // `running` points to that call's `Running`; both live until the call returns, and
    // compiled code does not touch them while a libcall runs.
    let (vm, running) = unsafe {
        let vm = &mut *vm;
        let running = &mut *(vm.running as *mut Running<'_, '_>);
        (vm, running)
    };
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(vm, running)));
    match result {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => running.fail(vm, e),
        Err(p) => {
            running.panic = Some(p);
            running.fail(vm, Error::new("a host function panicked"))
        }
    }
}

fn trap(code: TrapCode) -> Result<u64> {
    Err(Error::trap(code))
}

extern "C" fn lc_trap(vm: *mut VmCtx, code: u64, _: u64, _: u64, _: u64) -> u64 {
    with_running(vm, |_, _| {
        trap(
            TRAP_CODES
                .get(code as usize)
                .copied()
                .unwrap_or(TrapCode::Unreachable),
        )
    })
}

extern "C" fn lc_memory_trap(vm: *mut VmCtx, address: u64, len: u64, mem: u64, _: u64) -> u64 {
    with_running(vm, |_, r| {
        let (m, _) = r.held().memory_and_state(mem as u32);
        Err(Error::memory_trap(MemoryAccess {
            address,
            len,
            memory_size: m.map_or(0, |m| m.data.len() as u64),
        }))
    })
}

extern "C" fn lc_frame(vm: *mut VmCtx, def: u64, offset: u64, frame: u64, _: u64) -> u64 {
    // SAFETY: as in `with_running`.
    let running = unsafe { &mut *((*vm).running as *mut Running<'_, '_>) };
    // Recorded as numbers: an exception a caller catches needs no trace (see
    // `Running::unwound`).
    running.unwound.push((def as u32, offset as u32));
    if std::mem::take(&mut running.skip_abort) {
        return 1;
    }
    if (running.data.listeners.as_ref()).is_some_and(|l| l.aborts) {
        // `abort` sees the trace so far, as on the interpreter.
        running.flush_trace();
    }
    // A listened frame's `abort`, innermost first as the frames unwind (a panicking
    // `abort` changes nothing: the call fails already).
    let r = &*running;
    let Some(error) = &r.error else {
        return 1;
    };
    // This frame's, then those of the listened functions it replaced (latest first).
    let owed = match frame {
        u64::MAX => Vec::new(),
        // SAFETY: as in `Running::shadow`; compiled code waits for this libcall.
        _ => unsafe { &mut *r.shadow }.take_owed(frame),
    };
    for def in std::iter::once(def).chain(owed) {
        if let Some((l, index)) = listener_of(r, def) {
            with_context(r, index, |ctx| {
                let _ = crate::interp::exec::guarded("abort", || l.abort(ctx, error));
            });
        }
    }
    1
}

extern "C" fn lc_tail_listened(vm: *mut VmCtx, def: u64, frame: u64, _: u64, _: u64) -> u64 {
    // SAFETY: as in `with_running`; the shadow stack as in `lc_shadow_grow`.
    let shadow = unsafe { &mut *(*((*vm).running as *mut Running<'_, '_>)).shadow };
    shadow.owed.push((frame, def as u32));
    shadow.header.owed = shadow.owed.len() as u64;
    0
}

extern "C" fn lc_owed_afters(vm: *mut VmCtx, frame: u64, values: u64, _: u64, _: u64) -> u64 {
    with_running(vm, |_, r| {
        // SAFETY: as in `Running::shadow`; compiled code waits for this libcall.
        let owed = unsafe { &mut *r.shadow }.take_owed(frame);
        for def in owed {
            let Some((l, index)) = listener_of(r, def) else {
                continue;
            };
            let module = r.data.module.as_ref().expect("listened code has a module");
            let n = module.func_type(index as u32).result_slots();
            // SAFETY: compiled code passes an array of the results' slots (the owing
            // functions have the returning one's results: tail calls require it).
            let results = unsafe { values_of(values, n) };
            with_context(r, index, |ctx| {
                crate::interp::exec::guarded("after", || l.after(ctx, &results[..n]))
            })
            .unwrap_or(Ok(()))?;
        }
        Ok(0)
    })
}

/// Runs `hook` with the call context of function `index` of the running instance (its
/// items held); `None` when there is none (no listeners, the items not held).
fn with_context<T>(
    r: &Running<'_, '_>,
    index: usize,
    hook: impl FnOnce(&CallContext<'_>) -> T,
) -> Option<T> {
    let held = r.held.as_ref()?;
    let definition = r.data.listeners.as_ref()?.definitions.get(index)?;
    let view = View {
        reg: &r.reg,
        instance: Some(r.inst),
        held: Some(held),
    };
    let ctx = CallContext {
        store: &view,
        instance: r.inst,
        caller: None,
        definition,
    };
    Some(hook(&ctx))
}

/// The listener of defined function `def` of the running instance, its definition's
/// index, and the function's type.
fn listener_of<'r>(
    r: &'r Running<'_, '_>,
    def: u64,
) -> Option<(&'r crate::listener::Listener, usize)> {
    let module = r.data.module.as_ref()?;
    let index = (module.num_imported_funcs as u64 + def) as usize;
    let l = r.data.listeners.as_ref()?.funcs.get(index)?.as_ref()?;
    Some((&l.listener, index))
}

extern "C" fn lc_before(vm: *mut VmCtx, def: u64, values: u64, _: u64, _: u64) -> u64 {
    with_running(vm, |_, r| {
        let Some((l, index)) = listener_of(r, def) else {
            return Ok(0);
        };
        let module = r.data.module.as_ref().expect("listened code has a module");
        let ty = module.func_type(index as u32);
        let params = ty.param_slots();
        // SAFETY: compiled code passes an array of the parameters' slots.
        let args = unsafe { values_of(values, params) };
        let args = &args[..params];
        let frames = ShadowFrames {
            shadow: r.shadow(),
            reg: &r.reg,
            top_params: Some(args),
            top_locals: std::cell::OnceCell::new(),
        };
        let iter = StackIterator {
            host: None,
            wasm: &frames,
        };
        // A plain call ignores a pause request (resumable calls run the interpreter).
        with_context(r, index, |ctx| {
            crate::interp::exec::guarded("before", || l.before(ctx, args, &iter))
        })
        .unwrap_or(Ok(ListenerAction::Continue))?;
        Ok(0)
    })
}

extern "C" fn lc_after(vm: *mut VmCtx, def: u64, values: u64, _: u64, _: u64) -> u64 {
    with_running(vm, |_, r| {
        let Some((l, index)) = listener_of(r, def) else {
            return Ok(0);
        };
        let module = r.data.module.as_ref().expect("listened code has a module");
        let n = module.func_type(index as u32).result_slots();
        // SAFETY: compiled code passes an array of the results' slots.
        let results = unsafe { values_of(values, n) };
        let result = with_context(r, index, |ctx| {
            crate::interp::exec::guarded("after", || l.after(ctx, &results[..n]))
        })
        .unwrap_or(Ok(()));
        if result.is_err() {
            r.skip_abort = true;
        }
        result.map(|()| 0)
    })
}

extern "C" fn lc_shadow_grow(vm: *mut VmCtx, _: u64, _: u64, _: u64, _: u64) -> u64 {
    // SAFETY: as in `with_running`; the shadow stack as in `Running::shadow`, written
    // only here while compiled code waits for this libcall.
    let shadow = unsafe { &mut *(*((*vm).running as *mut Running<'_, '_>)).shadow };
    let cap = (shadow.frames.len() * 2).max(256);
    shadow.frames.resize(cap, 0);
    shadow.header.base = shadow.frames.as_mut_ptr();
    shadow.header.cap = cap as u64;
    0
}

/// Calls store function `addr` from instance `r.inst`, arguments and results in
/// `values`.
fn call_addr(
    vm: &mut VmCtx,
    r: &mut Running<'_, '_>,
    addr: u32,
    values: &mut [u64],
) -> Result<u64> {
    if addr as usize >= r.reg.funcs.len() {
        r.reg = r.store.snapshot();
    }
    let reg = r.reg.clone();
    let func = reg
        .funcs
        .get(addr as usize)
        .ok_or_else(|| Error::trap(TrapCode::IndirectCallTypeMismatch))?;
    let ty = reg.types.get(func.ty());
    let (p, n) = (ty.param_slots(), ty.result_slots());
    match func {
        FuncInst::Host { .. } => {
            let (inst, store) = (r.inst, r.store);
            // SAFETY: as in `Running::shadow` (a host call is a libcall).
            let shadow = unsafe { &*r.shadow };
            let frames = ShadowFrames {
                shadow,
                reg: &reg,
                top_params: None,
                top_locals: std::cell::OnceCell::new(),
            };
            let held: &mut dyn HeldItems = r.held();
            crate::interp::exec::call_host(
                store,
                &reg,
                addr,
                Some((inst, held)),
                &mut values[..p.max(n)],
                p,
                n,
                &frames,
            )?;
            // A host function that closed its caller (`proc_exit`) ends the call.
            if let Some(code) = r.data.control.closed() {
                return Err(Error::exit(code));
            }
            r.refresh(vm);
            Ok(0)
        }
        FuncInst::Wasm {
            instance, index, ..
        } => {
            let (instance, index) = (*instance, *index);
            let callee = reg.instances[instance as usize].clone();
            if instance == r.inst {
                if runs_cold(r, index)? {
                    return interpret(vm, r, index, values);
                }
                let (module, native) = native_of(&callee)?;
                let (entry, code) = native.entry(module, index)?;
                // SAFETY: as in `call_instance`: the trampoline of the callee's type and
                // its code, of this instance's module, the same `VmCtx`, and `values`
                // with a slot per parameter and result.
                unsafe { run_compiled(vm, entry, values.as_mut_ptr(), code, native.signals()) };
                return Ok(vm.trapped);
            }
            // Another instance: let go of this one's items, run there, take them back.
            *r.held = None;
            let native = callee.module.as_ref().is_some_and(|m| m.native.is_some());
            let result = match native {
                true => {
                    let call = Call {
                        entry: r.entry,
                        control: r.control.clone(),
                        deadline: r.deadline,
                        fuel: std::cell::Cell::new(vm.fuel),
                        shadow: r.shadow,
                    };
                    let result = call_instance(r.store, &callee, instance, index, values, &call);
                    vm.fuel = call.fuel.get();
                    result
                }
                false => crate::interp::exec::invoke(r.store, addr, &values[..p], r.deadline).map(
                    |results| {
                        values[..results.len()].copy_from_slice(&results);
                    },
                ),
            };
            *r.held = Some(r.data.lock());
            r.refresh(vm);
            result?;
            if let Some(code) = r.data.control.closed().filter(|_| r.inst == r.entry) {
                return Err(Error::exit(code));
            }
            Ok(0)
        }
    }
}

/// The `slots` `u64` slots at `values`, the array compiled code built for a call.
///
/// # Safety
/// `values` is that array, with at least `slots` slots (the larger of the callee type's
/// parameter and result slot counts), and nothing else uses it while the returned slice
/// lives.
unsafe fn values_of<'v>(values: u64, slots: usize) -> &'v mut [u64] {
    // SAFETY: the caller's contract.
    unsafe { std::slice::from_raw_parts_mut(values as *mut u64, slots.max(1)) }
}

extern "C" fn lc_call(vm: *mut VmCtx, index: u64, values: u64, _: u64, _: u64) -> u64 {
    with_running(vm, |vm, r| {
        let addr = *r
            .data
            .layout
            .funcs
            .get(index as usize)
            .ok_or_else(|| Error::new("internal error: function index out of range"))?;
        let module = r
            .data
            .module
            .clone()
            .expect("compiled code belongs to a module");
        let ty = module.func_type(index as u32);
        let slots = ty.param_slots().max(ty.result_slots());
        // SAFETY: compiled code passes an array of `slots` slots for this call.
        let values = unsafe { values_of(values, slots) };
        call_addr(vm, r, addr, values)
    })
}

/// Starts unwinding `exn`.
fn throw(exn: Arc<Exception>) -> Result<u64> {
    Err(Error::thrown(exn))
}

extern "C" fn lc_throw(vm: *mut VmCtx, tag: u64, values: u64, _: u64, _: u64) -> u64 {
    with_running(vm, |_, r| {
        let addr = *(r.data.layout.tags.get(tag as usize))
            .ok_or_else(|| Error::new("internal error: tag index out of range"))?;
        let n = r.reg.types.get(r.reg.tags[addr as usize].ty).param_slots();
        // SAFETY: compiled code passes an array with a slot per payload slot.
        let payload = unsafe { values_of(values, n) };
        throw(Exception::new(addr, payload[..n].into()))
    })
}

extern "C" fn lc_throw_ref(vm: *mut VmCtx, exnref: u64, _: u64, _: u64, _: u64) -> u64 {
    with_running(vm, |_, r| match r.store.exceptions.get(exnref) {
        Some(exn) => throw(exn),
        None => trap(TrapCode::NullReference),
    })
}

extern "C" fn lc_catch(vm: *mut VmCtx, tag: u64, values: u64, with_ref: u64, _: u64) -> u64 {
    // SAFETY: as in `with_running`.
    let (vm, r) = unsafe { (&mut *vm, &mut *((*vm).running as *mut Running<'_, '_>)) };
    let Some(exn) = r.error.as_ref().and_then(|e| e.exception()).cloned() else {
        return 0;
    };
    if tag != u64::MAX && r.data.layout.tags.get(tag as usize) != Some(&exn.tag) {
        return 0;
    }
    if tag != u64::MAX {
        // SAFETY: compiled code passes an array with a slot per payload slot of the tag.
        let payload = unsafe { values_of(values, exn.payload.len()) };
        payload[..exn.payload.len()].copy_from_slice(&exn.payload);
    }
    if with_ref != 0 {
        vm.ret = r.store.exceptions.keep(exn);
    }
    r.error = None;
    r.unwound.clear();
    vm.trapped = 0;
    1
}

/// The store function at `elem` of `table`, checked to be of type `type_index` (traps
/// as `call_indirect` does).
fn indirect_callee(r: &mut Running<'_, '_>, table: u64, elem: u64, type_index: u64) -> Result<u32> {
    let entry = {
        let t = r
            .held()
            .table(table as u32)
            .ok_or_else(|| Error::new("internal error: table out of range"))?;
        *t.elems
            .get(usize::try_from(elem).unwrap_or(usize::MAX))
            .ok_or_else(|| Error::trap(TrapCode::UndefinedElement))?
    };
    if entry == 0 {
        return Err(Error::trap(TrapCode::UninitializedElement));
    }
    let addr = (entry - 1) as u32;
    if addr as usize >= r.reg.funcs.len() {
        r.reg = r.store.snapshot();
    }
    let want = r.data.layout.types[type_index as usize];
    match r.reg.funcs.get(addr as usize) {
        Some(f) if crate::store::sig_matches(f.ty(), want) => Ok(addr),
        _ => Err(Error::trap(TrapCode::IndirectCallTypeMismatch)),
    }
}

/// `(table, element, type index)`, for `return_call_indirect`: checks the callee as
/// `call_indirect` does; `ret` is its code address when it is a function of this
/// instance (compiled first if needed: compiled code then tail-calls it), else 0 (the
/// call goes through `CallIndirect`).
extern "C" fn lc_resolve_indirect(
    vm: *mut VmCtx,
    table: u64,
    elem: u64,
    type_index: u64,
    _: u64,
) -> u64 {
    with_running(vm, |vm, r| {
        let addr = indirect_callee(r, table, elem, type_index)?;
        vm.ret = code_here(vm, r, addr)?;
        Ok(0)
    })
}

/// The code address of store function `addr` if it is one of this instance's (compiled
/// now if it was not), else 0.
fn code_here(vm: &mut VmCtx, r: &Running<'_, '_>, addr: u32) -> Result<u64> {
    Ok(match r.reg.funcs.get(addr as usize) {
        Some(FuncInst::Wasm {
            instance, index, ..
        }) if *instance == r.inst => callable(vm, r, *index)?,
        _ => 0,
    })
}

extern "C" fn lc_call_indirect(
    vm: *mut VmCtx,
    table: u64,
    elem: u64,
    type_index: u64,
    values: u64,
) -> u64 {
    with_running(vm, |vm, r| {
        let addr = indirect_callee(r, table, elem, type_index)?;
        let want = r.data.layout.types[type_index as usize];
        let ty = r.reg.types.get(want);
        let slots = ty.param_slots().max(ty.result_slots());
        // SAFETY: compiled code passes an array of `slots` slots for this type.
        let values = unsafe { values_of(values, slots) };
        call_addr(vm, r, addr, values)
    })
}

/// The store function `funcref` refers to; traps on null.
fn ref_callee(r: &mut Running<'_, '_>, funcref: u64) -> Result<u32> {
    let addr = funcref
        .checked_sub(1)
        .ok_or(Error::trap(TrapCode::NullReference))? as u32;
    if addr as usize >= r.reg.funcs.len() {
        // A function published after this call took its registry.
        r.reg = r.store.snapshot();
    }
    Ok(addr)
}

extern "C" fn lc_resolve_ref(vm: *mut VmCtx, funcref: u64, _: u64, _: u64, _: u64) -> u64 {
    with_running(vm, |vm, r| {
        let addr = ref_callee(r, funcref)?;
        vm.ret = code_here(vm, r, addr)?;
        Ok(0)
    })
}

extern "C" fn lc_call_ref(vm: *mut VmCtx, funcref: u64, values: u64, _: u64, _: u64) -> u64 {
    with_running(vm, |vm, r| {
        let addr = ref_callee(r, funcref)?;
        let func = (r.reg.funcs.get(addr as usize))
            .ok_or_else(|| Error::new("internal error: a dangling function reference"))?;
        let ty = r.reg.types.get(func.ty());
        let slots = ty.param_slots().max(ty.result_slots());
        // SAFETY: compiled code passes an array of `slots` slots for the reference's type
        // (validation: the function's type is the one `call_ref` names).
        let values = unsafe { values_of(values, slots) };
        call_addr(vm, r, addr, values)
    })
}

extern "C" fn lc_memory_grow(vm: *mut VmCtx, delta: u64, mem: u64, _: u64, _: u64) -> u64 {
    with_running(vm, |vm, r| {
        let (mem, _) = r.held().memory_and_state(mem as u32);
        // An `i64` delta for a 64-bit memory (an `i32`'s is zero-extended).
        let failed = match mem.as_ref().is_some_and(|m| m.memory64) {
            true => u64::MAX,
            false => u32::MAX as u64,
        };
        vm.ret = (mem.zip(u32::try_from(delta).ok()))
            .and_then(|(m, d)| m.grow(d))
            .map_or(failed, u64::from);
        r.refresh(vm);
        Ok(0)
    })
}

fn memory_trap(address: u64, len: u64, size: usize) -> Error {
    Error::memory_trap(MemoryAccess {
        address,
        len,
        memory_size: size as u64,
    })
}

extern "C" fn lc_memory_fill(vm: *mut VmCtx, d: u64, val: u64, n: u64, mem: u64) -> u64 {
    with_running(vm, |_, r| {
        let (mem, _) = r.held().memory_and_state(mem as u32);
        let mem = mem.ok_or_else(|| Error::new("no memory"))?;
        mem.fill(d, val as u8, n)
            .map(|()| 0)
            .map_err(|(at, len)| memory_trap(at, len, mem.data.len()))
    })
}

extern "C" fn lc_memory_copy(vm: *mut VmCtx, d: u64, s: u64, n: u64, mems: u64) -> u64 {
    with_running(vm, |_, r| {
        let (dst, src) = ((mems >> 32) as u32, mems as u32);
        if dst != src {
            // Between two memories: the source's bytes, then the destination's bounds.
            let (from, _) = r.held().memory_and_state(src);
            let from = from.ok_or_else(|| Error::new("no memory"))?;
            let bytes =
                (from.bytes_at(s, n)).map_err(|(a, l)| memory_trap(a, l, from.data.len()))?;
            let (to, _) = r.held().memory_and_state(dst);
            let to = to.ok_or_else(|| Error::new("no memory"))?;
            let size = to.data.len();
            return to
                .write_at(d, &bytes)
                .map(|()| 0)
                .map_err(|(a, l)| memory_trap(a, l, size));
        }
        let (mem, _) = r.held().memory_and_state(dst);
        let mem = mem.ok_or_else(|| Error::new("no memory"))?;
        mem.copy(d, s, n)
            .map(|()| 0)
            .map_err(|(at, len)| memory_trap(at, len, mem.data.len()))
    })
}

extern "C" fn lc_memory_init(vm: *mut VmCtx, seg: u64, d: u64, s: u64, n: u64) -> u64 {
    with_running(vm, |_, r| {
        let (mem, seg) = ((seg >> 32) as u32, seg as u32);
        let (mem, state) = r.held().memory_and_state(mem);
        let mem = mem.ok_or_else(|| Error::new("no memory"))?;
        let seg = state
            .datas
            .get(seg as usize)
            .cloned()
            .ok_or_else(|| Error::new("internal error: data segment out of range"))?;
        match mem.init(&seg, d, s, n) {
            Ok(()) => Ok(0),
            // Outside the data segment: no memory address to report.
            Err(None) => trap(TrapCode::OutOfBoundsMemoryAccess),
            Err(Some((at, len))) => Err(memory_trap(at, len, mem.data.len())),
        }
    })
}

extern "C" fn lc_data_drop(vm: *mut VmCtx, seg: u64, _: u64, _: u64, _: u64) -> u64 {
    with_running(vm, |_, r| {
        let (_, state) = r.held().memory_and_state(0);
        if let Some(s) = state.datas.get_mut(seg as usize) {
            *s = Default::default();
        }
        Ok(0)
    })
}

/// Where table `t` (module index) of the running instance is among its held tables.
fn table_slot(held: &Held<'_>, t: u64) -> Result<usize> {
    held.table_ix
        .get(t as usize)
        .map(|i| *i as usize)
        .ok_or_else(|| Error::new("internal error: table out of range"))
}

/// Table `t` of the running instance, writable.
fn table_mut<'h>(held: &'h mut Held<'_>, t: u64) -> Result<&'h mut crate::store::TableInst> {
    let i = table_slot(held, t)?;
    Ok(&mut held.tables[i])
}

extern "C" fn lc_table_get(vm: *mut VmCtx, t: u64, i: u64, _: u64, _: u64) -> u64 {
    with_running(vm, |vm, r| {
        let table = table_mut(r.held(), t)?;
        vm.ret = *table
            .elems
            .get(usize::try_from(i).unwrap_or(usize::MAX))
            .ok_or_else(|| Error::trap(TrapCode::OutOfBoundsTableAccess))?;
        Ok(0)
    })
}

extern "C" fn lc_table_set(vm: *mut VmCtx, t: u64, i: u64, v: u64, _: u64) -> u64 {
    with_running(vm, |_, r| {
        let table = table_mut(r.held(), t)?;
        *table
            .elems
            .get_mut(usize::try_from(i).unwrap_or(usize::MAX))
            .ok_or_else(|| Error::trap(TrapCode::OutOfBoundsTableAccess))? = v;
        Ok(0)
    })
}

extern "C" fn lc_table_size(vm: *mut VmCtx, t: u64, _: u64, _: u64, _: u64) -> u64 {
    with_running(vm, |vm, r| {
        vm.ret = table_mut(r.held(), t)?.elems.len() as u64;
        Ok(0)
    })
}

extern "C" fn lc_table_grow(vm: *mut VmCtx, t: u64, init: u64, n: u64, _: u64) -> u64 {
    with_running(vm, |vm, r| {
        // (Compiled code extends an `i32` operand with zeros.)
        let table = table_mut(r.held(), t)?;
        let failed = if table.ty.table64 {
            u64::MAX
        } else {
            u32::MAX as u64
        };
        vm.ret = table.grow(n, init).unwrap_or(failed);
        Ok(0)
    })
}

extern "C" fn lc_table_fill(vm: *mut VmCtx, t: u64, i: u64, v: u64, n: u64) -> u64 {
    with_running(vm, |_, r| match table_mut(r.held(), t)?.fill(i, v, n) {
        true => Ok(0),
        false => trap(TrapCode::OutOfBoundsTableAccess),
    })
}

extern "C" fn lc_table_copy(vm: *mut VmCtx, tables: u64, d: u64, s: u64, n: u64) -> u64 {
    with_running(vm, |_, r| {
        let held = r.held();
        let dt = table_slot(held, tables >> 32)?;
        let st = table_slot(held, tables & 0xffff_ffff)?;
        let (Some(sr), Some(dr)) = (span(s, n), span(d, n)) else {
            return trap(TrapCode::OutOfBoundsTableAccess);
        };
        if sr.end > held.tables[st].elems.len() || dr.end > held.tables[dt].elems.len() {
            return trap(TrapCode::OutOfBoundsTableAccess);
        }
        if dt == st {
            held.tables[dt].elems.copy_within(sr, dr.start);
        } else {
            let tmp: Vec<u64> = held.tables[st].elems[sr].to_vec();
            held.tables[dt].elems[dr].copy_from_slice(&tmp);
        }
        Ok(0)
    })
}

extern "C" fn lc_table_init(vm: *mut VmCtx, ts: u64, d: u64, s: u64, n: u64) -> u64 {
    with_running(vm, |_, r| {
        let (t, seg) = (ts >> 32, ts & 0xffff_ffff);
        let held = r.held();
        let seg = held
            .state
            .elems
            .get(seg as usize)
            .cloned()
            .ok_or_else(|| Error::new("internal error: element segment out of range"))?;
        match table_mut(held, t)?.init(&seg, d, s, n) {
            true => Ok(0),
            false => trap(TrapCode::OutOfBoundsTableAccess),
        }
    })
}

extern "C" fn lc_elem_drop(vm: *mut VmCtx, seg: u64, _: u64, _: u64, _: u64) -> u64 {
    with_running(vm, |_, r| {
        if let Some(s) = r.held().state.elems.get_mut(seg as usize) {
            *s = Default::default();
        }
        Ok(0)
    })
}

extern "C" fn lc_poll(vm: *mut VmCtx, _: u64, _: u64, _: u64, _: u64) -> u64 {
    with_running(vm, |vm, r| {
        if vm.polls <= 0 {
            vm.polls = DEADLINE_POLL_INTERVAL;
            if r.deadline.is_some_and(|d| std::time::Instant::now() >= d) {
                r.control
                    .request_stop(crate::error::EXIT_CODE_DEADLINE_EXCEEDED);
            }
        }
        match r.control.stop_requested() {
            // The caller closes the module it entered (as after a stop the interpreter
            // sees).
            Some(code) => Err(Error::exit(code)),
            None => Ok(0),
        }
    })
}

extern "C" fn lc_compile(vm: *mut VmCtx, def: u64, _: u64, _: u64, _: u64) -> u64 {
    with_running(vm, |vm, r| {
        vm.ret = callable(vm, r, def as u32)?;
        Ok(0)
    })
}

/// Whether a call of defined function `def` of this instance runs on the interpreter:
/// under tiered compilation, while it is not compiled and not hot (this call counts).
fn runs_cold(r: &Running<'_, '_>, def: u32) -> Result<bool> {
    let (module, native) = native_of(r.data)?;
    Ok(runs_interpreted(r.store, module, native, r.inst, def))
}

/// Whether a call of defined function `def` of instance `inst` (of `module`, with
/// `native` code), made from outside the interpreter (the host, compiled code), runs on
/// the interpreter: under tiered compilation, while the function is not compiled and
/// not hot, and the thread is not too deep in calls between the engines. Counts the
/// call, and has the function compiled when it makes it hot.
pub(crate) fn runs_interpreted(
    store: &Store,
    module: &crate::interp::code::WasmCode,
    native: &super::code::NativeModule,
    inst: u32,
    def: u32,
) -> bool {
    use crate::interp::exec::{tier_up_entry, NativeCalls, Tiering};
    let tiering = store.tiering;
    let deep = crate::interp::exec::crossings() >= crate::interp::exec::MAX_CROSSINGS;
    if tiering == 0 || native.is_compiled(def) || deep {
        return false;
    }
    match tier_up_entry(module, def, tiering) {
        Tiering::Native => false,
        Tiering::Interpret => true,
        Tiering::Compile => {
            TIERED.compile_later(store, inst, def);
            true
        }
    }
}

/// The code address at which compiled code calls defined function `def` of this
/// instance: its code (compiled now if it was not), or, while it runs cold
/// ([`runs_cold`]), its type's interpreter stub with `vm.pending` set to `def`.
fn callable(vm: &mut VmCtx, r: &Running<'_, '_>, def: u32) -> Result<u64> {
    let (module, native) = native_of(r.data)?;
    if runs_cold(r, def)? {
        vm.pending = def as u64;
        return Ok(native.interp_stub(module, def)? as u64);
    }
    Ok(native.ensure(module, def)? as u64)
}

/// Runs defined function `def` of this instance on the interpreter (tiered: it runs
/// cold), arguments and results in `values`; its own hot callees run compiled again.
fn interpret(vm: &mut VmCtx, r: &mut Running<'_, '_>, def: u32, values: &mut [u64]) -> Result<u64> {
    let (module, _) = native_of(r.data)?;
    let index = (module.num_imported_funcs + def) as usize;
    let addr = *(r.data.layout.funcs.get(index))
        .ok_or_else(|| Error::new("internal error: no such function"))?;
    let func = (r.reg.funcs.get(addr as usize))
        .ok_or_else(|| Error::new("internal error: no such function"))?;
    let ty = r.reg.types.get(func.ty());
    let (p, n) = (ty.param_slots(), ty.result_slots());
    let tier = crate::interp::exec::Tier {
        native: &TIERED,
        threshold: r.store.tiering,
    };
    let outer = Some((r.entry, r.control.clone()));
    let _crossing = crate::interp::exec::Crossing::enter();
    // The interpreter holds the items itself.
    *r.held = None;
    let result =
        crate::interp::exec::invoke_tiered(r.store, addr, &values[..p], r.deadline, tier, outer);
    *r.held = Some(r.data.lock());
    r.refresh(vm);
    let results = result?;
    values[..n].copy_from_slice(&results[..n]);
    if let Some(code) = r.data.control.closed().filter(|_| r.inst == r.entry) {
        return Err(Error::exit(code));
    }
    Ok(0)
}

extern "C" fn lc_interpret(vm: *mut VmCtx, def: u64, values: u64, _: u64, _: u64) -> u64 {
    with_running(vm, |vm, r| {
        let (module, _) = native_of(r.data)?;
        let ty = module.func_type(module.num_imported_funcs + def as u32);
        let slots = ty.param_slots().max(ty.result_slots());
        // SAFETY: the interpreter stub of `def`'s type passes an array of `slots` slots.
        let values = unsafe { values_of(values, slots) };
        interpret(vm, r, def as u32, values)
    })
}

extern "C" fn lc_gc(vm: *mut VmCtx, offset: u64, values: u64, h: u64, slots: u64) -> u64 {
    with_running(vm, |vm, r| {
        // SAFETY: compiled code passes an array of `slots` slots, room for the
        // operator's `h` operand slots and for its results (`FuncTranslator::gc`).
        let values = unsafe { values_of(values, slots as usize) };
        if h > slots {
            return Err(Error::new(
                "internal error: GC operands beyond their buffer",
            ));
        }
        let (module, native) = native_of(r.data)?;
        let (store, reg, inst) = (r.store, &r.reg, r.inst);
        let held = r
            .held
            .as_mut()
            .ok_or_else(|| Error::new("internal error: a GC operator without its items"))?;
        native.with_gc_op(&module.info, offset as u32, |op| {
            if let crate::interp::instr::GcOp::Branch { cast } = op {
                let heap = crate::store::lock(&store.heap);
                vm.ret = crate::interp::gc::matches(values[0], cast, &heap, reg) as u64;
                return Ok(0);
            }
            // A collection where the interpreter would make one: for a call the host
            // entered (no interpreter frame below, `crossings`), the store's only call;
            // compiled code's roots are the stack's words and the registers (`roots`).
            if op.allocates() && store.gc_due() {
                let here = crate::interp::exec::crossings() == 0 && store.sole_call();
                match here.then(super::roots::words).flatten() {
                    // (It checks again that the call is the store's only one.)
                    Some(words) => {
                        store.collect_garbage(inst, held, &words);
                    }
                    None => store.postpone_gc(),
                }
            }
            let state = &held.state;
            crate::interp::gc::run(
                op,
                values,
                h as usize,
                &store.heap,
                reg,
                &state.datas,
                &state.elems,
            )
            .map_err(Error::trap)?;
            Ok(0)
        })
    })
}

extern "C" fn lc_ref_func(vm: *mut VmCtx, index: u64, _: u64, _: u64, _: u64) -> u64 {
    with_running(vm, |vm, r| {
        vm.ret = *r
            .data
            .layout
            .funcs
            .get(index as usize)
            .ok_or_else(|| Error::new("internal error: function index out of range"))?
            as u64
            + 1;
        Ok(0)
    })
}
