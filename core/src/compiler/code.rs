//! A module's native code: each defined function compiled by Cranelift into executable
//! memory (`cranelift-jit`), with an array trampoline per function for entering it from
//! Rust. Compiled all at once on every core ([`compile`] with `eager`), or each function
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
    /// Each defined function's array trampoline (`extern "C" fn(*mut VmCtx, *mut u64)`),
    /// set with its code.
    entries: Box<[AtomicUsize]>,
    /// The JIT module's ids of the functions and of their trampolines.
    funcs: Vec<FuncId>,
    entry_ids: Vec<FuncId>,
    sigs: Vec<ir::Signature>,
    call_conv: CallConv,
    frontend: cranelift_codegen::isa::TargetFrontendConfig,
    /// The libcalls, imported into the JIT module.
    libcalls: LibcallIds,
    interrupts: bool,
    validate: bool,
    fuel: bool,
    /// With listeners: which defined functions call the hooks (every function keeps a
    /// shadow stack frame).
    listened: Option<Vec<bool>>,
    /// Bytes of machine code so far, functions and trampolines.
    code_size: AtomicUsize,
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
    /// The code table's address, for `VmCtx::code`: one `usize` per defined function.
    pub(crate) fn code_table(&self) -> *const usize {
        self.code.as_ptr() as *const usize
    }

    /// The code address of defined function `def`, compiling it (and its trampoline)
    /// first if it has not been.
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

    /// The array trampoline of defined function `def`, compiling it first if needed.
    pub(crate) fn entry(&self, info: &ModuleInfo, def: u32) -> Result<usize> {
        self.ensure(info, def)?;
        Ok(self.entries[def as usize].load(Ordering::Acquire))
    }

    /// Whether the code keeps a shadow stack and calls listeners.
    pub(crate) fn listens(&self) -> bool {
        self.listened.is_some()
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
            sigs: &self.sigs,
            libcalls: &self.libcalls,
            call_conv: self.call_conv,
            frontend: self.frontend,
            interrupts: self.interrupts,
            validate: self.validate,
            fuel: self.fuel,
            listened: self.listened.as_deref(),
            all_placed,
        }
    }

    /// Compiles defined function `def` alone (under the JIT lock), unless another thread
    /// just did.
    fn compile_one(&self, info: &ModuleInfo, def: u32) -> Result<usize> {
        let mut guard = self.jit.lock().unwrap_or_else(|e| e.into_inner());
        let d = def as usize;
        let done = self.code[d].load(Ordering::Acquire);
        if done != 0 {
            return Ok(done);
        }
        let jit = guard
            .as_mut()
            .ok_or_else(|| Error::new("internal error: the code is gone"))?;
        let env = self.env(info, false);
        let mut ctx = cranelift_codegen::Context::new();
        let mut fctx = FunctionBuilderContext::new();
        let [code, entry] = function_and_entry(
            &env,
            def,
            (self.funcs[d], self.entry_ids[d]),
            jit.isa(),
            &mut ctx,
            &mut fctx,
        )?;
        self.place(jit, &[code, entry])?;
        Ok(self.code[d].load(Ordering::Acquire))
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
        // Which function (or trampoline) each machine is, by id.
        let mut defs = std::collections::HashMap::with_capacity(machines.len());
        if machines.len() > 2 {
            for (d, (f, e)) in self.funcs.iter().zip(&self.entry_ids).enumerate() {
                defs.insert(*f, (d, false));
                defs.insert(*e, (d, true));
            }
        } else {
            for m in machines {
                if let Some(d) = self.funcs.iter().position(|f| *f == m.id) {
                    defs.insert(m.id, (d, false));
                } else if let Some(d) = self.entry_ids.iter().position(|e| *e == m.id) {
                    defs.insert(m.id, (d, true));
                }
            }
        }
        let placed: Vec<(usize, bool, usize)> = machines
            .iter()
            .filter_map(|m| {
                let (d, entry) = *defs.get(&m.id)?;
                Some((d, entry, jit.get_finalized_function(m.id) as usize))
            })
            .collect();
        // Trampolines first: a function's code address, once set, says both are ready.
        for &(d, entry, address) in &placed {
            if entry {
                self.entries[d].store(address, Ordering::Release);
            }
        }
        for &(d, entry, address) in &placed {
            if !entry {
                self.code[d].store(address, Ordering::Release);
            }
        }
        Ok(())
    }
}

/// Translates and compiles defined function `def` and its trampoline.
fn function_and_entry(
    env: &FuncEnv<'_>,
    def: u32,
    (func, entry): (FuncId, FuncId),
    isa: &dyn cranelift_codegen::isa::TargetIsa,
    ctx: &mut cranelift_codegen::Context,
    fctx: &mut FunctionBuilderContext,
) -> Result<[Machine; 2]> {
    let d = def as usize;
    ctx.clear();
    ctx.func.signature = env.sigs[d].clone();
    translate::translate(env, def, &mut ctx.func, fctx)?;
    let code = machine(ctx, isa, func)
        .map_err(|e| Error::compile(0, format!("compiling function {def}: {e}")))?;
    ctx.clear();
    trampoline(
        &mut ctx.func,
        fctx,
        &env.sigs[d],
        func,
        env.call_conv,
        env.frontend,
    );
    let entry = machine(ctx, isa, entry)
        .map_err(|e| Error::compile(0, format!("compiling entry {def}: {e}")))?;
    Ok([code, entry])
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
    let builder = cranelift_native::builder()
        .map_err(|e| Error::compile(0, format!("this machine has no compiler target: {e}")))?;
    builder
        .finish(settings::Flags::new(flags))
        .map_err(|e| Error::compile(0, format!("compiler target: {e}")))
}

