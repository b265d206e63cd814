//! The search bar of the Code, Source and Call log views: a "Find in …" field (Ctrl+F
//! focuses the one of the view in use), Enter for the next match, Shift+Enter for the
//! previous one, the match count; the view scrolls to the current match and highlights
//! its row. Matching is case-insensitive, row by row.

/// The rows a search goes through.
pub trait Rows {
    /// How many rows there are.
    fn len(&self) -> usize;

    /// Whether there are none.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Searches rows `from..` for `needle` (lowercase; case is ignored), pushing the
    /// matching rows to `out` in order, at least one row and then until `deadline`;
    /// returns the row to go on from (`len()` when done).
    fn scan(
        &self,
        needle: &str,
        from: usize,
        deadline: web_time::Instant,
        out: &mut Vec<usize>,
    ) -> usize;
}

/// Rows at hand as strings: searched at once.
pub struct Lines<'a>(pub &'a [&'a str]);

impl Rows for Lines<'_> {
    fn len(&self) -> usize {
        self.0.len()
    }

    fn scan(&self, needle: &str, from: usize, _: web_time::Instant, out: &mut Vec<usize>) -> usize {
        let rows = self.0.iter().enumerate().skip(from);
        out.extend(
            rows.filter(|(_, r)| crate::text::contains_ignoring_case(r, needle))
                .map(|(i, _)| i),
        );
        self.0.len()
    }
}

/// How long a frame searches (rows that take long to search, as Code's, are searched
/// over several frames).
const SCAN_BUDGET: std::time::Duration = std::time::Duration::from_millis(8);

/// A search in progress or done: the matches of `query` among `rows` rows so far.
#[derive(Debug)]
struct Scan {
    query: String,
    rows: usize,
    found: Vec<usize>,
    /// The next row to search (`rows` when done).
    next: usize,
}

/// A view's search; see the [module docs](self).
#[derive(Debug, Default)]
pub struct Search {
    /// The text searched for.
    pub query: String,
    /// The row of the current match, if any.
    pub current: Option<usize>,
    /// The search of the query.
    scan: Option<Scan>,
    /// A move to the next (false) or previous (true) match that waits for the search to
    /// get further.
    pending: Option<bool>,
    /// Focus the field on the next frame (Ctrl+F).
    focus: bool,
}

impl Search {
    /// Focuses the field on the next frame (what Ctrl+F does).
    pub fn focus(&mut self) {
        self.focus = true;
    }

    /// Searches on for a frame's time (from the start when the query or the number of
    /// rows changed).
    fn advance(&mut self, rows: &dyn Rows) {
        let n = rows.len();
        let fresh = matches!(&self.scan, Some(s) if s.query == self.query && s.rows == n);
        if !fresh {
            self.scan = Some(Scan {
                query: self.query.clone(),
                rows: n,
                found: Vec::new(),
                next: if self.query.is_empty() { n } else { 0 },
            });
        }
        if let Some(s) = &mut self.scan {
            if s.next < s.rows {
                let needle = s.query.to_lowercase();
                let deadline = web_time::Instant::now() + SCAN_BUDGET;
                s.next = rows.scan(&needle, s.next, deadline, &mut s.found);
            }
        }
    }

    /// Whether the search of the query went through every row.
    pub fn done(&self) -> bool {
        self.scan
            .as_ref()
            .is_some_and(|s| s.query == self.query && s.next >= s.rows)
    }

    /// The rows matching the query so far (all of them once [`Self::done`]), searching
    /// on for a frame's time.
    pub fn matches(&mut self, rows: &dyn Rows) -> &[usize] {
        self.advance(rows);
        self.scan.as_ref().map_or(&[], |s| s.found.as_slice())
    }

    /// The row a move to the next (or, with `back`, previous) match goes to, or `None`
    /// while the search has not got far enough to tell.
    fn target(&self, back: bool) -> Option<Option<usize>> {
        let s = self.scan.as_ref()?;
        let done = s.next >= s.rows;
        let m = &s.found;
        let near = match (self.current, back) {
            (None, false) => m.first(),
            (None, true) => None,
            (Some(c), false) => m.iter().find(|r| **r > c),
            (Some(c), true) => m.iter().rev().find(|r| **r < c),
        };
        match near {
            Some(r) => Some(Some(*r)),
            // Around the end: the first or last match, once all are known.
            None if done => Some(if back { m.last() } else { m.first() }.copied()),
            None => None,
        }
    }

