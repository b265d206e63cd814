//! The translator: one function body's Wasm operators (validated by `wasmparser` as they
//! are read, `Stack::Validate`, or validated when the module was decoded, `Stack::Validated`)
//! into the interpreter's [`Instr`] code, a [`CompiledFunc`]. It is run by
//! [`super::code::ModuleCode`] when the function is first needed.
//!
//! Structured control flow becomes jumps to absolute positions in the function's code;
//! the operand stack height at every instruction is known statically (the validator
//! reports it, or [`super::heights::Heights`] follows it), so branches carry the exact
//! height to unwind to, and unreachable code is not emitted at all.
//!
//! Each emitted instruction records the byte offset of the operator it came from (the
//! side table that stack traces, DWARF lines and breakpoints use). A fused
//! compare-and-branch carries its comparison's offset; the other fused instructions (an
//! element's address, its load, a `br_table` on a wrap) their last operator's, the one that
//! may trap.

use wasmparser::{BlockType, FuncValidator, FunctionBody, Operator, ValidatorResources};

/// How [`Translator::translate`] knows the operand stack: by validating the body, or by
/// following the heights of a body validated before ([`Heights`](super::heights::Heights),
/// no second validation).
pub(crate) enum Stack<'a> {
    /// Validate the body while translating it.
    Validate(&'a mut FuncValidator<ValidatorResources>),
    /// The body was validated: follow its heights.
    Validated(super::heights::Heights<'a>),
}

use super::hot::{Clause, CompiledFunc, Handler, HandlerKind};
use super::instr::{slots, Cast, GcOp, Instr, Numeric, NEGATE};
use super::simd;
use crate::error::{Error, Result};
use crate::gctypes::{self, Kind};
use crate::module::ModuleInfo;
use crate::types::{ListenerHooks, ValueType};

/// The code being built for one function (buffers reused from one function to the next).
#[derive(Default, Debug)]
struct Code {
    instrs: Vec<Instr>,
    offsets: Vec<u32>,
    v128_consts: Vec<u128>,
    consts: Vec<u64>,
    gc: Vec<GcOp>,
}

/// The first byte of every SIMD operator's encoding.
const SIMD_PREFIX: u8 = 0xfd;

/// When a conditional branch is taken.
#[derive(Clone, Copy)]
enum BranchCond {
    /// Slot is non-zero.
    NonZero(u32),
    /// Slot is zero (a fused `i32.eqz`).
    Zero(u32),
    /// A fused `i32` comparison of two slots: the branches for "holds" and "fails".
    Compare(u32, u32, BranchCtor, BranchCtor),
    /// The reference in the slot passes cast test `gc[.1]` (`br_on_cast`).
    Cast(u32, u32),
}

type BranchCtor = fn(u32, u32, u32) -> Instr;

impl BranchCond {
    fn taken(self, pc: u32) -> Instr {
        match self {
            BranchCond::NonZero(c) => Instr::JumpIfNonZero { pc, c },
            BranchCond::Zero(c) => Instr::JumpIfZero { pc, c },
            BranchCond::Compare(a, b, yes, _) => yes(pc, a, b),
            BranchCond::Cast(a, idx) => Instr::JumpIfCast { pc, a, idx },
        }
    }

    fn negated(self, pc: u32) -> Instr {
        match self {
            BranchCond::NonZero(c) => Instr::JumpIfZero { pc, c },
            BranchCond::Zero(c) => Instr::JumpIfNonZero { pc, c },
            BranchCond::Compare(a, b, _, no) => no(pc, a, b),
            BranchCond::Cast(a, idx) => Instr::JumpIfCast {
                pc,
                a,
                idx: idx ^ NEGATE,
            },
        }
    }
}

/// Where an operand is, while it is not (yet) in its natural slot.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Lazy {
    /// In this local's slot (the local has not been written since).
    Local(u32),
    /// A 32-bit constant.
    Const32(u32),
    /// A 64-bit constant.
    Const64(u64),
}

impl Lazy {
    /// The operand's value, in a frame whose slots are `frame`.
    pub(crate) fn value(self, frame: &[u64]) -> Option<u64> {
        match self {
            Lazy::Local(slot) => frame.get(slot as usize).copied(),
            Lazy::Const32(c) => Some(c as u64),
            Lazy::Const64(c) => Some(c),
        }
    }
}

/// What a translation made again for a trap in plain code found out about the operator
/// that emitted the instruction at position `at`: the operand stack height before it
/// (slots from the frame pointer) and the operands not in their natural slots then.
#[derive(Debug, Default)]
pub(crate) struct Probe {
    at: u32,
    pub(crate) found: Option<(u32, Vec<(u32, Lazy)>)>,
    /// The operand stack before the operator being translated.
    pending: Option<(u32, Vec<(u32, Lazy)>)>,
}

/// An operand resolved for an instruction.
#[derive(Clone, Copy, Debug)]
enum Operand {
    Slot(u32),
    Const32(u32),
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
    /// A `try_table`, whose handler is made at its `end`.
    TryTable,
    /// A legacy `try`'s body.
    Try,
    /// A legacy `try`'s catch clauses (its handler made at the first one).
    Catch,
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
    /// `try_table` and `try`: the position of the body's first instruction; the catch
    /// clauses (`try_table`), the handler's index (`try` once it has a catch), and the
    /// hidden slot of the exception a legacy catch caught (`rethrow` reads it).
    try_start: u32,
    clauses: Vec<Clause>,
    handler: Option<usize>,
    exn_slot: u32,
    /// A legacy `try` with a `rethrow` of its catches' exception: they keep it.
    rethrows: bool,
}

/// Translates function bodies, reusing its buffers.
#[derive(Default)]
pub(crate) struct Translator {
    code: Code,
    ctrl: Vec<Ctrl>,
    /// No instruction before this position may be fused with the next one (a label).
    barrier: usize,
    /// Every position `barrier` was set to (labels, switch points): none takes an
    /// operand from the accumulator.
    labels: Vec<u32>,
    /// The operand stack height (in slots, locals included) after the operator that
    /// emitted each instruction (filled at the end of each operator; `u32::MAX` for
    /// operators that branch with their operand). The accumulator modes rely on it:
    /// after that operator nothing reads a slot at or above it before writing it (on
    /// every path: hence the branches that keep their operand have none).
    heights: Vec<u32>,
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
    /// Emit a stop point before every operator, and keep operands in their slots.
    debug: bool,
    /// Offset of the code section's payload (stop points carry code-section offsets).
    code_base: u32,
    /// The current block's `ConsumeFuel`, and the operators counted into it so far.
    fuel_at: Option<usize>,
    block_ops: u32,
    /// Emit `Count`s: see [`Instr::Count`].
    count: bool,
    /// The open segment's `Count`, and the operators counted into it so far.
    count_at: Option<usize>,
    count_ops: u32,
    /// The function being translated (module index space).
    func: u32,
    /// The hooks of the function's listener (empty without one).
    hooks: ListenerHooks,
    /// Constants (by value bits) that have a slot of their own in this function's frame.
    const_slots: std::collections::HashMap<u64, u32>,
    /// Operands not in their natural slot yet: `(natural slot, where it is)`, in stack
    /// order. Emptied at every label and before control flow.
    lazy: Vec<(u32, Lazy)>,
    /// Set when translating again to learn the operand stack at one instruction.
    probe: Option<Probe>,
    /// The function's exception handlers so far.
    handlers: Vec<Handler>,
    /// See [`CompiledFunc::tail_sites`].
    tail_sites: Vec<u32>,
    /// The first hidden slot of the legacy catches' exceptions (one per `try` nesting
    /// level).
    exn_base: u32,
    /// Emptied lists of patches of blocks ended (`Ctrl::patches`), for the next blocks:
    /// allocated once, not at each block.
    spare_patches: Vec<Vec<u32>>,
}

impl Translator {
    /// A translator for code with the given checks.
    pub(crate) fn new(options: crate::options::CodeOptions) -> Self {
        Translator {
            fuel: options.fuel,
            interrupts: options.interrupts,
            debug: options.debug,
            count: options.count,
            ..Translator::default()
        }
    }

    /// Translates code with the given checks from now on (the buffers stay).
    pub(crate) fn set_options(&mut self, options: crate::options::CodeOptions) {
        self.fuel = options.fuel;
        self.interrupts = options.interrupts;
        self.debug = options.debug;
        self.count = options.count;
    }

    /// A translator for code with the given checks that records, for the instruction
    /// that will be at position `at`, the operand stack before its operator
    /// ([`Translator::take_probe`]).
    pub(crate) fn probing(options: crate::options::CodeOptions, at: u32) -> Self {
        Translator {
            probe: Some(Probe {
                at,
                found: None,
                pending: None,
            }),
            ..Translator::new(options)
        }
    }

    /// What the probe found (see [`Translator::probing`]).
    pub(crate) fn take_probe(&mut self) -> Option<(u32, Vec<(u32, Lazy)>)> {
        self.probe.take()?.found
    }

    fn pc(&self) -> u32 {
        self.code.instrs.len() as u32
    }

    fn emit(&mut self, instr: Instr) {
        if let Some(probe) = &mut self.probe {
            if self.code.instrs.len() as u32 == probe.at {
                probe.found = probe.pending.clone();
            }
        }
        // (Instructions removed by a fusion lose their heights.)
        self.heights.truncate(self.code.instrs.len());
        self.code.instrs.push(instr);
        self.code.offsets.push(self.offset);
    }

    /// `instr`, an `i32` compare-and-branch, or, when the instruction before it adds a
    /// constant that fits in 8 bits to a slot in place (`i32.add` of a local and a
    /// constant set to that local) and the comparison reads that slot, the two as one
    /// `AddBrIf` or `AddBrIfC` (the add is removed). (Called before the branch's position
    /// is taken: the add's removal moves it.)
    fn fuse_add_branch(&mut self, instr: Instr) -> Instr {
        use super::instr::ADD_TO_B;
        let Some((pc, a, b, constant, kind)) = instr.i32_compare_branch() else {
            return instr;
        };
        let Some(Instr::I32AddC { dst, a: src, c }) = self.last_fusable() else {
            return instr;
        };
        let Ok(add) = i8::try_from(c as i32) else {
            return instr;
        };
        let side = if a == dst {
            0
        } else if !constant && b == dst {
            ADD_TO_B
        } else {
            return instr;
        };
        if dst != src {
            return instr;
        }
        self.drop_last();
        match constant {
            false => Instr::AddBrIf {
                pc,
                a,
                b,
                add,
                kind: kind | side,
            },
            true => Instr::AddBrIfC {
                pc,
                a,
                c: b,
                add,
                kind,
            },
        }
    }