fn module_error(e: cranelift_module::ModuleError) -> Error {
    Error::compile(0, format!("compiler: {e}"))
}

/// How many functions the JIT module of a module with `defs` defined functions
/// declares (the libcalls, then each function and its trampoline): relocations of
/// stored code may name no other.
pub(crate) fn declared_ids(defs: usize) -> u32 {
    (LIBCALLS + 2 * defs) as u32
}

/// What [`compile`] does with the machine code of a cache on disk.
pub(crate) enum Stored {
    /// Nothing: compile as the mode says.
    None,
    /// Place this machine code (read from the cache: two per defined function, the
    /// function and its trampoline, in order) instead of compiling.
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
        "{} {} {} {} build {}",
        isa.triple(),
        isa.flags(),
        isa.isa_flags()
            .iter()
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .join(" "),
        env!("CARGO_PKG_VERSION"),
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
    listened: Option<Vec<bool>>,
) -> Result<(NativeModule, Option<Vec<Machine>>)> {
    let (interrupts, mode, fuel) = (options.interrupts, options.mode, options.fuel);
    use crate::options::CompilationMode;
    let eager = mode == CompilationMode::Eager || matches!(stored, Stored::Keep);
    let mut builder = JITBuilder::with_isa(isa()?, cranelift_module::default_libcall_names());
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
    let mut entry_ids = Vec::with_capacity(defs as usize);
    let mut sigs = Vec::with_capacity(defs as usize);
    for def in 0..defs {
        let ty = info.func_type(info.num_imported_funcs + def);
        let sig = signature(ty, call_conv)?;
        funcs.push(
            jit.declare_function(&format!("f{def}"), Linkage::Local, &sig)
                .map_err(module_error)?,
        );
        entry_ids.push(
            jit.declare_anonymous_function(&entry_signature(call_conv))
                .map_err(module_error)?,
        );
        sigs.push(sig);
    }
    let native = NativeModule {
        frontend: jit.isa().frontend_config(),
        jit: Mutex::new(None),
        code: (0..defs).map(|_| AtomicUsize::new(0)).collect(),
        entries: (0..defs).map(|_| AtomicUsize::new(0)).collect(),
        funcs,
        entry_ids,
        sigs,
        call_conv,
        libcalls: libcall_ids,
        interrupts,
        validate: mode == CompilationMode::Lazy,
        fuel,
        listened,
        code_size: AtomicUsize::new(0),
    };
    let mut kept = None;
    match stored {
        Stored::Load(mut machines) => {
            if machines.len() != 2 * defs as usize {
                return Err(Error::new("internal error: stored code of another module"));
            }
            for (d, pair) in machines.chunks_mut(2).enumerate() {
                pair[0].id = native.funcs[d];
                pair[1].id = native.entry_ids[d];
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
    let next = std::sync::atomic::AtomicU32::new(0);
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min((defs as usize).div_ceil(8))
        .max(1);
    let work = || -> Result<Vec<Machine>> {
        let mut out = Vec::new();
        let mut ctx = cranelift_codegen::Context::new();
        let mut fctx = FunctionBuilderContext::new();
        loop {
            let def = next.fetch_add(1, Ordering::Relaxed);
            if def >= defs {
                return Ok(out);
            }
            let ids = (native.funcs[def as usize], native.entry_ids[def as usize]);
            out.extend(function_and_entry(
                &env, def, ids, isa, &mut ctx, &mut fctx,
            )?);
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
    let mut machines = Vec::with_capacity(2 * defs as usize);
    for r in results {
        machines.extend(r?);
    }
    machines.sort_by_key(|m| m.id.as_u32());
    Ok(machines)
}

/// A compiled function's machine code, ready to place.
pub(crate) struct Machine {
    /// The function's id in the JIT module (set again when read from a cache: the ids
    /// of a module's functions are the same in every process).
    pub id: FuncId,
    pub align: u64,
    pub bytes: Vec<u8>,
    /// Where the code names other functions (the libcalls, Cranelift's own helpers).
    pub relocs: Vec<cranelift_module::ModuleReloc>,
}

/// Compiles the function in `ctx` (defined as `id`) to machine code.
fn machine(
    ctx: &mut cranelift_codegen::Context,
    isa: &dyn cranelift_codegen::isa::TargetIsa,
    id: FuncId,
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
    Ok(Machine {
        id,
        align,
        bytes,
        relocs,
    })
}

/// `extern "C" fn(vmctx, values)`: calls `callee` with the arguments in the `u64`
/// slots at `values` and writes its results there.
fn trampoline(
    func: &mut ir::Function,
    fctx: &mut FunctionBuilderContext,
    sig: &ir::Signature,
    callee: FuncId,
    call_conv: CallConv,
    frontend: cranelift_codegen::isa::TargetFrontendConfig,
) {
    func.signature = entry_signature(call_conv);
    let mut b = FunctionBuilder::new(func, fctx);
    let block = b.create_block();
    b.append_block_params_for_function_params(block);
    b.switch_to_block(block);
    b.seal_block(block);
    let (vmctx, values) = (b.block_params(block)[0], b.block_params(block)[1]);
    let mut args = vec![vmctx];
    let mut at = 0;
    for p in &sig.params[1..] {
        args.push(translate::load_slots(&mut b, values, at, p.value_type));
        at += translate::slots(p.value_type);
    }
    let callee = translate::import(b.func, callee, sig);
    let call = b.ins().call(callee, &args);
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
