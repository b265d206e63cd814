//! The Module view's model: the module's structure decoded with `wasmparser` into a tree
//! of sections and their entries, with module byte offsets and sizes.
//!
//! [`inspect`] decodes a binary module once (on load); the view only draws the result.
//! Nothing here panics on bad input: a module that does not decode gives an error
//! message, and a malformed custom section becomes an error entry in its own node.

use std::collections::HashMap;
use std::fmt::Write as _;

use wasmparser::{
    BinaryReader, BinaryReaderError, ConstExpr, DataKind, ElementItems, ElementKind, ExternalKind,
    GlobalType, KnownCustom, MemoryType, Name, NameMap, Operator, Parser, Payload, TableType,
    TypeRef,
};

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
    /// section's payload start, as [`TextLine::code_offset`](crate::state::TextLine)).
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

/// Decodes binary module `bytes` into one node per section, in file order.
///
/// # Errors
/// The bytes are not a binary core module (a component, text, or a truncated or
/// malformed binary); the message says what and where.
pub fn inspect(bytes: &[u8]) -> Result<Vec<Node>, String> {
    if !bytes.starts_with(b"\0asm") {
        return Err("not a binary WebAssembly module (no \\0asm header)".into());
    }
    let info = Info::gather(bytes).map_err(malformed)?;
    if info.component {
        return Err("a component, not a core module".into());
    }
    build(bytes, &info).map_err(malformed)
}

fn malformed(e: BinaryReaderError) -> String {
    format!("cannot decode the module: {e}")
}

type Res<T> = Result<T, BinaryReaderError>;

/// A defined function's body.
#[derive(Clone, Copy, Debug)]
struct Body {
    offset: u64,
    size: u64,
    code_offset: u64,
}

/// What the entries refer to across sections (names, types, bodies), gathered in a first
/// pass so that every node can say e.g. a function's name and type.
#[derive(Debug, Default)]
struct Info {
    /// Each type's text, by type index.
    types: Vec<String>,
    /// Each function's type index, imports first.
    func_types: Vec<u32>,
    imported_funcs: u32,
    imported_globals: u32,
    /// Defined functions' bodies, in order.
    bodies: Vec<Body>,
    func_names: HashMap<u32, String>,
    global_names: HashMap<u32, String>,
    /// The bytes are a component: nothing else was gathered.
    component: bool,
}

/// The global names of the module's name section (empty when it has none or it does
/// not parse).
pub fn global_names(bytes: &[u8]) -> HashMap<u32, String> {
    Info::gather(bytes)
        .map(|i| i.global_names)
        .unwrap_or_default()
}

impl Info {
    fn gather(bytes: &[u8]) -> Res<Info> {
        let mut info = Info::default();
        let mut code_start = 0;
        for payload in Parser::new(0).parse_all(bytes) {
            match payload? {
                Payload::Version { encoding, .. } if encoding != wasmparser::Encoding::Module => {
                    info.component = true;
                    return Ok(info);
                }
                Payload::TypeSection(r) => {
                    for group in r {
                        for ty in group?.into_types() {
                            info.types.push(ty.to_string());
                        }
                    }
                }
                Payload::ImportSection(r) => {
                    for import in r.into_imports() {
                        match import?.ty {
                            TypeRef::Func(t) | TypeRef::FuncExact(t) => {
                                info.func_types.push(t);
                                info.imported_funcs = info.imported_funcs.saturating_add(1);
                            }
                            TypeRef::Global(_) => {
                                info.imported_globals = info.imported_globals.saturating_add(1)
                            }
                            _ => {}
                        }
                    }
                }
                Payload::FunctionSection(r) => {
                    for t in r {
                        info.func_types.push(t?);
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
                Payload::CustomSection(c) => {
                    if let KnownCustom::Name(names) = c.as_known() {
                        // A malformed name section only costs names here; its own node
                        // shows the error.
                        for name in names.map_while(Result::ok) {
                            match name {
                                Name::Function(map) => collect(map, &mut info.func_names),
                                Name::Global(map) => collect(map, &mut info.global_names),
                                _ => {}
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(info)
    }

    /// ` $name` for function `index`, or nothing.
    fn fname(&self, index: u32) -> String {
        self.func_names
            .get(&index)
            .map(|n| format!(" ${}", crate::names::demangle(n)))
            .unwrap_or_default()
    }

    /// A function node: `func N $name` plus `extra`, selectable, with its body if defined.
    fn func_node(&self, index: u32, extra: &str) -> Node {
        let mut node = Node::new(format!("func {index}{}{extra}", self.fname(index)));
        node.function = Some(index);
        if let Some(body) = index
            .checked_sub(self.imported_funcs)
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
        self.global_names
            .get(&index)
            .map(|n| format!(" ${n}"))
            .unwrap_or_default()
    }
}

fn collect(map: NameMap<'_>, out: &mut HashMap<u32, String>) {
    for naming in map.map_while(Result::ok) {
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
                for group in r {
                    for (offset, ty) in group?.into_types_and_offsets() {
                        children.push(Node::new(format!("type {index}: {ty}")).at_offset(offset));
                        index = index.saturating_add(1);
                    }
                }
                Node::new(format!("type ({})", children.len())).with(children)
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
                    let index = info.imported_funcs.saturating_add(i as u32);
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
                let index = info.imported_funcs.saturating_add(defined);
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

fn limits(initial: u64, maximum: Option<u64>) -> String {
    match maximum {
        Some(max) => format!("{initial}..{max}"),
        None => format!("{initial}.."),
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
                    .map_while(Result::ok)
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
    match wasmscope::dwarf::summarize(bytes) {
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
