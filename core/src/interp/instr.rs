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
            /// Stop if the call was interrupted, its module closed or its deadline passed
            /// (only in code compiled with interrupt checks).
            CheckInterrupt,
            // ---- v128 (two slots, low half first) ----
            /// `v128.const`: constant `.0` of the module's `v128` constants.
            V128Const(u32),
            /// `i8x16.shuffle` with the lanes of constant `.0`.
            Shuffle(u32),
            /// A SIMD operator without immediates.
            Simd(super::simd::SimdOp),
            /// `extract_lane` / `replace_lane`.
            SimdLane { op: super::simd::LaneOp, lane: u8 },
            /// A SIMD load or store (memory 0).
            SimdMem { op: super::simd::MemOp, lane: u8, offset: u32 },
            LocalGet128(u32),
            LocalSet128(u32),
            LocalTee128(u32),
            GlobalGet128(u32),
            GlobalSet128(u32),
            Select128,
            // ---- constants ----
            Const32(u32),
            Const64(u64),
            // ---- fused instructions (super-instructions) ----
            /// `local.get a; local.get b`.
            LocalGet2(u32, u32),
            /// `local.get x; i32.const c; i32.add`.
            I32AddLocalConst { local: u32, c: u32 },
            /// `local.get x; local.set y`.
            LocalCopy { from: u32, to: u32 },
            // ---- binary operators with the second operand a local (`L`) or a constant (`C`) ----
            I32AddL(u32), I32AddC(u32),
            I32SubL(u32), I32SubC(u32),
            I32MulL(u32), I32MulC(u32),
            I32AndL(u32), I32AndC(u32),
            I32OrL(u32), I32OrC(u32),
            I32XorL(u32), I32XorC(u32),
            I32ShlL(u32), I32ShlC(u32),
            I32ShrSL(u32), I32ShrSC(u32),
            I32ShrUL(u32), I32ShrUC(u32),
            I32EqL(u32), I32EqC(u32),
            I32NeL(u32), I32NeC(u32),
            I32LtSL(u32), I32LtSC(u32),
            I32LtUL(u32), I32LtUC(u32),
            I32GtSL(u32), I32GtSC(u32),
            I32GtUL(u32), I32GtUC(u32),
            I32LeSL(u32), I32LeSC(u32),
            I32LeUL(u32), I32LeUC(u32),
            I32GeSL(u32), I32GeSC(u32),
            I32GeUL(u32), I32GeUC(u32),
            I64AddL(u32),
            I64SubL(u32),
            I64MulL(u32),
            I64AndL(u32),
            I64OrL(u32),
            I64XorL(u32),
            I64ShlL(u32),
            I64ShrSL(u32),
            I64ShrUL(u32),
            I64EqL(u32),
            I64NeL(u32),
            I64LtSL(u32),
            I64LtUL(u32),
            I64GtSL(u32),
            I64GtUL(u32),
            I64LeSL(u32),
            I64LeUL(u32),
            I64GeSL(u32),
            I64GeUL(u32),
            F64AddL(u32),
            F64SubL(u32),
            F64MulL(u32),
            F64DivL(u32),
            F32AddL(u32),
            F32SubL(u32),
            F32MulL(u32),
            F32DivL(u32),
            // ---- fused compare-and-branch: jump to `pc` if the comparison holds ----
            BrIfI32Eq(u32), BrIfI32Ne(u32), BrIfI32LtS(u32), BrIfI32LtU(u32), BrIfI32GtS(u32),
            BrIfI32GtU(u32), BrIfI32LeS(u32), BrIfI32LeU(u32), BrIfI32GeS(u32), BrIfI32GeU(u32),
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

/// Builds a branch instruction from its target.
type BranchCtor = fn(u32) -> Instr;

