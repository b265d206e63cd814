//! Handles to what a module instance holds: [`Module`], [`Function`],
//! [`TypedFunction`], [`Memory`], [`Global`].

use std::collections::HashMap;
use std::sync::Arc;

use crate::error::{Error, ErrorKind, Result};
use crate::interp::exec;
use crate::module::definition;
use crate::module::ExportKind;
use crate::rt::RuntimeInner;
use crate::store::{FuncInst, GlobalInst, Instance, InstanceControl, MemInst, Shared, TableInst};
use crate::types::{FunctionDefinition, GlobalType, TableType, ValueType};
use crate::values::{WasmParams, WasmResults};

/// An instantiated module.
///
/// A cheap-to-clone handle; it stays valid after close (calls then fail).
#[derive(Clone)]
pub struct Module {
    pub(crate) rt: Arc<RuntimeInner>,
    pub(crate) inst: u32,
    pub(crate) name: Arc<str>,
    /// The instance's stop and closed flags, readable while a call holds its items.
    pub(crate) control: Arc<InstanceControl>,
}

impl std::fmt::Debug for Module {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Module({:?})", self.name)
    }
}

impl Module {
    /// The name the module was instantiated with (may be empty).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The instance, as the store's registry lists it.
    fn data(&self) -> Arc<Instance> {
        self.rt
            .store
            .instance(self.inst)
            .expect("a module handle's instance is published")
    }

    fn export(&self, name: &str, kind: ExportKind) -> Option<(u32, Arc<Instance>)> {
        let data = self.data();
        match data.exports.get(name) {
            Some((k, index)) if *k == kind => Some((*index, data.clone())),
            _ => None,
        }
    }

    /// The exported function `name`, if there is one.
    pub fn exported_function(&self, name: &str) -> Option<Function> {
        let (index, data) = self.export(name, ExportKind::Func)?;
        Some(Function {
            rt: self.rt.clone(),
            addr: data.layout.funcs[index as usize],
            def: Arc::new(self.definition(index)),
        })
    }

    fn definition(&self, index: u32) -> FunctionDefinition {
        let data = self.data();
        match &data.module {
            Some(info) => definition(info, &self.name, index),
            None => crate::store::definition(&self.rt.store.snapshot(), self.inst, index),
        }
    }

    /// Definitions of all exported functions, by export name.
    pub fn exported_function_definitions(&self) -> HashMap<String, FunctionDefinition> {
        let exports: Vec<(Arc<str>, u32)> = {
            self.data()
                .exports
                .iter()
                .filter(|(_, (k, _))| *k == ExportKind::Func)
                .map(|(n, (_, i))| (n.clone(), *i))
                .collect()
        };
        exports
            .into_iter()
            .map(|(n, i)| (n.to_string(), self.definition(i)))
            .collect()
    }

    /// A typed view of the exported function `name`.
    ///
    /// # Errors
    /// There is no such export, or its signature is not `P -> R`.
    pub fn typed_function<P: WasmParams, R: WasmResults>(
        &self,
        name: &str,
    ) -> Result<TypedFunction<P, R>> {
        let f = self
            .exported_function(name)
            .ok_or_else(|| Error::usage(format!("function \"{name}\" is not exported")))?;
        let ty = f.def.func_type();
        if ty.params() != P::types() || ty.results() != R::types() {
            return Err(Error::usage(format!(
                "function \"{name}\" has signature {ty}, not the requested one"
            )));
        }
        Ok(TypedFunction {
            func: f,
            _marker: std::marker::PhantomData,
        })
    }

    /// The exported memory `name`.
    pub fn exported_memory(&self, name: &str) -> Option<Memory> {
        let (index, data) = self.export(name, ExportKind::Memory)?;
        Some(Memory {
            item: data.memory(index)?.clone(),
        })
    }

    /// The module's memory 0 (exported or not, imported or defined).
    pub fn memory(&self) -> Option<Memory> {
        Some(Memory {
            item: self.data().memory(0)?.clone(),
        })
    }

