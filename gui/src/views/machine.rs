//! Machine: the specification's abstract machine at the paused instruction, for people
//! learning how WebAssembly runs (core's `CompiledModule::machine`, the validator's
//! typing of the body, so it is the same however the interpreter lays out its
//! registers). The instruction and what it does in one sentence; the control stack, each
//! `block`, `loop`, `if` with its label index and block type, the one a branch of the
//! instruction would take marked; the operand stack with types and values, the entries
//! the instruction pops marked, and the types it leaves; the frame's locals; the
//! function's structure as nested blocks (click one to see it in the Code view; those
//! around the paused instruction are marked). A Learn sample's guide is shown above it.

use crate::session::{format_typed, Session};

/// The Machine view.
#[derive(Debug, Default)]
pub struct MachineView {
    /// The guide of the Learn sample on display (its name and text).
    pub guide: Option<(String, String)>,
}

impl MachineView {
    /// Draws the view for frame `frame` (0: innermost) of the paused call; `module` is
    /// the loaded module's name (a guide shows only with its sample).
    /// Returns a code offset to show in the Code view (a block of the structure was
    /// clicked).
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        session: &Session,
        frame: usize,
        module: Option<&str>,
    ) -> Option<u64> {
        let mut go = None;
        // A Learn sample's guide beside the machine (both in view in a short panel).
        let guide = self
            .guide
            .clone()
            .filter(|(name, _)| module == Some(name.as_str()));
        let mut machine = |ui: &mut egui::Ui| {
            egui::ScrollArea::vertical()
                .id_salt("machine")
                .auto_shrink([false, false])
                .show(ui, |ui| self.contents(ui, session, frame, &mut go));
        };
        match guide {
            Some((name, text)) => ui.columns(2, |cols| {
                machine(&mut cols[0]);
                let ui = &mut cols[1];
                egui::ScrollArea::vertical()
                    .id_salt("guide")
                    .auto_shrink([false, false])
                    .show(ui, |ui| {
                        ui.strong(format!("Guide: {name}"));
                        ui.label(text);
                    });
            }),
            None => machine(ui),
        }
        go
    }

    fn contents(&self, ui: &mut egui::Ui, session: &Session, frame: usize, go: &mut Option<u64>) {
        let frames = session.frames();
        let Some(f) = frames.get(frame) else {
            ui.label("not paused: Start, then Step into, to see the machine at each instruction");
            return;
        };
        let Some(offset) = f.code_offset else {
            ui.label("a host function: no Wasm instruction here");
            return;
        };
        let Some(m) = session
            .stepper()
            .and_then(|s| s.compiled().machine(f.definition.index(), offset))
        else {
            ui.label(format!("no instruction begins at {offset:#x}"));
            return;
        };
        ui.horizontal_wrapped(|ui| {
            ui.monospace(format!("{:#x}", m.code_offset));
            ui.label(egui::RichText::new(&m.instruction).monospace().strong());
            ui.label(format!("— {}", m.semantics));
        });
        ui.columns(3, |cols| {
            let ui = &mut cols[0];
            ui.strong("control stack");
            for (k, l) in m.control.iter().enumerate().rev() {
                let target = m.branch_target == Some(k);
                let text = format!(
                    "label {}  {} {}{}",
                    l.index,
                    l.kind,
                    l.block_type(),
                    if target { "  ← branch target" } else { "" }
                );
                let mut t = egui::RichText::new(text).monospace();
                if target {
                    t = t.color(ui.visuals().warn_fg_color).strong();
                }
                ui.label(t);
            }
            let ui = &mut cols[1];
            ui.strong(format!(
                "operand stack (top first): pops {}, pushes {}",
                m.pops, m.pushes
            ));
            if m.before.is_empty() {
                ui.weak("(empty)");
            }
            let popped_from = m.before.len().saturating_sub(m.pops as usize);
            for (k, t) in m.before.iter().enumerate().rev() {
                let value = f
                    .operands
                    .get(k)
                    .map(|v| format!(" {}", format_typed(v)))
                    .unwrap_or_default();
                let popped = k >= popped_from;
                let text = format!("{t}{value}{}", if popped { "  ← popped" } else { "" });
                let mut r = egui::RichText::new(text).monospace();
                if popped {
                    r = r.color(ui.visuals().warn_fg_color);
                }
                ui.label(r);
            }
            match &m.after {
                Some(after) => {
                    let pushed = &after[after.len().saturating_sub(m.pushes as usize)..];
                    let list: Vec<String> = pushed.iter().map(|t| t.to_string()).collect();
                    ui.label(
                        egui::RichText::new(format!(
                            "after: {} entries, pushed [{}]",
                            after.len(),
                            list.join(" ")
                        ))
                        .monospace(),
                    );
                }
                None => {
                    ui.label(egui::RichText::new("after: the function returns").monospace());
                }
            }
            let ui = &mut cols[2];
            ui.strong("locals");
            for (k, v) in f.locals.iter().enumerate() {
                ui.label(
                    egui::RichText::new(format!("local {k}: {} {}", v.ty(), format_typed(v)))
                        .monospace(),
                );
            }
        });
        // The function's structure: nested blocks, those around the instruction marked.
        let Some(blocks) = session
            .stepper()
            .and_then(|s| s.compiled().structure(f.definition.index()))
        else {
            return;
        };
        egui::CollapsingHeader::new(format!("structure of {}", f.definition.debug_name()))
            .default_open(true)
            .show(ui, |ui| {
                for b in &blocks {
                    let around = b.start <= offset && offset <= b.end;
                    let text = format!(
                        "{}{} {:#x}..{:#x}{}  ({} instructions){}",
                        "    ".repeat(b.depth),
                        b.kind,
                        b.start,
                        b.end,
                        b.else_at
                            .map(|e| format!(", else at {e:#x}"))
                            .unwrap_or_default(),
                        b.instructions,
                        if around { "  ◀ here" } else { "" }
                    );
                    let mut t = egui::RichText::new(text).monospace();
                    if around {
                        t = t.strong();
                    }
                    if ui
                        .add(egui::Label::new(t).sense(egui::Sense::click()))
                        .on_hover_text("show it in the Code view")
                        .clicked()
                    {
                        *go = Some(b.start);
                    }
                }
            });
    }
}
