//! UI logic tests: the whole workbench in an egui_kittest harness, widgets found by label.

use egui_kittest::kittest::Queryable as _;
use egui_kittest::Harness;
use wasmscope_gui::session::RunState;
use wasmscope_gui::views::code;
use wasmscope_gui::WorkbenchApp;

fn harness(app: WorkbenchApp) -> Harness<'static, WorkbenchApp> {
    Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_ui_state(|ui, app: &mut WorkbenchApp| app.show(ui), app)
}

#[test]
fn hello_prints_to_the_console() {
    let mut h = harness(WorkbenchApp::new());
    h.get_by_label("hello").click();
    h.run();
    assert_eq!(h.state().state.module.as_ref().unwrap().name, "hello");
    h.get_by_label("Start").click();
    h.run();
    assert!(h.state().session.is_paused());
    h.get_by_label("Continue").click();
    h.run();
    // Rust's `main` returns normally: `_start` finishes without `proc_exit`.
    assert!(
        matches!(
            h.state().session.state(),
            RunState::Finished(_) | RunState::Exited(0)
        ),
        "{:?}",
        h.state().session.state()
    );
    h.get_by_label_contains("hello, wasmscope!");
}

#[test]
fn divzero_breakpoint_step_and_stack() {
    let mut h = harness(WorkbenchApp::new());
    h.get_by_label("divzero").click();
    h.run();
    // A first run finds the trapping instruction.
    h.get_by_label("Start").click();
    h.run();
    h.get_by_label("Continue").click();
    h.run();
    let RunState::Trapped {
        code_offset: Some(trap),
        message,
    } = h.state().session.state().clone()
    else {
        panic!("expected a trap, got {:?}", h.state().session.state());
    };
    assert!(message.contains("integer divide by zero"), "{message}");
    // In the status line and the Console.
    assert!(
        h.get_all_by_label_contains("integer divide by zero")
            .count()
            >= 2
    );
    // The code view knows that instruction's line.
    let line = h.state().state.module.as_ref().unwrap().line_of_offset[&trap];
    assert!(h.state().state.module.as_ref().unwrap().lines[line]
        .text
        .contains("div_u"));
    // Breakpoint there, restart, continue: paused before the division.
    assert!(h.state_mut().state.toggle_breakpoint(trap));
    h.get_by_label("Start").click();
    h.run();
    h.get_by_label("Continue").click();
    h.run();
    assert!(
        matches!(h.state().session.state(), RunState::Paused { code_offset: Some(o), .. } if *o == trap),
        "{:?}",
        h.state().session.state()
    );
    let frames = h.state().session.stack();
    assert!(frames.len() >= 3, "{frames:?}");
    // The Stack view lists the frames; the innermost one shows its operands.
    h.get_by_label_contains("#0 ");
    h.get_by_label_contains("#2 ");
    h.get_by_label_contains("operands:");
    // The Memory view reads memory 0.
    h.get_by_label_contains("size 0x");
    // One more step executes the division: trap.
    h.get_by_label("Step into").click();
    h.run();
    assert!(matches!(
        h.state().session.state(),
        RunState::Trapped { .. }
    ));
}

#[test]
fn close_with_exit_code() {
    let mut app = WorkbenchApp::new();
    assert!(app.open_sample("fac.wat"));
    assert_eq!(app.controls.export, "fac");
    app.controls.params = "5".into();
    let mut h = harness(app);
    h.get_by_label("Start").click();
    h.run();
    h.get_by_label("Close with exit code").click();
    h.run();
    assert_eq!(h.state().session.state(), &RunState::Exited(1));
    h.get_by_label_contains("exit_code(1)");
}

#[test]
fn params_are_passed() {
    let mut app = WorkbenchApp::new();
    assert!(app.open_sample("fac.wat"));
    app.controls.params = "5".into();
    app.start();
    app.session.resume();
    assert_eq!(app.session.state(), &RunState::Finished(vec![120]));
    app.controls.params = "x".into();
    app.start();
    assert!(app.session.message().unwrap().contains("not a number"));
}

