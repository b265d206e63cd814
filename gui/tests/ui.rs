//! UI logic tests: the whole workbench in an egui_kittest harness, widgets found by label.

use egui_kittest::kittest::Queryable as _;

mod common;
use common::{harness, paused_at, settle};
use wasmscope_gui::session::RunState;
use wasmscope_gui::state::{Breakpoint, Breakpoints};
use wasmscope_gui::views::{code, source};
use wasmscope_gui::WorkbenchApp;

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
    assert!(h
        .state()
        .session
        .stdout
        .text()
        .contains("hello, wasmscope!"));
    // Shown in the Console (the Module view's data preview may show it too).
    assert!(h.get_all_by_label_contains("hello, wasmscope!").count() >= 1);
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
    let m = h.state().state.module.as_ref().unwrap();
    let line = m.line_of_offset(trap).unwrap();
    assert!(m.line(line).unwrap().text.contains("div_u"));
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
    let frames = h.state().session.frames();
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
    // The button (the exit-code field beside it is labelled by it too).
    h.get_by_role_and_label(egui::accesskit::Role::Button, "Close with exit code")
        .click();
    h.run();
    assert_eq!(h.state().session.state(), &RunState::Exited(1));
    // In the status line and the Console.
    assert_eq!(h.get_all_by_label_contains("exit_code(1)").count(), 2);
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
    assert!((0..m.line_count()).any(|i| m.line(i).unwrap().code_offset.is_some()));
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
    // The status line: the function and its source line.
    let status = h.state().session.status().text;
    assert!(
        status.starts_with("paused in divzero::share at ")
            && status.contains("divzero/src/main.rs:28 (0x"),
        "{status}"
    );
    h.get_by_label(&status);
}

#[test]
fn clicking_a_code_line_toggles_a_breakpoint() {
    let mut app = WorkbenchApp::new();
    assert!(app.open_sample("fac.wat"));
    let m = app.state.module.as_ref().unwrap();
    let line = (0..m.line_count())
        .filter_map(|i| m.line(i))
        .find(|l| l.code_offset.is_some() && l.text.contains("local.get"))
        .unwrap();
    let offset = line.code_offset.unwrap();
    app.controls.params = "3".into();
    let mut h = harness(app);
    h.run();
    h.get_by_label(&code::gutter(&line, false)).click();
    h.run();
    assert!(h.state().state.all_breakpoints().contains(&offset));
    // The marked line; the run stops there.
    h.get_by_label(&code::gutter(&line, true));
    h.get_by_label("Start").click();
    h.run();
    h.get_by_label("Continue").click();
    h.run();
    assert!(
        matches!(h.state().session.state(), RunState::Paused { code_offset: Some(o), .. } if *o == offset),
        "{:?}",
        h.state().session.state()
    );
    h.get_by_label(&code::gutter(&line, true)).click();
    h.run();
    assert!(h.state().state.breakpoint_list().is_empty());
}

