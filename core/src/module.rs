//! Decoding and validating a module with `wasmparser`, and what the runtime keeps of it.
//!
//! [`ModuleInfo::parse`] walks the payloads once: the validator checks each of them, the
//! sections are recorded, and each function body's byte range is kept (and the body
//! validated, in the default compilation mode). Bodies are translated into the
//! interpreter's code later, when first called (`interp::code::ModuleCode`, kept beside
//! the description in `interp::code::WasmCode`), or all at once by
//! `WasmCode::translate_all` in the eager mode (validating them then).

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use wasmparser::{
    CompositeInnerType, ElementItems, ElementKind, ExternalKind, FrameKind, FrameStack,
    FuncToValidate, FuncValidator, FunctionBody, Name, Operator, Parser, Payload, TypeRef,
    ValidPayload, Validator, ValidatorResources, VisitOperator, VisitSimdOperator, WasmFeatures,
};

use crate::error::{Error, Result};
use crate::gctypes::{self, Converter, RefTy, TypeId};
use crate::options::{CodeOptions, CompilationMode};
use crate::types::{
    FuncType, FunctionDefinition, GlobalType, Limits, MemoryType, TableType, ValueType,
};

/// A constant expression: one instruction, or (extended constant expressions) several.
#[derive(Clone, Debug)]
pub(crate) enum ConstExpr {
    /// A number (or v128 half) given by its bits.
    Value(u64),
    /// `global.get` of an (imported) global.
    GlobalGet(u32),
    /// `ref.null`.
    RefNull,
    /// `ref.func`.
    RefFunc(u32),
    /// `v128.const`.
    V128(u128),
    /// Several instructions (extended constant expressions), run on a value stack.
    Ops(Arc<[ConstOp]>),
}

/// An instruction of an extended constant expression.
#[derive(Clone, Copy, Debug)]
pub(crate) enum ConstOp {
    /// A constant (an `i32`'s bits zero-extended).
    Const(u64),
    GlobalGet(u32),
    I32Add,
    I32Sub,
    I32Mul,
    I64Add,
    I64Sub,
    I64Mul,
    /// `ref.null`.
    RefNull,
    /// `ref.func` (module index).
    RefFunc(u32),
    /// `v128.const`.
    V128(u128),
    /// `struct.new` of canonical type `.0` with `.1` fields.
    StructNew(TypeId, u32),
    StructNewDefault(TypeId),
    ArrayNew(TypeId),
    ArrayNewDefault(TypeId),
    /// `array.new_fixed` of `.1` elements.
    ArrayNewFixed(TypeId, u32),
    RefI31,
    AnyConvertExtern,
    ExternConvertAny,
}

/// What an import asks for.
#[derive(Clone, Debug)]
pub(crate) enum ImportKind {
    Func(u32),
    Table(TableType),
    Memory(MemoryType),
    Global(GlobalType),
    /// An exception tag, by its (function) type index.
    Tag(u32),
}

#[derive(Clone, Debug)]
pub(crate) struct Import {
    pub module: Arc<str>,
    pub name: Arc<str>,
    pub kind: ImportKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ExportKind {
    Func,
    Table,
    Memory,
    Global,
    Tag,
}

#[derive(Clone, Debug)]
pub(crate) struct Export {
    pub name: Arc<str>,
    pub kind: ExportKind,
    pub index: u32,
}

#[derive(Clone, Debug)]
pub(crate) enum SegmentMode {
    Passive,
    Declared,
    Active { index: u32, offset: ConstExpr },
}

#[derive(Clone, Debug)]
pub(crate) struct ElemSegment {
    pub mode: SegmentMode,
    pub items: Vec<ConstExpr>,
}

#[derive(Clone, Debug)]
pub(crate) struct DataSegment {
    pub mode: SegmentMode,
    pub bytes: SegmentBytes,
}

/// A data segment's bytes: a range of the module's bytes, which the module keeps
/// anyway (a segment is not copied at decoding; a program's data can be megabytes).
/// The default is empty: a dropped segment.
#[derive(Clone, Default)]
pub(crate) struct SegmentBytes {
    module: Option<Arc<Vec<u8>>>,
    range: std::ops::Range<usize>,
}

impl SegmentBytes {
    /// `data`, a segment's bytes as the decoder gives them, as a range of `module`:
    /// `None` unless `data` is that range of `module` itself (the same bytes at the same
    /// address), which decoding `module` always gives.
    fn new(module: &Arc<Vec<u8>>, end: usize, data: &[u8]) -> Option<SegmentBytes> {
        let range = end.checked_sub(data.len())?..end;
        let found = module.get(range.clone())?;
        std::ptr::eq(found, data).then(|| SegmentBytes {
            module: Some(module.clone()),
            range,
        })
    }
}

impl std::fmt::Debug for SegmentBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // (The range and its bytes, not the whole module the segment is in.)
        f.debug_struct("SegmentBytes")
            .field("range", &self.range)
            .field("bytes", &&**self)
            .finish()
    }
}

impl std::ops::Deref for SegmentBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match &self.module {
            Some(m) => m.get(self.range.clone()).unwrap_or_default(),
            None => &[],
        }
    }
}

/// A custom section: name and byte range of its payload in the module bytes.
#[derive(Clone, Debug)]
pub(crate) struct CustomSection {
    pub name: Arc<str>,
    pub range: std::ops::Range<usize>,
}

/// What the operators of a module's bodies tell ([`ModuleInfo::bodies_use_gc`],
/// [`ModuleInfo::bodies_catch`]).
#[derive(Clone, Copy, Debug, Default)]
struct BodyScan {
    gc: bool,
    catches: bool,
}

impl BodyScan {
    /// What a body that cannot be read tells: no GC (it fails when translated), and a
    /// handler (the cautious answer).
    const UNREADABLE: BodyScan = BodyScan {
        gc: false,
        catches: true,
    };

    fn add(&mut self, other: BodyScan) {
        self.gc |= other.gc;
        self.catches |= other.catches;
    }

    /// Nothing more to find.
    fn complete(&self) -> bool {
        self.gc && self.catches
    }
}

/// Code from this many bytes of bodies up is read on every core.
const PARALLEL_SCAN_BYTES: usize = 1 << 20;

/// What body `range` of `bytes` tells: a body that does not decode uses no GC (it fails
/// when translated; GC operators before the error do not count) and counts as
/// catching.
fn scan_body(bytes: &[u8], range: &std::ops::Range<usize>) -> BodyScan {
    use Operator as O;
    let Some(code) = bytes.get(range.clone()) else {
        return BodyScan::UNREADABLE;
    };
    let body = FunctionBody::new(wasmparser::BinaryReader::new(code, range.start as u64));
    let Ok(mut ops) = body.get_operators_reader() else {
        return BodyScan::UNREADABLE;
    };
    let mut found = BodyScan::default();
    while !ops.eof() {
        match ops.read() {
            Ok(O::TryTable { .. } | O::Try { .. }) => found.catches = true,
            Ok(op) if is_gc_operator(&op) => found.gc = true,
            Ok(_) => {}
            Err(_) => return BodyScan::UNREADABLE,
        }
        if found.complete() {
            break;
        }
    }
    found
}

/// What `bodies` (ranges of `bytes`) tell, read on `threads` threads (each a run of
/// bodies of about equal size).
fn scan_bodies(bytes: &[u8], bodies: &[std::ops::Range<usize>], threads: usize) -> BodyScan {
    let scan = |ranges: &[std::ops::Range<usize>]| {
        let mut found = BodyScan::default();
        for range in ranges {
            found.add(scan_body(bytes, range));
            if found.complete() {
                break;
            }
        }
        found
    };
    if threads <= 1 {
        return scan(bodies);
    }
    let total: usize = bodies.iter().map(|r| r.len()).sum();
    let mut chunks = Vec::with_capacity(threads + 1);
    let (mut start, mut size) = (0, 0);
    for (i, range) in bodies.iter().enumerate() {
        size += range.len();
        if size * threads >= total * (chunks.len() + 1) {
            chunks.push(&bodies[start..=i]);
            start = i + 1;
        }
    }
    chunks.push(&bodies[start..]);
    std::thread::scope(|s| {
        let handles: Vec<_> = chunks.iter().map(|c| s.spawn(|| scan(c))).collect();
        let mut found = BodyScan::default();
        for h in handles {
            // (A thread that panicked found what a failed reading finds.)
            found.add(h.join().unwrap_or(BodyScan::UNREADABLE));
        }
        found
    })
}

