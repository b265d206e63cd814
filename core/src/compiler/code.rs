//! A module's native code: each defined function compiled by Cranelift into executable
//! memory (`cranelift-jit`), with an array trampoline per function type for entering
//! the functions of that type from Rust (it takes the callee's address). Compiled all at once on every core ([`compile`] with `eager`), or each function
//! on its first call ([`NativeModule::ensure`]).
//!
//! Compiled code calls a defined function through the module's *code table* (one
//! address per function, 0 until it is compiled; `VmCtx::code`): a call loads the
//! address, and when it is 0 asks the runtime to compile the callee first (the `Compile`
//! libcall).
//!
//! `unsafe` here: freeing the executable memory when the module's code is dropped
//! (nothing can run it any more then), and declaring the code `Send + Sync` (the JIT
//! module is only touched under its lock; the code is immutable once finalised).
#![allow(unsafe_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use cranelift_codegen::ir::{self, InstBuilder};
use cranelift_codegen::isa::{CallConv, OwnedTargetIsa};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{FuncId, Linkage, Module};

use super::signals::{self, Site};
use super::translate::{
    self, entry_signature, libcall_name, libcall_signature, signature, FuncEnv, LibcallIds,
    Libcalls, LIBCALLS,
};
use crate::error::{Error, Result};
use crate::module::ModuleInfo;

/// The native code of a module's defined functions.
pub(crate) struct NativeModule {
    /// The executable memory, under its lock (lazy compiles add to it); `None` only while
    /// dropping.
    jit: Mutex<Option<JITModule>>,
    /// Each defined function's code address; 0 until compiled. Compiled code reads it.
    code: Box<[AtomicUsize]>,
    /// Each of the module's function types' array trampoline (`extern "C" fn(*mut
    /// VmCtx, *mut u64, callee)`: calls a function of that type with the arguments and
    /// results in the `u64` slots), 0 until compiled; shared by the functions of a type.
    entries: Box<[AtomicUsize]>,
    /// Each function type's interpreter stub (tiered compilation: what a call of a
    /// function that is not hot yet runs, [`translate::interp_stub`]), 0 until compiled.
    stubs: Box<[AtomicUsize]>,
    /// The JIT module's ids of the functions, of the types' trampolines and of their
    /// stubs.
    funcs: Vec<FuncId>,
    entry_ids: Vec<FuncId>,
    stub_ids: Vec<FuncId>,
    /// Each defined function's type index.
    types_of: Vec<u32>,
    sigs: Vec<ir::Signature>,
    call_conv: CallConv,
    frontend: cranelift_codegen::isa::TargetFrontendConfig,
    /// The libcalls, imported into the JIT module.
    libcalls: LibcallIds,
    interrupts: bool,
    validate: bool,
    fuel: bool,
    /// With listeners: the hooks each defined function calls (every function keeps a
    /// shadow stack frame).
    listened: Option<Vec<crate::types::ListenerHooks>>,
    /// Bytes of machine code so far, functions and trampolines.
    code_size: AtomicUsize,
    /// The target, to compile with outside the JIT module's lock (only placing code
    /// takes it: a function compiling on one thread does not hold up another placing or
    /// reading code).
    isa: OwnedTargetIsa,
    /// Traps by signal (`translate::FuncEnv::signals`): not with listeners.
    signals: bool,
    /// The code addresses registered with [`signals::register`], forgotten on drop.
    registered: Mutex<Vec<usize>>,
    /// The GC operators the `Gc` libcall has run, by byte offset in the module, as the
    /// interpreter runs them (decoded at their first run: machine code kept on disk
    /// holds no process's type ids).
    gc_ops: std::sync::RwLock<
        std::collections::HashMap<
            u32,
            crate::interp::instr::GcOp,
            std::hash::BuildHasherDefault<OffsetHasher>,
        >,
    >,
}

/// The hasher of [`NativeModule`]'s GC operators: their offsets, distinct `u32`s, spread
/// by one multiplication (SipHash cost a third of a compiled GC operator's time).
#[derive(Default)]
struct OffsetHasher(u64);

