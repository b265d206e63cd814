//! The type system of WebAssembly 3.0 (GC and typed references): types defined in
//! recursive groups, made canonical across modules, subtyping between heap types, and
//! the layout of struct and array objects.
//!
//! Two modules that define the same recursive group (structurally, with references into
//! the group written relative to it and references out of it by canonical id) get the
//! same [`TypeId`]s, as the specification's type equivalence says. The registry is
//! process-wide (a type id means the same in every runtime) and only grows: a program
//! that compiles modules with ever new types keeps their descriptions (a few dozen bytes
//! each).
//!
//! A concrete type is a subtype of another when the other is in its declared supertype
//! chain; abstract heap types follow the specification's hierarchies
//! (`none <: i31, struct, array, concrete struct and array types <: eq <: any`;
//! `nofunc <: concrete function types <: func`; `noextern <: extern`; `noexn <: exn`).

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, RwLock};

use crate::types::ValueType;

/// A canonical type: the same number for equivalent types of any module.
pub(crate) type TypeId = u32;

/// Marks a reference into the group being canonicalised (its relative index below).
const REC: u32 = 1 << 31;

/// A heap type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Heap {
    Func,
    NoFunc,
    Extern,
    NoExtern,
    Exn,
    NoExn,
    Any,
    Eq,
    I31,
    Struct,
    Array,
    None,
    /// A defined type, by canonical id.
    Concrete(TypeId),
}

/// A reference type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct RefTy {
    pub nullable: bool,
    pub heap: Heap,
}

/// A value type with its exact reference type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum ValTy {
    Num(ValueType),
    Ref(RefTy),
}

/// How a struct field or an array element is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Storage {
    I8,
    I16,
    Val(ValTy),
}

/// A struct field or an array's element type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Field {
    pub storage: Storage,
    pub mutable: bool,
}

/// What a defined type is.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Composite {
    Func {
        params: Vec<ValTy>,
        results: Vec<ValTy>,
    },
    Struct(Vec<Field>),
    Array(Field),
}

/// A defined type: final or not, its declared supertype, what it is.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct SubType {
    pub is_final: bool,
    pub supertype: Option<TypeId>,
    pub composite: Composite,
}

/// How a field's value is kept in an object's bytes (little-endian).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    I8,
    I16,
    /// `i32`, `f32`.
    B32,
    /// `i64`, `f64`.
    B64,
    V128,
    /// A reference that may point at a GC object (`any`/`extern` hierarchies): traced.
    GcRef,
    /// Another reference (function, exception): 8 bytes, not traced.
    OtherRef,
}

impl Kind {
    /// Its size in bytes.
    pub(crate) fn size(self) -> u32 {
        match self {
            Kind::I8 => 1,
            Kind::I16 => 2,
            Kind::B32 => 4,
            Kind::B64 | Kind::GcRef | Kind::OtherRef => 8,
            Kind::V128 => 16,
        }
    }

    /// How a field of storage `s` is kept; `is_func` tells whether a defined type is a
    /// function type (asked of the registry being written: no lock taken here).
    fn of(s: Storage, is_func: impl Fn(TypeId) -> bool) -> Kind {
        match s {
            Storage::Val(ValTy::Ref(RefTy {
                heap: Heap::Concrete(id),
                ..
            })) => match is_func(id) {
                true => Kind::OtherRef,
                false => Kind::GcRef,
            },
            Storage::I8 => Kind::I8,
            Storage::I16 => Kind::I16,
            Storage::Val(ValTy::Num(ValueType::I32 | ValueType::F32)) => Kind::B32,
            Storage::Val(ValTy::Num(ValueType::V128)) => Kind::V128,
            Storage::Val(ValTy::Num(ValueType::AnyRef | ValueType::ExternRef)) => Kind::GcRef,
            Storage::Val(ValTy::Num(ValueType::FuncRef | ValueType::ExnRef)) => Kind::OtherRef,
            Storage::Val(ValTy::Num(_)) => Kind::B64,
            Storage::Val(ValTy::Ref(r)) => match r.heap.top() {
                Heap::Any | Heap::Extern => Kind::GcRef,
                _ => Kind::OtherRef,
            },
        }
    }
}

