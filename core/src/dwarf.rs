//! DWARF debug information in a Wasm module's custom sections (`.debug_info`,
//! `.debug_line`, ...), read with `gimli`.
//!
//! Addresses in Wasm DWARF are byte offsets into the Code section's payload. This module
//! summarises what a module carries; the source-line index for traces and breakpoints
//! builds on the same loading code.

use std::collections::{BTreeSet, HashMap};

use gimli::{EndianSlice, LittleEndian, SectionId};

use crate::error::{Error, Result};
pub use crate::source::SourceLocation;

type Reader<'a> = EndianSlice<'a, LittleEndian>;

/// One compile unit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompileUnitSummary {
    /// `DW_AT_name`: usually the main source file.
    pub name: Option<String>,
    /// `DW_AT_comp_dir`, if given.
    pub comp_dir: Option<String>,
    /// `DW_AT_producer`: the compiler.
    pub producer: Option<String>,
    /// `DW_AT_language`, e.g. `DW_LANG_Rust`.
    pub language: Option<String>,
    /// DWARF version of the unit (4 or 5 in practice).
    pub version: u16,
}

/// What a module's DWARF describes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DwarfSummary {
    /// The `.debug_*` custom sections and their sizes in bytes.
    pub sections: Vec<(String, usize)>,
    /// Compile units, in order.
    pub compile_units: Vec<CompileUnitSummary>,
    /// Distinct source files named by the line programs.
    pub files: usize,
    /// Their paths (directory joined to the name, as traces show them), sorted.
    pub source_files: Vec<String>,
    /// Bytes of the Code section covered by line-table rows (tombstoned ranges excluded).
    pub covered_code_bytes: u64,
    /// Size of the Code section's payload.
    pub code_bytes: u64,
}

impl DwarfSummary {
    /// The share of code bytes that have line information, from 0 to 1.
    pub fn line_coverage(&self) -> f64 {
        if self.code_bytes == 0 {
            0.0
        } else {
            self.covered_code_bytes as f64 / self.code_bytes as f64
        }
    }
}

/// The custom sections of `wasm` by name.
pub(crate) fn custom_sections(wasm: &[u8]) -> Result<HashMap<String, &[u8]>> {
    Ok(sections(wasm)?.0)
}

/// The custom sections of `wasm` by name, and the Code section's payload size.
fn sections(wasm: &[u8]) -> Result<(HashMap<String, &[u8]>, u64)> {
    let mut out = HashMap::new();
    let mut code_bytes = 0;
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        match payload? {
            wasmparser::Payload::CustomSection(c) => {
                out.insert(c.name().to_string(), c.data());
            }
            wasmparser::Payload::CodeSectionStart { size, .. } => code_bytes = size as u64,
            _ => {}
        }
    }
    Ok((out, code_bytes))
}

fn gimli_error(e: gimli::Error) -> Error {
    Error::new(format!("malformed DWARF: {e}"))
}

