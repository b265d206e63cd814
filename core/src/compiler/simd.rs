//! SIMD (`v128`) operators → Cranelift IR. A `v128` is an `I8X16` value on the
//! translator's stack (bitcast to the lane type an operator works on, and back).
//!
//! Almost every operator of WebAssembly's fixed-width SIMD maps to one Cranelift
//! instruction (or a short sequence) whose semantics already are WebAssembly's:
//!
//! - vector shifts take a scalar amount modulo the lane width (`ishl`, `sshr`, `ushr`);
//! - `swizzle` gives 0 for an index outside `0..16`, as `i8x16.swizzle`;
//! - `fmin`/`fmax` propagate NaN and order `-0 < +0` per lane;
//! - `snarrow`/`unarrow` read their lanes as signed and saturate to the narrower signed or
//!   unsigned range, as `narrow_s`/`narrow_u`;
//! - `fcvt_to_sint_sat`/`fcvt_to_uint_sat` saturate and give 0 for NaN per lane;
//! - `vhigh_bits` gathers the lanes' sign bits, lane 0 in bit 0, as `bitmask`.
//!
//! Comparisons give lane masks (all ones or all zeros per lane) of the integer type as
//! wide as the operands' lanes, as WebAssembly's do.
//!
//! A few operators are built from a particular *pattern* of instructions because that is
//! the form the backends lower (Cranelift has no general lowering of, e.g., `uunarrow`
//! from `I64X2` on x86-64): `trunc_sat_f64x2_s/u_zero` are a saturating conversion to
//! `I64X2` narrowed with a zero vector constant, `convert_low_i32x4_u` an unsigned
//! conversion of `uwiden_low`, `dot` and `extadd_pairwise` an `iadd_pairwise` of widened
//! halves. These are also wasmtime's translations.
//!
//! Memory accesses go through [`Env::heap_address`], which checks bounds (trapping) and
//! gives a native address; the access itself then cannot fault (`notrap`), and is
//! little-endian as WebAssembly's memory is.

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::types::{F32X4, F64X2, I16, I16X8, I32, I32X4, I64X2, I8, I8X16};
use cranelift_codegen::ir::{ConstantData, Endianness, InstBuilder, MemFlagsData, Type, Value};
use cranelift_frontend::FunctionBuilder;
use wasmparser::{MemArg, Operator};

use super::ops::Env;

