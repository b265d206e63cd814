//! Trap traces with DWARF source lines (wazero's format), golden against the samples, on
//! every engine.

mod common;

use std::path::PathBuf;

use wasmscope::{ModuleConfig, Runtime, RuntimeConfig};

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../samples/programs")
            .join(name),
    )
    .unwrap()
}

fn trap_text(name: &str, config: RuntimeConfig) -> String {
    let rt = Runtime::with_config(config);
    wasmscope::wasi::instantiate(&rt).unwrap();
    let err = rt
        .instantiate_with_config(
            &sample(name),
            ModuleConfig::new().with_name("app").with_args(&[name]),
        )
        .unwrap_err();
    err.to_string()
}

#[test]
fn divide_by_zero_shows_source_lines_with_inlined_frames() {
    if common::on_every_engine(divide_by_zero_shows_source_lines_with_inlined_frames) {
        return;
    }
    let text = trap_text("divzero.wasm", common::engine_config());
    let golden = "module[app] function[_start] failed: wasm error: integer divide by zero
wasm stack trace:
	app._ZN7divzero5share17hc855073edf7893f1E(i32) i32
		0x47d: /samples/programs/divzero/src/main.rs:28:5 (inlined)
		       /samples/programs/divzero/src/main.rs:33:17
	app._ZN7divzero10distribute17hd918df29bfda38e6E(i32,i32)
		0x220: /samples/programs/divzero/src/main.rs:39:5 (inlined)
		       /samples/programs/divzero/src/main.rs:44:16
	app._ZN7divzero3run17h0a6d92dba8a256ceE(i32) i32
		0x4d6: /samples/programs/divzero/src/main.rs:54:18
	app._ZN7divzero4main17hfc4588b03000e101E()
		0x9c9: /samples/programs/divzero/src/main.rs:64:15
";
    assert!(text.starts_with(golden), "got:\n{text}");
    let last_frame = text
        .lines()
        .rfind(|l| l.starts_with("\tapp."))
        .unwrap_or_default();
    assert_eq!(
        last_frame, "\tapp._start()",
        "the outermost frame last:\n{text}"
    );
}

#[test]
fn out_of_bounds_access_points_at_the_read() {
    if common::on_every_engine(out_of_bounds_access_points_at_the_read) {
        return;
    }
    let text = trap_text("oob.wasm", common::engine_config());
    assert!(
        text.contains("wasm error: out of bounds memory access\nwasm stack trace:\n"),
        "{text}"
    );
    // The read is `core::ptr::read_volatile`, inlined into the sample's `read_word`.
    let frame: Vec<&str> = text.lines().skip(2).take(3).collect();
    assert!(frame[0].starts_with("\tapp._ZN3oob9read_word"), "{text}");
    assert!(
        frame[1].contains("library/core/src/ptr/mod.rs:") && frame[1].ends_with("(inlined)"),
        "{text}"
    );
    assert!(
        frame[2]
            .trim_start()
            .starts_with("/samples/programs/oob/src/main.rs:11:14"),
        "{text}"
    );
}

#[test]
fn debug_info_can_be_turned_off() {
    if common::on_every_engine(debug_info_can_be_turned_off) {
        return;
    }
    let text = trap_text(
        "divzero.wasm",
        common::engine_config().with_debug_info_enabled(false),
    );
    assert!(
        text.contains(
            "\tapp._ZN7divzero5share17hc855073edf7893f1E(i32) i32\n\tapp._ZN7divzero10distribute"
        ),
        "{text}"
    );
    assert!(!text.contains("main.rs"), "{text}");
}

#[test]
fn trace_frames_carry_structured_sources() {
    if common::on_every_engine(trace_frames_carry_structured_sources) {
        return;
    }
    let rt = Runtime::with_config(common::engine_config());
    wasmscope::wasi::instantiate(&rt).unwrap();
    let err = rt.instantiate(&sample("divzero.wasm")).unwrap_err();
    let top = &err.trace()[0];
    assert_eq!(top.code_offset, Some(0x47d));
    let lines: Vec<u32> = top.sources.iter().map(|s| s.line).collect();
    assert_eq!(lines, vec![28, 33]);
    assert_eq!(top.sources[0].function.as_deref(), Some("divzero::raw_div"));
}

#[test]
fn compiled_modules_answer_source_lookups() {
    if common::on_every_engine(compiled_modules_answer_source_lookups) {
        return;
    }
    let rt = Runtime::with_config(common::engine_config());
    let compiled = rt.compile_module(&sample("divzero.wasm")).unwrap();
    let locs = compiled.source_locations(0x47d);
    assert_eq!(locs.len(), 2);
    assert_eq!(
        locs[0].to_string(),
        "/samples/programs/divzero/src/main.rs:28:5"
    );
    assert!(compiled.source_locations(0xffff_ffff).is_empty());
    let no_dwarf = rt
        .compile_module(&wat::parse_str("(module (func))").unwrap())
        .unwrap();
    assert!(no_dwarf.source_locations(0).is_empty());
}
