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
