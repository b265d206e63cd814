//! One function body's Wasm operators → Cranelift IR (`cranelift-frontend`'s
//! `FunctionBuilder`: SSA variables for locals, blocks for control), validating nothing
//! (the module was validated when it was decoded).
//!
//! The code this produces, and what it expects of the code that runs it:
//!
//! - Every function has the signature `(vmctx, params...) -> results...` (`I32`, `I64`,
//!   `F32`, `F64`; references are `I64`: 0 is null, a function reference is its store
//!   address + 1). [`entry_signature`] is the array trampoline's: `(vmctx, values)`.
//! - `vmctx` points to the running instance's [`VmCtx`](super::exec::VmCtx) (offsets in
//!   [`vmctx`]): memory 0's base and length (loaded at entry and again after every call,
//!   since a call may grow or move the memory), a pointer to each global's value, the
//!   stack limit, and the trap flag.
//! - Traps never fault: every check (bounds, divisors, conversions, the stack limit) is
//!   explicit and, when it fails, calls a [`Libcall`] that records the trap, then leaves
//!   through the function's *unwind* block, which records the frame (function, Wasm
//!   offset) and returns. After every call the caller checks the trap flag and unwinds
//!   too, so that the frames of a trap's trace are recorded innermost first.
//! - Anything that needs the store (calls to imports, `call_indirect`, tables, bulk
//!   memory, `memory.grow`, `ref.func`) is a libcall with one signature,
//!   `(vmctx, a, b, c, d) -> i64`; it returns non-zero when it trapped.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    self, types, AbiParam, Block, BlockArg, InstBuilder, MemFlagsData, Signature, StackSlotData,
    StackSlotKind, Type, UserExternalName, Value,
};
use cranelift_codegen::isa::CallConv;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use wasmparser::{BlockType, Operator, ValType};

use super::{ops, simd};
use crate::error::{Error, Result, TrapCode};
use crate::module::ModuleInfo;
use crate::types::{FuncType, ListenerHooks, ValueType};

/// Offsets of [`VmCtx`](super::exec::VmCtx)'s fields that compiled code reads.
pub(crate) mod vmctx {
    /// Memory 0's base address (`*mut u8`).
    pub const MEM_BASE: i32 = 0;
    /// Memory 0's length in bytes.
    pub const MEM_LEN: i32 = 8;
    /// `*const *mut u64`: each global's value.
    pub const GLOBALS: i32 = 16;
    /// A libcall's result (`memory.grow`, `table.get`, ...).
    pub const RET: i32 = 24;
    /// The lowest stack address compiled code may use.
    pub const STACK_LIMIT: i32 = 32;
    /// Non-zero once a trap is unwinding.
    pub const TRAPPED: i32 = 40;
    /// `*const u64`: the entered instance's stop flag (non-zero: stop).
    pub const STOP: i32 = 56;
    /// Interrupt checks left before the `Poll` libcall reads the clock.
    pub const POLLS: i32 = 64;
    /// `*const usize`: the module's code table (each defined function's address, 0
    /// until compiled).
    pub const CODE: i32 = 72;
    /// Fuel left (code compiled with fuel).
    pub const FUEL: i32 = 80;
    /// `*mut ShadowStack` (code compiled for listeners): the call's frames.
    pub const SHADOW: i32 = 88;
    /// `*const [u64; 2]`: every memory's base address and length in bytes, by index
    /// (multi-memory: memories other than 0 are read from here).
    pub const MEMS: i32 = 96;
    /// Tiered compilation: the defined function an interpreter stub runs (set by the
    /// `Compile` libcall just before the stub is called).
    pub const PENDING: i32 = 104;
    /// Offsets in the `ShadowStack` header: the frames' base address, how many there
    /// are, and room for how many.
    pub const SHADOW_BASE: i32 = 0;
    pub const SHADOW_LEN: i32 = 8;
    pub const SHADOW_CAP: i32 = 16;
    /// How many `after` hooks tail-called listened functions owe (the frames that owe
    /// them are on the shadow stack).
    pub const SHADOW_OWED: i32 = 24;
}

/// What compiled code calls in the runtime. Each takes `(vmctx, a, b, c, d)` and returns
/// non-zero when it trapped (results, if any, are in `VmCtx::ret`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Libcall {
    /// `(code)`: a trap detected by compiled code.
    Trap,
    /// `(address, len, memory)`: an out-of-bounds memory access.
    MemoryTrap,
    /// `(def, offset)`: records a frame while a trap unwinds.
    Frame,
    /// `(function index, values, ..)`: calls an imported function; arguments and results
    /// in the `u64` slots at `values`.
    Call,
    /// `(table, element, type index, values)`.
    CallIndirect,
    /// `(delta, memory)` → old size in pages or `u32::MAX`.
    MemoryGrow,
    /// `(dst, value, len, memory)`.
    MemoryFill,
    /// `(dst, src, len, dst memory << 32 | src memory)`.
    MemoryCopy,
    /// `(memory << 32 | segment, dst, src, len)`.
    MemoryInit,
    /// `(segment)`.
    DataDrop,
    /// `(table, index)` → element.
    TableGet,
    /// `(table, index, value)`.
    TableSet,
    /// `(table)` → size.
    TableSize,
    /// `(table, init, delta)` → old size or `u32::MAX`.
    TableGrow,
    /// `(table, index, value, len)`.
    TableFill,
    /// `(dst table << 32 | src table, dst, src, len)`.
    TableCopy,
    /// `(table << 32 | segment, dst, src, len)`.
    TableInit,
    /// `(segment)`.
    ElemDrop,
    /// `(function index)` → the function's reference.
    RefFunc,
    /// `()`: an interrupt check found the stop flag set or its polls spent: stops the
    /// call (a close, an interrupt, a passed deadline) or goes on.
    Poll,
    /// `(def)`: compiles defined function `def` (its first call) → its code address.
    Compile,
    /// `(def, values)`: the `before` hook of listened function `def`, its parameters
    /// in the `u64` slots at `values`.
    Before,
    /// `(def, values)`: the `after` hook, the results at `values`.
    After,
    /// `()`: makes room for more frames on the shadow stack (never fails).
    ShadowGrow,
    /// `(table, element, type index)` → the callee's code address if it is a function
    /// of this instance (`return_call_indirect` tail-calls it), else 0; traps as
    /// `call_indirect`.
    ResolveIndirect,
    /// `(def, frame)`: listened function `def` tail-calls from shadow frame `frame`: its
    /// `after` is owed when that frame returns.
    TailListened,
    /// `(frame, values)`: runs the `after` hooks owed at shadow frame `frame`, with the
    /// results at `values`.
    OwedAfters,
    /// `(tag, values)`: throws an exception of the module's tag `tag`, its payload in
    /// the `u64` slots at `values` (then unwinds, to a handler or out).
    Throw,
    /// `(exnref)`: throws the exception again (`throw_ref`, the legacy `rethrow`);
    /// traps on null.
    ThrowRef,
    /// `(tag or u64::MAX for all, values, with_ref)`: while an exception unwinds, → 1 if
    /// it has that tag (it is caught: its payload in the slots at `values`, with
    /// `with_ref` its `exnref` in the vmctx's result), else 0 (also for a trap).
    Catch,
    /// `(funcref)` → the code address of the function it refers to if it is this
    /// instance's, else 0; traps on null.
    ResolveRef,
    /// `(funcref, values)`: calls the function (`call_ref` of another instance's or a
    /// host function), arguments and results in the `u64` slots at `values`.
    CallRef,
    /// `(def, values)`: runs defined function `def` of this instance on the interpreter
    /// (tiered compilation: it is not hot yet), arguments and results in the `u64` slots
    /// at `values`.
    Interpret,
    /// `(offset, values, h, slots)`: runs the GC operator at byte `offset` of the module
    /// on the `slots` `u64` slots at `values` (its `h` operand slots from the first, its
    /// results put in their place), as the interpreter does (`interp::gc::run`); for
    /// `br_on_cast` and `br_on_cast_fail`, → 1 if the reference in the first slot is of
    /// the cast's type, else 0. Traps as the interpreter's operator.
    Gc,
}

/// How many libcalls there are.
pub(crate) const LIBCALLS: usize = Libcall::Gc as usize + 1;

/// The addresses of the libcalls' implementations, by [`Libcall`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct Libcalls(pub [usize; LIBCALLS]);

/// The libcalls as the JIT module's imported functions, by [`Libcall`]: compiled code
/// names them through relocations (resolved when the code is placed), so that machine
/// code kept on disk holds no address of this process.
pub(crate) type LibcallIds = [cranelift_module::FuncId; LIBCALLS];

/// The symbol name of libcall `i` in the JIT module.
pub(crate) fn libcall_name(i: usize) -> String {
    format!("wasmscope_libcall_{i}")
}

/// The Cranelift type of a Wasm value type; `None` for `v128` (not compiled yet).
pub(crate) fn clif_type(t: ValueType) -> Option<Type> {
    Some(match t {
        ValueType::I32 => types::I32,
        ValueType::I64 => types::I64,
        ValueType::F32 => types::F32,
        ValueType::F64 => types::F64,
        ValueType::FuncRef | ValueType::ExternRef | ValueType::ExnRef | ValueType::AnyRef => {
            types::I64
        }
        ValueType::V128 => types::I8X16,
    })
}

fn val_type(t: ValType) -> Result<Type> {
    match t {
        ValType::I32 => Ok(types::I32),
        ValType::I64 => Ok(types::I64),
        ValType::F32 => Ok(types::F32),
        ValType::F64 => Ok(types::F64),
        ValType::Ref(_) => Ok(types::I64),
        ValType::V128 => Ok(types::I8X16),
    }
}

fn unsupported(what: &str) -> Error {
    cerr(format!("the compiler does not support {what} yet"))
}

/// A compile error of the compiler (no offset: the module decoded and validated).
fn cerr(message: impl Into<String>) -> Error {
    Error::compile(0, message)
}

/// A Wasm function's signature: `(vmctx, params...) -> results...`, in Cranelift's
/// `tail` calling convention (so that any function can tail-call any other: the callee
/// pops the arguments).
pub(crate) fn signature(ty: &FuncType) -> Result<Signature> {
    let mut sig = Signature::new(CallConv::Tail);
    sig.params.push(AbiParam::new(types::I64));
    for p in ty.params() {
        let t = clif_type(*p).ok_or_else(|| unsupported("v128 values"))?;
        sig.params.push(AbiParam::new(t));
    }
    for r in ty.results() {
        let t = clif_type(*r).ok_or_else(|| unsupported("v128 values"))?;
        sig.returns.push(AbiParam::new(t));
    }
    Ok(sig)
}

/// The array trampolines' signature: `(vmctx, values: *mut u64, callee)`.
pub(crate) fn entry_signature(call_conv: CallConv) -> Signature {
    let mut sig = Signature::new(call_conv);
    for _ in 0..3 {
        sig.params.push(AbiParam::new(types::I64));
    }
    sig
}

/// `extern fn(vmctx, a, b, c, d) -> status`: every libcall's signature.
pub(crate) fn libcall_signature(call_conv: CallConv) -> Signature {
    let mut sig = Signature::new(call_conv);
    for _ in 0..5 {
        sig.params.push(AbiParam::new(types::I64));
    }
    sig.returns.push(AbiParam::new(types::I64));
    sig
}

/// Flags for loads and stores of `VmCtx` and of bounds-checked guest memory.
fn flags() -> MemFlagsData {
    let mut f = MemFlagsData::new();
    f.set_notrap();
    f
}

/// Flags of a load of a value that stays the same during a call (the globals' slot
/// table and each slot's address, the module's code table, a guarded memory's base):
/// the optimiser may move it and make one of many.
fn fixed() -> MemFlagsData {
    flags().with_readonly().with_can_move()
}

/// Stores `v` in the `u64` slots at `base` from slot `at` (a `v128` in two).
pub(crate) fn store_slots(b: &mut FunctionBuilder<'_>, v: Value, base: Value, at: usize) {
    let slot = to_slot(b, v);
    b.ins().store(flags(), slot, base, (at * 8) as i32);
}

/// Loads a value of type `t` from the `u64` slots at `base` from slot `at`.
pub(crate) fn load_slots(b: &mut FunctionBuilder<'_>, base: Value, at: usize, t: Type) -> Value {
    if t == types::I8X16 {
        return b.ins().load(t, flags(), base, (at * 8) as i32);
    }
    let slot = b.ins().load(types::I64, flags(), base, (at * 8) as i32);
    from_slot(b, slot, t)
}

fn to_slot(b: &mut FunctionBuilder<'_>, v: Value) -> Value {
    match b.func.dfg.value_type(v) {
        // Stored whole (16 bytes, little-endian: the low half is the first slot).
        types::I8X16 => v,
        types::I32 => b.ins().uextend(types::I64, v),
        types::F32 => {
            let bits = b.ins().bitcast(types::I32, MemFlagsData::new(), v);
            b.ins().uextend(types::I64, bits)
        }
        types::F64 => b.ins().bitcast(types::I64, MemFlagsData::new(), v),
        _ => v,
    }
}

/// A `u64` slot as a value of type `t`.
fn from_slot(b: &mut FunctionBuilder<'_>, slot: Value, t: Type) -> Value {
    match t {
        types::I32 => b.ins().ireduce(types::I32, slot),
        types::F32 => {
            let bits = b.ins().ireduce(types::I32, slot);
            b.ins().bitcast(types::F32, MemFlagsData::new(), bits)
        }
        types::F64 => b.ins().bitcast(types::F64, MemFlagsData::new(), slot),
        _ => slot,
    }
}

fn args(values: &[Value]) -> Vec<BlockArg> {
    values.iter().map(|v| BlockArg::Value(*v)).collect()
}

