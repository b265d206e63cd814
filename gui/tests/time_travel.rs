//! Time travel in the workbench, as a person uses it: Record, Run to a breakpoint in a
//! loop, Continue twice, then back to the last breakpoint hit, a step back, the
//! timeline's label, a click on the timeline, and the Memory view's Last writer with
//! its Go there.

mod common;

use egui_kittest::kittest::Queryable as _;

use common::settle;
use wasmscope_gui::views::controls::timeline_label;
use wasmscope_gui::WorkbenchApp;

const DIVZERO_MAIN: &str = "divzero/src/main.rs";

/// The timeline's hover text, its label.
const LABEL: &str =
    "the recorded run: calls, host calls, breakpoint stops and the trap marked; click a moment to see the call there";

/// The workbench, tall: the Memory view's Last writer row shows below the Stack view.
fn harness_tall() -> egui_kittest::Harness<'static, WorkbenchApp> {
    egui_kittest::Harness::builder()
        .with_size(egui::vec2(1280.0, 1400.0))
        .with_max_steps(100)
        .build_ui_state(
            |ui, app: &mut WorkbenchApp| app.show(ui),
            WorkbenchApp::new(),
        )
}

/// divzero (four buckets) recorded, paused at its loop's breakpoint (line 56) with
/// `i == 0`.
fn recorded_at_the_loop() -> egui_kittest::Harness<'static, WorkbenchApp> {
    let mut h = harness_tall();
    h.get_by_label("divzero").click();
    h.run();
    h.state_mut().source.show_line(DIVZERO_MAIN, 56);
    h.run();
    h.get_by_label(&wasmscope_gui::views::source::gutter(56, false))
        .click();
    h.run();
    h.state_mut().controls.options.args = "a b c d".into();
    h.get_by_label("Record").click();
    h.run();
    h.get_by_label("Run").click();
    settle(&mut h);
    assert_eq!(i_now(&h), "0");
    h
}

/// The value of `i` in the innermost frame, as the Watch panel would show it.
fn i_now(h: &egui_kittest::Harness<'static, WorkbenchApp>) -> String {
    h.state()
        .session
        .evaluate(0, "i")
        .value
        .unwrap_or_else(|e| e)
}

#[test]
fn back_to_the_last_breakpoint_and_forward_to_the_present() {
    let mut h = recorded_at_the_loop();
    h.get_by_label("Continue").click();
    settle(&mut h);
    h.get_by_label("Continue").click();
    settle(&mut h);
    assert_eq!(i_now(&h), "2");
    let (now, present) = h.state().session.timeline().unwrap();
    assert_eq!(now, present);
    // The three breakpoint stops marked on the timeline, the last one now.
    let marks = h.state().session.stop_marks();
    assert_eq!(marks.len(), 3, "{marks:?}");
    assert_eq!(marks[2], (now, false));
    // And the calls the run made so far, before now.
    let calls = h.state().session.call_marks();
    assert!(calls.len() > 10, "{calls:?}");
    assert!(calls.iter().all(|(c, _)| *c < now));
    h.get_by_label(&timeline_label(now, present));
    assert!(!h.state().session.in_past());

    h.get_by_label("Back to breakpoint").click();
    h.run();
    assert_eq!(i_now(&h), "1");
    assert!(h.state().session.in_past());
    let (then, p) = h.state().session.timeline().unwrap();
    assert!(then < now && p == present);
    h.get_by_label(&timeline_label(then, present));
    // The console got nothing from the replay: "bucket 1" printed once.
    let out = h.state().session.stdout.text();
    assert_eq!(out.matches("bucket 1: 250").count(), 1, "{out}");

    // Forward again: the next hit (i == 2, the present), then the program runs on.
    h.get_by_label("Continue").click();
    settle(&mut h);
    assert_eq!(i_now(&h), "2");
    assert!(!h.state().session.in_past());
    h.get_by_label("Continue").click();
    settle(&mut h);
    assert_eq!(i_now(&h), "3");
    assert_eq!(
        h.state()
            .session
            .stdout
            .text()
            .matches("bucket 2: 250")
            .count(),
        1
    );
}

#[test]
fn a_step_back_and_a_click_on_the_timeline() {
    let mut h = recorded_at_the_loop();
    h.get_by_label("Continue").click();
    settle(&mut h);
    let (now, _) = h.state().session.timeline().unwrap();
    h.get_by_label("Step back").click();
    h.run();
    let (back, present) = h.state().session.timeline().unwrap();
    assert!(back < now, "{back} < {now}");
    assert!(h.state().session.in_past());
    // A click in the timeline's middle: the middle of the recorded run.
    h.get_by_label(LABEL).click();
    h.run();
    let (mid, _) = h.state().session.timeline().unwrap();
    assert!(
        mid > present / 4 && mid < present * 3 / 4,
        "{mid} of {present}"
    );
    assert!(h.state().session.in_past());
    h.get_by_label(&timeline_label(mid, present));
    // The run's start.
    h.state_mut().session.go_to(1);
    h.run();
    assert_eq!(h.state().session.timeline(), Some((1, present)));
    h.get_by_label(&timeline_label(1, present));
    // Back to the present.
    h.state_mut().session.go_to(present);
    h.run();
    assert_eq!(h.state().session.timeline(), Some((present, present)));
    assert_eq!(i_now(&h), "1");
}

#[test]
fn last_writer_of_a_bucket_and_go_there() {
    let mut h = recorded_at_the_loop();
    // `s` points at the bucket's count (250) in linear memory.
    let e = h.state().session.evaluate(0, "s");
    let address = e.points_to.expect("s points into memory");
    h.state_mut().state.selection.address = Some(address);
    h.run();
    h.get_by_label("Last writer").click();
    h.run();
    let label = format!("0x{address:x}+4: written before instruction");
    let node = h.get_by_label_contains(&label);
    let text = format!("{node:?}");
    assert!(text.contains("-> fa 00 00 00"), "{text}");
    h.get_by_label("Go there").click();
    h.run();
    assert!(h.state().session.in_past());
    // Right after the write: the bucket holds 250.
    let bytes = h.state().session.read_memory(address, 4).unwrap();
    assert_eq!(bytes, 250u32.to_le_bytes());
}

#[test]
fn back_from_a_trap_to_the_line_before_it() {
    let mut h = harness_tall();
    h.get_by_label("oob").click();
    h.run();
    h.get_by_label("Record").click();
    h.run();
    h.get_by_label("Run").click();
    settle(&mut h);
    assert!(
        h.state().session.is_paused_at_trap(),
        "{:?}",
        h.state().session.state()
    );
    let (now, present) = h.state().session.timeline().expect("a recorded run");
    assert_eq!(now, present);
    assert_eq!(
        h.state().session.stop_marks(),
        &[(present, true)],
        "the trap marked"
    );
    h.get_by_label("Step back").click();
    h.run();
    assert!(h.state().session.in_past());
    assert!(h.state().session.is_paused());
    let frames = h.state().session.frames();
    let line = frames[0].sources.first().map(|l| l.line);
    assert!(line.is_some(), "a line before the trap: {frames:?}");
    let (back, _) = h.state().session.timeline().unwrap();
    assert!(back < present);
}
