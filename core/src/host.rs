//! Host modules: Rust closures that guest modules import, built with
//! [`crate::Runtime::new_host_module_builder`].

use std::sync::Arc;

use crate::compiled::CompiledModule;
use crate::error::{Error, ErrorKind, Result};
use crate::module::ExportKind;
use crate::rt::RuntimeInner;
use crate::store::{HeldItems, HostCtx, HostFunc, HostModuleDef, StoreHostFn};
use crate::types::{FuncType, ValueType};
use crate::values::{WasmResults, WasmValue};

/// The closure behind a host function: it reads its parameters from `stack` and writes
/// its results back to the front of it (wazero's stack-based calling convention).
pub(crate) type RawHostFn = dyn Fn(&mut Caller<'_>, &mut [u64]) -> Result<()> + Send + Sync;

/// What a host function sees of the module that called it.
///
/// The calling module's memories, tables and globals are locked by the call while a host
/// function runs, so they are reached through the `Caller`, not through
/// [`crate::Memory`] handles (which would wait for the call to end).
pub struct Caller<'a> {
    pub(crate) ctx: HostCtx<'a>,
}

impl Caller<'_> {
    /// The same caller, lent for a shorter time.
    fn reborrow(&mut self) -> Caller<'_> {
        let held: Option<&mut dyn HeldItems> = match &mut self.ctx.held {
            Some(h) => Some(&mut **h),
            None => None,
        };
        Caller {
            ctx: HostCtx {
                store: self.ctx.store,
                reg: self.ctx.reg,
                instance: self.ctx.instance,
                held,
            },
        }
    }

    /// The calling module's memory 0, if it has one.
    pub fn memory(&self) -> Option<&[u8]> {
        self.memory_at(0)
    }

    /// The calling module's memory 0, writable.
    pub fn memory_mut(&mut self) -> Option<&mut [u8]> {
        self.memory_at_mut(0)
    }

    /// The calling module's memory `index` (multi-memory), if it has one.
    pub fn memory_at(&self, index: u32) -> Option<&[u8]> {
        Some(&self.ctx.held.as_deref()?.memory(index)?.data)
    }

    /// The calling module's memory `index` (multi-memory), writable.
    pub fn memory_at_mut(&mut self, index: u32) -> Option<&mut [u8]> {
        let (mem, _) = self.ctx.held.as_deref_mut()?.memory_and_state(index);
        Some(&mut mem?.data)
    }

    /// Reads `len` bytes at `offset` of the caller's memory; `None` when out of range.
    pub fn read(&self, offset: u32, len: u32) -> Option<&[u8]> {
        let mem = self.memory()?;
        mem.get(offset as usize..(offset as usize).checked_add(len as usize)?)
    }

    /// Writes `bytes` at `offset` of the caller's memory; `false` (nothing written) when
    /// out of range.
    pub fn write(&mut self, offset: u32, bytes: &[u8]) -> bool {
        let Some(mem) = self.memory_mut() else {
            return false;
        };
        let Some(end) = (offset as usize).checked_add(bytes.len()) else {
            return false;
        };
        match mem.get_mut(offset as usize..end) {
            Some(dst) => {
                dst.copy_from_slice(bytes);
                true
            }
            None => false,
        }
    }

    /// Reads a little-endian `u32`; `None` out of range.
    pub fn read_u32_le(&self, offset: u32) -> Option<u32> {
        Some(u32::from_le_bytes(self.read(offset, 4)?.try_into().ok()?))
    }

    /// Writes a little-endian `u32`; `false` out of range.
    pub fn write_u32_le(&mut self, offset: u32, value: u32) -> bool {
        self.write(offset, &value.to_le_bytes())
    }

    /// The name of the calling module (empty when called from the API or anonymous).
    pub fn module_name(&self) -> &str {
        self.ctx
            .instance
            .and_then(|i| self.ctx.reg.instances.get(i as usize))
            .map_or("", |d| &d.name)
    }

    /// The module index of the calling module's exported global `name`.
    fn global_index(&self, name: &str) -> Option<u32> {
        let data = self.ctx.reg.instances.get(self.ctx.instance? as usize)?;
        match data.exports.get(name) {
            Some((ExportKind::Global, index)) => Some(*index),
            _ => None,
        }
    }

    /// The value of the calling module's exported global `name` (a GC object it refers
    /// to stays alive from then on: the host may keep the reference).
    pub fn global(&self, name: &str) -> Option<u64> {
        let index = self.global_index(name)?;
        let value = self.ctx.held.as_deref()?.global(index)?.value;
        self.ctx.store.pin_slots(&[value]);
        Some(value)
    }

    /// Sets the calling module's exported mutable global `name`; `false` if there is no
    /// such mutable global.
    pub fn set_global(&mut self, name: &str, value: u64) -> bool {
        let Some(index) = self.global_index(name) else {
            return false;
        };
        match self
            .ctx
            .held
            .as_deref_mut()
            .and_then(|h| h.global_mut(index))
        {
            // (A GC reference must be one the host may pass: see `Function::call`.)
            Some(g)
                if g.ty.mutable
                    && (!matches!(g.ty.value_type, ValueType::AnyRef | ValueType::ExternRef)
                        || self.ctx.store.check_host_refs(&[value]).is_ok()) =>
            {
                g.value = value;
                true
            }
            _ => false,
        }
    }

    /// Closes the calling module with `exit_code` (what WASI's `proc_exit` does): the call
    /// in flight ends with an `ExitError` as soon as this host function returns, and the
    /// module's close notifier runs once the call is over.
    pub fn close_with_exit_code(&mut self, exit_code: u32) {
        let (Some(inst), Some(held)) = (self.ctx.instance, self.ctx.held.as_deref_mut()) else {
            return;
        };
        let Some(data) = self.ctx.reg.instances.get(inst as usize) else {
            return;
        };
        let (_, state) = held.memory_and_state(0);
        self.ctx.store.close_instance(inst, data, state, exit_code);
    }

    /// The calling module's WASI state and memory 0 (empty without one): `None` when
    /// no module called or the module has no WASI state.
    pub(crate) fn sys_and_memory(
        &mut self,
    ) -> Option<(&mut crate::wasi::context::SysContext, &mut [u8])> {
        let (mem, state) = self.ctx.held.as_deref_mut()?.memory_and_state(0);
        let sys = state.sys.as_deref_mut()?;
        let mem: &mut [u8] = match mem {
            Some(m) => &mut m.data,
            None => &mut [],
        };
        Some((sys, mem))
    }

    /// Whether a module called (not the API).
    pub(crate) fn instance(&self) -> Option<u32> {
        self.ctx.instance
    }

    /// The exit code the calling module was closed with, if it is closed.
    pub(crate) fn closed(&self) -> Option<u32> {
        let data = self.ctx.reg.instances.get(self.ctx.instance? as usize)?;
        data.control.closed()
    }
}

