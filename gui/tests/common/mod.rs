//! What the workbench's kittest files share: the harness and running to the end of an
//! operation.

use egui_kittest::kittest::Queryable as _;
use egui_kittest::Harness;
use wasmscope_gui::WorkbenchApp;

/// The whole workbench in a 1280x800 harness.
pub fn harness(app: WorkbenchApp) -> Harness<'static, WorkbenchApp> {
    Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        // Scrolling to a line animates for a few frames.
        .with_max_steps(100)
        .build_ui_state(|ui, app: &mut WorkbenchApp| app.show(ui), app)
}

/// Runs frames until no operation runs in slices any more.
pub fn settle(h: &mut Harness<'static, WorkbenchApp>) {
    for _ in 0..2000 {
        h.run();
        if !h.state().session.is_running() {
            return;
        }
    }
    panic!("still running after 2000 frames");
}

/// The workbench with sample `name` open, `args` set, a breakpoint on `line` of `file`
/// (clicked in the Source view's gutter), run to it.
#[allow(dead_code)] // Not every test file uses it.
pub fn paused_at(name: &str, file: &str, line: u32, args: &str) -> Harness<'static, WorkbenchApp> {
    let mut h = harness(WorkbenchApp::new());
    h.get_by_label(name).click();
    h.run();
    h.state_mut().source.show_line(file, line);
    h.run();
    h.get_by_label(&wasmscope_gui::views::source::gutter(line, false))
        .click();
    h.run();
    h.state_mut().controls.options.args = args.into();
    h.get_by_label("Run").click();
    settle(&mut h);
    h
}
