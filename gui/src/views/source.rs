//! Source: the DWARF-mapped source file and line. The current line is highlighted while
//! paused (or at a trap), the selected instruction's line is marked, clicking a line
//! number toggles a line breakpoint and clicking the text selects the line's first
//! instruction. Files are found through their DWARF paths: the built-in samples'
//! sources are embedded; others are read from disk (natively), relative to the module's
//! directory too, after the directory remappings the user added. A health summary says
//! how much code has line information and which files are missing. The file picker
//! has a filter and lists the program's own files before the toolchain's; a search bar
//! finds text in the file. Line 0 in DWARF means "no line": such locations give way to
//! their inlined caller's line.

use std::collections::HashMap;
use std::sync::Arc;

use crate::session::{RunState, Session};
use crate::state::{AppState, Breakpoint};

/// The gutter of source line `n` (1-based): a breakpoint marker and the line number;
/// clicking it toggles a line breakpoint.
pub fn gutter(n: u32, breakpoint: bool) -> String {
    gutter_marked(n, if breakpoint { '●' } else { ' ' })
}

/// The gutter of line `n` with `marker` (`●` a breakpoint, `○` a disabled one).
pub fn gutter_marked(n: u32, marker: char) -> String {
    format!("{marker} {n:>5} ")
}

/// Whether a DWARF path is the toolchain's rather than the program's (the session's
/// stepper decides the same way: [`wasmscope_listeners::stepper::is_library_path`]).
pub fn is_toolchain(path: &str) -> bool {
    wasmscope_listeners::stepper::is_library_path(path)
}

/// `files` in the file picker's order: the program's own files first, those that can be
/// shown before those that cannot, then the toolchain's; alphabetical within each. Each
/// with whether it is the toolchain's.
pub fn picker_order(files: &[String], found: impl Fn(&str) -> bool) -> Vec<(String, bool)> {
    let mut out: Vec<(bool, bool, String)> = files
        .iter()
        .map(|f| (is_toolchain(f), !found(f), f.clone()))
        .collect();
    out.sort();
    out.into_iter().map(|(t, _, f)| (f, t)).collect()
}

/// The Source view.
#[derive(Debug, Default)]
pub struct SourceView {
    /// The file on display (a DWARF path).
    pub file: Option<String>,
    /// Directory remappings: a DWARF path prefix and the directory to use instead.
    pub remaps: Vec<(String, String)>,
    /// The remap fields' text.
    pub remap_from: String,
    /// The remap fields' text.
    pub remap_to: String,
    /// The directory of the module file opened from disk, to find relative paths.
    pub base_dir: Option<String>,
    /// Loaded files by DWARF path (`None`: not found).
    cache: HashMap<String, Option<Arc<str>>>,
    /// What the view last followed (paused offset, selection).
    followed: (Option<u64>, Option<u64>),
    /// The last message (a line without code, …).
    pub message: Option<String>,
    /// A line to scroll to on the next frame ([`SourceView::show_line`]).
    pending_scroll: Option<u32>,
    /// The search bar (Ctrl+F).
    pub search: super::search::Search,
    /// The file picker's filter.
    pub filter: String,
    /// A breakpoint whose condition or log message the user asked to edit (from the
    /// gutter's menu): the workbench opens it in the Breakpoints view.
    pub edit_breakpoint: Option<u32>,
}

/// What the gutter's menu (right click on a line number) asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum GutterAsk {
    Condition,
    Logpoint,
}

/// The identifiers in a line of source (`a.b[i]` gives `a`, `b`, `i`).
fn identifiers(line: &str) -> std::collections::BTreeSet<&str> {
    line.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| {
            w.chars()
                .next()
                .is_some_and(|c| c.is_alphabetic() || c == '_')
        })
        .collect()
}

/// The hover text of a source line while paused: `name = value` for each variable of the
/// innermost frame named on the line (an empty list: none).
pub fn hover_values(session: &Session, line: &str) -> Vec<String> {
    let names = identifiers(line);
    let mut seen = std::collections::BTreeSet::new();
    session
        .variables(0)
        .into_iter()
        .rev()
        .filter(|v| names.contains(v.name.as_str()) && seen.insert(v.name.clone()))
        .map(|v| match v.value {
            Ok(value) => format!("{} = {value}", v.name),
            Err(why) => format!("{}: {why}", v.name),
        })
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect()
}

impl SourceView {
    /// The text of the file at DWARF path `path`, if it can be found.
    pub fn text(&mut self, path: &str) -> Option<Arc<str>> {
        if let Some(t) = self.cache.get(path) {
            return t.clone();
        }
        let found = self.find(path);
        self.cache.insert(path.to_string(), found.clone());
        found
    }

