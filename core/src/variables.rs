//! Source-level variables of a paused frame, from DWARF (the first part of source-level
//! debugging): the formal parameters and local variables in scope at a code offset, with
//! their names, declared types and values.
//!
//! The scopes are the subprogram whose ranges contain the offset and, inside it, the
//! lexical blocks and inlined subroutines that do (a variable of an inlined function is
//! named through its abstract origin). A variable's location (an expression, or the entry
//! of a location list that covers the offset) is evaluated with `gimli`'s evaluator; the
//! Wasm operations read the frame's locals, operand stack and the instance's globals
//! (`DW_OP_WASM_location`), the frame base is the subprogram's `DW_AT_frame_base`, and
//! memory reads go to the frame's linear memory ([`FrameValues`]). A value made of
//! pieces is assembled from them. No location at the offset is "optimised out".
//!
//! Values are formatted from their types: base types by encoding and size, pointers as
//! addresses, C-style enumerations by enumerator, structs and arrays by their members
//! (a few levels deep, a bounded number of elements). Anything the DWARF does not let us
//! read is a `cannot read: ...` entry, never a panic.

use std::collections::HashMap;

use gimli::{AttributeValue, EndianSlice, LittleEndian, SectionId};

use crate::error::Result;
use crate::values::Value;

type Reader<'a> = EndianSlice<'a, LittleEndian>;
type Unit<'a> = gimli::Unit<Reader<'a>>;
type Entry<'a> = gimli::DebuggingInformationEntry<Reader<'a>>;

/// What a paused frame gives the evaluation of its variables' locations.
pub struct FrameValues<'a> {
    /// The frame's Wasm locals, parameters first.
    pub locals: &'a [Value],
    /// Its operand stack, bottom first.
    pub operands: &'a [Value],
    /// The value of global `index` of the frame's instance.
    pub global: &'a dyn Fn(u32) -> Option<Value>,
    /// `len` bytes of the instance's memory 0 at `address` (`None` out of bounds).
    pub memory: &'a dyn Fn(u64, usize) -> Option<Vec<u8>>,
}

/// A parameter or local variable of the source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Variable {
    /// Its name.
    pub name: String,
    /// Its declared type's name (`u32`, `*const u8`, `alloc::vec::Vec<u32>`).
    pub type_name: String,
    /// Whether it is a formal parameter.
    pub is_parameter: bool,
    /// The function it belongs to (an inlined function's own name for its variables).
    pub function: Option<String>,
    /// Its value as text (`42`, `0x1040`, `{ x: 1, y: 2 }`), or why there is none
    /// (`optimised out`, `cannot read: ...`).
    pub value: std::result::Result<String, String>,
}

/// How deep a value's members are shown, and how many elements of an array.
const MAX_DEPTH: usize = 3;
const MAX_ELEMENTS: u64 = 16;
/// The largest value read at once (bytes).
const MAX_VALUE_BYTES: usize = 1 << 20;
/// How many steps an evaluation may take (a malformed expression may loop).
const MAX_STEPS: usize = 1000;

/// The variables in scope at code-section offset `offset` of module `wasm` (outermost
/// scope first, then inner blocks and inlined functions), with their values in `frame`.
/// Empty without DWARF or when no subprogram covers the offset.
///
/// # Errors
/// The module's DWARF does not parse.
pub fn variables(wasm: &[u8], offset: u64, frame: &FrameValues<'_>) -> Result<Vec<Variable>> {
    let custom = crate::dwarf::custom_sections(wasm)?;
    if !custom.contains_key(".debug_info") {
        return Ok(Vec::new());
    }
    let load = |id: SectionId| -> std::result::Result<Reader<'_>, gimli::Error> {
        Ok(EndianSlice::new(
            custom.get(id.name()).copied().unwrap_or(&[]),
            LittleEndian,
        ))
    };
    let dwarf = gimli::Dwarf::load(load).map_err(gimli_error)?;
    let mut units = dwarf.units();
    while let Some(header) = units.next().map_err(gimli_error)? {
        let unit = dwarf.unit(header).map_err(gimli_error)?;
        let mut found = Vec::new();
        let mut tree = unit.entries_tree(None).map_err(gimli_error)?;
        let root = tree.root().map_err(gimli_error)?;
        let mut scopes = Vec::new();
        find_scopes(&dwarf, &unit, root, offset, &mut scopes, &mut found).map_err(gimli_error)?;
        if found.is_empty() {
            continue;
        }
        let reader = Read {
            dwarf: &dwarf,
            unit: &unit,
            frame,
            offset,
        };
        return Ok(found.iter().map(|v| reader.variable(v)).collect());
    }
    Ok(Vec::new())
}

