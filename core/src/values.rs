//! Rust types that map to Wasm values, for typed calls and host functions.

use crate::types::ValueType;

/// A Rust type that maps to one Wasm value.
pub trait WasmValue: Sized {
    /// Its Wasm type.
    const TYPE: ValueType;
    /// Encodes into a slot.
    fn to_slot(self) -> u64;
    /// Decodes from a slot.
    fn from_slot(slot: u64) -> Self;
}

macro_rules! wasm_value {
    ($t:ty, $vt:ident, |$s:ident| $enc:expr, |$d:ident| $dec:expr) => {
        impl WasmValue for $t {
            const TYPE: ValueType = ValueType::$vt;
            fn to_slot(self) -> u64 {
                let $s = self;
                $enc
            }
            fn from_slot(slot: u64) -> Self {
                let $d = slot;
                $dec
            }
        }
    };
}
wasm_value!(i32, I32, |v| v as u32 as u64, |s| s as u32 as i32);
wasm_value!(u32, I32, |v| v as u64, |s| s as u32);
wasm_value!(i64, I64, |v| v as u64, |s| s as i64);
wasm_value!(u64, I64, |v| v, |s| s);
wasm_value!(f32, F32, |v| v.to_bits() as u64, |s| f32::from_bits(
    s as u32
));
wasm_value!(f64, F64, |v| v.to_bits(), |s| f64::from_bits(s));

/// Parameters of a typed function: `()`, a value, or a tuple of values.
pub trait WasmParams {
    /// The Wasm types.
    fn types() -> Vec<ValueType>;
    /// Encodes into slots.
    fn to_slots(self) -> Vec<u64>;
}

/// Results of a typed function: `()`, a value, or a tuple of values.
pub trait WasmResults: Sized {
    /// The Wasm types.
    fn types() -> Vec<ValueType>;
    /// Decodes from slots.
    fn from_slots(slots: &[u64]) -> Self;
}

impl<T: WasmValue> WasmParams for T {
    fn types() -> Vec<ValueType> {
        vec![T::TYPE]
    }
    fn to_slots(self) -> Vec<u64> {
        vec![self.to_slot()]
    }
}

impl<T: WasmValue> WasmResults for T {
    fn types() -> Vec<ValueType> {
        vec![T::TYPE]
    }
    fn from_slots(slots: &[u64]) -> Self {
        T::from_slot(slots[0])
    }
}

macro_rules! wasm_tuple {
    ($($t:ident $i:tt),*) => {
        impl<$($t: WasmValue),*> WasmParams for ($($t,)*) {
            fn types() -> Vec<ValueType> {
                vec![$($t::TYPE),*]
            }
            #[allow(unused_variables)]
            fn to_slots(self) -> Vec<u64> {
                vec![$(self.$i.to_slot()),*]
            }
        }
        impl<$($t: WasmValue),*> WasmResults for ($($t,)*) {
            fn types() -> Vec<ValueType> {
                vec![$($t::TYPE),*]
            }
            #[allow(unused_variables, clippy::unused_unit)]
            fn from_slots(slots: &[u64]) -> Self {
                ($($t::from_slot(slots[$i]),)*)
            }
        }
    };
}
wasm_tuple!();
wasm_tuple!(A 0, B 1);
wasm_tuple!(A 0, B 1, C 2);
wasm_tuple!(A 0, B 1, C 2, D 3);
wasm_tuple!(A 0, B 1, C 2, D 3, E 4);
wasm_tuple!(A 0, B 1, C 2, D 3, E 4, F 5);

/// One Wasm value with its type, as debugging APIs show a frame's locals and operands
/// (engine-neutral: a `v128` is one value).
///
/// Equality compares bits (a NaN equals the same NaN).
///
/// ```
/// use wasmscope::{Value, ValueType};
/// let v = Value::from_slots(ValueType::F32, &[0x4020_0000]).unwrap();
/// assert_eq!(v, Value::F32(2.5));
/// assert_eq!(v.ty(), ValueType::F32);
/// assert_eq!(v.to_string(), "2.5");
/// assert_eq!(Value::I32(-1).to_string(), "-1");
/// ```
#[derive(Clone, Copy, Debug)]
pub enum Value {
    /// A 32-bit integer.
    I32(i32),
    /// A 64-bit integer.
    I64(i64),
    /// A 32-bit float.
    F32(f32),
    /// A 64-bit float.
    F64(f64),
    /// A 128-bit vector.
    V128(u128),
    /// A function reference: `None` when null, else an opaque non-zero id.
    FuncRef(Option<u64>),
    /// An external reference: `None` when null, else an opaque non-zero id.
    ExternRef(Option<u64>),
    /// An exception reference: `None` when null, else an opaque non-zero id.
    ExnRef(Option<u64>),
    /// A reference of GC's `any` hierarchy: `None` when null, else its slot (see
    /// [`Value::gc_ref`] for what it refers to).
    AnyRef(Option<u64>),
}

/// What a non-null reference of the `any` or `extern` hierarchy holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GcRef {
    /// An unboxed 31-bit integer (`i31ref`), sign-extended.
    I31(i32),
    /// A struct or array of the store's heap, by its index there.
    Object(u32),
    /// A host reference (the host's handle).
    Host(u64),
}

