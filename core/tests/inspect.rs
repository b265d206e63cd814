//! `wasmscope::inspect`: a module's structure read without compiling code, on the samples
//! (text modules, the programs with DWARF, the benchmarks) and hand-written modules, and
//! bad input (an error of kind `Compile`, never a panic).

use std::path::PathBuf;

use wasmscope::inspect::{self, sections, structure, tree, DwarfLines, ItemKind, Node};
use wasmscope::{ErrorKind, Runtime};

fn samples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../samples")
}

/// The binary of a sample: `NAME.wat` from `samples/wat/` (converted), else
/// `samples/programs/NAME.wasm`.
fn binary(name: &str) -> Vec<u8> {
    let path = if name.ends_with(".wat") {
        samples_dir().join("wat").join(name)
    } else {
        samples_dir().join("programs").join(format!("{name}.wasm"))
    };
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    wat::parse_bytes(&bytes).unwrap().into_owned()
}

fn tree_of(name: &str) -> Vec<Node> {
    tree(&binary(name)).unwrap()
}

/// The top node whose label starts with `prefix`.
fn section<'a>(nodes: &'a [Node], prefix: &str) -> &'a Node {
    nodes
        .iter()
        .find(|n| n.label.starts_with(prefix))
        .unwrap_or_else(|| panic!("no section {prefix:?} in {:?}", labels(nodes)))
}

fn labels(nodes: &[Node]) -> Vec<&str> {
    nodes.iter().map(|n| n.label.as_str()).collect()
}

/// Every node of the tree, depth first.
fn all(nodes: &[Node]) -> impl Iterator<Item = &Node> {
    nodes.iter().flat_map(Node::iter)
}

const DEMO: &str = r#"
(module $demo
  (type $bin (func (param i32 i32) (result i32)))
  (import "env" "log" (func $log (param i32)))
  (import "env" "base" (global $base i32))
  (memory (export "mem") 1 2)
  (table 4 funcref)
  (global $counter (mut i32) (i32.const 42))
  (global $half f64 (f64.const 0.5))
  (elem (i32.const 1) $add $init)
  (data (i32.const 16) "hi\00\01there")
  (data (global.get $base) "x")
  (func $add (type $bin) local.get 0 local.get 1 i32.add)
  (func $init (local i32 i64 i64) i32.const 7 call $log)
  (start $init)
  (export "add" (func $add))
  (export "counter" (global $counter))
  (@custom "my-notes" "abc\00\ff then enough text to fill more than one line")
)
"#;

#[test]
fn sections_in_file_order_with_payload_offsets_and_sizes() {
    let wasm = binary("memory.wat");
    let nodes = tree(&wasm).unwrap();
    // The same sections, offsets and sizes as the section list.
    let sections = &sections(&wasm).unwrap();
    assert_eq!(nodes.len(), sections.len(), "{:?}", labels(&nodes));
    for (node, s) in nodes.iter().zip(sections) {
        assert!(
            node.label.starts_with(&s.name),
            "{} vs {}",
            node.label,
            s.name
        );
        assert_eq!(node.offset, Some(s.offset), "{}", node.label);
        assert_eq!(node.size, Some(s.size), "{}", node.label);
    }
    assert_eq!(
        labels(&nodes)[..6],
        [
            "type (3)",
            "function (3)",
            "memory (1)",
            "export (4)",
            "code (3)",
            "data (2)"
        ]
    );
}

#[test]
fn add_wat_types_functions_exports() {
    let nodes = tree_of("add.wat");
    let types = section(&nodes, "type (");
    assert_eq!(
        types.children[0].label,
        "type 0: (func (param i32 i32) (result i32))"
    );
    let functions = section(&nodes, "function (");
    assert_eq!(
        functions.children[0].label,
        "func 0 $add: type 0 (func (param i32 i32) (result i32))"
    );
    assert_eq!(functions.children[0].function, Some(0));
    // The body starts after the count of bodies and its own size (one byte each).
    assert_eq!(functions.children[0].code_offset, Some(2));
    let exports = section(&nodes, "export (");
    assert_eq!(exports.children[0].label, "\"add\" -> func 0 $add");
    assert_eq!(exports.children[0].function, Some(0));
    // wat writes a name section for the $names.
    let names = section(&nodes, "custom \"name\"");
    assert!(
        names
            .children
            .iter()
            .any(|n| n.label == "function names (1)" && n.children[0].label == "func 0: add"),
        "{names:#?}"
    );
}

