//! One struct per view; each draws from the [`AppState`](crate::state::AppState) and the
//! [`Session`](crate::session::Session) it is given and keeps only its own UI state
//! (text fields, scroll targets).

pub mod calllog;
pub mod code;
pub mod console;
pub mod controls;
pub mod memory;
pub mod module;
pub mod modules;
pub mod open;
pub mod source;
pub mod stack;
pub mod tables;
pub mod traps;

/// A function name as people wrote it: Rust symbols demangled (without their hash),
/// anything else unchanged.
pub fn demangle(name: &str) -> String {
    format!("{:#}", rustc_demangle::demangle(name))
}
