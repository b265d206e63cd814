//! A module's structure, read without compiling any code: its sections with offsets and
//! sizes ([`sections`]), its imports, exports, names and producers ([`structure`]), every
//! decoded item as a tree of labelled nodes with module offsets and sizes ([`tree`]: what
//! the workbench's Module view shows), and its DWARF's line table ([`DwarfLines`]).
//!
//! Nothing here validates or translates function bodies, and nothing panics on bad input:
//! bytes that do not decode are an [`Error`] of kind [`ErrorKind::Compile`](crate::ErrorKind)
//! with a one-line message and a byte offset, and a malformed custom section becomes an
//! error entry in its own node.
//!
//! ```
//! let wasm = wat::parse_str(r#"(module $demo
//!     (import "env" "log" (func $log (param i32)))
//!     (func $add (export "add") (param i32 i32) (result i32)
//!         local.get 0 local.get 1 i32.add))"#).unwrap();
//! let s = wasmscope::inspect::structure(&wasm)?;
//! assert_eq!(s.module_name.as_deref(), Some("demo"));
//! assert_eq!(s.sections[0].name, "type");
//! assert_eq!(s.imports[0].ty, "(i32)");
//! assert_eq!(s.exports[0].ty, "(i32,i32) i32");
//! assert_eq!((s.imported_functions, s.defined_functions), (1, 1));
//!
//! let tree = wasmscope::inspect::tree(&wasm)?;
//! let functions = tree.iter().find(|n| n.label == "function (1)").unwrap();
//! assert_eq!(functions.children[0].label,
//!     "func 1 $add: type 1 (func (param i32 i32) (result i32))");
//! assert_eq!(functions.children[0].function, Some(1));
//! # Ok::<(), wasmscope::Error>(())
//! ```

use std::collections::HashMap;
use std::fmt::Write as _;

use wasmparser::{
    BinaryReader, BinaryReaderError, ConstExpr, DataKind, ElementItems, ElementKind, ExternalKind,
    GlobalType, KnownCustom, MemoryType, Name, NameMap, Operator, Parser, Payload, TableType,
    TypeRef,
};

use crate::dwarf::{DwarfIndex, SourceLocation};
use crate::error::{Error, Result};

/// The most entries listed under a node whose entries are not all listed (element
/// segment items, the name section's maps, DWARF compile units); the rest are counted in
/// a last "… N more" entry.
pub const LIST_CAP: usize = 64;

/// How many entries of each name map the `name` section node lists.
pub const NAME_CAP: usize = 16;

/// How many bytes of an unknown custom section the hex dump shows.
pub const HEX_CAP: usize = 256;

/// How many bytes of a data segment the escaped-ASCII preview shows.
pub const PREVIEW_CAP: usize = 48;

/// One entry of the module tree: a section, or something in it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Node {
    /// What the row says, e.g. `type (3)` or `func 2 $main: (func (result i32))`.
    pub label: String,
    /// The module byte offset of what the node describes, if known.
    pub offset: Option<usize>,
    /// Its size in bytes, if known.
    pub size: Option<usize>,
    /// The nested entries, in module order.
    pub children: Vec<Node>,
    /// For a node that stands for a function: its index in the function index space
    /// (imports first). Clicking such a node selects the function.
    pub function: Option<u32>,
    /// For a defined function: its body's start as a code offset (relative to the code
    /// section's payload start: the address space of Wasm DWARF and of stack traces).
    pub code_offset: Option<u64>,
}

impl Node {
    /// A node with just a label.
    pub fn new(label: impl Into<String>) -> Self {
        Node {
            label: label.into(),
            ..Node::default()
        }
    }

    /// The node and all its descendants, depth first in module order.
    pub fn iter(&self) -> impl Iterator<Item = &Node> + '_ {
        let mut stack = vec![self];
        std::iter::from_fn(move || {
            let node = stack.pop()?;
            stack.extend(node.children.iter().rev());
            Some(node)
        })
    }

    fn at(mut self, offset: u64, size: u64) -> Self {
        self.offset = usize::try_from(offset).ok();
        self.size = usize::try_from(size).ok();
        self
    }

    fn at_offset(mut self, offset: u64) -> Self {
        self.offset = usize::try_from(offset).ok();
        self
    }

    fn with(mut self, children: Vec<Node>) -> Self {
        self.children = children;
        self
    }
}

/// One section of a module, in file order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    /// The section id (0 for custom sections).
    pub id: u8,
    /// `type`, `code`, `data count`, … or `custom "name"` for a custom section.
    pub name: String,
    /// The module offset of the section's payload (for a custom section, where its name
    /// starts).
    pub offset: usize,
    /// The payload size in bytes (for a custom section, its name included).
    pub size: usize,
    /// For a custom section: its name and where its data (after the name) lies.
    pub custom: Option<CustomData>,
}

/// A custom section's name and data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomData {
    /// The section's own name, e.g. `name` or `.debug_info`.
    pub name: String,
    /// The module offset of its data.
    pub offset: usize,
    /// The data's size in bytes.
    pub size: usize,
}

/// What an import or export is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ItemKind {
    /// A function.
    Func,
    /// A table.
    Table,
    /// A memory.
    Memory,
    /// A global.
    Global,
    /// An exception tag.
    Tag,
}