/// Where a struct's fields are in its bytes.
#[derive(Clone, Debug, Default)]
pub(crate) struct Layout {
    /// Every field's offset and kind.
    pub fields: Vec<(u32, Kind)>,
    /// The struct's size in bytes.
    pub size: u32,
}

/// A registered type with what the runtime derives from it.
#[derive(Debug)]
pub(crate) struct Def {
    pub sub: SubType,
    /// Its supertypes, nearest first.
    pub supers: Vec<TypeId>,
    /// A struct's layout (empty for other types).
    pub layout: Layout,
    /// An array's element kind.
    pub elem: Option<Kind>,
}

#[derive(Default)]
struct Registry {
    groups: HashMap<Vec<SubType>, TypeId>,
    defs: Vec<Arc<Def>>,
}

static REGISTRY: LazyLock<RwLock<Registry>> = LazyLock::new(Default::default);

fn read() -> std::sync::RwLockReadGuard<'static, Registry> {
    REGISTRY.read().unwrap_or_else(|e| e.into_inner())
}

/// The definition of canonical type `id`.
pub(crate) fn def(id: TypeId) -> Arc<Def> {
    read().defs[id as usize].clone()
}

/// Registers a recursive group whose types are given with references into the group as
/// `Heap::Concrete(REC | i)` (see [`rec`]) and others by canonical id; returns the
/// canonical id of each of its types.
pub(crate) fn register_group(group: Vec<SubType>) -> Vec<TypeId> {
    let n = group.len() as u32;
    if let Some(first) = read().groups.get(&group) {
        return (0..n).map(|i| first + i).collect();
    }
    let mut reg = REGISTRY.write().unwrap_or_else(|e| e.into_inner());
    if let Some(first) = reg.groups.get(&group) {
        return (0..n).map(|i| first + i).collect();
    }
    let first = reg.defs.len() as TypeId;
    let resolve = |id: TypeId| {
        if id & REC != 0 {
            first + (id & !REC)
        } else {
            id
        }
    };
    for sub in &group {
        let mut sub = sub.clone();
        sub.supertype = sub.supertype.map(resolve);
        let fix_val = |v: &mut ValTy| {
            if let ValTy::Ref(RefTy {
                heap: Heap::Concrete(id),
                ..
            }) = v
            {
                *id = resolve(*id);
            }
        };
        let fix_field = |f: &mut Field| {
            if let Storage::Val(v) = &mut f.storage {
                fix_val(v);
            }
        };
        match &mut sub.composite {
            Composite::Func { params, results } => params
                .iter_mut()
                .chain(results.iter_mut())
                .for_each(fix_val),
            Composite::Struct(fields) => fields.iter_mut().for_each(fix_field),
            Composite::Array(f) => fix_field(f),
        }
        // Validation orders a type's supertype before it: it is registered.
        let supers: Vec<TypeId> = match sub.supertype {
            Some(s) => std::iter::once(s)
                .chain(reg.defs[s as usize].supers.iter().copied())
                .collect(),
            None => Vec::new(),
        };
        let is_func = |id: TypeId| match id.checked_sub(first) {
            Some(i) => matches!(group[i as usize].composite, Composite::Func { .. }),
            None => matches!(reg.defs[id as usize].sub.composite, Composite::Func { .. }),
        };
        let kind = |s: Storage| Kind::of(s, is_func);
        let mut layout = Layout::default();
        let mut elem = None;
        match &sub.composite {
            Composite::Struct(fields) => {
                for f in fields {
                    let k = kind(f.storage);
                    let size = k.size();
                    let at = layout.size.div_ceil(size.min(8)) * size.min(8);
                    layout.fields.push((at, k));
                    layout.size = at + size;
                }
            }
            Composite::Array(f) => elem = Some(kind(f.storage)),
            Composite::Func { .. } => {}
        }
        reg.defs.push(Arc::new(Def {
            sub,
            supers,
            layout,
            elem,
        }));
    }
    reg.groups.insert(group, first);
    (0..n).map(|i| first + i).collect()
}

/// A reference to the `i`th type of the group being registered.
pub(crate) fn rec(i: u32) -> TypeId {
    REC | i
}

