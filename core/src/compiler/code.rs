//! A module's native code: every defined function compiled by Cranelift into executable
//! memory (`cranelift-jit`), with an array trampoline per function for entering it from
//! Rust.
//!
//! `unsafe` here: freeing the executable memory when the module's code is dropped
//! (nothing can run it any more then), and declaring the code `Send + Sync` (it is
//! immutable once finalised).
#![allow(unsafe_code)]

use cranelift_codegen::ir::{self, InstBuilder};
use cranelift_codegen::isa::{CallConv, OwnedTargetIsa};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{FuncId, Linkage, Module};

use super::translate::{self, entry_signature, signature, FuncEnv, Libcalls};
use crate::error::{Error, Result};
use crate::module::ModuleInfo;

/// The native code of a module's defined functions.
pub(crate) struct NativeModule {
    /// The executable memory; `None` only while dropping.
    jit: Option<JITModule>,
    /// Each defined function's array trampoline: `extern "C" fn(*mut VmCtx, *mut u64)`.
    entries: Vec<usize>,
    /// Bytes of machine code, all functions and trampolines.
    code_size: usize,
}

// SAFETY: after `finalize_definitions` the JIT module is never touched again until it is
// dropped (which needs `&mut`, so no other reference exists); the code it holds is
// immutable and the entry addresses are plain integers. Calling the code from several
// threads at once is sound: it keeps no state outside the `VmCtx` each call passes.
unsafe impl Send for NativeModule {}
// SAFETY: as above: shared access only reads `entries`.
unsafe impl Sync for NativeModule {}

impl std::fmt::Debug for NativeModule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "NativeModule({} functions, {} bytes)",
            self.entries.len(),
            self.code_size
        )
    }
}

impl Drop for NativeModule {
    fn drop(&mut self) {
        if let Some(jit) = self.jit.take() {
            // SAFETY: the module's code is dropped with the last `Arc` of it: instances
            // and calls keep one while they may run its code, so none runs now and no
            // entry address is used again.
            unsafe { jit.free_memory() };
        }
    }
}

impl NativeModule {
    /// The array trampoline of defined function `def`.
    pub(crate) fn entry(&self, def: u32) -> Option<usize> {
        self.entries.get(def as usize).copied()
    }

    /// Bytes of machine code (for the compile benchmark, coming with the cache).
    #[allow(dead_code)]
    pub(crate) fn code_size(&self) -> usize {
        self.code_size
    }
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

/// Compiles every defined function of `info`.
pub(crate) fn compile(
    info: &ModuleInfo,
    libcalls: &Libcalls,
    interrupts: bool,
) -> Result<NativeModule> {
    let builder = JITBuilder::with_isa(isa()?, cranelift_module::default_libcall_names());
    let mut jit = JITModule::new(builder);
    let call_conv = jit.isa().default_call_conv();
    let defs = info.bodies.len() as u32;
    let mut funcs = Vec::with_capacity(defs as usize);
    let mut entries = Vec::with_capacity(defs as usize);
    let mut sigs = Vec::with_capacity(defs as usize);
    for def in 0..defs {
        let ty = info.func_type(info.num_imported_funcs + def);
        let sig = signature(ty, call_conv)?;
        funcs.push(
            jit.declare_function(&format!("f{def}"), Linkage::Local, &sig)
                .map_err(module_error)?,
        );
        entries.push(
            jit.declare_anonymous_function(&entry_signature(call_conv))
                .map_err(module_error)?,
        );
        sigs.push(sig);
    }
    let func_ids: Vec<u32> = funcs.iter().map(|f| f.as_u32()).collect();
    let env = FuncEnv {
        info,
        func_ids: &func_ids,
        sigs: &sigs,
        libcalls,
        call_conv,
        frontend: jit.isa().frontend_config(),
        interrupts,
    };
    // Translate and compile on every core (each function on its own; a worker takes
    // the next function until none is left), then place the code in defined order.
    let isa = jit.isa();
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
            let def = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if def >= defs {
                return Ok(out);
            }
            let d = def as usize;
            ctx.clear();
            ctx.func.signature = sigs[d].clone();
            translate::translate(&env, def, &mut ctx.func, &mut fctx)?;
            let code = machine(&mut ctx, isa, funcs[d])
                .map_err(|e| Error::compile(0, format!("compiling function {def}: {e}")))?;
            ctx.clear();
            trampoline(
                &mut ctx.func,
                &mut fctx,
                &sigs[d],
                funcs[d],
                call_conv,
                env.frontend,
            );
            let entry = machine(&mut ctx, isa, entries[d])
                .map_err(|e| Error::compile(0, format!("compiling entry {def}: {e}")))?;
            out.push(code);
            out.push(entry);
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
    let mut code_size = 0;
    for m in &machines {
        code_size += m.bytes.len();
        jit.define_function_bytes(m.id, m.align, &m.bytes, &m.relocs)
            .map_err(module_error)?;
    }
    jit.finalize_definitions().map_err(module_error)?;
    let entries = entries
        .iter()
        .map(|id| jit.get_finalized_function(*id) as usize)
        .collect();
    Ok(NativeModule {
        jit: Some(jit),
        entries,
        code_size,
    })
}

/// A compiled function's machine code, ready to place.
struct Machine {
    id: FuncId,
    align: u64,
    bytes: Vec<u8>,
    relocs: Vec<cranelift_module::ModuleReloc>,
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
