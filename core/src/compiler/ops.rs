//! Numeric operators → Cranelift IR: constants, integer and float arithmetic,
//! comparisons, conversions, reinterpretations and sign extensions, each with
//! WebAssembly's semantics (traps through [`Env::trap_if`], never a hardware trap).
//!
//! Most operators map to one Cranelift instruction whose semantics already are
//! WebAssembly's:
//!
//! - shifts and rotates take their amount modulo the width (`ishl`, `sshr`, `ushr`,
//!   `rotl`, `rotr`);
//! - `fmin`/`fmax` propagate NaN and order `-0 < +0` as WebAssembly does;
//! - `nearest` rounds to nearest, ties to even;
//! - the `*_sat` conversions saturate and give 0 for NaN.
//!
//! The exceptions are the operators that may trap. Cranelift's `sdiv`, `udiv`, `srem`,
//! `urem` trap (in hardware) on a zero divisor and `sdiv` on `MIN / -1`, and
//! `fcvt_to_sint`/`fcvt_to_uint` on NaN and out-of-range inputs. So every such case is
//! checked explicitly first and leaves through [`Env::trap_if`] with WebAssembly's trap
//! code; after the checks, the remaining instruction cannot trap any more (divisions),
//! or is replaced by its saturating form, which never traps and agrees with the
//! trapping one on every input that passed the checks (float-to-int truncations).

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::immediates::{Ieee32, Ieee64};
use cranelift_codegen::ir::types::{F32, F64, I16, I32, I64, I8};
use cranelift_codegen::ir::{InstBuilder, MemFlagsData, Type, Value};
use cranelift_frontend::FunctionBuilder;
use wasmparser::Operator;

use crate::error::TrapCode;

