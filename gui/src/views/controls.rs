//! Run controls: pick an export (or `_start`), its arguments, the WASI arguments,
//! environment and stdin; Run, Start (paused at entry), Continue, Pause, Step into /
//! over / out at instruction and call level, Run to cursor, Restart, Close with an exit
//! code, Pause on trap; the status line. Chrome DevTools' keys work too: F8 continue or
//! pause, F10 step over, F11 step into, Shift+F11 step out ([`SHORTCUTS`]).

use egui::{Key, KeyboardShortcut, Modifiers};
use wasmscope::UnknownImports;
use wasmscope_listeners::stepper::Op;

use crate::session::{RunOptions, RunState, Session, Tone};
use crate::state::AppState;

/// F8: Continue, or Pause while an operation runs.
pub const CONTINUE_OR_PAUSE: KeyboardShortcut = KeyboardShortcut::new(Modifiers::NONE, Key::F8);
/// F10: Step over.
pub const STEP_OVER: KeyboardShortcut = KeyboardShortcut::new(Modifiers::NONE, Key::F10);
/// F11: Step into.
pub const STEP_INTO: KeyboardShortcut = KeyboardShortcut::new(Modifiers::NONE, Key::F11);
/// Shift+F11: Step out.
pub const STEP_OUT: KeyboardShortcut = KeyboardShortcut::new(Modifiers::SHIFT, Key::F11);
/// Ctrl+F (Cmd+F on a Mac): search in the Code, Source or Call log view.
pub const SEARCH: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::F);

/// Every shortcut with what it does, as the tooltips list them.
pub const SHORTCUTS: &[(KeyboardShortcut, &str)] = &[
    (CONTINUE_OR_PAUSE, "Continue / Pause"),
    (STEP_OVER, "Step over"),
    (STEP_INTO, "Step into"),
    (STEP_OUT, "Step out"),
    (SEARCH, "Search"),
];

/// The colour of a [`Tone`]: red for failures, orange for warnings, green for success,
/// blue while running, amber while paused.
pub fn tone_color(ui: &egui::Ui, tone: Tone) -> egui::Color32 {
    let v = ui.visuals();
    let dark = v.dark_mode;
    match tone {
        Tone::Idle => v.text_color(),
        Tone::Running => {
            if dark {
                egui::Color32::from_rgb(0x6c, 0xb4, 0xff)
            } else {
                egui::Color32::from_rgb(0x0b, 0x5c, 0xc4)
            }
        }
        Tone::Paused => {
            if dark {
                egui::Color32::from_rgb(0xf0, 0xc6, 0x4a)
            } else {
                egui::Color32::from_rgb(0x8a, 0x62, 0x00)
            }
        }
        Tone::Success => {
            if dark {
                egui::Color32::from_rgb(0x6d, 0xd0, 0x7a)
            } else {
                egui::Color32::from_rgb(0x1b, 0x7a, 0x2e)
            }
        }
        Tone::Warning => v.warn_fg_color,
        Tone::Failure => v.error_fg_color,
    }
}

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
    /// Pause on trap (see [`Session::pause_on_trap`]); on by default.
    pub pause_on_trap: bool,
    /// Pause at every throw (see [`Session::set_pause_on_exceptions`]); off by default.
    pub pause_on_exceptions: bool,
    /// Step by instruction even when the module has line information (by default the
    /// steps go by source line there).
    pub by_instruction: bool,
    /// Record runs for time travel (see [`Session::set_time_travel`]); off by default.
    pub record: bool,
}

/// The operation of a step button (and its key): by source line when the module has
/// line information and `by_instruction` is off, else by instruction.
pub fn step_op(kind: wasmscope::LineStep, by_line: bool) -> Op {
    use wasmscope::LineStep;
    match (by_line, kind) {
        (true, k) => Op::Line(k),
        (false, LineStep::Into) => Op::StepInto,
        (false, LineStep::Over) => Op::StepOver,
        (false, LineStep::Out) => Op::StepOut,
    }
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
            pause_on_trap: true,
            pause_on_exceptions: false,
            by_instruction: false,
            record: false,
        }
    }
}

