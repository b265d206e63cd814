//! DWARF summaries of the samples (built with debug info) and of modules without it.

use std::path::PathBuf;

fn sample(path: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../samples")
        .join(path);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn rust_sample_has_rust_compile_units_files_and_line_coverage() {
    let s = wasmscope::dwarf::summarize(&sample("programs/divzero.wasm"))
        .unwrap()
        .expect("divzero.wasm has DWARF");
    assert!(
        s.sections
            .iter()
            .any(|(n, size)| n == ".debug_line" && *size > 0),
        "{:?}",
        s.sections
    );
    assert!(!s.compile_units.is_empty());
    let main = s
        .compile_units
        .iter()
        .find(|u| {
            u.name
                .as_deref()
                .is_some_and(|n| n.starts_with("divzero/src/main.rs"))
        })
        .unwrap_or_else(|| panic!("no unit for divzero's main.rs: {:?}", s.compile_units));
    assert_eq!(main.language.as_deref(), Some("DW_LANG_Rust"));
    assert!(
        main.producer
            .as_deref()
            .is_some_and(|p| p.contains("rustc")),
        "{main:?}"
    );
    // Paths were remapped at build time: no build machine in them.
    assert!(main
        .comp_dir
        .as_deref()
        .is_none_or(|d| !d.contains("/work/") && !d.contains("/root/")));
    assert!(s.files > 1);
    assert_eq!(s.files, s.source_files.len());
    // The program's own file, as traces name it, and std's, under the rustc prefix.
    assert!(
        s.source_files.iter().any(|f| f == "divzero/src/main.rs"),
        "{:?}",
        s.source_files
    );
    assert!(s.source_files.iter().any(|f| f.starts_with("/rustc/")));
    assert!(s.code_bytes > 0 && s.covered_code_bytes <= s.code_bytes);
    assert!(s.line_coverage() > 0.3, "coverage {}", s.line_coverage());
}

#[test]
fn modules_without_debug_info_have_no_summary() {
    assert_eq!(
        wasmscope::dwarf::summarize(&sample("bench/fib.wasm")).unwrap(),
        None
    );
}

#[test]
fn garbage_is_an_error_not_a_panic() {
    assert!(wasmscope::dwarf::summarize(b"\0asm\x01\0\0\0\x00\x05\x0b.debug").is_err());
    // A `.debug_info` section with garbage in it.
    let mut m = b"\0asm\x01\0\0\0".to_vec();
    let name = b".debug_info";
    let payload = [0xffu8; 7];
    m.push(0);
    m.push((1 + name.len() + payload.len()) as u8);
    m.push(name.len() as u8);
    m.extend(name);
    m.extend(payload);
    assert!(wasmscope::dwarf::summarize(&m).is_err());
}