impl ItemKind {
    /// `func`, `table`, `memory`, `global` or `tag`.
    pub fn name(self) -> &'static str {
        match self {
            ItemKind::Func => "func",
            ItemKind::Table => "table",
            ItemKind::Memory => "memory",
            ItemKind::Global => "global",
            ItemKind::Tag => "tag",
        }
    }

    fn of_export(kind: ExternalKind) -> Self {
        match kind {
            ExternalKind::Func | ExternalKind::FuncExact => ItemKind::Func,
            ExternalKind::Table => ItemKind::Table,
            ExternalKind::Memory => ItemKind::Memory,
            ExternalKind::Global => ItemKind::Global,
            ExternalKind::Tag => ItemKind::Tag,
        }
    }
}

/// An import, in module order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Import {
    /// The module it is imported from.
    pub module: String,
    /// Its name in that module.
    pub name: String,
    /// What it is.
    pub kind: ItemKind,
    /// Its type as text: a function's signature in wazero's format (`(i32,i32) i32`), a
    /// memory's `pages 1..2` (`pages 1..` without a maximum), a table's `funcref 4..`, a
    /// global's `mut i32`; empty for a tag (and for a function whose type index is out of
    /// range).
    pub ty: String,
}

/// An export, in module order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Export {
    /// The export's name.
    pub name: String,
    /// What it is.
    pub kind: ItemKind,
    /// Its index in the index space of its kind (imports first).
    pub index: u32,
    /// A function's signature in wazero's format (`(i32,i32) i32`); empty otherwise.
    pub ty: String,
}

/// One field of the `producers` section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Producer {
    /// The field: `language`, `processed-by` or `sdk`.
    pub field: String,
    /// Its values, each `name version` (or just `name` without a version).
    pub values: Vec<String>,
}

/// What a module declares, read in one pass over its sections (no function body is
/// decoded); see [`structure`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Structure {
    /// The sections in file order.
    pub sections: Vec<Section>,
    /// The imports, in order.
    pub imports: Vec<Import>,
    /// The exports, in order.
    pub exports: Vec<Export>,
    /// How many functions are imported.
    pub imported_functions: u32,
    /// How many functions the module defines (entries of its function section).
    pub defined_functions: u32,
    /// How many memories the module defines (entries of its memory section; imported
    /// ones are among `imports`).
    pub defined_memories: u32,
    /// The module name of the `name` section.
    pub module_name: Option<String>,
    /// Function names of the `name` section, by function index (as written, not
    /// demangled).
    pub function_names: HashMap<u32, String>,
    /// Global names of the `name` section, by global index.
    pub global_names: HashMap<u32, String>,
    /// The `producers` section's fields (empty without one, or when it does not read).
    pub producers: Vec<Producer>,
}

/// The sections of binary module `bytes`, in file order.
///
/// # Errors
/// Those of [`structure`].
pub fn sections(bytes: &[u8]) -> Result<Vec<Section>> {
    structure(bytes).map(|s| s.sections)
}

/// What binary module `bytes` declares: sections, imports, exports, names, producers.
/// A malformed `name` or `producers` section only costs what it would have given.
///
/// # Errors
/// The bytes are not a binary core module (no `\0asm` header, a component, or a
/// truncated or malformed binary): an error of kind `Compile` whose one-line message
/// says what, at which offset.
pub fn structure(bytes: &[u8]) -> Result<Structure> {
    Ok(Info::read(bytes)?.structure)
}

/// Decodes binary module `bytes` into one node per section, in file order, each with its
/// entries (see the [module docs](self)); function bodies are not decoded beyond their
/// local declarations.
///
/// # Errors
/// Those of [`structure`], and anything in a section's entries that does not decode.
pub fn tree(bytes: &[u8]) -> Result<Vec<Node>> {
    let info = Info::read(bytes)?;
    Ok(build(bytes, &info)?)
}

/// Validates binary module `bytes` with every feature `wasmparser` knows (WebAssembly
/// 3.0 and later proposals), so that a module this runtime cannot run (yet) can still be
/// opened and inspected; running it reports what is not supported.
///
/// ```
/// let ok = wat::parse_str("(module (func (result i32) i32.const 1))").unwrap();
/// assert!(wasmscope::inspect::validate(&ok).is_ok());
/// let bad = wat::parse_str("(module (func (result i32) i64.const 1))").unwrap();
/// let e = wasmscope::inspect::validate(&bad).unwrap_err();
/// assert!(e.to_string().contains("type mismatch"), "{e}");
/// ```
///
/// # Errors
/// The first problem, as a `Compile` error with its offset.
pub fn validate(bytes: &[u8]) -> Result<()> {
    wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
        .validate_all(bytes)
        .map(|_| ())
        .map_err(Error::from)
}

/// A module's DWARF line table, read from its custom sections alone (no code is
/// compiled): code offset → source locations, and source line → code offsets. Offsets
/// are relative to the code section's payload, as Wasm DWARF has them.
#[derive(Debug)]
pub struct DwarfLines(DwarfIndex);

impl DwarfLines {
    /// The line table of module `bytes`; `None` without `.debug_info`, or when its DWARF
    /// cannot be read (see [`crate::dwarf::summarize`] for why).
    pub fn load(bytes: &[u8]) -> Option<DwarfLines> {
        DwarfIndex::load(bytes).map(DwarfLines)
    }