    fn find(&self, path: &str) -> Option<Arc<str>> {
        if let Some(s) = super::open::sample_source(path) {
            return Some(Arc::from(s));
        }
        let mut candidates = Vec::new();
        for (from, to) in &self.remaps {
            if let Some(rest) = path.strip_prefix(from.as_str()) {
                candidates.push(format!(
                    "{}/{}",
                    to.trim_end_matches('/'),
                    rest.trim_start_matches('/')
                ));
            }
        }
        candidates.push(path.to_string());
        if let Some(base) = &self.base_dir {
            if !path.starts_with('/') {
                candidates.push(format!("{base}/{path}"));
            }
        }
        candidates
            .iter()
            .find_map(|c| std::fs::read_to_string(c).ok())
            .map(Arc::from)
    }

    /// Shows `line` of `file` (scrolls there on the next frame).
    pub fn show_line(&mut self, file: &str, line: u32) {
        self.file = Some(file.to_string());
        self.pending_scroll = Some(line);
    }

    /// A view for a newly loaded module: nothing of the last one, but the user's
    /// directory remappings (they are about the host's files, not the module).
    pub fn with_remaps(remaps: Vec<(String, String)>) -> Self {
        SourceView {
            remaps,
            ..SourceView::default()
        }
    }

    /// Takes code offset `o`, just selected elsewhere, as followed already: the view stays
    /// on the line it shows instead of going to `o`'s innermost location.
    pub fn follow_selection(&mut self, o: u64) {
        self.followed.1 = Some(o);
    }

    /// Adds a directory remapping; files are looked up again.
    pub fn add_remap(&mut self, from: &str, to: &str) {
        self.remaps.push((from.to_string(), to.to_string()));
        self.cache.clear();
    }