    /// Removes the last instruction, with its offset: a fusion took it into the next one.
    /// (`emit` drops its height.)
    fn drop_last(&mut self) {
        self.code.instrs.pop();
        self.code.offsets.pop();
    }

    /// Nothing before the current position fuses with what follows.
    fn set_barrier(&mut self) {
        self.barrier = self.code.instrs.len();
        self.labels.push(self.barrier as u32);
    }

    /// The last instruction, if it may be fused with the next one.
    fn last_fusable(&self) -> Option<Instr> {
        if self.code.instrs.len() > self.barrier {
            self.code.instrs.last().copied()
        } else {
            None
        }
    }

    /// Marks the current position as a branch target (nothing before it fuses with what
    /// follows) and returns it. With fuel, a new block starts here.
    fn label_here(&mut self) -> u32 {
        self.close_count();
        let here = self.pc();
        if self.fuel {
            self.close_fuel_block();
            self.fuel_at = Some(self.code.instrs.len());
            self.emit(Instr::ConsumeFuel(0));
        }
        self.set_barrier();
        here
    }

    /// Ends the open straight-line segment (see [`Instr::Count`]): its `Count` gets the
    /// number of operators in it (0 in debug code, whose stop points count them).
    fn close_count(&mut self) {
        if let Some(at) = self.count_at.take() {
            let n = if self.debug { 0 } else { self.count_ops };
            self.code.instrs[at] = Instr::Count(n);
        }
        self.count_ops = 0;
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
        match self.code.instrs[at as usize].jump_target_mut() {
            Some(pc) => *pc = target,
            None => unreachable!("patching a non-branch at {at}"),
        }
    }

