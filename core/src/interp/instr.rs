//! The interpreter's internal instruction set: register-addressed.
//!
//! Functions are translated once, at compile time, from Wasm operators into this code.
//! Every operand and result is a *slot* of the current frame, addressed from the frame
//! pointer: locals occupy slots `0..locals`, and the value at operand stack height `h`
//! lives in slot `locals + h` (its *natural* slot). Because the translator knows every
//! height statically, an instruction names its slots directly: `local.get` costs
//! nothing (the local's slot is the operand), and `x = a + b` is one instruction.
//!
//! Operators without immediates keep their `wasmparser` name and are listed once in
//! [`define_instr!`], as unary (`{ dst, a }`) or binary (`{ dst, a, b }`); the translator
//! maps them by name. Rare operators run "stack-style" at an explicit height `h`
//! (their operands materialised in their natural slots).

use super::simd::{LaneOp, MemOp, SimdOp};
use crate::gctypes::{Heap, Kind, RefTy, TypeId};

macro_rules! define_instr {
    (
        unary { $($u:ident)* }
        binary { $($b:ident)* }
        binary_const { $($c:ident => $cc:ident)* }
    ) => {
        /// One internal instruction (16 bytes).
        #[derive(Clone, Copy, Debug, PartialEq)]
        #[allow(missing_docs)]
        pub(crate) enum Instr {
            // ---- control ----
            Unreachable,
            /// Jump to `pc`.
            Jump(u32),
            /// Jump to `pc` if slot `c` is zero.
            JumpIfZero { pc: u32, c: u32 },
            /// Jump to `pc` if slot `c` is non-zero.
            JumpIfNonZero { pc: u32, c: u32 },
            /// Copy `arity` slots from `src` to `dst`, then jump.
            Br { pc: u32, dst: u32, src: u32, arity: u16 },
            /// Slot `index` picks one of the `len + 1` instructions that follow (each a
            /// `Jump` or a `Br`), the last one the default.
            BrTable { len: u32, index: u32 },
            /// Return the `arity` slots at `src`.
            Return { src: u32, arity: u32 },
            /// `Return`, after calling function `func`'s listener with the results.
            ReturnListened { src: u32, arity: u32, func: u32 },
            /// Call function `func`'s listener (`before`), first thing in the function.
            ListenerBefore(u32),
            /// Call function `func` (module index space) with arguments from slot `base`.
            Call { func: u32, base: u32 },
            /// Call through `table` with signature `ty`; the table index is in slot `h - 1`,
            /// the arguments below it.
            CallIndirect { ty: u32, table: u32, h: u32 },
            /// A listened function `func` (module index space) tail-calls: its `after`
            /// is owed when the frame at this depth returns (with those results).
            TailListened(u32),
            /// `return_call` of defined function `func` (module index space): its frame
            /// replaces this one, the arguments moved down from slot `base`.
            ReturnCall { func: u32, base: u32 },
            /// `return_call_indirect`: as `CallIndirect`, but a function of this instance
            /// replaces this frame; any other is called, and the `Return` that follows
            /// returns its results.
            ReturnCallIndirect { ty: u32, table: u32, h: u32 },
            /// `select` on the natural slots at `h - 3`, `h - 2`, `h - 1` (result at `h - 3`).
            Select { h: u32 },
            /// A load, store or SIMD memory operator on memory `mem` when it is not
            /// memory 0 (multi-memory) or has 64-bit addresses (`addr64`, memory64), its
            /// operands in the natural slots below `h`, its offset `v128_consts[off]`.
            Wide { op: WideOp, h: u32, off: u32, mem: u16, addr64: bool },
            /// `memory.copy` from memory `src` to memory `dst` (two different memories),
            /// operands in the natural slots below `h`.
            MemoryCopyBetween { dst: u32, src: u32, h: u32 },
            /// `call_ref`: the function reference is in slot `h - 1`, the arguments below.
            CallRef { h: u32 },
            /// `return_call_ref`: as `ReturnCallIndirect`, the reference in slot `h - 1`.
            ReturnCallRef { h: u32 },
            /// `ref.as_non_null`: `dst = a`, trapping on null.
            RefAsNonNull { dst: u32, a: u32 },
            /// `throw` of the module's tag `tag`, its payload in the natural slots below `h`.
            Throw { tag: u32, h: u32 },
            /// `throw_ref` (and the legacy `rethrow`) of the `exnref` in slot `a`.
            ThrowRef { a: u32 },
            /// The GC operator `gc[idx]` of the function (see `interp::gc`), its operands
            /// in the natural slots below `h`.
            Gc { idx: u32, h: u32 },
            /// Jump to `pc` if the reference in slot `a` passes the cast test
            /// `gc[idx & !NEGATE]` (a `GcOp::Branch`); with `NEGATE` in `idx`, if it fails.
            JumpIfCast { pc: u32, a: u32, idx: u32 },
            // ---- variables ----
            /// `dst = src` (a `local.set`, or an operand materialised in its slot).
            Copy { dst: u32, src: u32 },
            /// `dst = c` (32-bit constant, zero-extended).
            Const32 { dst: u32, c: u32 },
            /// `dst = c`.
            Const64 { dst: u32, c: u64 },
            GlobalGet { dst: u32, global: u32 },
            GlobalSet { src: u32, global: u32 },
            // ---- memory (memory 0) ----
            // (A load's or store's `end` is its offset plus its width: where the access
            // ends, the one value its bounds check needs (`hot::Mem::read_to`). It fits
            // a `u32`; an access whose offset is too close to 4 GiB for that is a `Wide`.)
            I32Load { dst: u32, addr: u32, end: u32 },
            I64Load { dst: u32, addr: u32, end: u32 },
            I32Load8S { dst: u32, addr: u32, end: u32 },
            I32Load8U { dst: u32, addr: u32, end: u32 },
            I32Load16S { dst: u32, addr: u32, end: u32 },
            I32Load16U { dst: u32, addr: u32, end: u32 },
            I64Load8S { dst: u32, addr: u32, end: u32 },
            I64Load8U { dst: u32, addr: u32, end: u32 },
            I64Load16S { dst: u32, addr: u32, end: u32 },
            I64Load16U { dst: u32, addr: u32, end: u32 },
            I64Load32S { dst: u32, addr: u32, end: u32 },
            I64Load32U { dst: u32, addr: u32, end: u32 },
            Store32 { addr: u32, src: u32, end: u32 },
            Store64 { addr: u32, src: u32, end: u32 },
            Store8 { addr: u32, src: u32, end: u32 },
            Store16 { addr: u32, src: u32, end: u32 },
            MemorySize { dst: u32, mem: u32 },
            MemoryGrow { dst: u32, a: u32, mem: u32 },
            MemoryFill { h: u32, mem: u32 },
            /// `memory.copy` within memory `mem`.
            MemoryCopy { h: u32, mem: u32 },
            MemoryInit { seg: u32, h: u32, mem: u32 },
            DataDrop(u32),
            // ---- tables and references ----
            TableGet { table: u32, h: u32 },
            TableSet { table: u32, h: u32 },
            TableSize { table: u32, dst: u32 },
            TableGrow { table: u32, h: u32 },
            TableFill { table: u32, h: u32 },
            TableCopy { dst: u32, src: u32, h: u32 },
            TableInit { table: u32, elem: u32, h: u32 },
            ElemDrop(u32),
            RefNull { dst: u32 },
            RefIsNull { dst: u32, a: u32 },
            RefFunc { dst: u32, func: u32 },
            // ---- checks compiled in on request ----
            /// A stop point before the instruction at this code-section offset (only in
            /// code compiled for debugging).
            DebugStep { offset: u32, height: u32 },
            /// Charge this many units of fuel (only in code compiled with fuel).
            ConsumeFuel(u32),
            /// The next this many operators run (a straight-line segment of them, which
            /// begins here: no branch leaves it before its end and none enters it after
            /// this): time travel's instruction count in plain code. `Count(0)` in debug
            /// code, whose stop points count one by one, marks the same place (a switch
            /// point). Only in code compiled for debugging.
            Count(u32),
            /// Stop if the call was interrupted, its module closed or its deadline passed
            /// (only in code compiled with interrupt checks).
            CheckInterrupt,
            // ---- v128 (two slots, low half first; SIMD runs stack-style at `h`) ----
            /// `dst = v128 constant .0` of the module's `v128` constants.
            V128Const { idx: u32, dst: u32 },
            /// `i8x16.shuffle` with the lanes of constant `idx`.
            Shuffle { idx: u32, h: u32 },
            Simd { op: SimdOp, h: u32 },
            SimdLane { op: LaneOp, lane: u8, h: u32 },
            SimdMem { op: MemOp, lane: u8, offset: u32, h: u32 },
            /// `v128.load` of memory 0 (32-bit) at slot `addr` + `offset` into slots
            /// `dst .. dst + 2` (register-addressed: the address may be a local's slot).
            LoadV128 { dst: u32, addr: u32, offset: u32 },
            /// `v128.store` of memory 0 (32-bit) of slots `src .. src + 2` at slot `addr`
            /// + `offset`.
            StoreV128 { addr: u32, src: u32, offset: u32 },
            Copy128 { dst: u32, src: u32 },
            /// An `i32.add` of constant `add` to a slot in place (`a`, or `b` with
            /// [`ADD_TO_B`] in `kind`) fused into the `i32` compare-and-branch of slots `a`
            /// and `b` after it, which reads the sum: a loop's counter and its test, one
            /// instruction. `kind & CMP_KIND` is the comparison ([`CMP_EQ`] ..
            /// [`CMP_GE_U`]).
            AddBrIf { pc: u32, a: u32, b: u32, add: i8, kind: u8 },
            /// The same with a constant `c` as the comparison's second operand (the sum
            /// in `a`).
            AddBrIfC { pc: u32, a: u32, c: u32, add: i8, kind: u8 },
            /// `i32` `a + b * scale` (`scale` a power of two): an `i32.shl` by a constant
            /// below 16 fused into the `i32.add` of its result (an element's address).
            /// (A multiplier, not a shift: a shift's count would take the one register
            /// x86 shifts by, which the handlers use.)
            I32AddShl { dst: u32, a: u32, b: u32, scale: u16 },
            /// `i32.load` and `i64.load` of memory 0 at `a + b * scale` (an `I32AddShl`,
            /// or an `i32.add` with `scale` 1, fused into the load of its result, with no
            /// offset).
            I32LoadIdx { dst: u32, a: u32, b: u32, scale: u16 },
            I64LoadIdx { dst: u32, a: u32, b: u32, scale: u16 },
            /// `i32.load` and `i64.load` of memory 0 at `a + c` (an `i32.add` of a
            /// constant fused into the load of its result, with no offset: the sum
            /// wraps, as the `i32.add` does).
            I32LoadAt { dst: u32, a: u32, c: u32 },
            I64LoadAt { dst: u32, a: u32, c: u32 },
            /// An `i32` global's value plus `c` (wrapping) to `dst`: a `global.get` fused
            /// into the `i32.add` or `i32.sub` of a constant that takes its value (a
            /// subtraction adds the negated constant). A shadow stack's frame, as
            /// compilers make one: `global.get $sp; i32.const 16; i32.sub`.
            GlobalAddC { dst: u32, global: u32, c: u32 },
            /// [`Instr::GlobalAddC`] and the `global.set` of its result to the same global
            /// (`dst` keeps the value, a `local.tee`'s local): `g += c; dst = g`.
            GlobalAddSetC { dst: u32, global: u32, c: u32 },
            /// `global = a + c` (wrapping, `i32`): an `i32.add` or `i32.sub` of a constant
            /// fused into the `global.set` of its result (a frame's end:
            /// `local.get $fp; i32.const 16; i32.add; global.set $sp`).
            GlobalSetAddC { a: u32, global: u32, c: u32 },
            /// `f64` `a + m * b` and `a - m * b`: an `f64.mul` fused into the `f64.add` or
            /// `f64.sub` of its result (the multiply is removed; its factors are slot `m`
            /// and `b`). Each operation still rounds, as the two operators do: not a fused
            /// multiply-add.
            F64MulAdd { dst: u32, a: u32, b: u32, m: u16 },
            F64MulSub { dst: u32, a: u32, b: u32, m: u16 },
            GlobalGet128 { dst: u32, global: u32 },
            GlobalSet128 { src: u32, global: u32 },
            Select128 { h: u32 },
            // ---- fused compare-and-branch: jump to `pc` if the comparison holds ----
            BrIfI32Eq { pc: u32, a: u32, b: u32 },
            BrIfI32Ne { pc: u32, a: u32, b: u32 },
            BrIfI32LtS { pc: u32, a: u32, b: u32 },
            BrIfI32LtU { pc: u32, a: u32, b: u32 },
            BrIfI32GtS { pc: u32, a: u32, b: u32 },
            BrIfI32GtU { pc: u32, a: u32, b: u32 },
            BrIfI32LeS { pc: u32, a: u32, b: u32 },
            BrIfI32LeU { pc: u32, a: u32, b: u32 },
            BrIfI32GeS { pc: u32, a: u32, b: u32 },
            BrIfI32GeU { pc: u32, a: u32, b: u32 },
            // ... of `i64` and `f64` operands (`Not`: the comparison does not hold, which
            // for floats is not the opposite comparison: NaN)
            BrIfI64Eq { pc: u32, a: u32, b: u32 },
            BrIfI64Ne { pc: u32, a: u32, b: u32 },
            BrIfI64LtS { pc: u32, a: u32, b: u32 },
            BrIfI64LtU { pc: u32, a: u32, b: u32 },
            BrIfI64GtS { pc: u32, a: u32, b: u32 },
            BrIfI64GtU { pc: u32, a: u32, b: u32 },
            BrIfI64LeS { pc: u32, a: u32, b: u32 },
            BrIfI64LeU { pc: u32, a: u32, b: u32 },
            BrIfI64GeS { pc: u32, a: u32, b: u32 },
            BrIfI64GeU { pc: u32, a: u32, b: u32 },
            BrIfF64Eq { pc: u32, a: u32, b: u32 },
            BrIfF64Ne { pc: u32, a: u32, b: u32 },
            BrIfF64Lt { pc: u32, a: u32, b: u32 },
            BrIfF64Gt { pc: u32, a: u32, b: u32 },
            BrIfF64Le { pc: u32, a: u32, b: u32 },
            BrIfF64Ge { pc: u32, a: u32, b: u32 },
            BrIfF64NotLt { pc: u32, a: u32, b: u32 },
            BrIfF64NotGt { pc: u32, a: u32, b: u32 },
            BrIfF64NotLe { pc: u32, a: u32, b: u32 },
            BrIfF64NotGe { pc: u32, a: u32, b: u32 },
            // ... with a constant second operand `c` (an `i32`'s bits)
            BrIfI32EqC { pc: u32, a: u32, c: u32 },
            BrIfI32NeC { pc: u32, a: u32, c: u32 },
            BrIfI32LtSC { pc: u32, a: u32, c: u32 },
            BrIfI32LtUC { pc: u32, a: u32, c: u32 },
            BrIfI32GtSC { pc: u32, a: u32, c: u32 },
            BrIfI32GtUC { pc: u32, a: u32, c: u32 },
            BrIfI32LeSC { pc: u32, a: u32, c: u32 },
            BrIfI32LeUC { pc: u32, a: u32, c: u32 },
            BrIfI32GeSC { pc: u32, a: u32, c: u32 },
            BrIfI32GeUC { pc: u32, a: u32, c: u32 },
            // ---- numeric operators ----
            $($u { dst: u32, a: u32 },)*
            $($b { dst: u32, a: u32, b: u32 },)*
            /// Binary `i32` operators with a constant second operand.
            $($cc { dst: u32, a: u32, c: u32 },)*
        }

        /// How a numeric operator without immediates takes its operands.
        pub(crate) enum Numeric {
            /// Builds the instruction from `dst` and `a`.
            Unary(fn(u32, u32) -> Instr),
            /// Builds the instruction from `dst`, `a`, `b`; and, for `i32` operators that have
            /// one, the form with a constant `b`.
            Binary(fn(u32, u32, u32) -> Instr, Option<fn(u32, u32, u32) -> Instr>),
        }

        impl Numeric {
            /// The numeric operator `op`, if it is one without immediates.
            pub(crate) fn of(op: &wasmparser::Operator<'_>) -> Option<Numeric> {
                match op {
                    $(wasmparser::Operator::$u => Some(Numeric::Unary(|dst, a| Instr::$u { dst, a })),)*
                    $(wasmparser::Operator::$b => Some(Numeric::Binary(
                        |dst, a, b| Instr::$b { dst, a, b },
                        Self::const_form(op),
                    )),)*
                    _ => None,
                }
            }

            fn const_form(op: &wasmparser::Operator<'_>) -> Option<fn(u32, u32, u32) -> Instr> {
                match op {
                    $(wasmparser::Operator::$c => Some(|dst, a, c| Instr::$cc { dst, a, c }),)*
                    _ => None,
                }
            }
        }
    };
}