#[test]
fn hand_written_module_every_kind_of_entry() {
    let wasm = wat::parse_str(DEMO).unwrap();
    let nodes = tree(&wasm).unwrap();
    let imports = section(&nodes, "import (2)");
    assert_eq!(
        imports.children[0].label,
        "env.log: func 0 $log: type 1 (func (param i32))"
    );
    assert_eq!(imports.children[0].function, Some(0));
    // An import has no body.
    assert_eq!(imports.children[0].code_offset, None);
    assert_eq!(imports.children[1].label, "env.base: global 0 $base: i32");
    assert_eq!(
        section(&nodes, "table (1)").children[0].label,
        "table 0: funcref 4.."
    );
    assert_eq!(
        section(&nodes, "memory (1)").children[0].label,
        "memory 0: 1..2 pages"
    );
    let globals = section(&nodes, "global (2)");
    assert_eq!(
        labels(&globals.children),
        [
            "global 1 $counter: mut i32 = i32.const 42",
            "global 2 $half: f64 = f64.const 0.5"
        ]
    );
    let exports = section(&nodes, "export (3)");
    assert_eq!(
        labels(&exports.children),
        [
            "\"mem\" -> memory 0",
            "\"add\" -> func 1 $add",
            "\"counter\" -> global 1"
        ]
    );
    let start = section(&nodes, "start");
    assert_eq!(start.children[0].label, "func 2 $init: type 2 (func)");
    assert_eq!(start.children[0].function, Some(2));

    // Element segment: mode, table, offset, count, and the functions by table slot.
    let elem = &section(&nodes, "element (1)").children[0];
    assert_eq!(
        elem.label,
        "elem 0: active table 0 offset i32.const 1, 2 functions"
    );
    assert_eq!(
        labels(&elem.children),
        ["[1] func 1 $add", "[2] func 2 $init"]
    );
    assert_eq!(elem.children[0].function, Some(1));

    // Data segments: mode, memory, offset expression, size, escaped preview.
    let data = section(&nodes, "data (2)");
    assert_eq!(
        labels(&data.children),
        [
            "data 0: active memory 0 offset i32.const 16, 9 bytes \"hi\\x00\\x01there\"",
            "data 1: active memory 0 offset global.get 0 $base, 1 bytes \"x\""
        ]
    );
    // The segment's offset and size are in the module.
    let d0 = &data.children[0];
    let (o, s) = (d0.offset.unwrap(), d0.size.unwrap());
    assert!(wasm[o..o + s].ends_with(b"hi\x00\x01there"));

    // Code: one body per defined function, with its locals, at the code offset the
    // loader uses for instructions.
    let code = section(&nodes, "code (2)");
    assert_eq!(
        labels(&code.children),
        ["func 1 $add: 0 locals", "func 2 $init: 3 locals"]
    );
    let code_start = code.offset.unwrap();
    for body in &code.children {
        assert_eq!(
            body.offset.unwrap() - code_start,
            body.code_offset.unwrap() as usize
        );
    }
    let functions = section(&nodes, "function (2)");
    for (f, body) in functions.children.iter().zip(&code.children) {
        assert_eq!(f.function, body.function);
        assert_eq!((f.offset, f.size), (body.offset, body.size));
        assert_eq!(f.code_offset, body.code_offset);
    }
    // The unknown custom section: a hex dump with ASCII.
    let notes = section(&nodes, "custom \"my-notes\"");
    assert_eq!(
        notes.children[0].label,
        "61 62 63 00 ff 20 74 68 65 6e 20 65 6e 6f 75 67  |abc.. then enoug|"
    );
    assert_eq!(notes.children.len(), 4, "{notes:#?}");
    let o = notes.children[0].offset.unwrap();
    assert_eq!(&wasm[o..o + 3], b"abc");
    // The name section has the module name, function, local and global names.
    let names = section(&nodes, "custom \"name\"");
    let names = labels(&names.children);
    assert!(names.contains(&"module name: demo"), "{names:?}");
    assert!(names.contains(&"function names (3)"), "{names:?}");
    assert!(names.contains(&"global names (3)"), "{names:?}");
}

