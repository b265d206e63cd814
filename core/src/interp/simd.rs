//! Fixed-width SIMD (`v128`): the operators and their lane semantics.
//!
//! A `v128` takes two stack slots, low half first. Operators without immediates are
//! listed once in [`simd_ops!`], by class (how many operands of which kind they take),
//! under their `wasmparser` names; the translator maps them by name and the executor
//! calls [`exec_plain`] for all of them. Operators with lane or memory immediates have
//! their own instructions ([`LaneOp`], [`MemOp`]).
//!
//! The operators work on a [`V128`], the two slots' words, and take its lanes apart by
//! reinterpreting those 16 bytes as an array of lanes. That is what lets LLVM compile a
//! lane-wise operator to the vector instruction it is (`pmaxub` for `i8x16.max_u`): a
//! `u128`, or lanes taken with shifts or byte copies, it compiles to one scalar
//! operation per lane (measured: `i8x16.max_u` was about 180 instructions, see
//! BENCHMARKS.md).
//!
//! # `unsafe`
//!
//! This module allows `unsafe` for that reinterpretation only (`lanes!`'s two
//! `transmute`s, on little-endian targets, where the words' bytes in memory are the
//! lanes in Wasm's order): between `[u64; 2]` and an array of 16 bytes of one of the
//! integer or float lane types, which have the same size and no invalid bit pattern.
//! Big-endian targets take the lanes apart with safe code; a test checks that both ways
//! agree.

#![allow(unsafe_code)]

use std::ops::{BitAnd, BitOr, BitXor, Not};

use wasmparser::Operator;

use super::num;
use super::num::span;

macro_rules! simd_ops {
    (
        unary { $($u:ident)* }
        binary { $($b:ident)* }
        ternary { $($t:ident)* }
        test { $($q:ident)* }
        shift { $($s:ident)* }
        splat { $($p:ident)* }
    ) => {
        /// A SIMD operator without immediates.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[allow(clippy::enum_variant_names)]
        pub(crate) enum SimdOp { $($u,)* $($b,)* $($t,)* $($q,)* $($s,)* $($p,)* }

        impl SimdOp {
            /// Every operator, in declaration (discriminant) order.
            const ALL: &'static [SimdOp] = &[$(SimdOp::$u,)* $(SimdOp::$b,)* $(SimdOp::$t,)* $(SimdOp::$q,)* $(SimdOp::$s,)* $(SimdOp::$p,)*];

            /// The operator whose discriminant is `i` (`op as u16` gives it back).
            pub(crate) const fn from_index(i: u16) -> SimdOp {
                Self::ALL[i as usize]
            }

            /// The operator for `op`, if it is a SIMD operator without immediates.
            pub(crate) fn from_operator(op: &Operator<'_>) -> Option<SimdOp> {
                match op {
                    $(Operator::$u => Some(SimdOp::$u),)*
                    $(Operator::$b => Some(SimdOp::$b),)*
                    $(Operator::$t => Some(SimdOp::$t),)*
                    $(Operator::$q => Some(SimdOp::$q),)*
                    $(Operator::$s => Some(SimdOp::$s),)*
                    $(Operator::$p => Some(SimdOp::$p),)*
                    _ => None,
                }
            }

            /// The slots its operands take below the stack's top (as `exec_plain` reads
            /// them): the instruction reads and writes no slot below them.
            pub(crate) fn operand_slots(self) -> u32 {
                match self {
                    $(SimdOp::$u => 2,)*
                    $(SimdOp::$b => 4,)*
                    $(SimdOp::$t => 6,)*
                    $(SimdOp::$q => 2,)*
                    $(SimdOp::$s => 3,)*
                    $(SimdOp::$p => 1,)*
                }
            }
        }

        /// Runs `op` on the stack below `sp`; returns the new `sp`.
        pub(crate) fn exec_plain(op: SimdOp, stack: &mut [u64], sp: usize) -> usize {
            match op {
                $(SimdOp::$u => { let a = get(stack, sp - 2); put(stack, sp - 2, unary(op, a)); sp })*
                $(SimdOp::$b => {
                    let (a, b) = (get(stack, sp - 4), get(stack, sp - 2));
                    put(stack, sp - 4, binary(op, a, b));
                    sp - 2
                })*
                $(SimdOp::$t => {
                    let (a, b, c) = (get(stack, sp - 6), get(stack, sp - 4), get(stack, sp - 2));
                    put(stack, sp - 6, ternary(op, a, b, c));
                    sp - 4
                })*
                $(SimdOp::$q => { let a = get(stack, sp - 2); stack[sp - 2] = test(op, a) as u64; sp - 1 })*
                $(SimdOp::$s => {
                    let (a, n) = (get(stack, sp - 3), stack[sp - 1] as u32);
                    put(stack, sp - 3, shift(op, a, n));
                    sp - 1
                })*
                $(SimdOp::$p => { let x = stack[sp - 1]; put(stack, sp - 1, splat(op, x)); sp + 1 })*
            }
        }
    };
}

/// Calls `$m!` with the SIMD operators without immediates, by class (the operator set
/// and the fast path's specialised handlers are generated from this one list).
macro_rules! simd_op_list {
    ($m:ident) => {
        $m! {
            unary {
                V128Not I8x16Abs I8x16Neg I8x16Popcnt I16x8Abs I16x8Neg I32x4Abs I32x4Neg I64x2Abs I64x2Neg
                I16x8ExtAddPairwiseI8x16S I16x8ExtAddPairwiseI8x16U I32x4ExtAddPairwiseI16x8S
                I32x4ExtAddPairwiseI16x8U
                I16x8ExtendLowI8x16S I16x8ExtendHighI8x16S I16x8ExtendLowI8x16U I16x8ExtendHighI8x16U
                I32x4ExtendLowI16x8S I32x4ExtendHighI16x8S I32x4ExtendLowI16x8U I32x4ExtendHighI16x8U
                I64x2ExtendLowI32x4S I64x2ExtendHighI32x4S I64x2ExtendLowI32x4U I64x2ExtendHighI32x4U
                F32x4Ceil F32x4Floor F32x4Trunc F32x4Nearest F32x4Abs F32x4Neg F32x4Sqrt
                F64x2Ceil F64x2Floor F64x2Trunc F64x2Nearest F64x2Abs F64x2Neg F64x2Sqrt
                I32x4TruncSatF32x4S I32x4TruncSatF32x4U F32x4ConvertI32x4S F32x4ConvertI32x4U
                I32x4TruncSatF64x2SZero I32x4TruncSatF64x2UZero F64x2ConvertLowI32x4S
                F64x2ConvertLowI32x4U F32x4DemoteF64x2Zero F64x2PromoteLowF32x4
                I32x4RelaxedTruncF32x4S I32x4RelaxedTruncF32x4U I32x4RelaxedTruncF64x2SZero
                I32x4RelaxedTruncF64x2UZero
            }
            binary {
                I8x16Swizzle
                I8x16Eq I8x16Ne I8x16LtS I8x16LtU I8x16GtS I8x16GtU I8x16LeS I8x16LeU I8x16GeS I8x16GeU
                I16x8Eq I16x8Ne I16x8LtS I16x8LtU I16x8GtS I16x8GtU I16x8LeS I16x8LeU I16x8GeS I16x8GeU
                I32x4Eq I32x4Ne I32x4LtS I32x4LtU I32x4GtS I32x4GtU I32x4LeS I32x4LeU I32x4GeS I32x4GeU
                I64x2Eq I64x2Ne I64x2LtS I64x2GtS I64x2LeS I64x2GeS
                F32x4Eq F32x4Ne F32x4Lt F32x4Gt F32x4Le F32x4Ge
                F64x2Eq F64x2Ne F64x2Lt F64x2Gt F64x2Le F64x2Ge
                V128And V128AndNot V128Or V128Xor
                I8x16NarrowI16x8S I8x16NarrowI16x8U I16x8NarrowI32x4S I16x8NarrowI32x4U
                I8x16Add I8x16AddSatS I8x16AddSatU I8x16Sub I8x16SubSatS I8x16SubSatU
                I8x16MinS I8x16MinU I8x16MaxS I8x16MaxU I8x16AvgrU
                I16x8Q15MulrSatS I16x8Add I16x8AddSatS I16x8AddSatU I16x8Sub I16x8SubSatS I16x8SubSatU
                I16x8Mul I16x8MinS I16x8MinU I16x8MaxS I16x8MaxU I16x8AvgrU
                I16x8ExtMulLowI8x16S I16x8ExtMulHighI8x16S I16x8ExtMulLowI8x16U I16x8ExtMulHighI8x16U
                I32x4Add I32x4Sub I32x4Mul I32x4MinS I32x4MinU I32x4MaxS I32x4MaxU I32x4DotI16x8S
                I32x4ExtMulLowI16x8S I32x4ExtMulHighI16x8S I32x4ExtMulLowI16x8U I32x4ExtMulHighI16x8U
                I64x2Add I64x2Sub I64x2Mul
                I64x2ExtMulLowI32x4S I64x2ExtMulHighI32x4S I64x2ExtMulLowI32x4U I64x2ExtMulHighI32x4U
                F32x4Add F32x4Sub F32x4Mul F32x4Div F32x4Min F32x4Max F32x4PMin F32x4PMax
                F64x2Add F64x2Sub F64x2Mul F64x2Div F64x2Min F64x2Max F64x2PMin F64x2PMax
                I8x16RelaxedSwizzle F32x4RelaxedMin F32x4RelaxedMax F64x2RelaxedMin F64x2RelaxedMax
                I16x8RelaxedQ15mulrS I16x8RelaxedDotI8x16I7x16S
            }
            ternary {
                V128Bitselect I8x16RelaxedLaneselect I16x8RelaxedLaneselect I32x4RelaxedLaneselect
                I64x2RelaxedLaneselect F32x4RelaxedMadd F32x4RelaxedNmadd F64x2RelaxedMadd
                F64x2RelaxedNmadd I32x4RelaxedDotI8x16I7x16AddS
            }
            test {
                V128AnyTrue I8x16AllTrue I8x16Bitmask I16x8AllTrue I16x8Bitmask I32x4AllTrue
                I32x4Bitmask I64x2AllTrue I64x2Bitmask
            }
            shift {
                I8x16Shl I8x16ShrS I8x16ShrU I16x8Shl I16x8ShrS I16x8ShrU I32x4Shl I32x4ShrS I32x4ShrU
                I64x2Shl I64x2ShrS I64x2ShrU
            }
            splat { I8x16Splat I16x8Splat I32x4Splat I64x2Splat F32x4Splat F64x2Splat }

        }
    };
}
pub(crate) use simd_op_list;