/// Everything the runtime keeps of a decoded and validated module: the engine-neutral
/// description (an engine's code for it is kept beside it, e.g. `interp::code::WasmCode`).
#[derive(Debug)]
pub(crate) struct ModuleInfo {
    /// The module bytes (custom sections and DWARF are read from them lazily). A
    /// `Vec` in an `Arc`, so that bytes the caller hands over are kept without a copy
    /// ([`crate::Runtime::compile_module_owned`]).
    pub bytes: Arc<Vec<u8>>,
    /// Module name from the name section.
    pub name: Option<Arc<str>>,
    pub types: Vec<FuncType>,
    pub imports: Vec<Import>,
    /// Type index of every function, imports first.
    pub func_types: Vec<u32>,
    pub num_imported_funcs: u32,
    /// Every table, imports first.
    pub tables: Vec<TableType>,
    /// Every table's element type exactly (typed function references), imports first.
    pub table_refs: Vec<RefTy>,
    /// The defined tables' initial element (function references: a constant
    /// expression; `None`: null).
    pub table_inits: Vec<Option<ConstExpr>>,
    pub num_imported_tables: u32,
    pub memories: Vec<MemoryType>,
    /// Whether each memory (imports first) has 64-bit addresses (memory64).
    pub memory64: Vec<bool>,
    pub num_imported_memories: u32,
    /// Every global's type, imports first.
    pub globals: Vec<GlobalType>,
    /// Every global's reference type exactly (`None`: a number), imports first.
    pub global_refs: Vec<Option<RefTy>>,
    /// Every type's canonical id (`gctypes`), by type index.
    pub canon: Vec<TypeId>,
    /// Whether the module uses GC: struct or array types, references in the `any`
    /// hierarchy, or GC instructions (in bodies validated at decoding): such a module
    /// runs on the interpreter alone when calls are tiered (`RuntimeConfig::engine_for`).
    pub uses_gc: bool,
    /// What the bodies' operators tell, read once when asked ([`Self::body_scan`]).
    body_scan: std::sync::OnceLock<BodyScan>,
    pub num_imported_globals: u32,
    /// Initialisers of the defined globals.
    pub global_inits: Vec<ConstExpr>,
    /// Every exception tag's type index (a function type: the payload is its
    /// parameters), imports first.
    pub tags: Vec<u32>,
    pub num_imported_tags: u32,
    pub exports: Vec<Export>,
    pub start: Option<u32>,
    pub elements: Vec<ElemSegment>,
    pub datas: Vec<DataSegment>,
    /// The byte range of every defined function's body (locals and operators) in the
    /// module bytes.
    pub bodies: Vec<std::ops::Range<usize>>,
    /// The validator's view of the module (types, functions, tables...), from which a
    /// body's validator is made; `None` when the module defines no function.
    pub resources: Option<wasmparser::ValidatorResources>,
    /// The features the module was validated with (bodies validated later use them).
    pub features: WasmFeatures,
    /// Each body's [`Prelude`], when every body was validated when the module was decoded
    /// ([`CompilationMode::LazyTranslation`]; else empty): the interpreter translates
    /// such bodies without validating them again.
    pub preludes: Vec<Prelude>,
    pub func_names: HashMap<u32, Arc<str>>,
    pub local_names: HashMap<u32, HashMap<u32, Arc<str>>>,
    /// Type names (the name section's), by type index.
    pub type_names: HashMap<u32, Arc<str>>,
    /// Struct field names (the name section's, GC), by type index and field index.
    pub field_names: HashMap<u32, HashMap<u32, Arc<str>>>,
    pub custom_sections: Vec<CustomSection>,
    /// Offset of the code section's payload in the module bytes.
    pub code_section_offset: usize,
    /// The DWARF index, built on first use.
    pub dwarf: std::sync::OnceLock<Option<crate::dwarf::DwarfIndex>>,
    /// Whether a signature or global has a `v128` (the translator then counts slots
    /// from the first instruction of every function).
    pub uses_v128: bool,
}

/// wasmparser's features for `options` (the runtime's [`crate::CoreFeatures`]).
pub(crate) fn features(options: &CodeOptions) -> WasmFeatures {
    options.features.to_wasmparser()
}

fn limits(initial: u64, maximum: Option<u64>) -> Limits {
    Limits {
        min: initial,
        max: maximum,
    }
}

fn table_type(t: &wasmparser::TableType, conv: &Converter<'_>) -> Result<TableType> {
    Ok(TableType {
        element: conv.ref_ty(t.element_type).value_type(),
        limits: limits(t.initial, t.maximum),
        table64: t.table64,
    })
}

fn memory_type(m: &wasmparser::MemoryType) -> MemoryType {
    MemoryType {
        limits: limits(m.initial, m.maximum),
    }
}

fn global_type(g: &wasmparser::GlobalType, conv: &Converter<'_>) -> Result<GlobalType> {
    Ok(GlobalType {
        value_type: gctypes::value_type_of(conv.val(g.content_type)),
        mutable: g.mutable,
    })
}

fn const_expr(expr: &wasmparser::ConstExpr<'_>, canon: &[TypeId]) -> Result<ConstExpr> {
    let mut reader = expr.get_operators_reader();
    let op = reader.read()?;
    if !matches!(reader.clone().read()?, Operator::End) {
        return extended_const(expr, canon);
    }
    let value = match op {
        Operator::I32Const { value } => ConstExpr::Value(value as u32 as u64),
        Operator::I64Const { value } => ConstExpr::Value(value as u64),
        Operator::F32Const { value } => ConstExpr::Value(value.bits() as u64),
        Operator::F64Const { value } => ConstExpr::Value(value.bits()),
        Operator::V128Const { value } => ConstExpr::V128(value.i128() as u128),
        Operator::GlobalGet { global_index } => ConstExpr::GlobalGet(global_index),
        Operator::RefNull { .. } => ConstExpr::RefNull,
        Operator::RefFunc { function_index } => ConstExpr::RefFunc(function_index),
        _ => return extended_const(expr, canon),
    };
    Ok(value)
}

/// A constant expression of several instructions (validated: constants, `global.get`,
/// `add`/`sub`/`mul` of `i32` and `i64`, and GC's allocations and conversions).
fn extended_const(expr: &wasmparser::ConstExpr<'_>, canon: &[TypeId]) -> Result<ConstExpr> {
    let ty = |i: u32| canon.get(i as usize).copied().unwrap_or(0);
    let mut reader = expr.get_operators_reader();
    let mut ops = Vec::new();
    loop {
        let at = reader.original_position();
        let op = match reader.read()? {
            Operator::End => break,
            Operator::I32Const { value } => ConstOp::Const(value as u32 as u64),
            Operator::I64Const { value } => ConstOp::Const(value as u64),
            Operator::GlobalGet { global_index } => ConstOp::GlobalGet(global_index),
            Operator::I32Add => ConstOp::I32Add,
            Operator::I32Sub => ConstOp::I32Sub,
            Operator::I32Mul => ConstOp::I32Mul,
            Operator::I64Add => ConstOp::I64Add,
            Operator::I64Sub => ConstOp::I64Sub,
            Operator::I64Mul => ConstOp::I64Mul,
            Operator::F32Const { value } => ConstOp::Const(value.bits() as u64),
            Operator::F64Const { value } => ConstOp::Const(value.bits()),
            Operator::V128Const { value } => ConstOp::V128(value.i128() as u128),
            Operator::RefNull { .. } => ConstOp::RefNull,
            Operator::RefFunc { function_index } => ConstOp::RefFunc(function_index),
            Operator::StructNew { struct_type_index } => {
                let n = match &gctypes::def(ty(struct_type_index)).sub.composite {
                    gctypes::Composite::Struct(f) => f.len() as u32,
                    _ => 0,
                };
                ConstOp::StructNew(ty(struct_type_index), n)
            }
            Operator::StructNewDefault { struct_type_index } => {
                ConstOp::StructNewDefault(ty(struct_type_index))
            }
            Operator::ArrayNew { array_type_index } => ConstOp::ArrayNew(ty(array_type_index)),
            Operator::ArrayNewDefault { array_type_index } => {
                ConstOp::ArrayNewDefault(ty(array_type_index))
            }
            Operator::ArrayNewFixed {
                array_type_index,
                array_size,
            } => ConstOp::ArrayNewFixed(ty(array_type_index), array_size),
            Operator::RefI31 => ConstOp::RefI31,
            Operator::AnyConvertExtern => ConstOp::AnyConvertExtern,
            Operator::ExternConvertAny => ConstOp::ExternConvertAny,
            other => {
                return Err(Error::compile(
                    at,
                    format!("unsupported constant expression {other:?}"),
                ))
            }
        };
        ops.push(op);
    }
    Ok(ConstExpr::Ops(ops.into()))
}

/// Rejects 32-bit memory limits encoded in more than 5 LEB128 bytes, which wasmparser
/// accepts (it reads limits as 64-bit for memory64) and WebAssembly 2.0 calls malformed.
fn check_memory_limits_encoding(range: std::ops::Range<u64>, bytes: &[u8]) -> Result<()> {
    let Some(section) = bytes.get(range.start as usize..range.end as usize) else {
        return Ok(());
    };
    let mut reader = wasmparser::BinaryReader::new(section, range.start);
    let count = reader.read_var_u32()?;
    for _ in 0..count {
        let flags = reader.read_u8()?;
        if flags & 0x04 != 0 {
            // memory64: the validator rejects it with a clear message.
            return Ok(());
        }
        reader.read_var_u32()?;
        if flags & 0x01 != 0 {
            reader.read_var_u32()?;
        }
    }
    Ok(())
}

impl ModuleInfo {
    /// A global's reference type exactly (`None` for a number).
    fn global_ref(&self, g: &wasmparser::GlobalType) -> Option<RefTy> {
        match g.content_type {
            wasmparser::ValType::Ref(r) => Some(self.conv().ref_ty(r)),
            _ => None,
        }
    }

    /// Converts the module's types (after its type section).
    pub(crate) fn conv(&self) -> Converter<'_> {
        Converter {
            canon: &self.canon,
            group: 0..0,
        }
    }

    /// The representation of values of module type `t`.
    pub(crate) fn value_type(&self, t: wasmparser::ValType) -> ValueType {
        gctypes::value_type_of(self.conv().val(t))
    }

    /// Validates defined function `def`'s body, for an engine that translates a body the
    /// module did not validate up front ([`crate::CompilationMode::Lazy`]); the error
    /// names the function as the interpreter's does (`function[INDEX] (NAME): ...`).
    /// (The compiler engine's.)
    #[cfg_attr(
        not(any(target_arch = "x86_64", target_arch = "aarch64")),
        allow(dead_code)
    )]
    pub(crate) fn validate_function(&self, def: u32) -> Result<()> {
        self.validate_function_as(def, true)
    }

    /// [`Self::validate_function`]; `named: false` leaves the function's name out of the
    /// error, as the modes that validate at compile time give it.
    #[cfg_attr(
        not(any(target_arch = "x86_64", target_arch = "aarch64")),
        allow(dead_code)
    )]
    pub(crate) fn validate_function_as(&self, def: u32, named: bool) -> Result<()> {
        let (Some(resources), Some(range)) = (&self.resources, self.bodies.get(def as usize))
        else {
            return Err(Error::usage(format!(
                "no function with defined index {def}"
            )));
        };
        let index = self.num_imported_funcs + def;
        let body = FunctionBody::new(wasmparser::BinaryReader::new(
            &self.bytes[range.clone()],
            range.start as u64,
        ));
        let mut fv = wasmparser::FuncToValidate {
            resources: resources.clone(),
            index,
            ty: self.func_types[index as usize],
            features: self.features,
        }
        .into_validator(Default::default());
        validate_body(&mut fv, &body, self.features).map_err(|e| {
            if !named {
                return e;
            }
            let name = match self.func_names.get(&index) {
                Some(n) => format!(" ({n})"),
                None => String::new(),
            };
            let (offset, message) = match e.kind() {
                crate::error::ErrorKind::Compile { offset, message } => (*offset, message.clone()),
                _ => (0, e.to_string()),
            };
            Error::compile(offset, format!("function[{index}]{name}: {message}"))
        })?;
        Ok(())
    }
}

