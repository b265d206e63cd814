//! The model of the workbench: the loaded module (bytes, name, sections, text with code
//! offsets, printed per function when shown: [`crate::text`]) and the breakpoints the
//! user set. Loading never panics: bad input becomes an error message.

use std::collections::{BTreeSet, HashMap};

/// One section of the module (id, name, payload offset and size), as core's
/// [`wasmscope::inspect`] reads it.
pub use wasmscope::inspect::Section as SectionInfo;

pub use crate::text::TextLine;

/// A module that parsed: everything the views show about it.
#[derive(Debug)]
pub struct LoadedModule {
    /// Unique per parse (a reload of the same file gets a new one): what tells the views
    /// that the module changed, so that their state of the last one is dropped.
    pub id: u64,
    /// A display name (file or sample name).
    pub name: String,
    /// The binary module (`.wat` input is already converted).
    pub bytes: Vec<u8>,
    /// The sections in file order.
    pub sections: Vec<SectionInfo>,
    /// The text format, printed per function when needed (the methods below give its
    /// lines).
    pub text: crate::text::ModuleText,
    /// The exported function names.
    pub exports: Vec<String>,
    /// Each memory's label for the Memory view's choice (`memory 1 "output"`: its index
    /// and export names), in index order.
    pub memory_names: Vec<String>,
    /// Global names from the name section, by global index.
    pub global_names: HashMap<u32, String>,
    /// The module's DWARF, when it has some (and it reads).
    pub debug: Option<DebugInfo>,
    /// Why the DWARF could not be read, when it is broken.
    pub debug_error: Option<String>,
    /// The function imports no module provides besides WASI (`module.name (type)`): a
    /// run links them to stubs ([`crate::session::RunOptions::stubs`]).
    pub unknown_imports: Vec<String>,
}

/// A module's debug information: what the Source view needs.
#[derive(Debug)]
pub struct DebugInfo {
    /// Sections, compile units, files, line coverage.
    pub summary: wasmscope::dwarf::DwarfSummary,
    /// The module compiled once for DWARF lookups (offset → line, line → offsets).
    pub compiled: wasmscope::CompiledModule,
}

impl DebugInfo {
    /// The source locations of a code offset, innermost inlined first.
    pub fn locations(&self, code_offset: u64) -> Vec<wasmscope::dwarf::SourceLocation> {
        self.compiled.source_locations(code_offset)
    }

    /// The code offsets of the statements on `line` of `file` (matched as a path suffix).
    pub fn offsets_for_line(&self, file: &str, line: u32) -> Vec<u64> {
        self.compiled.code_offsets_for_line(file, line)
    }
}

/// What the user selected last: every view shows it (the views are linked). Clicking a
/// function in the Module view, a line in the Code view, a frame in the Stack or Traps
/// view sets it; the Code and Source views scroll to it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    /// A function, by index in the module's function index space (imports first).
    pub function: Option<u32>,
    /// An instruction, by code-section offset.
    pub code_offset: Option<u64>,
    /// A linear-memory address (memory 0).
    pub address: Option<u64>,
}

/// A breakpoint as the views name it: its place, a source line (Source view) or an
/// instruction (`Offset`, Code view). The breakpoints themselves (conditions, log
/// messages, hits) are in [`AppState::breakpoints`].
pub use wasmscope_listeners::breakpoints::BreakpointLocation as Breakpoint;
pub use wasmscope_listeners::breakpoints::Breakpoints;

/// The application model; see the [module docs](self).
#[derive(Debug, Default)]
pub struct AppState {
    /// The current selection, shared by all views.
    pub selection: Selection,
    /// The module on display, if any.
    pub module: Option<LoadedModule>,
    /// The last load error, shown in the Open view.
    pub load_error: Option<String>,
    /// The breakpoints of the loaded module: the debugging session's one set (a handle
    /// the session's stepper shares; the views change it, the next run or step sees
    /// it). A new module gets a new, empty set.
    pub breakpoints: Breakpoints,
}

impl AppState {
    /// Loads `bytes` (binary `.wasm`, or `.wat` text) named `name`. On failure the
    /// previous module stays and `load_error` says why.
    pub fn load(&mut self, name: &str, bytes: &[u8]) -> Result<(), String> {
        self.load_owned(name, bytes.to_vec())
    }

    /// [`Self::load`] with bytes the module keeps (no copy of a binary module).
    pub fn load_owned(&mut self, name: &str, bytes: Vec<u8>) -> Result<(), String> {
        match LoadedModule::parse_owned(name, bytes) {
            Ok(m) => {
                self.module = Some(m);
                self.load_error = None;
                self.breakpoints = Breakpoints::new();
                self.selection = Selection::default();
                Ok(())
            }
            Err(e) => {
                let msg = format!("cannot open {name}: {e}");
                self.load_error = Some(msg.clone());
                Err(msg)
            }
        }
    }

