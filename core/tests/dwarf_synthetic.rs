//! DWARF the samples do not have: version 5, no `DW_AT_comp_dir`, tombstoned sequences.
//! The debug sections are written with `gimli::write` and appended as custom sections.
//! The tests run on every engine.

mod common;

use gimli::write::{Address, AttributeValue, DwarfUnit, LineProgram, LineString};
use gimli::{Encoding, Format, LineEncoding};
use wasmscope::Runtime;

const APP: &str =
    r#"(module $app (func (export "f") (result i32) i32.const 1 i32.const 0 i32.div_u))"#;

/// The code offset of the trapping `i32.div_u` and the code section's size.
fn trap_offset_and_code_size(wasm: &[u8]) -> (u64, u64) {
    let rt = Runtime::with_config(common::engine_config());
    let m = rt.instantiate(wasm).unwrap();
    let err = m.exported_function("f").unwrap().call(&[]).unwrap_err();
    let offset = err.trace()[0].code_offset.unwrap();
    let mut size = 0;
    for p in wasmparser::Parser::new(0).parse_all(wasm) {
        if let wasmparser::Payload::CodeSectionStart { size: s, .. } = p.unwrap() {
            size = s as u64;
        }
    }
    (offset, size)
}

/// `wasm` with a DWARF unit whose line table maps `trap` to `src/lib.rs:7:3` (and the
/// rest of the code to line 1), plus, with `tombstone`, a dead sequence at the top of the
/// address space mapping to line 99.
fn with_dwarf(wasm: &[u8], version: u16, trap: u64, code_size: u64, tombstone: bool) -> Vec<u8> {
    let encoding = Encoding {
        format: Format::Dwarf32,
        version,
        address_size: 4,
    };
    let mut dwarf = DwarfUnit::new(encoding);
    let mut program = LineProgram::new(
        encoding,
        LineEncoding::default(),
        LineString::String(b"/build".to_vec()),
        None,
        LineString::String(b"src/lib.rs".to_vec()),
        None,
    );
    let dir = program.default_directory();
    let file = program.add_file(LineString::String(b"src/lib.rs".to_vec()), dir, None);
    program.begin_sequence(Some(Address::Constant(1)));
    for (addr, line, col) in [(1, 1, 1), (trap, 7, 3), (trap + 1, 8, 1)] {
        let row = program.row();
        row.file = file;
        row.address_offset = addr - 1;
        row.line = line;
        row.column = col;
        program.generate_row();
    }
    program.end_sequence(code_size - 1);
    if tombstone {
        program.begin_sequence(Some(Address::Constant(0xffff_fff0)));
        let row = program.row();
        row.file = file;
        row.line = 99;
        program.generate_row();
        program.end_sequence(8);
    }
    dwarf.unit.line_program = program;
    let root = dwarf.unit.root();
    let entry = dwarf.unit.get_mut(root);
    entry.set(
        gimli::DW_AT_name,
        AttributeValue::String(b"src/lib.rs".to_vec()),
    );
    entry.set(
        gimli::DW_AT_low_pc,
        AttributeValue::Address(Address::Constant(0)),
    );
    entry.set(gimli::DW_AT_high_pc, AttributeValue::Udata(code_size));
    // No DW_AT_comp_dir.
    common::with_dwarf_sections(wasm, &mut dwarf)
}

#[test]
fn dwarf5_without_comp_dir_maps_the_trap_to_its_line() {
    if common::on_every_engine(dwarf5_without_comp_dir_maps_the_trap_to_its_line) {
        return;
    }
    let wasm = wat::parse_str(APP).unwrap();
    let (trap, size) = trap_offset_and_code_size(&wasm);
    for version in [4, 5] {
        let module = with_dwarf(&wasm, version, trap, size, false);
        let rt = Runtime::with_config(common::engine_config());
        let compiled = rt.compile_module(&module).unwrap();
        let locs = compiled.source_locations(trap);
        assert_eq!(locs.len(), 1, "DWARF {version}: {locs:?}");
        assert!(
            locs[0].file.ends_with("src/lib.rs"),
            "DWARF {version}: {locs:?}"
        );
        assert_eq!((locs[0].line, locs[0].column), (7, 3), "DWARF {version}");
        let m = rt
            .instantiate_module(&compiled, wasmscope::ModuleConfig::new())
            .unwrap();
        let text = m
            .exported_function("f")
            .unwrap()
            .call(&[])
            .unwrap_err()
            .to_string();
        assert!(
            text.contains(&format!("\t\t0x{trap:x}: ")) && text.contains("src/lib.rs:7:3"),
            "{text}"
        );
        assert_eq!(
            compiled.code_offsets_for_line("src/lib.rs", 7),
            vec![trap],
            "DWARF {version}"
        );
        let summary = wasmscope::dwarf::summarize(&module).unwrap().unwrap();
        assert_eq!(summary.compile_units[0].version, version);
        assert_eq!(summary.compile_units[0].comp_dir, None);
    }
}

#[test]
fn tombstoned_sequences_are_ignored() {
    if common::on_every_engine(tombstoned_sequences_are_ignored) {
        return;
    }
    let wasm = wat::parse_str(APP).unwrap();
    let (trap, size) = trap_offset_and_code_size(&wasm);
    let module = with_dwarf(&wasm, 5, trap, size, true);
    let rt = Runtime::with_config(common::engine_config());
    let compiled = rt.compile_module(&module).unwrap();
    assert_eq!(compiled.source_locations(trap)[0].line, 7);
    assert!(
        compiled.code_offsets_for_line("src/lib.rs", 99).is_empty(),
        "dead code has no offsets"
    );
    let summary = wasmscope::dwarf::summarize(&module).unwrap().unwrap();
    assert!(summary.covered_code_bytes <= summary.code_bytes);
}