/// Summarises the DWARF of module `wasm`; `None` when it has no `.debug_info`.
///
/// # Errors
/// The module bytes cannot be parsed, or its DWARF is malformed.
pub fn summarize(wasm: &[u8]) -> Result<Option<DwarfSummary>> {
    let (custom, code_bytes) = sections(wasm)?;
    if !custom.contains_key(".debug_info") {
        return Ok(None);
    }
    let mut debug_sections: Vec<(String, usize)> = custom
        .iter()
        .filter(|(n, _)| n.starts_with(".debug_"))
        .map(|(n, d)| (n.clone(), d.len()))
        .collect();
    debug_sections.sort();
    let load = |id: SectionId| -> std::result::Result<Reader<'_>, gimli::Error> {
        let data = custom.get(id.name()).copied().unwrap_or(&[]);
        Ok(EndianSlice::new(data, LittleEndian))
    };
    let dwarf = gimli::Dwarf::load(load).map_err(gimli_error)?;
    let string = |unit: &gimli::Unit<Reader<'_>>, v: gimli::AttributeValue<Reader<'_>>| {
        dwarf
            .attr_string(unit, v)
            .ok()
            .map(|s| String::from_utf8_lossy(s.slice()).into_owned())
    };
    let mut units = Vec::new();
    let mut files = BTreeSet::new();
    let mut ranges: Vec<(u64, u64)> = Vec::new();
    let mut headers = dwarf.units();
    while let Some(header) = headers.next().map_err(gimli_error)? {
        let unit = dwarf.unit(header).map_err(gimli_error)?;
        let mut summary = CompileUnitSummary {
            name: None,
            comp_dir: None,
            producer: None,
            language: None,
            version: unit.header.version(),
        };
        let mut entries = unit.entries();
        if let Some(root) = entries.next_dfs().map_err(gimli_error)? {
            let attr = |at| root.attr_value(at);
            summary.name = attr(gimli::DW_AT_name).and_then(|v| string(&unit, v));
            summary.comp_dir = attr(gimli::DW_AT_comp_dir).and_then(|v| string(&unit, v));
            summary.producer = attr(gimli::DW_AT_producer).and_then(|v| string(&unit, v));
            if let Some(gimli::AttributeValue::Language(lang)) = attr(gimli::DW_AT_language) {
                summary.language = lang.static_string().map(str::to_string);
            }
        }
        if let Some(program) = unit.line_program.clone() {
            let mut rows = program.rows();
            let mut prev: Option<u64> = None;
            while let Some((header, row)) = rows.next_row().map_err(gimli_error)? {
                if let Some(file) = row.file(header) {
                    let dir = file
                        .directory(header)
                        .and_then(|d| string(&unit, d))
                        .unwrap_or_default();
                    let name = string(&unit, file.path_name()).unwrap_or_default();
                    files.insert(clean_path(&if name.starts_with('/') || dir.is_empty() {
                        name
                    } else {
                        format!("{dir}/{name}")
                    }));
                }
                let addr = row.address();
                if let Some(start) = prev {
                    // Tombstoned (dead-code) sequences start at 0 or at the top of the space.
                    if addr > start && start != 0 && start < code_bytes {
                        ranges.push((start, addr.min(code_bytes)));
                    }
                }
                prev = if row.end_sequence() { None } else { Some(addr) };
            }
        }
        units.push(summary);
    }
    ranges.sort();
    let mut covered = 0;
    let mut end = 0;
    for (s, e) in ranges {
        let s = s.max(end);
        if e > s {
            covered += e - s;
            end = e;
        }
    }
    Ok(Some(DwarfSummary {
        sections: debug_sections,
        compile_units: units,
        files: files.len(),
        source_files: files.into_iter().collect(),
        covered_code_bytes: covered,
        code_bytes,
    }))
}

type ArcReader = gimli::EndianArcSlice<LittleEndian>;

/// A file path as addr2line joins it; a URL-like file name (`wasisdk://...`, as wasi-sdk
/// records its sources) joined under its compile directory is cut back to the URL.
fn clean_path(path: &str) -> String {
    match path.rfind("://") {
        Some(i) if i > 0 => {
            let start = path[..i].rfind('/').map_or(0, |s| s + 1);
            path[start..].to_string()
        }
        _ => path.to_string(),
    }
}

/// Maps code-section offsets to source locations, with inlined frames; built once per
/// compiled module, when first needed.
pub(crate) struct DwarfIndex {
    // addr2line's context caches lazily inside: a mutex makes it shareable.
    context: std::sync::Mutex<addr2line::Context<ArcReader>>,
    /// The same sections, for walking line tables (line -> offsets).
    dwarf: gimli::Dwarf<ArcReader>,
    code_bytes: u64,
    /// Every offset where a statement begins (`is_stmt` rows), built on first use.
    statements: std::sync::OnceLock<std::collections::BTreeSet<u64>>,
    /// The code offsets of line-table rows with `prologue_end`, built on first use.
    prologue_ends: std::sync::OnceLock<std::collections::BTreeSet<u64>>,
    /// Where the subprograms of each DWARF name begin, built on first use.
    subprograms: std::sync::OnceLock<std::collections::HashMap<Vec<u8>, Vec<u64>>>,
}

