//! The translator: Wasm operators (validated by `wasmparser` as they are read) into the
//! interpreter's [`Instr`] code.
//!
//! Structured control flow becomes jumps to absolute positions; the operand stack height
//! at every instruction is known statically (the validator reports it), so branches carry
//! the exact height to unwind to, and unreachable code is not emitted at all.
//!
//! Each emitted instruction records the byte offset of the operator it came from (the
//! side table that stack traces, DWARF lines and breakpoints use). Fused instructions
//! carry the offset of their first operator.

use wasmparser::{BlockType, FuncValidator, FunctionBody, Operator, ValidatorResources};

use super::instr::Instr;
use super::simd;
use crate::error::{Error, Result};
use crate::module::ModuleInfo;
use crate::types::ValueType;

/// Per-function facts the executor needs at a call.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FuncCode {
    /// Position of the function's first instruction.
    pub entry: u32,
    /// Parameter slots.
    pub params: u32,
    /// Declared (non-parameter) local slots, zeroed on entry.
    pub locals: u32,
    /// Slots the frame may use at most: locals plus the deepest operand stack.
    pub max_height: u32,
}

/// The translated code of every defined function of a module, in one buffer.
#[derive(Default, Debug)]
pub(crate) struct CompiledCode {
    pub instrs: Vec<Instr>,
    /// Module byte offset of the operator each instruction came from.
    pub offsets: Vec<u32>,
    /// Indexed by defined-function index (function index minus imported functions).
    pub funcs: Vec<FuncCode>,
    /// `v128.const` values and `i8x16.shuffle` lanes.
    pub v128_consts: Vec<u128>,
}

impl CompiledCode {
    /// The function whose code contains `pc`.
    pub(crate) fn func_at(&self, pc: u32) -> Option<usize> {
        match self.funcs.binary_search_by_key(&pc, |f| f.entry) {
            Ok(i) => Some(i),
            Err(0) => None,
            Err(i) => Some(i - 1),
        }
    }
}

/// The operand stack before an operator.
#[derive(Clone, Copy, Debug)]
struct StackTop {
    /// Slot height from the frame pointer (locals included).
    height: u32,
    /// Whether the top (`[0]`) and second (`[1]`) values are `v128`s.
    v128: [bool; 2],
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CtrlKind {
    Block,
    Loop,
    If,
    Else,
}

#[derive(Debug)]
struct Ctrl {
    kind: CtrlKind,
    /// Slot height (from the frame pointer) below the block's parameters.
    height: u32,
    /// Values a branch to this label carries.
    br_arity: u32,
    /// Position of the loop header (loops only).
    loop_pc: u32,
    /// Instructions whose target is this block's end.
    patches: Vec<u32>,
    /// The `if`'s conditional jump, until an `else` or `end` patches it.
    else_jump: Option<u32>,
    /// Entered while unreachable: no code is emitted for any of it.
    dead: bool,
    /// The rest of this block (up to `else`/`end`) is unreachable.
    unreachable: bool,
}

/// Translates function bodies, reusing its buffers.
#[derive(Default)]
pub(crate) struct Translator {
    code: CompiledCode,
    ctrl: Vec<Ctrl>,
    /// No instruction before this position may be fused with the next one (a label).
    barrier: usize,
    /// Slots the locals take (a `v128` takes two).
    n_locals: u32,
    /// Slot offset of each local, and whether it is a `v128`; empty when no local is a
    /// `v128` (then local `i` is at slot `i`).
    local_slots: Vec<(u32, bool)>,
    /// Whether `v128` values may be on the operand stack: heights are then summed from
    /// the operand types. Until a function's first `v128` appears, one value is one slot.
    slot_mode: bool,
    offset: u32,
    /// Emit fuel checks.
    fuel: bool,
    /// Emit interrupt checks at function entries and loop headers.
    interrupts: bool,
    /// The current block's `ConsumeFuel`, and the operators counted into it so far.
    fuel_at: Option<usize>,
    block_ops: u32,
}

impl Translator {
    /// A translator for code with the given checks.
    pub(crate) fn new(options: crate::config::CodeOptions) -> Self {
        Translator {
            fuel: options.fuel,
            interrupts: options.interrupts,
            ..Translator::default()
        }
    }