    /// Emits a branch to the label `depth` levels out, with `height` slots on the stack
    /// (a condition already consumed), taken when `cond` holds (always for `None`).
    /// Every operand is in its natural slot when this is called.
    fn branch(&mut self, depth: u32, height: u32, cond: Option<BranchCond>) {
        let idx = self.ctrl.len() - 1 - depth as usize;
        let ctrl = &self.ctrl[idx];
        let arity = ctrl.br_arity;
        let dst = ctrl.height;
        let src = height - arity;
        let pc = if ctrl.kind == CtrlKind::Loop {
            ctrl.loop_pc
        } else {
            u32::MAX
        };
        let moving = Instr::Br {
            pc,
            dst,
            src,
            arity: arity as u16,
        };
        let instr = if src != dst && arity > 0 {
            // Values move: a conditional branch first skips the move when it fails.
            if let Some(cond) = cond {
                let over = self.pc() + 2;
                self.emit(cond.negated(over));
            }
            moving
        } else {
            match cond {
                None => Instr::Jump(pc),
                Some(cond) => self.fuse_add_branch(cond.taken(pc)),
            }
        };
        let at = self.pc();
        self.emit(instr);
        if pc == u32::MAX {
            self.ctrl[idx].patches.push(at);
        }
    }
    /// Translates one function body, validating it on the way (`Stack::Validate`) or,
    /// when it was validated before, following its heights (`Stack::Validated`): `None`
    /// when they cannot be followed (a `v128` may be on the stack, or an operator's arity
    /// is unknown), and the caller translates it again with a validator.
    pub(crate) fn translate(
        &mut self,
        info: &ModuleInfo,
        func_index: u32,
        mut stack: Stack<'_>,
        body: &FunctionBody<'_>,
        hooks: ListenerHooks,
    ) -> Result<Option<CompiledFunc>> {
        self.code.instrs.clear();
        self.code.offsets.clear();
        self.code.v128_consts.clear();
        self.code.consts.clear();
        self.code.gc.clear();
        self.barrier = 0;
        self.labels.clear();
        self.heights.clear();
        self.fuel_at = None;
        self.block_ops = 0;
        self.count_at = None;
        self.count_ops = 0;
        self.func = func_index;
        self.hooks = hooks;
        self.code_base = info.code_section_offset as u32;
        if let Some(probe) = &mut self.probe {
            // (A translation given up and started again finds it again.)
            probe.found = None;
            probe.pending = None;
        }
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
            if let Stack::Validate(fv) = &mut stack {
                fv.define_locals(offset, count, vt)?;
            }
            let v128 = vt == wasmparser::ValType::V128;
            declared = declared
                .checked_add(if v128 { count.saturating_mul(2) } else { count })
                .ok_or_else(|| Error::compile(offset, "too many locals"))?;
            runs.push((count, v128));
        }
        // Instructions emitted at the entry (listener hook, fuel, interrupt check) carry
        // the offset of the first operator.
        self.offset = reader.original_position() as u32;
        // Floating-point and 64-bit constants used in loops get slots of their own,
        // filled on entry, so that operators read them like locals (no instruction to
        // load a constant on every iteration). Outside loops loading them once is cheaper.
        self.const_slots.clear();
        let first_slot = params + declared;
        // (Found when the body was validated at decoding, else read from it now.)
        let read;
        let prelude = match info
            .preludes
            .get(func_index.wrapping_sub(info.num_imported_funcs) as usize)
        {
            Some(prelude) => {
                // (In builds with debug assertions, which the tests run: what validating
                // found is what reading the body finds.)
                #[cfg(debug_assertions)]
                {
                    let read = crate::module::read_prelude(reader.clone());
                    if (&read.loop_consts, read.max_tries)
                        != (&prelude.loop_consts, prelude.max_tries)
                    {
                        return Err(Error::new(format!(
                            "internal error: function {func_index}'s prelude found at \
                             validation ({prelude:?}) is not its body's ({read:?})"
                        )));
                    }
                }
                prelude
            }
            None => {
                read = crate::module::read_prelude(reader.clone());
                &read
            }
        };
        // (The prelude's constants are distinct.)
        for (k, &value) in prelude.loop_consts.iter().enumerate() {
            self.const_slots.insert(value, first_slot + k as u32);
            self.code.consts.push(value);
        }
        let max_tries = prelude.max_tries;
        // The hidden slots come after the constants (zeros copied in on entry).
        self.exn_base = params + declared + self.const_slots.len() as u32;
        for _ in 0..max_tries {
            self.code.consts.push(0);
        }
        self.handlers.clear();
        self.tail_sites.clear();
        let n_consts = self.code.consts.len() as u32;
        self.n_locals = params + declared + n_consts;
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
        if self.slot_mode && matches!(stack, Stack::Validated(_)) {
            return Ok(None);
        }
        if self.hooks.contains(ListenerHooks::BEFORE) {
            // First, before any check that can trap: `abort` pairs with `before`.
            self.emit(Instr::ListenerBefore(func_index));
        }
        self.label_here();
        if self.interrupts {
            self.emit(Instr::CheckInterrupt);
            self.set_barrier();
        }
        self.ctrl.clear();
        self.lazy.clear();
        self.push_ctrl(CtrlKind::Block, self.n_locals, results, false);
        let mut max_height = 0u32;
        let mut ops = wasmparser::OperatorsReader::new(reader);
        while !ops.eof() {
            let (op, offset) = ops.read_with_offset()?;
            if matches!(
                op,
                Operator::MemorySize { .. } | Operator::MemoryGrow { .. }
            ) && !info
                .features
                .contains(wasmparser::WasmFeatures::MULTI_MEMORY)
                && ops.original_position() - offset != 2
            {
                // wasmparser reads the memory index as a LEB128; WebAssembly 2.0 wants
                // exactly one zero byte.
                return Err(Error::compile(offset, "zero byte expected"));
            }
            if !self.slot_mode && info.bytes.get(offset as usize) == Some(&SIMD_PREFIX) {
                // No v128 value can be on the stack before the first SIMD operator.
                self.slot_mode = true;
            }
            let (hv, top) = match &mut stack {
                Stack::Validate(fv) => {
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
                    (hv, top)
                }
                Stack::Validated(heights) => {
                    if self.slot_mode {
                        return Ok(None);
                    }
                    let hv = heights.values();
                    let top = StackTop {
                        height: self.n_locals + hv,
                        v128: [false; 2],
                    };
                    if heights.op(&op).is_none() {
                        return Ok(None);
                    }
                    (hv, top)
                }
            };
            // Values after the operator, in slots.
            let values_after = match &stack {
                Stack::Validate(fv) => fv.operand_stack_height(),
                Stack::Validated(heights) => heights.values(),
            };
            max_height = max_height.max(values_after).max(hv);
            self.offset = offset as u32;
            self.operator(info, &op, top, offset)?;
            // (An operator that branches with its operand, which the fall-through pops,
            // has no height that frees it: its instructions get none.)
            let after = match op {
                Operator::BrOnNonNull { .. }
                | Operator::BrOnCast { .. }
                | Operator::BrOnCastFail { .. } => u32::MAX,
                _ => {
                    self.n_locals
                        + match &stack {
                            Stack::Validate(fv) => self.slot_height(fv, values_after),
                            Stack::Validated(_) => values_after,
                        }
                }
            };
            let n = self.code.instrs.len();
            self.heights.truncate(n);
            self.heights.resize(n, after);
            if self.count && ends_segment(&op) {
                self.close_count();
            }
        }
        ops.finish()?;
        self.close_count();
        thread_jumps(&mut self.code.instrs);
        let modes = self.acc_modes();
        // Every value may be a v128 (two slots) in slot mode.
        let max_slots = if self.slot_mode {
            2 * max_height
        } else {
            max_height
        };
        // (Collected into a vector of the right size: `collect` into a `Result` would
        // not know it, and grow it step by step.)
        let mut ops = Vec::with_capacity(self.code.instrs.len());
        for (at, &i) in self.code.instrs.iter().enumerate() {
            let mode = modes.get(at).copied().unwrap_or(0);
            ops.push(
                super::hot::Op::with_mode(i, mode, self.count).ok_or_else(|| {
                    Error::new(format!(
                        "internal error: {i:?} has no accumulator mode {mode}"
                    ))
                })?,
            );
        }
        Ok(Some(CompiledFunc {
            id: u32::MAX,
            params,
            locals: declared,
            max_height: self.n_locals + max_slots + 2,
            instrs: ops.into_boxed_slice(),
            modes: modes.into(),
            offsets: self.code.offsets[..].into(),
            consts: self.code.consts[..].into(),
            gc: std::mem::take(&mut self.code.gc).into(),
            v128_consts: self.code.v128_consts[..].into(),
            points: Box::new([]),
            handlers: std::mem::take(&mut self.handlers).into_boxed_slice(),
            tail_sites: self.tail_sites[..].into(),
        }))
    }

    /// The accumulator modes of the code (see `super::hot::Fr`; empty: none): an
    /// instruction whose result the next one reads (as its operand `a` or `b`) from the
    /// slot it wrote, and which nothing jumps to, gives its result to the accumulator,
    /// and the next one takes it from there (`IN_A`, `IN_B`): only to the accumulator
    /// (`OUT`) where nothing reads the slot after (it is above the operand stack after
    /// the next one's operator, or the next one overwrites it; the next one reads it
    /// once), to both otherwise (`TEE`). Through the float accumulator (`FOUT`, `FIN`)
    /// where either is an `f64` operator (`float_typed`) and both have that mode, else
    /// through the integer one. Then a value given up to four instructions before the one
    /// that reads it, the instructions between able to hold it (`HELD`: they give nothing
    /// and leave its slot alone), is held for it, its giver writing the slot too (`TEE`).
    /// Not in debug code, which keeps every operand in its slot.
    fn acc_modes(&self) -> Vec<u8> {
        use super::hot::{float_typed, has_mode, holds, FIN, FOUT, HELD, IN_A, IN_B, OUT, TEE};
        /// The most instructions that hold the accumulator between a giver and a taker.
        const MAX_HELD: usize = 3;
        let instrs = &self.code.instrs;
        if self.debug || instrs.len() < 2 {
            return Vec::new();
        }
        let mut barred = vec![false; instrs.len() + 1];
        for &at in &self.labels {
            barred[at as usize] = true;
        }
        for i in instrs {
            if let Some(t) = i.jump_target() {
                barred[t as usize] = true;
            }
        }
        for h in &self.handlers {
            barred[h.start as usize] = true;
            barred[h.end as usize] = true;
        }
        // (Each instruction's operands, found once: the passes below look at most of
        // them several times.)
        let operands: Vec<_> = instrs.iter().map(Instr::acc_operands).collect();
        // Whether each instruction may hold the accumulator (`holds`), found when first
        // asked (0: not yet; 1: no; 2: yes): `has_mode(.., m | HELD)` without finding it
        // again at each look.
        let mut may_hold = vec![0u8; instrs.len()];
        let mut holding = |k: usize, mode: u8| {
            if may_hold[k] == 0 {
                may_hold[k] = 1 + holds(&instrs[k]) as u8;
            }
            may_hold[k] == 2 && has_mode(&instrs[k], mode & !HELD)
        };
        let mut modes = vec![0u8; instrs.len()];
        let mut any = false;
        for at in 0..instrs.len() - 1 {
            let (p, c) = (&instrs[at], &instrs[at + 1]);
            if barred[at + 1] {
                continue;
            }
            let (_, _, Some(d)) = operands[at] else {
                continue;
            };
            let (a, b, dst) = operands[at + 1];
            let (takes, once) = match (a == Some(d), b == Some(d)) {
                (true, false) => (IN_A, true),
                (false, true) => (IN_B, true),
                // (The same slot twice: `b` is read from the slot.)
                (true, true) => (IN_A, false),
                _ => continue,
            };
            // (After a return, nothing of the frame is read.)
            let dead = once
                && (dst == Some(d)
                    || matches!(c, Instr::Return { .. })
                    || self
                        .heights
                        .get(at + 1)
                        .is_some_and(|&h| d >= h && d >= self.n_locals));
            let gives = if dead { OUT } else { TEE };
            // (An `f64` made or used as such goes through the float accumulator, where
            // both have that mode.)
            let float = float_typed(p) || float_typed(c);
            let choices = [(gives | FOUT, takes | FIN), (gives, takes)];
            let choices = if float { &choices[..] } else { &choices[1..] };
            if let Some(&(g, t)) = choices
                .iter()
                .find(|&&(g, t)| has_mode(p, modes[at] | g) && has_mode(c, t))
            {
                modes[at] |= g;
                modes[at + 1] |= t;
                any = true;
            }
        }
        // A value given a few instructions before the one that takes it, past instructions
        // that give nothing and leave its slot alone, stays in the accumulator for it
        // (`HELD`; its giver writes the slot too, `TEE`): a `br_table`'s index three
        // instructions after the load that made it, past a bounds check.
        for t in 2..instrs.len() {
            if barred[t] || modes[t] & (IN_A | IN_B) != 0 {
                continue;
            }
            let (a, b, _) = operands[t];
            // The nearest instruction before that writes `a` or `b`, past at most
            // `MAX_HELD` that may hold.
            let mut k = t - 1;
            let giver = loop {
                let d = operands[k].2;
                if d.is_some() && (d == a || d == b) {
                    break Some(k);
                }
                if t - k > MAX_HELD
                    || k == 0
                    || barred[k]
                    || modes[k] & (OUT | TEE) != 0
                    || !holding(k, modes[k])
                {
                    break None;
                }
                k -= 1;
            };
            // (A giver that holds for a chain before would end that chain.)
            let Some(k) = giver.filter(|&k| k + 1 < t && modes[k] & (OUT | HELD) == 0) else {
                continue;
            };
            let d = operands[k].2;
            let takes = match (a == d, b == d) {
                (true, false) => IN_A,
                (false, true) => IN_B,
                _ => continue,
            };
            let (given, float) = (modes[k] & TEE != 0, modes[k] & FOUT != 0);
            let all = [
                (0, takes | FIN),
                (0, takes),
                (TEE | FOUT, takes | FIN),
                (TEE, takes),
            ];
            let choices = match (given, float) {
                (true, true) => &all[..1],
                (true, false) => &all[1..2],
                _ if float_typed(&instrs[k]) || float_typed(&instrs[t]) => &all[2..],
                _ => &all[3..],
            };
            if let Some(&(g, tm)) = choices.iter().find(|&&(g, tm)| {
                has_mode(&instrs[k], modes[k] | g) && has_mode(&instrs[t], modes[t] | tm)
            }) {
                modes[k] |= g;
                for m in &mut modes[k + 1..t] {
                    *m |= HELD;
                }
                modes[t] |= tm;
                any = true;
            }
        }
        if any {
            modes
        } else {
            Vec::new()
        }
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

    // ---- operands ----

    /// Emits the code that puts a lazy operand into its natural slot.
    fn emit_materialize(&mut self, slot: u32, lazy: Lazy) {
        let instr = match lazy {
            Lazy::Local(src) => Instr::Copy { dst: slot, src },
            Lazy::Const32(c) => Instr::Const32 { dst: slot, c },
            Lazy::Const64(c) => Instr::Const64 { dst: slot, c },
        };
        self.emit(instr);
    }

    /// Puts every lazy operand into its natural slot (before control flow, calls and
    /// stack-style instructions).
    fn materialize_all(&mut self) {
        self.materialize_from(0);
    }

    /// Puts the lazy operands in natural slots `from` and above into their slots (before
    /// a stack-style instruction that reads and writes no slot below `from`), in order.
    fn materialize_from(&mut self, from: u32) {
        if self.lazy.is_empty() {
            return;
        }
        // (In the list's order; the list keeps its buffer.)
        let mut lazy = std::mem::take(&mut self.lazy);
        lazy.retain(|&(slot, l)| {
            if slot >= from {
                self.emit_materialize(slot, l);
            }
            slot < from
        });
        self.lazy = lazy;
    }

    /// Takes the operand in natural slot `slot` off the lazy list.
    fn take_lazy(&mut self, slot: u32) -> Option<Lazy> {
        let i = self.lazy.iter().rposition(|(s, _)| *s == slot)?;
        Some(self.lazy.remove(i).1)
    }

    /// The slot an instruction reads the operand at natural slot `slot` from
    /// (materialising a constant there first).
    fn slot_operand(&mut self, slot: u32) -> u32 {
        match self.take_lazy(slot) {
            Some(Lazy::Local(src)) => src,
            Some(Lazy::Const64(c)) if self.const_slots.contains_key(&c) => self.const_slots[&c],
            Some(Lazy::Const32(c)) if self.const_slots.contains_key(&(c as u64)) => {
                self.const_slots[&(c as u64)]
            }
            Some(lazy) => {
                self.emit_materialize(slot, lazy);
                slot
            }
            None => slot,
        }
    }

    /// Like [`Self::slot_operand`], but a 32-bit constant stays a constant.
    fn operand(&mut self, slot: u32) -> Operand {
        match self.take_lazy(slot) {
            Some(Lazy::Const32(c)) => Operand::Const32(c),
            Some(Lazy::Local(src)) => Operand::Slot(src),
            Some(Lazy::Const64(c)) if self.const_slots.contains_key(&c) => {
                Operand::Slot(self.const_slots[&c])
            }
            Some(lazy) => {
                self.emit_materialize(slot, lazy);
                Operand::Slot(slot)
            }
            None => Operand::Slot(slot),
        }
    }

    /// Before local `local` (a slot) is written: operands still read from it get their
    /// own copy.
    fn preserve_local(&mut self, local: u32) {
        let mut i = 0;
        while i < self.lazy.len() {
            if let (slot, Lazy::Local(l)) = self.lazy[i] {
                if l == local {
                    self.lazy.remove(i);
                    self.emit(Instr::Copy {
                        dst: slot,
                        src: local,
                    });
                    continue;
                }
            }
            i += 1;
        }
    }

    /// If the last instruction computed the value in natural slot `slot` (and nothing
    /// jumps between), makes it write to `local` instead; returns whether it did.
    fn retarget(&mut self, slot: u32, local: u32) -> bool {
        if self.code.instrs.len() <= self.barrier {
            return false;
        }
        let last = self.code.instrs.last_mut().expect("an instruction");
        match last.dst_mut() {
            Some(dst) if *dst == slot => {
                *dst = local;
                true
            }
            _ => false,
        }
    }

    /// `local.set` (`tee`: `local.tee`) of the value in natural slot `slot`.
    fn set_local(&mut self, local: u32, slot: u32, tee: bool) {
        match self.take_lazy(slot) {
            Some(Lazy::Local(src)) if src == local => {
                if tee {
                    self.lazy.push((slot, Lazy::Local(local)));
                }
            }
            Some(lazy) => {
                self.preserve_local(local);
                self.emit_materialize(local, lazy);
                if tee {
                    self.lazy.push((slot, lazy));
                }
            }
            None => {
                self.preserve_local(local);
                if self.retarget(slot, local) {
                    if tee {
                        // The value now lives only in the local.
                        self.lazy.push((slot, Lazy::Local(local)));
                    }
                } else {
                    self.emit(Instr::Copy {
                        dst: local,
                        src: slot,
                    });
                }
            }
        }
    }

    /// `local.set` of the `v128` in natural slots `slot .. slot + 2` to the `v128` local
    /// at `local`: where the last instruction is the `v128.load` that made the value (and
    /// nothing jumps between), the load writes the local instead.
    fn set_local128(&mut self, local: u32, slot: u32) {
        if let Some(Instr::LoadV128 { dst, addr, offset }) = self.last_fusable() {
            if dst == slot {
                let last = self.code.instrs.last_mut().expect("an instruction");
                *last = Instr::LoadV128 {
                    dst: local,
                    addr,
                    offset,
                };
                return;
            }
        }
        self.emit(Instr::Copy128 {
            dst: local,
            src: slot,
        });
    }

    /// The slots to read the `v128` in natural slots `slot .. slot + 2` from, for an
    /// instruction that consumes it: where the last instruction copied it there (a
    /// `local.get`, and nothing jumps between), the copy goes and the source is read.
    fn copied_v128(&mut self, slot: u32) -> u32 {
        match self.last_fusable() {
            Some(Instr::Copy128 { dst, src }) if dst == slot => {
                self.drop_last();
                // (At a trap, the debugger shows the value in its natural slots: from
                // the local, as a lazy operand, since no copy writes them now.)
                if let Some((_, lazy)) = self.probe.as_mut().and_then(|p| p.pending.as_mut()) {
                    lazy.push((slot, Lazy::Local(src)));
                    lazy.push((slot + 1, Lazy::Local(src + 1)));
                }
                src
            }
            _ => slot,
        }
    }

    /// A fused condition for the `i32` value in natural slot `slot`, if the last
    /// instruction computed it with a comparison or `i32.eqz` (which is then removed,
    /// with the comparison before an `eqz` of one).
    fn fused_condition(&mut self, slot: u32) -> Option<BranchCond> {
        let last = self.last_fusable()?;
        let cond = if let Instr::I32Eqz { dst, a } = last {
            if dst != slot {
                return None;
            }
            // `i32.eqz` of a comparison (its result consumed by the `eqz`): the
            // comparison's branches swapped, and both instructions go.
            let n = self.code.instrs.len();
            let before = (n >= 2 && n - 2 >= self.barrier)
                .then(|| self.code.instrs[n - 2])
                .and_then(|i| Some((i.compare_and_branch(false)?, i.compare_and_branch(true)?)));
            if let Some(((cdst, x, y, yes), (_, _, _, no))) = before {
                // (Only a comparison into the natural slot the `eqz` reads and
                // overwrites: one retargeted to a local by `local.tee` must stay.)
                if cdst == a && a == slot {
                    self.code.instrs.truncate(n - 2);
                    self.code.offsets.pop();
                    // The fused branch keeps the comparison's offset.
                    self.offset = self.code.offsets.pop().expect("offset");
                    return Some(BranchCond::Compare(x, y, no, yes));
                }
            }
            BranchCond::Zero(a)
        } else {
            let (dst, a, b, yes) = last.compare_and_branch(false)?;
            let (_, _, _, no) = last.compare_and_branch(true)?;
            (dst == slot).then_some(BranchCond::Compare(a, b, yes, no))?
        };
        self.code.instrs.pop();
        // The fused branch keeps the comparison's offset.
        self.offset = self.code.offsets.pop().expect("offset");
        Some(cond)
    }

    /// The condition in natural slot `slot` (consumed) for a branch, fused with the
    /// comparison that computed it where possible; lazy operands are materialised.
    fn condition(&mut self, slot: u32) -> BranchCond {
        if !self.lazy.iter().any(|(s, _)| *s == slot) {
            if let Some(cond) = self.fused_condition(slot) {
                self.materialize_all();
                return cond;
            }
        }
        let c = self.slot_operand(slot);
        self.materialize_all();
        BranchCond::NonZero(c)
    }

    /// Translates one operator; `top` describes the stack before it.
    fn operator(
        &mut self,
        info: &ModuleInfo,
        op: &Operator<'_>,
        top: StackTop,
        offset: u64,
    ) -> Result<()> {
        let frame = self.ctrl.last().expect("a control frame");
        if frame.dead || frame.unreachable {
            return self.unreachable_operator(op);
        }
        self.block_ops += 1;
        if let Some(probe) = &mut self.probe {
            // Found when this operator emits the instruction at `at` (`emit`): the
            // operator that emits a fused instruction is the last of those fused (a
            // load of an element's address is the load's).
            probe.pending = Some((top.height, self.lazy.clone()));
        }
        if self.count {
            if self.count_at.is_none() {
                self.count_at = Some(self.code.instrs.len());
                self.emit(Instr::Count(0));
                // (Nothing fuses across it: it is a switch point.)
                self.set_barrier();
            }
            self.count_ops += 1;
        }
        if self.debug {
            self.emit(Instr::DebugStep {
                offset: (offset as u32).saturating_sub(self.code_base),
                height: top.height,
            });
        }
        // A load or store of another memory than 0 (multi-memory) or of a 64-bit one
        // (memory64): the generic instruction, which names its memory (memory 0's
        // 32-bit accesses keep their own instructions, but for an offset too close to
        // 4 GiB for their `end`: `operator_body`).
        // (A module of at most one memory, of 32-bit addresses, has none.)
        let wide = if info.memory64.len() <= 1 && !info.memory64.contains(&true) {
            None
        } else {
            let memory = crate::module::memory_of(op).unwrap_or(0);
            let addr64 = info.memory64.get(memory as usize) == Some(&true);
            crate::module::memarg_of(op)
                .filter(|_| memory != 0 || addr64)
                .map(|memarg| (memarg.offset, memory, addr64))
        };
        if let Some((moff, memory, addr64)) = wide {
            if self.wide(op, top.height, moff, memory, addr64, offset)? {
                return Ok(());
            }
        }
        if let Operator::MemoryCopy { dst_mem, src_mem } = *op {
            if dst_mem != src_mem {
                let (dst, src, h) = (dst_mem, src_mem, top.height);
                self.stack_style(Instr::MemoryCopyBetween { dst, src, h });
                return Ok(());
            }
        }
        let result = self.operator_body(info, op, top, offset);
        if self.debug {
            // A paused frame shows every operand in its slot.
            self.materialize_all();
        }
        result
    }

    /// Emits memory operator `op` (offset `moff`, of memory `memory`, of 64-bit
    /// addresses if `addr64`) at height `h` as the generic `Wide`, if it has that form
    /// (`false`: it has none, `WideOp::of`; the scalar and SIMD loads and stores have
    /// one); `offset`: its position, for the error.
    fn wide(
        &mut self,
        op: &Operator<'_>,
        h: u32,
        moff: u64,
        memory: u32,
        addr64: bool,
        offset: u64,
    ) -> Result<bool> {
        let Some(wop) = super::instr::WideOp::of(op) else {
            return Ok(false);
        };
        self.materialize_all();
        self.code.v128_consts.push(moff as u128);
        let off = self.code.v128_consts.len() as u32 - 1;
        let mem = u16::try_from(memory)
            .map_err(|_| Error::compile(offset, "more than 65536 memories"))?;
        self.emit(Instr::Wide {
            op: wop,
            h,
            off,
            mem,
            addr64,
        });
        Ok(true)
    }

    /// [`Self::wide`] for a load or store of memory 0 (32-bit) whose access's end does
    /// not fit a `u32`: an internal error if it has no generic form (they all have one).
    fn wide_of_memory_0(
        &mut self,
        op: &Operator<'_>,
        h: u32,
        moff: u64,
        offset: u64,
    ) -> Result<()> {
        match self.wide(op, h, moff, 0, false, offset)? {
            true => Ok(()),
            false => Err(Error::new(format!(
                "internal error: {op:?} has no generic form"
            ))),
        }
    }

    fn operator_body(
        &mut self,
        info: &ModuleInfo,
        op: &Operator<'_>,
        top: StackTop,
        offset: u64,
    ) -> Result<()> {
        let h = top.height;
        use Operator as O;
        // A memory-0 load or store of `$n` bytes: its instruction has the access's end
        // (offset + `$n`), or, when that does not fit a `u32`, the generic `Wide`.
        macro_rules! load {
            ($instr:ident, $memarg:expr, $n:literal) => {
                match u32::try_from($memarg.offset + $n) {
                    Ok(end) => self.load(h, end, |dst, addr, end| Instr::$instr { dst, addr, end }),
                    Err(_) => self.wide_of_memory_0(op, h, $memarg.offset, offset)?,
                }
            };
        }
        macro_rules! store {
            ($instr:ident, $memarg:expr, $n:literal) => {
                match u32::try_from($memarg.offset + $n) {
                    Ok(end) => {
                        self.store(h, end, |addr, src, end| Instr::$instr { addr, src, end })
                    }
                    Err(_) => self.wide_of_memory_0(op, h, $memarg.offset, offset)?,
                }
            };
        }
        match *op {
            O::Nop => {}
            O::Unreachable => {
                self.emit(Instr::Unreachable);
                self.set_unreachable();
            }
            O::Block { blockty } => {
                self.materialize_all();
                let (p, r) = Self::block_arity(info, blockty);
                self.push_ctrl(CtrlKind::Block, h - p, r, false);
            }
            O::Loop { blockty } => {
                self.materialize_all();
                let (p, _) = Self::block_arity(info, blockty);
                let header = self.label_here();
                if self.interrupts {
                    self.emit(Instr::CheckInterrupt);
                    self.set_barrier();
                }
                self.push_ctrl(CtrlKind::Loop, h - p, p, false);
                self.ctrl.last_mut().expect("loop").loop_pc = header;
            }
            O::If { blockty } => {
                let (p, r) = Self::block_arity(info, blockty);
                let cond = self.condition(h - 1);
                let at = self.pc();
                self.emit(cond.negated(u32::MAX));
                self.push_ctrl(CtrlKind::If, h - 1 - p, r, false);
                self.ctrl.last_mut().expect("if").else_jump = Some(at);
            }
            O::Else => self.else_(),
            O::End => self.end(),
            O::TryTable { ref try_table } => self.try_table(info, try_table, h)?,
            O::CallRef { .. } => self.stack_style(Instr::CallRef { h }),
            O::ReturnCallRef { type_index } => {
                self.tail_call_by_value(info, type_index, h, Instr::ReturnCallRef { h })?
            }
            O::RefAsNonNull => {
                let a = self.slot_operand(h - 1);
                self.emit(Instr::RefAsNonNull { dst: h - 1, a });
            }
            O::BrOnNull { relative_depth } => {
                self.materialize_all();
                self.branch(relative_depth, h - 1, Some(BranchCond::Zero(h - 1)));
            }
            O::BrOnNonNull { relative_depth } => {
                self.materialize_all();
                self.branch(relative_depth, h, Some(BranchCond::NonZero(h - 1)));
            }
            O::Throw { tag_index } => {
                self.materialize_all();
                self.emit(Instr::Throw { tag: tag_index, h });
                self.set_unreachable();
            }
            O::ThrowRef => {
                let a = self.slot_operand(h - 1);
                self.emit(Instr::ThrowRef { a });
                self.set_unreachable();
            }
            O::Try { blockty } => {
                self.materialize_all();
                // (Nothing before the `try` fuses with what is in it: its handler's range
                // starts here, and a fusion that removed an instruction before would move
                // the ones in it out of the range.)
                self.set_barrier();
                let (p, r) = Self::block_arity(info, blockty);
                let level = (self.ctrl.iter())
                    .filter(|c| matches!(c.kind, CtrlKind::Try | CtrlKind::Catch))
                    .count() as u32;
                self.push_ctrl(CtrlKind::Try, h - p, r, false);
                let top = self.ctrl.last_mut().expect("try");
                top.exn_slot = self.exn_base + level;
            }
            O::Catch { tag_index } => self.legacy_catch(Some(tag_index)),
            O::CatchAll => self.legacy_catch(None),
            O::Rethrow { relative_depth } => {
                let idx = self.ctrl.len() - 1 - relative_depth as usize;
                let a = self.ctrl[idx].exn_slot;
                // The try's catches keep the exception they catch (by reference).
                self.ctrl[idx].rethrows = true;
                if let Some(HandlerKind::Catch(clauses)) = (self.ctrl[idx].handler)
                    .and_then(|i| self.handlers.get_mut(i))
                    .map(|h| &mut h.kind)
                {
                    for c in clauses {
                        c.exn_slot = Some(a);
                    }
                }
                self.materialize_all();
                self.emit(Instr::ThrowRef { a });
                self.set_unreachable();
            }
            O::Delegate { relative_depth } => self.delegate(relative_depth),
            O::Br { relative_depth } => {
                self.materialize_all();
                self.branch(relative_depth, h, None);
                self.set_unreachable();
            }
            O::BrIf { relative_depth } => {
                let cond = self.condition(h - 1);
                self.branch(relative_depth, h - 1, Some(cond));
            }
            O::BrTable { ref targets } => {
                let mut index = self.slot_operand(h - 1);
                // An index that `i32.wrap_i64` made in its natural slot: the table reads
                // only its low 32 bits, so the wrap goes.
                if let Some(Instr::I32WrapI64 { dst, a }) = self.last_fusable() {
                    if dst == index && index == h - 1 {
                        self.drop_last();
                        index = a;
                    }
                }
                self.materialize_all();
                self.emit(Instr::BrTable {
                    len: targets.len(),
                    index,
                });
                for t in targets.targets() {
                    self.branch(t?, h - 1, None);
                }
                self.branch(targets.default(), h - 1, None);
                self.set_unreachable();
            }
            O::Return => {
                let arity = self.ctrl[0].br_arity;
                let src = self.returned_from(h - arity, arity);
                self.materialize_all();
                self.emit_return(src, arity);
                self.set_unreachable();
            }
            O::Call { function_index } => {
                self.materialize_all();
                let params = info.func_type(function_index).param_slots() as u32;
                self.emit(Instr::Call {
                    func: function_index,
                    base: h - params,
                });
            }
            // Tail calls. One to an import is a call and a return (the host function
            // runs, then this function returns its results). A listened function's
            // frame is replaced too; its `after` is owed to the frame that returns at
            // its depth (`TailListened`), with that frame's results.
            O::ReturnCall { function_index } => {
                self.materialize_all();
                let ty = info.func_type(function_index);
                let (params, results) = (ty.param_slots() as u32, ty.result_slots() as u32);
                let base = h - params;
                if function_index < info.num_imported_funcs {
                    self.tail_sites.push(self.pc());
                    self.emit(Instr::Call {
                        func: function_index,
                        base,
                    });
                    self.emit_return(base, results);
                } else {
                    self.emit_tail_listened();
                    self.emit(Instr::ReturnCall {
                        func: function_index,
                        base,
                    });
                }
                self.set_unreachable();
            }
            O::ReturnCallIndirect {
                type_index,
                table_index,
            } => {
                let (ty, table) = (type_index, table_index);
                let instr = Instr::ReturnCallIndirect { ty, table, h };
                self.tail_call_by_value(info, type_index, h, instr)?
            }
            O::CallIndirect {
                type_index,
                table_index,
            } => {
                self.materialize_all();
                self.emit(Instr::CallIndirect {
                    ty: type_index,
                    table: table_index,
                    h,
                });
            }
            O::Drop => {
                if !top.v128[0] {
                    self.take_lazy(h - 1);
                }
            }
            O::Select | O::TypedSelect { .. } => {
                self.materialize_all();
                // The condition is on top; the operands' type is the second value's.
                self.emit(if top.v128[1] {
                    Instr::Select128 { h }
                } else {
                    Instr::Select { h }
                })
            }
            O::LocalGet { local_index } => match self.local(local_index) {
                (src, true) => self.emit(Instr::Copy128 { dst: h, src }),
                (src, false) => self.lazy.push((h, Lazy::Local(src))),
            },
            O::LocalSet { local_index } => match self.local(local_index) {
                (dst, true) => self.set_local128(dst, h - 2),
                (dst, false) => self.set_local(dst, h - 1, false),
            },
            O::LocalTee { local_index } => match self.local(local_index) {
                (dst, true) => self.emit(Instr::Copy128 { dst, src: h - 2 }),
                (dst, false) => self.set_local(dst, h - 1, true),
            },
            O::GlobalGet { global_index } => {
                if info.globals[global_index as usize].value_type == ValueType::V128 {
                    self.emit(Instr::GlobalGet128 {
                        dst: h,
                        global: global_index,
                    })
                } else {
                    self.emit(Instr::GlobalGet {
                        dst: h,
                        global: global_index,
                    })
                }
            }
            O::GlobalSet { global_index } => {
                if info.globals[global_index as usize].value_type == ValueType::V128 {
                    self.emit(Instr::GlobalSet128 {
                        src: h - 2,
                        global: global_index,
                    })
                } else {
                    let src = self.slot_operand(h - 1);
                    let set = self.fuse_global_set(src, global_index, h);
                    self.emit(set)
                }
            }
            O::I32Load { memarg } | O::F32Load { memarg } => load!(I32Load, memarg, 4),
            O::I64Load { memarg } | O::F64Load { memarg } => load!(I64Load, memarg, 8),
            O::I32Load8S { memarg } => load!(I32Load8S, memarg, 1),
            O::I32Load8U { memarg } => load!(I32Load8U, memarg, 1),
            O::I32Load16S { memarg } => load!(I32Load16S, memarg, 2),
            O::I32Load16U { memarg } => load!(I32Load16U, memarg, 2),
            O::I64Load8S { memarg } => load!(I64Load8S, memarg, 1),
            O::I64Load8U { memarg } => load!(I64Load8U, memarg, 1),
            O::I64Load16S { memarg } => load!(I64Load16S, memarg, 2),
            O::I64Load16U { memarg } => load!(I64Load16U, memarg, 2),
            O::I64Load32S { memarg } => load!(I64Load32S, memarg, 4),
            O::I64Load32U { memarg } => load!(I64Load32U, memarg, 4),
            O::I32Store { memarg } | O::F32Store { memarg } | O::I64Store32 { memarg } => {
                store!(Store32, memarg, 4)
            }
            O::I64Store { memarg } | O::F64Store { memarg } => store!(Store64, memarg, 8),
            O::I32Store8 { memarg } | O::I64Store8 { memarg } => store!(Store8, memarg, 1),
            O::I32Store16 { memarg } | O::I64Store16 { memarg } => store!(Store16, memarg, 2),
            O::MemorySize { mem } => self.emit(Instr::MemorySize { dst: h, mem }),
            O::MemoryGrow { mem } => {
                let a = self.slot_operand(h - 1);
                self.emit(Instr::MemoryGrow { dst: h - 1, a, mem });
            }
            O::MemoryFill { mem } => self.stack_style(Instr::MemoryFill { h, mem }),
            O::MemoryCopy { dst_mem, .. } => {
                self.stack_style(Instr::MemoryCopy { h, mem: dst_mem })
            }
            O::MemoryInit { data_index, mem } => self.stack_style(Instr::MemoryInit {
                seg: data_index,
                h,
                mem,
            }),
            O::DataDrop { data_index } => self.emit(Instr::DataDrop(data_index)),
            O::TableGet { table } => self.stack_style(Instr::TableGet { table, h }),
            O::TableSet { table } => self.stack_style(Instr::TableSet { table, h }),
            O::TableSize { table } => self.emit(Instr::TableSize { table, dst: h }),
            O::TableGrow { table } => self.stack_style(Instr::TableGrow { table, h }),
            O::TableFill { table } => self.stack_style(Instr::TableFill { table, h }),
            O::TableCopy {
                dst_table,
                src_table,
            } => self.stack_style(Instr::TableCopy {
                dst: dst_table,
                src: src_table,
                h,
            }),
            O::TableInit { elem_index, table } => self.stack_style(Instr::TableInit {
                table,
                elem: elem_index,
                h,
            }),
            O::ElemDrop { elem_index } => self.emit(Instr::ElemDrop(elem_index)),
            O::RefNull { .. } => self.emit(Instr::RefNull { dst: h }),
            // GC: conversions change nothing (see `heap`); the rest runs out of line.
            O::AnyConvertExtern | O::ExternConvertAny => {}
            O::BrOnCast { relative_depth, .. } | O::BrOnCastFail { relative_depth, .. } => {
                self.materialize_all();
                let fail = matches!(op, O::BrOnCastFail { .. });
                let idx = self.code.gc.len() as u32;
                self.code.gc.push(gc_op(info, op, self.offset)?);
                let idx = if fail { idx | NEGATE } else { idx };
                self.branch(relative_depth, h, Some(BranchCond::Cast(h - 1, idx)));
            }
            // (Those above are GC's too; the rest resolve through `gc_op`.)
            ref op if crate::module::is_gc_operator(op) => {
                let gc = gc_op(info, op, self.offset)?;
                let idx = self.code.gc.len() as u32;
                self.code.gc.push(gc);
                self.stack_style(Instr::Gc { idx, h });
            }
            O::RefIsNull => {
                let a = self.slot_operand(h - 1);
                self.emit(Instr::RefIsNull { dst: h - 1, a });
            }
            O::RefFunc { function_index } => self.emit(Instr::RefFunc {
                dst: h,
                func: function_index,
            }),
            O::I32Const { value } => self.lazy.push((h, Lazy::Const32(value as u32))),
            O::F32Const { value } => self.lazy.push((h, Lazy::Const32(value.bits()))),
            O::I64Const { value } => self.lazy.push((h, Lazy::Const64(value as u64))),
            O::F64Const { value } => self.lazy.push((h, Lazy::Const64(value.bits()))),
            // Values live zero-extended in 64-bit slots: these change nothing.
            O::I32ReinterpretF32
            | O::F32ReinterpretI32
            | O::I64ReinterpretF64
            | O::F64ReinterpretI64
            | O::I64ExtendI32U => {}
            O::V128Const { value } => {
                self.code.v128_consts.push(value.i128() as u128);
                let idx = self.code.v128_consts.len() as u32 - 1;
                self.emit(Instr::V128Const { idx, dst: h });
            }
            O::I8x16Shuffle { lanes } => {
                self.code.v128_consts.push(u128::from_le_bytes(lanes));
                let idx = self.code.v128_consts.len() as u32 - 1;
                self.stack_style(Instr::Shuffle { idx, h });
            }
            ref other => {
                if let Some(numeric) = Numeric::of(other) {
                    self.numeric(numeric, h);
                } else if let Some(op) = simd::SimdOp::from_operator(other) {
                    // (Only its operands need their slots: other lazy operands below
                    // them stay lazy, as it writes no slot there.)
                    self.materialize_from(h.saturating_sub(op.operand_slots()));
                    self.emit(Instr::Simd { op, h });
                } else if let Some((op, lane)) = simd::LaneOp::from_operator(other) {
                    self.stack_style(Instr::SimdLane { op, lane, h });
                } else if let Some((op, offset, lane)) = simd::MemOp::from_operator(other) {
                    // `v128.load` and `v128.store` are register-addressed: the address
                    // may stay a local's slot (no copy), and other operands stay lazy.
                    match op {
                        simd::MemOp::Load => {
                            let addr = self.slot_operand(h - 1);
                            self.emit(Instr::LoadV128 {
                                dst: h - 1,
                                addr,
                                offset,
                            });
                            return Ok(());
                        }
                        simd::MemOp::Store => {
                            // (The value, a `v128`, is never lazy: it is in its slots.)
                            let addr = self.slot_operand(h - 3);
                            let src = self.copied_v128(h - 2);
                            self.emit(Instr::StoreV128 { addr, src, offset });
                            return Ok(());
                        }
                        _ => {}
                    }
                    self.stack_style(Instr::SimdMem {
                        op,
                        lane,
                        offset,
                        h,
                    });
                } else {
                    return Err(Error::compile(
                        offset,
                        format!("the interpreter does not support {other:?}"),
                    ));
                }
            }
        }
        Ok(())
    }

    /// An instruction that works on its operands in their natural slots.
    /// GC operator `op` with its immediates resolved.
    fn stack_style(&mut self, instr: Instr) {
        self.materialize_all();
        self.emit(instr);
    }

    /// A memory-0 load at height `h` that ends at `end` past its address (its offset and
    /// width), made by `make` (`dst`, `addr`, `end`).
    fn load(&mut self, h: u32, end: u32, make: fn(u32, u32, u32) -> Instr) {
        let addr = self.slot_operand(h - 1);
        let load = make(h - 1, addr, end);
        // An `i32` or `i64` load with no offset of an address an `i32.add` made (of two
        // operands, of a constant, of a shifted index) into its natural slot, consumed
        // here: one instruction.
        let wide = match load {
            Instr::I32Load { end: 4, .. } => false,
            Instr::I64Load { end: 8, .. } => true,
            _ => return self.emit(load),
        };
        let fused = match self.last_fusable() {
            Some(Instr::I32AddShl { dst, a, b, scale }) if dst == addr => Some((a, b, Some(scale))),
            Some(Instr::I32Add { dst, a, b }) if dst == addr => Some((a, b, Some(1))),
            Some(Instr::I32AddC { dst, a, c }) if dst == addr => Some((a, c, None)),
            _ => None,
        };
        if let Some((a, b, shift)) = fused.filter(|_| addr == h - 1) {
            self.drop_last();
            let dst = h - 1;
            return self.emit(match (shift, wide) {
                (Some(scale), false) => Instr::I32LoadIdx { dst, a, b, scale },
                (Some(scale), true) => Instr::I64LoadIdx { dst, a, b, scale },
                (None, false) => Instr::I32LoadAt { dst, a, c: b },
                (None, true) => Instr::I64LoadAt { dst, a, c: b },
            });
        }
        self.emit(load);
    }

    /// A memory-0 store at height `h` that ends at `end` past its address, made by `make`
    /// (`addr`, `src`, `end`).
    fn store(&mut self, h: u32, end: u32, make: fn(u32, u32, u32) -> Instr) {
        let src = self.slot_operand(h - 1);
        let addr = self.slot_operand(h - 2);
        self.emit(make(addr, src, end));
    }

    fn numeric(&mut self, numeric: Numeric, h: u32) {
        match numeric {
            Numeric::Unary(make) => {
                let a = self.slot_operand(h - 1);
                self.emit(make(h - 1, a));
            }
            Numeric::Binary(make, const_form) => {
                let b = self.operand(h - 1);
                let a = self.slot_operand(h - 2);
                let instr = match (b, const_form) {
                    (Operand::Const32(c), Some(make_c)) => make_c(h - 2, a, c),
                    (Operand::Const32(c), None) => match self.const_slots.get(&(c as u64)) {
                        Some(&k) => make(h - 2, a, k),
                        None => {
                            self.emit(Instr::Const32 { dst: h - 1, c });
                            make(h - 2, a, h - 1)
                        }
                    },
                    (Operand::Slot(b), _) => make(h - 2, a, b),
                };
                let instr = self.fuse_shift_add(instr, h);
                let instr = self.fuse_mul_add(instr, h);
                let instr = self.fuse_global_add(instr, h);
                self.emit(instr);
            }
        }
    }

    /// `instr`, or, when it is an `i32.add` or `i32.sub` of a constant to the value of the
    /// `global.get` just before it (in its natural slot, `h - 2`: consumed), the two as one
    /// `GlobalAddC` (the `global.get` is removed; a subtraction adds the negated
    /// constant).
    fn fuse_global_add(&mut self, instr: Instr, h: u32) -> Instr {
        let (dst, a, c) = match instr {
            Instr::I32AddC { dst, a, c } => (dst, a, c),
            Instr::I32SubC { dst, a, c } => (dst, a, c.wrapping_neg()),
            _ => return instr,
        };
        match self.last_fusable() {
            Some(Instr::GlobalGet { dst: t, global }) if t == a && a == h - 2 => {
                self.drop_last();
                Instr::GlobalAddC { dst, global, c }
            }
            _ => instr,
        }
    }

    /// The `global.set` of `global` from slot `src` (the operand at `h - 1`), or fused
    /// with the instruction just before it: a `GlobalAddC` of the same global whose
    /// result it takes becomes `GlobalAddSetC`; an `i32.add` or `i32.sub` of a constant
    /// whose result it takes from its natural slot (consumed) becomes `GlobalSetAddC`.
    fn fuse_global_set(&mut self, src: u32, global: u32, h: u32) -> Instr {
        let fused = match self.last_fusable() {
            Some(Instr::GlobalAddC { dst, global: g, c }) if dst == src && g == global => {
                Some(Instr::GlobalAddSetC { dst, global, c })
            }
            Some(Instr::I32AddC { dst, a, c }) if dst == src && src == h - 1 => {
                Some(Instr::GlobalSetAddC { a, global, c })
            }
            Some(Instr::I32SubC { dst, a, c }) if dst == src && src == h - 1 => {
                Some(Instr::GlobalSetAddC {
                    a,
                    global,
                    c: c.wrapping_neg(),
                })
            }
            _ => None,
        };
        match fused {
            Some(instr) => {
                self.drop_last();
                instr
            }
            None => Instr::GlobalSet { src, global },
        }
    }

    /// `instr`, or, when it is an `i32.add` of the result of the `i32.shl` by a constant
    /// below 16 just before it (in that operand's natural slot, `h - 1` or `h - 2`: consumed by
    /// the add), the two as one `I32AddShl` (the shift is removed).
    fn fuse_shift_add(&mut self, instr: Instr, h: u32) -> Instr {
        let Instr::I32Add { dst, a, b } = instr else {
            return instr;
        };
        let Some(Instr::I32ShlC { dst: t, a: i, c }) = self.last_fusable() else {
            return instr;
        };
        // (A multiplier of 16 bits: element sizes, not every shift.)
        if c & 31 > 15 {
            return instr;
        }
        let other = if t == b && b == h - 1 && a != t {
            a
        } else if t == a && a == h - 2 && b != t {
            b
        } else {
            return instr;
        };
        self.drop_last();
        Instr::I32AddShl {
            dst,
            a: other,
            b: i,
            scale: 1 << (c & 31),
        }
    }

    /// `instr`, or, when it is an `f64.add` or `f64.sub` of the result of the `f64.mul`
    /// just before it (in that operand's natural slot, `h - 1` or `h - 2`: consumed by
    /// the add; for a subtraction, the second operand), the two as one `F64MulAdd` or
    /// `F64MulSub` (the multiply is removed). The factor made by the instruction before
    /// the multiply becomes its operand `b` (which the accumulator may give), the other
    /// its slot `m` (which must fit in 16 bits). (The operands of an addition or a
    /// multiplication may change places: they decide only which NaN a NaN result is, and
    /// the spec leaves that open, `nans{z1, z2}`.)
    fn fuse_mul_add(&mut self, instr: Instr, h: u32) -> Instr {
        let (dst, a, b, sub) = match instr {
            Instr::F64Add { dst, a, b } => (dst, a, b, false),
            Instr::F64Sub { dst, a, b } => (dst, a, b, true),
            _ => return instr,
        };
        let Some(Instr::F64Mul { dst: t, a: x, b: y }) = self.last_fusable() else {
            return instr;
        };
        let addend = if t == b && b == h - 1 && a != t {
            a
        } else if !sub && t == a && a == h - 2 && b != t {
            b
        } else {
            return instr;
        };
        // (The instruction before the multiply: the one that may give it a factor in the
        // accumulator.)
        let n = self.code.instrs.len();
        let before = (n >= 2)
            .then(|| self.code.instrs[n - 2].acc_operands().2)
            .flatten();
        let (m, f) = if before == Some(x) { (y, x) } else { (x, y) };
        // (`m` is read from its slot, and the accumulator modes see only `a` and `b`: never
        // the value the instruction before may give to the accumulator alone, as in
        // `z = c + z * z` just after `z` was set.)
        if before == Some(m) {
            return instr;
        }
        let Ok(m) = u16::try_from(m) else {
            return instr;
        };
        self.drop_last();
        match sub {
            false => Instr::F64MulAdd {
                dst,
                a: addend,
                b: f,
                m,
            },
            true => Instr::F64MulSub {
                dst,
                a: addend,
                b: f,
                m,
            },
        }
    }

    fn emit_return(&mut self, src: u32, arity: u32) {
        self.emit(match self.hooks.contains(ListenerHooks::AFTER) {
            true => Instr::ReturnListened {
                src,
                arity,
                func: self.func,
            },
            false => Instr::Return { src, arity },
        });
    }

    /// Where a return of `arity` slots whose values are at natural slot `natural` reads
    /// them: one result that is lazy (a local, a loop constant's slot) where it is, with
    /// no copy to its natural slot first; any other from its natural slots, as is every
    /// result in debug code, where every operand is in its slot.
    fn returned_from(&mut self, natural: u32, arity: u32) -> u32 {
        match (arity, self.debug) {
            (1, false) => self.slot_operand(natural),
            _ => natural,
        }
    }

    /// Before a tail call: what this function owes the frame that replaces it, if its
    /// listener has `after` or `abort` (`TailListened`).
    fn emit_tail_listened(&mut self) {
        if self
            .hooks
            .intersects(ListenerHooks::AFTER | ListenerHooks::ABORT)
        {
            self.emit(Instr::TailListened(self.func));
        }
    }

    fn unreachable_operator(&mut self, op: &Operator<'_>) -> Result<()> {
        match op {
            Operator::Block { .. }
            | Operator::Loop { .. }
            | Operator::If { .. }
            | Operator::TryTable { .. }
            | Operator::Try { .. } => {
                self.push_ctrl(CtrlKind::Block, 0, 0, true);
            }
            Operator::Else => self.else_(),
            Operator::End => self.end(),
            Operator::Catch { tag_index } => self.legacy_catch(Some(*tag_index)),
            Operator::CatchAll => self.legacy_catch(None),
            Operator::Delegate { relative_depth } => self.delegate(*relative_depth),
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
            patches: self.spare_patches.pop().unwrap_or_default(),
            else_jump: None,
            dead,
            unreachable: false,
            try_start: loop_pc,
            clauses: Vec::new(),
            handler: None,
            exn_slot: 0,
            rethrows: false,
        });
    }

    /// A tail call through a table or a reference (`instr`, of type `type_index`, the
    /// callee's value in slot `h - 1` and the arguments below): it replaces this frame
    /// when the callee is this instance's (the executor then records what a listened
    /// function owes, from the `TailListened` before it); otherwise the engine calls it,
    /// and the return after it returns its results (a listened return: nothing is owed).
    fn tail_call_by_value(
        &mut self,
        info: &ModuleInfo,
        type_index: u32,
        h: u32,
        instr: Instr,
    ) -> Result<()> {
        self.materialize_all();
        let ty = (info.types.get(type_index as usize))
            .ok_or_else(|| Error::compile(0, "type index out of range"))?;
        let (params, results) = (ty.param_slots() as u32, ty.result_slots() as u32);
        self.emit_tail_listened();
        self.tail_sites.push(self.pc());
        self.emit(instr);
        self.emit_return(h - 1 - params, results);
        self.set_unreachable();
        Ok(())
    }

    /// Payload slots of tag `tag`'s exceptions.
    fn tag_slots(info: &ModuleInfo, tag: u32) -> u32 {
        (info.tags.get(tag as usize))
            .and_then(|t| info.types.get(*t as usize))
            .map_or(0, |t| t.param_slots() as u32)
    }

    /// A `try_table`: its catch clauses' landing pads (each a jump to its label), then
    /// its body, a block whose handler is made at its `end`.
    fn try_table(&mut self, info: &ModuleInfo, t: &wasmparser::TryTable, h: u32) -> Result<()> {
        self.materialize_all();
        let (p, r) = Self::block_arity(info, t.ty);
        let skip = self.pc();
        self.emit(Instr::Jump(u32::MAX));
        let mut clauses = Vec::with_capacity(t.catches.len());
        for c in &t.catches {
            let (tag, label, with_ref) = crate::module::catch_clause(c);
            // The labels are the enclosing blocks' (the try_table's own is not yet pushed).
            let idx = (self.ctrl.len() - 1)
                .checked_sub(label as usize)
                .ok_or_else(|| Error::compile(self.offset as u64, "catch label out of range"))?;
            let dst = self.ctrl[idx].height;
            let payload = tag.map_or(0, |t| Self::tag_slots(info, t));
            let pad = self.pc();
            clauses.push(Clause {
                tag,
                dst,
                exn_slot: with_ref.then_some(dst + payload),
                pad,
            });
            let target = &mut self.ctrl[idx];
            if target.kind == CtrlKind::Loop {
                let header = target.loop_pc;
                self.emit(Instr::Jump(header));
            } else {
                target.patches.push(pad);
                self.emit(Instr::Jump(u32::MAX));
            }
        }
        let here = self.pc();
        self.patch(skip, here);
        self.label_here();
        self.push_ctrl(CtrlKind::TryTable, h - p, r, false);
        let top = self.ctrl.last_mut().expect("try_table");
        top.try_start = self.code.instrs.len() as u32;
        top.clauses = clauses;
        Ok(())
    }

    /// A legacy `catch` (`tag` `Some`) or `catch_all`: ends the body (or the clause before
    /// it) as `else` ends an `if`'s; the first one makes the `try`'s handler.
    fn legacy_catch(&mut self, tag: Option<u32>) {
        if !self.end_arm() {
            return;
        }
        let here = self.pc();
        let depth = self.ctrl.len() as u32 - 1;
        let top = self.ctrl.last_mut().expect("try");
        if top.kind == CtrlKind::Try {
            top.kind = CtrlKind::Catch;
            top.handler = Some(self.handlers.len());
            let start = top.try_start;
            self.handlers.push(Handler {
                start,
                end: here,
                depth,
                kind: HandlerKind::Catch(Vec::new()),
            });
        }
        let top = self.ctrl.last_mut().expect("try");
        top.unreachable = false;
        let clause = Clause {
            tag,
            dst: top.height,
            exn_slot: top.rethrows.then_some(top.exn_slot),
            pad: here,
        };
        if let Some(HandlerKind::Catch(clauses)) = top
            .handler
            .and_then(|i| self.handlers.get_mut(i))
            .map(|h| &mut h.kind)
        {
            clauses.push(clause);
        }
        self.label_here();
    }

    /// A legacy `try ... delegate`: ends the `try` as `end` does, with a handler that
    /// passes its body's exceptions on to the label `depth` levels out.
    fn delegate(&mut self, depth: u32) {
        let top = self.ctrl.last().expect("try");
        if !top.dead {
            let here = self.pc();
            let own = self.ctrl.len() - 1;
            let target = own.checked_sub(1 + depth as usize);
            let to = match target {
                None | Some(0) => None,
                // A `try` in its body and a `try_table` catch what is delegated to their
                // label; any other label passes it to the handlers around it.
                Some(t) if matches!(self.ctrl[t].kind, CtrlKind::Try | CtrlKind::TryTable) => {
                    Some(t as u32)
                }
                Some(t) => Some(t as u32 - 1),
            };
            let start = self.ctrl[own].try_start;
            self.handlers.push(Handler {
                start,
                end: here,
                depth: own as u32,
                kind: HandlerKind::Delegate(to),
            });
        }
        self.end();
    }

    fn set_unreachable(&mut self) {
        self.lazy.clear();
        self.ctrl.last_mut().expect("a control frame").unreachable = true;
    }

    /// Ends the current arm of an `if` or a legacy `try` (at `else` or a `catch`): a jump
    /// to the block's end when the arm's end is reachable. `false` for a dead block.
    fn end_arm(&mut self) -> bool {
        let top = self.ctrl.last().expect("a control frame");
        if top.dead {
            return false;
        }
        if !top.unreachable {
            self.materialize_all();
            let at = self.pc();
            self.emit(Instr::Jump(u32::MAX));
            self.ctrl
                .last_mut()
                .expect("a control frame")
                .patches
                .push(at);
        }
        self.lazy.clear();
        true
    }

    fn else_(&mut self) {
        if !self.end_arm() {
            return;
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
        // The function's own `end`, reached, with nothing branching to it (a branch and
        // the fall-through meet at the result's slot): its return reads the result where
        // it is (`returned_from`).
        let result = match self.ctrl.as_slice() {
            [f] if !f.dead && !f.unreachable && f.patches.is_empty() => {
                Some(self.returned_from(f.height, f.br_arity))
            }
            _ => None,
        };
        if self.ctrl.last().is_some_and(|c| !c.dead && !c.unreachable) {
            self.materialize_all();
        }
        self.lazy.clear();
        let mut ctrl = self.ctrl.pop().expect("a control frame");
        // (Its list of patches goes back to the spares, emptied, once applied.)
        let mut patches = std::mem::take(&mut ctrl.patches);
        if ctrl.dead {
            patches.clear();
            self.spare_patches.push(patches);
            return;
        }
        let here = self.pc();
        if ctrl.kind == CtrlKind::TryTable && !ctrl.clauses.is_empty() {
            self.handlers.push(Handler {
                start: ctrl.try_start,
                end: here,
                depth: self.ctrl.len() as u32,
                kind: HandlerKind::Catch(ctrl.clauses),
            });
        }
        if let Some(j) = ctrl.else_jump {
            self.patch(j, here);
        }
        for &at in &patches {
            self.patch(at, here);
        }
        patches.clear();
        self.spare_patches.push(patches);
        self.label_here();
        if self.ctrl.is_empty() {
            self.emit_return(result.unwrap_or(ctrl.height), ctrl.br_arity);
            self.close_fuel_block();
            self.set_barrier();
        }
    }
}

