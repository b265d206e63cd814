//! Breakpoints: every breakpoint set in the Source view (by line) and the Code view (by
//! instruction), each with a checkbox to enable or disable it, Go to (the Source or
//! Code view shows it) and Remove; Remove all.

use crate::session::Session;
use crate::state::{AppState, Breakpoint};

/// The Breakpoints view.
#[derive(Debug, Default)]
pub struct BreakpointsView;

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

impl BreakpointsView {
    /// Draws the view; returns the breakpoint whose Go to was clicked.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        state: &mut AppState,
        session: &mut Session,
    ) -> Option<Breakpoint> {
        let list = state.breakpoint_list();
        if list.is_empty() {
            ui.label(
                "no breakpoints: click a line number in Source or an offset in Code to set one",
            );
            return None;
        }
        let mut go_to = None;
        let mut changed = false;
        ui.horizontal(|ui| {
            let enabled = list.iter().filter(|b| state.is_enabled(b)).count();
            ui.label(format!("{} breakpoints, {enabled} enabled", list.len()));
            if ui.button("Remove all").clicked() {
                for bp in &list {
                    state.remove_breakpoint(bp);
                }
                changed = true;
            }
        });
        egui::ScrollArea::vertical()
            .id_salt("breakpoints")
            .auto_shrink([false, false])
            .show(ui, |ui| {
                egui::Grid::new("breakpoints_grid")
                    .striped(true)
                    .show(ui, |ui| {
                        for bp in &list {
                            let mut on = state.is_enabled(bp);
                            let label = breakpoint_label(state, bp);
                            if ui
                                .checkbox(&mut on, egui::RichText::new(&label).monospace())
                                .on_hover_text("enabled: the call stops here")
                                .changed()
                            {
                                state.set_enabled(bp, on);
                                changed = true;
                            }
                            if ui
                                .small_button("Go to")
                                .on_hover_text(format!("show {label}"))
                                .clicked()
                            {
                                go_to = Some(bp.clone());
                            }
                            if ui
                                .small_button("Remove")
                                .on_hover_text(format!("remove {label}"))
                                .clicked()
                            {
                                state.remove_breakpoint(bp);
                                changed = true;
                            }
                            ui.end_row();
                        }
                    });
            });
        let _ = (changed, session);
        go_to
    }
}
