//! The module's text, printed per function on demand (`wasmscope_gui::text`): the same
//! lines, code offsets and offset → line as a full `wasmprinter` print; search in
//! functions not printed yet; long data lines cut short for display but searched in
//! full; the Code view printing only what it shows.

// (`settle` is not needed here.)
#[allow(dead_code)]
mod common;

use common::harness;
use egui_kittest::kittest::Queryable;
use wasmscope_gui::state::LoadedModule;
use wasmscope_gui::WorkbenchApp;

/// A full print's lines: `(text, code offset)`.
fn full_print(m: &LoadedModule) -> Vec<(String, Option<u64>)> {
    let code = m.sections.iter().find(|s| s.id == 10);
    let code = code.map_or(0..0, |s| s.offset as u64..(s.offset + s.size) as u64);
    let mut storage = String::new();
    let mut config = wasmprinter::Config::new();
    config.print_offsets(false);
    config
        .offsets_and_lines(&m.bytes, &mut storage)
        .unwrap()
        .map(|(o, t)| {
            let o = o.filter(|o| code.contains(o)).map(|o| o - code.start);
            (t.trim_end_matches('\n').to_string(), o)
        })
        .collect()
}

fn samples() -> Vec<(&'static str, LoadedModule)> {
    wasmscope_gui::views::open::SAMPLES
        .iter()
        .map(|(name, bytes)| (*name, LoadedModule::parse(name, bytes).unwrap()))
        .collect()
}

#[test]
fn lines_and_offsets_agree_with_a_full_print() {
    for (name, m) in samples() {
        let full = full_print(&m);
        assert_eq!(m.line_count(), full.len(), "{name}: line count");
        let mut first_of = std::collections::HashMap::new();
        for (i, (text, offset)) in full.iter().enumerate() {
            assert_eq!(m.full_line(i).as_deref(), Some(text.as_str()), "{name}:{i}");
            let line = m.line(i).unwrap();
            assert_eq!(line.code_offset, *offset, "{name}:{i}: {text}");
            if let Some(o) = offset {
                first_of.entry(*o).or_insert(i);
            }
        }
        assert_eq!(m.line(full.len()), None);
        // Offset → line, without printing.
        let offsets: Vec<u64> = full.iter().filter_map(|(_, o)| *o).collect();
        assert_eq!(m.code_offsets(), offsets, "{name}");
        for (o, i) in &first_of {
            assert_eq!(m.line_of_offset(*o), Some(*i), "{name}: 0x{o:x}");
            assert_eq!(m.line_at_or_after(*o), Some(*i), "{name}: 0x{o:x}");
        }
        // Inside an instruction (its immediates): no line of its own; at or after it,
        // the next one.
        for w in offsets.windows(2) {
            if w[1] > w[0] + 1 {
                assert_eq!(m.line_of_offset(w[0] + 1), None, "{name}");
                assert_eq!(
                    m.line_at_or_after(w[0] + 1),
                    Some(first_of[&w[1]]),
                    "{name}"
                );
            }
        }
        if let Some(last) = offsets.last() {
            assert_eq!(m.line_at_or_after(last + 1), None, "{name}");
        }
    }
}

#[test]
fn search_finds_matches_in_functions_not_printed_yet() {
    let m = LoadedModule::parse(
        "divzero",
        wasmscope_gui::views::open::sample("divzero").unwrap(),
    )
    .unwrap();
    assert_eq!(m.text.printed_functions(), 0, "opening prints no function");
    let full = full_print(&m);
    for needle in ["i32.div_u", "CALL $", "(data", "memory"] {
        let lower = needle.to_lowercase();
        let expect: Vec<usize> = (0..full.len())
            .filter(|i| full[*i].0.to_lowercase().contains(&lower))
            .collect();
        assert!(!expect.is_empty(), "{needle}");
        // Frame by frame, as the search bar does it (each call searches at least one
        // function or line).
        let mut found = Vec::new();
        let (mut at, mut calls) = (0, 0);
        while at < m.line_count() {
            at = m
                .text
                .search(&m.bytes, &lower, at, web_time::Instant::now(), &mut found);
            calls += 1;
        }
        assert_eq!(found, expect, "{needle}");
        assert!(calls > 1, "searched in several steps");
        // From the middle of a function on: only what follows.
        let from = expect[expect.len() / 2];
        let mut rest = Vec::new();
        let mut at = from;
        while at < m.line_count() {
            at = m
                .text
                .search(&m.bytes, &lower, at, web_time::Instant::now(), &mut rest);
        }
        assert_eq!(rest, expect[expect.len() / 2..], "{needle} from {from}");
    }
    assert_eq!(m.text.printed_functions(), 0, "a search keeps no function");
    assert_eq!(
        m.find_line("I32.DIV_U"),
        Some(
            (0..full.len())
                .find(|i| full[*i].0.contains("i32.div_u"))
                .unwrap()
        )
    );
}