/// The GC operator `op` at byte `offset` of its module as the interpreter runs it (with
/// the layout facts it needs looked up); also what the compiler's `Gc` libcall runs.
/// `br_on_cast` and `br_on_cast_fail` give their test ([`GcOp::Branch`]); the
/// conversions, which change nothing, are not among them.
pub(crate) fn gc_op(info: &ModuleInfo, op: &Operator<'_>, offset: u32) -> Result<GcOp> {
    use Operator as O;
    let def = |t: u32| gctypes::def(info.canon.get(t as usize).copied().unwrap_or(0));
    let id = |t: u32| info.canon.get(t as usize).copied().unwrap_or(0);
    let field = |t: u32, f: u32| -> (u32, Kind) {
        def(t)
            .layout
            .fields
            .get(f as usize)
            .copied()
            .unwrap_or((0, Kind::B64))
    };
    let elem = |t: u32| def(t).elem.unwrap_or(Kind::B64);
    let cast = |nullable, hty| {
        Cast::new(gctypes::RefTy {
            nullable,
            heap: info.conv().heap(hty),
        })
    };
    Ok(match *op {
        O::StructNew {
            struct_type_index: t,
        } => {
            let d = def(t);
            let n: usize = d.layout.fields.iter().map(|(_, k)| slots(*k)).sum();
            GcOp::StructNew {
                ty: id(t),
                slots: n as u32,
            }
        }
        O::StructNewDefault {
            struct_type_index: t,
        } => GcOp::StructNewDefault { ty: id(t) },
        O::StructGet {
            struct_type_index: t,
            field_index: f,
        }
        | O::StructGetU {
            struct_type_index: t,
            field_index: f,
        }
        | O::StructGetS {
            struct_type_index: t,
            field_index: f,
        } => {
            let (at, kind) = field(t, f);
            let signed = matches!(op, O::StructGetS { .. });
            GcOp::StructGet { at, kind, signed }
        }
        O::StructSet {
            struct_type_index: t,
            field_index: f,
        } => {
            let (at, kind) = field(t, f);
            GcOp::StructSet { at, kind }
        }
        O::ArrayNew {
            array_type_index: t,
        } => GcOp::ArrayNew {
            ty: id(t),
            kind: elem(t),
        },
        O::ArrayNewDefault {
            array_type_index: t,
        } => GcOp::ArrayNewDefault { ty: id(t) },
        O::ArrayNewFixed {
            array_type_index: t,
            array_size: n,
        } => GcOp::ArrayNewFixed {
            ty: id(t),
            kind: elem(t),
            n,
        },
        O::ArrayNewData {
            array_type_index: t,
            array_data_index: seg,
        } => GcOp::ArrayNewData {
            ty: id(t),
            kind: elem(t),
            seg,
        },
        O::ArrayNewElem {
            array_type_index: t,
            array_elem_index: seg,
        } => GcOp::ArrayNewElem { ty: id(t), seg },
        O::ArrayGet {
            array_type_index: t,
        }
        | O::ArrayGetU {
            array_type_index: t,
        } => GcOp::ArrayGet {
            kind: elem(t),
            signed: false,
        },
        O::ArrayGetS {
            array_type_index: t,
        } => GcOp::ArrayGet {
            kind: elem(t),
            signed: true,
        },
        O::ArraySet {
            array_type_index: t,
        } => GcOp::ArraySet { kind: elem(t) },
        O::ArrayLen => GcOp::ArrayLen,
        O::ArrayFill {
            array_type_index: t,
        } => GcOp::ArrayFill { kind: elem(t) },
        O::ArrayCopy {
            array_type_index_dst: t,
            ..
        } => GcOp::ArrayCopy { kind: elem(t) },
        O::ArrayInitData {
            array_type_index: t,
            array_data_index: seg,
        } => GcOp::ArrayInitData { kind: elem(t), seg },
        O::ArrayInitElem {
            array_elem_index: seg,
            ..
        } => GcOp::ArrayInitElem { seg },
        O::RefI31 => GcOp::RefI31,
        O::I31GetS => GcOp::I31Get { signed: true },
        O::I31GetU => GcOp::I31Get { signed: false },
        O::RefEq => GcOp::RefEq,
        O::RefTestNonNull { hty } => GcOp::RefTest(cast(false, hty)),
        O::RefTestNullable { hty } => GcOp::RefTest(cast(true, hty)),
        O::RefCastNonNull { hty } => GcOp::RefCast(cast(false, hty)),
        O::RefCastNullable { hty } => GcOp::RefCast(cast(true, hty)),
        O::BrOnCast { to_ref_type, .. } | O::BrOnCastFail { to_ref_type, .. } => GcOp::Branch {
            cast: Cast::new(info.conv().ref_ty(to_ref_type)),
        },
        ref other => {
            return Err(Error::compile(
                offset as u64,
                format!("unsupported GC operator {other:?}"),
            ))
        }
    })
}

