//! The wasmscope workbench: an egui app that opens a module, shows its structure, text
//! and source, and steps through it with the stack, memory, tables, globals, console,
//! call log, traps and modules in view.
//!
//! [`WorkbenchApp`] only arranges the views ([`views`]); the model is
//! [`state::AppState`] and the debugger is [`session::Session`], both usable without a
//! window. The same app runs natively and in the browser (`src/web.rs`).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod names;
pub mod session;
pub mod state;
pub mod text;
pub mod views;

use std::sync::{Arc, Mutex};

use session::{RunOptions, RunState, Session};
use state::{AppState, Breakpoint};
use views::{
    breakpoints::BreakpointsView, calllog::CallLogView, code::CodeView, console::ConsoleView,
    controls::ControlsView, memory::MemoryView, module::ModuleView, modules::ModulesView,
    open::OpenView, source::SourceView, stack::StackView, tables::TablesView, traps::TrapsView,
};

/// The tab shown in the middle of the window.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CenterTab {
    /// The text format with code offsets.
    #[default]
    Code,
    /// The DWARF-mapped source.
    Source,
}

/// The tab shown at the bottom of the window.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BottomTab {
    /// stdout, stderr and the last message.
    #[default]
    Console,
    /// The call log (wazero's logging format).
    CallLog,
    /// The last trap.
    Traps,
    /// The runtime's modules, close with exit code.
    Modules,
    /// Tables and globals.
    TablesGlobals,
    /// The breakpoints: enable, disable, remove, go to; conditions and log messages.
    Breakpoints,
    /// Expressions over the source variables, re-evaluated at every pause.
    Watch,
    /// The specification's abstract machine at the paused instruction.
    Machine,
}

/// Files read in the background (picked in the file dialog, dropped in the browser),
/// waiting to be opened: `(name, bytes or the error reading them)`.
pub type Inbox = Arc<Mutex<Vec<(String, Result<Vec<u8>, String>)>>>;

