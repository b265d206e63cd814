//! [`CompiledModule`]: a decoded, validated module (or a host module) and what can be read
//! of it without instantiating it: its imports, exports, memories, DWARF lookups, custom
//! sections. Below the runtime that makes and instantiates it.

use std::sync::Arc;

use crate::config::RuntimeConfig;
use crate::interp::code::WasmCode;
use crate::module::{definition, ExportKind, ImportKind};
use crate::store::{host_definition, HostModuleDef};
use crate::types::{FunctionDefinition, MemoryType};

/// A decoded, validated and compiled module, ready to instantiate (many times, under
/// different names or anonymously); or a compiled host module.
///
/// Cheap to clone. It stays usable after its runtime closes only for introspection.
#[derive(Clone)]
pub struct CompiledModule {
    pub(crate) kind: CompiledKind,
    /// Whether `custom_sections()` shows every custom section (else only `name`).
    pub(crate) keep_custom_sections: bool,
    /// The listener of each function (module index space), when the runtime has a
    /// listener factory.
    pub(crate) listeners: Option<Listeners>,
}

/// Listeners by function index.
pub(crate) type Listeners = Arc<[Option<crate::listener::Listener>]>;

#[derive(Clone)]
pub(crate) enum CompiledKind {
    Wasm(Arc<WasmCode>),
    Host(Arc<HostModuleDef>),
}

impl std::fmt::Debug for CompiledModule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompiledModule")
            .field("name", &self.name())
            .finish_non_exhaustive()
    }
}

/// Describes a memory of a module: where it comes from and its limits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemoryDefinition {
    /// Index in the module's memory index space (imports first).
    pub index: u32,
    /// `(module, name)` if imported.
    pub import: Option<(String, String)>,
    /// Names it is exported under.
    pub export_names: Vec<String>,
    /// Limits in 64 KiB pages.
    pub ty: MemoryType,
}

impl CompiledModule {
    pub(crate) fn host(def: HostModuleDef, config: &RuntimeConfig) -> Self {
        let listeners = config.listener_factory.as_ref().map(|f| {
            def.funcs
                .iter()
                .enumerate()
                .map(|(i, (export, func))| {
                    f.0.new_listener(&host_definition(&def.name, i as u32, export, func))
                        .and_then(crate::listener::Listener::new)
                })
                .collect()
        });
        CompiledModule {
            kind: CompiledKind::Host(Arc::new(def)),
            keep_custom_sections: false,
            listeners,
        }
    }

    /// Definitions of every function (module index space) as instance `name` has them.
    pub(crate) fn definitions(&self, name: &str) -> Vec<Arc<FunctionDefinition>> {
        match &self.kind {
            CompiledKind::Wasm(info) => (0..info.func_types.len() as u32)
                .map(|i| Arc::new(definition(info, name, i)))
                .collect(),
            CompiledKind::Host(def) => def
                .funcs
                .iter()
                .enumerate()
                .map(|(i, (export, f))| Arc::new(host_definition(name, i as u32, export, f)))
                .collect(),
        }
    }

    /// The module name: from the name section for Wasm modules (if any), the builder's
    /// name for host modules.
    pub fn name(&self) -> Option<&str> {
        match &self.kind {
            CompiledKind::Wasm(info) => info.name.as_deref(),
            CompiledKind::Host(def) => Some(&def.name),
        }
    }

