//! The store: every function, table, memory, global and module instance of a runtime.
//!
//! Instances refer to their items by store address, so that imports share the exporter's
//! item. A runtime owns one store behind a lock; a call holds the lock while it runs.

use std::collections::HashMap;
use std::sync::Arc;

use crate::error::Result;
use crate::interp::code::WasmCode;
use crate::module::ExportKind;
use crate::types::{FuncType, FunctionDefinition, GlobalType, TableType};

/// WebAssembly page size.
pub(crate) const PAGE_SIZE: usize = 65536;

/// The most elements a table may have (as wasmtime's default): larger tables fail to
/// instantiate and `table.grow` past it fails, instead of exhausting host memory.
pub(crate) const MAX_TABLE_ELEMENTS: u64 = 10_000_000;

/// Interned function signatures, so that `call_indirect` compares two integers.
#[derive(Default, Debug)]
pub(crate) struct TypeRegistry {
    types: Vec<FuncType>,
    ids: HashMap<FuncType, u32>,
}

impl TypeRegistry {
    pub(crate) fn intern(&mut self, ty: &FuncType) -> u32 {
        if let Some(id) = self.ids.get(ty) {
            return *id;
        }
        let id = self.types.len() as u32;
        self.types.push(ty.clone());
        self.ids.insert(ty.clone(), id);
        id
    }

    pub(crate) fn get(&self, id: u32) -> &FuncType {
        &self.types[id as usize]
    }
}

/// A function: defined by a module instance, or a host closure.
pub(crate) enum FuncInst {
    Wasm {
        /// Interned signature.
        ty: u32,
        /// Store index of the defining instance.
        instance: u32,
        /// Defined-function index within its module (imports excluded).
        index: u32,
    },
    #[allow(dead_code)]
    Host {
        ty: u32,
        func: Arc<HostFunc>,
        /// The function's listener, if the runtime's factory gave it one.
        listener: Option<Arc<dyn crate::listener::FunctionListener>>,
        /// The host module's instance.
        instance: u32,
    },
}

impl FuncInst {
    pub(crate) fn ty(&self) -> u32 {
        match self {
            FuncInst::Wasm { ty, .. } | FuncInst::Host { ty, .. } => *ty,
        }
    }
}

/// A table of references (`0` is null, a function reference is its store address + 1).
pub(crate) struct TableInst {
    pub elems: Vec<u64>,
    pub ty: TableType,
}

impl TableInst {
    /// Grows by `delta` elements set to `init`; returns the old size, or `None` if the
    /// limit forbids it.
    pub(crate) fn grow(&mut self, delta: u32, init: u64) -> Option<u32> {
        let old = self.elems.len() as u64;
        let new = old + delta as u64;
        let max = self
            .ty
            .limits
            .max
            .unwrap_or(u32::MAX as u64)
            .min(MAX_TABLE_ELEMENTS);
        if new > max {
            return None;
        }
        if self.elems.try_reserve_exact((new - old) as usize).is_err() {
            return None;
        }
        self.elems.resize(new as usize, init);
        self.ty.limits.min = new;
        Some(old as u32)
    }
}

/// A linear memory.
pub(crate) struct MemInst {
    pub data: Vec<u8>,
    /// The most pages it may grow to (declared max, capped by the runtime's limit).
    pub max_pages: u32,
    /// The maximum the module declared, which import matching compares.
    pub declared_max: Option<u64>,
}

impl MemInst {
    pub(crate) fn pages(&self) -> u32 {
        (self.data.len() / PAGE_SIZE) as u32
    }

    /// Grows by `delta` pages; returns the old size in pages, or `None` past the limit.
    pub(crate) fn grow(&mut self, delta: u32) -> Option<u32> {
        let old = self.pages();
        let new = old as u64 + delta as u64;
        if new > self.max_pages as u64 {
            return None;
        }
        let new_len = new as usize * PAGE_SIZE;
        if self
            .data
            .try_reserve_exact(new_len - self.data.len())
            .is_err()
        {
            return None;
        }
        self.data.resize(new_len, 0);
        Some(old)
    }
}

/// A global variable.
pub(crate) struct GlobalInst {
    /// The value's slot (the low half of a `v128`).
    pub value: u64,
    /// The high half of a `v128`; 0 otherwise.
    pub hi: u64,
    pub ty: GlobalType,
}