/// Opens the file dialog without blocking the window (natively on a thread, in the
/// browser as a future); the picked file's bytes arrive in `inbox` and `ctx` repaints.
pub fn pick_file(inbox: Inbox, ctx: egui::Context) {
    let deliver = move |name: String, bytes: Result<Vec<u8>, String>| {
        inbox
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((name, bytes));
        ctx.request_repaint();
    };
    #[cfg(not(target_arch = "wasm32"))]
    std::thread::spawn(move || {
        let picked = rfd::FileDialog::new()
            .add_filter("WebAssembly", &["wasm", "wat"])
            .pick_file();
        if let Some(path) = picked {
            let name = path.file_name().map_or_else(
                || path.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            deliver(name, std::fs::read(&path).map_err(|e| e.to_string()));
        }
    });
    #[cfg(target_arch = "wasm32")]
    wasm_bindgen_futures::spawn_local(async move {
        let picked = rfd::AsyncFileDialog::new()
            .add_filter("WebAssembly", &["wasm", "wat"])
            .pick_file()
            .await;
        if let Some(file) = picked {
            deliver(file.file_name(), Ok(file.read().await));
        }
    });
}

/// The workbench window; see the [crate docs](crate).
#[derive(Debug, Default)]
pub struct WorkbenchApp {
    /// The loaded module, breakpoints and selection.
    pub state: AppState,
    /// The debugger session.
    pub session: Session,
    /// The Open view.
    pub open: OpenView,
    /// The Module view.
    pub module: ModuleView,
    /// The Code view.
    pub code: CodeView,
    /// The Source view.
    pub source: SourceView,
    /// The Controls view.
    pub controls: ControlsView,
    /// The Stack view.
    pub stack: StackView,
    /// WASI catchpoints: their settings (Breakpoints tab) and the call paused at (above
    /// the Stack view).
    pub catch: views::catch::CatchView,
    /// The Memory view.
    pub memory: MemoryView,
    /// The Console view.
    pub console: ConsoleView,
    /// The Call log view.
    pub call_log: CallLogView,
    /// The Traps view.
    pub traps: TrapsView,
    /// The Modules view.
    pub modules: ModulesView,
    /// The Tables and globals view.
    pub tables: TablesView,
    /// The Breakpoints view.
    pub breakpoints: BreakpointsView,
    /// The Watch view.
    pub watch: views::watch::WatchView,
    /// The Machine view.
    pub machine: views::machine::MachineView,
    /// The middle tab.
    pub center: CenterTab,
    /// The bottom tab.
    pub bottom: BottomTab,
    inbox: Inbox,
    /// The module the views' state belongs to ([`state::LoadedModule::id`]): when the
    /// loaded module is another, that state is dropped ([`WorkbenchApp::show`]).
    module_id: Option<u64>,
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
        self.open_bytes(name, bytes)
    }

    /// Loads `bytes` (`.wasm` or `.wat`) named `name`, as a dropped or picked file.
    pub fn open_bytes(&mut self, name: &str, bytes: &[u8]) -> bool {
        self.open_owned(name, bytes.to_vec())
    }

    /// [`Self::open_bytes`] with bytes the module keeps (a binary is not copied).
    pub fn open_owned(&mut self, name: &str, bytes: Vec<u8>) -> bool {
        let ok = self.state.load_owned(name, bytes).is_ok();
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
            self.source.base_dir = std::path::Path::new(path)
                .parent()
                .map(|p| p.to_string_lossy().into_owned());
        }
        ok
    }

    /// A new module is loaded: everything the views held about the last one is dropped
    /// (the session, the views' module state, the run settings); the layout (panel
    /// sizes, the bottom tab) and the preferences (the WASI fields shown, the call log,
    /// the stubs' kind, pause on trap, the exit code, directory remappings) stay.
    fn loaded(&mut self) {
        self.module_id = self.state.module.as_ref().map(|m| m.id);
        self.session = Session::default();
        self.code = CodeView::default();
        self.source = SourceView::with_remaps(std::mem::take(&mut self.source.remaps));
        self.stack = StackView::default();
        self.memory = MemoryView::default();
        self.traps = TrapsView::default();
        self.module = ModuleView::default();
        self.call_log = CallLogView::default();
        self.watch = views::watch::WatchView::default();
        let c = std::mem::take(&mut self.controls);
        self.controls = ControlsView {
            show_wasi: c.show_wasi,
            pause_on_trap: c.pause_on_trap,
            by_instruction: c.by_instruction,
            exit_code: c.exit_code,
            options: RunOptions {
                call_log: c.options.call_log,
                stubs: c.options.stubs,
                ..RunOptions::default()
            },
            ..ControlsView::default()
        };
        // The path field keeps the path of the module it opened, nothing else.
        let name = self.state.module.as_ref().map(|m| m.name.as_str());
        let path_file = std::path::Path::new(self.open.path.trim())
            .file_name()
            .map(|f| f.to_string_lossy().into_owned());
        if path_file.as_deref() != name {
            self.open.path.clear();
        }
        if let Some(m) = &self.state.module {
            if !m.exports.iter().any(|e| e == "_start") {
                if let Some(first) = m.exports.first() {
                    self.controls.export = first.clone();
                }
            } else {
                self.controls.export = "_start".into();
            }
            self.center = if m.debug.is_some() {
                CenterTab::Source
            } else {
                CenterTab::Code
            };
        }
    }

    /// Starts the export named in the Controls view with its parameters and WASI
    /// options, with the breakpoints set (paused before the first instruction).
    pub fn start(&mut self) {
        if let Some(m) = &self.state.module {
            let bytes = m.bytes.clone();
            let export = self.controls.export.trim().to_string();
            match views::controls::parse_params(&self.controls.params) {
                Ok(params) => {
                    self.session.start(
                        &m.name.clone(),
                        &bytes,
                        &export,
                        &params,
                        &self.state.breakpoints,
                        &self.controls.options,
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
            app.state.add_code_breakpoint(o);
            app.start();
            app.session.resume();
        }
        // Rust places its read-only data (the strings) at 1 MiB.
        app.memory.address = 0x10_0000;
        app.memory.address_text = "0x100000".into();
        app
    }

    /// The demo state for the screenshot of `view`: `module`, `code`, `source`,
    /// `memory`, `tables`, `traps`, `modules`, `calllog`, `console`, `breakpoints`,
    /// `exceptions`, `catch`, `time_travel`, `watchpoints`, `gc`, `variables`, `watch`,
    /// `machine`, `machine_call`;
    /// `None` for an unknown name.
    pub fn demo_view(view: &str) -> Option<Self> {
        let app = match view {
            "source" | "console" => Self::demo(),
            "memory" => {
                let mut app = Self::new();
                app.open_sample("memory.wat");
                app.controls.export = "fill".into();
                app.controls.params = "260 9 7".into();
                app.start();
                app.session.resume();
                app.memory.address = 0x100;
                app.memory.address_text = "0x104".into();
                app.state.selection.address = Some(0x104);
                app
            }
            "code" => {
                let mut app = Self::demo();
                app.center = CenterTab::Code;
                app
            }
            "module" => {
                let mut app = Self::new();
                app.open_sample("table");
                app.module.expand = [
                    "global",
                    "export",
                    "element",
                    "elem 0",
                    "custom \"producers\"",
                ]
                .map(String::from)
                .to_vec();
                app
            }
            "traps" => {
                let mut app = Self::new();
                app.open_sample("oob");
                app.start();
                app.session.resume();
                app.bottom = BottomTab::Traps;
                app
            }
            "tables" => {
                let mut app = Self::new();
                app.open_sample("table");
                app.start();
                app.session.step_into();
                app.bottom = BottomTab::TablesGlobals;
                app
            }
            "modules" => {
                let mut app = Self::demo();
                app.controls.exit_code = 3;
                app.session.close_module("divzero", app.controls.exit_code);
                app.bottom = BottomTab::Modules;
                app
            }
            "exceptions" => {
                // The exceptions sample paused at a throw ("Pause on exceptions"): the
                // Code view at the `throw`, the exception in the status line and the
                // Stack view.
                let mut app = Self::new();
                app.open_sample("exceptions.wat");
                app.controls.export = "parse_digits".into();
                app.controls.params = "4 3".into();
                app.controls.pause_on_exceptions = true;
                app.session.set_pause_on_exceptions(true);
                app.start();
                app.session.resume();
                app.center = CenterTab::Code;
                app
            }
            "catch" => {
                // A WASI catchpoint: hello with the file calls caught, paused before its
                // fd_write (the call and its decoded arguments above the Stack view, the
                // settings in the Breakpoints tab).
                let mut app = Self::new();
                app.open_sample("hello");
                app.catch.classes[0] = true;
                app.catch.sync(&mut app.session);
                app.start();
                app.session.resume();
                app.bottom = BottomTab::Breakpoints;
                // The call instruction (wasi-libc's source is not on this machine).
                app.center = CenterTab::Code;
                app
            }
            "gc" => {
                // The GC sample's `pair` paused after its two structs are made: the Stack
                // view opens the one in a local into its fields.
                let mut app = Self::new();
                app.open_sample("gc.wat");
                app.controls.export = "pair".into();
                app.controls.params = "5".into();
                let at = app.state.module.as_ref().and_then(|m| {
                    m.line(m.find_line("ref.as_non_null")?)
                        .and_then(|l| l.code_offset)
                });
                if let Some(o) = at {
                    app.state.add_code_breakpoint(o);
                }
                app.start();
                app.session.resume();
                app.center = CenterTab::Code;
                app
            }
            "calllog" => {
                let mut app = Self::new();
                app.open_sample("hello");
                app.start();
                app.session.resume();
                app.bottom = BottomTab::CallLog;
                app
            }
            "variables" => {
                // The vars sample paused at line 130: its structs, tuple struct, tuple,
                // array and slice in the Variables tree, `rect` and its origin open.
                let mut app = Self::new();
                app.open_sample("vars");
                let file = "vars/src/main.rs";
                let _ = app.state.toggle_line_breakpoint(file, 130);
                app.start();
                app.session.resume();
                app.source.show_line(file, 130);
                app.center = CenterTab::Source;
                app.stack.open = ["rect", "rect.origin", "arr"].map(String::from).into();
                app
            }
            "machine" => {
                // Learn 1 (the loop) stopped at its br_if in the second iteration: the
                // control stack with the loop as the branch target.
                let mut app = Self::new();
                app.open_learn(0);
                app.start();
                // 3 instructions before the loop, 12 in each iteration.
                for _ in 0..27 {
                    app.session.step_into();
                }
                app
            }
            "machine_call" => {
                // Learn 2 (factorial) three calls deep, at the i64.mul after the inner
                // call returned: the operands, the else branch's label, the frames.
                let mut app = Self::new();
                app.open_learn(1);
                app.start();
                while app.session.frames().len() < 3 && app.session.is_paused() {
                    app.session.step_into();
                }
                app.session.step_out();
                app
            }
            "watch" => {
                // divzero over four buckets, a conditional breakpoint in the loop over
                // them (`i >= 1`), continued once: the Watch panel's expressions with
                // the changed values marked.
                let mut app = Self::new();
                app.open_sample("divzero");
                let file = "divzero/src/main.rs";
                if let Ok(id) = app.state.add_line_breakpoint(file, 56) {
                    let _ = app.state.breakpoints.set_condition(id, Some("i >= 1"));
                }
                app.controls.options.args = "a b c d".into();
                app.start();
                app.session.resume();
                for e in ["i", "*s", "i * 10 + *s", "shares", "shares[i] == *s"] {
                    let _ = app.watch.add(e);
                }
                app.bottom = BottomTab::Watch;
                app.source.show_line(file, 56);
                app.center = CenterTab::Source;
                app
            }
            "time_travel" => {
                // divzero recorded: paused at the loop's breakpoint with i == 2, then back
                // to the hit before (i == 1, the past: a replay), the bucket's last
                // writer asked in the Memory view.
                let mut app = Self::new();
                app.open_sample("divzero");
                let _ = app.state.toggle_line_breakpoint("divzero/src/main.rs", 56);
                app.controls.options.args = "a b c d".into();
                app.controls.record = true;
                app.session.set_time_travel(true);
                app.start();
                for _ in 0..3 {
                    app.session.resume();
                }
                app.session
                    .reverse(wasmscope_listeners::stepper::Reverse::Continue);
                if let Some(a) = app.session.evaluate(0, "s").points_to {
                    app.memory.go_to(a, &mut app.state);
                    app.memory.ask_last_writer(&mut app.session, a);
                }
                app
            }
            "watchpoints" => {
                // divzero at its loop's breakpoint (removed then), the four buckets'
                // reads watched from the Memory view: paused after the next round's
                // load of one, the watchpoint listed in the Breakpoints tab.
                let mut app = Self::new();
                app.open_sample("divzero");
                let file = "divzero/src/main.rs";
                let _ = app.state.toggle_line_breakpoint(file, 56);
                app.controls.options.args = "a b c d".into();
                app.start();
                app.session.resume();
                app.state.breakpoints.clear();
                if let Some(a) = app.session.evaluate(0, "s").points_to {
                    app.memory.go_to(a, &mut app.state);
                    app.session
                        .add_watch(wasmscope_listeners::stepper::Watched::Memory {
                            memory: 0,
                            address: a,
                            len: 16,
                            kind: wasmscope::WatchKind::Read,
                        });
                }
                app.session.resume();
                app.source.show_line(file, 56);
                app.center = CenterTab::Source;
                app.bottom = BottomTab::Breakpoints;
                app
            }
            "breakpoints" => {
                // divzero with two arguments (no trap): line breakpoints on run()'s call
                // of distribute() and on the division (disabled), one on an instruction;
                // paused at the first, a search in the source.
                let mut app = Self::new();
                app.open_sample("divzero");
                let file = "divzero/src/main.rs";
                let _ = app.state.toggle_line_breakpoint(file, 54);
                let _ = app.state.toggle_line_breakpoint(file, 28);
                app.state.set_enabled(
                    &Breakpoint::Line {
                        file: file.into(),
                        line: 28,
                    },
                    false,
                );
                let div = app.state.module.as_ref().and_then(|m| {
                    m.line(m.find_line("i32.div_u")?)
                        .and_then(|l| l.code_offset)
                });
                if let Some(o) = div {
                    app.state.add_code_breakpoint(o);
                }
                app.controls.options.args = "a b".into();
                app.start();
                app.session.resume();
                app.source.search.query = "distribute".into();
                app.bottom = BottomTab::Breakpoints;
                app
            }
            _ => return None,
        };
        Some(app)
    }

    /// Shows breakpoint `bp`: a line one in the Source view, an instruction one in the
    /// Code view; either way its instruction becomes the selection.
    pub fn go_to_breakpoint(&mut self, bp: &Breakpoint) {
        match bp {
            Breakpoint::Line { file, line } => {
                self.center = CenterTab::Source;
                self.source.show_line(file, *line);
                if let Some(o) = self.state.offsets_for_line(file, *line).first() {
                    self.state.selection.code_offset = Some(*o);
                    self.source.follow_selection(*o);
                }
            }
            Breakpoint::Offset(o) => {
                self.center = CenterTab::Code;
                self.state.selection.code_offset = Some(*o);
            }
            Breakpoint::Function(_) => {}
        }
    }

    /// Opens Learn sample `k` ([`views::open::LEARN`]): its module, its export and
    /// parameters in the Controls, the Machine view with its guide, the Code view.
    pub fn open_learn(&mut self, k: usize) {
        let Some(l) = views::open::LEARN.get(k) else {
            return;
        };
        let name = format!("{}.wat", l.name);
        if !self.open_owned(&name, l.text.as_bytes().to_vec()) {
            return;
        }
        self.controls.export = l.export.to_string();
        self.controls.params = l.params.to_string();
        self.machine.guide = Some((name, l.guide()));
        self.bottom = BottomTab::Machine;
        self.center = CenterTab::Code;
    }

    /// Shows linear-memory address `a` in the Memory view (memory 0).
    pub fn show_memory(&mut self, a: u64) {
        self.memory.memory = 0;
        self.memory.address = a;
        self.memory.address_text = format!("{a:#x}");
        self.state.selection.address = Some(a);
    }

    /// Opens the file dialog (what the Browse… button does); the picked file opens when
    /// its bytes have arrived.
    pub fn browse(&self, ctx: &egui::Context) {
        pick_file(self.inbox.clone(), ctx.clone());
    }

    /// Opens files dropped on the window (natively at once; in the browser when their
    /// bytes have been read).
    fn take_dropped_files(&mut self, ctx: &egui::Context) {
        let dropped = ctx.input(|i| i.raw.dropped_files.clone());
        for f in dropped {
            let name = f
                .path()
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "dropped file".into());
            #[cfg(not(target_arch = "wasm32"))]
            {
                let bytes = f.bytes();
                self.inbox
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push((name, bytes));
            }
            #[cfg(target_arch = "wasm32")]
            {
                let inbox = self.inbox.clone();
                let ctx = ctx.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    let bytes = f.bytes_async().await;
                    inbox
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push((name, bytes));
                    ctx.request_repaint();
                });
            }
        }
        let ready: Vec<_> =
            std::mem::take(&mut *self.inbox.lock().unwrap_or_else(|e| e.into_inner()));
        for (name, bytes) in ready {
            match bytes {
                Ok(bytes) => {
                    self.open.path = name.clone();
                    self.open_owned(&name, bytes);
                }
                Err(e) => self.state.load_error = Some(format!("cannot read {name}: {e}")),
            }
        }
    }

    /// Draws the whole workbench into `ui` (the eframe entry point and the tests call
    /// this).
    pub fn show(&mut self, ui: &mut egui::Ui) {
        self.take_dropped_files(ui.ctx());
        // However a module was loaded, the views never keep the last one's state.
        if self.state.module.as_ref().map(|m| m.id) != self.module_id {
            self.loaded();
        }
        let search = ui.input_mut(|i| i.consume_shortcut(&views::controls::SEARCH));
        egui::Panel::top("open").show(ui, |ui| {
            if self.open.ui(ui, &mut self.state, &self.inbox) {
                self.loaded();
            }
        });
        if let Some(k) = self.open.learn.take() {
            self.open_learn(k);
        }
        egui::Panel::top("controls").show(ui, |ui| {
            if self.controls.ui(ui, &mut self.state, &mut self.session) {
                self.start();
                if std::mem::take(&mut self.controls.pending_run) {
                    self.session
                        .begin(wasmscope_listeners::stepper::Op::Continue);
                }
            }
        });
        let pointer = ui.input(|i| i.pointer.latest_pos());
        let mut go_to = None;
        let mut show_memory = None;
        let bottom = egui::Panel::bottom("bottom")
            .resizable(true)
            .default_size(170.0)
            .show(ui, |ui| {
                // A panel takes its contents' height: without this a tab with little to
                // show ("no trap", "no runtime yet") would shrink it, and the user's size
                // would be lost at the next module switch.
                ui.set_min_height(ui.max_rect().height());
                ui.horizontal(|ui| {
                    for (tab, label) in [
                        (BottomTab::Console, "Console"),
                        (BottomTab::CallLog, "Call log"),
                        (BottomTab::Traps, "Traps"),
                        (BottomTab::Modules, "Modules"),
                        (BottomTab::TablesGlobals, "Tables and globals"),
                        (BottomTab::Breakpoints, "Breakpoints"),
                        (BottomTab::Watch, "Watch"),
                        (BottomTab::Machine, "Machine"),
                    ] {
                        ui.selectable_value(&mut self.bottom, tab, label);
                    }
                });
                ui.separator();
                match self.bottom {
                    BottomTab::Console => self.console.ui(ui, &self.session),
                    BottomTab::CallLog => self.call_log.ui(ui, &self.session),
                    BottomTab::Traps => self.traps.ui(ui, &mut self.state, &self.session),
                    BottomTab::Modules => {
                        self.modules
                            .ui(ui, &mut self.session, self.controls.exit_code)
                    }
                    BottomTab::TablesGlobals => self.tables.ui(ui, &self.state, &mut self.session),
                    BottomTab::Breakpoints => {
                        self.catch.settings_ui(ui, &mut self.session);
                        ui.separator();
                        views::memory::watch_list_ui(ui, &mut self.session);
                        ui.separator();
                        go_to = self.breakpoints.ui(ui, &mut self.state, &mut self.session);
                    }
                    BottomTab::Watch => {
                        show_memory = self.watch.ui(ui, &self.session, self.stack.selected);
                    }
                    BottomTab::Machine => {
                        let name = self.state.module.as_ref().map(|m| m.name.as_str());
                        let go = self
                            .machine
                            .ui(ui, &self.session, self.stack.selected, name);
                        if let Some(o) = go {
                            self.state.selection.code_offset = Some(o);
                            self.center = CenterTab::Code;
                        }
                    }
                }
            });
        if let Some(bp) = go_to {
            self.go_to_breakpoint(&bp);
        }
        if let Some(a) = show_memory {
            self.show_memory(a);
        }
        // Ctrl+F: the call log's search when the pointer is over it, else the middle
        // view's.
        if search {
            let over_bottom = pointer.is_some_and(|p| bottom.response.rect.contains(p));
            match (self.bottom, over_bottom, self.center) {
                (BottomTab::CallLog, true, _) => self.call_log.search.focus(),
                (_, _, CenterTab::Code) => self.code.search.focus(),
                (_, _, CenterTab::Source) => self.source.search.focus(),
            }
        }
        egui::Panel::left("module")
            .resizable(true)
            .default_size(260.0)
            .min_size(220.0)
            .show(ui, |ui| self.module.ui(ui, &mut self.state));
        // Its content wraps or scrolls, and it never takes much more than half of what
        // is left, so it cannot squeeze Code and Source.
        let most = ui.available_width() * 0.55;
        egui::Panel::right("inspect")
            .resizable(true)
            .default_size(430.0)
            .max_size(most.max(300.0))
            .show(ui, |ui| {
                self.catch.sync(&mut self.session);
                self.catch.call_ui(ui, &mut self.session);
                if let Some(a) = self.stack.ui(ui, &mut self.state, &self.session) {
                    self.show_memory(a);
                }
                ui.separator();
                self.memory.ui(ui, &mut self.state, &mut self.session);
                self.session.set_shown_memory(self.memory.memory);
            });
        egui::CentralPanel::default().show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.selectable_value(&mut self.center, CenterTab::Code, "Code");
                ui.selectable_value(&mut self.center, CenterTab::Source, "Source");
            });
            ui.separator();
            match self.center {
                CenterTab::Code => self.code.ui(ui, &mut self.state, &mut self.session),
                CenterTab::Source => self.source.ui(ui, &mut self.state, &mut self.session),
            }
        });
        // A breakpoint to edit (the Source view's gutter menu): the Breakpoints view.
        if let Some(id) = self.source.edit_breakpoint.take() {
            self.bottom = BottomTab::Breakpoints;
            self.breakpoints.focus = Some(id);
        }
        // A trap brings its view forward once.
        if self.session.trap().is_some() && !self.traps.shown {
            self.traps.shown = true;
            self.bottom = BottomTab::Traps;
        } else if self.session.trap().is_none() {
            self.traps.shown = false;
        }
        // A running operation goes on one slice per frame, so the window stays live.
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
