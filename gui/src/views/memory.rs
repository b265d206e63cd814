//! Memory: hex and ASCII of a memory (memory 0 unless the module has several: a picker
//! chooses; 64-bit memories addressed above 4 GiB) from an address the user picks (the
//! first row starts there), as many bytes a row as the panel's width holds (a multiple of 4);
//! bytes changed by the last step or run are highlighted; the bytes at the selected
//! address are shown as i32/i64/f32/f64/string, and "Follow" jumps to the address stored
//! there.

use crate::session::{watch_label, Session};
use crate::state::AppState;
use wasmscope::WatchKind;
use wasmscope_listeners::stepper::{LastWrite, Watched};

const ROWS: u64 = 32;
/// The hex rows' font size.
const FONT: f32 = 11.0;

/// The Memory view.
#[derive(Debug)]
pub struct MemoryView {
    /// The address field's text (hex, `0x` optional).
    pub address_text: String,
    /// The first address shown.
    pub address: u64,
    /// Bytes per row, as the panel's width allowed last time.
    pub row_bytes: u64,
    /// The memory shown (multi-memory: chosen when the module has several).
    pub memory: u32,
    error: Option<String>,
    /// How many bytes from the selected address "Last writer" asks about.
    pub writer_len: u64,
    /// The last "Last writer" answer: the range asked about and what was found.
    last_writer: Option<((u64, u64), WriterAnswer)>,
}

/// What "Last writer" found: the write, none since the start, or why it could not look.
type WriterAnswer = Result<Option<LastWrite>, String>;

impl Default for MemoryView {
    fn default() -> Self {
        MemoryView {
            address_text: String::new(),
            address: 0,
            row_bytes: 8,
            memory: 0,
            error: None,
            writer_len: 4,
            last_writer: None,
        }
    }
}

/// How many bytes a hex row of `chars` characters holds with addresses of `digits` hex
/// digits: a multiple of 4, from 4 to 64 (`000010  41 42 …  |AB…|` takes `digits` + 5,
/// and 4 characters a byte).
pub fn bytes_per_row(chars: usize, digits: usize) -> u64 {
    let n = chars.saturating_sub(digits + 5) / 4;
    ((n / 4 * 4).clamp(4, 64)) as u64
}

/// The little-endian pointer of `width` bytes (4 or 8) at the start of `bytes`, if they
/// hold one.
pub fn pointer_at(bytes: &[u8], width: usize) -> Option<u64> {
    let mut word = [0u8; 8];
    word[..width].copy_from_slice(bytes.get(..width)?);
    Some(u64::from_le_bytes(word))
}

/// The hex digits an address in a memory of `size` bytes needs: 4 to 16 (a 64-bit
/// memory above 4 GiB).
pub fn address_digits(size: u64) -> usize {
    let bits = 64 - size.saturating_sub(1).leading_zeros() as usize;
    bits.div_ceil(4).clamp(4, 16)
}

/// One hex + ASCII row of `bytes.len()` bytes: `00000010  41 42 …  |AB…|`.
pub fn hex_row(address: u64, bytes: &[u8]) -> String {
    let mut hex = String::new();
    for i in 0..bytes.len() {
        match bytes.get(i) {
            Some(b) => hex.push_str(&format!("{b:02x} ")),
            None => hex.push_str("   "),
        }
    }
    let ascii: String = bytes.iter().map(|b| ascii(*b)).collect();
    format!("{address:08x}  {hex} |{ascii}|")
}

fn ascii(b: u8) -> char {
    if b.is_ascii_graphic() || b == b' ' {
        b as char
    } else {
        '.'
    }
}

/// The bytes at an address read as the usual types (little-endian), as `(type, value)`
/// lines; the string is the bytes up to the first NUL (at most 64), escaped.
pub fn interpret(bytes: &[u8]) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    let take = |n: usize| bytes.get(..n);
    if let Some(b) = take(4) {
        let v = u32::from_le_bytes(b.try_into().unwrap_or_default());
        out.push(("i32", format!("{} (0x{v:x}, u32 {v})", v as i32)));
        out.push(("f32", format!("{:?}", f32::from_bits(v))));
    }
    if let Some(b) = take(8) {
        let v = u64::from_le_bytes(b.try_into().unwrap_or_default());
        out.push(("i64", format!("{} (0x{v:x})", v as i64)));
        out.push(("f64", format!("{:?}", f64::from_bits(v))));
    }
    let end = bytes
        .iter()
        .take(64)
        .position(|b| *b == 0)
        .unwrap_or(bytes.len().min(64));
    // Bytes that are not UTF-8 as `\xNN` (U+FFFD would hide them, and the fonts have no
    // glyph for it).
    let mut s = String::new();
    for chunk in bytes[..end].utf8_chunks() {
        s.extend(chunk.valid().chars().flat_map(char::escape_debug));
        for b in chunk.invalid() {
            s.push_str(&format!("\\x{b:02x}"));
        }
    }
    out.push(("string", format!("\"{s}\"")));
    out
}