#[test]
fn a_long_running_guest_runs_in_slices_and_can_be_paused_and_closed() {
    use wasmscope_gui::session::Session;
    // longloop without arguments loops 10^10 times: it must never block a frame.
    let wasm = wasmscope_gui::views::open::sample("longloop").unwrap();
    let mut session = Session::default();
    session.start(
        "longloop",
        wasm,
        "_start",
        &[],
        &Breakpoints::new(),
        &wasmscope_gui::session::RunOptions::default(),
    );
    assert!(session.is_paused());
    session.begin(wasmscope_listeners::stepper::Op::Continue);
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

const DIVZERO_MAIN: &str = "divzero/src/main.rs";

#[test]
fn a_source_line_breakpoint_is_hit_then_a_step_over_the_call_stays_in_the_function() {
    let mut h = harness(WorkbenchApp::new());
    h.get_by_label("divzero").click();
    h.run();
    // A module with DWARF opens on its source; the program's own file comes first.
    assert_eq!(h.state().center, wasmscope_gui::CenterTab::Source);
    assert_eq!(h.state().source.file.as_deref(), Some(DIVZERO_MAIN));
    h.get_by_label_contains("debug info: line info for");
    // Line 54 of run(): `let shares = distribute(1000, buckets);`. Click its number.
    h.state_mut().source.show_line(DIVZERO_MAIN, 54);
    h.run();
    h.get_by_label(&source::gutter(54, false)).click();
    h.run();
    assert!(h.state().state.has_breakpoint(&Breakpoint::Line {
        file: DIVZERO_MAIN.to_string(),
        line: 54
    }));
    h.get_by_label(&source::gutter(54, true));
    // With two arguments there is no division by zero (the WASI fields are set).
    h.state_mut().controls.options.args = "a b".into();
    h.get_by_label("Run").click();
    settle(&mut h);
    let RunState::Paused {
        source: Some(at), ..
    } = h.state().session.state().clone()
    else {
        panic!("expected a pause, got {:?}", h.state().session.state());
    };
    assert!(at.contains("main.rs:54"), "{at}");
    h.get_by_label_contains(&format!("at {DIVZERO_MAIN}:54"));
    // The Stack view names the frames with their source lines.
    let frames = h.state().session.frames();
    assert_eq!(frames[0].sources.first().map(|l| l.line), Some(54));
    let title = wasmscope_gui::views::stack::frame_title(0, &frames[0]);
    assert!(title.contains("main.rs:54"), "{title}");
    h.get_by_label(&title);
    let depth = h.state().session.frames().len();
    // Step over (instruction level) until the line of run() changes (the outermost
    // location: the innermost may be code inlined from std): never deeper than run().
    let mut lines = Vec::new();
    for _ in 0..300 {
        h.get_by_label("Step over").click();
        settle(&mut h);
        let frames = h.state().session.frames();
        assert!(frames.len() <= depth && !frames.is_empty());
        if let Some(l) = frames[0].sources.last() {
            lines.push(l.line);
            if l.line != 54 {
                break;
            }
        }
    }
    assert!(
        lines.last().is_some_and(|l| *l > 54 && *l < 60),
        "stepped over distribute() to a later line of run(): {lines:?}"
    );
}

#[test]
fn a_trap_shows_its_source_line_and_clicking_a_frame_selects_it() {
    let mut h = harness(WorkbenchApp::new());
    h.get_by_label("divzero").click();
    h.run();
    h.get_by_label("Run").click();
    settle(&mut h);
    assert!(matches!(
        h.state().session.state(),
        RunState::Trapped { .. }
    ));
    // The Traps view comes forward, with the frames and their source lines (the
    // division is inlined from raw_div at line 28).
    assert_eq!(h.state().bottom, wasmscope_gui::BottomTab::Traps);
    assert!(
        h.get_all_by_label_contains(&format!("{DIVZERO_MAIN}:28"))
            .count()
            >= 1
    );
    // Frames name their functions demangled: the division is in divzero::share.
    h.get_by_label_contains("#0 divzero.divzero::share(");
    // (The Traps view's frames are `module.function`; the Stack view's, kept by pause
    // on trap, are not.)
    h.get_by_label_contains("#1 divzero.").click();
    h.run();
    let trap = h.state().session.trap().unwrap().clone();
    assert_eq!(
        h.state().state.selection.code_offset,
        trap.frames[1].code_offset
    );
    // The Source view shows the trapping line highlighted (at …:28).
    h.get_by_label_contains(&format!("at {DIVZERO_MAIN}:28"));
}

#[test]
fn an_out_of_bounds_trap_says_the_address_and_the_memory_size() {
    let mut app = WorkbenchApp::new();
    assert!(app.open_sample("memory.wat"));
    app.controls.export = "load32".into();
    app.controls.params = "65534".into();
    let mut h = harness(app);
    h.get_by_label("Run").click();
    settle(&mut h);
    h.get_by_label_contains("memory access of 4 bytes at 0xfffe; the memory is 0x10000 bytes");
}

#[test]
fn reading_a_memory_cell() {
    let mut app = WorkbenchApp::new();
    assert!(app.open_sample("memory.wat"));
    app.controls.export = "fill".into();
    app.controls.params = "256 4 7".into();
    let mut h = harness(app);
    h.get_by_label("Run").click();
    settle(&mut h);
    assert_eq!(h.state().session.state(), &RunState::Finished(vec![260]));
    // Go to 0x40: the second data segment, 01 02 03 04, as an i32.
    h.get_by_label("Address:").click();
    h.get_by_label("Address:").type_text("40");
    h.get_by_label("Go").click();
    h.run();
    h.get_by_label_contains("i32 67305985 (0x4030201");
    // The bytes the run wrote (256..260 = 0x100..0x104) are highlighted as changed.
    let changed = h.state().session.changed_bytes(0x100, 8);
    assert_eq!(
        changed.keys().copied().collect::<Vec<_>>(),
        [0x100, 0x101, 0x102, 0x103]
    );
    h.state_mut().memory.address_text = "0x100".into();
    h.get_by_label("Go").click();
    h.run();
    h.get_by_label_contains("4 bytes shown changed");
    h.get_by_label_contains("i32 117901063 (0x7070707");
}

#[test]
fn closing_a_module_with_exit_code_3_is_reported() {
    let mut h = harness(WorkbenchApp::new());
    h.get_by_label("divzero").click();
    h.run();
    h.get_by_label("Start").click();
    h.run();
    h.get_by_label("Step into").click();
    settle(&mut h);
    h.get_by_label("Modules").click();
    h.run();
    // The runtime's modules: WASI and the program.
    h.get_by_label("wasi_snapshot_preview1");
    // The exit code comes from the Controls' field.
    h.get_by_role(egui::accesskit::Role::SpinButton)
        .set_value_accesskit(3.0);
    h.run();
    h.get_by_label("Close divzero with exit code 3").click();
    h.run();
    assert_eq!(h.state().session.state(), &RunState::Exited(3));
    h.get_by_label_contains("close event: module[divzero] closed with exit code 3");
    h.get_by_label_contains("closed, exit code 3");
    h.get_by_label_contains("caller: the call returned: module closed with exit_code(3)");
}

#[test]
fn tables_and_globals_are_listed() {
    let mut h = harness(WorkbenchApp::new());
    h.get_by_label("table").click();
    h.run();
    h.get_by_label("Start").click();
    h.run();
    h.get_by_label("Step into").click();
    settle(&mut h);
    h.get_by_label("Tables and globals").click();
    h.run();
    // Rust's stack pointer is global 0, mutable i32, named in the name section.
    h.get_by_label("global 0 $__stack_pointer");
    h.get_by_label("mut i32");
    let tables = h.state().session.tables();
    assert!(!tables.is_empty());
    let funcs = tables[0]
        .elements
        .iter()
        .filter(|e| e.contains("("))
        .count();
    assert!(funcs >= 2, "{:?}", tables[0].elements);
    // Entries name their functions demangled, with their types.
    assert!(
        tables[0]
            .elements
            .iter()
            .any(|e| e == "table::double (i32) i32"),
        "{:?}",
        tables[0].elements
    );
    h.get_by_label_contains("Table 0:");
}

#[test]
fn the_call_log_uses_wazeros_format() {
    let mut h = harness(WorkbenchApp::new());
    h.get_by_label("hello").click();
    h.run();
    h.get_by_label("Run").click();
    settle(&mut h);
    let log = h.state().session.call_log.text();
    assert!(
        log.contains("==> wasi_snapshot_preview1.fd_write("),
        "{log}"
    );
    assert!(log.contains("<== (nwritten=18,errno=ESUCCESS)"), "{log}");
    assert!(log.contains("--> hello._start()"), "{log}");
    h.get_by_label("Call log").click();
    h.run();
    // The view sticks to the bottom: the last line is on screen.
    let last = log.lines().last().unwrap().trim().to_string();
    assert!(h.get_all_by_label_contains(&last).count() > 0, "{last}");
}

#[test]
fn a_step_over_a_call_that_never_returns_keeps_the_window_live() {
    // longloop: main → a loop of 10^10 iterations. Step over the call in slices, then
    // Pause: the window never blocks.
    let mut h = harness(WorkbenchApp::new());
    h.get_by_label("longloop").click();
    h.run();
    h.get_by_label("Start").click();
    h.run();
    h.get_by_label("Step out").click();
    h.step();
    h.step();
    assert!(
        h.state().session.is_running(),
        "still stepping after two frames"
    );
    h.get_by_label("Pause").click();
    h.step();
    assert!(!h.state().session.is_running());
    assert!(h.state().session.is_paused());
}

#[test]
fn a_dropped_file_is_opened() {
    #[derive(Debug)]
    struct Dropped(std::path::PathBuf, Vec<u8>);
    impl egui::DroppedFile for Dropped {
        fn path(&self) -> &std::path::Path {
            &self.0
        }
        fn bytes(&self) -> Result<Vec<u8>, String> {
            Ok(self.1.clone())
        }
    }
    let mut h = harness(WorkbenchApp::new());
    h.input_mut()
        .dropped_files
        .push(std::sync::Arc::new(Dropped(
            "/tmp/add.wat".into(),
            b"(module (func (export \"two\") (result i32) i32.const 2))".to_vec(),
        )));
    h.run();
    assert_eq!(h.state().state.module.as_ref().unwrap().name, "add.wat");
    assert_eq!(h.state().controls.export, "two");
    // A dropped text file that is not Wasm: a message, no panic.
    h.input_mut()
        .dropped_files
        .push(std::sync::Arc::new(Dropped(
            "/tmp/notes.txt".into(),
            b"just notes".to_vec(),
        )));
    h.run();
    h.get_by_label_contains("cannot open notes.txt");
}

#[test]
fn a_module_with_broken_dwarf_opens_runs_and_says_why_it_has_no_source() {
    let wat = br#"(module
        (@custom ".debug_info" "\ff\ff\ff\ff garbage, not DWARF")
        (@custom ".debug_line" "\01\02\03")
        (func (export "two") (result i32) i32.const 2)
        (func (export "boom") unreachable))"#;
    let mut app = WorkbenchApp::new();
    assert!(app.open_bytes("broken.wat", wat));
    let m = app.state.module.as_ref().unwrap();
    assert!(m.debug.is_none());
    let why = m.debug_error.clone().expect("the DWARF problem is kept");
    assert!(why.contains("broken DWARF"), "{why}");
    app.center = wasmscope_gui::CenterTab::Source;
    let mut h = harness(app);
    h.run();
    h.get_by_label_contains("no usable debug information: broken DWARF");
    // The code still runs (traces simply have no source lines).
    h.get_by_label("Run").click();
    settle(&mut h);
    assert_eq!(h.state().session.state(), &RunState::Finished(vec![2]));
    // A trap's trace looks its frames up in the broken DWARF: no lines, no panic.
    h.state_mut().controls.export = "boom".into();
    h.get_by_label("Run").click();
    settle(&mut h);
    let trap = h.state().session.trap().expect("a trap").clone();
    assert!(trap.message.contains("unreachable"), "{trap:?}");
    assert!(trap.frames.iter().all(|f| f.sources.is_empty()), "{trap:?}");
}