#[test]
fn long_data_lines_are_shown_cut_short_and_searched_in_full() {
    let data = format!("{}NEEDLE\"\\{}", "a".repeat(5000), "é");
    let escaped = data
        .replace('\\', "\\5c")
        .replace('"', "\\22")
        .replace('é', "\\c3\\a9");
    let wat = format!(
        "(module (memory 1) (func (export \"f\") (result i32) i32.const 7) \
         (data (i32.const 16) \"{escaped}\") (@custom \"notes\" \"{escaped}\"))"
    );
    let m = LoadedModule::parse("long", wat.as_bytes()).unwrap();
    let full = full_print(&m);
    assert_eq!(m.line_count(), full.len());
    let data_line = full.iter().position(|(t, _)| t.contains("(data")).unwrap();
    let custom_line = full
        .iter()
        .position(|(t, _)| t.contains("(@custom"))
        .unwrap();
    for i in [data_line, custom_line] {
        assert_eq!(m.full_line(i).unwrap(), full[i].0);
        let shown = m.line(i).unwrap().text;
        assert!(shown.len() < 1200, "{}", shown.len());
        assert!(
            shown.ends_with(&format!("\" (; … {} more bytes ;))", data.len() - 1024)),
            "{shown}"
        );
        assert!(shown.starts_with(&full[i].0[..1000]));
    }
    // The search goes through the bytes past what is shown, case ignored.
    let mut found = Vec::new();
    let mut at = 0;
    while at < m.line_count() {
        at = m.text.search(
            &m.bytes,
            "needle\\22\\5c\\c3",
            at,
            web_time::Instant::now(),
            &mut found,
        );
    }
    assert_eq!(found, [data_line, custom_line]);
}

#[test]
fn the_code_view_prints_only_the_functions_it_shows() {
    let mut app = WorkbenchApp::new();
    assert!(app.open_sample("divzero"));
    app.center = wasmscope_gui::CenterTab::Code;
    let functions = app.state.module.as_ref().unwrap().text.function_count();
    let mut h = harness(app);
    h.run();
    // The first screen: types, imports, … (no function yet).
    let printed = h
        .state()
        .state
        .module
        .as_ref()
        .unwrap()
        .text
        .printed_functions();
    assert!(printed < 5, "{printed} of {functions} functions printed");
    // Selecting an instruction of the last function scrolls there: its line shows,
    // and its gutter toggles a breakpoint.
    let (offset, line) = {
        let m = h.state().state.module.as_ref().unwrap();
        let offset = *m.code_offsets().iter().rev().nth(1).unwrap();
        (offset, m.line(m.line_of_offset(offset).unwrap()).unwrap())
    };
    h.state_mut().state.selection.code_offset = Some(offset);
    h.run();
    let gutter = wasmscope_gui::views::code::gutter(&line, false);
    h.get_by_label(&gutter).click();
    h.run();
    assert!(h.state().state.all_breakpoints().contains(&offset));
    h.get_by_label(&wasmscope_gui::views::code::gutter(&line, true));
    let printed = h
        .state()
        .state
        .module
        .as_ref()
        .unwrap()
        .text
        .printed_functions();
    assert!(
        (1..10).contains(&printed),
        "{printed} of {functions} functions printed"
    );
}

#[test]
fn code_search_goes_to_a_match_in_a_function_not_shown_yet() {
    let mut app = WorkbenchApp::new();
    assert!(app.open_sample("divzero"));
    app.center = wasmscope_gui::CenterTab::Code;
    let mut h = harness(app);
    h.run();
    // The last `local.tee` of the module, far below the first screen.
    let (target, count) = {
        let m = h.state().state.module.as_ref().unwrap();
        let full = full_print(m);
        let hits: Vec<usize> = (0..full.len())
            .filter(|i| full[*i].0.to_lowercase().contains("local.tee"))
            .collect();
        let last = *hits.last().unwrap();
        assert!(full[last].1.is_some() && last > 10_000);
        (last, hits.len())
    };
    h.get_by_label("Find in code:").click();
    h.get_by_label("Find in code:").type_text("local.tee");
    h.run();
    // Shift+Enter from no match: the last one, once the search has gone through.
    h.key_press_modifiers(egui::Modifiers::SHIFT, egui::Key::Enter);
    for _ in 0..50 {
        h.run();
        if h.state().code.search.current.is_some() {
            break;
        }
    }
    assert_eq!(h.state().code.search.current, Some(target));
    h.get_by_label(&format!("{count} of {count}"));
    // Scrolled to it: its line shows.
    let m = h.state().state.module.as_ref().unwrap();
    let line = m.line(target).unwrap();
    h.get_by_label(&wasmscope_gui::views::code::gutter(&line, false));
}
