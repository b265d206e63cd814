//! The public handles: [`Runtime`], [`CompiledModule`], [`Module`], [`Function`],
//! [`Memory`], [`Global`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::config::{ModuleConfig, RuntimeConfig};
use crate::error::{Error, ErrorKind, Result, TrapCode};
use crate::interp::exec;
use crate::module::{ConstExpr, ExportKind, ImportKind, ModuleInfo, SegmentMode};
use crate::store::{
    FuncInst, GlobalInst, InstanceData, Layout, MemInst, Store, TableInst, PAGE_SIZE,
};
use crate::types::{FunctionDefinition, GlobalType, ValueType};

pub(crate) struct RuntimeInner {
    pub(crate) config: RuntimeConfig,
    store: Mutex<Store>,
    /// Exit code once closed.
    closed: Mutex<Option<u32>>,
}

impl RuntimeInner {
    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        // A panic while the store was locked (a host function's, say) leaves it usable:
        // every store mutation is completed before code that can panic runs.
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn check_open(&self) -> Result<()> {
        match *self.closed.lock().unwrap_or_else(|e| e.into_inner()) {
            Some(code) => Err(Error::from_kind(ErrorKind::RuntimeClosed(code))),
            None => Ok(()),
        }
    }
}

/// Embeds WebAssembly modules: compiles, instantiates and links them, and owns
/// everything it created.
///
/// A cheap-to-clone handle (`Send + Sync`). Closing it closes every module it
/// instantiated.
///
/// ```
/// use wasmscope::{ModuleConfig, Runtime, RuntimeConfig};
/// # fn main() -> Result<(), wasmscope::Error> {
/// let wasm = wat::parse_str(r#"(module (func (export "add") (param i32 i32) (result i32)
///     local.get 0 local.get 1 i32.add))"#).unwrap();
/// let rt = Runtime::with_config(RuntimeConfig::interpreter());
/// let compiled = rt.compile_module(&wasm)?;
/// let module = rt.instantiate_module(&compiled, ModuleConfig::new().with_name("app"))?;
/// let add = module.exported_function("add").expect("export");
/// assert_eq!(add.call(&[1, 2])?, vec![3]);
/// let typed = module.typed_function::<(i32, i32), i32>("add")?;
/// assert_eq!(typed.call((40, 2))?, 42);
/// rt.close_with_exit_code(2)?;
/// assert!(module.is_closed());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Runtime {
    inner: Arc<RuntimeInner>,
}

impl Default for Runtime {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

/// A decoded, validated and compiled module, ready to instantiate (many times).
#[derive(Clone)]
pub struct CompiledModule {
    pub(crate) info: Arc<ModuleInfo>,
}

impl std::fmt::Debug for CompiledModule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompiledModule")
            .field("name", &self.info.name)
            .finish_non_exhaustive()
    }
}

impl CompiledModule {
    /// The module name from the name section, if any.
    pub fn name(&self) -> Option<&str> {
        self.info.name.as_deref()
    }

    fn definition(&self, index: u32) -> FunctionDefinition {
        definition(&self.info, self.name().unwrap_or(""), index)
    }

    /// Definitions of the imported functions, in import order.
    pub fn imported_functions(&self) -> Vec<FunctionDefinition> {
        (0..self.info.num_imported_funcs)
            .map(|i| self.definition(i))
            .collect()
    }

    /// Definitions of the exported functions, in export-section order.
    pub fn exported_functions(&self) -> Vec<FunctionDefinition> {
        self.info
            .exports
            .iter()
            .filter(|e| e.kind == ExportKind::Func)
            .map(|e| self.definition(e.index))
            .collect()
    }

    /// Custom sections as `(name, payload)`, in module order.
    pub fn custom_sections(&self) -> Vec<(&str, &[u8])> {
        self.info
            .custom_sections
            .iter()
            .map(|c| (&*c.name, &self.info.bytes[c.range.clone()]))
            .collect()
    }
}