/// A module importing two functions no module provides; `quiet` calls neither.
const FOREIGN: &str = r#"(module
  (import "env" "never" (func $never (param i32) (result i32)))
  (import "rb-js-abi-host" "draw" (func $draw (param f64)))
  (func (export "quiet") (result i32) (i32.const 7))
  (func (export "calls_never") (result i32) (i32.add (call $never (i32.const 1)) (i32.const 5))))"#;

#[test]
fn unknown_imports_are_listed_and_stubbed_as_chosen() {
    let mut app = WorkbenchApp::new();
    app.state.load("foreign.wat", FOREIGN.as_bytes()).unwrap();
    assert_eq!(
        app.state.module.as_ref().unwrap().unknown_imports,
        ["env.never (i32) i32", "rb-js-abi-host.draw (f64)"]
    );
    app.controls.export = "quiet".into();
    let mut h = harness(app);
    h.run();
    // The Controls say so, with the choice and the names.
    h.get_by_label_contains("2 imports no module provides");
    h.get_by_label_contains("env.never, rb-js-abi-host.draw");
    // Trap stubs (the default): a module whose stubs are not called runs.
    h.get_by_label("Run").click();
    h.run();
    assert_eq!(h.state().session.state(), &RunState::Finished(vec![7]));
    // A called trap stub ends the run as a trap naming the import.
    h.state_mut().controls.export = "calls_never".into();
    h.get_by_label("Run").click();
    h.run();
    let RunState::Trapped { message, .. } = h.state().session.state().clone() else {
        panic!("expected a trap, got {:?}", h.state().session.state());
    };
    assert!(
        message.contains("unknown import env.never was called"),
        "{message}"
    );
    // Zero stubs: the call returns 0 + 5.
    h.get_by_label("return zeros").click();
    h.get_by_label("Run").click();
    h.run();
    assert_eq!(h.state().session.state(), &RunState::Finished(vec![5]));
    // A module without unknown imports shows no such row.
    h.get_by_label("hello").click();
    h.run();
    assert!(h.query_by_label_contains("no module provides").is_none());
}