simd_op_list!(simd_ops);

/// `x`, or the canonical NaN (positive, quiet, no payload) if it is a NaN.
fn canon32(x: f32) -> f32 {
    if x.is_nan() {
        f32::from_bits(0x7fc0_0000)
    } else {
        x
    }
}

/// `x`, or the canonical NaN if it is a NaN.
fn canon64(x: f64) -> f64 {
    if x.is_nan() {
        f64::from_bits(0x7ff8_0000_0000_0000)
    } else {
        x
    }
}

/// `i16x8.relaxed_dot_i8x16_i7x16_s`, its deterministic choice: both operands signed,
/// each pair of products added with signed saturation (only `-128 * -128` twice
/// saturates).
fn relaxed_dot_i16(a: V128, b: V128) -> V128 {
    let (x, y) = (i8s(a), i8s(b));
    from_i16s(std::array::from_fn(|i| {
        let p = |j: usize| x[j] as i16 * y[j] as i16;
        p(2 * i).saturating_add(p(2 * i + 1))
    }))
}

/// The three-operand operators. The relaxed ones' deterministic choices: lane select is
/// `bitselect` (each bit from `a` where `c`'s is set), multiply-add is fused (one
/// rounding, as `f32::mul_add`; a NaN result is the canonical NaN), and the 4-way dot
/// product is the 2-way one (above)
/// added pairwise into `i32` lanes, then `c` (wrapping).
fn ternary(op: SimdOp, a: V128, b: V128, c: V128) -> V128 {
    use SimdOp as S;
    match op {
        S::F32x4RelaxedMadd => {
            let (x, y, z) = (f32s(a), f32s(b), f32s(c));
            from_f32s(std::array::from_fn(|i| canon32(x[i].mul_add(y[i], z[i]))))
        }
        S::F32x4RelaxedNmadd => {
            let (x, y, z) = (f32s(a), f32s(b), f32s(c));
            from_f32s(std::array::from_fn(|i| {
                canon32((-x[i]).mul_add(y[i], z[i]))
            }))
        }
        S::F64x2RelaxedMadd => {
            let (x, y, z) = (f64s(a), f64s(b), f64s(c));
            from_f64s(std::array::from_fn(|i| canon64(x[i].mul_add(y[i], z[i]))))
        }
        S::F64x2RelaxedNmadd => {
            let (x, y, z) = (f64s(a), f64s(b), f64s(c));
            from_f64s(std::array::from_fn(|i| {
                canon64((-x[i]).mul_add(y[i], z[i]))
            }))
        }
        S::I32x4RelaxedDotI8x16I7x16AddS => {
            let (d, acc) = (i16s(relaxed_dot_i16(a, b)), i32s(c));
            from_i32s(std::array::from_fn(|i| {
                (d[2 * i] as i32 + d[2 * i + 1] as i32).wrapping_add(acc[i])
            }))
        }
        // `bitselect` and the relaxed lane selects.
        _ => (a & c) | (b & !c),
    }
}

/// A `v128` as the operators work on it: its two 64-bit halves, low half first (as the
/// stack's two slots hold it). Not a `u128`, which LLVM keeps in two integer registers
/// and takes lanes out of with shifts (see the module's docs).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct V128(pub(crate) [u64; 2]);

impl V128 {
    /// The `v128` whose bits are `v`'s (lane 0 in the low bits).
    pub(crate) const fn from_u128(v: u128) -> V128 {
        V128([v as u64, (v >> 64) as u64])
    }

    /// Its bits as a `u128` (lane 0 in the low bits).
    pub(crate) const fn to_u128(self) -> u128 {
        self.0[0] as u128 | (self.0[1] as u128) << 64
    }

    /// Its 16 bytes, lane 0's first (as memory holds a `v128`).
    pub(crate) fn to_le_bytes(self) -> [u8; 16] {
        self.to_u128().to_le_bytes()
    }

    /// The `v128` memory holds in `b`.
    pub(crate) fn from_le_bytes(b: [u8; 16]) -> V128 {
        V128::from_u128(u128::from_le_bytes(b))
    }
}

impl BitAnd for V128 {
    type Output = V128;
    #[inline(always)]
    fn bitand(self, o: V128) -> V128 {
        V128([self.0[0] & o.0[0], self.0[1] & o.0[1]])
    }
}

impl BitOr for V128 {
    type Output = V128;
    #[inline(always)]
    fn bitor(self, o: V128) -> V128 {
        V128([self.0[0] | o.0[0], self.0[1] | o.0[1]])
    }
}

impl BitXor for V128 {
    type Output = V128;
    #[inline(always)]
    fn bitxor(self, o: V128) -> V128 {
        V128([self.0[0] ^ o.0[0], self.0[1] ^ o.0[1]])
    }
}

impl Not for V128 {
    type Output = V128;
    #[inline(always)]
    fn not(self) -> V128 {
        V128([!self.0[0], !self.0[1]])
    }
}

/// The `v128` whose low half is at `stack[at]`.
#[inline(always)]
pub(crate) fn get(stack: &[u64], at: usize) -> V128 {
    // (The two words as one array: loaded one by one, they end up as two scalars, not
    // one vector. Not by copying a slice either, whose checks in test builds take the
    // address of a local.)
    V128(*stack[at..].first_chunk().expect("a v128 in the stack"))
}

/// Stores a `v128` at `stack[at..at + 2]`.
#[inline(always)]
pub(crate) fn put(stack: &mut [u64], at: usize, v: V128) {
    *stack[at..].first_chunk_mut().expect("a v128 in the stack") = v.0;
}