#[test]
fn long_custom_sections_and_element_lists_are_capped() {
    let big = "x".repeat(1000);
    let elems = " $f".repeat(100);
    let wasm = wat::parse_str(format!(
        r#"(module (table 100 funcref) (func $f) (elem (i32.const 0) {elems})
             (@custom "blob" "{big}"))"#
    ))
    .unwrap();
    let nodes = tree(&wasm).unwrap();
    let blob = section(&nodes, "custom \"blob\"");
    assert_eq!(blob.children.len(), inspect::HEX_CAP / 16 + 1);
    assert_eq!(
        blob.children.last().unwrap().label,
        format!("… {} more bytes", 1000 - inspect::HEX_CAP)
    );
    let elem = &section(&nodes, "element (1)").children[0];
    assert!(elem.label.ends_with("100 functions"), "{}", elem.label);
    assert_eq!(elem.children.len(), inspect::LIST_CAP + 1);
    assert_eq!(
        elem.children.last().unwrap().label,
        format!("… {} more", 100 - inspect::LIST_CAP)
    );
    assert_eq!(elem.children[63].label, "[63] func 0 $f");
}

#[test]
fn hello_names_producers_features_and_dwarf() {
    let wasm = binary("hello");
    let t = std::time::Instant::now();
    let nodes = tree(&wasm).unwrap();
    // Decoded once on load: it must not take long even in a debug build.
    assert!(t.elapsed().as_secs() < 10, "{:?}", t.elapsed());

    // Every defined function has one body, and the function section lists them all.
    let functions = section(&nodes, "function (");
    let code = section(&nodes, "code (");
    assert!(functions.children.len() > 50);
    assert_eq!(functions.children.len(), code.children.len());
    assert_eq!(
        functions.label,
        format!("function ({})", functions.children.len())
    );
    for (f, body) in functions.children.iter().zip(&code.children) {
        assert_eq!(f.function, body.function);
        assert!(f.code_offset.is_some());
    }
    // Names from the name section (demangled), on functions and exports.
    let main = functions
        .children
        .iter()
        .find(|f| f.label.contains("$hello::main:"))
        .unwrap_or_else(|| panic!("no hello::main in {:?}", &labels(&functions.children)[..20]));
    assert!(main.label.contains(": type "), "{}", main.label);
    let exports = section(&nodes, "export (");
    assert!(
        exports
            .children
            .iter()
            .any(|e| e.label.starts_with("\"_start\" -> func ") && e.label.contains("$_start")),
        "{:?}",
        labels(&exports.children)
    );
    // WASI imports are functions with a type.
    let imports = section(&nodes, "import (");
    let fd_write = imports
        .children
        .iter()
        .find(|i| {
            i.label
                .starts_with("wasi_snapshot_preview1.fd_write: func ")
        })
        .unwrap();
    assert!(
        fd_write
            .label
            .ends_with(": type 7 (func (param i32 i32 i32 i32) (result i32))"),
        "{}",
        fd_write.label
    );
    assert!(fd_write.function.is_some() && fd_write.code_offset.is_none());
    // The stack pointer global, named.
    let globals = section(&nodes, "global (");
    assert!(
        globals.children[0]
            .label
            .starts_with("global 0 $__stack_pointer: mut i32 = i32.const "),
        "{}",
        globals.children[0].label
    );

    let names = section(&nodes, "custom \"name\"");
    let fnames = names
        .children
        .iter()
        .find(|n| n.label.starts_with("function names ("))
        .unwrap();
    assert_eq!(fnames.children.len(), inspect::NAME_CAP + 1);
    assert!(fnames.children.last().unwrap().label.starts_with("… "));

    let producers = section(&nodes, "custom \"producers\"");
    let processed = producers
        .children
        .iter()
        .find(|f| f.label.starts_with("processed-by ("))
        .unwrap();
    assert!(
        processed
            .children
            .iter()
            .any(|v| v.label.starts_with("rustc ")),
        "{processed:#?}"
    );
    let language = producers
        .children
        .iter()
        .find(|f| f.label.starts_with("language ("))
        .unwrap();
    assert!(language
        .children
        .iter()
        .any(|v| v.label.starts_with("Rust")));

    let features = section(&nodes, "custom \"target_features\"");
    assert!(!features.children.is_empty());
    assert!(
        features
            .children
            .iter()
            .all(|f| f.label.starts_with('+') || f.label.starts_with('-')),
        "{features:#?}"
    );
    assert!(features
        .children
        .iter()
        .any(|f| f.label == "+mutable-globals"));

    let info = section(&nodes, "custom \".debug_info\"");
    let units = info
        .children
        .iter()
        .find(|n| n.label.starts_with("compile units ("))
        .unwrap_or_else(|| panic!("{info:#?}"));
    assert!(!units.children.is_empty());
    assert!(
        units
            .children
            .iter()
            .any(|u| u.label.contains("DW_LANG_Rust")),
        "{:?}",
        labels(&units.children)
    );
    assert!(info
        .children
        .iter()
        .any(|n| n.label.starts_with("source files: ")));
    let line = section(&nodes, "custom \".debug_line\"");
    assert_eq!(
        line.children[0].label,
        format!(
            "{} bytes of DWARF",
            line.size.unwrap() - ".debug_line".len() - 1
        )
    );
}