/// Validates one function body: wasmparser's validator, plus the one check of the 2.0
/// binary format it leaves to us (the reserved byte of `memory.size`/`memory.grow` must
/// be a single zero byte). Uses the validator's visitor, not decoded [`Operator`]s,
/// which makes it several times cheaper than translation.
fn validate_body(
    fv: &mut FuncValidator<ValidatorResources>,
    body: &FunctionBody<'_>,
    features: WasmFeatures,
) -> Result<(bool, Prelude)> {
    let mut reader = body.get_binary_reader();
    fv.read_locals(&mut reader)?;
    reader.set_features(features);
    let mut gc = false;
    let mut scan = PreludeScan::default();
    while !reader.eof() {
        let offset = reader.original_position();
        let mut visitor = CheckMemoryIndex {
            inner: fv.visitor(offset),
            memory_op: false,
            gc: false,
            scan: &mut scan,
        };
        reader.visit_operator(&mut visitor)??;
        if visitor.memory_op && reader.original_position() - offset != 2 {
            return Err(Error::compile(offset, "zero byte expected"));
        }
        gc |= visitor.gc;
    }
    reader.finish_expression(&fv.visitor(reader.original_position()))?;
    Ok((gc, scan.finish()))
}

/// A code section of this many bytes up, on a machine of several cores, has its bodies
/// validated on every core (CPython's 6 MB section: 2.7 million operators).
const PARALLEL_VALIDATION_BYTES: u32 = 1 << 20;

/// The validation of a module's bodies at decoding ([`CompilationMode::LazyTranslation`]):
/// each as it is read, or, in a large code section on a machine of several cores,
/// gathered and validated on every core when the section ends
/// ([`BodyValidation::finish`]). Either way the result is the same: the bodies'
/// preludes in order, whether one uses GC, and the first invalid body's error (by
/// position in the module).
struct BodyValidation<'a> {
    features: WasmFeatures,
    /// The threads of this code section (1: each body validated as it is read).
    threads: usize,
    gathered: Vec<(FuncToValidate<ValidatorResources>, FunctionBody<'a>)>,
    allocs: wasmparser::FuncValidatorAllocations,
}

impl<'a> BodyValidation<'a> {
    fn new(features: WasmFeatures) -> Self {
        BodyValidation {
            features,
            threads: 1,
            gathered: Vec::new(),
            allocs: Default::default(),
        }
    }

    /// A code section of `size` bytes starts; its bodies are validated if `validate`.
    fn start_section(&mut self, validate: bool, size: u32) {
        #[cfg(test)]
        if let Some(threads) = tests::VALIDATION_THREADS.get() {
            self.threads = if validate { threads } else { 1 };
            return;
        }
        self.threads = match validate && size >= PARALLEL_VALIDATION_BYTES {
            // (No threads where there are none, as in the browser: `available_parallelism`
            // fails there.)
            true => std::thread::available_parallelism().map_or(1, |n| n.get().min(8)),
            false => 1,
        };
    }

    /// The next body: validated now, or gathered.
    fn add(
        &mut self,
        func: FuncToValidate<ValidatorResources>,
        body: FunctionBody<'a>,
        uses_gc: &mut bool,
        preludes: &mut Vec<Prelude>,
    ) -> Result<()> {
        if self.threads > 1 {
            self.gathered.push((func, body));
            return Ok(());
        }
        validate_next(
            func,
            &body,
            self.features,
            &mut self.allocs,
            uses_gc,
            preludes,
        )
    }

    /// Validates the bodies gathered (none: nothing to do), in runs of about equal bytes,
    /// one a thread, each in order and to its first error.
    fn finish(&mut self, uses_gc: &mut bool, preludes: &mut Vec<Prelude>) -> Result<()> {
        if self.gathered.is_empty() {
            return Ok(());
        }
        let mut rest = std::mem::take(&mut self.gathered);
        let len = |b: &FunctionBody| (b.range().end - b.range().start) as usize;
        let total: usize = rest.iter().map(|(_, b)| len(b)).sum();
        let share = total.div_ceil(self.threads);
        let mut runs = Vec::with_capacity(self.threads);
        while !rest.is_empty() {
            let (mut n, mut size) = (0, 0);
            while n < rest.len() && (size < share || runs.len() + 1 == self.threads) {
                size += len(&rest[n].1);
                n += 1;
            }
            let tail = rest.split_off(n);
            runs.push(std::mem::replace(&mut rest, tail));
        }
        let features = self.features;
        let validate_run = move |run: Vec<(FuncToValidate<ValidatorResources>, FunctionBody)>| {
            let mut allocs = Default::default();
            let (mut gc, mut found) = (false, Vec::with_capacity(run.len()));
            for (func, body) in run {
                validate_next(func, &body, features, &mut allocs, &mut gc, &mut found)?;
            }
            Ok::<_, Error>((gc, found))
        };
        // (The first run on this thread, the others on threads of their own, each taking
        // its run from its slot; a run whose thread the system refuses is left in its slot
        // and validated here, after the others.)
        let mut runs = runs.into_iter();
        let first = runs.next().unwrap_or_default();
        let slots: Vec<_> = runs.map(|run| std::sync::Mutex::new(Some(run))).collect();
        let take = |slot: &std::sync::Mutex<Option<_>>| slot.lock().ok().and_then(|mut r| r.take());
        let results: Vec<Result<(bool, Vec<Prelude>)>> = std::thread::scope(|s| {
            let handles: Vec<_> = (slots.iter())
                .map(|slot| {
                    let thread = std::thread::Builder::new();
                    thread
                        .spawn_scoped(s, move || take(slot).map(validate_run))
                        .ok()
                })
                .collect();
            let mut results = vec![validate_run(first)];
            for (slot, handle) in slots.iter().zip(handles) {
                results.push(match handle.map(|h| h.join()) {
                    Some(Ok(Some(found))) => found,
                    Some(Err(_)) => Err(Error::new("internal error: a body's validation panicked")),
                    None | Some(Ok(None)) => validate_run(take(slot).unwrap_or_default()),
                });
            }
            results
        });
        // The runs are in the module's order, and each stopped at its first error: the
        // first error of the first run that has one is the module's first.
        for found in results {
            let (gc, found) = found?;
            *uses_gc |= gc;
            preludes.extend(found);
        }
        Ok(())
    }
}

/// Validates `func`'s `body` with `allocs` (kept for the next body), adding its prelude to
/// `preludes` and whether it uses GC to `uses_gc`.
fn validate_next(
    func: FuncToValidate<ValidatorResources>,
    body: &FunctionBody<'_>,
    features: WasmFeatures,
    allocs: &mut wasmparser::FuncValidatorAllocations,
    uses_gc: &mut bool,
    preludes: &mut Vec<Prelude>,
) -> Result<()> {
    let mut fv = func.into_validator(std::mem::take(allocs));
    let (gc, prelude) = validate_body(&mut fv, body, features)?;
    *uses_gc |= gc;
    preludes.push(prelude);
    *allocs = fv.into_allocations();
    Ok(())
}

/// The most constants of a body's loops that the interpreter gives slots of their own
/// ([`Prelude`]).
const MAX_LOOP_CONSTS: usize = 32;

/// What the interpreter's translation of a body sets up before its first operator, found
/// while the body is validated (so that translating it needs no pass of its own to find
/// it): the distinct `i64`, `f64` and `f32` constants used in its loops, as 64-bit
/// patterns, in the order of their first use, at most [`MAX_LOOP_CONSTS`] (they get
/// slots filled on entry, read like locals), how deeply its legacy `try`s nest (each
/// level has a hidden slot), and whether it has SIMD operators (then a `v128` may be on
/// its operand stack, and the translator validates it: `interp::heights`).
#[derive(Clone, Debug, Default)]
pub(crate) struct Prelude {
    pub loop_consts: Box<[u64]>,
    pub max_tries: u32,
    pub simd: bool,
}

/// Reads a body's operators (from `reader`, after its locals) for its [`Prelude`], as
/// validating it finds it (for a body not validated at decoding). A body that does not
/// decode gives what was read before the fault (its translation reports the fault).
pub(crate) fn read_prelude(reader: wasmparser::BinaryReader<'_>) -> Prelude {
    let mut scan = PreludeScan::default();
    let mut ops = wasmparser::OperatorsReader::new(reader);
    while !ops.eof() {
        match ops.read() {
            Ok(Operator::Loop { .. }) => scan.open(PreludeScan::LOOP),
            Ok(Operator::Try { .. }) => scan.open(PreludeScan::TRY),
            Ok(Operator::Block { .. } | Operator::If { .. } | Operator::TryTable { .. }) => {
                scan.open(0)
            }
            Ok(Operator::End | Operator::Delegate { .. }) => scan.close(),
            Ok(Operator::I64Const { value }) => scan.constant(value as u64),
            Ok(Operator::F64Const { value }) => scan.constant(value.bits()),
            Ok(Operator::F32Const { value }) => scan.constant(value.bits() as u64),
            Ok(_) => {}
            Err(_) => break,
        }
    }
    // (`simd` is not looked for here: a translation that validates meets the SIMD
    // operators itself.)
    scan.finish()
}

/// [`Prelude`]'s scan, operator by operator.
#[derive(Default)]
struct PreludeScan {
    /// The open blocks: loops (`LOOP`), legacy `try`s (`TRY`) and others (0).
    blocks: Vec<u8>,
    loops: usize,
    tries: u32,
    max_tries: u32,
    consts: Vec<u64>,
    simd: bool,
}

impl PreludeScan {
    const LOOP: u8 = 1;
    const TRY: u8 = 2;