fn parse_hex(t: &str) -> Option<u64> {
    let t = t.trim();
    u64::from_str_radix(t.strip_prefix("0x").unwrap_or(t), 16).ok()
}

impl MemoryView {
    /// Shows memory from `address` (rounded down to 4 bytes: rows start there, whatever
    /// their length) and selects it.
    pub fn go_to(&mut self, address: u64, state: &mut AppState) {
        self.address = address & !3;
        self.address_text = format!("0x{address:x}");
        state.selection.address = Some(address);
        self.error = None;
    }

    /// Asks for the last writer of the `writer_len` bytes at `address` (the "Last
    /// writer" button).
    pub fn ask_last_writer(&mut self, session: &mut Session, address: u64) {
        let range = (address, self.writer_len);
        self.last_writer = Some((range, session.last_writer(range.0, range.1)));
    }

    /// "Watch writes" / "Watch reads": a watchpoint on the `writer_len` bytes at the
    /// selected address (listed in the Breakpoints tab).
    fn watch_ui(&mut self, ui: &mut egui::Ui, session: &mut Session, selected: u64) {
        ui.horizontal_wrapped(|ui| {
            let len = self.writer_len;
            let what = |kind| Watched::Memory {
                memory: self.memory,
                address: selected,
                len,
                kind,
            };
            if ui
                .button("Watch writes")
                .on_hover_text(format!(
                    "stop when the {len} bytes at 0x{selected:x} change (this run and the next)"
                ))
                .clicked()
            {
                session.add_watch(what(WatchKind::Write));
            }
            if ui
                .button("Watch reads")
                .on_hover_text(format!(
                    "stop after an instruction loads the {len} bytes at 0x{selected:x}"
                ))
                .clicked()
            {
                session.add_watch(what(WatchKind::Read));
            }
            if !(session.is_recorded() && self.memory == 0) {
                // (Else the Last writer row sets it.)
                ui.label("of");
                egui::ComboBox::from_id_salt("watch_len")
                    .selected_text(format!("{} bytes", self.writer_len))
                    .show_ui(ui, |ui| {
                        for n in [1, 2, 4, 8, 16, 32, 64] {
                            ui.selectable_value(&mut self.writer_len, n, format!("{n} bytes"));
                        }
                    })
                    .response
                    .on_hover_text("how many bytes from the selected address");
            } else {
                ui.label(format!("of {len} bytes at 0x{selected:x}"));
            }
        });
    }

    /// "Last writer" of the bytes at the selected address (a recorded run): the write
    /// that gave them their value, and a button that goes to that moment.
    fn last_writer_ui(&mut self, ui: &mut egui::Ui, session: &mut Session, selected: u64) {
        ui.horizontal_wrapped(|ui| {
            let ask = ui.button("Last writer").on_hover_text(
                "the write that gave these bytes their value (a replay of the recording)",
            );
            let of = ui.label("of");
            ui.add(
                egui::DragValue::new(&mut self.writer_len)
                    .range(1..=64)
                    .suffix(" bytes"),
            )
            .labelled_by(of.id)
            .on_hover_text("how many bytes from the selected address");
            if ask.clicked() {
                self.ask_last_writer(session, selected);
            }
        });
        let mut go = None;
        if let Some(((at, len), answer)) = &self.last_writer {
            match answer {
                Ok(Some(w)) => {
                    let place = w
                        .sources
                        .first()
                        .map(|l| {
                            format!(
                                " in {} at {}:{}",
                                l.function.as_deref().unwrap_or("??"),
                                l.file,
                                l.line
                            )
                        })
                        .unwrap_or_default();
                    let offset = w
                        .code_offset
                        .map(|o| format!(" (0x{o:x})"))
                        .unwrap_or_default();
                    ui.horizontal_wrapped(|ui| {
                        ui.label(format!(
                            "0x{at:x}+{len}: written before instruction {}{place}{offset}: {} -> {}",
                            w.instructions,
                            hex_bytes(&w.old),
                            hex_bytes(&w.new)
                        ));
                        if ui
                            .button("Go there")
                            .on_hover_text("the call right after that write (a replay)")
                            .clicked()
                        {
                            go = Some(w.instructions);
                        }
                    });
                }
                Ok(None) => {
                    ui.label(format!(
                        "0x{at:x}+{len}: not written since the start (what instantiation put there)"
                    ));
                }
                Err(e) => {
                    ui.colored_label(ui.visuals().error_fg_color, e);
                }
            }
        }
        if let Some(n) = go {
            session.go_to(n);
        }
    }