impl std::fmt::Debug for DwarfIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DwarfIndex")
    }
}

impl DwarfIndex {
    /// The index of module `wasm`'s DWARF; `None` without `.debug_info` or when the DWARF
    /// cannot be read (traces then simply lack source lines).
    pub(crate) fn load(wasm: &[u8]) -> Option<DwarfIndex> {
        let (custom, code_bytes) = sections(wasm).ok()?;
        if !custom.contains_key(".debug_info") {
            return None;
        }
        let shared: HashMap<&str, std::sync::Arc<[u8]>> = custom
            .iter()
            .filter(|(n, _)| n.starts_with(".debug_"))
            .map(|(n, d)| (n.as_str(), std::sync::Arc::from(*d)))
            .collect();
        let load = |id: SectionId| -> std::result::Result<ArcReader, gimli::Error> {
            let data = shared
                .get(id.name())
                .cloned()
                .unwrap_or_else(|| std::sync::Arc::from(&[][..]));
            Ok(gimli::EndianArcSlice::new(data, LittleEndian))
        };
        let context = addr2line::Context::from_dwarf(gimli::Dwarf::load(load).ok()?).ok()?;
        Some(DwarfIndex {
            context: std::sync::Mutex::new(context),
            dwarf: gimli::Dwarf::load(load).ok()?,
            code_bytes,
            statements: std::sync::OnceLock::new(),
            prologue_ends: std::sync::OnceLock::new(),
            subprograms: std::sync::OnceLock::new(),
        })
    }

    /// The first code offset in `range` where the line table says a function's prologue
    /// ends (`prologue_end`): where debuggers stop for a breakpoint on the function.
    pub(crate) fn prologue_end_in(&self, range: std::ops::Range<u64>) -> Option<u64> {
        self.prologue_ends
            .get_or_init(|| self.rows_where(gimli::LineRow::prologue_end))
            .range(range)
            .next()
            .copied()
    }

    /// The code offsets of the line tables' rows (other than a sequence's end) that
    /// `keep` accepts, within the code section.
    fn rows_where(
        &self,
        keep: impl Fn(&gimli::LineRow) -> bool,
    ) -> std::collections::BTreeSet<u64> {
        let mut out = std::collections::BTreeSet::new();
        self.each_line_program(|_, program| {
            let mut rows = program.rows();
            while let Ok(Some((_, row))) = rows.next_row() {
                let addr = row.address();
                if !row.end_sequence() && keep(row) && addr != 0 && addr < self.code_bytes {
                    out.insert(addr);
                }
            }
        });
        out
    }

    /// Whether a statement of the source begins at code offset `offset` (a line-table
    /// row with `is_stmt`): where a step by source line may stop.
    pub(crate) fn is_statement(&self, offset: u64) -> bool {
        self.statements
            .get_or_init(|| self.rows_where(gimli::LineRow::is_stmt))
            .contains(&offset)
    }

