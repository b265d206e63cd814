//! One struct per view; each draws from the [`AppState`](crate::state::AppState) and the
//! [`Session`](crate::session::Session) it is given and keeps only its own UI state
//! (text fields, scroll targets).

pub mod breakpoints;
pub mod calllog;
pub mod code;
pub mod console;
pub mod controls;
pub mod memory;
pub mod module;
pub mod modules;
pub mod open;
pub mod search;
pub mod source;
pub mod stack;
pub mod tables;
pub mod traps;

/// `area` scrolled so that row `row` (0-based, rows of `row_height`) shows with some
/// context above it: how Code and Source follow the paused instruction and the selection.
pub(crate) fn scroll_to_row(
    ui: &egui::Ui,
    area: egui::ScrollArea,
    row: usize,
    row_height: f32,
) -> egui::ScrollArea {
    let spacing = ui.spacing().item_spacing.y;
    area.vertical_scroll_offset((row as f32 - 8.0).max(0.0) * (row_height + spacing))
}
