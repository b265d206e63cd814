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
pub(crate) fn compile(info: &ModuleInfo, libcalls: &Libcalls) -> Result<NativeModule> {
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
    };
    let mut ctx = jit.make_context();
    let mut fctx = FunctionBuilderContext::new();
    let mut code_size = 0;
    for def in 0..defs {
        ctx.func.signature = sigs[def as usize].clone();
        translate::translate(&env, def, &mut ctx.func, &mut fctx)?;
        jit.define_function(funcs[def as usize], &mut ctx)
            .map_err(|e| Error::compile(0, format!("compiling function {def}: {e:?}")))?;
        code_size += ctx.compiled_code().map_or(0, |c| c.code_buffer().len());
        jit.clear_context(&mut ctx);
        trampoline(
            &mut ctx.func,
            &mut fctx,
            &sigs[def as usize],
            funcs[def as usize],
            call_conv,
            env.frontend,
        );
        jit.define_function(entries[def as usize], &mut ctx)
            .map_err(|e| Error::compile(0, format!("compiling entry {def}: {e:?}")))?;
        code_size += ctx.compiled_code().map_or(0, |c| c.code_buffer().len());
        jit.clear_context(&mut ctx);
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
