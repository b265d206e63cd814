//! Stack: the paused call's frames, innermost first, with function names, typed
//! parameters, code offsets and source lines (wrapped, never cut off); clicking a frame
//! selects its instruction (the Code and Source views go there) and opens its locals and
//! operand stack; a GC reference among them opens into its struct's fields or array's
//! elements (nested ones too). After a trap, with Pause on trap, the trapping call's
//! frames. Without frames it says why (not started, not entered yet, running, ended).

use crate::session::{format_typed, program_line, source_place, RunState, Session};
use crate::state::AppState;
use wasmscope::variables::Evaluated;
use wasmscope::Value;
use wasmscope_listeners::stepper::Frame;

/// How a source value is listed: `name: type = value`, `name: type (why not)`; `Δ `
/// before it when it changed since the last pause.
pub fn value_text(
    label: &str,
    type_name: &str,
    value: &Result<String, String>,
    changed: bool,
) -> String {
    let mark = if changed { "Δ " } else { "" };
    let ty = if type_name.is_empty() {
        String::new()
    } else {
        format!(": {type_name}")
    };
    match value {
        Ok(v) => format!("{mark}{label}{ty} = {v}"),
        Err(why) => format!("{mark}{label}{ty} ({why})"),
    }
}

/// How deep a source value's tree opens.
const VALUE_DEPTH: usize = 8;

/// A source value as a tree node of the Variables and Watch panels: a line, or, when it
/// has members, elements or a target, a collapsible node whose children are read when it
/// is opened (one level at a time, each child named by its expression; the nodes of the
/// expressions in `open` start open). A pointer (a reference, a slice, a `Vec`, a
/// `String`) has a `mem` button: `show_memory` gets its target's address for the Memory
/// view. `function` keys the changed-value marks.
#[allow(clippy::too_many_arguments)]
pub fn value_node(
    ui: &mut egui::Ui,
    session: &Session,
    frame: usize,
    function: &str,
    e: &Evaluated,
    depth: usize,
    show_memory: &mut Option<u64>,
    open: &std::collections::BTreeSet<String>,
) {
    let value_text_now = e.value.clone().unwrap_or_default();
    let changed = e.value.is_ok() && session.changed(function, &e.expression, &value_text_now);
    let text = value_text(&e.label, &e.type_name, &e.value, changed);
    let mut rich = egui::RichText::new(&text).monospace();
    if e.value.is_err() {
        rich = rich.weak();
    } else if changed {
        rich = rich.color(ui.visuals().warn_fg_color);
    }
    // One line per node: a long value is cut with `…` (its tooltip has it all), so the
    // tree never widens the panel.
    let mem_button = |ui: &mut egui::Ui, show_memory: &mut Option<u64>| {
        if let Some(a) = e.points_to {
            if ui
                .small_button("mem")
                .on_hover_text(format!(
                    "show what it points to ({a:#x}) in the Memory view"
                ))
                .clicked()
            {
                *show_memory = Some(a);
            }
        }
    };
    let hover = if changed {
        format!("{text}\nchanged since the last pause")
    } else {
        format!("{text}\n{}", e.expression)
    };
    if e.expandable && depth < VALUE_DEPTH && !e.expression.is_empty() {
        let id = ui.make_persistent_id(("value", frame, function, &e.expression));
        let state = egui::collapsing_header::CollapsingState::load_with_default_open(
            ui.ctx(),
            id,
            open.contains(&e.expression),
        );
        let mut clicked = false;
        let mut header = state.show_header(ui, |ui| {
            ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Truncate);
            mem_button(ui, show_memory);
            // The text opens and closes the node too.
            clicked = ui
                .add(
                    egui::Label::new(rich)
                        .truncate()
                        .sense(egui::Sense::click()),
                )
                .on_hover_text(format!("{hover} (click to open)"))
                .clicked();
        });
        if clicked {
            header.toggle();
        }
        header.body(|ui| match session.children(frame, &e.expression) {
            Ok(children) => {
                for c in &children {
                    value_node(
                        ui,
                        session,
                        frame,
                        function,
                        c,
                        depth + 1,
                        show_memory,
                        open,
                    );
                }
            }
            Err(why) => {
                ui.weak(why);
            }
        });
    } else {
        ui.horizontal(|ui| {
            ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Truncate);
            mem_button(ui, show_memory);
            ui.add(egui::Label::new(rich).truncate())
                .on_hover_text(hover);
        });
    }
}

