//! The interpreter's internal instruction set.
//!
//! Functions are translated once, at compile time, from Wasm operators into this compact
//! code: branch targets are absolute positions, stack heights are resolved, immediates
//! are decoded. Operators without immediates keep their `wasmparser` name and are listed
//! once, in [`define_instr!`]; the translator maps them by name.
//!
//! Heights (`dst`) are slot offsets from the frame pointer: locals occupy slots
//! `0..locals`, the operand stack follows.

macro_rules! define_instr {
    ($($simple:ident)*) => {
        /// One internal instruction (16 bytes).
        #[derive(Clone, Copy, Debug, PartialEq)]
        #[allow(missing_docs)]
        pub(crate) enum Instr {
            // ---- control ----
            Unreachable,
            /// Unconditional jump to `pc`, the stack already has the right shape.
            Jump(u32),
            /// Pop a condition; jump to `pc` if it is zero (`if`).
            JumpIfZero(u32),
            /// Pop a condition; jump to `pc` if it is non-zero (`br_if` without stack fixup).
            JumpIfNonZero(u32),
            /// Keep the top `arity` values at height `dst`, then jump.
            Br { pc: u32, dst: u32, arity: u32 },
            /// Pop a condition; if non-zero, do as `Br`.
            BrIf { pc: u32, dst: u32, arity: u32 },
            /// Pop an index; the `len + 1` instructions that follow are the targets (each a
            /// `Jump` or a `Br`), the last one the default.
            BrTable { len: u32 },
            /// Return the top `arity` values from the current function.
            Return { arity: u32 },
            /// Call function `func` of the current module's function index space.
            Call(u32),
            /// Call through `table` with expected signature `ty` (module type index).
            CallIndirect { ty: u32, table: u32 },
            Drop,
            /// Pop a condition and two values; keep the first if the condition is non-zero.
            Select,
            // ---- variables ----
            LocalGet(u32),
            LocalSet(u32),
            LocalTee(u32),
            GlobalGet(u32),
            GlobalSet(u32),
            // ---- memory (offset immediate; memory 0) ----
            I32Load(u32), I64Load(u32), F32Load(u32), F64Load(u32),
            I32Load8S(u32), I32Load8U(u32), I32Load16S(u32), I32Load16U(u32),
            I64Load8S(u32), I64Load8U(u32), I64Load16S(u32), I64Load16U(u32),
            I64Load32S(u32), I64Load32U(u32),
            I32Store(u32), I64Store(u32), F32Store(u32), F64Store(u32),
            I32Store8(u32), I32Store16(u32), I64Store8(u32), I64Store16(u32), I64Store32(u32),
            MemorySize,
            MemoryGrow,
            MemoryFill,
            MemoryCopy,
            MemoryInit(u32),
            DataDrop(u32),
            // ---- tables and references ----
            TableGet(u32),
            TableSet(u32),
            TableSize(u32),
            TableGrow(u32),
            TableFill(u32),
            TableCopy { dst: u32, src: u32 },
            TableInit { table: u32, elem: u32 },
            ElemDrop(u32),
            RefNull,
            RefIsNull,
            RefFunc(u32),
            /// Charge this many units of fuel (only in code compiled with fuel).
            ConsumeFuel(u32),
            // ---- constants ----
            Const32(u32),
            Const64(u64),
            // ---- fused instructions (super-instructions) ----
            /// `local.get a; local.get b`.
            LocalGet2(u32, u32),
            /// `local.get x; i32.const c; i32.add`.
            I32AddLocalConst { local: u32, c: u32 },
            /// `i32.const c; i32.add`.
            I32AddConst(u32),
            /// `local.get x; local.set y`.
            LocalCopy { from: u32, to: u32 },
            // ---- numeric operators without immediates ----
            $($simple,)*
        }

        impl Instr {
            /// The instruction for an immediate-free numeric operator, if `op` is one.
            pub(crate) fn simple(op: &wasmparser::Operator<'_>) -> Option<Instr> {
                match op {
                    $(wasmparser::Operator::$simple => Some(Instr::$simple),)*
                    _ => None,
                }
            }
        }
    };
}

define_instr! {
    I32Eqz I32Eq I32Ne I32LtS I32LtU I32GtS I32GtU I32LeS I32LeU I32GeS I32GeU
    I64Eqz I64Eq I64Ne I64LtS I64LtU I64GtS I64GtU I64LeS I64LeU I64GeS I64GeU
    F32Eq F32Ne F32Lt F32Gt F32Le F32Ge
    F64Eq F64Ne F64Lt F64Gt F64Le F64Ge
    I32Clz I32Ctz I32Popcnt I32Add I32Sub I32Mul I32DivS I32DivU I32RemS I32RemU
    I32And I32Or I32Xor I32Shl I32ShrS I32ShrU I32Rotl I32Rotr
    I64Clz I64Ctz I64Popcnt I64Add I64Sub I64Mul I64DivS I64DivU I64RemS I64RemU
    I64And I64Or I64Xor I64Shl I64ShrS I64ShrU I64Rotl I64Rotr
    F32Abs F32Neg F32Ceil F32Floor F32Trunc F32Nearest F32Sqrt
    F32Add F32Sub F32Mul F32Div F32Min F32Max F32Copysign
    F64Abs F64Neg F64Ceil F64Floor F64Trunc F64Nearest F64Sqrt
    F64Add F64Sub F64Mul F64Div F64Min F64Max F64Copysign
    I32WrapI64 I32TruncF32S I32TruncF32U I32TruncF64S I32TruncF64U
    I64ExtendI32S I64ExtendI32U I64TruncF32S I64TruncF32U I64TruncF64S I64TruncF64U
    F32ConvertI32S F32ConvertI32U F32ConvertI64S F32ConvertI64U F32DemoteF64
    F64ConvertI32S F64ConvertI32U F64ConvertI64S F64ConvertI64U F64PromoteF32
    I32ReinterpretF32 I64ReinterpretF64 F32ReinterpretI32 F64ReinterpretI64
    I32Extend8S I32Extend16S I64Extend8S I64Extend16S I64Extend32S
    I32TruncSatF32S I32TruncSatF32U I32TruncSatF64S I32TruncSatF64U
    I64TruncSatF32S I64TruncSatF32U I64TruncSatF64S I64TruncSatF64U
}

#[cfg(test)]
mod tests {
    #[test]
    fn instr_is_compact() {
        assert!(std::mem::size_of::<super::Instr>() <= 16);
    }
}
