//! Configuration of a runtime and of a module instance (with its WASI system state and
//! file system mounts).

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};

pub(crate) use crate::options::CodeOptions;
pub use crate::options::CompilationMode;
use crate::wasi::clock::{Nanosleep, Nanotime, RandSource, Walltime};
pub use crate::wasi::context::FsConfig;
use crate::wasi::context::SysConfig;

/// Which engine runs the code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EngineKind {
    /// The portable interpreter (also the debugger's engine).
    Interpreter,
    /// The Cranelift compiler (x86-64 and AArch64): native code, for speed.
    ///
    /// # Notes
    /// Compiled code has no stop points: with debug stepping the interpreter runs the
    /// code, and resumable calls ([`crate::Function::start_call`]) run on the
    /// interpreter. Listeners run on compiled code (their stack frames carry functions
    /// and offsets; a caller's values are not kept, see [`crate::listener::StackFrame`]).
    /// GC operators run on the runtime's side (a call each, the interpreter's
    /// implementation), and the collector finds compiled code's references
    /// conservatively, on the native stack.
    Compiler,
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
    /// Whether the engine was asked for ([`Self::compiler`], [`Self::interpreter`]);
    /// else ([`Self::new`]) a module that uses GC runs on the interpreter when tiered
    /// (see [`Self::with_tiering`]'s notes).
    pub(crate) engine_explicit: bool,
    pub(crate) memory_limit_pages: u32,
    pub(crate) memory_capacity_from_max: bool,
    pub(crate) custom_sections: bool,
    pub(crate) debug_info: bool,
    pub(crate) fuel: Option<u64>,
    pub(crate) close_on_deadline: bool,
    pub(crate) debug_stepping: bool,
    pub(crate) cache: Option<crate::cache::CompilationCache>,
    pub(crate) listener_factory: Option<FactoryRef>,
    pub(crate) compilation_mode: CompilationMode,
    pub(crate) tiering: u32,
    pub(crate) core_features: crate::features::CoreFeatures,
    pub(crate) gc_zeal: bool,
}

/// A listener factory in a configuration (shown by name in `Debug`).
#[derive(Clone)]
pub(crate) struct FactoryRef(pub std::sync::Arc<dyn crate::listener::FunctionListenerFactory>);

impl std::fmt::Debug for FactoryRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FunctionListenerFactory")
    }
}

/// The most pages a 32-bit memory can have (4 GiB).
pub const MAX_MEMORY_PAGES: u32 = 65536;

impl Default for RuntimeConfig {
    fn default() -> Self {
        Self::new()
    }
}

impl RuntimeConfig {
    /// The default configuration: the best engine for this platform, as the seed's
    /// `NewRuntimeConfig` picks it: the compiler on x86-64 and AArch64 ([`Self::compiler`]),
    /// the interpreter elsewhere (and in the browser); WebAssembly 3.0
    /// ([`crate::CoreFeatures::V3`]; the legacy exception instructions are one
    /// [`Self::with_core_features`] away: [`crate::CoreFeatures::SUPPORTED`]).
    ///
    /// # Notes
    /// A module that uses GC (struct or array types, references of the `any` hierarchy,
    /// GC instructions) runs on the compiler like any other; with tiering
    /// ([`Self::with_tiering`]) it runs on the interpreter alone.
    pub fn new() -> Self {
        RuntimeConfig {
            engine_explicit: false,
            engine: if cfg!(any(target_arch = "x86_64", target_arch = "aarch64")) {
                EngineKind::Compiler
            } else {
                EngineKind::Interpreter
            },
            memory_limit_pages: MAX_MEMORY_PAGES,
            memory_capacity_from_max: false,
            custom_sections: false,
            debug_info: true,
            fuel: None,
            close_on_deadline: false,
            debug_stepping: false,
            cache: None,
            listener_factory: None,
            compilation_mode: CompilationMode::LazyTranslation,
            tiering: 0,
            core_features: crate::features::CoreFeatures::V3,
            gc_zeal: false,
        }
    }

    /// The portable interpreter (also the debugger's engine).
    pub fn interpreter() -> Self {
        RuntimeConfig {
            engine: EngineKind::Interpreter,
            engine_explicit: true,
            ..Self::new()
        }
    }