    pub(crate) fn finish(self) -> CompiledCode {
        self.code
    }

    fn pc(&self) -> u32 {
        self.code.instrs.len() as u32
    }

    fn emit(&mut self, instr: Instr) {
        self.code.instrs.push(instr);
        self.code.offsets.push(self.offset);
    }

    /// The last instruction, if it may be fused with the next one.
    fn last_fusable(&self) -> Option<Instr> {
        if self.code.instrs.len() > self.barrier {
            self.code.instrs.last().copied()
        } else {
            None
        }
    }

    fn replace_last(&mut self, instr: Instr) {
        *self
            .code
            .instrs
            .last_mut()
            .expect("an instruction to replace") = instr;
    }

    /// Marks the current position as a branch target (nothing before it fuses with what
    /// follows) and returns it. With fuel, a new block starts here.
    fn label_here(&mut self) -> u32 {
        let here = self.pc();
        if self.fuel {
            self.close_fuel_block();
            self.fuel_at = Some(self.code.instrs.len());
            self.emit(Instr::ConsumeFuel(0));
        }
        self.barrier = self.code.instrs.len();
        here
    }

    fn close_fuel_block(&mut self) {
        if let Some(at) = self.fuel_at.take() {
            self.code.instrs[at] = Instr::ConsumeFuel(self.block_ops);
        }
        self.block_ops = 0;
    }

    /// Parameter and result slots of a block type.
    fn block_arity(info: &ModuleInfo, ty: BlockType) -> (u32, u32) {
        match ty {
            BlockType::Empty => (0, 0),
            BlockType::Type(t) => (0, if t == wasmparser::ValType::V128 { 2 } else { 1 }),
            BlockType::FuncType(idx) => {
                let t = &info.types[idx as usize];
                (t.param_slots() as u32, t.result_slots() as u32)
            }
        }
    }

    fn patch(&mut self, at: u32, target: u32) {
        let instr = &mut self.code.instrs[at as usize];
        match instr {
            Instr::Jump(pc)
            | Instr::JumpIfZero(pc)
            | Instr::JumpIfNonZero(pc)
            | Instr::Br { pc, .. }
            | Instr::BrIf { pc, .. }
            | Instr::BrIfI32Eq(pc)
            | Instr::BrIfI32Ne(pc)
            | Instr::BrIfI32LtS(pc)
            | Instr::BrIfI32LtU(pc)
            | Instr::BrIfI32GtS(pc)
            | Instr::BrIfI32GtU(pc)
            | Instr::BrIfI32LeS(pc)
            | Instr::BrIfI32LeU(pc)
            | Instr::BrIfI32GeS(pc)
            | Instr::BrIfI32GeU(pc) => *pc = target,
            other => unreachable!("patching a non-branch {other:?}"),
        }
    }