    /// The source locations of code offset `offset`, innermost inlined frame first; empty
    /// where there is no line information.
    pub fn locations(&self, offset: u64) -> Vec<SourceLocation> {
        self.0.locations(offset)
    }

    /// The code offsets where line `line` of a file whose path ends with `file` begins a
    /// statement, in increasing order: the table's rows as they are (a row at a function
    /// body's start is at its local declarations, not an instruction; where breakpoints
    /// go is [`crate::CompiledModule::code_offsets_for_line`]).
    pub fn offsets_for_line(&self, file: &str, line: u32) -> Vec<u64> {
        self.0.offsets_for_line(file, line)
    }
}

type Res<T> = std::result::Result<T, BinaryReaderError>;

/// A defined function's body.
#[derive(Clone, Copy, Debug)]
struct Body {
    offset: u64,
    size: u64,
    code_offset: u64,
}

/// What the entries refer to across sections (names, types, bodies), gathered in a first
/// pass so that every node can say e.g. a function's name and type; and the
/// [`Structure`].
#[derive(Debug, Default)]
struct Info {
    /// Each type's text, by type index.
    types: Vec<String>,
    /// Each type's signature in wazero's format, by type index.
    signatures: Vec<String>,
    /// Each function's type index, imports first.
    func_types: Vec<u32>,
    imported_globals: u32,
    /// Defined functions' bodies, in order.
    bodies: Vec<Body>,
    structure: Structure,
}