/// Translates `op` if it is a SIMD operator (`v128` constants, lane operations,
/// arithmetic, comparisons, conversions, loads and stores): pops its operands off
/// `stack`, pushes its result. Returns `false` (and changes nothing) for any other
/// operator.
pub(super) fn simd(
    op: &Operator<'_>,
    b: &mut FunctionBuilder<'_>,
    stack: &mut Vec<Value>,
    env: &mut dyn Env,
) -> bool {
    use Operator as O;
    match *op {
        // ---- Constants.
        O::V128Const { value } => {
            let v = vconst(b, I8X16, value.bytes());
            stack.push(v);
        }

        // ---- Loads and stores.
        O::V128Load { memarg } => load(b, stack, env, &memarg, 16, |b, at, mf| {
            b.ins().load(I8X16, mf, at, 0)
        }),
        O::V128Store { memarg } => {
            let v = pop(stack);
            let at = address(b, stack, env, &memarg, 16);
            b.ins().store(env.access_flags(16), v, at, 0);
        }
        // Extending loads: 8 bytes, each half-lane widened.
        O::V128Load8x8S { memarg } => load(b, stack, env, &memarg, 8, |b, at, mf| {
            b.ins().sload8x8(mf, at, 0)
        }),
        O::V128Load8x8U { memarg } => load(b, stack, env, &memarg, 8, |b, at, mf| {
            b.ins().uload8x8(mf, at, 0)
        }),
        O::V128Load16x4S { memarg } => load(b, stack, env, &memarg, 8, |b, at, mf| {
            b.ins().sload16x4(mf, at, 0)
        }),
        O::V128Load16x4U { memarg } => load(b, stack, env, &memarg, 8, |b, at, mf| {
            b.ins().uload16x4(mf, at, 0)
        }),
        O::V128Load32x2S { memarg } => load(b, stack, env, &memarg, 8, |b, at, mf| {
            b.ins().sload32x2(mf, at, 0)
        }),
        O::V128Load32x2U { memarg } => load(b, stack, env, &memarg, 8, |b, at, mf| {
            b.ins().uload32x2(mf, at, 0)
        }),
        // One lane loaded, then copied to every lane.
        O::V128Load8Splat { memarg } => load_splat(b, stack, env, &memarg, I8X16),
        O::V128Load16Splat { memarg } => load_splat(b, stack, env, &memarg, I16X8),
        O::V128Load32Splat { memarg } => load_splat(b, stack, env, &memarg, I32X4),
        O::V128Load64Splat { memarg } => load_splat(b, stack, env, &memarg, I64X2),
        // One lane loaded into lane 0, the other lanes zero.
        O::V128Load32Zero { memarg } => load_zero(b, stack, env, &memarg, I32X4),
        O::V128Load64Zero { memarg } => load_zero(b, stack, env, &memarg, I64X2),
        // One lane loaded into lane `lane` of the vector operand.
        O::V128Load8Lane { memarg, lane } => load_lane(b, stack, env, &memarg, I8X16, lane),
        O::V128Load16Lane { memarg, lane } => load_lane(b, stack, env, &memarg, I16X8, lane),
        O::V128Load32Lane { memarg, lane } => load_lane(b, stack, env, &memarg, I32X4, lane),
        O::V128Load64Lane { memarg, lane } => load_lane(b, stack, env, &memarg, I64X2, lane),
        // Lane `lane` of the vector operand stored.
        O::V128Store8Lane { memarg, lane } => store_lane(b, stack, env, &memarg, I8X16, lane),
        O::V128Store16Lane { memarg, lane } => store_lane(b, stack, env, &memarg, I16X8, lane),
        O::V128Store32Lane { memarg, lane } => store_lane(b, stack, env, &memarg, I32X4, lane),
        O::V128Store64Lane { memarg, lane } => store_lane(b, stack, env, &memarg, I64X2, lane),

        // ---- Lane rearrangements. `shuffle` picks from the 32 bytes of both operands by
        // an immediate index (valid indices are below 32); `swizzle` from the first by the
        // second's bytes, 0 for an index of 16 or more, as WebAssembly's.
        O::I8x16Shuffle { lanes } => binary(b, stack, I8X16, |b, x, y| {
            let mask = b.func.dfg.immediates.push(ConstantData::from(&lanes[..]));
            b.ins().shuffle(x, y, mask)
        }),
        O::I8x16Swizzle | O::I8x16RelaxedSwizzle => {
            binary(b, stack, I8X16, |b, x, y| b.ins().swizzle(x, y))
        }

        // ---- Splats: the scalar (narrowed for the 8- and 16-bit lanes) in every lane.
        O::I8x16Splat => splat(b, stack, I8X16),
        O::I16x8Splat => splat(b, stack, I16X8),
        O::I32x4Splat => splat(b, stack, I32X4),
        O::I64x2Splat => splat(b, stack, I64X2),
        O::F32x4Splat => splat(b, stack, F32X4),
        O::F64x2Splat => splat(b, stack, F64X2),

        // ---- Lane extraction (8- and 16-bit lanes sign- or zero-extended to `i32`).
        O::I8x16ExtractLaneS { lane } => extract_lane(b, stack, I8X16, lane, Some(Sign::Signed)),
        O::I8x16ExtractLaneU { lane } => extract_lane(b, stack, I8X16, lane, Some(Sign::Unsigned)),
        O::I16x8ExtractLaneS { lane } => extract_lane(b, stack, I16X8, lane, Some(Sign::Signed)),
        O::I16x8ExtractLaneU { lane } => extract_lane(b, stack, I16X8, lane, Some(Sign::Unsigned)),
        O::I32x4ExtractLane { lane } => extract_lane(b, stack, I32X4, lane, None),
        O::I64x2ExtractLane { lane } => extract_lane(b, stack, I64X2, lane, None),
        O::F32x4ExtractLane { lane } => extract_lane(b, stack, F32X4, lane, None),
        O::F64x2ExtractLane { lane } => extract_lane(b, stack, F64X2, lane, None),

        // ---- Lane replacement (8- and 16-bit lanes take the scalar's low bits).
        O::I8x16ReplaceLane { lane } => replace_lane(b, stack, I8X16, lane),
        O::I16x8ReplaceLane { lane } => replace_lane(b, stack, I16X8, lane),
        O::I32x4ReplaceLane { lane } => replace_lane(b, stack, I32X4, lane),
        O::I64x2ReplaceLane { lane } => replace_lane(b, stack, I64X2, lane),
        O::F32x4ReplaceLane { lane } => replace_lane(b, stack, F32X4, lane),
        O::F64x2ReplaceLane { lane } => replace_lane(b, stack, F64X2, lane),

        // ---- Integer comparisons: lane masks.
        O::I8x16Eq => icmp(b, stack, I8X16, IntCC::Equal),
        O::I8x16Ne => icmp(b, stack, I8X16, IntCC::NotEqual),
        O::I8x16LtS => icmp(b, stack, I8X16, IntCC::SignedLessThan),
        O::I8x16LtU => icmp(b, stack, I8X16, IntCC::UnsignedLessThan),
        O::I8x16GtS => icmp(b, stack, I8X16, IntCC::SignedGreaterThan),
        O::I8x16GtU => icmp(b, stack, I8X16, IntCC::UnsignedGreaterThan),
        O::I8x16LeS => icmp(b, stack, I8X16, IntCC::SignedLessThanOrEqual),
        O::I8x16LeU => icmp(b, stack, I8X16, IntCC::UnsignedLessThanOrEqual),
        O::I8x16GeS => icmp(b, stack, I8X16, IntCC::SignedGreaterThanOrEqual),
        O::I8x16GeU => icmp(b, stack, I8X16, IntCC::UnsignedGreaterThanOrEqual),
        O::I16x8Eq => icmp(b, stack, I16X8, IntCC::Equal),
        O::I16x8Ne => icmp(b, stack, I16X8, IntCC::NotEqual),
        O::I16x8LtS => icmp(b, stack, I16X8, IntCC::SignedLessThan),
        O::I16x8LtU => icmp(b, stack, I16X8, IntCC::UnsignedLessThan),
        O::I16x8GtS => icmp(b, stack, I16X8, IntCC::SignedGreaterThan),
        O::I16x8GtU => icmp(b, stack, I16X8, IntCC::UnsignedGreaterThan),
        O::I16x8LeS => icmp(b, stack, I16X8, IntCC::SignedLessThanOrEqual),
        O::I16x8LeU => icmp(b, stack, I16X8, IntCC::UnsignedLessThanOrEqual),
        O::I16x8GeS => icmp(b, stack, I16X8, IntCC::SignedGreaterThanOrEqual),
        O::I16x8GeU => icmp(b, stack, I16X8, IntCC::UnsignedGreaterThanOrEqual),
        O::I32x4Eq => icmp(b, stack, I32X4, IntCC::Equal),
        O::I32x4Ne => icmp(b, stack, I32X4, IntCC::NotEqual),
        O::I32x4LtS => icmp(b, stack, I32X4, IntCC::SignedLessThan),
        O::I32x4LtU => icmp(b, stack, I32X4, IntCC::UnsignedLessThan),
        O::I32x4GtS => icmp(b, stack, I32X4, IntCC::SignedGreaterThan),
        O::I32x4GtU => icmp(b, stack, I32X4, IntCC::UnsignedGreaterThan),
        O::I32x4LeS => icmp(b, stack, I32X4, IntCC::SignedLessThanOrEqual),
        O::I32x4LeU => icmp(b, stack, I32X4, IntCC::UnsignedLessThanOrEqual),
        O::I32x4GeS => icmp(b, stack, I32X4, IntCC::SignedGreaterThanOrEqual),
        O::I32x4GeU => icmp(b, stack, I32X4, IntCC::UnsignedGreaterThanOrEqual),
        // (`i64x2` has only the signed orderings.)
        O::I64x2Eq => icmp(b, stack, I64X2, IntCC::Equal),
        O::I64x2Ne => icmp(b, stack, I64X2, IntCC::NotEqual),
        O::I64x2LtS => icmp(b, stack, I64X2, IntCC::SignedLessThan),
        O::I64x2GtS => icmp(b, stack, I64X2, IntCC::SignedGreaterThan),
        O::I64x2LeS => icmp(b, stack, I64X2, IntCC::SignedLessThanOrEqual),
        O::I64x2GeS => icmp(b, stack, I64X2, IntCC::SignedGreaterThanOrEqual),

        // ---- Float comparisons: lane masks; false for NaN except `ne` ("unordered or
        // not equal"), as the scalar ones.
        O::F32x4Eq => fcmp(b, stack, F32X4, FloatCC::Equal),
        O::F32x4Ne => fcmp(b, stack, F32X4, FloatCC::NotEqual),
        O::F32x4Lt => fcmp(b, stack, F32X4, FloatCC::LessThan),
        O::F32x4Gt => fcmp(b, stack, F32X4, FloatCC::GreaterThan),
        O::F32x4Le => fcmp(b, stack, F32X4, FloatCC::LessThanOrEqual),
        O::F32x4Ge => fcmp(b, stack, F32X4, FloatCC::GreaterThanOrEqual),
        O::F64x2Eq => fcmp(b, stack, F64X2, FloatCC::Equal),
        O::F64x2Ne => fcmp(b, stack, F64X2, FloatCC::NotEqual),
        O::F64x2Lt => fcmp(b, stack, F64X2, FloatCC::LessThan),
        O::F64x2Gt => fcmp(b, stack, F64X2, FloatCC::GreaterThan),
        O::F64x2Le => fcmp(b, stack, F64X2, FloatCC::LessThanOrEqual),
        O::F64x2Ge => fcmp(b, stack, F64X2, FloatCC::GreaterThanOrEqual),

        // ---- Bitwise operators (on the 128 bits: the lane type does not matter).
        O::V128Not => unary(b, stack, I8X16, |b, x| b.ins().bnot(x)),
        O::V128And => binary(b, stack, I8X16, |b, x, y| b.ins().band(x, y)),
        // `x & !y`.
        O::V128AndNot => binary(b, stack, I8X16, |b, x, y| b.ins().band_not(x, y)),
        O::V128Or => binary(b, stack, I8X16, |b, x, y| b.ins().bor(x, y)),
        O::V128Xor => binary(b, stack, I8X16, |b, x, y| b.ins().bxor(x, y)),
        // `(x & c) | (y & !c)`: Cranelift's operand order is `c, x, y`.
        // Relaxed lane selects: `bitselect` (the deterministic choice, as the interpreter).
        O::V128Bitselect
        | O::I8x16RelaxedLaneselect
        | O::I16x8RelaxedLaneselect
        | O::I32x4RelaxedLaneselect
        | O::I64x2RelaxedLaneselect => {
            let c = pop(stack);
            let y = pop(stack);
            let x = pop(stack);
            let r = b.ins().bitselect(c, x, y);
            stack.push(r);
        }

        // ---- Reductions to an `i32`.
        O::V128AnyTrue => to_scalar(b, stack, I8X16, |b, x| {
            let t = b.ins().vany_true(x);
            b.ins().uextend(I32, t)
        }),
        O::I8x16AllTrue => all_true(b, stack, I8X16),
        O::I16x8AllTrue => all_true(b, stack, I16X8),
        O::I32x4AllTrue => all_true(b, stack, I32X4),
        O::I64x2AllTrue => all_true(b, stack, I64X2),
        O::I8x16Bitmask => bitmask(b, stack, I8X16),
        O::I16x8Bitmask => bitmask(b, stack, I16X8),
        O::I32x4Bitmask => bitmask(b, stack, I32X4),
        O::I64x2Bitmask => bitmask(b, stack, I64X2),

        // ---- Integer unary operators. `abs` of the minimum is the minimum, as `iabs`.
        O::I8x16Abs => unary(b, stack, I8X16, |b, x| b.ins().iabs(x)),
        O::I16x8Abs => unary(b, stack, I16X8, |b, x| b.ins().iabs(x)),
        O::I32x4Abs => unary(b, stack, I32X4, |b, x| b.ins().iabs(x)),
        O::I64x2Abs => unary(b, stack, I64X2, |b, x| b.ins().iabs(x)),
        O::I8x16Neg => unary(b, stack, I8X16, |b, x| b.ins().ineg(x)),
        O::I16x8Neg => unary(b, stack, I16X8, |b, x| b.ins().ineg(x)),
        O::I32x4Neg => unary(b, stack, I32X4, |b, x| b.ins().ineg(x)),
        O::I64x2Neg => unary(b, stack, I64X2, |b, x| b.ins().ineg(x)),
        O::I8x16Popcnt => unary(b, stack, I8X16, |b, x| b.ins().popcnt(x)),

        // ---- Narrowing: both operands' lanes (read as signed) saturated to half the
        // width, the first operand's in the low half of the result.
        O::I8x16NarrowI16x8S => binary(b, stack, I16X8, |b, x, y| b.ins().snarrow(x, y)),
        O::I8x16NarrowI16x8U => binary(b, stack, I16X8, |b, x, y| b.ins().unarrow(x, y)),
        O::I16x8NarrowI32x4S => binary(b, stack, I32X4, |b, x, y| b.ins().snarrow(x, y)),
        O::I16x8NarrowI32x4U => binary(b, stack, I32X4, |b, x, y| b.ins().unarrow(x, y)),

        // ---- Widening: the low or high half of the lanes, extended to twice the width.
        O::I16x8ExtendLowI8x16S => unary(b, stack, I8X16, |b, x| b.ins().swiden_low(x)),
        O::I16x8ExtendHighI8x16S => unary(b, stack, I8X16, |b, x| b.ins().swiden_high(x)),
        O::I16x8ExtendLowI8x16U => unary(b, stack, I8X16, |b, x| b.ins().uwiden_low(x)),
        O::I16x8ExtendHighI8x16U => unary(b, stack, I8X16, |b, x| b.ins().uwiden_high(x)),
        O::I32x4ExtendLowI16x8S => unary(b, stack, I16X8, |b, x| b.ins().swiden_low(x)),
        O::I32x4ExtendHighI16x8S => unary(b, stack, I16X8, |b, x| b.ins().swiden_high(x)),
        O::I32x4ExtendLowI16x8U => unary(b, stack, I16X8, |b, x| b.ins().uwiden_low(x)),
        O::I32x4ExtendHighI16x8U => unary(b, stack, I16X8, |b, x| b.ins().uwiden_high(x)),
        O::I64x2ExtendLowI32x4S => unary(b, stack, I32X4, |b, x| b.ins().swiden_low(x)),
        O::I64x2ExtendHighI32x4S => unary(b, stack, I32X4, |b, x| b.ins().swiden_high(x)),
        O::I64x2ExtendLowI32x4U => unary(b, stack, I32X4, |b, x| b.ins().uwiden_low(x)),
        O::I64x2ExtendHighI32x4U => unary(b, stack, I32X4, |b, x| b.ins().uwiden_high(x)),

        // ---- Pairwise sums of adjacent lanes, widened (cannot overflow).
        O::I16x8ExtAddPairwiseI8x16S => {
            unary(b, stack, I8X16, |b, x| extadd_pairwise(b, x, Sign::Signed))
        }
        O::I16x8ExtAddPairwiseI8x16U => unary(b, stack, I8X16, |b, x| {
            extadd_pairwise(b, x, Sign::Unsigned)
        }),
        O::I32x4ExtAddPairwiseI16x8S => {
            unary(b, stack, I16X8, |b, x| extadd_pairwise(b, x, Sign::Signed))
        }
        O::I32x4ExtAddPairwiseI16x8U => unary(b, stack, I16X8, |b, x| {
            extadd_pairwise(b, x, Sign::Unsigned)
        }),

        // ---- Extended multiplications: the low or high halves widened, then
        // multiplied (exactly: the product fits the wider lane).
        O::I16x8ExtMulLowI8x16S => extmul(b, stack, I8X16, Half::Low, Sign::Signed),
        O::I16x8ExtMulHighI8x16S => extmul(b, stack, I8X16, Half::High, Sign::Signed),
        O::I16x8ExtMulLowI8x16U => extmul(b, stack, I8X16, Half::Low, Sign::Unsigned),
        O::I16x8ExtMulHighI8x16U => extmul(b, stack, I8X16, Half::High, Sign::Unsigned),
        O::I32x4ExtMulLowI16x8S => extmul(b, stack, I16X8, Half::Low, Sign::Signed),
        O::I32x4ExtMulHighI16x8S => extmul(b, stack, I16X8, Half::High, Sign::Signed),
        O::I32x4ExtMulLowI16x8U => extmul(b, stack, I16X8, Half::Low, Sign::Unsigned),
        O::I32x4ExtMulHighI16x8U => extmul(b, stack, I16X8, Half::High, Sign::Unsigned),
        O::I64x2ExtMulLowI32x4S => extmul(b, stack, I32X4, Half::Low, Sign::Signed),
        O::I64x2ExtMulHighI32x4S => extmul(b, stack, I32X4, Half::High, Sign::Signed),
        O::I64x2ExtMulLowI32x4U => extmul(b, stack, I32X4, Half::Low, Sign::Unsigned),
        O::I64x2ExtMulHighI32x4U => extmul(b, stack, I32X4, Half::High, Sign::Unsigned),

        // ---- `i32x4.dot_i16x8_s`: sums of adjacent signed 16-bit products. The one
        // overflowing case, `2 * (-2^15)^2 = 2^31`, wraps to `-2^31`, as WebAssembly's.
        O::I32x4DotI16x8S => binary(b, stack, I16X8, |b, x, y| {
            let x_low = b.ins().swiden_low(x);
            let y_low = b.ins().swiden_low(y);
            let low = b.ins().imul(x_low, y_low);
            let x_high = b.ins().swiden_high(x);
            let y_high = b.ins().swiden_high(y);
            let high = b.ins().imul(x_high, y_high);
            b.ins().iadd_pairwise(low, high)
        }),

        // ---- `q15mulr_sat_s`: `sat((x * y + 2^14) >> 15)`.
        O::I16x8Q15MulrSatS | O::I16x8RelaxedQ15mulrS => {
            binary(b, stack, I16X8, |b, x, y| b.ins().sqmul_round_sat(x, y))
        }

        // ---- Relaxed SIMD's other operators, each with the interpreter's deterministic
        // choice: fused multiply-add; dot products of signed bytes, pairs added with
        // signed saturation (then pairwise into `i32` lanes and the accumulator).
        O::F32x4RelaxedMadd => madd(b, stack, F32X4, false),
        O::F32x4RelaxedNmadd => madd(b, stack, F32X4, true),
        O::F64x2RelaxedMadd => madd(b, stack, F64X2, false),
        O::F64x2RelaxedNmadd => madd(b, stack, F64X2, true),
        O::I16x8RelaxedDotI8x16I7x16S => binary(b, stack, I8X16, relaxed_dot_i16),
        O::I32x4RelaxedDotI8x16I7x16AddS => {
            let acc = pop_as(b, stack, I32X4);
            let y = pop_as(b, stack, I8X16);
            let x = pop_as(b, stack, I8X16);
            let d = relaxed_dot_i16(b, x, y);
            let wide = extadd_pairwise(b, d, Sign::Signed);
            let r = b.ins().iadd(wide, acc);
            let r = to_v128(b, r);
            stack.push(r);
        }

        // ---- Shifts: a vector by an `i32` amount, taken modulo the lane width.
        O::I8x16Shl => shift(b, stack, I8X16, |b, x, n| b.ins().ishl(x, n)),
        O::I8x16ShrS => shift(b, stack, I8X16, |b, x, n| b.ins().sshr(x, n)),
        O::I8x16ShrU => shift(b, stack, I8X16, |b, x, n| b.ins().ushr(x, n)),
        O::I16x8Shl => shift(b, stack, I16X8, |b, x, n| b.ins().ishl(x, n)),
        O::I16x8ShrS => shift(b, stack, I16X8, |b, x, n| b.ins().sshr(x, n)),
        O::I16x8ShrU => shift(b, stack, I16X8, |b, x, n| b.ins().ushr(x, n)),
        O::I32x4Shl => shift(b, stack, I32X4, |b, x, n| b.ins().ishl(x, n)),
        O::I32x4ShrS => shift(b, stack, I32X4, |b, x, n| b.ins().sshr(x, n)),
        O::I32x4ShrU => shift(b, stack, I32X4, |b, x, n| b.ins().ushr(x, n)),
        O::I64x2Shl => shift(b, stack, I64X2, |b, x, n| b.ins().ishl(x, n)),
        O::I64x2ShrS => shift(b, stack, I64X2, |b, x, n| b.ins().sshr(x, n)),
        O::I64x2ShrU => shift(b, stack, I64X2, |b, x, n| b.ins().ushr(x, n)),

        // ---- Integer arithmetic (wrapping, or saturating for `_sat`).
        O::I8x16Add => binary(b, stack, I8X16, |b, x, y| b.ins().iadd(x, y)),
        O::I16x8Add => binary(b, stack, I16X8, |b, x, y| b.ins().iadd(x, y)),
        O::I32x4Add => binary(b, stack, I32X4, |b, x, y| b.ins().iadd(x, y)),
        O::I64x2Add => binary(b, stack, I64X2, |b, x, y| b.ins().iadd(x, y)),
        O::I8x16Sub => binary(b, stack, I8X16, |b, x, y| b.ins().isub(x, y)),
        O::I16x8Sub => binary(b, stack, I16X8, |b, x, y| b.ins().isub(x, y)),
        O::I32x4Sub => binary(b, stack, I32X4, |b, x, y| b.ins().isub(x, y)),
        O::I64x2Sub => binary(b, stack, I64X2, |b, x, y| b.ins().isub(x, y)),
        O::I16x8Mul => binary(b, stack, I16X8, |b, x, y| b.ins().imul(x, y)),
        O::I32x4Mul => binary(b, stack, I32X4, |b, x, y| b.ins().imul(x, y)),
        O::I64x2Mul => binary(b, stack, I64X2, |b, x, y| b.ins().imul(x, y)),
        O::I8x16AddSatS => binary(b, stack, I8X16, |b, x, y| b.ins().sadd_sat(x, y)),
        O::I8x16AddSatU => binary(b, stack, I8X16, |b, x, y| b.ins().uadd_sat(x, y)),
        O::I16x8AddSatS => binary(b, stack, I16X8, |b, x, y| b.ins().sadd_sat(x, y)),
        O::I16x8AddSatU => binary(b, stack, I16X8, |b, x, y| b.ins().uadd_sat(x, y)),
        O::I8x16SubSatS => binary(b, stack, I8X16, |b, x, y| b.ins().ssub_sat(x, y)),
        O::I8x16SubSatU => binary(b, stack, I8X16, |b, x, y| b.ins().usub_sat(x, y)),
        O::I16x8SubSatS => binary(b, stack, I16X8, |b, x, y| b.ins().ssub_sat(x, y)),
        O::I16x8SubSatU => binary(b, stack, I16X8, |b, x, y| b.ins().usub_sat(x, y)),
        O::I8x16MinS => binary(b, stack, I8X16, |b, x, y| b.ins().smin(x, y)),
        O::I8x16MinU => binary(b, stack, I8X16, |b, x, y| b.ins().umin(x, y)),
        O::I8x16MaxS => binary(b, stack, I8X16, |b, x, y| b.ins().smax(x, y)),
        O::I8x16MaxU => binary(b, stack, I8X16, |b, x, y| b.ins().umax(x, y)),
        O::I16x8MinS => binary(b, stack, I16X8, |b, x, y| b.ins().smin(x, y)),
        O::I16x8MinU => binary(b, stack, I16X8, |b, x, y| b.ins().umin(x, y)),
        O::I16x8MaxS => binary(b, stack, I16X8, |b, x, y| b.ins().smax(x, y)),
        O::I16x8MaxU => binary(b, stack, I16X8, |b, x, y| b.ins().umax(x, y)),
        O::I32x4MinS => binary(b, stack, I32X4, |b, x, y| b.ins().smin(x, y)),
        O::I32x4MinU => binary(b, stack, I32X4, |b, x, y| b.ins().umin(x, y)),
        O::I32x4MaxS => binary(b, stack, I32X4, |b, x, y| b.ins().smax(x, y)),
        O::I32x4MaxU => binary(b, stack, I32X4, |b, x, y| b.ins().umax(x, y)),
        // `(x + y + 1) / 2` without overflow.
        O::I8x16AvgrU => binary(b, stack, I8X16, |b, x, y| b.ins().avg_round(x, y)),
        O::I16x8AvgrU => binary(b, stack, I16X8, |b, x, y| b.ins().avg_round(x, y)),

        // ---- Float arithmetic, per lane as the scalar operators.
        O::F32x4Ceil => unary(b, stack, F32X4, |b, x| b.ins().ceil(x)),
        O::F32x4Floor => unary(b, stack, F32X4, |b, x| b.ins().floor(x)),
        O::F32x4Trunc => unary(b, stack, F32X4, |b, x| b.ins().trunc(x)),
        O::F32x4Nearest => unary(b, stack, F32X4, |b, x| b.ins().nearest(x)),
        O::F32x4Abs => unary(b, stack, F32X4, |b, x| b.ins().fabs(x)),
        O::F32x4Neg => unary(b, stack, F32X4, |b, x| b.ins().fneg(x)),
        O::F32x4Sqrt => unary(b, stack, F32X4, |b, x| b.ins().sqrt(x)),
        O::F32x4Add => binary(b, stack, F32X4, |b, x, y| b.ins().fadd(x, y)),
        O::F32x4Sub => binary(b, stack, F32X4, |b, x, y| b.ins().fsub(x, y)),
        O::F32x4Mul => binary(b, stack, F32X4, |b, x, y| b.ins().fmul(x, y)),
        O::F32x4Div => binary(b, stack, F32X4, |b, x, y| b.ins().fdiv(x, y)),
        O::F32x4Min => binary(b, stack, F32X4, |b, x, y| b.ins().fmin(x, y)),
        O::F32x4Max => binary(b, stack, F32X4, |b, x, y| b.ins().fmax(x, y)),
        O::F32x4RelaxedMin => relaxed_min_max(b, stack, F32X4, false),
        O::F32x4RelaxedMax => relaxed_min_max(b, stack, F32X4, true),
        O::F32x4PMin => binary(b, stack, F32X4, pmin),
        O::F32x4PMax => binary(b, stack, F32X4, pmax),
        O::F64x2Ceil => unary(b, stack, F64X2, |b, x| b.ins().ceil(x)),
        O::F64x2Floor => unary(b, stack, F64X2, |b, x| b.ins().floor(x)),
        O::F64x2Trunc => unary(b, stack, F64X2, |b, x| b.ins().trunc(x)),
        O::F64x2Nearest => unary(b, stack, F64X2, |b, x| b.ins().nearest(x)),
        O::F64x2Abs => unary(b, stack, F64X2, |b, x| b.ins().fabs(x)),
        O::F64x2Neg => unary(b, stack, F64X2, |b, x| b.ins().fneg(x)),
        O::F64x2Sqrt => unary(b, stack, F64X2, |b, x| b.ins().sqrt(x)),
        O::F64x2Add => binary(b, stack, F64X2, |b, x, y| b.ins().fadd(x, y)),
        O::F64x2Sub => binary(b, stack, F64X2, |b, x, y| b.ins().fsub(x, y)),
        O::F64x2Mul => binary(b, stack, F64X2, |b, x, y| b.ins().fmul(x, y)),
        O::F64x2Div => binary(b, stack, F64X2, |b, x, y| b.ins().fdiv(x, y)),
        O::F64x2Min => binary(b, stack, F64X2, |b, x, y| b.ins().fmin(x, y)),
        O::F64x2Max => binary(b, stack, F64X2, |b, x, y| b.ins().fmax(x, y)),
        O::F64x2RelaxedMin => relaxed_min_max(b, stack, F64X2, false),
        O::F64x2RelaxedMax => relaxed_min_max(b, stack, F64X2, true),
        O::F64x2PMin => binary(b, stack, F64X2, pmin),
        O::F64x2PMax => binary(b, stack, F64X2, pmax),

        // ---- Conversions.
        // Relaxed truncations: the saturating ones (the deterministic choice).
        O::I32x4TruncSatF32x4S | O::I32x4RelaxedTruncF32x4S => {
            unary(b, stack, F32X4, |b, x| b.ins().fcvt_to_sint_sat(I32X4, x))
        }
        O::I32x4TruncSatF32x4U | O::I32x4RelaxedTruncF32x4U => {
            unary(b, stack, F32X4, |b, x| b.ins().fcvt_to_uint_sat(I32X4, x))
        }
        // Converted to `i64x2` (saturating, NaN to 0), then narrowed to 32 bits with a
        // zero vector for lanes 2 and 3, saturating again: a value outside the `i32`
        // (`u32`) range ends at that range's bound either way. This exact form is what the
        // x86-64 backend lowers (it has no general `I64X2` `snarrow`/`uunarrow`).
        O::I32x4TruncSatF64x2SZero | O::I32x4RelaxedTruncF64x2SZero => {
            unary(b, stack, F64X2, |b, x| {
                let wide = b.ins().fcvt_to_sint_sat(I64X2, x);
                let zero = vconst(b, I64X2, &[0; 16]);
                b.ins().snarrow(wide, zero)
            })
        }
        O::I32x4TruncSatF64x2UZero | O::I32x4RelaxedTruncF64x2UZero => {
            unary(b, stack, F64X2, |b, x| {
                let wide = b.ins().fcvt_to_uint_sat(I64X2, x);
                let zero = vconst(b, I64X2, &[0; 16]);
                b.ins().uunarrow(wide, zero)
            })
        }
        O::F32x4ConvertI32x4S => unary(b, stack, I32X4, |b, x| b.ins().fcvt_from_sint(F32X4, x)),
        O::F32x4ConvertI32x4U => unary(b, stack, I32X4, |b, x| b.ins().fcvt_from_uint(F32X4, x)),
        // The two low lanes widened to `i64x2`, then converted (exactly: every `i32` is an
        // `f64`).
        O::F64x2ConvertLowI32x4S => unary(b, stack, I32X4, |b, x| {
            let wide = b.ins().swiden_low(x);
            b.ins().fcvt_from_sint(F64X2, wide)
        }),
        O::F64x2ConvertLowI32x4U => unary(b, stack, I32X4, |b, x| {
            let wide = b.ins().uwiden_low(x);
            b.ins().fcvt_from_uint(F64X2, wide)
        }),
        // Both lanes to `f32` (nearest, ties to even) in lanes 0 and 1, lanes 2 and 3 zero.
        O::F32x4DemoteF64x2Zero => unary(b, stack, F64X2, |b, x| b.ins().fvdemote(x)),
        // Lanes 0 and 1 to `f64` (exact).
        O::F64x2PromoteLowF32x4 => unary(b, stack, F32X4, |b, x| b.ins().fvpromote_low(x)),

        _ => return false,
    }
    true
}