/// Calls `$m!` with the numeric operators without immediates, by class: the instruction
/// set and the executor are both generated from this one list.
macro_rules! numeric_ops {
    ($m:ident) => {
        $m! {
        unary {
            I32Eqz I64Eqz I32Clz I32Ctz I32Popcnt I64Clz I64Ctz I64Popcnt
            F32Abs F32Neg F32Ceil F32Floor F32Trunc F32Nearest F32Sqrt
            F64Abs F64Neg F64Ceil F64Floor F64Trunc F64Nearest F64Sqrt
            I32WrapI64 I32TruncF32S I32TruncF32U I32TruncF64S I32TruncF64U
            I64ExtendI32S I64TruncF32S I64TruncF32U I64TruncF64S I64TruncF64U
            F32ConvertI32S F32ConvertI32U F32ConvertI64S F32ConvertI64U F32DemoteF64
            F64ConvertI32S F64ConvertI32U F64ConvertI64S F64ConvertI64U F64PromoteF32
            I32Extend8S I32Extend16S I64Extend8S I64Extend16S I64Extend32S
            I32TruncSatF32S I32TruncSatF32U I32TruncSatF64S I32TruncSatF64U
            I64TruncSatF32S I64TruncSatF32U I64TruncSatF64S I64TruncSatF64U
        }
        binary {
            I32Eq I32Ne I32LtS I32LtU I32GtS I32GtU I32LeS I32LeU I32GeS I32GeU
            I64Eq I64Ne I64LtS I64LtU I64GtS I64GtU I64LeS I64LeU I64GeS I64GeU
            F32Eq F32Ne F32Lt F32Gt F32Le F32Ge
            F64Eq F64Ne F64Lt F64Gt F64Le F64Ge
            I32Add I32Sub I32Mul I32DivS I32DivU I32RemS I32RemU
            I32And I32Or I32Xor I32Shl I32ShrS I32ShrU I32Rotl I32Rotr
            I64Add I64Sub I64Mul I64DivS I64DivU I64RemS I64RemU
            I64And I64Or I64Xor I64Shl I64ShrS I64ShrU I64Rotl I64Rotr
            F32Add F32Sub F32Mul F32Div F32Min F32Max F32Copysign
            F64Add F64Sub F64Mul F64Div F64Min F64Max F64Copysign
        }
        binary_const {
            I32Add => I32AddC I32Sub => I32SubC I32Mul => I32MulC I32And => I32AndC
            I32Or => I32OrC I32Xor => I32XorC I32Shl => I32ShlC I32ShrS => I32ShrSC
            I32ShrU => I32ShrUC I32Eq => I32EqC I32Ne => I32NeC I32LtS => I32LtSC
            I32LtU => I32LtUC I32GtS => I32GtSC I32GtU => I32GtUC I32LeS => I32LeSC
            I32LeU => I32LeUC I32GeS => I32GeSC I32GeU => I32GeUC
            I32Rotl => I32RotlC I32Rotr => I32RotrC
        }
            }
    };
}
#[allow(unused_imports)]
pub(crate) use numeric_ops;

