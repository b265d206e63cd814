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
use crate::error::{Error, Result};
use crate::module::ModuleInfo;

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
    n_locals: u32,
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

    fn block_arity(info: &ModuleInfo, ty: BlockType) -> (u32, u32) {
        match ty {
            BlockType::Empty => (0, 0),
            BlockType::Type(_) => (0, 1),
            BlockType::FuncType(idx) => {
                let t = &info.types[idx as usize];
                (t.params().len() as u32, t.results().len() as u32)
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
        let params = ty.params().len() as u32;
        let results = ty.results().len() as u32;
        let mut reader = body.get_binary_reader();
        let mut declared: u32 = 0;
        for _ in 0..reader.read_var_u32()? {
            let offset = reader.original_position();
            let count: u32 = reader.read_var_u32()?;
            let vt: wasmparser::ValType = reader.read()?;
            fv.define_locals(offset, count, vt)?;
            declared = declared
                .checked_add(count)
                .ok_or_else(|| Error::compile(offset, "too many locals"))?;
        }
        self.n_locals = params + declared;
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
            let h = fv.operand_stack_height();
            fv.op(offset, &op)?;
            max_height = max_height.max(fv.operand_stack_height()).max(h);
            self.offset = offset as u32;
            self.operator(info, &op, self.n_locals + h, offset)?;
        }
        ops.finish()?;
        self.code.funcs.push(FuncCode {
            entry,
            params,
            locals: declared,
            max_height: self.n_locals + max_height + 1,
        });
        Ok(())
    }

    /// Translates one operator; `h` is the slot height before it.
    fn operator(
        &mut self,
        info: &ModuleInfo,
        op: &Operator<'_>,
        h: u32,
        offset: u64,
    ) -> Result<()> {
        let top = self.ctrl.last().expect("a control frame");
        if top.dead || top.unreachable {
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
            O::Drop => self.emit(Instr::Drop),
            O::Select | O::TypedSelect { .. } => self.emit(Instr::Select),
            O::LocalGet { local_index } => match self.last_fusable() {
                Some(Instr::LocalGet(a)) => self.replace_last(Instr::LocalGet2(a, local_index)),
                _ => self.emit(Instr::LocalGet(local_index)),
            },
            O::LocalSet { local_index } => match self.last_fusable() {
                Some(Instr::LocalGet(from)) => self.replace_last(Instr::LocalCopy {
                    from,
                    to: local_index,
                }),
                _ => self.emit(Instr::LocalSet(local_index)),
            },
            O::LocalTee { local_index } => self.emit(Instr::LocalTee(local_index)),
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