impl Value {
    /// The value's type.
    pub fn ty(&self) -> ValueType {
        match self {
            Value::I32(_) => ValueType::I32,
            Value::I64(_) => ValueType::I64,
            Value::F32(_) => ValueType::F32,
            Value::F64(_) => ValueType::F64,
            Value::V128(_) => ValueType::V128,
            Value::FuncRef(_) => ValueType::FuncRef,
            Value::ExternRef(_) => ValueType::ExternRef,
            Value::ExnRef(_) => ValueType::ExnRef,
            Value::AnyRef(_) => ValueType::AnyRef,
        }
    }

    /// The value of type `ty` in the runtime's slot encoding (`ty.slots()` slots: a
    /// `v128` low half first); `None` when `slots` is too short.
    pub fn from_slots(ty: ValueType, slots: &[u64]) -> Option<Value> {
        let lo = *slots.first()?;
        Some(match ty {
            ValueType::I32 => Value::I32(lo as u32 as i32),
            ValueType::I64 => Value::I64(lo as i64),
            ValueType::F32 => Value::F32(f32::from_bits(lo as u32)),
            ValueType::F64 => Value::F64(f64::from_bits(lo)),
            ValueType::V128 => Value::V128(lo as u128 | (*slots.get(1)? as u128) << 64),
            ValueType::FuncRef => Value::FuncRef((lo != 0).then_some(lo)),
            ValueType::ExternRef => Value::ExternRef((lo != 0).then_some(lo)),
            ValueType::ExnRef => Value::ExnRef((lo != 0).then_some(lo)),
            ValueType::AnyRef => Value::AnyRef((lo != 0).then_some(lo)),
        })
    }

    /// Values of `types` from `slots`, in order, as far as the slots go.
    pub(crate) fn decode(types: &[ValueType], slots: &[u64]) -> Vec<Value> {
        let mut at = 0;
        let mut out = Vec::with_capacity(types.len());
        for ty in types {
            match slots.get(at..).and_then(|s| Value::from_slots(*ty, s)) {
                Some(v) => out.push(v),
                None => break,
            }
            at += ty.slots();
        }
        out
    }

    /// The value's bits (a float's bit pattern, a vector's 128 bits, a reference's id or
    /// 0 for null).
    pub fn bits(&self) -> u128 {
        match *self {
            Value::I32(v) => v as u32 as u128,
            Value::I64(v) => v as u64 as u128,
            Value::F32(v) => v.to_bits() as u128,
            Value::F64(v) => v.to_bits() as u128,
            Value::V128(v) => v,
            Value::FuncRef(r) | Value::ExternRef(r) | Value::ExnRef(r) | Value::AnyRef(r) => {
                r.unwrap_or(0) as u128
            }
        }
    }
}

impl Value {
    /// What a non-null `anyref` or `externref` holds (`None` for null and for other
    /// values).
    ///
    /// ```
    /// use wasmscope::{GcRef, Value};
    /// assert_eq!(Value::AnyRef(Some((1 << 62) | 0x7fff_ffff)).gc_ref(), Some(GcRef::I31(-1)));
    /// assert_eq!(Value::ExternRef(Some(5)).gc_ref(), Some(GcRef::Host(5)));
    /// ```
    pub fn gc_ref(&self) -> Option<GcRef> {
        match *self {
            Value::AnyRef(Some(r)) | Value::ExternRef(Some(r)) => {
                Some(match crate::heap::classify(r) {
                    crate::heap::RefKind::I31(v) => GcRef::I31(crate::heap::i31_signed(v) as i32),
                    crate::heap::RefKind::Object(i) => GcRef::Object(i),
                    _ => GcRef::Host(r),
                })
            }
            _ => None,
        }
    }
}

impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        self.ty() == other.ty() && self.bits() == other.bits()
    }
}

impl Eq for Value {}

impl std::fmt::Display for Value {
    /// The value as Wasm text writes a constant of its type (`-1`, `2.5`, `nan`); a
    /// vector as `0x` and 32 hex digits; a reference as `null` or `ref N`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Value::I32(v) => write!(f, "{v}"),
            Value::I64(v) => write!(f, "{v}"),
            Value::F32(v) if v.is_nan() => {
                f.write_str(if v.is_sign_negative() { "-nan" } else { "nan" })
            }
            Value::F64(v) if v.is_nan() => {
                f.write_str(if v.is_sign_negative() { "-nan" } else { "nan" })
            }
            Value::F32(v) => write!(f, "{v}"),
            Value::F64(v) => write!(f, "{v}"),
            Value::V128(v) => write!(f, "0x{v:032x}"),
            Value::FuncRef(None)
            | Value::ExternRef(None)
            | Value::ExnRef(None)
            | Value::AnyRef(None) => f.write_str("null"),
            Value::FuncRef(Some(r))
            | Value::ExternRef(Some(r))
            | Value::ExnRef(Some(r))
            | Value::AnyRef(Some(r)) => match self.gc_ref() {
                // GC's unboxed integers and heap objects by what they are.
                Some(GcRef::I31(v)) => write!(f, "i31 {v}"),
                Some(GcRef::Object(i)) => write!(f, "object #{i}"),
                _ => write!(f, "ref {r}"),
            },
        }
    }
}