    /// The Cranelift compiler, where it generates code (x86-64, AArch64); elsewhere the
    /// interpreter. See [`EngineKind::Compiler`] for what it does not do yet.
    pub fn compiler() -> Self {
        RuntimeConfig {
            engine_explicit: true,
            ..Self::new()
        }
    }

    /// The engine this configuration selects.
    pub fn engine(&self) -> EngineKind {
        self.engine
    }

    /// Caps every memory at `pages` 64 KiB pages (default 65536): a memory with no
    /// declared maximum may grow up to it, one whose minimum exceeds it fails to
    /// instantiate. A 32-bit memory has at most 65536 pages (4 GiB, all it can address)
    /// whatever the limit; more pages than that are for 64-bit memories (memory64). A
    /// memory's initial pages are allocated zeroed, mapped by the system when first
    /// touched, so a large memory used sparsely costs what it uses.
    pub fn with_memory_limit_pages(mut self, pages: u32) -> Self {
        self.memory_limit_pages = pages;
        self
    }

    /// Checks the settings that cannot be checked by the builder.
    pub(crate) fn check(&self) -> crate::Result<()> {
        let unsupported = self.core_features.unsupported();
        if !unsupported.is_empty() {
            return Err(crate::Error::usage(format!(
                "WebAssembly features not supported yet: {} (CoreFeatures::SUPPORTED is what runs)",
                unsupported.names().join(", ")
            )));
        }
        Ok(())
    }

    /// The WebAssembly features modules may use (the seed's `WithCoreFeatures`); the
    /// default is [`crate::CoreFeatures::V3`]. A module that uses a feature outside the
    /// set fails to compile with an error naming it (an Emscripten module's legacy
    /// exception instructions, for one: [`crate::CoreFeatures::SUPPORTED`] adds them, as
    /// `wasmscope run` and the workbench do).
    ///
    /// # Errors
    /// A set with a feature this version does not run yet (see
    /// [`crate::CoreFeatures::SUPPORTED`]) makes [`crate::Runtime::compile_module`] fail
    /// with [`crate::ErrorKind::Usage`] naming it.
    pub fn with_core_features(mut self, features: crate::features::CoreFeatures) -> Self {
        self.core_features = features;
        self
    }

