//! `wasmscope inspect`: what a module contains, section by section.

use std::fmt::Write as _;

use wasmparser::{Parser, Payload};

/// A section's id, name, payload offset and size.
struct SectionRow {
    id: u8,
    name: String,
    offset: usize,
    size: usize,
}

fn type_names(tys: &[wasmparser::ValType]) -> String {
    tys.iter()
        .map(|t| t.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// The report for module `wasm` (named `path` in it).
pub fn report(path: &str, wasm: &[u8]) -> Result<String, String> {
    let mut out = String::new();
    let mut sections = Vec::new();
    let mut types: Vec<String> = Vec::new();
    let mut func_types: Vec<u32> = Vec::new();
    let mut imports = Vec::new();
    let mut exports = Vec::new();
    let mut customs = Vec::new();
    let mut producers = Vec::new();
    let mut module_name = None;
    let mut func_names = 0usize;
    let mut imported_funcs = 0usize;
    let mut defined_funcs = 0usize;
    // `invalid module: ... (at offset 0x...)`, on one line, as `run` says it.
    let err = |e: wasmparser::BinaryReaderError| format!("{path}: {}", wasmscope::Error::from(e));
    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload.map_err(err)?;
        let mut row = |id: u8, name: &str, range: std::ops::Range<u64>| {
            sections.push(SectionRow {
                id,
                name: name.to_string(),
                offset: range.start as usize,
                size: (range.end - range.start) as usize,
            })
        };
        match &payload {
            Payload::TypeSection(r) => {
                row(1, "type", r.range());
                for group in r.clone() {
                    for sub in group.map_err(err)?.into_types() {
                        match &sub.composite_type.inner {
                            wasmparser::CompositeInnerType::Func(f) => {
                                let results = match f.results().len() {
                                    0 => String::new(),
                                    1 => format!(" {}", f.results()[0]),
                                    _ => format!(" ({})", type_names(f.results())),
                                };
                                types.push(format!("({}){results}", type_names(f.params())));
                            }
                            other => types.push(format!("{other:?}")),
                        }
                    }
                }
            }
            Payload::ImportSection(r) => {
                row(2, "import", r.range());
                for imp in r.clone().into_imports() {
                    let imp = imp.map_err(err)?;
                    let what = match imp.ty {
                        wasmparser::TypeRef::Func(t) | wasmparser::TypeRef::FuncExact(t) => {
                            imported_funcs += 1;
                            func_types.push(t);
                            format!(
                                "func   {}.{} {}",
                                imp.module,
                                imp.name,
                                types.get(t as usize).cloned().unwrap_or_default()
                            )
                        }
                        wasmparser::TypeRef::Memory(m) => format!(
                            "memory {}.{} pages {}..{}",
                            imp.module,
                            imp.name,
                            m.initial,
                            m.maximum.map_or("".into(), |x| x.to_string())
                        ),
                        wasmparser::TypeRef::Table(t) => format!(
                            "table  {}.{} {} {}..",
                            imp.module, imp.name, t.element_type, t.initial
                        ),
                        wasmparser::TypeRef::Global(g) => format!(
                            "global {}.{} {}{}",
                            imp.module,
                            imp.name,
                            if g.mutable { "mut " } else { "" },
                            g.content_type
                        ),
                        wasmparser::TypeRef::Tag(_) => {
                            format!("tag    {}.{}", imp.module, imp.name)
                        }
                    };
                    imports.push(what);
                }
            }
            Payload::FunctionSection(r) => {
                row(3, "function", r.range());
                for t in r.clone() {
                    func_types.push(t.map_err(err)?);
                    defined_funcs += 1;
                }
            }
            Payload::TableSection(r) => row(4, "table", r.range()),
            Payload::MemorySection(r) => row(5, "memory", r.range()),
            Payload::GlobalSection(r) => row(6, "global", r.range()),
            Payload::ExportSection(r) => {
                row(7, "export", r.range());
                for e in r.clone() {
                    let e = e.map_err(err)?;
                    let detail = match e.kind {
                        wasmparser::ExternalKind::Func | wasmparser::ExternalKind::FuncExact => {
                            format!(
                                "func   {} {}",
                                e.name,
                                func_types
                                    .get(e.index as usize)
                                    .and_then(|t| types.get(*t as usize))
                                    .cloned()
                                    .unwrap_or_default()
                            )
                        }
                        wasmparser::ExternalKind::Memory => format!("memory {}", e.name),
                        wasmparser::ExternalKind::Table => format!("table  {}", e.name),
                        wasmparser::ExternalKind::Global => format!("global {}", e.name),
                        wasmparser::ExternalKind::Tag => format!("tag    {}", e.name),
                    };
                    exports.push(detail);
                }
            }
            Payload::StartSection { range, .. } => row(8, "start", range.clone()),
            Payload::ElementSection(r) => row(9, "element", r.range()),
            Payload::CodeSectionStart {
                unchecked_range, ..
            } => row(10, "code", unchecked_range.clone()),
            Payload::DataSection(r) => row(11, "data", r.range()),
            Payload::DataCountSection { range, .. } => row(12, "data count", range.clone()),
            Payload::CustomSection(c) => {
                let start = c.data_offset();
                row(
                    0,
                    &format!("custom \"{}\"", c.name()),
                    start..start + c.data().len() as u64,
                );
                customs.push((c.name().to_string(), c.data().len()));
                match c.name() {
                    "name" => {
                        let reader = wasmparser::NameSectionReader::new(
                            wasmparser::BinaryReader::new(c.data(), start),
                        );
                        for n in reader.into_iter().flatten() {
                            match n {
                                wasmparser::Name::Module { name, .. } => {
                                    module_name = Some(name.to_string())
                                }
                                wasmparser::Name::Function(map) => {
                                    func_names = map.into_iter().flatten().count()
                                }
                                _ => {}
                            }
                        }
                    }
                    "producers" => {
                        if let Ok(reader) = wasmparser::ProducersSectionReader::new(
                            wasmparser::BinaryReader::new(c.data(), start),
                        ) {
                            for field in reader.into_iter().flatten() {
                                let values: Vec<String> = field
                                    .values
                                    .into_iter()
                                    .flatten()
                                    .map(|v| format!("{} {}", v.name, v.version).trim().to_string())
                                    .collect();
                                producers.push(format!("{}: {}", field.name, values.join(", ")));
                            }
                        }
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }

    let _ = writeln!(out, "module {path} ({} bytes)", wasm.len());
    if let Some(n) = &module_name {
        let _ = writeln!(out, "name   {n}");
    }
    let _ = writeln!(
        out,
        "\nsections:\n  {:>3}  {:<28} {:>10} {:>10}",
        "id", "name", "offset", "size"
    );
    for s in &sections {
        let _ = writeln!(
            out,
            "  {:>3}  {:<28} {:>#10x} {:>10}",
            s.id, s.name, s.offset, s.size
        );
    }
    let _ = writeln!(out, "\nimports ({}):", imports.len());
    for i in &imports {
        let _ = writeln!(out, "  {i}");
    }
    // Empty when the module does not compile (`run` says why).
    let stubbed: Vec<String> = match wasmscope::Runtime::new().compile_module(wasm) {
        Ok(compiled) => wasmscope::wasi::unknown_imports(&compiled)
            .into_iter()
            .map(|s| format!("func   {s}"))
            .collect(),
        Err(_) => Vec::new(),
    };
    if !stubbed.is_empty() {
        let _ = writeln!(
            out,
            "\nimports no module provides ({}; `run` needs --unknown-imports=trap or =default, \
             which stubs them):",
            stubbed.len()
        );
        for s in &stubbed {
            let _ = writeln!(out, "  {s}");
        }
    }
    let _ = writeln!(out, "\nexports ({}):", exports.len());
    for e in &exports {
        let _ = writeln!(out, "  {e}");
    }
    let _ = writeln!(out, "\nfunctions: {imported_funcs} imported, {defined_funcs} defined, {func_names} named in the name section");
    let _ = writeln!(out, "\ncustom sections ({}):", customs.len());
    for (name, size) in &customs {
        let _ = writeln!(out, "  {name:<28} {size:>10} bytes");
    }
    if !producers.is_empty() {
        let _ = writeln!(out, "\nproducers:");
        for p in &producers {
            let _ = writeln!(out, "  {p}");
        }
    }
    match wasmscope::dwarf::summarize(wasm) {
        Ok(None) => {
            let _ = writeln!(out, "\nDWARF: none");
        }
        Ok(Some(d)) => {
            let mut langs = std::collections::BTreeMap::<String, usize>::new();
            for u in &d.compile_units {
                *langs
                    .entry(u.language.clone().unwrap_or_else(|| "unknown".into()))
                    .or_default() += 1;
            }
            let langs: Vec<String> = langs
                .iter()
                .map(|(l, n)| format!("{} {n}", l.trim_start_matches("DW_LANG_")))
                .collect();
            let versions: std::collections::BTreeSet<u16> =
                d.compile_units.iter().map(|u| u.version).collect();
            let _ = writeln!(
                out,
                "\nDWARF: {} compile units ({}), DWARF version {}, {} source files, line info for {:.1}% of {} code bytes",
                d.compile_units.len(),
                langs.join(", "),
                versions.iter().map(|v| v.to_string()).collect::<Vec<_>>().join("/"),
                d.files,
                d.line_coverage() * 100.0,
                d.code_bytes
            );
            for u in d
                .compile_units
                .iter()
                .filter(|u| u.language.as_deref() != Some("DW_LANG_C11"))
                .take(8)
            {
                let _ = writeln!(out, "  {}", u.name.as_deref().unwrap_or("?"));
            }
        }
        Err(e) => {
            let _ = writeln!(out, "\nDWARF: unreadable ({e})");
        }
    }
    Ok(out)
}
