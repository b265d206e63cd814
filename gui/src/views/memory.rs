//! Memory: hex and ASCII of memory 0, from an address the user picks.

use crate::session::Session;

const ROW: u64 = 8;
const ROWS: u64 = 32;

/// The Memory view.
#[derive(Debug, Default)]
pub struct MemoryView {
    /// The address field's text (hex, `0x` optional).
    pub address_text: String,
    /// The first address shown.
    pub address: u64,
    error: Option<String>,
}

/// One hex + ASCII row of 8 bytes: `00000010  41 42 …  |AB…|`.
pub fn hex_row(address: u64, bytes: &[u8]) -> String {
    let mut hex = String::new();
    for i in 0..ROW as usize {
        match bytes.get(i) {
            Some(b) => hex.push_str(&format!("{b:02x} ")),
            None => hex.push_str("   "),
        }
    }
    let ascii: String = bytes
        .iter()
        .map(|b| {
            if b.is_ascii_graphic() || *b == b' ' {
                *b as char
            } else {
                '.'
            }
        })
        .collect();
    format!("{address:08x}  {hex} |{ascii}|")
}

impl MemoryView {
    /// Draws the view.
    pub fn ui(&mut self, ui: &mut egui::Ui, session: &Session) {
        ui.heading("Memory");
        let Some(size) = session.memory_size() else {
            ui.label("no memory (start the module first)");
            return;
        };
        ui.horizontal(|ui| {
            let label = ui.label("Address:");
            let r = ui
                .add(egui::TextEdit::singleline(&mut self.address_text).desired_width(100.0))
                .labelled_by(label.id);
            let enter = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            if ui.button("Go").clicked() || enter {
                let t = self.address_text.trim();
                let t = t.strip_prefix("0x").unwrap_or(t);
                match u64::from_str_radix(t, 16) {
                    Ok(a) if a < size => {
                        self.address = a & !(ROW - 1);
                        self.error = None;
                    }
                    Ok(a) => self.error = Some(format!("0x{a:x} is past the end (0x{size:x})")),
                    Err(_) => self.error = Some(format!("not a hex address: {t:?}")),
                }
            }
            ui.label(format!("size 0x{size:x}"));
        });
        if let Some(e) = &self.error {
            ui.colored_label(ui.visuals().error_fg_color, e);
        }
        let bytes = session
            .read_memory(self.address, ROW * ROWS)
            .unwrap_or_default();
        egui::ScrollArea::both().id_salt("memory").show(ui, |ui| {
            for (i, chunk) in bytes.chunks(ROW as usize).enumerate() {
                ui.monospace(hex_row(self.address + i as u64 * ROW, chunk));
            }
        });
    }
}
