//! The executor: runs translated code with its value and call stacks on the heap.
//!
//! All execution state (value stack, call frames, the current position) lives in
//! [`Executor`], never on the native stack: a Wasm call does not recurse in Rust, deep
//! recursion ends in a `call stack exhausted` trap, and a run can stop and continue later.
//!
//! The hot loop ([`Executor::exec`]) works within one module instance, with the registers
//! (`pc`, `fp`, `sp`) in locals; a call or return that crosses into another instance
//! leaves it so that [`Executor::run`] can switch the code it runs.

use std::sync::Arc;
use std::time::Instant;

use super::instr::Instr;
use super::num;
use super::simd;
use crate::error::EXIT_CODE_DEADLINE_EXCEEDED;
use crate::error::{Error, Result, TraceFrame, TrapCode};
use crate::host::Caller;
use crate::module::ModuleInfo;
use crate::store::{FuncInst, InstanceControl, Layout, Store};

/// Most nested calls one execution may have.
pub(crate) const MAX_CALL_DEPTH: usize = 50_000;
/// Most value-stack slots one execution may use (64 MiB).
pub(crate) const MAX_STACK_SLOTS: usize = 8 << 20;

/// A caller's saved registers.
#[derive(Clone, Copy, Debug)]
struct Frame {
    /// Where to continue in the caller.
    pc: u32,
    fp: u32,
    inst: u32,
}

/// Why the hot loop stopped.
enum Exit {
    /// The outermost function returned.
    Returned,
    /// The current instance changed (cross-module call or return).
    Switch,
    Trap(TrapCode),
    Error(Error),
    /// A close, interrupt or deadline asked the call to stop with this exit code.
    Stopped(u32),
}

/// One execution: stacks and registers.
pub(crate) struct Executor {
    stack: Vec<u64>,
    frames: Vec<Frame>,
    pc: u32,
    fp: u32,
    sp: u32,
    inst: u32,
    /// Fuel left (code without fuel checks never reads it).
    fuel: u64,
    /// The instance the call entered; interrupts and deadlines close it.
    entry: u32,
    control: Arc<InstanceControl>,
    deadline: Option<Instant>,
    /// Interrupt polls so far (the clock is read every 1024th).
    polls: u32,
}

/// How often (in interrupt polls) a deadline reads the clock.
const DEADLINE_POLL_INTERVAL: u32 = 1024;

fn f32v(x: u64) -> f32 {
    f32::from_bits(x as u32)
}
fn f64v(x: u64) -> f64 {
    f64::from_bits(x)
}
fn r32(f: f32) -> u64 {
    f.to_bits() as u64
}
fn r64(f: f64) -> u64 {
    f.to_bits()
}
fn b(c: bool) -> u64 {
    c as u64
}

/// Calls store function `func` with `args`, returning its results. With a `deadline`,
/// code compiled with interrupt checks stops once it has passed.
pub(crate) fn invoke(
    store: &mut Store,
    func: u32,
    args: &[u64],
    deadline: Option<Instant>,
) -> Result<Vec<u64>> {
    let ty = store.types.get(store.funcs[func as usize].ty()).clone();
    let (p, r) = (ty.param_slots(), ty.result_slots());
    if args.len() != p {
        return Err(Error::usage(format!(
            "expected {p} params, but passed {}",
            args.len()
        )));
    }
    match &store.funcs[func as usize] {
        FuncInst::Host { func: hf, .. } => {
            let hf = hf.clone();
            let mut buf = vec![0u64; p.max(r)];
            buf[..p].copy_from_slice(args);
            let mut caller = Caller {
                store,
                instance: None,
            };
            (hf.func)(&mut caller, &mut buf).map_err(Error::into_host_trap)?;
            buf.truncate(r);
            Ok(buf)
        }
        FuncInst::Wasm {
            instance, index, ..
        } => {
            let (instance, index) = (*instance, *index);
            let module = store.instances[instance as usize]
                .module
                .clone()
                .expect("wasm functions belong to modules");
            let fc = module.code.funcs[index as usize];
            let mut ex = Executor {
                stack: vec![0u64; (fc.max_height as usize).max(r).max(1024)],
                frames: Vec::new(),
                pc: fc.entry,
                fp: 0,
                sp: fc.params + fc.locals,
                inst: instance,
                fuel: store.fuel.unwrap_or(u64::MAX),
                entry: instance,
                control: store.instances[instance as usize].control.clone(),
                deadline,
                polls: 0,
            };
            ex.stack[..p].copy_from_slice(args);
            ex.run(store)?;
            ex.stack.truncate(r);
            Ok(ex.stack)
        }
    }
}

impl Executor {
    /// Runs until the outermost function returns, traps or fails.
    fn run(&mut self, store: &mut Store) -> Result<()> {
        loop {
            let data = &store.instances[self.inst as usize];
            let module = data.module.clone().expect("wasm code belongs to a module");
            let layout = data.layout.clone();
            match self.exec(store, &module, &layout) {
                Exit::Returned => return Ok(()),
                Exit::Switch => continue,
                Exit::Trap(code) => {
                    let mut e = Error::trap(code);
                    e.set_trace(self.trace(store));
                    return Err(e);
                }
                Exit::Error(mut e) => {
                    e.set_trace(self.trace(store));
                    return Err(e);
                }
                Exit::Stopped(code) => {
                    store.close_instance(self.entry, code);
                    return Err(Error::exit(code));
                }
            }
        }
    }