/// What the translation of one function needs from its module.
pub(crate) struct FuncEnv<'a> {
    pub info: &'a ModuleInfo,
    /// The JIT module's ids of the defined functions (direct calls, `all_placed`).
    pub funcs: &'a [cranelift_module::FuncId],
    /// The signatures of the module's defined functions, by defined index.
    pub sigs: &'a [Signature],
    pub libcalls: &'a LibcallIds,
    pub call_conv: CallConv,
    pub frontend: cranelift_codegen::isa::TargetFrontendConfig,
    /// Interrupt checks at function entries and loop headers
    /// (`RuntimeConfig::with_close_on_deadline`).
    pub interrupts: bool,
    /// Validate each body before translating it (the module did not: `Lazy`, or
    /// `Eager`, where the compiler's workers validate in parallel).
    pub validate: bool,
    /// Charge fuel (`RuntimeConfig::with_fuel`): at function entries and loop headers,
    /// the operators up to the next such point.
    pub fuel: bool,
    /// Code for a runtime with listeners: every function keeps its frame (function and
    /// Wasm offset) on the call's shadow stack, and calls the hooks of its listener (by
    /// defined index) it has: `before` at entry, `after` at returns.
    pub listened: Option<&'a [ListenerHooks]>,
    /// Every function of the module is placed before any runs (eager compilation, or
    /// code read from a cache): a call is direct (a relocation to the callee), with no
    /// check that its callee is compiled.
    pub all_placed: bool,
    /// Traps by signal ([`super::signals`]): conditional trap instructions, and memory
    /// 0's accesses unchecked (it has guard pages); each operator's Wasm
    /// offset is its instructions' source location.
    pub signals: bool,
    /// Unwinding by signal (with `signals`, in a module where no function catches): a
    /// function's unwind block ends in a trap instruction (`signals::UNWIND`) instead of
    /// returning, so callers need no check of the trap flag after a call.
    pub unwind_by_signal: bool,
}

/// A control frame.
struct Control {
    kind: Kind,
    /// Where `end` (and a branch to a block or an if) continues, with the results.
    dest: Block,
    /// Result types (what a branch to a block or an if passes).
    results: Vec<Type>,
    /// Parameter types (what a branch to a loop passes).
    params: Vec<Type>,
    /// Operand stack height below the frame's parameters.
    height: usize,
    /// Whether the code after `end` is reachable (something branches to `dest`, or the
    /// frame's end is reached).
    reached: bool,
}

enum Kind {
    Block,
    Loop {
        header: Block,
    },
    /// `else_block`: where the condition's false edge goes (with the parameters),
    /// `None` once `else` has been seen.
    If {
        else_block: Option<Block>,
    },
    /// A `try_table`: its handler's dispatch block (filled when it opened, sealed at
    /// its end).
    TryTable {
        dispatch: Block,
    },
    /// A legacy `try`: its dispatch block (filled at `end` or `delegate`), the catch
    /// clauses so far (tag, the clause's block), the caught exception (`rethrow`), and
    /// whether its body has ended (a catch clause is being translated).
    Try {
        dispatch: Block,
        clauses: Vec<(Option<u32>, Block)>,
        exn: Variable,
        in_catch: bool,
        /// A `rethrow` of its catches' exception: they keep it (by reference).
        rethrows: bool,
    },
}

impl Control {
    /// The block and the types a branch to this frame passes.
    fn target(&self) -> (Block, &[Type]) {
        match &self.kind {
            Kind::Loop { header } => (*header, &self.params),
            _ => (self.dest, &self.results),
        }
    }
}

/// Translates defined function `def` of `env.info` into `func`, whose signature is set.
pub(crate) fn translate(
    env: &FuncEnv<'_>,
    def: u32,
    func: &mut ir::Function,
    fctx: &mut FunctionBuilderContext,
) -> Result<()> {
    let info = env.info;
    if env.validate {
        info.validate_function(def)?;
    }
    let index = info.num_imported_funcs + def;
    let ty = info.func_type(index).clone();
    let range = info
        .bodies
        .get(def as usize)
        .ok_or_else(|| cerr(format!("no body for function {index}")))?
        .clone();
    let body = wasmparser::FunctionBody::new(wasmparser::BinaryReader::new(
        &info.bytes[range.clone()],
        range.start as u64,
    ));
    let first_op = body
        .get_operators_reader()
        .map_err(compile_error)?
        .original_position() as u32;
    let mut b = FunctionBuilder::new(func, fctx);
    let mut t = Translator::new(env, def, &ty, &mut b, (range.start as u32, first_op))?;
    let mut locals = body.get_locals_reader().map_err(compile_error)?;
    // One zero of each type, the initial value of every local of that type.
    let mut zeros: Vec<(Type, Value)> = Vec::new();
    for _ in 0..locals.get_count() {
        let (n, vt) = locals.read().map_err(compile_error)?;
        let ct = val_type(vt)?;
        let zero = match zeros.iter().find(|(t, _)| *t == ct) {
            Some((_, z)) => *z,
            None => {
                let z = zero(t.b, ct);
                zeros.push((ct, z));
                z
            }
        };
        for _ in 0..n {
            let var = t.b.declare_var(ct);
            t.b.def_var(var, zero);
            t.locals.push(var);
        }
    }
    let mut reader = body.get_operators_reader().map_err(compile_error)?;
    while !reader.eof() {
        let offset = reader.original_position();
        let op = reader.read().map_err(compile_error)?;
        t.offset = offset as u32;
        if env.signals {
            t.b.set_srcloc(ir::SourceLoc::new(offset as u32));
        }
        t.fuel_ops += 1;
        t.operator(&op)?;
    }
    t.close_fuel_charge();
    t.fill_trap_blocks();
    t.b.seal_all_blocks();
    b.finalize(env.frontend);
    Ok(())
}

fn compile_error(e: wasmparser::BinaryReaderError) -> Error {
    cerr(e.to_string())
}

fn zero(b: &mut FunctionBuilder<'_>, t: Type) -> Value {
    match t {
        types::F32 => b.ins().f32const(0.0),
        types::F64 => b.ins().f64const(0.0),
        types::I8X16 => {
            let c = b.func.dfg.constants.insert(vec![0u8; 16].into());
            b.ins().vconst(types::I8X16, c)
        }
        t => b.ins().iconst(t, 0),
    }
}

/// How many `u64` slots values of `types` take.
fn slot_count(types: &[Type]) -> usize {
    types.iter().map(|t| slots(*t)).sum()
}

/// How many `u64` slots a value of type `t` takes (a `v128` two, low half first).
pub(crate) fn slots(t: Type) -> usize {
    if t == types::I8X16 {
        2
    } else {
        1
    }
}

struct Translator<'a, 'b, 'f> {
    env: &'a FuncEnv<'a>,
    b: &'b mut FunctionBuilder<'f>,
    vmctx: Value,
    locals: Vec<Variable>,
    stack: Vec<Value>,
    control: Vec<Control>,
    /// Skipping unreachable code: how many blocks opened in it are still open.
    unreachable: Option<u32>,
    /// The Wasm module offset of the operator being translated.
    offset: u32,
    /// The base and length variables of the memories other than 0 (from the vmctx's
    /// `MEMS` table, reloaded after calls; index 0's are unused: memory 0's are loaded
    /// where used, `Traps::mem_base`).
    mems: Vec<(Variable, Variable)>,
    regions: Regions,
    /// The memory of the operator being translated.
    cur_mem: u32,
    /// `(def, offset)` → record the frame and return: the unwind block.
    unwind: Block,
    results: Vec<Type>,
    /// The libcalls imported into this function so far.
    libcall_refs: [Option<ir::FuncRef>; LIBCALLS],
    /// Signatures of the defined functions called so far.
    callees: std::collections::HashMap<u32, ir::SigRef>,
    /// The defined functions imported for direct calls (`direct_callee`).
    direct: std::collections::HashMap<u32, ir::FuncRef>,
    /// The globals' slot table and the module's code table (loaded at entry: neither
    /// moves during a call).
    globals_table: Value,
    code_table: Value,
    /// The fuel charge being counted (its `iconst`, patched at the next charge point or
    /// the function's end) and the operators counted into it.
    fuel_charge: Option<ir::Inst>,
    fuel_ops: u32,
    trap_blocks: TrapBlocks,
    /// With listeners: the shadow stack's header and this frame's byte offset in it.
    shadow: Option<(Value, Value)>,
    def: u32,
    /// The exception handlers that cover the code being translated, innermost last:
    /// each one's dispatch block (an unwinding call or a throw goes there with its
    /// offset) and its control frame's index.
    scopes: Vec<(Block, usize)>,
    /// The buffer of the function's GC operators (one for all, as large as the largest
    /// needs: `gc_buffer`).
    gc_buf: Option<ir::StackSlot>,
}

impl<'a, 'b, 'f> Translator<'a, 'b, 'f> {
    fn new(
        env: &'a FuncEnv<'a>,
        def: u32,
        ty: &FuncType,
        b: &'b mut FunctionBuilder<'f>,
        (body_start, first_op): (u32, u32),
    ) -> Result<Self> {
        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        b.seal_block(entry);
        let vmctx = b.block_params(entry)[0];
        let params: Vec<Value> = b.block_params(entry)[1..].to_vec();
        let mut locals = Vec::new();
        for p in params {
            let var = b.declare_var(b.func.dfg.value_type(p));
            b.def_var(var, p);
            locals.push(var);
        }
        let mems: Vec<(Variable, Variable)> = (0..env.info.memories.len().max(1))
            .map(|_| (b.declare_var(types::I64), b.declare_var(types::I64)))
            .collect();
        let results: Vec<Type> = ty
            .results()
            .iter()
            .map(|r| clif_type(*r).ok_or_else(|| unsupported("v128 values")))
            .collect::<Result<_>>()?;
        let regions = Regions::new(b.func);
        let unwind = b.create_block();
        b.append_block_param(unwind, types::I64);
        b.set_cold_block(unwind);
        let ret = b.create_block();
        for r in &results {
            b.append_block_param(ret, *r);
        }
        let mut t = Translator {
            env,
            b,
            vmctx,
            locals,
            stack: Vec::new(),
            control: Vec::new(),
            unreachable: None,
            offset: 0,
            mems,
            cur_mem: 0,
            regions,
            unwind,
            results: results.clone(),
            libcall_refs: [None; LIBCALLS],
            callees: std::collections::HashMap::new(),
            direct: std::collections::HashMap::new(),
            trap_blocks: TrapBlocks::default(),
            fuel_charge: None,
            fuel_ops: 0,
            globals_table: vmctx,
            code_table: vmctx,
            shadow: None,
            def,
            scopes: Vec::new(),
            gc_buf: None,
        };
        // The globals' and the code's tables stay where they are for the instance's
        // life, and so do the globals' slots (`global_ptr`): read-only loads, which the
        // optimiser moves to where they are used and makes once.
        t.globals_table = t.b.ins().load(types::I64, fixed(), vmctx, vmctx::GLOBALS);
        t.code_table = t.b.ins().load(types::I64, fixed(), vmctx, vmctx::CODE);
        t.reload_memory();
        // With listeners: the frame goes on the shadow stack and `before` runs first,
        // before any check that can trap (`abort` pairs with `before`).
        let params = t.locals.clone();
        t.listener_entry(first_op, &params);
        // The stack limit: a function entered below it traps (deep recursion).
        let sp = t.b.ins().get_stack_pointer(types::I64);
        let limit =
            t.b.ins()
                .load(types::I64, flags(), vmctx, vmctx::STACK_LIMIT);
        let low = t.b.ins().icmp(IntCC::UnsignedLessThan, sp, limit);
        t.trap_if_at(low, TrapCode::CallStackExhausted, body_start);
        t.offset = body_start;
        t.interrupt_check();
        t.charge_fuel();
        if env.signals {
            // (A trap by signal is no branch: the entry block may still be open, and the
            // unwind block is built next; the frontend wants the block it leaves filled.)
            let next = t.b.create_block();
            t.b.ins().jump(next, &[]);
            t.b.switch_to_block(next);
            t.b.seal_block(next);
        }
        // The function body is a block whose end returns.
        t.control.push(Control {
            kind: Kind::Block,
            dest: ret,
            results: results.clone(),
            params: Vec::new(),
            height: 0,
            reached: false,
        });
        let body =
            t.b.current_block()
                .expect("the entry checks end in a block");
        // The unwind block: record the frame, return zeros.
        t.b.switch_to_block(unwind);
        let at = t.b.block_params(unwind)[0];
        let def_v = t.b.ins().iconst(types::I64, def as i64);
        let frame = match t.shadow {
            Some((_, at)) => t.b.ins().ushr_imm_u(at, 3),
            None => t.b.ins().iconst(types::I64, -1),
        };
        t.libcall_raw(Libcall::Frame, &[def_v, at, frame]);
        t.shadow_pop();
        if env.unwind_by_signal {
            // (The frame is recorded: the handler leaves it out of the trace it walks.
            // A source location makes the trap a site: `code::sites`.)
            t.b.set_srcloc(ir::SourceLoc::new(body_start));
            t.b.ins().trap(unwind_trap_code());
            t.b.set_srcloc(ir::SourceLoc::default());
        } else {
            let zeros: Vec<Value> = results.iter().map(|r| zero(t.b, *r)).collect();
            t.b.ins().return_(&zeros);
        }
        // The return block.
        t.b.switch_to_block(ret);
        let rets = t.b.block_params(ret).to_vec();
        t.offset = first_op;
        t.listener_exit(&rets);
        t.b.ins().return_(&rets);
        t.b.switch_to_block(body);
        Ok(t)
    }
}