numeric_ops!(define_instr);

/// Builds a compare-and-branch from its target and operand slots.
type BranchCtor = fn(u32, u32, u32) -> Instr;

/// The `i32` comparisons of [`Instr::AddBrIf`] and [`Instr::AddBrIfC`] (`kind &
/// CMP_KIND`).
pub(crate) const CMP_EQ: u8 = 0;
pub(crate) const CMP_NE: u8 = 1;
pub(crate) const CMP_LT_S: u8 = 2;
pub(crate) const CMP_LT_U: u8 = 3;
pub(crate) const CMP_GT_S: u8 = 4;
pub(crate) const CMP_GT_U: u8 = 5;
pub(crate) const CMP_LE_S: u8 = 6;
pub(crate) const CMP_LE_U: u8 = 7;
pub(crate) const CMP_GE_S: u8 = 8;
pub(crate) const CMP_GE_U: u8 = 9;
/// The comparison's bits of an `AddBrIf`'s `kind`.
pub(crate) const CMP_KIND: u8 = 0x0f;
/// In an `AddBrIf`'s `kind`: the sum goes to `b` (else to `a`).
pub(crate) const ADD_TO_B: u8 = 0x80;

/// Whether `i32` comparison `kind` ([`CMP_EQ`] ..) holds of `x` and `y` (their low 32
/// bits), as the compare-and-branch of that comparison tests it.
#[inline(always)]
pub(crate) fn i32_holds(kind: u8, x: u64, y: u64) -> bool {
    let (u, v) = (x as u32, y as u32);
    let (s, t) = (u as i32, v as i32);
    match kind & CMP_KIND {
        CMP_EQ => u == v,
        CMP_NE => u != v,
        CMP_LT_S => s < t,
        CMP_LT_U => u < v,
        CMP_GT_S => s > t,
        CMP_GT_U => u > v,
        CMP_LE_S => s <= t,
        CMP_LE_U => u <= v,
        CMP_GE_S => s >= t,
        _ => u >= v,
    }
}

