//! One struct per view; each draws from the [`AppState`](crate::state::AppState) and the
//! [`Session`](crate::session::Session) it is given and keeps only its own UI state
//! (text fields, scroll targets).

pub mod code;
pub mod console;
pub mod controls;
pub mod memory;
pub mod module;
pub mod open;
pub mod stack;

/// Formats a raw value slot the way the Stack view shows it.
pub(crate) fn slot(v: u64) -> String {
    format!("0x{v:x}")
}