    /// Every import, in import order: its module, its name, and what it is (a host
    /// module has none).
    ///
    /// ```
    /// use wasmscope::inspect::ItemKind;
    /// let wasm = wat::parse_str(
    ///     r#"(module (import "env" "f" (func)) (import "env" "mem" (memory 1)))"#,
    /// ).unwrap();
    /// let compiled = wasmscope::Runtime::new().compile_module(&wasm).unwrap();
    /// assert_eq!(
    ///     compiled.imports(),
    ///     [("env", "f", ItemKind::Func), ("env", "mem", ItemKind::Memory)]
    /// );
    /// ```
    pub fn imports(&self) -> Vec<(&str, &str, crate::inspect::ItemKind)> {
        use crate::inspect::ItemKind;
        use crate::module::ImportKind;
        let CompiledKind::Wasm(info) = &self.kind else {
            return Vec::new();
        };
        info.imports
            .iter()
            .map(|i| {
                let kind = match i.kind {
                    ImportKind::Func(_) => ItemKind::Func,
                    ImportKind::Table(_) => ItemKind::Table,
                    ImportKind::Memory(_) => ItemKind::Memory,
                    ImportKind::Global(_) => ItemKind::Global,
                    ImportKind::Tag(_) => ItemKind::Tag,
                };
                (&*i.module, &*i.name, kind)
            })
            .collect()
    }

    /// The name the name section gives local `local` of function `index` (module index
    /// space; parameters are the first locals): what the text format calls `$name`.
    ///
    /// ```
    /// let wasm = wat::parse_str("(module (func (param $n i32) (local $total i32) (local i64)))").unwrap();
    /// let compiled = wasmscope::Runtime::new().compile_module(&wasm).unwrap();
    /// assert_eq!(compiled.local_name(0, 0), Some("n"));
    /// assert_eq!(compiled.local_name(0, 1), Some("total"));
    /// assert_eq!(compiled.local_name(0, 2), None);
    /// ```
    pub fn local_name(&self, index: u32, local: u32) -> Option<&str> {
        let CompiledKind::Wasm(info) = &self.kind else {
            return None;
        };
        info.local_names.get(&index)?.get(&local).map(|n| &**n)
    }

    /// Definitions of the imported functions, in import order.
    pub fn imported_functions(&self) -> Vec<FunctionDefinition> {
        match &self.kind {
            CompiledKind::Wasm(info) => (0..info.num_imported_funcs)
                .map(|i| definition(info, self.name().unwrap_or(""), i))
                .collect(),
            CompiledKind::Host(_) => Vec::new(),
        }
    }

    /// Definitions of the exported functions, in export order.
    pub fn exported_functions(&self) -> Vec<FunctionDefinition> {
        match &self.kind {
            CompiledKind::Wasm(info) => info
                .exports
                .iter()
                .filter(|e| e.kind == ExportKind::Func)
                .map(|e| definition(info, self.name().unwrap_or(""), e.index))
                .collect(),
            CompiledKind::Host(def) => def
                .funcs
                .iter()
                .enumerate()
                .map(|(i, (export, f))| host_definition(&def.name, i as u32, export, f))
                .collect(),
        }
    }

    fn memories(&self) -> Vec<MemoryDefinition> {
        let CompiledKind::Wasm(info) = &self.kind else {
            return Vec::new();
        };
        let imports = info.imports.iter().filter_map(|i| match i.kind {
            ImportKind::Memory(_) => Some((i.module.to_string(), i.name.to_string())),
            _ => None,
        });
        let mut imports = imports.map(Some).collect::<Vec<_>>();
        imports.resize(info.memories.len(), None);
        info.memories
            .iter()
            .zip(imports)
            .enumerate()
            .map(|(index, (ty, import))| MemoryDefinition {
                index: index as u32,
                import,
                export_names: info
                    .exports
                    .iter()
                    .filter(|e| e.kind == ExportKind::Memory && e.index == index as u32)
                    .map(|e| e.name.to_string())
                    .collect(),
                ty: *ty,
            })
            .collect()
    }

    /// Definitions of the imported memories.
    pub fn imported_memories(&self) -> Vec<MemoryDefinition> {
        self.memories()
            .into_iter()
            .filter(|m| m.import.is_some())
            .collect()
    }

    /// Definitions of the exported memories.
    pub fn exported_memories(&self) -> Vec<MemoryDefinition> {
        self.memories()
            .into_iter()
            .filter(|m| !m.export_names.is_empty())
            .collect()
    }

