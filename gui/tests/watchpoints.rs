//! Watchpoints in the workbench, as a person sets them: select bytes in the Memory view
//! and Watch reads or writes, Continue to the read or write (the status line says which
//! watchpoint, the bytes before and after), the Breakpoints tab lists and removes them;
//! a global watched from Tables and globals, kept for the next run.

mod common;

use egui_kittest::kittest::Queryable as _;

use common::settle;
use wasmscope_gui::WorkbenchApp;

const DIVZERO_MAIN: &str = "divzero/src/main.rs";

fn harness_tall() -> egui_kittest::Harness<'static, WorkbenchApp> {
    egui_kittest::Harness::builder()
        .with_size(egui::vec2(1280.0, 1400.0))
        .with_max_steps(100)
        .build_ui_state(
            |ui, app: &mut WorkbenchApp| app.show(ui),
            WorkbenchApp::new(),
        )
}

/// divzero (four buckets) paused at its loop's breakpoint (line 56), the breakpoint then
/// removed.
fn at_the_loop() -> egui_kittest::Harness<'static, WorkbenchApp> {
    let mut h = harness_tall();
    h.get_by_label("divzero").click();
    h.run();
    h.state_mut().source.show_line(DIVZERO_MAIN, 56);
    h.run();
    h.get_by_label(&wasmscope_gui::views::source::gutter(56, false))
        .click();
    h.run();
    h.state_mut().controls.options.args = "a b c d".into();
    h.get_by_label("Run").click();
    settle(&mut h);
    h.state_mut().state.breakpoints.clear();
    h.run();
    h
}

fn status(h: &egui_kittest::Harness<'static, WorkbenchApp>) -> String {
    h.state().session.status().text
}

#[test]
fn watch_a_buckets_reads_and_the_stacks_writes_then_remove_them() {
    let mut h = at_the_loop();
    // `s` points at bucket `i`'s count in linear memory; the next round reads the next
    // bucket: watch the reads of the 16 bytes of all four.
    let e = h.state().session.evaluate(0, "s");
    let address = e.points_to.expect("s points into memory");
    h.state_mut().state.selection.address = Some(address);
    h.state_mut().memory.writer_len = 16;
    h.run();
    h.get_by_label("Watch reads").click();
    h.run();
    assert_eq!(h.state().session.watches().len(), 1);
    // Listed in the Breakpoints tab.
    h.get_by_label("Breakpoints").click();
    h.run();
    let reads = format!("watchpoint 1: 16 bytes at 0x{address:x} (reads)");
    h.get_by_label(&reads);
    h.get_by_label("Continue").click();
    settle(&mut h);
    let text = status(&h);
    assert!(
        text.starts_with(&format!(
            "paused at watchpoint 1 (16 bytes at 0x{address:x} (reads)): read "
        )),
        "{text}"
    );
    assert_eq!(h.state().session.watch_hit().map(|(i, _)| i), Some(0));

    // The 16 bytes below the stack pointer (global 0): the next call's frame writes them.
    let sp = h.state().session.globals()[0].value.clone();
    let sp: u64 = sp.split(' ').next().unwrap().parse().unwrap();
    h.state_mut().state.selection.address = Some(sp - 16);
    h.run();
    h.get_by_label("Watch writes").click();
    h.run();
    let writes = format!("watchpoint 2: 16 bytes at 0x{:x} (writes)", sp - 16);
    h.get_by_label(&writes);
    // Reads no more: Remove it (the first watchpoint's Remove; no breakpoint is left).
    h.get_all_by_label("Remove").next().unwrap().click();
    h.run();
    assert_eq!(h.state().session.watches().len(), 1);
    h.get_by_label("Continue").click();
    settle(&mut h);
    let text = status(&h);
    assert!(
        text.starts_with(&format!(
            "paused at watchpoint 1 (16 bytes at 0x{:x} (writes)): ",
            sp - 16
        )),
        "{text}"
    );
    let (_, hit) = h.state().session.watch_hit().expect("a watchpoint hit");
    assert_ne!(hit.old, hit.new);
    assert!(text.contains(" -> "), "{text}");

    // Removed: Continue runs to the end.
    h.get_by_label(&format!(
        "watchpoint 1: 16 bytes at 0x{:x} (writes)",
        sp - 16
    ));
    h.get_all_by_label("Remove").next().unwrap().click();
    h.run();
    assert!(h.state().session.watches().is_empty());
    h.get_by_label("Continue").click();
    settle(&mut h);
    assert!(h.state().session.watch_hit().is_none());
    assert!(!h.state().session.is_paused(), "{}", status(&h));
}

#[test]
fn watch_a_global_from_tables_and_globals_and_keep_it_for_the_next_run() {
    let mut h = at_the_loop();
    h.get_by_label("Tables and globals").click();
    h.run();
    // The stack pointer, global 0, the first mutable one: its Watch changes button.
    h.get_all_by_label("Watch changes").next().unwrap().click();
    h.run();
    assert_eq!(h.state().session.watches().len(), 1);
    h.get_by_label("Continue").click();
    settle(&mut h);
    let text = status(&h);
    assert!(
        text.starts_with("paused at watchpoint 1 (global 0):"),
        "{text}"
    );
    // The stack pointer's values as i32s: `1048464 (0xfff90) -> 1048416 (0xfff60)`.
    let change = text
        .strip_prefix("paused at watchpoint 1 (global 0): ")
        .unwrap();
    let (old, new) = change.split_once(" -> ").unwrap();
    let number = |v: &str| v.split(' ').next().unwrap().parse::<i32>().unwrap();
    assert!(number(new) < number(old), "{text}");
    // A condition that never holds, typed in the Breakpoints tab: Continue runs on to
    // the end; cleared, the next run stops again.
    h.get_by_label("Breakpoints").click();
    h.run();
    h.get_by_label("condition of watchpoint 1").click();
    h.run();
    h.get_by_label("condition of watchpoint 1").type_text("0");
    h.run();
    assert_eq!(h.state().session.watch_condition(0), "0");
    h.get_by_label("Continue").click();
    settle(&mut h);
    assert!(!h.state().session.is_paused(), "{}", status(&h));
    h.state_mut().session.set_watch_condition(0, "");
    // A new run: the watchpoint stops it again.
    h.get_by_label("Run").click();
    settle(&mut h);
    assert_eq!(h.state().session.watches().len(), 1);
    let text = status(&h);
    assert!(
        text.starts_with("paused at watchpoint 1 (global 0):"),
        "{text}"
    );
}