    /// The WebAssembly features modules may use.
    pub fn core_features(&self) -> crate::features::CoreFeatures {
        self.core_features
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

    /// Asks `factory` for a listener for each function of every module this runtime
    /// compiles (host modules included); see [`crate::listener`].
    ///
    /// # Notes
    /// Modules are compiled with hooks only in the functions that get a listener; such
    /// compilations bypass the compilation cache.
    pub fn with_function_listener_factory(
        mut self,
        factory: std::sync::Arc<dyn crate::listener::FunctionListenerFactory>,
    ) -> Self {
        self.listener_factory = Some(FactoryRef(factory));
        self
    }

    /// Shares compiled code through `cache` (see [`crate::CompilationCache`]).
    pub fn with_compilation_cache(mut self, cache: crate::cache::CompilationCache) -> Self {
        self.cache = Some(cache);
        self
    }

    /// When function bodies are validated and translated (default
    /// [`CompilationMode::LazyTranslation`]: validated when the module is compiled,
    /// translated on first call). See [`CompilationMode`].
    pub fn with_compilation_mode(mut self, mode: CompilationMode) -> Self {
        self.compilation_mode = mode;
        self
    }

    /// The compilation mode (see [`RuntimeConfig::with_compilation_mode`]).
    pub fn compilation_mode(&self) -> CompilationMode {
        self.compilation_mode
    }

    /// Tiered compilation for the compiler engine (experimental; off by default: 0):
    /// each function starts on the interpreter, is compiled in the background once it
    /// has been called `calls` times, and runs as compiled code when that is done (its
    /// calls from either engine). The functions a program calls a few times then cost
    /// no compile time.
    ///
    /// ```
    /// use wasmscope::{Runtime, RuntimeConfig};
    /// let cfg = RuntimeConfig::compiler().with_tiering(2);
    /// assert_eq!(cfg.tiering(), 2);
    /// let rt = Runtime::with_config(cfg);
    /// let wasm = wat::parse_str(r#"(module
    ///     (func $sq (param i32) (result i32) (i32.mul (local.get 0) (local.get 0)))
    ///     (func (export "f") (param i32) (result i32) (call $sq (local.get 0))))"#).unwrap();
    /// let f = rt.instantiate(&wasm).unwrap().exported_function("f").unwrap();
    /// // Interpreted twice, then compiled: the same results.
    /// for _ in 0..4 {
    ///     assert_eq!(f.call(&[7]).unwrap(), [49]);
    /// }
    /// ```
    ///
    /// # Notes
    /// - A call between the engines costs far more than a call within one (about
    ///   microseconds: the instance's items are released and locked again, see
    ///   BENCHMARKS.md, "Tiered compilation"), so that real programs run slower tiered
    ///   than on either engine alone for now. This is why it is off by default.
    /// - A function's call in progress stays where it started: a function called once
    ///   that loops for long (a `main`) stays on the interpreter (no on-stack
    ///   replacement); what it calls moves to compiled code when hot.
    /// - Only where the compiler engine runs ([`Self::engine`]), and not with fuel or a
    ///   listener factory (their counts and hooks would be split across two engines):
    ///   then every function is compiled, as without tiering. Resumable calls and debug
    ///   stepping run on the interpreter as always.
    /// - A module whose code all comes compiled (a [`crate::CompilationCache`] on disk,
    ///   [`CompilationMode::Eager`]) runs compiled from the start.
    /// - With [`Self::new`] a module that uses GC runs on the interpreter alone: the
    ///   collector runs only where the frames of the call below are one engine's (it
    ///   finds the roots of either engine's frames, not of both), so a tiered call could
    ///   keep its garbage until it returns. [`Self::compiler`] asked for by name runs it
    ///   tiered all the same.
    ///
    /// `calls` is at most `u32::MAX - 1` (a larger value is taken as that).
    pub fn with_tiering(mut self, calls: u32) -> Self {
        self.tiering = calls.min(u32::MAX - 1);
        self
    }

    /// The calls after which a function runs compiled (0: no tiering); see
    /// [`Self::with_tiering`].
    pub fn tiering(&self) -> u32 {
        self.tiering
    }

    /// The tiering threshold that applies (see [`Self::with_tiering`]'s notes).
    pub(crate) fn effective_tiering(&self) -> u32 {
        let compiles = self.code_options().native;
        match compiles && self.fuel.is_none() && self.listener_factory.is_none() {
            true => self.tiering,
            false => 0,
        }
    }

    /// The options for module `info`: without native code when it uses GC, the engine
    /// was not asked for and calls are tiered.
    ///
    /// # Errors
    /// None for now (kept for the engines' future refusals).
    pub(crate) fn engine_for(
        &self,
        info: &crate::module::ModuleInfo,
        mut options: CodeOptions,
    ) -> crate::error::Result<CodeOptions> {
        let validated = options.mode == CompilationMode::LazyTranslation;
        if options.native
            && !self.engine_explicit
            && self.effective_tiering() > 0
            && (info.uses_gc || (!validated && info.bodies_use_gc()))
        {
            options.native = false;
        }
        Ok(options)
    }

    pub(crate) fn code_options(&self) -> CodeOptions {
        CodeOptions {
            mode: self.compilation_mode,
            fuel: self.fuel.is_some(),
            interrupts: self.close_on_deadline,
            debug: self.debug_stepping,
            count: false,
            // Compiled code has no stop points: debug stepping runs the interpreter.
            native: self.engine == EngineKind::Compiler && !self.debug_stepping,
            features: self.core_features,
        }
    }

    /// Runs the GC collector at every allocation where it may run (off by default), as
    /// long as the live objects take under 16 MiB: for testing programs and the
    /// collector itself (an object freed too early shows at once), at a large cost in
    /// time.
    ///
    /// ```
    /// use wasmscope::{Runtime, RuntimeConfig};
    /// let rt = Runtime::with_config(RuntimeConfig::interpreter().with_gc_zeal(true));
    /// let wasm = wat::parse_str(r#"(module (type $s (struct (field i32)))
    ///     (func (export "f") (result i32)
    ///       (struct.get $s 0 (struct.new $s (i32.const 7)))))"#).unwrap();
    /// let m = rt.instantiate(&wasm).unwrap();
    /// assert_eq!(m.exported_function("f").unwrap().call(&[]).unwrap(), [7]);
    /// assert_eq!(rt.heap_stats().collections, 1);
    /// ```
    pub fn with_gc_zeal(mut self, on: bool) -> Self {
        self.gc_zeal = on;
        self
    }

    /// Compiles modules for the debugger: a stop point before every Wasm instruction, so
    /// that a resumable call ([`crate::Execution`]) can step instruction by instruction
    /// and stop at breakpoints (code offsets). Operands are kept in their stack slots, so
    /// a paused frame shows its whole operand stack.
    ///
    /// # Notes
    /// Each function then has a second translation with the stop points, made when a
    /// step or a breakpoint first needs it; elsewhere (and in calls that are not
    /// resumable) the plain code runs, at nearly the speed of code compiled without
    /// debug stepping (it checks for slices' ends at function entries and loop headers).
    pub fn with_debug_stepping(mut self, enabled: bool) -> Self {
        self.debug_stepping = enabled;
        self
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
///
/// The WASI options (`with_args` to `with_rand_source`) describe the system the module
/// sees when it calls WASI functions (see [`crate::wasi`]). As in wazero the defaults
/// are sandboxed and deterministic: no arguments or environment, an empty stdin,
/// stdout and stderr discarded, no file system, a wall clock that starts at
/// 2022-01-01T00:00:00Z and a monotonic clock that starts at 0, both advancing 1 ms per
/// reading, a `nanosleep` that returns at once, and a random source seeded with 42. The
/// stream, clock and random closures are shared by every module instantiated with
/// clones of one configuration.
#[derive(Clone)]
pub struct ModuleConfig {
    pub(crate) name: Option<Arc<str>>,
    pub(crate) start_functions: Vec<Arc<str>>,
    pub(crate) close_notifier: Option<Arc<dyn Fn(u32) + Send + Sync>>,
    pub(crate) sys: SysConfig,
}

impl std::fmt::Debug for ModuleConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModuleConfig")
            .field("name", &self.name)
            .field("start_functions", &self.start_functions)
            .field("close_notifier", &self.close_notifier.is_some())
            .field("args", &self.sys.args)
            .field("env", &self.sys.env)
            .field("fs", &self.sys.fs)
            .finish_non_exhaustive()
    }
}

impl Default for ModuleConfig {
    fn default() -> Self {
        Self::new()
    }
}

impl ModuleConfig {
    /// Defaults: name from the module's name section, start function `_start`, and the
    /// sandboxed WASI defaults described above.
    pub fn new() -> Self {
        ModuleConfig {
            name: None,
            start_functions: vec!["_start".into()],
            close_notifier: None,
            sys: SysConfig::default(),
        }
    }