/// Marker for host functions whose first parameter is a [`Caller`].
pub struct WithCaller;

/// Results a host closure may return: nothing, a value, a tuple of values, or a
/// `Result` of those whose error traps the caller (an [`Error::exit`] exits it).
pub trait HostResults {
    /// The Wasm result types.
    fn types() -> Vec<ValueType>;
    /// Writes the results to the front of `stack`.
    ///
    /// # Errors
    /// The host function's own error.
    fn store(self, stack: &mut [u64]) -> Result<()>;
}

impl<T: WasmResults + IntoSlots> HostResults for T {
    fn types() -> Vec<ValueType> {
        <T as WasmResults>::types()
    }
    fn store(self, stack: &mut [u64]) -> Result<()> {
        self.write_slots(stack);
        Ok(())
    }
}

impl<T: HostResults> HostResults for Result<T> {
    fn types() -> Vec<ValueType> {
        T::types()
    }
    fn store(self, stack: &mut [u64]) -> Result<()> {
        self?.store(stack)
    }
}

/// Writes values into slots (the inverse of [`WasmResults::from_slots`]).
pub trait IntoSlots {
    /// Writes to the front of `stack`.
    fn write_slots(self, stack: &mut [u64]);
}

impl<T: WasmValue> IntoSlots for T {
    fn write_slots(self, stack: &mut [u64]) {
        stack[0] = self.to_slot();
    }
}

macro_rules! into_slots_tuple {
    ($($t:ident $i:tt),*) => {
        impl<$($t: WasmValue),*> IntoSlots for ($($t,)*) {
            #[allow(unused_variables)]
            fn write_slots(self, stack: &mut [u64]) {
                $(stack[$i] = self.$i.to_slot();)*
            }
        }
    };
}
into_slots_tuple!();
into_slots_tuple!(A 0, B 1);
into_slots_tuple!(A 0, B 1, C 2);
into_slots_tuple!(A 0, B 1, C 2, D 3);
into_slots_tuple!(A 0, B 1, C 2, D 3, E 4);
into_slots_tuple!(A 0, B 1, C 2, D 3, E 4, F 5);

