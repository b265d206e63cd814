//! `wasmscope inspect`: what a module contains, section by section. What it prints is
//! read by core ([`wasmscope::inspect::structure`], [`wasmscope::dwarf::summarize`]);
//! this file only lays it out.

use std::fmt::Write as _;

use wasmscope::inspect::ItemKind;

/// The report for module `wasm` (named `path` in it).
pub fn report(path: &str, wasm: &[u8]) -> Result<String, String> {
    let mut out = String::new();
    // `invalid module: ... (at offset 0x...)`, on one line, as `run` says it.
    let structure = wasmscope::inspect::structure(wasm).map_err(|e| format!("{path}: {e}"))?;
    let module_name = &structure.module_name;
    let sections = &structure.sections;
    // `kind   module.name type`, the kind padded to 6 (a tag has no type).
    let imports: Vec<String> = structure
        .imports
        .iter()
        .map(|i| match i.kind {
            ItemKind::Tag => format!("{:<6} {}.{}", i.kind.name(), i.module, i.name),
            _ => format!("{:<6} {}.{} {}", i.kind.name(), i.module, i.name, i.ty),
        })
        .collect();
    let exports: Vec<String> = structure
        .exports
        .iter()
        .map(|e| match e.kind {
            ItemKind::Func => format!("{:<6} {} {}", e.kind.name(), e.name, e.ty),
            _ => format!("{:<6} {}", e.kind.name(), e.name),
        })
        .collect();
    let (imported_funcs, defined_funcs) =
        (structure.imported_functions, structure.defined_functions);
    let func_names = structure.function_names.len();
    let customs: Vec<(&str, usize)> = sections
        .iter()
        .filter_map(|s| s.custom.as_ref())
        .map(|c| (c.name.as_str(), c.size))
        .collect();
    let producers: Vec<String> = structure
        .producers
        .iter()
        .map(|p| format!("{}: {}", p.field, p.values.join(", ")))
        .collect();

    let _ = writeln!(out, "module {path} ({} bytes)", wasm.len());
    if let Some(n) = module_name {
        let _ = writeln!(out, "name   {n}");
    }
    let _ = writeln!(
        out,
        "\nsections:\n  {:>3}  {:<28} {:>10} {:>10}",
        "id", "name", "offset", "size"
    );
    for s in sections {
        // A custom section's row is its data (after its name), as before.
        let (offset, size) = s
            .custom
            .as_ref()
            .map_or((s.offset, s.size), |c| (c.offset, c.size));
        let _ = writeln!(
            out,
            "  {:>3}  {:<28} {:>#10x} {:>10}",
            s.id, s.name, offset, size
        );
    }
    let _ = writeln!(out, "\nimports ({}):", imports.len());
    for i in &imports {
        let _ = writeln!(out, "  {i}");
    }
    // Empty when the module does not compile (`run` says why).
    let rt = wasmscope::Runtime::with_config(
        wasmscope::RuntimeConfig::interpreter()
            .with_core_features(wasmscope::CoreFeatures::SUPPORTED),
    );
    let stubbed: Vec<String> = match rt.compile_module(wasm) {
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
    for (name, size) in customs {
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
