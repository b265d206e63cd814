//! The Module view: its tree is core's [`wasmscope::inspect::tree`] (tested in core), the
//! loader's section list core's [`wasmscope::inspect::sections`]; here, how the workbench
//! uses them, and the view itself in an egui_kittest harness.

use egui_kittest::kittest::Queryable as _;
use egui_kittest::Harness;
use wasmscope::inspect::{tree, Node};
use wasmscope_gui::views::open::sample;
use wasmscope_gui::WorkbenchApp;

/// The binary of sample `name` (`.wat` ones converted).
fn binary(name: &str) -> Vec<u8> {
    let bytes = sample(name).unwrap_or_else(|| panic!("no sample {name}"));
    wat::parse_bytes(bytes).unwrap().into_owned()
}

/// The top node whose label starts with `prefix`.
fn section<'a>(nodes: &'a [Node], prefix: &str) -> &'a Node {
    nodes
        .iter()
        .find(|n| n.label.starts_with(prefix))
        .unwrap_or_else(|| panic!("no section {prefix:?}"))
}

#[test]
fn the_loaders_sections_are_the_trees_top_nodes() {
    let nodes = tree(&binary("memory.wat")).unwrap();
    let mut state = wasmscope_gui::state::AppState::default();
    state
        .load("memory.wat", sample("memory.wat").unwrap())
        .unwrap();
    let m = state.module.as_ref().unwrap();
    assert_eq!(nodes.len(), m.sections.len());
    for (node, s) in nodes.iter().zip(&m.sections) {
        assert!(
            node.label.starts_with(&s.name),
            "{} vs {}",
            node.label,
            s.name
        );
        assert_eq!((node.offset, node.size), (Some(s.offset), Some(s.size)));
    }
    // Exported functions and global names come from the same reading.
    assert!(!m.exports.is_empty());
    let hello =
        wasmscope_gui::state::LoadedModule::parse("hello", sample("hello").unwrap()).unwrap();
    assert!(hello.exports.iter().any(|e| e == "_start"));
    assert_eq!(
        hello.global_names.get(&0).map(String::as_str),
        Some("__stack_pointer")
    );
}

#[test]
fn a_body_s_code_offset_is_its_func_line_in_the_code_view() {
    let wasm = wat::parse_str(
        r#"(module (func $add (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
                   (func $init (local i32 i64 i64) i32.const 7 drop))"#,
    )
    .unwrap();
    let nodes = tree(&wasm).unwrap();
    let code = section(&nodes, "code (2)");
    let mut state = wasmscope_gui::state::AppState::default();
    state.load("demo.wasm", &wasm).unwrap();
    let m = state.module.as_ref().unwrap();
    // The body's code offset is the `(func` line's, so the Code view can scroll there.
    let body = code.children[0].code_offset.unwrap();
    let header = m.line_of_offset(body).unwrap();
    let text = m.line(header).unwrap().text;
    assert!(text.contains("(func $add"), "{text:?}");
    // The first instruction of $add follows the (zero) locals count.
    let line = m.line_of_offset(body + 1).unwrap();
    let text = m.line(line).unwrap().text;
    assert!(text.contains("local.get 0"), "{text:?}");
}

#[test]
fn clicking_a_function_in_the_module_view_selects_it() {
    let mut app = WorkbenchApp::new();
    assert!(app.open_sample("table"));
    let nodes = tree(&binary("table")).unwrap();
    let item = section(&nodes, "element (1)").children[0].children[0].clone();
    let mut h = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_ui_state(|ui, app: &mut WorkbenchApp| app.show(ui), app);
    h.run();
    h.get_by_label_contains("table: ");
    assert_eq!(h.state().state.selection.function, None);
    // Collapsed: the segment is not laid out.
    assert!(h.query_by_label_contains("elem 0: ").is_none());
    h.get_by_label_contains("element (1)").click();
    h.run();
    h.get_by_label_contains("elem 0: active table 0").click();
    h.run();
    h.get_by_label_contains(&item.label).click();
    h.run();
    let selection = &h.state().state.selection;
    assert_eq!(selection.function, item.function);
    assert!(selection.function.is_some());
    assert_eq!(selection.code_offset, item.code_offset);
    // The big function list draws only the rows in view, and is decoded once.
    h.get_by_label_contains("function (").click();
    h.run();
    let shown = h.query_all_by_label_contains("func ").count();
    assert!(shown < 200, "{shown} function rows laid out");
}