#[test]
fn table_sample_element_segment_lists_its_functions() {
    let nodes = tree_of("table");
    let table = section(&nodes, "table (1)");
    assert!(table.children[0].label.starts_with("table 0: funcref "));
    let elem = &section(&nodes, "element (1)").children[0];
    assert!(
        elem.label
            .starts_with("elem 0: active table 0 offset i32.const 1, "),
        "{}",
        elem.label
    );
    assert!(elem.children.len() >= 4, "{elem:#?}");
    let funcs = labels(&elem.children).join("\n");
    for f in ["double", "square", "negate", "collatz_step"] {
        assert!(funcs.contains(f), "{f} not in\n{funcs}");
    }
    assert!(elem.children[0].label.starts_with("[1] func "));
    // Each is a selectable function with its body; the rest are counted.
    let count: usize = elem
        .label
        .rsplit(", ")
        .next()
        .unwrap()
        .trim_end_matches(" functions")
        .parse()
        .unwrap();
    if count > inspect::LIST_CAP {
        assert_eq!(elem.children.len(), inspect::LIST_CAP + 1);
        assert_eq!(
            elem.children.last().unwrap().label,
            format!("… {} more", count - inspect::LIST_CAP)
        );
    }
    for item in elem.children.iter().take(inspect::LIST_CAP) {
        assert!(
            item.function.is_some() && item.code_offset.is_some(),
            "{item:?}"
        );
    }
}

#[test]
fn divzero_decodes() {
    let nodes = tree_of("divzero");
    assert!(all(&nodes).any(|n| n.label.contains("7divzero")));
    // Every sample decodes: text modules, programs, benchmarks.
    for dir in ["wat", "programs", "bench"] {
        for entry in std::fs::read_dir(samples_dir().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if !path.extension().is_some_and(|x| x == "wasm" || x == "wat") {
                continue;
            }
            let wasm = wat::parse_file(&path).unwrap();
            tree(&wasm).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            structure(&wasm).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        }
    }
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    /// The error's one line, checked to be a `Compile` error with an offset.
    fn err(r: wasmscope::Result<impl std::fmt::Debug>) -> String {
        let e = r.unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::Compile { .. }), "{e:?}");
        let text = e.to_string();
        assert!(!text.contains('\n'), "{text}");
        assert!(text.starts_with("invalid module: "), "{text}");
        assert!(text.contains("(at offset 0x"), "{text}");
        text
    }
    let hello = binary("hello");
    let half = &hello[..hello.len() / 2];
    assert!(err(tree(half)).contains("unexpected end-of-file"));
    assert_eq!(err(tree(half)), err(structure(half)));
    assert_eq!(err(sections(half)), err(structure(half)));
    // The message `run` gives for the same bytes.
    assert_eq!(
        err(structure(&hello[..100])),
        "invalid module: unexpected end-of-file (at offset 0xa)"
    );
    assert!(err(tree(b"hello there")).contains("not a binary"));
    assert!(err(structure(b"\x7fELF")).contains("not a binary"));
    assert!(err(structure(b"")).contains("unexpected end-of-file"));
    assert!(err(structure(b"\0as")).contains("unexpected end-of-file"));
    assert!(err(structure(b"\0asm\x02\0\0\0")).contains("unknown binary version"));
    // Every prefix of a small module, and every single-byte corruption of it: a result,
    // never a panic.
    let wasm = wat::parse_str(DEMO).unwrap();
    for n in 0..wasm.len() {
        let _ = tree(&wasm[..n]);
        let _ = structure(&wasm[..n]);
    }
    err(tree(&wasm[..wasm.len() - 1]));
    for i in 8..wasm.len() {
        for b in [0x00, 0x7f, 0x80, 0xff] {
            let mut bad = wasm.clone();
            bad[i] = b;
            let _ = tree(&bad);
            let _ = structure(&bad);
            let _ = DwarfLines::load(&bad);
        }
    }
    // A component is not a module.
    let component = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];
    assert!(err(tree(&component)).contains("component"));
    assert!(err(structure(&component)).contains("component"));
}