    /// Draws the view.
    pub fn ui(&mut self, ui: &mut egui::Ui, state: &mut AppState, session: &mut Session) {
        let Some(m) = &state.module else {
            ui.label("open a module to see its source");
            return;
        };
        let Some(debug) = &m.debug else {
            ui.label(match &m.debug_error {
                Some(e) => format!("no usable debug information: {e}"),
                None => "this module has no DWARF debug information: see the Code view".into(),
            });
            return;
        };
        // Where the call is, and where the selection is, in the source.
        let current = match session.state() {
            RunState::Paused { code_offset, .. } | RunState::Trapped { code_offset, .. } => {
                *code_offset
            }
            _ => None,
        };
        // Locations name files as addr2line joins them (under the compile directory);
        // show them under the line program's name when that is the same file.
        let canonical = |mut loc: wasmscope::dwarf::SourceLocation| {
            if let Some(f) = debug
                .summary
                .source_files
                .iter()
                .find(|f| same_file(f, &loc.file))
            {
                loc.file = f.clone();
            }
            loc
        };
        // The innermost location with a line (0 is "no line") whose file can be shown
        // (code inlined from std comes first, but its files are rarely at hand), else
        // the innermost with a line.
        let mut best = |o: u64| {
            let locs: Vec<_> = debug
                .locations(o)
                .into_iter()
                .filter(|l| l.line > 0)
                .map(canonical)
                .collect();
            let found = locs.iter().position(|l| self.text(&l.file).is_some());
            locs.into_iter().nth(found.unwrap_or(0))
        };
        let current_loc = current.and_then(&mut best);
        let selected = state.selection.code_offset;
        let selected_loc = selected.and_then(&mut best);
        let target = (current, selected);
        let mut scroll_to = self.pending_scroll.take();
        if target != self.followed {
            let loc = if selected != self.followed.1 {
                selected_loc.clone()
            } else {
                current_loc.clone()
            };
            self.followed = target;
            if let Some(loc) = loc {
                self.file = Some(loc.file.clone());
                scroll_to = Some(loc.line);
            }
        }
        // The file picker's order: the program's files first.
        let mut ordered = Vec::new();
        for f in &debug.summary.source_files {
            let found = self.text(f).is_some();
            ordered.push((f.clone(), found));
        }
        let ordered = picker_order(&debug.summary.source_files, |f| {
            ordered.iter().any(|(g, found)| g == f && *found)
        });
        if self.file.is_none() {
            // A sensible first file: the program's first that can be shown.
            self.file = ordered.first().map(|(f, _)| f.clone());
        }

        // Health summary.
        let s = &debug.summary;
        let files: Vec<String> = s.source_files.clone();
        let missing: Vec<String> = files
            .iter()
            .filter(|f| self.text(f).is_none())
            .cloned()
            .collect();
        ui.horizontal_wrapped(|ui| {
            ui.label(format!(
                "debug info: line info for {:.1}% of {} code bytes, {} compile units, {} files ({} found, {} missing)",
                s.line_coverage() * 100.0,
                s.code_bytes,
                s.compile_units.len(),
                files.len(),
                files.len() - missing.len(),
                missing.len()
            ));
        });
        egui::CollapsingHeader::new(format!("Missing files ({})", missing.len()))
            .id_salt("missing_files")
            .show(ui, |ui| {
                egui::ScrollArea::vertical()
                    .id_salt("missing_scroll")
                    .max_height(100.0)
                    .show(ui, |ui| {
                        for f in &missing {
                            ui.monospace(f);
                        }
                    });
                ui.horizontal(|ui| {
                    let label = ui.label("Remap");
                    ui.add(egui::TextEdit::singleline(&mut self.remap_from).desired_width(180.0))
                        .labelled_by(label.id);
                    let label = ui.label("to");
                    ui.add(egui::TextEdit::singleline(&mut self.remap_to).desired_width(180.0))
                        .labelled_by(label.id);
                    if ui.button("Add remap").clicked() && !self.remap_from.is_empty() {
                        let (from, to) = (self.remap_from.clone(), self.remap_to.clone());
                        self.add_remap(&from, &to);
                    }
                });
                for (from, to) in &self.remaps {
                    ui.monospace(format!("{from} -> {to}"));
                }
            });
        ui.horizontal(|ui| {
            let label = ui.label("File:");
            let shown = self.file.clone().unwrap_or_default();
            // Room left for the "at file:line" beside it.
            let width = (ui.available_width() - 260.0).clamp(160.0, 420.0);
            let picker = egui::ComboBox::from_id_salt("source_file")
                .selected_text(shown)
                .width(width)
                .height(420.0)
                .show_ui(ui, |ui| self.file_picker(ui, &ordered, &missing));
            picker.response.labelled_by(label.id);
            if let Some(loc) = &current_loc {
                ui.label(format!("at {}:{}", loc.file, loc.line));
            } else if current.is_some() {
                ui.weak("no source line here (compiler-generated code)");
            }
        });
        if let Some(msg) = &self.message {
            ui.colored_label(ui.visuals().warn_fg_color, msg);
        }
        ui.separator();
        let Some(file) = self.file.clone() else {
            ui.label("no source files");
            return;
        };
        let Some(text) = self.text(&file) else {
            ui.label(format!(
                "{file} is not found: add a remapping of its directory above"
            ));
            return;
        };
        let current_line = current_loc
            .as_ref()
            .filter(|l| same_file(&l.file, &file))
            .map(|l| l.line);
        let selected_line = selected_loc
            .as_ref()
            .filter(|l| same_file(&l.file, &file))
            .map(|l| l.line);
        let lines: Vec<&str> = text.lines().collect();
        let row_height = ui.text_style_height(&egui::TextStyle::Monospace);
        if let Some(row) = self.search.ui(ui, "source", &super::search::Lines(&lines)) {
            scroll_to = Some(row as u32 + 1);
        }
        let hit = self.search.current;
        let highlight = super::search::Search::highlight(ui);
        let mut area = egui::ScrollArea::both()
            .id_salt(("source", file.clone()))
            .auto_shrink([false, false]);
        if let Some(line) = scroll_to {
            area = super::scroll_to_row(ui, area, line.saturating_sub(1) as usize, row_height);
        }
        let mut toggled = None;
        let mut clicked = None;
        let mut asked = None;
        let paused = session.is_paused() && !session.is_running();
        area.show_rows(ui, row_height, lines.len(), |ui, rows| {
            for i in rows {
                let n = i as u32 + 1;
                let at = Breakpoint::Line {
                    file: file.clone(),
                    line: n,
                };
                let set = state.has_breakpoint(&at);
                let bp = set && state.is_enabled(&at);
                let visuals = ui.visuals().clone();
                ui.horizontal(|ui| {
                    ui.spacing_mut().item_spacing.x = 0.0;
                    let marker = match (set, bp) {
                        (_, true) => '●',
                        (true, false) => '○',
                        _ => ' ',
                    };
                    let mut g = egui::RichText::new(gutter_marked(n, marker)).monospace();
                    g = if bp {
                        g.color(visuals.error_fg_color)
                    } else {
                        g.weak()
                    };
                    let r = ui
                        .add(
                            egui::Label::new(g)
                                .sense(egui::Sense::click())
                                .selectable(false),
                        )
                        .on_hover_text("click: breakpoint; right click: condition, logpoint");
                    if r.clicked() {
                        toggled = Some(n);
                    }
                    r.context_menu(|ui| {
                        if ui.button("Conditional breakpoint…").clicked() {
                            asked = Some((n, GutterAsk::Condition));
                            ui.close();
                        }
                        if ui.button("Logpoint…").clicked() {
                            asked = Some((n, GutterAsk::Logpoint));
                            ui.close();
                        }
                    });
                    let mut t = egui::RichText::new(lines[i]).monospace();
                    if Some(n) == current_line {
                        t = t
                            .background_color(visuals.selection.bg_fill)
                            .color(visuals.strong_text_color());
                    } else if Some(n) == selected_line {
                        t = t.background_color(visuals.faint_bg_color.gamma_multiply(4.0));
                    } else if Some(i) == hit {
                        t = t.background_color(highlight);
                    }
                    let mut r = ui.add(
                        egui::Label::new(t)
                            .sense(egui::Sense::click())
                            .selectable(false)
                            .extend(),
                    );
                    if paused {
                        // The values of the variables named on the line.
                        let text = lines[i];
                        r = r.on_hover_ui(|ui| {
                            let values = hover_values(session, text);
                            if values.is_empty() {
                                ui.weak("no variable of the paused frame on this line");
                            }
                            for v in values {
                                ui.monospace(v);
                            }
                        });
                    }
                    if r.clicked() {
                        clicked = Some(n);
                    }
                });
            }
        });
        if let Some(n) = toggled {
            match state.toggle_line_breakpoint(&file, n) {
                Ok(_) => self.message = None,
                Err(e) => self.message = Some(e),
            }
        }
        if let Some((n, ask)) = asked {
            let at = Breakpoint::Line {
                file: file.clone(),
                line: n,
            };
            let id = match (ask, state.breakpoint(&at)) {
                (GutterAsk::Condition, Some(b)) if b.log_message.is_none() => Ok(b.id),
                _ => state.add_line_breakpoint(&file, n),
            };
            match id {
                Ok(id) => {
                    if ask == GutterAsk::Logpoint {
                        let _ = state
                            .breakpoints
                            .set_log_message(id, Some(&format!("line {n} reached")));
                    }
                    self.edit_breakpoint = Some(id);
                    self.message = None;
                }
                Err(e) => self.message = Some(e),
            }
        }
        if let Some(n) = clicked {
            let offsets = state.offsets_for_line(&file, n);
            match offsets.first() {
                Some(o) => {
                    state.selection.code_offset = Some(*o);
                    // The selection came from here: do not scroll away.
                    self.followed.1 = Some(*o);
                    self.message = None;
                }
                None => self.message = Some(format!("no code on {file}:{n}")),
            }
        }
    }
}

