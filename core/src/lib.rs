//! # wasmscope
//!
//! A WebAssembly runtime modelled on Go's [wazero]: a [`Runtime`] compiles modules into
//! [`CompiledModule`]s, instantiates them as [`Module`]s that link to each other by name,
//! and closes them with exit codes. Code runs on a portable interpreter that keeps its
//! whole state on the heap, so that it can also be the engine of a debugger, or
//! compiled to native code with Cranelift (the compiler engine, the default where it
//! runs: [`RuntimeConfig::new`]).
//!
//! [`wasi::instantiate`] adds WASI preview1 (`wasi_snapshot_preview1` and
//! `wasi_unstable`); each module's arguments, environment, standard streams, clocks and
//! mounted file systems come from its [`ModuleConfig`] and [`FsConfig`].
//!
//! What this crate is not: a component model runtime.
//!
//! Values travel through the API as `u64` slots: `i32` zero-extended, floats as their
//! IEEE-754 bits, references as opaque handles where 0 is null.
//!
//! ```
//! use wasmscope::Runtime;
//! # fn main() -> Result<(), wasmscope::Error> {
//! let wasm = wat::parse_str(r#"(module
//!     (func $fac (export "fac") (param i64) (result i64)
//!         local.get 0 i64.eqz
//!         if (result i64) i64.const 1
//!         else local.get 0 local.get 0 i64.const 1 i64.sub call $fac i64.mul end))"#).unwrap();
//! let rt = Runtime::new();
//! let module = rt.instantiate(&wasm)?;
//! let fac = module.typed_function::<i64, i64>("fac")?;
//! assert_eq!(fac.call(20)?, 2432902008176640000);
//! # Ok(()) }
//! ```
//!
//! [wazero]: https://wazero.io

#![warn(missing_docs)]
#![deny(unsafe_code)]

mod cache;
mod compiled;
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
mod compiler;
mod config;
pub mod dwarf;
mod error;
mod execution;
mod expr;
mod features;
mod gctypes;
mod handles;
mod heap;
mod host;
mod input;
pub mod inspect;
mod instantiate;
mod interp;
mod linear;
pub mod listener;
pub mod machine;
mod module;
mod names;
mod options;
mod rt;
mod runtime;
mod source;
mod store;
mod stubs;
mod types;
mod values;
pub mod variables;
pub mod wasi;

pub use cache::{CacheStats, CompilationCache};
pub use compiled::{CompiledModule, MemoryDefinition};
pub use config::{
    CompilationMode, EngineKind, FsConfig, ModuleConfig, RuntimeConfig, MAX_MEMORY_PAGES,
};
pub use error::{
    Error, ErrorKind, MemoryAccess, Result, TraceFrame, TrapCode, EXIT_CODE_CANCELED,
    EXIT_CODE_DEADLINE_EXCEEDED,
};
pub use execution::{
    BreakpointFilter, CheckpointStats, Execution, ExecutionState, HostCall, HostCallFilter,
    HostCallPhase, LineStep, Position, Recording, StepMode, ThrownException, WatchKind,
    WatchpointHit, DEFAULT_CHECKPOINT_INTERVAL,
};
pub use features::CoreFeatures;
pub use handles::{
    Function, Global, InterruptHandle, Memory, Module, Table, TableElement, TypedFunction,
};
pub use host::{
    Caller, HostFunctionBuilder, HostModuleBuilder, HostResults, IntoHostFunc, IntoSlots,
    WithCaller,
};
pub use input::module_bytes;
pub use names::{demangle, demangle_signature};
pub use runtime::{GcObject, HeapStats, Runtime};
pub use stubs::UnknownImports;
pub use types::{
    FuncType, FunctionDefinition, GlobalType, Limits, MemoryType, TableType, ValueType,
};
pub use values::{GcRef, Value, WasmParams, WasmResults, WasmValue};
pub use wasi::MemFs;

/// Whether the compiler engine's code takes its traps by signal in this process (Linux
/// on x86-64, unless the environment sets `WASMSCOPE_EXPLICIT_TRAPS=1`), rather than by
/// explicit checks: code compiled for listeners checks explicitly either way. For tests
/// and benchmarks; both ways give the same results, traps and traces.
#[doc(hidden)]
pub fn compiler_traps_by_signal() -> bool {
    #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
    return compiler::signals::enabled();
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    false
}