    /// Every memory of the module in its index space (imported ones first), exported or
    /// not (multi-memory): what a debugger's memory view chooses from.
    pub fn memories(&self) -> Vec<Memory> {
        let data = self.data();
        (0..)
            .map_while(|i| data.memory(i))
            .map(|item| Memory { item: item.clone() })
            .collect()
    }

    /// The exported global `name`.
    pub fn exported_global(&self, name: &str) -> Option<Global> {
        let (index, data) = self.export(name, ExportKind::Global)?;
        Some(Global {
            rt: self.rt.clone(),
            item: data.global(index)?.clone(),
        })
    }

    /// Every global of the module in its index space (imported ones first), exported
    /// or not: what a debugger's globals view lists.
    pub fn globals(&self) -> Vec<Global> {
        let data = self.data();
        (0..data.counts().1 as u32)
            .filter_map(|i| data.global(i))
            .map(|item| Global {
                rt: self.rt.clone(),
                item: item.clone(),
            })
            .collect()
    }

    /// Every table of the module in its index space (imported ones first), exported or
    /// not.
    pub fn tables(&self) -> Vec<Table> {
        let data = self.data();
        (0..data.counts().0 as u32)
            .filter_map(|i| data.table(i))
            .map(|item| Table {
                rt: self.rt.clone(),
                item: item.clone(),
            })
            .collect()
    }

    /// The exported table `name`.
    pub fn exported_table(&self, name: &str) -> Option<Table> {
        let (index, data) = self.export(name, ExportKind::Table)?;
        Some(Table {
            rt: self.rt.clone(),
            item: data.table(index)?.clone(),
        })
    }

    /// The exit code the module was closed with, once it is closed (by its own close,
    /// its runtime's, a guest exit or an interrupt).
    pub fn exit_code(&self) -> Option<u32> {
        self.control.closed()
    }

    /// Closes the module with exit code 0. See [`Module::close_with_exit_code`].
    ///
    /// # Errors
    /// None today.
    pub fn close(&self) -> Result<()> {
        self.close_with_exit_code(0)
    }

    /// Closes the module: its name is free again, its functions fail with
    /// `ExitError(exit_code)`. Idempotent: only the first close sets the code.
    ///
    /// # Errors
    /// Called from inside a call (a host function or a listener: use
    /// [`crate::Caller::close_with_exit_code`] for the calling module).
    ///
    /// # Notes
    /// With [`crate::RuntimeConfig::with_close_on_deadline`], a call in flight on another
    /// thread stops with `ExitError(exit_code)`; otherwise closing waits until the call
    /// lets go of the module (it ends, or calls into another module: it then ends with
    /// `ExitError(exit_code)` when it would come back). The close notifier runs once, on
    /// this thread, before this returns.
    pub fn close_with_exit_code(&self, exit_code: u32) -> Result<()> {
        RuntimeInner::check_not_in_call("closing a module")?;
        self.rt.store.close(self.inst, exit_code);
        self.rt.store.notify();
        Ok(())
    }

    /// A handle that other threads can use to stop this module's running calls; see
    /// [`InterruptHandle`].
    pub fn interrupt_handle(&self) -> InterruptHandle {
        InterruptHandle {
            control: self.control.clone(),
        }
    }

    /// Whether the module (or its runtime) was closed.
    pub fn is_closed(&self) -> bool {
        self.control.closed().is_some()
    }
}

/// Stops a module's running calls from another thread (`Send + Sync`, cheap to clone).
///
/// With [`crate::RuntimeConfig::with_close_on_deadline`], [`InterruptHandle::interrupt`]
/// makes the module's call in flight end within a loop iteration with an `ExitError`
/// whose code is [`crate::EXIT_CODE_CANCELED`], and closes the module (wazero's context
/// cancellation). Without that option running code does not poll, and the interrupt
/// only takes effect as a close once the call returns.
#[derive(Clone, Debug)]
pub struct InterruptHandle {
    control: Arc<InstanceControl>,
}

impl InterruptHandle {
    /// Asks the module's running calls to stop.
    pub fn interrupt(&self) {
        self.control.request_stop(crate::error::EXIT_CODE_CANCELED);
    }
}

/// A function of an instantiated module (exported, or a host function).
#[derive(Clone)]
pub struct Function {
    rt: Arc<RuntimeInner>,
    addr: u32,
    def: Arc<FunctionDefinition>,
}