impl Instr {
    /// For an `i32`, `i64` or `f64` comparison `{ dst, a, b }` (or an `i32` one
    /// `{ dst, a, c }` with a constant), its
    /// operands and the compare-and-branch that jumps when it holds (`negate`: when it does
    /// not hold).
    pub(crate) fn compare_and_branch(self, negate: bool) -> Option<(u32, u32, u32, BranchCtor)> {
        use Instr as I;
        macro_rules! pair {
            ($yes:ident, $no:ident) => {{
                let y: BranchCtor = |pc, a, b| I::$yes { pc, a, b };
                let n: BranchCtor = |pc, a, b| I::$no { pc, a, b };
                if negate {
                    n
                } else {
                    y
                }
            }};
        }
        macro_rules! pair_c {
            ($yes:ident, $no:ident) => {{
                let y: BranchCtor = |pc, a, c| I::$yes { pc, a, c };
                let n: BranchCtor = |pc, a, c| I::$no { pc, a, c };
                if negate {
                    n
                } else {
                    y
                }
            }};
        }
        let (dst, a, b, ctor) = match self {
            I::I32Eq { dst, a, b } => (dst, a, b, pair!(BrIfI32Eq, BrIfI32Ne)),
            I::I32Ne { dst, a, b } => (dst, a, b, pair!(BrIfI32Ne, BrIfI32Eq)),
            I::I32LtS { dst, a, b } => (dst, a, b, pair!(BrIfI32LtS, BrIfI32GeS)),
            I::I32LtU { dst, a, b } => (dst, a, b, pair!(BrIfI32LtU, BrIfI32GeU)),
            I::I32GtS { dst, a, b } => (dst, a, b, pair!(BrIfI32GtS, BrIfI32LeS)),
            I::I32GtU { dst, a, b } => (dst, a, b, pair!(BrIfI32GtU, BrIfI32LeU)),
            I::I32LeS { dst, a, b } => (dst, a, b, pair!(BrIfI32LeS, BrIfI32GtS)),
            I::I32LeU { dst, a, b } => (dst, a, b, pair!(BrIfI32LeU, BrIfI32GtU)),
            I::I32GeS { dst, a, b } => (dst, a, b, pair!(BrIfI32GeS, BrIfI32LtS)),
            I::I32GeU { dst, a, b } => (dst, a, b, pair!(BrIfI32GeU, BrIfI32LtU)),
            I::I64Eq { dst, a, b } => (dst, a, b, pair!(BrIfI64Eq, BrIfI64Ne)),
            I::I64Ne { dst, a, b } => (dst, a, b, pair!(BrIfI64Ne, BrIfI64Eq)),
            I::I64LtS { dst, a, b } => (dst, a, b, pair!(BrIfI64LtS, BrIfI64GeS)),
            I::I64LtU { dst, a, b } => (dst, a, b, pair!(BrIfI64LtU, BrIfI64GeU)),
            I::I64GtS { dst, a, b } => (dst, a, b, pair!(BrIfI64GtS, BrIfI64LeS)),
            I::I64GtU { dst, a, b } => (dst, a, b, pair!(BrIfI64GtU, BrIfI64LeU)),
            I::I64LeS { dst, a, b } => (dst, a, b, pair!(BrIfI64LeS, BrIfI64GtS)),
            I::I64LeU { dst, a, b } => (dst, a, b, pair!(BrIfI64LeU, BrIfI64GtU)),
            I::I64GeS { dst, a, b } => (dst, a, b, pair!(BrIfI64GeS, BrIfI64LtS)),
            I::I64GeU { dst, a, b } => (dst, a, b, pair!(BrIfI64GeU, BrIfI64LtU)),
            I::F64Eq { dst, a, b } => (dst, a, b, pair!(BrIfF64Eq, BrIfF64Ne)),
            I::F64Ne { dst, a, b } => (dst, a, b, pair!(BrIfF64Ne, BrIfF64Eq)),
            I::F64Lt { dst, a, b } => (dst, a, b, pair!(BrIfF64Lt, BrIfF64NotLt)),
            I::F64Gt { dst, a, b } => (dst, a, b, pair!(BrIfF64Gt, BrIfF64NotGt)),
            I::F64Le { dst, a, b } => (dst, a, b, pair!(BrIfF64Le, BrIfF64NotLe)),
            I::F64Ge { dst, a, b } => (dst, a, b, pair!(BrIfF64Ge, BrIfF64NotGe)),
            // (With a constant: `b` stands for it.)
            I::I32EqC { dst, a, c } => (dst, a, c, pair_c!(BrIfI32EqC, BrIfI32NeC)),
            I::I32NeC { dst, a, c } => (dst, a, c, pair_c!(BrIfI32NeC, BrIfI32EqC)),
            I::I32LtSC { dst, a, c } => (dst, a, c, pair_c!(BrIfI32LtSC, BrIfI32GeSC)),
            I::I32LtUC { dst, a, c } => (dst, a, c, pair_c!(BrIfI32LtUC, BrIfI32GeUC)),
            I::I32GtSC { dst, a, c } => (dst, a, c, pair_c!(BrIfI32GtSC, BrIfI32LeSC)),
            I::I32GtUC { dst, a, c } => (dst, a, c, pair_c!(BrIfI32GtUC, BrIfI32LeUC)),
            I::I32LeSC { dst, a, c } => (dst, a, c, pair_c!(BrIfI32LeSC, BrIfI32GtSC)),
            I::I32LeUC { dst, a, c } => (dst, a, c, pair_c!(BrIfI32LeUC, BrIfI32GtUC)),
            I::I32GeSC { dst, a, c } => (dst, a, c, pair_c!(BrIfI32GeSC, BrIfI32LtSC)),
            I::I32GeUC { dst, a, c } => (dst, a, c, pair_c!(BrIfI32GeUC, BrIfI32LtUC)),
            _ => return None,
        };
        Some((dst, a, b, ctor))
    }

    /// An `i32` compare-and-branch as `(pc, a, b, constant, kind)`: `b` is a slot, or
    /// the constant with `constant`; `kind` is its comparison ([`CMP_EQ`] ..).
    pub(crate) fn i32_compare_branch(&self) -> Option<(u32, u32, u32, bool, u8)> {
        use Instr as I;
        Some(match *self {
            I::BrIfI32Eq { pc, a, b } => (pc, a, b, false, CMP_EQ),
            I::BrIfI32Ne { pc, a, b } => (pc, a, b, false, CMP_NE),
            I::BrIfI32LtS { pc, a, b } => (pc, a, b, false, CMP_LT_S),
            I::BrIfI32LtU { pc, a, b } => (pc, a, b, false, CMP_LT_U),
            I::BrIfI32GtS { pc, a, b } => (pc, a, b, false, CMP_GT_S),
            I::BrIfI32GtU { pc, a, b } => (pc, a, b, false, CMP_GT_U),
            I::BrIfI32LeS { pc, a, b } => (pc, a, b, false, CMP_LE_S),
            I::BrIfI32LeU { pc, a, b } => (pc, a, b, false, CMP_LE_U),
            I::BrIfI32GeS { pc, a, b } => (pc, a, b, false, CMP_GE_S),
            I::BrIfI32GeU { pc, a, b } => (pc, a, b, false, CMP_GE_U),
            I::BrIfI32EqC { pc, a, c } => (pc, a, c, true, CMP_EQ),
            I::BrIfI32NeC { pc, a, c } => (pc, a, c, true, CMP_NE),
            I::BrIfI32LtSC { pc, a, c } => (pc, a, c, true, CMP_LT_S),
            I::BrIfI32LtUC { pc, a, c } => (pc, a, c, true, CMP_LT_U),
            I::BrIfI32GtSC { pc, a, c } => (pc, a, c, true, CMP_GT_S),
            I::BrIfI32GtUC { pc, a, c } => (pc, a, c, true, CMP_GT_U),
            I::BrIfI32LeSC { pc, a, c } => (pc, a, c, true, CMP_LE_S),
            I::BrIfI32LeUC { pc, a, c } => (pc, a, c, true, CMP_LE_U),
            I::BrIfI32GeSC { pc, a, c } => (pc, a, c, true, CMP_GE_S),
            I::BrIfI32GeUC { pc, a, c } => (pc, a, c, true, CMP_GE_U),
            _ => return None,
        })
    }