    /// The name the instance is registered under (imports of other modules resolve
    /// against it). An empty name makes the instance anonymous.
    pub fn with_name(mut self, name: &str) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Calls `notifier` with the exit code when the module closes, once, however it
    /// closes (its own close, its runtime's, a guest exit, an interrupt). It runs on the
    /// thread that closed the module once that thread is outside any call (for a close
    /// from inside a call, such as WASI's `proc_exit`, when the outermost call returns),
    /// so it may use the runtime.
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

    /// The WASI command-line arguments (`args_get`), replacing earlier ones. By
    /// convention the first is the program name.
    ///
    /// # Errors
    /// An argument holding a NUL byte makes instantiation fail.
    pub fn with_args(mut self, args: &[&str]) -> Self {
        self.sys.args = args.iter().map(|a| a.to_string()).collect();
        self
    }

    /// Sets the environment variable `key=value` (`environ_get`). Variables keep the
    /// order they were first added in; setting a key again replaces its value in place,
    /// as wazero's `WithEnv` does, so the guest sees each key once, with the last value.
    ///
    /// # Errors
    /// An empty key, a key holding `=`, or a NUL byte in either makes instantiation fail.
    ///
    /// ```
    /// use wasmscope::ModuleConfig;
    /// let config = ModuleConfig::new().with_env("A", "1").with_env("B", "2").with_env("A", "3");
    /// assert_eq!(config.env(), [("A", "3"), ("B", "2")]);
    /// ```
    pub fn with_env(mut self, key: &str, value: &str) -> Self {
        match self.sys.env.iter_mut().find(|(k, _)| k == key) {
            Some((_, v)) => *v = value.to_string(),
            None => self.sys.env.push((key.to_string(), value.to_string())),
        }
        self
    }

