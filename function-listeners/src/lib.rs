//! # wasmscope-listeners
//!
//! Function listeners for the `wasmscope` runtime, built only on its public listener API
//! ([`wasmscope::listener`]).
//!
//! - [`logging`]: every call as a line in wazero's logging format.
//!
//! Planned (see the project's issues): call tracer, profiler, stepper.

#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod logging;
pub mod values;