/// Store addresses of an instance's items, in the module's index spaces.
#[derive(Default, Debug)]
pub(crate) struct Layout {
    pub funcs: Vec<u32>,
    pub tables: Vec<u32>,
    pub memories: Vec<u32>,
    pub globals: Vec<u32>,
    /// Interned signature of each module type index.
    pub types: Vec<u32>,
}

/// A module instance (also host modules).
pub(crate) struct InstanceData {
    pub name: Arc<str>,
    /// `None` for host modules.
    pub module: Option<Arc<WasmCode>>,
    pub layout: Arc<Layout>,
    /// Exports by name: kind and index in the module's index space.
    pub exports: HashMap<Arc<str>, (crate::module::ExportKind, u32)>,
    /// Element segments (emptied by `elem.drop`).
    pub elems: Vec<Arc<[u64]>>,
    /// Data segments (emptied by `data.drop`).
    pub datas: Vec<Arc<[u8]>>,
    /// Exit code, once closed.
    pub closed: Option<u32>,
    /// Shared with handles, so that other threads can stop the instance's calls.
    pub control: Arc<InstanceControl>,
    /// Called once with the exit code when the instance closes.
    pub notifier: Option<CloseNotifier>,
    /// Function listeners and definitions, when the runtime has a listener factory.
    pub listeners: Option<Arc<InstanceListeners>>,
    /// WASI state of a Wasm module instance (none for host modules); dropped, closing
    /// its files, when the instance closes.
    pub sys: Option<Box<crate::wasi::context::SysContext>>,
}

/// The listeners of an instance's functions (module index space) and their definitions.
pub(crate) struct InstanceListeners {
    pub funcs: Vec<Option<Arc<dyn crate::listener::FunctionListener>>>,
    pub definitions: Vec<Arc<crate::types::FunctionDefinition>>,
}

/// A close notifier (`ModuleConfig::with_close_notifier`).
pub(crate) type CloseNotifier = Arc<dyn Fn(u32) + Send + Sync>;

/// What other threads may touch of an instance without the store lock.
#[derive(Default, Debug)]
pub(crate) struct InstanceControl {
    /// 0 while running; `exit code + 1` once a close, an interrupt or a deadline asked
    /// the instance's calls to stop. Code compiled with interrupt checks polls it.
    pub stop: std::sync::atomic::AtomicU64,
}

impl InstanceControl {
    /// Asks running calls to stop with `exit_code` (the first request wins).
    pub(crate) fn request_stop(&self, exit_code: u32) {
        use std::sync::atomic::Ordering;
        let _ =
            self.stop
                .compare_exchange(0, exit_code as u64 + 1, Ordering::SeqCst, Ordering::SeqCst);
    }

    /// The exit code a stop was requested with.
    pub(crate) fn stop_requested(&self) -> Option<u32> {
        match self.stop.load(std::sync::atomic::Ordering::Relaxed) {
            0 => None,
            v => Some((v - 1) as u32),
        }
    }
}

impl InstanceData {
    pub(crate) fn new(
        name: Arc<str>,
        module: Option<Arc<WasmCode>>,
        layout: Arc<Layout>,
        exports: HashMap<Arc<str>, (crate::module::ExportKind, u32)>,
    ) -> Self {
        InstanceData {
            name,
            module,
            layout,
            exports,
            elems: Vec::new(),
            datas: Vec::new(),
            closed: None,
            control: Arc::default(),
            notifier: None,
            listeners: None,
            sys: None,
        }
    }
}

/// Everything a runtime has instantiated.
#[derive(Default)]
pub(crate) struct Store {
    pub funcs: Vec<FuncInst>,
    pub tables: Vec<TableInst>,
    pub memories: Vec<MemInst>,
    pub globals: Vec<GlobalInst>,
    pub instances: Vec<InstanceData>,
    pub types: TypeRegistry,
    /// Instantiated modules by name (the names imports resolve against).
    pub names: HashMap<Arc<str>, u32>,
    /// Fuel budget of each call, if the runtime meters fuel.
    pub fuel: Option<u64>,
    /// Whether traces carry DWARF source lines.
    pub debug_info: bool,
    /// Close notifiers to call once the store lock is released.
    pub pending_notifications: Vec<(CloseNotifier, u32)>,
}