impl Instr {
    /// The form of a binary operator that takes its second operand from a local.
    pub(crate) fn with_local_operand(self) -> Option<fn(u32) -> Instr> {
        Some(match self {
            Instr::I32Add => Instr::I32AddL,
            Instr::I32Sub => Instr::I32SubL,
            Instr::I32Mul => Instr::I32MulL,
            Instr::I32And => Instr::I32AndL,
            Instr::I32Or => Instr::I32OrL,
            Instr::I32Xor => Instr::I32XorL,
            Instr::I32Shl => Instr::I32ShlL,
            Instr::I32ShrS => Instr::I32ShrSL,
            Instr::I32ShrU => Instr::I32ShrUL,
            Instr::I32Eq => Instr::I32EqL,
            Instr::I32Ne => Instr::I32NeL,
            Instr::I32LtS => Instr::I32LtSL,
            Instr::I32LtU => Instr::I32LtUL,
            Instr::I32GtS => Instr::I32GtSL,
            Instr::I32GtU => Instr::I32GtUL,
            Instr::I32LeS => Instr::I32LeSL,
            Instr::I32LeU => Instr::I32LeUL,
            Instr::I32GeS => Instr::I32GeSL,
            Instr::I32GeU => Instr::I32GeUL,
            Instr::I64Add => Instr::I64AddL,
            Instr::I64Sub => Instr::I64SubL,
            Instr::I64Mul => Instr::I64MulL,
            Instr::I64And => Instr::I64AndL,
            Instr::I64Or => Instr::I64OrL,
            Instr::I64Xor => Instr::I64XorL,
            Instr::I64Shl => Instr::I64ShlL,
            Instr::I64ShrS => Instr::I64ShrSL,
            Instr::I64ShrU => Instr::I64ShrUL,
            Instr::I64Eq => Instr::I64EqL,
            Instr::I64Ne => Instr::I64NeL,
            Instr::I64LtS => Instr::I64LtSL,
            Instr::I64LtU => Instr::I64LtUL,
            Instr::I64GtS => Instr::I64GtSL,
            Instr::I64GtU => Instr::I64GtUL,
            Instr::I64LeS => Instr::I64LeSL,
            Instr::I64LeU => Instr::I64LeUL,
            Instr::I64GeS => Instr::I64GeSL,
            Instr::I64GeU => Instr::I64GeUL,
            Instr::F64Add => Instr::F64AddL,
            Instr::F64Sub => Instr::F64SubL,
            Instr::F64Mul => Instr::F64MulL,
            Instr::F64Div => Instr::F64DivL,
            Instr::F32Add => Instr::F32AddL,
            Instr::F32Sub => Instr::F32SubL,
            Instr::F32Mul => Instr::F32MulL,
            Instr::F32Div => Instr::F32DivL,
            _ => return None,
        })
    }

    /// The form of a binary `i32` operator that takes its second operand as a constant.
    pub(crate) fn with_const_operand(self) -> Option<fn(u32) -> Instr> {
        Some(match self {
            Instr::I32Add => Instr::I32AddC,
            Instr::I32Sub => Instr::I32SubC,
            Instr::I32Mul => Instr::I32MulC,
            Instr::I32And => Instr::I32AndC,
            Instr::I32Or => Instr::I32OrC,
            Instr::I32Xor => Instr::I32XorC,
            Instr::I32Shl => Instr::I32ShlC,
            Instr::I32ShrS => Instr::I32ShrSC,
            Instr::I32ShrU => Instr::I32ShrUC,
            Instr::I32Eq => Instr::I32EqC,
            Instr::I32Ne => Instr::I32NeC,
            Instr::I32LtS => Instr::I32LtSC,
            Instr::I32LtU => Instr::I32LtUC,
            Instr::I32GtS => Instr::I32GtSC,
            Instr::I32GtU => Instr::I32GtUC,
            Instr::I32LeS => Instr::I32LeSC,
            Instr::I32LeU => Instr::I32LeUC,
            Instr::I32GeS => Instr::I32GeSC,
            Instr::I32GeU => Instr::I32GeUC,
            _ => return None,
        })
    }

    /// For an `i32` comparison, the compare-and-branch that jumps when it holds
    /// (`negate`: when it does not hold).
    pub(crate) fn compare_and_branch(self, negate: bool) -> Option<fn(u32) -> Instr> {
        use Instr as I;
        let (yes, no): (BranchCtor, BranchCtor) = match self {
            I::I32Eq => (I::BrIfI32Eq, I::BrIfI32Ne),
            I::I32Ne => (I::BrIfI32Ne, I::BrIfI32Eq),
            I::I32LtS => (I::BrIfI32LtS, I::BrIfI32GeS),
            I::I32LtU => (I::BrIfI32LtU, I::BrIfI32GeU),
            I::I32GtS => (I::BrIfI32GtS, I::BrIfI32LeS),
            I::I32GtU => (I::BrIfI32GtU, I::BrIfI32LeU),
            I::I32LeS => (I::BrIfI32LeS, I::BrIfI32GtS),
            I::I32LeU => (I::BrIfI32LeU, I::BrIfI32GtU),
            I::I32GeS => (I::BrIfI32GeS, I::BrIfI32LtS),
            I::I32GeU => (I::BrIfI32GeU, I::BrIfI32LtU),
            _ => return None,
        };
        Some(if negate { no } else { yes })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn instr_is_compact() {
        assert!(std::mem::size_of::<super::Instr>() <= 16);
    }
}
