//! Traps: the last trap's message, its stack trace with source lines (click a frame to
//! go to its instruction in the Code and Source views), and for out-of-bounds memory
//! accesses the address, width and memory size.

use crate::session::Session;
use crate::state::AppState;

/// The Traps view.
#[derive(Debug, Default)]
pub struct TrapsView {
    /// Whether the current trap was already brought forward.
    pub shown: bool,
}

impl TrapsView {
    /// Draws the view.
    pub fn ui(&mut self, ui: &mut egui::Ui, state: &mut AppState, session: &Session) {
        let Some(trap) = session.trap() else {
            ui.label("no trap");
            return;
        };
        ui.colored_label(ui.visuals().error_fg_color, &trap.message);
        if let Some(a) = trap.access {
            ui.label(format!(
                "memory access of {} bytes at 0x{:x}; the memory is 0x{:x} bytes ({} pages){}",
                a.len,
                a.address,
                a.memory_size,
                a.memory_size / 65536,
                if a.address >= a.memory_size {
                    format!(", 0x{:x} past its end", a.address - a.memory_size)
                } else {
                    ", the access runs past its end".into()
                }
            ));
        }
        egui::ScrollArea::vertical()
            .id_salt("trap_frames")
            .auto_shrink([false, false])
            .show(ui, |ui| {
                for (i, f) in trap.frames.iter().enumerate() {
                    let mut title =
                        format!("#{i} {}", crate::names::demangle_signature(&f.signature));
                    if let Some(o) = f.code_offset {
                        title.push_str(&format!(" @ 0x{o:x}"));
                    }
                    let selected =
                        f.code_offset.is_some() && state.selection.code_offset == f.code_offset;
                    if ui.selectable_label(selected, title).clicked() {
                        state.selection.code_offset = f.code_offset;
                    }
                    for s in &f.sources {
                        ui.monospace(format!("      {s}"));
                    }
                }
            });
    }
}
