//! `wasmscope-gui [--demo | PATH]`: the workbench window, optionally with a module open
//! (`--demo`: the `divzero` sample paused just before its trap).

fn main() -> eframe::Result<()> {
    let arg = std::env::args().nth(1);
    let app = match arg.as_deref() {
        Some("--demo") => wasmscope_gui::WorkbenchApp::demo(),
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
