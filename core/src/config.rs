//! Configuration of a runtime and of a module instance.

use std::sync::Arc;

/// Which engine runs the code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EngineKind {
    /// The portable interpreter (also the debugger's engine).
    Interpreter,
}

/// How a [`crate::Runtime`] compiles and runs modules. An immutable builder: each
/// `with_*` returns a changed copy.
///
/// ```
/// use wasmscope::RuntimeConfig;
/// let cfg = RuntimeConfig::interpreter().with_memory_limit_pages(256);
/// assert_eq!(cfg.memory_limit_pages(), 256);
/// ```
#[derive(Clone, Debug)]
pub struct RuntimeConfig {
    pub(crate) engine: EngineKind,
    pub(crate) memory_limit_pages: u32,
    pub(crate) memory_capacity_from_max: bool,
    pub(crate) custom_sections: bool,
    pub(crate) debug_info: bool,
    pub(crate) fuel: Option<u64>,
    pub(crate) close_on_deadline: bool,
    pub(crate) cache: Option<crate::cache::CompilationCache>,
}

/// Options that change the compiled code (and so key the compilation cache).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct CodeOptions {
    /// Charge fuel per block.
    pub fuel: bool,
    /// Poll for interrupts and deadlines at function entries and loop headers.
    pub interrupts: bool,
}

/// The most pages a 32-bit memory can have (4 GiB).
pub const MAX_MEMORY_PAGES: u32 = 65536;

impl Default for RuntimeConfig {
    fn default() -> Self {
        Self::new()
    }
}

impl RuntimeConfig {
    /// The default configuration: the best engine for this platform (today the
    /// interpreter everywhere; the Cranelift compiler is planned), WebAssembly 2.0.
    pub fn new() -> Self {
        RuntimeConfig {
            engine: EngineKind::Interpreter,
            memory_limit_pages: MAX_MEMORY_PAGES,
            memory_capacity_from_max: false,
            custom_sections: false,
            debug_info: true,
            fuel: None,
            close_on_deadline: false,
            cache: None,
        }
    }

    /// The portable interpreter.
    pub fn interpreter() -> Self {
        Self::new()
    }

    /// The engine this configuration selects.
    pub fn engine(&self) -> EngineKind {
        self.engine
    }

    /// Caps every memory at `pages` 64 KiB pages (default 65536): a memory with no
    /// declared maximum may grow up to it, one whose minimum exceeds it fails to
    /// instantiate.
    ///
    /// # Errors
    /// More than 65536 pages (4 GiB, all a 32-bit memory can address) is rejected: the
    /// runtime's `compile_module` and `instantiate_module` then fail with a usage error.
    pub fn with_memory_limit_pages(mut self, pages: u32) -> Self {
        self.memory_limit_pages = pages;
        self
    }

    /// Checks the settings that cannot be checked by the builder.
    pub(crate) fn check(&self) -> crate::Result<()> {
        if self.memory_limit_pages > MAX_MEMORY_PAGES {
            return Err(crate::Error::usage(format!(
                "memory_limit_pages {} is more than the {MAX_MEMORY_PAGES} pages a 32-bit memory can have",
                self.memory_limit_pages
            )));
        }
        Ok(())
    }

    /// The memory limit in pages.
    pub fn memory_limit_pages(&self) -> u32 {
        self.memory_limit_pages
    }

    /// Reserves a memory's maximum size up front (fewer copies on `memory.grow`).
    pub fn with_memory_capacity_from_max(mut self, enabled: bool) -> Self {
        self.memory_capacity_from_max = enabled;
        self
    }

    /// Keeps custom sections for [`crate::CompiledModule::custom_sections`].
    pub fn with_custom_sections(mut self, enabled: bool) -> Self {
        self.custom_sections = enabled;
        self
    }

    /// Gives every call (each [`crate::Function::call`] and each start function) a
    /// budget of `fuel` units; running out traps with [`crate::TrapCode::OutOfFuel`].
    /// wazero has no such limit; wasmi and wasmtime do.
    ///
    /// A unit is one Wasm instruction. Fuel is charged per straight-line block, on entry
    /// to it, so a block that is left early by a branch is still charged whole. Code
    /// compiled with fuel carries the checks; without fuel it has none.
    pub fn with_fuel(mut self, fuel: u64) -> Self {
        self.fuel = Some(fuel);
        self
    }

    /// The fuel budget per call, if any.
    pub fn fuel(&self) -> Option<u64> {
        self.fuel
    }

    /// wazero's `WithCloseOnContextDone`: running code polls, at every function entry
    /// and loop header, whether its module was closed, interrupted
    /// ([`crate::InterruptHandle`]) or passed its deadline
    /// ([`crate::Function::call_with_deadline`]), and then ends the call with an
    /// `ExitError`; an interrupt or deadline also closes the module, with
    /// [`crate::EXIT_CODE_CANCELED`] or [`crate::EXIT_CODE_DEADLINE_EXCEEDED`].
    ///
    /// # Notes
    /// Off by default: the polls cost a little on every loop iteration. Without it, a
    /// running call only notices a close when it returns from a host function.
    pub fn with_close_on_deadline(mut self, enabled: bool) -> Self {
        self.close_on_deadline = enabled;
        self
    }

    /// Shares compiled code through `cache` (see [`crate::CompilationCache`]).
    pub fn with_compilation_cache(mut self, cache: crate::cache::CompilationCache) -> Self {
        self.cache = Some(cache);
        self
    }

    pub(crate) fn code_options(&self) -> CodeOptions {
        CodeOptions {
            fuel: self.fuel.is_some(),
            interrupts: self.close_on_deadline,
        }
    }

    /// Whether DWARF source lines are used in traces (default true).
    pub fn with_debug_info_enabled(mut self, enabled: bool) -> Self {
        self.debug_info = enabled;
        self
    }
}

/// How one module is instantiated. An immutable builder.
///
/// `new()` sets the start functions to `["_start"]`, like wazero.
#[derive(Clone)]
pub struct ModuleConfig {
    pub(crate) name: Option<Arc<str>>,
    pub(crate) start_functions: Vec<Arc<str>>,
    pub(crate) close_notifier: Option<Arc<dyn Fn(u32) + Send + Sync>>,
}

impl std::fmt::Debug for ModuleConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModuleConfig")
            .field("name", &self.name)
            .field("start_functions", &self.start_functions)
            .field("close_notifier", &self.close_notifier.is_some())
            .finish()
    }
}

impl Default for ModuleConfig {
    fn default() -> Self {
        Self::new()
    }
}

impl ModuleConfig {
    /// Defaults: name from the module's name section, start function `_start`.
    pub fn new() -> Self {
        ModuleConfig {
            name: None,
            start_functions: vec!["_start".into()],
            close_notifier: None,
        }
    }

    /// The name the instance is registered under (imports of other modules resolve
    /// against it). An empty name makes the instance anonymous.
    pub fn with_name(mut self, name: &str) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Calls `notifier` with the exit code when the module closes, once, however it
    /// closes (its own close, its runtime's, a guest exit, an interrupt). It runs after
    /// the runtime's lock is released, so it may use the runtime.
    pub fn with_close_notifier(mut self, notifier: impl Fn(u32) + Send + Sync + 'static) -> Self {
        self.close_notifier = Some(Arc::new(notifier));
        self
    }

    /// Exported functions called after instantiation, in order; missing ones are
    /// skipped. Pass nothing to call none.
    pub fn with_start_functions(mut self, names: &[&str]) -> Self {
        self.start_functions = names.iter().map(|n| Arc::from(*n)).collect();
        self
    }
}
