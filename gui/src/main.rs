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
    /// scripts/screenshots.sh captures for VIEW (module, code, source, memory, tables,
    /// traps, modules, calllog, console, exceptions, catch, time_travel, gc, variables).
    #[arg(long, value_name = "VIEW", num_args = 0..=1, conflicts_with = "file")]
    demo: Option<Option<String>>,
    /// A module to open (.wasm binary or .wat text).
    file: Option<String>,
}

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    use clap::{CommandFactory, Parser};
    let args = Args::parse();
    let app = match (args.demo, args.file) {
        (Some(None), _) => wasmscope_gui::WorkbenchApp::demo(),
        // The views are those `demo_view` knows: any other is a usage error (exit 2).
        (Some(Some(view)), _) => {
            wasmscope_gui::WorkbenchApp::demo_view(&view).unwrap_or_else(|| {
                Args::command()
                    .error(
                        clap::error::ErrorKind::InvalidValue,
                        format!(
                            "no demo for view '{view}' (module, code, source, memory, tables, \
                             traps, modules, calllog, console, exceptions, catch, time_travel, gc, variables)"
                        ),
                    )
                    .exit()
            })
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
