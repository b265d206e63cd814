//! Source-level variables of a paused frame, from DWARF: the formal parameters and local
//! variables in scope at a code offset, with their names, declared types and values, and
//! expressions over them (watches, breakpoint conditions, logpoints).
//!
//! A [`Scope`] is the view of one paused frame: [`Scope::variables`] lists what is in
//! scope, [`Scope::evaluate`] evaluates an expression (the language: names, `a.b`,
//! `a->b`, `t.0`, `v[i]`, `*p`, `&x`, integer arithmetic, comparisons, `&&`, `||`, `!`,
//! casts `(T)x` and `x as T`), and [`Scope::children`] expands a value one level (a
//! struct's fields, an array's or a `Vec`'s elements, a pointer's target): a value is
//! read only when it is shown, and every child is named by an expression that
//! evaluates to it, so a front end expands a tree by evaluating expressions.
//!
//! The scopes are the subprogram whose ranges contain the offset and, inside it, the
//! lexical blocks and inlined subroutines that do (a variable of an inlined function is
//! named through its abstract origin); the innermost declaration of a name wins. A name
//! not in scope may be a static of the compilation unit (`DW_OP_addr`). A variable's
//! location (an expression, or the entry of a location list that covers the offset) is
//! evaluated with `gimli`'s evaluator; the Wasm operations read the frame's locals,
//! operand stack and the instance's globals (`DW_OP_WASM_location`), the frame base is the
//! subprogram's `DW_AT_frame_base`, and memory reads go to the frame's linear memory
//! ([`FrameValues`]). A value made of pieces is assembled from them. No location at the
//! offset is "optimised out".
//!
//! Values are shown as Rust's `Debug` shows them, for C too: `Point { x: 1, y: 2 }`,
//! `Some(5)`, `[1, 2, 3]`, `"text"`, `'c'`; C `char` as `65 'A'`, C enumerations by
//! enumerator, raw pointers as addresses (a C string pointer with its text), Rust
//! references (`&T`, `Box<T>`) as the value they point to. Members are shown a few
//! levels deep, and a bounded number of elements. Anything the DWARF does not let us
//! read is a `cannot read: ...` entry, never a panic; an expression's error is a message
//! (`no variable named x in scope`).

use std::collections::HashMap;

use gimli::{AttributeValue, EndianSlice, LittleEndian, SectionId};

use crate::error::Result;
use crate::expr::{BinOp, Expr, TypeName};
use crate::values::Value;

type Reader<'a> = EndianSlice<'a, LittleEndian>;
type Unit<'a> = gimli::Unit<Reader<'a>>;
type Entry<'a> = gimli::DebuggingInformationEntry<Reader<'a>>;
type Res<T> = std::result::Result<T, String>;

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
    /// Its value as text (`42`, `0x1040`, `Point { x: 1, y: 2 }`), or why there is none
    /// (`optimised out`, `cannot read: ...`).
    pub value: std::result::Result<String, String>,
    /// Whether [`Scope::children`] of its name has entries (members, elements, a
    /// pointer's target).
    pub expandable: bool,
    /// The address in linear memory a pointer or reference holds.
    pub points_to: Option<u64>,
    /// Where the variable lives in linear memory (`None` in a Wasm local, a constant, or
    /// optimised out).
    pub address: Option<u64>,
}

/// The value of an expression ([`Scope::evaluate`]) or of a child of one
/// ([`Scope::children`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evaluated {
    /// How a tree shows it: the expression itself, a field's name, `[3]` for an element,
    /// `*p` for a pointer's target.
    pub label: String,
    /// An expression that evaluates to this value (`rect.origin.x`, `v[3]`, `*p`).
    pub expression: String,
    /// Its type's name (`i64` for arithmetic, `bool` for comparisons).
    pub type_name: String,
    /// The value as text, or the error (`no variable named x in scope`, `optimised out`).
    pub value: std::result::Result<String, String>,
    /// Whether [`Scope::children`] of [`Evaluated::expression`] has entries.
    pub expandable: bool,
    /// The address in linear memory a pointer or reference holds.
    pub points_to: Option<u64>,
    /// Where the value lives in linear memory, if it does.
    pub address: Option<u64>,
    /// Its size in bytes, when its type says.
    pub size: Option<u64>,
}

impl Evaluated {
    /// An expression without a value: `message` says why.
    pub fn error(expression: &str, message: impl Into<String>) -> Evaluated {
        Evaluated {
            label: expression.trim().to_string(),
            expression: expression.trim().to_string(),
            type_name: String::new(),
            value: Err(message.into()),
            expandable: false,
            points_to: None,
            address: None,
            size: None,
        }
    }
}

impl Variable {
    /// The variable as the value of its name (the root of a tree of values).
    pub fn as_evaluated(&self) -> Evaluated {
        Evaluated {
            label: self.name.clone(),
            expression: self.name.clone(),
            type_name: self.type_name.clone(),
            value: self.value.clone(),
            expandable: self.expandable,
            points_to: self.points_to,
            address: self.address,
            size: None,
        }
    }
}

/// How deep a value's members are shown, and how many elements of an array.
const MAX_DEPTH: usize = 3;
const MAX_ELEMENTS: u64 = 16;
/// The most children [`Scope::children`] lists at once.
const MAX_CHILDREN: u64 = 1000;
/// The largest value read at once (bytes).
const MAX_VALUE_BYTES: usize = 1 << 20;
/// How many steps an evaluation may take (a malformed expression may loop).
const MAX_STEPS: usize = 1000;
/// Pointer size in linear memory (wasm32).
const PTR: usize = 4;

/// The variables of the source in scope at code-section offset `offset` of module
/// `wasm` (outermost scope first, then inner blocks and inlined functions), with their
/// values in `frame`: [`Scope::variables`] of [`Scope::new`].
///
/// # Errors
/// The module's DWARF does not parse.
pub fn variables(wasm: &[u8], offset: u64, frame: &FrameValues<'_>) -> Result<Vec<Variable>> {
    Ok(Scope::new(wasm, offset, frame)?.variables())
}

/// Checks the syntax of `expression` (a condition or a watch set before the program
/// runs); what its names mean is known only in a scope.
///
/// ```
/// use wasmscope::variables::check_syntax;
/// assert_eq!(check_syntax("p.x > 2 && v[1] != 0"), Ok(()));
/// assert_eq!(check_syntax("p.x >"), Err("expected a value at the end".into()));
/// ```
///
/// # Errors
/// The syntax error.
pub fn check_syntax(expression: &str) -> std::result::Result<(), String> {
    crate::expr::parse(expression, &|_| true).map(|_| ())
}

/// A paused frame's source scope: its variables and the expressions over them. See the
/// [module docs](self).
///
/// ```
/// # use wasmscope::variables::{FrameValues, Scope};
/// // No DWARF: nothing in scope, and an expression says so.
/// let wasm = wat::parse_str("(module (func))").unwrap();
/// let frame = FrameValues { locals: &[], operands: &[], global: &|_| None, memory: &|_, _| None };
/// let scope = Scope::new(&wasm, 0, &frame).unwrap();
/// assert!(scope.variables().is_empty());
/// assert_eq!(scope.evaluate("2 * (3 + 4) == 14").value, Ok("true".into()));
/// assert_eq!(scope.evaluate("x + 1").value, Err("no variable named x in scope".into()));
/// ```
pub struct Scope<'w> {
    dwarf: gimli::Dwarf<Reader<'w>>,
    /// The compilation unit whose subprogram covers the offset, and what is in scope.
    unit: Option<(Unit<'w>, Vec<Found>)>,
    frame: &'w FrameValues<'w>,
    offset: u64,
}

impl<'w> Scope<'w> {
    /// The scope at code-section offset `offset` of module `wasm`, whose values are read
    /// from `frame`. Without DWARF, or where no subprogram covers the offset, nothing is
    /// in scope (expressions of literals still evaluate).
    ///
    /// # Errors
    /// The module's DWARF does not parse.
    pub fn new(wasm: &'w [u8], offset: u64, frame: &'w FrameValues<'w>) -> Result<Scope<'w>> {
        let custom = crate::dwarf::custom_sections(wasm)?;
        let load = |id: SectionId| -> std::result::Result<Reader<'w>, gimli::Error> {
            Ok(EndianSlice::new(
                custom.get(id.name()).copied().unwrap_or(&[]),
                LittleEndian,
            ))
        };
        let dwarf = gimli::Dwarf::load(load).map_err(gimli_error)?;
        let mut found_unit = None;
        if custom.contains_key(".debug_info") {
            let mut units = dwarf.units();
            while let Some(header) = units.next().map_err(gimli_error)? {
                let unit = dwarf.unit(header).map_err(gimli_error)?;
                // A unit whose ranges (its root's) leave the offset out is not walked.
                let mut any_range = false;
                let mut in_unit = false;
                if let Ok(mut ranges) = dwarf.unit_ranges(&unit) {
                    while let Ok(Some(r)) = ranges.next() {
                        any_range = true;
                        if r.begin <= offset && offset < r.end {
                            in_unit = true;
                            break;
                        }
                    }
                }
                if any_range && !in_unit {
                    continue;
                }
                let mut found = Vec::new();
                let mut covered = false;
                {
                    let mut tree = unit.entries_tree(None).map_err(gimli_error)?;
                    let root = tree.root().map_err(gimli_error)?;
                    let mut scopes = Vec::new();
                    find_scopes(
                        &dwarf,
                        &unit,
                        root,
                        offset,
                        &mut scopes,
                        &mut found,
                        &mut covered,
                    )
                    .map_err(gimli_error)?;
                }
                if covered {
                    found_unit = Some((unit, found));
                    break;
                }
            }
        }
        Ok(Scope {
            dwarf,
            unit: found_unit,
            frame,
            offset,
        })
    }