    /// The wasm stack trace at the current position, innermost first.
    fn trace(&self, store: &Store) -> Vec<TraceFrame> {
        let mut out = Vec::new();
        let current = Frame {
            pc: self.pc,
            fp: self.fp,
            inst: self.inst,
        };
        for f in std::iter::once(&current).chain(self.frames.iter().rev()) {
            let data = &store.instances[f.inst as usize];
            let Some(module) = &data.module else { continue };
            let pc = f.pc.saturating_sub(1);
            let Some(def) = module.code.func_at(pc) else {
                continue;
            };
            let index = module.num_imported_funcs + def as u32;
            let name = match module.func_names.get(&index) {
                Some(n) => format!("{}.{}", data.name, n),
                None => format!("{}.${}", data.name, index),
            };
            let offset = module.code.offsets.get(pc as usize).copied();
            out.push(TraceFrame {
                signature: format!("{name}{}", module.func_type(index)),
                code_offset: offset
                    .map(|o| (o as u64).saturating_sub(module.code_section_offset as u64)),
            });
        }
        out
    }

    /// Enters store function `addr` from the generic call path (imports, indirect calls):
    /// arguments are on the stack below `sp`.
    #[allow(clippy::too_many_arguments)]
    fn enter(
        &mut self,
        store: &mut Store,
        addr: u32,
        stack: &mut Vec<u64>,
        pc: &mut usize,
        fp: &mut usize,
        sp: &mut usize,
    ) -> Option<Exit> {
        match &store.funcs[addr as usize] {
            FuncInst::Wasm {
                instance, index, ..
            } => {
                let (instance, index) = (*instance, *index);
                let module = store.instances[instance as usize]
                    .module
                    .as_ref()
                    .expect("wasm code belongs to a module");
                let f = module.code.funcs[index as usize];
                if self.frames.len() >= MAX_CALL_DEPTH {
                    return Some(Exit::Trap(TrapCode::CallStackExhausted));
                }
                let new_fp = *sp - f.params as usize;
                let need = new_fp + f.max_height as usize;
                if need > stack.len() {
                    if need > MAX_STACK_SLOTS {
                        return Some(Exit::Trap(TrapCode::CallStackExhausted));
                    }
                    stack.resize((stack.len() * 2).clamp(need, MAX_STACK_SLOTS), 0);
                }
                stack[*sp..*sp + f.locals as usize].fill(0);
                self.frames.push(Frame {
                    pc: *pc as u32,
                    fp: *fp as u32,
                    inst: self.inst,
                });
                *fp = new_fp;
                *sp = new_fp + (f.params + f.locals) as usize;
                *pc = f.entry as usize;
                if instance != self.inst {
                    self.inst = instance;
                    return Some(Exit::Switch);
                }
                None
            }
            FuncInst::Host { func, ty, .. } => {
                let hf = func.clone();
                let ty = store.types.get(*ty);
                let (p, r) = (ty.param_slots(), ty.result_slots());
                let base = *sp - p;
                if base + p.max(r) > stack.len() {
                    stack.resize(base + p.max(r), 0);
                }
                let mut caller = Caller {
                    store,
                    instance: Some(self.inst),
                };
                if let Err(e) = (hf.func)(&mut caller, &mut stack[base..base + p.max(r)]) {
                    return Some(Exit::Error(e.into_host_trap()));
                }
                *sp = base + r;
                // A host function that closed its caller (`proc_exit`) ends the call.
                store.instances[self.inst as usize]
                    .closed
                    .map(|code| Exit::Error(Error::exit(code)))
            }
        }
    }

