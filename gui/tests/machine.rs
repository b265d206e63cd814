//! The Machine view on the Learn samples, as a learner uses it: open a Learn sample (its
//! guide shows), Start, Step into, and read the spec's machine at each instruction: the
//! instruction and its sentence, the control stack with the branch target, the operand
//! stack with values and what is popped, the locals.

mod common;

use egui_kittest::kittest::Queryable as _;

use common::{harness, settle};
use wasmscope_gui::WorkbenchApp;

#[test]
fn a_learner_steps_through_the_loop() {
    let mut h = harness(WorkbenchApp::new());
    h.get_by_label("1. loop").click();
    h.run();
    assert_eq!(
        h.state().state.module.as_ref().map(|m| m.name.as_str()),
        Some("loop.wat")
    );
    h.get_by_label("Guide: loop.wat");
    h.get_by_label_contains("a loop with br_if");
    h.get_by_label("not paused: Start, then Step into, to see the machine at each instruction");
    h.get_by_label("Start").click();
    h.run();
    h.get_by_label("Step into").click();
    settle(&mut h);
    h.get_by_label("i32.const 1");
    h.get_by_label("— pushes the constant 1 (i32)");
    h.get_by_label("label 0  function [i32] -> [i32]");
    h.get_by_label("(empty)");
    h.get_by_label("after: 1 entries, pushed [i32]");
    h.get_by_label("local 0: i32 4 (0x4)");
    // On to the loop's add: total (0) and i (1) on the stack, both popped.
    for _ in 0..5 {
        h.get_by_label("Step into").click();
        settle(&mut h);
    }
    h.get_by_label("i32.add");
    h.get_by_label("label 0  loop [] -> []");
    h.get_by_label("label 1  function [i32] -> [i32]");
    h.get_by_label("operand stack (top first): pops 2, pushes 1");
    h.get_by_label("i32 1 (0x1)  ← popped");
    h.get_by_label("i32 0 (0x0)  ← popped");
    // On to br_if: its target is the loop.
    for _ in 0..9 {
        h.get_by_label("Step into").click();
        settle(&mut h);
    }
    h.get_by_label("br_if 0");
    h.get_by_label("label 0  loop [] -> []  ← branch target");
    // The structure: the body and its loop, both around the instruction; a click on the
    // loop selects its first instruction (the Code view goes there).
    let blocks = {
        let s = h.state().session.stepper().unwrap();
        s.compiled().structure(0).unwrap()
    };
    let lp = &blocks[1];
    let label = format!(
        "    loop {:#x}..{:#x}  ({} instructions)  ◀ here",
        lp.start, lp.end, lp.instructions
    );
    h.get_by_label(&label).scroll_to_me();
    h.run();
    h.get_by_label(&label).click();
    h.run();
    assert_eq!(h.state().state.selection.code_offset, Some(lp.start));
}

#[test]
fn every_learn_sample_opens_with_its_guide_and_steps() {
    for (k, l) in wasmscope_gui::views::open::LEARN.iter().enumerate() {
        let mut h = harness(WorkbenchApp::new());
        h.get_by_label(&format!("{}. {}", k + 1, l.name)).click();
        h.run();
        h.get_by_label(&format!("Guide: {}.wat", l.name));
        assert_eq!(h.state().controls.export, l.export);
        h.get_by_label("Start").click();
        h.run();
        h.get_by_label("Step into").click();
        settle(&mut h);
        assert!(
            h.query_by_label_contains("operand stack (top first)")
                .is_some(),
            "{}: {:?}",
            l.name,
            h.state().session.state()
        );
        // Run to the end: the trap sample traps, the others finish.
        h.get_by_label("Continue").click();
        settle(&mut h);
        let state = h.state().session.state().clone();
        if l.name == "trap" {
            assert!(
                matches!(state, wasmscope_gui::session::RunState::Trapped { .. }),
                "{state:?}"
            );
        } else {
            let want: u64 = match l.name {
                "loop" => 10,
                "factorial" => 24,
                "memory" => 0x5566_7788,
                "call_indirect" => 49,
                other => panic!("no result for {other}"),
            };
            assert_eq!(
                state,
                wasmscope_gui::session::RunState::Finished(vec![want]),
                "{}",
                l.name
            );
        }
    }
}