/// A Rust closure usable as a host function: `Fn(A, B, ...) -> R` or
/// `Fn(Caller, A, B, ...) -> R` with Wasm-typed parameters (up to 8) and
/// [`HostResults`]. `Marker` only tells the two shapes apart.
pub trait IntoHostFunc<Marker>: Send + Sync + 'static {
    /// The signature and the raw closure.
    fn into_raw(self) -> (FuncType, Box<RawHostFn>);
}

macro_rules! into_host_func {
    ($($a:ident $i:tt),*) => {
        impl<Func, Res, $($a,)*> IntoHostFunc<(Res, $($a,)*)> for Func
        where
            Func: Fn($($a),*) -> Res + Send + Sync + 'static,
            Res: HostResults,
            $($a: WasmValue,)*
        {
            fn into_raw(self) -> (FuncType, Box<RawHostFn>) {
                let ty = FuncType::new(vec![$($a::TYPE),*], Res::types());
                let raw = move |_caller: &mut Caller<'_>, stack: &mut [u64]| -> Result<()> {
                    let results = self($($a::from_slot(stack[$i])),*);
                    results.store(stack)
                };
                (ty, Box::new(raw))
            }
        }

        impl<Func, Res, $($a,)*> IntoHostFunc<(WithCaller, Res, $($a,)*)> for Func
        where
            Func: for<'c> Fn(Caller<'c>, $($a),*) -> Res + Send + Sync + 'static,
            Res: HostResults,
            $($a: WasmValue,)*
        {
            fn into_raw(self) -> (FuncType, Box<RawHostFn>) {
                let ty = FuncType::new(vec![$($a::TYPE),*], Res::types());
                let raw = move |caller: &mut Caller<'_>, stack: &mut [u64]| -> Result<()> {
                    let inner = caller.reborrow();
                    let results = self(inner, $($a::from_slot(stack[$i])),*);
                    results.store(stack)
                };
                (ty, Box::new(raw))
            }
        }
    };
}
into_host_func!();
into_host_func!(A 0);
into_host_func!(A 0, B 1);
into_host_func!(A 0, B 1, C 2);
into_host_func!(A 0, B 1, C 2, D 3);
into_host_func!(A 0, B 1, C 2, D 3, E 4);
into_host_func!(A 0, B 1, C 2, D 3, E 4, F 5);
into_host_func!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
into_host_func!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);

/// Builds a module of host functions (wazero's `HostModuleBuilder`).
///
/// ```
/// use wasmscope::{Caller, Runtime};
/// # fn main() -> Result<(), wasmscope::Error> {
/// let rt = Runtime::new();
/// rt.new_host_module_builder("env")
///     .new_function_builder()
///     .with_func(|a: i32, b: i32| a * b)
///     .export("mul")
///     .new_function_builder()
///     .with_func(|caller: Caller<'_>, ptr: u32, len: u32| -> u32 {
///         caller.read(ptr, len).map_or(0, |bytes| bytes.iter().filter(|b| **b == b'a').count() as u32)
///     })
///     .with_parameter_names(&["ptr", "len"])
///     .export("count_a")
///     .instantiate()?;
/// let wasm = wat::parse_str(r#"(module
///     (import "env" "mul" (func $mul (param i32 i32) (result i32)))
///     (import "env" "count_a" (func $count (param i32 i32) (result i32)))
///     (memory 1) (data (i32.const 0) "banana")
///     (func (export "run") (result i32) (call $mul (call $count (i32.const 0) (i32.const 6)) (i32.const 10))))"#).unwrap();
/// let module = rt.instantiate(&wasm)?;
/// assert_eq!(module.typed_function::<(), i32>("run")?.call(())?, 30);
/// # Ok(()) }
/// ```
pub struct HostModuleBuilder {
    pub(crate) rt: Arc<RuntimeInner>,
    name: Arc<str>,
    funcs: Vec<(Arc<str>, Arc<HostFunc>)>,
    error: Option<Error>,
}

/// Builds one host function; [`HostFunctionBuilder::export`] adds it to the module.
pub struct HostFunctionBuilder {
    module: HostModuleBuilder,
    func: Option<(FuncType, Box<RawHostFn>)>,
    name: Option<Arc<str>>,
    param_names: Vec<Arc<str>>,
    result_names: Vec<Arc<str>>,
}

impl HostModuleBuilder {
    pub(crate) fn new(rt: Arc<RuntimeInner>, name: &str) -> Self {
        HostModuleBuilder {
            rt,
            name: name.into(),
            funcs: Vec::new(),
            error: None,
        }
    }

