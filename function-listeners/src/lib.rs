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
//!
//! Planned (see the project's issues): the stepper.

#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod logging;
pub mod multi;
pub mod profiler;
pub mod stepper;
pub mod tracer;
pub mod values;