macro_rules! lanes {
    ($get:ident, $put:ident, $t:ty, $n:literal) => {
        // (Inlined always: an array passed to a function is one whose address escapes,
        // which would keep the fast path's SIMD handlers from ending in a jump.)
        #[inline(always)]
        fn $get(v: V128) -> [$t; $n] {
            #[cfg(target_endian = "little")]
            #[allow(clippy::useless_transmute)] // (`u64s`: the same type.)
            {
                // SAFETY: `[u64; 2]` and `[$t; $n]` are both 16 bytes, and every bit
                // pattern is a value of both (plain integers and floats); on a
                // little-endian target the words' bytes are the lanes in Wasm's order.
                unsafe { std::mem::transmute::<[u64; 2], [$t; $n]>(v.0) }
            }
            #[cfg(not(target_endian = "little"))]
            {
                slow::$get(v)
            }
        }
        #[inline(always)]
        fn $put(l: [$t; $n]) -> V128 {
            #[cfg(target_endian = "little")]
            #[allow(clippy::useless_transmute)]
            {
                // SAFETY: as in the lanes' reading above, the other way.
                V128(unsafe { std::mem::transmute::<[$t; $n], [u64; 2]>(l) })
            }
            #[cfg(not(target_endian = "little"))]
            {
                slow::$put(l)
            }
        }
    };
}

/// Calls `$m!` with each lane type: the names of its lane reader and writer, the type
/// and the number of lanes (one list for both ways of taking lanes apart).
macro_rules! lane_types {
    ($m:ident) => {
        $m!(i8s, from_i8s, i8, 16);
        $m!(u8s, from_u8s, u8, 16);
        $m!(i16s, from_i16s, i16, 8);
        $m!(u16s, from_u16s, u16, 8);
        $m!(i32s, from_i32s, i32, 4);
        $m!(u32s, from_u32s, u32, 4);
        $m!(i64s, from_i64s, i64, 2);
        $m!(u64s, from_u64s, u64, 2);
        $m!(f32s, from_f32s, f32, 4);
        $m!(f64s, from_f64s, f64, 2);
    };
}

/// The lanes taken apart and put together byte by byte, with no reinterpretation: what
/// big-endian targets use, and what the tests check the reinterpretation against.
#[cfg_attr(all(target_endian = "little", not(test)), allow(dead_code))]
mod slow {
    use super::V128;

    macro_rules! slow_lanes {
        ($get:ident, $put:ident, $t:ty, $n:literal) => {
            pub(super) fn $get(v: V128) -> [$t; $n] {
                const W: usize = 16 / $n;
                let b = v.to_le_bytes();
                std::array::from_fn(|i| {
                    <$t>::from_le_bytes(b[i * W..(i + 1) * W].try_into().unwrap())
                })
            }
            pub(super) fn $put(l: [$t; $n]) -> V128 {
                const W: usize = 16 / $n;
                let mut b = [0u8; 16];
                for (i, x) in l.iter().enumerate() {
                    b[i * W..(i + 1) * W].copy_from_slice(&x.to_le_bytes());
                }
                V128::from_le_bytes(b)
            }
        };
    }
    lane_types!(slow_lanes);
}
lane_types!(lanes);

#[inline(always)]
fn zip<T: Copy, U, const N: usize>(a: [T; N], b: [T; N], f: impl Fn(T, T) -> U) -> [U; N] {
    std::array::from_fn(|i| f(a[i], b[i]))
}

/// All ones or all zeros, as a lane mask.
fn mask<T: From<i8>>(c: bool) -> T {
    T::from(if c { -1 } else { 0 })
}

fn fmask32(c: bool) -> i32 {
    if c {
        -1
    } else {
        0
    }
}

fn fmask64(c: bool) -> i64 {
    if c {
        -1
    } else {
        0
    }
}

fn sat_i8(x: i32) -> i8 {
    x.clamp(i8::MIN as i32, i8::MAX as i32) as i8
}
fn sat_u8(x: i32) -> u8 {
    x.clamp(0, u8::MAX as i32) as u8
}
fn sat_i16(x: i32) -> i16 {
    x.clamp(i16::MIN as i32, i16::MAX as i32) as i16
}
fn sat_u16(x: i32) -> u16 {
    x.clamp(0, u16::MAX as i32) as u16
}

fn pmin32(a: f32, b: f32) -> f32 {
    if b < a {
        b
    } else {
        a
    }
}
fn pmax32(a: f32, b: f32) -> f32 {
    if a < b {
        b
    } else {
        a
    }
}
fn pmin64(a: f64, b: f64) -> f64 {
    if b < a {
        b
    } else {
        a
    }
}
fn pmax64(a: f64, b: f64) -> f64 {
    if a < b {
        b
    } else {
        a
    }
}

fn unary(op: SimdOp, a: V128) -> V128 {
    unary_op(op, a)
}

/// Unary operator `OP` (a discriminant), one function per operator (the fast path's
/// specialised handlers call these). Inlined into them in optimised builds (no call:
/// simd 1.31x -> 1.25x wasmi's instructions), where each still ends in a jump (checked
/// on the release binary's disassembly); out of line with debug assertions, whose checks
/// would give the handlers locals whose address escapes, and so take native stack per
/// instruction (`core/tests/dispatch.rs`). (Out of line, the `v128`s go as pairs of
/// words: a pair is passed and returned in registers, a `V128`'s array through memory,
/// which is an address the handler gives away.)
#[inline(always)]
pub(crate) fn unary_of<const OP: u16>(a: V128) -> V128 {
    #[cfg(debug_assertions)]
    {
        let (lo, hi) = unary_out_of_line::<OP>(a.0[0], a.0[1]);
        V128([lo, hi])
    }
    #[cfg(not(debug_assertions))]
    {
        unary_op(SimdOp::from_index(OP), a)
    }
}

/// [`unary_of`] out of line (builds with debug assertions).
#[cfg(debug_assertions)]
#[inline(never)]
fn unary_out_of_line<const OP: u16>(lo: u64, hi: u64) -> (u64, u64) {
    let r = unary_op(SimdOp::from_index(OP), V128([lo, hi]));
    (r.0[0], r.0[1])
}

/// Binary operator `OP` (a discriminant), one function per operator (inlined as
/// [`unary_of`] is).
#[inline(always)]
pub(crate) fn binary_of<const OP: u16>(a: V128, b: V128) -> V128 {
    #[cfg(debug_assertions)]
    {
        let (lo, hi) = binary_out_of_line::<OP>(a.0[0], a.0[1], b.0[0], b.0[1]);
        V128([lo, hi])
    }
    #[cfg(not(debug_assertions))]
    {
        binary_op(SimdOp::from_index(OP), a, b)
    }
}

/// [`binary_of`] out of line (builds with debug assertions).
#[cfg(debug_assertions)]
#[inline(never)]
fn binary_out_of_line<const OP: u16>(a_lo: u64, a_hi: u64, b_lo: u64, b_hi: u64) -> (u64, u64) {
    let r = binary_op(
        SimdOp::from_index(OP),
        V128([a_lo, a_hi]),
        V128([b_lo, b_hi]),
    );
    (r.0[0], r.0[1])
}

