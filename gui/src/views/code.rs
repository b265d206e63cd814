//! Code: the module's text format with code offsets; the current instruction is
//! highlighted while paused, and clicking an instruction line toggles a breakpoint.

use crate::session::{RunState, Session};
use crate::state::{AppState, TextLine};

/// The text of a line as shown: a breakpoint marker, the code offset in hex, the text.
pub fn line_label(line: &TextLine, breakpoint: bool) -> String {
    let gutter = match line.code_offset {
        Some(o) => format!("{} {o:>6x} ", if breakpoint { '●' } else { ' ' }),
        None => " ".repeat(9),
    };
    format!("{gutter}{}", line.text)
}

/// The Code view.
#[derive(Debug, Default)]
pub struct CodeView {
    /// The offset last scrolled to, so the view follows the call only when it moves.
    followed: Option<u64>,
}

impl CodeView {
    /// Draws the view.
    pub fn ui(&mut self, ui: &mut egui::Ui, state: &mut AppState, session: &mut Session) {
        ui.heading("Code");
        let Some(m) = &state.module else {
            ui.label("open a module to see its code");
            return;
        };
        let current = match session.state() {
            RunState::Paused { code_offset, .. } => *code_offset,
            RunState::Trapped { code_offset, .. } => *code_offset,
            _ => None,
        };
        let current_line = current.and_then(|o| m.line_of_offset.get(&o).copied());
        let row_height = ui.text_style_height(&egui::TextStyle::Monospace);
        let mut area = egui::ScrollArea::both()
            .id_salt("code")
            .auto_shrink([false, false]);
        if current != self.followed {
            self.followed = current;
            if let Some(line) = current_line {
                let spacing = ui.spacing().item_spacing.y;
                let y = (line as f32 - 8.0).max(0.0) * (row_height + spacing);
                area = area.vertical_scroll_offset(y);
            }
        }
        let mut toggled = None;
        area.show_rows(ui, row_height, m.lines.len(), |ui, rows| {
            for i in rows {
                let line = &m.lines[i];
                let bp = line
                    .code_offset
                    .is_some_and(|o| state.breakpoints.contains(&o));
                let mut text = egui::RichText::new(line_label(line, bp)).monospace();
                if Some(i) == current_line {
                    text = text
                        .background_color(ui.visuals().selection.bg_fill)
                        .color(ui.visuals().strong_text_color());
                } else if bp {
                    text = text.color(ui.visuals().error_fg_color);
                }
                let r = ui.add(
                    egui::Label::new(text)
                        .sense(egui::Sense::click())
                        .selectable(false)
                        .extend(),
                );
                if r.clicked() {
                    toggled = line.code_offset;
                }
            }
        });
        if let Some(o) = toggled {
            state.toggle_breakpoint(o);
            session.set_breakpoints(state.breakpoints.iter().copied());
        }
    }
}