fn gimli_error(e: gimli::Error) -> crate::error::Error {
    crate::error::Error::new(format!("malformed DWARF: {e}"))
}

/// A variable found in a scope: its DIE, and its scope's subprogram (for the frame
/// base) and function name.
struct Found {
    die: gimli::UnitOffset,
    subprogram: gimli::UnitOffset,
    function: Option<gimli::UnitOffset>,
}

/// Whether `entry`'s ranges contain `offset` (an entry without ranges does not).
fn covers<'a>(
    dwarf: &gimli::Dwarf<Reader<'a>>,
    unit: &Unit<'a>,
    entry: &Entry<'a>,
    offset: u64,
) -> gimli::Result<bool> {
    let mut ranges = dwarf.die_ranges(unit, entry)?;
    while let Some(r) = ranges.next()? {
        if r.begin <= offset && offset < r.end {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Walks the tree under `node`: the subprograms, lexical blocks and inlined subroutines
/// that cover `offset` are entered (`scopes`: the enclosing subprogram and function),
/// and their parameters and variables collected into `out`.
fn find_scopes<'a>(
    dwarf: &gimli::Dwarf<Reader<'a>>,
    unit: &Unit<'a>,
    node: gimli::EntriesTreeNode<'_, '_, Reader<'a>>,
    offset: u64,
    scopes: &mut Vec<(gimli::UnitOffset, gimli::UnitOffset)>,
    out: &mut Vec<Found>,
) -> gimli::Result<()> {
    let mut children = node.children();
    while let Some(child) = children.next()? {
        let entry = child.entry();
        let tag = entry.tag();
        match tag {
            gimli::DW_TAG_subprogram | gimli::DW_TAG_inlined_subroutine
                if covers(dwarf, unit, entry, offset)? =>
            {
                // A subprogram is a frame of its own (its frame base); an inlined one
                // names its variables' function.
                let subprogram = match tag {
                    gimli::DW_TAG_subprogram => entry.offset(),
                    _ => scopes.last().map_or(entry.offset(), |s| s.0),
                };
                scopes.push((subprogram, entry.offset()));
                find_scopes(dwarf, unit, child, offset, scopes, out)?;
                scopes.pop();
            }
            gimli::DW_TAG_lexical_block if covers(dwarf, unit, entry, offset)? => {
                find_scopes(dwarf, unit, child, offset, scopes, out)?;
            }
            gimli::DW_TAG_formal_parameter | gimli::DW_TAG_variable => {
                if let Some(&(subprogram, function)) = scopes.last() {
                    out.push(Found {
                        die: entry.offset(),
                        subprogram,
                        function: Some(function),
                    });
                }
            }
            // Namespaces and the like hold subprograms.
            gimli::DW_TAG_namespace | gimli::DW_TAG_structure_type | gimli::DW_TAG_class_type
                if scopes.is_empty() =>
            {
                find_scopes(dwarf, unit, child, offset, scopes, out)?;
            }
            _ => {}
        }
    }
    Ok(())
}

/// What reading a variable needs.
struct Read<'d, 'a> {
    dwarf: &'d gimli::Dwarf<Reader<'a>>,
    unit: &'d Unit<'a>,
    frame: &'d FrameValues<'d>,
    offset: u64,
}

/// A value's bytes, or where it is.
enum Place {
    Bytes(Vec<u8>),
    Memory(u64),
}

impl<'d, 'a> Read<'d, 'a> {
    fn entry(&self, at: gimli::UnitOffset) -> Option<Entry<'a>> {
        self.unit.entry(at).ok()
    }

    /// Attribute `at` of `entry`, or of its abstract origin / specification.
    fn attr(&self, entry: &Entry<'a>, at: gimli::DwAt) -> Option<AttributeValue<Reader<'a>>> {
        let mut e = entry.clone();
        for _ in 0..4 {
            if let Some(v) = e.attr_value(at) {
                return Some(v);
            }
            let origin = e
                .attr_value(gimli::DW_AT_abstract_origin)
                .or_else(|| e.attr_value(gimli::DW_AT_specification))?;
            let AttributeValue::UnitRef(o) = origin else {
                return None;
            };
            e = self.entry(o)?;
        }
        None
    }

    fn string(&self, v: AttributeValue<Reader<'a>>) -> Option<String> {
        let s = self.dwarf.attr_string(self.unit, v).ok()?;
        Some(String::from_utf8_lossy(s.slice()).into_owned())
    }

    fn name(&self, entry: &Entry<'a>) -> Option<String> {
        self.string(self.attr(entry, gimli::DW_AT_name)?)
    }

    fn type_of(&self, entry: &Entry<'a>) -> Option<Entry<'a>> {
        match self.attr(entry, gimli::DW_AT_type)? {
            AttributeValue::UnitRef(o) => self.entry(o),
            _ => None,
        }
    }

    fn udata(&self, entry: &Entry<'a>, at: gimli::DwAt) -> Option<u64> {
        self.udata_of(self.attr(entry, at)?)
    }

    /// The name of a type (`u32`, `*const u8`, `[u8; 4]`).
    fn type_name(&self, ty: Option<&Entry<'a>>, depth: usize) -> String {
        let Some(ty) = ty else {
            return "void".into();
        };
        if depth > 8 {
            return "?".into();
        }
        let inner = || self.type_name(self.type_of(ty).as_ref(), depth + 1);
        match ty.tag() {
            gimli::DW_TAG_pointer_type | gimli::DW_TAG_reference_type => {
                self.name(ty).unwrap_or_else(|| format!("*{}", inner()))
            }
            gimli::DW_TAG_const_type => format!("const {}", inner()),
            gimli::DW_TAG_volatile_type => format!("volatile {}", inner()),
            gimli::DW_TAG_array_type => format!("[{}]", inner()),
            _ => self.name(ty).unwrap_or_else(|| "?".into()),
        }
    }

    fn variable(&self, found: &Found) -> Variable {
        let die = self.entry(found.die);
        let function = found
            .function
            .and_then(|f| self.entry(f))
            .and_then(|f| self.name(&f));
        let Some(die) = die else {
            return Variable {
                name: "?".into(),
                type_name: "?".into(),
                is_parameter: false,
                function,
                value: Err("cannot read: no entry".into()),
            };
        };
        let ty = self.type_of(&die);
        Variable {
            name: self.name(&die).unwrap_or_else(|| "?".into()),
            type_name: self.type_name(ty.as_ref(), 0),
            is_parameter: die.tag() == gimli::DW_TAG_formal_parameter,
            function,
            value: self
                .place(&die, found.subprogram)
                .and_then(|p| self.format(p, ty.as_ref(), 0)),
        }
    }

    /// Where variable `die` is at the offset.
    fn place(
        &self,
        die: &Entry<'a>,
        subprogram: gimli::UnitOffset,
    ) -> std::result::Result<Place, String> {
        if let Some(v) = self.attr(die, gimli::DW_AT_const_value) {
            return Ok(Place::Bytes(match v {
                AttributeValue::Block(b) => b.slice().to_vec(),
                AttributeValue::Sdata(v) => v.to_le_bytes().to_vec(),
                other => match self.udata_of(other) {
                    Some(v) => v.to_le_bytes().to_vec(),
                    None => return Err("cannot read: constant".into()),
                },
            }));
        }
        let expr = match die.attr_value(gimli::DW_AT_location) {
            None => return Err("optimised out".into()),
            Some(AttributeValue::Exprloc(e)) => e,
            Some(AttributeValue::LocationListsRef(o)) => {
                let mut list = self
                    .dwarf
                    .locations(self.unit, o)
                    .map_err(|e| format!("cannot read: {e}"))?;
                let mut here = None;
                while let Some(entry) = list.next().map_err(|e| format!("cannot read: {e}"))? {
                    if entry.range.begin <= self.offset && self.offset < entry.range.end {
                        here = Some(entry.data);
                        break;
                    }
                }
                match here {
                    Some(e) => e,
                    None => return Err("optimised out".into()),
                }
            }
            Some(_) => return Err("cannot read: location form".into()),
        };
        self.evaluate(expr, subprogram)
    }

    fn udata_of(&self, v: AttributeValue<Reader<'a>>) -> Option<u64> {
        match v {
            AttributeValue::Udata(v) => Some(v),
            AttributeValue::Data1(v) => Some(v as u64),
            AttributeValue::Data2(v) => Some(v as u64),
            AttributeValue::Data4(v) => Some(v as u64),
            AttributeValue::Data8(v) => Some(v),
            AttributeValue::Sdata(v) => u64::try_from(v).ok(),
            _ => None,
        }
    }

    /// A Wasm value as gimli's evaluator takes it.
    fn wasm_value(v: Option<&Value>) -> std::result::Result<gimli::Value, String> {
        Ok(match v {
            Some(Value::I32(v)) => gimli::Value::I32(*v),
            Some(Value::I64(v)) => gimli::Value::I64(*v),
            Some(Value::F32(v)) => gimli::Value::F32(*v),
            Some(Value::F64(v)) => gimli::Value::F64(*v),
            Some(other) => gimli::Value::Generic(other.bits() as u64),
            None => return Err("cannot read: no such Wasm value".into()),
        })
    }

    fn evaluate(
        &self,
        expr: gimli::Expression<Reader<'a>>,
        subprogram: gimli::UnitOffset,
    ) -> std::result::Result<Place, String> {
        let bad = |e: gimli::Error| format!("cannot read: {e}");
        let mut eval = expr.evaluation(self.unit.encoding());
        let mut result = eval.evaluate().map_err(bad)?;
        for _ in 0..MAX_STEPS {
            use gimli::EvaluationResult as R;
            result = match result {
                R::Complete => break,
                R::RequiresWasmLocal { index } => eval
                    .resume_with_wasm_value(Self::wasm_value(
                        self.frame.locals.get(index as usize),
                    )?)
                    .map_err(bad)?,
                R::RequiresWasmStack { index } => {
                    // Counted from the top of the operand stack.
                    let ops = self.frame.operands;
                    let v = (ops.len().checked_sub(1 + index as usize)).and_then(|i| ops.get(i));
                    eval.resume_with_wasm_value(Self::wasm_value(v)?)
                        .map_err(bad)?
                }
                R::RequiresWasmGlobal { index } => {
                    let v = (self.frame.global)(index);
                    eval.resume_with_wasm_value(Self::wasm_value(v.as_ref())?)
                        .map_err(bad)?
                }
                R::RequiresFrameBase => {
                    let base = self.frame_base(subprogram)?;
                    eval.resume_with_frame_base(base).map_err(bad)?
                }
                R::RequiresMemory { address, size, .. } => {
                    let bytes = (self.frame.memory)(address, size as usize)
                        .ok_or_else(|| format!("cannot read: memory at {address:#x}"))?;
                    eval.resume_with_memory(gimli::Value::Generic(le_u64(&bytes)))
                        .map_err(bad)?
                }
                R::RequiresRelocatedAddress(a) => {
                    eval.resume_with_relocated_address(a).map_err(bad)?
                }
                other => return Err(format!("cannot read: {other:?}")),
            };
        }
        if !matches!(result, gimli::EvaluationResult::Complete) {
            return Err("cannot read: the location does not finish".into());
        }
        let pieces = eval.result();
        let single = pieces.len() == 1 && pieces[0].size_in_bits.is_none();
        let mut bytes = Vec::new();
        for piece in pieces {
            let size = piece.size_in_bits.map(|b| (b / 8) as usize);
            match piece.location {
                gimli::Location::Address { address } if single => {
                    return Ok(Place::Memory(address))
                }
                gimli::Location::Address { address } => {
                    let n = size.unwrap_or(0);
                    bytes.extend((self.frame.memory)(address, n).ok_or("cannot read: memory")?);
                }
                gimli::Location::Value { value } => {
                    let v = match value {
                        gimli::Value::Generic(v) => v,
                        gimli::Value::I8(v) => v as u8 as u64,
                        gimli::Value::U8(v) => v as u64,
                        gimli::Value::I16(v) => v as u16 as u64,
                        gimli::Value::U16(v) => v as u64,
                        gimli::Value::I32(v) => v as u32 as u64,
                        gimli::Value::U32(v) => v as u64,
                        gimli::Value::I64(v) => v as u64,
                        gimli::Value::U64(v) => v,
                        gimli::Value::F32(v) => v.to_bits() as u64,
                        gimli::Value::F64(v) => v.to_bits(),
                    };
                    let b = v.to_le_bytes();
                    bytes.extend_from_slice(&b[..size.unwrap_or(8).min(8)]);
                }
                gimli::Location::Bytes { value } => bytes.extend_from_slice(value.slice()),
                gimli::Location::Empty => {
                    if single {
                        return Err("optimised out".into());
                    }
                    bytes.extend(std::iter::repeat_n(0, size.unwrap_or(0)));
                }
                _ => return Err("cannot read: location kind".into()),
            }
        }
        Ok(Place::Bytes(bytes))
    }

    /// The frame base of `subprogram` (its `DW_AT_frame_base`, usually a Wasm local).
    fn frame_base(&self, subprogram: gimli::UnitOffset) -> std::result::Result<u64, String> {
        let sub = self.entry(subprogram).ok_or("cannot read: no subprogram")?;
        let Some(AttributeValue::Exprloc(e)) = sub.attr_value(gimli::DW_AT_frame_base) else {
            return Err("cannot read: no frame base".into());
        };
        match self.evaluate(e, subprogram)? {
            Place::Bytes(b) => Ok(le_u64(&b)),
            Place::Memory(a) => Ok(a),
        }
    }

    /// The bytes of a value of `size` bytes at `place` (at most [`MAX_VALUE_BYTES`]: a
    /// larger size is what broken DWARF says).
    fn bytes(&self, place: &Place, size: usize) -> std::result::Result<Vec<u8>, String> {
        if size > MAX_VALUE_BYTES {
            return Err(format!("cannot read: a value of {size} bytes"));
        }
        match place {
            Place::Bytes(b) => {
                let mut b = b.clone();
                b.resize(size, 0);
                Ok(b)
            }
            Place::Memory(a) => (self.frame.memory)(*a, size)
                .ok_or_else(|| format!("cannot read: memory at {a:#x}")),
        }
    }

    /// `place` formatted as type `ty`.
    fn format(
        &self,
        place: Place,
        ty: Option<&Entry<'a>>,
        depth: usize,
    ) -> std::result::Result<String, String> {
        let Some(ty) = ty else {
            return Err("cannot read: no type".into());
        };
        let size = self.udata(ty, gimli::DW_AT_byte_size).unwrap_or(0) as usize;
        match ty.tag() {
            gimli::DW_TAG_typedef | gimli::DW_TAG_const_type | gimli::DW_TAG_volatile_type => {
                if depth > 16 {
                    return Err("cannot read: type loop".into());
                }
                self.format(place, self.type_of(ty).as_ref(), depth + 1)
            }
            gimli::DW_TAG_base_type => {
                let b = self.bytes(&place, size)?;
                let enc = match self.attr(ty, gimli::DW_AT_encoding) {
                    Some(AttributeValue::Encoding(e)) => e,
                    _ => gimli::DW_ATE_unsigned,
                };
                Ok(base_value(&b, enc))
            }
            gimli::DW_TAG_pointer_type | gimli::DW_TAG_reference_type => {
                let b = self.bytes(&place, size.clamp(4, 8))?;
                Ok(format!("{:#x}", le_u64(&b)))
            }
            gimli::DW_TAG_enumeration_type => {
                let v = le_u64(&self.bytes(&place, size.clamp(1, 8))?);
                Ok(self.enumerator(ty, v).unwrap_or_else(|| v.to_string()))
            }
            gimli::DW_TAG_structure_type | gimli::DW_TAG_class_type | gimli::DW_TAG_union_type => {
                if depth >= MAX_DEPTH {
                    return Ok("{...}".into());
                }
                let bytes = self.bytes(&place, size)?;
                if let Some(text) = self.rust_value(ty, &bytes, depth) {
                    return Ok(text);
                }
                let mut fields = Vec::new();
                let mut tree = self
                    .unit
                    .entries_tree(Some(ty.offset()))
                    .map_err(|e| format!("cannot read: {e}"))?;
                let root = tree.root().map_err(|e| format!("cannot read: {e}"))?;
                let mut children = root.children();
                while let Ok(Some(child)) = children.next() {
                    let member = child.entry();
                    if member.tag() == gimli::DW_TAG_variant_part {
                        // A Rust enum: its one variant that the discriminant selects.
                        return Ok(self
                            .variant(member.offset(), &bytes, depth)
                            .unwrap_or_else(|e| format!("<{e}>")));
                    }
                    if member.tag() != gimli::DW_TAG_member {
                        continue;
                    }
                    let name = self.name(member).unwrap_or_else(|| "?".into());
                    let at = self
                        .udata(member, gimli::DW_AT_data_member_location)
                        .unwrap_or(0) as usize;
                    let mty = self.type_of(member);
                    let msize = mty.as_ref().and_then(|t| self.size_of(t, 0)).unwrap_or(0) as usize;
                    let value = match at.checked_add(msize).and_then(|end| bytes.get(at..end)) {
                        Some(b) => self
                            .format(Place::Bytes(b.to_vec()), mty.as_ref(), depth + 1)
                            .unwrap_or_else(|e| format!("<{e}>")),
                        None => "<cannot read: outside the struct>".into(),
                    };
                    fields.push(format!("{name}: {value}"));
                }
                Ok(format!("{{ {} }}", fields.join(", ")))
            }
            gimli::DW_TAG_array_type => {
                if depth >= MAX_DEPTH {
                    return Ok("[...]".into());
                }
                let ety = self.type_of(ty);
                let esize = ety.as_ref().and_then(|t| self.size_of(t, 0)).unwrap_or(0);
                let count = self.array_count(ty).unwrap_or(0);
                if esize == 0 {
                    return Err("cannot read: element size".into());
                }
                let shown = count.min(MAX_ELEMENTS);
                let bytes = self.bytes(&place, shown.saturating_mul(esize) as usize)?;
                let mut items = Vec::new();
                for i in 0..shown as usize {
                    let b = bytes[i * esize as usize..(i + 1) * esize as usize].to_vec();
                    items.push(
                        self.format(Place::Bytes(b), ety.as_ref(), depth + 1)
                            .unwrap_or_else(|e| format!("<{e}>")),
                    );
                }
                if count > shown {
                    items.push(format!("... {} more", count - shown));
                }
                Ok(format!("[{}]", items.join(", ")))
            }
            _ => Err(format!("cannot read: type {}", ty.tag())),
        }
    }

    /// The children of DIE `at` (one level).
    fn children(&self, at: gimli::UnitOffset) -> Vec<Entry<'a>> {
        let mut out = Vec::new();
        let Ok(mut tree) = self.unit.entries_tree(Some(at)) else {
            return out;
        };
        let Ok(root) = tree.root() else {
            return out;
        };
        let mut children = root.children();
        while let Ok(Some(child)) = children.next() {
            out.push(child.entry().clone());
        }
        out
    }

    /// A little-endian unsigned number of at most 8 bytes at `at` of `bytes`.
    fn number(bytes: &[u8], at: usize, size: usize) -> Option<u64> {
        Some(le_u64(bytes.get(at..at.checked_add(size)?)?))
    }

    /// Member `name` of struct type `ty`: its offset and type.
    fn member(&self, ty: &Entry<'a>, name: &str) -> Option<(usize, Option<Entry<'a>>)> {
        self.children(ty.offset()).into_iter().find_map(|m| {
            (m.tag() == gimli::DW_TAG_member && self.name(&m).as_deref() == Some(name)).then(|| {
                let at = self
                    .udata(&m, gimli::DW_AT_data_member_location)
                    .unwrap_or(0) as usize;
                (at, self.type_of(&m))
            })
        })
    }

    /// The first pointer inside the value of type `ty` (depth first through members): its
    /// offset in the value, and its target type.
    fn first_pointer(&self, ty: &Entry<'a>, depth: usize) -> Option<(usize, Option<Entry<'a>>)> {
        if depth > 8 {
            return None;
        }
        match ty.tag() {
            gimli::DW_TAG_pointer_type | gimli::DW_TAG_reference_type => {
                Some((0, self.type_of(ty)))
            }
            gimli::DW_TAG_typedef => self.first_pointer(&self.type_of(ty)?, depth + 1),
            gimli::DW_TAG_structure_type => {
                let first = self
                    .children(ty.offset())
                    .into_iter()
                    .find(|m| m.tag() == gimli::DW_TAG_member)?;
                let at = self
                    .udata(&first, gimli::DW_AT_data_member_location)
                    .unwrap_or(0) as usize;
                let (inner, target) = self.first_pointer(&self.type_of(&first)?, depth + 1)?;
                Some((at.checked_add(inner)?, target))
            }
            _ => None,
        }
    }

    /// `count` elements of type `ety` at `address` in memory, formatted.
    fn elements(&self, address: u64, count: u64, ety: Option<&Entry<'a>>, depth: usize) -> String {
        let esize = ety.and_then(|t| self.size_of(t, 0)).unwrap_or(0);
        let shown = count.min(MAX_ELEMENTS);
        let mut items = Vec::new();
        for i in 0..shown {
            let place = Place::Memory(address.wrapping_add(i.wrapping_mul(esize)));
            items.push(
                self.format(place, ety, depth + 1)
                    .unwrap_or_else(|e| format!("<{e}>")),
            );
        }
        if count > shown {
            items.push(format!("... {} more", count - shown));
        }
        format!("[{}]", items.join(", "))
    }

    /// `len` bytes at `address` as a quoted string (lossy UTF-8, at most 256 bytes).
    fn string_at(&self, address: u64, len: u64) -> std::result::Result<String, String> {
        let shown = len.min(256);
        let bytes = (self.frame.memory)(address, shown as usize)
            .ok_or_else(|| format!("cannot read: memory at {address:#x}"))?;
        let more = if len > shown { "..." } else { "" };
        Ok(format!("{:?}{more}", String::from_utf8_lossy(&bytes)))
    }

    /// Rust's `&str`, slices, `String` and `Vec` as their contents (`None` for other types).
    fn rust_value(&self, ty: &Entry<'a>, bytes: &[u8], depth: usize) -> Option<String> {
        let name = self.name(ty)?;
        let ptr_size = 4;
        if name == "&str" || name == "&mut str" {
            let (p, _) = self.member(ty, "data_ptr")?;
            let (l, _) = self.member(ty, "length")?;
            let (p, l) = (
                Self::number(bytes, p, ptr_size)?,
                Self::number(bytes, l, ptr_size)?,
            );
            return Some(self.string_at(p, l).unwrap_or_else(|e| format!("<{e}>")));
        }
        if name.starts_with("&[") || name.starts_with("&mut [") {
            let (p, pty) = self.member(ty, "data_ptr")?;
            let (l, _) = self.member(ty, "length")?;
            let (p, l) = (
                Self::number(bytes, p, ptr_size)?,
                Self::number(bytes, l, ptr_size)?,
            );
            let ety = pty.as_ref().and_then(|t| self.type_of(t));
            return Some(self.elements(p, l, ety.as_ref(), depth));
        }
        let vec = name.starts_with("Vec<") || name.starts_with("alloc::vec::Vec<");
        if vec || name == "String" || name == "alloc::string::String" {
            let (v_at, vty) = if vec {
                (0, Some(ty.clone()))
            } else {
                self.member(ty, "vec")?
            };
            let vty = vty?;
            let (len_at, _) = self.member(&vty, "len")?;
            let (ptr_at, target) = self.first_pointer(&vty, 0)?;
            let len = Self::number(bytes, v_at.checked_add(len_at)?, ptr_size)?;
            let ptr = Self::number(bytes, v_at.checked_add(ptr_at)?, ptr_size)?;
            if !vec {
                return Some(
                    self.string_at(ptr, len)
                        .unwrap_or_else(|e| format!("<{e}>")),
                );
            }
            // The element type: the template parameter `T` (the pointer inside is
            // type-erased in recent Rust).
            let ety = self
                .children(vty.offset())
                .into_iter()
                .find(|c| c.tag() == gimli::DW_TAG_template_type_parameter)
                .and_then(|c| self.type_of(&c))
                .or(target);
            return Some(format!(
                "len {len}: {}",
                self.elements(ptr, len, ety.as_ref(), depth)
            ));
        }
        None
    }

    /// The variant of the Rust enum whose `DW_TAG_variant_part` is at `part` that
    /// `bytes` (the enum's value) holds: `Some(5)`, `Ok { .. }`, `None`.
    fn variant(
        &self,
        part: gimli::UnitOffset,
        bytes: &[u8],
        depth: usize,
    ) -> std::result::Result<String, String> {
        let part_entry = self.entry(part).ok_or("cannot read: variant part")?;
        let children = self.children(part);
        // The discriminant: the member `DW_AT_discr` names (absent: one variant).
        let discr = match part_entry.attr_value(gimli::DW_AT_discr) {
            Some(AttributeValue::UnitRef(d)) => {
                let d = self.entry(d).ok_or("cannot read: discriminant")?;
                let at = self
                    .udata(&d, gimli::DW_AT_data_member_location)
                    .unwrap_or(0) as usize;
                let size = self
                    .type_of(&d)
                    .and_then(|t| self.size_of(&t, 0))
                    .unwrap_or(4) as usize;
                Some(Self::number(bytes, at, size).ok_or("cannot read: discriminant")?)
            }
            _ => None,
        };
        let variants: Vec<&Entry<'a>> = children
            .iter()
            .filter(|c| c.tag() == gimli::DW_TAG_variant)
            .collect();
        let chosen = variants
            .iter()
            .find(|v| discr.is_some() && self.udata(v, gimli::DW_AT_discr_value) == discr)
            .or_else(|| {
                variants
                    .iter()
                    .find(|v| v.attr_value(gimli::DW_AT_discr_value).is_none())
            })
            .ok_or("cannot read: no variant for the discriminant")?;
        let member = self
            .children(chosen.offset())
            .into_iter()
            .find(|m| m.tag() == gimli::DW_TAG_member)
            .ok_or("cannot read: empty variant")?;
        let name = self.name(&member).unwrap_or_else(|| "?".into());
        let at = self
            .udata(&member, gimli::DW_AT_data_member_location)
            .unwrap_or(0) as usize;
        let Some(vty) = self.type_of(&member) else {
            return Ok(name);
        };
        // The variant's own fields: a tuple variant's are `__0`, `__1`...
        let mut fields = Vec::new();
        let mut tuple = true;
        for f in self.children(vty.offset()) {
            if f.tag() != gimli::DW_TAG_member {
                continue;
            }
            let fname = self.name(&f).unwrap_or_default();
            tuple &= fname.starts_with("__");
            let fat = at.saturating_add(
                self.udata(&f, gimli::DW_AT_data_member_location)
                    .unwrap_or(0) as usize,
            );
            let fty = self.type_of(&f);
            let fsize = fty.as_ref().and_then(|t| self.size_of(t, 0)).unwrap_or(0) as usize;
            let value = match fat.checked_add(fsize).and_then(|end| bytes.get(fat..end)) {
                Some(b) => self
                    .format(Place::Bytes(b.to_vec()), fty.as_ref(), depth + 1)
                    .unwrap_or_else(|e| format!("<{e}>")),
                None => "<cannot read: outside the enum>".into(),
            };
            fields.push(if tuple {
                value
            } else {
                format!("{fname}: {value}")
            });
        }
        Ok(match (fields.is_empty(), tuple) {
            (true, _) => name,
            (false, true) => format!("{name}({})", fields.join(", ")),
            (false, false) => format!("{name} {{ {} }}", fields.join(", ")),
        })
    }

    /// The size in bytes of a type.
    fn size_of(&self, ty: &Entry<'a>, depth: usize) -> Option<u64> {
        if let Some(s) = self.udata(ty, gimli::DW_AT_byte_size) {
            return Some(s);
        }
        if depth > 16 {
            return None;
        }
        match ty.tag() {
            gimli::DW_TAG_typedef | gimli::DW_TAG_const_type | gimli::DW_TAG_volatile_type => {
                self.size_of(&self.type_of(ty)?, depth + 1)
            }
            gimli::DW_TAG_pointer_type | gimli::DW_TAG_reference_type => Some(4),
            gimli::DW_TAG_array_type => self
                .array_count(ty)?
                .checked_mul(self.size_of(&self.type_of(ty)?, depth + 1)?),
            _ => None,
        }
    }

    /// An array type's element count (its first dimension's).
    fn array_count(&self, ty: &Entry<'a>) -> Option<u64> {
        let mut tree = self.unit.entries_tree(Some(ty.offset())).ok()?;
        let root = tree.root().ok()?;
        let mut children = root.children();
        while let Ok(Some(child)) = children.next() {
            let e = child.entry();
            if e.tag() == gimli::DW_TAG_subrange_type {
                if let Some(c) = self.udata(e, gimli::DW_AT_count) {
                    return Some(c);
                }
                return self.udata(e, gimli::DW_AT_upper_bound).map(|u| u + 1);
            }
        }
        None
    }

    /// The name of enumerator `v` of enumeration type `ty`.
    fn enumerator(&self, ty: &Entry<'a>, v: u64) -> Option<String> {
        let mut tree = self.unit.entries_tree(Some(ty.offset())).ok()?;
        let root = tree.root().ok()?;
        let mut children = root.children();
        let mut names: HashMap<u64, String> = HashMap::new();
        while let Ok(Some(child)) = children.next() {
            let e = child.entry();
            if e.tag() == gimli::DW_TAG_enumerator {
                let value = match e.attr_value(gimli::DW_AT_const_value)? {
                    AttributeValue::Sdata(s) => s as u64,
                    other => self.udata_of(other)?,
                };
                if let Some(n) = self.name(e) {
                    names.insert(value, n);
                }
            }
        }
        names.remove(&v)
    }
}

/// The little-endian number in the first (at most 8) bytes of `b`.
fn le_u64(b: &[u8]) -> u64 {
    let mut v = [0u8; 8];
    let n = b.len().min(8);
    v[..n].copy_from_slice(&b[..n]);
    u64::from_le_bytes(v)
}

/// A base type's bytes as text, by encoding.
fn base_value(b: &[u8], enc: gimli::DwAte) -> String {
    let u = le_u64(b);
    let bits = (b.len().min(8) * 8) as u32;
    let signed = || {
        if bits == 0 || bits >= 64 {
            u as i64
        } else {
            ((u << (64 - bits)) as i64) >> (64 - bits)
        }
    };
    match enc {
        gimli::DW_ATE_signed | gimli::DW_ATE_signed_char => signed().to_string(),
        gimli::DW_ATE_boolean => (u != 0).to_string(),
        gimli::DW_ATE_float if b.len() == 4 => f32::from_bits(u as u32).to_string(),
        gimli::DW_ATE_float => f64::from_bits(u).to_string(),
        gimli::DW_ATE_UTF if b.len() == 4 => match char::from_u32(u as u32) {
            Some(c) => format!("{c:?}"),
            None => format!("{u:#x}"),
        },
        gimli::DW_ATE_unsigned_char if b.len() == 1 => {
            format!("{u} {:?}", u as u8 as char)
        }
        _ => u.to_string(),
    }
}
