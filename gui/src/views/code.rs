//! Code: the module's text format with code offsets; the current instruction is
//! highlighted while paused, the selected one (from any view) is marked, clicking the
//! gutter (offset) of an instruction toggles a breakpoint and clicking its text selects
//! it (for Run to cursor, the Source view and the others). The view scrolls over all the
//! lines of the text and prints only the functions it shows ([`crate::text`]); a search
//! prints them one batch at a time, over as many frames as it takes.

use crate::session::{RunState, Session};
use crate::state::{AppState, LoadedModule, TextLine};

/// The gutter of a line: a breakpoint marker and the code offset in hex.
pub fn gutter(line: &TextLine, breakpoint: bool) -> String {
    gutter_marked(line, if breakpoint { '●' } else { ' ' })
}

/// The gutter of a line with `marker` (`●` a breakpoint, `○` a disabled one).
pub fn gutter_marked(line: &TextLine, marker: char) -> String {
    match line.code_offset {
        Some(o) => format!("{marker} {o:>6x}"),
        None => " ".repeat(8),
    }
}

/// The text of a line as shown: gutter, then the text.
pub fn line_label(line: &TextLine, breakpoint: bool) -> String {
    format!(
        "{} {}",
        gutter(line, breakpoint),
        crate::names::demangle_identifiers(&line.text)
    )
}

/// How many characters of a line the view shows (a longer line, as a `br_table` with
/// thousands of targets, ends with `…`).
pub const SHOWN_CHARS: usize = 4096;

/// `text` cut to [`SHOWN_CHARS`] characters.
fn shown(text: &str) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(SHOWN_CHARS) {
        Some((i, _)) => format!("{}…", &text[..i]).into(),
        None => text.into(),
    }
}

/// The module's lines, for the search bar: printed in batches while searching.
struct CodeRows<'a>(&'a LoadedModule);

impl super::search::Rows for CodeRows<'_> {
    fn len(&self) -> usize {
        self.0.line_count()
    }

    fn scan(
        &self,
        needle: &str,
        from: usize,
        deadline: web_time::Instant,
        out: &mut Vec<usize>,
    ) -> usize {
        self.0
            .text
            .search(&self.0.bytes, needle, from, deadline, out)
    }
}

/// The Code view.
#[derive(Debug, Default)]
pub struct CodeView {
    /// What the view last scrolled to (the paused offset, the selection), so it follows
    /// them only when they move.
    followed: (Option<u64>, Option<u64>),
    /// The search bar (Ctrl+F).
    pub search: super::search::Search,
}

impl CodeView {
    /// Draws the view.
    pub fn ui(&mut self, ui: &mut egui::Ui, state: &mut AppState, session: &mut Session) {
        let Some(m) = &state.module else {
            ui.label("open a module to see its code");
            return;
        };
        let current = match session.state() {
            RunState::Paused { code_offset, .. } => *code_offset,
            RunState::Trapped { code_offset, .. } => *code_offset,
            _ => None,
        };
        let current_line = current.and_then(|o| m.line_of_offset(o));
        let selected = state.selection.code_offset;
        let selected_line = selected.and_then(|o| m.line_at_or_after(o));
        let row_height = ui.text_style_height(&egui::TextStyle::Monospace);
        let go = self.search.ui(ui, "code", &CodeRows(m));
        let mut area = egui::ScrollArea::both()
            .id_salt("code")
            .auto_shrink([false, false]);
        if let Some(row) = go {
            area = super::scroll_to_row(ui, area, row, row_height);
        }
        let hit = self.search.current;
        let highlight = super::search::Search::highlight(ui);
        let target = (current, selected);
        if target != self.followed {
            // Follow whichever moved: the selection, or the paused instruction.
            let line = if selected != self.followed.1 {
                selected_line
            } else {
                current_line
            };
            self.followed = target;
            if let Some(line) = line {
                area = super::scroll_to_row(ui, area, line, row_height);
            }
        }
        let breakpoints = state.all_breakpoints();
        let mut toggled = None;
        let mut clicked = None;
        area.show_rows(ui, row_height, m.line_count(), |ui, rows| {
            m.prepare_lines(rows.clone());
            for i in rows {
                let Some(line) = m.line(i) else {
                    continue;
                };
                let line = &line;
                let bp = line.code_offset.is_some_and(|o| breakpoints.contains(&o));
                let disabled = line.code_offset.is_some_and(|o| {
                    !bp && state.has_breakpoint(&crate::state::Breakpoint::Offset(o))
                });
                let visuals = ui.visuals().clone();
                ui.horizontal(|ui| {
                    ui.spacing_mut().item_spacing.x = 0.0;
                    let marker = match (bp, disabled) {
                        (true, _) => '●',
                        (_, true) => '○',
                        _ => ' ',
                    };
                    let mut g = egui::RichText::new(gutter_marked(line, marker)).monospace();
                    if bp {
                        g = g.color(visuals.error_fg_color);
                    } else {
                        g = g.weak();
                    }
                    let r = ui.add(
                        egui::Label::new(g)
                            .sense(egui::Sense::click())
                            .selectable(false),
                    );
                    if r.clicked() {
                        toggled = line.code_offset;
                    }
                    let mut text = egui::RichText::new(format!(
                        " {}",
                        shown(&crate::names::demangle_identifiers(&line.text))
                    ))
                    .monospace();
                    if Some(i) == current_line {
                        text = text
                            .background_color(visuals.selection.bg_fill)
                            .color(visuals.strong_text_color());
                    } else if Some(i) == selected_line {
                        text = text.background_color(visuals.faint_bg_color.gamma_multiply(4.0));
                    } else if Some(i) == hit {
                        text = text.background_color(highlight);
                    } else if bp {
                        text = text.color(visuals.error_fg_color);
                    }
                    let r = ui.add(
                        egui::Label::new(text)
                            .sense(egui::Sense::click())
                            .selectable(false)
                            .extend(),
                    );
                    if r.clicked() {
                        clicked = line.code_offset;
                    }
                });
            }
        });
        if let Some(o) = toggled {
            state.toggle_breakpoint(o);
        }
        if let Some(o) = clicked {
            state.selection.code_offset = Some(o);
        }
    }
}