    /// Draws the view.
    pub fn ui(&mut self, ui: &mut egui::Ui, state: &mut AppState, session: &mut Session) {
        ui.heading("Memory");
        let names = state
            .module
            .as_ref()
            .map(|m| m.memory_names.clone())
            .unwrap_or_default();
        if names.len() > 1 {
            // Several memories: which one (the session reads it from the next frame).
            let current = names.get(self.memory as usize).cloned().unwrap_or_default();
            egui::ComboBox::from_label("shown")
                .selected_text(current)
                .show_ui(ui, |ui| {
                    for (i, name) in names.iter().enumerate() {
                        if ui
                            .selectable_value(&mut self.memory, i as u32, name)
                            .clicked()
                        {
                            self.address = 0;
                            self.address_text.clear();
                            state.selection.address = None;
                        }
                    }
                });
        }
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
                match parse_hex(&self.address_text) {
                    Some(a) if a < size => self.go_to(a, state),
                    Some(a) => self.error = Some(format!("0x{a:x} is past the end (0x{size:x})")),
                    None => {
                        self.error = Some(format!("not a hex address: {:?}", self.address_text))
                    }
                }
            }
            ui.label(format!("size 0x{size:x} ({} pages)", size / 65536));
        });
        if let Some(e) = &self.error {
            ui.colored_label(ui.visuals().error_fg_color, e);
        }
        let selected = state.selection.address.unwrap_or(self.address);
        let at = session.read_memory(selected, 64).unwrap_or_default();
        ui.horizontal_wrapped(|ui| {
            ui.label(format!("at 0x{selected:x}:"));
            for (t, v) in interpret(&at) {
                ui.monospace(format!("{t} {v}"));
                ui.separator();
            }
            // A pointer is 8 bytes in a 64-bit memory, 4 in a 32-bit one.
            let (width, ty) = if session.memory_is_64() {
                (8, "i64")
            } else {
                (4, "i32")
            };
            if let Some(p) = pointer_at(&at, width) {
                if ui
                    .add_enabled(p < size, egui::Button::new("Follow"))
                    .on_hover_text(format!("go to the {ty} pointer's target 0x{p:x}"))
                    .clicked()
                {
                    self.go_to(p, state);
                }
            }
        });
        if session.stepper().is_some() {
            self.watch_ui(ui, session, selected);
        }
        if session.is_recorded() && self.memory == 0 && !session.is_running() {
            self.last_writer_ui(ui, session, selected);
        }
        // As many bytes a row as the width holds, so the panel never widens for them.
        let char_width = ui.fonts_mut(|f| f.glyph_width(&egui::FontId::monospace(FONT), '0'));
        let chars = (ui.available_width() - 12.0) / char_width.max(1.0);
        let digits = address_digits(size);
        let row_bytes = bytes_per_row(chars.max(0.0) as usize, digits);
        self.row_bytes = row_bytes;
        let len = row_bytes * ROWS;
        let bytes = session.read_memory(self.address, len).unwrap_or_default();
        let changed = session.changed_bytes(self.address, len);
        if !changed.is_empty() {
            ui.colored_label(
                ui.visuals().warn_fg_color,
                format!(
                    "{} byte{} shown changed in the last step or run",
                    changed.len(),
                    if changed.len() == 1 { "" } else { "s" }
                ),
            );
        }
        let visuals = ui.visuals().clone();
        egui::ScrollArea::both().id_salt("memory").show(ui, |ui| {
            for (r, chunk) in bytes.chunks(row_bytes as usize).enumerate() {
                let row = self.address + r as u64 * row_bytes;
                let mut job = egui::text::LayoutJob::default();
                let font = egui::TextFormat {
                    font_id: egui::FontId::monospace(FONT),
                    color: visuals.text_color(),
                    ..Default::default()
                };
                let mut hot = font.clone();
                hot.color = visuals.warn_fg_color;
                let mut sel = font.clone();
                sel.background = visuals.selection.bg_fill;
                job.append(&format!("{row:0digits$x}  "), 0.0, font.clone());
                for i in 0..row_bytes as usize {
                    let a = row + i as u64;
                    match chunk.get(i) {
                        Some(b) => {
                            let f = if Some(a) == state.selection.address {
                                &sel
                            } else if changed.contains_key(&a) {
                                &hot
                            } else {
                                &font
                            };
                            job.append(&format!("{b:02x}"), 0.0, f.clone());
                            job.append(" ", 0.0, font.clone());
                        }
                        None => job.append("   ", 0.0, font.clone()),
                    }
                }
                let text: String = chunk.iter().map(|b| ascii(*b)).collect();
                job.append(&format!(" |{text}|"), 0.0, font.clone());
                let r = ui.add(
                    egui::Label::new(job)
                        .sense(egui::Sense::click())
                        .selectable(false),
                );
                if r.clicked() {
                    state.selection.address = Some(row);
                }
            }
        });
    }
}