    /// Whether this is a load of an address fused operators computed (`I32LoadIdx`,
    /// `I64LoadIdx`, `I32LoadAt`, `I64LoadAt`: no offset, and the address never in a
    /// slot).
    pub(crate) fn is_fused_load(&self) -> bool {
        matches!(
            self,
            Instr::I32LoadIdx { .. }
                | Instr::I64LoadIdx { .. }
                | Instr::I32LoadAt { .. }
                | Instr::I64LoadAt { .. }
        )
    }

    /// A memory-0 scalar load's or store's `end` (its offset plus its width) and width.
    /// The handlers rely on `end >= width` (`hot::check` refuses code where it is not):
    /// their access is at `end - width` past the address.
    pub(crate) fn access_end(&self) -> Option<(u32, u32)> {
        Some(match *self {
            Instr::I32Load { end, .. }
            | Instr::I64Load32S { end, .. }
            | Instr::I64Load32U { end, .. }
            | Instr::Store32 { end, .. } => (end, 4),
            Instr::I64Load { end, .. } | Instr::Store64 { end, .. } => (end, 8),
            Instr::I32Load8S { end, .. }
            | Instr::I32Load8U { end, .. }
            | Instr::I64Load8S { end, .. }
            | Instr::I64Load8U { end, .. }
            | Instr::Store8 { end, .. } => (end, 1),
            Instr::I32Load16S { end, .. }
            | Instr::I32Load16U { end, .. }
            | Instr::I64Load16S { end, .. }
            | Instr::I64Load16U { end, .. }
            | Instr::Store16 { end, .. } => (end, 2),
            _ => return None,
        })
    }

    /// A scalar load's result and address slots.
    pub(crate) fn load_operands(&self) -> Option<(u32, u32)> {
        match *self {
            Instr::I32Load { dst, addr, .. }
            | Instr::I64Load { dst, addr, .. }
            | Instr::I32Load8S { dst, addr, .. }
            | Instr::I32Load8U { dst, addr, .. }
            | Instr::I32Load16S { dst, addr, .. }
            | Instr::I32Load16U { dst, addr, .. }
            | Instr::I64Load8S { dst, addr, .. }
            | Instr::I64Load8U { dst, addr, .. }
            | Instr::I64Load16S { dst, addr, .. }
            | Instr::I64Load16U { dst, addr, .. }
            | Instr::I64Load32S { dst, addr, .. }
            | Instr::I64Load32U { dst, addr, .. } => Some((dst, addr)),
            _ => None,
        }
    }

    /// A scalar store's address and value slots.
    fn store_operands(&self) -> Option<(u32, u32)> {
        match *self {
            Instr::Store32 { addr, src, .. }
            | Instr::Store64 { addr, src, .. }
            | Instr::Store8 { addr, src, .. }
            | Instr::Store16 { addr, src, .. } => Some((addr, src)),
            _ => None,
        }
    }

    /// A compare-and-branch's operands (`a`, and `b` unless it compares with a constant).
    fn compare_and_branch_operands(&self) -> Option<(u32, Option<u32>)> {
        match *self {
            Instr::BrIfI32Eq { a, b, .. }
            | Instr::BrIfI32Ne { a, b, .. }
            | Instr::BrIfI32LtS { a, b, .. }
            | Instr::BrIfI32LtU { a, b, .. }
            | Instr::BrIfI32GtS { a, b, .. }
            | Instr::BrIfI32GtU { a, b, .. }
            | Instr::BrIfI32LeS { a, b, .. }
            | Instr::BrIfI32LeU { a, b, .. }
            | Instr::BrIfI32GeS { a, b, .. }
            | Instr::BrIfI32GeU { a, b, .. }
            | Instr::BrIfI64Eq { a, b, .. }
            | Instr::BrIfI64Ne { a, b, .. }
            | Instr::BrIfI64LtS { a, b, .. }
            | Instr::BrIfI64LtU { a, b, .. }
            | Instr::BrIfI64GtS { a, b, .. }
            | Instr::BrIfI64GtU { a, b, .. }
            | Instr::BrIfI64LeS { a, b, .. }
            | Instr::BrIfI64LeU { a, b, .. }
            | Instr::BrIfI64GeS { a, b, .. }
            | Instr::BrIfI64GeU { a, b, .. }
            | Instr::BrIfF64Eq { a, b, .. }
            | Instr::BrIfF64Ne { a, b, .. }
            | Instr::BrIfF64Lt { a, b, .. }
            | Instr::BrIfF64Gt { a, b, .. }
            | Instr::BrIfF64Le { a, b, .. }
            | Instr::BrIfF64Ge { a, b, .. }
            | Instr::BrIfF64NotLt { a, b, .. }
            | Instr::BrIfF64NotGt { a, b, .. }
            | Instr::BrIfF64NotLe { a, b, .. }
            | Instr::BrIfF64NotGe { a, b, .. } => Some((a, Some(b))),
            Instr::BrIfI32EqC { a, .. }
            | Instr::BrIfI32NeC { a, .. }
            | Instr::BrIfI32LtSC { a, .. }
            | Instr::BrIfI32LtUC { a, .. }
            | Instr::BrIfI32GtSC { a, .. }
            | Instr::BrIfI32GtUC { a, .. }
            | Instr::BrIfI32LeSC { a, .. }
            | Instr::BrIfI32LeUC { a, .. }
            | Instr::BrIfI32GeSC { a, .. }
            | Instr::BrIfI32GeUC { a, .. } => Some((a, None)),
            _ => None,
        }
    }

    /// The slots of this instruction's operand `a` (a load's or store's address, a
    /// branch's condition), its operand `b` (a store's value) and its result, as the
    /// accumulator modes name them (`super::hot::IN_A`; which instructions have which
    /// modes is the fast path's to say: `super::hot::has_mode`). `None` where it has none.
    pub(crate) fn acc_operands(&self) -> (Option<u32>, Option<u32>, Option<u32>) {
        if let Some((dst, addr)) = self.load_operands() {
            return (Some(addr), None, Some(dst));
        }
        if let Some((addr, src)) = self.store_operands() {
            return (Some(addr), Some(src), None);
        }
        macro_rules! pick {
            (
                unary { $($u:ident)* }
                binary { $($b:ident)* }
                binary_const { $($c:ident => $cc:ident)* }
            ) => {
                match *self {
                    $(Instr::$u { dst, a } => (Some(a), None, Some(dst)),)*
                    $(Instr::$b { dst, a, b } => (Some(a), Some(b), Some(dst)),)*
                    $(Instr::$cc { dst, a, .. } => (Some(a), None, Some(dst)),)*
                    Instr::JumpIfZero { c, .. } | Instr::JumpIfNonZero { c, .. } => {
                        (Some(c), None, None)
                    }
                    Instr::Copy { dst, src } => (Some(src), None, Some(dst)),
                    Instr::Return { src, arity: 1 } => (Some(src), None, None),
                    Instr::BrTable { index, .. } => (Some(index), None, None),
                    // (Its value may overwrite its address.)
                    Instr::LoadV128 { dst, addr, .. } => (Some(addr), None, Some(dst)),
                    Instr::Const32 { dst, .. } | Instr::Const64 { dst, .. } => (None, None, Some(dst)),
                    Instr::I32AddShl { dst, a, b, .. }
                    | Instr::I32LoadIdx { dst, a, b, .. }
                    | Instr::I64LoadIdx { dst, a, b, .. } => (Some(a), Some(b), Some(dst)),
                    // (No accumulator modes: reported for what they read and write.)
                    Instr::AddBrIf { a, b, kind, .. } => {
                        let d = if kind & ADD_TO_B != 0 { b } else { a };
                        (Some(a), Some(b), Some(d))
                    }
                    Instr::AddBrIfC { a, .. } => (Some(a), None, Some(a)),
                    // (The factor `m` is read from its slot.)
                    Instr::F64MulAdd { dst, a, b, .. } | Instr::F64MulSub { dst, a, b, .. } => {
                        (Some(a), Some(b), Some(dst))
                    }
                    Instr::I32LoadAt { dst, a, .. } | Instr::I64LoadAt { dst, a, .. } => {
                        (Some(a), None, Some(dst))
                    }
                    _ => match self.compare_and_branch_operands() {
                        Some((a, b)) => (Some(a), b, None),
                        None => (None, None, None),
                    },
                }
            };
        }
        numeric_ops!(pick)
    }

