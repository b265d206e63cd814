//! Module: the section tree (core's [`wasmscope::inspect::tree`]) with offsets and sizes.
//! Clicking a function selects it (the Code view scrolls to its body).

use std::hash::{Hash, Hasher};

use wasmscope::inspect::Node;

use crate::state::{AppState, LoadedModule};

/// Above this many entries, an open node's leaf entries are drawn in a scroll area that
/// lays out only the visible rows.
const ROWS_VIRTUAL: usize = 100;

/// What identifies a loaded module for the cache (cheap enough for every frame): name,
/// length, a hash of up to 16 KiB at each end, and where the bytes are (every load makes
/// a new buffer while the old one is still alive, so a reload never looks the same).
#[derive(Clone, Debug, PartialEq, Eq)]
struct ModuleKey {
    name: String,
    len: usize,
    hash: u64,
    at: usize,
}

impl ModuleKey {
    fn of(m: &LoadedModule) -> Self {
        const SAMPLE: usize = 16 * 1024;
        let mut h = std::collections::hash_map::DefaultHasher::new();
        let b = &m.bytes;
        b[..b.len().min(SAMPLE)].hash(&mut h);
        b[b.len().saturating_sub(SAMPLE)..].hash(&mut h);
        ModuleKey {
            name: m.name.clone(),
            len: b.len(),
            hash: h.finish(),
            at: b.as_ptr() as usize,
        }
    }
}

/// The Module view.
#[derive(Debug, Default)]
pub struct ModuleView {
    /// The decoded tree of the module last seen, decoded once per module.
    cache: Option<(ModuleKey, Result<Vec<Node>, String>)>,
    /// Nodes whose label starts with one of these are open at first (e.g. `"global"`).
    pub expand: Vec<String>,
}

impl ModuleView {
    /// The decoded tree of `m`, decoding it the first time this module is seen.
    pub fn tree(&mut self, m: &LoadedModule) -> &Result<Vec<Node>, String> {
        self.tree_for(ModuleKey::of(m), m)
    }

    fn tree_for(&mut self, key: ModuleKey, m: &LoadedModule) -> &Result<Vec<Node>, String> {
        if self.cache.as_ref().is_some_and(|(k, _)| *k != key) {
            self.cache = None;
        }
        let (_, tree) = self.cache.get_or_insert_with(|| (key, decode(&m.bytes)));
        tree
    }

    /// Draws the view; clicking a function node sets the selection in `state`.
    pub fn ui(&mut self, ui: &mut egui::Ui, state: &mut AppState) {
        ui.heading("Module");
        let Some(m) = &state.module else {
            ui.label("no module loaded");
            return;
        };
        ui.label(format!("{}: {} bytes", m.name, m.bytes.len()));
        if !m.exports.is_empty() {
            ui.label(format!("exported functions: {}", m.exports.join(", ")));
        }
        ui.separator();
        let key = ModuleKey::of(m);
        let salt = salt_of(&("module-tree", &key.name, key.len, key.hash));
        let selected = state.selection.function;
        let mut clicked: Option<(u32, Option<u64>)> = None;
        let expand = self.expand.clone();
        let tree = self.tree_for(key, m);
        egui::ScrollArea::vertical()
            .id_salt("module-tree-scroll")
            .auto_shrink([false, false])
            .show(ui, |ui| match tree {
                Ok(nodes) => {
                    let mut tree_ui = TreeUi {
                        selected,
                        clicked: &mut clicked,
                        expand: &expand,
                    };
                    for (i, node) in nodes.iter().enumerate() {
                        tree_ui.node(ui, node, salt_of(&(salt, i)));
                    }
                }
                Err(e) => {
                    ui.colored_label(ui.visuals().error_fg_color, e);
                }
            });
        if let Some((function, code_offset)) = clicked {
            state.selection.function = Some(function);
            state.selection.code_offset = code_offset;
        }
    }
}

/// The tree of module `bytes`, or why it does not decode (one line).
fn decode(bytes: &[u8]) -> Result<Vec<Node>, String> {
    wasmscope::inspect::tree(bytes).map_err(|e| format!("cannot decode the module: {e}"))
}

