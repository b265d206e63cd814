//! The workbench as a new user meets it (issue #19): module switches that leave nothing
//! stale, a status line that says what is true, pause on trap, line 0 as "no line",
//! Chrome DevTools' keys, the breakpoints list, search, the file picker, one exit-code
//! field, panels that keep their size, memory rows that fit, stack frames that wrap.
//! Everything through egui_kittest, widgets found by their labels.

use egui::accesskit::Role;
use egui_kittest::kittest::Queryable as _;
use egui_kittest::Harness;

mod common;
use common::{harness, settle};
use wasmscope_gui::session::{RunState, Tone};
use wasmscope_gui::state::Breakpoint;
use wasmscope_gui::views::source;
use wasmscope_gui::{BottomTab, CenterTab, WorkbenchApp};

fn status(h: &Harness<'static, WorkbenchApp>) -> String {
    h.state().session.status().text
}

const DIVZERO_MAIN: &str = "divzero/src/main.rs";

/// The top edge of the bottom panel: where its first tab is.
fn bottom_top(h: &Harness<'static, WorkbenchApp>) -> f32 {
    h.get_by_role_and_label(Role::Button, "Console")
        .rect()
        .min
        .y
}

#[test]
fn opening_another_module_drops_everything_of_the_last_one_but_the_layout() {
    let mut h = harness(WorkbenchApp::new());
    let longloop = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../samples/programs/longloop.wasm"
    );
    h.get_by_label("Path:").click();
    h.get_by_label("Path:").type_text(longloop);
    h.get_by_label("Open file").click();
    h.run();
    assert_eq!(
        h.state().state.module.as_ref().unwrap().name,
        "longloop.wasm"
    );
    assert_eq!(
        h.state().source.file.as_deref(),
        Some("longloop/src/main.rs")
    );
    // Settings and state of longloop: WASI args, a breakpoint, a search, a paused
    // call, a memory address, params.
    h.get_by_label("WASI…").click();
    h.run();
    h.get_by_label("Args:").click();
    h.get_by_label("Args:").type_text("1000");
    h.get_by_label("Find in source:").click();
    h.get_by_label("Find in source:").type_text("loop");
    h.state_mut().state.toggle_breakpoint(3);
    h.get_by_label("Start").click();
    h.run();
    h.get_by_label("Step into").click();
    settle(&mut h);
    h.get_by_label("Address:").click();
    h.get_by_label("Address:").type_text("100");
    h.get_by_label("Go").click();
    h.run();
    assert_ne!(h.state().memory.address, 0);
    h.get_by_label("Params:").click();
    h.get_by_label("Params:").type_text("7");

    // The user makes the bottom panel taller: layout, which a module switch keeps.
    let top = bottom_top(&h);
    let edge = top - 8.0;
    h.hover_at(egui::pos2(600.0, edge));
    h.run();
    h.drag_at(egui::pos2(600.0, edge));
    h.run();
    h.hover_at(egui::pos2(600.0, edge - 120.0));
    h.run();
    h.drop_at(egui::pos2(600.0, edge - 120.0));
    h.run();
    let taller = bottom_top(&h);
    assert!(
        taller < top - 100.0,
        "the drag moved the edge: {top} -> {taller}"
    );

    // The Modules tab is in front, with longloop's modules.
    h.get_by_label("Modules").click();
    h.run();
    h.get_by_label("Close longloop with exit code 1");

    h.get_by_label("divzero").click();
    h.run();
    let app = h.state();
    assert_eq!(app.state.module.as_ref().unwrap().name, "divzero");
    assert_eq!(app.source.file.as_deref(), Some(DIVZERO_MAIN));
    assert_eq!(app.controls.params, "");
    assert_eq!(app.controls.options.args, "");
    assert_eq!(app.controls.export, "_start");
    assert_eq!(app.open.path, "", "the path was longloop's");
    assert_eq!(app.session.state(), &RunState::NotStarted);
    assert_eq!(app.memory.address, 0);
    assert_eq!(app.source.search.query, "");
    assert!(app.state.breakpoint_list().is_empty());
    // What a person sees: none of longloop's values in the fields.
    assert_eq!(h.get_by_label("Params:").value().as_deref(), Some(""));
    assert_eq!(h.get_by_label("Args:").value().as_deref(), Some(""));
    assert_eq!(h.get_by_label("Path:").value().as_deref(), Some(""));
    h.get_by_label("no call: Start or Run the module");
    assert!(h.query_by_label_contains("longloop/src").is_none());
    // The preferences stay: the WASI fields are still open.
    assert!(app.controls.show_wasi);
    // The bottom panel kept its height, though the Modules tab has little to show
    // now; every tab keeps it.
    h.get_by_label("no runtime yet (start the module)");
    assert_eq!(bottom_top(&h), taller);
    for tab in [
        "Console",
        "Call log",
        "Traps",
        "Tables and globals",
        "Breakpoints",
    ] {
        h.get_by_role_and_label(Role::Button, tab).click();
        h.run();
        assert_eq!(bottom_top(&h), taller, "{tab}");
    }
    // It still shrinks when the user drags it so.
    h.drag_at(egui::pos2(600.0, taller - 8.0));
    h.run();
    h.hover_at(egui::pos2(600.0, taller + 60.0));
    h.run();
    h.drop_at(egui::pos2(600.0, taller + 60.0));
    h.run();
    assert!(bottom_top(&h) > taller + 50.0, "{}", bottom_top(&h));

    // A module loaded by any other way (here straight into the model) is no different.
    let hello = wasmscope_gui::views::open::sample("hello").unwrap();
    h.state_mut().controls.params = "stale".into();
    h.state_mut().state.load("hello", hello).unwrap();
    h.run();
    assert_eq!(h.state().controls.params, "");
    assert_eq!(h.state().source.file.as_deref(), Some("hello/src/main.rs"));
}

