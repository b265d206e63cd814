//! Controls: start an export, continue, step, close with an exit code.

use crate::session::{RunState, Session};
use crate::state::AppState;

/// The Controls view.
#[derive(Debug)]
pub struct ControlsView {
    /// The export to start.
    pub export: String,
    /// The call's parameters, whitespace-separated integers.
    pub params: String,
    /// The exit code for "Close".
    pub exit_code: u32,
}

/// Parses whitespace-separated integers (decimal, or hex with `0x`; negative ones as two's
/// complement) into raw value slots.
pub fn parse_params(text: &str) -> Result<Vec<u64>, String> {
    text.split_whitespace()
        .map(|t| {
            let (neg, digits) = match t.strip_prefix('-') {
                Some(d) => (true, d),
                None => (false, t),
            };
            let v = match digits.strip_prefix("0x") {
                Some(h) => u64::from_str_radix(h, 16),
                None => digits.parse::<u64>(),
            }
            .map_err(|_| format!("parameter {t:?} is not a number"))?;
            Ok(if neg { v.wrapping_neg() } else { v })
        })
        .collect()
}

impl Default for ControlsView {
    fn default() -> Self {
        ControlsView {
            export: "_start".into(),
            params: String::new(),
            exit_code: 1,
        }
    }
}

/// A one-line description of where the call stands.
pub fn describe(state: &RunState) -> String {
    match state {
        RunState::NotStarted => "not started".into(),
        RunState::Paused {
            code_offset: None, ..
        } => "paused at entry".into(),
        RunState::Paused {
            code_offset: Some(o),
            source,
        } => match source {
            Some(s) => format!("paused at 0x{o:x} ({s})"),
            None => format!("paused at 0x{o:x}"),
        },
        RunState::Finished(r) => format!("finished: {r:?}"),
        RunState::Trapped { message, .. } => {
            format!("trapped: {}", message.lines().next().unwrap_or(""))
        }
        RunState::Exited(c) => format!("exited with code {c}"),
    }
}

impl ControlsView {
    /// Draws the view.
    pub fn ui(&mut self, ui: &mut egui::Ui, state: &AppState, session: &mut Session) -> bool {
        let mut start = false;
        ui.horizontal_wrapped(|ui| {
            ui.strong("Run");
            let Some(_) = &state.module else {
                ui.label("open a module first");
                return;
            };
            let label = ui.label("Export:");
            ui.add(egui::TextEdit::singleline(&mut self.export).desired_width(110.0))
                .labelled_by(label.id);
            let label = ui.label("Params:");
            ui.add(egui::TextEdit::singleline(&mut self.params).desired_width(80.0))
                .labelled_by(label.id);
            start = ui.button("Start").clicked();
            let running = session.is_running();
            // While Continue runs in slices the call is between slices: no stepping.
            let paused = session.is_paused() && !running;
            if ui
                .add_enabled(paused, egui::Button::new("Continue"))
                .clicked()
            {
                session.continue_running();
                session.tick();
            }
            if ui
                .add_enabled(running, egui::Button::new("Pause"))
                .clicked()
            {
                session.pause();
            }
            if ui
                .add_enabled(paused, egui::Button::new("Step into"))
                .clicked()
            {
                session.step_into();
            }
            if ui
                .add_enabled(paused, egui::Button::new("Step over"))
                .clicked()
            {
                session.step_over();
            }
            if ui
                .add_enabled(paused, egui::Button::new("Step out"))
                .clicked()
            {
                session.step_out();
            }
            if ui
                .add_enabled(paused, egui::Button::new("Close with exit code"))
                .clicked()
            {
                session.close(self.exit_code);
            }
            let label = ui.label("code:");
            ui.add(egui::DragValue::new(&mut self.exit_code).range(0..=255))
                .labelled_by(label.id);
            ui.separator();
            ui.label(describe(session.state()));
        });
        start
    }
}
