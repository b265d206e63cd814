//! WASI catchpoints in the workbench, as a person uses them: a class checked in the
//! Breakpoints tab, Run pauses before the call with its arguments decoded above the
//! Stack view, an argument changed, the call skipped with `ENOSPC`, or its result
//! changed after it returned.

mod common;

use egui_kittest::kittest::Queryable as _;

use common::{harness, settle};
use wasmscope_gui::session::RunState;
use wasmscope_gui::views::catch::class_label;
use wasmscope_gui::WorkbenchApp;

/// The hello sample open, WASI file calls caught, Run: paused before its fd_write.
fn paused_before_fd_write() -> egui_kittest::Harness<'static, WorkbenchApp> {
    let mut h = harness(WorkbenchApp::new());
    h.get_by_label("hello").click();
    h.run();
    h.get_by_label("Breakpoints").click();
    h.run();
    h.get_by_label(&class_label(wasmscope::wasi::WasiClass::Files))
        .click();
    h.run();
    assert!(
        h.state()
            .session
            .host_call_catches()
            .iter()
            .any(|n| n == "fd_write"),
        "{:?}",
        h.state().session.host_call_catches()
    );
    h.get_by_label("Run").click();
    settle(&mut h);
    h
}

#[test]
fn a_caught_wasi_call_shows_its_arguments_and_its_result() {
    let mut h = paused_before_fd_write();
    let call = h.state().session.host_call().expect("paused at fd_write");
    assert!(call.before);
    assert_eq!(call.name, "fd_write");
    // As a person sees it: the heading, the descriptor and the text to be written.
    h.get_by_label("Before the WASI call fd_write");
    h.get_by_label("fd = 1 (stdout)");
    assert!(
        call.args
            .iter()
            .any(|(n, t)| n == "iovs" && t.contains("\"hello, wasmscope!\\n\"")),
        "{:?}",
        call.args
    );
    assert!(
        h.state()
            .session
            .status()
            .text
            .contains("paused before the call of wasi_snapshot_preview1.fd_write"),
        "{}",
        h.state().session.status().text
    );
    assert_eq!(h.state().session.stdout.text(), "");
    // Continue: paused after it, its errno and the bytes written shown.
    h.get_by_label("Continue").click();
    settle(&mut h);
    let call = h
        .state()
        .session
        .host_call()
        .expect("paused after fd_write");
    assert!(!call.before);
    h.get_by_label("After the WASI call fd_write");
    h.get_by_label("errno = ESUCCESS (0)");
    h.get_by_label("result.nwritten = 18");
    assert_eq!(h.state().session.stdout.text(), "hello, wasmscope!\n");
    // Unchecked: the run goes to its end.
    h.get_by_label("Continue").click();
    settle(&mut h);
    assert!(
        matches!(
            h.state().session.state(),
            RunState::Finished(_) | RunState::Exited(0)
        ),
        "{:?}",
        h.state().session.state()
    );
    assert!(h.state().session.host_call().is_none());
}

#[test]
fn skipping_a_call_with_enospc_shows_how_the_program_copes() {
    let mut h = paused_before_fd_write();
    h.get_by_label("return").click();
    h.run();
    h.get_by_label("return").type_text("ENOSPC");
    h.run();
    h.get_by_label("Skip the call and return").click();
    h.run();
    h.get_by_label("fd_write returns ENOSPC");
    h.get_by_label("errno = ENOSPC (51)");
    assert!(h.state().session.host_call().unwrap().skipped);
    // The catch off, Continue: the program panics (stderr) without having printed.
    h.get_by_label(&class_label(wasmscope::wasi::WasiClass::Files))
        .click();
    h.run();
    h.get_by_label("Continue").click();
    settle(&mut h);
    assert_eq!(h.state().session.stdout.text(), "");
    let err = h.state().session.stderr.text();
    assert!(
        err.contains("failed printing to stdout") && err.contains("os error 51"),
        "{err}"
    );
}

#[test]
fn an_argument_changed_before_the_call_is_what_it_gets() {
    let mut h = paused_before_fd_write();
    h.get_by_label("Before the WASI call fd_write");
    // The first argument's field (fd): 2, Enter.
    h.get_by_label("fd").click();
    h.run();
    h.get_by_label("fd").type_text("2");
    h.run();
    h.key_press(egui::Key::Enter);
    h.run();
    h.get_by_label("fd set to 2");
    h.get_by_label("fd = 2 (stderr)");
    // A bad value is refused, in words.
    h.get_by_label("return").click();
    h.run();
    h.get_by_label("return").type_text("ENOPE");
    h.run();
    h.get_by_label("Skip the call and return").click();
    h.run();
    h.get_by_label("invalid value \"ENOPE\" for a I32");
    h.get_by_label(&class_label(wasmscope::wasi::WasiClass::Files))
        .click();
    h.run();
    h.get_by_label("Continue").click();
    settle(&mut h);
    assert_eq!(h.state().session.stdout.text(), "");
    assert_eq!(h.state().session.stderr.text(), "hello, wasmscope!\n");
}