    /// The source locations of code-section offset `code_offset` from the module's DWARF,
    /// innermost inlined frame first; empty without line information. The index is built
    /// on first use and kept with the compiled module.
    pub fn source_locations(&self, code_offset: u64) -> Vec<crate::dwarf::SourceLocation> {
        match &self.kind {
            CompiledKind::Wasm(info) => info.source_locations(code_offset),
            CompiledKind::Host(_) => Vec::new(),
        }
    }

    /// Whether a source statement begins at code-section offset `code_offset` (an
    /// `is_stmt` row of the DWARF line table): where a line step or a line breakpoint
    /// stops.
    pub fn is_statement(&self, code_offset: u64) -> bool {
        match &self.kind {
            CompiledKind::Wasm(info) => info.is_statement(code_offset),
            CompiledKind::Host(_) => false,
        }
    }

    /// Whether the module has DWARF line information (source-level debugging).
    ///
    /// ```
    /// let compiled = wasmscope::Runtime::new()
    ///     .compile_module(&wat::parse_str("(module)").unwrap())
    ///     .unwrap();
    /// assert!(!compiled.has_line_info());
    /// ```
    pub fn has_line_info(&self) -> bool {
        match &self.kind {
            CompiledKind::Wasm(info) => info.has_line_info(),
            CompiledKind::Host(_) => false,
        }
    }

    /// The specification's abstract machine before the instruction at code-section
    /// offset `code_offset` of function `index` (module index space): the instruction
    /// and what it does, the control stack, the operand stack's types before and after
    /// it (see [`crate::machine`]). `None` for an import, a host module, or an offset
    /// where no instruction of that function begins.
    ///
    /// ```
    /// let wasm = wat::parse_str(
    ///     "(module (func (param i32) (result i32)
    ///        (block (result i32) (local.get 0) (i32.const 1) (i32.add))))",
    /// ).unwrap();
    /// let compiled = wasmscope::Runtime::new().compile_module(&wasm).unwrap();
    /// let entry = compiled.function_entry_offset(0).unwrap();
    /// // block (2 bytes), local.get 0 (2), i32.const 1 (2), then i32.add.
    /// let m = compiled.machine(0, entry + 6).unwrap();
    /// assert_eq!(m.instruction, "i32.add");
    /// assert_eq!(m.semantics, "pops c2, then c1 (both i32); pushes c1 + c2");
    /// assert_eq!((m.pops, m.pushes), (2, 1));
    /// assert_eq!(m.before.len(), 2);
    /// assert_eq!(m.after.as_ref().map(Vec::len), Some(1));
    /// assert_eq!(m.control.len(), 2);
    /// assert_eq!(m.control[1].block_type(), "[] -> [i32]");
    /// ```
    pub fn machine(&self, index: u32, code_offset: u64) -> Option<crate::machine::MachineState> {
        let CompiledKind::Wasm(info) = &self.kind else {
            return None;
        };
        let def = index.checked_sub(info.num_imported_funcs)?;
        info.machine_at(
            def,
            code_offset.checked_add(info.code_section_offset as u64)?,
        )
    }

    /// The structure of function `index`'s body as nested constructs, in the order they
    /// open (the body first): kinds, depths, code-section offsets of their opening
    /// instruction, `else` and `end`, instruction counts (see [`crate::machine::Block`]).
    /// `None` for an import or a host module.
    ///
    /// ```
    /// let wasm = wat::parse_str(
    ///     "(module (func (loop (block (br 1)))))",
    /// ).unwrap();
    /// let compiled = wasmscope::Runtime::new().compile_module(&wasm).unwrap();
    /// let s = compiled.structure(0).unwrap();
    /// let kinds: Vec<String> = s.iter().map(|b| format!("{}@{}", b.kind, b.depth)).collect();
    /// assert_eq!(kinds, ["function@0", "loop@1", "block@2"]);
    /// assert_eq!(s[2].instructions, 1);
    /// ```
    pub fn structure(&self, index: u32) -> Option<Vec<crate::machine::Block>> {
        let CompiledKind::Wasm(info) = &self.kind else {
            return None;
        };
        info.structure_of(index.checked_sub(info.num_imported_funcs)?)
    }