    /// Every frame slot this instruction reads as an operand of its own: its
    /// [`Instr::acc_operands`] `a` and `b`, and a fused multiply's factor `m`, which the
    /// accumulator never gives (`hot::check` refuses a slot read of a value given to the
    /// accumulator alone). (Instructions with no accumulator modes, whose operands are
    /// always in their slots, may read more: a `GlobalSet`'s `src`, a `CallIndirect`'s
    /// index. An instruction before them never gives to the accumulator alone.)
    pub(crate) fn slot_reads(&self) -> [Option<u32>; 3] {
        let (a, b, _) = self.acc_operands();
        let m = match *self {
            Instr::F64MulAdd { m, .. } | Instr::F64MulSub { m, .. } => Some(m as u32),
            _ => None,
        };
        [a, b, m]
    }

    /// The slot this instruction writes its single result to, if it is a
    /// register-addressed instruction with a `dst` that may be retargeted.
    pub(crate) fn dst_mut(&mut self) -> Option<&mut u32> {
        macro_rules! pick {
            (
                unary { $($u:ident)* }
                binary { $($b:ident)* }
                binary_const { $($c:ident => $cc:ident)* }
            ) => {
                match self {
                    $(Instr::$u { dst, .. } => Some(dst),)*
                    $(Instr::$b { dst, .. } => Some(dst),)*
                    $(Instr::$cc { dst, .. } => Some(dst),)*
                    Instr::Const32 { dst, .. }
                    | Instr::Const64 { dst, .. }
                    | Instr::GlobalGet { dst, .. }
                    | Instr::GlobalAddC { dst, .. }
                    | Instr::GlobalAddSetC { dst, .. }
                    | Instr::I32Load { dst, .. }
                    | Instr::I64Load { dst, .. }
                    | Instr::I32Load8S { dst, .. }
                    | Instr::I32Load8U { dst, .. }
                    | Instr::I32Load16S { dst, .. }
                    | Instr::I32Load16U { dst, .. }
                    | Instr::I64Load8S { dst, .. }
                    | Instr::I64Load8U { dst, .. }
                    | Instr::I64Load16S { dst, .. }
                    | Instr::I64Load16U { dst, .. }
                    | Instr::I64Load32S { dst, .. }
                    | Instr::I64Load32U { dst, .. }
                    | Instr::RefIsNull { dst, .. }
                    | Instr::RefFunc { dst, .. }
                    | Instr::RefNull { dst }
                    | Instr::I32AddShl { dst, .. }
                    // (At a trap, the executor shows their address in its natural slot,
                    // whatever `dst` is: `Executor::operands_after_trap`.)
                    | Instr::I32LoadIdx { dst, .. }
                    | Instr::I64LoadIdx { dst, .. }
                    | Instr::I32LoadAt { dst, .. }
                    | Instr::I64LoadAt { dst, .. }
                    | Instr::F64MulAdd { dst, .. }
                    | Instr::F64MulSub { dst, .. } => Some(dst),
                    _ => None,
                }
            };
        }
        numeric_ops!(pick)
    }

    /// The fixed position this instruction may jump to (the entries after a `BrTable`
    /// are instructions of their own).
    pub(crate) fn jump_target(&self) -> Option<u32> {
        let mut copy = *self;
        copy.jump_target_mut().map(|pc| *pc)
    }

    /// The fixed position this instruction may jump to, to be patched.
    pub(crate) fn jump_target_mut(&mut self) -> Option<&mut u32> {
        match self {
            Instr::Jump(pc)
            | Instr::JumpIfZero { pc, .. }
            | Instr::JumpIfNonZero { pc, .. }
            | Instr::Br { pc, .. }
            | Instr::JumpIfCast { pc, .. }
            | Instr::BrIfI32Eq { pc, .. }
            | Instr::BrIfI32Ne { pc, .. }
            | Instr::BrIfI32LtS { pc, .. }
            | Instr::BrIfI32LtU { pc, .. }
            | Instr::BrIfI32GtS { pc, .. }
            | Instr::BrIfI32GtU { pc, .. }
            | Instr::BrIfI32LeS { pc, .. }
            | Instr::BrIfI32LeU { pc, .. }
            | Instr::BrIfI32GeS { pc, .. }
            | Instr::BrIfI32GeU { pc, .. }
            | Instr::BrIfI64Eq { pc, .. }
            | Instr::BrIfI64Ne { pc, .. }
            | Instr::BrIfI64LtS { pc, .. }
            | Instr::BrIfI64LtU { pc, .. }
            | Instr::BrIfI64GtS { pc, .. }
            | Instr::BrIfI64GtU { pc, .. }
            | Instr::BrIfI64LeS { pc, .. }
            | Instr::BrIfI64LeU { pc, .. }
            | Instr::BrIfI64GeS { pc, .. }
            | Instr::BrIfI64GeU { pc, .. }
            | Instr::BrIfF64Eq { pc, .. }
            | Instr::BrIfF64Ne { pc, .. }
            | Instr::BrIfF64Lt { pc, .. }
            | Instr::BrIfF64Gt { pc, .. }
            | Instr::BrIfF64Le { pc, .. }
            | Instr::BrIfF64Ge { pc, .. }
            | Instr::BrIfF64NotLt { pc, .. }
            | Instr::BrIfF64NotGt { pc, .. }
            | Instr::BrIfF64NotLe { pc, .. }
            | Instr::BrIfF64NotGe { pc, .. }
            | Instr::BrIfI32EqC { pc, .. }
            | Instr::BrIfI32NeC { pc, .. }
            | Instr::BrIfI32LtSC { pc, .. }
            | Instr::BrIfI32LtUC { pc, .. }
            | Instr::BrIfI32GtSC { pc, .. }
            | Instr::BrIfI32GtUC { pc, .. }
            | Instr::BrIfI32LeSC { pc, .. }
            | Instr::BrIfI32LeUC { pc, .. }
            | Instr::BrIfI32GeSC { pc, .. }
            | Instr::BrIfI32GeUC { pc, .. }
            | Instr::AddBrIf { pc, .. }
            | Instr::AddBrIfC { pc, .. } => Some(pc),
            _ => None,
        }
    }

    /// Whether execution never goes on to the next position after this instruction: the
    /// last instruction of every function is one (`hot::check`), so
    /// straight-line execution never runs past the end of the code.
    pub(crate) fn is_terminal(&self) -> bool {
        matches!(
            self,
            Instr::Unreachable
                | Instr::Jump(_)
                | Instr::Br { .. }
                | Instr::Return { .. }
                | Instr::ReturnListened { .. }
                | Instr::ReturnCall { .. }
                | Instr::Throw { .. }
                | Instr::ThrowRef { .. }
        )
    }