    /// The code offsets where a function named `name` (its last path segment is the
    /// DWARF name) was inlined: each inlined copy's entry (`DW_AT_entry_pc`, else its
    /// lowest address).
    pub(crate) fn inlined_sites(&self, name: &str) -> Vec<u64> {
        let short = name.rsplit("::").next().unwrap_or(name);
        let dwarf = &self.dwarf;
        let mut out = std::collections::BTreeSet::new();
        let mut units = dwarf.units();
        while let Ok(Some(header)) = units.next() {
            let Ok(unit) = dwarf.unit(header) else {
                continue;
            };
            // The subprograms named so (abstract origins of the inlined copies).
            let mut named = std::collections::HashSet::new();
            let mut entries = unit.entries();
            while let Ok(Some(e)) = entries.next_dfs() {
                if e.tag() != gimli::DW_TAG_subprogram {
                    continue;
                }
                let Some(v) = e.attr_value(gimli::DW_AT_name) else {
                    continue;
                };
                let Ok(n) = dwarf.attr_string(&unit, v) else {
                    continue;
                };
                if gimli::Reader::to_slice(&n).is_ok_and(|b| b.as_ref() == short.as_bytes()) {
                    named.insert(e.offset());
                }
            }
            if named.is_empty() {
                continue;
            }
            let mut entries = unit.entries();
            while let Ok(Some(e)) = entries.next_dfs() {
                if e.tag() != gimli::DW_TAG_inlined_subroutine {
                    continue;
                }
                let Some(gimli::AttributeValue::UnitRef(origin)) =
                    e.attr_value(gimli::DW_AT_abstract_origin)
                else {
                    continue;
                };
                if !named.contains(&origin) {
                    continue;
                }
                let entry_pc = match e.attr_value(gimli::DW_AT_entry_pc) {
                    Some(gimli::AttributeValue::Addr(a)) => Some(a),
                    _ => None,
                };
                let low = entry_pc.or_else(|| {
                    let mut ranges = dwarf.die_ranges(&unit, e).ok()?;
                    let mut low = None::<u64>;
                    while let Ok(Some(r)) = ranges.next() {
                        low = Some(low.map_or(r.begin, |l| l.min(r.begin)));
                    }
                    low
                });
                if let Some(a) = low.filter(|a| *a != 0 && *a < self.code_bytes) {
                    out.insert(a);
                }
            }
        }
        out.into_iter().collect()
    }

    /// The code offsets where the functions whose DWARF name is `name` begin
    /// (`DW_TAG_subprogram`s with that `DW_AT_name` and code of their own: C's `main`,
    /// which the name section calls `__original_main`, say).
    pub(crate) fn subprogram_entries(&self, name: &str) -> Vec<u64> {
        self.subprograms
            .get_or_init(|| {
                // Every named subprogram with code, read once: a debugger resolves its
                // function breakpoints again at each run.
                let dwarf = &self.dwarf;
                let mut out: std::collections::HashMap<Vec<u8>, Vec<u64>> =
                    std::collections::HashMap::new();
                let mut units = dwarf.units();
                while let Ok(Some(header)) = units.next() {
                    let Ok(unit) = dwarf.unit(header) else {
                        continue;
                    };
                    let mut entries = unit.entries();
                    while let Ok(Some(e)) = entries.next_dfs() {
                        if e.tag() != gimli::DW_TAG_subprogram {
                            continue;
                        }
                        let low = e
                            .attr_value(gimli::DW_AT_low_pc)
                            .and_then(|v| dwarf.attr_address(&unit, v).ok().flatten())
                            .filter(|a| *a != 0 && *a < self.code_bytes);
                        let name = e
                            .attr_value(gimli::DW_AT_name)
                            .and_then(|v| dwarf.attr_string(&unit, v).ok())
                            .and_then(|n| gimli::Reader::to_slice(&n).ok().map(|b| b.to_vec()));
                        if let (Some(low), Some(name)) = (low, name) {
                            out.entry(name).or_default().push(low);
                        }
                    }
                }
                for entries in out.values_mut() {
                    entries.sort_unstable();
                    entries.dedup();
                }
                out
            })
            .get(name.as_bytes())
            .cloned()
            .unwrap_or_default()
    }

    /// The paths of the source files of the line tables (directory and name joined as
    /// [`DwarfIndex::offsets_for_line`] matches them), sorted, without duplicates.
    pub(crate) fn source_files(&self) -> Vec<String> {
        let mut out = std::collections::BTreeSet::new();
        self.each_line_program(|unit, program| {
            let header = program.header();
            for entry in header.file_names() {
                out.insert(self.file_path(unit, header, entry));
            }
        });
        out.into_iter().collect()
    }