    /// The source variables in scope at code-section offset `code_offset`, with their
    /// values in `frame` (see [`crate::variables`]); empty without DWARF or for a host
    /// module.
    ///
    /// # Errors
    /// The module's DWARF does not parse.
    pub fn variables(
        &self,
        code_offset: u64,
        frame: &crate::variables::FrameValues<'_>,
    ) -> crate::error::Result<Vec<crate::variables::Variable>> {
        match &self.kind {
            CompiledKind::Wasm(info) => {
                crate::variables::variables(&info.bytes, code_offset, frame)
            }
            CompiledKind::Host(_) => Ok(Vec::new()),
        }
    }

    /// The source scope at code-section offset `code_offset` of a frame whose values are
    /// `frame`: its variables, and expressions over them (see [`crate::variables::Scope`]);
    /// `None` for a host module.
    ///
    /// # Errors
    /// The module's DWARF does not parse.
    pub fn scope<'a>(
        &'a self,
        code_offset: u64,
        frame: &'a crate::variables::FrameValues<'a>,
    ) -> crate::error::Result<Option<crate::variables::Scope<'a>>> {
        match &self.kind {
            CompiledKind::Wasm(info) => {
                crate::variables::Scope::new(&info.bytes, code_offset, frame).map(Some)
            }
            CompiledKind::Host(_) => Ok(None),
        }
    }

    /// The source files the module's DWARF line tables name (directory and file name
    /// joined, as the compiler recorded them), sorted; empty without DWARF. A debugger
    /// front end maps a client's path to one of these (`wasmscope dap`).
    pub fn source_files(&self) -> Vec<String> {
        match &self.kind {
            CompiledKind::Wasm(info) => info.source_files(),
            CompiledKind::Host(_) => Vec::new(),
        }
    }

    /// The code-section offsets where statements of line `line` of a source file whose
    /// path ends with `file` begin (where a breakpoint on that line goes), ascending;
    /// empty without DWARF or when the line has no code. A row at a function body's
    /// start (LLVM puts a function's opening line at its local declarations, where no
    /// instruction is) stands for the body's first instruction.
    pub fn code_offsets_for_line(&self, file: &str, line: u32) -> Vec<u64> {
        let CompiledKind::Wasm(info) = &self.kind else {
            return Vec::new();
        };
        let base = info.code_section_offset as u64;
        let mut out: Vec<u64> = info
            .offsets_for_line(file, line)
            .into_iter()
            .filter_map(|o| {
                let at = info.instruction_at_or_after(o.checked_add(base)?)?;
                at.checked_sub(base)
            })
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The index of the function called `name`: its name-section name, or its debug
    /// name as [`FunctionDefinition::debug_name`] writes it (`module.name`,
    /// `module.$INDEX`). The lowest index when several share a name; `None` when none
    /// has it (and for host modules).
    ///
    /// ```
    /// let rt = wasmscope::Runtime::new();
    /// let wasm = wat::parse_str(r#"(module $m (func $f) (func $g) (func))"#).unwrap();
    /// let compiled = rt.compile_module(&wasm).unwrap();
    /// assert_eq!(compiled.function_index("g"), Some(1));
    /// assert_eq!(compiled.function_index("m.g"), Some(1));
    /// assert_eq!(compiled.function_index("m.$2"), Some(2));
    /// // A named function's debug name is its name.
    /// assert_eq!(compiled.function_index("m.$0"), None);
    /// assert_eq!(compiled.function_index("h"), None);
    /// ```
    pub fn function_index(&self, name: &str) -> Option<u32> {
        let CompiledKind::Wasm(info) = &self.kind else {
            return None;
        };
        let named = |n: &str| {
            info.func_names
                .iter()
                .filter(|(_, v)| &***v == n)
                .map(|(k, _)| *k)
                .min()
        };
        if let Some(i) = named(name) {
            return Some(i);
        }
        let rest = name
            .strip_prefix(self.name().unwrap_or(""))?
            .strip_prefix('.')?;
        let count = info.num_imported_funcs + info.bodies.len() as u32;
        match rest.strip_prefix('$').map(str::parse::<u32>) {
            Some(Ok(i)) if i < count && !info.func_names.contains_key(&i) => Some(i),
            Some(_) => None,
            None => named(rest),
        }
    }

    /// The defined functions a debugger's user means by `name` (a function breakpoint):
    /// those whose name-section name is `name`, whose [demangled](crate::demangle) name is
    /// `name` or ends with `::name` (`area` and `vars::area` both name
    /// `_ZN4vars4area17h...E`), whose DWARF name is `name` (a name without `::`: C's
    /// `main`, which the name section calls `__original_main`), or the one
    /// [`CompiledModule::function_index`] finds; sorted, imports left out.
    ///
    /// ```
    /// let wasm = wat::parse_str(
    ///     "(module (func $_ZN4vars4area17h0123456789abcdefE) (func $area) (func $other))",
    /// ).unwrap();
    /// let compiled = wasmscope::Runtime::new().compile_module(&wasm).unwrap();
    /// assert_eq!(compiled.functions_named("area"), [0, 1]);
    /// assert_eq!(compiled.functions_named("vars::area"), [0]);
    /// assert_eq!(compiled.functions_named("rea"), Vec::<u32>::new());
    /// ```
    pub fn functions_named(&self, name: &str) -> Vec<u32> {
        let CompiledKind::Wasm(info) = &self.kind else {
            return Vec::new();
        };
        let name = name.trim();
        let suffix = format!("::{name}");
        let mut out: Vec<u32> = info
            .func_names
            .iter()
            .filter(|(i, _)| **i >= info.num_imported_funcs)
            .filter(|(_, n)| {
                if &***n == name {
                    return true;
                }
                let d = crate::names::demangle(n);
                d == name || d.ends_with(&suffix)
            })
            .map(|(i, _)| *i)
            .collect();
        if let Some(i) = self.function_index(name) {
            if i >= info.num_imported_funcs && !out.contains(&i) {
                out.push(i);
            }
        }
        // The DWARF's names too, where the name section's differ (C's `main` is
        // `__original_main` there). A path (`a::b`) is matched by the names above only.
        if !name.contains("::") {
            let code = info.code_section_offset as u64;
            for entry in info.subprogram_entries(name) {
                if let Some(def) = info.func_at(entry + code) {
                    let i = def + info.num_imported_funcs;
                    if !out.contains(&i) {
                        out.push(i);
                    }
                }
            }
        }
        out.sort_unstable();
        out
    }

    /// The code-section offset of the first instruction of function `index` (module
    /// index space): where a breakpoint on the function's entry goes. `None` for
    /// imported functions, indices out of range and host modules.
    ///
    /// ```
    /// let rt = wasmscope::Runtime::new();
    /// let wasm = wat::parse_str("(module (func (local i32) nop))").unwrap();
    /// let compiled = rt.compile_module(&wasm).unwrap();
    /// // The code section's payload: function count (1), body size (1), one local
    /// // declaration (3 bytes), then `nop`.
    /// assert_eq!(compiled.function_entry_offset(0), Some(5));
    /// assert_eq!(compiled.function_entry_offset(1), None);
    /// ```
    pub fn function_entry_offset(&self, index: u32) -> Option<u64> {
        let CompiledKind::Wasm(info) = &self.kind else {
            return None;
        };
        let def = index.checked_sub(info.num_imported_funcs)?;
        let body = info.bodies.get(def as usize)?.clone();
        let mut reader =
            wasmparser::BinaryReader::new(&info.bytes[body.clone()], body.start as u64);
        for _ in 0..reader.read_var_u32().ok()? {
            reader.read_var_u32().ok()?;
            reader.read::<wasmparser::ValType>().ok()?;
        }
        reader
            .original_position()
            .checked_sub(info.code_section_offset as u64)
    }

    /// The module offset where the Code section's contents begin (its function count),
    /// the base of the code-section offsets this API and Wasm DWARF use: a code offset
    /// plus this is the offset in the module's bytes (the address a gdb-remote debugger
    /// such as LLDB gives code). `None` for a module without a Code section, or a host
    /// module.
    ///
    /// ```
    /// let wasm = wat::parse_str("(module (func nop))").unwrap();
    /// let compiled = wasmscope::Runtime::new().compile_module(&wasm).unwrap();
    /// let base = compiled.code_section_offset().unwrap();
    /// let nop = base + compiled.function_entry_offset(0).unwrap();
    /// assert_eq!(wasm[nop as usize], 0x01); // the `nop` opcode
    /// ```
    pub fn code_section_offset(&self) -> Option<u64> {
        match &self.kind {
            CompiledKind::Wasm(info) if info.code_section_offset > 0 => {
                Some(info.code_section_offset as u64)
            }
            _ => None,
        }
    }

    /// The code-section offset of the instruction after the one at `code_offset` (for a
    /// call, where its caller goes on: the return address a debugger's step out stops
    /// at); `None` when no instruction begins at `code_offset` or it is its function's
    /// last (the final `end`).
    ///
    /// ```
    /// let wasm = wat::parse_str("(module (func $f) (func (call $f) nop))").unwrap();
    /// let compiled = wasmscope::Runtime::new().compile_module(&wasm).unwrap();
    /// let call = compiled.function_entry_offset(1).unwrap();
    /// // `call 0` is two bytes.
    /// assert_eq!(compiled.instruction_after(call), Some(call + 2));
    /// assert_eq!(compiled.instruction_after(call + 1), None);
    /// ```
    pub fn instruction_after(&self, code_offset: u64) -> Option<u64> {
        let CompiledKind::Wasm(info) = &self.kind else {
            return None;
        };
        info.instruction_at(code_offset.checked_add(info.code_section_offset as u64)?)
            .flatten()
            .and_then(|o| o.checked_sub(info.code_section_offset as u64))
    }

    /// Whether an instruction of a function body begins at code-section offset
    /// `code_offset` (where a breakpoint can stop).
    ///
    /// ```
    /// let wasm = wat::parse_str("(module (func (drop (i32.const 300))))").unwrap();
    /// let compiled = wasmscope::Runtime::new().compile_module(&wasm).unwrap();
    /// let entry = compiled.function_entry_offset(0).unwrap();
    /// assert!(compiled.is_instruction_start(entry));
    /// // `i32.const 300` is three bytes: the next instruction, `drop`, starts after them.
    /// assert!(!compiled.is_instruction_start(entry + 1));
    /// assert!(compiled.is_instruction_start(entry + 3));
    /// assert!(compiled.is_instruction_start(entry + 4)); // the final `end`
    /// assert!(!compiled.is_instruction_start(entry + 5));
    /// ```
    pub fn is_instruction_start(&self, code_offset: u64) -> bool {
        let CompiledKind::Wasm(info) = &self.kind else {
            return false;
        };
        code_offset
            .checked_add(info.code_section_offset as u64)
            .and_then(|at| info.instruction_at(at))
            .is_some()
    }

    /// Where a debugger stops for a breakpoint on function `index`: the first statement
    /// of its body after the prologue, where the parameters are in place as the source
    /// names them. That is the line table's first `prologue_end` in the function, as
    /// gdb and LLDB take it; without one, the first line-table statement of another line
    /// than the function's opening one, within the function; the entry
    /// ([`CompiledModule::function_entry_offset`]) without line information there.
    pub fn function_breakpoint_offset(&self, index: u32) -> Option<u64> {
        let CompiledKind::Wasm(info) = &self.kind else {
            return None;
        };
        let entry = self.function_entry_offset(index)?;
        let def = index.checked_sub(info.num_imported_funcs)?;
        let body = info.bodies.get(def as usize)?;
        let end = (body.end as u64).checked_sub(info.code_section_offset as u64)?;
        if let Some(at) = info.prologue_end_in(entry..end) {
            return Some(at);
        }
        let opening = self.source_locations(entry);
        let Some(first) = opening.last() else {
            return Some(entry);
        };
        let after = (entry + 1..end)
            .filter(|o| info.is_statement(*o))
            .take(64)
            .find(|o| {
                self.source_locations(*o)
                    .last()
                    .is_some_and(|l| l.line != first.line || l.file != first.file)
            });
        Some(after.unwrap_or(entry))
    }

    /// Every place a breakpoint on the function called `name` stops (gdb's `break
    /// FUNCTION`): for each function [`CompiledModule::functions_named`] finds, its
    /// [`CompiledModule::function_breakpoint_offset`], and the entry of every copy of a
    /// function of that name inlined elsewhere (DWARF's inlined subroutines: a function
    /// inlined everywhere has no Wasm function of its own); sorted.
    pub fn function_breakpoint_offsets(&self, name: &str) -> Vec<u64> {
        let CompiledKind::Wasm(info) = &self.kind else {
            return Vec::new();
        };
        let mut out: Vec<u64> = self
            .functions_named(name)
            .into_iter()
            .filter_map(|i| self.function_breakpoint_offset(i))
            .chain(info.inlined_sites(name))
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Waits until the compiles tiered compilation has started so far (of any module:
    /// they run on one thread in the background) are done, so that
    /// [`Self::translated_function_count`] counts them. For tests and benchmarks of
    /// [`crate::RuntimeConfig::with_tiering`].
    #[doc(hidden)]
    pub fn wait_for_background_compiles(&self) {
        #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
        crate::compiler::exec::background::wait();
    }

    /// How many of the module's defined functions have been translated into its
    /// engine's code so far (the compiler's native code when the module has it, else the
    /// interpreter's; see [`crate::CompilationMode`]); 0 for host modules. For tests and
    /// benchmarks of lazy translation.
    #[doc(hidden)]
    pub fn translated_function_count(&self) -> usize {
        match &self.kind {
            #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
            CompiledKind::Wasm(info) if info.native.is_some() => {
                info.native.as_ref().map_or(0, |n| n.compiled_count())
            }
            CompiledKind::Wasm(info) => info.code.translated(),
            CompiledKind::Host(_) => 0,
        }
    }

    /// The engine that runs the module's functions: the compiler when the runtime made
    /// native code for it, else the interpreter (also where [`RuntimeConfig::new`]
    /// leaves a module to it: a module that uses GC when calls are tiered, see
    /// [`RuntimeConfig::with_tiering`]); `None` for a host module. Debug stepping and
    /// resumable calls run on the interpreter whatever this says.
    ///
    /// ```
    /// use wasmscope::{EngineKind, Runtime, RuntimeConfig};
    /// let wasm = wat::parse_str("(module (func (export \"f\")))").unwrap();
    /// let rt = Runtime::with_config(RuntimeConfig::interpreter());
    /// let compiled = rt.compile_module(&wasm).unwrap();
    /// assert_eq!(compiled.engine(), Some(EngineKind::Interpreter));
    /// ```
    pub fn engine(&self) -> Option<crate::config::EngineKind> {
        use crate::config::EngineKind;
        match &self.kind {
            CompiledKind::Wasm(info) if info.native.is_some() => Some(EngineKind::Compiler),
            CompiledKind::Wasm(_) => Some(EngineKind::Interpreter),
            CompiledKind::Host(_) => None,
        }
    }

    /// Custom sections as `(name, payload)`, in module order. Without
    /// [`RuntimeConfig::with_custom_sections`] only the `name` section is kept.
    pub fn custom_sections(&self) -> Vec<(&str, &[u8])> {
        let CompiledKind::Wasm(info) = &self.kind else {
            return Vec::new();
        };
        info.custom_sections
            .iter()
            .filter(|c| self.keep_custom_sections || &*c.name == "name")
            .map(|c| (&*c.name, &info.bytes[c.range.clone()]))
            .collect()
    }
}