    /// One past the highest frame slot this instruction names through the fast path's
    /// unchecked frame pointer (`interp::hot`'s `slot!`); `Some(0)` for a fast-path
    /// instruction that reaches the frame only through checked slices; `None` for the
    /// executor's instructions (a fast-path instruction never has `None`: `hot::check`).
    ///
    /// This is half of the invariant the fast path's `slot!` relies on: a function in
    /// which this is above its `max_height` is refused (`hot::check`), and the fast path
    /// never runs a frame with fewer than `max_height` slots on the stack (`hot::run`,
    /// `Cx::call`, `Cx::ret` and the return handlers). Keep the list in step with the
    /// handlers: every slot a handler names through `slot!` must be counted here.
    pub(crate) fn unchecked_slots_end(&self) -> Option<u64> {
        let end = |slots: &[u32]| slots.iter().map(|&s| s as u64 + 1).max();
        if let Some((a, b)) = self.compare_and_branch_operands() {
            return end(&[a, b.unwrap_or(a)]);
        }
        if let Some((dst, addr)) = self.load_operands() {
            return end(&[dst, addr]);
        }
        if let Some((addr, src)) = self.store_operands() {
            return end(&[addr, src]);
        }
        macro_rules! pick {
            (
                unary { $($u:ident)* }
                binary { $($b:ident)* }
                binary_const { $($c:ident => $cc:ident)* }
            ) => {
                match *self {
                    $(Instr::$u { dst, a } => end(&[dst, a]),)*
                    $(Instr::$b { dst, a, b } => end(&[dst, a, b]),)*
                    $(Instr::$cc { dst, a, .. } => end(&[dst, a]),)*
                    Instr::JumpIfZero { c, .. } | Instr::JumpIfNonZero { c, .. } => end(&[c]),
                    Instr::BrTable { index, .. } => end(&[index]),
                    Instr::Jump(_) => Some(0),
                    Instr::Copy128 { dst, src } => Some(dst.max(src) as u64 + 2),
                    Instr::I32AddShl { dst, a, b, .. }
                    | Instr::I32LoadIdx { dst, a, b, .. }
                    | Instr::I64LoadIdx { dst, a, b, .. } => end(&[dst, a, b]),
                    Instr::F64MulAdd { dst, a, b, m } | Instr::F64MulSub { dst, a, b, m } => {
                        end(&[dst, a, b, m as u32])
                    }
                    Instr::I32LoadAt { dst, a, .. } | Instr::I64LoadAt { dst, a, .. } => {
                        end(&[dst, a])
                    }
                    // Slots `h - 5 .. h`.
                    Instr::Select128 { h } => (h >= 5).then_some(h as u64),
                    // A `v128` at `dst .. dst + 2` or `src .. src + 2`, its address at `addr`.
                    Instr::LoadV128 { dst: v, addr, .. } | Instr::StoreV128 { src: v, addr, .. } => {
                        v.checked_add(1).and_then(|v| end(&[v, addr]))
                    }
                    // The operands of a unary or binary operator (slots `h - 2 .. h` or
                    // `h - 4 .. h`, its result where its first operand was), which its
                    // specialised handler reads and writes unchecked. The other classes
                    // reach the frame through a checked slice (a splat writes its result
                    // at `h .. h + 2`): for them this bound only makes `check` stricter.
                    Instr::Simd { op, h } => (h >= op.operand_slots()).then_some(h as u64),
                    // (These address the frame through a checked slice: no unchecked slot.)
                    Instr::SimdLane { .. } | Instr::SimdMem { .. } => Some(0),
                    // (Through a checked slice too; its results may reach slot `h`, which
                    // this bound makes `check` hold to the frame.)
                    Instr::Gc { h, .. } => Some(h as u64 + 1),
                    // (The fast path's calls and returns check the frames they move to.)
                    Instr::Call { .. }
                    | Instr::ListenerBefore(_)
                    | Instr::CheckInterrupt
                    | Instr::Count(_) => Some(0),
                    // Results at `src .. src + arity`, copied to `0 .. arity`.
                    Instr::Return { src, arity } | Instr::ReturnListened { src, arity, .. } => {
                        Some(src as u64 + arity as u64)
                    }
                    // Slots `h - 3 .. h`.
                    Instr::Select { h } => (h >= 3).then_some(h as u64),
                    // Slots `src .. src + arity` and `dst .. dst + arity`.
                    Instr::Br { dst, src, arity, .. } => Some(dst.max(src) as u64 + arity as u64),
                    Instr::Copy { dst, src } => end(&[dst, src]),
                    Instr::AddBrIf { a, b, .. } => end(&[a, b]),
                    Instr::AddBrIfC { a, .. } => end(&[a]),
                    Instr::Const32 { dst, .. } | Instr::Const64 { dst, .. } => end(&[dst]),
                    // The element's index at `h - 1` (its arguments below: the call
                    // checks the frame it opens there, as `Call`'s does).
                    Instr::CallIndirect { h, .. } => (h >= 1).then_some(h as u64),
                    Instr::GlobalGet { dst, .. }
                    | Instr::GlobalAddC { dst, .. }
                    | Instr::GlobalAddSetC { dst, .. } => end(&[dst]),
                    Instr::GlobalSetAddC { a, .. } => end(&[a]),
                    Instr::GlobalSet { src, .. } => end(&[src]),
                    Instr::RefNull { dst } => end(&[dst]),
                    Instr::RefIsNull { dst, a } | Instr::RefAsNonNull { dst, a } => end(&[dst, a]),
                    _ => None,
                }
            };
        }
        numeric_ops!(pick)
    }
}

#[cfg(test)]
mod tests {
    use super::Instr;

    #[test]
    fn instr_is_compact() {
        assert!(std::mem::size_of::<Instr>() <= 16);
    }