impl std::hash::Hasher for OffsetHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ b as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.0 = (n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

// SAFETY: the JIT module (raw pointers into its memory) is only used under its mutex;
// the code tables are atomics; the code is immutable once finalised, and calling it from
// several threads at once is sound: it keeps no state outside the `VmCtx` each call
// passes.
unsafe impl Send for NativeModule {}
// SAFETY: as above.
unsafe impl Sync for NativeModule {}

impl std::fmt::Debug for NativeModule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "NativeModule({} functions, {} bytes)",
            self.code.len(),
            self.code_size.load(Ordering::Relaxed)
        )
    }
}

impl Drop for NativeModule {
    fn drop(&mut self) {
        let registered = self.registered.get_mut().unwrap_or_else(|e| e.into_inner());
        signals::unregister(registered);
        let jit = self.jit.get_mut().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(jit) = jit {
            // SAFETY: the module's code is dropped with the last `Arc` of it: instances
            // and calls keep one while they may run its code, so none runs now and no
            // address of it is used again.
            unsafe { jit.free_memory() };
        }
    }
}

impl NativeModule {
    /// Runs `f` with the GC operator at byte `offset` of module `info` (decoded the first
    /// time: `interp::translate::gc_op`).
    pub(crate) fn with_gc_op<T>(
        &self,
        info: &ModuleInfo,
        offset: u32,
        f: impl FnOnce(&crate::interp::instr::GcOp) -> Result<T>,
    ) -> Result<T> {
        {
            let ops = self.gc_ops.read().unwrap_or_else(|e| e.into_inner());
            if let Some(op) = ops.get(&offset) {
                return f(op);
            }
        }
        let bytes = (info.bytes.get(offset as usize..))
            .ok_or_else(|| Error::new("internal error: a GC operator outside the module"))?;
        let mut reader = wasmparser::BinaryReader::new(bytes, offset as u64);
        reader.set_features(info.features);
        let op = wasmparser::OperatorsReader::new(reader).read()?;
        let op = crate::interp::translate::gc_op(info, &op, offset)?;
        let mut ops = self.gc_ops.write().unwrap_or_else(|e| e.into_inner());
        f(ops.entry(offset).or_insert(op))
    }

    /// The code table's address, for `VmCtx::code`: one `usize` per defined function.
    pub(crate) fn code_table(&self) -> *const usize {
        self.code.as_ptr() as *const usize
    }

    /// The code address of defined function `def`, compiling it first if it has not
    /// been.
    pub(crate) fn ensure(&self, info: &ModuleInfo, def: u32) -> Result<usize> {
        let slot = self
            .code
            .get(def as usize)
            .ok_or_else(|| Error::new("internal error: no such function"))?;
        match slot.load(Ordering::Acquire) {
            0 => self.compile_one(info, def),
            address => Ok(address),
        }
    }

    /// Defined function `def`'s array trampoline (its type's) and code address,
    /// compiling either first if needed: call the trampoline with the code address.
    pub(crate) fn entry(&self, info: &ModuleInfo, def: u32) -> Result<(usize, usize)> {
        let code = self.ensure(info, def)?;
        let ty = self.types_of[def as usize] as usize;
        let entry = match self.entries[ty].load(Ordering::Acquire) {
            0 => self.compile_entry(info, ty)?,
            address => address,
        };
        Ok((entry, code))
    }