    /// Emits a branch to the label `depth` levels out, with `height` slots on the stack
    /// (the condition, if any, already popped).
    fn branch(&mut self, depth: u32, height: u32, conditional: bool) {
        let idx = self.ctrl.len() - 1 - depth as usize;
        let ctrl = &self.ctrl[idx];
        let arity = ctrl.br_arity;
        let dst = ctrl.height;
        let pc = if ctrl.kind == CtrlKind::Loop {
            ctrl.loop_pc
        } else {
            u32::MAX
        };
        let in_place = height - arity == dst;
        let instr = match (conditional, in_place) {
            (false, true) => Instr::Jump(pc),
            (true, true) => match self.last_fusable() {
                Some(cmp) if cmp.compare_and_branch(false).is_some() => {
                    // `i32.<cmp>; br_if`: one compare-and-branch, at the compare's offset.
                    self.code.instrs.pop();
                    self.offset = self.code.offsets.pop().expect("offset");
                    cmp.compare_and_branch(false).expect("a comparison")(pc)
                }
                Some(Instr::I32Eqz) => {
                    // `i32.eqz; br_if`: branch when zero; the fused instruction keeps
                    // the `i32.eqz`'s offset.
                    self.code.instrs.pop();
                    let offset = self.code.offsets.pop().expect("offset");
                    self.offset = offset;
                    Instr::JumpIfZero(pc)
                }
                _ => Instr::JumpIfNonZero(pc),
            },
            (false, false) => Instr::Br { pc, dst, arity },
            (true, false) => Instr::BrIf { pc, dst, arity },
        };
        let at = self.pc();
        self.emit(instr);
        if pc == u32::MAX {
            self.ctrl[idx].patches.push(at);
        }
    }

    /// Translates one function body, validating it on the way.
    pub(crate) fn translate(
        &mut self,
        info: &ModuleInfo,
        func_index: u32,
        fv: &mut FuncValidator<ValidatorResources>,
        body: &FunctionBody<'_>,
    ) -> Result<()> {
        let ty = info.func_type(func_index).clone();
        let params = ty.param_slots() as u32;
        let results = ty.result_slots() as u32;
        let mut reader = body.get_binary_reader();
        let mut declared: u32 = 0;
        let mut runs: Vec<(u32, bool)> = Vec::new();
        for _ in 0..reader.read_var_u32()? {
            let offset = reader.original_position();
            let count: u32 = reader.read_var_u32()?;
            let vt: wasmparser::ValType = reader.read()?;
            fv.define_locals(offset, count, vt)?;
            let v128 = vt == wasmparser::ValType::V128;
            declared = declared
                .checked_add(if v128 { count.saturating_mul(2) } else { count })
                .ok_or_else(|| Error::compile(offset, "too many locals"))?;
            runs.push((count, v128));
        }
        self.n_locals = params + declared;
        self.local_slots.clear();
        let any_v128_local = ty.params().contains(&ValueType::V128) || runs.iter().any(|(_, v)| *v);
        if any_v128_local {
            let mut at = 0;
            let params = ty.params().iter().map(|t| (1, *t == ValueType::V128));
            for (count, v128) in params.chain(runs.iter().copied()) {
                for _ in 0..count {
                    self.local_slots.push((at, v128));
                    at += if v128 { 2 } else { 1 };
                }
            }
        }
        self.slot_mode = any_v128_local || info.uses_v128;
        let entry = self.pc();
        self.label_here();
        if self.interrupts {
            self.emit(Instr::CheckInterrupt);
            self.barrier = self.code.instrs.len();
        }
        self.ctrl.clear();
        self.ctrl.push(Ctrl {
            kind: CtrlKind::Block,
            height: self.n_locals,
            br_arity: results,
            loop_pc: 0,
            patches: Vec::new(),
            else_jump: None,
            dead: false,
            unreachable: false,
        });
        let mut max_height = 0u32;
        let mut ops = wasmparser::OperatorsReader::new(reader);
        while !ops.eof() {
            let (op, offset) = ops.read_with_offset()?;
            if matches!(
                op,
                Operator::MemorySize { .. } | Operator::MemoryGrow { .. }
            ) && ops.original_position() - offset != 2
            {
                // wasmparser reads the memory index as a LEB128; WebAssembly 2.0 wants
                // exactly one zero byte.
                return Err(Error::compile(offset, "zero byte expected"));
            }
            if !self.slot_mode && super::simd::is_simd(&op) {
                // No v128 value can be on the stack before the first SIMD operator.
                self.slot_mode = true;
            }
            let hv = fv.operand_stack_height();
            let top = StackTop {
                height: self.n_locals + self.slot_height(fv, hv),
                v128: [0, 1].map(|d| {
                    self.slot_mode
                        && matches!(
                            fv.get_operand_type(d),
                            Some(Some(wasmparser::ValType::V128))
                        )
                }),
            };
            fv.op(offset, &op)?;
            max_height = max_height.max(fv.operand_stack_height()).max(hv);
            self.offset = offset as u32;
            self.operator(info, &op, top, offset)?;
        }
        ops.finish()?;
        // Every value may be a v128 (two slots) in slot mode.
        let max_slots = if self.slot_mode {
            2 * max_height
        } else {
            max_height
        };
        self.code.funcs.push(FuncCode {
            entry,
            params,
            locals: declared,
            max_height: self.n_locals + max_slots + 2,
        });
        Ok(())
    }