    /// Starts a function; functions are indexed in the order they are exported.
    pub fn new_function_builder(self) -> HostFunctionBuilder {
        HostFunctionBuilder {
            module: self,
            func: None,
            name: None,
            param_names: Vec::new(),
            result_names: Vec::new(),
        }
    }

    /// Checks the module and makes it instantiable with
    /// [`crate::Runtime::instantiate_module`].
    ///
    /// # Errors
    /// The module name is empty; a function was exported without `with_func` or
    /// `with_raw_func`, twice under one name, or with more names than parameters or
    /// results; the runtime is closed.
    pub fn compile(self) -> Result<CompiledModule> {
        self.rt.check_open()?;
        if self.name.is_empty() {
            return Err(Error::usage("a host module needs a non-empty name"));
        }
        if let Some(e) = self.error {
            return Err(e);
        }
        Ok(CompiledModule::host(
            HostModuleDef {
                name: self.name,
                funcs: self.funcs,
            },
            &self.rt.config,
        ))
    }
}

impl HostFunctionBuilder {
    /// The function is `f`, a closure over Wasm-typed parameters, optionally preceded by
    /// a [`Caller`]; see [`IntoHostFunc`] and [`HostResults`].
    pub fn with_func<M>(mut self, f: impl IntoHostFunc<M>) -> Self {
        self.func = Some(f.into_raw());
        self
    }

    /// The function is `f` with signature `params -> results`, reading its parameters
    /// from the front of `stack` and writing its results there (wazero's
    /// `api.GoModuleFunc`). `stack` is as long as the larger of the two counts.
    pub fn with_raw_func(
        mut self,
        params: &[ValueType],
        results: &[ValueType],
        f: impl Fn(&mut Caller<'_>, &mut [u64]) -> Result<()> + Send + Sync + 'static,
    ) -> Self {
        self.func = Some((
            FuncType::new(params.to_vec(), results.to_vec()),
            Box::new(f),
        ));
        self
    }

    /// The function's name in definitions and traces (default: the export name).
    pub fn with_name(mut self, name: &str) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Names of the parameters, for definitions and logs.
    pub fn with_parameter_names(mut self, names: &[&str]) -> Self {
        self.param_names = names.iter().map(|n| Arc::from(*n)).collect();
        self
    }

    /// Names of the results, for definitions and logs.
    pub fn with_result_names(mut self, names: &[&str]) -> Self {
        self.result_names = names.iter().map(|n| Arc::from(*n)).collect();
        self
    }

    /// Exports the function under `name` and returns to the module builder. Mistakes
    /// (no function given, a name exported twice, too many names) are reported by
    /// [`HostModuleBuilder::compile`].
    pub fn export(self, name: &str) -> HostModuleBuilder {
        let mut module = self.module;
        if module.error.is_some() {
            return module;
        }
        let fail = |msg: String| Some(Error::usage(format!("host module[{}]: {msg}", module.name)));
        let Some((ty, func)) = self.func else {
            module.error = fail(format!(
                "function \"{name}\" was exported without with_func or with_raw_func"
            ));
            return module;
        };
        if module.funcs.iter().any(|(n, _)| &**n == name) {
            module.error = fail(format!("\"{name}\" is exported twice"));
            return module;
        }
        if self.param_names.len() > ty.params().len()
            || self.result_names.len() > ty.results().len()
        {
            module.error = fail(format!(
                "function \"{name}\" has more names than parameters or results"
            ));
            return module;
        }
        let pad = |names: Vec<Arc<str>>, n: usize| -> Vec<Option<Arc<str>>> {
            let mut v: Vec<Option<Arc<str>>> = names.into_iter().map(Some).collect();
            v.resize(n, None);
            v
        };
        // The store calls host functions with itself; the closure sees a `Caller`.
        let func: Box<StoreHostFn> = Box::new(move |ctx, stack| func(&mut Caller { ctx }, stack));
        let host = HostFunc {
            param_names: pad(self.param_names, ty.params().len()),
            result_names: pad(self.result_names, ty.results().len()),
            name: self.name.unwrap_or_else(|| name.into()),
            ty,
            func,
        };
        module.funcs.push((name.into(), Arc::new(host)));
        module
    }
}

impl Error {
    /// An exit with `code`, for host functions to return (wazero's `sys.NewExitError`):
    /// the guest call ends with this error, not a trap.
    pub fn exit(code: u32) -> Self {
        Error::from_kind(ErrorKind::Exit(code))
    }
}
