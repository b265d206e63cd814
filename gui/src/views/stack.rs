//! Stack: the paused call's frames, innermost first, with locals and operands.

use super::slot;
use crate::session::Session;

/// The Stack view.
#[derive(Debug, Default)]
pub struct StackView;

fn values(v: &[u64]) -> String {
    if v.is_empty() {
        "(none)".into()
    } else {
        v.iter().map(|x| slot(*x)).collect::<Vec<_>>().join(", ")
    }
}

impl StackView {
    /// Draws the view.
    pub fn ui(&mut self, ui: &mut egui::Ui, session: &Session) {
        ui.heading("Stack");
        let frames = session.stack();
        if frames.is_empty() {
            ui.label("no paused call");
            return;
        }
        egui::ScrollArea::both()
            .id_salt("stack")
            .max_height(ui.available_height() * 0.5)
            .show(ui, |ui| {
                for (i, (name, locals, operands)) in frames.iter().enumerate() {
                    egui::CollapsingHeader::new(format!("#{i} {name}"))
                        .default_open(i == 0)
                        .show(ui, |ui| {
                            ui.monospace(format!("locals:   {}", values(locals)));
                            ui.monospace(format!("operands: {}", values(operands)));
                        });
                }
            });
    }
}