#[inline(always)]
fn unary_op(op: SimdOp, a: V128) -> V128 {
    use SimdOp as S;
    let half = |v: [i32; 4], hi: bool| if hi { [v[2], v[3]] } else { [v[0], v[1]] };
    match op {
        S::V128Not => !a,
        S::I8x16Abs => from_i8s(i8s(a).map(i8::wrapping_abs)),
        S::I8x16Neg => from_i8s(i8s(a).map(i8::wrapping_neg)),
        S::I8x16Popcnt => from_u8s(u8s(a).map(|x| x.count_ones() as u8)),
        S::I16x8Abs => from_i16s(i16s(a).map(i16::wrapping_abs)),
        S::I16x8Neg => from_i16s(i16s(a).map(i16::wrapping_neg)),
        S::I32x4Abs => from_i32s(i32s(a).map(i32::wrapping_abs)),
        S::I32x4Neg => from_i32s(i32s(a).map(i32::wrapping_neg)),
        S::I64x2Abs => from_i64s(i64s(a).map(i64::wrapping_abs)),
        S::I64x2Neg => from_i64s(i64s(a).map(i64::wrapping_neg)),
        // The pairs' sums, each computed in the wide lane the pair makes up: the low
        // half (sign- or zero-extended by a shift up and back) plus the high half (shifted
        // down). The same sums as adding the narrow lanes, in a form LLVM makes vector
        // shifts and adds of (SSE2 has no pairwise add).
        S::I16x8ExtAddPairwiseI8x16S => from_i16s(i16s(a).map(|v| ((v << 8) >> 8) + (v >> 8))),
        S::I16x8ExtAddPairwiseI8x16U => from_u16s(u16s(a).map(|v| (v & 0xff) + (v >> 8))),
        S::I32x4ExtAddPairwiseI16x8S => from_i32s(i32s(a).map(|v| ((v << 16) >> 16) + (v >> 16))),
        S::I32x4ExtAddPairwiseI16x8U => from_u32s(u32s(a).map(|v| (v & 0xffff) + (v >> 16))),
        S::I16x8ExtendLowI8x16S => from_i16s(std::array::from_fn(|i| i8s(a)[i] as i16)),
        S::I16x8ExtendHighI8x16S => from_i16s(std::array::from_fn(|i| i8s(a)[i + 8] as i16)),
        S::I16x8ExtendLowI8x16U => from_u16s(std::array::from_fn(|i| u8s(a)[i] as u16)),
        S::I16x8ExtendHighI8x16U => from_u16s(std::array::from_fn(|i| u8s(a)[i + 8] as u16)),
        S::I32x4ExtendLowI16x8S => from_i32s(std::array::from_fn(|i| i16s(a)[i] as i32)),
        S::I32x4ExtendHighI16x8S => from_i32s(std::array::from_fn(|i| i16s(a)[i + 4] as i32)),
        S::I32x4ExtendLowI16x8U => from_u32s(std::array::from_fn(|i| u16s(a)[i] as u32)),
        S::I32x4ExtendHighI16x8U => from_u32s(std::array::from_fn(|i| u16s(a)[i + 4] as u32)),
        S::I64x2ExtendLowI32x4S => from_i64s(half(i32s(a), false).map(|x| x as i64)),
        S::I64x2ExtendHighI32x4S => from_i64s(half(i32s(a), true).map(|x| x as i64)),
        S::I64x2ExtendLowI32x4U => from_u64s(half(i32s(a), false).map(|x| x as u32 as u64)),
        S::I64x2ExtendHighI32x4U => from_u64s(half(i32s(a), true).map(|x| x as u32 as u64)),
        S::F32x4Ceil => from_f32s(f32s(a).map(|x| num::round_f32(x, f32::ceil))),
        S::F32x4Floor => from_f32s(f32s(a).map(|x| num::round_f32(x, f32::floor))),
        S::F32x4Trunc => from_f32s(f32s(a).map(|x| num::round_f32(x, f32::trunc))),
        S::F32x4Nearest => from_f32s(f32s(a).map(|x| num::round_f32(x, f32::round_ties_even))),
        S::F32x4Abs => a & !V128::from_u128(0x8000_0000_8000_0000_8000_0000_8000_0000),
        S::F32x4Neg => a ^ V128::from_u128(0x8000_0000_8000_0000_8000_0000_8000_0000),
        S::F32x4Sqrt => from_f32s(f32s(a).map(f32::sqrt)),
        S::F64x2Ceil => from_f64s(f64s(a).map(|x| num::round_f64(x, f64::ceil))),
        S::F64x2Floor => from_f64s(f64s(a).map(|x| num::round_f64(x, f64::floor))),
        S::F64x2Trunc => from_f64s(f64s(a).map(|x| num::round_f64(x, f64::trunc))),
        S::F64x2Nearest => from_f64s(f64s(a).map(|x| num::round_f64(x, f64::round_ties_even))),
        S::F64x2Abs => a & !V128::from_u128(0x8000_0000_0000_0000_8000_0000_0000_0000),
        S::F64x2Neg => a ^ V128::from_u128(0x8000_0000_0000_0000_8000_0000_0000_0000),
        S::F64x2Sqrt => from_f64s(f64s(a).map(f64::sqrt)),
        // Relaxed: the saturating conversions' results (NaN is 0, out of range saturates).
        S::I32x4TruncSatF32x4S | S::I32x4RelaxedTruncF32x4S => from_i32s(f32s(a).map(|x| x as i32)),
        S::I32x4TruncSatF32x4U | S::I32x4RelaxedTruncF32x4U => from_u32s(f32s(a).map(|x| x as u32)),
        S::F32x4ConvertI32x4S => from_f32s(i32s(a).map(|x| x as f32)),
        S::F32x4ConvertI32x4U => from_f32s(u32s(a).map(|x| x as f32)),
        S::I32x4TruncSatF64x2SZero | S::I32x4RelaxedTruncF64x2SZero => {
            let v = f64s(a);
            from_i32s([v[0] as i32, v[1] as i32, 0, 0])
        }
        S::I32x4TruncSatF64x2UZero | S::I32x4RelaxedTruncF64x2UZero => {
            let v = f64s(a);
            from_u32s([v[0] as u32, v[1] as u32, 0, 0])
        }
        S::F64x2ConvertLowI32x4S => from_f64s(half(i32s(a), false).map(|x| x as f64)),
        S::F64x2ConvertLowI32x4U => from_f64s(half(i32s(a), false).map(|x| x as u32 as f64)),
        S::F32x4DemoteF64x2Zero => {
            let v = f64s(a);
            from_f32s([v[0] as f32, v[1] as f32, 0.0, 0.0])
        }
        S::F64x2PromoteLowF32x4 => {
            let v = f32s(a);
            from_f64s([v[0] as f64, v[1] as f64])
        }
        other => unreachable!("{other:?} is not unary"),
    }
}

fn binary(op: SimdOp, a: V128, b: V128) -> V128 {
    binary_op(op, a, b)
}

