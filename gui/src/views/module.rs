//! Module: the section table (id, name, offset, size).

use crate::state::AppState;

/// The Module view.
#[derive(Debug, Default)]
pub struct ModuleView;

impl ModuleView {
    /// Draws the view.
    pub fn ui(&mut self, ui: &mut egui::Ui, state: &AppState) {
        ui.heading("Module");
        let Some(m) = &state.module else {
            ui.label("no module loaded");
            return;
        };
        ui.label(format!("{}: {} bytes", m.name, m.bytes.len()));
        egui::ScrollArea::vertical()
            .id_salt("sections")
            .show(ui, |ui| {
                egui::Grid::new("sections_grid")
                    .striped(true)
                    .show(ui, |ui| {
                        ui.strong("id");
                        ui.strong("section");
                        ui.strong("offset");
                        ui.strong("size");
                        ui.end_row();
                        for s in &m.sections {
                            ui.monospace(s.id.to_string());
                            ui.label(&s.name);
                            ui.monospace(format!("0x{:x}", s.offset));
                            ui.monospace(s.size.to_string());
                            ui.end_row();
                        }
                    });
                if !m.exports.is_empty() {
                    ui.separator();
                    ui.label(format!("exported functions: {}", m.exports.join(", ")));
                }
            });
    }
}