/// Whether a straight-line segment of operators (see [`Instr::Count`]) ends after `op`:
/// it may branch, call, return, throw or trap there, or is a label's neighbour. (More
/// ends than needed cost only `Count`s; one missing would count operators not run.)
fn ends_segment(op: &Operator<'_>) -> bool {
    matches!(
        op,
        Operator::Unreachable
            | Operator::Block { .. }
            | Operator::Loop { .. }
            | Operator::If { .. }
            | Operator::Else
            | Operator::End
            | Operator::Br { .. }
            | Operator::BrIf { .. }
            | Operator::BrTable { .. }
            | Operator::BrOnNull { .. }
            | Operator::BrOnNonNull { .. }
            | Operator::BrOnCast { .. }
            | Operator::BrOnCastFail { .. }
            | Operator::Return
            | Operator::Call { .. }
            | Operator::CallIndirect { .. }
            | Operator::CallRef { .. }
            | Operator::ReturnCall { .. }
            | Operator::ReturnCallIndirect { .. }
            | Operator::ReturnCallRef { .. }
            | Operator::Throw { .. }
            | Operator::ThrowRef
            | Operator::Rethrow { .. }
            | Operator::Try { .. }
            | Operator::TryTable { .. }
            | Operator::Catch { .. }
            | Operator::CatchAll
            | Operator::Delegate { .. }
    )
}