#[test]
fn the_status_line_says_what_is_true_in_colours_that_mean_it() {
    let mut h = harness(WorkbenchApp::new());
    h.get_by_label("longloop").click();
    h.run();
    h.get_by_label("not started");
    h.get_by_label("Start").click();
    h.run();
    // Started but not entered: no "paused at entry" while the Stack has no frame.
    h.get_by_label("ready: _start not entered yet (Step into or Continue)");
    h.get_by_label("ready: the call has not entered the function yet (Step into enters it)");
    assert_eq!(h.state().session.status().tone, Tone::Idle);
    // Running: for how long, not "paused at".
    h.get_by_label("Continue").click();
    h.step();
    h.step();
    h.step();
    let running = status(&h);
    assert!(
        running.starts_with("running (continue) for ")
            && (running.ends_with(" ms") || running.ends_with(" s")),
        "{running}"
    );
    assert_eq!(h.state().session.status().tone, Tone::Running);
    h.get_by_label_contains("running (continue) for ");
    h.get_by_label("running… (Pause to see the stack)");
    // Paused: the function and its source line.
    h.get_by_label("Pause").click();
    h.run();
    let paused = status(&h);
    assert!(paused.starts_with("paused in "), "{paused}");
    assert!(paused.contains(" (0x"), "{paused}");
    assert!(
        !paused.contains(":0 ") && !paused.contains(":0:"),
        "{paused}"
    );
    assert_eq!(h.state().session.status().tone, Tone::Paused);

    // Finished: the results, typed; green in the status and the Console, not red.
    let mut app = WorkbenchApp::new();
    assert!(app.open_sample("fac.wat"));
    app.controls.params = "5".into();
    let mut h = harness(app);
    h.get_by_label("Run").click();
    settle(&mut h);
    assert_eq!(status(&h), "finished: returned 120 (0x78)");
    assert_eq!(h.state().session.status().tone, Tone::Success);
    assert_eq!(h.state().session.message_tone(), Tone::Success);
    assert_eq!(
        h.get_all_by_label("finished: returned 120 (0x78)").count(),
        2,
        "in the status line and the Console"
    );

    // A function without results.
    let mut app = WorkbenchApp::new();
    assert!(app.open_bytes("none.wat", b"(module (func (export \"nothing\") nop))"));
    let mut h = harness(app);
    h.get_by_label("Run").click();
    settle(&mut h);
    assert_eq!(status(&h), "finished, no results");

    // Trapped: where and why, in red.
    let mut h = harness(WorkbenchApp::new());
    h.get_by_label("divzero").click();
    h.run();
    h.get_by_label("Run").click();
    settle(&mut h);
    let s = status(&h);
    assert!(
        s.starts_with("trapped in divzero::share at ")
            && s.ends_with(&format!("{DIVZERO_MAIN}:28: integer divide by zero")),
        "{s}"
    );
    assert_eq!(h.state().session.status().tone, Tone::Failure);

    // Exited with a code: orange when not 0.
    let mut h = harness(WorkbenchApp::new());
    h.get_by_label("exit").click();
    h.run();
    h.get_by_label("Run").click();
    settle(&mut h);
    let RunState::Exited(code) = h.state().session.state().clone() else {
        panic!("{:?}", h.state().session.state());
    };
    assert_ne!(code, 0);
    assert_eq!(status(&h), format!("exited with code {code}"));
    assert_eq!(h.state().session.status().tone, Tone::Warning);
}

