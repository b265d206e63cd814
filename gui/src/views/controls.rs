//! Run controls: pick an export (or `_start`), its arguments, the WASI arguments,
//! environment and stdin; Run, Start (paused at entry), Continue, Pause, Step into /
//! over / out at instruction and call level, Run to cursor, Restart, Close with an exit
//! code.

use wasmscope::UnknownImports;
use wasmscope_listeners::stepper::Op;

use crate::session::{RunOptions, RunState, Session};
use crate::state::AppState;

/// The Controls view.
#[derive(Debug)]
pub struct ControlsView {
    /// The export to start.
    pub export: String,
    /// The call's parameters, whitespace-separated integers.
    pub params: String,
    /// WASI arguments, environment, stdin, call log.
    pub options: RunOptions,
    /// The exit code for "Close".
    pub exit_code: u32,
    /// Whether the WASI fields are shown.
    pub show_wasi: bool,
    /// "Run" was clicked: after the start, continue at once.
    pub pending_run: bool,
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
            options: RunOptions {
                call_log: true,
                ..RunOptions::default()
            },
            exit_code: 1,
            show_wasi: false,
            pending_run: false,
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
    /// Draws the view; returns true when the user asked for a (re)start.
    pub fn ui(&mut self, ui: &mut egui::Ui, state: &mut AppState, session: &mut Session) -> bool {
        let mut start = false;
        let mut run = false;
        ui.horizontal_wrapped(|ui| {
            ui.strong("Controls");
            let Some(m) = &state.module else {
                ui.label("open a module first");
                return;
            };
            let label = ui.label("Export:");
            egui::ComboBox::from_id_salt("export")
                .selected_text(self.export.clone())
                .show_ui(ui, |ui| {
                    for e in &m.exports {
                        ui.selectable_value(&mut self.export, e.clone(), e);
                    }
                })
                .response
                .labelled_by(label.id);
            let label = ui.label("Params:");
            ui.add(egui::TextEdit::singleline(&mut self.params).desired_width(70.0))
                .labelled_by(label.id);
            ui.toggle_value(&mut self.show_wasi, "WASI…");
            run = ui
                .button("Run")
                .on_hover_text("start and run to a breakpoint or the end")
                .clicked();
            start = ui
                .button("Start")
                .on_hover_text("start paused at the entry")
                .clicked();
            // Restart needs a run that started (a failed start has nothing to repeat).
            if ui
                .add_enabled(session.stepper().is_some(), egui::Button::new("Restart"))
                .on_hover_text("start again with the same settings")
                .clicked()
            {
                start = true;
            }
            let running = session.is_running();
            // While an operation runs in slices the call is between slices: no stepping.
            let paused = session.is_paused() && !running;
            let mut op = |ui: &mut egui::Ui, label: &str, hover: &str, op: Op| {
                if ui
                    .add_enabled(paused, egui::Button::new(label))
                    .on_hover_text(hover)
                    .clicked()
                {
                    session.begin(op);
                }
            };
            op(
                ui,
                "Continue",
                "to the next breakpoint or the end",
                Op::Continue,
            );
            op(
                ui,
                "Step into",
                "one instruction, entering calls",
                Op::StepInto,
            );
            op(ui, "Step over", "one instruction, over calls", Op::StepOver);
            op(ui, "Step out", "to the caller", Op::StepOut);
            op(
                ui,
                "Next call",
                "to the next function entered",
                Op::StepToNextCall,
            );
            op(
                ui,
                "Over call",
                "to the next call at this function's level",
                Op::StepOverCall,
            );
            let cursor = state.selection.code_offset;
            if ui
                .add_enabled(
                    paused && cursor.is_some(),
                    egui::Button::new("Run to cursor"),
                )
                .on_hover_text("to the selected instruction (click a line in Code or Source)")
                .clicked()
            {
                if let Some(o) = cursor {
                    session.begin(Op::RunTo(o));
                }
            }
            if ui
                .add_enabled(running, egui::Button::new("Pause"))
                .clicked()
            {
                session.pause();
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
        if let Some(m) = state
            .module
            .as_ref()
            .filter(|m| !m.unknown_imports.is_empty())
        {
            ui.horizontal_wrapped(|ui| {
                let n = m.unknown_imports.len();
                ui.label(format!(
                    "{n} import{} no module provides, linked to stubs that",
                    if n == 1 { "" } else { "s" }
                ))
                .on_hover_text(m.unknown_imports.join("\n"));
                ui.radio_value(&mut self.options.stubs, UnknownImports::Trap, "trap")
                    .on_hover_text("a call to one ends the run as a trap naming the import");
                ui.radio_value(
                    &mut self.options.stubs,
                    UnknownImports::Default,
                    "return zeros",
                )
                .on_hover_text("a call to one returns zero for every result");
                ui.label("when called:");
                let shown = 3;
                let mut names = m
                    .unknown_imports
                    .iter()
                    .take(shown)
                    .map(|s| s.split(' ').next().unwrap_or(s))
                    .collect::<Vec<_>>()
                    .join(", ");
                if n > shown {
                    names += &format!(" and {} more", n - shown);
                }
                ui.weak(names).on_hover_text(m.unknown_imports.join("\n"));
            });
        }
        if self.show_wasi && state.module.is_some() {
            ui.horizontal(|ui| {
                let label = ui.label("Args:");
                ui.add(egui::TextEdit::singleline(&mut self.options.args).desired_width(160.0))
                    .labelled_by(label.id);
                let label = ui.label("Env (K=V …):");
                ui.add(egui::TextEdit::singleline(&mut self.options.env).desired_width(160.0))
                    .labelled_by(label.id);
                let label = ui.label("Stdin:");
                ui.add(
                    egui::TextEdit::multiline(&mut self.options.stdin)
                        .desired_rows(1)
                        .desired_width(200.0),
                )
                .labelled_by(label.id);
                ui.checkbox(&mut self.options.call_log, "Call log");
                ui.label("engine: interpreter");
            });
        }
        if run {
            self.pending_run = true;
            return true;
        }
        start
    }
}
