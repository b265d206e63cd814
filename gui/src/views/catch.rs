//! WASI catchpoints: which WASI calls pause the call, before they run and after they
//! return (by class: files, clocks, random, args and environment, exit, other; or by
//! function name), set in the Breakpoints tab; and, when the call is paused at one, the
//! call itself above the Stack view: its arguments decoded (paths, the bytes written as
//! text and hex, flags and rights by name), editable before the call; its errno and the
//! values it wrote after it; a result to return instead (before the call: without
//! running it), so that a program can be seen coping with `ENOSPC` or a short read.

use std::collections::HashMap;

use crate::session::Session;
use wasmscope::wasi::WasiClass;

/// The catchpoints' settings and the paused call's edits.
#[derive(Debug, Default)]
pub struct CatchView {
    /// The classes caught, in [`WasiClass::ALL`]'s order.
    pub classes: [bool; 6],
    /// Functions caught by name, comma- or space-separated (`fd_write, path_open`;
    /// `module.name` for another host module's).
    pub names: String,
    /// The argument values typed, by argument index.
    edits: HashMap<usize, String>,
    /// The result typed.
    result: String,
    /// Why the last edit was refused, or what it did.
    note: Option<(bool, String)>,
    /// The call the edits belong to: name, before, arguments.
    shown: Option<(String, bool, Vec<wasmscope::Value>)>,
}

/// The label of a class's checkbox: `catch files`.
pub fn class_label(class: WasiClass) -> String {
    format!("catch {}", class.name())
}

impl CatchView {
    /// The host functions caught, as the settings say.
    pub fn caught(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for (class, on) in WasiClass::ALL.iter().zip(self.classes) {
            if on {
                names.extend(class.functions().into_iter().map(String::from));
            }
        }
        for n in self.names.split([',', ' ']).map(str::trim) {
            if !n.is_empty() && !names.iter().any(|m| m == n) {
                names.push(n.to_string());
            }
        }
        names
    }

    /// Gives the session the catchpoints the settings say (every frame: a new session
    /// gets them too).
    pub fn sync(&self, session: &mut Session) {
        let want = self.caught();
        if session.host_call_catches() != want.as_slice() {
            session.set_host_call_catches(want);
        }
    }

    /// The settings: a checkbox per class and the names field (in the Breakpoints tab).
    pub fn settings_ui(&mut self, ui: &mut egui::Ui, session: &mut Session) {
        ui.horizontal_wrapped(|ui| {
            ui.label("Catch WASI calls:")
                .on_hover_text("pause before and after each call of these WASI functions");
            for (k, class) in WasiClass::ALL.iter().enumerate() {
                ui.checkbox(&mut self.classes[k], class_label(*class))
                    .on_hover_text(class.functions().join(", "));
            }
            let name = ui.weak("functions");
            ui.add(
                egui::TextEdit::singleline(&mut self.names)
                    .hint_text("fd_write, path_open")
                    .desired_width(160.0),
            )
            .labelled_by(name.id)
            .on_hover_text("WASI functions by name (module.name for another host module's)");
        });
        let unknown: Vec<String> = self
            .names
            .split([',', ' '])
            .map(str::trim)
            .filter(|n| !n.is_empty() && !n.contains('.') && WasiClass::of(n).is_none())
            .map(String::from)
            .collect();
        if !unknown.is_empty() {
            ui.colored_label(
                ui.visuals().warn_fg_color,
                format!("not WASI functions: {}", unknown.join(", ")),
            );
        }
        self.sync(session);
    }

    /// The call the session is paused at, if it is a caught host call (above the Stack
    /// view).
    pub fn call_ui(&mut self, ui: &mut egui::Ui, session: &mut Session) {
        let Some(call) = session.host_call() else {
            self.shown = None;
            return;
        };
        let key = (call.name.clone(), call.before, call.params.clone());
        if self.shown.as_ref() != Some(&key) {
            self.edits.clear();
            self.result.clear();
            if self.shown.as_ref().map(|s| (&s.0, s.1)) != Some((&key.0, key.1)) {
                self.note = None;
            }
            self.shown = Some(key);
        }
        let when = if call.before { "Before" } else { "After" };
        let module = if call.module == wasmscope::wasi::MODULE_NAME {
            "the WASI call".to_string()
        } else {
            format!("the call of {}.", call.module)
        };
        ui.heading(format!("{when} {module} {}", call.name));
        // One wrapped line per argument and result: `fd = 1 (stdout)`.
        for (name, text) in call.args.iter().chain(&call.results) {
            ui.add(
                egui::Label::new(egui::RichText::new(format!("{name} = {text}")).monospace())
                    .wrap(),
            );
        }
        if call.before {
            // The arguments' new values: a field per argument, labelled by its name.
            ui.horizontal_wrapped(|ui| {
                ui.weak("change:");
                for (i, (name, _)) in call.args.iter().enumerate().take(call.params.len()) {
                    let label = ui.weak(name);
                    let field = self.edits.entry(i).or_default();
                    let r = ui
                        .add(egui::TextEdit::singleline(field).desired_width(70.0))
                        .labelled_by(label.id)
                        .on_hover_text(format!("a new value for {name} (Enter)"));
                    if r.lost_focus() && ui.input(|k| k.key_pressed(egui::Key::Enter)) {
                        let typed = field.trim().to_string();
                        self.note = Some(match session.set_host_call_arg(i, &typed) {
                            Ok(()) => (true, format!("{name} set to {typed}")),
                            Err(e) => (false, format!("{name}: {e}")),
                        });
                    }
                }
            });
        }
        if call.skipped {
            ui.label("skipped: it will not run; the caller gets the result above");
        }
        ui.horizontal(|ui| {
            let label = ui.weak("return");
            ui.add(
                egui::TextEdit::singleline(&mut self.result)
                    .hint_text("ENOSPC")
                    .desired_width(90.0),
            )
            .labelled_by(label.id)
            .on_hover_text("a WASI errno by name or number (or a value of the result's type)");
            let (button, hover) = if call.before {
                (
                    "Skip the call and return",
                    "the function does not run: the caller gets this result",
                )
            } else {
                (
                    "Return this instead",
                    "the caller gets this result instead of what the function returned",
                )
            };
            if ui.button(button).on_hover_text(hover).clicked() {
                let typed = self.result.trim().to_string();
                let typed = if typed.is_empty() { "0".into() } else { typed };
                self.note = Some(match session.return_from_host_call(&typed) {
                    Ok(()) => (true, format!("{} returns {typed}", call.name)),
                    Err(e) => (false, e),
                });
            }
        });
        if let Some((ok, text)) = &self.note {
            if *ok {
                ui.weak(text);
            } else {
                ui.colored_label(ui.visuals().error_fg_color, text);
            }
        }
        ui.separator();
    }
}