/// Builds the definition of function `index` of `info`, in module `module_name`.
pub(crate) fn definition(info: &ModuleInfo, module_name: &str, index: u32) -> FunctionDefinition {
    let import = info
        .imports
        .iter()
        .filter(|i| matches!(i.kind, ImportKind::Func(_)))
        .nth(index as usize)
        .filter(|_| index < info.num_imported_funcs)
        .map(|i| (i.module.clone(), i.name.clone()));
    let export_names = info
        .exports
        .iter()
        .filter(|e| e.kind == ExportKind::Func && e.index == index)
        .map(|e| e.name.clone())
        .collect();
    let ty = info.func_type(index).clone();
    let locals = info.local_names.get(&index);
    let param_names = (0..ty.params().len() as u32)
        .map(|i| locals.and_then(|l| l.get(&i).cloned()))
        .collect();
    FunctionDefinition {
        module_name: module_name.into(),
        index,
        import,
        export_names,
        name: info.func_names.get(&index).cloned(),
        result_names: vec![None; ty.results().len()],
        ty,
        param_names,
    }
}

impl Runtime {
    /// A runtime with the default configuration.
    pub fn new() -> Self {
        Self::with_config(RuntimeConfig::new())
    }

    /// A runtime with `config`.
    pub fn with_config(config: RuntimeConfig) -> Self {
        let fuel = config.fuel;
        Runtime {
            inner: Arc::new(RuntimeInner {
                config,
                store: Mutex::new(Store {
                    fuel,
                    ..Store::default()
                }),
                closed: Mutex::new(None),
            }),
        }
    }

    /// This runtime's configuration.
    pub fn config(&self) -> &RuntimeConfig {
        &self.inner.config
    }

    /// Decodes, validates and compiles a module.
    ///
    /// # Errors
    /// - the runtime is closed;
    /// - the bytes are malformed or invalid ([`ErrorKind::Compile`], with the offset);
    /// - the module uses a feature the engine does not run yet.
    pub fn compile_module(&self, wasm: &[u8]) -> Result<CompiledModule> {
        self.inner.check_open()?;
        let mut info = ModuleInfo::parse(wasm, self.inner.config.fuel.is_some())?;
        if !self.inner.config.custom_sections {
            info.custom_sections.retain(|c| c.name.as_ref() == "name");
        }
        Ok(CompiledModule {
            info: Arc::new(info),
        })
    }

    /// Compiles and instantiates `wasm` with the default [`ModuleConfig`].
    ///
    /// # Errors
    /// Those of [`Runtime::compile_module`] and [`Runtime::instantiate_module`].
    pub fn instantiate(&self, wasm: &[u8]) -> Result<Module> {
        self.instantiate_with_config(wasm, ModuleConfig::new())
    }

    /// Compiles and instantiates `wasm` with `config`.
    ///
    /// # Errors
    /// Those of [`Runtime::compile_module`] and [`Runtime::instantiate_module`].
    pub fn instantiate_with_config(&self, wasm: &[u8], config: ModuleConfig) -> Result<Module> {
        let compiled = self.compile_module(wasm)?;
        self.instantiate_module(&compiled, config)
    }

    /// The instantiated module registered under `name`; `None` for `""` or unknown names.
    pub fn module(&self, name: &str) -> Option<Module> {
        if name.is_empty() {
            return None;
        }
        let store = self.inner.store();
        let inst = *store.names.get(name)?;
        Some(Module {
            rt: self.inner.clone(),
            inst,
            name: store.instances[inst as usize].name.clone(),
        })
    }

    /// Makes `module` importable under `name` as well (what the spec harness's
    /// `register` does; wazero calls it aliasing).
    ///
    /// # Errors
    /// The runtime is closed, or another module already uses `name`.
    pub fn register_alias(&self, module: &Module, name: &str) -> Result<()> {
        self.inner.check_open()?;
        let mut store = self.inner.store();
        if store.names.get(name).is_some_and(|i| *i != module.inst) {
            return Err(Error::instantiate(format!(
                "module[{name}] has already been instantiated"
            )));
        }
        store.names.insert(name.into(), module.inst);
        Ok(())
    }