// ---- Values and types ---------------------------------------------------------------

/// Signedness of an extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sign {
    Signed,
    Unsigned,
}

/// A half of a vector's lanes: the low-numbered or the high-numbered ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Half {
    Low,
    High,
}

/// `v` as a value of vector type `ty` (same bits). Bitcasts between vector types with
/// different lane counts must state the byte order: lanes are laid out little-endian,
/// as in memory, which is what makes `v128`'s lanes agree between lane types.
fn cast(b: &mut FunctionBuilder<'_>, v: Value, ty: Type) -> Value {
    if b.func.dfg.value_type(v) == ty {
        v
    } else {
        let flags = MemFlagsData::new().with_endianness(Endianness::Little);
        b.ins().bitcast(ty, flags, v)
    }
}

/// `v` (a vector of any lane type) as a `v128`: an `I8X16`.
fn to_v128(b: &mut FunctionBuilder<'_>, v: Value) -> Value {
    cast(b, v, I8X16)
}

/// A vector constant of type `ty` with the 16 bytes `bytes` (lane 0 first, each lane
/// little-endian).
fn vconst(b: &mut FunctionBuilder<'_>, ty: Type, bytes: &[u8]) -> Value {
    let c = b.func.dfg.constants.insert(bytes.to_vec().into());
    b.ins().vconst(ty, c)
}