impl std::fmt::Debug for Function {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Function({})", self.def.debug_name())
    }
}

impl Function {
    /// Where the function comes from, its name and signature.
    pub fn definition(&self) -> &FunctionDefinition {
        &self.def
    }

    /// Calls the function with `params` (one `u64` per value, two per `v128`) and
    /// returns its results.
    ///
    /// # Errors
    /// - wrong number of parameters;
    /// - the module is closed (`ExitError` with its exit code);
    /// - the call traps ([`ErrorKind::Trap`], with a wasm stack trace) or a host function
    ///   fails;
    /// - a parameter of type `externref` or `anyref` that is not a reference the host may
    ///   pass: its own handle (non-zero, below `1 << 62`), an `i31ref`, or a GC object
    ///   the runtime gave it (a result, a host function's argument, a global or table
    ///   read; such objects stay alive from then on).
    pub fn call(&self, params: &[u64]) -> Result<Vec<u64>> {
        self.call_until(params, None)
    }

    /// Calls the function like [`Function::call`], ending it at `deadline`.
    ///
    /// # Errors
    /// Those of [`Function::call`]; past the deadline, an `ExitError` with
    /// [`crate::EXIT_CODE_DEADLINE_EXCEEDED`] (and the module is closed, as wazero does).
    ///
    /// # Notes
    /// Only code compiled with [`crate::RuntimeConfig::with_close_on_deadline`] checks the
    /// deadline (the clock is read every 1024 loop iterations or calls).
    pub fn call_with_deadline(
        &self,
        params: &[u64],
        deadline: std::time::Instant,
    ) -> Result<Vec<u64>> {
        self.call_until(params, Some(deadline))
    }

    /// Starts a resumable call (see [`crate::Execution`]): nothing runs until the first
    /// [`crate::Execution::resume`]; a function listener may pause it.
    ///
    /// # Errors
    /// The module is closed (`ExitError`), or `params` has the wrong length.
    pub fn start_call(&self, params: &[u64]) -> Result<crate::Execution> {
        let expected = self.def.func_type().param_slots();
        if params.len() != expected {
            return Err(Error::usage(format!(
                "expected {expected} params, but passed {}",
                params.len()
            )));
        }
        let (instance, data) = self.instance()?;
        if let Some(code) = data.control.closed() {
            return Err(Error::from_kind(ErrorKind::Exit(code)));
        }
        Ok(crate::Execution::new(
            self.rt.clone(),
            self.addr,
            instance,
            params.to_vec(),
        ))
    }

    /// The function's instance: its store index and its registry entry.
    fn instance(&self) -> Result<(u32, Arc<Instance>)> {
        let reg = self.rt.store.snapshot();
        let instance = reg
            .funcs
            .get(self.addr as usize)
            .map(FuncInst::instance)
            .ok_or_else(|| Error::new("internal error: function not published"))?;
        Ok((instance, reg.instances[instance as usize].clone()))
    }

    fn call_until(&self, params: &[u64], deadline: Option<std::time::Instant>) -> Result<Vec<u64>> {
        RuntimeInner::check_not_in_call("calling a function")?;
        let store = &self.rt.store;
        check_ref_params(store, self.def.func_type(), params)?;
        let (instance, data) = self.instance()?;
        if let Some(code) = data.control.closed() {
            return Err(Error::from_kind(ErrorKind::Exit(code)));
        }
        let result = invoke(store, self.addr, params, deadline);
        // A stop requested while code without interrupt checks ran (an interrupt or a
        // close from another thread) takes effect now.
        if let Some(code) = data.control.stop_requested() {
            store.close(instance, code);
        }
        store.notify();
        result
    }

    /// Calls the function with parameters taken from the front of `stack`, writing the
    /// results back to its front (wazero's `CallWithStack`). `stack` must be at least as
    /// long as the larger of the parameter and result counts.
    ///
    /// # Errors
    /// Those of [`Function::call`], and a too-short `stack`.
    pub fn call_with_stack(&self, stack: &mut [u64]) -> Result<()> {
        let ty = self.def.func_type();
        let (p, r) = (ty.param_slots(), ty.result_slots());
        if stack.len() < p.max(r) {
            return Err(Error::usage(format!(
                "stack of {} slots is too short for {p} params and {r} results",
                stack.len()
            )));
        }
        let results = self.call(&stack[..p])?;
        stack[..r].copy_from_slice(&results);
        Ok(())
    }
}