#[test]
fn code_lines_and_the_call_log_show_demangled_names() {
    let line = wasmscope_gui::state::TextLine {
        text: "    call $_ZN7divzero5share17h0123456789abcdefE".into(),
        code_offset: Some(0x2a),
    };
    let label = code::line_label(&line, false);
    assert!(label.ends_with("call $divzero::share"), "{label}");
    let mut h = harness(WorkbenchApp::new());
    h.get_by_label("hello").click();
    h.run();
    h.get_by_label("Run").click();
    settle(&mut h);
    let log = h.state().session.call_log.text();
    assert!(log.contains("--> hello.hello::main()"), "{log}");
    assert!(!log.contains("_ZN5hello4main"), "{log}");
}

#[test]
fn bad_params_are_said_at_the_field() {
    let mut app = WorkbenchApp::new();
    assert!(app.open_sample("fac.wat"));
    app.controls.params = "5x".into();
    let mut h = harness(app);
    h.run();
    h.get_by_label("parameter \"5x\" is not a number");
    h.state_mut().controls.params = "5".into();
    h.run();
    assert!(h.query_by_label_contains("is not a number").is_none());
}

/// The tail-call sample (WebAssembly 3.0) opens and runs in the workbench (with its call
/// log listening to every function): 200,000 tail calls, four times the interpreter's
/// call depth, finish; the trap after tail calls shows the frames that are left.
#[test]
fn the_tail_call_sample_runs_deeper_than_any_call_stack() {
    let mut app = WorkbenchApp::new();
    assert!(
        app.open_sample("tail_calls.wat"),
        "{:?}",
        app.state.load_error
    );
    let run = |app: &mut WorkbenchApp, export: &str, params: &str| {
        app.controls.export = export.into();
        app.controls.params = params.into();
        app.start();
        for _ in 0..10_000 {
            if !matches!(app.session.state(), RunState::Paused { .. }) {
                break;
            }
            app.session.resume();
        }
        app.session.state().clone()
    };
    assert_eq!(
        run(&mut app, "count", "200000"),
        RunState::Finished(vec![200_000])
    );
    match run(&mut app, "fail_after", "3") {
        RunState::Trapped { message, .. } => {
            assert!(message.contains("unreachable"), "{message}");
            assert!(
                message.contains(".boom()") && !message.contains("down"),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
}

/// The exceptions sample (WebAssembly 3.0): with "Pause on exceptions" the call stops
/// at the throw, the status line and the Stack view name the exception's tag and
/// payload, and Continue runs its handler; an uncaught one ends the call with a trap
/// that names it.
#[test]
fn the_exceptions_sample_pauses_at_a_throw_and_shows_the_exception() {
    let mut app = WorkbenchApp::new();
    assert!(
        app.open_sample("exceptions.wat"),
        "{:?}",
        app.state.load_error
    );
    app.controls.export = "parse_digits".into();
    app.controls.params = "4 3".into();
    let mut h = harness(app);
    h.run();
    h.get_by_label("Pause on exceptions").click();
    h.run();
    h.get_by_label("Start").click();
    h.run();
    h.get_by_label("Continue").click();
    settle(&mut h);
    let status = h.state().session.status().text;
    assert!(
        status.contains("paused at a throw")
            && status.contains("tag 1 (\"bad_digit\")")
            && status.contains("with payload (i32 120)"),
        "{status}"
    );
    // The Stack view says it too ('x' is 120).
    assert!(h
        .query_by_label_contains("Exception in flight: tag 1")
        .is_some());
    h.get_by_label("Continue").click();
    settle(&mut h);
    assert_eq!(
        h.state().session.state(),
        &RunState::Finished(vec![-2i32 as u32 as u64])
    );
    // Uncaught: a trap that names the exception.
    h.state_mut().controls.export = "uncaught".into();
    h.state_mut().controls.params = "42".into();
    h.get_by_label("Pause on exceptions").click();
    h.run();
    h.get_by_label("Restart").click();
    h.run();
    h.get_by_label("Continue").click();
    settle(&mut h);
    match h.state().session.state() {
        RunState::Trapped { message, .. } => assert!(
            message.contains("uncaught exception: tag 1 (\"bad_digit\")")
                && message.contains("with payload (i32 42)"),
            "{message}"
        ),
        other => panic!("{other:?}"),
    }
}

/// The multi-memory sample (WebAssembly 3.0): the Memory view offers both memories and
/// shows the one chosen.
#[test]
fn the_memory_view_shows_the_memory_chosen() {
    let mut app = WorkbenchApp::new();
    assert!(
        app.open_sample("multi_memory.wat"),
        "{:?}",
        app.state.load_error
    );
    app.controls.export = "reverse_into_output".into();
    app.controls.params = "4".into();
    let mut h = harness(app);
    h.run();
    h.get_by_label("Run").click();
    settle(&mut h);
    assert_eq!(h.state().session.state(), &RunState::Finished(vec![4]));
    // Memory 0 ("input") first: its data.
    assert_eq!(h.state().session.read_memory(0, 4).unwrap(), [1, 2, 3, 4]);
    h.get_by_label("shown").click();
    h.run();
    h.get_by_label("memory 1 \"output\"").click();
    h.run();
    h.run();
    assert_eq!(h.state().memory.memory, 1);
    assert_eq!(h.state().session.shown_memory(), 1);
    assert_eq!(h.state().session.read_memory(0, 4).unwrap(), [4, 3, 2, 1]);
    assert_eq!(h.state().session.memory_size(), Some(2 * 65536));
}

/// GC: a struct in a local opens in the Stack view into its fields, and the struct one
/// of them refers to opens too.
#[test]
fn the_stack_view_opens_gc_objects() {
    let mut app = WorkbenchApp::new();
    assert!(app.open_sample("gc.wat"), "{:?}", app.state.load_error);
    app.controls.export = "pair".into();
    app.controls.params = "5".into();
    let mut h = harness(app);
    h.run();
    h.get_by_label("Start").click();
    h.run();
    let holds_object = |h: &egui_kittest::Harness<'static, WorkbenchApp>| {
        h.state()
            .session
            .frames()
            .first()
            .and_then(|f| f.locals.get(1).copied())
            .is_some_and(|v| matches!(v, wasmscope::Value::AnyRef(Some(_))))
    };
    for _ in 0..12 {
        if holds_object(&h) {
            break;
        }
        h.get_by_label("Step into").click();
        settle(&mut h);
    }
    assert!(holds_object(&h), "{:?}", h.state().session.frames());
    // A small struct is open at once.
    // Names from the name section: the type's and its fields'.
    h.get_by_label_contains("local 1: object #");
    // The struct in the local and, closed, the one its field refers to.
    assert_eq!(
        h.query_all_by_label_contains("$node struct (2 fields)")
            .count(),
        2
    );
    h.get_by_label_contains("field 0 $value: i32 5");
    let nested = |h: &egui_kittest::Harness<'static, WorkbenchApp>| {
        h.query_all_by_label_contains("field 0 $value: i32 7")
            .count()
    };
    assert_eq!(nested(&h), 0);
    h.get_by_label_contains("field 1 $next: object #").click();
    h.run();
    assert_eq!(nested(&h), 1);
    h.get_by_label_contains("field 1 $next: anyref null");
    h.get_by_label("Continue").click();
    settle(&mut h);
    assert_eq!(h.state().session.state(), &RunState::Finished(vec![12]));
}

/// memory64: a memory grown past 4 GiB shows in the Memory view at an address above
/// 4 GiB (9-digit addresses for its size), with the bytes the program wrote there.
#[cfg(target_pointer_width = "64")]
#[test]
fn the_memory_view_shows_addresses_above_4_gib() {
    let mut app = WorkbenchApp::new();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../samples/wat/memory64.wat");
    assert!(app.open_path(path), "{:?}", app.state.load_error);
    app.controls.export = "far_roundtrip".into();
    app.controls.params = "42".into();
    let mut h = harness(app);
    h.run();
    h.get_by_label("Run").click();
    settle(&mut h);
    assert_eq!(h.state().session.state(), &RunState::Finished(vec![42]));
    assert_eq!(h.state().session.memory_size(), Some(65537 * 65536));
    assert_eq!(
        h.state().session.read_memory(4294967396, 8).unwrap(),
        42u64.to_le_bytes()
    );
    {
        let app = h.state_mut();
        app.memory.go_to(0x1_0000_0064, &mut app.state);
    }
    h.run();
    h.run();
    h.get_by_label_contains("100000064  2a 00 00 00");
}

/// Source variables (DWARF): paused in divzero's `distribute`, the Stack view lists its
/// parameters by name and type with their values (`total` is the constant 1000 there).
#[test]
fn the_stack_view_lists_the_source_variables() {
    // Line 47 of distribute(): `*first += total - each * buckets;`.
    let h = paused_at("divzero", DIVZERO_MAIN, 47, "a b");
    let frames = h.state().session.frames();
    assert!(!frames.is_empty(), "{:?}", h.state().session.state());
    assert_eq!(frames[0].sources.last().map(|l| l.line), Some(47));
    let vars = h.state().session.variables(0);
    let total = vars.iter().find(|v| v.name == "total").expect("total");
    assert_eq!(total.value, Ok("1000".to_string()));
    h.get_by_label_contains("variables:");
    h.get_by_label_contains("total: u32 = 1000");
    // `buckets` is the argument count ("a b"), `each` 1000 / 2: what the program prints
    // ("bucket 0: 500"); the Vec `out` shows its elements.
    h.get_by_label_contains("buckets: u32 = 2");
    h.get_by_label_contains("each: u32 = 500");
    h.get_by_label_contains("out: Vec<u32, alloc::alloc::Global> = [500, 500]");
}

/// Rust strings as their text: echo paused at `println!("{arg}")` shows `arg` as the
/// argument it prints.
#[test]
fn a_rust_string_variable_shows_its_text() {
    let h = paused_at("echo", "echo/src/main.rs", 8, "hello world");
    let vars = h.state().session.variables(0);
    let arg = vars.iter().find(|v| v.name == "arg");
    assert_eq!(
        arg.map(|v| v.value.clone()),
        Some(Ok("\"hello\"".to_string())),
        "{vars:#?} {:?}",
        h.state().session.state()
    );
    h.get_by_label_contains("String = \"hello\"");
}