    fn open(&mut self, kind: u8) {
        self.blocks.push(kind);
        match kind {
            Self::LOOP => self.loops += 1,
            Self::TRY => {
                self.tries += 1;
                self.max_tries = self.max_tries.max(self.tries);
            }
            _ => {}
        }
    }

    fn close(&mut self) {
        match self.blocks.pop() {
            Some(Self::LOOP) => self.loops -= 1,
            Some(Self::TRY) => self.tries -= 1,
            _ => {}
        }
    }

    fn finish(self) -> Prelude {
        Prelude {
            loop_consts: self.consts.into(),
            max_tries: self.max_tries,
            simd: self.simd,
        }
    }

    fn constant(&mut self, bits: u64) {
        if self.loops > 0 && self.consts.len() < MAX_LOOP_CONSTS && !self.consts.contains(&bits) {
            self.consts.push(bits);
        }
    }
}

/// The validator's operator visitor, noting whether the operator was `memory.size` or
/// `memory.grow` (whose encoding [`validate_body`] then checks) and whether it was one of
/// GC's, and following the body's [`Prelude`].
struct CheckMemoryIndex<'s, V> {
    inner: V,
    memory_op: bool,
    gc: bool,
    scan: &'s mut PreludeScan,
}

/// One `VisitOperator` method of [`CheckMemoryIndex`]: forwarded to the validator.
macro_rules! forward_operator {
    (@$proposal:ident MemorySize { $($arg:ident: $argty:ty),* } => $visit:ident) => {
        fn $visit(&mut self, $($arg: $argty),*) -> Self::Output {
            self.memory_op = true;
            self.inner.$visit($($arg),*)
        }
    };
    (@$proposal:ident MemoryGrow { $($arg:ident: $argty:ty),* } => $visit:ident) => {
        fn $visit(&mut self, $($arg: $argty),*) -> Self::Output {
            self.memory_op = true;
            self.inner.$visit($($arg),*)
        }
    };
    (@gc $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident) => {
        fn $visit(&mut self $($(, $arg: $argty)*)?) -> Self::Output {
            self.gc = true;
            self.inner.$visit($($($arg),*)?)
        }
    };
    (@$proposal:ident Loop { $($arg:ident: $argty:ty),* } => $visit:ident) => {
        fn $visit(&mut self, $($arg: $argty),*) -> Self::Output {
            self.scan.open(PreludeScan::LOOP);
            self.inner.$visit($($arg),*)
        }
    };
    (@$proposal:ident Try { $($arg:ident: $argty:ty),* } => $visit:ident) => {
        fn $visit(&mut self, $($arg: $argty),*) -> Self::Output {
            self.scan.open(PreludeScan::TRY);
            self.inner.$visit($($arg),*)
        }
    };
    (@$proposal:ident Block { $($arg:ident: $argty:ty),* } => $visit:ident) => {
        fn $visit(&mut self, $($arg: $argty),*) -> Self::Output {
            self.scan.open(0);
            self.inner.$visit($($arg),*)
        }
    };
    (@$proposal:ident If { $($arg:ident: $argty:ty),* } => $visit:ident) => {
        fn $visit(&mut self, $($arg: $argty),*) -> Self::Output {
            self.scan.open(0);
            self.inner.$visit($($arg),*)
        }
    };
    (@$proposal:ident TryTable { $($arg:ident: $argty:ty),* } => $visit:ident) => {
        fn $visit(&mut self, $($arg: $argty),*) -> Self::Output {
            self.scan.open(0);
            self.inner.$visit($($arg),*)
        }
    };
    (@$proposal:ident End => $visit:ident) => {
        fn $visit(&mut self) -> Self::Output {
            self.scan.close();
            self.inner.$visit()
        }
    };
    (@$proposal:ident Delegate { $($arg:ident: $argty:ty),* } => $visit:ident) => {
        fn $visit(&mut self, $($arg: $argty),*) -> Self::Output {
            self.scan.close();
            self.inner.$visit($($arg),*)
        }
    };
    (@$proposal:ident I64Const { $($arg:ident: $argty:ty),* } => $visit:ident) => {
        fn $visit(&mut self, $($arg: $argty),*) -> Self::Output {
            $(self.scan.constant($arg as u64);)*
            self.inner.$visit($($arg),*)
        }
    };
    (@$proposal:ident F64Const { $($arg:ident: $argty:ty),* } => $visit:ident) => {
        fn $visit(&mut self, $($arg: $argty),*) -> Self::Output {
            $(self.scan.constant($arg.bits());)*
            self.inner.$visit($($arg),*)
        }
    };
    (@$proposal:ident F32Const { $($arg:ident: $argty:ty),* } => $visit:ident) => {
        fn $visit(&mut self, $($arg: $argty),*) -> Self::Output {
            $(self.scan.constant($arg.bits() as u64);)*
            self.inner.$visit($($arg),*)
        }
    };
    (@$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident) => {
        #[inline(always)]
        fn $visit(&mut self $($(, $arg: $argty)*)?) -> Self::Output {
            self.inner.$visit($($($arg),*)?)
        }
    };
}

macro_rules! forward_operators {
    ($(@$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*))*) => {
        $(forward_operator!(@$proposal $op $({ $($arg: $argty),* })? => $visit);)*
    };
}

impl<'a, V: VisitOperator<'a, Output = wasmparser::Result<()>>> VisitOperator<'a>
    for CheckMemoryIndex<'_, V>
{
    type Output = wasmparser::Result<()>;

    fn simd_visitor(&mut self) -> Option<&mut dyn VisitSimdOperator<'a, Output = Self::Output>> {
        // (Asked for at each SIMD operator.)
        self.scan.simd = true;
        self.inner.simd_visitor()
    }

    wasmparser::for_each_visit_operator!(forward_operators);
}

impl<V: FrameStack> FrameStack for CheckMemoryIndex<'_, V> {
    fn current_frame(&self) -> Option<FrameKind> {
        self.inner.current_frame()
    }
}

impl ModuleInfo {
    /// Decodes and validates `bytes` (function bodies too in the default
    /// [`CompilationMode::LazyTranslation`]; the eager mode validates them while it
    /// translates them, `interp::code::WasmCode::translate_all`). Nothing is translated.
    ///
    /// # Errors
    /// A malformed or invalid module gives [`crate::ErrorKind::Compile`] with the byte
    /// offset of the problem.
    ///
    /// Borrowed `bytes` are copied (the module keeps them); owned ones are kept as
    /// they are.
    pub(crate) fn parse(bytes: Cow<'_, [u8]>, options: CodeOptions) -> Result<ModuleInfo> {
        // A component (layer 1 in the header's last two bytes: the component model's
        // binary format, which WASI preview 2 programs use) is said to be one, not
        // refused with the validator's advice to enable a feature this runtime lacks.
        if bytes.len() >= 8 && bytes.starts_with(b"\0asm") && bytes[6..8] == [1, 0] {
            return Err(Error::compile(
                6,
                "this is a WebAssembly component (the component model, as WASI preview 2 \
                 programs are built), not a core module: wasmscope runs core modules \
                 (WASI preview 1)"
                    .to_string(),
            ));
        }
        let bytes: Arc<Vec<u8>> = Arc::new(bytes.into_owned());
        let mut validator = Validator::new_with_features(features(&options));
        let mut info = ModuleInfo {
            bytes: bytes.clone(),
            name: None,
            types: Vec::new(),
            imports: Vec::new(),
            func_types: Vec::new(),
            num_imported_funcs: 0,
            tables: Vec::new(),
            table_refs: Vec::new(),
            table_inits: Vec::new(),
            num_imported_tables: 0,
            memories: Vec::new(),
            memory64: Vec::new(),
            num_imported_memories: 0,
            globals: Vec::new(),
            global_refs: Vec::new(),
            canon: Vec::new(),
            uses_gc: false,
            body_scan: std::sync::OnceLock::new(),
            num_imported_globals: 0,
            tags: Vec::new(),
            num_imported_tags: 0,
            global_inits: Vec::new(),
            exports: Vec::new(),
            start: None,
            elements: Vec::new(),
            datas: Vec::new(),
            bodies: Vec::new(),
            resources: None,
            features: features(&options),
            preludes: Vec::new(),
            func_names: HashMap::new(),
            type_names: HashMap::new(),
            field_names: HashMap::new(),
            local_names: HashMap::new(),
            custom_sections: Vec::new(),
            code_section_offset: 0,
            uses_v128: false,
            dwarf: std::sync::OnceLock::new(),
        };
        // Eager mode validates each body while translating it, right after this pass
        // (so a module whose bodies and later sections are both bad reports the section);
        // Lazy mode at each body's first call.
        let validate_bodies = options.mode == CompilationMode::LazyTranslation;
        let mut resources = None;
        let mut bodies = Vec::new();
        let mut preludes = Vec::new();
        let mut validating = BodyValidation::new(features(&options));
        let mut seen_end = false;
        for payload in Parser::new(0).parse_all(&bytes) {
            let step = (|| -> Result<()> {
                let payload = payload?;
                // (Bodies gathered for every core are validated when their section
                // ends, before anything after it.)
                if !matches!(payload, Payload::CodeSectionEntry(_)) {
                    validating.finish(&mut info.uses_gc, &mut preludes)?;
                }
                if let Payload::CodeSectionStart { size, .. } = payload {
                    validating.start_section(validate_bodies, size);
                }
                match validator.payload(&payload)? {
                    ValidPayload::Ok => {}
                    ValidPayload::Func(to_validate, body) => {
                        if resources.is_none() {
                            resources = Some(to_validate.resources.clone());
                        }
                        let range = body.range();
                        bodies.push(range.start as usize..range.end as usize);
                        if validate_bodies {
                            let (uses_gc, preludes) = (&mut info.uses_gc, &mut preludes);
                            validating.add(to_validate, body, uses_gc, preludes)?;
                        }
                    }
                    ValidPayload::End(_) => seen_end = true,
                    ValidPayload::Parser(_) => {
                        return Err(Error::compile(0, "nested modules are not supported"))
                    }
                }
                info.record(&payload)
            })();
            if let Err(e) = step {
                // A fault in a body gathered before this one is reported first, as when
                // each body is validated as it is read.
                validating.finish(&mut info.uses_gc, &mut preludes)?;
                return Err(e);
            }
        }
        validating.finish(&mut info.uses_gc, &mut preludes)?;
        if !seen_end {
            return Err(Error::compile(
                bytes.len() as u64,
                "unexpected end of module",
            ));
        }
        info.uses_v128 = info.types.iter().any(|t| {
            t.params().contains(&ValueType::V128) || t.results().contains(&ValueType::V128)
        }) || info.globals.iter().any(|g| g.value_type == ValueType::V128);
        info.uses_gc |= info.types.iter().any(|t| {
            t.params().contains(&ValueType::AnyRef) || t.results().contains(&ValueType::AnyRef)
        }) || info
            .globals
            .iter()
            .any(|g| g.value_type == ValueType::AnyRef)
            || info.tables.iter().any(|t| t.element == ValueType::AnyRef);
        info.bodies = bodies;
        info.resources = resources;
        info.preludes = preludes;
        Ok(info)
    }