#[test]
fn structure_of_a_hand_written_module() {
    let wasm = wat::parse_str(DEMO).unwrap();
    let s = structure(&wasm).unwrap();
    assert_eq!(s.module_name.as_deref(), Some("demo"));
    assert_eq!((s.imported_functions, s.defined_functions), (1, 2));
    let imports: Vec<_> = s
        .imports
        .iter()
        .map(|i| (i.module.as_str(), i.name.as_str(), i.kind, i.ty.as_str()))
        .collect();
    assert_eq!(
        imports,
        [
            ("env", "log", ItemKind::Func, "(i32)"),
            ("env", "base", ItemKind::Global, "i32"),
        ]
    );
    let exports: Vec<_> = s
        .exports
        .iter()
        .map(|e| (e.name.as_str(), e.kind.name(), e.index, e.ty.as_str()))
        .collect();
    assert_eq!(
        exports,
        [
            ("mem", "memory", 0, ""),
            ("add", "func", 1, "(i32,i32) i32"),
            ("counter", "global", 1, ""),
        ]
    );
    assert_eq!(s.function_names.get(&2).map(String::as_str), Some("init"));
    assert_eq!(s.global_names.get(&1).map(String::as_str), Some("counter"));
    assert_eq!(s.global_names.get(&0).map(String::as_str), Some("base"));
    // The sections are the tree's top nodes, with the same offsets and sizes.
    let nodes = tree(&wasm).unwrap();
    assert_eq!(s.sections.len(), nodes.len());
    for (section, node) in s.sections.iter().zip(&nodes) {
        assert!(
            node.label.starts_with(&section.name),
            "{node:?} {section:?}"
        );
        assert_eq!(
            (node.offset, node.size),
            (Some(section.offset), Some(section.size))
        );
    }
    // A custom section's data follows its name, inside its payload.
    let notes = s
        .sections
        .iter()
        .find(|x| x.name == "custom \"my-notes\"")
        .unwrap();
    let data = notes.custom.as_ref().unwrap();
    assert_eq!(notes.id, 0);
    assert_eq!(data.name, "my-notes");
    assert_eq!(data.offset, notes.offset + 1 + "my-notes".len());
    assert_eq!(data.offset + data.size, notes.offset + notes.size);
    assert!(wasm[data.offset..].starts_with(b"abc\0\xff then"));
    assert!(s
        .sections
        .iter()
        .filter(|x| x.id != 0)
        .all(|x| x.custom.is_none()));
    // Imported memories and tables.
    let s = structure(
        &wat::parse_str(
            r#"(module (import "m" "mem" (memory 1 2)) (import "m" "grow" (memory 3))
                 (import "m" "tab" (table 4 funcref)) (import "m" "g" (global (mut i64))))"#,
        )
        .unwrap(),
    )
    .unwrap();
    let tys: Vec<_> = s.imports.iter().map(|i| i.ty.as_str()).collect();
    assert_eq!(tys, ["pages 1..2", "pages 3..", "funcref 4..", "mut i64"]);
}

