//! [`Runtime`] and [`CompiledModule`]: compiling, instantiating, closing.

use std::borrow::Cow;
use std::sync::{Arc, Mutex};

use crate::compiled::{CompiledKind, CompiledModule};
use crate::config::{ModuleConfig, RuntimeConfig};
use crate::error::{Error, ErrorKind, Result};
use crate::handles::Module;
use crate::host::HostModuleBuilder;
use crate::instantiate::{instantiate, instantiate_host, Setup};
use crate::interp::code::WasmCode;
pub(crate) use crate::module::definition;
use crate::module::{ExportKind, ModuleInfo};
use crate::rt::RuntimeInner;
use crate::store::Store;
use crate::types::ValueType;
use crate::values::Value;
use crate::wasi::context::SysContext;

/// Embeds WebAssembly modules: compiles, instantiates and links them, and owns
/// everything it created.
///
/// A cheap-to-clone handle (`Send + Sync`). Closing it closes every module it
/// instantiated.
///
/// # Threads
///
/// A runtime, its modules and their handles may be used from many threads at once, as in
/// wazero. Calls on modules that share nothing run in parallel (importing the same host
/// module, such as WASI, shares nothing), and a call that blocks (in a host function, a
/// WASI read or sleep) holds up only its own module. Modules that share a memory, table
/// or global through imports take turns: a call holds every item its module can reach
/// while it runs there, so each call is atomic with respect to the others. Two calls on
/// one module take turns too. A [`crate::Memory`], [`crate::Global`] or
/// [`crate::Table`] handle waits while a call holds its item.
///
/// A call is atomic per stretch it runs in one module: when it calls into another module
/// (an imported Wasm function, or through a table) it lets go of the first module's items
/// until it comes back, so that no two calls wait for each other in a cycle.
///
/// Inside a call (a host function, a listener), the calling module's items are held:
/// reach them through the [`crate::Caller`] or the listener's `CallContext`. Calling
/// functions, resuming executions, instantiating and closing are refused there with an
/// error (they could wait for items a call holds, and deadlock); close notifiers run when
/// the outermost call has returned. A handle used there must not reach an item the call
/// holds (it would wait forever).
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

impl Runtime {
    /// A runtime with the default configuration.
    pub fn new() -> Self {
        Self::with_config(RuntimeConfig::new())
    }

    /// A runtime with `config`.
    pub fn with_config(config: RuntimeConfig) -> Self {
        let (fuel, debug_info, zeal) = (config.fuel, config.debug_info, config.gc_zeal);
        let mut store = Store::new(fuel, debug_info, zeal);
        store.tiering = config.effective_tiering();
        Runtime {
            inner: Arc::new(RuntimeInner {
                config,
                store,
                closed: Mutex::new(None),
                controls: Mutex::new(Vec::new()),
            }),
        }
    }

    /// This runtime's configuration.
    pub fn config(&self) -> &RuntimeConfig {
        &self.inner.config
    }

    /// Starts a module of host functions named `name` (wazero's
    /// `NewHostModuleBuilder`); see [`HostModuleBuilder`].
    ///
    /// # Notes
    /// An empty name is reported by [`HostModuleBuilder::compile`].
    pub fn new_host_module_builder(&self, name: &str) -> HostModuleBuilder {
        HostModuleBuilder::new(self.inner.clone(), name)
    }

    /// Decodes, validates and compiles a module.
    ///
    /// By default ([`crate::CompilationMode::LazyTranslation`]) the whole module is
    /// validated here and each function body is translated into the interpreter's code
    /// on its first call (once per compiled module); see
    /// [`RuntimeConfig::with_compilation_mode`] for the eager and fully lazy modes.
    ///
    /// # Errors
    /// - the runtime is closed;
    /// - the bytes are malformed or invalid ([`ErrorKind::Compile`], with the offset;
    ///   in [`crate::CompilationMode::Lazy`] an invalid function body is reported by
    ///   its first call instead);
    /// - the module uses a feature the engine does not run yet.
    ///
    /// # Notes
    /// With [`RuntimeConfig::with_compilation_cache`], a module compiled before with the
    /// same options (by any runtime sharing the cache) is not compiled again, and the
    /// functions translated for one runtime are translated for all.
    pub fn compile_module(&self, wasm: &[u8]) -> Result<CompiledModule> {
        self.compile(Cow::Borrowed(wasm))
    }