    /// The interpreter stub for defined function `def`'s type (compiling it first if
    /// needed): call it, with `VmCtx::pending` set to `def`, to run `def` on the
    /// interpreter from compiled code.
    pub(crate) fn interp_stub(&self, info: &ModuleInfo, def: u32) -> Result<usize> {
        let ty = *self
            .types_of
            .get(def as usize)
            .ok_or_else(|| Error::new("internal error: no such function"))?
            as usize;
        let done = self.stubs[ty].load(Ordering::Acquire);
        if done != 0 {
            return Ok(done);
        }
        let ft = info
            .types
            .get(ty)
            .ok_or_else(|| Error::new("internal error: no such type"))?;
        let sig = signature(ft)?;
        let mut ctx = cranelift_codegen::Context::new();
        let mut fctx = FunctionBuilderContext::new();
        let interpret = self.libcalls[translate::Libcall::Interpret as usize];
        translate::interp_stub(
            &mut ctx.func,
            &mut fctx,
            &sig,
            self.call_conv,
            self.frontend,
            interpret,
            self.unwinds_by_signal(info),
        );
        let m = machine(
            &mut ctx,
            &*self.isa,
            self.stub_ids[ty],
            MachineKind::Stub(ty as u32),
            self.unwinds_by_signal(info),
        )
        .map_err(|e| Error::compile(0, format!("compiling the stub of type {ty}: {e}")))?;
        self.place_one(m, &self.stubs[ty])
    }

    /// Compiles the trampoline of type `ty` and places it, unless another thread did.
    fn compile_entry(&self, info: &ModuleInfo, ty: usize) -> Result<usize> {
        let mut ctx = cranelift_codegen::Context::new();
        let mut fctx = FunctionBuilderContext::new();
        let m = self.entry_machine(info, ty, &*self.isa, &mut ctx, &mut fctx)?;
        self.place_one(m, &self.entries[ty])
    }

    /// Compiles the trampoline of type `ty`.
    fn entry_machine(
        &self,
        info: &ModuleInfo,
        ty: usize,
        isa: &dyn cranelift_codegen::isa::TargetIsa,
        ctx: &mut cranelift_codegen::Context,
        fctx: &mut FunctionBuilderContext,
    ) -> Result<Machine> {
        let ft = info
            .types
            .get(ty)
            .ok_or_else(|| Error::new("internal error: no such type"))?;
        let sig = signature(ft)?;
        ctx.clear();
        trampoline(&mut ctx.func, fctx, &sig, self.call_conv, self.frontend);
        machine(
            ctx,
            isa,
            self.entry_ids[ty],
            MachineKind::Entry(ty as u32),
            false,
        )
        .map_err(|e| Error::compile(0, format!("compiling the entry of type {ty}: {e}")))
    }

    /// Whether the code keeps a shadow stack and calls listeners.
    /// Its code traps by signal (`translate::FuncEnv::signals`): enter it through
    /// `signals::enter`.
    pub(crate) fn signals(&self) -> bool {
        self.signals
    }

    /// Its code unwinds by signal (`translate::FuncEnv::unwind_by_signal`): with traps
    /// by signal, where no function of the module catches an exception
    /// ([`ModuleInfo::bodies_catch`]: a module whose code cannot be read counts as
    /// catching).
    fn unwinds_by_signal(&self, info: &ModuleInfo) -> bool {
        self.signals && !info.bodies_catch()
    }

    pub(crate) fn listens(&self) -> bool {
        self.listened.is_some()
    }

    /// Whether defined function `def` is compiled.
    pub(crate) fn is_compiled(&self, def: u32) -> bool {
        self.code
            .get(def as usize)
            .is_some_and(|c| c.load(Ordering::Acquire) != 0)
    }

    /// How many functions are compiled so far.
    pub(crate) fn compiled_count(&self) -> usize {
        self.code
            .iter()
            .filter(|c| c.load(Ordering::Relaxed) != 0)
            .count()
    }

    fn env<'a>(&'a self, info: &'a ModuleInfo, all_placed: bool) -> FuncEnv<'a> {
        FuncEnv {
            info,
            funcs: &self.funcs,
            sigs: &self.sigs,
            libcalls: &self.libcalls,
            call_conv: self.call_conv,
            frontend: self.frontend,
            interrupts: self.interrupts,
            validate: self.validate,
            fuel: self.fuel,
            listened: self.listened.as_deref(),
            all_placed,
            signals: self.signals,
            unwind_by_signal: self.unwinds_by_signal(info),
        }
    }