/// A one-line description of where the call stands, from its state alone (the
/// browser's test hooks use it; the status line says more: [`Session::status`]).
pub fn describe(state: &RunState) -> String {
    match state {
        RunState::NotStarted => "not started".into(),
        RunState::Paused {
            code_offset: None, ..
        } => "ready: not entered yet".into(),
        RunState::Paused {
            code_offset: Some(o),
            source,
        } => match source {
            Some(s) => format!("paused at 0x{o:x} ({s})"),
            None => format!("paused at 0x{o:x}"),
        },
        RunState::Finished(r) => crate::session::describe_results(&[], r),
        RunState::Trapped { message, .. } => {
            format!("trapped: {}", message.lines().next().unwrap_or(""))
        }
        RunState::Exited(c) => format!("exited with code {c}"),
    }
}

/// The label of the timeline's position: `instruction 120 of 4000`, and whether it is
/// the past.
pub fn timeline_label(now: u64, present: u64) -> String {
    if now < present {
        format!("instruction {now} of {present} (the past: a replay)")
    } else {
        format!("instruction {now} of {present}")
    }
}

/// `hover (KEY)`: a tooltip naming its keyboard shortcut.
fn with_key(ui: &egui::Ui, hover: &str, key: &KeyboardShortcut) -> String {
    format!("{hover} ({})", ui.ctx().format_shortcut(key))
}

impl ControlsView {
    /// Time travel's row: the steps backwards and the timeline (the recorded run's
    /// instruction counts, its host calls marked, where the call is; click a point to go
    /// there).
    fn timeline_ui(
        &mut self,
        ui: &mut egui::Ui,
        session: &mut Session,
        now: u64,
        present: u64,
        by_line: bool,
    ) {
        use wasmscope_listeners::stepper::Reverse;
        let idle = !session.is_running();
        let mut reverse = None;
        ui.horizontal(|ui| {
            let back = if by_line {
                Reverse::Step
            } else {
                Reverse::Instruction
            };
            for (label, hover, how) in [
                (
                    "Step back",
                    "back to the previous line (or instruction), into calls",
                    back,
                ),
                (
                    "Back over",
                    "back to the previous line of this function",
                    Reverse::Next,
                ),
                (
                    "Back out",
                    "back to where this function was called",
                    Reverse::Finish,
                ),
                (
                    "Back to breakpoint",
                    "back to the last breakpoint hit before this moment",
                    Reverse::Continue,
                ),
            ] {
                if ui
                    .add_enabled(idle && now > 1, egui::Button::new(label))
                    .on_hover_text(hover)
                    .clicked()
                {
                    reverse = Some(how);
                }
            }
            ui.label(timeline_label(now, present));
        });
        if let Some(how) = reverse {
            session.reverse(how);
        }
        // The bar: 1 at the left, the present at the right.
        let width = ui.available_width().clamp(200.0, 1200.0);
        let (rect, response) =
            ui.allocate_exact_size(egui::vec2(width, 14.0), egui::Sense::click());
        let x_of = |count: u64| {
            let t = if present > 1 {
                (count.saturating_sub(1)) as f32 / (present - 1) as f32
            } else {
                1.0
            };
            rect.left() + t.clamp(0.0, 1.0) * rect.width()
        };
        let painter = ui.painter_at(rect);
        let visuals = ui.visuals();
        painter.rect_filled(rect, 2.0, visuals.extreme_bg_color);
        // Calls: short ticks along the bottom, stronger where more calls began.
        let calls = session.call_marks();
        let most = calls.iter().map(|m| m.1).max().unwrap_or(1).max(1);
        for &(mark, n) in &calls {
            let x = x_of(mark);
            let strength = (1.0 + n as f32).ln() / (1.0 + most as f32).ln();
            painter.line_segment(
                [
                    egui::pos2(x, rect.bottom() - 4.0),
                    egui::pos2(x, rect.bottom()),
                ],
                egui::Stroke::new(
                    1.0,
                    visuals
                        .weak_text_color()
                        .gamma_multiply(0.3 + 0.7 * strength),
                ),
            );
        }
        for mark in session.host_call_marks() {
            let x = x_of(mark);
            painter.line_segment(
                [
                    egui::pos2(x, rect.top() + 3.0),
                    egui::pos2(x, rect.bottom() - 3.0),
                ],
                egui::Stroke::new(1.0, visuals.warn_fg_color),
            );
        }
        // Breakpoint stops (taller) and the trap (red, full height).
        for &(mark, trap) in session.stop_marks() {
            let x = x_of(mark);
            let (color, top) = if trap {
                (visuals.error_fg_color, rect.top())
            } else {
                (visuals.text_color(), rect.top() + 1.0)
            };
            painter.line_segment(
                [egui::pos2(x, top), egui::pos2(x, rect.bottom())],
                egui::Stroke::new(2.0, color),
            );
        }
        let x = x_of(now);
        painter.line_segment(
            [egui::pos2(x, rect.top()), egui::pos2(x, rect.bottom())],
            egui::Stroke::new(3.0, visuals.selection.bg_fill),
        );
        let response = response.on_hover_text(
            "the recorded run: calls, host calls, breakpoint stops and the trap marked; \
             click a moment to see the call there",
        );
        if response.clicked() && idle {
            if let Some(p) = response.interact_pointer_pos() {
                let t = ((p.x - rect.left()) / rect.width()).clamp(0.0, 1.0);
                let count = 1 + (t * (present.saturating_sub(1)) as f32).round() as u64;
                session.go_to(count.clamp(1, present));
            }
        }
    }