    /// [`Runtime::compile_module`] of bytes the caller hands over: the compiled module
    /// keeps them as they are, where `compile_module` keeps a copy (a module's bytes
    /// are kept for lazy translation, custom sections and DWARF). For a large module
    /// read from a file this saves a copy of it, and the memory it touches.
    ///
    /// # Errors
    /// Those of [`Runtime::compile_module`].
    ///
    /// # Notes
    /// With [`RuntimeConfig::with_compilation_cache`], a module the cache holds is not
    /// compiled again (the bytes handed over are dropped, and the module keeps the
    /// bytes it was first compiled from); one it does not hold keeps these bytes.
    ///
    /// # Examples
    /// ```
    /// let rt = wasmscope::Runtime::new();
    /// let wasm = wat::parse_str(r#"(module (func (export "f") (result i32) i32.const 7))"#)?;
    /// let compiled = rt.compile_module_owned(wasm)?;
    /// let module = rt.instantiate_module(&compiled, wasmscope::ModuleConfig::new())?;
    /// assert_eq!(module.exported_function("f").unwrap().call(&[])?, vec![7]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn compile_module_owned(&self, wasm: Vec<u8>) -> Result<CompiledModule> {
        self.compile(Cow::Owned(wasm))
    }

    fn compile(&self, wasm: Cow<'_, [u8]>) -> Result<CompiledModule> {
        self.inner.check_open()?;
        self.inner.config.check()?;
        let options = self.inner.config.code_options();
        let eager = options.mode == crate::config::CompilationMode::Eager;
        if let Some(factory) = &self.inner.config.listener_factory {
            // The factory needs the definitions (names come last in the binary): decode,
            // ask, and give hooks to the functions that got a listener before any body is
            // translated.
            let parsed = ModuleInfo::parse(wasm, options)?;
            let options = self.inner.config.engine_for(&parsed, options)?;
            let mut info = WasmCode::new(parsed, options);
            let name = info.name.clone().unwrap_or_else(|| "".into());
            let listeners: Vec<_> = (0..info.func_types.len() as u32)
                .map(|i| {
                    (i >= info.num_imported_funcs)
                        .then(|| factory.0.new_listener(&definition(&info, &name, i)))
                        .flatten()
                        .and_then(crate::listener::Listener::new)
                })
                .collect();
            let hooks = |l: &Option<crate::listener::Listener>| {
                l.as_ref()
                    .map_or(crate::listener::ListenerHooks::empty(), |l| l.hooks())
            };
            info.set_listened(listeners.iter().map(hooks).collect());
            // (Compiled eagerly, bodies are validated by the compiler's workers, in
            // parallel; the interpreter's code is made if it is ever needed.)
            if eager && !options.native {
                info.translate_all()?;
            }
            #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
            if options.native {
                // Compiled code keeps a shadow stack and calls the hooks of the defined
                // functions that got a listener.
                let listened = listeners[info.num_imported_funcs as usize..]
                    .iter()
                    .map(hooks)
                    .collect();
                let (native, _) = crate::compiler::code::compile(
                    &info,
                    &crate::compiler::exec::libcalls(),
                    options,
                    crate::compiler::code::Stored::None,
                    Some(listened),
                )?;
                info.native = Some(Arc::new(native));
            }
            return Ok(CompiledModule {
                kind: CompiledKind::Wasm(Arc::new(info)),
                keep_custom_sections: self.inner.config.custom_sections,
                listeners: Some(listeners.into()),
            });
        }
        let compile = |wasm: Cow<'_, [u8]>| {
            let parsed = ModuleInfo::parse(wasm, options)?;
            let options = self.inner.config.engine_for(&parsed, options)?;
            // (Mutable for the compiler's code, on its platforms.)
            #[allow(unused_mut)]
            let mut info = WasmCode::new(parsed, options);
            // (Compiled eagerly, bodies are validated by the compiler's workers, in
            // parallel; the interpreter's code is made if it is ever needed.)
            if eager && !options.native {
                info.translate_all()?;
            }
            #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
            if options.native {
                let native = compile_native(&info, options, self.inner.config.cache.as_ref())?;
                info.native = Some(Arc::new(native));
            }
            Ok(Arc::new(info))
        };
        let info = match &self.inner.config.cache {
            Some(cache) => {
                // (Another runtime's compilation of the module fits when this runtime's
                // rule gives it the same engine: GC modules differ when tiered.)
                let fits = |info: &WasmCode| {
                    (self.inner.config.engine_for(&info.info, options))
                        .is_ok_and(|o| o.native == info.native.is_some())
                };
                cache.get_or_compile(wasm, options, fits, compile)?
            }
            None => compile(wasm)?,
        };
        Ok(CompiledModule {
            kind: CompiledKind::Wasm(info),
            keep_custom_sections: self.inner.config.custom_sections,
            listeners: None,
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
        let inst = *self.inner.store.names().get(name)?;
        self.handle(inst)
    }

    /// A handle to instance `inst`.
    fn handle(&self, inst: u32) -> Option<Module> {
        let data = self.inner.store.instance(inst)?;
        Some(Module {
            rt: self.inner.clone(),
            inst,
            name: data.name.clone(),
            control: data.control.clone(),
        })
    }

    /// Every module registered under a name (host modules included), in the order they
    /// were instantiated; closed modules are gone from this list.
    pub fn modules(&self) -> Vec<Module> {
        let mut insts: Vec<u32> = self.inner.store.names().values().copied().collect();
        insts.sort_unstable();
        insts.dedup();
        insts
            .into_iter()
            .filter_map(|inst| self.handle(inst))
            .collect()
    }

    /// Makes `module` importable under `name` as well (what the spec harness's
    /// `register` does; wazero calls it aliasing).
    ///
    /// # Errors
    /// The runtime is closed, or another module already uses `name`.
    pub fn register_alias(&self, module: &Module, name: &str) -> Result<()> {
        self.inner.check_open()?;
        RuntimeInner::check_not_in_call("registering a module name")?;
        let store = &self.inner.store;
        let _linking = store.linking();
        let mut names = store.names();
        if module.control.closed().is_some() {
            return Err(Error::usage(format!("module[{}] is closed", module.name)));
        }
        if names.get(name).is_some_and(|i| *i != module.inst) {
            return Err(Error::instantiate(format!(
                "module[{name}] has already been instantiated"
            )));
        }
        names.insert(name.into(), module.inst);
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
    /// Called from inside a call (a host function or a listener).
    ///
    /// # Notes
    /// With [`RuntimeConfig::with_close_on_deadline`], calls in flight stop with an
    /// `ExitError`; otherwise closing waits for each module's call to let go of it (a
    /// call that had left a module ends with an `ExitError` when it would come back).
    /// Each module's close notifier runs once, on this thread.
    pub fn close_with_exit_code(&self, exit_code: u32) -> Result<()> {
        RuntimeInner::check_not_in_call("closing the runtime")?;
        {
            let mut closed = self.inner.closed.lock().unwrap_or_else(|e| e.into_inner());
            if closed.is_some() {
                return Ok(());
            }
            *closed = Some(exit_code);
        }
        // Ask running calls to stop before waiting for the store.
        for control in self.inner.controls() {
            control.request_stop(exit_code);
        }
        let store = &self.inner.store;
        {
            // No instantiation runs meanwhile; each instance's state is taken in turn
            // (a call running in it ends first).
            let _linking = store.linking();
            let reg = store.snapshot();
            for (inst, data) in reg.instances.iter().enumerate() {
                let mut state = data.state.lock();
                store.close_instance(inst as u32, data, &mut state, exit_code);
            }
            store.names().clear();
        }
        store.notify();
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
    /// - a WASI option is invalid or a host directory to mount is missing (see
    ///   [`ModuleConfig`]);
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
        RuntimeInner::check_not_in_call("instantiating a module")?;
        self.inner.config.check()?;
        let name: Arc<str> = config
            .name
            .clone()
            .or_else(|| compiled.name().map(Arc::from))
            .unwrap_or_else(|| "".into());
        // WASI state, built before any store lock so that opening mounts does not
        // hold it (and a bad mount leaves nothing to roll back).
        let sys = match &compiled.kind {
            CompiledKind::Wasm(_) => Some(Box::new(SysContext::new(&config.sys)?)),
            CompiledKind::Host(_) => None,
        };
        let listeners = compiled.listeners.as_ref().map(|funcs| {
            let definitions = compiled.definitions(&name);
            debug_assert_eq!(funcs.len(), definitions.len(), "a definition a function");
            Arc::new(crate::store::InstanceListeners {
                funcs: (funcs.iter().zip(&definitions))
                    .map(|(l, d)| {
                        l.clone().map(|listener| crate::store::Listened {
                            listener,
                            definition: d.clone(),
                        })
                    })
                    .collect(),
                aborts: (funcs.iter().flatten())
                    .any(|l| l.hooks().contains(crate::listener::ListenerHooks::ABORT)),
                definitions,
            })
        });
        let store = &self.inner.store;
        let (inst, control) = {
            let _linking = store.linking();
            // Checked again under the instantiation lock: a close that started
            // meanwhile either is seen here or closes this instance after us.
            self.inner.check_open()?;
            if !name.is_empty() && store.names().contains_key(&name) {
                return Err(Error::instantiate(format!(
                    "module[{name}] has already been instantiated"
                )));
            }
            let inst = match &compiled.kind {
                CompiledKind::Wasm(info) => {
                    let setup = Setup {
                        listeners,
                        notifier: config.close_notifier.clone(),
                        sys,
                    };
                    instantiate(store, info, &name, &self.inner.config, setup)?
                }
                CompiledKind::Host(def) => instantiate_host(store, def, &name, listeners),
            };
            let control = store
                .instance(inst)
                .map(|d| d.control.clone())
                .ok_or_else(|| Error::new("internal error: instance not published"))?;
            self.inner.register_control(control.clone());
            if !name.is_empty() {
                store.names().insert(name.clone(), inst);
            }
            (inst, control)
        };
        let module = Module {
            rt: self.inner.clone(),
            inst,
            name: name.clone(),
            control,
        };
        let CompiledKind::Wasm(info) = &compiled.kind else {
            return Ok(module);
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
            let result = match store.instance(inst) {
                Some(data) => {
                    crate::handles::invoke(store, data.layout.funcs[index as usize], &[], None)
                }
                None => Err(Error::new("internal error: instance not published")),
            };
            store.notify();
            if let Err(e) = result {
                // Don't leak the module: close it whatever the failure (a no-op if the
                // guest closed it already).
                module.close_with_exit_code(e.exit_code().unwrap_or(0))?;
                return match e.exit_code() {
                    // A guest that exits with 0 during start-up succeeded (wazero); the
                    // module it returns is closed.
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
}

impl HostModuleBuilder {
    /// Compiles and instantiates the module under its name.
    ///
    /// # Errors
    /// Those of [`HostModuleBuilder::compile`] and [`Runtime::instantiate_module`] (the
    /// name is already in use).
    pub fn instantiate(self) -> Result<Module> {
        let rt = Runtime {
            inner: self.rt.clone(),
        };
        let compiled = self.compile()?;
        rt.instantiate_module(&compiled, ModuleConfig::new())
    }
}

/// The compiler's native code of `info`: read from the cache's directory
/// when it holds it, else compiled (and then written there, when the cache has a
/// directory).
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
fn compile_native(
    info: &ModuleInfo,
    options: crate::options::CodeOptions,
    cache: Option<&crate::cache::CompilationCache>,
) -> Result<crate::compiler::code::NativeModule> {
    use crate::compiler::code::{self, Stored};
    use crate::compiler::persist;
    let libcalls = crate::compiler::exec::libcalls();
    let disk = match cache {
        Some(cache) if options.mode != crate::options::CompilationMode::Lazy => {
            let target = code::target_id(&libcalls)?;
            cache
                .disk_key(&info.bytes, options, &target)
                .map(|key| (cache, key))
        }
        _ => None,
    };
    let Some((cache, key)) = disk else {
        return Ok(code::compile(info, &libcalls, options, Stored::None, None)?.0);
    };
    let defs = info.bodies.len();
    if let Some(payload) = cache.read(&key) {
        let types = info.types.len();
        match persist::decode(&payload, (defs, types), code::declared_ids(defs, types)) {
            Some(machines) => {
                match code::compile(info, &libcalls, options, Stored::Load(machines), None) {
                    Ok((native, _)) => {
                        cache.hit_disk();
                        return Ok(native);
                    }
                    Err(_) => cache.reject(),
                }
            }
            None => cache.reject(),
        }
    }
    let (native, kept) = code::compile(info, &libcalls, options, Stored::Keep, None)?;
    if let Some(payload) = kept.as_deref().and_then(persist::encode) {
        cache.write(&key, &payload);
    }
    Ok(native)
}

/// How a runtime's GC heap stands ([`Runtime::heap_stats`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HeapStats {
    /// Structs and arrays alive (not yet freed).
    pub objects: usize,
    /// Collections so far.
    pub collections: u64,
    /// Objects freed so far.
    pub freed: u64,
}

/// A struct or an array of GC, as a debugger shows it ([`Runtime::gc_object`]).
#[derive(Clone, Debug, PartialEq)]
pub struct GcObject {
    /// Whether it is an array (else a struct).
    pub is_array: bool,
    /// How many fields or elements it has (`values` holds at most the limit asked for).
    pub len: u32,
    /// Its fields (a struct's, in order) or elements (an array's); packed `i8`/`i16`
    /// ones as unsigned `i32`s.
    pub values: Vec<Value>,
    /// Its type's name, from the name section of a module that defines it (`$node`
    /// in the text format is `node`).
    pub type_name: Option<String>,
    /// A struct's field names (by field index) from that name section; `None` where it
    /// has none.
    pub field_names: Vec<Option<String>>,
}

impl Runtime {
    /// The GC heap's statistics.
    pub fn heap_stats(&self) -> HeapStats {
        let heap = crate::store::lock(&self.inner.store.heap);
        HeapStats {
            objects: heap.len(),
            collections: heap.collections,
            freed: heap.freed,
        }
    }

    /// The struct or array `value` refers to (an `anyref` or `externref` holding a GC
    /// object), with at most `limit` of its values; `None` for anything else.
    pub fn gc_object(&self, value: &Value, limit: usize) -> Option<GcObject> {
        let (Value::AnyRef(Some(r)) | Value::ExternRef(Some(r))) = *value else {
            return None;
        };
        let names = crate::store::lock(&self.inner.store.type_names);
        let heap = crate::store::lock(&self.inner.store.heap);
        let obj = heap.get(r)?;
        let named = names.get(&obj.ty);
        let type_name = named.and_then(|n| n.name.as_deref()).map(str::to_string);
        use crate::gctypes::{Composite, Storage};
        let ty = |st: Storage| match st {
            Storage::I8 | Storage::I16 => ValueType::I32,
            Storage::Val(v) => crate::gctypes::value_type_of(v),
        };
        let decode = |at: usize, kind, vt: ValueType| {
            let (lo, hi) = obj.read(at, kind).unwrap_or((0, 0));
            Value::from_slots(vt, &[lo, hi]).unwrap_or(Value::I64(lo as i64))
        };
        Some(match &obj.def.sub.composite {
            Composite::Struct(fields) => GcObject {
                is_array: false,
                len: fields.len() as u32,
                values: (fields.iter().zip(&obj.def.layout.fields))
                    .take(limit)
                    .map(|(f, (at, kind))| decode(*at as usize, *kind, ty(f.storage)))
                    .collect(),
                type_name,
                field_names: (0..fields.len().min(limit) as u32)
                    .map(|i| named.and_then(|n| n.fields.get(&i)).map(|s| s.to_string()))
                    .collect(),
            },
            Composite::Array(f) => {
                let kind = obj.def.elem?;
                GcObject {
                    is_array: true,
                    len: obj.len,
                    values: (0..obj.len as usize)
                        .take(limit)
                        .map(|i| decode(i * kind.size() as usize, kind, ty(f.storage)))
                        .collect(),
                    type_name,
                    field_names: Vec::new(),
                }
            }
            Composite::Func { .. } => return None,
        })
    }
}