    fn read(&self) -> Option<(Read<'_, 'w>, &[Found])> {
        let (unit, found) = self.unit.as_ref()?;
        Some((
            Read {
                dwarf: &self.dwarf,
                unit,
                frame: self.frame,
                offset: self.offset,
                in_frame_base: std::cell::Cell::new(false),
            },
            found,
        ))
    }

    /// The parameters and variables in scope (outermost scope first, then inner blocks
    /// and inlined functions), with their values.
    pub fn variables(&self) -> Vec<Variable> {
        let Some((read, found)) = self.read() else {
            return Vec::new();
        };
        found.iter().map(|f| read.variable(f)).collect()
    }

    /// The value of `expression` (see the [module docs](self)); an error is the
    /// [`Evaluated::value`]'s `Err`, never a panic.
    pub fn evaluate(&self, expression: &str) -> Evaluated {
        let result = self.value_of(expression);
        let mut e = self.evaluated(expression.trim(), expression.trim(), result);
        if e.value.is_err() {
            e.expandable = false;
        }
        e
    }

    /// The children of `expression`'s value, one level: a struct's fields, the active
    /// variant's fields of a Rust enum, an array's, slice's or `Vec`'s elements (at most
    /// 1000, then an entry that says how many more), a pointer's target (a reference's
    /// target's children). Each child's [`Evaluated::expression`] evaluates to it.
    ///
    /// # Errors
    /// The expression has no value.
    pub fn children(&self, expression: &str) -> Res<Vec<Evaluated>> {
        let value = self.value_of(expression)?;
        let Some((read, _)) = self.read() else {
            return Ok(Vec::new());
        };
        let base = wrap(expression.trim());
        let mut out = Vec::new();
        for (label, expr, v) in read.children(&value, &base, 0)? {
            out.push(self.evaluated(&label, &expr, v));
        }
        Ok(out)
    }

    /// Whether `condition` holds (is non-zero), for conditional breakpoints.
    ///
    /// # Errors
    /// The expression has no value, or its value is not a number.
    pub fn test(&self, condition: &str) -> Res<bool> {
        let v = self.value_of(condition)?;
        let n = match self.read() {
            Some((read, _)) => read.num(&v)?,
            None => synthetic_num(&v)?,
        };
        Ok(n.f() != 0.0)
    }

    fn value_of(&self, expression: &str) -> Res<Val<'w>> {
        let in_scope = |name: &str| {
            self.read().is_some_and(|(read, found)| {
                read.lookup(found, name).is_some() || read.static_var(name).is_some()
            })
        };
        let expr = crate::expr::parse(expression, &in_scope)?;
        match self.read() {
            Some((read, found)) => read.eval(found, &expr, 0),
            None => no_debug_eval(&expr),
        }
    }

    fn evaluated(&self, label: &str, expression: &str, v: Res<Val<'w>>) -> Evaluated {
        let mut e = Evaluated::error(expression, "");
        e.label = label.to_string();
        match v {
            Err(err) => e.value = Err(err),
            Ok(v) => match self.read() {
                Some((read, _)) => {
                    e.type_name = read.ty_name(&v.ty, 0);
                    e.value = read.format(&v, 0);
                    e.expandable = read.expandable(&v);
                    e.points_to = read.points_to(&v);
                    e.address = match v.place {
                        Place::Memory(a) => Some(a),
                        Place::Bytes(_) => None,
                    };
                    e.size = read.ty_size(&v.ty);
                }
                None => {
                    e.type_name = synthetic_name(&v.ty);
                    e.value = format_synthetic(&v);
                }
            },
        }
        e
    }
}

/// `e` as the base of a child's expression: in parentheses unless it is a name, a path,
/// or a chain of fields and indexes.
fn wrap(e: &str) -> String {
    let simple = e
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_$.:[]".contains(c));
    if simple {
        e.to_string()
    } else {
        format!("({e})")
    }
}

fn gimli_error(e: gimli::Error) -> crate::error::Error {
    crate::error::Error::new(format!("malformed DWARF: {e}"))
}

