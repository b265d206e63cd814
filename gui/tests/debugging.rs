//! Source-level debugging in the workbench, as a person uses it: steps by source line
//! (the default with DWARF, the toolchain's code stepped over), the Variables tree that
//! opens level by level (a pointer's `mem` button shows its target in the Memory view),
//! values that changed since the last pause marked `Δ`, the Watch panel, the values of a
//! line's variables on hover, and breakpoint conditions, hit counts and logpoints set
//! from the Source view's gutter menu and the Breakpoints view.

mod common;

use egui_kittest::kittest::Queryable as _;

use common::{harness, paused_at, settle};
use wasmscope_gui::views::{breakpoints, source, stack};
use wasmscope_gui::WorkbenchApp;

const DIVZERO_MAIN: &str = "divzero/src/main.rs";
const VARS_MAIN: &str = "vars/src/main.rs";

/// divzero open, its line 56 (the loop over the buckets) on screen, and the gutter's
/// menu item `item` chosen there.
fn gutter_menu_on_line_56(item: &str) -> egui_kittest::Harness<'static, WorkbenchApp> {
    let mut h = harness(WorkbenchApp::new());
    h.get_by_label("divzero").click();
    h.run();
    h.state_mut().source.show_line(DIVZERO_MAIN, 56);
    h.run();
    h.get_by_label(&source::gutter(56, false)).click_secondary();
    h.run();
    h.get_by_label(item).click();
    h.run();
    h
}

/// The innermost frame's own source line: `(file, line)`, the file as the Source view
/// names the samples' (`divzero/src/main.rs`).
fn line_now(h: &egui_kittest::Harness<'static, WorkbenchApp>) -> Option<(String, u32)> {
    let frames = h.state().session.frames();
    let l = frames.first()?.sources.first()?;
    let file = match l.file.strip_prefix("/samples/programs/") {
        Some(rest) => rest.to_string(),
        None => l.file.clone(),
    };
    Some((file, l.line))
}

#[test]
fn step_into_from_the_entry_goes_through_the_runtime_to_main() {
    let mut h = harness(WorkbenchApp::new());
    h.get_by_label("divzero").click();
    h.run();
    h.get_by_label("Start").click();
    h.run();
    // With line information the steps go by line, and the C runtime and Rust's
    // lang_start are stepped through: the first stop is main's first line.
    h.get_by_label("Step into").click();
    settle(&mut h);
    assert_eq!(
        line_now(&h),
        Some((DIVZERO_MAIN.into(), 62)),
        "{:?}",
        h.state().session.state()
    );
    // Step over: the next line of main.
    h.get_by_label("Step over").click();
    settle(&mut h);
    assert_eq!(line_now(&h), Some((DIVZERO_MAIN.into(), 63)));
    // Step into println!: the standard library is stepped over, back in main.
    h.get_by_label("Step into").click();
    settle(&mut h);
    assert_eq!(line_now(&h), Some((DIVZERO_MAIN.into(), 64)));
    // Into run(): its first line.
    h.get_by_label("Step into").click();
    settle(&mut h);
    assert_eq!(line_now(&h), Some((DIVZERO_MAIN.into(), 54)));
    // "by instruction": one instruction, same line.
    h.get_by_label("by instruction").click();
    h.run();
    h.get_by_label("Step over").click();
    settle(&mut h);
    assert_eq!(line_now(&h).map(|l| l.1), Some(54));
}

#[test]
fn into_library_code_when_asked() {
    let mut h = paused_at("divzero", DIVZERO_MAIN, 63, "");
    h.get_by_label("into library code").click();
    h.run();
    h.get_by_label("Step into").click();
    settle(&mut h);
    let (file, _) = line_now(&h).unwrap();
    assert!(source::is_toolchain(&file), "{file}");
}

/// The label the Variables tree gives variable `name` of the innermost frame.
fn variable_label(h: &egui_kittest::Harness<'static, WorkbenchApp>, name: &str) -> String {
    let vars = h.state().session.variables(0);
    let v = vars
        .iter()
        .rev()
        .find(|v| v.name == name)
        .unwrap_or_else(|| panic!("no {name} in {vars:?}"));
    stack::value_text(&v.name, &v.type_name, &v.value, false)
}