/// What numeric translation needs from the function translator.
pub(super) trait Env {
    /// Leaves the function with trap `code` when `cond` (an integer value, any width) is
    /// non-zero; translation continues in the block where it is zero.
    fn trap_if(&mut self, b: &mut FunctionBuilder<'_>, cond: Value, code: TrapCode);

    /// The native address of an access of `size` bytes at Wasm address `addr` (an `I32`)
    /// plus `offset` in memory 0, after a bounds check that traps (out of bounds memory
    /// access); translation continues where the access is in bounds.
    fn heap_address(
        &mut self,
        b: &mut FunctionBuilder<'_>,
        addr: Value,
        offset: u64,
        size: u32,
    ) -> Value;

    /// The flags of the access of `size` bytes at the address `heap_address` gave.
    fn access_flags(&self, size: u32) -> MemFlagsData {
        let _ = size;
        MemFlagsData::new()
            .with_notrap()
            .with_endianness(cranelift_codegen::ir::Endianness::Little)
    }
}

/// Translates `op` if it is a numeric operator: pops its operands off `stack` (the last
/// is the top), pushes its result. Values are `I32`, `I64`, `F32`, `F64`. Returns `false`
/// (and changes nothing) for any other operator.
pub(super) fn numeric(
    op: &Operator<'_>,
    b: &mut FunctionBuilder<'_>,
    stack: &mut Vec<Value>,
    env: &mut dyn Env,
) -> bool {
    use Operator as O;
    match *op {
        // ---- Constants. Floats are built from their bit patterns, so that NaN payloads
        // and signs survive exactly.
        O::I32Const { value } => {
            // `iconst.i32` wants its immediate zero-extended to 64 bits.
            let v = b.ins().iconst(I32, i64::from(value as u32));
            stack.push(v);
        }
        O::I64Const { value } => {
            let v = b.ins().iconst(I64, value);
            stack.push(v);
        }
        O::F32Const { value } => {
            let v = b.ins().f32const(Ieee32::with_bits(value.bits()));
            stack.push(v);
        }
        O::F64Const { value } => {
            let v = b.ins().f64const(Ieee64::with_bits(value.bits()));
            stack.push(v);
        }

        // ---- Integer comparisons: `icmp` gives an `I8` 0 or 1, widened to the `I32`
        // WebAssembly's comparisons produce.
        O::I32Eqz | O::I64Eqz => unary(b, stack, |b, x| {
            let c = b.ins().icmp_imm_s(IntCC::Equal, x, 0);
            b.ins().uextend(I32, c)
        }),
        O::I32Eq | O::I64Eq => icmp(b, stack, IntCC::Equal),
        O::I32Ne | O::I64Ne => icmp(b, stack, IntCC::NotEqual),
        O::I32LtS | O::I64LtS => icmp(b, stack, IntCC::SignedLessThan),
        O::I32LtU | O::I64LtU => icmp(b, stack, IntCC::UnsignedLessThan),
        O::I32GtS | O::I64GtS => icmp(b, stack, IntCC::SignedGreaterThan),
        O::I32GtU | O::I64GtU => icmp(b, stack, IntCC::UnsignedGreaterThan),
        O::I32LeS | O::I64LeS => icmp(b, stack, IntCC::SignedLessThanOrEqual),
        O::I32LeU | O::I64LeU => icmp(b, stack, IntCC::UnsignedLessThanOrEqual),
        O::I32GeS | O::I64GeS => icmp(b, stack, IntCC::SignedGreaterThanOrEqual),
        O::I32GeU | O::I64GeU => icmp(b, stack, IntCC::UnsignedGreaterThanOrEqual),

        // ---- Float comparisons. All are false when an operand is NaN, except `ne`, which
        // is true: `FloatCC::NotEqual` is "unordered or not equal", the others are ordered.
        O::F32Eq | O::F64Eq => fcmp(b, stack, FloatCC::Equal),
        O::F32Ne | O::F64Ne => fcmp(b, stack, FloatCC::NotEqual),
        O::F32Lt | O::F64Lt => fcmp(b, stack, FloatCC::LessThan),
        O::F32Gt | O::F64Gt => fcmp(b, stack, FloatCC::GreaterThan),
        O::F32Le | O::F64Le => fcmp(b, stack, FloatCC::LessThanOrEqual),
        O::F32Ge | O::F64Ge => fcmp(b, stack, FloatCC::GreaterThanOrEqual),

        // ---- Integer arithmetic and bitwise operators (both widths: the operand types
        // decide). Shift and rotate amounts are taken modulo the width by Cranelift too.
        O::I32Clz | O::I64Clz => unary(b, stack, |b, x| b.ins().clz(x)),
        O::I32Ctz | O::I64Ctz => unary(b, stack, |b, x| b.ins().ctz(x)),
        O::I32Popcnt | O::I64Popcnt => unary(b, stack, |b, x| b.ins().popcnt(x)),
        O::I32Add | O::I64Add => binary(b, stack, |b, x, y| b.ins().iadd(x, y)),
        O::I32Sub | O::I64Sub => binary(b, stack, |b, x, y| b.ins().isub(x, y)),
        O::I32Mul | O::I64Mul => binary(b, stack, |b, x, y| b.ins().imul(x, y)),
        O::I32And | O::I64And => binary(b, stack, |b, x, y| b.ins().band(x, y)),
        O::I32Or | O::I64Or => binary(b, stack, |b, x, y| b.ins().bor(x, y)),
        O::I32Xor | O::I64Xor => binary(b, stack, |b, x, y| b.ins().bxor(x, y)),
        O::I32Shl | O::I64Shl => binary(b, stack, |b, x, y| b.ins().ishl(x, y)),
        O::I32ShrS | O::I64ShrS => binary(b, stack, |b, x, y| b.ins().sshr(x, y)),
        O::I32ShrU | O::I64ShrU => binary(b, stack, |b, x, y| b.ins().ushr(x, y)),
        O::I32Rotl | O::I64Rotl => binary(b, stack, |b, x, y| b.ins().rotl(x, y)),
        O::I32Rotr | O::I64Rotr => binary(b, stack, |b, x, y| b.ins().rotr(x, y)),

        // ---- Division and remainder: explicit checks before the (hardware-trapping)
        // Cranelift instruction, see `div_s` and friends.
        O::I32DivS | O::I64DivS => binary(b, stack, |b, x, y| div_s(b, env, x, y)),
        O::I32DivU | O::I64DivU => binary(b, stack, |b, x, y| div_u(b, env, x, y)),
        O::I32RemS | O::I64RemS => binary(b, stack, |b, x, y| rem_s(b, env, x, y)),
        O::I32RemU | O::I64RemU => binary(b, stack, |b, x, y| rem_u(b, env, x, y)),

        // ---- Float arithmetic (both widths).
        O::F32Abs | O::F64Abs => unary(b, stack, |b, x| b.ins().fabs(x)),
        O::F32Neg | O::F64Neg => unary(b, stack, |b, x| b.ins().fneg(x)),
        O::F32Ceil | O::F64Ceil => unary(b, stack, |b, x| b.ins().ceil(x)),
        O::F32Floor | O::F64Floor => unary(b, stack, |b, x| b.ins().floor(x)),
        O::F32Trunc | O::F64Trunc => unary(b, stack, |b, x| b.ins().trunc(x)),
        O::F32Nearest | O::F64Nearest => unary(b, stack, |b, x| b.ins().nearest(x)),
        O::F32Sqrt | O::F64Sqrt => unary(b, stack, |b, x| b.ins().sqrt(x)),
        O::F32Add | O::F64Add => binary(b, stack, |b, x, y| b.ins().fadd(x, y)),
        O::F32Sub | O::F64Sub => binary(b, stack, |b, x, y| b.ins().fsub(x, y)),
        O::F32Mul | O::F64Mul => binary(b, stack, |b, x, y| b.ins().fmul(x, y)),
        O::F32Div | O::F64Div => binary(b, stack, |b, x, y| b.ins().fdiv(x, y)),
        // Cranelift's `fmin`/`fmax` are WebAssembly's: NaN if either operand is NaN,
        // and -0 < +0.
        O::F32Min | O::F64Min => binary(b, stack, |b, x, y| b.ins().fmin(x, y)),
        O::F32Max | O::F64Max => binary(b, stack, |b, x, y| b.ins().fmax(x, y)),
        O::F32Copysign | O::F64Copysign => binary(b, stack, |b, x, y| b.ins().fcopysign(x, y)),

        // ---- Integer width conversions.
        O::I32WrapI64 => unary(b, stack, |b, x| b.ins().ireduce(I32, x)),
        O::I64ExtendI32S => unary(b, stack, |b, x| b.ins().sextend(I64, x)),
        O::I64ExtendI32U => unary(b, stack, |b, x| b.ins().uextend(I64, x)),

        // ---- Sign extensions (of the low 8, 16 or 32 bits, in place).
        O::I32Extend8S | O::I64Extend8S => unary(b, stack, |b, x| extend_s(b, x, I8)),
        O::I32Extend16S | O::I64Extend16S => unary(b, stack, |b, x| extend_s(b, x, I16)),
        O::I64Extend32S => unary(b, stack, |b, x| extend_s(b, x, I32)),

        // ---- Trapping float-to-integer truncations (the source type is the operand's).
        O::I32TruncF32S | O::I32TruncF64S => {
            unary(b, stack, |b, x| trunc(b, env, x, I32, Sign::Signed))
        }
        O::I32TruncF32U | O::I32TruncF64U => {
            unary(b, stack, |b, x| trunc(b, env, x, I32, Sign::Unsigned))
        }
        O::I64TruncF32S | O::I64TruncF64S => {
            unary(b, stack, |b, x| trunc(b, env, x, I64, Sign::Signed))
        }
        O::I64TruncF32U | O::I64TruncF64U => {
            unary(b, stack, |b, x| trunc(b, env, x, I64, Sign::Unsigned))
        }

        // ---- Saturating float-to-integer truncations: Cranelift's `_sat` conversions
        // clamp to the integer range and give 0 for NaN, as WebAssembly's.
        O::I32TruncSatF32S | O::I32TruncSatF64S => {
            unary(b, stack, |b, x| b.ins().fcvt_to_sint_sat(I32, x))
        }
        O::I32TruncSatF32U | O::I32TruncSatF64U => {
            unary(b, stack, |b, x| b.ins().fcvt_to_uint_sat(I32, x))
        }
        O::I64TruncSatF32S | O::I64TruncSatF64S => {
            unary(b, stack, |b, x| b.ins().fcvt_to_sint_sat(I64, x))
        }
        O::I64TruncSatF32U | O::I64TruncSatF64U => {
            unary(b, stack, |b, x| b.ins().fcvt_to_uint_sat(I64, x))
        }

        // ---- Integer-to-float conversions (round to nearest, ties to even) and float
        // width conversions.
        O::F32ConvertI32S | O::F32ConvertI64S => {
            unary(b, stack, |b, x| b.ins().fcvt_from_sint(F32, x))
        }
        O::F32ConvertI32U | O::F32ConvertI64U => {
            unary(b, stack, |b, x| b.ins().fcvt_from_uint(F32, x))
        }
        O::F64ConvertI32S | O::F64ConvertI64S => {
            unary(b, stack, |b, x| b.ins().fcvt_from_sint(F64, x))
        }
        O::F64ConvertI32U | O::F64ConvertI64U => {
            unary(b, stack, |b, x| b.ins().fcvt_from_uint(F64, x))
        }
        O::F32DemoteF64 => unary(b, stack, |b, x| b.ins().fdemote(F32, x)),
        O::F64PromoteF32 => unary(b, stack, |b, x| b.ins().fpromote(F64, x)),

        // ---- Reinterpretations: the same bits as another type.
        O::I32ReinterpretF32 => unary(b, stack, |b, x| {
            b.ins().bitcast(I32, MemFlagsData::new(), x)
        }),
        O::I64ReinterpretF64 => unary(b, stack, |b, x| {
            b.ins().bitcast(I64, MemFlagsData::new(), x)
        }),
        O::F32ReinterpretI32 => unary(b, stack, |b, x| {
            b.ins().bitcast(F32, MemFlagsData::new(), x)
        }),
        O::F64ReinterpretI64 => unary(b, stack, |b, x| {
            b.ins().bitcast(F64, MemFlagsData::new(), x)
        }),

        _ => return false,
    }
    true
}

// ---- Operand stack helpers ----------------------------------------------------------

/// Pops the top of the operand stack (present in a validated function).
fn pop(stack: &mut Vec<Value>) -> Value {
    stack
        .pop()
        .expect("operand stack underflow: the function was validated")
}

/// Pops one operand, pushes `f(operand)`.
fn unary(
    b: &mut FunctionBuilder<'_>,
    stack: &mut Vec<Value>,
    f: impl FnOnce(&mut FunctionBuilder<'_>, Value) -> Value,
) {
    let x = pop(stack);
    let r = f(b, x);
    stack.push(r);
}

/// Pops two operands (`y` on top, `x` below it), pushes `f(x, y)`.
fn binary(
    b: &mut FunctionBuilder<'_>,
    stack: &mut Vec<Value>,
    f: impl FnOnce(&mut FunctionBuilder<'_>, Value, Value) -> Value,
) {
    let y = pop(stack);
    let x = pop(stack);
    let r = f(b, x, y);
    stack.push(r);
}

/// An integer comparison, its `I8` result widened to `I32`.
fn icmp(b: &mut FunctionBuilder<'_>, stack: &mut Vec<Value>, cc: IntCC) {
    binary(b, stack, |b, x, y| {
        let c = b.ins().icmp(cc, x, y);
        b.ins().uextend(I32, c)
    });
}

/// A float comparison, its `I8` result widened to `I32`.
fn fcmp(b: &mut FunctionBuilder<'_>, stack: &mut Vec<Value>, cc: FloatCC) {
    binary(b, stack, |b, x, y| {
        let c = b.ins().fcmp(cc, x, y);
        b.ins().uextend(I32, c)
    });
}

/// The type of value `v`.
fn type_of(b: &FunctionBuilder<'_>, v: Value) -> Type {
    b.func.dfg.value_type(v)
}

// ---- Sign extension -----------------------------------------------------------------

/// Sign-extends the low `narrow` bits of `x` to the full width of `x`.
fn extend_s(b: &mut FunctionBuilder<'_>, x: Value, narrow: Type) -> Value {
    let ty = type_of(b, x);
    let low = b.ins().ireduce(narrow, x);
    b.ins().sextend(ty, low)
}

// ---- Division and remainder ---------------------------------------------------------

/// Traps with `IntegerDivideByZero` when the divisor `y` is zero.
fn trap_if_zero(b: &mut FunctionBuilder<'_>, env: &mut dyn Env, y: Value) {
    let is_zero = b.ins().icmp_imm_s(IntCC::Equal, y, 0);
    env.trap_if(b, is_zero, TrapCode::IntegerDivideByZero);
}

/// `div_s`: traps on a zero divisor, and with `IntegerOverflow` on `MIN / -1` (whose
/// quotient, `MAX + 1`, is not representable).
fn div_s(b: &mut FunctionBuilder<'_>, env: &mut dyn Env, x: Value, y: Value) -> Value {
    trap_if_zero(b, env, y);
    let min = i64::MIN >> (64 - type_of(b, x).bits());
    let x_is_min = b.ins().icmp_imm_s(IntCC::Equal, x, min);
    let y_is_minus_one = b.ins().icmp_imm_s(IntCC::Equal, y, -1);
    let overflows = b.ins().band(x_is_min, y_is_minus_one);
    env.trap_if(b, overflows, TrapCode::IntegerOverflow);
    b.ins().sdiv(x, y)
}

/// `div_u`: traps on a zero divisor.
fn div_u(b: &mut FunctionBuilder<'_>, env: &mut dyn Env, x: Value, y: Value) -> Value {
    trap_if_zero(b, env, y);
    b.ins().udiv(x, y)
}

/// `rem_s`: traps on a zero divisor. `MIN rem -1` is 0 in WebAssembly but traps in
/// Cranelift's `srem` (as on x86), so a divisor of -1 is replaced by 1: `x rem -1` and
/// `x rem 1` are both 0 for every `x`.
fn rem_s(b: &mut FunctionBuilder<'_>, env: &mut dyn Env, x: Value, y: Value) -> Value {
    trap_if_zero(b, env, y);
    let ty = type_of(b, y);
    let y_is_minus_one = b.ins().icmp_imm_s(IntCC::Equal, y, -1);
    let one = b.ins().iconst(ty, 1);
    let divisor = b.ins().select(y_is_minus_one, one, y);
    b.ins().srem(x, divisor)
}

/// `rem_u`: traps on a zero divisor.
fn rem_u(b: &mut FunctionBuilder<'_>, env: &mut dyn Env, x: Value, y: Value) -> Value {
    trap_if_zero(b, env, y);
    b.ins().urem(x, y)
}

// ---- Trapping float-to-integer truncation -------------------------------------------

/// Signedness of an integer conversion.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sign {
    Signed,
    Unsigned,
}

/// The exclusive bounds `(lower, upper)` of the float values of type `from` (`F32` or
/// `F64`) that truncate to an integer of type `to` (`I32` or `I64`): exactly the `x`
/// with `lower < x < upper`. Each bound is exactly representable in `from`.
///
/// `trunc(x)` is in `[MIN, MAX]` exactly when `MIN - 1 < x < MAX + 1`. So:
///
/// - upper: `MAX + 1`, which is `2^(N-1)` (signed) or `2^N` (unsigned), a power of two,
///   exact in both float types;
/// - lower, unsigned: `MIN - 1 = -1`, exact;
/// - lower, signed: `MIN - 1 = -2^(N-1) - 1`, which is not representable when the
///   spacing of floats just beyond `2^(N-1)`, `2^(N-1-M)` for `M` mantissa bits (23 for
///   `f32`, 52 for `f64`), exceeds 1. Then the bound is the largest float below it, which
///   is the float just below `MIN` (`MIN` itself being exact): `-2^(N-1) - 2^(N-1-M)`.
///   - `f32` → `i32`: `-2^31 - 2^8 = -2147483904`;
///   - `f32` → `i64`: `-2^63 - 2^40 = -9223373136366403584`;
///   - `f64` → `i32`: spacing `2^-21` < 1, so `-2^31 - 1 = -2147483649` itself;
///   - `f64` → `i64`: `-2^63 - 2^11 = -9223372036854777856`.
///
/// These are the bounds of wasmtime's translation, and the unit tests check each
/// against the definition.
fn trunc_bounds(from: Type, to: Type, sign: Sign) -> (f64, f64) {
    match (from, to, sign) {
        (F32, I32, Sign::Signed) => (-2147483904.0, 2147483648.0),
        (F32, I64, Sign::Signed) => (-9223373136366403584.0, 9223372036854775808.0),
        (F64, I32, Sign::Signed) => (-2147483649.0, 2147483648.0),
        (F64, I64, Sign::Signed) => (-9223372036854777856.0, 9223372036854775808.0),
        (F32 | F64, I32, Sign::Unsigned) => (-1.0, 4294967296.0),
        (F32 | F64, I64, Sign::Unsigned) => (-1.0, 18446744073709551616.0),
        _ => unreachable!("no truncation from {from} to {to}"),
    }
}

/// A float constant of type `ty` (`F32` or `F64`) with value `v`, exact in `ty`.
fn float_const(b: &mut FunctionBuilder<'_>, ty: Type, v: f64) -> Value {
    if ty == F32 {
        debug_assert_eq!(f64::from(v as f32), v, "{v} is not exact in f32");
        b.ins().f32const(v as f32)
    } else {
        b.ins().f64const(v)
    }
}

/// `iN.trunc_fM_s/u`: traps with `InvalidConversionToInteger` for NaN, with
/// `IntegerOverflow` when the truncated value is outside the range of `to`; converts
/// otherwise. Past the checks the saturating conversion is used: it agrees with the
/// trapping one on every input left, and never traps itself.
fn trunc(b: &mut FunctionBuilder<'_>, env: &mut dyn Env, x: Value, to: Type, sign: Sign) -> Value {
    let from = type_of(b, x);
    let is_nan = b.ins().fcmp(FloatCC::Unordered, x, x);
    env.trap_if(b, is_nan, TrapCode::InvalidConversionToInteger);

    let (lower, upper) = trunc_bounds(from, to, sign);
    let lower = float_const(b, from, lower);
    let upper = float_const(b, from, upper);
    // Ordered comparisons: `x` is not NaN here.
    let too_low = b.ins().fcmp(FloatCC::LessThanOrEqual, x, lower);
    let too_high = b.ins().fcmp(FloatCC::GreaterThanOrEqual, x, upper);
    let out_of_range = b.ins().bor(too_low, too_high);
    env.trap_if(b, out_of_range, TrapCode::IntegerOverflow);

    match sign {
        Sign::Signed => b.ins().fcvt_to_sint_sat(to, x),
        Sign::Unsigned => b.ins().fcvt_to_uint_sat(to, x),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cranelift_codegen::control::ControlPlane;
    use cranelift_codegen::ir::{
        self, AbiParam, Function, InstructionData, Opcode, Signature, UserFuncName,
    };
    use cranelift_codegen::isa::{CallConv, TargetIsa};
    use cranelift_codegen::{settings, verify_function, Context};
    use cranelift_frontend::FunctionBuilderContext;
    use wasmparser::{BinaryReader, Ieee32 as WIeee32, Ieee64 as WIeee64, OperatorsReader};

    /// A test environment: `trap_if` is a `trapnz`, and the trap codes are recorded in
    /// order.
    #[derive(Default)]
    struct TestEnv {
        traps: Vec<TrapCode>,
    }

    impl Env for TestEnv {
        fn trap_if(&mut self, b: &mut FunctionBuilder<'_>, cond: Value, code: TrapCode) {
            self.traps.push(code);
            let code = match code {
                TrapCode::IntegerDivideByZero => ir::TrapCode::INTEGER_DIVISION_BY_ZERO,
                TrapCode::IntegerOverflow => ir::TrapCode::INTEGER_OVERFLOW,
                TrapCode::InvalidConversionToInteger => ir::TrapCode::BAD_CONVERSION_TO_INTEGER,
                other => panic!("unexpected trap code {other:?}"),
            };
            b.ins().trapnz(cond, code);
        }

        fn heap_address(
            &mut self,
            _: &mut FunctionBuilder<'_>,
            addr: Value,
            _: u64,
            _: u32,
        ) -> Value {
            addr
        }
    }

    /// Every numeric operator of WebAssembly 2.0 with its operand types and result type.
    fn operators() -> Vec<(Operator<'static>, &'static [Type], Type)> {
        use Operator as O;
        const I: &[Type] = &[I32];
        const II: &[Type] = &[I32, I32];
        const L: &[Type] = &[I64];
        const LL: &[Type] = &[I64, I64];
        const F: &[Type] = &[F32];
        const FF: &[Type] = &[F32, F32];
        const D: &[Type] = &[F64];
        const DD: &[Type] = &[F64, F64];
        vec![
            (O::I32Const { value: -1 }, &[], I32),
            (O::I32Const { value: i32::MIN }, &[], I32),
            (O::I64Const { value: -1 }, &[], I64),
            (
                O::F32Const {
                    value: WIeee32::from(-0.0f32),
                },
                &[],
                F32,
            ),
            (
                O::F64Const {
                    value: WIeee64::from(f64::NAN),
                },
                &[],
                F64,
            ),
            // i32 comparisons
            (O::I32Eqz, I, I32),
            (O::I32Eq, II, I32),
            (O::I32Ne, II, I32),
            (O::I32LtS, II, I32),
            (O::I32LtU, II, I32),
            (O::I32GtS, II, I32),
            (O::I32GtU, II, I32),
            (O::I32LeS, II, I32),
            (O::I32LeU, II, I32),
            (O::I32GeS, II, I32),
            (O::I32GeU, II, I32),
            // i64 comparisons
            (O::I64Eqz, L, I32),
            (O::I64Eq, LL, I32),
            (O::I64Ne, LL, I32),
            (O::I64LtS, LL, I32),
            (O::I64LtU, LL, I32),
            (O::I64GtS, LL, I32),
            (O::I64GtU, LL, I32),
            (O::I64LeS, LL, I32),
            (O::I64LeU, LL, I32),
            (O::I64GeS, LL, I32),
            (O::I64GeU, LL, I32),
            // float comparisons
            (O::F32Eq, FF, I32),
            (O::F32Ne, FF, I32),
            (O::F32Lt, FF, I32),
            (O::F32Gt, FF, I32),
            (O::F32Le, FF, I32),
            (O::F32Ge, FF, I32),
            (O::F64Eq, DD, I32),
            (O::F64Ne, DD, I32),
            (O::F64Lt, DD, I32),
            (O::F64Gt, DD, I32),
            (O::F64Le, DD, I32),
            (O::F64Ge, DD, I32),
            // i32 arithmetic
            (O::I32Clz, I, I32),
            (O::I32Ctz, I, I32),
            (O::I32Popcnt, I, I32),
            (O::I32Add, II, I32),
            (O::I32Sub, II, I32),
            (O::I32Mul, II, I32),
            (O::I32DivS, II, I32),
            (O::I32DivU, II, I32),
            (O::I32RemS, II, I32),
            (O::I32RemU, II, I32),
            (O::I32And, II, I32),
            (O::I32Or, II, I32),
            (O::I32Xor, II, I32),
            (O::I32Shl, II, I32),
            (O::I32ShrS, II, I32),
            (O::I32ShrU, II, I32),
            (O::I32Rotl, II, I32),
            (O::I32Rotr, II, I32),
            // i64 arithmetic
            (O::I64Clz, L, I64),
            (O::I64Ctz, L, I64),
            (O::I64Popcnt, L, I64),
            (O::I64Add, LL, I64),
            (O::I64Sub, LL, I64),
            (O::I64Mul, LL, I64),
            (O::I64DivS, LL, I64),
            (O::I64DivU, LL, I64),
            (O::I64RemS, LL, I64),
            (O::I64RemU, LL, I64),
            (O::I64And, LL, I64),
            (O::I64Or, LL, I64),
            (O::I64Xor, LL, I64),
            (O::I64Shl, LL, I64),
            (O::I64ShrS, LL, I64),
            (O::I64ShrU, LL, I64),
            (O::I64Rotl, LL, I64),
            (O::I64Rotr, LL, I64),
            // f32 arithmetic
            (O::F32Abs, F, F32),
            (O::F32Neg, F, F32),
            (O::F32Ceil, F, F32),
            (O::F32Floor, F, F32),
            (O::F32Trunc, F, F32),
            (O::F32Nearest, F, F32),
            (O::F32Sqrt, F, F32),
            (O::F32Add, FF, F32),
            (O::F32Sub, FF, F32),
            (O::F32Mul, FF, F32),
            (O::F32Div, FF, F32),
            (O::F32Min, FF, F32),
            (O::F32Max, FF, F32),
            (O::F32Copysign, FF, F32),
            // f64 arithmetic
            (O::F64Abs, D, F64),
            (O::F64Neg, D, F64),
            (O::F64Ceil, D, F64),
            (O::F64Floor, D, F64),
            (O::F64Trunc, D, F64),
            (O::F64Nearest, D, F64),
            (O::F64Sqrt, D, F64),
            (O::F64Add, DD, F64),
            (O::F64Sub, DD, F64),
            (O::F64Mul, DD, F64),
            (O::F64Div, DD, F64),
            (O::F64Min, DD, F64),
            (O::F64Max, DD, F64),
            (O::F64Copysign, DD, F64),
            // conversions
            (O::I32WrapI64, L, I32),
            (O::I32TruncF32S, F, I32),
            (O::I32TruncF32U, F, I32),
            (O::I32TruncF64S, D, I32),
            (O::I32TruncF64U, D, I32),
            (O::I64ExtendI32S, I, I64),
            (O::I64ExtendI32U, I, I64),
            (O::I64TruncF32S, F, I64),
            (O::I64TruncF32U, F, I64),
            (O::I64TruncF64S, D, I64),
            (O::I64TruncF64U, D, I64),
            (O::F32ConvertI32S, I, F32),
            (O::F32ConvertI32U, I, F32),
            (O::F32ConvertI64S, L, F32),
            (O::F32ConvertI64U, L, F32),
            (O::F32DemoteF64, D, F32),
            (O::F64ConvertI32S, I, F64),
            (O::F64ConvertI32U, I, F64),
            (O::F64ConvertI64S, L, F64),
            (O::F64ConvertI64U, L, F64),
            (O::F64PromoteF32, F, F64),
            (O::I32ReinterpretF32, F, I32),
            (O::I64ReinterpretF64, D, I64),
            (O::F32ReinterpretI32, I, F32),
            (O::F64ReinterpretI64, L, F64),
            // sign extensions
            (O::I32Extend8S, I, I32),
            (O::I32Extend16S, I, I32),
            (O::I64Extend8S, L, I64),
            (O::I64Extend16S, L, I64),
            (O::I64Extend32S, L, I64),
            // saturating truncations
            (O::I32TruncSatF32S, F, I32),
            (O::I32TruncSatF32U, F, I32),
            (O::I32TruncSatF64S, D, I32),
            (O::I32TruncSatF64U, D, I32),
            (O::I64TruncSatF32S, F, I64),
            (O::I64TruncSatF32U, F, I64),
            (O::I64TruncSatF64S, D, I64),
            (O::I64TruncSatF64U, D, I64),
        ]
    }

    /// The trap codes `op` must check for, in order.
    fn expected_traps(op: &Operator<'_>) -> Vec<TrapCode> {
        use Operator as O;
        use TrapCode::*;
        match op {
            O::I32DivS | O::I64DivS => vec![IntegerDivideByZero, IntegerOverflow],
            O::I32DivU | O::I64DivU | O::I32RemS | O::I64RemS | O::I32RemU | O::I64RemU => {
                vec![IntegerDivideByZero]
            }
            O::I32TruncF32S
            | O::I32TruncF32U
            | O::I32TruncF64S
            | O::I32TruncF64U
            | O::I64TruncF32S
            | O::I64TruncF32U
            | O::I64TruncF64S
            | O::I64TruncF64U => vec![InvalidConversionToInteger, IntegerOverflow],
            _ => vec![],
        }
    }

    /// Builds `fn(params) -> result { numeric(op) }`, checking the stack effect and the
    /// traps along the way.
    fn build(isa: &dyn TargetIsa, op: &Operator<'_>, params: &[Type], result: Type) -> Function {
        let mut sig = Signature::new(CallConv::SystemV);
        sig.params.extend(params.iter().map(|&t| AbiParam::new(t)));
        sig.returns.push(AbiParam::new(result));
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
        assert!(
            numeric(op, &mut b, &mut stack, &mut env),
            "{op:?} not handled"
        );
        assert_eq!(stack.len(), 2, "{op:?}: stack {stack:?}");
        assert_eq!(
            stack[0], below,
            "{op:?} changed the value below its operands"
        );
        let r = stack[1];
        assert_eq!(b.func.dfg.value_type(r), result, "{op:?}: result type");
        assert_eq!(env.traps, expected_traps(op), "{op:?}: traps");

        b.ins().return_(&[r]);
        b.finalize(isa.frontend_config());
        func
    }

    /// Every operator produces IR that verifies (operand and result types, arity) and that
    /// the host backend compiles.
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

    /// The table above holds every numeric operator: all opcodes 0x45..=0xC4 (comparisons,
    /// arithmetic, conversions, sign extensions) and 0xFC 0..=7 (saturating truncations),
    /// plus the four constants.
    #[test]
    fn table_is_complete() {
        let table = operators();
        let mut encodings: Vec<Vec<u8>> = (0x45..=0xC4u8).map(|op| vec![op]).collect();
        encodings.extend((0..=7u8).map(|sub| vec![0xFC, sub]));
        for bytes in &encodings {
            let mut reader = OperatorsReader::new(BinaryReader::new(bytes, 0));
            let op = reader.read().expect("decodes");
            assert!(
                table.iter().any(|(t, ..)| *t == op),
                "{op:?} missing from the table"
            );
        }
        let constants = table
            .iter()
            .filter(|(op, ..)| {
                matches!(
                    op,
                    Operator::I32Const { .. }
                        | Operator::I64Const { .. }
                        | Operator::F32Const { .. }
                        | Operator::F64Const { .. }
                )
            })
            .count();
        // Each non-constant operator exactly once.
        assert_eq!(table.len() - constants, encodings.len());
    }

    /// Constants keep their exact bits (negative i32 zero-extended in the immediate, NaN
    /// and -0 payloads).
    #[test]
    fn constants_keep_their_bits() {
        let isa = super::super::native_isa();
        let cases: [(Operator<'static>, Type, InstructionData); 4] = [
            (
                Operator::I32Const { value: -1 },
                I32,
                InstructionData::UnaryImm {
                    opcode: Opcode::Iconst,
                    imm: 0xffff_ffffi64.into(),
                },
            ),
            (
                Operator::I64Const { value: i64::MIN },
                I64,
                InstructionData::UnaryImm {
                    opcode: Opcode::Iconst,
                    imm: i64::MIN.into(),
                },
            ),
            (
                Operator::F32Const {
                    value: WIeee32::from(f32::from_bits(0xffc0_0001)),
                },
                F32,
                InstructionData::UnaryIeee32 {
                    opcode: Opcode::F32const,
                    imm: Ieee32::with_bits(0xffc0_0001),
                },
            ),
            (
                Operator::F64Const {
                    value: WIeee64::from(-0.0f64),
                },
                F64,
                InstructionData::UnaryIeee64 {
                    opcode: Opcode::F64const,
                    imm: Ieee64::with_bits(1 << 63),
                },
            ),
        ];
        for (op, ty, expected) in cases {
            let func = build(&*isa, &op, &[], ty);
            let entry = func.layout.entry_block().unwrap();
            let inst = func.layout.block_insts(entry).nth(1).unwrap();
            assert_eq!(func.dfg.insts[inst], expected, "{op:?}");
        }
    }

    /// Non-numeric operators are left alone.
    #[test]
    fn other_operators_are_not_handled() {
        let mut func = Function::new();
        let mut fctx = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut fctx);
        let entry = b.create_block();
        b.switch_to_block(entry);
        let x = b.ins().iconst(I32, 1);
        let mut stack = vec![x, x];
        let mut env = TestEnv::default();
        for op in [
            Operator::Nop,
            Operator::Drop,
            Operator::Select,
            Operator::LocalGet { local_index: 0 },
            Operator::GlobalSet { global_index: 0 },
            Operator::MemorySize { mem: 0 },
            Operator::Return,
            Operator::Unreachable,
            Operator::RefIsNull,
            Operator::I32x4Add,
            Operator::F32x4Sqrt,
        ] {
            assert!(!numeric(&op, &mut b, &mut stack, &mut env), "{op:?}");
            assert_eq!(stack, [x, x]);
        }
        assert!(env.traps.is_empty());
        assert_eq!(b.func.layout.block_insts(entry).count(), 1);
    }

    // ---- Truncation bounds, checked against the definition --------------------------

    /// The neighbouring float of `v` in type `ty` (as `f64`), one step towards zero
    /// (`towards_zero`) or away from it.
    fn neighbour(ty: Type, v: f64, towards_zero: bool) -> f64 {
        // For a non-zero float, the bit pattern's magnitude grows with the value's.
        let step = |bits: u64| if towards_zero { bits - 1 } else { bits + 1 };
        if ty == F32 {
            f64::from(f32::from_bits(step(u64::from((v as f32).to_bits())) as u32))
        } else {
            f64::from_bits(step(v.to_bits()))
        }
    }

    /// Whether float `v` (exact) truncates into the range of `to`.
    fn fits(v: f64, to: Type, sign: Sign) -> bool {
        // Every value here is well inside i128's range and an integer after `trunc`.
        let t = v.trunc() as i128;
        let bits = to.bits();
        let (min, max) = match sign {
            Sign::Signed => (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1),
            Sign::Unsigned => (0, (1i128 << bits) - 1),
        };
        (min..=max).contains(&t)
    }

    /// Each bound is exact in its float type, outside the range, and the nearest float
    /// inside it is valid: so `lower < x < upper` accepts exactly the floats whose
    /// truncation fits.
    #[test]
    fn trunc_bounds_are_exact() {
        for from in [F32, F64] {
            for to in [I32, I64] {
                for sign in [Sign::Signed, Sign::Unsigned] {
                    let (lower, upper) = trunc_bounds(from, to, sign);
                    let case = format!("{from} -> {to} {sign:?}: ({lower}, {upper})");
                    if from == F32 {
                        assert_eq!(f64::from(lower as f32), lower, "{case}: lower inexact");
                        assert_eq!(f64::from(upper as f32), upper, "{case}: upper inexact");
                    }
                    assert!(!fits(lower, to, sign), "{case}: lower fits");
                    assert!(!fits(upper, to, sign), "{case}: upper fits");
                    // Lower is negative: its neighbour above is towards zero.
                    let above_lower = neighbour(from, lower, true);
                    assert!(
                        fits(above_lower, to, sign),
                        "{case}: {above_lower} rejected"
                    );
                    let below_upper = neighbour(from, upper, true);
                    assert!(
                        fits(below_upper, to, sign),
                        "{case}: {below_upper} rejected"
                    );
                }
            }
        }
        // The values of the specification's tests, spelled out.
        assert_eq!(trunc_bounds(F32, I32, Sign::Signed).0, -2147483904.0);
        assert_eq!(
            trunc_bounds(F32, I64, Sign::Signed).0,
            -9223373136366403584.0
        );
        assert_eq!(trunc_bounds(F64, I32, Sign::Signed).0, -2147483649.0);
        assert_eq!(
            trunc_bounds(F64, I64, Sign::Signed).0,
            -9223372036854777856.0
        );
    }
}
