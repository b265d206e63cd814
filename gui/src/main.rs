//! `wasmscope-gui [--demo [VIEW] | PATH]`: the workbench window, optionally with a module
//! open (`--demo`: the `divzero` sample paused just before its trap; `--demo VIEW`: the
//! state `scripts/screenshots.sh` captures for view VIEW, see `WorkbenchApp::demo_view`).
//!
//! On wasm32 this is the browser build instead (see `web.rs` and `scripts/web.sh`).

#[cfg(target_arch = "wasm32")]
mod web;

#[cfg(not(target_arch = "wasm32"))]
fn main() -> eframe::Result<()> {
    let arg = std::env::args().nth(1);
    let view = std::env::args().nth(2);
    let app = match arg.as_deref() {
        Some("--demo") => match view.as_deref() {
            None => wasmscope_gui::WorkbenchApp::demo(),
            Some(v) => wasmscope_gui::WorkbenchApp::demo_view(v).unwrap_or_else(|| {
                eprintln!("unknown demo view {v:?}");
                std::process::exit(2)
            }),
        },
        Some(path) => {
            let mut app = wasmscope_gui::WorkbenchApp::new();
            app.open_path(path);
            app
        }
        None => wasmscope_gui::WorkbenchApp::new(),
    };
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_inner_size([1280.0, 800.0])
            .with_title("wasmscope workbench"),
        ..Default::default()
    };
    eframe::run_native(
        "wasmscope workbench",
        options,
        Box::new(|_cc| Ok(Box::new(app))),
    )
}

/// The browser build: wasm-bindgen's `init()` calls this.
#[cfg(target_arch = "wasm32")]
fn main() {
    web::start();
}