#[test]
fn pause_on_trap_keeps_the_trapping_frame_until_restart() {
    let mut h = harness(WorkbenchApp::new());
    h.get_by_label("divzero").click();
    h.run();
    assert!(h.state().controls.pause_on_trap, "on by default");
    h.get_by_label("Pause on trap");
    h.get_by_label("Run").click();
    settle(&mut h);
    assert!(matches!(
        h.state().session.state(),
        RunState::Trapped { .. }
    ));
    // The stack as it was at the trapping instruction: share(1000, 0) dividing 1000 by 0.
    assert!(h.state().session.is_paused_at_trap());
    h.get_by_label("paused at the trap: the frames as they were (Restart runs again)");
    let frames = h.state().session.frames();
    let trap = h.state().session.trap().unwrap().clone();
    assert!(frames.len() >= 3, "{frames:?}");
    assert_eq!(frames[0].code_offset, trap.frames[0].code_offset);
    assert_eq!(frames[1].code_offset, trap.frames[1].code_offset);
    h.get_by_label_contains("#0 divzero::share(");
    assert!(
        frames[0]
            .operands
            .ends_with(&[wasmscope::Value::I32(1000), wasmscope::Value::I32(0)]),
        "the division's operands: {:?}",
        frames[0].operands
    );
    h.get_by_label_contains("operands:");
    // Memory stays readable.
    h.get_by_label_contains("size 0x");
    // Clicking an outer frame shows its locals.
    h.get_by_label(&wasmscope_gui::views::stack::frame_title(1, &frames[1]))
        .click();
    h.run();
    assert_eq!(h.state().stack.selected, 1);
    // Restart: the kept frames go.
    h.get_by_label("Restart").click();
    h.run();
    assert!(h.state().session.frames().is_empty());
    assert!(!h.state().session.is_paused_at_trap());

    // Off: a trap ends the call and its frames are gone.
    h.get_by_label("Pause on trap").click();
    h.get_by_label("Run").click();
    settle(&mut h);
    assert!(h.state().session.frames().is_empty());
    h.get_by_label("the call trapped (turn on Pause on trap to keep its frames)");
}

#[test]
fn line_0_means_no_line() {
    // divzero has code whose innermost location is line 0 (inlined from std) with a real
    // line further out, and code without any line.
    let mut app = WorkbenchApp::new();
    assert!(app.open_sample("divzero"));
    let m = app.state.module.as_ref().unwrap();
    let debug = m.debug.as_ref().unwrap();
    let (mut inner_zero, mut all_zero) = (Vec::new(), Vec::new());
    for o in m.code_offsets() {
        let locs = debug.locations(o);
        match locs.first() {
            Some(l) if l.line == 0 && locs.iter().any(|l| l.line > 0) => inner_zero.push(o),
            Some(l) if l.line == 0 => all_zero.push(o),
            _ => {}
        }
    }
    assert!(!inner_zero.is_empty() && !all_zero.is_empty());
    for (offsets, expect) in [(inner_zero, None), (all_zero, Some("no source line"))] {
        let mut h = harness(WorkbenchApp::new());
        h.get_by_label("divzero").click();
        h.run();
        for o in offsets {
            h.state_mut().state.add_code_breakpoint(o);
        }
        h.get_by_label("Run").click();
        settle(&mut h);
        let s = status(&h);
        assert!(s.starts_with("paused in "), "{s}");
        // Never `file:0`: the nearest line, or "no source line".
        assert!(!s.contains(":0 ") && !s.contains(":0:"), "{s}");
        if let Some(e) = expect {
            assert!(s.contains(e), "{s}");
            h.get_by_label("no source line here (compiler-generated code)");
        }
        let RunState::Paused { source, .. } = h.state().session.state().clone() else {
            panic!()
        };
        assert!(
            source.as_ref().is_none_or(|s| !s.ends_with(":0:0")),
            "{source:?}"
        );
        // The Stack says so too.
        let frames = h.state().session.frames();
        let title = wasmscope_gui::views::stack::frame_title(0, &frames[0]);
        assert!(!title.contains(":0"), "{title}");
    }
}