    /// The types of defined function `def`'s locals, parameters first (from its type and
    /// its body's local declarations). `None` for a function that does not exist or a
    /// body whose declarations do not read.
    pub(crate) fn local_types(&self, def: u32) -> Option<Vec<ValueType>> {
        let index = self.num_imported_funcs + def;
        let mut types = self.func_type(index).params().to_vec();
        let range = self.bodies.get(def as usize)?;
        let mut reader =
            wasmparser::BinaryReader::new(&self.bytes[range.clone()], range.start as u64);
        for _ in 0..reader.read_var_u32().ok()? {
            let count = reader.read_var_u32().ok()?;
            let ty = self.value_type(reader.read().ok()?);
            // A body's locals were validated (or fail at translation before they run).
            types.extend(std::iter::repeat_n(ty, count.min(1 << 20) as usize));
        }
        Some(types)
    }

    /// A validator for defined function `def`'s body, its locals read, and the reader at
    /// the body's first operator.
    fn body_validator(
        &self,
        def: u32,
    ) -> Option<(
        wasmparser::FuncValidator<wasmparser::ValidatorResources>,
        wasmparser::BinaryReader<'_>,
    )> {
        let index = self.num_imported_funcs + def;
        let range = self.bodies.get(def as usize)?;
        let resources = self.resources.clone()?;
        let body = FunctionBody::new(wasmparser::BinaryReader::new(
            &self.bytes[range.clone()],
            range.start as u64,
        ));
        let mut fv = wasmparser::FuncToValidate {
            resources,
            index,
            ty: *self.func_types.get(index as usize)?,
            features: self.features,
        }
        .into_validator(Default::default());
        let mut reader = body.get_binary_reader();
        fv.read_locals(&mut reader).ok()?;
        reader.set_features(self.features);
        Some((fv, reader))
    }

    /// The types on the operand stack (bottom first) just before the operator at module
    /// offset `offset` of defined function `def`, by validating the body up to there
    /// (nothing keeps them while code runs). `None` when `offset` is not an operator of
    /// that body or the body does not validate up to it; a type the validator does not
    /// know (unreachable code) ends the list.
    pub(crate) fn operand_types_at(&self, def: u32, offset: u64) -> Option<Vec<ValueType>> {
        let (mut fv, mut reader) = self.body_validator(def)?;
        while !reader.eof() {
            let at = reader.original_position();
            if at == offset {
                let height = fv.operand_stack_height();
                return Some(
                    (0..height)
                        .rev()
                        .map_while(|d| fv.get_operand_type(d as usize).flatten())
                        .map_while(|t| self.operand_type(t))
                        .collect(),
                );
            }
            if at > offset {
                return None;
            }
            reader.visit_operator(&mut fv.visitor(at)).ok()?.ok()?;
        }
        None
    }

    /// The abstract machine before the instruction at module offset `offset` of defined
    /// function `def` (see [`crate::machine`]); `None` when no instruction begins there.
    pub(crate) fn machine_at(&self, def: u32, offset: u64) -> Option<crate::machine::MachineState> {
        use crate::machine::{Label, LabelKind, MachineState};
        use wasmparser::{FrameKind, WasmModuleResources};
        let index = self.num_imported_funcs + def;
        let (mut fv, reader) = self.body_validator(def)?;
        let operands = |fv: &wasmparser::FuncValidator<_>| -> Vec<ValueType> {
            (0..fv.operand_stack_height())
                .rev()
                .map(|d| {
                    fv.get_operand_type(d as usize)
                        .flatten()
                        .and_then(|t| self.operand_type(t))
                        .unwrap_or(ValueType::I32)
                })
                .collect()
        };
        // One reader for the whole body (it tracks the nesting `else` and `end` need).
        let mut ops = wasmparser::OperatorsReader::new(reader);
        while !ops.eof() {
            let at = ops.original_position();
            if at > offset {
                return None;
            }
            let op = ops.read().ok()?;
            if at < offset {
                fv.op(at, &op).ok()?;
                continue;
            }
            let (pops, pushes) = op.operator_arity(&fv).unwrap_or((0, 0));
            let height = fv.control_stack_height() as usize;
            let block_types = |bt: wasmparser::BlockType| -> (Vec<ValueType>, Vec<ValueType>) {
                let conv = |ts: &[wasmparser::ValType]| -> Vec<ValueType> {
                    ts.iter().filter_map(|t| self.operand_type(*t)).collect()
                };
                match bt {
                    wasmparser::BlockType::Empty => (vec![], vec![]),
                    wasmparser::BlockType::Type(t) => (vec![], conv(&[t])),
                    wasmparser::BlockType::FuncType(i) => fv
                        .resources()
                        .sub_type_at(i)
                        .and_then(|st| match &st.composite_type.inner {
                            CompositeInnerType::Func(f) => {
                                Some((conv(f.params()), conv(f.results())))
                            }
                            _ => None,
                        })
                        .unwrap_or_default(),
                }
            };
            let mut control = Vec::new();
            for depth in (0..height).rev() {
                let f = fv.get_control_frame(depth)?;
                let kind = if depth + 1 == height {
                    LabelKind::Function
                } else {
                    match f.kind {
                        FrameKind::Block => LabelKind::Block,
                        FrameKind::Loop => LabelKind::Loop,
                        FrameKind::If => LabelKind::If,
                        FrameKind::Else => LabelKind::Else,
                        FrameKind::TryTable => LabelKind::TryTable,
                        _ => LabelKind::Try,
                    }
                };
                let (params, results) = if kind == LabelKind::Function {
                    block_types(wasmparser::BlockType::FuncType(
                        self.func_types[index as usize],
                    ))
                } else {
                    block_types(f.block_type)
                };
                control.push(Label {
                    kind,
                    index: depth as u32,
                    params,
                    results,
                    height: f.height,
                    unreachable: f.unreachable,
                });
            }
            let debug = format!("{op:?}");
            let name = crate::machine::mnemonic(debug.split([' ', '{']).next().unwrap_or(""));
            let imm = crate::machine::immediates(&debug);
            let target_depth = match &op {
                wasmparser::Operator::Br { relative_depth }
                | wasmparser::Operator::BrIf { relative_depth }
                | wasmparser::Operator::BrOnNull { relative_depth }
                | wasmparser::Operator::BrOnNonNull { relative_depth } => Some(*relative_depth),
                wasmparser::Operator::BrTable { targets } => Some(targets.default()),
                wasmparser::Operator::Return => Some(height.saturating_sub(1) as u32),
                _ => None,
            };
            let branch_target = target_depth
                .and_then(|d| (height as u32).checked_sub(d.checked_add(1)?))
                .map(|i| i as usize);
            let before = operands(&fv);
            let semantics = crate::machine::semantics(&name, &imm, pops, pushes);
            let instruction = if imm.is_empty() {
                name
            } else {
                format!("{name} {imm}")
            };
            let last_end = matches!(op, wasmparser::Operator::End) && height == 1;
            fv.op(at, &op).ok()?;
            let after = (!last_end).then(|| operands(&fv));
            return Some(MachineState {
                code_offset: offset.saturating_sub(self.code_section_offset as u64),
                instruction,
                semantics,
                control,
                before,
                after,
                pops,
                pushes,
                branch_target,
            });
        }
        None
    }