#[inline(always)]
fn binary_op(op: SimdOp, a: V128, b: V128) -> V128 {
    use SimdOp as S;
    match op {
        // Relaxed: an index of 16 or more gives 0, as `swizzle`.
        S::I8x16Swizzle | S::I8x16RelaxedSwizzle => {
            let (v, s) = (u8s(a), u8s(b));
            from_u8s(s.map(|i| if i < 16 { v[i as usize] } else { 0 }))
        }
        S::I8x16Eq => from_i8s(zip(i8s(a), i8s(b), |x, y| mask(x == y))),
        S::I8x16Ne => from_i8s(zip(i8s(a), i8s(b), |x, y| mask(x != y))),
        S::I8x16LtS => from_i8s(zip(i8s(a), i8s(b), |x, y| mask(x < y))),
        S::I8x16LtU => from_i8s(zip(u8s(a), u8s(b), |x, y| mask(x < y))),
        S::I8x16GtS => from_i8s(zip(i8s(a), i8s(b), |x, y| mask(x > y))),
        S::I8x16GtU => from_i8s(zip(u8s(a), u8s(b), |x, y| mask(x > y))),
        S::I8x16LeS => from_i8s(zip(i8s(a), i8s(b), |x, y| mask(x <= y))),
        S::I8x16LeU => from_i8s(zip(u8s(a), u8s(b), |x, y| mask(x <= y))),
        S::I8x16GeS => from_i8s(zip(i8s(a), i8s(b), |x, y| mask(x >= y))),
        S::I8x16GeU => from_i8s(zip(u8s(a), u8s(b), |x, y| mask(x >= y))),
        S::I16x8Eq => from_i16s(zip(i16s(a), i16s(b), |x, y| mask(x == y))),
        S::I16x8Ne => from_i16s(zip(i16s(a), i16s(b), |x, y| mask(x != y))),
        S::I16x8LtS => from_i16s(zip(i16s(a), i16s(b), |x, y| mask(x < y))),
        S::I16x8LtU => from_i16s(zip(u16s(a), u16s(b), |x, y| mask(x < y))),
        S::I16x8GtS => from_i16s(zip(i16s(a), i16s(b), |x, y| mask(x > y))),
        S::I16x8GtU => from_i16s(zip(u16s(a), u16s(b), |x, y| mask(x > y))),
        S::I16x8LeS => from_i16s(zip(i16s(a), i16s(b), |x, y| mask(x <= y))),
        S::I16x8LeU => from_i16s(zip(u16s(a), u16s(b), |x, y| mask(x <= y))),
        S::I16x8GeS => from_i16s(zip(i16s(a), i16s(b), |x, y| mask(x >= y))),
        S::I16x8GeU => from_i16s(zip(u16s(a), u16s(b), |x, y| mask(x >= y))),
        S::I32x4Eq => from_i32s(zip(i32s(a), i32s(b), |x, y| fmask32(x == y))),
        S::I32x4Ne => from_i32s(zip(i32s(a), i32s(b), |x, y| fmask32(x != y))),
        S::I32x4LtS => from_i32s(zip(i32s(a), i32s(b), |x, y| fmask32(x < y))),
        S::I32x4LtU => from_i32s(zip(u32s(a), u32s(b), |x, y| fmask32(x < y))),
        S::I32x4GtS => from_i32s(zip(i32s(a), i32s(b), |x, y| fmask32(x > y))),
        S::I32x4GtU => from_i32s(zip(u32s(a), u32s(b), |x, y| fmask32(x > y))),
        S::I32x4LeS => from_i32s(zip(i32s(a), i32s(b), |x, y| fmask32(x <= y))),
        S::I32x4LeU => from_i32s(zip(u32s(a), u32s(b), |x, y| fmask32(x <= y))),
        S::I32x4GeS => from_i32s(zip(i32s(a), i32s(b), |x, y| fmask32(x >= y))),
        S::I32x4GeU => from_i32s(zip(u32s(a), u32s(b), |x, y| fmask32(x >= y))),
        S::I64x2Eq => from_i64s(zip(i64s(a), i64s(b), |x, y| fmask64(x == y))),
        S::I64x2Ne => from_i64s(zip(i64s(a), i64s(b), |x, y| fmask64(x != y))),
        S::I64x2LtS => from_i64s(zip(i64s(a), i64s(b), |x, y| fmask64(x < y))),
        S::I64x2GtS => from_i64s(zip(i64s(a), i64s(b), |x, y| fmask64(x > y))),
        S::I64x2LeS => from_i64s(zip(i64s(a), i64s(b), |x, y| fmask64(x <= y))),
        S::I64x2GeS => from_i64s(zip(i64s(a), i64s(b), |x, y| fmask64(x >= y))),
        S::F32x4Eq => from_i32s(zip(f32s(a), f32s(b), |x, y| fmask32(x == y))),
        S::F32x4Ne => from_i32s(zip(f32s(a), f32s(b), |x, y| fmask32(x != y))),
        S::F32x4Lt => from_i32s(zip(f32s(a), f32s(b), |x, y| fmask32(x < y))),
        S::F32x4Gt => from_i32s(zip(f32s(a), f32s(b), |x, y| fmask32(x > y))),
        S::F32x4Le => from_i32s(zip(f32s(a), f32s(b), |x, y| fmask32(x <= y))),
        S::F32x4Ge => from_i32s(zip(f32s(a), f32s(b), |x, y| fmask32(x >= y))),
        S::F64x2Eq => from_i64s(zip(f64s(a), f64s(b), |x, y| fmask64(x == y))),
        S::F64x2Ne => from_i64s(zip(f64s(a), f64s(b), |x, y| fmask64(x != y))),
        S::F64x2Lt => from_i64s(zip(f64s(a), f64s(b), |x, y| fmask64(x < y))),
        S::F64x2Gt => from_i64s(zip(f64s(a), f64s(b), |x, y| fmask64(x > y))),
        S::F64x2Le => from_i64s(zip(f64s(a), f64s(b), |x, y| fmask64(x <= y))),
        S::F64x2Ge => from_i64s(zip(f64s(a), f64s(b), |x, y| fmask64(x >= y))),
        S::V128And => a & b,
        S::V128AndNot => a & !b,
        S::V128Or => a | b,
        S::V128Xor => a ^ b,
        S::I8x16NarrowI16x8S => {
            let (x, y) = (i16s(a), i16s(b));
            from_i8s(std::array::from_fn(|i| {
                sat_i8(if i < 8 { x[i] } else { y[i - 8] } as i32)
            }))
        }
        S::I8x16NarrowI16x8U => {
            let (x, y) = (i16s(a), i16s(b));
            from_u8s(std::array::from_fn(|i| {
                sat_u8(if i < 8 { x[i] } else { y[i - 8] } as i32)
            }))
        }
        S::I16x8NarrowI32x4S => {
            let (x, y) = (i32s(a), i32s(b));
            from_i16s(std::array::from_fn(|i| {
                sat_i16(if i < 4 { x[i] } else { y[i - 4] })
            }))
        }
        S::I16x8NarrowI32x4U => {
            let (x, y) = (i32s(a), i32s(b));
            from_u16s(std::array::from_fn(|i| {
                sat_u16(if i < 4 { x[i] } else { y[i - 4] })
            }))
        }
        S::I8x16Add => from_i8s(zip(i8s(a), i8s(b), i8::wrapping_add)),
        S::I8x16AddSatS => from_i8s(zip(i8s(a), i8s(b), i8::saturating_add)),
        S::I8x16AddSatU => from_u8s(zip(u8s(a), u8s(b), u8::saturating_add)),
        S::I8x16Sub => from_i8s(zip(i8s(a), i8s(b), i8::wrapping_sub)),
        S::I8x16SubSatS => from_i8s(zip(i8s(a), i8s(b), i8::saturating_sub)),
        S::I8x16SubSatU => from_u8s(zip(u8s(a), u8s(b), u8::saturating_sub)),
        S::I8x16MinS => from_i8s(zip(i8s(a), i8s(b), Ord::min)),
        S::I8x16MinU => from_u8s(zip(u8s(a), u8s(b), Ord::min)),
        S::I8x16MaxS => from_i8s(zip(i8s(a), i8s(b), Ord::max)),
        S::I8x16MaxU => from_u8s(zip(u8s(a), u8s(b), Ord::max)),
        S::I8x16AvgrU => from_u8s(zip(u8s(a), u8s(b), |x, y| {
            ((x as u16 + y as u16 + 1) >> 1) as u8
        })),
        S::I16x8Q15MulrSatS | S::I16x8RelaxedQ15mulrS => {
            from_i16s(zip(i16s(a), i16s(b), |x, y| {
                sat_i16((x as i32 * y as i32 + 0x4000) >> 15)
            }))
        }
        S::I16x8Add => from_i16s(zip(i16s(a), i16s(b), i16::wrapping_add)),
        S::I16x8AddSatS => from_i16s(zip(i16s(a), i16s(b), i16::saturating_add)),
        S::I16x8AddSatU => from_u16s(zip(u16s(a), u16s(b), u16::saturating_add)),
        S::I16x8Sub => from_i16s(zip(i16s(a), i16s(b), i16::wrapping_sub)),
        S::I16x8SubSatS => from_i16s(zip(i16s(a), i16s(b), i16::saturating_sub)),
        S::I16x8SubSatU => from_u16s(zip(u16s(a), u16s(b), u16::saturating_sub)),
        S::I16x8Mul => from_i16s(zip(i16s(a), i16s(b), i16::wrapping_mul)),
        S::I16x8MinS => from_i16s(zip(i16s(a), i16s(b), Ord::min)),
        S::I16x8MinU => from_u16s(zip(u16s(a), u16s(b), Ord::min)),
        S::I16x8MaxS => from_i16s(zip(i16s(a), i16s(b), Ord::max)),
        S::I16x8MaxU => from_u16s(zip(u16s(a), u16s(b), Ord::max)),
        S::I16x8AvgrU => from_u16s(zip(u16s(a), u16s(b), |x, y| {
            ((x as u32 + y as u32 + 1) >> 1) as u16
        })),
        S::I16x8ExtMulLowI8x16S => {
            let (x, y) = (i8s(a), i8s(b));
            from_i16s(std::array::from_fn(|i| x[i] as i16 * y[i] as i16))
        }
        S::I16x8ExtMulHighI8x16S => {
            let (x, y) = (i8s(a), i8s(b));
            from_i16s(std::array::from_fn(|i| x[i + 8] as i16 * y[i + 8] as i16))
        }
        S::I16x8ExtMulLowI8x16U => {
            let (x, y) = (u8s(a), u8s(b));
            from_u16s(std::array::from_fn(|i| x[i] as u16 * y[i] as u16))
        }
        S::I16x8ExtMulHighI8x16U => {
            let (x, y) = (u8s(a), u8s(b));
            from_u16s(std::array::from_fn(|i| x[i + 8] as u16 * y[i + 8] as u16))
        }
        S::I32x4Add => from_i32s(zip(i32s(a), i32s(b), i32::wrapping_add)),
        S::I32x4Sub => from_i32s(zip(i32s(a), i32s(b), i32::wrapping_sub)),
        S::I32x4Mul => from_i32s(zip(i32s(a), i32s(b), i32::wrapping_mul)),
        S::I32x4MinS => from_i32s(zip(i32s(a), i32s(b), Ord::min)),
        S::I32x4MinU => from_u32s(zip(u32s(a), u32s(b), Ord::min)),
        S::I32x4MaxS => from_i32s(zip(i32s(a), i32s(b), Ord::max)),
        S::I32x4MaxU => from_u32s(zip(u32s(a), u32s(b), Ord::max)),
        S::I32x4DotI16x8S => {
            let (x, y) = (i16s(a), i16s(b));
            from_i32s(std::array::from_fn(|i| {
                (x[2 * i] as i32 * y[2 * i] as i32)
                    .wrapping_add(x[2 * i + 1] as i32 * y[2 * i + 1] as i32)
            }))
        }
        S::I32x4ExtMulLowI16x8S => {
            let (x, y) = (i16s(a), i16s(b));
            from_i32s(std::array::from_fn(|i| x[i] as i32 * y[i] as i32))
        }
        S::I32x4ExtMulHighI16x8S => {
            let (x, y) = (i16s(a), i16s(b));
            from_i32s(std::array::from_fn(|i| x[i + 4] as i32 * y[i + 4] as i32))
        }
        S::I32x4ExtMulLowI16x8U => {
            let (x, y) = (u16s(a), u16s(b));
            from_u32s(std::array::from_fn(|i| x[i] as u32 * y[i] as u32))
        }
        S::I32x4ExtMulHighI16x8U => {
            let (x, y) = (u16s(a), u16s(b));
            from_u32s(std::array::from_fn(|i| x[i + 4] as u32 * y[i + 4] as u32))
        }
        S::I64x2Add => from_i64s(zip(i64s(a), i64s(b), i64::wrapping_add)),
        S::I64x2Sub => from_i64s(zip(i64s(a), i64s(b), i64::wrapping_sub)),
        S::I64x2Mul => from_i64s(zip(i64s(a), i64s(b), i64::wrapping_mul)),
        S::I64x2ExtMulLowI32x4S => {
            let (x, y) = (i32s(a), i32s(b));
            from_i64s(std::array::from_fn(|i| x[i] as i64 * y[i] as i64))
        }
        S::I64x2ExtMulHighI32x4S => {
            let (x, y) = (i32s(a), i32s(b));
            from_i64s(std::array::from_fn(|i| x[i + 2] as i64 * y[i + 2] as i64))
        }
        S::I64x2ExtMulLowI32x4U => {
            let (x, y) = (u32s(a), u32s(b));
            from_u64s(std::array::from_fn(|i| x[i] as u64 * y[i] as u64))
        }
        S::I64x2ExtMulHighI32x4U => {
            let (x, y) = (u32s(a), u32s(b));
            from_u64s(std::array::from_fn(|i| x[i + 2] as u64 * y[i + 2] as u64))
        }
        S::F32x4Add => from_f32s(zip(f32s(a), f32s(b), |x, y| x + y)),
        S::F32x4Sub => from_f32s(zip(f32s(a), f32s(b), |x, y| x - y)),
        S::F32x4Mul => from_f32s(zip(f32s(a), f32s(b), |x, y| x * y)),
        S::F32x4Div => from_f32s(zip(f32s(a), f32s(b), |x, y| x / y)),
        // Relaxed min and max: as `min` and `max` (NaN in, NaN out; -0 below +0).
        S::F32x4Min => from_f32s(zip(f32s(a), f32s(b), num::f32_min)),
        S::F32x4Max => from_f32s(zip(f32s(a), f32s(b), num::f32_max)),
        // Relaxed: `min`/`max` with the canonical NaN for a NaN (the compiler's too).
        S::F32x4RelaxedMin => from_f32s(zip(f32s(a), f32s(b), |x, y| canon32(num::f32_min(x, y)))),
        S::F32x4RelaxedMax => from_f32s(zip(f32s(a), f32s(b), |x, y| canon32(num::f32_max(x, y)))),
        S::F32x4PMin => from_f32s(zip(f32s(a), f32s(b), pmin32)),
        S::F32x4PMax => from_f32s(zip(f32s(a), f32s(b), pmax32)),
        S::F64x2Add => from_f64s(zip(f64s(a), f64s(b), |x, y| x + y)),
        S::F64x2Sub => from_f64s(zip(f64s(a), f64s(b), |x, y| x - y)),
        S::F64x2Mul => from_f64s(zip(f64s(a), f64s(b), |x, y| x * y)),
        S::F64x2Div => from_f64s(zip(f64s(a), f64s(b), |x, y| x / y)),
        S::F64x2Min => from_f64s(zip(f64s(a), f64s(b), num::f64_min)),
        S::F64x2Max => from_f64s(zip(f64s(a), f64s(b), num::f64_max)),
        S::F64x2RelaxedMin => from_f64s(zip(f64s(a), f64s(b), |x, y| canon64(num::f64_min(x, y)))),
        S::F64x2RelaxedMax => from_f64s(zip(f64s(a), f64s(b), |x, y| canon64(num::f64_max(x, y)))),
        S::F64x2PMin => from_f64s(zip(f64s(a), f64s(b), pmin64)),
        S::F64x2PMax => from_f64s(zip(f64s(a), f64s(b), pmax64)),
        S::I16x8RelaxedDotI8x16I7x16S => relaxed_dot_i16(a, b),
        other => unreachable!("{other:?} is not binary"),
    }
}