    /// The hot loop, within the code of one module instance.
    fn exec(&mut self, store: &mut Store, module: &ModuleInfo, layout: &Layout) -> Exit {
        let code = &module.code;
        let instrs = &code.instrs[..];
        let n_imported = module.num_imported_funcs;
        let mem = layout.memories.first().map_or(usize::MAX, |m| *m as usize);
        let inst = self.inst as usize;
        let mut stack = std::mem::take(&mut self.stack);
        let mut pc = self.pc as usize;
        let mut fp = self.fp as usize;
        let mut sp = self.sp as usize;

        macro_rules! trap {
            ($code:expr) => {
                break Exit::Trap($code)
            };
        }
        macro_rules! un {
            ($f:expr) => {{
                let x = stack[sp - 1];
                stack[sp - 1] = $f(x);
            }};
        }
        macro_rules! un_trap {
            ($f:expr) => {{
                let x = stack[sp - 1];
                match $f(x) {
                    Ok(v) => stack[sp - 1] = v,
                    Err(c) => trap!(c),
                }
            }};
        }
        macro_rules! bin {
            ($f:expr) => {{
                sp -= 1;
                let y = stack[sp];
                let x = stack[sp - 1];
                stack[sp - 1] = $f(x, y);
            }};
        }
        macro_rules! cmp_br {
            ($t:expr, $f:expr) => {{
                sp -= 2;
                if $f(stack[sp], stack[sp + 1]) {
                    pc = $t as usize;
                }
            }};
        }
        macro_rules! bin_local {
            ($l:expr, $f:expr) => {{
                let y = stack[fp + $l as usize];
                let x = stack[sp - 1];
                stack[sp - 1] = $f(x, y);
            }};
        }
        macro_rules! bin_const {
            ($c:expr, $f:expr) => {{
                let x = stack[sp - 1];
                stack[sp - 1] = $f(x, $c as u64);
            }};
        }
        // The match over every instruction, with the three forms of each fusable binary
        // operator generated from one semantic closure.
        macro_rules! dispatch {
            (
                $instr:expr,
                [$($p:ident $pl:ident $pc:ident => $f:expr;)*],
                [$($q:ident $ql:ident => $g:expr;)*],
                { $($rest:tt)* }
            ) => {
                match $instr {
                    $(
                        Instr::$p => bin!($f),
                        Instr::$pl(l) => bin_local!(l, $f),
                        Instr::$pc(c) => bin_const!(c, $f),
                    )*
                    $(
                        Instr::$q => bin!($g),
                        Instr::$ql(l) => bin_local!(l, $g),
                    )*
                    $($rest)*
                }
            };
        }
        macro_rules! bin_trap {
            ($f:expr) => {{
                sp -= 1;
                let y = stack[sp];
                let x = stack[sp - 1];
                match $f(x, y) {
                    Ok(v) => stack[sp - 1] = v,
                    Err(c) => trap!(c),
                }
            }};
        }
        macro_rules! load {
            ($off:expr, $n:literal, $conv:expr) => {{
                let addr = (stack[sp - 1] as u32 as usize) + $off as usize;
                match store.memories[mem].data.get(addr..addr + $n) {
                    Some(s) => {
                        let bytes: [u8; $n] = s.try_into().unwrap();
                        stack[sp - 1] = $conv(bytes);
                    }
                    None => trap!(TrapCode::OutOfBoundsMemoryAccess),
                }
            }};
        }
        macro_rules! store_ {
            ($off:expr, $n:literal, $conv:expr) => {{
                sp -= 2;
                let v = stack[sp + 1];
                let addr = (stack[sp] as u32 as usize) + $off as usize;
                match store.memories[mem].data.get_mut(addr..addr + $n) {
                    Some(d) => {
                        let bytes: [u8; $n] = $conv(v);
                        d.copy_from_slice(&bytes);
                    }
                    None => trap!(TrapCode::OutOfBoundsMemoryAccess),
                }
            }};
        }
        macro_rules! pop {
            () => {{
                sp -= 1;
                stack[sp]
            }};
        }
        macro_rules! push {
            ($v:expr) => {{
                let v = $v;
                stack[sp] = v;
                sp += 1;
            }};
        }
        macro_rules! table {
            ($t:expr) => {
                store.tables[layout.tables[$t as usize] as usize]
            };
        }

        let exit = loop {
            let instr = instrs[pc];
            pc += 1;
            dispatch! {
                instr,
                [
                    I32Add I32AddL I32AddC => |x: u64, y: u64| (x as u32).wrapping_add(y as u32) as u64;
                    I32Sub I32SubL I32SubC => |x: u64, y: u64| (x as u32).wrapping_sub(y as u32) as u64;
                    I32Mul I32MulL I32MulC => |x: u64, y: u64| (x as u32).wrapping_mul(y as u32) as u64;
                    I32And I32AndL I32AndC => |x: u64, y: u64| x & y;
                    I32Or I32OrL I32OrC => |x: u64, y: u64| x | y;
                    I32Xor I32XorL I32XorC => |x: u64, y: u64| x ^ y;
                    I32Shl I32ShlL I32ShlC => |x: u64, y: u64| (x as u32).wrapping_shl(y as u32) as u64;
                    I32ShrS I32ShrSL I32ShrSC => |x: u64, y: u64| (x as i32).wrapping_shr(y as u32) as u32 as u64;
                    I32ShrU I32ShrUL I32ShrUC => |x: u64, y: u64| (x as u32).wrapping_shr(y as u32) as u64;
                    I32Eq I32EqL I32EqC => |x, y| b(x as u32 == y as u32);
                    I32Ne I32NeL I32NeC => |x, y| b(x as u32 != y as u32);
                    I32LtS I32LtSL I32LtSC => |x, y| b((x as i32) < (y as i32));
                    I32LtU I32LtUL I32LtUC => |x, y| b((x as u32) < (y as u32));
                    I32GtS I32GtSL I32GtSC => |x, y| b((x as i32) > (y as i32));
                    I32GtU I32GtUL I32GtUC => |x, y| b((x as u32) > (y as u32));
                    I32LeS I32LeSL I32LeSC => |x, y| b((x as i32) <= (y as i32));
                    I32LeU I32LeUL I32LeUC => |x, y| b((x as u32) <= (y as u32));
                    I32GeS I32GeSL I32GeSC => |x, y| b((x as i32) >= (y as i32));
                    I32GeU I32GeUL I32GeUC => |x, y| b((x as u32) >= (y as u32));
                ],
                [
                    I64Add I64AddL => |x: u64, y: u64| x.wrapping_add(y);
                    I64Sub I64SubL => |x: u64, y: u64| x.wrapping_sub(y);
                    I64Mul I64MulL => |x: u64, y: u64| x.wrapping_mul(y);
                    I64And I64AndL => |x: u64, y: u64| x & y;
                    I64Or I64OrL => |x: u64, y: u64| x | y;
                    I64Xor I64XorL => |x: u64, y: u64| x ^ y;
                    I64Shl I64ShlL => |x: u64, y: u64| x.wrapping_shl(y as u32);
                    I64ShrS I64ShrSL => |x: u64, y: u64| (x as i64).wrapping_shr(y as u32) as u64;
                    I64ShrU I64ShrUL => |x: u64, y: u64| x.wrapping_shr(y as u32);
                    I64Eq I64EqL => |x, y| b(x == y);
                    I64Ne I64NeL => |x, y| b(x != y);
                    I64LtS I64LtSL => |x, y| b((x as i64) < (y as i64));
                    I64LtU I64LtUL => |x, y| b(x < y);
                    I64GtS I64GtSL => |x, y| b((x as i64) > (y as i64));
                    I64GtU I64GtUL => |x, y| b(x > y);
                    I64LeS I64LeSL => |x, y| b((x as i64) <= (y as i64));
                    I64LeU I64LeUL => |x, y| b(x <= y);
                    I64GeS I64GeSL => |x, y| b((x as i64) >= (y as i64));
                    I64GeU I64GeUL => |x, y| b(x >= y);
                    F64Add F64AddL => |x, y| r64(f64v(x) + f64v(y));
                    F64Sub F64SubL => |x, y| r64(f64v(x) - f64v(y));
                    F64Mul F64MulL => |x, y| r64(f64v(x) * f64v(y));
                    F64Div F64DivL => |x, y| r64(f64v(x) / f64v(y));
                    F32Add F32AddL => |x, y| r32(f32v(x) + f32v(y));
                    F32Sub F32SubL => |x, y| r32(f32v(x) - f32v(y));
                    F32Mul F32MulL => |x, y| r32(f32v(x) * f32v(y));
                    F32Div F32DivL => |x, y| r32(f32v(x) / f32v(y));
                ],
                {
                Instr::Unreachable => trap!(TrapCode::Unreachable),
                Instr::Jump(t) => pc = t as usize,
                Instr::JumpIfZero(t) => {
                    if pop!() == 0 {
                        pc = t as usize;
                    }
                }
                Instr::JumpIfNonZero(t) => {
                    if pop!() != 0 {
                        pc = t as usize;
                    }
                }
                Instr::BrIfI32Eq(t) => cmp_br!(t, |x: u64, y: u64| x as u32 == y as u32),
                Instr::BrIfI32Ne(t) => cmp_br!(t, |x: u64, y: u64| x as u32 != y as u32),
                Instr::BrIfI32LtS(t) => cmp_br!(t, |x: u64, y: u64| (x as i32) < (y as i32)),
                Instr::BrIfI32LtU(t) => cmp_br!(t, |x: u64, y: u64| (x as u32) < (y as u32)),
                Instr::BrIfI32GtS(t) => cmp_br!(t, |x: u64, y: u64| (x as i32) > (y as i32)),
                Instr::BrIfI32GtU(t) => cmp_br!(t, |x: u64, y: u64| (x as u32) > (y as u32)),
                Instr::BrIfI32LeS(t) => cmp_br!(t, |x: u64, y: u64| (x as i32) <= (y as i32)),
                Instr::BrIfI32LeU(t) => cmp_br!(t, |x: u64, y: u64| (x as u32) <= (y as u32)),
                Instr::BrIfI32GeS(t) => cmp_br!(t, |x: u64, y: u64| (x as i32) >= (y as i32)),
                Instr::BrIfI32GeU(t) => cmp_br!(t, |x: u64, y: u64| (x as u32) >= (y as u32)),
                Instr::Br { pc: t, dst, arity } => {
                    let d = fp + dst as usize;
                    stack.copy_within(sp - arity as usize..sp, d);
                    sp = d + arity as usize;
                    pc = t as usize;
                }
                Instr::BrIf { pc: t, dst, arity } => {
                    if pop!() != 0 {
                        let d = fp + dst as usize;
                        stack.copy_within(sp - arity as usize..sp, d);
                        sp = d + arity as usize;
                        pc = t as usize;
                    }
                }
                Instr::BrTable { len } => {
                    let i = (pop!() as u32).min(len);
                    pc += i as usize;
                }
                Instr::Return { arity } => {
                    let a = arity as usize;
                    stack.copy_within(sp - a..sp, fp);
                    sp = fp + a;
                    let Some(frame) = self.frames.pop() else {
                        break Exit::Returned;
                    };
                    pc = frame.pc as usize;
                    fp = frame.fp as usize;
                    if frame.inst != self.inst {
                        self.inst = frame.inst;
                        break Exit::Switch;
                    }
                }
                Instr::Call(idx) => {
                    if idx >= n_imported {
                        let f = &code.funcs[(idx - n_imported) as usize];
                        if self.frames.len() >= MAX_CALL_DEPTH {
                            trap!(TrapCode::CallStackExhausted);
                        }
                        let new_fp = sp - f.params as usize;
                        let need = new_fp + f.max_height as usize;
                        if need > stack.len() {
                            if need > MAX_STACK_SLOTS {
                                trap!(TrapCode::CallStackExhausted);
                            }
                            stack.resize((stack.len() * 2).clamp(need, MAX_STACK_SLOTS), 0);
                        }
                        stack[sp..sp + f.locals as usize].fill(0);
                        self.frames.push(Frame {
                            pc: pc as u32,
                            fp: fp as u32,
                            inst: self.inst,
                        });
                        fp = new_fp;
                        sp = new_fp + (f.params + f.locals) as usize;
                        pc = f.entry as usize;
                    } else {
                        let addr = layout.funcs[idx as usize];
                        if let Some(exit) =
                            self.enter(store, addr, &mut stack, &mut pc, &mut fp, &mut sp)
                        {
                            break exit;
                        }
                    }
                }
                Instr::CallIndirect { ty, table } => {
                    let i = pop!() as u32 as usize;
                    let Some(&entry) = table!(table).elems.get(i) else {
                        trap!(TrapCode::UndefinedElement);
                    };
                    if entry == 0 {
                        trap!(TrapCode::UninitializedElement);
                    }
                    let addr = (entry - 1) as u32;
                    if store.funcs[addr as usize].ty() != layout.types[ty as usize] {
                        trap!(TrapCode::IndirectCallTypeMismatch);
                    }
                    if let Some(exit) =
                        self.enter(store, addr, &mut stack, &mut pc, &mut fp, &mut sp)
                    {
                        break exit;
                    }
                }
                Instr::Drop => sp -= 1,
                Instr::Select => {
                    sp -= 2;
                    if stack[sp + 1] == 0 {
                        stack[sp - 1] = stack[sp];
                    }
                }
                Instr::LocalGet(i) => push!(stack[fp + i as usize]),
                Instr::LocalSet(i) => {
                    sp -= 1;
                    stack[fp + i as usize] = stack[sp];
                }
                Instr::LocalTee(i) => stack[fp + i as usize] = stack[sp - 1],
                Instr::LocalGet2(a, c) => {
                    stack[sp] = stack[fp + a as usize];
                    stack[sp + 1] = stack[fp + c as usize];
                    sp += 2;
                }
                Instr::LocalCopy { from, to } => {
                    stack[fp + to as usize] = stack[fp + from as usize];
                }
                Instr::I32AddLocalConst { local, c } => {
                    push!((stack[fp + local as usize] as u32).wrapping_add(c) as u64)
                }
                Instr::GlobalGet(i) => {
                    push!(store.globals[layout.globals[i as usize] as usize].value)
                }
                Instr::GlobalSet(i) => {
                    let v = pop!();
                    store.globals[layout.globals[i as usize] as usize].value = v;
                }
                Instr::I32Load(o) => load!(o, 4, |b| u32::from_le_bytes(b) as u64),
                Instr::I64Load(o) => load!(o, 8, u64::from_le_bytes),
                Instr::F32Load(o) => load!(o, 4, |b| u32::from_le_bytes(b) as u64),
                Instr::F64Load(o) => load!(o, 8, u64::from_le_bytes),
                Instr::I32Load8S(o) => load!(o, 1, |b: [u8; 1]| b[0] as i8 as i32 as u32 as u64),
                Instr::I32Load8U(o) => load!(o, 1, |b: [u8; 1]| b[0] as u64),
                Instr::I32Load16S(o) => {
                    load!(o, 2, |b| i16::from_le_bytes(b) as i32 as u32 as u64)
                }
                Instr::I32Load16U(o) => load!(o, 2, |b| u16::from_le_bytes(b) as u64),
                Instr::I64Load8S(o) => load!(o, 1, |b: [u8; 1]| b[0] as i8 as i64 as u64),
                Instr::I64Load8U(o) => load!(o, 1, |b: [u8; 1]| b[0] as u64),
                Instr::I64Load16S(o) => load!(o, 2, |b| i16::from_le_bytes(b) as i64 as u64),
                Instr::I64Load16U(o) => load!(o, 2, |b| u16::from_le_bytes(b) as u64),
                Instr::I64Load32S(o) => load!(o, 4, |b| i32::from_le_bytes(b) as i64 as u64),
                Instr::I64Load32U(o) => load!(o, 4, |b| u32::from_le_bytes(b) as u64),
                Instr::I32Store(o) | Instr::F32Store(o) => {
                    store_!(o, 4, |v: u64| (v as u32).to_le_bytes())
                }
                Instr::I64Store(o) | Instr::F64Store(o) => store_!(o, 8, |v: u64| v.to_le_bytes()),
                Instr::I32Store8(o) | Instr::I64Store8(o) => store_!(o, 1, |v: u64| [v as u8]),
                Instr::I32Store16(o) | Instr::I64Store16(o) => {
                    store_!(o, 2, |v: u64| (v as u16).to_le_bytes())
                }
                Instr::I64Store32(o) => store_!(o, 4, |v: u64| (v as u32).to_le_bytes()),
                Instr::MemorySize => push!(store.memories[mem].pages() as u64),
                Instr::MemoryGrow => {
                    let delta = stack[sp - 1] as u32;
                    stack[sp - 1] = store.memories[mem].grow(delta).unwrap_or(u32::MAX) as u64;
                }
                Instr::MemoryFill => {
                    let n = pop!() as u32 as usize;
                    let val = pop!() as u8;
                    let d = pop!() as u32 as usize;
                    match store.memories[mem].data.get_mut(d..d + n) {
                        Some(s) => s.fill(val),
                        None => trap!(TrapCode::OutOfBoundsMemoryAccess),
                    }
                }
                Instr::MemoryCopy => {
                    let n = pop!() as u32 as usize;
                    let s = pop!() as u32 as usize;
                    let d = pop!() as u32 as usize;
                    let data = &mut store.memories[mem].data;
                    if s + n > data.len() || d + n > data.len() {
                        trap!(TrapCode::OutOfBoundsMemoryAccess);
                    }
                    data.copy_within(s..s + n, d);
                }
                Instr::MemoryInit(seg) => {
                    let n = pop!() as u32 as usize;
                    let s = pop!() as u32 as usize;
                    let d = pop!() as u32 as usize;
                    let seg = store.instances[inst].datas[seg as usize].clone();
                    let data = &mut store.memories[mem].data;
                    match (seg.get(s..s + n), data.get_mut(d..d + n)) {
                        (Some(src), Some(dst)) => dst.copy_from_slice(src),
                        _ => trap!(TrapCode::OutOfBoundsMemoryAccess),
                    }
                }
                Instr::DataDrop(seg) => {
                    store.instances[inst].datas[seg as usize] = Arc::from(&[][..]);
                }
                Instr::TableGet(t) => {
                    let i = stack[sp - 1] as u32 as usize;
                    match table!(t).elems.get(i) {
                        Some(v) => stack[sp - 1] = *v,
                        None => trap!(TrapCode::OutOfBoundsTableAccess),
                    }
                }
                Instr::TableSet(t) => {
                    let v = pop!();
                    let i = pop!() as u32 as usize;
                    match table!(t).elems.get_mut(i) {
                        Some(slot) => *slot = v,
                        None => trap!(TrapCode::OutOfBoundsTableAccess),
                    }
                }
                Instr::TableSize(t) => push!(table!(t).elems.len() as u64),
                Instr::TableGrow(t) => {
                    let n = pop!() as u32;
                    let init = stack[sp - 1];
                    stack[sp - 1] = table!(t).grow(n, init).unwrap_or(u32::MAX) as u64;
                }
                Instr::TableFill(t) => {
                    let n = pop!() as u32 as usize;
                    let v = pop!();
                    let i = pop!() as u32 as usize;
                    match table!(t).elems.get_mut(i..i + n) {
                        Some(s) => s.fill(v),
                        None => trap!(TrapCode::OutOfBoundsTableAccess),
                    }
                }
                Instr::TableCopy { dst, src } => {
                    let n = pop!() as u32 as usize;
                    let s = pop!() as u32 as usize;
                    let d = pop!() as u32 as usize;
                    let (dt, st) = (layout.tables[dst as usize], layout.tables[src as usize]);
                    let src_len = store.tables[st as usize].elems.len();
                    let dst_len = store.tables[dt as usize].elems.len();
                    if s + n > src_len || d + n > dst_len {
                        trap!(TrapCode::OutOfBoundsTableAccess);
                    }
                    if dt == st {
                        store.tables[dt as usize].elems.copy_within(s..s + n, d);
                    } else {
                        let tmp: Vec<u64> = store.tables[st as usize].elems[s..s + n].to_vec();
                        store.tables[dt as usize].elems[d..d + n].copy_from_slice(&tmp);
                    }
                }
                Instr::TableInit { table, elem } => {
                    let n = pop!() as u32 as usize;
                    let s = pop!() as u32 as usize;
                    let d = pop!() as u32 as usize;
                    let seg = store.instances[inst].elems[elem as usize].clone();
                    match (seg.get(s..s + n), table!(table).elems.get_mut(d..d + n)) {
                        (Some(src), Some(dst)) => dst.copy_from_slice(src),
                        _ => trap!(TrapCode::OutOfBoundsTableAccess),
                    }
                }
                Instr::ElemDrop(seg) => {
                    store.instances[inst].elems[seg as usize] = Arc::from(&[][..]);
                }
                Instr::RefNull => push!(0),
                Instr::RefIsNull => un!(|x| b(x == 0)),
                Instr::RefFunc(i) => push!(layout.funcs[i as usize] as u64 + 1),
                Instr::V128Const(i) => {
                    simd::put(&mut stack, sp, code.v128_consts[i as usize]);
                    sp += 2;
                }
                Instr::Shuffle(i) => {
                    let (a, b) = (simd::get(&stack, sp - 4), simd::get(&stack, sp - 2));
                    let r = simd::shuffle(a, b, code.v128_consts[i as usize]);
                    simd::put(&mut stack, sp - 4, r);
                    sp -= 2;
                }
                Instr::Simd(op) => sp = simd::exec_plain(op, &mut stack, sp),
                Instr::SimdLane { op, lane } => sp = simd::exec_lane(op, lane, &mut stack, sp),
                Instr::SimdMem { op, lane, offset } => {
                    let data = &mut store.memories[mem].data;
                    match simd::exec_mem(op, offset, lane, data, &mut stack, sp) {
                        Some(new_sp) => sp = new_sp,
                        None => trap!(TrapCode::OutOfBoundsMemoryAccess),
                    }
                }
                Instr::LocalGet128(o) => {
                    let at = fp + o as usize;
                    stack[sp] = stack[at];
                    stack[sp + 1] = stack[at + 1];
                    sp += 2;
                }
                Instr::LocalSet128(o) => {
                    sp -= 2;
                    let at = fp + o as usize;
                    stack[at] = stack[sp];
                    stack[at + 1] = stack[sp + 1];
                }
                Instr::LocalTee128(o) => {
                    let at = fp + o as usize;
                    stack[at] = stack[sp - 2];
                    stack[at + 1] = stack[sp - 1];
                }
                Instr::GlobalGet128(i) => {
                    let g = &store.globals[layout.globals[i as usize] as usize];
                    stack[sp] = g.value;
                    stack[sp + 1] = g.hi;
                    sp += 2;
                }
                Instr::GlobalSet128(i) => {
                    sp -= 2;
                    let g = &mut store.globals[layout.globals[i as usize] as usize];
                    g.value = stack[sp];
                    g.hi = stack[sp + 1];
                }
                Instr::Select128 => {
                    // val1 at sp-5..sp-3, val2 at sp-3..sp-1, condition at sp-1.
                    let c = stack[sp - 1];
                    sp -= 3;
                    if c == 0 {
                        stack[sp - 2] = stack[sp];
                        stack[sp - 1] = stack[sp + 1];
                    }
                }
                Instr::CheckInterrupt => {
                    if let Some(code) = self.control.stop_requested() {
                        break Exit::Stopped(code);
                    }
                    if let Some(deadline) = self.deadline {
                        self.polls = self.polls.wrapping_add(1);
                        if self.polls.is_multiple_of(DEADLINE_POLL_INTERVAL) && Instant::now() >= deadline {
                            break Exit::Stopped(EXIT_CODE_DEADLINE_EXCEEDED);
                        }
                    }
                }
                Instr::ConsumeFuel(k) => match self.fuel.checked_sub(k as u64) {
                    Some(left) => self.fuel = left,
                    None => trap!(TrapCode::OutOfFuel),
                },
                Instr::Const32(c) => push!(c as u64),
                Instr::Const64(c) => push!(c),

                // ---- i32 ----
                Instr::I32Eqz => un!(|x| b(x as u32 == 0)),
                Instr::I32Clz => un!(|x: u64| (x as u32).leading_zeros() as u64),
                Instr::I32Ctz => un!(|x: u64| (x as u32).trailing_zeros() as u64),
                Instr::I32Popcnt => un!(|x: u64| (x as u32).count_ones() as u64),
                Instr::I32DivS => bin_trap!(|x: u64, y: u64| {
                    let (x, y) = (x as i32, y as i32);
                    if y == 0 {
                        Err(TrapCode::IntegerDivideByZero)
                    } else if x == i32::MIN && y == -1 {
                        Err(TrapCode::IntegerOverflow)
                    } else {
                        Ok((x / y) as u32 as u64)
                    }
                }),
                Instr::I32DivU => bin_trap!(|x: u64, y: u64| {
                    match (x as u32).checked_div(y as u32) {
                        Some(v) => Ok(v as u64),
                        None => Err(TrapCode::IntegerDivideByZero),
                    }
                }),
                Instr::I32RemS => bin_trap!(|x: u64, y: u64| {
                    if y as i32 == 0 {
                        Err(TrapCode::IntegerDivideByZero)
                    } else {
                        Ok((x as i32).wrapping_rem(y as i32) as u32 as u64)
                    }
                }),
                Instr::I32RemU => bin_trap!(|x: u64, y: u64| {
                    match (x as u32).checked_rem(y as u32) {
                        Some(v) => Ok(v as u64),
                        None => Err(TrapCode::IntegerDivideByZero),
                    }
                }),
                Instr::I32Rotl => bin!(|x: u64, y: u64| (x as u32).rotate_left(y as u32) as u64),
                Instr::I32Rotr => bin!(|x: u64, y: u64| (x as u32).rotate_right(y as u32) as u64),

                // ---- i64 ----
                Instr::I64Eqz => un!(|x| b(x == 0)),
                Instr::I64Clz => un!(|x: u64| x.leading_zeros() as u64),
                Instr::I64Ctz => un!(|x: u64| x.trailing_zeros() as u64),
                Instr::I64Popcnt => un!(|x: u64| x.count_ones() as u64),
                Instr::I64DivS => bin_trap!(|x: u64, y: u64| {
                    let (x, y) = (x as i64, y as i64);
                    if y == 0 {
                        Err(TrapCode::IntegerDivideByZero)
                    } else if x == i64::MIN && y == -1 {
                        Err(TrapCode::IntegerOverflow)
                    } else {
                        Ok((x / y) as u64)
                    }
                }),
                Instr::I64DivU => bin_trap!(|x: u64, y: u64| {
                    x.checked_div(y).ok_or(TrapCode::IntegerDivideByZero)
                }),
                Instr::I64RemS => bin_trap!(|x: u64, y: u64| {
                    if y == 0 {
                        Err(TrapCode::IntegerDivideByZero)
                    } else {
                        Ok((x as i64).wrapping_rem(y as i64) as u64)
                    }
                }),
                Instr::I64RemU => bin_trap!(|x: u64, y: u64| {
                    x.checked_rem(y).ok_or(TrapCode::IntegerDivideByZero)
                }),
                Instr::I64Rotl => bin!(|x: u64, y: u64| x.rotate_left((y & 63) as u32)),
                Instr::I64Rotr => bin!(|x: u64, y: u64| x.rotate_right((y & 63) as u32)),

                // ---- f32 ----
                Instr::F32Eq => bin!(|x, y| b(f32v(x) == f32v(y))),
                Instr::F32Ne => bin!(|x, y| b(f32v(x) != f32v(y))),
                Instr::F32Lt => bin!(|x, y| b(f32v(x) < f32v(y))),
                Instr::F32Gt => bin!(|x, y| b(f32v(x) > f32v(y))),
                Instr::F32Le => bin!(|x, y| b(f32v(x) <= f32v(y))),
                Instr::F32Ge => bin!(|x, y| b(f32v(x) >= f32v(y))),
                Instr::F32Abs => un!(|x: u64| x & 0x7fff_ffff),
                Instr::F32Neg => un!(|x: u64| x ^ 0x8000_0000),
                Instr::F32Ceil => un!(|x| r32(num::round_f32(f32v(x), f32::ceil))),
                Instr::F32Floor => un!(|x| r32(num::round_f32(f32v(x), f32::floor))),
                Instr::F32Trunc => un!(|x| r32(num::round_f32(f32v(x), f32::trunc))),
                Instr::F32Nearest => un!(|x| r32(num::round_f32(f32v(x), f32::round_ties_even))),
                Instr::F32Sqrt => un!(|x| r32(f32v(x).sqrt())),
                Instr::F32Min => bin!(|x, y| r32(num::f32_min(f32v(x), f32v(y)))),
                Instr::F32Max => bin!(|x, y| r32(num::f32_max(f32v(x), f32v(y)))),
                Instr::F32Copysign => {
                    bin!(|x: u64, y: u64| (x & 0x7fff_ffff) | (y & 0x8000_0000))
                }

                // ---- f64 ----
                Instr::F64Eq => bin!(|x, y| b(f64v(x) == f64v(y))),
                Instr::F64Ne => bin!(|x, y| b(f64v(x) != f64v(y))),
                Instr::F64Lt => bin!(|x, y| b(f64v(x) < f64v(y))),
                Instr::F64Gt => bin!(|x, y| b(f64v(x) > f64v(y))),
                Instr::F64Le => bin!(|x, y| b(f64v(x) <= f64v(y))),
                Instr::F64Ge => bin!(|x, y| b(f64v(x) >= f64v(y))),
                Instr::F64Abs => un!(|x: u64| x & !(1u64 << 63)),
                Instr::F64Neg => un!(|x: u64| x ^ (1u64 << 63)),
                Instr::F64Ceil => un!(|x| r64(num::round_f64(f64v(x), f64::ceil))),
                Instr::F64Floor => un!(|x| r64(num::round_f64(f64v(x), f64::floor))),
                Instr::F64Trunc => un!(|x| r64(num::round_f64(f64v(x), f64::trunc))),
                Instr::F64Nearest => un!(|x| r64(num::round_f64(f64v(x), f64::round_ties_even))),
                Instr::F64Sqrt => un!(|x| r64(f64v(x).sqrt())),
                Instr::F64Min => bin!(|x, y| r64(num::f64_min(f64v(x), f64v(y)))),
                Instr::F64Max => bin!(|x, y| r64(num::f64_max(f64v(x), f64v(y)))),
                Instr::F64Copysign => {
                    bin!(|x: u64, y: u64| (x & !(1u64 << 63)) | (y & (1u64 << 63)))
                }

                // ---- conversions ----
                Instr::I32WrapI64 => un!(|x: u64| x as u32 as u64),
                Instr::I32TruncF32S => un_trap!(|x| num::trunc_i32_s(f32v(x) as f64)),
                Instr::I32TruncF32U => un_trap!(|x| num::trunc_i32_u(f32v(x) as f64)),
                Instr::I32TruncF64S => un_trap!(|x| num::trunc_i32_s(f64v(x))),
                Instr::I32TruncF64U => un_trap!(|x| num::trunc_i32_u(f64v(x))),
                Instr::I64ExtendI32S => un!(|x: u64| x as i32 as i64 as u64),
                Instr::I64ExtendI32U => un!(|x: u64| x as u32 as u64),
                Instr::I64TruncF32S => un_trap!(|x| num::trunc_i64_s(f32v(x) as f64)),
                Instr::I64TruncF32U => un_trap!(|x| num::trunc_i64_u(f32v(x) as f64)),
                Instr::I64TruncF64S => un_trap!(|x| num::trunc_i64_s(f64v(x))),
                Instr::I64TruncF64U => un_trap!(|x| num::trunc_i64_u(f64v(x))),
                Instr::F32ConvertI32S => un!(|x: u64| r32(x as i32 as f32)),
                Instr::F32ConvertI32U => un!(|x: u64| r32(x as u32 as f32)),
                Instr::F32ConvertI64S => un!(|x: u64| r32(x as i64 as f32)),
                Instr::F32ConvertI64U => un!(|x: u64| r32(x as f32)),
                Instr::F32DemoteF64 => un!(|x| r32(f64v(x) as f32)),
                Instr::F64ConvertI32S => un!(|x: u64| r64(x as i32 as f64)),
                Instr::F64ConvertI32U => un!(|x: u64| r64(x as u32 as f64)),
                Instr::F64ConvertI64S => un!(|x: u64| r64(x as i64 as f64)),
                Instr::F64ConvertI64U => un!(|x: u64| r64(x as f64)),
                Instr::F64PromoteF32 => un!(|x| r64(f32v(x) as f64)),
                Instr::I32ReinterpretF32
                | Instr::I64ReinterpretF64
                | Instr::F32ReinterpretI32
                | Instr::F64ReinterpretI64 => {}
                Instr::I32Extend8S => un!(|x: u64| x as i8 as i32 as u32 as u64),
                Instr::I32Extend16S => un!(|x: u64| x as i16 as i32 as u32 as u64),
                Instr::I64Extend8S => un!(|x: u64| x as i8 as i64 as u64),
                Instr::I64Extend16S => un!(|x: u64| x as i16 as i64 as u64),
                Instr::I64Extend32S => un!(|x: u64| x as i32 as i64 as u64),
                Instr::I32TruncSatF32S => un!(|x| f32v(x) as i32 as u32 as u64),
                Instr::I32TruncSatF32U => un!(|x| f32v(x) as u32 as u64),
                Instr::I32TruncSatF64S => un!(|x| f64v(x) as i32 as u32 as u64),
                Instr::I32TruncSatF64U => un!(|x| f64v(x) as u32 as u64),
                Instr::I64TruncSatF32S => un!(|x| f32v(x) as i64 as u64),
                Instr::I64TruncSatF32U => un!(|x| f32v(x) as u64),
                Instr::I64TruncSatF64S => un!(|x| f64v(x) as i64 as u64),
                Instr::I64TruncSatF64U => un!(|x| f64v(x) as u64),
            }
            }
        };
        self.stack = stack;
        self.pc = pc as u32;
        self.fp = fp as u32;
        self.sp = sp as u32;
        exit
    }
}