/// The Stack view.
#[derive(Debug, Default)]
pub struct StackView {
    /// The frame whose locals and operands are open (0: innermost).
    pub selected: usize,
    /// Expressions whose tree nodes start open (a demo's; the user opens the others).
    pub open: std::collections::BTreeSet<String>,
}

/// Typed values, `i32 1000 (0x3e8), f64 2.5`, or `(none)`.
fn values(v: &[Value]) -> String {
    if v.is_empty() {
        "(none)".into()
    } else {
        v.iter()
            .map(|x| format!("{} {}", x.ty(), format_typed(x)))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Elements of an array shown at most.
pub const ARRAY_ROWS: usize = 100;

/// How deep nested objects open.
const MAX_DEPTH: usize = 6;

/// A GC object `v` (if it is one) as a collapsible entry `label: object #N: struct (2
/// fields)`, its fields or elements inside (objects among them open the same way).
fn object_ui(ui: &mut egui::Ui, rt: &wasmscope::Runtime, label: &str, v: &Value, depth: usize) {
    let Some(obj) = rt.gc_object(v, ARRAY_ROWS) else {
        return;
    };
    let ty = obj
        .type_name
        .as_deref()
        .map_or_else(String::new, |n| format!("${n} "));
    let what = match obj.is_array {
        true => format!("{ty}array [{}]", obj.len),
        false => format!("{ty}struct ({} fields)", obj.len),
    };
    let title = format!("{label}: {}: {what}", format_typed(v));
    egui::CollapsingHeader::new(egui::RichText::new(title).monospace())
        .id_salt((label, depth, v.bits()))
        // A small struct in a frame's values is open at once.
        .default_open(depth == 0 && !obj.is_array && obj.values.len() <= 4)
        .show(ui, |ui| {
            for (i, f) in obj.values.iter().enumerate() {
                let name = match obj.field_names.get(i).and_then(|n| n.as_deref()) {
                    _ if obj.is_array => format!("[{i}]"),
                    Some(n) => format!("field {i} ${n}"),
                    None => format!("field {i}"),
                };
                if depth < MAX_DEPTH && rt.gc_object(f, 0).is_some() {
                    object_ui(ui, rt, &name, f, depth + 1);
                } else {
                    ui.monospace(format!("{name}: {} {}", f.ty(), format_typed(f)));
                }
            }
            if obj.len as usize > ARRAY_ROWS {
                ui.weak(format!("… {} more", obj.len as usize - ARRAY_ROWS));
            }
        });
}

/// The one-line title of a frame: `#i name(p0: i32 = 5, …) @ 0x1a2 file:line`.
pub fn frame_title(i: usize, f: &Frame) -> String {
    let d = &f.definition;
    let params: Vec<String> = d
        .param_types()
        .iter()
        .enumerate()
        .map(|(k, t)| {
            let value = f.locals.get(k).map_or_else(|| "?".into(), format_typed);
            let name = d
                .param_names()
                .get(k)
                .and_then(|n| n.as_deref())
                .map_or_else(|| format!("p{k}"), str::to_string);
            format!("{name}: {t} = {value}")
        })
        .collect();
    let name = d
        .name()
        .map_or_else(|| d.debug_name(), crate::names::demangle);
    let mut s = format!("#{i} {name}({})", params.join(", "));
    if let Some(o) = f.code_offset {
        s.push_str(&format!(" @ 0x{o:x}"));
    }
    match (program_line(&f.sources), f.sources.first()) {
        (Some(l), _) => s.push_str(&format!("  {}:{}", l.file, l.line)),
        (None, Some(l)) => s.push_str(&format!("  {}", source_place(l))),
        (None, None) => {}
    }
    s
}

/// Why there are no frames to show, in words.
pub fn no_frames(session: &Session) -> String {
    if session.is_running() {
        return "running… (Pause to see the stack)".into();
    }
    match session.state() {
        RunState::NotStarted => "no call: Start or Run the module".into(),
        RunState::Paused {
            code_offset: None, ..
        } => "ready: the call has not entered the function yet (Step into enters it)".into(),
        RunState::Paused { .. } => "no frames".into(),
        RunState::Trapped { .. } if !session.pause_on_trap => {
            "the call trapped (turn on Pause on trap to keep its frames)".into()
        }
        RunState::Trapped { .. } => "the call trapped; its frames cannot be read".into(),
        RunState::Finished(_) | RunState::Exited(_) => {
            "the call has ended (Restart to run it again)".into()
        }
    }
}

impl StackView {
    /// Draws the view; returns an address to show in the Memory view (a `mem` button
    /// of a variable was clicked).
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        state: &mut AppState,
        session: &Session,
    ) -> Option<u64> {
        let mut show_memory = None;
        self.frames_ui(ui, state, session, &mut show_memory);
        show_memory
    }

    fn frames_ui(
        &mut self,
        ui: &mut egui::Ui,
        state: &mut AppState,
        session: &Session,
        show_memory: &mut Option<u64>,
    ) {
        ui.heading("Stack");
        if let Some(e) = session.exception() {
            ui.label(
                egui::RichText::new(format!("Exception in flight: {e}"))
                    .color(ui.visuals().warn_fg_color),
            );
        }
        let frames = session.frames();
        if frames.is_empty() {
            ui.label(no_frames(session));
            return;
        }
        if session.is_paused_at_trap() {
            ui.colored_label(
                ui.visuals().error_fg_color,
                "paused at the trap: the frames as they were (Restart runs again)",
            );
        }
        if self.selected >= frames.len() {
            self.selected = 0;
        }
        egui::ScrollArea::vertical()
            .id_salt("stack")
            .max_height(ui.available_height() * 0.3)
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
                    // Wrapped: a long name or many parameters take more lines, never
                    // get cut off.
                    let r = ui
                        .add(egui::Label::new(text).wrap().sense(egui::Sense::click()))
                        .on_hover_text("select this frame: its locals and operands");
                    if r.clicked() {
                        self.selected = i;
                        state.selection.code_offset = f.code_offset;
                        state.selection.function = Some(f.definition.index());
                    }
                }
            });
        // The selected frame's values below the list (so that the list of frames stays
        // short): the source's variables (DWARF) first, then the Wasm level.
        let i = self.selected;
        let Some(f) = frames.get(i) else {
            return;
        };
        ui.separator();
        egui::ScrollArea::vertical()
            .id_salt("frame values")
            .show(ui, |ui| {
                let params = f.definition.param_types().len();
                let (p, l) = f.locals.split_at(params.min(f.locals.len()));
                ui.indent(("frame", i), |ui| {
                    // The source's variables (DWARF) first, when the module has them; then
                    // the Wasm level.
                    let vars = session.variables(i);
                    if !vars.is_empty() {
                        ui.label(egui::RichText::new("variables:").monospace());
                        let function = f.definition.debug_name();
                        for v in &vars {
                            let e = v.as_evaluated();
                            let key = format!("{function} {}", v.function.as_deref().unwrap_or(""));
                            ui.indent(("var", &v.name, &v.function), |ui| {
                                value_node(ui, session, i, &key, &e, 0, show_memory, &self.open);
                            })
                            .response
                            .on_hover_text(match &v.function {
                                Some(f) if v.is_parameter => format!("a parameter of {f}"),
                                Some(f) => format!("a variable of {f}"),
                                None => String::new(),
                            });
                        }
                    }
                    for (k, v) in [
                        ("params:  ", p),
                        ("locals:  ", l),
                        ("operands:", &f.operands[..]),
                    ] {
                        ui.add(
                            egui::Label::new(
                                egui::RichText::new(format!("{k} {}", values(v))).monospace(),
                            )
                            .wrap(),
                        );
                    }
                    if let Some(rt) = session.stepper().map(|s| s.runtime()) {
                        for (what, vals) in
                            [("param", p), ("local", l), ("operand", &f.operands[..])]
                        {
                            let base = if what == "local" { p.len() } else { 0 };
                            for (k, v) in vals.iter().enumerate() {
                                object_ui(ui, rt, &format!("{what} {}", base + k), v, 0);
                            }
                        }
                    }
                    for inl in f.sources.iter().skip(1) {
                        ui.weak(format!(
                            "inlined into {} at {}",
                            inl.function.as_deref().unwrap_or("?"),
                            source_place(inl)
                        ));
                    }
                });
            });
    }
}