impl Store {
    /// Closes instance `inst` with `exit_code` unless it is closed already: its name is
    /// freed, running calls are asked to stop, and its notifier is queued.
    pub(crate) fn close_instance(&mut self, inst: u32, exit_code: u32) {
        let data = &mut self.instances[inst as usize];
        if data.closed.is_some() {
            return;
        }
        data.closed = Some(exit_code);
        data.control.request_stop(exit_code);
        data.sys = None;
        if let Some(n) = data.notifier.take() {
            self.pending_notifications.push((n, exit_code));
        }
        self.names.retain(|_, i| *i != inst);
    }

    /// Looks up an export of the module registered under `module`.
    pub(crate) fn resolve(
        &self,
        module: &str,
        name: &str,
    ) -> Result<(u32, crate::module::ExportKind, u32), String> {
        let inst = *self
            .names
            .get(module)
            .ok_or_else(|| format!("module[{module}] not instantiated"))?;
        let data = &self.instances[inst as usize];
        let (kind, index) = data
            .exports
            .get(name)
            .ok_or_else(|| format!("\"{name}\" is not exported in module[{module}]"))?;
        Ok((inst, *kind, *index))
    }
}

/// A host function as the store calls it: with the store, the calling instance (if a
/// module called), and the value stack (parameters in, results out at its front). The
/// public API ([`crate::host`]) wraps a user's closure into one, giving it a
/// [`crate::Caller`].
pub(crate) type StoreHostFn =
    dyn Fn(&mut Store, Option<u32>, &mut [u64]) -> Result<()> + Send + Sync;

/// A host function as the store keeps it.
pub(crate) struct HostFunc {
    pub ty: FuncType,
    pub func: Box<StoreHostFn>,
    pub name: Arc<str>,
    pub param_names: Vec<Option<Arc<str>>>,
    pub result_names: Vec<Option<Arc<str>>>,
}

/// The definition of function `index` of a host module.
pub(crate) fn host_definition(
    module_name: &str,
    index: u32,
    export: &Arc<str>,
    func: &HostFunc,
) -> FunctionDefinition {
    FunctionDefinition {
        module_name: module_name.into(),
        index,
        import: None,
        export_names: vec![export.clone()],
        name: Some(func.name.clone()),
        ty: func.ty.clone(),
        param_names: func.param_names.clone(),
        result_names: func.result_names.clone(),
        host: true,
    }
}

/// The definition of function `index` of the host module instance `inst`.
pub(crate) fn definition(store: &Store, inst: u32, index: u32) -> FunctionDefinition {
    let data = &store.instances[inst as usize];
    let addr = data.layout.funcs[index as usize];
    let export = data
        .exports
        .iter()
        .find(|(_, (k, i))| *k == ExportKind::Func && *i == index)
        .map(|(n, _)| n.clone())
        .unwrap_or_else(|| "".into());
    match &store.funcs[addr as usize] {
        FuncInst::Host { func, .. } => host_definition(&data.name, index, &export, func),
        FuncInst::Wasm { .. } => unreachable!("host modules hold host functions"),
    }
}

/// A host module ready to instantiate: its name and functions, in builder order.
pub(crate) struct HostModuleDef {
    pub name: Arc<str>,
    /// `(export name, function)`.
    pub funcs: Vec<(Arc<str>, Arc<HostFunc>)>,
}

impl crate::listener::InstanceView for Store {
    fn instance_name(&self, inst: u32) -> &str {
        &self.instances[inst as usize].name
    }

    fn instance_globals(&self, inst: u32) -> Vec<(GlobalType, u64, u64)> {
        self.instances[inst as usize]
            .layout
            .globals
            .iter()
            .map(|g| {
                let g = &self.globals[*g as usize];
                (g.ty, g.value, g.hi)
            })
            .collect()
    }

    fn instance_memory(&self, inst: u32) -> Option<&[u8]> {
        let m = *self.instances[inst as usize].layout.memories.first()?;
        Some(&self.memories[m as usize].data)
    }

    fn instance_table(&self, inst: u32, index: u32) -> Option<&[u64]> {
        let t = *self.instances[inst as usize]
            .layout
            .tables
            .get(index as usize)?;
        Some(&self.tables[t as usize].elems)
    }
}
