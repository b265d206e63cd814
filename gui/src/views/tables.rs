//! Tables and globals: every global of the module (exported or not) with its type and
//! current value, and every table's entries (function name and type).

use crate::session::Session;
use crate::state::AppState;
use wasmscope_listeners::stepper::Watched;

/// The Tables and globals view.
#[derive(Debug, Default)]
pub struct TablesView;

impl TablesView {
    /// Draws the view.
    pub fn ui(&mut self, ui: &mut egui::Ui, state: &AppState, session: &mut Session) {
        let name = |i: u32| {
            state
                .module
                .as_ref()
                .and_then(|m| m.global_names.get(&i))
                .map_or_else(String::new, |n| format!(" ${n}"))
        };
        let globals = session.globals();
        let tables = session.tables();
        if globals.is_empty() && tables.is_empty() {
            ui.label(if session.stepper().is_some() {
                "this module has no globals or tables"
            } else {
                "start the module to see its globals and tables"
            });
            return;
        }
        egui::ScrollArea::vertical()
            .id_salt("tables_globals")
            .auto_shrink([false, false])
            .show(ui, |ui| {
                ui.strong(format!("Globals ({})", globals.len()));
                egui::Grid::new("globals_grid")
                    .striped(true)
                    .show(ui, |ui| {
                        for g in &globals {
                            ui.monospace(format!("global {}{}", g.index, name(g.index)));
                            ui.monospace(format!(
                                "{}{}",
                                if g.mutable { "mut " } else { "" },
                                g.ty
                            ));
                            ui.monospace(&g.value);
                            let watched = Watched::Global(g.index);
                            if g.mutable
                                && !session.watches().contains(&watched)
                                && ui
                                    .small_button("Watch changes")
                                    .on_hover_text(format!(
                                        "stop when global {} changes (this run and the next)",
                                        g.index
                                    ))
                                    .clicked()
                            {
                                session.add_watch(watched);
                            }
                            ui.end_row();
                        }
                    });
                for t in &tables {
                    ui.separator();
                    ui.strong(format!(
                        "Table {}: {} × {} (min {}, max {})",
                        t.index,
                        t.size,
                        t.ty.element,
                        t.ty.limits.min,
                        t.ty.limits.max.map_or("none".into(), |m| m.to_string())
                    ));
                    egui::Grid::new(("table_grid", t.index))
                        .striped(true)
                        .show(ui, |ui| {
                            for (i, e) in t.elements.iter().enumerate() {
                                ui.monospace(format!("[{i}]"));
                                ui.monospace(e);
                                ui.end_row();
                            }
                        });
                    if t.size > Session::TABLE_ROWS {
                        ui.weak(format!("… {} more", t.size - Session::TABLE_ROWS));
                    }
                }
            });
    }
}