fn test(op: SimdOp, a: V128) -> u32 {
    use SimdOp as S;
    match op {
        S::V128AnyTrue => (a != V128::default()) as u32,
        S::I8x16AllTrue => u8s(a).iter().all(|x| *x != 0) as u32,
        S::I16x8AllTrue => u16s(a).iter().all(|x| *x != 0) as u32,
        S::I32x4AllTrue => u32s(a).iter().all(|x| *x != 0) as u32,
        S::I64x2AllTrue => u64s(a).iter().all(|x| *x != 0) as u32,
        S::I8x16Bitmask => i8s(a)
            .iter()
            .enumerate()
            .map(|(i, x)| ((*x < 0) as u32) << i)
            .sum(),
        S::I16x8Bitmask => i16s(a)
            .iter()
            .enumerate()
            .map(|(i, x)| ((*x < 0) as u32) << i)
            .sum(),
        S::I32x4Bitmask => i32s(a)
            .iter()
            .enumerate()
            .map(|(i, x)| ((*x < 0) as u32) << i)
            .sum(),
        S::I64x2Bitmask => i64s(a)
            .iter()
            .enumerate()
            .map(|(i, x)| ((*x < 0) as u32) << i)
            .sum(),
        other => unreachable!("{other:?} is not a test"),
    }
}

fn shift(op: SimdOp, a: V128, n: u32) -> V128 {
    use SimdOp as S;
    match op {
        S::I8x16Shl => from_i8s(i8s(a).map(|x| x.wrapping_shl(n % 8))),
        S::I8x16ShrS => from_i8s(i8s(a).map(|x| x.wrapping_shr(n % 8))),
        S::I8x16ShrU => from_u8s(u8s(a).map(|x| x.wrapping_shr(n % 8))),
        S::I16x8Shl => from_i16s(i16s(a).map(|x| x.wrapping_shl(n % 16))),
        S::I16x8ShrS => from_i16s(i16s(a).map(|x| x.wrapping_shr(n % 16))),
        S::I16x8ShrU => from_u16s(u16s(a).map(|x| x.wrapping_shr(n % 16))),
        S::I32x4Shl => from_i32s(i32s(a).map(|x| x.wrapping_shl(n))),
        S::I32x4ShrS => from_i32s(i32s(a).map(|x| x.wrapping_shr(n))),
        S::I32x4ShrU => from_u32s(u32s(a).map(|x| x.wrapping_shr(n))),
        S::I64x2Shl => from_i64s(i64s(a).map(|x| x.wrapping_shl(n))),
        S::I64x2ShrS => from_i64s(i64s(a).map(|x| x.wrapping_shr(n))),
        S::I64x2ShrU => from_u64s(u64s(a).map(|x| x.wrapping_shr(n))),
        other => unreachable!("{other:?} is not a shift"),
    }
}

fn splat(op: SimdOp, x: u64) -> V128 {
    use SimdOp as S;
    match op {
        S::I8x16Splat => from_u8s([x as u8; 16]),
        S::I16x8Splat => from_u16s([x as u16; 8]),
        S::I32x4Splat | S::F32x4Splat => from_u32s([x as u32; 4]),
        S::I64x2Splat | S::F64x2Splat => from_u64s([x; 2]),
        other => unreachable!("{other:?} is not a splat"),
    }
}

/// Lane access: `extract_lane` (v128 → scalar) and `replace_lane` (v128, scalar → v128).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LaneOp {
    I8x16ExtractLaneS,
    I8x16ExtractLaneU,
    I8x16ReplaceLane,
    I16x8ExtractLaneS,
    I16x8ExtractLaneU,
    I16x8ReplaceLane,
    I32x4ExtractLane,
    I32x4ReplaceLane,
    I64x2ExtractLane,
    I64x2ReplaceLane,
    F32x4ExtractLane,
    F32x4ReplaceLane,
    F64x2ExtractLane,
    F64x2ReplaceLane,
}