#[test]
fn the_variables_tree_opens_level_by_level() {
    let mut h = paused_at("vars", VARS_MAIN, 130, "");
    let rect = variable_label(&h, "rect");
    assert!(
        rect.ends_with("= Rect { origin: Point { x: 1, y: 2 }, size: Point { x: 10, y: 20 } }"),
        "{rect}"
    );
    // An array opens into its elements.
    let arr = variable_label(&h, "arr");
    h.get_by_label(&arr).scroll_to_me();
    h.run();
    h.get_by_label(&arr).click();
    h.run();
    h.get_by_label("[2]: i32 = 30");
    let origin = h.state().session.evaluate(0, "rect.origin");
    let origin = stack::value_text("origin", &origin.type_name, &origin.value, false);
    // Closed: its fields are not shown (nor read) yet.
    assert!(h.query_by_label(&origin).is_none());
    h.get_by_label(&rect).scroll_to_me();
    h.run();
    h.get_by_label(&rect).click();
    h.run();
    assert!(origin.ends_with("= Point { x: 1, y: 2 }"), "{origin}");
    h.get_by_label(&origin).scroll_to_me();
    h.run();
    h.get_by_label(&origin).click();
    h.run();
    h.get_by_label("x: i32 = 1");
    h.get_by_label("y: i32 = 2");
}

#[test]
fn a_pointer_shows_its_target_in_the_memory_view() {
    let mut h = paused_at("vars", VARS_MAIN, 174, "");
    let raw = h.state().session.evaluate(0, "raw");
    let target = raw.points_to.expect("a raw pointer");
    // Watch `raw`: its row has the one `mem` button of the Watch panel.
    h.get_by_label("Watch").click();
    h.run();
    h.state_mut().watch.input = "raw".into();
    h.get_by_label("Add").click();
    h.run();
    assert_eq!(
        h.get_all_by_label(&format!("raw: *const vars::Point = {target:#x}"))
            .count(),
        2,
        "in the Variables and the Watch"
    );
    // The bottom panel (Watch) is laid out before the Stack view: its button comes first.
    h.get_all_by_label("mem").next().unwrap().click();
    h.run();
    assert_eq!(h.state().memory.address, target);
    // And `*raw` opens into the struct it points to.
    h.get_all_by_label(&format!("raw: *const vars::Point = {target:#x}"))
        .next()
        .unwrap()
        .click();
    h.run();
    h.get_by_label("*raw: Point = Point { x: 10, y: 20 }");
}

#[test]
fn values_that_changed_since_the_last_pause_are_marked() {
    let mut h = paused_at("divzero", DIVZERO_MAIN, 56, "a b c");
    let i = h.state().session.evaluate(0, "i");
    assert_eq!(i.value, Ok("0".into()));
    h.get_by_label_contains("i: usize = 0");
    h.get_by_label("Continue").click();
    settle(&mut h);
    h.get_by_label_contains("Δ i: usize = 1");
    // An unchanged value is not marked (the shares are all 334 or 333: `*s` is 333
    // at both pauses for args "a b c" after the first).
    assert!(h.query_by_label_contains("Δ i: usize = 0").is_none());
}

#[test]
fn the_watch_panel_evaluates_at_every_pause() {
    let mut h = paused_at("divzero", DIVZERO_MAIN, 56, "a b c d");
    h.get_by_label("Watch").click();
    h.run();
    h.get_by_label("no watches: type an expression over the variables in scope and Add");
    h.state_mut().watch.input = "i * 10 + *s".into();
    h.get_by_label("Add").click();
    h.run();
    h.get_by_label("i * 10 + *s: i64 = 250");
    // A syntax error is refused at once.
    h.state_mut().watch.input = "i +".into();
    h.get_by_label("Add").click();
    h.run();
    h.get_by_label("expected a value at the end");
    h.state_mut().watch.input = "nosuch".into();
    h.get_by_label("Add").click();
    h.run();
    h.get_by_label("nosuch (no variable named nosuch in scope)");
    h.get_by_label("Continue").click();
    settle(&mut h);
    h.get_by_label("Δ i * 10 + *s: i64 = 260");
}

#[test]
fn hovering_a_line_shows_its_variables() {
    let mut h = paused_at("divzero", DIVZERO_MAIN, 47, "a b");
    let line = "        *first += total - each * buckets;";
    let values = source::hover_values(&h.state().session, line);
    for want in ["total = 1000", "each = 500", "buckets = 2"] {
        assert!(values.iter().any(|v| v == want), "{want} in {values:?}");
    }
    assert!(source::hover_values(&h.state().session, "no names here").is_empty());
    // As a person sees it: hover the line's text.
    h.get_by_label_contains("*first += total - each * buckets;")
        .hover();
    h.run();
    h.get_by_label("total = 1000");
}

