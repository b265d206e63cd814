//! Call log: every call of the session in wazero's logging format (`==> f(…)` /
//! `<== …`), WASI calls with their decoded arguments.

use crate::session::Session;

/// The Call log view.
#[derive(Debug, Default)]
pub struct CallLogView;

impl CallLogView {
    /// Draws the view.
    pub fn ui(&mut self, ui: &mut egui::Ui, session: &Session) {
        if session.call_log.is_empty() {
            ui.label("no calls logged yet (the log is on unless unchecked under WASI…)");
            return;
        }
        let text = session.call_log.text();
        let lines: Vec<&str> = text.lines().collect();
        let row_height = ui.text_style_height(&egui::TextStyle::Monospace);
        egui::ScrollArea::both()
            .id_salt("call_log")
            .auto_shrink([false, false])
            .stick_to_bottom(true)
            .show_rows(ui, row_height, lines.len(), |ui, rows| {
                for i in rows {
                    ui.monospace(lines[i]);
                }
            });
    }
}
