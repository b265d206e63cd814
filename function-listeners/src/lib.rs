//! # wasmscope-listeners
//!
//! Function listeners for the `wasmscope` runtime, built only on its public listener API
//! ([`wasmscope::listener`]).
//!
//! - [`logging`]: every call as a line in wazero's logging format.
//! - [`tracer`]: a tree of calls with parameters, results, durations and outcomes.
//! - [`profiler`]: calls, self and total time per function; folded stacks for flame graphs.
//! - [`multi`]: several factories as one (a runtime takes a single factory).
//! - [`values`]: values, parameters and results formatted as wazero's logs show them.
//! - [`stepper`]: a stepping debugger session on one module (breakpoints, steps by line
//!   and instruction into, over and out, source variables and expressions), on the
//!   runtime's resumable calls; the workbench and `wasmscope debug` drive it.
//! - [`breakpoints`]: breakpoints with conditions, hit counts and log messages.
//!
//! The logging listener and the profiler print function names as the module has them
//! (wazero's output) unless asked for demangled names (`with_demangled_names`), as the
//! `wasmscope` command line does.

#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod breakpoints;
pub mod logging;
pub mod multi;
pub mod profiler;
pub mod stepper;
pub mod tracer;
pub mod values;
pub mod wasi_log;

/// The name listeners print for a function: `module.function` or `module.$index`
/// ([`wasmscope::FunctionDefinition::debug_name`]), the function's name
/// [demangled](wasmscope::demangle) if `demangle`.
fn function_name(definition: &wasmscope::FunctionDefinition, demangle: bool) -> String {
    match definition.name() {
        Some(name) if demangle => {
            format!("{}.{}", definition.module_name(), wasmscope::demangle(name))
        }
        _ => definition.debug_name(),
    }
}