/// A variable found in a scope: its DIE, its scope's subprogram (for the frame base) and
/// function name, and how deep its scope is nested (inner declarations win).
struct Found {
    die: gimli::UnitOffset,
    subprogram: gimli::UnitOffset,
    function: Option<gimli::UnitOffset>,
    depth: usize,
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
/// and their parameters and variables collected into `out`; `covered` tells that a
/// subprogram covers the offset.
fn find_scopes<'a>(
    dwarf: &gimli::Dwarf<Reader<'a>>,
    unit: &Unit<'a>,
    node: gimli::EntriesTreeNode<'_, '_, Reader<'a>>,
    offset: u64,
    scopes: &mut Vec<(gimli::UnitOffset, gimli::UnitOffset)>,
    out: &mut Vec<Found>,
    covered: &mut bool,
) -> gimli::Result<()> {
    let mut children = node.children();
    while let Some(child) = children.next()? {
        let entry = child.entry();
        let tag = entry.tag();
        match tag {
            gimli::DW_TAG_subprogram | gimli::DW_TAG_inlined_subroutine
                if covers(dwarf, unit, entry, offset)? =>
            {
                *covered = true;
                // A subprogram is a frame of its own (its frame base); an inlined one
                // names its variables' function.
                let subprogram = match tag {
                    gimli::DW_TAG_subprogram => entry.offset(),
                    _ => scopes.last().map_or(entry.offset(), |s| s.0),
                };
                scopes.push((subprogram, entry.offset()));
                find_scopes(dwarf, unit, child, offset, scopes, out, covered)?;
                scopes.pop();
            }
            gimli::DW_TAG_lexical_block if covers(dwarf, unit, entry, offset)? => {
                // A block is one level deeper than what encloses it.
                if let Some(&s) = scopes.last() {
                    scopes.push(s);
                    find_scopes(dwarf, unit, child, offset, scopes, out, covered)?;
                    scopes.pop();
                }
            }
            gimli::DW_TAG_formal_parameter | gimli::DW_TAG_variable => {
                if let Some(&(subprogram, function)) = scopes.last() {
                    out.push(Found {
                        die: entry.offset(),
                        subprogram,
                        function: Some(function),
                        depth: scopes.len(),
                    });
                }
            }
            // Namespaces and the like hold subprograms.
            gimli::DW_TAG_namespace | gimli::DW_TAG_structure_type | gimli::DW_TAG_class_type
                if scopes.is_empty() =>
            {
                find_scopes(dwarf, unit, child, offset, scopes, out, covered)?;
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
    /// Set while a frame base is evaluated (one that needs itself is an error).
    in_frame_base: std::cell::Cell<bool>,
}

/// A value's bytes, or where it is.
#[derive(Clone, Debug)]
enum Place {
    Bytes(Vec<u8>),
    Memory(u64),
}

/// A type: one of the DWARF, or one an expression makes.
#[derive(Clone, Debug)]
enum Ty<'a> {
    Die(Entry<'a>),
    /// A pointer to a type (`&x`, a cast to `T *`).
    Ptr(Box<Ty<'a>>),
    /// An integer of this many bytes (arithmetic gives `i64`).
    Int {
        signed: bool,
        size: usize,
    },
    Float(usize),
    Bool,
    Void,
}

/// A typed value.
#[derive(Clone, Debug)]
struct Val<'a> {
    place: Place,
    ty: Ty<'a>,
}

/// What a type is, typedefs and qualifiers looked through.
enum Class<'a> {
    Int {
        signed: bool,
        size: usize,
    },
    Float(usize),
    Bool,
    /// A character: 4-byte Unicode (Rust's `char`) or a 1-byte C `char`.
    Char {
        signed: bool,
        size: usize,
    },
    Enum(Entry<'a>),
    /// A pointer; `reference`: Rust's `&T`, `Box<T>`, C++'s `T&` (shown as the target).
    Pointer {
        target: Ty<'a>,
        reference: bool,
    },
    Struct(Entry<'a>),
    Array {
        elem: Ty<'a>,
        count: Option<u64>,
    },
    Void,
    Other(String),
}

/// A sequence held by a Rust `&str`, `String`, slice or `Vec`: where its elements are,
/// how many, their type, and whether it is text.
struct Sequence<'a> {
    address: u64,
    len: u64,
    elem: Ty<'a>,
    text: bool,
}

/// An integer result: an `i64`, or a `u64` above `i64::MAX`; anything else overflows.
fn int_val<'a>(v: i128) -> Res<Val<'a>> {
    let signed = i64::try_from(v).is_ok();
    if !signed && u64::try_from(v).is_err() {
        return Err("integer overflow".into());
    }
    Ok(Val {
        place: Place::Bytes((v as u64).to_le_bytes().to_vec()),
        ty: Ty::Int { signed, size: 8 },
    })
}

fn bool_val<'a>(b: bool) -> Val<'a> {
    Val {
        place: Place::Bytes(vec![b as u8]),
        ty: Ty::Bool,
    }
}

fn float_val<'a>(f: f64) -> Val<'a> {
    Val {
        place: Place::Bytes(f.to_le_bytes().to_vec()),
        ty: Ty::Float(8),
    }
}

/// A number of a scalar value: an integer or a float.
#[derive(Clone, Copy)]
enum Num {
    I(i128),
    F(f64),
}

impl Num {
    fn f(self) -> f64 {
        match self {
            Num::I(i) => i as f64,
            Num::F(f) => f,
        }
    }
}

fn arith<'a>(op: BinOp, a: Num, b: Num) -> Res<Val<'a>> {
    use std::cmp::Ordering::{Equal, Greater, Less};
    use BinOp::*;
    // Comparisons and logic, the same for integers and floats (a NaN is unordered).
    let ord = match (a, b) {
        (Num::I(x), Num::I(y)) => Some(x.cmp(&y)),
        _ => a.f().partial_cmp(&b.f()),
    };
    let truth = |n: Num| n.f() != 0.0;
    let test = match op {
        Eq => Some(ord == Some(Equal)),
        Ne => Some(ord != Some(Equal)),
        Lt => Some(ord == Some(Less)),
        Le => Some(matches!(ord, Some(Less | Equal))),
        Gt => Some(ord == Some(Greater)),
        Ge => Some(matches!(ord, Some(Greater | Equal))),
        And => Some(truth(a) && truth(b)),
        Or => Some(truth(a) || truth(b)),
        _ => None,
    };
    if let Some(t) = test {
        return Ok(bool_val(t));
    }
    if let (Num::I(x), Num::I(y)) = (a, b) {
        let overflow = || "integer overflow".to_string();
        return int_val(match op {
            Add => x.checked_add(y).ok_or_else(overflow)?,
            Sub => x.checked_sub(y).ok_or_else(overflow)?,
            Mul => x.checked_mul(y).ok_or_else(overflow)?,
            Div | Rem if y == 0 => return Err("division by zero".into()),
            Div => x.checked_div(y).ok_or_else(overflow)?,
            Rem => x.checked_rem(y).ok_or_else(overflow)?,
            Shl | Shr if !(0..64).contains(&y) => return Err(format!("shift by {y}")),
            Shl => ((x as i64) << y) as i128,
            Shr => ((x as i64) >> y) as i128,
            BitAnd => x & y,
            BitOr => x | y,
            BitXor => x ^ y,
            _ => unreachable!("comparisons and logic are above"),
        });
    }
    let (x, y) = (a.f(), b.f());
    Ok(float_val(match op {
        Add => x + y,
        Sub => x - y,
        Mul => x * y,
        Div => x / y,
        Rem => x % y,
        _ => return Err("a bit operation on a floating-point value".into()),
    }))
}

/// The number of a synthetic value (no DWARF types involved).
fn synthetic_num(v: &Val<'_>) -> Res<Num> {
    let Place::Bytes(b) = &v.place else {
        return Err("not a number".into());
    };
    Ok(match v.ty {
        Ty::Float(4) => Num::F(f32::from_bits(le_u64(b) as u32) as f64),
        Ty::Float(_) => Num::F(f64::from_bits(le_u64(b))),
        Ty::Int { signed, size } => Num::I(to_int(b, signed, size)),
        Ty::Bool | Ty::Ptr(_) => Num::I(le_u64(b) as i128),
        _ => return Err("not a number".into()),
    })
}

/// `b` (little-endian, `size` bytes) as an integer.
fn to_int(b: &[u8], signed: bool, size: usize) -> i128 {
    let u = le_u64(b);
    let bits = (size.min(8) * 8) as u32;
    if signed && bits > 0 && bits < 64 {
        (((u << (64 - bits)) as i64) >> (64 - bits)) as i128
    } else if signed {
        u as i64 as i128
    } else if bits > 0 && bits < 64 {
        (u & ((1u64 << bits) - 1)) as i128
    } else {
        u as i128
    }
}

fn synthetic_name(ty: &Ty<'_>) -> String {
    match ty {
        Ty::Int { signed, size } => format!("{}{}", if *signed { "i" } else { "u" }, size * 8),
        Ty::Float(size) => format!("f{}", size * 8),
        Ty::Bool => "bool".into(),
        Ty::Ptr(t) => format!("*{}", synthetic_name(t)),
        Ty::Void => "void".into(),
        Ty::Die(_) => "?".into(),
    }
}

fn format_synthetic(v: &Val<'_>) -> Res<String> {
    Ok(match (&v.ty, synthetic_num(v)?) {
        (Ty::Bool, Num::I(i)) => (i != 0).to_string(),
        (Ty::Ptr(_), Num::I(i)) => format!("{i:#x}"),
        (_, Num::I(i)) => i.to_string(),
        (_, Num::F(f)) => format!("{f:?}"),
    })
}

/// Evaluation without DWARF: literals and arithmetic only.
fn no_debug_eval<'a>(e: &Expr) -> Res<Val<'a>> {
    Ok(match e {
        Expr::Int(i) => int_val(*i)?,
        Expr::Name(n) => return Err(format!("no variable named {n} in scope")),
        Expr::Neg(a) => match synthetic_num(&no_debug_eval(a)?)? {
            Num::I(i) => int_val(i.checked_neg().ok_or("integer overflow")?)?,
            Num::F(f) => float_val(-f),
        },
        Expr::Not(a) => bool_val(synthetic_num(&no_debug_eval(a)?)?.f() == 0.0),
        Expr::Binary(op, a, b) => arith(
            *op,
            synthetic_num(&no_debug_eval(a)?)?,
            synthetic_num(&no_debug_eval(b)?)?,
        )?,
        _ => return Err("no debugging information here".into()),
    })
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

    /// The type of `entry` as a [`Ty`] (`Void` without one).
    fn ty_of(&self, entry: &Entry<'a>) -> Ty<'a> {
        self.type_of(entry).map_or(Ty::Void, Ty::Die)
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
            gimli::DW_TAG_array_type => match self.array_count(ty) {
                Some(n) => format!("[{}; {n}]", inner()),
                None => format!("[{}]", inner()),
            },
            _ => self.name(ty).unwrap_or_else(|| "?".into()),
        }
    }

    fn ty_name(&self, ty: &Ty<'a>, depth: usize) -> String {
        match ty {
            Ty::Die(e) => self.type_name(Some(e), depth),
            Ty::Ptr(t) => format!("*{}", self.ty_name(t, depth + 1)),
            other => synthetic_name(other),
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
                expandable: false,
                points_to: None,
                address: None,
            };
        };
        let ty = self.ty_of(&die);
        let val = self.place(&die, found.subprogram).map(|place| Val {
            place,
            ty: ty.clone(),
        });
        let (expandable, points_to, address) = match &val {
            Ok(v) => (
                self.expandable(v),
                self.points_to(v),
                match v.place {
                    Place::Memory(a) => Some(a),
                    Place::Bytes(_) => None,
                },
            ),
            Err(_) => (false, None, None),
        };
        Variable {
            name: self.name(&die).unwrap_or_else(|| "?".into()),
            type_name: self.ty_name(&ty, 0),
            is_parameter: die.tag() == gimli::DW_TAG_formal_parameter,
            function,
            value: val.and_then(|v| self.format(&v, 0)),
            expandable,
            points_to,
            address,
        }
    }

    /// Where variable `die` is at the offset.
    fn place(&self, die: &Entry<'a>, subprogram: gimli::UnitOffset) -> Res<Place> {
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
    fn wasm_value(v: Option<&Value>) -> Res<gimli::Value> {
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
    ) -> Res<Place> {
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
                    let v = (index as usize)
                        .checked_add(1)
                        .and_then(|k| ops.len().checked_sub(k))
                        .and_then(|i| ops.get(i));
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
                    if bytes.len().saturating_add(n) > MAX_VALUE_BYTES {
                        return Err(format!("cannot read: a piece of {n} bytes"));
                    }
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
                    let n = size.unwrap_or(0);
                    if bytes.len().saturating_add(n) > MAX_VALUE_BYTES {
                        return Err(format!("cannot read: a piece of {n} bytes"));
                    }
                    bytes.extend(std::iter::repeat_n(0, n));
                }
                _ => return Err("cannot read: location kind".into()),
            }
        }
        Ok(Place::Bytes(bytes))
    }

    /// The frame base of `subprogram` (its `DW_AT_frame_base`, usually a Wasm local).
    fn frame_base(&self, subprogram: gimli::UnitOffset) -> Res<u64> {
        let sub = self.entry(subprogram).ok_or("cannot read: no subprogram")?;
        let Some(AttributeValue::Exprloc(e)) = sub.attr_value(gimli::DW_AT_frame_base) else {
            return Err("cannot read: no frame base".into());
        };
        if self.in_frame_base.replace(true) {
            return Err("cannot read: the frame base refers to itself".into());
        }
        let place = self.evaluate(e, subprogram);
        self.in_frame_base.set(false);
        match place? {
            Place::Bytes(b) => Ok(le_u64(&b)),
            Place::Memory(a) => Ok(a),
        }
    }

    /// The bytes of a value of `size` bytes at `place` (at most [`MAX_VALUE_BYTES`]: a
    /// larger size is what broken DWARF says).
    fn bytes(&self, place: &Place, size: usize) -> Res<Vec<u8>> {
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

    /// The part of `place` at `at`, `size` bytes long.
    fn sub(place: &Place, at: u64, size: u64) -> Res<Place> {
        match place {
            Place::Memory(a) => Ok(Place::Memory(a.wrapping_add(at))),
            Place::Bytes(b) => {
                let end = at
                    .checked_add(size)
                    .ok_or("cannot read: outside the value")?;
                b.get(at as usize..end as usize)
                    .map(|s| Place::Bytes(s.to_vec()))
                    .ok_or_else(|| "cannot read: outside the value".into())
            }
        }
    }

    /// What `ty` is, typedefs and qualifiers looked through.
    fn class(&self, ty: &Ty<'a>) -> Class<'a> {
        let mut e = match ty {
            Ty::Die(e) => e.clone(),
            Ty::Ptr(t) => {
                return Class::Pointer {
                    target: (**t).clone(),
                    reference: false,
                }
            }
            Ty::Int { signed, size } => {
                return Class::Int {
                    signed: *signed,
                    size: *size,
                }
            }
            Ty::Float(s) => return Class::Float(*s),
            Ty::Bool => return Class::Bool,
            Ty::Void => return Class::Void,
        };
        for _ in 0..16 {
            match e.tag() {
                gimli::DW_TAG_typedef
                | gimli::DW_TAG_const_type
                | gimli::DW_TAG_volatile_type
                | gimli::DW_TAG_restrict_type
                | gimli::DW_TAG_atomic_type => match self.type_of(&e) {
                    Some(t) => e = t,
                    None => return Class::Void,
                },
                gimli::DW_TAG_base_type => {
                    let size = self.udata(&e, gimli::DW_AT_byte_size).unwrap_or(0) as usize;
                    let enc = match self.attr(&e, gimli::DW_AT_encoding) {
                        Some(AttributeValue::Encoding(e)) => e,
                        _ => gimli::DW_ATE_unsigned,
                    };
                    return match enc {
                        gimli::DW_ATE_signed => Class::Int { signed: true, size },
                        gimli::DW_ATE_boolean => Class::Bool,
                        gimli::DW_ATE_float => Class::Float(size),
                        gimli::DW_ATE_signed_char => Class::Char { signed: true, size },
                        gimli::DW_ATE_unsigned_char | gimli::DW_ATE_UTF => Class::Char {
                            signed: false,
                            size,
                        },
                        _ => Class::Int {
                            signed: false,
                            size,
                        },
                    };
                }
                gimli::DW_TAG_pointer_type
                | gimli::DW_TAG_reference_type
                | gimli::DW_TAG_rvalue_reference_type => {
                    let name = self.name(&e).unwrap_or_default();
                    let reference = e.tag() != gimli::DW_TAG_pointer_type
                        || name.starts_with('&')
                        || name.starts_with("Box<")
                        || name.starts_with("alloc::boxed::Box<");
                    return Class::Pointer {
                        target: self.ty_of(&e),
                        reference,
                    };
                }
                gimli::DW_TAG_enumeration_type => return Class::Enum(e),
                gimli::DW_TAG_structure_type
                | gimli::DW_TAG_class_type
                | gimli::DW_TAG_union_type => return Class::Struct(e),
                gimli::DW_TAG_array_type => {
                    return Class::Array {
                        elem: self.ty_of(&e),
                        count: self.array_count(&e),
                    }
                }
                gimli::DW_TAG_unspecified_type | gimli::DW_TAG_subroutine_type => {
                    return Class::Void
                }
                other => return Class::Other(other.to_string()),
            }
        }
        Class::Other("a typedef loop".into())
    }

    /// The size in bytes of a value of type `ty`.
    fn ty_size(&self, ty: &Ty<'a>) -> Option<u64> {
        match ty {
            Ty::Die(e) => self.size_of(e, 0),
            Ty::Ptr(_) => Some(PTR as u64),
            Ty::Int { size, .. } | Ty::Float(size) => Some(*size as u64),
            Ty::Bool => Some(1),
            Ty::Void => None,
        }
    }

    /// A scalar value's number (integers, characters, booleans, enumerations, pointers,
    /// floats).
    fn num(&self, v: &Val<'a>) -> Res<Num> {
        let scalar = |size: usize| -> Res<Vec<u8>> { self.bytes(&v.place, size.clamp(1, 8)) };
        Ok(match self.class(&v.ty) {
            Class::Int { signed, size } | Class::Char { signed, size } => {
                Num::I(to_int(&scalar(size)?, signed, size))
            }
            Class::Bool => Num::I((le_u64(&scalar(1)?) & 1) as i128),
            Class::Float(4) => Num::F(f32::from_bits(le_u64(&scalar(4)?) as u32) as f64),
            Class::Float(_) => Num::F(f64::from_bits(le_u64(&scalar(8)?))),
            Class::Enum(e) => {
                let size = self.udata(&e, gimli::DW_AT_byte_size).unwrap_or(4) as usize;
                // Signed when its underlying type is (C's `int`).
                let signed = self.type_of(&e).is_some_and(|t| {
                    matches!(self.class(&Ty::Die(t)), Class::Int { signed: true, .. })
                });
                Num::I(to_int(&scalar(size)?, signed, size))
            }
            Class::Pointer { .. } => Num::I(le_u64(&scalar(PTR)?) as i128),
            _ => {
                return Err(format!(
                    "a value of type {} is not a number",
                    self.ty_name(&v.ty, 0)
                ))
            }
        })
    }

    /// The address a pointer value holds.
    fn pointer(&self, v: &Val<'a>) -> Res<u64> {
        Ok(le_u64(&self.bytes(&v.place, PTR)?))
    }

    fn points_to(&self, v: &Val<'a>) -> Option<u64> {
        match self.class(&v.ty) {
            Class::Pointer { .. } => self.pointer(v).ok(),
            Class::Struct(e) => self.sequence(&e, v).and_then(Result::ok).map(|s| s.address),
            _ => None,
        }
    }

    /// `v` formatted (see the module docs).
    fn format(&self, v: &Val<'a>, depth: usize) -> Res<String> {
        match self.class(&v.ty) {
            Class::Int { .. } => match self.num(v)? {
                Num::I(i) => Ok(i.to_string()),
                Num::F(f) => Ok(f.to_string()),
            },
            Class::Bool => Ok((self.num(v)?.f() != 0.0).to_string()),
            Class::Float(_) => Ok(format!("{:?}", self.num(v)?.f())),
            Class::Char { size, .. } => {
                let Num::I(i) = self.num(v)? else {
                    return Err("cannot read: character".into());
                };
                if size == 1 {
                    Ok(format!("{i} {:?}", i as u8 as char))
                } else {
                    Ok(match char::from_u32(i as u32) {
                        Some(c) => format!("{c:?}"),
                        None => format!("{i:#x}"),
                    })
                }
            }
            Class::Enum(e) => {
                let Num::I(i) = self.num(v)? else {
                    return Err("cannot read: enumeration".into());
                };
                Ok(self
                    .enumerator(&e, i as u64)
                    .unwrap_or_else(|| i.to_string()))
            }
            Class::Pointer { target, reference } => {
                let address = self.pointer(v)?;
                if reference && !matches!(target, Ty::Void) {
                    if depth >= MAX_DEPTH + 2 {
                        return Ok(format!("{address:#x}"));
                    }
                    let to = Val {
                        place: Place::Memory(address),
                        ty: target,
                    };
                    return self.format(&to, depth + 1);
                }
                // A C string: its text.
                if let Class::Char { size: 1, .. } = self.class(&target) {
                    if let Some(text) = self.c_string(address) {
                        return Ok(format!("{address:#x} {text}"));
                    }
                }
                Ok(format!("{address:#x}"))
            }
            Class::Struct(e) => self.format_struct(&e, v, depth),
            Class::Array { elem, count } => {
                if depth >= MAX_DEPTH {
                    return Ok("[...]".into());
                }
                let count = count.unwrap_or(0);
                let esize = self.ty_size(&elem).unwrap_or(0);
                if esize == 0 {
                    return Err("cannot read: element size".into());
                }
                let shown = count.min(MAX_ELEMENTS);
                let bytes = self.bytes(&v.place, shown.saturating_mul(esize) as usize)?;
                let place = Place::Bytes(bytes);
                Ok(self.list(
                    count,
                    |i| {
                        Self::sub(&place, i * esize, esize).map(|place| Val {
                            place,
                            ty: elem.clone(),
                        })
                    },
                    depth,
                ))
            }
            Class::Void => Err("cannot read: no type".into()),
            Class::Other(tag) => Err(format!("cannot read: type {tag}")),
        }
    }

    /// `[a, b, ...]` of `count` elements made by `element` (at most [`MAX_ELEMENTS`]).
    fn list(&self, count: u64, element: impl Fn(u64) -> Res<Val<'a>>, depth: usize) -> String {
        let shown = count.min(MAX_ELEMENTS);
        let mut items = Vec::new();
        for i in 0..shown {
            items.push(
                element(i)
                    .and_then(|v| self.format(&v, depth + 1))
                    .unwrap_or_else(|e| format!("<{e}>")),
            );
        }
        if count > shown {
            items.push(format!("... {} more", count - shown));
        }
        format!("[{}]", items.join(", "))
    }

    /// A NUL-terminated string at `address` (at most 256 bytes shown), quoted.
    fn c_string(&self, address: u64) -> Option<String> {
        if address == 0 {
            return None;
        }
        let mut bytes = Vec::new();
        for chunk in 0..16u64 {
            let at = address.checked_add(chunk * 16)?;
            let b = (self.frame.memory)(at, 16).or_else(|| {
                // The end of memory: byte by byte.
                let mut v = Vec::new();
                for i in 0..16 {
                    v.extend((self.frame.memory)(at + i, 1)?);
                }
                Some(v)
            });
            let b = match b {
                Some(b) if !b.is_empty() => b,
                _ => break,
            };
            if let Some(end) = b.iter().position(|&c| c == 0) {
                bytes.extend_from_slice(&b[..end]);
                return Some(format!("{:?}", String::from_utf8_lossy(&bytes)));
            }
            bytes.extend_from_slice(&b);
        }
        (!bytes.is_empty()).then(|| format!("{:?}...", String::from_utf8_lossy(&bytes)))
    }

    /// The members of struct type `e`: `(name, offset, type)`, in order.
    fn members(&self, e: &Entry<'a>) -> Vec<(String, u64, Ty<'a>)> {
        self.children_of(e.offset())
            .into_iter()
            .filter(|m| m.tag() == gimli::DW_TAG_member)
            .map(|m| {
                (
                    self.name(&m).unwrap_or_else(|| "?".into()),
                    self.udata(&m, gimli::DW_AT_data_member_location)
                        .unwrap_or(0),
                    self.ty_of(&m),
                )
            })
            .collect()
    }

    /// The variant part of a Rust enum's struct type `e`, if it is one.
    fn variant_part(&self, e: &Entry<'a>) -> Option<Entry<'a>> {
        self.children_of(e.offset())
            .into_iter()
            .find(|c| c.tag() == gimli::DW_TAG_variant_part)
    }

    fn format_struct(&self, e: &Entry<'a>, v: &Val<'a>, depth: usize) -> Res<String> {
        if let Some(seq) = self.sequence(e, v) {
            let seq = seq?;
            if seq.text {
                return self.string_at(seq.address, seq.len);
            }
            if depth >= MAX_DEPTH {
                return Ok("[...]".into());
            }
            let esize = self.ty_size(&seq.elem).unwrap_or(0);
            return Ok(self.list(
                seq.len,
                |i| {
                    Ok(Val {
                        place: Place::Memory(seq.address.wrapping_add(i.wrapping_mul(esize))),
                        ty: seq.elem.clone(),
                    })
                },
                depth,
            ));
        }
        // A union's members overlap: shown as `{ a: .., b: .. }`, every member.
        let name = match e.tag() {
            gimli::DW_TAG_union_type => String::new(),
            _ => self.name(e).unwrap_or_default(),
        };
        if depth >= MAX_DEPTH {
            return Ok(format!("{name} {{...}}").trim_start().to_string());
        }
        let size = self.size_of(e, 0).unwrap_or(0) as usize;
        // One read of the whole value; its members are parts of it.
        let whole = Val {
            place: Place::Bytes(self.bytes(&v.place, size)?),
            ty: v.ty.clone(),
        };
        if let Some(part) = self.variant_part(e) {
            return self.format_variant(&part, &whole, depth);
        }
        let members = self.members(e);
        let fields: Vec<(String, String)> = members
            .iter()
            .map(|(n, at, ty)| {
                let size = self.ty_size(ty).unwrap_or(0);
                let value = Self::sub(&whole.place, *at, size)
                    .and_then(|place| {
                        self.format(
                            &Val {
                                place,
                                ty: ty.clone(),
                            },
                            depth + 1,
                        )
                    })
                    .unwrap_or_else(|e| format!("<{e}>"));
                (n.clone(), value)
            })
            .collect();
        Ok(compose(&name, &fields))
    }

    /// The active variant of a Rust enum value `v` whose variant part is `part`: its
    /// name, and the variant's struct value.
    fn active_variant(&self, part: &Entry<'a>, v: &Val<'a>) -> Res<(String, Option<Val<'a>>)> {
        let children = self.children_of(part.offset());
        // The discriminant: the member `DW_AT_discr` names (absent: one variant).
        let mut discr_size = 8u64;
        let discr = match part.attr_value(gimli::DW_AT_discr) {
            Some(AttributeValue::UnitRef(d)) => {
                let d = self.entry(d).ok_or("cannot read: discriminant")?;
                let at = self
                    .udata(&d, gimli::DW_AT_data_member_location)
                    .unwrap_or(0);
                let size = self
                    .type_of(&d)
                    .and_then(|t| self.size_of(&t, 0))
                    .unwrap_or(4)
                    .clamp(1, 8);
                discr_size = size;
                let b = self.bytes(&Self::sub(&v.place, at, size)?, size as usize)?;
                Some(le_u64(&b))
            }
            _ => None,
        };
        let variants: Vec<&Entry<'a>> = children
            .iter()
            .filter(|c| c.tag() == gimli::DW_TAG_variant)
            .collect();
        // A discriminant value may be signed (`Sdata`): compared in the discriminant's
        // own size.
        let discr_value = |v: &Entry<'a>| -> Option<u64> {
            match v.attr_value(gimli::DW_AT_discr_value)? {
                AttributeValue::Sdata(x) => Some(x as u64),
                other => self.udata_of(other),
            }
        };
        let mask = |x: u64| {
            if discr_size >= 8 {
                x
            } else {
                x & ((1u64 << (discr_size * 8)) - 1)
            }
        };
        let chosen = variants
            .iter()
            .find(|v| discr.is_some() && discr_value(v).map(mask) == discr.map(mask))
            .or_else(|| {
                variants
                    .iter()
                    .find(|v| v.attr_value(gimli::DW_AT_discr_value).is_none())
            })
            .ok_or("cannot read: no variant for the discriminant")?;
        let member = self
            .children_of(chosen.offset())
            .into_iter()
            .find(|m| m.tag() == gimli::DW_TAG_member)
            .ok_or("cannot read: empty variant")?;
        let name = self.name(&member).unwrap_or_else(|| "?".into());
        let at = self
            .udata(&member, gimli::DW_AT_data_member_location)
            .unwrap_or(0);
        let Some(vty) = self.type_of(&member) else {
            return Ok((name, None));
        };
        let size = self.size_of(&vty, 0).unwrap_or(0);
        let place = match &v.place {
            Place::Memory(a) => Place::Memory(a.wrapping_add(at)),
            // A variant's struct may say it is as large as the enum from offset 0.
            Place::Bytes(b) => {
                if size as usize > MAX_VALUE_BYTES {
                    return Err(format!("cannot read: a variant of {size} bytes"));
                }
                let start = (at as usize).min(b.len());
                let mut part = b[start..].to_vec();
                part.resize(size as usize, 0);
                Place::Bytes(part)
            }
        };
        Ok((
            name,
            Some(Val {
                place,
                ty: Ty::Die(vty),
            }),
        ))
    }

    fn format_variant(&self, part: &Entry<'a>, v: &Val<'a>, depth: usize) -> Res<String> {
        let (name, inner) = self.active_variant(part, v)?;
        let Some(inner) = inner else {
            return Ok(name);
        };
        let Class::Struct(vty) = self.class(&inner.ty) else {
            return Ok(name);
        };
        let fields: Vec<(String, String)> = self
            .members(&vty)
            .into_iter()
            .map(|(n, at, ty)| {
                let size = self.ty_size(&ty).unwrap_or(0);
                let value = Self::sub(&inner.place, at, size)
                    .and_then(|place| self.format(&Val { place, ty }, depth + 1))
                    .unwrap_or_else(|e| format!("<{e}>"));
                (n, value)
            })
            .collect();
        Ok(compose(&name, &fields))
    }

    /// The children of DIE `at` (one level).
    fn children_of(&self, at: gimli::UnitOffset) -> Vec<Entry<'a>> {
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

    /// Member `name` of struct type `ty`: its offset and type.
    fn member(&self, ty: &Entry<'a>, name: &str) -> Option<(u64, Ty<'a>)> {
        self.members(ty)
            .into_iter()
            .find(|(n, _, _)| n == name)
            .map(|(_, at, t)| (at, t))
    }

    /// The first pointer inside the value of type `ty` (depth first through members): its
    /// offset in the value, and its target type.
    fn first_pointer(&self, ty: &Ty<'a>, depth: usize) -> Option<(u64, Ty<'a>)> {
        if depth > 8 {
            return None;
        }
        match self.class(ty) {
            Class::Pointer { target, .. } => Some((0, target)),
            Class::Struct(e) => {
                let (_, at, mty) = self.members(&e).into_iter().next()?;
                let (inner, target) = self.first_pointer(&mty, depth + 1)?;
                Some((at.checked_add(inner)?, target))
            }
            _ => None,
        }
    }

    /// The sequence a Rust `&str`, slice, `String` or `Vec` of struct type `e` holds
    /// (`None` for other types).
    fn sequence(&self, e: &Entry<'a>, v: &Val<'a>) -> Option<Res<Sequence<'a>>> {
        let name = self.name(e)?;
        let number = |at: u64| -> Res<u64> {
            Ok(le_u64(
                &self.bytes(&Self::sub(&v.place, at, PTR as u64)?, PTR)?,
            ))
        };
        let str_like = name == "&str" || name == "&mut str";
        if str_like || name.starts_with("&[") || name.starts_with("&mut [") {
            let (p, pty) = self.member(e, "data_ptr")?;
            let (l, _) = self.member(e, "length")?;
            let elem = match self.class(&pty) {
                Class::Pointer { target, .. } => target,
                _ => Ty::Void,
            };
            return Some((|| {
                Ok(Sequence {
                    address: number(p)?,
                    len: number(l)?,
                    elem: if str_like {
                        Ty::Int {
                            signed: false,
                            size: 1,
                        }
                    } else {
                        elem
                    },
                    text: str_like,
                })
            })());
        }
        let vec = name.starts_with("Vec<") || name.starts_with("alloc::vec::Vec<");
        if !(vec || name == "String" || name == "alloc::string::String") {
            return None;
        }
        let (v_at, vty) = if vec {
            (0, Ty::Die(e.clone()))
        } else {
            self.member(e, "vec")?
        };
        let Class::Struct(vty) = self.class(&vty) else {
            return None;
        };
        let (len_at, _) = self.member(&vty, "len")?;
        let (ptr_at, target) = self.first_pointer(&Ty::Die(vty.clone()), 0)?;
        // The element type: the template parameter `T` (the pointer inside is type-erased
        // in recent Rust).
        let elem = self
            .children_of(vty.offset())
            .into_iter()
            .find(|c| c.tag() == gimli::DW_TAG_template_type_parameter)
            .map(|c| self.ty_of(&c))
            .unwrap_or(target);
        Some((|| {
            Ok(Sequence {
                len: number(v_at.checked_add(len_at).ok_or("cannot read: Vec")?)?,
                address: number(v_at.checked_add(ptr_at).ok_or("cannot read: Vec")?)?,
                elem: if vec {
                    elem
                } else {
                    Ty::Int {
                        signed: false,
                        size: 1,
                    }
                },
                text: !vec,
            })
        })())
    }

    /// `len` bytes at `address` as a quoted string (lossy UTF-8, at most 256 bytes).
    fn string_at(&self, address: u64, len: u64) -> Res<String> {
        let shown = len.min(256);
        let bytes = (self.frame.memory)(address, shown as usize)
            .ok_or_else(|| format!("cannot read: memory at {address:#x}"))?;
        let more = if len > shown { "..." } else { "" };
        Ok(format!("{:?}{more}", String::from_utf8_lossy(&bytes)))
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
            gimli::DW_TAG_pointer_type | gimli::DW_TAG_reference_type => Some(PTR as u64),
            gimli::DW_TAG_array_type => self
                .array_count(ty)?
                .checked_mul(self.size_of(&self.type_of(ty)?, depth + 1)?),
            _ => None,
        }
    }

    /// An array type's element count (its first dimension's).
    fn array_count(&self, ty: &Entry<'a>) -> Option<u64> {
        for e in self.children_of(ty.offset()) {
            if e.tag() == gimli::DW_TAG_subrange_type {
                if let Some(c) = self.udata(&e, gimli::DW_AT_count) {
                    return Some(c);
                }
                return self
                    .udata(&e, gimli::DW_AT_upper_bound)
                    .and_then(|u| u.checked_add(1));
            }
        }
        None
    }

    /// The name of enumerator `v` of enumeration type `ty`.
    fn enumerator(&self, ty: &Entry<'a>, v: u64) -> Option<String> {
        let mut names: HashMap<u64, String> = HashMap::new();
        for e in self.children_of(ty.offset()) {
            if e.tag() == gimli::DW_TAG_enumerator {
                let value = match e.attr_value(gimli::DW_AT_const_value)? {
                    AttributeValue::Sdata(s) => s as u64,
                    other => self.udata_of(other)?,
                };
                if let Some(n) = self.name(&e) {
                    names.insert(value, n);
                }
            }
        }
        let size = self.udata(ty, gimli::DW_AT_byte_size).unwrap_or(8).min(8);
        let mask = if size >= 8 {
            u64::MAX
        } else {
            (1u64 << (size * 8)) - 1
        };
        names
            .into_iter()
            .find(|(k, _)| k & mask == v & mask)
            .map(|(_, n)| n)
    }

    // --- expressions ---

    /// The variable named `name` in scope: the innermost declaration.
    fn lookup<'f>(&self, found: &'f [Found], name: &str) -> Option<&'f Found> {
        found
            .iter()
            .filter(|f| {
                self.entry(f.die)
                    .and_then(|d| self.name(&d))
                    .is_some_and(|n| n == name)
            })
            .max_by_key(|f| f.depth)
    }

    /// A static (a variable of the unit outside functions, in namespaces) named `name`
    /// (its last path segments must match).
    fn static_var(&self, name: &str) -> Option<Entry<'a>> {
        let want: Vec<&str> = name.split("::").collect();
        let mut tree = self.unit.entries_tree(None).ok()?;
        let root = tree.root().ok()?;
        let mut found = None;
        self.walk_statics(root, &mut Vec::new(), &want, &mut found);
        found
    }

    fn walk_statics(
        &self,
        node: gimli::EntriesTreeNode<'_, '_, Reader<'a>>,
        path: &mut Vec<String>,
        want: &[&str],
        found: &mut Option<Entry<'a>>,
    ) {
        let mut children = node.children();
        while let Ok(Some(child)) = children.next() {
            if found.is_some() || path.len() > 32 {
                return;
            }
            let e = child.entry().clone();
            match e.tag() {
                gimli::DW_TAG_namespace => {
                    path.push(self.name(&e).unwrap_or_default());
                    self.walk_statics(child, path, want, found);
                    path.pop();
                }
                gimli::DW_TAG_variable if e.attr_value(gimli::DW_AT_location).is_some() => {
                    let Some(n) = self.name(&e) else { continue };
                    let mut full: Vec<&str> = path.iter().map(String::as_str).collect();
                    full.push(&n);
                    if full.ends_with(want) {
                        *found = Some(e);
                        return;
                    }
                }
                _ => {}
            }
        }
    }

    fn eval(&self, found: &[Found], e: &Expr, depth: usize) -> Res<Val<'a>> {
        if depth > 64 {
            return Err("expression nested too deeply".into());
        }
        let sub = |x: &Expr| self.eval(found, x, depth + 1);
        match e {
            Expr::Int(i) => int_val(*i),
            Expr::Name(n) => {
                if let Some(f) = self.lookup(found, n) {
                    let die = self.entry(f.die).ok_or("cannot read: no entry")?;
                    let place = self.place(&die, f.subprogram).map_err(|e| {
                        if e == "optimised out" {
                            format!("{n} is optimised out here")
                        } else {
                            e
                        }
                    })?;
                    return Ok(Val {
                        place,
                        ty: self.ty_of(&die),
                    });
                }
                if let Some(s) = self.static_var(n) {
                    let place = self.place(&s, s.offset())?;
                    return Ok(Val {
                        place,
                        ty: self.ty_of(&s),
                    });
                }
                Err(format!("no variable named {n} in scope"))
            }
            Expr::Field(base, name) => self.field(&sub(base)?, name),
            Expr::Index(base, index) => {
                let i = match self.num(&sub(index)?)? {
                    Num::I(i) => i,
                    Num::F(_) => return Err("an index must be an integer".into()),
                };
                self.index(&sub(base)?, i)
            }
            Expr::Deref(base) => self.deref(&sub(base)?),
            Expr::AddrOf(base) => {
                let v = sub(base)?;
                match v.place {
                    Place::Memory(a) => Ok(Val {
                        place: Place::Bytes(a.to_le_bytes()[..PTR].to_vec()),
                        ty: Ty::Ptr(Box::new(v.ty)),
                    }),
                    Place::Bytes(_) => {
                        Err("not in linear memory (a Wasm local or a constant): no address".into())
                    }
                }
            }
            Expr::Neg(a) => match self.num(&sub(a)?)? {
                Num::I(i) => int_val(i.checked_neg().ok_or("integer overflow")?),
                Num::F(f) => Ok(float_val(-f)),
            },
            Expr::Not(a) => Ok(bool_val(self.num(&sub(a)?)?.f() == 0.0)),
            Expr::Binary(op @ (BinOp::And | BinOp::Or), a, b) => {
                // Short-circuit: `i < len && v[i] == 0` reads v[i] only when i < len.
                let x = self.num(&sub(a)?)?.f() != 0.0;
                if (*op == BinOp::And && !x) || (*op == BinOp::Or && x) {
                    return Ok(bool_val(x));
                }
                Ok(bool_val(self.num(&sub(b)?)?.f() != 0.0))
            }
            Expr::Binary(op, a, b) => {
                let (x, y) = (sub(a)?, sub(b)?);
                // Pointer arithmetic: by the target's size.
                if let (BinOp::Add | BinOp::Sub, Class::Pointer { target, .. }) =
                    (op, self.class(&x.ty))
                {
                    if let (Num::I(p), Num::I(n)) = (self.num(&x)?, self.num(&y)?) {
                        let size = self.ty_size(&target).unwrap_or(1).max(1) as i128;
                        if let Class::Pointer { .. } = self.class(&y.ty) {
                            if *op == BinOp::Sub {
                                return int_val((p - n) / size);
                            }
                        }
                        let n = n.checked_mul(size).ok_or("integer overflow")?;
                        let r = if *op == BinOp::Add { p + n } else { p - n };
                        return Ok(Val {
                            place: Place::Bytes((r as u64).to_le_bytes()[..PTR].to_vec()),
                            ty: x.ty,
                        });
                    }
                }
                arith(*op, self.num(&x)?, self.num(&y)?)
            }
            Expr::Cast(a, ty) => {
                let v = sub(a)?;
                let ty = self.resolve_type(ty)?;
                self.cast(v, ty)
            }
        }
    }

    fn field(&self, v: &Val<'a>, name: &str) -> Res<Val<'a>> {
        self.field_at(v, name, 0)
    }

    fn field_at(&self, v: &Val<'a>, name: &str, depth: usize) -> Res<Val<'a>> {
        if depth > 16 {
            return Err("cannot read: a loop of pointer types".into());
        }
        match self.class(&v.ty) {
            Class::Pointer { .. } => self.field_at(&self.deref(v)?, name, depth + 1),
            Class::Struct(e) => {
                if let Some(part) = self.variant_part(&e) {
                    let (variant, inner) = self.active_variant(&part, v)?;
                    let inner = inner.ok_or_else(|| format!("{variant} has no field {name}"))?;
                    return self
                        .field_at(&inner, name, depth + 1)
                        .map_err(|_| format!("{variant} has no field {}", show_field(name)));
                }
                let (at, ty) = self.member(&e, name).ok_or_else(|| {
                    format!(
                        "{} has no field {}",
                        self.name(&e).unwrap_or_else(|| "the struct".into()),
                        show_field(name)
                    )
                })?;
                let size = self.ty_size(&ty).unwrap_or(0);
                Ok(Val {
                    place: Self::sub(&v.place, at, size)?,
                    ty,
                })
            }
            _ => Err(format!(
                "a value of type {} has no fields",
                self.ty_name(&v.ty, 0)
            )),
        }
    }

    fn index(&self, v: &Val<'a>, i: i128) -> Res<Val<'a>> {
        self.index_at(v, i, 0)
    }

    fn index_at(&self, v: &Val<'a>, i: i128, depth: usize) -> Res<Val<'a>> {
        if depth > 16 {
            return Err("cannot read: a loop of pointer types".into());
        }
        let element = |address: u64, elem: Ty<'a>| -> Res<Val<'a>> {
            let size = self.ty_size(&elem).ok_or("cannot read: element size")? as i128;
            let at = (address as i128)
                .checked_add(i.checked_mul(size).ok_or("index out of range")?)
                .ok_or("index out of range")?;
            Ok(Val {
                place: Place::Memory(at as u64),
                ty: elem,
            })
        };
        let check = |len: u64| {
            if i < 0 || i >= len as i128 {
                Err(format!("index {i} is out of bounds: the length is {len}"))
            } else {
                Ok(())
            }
        };
        match self.class(&v.ty) {
            Class::Array { elem, count } => {
                if let Some(n) = count {
                    check(n)?;
                }
                let size = self.ty_size(&elem).ok_or("cannot read: element size")?;
                let at = (i as u64).checked_mul(size).ok_or("index out of range")?;
                Ok(Val {
                    place: Self::sub(&v.place, at, size)?,
                    ty: elem,
                })
            }
            Class::Pointer {
                reference: true,
                target,
            } if !matches!(self.class(&target), Class::Int { .. } | Class::Char { .. }) => {
                self.index_at(&self.deref(v)?, i, depth + 1)
            }
            Class::Pointer { target, .. } => element(self.pointer(v)?, target),
            Class::Struct(e) => match self.sequence(&e, v) {
                Some(seq) => {
                    let seq = seq?;
                    check(seq.len)?;
                    element(seq.address, seq.elem)
                }
                None => Err(format!(
                    "a value of type {} cannot be indexed",
                    self.ty_name(&v.ty, 0)
                )),
            },
            _ => Err(format!(
                "a value of type {} cannot be indexed",
                self.ty_name(&v.ty, 0)
            )),
        }
    }

    fn deref(&self, v: &Val<'a>) -> Res<Val<'a>> {
        match self.class(&v.ty) {
            Class::Pointer { target, .. } => {
                if matches!(self.class(&target), Class::Void) {
                    return Err("cannot dereference a pointer to void".into());
                }
                Ok(Val {
                    place: Place::Memory(self.pointer(v)?),
                    ty: target,
                })
            }
            _ => Err(format!(
                "a value of type {} is not a pointer",
                self.ty_name(&v.ty, 0)
            )),
        }
    }

    /// The type a cast names: a type of the unit by name (`struct`, `union` and `enum`
    /// prefixes allowed), or a primitive (`i32`, `u8`, `int`, `f64`...), under pointers.
    fn resolve_type(&self, t: &TypeName) -> Res<Ty<'a>> {
        let name = t
            .name
            .trim_start_matches("struct ")
            .trim_start_matches("union ")
            .trim_start_matches("enum ")
            .trim();
        let mut ty = match self.named_type(name) {
            Some(e) => Ty::Die(e),
            None => primitive(name).ok_or_else(|| format!("no type named {}", t.name))?,
        };
        for _ in 0..t.pointers {
            ty = Ty::Ptr(Box::new(ty));
        }
        Ok(ty)
    }

    fn named_type(&self, name: &str) -> Option<Entry<'a>> {
        let mut entries = self.unit.entries();
        let mut fallback = None;
        while let Ok(Some(e)) = entries.next_dfs() {
            let is_type = matches!(
                e.tag(),
                gimli::DW_TAG_base_type
                    | gimli::DW_TAG_structure_type
                    | gimli::DW_TAG_union_type
                    | gimli::DW_TAG_class_type
                    | gimli::DW_TAG_enumeration_type
                    | gimli::DW_TAG_typedef
            );
            if !is_type || e.attr_value(gimli::DW_AT_declaration).is_some() {
                continue;
            }
            if let Some(n) = self.name(e) {
                if n == name {
                    return Some(e.clone());
                }
                if fallback.is_none() && name.ends_with(&format!("::{n}")) {
                    fallback = Some(e.clone());
                }
            }
        }
        fallback
    }

    fn cast(&self, v: Val<'a>, ty: Ty<'a>) -> Res<Val<'a>> {
        let scalar =
            |size: usize, n: i128| Place::Bytes((n as u64).to_le_bytes()[..size.min(8)].to_vec());
        match self.class(&ty) {
            Class::Int { size, .. } | Class::Char { size, .. } => {
                let n = match self.num(&v)? {
                    Num::I(i) => i,
                    Num::F(f) => f as i128,
                };
                Ok(Val {
                    place: scalar(size, n),
                    ty,
                })
            }
            Class::Bool => Ok(Val {
                place: Place::Bytes(vec![(self.num(&v)?.f() != 0.0) as u8]),
                ty,
            }),
            Class::Enum(e) => {
                let size = self.udata(&e, gimli::DW_AT_byte_size).unwrap_or(4) as usize;
                let Num::I(n) = self.num(&v)? else {
                    return Err("cannot cast a float to an enumeration".into());
                };
                Ok(Val {
                    place: scalar(size, n),
                    ty,
                })
            }
            Class::Pointer { .. } => {
                let Num::I(n) = self.num(&v)? else {
                    return Err("cannot cast a float to a pointer".into());
                };
                Ok(Val {
                    place: scalar(PTR, n),
                    ty,
                })
            }
            Class::Float(size) => {
                let f = self.num(&v)?.f();
                let bytes = if size == 4 {
                    (f as f32).to_bits().to_le_bytes().to_vec()
                } else {
                    f.to_bits().to_le_bytes().to_vec()
                };
                Ok(Val {
                    place: Place::Bytes(bytes),
                    ty,
                })
            }
            // The same bytes seen as another aggregate type.
            Class::Struct(_) | Class::Array { .. } => Ok(Val { place: v.place, ty }),
            Class::Void | Class::Other(_) => {
                Err(format!("cannot cast to {}", self.ty_name(&ty, 0)))
            }
        }
    }

    /// Whether `v` has children ([`Scope::children`]).
    fn expandable(&self, v: &Val<'a>) -> bool {
        self.expandable_at(v, 0)
    }

    fn expandable_at(&self, v: &Val<'a>, depth: usize) -> bool {
        if depth > 16 {
            return false;
        }
        match self.class(&v.ty) {
            Class::Struct(e) => match self.sequence(&e, v) {
                Some(Ok(seq)) => !seq.text && seq.len > 0,
                Some(Err(_)) => false,
                None => match self.variant_part(&e) {
                    Some(part) => self
                        .active_variant(&part, v)
                        .ok()
                        .and_then(|(_, inner)| inner)
                        .is_some_and(|inner| match self.class(&inner.ty) {
                            Class::Struct(vty) => !self.members(&vty).is_empty(),
                            _ => false,
                        }),
                    None => !self.members(&e).is_empty(),
                },
            },
            Class::Array { count, .. } => count != Some(0),
            Class::Pointer { target, reference } => {
                if matches!(self.class(&target), Class::Void) {
                    return false;
                }
                if reference {
                    self.deref(v)
                        .is_ok_and(|t| self.expandable_at(&t, depth + 1))
                } else {
                    self.pointer(v).is_ok_and(|p| p != 0)
                }
            }
            _ => false,
        }
    }

    /// The children of `v` whose expression is `base`: `(label, expression, value)`.
    #[allow(clippy::type_complexity)]
    fn children(
        &self,
        v: &Val<'a>,
        base: &str,
        depth: usize,
    ) -> Res<Vec<(String, String, Res<Val<'a>>)>> {
        if depth > 8 {
            return Ok(Vec::new());
        }
        let elements = |count: u64, at: &dyn Fn(u64) -> Res<Val<'a>>| {
            let shown = count.min(MAX_CHILDREN);
            let mut out: Vec<(String, String, Res<Val<'a>>)> = (0..shown)
                .map(|i| (format!("[{i}]"), format!("{base}[{i}]"), at(i)))
                .collect();
            if count > shown {
                out.push((
                    format!("[{shown}..{count}]"),
                    String::new(),
                    Err(format!("{} more: evaluate {base}[i]", count - shown)),
                ));
            }
            out
        };
        let field_expr = |name: &str| match name.strip_prefix("__") {
            Some(n) if n.chars().all(|c| c.is_ascii_digit()) => {
                (n.to_string(), format!("{base}.{n}"))
            }
            _ => (name.to_string(), format!("{base}.{name}")),
        };
        Ok(match self.class(&v.ty) {
            Class::Struct(e) => {
                if let Some(seq) = self.sequence(&e, v) {
                    let seq = seq?;
                    if seq.text {
                        return Ok(Vec::new());
                    }
                    return Ok(elements(seq.len, &|i| self.index(v, i as i128)));
                }
                let (fields_of, inner) = match self.variant_part(&e) {
                    Some(part) => match self.active_variant(&part, v)?.1 {
                        Some(inner) => match self.class(&inner.ty) {
                            Class::Struct(vty) => (vty, inner),
                            _ => return Ok(Vec::new()),
                        },
                        None => return Ok(Vec::new()),
                    },
                    None => (e, v.clone()),
                };
                self.members(&fields_of)
                    .into_iter()
                    .map(|(name, _, _)| {
                        let (label, expr) = field_expr(&name);
                        let value = self.field(&inner, &name);
                        (label, expr, value)
                    })
                    .collect()
            }
            Class::Array { count, .. } => {
                elements(count.unwrap_or(0), &|i| self.index(v, i as i128))
            }
            Class::Pointer { target, reference } => {
                if matches!(self.class(&target), Class::Void) {
                    return Ok(Vec::new());
                }
                let to = self.deref(v)?;
                if reference {
                    return self.children(&to, base, depth + 1);
                }
                vec![(format!("*{base}"), format!("*{base}"), Ok(to))]
            }
            _ => Vec::new(),
        })
    }
}

/// `t.__0` is shown as `t.0`.
fn show_field(name: &str) -> String {
    match name.strip_prefix("__") {
        Some(n) if n.chars().all(|c| c.is_ascii_digit()) => n.to_string(),
        _ => name.to_string(),
    }
}

/// A struct as Rust's `Debug` shows it: `Name { a: 1 }`, a tuple struct `Name(1, 2)`, a
/// tuple `(1, 2)`, a unit struct `Name`.
fn compose(name: &str, fields: &[(String, String)]) -> String {
    if fields.is_empty() {
        return if name.is_empty() {
            "{}".into()
        } else {
            name.into()
        };
    }
    let tuple = fields.iter().all(|(n, _)| {
        n.strip_prefix("__")
            .is_some_and(|d| d.chars().all(|c| c.is_ascii_digit()))
    });
    if tuple {
        let items: Vec<&str> = fields.iter().map(|(_, v)| v.as_str()).collect();
        if name.starts_with('(') || name.is_empty() {
            return format!("({})", items.join(", "));
        }
        return format!("{name}({})", items.join(", "));
    }
    let items: Vec<String> = fields.iter().map(|(n, v)| format!("{n}: {v}")).collect();
    if name.is_empty() {
        format!("{{ {} }}", items.join(", "))
    } else {
        format!("{name} {{ {} }}", items.join(", "))
    }
}

/// A primitive type by its Rust or C name.
fn primitive<'a>(name: &str) -> Option<Ty<'a>> {
    let int = |signed, size| Some(Ty::Int { signed, size });
    match name {
        "i8" | "signed char" => int(true, 1),
        "u8" | "unsigned char" => int(false, 1),
        "i16" | "short" => int(true, 2),
        "u16" | "unsigned short" => int(false, 2),
        "i32" | "int" | "isize" | "long" => int(true, 4),
        "u32" | "unsigned" | "unsigned int" | "usize" | "unsigned long" => int(false, 4),
        "i64" | "long long" => int(true, 8),
        "u64" | "unsigned long long" => int(false, 8),
        "f32" | "float" => Some(Ty::Float(4)),
        "f64" | "double" => Some(Ty::Float(8)),
        "bool" | "_Bool" => Some(Ty::Bool),
        "void" => Some(Ty::Void),
        _ => None,
    }
}

/// The little-endian number in the first (at most 8) bytes of `b`.
fn le_u64(b: &[u8]) -> u64 {
    let mut v = [0u8; 8];
    let n = b.len().min(8);
    v[..n].copy_from_slice(&b[..n]);
    u64::from_le_bytes(v)
}