#[test]
fn chrome_devtools_keys_step_and_search_and_the_tooltips_say_them() {
    let mut app = WorkbenchApp::new();
    assert!(app.open_sample("fac.wat"));
    app.controls.params = "3".into();
    let mut h = harness(app);
    h.get_by_label("Start").click();
    h.run();
    // F11: step into (enters the call).
    h.key_press(egui::Key::F11);
    settle(&mut h);
    let RunState::Paused {
        code_offset: Some(first),
        ..
    } = h.state().session.state().clone()
    else {
        panic!("{:?}", h.state().session.state());
    };
    // F10: step over, to the next instruction of fac.
    h.key_press(egui::Key::F10);
    settle(&mut h);
    let RunState::Paused {
        code_offset: Some(second),
        ..
    } = h.state().session.state().clone()
    else {
        panic!("{:?}", h.state().session.state());
    };
    assert_ne!(first, second);
    // Shift+F11: step out of the outermost call: it finishes.
    h.key_press_modifiers(egui::Modifiers::SHIFT, egui::Key::F11);
    settle(&mut h);
    assert_eq!(h.state().session.state(), &RunState::Finished(vec![6]));
    // F8: continue (from a fresh start).
    h.get_by_label("Start").click();
    h.run();
    h.key_press(egui::Key::F8);
    settle(&mut h);
    assert_eq!(h.state().session.state(), &RunState::Finished(vec![6]));
    // F8 pauses a running operation.
    h.get_by_label("longloop").click();
    h.run();
    h.get_by_label("Start").click();
    h.run();
    h.key_press(egui::Key::F8);
    h.step();
    assert!(h.state().session.is_running());
    h.key_press(egui::Key::F8);
    h.step();
    assert!(!h.state().session.is_running());
    assert!(h.state().session.is_paused());
    // The tooltips name the keys; longloop has line information: the steps go by
    // source line.
    for (button, tip) in [
        ("Continue", "to the next breakpoint or the end (F8)"),
        ("Step over", "one line, over calls (F10)"),
        ("Step into", "one line, entering calls (F11)"),
        ("Step out", "to the caller (Shift+F11)"),
    ] {
        h.get_by_label(button).hover();
        h.run();
        h.get_by_label(tip);
    }
    // Ctrl+F: the middle view's search field takes the keyboard.
    h.state_mut().center = CenterTab::Code;
    h.run();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::F);
    h.run();
    assert!(h.get_by_label("Find in code:").is_focused());
}

