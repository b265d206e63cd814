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

    /// Caps every memory at `pages` 64 KiB pages (a memory with no declared maximum may
    /// grow up to it; one whose minimum exceeds it fails to instantiate).
    ///
    /// # Notes
    /// Values above 65536 are clamped to 65536, the most a 32-bit memory can address.
    pub fn with_memory_limit_pages(mut self, pages: u32) -> Self {
        self.memory_limit_pages = pages.min(MAX_MEMORY_PAGES);
        self
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

    /// Whether DWARF source lines are used in traces (default true).
    pub fn with_debug_info_enabled(mut self, enabled: bool) -> Self {
        self.debug_info = enabled;
        self
    }
}

/// How one module is instantiated. An immutable builder.
///
/// `new()` sets the start functions to `["_start"]`, like wazero.
#[derive(Clone, Debug)]
pub struct ModuleConfig {
    pub(crate) name: Option<Arc<str>>,
    pub(crate) start_functions: Vec<Arc<str>>,
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
        }
    }

    /// The name the instance is registered under (imports of other modules resolve
    /// against it). An empty name makes the instance anonymous.
    pub fn with_name(mut self, name: &str) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Exported functions called after instantiation, in order; missing ones are
    /// skipped. Pass nothing to call none.
    pub fn with_start_functions(mut self, names: &[&str]) -> Self {
        self.start_functions = names.iter().map(|n| Arc::from(*n)).collect();
        self
    }
}