    /// Closes every module with exit code 0. See [`Runtime::close_with_exit_code`].
    ///
    /// # Errors
    /// None today; the `Result` leaves room for close notifiers that fail.
    pub fn close(&self) -> Result<()> {
        self.close_with_exit_code(0)
    }

    /// Closes every module this runtime instantiated, with `exit_code`; later calls to
    /// compile or instantiate fail with `runtime closed with exit_code(N)`. Idempotent:
    /// only the first close sets the exit code.
    ///
    /// # Errors
    /// None today.
    pub fn close_with_exit_code(&self, exit_code: u32) -> Result<()> {
        {
            let mut closed = self.inner.closed.lock().unwrap_or_else(|e| e.into_inner());
            if closed.is_some() {
                return Ok(());
            }
            *closed = Some(exit_code);
        }
        let mut store = self.inner.store();
        for inst in store.instances.iter_mut() {
            if inst.closed.is_none() {
                inst.closed = Some(exit_code);
            }
        }
        store.names.clear();
        Ok(())
    }

    /// Instantiates a compiled module: resolves its imports against the modules of this
    /// runtime by module name, initialises tables and memories, then runs its start
    /// section and the configured start functions.
    ///
    /// # Errors
    /// - the runtime is closed (`runtime closed with exit_code(N)`);
    /// - the module name is already in use;
    /// - an import is missing or has another type ([`ErrorKind::Link`]);
    /// - an element or data segment does not fit ([`ErrorKind::Trap`]);
    /// - a start function traps or fails: wrapped as
    ///   `module[NAME] function[FN] failed: ...`, except an exit with a non-zero code,
    ///   which is returned as is ([`Error::exit_code`]); exit code 0 is success.
    ///
    /// # Notes
    /// As WebAssembly 2.0 specifies, table and memory writes made before a failing
    /// segment stay (they may be visible through imported tables and memories).
    pub fn instantiate_module(
        &self,
        compiled: &CompiledModule,
        config: ModuleConfig,
    ) -> Result<Module> {
        self.inner.check_open()?;
        let info = &compiled.info;
        let name: Arc<str> = config
            .name
            .clone()
            .or_else(|| info.name.clone())
            .unwrap_or_else(|| "".into());
        let inst = {
            let mut store = self.inner.store();
            if !name.is_empty() && store.names.contains_key(&name) {
                return Err(Error::instantiate(format!(
                    "module[{name}] has already been instantiated"
                )));
            }
            let inst = instantiate(&mut store, info, &name, &self.inner.config)?;
            if !name.is_empty() {
                store.names.insert(name.clone(), inst);
            }
            inst
        };
        let module = Module {
            rt: self.inner.clone(),
            inst,
            name: name.clone(),
        };
        // The start section, then the configured start functions.
        let mut starts: Vec<(String, u32)> = Vec::new();
        if let Some(s) = info.start {
            let fname = info
                .func_names
                .get(&s)
                .map(|n| n.to_string())
                .unwrap_or_else(|| format!("${s}"));
            starts.push((fname, s));
        }
        for f in &config.start_functions {
            if let Some(e) = info
                .exports
                .iter()
                .find(|e| e.kind == ExportKind::Func && e.name == *f)
            {
                starts.push((f.to_string(), e.index));
            }
        }
        for (fname, index) in starts {
            let addr = {
                let store = self.inner.store();
                store.instances[inst as usize].layout.funcs[index as usize]
            };
            let result = {
                let mut store = self.inner.store();
                exec::invoke(&mut store, addr, &[])
            };
            if let Err(e) = result {
                self.unregister(&module);
                return match e.exit_code() {
                    Some(0) => Ok(module),
                    Some(_) => Err(e),
                    None => Err(Error::from_kind(ErrorKind::StartFailed {
                        module: name.to_string(),
                        function: fname,
                        source: Box::new(e),
                    })),
                };
            }
        }
        Ok(module)
    }

    fn unregister(&self, module: &Module) {
        let mut store = self.inner.store();
        store.names.retain(|_, i| *i != module.inst);
    }
}

