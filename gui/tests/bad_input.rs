//! Bad input in the workbench reads as the command line says it: one line, from
//! `wasmscope::module_bytes`.

use egui_kittest::kittest::Queryable as _;
use egui_kittest::Harness;
use wasmscope_gui::WorkbenchApp;

fn harness(app: WorkbenchApp) -> Harness<'static, WorkbenchApp> {
    Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_ui_state(|ui, app: &mut WorkbenchApp| app.show(ui), app)
}

#[test]
fn bad_input_reads_as_the_command_line_says_it() {
    // A file that is neither a module nor WAT, and WAT with a typo: one line each, the
    // same words as `wasmscope run` (both go through wasmscope::module_bytes).
    let mut app = WorkbenchApp::new();
    let notes = b"hello there, this is not a module";
    let err = app.state.load("notes.txt", notes).unwrap_err();
    assert_eq!(
        err,
        "cannot open notes.txt: not a WebAssembly module or WAT text: it starts with \
         68 65 6c 6c 6f 20 74 68 (\"hello th\")"
    );
    let typo = b";; a typo\n(module\n  (func i32.ad))\n";
    let err = app.state.load("typo.wat", typo).unwrap_err();
    assert_eq!(
        err,
        "cannot open typo.wat: invalid WAT text at 3:9: unknown operator or unexpected token"
    );
    let elf = b"\x7fELF\x02\x01\x01\x00\x00\x00";
    let err = app.state.load("a.out", elf).unwrap_err();
    assert_eq!(
        err,
        format!(
            "cannot open a.out: {}",
            wasmscope::module_bytes(elf).unwrap_err()
        )
    );
    let mut h = harness(app);
    h.run();
    h.get_by_label_contains(
        "cannot open a.out: not a WebAssembly module or WAT text: it starts with 7f 45 4c 46",
    );
}