impl SourceView {
    /// The file picker's list: a filter field, then the program's files and the
    /// toolchain's under their own headings (files that cannot be shown are dimmed).
    fn file_picker(&mut self, ui: &mut egui::Ui, ordered: &[(String, bool)], missing: &[String]) {
        let label = ui.label("Filter:");
        let field = ui
            .add(
                egui::TextEdit::singleline(&mut self.filter)
                    .desired_width(f32::INFINITY)
                    .hint_text("part of a path"),
            )
            .labelled_by(label.id);
        if !field.has_focus() && self.filter.is_empty() {
            field.request_focus();
        }
        let needle = self.filter.to_lowercase();
        let shown: Vec<&(String, bool)> = ordered
            .iter()
            .filter(|(f, _)| f.to_lowercase().contains(&needle))
            .collect();
        if shown.is_empty() {
            ui.weak("no file matches");
        }
        let mut heading = None;
        for (f, toolchain) in shown {
            if heading != Some(*toolchain) {
                heading = Some(*toolchain);
                ui.separator();
                ui.weak(if *toolchain {
                    "toolchain and libraries"
                } else {
                    "this program"
                });
            }
            let mut text = egui::RichText::new(f.as_str());
            if missing.contains(f) {
                text = text.weak();
            }
            if ui
                .selectable_label(self.file.as_deref() == Some(f.as_str()), text)
                .clicked()
            {
                self.file = Some(f.clone());
                self.filter.clear();
            }
        }
    }
}

/// Whether two DWARF paths name the same file (one may be a suffix of the other).
fn same_file(a: &str, b: &str) -> bool {
    a == b || a.ends_with(&format!("/{b}")) || b.ends_with(&format!("/{a}"))
}