#[test]
fn structure_of_a_program_with_dwarf() {
    let wasm = binary("hello");
    let s = structure(&wasm).unwrap();
    let fd_write = s
        .imports
        .iter()
        .find(|i| i.module == "wasi_snapshot_preview1" && i.name == "fd_write")
        .unwrap();
    assert_eq!(
        (fd_write.kind, fd_write.ty.as_str()),
        (ItemKind::Func, "(i32,i32,i32,i32) i32")
    );
    let start = s.exports.iter().find(|e| e.name == "_start").unwrap();
    assert_eq!((start.kind, start.ty.as_str()), (ItemKind::Func, "()"));
    assert_eq!(
        s.imported_functions as usize,
        s.imports
            .iter()
            .filter(|i| i.kind == ItemKind::Func)
            .count()
    );
    assert!(s.defined_functions > 50);
    assert!(s.function_names.len() > 50);
    assert!(s.function_names.values().any(|n| n.contains("5hello4main")));
    assert_eq!(
        s.global_names.get(&0).map(String::as_str),
        Some("__stack_pointer")
    );
    let processed = s
        .producers
        .iter()
        .find(|p| p.field == "processed-by")
        .unwrap();
    assert!(
        processed.values.iter().any(|v| v.starts_with("rustc ")),
        "{processed:?}"
    );
    // Sections in file order, without overlap; DWARF among the custom sections.
    for pair in s.sections.windows(2) {
        assert!(pair[0].offset + pair[0].size <= pair[1].offset, "{pair:?}");
    }
    assert!(s.sections.iter().any(|x| x.name == "code" && x.id == 10));
    assert!(s
        .sections
        .iter()
        .any(|x| x.custom.as_ref().is_some_and(|c| c.name == ".debug_info")));
    assert_eq!(sections(&wasm).unwrap(), s.sections);
}

#[test]
fn dwarf_line_lookups_without_compiling_agree_with_the_compiled_module() {
    let wasm = binary("divzero");
    let lines = DwarfLines::load(&wasm).expect("divzero has DWARF");
    let compiled = Runtime::new().compile_module(&wasm).unwrap();
    let file = "divzero/src/main.rs";
    let mut found = 0;
    for line in 1..80 {
        let offsets = lines.offsets_for_line(file, line);
        // The table's rows as they are; the compiled module's breakpoint places move a
        // row at a body's start (its local declarations) to the body's first
        // instruction.
        let mut placed: Vec<u64> = offsets
            .iter()
            .map(|o| {
                (*o..*o + 64)
                    .find(|x| compiled.is_instruction_start(*x))
                    .expect("an instruction after the row")
            })
            .collect();
        placed.dedup();
        assert_eq!(
            placed,
            compiled.code_offsets_for_line(file, line),
            "line {line}"
        );
        for &o in &offsets {
            let locations = lines.locations(o);
            assert_eq!(locations, compiled.source_locations(o));
            assert!(
                locations.iter().any(|l| l.file.ends_with(file)),
                "{locations:?}"
            );
            found += 1;
        }
    }
    assert!(found > 0, "no statement in {file}");
    // Without DWARF, or with garbage: no line table.
    assert!(DwarfLines::load(&binary("add.wat")).is_none());
    assert!(DwarfLines::load(b"garbage").is_none());
}

#[test]
fn validate_accepts_3_0_and_both_engines_take_gc() {
    // A struct type (GC, WebAssembly 3.0): valid; the default configuration and the
    // compiler asked for by name take it.
    let wasm = wat::parse_str(r#"(module (type (struct (field i32))))"#).unwrap();
    wasmscope::inspect::validate(&wasm).expect("valid WebAssembly 3.0");
    assert!(wasmscope::Runtime::new().compile_module(&wasm).is_ok());
    let compiler = wasmscope::RuntimeConfig::compiler();
    assert!(wasmscope::Runtime::with_config(compiler)
        .compile_module(&wasm)
        .is_ok());
    // An invalid module: one line with what and where.
    let bad = wat::parse_str("(module (func (result i32) i64.const 1))").unwrap();
    let e = wasmscope::inspect::validate(&bad).unwrap_err().to_string();
    assert!(e.contains("type mismatch") && !e.contains('\n'), "{e}");
}