    /// Compiles defined function `def` alone and places it (only that under the JIT
    /// lock), unless another thread did meanwhile.
    fn compile_one(&self, info: &ModuleInfo, def: u32) -> Result<usize> {
        let d = def as usize;
        let env = self.env(info, false);
        let mut ctx = cranelift_codegen::Context::new();
        let mut fctx = FunctionBuilderContext::new();
        let code = function_machine(&env, def, self.funcs[d], &*self.isa, &mut ctx, &mut fctx)?;
        self.place_one(code, &self.code[d])
    }

    /// Places `m` (under the JIT lock) unless another thread placed the same code
    /// meanwhile (`slot` set): its address either way.
    fn place_one(&self, m: Machine, slot: &AtomicUsize) -> Result<usize> {
        let mut guard = self.jit.lock().unwrap_or_else(|e| e.into_inner());
        let done = slot.load(Ordering::Acquire);
        if done != 0 {
            return Ok(done);
        }
        let jit = guard
            .as_mut()
            .ok_or_else(|| Error::new("internal error: the code is gone"))?;
        self.place(jit, &[m])?;
        Ok(slot.load(Ordering::Acquire))
    }

    /// Defines `machines` in the JIT module, makes them executable and publishes their
    /// addresses.
    fn place(&self, jit: &mut JITModule, machines: &[Machine]) -> Result<()> {
        let mut size = 0;
        for m in machines {
            size += m.bytes.len();
            jit.define_function_bytes(m.id, m.align, &m.bytes, &m.relocs)
                .map_err(module_error)?;
        }
        jit.finalize_definitions().map_err(module_error)?;
        self.code_size.fetch_add(size, Ordering::Relaxed);
        for m in machines {
            let address = jit.get_finalized_function(m.id) as usize;
            if !m.sites.is_empty() {
                // (A stub's sites have no Wasm function: no frame.)
                let def = match m.kind {
                    MachineKind::Func(d) => d,
                    _ => signals::NO_FUNCTION,
                };
                signals::register(address, m.bytes.len(), def, m.sites.clone().into());
                (self.registered.lock().unwrap_or_else(|e| e.into_inner())).push(address);
            }
            match m.kind {
                MachineKind::Func(d) => self.code[d as usize].store(address, Ordering::Release),
                MachineKind::Entry(t) => self.entries[t as usize].store(address, Ordering::Release),
                MachineKind::Stub(t) => self.stubs[t as usize].store(address, Ordering::Release),
            }
        }
        Ok(())
    }
}

/// Translates and compiles defined function `def` (JIT id `id`).
fn function_machine(
    env: &FuncEnv<'_>,
    def: u32,
    id: FuncId,
    isa: &dyn cranelift_codegen::isa::TargetIsa,
    ctx: &mut cranelift_codegen::Context,
    fctx: &mut FunctionBuilderContext,
) -> Result<Machine> {
    ctx.clear();
    ctx.func.signature = env.sigs[def as usize].clone();
    translate::translate(env, def, &mut ctx.func, fctx)?;
    machine(ctx, isa, id, MachineKind::Func(def), env.signals)
        .map_err(|e| Error::compile(0, format!("compiling function {def}: {e}")))
}

/// The target: the host, optimised for speed.
fn isa() -> Result<OwnedTargetIsa> {
    let mut flags = settings::builder();
    let set = |f: &mut settings::Builder, k: &str, v: &str| {
        f.set(k, v)
            .map_err(|e| Error::compile(0, format!("compiler setting {k}: {e}")))
    };
    set(&mut flags, "opt_level", "speed")?;
    // The IR is checked by the tests (the spec suite on this engine), not on every
    // compile: the verifier costs about 7% of compile time.
    set(&mut flags, "enable_verifier", "false")?;
    set(&mut flags, "use_colocated_libcalls", "false")?;
    set(&mut flags, "is_pic", "false")?;
    set(&mut flags, "enable_multi_ret_implicit_sret", "true")?;
    // Tail calls (`return_call`) need frame pointers in Cranelift's x86-64 backend (as
    // wasmtime, which always keeps them).
    set(&mut flags, "preserve_frame_pointers", "true")?;
    let builder = cranelift_native::builder()
        .map_err(|e| Error::compile(0, format!("this machine has no compiler target: {e}")))?;
    builder
        .finish(settings::Flags::new(flags))
        .map_err(|e| Error::compile(0, format!("compiler target: {e}")))
}