// ---- Operand stack helpers ----------------------------------------------------------

/// Pops the top of the operand stack (present in a validated function).
fn pop(stack: &mut Vec<Value>) -> Value {
    stack
        .pop()
        .expect("operand stack underflow: the function was validated")
}

/// Pops a `v128` as type `ty`.
fn pop_as(b: &mut FunctionBuilder<'_>, stack: &mut Vec<Value>, ty: Type) -> Value {
    let v = pop(stack);
    cast(b, v, ty)
}

/// Relaxed `min` (or, with `max`, `max`) of float vector type `ty`: as `min`/`max`, with
/// the canonical NaN for a NaN (the interpreter's choice too).
fn relaxed_min_max(b: &mut FunctionBuilder<'_>, stack: &mut Vec<Value>, ty: Type, max: bool) {
    binary(b, stack, ty, |b, x, y| {
        let r = if max {
            b.ins().fmax(x, y)
        } else {
            b.ins().fmin(x, y)
        };
        canonical_nan(b, r, ty)
    })
}

/// `r` (of float vector type `ty`) with each NaN lane replaced by the canonical NaN.
fn canonical_nan(b: &mut FunctionBuilder<'_>, r: Value, ty: Type) -> Value {
    let nan = b.ins().fcmp(FloatCC::Unordered, r, r);
    let bytes: Vec<u8> = if ty == F32X4 {
        (0..4).flat_map(|_| 0x7fc0_0000u32.to_le_bytes()).collect()
    } else {
        (0..2)
            .flat_map(|_| 0x7ff8_0000_0000_0000u64.to_le_bytes())
            .collect()
    };
    let canonical = vconst(b, ty, &bytes);
    let mask = cast(b, nan, ty);
    b.ins().bitselect(mask, canonical, r)
}