    /// Moves to the next match after the current one (or the first), or the previous one
    /// with `back`; returns its row. `None` also while the search has not reached it
    /// yet: the move then happens when it has ([`Self::ui`] returns the row).
    pub fn step(&mut self, rows: &dyn Rows, back: bool) -> Option<usize> {
        self.advance(rows);
        match self.target(back) {
            Some(next) => {
                self.pending = None;
                self.current = next;
                next
            }
            None => {
                self.pending = Some(back);
                None
            }
        }
    }

    /// Makes a move that waited for the search ([`Self::step`]) once the search tells
    /// where it goes; returns the row moved to.
    fn resolve(&mut self) -> Option<usize> {
        let next = self.target(self.pending?)?;
        self.pending = None;
        self.current = next;
        next
    }

    /// Draws the bar for `rows` (`what` names the view, as in "Find in code:"); returns
    /// the row to scroll to when the user moved to a match. A search that takes longer
    /// than a frame goes on in the next ones (and repaints for them).
    pub fn ui(&mut self, ui: &mut egui::Ui, what: &str, rows: &dyn Rows) -> Option<usize> {
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
                self.pending = None;
            }
            let enter = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            if enter {
                let back = ui.input(|i| i.modifiers.shift);
                go = self.step(rows, back);
                field.request_focus();
            }
            if ui
                .small_button(egui::RichText::new("▲").monospace())
                .on_hover_text("previous match (Shift+Enter)")
                .clicked()
            {
                go = self.step(rows, true);
            }
            if ui
                .small_button(egui::RichText::new("▼").monospace())
                .on_hover_text("next match (Enter)")
                .clicked()
            {
                go = self.step(rows, false);
            }
            self.advance(rows);
            go = go.or(self.resolve());
            let done = self.done();
            if !done {
                ui.ctx().request_repaint();
            }
            let current = self.current;
            let searching = !self.query.is_empty();
            let (matches, next, total) = self
                .scan
                .as_ref()
                .map_or((&[][..], 0, 0), |s| (s.found.as_slice(), s.next, s.rows));
            if searching {
                let at = current.and_then(|c| matches.iter().position(|m| *m == c));
                let text = match (at, done) {
                    (Some(i), true) => format!("{} of {}", i + 1, matches.len()),
                    (Some(i), false) => format!("{} of {}+", i + 1, matches.len()),
                    (None, true) if matches.is_empty() => "no match".into(),
                    (None, true) => format!("{} matches", matches.len()),
                    (None, false) => format!("{}+ matches", matches.len()),
                };
                ui.weak(text);
                if !done {
                    let percent = next as f64 * 100.0 / total.max(1) as f64;
                    ui.weak(format!("searching… {percent:.0}%"));
                }
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
        let rows = Lines(&rows);
        let mut s = Search {
            query: "x".into(),
            ..Search::default()
        };
        assert_eq!(s.matches(&rows), [0, 2, 3]);
        assert_eq!(s.step(&rows, false), Some(0));
        assert_eq!(s.step(&rows, false), Some(2));
        assert_eq!(s.step(&rows, false), Some(3));
        assert_eq!(s.step(&rows, false), Some(0));
        assert_eq!(s.step(&rows, true), Some(3));
        s.query = "nothing".into();
        assert_eq!(s.step(&rows, false), None);
    }

    /// Rows searched one a frame, as a slow search is.
    struct Slow<'a>(&'a [&'a str]);

    impl Rows for Slow<'_> {
        fn len(&self) -> usize {
            self.0.len()
        }
        fn scan(
            &self,
            needle: &str,
            from: usize,
            _: web_time::Instant,
            out: &mut Vec<usize>,
        ) -> usize {
            if self.0[from].contains(needle) {
                out.push(from);
            }
            from + 1
        }
    }

    #[test]
    fn a_move_waits_for_a_search_that_takes_frames() {
        let rows = ["x", "a", "b", "c", "x", "d"];
        let rows = Slow(&rows);
        let mut s = Search {
            query: "x".into(),
            ..Search::default()
        };
        // The first match is found in the first frame.
        assert_eq!(s.step(&rows, false), Some(0));
        // The next one is not known yet: the move waits.
        assert_eq!(s.step(&rows, false), None);
        assert_eq!(s.current, Some(0));
        let mut moved = None;
        for _ in 0..10 {
            s.advance(&rows);
            moved = moved.or(s.resolve());
        }
        assert_eq!(moved, Some(4));
        assert!(s.done());
        assert_eq!(s.matches(&rows), [0, 4]);
        // Backwards from the first: around to the last, known now.
        s.current = Some(0);
        assert_eq!(s.step(&rows, true), Some(4));
    }
}
