//! An uncaught exception in a module with DWARF line info (issue #14): the error names
//! the exception's tag, and its trace gives the throwing function's frame the source
//! file and line of the `throw`, as a trap's trace does. The line table is synthetic,
//! written with `gimli::write` and appended as custom sections. The test runs on every
//! engine (the interpreter, and the compiler on x86-64 and AArch64).

mod common;

use gimli::write::{Address, AttributeValue, DwarfUnit, LineProgram, LineString};
use gimli::{Encoding, Format, LineEncoding};
use wasmscope::{ModuleConfig, Runtime, TrapCode};

/// `$thrower` (function 0) throws `$oops`; the exported `run` (function 1) calls it.
const APP: &str = r#"(module $m
  (tag $oops (export "oops") (param i32))
  (func $thrower (param i32) (throw $oops (local.get 0)))
  (func $outer (export "run") (param i32) (call $thrower (local.get 0))))"#;

/// The source file the line table names.
const FILE: &str = "src/thrower.rs";

/// The line and column the line table gives the `throw`.
const THROW_LINE: (u32, u32) = (12, 5);

/// The code-section offsets of the `throw` and of the instruction after it, and the
/// code section's size.
fn throw_offsets(wasm: &[u8]) -> (u64, u64, u64) {
    let (mut base, mut size) = (0, 0);
    let mut found = None;
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        match payload.unwrap() {
            wasmparser::Payload::CodeSectionStart {
                unchecked_range,
                size: s,
                ..
            } => {
                base = unchecked_range.start;
                size = u64::from(s);
            }
            wasmparser::Payload::CodeSectionEntry(body) => {
                let ops: Vec<_> = body
                    .get_operators_reader()
                    .unwrap()
                    .into_iter_with_offsets()
                    .map(Result::unwrap)
                    .collect();
                // A body ends with `end`: the throw has an instruction after it.
                for pair in ops.windows(2) {
                    if matches!(pair[0].0, wasmparser::Operator::Throw { .. }) {
                        found = Some((pair[0].1 - base, pair[1].1 - base));
                    }
                }
            }
            _ => {}
        }
    }
    let (throw, next) = found.expect("the module throws");
    (throw, next, size)
}

/// `wasm` with a DWARF unit for [`FILE`] whose line table maps the `throw` at `throw`
/// to [`THROW_LINE`], the code before it to line 1 and the code from `next` on to the
/// line after the throw.
fn with_dwarf(wasm: &[u8], throw: u64, next: u64, code_size: u64) -> Vec<u8> {
    let encoding = Encoding {
        format: Format::Dwarf32,
        version: 4,
        address_size: 4,
    };
    let mut dwarf = DwarfUnit::new(encoding);
    let mut program = LineProgram::new(
        encoding,
        LineEncoding::default(),
        LineString::String(b"/build".to_vec()),
        None,
        LineString::String(FILE.as_bytes().to_vec()),
        None,
    );
    let dir = program.default_directory();
    let file = program.add_file(LineString::String(FILE.as_bytes().to_vec()), dir, None);
    let (line, column) = THROW_LINE;
    // The sequence starts after the function count, at the first body.
    program.begin_sequence(Some(Address::Constant(1)));
    for (addr, line, column) in [
        (1, 1, 1),
        (throw, u64::from(line), u64::from(column)),
        (next, u64::from(line) + 1, 1),
    ] {
        let row = program.row();
        row.file = file;
        row.address_offset = addr - 1;
        row.line = line;
        row.column = column;
        program.generate_row();
    }
    program.end_sequence(code_size - 1);
    dwarf.unit.line_program = program;
    let root = dwarf.unit.root();
    let entry = dwarf.unit.get_mut(root);
    entry.set(
        gimli::DW_AT_name,
        AttributeValue::String(FILE.as_bytes().to_vec()),
    );
    entry.set(
        gimli::DW_AT_low_pc,
        AttributeValue::Address(Address::Constant(0)),
    );
    entry.set(gimli::DW_AT_high_pc, AttributeValue::Udata(code_size));
    common::with_dwarf_sections(wasm, &mut dwarf)
}

#[test]
fn an_uncaught_exception_traces_the_throw_to_its_source_line() {
    if common::on_every_engine(an_uncaught_exception_traces_the_throw_to_its_source_line) {
        return;
    }
    let engine = common::engine().0;
    let wasm = wat::parse_str(APP).unwrap();
    let (throw, next, size) = throw_offsets(&wasm);
    let module = with_dwarf(&wasm, throw, next, size);
    let rt = Runtime::with_config(common::engine_config());
    let compiled = rt.compile_module(&module).unwrap();
    // The line table as the runtime reads it.
    let locs = compiled.source_locations(throw);
    assert_eq!(locs.len(), 1, "on the {engine}: {locs:?}");
    assert_eq!(
        (locs[0].line, locs[0].column),
        THROW_LINE,
        "on the {engine}: {locs:?}"
    );

    let m = rt
        .instantiate_module(&compiled, ModuleConfig::new())
        .unwrap();
    let e = m.exported_function("run").unwrap().call(&[7]).unwrap_err();
    assert_eq!(
        e.trap_code(),
        Some(TrapCode::UncaughtException),
        "on the {engine}: {e}"
    );
    let text = e.to_string();
    assert!(
        text.starts_with(
            "wasm error: uncaught exception: tag 0 (\"oops\") of module \"m\" with payload \
             (i32 7)"
        ),
        "on the {engine}: {text}"
    );

    let trace = e.trace();
    let frames: Vec<&str> = trace.iter().map(|f| f.signature.as_str()).collect();
    assert_eq!(
        frames,
        ["m.thrower(i32)", "m.outer(i32)"],
        "on the {engine}: {text}"
    );
    // The throwing frame is at the `throw`, and DWARF names its file and line.
    let thrower = &trace[0];
    assert_eq!(thrower.code_offset, Some(throw), "on the {engine}: {text}");
    assert_eq!(
        thrower.sources.len(),
        1,
        "on the {engine}: {:?}",
        thrower.sources
    );
    let source = &thrower.sources[0];
    assert!(source.file.ends_with(FILE), "on the {engine}: {source:?}");
    assert_eq!(
        (source.line, source.column),
        THROW_LINE,
        "on the {engine}: {source:?}"
    );
    // And the text prints it under the frame, as for a trap.
    let (line, column) = THROW_LINE;
    assert!(
        text.contains(&format!("\tm.thrower(i32)\n\t\t0x{throw:x}: "))
            && text.contains(&format!("{FILE}:{line}:{column}")),
        "on the {engine}: {text}"
    );
}
