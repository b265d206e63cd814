//! [`Runtime`] and [`CompiledModule`]: compiling, instantiating, closing.

use std::sync::{Arc, Mutex, MutexGuard};

use crate::config::{ModuleConfig, RuntimeConfig};
use crate::error::{Error, ErrorKind, Result};
use crate::handles::Module;
use crate::instantiate::instantiate;
use crate::interp::exec;
use crate::module::{ExportKind, ImportKind, ModuleInfo};
use crate::store::Store;
use crate::types::FunctionDefinition;

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