fn module_error(e: cranelift_module::ModuleError) -> Error {
    Error::compile(0, format!("compiler: {e}"))
}

/// How many functions the JIT module of a module with `defs` defined functions and
/// `types` function types declares (the libcalls, each function, each type's
/// trampoline): relocations of stored code may name no other.
pub(crate) fn declared_ids(defs: usize, types: usize) -> u32 {
    (LIBCALLS + defs + types) as u32
}

/// What [`compile`] does with the machine code of a cache on disk.
pub(crate) enum Stored {
    /// Nothing: compile as the mode says.
    None,
    /// Place this machine code (read from the cache: every defined function, and
    /// trampolines) instead of compiling.
    Load(Vec<Machine>),
    /// Compile every function now and give the machine code back, to be written.
    Keep,
}

/// A description of the code this process generates (target, CPU features, compiler
/// settings, and the build of this program): machine code made for another is never
/// used.
pub(crate) fn target_id(libcalls: &Libcalls) -> Result<String> {
    let isa = isa()?;
    Ok(format!(
        "{} {} {} {} traps {} build {}",
        isa.triple(),
        isa.flags(),
        isa.isa_flags()
            .iter()
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .join(" "),
        env!("CARGO_PKG_VERSION"),
        match signals::enabled() {
            true => "by signal",
            false => "explicit",
        },
        build_id(libcalls),
    ))
}

/// What identifies this build of the program: the SHA-256 of its executable (stored code
/// names the libcalls and the `VmCtx` layout of the build that wrote it, which another
/// build of the same version may change). Where the executable cannot be read, the
/// libcalls' places relative to each other.
fn build_id(libcalls: &Libcalls) -> &'static str {
    use sha2::{Digest, Sha256};
    static ID: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ID.get_or_init(|| {
        let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
        match std::env::current_exe().and_then(std::fs::read) {
            Ok(exe) => hex(&Sha256::digest(&exe)),
            Err(_) => {
                let first = libcalls.0[0];
                let offsets: Vec<String> = libcalls
                    .0
                    .iter()
                    .map(|a| format!("{}", *a as i64 - first as i64))
                    .collect();
                format!("libcalls {}", offsets.join(","))
            }
        }
    })
}