/// Jump threading: a jump (of any kind, `br_table` entries included) whose target is an
/// unconditional `Jump` goes straight to that one's target (a `br` out of a block that
/// ends in a `br` to its loop, a `br_table` case that only branches on). Positions do not
/// move: only targets change, so offsets, handlers and switch points stay valid.
fn thread_jumps(instrs: &mut [Instr]) {
    for at in 0..instrs.len() {
        let Some(mut t) = instrs[at].jump_target() else {
            continue;
        };
        // (Bounded: a chain of jumps that loops on itself is an infinite loop the
        // program wrote; it keeps its first hop.)
        for _ in 0..8 {
            match instrs.get(t as usize) {
                Some(Instr::Jump(next)) if *next != t => t = *next,
                _ => break,
            }
        }
        if let Some(target) = instrs[at].jump_target_mut() {
            *target = t;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{thread_jumps, Instr};

    #[test]
    fn jumps_to_jumps_go_straight_to_the_end_of_the_chain() {
        let mut code = [
            Instr::JumpIfZero { pc: 2, c: 0 },
            Instr::Jump(3),
            Instr::Jump(3),
            Instr::Jump(5),
            Instr::Jump(4),
            Instr::Return { src: 0, arity: 0 },
        ];
        thread_jumps(&mut code);
        // 0 -> 2 -> 3 -> 5; 1 -> 3 -> 5; a jump to itself (4) stays.
        assert_eq!(code[0].jump_target(), Some(5));
        assert_eq!(code[1].jump_target(), Some(5));
        assert_eq!(code[2].jump_target(), Some(5));
        assert_eq!(code[3].jump_target(), Some(5));
        assert_eq!(code[4].jump_target(), Some(4));
    }
}