/// The trap codes compiled code reports, by number (`Libcall::Trap`'s argument).
pub(crate) const TRAP_CODES: [TrapCode; 12] = [
    TrapCode::Unreachable,
    TrapCode::IntegerDivideByZero,
    TrapCode::IntegerOverflow,
    TrapCode::InvalidConversionToInteger,
    TrapCode::OutOfBoundsMemoryAccess,
    TrapCode::OutOfBoundsTableAccess,
    TrapCode::UndefinedElement,
    TrapCode::UninitializedElement,
    TrapCode::IndirectCallTypeMismatch,
    TrapCode::CallStackExhausted,
    TrapCode::OutOfFuel,
    TrapCode::NullReference,
];

/// The Cranelift trap code of an unwind block's trap (`signals::UNWIND`).
fn unwind_trap_code() -> ir::TrapCode {
    ir::TrapCode::user(super::signals::UNWIND).unwrap_or(ir::TrapCode::HEAP_OUT_OF_BOUNDS)
}

/// The Cranelift trap code of a trap by signal of `code` (`signals::Site::kind`).
fn signal_trap_code(code: TrapCode) -> ir::TrapCode {
    ir::TrapCode::user(trap_number(code) as u8 + 1).unwrap_or(ir::TrapCode::HEAP_OUT_OF_BOUNDS)
}

fn trap_number(code: TrapCode) -> i64 {
    TRAP_CODES.iter().position(|c| *c == code).unwrap_or(0) as i64
}

/// What a trap check needs: the function's unwind block and the `Trap` libcall.
/// When `cond` is non-zero, runs the cold code `cold` emits (in a block of its own, which
/// must end in a jump); translation continues in a new block where `cond` is zero.
/// (The cold block keeps its constants off the hot path.)
fn cold_branch(
    b: &mut FunctionBuilder<'_>,
    cond: Value,
    cold: impl FnOnce(&mut FunctionBuilder<'_>),
) {
    let site = b.create_block();
    b.set_cold_block(site);
    let cont = b.create_block();
    b.ins().brif(cond, site, &[], cont, &[]);
    b.switch_to_block(site);
    b.seal_block(site);
    cold(b);
    b.switch_to_block(cont);
    b.seal_block(cont);
}

/// The alias regions of the function's memory accesses: memory 0's base and length in
/// the `VmCtx`, and guest memory. A guest store leaves the bounds loaded before it
/// valid, so Cranelift's alias analysis loads them once for the accesses between two
/// calls (a call may grow the memory: it clobbers every region). (A guarded memory 0's
/// base is a `readonly` load instead, `fixed`: it never moves.)
#[derive(Clone, Copy)]
struct Regions {
    memory0: ir::AliasRegion,
    guest: ir::AliasRegion,
}

impl Regions {
    fn new(func: &mut ir::Function) -> Regions {
        let mut region = |user_id, description| {
            (func.dfg.alias_regions).insert(ir::AliasRegionData {
                user_id,
                description: std::borrow::Cow::Borrowed(description),
            })
        };
        Regions {
            memory0: region(1, "memory 0's bounds"),
            guest: region(2, "guest memory"),
        }
    }

    /// The flags of a load of memory 0's base or length.
    fn bounds(&self) -> MemFlagsData {
        flags().with_alias_region(Some(self.memory0))
    }
}

/// A translator's [`Traps`], borrowing only the fields it needs (so that the builder and
/// the operand stack stay free to borrow).
macro_rules! traps {
    ($t:expr) => {
        Traps {
            offset: $t.offset,
            mem_vars: $t.mem_vars($t.cur_mem),
            regions: $t.regions,
            memory: $t.cur_mem,
            wide: ($t.env.info.memory64.get($t.cur_mem as usize)).is_some_and(|w| *w),
            blocks: &$t.trap_blocks,
            vmctx: $t.vmctx,
            signals: $t.env.signals,
        }
    };
}

struct Traps<'t> {
    offset: u32,
    /// The memory accessed (multi-memory) and its base and length.
    /// Memory 0's are read from the `VmCtx` (`Regions`; a guarded one's base with
    /// `fixed` flags); the others' are variables (base, length).
    mem_vars: Option<(Variable, Variable)>,
    regions: Regions,
    memory: u32,
    /// The memory has 64-bit addresses (memory64).
    wide: bool,
    blocks: &'t TrapBlocks,
    vmctx: Value,
    /// Traps by signal (`FuncEnv::signals`).
    signals: bool,
}

/// A function's trap blocks, made on first use and filled at its end: one per trap code
/// (parameter: the Wasm offset) and one for out-of-bounds memory accesses (parameters:
/// address, size, offset). Every check of the function branches to them, so a check
/// costs a compare and a branch, not a call site.
#[derive(Default)]
struct TrapBlocks {
    code: [std::cell::Cell<Option<Block>>; TRAP_CODES.len()],
    memory: std::cell::Cell<Option<Block>>,
    checked: std::cell::RefCell<Checked>,
}

/// The memory accesses already bounds-checked on every path to the operator being
/// translated: for a Wasm address (an SSA value), the largest `offset + size` checked.
/// A check lasts for the rest of the Wasm block it is in (the code there is dominated
/// by it: a branch leaves the block) and, memory 0 only growing, across calls; each
/// `block`, `loop` and `if` marks where its checks start, and `else` and `end` undo
/// them. An access an earlier check covers needs none.
#[derive(Default)]
struct Checked {
    ends: std::collections::HashMap<Value, u64>,
    /// Each change, with the value it replaced, to undo.
    log: Vec<(Value, Option<u64>)>,
    /// Where each open block's changes start in `log`.
    marks: Vec<usize>,
}

impl Checked {
    fn covers(&self, addr: Value, end: u64) -> bool {
        self.ends.get(&addr).is_some_and(|e| *e >= end)
    }

    fn record(&mut self, addr: Value, end: u64) {
        let old = self.ends.insert(addr, end);
        self.log.push((addr, old));
    }

    fn open(&mut self) {
        self.marks.push(self.log.len());
    }

    /// Undoes the innermost open block's checks; `close`: and ends it.
    fn undo(&mut self, close: bool) {
        let mark = match close {
            true => self.marks.pop(),
            false => self.marks.last().copied(),
        }
        .unwrap_or(0);
        while self.log.len() > mark {
            let Some((addr, old)) = self.log.pop() else {
                break;
            };
            match old {
                Some(end) => self.ends.insert(addr, end),
                None => self.ends.remove(&addr),
            };
        }
    }
}

impl TrapBlocks {
    fn code_block(&self, b: &mut FunctionBuilder<'_>, code: TrapCode) -> Block {
        let cell = &self.code[trap_number(code) as usize];
        cell.get().unwrap_or_else(|| {
            let block = b.create_block();
            b.set_cold_block(block);
            b.append_block_param(block, types::I64);
            cell.set(Some(block));
            block
        })
    }

    fn memory_block(&self, b: &mut FunctionBuilder<'_>) -> Block {
        self.memory.get().unwrap_or_else(|| {
            let block = b.create_block();
            b.set_cold_block(block);
            for _ in 0..4 {
                b.append_block_param(block, types::I64);
            }
            self.memory.set(Some(block));
            block
        })
    }
}

impl Traps<'_> {
    /// Branches to a cold block that reports `code` and unwinds when `cond` is non-zero.
    fn trap_if(&self, b: &mut FunctionBuilder<'_>, cond: Value, code: TrapCode) {
        if self.signals {
            // A conditional trap instruction at this check's Wasm offset.
            let at = b.srcloc();
            b.set_srcloc(ir::SourceLoc::new(self.offset));
            b.ins().trapnz(cond, signal_trap_code(code));
            b.set_srcloc(at);
            return;
        }
        let trap = self.blocks.code_block(b, code);
        let offset = self.offset as i64;
        cold_branch(b, cond, |b| {
            let at = b.ins().iconst(types::I64, offset);
            b.ins().jump(trap, &[BlockArg::Value(at)]);
        });
    }
}

impl Traps<'_> {
    /// The native address of an access of `size` bytes at Wasm address `addr` (`I32`)
    /// plus `offset` in memory 0, after a bounds check that traps.
    fn heap_address(
        &self,
        b: &mut FunctionBuilder<'_>,
        addr: Value,
        offset: u64,
        size: u32,
    ) -> Value {
        let wasm_addr = addr;
        let covered = offset.checked_add(size as u64);
        if self.wide {
            return self.heap_address64(b, addr, offset, size);
        }
        let addr = b.ins().uextend(types::I64, addr);
        let ea = if offset == 0 {
            addr
        } else {
            b.ins().iadd_imm_u(addr, offset as i64)
        };
        // Checks are remembered for memory 0 (a check of another memory is made again).
        if let Some(covered) = covered.filter(|_| self.memory == 0) {
            let mut checked = self.blocks.checked.borrow_mut();
            if checked.covers(wasm_addr, covered) {
                let base = self.mem_base(b);
                return b.ins().iadd(base, ea);
            }
            checked.record(wasm_addr, covered);
        }
        if self.guarded() {
            // No check: out of bounds, the access faults in the guard pages (its flags,
            // `access_flags`, make it a trap site).
            let base = self.mem_base(b);
            return b.ins().iadd(base, ea);
        }
        let end = b.ins().iadd_imm_u(ea, size as i64);
        let len = self.mem_len(b);
        let oob = b.ins().icmp(IntCC::UnsignedGreaterThan, end, len);
        let base = self.mem_base(b);
        self.memory_trap_if(b, oob, ea, size);
        b.ins().iadd(base, ea)
    }

    /// The accessed memory's base address.
    fn mem_base(&self, b: &mut FunctionBuilder<'_>) -> Value {
        match self.mem_vars {
            Some((base, _)) => b.use_var(base),
            // A guarded memory never moves (`crate::linear`: it grows in place, within
            // its reservation): its base is read-only for the call, and the optimiser
            // makes one load of the function's many (moved out of loops).
            None if self.guarded() => {
                (b.ins()).load(types::I64, fixed(), self.vmctx, vmctx::MEM_BASE)
            }
            None => (b.ins()).load(
                types::I64,
                self.regions.bounds(),
                self.vmctx,
                vmctx::MEM_BASE,
            ),
        }
    }

    /// The accessed memory's length in bytes.
    fn mem_len(&self, b: &mut FunctionBuilder<'_>) -> Value {
        match self.mem_vars {
            Some((_, len)) => b.use_var(len),
            None => (b.ins()).load(
                types::I64,
                self.regions.bounds(),
                self.vmctx,
                vmctx::MEM_LEN,
            ),
        }
    }

    /// Memory accesses trap by signal, in guard pages (`FuncEnv::signals`: memory 0,
    /// with 32-bit addresses, has them, `crate::linear`).
    fn guarded(&self) -> bool {
        self.signals && self.memory == 0 && !self.wide
    }

    /// The flags of a guest memory access of `size` bytes whose address `heap_address`
    /// gave: a trap site where it may fault (`guarded`), else bounds-checked before.
    fn access_flags(&self, size: u32) -> MemFlagsData {
        let f = (MemFlagsData::new())
            .with_endianness(ir::Endianness::Little)
            .with_alias_region(Some(self.regions.guest));
        match self.guarded() {
            true => {
                let code = super::signals::MEMORY + size.trailing_zeros() as u8;
                f.with_trap_code(ir::TrapCode::user(code))
            }
            false => f.with_notrap(),
        }
    }

    /// `heap_address` in a 64-bit memory (memory64): `addr` is an `I64`; an address
    /// whose sum with the offset (or the access's end) overflows is out of bounds.
    fn heap_address64(
        &self,
        b: &mut FunctionBuilder<'_>,
        addr: Value,
        offset: u64,
        size: u32,
    ) -> Value {
        let off = b.ins().iconst(types::I64, offset as i64);
        let (ea, carry) = b.ins().uadd_overflow(addr, off);
        let len = self.mem_len(b);
        // Out: the sum wrapped, the address is past the end, or fewer than `size`
        // bytes are left after it.
        let past = b.ins().icmp(IntCC::UnsignedGreaterThan, ea, len);
        let left = b.ins().isub(len, ea);
        let short = b
            .ins()
            .icmp_imm_u(IntCC::UnsignedLessThan, left, size as i64);
        let out = b.ins().bor(past, short);
        let oob = b.ins().bor(out, carry);
        self.memory_trap_if(b, oob, ea, size);
        let base = self.mem_base(b);
        b.ins().iadd(base, ea)
    }

    /// Branches to the memory trap block (the access at `ea` of `size` bytes) when
    /// `oob`.
    fn memory_trap_if(&self, b: &mut FunctionBuilder<'_>, oob: Value, ea: Value, size: u32) {
        let trap = self.blocks.memory_block(b);
        let offset = self.offset as i64;
        let memory = self.memory;
        cold_branch(b, oob, |b| {
            let size_v = b.ins().iconst(types::I64, size as i64);
            let at = b.ins().iconst(types::I64, offset);
            let memory = b.ins().iconst(types::I64, memory as i64);
            let trap_args = [
                BlockArg::Value(ea),
                BlockArg::Value(size_v),
                BlockArg::Value(at),
                BlockArg::Value(memory),
            ];
            b.ins().jump(trap, &trap_args);
        });
    }
}

impl ops::Env for Traps<'_> {
    fn trap_if(&mut self, b: &mut FunctionBuilder<'_>, cond: Value, code: TrapCode) {
        Traps::trap_if(self, b, cond, code)
    }

    fn heap_address(
        &mut self,
        b: &mut FunctionBuilder<'_>,
        addr: Value,
        offset: u64,
        size: u32,
    ) -> Value {
        Traps::heap_address(self, b, addr, offset, size)
    }

    fn access_flags(&self, size: u32) -> MemFlagsData {
        Traps::access_flags(self, size)
    }
}