    /// Loads the file at `path` (native only: the web build has no file system).
    pub fn load_path(&mut self, path: &str) -> Result<(), String> {
        match std::fs::read(path) {
            Ok(bytes) => {
                let name = std::path::Path::new(path)
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| path.to_string());
                self.load_owned(&name, bytes)
            }
            Err(e) => {
                let msg = format!("cannot read {path}: {e}");
                self.load_error = Some(msg.clone());
                Err(msg)
            }
        }
    }

    /// Every enabled breakpoint's offset: the instruction ones and those of the line
    /// breakpoints.
    pub fn all_breakpoints(&self) -> BTreeSet<u64> {
        self.breakpoints.enabled_offsets()
    }

    /// Every breakpoint's place, enabled or not, once each: the line ones (by file and
    /// line), then the instruction ones (by offset).
    pub fn breakpoint_list(&self) -> Vec<Breakpoint> {
        let mut places: Vec<Breakpoint> = self
            .breakpoints
            .list()
            .into_iter()
            .map(|b| b.location)
            .collect();
        places.sort_by_key(|b| match b {
            Breakpoint::Line { file, line } => (0, file.clone(), u64::from(*line)),
            Breakpoint::Function(name) => (1, name.clone(), 0),
            Breakpoint::Offset(o) => (2, String::new(), *o),
        });
        places.dedup();
        places
    }

    /// The breakpoint at `bp` (the first, if several).
    pub fn breakpoint(
        &self,
        bp: &Breakpoint,
    ) -> Option<wasmscope_listeners::breakpoints::Breakpoint> {
        self.breakpoints.find(bp)
    }

    /// Whether a breakpoint is set at `bp`, enabled or not.
    pub fn has_breakpoint(&self, bp: &Breakpoint) -> bool {
        self.breakpoints.find(bp).is_some()
    }

    /// Whether breakpoint `bp` stops the call (it exists and is not disabled).
    pub fn is_enabled(&self, bp: &Breakpoint) -> bool {
        self.breakpoints.find(bp).is_some_and(|b| b.enabled)
    }

    /// Enables or disables breakpoint `bp` (kept either way).
    pub fn set_enabled(&mut self, bp: &Breakpoint, enabled: bool) {
        for b in self.breakpoints.list() {
            if &b.location == bp {
                let _ = self.breakpoints.set_enabled(b.id, enabled);
            }
        }
    }

    /// Removes breakpoint `bp`.
    pub fn remove_breakpoint(&mut self, bp: &Breakpoint) {
        for b in self.breakpoints.list() {
            if &b.location == bp {
                self.breakpoints.remove(b.id);
            }
        }
    }

    /// Sets a breakpoint on the instruction at `offset` (if there is none).
    pub fn add_code_breakpoint(&mut self, offset: u64) {
        let at = Breakpoint::Offset(offset);
        if !self.has_breakpoint(&at) {
            self.breakpoints.add(at, vec![offset]);
        }
    }

    /// The code offsets of the statements on `line` of `file` (none without DWARF).
    pub fn offsets_for_line(&self, file: &str, line: u32) -> Vec<u64> {
        self.module
            .as_ref()
            .and_then(|m| m.debug.as_ref())
            .map(|d| d.offsets_for_line(file, line))
            .unwrap_or_default()
    }

    /// Toggles a breakpoint on `line` of `file`; returns whether it is now set.
    ///
    /// # Errors
    /// The line has no code (or the module has no DWARF): nothing is set.
    pub fn toggle_line_breakpoint(&mut self, file: &str, line: u32) -> Result<bool, String> {
        let at = Breakpoint::Line {
            file: file.to_string(),
            line,
        };
        if self.has_breakpoint(&at) {
            self.remove_breakpoint(&at);
            return Ok(false);
        }
        self.add_line_breakpoint(file, line).map(|_| true)
    }

    /// Sets a breakpoint on `line` of `file` (another one if there is one) and returns
    /// its number.
    ///
    /// # Errors
    /// The line has no code (or the module has no DWARF): nothing is set.
    pub fn add_line_breakpoint(&mut self, file: &str, line: u32) -> Result<u32, String> {
        if self
            .module
            .as_ref()
            .and_then(|m| m.debug.as_ref())
            .is_none()
        {
            return Err("the module has no debug information".into());
        }
        let offsets = self.offsets_for_line(file, line);
        if offsets.is_empty() {
            return Err(format!("no code on {file}:{line}"));
        }
        let at = Breakpoint::Line {
            file: file.to_string(),
            line,
        };
        Ok(self.breakpoints.add(at, offsets))
    }

    /// Adds the breakpoint at `offset` if absent, removes it if present; returns whether
    /// it is now set (as an instruction breakpoint).
    pub fn toggle_breakpoint(&mut self, offset: u64) -> bool {
        let at = Breakpoint::Offset(offset);
        if self.has_breakpoint(&at) {
            self.remove_breakpoint(&at);
            false
        } else {
            self.add_code_breakpoint(offset);
            true
        }
    }
}

impl LoadedModule {
    /// Parses `bytes` (binary or `.wat` text, told apart by [`wasmscope::module_bytes`],
    /// as the command line does).
    ///
    /// # Errors
    /// Neither a binary module nor WAT text (one line with the first bytes in hex), the
    /// text does not parse (one line with its line and column), the binary is malformed
    /// or invalid, or it is a component.
    pub fn parse(name: &str, bytes: &[u8]) -> Result<LoadedModule, String> {
        Self::parse_owned(name, bytes.to_vec())
    }