    /// The operators of the function body that holds module offset `at`; `None` outside
    /// bodies.
    fn body_operators_at(&self, at: u64) -> Option<wasmparser::OperatorsReader<'_>> {
        let i = self.bodies.partition_point(|r| (r.end as u64) <= at);
        let range = self.bodies.get(i)?;
        if (range.start as u64) > at {
            return None;
        }
        let body = FunctionBody::new(wasmparser::BinaryReader::new(
            &self.bytes[range.clone()],
            range.start as u64,
        ));
        body.get_operators_reader().ok()
    }

    /// The module offset of the first instruction at or after module offset `at` in the
    /// function body that holds `at` (from its local declarations: the body's first
    /// instruction); `None` outside bodies.
    pub(crate) fn instruction_at_or_after(&self, at: u64) -> Option<u64> {
        let mut ops = self.body_operators_at(at)?;
        while !ops.eof() {
            let here = ops.original_position();
            if here >= at {
                return Some(here);
            }
            ops.read().ok()?;
        }
        None
    }

    /// Whether an instruction of a function body begins at module offset `at`, and if so
    /// the module offset of the next one (`None` inside: it is its body's last).
    pub(crate) fn instruction_at(&self, at: u64) -> Option<Option<u64>> {
        let mut ops = self.body_operators_at(at)?;
        while !ops.eof() {
            let here = ops.original_position();
            ops.read().ok()?;
            if here == at {
                return Some((!ops.eof()).then(|| ops.original_position()));
            }
            if here > at {
                return None;
            }
        }
        None
    }

    /// The constructs of defined function `def`'s body in the order they open (the body
    /// first), with module offsets turned into code-section ones; `None` when the body
    /// does not read.
    pub(crate) fn structure_of(&self, def: u32) -> Option<Vec<crate::machine::Block>> {
        use crate::machine::{Block, LabelKind};
        let range = self.bodies.get(def as usize)?;
        let base = self.code_section_offset as u64;
        let body = FunctionBody::new(wasmparser::BinaryReader::new(
            &self.bytes[range.clone()],
            range.start as u64,
        ));
        let mut ops = body.get_operators_reader().ok()?;
        let mut out: Vec<Block> = Vec::new();
        let mut open: Vec<usize> = Vec::new();
        while !ops.eof() {
            let at = ops.original_position().checked_sub(base)?;
            let op = ops.read().ok()?;
            if out.is_empty() {
                out.push(Block {
                    kind: LabelKind::Function,
                    depth: 0,
                    start: at,
                    else_at: None,
                    end: at,
                    instructions: 0,
                });
                open.push(0);
            }
            let kind = match op {
                wasmparser::Operator::Block { .. } => Some(LabelKind::Block),
                wasmparser::Operator::Loop { .. } => Some(LabelKind::Loop),
                wasmparser::Operator::If { .. } => Some(LabelKind::If),
                wasmparser::Operator::TryTable { .. } => Some(LabelKind::TryTable),
                wasmparser::Operator::Try { .. } => Some(LabelKind::Try),
                _ => None,
            };
            match (&op, kind) {
                (_, Some(kind)) => {
                    for &b in &open {
                        out[b].instructions += 1;
                    }
                    out.push(Block {
                        kind,
                        depth: open.len(),
                        start: at,
                        else_at: None,
                        end: at,
                        instructions: 0,
                    });
                    open.push(out.len() - 1);
                }
                (wasmparser::Operator::End, _) => {
                    let b = open.pop()?;
                    out[b].end = at;
                }
                (wasmparser::Operator::Else, _) => {
                    let b = *open.last()?;
                    out[b].else_at = Some(at);
                    for &b in &open {
                        out[b].instructions += 1;
                    }
                }
                _ => {
                    for &b in &open {
                        out[b].instructions += 1;
                    }
                }
            }
        }
        Some(out)
    }

    /// Whether a function body uses a GC instruction (for the modes that did not validate
    /// the bodies at decoding, where [`ModuleInfo::uses_gc`] does not know yet). A body
    /// that does not decode counts as not (it fails when translated).
    pub(crate) fn bodies_use_gc(&self) -> bool {
        self.body_scan().gc
    }

    /// Whether a function body has an exception handler (`try_table`, or the legacy
    /// `try`). A body that does not decode counts as one. (The compiler engine's.)
    #[cfg_attr(
        not(any(target_arch = "x86_64", target_arch = "aarch64")),
        allow(dead_code)
    )]
    pub(crate) fn bodies_catch(&self) -> bool {
        self.body_scan().catches
    }

    /// What every body's operators tell (one reading of the code section, made once, on
    /// every core for a large module: the compiler asks before it compiles anything).
    fn body_scan(&self) -> BodyScan {
        *self.body_scan.get_or_init(|| {
            let bytes: usize = self.bodies.iter().map(|r| r.len()).sum();
            let threads = match bytes >= PARALLEL_SCAN_BYTES {
                true => std::thread::available_parallelism().map_or(1, |n| n.get()),
                false => 1,
            };
            scan_bodies(&self.bytes, &self.bodies, threads)
        })
    }

    /// The type of an operand as the validator reports it (its types by the validator's
    /// ids).
    fn operand_type(&self, t: wasmparser::ValType) -> Option<ValueType> {
        use wasmparser::{HeapType as H, UnpackedIndex as U, WasmModuleResources};
        let wasmparser::ValType::Ref(r) = t else {
            return ValueType::from_wasmparser(t).ok();
        };
        match r.heap_type() {
            H::Concrete(U::Id(id)) | H::Exact(U::Id(id)) => {
                let resources = self.resources.as_ref()?;
                Some(match resources.sub_type_at_id(id).composite_type.inner {
                    CompositeInnerType::Func(_) => ValueType::FuncRef,
                    _ => ValueType::AnyRef,
                })
            }
            _ => Some(self.value_type(t)),
        }
    }

    /// The defined function whose body contains module offset `offset`.
    pub(crate) fn func_at(&self, offset: u64) -> Option<u32> {
        let offset = usize::try_from(offset).ok()?;
        let i = self.bodies.partition_point(|r| r.end <= offset);
        self.bodies
            .get(i)
            .filter(|r| r.contains(&offset))
            .map(|_| i as u32)
    }

    fn record(&mut self, payload: &Payload<'_>) -> Result<()> {
        match payload {
            Payload::TypeSection(reader) => {
                for group in reader.clone() {
                    let group = group?;
                    let first = self.canon.len() as u32;
                    let n = group.types().len() as u32;
                    let conv = Converter {
                        canon: &self.canon,
                        group: first..first + n,
                    };
                    let mut subs = Vec::new();
                    for sub in group.types() {
                        subs.push(conv.sub_type(sub).map_err(|m| Error::compile(0, m))?);
                    }
                    let ids = gctypes::register_group(subs);
                    for id in ids {
                        // (Recursive groups and subtyping of function types alone
                        // run on both engines: `store::sig_matches`.)
                        let def = gctypes::def(id);
                        self.types.push(match &def.sub.composite {
                            gctypes::Composite::Func { params, results } => {
                                let conv = |t: &[gctypes::ValTy]| -> Vec<ValueType> {
                                    t.iter().map(|t| gctypes::value_type_of(*t)).collect()
                                };
                                FuncType::new(conv(params), conv(results))
                            }
                            _ => {
                                self.uses_gc = true;
                                FuncType::default()
                            }
                        });
                        self.canon.push(id);
                    }
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader.clone().into_imports() {
                    let import = import?;
                    let kind = match import.ty {
                        TypeRef::Func(t) | TypeRef::FuncExact(t) => {
                            self.func_types.push(t);
                            self.num_imported_funcs += 1;
                            ImportKind::Func(t)
                        }
                        TypeRef::Table(t) => {
                            self.table_refs.push(self.conv().ref_ty(t.element_type));
                            let t = table_type(&t, &self.conv())?;
                            self.tables.push(t);
                            self.num_imported_tables += 1;
                            ImportKind::Table(t)
                        }
                        TypeRef::Memory(m) => {
                            self.memory64.push(m.memory64);
                            let m = memory_type(&m);
                            self.memories.push(m);
                            self.num_imported_memories += 1;
                            ImportKind::Memory(m)
                        }
                        TypeRef::Global(g) => {
                            self.global_refs.push(self.global_ref(&g));
                            let g = global_type(&g, &self.conv())?;
                            self.globals.push(g);
                            self.num_imported_globals += 1;
                            ImportKind::Global(g)
                        }
                        TypeRef::Tag(t) => {
                            self.tags.push(t.func_type_idx);
                            self.num_imported_tags += 1;
                            ImportKind::Tag(t.func_type_idx)
                        }
                    };
                    self.imports.push(Import {
                        module: import.module.into(),
                        name: import.name.into(),
                        kind,
                    });
                }
            }
            Payload::FunctionSection(reader) => {
                for t in reader.clone() {
                    self.func_types.push(t?);
                }
            }
            Payload::TableSection(reader) => {
                for t in reader.clone() {
                    let t = t?;
                    self.table_inits.push(match &t.init {
                        wasmparser::TableInit::RefNull => None,
                        wasmparser::TableInit::Expr(e) => Some(const_expr(e, &self.canon)?),
                    });
                    self.table_refs.push(self.conv().ref_ty(t.ty.element_type));
                    self.tables.push(table_type(&t.ty, &self.conv())?);
                }
            }
            Payload::MemorySection(reader) => {
                check_memory_limits_encoding(reader.range(), &self.bytes)?;
                for m in reader.clone() {
                    let m = m?;
                    self.memory64.push(m.memory64);
                    self.memories.push(memory_type(&m));
                }
            }
            Payload::GlobalSection(reader) => {
                for g in reader.clone() {
                    let g = g?;
                    self.global_refs.push(self.global_ref(&g.ty));
                    self.globals.push(global_type(&g.ty, &self.conv())?);
                    self.global_inits
                        .push(const_expr(&g.init_expr, &self.canon)?);
                }
            }
            Payload::ExportSection(reader) => {
                for e in reader.clone() {
                    let e = e?;
                    let kind = match e.kind {
                        ExternalKind::Func | ExternalKind::FuncExact => ExportKind::Func,
                        ExternalKind::Table => ExportKind::Table,
                        ExternalKind::Memory => ExportKind::Memory,
                        ExternalKind::Global => ExportKind::Global,
                        ExternalKind::Tag => ExportKind::Tag,
                    };
                    self.exports.push(Export {
                        name: e.name.into(),
                        kind,
                        index: e.index,
                    });
                }
            }
            Payload::TagSection(reader) => {
                for t in reader.clone() {
                    self.tags.push(t?.func_type_idx);
                }
            }
            Payload::StartSection { func, .. } => self.start = Some(*func),
            Payload::ElementSection(reader) => {
                for e in reader.clone() {
                    let e = e?;
                    let mode = match &e.kind {
                        ElementKind::Passive => SegmentMode::Passive,
                        ElementKind::Declared => SegmentMode::Declared,
                        ElementKind::Active {
                            table_index,
                            offset_expr,
                        } => SegmentMode::Active {
                            index: table_index.unwrap_or(0),
                            offset: const_expr(offset_expr, &self.canon)?,
                        },
                    };
                    let mut items = Vec::new();
                    match e.items {
                        ElementItems::Functions(funcs) => {
                            for f in funcs {
                                items.push(ConstExpr::RefFunc(f?));
                            }
                        }
                        ElementItems::Expressions(_, exprs) => {
                            for expr in exprs {
                                items.push(const_expr(&expr?, &self.canon)?);
                            }
                        }
                    }
                    self.elements.push(ElemSegment { mode, items });
                }
            }
            Payload::DataSection(reader) => {
                for d in reader.clone() {
                    let d = d?;
                    let mode = match &d.kind {
                        wasmparser::DataKind::Passive => SegmentMode::Passive,
                        wasmparser::DataKind::Active {
                            memory_index,
                            offset_expr,
                        } => SegmentMode::Active {
                            index: *memory_index,
                            offset: const_expr(offset_expr, &self.canon)?,
                        },
                    };
                    // (A segment's bytes end its entry.)
                    let bytes = SegmentBytes::new(&self.bytes, d.range.end as usize, d.data)
                        .ok_or_else(|| {
                            Error::new("internal error: a data segment outside the module")
                        })?;
                    self.datas.push(DataSegment { mode, bytes });
                }
            }
            Payload::CodeSectionStart {
                unchecked_range, ..
            } => self.code_section_offset = unchecked_range.start as usize,
            Payload::CustomSection(reader) => {
                self.custom_sections.push(CustomSection {
                    name: reader.name().into(),
                    range: reader.data_offset() as usize
                        ..reader.data_offset() as usize + reader.data().len(),
                });
                if reader.name() == "name" {
                    // A malformed name section is ignored, as the spec requires.
                    let _ = self.read_names(reader);
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn read_names(&mut self, reader: &wasmparser::CustomSectionReader<'_>) -> Result<()> {
        let names = wasmparser::NameSectionReader::new(wasmparser::BinaryReader::new(
            reader.data(),
            reader.data_offset(),
        ));
        for name in names {
            match name? {
                Name::Module { name, .. } => self.name = Some(name.into()),
                Name::Function(map) => {
                    for n in map {
                        let n = n?;
                        self.func_names.insert(n.index, n.name.into());
                    }
                }
                Name::Local(map) => {
                    for f in map {
                        let f = f?;
                        let mut locals = HashMap::new();
                        for n in f.names {
                            let n = n?;
                            locals.insert(n.index, n.name.into());
                        }
                        self.local_names.insert(f.index, locals);
                    }
                }
                Name::Type(map) => {
                    for n in map {
                        let n = n?;
                        self.type_names.insert(n.index, n.name.into());
                    }
                }
                Name::Field(map) => {
                    for t in map {
                        let t = t?;
                        let mut fields = HashMap::new();
                        for n in t.names {
                            let n = n?;
                            fields.insert(n.index, n.name.into());
                        }
                        self.field_names.insert(t.index, fields);
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Whether a source statement begins at code offset `offset` (DWARF line table).
    pub(crate) fn is_statement(&self, offset: u64) -> bool {
        self.dwarf
            .get_or_init(|| crate::dwarf::DwarfIndex::load(&self.bytes))
            .as_ref()
            .is_some_and(|d| d.is_statement(offset))
    }

    /// The first `prologue_end` row's code offset in `range` (see
    /// `DwarfIndex::prologue_end_in`).
    pub(crate) fn prologue_end_in(&self, range: std::ops::Range<u64>) -> Option<u64> {
        self.dwarf
            .get_or_init(|| crate::dwarf::DwarfIndex::load(&self.bytes))
            .as_ref()
            .and_then(|d| d.prologue_end_in(range))
    }

    /// Whether the module has DWARF line information.
    pub(crate) fn has_line_info(&self) -> bool {
        self.dwarf
            .get_or_init(|| crate::dwarf::DwarfIndex::load(&self.bytes))
            .is_some()
    }

    /// The source locations of code offset `offset` (innermost first), from the DWARF
    /// index, built on first use.
    pub(crate) fn source_locations(&self, offset: u64) -> Vec<crate::dwarf::SourceLocation> {
        self.dwarf
            .get_or_init(|| crate::dwarf::DwarfIndex::load(&self.bytes))
            .as_ref()
            .map_or_else(Vec::new, |d| d.locations(offset))
    }

    /// Code offsets where a function named `name` was inlined (see
    /// `DwarfIndex::inlined_sites`).
    pub(crate) fn inlined_sites(&self, name: &str) -> Vec<u64> {
        self.dwarf
            .get_or_init(|| crate::dwarf::DwarfIndex::load(&self.bytes))
            .as_ref()
            .map_or_else(Vec::new, |d| d.inlined_sites(name))
    }

    /// Code offsets where the functions whose DWARF name is `name` begin (see
    /// `DwarfIndex::subprogram_entries`).
    pub(crate) fn subprogram_entries(&self, name: &str) -> Vec<u64> {
        self.dwarf
            .get_or_init(|| crate::dwarf::DwarfIndex::load(&self.bytes))
            .as_ref()
            .map_or_else(Vec::new, |d| d.subprogram_entries(name))
    }

    /// The source files of the DWARF line tables.
    pub(crate) fn source_files(&self) -> Vec<String> {
        self.dwarf
            .get_or_init(|| crate::dwarf::DwarfIndex::load(&self.bytes))
            .as_ref()
            .map_or_else(Vec::new, |d| d.source_files())
    }

    /// Code offsets that begin statements of `file:line` (for breakpoints by line).
    pub(crate) fn offsets_for_line(&self, file: &str, line: u32) -> Vec<u64> {
        self.dwarf
            .get_or_init(|| crate::dwarf::DwarfIndex::load(&self.bytes))
            .as_ref()
            .map_or_else(Vec::new, |d| d.offsets_for_line(file, line))
    }

    /// The type of function `index` (imports first).
    pub(crate) fn func_type(&self, index: u32) -> &FuncType {
        &self.types[self.func_types[index as usize] as usize]
    }
}

/// Builds the definition of function `index` of `info`, in module `module_name`.
pub(crate) fn definition(info: &ModuleInfo, module_name: &str, index: u32) -> FunctionDefinition {
    let import = info
        .imports
        .iter()
        .filter(|i| matches!(i.kind, ImportKind::Func(_)))
        .nth(index as usize)
        .filter(|_| index < info.num_imported_funcs)
        .map(|i| (i.module.clone(), i.name.clone()));
    let export_names = info
        .exports
        .iter()
        .filter(|e| e.kind == ExportKind::Func && e.index == index)
        .map(|e| e.name.clone())
        .collect();
    let ty = info.func_type(index).clone();
    let locals = info.local_names.get(&index);
    let param_names = (0..ty.params().len() as u32)
        .map(|i| locals.and_then(|l| l.get(&i).cloned()))
        .collect();
    FunctionDefinition {
        module_name: module_name.into(),
        index,
        import,
        export_names,
        name: info.func_names.get(&index).cloned(),
        result_names: vec![None; ty.results().len()],
        ty,
        param_names,
        host: false,
    }
}

/// Whether `op` is one of GC's instructions.
pub(crate) fn is_gc_operator(op: &Operator<'_>) -> bool {
    use Operator as O;
    matches!(
        op,
        O::StructNew { .. }
            | O::StructNewDefault { .. }
            | O::StructGet { .. }
            | O::StructGetS { .. }
            | O::StructGetU { .. }
            | O::StructSet { .. }
            | O::ArrayNew { .. }
            | O::ArrayNewDefault { .. }
            | O::ArrayNewFixed { .. }
            | O::ArrayNewData { .. }
            | O::ArrayNewElem { .. }
            | O::ArrayGet { .. }
            | O::ArrayGetS { .. }
            | O::ArrayGetU { .. }
            | O::ArraySet { .. }
            | O::ArrayLen
            | O::ArrayFill { .. }
            | O::ArrayCopy { .. }
            | O::ArrayInitData { .. }
            | O::ArrayInitElem { .. }
            | O::RefI31
            | O::I31GetS
            | O::I31GetU
            | O::RefEq
            | O::RefTestNonNull { .. }
            | O::RefTestNullable { .. }
            | O::RefCastNonNull { .. }
            | O::RefCastNullable { .. }
            | O::BrOnCast { .. }
            | O::BrOnCastFail { .. }
            | O::AnyConvertExtern
            | O::ExternConvertAny
    )
}

/// The memory immediate of a load, a store or a SIMD memory operator.
pub(crate) fn memarg_of(op: &Operator<'_>) -> Option<wasmparser::MemArg> {
    use Operator as O;
    Some(match *op {
        O::I32Load { memarg }
        | O::I64Load { memarg }
        | O::F32Load { memarg }
        | O::F64Load { memarg }
        | O::I32Load8S { memarg }
        | O::I32Load8U { memarg }
        | O::I32Load16S { memarg }
        | O::I32Load16U { memarg }
        | O::I64Load8S { memarg }
        | O::I64Load8U { memarg }
        | O::I64Load16S { memarg }
        | O::I64Load16U { memarg }
        | O::I64Load32S { memarg }
        | O::I64Load32U { memarg }
        | O::I32Store { memarg }
        | O::I64Store { memarg }
        | O::F32Store { memarg }
        | O::F64Store { memarg }
        | O::I32Store8 { memarg }
        | O::I32Store16 { memarg }
        | O::I64Store8 { memarg }
        | O::I64Store16 { memarg }
        | O::I64Store32 { memarg }
        | O::V128Load { memarg }
        | O::V128Load8x8S { memarg }
        | O::V128Load8x8U { memarg }
        | O::V128Load16x4S { memarg }
        | O::V128Load16x4U { memarg }
        | O::V128Load32x2S { memarg }
        | O::V128Load32x2U { memarg }
        | O::V128Load8Splat { memarg }
        | O::V128Load16Splat { memarg }
        | O::V128Load32Splat { memarg }
        | O::V128Load64Splat { memarg }
        | O::V128Load32Zero { memarg }
        | O::V128Load64Zero { memarg }
        | O::V128Store { memarg }
        | O::V128Load8Lane { memarg, .. }
        | O::V128Load16Lane { memarg, .. }
        | O::V128Load32Lane { memarg, .. }
        | O::V128Load64Lane { memarg, .. }
        | O::V128Store8Lane { memarg, .. }
        | O::V128Store16Lane { memarg, .. }
        | O::V128Store32Lane { memarg, .. }
        | O::V128Store64Lane { memarg, .. } => memarg,
        _ => return None,
    })
}

/// The memory an operator reads or writes (for `memory.copy`, its destination).
pub(crate) fn memory_of(op: &Operator<'_>) -> Option<u32> {
    use Operator as O;
    if let Some(memarg) = memarg_of(op) {
        return match memarg.target {
            wasmparser::MemArgTarget::Memory(m) => Some(m),
            wasmparser::MemArgTarget::Array(_) => None,
        };
    }
    Some(match *op {
        O::MemorySize { mem }
        | O::MemoryGrow { mem }
        | O::MemoryFill { mem }
        | O::MemoryInit { mem, .. } => mem,
        O::MemoryCopy { dst_mem, src_mem } => {
            if dst_mem == src_mem {
                dst_mem
            } else {
                dst_mem.max(1)
            }
        }
        _ => return None,
    })
}

/// A `try_table` catch clause: its tag (`None`: any), its label and whether it passes
/// the `exnref` too.
pub(crate) fn catch_clause(c: &wasmparser::Catch) -> (Option<u32>, u32, bool) {
    use wasmparser::Catch as C;
    match *c {
        C::One { tag, label } => (Some(tag), label, false),
        C::OneRef { tag, label } => (Some(tag), label, true),
        C::All { label } => (None, label, false),
        C::AllRef { label } => (None, label, true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    thread_local! {
        /// The threads that validate a code section's bodies at decoding in this test's
        /// thread, whatever its size (`None`: as outside tests).
        pub(super) static VALIDATION_THREADS: std::cell::Cell<Option<usize>> =
            const { std::cell::Cell::new(None) };
    }

    /// `wat` decoded with its bodies validated by `threads` threads (1: each as it is
    /// read): the preludes (as text) and whether it uses GC, or the error.
    fn decoded_with(wat: &str, threads: usize) -> std::result::Result<(String, bool), String> {
        binary_decoded_with(wat::parse_str(wat).unwrap(), threads)
    }

    /// [`decoded_with`] of a binary module.
    fn binary_decoded_with(
        bytes: Vec<u8>,
        threads: usize,
    ) -> std::result::Result<(String, bool), String> {
        let options = crate::config::RuntimeConfig::interpreter()
            .with_core_features(crate::CoreFeatures::SUPPORTED)
            .code_options();
        VALIDATION_THREADS.set(Some(threads));
        let info = ModuleInfo::parse(Cow::Owned(bytes), options);
        VALIDATION_THREADS.set(None);
        let info = info.map_err(|e| e.to_string())?;
        Ok((format!("{:?}", info.preludes), info.uses_gc))
    }

    #[test]
    fn bodies_validated_on_several_threads_give_what_one_gives() {
        // Bodies of different sizes, with loop constants, legacy `try`s and GC, so that the
        // runs split anywhere.
        let mut funcs = String::new();
        for i in 0..60 {
            funcs += &match i % 4 {
                0 => format!("(func (loop (drop (i64.const {i})) (drop (f64.const {i}.5))))"),
                1 => "(func try try nop catch_all end catch_all end)".to_string(),
                2 => format!("(func (result i32) {} i32.const 1)", "nop ".repeat(i * 7)),
                _ => "(func (drop (struct.new $s)))".to_string(),
            };
        }
        let valid = format!("(module (type $s (struct)) {funcs})");
        let one = decoded_with(&valid, 1).unwrap();
        assert!(one.1, "a body uses GC");
        assert!(one.0.contains("max_tries: 2") && one.0.contains("loop_consts: [56, "));
        for threads in [2, 3, 7, 64] {
            assert_eq!(
                decoded_with(&valid, threads).unwrap(),
                one,
                "{threads} threads"
            );
        }
        // GC found in a body only (no GC type): in the last run's last body, or nowhere.
        for (last, gc) in [
            ("(func (drop (ref.i31 (i32.const 0))))", true),
            ("(func)", false),
        ] {
            let wat = format!("(module {}{last})", "(func nop)".repeat(59));
            for threads in [1, 2, 3, 7, 64] {
                assert_eq!(
                    decoded_with(&wat, threads).unwrap().1,
                    gc,
                    "{threads} threads"
                );
            }
        }
        // Invalid bodies: the first one's error, on any number of threads, and before a
        // fault in a later section (an `i64` offset for a 32-bit memory).
        let bad = "(func (result i32) i64.const 0)";
        let data = r#"(data (i64.const 0) "x")"#;
        for (at, also) in [(0, None), (17, Some(45)), (59, None), (30, Some(31))] {
            let mut funcs: Vec<String> = (0..60)
                .map(|i| format!("(func (drop (i32.const {i})))"))
                .collect();
            funcs[at] = bad.to_string();
            if let Some(j) = also {
                funcs[j] = "(func unreachable i32.add i32.add (drop (i64.const 0)) (i32.const 0) (br_if 0) (i32.const 0))".into();
            }
            let wat = format!("(module (memory 1) {} {data})", funcs.concat());
            let one = decoded_with(&wat, 1).unwrap_err();
            assert!(one.contains("type mismatch"), "{one}");
            let fine = format!("(module (memory 1) {} {data})", "(func)".repeat(60));
            assert!(decoded_with(&fine, 2)
                .unwrap_err()
                .contains("type mismatch"));
            assert_ne!(decoded_with(&fine, 2).unwrap_err(), one);
            for threads in [2, 3, 7] {
                assert_eq!(
                    decoded_with(&wat, threads).unwrap_err(),
                    one,
                    "{at}, {threads} threads"
                );
            }
        }
        // An invalid body, then a body whose size runs past the section's end: the invalid
        // body's error, as when each is validated as it is read.
        let mut funcs: Vec<String> = (0..60)
            .map(|i| format!("(func (drop (i32.const {i})))"))
            .collect();
        funcs[10] = bad.to_string();
        let mut bytes = wat::parse_str(format!("(module {})", funcs.concat())).unwrap();
        let info = decoded_info(&bytes);
        let size_at = info.bodies[50].start - 1;
        assert_eq!(bytes[size_at] as usize, info.bodies[50].len());
        bytes[size_at] = 0x7f;
        let one = binary_decoded_with(bytes.clone(), 1).unwrap_err();
        assert!(one.contains("type mismatch"), "{one}");
        for threads in [2, 3] {
            assert_eq!(
                binary_decoded_with(bytes.clone(), threads).unwrap_err(),
                one
            );
        }
    }

    /// `bytes` decoded without validating bodies.
    fn decoded_info(bytes: &[u8]) -> ModuleInfo {
        let options = crate::config::RuntimeConfig::interpreter()
            .with_compilation_mode(CompilationMode::Lazy)
            .code_options();
        ModuleInfo::parse(Cow::Borrowed(bytes), options).unwrap()
    }

    /// A module of `n` functions, each a few `nop`s, with `body` as function `at`'s.
    fn module(n: usize, at: &[(usize, &str)]) -> ModuleInfo {
        let mut wat = String::from("(module (type $s (struct)) (tag $t)\n");
        for i in 0..n {
            let body = at
                .iter()
                .find(|(j, _)| *j == i)
                .map_or("nop nop nop", |b| b.1);
            wat += &format!("(func {body})\n");
        }
        wat += ")";
        let bytes = wat::parse_str(&wat).unwrap();
        let options = crate::config::RuntimeConfig::interpreter().code_options();
        ModuleInfo::parse(bytes.as_slice().into(), options).unwrap()
    }

    #[test]
    fn owned_bytes_are_kept_and_data_segments_are_ranges_of_them() {
        let bytes = wat::parse_str(
            r#"(module (memory 1)
                 (data (i32.const 8) "active")
                 (data "passive, longer")
                 (data (i32.const 0) ""))"#,
        )
        .unwrap();
        let options = crate::config::RuntimeConfig::interpreter().code_options();
        let (kept, at) = (bytes.clone(), bytes.as_ptr());
        let info = ModuleInfo::parse(Cow::Owned(bytes), options).unwrap();
        // Handed over: the very allocation, not a copy.
        assert_eq!(info.bytes.as_ptr(), at);
        let datas: Vec<&[u8]> = info.datas.iter().map(|d| &*d.bytes).collect();
        assert_eq!(datas, [&b"active"[..], b"passive, longer", b""]);
        for d in &info.datas {
            let within = info.bytes.as_ptr_range();
            assert!(within.contains(&d.bytes.as_ptr()) || d.bytes.is_empty());
        }
        // Borrowed: copied, with the same contents.
        let info = ModuleInfo::parse(Cow::Borrowed(&kept), options).unwrap();
        assert_eq!(**info.bytes, *kept);
        assert_eq!(&*info.datas[1].bytes, b"passive, longer");
        // A dropped segment is empty.
        assert!(SegmentBytes::default().is_empty());
    }

    /// Bodies put in at their function indices, then whether GC and a handler are found.
    type Case<'a> = (&'a [(usize, &'a str)], bool, bool);

    const CATCH: &str = "(block $h (try_table (catch_all $h) nop))";
    const GC: &str = "(drop (struct.new $s))";

    #[test]
    fn the_scan_finds_handlers_and_gc_in_any_body_on_any_number_of_threads() {
        let cases: &[Case] = &[
            (&[], false, false),
            (&[(0, CATCH)], false, true),
            (&[(99, CATCH)], false, true),
            (&[(50, GC)], true, false),
            (&[(1, GC), (98, CATCH)], true, true),
            (&[(49, CATCH), (51, GC)], true, true),
        ];
        for (at, gc, catches) in cases {
            let info = module(100, at);
            for threads in [1, 2, 3, 7, 200] {
                let found = scan_bodies(&info.bytes, &info.bodies, threads);
                assert_eq!(
                    (found.gc, found.catches),
                    (*gc, *catches),
                    "{at:?} {threads}"
                );
            }
            assert_eq!((info.bodies_use_gc(), info.bodies_catch()), (*gc, *catches));
        }
    }

    #[test]
    fn a_body_that_does_not_decode_counts_as_catching_and_not_gc() {
        let info = module(3, &[]);
        // A range past the module's bytes, and one that is not a body.
        let bodies = [info.bodies[0].clone(), 0..info.bytes.len() + 10, 0..8];
        for threads in [1, 2] {
            let found = scan_bodies(&info.bytes, &bodies, threads);
            assert_eq!((found.gc, found.catches), (false, true));
        }
    }
}