fn usize_of(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

/// `initial..max`, or `initial..` without a maximum.
fn limits(initial: u64, maximum: Option<u64>) -> String {
    match maximum {
        Some(max) => format!("{initial}..{max}"),
        None => format!("{initial}.."),
    }
}

/// A function type in wazero's format, `(i32,i32) i32`; other types as wasmparser has
/// them.
fn signature(ty: &wasmparser::SubType) -> String {
    let list = |tys: &[wasmparser::ValType]| {
        tys.iter()
            .map(|t| t.to_string())
            .collect::<Vec<_>>()
            .join(",")
    };
    match &ty.composite_type.inner {
        wasmparser::CompositeInnerType::Func(f) => {
            let results = match f.results() {
                [] => String::new(),
                [one] => format!(" {one}"),
                many => format!(" ({})", list(many)),
            };
            format!("({}){results}", list(f.params()))
        }
        other => format!("{other:?}"),
    }
}

impl Info {
    /// [`Self::gather`] with its errors as the crate's.
    fn read(bytes: &[u8]) -> Result<Info> {
        // (A start of the header is a truncated module: wasmparser says so.)
        if !bytes.starts_with(b"\0asm") && !b"\0asm".starts_with(bytes) {
            return Err(Error::compile(
                0,
                "not a binary WebAssembly module (no \\0asm header)",
            ));
        }
        Info::gather(bytes)
    }

    fn gather(bytes: &[u8]) -> Result<Info> {
        let mut info = Info::default();
        let mut code_start = 0;
        for payload in Parser::new(0).parse_all(bytes) {
            let payload = payload?;
            if let Payload::Version {
                encoding, range, ..
            } = &payload
            {
                if *encoding != wasmparser::Encoding::Module {
                    return Err(Error::compile(
                        range.start,
                        "a component, not a core module",
                    ));
                }
            }
            if let Some((id, range)) = payload.as_section() {
                let custom = match &payload {
                    Payload::CustomSection(c) => Some(CustomData {
                        name: c.name().to_string(),
                        offset: usize_of(c.data_offset()),
                        size: c.data().len(),
                    }),
                    _ => None,
                };
                info.structure.sections.push(Section {
                    id,
                    name: match &custom {
                        Some(c) => format!("custom \"{}\"", c.name),
                        None => section_name(id).to_string(),
                    },
                    offset: usize_of(range.start),
                    size: usize_of(range.end.saturating_sub(range.start)),
                    custom,
                });
            }
            match payload {
                Payload::TypeSection(r) => {
                    for group in r {
                        for ty in group?.into_types() {
                            info.types.push(ty.to_string());
                            info.signatures.push(signature(&ty));
                        }
                    }
                }
                Payload::ImportSection(r) => {
                    for import in r.into_imports() {
                        let import = import?;
                        let (kind, ty) = match import.ty {
                            TypeRef::Func(t) | TypeRef::FuncExact(t) => {
                                info.func_types.push(t);
                                info.structure.imported_functions =
                                    info.structure.imported_functions.saturating_add(1);
                                let sig = info.signatures.get(t as usize).cloned();
                                (ItemKind::Func, sig.unwrap_or_default())
                            }
                            TypeRef::Global(g) => {
                                info.imported_globals = info.imported_globals.saturating_add(1);
                                let m = if g.mutable { "mut " } else { "" };
                                (ItemKind::Global, format!("{m}{}", g.content_type))
                            }
                            TypeRef::Memory(m) => (
                                ItemKind::Memory,
                                format!("pages {}", limits(m.initial, m.maximum)),
                            ),
                            TypeRef::Table(t) => (
                                ItemKind::Table,
                                format!("{} {}..", t.element_type, t.initial),
                            ),
                            TypeRef::Tag(_) => (ItemKind::Tag, String::new()),
                        };
                        info.structure.imports.push(Import {
                            module: import.module.to_string(),
                            name: import.name.to_string(),
                            kind,
                            ty,
                        });
                    }
                }
                Payload::FunctionSection(r) => {
                    for t in r {
                        info.func_types.push(t?);
                        info.structure.defined_functions =
                            info.structure.defined_functions.saturating_add(1);
                    }
                }
                Payload::MemorySection(r) => {
                    info.structure.defined_memories = r.count();
                }
                Payload::ExportSection(r) => {
                    for e in r {
                        let e = e?;
                        let kind = ItemKind::of_export(e.kind);
                        let ty = match kind {
                            ItemKind::Func => info
                                .func_type_of(e.index)
                                .and_then(|t| info.signatures.get(t as usize))
                                .cloned()
                                .unwrap_or_default(),
                            _ => String::new(),
                        };
                        info.structure.exports.push(Export {
                            name: e.name.to_string(),
                            kind,
                            index: e.index,
                            ty,
                        });
                    }
                }
                Payload::CodeSectionStart {
                    unchecked_range, ..
                } => code_start = unchecked_range.start,
                Payload::CodeSectionEntry(body) => {
                    let r = body.range();
                    info.bodies.push(Body {
                        offset: r.start,
                        size: r.end - r.start,
                        code_offset: r.start.saturating_sub(code_start),
                    });
                }
                Payload::CustomSection(c) => match c.as_known() {
                    KnownCustom::Name(names) => {
                        // A malformed name section only costs names here; its own node
                        // shows the error.
                        let s = &mut info.structure;
                        for name in names.map_while(|n| n.ok()) {
                            match name {
                                Name::Module { name, .. } => s.module_name = Some(name.into()),
                                Name::Function(map) => collect(map, &mut s.function_names),
                                Name::Global(map) => collect(map, &mut s.global_names),
                                _ => {}
                            }
                        }
                    }
                    KnownCustom::Producers(reader) => {
                        for field in reader.into_iter().map_while(|f| f.ok()) {
                            let values = field
                                .values
                                .into_iter()
                                .map_while(|v| v.ok())
                                .map(|v| format!("{} {}", v.name, v.version).trim().to_string())
                                .collect();
                            info.structure.producers.push(Producer {
                                field: field.name.to_string(),
                                values,
                            });
                        }
                    }
                    _ => {}
                },
                _ => {}
            }
        }
        Ok(info)
    }

    /// ` $name` for function `index`, or nothing.
    fn fname(&self, index: u32) -> String {
        self.structure
            .function_names
            .get(&index)
            .map(|n| format!(" ${}", crate::names::demangle(n)))
            .unwrap_or_default()
    }

    /// A function node: `func N $name` plus `extra`, selectable, with its body if defined.
    fn func_node(&self, index: u32, extra: &str) -> Node {
        let mut node = Node::new(format!("func {index}{}{extra}", self.fname(index)));
        node.function = Some(index);
        if let Some(body) = index
            .checked_sub(self.structure.imported_functions)
            .and_then(|i| self.bodies.get(i as usize))
        {
            node = node.at(body.offset, body.size);
            node.code_offset = Some(body.code_offset);
        }
        node
    }

    /// `type N (func …)` for a function type index.
    fn type_text(&self, t: u32) -> String {
        match self.types.get(t as usize) {
            Some(s) => format!("type {t} {s}"),
            None => format!("type {t}"),
        }
    }

    fn func_type_of(&self, index: u32) -> Option<u32> {
        self.func_types.get(index as usize).copied()
    }

    fn gname(&self, index: u32) -> String {
        self.structure
            .global_names
            .get(&index)
            .map(|n| format!(" ${n}"))
            .unwrap_or_default()
    }
}

fn collect(map: NameMap<'_>, out: &mut HashMap<u32, String>) {
    for naming in map.map_while(|n| n.ok()) {
        out.insert(naming.index, naming.name.to_string());
    }
}

fn build(bytes: &[u8], info: &Info) -> Res<Vec<Node>> {
    let mut nodes: Vec<Node> = Vec::new();
    let mut defined = 0u32;
    let mut dwarf_done = false;
    for payload in Parser::new(0).parse_all(bytes) {
        let payload = payload?;
        let section = payload.as_section();
        let node = match payload {
            Payload::TypeSection(r) => {
                let mut children = Vec::new();
                let mut index = 0u32;
                let mut count = 0usize;
                for group in r {
                    let group = group?;
                    // A recursive group of several types (GC) is a node of its own.
                    let rec = group.is_explicit_rec_group() && group.types().len() > 1;
                    let first = index;
                    let mut members = Vec::new();
                    for (offset, ty) in group.into_types_and_offsets() {
                        members.push(Node::new(format!("type {index}: {ty}")).at_offset(offset));
                        index = index.saturating_add(1);
                    }
                    count += members.len();
                    if rec {
                        let last = index.saturating_sub(1);
                        children.push(
                            Node::new(format!("rec group: types {first}..={last}")).with(members),
                        );
                    } else {
                        children.extend(members);
                    }
                }
                Node::new(format!("type ({count})")).with(children)
            }
            Payload::ImportSection(r) => {
                let mut children = Vec::new();
                // The next index in each index space (imports come first in each).
                let (mut func, mut table, mut memory, mut global, mut tag) = (0, 0, 0, 0, 0);
                for import in r.into_imports_with_offsets() {
                    let (offset, import) = import?;
                    let mut node = match import.ty {
                        TypeRef::Func(t) | TypeRef::FuncExact(t) => {
                            info.func_node(bump(&mut func), &format!(": {}", info.type_text(t)))
                        }
                        TypeRef::Table(t) => {
                            Node::new(format!("table {}: {}", bump(&mut table), table_type(&t)))
                        }
                        TypeRef::Memory(m) => {
                            Node::new(format!("memory {}: {}", bump(&mut memory), memory_type(&m)))
                        }
                        TypeRef::Global(g) => {
                            let i = bump(&mut global);
                            Node::new(format!("global {i}{}: {}", info.gname(i), global_type(&g)))
                        }
                        TypeRef::Tag(t) => Node::new(format!(
                            "tag {}: {}",
                            bump(&mut tag),
                            info.type_text(t.func_type_idx)
                        )),
                    };
                    node.label = format!("{}.{}: {}", import.module, import.name, node.label);
                    children.push(Node {
                        offset: usize::try_from(offset).ok(),
                        ..node
                    });
                }
                Node::new(format!("import ({})", children.len())).with(children)
            }
            Payload::FunctionSection(r) => {
                let mut children = Vec::new();
                for (i, t) in r.into_iter().enumerate() {
                    let t = t?;
                    let index = info.structure.imported_functions.saturating_add(i as u32);
                    children.push(info.func_node(index, &format!(": {}", info.type_text(t))));
                }
                Node::new(format!("function ({})", children.len())).with(children)
            }
            Payload::TableSection(r) => {
                let mut children = Vec::new();
                for (i, t) in r.into_iter_with_offsets().enumerate() {
                    let (offset, t) = t?;
                    let mut label = format!("table {i}: {}", table_type(&t.ty));
                    if let wasmparser::TableInit::Expr(e) = &t.init {
                        let _ = write!(label, " init {}", const_expr(e, info));
                    }
                    children.push(Node::new(label).at_offset(offset));
                }
                Node::new(format!("table ({})", children.len())).with(children)
            }
            Payload::MemorySection(r) => {
                let mut children = Vec::new();
                for (i, m) in r.into_iter_with_offsets().enumerate() {
                    let (offset, m) = m?;
                    children.push(
                        Node::new(format!("memory {i}: {}", memory_type(&m))).at_offset(offset),
                    );
                }
                Node::new(format!("memory ({})", children.len())).with(children)
            }
            Payload::TagSection(r) => {
                let mut children = Vec::new();
                for (i, t) in r.into_iter_with_offsets().enumerate() {
                    let (offset, t) = t?;
                    children.push(
                        Node::new(format!("tag {i}: {}", info.type_text(t.func_type_idx)))
                            .at_offset(offset),
                    );
                }
                Node::new(format!("tag ({})", children.len())).with(children)
            }
            Payload::GlobalSection(r) => {
                let mut children = Vec::new();
                for (i, g) in r.into_iter_with_offsets().enumerate() {
                    let (offset, g) = g?;
                    let index = info.imported_globals.saturating_add(i as u32);
                    children.push(
                        Node::new(format!(
                            "global {index}{}: {} = {}",
                            info.gname(index),
                            global_type(&g.ty),
                            const_expr(&g.init_expr, info)
                        ))
                        .at_offset(offset),
                    );
                }
                Node::new(format!("global ({})", children.len())).with(children)
            }
            Payload::ExportSection(r) => {
                let mut children = Vec::new();
                for e in r.into_iter_with_offsets() {
                    let (offset, e) = e?;
                    let node = match e.kind {
                        ExternalKind::Func | ExternalKind::FuncExact => {
                            let mut n = info.func_node(e.index, "");
                            n.label = format!("\"{}\" -> {}", e.name, n.label);
                            n
                        }
                        kind => {
                            Node::new(format!("\"{}\" -> {} {}", e.name, kind_name(kind), e.index))
                        }
                    };
                    children.push(Node {
                        offset: usize::try_from(offset).ok(),
                        size: None,
                        ..node
                    });
                }
                Node::new(format!("export ({})", children.len())).with(children)
            }
            Payload::StartSection { func, .. } => {
                let sig = info
                    .func_type_of(func)
                    .map(|t| format!(": {}", info.type_text(t)))
                    .unwrap_or_default();
                Node::new("start").with(vec![info.func_node(func, &sig)])
            }
            Payload::ElementSection(r) => {
                let mut children = Vec::new();
                for (i, e) in r.into_iter().enumerate() {
                    children.push(element(i, e?, info)?);
                }
                Node::new(format!("element ({})", children.len())).with(children)
            }
            Payload::DataCountSection { count, .. } => Node::new(format!("data count ({count})")),
            Payload::CodeSectionStart { count, .. } => Node::new(format!("code ({count})")),
            Payload::CodeSectionEntry(body) => {
                let index = info.structure.imported_functions.saturating_add(defined);
                defined = defined.saturating_add(1);
                let mut locals = 0u64;
                for l in body.get_locals_reader()? {
                    locals += u64::from(l?.0);
                }
                let n = info.func_node(index, &format!(": {locals} locals"));
                if let Some(code) = nodes.last_mut().filter(|n| n.label.starts_with("code (")) {
                    code.children.push(n);
                }
                continue;
            }
            Payload::DataSection(r) => {
                let mut children = Vec::new();
                for (i, d) in r.into_iter().enumerate() {
                    let d = d?;
                    let mode = match &d.kind {
                        DataKind::Passive => "passive".to_string(),
                        DataKind::Active {
                            memory_index,
                            offset_expr,
                        } => format!(
                            "active memory {memory_index} offset {}",
                            const_expr(offset_expr, info)
                        ),
                    };
                    children.push(
                        Node::new(format!(
                            "data {i}: {mode}, {} bytes {}",
                            d.data.len(),
                            preview(d.data)
                        ))
                        .at(d.range.start, d.range.end - d.range.start),
                    );
                }
                Node::new(format!("data ({})", children.len())).with(children)
            }
            Payload::CustomSection(c) => {
                let name = c.name();
                let data_offset = c.data_offset();
                let children = if name.starts_with(".debug_") {
                    debug_section(bytes, name, c.data().len(), &mut dwarf_done)
                } else {
                    match c.as_known() {
                        KnownCustom::Name(r) => name_section(r),
                        KnownCustom::Producers(r) => producers(r),
                        _ if name == "target_features" => target_features(c.data(), data_offset),
                        _ => hex_dump(c.data(), data_offset),
                    }
                };
                Node::new(format!("custom \"{name}\"")).with(children)
            }
            Payload::UnknownSection {
                id,
                contents,
                range,
                ..
            } => Node::new(format!("unknown section {id}")).with(hex_dump(contents, range.start)),
            _ => continue,
        };
        let node = match section {
            Some((_, range)) => node.at(range.start, range.end - range.start),
            None => node,
        };
        nodes.push(node);
    }
    Ok(nodes)
}

fn section_name(id: u8) -> &'static str {
    match id {
        1 => "type",
        2 => "import",
        3 => "function",
        4 => "table",
        5 => "memory",
        6 => "global",
        7 => "export",
        8 => "start",
        9 => "element",
        10 => "code",
        11 => "data",
        12 => "data count",
        13 => "tag",
        _ => "unknown",
    }
}

