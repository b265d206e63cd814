//! `wasmscope-gui [--demo [VIEW] | FILE]`: the workbench window, optionally with a module
//! open (`--demo`: the `divzero` sample paused just before its trap; `--demo VIEW`: the
//! state `scripts/screenshots.sh` captures for view VIEW, see `WorkbenchApp::demo_view`).
//! `--help` and `--version` print and exit without opening a window; a bad command line
//! (an unknown flag or demo view, a demo and a file) exits 2 with clap's message.
//!
//! On wasm32 this is the browser build instead (see `web.rs` and `scripts/web.sh`).

#[cfg(target_arch = "wasm32")]
mod web;

/// The command line (native only).
#[cfg(not(target_arch = "wasm32"))]
#[derive(clap::Parser, Debug)]
#[command(
    name = "wasmscope-gui",
    version,
    about = "The wasmscope workbench: open a WebAssembly module, step through it, watch its \
             stack, memory and console.",
    long_about = None
)]
struct Args {
    /// Open with a demo: the divzero sample paused before its trap, or the state that
    /// scripts/screenshots.sh captures for VIEW.
    #[arg(long, value_name = "VIEW", num_args = 0..=1, value_enum, conflicts_with = "file")]
    demo: Option<Option<DemoView>>,
    /// A module to open (.wasm binary or .wat text).
    file: Option<String>,
}

/// The views `--demo VIEW` can show (`WorkbenchApp::demo_view`).
#[cfg(not(target_arch = "wasm32"))]
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum DemoView {
    Module,
    Code,
    Source,
    Memory,
    Tables,
    Traps,
    Modules,
    Calllog,
    Console,
}

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    use clap::{Parser, ValueEnum};
    let args = Args::parse();
    let app = match (args.demo, args.file) {
        (Some(None), _) => wasmscope_gui::WorkbenchApp::demo(),
        (Some(Some(view)), _) => {
            let name = view.to_possible_value().map(|v| v.get_name().to_string());
            match name
                .as_deref()
                .and_then(wasmscope_gui::WorkbenchApp::demo_view)
            {
                Some(app) => app,
                None => {
                    eprintln!("error: no demo for view {view:?}");
                    return std::process::ExitCode::from(2);
                }
            }
        }
        (None, Some(path)) => {
            let mut app = wasmscope_gui::WorkbenchApp::new();
            app.open_path(&path);
            app
        }
        (None, None) => wasmscope_gui::WorkbenchApp::new(),
    };
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_inner_size([1280.0, 800.0])
            .with_title("wasmscope workbench"),
        ..Default::default()
    };
    let result = eframe::run_native(
        "wasmscope workbench",
        options,
        Box::new(|_cc| Ok(Box::new(app))),
    );
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("wasmscope-gui: cannot open a window: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The browser build: wasm-bindgen's `init()` calls this.
#[cfg(target_arch = "wasm32")]
fn main() {
    web::start();
}