/// Refuses GC references among `params` (of a function of type `ty`) that the host was
/// not given (see [`Function::call`]).
fn check_ref_params(
    store: &crate::store::Store,
    ty: &crate::FuncType,
    params: &[u64],
) -> Result<()> {
    let mut at = 0;
    for t in ty.params() {
        if let (ValueType::AnyRef | ValueType::ExternRef, Some(v)) = (t, params.get(at)) {
            store.check_host_refs(&[*v])?;
        }
        at += t.slots();
    }
    Ok(())
}

/// Calls store function `func` with `args` on its module's engine: native code when
/// the module was compiled to it, else the interpreter (host functions, and modules of
/// interpreter runtimes).
pub(crate) fn invoke(
    store: &crate::store::Store,
    func: u32,
    args: &[u64],
    deadline: Option<std::time::Instant>,
) -> Result<Vec<u64>> {
    #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
    {
        let reg = store.snapshot();
        if let Some(FuncInst::Wasm {
            instance, index, ..
        }) = reg.funcs.get(func as usize)
        {
            let module = reg.instances[*instance as usize].module.as_ref();
            if let Some((module, native)) = module.and_then(|m| Some((m, m.native.as_ref()?))) {
                // Tiered: compiled code once the function is hot (or compiled already:
                // every function is, from a disk cache), else the interpreter, which
                // runs the hot functions it calls as compiled code.
                let tiered = crate::compiler::exec::runs_interpreted(
                    store, module, native, *instance, *index,
                );
                drop(reg);
                if tiered {
                    let tier = exec::Tier {
                        native: &crate::compiler::exec::TIERED,
                        threshold: store.tiering,
                    };
                    return exec::invoke_tiered(store, func, args, deadline, tier, None);
                }
                return crate::compiler::exec::invoke(store, func, args, deadline);
            }
        }
    }
    // (Each engine pins the references among the results: the host may keep them.)
    exec::invoke(store, func, args, deadline)
}

/// A function with a Rust signature, from [`Module::typed_function`].
pub struct TypedFunction<P, R> {
    func: Function,
    _marker: std::marker::PhantomData<fn(P) -> R>,
}

impl<P: WasmParams, R: WasmResults> TypedFunction<P, R> {
    /// Calls the function.
    ///
    /// # Errors
    /// Those of [`Function::call`].
    pub fn call(&self, params: P) -> Result<R> {
        let results = self.func.call(&params.to_slots())?;
        Ok(R::from_slots(&results))
    }

    /// The untyped function.
    pub fn function(&self) -> &Function {
        &self.func
    }
}

/// A linear memory. Reads and writes out of range return `None` / `false`, never panic.
#[derive(Clone)]
pub struct Memory {
    item: Shared<MemInst>,
}

impl std::fmt::Debug for Memory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Memory({} bytes)", self.size())
    }
}

macro_rules! mem_rw {
    ($read:ident, $write:ident, $t:ty, $n:literal) => {
        /// Reads a little-endian value; `None` out of range.
        pub fn $read(&self, offset: u32) -> Option<$t> {
            let bytes = self.read(offset, $n)?;
            Some(<$t>::from_le_bytes(bytes.try_into().ok()?))
        }
        /// Writes a little-endian value; `false` out of range.
        pub fn $write(&self, offset: u32, value: $t) -> bool {
            self.write(offset, &value.to_le_bytes())
        }
    };
}

impl Memory {
    /// Size in bytes.
    pub fn size(&self) -> u64 {
        self.item.lock().data.len() as u64
    }

