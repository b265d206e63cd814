//! Watch: expressions over the source variables (`p.x + 1`, `v[i]`, `*node`, `(u8)c`;
//! the language of [`wasmscope::variables`]) re-evaluated at every pause in the frame
//! selected in the Stack view, each a tree that opens like the Variables; changed values
//! are marked. An expression that has no value here says why. The list belongs to the
//! loaded module.

use crate::session::Session;
use crate::views::stack::value_node;

/// The Watch view.
#[derive(Debug, Default)]
pub struct WatchView {
    /// The expressions watched, in order.
    pub expressions: Vec<String>,
    /// The new expression being typed.
    pub input: String,
    /// Why the last expression was not added.
    pub error: Option<String>,
}

impl WatchView {
    /// Adds `expression` (its syntax checked first).
    ///
    /// # Errors
    /// A syntax error: nothing is added.
    pub fn add(&mut self, expression: &str) -> Result<(), String> {
        let e = expression.trim();
        if e.is_empty() {
            return Err("type an expression".into());
        }
        wasmscope::variables::check_syntax(e)?;
        if !self.expressions.iter().any(|x| x == e) {
            self.expressions.push(e.to_string());
        }
        Ok(())
    }

    /// Draws the view for frame `frame` (0: innermost) of the paused call; returns an
    /// address to show in the Memory view.
    pub fn ui(&mut self, ui: &mut egui::Ui, session: &Session, frame: usize) -> Option<u64> {
        let mut show_memory = None;
        ui.horizontal(|ui| {
            let label = ui.label("Watch:");
            let r = ui
                .add(
                    egui::TextEdit::singleline(&mut self.input)
                        .hint_text("an expression: p.x + 1, v[i], *node")
                        .desired_width(260.0),
                )
                .labelled_by(label.id);
            let enter = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            if ui.button("Add").clicked() || enter {
                let text = std::mem::take(&mut self.input);
                match self.add(&text) {
                    Ok(()) => self.error = None,
                    Err(e) => {
                        self.error = Some(e);
                        self.input = text;
                    }
                }
            }
            if !self.expressions.is_empty() && ui.button("Remove all").clicked() {
                self.expressions.clear();
            }
        });
        if let Some(e) = &self.error {
            ui.colored_label(ui.visuals().error_fg_color, e);
        }
        if self.expressions.is_empty() {
            ui.weak("no watches: type an expression over the variables in scope and Add");
            return None;
        }
        let frames = session.frames();
        let function = frames
            .get(frame)
            .map(|f| format!("watch {}", f.definition.debug_name()))
            .unwrap_or_default();
        let mut remove = None;
        egui::ScrollArea::vertical()
            .id_salt("watch")
            .auto_shrink([false, false])
            .show(ui, |ui| {
                for (k, expr) in self.expressions.iter().enumerate() {
                    ui.horizontal(|ui| {
                        if ui
                            .small_button("x")
                            .on_hover_text(format!("stop watching {expr}"))
                            .clicked()
                        {
                            remove = Some(k);
                        }
                        if frames.is_empty() {
                            ui.label(
                                egui::RichText::new(format!("{expr} (not paused)"))
                                    .monospace()
                                    .weak(),
                            );
                        } else {
                            let e = session.evaluate(frame, expr);
                            ui.vertical(|ui| {
                                value_node(
                                    ui,
                                    session,
                                    frame,
                                    &function,
                                    &e,
                                    0,
                                    &mut show_memory,
                                    &Default::default(),
                                );
                            });
                        }
                    });
                }
            });
        if let Some(k) = remove {
            self.expressions.remove(k);
        }
        show_memory
    }
}