/// A collapsing header's id salt: a hash of the module and the node's path, so every
/// node has its own and a newly loaded module starts collapsed.
fn salt_of(h: &impl Hash) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    h.hash(&mut hasher);
    hasher.finish()
}

/// The weak part of a row: module offset, size, and code offset of a body.
fn where_text(node: &Node) -> String {
    let mut parts = Vec::new();
    if let Some(o) = node.offset {
        parts.push(format!("0x{o:x}"));
    }
    if let Some(s) = node.size {
        parts.push(format!("{s} B"));
    }
    if let Some(c) = node.code_offset {
        parts.push(format!("code 0x{c:x}"));
    }
    parts.join(" · ")
}

/// A row's text: the label, then [`where_text`] in the weak color.
fn row_text(ui: &egui::Ui, node: &Node, selected: bool) -> egui::text::LayoutJob {
    let font = egui::TextStyle::Body.resolve(ui.style());
    let visuals = ui.visuals();
    let mut strong = egui::TextFormat::simple(font.clone(), visuals.text_color());
    if selected {
        strong.color = visuals.strong_text_color();
        strong.background = visuals.selection.bg_fill;
    }
    let mut job = egui::text::LayoutJob::default();
    job.append(&node.label, 0.0, strong);
    let w = where_text(node);
    if !w.is_empty() {
        job.append(
            &w,
            12.0,
            egui::TextFormat::simple(font, visuals.weak_text_color()),
        );
    }
    job
}

struct TreeUi<'a> {
    selected: Option<u32>,
    clicked: &'a mut Option<(u32, Option<u64>)>,
    expand: &'a [String],
}

impl TreeUi<'_> {
    fn node(&mut self, ui: &mut egui::Ui, node: &Node, id: u64) {
        let is_selected = node.function.is_some() && node.function == self.selected;
        if node.children.is_empty() {
            self.leaf(ui, node, is_selected);
            return;
        }
        // A collapsing header whose text is one truncated line (egui's CollapsingHeader
        // text never truncates, and would widen the narrow panel).
        let mut open = egui::collapsing_header::CollapsingState::load_with_default_open(
            ui.ctx(),
            ui.make_persistent_id(id),
            self.expand
                .iter()
                .any(|p| node.label.starts_with(p.as_str())),
        );
        let header = ui.horizontal(|ui| {
            ui.spacing_mut().item_spacing.x = 0.0;
            open.show_toggle_button(ui, egui::collapsing_header::paint_default_icon);
            ui.add(
                egui::Label::new(row_text(ui, node, is_selected))
                    .truncate()
                    .selectable(false)
                    .sense(egui::Sense::click()),
            )
        });
        if header.inner.clicked() {
            open.toggle(ui);
            if let Some(f) = node.function {
                *self.clicked = Some((f, node.code_offset));
            }
        }
        open.show_body_indented(&header.response, ui, |ui| {
            self.children(ui, &node.children, id)
        });
    }

    fn leaf(&mut self, ui: &mut egui::Ui, node: &Node, is_selected: bool) {
        // One line each (the rows of a long list have one height); the full text shows on
        // hover.
        let mut label = egui::Label::new(row_text(ui, node, is_selected))
            .truncate()
            .selectable(false);
        if node.function.is_some() {
            label = label.sense(egui::Sense::click());
        }
        let r = ui.add(label);
        if let (true, Some(f)) = (r.clicked(), node.function) {
            *self.clicked = Some((f, node.code_offset));
        }
    }

    fn children(&mut self, ui: &mut egui::Ui, children: &[Node], id: u64) {
        if children.len() > ROWS_VIRTUAL && children.iter().all(|c| c.children.is_empty()) {
            // Thousands of functions: lay out only the rows in view.
            let row_height = ui.text_style_height(&egui::TextStyle::Body);
            egui::ScrollArea::vertical()
                .id_salt(salt_of(&(id, "rows")))
                .max_height(360.0)
                .auto_shrink([false, true])
                .show_rows(ui, row_height, children.len(), |ui, rows| {
                    for child in &children[rows] {
                        let sel = child.function.is_some() && child.function == self.selected;
                        self.leaf(ui, child, sel);
                    }
                });
        } else {
            for (i, child) in children.iter().enumerate() {
                self.node(ui, child, salt_of(&(id, i)));
            }
        }
    }
}