/// Prepares the native code of `info`'s defined functions as `mode` says: all now, on
/// every core (`Eager`), or each on its first call (validating it first if the module
/// was not: `Lazy`); or as `stored` says. With [`Stored::Keep`] the machine code is
/// returned too.
pub(crate) fn compile(
    info: &ModuleInfo,
    libcalls: &Libcalls,
    options: crate::options::CodeOptions,
    stored: Stored,
    listened: Option<Vec<crate::types::ListenerHooks>>,
) -> Result<(NativeModule, Option<Vec<Machine>>)> {
    let (interrupts, mode, fuel) = (options.interrupts, options.mode, options.fuel);
    let listened_none = listened.is_none();
    use crate::options::CompilationMode;
    let eager = mode == CompilationMode::Eager || matches!(stored, Stored::Keep);
    let target = isa()?;
    let mut builder =
        JITBuilder::with_isa(target.clone(), cranelift_module::default_libcall_names());
    for (i, address) in libcalls.0.iter().enumerate() {
        builder.symbol(libcall_name(i), *address as *const u8);
    }
    let mut jit = JITModule::new(builder);
    let call_conv = jit.isa().default_call_conv();
    let mut libcall_ids = Vec::with_capacity(LIBCALLS);
    for i in 0..LIBCALLS {
        libcall_ids.push(
            jit.declare_function(
                &libcall_name(i),
                Linkage::Import,
                &libcall_signature(call_conv),
            )
            .map_err(module_error)?,
        );
    }
    let libcall_ids: LibcallIds = libcall_ids
        .try_into()
        .map_err(|_| Error::new("internal error: libcall count"))?;
    let defs = info.bodies.len() as u32;
    let mut funcs = Vec::with_capacity(defs as usize);
    let mut sigs = Vec::with_capacity(defs as usize);
    let mut types_of = Vec::with_capacity(defs as usize);
    for def in 0..defs {
        let index = info.num_imported_funcs + def;
        let sig = signature(info.func_type(index))?;
        funcs.push(
            jit.declare_function(&format!("f{def}"), Linkage::Local, &sig)
                .map_err(module_error)?,
        );
        sigs.push(sig);
        types_of.push(info.func_types[index as usize]);
    }
    let mut entry_ids = Vec::with_capacity(info.types.len());
    let mut stub_ids = Vec::with_capacity(info.types.len());
    for ty in &info.types {
        entry_ids.push(
            jit.declare_anonymous_function(&entry_signature(call_conv))
                .map_err(module_error)?,
        );
        // (A type that is not a function's gets no stub; its id is never used.)
        let sig = signature(ty).unwrap_or_else(|_| entry_signature(call_conv));
        stub_ids.push(jit.declare_anonymous_function(&sig).map_err(module_error)?);
    }
    let native = NativeModule {
        frontend: jit.isa().frontend_config(),
        jit: Mutex::new(None),
        code: (0..defs).map(|_| AtomicUsize::new(0)).collect(),
        entries: (0..info.types.len()).map(|_| AtomicUsize::new(0)).collect(),
        stubs: (0..info.types.len()).map(|_| AtomicUsize::new(0)).collect(),
        funcs,
        entry_ids,
        stub_ids,
        types_of,
        sigs,
        call_conv,
        libcalls: libcall_ids,
        interrupts,
        // A body is validated before it is translated unless the module was (the
        // default mode): lazy mode validates each on its first call, eager mode leaves
        // it to the compiler's workers (in parallel, `compile_all`).
        validate: mode != CompilationMode::LazyTranslation,
        fuel,
        listened,
        code_size: AtomicUsize::new(0),
        isa: target,
        signals: signals::enabled() && listened_none,
        registered: Mutex::new(Vec::new()),
        gc_ops: Default::default(),
    };
    let mut kept = None;
    match stored {
        Stored::Load(mut machines) => {
            // Every function exactly once (the code was compiled with all of them
            // placed), trampolines of the module's types.
            let mut seen = vec![false; defs as usize];
            for m in &mut machines {
                m.id = match m.kind {
                    MachineKind::Func(d) => {
                        let slot = seen
                            .get_mut(d as usize)
                            .filter(|s| !**s)
                            .ok_or_else(|| Error::new("stored code of another module"))?;
                        *slot = true;
                        native.funcs[d as usize]
                    }
                    MachineKind::Entry(t) => *native
                        .entry_ids
                        .get(t as usize)
                        .ok_or_else(|| Error::new("stored code of another module"))?,
                    MachineKind::Stub(_) => return Err(Error::new("stored code with a stub")),
                };
            }
            if seen.contains(&false) {
                return Err(Error::new("stored code of another module"));
            }
            native.place(&mut jit, &machines)?;
        }
        _ if eager && defs > 0 => {
            let machines = compile_all(&native, info, jit.isa(), defs)?;
            native.place(&mut jit, &machines)?;
            if matches!(stored, Stored::Keep) {
                kept = Some(machines);
            }
        }
        Stored::Keep => kept = Some(Vec::new()),
        Stored::None => {}
    }
    *native.jit.lock().unwrap_or_else(|e| e.into_inner()) = Some(jit);
    Ok((native, kept))
}