impl Translator<'_, '_, '_> {
    /// An interrupt check (code compiled with interrupts only): reads the stop flag and
    /// counts a poll; when the flag is set or the polls are spent, the `Poll` libcall
    /// decides (and the call unwinds if it stops).
    fn interrupt_check(&mut self) {
        if !self.env.interrupts {
            return;
        }
        let f = flags();
        let stop_ptr = self.b.ins().load(types::I64, f, self.vmctx, vmctx::STOP);
        let stop = self.b.ins().load(types::I64, f, stop_ptr, 0);
        let polls = self.b.ins().load(types::I64, f, self.vmctx, vmctx::POLLS);
        let polls = self.b.ins().iadd_imm_s(polls, -1);
        self.b.ins().store(f, polls, self.vmctx, vmctx::POLLS);
        let spent = self
            .b
            .ins()
            .icmp_imm_s(IntCC::SignedLessThanOrEqual, polls, 0);
        let spent = self.b.ins().uextend(types::I64, spent);
        let need = self.b.ins().bor(stop, spent);
        self.cold_then_on(need, |t| t.libcall(Libcall::Poll, &[]));
    }

    /// When `cond` is non-zero, runs the code `cold` emits (in a cold block of its own),
    /// then goes on; translation continues after it either way.
    fn cold_then_on(&mut self, cond: Value, cold: impl FnOnce(&mut Self)) {
        let block = self.b.create_block();
        self.b.set_cold_block(block);
        let cont = self.b.create_block();
        self.b.ins().brif(cond, block, &[], cont, &[]);
        self.b.switch_to_block(block);
        self.b.seal_block(block);
        cold(self);
        self.b.ins().jump(cont, &[]);
        self.b.switch_to_block(cont);
        self.b.seal_block(cont);
    }

    /// A fuel charge point (code compiled with fuel): closes the charge being counted and
    /// starts one for the operators from here to the next charge point (patched in later):
    /// the call traps `all fuel consumed` when the fuel left would go below zero.
    fn charge_fuel(&mut self) {
        if !self.env.fuel {
            return;
        }
        self.close_fuel_charge();
        let f = flags();
        let left = self.b.ins().load(types::I64, f, self.vmctx, vmctx::FUEL);
        let cost = self.b.ins().iconst(types::I64, 0);
        self.fuel_charge = self.b.func.dfg.value_def(cost).inst();
        let after = self.b.ins().isub(left, cost);
        self.b.ins().store(f, after, self.vmctx, vmctx::FUEL);
        let out = self.b.ins().icmp_imm_s(IntCC::SignedLessThan, after, 0);
        self.trap_if_at(out, TrapCode::OutOfFuel, self.offset);
    }

    /// Sets the cost of the charge being counted.
    fn close_fuel_charge(&mut self) {
        if let Some(inst) = self.fuel_charge.take() {
            self.b
                .func
                .replace(inst)
                .iconst(types::I64, self.fuel_ops as i64);
        }
        self.fuel_ops = 0;
    }

    /// Fills the trap blocks the function used (at its end).
    fn fill_trap_blocks(&mut self) {
        let used: Vec<(usize, Block)> = (self.trap_blocks.code.iter().enumerate())
            .filter_map(|(i, cell)| Some((i, cell.get()?)))
            .collect();
        for (i, block) in used {
            self.b.switch_to_block(block);
            let at = self.b.block_params(block)[0];
            let code = self.b.ins().iconst(types::I64, i as i64);
            self.libcall_raw(Libcall::Trap, &[code]);
            self.b.ins().jump(self.unwind, &[BlockArg::Value(at)]);
        }
        if let Some(block) = self.trap_blocks.memory.get() {
            self.b.switch_to_block(block);
            let p = self.b.block_params(block).to_vec();
            self.libcall_raw(Libcall::MemoryTrap, &[p[0], p[1], p[3]]);
            self.b.ins().jump(self.unwind, &[BlockArg::Value(p[2])]);
        }
    }

    fn trap_if_at(&mut self, cond: Value, code: TrapCode, offset: u32) {
        let mut traps = traps!(self);
        traps.offset = offset;
        traps.trap_if(self.b, cond, code);
    }

    /// Whether memory `mem` has 64-bit addresses (memory64).
    fn memory64(&self, mem: u32) -> bool {
        self.env.info.memory64.get(mem as usize) == Some(&true)
    }

    /// The variables of memory `mem`'s base and length; `None` for memory 0, whose are
    /// read from the `VmCtx` where used (`Regions::bounds`).
    fn mem_vars(&self, mem: u32) -> Option<(Variable, Variable)> {
        match mem {
            0 => None,
            m => self.mems.get(m as usize).copied(),
        }
    }

    /// Loads the other memories' bases and lengths (multi-memory) from the vmctx (at
    /// entry, after calls). Memory 0's are loaded where used.
    fn reload_memory(&mut self) {
        if self.mems.len() > 1 {
            let table = self
                .b
                .ins()
                .load(types::I64, flags(), self.vmctx, vmctx::MEMS);
            for (i, (base_var, len_var)) in self.mems.clone().into_iter().enumerate().skip(1) {
                let at = (i * 16) as i32;
                let base = self.b.ins().load(types::I64, flags(), table, at);
                let len = self.b.ins().load(types::I64, flags(), table, at + 8);
                self.b.def_var(base_var, base);
                self.b.def_var(len_var, len);
            }
        }
    }

    /// Calls `which` with `a` (up to four `I64`s); returns its status.
    fn libcall_raw(&mut self, which: Libcall, a: &[Value]) -> Value {
        let callee = match self.libcall_refs[which as usize] {
            Some(f) => f,
            None => {
                let sig = libcall_signature(self.env.call_conv);
                let f = import(self.b.func, self.env.libcalls[which as usize], &sig);
                self.libcall_refs[which as usize] = Some(f);
                f
            }
        };
        let mut argv = vec![self.vmctx];
        argv.extend_from_slice(a);
        while argv.len() < 5 {
            let z = self.b.ins().iconst(types::I64, 0);
            argv.push(z);
        }
        let call = self.b.ins().call(callee, &argv);
        self.b.inst_results(call)[0]
    }

    /// Calls `which`, unwinding if it trapped.
    fn libcall(&mut self, which: Libcall, a: &[Value]) {
        let status = self.libcall_raw(which, a);
        self.unwind_if(status);
    }

    /// The result a libcall left in the vmctx.
    fn libcall_result(&mut self) -> Value {
        self.b
            .ins()
            .load(types::I64, flags(), self.vmctx, vmctx::RET)
    }

    /// Where an exception thrown here goes: the innermost handler's dispatch block, or
    /// the unwind block (both take the offset).
    fn handler(&self) -> Block {
        self.scopes.last().map_or(self.unwind, |s| s.0)
    }

    /// Jumps to the handler (after a throw).
    fn jump_to_handler(&mut self) {
        let at = self.iconst64(self.offset as u64);
        let handler = self.handler();
        self.b.ins().jump(handler, &[BlockArg::Value(at)]);
        self.unreachable = Some(0);
    }

    /// The payload types of the module's tag `tag`.
    fn tag_types(&self, tag: u32) -> Result<Vec<Type>> {
        let info = self.env.info;
        let ty = (info.tags.get(tag as usize))
            .and_then(|t| info.types.get(*t as usize))
            .ok_or_else(|| cerr("tag index out of range"))?
            .clone();
        Ok(self.func_sig(&ty)?.0)
    }

    /// Emits, in the current (dispatch) block whose offset parameter is `at`, the test
    /// of one catch clause: when the exception has tag `tag` (any for `None`), its
    /// payload (and with `with_ref` its `exnref`, also given to `on_ref`) goes to
    /// `target`; else translation goes on in a new block.
    fn catch_clause(
        &mut self,
        tag: Option<u32>,
        with_ref: bool,
        target: Block,
        on_ref: Option<Variable>,
    ) -> Result<()> {
        let types = match tag {
            Some(t) => self.tag_types(t)?,
            None => Vec::new(),
        };
        let buf = self.values_buffer(&[], slot_count(&types));
        let a = [
            self.iconst64(tag.map_or(u64::MAX, u64::from)),
            buf,
            self.iconst64((with_ref || on_ref.is_some()) as u64),
        ];
        let caught = self.libcall_raw(Libcall::Catch, &a);
        let landing = self.b.create_block();
        let next = self.b.create_block();
        self.b.set_cold_block(landing);
        self.b.set_cold_block(next);
        self.b.ins().brif(caught, landing, &[], next, &[]);
        self.b.switch_to_block(landing);
        self.b.seal_block(landing);
        self.reload_memory();
        let mut vals = Vec::new();
        let mut at = 0;
        for t in &types {
            vals.push(load_slots(self.b, buf, at, *t));
            at += slots(*t);
        }
        if with_ref || on_ref.is_some() {
            let exn = self.libcall_result();
            if let Some(var) = on_ref {
                self.b.def_var(var, exn);
            }
            if with_ref {
                vals.push(exn);
            }
        }
        self.b.ins().jump(target, &args(&vals));
        self.b.switch_to_block(next);
        self.b.seal_block(next);
        Ok(())
    }

    /// A `try_table`: its dispatch block is filled now (a test per catch clause, then
    /// the enclosing handler); its body is a block.
    fn try_table(&mut self, t: &wasmparser::TryTable) -> Result<()> {
        self.trap_blocks.checked.borrow_mut().open();
        let (params, results) = self.block_type(t.ty)?;
        let dest = self.block_with_params(&results);
        let body = self.block_with_params(&params);
        let vals = self.pop_n(params.len())?;
        self.b.ins().jump(body, &args(&vals));
        let dispatch = self.b.create_block();
        self.b.set_cold_block(dispatch);
        let at = self.b.append_block_param(dispatch, types::I64);
        self.b.switch_to_block(dispatch);
        for c in &t.catches {
            let (tag, label, with_ref) = crate::module::catch_clause(c);
            let frame = self.frame(label)?;
            if !matches!(frame.kind, Kind::Loop { .. }) {
                frame.reached = true;
            }
            let target = frame.target().0;
            self.catch_clause(tag, with_ref, target, None)?;
        }
        let outer = self.handler();
        self.b.ins().jump(outer, &[BlockArg::Value(at)]);
        self.b.switch_to_block(body);
        self.b.seal_block(body);
        let height = self.stack.len();
        self.stack.extend_from_slice(self.b.block_params(body));
        self.control.push(Control {
            kind: Kind::TryTable { dispatch },
            dest,
            results,
            params,
            height,
            reached: false,
        });
        self.scopes.push((dispatch, self.control.len() - 1));
        Ok(())
    }

    /// A legacy `try`: a block whose dispatch block is filled at its end.
    fn legacy_try(&mut self, blockty: BlockType) -> Result<()> {
        self.trap_blocks.checked.borrow_mut().open();
        let (params, results) = self.block_type(blockty)?;
        let dest = self.block_with_params(&results);
        let dispatch = self.b.create_block();
        self.b.set_cold_block(dispatch);
        self.b.append_block_param(dispatch, types::I64);
        let exn = self.b.declare_var(types::I64);
        let zero = self.iconst64(0);
        self.b.def_var(exn, zero);
        let height = self.stack.len() - params.len();
        self.control.push(Control {
            kind: Kind::Try {
                dispatch,
                clauses: Vec::new(),
                exn,
                in_catch: false,
                rethrows: false,
            },
            dest,
            results,
            params,
            height,
            reached: false,
        });
        self.scopes.push((dispatch, self.control.len() - 1));
        Ok(())
    }

    /// A legacy `catch` (`tag` `Some`) or `catch_all`: ends the body (or the clause
    /// before) as `else` ends an `if`'s; the clause is a block of its own.
    fn legacy_catch(&mut self, tag: Option<u32>, reachable: bool) -> Result<()> {
        self.trap_blocks.checked.borrow_mut().undo(false);
        let types = match tag {
            Some(t) => self.tag_types(t)?,
            None => Vec::new(),
        };
        let clause = self.block_with_params(&types);
        let own = self.control.len() - 1;
        let frame = self
            .control
            .last_mut()
            .ok_or_else(|| cerr("catch outside a try"))?;
        let (dest, n, height) = (frame.dest, frame.results.len(), frame.height);
        let Kind::Try {
            clauses, in_catch, ..
        } = &mut frame.kind
        else {
            return Err(cerr("catch outside a try"));
        };
        clauses.push((tag, clause));
        let first = !std::mem::replace(in_catch, true);
        if reachable {
            frame.reached = true;
            let vals = self.pop_n(n)?;
            self.b.ins().jump(dest, &args(&vals));
        }
        if first && self.scopes.last().is_some_and(|s| s.1 == own) {
            self.scopes.pop();
        }
        self.stack.truncate(height);
        self.b.switch_to_block(clause);
        self.stack.extend_from_slice(self.b.block_params(clause));
        Ok(())
    }

    /// Fills a legacy `try`'s dispatch block (at its `end` or `delegate`; the current
    /// block is filled): its clauses, then `outer` (the enclosing handler, or the one
    /// `delegate` names).
    fn fill_try_dispatch(&mut self, kind: &Kind, own: usize, outer: Option<Block>) -> Result<()> {
        let Kind::Try {
            dispatch,
            clauses,
            exn,
            in_catch,
            rethrows,
        } = kind
        else {
            return Ok(());
        };
        if !*in_catch && self.scopes.last().is_some_and(|s| s.1 == own) {
            self.scopes.pop();
        }
        let outer = outer.unwrap_or_else(|| self.handler());
        self.b.switch_to_block(*dispatch);
        let at = self.b.block_params(*dispatch)[0];
        for (tag, block) in clauses {
            self.catch_clause(*tag, false, *block, rethrows.then_some(*exn))?;
        }
        self.b.ins().jump(outer, &[BlockArg::Value(at)]);
        self.b.seal_block(*dispatch);
        for (_, block) in clauses {
            self.b.seal_block(*block);
        }
        Ok(())
    }

    /// A legacy `try ... delegate depth`: ends the `try` as `end` does, its dispatch
    /// passing exceptions on to the handler of the label `depth` levels out.
    fn delegate(&mut self, depth: u32, reachable: bool) -> Result<()> {
        let own = self.control.len() - 1;
        if self.scopes.last().is_some_and(|s| s.1 == own) {
            self.scopes.pop();
        }
        let target = own.checked_sub(1 + depth as usize);
        let outer = match target {
            None | Some(0) => self.unwind,
            Some(t) => {
                // A `try` in its body and a `try_table` catch what is delegated to
                // their label; any other label passes it to the handlers around it.
                let body = matches!(
                    self.control[t].kind,
                    Kind::Try {
                        in_catch: false,
                        ..
                    } | Kind::TryTable { .. }
                );
                let limit = if body { t } else { t - 1 };
                (self.scopes.iter().rev())
                    .find(|s| s.1 <= limit)
                    .map_or(self.unwind, |s| s.0)
            }
        };
        self.end_with(reachable, Some(outer))
    }

    /// Unwinds (records this frame at the current offset and returns) when `cond`.
    /// After a call: unwinds if the callee trapped (the trap flag), unless code unwinds
    /// by signal (`FuncEnv::unwind_by_signal`: nothing to check).
    fn unwind_if_trapped(&mut self) {
        if !self.env.unwind_by_signal {
            let trapped = (self.b.ins()).load(types::I64, flags(), self.vmctx, vmctx::TRAPPED);
            self.unwind_if(trapped);
        }
    }

    fn unwind_if(&mut self, cond: Value) {
        let unwind = self.handler();
        let offset = self.offset as i64;
        cold_branch(self.b, cond, |b| {
            let at = b.ins().iconst(types::I64, offset);
            b.ins().jump(unwind, &[BlockArg::Value(at)]);
        });
    }

    fn pop(&mut self) -> Result<Value> {
        self.stack
            .pop()
            .ok_or_else(|| cerr("internal error: operand stack underflow"))
    }

    fn pop_n(&mut self, n: usize) -> Result<Vec<Value>> {
        if n > self.stack.len() {
            return Err(cerr("internal error: operand stack underflow"));
        }
        Ok(self.stack.split_off(self.stack.len() - n))
    }

    fn peek_n(&self, n: usize) -> Result<Vec<Value>> {
        if n > self.stack.len() {
            return Err(cerr("internal error: operand stack underflow"));
        }
        Ok(self.stack[self.stack.len() - n..].to_vec())
    }

    fn u64(&mut self, v: Value) -> Value {
        match self.b.func.dfg.value_type(v) {
            types::I64 => v,
            _ => self.b.ins().uextend(types::I64, v),
        }
    }

    /// A libcall's `i64` result as table `table`'s index type (an `i32` for a 32-bit
    /// table).
    fn table_index_value(&mut self, table: u32, v: Value) -> Value {
        let table64 = (self.env.info.tables.get(table as usize)).is_some_and(|t| t.table64);
        if table64 {
            v
        } else {
            self.b.ins().ireduce(types::I32, v)
        }
    }

    fn iconst64(&mut self, v: u64) -> Value {
        self.b.ins().iconst(types::I64, v as i64)
    }

    fn block_type(&self, bt: BlockType) -> Result<(Vec<Type>, Vec<Type>)> {
        Ok(match bt {
            BlockType::Empty => (Vec::new(), Vec::new()),
            BlockType::Type(t) => (Vec::new(), vec![val_type(t)?]),
            BlockType::FuncType(i) => {
                let ty = self
                    .env
                    .info
                    .types
                    .get(i as usize)
                    .ok_or_else(|| cerr("block type out of range"))?;
                let conv = |ts: &[ValueType]| -> Result<Vec<Type>> {
                    ts.iter()
                        .map(|t| clif_type(*t).ok_or_else(|| unsupported("v128 values")))
                        .collect()
                };
                (conv(ty.params())?, conv(ty.results())?)
            }
        })
    }

    fn block_with_params(&mut self, types: &[Type]) -> Block {
        let block = self.b.create_block();
        for t in types {
            self.b.append_block_param(block, *t);
        }
        block
    }

    /// Control frame `depth` (0: innermost).
    fn frame(&mut self, depth: u32) -> Result<&mut Control> {
        let n = self.control.len();
        n.checked_sub(depth as usize + 1)
            .and_then(|i| self.control.get_mut(i))
            .ok_or_else(|| cerr("branch depth out of range"))
    }

    /// A branch to frame `depth`: its block and the values it passes (left on the stack).
    fn branch_target(&mut self, depth: u32) -> Result<(Block, Vec<Value>)> {
        let frame = self.frame(depth)?;
        if !matches!(frame.kind, Kind::Loop { .. }) {
            frame.reached = true;
        }
        let (block, types) = frame.target();
        let n = types.len();
        Ok((block, self.peek_n(n)?))
    }

    fn operator(&mut self, op: &Operator<'_>) -> Result<()> {
        if let Some(depth) = self.unreachable {
            match op {
                Operator::Block { .. }
                | Operator::Loop { .. }
                | Operator::If { .. }
                | Operator::TryTable { .. }
                | Operator::Try { .. } => self.unreachable = Some(depth + 1),
                Operator::Catch { tag_index } if depth == 0 => {
                    self.unreachable = None;
                    return self.legacy_catch(Some(*tag_index), false);
                }
                Operator::CatchAll if depth == 0 => {
                    self.unreachable = None;
                    return self.legacy_catch(None, false);
                }
                Operator::Delegate { relative_depth } if depth == 0 => {
                    self.unreachable = None;
                    return self.delegate(*relative_depth, false);
                }
                Operator::Delegate { .. } => self.unreachable = Some(depth - 1),
                Operator::Else if depth == 0 => {
                    self.unreachable = None;
                    return self.else_(false);
                }
                Operator::End if depth == 0 => {
                    self.unreachable = None;
                    return self.end(false);
                }
                Operator::End => self.unreachable = Some(depth - 1),
                _ => {}
            }
            return Ok(());
        }
        self.cur_mem = crate::module::memory_of(op).unwrap_or(0);
        let mut traps = traps!(self);
        if ops::numeric(op, self.b, &mut self.stack, &mut traps)
            || simd::simd(op, self.b, &mut self.stack, &mut traps)
        {
            return Ok(());
        }
        match *op {
            Operator::Nop => {}
            Operator::Unreachable if self.env.signals => {
                self.b.ins().trap(signal_trap_code(TrapCode::Unreachable));
                self.unreachable = Some(0);
            }
            Operator::Unreachable => {
                let code = self.iconst64(trap_number(TrapCode::Unreachable) as u64);
                self.libcall_raw(Libcall::Trap, &[code]);
                let at = self.iconst64(self.offset as u64);
                self.b.ins().jump(self.unwind, &[BlockArg::Value(at)]);
                self.unreachable = Some(0);
            }
            Operator::Block { blockty } => {
                self.trap_blocks.checked.borrow_mut().open();
                let (params, results) = self.block_type(blockty)?;
                let dest = self.block_with_params(&results);
                let height = self.stack.len() - params.len();
                self.control.push(Control {
                    kind: Kind::Block,
                    dest,
                    results,
                    params,
                    height,
                    reached: false,
                });
            }
            Operator::Loop { blockty } => {
                self.trap_blocks.checked.borrow_mut().open();
                let (params, results) = self.block_type(blockty)?;
                let header = self.block_with_params(&params);
                let dest = self.block_with_params(&results);
                let vals = self.pop_n(params.len())?;
                self.b.ins().jump(header, &args(&vals));
                self.b.switch_to_block(header);
                self.interrupt_check();
                self.charge_fuel();
                let height = self.stack.len();
                self.stack.extend_from_slice(self.b.block_params(header));
                self.control.push(Control {
                    kind: Kind::Loop { header },
                    dest,
                    results,
                    params,
                    height,
                    reached: false,
                });
            }
            Operator::If { blockty } => {
                self.trap_blocks.checked.borrow_mut().open();
                let cond = self.pop()?;
                let (params, results) = self.block_type(blockty)?;
                let then = self.block_with_params(&params);
                let else_block = self.block_with_params(&params);
                let dest = self.block_with_params(&results);
                let vals = self.pop_n(params.len())?;
                self.b
                    .ins()
                    .brif(cond, then, &args(&vals), else_block, &args(&vals));
                self.b.switch_to_block(then);
                self.b.seal_block(then);
                let height = self.stack.len();
                self.stack.extend_from_slice(self.b.block_params(then));
                self.control.push(Control {
                    kind: Kind::If {
                        else_block: Some(else_block),
                    },
                    dest,
                    results,
                    params,
                    height,
                    reached: false,
                });
            }
            Operator::Else => self.else_(true)?,
            Operator::End => self.end(true)?,
            Operator::TryTable { ref try_table } => self.try_table(try_table)?,
            Operator::Try { blockty } => self.legacy_try(blockty)?,
            Operator::Catch { tag_index } => self.legacy_catch(Some(tag_index), true)?,
            Operator::CatchAll => self.legacy_catch(None, true)?,
            Operator::Delegate { relative_depth } => self.delegate(relative_depth, true)?,
            Operator::Throw { tag_index } => {
                let types = self.tag_types(tag_index)?;
                let vals = self.pop_n(types.len())?;
                let buf = self.values_buffer(&vals, slot_count(&types));
                let tag = self.iconst64(tag_index as u64);
                self.shadow_at_call();
                self.libcall_raw(Libcall::Throw, &[tag, buf]);
                self.jump_to_handler();
            }
            Operator::ThrowRef => {
                let exn = self.pop()?;
                self.shadow_at_call();
                self.libcall_raw(Libcall::ThrowRef, &[exn]);
                self.jump_to_handler();
            }
            Operator::Rethrow { relative_depth } => {
                let Kind::Try { exn, rethrows, .. } = &mut self.frame(relative_depth)?.kind else {
                    return Err(cerr("rethrow outside a catch"));
                };
                *rethrows = true;
                let exn = *exn;
                let exn = self.b.use_var(exn);
                self.shadow_at_call();
                self.libcall_raw(Libcall::ThrowRef, &[exn]);
                self.jump_to_handler();
            }
            Operator::Br { relative_depth } => {
                let (block, vals) = self.branch_target(relative_depth)?;
                self.b.ins().jump(block, &args(&vals));
                self.unreachable = Some(0);
            }
            Operator::BrIf { relative_depth } => {
                let cond = self.pop()?;
                let (block, vals) = self.branch_target(relative_depth)?;
                let cont = self.b.create_block();
                self.b.ins().brif(cond, block, &args(&vals), cont, &[]);
                self.b.switch_to_block(cont);
                self.b.seal_block(cont);
            }
            Operator::BrTable { ref targets } => {
                let index = self.pop()?;
                let mut depths: Vec<u32> = Vec::new();
                for t in targets.targets() {
                    depths.push(t.map_err(compile_error)?);
                }
                depths.push(targets.default());
                // One edge block per distinct target, passing its values (filled once
                // the table has ended this block).
                let mut edges: Vec<(u32, Block, Block, Vec<Value>)> = Vec::new();
                for &d in &depths {
                    if edges.iter().any(|(e, ..)| *e == d) {
                        continue;
                    }
                    let (block, vals) = self.branch_target(d)?;
                    let edge = self.b.create_block();
                    edges.push((d, edge, block, vals));
                }
                let edge_of = |d: u32| edges.iter().find(|(e, ..)| *e == d).map(|(_, b, ..)| *b);
                let default = edge_of(targets.default()).expect("an edge per target");
                let calls: Vec<ir::BlockCall> = depths[..depths.len() - 1]
                    .iter()
                    .map(|d| {
                        let e = edge_of(*d).expect("an edge per target");
                        self.b.func.dfg.block_call(e, &[])
                    })
                    .collect();
                let def_call = self.b.func.dfg.block_call(default, &[]);
                let jt = self
                    .b
                    .create_jump_table(ir::JumpTableData::new(def_call, &calls));
                self.b.ins().br_table(index, jt);
                for (_, edge, block, vals) in edges {
                    self.b.switch_to_block(edge);
                    self.b.seal_block(edge);
                    self.b.ins().jump(block, &args(&vals));
                }
                self.unreachable = Some(0);
            }
            Operator::Return => {
                let n = self.results.len();
                let vals = self.peek_n(n)?;
                let ret = self.control[0].dest;
                self.control[0].reached = true;
                self.b.ins().jump(ret, &args(&vals));
                self.unreachable = Some(0);
            }
            Operator::Drop => {
                self.pop()?;
            }
            Operator::Select | Operator::TypedSelect { .. } => {
                let c = self.pop()?;
                let y = self.pop()?;
                let x = self.pop()?;
                let v = self.b.ins().select(c, x, y);
                self.stack.push(v);
            }
            Operator::LocalGet { local_index } => {
                let var = self.local(local_index)?;
                let v = self.b.use_var(var);
                self.stack.push(v);
            }
            Operator::LocalSet { local_index } => {
                let var = self.local(local_index)?;
                let v = self.pop()?;
                self.b.def_var(var, v);
            }
            Operator::LocalTee { local_index } => {
                let var = self.local(local_index)?;
                let v = *self
                    .stack
                    .last()
                    .ok_or_else(|| cerr("internal error: operand stack underflow"))?;
                self.b.def_var(var, v);
            }
            Operator::GlobalGet { global_index } => {
                let ty = self.global_type(global_index)?;
                let ptr = self.global_ptr(global_index);
                // A global's slots: `value`, then `hi` (a `v128`'s high half).
                let v = load_slots(self.b, ptr, 0, ty);
                self.stack.push(v);
            }
            Operator::GlobalSet { global_index } => {
                let ptr = self.global_ptr(global_index);
                let v = self.pop()?;
                store_slots(self.b, v, ptr, 0);
            }
            Operator::I32Load { memarg } => self.load(types::I32, 4, false, memarg.offset)?,
            Operator::I64Load { memarg } => self.load(types::I64, 8, false, memarg.offset)?,
            Operator::F32Load { memarg } => self.load(types::F32, 4, false, memarg.offset)?,
            Operator::F64Load { memarg } => self.load(types::F64, 8, false, memarg.offset)?,
            Operator::I32Load8S { memarg } => self.load(types::I32, 1, true, memarg.offset)?,
            Operator::I32Load8U { memarg } => self.load(types::I32, 1, false, memarg.offset)?,
            Operator::I32Load16S { memarg } => self.load(types::I32, 2, true, memarg.offset)?,
            Operator::I32Load16U { memarg } => self.load(types::I32, 2, false, memarg.offset)?,
            Operator::I64Load8S { memarg } => self.load(types::I64, 1, true, memarg.offset)?,
            Operator::I64Load8U { memarg } => self.load(types::I64, 1, false, memarg.offset)?,
            Operator::I64Load16S { memarg } => self.load(types::I64, 2, true, memarg.offset)?,
            Operator::I64Load16U { memarg } => self.load(types::I64, 2, false, memarg.offset)?,
            Operator::I64Load32S { memarg } => self.load(types::I64, 4, true, memarg.offset)?,
            Operator::I64Load32U { memarg } => self.load(types::I64, 4, false, memarg.offset)?,
            Operator::I32Store { memarg }
            | Operator::I64Store32 { memarg }
            | Operator::F32Store { memarg } => self.store(4, memarg.offset)?,
            Operator::I64Store { memarg } | Operator::F64Store { memarg } => {
                self.store(8, memarg.offset)?
            }
            Operator::I32Store8 { memarg } | Operator::I64Store8 { memarg } => {
                self.store(1, memarg.offset)?
            }
            Operator::I32Store16 { memarg } | Operator::I64Store16 { memarg } => {
                self.store(2, memarg.offset)?
            }
            Operator::MemorySize { mem } => {
                // (`cur_mem` is `mem`: `memory_of`.)
                let len = traps!(self).mem_len(self.b);
                let pages = self.b.ins().ushr_imm_u(len, 16);
                let v = match self.memory64(mem) {
                    true => pages,
                    false => self.b.ins().ireduce(types::I32, pages),
                };
                self.stack.push(v);
            }
            Operator::MemoryGrow { mem } => {
                let delta = self.pop()?;
                let delta = self.u64(delta);
                let wide = self.memory64(mem);
                let mem = self.iconst64(mem as u64);
                self.libcall_raw(Libcall::MemoryGrow, &[delta, mem]);
                let old = self.libcall_result();
                let v = match wide {
                    true => old,
                    false => self.b.ins().ireduce(types::I32, old),
                };
                self.reload_memory();
                self.stack.push(v);
            }
            Operator::MemoryFill { mem } => {
                let vals = self.pop_n(3)?;
                let mut vals: Vec<Value> = vals.into_iter().map(|v| self.u64(v)).collect();
                vals.push(self.iconst64(mem as u64));
                self.libcall(Libcall::MemoryFill, &vals);
            }
            Operator::MemoryCopy { dst_mem, src_mem } => {
                let vals = self.pop_n(3)?;
                let mut vals: Vec<Value> = vals.into_iter().map(|v| self.u64(v)).collect();
                vals.push(self.iconst64((dst_mem as u64) << 32 | src_mem as u64));
                self.libcall(Libcall::MemoryCopy, &vals);
            }
            Operator::MemoryInit { data_index, mem } => {
                let vals = self.pop_n(3)?;
                let mut a = vec![self.iconst64((mem as u64) << 32 | data_index as u64)];
                a.extend(vals.into_iter().map(|v| self.u64(v)));
                self.libcall(Libcall::MemoryInit, &a);
            }
            Operator::DataDrop { data_index } => {
                let seg = self.iconst64(data_index as u64);
                self.libcall(Libcall::DataDrop, &[seg]);
            }
            Operator::TableGet { table } => {
                let i = self.pop()?;
                let a = [self.iconst64(table as u64), self.u64(i)];
                self.libcall(Libcall::TableGet, &a);
                let v = self.libcall_result();
                self.stack.push(v);
            }
            Operator::TableSet { table } => {
                let v = self.pop()?;
                let i = self.pop()?;
                let a = [self.iconst64(table as u64), self.u64(i), v];
                self.libcall(Libcall::TableSet, &a);
            }
            Operator::TableSize { table } => {
                let t = self.iconst64(table as u64);
                self.libcall(Libcall::TableSize, &[t]);
                let v = self.libcall_result();
                let v = self.table_index_value(table, v);
                self.stack.push(v);
            }
            Operator::TableGrow { table } => {
                let n = self.pop()?;
                let init = self.pop()?;
                let a = [self.iconst64(table as u64), init, self.u64(n)];
                self.libcall(Libcall::TableGrow, &a);
                let v = self.libcall_result();
                let v = self.table_index_value(table, v);
                self.stack.push(v);
            }
            Operator::TableFill { table } => {
                let n = self.pop()?;
                let v = self.pop()?;
                let i = self.pop()?;
                let a = [self.iconst64(table as u64), self.u64(i), v, self.u64(n)];
                self.libcall(Libcall::TableFill, &a);
            }
            Operator::TableCopy {
                dst_table,
                src_table,
            } => {
                let vals = self.pop_n(3)?;
                let mut a = vec![self.iconst64((dst_table as u64) << 32 | src_table as u64)];
                a.extend(vals.into_iter().map(|v| self.u64(v)));
                self.libcall(Libcall::TableCopy, &a);
            }
            Operator::TableInit { elem_index, table } => {
                let vals = self.pop_n(3)?;
                let mut a = vec![self.iconst64((table as u64) << 32 | elem_index as u64)];
                a.extend(vals.into_iter().map(|v| self.u64(v)));
                self.libcall(Libcall::TableInit, &a);
            }
            Operator::ElemDrop { elem_index } => {
                let seg = self.iconst64(elem_index as u64);
                self.libcall(Libcall::ElemDrop, &[seg]);
            }
            Operator::RefNull { .. } => {
                let v = self.iconst64(0);
                self.stack.push(v);
            }
            Operator::RefIsNull => {
                let r = self.pop()?;
                let z = self.b.ins().icmp_imm_u(IntCC::Equal, r, 0);
                let v = self.b.ins().uextend(types::I32, z);
                self.stack.push(v);
            }
            Operator::RefFunc { function_index } => {
                let f = self.iconst64(function_index as u64);
                self.libcall(Libcall::RefFunc, &[f]);
                let v = self.libcall_result();
                self.stack.push(v);
            }
            Operator::Call { function_index } => self.call(function_index)?,
            Operator::CallIndirect {
                type_index,
                table_index,
            } => self.call_indirect(type_index, table_index)?,
            Operator::ReturnCall { function_index } => self.return_call(function_index)?,
            Operator::CallRef { type_index } => self.call_ref(type_index, false)?,
            Operator::ReturnCallRef { type_index } => self.call_ref(type_index, true)?,
            Operator::RefAsNonNull => {
                let r = *self
                    .stack
                    .last()
                    .ok_or_else(|| cerr("operand stack underflow"))?;
                let null = self.b.ins().icmp_imm_u(IntCC::Equal, r, 0);
                let traps = traps!(self);
                traps.trap_if(self.b, null, TrapCode::NullReference);
            }
            Operator::BrOnNull { relative_depth } => {
                let r = self.pop()?;
                let null = self.b.ins().icmp_imm_u(IntCC::Equal, r, 0);
                let (block, vals) = self.branch_target(relative_depth)?;
                let cont = self.b.create_block();
                self.b.ins().brif(null, block, &args(&vals), cont, &[]);
                self.b.switch_to_block(cont);
                self.b.seal_block(cont);
                self.stack.push(r);
            }
            Operator::BrOnNonNull { relative_depth } => {
                let r = *self
                    .stack
                    .last()
                    .ok_or_else(|| cerr("operand stack underflow"))?;
                let (block, vals) = self.branch_target(relative_depth)?;
                let cont = self.b.create_block();
                self.b.ins().brif(r, block, &args(&vals), cont, &[]);
                self.b.switch_to_block(cont);
                self.b.seal_block(cont);
                self.pop()?;
            }
            Operator::ReturnCallIndirect {
                type_index,
                table_index,
            } => self.return_call_indirect(type_index, table_index)?,
            // GC: conversions change nothing (see `heap`); a reference comparison is
            // one; the rest runs in the runtime, as the interpreter runs it.
            Operator::AnyConvertExtern | Operator::ExternConvertAny => {}
            Operator::RefEq => {
                let b = self.pop()?;
                let a = self.pop()?;
                let eq = self.b.ins().icmp(IntCC::Equal, a, b);
                let v = self.b.ins().uextend(types::I32, eq);
                self.stack.push(v);
            }
            Operator::BrOnCast { relative_depth, .. } => self.br_on_cast(relative_depth, false)?,
            Operator::BrOnCastFail { relative_depth, .. } => {
                self.br_on_cast(relative_depth, true)?
            }
            ref op if crate::module::is_gc_operator(op) => self.gc(op)?,
            ref other => {
                return Err(unsupported(&format!("the operator {other:?}")));
            }
        }
        Ok(())
    }

    /// A GC operator other than the conversions, `ref.eq` and the casts that branch:
    /// its operands go to a buffer, the `Gc` libcall runs it there (as the interpreter
    /// does, traps included) and its results are read back.
    fn gc(&mut self, op: &Operator<'_>) -> Result<()> {
        let (pops, results) = self.gc_arity(op)?;
        let vals = self.pop_n(pops)?;
        let h: usize = vals
            .iter()
            .map(|v| slots(self.b.func.dfg.value_type(*v)))
            .sum();
        let count = h.max(slot_count(&results)).max(1);
        let buf = self.gc_buffer(&vals, count);
        let at = self.iconst64(self.offset as u64);
        let h = self.iconst64(h as u64);
        let len = self.iconst64(count as u64);
        self.libcall(Libcall::Gc, &[at, buf, h, len]);
        self.read_results(buf, &results);
        Ok(())
    }

    /// The function's GC buffer, of `count` slots at least, with `vals` stored in it (a
    /// stack slot per operator would make the frame as large as all of them, and keep
    /// the references they held: the collector scans the stack).
    fn gc_buffer(&mut self, vals: &[Value], count: usize) -> Value {
        let size = (count.max(1) * 8) as u32;
        let ss = match self.gc_buf {
            Some(ss) => {
                let data = &mut self.b.func.sized_stack_slots[ss];
                data.size = data.size.max(size);
                ss
            }
            None => {
                let ss = self.b.create_sized_stack_slot(StackSlotData::new(
                    StackSlotKind::ExplicitSlot,
                    size,
                    4,
                ));
                self.gc_buf = Some(ss);
                ss
            }
        };
        let buf = self.b.ins().stack_addr(types::I64, ss, 0);
        self.store_values(vals, buf);
        buf
    }

    /// How many operands GC operator `op` pops, and the types of its results.
    fn gc_arity(&self, op: &Operator<'_>) -> Result<(usize, Vec<Type>)> {
        use crate::gctypes::{Composite, Field, Storage};
        use Operator as O;
        let info = self.env.info;
        let def = |t: u32| {
            info.canon
                .get(t as usize)
                .map(|id| crate::gctypes::def(*id))
                .ok_or_else(|| cerr("type index out of range"))
        };
        let storage = |f: &Field| -> Result<Type> {
            match f.storage {
                Storage::I8 | Storage::I16 => Ok(types::I32),
                Storage::Val(v) => clif_type(crate::gctypes::value_type_of(v))
                    .ok_or_else(|| unsupported("v128 fields")),
            }
        };
        let field = |t: u32, f: u32| -> Result<Type> {
            match &def(t)?.sub.composite {
                Composite::Struct(fields) => storage(
                    fields
                        .get(f as usize)
                        .ok_or_else(|| cerr("field index out of range"))?,
                ),
                _ => Err(cerr("not a struct type")),
            }
        };
        let elem = |t: u32| -> Result<Type> {
            match &def(t)?.sub.composite {
                Composite::Array(f) => storage(f),
                _ => Err(cerr("not an array type")),
            }
        };
        let r = types::I64;
        Ok(match *op {
            O::StructNew {
                struct_type_index: t,
            } => match &def(t)?.sub.composite {
                Composite::Struct(fields) => (fields.len(), vec![r]),
                _ => return Err(cerr("not a struct type")),
            },
            O::StructNewDefault { .. } => (0, vec![r]),
            O::StructGet {
                struct_type_index: t,
                field_index: f,
            }
            | O::StructGetS {
                struct_type_index: t,
                field_index: f,
            }
            | O::StructGetU {
                struct_type_index: t,
                field_index: f,
            } => (1, vec![field(t, f)?]),
            O::StructSet { .. } => (2, vec![]),
            O::ArrayNew { .. } | O::ArrayNewData { .. } | O::ArrayNewElem { .. } => (2, vec![r]),
            O::ArrayNewDefault { .. } => (1, vec![r]),
            O::ArrayNewFixed { array_size, .. } => (array_size as usize, vec![r]),
            O::ArrayGet {
                array_type_index: t,
            }
            | O::ArrayGetS {
                array_type_index: t,
            }
            | O::ArrayGetU {
                array_type_index: t,
            } => (2, vec![elem(t)?]),
            O::ArraySet { .. } => (3, vec![]),
            O::ArrayLen => (1, vec![types::I32]),
            O::ArrayFill { .. } | O::ArrayInitData { .. } | O::ArrayInitElem { .. } => (4, vec![]),
            O::ArrayCopy { .. } => (5, vec![]),
            O::RefI31 => (1, vec![r]),
            O::I31GetS | O::I31GetU => (1, vec![types::I32]),
            O::RefTestNonNull { .. } | O::RefTestNullable { .. } => (1, vec![types::I32]),
            O::RefCastNonNull { .. } | O::RefCastNullable { .. } => (1, vec![r]),
            ref other => return Err(unsupported(&format!("the operator {other:?}"))),
        })
    }

    /// `br_on_cast` (`br_on_cast_fail` when `fail`): the `Gc` libcall tests the reference
    /// on top of the stack, which stays there on both ways.
    fn br_on_cast(&mut self, depth: u32, fail: bool) -> Result<()> {
        let r = *self
            .stack
            .last()
            .ok_or_else(|| cerr("operand stack underflow"))?;
        let buf = self.gc_buffer(&[r], 1);
        let at = self.iconst64(self.offset as u64);
        let one = self.iconst64(1);
        self.libcall(Libcall::Gc, &[at, buf, one, one]);
        let ok = self.libcall_result();
        let (block, vals) = self.branch_target(depth)?;
        let cont = self.b.create_block();
        if fail {
            self.b.ins().brif(ok, cont, &[], block, &args(&vals));
        } else {
            self.b.ins().brif(ok, block, &args(&vals), cont, &[]);
        }
        self.b.switch_to_block(cont);
        self.b.seal_block(cont);
        Ok(())
    }

    fn local(&self, index: u32) -> Result<Variable> {
        self.locals
            .get(index as usize)
            .copied()
            .ok_or_else(|| cerr("local index out of range"))
    }

    fn global_type(&self, index: u32) -> Result<Type> {
        let g = self
            .env
            .info
            .globals
            .get(index as usize)
            .ok_or_else(|| cerr("global index out of range"))?;
        clif_type(g.value_type).ok_or_else(|| unsupported("this global's type"))
    }

    /// The address of global `index`'s value slot.
    fn global_ptr(&mut self, index: u32) -> Value {
        self.b
            .ins()
            .load(types::I64, fixed(), self.globals_table, (index * 8) as i32)
    }

    /// The bounds-checked native address of an access of `size` bytes at the popped
    /// Wasm address plus `offset`, as a native address and an offset from it for the
    /// access's instruction.
    fn address(&mut self, size: u32, offset: u64) -> Result<(Value, i32)> {
        let addr = self.pop()?;
        let traps = traps!(self);
        match i32::try_from(offset) {
            // Guarded, the offset is the instruction's (as wasmtime does): the access
            // faults past the end all the same (the reservation covers a 32-bit address
            // plus a 31-bit offset), and the trap's address, decoded from the faulting
            // instruction (`signals::effective_address`), includes it.
            Ok(imm) if traps.guarded() => {
                let base = traps.mem_base(self.b);
                let addr = self.b.ins().uextend(types::I64, addr);
                Ok((self.b.ins().iadd(base, addr), imm))
            }
            _ => Ok((traps.heap_address(self.b, addr, offset, size), 0)),
        }
    }

    fn load(&mut self, ty: Type, size: u32, signed: bool, offset: u64) -> Result<()> {
        let (at, imm) = self.address(size, offset)?;
        let f = traps!(self).access_flags(size);
        let ins = self.b.ins();
        let v = match (size, ty.bits(), signed) {
            (1, _, true) => ins.sload8(ty, f, at, imm),
            (1, _, false) => ins.uload8(ty, f, at, imm),
            (2, _, true) => ins.sload16(ty, f, at, imm),
            (2, _, false) => ins.uload16(ty, f, at, imm),
            (4, 64, true) => ins.sload32(f, at, imm),
            (4, 64, false) => ins.uload32(f, at, imm),
            _ => ins.load(ty, f, at, imm),
        };
        self.stack.push(v);
        Ok(())
    }

    fn store(&mut self, size: u32, offset: u64) -> Result<()> {
        let v = self.pop()?;
        let (at, imm) = self.address(size, offset)?;
        let f = traps!(self).access_flags(size);
        let bits = self.b.func.dfg.value_type(v).bits();
        let ins = self.b.ins();
        match (size, bits) {
            (1, _) => ins.istore8(f, v, at, imm),
            (2, _) => ins.istore16(f, v, at, imm),
            (4, 64) => ins.istore32(f, v, at, imm),
            _ => ins.store(f, v, at, imm),
        };
        Ok(())
    }

    fn else_(&mut self, reachable: bool) -> Result<()> {
        self.trap_blocks.checked.borrow_mut().undo(false);
        let frame = self
            .control
            .last_mut()
            .ok_or_else(|| cerr("else outside a block"))?;
        let Kind::If { else_block, .. } = &mut frame.kind else {
            return Err(cerr("else outside an if"));
        };
        let else_block = else_block.take().ok_or_else(|| cerr("a second else"))?;
        let (dest, n, height) = (frame.dest, frame.results.len(), frame.height);
        if reachable {
            frame.reached = true;
            let vals = self.pop_n(n)?;
            self.b.ins().jump(dest, &args(&vals));
        }
        self.stack.truncate(height);
        self.b.switch_to_block(else_block);
        self.b.seal_block(else_block);
        self.stack
            .extend_from_slice(self.b.block_params(else_block));
        Ok(())
    }

    fn end(&mut self, reachable: bool) -> Result<()> {
        self.end_with(reachable, None)
    }

    /// `end` (`outer`: for a legacy `try ... delegate`, the handler it delegates to).
    fn end_with(&mut self, reachable: bool, outer: Option<Block>) -> Result<()> {
        self.trap_blocks.checked.borrow_mut().undo(true);
        let mut frame = self
            .control
            .pop()
            .ok_or_else(|| cerr("end outside a block"))?;
        let own = self.control.len();
        if reachable {
            frame.reached = true;
            let vals = self.pop_n(frame.results.len())?;
            self.b.ins().jump(frame.dest, &args(&vals));
        }
        if let Kind::TryTable { dispatch } = frame.kind {
            if self.scopes.last().is_some_and(|s| s.1 == own) {
                self.scopes.pop();
            }
            self.b.seal_block(dispatch);
        }
        self.fill_try_dispatch(&frame.kind, own, outer)?;
        if let Kind::If {
            else_block: Some(else_block),
        } = &frame.kind
        {
            // No `else`: the false edge passes the parameters through.
            frame.reached = true;
            self.b.switch_to_block(*else_block);
            self.b.seal_block(*else_block);
            let vals = self.b.block_params(*else_block).to_vec();
            self.b.ins().jump(frame.dest, &args(&vals));
        }
        // Every branch to the frame's blocks is known now.
        if let Kind::Loop { header } = frame.kind {
            self.b.seal_block(header);
        }
        self.b.seal_block(frame.dest);
        self.stack.truncate(frame.height);
        if self.control.is_empty() {
            // The function's end: its return block is complete.
            return Ok(());
        }
        self.b.switch_to_block(frame.dest);
        self.stack
            .extend_from_slice(self.b.block_params(frame.dest));
        if !frame.reached {
            // Nothing reaches the end: what follows is dead until the enclosing end.
            self.unreachable = Some(0);
        }
        Ok(())
    }

    /// Stores `vals` into a new `u64` array on the stack of `slots` slots; its address.
    fn values_buffer(&mut self, vals: &[Value], count: usize) -> Value {
        let size = (count.max(1) * 8) as u32;
        let ss = self.b.create_sized_stack_slot(StackSlotData::new(
            StackSlotKind::ExplicitSlot,
            size,
            4,
        ));
        let buf = self.b.ins().stack_addr(types::I64, ss, 0);
        self.store_values(vals, buf);
        buf
    }

    /// Stores `vals` in the `u64` slots at `buf`, from the first (a `v128` in two).
    fn store_values(&mut self, vals: &[Value], buf: Value) {
        let mut at = 0;
        for v in vals {
            let t = self.b.func.dfg.value_type(*v);
            store_slots(self.b, *v, buf, at);
            at += slots(t);
        }
    }

    /// Pushes the results in the `u64` array at `buf`.
    fn read_results(&mut self, buf: Value, results: &[Type]) {
        let mut at = 0;
        for t in results {
            let v = load_slots(self.b, buf, at, *t);
            at += slots(*t);
            self.stack.push(v);
        }
    }

    fn func_sig(&self, ty: &FuncType) -> Result<(Vec<Type>, Vec<Type>)> {
        let conv = |ts: &[ValueType]| -> Result<Vec<Type>> {
            ts.iter()
                .map(|t| clif_type(*t).ok_or_else(|| unsupported("v128 values")))
                .collect()
        };
        Ok((conv(ty.params())?, conv(ty.results())?))
    }

    /// With listeners, at entry: pushes this frame (function, `offset`) on the shadow
    /// stack and, for a function whose listener has it, calls `before` with `params`.
    fn listener_entry(&mut self, offset: u32, params: &[Variable]) {
        if self.env.listened.is_none() {
            return;
        }
        let f = flags();
        let header = self.b.ins().load(types::I64, f, self.vmctx, vmctx::SHADOW);
        let len = self.b.ins().load(types::I64, f, header, vmctx::SHADOW_LEN);
        let cap = self.b.ins().load(types::I64, f, header, vmctx::SHADOW_CAP);
        let full = self
            .b
            .ins()
            .icmp(IntCC::UnsignedGreaterThanOrEqual, len, cap);
        self.cold_then_on(full, |t| {
            t.libcall_raw(Libcall::ShadowGrow, &[]);
        });
        let at = self.b.ins().ishl_imm_u(len, 3);
        self.shadow = Some((header, at));
        self.shadow_store(offset);
        let next = self.b.ins().iadd_imm_u(len, 1);
        self.b.ins().store(f, next, header, vmctx::SHADOW_LEN);
        if self.hooks().contains(ListenerHooks::BEFORE) {
            let vals: Vec<Value> = params.iter().map(|v| self.b.use_var(*v)).collect();
            let buf = self.hook_buffer(&vals);
            let d = self.iconst64(self.def as u64);
            let status = self.libcall_raw(Libcall::Before, &[d, buf]);
            self.offset = offset;
            self.unwind_if(status);
        }
    }

    /// Writes this frame's function and `offset` into its shadow stack entry.
    fn shadow_store(&mut self, offset: u32) {
        let Some((header, at)) = self.shadow else {
            return;
        };
        let f = flags();
        let base = self.b.ins().load(types::I64, f, header, vmctx::SHADOW_BASE);
        let slot = self.b.ins().iadd(base, at);
        let word = self
            .b
            .ins()
            .iconst(types::I64, ((self.def as u64) << 32 | offset as u64) as i64);
        self.b.ins().store(f, word, slot, 0);
    }

    /// Before a call: this frame's current offset (the call's) for the listeners' stack.
    fn shadow_at_call(&mut self) {
        let offset = self.offset;
        self.shadow_store(offset);
    }

    /// Takes this frame off the shadow stack (returning or unwinding).
    fn shadow_pop(&mut self) {
        if let Some((header, at)) = self.shadow {
            let len = self.b.ins().ushr_imm_u(at, 3);
            self.b.ins().store(flags(), len, header, vmctx::SHADOW_LEN);
        }
    }

    /// With listeners, at a return with `rets`: `after` for a listened function (a
    /// failing `after` unwinds, without `abort`), then the frame leaves the shadow stack.
    fn listener_exit(&mut self, rets: &[Value]) {
        if self.env.listened.is_none() {
            return;
        }
        if self.hooks().contains(ListenerHooks::AFTER) {
            let buf = self.hook_buffer(rets);
            let d = self.iconst64(self.def as u64);
            let status = self.libcall_raw(Libcall::After, &[d, buf]);
            self.unwind_if(status);
        }
        self.owed_afters(rets);
        self.shadow_pop();
    }

    /// With listeners, at a return with `rets`: the `after` hooks owed at this frame by
    /// the listened functions it replaced (checked by a load; called rarely).
    fn owed_afters(&mut self, rets: &[Value]) {
        let Some((header, at)) = self.shadow else {
            return;
        };
        let owed = self
            .b
            .ins()
            .load(types::I64, flags(), header, vmctx::SHADOW_OWED);
        self.cold_then_on(owed, |t| {
            let buf = t.hook_buffer(rets);
            let frame = t.b.ins().ushr_imm_u(at, 3);
            let status = t.libcall_raw(Libcall::OwedAfters, &[frame, buf]);
            t.unwind_if(status);
        });
    }

    /// `values` (parameters or results) in a `u64` slot array, for a hook.
    fn hook_buffer(&mut self, values: &[Value]) -> Value {
        let count = values
            .iter()
            .map(|v| slots(self.b.func.dfg.value_type(*v)))
            .sum::<usize>();
        self.values_buffer(values, count)
    }

    /// A listened function about to tail-call: its `after` is owed to this frame.
    fn owe_after(&mut self) {
        let Some((_, at)) = self.shadow else {
            return;
        };
        let d = self.iconst64(self.def as u64);
        let frame = self.b.ins().ushr_imm_u(at, 3);
        self.libcall_raw(Libcall::TailListened, &[d, frame]);
    }

    fn call(&mut self, index: u32) -> Result<()> {
        let info = self.env.info;
        let ty = info.func_type(index).clone();
        let (params, results) = self.func_sig(&ty)?;
        let vals = self.pop_n(params.len())?;
        self.shadow_at_call();
        if index < info.num_imported_funcs {
            let count = slot_count(&params).max(slot_count(&results));
            let buf = self.values_buffer(&vals, count);
            let f = self.iconst64(index as u64);
            self.libcall(Libcall::Call, &[f, buf]);
            self.reload_memory();
            self.read_results(buf, &results);
            return Ok(());
        }
        let def = index - info.num_imported_funcs;
        let mut argv = vec![self.vmctx];
        argv.extend_from_slice(&vals);
        if self.env.all_placed {
            // Every function is placed with this one: a direct call (a relocation).
            let callee = self.direct_callee(def);
            let call = self.b.ins().call(callee, &argv);
            return self.after_call(call);
        }
        let sig = self.callee_sig(def);
        let address = self.callee_address(def);
        let call = self.b.ins().call_indirect(sig, address, &argv);
        self.after_call(call)
    }

    /// Defined function `def`, imported into this function for direct calls.
    fn direct_callee(&mut self, def: u32) -> ir::FuncRef {
        if let Some(f) = self.direct.get(&def) {
            return *f;
        }
        let (id, sig) = (self.env.funcs[def as usize], &self.env.sigs[def as usize]);
        let f = import(self.b.func, id, sig);
        self.direct.insert(def, f);
        f
    }

    /// The signature of defined function `def`, imported into this function.
    fn callee_sig(&mut self, def: u32) -> ir::SigRef {
        match self.callees.get(&def) {
            Some(s) => *s,
            None => {
                let s = self.b.import_signature(self.env.sigs[def as usize].clone());
                self.callees.insert(def, s);
                s
            }
        }
    }

    /// Defined function `def`'s code address, from the module's code table (0 there:
    /// compiled first, unless every function is placed).
    fn callee_address(&mut self, def: u32) -> Value {
        let f = flags();
        let table = self.code_table;
        let address = self.b.ins().load(types::I64, f, table, (def * 8) as i32);
        if self.env.all_placed {
            return address;
        }
        let missing = self.b.ins().icmp_imm_u(IntCC::Equal, address, 0);
        let compile = self.b.create_block();
        self.b.set_cold_block(compile);
        let ready = self.b.create_block();
        let address_param = self.b.append_block_param(ready, types::I64);
        self.b
            .ins()
            .brif(missing, compile, &[], ready, &[BlockArg::Value(address)]);
        self.b.switch_to_block(compile);
        self.b.seal_block(compile);
        let d = self.iconst64(def as u64);
        self.libcall(Libcall::Compile, &[d]);
        let compiled = self.libcall_result();
        self.b.ins().jump(ready, &[BlockArg::Value(compiled)]);
        self.b.switch_to_block(ready);
        self.b.seal_block(ready);
        address_param
    }

    /// The hooks of this function's listener (empty without one).
    fn hooks(&self) -> ListenerHooks {
        (self.env.listened)
            .and_then(|l| l.get(self.def as usize).copied())
            .unwrap_or(ListenerHooks::empty())
    }

    /// Whether this function's listener has an `after` or an `abort` hook, which it owes
    /// when it tail-calls (to the frame that replaces it: `owe_after`).
    fn listened(&self) -> bool {
        self.hooks()
            .intersects(ListenerHooks::AFTER | ListenerHooks::ABORT)
    }

    /// Returns the values on top of the operand stack (as `return`).
    fn return_now(&mut self) -> Result<()> {
        let n = self.results.len();
        let vals = self.peek_n(n)?;
        let ret = self.control[0].dest;
        self.control[0].reached = true;
        self.b.ins().jump(ret, &args(&vals));
        self.unreachable = Some(0);
        Ok(())
    }

    /// `return_call`: a defined function is tail-called (this frame leaves the shadow
    /// stack first); an import, or any call from a listened function, is a call and a
    /// return.
    fn return_call(&mut self, index: u32) -> Result<()> {
        let info = self.env.info;
        if index < info.num_imported_funcs {
            // This frame is replaced in the spec's semantics: its handlers do not catch
            // what the callee throws.
            let scopes = std::mem::take(&mut self.scopes);
            self.call(index)?;
            self.scopes = scopes;
            return self.return_now();
        }
        let def = index - info.num_imported_funcs;
        let ty = info.func_type(index).clone();
        let (params, _) = self.func_sig(&ty)?;
        let vals = self.pop_n(params.len())?;
        let sig = self.callee_sig(def);
        let address = self.callee_address(def);
        // (Once the callee's code is there: a failure to compile it aborts this frame.)
        if self.listened() {
            self.owe_after();
        }
        self.shadow_pop();
        let mut argv = vec![self.vmctx];
        argv.extend_from_slice(&vals);
        self.b.ins().return_call_indirect(sig, address, &argv);
        self.unreachable = Some(0);
        Ok(())
    }

    /// `return_call_indirect`: a function of this instance is tail-called; any other
    /// (a host function, another instance's) is called through `CallIndirect`, and its
    /// results returned. A listened function owes its `after` (or `abort`) only when its
    /// frame is replaced.
    fn return_call_indirect(&mut self, type_index: u32, table: u32) -> Result<()> {
        let listened = self.listened();
        let (ty, params, results, elem, vals) = self.indirect_operands(type_index)?;
        let a = [
            self.iconst64(table as u64),
            self.u64(elem),
            self.iconst64(type_index as u64),
        ];
        self.libcall(Libcall::ResolveIndirect, &a);
        let (address, generic) = self.split_on_resolved(listened);
        // This instance's function: its frame replaces this one.
        let sig = self.b.import_signature(signature(&ty)?);
        self.shadow_pop();
        let mut argv = vec![self.vmctx];
        argv.extend_from_slice(&vals);
        self.b.ins().return_call_indirect(sig, address, &argv);
        // Any other: called, then its results returned.
        self.b.switch_to_block(generic);
        self.b.seal_block(generic);
        // As for `return_call` of an import: this frame's handlers do not apply.
        let scopes = std::mem::take(&mut self.scopes);
        self.indirect_through_libcall((type_index, table, elem), &vals, (&params, &results));
        self.scopes = scopes;
        // (Not replaced: a return as any, with its own hooks.)
        self.return_now()
    }

    /// After a `Resolve…` libcall (the callee's code address if it is this instance's,
    /// else 0), for a tail call of a `listened` function (which owes its `after`):
    /// continues in the block for this instance's callee; returns the address and the
    /// block for any other.
    fn split_on_resolved(&mut self, listened: bool) -> (Value, Block) {
        let address = self.libcall_result();
        let elsewhere = self.b.ins().icmp_imm_u(IntCC::Equal, address, 0);
        let here = self.b.create_block();
        let generic = self.b.create_block();
        self.b.ins().brif(elsewhere, generic, &[], here, &[]);
        self.b.switch_to_block(here);
        self.b.seal_block(here);
        // Only a frame replaced owes its hook (a call that does not replace it returns as
        // any call, with its own `after` or `abort`).
        if listened {
            self.owe_after();
        }
        (address, generic)
    }

    /// `call_ref` (`tail`: `return_call_ref`) of type `type_index`: a function of this
    /// instance is called (tail-called) directly; any other through the `CallRef`
    /// libcall (for a tail call, its results then returned, this frame's handlers not
    /// applying).
    fn call_ref(&mut self, type_index: u32, tail: bool) -> Result<()> {
        let listened = tail && self.listened();
        let ty = (self.env.info.types.get(type_index as usize))
            .ok_or_else(|| cerr("type index out of range"))?
            .clone();
        let (params, results) = self.func_sig(&ty)?;
        let r = self.pop()?;
        let vals = self.pop_n(params.len())?;
        self.shadow_at_call();
        self.libcall(Libcall::ResolveRef, &[r]);
        let (address, generic) = self.split_on_resolved(listened);
        let sig = self.b.import_signature(signature(&ty)?);
        let mut argv = vec![self.vmctx];
        argv.extend_from_slice(&vals);
        let merge = self.block_with_params(&results);
        if tail {
            self.shadow_pop();
            self.b.ins().return_call_indirect(sig, address, &argv);
        } else {
            let call = self.b.ins().call_indirect(sig, address, &argv);
            let rets = self.b.inst_results(call).to_vec();
            self.unwind_if_trapped();
            self.b.ins().jump(merge, &args(&rets));
        }
        self.b.switch_to_block(generic);
        self.b.seal_block(generic);
        let scopes = if tail {
            std::mem::take(&mut self.scopes)
        } else {
            Vec::new()
        };
        let count = slot_count(&params).max(slot_count(&results));
        let buf = self.values_buffer(&vals, count);
        self.libcall(Libcall::CallRef, &[r, buf]);
        if tail {
            self.scopes = scopes;
        }
        self.read_results(buf, &results);
        let rets = self.pop_n(results.len())?;
        self.b.ins().jump(merge, &args(&rets));
        self.b.switch_to_block(merge);
        self.b.seal_block(merge);
        self.reload_memory();
        let rets = self.b.block_params(merge).to_vec();
        self.stack.extend_from_slice(&rets);
        if !tail {
            return Ok(());
        }
        // (Not replaced: a return as any, with its own hooks.)
        self.return_now()
    }

    /// After a direct call: unwind if it trapped (a callee that unwinds by signal never
    /// returns then), reload the other memories, push the results.
    fn after_call(&mut self, call: ir::Inst) -> Result<()> {
        let rets = self.b.inst_results(call).to_vec();
        self.unwind_if_trapped();
        self.reload_memory();
        self.stack.extend_from_slice(&rets);
        Ok(())
    }

    fn call_indirect(&mut self, type_index: u32, table: u32) -> Result<()> {
        let (_, params, results, elem, vals) = self.indirect_operands(type_index)?;
        self.indirect_through_libcall((type_index, table, elem), &vals, (&params, &results));
        Ok(())
    }

    /// An indirect call's type (`type_index`), its parameter and result types, and its
    /// operands popped (the table element, the arguments); the shadow frame's offset set.
    #[allow(clippy::type_complexity)]
    fn indirect_operands(
        &mut self,
        type_index: u32,
    ) -> Result<(FuncType, Vec<Type>, Vec<Type>, Value, Vec<Value>)> {
        let ty = self
            .env
            .info
            .types
            .get(type_index as usize)
            .ok_or_else(|| cerr("type index out of range"))?
            .clone();
        let (params, results) = self.func_sig(&ty)?;
        let elem = self.pop()?;
        let vals = self.pop_n(params.len())?;
        self.shadow_at_call();
        Ok((ty, params, results, elem, vals))
    }

    /// Calls `elem` of `table` (checked against type `type_index`) with `vals` through
    /// the `CallIndirect` libcall; pushes the results.
    fn indirect_through_libcall(
        &mut self,
        (type_index, table, elem): (u32, u32, Value),
        vals: &[Value],
        (params, results): (&[Type], &[Type]),
    ) {
        let count = slot_count(params).max(slot_count(results));
        let buf = self.values_buffer(vals, count);
        let a = [
            self.iconst64(table as u64),
            self.u64(elem),
            self.iconst64(type_index as u64),
            buf,
        ];
        self.libcall(Libcall::CallIndirect, &a);
        self.reload_memory();
        self.read_results(buf, results);
    }
}

