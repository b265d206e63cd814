//! The options that shape compiled code: below the module description and the engines,
//! which read them, and the configuration ([`crate::RuntimeConfig`]) that sets them.

/// When function bodies are validated and translated into the engine's code (as wasmi's
/// `CompilationMode`). Set with [`crate::RuntimeConfig::with_compilation_mode`].
///
/// Whatever the mode, a body is translated once per compiled module: the code is kept
/// with the [`crate::CompiledModule`] (and shared through a
/// [`crate::CompilationCache`]), and traps, traces, listeners, fuel, interrupts and
/// stepping behave the same.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum CompilationMode {
    /// Validate and translate every function body when the module is compiled. Start-up
    /// pays for the whole module; for benchmarks of the translator, and tests.
    ///
    /// # Notes
    /// Bodies are validated while they are translated, once the rest of the module has
    /// been checked: a module with both an invalid body and a malformed later section
    /// (data, names) reports the section's error, where the other modes report the body's.
    Eager,
    /// Validate every function body when the module is compiled, and translate each on
    /// its first call (the default). An invalid module is rejected by
    /// [`crate::Runtime::compile_module`], with the offset and message of the first
    /// problem in the module; start-up costs decoding and validation only.
    #[default]
    LazyTranslation,
    /// Validate and translate each function body on its first call: start-up costs
    /// decoding only (the module's sections are still validated when it is compiled).
    ///
    /// # Errors
    /// A module whose function bodies are invalid compiles; the first call that reaches an
    /// invalid body fails with [`crate::ErrorKind::Compile`] (offset and message as
    /// `compile_module` would give them in the other modes, the message starting with
    /// `function[INDEX]`), and so does every later call of it. Functions never called
    /// are never checked.
    Lazy,
}

/// Options that change the compiled code, or when it is checked (and so key the
/// compilation cache: a module compiled lazily has unchecked bodies).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct CodeOptions {
    /// When bodies are validated and translated.
    pub mode: CompilationMode,
    /// Charge fuel per block.
    pub fuel: bool,
    /// Poll for interrupts and deadlines at function entries and loop headers.
    pub interrupts: bool,
    /// A stop point before every instruction (stepping and breakpoints).
    pub debug: bool,
    /// Count the operators run, per straight-line segment (`Count`; time travel's
    /// instruction count in plain code). Set for both variants of code compiled for
    /// debugging, never by the configuration itself.
    pub count: bool,
    /// Compile the functions to native code (the compiler engine) besides describing
    /// them for the interpreter.
    pub native: bool,
    /// The WebAssembly features modules may use.
    pub features: crate::features::CoreFeatures,
}