#[test]
fn the_breakpoints_list_enables_disables_removes_and_goes_to() {
    let mut h = harness(WorkbenchApp::new());
    h.get_by_label("divzero").click();
    h.run();
    // A line breakpoint (Source) and an instruction one (Code).
    h.state_mut().source.show_line(DIVZERO_MAIN, 54);
    h.run();
    h.get_by_label(&source::gutter(54, false)).click();
    h.run();
    let code_bp = {
        let m = h.state().state.module.as_ref().unwrap();
        m.line(m.find_line("i32.div_u").unwrap())
            .and_then(|l| l.code_offset)
            .unwrap()
    };
    h.state_mut().state.toggle_breakpoint(code_bp);
    h.get_by_label("Breakpoints").click();
    h.run();
    let line_label = format!("{DIVZERO_MAIN}:54");
    h.get_by_label(&line_label);
    h.get_by_label_contains(&format!("0x{code_bp:x}  i32.div_u"));
    h.get_by_label("2 breakpoints, 2 enabled");
    // Disable the line one: the run no longer stops there (with two arguments there
    // is no division by zero, and the division is somewhere else).
    h.get_by_label(&line_label).click();
    h.run();
    h.get_by_label("2 breakpoints, 1 enabled");
    assert!(!h.state().state.is_enabled(&Breakpoint::Line {
        file: DIVZERO_MAIN.into(),
        line: 54
    }));
    // Disabled, it shows as ○ in the Source view.
    h.get_by_label(&source::gutter_marked(54, '○'));
    h.state_mut().controls.options.args = "a b".into();
    h.get_by_label("Run").click();
    settle(&mut h);
    let s = status(&h);
    assert!(!s.contains(":54"), "{s}");
    // Go to the instruction one: the Code view, with it selected.
    h.get_all_by_label("Go to").nth(1).unwrap().click();
    h.run();
    assert_eq!(h.state().center, CenterTab::Code);
    assert_eq!(h.state().state.selection.code_offset, Some(code_bp));
    // Go to the line one: the Source view at that line.
    h.get_all_by_label("Go to").next().unwrap().click();
    h.run();
    assert_eq!(h.state().center, CenterTab::Source);
    assert_eq!(h.state().source.file.as_deref(), Some(DIVZERO_MAIN));
    h.get_by_label(&source::gutter_marked(54, '○'));
    // Remove both.
    h.get_all_by_label("Remove").next().unwrap().click();
    h.run();
    h.get_by_label("1 breakpoints, 1 enabled");
    h.get_by_label("Remove all").click();
    h.run();
    assert!(h.state().state.breakpoint_list().is_empty());
    assert!(h.state().state.all_breakpoints().is_empty());
    h.get_by_label_contains("no breakpoints");
}

#[test]
fn search_finds_text_in_code_source_and_the_call_log() {
    let mut h = harness(WorkbenchApp::new());
    h.get_by_label("divzero").click();
    h.run();
    // Source: Enter goes to the next match, which is highlighted and scrolled to.
    h.get_by_label("Find in source:").click();
    h.get_by_label("Find in source:").type_text("fn distribute");
    h.key_press(egui::Key::Enter);
    h.run();
    let text = wasmscope_gui::views::open::sample_source(DIVZERO_MAIN).unwrap();
    let line = text
        .lines()
        .position(|l| l.contains("fn distribute"))
        .unwrap();
    assert_eq!(h.state().source.search.current, Some(line));
    h.get_by_label("1 of 1");
    h.get_by_label_contains("fn distribute");
    // Code: the text format.
    h.get_by_label("Code").click();
    h.run();
    h.get_by_label("Find in code:").click();
    h.get_by_label("Find in code:").type_text("i32.div_u");
    h.key_press(egui::Key::Enter);
    h.run();
    let hit = h.state().code.search.current.expect("a match");
    let m = h.state().state.module.as_ref().unwrap();
    assert!(m.line(hit).unwrap().text.contains("i32.div_u"));
    h.get_by_label_contains("1 of ");
    // Call log.
    h.get_by_label("Run").click();
    settle(&mut h);
    h.get_by_label("Call log").click();
    h.run();
    h.get_by_label("Find in call log:").click();
    h.get_by_label("Find in call log:")
        .type_text("args_sizes_get");
    h.key_press(egui::Key::Enter);
    h.run();
    let log = h.state().session.call_log.text();
    let first = log
        .lines()
        .position(|l| l.contains("args_sizes_get"))
        .unwrap();
    assert_eq!(h.state().call_log.search.current, Some(first));
    // Ctrl+F with the pointer over the call log focuses its field.
    h.get_by_label("Source").click();
    h.run();
    let over_log = h.get_by_label("Find in call log:").rect().center();
    h.hover_at(over_log + egui::vec2(0.0, 40.0));
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::F);
    h.run();
    assert!(h.get_by_label("Find in call log:").is_focused());
}

