//! Call log: every call of the session in wazero's logging format (`==> f(…)` /
//! `<== …`), WASI calls with their decoded arguments; a search bar.

use crate::session::Session;

/// The Call log view.
#[derive(Debug, Default)]
pub struct CallLogView {
    /// Its search bar (Ctrl+F with the pointer over the log).
    pub search: super::search::Search,
}

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
        let go = self
            .search
            .ui(ui, "call log", &super::search::Lines(&lines));
        let mut area = egui::ScrollArea::both()
            .id_salt("call_log")
            .auto_shrink([false, false])
            // Follows new calls, unless a search took the view elsewhere.
            .stick_to_bottom(self.search.current.is_none());
        if let Some(row) = go {
            area = super::scroll_to_row(ui, area, row, row_height);
        }
        let hit = self.search.current;
        let highlight = super::search::Search::highlight(ui);
        area.show_rows(ui, row_height, lines.len(), |ui, rows| {
            for i in rows {
                let mut t = egui::RichText::new(lines[i]).monospace();
                if Some(i) == hit {
                    t = t.background_color(highlight);
                }
                ui.label(t);
            }
        });
    }
}