    /// The environment variables set with [`with_env`](Self::with_env), in order.
    pub fn env(&self) -> Vec<(&str, &str)> {
        self.sys
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    /// Standard input (fd 0). Default: empty.
    pub fn with_stdin(mut self, stdin: impl Read + Send + 'static) -> Self {
        self.sys.stdin = Some(Arc::new(Mutex::new(stdin)));
        self
    }

    /// Standard output (fd 1). Default: discarded. `fd_sync` on it flushes `stdout`.
    pub fn with_stdout(mut self, stdout: impl Write + Send + 'static) -> Self {
        self.sys.stdout = Some(Arc::new(Mutex::new(stdout)));
        self
    }

    /// Standard error (fd 2). Default: discarded.
    pub fn with_stderr(mut self, stderr: impl Write + Send + 'static) -> Self {
        self.sys.stderr = Some(Arc::new(Mutex::new(stderr)));
        self
    }

    /// Whether stdin, stdout and stderr are terminals. A terminal is a character device
    /// to the guest (what wasi-libc's `isatty` and Rust's `IsTerminal` look for), any
    /// other stream is of unknown type, as in wasmtime: a program reading a pipe must
    /// not think it talks to a person. Default: none is a terminal. A command line
    /// passes what its own streams are (e.g. `std::io::IsTerminal`).
    pub fn with_terminals(mut self, stdin: bool, stdout: bool, stderr: bool) -> Self {
        self.sys.terminals = [stdin, stdout, stderr];
        self
    }

    /// The file systems the module may use, pre-opened as fds 3, 4, ... in order.
    /// Default: none.
    ///
    /// # Errors
    /// A host directory that is missing or not a directory makes instantiation fail.
    pub fn with_fs_config(mut self, fs: FsConfig) -> Self {
        self.sys.fs = fs;
        self
    }

    /// The wall clock (`CLOCKID_REALTIME`): `walltime` returns seconds and nanoseconds
    /// since the Unix epoch; `resolution` is in nanoseconds.
    ///
    /// # Errors
    /// A resolution of 0 makes instantiation fail.
    pub fn with_walltime(
        mut self,
        walltime: impl FnMut() -> (i64, i32) + Send + 'static,
        resolution: u64,
    ) -> Self {
        self.sys.walltime = Walltime::Custom(Arc::new(Mutex::new(walltime)), resolution);
        self
    }

    /// The host's wall clock (`SystemTime`, 1 µs resolution).
    ///
    /// # Notes
    /// On `wasm32` targets, where `SystemTime` is not available, the fake clock stays.
    pub fn with_sys_walltime(mut self) -> Self {
        self.sys.walltime = Walltime::Sys;
        self
    }

    /// The monotonic clock (`CLOCKID_MONOTONIC`): `nanotime` returns nanoseconds from
    /// an arbitrary start; `resolution` is in nanoseconds.
    ///
    /// # Errors
    /// A resolution of 0 makes instantiation fail.
    pub fn with_nanotime(
        mut self,
        nanotime: impl FnMut() -> i64 + Send + 'static,
        resolution: u64,
    ) -> Self {
        self.sys.nanotime = Nanotime::Custom(Arc::new(Mutex::new(nanotime)), resolution);
        self
    }

    /// The host's monotonic clock (`Instant`, from instantiation, 1 ns resolution).
    ///
    /// # Notes
    /// On `wasm32` targets the fake clock stays.
    pub fn with_sys_nanotime(mut self) -> Self {
        self.sys.nanotime = Nanotime::Sys;
        self
    }

    /// How `poll_oneoff` sleeps: `nanosleep` is given the nanoseconds to wait.
    pub fn with_nanosleep(mut self, nanosleep: impl FnMut(i64) + Send + 'static) -> Self {
        self.sys.nanosleep = Nanosleep::Custom(Arc::new(Mutex::new(nanosleep)));
        self
    }

    /// Sleeps for real (`std::thread::sleep`), holding the runtime for that long.
    ///
    /// # Notes
    /// On `wasm32` targets this does not sleep.
    pub fn with_sys_nanosleep(mut self) -> Self {
        self.sys.nanosleep = Nanosleep::Sys;
        self
    }

    /// The source of `random_get`'s bytes: `rand` fills the buffer it is given.
    pub fn with_rand_source(mut self, rand: impl FnMut(&mut [u8]) + Send + 'static) -> Self {
        self.sys.rand = RandSource::Custom(Arc::new(Mutex::new(rand)));
        self
    }
}