#[test]
fn the_file_picker_filters_and_lists_the_programs_own_files_first() {
    let mut h = harness(WorkbenchApp::new());
    h.get_by_label("divzero").click();
    h.run();
    let m = h.state().state.module.as_ref().unwrap();
    let files = m.debug.as_ref().unwrap().summary.source_files.clone();
    assert!(files.len() > 100, "{}", files.len());
    // Alphabetically the program's own file is buried; in the picker it comes first.
    let ordered = source::picker_order(&files, |f| f == DIVZERO_MAIN);
    assert_eq!(ordered[0], (DIVZERO_MAIN.to_string(), false));
    assert!(source::is_toolchain(
        "/rustc/59807616e1fa2540724bfbac14d7976d7e4a3860/library/core/src/num/uint_macros.rs"
    ));
    assert!(source::is_toolchain("library/std/src/rt.rs"));
    assert!(source::is_toolchain(
        "wasisdk://v30.0/src/wasi-libc/dlmalloc/src/malloc.c"
    ));
    // Open the picker: the program's heading, its file, then the toolchain's.
    h.get_by_label("File:").click();
    h.run();
    let own = h.get_by_label("this program").rect().min.y;
    let main = h
        .get_by_role_and_label(Role::Button, DIVZERO_MAIN)
        .rect()
        .min
        .y;
    let toolchain = h.get_by_label("toolchain and libraries").rect().min.y;
    assert!(own < main && main < toolchain, "{own} {main} {toolchain}");
    // The filter narrows the list; a click opens the file.
    h.get_by_label("Filter:").type_text("uint_mac");
    h.run();
    assert!(h.query_by_label("this program").is_none());
    let pick = files
        .iter()
        .find(|f| f.contains("uint_macros"))
        .unwrap()
        .clone();
    assert!(h.query_by_label(DIVZERO_MAIN).is_none(), "filtered out");
    h.get_by_role_and_label(Role::Button, &pick).click();
    h.run();
    assert_eq!(h.state().source.file.as_deref(), Some(pick.as_str()));
}

#[test]
fn one_exit_code_field_for_controls_and_modules() {
    let mut h = harness(WorkbenchApp::new());
    h.get_by_label("divzero").click();
    h.run();
    h.get_by_label("Start").click();
    h.run();
    h.get_by_label("Step into").click();
    settle(&mut h);
    h.get_by_label("Modules").click();
    h.run();
    // No second field in the Modules view.
    assert!(h.query_by_label("Exit code:").is_none());
    assert_eq!(
        h.get_all_by_role(Role::SpinButton).count(),
        1,
        "one exit-code field"
    );
    // The Controls' field sets the code the Modules view's buttons use.
    h.get_by_role(Role::SpinButton).set_value_accesskit(3.0);
    h.run();
    assert_eq!(h.state().controls.exit_code, 3);
    h.get_by_label("Close divzero with exit code 3").click();
    h.run();
    assert_eq!(h.state().session.state(), &RunState::Exited(3));
    assert_eq!(status(&h), "module closed with exit_code(3)");
    assert_eq!(h.state().session.status().tone, Tone::Warning);
}