/// Bytes as hex, `0a 0b`.
fn hex_bytes(b: &[u8]) -> String {
    b.iter()
        .map(|x| format!("{x:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The watchpoints (Breakpoints tab): each with what it watches and Remove.
pub fn watch_list_ui(ui: &mut egui::Ui, session: &mut Session) {
    let watches = session.watches().to_vec();
    if watches.is_empty() {
        ui.weak(
            "no watchpoints: select bytes in Memory and Watch writes or reads, or Watch a \
             global in Tables and globals",
        );
        return;
    }
    ui.label(format!("{} watchpoints", watches.len()));
    let hit = session.watch_hit().map(|(i, _)| i);
    let mut remove = None;
    egui::Grid::new("watchpoints_grid")
        .striped(true)
        .show(ui, |ui| {
            for (i, w) in watches.iter().enumerate() {
                let label = format!("watchpoint {}: {}", i + 1, watch_label(w));
                if hit == Some(i) {
                    ui.strong(label.clone());
                } else {
                    ui.monospace(label.clone());
                }
                if ui
                    .small_button("Remove")
                    .on_hover_text(format!("remove {label}"))
                    .clicked()
                {
                    remove = Some(i);
                }
                let mut condition = session.watch_condition(i).to_string();
                // (Sized: a grid cell would give it only the width of its hint.)
                let edit = ui
                    .add_sized(
                        [160.0, ui.spacing().interact_size.y],
                        egui::TextEdit::singleline(&mut condition).hint_text("condition"),
                    )
                    .on_hover_text(
                        "stop only where this holds in the paused frame (`i == 3`); empty: always",
                    );
                let name = format!("condition of watchpoint {}", i + 1);
                edit.widget_info(|| egui::WidgetInfo::labeled(egui::Role::TextInput, true, &name));
                if edit.changed() {
                    session.set_watch_condition(i, &condition);
                }
                ui.end_row();
            }
        });
    if let Some(i) = remove {
        session.remove_watch(i);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_string_reading_escapes_bytes_that_are_not_utf8() {
        let lines = interpret(&[b'h', b'i', 0xfa, 0xff, b'\n', 0xe2, 0x82, 0]);
        let (_, s) = lines.iter().find(|(t, _)| *t == "string").unwrap();
        assert_eq!(s, r#""hi\xfa\xff\n\xe2\x82""#);
    }

    #[test]
    fn pointers_are_as_wide_as_the_memory_addresses() {
        assert_eq!(pointer_at(&[1, 2, 3, 4, 5, 6, 7, 8], 4), Some(0x0403_0201));
        assert_eq!(
            pointer_at(&[1, 2, 3, 4, 5, 6, 7, 8], 8),
            Some(0x0807_0605_0403_0201)
        );
        assert_eq!(pointer_at(&[1, 2, 3], 4), None);
    }

    #[test]
    fn rows_hold_what_the_width_allows() {
        assert_eq!(address_digits(0x10000), 4);
        assert_eq!(address_digits(0x110000), 6);
        assert_eq!(address_digits(1 << 32), 8);
        // A 64-bit memory above 4 GiB.
        assert_eq!(address_digits((1 << 32) + 65536), 9);
        assert_eq!(address_digits(u64::MAX), 16);
        // 6-digit addresses: 11 characters, then 4 a byte.
        assert_eq!(bytes_per_row(11 + 4 * 12, 6), 12);
        assert_eq!(bytes_per_row(11 + 4 * 12 - 1, 6), 8);
        assert_eq!(bytes_per_row(11 + 4 * 16 + 3, 6), 16);
        assert_eq!(bytes_per_row(3, 8), 4);
        assert_eq!(bytes_per_row(10_000, 8), 64);
    }
}