    /// Slots taken by the `values` operands on the stack (locals excluded).
    fn slot_height(&self, fv: &FuncValidator<ValidatorResources>, values: u32) -> u32 {
        if !self.slot_mode {
            return values;
        }
        (0..values as usize)
            .map(|d| match fv.get_operand_type(d) {
                Some(Some(wasmparser::ValType::V128)) => 2,
                _ => 1,
            })
            .sum()
    }

    /// Slot offset of local `i` and whether it is a `v128`.
    fn local(&self, i: u32) -> (u32, bool) {
        match self.local_slots.get(i as usize) {
            Some(l) => *l,
            None => (i, false),
        }
    }

    /// Translates one operator; `top` describes the stack before it.
    fn operator(
        &mut self,
        info: &ModuleInfo,
        op: &Operator<'_>,
        top: StackTop,
        offset: u64,
    ) -> Result<()> {
        let h = top.height;
        let frame = self.ctrl.last().expect("a control frame");
        if frame.dead || frame.unreachable {
            return self.unreachable_operator(info, op);
        }
        self.block_ops += 1;
        use Operator as O;
        match *op {
            O::Nop => {}
            O::Unreachable => {
                self.emit(Instr::Unreachable);
                self.set_unreachable();
            }
            O::Block { blockty } => {
                let (p, r) = Self::block_arity(info, blockty);
                self.push_ctrl(CtrlKind::Block, h - p, r, false);
            }
            O::Loop { blockty } => {
                let (p, _) = Self::block_arity(info, blockty);
                let header = self.label_here();
                if self.interrupts {
                    self.emit(Instr::CheckInterrupt);
                    self.barrier = self.code.instrs.len();
                }
                self.push_ctrl(CtrlKind::Loop, h - p, p, false);
                self.ctrl.last_mut().expect("loop").loop_pc = header;
            }
            O::If { blockty } => {
                let (p, r) = Self::block_arity(info, blockty);
                match self.last_fusable() {
                    Some(Instr::I32Eqz) => self.replace_last(Instr::JumpIfNonZero(u32::MAX)),
                    Some(cmp) if cmp.compare_and_branch(true).is_some() => {
                        // `i32.<cmp>; if`: jump to the else branch when it does not hold.
                        let negated = cmp.compare_and_branch(true).expect("a comparison");
                        self.replace_last(negated(u32::MAX));
                    }
                    _ => self.emit(Instr::JumpIfZero(u32::MAX)),
                }
                let at = self.pc() - 1;
                self.push_ctrl(CtrlKind::If, h - 1 - p, r, false);
                self.ctrl.last_mut().expect("if").else_jump = Some(at);
            }
            O::Else => self.else_(),
            O::End => self.end(),
            O::Br { relative_depth } => {
                self.branch(relative_depth, h, false);
                self.set_unreachable();
            }
            O::BrIf { relative_depth } => self.branch(relative_depth, h - 1, true),
            O::BrTable { ref targets } => {
                self.emit(Instr::BrTable { len: targets.len() });
                for t in targets.targets() {
                    self.branch(t?, h - 1, false);
                }
                self.branch(targets.default(), h - 1, false);
                self.set_unreachable();
            }
            O::Return => {
                self.emit(Instr::Return {
                    arity: self.ctrl[0].br_arity,
                });
                self.set_unreachable();
            }
            O::Call { function_index } => self.emit(Instr::Call(function_index)),
            O::CallIndirect {
                type_index,
                table_index,
            } => self.emit(Instr::CallIndirect {
                ty: type_index,
                table: table_index,
            }),
            O::Drop => {
                self.emit(Instr::Drop);
                if top.v128[0] {
                    self.emit(Instr::Drop);
                }
            }
            O::Select | O::TypedSelect { .. } => {
                // The condition is on top; the operands' type is the second value's.
                self.emit(if top.v128[1] {
                    Instr::Select128
                } else {
                    Instr::Select
                })
            }
            O::LocalGet { local_index } if self.local(local_index).1 => {
                self.emit(Instr::LocalGet128(self.local(local_index).0))
            }
            O::LocalSet { local_index } if self.local(local_index).1 => {
                self.emit(Instr::LocalSet128(self.local(local_index).0))
            }
            O::LocalTee { local_index } if self.local(local_index).1 => {
                self.emit(Instr::LocalTee128(self.local(local_index).0))
            }
            O::GlobalGet { global_index }
                if info.globals[global_index as usize].value_type == ValueType::V128 =>
            {
                self.emit(Instr::GlobalGet128(global_index))
            }
            O::GlobalSet { global_index }
                if info.globals[global_index as usize].value_type == ValueType::V128 =>
            {
                self.emit(Instr::GlobalSet128(global_index))
            }
            // Below, `local` is the slot offset of the local.
            O::LocalGet { local_index } => match (self.last_fusable(), self.local(local_index).0) {
                (Some(Instr::LocalGet(a)), local) => self.replace_last(Instr::LocalGet2(a, local)),
                (_, local) => self.emit(Instr::LocalGet(local)),
            },
            O::LocalSet { local_index } => match (self.last_fusable(), self.local(local_index).0) {
                (Some(Instr::LocalGet(from)), to) => {
                    self.replace_last(Instr::LocalCopy { from, to })
                }
                (_, local) => self.emit(Instr::LocalSet(local)),
            },
            O::LocalTee { local_index } => self.emit(Instr::LocalTee(self.local(local_index).0)),
            O::GlobalGet { global_index } => self.emit(Instr::GlobalGet(global_index)),
            O::GlobalSet { global_index } => self.emit(Instr::GlobalSet(global_index)),
            O::I32Load { memarg } => self.emit(Instr::I32Load(memarg.offset as u32)),
            O::I64Load { memarg } => self.emit(Instr::I64Load(memarg.offset as u32)),
            O::F32Load { memarg } => self.emit(Instr::F32Load(memarg.offset as u32)),
            O::F64Load { memarg } => self.emit(Instr::F64Load(memarg.offset as u32)),
            O::I32Load8S { memarg } => self.emit(Instr::I32Load8S(memarg.offset as u32)),
            O::I32Load8U { memarg } => self.emit(Instr::I32Load8U(memarg.offset as u32)),
            O::I32Load16S { memarg } => self.emit(Instr::I32Load16S(memarg.offset as u32)),
            O::I32Load16U { memarg } => self.emit(Instr::I32Load16U(memarg.offset as u32)),
            O::I64Load8S { memarg } => self.emit(Instr::I64Load8S(memarg.offset as u32)),
            O::I64Load8U { memarg } => self.emit(Instr::I64Load8U(memarg.offset as u32)),
            O::I64Load16S { memarg } => self.emit(Instr::I64Load16S(memarg.offset as u32)),
            O::I64Load16U { memarg } => self.emit(Instr::I64Load16U(memarg.offset as u32)),
            O::I64Load32S { memarg } => self.emit(Instr::I64Load32S(memarg.offset as u32)),
            O::I64Load32U { memarg } => self.emit(Instr::I64Load32U(memarg.offset as u32)),
            O::I32Store { memarg } => self.emit(Instr::I32Store(memarg.offset as u32)),
            O::I64Store { memarg } => self.emit(Instr::I64Store(memarg.offset as u32)),
            O::F32Store { memarg } => self.emit(Instr::F32Store(memarg.offset as u32)),
            O::F64Store { memarg } => self.emit(Instr::F64Store(memarg.offset as u32)),
            O::I32Store8 { memarg } => self.emit(Instr::I32Store8(memarg.offset as u32)),
            O::I32Store16 { memarg } => self.emit(Instr::I32Store16(memarg.offset as u32)),
            O::I64Store8 { memarg } => self.emit(Instr::I64Store8(memarg.offset as u32)),
            O::I64Store16 { memarg } => self.emit(Instr::I64Store16(memarg.offset as u32)),
            O::I64Store32 { memarg } => self.emit(Instr::I64Store32(memarg.offset as u32)),
            O::MemorySize { .. } => self.emit(Instr::MemorySize),
            O::MemoryGrow { .. } => self.emit(Instr::MemoryGrow),
            O::MemoryFill { .. } => self.emit(Instr::MemoryFill),
            O::MemoryCopy { .. } => self.emit(Instr::MemoryCopy),
            O::MemoryInit { data_index, .. } => self.emit(Instr::MemoryInit(data_index)),
            O::DataDrop { data_index } => self.emit(Instr::DataDrop(data_index)),
            O::TableGet { table } => self.emit(Instr::TableGet(table)),
            O::TableSet { table } => self.emit(Instr::TableSet(table)),
            O::TableSize { table } => self.emit(Instr::TableSize(table)),
            O::TableGrow { table } => self.emit(Instr::TableGrow(table)),
            O::TableFill { table } => self.emit(Instr::TableFill(table)),
            O::TableCopy {
                dst_table,
                src_table,
            } => self.emit(Instr::TableCopy {
                dst: dst_table,
                src: src_table,
            }),
            O::TableInit { elem_index, table } => self.emit(Instr::TableInit {
                table,
                elem: elem_index,
            }),
            O::ElemDrop { elem_index } => self.emit(Instr::ElemDrop(elem_index)),
            O::RefNull { .. } => self.emit(Instr::RefNull),
            O::RefIsNull => self.emit(Instr::RefIsNull),
            O::RefFunc { function_index } => self.emit(Instr::RefFunc(function_index)),
            O::I32Const { value } => self.emit(Instr::Const32(value as u32)),
            O::F32Const { value } => self.emit(Instr::Const32(value.bits())),
            O::I64Const { value } => self.emit(Instr::Const64(value as u64)),
            O::F64Const { value } => self.emit(Instr::Const64(value.bits())),
            // Values live zero-extended in 64-bit slots: these change nothing.
            O::I32ReinterpretF32
            | O::F32ReinterpretI32
            | O::I64ReinterpretF64
            | O::F64ReinterpretI64
            | O::I64ExtendI32U => {}
            O::I32Add => match self.fusable_pair() {
                (Some(Instr::LocalGet(local)), Some(Instr::Const32(c))) => {
                    // `local.get; i32.const; i32.add`: the commonest address computation.
                    self.code.instrs.pop();
                    self.code.offsets.pop();
                    self.replace_last(Instr::I32AddLocalConst { local, c });
                }
                _ => self.binary(Instr::I32Add),
            },
            O::V128Const { value } => {
                self.code.v128_consts.push(value.i128() as u128);
                self.emit(Instr::V128Const(self.code.v128_consts.len() as u32 - 1));
            }
            O::I8x16Shuffle { lanes } => {
                self.code.v128_consts.push(u128::from_le_bytes(lanes));
                self.emit(Instr::Shuffle(self.code.v128_consts.len() as u32 - 1));
            }
            ref other if simd::SimdOp::from_operator(other).is_some() => self.emit(Instr::Simd(
                simd::SimdOp::from_operator(other).expect("checked"),
            )),
            ref other if simd::LaneOp::from_operator(other).is_some() => {
                let (op, lane) = simd::LaneOp::from_operator(other).expect("checked");
                self.emit(Instr::SimdLane { op, lane })
            }
            ref other if simd::MemOp::from_operator(other).is_some() => {
                let (op, offset, lane) = simd::MemOp::from_operator(other).expect("checked");
                self.emit(Instr::SimdMem { op, lane, offset })
            }
            ref other => match Instr::simple(other) {
                Some(instr) => self.binary(instr),
                None => {
                    return Err(Error::compile(
                        offset,
                        format!("the interpreter does not support {other:?} yet"),
                    ))
                }
            },
        }
        Ok(())
    }