    /// Whether this is a 64-bit memory (memory64: `i64` addresses, so a pointer into it
    /// is 8 bytes).
    ///
    /// ```
    /// use wasmscope::Runtime;
    /// let rt = Runtime::new();
    /// let wasm = wat::parse_str("(module (memory (export \"a\") 1) (memory (export \"b\") i64 1))").unwrap();
    /// let module = rt.instantiate(&wasm).unwrap();
    /// assert!(!module.exported_memory("a").unwrap().is_64());
    /// assert!(module.exported_memory("b").unwrap().is_64());
    /// ```
    pub fn is_64(&self) -> bool {
        self.item.lock().memory64
    }

    /// Size in 64 KiB pages.
    pub fn pages(&self) -> u32 {
        self.item.lock().pages()
    }

    /// Grows by `delta_pages`; returns the previous size in pages, or `None` if that
    /// would pass the memory's maximum.
    pub fn grow(&self, delta_pages: u32) -> Option<u32> {
        self.item.lock().grow(delta_pages)
    }

    /// Copies `len` bytes at `offset`; `None` if out of range.
    pub fn read(&self, offset: u32, len: u32) -> Option<Vec<u8>> {
        let mem = self.item.lock();
        let data = &mem.data;
        let end = (offset as usize).checked_add(len as usize)?;
        data.get(offset as usize..end).map(|s| s.to_vec())
    }

    /// Writes `bytes` at `offset`; `false` (and nothing written) if out of range.
    pub fn write(&self, offset: u32, bytes: &[u8]) -> bool {
        let mut mem = self.item.lock();
        let data = &mut mem.data;
        let Some(end) = (offset as usize).checked_add(bytes.len()) else {
            return false;
        };
        match data.get_mut(offset as usize..end) {
            Some(d) => {
                d.copy_from_slice(bytes);
                true
            }
            None => false,
        }
    }

    /// Copies `len` bytes at a 64-bit `offset` (any address of a 64-bit memory, memory64);
    /// `None` if out of range.
    ///
    /// ```
    /// let rt = wasmscope::Runtime::new();
    /// let wasm = wat::parse_str(r#"(module (memory (export "m") i64 1)
    ///     (data (i64.const 7) "hi"))"#).unwrap();
    /// let m = rt.instantiate(&wasm).unwrap();
    /// let mem = m.exported_memory("m").unwrap();
    /// assert_eq!(mem.read_at(7, 2).unwrap(), b"hi");
    /// assert!(mem.read_at(u64::MAX, 2).is_none());
    /// ```
    pub fn read_at(&self, offset: u64, len: u64) -> Option<Vec<u8>> {
        self.item.lock().bytes_at(offset, len).ok()
    }

    /// Writes `bytes` at a 64-bit `offset`; `false` (and nothing written) if out of range.
    pub fn write_at(&self, offset: u64, bytes: &[u8]) -> bool {
        self.item.lock().write_at(offset, bytes).is_ok()
    }

    /// Reads one byte.
    pub fn read_byte(&self, offset: u32) -> Option<u8> {
        self.read(offset, 1).map(|b| b[0])
    }

    /// Writes one byte.
    pub fn write_byte(&self, offset: u32, value: u8) -> bool {
        self.write(offset, &[value])
    }

    mem_rw!(read_u16_le, write_u16_le, u16, 2);
    mem_rw!(read_u32_le, write_u32_le, u32, 4);
    mem_rw!(read_u64_le, write_u64_le, u64, 8);
    mem_rw!(read_f32_le, write_f32_le, f32, 4);
    mem_rw!(read_f64_le, write_f64_le, f64, 8);
}

/// A global variable.
#[derive(Clone)]
pub struct Global {
    rt: Arc<RuntimeInner>,
    item: Shared<GlobalInst>,
}

impl std::fmt::Debug for Global {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Global({:?} = {})", self.global_type(), self.get())
    }
}

impl Global {
    /// The value type.
    pub fn value_type(&self) -> ValueType {
        self.global_type().value_type
    }

    /// Type and mutability.
    pub fn global_type(&self) -> GlobalType {
        self.item.lock().ty
    }

    /// The current value as a slot. (A GC object it refers to stays alive from then on:
    /// the host may keep the reference.)
    pub fn get(&self) -> u64 {
        let g = self.item.lock();
        self.rt.store.pin_slots(&[g.value]);
        g.value
    }

