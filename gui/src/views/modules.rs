//! Modules: every module in the session's runtime (host modules too), each with
//! "Close NAME with exit code N" (N: the exit-code field of the Controls bar, the only
//! one); the close notifier's events, and what the caller of the debugged call saw.

use crate::session::Session;

/// The Modules view.
#[derive(Debug, Default)]
pub struct ModulesView;

impl ModulesView {
    /// Draws the view; the close buttons use `exit_code` (the Controls' field).
    pub fn ui(&mut self, ui: &mut egui::Ui, session: &mut Session, exit_code: u32) {
        let rows = session.modules();
        if rows.is_empty() {
            ui.label("no runtime yet (start the module)");
            return;
        }
        ui.weak("the exit code is set next to \"Close with exit code\" in the Controls bar");
        let mut close = None;
        egui::Grid::new("modules_grid")
            .striped(true)
            .show(ui, |ui| {
                ui.strong("module");
                ui.strong("state");
                ui.strong("");
                ui.end_row();
                for r in &rows {
                    let mut name = r.name.clone();
                    if r.debugged {
                        name.push_str(" (debugged)");
                    }
                    ui.monospace(name);
                    match r.closed {
                        Some(c) => ui.label(format!("closed, exit code {c}")),
                        None => ui.label("open"),
                    };
                    let label = format!("Close {} with exit code {exit_code}", r.name);
                    if ui
                        .add_enabled(r.closed.is_none(), egui::Button::new(label))
                        .clicked()
                    {
                        close = Some(r.name.clone());
                    }
                    ui.end_row();
                }
            });
        if let Some(name) = close {
            session.close_module(&name, exit_code);
        }
        ui.separator();
        let events = session.close_events();
        if events.is_empty() {
            ui.label("close events: none yet");
        }
        for (m, c) in events {
            ui.monospace(format!(
                "close event: module[{m}] closed with exit code {c}"
            ));
        }
        if let Some(o) = session.outcome() {
            ui.monospace(format!("caller: {o}"));
        }
    }
}