/// `relaxed_madd` (`a * b + c`, fused) or, with `negate`, `relaxed_nmadd`
/// (`-(a * b) + c`, fused): pops `c`, `b`, `a` as type `ty`; a NaN result is the
/// canonical NaN (as the interpreter's).
fn madd(b: &mut FunctionBuilder<'_>, stack: &mut Vec<Value>, ty: Type, negate: bool) {
    let z = pop_as(b, stack, ty);
    let y = pop_as(b, stack, ty);
    let x = pop_as(b, stack, ty);
    let x = if negate { b.ins().fneg(x) } else { x };
    let r = b.ins().fma(x, y, z);
    let r = canonical_nan(b, r, ty);
    let r = to_v128(b, r);
    stack.push(r);
}

/// `i16x8.relaxed_dot_i8x16_i7x16_s` of `x` and `y` (`I8X16`) as an `I16X8`: the
/// signed byte products (exact in 16 bits), adjacent pairs added with signed
/// saturation. The products of the low and high halves are split into even and odd
/// lanes by two shuffles, then added.
fn relaxed_dot_i16(b: &mut FunctionBuilder<'_>, x: Value, y: Value) -> Value {
    let (xl, yl) = (b.ins().swiden_low(x), b.ins().swiden_low(y));
    let low = b.ins().imul(xl, yl);
    let (xh, yh) = (b.ins().swiden_high(x), b.ins().swiden_high(y));
    let high = b.ins().imul(xh, yh);
    let (low, high) = (to_v128(b, low), to_v128(b, high));
    let pick = |first: u8| -> Vec<u8> {
        (0..8u8)
            .flat_map(|i| [first + 4 * i, first + 4 * i + 1])
            .collect()
    };
    let even = b.func.dfg.immediates.push(pick(0).into());
    let odd = b.func.dfg.immediates.push(pick(2).into());
    let even = b.ins().shuffle(low, high, even);
    let odd = b.ins().shuffle(low, high, odd);
    let even = cast(b, even, I16X8);
    let odd = cast(b, odd, I16X8);
    b.ins().sadd_sat(even, odd)
}