#[test]
fn a_conditional_breakpoint_from_the_gutter_menu() {
    let mut h = gutter_menu_on_line_56("Conditional breakpoint…");
    // The Breakpoints view opens at it; type the condition.
    let label = format!("{DIVZERO_MAIN}:56");
    h.get_by_label(&label);
    h.get_all_by_label(breakpoints::FIELDS[0])
        .next()
        .unwrap()
        .click();
    h.run();
    h.get_all_by_label(breakpoints::FIELDS[0])
        .next()
        .unwrap()
        .type_text("i == 2");
    h.run();
    let set = h.state().state.breakpoints.list();
    assert_eq!(set[0].condition.as_deref(), Some("i == 2"));
    h.state_mut().controls.options.args = "a b c d".into();
    h.get_by_label("Run").click();
    settle(&mut h);
    assert_eq!(h.state().session.evaluate(0, "i").value, Ok("2".into()));
    h.get_by_label_contains("breakpoint, hit 1 times");
}

#[test]
fn a_logpoint_prints_to_the_console_and_the_run_goes_on() {
    let mut h = gutter_menu_on_line_56("Logpoint…");
    // Its message, then a hit condition: every second hit.
    let id = h.state().state.breakpoints.list()[0].id;
    h.state()
        .state
        .breakpoints
        .set_log_message(id, Some("bucket {i} gets {*s}"))
        .unwrap();
    h.get_all_by_label(breakpoints::FIELDS[1])
        .next()
        .unwrap()
        .click();
    h.run();
    h.get_all_by_label(breakpoints::FIELDS[1])
        .next()
        .unwrap()
        .type_text("%2");
    h.run();
    h.state_mut().controls.options.args = "a b c d".into();
    h.get_by_label("Run").click();
    settle(&mut h);
    assert!(matches!(
        h.state().session.state(),
        wasmscope_gui::session::RunState::Finished(_)
    ));
    assert_eq!(
        h.state().session.debug_log,
        ["bucket 1 gets 250", "bucket 3 gets 250"]
    );
    h.get_by_label("Console").click();
    h.run();
    h.get_by_label("logpoint: bucket 1 gets 250");
}

/// samples/variables.toml in the workbench: each module opened, a breakpoint on each
/// listed line, Run; every listed expression evaluates (as the Watch panel shows it) to
/// the value the program prints, and every listed variable shows so in the Stack view.
#[test]
fn every_value_of_samples_variables_toml_shows_as_the_program_prints_it() {
    let samples = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../samples");
    let text = std::fs::read_to_string(samples.join("variables.toml")).unwrap();
    let doc: toml::Table = text.parse().unwrap();
    let mut checked = 0;
    for stop in doc["stop"].as_array().unwrap() {
        let stop = stop.as_table().unwrap();
        let module = stop["module"].as_str().unwrap();
        let file = stop["file"].as_str().unwrap();
        let line = stop["line"].as_integer().unwrap() as u32;
        let mut app = WorkbenchApp::new();
        let bytes = std::fs::read(samples.join(module)).unwrap();
        assert!(app.open_owned(module, bytes));
        let mut h = harness(app);
        h.run();
        let id = h
            .state_mut()
            .state
            .add_line_breakpoint(file, line)
            .unwrap_or_else(|e| panic!("{module} {file}:{line}: {e}"));
        assert!(id > 0);
        h.get_by_label("Run").click();
        settle(&mut h);
        let here = line_now(&h).unwrap_or_default();
        assert!(
            here.0.ends_with(file) && here.1 == line,
            "{module}: {here:?}"
        );
        let vars = h.state().session.variables(0);
        for (expr, want) in stop["values"].as_table().unwrap() {
            let want = want.as_str().unwrap();
            let got = h.state().session.evaluate(0, expr);
            assert_eq!(got.value.as_deref(), Ok(want), "{module}:{line}: {expr}");
            if let Some(v) = vars.iter().rev().find(|v| &v.name == expr) {
                let label = stack::value_text(&v.name, &v.type_name, &v.value, false);
                assert!(
                    h.get_all_by_label(&label).next().is_some(),
                    "{module}:{line}: the Stack view shows {label:?}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 80, "{checked}");
}