    /// The current value of a `v128` global (for other types: the slot, zero-extended).
    pub fn get_v128(&self) -> u128 {
        let g = self.item.lock();
        self.rt.store.pin_slots(&[g.value]);
        g.value as u128 | (g.hi as u128) << 64
    }

    /// The current value (both halves of a `v128`) without keeping a GC object it
    /// refers to alive: for a debugger's display. Do not pass such a reference back into
    /// the runtime (it may have been freed since; [`Function::call`] refuses it).
    pub fn peek(&self) -> u128 {
        let g = self.item.lock();
        g.value as u128 | (g.hi as u128) << 64
    }

    /// Sets the value of a mutable global.
    ///
    /// # Errors
    /// The global is immutable; a GC reference the host was not given (see
    /// [`Function::call`]).
    pub fn set(&self, value: u64) -> Result<()> {
        let mut g = self.item.lock();
        if !g.ty.mutable {
            return Err(Error::usage("global is immutable"));
        }
        if matches!(g.ty.value_type, ValueType::AnyRef | ValueType::ExternRef) {
            self.rt.store.check_host_refs(&[value])?;
        }
        g.value = value;
        Ok(())
    }
}

/// An element of a table: what [`Table::get`] returns.
#[derive(Clone, Debug, PartialEq)]
pub enum TableElement {
    /// A null reference.
    Null,
    /// A function reference (`funcref` tables), with the function's definition.
    Function(FunctionDefinition),
    /// A non-null `externref`: the host's opaque value.
    Extern(u64),
    /// A non-null reference of GC's `any` hierarchy (its slot: see [`crate::Value::gc_ref`]).
    Any(u64),
}

/// A table of references.
#[derive(Clone)]
pub struct Table {
    rt: Arc<RuntimeInner>,
    item: Shared<TableInst>,
}

impl std::fmt::Debug for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Table({:?}, size {})", self.table_type(), self.size())
    }
}

impl Table {
    /// Element type and limits (as declared; see [`Table::size`] for the current size).
    pub fn table_type(&self) -> TableType {
        self.item.lock().ty
    }

    /// The current number of elements.
    pub fn size(&self) -> u32 {
        self.item.lock().elems.len() as u32
    }

    /// Element `index`; `None` past the end (or for a function reference that names no
    /// function of this runtime, which only a host could have put there). A GC object it
    /// refers to stays alive from then on (the host may keep the reference).
    pub fn get(&self, index: u32) -> Option<TableElement> {
        self.element(index, true)
    }

    /// Element `index` as [`Table::get`] gives it, without keeping a GC object alive: for
    /// a debugger's display (do not pass such a reference back into the runtime).
    pub fn peek(&self, index: u32) -> Option<TableElement> {
        self.element(index, false)
    }

    fn element(&self, index: u32, pin: bool) -> Option<TableElement> {
        let (raw, element) = {
            let table = self.item.lock();
            (*table.elems.get(index as usize)?, table.ty.element)
        };
        if pin && matches!(element, ValueType::AnyRef | ValueType::ExternRef) {
            self.rt.store.pin_slots(&[raw]);
        }
        Some(match (raw, element) {
            (0, _) => TableElement::Null,
            (r, ValueType::FuncRef) => TableElement::Function(function_definition(
                &self.rt.store.snapshot(),
                (r - 1) as u32,
            )?),
            (r, ValueType::AnyRef) => TableElement::Any(r),
            (r, _) => TableElement::Extern(r),
        })
    }
}

/// The definition of the function at store address `addr`.
fn function_definition(reg: &crate::store::Registry, addr: u32) -> Option<FunctionDefinition> {
    Some(match reg.funcs.get(addr as usize)? {
        FuncInst::Wasm {
            instance, index, ..
        } => {
            let data = &reg.instances[*instance as usize];
            let info = data
                .module
                .as_ref()
                .expect("wasm functions belong to module instances");
            definition(info, &data.name, info.num_imported_funcs + index)
        }
        FuncInst::Host { instance, .. } => {
            let data = &reg.instances[*instance as usize];
            let index = data
                .layout
                .funcs
                .iter()
                .position(|&a| a == addr)
                .unwrap_or(0) as u32;
            crate::store::definition(reg, *instance, index)
        }
    })
}