/// Returns `*next` and counts it up.
fn bump(next: &mut u32) -> u32 {
    let this = *next;
    *next = this.saturating_add(1);
    this
}

fn kind_name(kind: ExternalKind) -> &'static str {
    match kind {
        ExternalKind::Func | ExternalKind::FuncExact => "func",
        ExternalKind::Table => "table",
        ExternalKind::Memory => "memory",
        ExternalKind::Global => "global",
        ExternalKind::Tag => "tag",
    }
}

fn table_type(t: &TableType) -> String {
    let mut s = format!("{} {}", t.element_type, limits(t.initial, t.maximum));
    if t.table64 {
        s.push_str(" 64-bit");
    }
    if t.shared {
        s.push_str(" shared");
    }
    s
}

fn memory_type(m: &MemoryType) -> String {
    let mut s = format!("{} pages", limits(m.initial, m.maximum));
    if let Some(log2) = m.page_size_log2 {
        let _ = write!(s, " of {} bytes", 1u64.checked_shl(log2).unwrap_or(0));
    }
    if m.memory64 {
        s.push_str(" 64-bit");
    }
    if m.shared {
        s.push_str(" shared");
    }
    s
}

fn global_type(g: &GlobalType) -> String {
    let mut s = String::new();
    if g.shared {
        s.push_str("shared ");
    }
    if g.mutable {
        s.push_str("mut ");
    }
    let _ = write!(s, "{}", g.content_type);
    s
}