    /// Calls `f` with each compilation unit that has a line table, and the table.
    fn each_line_program(
        &self,
        mut f: impl FnMut(&gimli::Unit<ArcReader>, gimli::IncompleteLineProgram<ArcReader>),
    ) {
        let mut units = self.dwarf.units();
        while let Ok(Some(header)) = units.next() {
            let Ok(unit) = self.dwarf.unit(header) else {
                continue;
            };
            if let Some(program) = unit.line_program.clone() {
                f(&unit, program);
            }
        }
    }

    /// A line table file entry's path: its directory and name joined (the name alone
    /// when absolute or without a directory).
    fn file_path(
        &self,
        unit: &gimli::Unit<ArcReader>,
        header: &gimli::LineProgramHeader<ArcReader>,
        entry: &gimli::FileEntry<ArcReader>,
    ) -> String {
        let text = |v| {
            self.dwarf
                .attr_string(unit, v)
                .map(|s| {
                    String::from_utf8_lossy(
                        gimli::Reader::to_slice(&s).unwrap_or_default().as_ref(),
                    )
                    .into_owned()
                })
                .unwrap_or_default()
        };
        let name = text(entry.path_name());
        let dir = entry.directory(header).map(text).unwrap_or_default();
        if name.starts_with('/') || dir.is_empty() {
            name
        } else {
            format!("{dir}/{name}")
        }
    }

    /// Code offsets where line `line` of a file whose path ends with `file` begins a
    /// statement (where a breakpoint on that line stops), in increasing order.
    pub(crate) fn offsets_for_line(&self, file: &str, line: u32) -> Vec<u64> {
        let mut out = std::collections::BTreeSet::new();
        self.each_line_program(|unit, program| {
            let mut rows = program.rows();
            while let Ok(Some((header, row))) = rows.next_row() {
                if row.end_sequence()
                    || !row.is_stmt()
                    || row.line().map(|l| l.get()) != Some(line as u64)
                {
                    continue;
                }
                let Some(entry) = row.file(header) else {
                    continue;
                };
                let path = self.file_path(unit, header, entry);
                let addr = row.address();
                if path.ends_with(file) && addr != 0 && addr < self.code_bytes {
                    out.insert(addr);
                }
            }
        });
        out.into_iter().collect()
    }

    /// The source locations of code offset `offset`, innermost (inlined) first; empty when
    /// the offset has no line information.
    pub(crate) fn locations(&self, offset: u64) -> Vec<SourceLocation> {
        let context = self.context.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = Vec::new();
        let Ok(mut frames) = context.find_frames(offset).skip_all_loads() else {
            return out;
        };
        while let Ok(Some(frame)) = frames.next() {
            let function = frame
                .function
                .as_ref()
                .and_then(|f| f.demangle().ok().map(|s| s.into_owned()));
            if let Some(loc) = frame.location {
                out.push(SourceLocation {
                    file: clean_path(loc.file.unwrap_or("?")),
                    line: loc.line.unwrap_or(0),
                    column: loc.column.unwrap_or(0),
                    function,
                });
            }
        }
        out
    }
}

/// The source locations (innermost inlined frame first) of code-section offset `offset`
/// in module `wasm`, read from its DWARF; empty without line information.
///
/// This builds the index every time; the runtime keeps one per compiled module (see
/// [`crate::CompiledModule::source_locations`]).
pub fn locate(wasm: &[u8], offset: u64) -> Vec<SourceLocation> {
    DwarfIndex::load(wasm).map_or_else(Vec::new, |i| i.locations(offset))
}

#[cfg(test)]
mod tests {
    #[test]
    fn url_like_files_are_not_joined_under_their_directory() {
        assert_eq!(
            super::clean_path("wasisdk://v30/build/x/wasisdk://v30/src/crt1.c"),
            "wasisdk://v30/src/crt1.c"
        );
        assert_eq!(
            super::clean_path("/samples/a/src/main.rs"),
            "/samples/a/src/main.rs"
        );
    }

    #[test]
    fn a_module_without_dwarf_has_no_summary() {
        let wasm = wat::parse_str("(module (func))").unwrap();
        assert_eq!(super::summarize(&wasm).unwrap(), None);
    }
}