fn link_error(import: &crate::module::Import, msg: impl std::fmt::Display) -> Error {
    Error::link(format!("import[{}.{}]: {msg}", import.module, import.name))
}

fn limits_match(actual_min: u64, actual_max: Option<u64>, min: u64, max: Option<u64>) -> bool {
    actual_min >= min
        && match max {
            None => true,
            Some(m) => actual_max.is_some_and(|am| am <= m),
        }
}

fn eval_const(store: &Store, layout: &Layout, expr: ConstExpr) -> u64 {
    match expr {
        ConstExpr::Value(v) => v,
        ConstExpr::GlobalGet(g) => store.globals[layout.globals[g as usize] as usize].value,
        ConstExpr::RefNull => 0,
        ConstExpr::RefFunc(f) => layout.funcs[f as usize] as u64 + 1,
    }
}

/// Creates the instance of `info` in `store` and initialises it (not the start functions).
fn instantiate(
    store: &mut Store,
    info: &Arc<ModuleInfo>,
    name: &Arc<str>,
    config: &RuntimeConfig,
) -> Result<u32> {
    let inst = store.instances.len() as u32;
    let mut layout = Layout {
        types: info.types.iter().map(|t| store.types.intern(t)).collect(),
        ..Layout::default()
    };
    // Imports.
    for import in &info.imports {
        let (exporter, kind, index) = store
            .resolve(&import.module, &import.name)
            .map_err(|m| link_error(import, m))?;
        let ex = &store.instances[exporter as usize].layout;
        match (&import.kind, kind) {
            (ImportKind::Func(t), ExportKind::Func) => {
                let addr = ex.funcs[index as usize];
                let want = layout.types[*t as usize];
                let have = store.funcs[addr as usize].ty();
                if want != have {
                    return Err(link_error(
                        import,
                        format!(
                            "signature mismatch: {} != {}",
                            store.types.get(want),
                            store.types.get(have)
                        ),
                    ));
                }
                layout.funcs.push(addr);
            }
            (ImportKind::Table(t), ExportKind::Table) => {
                let addr = ex.tables[index as usize];
                let have = &store.tables[addr as usize];
                if have.ty.element != t.element
                    || !limits_match(
                        have.elems.len() as u64,
                        have.ty.limits.max,
                        t.limits.min,
                        t.limits.max,
                    )
                {
                    return Err(link_error(
                        import,
                        "incompatible import type: table type mismatch",
                    ));
                }
                layout.tables.push(addr);
            }
            (ImportKind::Memory(m), ExportKind::Memory) => {
                let addr = ex.memories[index as usize];
                let have = &store.memories[addr as usize];
                if !limits_match(
                    have.pages() as u64,
                    have.declared_max,
                    m.limits.min,
                    m.limits.max,
                ) {
                    return Err(link_error(
                        import,
                        "incompatible import type: memory size mismatch",
                    ));
                }
                layout.memories.push(addr);
            }
            (ImportKind::Global(g), ExportKind::Global) => {
                let addr = ex.globals[index as usize];
                let have = store.globals[addr as usize].ty;
                if have != *g {
                    return Err(link_error(
                        import,
                        format!(
                            "incompatible import type: global type mismatch: {have:?} != {g:?}"
                        ),
                    ));
                }
                layout.globals.push(addr);
            }
            (_, kind) => {
                return Err(link_error(
                    import,
                    format!("incompatible import type: export is a {kind:?}"),
                ));
            }
        }
    }
    // Defined items.
    for (i, t) in info
        .func_types
        .iter()
        .enumerate()
        .skip(info.num_imported_funcs as usize)
    {
        layout.funcs.push(store.funcs.len() as u32);
        store.funcs.push(FuncInst::Wasm {
            ty: layout.types[*t as usize],
            instance: inst,
            index: (i - info.num_imported_funcs as usize) as u32,
        });
    }
    for t in &info.tables[info.num_imported_tables as usize..] {
        if t.limits.min > u32::MAX as u64 {
            return Err(Error::instantiate("table too large"));
        }
        layout.tables.push(store.tables.len() as u32);
        store.tables.push(TableInst {
            elems: vec![0; t.limits.min as usize],
            ty: *t,
        });
    }
    for m in &info.memories[info.num_imported_memories as usize..] {
        let limit = config.memory_limit_pages as u64;
        if m.limits.min > limit {
            return Err(Error::instantiate(format!(
                "memory min {} pages exceeds the limit of {limit} pages",
                m.limits.min
            )));
        }
        let max_pages = m.limits.max.unwrap_or(limit).min(limit) as u32;
        let min_bytes = m.limits.min as usize * PAGE_SIZE;
        let data = if config.memory_capacity_from_max {
            let mut data = Vec::new();
            let _ = data.try_reserve_exact(max_pages as usize * PAGE_SIZE);
            data.resize(min_bytes, 0);
            data
        } else {
            // Zeroed allocation: the pages are mapped lazily by the OS.
            vec![0u8; min_bytes]
        };
        layout.memories.push(store.memories.len() as u32);
        store.memories.push(MemInst {
            data,
            max_pages,
            declared_max: m.limits.max,
        });
    }
    for (ty, init) in info.globals[info.num_imported_globals as usize..]
        .iter()
        .zip(&info.global_inits)
    {
        let value = eval_const(store, &layout, *init);
        layout.globals.push(store.globals.len() as u32);
        store.globals.push(GlobalInst { value, ty: *ty });
    }
    let elems: Vec<Arc<[u64]>> = info
        .elements
        .iter()
        .map(|seg| match seg.mode {
            SegmentMode::Declared => Arc::from(&[][..]),
            _ => seg
                .items
                .iter()
                .map(|e| eval_const(store, &layout, *e))
                .collect(),
        })
        .collect();
    let datas: Vec<Arc<[u8]>> = info.datas.iter().map(|d| d.bytes.clone()).collect();
    let exports = info
        .exports
        .iter()
        .map(|e| (e.name.clone(), (e.kind, e.index)))
        .collect::<HashMap<_, _>>();
    let layout = Arc::new(layout);
    store.instances.push(InstanceData {
        name: name.clone(),
        module: Some(info.clone()),
        layout: layout.clone(),
        exports,
        elems,
        datas,
        closed: None,
    });
    // Active segments, in order; each is dropped after use.
    for (i, seg) in info.elements.iter().enumerate() {
        if let SegmentMode::Active { index, offset } = seg.mode {
            let offset = eval_const(store, &layout, offset) as u32 as usize;
            let items = store.instances[inst as usize].elems[i].clone();
            let table = &mut store.tables[layout.tables[index as usize] as usize];
            match table.elems.get_mut(offset..offset + items.len()) {
                Some(dst) => dst.copy_from_slice(&items),
                None => return Err(Error::trap(TrapCode::OutOfBoundsTableAccess)),
            }
            store.instances[inst as usize].elems[i] = Arc::from(&[][..]);
        }
    }
    for (i, seg) in info.datas.iter().enumerate() {
        if let SegmentMode::Active { index, offset } = seg.mode {
            let offset = eval_const(store, &layout, offset) as u32 as usize;
            let mem = &mut store.memories[layout.memories[index as usize] as usize];
            match mem.data.get_mut(offset..offset + seg.bytes.len()) {
                Some(dst) => dst.copy_from_slice(&seg.bytes),
                None => return Err(Error::trap(TrapCode::OutOfBoundsMemoryAccess)),
            }
            store.instances[inst as usize].datas[i] = Arc::from(&[][..]);
        }
    }
    Ok(inst)
}

