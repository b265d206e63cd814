//! Console: the guest's stdout and stderr, what logpoints printed (and errors in
//! breakpoint conditions), and the last trap or exit with its trace.

use crate::session::Session;

/// The Console view.
#[derive(Debug, Default)]
pub struct ConsoleView;

impl ConsoleView {
    /// Draws the view.
    pub fn ui(&mut self, ui: &mut egui::Ui, session: &Session) {
        ui.heading("Console");
        egui::ScrollArea::vertical()
            .id_salt("console")
            .auto_shrink([false, false])
            .stick_to_bottom(true)
            .show(ui, |ui| {
                let out = session.stdout.text();
                let err = session.stderr.text();
                if !out.is_empty() {
                    ui.monospace(out.trim_end());
                }
                if !session.debug_log.is_empty() {
                    let color = ui.visuals().hyperlink_color;
                    for line in &session.debug_log {
                        ui.colored_label(
                            color,
                            egui::RichText::new(format!("logpoint: {line}")).monospace(),
                        );
                    }
                }
                if !err.is_empty() {
                    ui.colored_label(
                        ui.visuals().warn_fg_color,
                        egui::RichText::new(err.trim_end()).monospace(),
                    );
                }
                if let Some(m) = session.message() {
                    // Green for a finished run or exit code 0, red for a trap.
                    let color = super::controls::tone_color(ui, session.message_tone());
                    ui.colored_label(color, egui::RichText::new(m).monospace());
                }
            });
    }
}
