//! The search bar of the Code, Source and Call log views: a "Find in …" field (Ctrl+F
//! focuses the one of the view in use), Enter for the next match, Shift+Enter for the
//! previous one, the match count; the view scrolls to the current match and highlights
//! its row. Matching is case-insensitive, row by row.

/// A view's search; see the [module docs](self).
#[derive(Debug, Default)]
pub struct Search {
    /// The text searched for.
    pub query: String,
    /// The row of the current match, if any.
    pub current: Option<usize>,
    /// The rows that match, for `(query, number of rows)`.
    matches: Option<(String, usize, Vec<usize>)>,
    /// Focus the field on the next frame (Ctrl+F).
    focus: bool,
}

impl Search {
    /// Focuses the field on the next frame (what Ctrl+F does).
    pub fn focus(&mut self) {
        self.focus = true;
    }

    /// The rows matching the query among `n` rows whose text `row` gives.
    pub fn matches<'a>(&mut self, n: usize, row: impl Fn(usize) -> &'a str) -> &[usize] {
        let fresh = matches!(&self.matches, Some((q, len, _)) if *q == self.query && *len == n);
        if !fresh {
            let needle = self.query.to_lowercase();
            let found = if needle.is_empty() {
                Vec::new()
            } else {
                (0..n)
                    .filter(|i| row(*i).to_lowercase().contains(&needle))
                    .collect()
            };
            self.matches = Some((self.query.clone(), n, found));
        }
        self.matches.as_ref().map_or(&[], |(_, _, m)| m.as_slice())
    }

    /// Moves to the next match after the current one (or the first), or the previous one
    /// with `back`; returns its row.
    pub fn step<'a>(
        &mut self,
        n: usize,
        row: impl Fn(usize) -> &'a str,
        back: bool,
    ) -> Option<usize> {
        let current = self.current;
        let matches = self.matches(n, row);
        let next = match (current, back) {
            (None, false) => matches.first(),
            (None, true) => matches.last(),
            (Some(c), false) => matches.iter().find(|m| **m > c).or(matches.first()),
            (Some(c), true) => matches.iter().rev().find(|m| **m < c).or(matches.last()),
        }
        .copied();
        self.current = next;
        next
    }

    /// Draws the bar for `n` rows whose text `row` gives (`what` names the view, as in
    /// "Find in code:"); returns the row to scroll to when the user moved to a match.
    pub fn ui<'a>(
        &mut self,
        ui: &mut egui::Ui,
        what: &str,
        n: usize,
        row: impl Fn(usize) -> &'a str + Copy,
    ) -> Option<usize> {
        let mut go = None;
        ui.horizontal(|ui| {
            let label = ui.label(format!("Find in {what}:"));
            let field = ui
                .add(
                    egui::TextEdit::singleline(&mut self.query)
                        .desired_width(180.0)
                        .hint_text("Ctrl+F"),
                )
                .labelled_by(label.id)
                .on_hover_text("Enter: next match, Shift+Enter: previous");
            if std::mem::take(&mut self.focus) {
                field.request_focus();
            }
            if field.changed() {
                self.current = None;
            }
            let enter = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            if enter {
                let back = ui.input(|i| i.modifiers.shift);
                go = self.step(n, row, back);
                field.request_focus();
            }
            if ui
                .small_button(egui::RichText::new("▲").monospace())
                .on_hover_text("previous match (Shift+Enter)")
                .clicked()
            {
                go = self.step(n, row, true);
            }
            if ui
                .small_button(egui::RichText::new("▼").monospace())
                .on_hover_text("next match (Enter)")
                .clicked()
            {
                go = self.step(n, row, false);
            }
            let current = self.current;
            let searching = !self.query.is_empty();
            let matches = self.matches(n, row);
            if searching {
                let text = match current.and_then(|c| matches.iter().position(|m| *m == c)) {
                    Some(i) => format!("{} of {}", i + 1, matches.len()),
                    None if matches.is_empty() => "no match".into(),
                    None => format!("{} matches", matches.len()),
                };
                ui.weak(text);
            }
        });
        go
    }

    /// The background of the current match's row.
    pub fn highlight(ui: &egui::Ui) -> egui::Color32 {
        if ui.visuals().dark_mode {
            egui::Color32::from_rgb(0x5a, 0x4a, 0x10)
        } else {
            egui::Color32::from_rgb(0xff, 0xe8, 0x8a)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_and_previous_wrap_around() {
        let rows = ["a x", "b", "c X", "d x"];
        let row = |i: usize| rows[i];
        let mut s = Search {
            query: "x".into(),
            ..Search::default()
        };
        assert_eq!(s.matches(4, row), [0, 2, 3]);
        assert_eq!(s.step(4, row, false), Some(0));
        assert_eq!(s.step(4, row, false), Some(2));
        assert_eq!(s.step(4, row, false), Some(3));
        assert_eq!(s.step(4, row, false), Some(0));
        assert_eq!(s.step(4, row, true), Some(3));
        s.query = "nothing".into();
        assert_eq!(s.step(4, row, false), None);
    }
}