    /// [`Self::parse`] of bytes the module keeps (a binary module is not copied).
    ///
    /// # Errors
    /// Those of [`Self::parse`].
    pub fn parse_owned(name: &str, bytes: Vec<u8>) -> Result<LoadedModule, String> {
        let bytes = match wasmscope::module_bytes(&bytes).map_err(|e| e.to_string())? {
            std::borrow::Cow::Borrowed(_) => bytes,
            std::borrow::Cow::Owned(converted) => converted,
        };
        // Every feature: a module the runtime cannot run still opens for inspection.
        wasmscope::inspect::validate(&bytes).map_err(|e| e.to_string())?;
        // Sections, exports and names: core's reading of the structure (no code compiled).
        let structure = wasmscope::inspect::structure(&bytes).map_err(|e| e.to_string())?;
        let exports = structure
            .exports
            .iter()
            .filter(|e| e.kind == wasmscope::inspect::ItemKind::Func)
            .map(|e| e.name.clone())
            .collect();
        let memory_count = (structure.imports.iter())
            .filter(|i| i.kind == wasmscope::inspect::ItemKind::Memory)
            .count()
            + structure.defined_memories as usize;
        let memory_names = (0..memory_count)
            .map(|i| {
                let names: Vec<String> = (structure.exports.iter())
                    .filter(|e| {
                        e.kind == wasmscope::inspect::ItemKind::Memory && e.index == i as u32
                    })
                    .map(|e| format!("{:?}", e.name))
                    .collect();
                match names.is_empty() {
                    true => format!("memory {i}"),
                    false => format!("memory {i} {}", names.join(" ")),
                }
            })
            .collect();
        let wasmscope::inspect::Structure {
            sections,
            global_names,
            ..
        } = structure;
        let text = crate::text::ModuleText::new(&bytes)?;
        // Compiled once: for the imports a run stubs and for DWARF lookups. A module the
        // runtime cannot compile still opens (starting it says why).
        // (The interpreter's configuration: nothing here runs code, and it prepares none.)
        let compiled = wasmscope::Runtime::with_config(
            wasmscope::RuntimeConfig::interpreter()
                .with_core_features(wasmscope::CoreFeatures::SUPPORTED),
        )
        .compile_module(&bytes);
        let unknown_imports = compiled
            .as_ref()
            .map(wasmscope::wasi::unknown_imports)
            .unwrap_or_default();
        let (debug, debug_error) = match wasmscope::dwarf::summarize(&bytes) {
            Ok(None) => (None, None),
            Ok(Some(summary)) => match compiled {
                Ok(compiled) => (Some(DebugInfo { summary, compiled }), None),
                Err(e) => (None, Some(e.to_string())),
            },
            Err(e) => (None, Some(format!("broken DWARF, ignored: {e}"))),
        };
        static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        Ok(LoadedModule {
            id: NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            name: name.to_string(),
            bytes,
            sections,
            text,
            exports,
            memory_names,
            global_names,
            debug,
            debug_error,
            unknown_imports,
        })
    }
}

impl LoadedModule {
    /// How many lines the module's text has.
    pub fn line_count(&self) -> usize {
        self.text.len()
    }

    /// Line `i` of the text as shown (`None` past the end); see
    /// [`crate::text::ModuleText::line`].
    pub fn line(&self, i: usize) -> Option<TextLine> {
        self.text.line(&self.bytes, i)
    }

    /// Line `i` exactly as a full `wasmprinter` print has it.
    pub fn full_line(&self, i: usize) -> Option<String> {
        self.text.full_line(&self.bytes, i)
    }

    /// Prints the functions of lines `rows` that are not at hand, in one go.
    pub fn prepare_lines(&self, rows: std::ops::Range<usize>) {
        self.text.prepare(&self.bytes, rows)
    }

    /// The line that starts at code-section offset `code_offset`, if one does.
    pub fn line_of_offset(&self, code_offset: u64) -> Option<usize> {
        self.text.line_of_offset(&self.bytes, code_offset)
    }

    /// The line of the first instruction at or after code-section offset `code_offset`.
    pub fn line_at_or_after(&self, code_offset: u64) -> Option<usize> {
        self.text.line_at_or_after(&self.bytes, code_offset)
    }

    /// The code offsets of every line that has one, in order.
    pub fn code_offsets(&self) -> Vec<u64> {
        self.text.code_offsets(&self.bytes)
    }

    /// The first line whose text contains `needle` (case ignored), searching all of it.
    pub fn find_line(&self, needle: &str) -> Option<usize> {
        let needle = needle.to_lowercase();
        let mut found = Vec::new();
        let mut at = 0;
        while at < self.line_count() && found.is_empty() {
            at = self.text.search(
                &self.bytes,
                &needle,
                at,
                web_time::Instant::now(),
                &mut found,
            );
        }
        found.first().copied()
    }
}