/// A constant expression as text, e.g. `i32.const 1024` or `global.get 0 $base`.
fn const_expr(e: &ConstExpr<'_>, info: &Info) -> String {
    let mut ops = Vec::new();
    let mut reader = e.get_operators_reader();
    while !reader.eof() {
        let op = match reader.read() {
            Ok(op) => op,
            Err(e) => {
                ops.push(format!("<{}>", e.message()));
                break;
            }
        };
        ops.push(match op {
            Operator::End => continue,
            Operator::I32Const { value } => format!("i32.const {value}"),
            Operator::I64Const { value } => format!("i64.const {value}"),
            Operator::F32Const { value } => format!("f32.const {}", f32::from_bits(value.bits())),
            Operator::F64Const { value } => format!("f64.const {}", f64::from_bits(value.bits())),
            Operator::GlobalGet { global_index } => {
                format!("global.get {global_index}{}", info.gname(global_index))
            }
            Operator::RefNull { hty } => format!("ref.null {hty:?}"),
            Operator::RefFunc { function_index } => {
                format!("ref.func {function_index}{}", info.fname(function_index))
            }
            other => format!("{other:?}"),
        });
    }
    if ops.is_empty() {
        "(empty)".into()
    } else {
        ops.join(", ")
    }
}

/// The value of a constant expression that is a single `i32.const` or `i64.const`.
fn const_value(e: &ConstExpr<'_>) -> Option<i64> {
    let mut reader = e.get_operators_reader();
    let value = match reader.read().ok()? {
        Operator::I32Const { value } => i64::from(value),
        Operator::I64Const { value } => value,
        _ => return None,
    };
    matches!(reader.read().ok()?, Operator::End).then_some(value)
}