impl LaneOp {
    /// The operator and its lane, if `op` is a lane access.
    pub(crate) fn from_operator(op: &Operator<'_>) -> Option<(LaneOp, u8)> {
        use Operator as O;
        Some(match *op {
            O::I8x16ExtractLaneS { lane } => (LaneOp::I8x16ExtractLaneS, lane),
            O::I8x16ExtractLaneU { lane } => (LaneOp::I8x16ExtractLaneU, lane),
            O::I8x16ReplaceLane { lane } => (LaneOp::I8x16ReplaceLane, lane),
            O::I16x8ExtractLaneS { lane } => (LaneOp::I16x8ExtractLaneS, lane),
            O::I16x8ExtractLaneU { lane } => (LaneOp::I16x8ExtractLaneU, lane),
            O::I16x8ReplaceLane { lane } => (LaneOp::I16x8ReplaceLane, lane),
            O::I32x4ExtractLane { lane } => (LaneOp::I32x4ExtractLane, lane),
            O::I32x4ReplaceLane { lane } => (LaneOp::I32x4ReplaceLane, lane),
            O::I64x2ExtractLane { lane } => (LaneOp::I64x2ExtractLane, lane),
            O::I64x2ReplaceLane { lane } => (LaneOp::I64x2ReplaceLane, lane),
            O::F32x4ExtractLane { lane } => (LaneOp::F32x4ExtractLane, lane),
            O::F32x4ReplaceLane { lane } => (LaneOp::F32x4ReplaceLane, lane),
            O::F64x2ExtractLane { lane } => (LaneOp::F64x2ExtractLane, lane),
            O::F64x2ReplaceLane { lane } => (LaneOp::F64x2ReplaceLane, lane),
            _ => return None,
        })
    }
}

/// Runs a lane access on the stack below `sp`; returns the new `sp`.
pub(crate) fn exec_lane(op: LaneOp, lane: u8, stack: &mut [u64], sp: usize) -> usize {
    use LaneOp as L;
    let l = lane as usize;
    match op {
        L::I8x16ExtractLaneS
        | L::I8x16ExtractLaneU
        | L::I16x8ExtractLaneS
        | L::I16x8ExtractLaneU
        | L::I32x4ExtractLane
        | L::I64x2ExtractLane
        | L::F32x4ExtractLane
        | L::F64x2ExtractLane => {
            let v = get(stack, sp - 2);
            stack[sp - 2] = match op {
                L::I8x16ExtractLaneS => i8s(v)[l] as i32 as u32 as u64,
                L::I8x16ExtractLaneU => u8s(v)[l] as u64,
                L::I16x8ExtractLaneS => i16s(v)[l] as i32 as u32 as u64,
                L::I16x8ExtractLaneU => u16s(v)[l] as u64,
                L::I32x4ExtractLane | L::F32x4ExtractLane => u32s(v)[l] as u64,
                _ => u64s(v)[l],
            };
            sp - 1
        }
        _ => {
            let x = stack[sp - 1];
            let v = get(stack, sp - 3);
            let r = match op {
                L::I8x16ReplaceLane => {
                    let mut a = u8s(v);
                    a[l] = x as u8;
                    from_u8s(a)
                }
                L::I16x8ReplaceLane => {
                    let mut a = u16s(v);
                    a[l] = x as u16;
                    from_u16s(a)
                }
                L::I32x4ReplaceLane | L::F32x4ReplaceLane => {
                    let mut a = u32s(v);
                    a[l] = x as u32;
                    from_u32s(a)
                }
                _ => {
                    let mut a = u64s(v);
                    a[l] = x;
                    from_u64s(a)
                }
            };
            put(stack, sp - 3, r);
            sp - 1
        }
    }
}

/// `i8x16.shuffle` of `a` and `b` by `lanes` (its bytes).
pub(crate) fn shuffle(a: V128, b: V128, lanes: V128) -> V128 {
    let (x, y) = (u8s(a), u8s(b));
    from_u8s(u8s(lanes).map(|i| {
        if i < 16 {
            x[i as usize]
        } else {
            y[(i - 16) as usize]
        }
    }))
}

/// SIMD memory operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MemOp {
    Load,
    Load8x8S,
    Load8x8U,
    Load16x4S,
    Load16x4U,
    Load32x2S,
    Load32x2U,
    Load8Splat,
    Load16Splat,
    Load32Splat,
    Load64Splat,
    Load32Zero,
    Load64Zero,
    Store,
    Load8Lane,
    Load16Lane,
    Load32Lane,
    Load64Lane,
    Store8Lane,
    Store16Lane,
    Store32Lane,
    Store64Lane,
}

impl MemOp {
    /// The operator, its static offset and lane, if `op` is a SIMD memory operator.
    pub(crate) fn from_operator(op: &Operator<'_>) -> Option<(MemOp, u32, u8)> {
        use Operator as O;
        let (m, memarg, lane) = match *op {
            O::V128Load { memarg } => (MemOp::Load, memarg, 0),
            O::V128Load8x8S { memarg } => (MemOp::Load8x8S, memarg, 0),
            O::V128Load8x8U { memarg } => (MemOp::Load8x8U, memarg, 0),
            O::V128Load16x4S { memarg } => (MemOp::Load16x4S, memarg, 0),
            O::V128Load16x4U { memarg } => (MemOp::Load16x4U, memarg, 0),
            O::V128Load32x2S { memarg } => (MemOp::Load32x2S, memarg, 0),
            O::V128Load32x2U { memarg } => (MemOp::Load32x2U, memarg, 0),
            O::V128Load8Splat { memarg } => (MemOp::Load8Splat, memarg, 0),
            O::V128Load16Splat { memarg } => (MemOp::Load16Splat, memarg, 0),
            O::V128Load32Splat { memarg } => (MemOp::Load32Splat, memarg, 0),
            O::V128Load64Splat { memarg } => (MemOp::Load64Splat, memarg, 0),
            O::V128Load32Zero { memarg } => (MemOp::Load32Zero, memarg, 0),
            O::V128Load64Zero { memarg } => (MemOp::Load64Zero, memarg, 0),
            O::V128Store { memarg } => (MemOp::Store, memarg, 0),
            O::V128Load8Lane { memarg, lane } => (MemOp::Load8Lane, memarg, lane),
            O::V128Load16Lane { memarg, lane } => (MemOp::Load16Lane, memarg, lane),
            O::V128Load32Lane { memarg, lane } => (MemOp::Load32Lane, memarg, lane),
            O::V128Load64Lane { memarg, lane } => (MemOp::Load64Lane, memarg, lane),
            O::V128Store8Lane { memarg, lane } => (MemOp::Store8Lane, memarg, lane),
            O::V128Store16Lane { memarg, lane } => (MemOp::Store16Lane, memarg, lane),
            O::V128Store32Lane { memarg, lane } => (MemOp::Store32Lane, memarg, lane),
            O::V128Store64Lane { memarg, lane } => (MemOp::Store64Lane, memarg, lane),
            _ => return None,
        };
        Some((m, memarg.offset as u32, lane))
    }
}

/// Writes bytes at `addr`; out of bounds, the address and width.
fn write(mem: &mut [u8], addr: u64, bytes: &[u8]) -> Result<(), (u64, u64)> {
    match span(addr, bytes.len() as u64).and_then(|r| mem.get_mut(r)) {
        Some(d) => {
            d.copy_from_slice(bytes);
            Ok(())
        }
        None => Err((addr, bytes.len() as u64)),
    }
}

/// Runs a SIMD memory instruction on the operands at `sp`; returns the new stack height,
/// or the address and width of an out-of-bounds access.
pub(crate) fn exec_mem(
    op: MemOp,
    offset: u32,
    lane: u8,
    mem: &mut [u8],
    stack: &mut [u64],
    sp: usize,
) -> Result<usize, (u64, u64)> {
    exec_mem_wide(op, offset as u64, lane, mem, stack, sp, false)
}