    /// The last two instructions, where fusable (the older one first).
    fn fusable_pair(&self) -> (Option<Instr>, Option<Instr>) {
        let n = self.code.instrs.len();
        if n >= 2 && n - 2 >= self.barrier {
            (Some(self.code.instrs[n - 2]), Some(self.code.instrs[n - 1]))
        } else {
            (None, self.last_fusable())
        }
    }

    /// Emits a numeric operator, taking a second operand that was just pushed by
    /// `local.get` or `i32.const` directly from there when the operator has such a form.
    fn binary(&mut self, instr: Instr) {
        match self.last_fusable() {
            Some(Instr::LocalGet(l)) => {
                if let Some(fused) = instr.with_local_operand() {
                    return self.replace_last(fused(l));
                }
            }
            Some(Instr::LocalGet2(a, l)) => {
                if let Some(fused) = instr.with_local_operand() {
                    self.replace_last(Instr::LocalGet(a));
                    return self.emit(fused(l));
                }
            }
            Some(Instr::Const32(c)) => {
                if let Some(fused) = instr.with_const_operand() {
                    return self.replace_last(fused(c));
                }
            }
            _ => {}
        }
        self.emit(instr)
    }

    fn unreachable_operator(&mut self, info: &ModuleInfo, op: &Operator<'_>) -> Result<()> {
        match op {
            Operator::Block { .. } | Operator::Loop { .. } | Operator::If { .. } => {
                let _ = info;
                self.push_ctrl(CtrlKind::Block, 0, 0, true);
            }
            Operator::Else => self.else_(),
            Operator::End => self.end(),
            _ => {}
        }
        Ok(())
    }

