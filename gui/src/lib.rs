//! The wasmscope workbench: an egui app that opens a module, shows its sections and
//! text, and steps through it with the stack, memory and console in view.
//!
//! [`WorkbenchApp`] only arranges the views ([`views`]); the model is
//! [`state::AppState`] and the debugger is [`session::Session`], both usable without a
//! window.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod session;
pub mod state;
pub mod views;

use session::{RunState, Session};
use state::AppState;
use views::{
    code::CodeView, console::ConsoleView, controls::ControlsView, memory::MemoryView,
    module::ModuleView, open::OpenView, stack::StackView,
};

/// The workbench window; see the [crate docs](crate).
#[derive(Debug, Default)]
pub struct WorkbenchApp {
    /// The loaded module and breakpoints.
    pub state: AppState,
    /// The debugger session.
    pub session: Session,
    /// The Open view.
    pub open: OpenView,
    /// The Module view.
    pub module: ModuleView,
    /// The Code view.
    pub code: CodeView,
    /// The Controls view.
    pub controls: ControlsView,
    /// The Stack view.
    pub stack: StackView,
    /// The Memory view.
    pub memory: MemoryView,
    /// The Console view.
    pub console: ConsoleView,
}

impl WorkbenchApp {
    /// An empty workbench.
    pub fn new() -> Self {
        Self::default()
    }

    /// Loads built-in sample `name`; false if there is no such sample or it fails.
    pub fn open_sample(&mut self, name: &str) -> bool {
        let Some(bytes) = views::open::sample(name) else {
            self.state.load_error = Some(format!("no sample named {name:?}"));
            return false;
        };
        let ok = self.state.load(name, bytes).is_ok();
        if ok {
            self.loaded();
        }
        ok
    }

    /// Loads the file at `path` (`.wasm` or `.wat`).
    pub fn open_path(&mut self, path: &str) -> bool {
        self.open.path = path.to_string();
        let ok = self.state.load_path(path).is_ok();
        if ok {
            self.loaded();
        }
        ok
    }

    fn loaded(&mut self) {
        self.session = Session::default();
        if let Some(m) = &self.state.module {
            if !m.exports.iter().any(|e| e == "_start") {
                if let Some(first) = m.exports.first() {
                    self.controls.export = first.clone();
                }
            } else {
                self.controls.export = "_start".into();
            }
        }
    }

    /// Starts the export named in the Controls view with its parameters, with the
    /// breakpoints set.
    pub fn start(&mut self) {
        if let Some(m) = &self.state.module {
            let bytes = m.bytes.clone();
            let export = self.controls.export.trim().to_string();
            match views::controls::parse_params(&self.controls.params) {
                Ok(params) => {
                    self.session.start(
                        &bytes,
                        &export,
                        &params,
                        self.state.breakpoints.iter().copied(),
                    );
                }
                Err(e) => {
                    self.session = Session::default();
                    self.session.set_message(e);
                }
            }
        }
    }

    /// The demo state for screenshots: `divzero` paused at the instruction that is about
    /// to trap (found by a first run), with a breakpoint there.
    pub fn demo() -> Self {
        let mut app = Self::new();
        if !app.open_sample("divzero") {
            return app;
        }
        app.start();
        app.session.resume();
        if let RunState::Trapped {
            code_offset: Some(o),
            ..
        } = app.session.state().clone()
        {
            app.state.breakpoints.insert(o);
            app.start();
            app.session.resume();
        }
        // Rust places its read-only data (the strings) at 1 MiB.
        app.memory.address = 0x10_0000;
        app.memory.address_text = "0x100000".into();
        app
    }

    /// Draws the whole workbench into `ui` (the eframe entry point and the tests call
    /// this).
    pub fn show(&mut self, ui: &mut egui::Ui) {
        egui::Panel::top("open").show(ui, |ui| {
            if self.open.ui(ui, &mut self.state) {
                self.loaded();
            }
        });
        egui::Panel::top("controls").show(ui, |ui| {
            if self.controls.ui(ui, &self.state, &mut self.session) {
                self.start();
            }
        });
        egui::Panel::bottom("console")
            .resizable(true)
            .default_size(120.0)
            .show(ui, |ui| self.console.ui(ui, &self.session));
        egui::Panel::left("module")
            .resizable(true)
            .default_size(230.0)
            .show(ui, |ui| self.module.ui(ui, &self.state));
        egui::Panel::right("inspect")
            .resizable(true)
            .default_size(430.0)
            .show(ui, |ui| {
                self.stack.ui(ui, &self.session);
                ui.separator();
                self.memory.ui(ui, &self.session);
            });
        egui::CentralPanel::default().show(ui, |ui| {
            self.code.ui(ui, &mut self.state, &mut self.session);
        });
        // A running Continue goes on one slice per frame, so the window stays live.
        if self.session.tick() {
            ui.ctx().request_repaint();
        }
    }
}

impl eframe::App for WorkbenchApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.show(ui);
    }
}
