//! One struct per view; each draws from the [`AppState`](crate::state::AppState) and the
//! [`Session`](crate::session::Session) it is given and keeps only its own UI state
//! (text fields, scroll targets).

pub mod breakpoints;
pub mod calllog;
pub mod catch;
pub mod code;
pub mod console;
pub mod controls;
pub mod machine;
pub mod memory;
pub mod module;
pub mod modules;
pub mod open;
pub mod search;
pub mod source;
pub mod stack;
pub mod tables;
pub mod traps;
pub mod watch;

/// `area` scrolled so that row `row` (0-based, rows of `row_height`) shows with some
/// context above it (a third of the rows that fit, at most 8): how Code and Source
/// follow the paused instruction, the selection and search matches.
pub(crate) fn scroll_to_row(
    ui: &egui::Ui,
    area: egui::ScrollArea,
    row: usize,
    row_height: f32,
) -> egui::ScrollArea {
    let spacing = ui.spacing().item_spacing.y;
    let fit = ui.available_height() / (row_height + spacing);
    let context = (fit / 3.0).clamp(0.0, 8.0).floor();
    area.vertical_scroll_offset((row as f32 - context).max(0.0) * (row_height + spacing))
}