fn element(i: usize, e: wasmparser::Element<'_>, info: &Info) -> Res<Node> {
    let (mode, base) = match &e.kind {
        ElementKind::Passive => ("passive".to_string(), None),
        ElementKind::Declared => ("declared".to_string(), None),
        ElementKind::Active {
            table_index,
            offset_expr,
        } => (
            format!(
                "active table {} offset {}",
                table_index.unwrap_or(0),
                const_expr(offset_expr, info)
            ),
            const_value(offset_expr),
        ),
    };
    let slot = |k: usize| match base.and_then(|b| b.checked_add(k as i64)) {
        Some(s) => format!("[{s}] "),
        None => format!("#{k} "),
    };
    let mut children = Vec::new();
    let count;
    let mut noun = "functions";
    match e.items {
        ElementItems::Functions(r) => {
            count = r.count() as usize;
            for (k, f) in r.into_iter_with_offsets().take(LIST_CAP).enumerate() {
                let (offset, f) = f?;
                let mut n = info.func_node(f, "");
                n.label = format!("{}{}", slot(k), n.label);
                n.offset = usize::try_from(offset).ok();
                n.size = None;
                children.push(n);
            }
        }
        ElementItems::Expressions(ty, r) => {
            count = r.count() as usize;
            if !ty.is_func_ref() {
                noun = "items";
            }
            for (k, x) in r.into_iter_with_offsets().take(LIST_CAP).enumerate() {
                let (offset, x) = x?;
                let mut reader = x.get_operators_reader();
                let mut n = match reader.read() {
                    Ok(Operator::RefFunc { function_index }) => info.func_node(function_index, ""),
                    _ => Node::new(format!("{ty} {}", const_expr(&x, info))),
                };
                n.label = format!("{}{}", slot(k), n.label);
                n.offset = usize::try_from(offset).ok();
                n.size = None;
                children.push(n);
            }
        }
    }
    if count > LIST_CAP {
        children.push(Node::new(format!("… {} more", count - LIST_CAP)));
    }
    Ok(Node::new(format!("elem {i}: {mode}, {count} {noun}"))
        .at(e.range.start, e.range.end - e.range.start)
        .with(children))
}

/// The first [`PREVIEW_CAP`] bytes, quoted and escaped (`\n`, `\x01`, …).
fn preview(data: &[u8]) -> String {
    let shown = &data[..data.len().min(PREVIEW_CAP)];
    let more = if data.len() > shown.len() { "…" } else { "" };
    format!("\"{}\"{more}", shown.escape_ascii())
}

/// The first [`HEX_CAP`] bytes, 16 a line with their ASCII, and how many more there are.
fn hex_dump(data: &[u8], offset: u64) -> Vec<Node> {
    let shown = &data[..data.len().min(HEX_CAP)];
    let mut lines: Vec<Node> = shown
        .chunks(16)
        .enumerate()
        .map(|(i, chunk)| {
            let mut hex = String::new();
            for b in chunk {
                let _ = write!(hex, "{b:02x} ");
            }
            let ascii: String = chunk
                .iter()
                .map(|&b| {
                    if b.is_ascii_graphic() || b == b' ' {
                        b as char
                    } else {
                        '.'
                    }
                })
                .collect();
            let at = offset + (i * 16) as u64;
            Node::new(format!("{hex:<48} |{ascii}|")).at(at, chunk.len() as u64)
        })
        .collect();
    if data.len() > shown.len() {
        lines.push(Node::new(format!(
            "… {} more bytes",
            data.len() - shown.len()
        )));
    }
    if data.is_empty() {
        lines.push(Node::new("(empty)"));
    }
    lines
}

fn error_node(e: BinaryReaderError) -> Node {
    Node::new(format!("malformed: {e}"))
}

/// The `name` section: the module name and each name map's count and first entries.
fn name_section(reader: wasmparser::NameSectionReader<'_>) -> Vec<Node> {
    let mut out = Vec::new();
    for name in reader {
        let name = match name {
            Ok(n) => n,
            Err(e) => {
                out.push(error_node(e));
                break;
            }
        };
        let node = match name {
            Name::Module { name, name_range } => Node::new(format!("module name: {name}"))
                .at(name_range.start, name_range.end - name_range.start),
            Name::Function(m) => name_map("function names", "func", m),
            Name::Type(m) => name_map("type names", "type", m),
            Name::Table(m) => name_map("table names", "table", m),
            Name::Memory(m) => name_map("memory names", "memory", m),
            Name::Global(m) => name_map("global names", "global", m),
            Name::Element(m) => name_map("element segment names", "elem", m),
            Name::Data(m) => name_map("data segment names", "data", m),
            Name::Tag(m) => name_map("tag names", "tag", m),
            Name::Local(m) => indirect_name_map("local names", "func", m),
            Name::Label(m) => indirect_name_map("label names", "func", m),
            Name::Field(m) => indirect_name_map("field names", "type", m),
            Name::Parameter(m) => indirect_name_map("parameter names", "type", m),
            Name::TagParameter(m) => indirect_name_map("tag parameter names", "tag", m),
            Name::Unknown { ty, data, range } => {
                Node::new(format!("unknown subsection {ty}: {} bytes", data.len()))
                    .at(range.start, range.end - range.start)
            }
        };
        out.push(node);
    }
    out
}