/// Registers a function type of plain value types (a host function's) as a group of its
/// own: final, no supertype.
pub(crate) fn func_type_id(params: &[ValueType], results: &[ValueType]) -> TypeId {
    let conv = |t: &ValueType| match t {
        ValueType::FuncRef => ValTy::Ref(RefTy::nullable(Heap::Func)),
        ValueType::ExternRef => ValTy::Ref(RefTy::nullable(Heap::Extern)),
        ValueType::ExnRef => ValTy::Ref(RefTy::nullable(Heap::Exn)),
        ValueType::AnyRef => ValTy::Ref(RefTy::nullable(Heap::Any)),
        t => ValTy::Num(*t),
    };
    register_group(vec![SubType {
        is_final: true,
        supertype: None,
        composite: Composite::Func {
            params: params.iter().map(conv).collect(),
            results: results.iter().map(conv).collect(),
        },
    }])[0]
}

/// Whether defined type `a` is `b` or declares it among its supertypes.
pub(crate) fn is_sub_id(a: TypeId, b: TypeId) -> bool {
    a == b || read().defs[a as usize].supers.contains(&b)
}

impl Heap {
    /// The top of this type's hierarchy (`any`, `func`, `extern` or `exn`).
    pub(crate) fn top(self) -> Heap {
        match self {
            Heap::Func | Heap::NoFunc => Heap::Func,
            Heap::Extern | Heap::NoExtern => Heap::Extern,
            Heap::Exn | Heap::NoExn => Heap::Exn,
            Heap::Any | Heap::Eq | Heap::I31 | Heap::Struct | Heap::Array | Heap::None => Heap::Any,
            Heap::Concrete(id) => match read().defs[id as usize].sub.composite {
                Composite::Func { .. } => Heap::Func,
                _ => Heap::Any,
            },
        }
    }

    /// Whether every value of heap type `self` is one of `other`.
    pub(crate) fn is_sub(self, other: Heap) -> bool {
        use Heap as H;
        if self == other {
            return true;
        }
        match (self, other) {
            (H::Concrete(a), H::Concrete(b)) => is_sub_id(a, b),
            (H::Concrete(a), H::Func | H::Struct | H::Array | H::Eq | H::Any) => {
                let d = def(a);
                matches!(
                    (&d.sub.composite, other),
                    (Composite::Func { .. }, H::Func)
                        | (Composite::Struct(_), H::Struct | H::Eq | H::Any)
                        | (Composite::Array(_), H::Array | H::Eq | H::Any)
                )
            }
            (H::NoFunc, b) => b.top() == H::Func,
            (H::NoExtern, b) => b.top() == H::Extern,
            (H::NoExn, b) => b.top() == H::Exn,
            (H::None, b) => b.top() == H::Any,
            (H::I31 | H::Struct | H::Array, H::Eq | H::Any) => true,
            (H::Eq, H::Any) => true,
            _ => false,
        }
    }
}

impl RefTy {
    /// A nullable reference to `heap`.
    pub(crate) fn nullable(heap: Heap) -> Self {
        RefTy {
            nullable: true,
            heap,
        }
    }

    /// Whether a value of type `self` is also one of type `other`.
    pub(crate) fn is_subtype_of(&self, other: &RefTy) -> bool {
        (!self.nullable || other.nullable) && self.heap.is_sub(other.heap)
    }

    /// The representation of its values.
    pub(crate) fn value_type(&self) -> ValueType {
        match self.heap.top() {
            Heap::Func => ValueType::FuncRef,
            Heap::Extern => ValueType::ExternRef,
            Heap::Exn => ValueType::ExnRef,
            _ => ValueType::AnyRef,
        }
    }
}

impl std::fmt::Display for Heap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = match self {
            Heap::Func => "func",
            Heap::NoFunc => "nofunc",
            Heap::Extern => "extern",
            Heap::NoExtern => "noextern",
            Heap::Exn => "exn",
            Heap::NoExn => "noexn",
            Heap::Any => "any",
            Heap::Eq => "eq",
            Heap::I31 => "i31",
            Heap::Struct => "struct",
            Heap::Array => "array",
            Heap::None => "none",
            Heap::Concrete(id) => return write!(f, "type #{id}"),
        };
        f.write_str(s)
    }
}