    /// Draws the view; returns true when the user asked for a (re)start.
    pub fn ui(&mut self, ui: &mut egui::Ui, state: &mut AppState, session: &mut Session) -> bool {
        let mut start = false;
        let mut run = false;
        session.pause_on_trap = self.pause_on_trap;
        if session.pause_on_exceptions() != self.pause_on_exceptions {
            session.set_pause_on_exceptions(self.pause_on_exceptions);
        }
        if session.time_travel() != self.record {
            session.set_time_travel(self.record);
        }
        // Chrome DevTools' keys (Shift+F11 before F11: a shortcut ignores extra Shift).
        let keys = ui.input_mut(|i| {
            let out = i.consume_shortcut(&STEP_OUT);
            [
                i.consume_shortcut(&CONTINUE_OR_PAUSE),
                i.consume_shortcut(&STEP_OVER),
                i.consume_shortcut(&STEP_INTO),
                out,
            ]
        });
        use wasmscope::LineStep;
        let by_line =
            !self.by_instruction && state.module.as_ref().is_some_and(|m| m.debug.is_some());
        if state.module.is_some() {
            let paused = session.is_paused() && !session.is_running();
            match keys {
                [true, ..] if session.is_running() => session.pause(),
                [true, ..] if paused => session.begin(Op::Continue),
                [_, true, ..] if paused => session.begin(step_op(LineStep::Over, by_line)),
                [_, _, true, _] if paused => session.begin(step_op(LineStep::Into, by_line)),
                [.., true] if paused => session.begin(step_op(LineStep::Out, by_line)),
                _ => {}
            }
        }
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
            // Bad parameters are said at the field, as they are typed, not only when a
            // start fails.
            if let Err(e) = parse_params(&self.params) {
                ui.colored_label(ui.visuals().error_fg_color, e);
            }
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
            let has_lines = m.debug.is_some();
            let mut into_library = session.step_into_library;
            let running = session.is_running();
            // While an operation runs in slices the call is between slices: no stepping.
            let paused = session.is_paused() && !running;
            let mut op = |ui: &mut egui::Ui, label: &str, hover: String, op: Op| {
                if ui
                    .add_enabled(paused, egui::Button::new(label))
                    .on_hover_text(hover)
                    .on_disabled_hover_text("start the module first, or Pause")
                    .clicked()
                {
                    session.begin(op);
                }
            };
            op(
                ui,
                "Continue",
                with_key(ui, "to the next breakpoint or the end", &CONTINUE_OR_PAUSE),
                Op::Continue,
            );
            let unit = if by_line { "line" } else { "instruction" };
            op(
                ui,
                "Step into",
                with_key(ui, &format!("one {unit}, entering calls"), &STEP_INTO),
                step_op(LineStep::Into, by_line),
            );
            op(
                ui,
                "Step over",
                with_key(ui, &format!("one {unit}, over calls"), &STEP_OVER),
                step_op(LineStep::Over, by_line),
            );
            op(
                ui,
                "Step out",
                with_key(ui, "to the caller", &STEP_OUT),
                step_op(LineStep::Out, by_line),
            );
            if has_lines {
                ui.checkbox(&mut self.by_instruction, "by instruction")
                    .on_hover_text(
                        "step one Wasm instruction at a time (off: one source line at a time)",
                    );
                ui.checkbox(&mut into_library, "into library code")
                    .on_hover_text(
                        "Step into stops in the standard library and the C runtime too                          (off: their code is stepped over)",
                    );
            }
            op(
                ui,
                "Next call",
                "to the next function entered".into(),
                Op::StepToNextCall,
            );
            op(
                ui,
                "Over call",
                "to the next call at this function's level".into(),
                Op::StepOverCall,
            );
            session.step_into_library = into_library;
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
                .on_hover_text(with_key(
                    ui,
                    "stop the running operation",
                    &CONTINUE_OR_PAUSE,
                ))
                .clicked()
            {
                session.pause();
            }
            ui.separator();
            // The one exit-code field: this button and the Modules view's close buttons
            // use it.
            let close = ui
                .add_enabled(paused, egui::Button::new("Close with exit code"))
                .on_hover_text("end the paused call: its module closes with this exit code");
            if close.clicked() {
                session.close(self.exit_code);
            }
            ui.add(egui::DragValue::new(&mut self.exit_code).range(0..=255))
                .labelled_by(close.id)
                .on_hover_text("the exit code for Close here and in the Modules view");
            ui.separator();
            ui.checkbox(&mut self.pause_on_trap, "Pause on trap")
                .on_hover_text(
                    "after a trap, keep the trapping call's stack, locals and memory \
                     inspectable until Restart",
                );
            ui.checkbox(&mut self.pause_on_exceptions, "Pause on exceptions")
                .on_hover_text(
                    "stop at every throw of an exception, caught or not, before its \
                     handler runs: the status line names its tag and payload",
                );
            ui.checkbox(&mut self.record, "Record")
                .on_hover_text(
                    "record the next runs (time travel): every instruction counted and \
                     every host call's results kept, so that the call can step backwards \
                     and its timeline shows every moment (slower: all code runs its \
                     debug variant)",
                );
        });
        if let Some((now, present)) = session.timeline().filter(|_| session.is_recorded()) {
            let by_line =
                state.module.as_ref().is_some_and(|m| m.debug.is_some()) && !self.by_instruction;
            self.timeline_ui(ui, session, now, present, by_line);
        }
        let status = session.status();
        ui.horizontal(|ui| {
            let color = tone_color(ui, status.tone);
            ui.label(egui::RichText::new("●").monospace().color(color));
            ui.add(
                egui::Label::new(egui::RichText::new(&status.text).color(color).strong())
                    .truncate(),
            )
            .on_hover_text(&status.text);
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