/// Imports function `id` (of the JIT module) into `func`.
/// An interpreter stub of signature `sig` (a function type's): what a call of a defined
/// function that is not hot yet reaches under tiered compilation (the `Compile` libcall
/// returns it, with the function in `VmCtx::pending`). It puts its arguments in `u64`
/// slots, has the `Interpret` libcall (`interpret`) run the function there, and returns
/// its results; after a trap its results are zeros, and the caller, as after any call,
/// sees the trap flag.
pub(crate) fn interp_stub(
    func: &mut ir::Function,
    fctx: &mut FunctionBuilderContext,
    sig: &Signature,
    call_conv: CallConv,
    frontend: cranelift_codegen::isa::TargetFrontendConfig,
    interpret: cranelift_module::FuncId,
    unwind_by_signal: bool,
) {
    func.signature = sig.clone();
    let mut b = FunctionBuilder::new(func, fctx);
    let block = b.create_block();
    b.append_block_params_for_function_params(block);
    b.switch_to_block(block);
    b.seal_block(block);
    let params = b.block_params(block).to_vec();
    let vmctx = params[0];
    let count = |ps: &[AbiParam]| ps.iter().map(|p| slots(p.value_type)).sum::<usize>();
    let n = count(&sig.params[1..]).max(count(&sig.returns)).max(1);
    let ss = b.create_sized_stack_slot(StackSlotData::new(
        StackSlotKind::ExplicitSlot,
        (n * 8) as u32,
        4,
    ));
    let values = b.ins().stack_addr(types::I64, ss, 0);
    let mut at = 0;
    for v in &params[1..] {
        let t = b.func.dfg.value_type(*v);
        store_slots(&mut b, *v, values, at);
        at += slots(t);
    }
    let def = b.ins().load(types::I64, flags(), vmctx, vmctx::PENDING);
    let callee = import(b.func, interpret, &libcall_signature(call_conv));
    let zero = b.ins().iconst(types::I64, 0);
    let call = b.ins().call(callee, &[vmctx, def, values, zero, zero]);
    if unwind_by_signal {
        // The interpreted function trapped: unwind (callers do not check the flag).
        let status = b.inst_results(call)[0];
        // (A source location makes it a site: `code::sites`.)
        b.set_srcloc(ir::SourceLoc::new(0));
        b.ins().trapnz(status, unwind_trap_code());
        b.set_srcloc(ir::SourceLoc::default());
    }
    let mut results = Vec::new();
    let mut at = 0;
    for r in &sig.returns {
        results.push(load_slots(&mut b, values, at, r.value_type));
        at += slots(r.value_type);
    }
    b.ins().return_(&results);
    b.finalize(frontend);
}

pub(crate) fn import(
    func: &mut ir::Function,
    id: cranelift_module::FuncId,
    sig: &ir::Signature,
) -> ir::FuncRef {
    let name = func.declare_imported_user_function(UserExternalName::new(0, id.as_u32()));
    let signature = func.import_signature(sig.clone());
    func.import_function(ir::ExtFuncData {
        name: ir::ExternalName::user(name),
        signature,
        colocated: false,
        patchable: false,
    })
}