/// Pops one `v128` operand (as type `ty`), pushes `f(operand)` as a `v128`.
fn unary(
    b: &mut FunctionBuilder<'_>,
    stack: &mut Vec<Value>,
    ty: Type,
    f: impl FnOnce(&mut FunctionBuilder<'_>, Value) -> Value,
) {
    let x = pop_as(b, stack, ty);
    let r = f(b, x);
    let r = to_v128(b, r);
    stack.push(r);
}

/// Pops two `v128` operands (`y` on top, `x` below it) as type `ty`, pushes `f(x, y)`
/// as a `v128`.
fn binary(
    b: &mut FunctionBuilder<'_>,
    stack: &mut Vec<Value>,
    ty: Type,
    f: impl FnOnce(&mut FunctionBuilder<'_>, Value, Value) -> Value,
) {
    let y = pop_as(b, stack, ty);
    let x = pop_as(b, stack, ty);
    let r = f(b, x, y);
    let r = to_v128(b, r);
    stack.push(r);
}

/// Pops one `v128` operand (as type `ty`), pushes the scalar `f(operand)`.
fn to_scalar(
    b: &mut FunctionBuilder<'_>,
    stack: &mut Vec<Value>,
    ty: Type,
    f: impl FnOnce(&mut FunctionBuilder<'_>, Value) -> Value,
) {
    let x = pop_as(b, stack, ty);
    let r = f(b, x);
    stack.push(r);
}

/// Pops an `i32` shift amount and a `v128` (as type `ty`), pushes `f(vector, amount)`.
/// Cranelift's vector shifts take the amount modulo the lane width, as WebAssembly's.
fn shift(
    b: &mut FunctionBuilder<'_>,
    stack: &mut Vec<Value>,
    ty: Type,
    f: impl FnOnce(&mut FunctionBuilder<'_>, Value, Value) -> Value,
) {
    let amount = pop(stack);
    let x = pop_as(b, stack, ty);
    let r = f(b, x, amount);
    let r = to_v128(b, r);
    stack.push(r);
}

// ---- Lanes --------------------------------------------------------------------------

/// `splat`: pops a scalar, pushes a `v128` of type `ty` with it in every lane (the low
/// bits of the `i32` for 8- and 16-bit lanes).
fn splat(b: &mut FunctionBuilder<'_>, stack: &mut Vec<Value>, ty: Type) {
    let x = pop(stack);
    let x = narrow_to_lane(b, x, ty);
    let r = b.ins().splat(ty, x);
    let r = to_v128(b, r);
    stack.push(r);
}

/// Scalar `x` as a lane of vector type `ty`: an `i32`'s low bits for 8- and 16-bit
/// lanes, unchanged otherwise.
fn narrow_to_lane(b: &mut FunctionBuilder<'_>, x: Value, ty: Type) -> Value {
    let lane = ty.lane_type();
    if lane == I8 || lane == I16 {
        b.ins().ireduce(lane, x)
    } else {
        x
    }
}

/// `extract_lane`: pops a `v128` (as type `ty`), pushes lane `lane`, extended to `i32`
/// with `sign` for 8- and 16-bit lanes.
fn extract_lane(
    b: &mut FunctionBuilder<'_>,
    stack: &mut Vec<Value>,
    ty: Type,
    lane: u8,
    sign: Option<Sign>,
) {
    to_scalar(b, stack, ty, |b, x| {
        let v = b.ins().extractlane(x, lane);
        match sign {
            Some(Sign::Signed) => b.ins().sextend(I32, v),
            Some(Sign::Unsigned) => b.ins().uextend(I32, v),
            None => v,
        }
    });
}

/// `replace_lane`: pops a scalar and a `v128` (as type `ty`), pushes the vector with
/// lane `lane` replaced.
fn replace_lane(b: &mut FunctionBuilder<'_>, stack: &mut Vec<Value>, ty: Type, lane: u8) {
    let x = pop(stack);
    let x = narrow_to_lane(b, x, ty);
    let v = pop_as(b, stack, ty);
    let r = b.ins().insertlane(v, x, lane);
    let r = to_v128(b, r);
    stack.push(r);
}

// ---- Comparisons and reductions -----------------------------------------------------

/// A lane-wise integer comparison of two `v128`s as type `ty`: a lane mask.
fn icmp(b: &mut FunctionBuilder<'_>, stack: &mut Vec<Value>, ty: Type, cc: IntCC) {
    binary(b, stack, ty, |b, x, y| b.ins().icmp(cc, x, y));
}

/// A lane-wise float comparison of two `v128`s as type `ty`: a lane mask (of the
/// integer type as wide as `ty`'s lanes).
fn fcmp(b: &mut FunctionBuilder<'_>, stack: &mut Vec<Value>, ty: Type, cc: FloatCC) {
    binary(b, stack, ty, |b, x, y| b.ins().fcmp(cc, x, y));
}

/// `all_true`: 1 if no lane of the `v128` (as type `ty`) is zero, else 0.
fn all_true(b: &mut FunctionBuilder<'_>, stack: &mut Vec<Value>, ty: Type) {
    to_scalar(b, stack, ty, |b, x| {
        let t = b.ins().vall_true(x);
        b.ins().uextend(I32, t)
    });
}

/// `bitmask`: the sign bit of each lane of the `v128` (as type `ty`) in an `i32`, lane
/// 0 in bit 0.
fn bitmask(b: &mut FunctionBuilder<'_>, stack: &mut Vec<Value>, ty: Type) {
    to_scalar(b, stack, ty, |b, x| b.ins().vhigh_bits(I32, x));
}

// ---- Widening arithmetic ------------------------------------------------------------

/// Half `half` of `x`'s lanes, extended with `sign` to twice the width.
fn widen(b: &mut FunctionBuilder<'_>, x: Value, half: Half, sign: Sign) -> Value {
    match (half, sign) {
        (Half::Low, Sign::Signed) => b.ins().swiden_low(x),
        (Half::High, Sign::Signed) => b.ins().swiden_high(x),
        (Half::Low, Sign::Unsigned) => b.ins().uwiden_low(x),
        (Half::High, Sign::Unsigned) => b.ins().uwiden_high(x),
    }
}

/// `extadd_pairwise`: the sums of adjacent lanes of `x`, extended with `sign`.
fn extadd_pairwise(b: &mut FunctionBuilder<'_>, x: Value, sign: Sign) -> Value {
    let low = widen(b, x, Half::Low, sign);
    let high = widen(b, x, Half::High, sign);
    b.ins().iadd_pairwise(low, high)
}

/// `extmul`: pops two `v128`s (as type `ty`), pushes the products of their `half`
/// lanes extended with `sign`.
fn extmul(b: &mut FunctionBuilder<'_>, stack: &mut Vec<Value>, ty: Type, half: Half, sign: Sign) {
    binary(b, stack, ty, |b, x, y| {
        let x = widen(b, x, half, sign);
        let y = widen(b, y, half, sign);
        b.ins().imul(x, y)
    });
}

// ---- Pseudo-minimum and maximum -----------------------------------------------------

/// `pmin(x, y) = y < x ? y : x`, per lane. Unlike `fmin` this does not propagate NaN
/// (a NaN `x` or `y` makes the comparison false: `x`) and does not order the zeros
/// (`pmin(-0, +0) = -0`, `pmin(+0, -0) = +0`).
fn pmin(b: &mut FunctionBuilder<'_>, x: Value, y: Value) -> Value {
    let ty = b.func.dfg.value_type(x);
    let y_less = b.ins().fcmp(FloatCC::LessThan, y, x);
    let mask = cast(b, y_less, ty);
    b.ins().bitselect(mask, y, x)
}

/// `pmax(x, y) = x < y ? y : x`, per lane (see [`pmin`]).
fn pmax(b: &mut FunctionBuilder<'_>, x: Value, y: Value) -> Value {
    let ty = b.func.dfg.value_type(x);
    let x_less = b.ins().fcmp(FloatCC::LessThan, x, y);
    let mask = cast(b, x_less, ty);
    b.ins().bitselect(mask, y, x)
}

// ---- Memory -------------------------------------------------------------------------

/// Pops an `i32` address and returns the checked native address of an access of `size`
/// bytes at it plus `memarg`'s offset.
fn address(
    b: &mut FunctionBuilder<'_>,
    stack: &mut Vec<Value>,
    env: &mut dyn Env,
    memarg: &MemArg,
    size: u32,
) -> Value {
    let addr = pop(stack);
    env.heap_address(b, addr, memarg.offset, size)
}

/// A load of `size` bytes: pops the address, pushes `f(native address)` as a `v128`.
fn load(
    b: &mut FunctionBuilder<'_>,
    stack: &mut Vec<Value>,
    env: &mut dyn Env,
    memarg: &MemArg,
    size: u32,
    f: impl FnOnce(&mut FunctionBuilder<'_>, Value, MemFlagsData) -> Value,
) {
    let at = address(b, stack, env, memarg, size);
    let v = f(b, at, env.access_flags(size));
    let v = to_v128(b, v);
    stack.push(v);
}

/// `load*_splat`: one lane of type `ty` loaded, copied to every lane.
fn load_splat(
    b: &mut FunctionBuilder<'_>,
    stack: &mut Vec<Value>,
    env: &mut dyn Env,
    memarg: &MemArg,
    ty: Type,
) {
    let lane = ty.lane_type();
    load(b, stack, env, memarg, lane.bytes(), |b, at, mf| {
        let x = b.ins().load(lane, mf, at, 0);
        b.ins().splat(ty, x)
    });
}

/// `load*_zero`: one lane of type `ty` loaded into lane 0, the others zero.
fn load_zero(
    b: &mut FunctionBuilder<'_>,
    stack: &mut Vec<Value>,
    env: &mut dyn Env,
    memarg: &MemArg,
    ty: Type,
) {
    let lane = ty.lane_type();
    load(b, stack, env, memarg, lane.bytes(), |b, at, mf| {
        let x = b.ins().load(lane, mf, at, 0);
        b.ins().scalar_to_vector(ty, x)
    });
}

/// `load*_lane`: pops a `v128` (as type `ty`) and an address, pushes the vector with
/// lane `lane` replaced by the value loaded.
fn load_lane(
    b: &mut FunctionBuilder<'_>,
    stack: &mut Vec<Value>,
    env: &mut dyn Env,
    memarg: &MemArg,
    ty: Type,
    lane: u8,
) {
    let v = pop_as(b, stack, ty);
    let lane_ty = ty.lane_type();
    load(b, stack, env, memarg, lane_ty.bytes(), |b, at, mf| {
        let x = b.ins().load(lane_ty, mf, at, 0);
        b.ins().insertlane(v, x, lane)
    });
}

/// `store*_lane`: pops a `v128` (as type `ty`) and an address, stores lane `lane`.
fn store_lane(
    b: &mut FunctionBuilder<'_>,
    stack: &mut Vec<Value>,
    env: &mut dyn Env,
    memarg: &MemArg,
    ty: Type,
    lane: u8,
) {
    let v = pop_as(b, stack, ty);
    let at = address(b, stack, env, memarg, ty.lane_type().bytes());
    let x = b.ins().extractlane(v, lane);
    let mf = env.access_flags(ty.lane_type().bytes());
    b.ins().store(mf, x, at, 0);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::TrapCode;
    use cranelift_codegen::control::ControlPlane;
    use cranelift_codegen::ir::types::{F32, F64, I64};
    use cranelift_codegen::ir::{
        self, AbiParam, Function, InstructionData, Opcode, Signature, UserFuncName,
    };
    use cranelift_codegen::isa::{CallConv, TargetIsa};
    use cranelift_codegen::{settings, verify_function, Context};
    use cranelift_frontend::FunctionBuilderContext;
    use wasmparser::{BinaryReader, MemArgTarget, OperatorsReader, V128};

    /// A test environment: `trap_if` is a `trapnz` (no SIMD operator traps but through
    /// `heap_address`), `heap_address` the address zero-extended, and the accesses
    /// (offset, size) are recorded in order.
    #[derive(Default)]
    struct TestEnv {
        traps: Vec<TrapCode>,
        accesses: Vec<(u64, u32)>,
    }

    impl Env for TestEnv {
        fn trap_if(&mut self, b: &mut FunctionBuilder<'_>, cond: Value, code: TrapCode) {
            self.traps.push(code);
            b.ins().trapnz(cond, ir::TrapCode::HEAP_OUT_OF_BOUNDS);
        }

        fn heap_address(
            &mut self,
            b: &mut FunctionBuilder<'_>,
            addr: Value,
            offset: u64,
            size: u32,
        ) -> Value {
            assert_eq!(b.func.dfg.value_type(addr), I32, "addresses are i32");
            self.accesses.push((offset, size));
            b.ins().uextend(I64, addr)
        }
    }

    /// The offset of every memory operator of the table.
    const OFFSET: u64 = 0x10;

    fn memarg() -> MemArg {
        MemArg {
            align: 0,
            max_align: 4,
            offset: OFFSET,
            target: MemArgTarget::Memory(0),
            ordering: None,
        }
    }

    const V: &[Type] = &[I8X16];
    const VV: &[Type] = &[I8X16, I8X16];
    const VVV: &[Type] = &[I8X16, I8X16, I8X16];
    /// A vector and a shift amount or an `i32` lane.
    const VI: &[Type] = &[I8X16, I32];
    const VL: &[Type] = &[I8X16, I64];
    const VF: &[Type] = &[I8X16, F32];
    const VD: &[Type] = &[I8X16, F64];
    /// An address (or an `i32` to splat).
    const I: &[Type] = &[I32];
    const L: &[Type] = &[I64];
    const F: &[Type] = &[F32];
    const D: &[Type] = &[F64];
    /// An address and a vector.
    const IV: &[Type] = &[I32, I8X16];

    /// Every SIMD operator of WebAssembly 2.0 with its operand types and result type
    /// (`None`: no result).
    fn operators() -> Vec<(Operator<'static>, &'static [Type], Option<Type>)> {
        use Operator as O;
        let m = memarg();
        let v = Some(I8X16);
        let i = Some(I32);
        vec![
            // memory
            (O::V128Load { memarg: m }, I, v),
            (O::V128Load8x8S { memarg: m }, I, v),
            (O::V128Load8x8U { memarg: m }, I, v),
            (O::V128Load16x4S { memarg: m }, I, v),
            (O::V128Load16x4U { memarg: m }, I, v),
            (O::V128Load32x2S { memarg: m }, I, v),
            (O::V128Load32x2U { memarg: m }, I, v),
            (O::V128Load8Splat { memarg: m }, I, v),
            (O::V128Load16Splat { memarg: m }, I, v),
            (O::V128Load32Splat { memarg: m }, I, v),
            (O::V128Load64Splat { memarg: m }, I, v),
            (O::V128Load32Zero { memarg: m }, I, v),
            (O::V128Load64Zero { memarg: m }, I, v),
            (O::V128Store { memarg: m }, IV, None),
            (
                O::V128Load8Lane {
                    memarg: m,
                    lane: 15,
                },
                IV,
                v,
            ),
            (O::V128Load16Lane { memarg: m, lane: 7 }, IV, v),
            (O::V128Load32Lane { memarg: m, lane: 3 }, IV, v),
            (O::V128Load64Lane { memarg: m, lane: 1 }, IV, v),
            (
                O::V128Store8Lane {
                    memarg: m,
                    lane: 15,
                },
                IV,
                None,
            ),
            (O::V128Store16Lane { memarg: m, lane: 7 }, IV, None),
            (O::V128Store32Lane { memarg: m, lane: 3 }, IV, None),
            (O::V128Store64Lane { memarg: m, lane: 1 }, IV, None),
            // constants, shuffles, splats
            (
                O::V128Const {
                    value: V128::from(0x0f0e_0d0c_0b0a_0908_0706_0504_0302_0100u128),
                },
                &[],
                v,
            ),
            (
                O::I8x16Shuffle {
                    lanes: [0, 31, 1, 30, 2, 29, 3, 28, 4, 27, 5, 26, 6, 25, 7, 24],
                },
                VV,
                v,
            ),
            (O::I8x16Swizzle, VV, v),
            (O::I8x16Splat, I, v),
            (O::I16x8Splat, I, v),
            (O::I32x4Splat, I, v),
            (O::I64x2Splat, L, v),
            (O::F32x4Splat, F, v),
            (O::F64x2Splat, D, v),
            // lanes
            (O::I8x16ExtractLaneS { lane: 15 }, V, i),
            (O::I8x16ExtractLaneU { lane: 0 }, V, i),
            (O::I8x16ReplaceLane { lane: 15 }, VI, v),
            (O::I16x8ExtractLaneS { lane: 7 }, V, i),
            (O::I16x8ExtractLaneU { lane: 0 }, V, i),
            (O::I16x8ReplaceLane { lane: 7 }, VI, v),
            (O::I32x4ExtractLane { lane: 3 }, V, i),
            (O::I32x4ReplaceLane { lane: 3 }, VI, v),
            (O::I64x2ExtractLane { lane: 1 }, V, Some(I64)),
            (O::I64x2ReplaceLane { lane: 1 }, VL, v),
            (O::F32x4ExtractLane { lane: 3 }, V, Some(F32)),
            (O::F32x4ReplaceLane { lane: 3 }, VF, v),
            (O::F64x2ExtractLane { lane: 1 }, V, Some(F64)),
            (O::F64x2ReplaceLane { lane: 1 }, VD, v),
            // i8x16 comparisons
            (O::I8x16Eq, VV, v),
            (O::I8x16Ne, VV, v),
            (O::I8x16LtS, VV, v),
            (O::I8x16LtU, VV, v),
            (O::I8x16GtS, VV, v),
            (O::I8x16GtU, VV, v),
            (O::I8x16LeS, VV, v),
            (O::I8x16LeU, VV, v),
            (O::I8x16GeS, VV, v),
            (O::I8x16GeU, VV, v),
            // i16x8 comparisons
            (O::I16x8Eq, VV, v),
            (O::I16x8Ne, VV, v),
            (O::I16x8LtS, VV, v),
            (O::I16x8LtU, VV, v),
            (O::I16x8GtS, VV, v),
            (O::I16x8GtU, VV, v),
            (O::I16x8LeS, VV, v),
            (O::I16x8LeU, VV, v),
            (O::I16x8GeS, VV, v),
            (O::I16x8GeU, VV, v),
            // i32x4 comparisons
            (O::I32x4Eq, VV, v),
            (O::I32x4Ne, VV, v),
            (O::I32x4LtS, VV, v),
            (O::I32x4LtU, VV, v),
            (O::I32x4GtS, VV, v),
            (O::I32x4GtU, VV, v),
            (O::I32x4LeS, VV, v),
            (O::I32x4LeU, VV, v),
            (O::I32x4GeS, VV, v),
            (O::I32x4GeU, VV, v),
            // i64x2 comparisons
            (O::I64x2Eq, VV, v),
            (O::I64x2Ne, VV, v),
            (O::I64x2LtS, VV, v),
            (O::I64x2GtS, VV, v),
            (O::I64x2LeS, VV, v),
            (O::I64x2GeS, VV, v),
            // float comparisons
            (O::F32x4Eq, VV, v),
            (O::F32x4Ne, VV, v),
            (O::F32x4Lt, VV, v),
            (O::F32x4Gt, VV, v),
            (O::F32x4Le, VV, v),
            (O::F32x4Ge, VV, v),
            (O::F64x2Eq, VV, v),
            (O::F64x2Ne, VV, v),
            (O::F64x2Lt, VV, v),
            (O::F64x2Gt, VV, v),
            (O::F64x2Le, VV, v),
            (O::F64x2Ge, VV, v),
            // bitwise
            (O::V128Not, V, v),
            (O::V128And, VV, v),
            (O::V128AndNot, VV, v),
            (O::V128Or, VV, v),
            (O::V128Xor, VV, v),
            (O::V128Bitselect, VVV, v),
            (O::V128AnyTrue, V, i),
            // i8x16 arithmetic
            (O::I8x16Abs, V, v),
            (O::I8x16Neg, V, v),
            (O::I8x16Popcnt, V, v),
            (O::I8x16AllTrue, V, i),
            (O::I8x16Bitmask, V, i),
            (O::I8x16NarrowI16x8S, VV, v),
            (O::I8x16NarrowI16x8U, VV, v),
            (O::I8x16Shl, VI, v),
            (O::I8x16ShrS, VI, v),
            (O::I8x16ShrU, VI, v),
            (O::I8x16Add, VV, v),
            (O::I8x16AddSatS, VV, v),
            (O::I8x16AddSatU, VV, v),
            (O::I8x16Sub, VV, v),
            (O::I8x16SubSatS, VV, v),
            (O::I8x16SubSatU, VV, v),
            (O::I8x16MinS, VV, v),
            (O::I8x16MinU, VV, v),
            (O::I8x16MaxS, VV, v),
            (O::I8x16MaxU, VV, v),
            (O::I8x16AvgrU, VV, v),
            // i16x8 arithmetic
            (O::I16x8ExtAddPairwiseI8x16S, V, v),
            (O::I16x8ExtAddPairwiseI8x16U, V, v),
            (O::I16x8Abs, V, v),
            (O::I16x8Neg, V, v),
            (O::I16x8Q15MulrSatS, VV, v),
            (O::I16x8AllTrue, V, i),
            (O::I16x8Bitmask, V, i),
            (O::I16x8NarrowI32x4S, VV, v),
            (O::I16x8NarrowI32x4U, VV, v),
            (O::I16x8ExtendLowI8x16S, V, v),
            (O::I16x8ExtendHighI8x16S, V, v),
            (O::I16x8ExtendLowI8x16U, V, v),
            (O::I16x8ExtendHighI8x16U, V, v),
            (O::I16x8Shl, VI, v),
            (O::I16x8ShrS, VI, v),
            (O::I16x8ShrU, VI, v),
            (O::I16x8Add, VV, v),
            (O::I16x8AddSatS, VV, v),
            (O::I16x8AddSatU, VV, v),
            (O::I16x8Sub, VV, v),
            (O::I16x8SubSatS, VV, v),
            (O::I16x8SubSatU, VV, v),
            (O::I16x8Mul, VV, v),
            (O::I16x8MinS, VV, v),
            (O::I16x8MinU, VV, v),
            (O::I16x8MaxS, VV, v),
            (O::I16x8MaxU, VV, v),
            (O::I16x8AvgrU, VV, v),
            (O::I16x8ExtMulLowI8x16S, VV, v),
            (O::I16x8ExtMulHighI8x16S, VV, v),
            (O::I16x8ExtMulLowI8x16U, VV, v),
            (O::I16x8ExtMulHighI8x16U, VV, v),
            // i32x4 arithmetic
            (O::I32x4ExtAddPairwiseI16x8S, V, v),
            (O::I32x4ExtAddPairwiseI16x8U, V, v),
            (O::I32x4Abs, V, v),
            (O::I32x4Neg, V, v),
            (O::I32x4AllTrue, V, i),
            (O::I32x4Bitmask, V, i),
            (O::I32x4ExtendLowI16x8S, V, v),
            (O::I32x4ExtendHighI16x8S, V, v),
            (O::I32x4ExtendLowI16x8U, V, v),
            (O::I32x4ExtendHighI16x8U, V, v),
            (O::I32x4Shl, VI, v),
            (O::I32x4ShrS, VI, v),
            (O::I32x4ShrU, VI, v),
            (O::I32x4Add, VV, v),
            (O::I32x4Sub, VV, v),
            (O::I32x4Mul, VV, v),
            (O::I32x4MinS, VV, v),
            (O::I32x4MinU, VV, v),
            (O::I32x4MaxS, VV, v),
            (O::I32x4MaxU, VV, v),
            (O::I32x4DotI16x8S, VV, v),
            (O::I32x4ExtMulLowI16x8S, VV, v),
            (O::I32x4ExtMulHighI16x8S, VV, v),
            (O::I32x4ExtMulLowI16x8U, VV, v),
            (O::I32x4ExtMulHighI16x8U, VV, v),
            // i64x2 arithmetic
            (O::I64x2Abs, V, v),
            (O::I64x2Neg, V, v),
            (O::I64x2AllTrue, V, i),
            (O::I64x2Bitmask, V, i),
            (O::I64x2ExtendLowI32x4S, V, v),
            (O::I64x2ExtendHighI32x4S, V, v),
            (O::I64x2ExtendLowI32x4U, V, v),
            (O::I64x2ExtendHighI32x4U, V, v),
            (O::I64x2Shl, VI, v),
            (O::I64x2ShrS, VI, v),
            (O::I64x2ShrU, VI, v),
            (O::I64x2Add, VV, v),
            (O::I64x2Sub, VV, v),
            (O::I64x2Mul, VV, v),
            (O::I64x2ExtMulLowI32x4S, VV, v),
            (O::I64x2ExtMulHighI32x4S, VV, v),
            (O::I64x2ExtMulLowI32x4U, VV, v),
            (O::I64x2ExtMulHighI32x4U, VV, v),
            // f32x4 arithmetic
            (O::F32x4Ceil, V, v),
            (O::F32x4Floor, V, v),
            (O::F32x4Trunc, V, v),
            (O::F32x4Nearest, V, v),
            (O::F32x4Abs, V, v),
            (O::F32x4Neg, V, v),
            (O::F32x4Sqrt, V, v),
            (O::F32x4Add, VV, v),
            (O::F32x4Sub, VV, v),
            (O::F32x4Mul, VV, v),
            (O::F32x4Div, VV, v),
            (O::F32x4Min, VV, v),
            (O::F32x4Max, VV, v),
            (O::F32x4PMin, VV, v),
            (O::F32x4PMax, VV, v),
            // f64x2 arithmetic
            (O::F64x2Ceil, V, v),
            (O::F64x2Floor, V, v),
            (O::F64x2Trunc, V, v),
            (O::F64x2Nearest, V, v),
            (O::F64x2Abs, V, v),
            (O::F64x2Neg, V, v),
            (O::F64x2Sqrt, V, v),
            (O::F64x2Add, VV, v),
            (O::F64x2Sub, VV, v),
            (O::F64x2Mul, VV, v),
            (O::F64x2Div, VV, v),
            (O::F64x2Min, VV, v),
            (O::F64x2Max, VV, v),
            (O::F64x2PMin, VV, v),
            (O::F64x2PMax, VV, v),
            // conversions
            (O::I32x4TruncSatF32x4S, V, v),
            (O::I32x4TruncSatF32x4U, V, v),
            (O::F32x4ConvertI32x4S, V, v),
            (O::F32x4ConvertI32x4U, V, v),
            (O::I32x4TruncSatF64x2SZero, V, v),
            (O::I32x4TruncSatF64x2UZero, V, v),
            (O::F64x2ConvertLowI32x4S, V, v),
            (O::F64x2ConvertLowI32x4U, V, v),
            (O::F32x4DemoteF64x2Zero, V, v),
            (O::F64x2PromoteLowF32x4, V, v),
        ]
    }

    /// The size of the memory access `op` makes, if any.
    fn expected_access(op: &Operator<'_>) -> Option<u32> {
        use Operator as O;
        Some(match op {
            O::V128Load { .. } | O::V128Store { .. } => 16,
            O::V128Load8x8S { .. }
            | O::V128Load8x8U { .. }
            | O::V128Load16x4S { .. }
            | O::V128Load16x4U { .. }
            | O::V128Load32x2S { .. }
            | O::V128Load32x2U { .. } => 8,
            O::V128Load8Splat { .. } | O::V128Load8Lane { .. } | O::V128Store8Lane { .. } => 1,
            O::V128Load16Splat { .. } | O::V128Load16Lane { .. } | O::V128Store16Lane { .. } => 2,
            O::V128Load32Splat { .. }
            | O::V128Load32Zero { .. }
            | O::V128Load32Lane { .. }
            | O::V128Store32Lane { .. } => 4,
            O::V128Load64Splat { .. }
            | O::V128Load64Zero { .. }
            | O::V128Load64Lane { .. }
            | O::V128Store64Lane { .. } => 8,
            _ => return None,
        })
    }

    /// Builds `fn(params) -> result { simd(op) }`, checking the stack effect and the
    /// memory access along the way.
    fn build(
        isa: &dyn TargetIsa,
        op: &Operator<'_>,
        params: &[Type],
        result: Option<Type>,
    ) -> Function {
        let mut sig = Signature::new(CallConv::SystemV);
        sig.params.extend(params.iter().map(|&t| AbiParam::new(t)));
        sig.returns.extend(result.map(AbiParam::new));
        let mut func = Function::with_name_signature(UserFuncName::testcase("op"), sig);
        let mut fctx = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut fctx);
        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        b.seal_block(entry);

        // A value below the operands, which the operator must leave alone.
        let below = b.ins().iconst(I64, 7);
        let mut stack = vec![below];
        stack.extend_from_slice(b.block_params(entry));
        let mut env = TestEnv::default();
        assert!(simd(op, &mut b, &mut stack, &mut env), "{op:?} not handled");
        assert_eq!(
            stack.len(),
            1 + usize::from(result.is_some()),
            "{op:?}: stack {stack:?}"
        );
        assert_eq!(
            stack[0], below,
            "{op:?} changed the value below its operands"
        );
        let results = stack[1..].to_vec();
        if let (Some(ty), [r]) = (result, &results[..]) {
            assert_eq!(b.func.dfg.value_type(*r), ty, "{op:?}: result type");
        }
        assert!(env.traps.is_empty(), "{op:?}: traps {:?}", env.traps);
        let expected: Vec<(u64, u32)> = expected_access(op)
            .map(|s| (OFFSET, s))
            .into_iter()
            .collect();
        assert_eq!(env.accesses, expected, "{op:?}: memory accesses");

        b.ins().return_(&results);
        b.finalize(isa.frontend_config());
        func
    }

    /// Every operator produces IR that verifies (operand and result types, bitcasts'
    /// byte order) and that the host backend compiles (so that each lowering has a
    /// pattern the backend knows).
    #[test]
    fn every_operator_verifies_and_compiles() {
        let flags = settings::Flags::new(settings::builder());
        let isa = super::super::native_isa();
        for (op, params, result) in operators() {
            let func = build(&*isa, &op, params, result);
            if let Err(errors) = verify_function(&func, &flags) {
                panic!("{op:?}: IR does not verify: {errors}\n{}", func.display());
            }
            let mut ctx = Context::for_function(func);
            if let Err(e) = ctx.compile(&*isa, &mut ControlPlane::default()) {
                panic!("{op:?}: does not compile: {:?}", e.inner);
            }
        }
    }

    /// The same, optimized: the lowerings that rely on a pattern (`trunc_sat_f64x2_*_zero`,
    /// `convert_low_i32x4_u`) must keep it through Cranelift's mid-end.
    #[test]
    fn every_operator_compiles_optimized() {
        let mut builder = settings::builder();
        use cranelift_codegen::settings::Configurable;
        builder.set("opt_level", "speed").expect("opt_level");
        let flags = settings::Flags::new(builder);
        let isa = cranelift_native::builder()
            .expect("host ISA")
            .finish(flags)
            .expect("host ISA flags");
        for (op, params, result) in operators() {
            let func = build(&*isa, &op, params, result);
            let mut ctx = Context::for_function(func);
            if let Err(e) = ctx.compile(&*isa, &mut ControlPlane::default()) {
                panic!("{op:?}: does not compile optimized: {:?}", e.inner);
            }
        }
    }

    /// The encoding of SIMD opcode `sub` with immediates enough for any operator (a
    /// memarg of align 0 and offset 0, then 16 zero bytes: a lane index, a constant or
    /// shuffle lanes).
    fn encoding(sub: u32) -> Vec<u8> {
        let mut bytes = vec![0xFD];
        let mut n = sub;
        loop {
            let byte = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                bytes.push(byte);
                break;
            }
            bytes.push(byte | 0x80);
        }
        bytes.extend([0u8; 18]);
        bytes
    }

    /// The table above holds every SIMD operator of WebAssembly 2.0 exactly once: all
    /// the opcodes `0xFD 0..=0xFF` that decode (236 of them; relaxed SIMD starts at
    /// `0xFD 0x100`).
    #[test]
    fn table_is_complete() {
        let table = operators();
        let mut decoded = 0;
        for sub in 0..=0xFFu32 {
            let bytes = encoding(sub);
            let mut reader = OperatorsReader::new(BinaryReader::new(&bytes, 0));
            let Ok(op) = reader.read() else { continue };
            decoded += 1;
            let count = table
                .iter()
                .filter(|(t, ..)| std::mem::discriminant(t) == std::mem::discriminant(&op))
                .count();
            assert_eq!(
                count, 1,
                "{op:?} (0xFD {sub:#x}) in the table {count} times"
            );
        }
        assert_eq!(decoded, 236, "WebAssembly 2.0 has 236 SIMD operators");
        assert_eq!(
            table.len(),
            decoded,
            "the table has operators that do not decode"
        );
    }

    /// `v128.const` keeps its 16 bytes, and the shuffle its lanes, exactly.
    #[test]
    fn immediates_keep_their_bytes() {
        let isa = super::super::native_isa();
        let bytes: [u8; 16] = core::array::from_fn(|i| ((i as u8) * 17) ^ 0x5a);
        let op = Operator::V128Const {
            value: V128::from(u128::from_le_bytes(bytes)),
        };
        let func = build(&*isa, &op, &[], Some(I8X16));
        let entry = func.layout.entry_block().unwrap();
        let inst = func.layout.block_insts(entry).nth(1).unwrap();
        let InstructionData::UnaryConst {
            opcode: Opcode::Vconst,
            constant_handle,
        } = func.dfg.insts[inst]
        else {
            panic!("not a vconst: {}", func.dfg.display_inst(inst));
        };
        assert_eq!(func.dfg.constants.get(constant_handle).as_slice(), &bytes);

        let lanes = [31, 0, 16, 15, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22];
        let op = Operator::I8x16Shuffle { lanes };
        let func = build(&*isa, &op, VV, Some(I8X16));
        let entry = func.layout.entry_block().unwrap();
        let inst = func.layout.block_insts(entry).nth(1).unwrap();
        let InstructionData::Shuffle {
            opcode: Opcode::Shuffle,
            imm,
            ..
        } = func.dfg.insts[inst]
        else {
            panic!("not a shuffle: {}", func.dfg.display_inst(inst));
        };
        assert_eq!(func.dfg.immediates.get(imm).unwrap().as_slice(), &lanes);
    }

    /// Non-SIMD operators are left alone.
    #[test]
    fn other_operators_are_not_handled() {
        let mut func = Function::new();
        let mut fctx = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut fctx);
        let entry = b.create_block();
        b.switch_to_block(entry);
        let x = b.ins().iconst(I32, 1);
        let mut stack = vec![x, x, x];
        let mut env = TestEnv::default();
        for op in [
            Operator::Nop,
            Operator::Drop,
            Operator::Select,
            Operator::I32Add,
            Operator::F64Sqrt,
            Operator::I32Load { memarg: memarg() },
            Operator::I64Store { memarg: memarg() },
        ] {
            assert!(!simd(&op, &mut b, &mut stack, &mut env), "{op:?}");
            assert_eq!(stack, [x, x, x]);
        }
        assert!(env.traps.is_empty() && env.accesses.is_empty());
        assert_eq!(b.func.layout.block_insts(entry).count(), 1);
    }
}