#[test]
fn the_right_panel_keeps_its_width_memory_rows_fit_it_and_frames_wrap() {
    let mut h = harness(WorkbenchApp::demo());
    h.run();
    let left_edge = |h: &Harness<'static, WorkbenchApp>| h.get_by_label("Memory").rect().min.x;
    let before = left_edge(&h);
    // Paused deep in divzero: long frame titles and rows of memory do not widen it.
    for _ in 0..5 {
        h.run();
    }
    assert_eq!(left_edge(&h), before);
    assert!(before > 1280.0 - 450.0, "{before}");
    // The memory rows fill the width: as many bytes as fit, a multiple of 4.
    let row_bytes = h.state().memory.row_bytes;
    assert!(
        row_bytes >= 12 && row_bytes.is_multiple_of(4),
        "{row_bytes}"
    );
    // Every frame is wrapped inside the panel, none cut off.
    let frames = h.state().session.frames();
    let row = h.get_by_label_contains("#0 ").rect().height();
    for (i, f) in frames.iter().enumerate() {
        let title = wasmscope_gui::views::stack::frame_title(i, f);
        let node = h.get_by_label(&title);
        assert!(node.rect().max.x <= 1280.0, "{title}: {:?}", node.rect());
        assert!(node.rect().min.x >= before - 1.0);
    }
    let longest = frames
        .iter()
        .enumerate()
        .map(|(i, f)| wasmscope_gui::views::stack::frame_title(i, f))
        .max_by_key(String::len)
        .unwrap();
    let node = h.get_by_label(&longest);
    // At ~7 points a character, a title this long needs more than one line of 430.
    if longest.len() > 70 {
        assert!(
            node.rect().height() > row * 1.5,
            "{longest}: {:?}",
            node.rect()
        );
    }
    // Widen the panel: the rows take more bytes.
    let edge = before - 6.0;
    h.hover_at(egui::pos2(edge, 400.0));
    h.run();
    h.drag_at(egui::pos2(edge, 400.0));
    h.run();
    h.hover_at(egui::pos2(edge - 130.0, 400.0));
    h.run();
    h.drop_at(egui::pos2(edge - 130.0, 400.0));
    h.run();
    h.run();
    assert!(left_edge(&h) < before - 120.0, "{}", left_edge(&h));
    assert!(
        h.state().memory.row_bytes > row_bytes,
        "{} -> {}",
        row_bytes,
        h.state().memory.row_bytes
    );
    // It never takes much more than half of the width left beside the Module panel.
    h.drag_at(egui::pos2(left_edge(&h) - 6.0, 400.0));
    h.run();
    h.hover_at(egui::pos2(100.0, 400.0));
    h.run();
    h.drop_at(egui::pos2(100.0, 400.0));
    h.run();
    assert!(left_edge(&h) > 1280.0 - 0.56 * 1020.0, "{}", left_edge(&h));
    assert_eq!(h.state().bottom, BottomTab::Console);
}

#[test]
fn every_demo_view_draws_and_the_breakpoints_one_is_paused_at_its_line() {
    for view in [
        "module",
        "code",
        "source",
        "memory",
        "tables",
        "traps",
        "modules",
        "calllog",
        "console",
        "breakpoints",
        "exceptions",
        "catch",
        "time_travel",
        "watchpoints",
        "gc",
        "variables",
        "watch",
        "machine",
        "machine_call",
    ] {
        let app = WorkbenchApp::demo_view(view).unwrap_or_else(|| panic!("{view}"));
        let mut h = harness(app);
        h.run();
        if view == "machine" {
            h.get_by_label("br_if 0");
            h.get_by_label("label 0  loop [] -> []  ← branch target");
        }
        if view == "machine_call" {
            assert_eq!(h.state().session.frames().len(), 2);
            h.get_by_label("i64.mul");
        }
        if view == "watch" {
            h.get_by_label("i * 10 + *s: i64 = 260");
        }
        if view == "breakpoints" {
            let s = status(&h);
            assert!(s.contains("divzero/src/main.rs:54"), "{s}");
            h.get_by_label("3 breakpoints, 2 enabled");
        }
        if view == "exceptions" {
            let s = status(&h);
            assert!(
                s.contains("paused at a throw") && s.contains("bad_digit"),
                "{s}"
            );
        }
        if view == "time_travel" {
            assert!(h.state().session.in_past());
            h.get_by_label("Back to breakpoint");
            h.get_by_label_contains("written before instruction");
        }
        if view == "watchpoints" {
            let s = status(&h);
            assert!(
                s.starts_with("paused at watchpoint 1 (16 bytes at 0x"),
                "{s}"
            );
            h.get_by_label_contains("watchpoint 1: 16 bytes at 0x");
        }
        if view == "catch" {
            let s = status(&h);
            assert!(
                s.contains("paused before the call of wasi_snapshot_preview1.fd_write"),
                "{s}"
            );
            h.get_by_label("Before the WASI call fd_write");
        }
        if view == "traps" {
            // oob: paused at the trap, its frames kept.
            assert!(h.state().session.is_paused_at_trap());
        }
    }
}
