//! Stack: the paused call's frames, innermost first, with function names, typed
//! parameters, code offsets and source lines; clicking a frame selects its instruction
//! (the Code and Source views go there) and opens its locals and operand stack.

use crate::session::{format_value, Session};
use crate::state::AppState;
use wasmscope_listeners::stepper::Frame;

/// The Stack view.
#[derive(Debug, Default)]
pub struct StackView {
    /// The frame whose locals and operands are open (0: innermost).
    pub selected: usize,
}

fn slots(v: &[u64]) -> String {
    if v.is_empty() {
        "(none)".into()
    } else {
        v.iter()
            .map(|x| format!("0x{x:x}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The one-line title of a frame: `#i name(p0: i32 = 5, …) @ 0x1a2 file:line`.
pub fn frame_title(i: usize, f: &Frame) -> String {
    let d = &f.definition;
    let mut slot = 0;
    let params: Vec<String> = d
        .param_types()
        .iter()
        .enumerate()
        .map(|(k, t)| {
            let lo = f.locals.get(slot).copied().unwrap_or(0);
            let hi = f.locals.get(slot + 1).copied().unwrap_or(0);
            slot += t.slots();
            let name = d
                .param_names()
                .get(k)
                .and_then(|n| n.as_deref())
                .map_or_else(|| format!("p{k}"), str::to_string);
            format!("{name}: {t} = {}", format_value(*t, lo, hi))
        })
        .collect();
    let name = d
        .name()
        .map_or_else(|| d.debug_name(), crate::names::demangle);
    let mut s = format!("#{i} {name}({})", params.join(", "));
    if let Some(o) = f.code_offset {
        s.push_str(&format!(" @ 0x{o:x}"));
    }
    if let Some(l) = f.sources.first() {
        s.push_str(&format!("  {}:{}", l.file, l.line));
    }
    s
}

impl StackView {
    /// Draws the view.
    pub fn ui(&mut self, ui: &mut egui::Ui, state: &mut AppState, session: &Session) {
        ui.heading("Stack");
        let frames = session.frames();
        if frames.is_empty() {
            ui.label("no paused call");
            return;
        }
        if self.selected >= frames.len() {
            self.selected = 0;
        }
        egui::ScrollArea::vertical()
            .id_salt("stack")
            .max_height(ui.available_height() * 0.45)
            .show(ui, |ui| {
                for (i, f) in frames.iter().enumerate() {
                    let title = frame_title(i, f);
                    let text = if self.selected == i {
                        egui::RichText::new(&title)
                            .background_color(ui.visuals().selection.bg_fill)
                            .color(ui.visuals().strong_text_color())
                    } else {
                        egui::RichText::new(&title)
                    };
                    let r = ui
                        .add(
                            egui::Label::new(text)
                                .truncate()
                                .sense(egui::Sense::click()),
                        )
                        .on_hover_text(&title);
                    if r.clicked() {
                        self.selected = i;
                        state.selection.code_offset = f.code_offset;
                        state.selection.function = Some(f.definition.index());
                    }
                    if self.selected == i {
                        let params = f.definition.func_type().param_slots();
                        let (p, l) = f.locals.split_at(params.min(f.locals.len()));
                        ui.indent(("frame", i), |ui| {
                            for (k, v) in [
                                ("params:  ", p),
                                ("locals:  ", l),
                                ("operands:", &f.operands[..]),
                            ] {
                                ui.add(
                                    egui::Label::new(
                                        egui::RichText::new(format!("{k} {}", slots(v)))
                                            .monospace(),
                                    )
                                    .wrap(),
                                );
                            }
                            for inl in f.sources.iter().skip(1) {
                                ui.weak(format!(
                                    "inlined into {} at {}:{}",
                                    inl.function.as_deref().unwrap_or("?"),
                                    inl.file,
                                    inl.line
                                ));
                            }
                        });
                    }
                }
            });
    }
}