fn name_map(what: &str, kind: &str, map: NameMap<'_>) -> Node {
    let mut children = Vec::new();
    let mut count = 0usize;
    for naming in map {
        match naming {
            Ok(n) => {
                if count < NAME_CAP {
                    children.push(Node::new(format!("{kind} {}: {}", n.index, n.name)));
                }
                count += 1;
            }
            Err(e) => {
                children.push(error_node(e));
                break;
            }
        }
    }
    if count > NAME_CAP {
        children.push(Node::new(format!("… {} more", count - NAME_CAP)));
    }
    Node::new(format!("{what} ({count})")).with(children)
}

fn indirect_name_map(what: &str, kind: &str, map: wasmparser::IndirectNameMap<'_>) -> Node {
    let mut children = Vec::new();
    let (mut count, mut total) = (0usize, 0usize);
    for naming in map {
        match naming {
            Ok(n) => {
                let names: Vec<String> = n
                    .names
                    .map_while(|n| n.ok())
                    .map(|x| x.name.to_string())
                    .collect();
                total += names.len();
                if count < NAME_CAP {
                    let mut list = names.iter().take(8).cloned().collect::<Vec<_>>().join(", ");
                    if names.len() > 8 {
                        let _ = write!(list, ", … {} more", names.len() - 8);
                    }
                    children.push(Node::new(format!("{kind} {}: {list}", n.index)));
                }
                count += 1;
            }
            Err(e) => {
                children.push(error_node(e));
                break;
            }
        }
    }
    if count > NAME_CAP {
        children.push(Node::new(format!("… {} more", count - NAME_CAP)));
    }
    Node::new(format!("{what} ({total} in {count} {kind}s)")).with(children)
}

/// The `producers` section: each field with its values and versions.
fn producers(reader: wasmparser::ProducersSectionReader<'_>) -> Vec<Node> {
    let mut out = Vec::new();
    for field in reader {
        let field = match field {
            Ok(f) => f,
            Err(e) => {
                out.push(error_node(e));
                break;
            }
        };
        let mut values = Vec::new();
        for v in field.values {
            match v {
                Ok(v) if v.version.is_empty() => values.push(Node::new(v.name)),
                Ok(v) => values.push(Node::new(format!("{} {}", v.name, v.version))),
                Err(e) => {
                    values.push(error_node(e));
                    break;
                }
            }
        }
        out.push(Node::new(format!("{} ({})", field.name, values.len())).with(values));
    }
    out
}

/// The `target_features` section: a count, then each feature's prefix byte (`+` used,
/// `-` disallowed, `=` required) and name.
fn target_features(data: &[u8], offset: u64) -> Vec<Node> {
    let mut reader = BinaryReader::new(data, offset);
    let mut out = Vec::new();
    let result = (|| -> Res<()> {
        let count = reader.read_var_u32()?;
        for _ in 0..count {
            let at = reader.original_position();
            let prefix = reader.read_u8()?;
            let name = reader.read_string()?;
            out.push(Node::new(format!("{}{name}", prefix as char)).at_offset(at));
        }
        Ok(())
    })();
    if let Err(e) = result {
        out.push(error_node(e));
    }
    out
}

/// A `.debug_*` section: its size, and for `.debug_info` the DWARF summary (once).
fn debug_section(bytes: &[u8], name: &str, size: usize, dwarf_done: &mut bool) -> Vec<Node> {
    let mut out = vec![Node::new(format!("{size} bytes of DWARF"))];
    if name != ".debug_info" || *dwarf_done {
        return out;
    }
    *dwarf_done = true;
    match crate::dwarf::summarize(bytes) {
        Ok(Some(s)) => {
            let mut units = Vec::new();
            for cu in s.compile_units.iter().take(LIST_CAP) {
                let mut label = cu.name.clone().unwrap_or_else(|| "(unnamed unit)".into());
                let mut details = Vec::new();
                if let Some(l) = &cu.language {
                    details.push(l.clone());
                }
                details.push(format!("DWARF {}", cu.version));
                let _ = write!(label, " ({})", details.join(", "));
                let mut children = Vec::new();
                if let Some(p) = &cu.producer {
                    children.push(Node::new(format!("producer: {p}")));
                }
                if let Some(d) = &cu.comp_dir {
                    children.push(Node::new(format!("directory: {d}")));
                }
                units.push(Node::new(label).with(children));
            }
            if s.compile_units.len() > LIST_CAP {
                units.push(Node::new(format!(
                    "… {} more",
                    s.compile_units.len() - LIST_CAP
                )));
            }
            out.push(Node::new(format!("compile units ({})", s.compile_units.len())).with(units));
            out.push(Node::new(format!("source files: {}", s.files)));
            out.push(Node::new(format!(
                "line info covers {} of {} code bytes ({:.0}%)",
                s.covered_code_bytes,
                s.code_bytes,
                s.line_coverage() * 100.0
            )));
        }
        Ok(None) => {}
        Err(e) => out.push(Node::new(format!("DWARF: {e}"))),
    }
    out
}