/// An instantiated module.
///
/// A cheap-to-clone handle; it stays valid after close (calls then fail).
#[derive(Clone)]
pub struct Module {
    rt: Arc<RuntimeInner>,
    inst: u32,
    name: Arc<str>,
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

    fn export(&self, name: &str, kind: ExportKind) -> Option<(u32, Arc<Layout>)> {
        let store = self.rt.store();
        let data = &store.instances[self.inst as usize];
        match data.exports.get(name) {
            Some((k, index)) if *k == kind => Some((*index, data.layout.clone())),
            _ => None,
        }
    }

    /// The exported function `name`, if there is one.
    pub fn exported_function(&self, name: &str) -> Option<Function> {
        let (index, layout) = self.export(name, ExportKind::Func)?;
        Some(Function {
            rt: self.rt.clone(),
            addr: layout.funcs[index as usize],
            def: Arc::new(self.definition(index)),
        })
    }

    fn definition(&self, index: u32) -> FunctionDefinition {
        let store = self.rt.store();
        let data = &store.instances[self.inst as usize];
        match &data.module {
            Some(info) => definition(info, &self.name, index),
            None => crate::host::definition(&store, self.inst, index),
        }
    }

    /// Definitions of all exported functions, by export name.
    pub fn exported_function_definitions(&self) -> HashMap<String, FunctionDefinition> {
        let exports: Vec<(Arc<str>, u32)> = {
            let store = self.rt.store();
            store.instances[self.inst as usize]
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
        let (index, layout) = self.export(name, ExportKind::Memory)?;
        Some(Memory {
            rt: self.rt.clone(),
            addr: layout.memories[index as usize],
        })
    }

    /// The module's memory 0 (exported or not, imported or defined).
    pub fn memory(&self) -> Option<Memory> {
        let store = self.rt.store();
        let addr = *store.instances[self.inst as usize]
            .layout
            .memories
            .first()?;
        Some(Memory {
            rt: self.rt.clone(),
            addr,
        })
    }

    /// The exported global `name`.
    pub fn exported_global(&self, name: &str) -> Option<Global> {
        let (index, layout) = self.export(name, ExportKind::Global)?;
        Some(Global {
            rt: self.rt.clone(),
            addr: layout.globals[index as usize],
        })
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
    /// None today.
    pub fn close_with_exit_code(&self, exit_code: u32) -> Result<()> {
        let mut store = self.rt.store();
        let data = &mut store.instances[self.inst as usize];
        if data.closed.is_none() {
            data.closed = Some(exit_code);
        }
        let inst = self.inst;
        store.names.retain(|_, i| *i != inst);
        Ok(())
    }

    /// Whether the module (or its runtime) was closed.
    pub fn is_closed(&self) -> bool {
        self.rt.store().instances[self.inst as usize]
            .closed
            .is_some()
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
    ///   fails.
    pub fn call(&self, params: &[u64]) -> Result<Vec<u64>> {
        let mut store = self.rt.store();
        if let FuncInst::Wasm { instance, .. } = store.funcs[self.addr as usize] {
            if let Some(code) = store.instances[instance as usize].closed {
                return Err(Error::from_kind(ErrorKind::Exit(code)));
            }
        }
        exec::invoke(&mut store, self.addr, params)
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

/// A Rust type that maps to one Wasm value.
pub trait WasmValue: Sized {
    /// Its Wasm type.
    const TYPE: ValueType;
    /// Encodes into a slot.
    fn to_slot(self) -> u64;
    /// Decodes from a slot.
    fn from_slot(slot: u64) -> Self;
}

macro_rules! wasm_value {
    ($t:ty, $vt:ident, |$s:ident| $enc:expr, |$d:ident| $dec:expr) => {
        impl WasmValue for $t {
            const TYPE: ValueType = ValueType::$vt;
            fn to_slot(self) -> u64 {
                let $s = self;
                $enc
            }
            fn from_slot(slot: u64) -> Self {
                let $d = slot;
                $dec
            }
        }
    };
}
wasm_value!(i32, I32, |v| v as u32 as u64, |s| s as u32 as i32);
wasm_value!(u32, I32, |v| v as u64, |s| s as u32);
wasm_value!(i64, I64, |v| v as u64, |s| s as i64);
wasm_value!(u64, I64, |v| v, |s| s);
wasm_value!(f32, F32, |v| v.to_bits() as u64, |s| f32::from_bits(
    s as u32
));
wasm_value!(f64, F64, |v| v.to_bits(), |s| f64::from_bits(s));

/// Parameters of a typed function: `()`, a value, or a tuple of values.
pub trait WasmParams {
    /// The Wasm types.
    fn types() -> Vec<ValueType>;
    /// Encodes into slots.
    fn to_slots(self) -> Vec<u64>;
}

/// Results of a typed function: `()`, a value, or a tuple of values.
pub trait WasmResults: Sized {
    /// The Wasm types.
    fn types() -> Vec<ValueType>;
    /// Decodes from slots.
    fn from_slots(slots: &[u64]) -> Self;
}

impl<T: WasmValue> WasmParams for T {
    fn types() -> Vec<ValueType> {
        vec![T::TYPE]
    }
    fn to_slots(self) -> Vec<u64> {
        vec![self.to_slot()]
    }
}

impl<T: WasmValue> WasmResults for T {
    fn types() -> Vec<ValueType> {
        vec![T::TYPE]
    }
    fn from_slots(slots: &[u64]) -> Self {
        T::from_slot(slots[0])
    }
}

macro_rules! wasm_tuple {
    ($($t:ident $i:tt),*) => {
        impl<$($t: WasmValue),*> WasmParams for ($($t,)*) {
            fn types() -> Vec<ValueType> {
                vec![$($t::TYPE),*]
            }
            #[allow(unused_variables)]
            fn to_slots(self) -> Vec<u64> {
                vec![$(self.$i.to_slot()),*]
            }
        }
        impl<$($t: WasmValue),*> WasmResults for ($($t,)*) {
            fn types() -> Vec<ValueType> {
                vec![$($t::TYPE),*]
            }
            #[allow(unused_variables, clippy::unused_unit)]
            fn from_slots(slots: &[u64]) -> Self {
                ($($t::from_slot(slots[$i]),)*)
            }
        }
    };
}
wasm_tuple!();
wasm_tuple!(A 0, B 1);
wasm_tuple!(A 0, B 1, C 2);
wasm_tuple!(A 0, B 1, C 2, D 3);
wasm_tuple!(A 0, B 1, C 2, D 3, E 4);
wasm_tuple!(A 0, B 1, C 2, D 3, E 4, F 5);

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
    rt: Arc<RuntimeInner>,
    addr: u32,
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
        self.rt.store().memories[self.addr as usize].data.len() as u64
    }

    /// Size in 64 KiB pages.
    pub fn pages(&self) -> u32 {
        self.rt.store().memories[self.addr as usize].pages()
    }

    /// Grows by `delta_pages`; returns the previous size in pages, or `None` if that
    /// would pass the memory's maximum.
    pub fn grow(&self, delta_pages: u32) -> Option<u32> {
        self.rt.store().memories[self.addr as usize].grow(delta_pages)
    }

    /// Copies `len` bytes at `offset`; `None` if out of range.
    pub fn read(&self, offset: u32, len: u32) -> Option<Vec<u8>> {
        let store = self.rt.store();
        let data = &store.memories[self.addr as usize].data;
        let end = (offset as usize).checked_add(len as usize)?;
        data.get(offset as usize..end).map(|s| s.to_vec())
    }

    /// Writes `bytes` at `offset`; `false` (and nothing written) if out of range.
    pub fn write(&self, offset: u32, bytes: &[u8]) -> bool {
        let mut store = self.rt.store();
        let data = &mut store.memories[self.addr as usize].data;
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
    addr: u32,
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
        self.rt.store().globals[self.addr as usize].ty
    }

    /// The current value as a slot.
    pub fn get(&self) -> u64 {
        self.rt.store().globals[self.addr as usize].value
    }

    /// Sets the value of a mutable global.
    ///
    /// # Errors
    /// The global is immutable.
    pub fn set(&self, value: u64) -> Result<()> {
        let mut store = self.rt.store();
        let g = &mut store.globals[self.addr as usize];
        if !g.ty.mutable {
            return Err(Error::usage("global is immutable"));
        }
        g.value = value;
        Ok(())
    }
}
