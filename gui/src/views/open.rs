//! Open: the built-in samples (embedded, so they need no file system) and a path field.

use crate::state::AppState;

macro_rules! program {
    ($name:literal) => {
        (
            $name,
            include_bytes!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../samples/programs/",
                $name,
                ".wasm"
            ))
            .as_slice(),
        )
    };
}

macro_rules! wat {
    ($name:literal) => {
        (
            concat!($name, ".wat"),
            include_bytes!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../samples/wat/",
                $name,
                ".wat"
            ))
            .as_slice(),
        )
    };
}

/// The built-in samples: `(name, bytes)`; `.wat` ones are text.
pub const SAMPLES: &[(&str, &[u8])] = &[
    program!("hello"),
    program!("divzero"),
    program!("oob"),
    program!("recursion"),
    program!("panic"),
    program!("exit"),
    program!("echo"),
    program!("pattern"),
    program!("table"),
    program!("files"),
    program!("longloop"),
    wat!("add"),
    wat!("fac"),
    wat!("memory"),
    wat!("trap"),
];

macro_rules! source {
    ($name:literal) => {
        (
            concat!($name, "/src/main.rs"),
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../samples/programs/",
                $name,
                "/src/main.rs"
            )),
        )
    };
}

/// The sources of the built-in programs, by the path their DWARF gives
/// (`NAME/src/main.rs`), so the Source view works without files (in the browser too).
pub const SAMPLE_SOURCES: &[(&str, &str)] = &[
    source!("hello"),
    source!("divzero"),
    source!("oob"),
    source!("recursion"),
    source!("panic"),
    source!("exit"),
    source!("echo"),
    source!("pattern"),
    source!("table"),
    source!("files"),
    source!("longloop"),
];

/// The embedded source whose path `path` ends with, if any.
pub fn sample_source(path: &str) -> Option<&'static str> {
    SAMPLE_SOURCES
        .iter()
        .find(|(p, _)| path == *p || path.ends_with(&format!("/{p}")))
        .map(|(_, s)| *s)
}

/// The bytes of built-in sample `name`.
pub fn sample(name: &str) -> Option<&'static [u8]> {
    SAMPLES.iter().find(|(n, _)| *n == name).map(|(_, b)| *b)
}

/// The Open view.
#[derive(Debug, Default)]
pub struct OpenView {
    /// The path typed in the field.
    pub path: String,
}

impl OpenView {
    /// Draws the view; returns true when a module was (re)loaded. A file picked in the
    /// dialog arrives later through `inbox`.
    pub fn ui(&mut self, ui: &mut egui::Ui, state: &mut AppState, inbox: &crate::Inbox) -> bool {
        let mut loaded = false;
        ui.horizontal_wrapped(|ui| {
            ui.strong("Open");
            ui.label("samples:");
            for (name, bytes) in SAMPLES {
                if ui.button(*name).clicked() {
                    loaded |= state.load(name, bytes).is_ok();
                }
            }
            if ui
                .button("Browse…")
                .on_hover_text("pick a .wasm or .wat file")
                .clicked()
            {
                crate::pick_file(inbox.clone(), ui.ctx().clone());
            }
            if ui.ctx().input(|i| !i.raw.hovered_files.is_empty()) {
                ui.strong("drop to open");
            }
        });
        ui.horizontal(|ui| {
            // The browser has no file system: files come by drag and drop there.
            #[cfg(not(target_arch = "wasm32"))]
            {
                let label = ui.label("Path:");
                let field = ui
                    .add(egui::TextEdit::singleline(&mut self.path).desired_width(420.0))
                    .labelled_by(label.id);
                let enter = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                if (ui.button("Open file").clicked() || enter) && !self.path.is_empty() {
                    loaded |= state.load_path(self.path.trim()).is_ok();
                }
            }
            #[cfg(target_arch = "wasm32")]
            ui.label("Browse… or drop a .wasm or .wat file on the page to open it ·");
            match (&state.load_error, &state.module) {
                (Some(e), _) => {
                    ui.colored_label(ui.visuals().error_fg_color, e);
                }
                (None, Some(m)) => {
                    ui.label(format!("{} ({} bytes)", m.name, m.bytes.len()));
                }
                (None, None) => {
                    ui.label("no module loaded");
                }
            }
        });
        loaded
    }
}