/// Translates and compiles every function on every core (a worker takes the next
/// function until none is left); the machine code in defined order.
fn compile_all(
    native: &NativeModule,
    info: &ModuleInfo,
    isa: &dyn cranelift_codegen::isa::TargetIsa,
    defs: u32,
) -> Result<Vec<Machine>> {
    // Every function is placed before any runs.
    let env = native.env(info, true);
    // The types of the defined functions: their trampolines are compiled too.
    let mut used: Vec<u32> = native.types_of.clone();
    used.sort_unstable();
    used.dedup();
    let items = defs + used.len() as u32;
    // The largest bodies first: the workers then end together, on small ones.
    let mut order: Vec<u32> = (0..defs).collect();
    order.sort_by_key(|&d| std::cmp::Reverse(info.bodies[d as usize].len()));
    let next = std::sync::atomic::AtomicU32::new(0);
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min((items as usize).div_ceil(8))
        .max(1);
    let work = || -> Result<Vec<Machine>> {
        let mut out = Vec::new();
        let mut ctx = cranelift_codegen::Context::new();
        let mut fctx = FunctionBuilderContext::new();
        loop {
            let item = next.fetch_add(1, Ordering::Relaxed);
            if item >= items {
                return Ok(out);
            }
            out.push(if item < defs {
                let def = order[item as usize];
                let id = native.funcs[def as usize];
                function_machine(&env, def, id, isa, &mut ctx, &mut fctx)?
            } else {
                let ty = used[(item - defs) as usize] as usize;
                native.entry_machine(info, ty, isa, &mut ctx, &mut fctx)?
            });
        }
    };
    let results: Vec<Result<Vec<Machine>>> = if workers == 1 {
        vec![work()]
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..workers).map(|_| scope.spawn(work)).collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|_| {
                        Err(Error::new("internal error: a compiler thread panicked"))
                    })
                })
                .collect()
        })
    };
    let mut machines = Vec::with_capacity(items as usize);
    for r in results {
        match r {
            Ok(m) => machines.extend(m),
            Err(e) => {
                // The first invalid body's error (as the eager mode gives it: no
                // function name), whichever worker failed first.
                for def in 0..defs {
                    info.validate_function_as(def, false)?;
                }
                return Err(e);
            }
        }
    }
    machines.sort_by_key(|m| m.id.as_u32());
    Ok(machines)
}

/// What a [`Machine`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MachineKind {
    /// Defined function `def`.
    Func(u32),
    /// The trampoline of function type `ty`.
    Entry(u32),
    /// The interpreter stub of function type `ty` (tiered compilation; never stored).
    Stub(u32),
}

/// A compiled function's machine code, ready to place.
pub(crate) struct Machine {
    /// The function's id in the JIT module (set again when read from a cache).
    pub id: FuncId,
    pub kind: MachineKind,
    pub align: u64,
    pub bytes: Vec<u8>,
    /// Where the code names other functions (the libcalls, Cranelift's own helpers).
    pub relocs: Vec<cranelift_module::ModuleReloc>,
    /// Its trap sites and calls' return addresses, by code offset (code compiled for
    /// traps by signal; empty otherwise).
    pub sites: Vec<Site>,
}

/// Compiles the function in `ctx` (defined as `id`) to machine code.
fn machine(
    ctx: &mut cranelift_codegen::Context,
    isa: &dyn cranelift_codegen::isa::TargetIsa,
    id: FuncId,
    kind: MachineKind,
    signal_sites: bool,
) -> std::result::Result<Machine, String> {
    let mut ctrl = cranelift_codegen::control::ControlPlane::default();
    ctx.compile(isa, &mut ctrl)
        .map_err(|e| format!("{:?}", e.inner))?;
    let compiled = ctx.compiled_code().ok_or_else(|| "no code".to_string())?;
    let align = compiled.buffer.alignment as u64;
    let bytes = compiled.code_buffer().to_vec();
    let relocs = compiled
        .buffer
        .relocs()
        .iter()
        .map(|r| cranelift_module::ModuleReloc::from_mach_reloc(r, &ctx.func, id))
        .collect();
    let sites = match kind {
        MachineKind::Func(_) | MachineKind::Stub(_) if signal_sites => sites(&compiled.buffer),
        _ => Vec::new(),
    };
    Ok(Machine {
        id,
        kind,
        align,
        bytes,
        relocs,
        sites,
    })
}