impl std::fmt::Display for RefTy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.nullable {
            write!(f, "(ref null {})", self.heap)
        } else {
            write!(f, "(ref {})", self.heap)
        }
    }
}

/// Converts wasmparser's types for one module: `canon` holds the canonical ids of the
/// module's types so far, `group` the index range of the group being registered.
pub(crate) struct Converter<'a> {
    pub canon: &'a [TypeId],
    pub group: std::ops::Range<u32>,
}

impl Converter<'_> {
    /// The canonical (or group-relative) id of module type `index`.
    fn index(&self, i: wasmparser::UnpackedIndex) -> TypeId {
        use wasmparser::UnpackedIndex as U;
        match i {
            U::Module(i) if self.group.contains(&i) => rec(i - self.group.start),
            U::Module(i) => self.canon.get(i as usize).copied().unwrap_or(0),
            U::RecGroup(i) => rec(i),
            #[allow(unreachable_patterns)]
            _ => 0,
        }
    }

    pub(crate) fn heap(&self, h: wasmparser::HeapType) -> Heap {
        use wasmparser::{AbstractHeapType as A, HeapType as H};
        match h {
            H::Abstract { ty, .. } => match ty {
                A::Func => Heap::Func,
                A::NoFunc => Heap::NoFunc,
                A::Extern => Heap::Extern,
                A::NoExtern => Heap::NoExtern,
                A::Exn => Heap::Exn,
                A::NoExn => Heap::NoExn,
                A::Any => Heap::Any,
                A::Eq => Heap::Eq,
                A::I31 => Heap::I31,
                A::Struct => Heap::Struct,
                A::Array => Heap::Array,
                A::None => Heap::None,
                // Continuations (stack switching) are refused by validation.
                A::Cont | A::NoCont => Heap::None,
            },
            H::Concrete(i) | H::Exact(i) => Heap::Concrete(self.index(i)),
        }
    }

    pub(crate) fn ref_ty(&self, r: wasmparser::RefType) -> RefTy {
        RefTy {
            nullable: r.is_nullable(),
            heap: self.heap(r.heap_type()),
        }
    }

    pub(crate) fn val(&self, t: wasmparser::ValType) -> ValTy {
        use wasmparser::ValType as V;
        match t {
            V::I32 => ValTy::Num(ValueType::I32),
            V::I64 => ValTy::Num(ValueType::I64),
            V::F32 => ValTy::Num(ValueType::F32),
            V::F64 => ValTy::Num(ValueType::F64),
            V::V128 => ValTy::Num(ValueType::V128),
            V::Ref(r) => ValTy::Ref(self.ref_ty(r)),
        }
    }

    fn field(&self, f: &wasmparser::FieldType) -> Field {
        Field {
            storage: match f.element_type {
                wasmparser::StorageType::I8 => Storage::I8,
                wasmparser::StorageType::I16 => Storage::I16,
                wasmparser::StorageType::Val(v) => Storage::Val(self.val(v)),
            },
            mutable: f.mutable,
        }
    }

    /// The group-relative form of `sub` (for [`register_group`]).
    pub(crate) fn sub_type(&self, sub: &wasmparser::SubType) -> Result<SubType, String> {
        use wasmparser::CompositeInnerType as C;
        let composite = match &sub.composite_type.inner {
            C::Func(f) => Composite::Func {
                params: f.params().iter().map(|t| self.val(*t)).collect(),
                results: f.results().iter().map(|t| self.val(*t)).collect(),
            },
            C::Struct(s) => Composite::Struct(s.fields.iter().map(|f| self.field(f)).collect()),
            C::Array(a) => Composite::Array(self.field(&a.0)),
            C::Cont(_) => return Err("continuation types are not supported".into()),
        };
        Ok(SubType {
            is_final: sub.is_final,
            supertype: (sub.supertype_idxs.first())
                .and_then(|p| {
                    p.unpack()
                        .as_module_index()
                        .map(wasmparser::UnpackedIndex::Module)
                })
                .map(|i| self.index(i)),
            composite,
        })
    }
}

/// The value type (representation) of a registered type's values when referenced.
pub(crate) fn value_type_of(t: ValTy) -> ValueType {
    match t {
        ValTy::Num(v) => v,
        ValTy::Ref(r) => r.value_type(),
    }
}
