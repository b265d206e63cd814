//! Breakpoints: every breakpoint set in the Source view (by line) and the Code view (by
//! instruction), each with a checkbox to enable or disable it, Go to (the Source or
//! Code view shows it), Remove, and its condition (an expression that must hold), hit
//! condition (`5`, `>=5`, `%5`) and log message (a logpoint prints `{expr}` values to
//! the Console and goes on), edited in place; how many times it was hit. Remove all.
//! The list is the module's one breakpoint set, shared with the running session.

use std::collections::HashMap;

use crate::session::Session;
use crate::state::{AppState, Breakpoint};
use wasmscope_listeners::breakpoints::HitCondition;

/// The Breakpoints view.
#[derive(Debug, Default)]
pub struct BreakpointsView {
    /// The text of each breakpoint's fields as typed: condition, hit condition, log
    /// message (by breakpoint number).
    edits: HashMap<u32, [String; 3]>,
    /// Why the last edit was refused, by breakpoint number.
    errors: HashMap<u32, String>,
    /// The breakpoint whose fields the Source view asked to edit (shown first).
    pub focus: Option<u32>,
}

/// How a breakpoint is listed: `file:line`, or `0xOFFSET  instruction`.
pub fn breakpoint_label(state: &AppState, bp: &Breakpoint) -> String {
    match bp {
        Breakpoint::Line { file, line } => format!("{file}:{line}"),
        Breakpoint::Function(name) => name.clone(),
        Breakpoint::Offset(o) => {
            let text = state
                .module
                .as_ref()
                .and_then(|m| m.line(m.line_of_offset(*o)?))
                .map(|l| l.text.trim().to_string())
                .unwrap_or_default();
            format!("0x{o:x}  {text}")
        }
    }
}

/// The labels of a breakpoint's fields: its condition, hit condition and log message.
pub const FIELDS: [&str; 3] = ["if", "hits", "log"];

/// What a breakpoint's field is, in words: `condition of LABEL`, `hit condition of
/// LABEL`, `log message of LABEL`.
pub fn field_name(field: usize, label: &str) -> String {
    let what = ["condition", "hit condition", "log message"][field.min(2)];
    format!("{what} of {label}")
}

impl BreakpointsView {
    /// Draws the view; returns the breakpoint whose Go to was clicked.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        state: &mut AppState,
        session: &mut Session,
    ) -> Option<Breakpoint> {
        let _ = session;
        let mut list = state.breakpoints.list();
        if list.is_empty() {
            ui.label(
                "no breakpoints: click a line number in Source or an offset in Code to set one",
            );
            return None;
        }
        if let Some(f) = self.focus {
            if let Some(k) = list.iter().position(|b| b.id == f) {
                let b = list.remove(k);
                list.insert(0, b);
            }
        }
        let mut go_to = None;
        ui.horizontal(|ui| {
            let enabled = list.iter().filter(|b| b.enabled).count();
            ui.label(format!("{} breakpoints, {enabled} enabled", list.len()));
            if ui.button("Remove all").clicked() {
                state.breakpoints.clear();
                self.edits.clear();
            }
        });
        egui::ScrollArea::vertical()
            .id_salt("breakpoints")
            .auto_shrink([false, false])
            .show(ui, |ui| {
                egui::Grid::new("breakpoints_grid")
                    .striped(true)
                    .show(ui, |ui| {
                        for b in &list {
                            let label = breakpoint_label(state, &b.location);
                            let mut on = b.enabled;
                            if ui
                                .checkbox(&mut on, egui::RichText::new(&label).monospace())
                                .on_hover_text("enabled: the call stops here")
                                .changed()
                            {
                                let _ = state.breakpoints.set_enabled(b.id, on);
                            }
                            if ui
                                .small_button("Go to")
                                .on_hover_text(format!("show {label}"))
                                .clicked()
                            {
                                go_to = Some(b.location.clone());
                            }
                            if ui
                                .small_button("Remove")
                                .on_hover_text(format!("remove {label}"))
                                .clicked()
                            {
                                state.breakpoints.remove(b.id);
                                self.edits.remove(&b.id);
                            }
                            let fields = self.edits.entry(b.id).or_insert_with(|| {
                                [
                                    b.condition.clone().unwrap_or_default(),
                                    b.hit_condition.map(|h| h.to_string()).unwrap_or_default(),
                                    b.log_message.clone().unwrap_or_default(),
                                ]
                            });
                            let hints = ["i == 2", ">=3", "i = {i}"];
                            let mut edited = None;
                            ui.horizontal(|ui| {
                                for (k, field) in fields.iter_mut().enumerate() {
                                    let name = ui.weak(FIELDS[k]);
                                    let r = ui
                                        .add(
                                            egui::TextEdit::singleline(field)
                                                .hint_text(hints[k])
                                                .desired_width(if k == 1 { 50.0 } else { 130.0 }),
                                        )
                                        .labelled_by(name.id)
                                        .on_hover_text(field_name(k, &label));
                                    if r.changed() {
                                        edited = Some(k);
                                    }
                                }
                            });
                            if let Some(k) = edited {
                                let text = fields[k].trim().to_string();
                                let set = &state.breakpoints;
                                let result = match k {
                                    0 => set.set_condition(b.id, Some(&text)),
                                    1 if text.is_empty() => set.set_hit_condition(b.id, None),
                                    1 => HitCondition::parse(&text)
                                        .and_then(|h| set.set_hit_condition(b.id, Some(h))),
                                    _ => set.set_log_message(b.id, Some(&text)),
                                };
                                match result {
                                    Ok(()) => {
                                        self.errors.remove(&b.id);
                                    }
                                    Err(e) => {
                                        self.errors.insert(b.id, e);
                                    }
                                }
                            }
                            let kind = if b.log_message.is_some() {
                                "logpoint"
                            } else {
                                "breakpoint"
                            };
                            match self.errors.get(&b.id) {
                                Some(e) => {
                                    ui.colored_label(ui.visuals().error_fg_color, e);
                                }
                                None => {
                                    ui.weak(format!("{kind}, hit {} times", b.hits));
                                }
                            }
                            ui.end_row();
                        }
                    });
            });
        go_to
    }
}