/// [`exec_mem`] with a 64-bit `offset`; `wide`: the memory has 64-bit addresses
/// (memory64), an address whose sum with the offset overflows is out of bounds.
pub(crate) fn exec_mem_wide(
    op: MemOp,
    offset: u64,
    lane: u8,
    mem: &mut [u8],
    stack: &mut [u64],
    sp: usize,
    wide: bool,
) -> Result<usize, (u64, u64)> {
    use MemOp as M;
    let address = |slot: u64| match wide {
        true => slot.checked_add(offset).ok_or((u64::MAX, 16)),
        false => Ok(slot as u32 as u64 + offset),
    };
    let l = lane as usize;
    match op {
        M::Store => {
            let addr = address(stack[sp - 3])?;
            let v = get(stack, sp - 2);
            write(mem, addr, &v.to_le_bytes()).map(|()| sp - 3)
        }
        M::Store8Lane | M::Store16Lane | M::Store32Lane | M::Store64Lane => {
            let addr = address(stack[sp - 3])?;
            let b = get(stack, sp - 2).to_le_bytes();
            let w = match op {
                M::Store8Lane => 1,
                M::Store16Lane => 2,
                M::Store32Lane => 4,
                _ => 8,
            };
            write(mem, addr, &b[l * w..(l + 1) * w]).map(|()| sp - 3)
        }
        M::Load8Lane | M::Load16Lane | M::Load32Lane | M::Load64Lane => {
            let addr = address(stack[sp - 3])?;
            let mut b = get(stack, sp - 2).to_le_bytes();
            let w = match op {
                M::Load8Lane => 1,
                M::Load16Lane => 2,
                M::Load32Lane => 4,
                _ => 8,
            };
            let src = span(addr, w as u64)
                .and_then(|r| mem.get(r))
                .ok_or((addr, w as u64))?;
            b[l * w..(l + 1) * w].copy_from_slice(src);
            put(stack, sp - 3, V128::from_le_bytes(b));
            Ok(sp - 1)
        }
        _ => {
            let addr = address(stack[sp - 1])?;
            let n = load_width(op);
            let bytes = span(addr, n as u64)
                .and_then(|r| mem.get(r))
                .ok_or((addr, n as u64))?;
            put(stack, sp - 1, load_value(op, bytes));
            Ok(sp + 1)
        }
    }
}

impl MemOp {
    /// The operators, by discriminant (`MemOp::ALL[op as usize] == op`).
    pub(crate) const ALL: [MemOp; 22] = [
        MemOp::Load,
        MemOp::Load8x8S,
        MemOp::Load8x8U,
        MemOp::Load16x4S,
        MemOp::Load16x4U,
        MemOp::Load32x2S,
        MemOp::Load32x2U,
        MemOp::Load8Splat,
        MemOp::Load16Splat,
        MemOp::Load32Splat,
        MemOp::Load64Splat,
        MemOp::Load32Zero,
        MemOp::Load64Zero,
        MemOp::Store,
        MemOp::Load8Lane,
        MemOp::Load16Lane,
        MemOp::Load32Lane,
        MemOp::Load64Lane,
        MemOp::Store8Lane,
        MemOp::Store16Lane,
        MemOp::Store32Lane,
        MemOp::Store64Lane,
    ];
}

/// How many bytes load `op` reads, for a load of a whole `v128` from one address (not a
/// lane load); 0 for the others.
pub(crate) const fn load_width(op: MemOp) -> usize {
    use MemOp as M;
    match op {
        M::Load => 16,
        M::Load8x8S | M::Load8x8U | M::Load16x4S | M::Load16x4U | M::Load32x2S | M::Load32x2U => 8,
        M::Load8Splat => 1,
        M::Load16Splat => 2,
        M::Load32Splat | M::Load32Zero => 4,
        M::Load64Splat | M::Load64Zero => 8,
        _ => 0,
    }
}

/// The `v128` load `op` (one [`load_width`] is not 0 for) makes of the bytes it read
/// (`b`, at least [`load_width`] of them).
#[inline(always)]
pub(crate) fn load_value(op: MemOp, b: &[u8]) -> V128 {
    use MemOp as M;
    let eight = |b: &[u8]| -> [u8; 8] { std::array::from_fn(|i| b[i]) };
    match op {
        M::Load => V128::from_le_bytes(std::array::from_fn(|i| b[i])),
        M::Load8x8S => from_i16s(eight(b).map(|x| x as i8 as i16)),
        M::Load8x8U => from_u16s(eight(b).map(|x| x as u16)),
        M::Load16x4S => {
            let b = eight(b);
            from_i32s(std::array::from_fn(|i| {
                i16::from_le_bytes([b[2 * i], b[2 * i + 1]]) as i32
            }))
        }
        M::Load16x4U => {
            let b = eight(b);
            from_u32s(std::array::from_fn(|i| {
                u16::from_le_bytes([b[2 * i], b[2 * i + 1]]) as u32
            }))
        }
        M::Load32x2S => {
            let b = eight(b);
            from_i64s(std::array::from_fn(|i| {
                i32::from_le_bytes([b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3]]) as i64
            }))
        }
        M::Load32x2U => {
            let b = eight(b);
            from_u64s(std::array::from_fn(|i| {
                u32::from_le_bytes([b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3]]) as u64
            }))
        }
        M::Load8Splat => from_u8s([b[0]; 16]),
        M::Load16Splat => from_u16s([u16::from_le_bytes([b[0], b[1]]); 8]),
        M::Load32Splat => from_u32s([u32::from_le_bytes([b[0], b[1], b[2], b[3]]); 4]),
        M::Load64Splat => from_u64s([u64::from_le_bytes(eight(b)); 2]),
        M::Load32Zero => V128([u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as u64, 0]),
        M::Load64Zero => V128([u64::from_le_bytes(eight(b)), 0]),
        _ => unreachable!("stores and lane loads are not loads of a whole v128"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lanes_round_trip() {
        let v = V128::from_u128(0x0f0e_0d0c_0b0a_0908_0706_0504_0302_0100);
        assert_eq!(u8s(v)[3], 3);
        assert_eq!(u16s(v)[1], 0x0302);
        assert_eq!(u64s(v)[1], 0x0f0e_0d0c_0b0a_0908);
        assert_eq!(from_i16s(i16s(v)), v);
        assert_eq!(from_f64s(f64s(v)), v);
    }

    /// The lanes as the operators read them (a reinterpretation, on little-endian
    /// targets) are the lanes taken apart byte by byte, in Wasm's order, for every lane
    /// type, and put back together the same way.
    #[test]
    fn lanes_are_the_bytes_in_wasm_order() {
        let mut x = 0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c834u128;
        for _ in 0..64 {
            let v = V128::from_u128(x);
            macro_rules! same {
                ($($get:ident $put:ident),*) => {$(
                    assert_eq!($get(v), slow::$get(v), "{}", stringify!($get));
                    assert_eq!($put($get(v)), v);
                    assert_eq!(slow::$put(slow::$get(v)), v);
                )*};
            }
            same!(i8s from_i8s, u8s from_u8s, i16s from_i16s, u16s from_u16s, i32s from_i32s,
                u32s from_u32s, i64s from_i64s, u64s from_u64s);
            assert_eq!(f32s(v).map(f32::to_bits), slow::f32s(v).map(f32::to_bits));
            assert_eq!(f64s(v).map(f64::to_bits), slow::f64s(v).map(f64::to_bits));
            assert_eq!(from_f32s(f32s(v)), v);
            assert_eq!(from_f64s(f64s(v)), v);
            assert_eq!(slow::from_f32s(slow::f32s(v)), v);
            assert_eq!(slow::from_f64s(slow::f64s(v)), v);
            // Lane 0 is the low bits, as memory's first bytes are.
            assert_eq!(u8s(v), x.to_le_bytes());
            assert_eq!(v.to_le_bytes(), x.to_le_bytes());
            x = x
                .rotate_left(17)
                .wrapping_mul(0x2545_f491_4f6c_dd1d_9e37_79b9_7f4a_7c15)
                ^ 1;
        }
    }

    #[test]
    fn the_operators_by_discriminant() {
        for (i, op) in MemOp::ALL.iter().enumerate() {
            assert_eq!(*op as usize, i);
        }
        // (Every operator: the last one is the last of the list.)
        assert_eq!(MemOp::Store64Lane as usize, MemOp::ALL.len() - 1);
    }

    #[test]
    fn narrow_saturates() {
        let a = from_i16s([300, -300, 5, 0, 0, 0, 0, 0]);
        let r = i8s(binary(SimdOp::I8x16NarrowI16x8S, a, V128::default()));
        assert_eq!(&r[..3], &[127, -128, 5]);
    }
}