#[test]
fn bad_input_shows_an_error() {
    let hello = wasmscope_gui::views::open::sample("hello").unwrap();
    let mut app = WorkbenchApp::new();
    // Truncated binary, text that is not wat, a missing file: messages, no panic.
    assert!(app
        .state
        .load("cut.wasm", &hello[..hello.len() / 2])
        .is_err());
    assert!(app.state.load("notes.txt", b"hello there").is_err());
    assert!(!app.open_path("/nonexistent/x.wasm"));
    let mut h = harness(app);
    h.run();
    h.get_by_label_contains("cannot read /nonexistent/x.wasm");
    let mut h = harness(WorkbenchApp::new());
    h.state_mut()
        .state
        .load("cut.wasm", &hello[..100])
        .unwrap_err();
    h.run();
    h.get_by_label_contains("cannot open cut.wasm");
    // Starting an export that does not exist is a message too.
    let mut app = WorkbenchApp::new();
    app.open_sample("add.wat");
    app.controls.export = "nope".into();
    app.start();
    assert!(app.session.message().unwrap().contains("nope"));
}

#[test]
fn wat_samples_and_code_offsets() {
    let mut app = WorkbenchApp::new();
    assert!(app.open_sample("fac.wat"));
    let m = app.state.module.as_ref().unwrap();
    assert!(m.sections.iter().any(|s| s.name == "code"));
    assert!(m.lines.iter().any(|l| l.code_offset.is_some()));
    // Every sample opens.
    for (name, _) in wasmscope_gui::views::open::SAMPLES {
        assert!(app.open_sample(name), "{name}: {:?}", app.state.load_error);
    }
}

#[test]
fn demo_is_paused_before_the_trap() {
    let app = WorkbenchApp::demo();
    assert!(matches!(
        app.session.state(),
        RunState::Paused {
            code_offset: Some(_),
            ..
        }
    ));
    let mut h = harness(app);
    h.run();
    h.get_by_label_contains("paused at 0x");
}

#[test]
fn clicking_a_code_line_toggles_a_breakpoint() {
    let mut app = WorkbenchApp::new();
    assert!(app.open_sample("fac.wat"));
    let m = app.state.module.as_ref().unwrap();
    let line = m
        .lines
        .iter()
        .find(|l| l.code_offset.is_some() && l.text.contains("local.get"))
        .unwrap()
        .clone();
    let offset = line.code_offset.unwrap();
    app.controls.params = "3".into();
    let mut h = harness(app);
    h.run();
    h.get_by_label(&code::line_label(&line, false)).click();
    h.run();
    assert!(h.state().state.breakpoints.contains(&offset));
    // The marked line; the run stops there.
    h.get_by_label(&code::line_label(&line, true));
    h.get_by_label("Start").click();
    h.run();
    h.get_by_label("Continue").click();
    h.run();
    assert!(
        matches!(h.state().session.state(), RunState::Paused { code_offset: Some(o), .. } if *o == offset),
        "{:?}",
        h.state().session.state()
    );
    h.get_by_label(&code::line_label(&line, true)).click();
    h.run();
    assert!(h.state().state.breakpoints.is_empty());
}

#[test]
fn a_long_running_guest_runs_in_slices_and_can_be_paused_and_closed() {
    use wasmscope_gui::session::Session;
    // longloop without arguments loops 10^10 times: it must never block a frame.
    let wasm = wasmscope_gui::views::open::sample("longloop").unwrap();
    let mut session = Session::default();
    session.start(wasm, "_start", &[], []);
    assert!(session.is_paused());
    session.continue_running();
    for _ in 0..5 {
        assert!(session.tick(), "still running after a slice");
        assert!(session.is_paused(), "between slices the call is paused");
    }
    session.pause();
    assert!(!session.is_running());
    assert!(!session.tick(), "a paused Continue runs no more slices");
    session.close(3);
    assert!(matches!(session.state(), RunState::Exited(3)));
}

#[test]
fn the_pause_button_stops_a_running_continue() {
    let mut h = harness(WorkbenchApp::new());
    h.get_by_label("longloop").click();
    h.run();
    h.get_by_label("Start").click();
    h.run();
    h.get_by_label("Continue").click();
    h.step();
    assert!(h.state().session.is_running());
    h.get_by_label("Pause").click();
    h.step();
    assert!(!h.state().session.is_running());
    assert!(h.state().session.is_paused());
}