    #[test]
    fn unchecked_slots_end_names_every_slot() {
        let cases = [
            (Instr::F64Add { dst: 3, a: 9, b: 1 }, Some(10)),
            (
                Instr::I32AddC {
                    dst: 2,
                    a: 1,
                    c: 1000,
                },
                Some(3),
            ),
            (Instr::I32Eqz { dst: 0, a: 7 }, Some(8)),
            (
                Instr::Simd {
                    op: super::SimdOp::I8x16MaxU,
                    h: 9,
                },
                Some(9),
            ),
            (
                Instr::Simd {
                    op: super::SimdOp::I8x16MaxU,
                    h: 3,
                },
                None,
            ),
            (
                Instr::Simd {
                    op: super::SimdOp::I32x4ExtAddPairwiseI16x8U,
                    h: 2,
                },
                Some(2),
            ),
            (
                Instr::AddBrIf {
                    pc: 900,
                    a: 4,
                    b: 12,
                    add: -1,
                    kind: super::CMP_NE | super::ADD_TO_B,
                },
                Some(13),
            ),
            (
                Instr::AddBrIfC {
                    pc: 900,
                    a: 14,
                    c: 7000,
                    add: 4,
                    kind: super::CMP_LT_U,
                },
                Some(15),
            ),
            (
                Instr::F64MulAdd {
                    dst: 1,
                    a: 2,
                    b: 3,
                    m: 20,
                },
                Some(21),
            ),
            (
                Instr::F64MulSub {
                    dst: 21,
                    a: 2,
                    b: 3,
                    m: 20,
                },
                Some(22),
            ),
            (
                Instr::BrIfI32LtS {
                    pc: 100,
                    a: 4,
                    b: 5,
                },
                Some(6),
            ),
            (
                Instr::Store64 {
                    addr: 1,
                    src: 6,
                    end: 107,
                },
                Some(7),
            ),
            (
                Instr::I64Load {
                    dst: 11,
                    addr: 1,
                    end: 8,
                },
                Some(12),
            ),
            (
                Instr::Const64 {
                    dst: 5,
                    c: u64::MAX,
                },
                Some(6),
            ),
            (
                Instr::Copy {
                    dst: u32::MAX,
                    src: 0,
                },
                Some(1 << 32),
            ),
            (Instr::Select { h: 3 }, Some(3)),
            (Instr::Select { h: 2 }, None),
            (
                Instr::Br {
                    pc: 0,
                    dst: 2,
                    src: 7,
                    arity: 3,
                },
                Some(10),
            ),
            (Instr::Return { src: 3, arity: 2 }, Some(5)),
            // (The constant is no slot.)
            (
                Instr::BrIfI32LtUC {
                    pc: 0,
                    a: 4,
                    c: 1000,
                },
                Some(5),
            ),
            (Instr::ReturnCall { func: 0, base: 9 }, None),
            // The fused addresses and loads: every slot but the scale and constant.
            (
                Instr::I32AddShl {
                    dst: 2,
                    a: 8,
                    b: 5,
                    scale: 64,
                },
                Some(9),
            ),
            (
                Instr::I64LoadIdx {
                    dst: 1,
                    a: 3,
                    b: 12,
                    scale: 8,
                },
                Some(13),
            ),
            (
                Instr::I32LoadAt {
                    dst: 6,
                    a: 2,
                    c: 100,
                },
                Some(7),
            ),
            // A register-addressed `v128`: two slots from `dst` (`src`), and the address.
            (
                Instr::LoadV128 {
                    dst: 6,
                    addr: 9,
                    offset: 0,
                },
                Some(10),
            ),
            (
                Instr::StoreV128 {
                    addr: 2,
                    src: 7,
                    offset: 0,
                },
                Some(9),
            ),
            // The stack-style SIMD memory operators use a checked slice: no unchecked slot.
            (
                Instr::SimdMem {
                    op: super::MemOp::Store,
                    lane: 0,
                    offset: 0,
                    h: 2,
                },
                Some(0),
            ),
        ];
        for (instr, want) in cases {
            assert_eq!(instr.unchecked_slots_end(), want, "{instr:?}");
        }
    }
}

/// What a [`Instr::Wide`] does: a memory operator on any memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WideOp {
    /// Load `bytes` bytes (sign-extended when `signed`) into an `i64` (`wide`) or an
    /// `i32` slot (floats: their bits, unsigned).
    Load { bytes: u8, signed: bool, wide: bool },
    /// Store the low `bytes` bytes of the value.
    Store { bytes: u8 },
    /// A SIMD memory operator.
    Simd { op: super::simd::MemOp, lane: u8 },
}

impl WideOp {
    /// The scalar or SIMD memory operator `op` as a `WideOp`.
    pub(crate) fn of(op: &wasmparser::Operator<'_>) -> Option<Self> {
        use wasmparser::Operator as O;
        let load = |bytes, signed, wide| WideOp::Load {
            bytes,
            signed,
            wide,
        };
        Some(match op {
            O::I32Load { .. } | O::F32Load { .. } => load(4, false, false),
            O::I64Load { .. } | O::F64Load { .. } => load(8, false, true),
            O::I32Load8S { .. } => load(1, true, false),
            O::I32Load8U { .. } => load(1, false, false),
            O::I32Load16S { .. } => load(2, true, false),
            O::I32Load16U { .. } => load(2, false, false),
            O::I64Load8S { .. } => load(1, true, true),
            O::I64Load8U { .. } => load(1, false, true),
            O::I64Load16S { .. } => load(2, true, true),
            O::I64Load16U { .. } => load(2, false, true),
            O::I64Load32S { .. } => load(4, true, true),
            O::I64Load32U { .. } => load(4, false, true),
            O::I32Store { .. } | O::F32Store { .. } | O::I64Store32 { .. } => {
                WideOp::Store { bytes: 4 }
            }
            O::I64Store { .. } | O::F64Store { .. } => WideOp::Store { bytes: 8 },
            O::I32Store8 { .. } | O::I64Store8 { .. } => WideOp::Store { bytes: 1 },
            O::I32Store16 { .. } | O::I64Store16 { .. } => WideOp::Store { bytes: 2 },
            other => {
                let (op, _, lane) = super::simd::MemOp::from_operator(other)?;
                WideOp::Simd { op, lane }
            }
        })
    }
}

/// A GC instruction with its immediates resolved.
#[derive(Clone, Debug)]
pub(crate) enum GcOp {
    /// `struct.new`: the fields (`slots` slots) below `h`.
    StructNew {
        ty: TypeId,
        slots: u32,
    },
    StructNewDefault {
        ty: TypeId,
    },
    /// `struct.get` (`_s`, `_u`): the field at byte `at`.
    StructGet {
        at: u32,
        kind: Kind,
        signed: bool,
    },
    StructSet {
        at: u32,
        kind: Kind,
    },
    ArrayNew {
        ty: TypeId,
        kind: Kind,
    },
    ArrayNewDefault {
        ty: TypeId,
    },
    ArrayNewFixed {
        ty: TypeId,
        kind: Kind,
        n: u32,
    },
    ArrayNewData {
        ty: TypeId,
        kind: Kind,
        seg: u32,
    },
    ArrayNewElem {
        ty: TypeId,
        seg: u32,
    },
    ArrayGet {
        kind: Kind,
        signed: bool,
    },
    ArraySet {
        kind: Kind,
    },
    ArrayLen,
    ArrayFill {
        kind: Kind,
    },
    ArrayCopy {
        kind: Kind,
    },
    ArrayInitData {
        kind: Kind,
        seg: u32,
    },
    ArrayInitElem {
        seg: u32,
    },
    RefI31,
    I31Get {
        signed: bool,
    },
    RefEq,
    /// `ref.test`: 1 if the value is of the type.
    RefTest(Cast),
    /// `ref.cast`: traps unless the value is of the type.
    RefCast(Cast),
    /// The test of `br_on_cast` (and of `br_on_cast_fail`, whose `Instr::JumpIfCast`
    /// negates it).
    Branch {
        cast: Cast,
    },
}

impl GcOp {
    /// Whether it allocates an object (a point where the collector may run).
    pub(crate) fn allocates(&self) -> bool {
        matches!(
            self,
            GcOp::StructNew { .. }
                | GcOp::StructNewDefault { .. }
                | GcOp::ArrayNew { .. }
                | GcOp::ArrayNewDefault { .. }
                | GcOp::ArrayNewFixed { .. }
                | GcOp::ArrayNewData { .. }
                | GcOp::ArrayNewElem { .. }
        )
    }
}

/// The type a cast tests for, with its hierarchy's top computed once.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Cast {
    pub ty: RefTy,
    pub top: Heap,
}

impl Cast {
    pub(crate) fn new(ty: RefTy) -> Self {
        Cast {
            ty,
            top: ty.heap.top(),
        }
    }
}

/// Slots a value of `kind` takes.
pub(crate) fn slots(kind: Kind) -> usize {
    if kind == Kind::V128 {
        2
    } else {
        1
    }
}

/// The bit of `Instr::JumpIfCast`'s `idx` that negates its test.
pub(crate) const NEGATE: u32 = 1 << 31;