    fn push_ctrl(&mut self, kind: CtrlKind, height: u32, br_arity: u32, dead: bool) {
        let loop_pc = self.pc();
        self.ctrl.push(Ctrl {
            kind,
            height,
            br_arity,
            loop_pc,
            patches: Vec::new(),
            else_jump: None,
            dead,
            unreachable: false,
        });
    }

    fn set_unreachable(&mut self) {
        self.ctrl.last_mut().expect("a control frame").unreachable = true;
    }

    fn else_(&mut self) {
        let top = self.ctrl.last().expect("if");
        if top.dead {
            return;
        }
        if !top.unreachable {
            let at = self.pc();
            self.emit(Instr::Jump(u32::MAX));
            self.ctrl.last_mut().expect("if").patches.push(at);
        }
        let here = self.pc();
        let top = self.ctrl.last_mut().expect("if");
        top.kind = CtrlKind::Else;
        top.unreachable = false;
        if let Some(j) = top.else_jump.take() {
            self.patch(j, here);
        }
        self.label_here();
    }

    fn end(&mut self) {
        let ctrl = self.ctrl.pop().expect("a control frame");
        if ctrl.dead {
            return;
        }
        let here = self.pc();
        if let Some(j) = ctrl.else_jump {
            self.patch(j, here);
        }
        for at in ctrl.patches {
            self.patch(at, here);
        }
        self.label_here();
        if self.ctrl.is_empty() {
            self.emit(Instr::Return {
                arity: ctrl.br_arity,
            });
            self.close_fuel_block();
            self.barrier = self.code.instrs.len();
        }
    }
}