/// The sites of a function compiled for traps by signal: each trap of a code
/// `signals::Site` names (the others, Cranelift's own, cannot happen: the translator
/// checks first) and each call's return address, with the Wasm offset of the operator
/// (the instruction's source location), sorted by code offset.
fn sites(buffer: &cranelift_codegen::MachBufferFinalized<cranelift_codegen::Final>) -> Vec<Site> {
    let srclocs = buffer.get_srclocs_sorted();
    let wasm_at = |code: u32| {
        let i = srclocs.partition_point(|s| s.end <= code);
        (srclocs.get(i))
            .filter(|s| s.start <= code && !s.loc.is_default())
            .map(|s| s.loc.bits())
    };
    // A guest memory access Cranelift folded into the instruction that uses the loaded
    // value (`and eax, [base + index + offset]`) has that instruction's source location,
    // which is none when the optimiser made the instruction (a rewritten pure operator):
    // such a site takes the last location before it (the access's operator or one just
    // before; the trap's kind, width and address are exact, the operator its trace names
    // may be one just before the access's). Without a site, a fault there would not be
    // taken for a trap.
    let before = |code: u32| {
        let i = srclocs.partition_point(|s| s.start < code);
        srclocs[..i]
            .iter()
            .rev()
            .find(|s| !s.loc.is_default())
            .map(|s| s.loc.bits())
    };
    let mut out = Vec::new();
    for t in buffer.traps() {
        let kind = t.code.as_raw().get();
        let memory = (signals::MEMORY..=signals::MEMORY + 4).contains(&kind);
        let ours = (1..=translate::TRAP_CODES.len() as u8).contains(&kind)
            || memory
            || kind == signals::UNWIND;
        let wasm = match wasm_at(t.offset) {
            None if memory => before(t.offset),
            wasm => wasm,
        };
        debug_assert!(!memory || wasm.is_some(), "a memory trap without a site");
        if let Some(wasm) = wasm.filter(|_| ours) {
            out.push(Site {
                code: t.offset,
                wasm,
                kind,
            });
        }
    }
    for c in buffer.call_sites() {
        if let Some(wasm) = c.ret_addr.checked_sub(1).and_then(wasm_at) {
            out.push(Site {
                code: c.ret_addr,
                wasm,
                kind: signals::CALL,
            });
        }
    }
    out.sort_by_key(|s| (s.code, s.kind));
    out
}

/// `extern "C" fn(vmctx, values, callee)`: calls the function at address `callee`
/// (of signature `sig`) with the arguments in the `u64` slots at `values` and writes its
/// results there.
fn trampoline(
    func: &mut ir::Function,
    fctx: &mut FunctionBuilderContext,
    sig: &ir::Signature,
    call_conv: CallConv,
    frontend: cranelift_codegen::isa::TargetFrontendConfig,
) {
    func.signature = entry_signature(call_conv);
    let mut b = FunctionBuilder::new(func, fctx);
    let block = b.create_block();
    b.append_block_params_for_function_params(block);
    b.switch_to_block(block);
    b.seal_block(block);
    let (vmctx, values, callee) = (
        b.block_params(block)[0],
        b.block_params(block)[1],
        b.block_params(block)[2],
    );
    let mut args = vec![vmctx];
    let mut at = 0;
    for p in &sig.params[1..] {
        args.push(translate::load_slots(&mut b, values, at, p.value_type));
        at += translate::slots(p.value_type);
    }
    let sig_ref = b.import_signature(sig.clone());
    let call = b.ins().call_indirect(sig_ref, callee, &args);
    let results = b.inst_results(call).to_vec();
    let mut at = 0;
    for r in results {
        let t = b.func.dfg.value_type(r);
        translate::store_slots(&mut b, r, values, at);
        at += translate::slots(t);
    }
    b.ins().return_(&[]);
    b.finalize(frontend);
}
