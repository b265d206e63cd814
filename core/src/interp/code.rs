//! The interpreter's code for one compiled module: each function body is translated
//! when it is first needed (its first call, in the default
//! [`CompilationMode`](crate::CompilationMode)s) and kept for the life of the
//! compiled module, so every instance, runtime and thread sharing the module shares it.
//!
//! Translation has one entry point, `ModuleCode::translate` (private), reached through
//! [`ModuleCode::get`] (a function's code, translated if need be: what the executor asks
//! at a call) and [`ModuleCode::translate_all`] (the eager mode). An engine of its own
//! (see the design of the two engines) would keep its code the same way, beside this.
//!
//! # Two variants for the debugger
//!
//! Code compiled with debug stepping has two translations of every function, each made
//! on first use: the *plain* one (the fast code, with interrupt checks at entries and
//! loop headers) and the *debug* one (a stop point before every operator, operands kept
//! in their slots). A function is known to the executor by a *code id*: its defined
//! index `def` for the plain variant, `def + n` (n defined functions) for the debug one,
//! so that the executor's hot path (`ModuleCode::ready`) is one indexing either way.
//!
//! Both variants of a function have the same frame layout (locals, constant slots and
//! operand slots come from the body alone), and the same *switch points* in the same
//! order: function entry, listener hooks, calls and interrupt checks, where no operand
//! is held outside its natural slot. A frame can move from one variant to the other at
//! a switch point ([`ModuleCode::remap`]): the executor runs plain code where nothing
//! can stop and debug code where a step or a breakpoint may.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use wasmparser::{BinaryReader, FuncToValidate, FuncValidatorAllocations, FunctionBody};

use super::heights::Heights;
use super::translate::Stack;

use super::hot::{CodeTable, CompiledFunc, Funcs};
use super::instr::Instr;
use super::translate::Translator;
use crate::error::{Error, ErrorKind, Result};
use crate::module::ModuleInfo;
use crate::options::CodeOptions;
use crate::types::ListenerHooks;

/// Why a function could not be translated, kept so that every call of it fails alike.
#[derive(Clone, Debug)]
struct Failure {
    offset: u64,
    message: String,
}

/// What translating a module's functions keeps between them: the functions that failed
/// (see `ModuleCode::failures`), and the translator and the validator's allocations, whose
/// buffers each translation reuses (allocating them again for each function cost more
/// than 2% of a QuickJS run).
#[derive(Default)]
struct Translating {
    failures: HashMap<u32, Failure>,
    translator: Translator,
    allocs: FuncValidatorAllocations,
}

impl std::fmt::Debug for Translating {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Translating")
            .field("failures", &self.failures)
            .finish_non_exhaustive()
    }
}

/// The translated code of a module's defined functions, each built at most once.
#[derive(Debug)]
pub(crate) struct ModuleCode {
    options: CodeOptions,
    /// The listener hooks each function (module index space) gets.
    listened: Vec<ListenerHooks>,
    /// By code id (defined-function index, plus the number of defined functions for
    /// the debug variant): set once translated. The executor and the fast path read
    /// these on calls and returns, so a slot holds the code itself (no `Result`, no box),
    /// and the fast path reads it through a table of pointers (`Funcs::table`).
    funcs: Funcs,
    /// The number of defined functions (`funcs` has twice as many with two variants).
    defined: u32,
    /// Functions that failed to translate (invalid bodies, when they were not validated
    /// up front) and the translator with its buffers. Held while translating, so that
    /// each function is translated once.
    failures: Mutex<Translating>,
    /// How many times each defined function was called on the interpreter, for tiered
    /// compilation ([`crate::RuntimeConfig::with_tiering`]): counted (without atomic
    /// read-modify-writes: a count lost to a race only delays) until it reaches the
    /// runtime's threshold, when the function moves to compiled code.
    calls: Box<[std::sync::atomic::AtomicU32]>,
}

impl ModuleCode {
    /// Code for the `defined` function bodies of a module, none translated yet.
    pub(crate) fn new(options: CodeOptions, defined: u32) -> Self {
        let variants = if options.debug { 2 } else { 1 };
        let funcs = Funcs::new(defined as usize * variants);
        ModuleCode {
            options,
            listened: Vec::new(),
            funcs,
            defined,
            failures: Mutex::new(Translating::default()),
            calls: (0..defined).map(|_| Default::default()).collect(),
        }
    }

    /// Each defined function's interpreted calls so far (see the field).
    #[inline(always)]
    pub(crate) fn call_counts(&self) -> &[std::sync::atomic::AtomicU32] {
        &self.calls
    }

    /// Whether functions have a plain and a debug variant (code compiled with debug
    /// stepping).
    #[inline(always)]
    pub(crate) fn has_variants(&self) -> bool {
        self.options.debug
    }

    /// The defined-function index of code id `id`.
    #[inline(always)]
    pub(crate) fn def_of(&self, id: u32) -> u32 {
        if id >= self.defined {
            id - self.defined
        } else {
            id
        }
    }

    /// The module's defined functions: code ids from it on are debug code.
    #[inline(always)]
    pub(crate) fn defined(&self) -> u32 {
        self.defined
    }

    /// Whether code id `id` is a debug variant.
    pub(crate) fn is_debug(&self, id: u32) -> bool {
        self.options.debug && id >= self.defined
    }

    /// The code id of defined function `def`, in the debug variant if `debug` (and the
    /// module has one).
    #[inline(always)]
    pub(crate) fn id_of(&self, def: u32, debug: bool) -> u32 {
        if debug && self.options.debug {
            def + self.defined
        } else {
            def
        }
    }

    /// The options a code id is translated with.
    fn options_of(&self, id: u32) -> crate::options::CodeOptions {
        if !self.options.debug {
            return self.options;
        }
        let mut options = self.options;
        // Both variants check interrupts at the same places (switch points).
        options.interrupts = true;
        options.debug = id >= self.defined;
        // Both count the operators they run at the same places (switch points too).
        options.count = true;
        options
    }

    /// Where a frame at position `pos` of code `from` continues in code `to` (the other
    /// variant of the same function): the same switch point. `None` when `pos` is not a
    /// switch point, or when the two codes' switch points do not correspond (never
    /// expected; the frame then stays where it is).
    pub(crate) fn remap(from: &CompiledFunc, to: &CompiledFunc, pos: u32) -> Option<u32> {
        let k = from.points.binary_search(&pos).ok()?;
        let at = *to.points.get(k)?;
        let same = std::mem::discriminant(&from.instrs[pos as usize].instr())
            == std::mem::discriminant(&to.instrs.get(at as usize)?.instr())
            && from.points.len() == to.points.len();
        same.then_some(at)
    }

    /// Gives each function (module index space) the listener hooks `listened` has for
    /// it. Only before any function is translated (while the module is being compiled).
    pub(crate) fn set_listened(&mut self, listened: Vec<ListenerHooks>) {
        debug_assert_eq!(self.translated(), 0, "listeners are set before translation");
        self.listened = listened;
    }

    /// How many defined functions have been translated (in either variant).
    pub(crate) fn translated(&self) -> usize {
        (0..self.defined)
            .filter(|&def| {
                self.funcs.get(def).is_some() || self.funcs.get(def + self.defined).is_some()
            })
            .count()
    }

    /// The table of every code id's code, each set (not null) once translated, to code
    /// that lives as long as `self` (for the fast path's calls and returns).
    pub(crate) fn table(&self) -> CodeTable<'_> {
        self.funcs.table()
    }

    /// The code of code id `id` (see the module docs; the defined-function index for
    /// plain code), if it has been translated: the executor's fast path.
    #[inline(always)]
    pub(crate) fn ready(&self, id: u32) -> Option<&CompiledFunc> {
        self.funcs.get(id)
    }

    /// The code of code id `id` of `info` (whose code this is), translated now
    /// if it was not yet. Translations of one module are made one at a time, each once;
    /// threads asking for a function being translated wait for it.
    ///
    /// # Errors
    /// A body that is invalid (only possible when it was not validated up front) or that
    /// the interpreter cannot translate: [`ErrorKind::Compile`], naming the function;
    /// every later call fails alike.
    #[cold]
    #[inline(never)]
    pub(crate) fn get<'a>(&'a self, info: &ModuleInfo, id: u32) -> Result<&'a CompiledFunc> {
        if id as usize >= self.funcs.len() {
            return Err(Error::usage(format!("no function with defined index {id}")));
        }
        let def = self.def_of(id);
        let mut translating = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        // Translated by another thread while this one waited for the lock?
        if let Some(code) = self.funcs.get(id) {
            return Ok(code);
        }
        let Translating {
            failures,
            translator,
            allocs,
        } = &mut *translating;
        let failure = match failures.get(&def) {
            Some(failure) => failure.clone(),
            None => {
                translator.set_options(self.options_of(id));
                match self.translate(info, id, translator, allocs) {
                    Ok(code) => return Ok(self.funcs.publish(id, code)),
                    Err(e) => {
                        let failure = match e.kind() {
                            ErrorKind::Compile { offset, message } => Failure {
                                offset: *offset,
                                message: message.clone(),
                            },
                            _ => Failure {
                                offset: 0,
                                message: e.to_string(),
                            },
                        };
                        failures.insert(def, failure.clone());
                        failure
                    }
                }
            }
        };
        drop(translating);
        let index = info.num_imported_funcs + def;
        let name = match info.func_names.get(&index) {
            Some(n) => format!(" ({n})"),
            None => String::new(),
        };
        Err(Error::compile(
            failure.offset,
            format!("function[{index}]{name}: {}", failure.message),
        ))
    }

    /// The operand stack of a frame of plain code `id` at position `pos` (where it
    /// trapped), as the translation knew it before the operator that emitted `pos`: the
    /// height (slots from the frame pointer) and where the operands not in their natural
    /// slots are. Found by translating the function again (a trap is rare; plain code
    /// keeps no table for it). `None` for debug code (its operands are in their slots)
    /// and when the translation fails.
    pub(crate) fn operands_at(
        &self,
        info: &ModuleInfo,
        id: u32,
        pos: u32,
    ) -> Option<(u32, Vec<(u32, super::translate::Lazy)>)> {
        if self.is_debug(id) {
            return None;
        }
        let mut translator = Translator::probing(self.options_of(id), pos);
        let mut allocs = FuncValidatorAllocations::default();
        self.translate(info, id, &mut translator, &mut allocs)
            .ok()?;
        translator.take_probe()
    }

    /// Translates every function not translated yet ([`crate::CompilationMode::Eager`]).
    ///
    /// # Errors
    /// The first function that cannot be translated, as [`ErrorKind::Compile`].
    pub(crate) fn translate_all(&self, info: &ModuleInfo) -> Result<()> {
        let mut translating = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let Translating {
            translator, allocs, ..
        } = &mut *translating;
        // The plain variant: the debug one is made when a debugger first needs it.
        translator.set_options(self.options_of(0));
        for def in 0..self.defined {
            if self.funcs.get(def).is_none() {
                let code = self.translate(info, def, translator, allocs)?;
                self.funcs.publish(def, code);
            }
        }
        // (Nothing more is translated here but debug variants: the buffers, sized by
        // the largest function, are not kept for the module's life.)
        *translating = Translating {
            failures: std::mem::take(&mut translating.failures),
            ..Translating::default()
        };
        Ok(())
    }

    /// Translates code id `id`: following its heights when its body was validated at
    /// decoding (see `Heights`), else validating it.
    fn translate(
        &self,
        info: &ModuleInfo,
        id: u32,
        translator: &mut Translator,
        allocs: &mut FuncValidatorAllocations,
    ) -> Result<CompiledFunc> {
        let def = self.def_of(id);
        let (Some(resources), Some(range)) = (&info.resources, info.bodies.get(def as usize))
        else {
            return Err(Error::usage(format!(
                "no function with defined index {def}"
            )));
        };
        let index = info.num_imported_funcs + def;
        let body = FunctionBody::new(BinaryReader::new(
            &info.bytes[range.clone()],
            range.start as u64,
        ));
        let ty = info.func_types[index as usize];
        let listen = (self.listened.get(index as usize).copied()).unwrap_or(ListenerHooks::empty());
        // A body validated when the module was decoded is not validated again (GC's
        // are, being rarer and harder to follow, and those where a `v128` may be on the
        // stack: their heights are not one slot a value). One whose heights cannot be
        // followed (see `Heights`), or whose translation failed that way, is translated
        // again, validating it: its error is then the validator's.
        // (A body has a prelude when it was validated at decoding.)
        let prelude = info.preludes.get(def as usize);
        let followed = prelude
            .filter(|p| !p.simd && !info.uses_gc && !info.uses_v128)
            .map(|_| Heights::new(info, resources, ty))
            .map(|heights| {
                translator.translate(info, index, Stack::Validated(heights), &body, listen)
            });
        let mut code = match followed {
            Some(Ok(Some(code))) => {
                #[cfg(debug_assertions)]
                self.same_as_validated(info, id, &body, listen, allocs, &code)?;
                code
            }
            Some(Err(e)) => {
                let code =
                    self.validate_and_translate(info, index, &body, listen, translator, allocs)?;
                // (A body the validator translates fails without it only if the heights
                // went wrong: in builds with debug assertions, which the tests run, that
                // is an error, not a quiet second translation.)
                if cfg!(debug_assertions) {
                    return Err(Error::new(format!(
                        "internal error: function {index} failed to translate without \
                         validating it ({e}) but translates validating it"
                    )));
                }
                code
            }
            _ => self.validate_and_translate(info, index, &body, listen, translator, allocs)?,
        };
        super::hot::check(&code)?;
        if self.has_variants() {
            code.points = code
                .instrs
                .iter()
                .enumerate()
                .filter(|(_, op)| {
                    matches!(
                        op.instr(),
                        Instr::ListenerBefore(_)
                            | Instr::CheckInterrupt
                            | Instr::Count(_)
                            | Instr::Call { .. }
                            | Instr::CallIndirect { .. }
                            | Instr::ReturnCallIndirect { .. }
                    )
                })
                .map(|(at, _)| at as u32)
                .collect();
        }
        Ok(code)
    }

    /// Translates the body of function `index`, validating it.
    fn validate_and_translate(
        &self,
        info: &ModuleInfo,
        index: u32,
        body: &FunctionBody<'_>,
        listen: ListenerHooks,
        translator: &mut Translator,
        allocs: &mut FuncValidatorAllocations,
    ) -> Result<CompiledFunc> {
        let Some(resources) = &info.resources else {
            return Err(Error::usage(format!("no function with index {index}")));
        };
        let mut fv = FuncToValidate {
            resources: resources.clone(),
            index,
            ty: info.func_types[index as usize],
            features: info.features,
        }
        .into_validator(std::mem::take(allocs));
        let code = translator.translate(info, index, Stack::Validate(&mut fv), body, listen);
        *allocs = fv.into_allocations();
        code?.ok_or_else(|| Error::new("internal error: a validating translation gave up"))
    }

    /// Checks (in builds with debug assertions, which the test suites run) that `code`,
    /// translated by following the heights of a validated body, is what translating it
    /// while validating it gives: an internal error if not.
    #[cfg(debug_assertions)]
    fn same_as_validated(
        &self,
        info: &ModuleInfo,
        id: u32,
        body: &FunctionBody<'_>,
        listen: ListenerHooks,
        allocs: &mut FuncValidatorAllocations,
        code: &CompiledFunc,
    ) -> Result<()> {
        let index = info.num_imported_funcs + self.def_of(id);
        let mut translator = Translator::new(self.options_of(id));
        let other =
            self.validate_and_translate(info, index, body, listen, &mut translator, allocs)?;
        let instrs = |c: &CompiledFunc| c.instrs.iter().map(|op| op.instr()).collect::<Vec<_>>();
        // (`Handler`s have no `PartialEq`; their `Debug` names every field.)
        let handlers = |c: &CompiledFunc| format!("{:?}", c.handlers);
        if instrs(code) != instrs(&other)
            || code.modes != other.modes
            || code.max_height != other.max_height
            || (code.params, code.locals) != (other.params, other.locals)
            || code.consts != other.consts
            || code.v128_consts != other.v128_consts
            || code.offsets != other.offsets
            || code.tail_sites != other.tail_sites
            || handlers(code) != handlers(&other)
        {
            return Err(Error::new(format!(
                "internal error: function {index} translated differently without validating it \
                 ({} instructions, max height {}) than with ({}, {})",
                code.instrs.len(),
                code.max_height,
                other.instrs.len(),
                other.max_height
            )));
        }
        Ok(())
    }
}

/// A decoded module (its engine-neutral description) with the interpreter's code for it:
/// what a compiled module and its instances keep. Reads as its description
/// (`Deref<Target = ModuleInfo>`).
#[derive(Debug)]
pub(crate) struct WasmCode {
    pub info: ModuleInfo,
    /// The interpreter's code of the defined functions, translated on first use.
    pub code: ModuleCode,
    /// The compiler's native code of the defined functions, when the runtime compiles.
    pub native: Option<Arc<Native>>,
}

/// A module's native code (the compiler engine's).
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
pub(crate) type Native = crate::compiler::code::NativeModule;
/// A module's native code: none where the compiler does not generate code.
#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
#[derive(Debug)]
pub(crate) enum Native {}

impl std::ops::Deref for WasmCode {
    type Target = ModuleInfo;
    fn deref(&self) -> &ModuleInfo {
        &self.info
    }
}

impl WasmCode {
    /// `info` with no function translated yet, translated with `options` when needed.
    pub(crate) fn new(info: ModuleInfo, options: CodeOptions) -> Self {
        let code = ModuleCode::new(options, info.bodies.len() as u32);
        WasmCode {
            info,
            code,
            native: None,
        }
    }

    /// Gives each function (module index space) the listener hooks `listened` has for it
    /// (at entry, at every return); before any translation.
    pub(crate) fn set_listened(&mut self, listened: Vec<ListenerHooks>) {
        self.code.set_listened(listened);
    }

    /// Translates every function body now ([`crate::CompilationMode::Eager`]).
    ///
    /// # Errors
    /// The first body the interpreter cannot translate ([`ErrorKind::Compile`]).
    pub(crate) fn translate_all(&self) -> Result<()> {
        self.code.translate_all(&self.info)
    }

    /// The code of code id `id` (see [`ModuleCode`]; the defined-function index for
    /// plain code), translated on first use.
    ///
    /// # Errors
    /// See [`ModuleCode::get`].
    #[inline(always)]
    pub(crate) fn func_code(&self, id: u32) -> Result<&CompiledFunc> {
        match self.code.ready(id) {
            Some(f) => Ok(f),
            None => self.code.get(&self.info, id),
        }
    }

    /// Where a frame of code `id` that continues at `pc` continues in the other variant
    /// of its function (see [`ModuleCode::remap`]): `(code id, code, pc)`. It can move
    /// when it has not started (`pc` 0) or when `pc` follows a switch point; `None`
    /// otherwise, or when the other variant cannot be translated.
    pub(crate) fn switch_variant(&self, id: u32, pc: u32) -> Option<(u32, &CompiledFunc, u32)> {
        let from = self.code.ready(id)?;
        let def = self.code.def_of(id);
        let to = self.code.id_of(def, !self.code.is_debug(id));
        let target = self.func_code(to).ok()?;
        // A frame keeps the room it was opened with: the fast path (`interp::hot`) needs
        // at least the function's frame size on the stack, so both variants must have the
        // same (they have, being translated from the same body; a frame stays where it is
        // otherwise).
        if target.max_height != from.max_height {
            return None;
        }
        let at = match pc {
            0 => 0,
            _ => ModuleCode::remap(from, target, pc - 1)? + 1,
        };
        Some((to, target, at))
    }

    /// See [`ModuleCode::operands_at`].
    pub(crate) fn operands_at(
        &self,
        id: u32,
        pos: u32,
    ) -> Option<(u32, Vec<(u32, super::translate::Lazy)>)> {
        self.code.operands_at(&self.info, id, pos)
    }
}

#[cfg(test)]
mod acc_tests {
    use super::super::hot::{FIN, FOUT, HELD, IN_A, IN_B, OUT, TEE};
    use super::super::instr::Instr;
    use super::*;

    fn options(debug: bool) -> CodeOptions {
        CodeOptions {
            mode: Default::default(),
            fuel: false,
            interrupts: false,
            debug,
            count: false,
            native: false,
            features: crate::features::CoreFeatures::V3,
        }
    }

    /// Function 0's instructions with their accumulator modes.
    fn translated(wat: &str, debug: bool) -> Vec<(Instr, u8)> {
        let bytes = wat::parse_str(wat).unwrap();
        let code = WasmCode::new(
            ModuleInfo::parse(bytes.as_slice().into(), options(debug)).unwrap(),
            options(debug),
        );
        let f = code.func_code(code.code.id_of(0, debug)).unwrap();
        f.instrs
            .iter()
            .enumerate()
            .map(|(i, op)| (op.instr(), f.modes.get(i).copied().unwrap_or(0)))
            .collect()
    }

    /// Function 0's instructions when its listener has `hooks`.
    fn listened(wat: &str, hooks: ListenerHooks) -> Vec<Instr> {
        let bytes = wat::parse_str(wat).unwrap();
        let mut code = WasmCode::new(
            ModuleInfo::parse(bytes.as_slice().into(), options(false)).unwrap(),
            options(false),
        );
        code.set_listened(vec![hooks; 3]);
        let f = code.func_code(code.code.id_of(0, false)).unwrap();
        f.instrs.iter().map(|op| op.instr()).collect()
    }

    #[test]
    fn only_the_hooks_a_listener_has_are_in_its_functions_code() {
        let wat = r#"(module
          (func (param i32) (result i32)
            local.get 0
            if (result i32) i32.const 1 return else local.get 0 end
            return_call 1)
          (func (param i32) (result i32) local.get 0))"#;
        let count = |code: &[Instr], f: fn(&Instr) -> bool| code.iter().filter(|i| f(i)).count();
        let before = |i: &Instr| matches!(i, Instr::ListenerBefore(0));
        let after = |i: &Instr| matches!(i, Instr::ReturnListened { func: 0, .. });
        let plain = |i: &Instr| matches!(i, Instr::Return { .. });
        let owed = |i: &Instr| matches!(i, Instr::TailListened(0));
        for bits in 0..8 {
            let hooks = ListenerHooks::from_bits_truncate(bits);
            let code = listened(wat, hooks);
            let has = |h| hooks.contains(h) as usize;
            assert_eq!(
                count(&code, before),
                has(ListenerHooks::BEFORE),
                "{hooks:?}: {code:?}"
            );
            // The `return` and the end: listened with `after`, plain without.
            let returns = (count(&code, after), count(&code, plain));
            match hooks.contains(ListenerHooks::AFTER) {
                true => assert_eq!(returns, (2, 0), "{hooks:?}: {code:?}"),
                false => assert_eq!(returns, (0, 2), "{hooks:?}: {code:?}"),
            }
            // A tail call owes `after` or `abort`, if it has either.
            let owes = hooks.intersects(ListenerHooks::AFTER | ListenerHooks::ABORT) as usize;
            assert_eq!(count(&code, owed), owes, "{hooks:?}: {code:?}");
        }
    }

    const CHAIN: &str = r#"(module (memory 1)
      (func (param i32 i32 f64) (result f64)
        local.get 0
        f64.load
        local.get 1
        f64.load offset=8
        f64.div
        local.get 2
        f64.add
        local.get 1
        i32.const 3
        i32.add
        f64.convert_i32_u
        f64.sub))"#;

    #[test]
    fn a_result_the_next_instruction_reads_goes_through_the_accumulator() {
        let code = translated(CHAIN, false);
        let at = |f: fn(&Instr) -> bool| code.iter().position(|(i, _)| f(i)).unwrap();
        let mul = at(|i| matches!(i, Instr::F64Div { .. }));
        // The second load gives the quotient its `b`, the quotient goes on to the sum:
        // `f64`s, through the float accumulator.
        assert!(matches!(code[mul - 1].0, Instr::I64Load { end: 16, .. }));
        assert_eq!(code[mul - 1].1, OUT | FOUT, "{code:?}");
        assert_eq!(code[mul].1, IN_B | FIN | OUT | FOUT, "{code:?}");
        let add = at(|i| matches!(i, Instr::F64Add { .. }));
        assert_eq!(add, mul + 1);
        assert_eq!(code[add].1 & (IN_A | FIN), IN_A | FIN, "{code:?}");
        // `i32.add`, then the conversion: a chain of one operand, an integer (the
        // integer accumulator), then an `f64` to the subtraction.
        let conv = at(|i| matches!(i, Instr::F64ConvertI32U { .. }));
        assert_eq!(code[conv - 1].1 & (OUT | FOUT), OUT, "{code:?}");
        assert_eq!(code[conv].1, IN_A | OUT | FOUT, "{code:?}");
        assert_eq!(code[conv + 1].1 & (IN_B | FIN), IN_B | FIN, "{code:?}");
        // Every instruction that gives a value is followed by one that takes it, from
        // the accumulator it was given to.
        for w in code.windows(2) {
            assert_eq!(
                w[0].1 & (OUT | TEE) != 0,
                w[1].1 & (IN_A | IN_B) != 0,
                "{code:?}"
            );
            if w[1].1 & (IN_A | IN_B) != 0 {
                assert_eq!(w[0].1 & FOUT != 0, w[1].1 & FIN != 0, "{code:?}");
            }
        }
    }

    #[test]
    fn an_f64_an_integer_operator_takes_goes_through_the_integer_accumulator() {
        // `i64.eqz` has no float modes: the sum it takes (as bits) is given to it in the
        // integer accumulator.
        let code = translated(
            r#"(module (func (param f64 f64) (result i32)
                local.get 0
                local.get 1
                f64.add
                i64.reinterpret_f64
                i64.eqz))"#,
            false,
        );
        let add = code
            .iter()
            .position(|(i, _)| matches!(i, Instr::F64Add { .. }))
            .unwrap();
        assert!(matches!(code[add + 1].0, Instr::I64Eqz { .. }), "{code:?}");
        assert_eq!(code[add].1, OUT, "{code:?}");
        assert_eq!(code[add + 1].1 & (IN_A | FIN), IN_A, "{code:?}");
    }

    /// A dispatch loop's fetch: the opcode loaded into a local, a bounds check on it, an
    /// increment of the position, then the `br_table` on the opcode: the load's value is
    /// held in the accumulator past the two for the table (`HELD`), and still written to
    /// the local (`TEE`).
    #[test]
    fn a_value_is_held_in_the_accumulator_for_an_instruction_a_few_after() {
        let code = translated(
            r#"(module (memory 1) (func (param i32 i32) (result i32) (local i32)
                block block block
                  local.get 0
                  i32.load
                  local.tee 2
                  i32.const 2
                  i32.gt_u
                  br_if 0
                  local.get 1
                  i32.const 1
                  i32.add
                  local.set 1
                  local.get 2
                  br_table 0 1 2
                end end end
                local.get 1))"#,
            false,
        );
        let table = code
            .iter()
            .position(|(i, _)| matches!(i, Instr::BrTable { .. }))
            .unwrap();
        let load = code
            .iter()
            .position(|(i, _)| matches!(i, Instr::I32Load { .. }))
            .unwrap();
        assert_eq!(table, load + 3, "{code:?}");
        assert_eq!(code[load].1 & (OUT | TEE), TEE, "{code:?}");
        assert_eq!(code[load + 1].1 & HELD, HELD, "{code:?}");
        assert_eq!(code[load + 2].1, HELD, "{code:?}");
        assert_eq!(code[table].1, IN_A, "{code:?}");
    }

    /// `variants.rs`'s `held_store`: a store between the load and the table holds too
    /// (that test's trap is in a held instruction only while this holds).
    #[test]
    fn a_store_between_holds_the_accumulator() {
        let code = translated(
            r#"(module (memory 1) (func (param i32 i32) (result i32) (local i32)
                block block
                  local.get 0
                  i32.load
                  local.tee 2
                  i32.const 9
                  i32.gt_u
                  br_if 0
                  local.get 1
                  local.get 0
                  i32.store offset=65536
                  local.get 2
                  br_table 0 1
                end end
                local.get 2))"#,
            false,
        );
        let store = code
            .iter()
            .position(|(i, _)| matches!(i, Instr::Store32 { .. }))
            .unwrap();
        assert!(
            matches!(code[store + 1].0, Instr::BrTable { .. }),
            "{code:?}"
        );
        assert_eq!(code[store].1 & HELD, HELD, "{code:?}");
        assert_eq!(code[store + 1].1, IN_A, "{code:?}");
    }

    #[test]
    fn debug_code_keeps_every_operand_in_its_slot() {
        assert!(translated(CHAIN, true).iter().all(|(_, m)| *m == 0));
    }

    #[test]
    fn a_value_read_again_later_stays_in_its_slot() {
        // The sum is teed to a local and read from it again; the product's operands
        // come from locals: nothing for the accumulator but the product's own use.
        let code = translated(
            r#"(module (func (param i32 i32) (result i32)
                local.get 0
                local.get 1
                i32.add
                local.tee 1
                local.get 1
                i32.mul
                local.get 1
                i32.add))"#,
            false,
        );
        let mut seen = false;
        for (k, (i, m)) in code.iter().enumerate() {
            if let Instr::I32Add { dst, .. } = i {
                if *dst == 1 {
                    // Retargeted to the local, which is read twice after: the value
                    // goes to the local and to the accumulator.
                    assert_eq!(*m & (OUT | TEE), TEE, "{code:?} at {k}");
                    seen = true;
                }
            }
        }
        assert!(seen, "{code:?}");
    }

    #[test]
    fn nothing_takes_the_accumulator_at_a_jump_target() {
        // The loop's first instruction reads the value the instruction before the loop
        // computed, and is a jump target: the value stays in its slot.
        let code = translated(
            r#"(module (func (param i32) (result i32)
                local.get 0
                i32.const 1
                i32.add
                loop (param i32) (result i32)
                  i32.const 3
                  i32.mul
                  local.tee 0
                  local.get 0
                  i32.const 100
                  i32.lt_u
                  br_if 0
                end))"#,
            false,
        );
        let mut targets = std::collections::HashSet::new();
        for (i, _) in &code {
            if let Some(t) = i.jump_target() {
                targets.insert(t as usize);
            }
        }
        assert!(!targets.is_empty());
        for t in targets {
            assert_eq!(code[t].1 & (IN_A | IN_B), 0, "{code:?} at {t}");
        }
    }

    #[test]
    fn a_branch_that_keeps_its_operand_on_the_taken_path_does_not_take_it() {
        // `br_on_non_null` branches with the reference (which the fall-through pops): the
        // copy of the local into its slot must be written.
        let code = translated(
            r#"(module (func (param funcref) (result funcref)
                block (result (ref func))
                  local.get 0
                  br_on_non_null 0
                  ref.null func
                  return
                end))"#,
            false,
        );
        // (It may give the value to the accumulator as well: `TEE`.)
        assert!(code.iter().all(|(_, m)| *m & OUT == 0), "{code:?}");
    }

    /// `v128.load` and `v128.store` read their addresses from the locals' slots (no
    /// copies), and a SIMD operator leaves the lazy operand below its operands lazy: the
    /// store's address stays local 0 across the `i32x4.add`.
    #[test]
    fn v128_loads_and_stores_are_register_addressed() {
        let wat = r#"(module (memory 1)
          (func (param i32 i32 i32)
            local.get 0
            local.get 1
            v128.load offset=16
            local.get 2
            v128.load
            i32x4.add
            v128.store offset=32))"#;
        let code: Vec<Instr> = translated(wat, false).into_iter().map(|(i, _)| i).collect();
        let add = crate::interp::simd::SimdOp::I32x4Add;
        assert!(
            matches!(
                code[..],
                [
                    Instr::LoadV128 {
                        dst: 4,
                        addr: 1,
                        offset: 16
                    },
                    Instr::LoadV128 {
                        dst: 6,
                        addr: 2,
                        offset: 0
                    },
                    Instr::Simd { op, h: 8 },
                    Instr::StoreV128 {
                        addr: 0,
                        src: 4,
                        offset: 32
                    },
                    Instr::Return { .. },
                ] if op == add
            ),
            "{code:?}"
        );
        // A `v128` local: the load writes it (`local.set`), the store reads it
        // (`local.get`), with no copy either way.
        let wat = r#"(module (memory 1)
          (func (param i32 i32) (local v128)
            local.get 0
            v128.load
            local.set 2
            local.get 1
            local.get 2
            v128.store offset=4))"#;
        let local: Vec<Instr> = translated(wat, false).into_iter().map(|(i, _)| i).collect();
        assert!(
            matches!(
                local[..],
                [
                    Instr::LoadV128 {
                        dst: 2,
                        addr: 0,
                        offset: 0
                    },
                    Instr::StoreV128 {
                        addr: 1,
                        src: 2,
                        offset: 4
                    },
                    Instr::Return { .. },
                ]
            ),
            "{local:?}"
        );
        // Debug code shows every operand in its slot: the address and the local's value
        // are copied there.
        let debug: Vec<Instr> = translated(wat, true).into_iter().map(|(i, _)| i).collect();
        assert!(
            debug
                .iter()
                .any(|i| matches!(i, Instr::Copy { dst: 4, src: 0 }))
                && debug
                    .iter()
                    .any(|i| matches!(i, Instr::Copy128 { dst: 5, src: 2 })),
            "{debug:?}"
        );
    }

    /// An `f64.mul` into the `f64.add` or `f64.sub` that takes its product: one
    /// instruction, the factor the instruction before made as its operand `b` (from the
    /// float accumulator), the sum going on to the next one in a chain; not a product
    /// kept in a local, nor one a subtraction takes first, nor in debug code.
    #[test]
    fn a_product_added_or_subtracted_is_one_instruction() {
        let wat = r#"(module (memory 1)
          (func (param i32 f64 f64) (result f64) (local f64)
            local.get 1
            local.get 0
            f64.load
            local.get 2
            f64.mul
            f64.add
            local.get 2
            local.get 1
            f64.mul
            f64.sub
            local.get 1
            local.get 2
            f64.mul
            local.tee 3
            f64.add
            local.get 1
            local.get 2
            f64.mul
            local.get 1
            f64.sub
            f64.add))"#;
        let code = translated(wat, false);
        let instrs: Vec<Instr> = code.iter().map(|&(i, _)| i).collect();
        let load = instrs
            .iter()
            .position(|i| matches!(i, Instr::I64Load { .. }))
            .unwrap();
        let Instr::I64Load { dst: loaded, .. } = instrs[load] else {
            unreachable!()
        };
        // `local 1 + load * local 2`: the loaded factor is `b`, from the float accumulator.
        assert!(
            matches!(instrs[load + 1], Instr::F64MulAdd { a: 1, b, m: 2, .. } if b == loaded),
            "{code:?}"
        );
        assert_eq!(code[load].1 & (OUT | FOUT), OUT | FOUT, "{code:?}");
        assert_eq!(code[load + 1].1 & (IN_B | FIN), IN_B | FIN, "{code:?}");
        // `sum - local 2 * local 1`: the sum from the accumulator, as `a`.
        assert!(
            matches!(instrs[load + 2], Instr::F64MulSub { b: 1, m: 2, .. }),
            "{code:?}"
        );
        assert_eq!(code[load + 2].1 & (IN_A | FIN), IN_A | FIN, "{code:?}");
        // The product kept in local 3, and the one a subtraction takes first: multiplies.
        let muls = instrs
            .iter()
            .filter(|i| matches!(i, Instr::F64Mul { .. }))
            .count();
        assert_eq!(muls, 2, "{code:?}");
        assert!(
            instrs.iter().any(|i| matches!(i, Instr::F64Sub { .. })),
            "{code:?}"
        );
        // Debug code: every operator its own instruction.
        let debug: Vec<Instr> = translated(wat, true).into_iter().map(|(i, _)| i).collect();
        assert_eq!(
            debug
                .iter()
                .filter(|i| matches!(i, Instr::F64Mul { .. }))
                .count(),
            4,
            "{debug:?}"
        );
        assert!(!debug
            .iter()
            .any(|i| matches!(i, Instr::F64MulAdd { .. } | Instr::F64MulSub { .. })));
    }

    /// A loop's `i += c` and the `br_if` on its comparison: one instruction, the sum to
    /// the side of the comparison that reads it, or against a constant; not when the
    /// constant does not fit in 8 bits, nor when the sum goes to another local than the
    /// one read, nor in debug code.
    #[test]
    fn a_counter_and_its_test_are_one_instruction() {
        use super::super::instr::{ADD_TO_B, CMP_LT_U, CMP_NE};
        let wat = r#"(module
          (func (param i32 i32) (result i32) (local i32)
            (loop $l
              (local.set 0 (i32.add (local.get 0) (i32.const 4)))
              (br_if $l (i32.ne (local.get 1) (local.get 0))))
            (loop $m
              (local.set 0 (i32.add (local.get 0) (i32.const -1)))
              (br_if $m (i32.lt_u (local.get 0) (i32.const 700))))
            (loop $n
              (local.set 0 (i32.add (local.get 0) (i32.const 1000)))
              (br_if $n (i32.lt_u (local.get 0) (local.get 1))))
            (loop $o
              (local.set 2 (i32.add (local.get 0) (i32.const 1)))
              (br_if $o (i32.lt_u (local.get 2) (local.get 1))))
            local.get 0))"#;
        let code: Vec<Instr> = translated(wat, false).into_iter().map(|(i, _)| i).collect();
        let fused: Vec<Instr> = code
            .iter()
            .copied()
            .filter(|i| matches!(i, Instr::AddBrIf { .. } | Instr::AddBrIfC { .. }))
            .collect();
        assert!(
            matches!(
                fused[..],
                [
                    Instr::AddBrIf { a: 1, b: 0, add: 4, kind, .. },
                    Instr::AddBrIfC { a: 0, c: 700, add: -1, kind: CMP_LT_U, .. },
                ] if kind == CMP_NE | ADD_TO_B
            ),
            "{code:?}"
        );
        // (The third and fourth loops keep their add.)
        let adds = code
            .iter()
            .filter(|i| matches!(i, Instr::I32AddC { .. }))
            .count();
        assert_eq!(adds, 2, "{code:?}");
        let debug: Vec<Instr> = translated(wat, true).into_iter().map(|(i, _)| i).collect();
        assert!(!debug
            .iter()
            .any(|i| matches!(i, Instr::AddBrIf { .. } | Instr::AddBrIfC { .. })));
    }

    /// A shadow stack's frame, as compilers make one (`global.get $sp; i32.const 16;
    /// i32.sub; local.tee $fp; global.set $sp` and `local.get $fp; i32.const 16;
    /// i32.add; global.set $sp`), is one instruction at each end; a `global.get` added
    /// to without a `global.set` is one; none is fused in debug code.
    #[test]
    fn a_shadow_stack_frame_is_one_instruction_at_each_end() {
        let wat = r#"(module
          (global $sp (mut i32) (i32.const 1024))
          (global $other (mut i32) (i32.const 0))
          (func (result i32) (local $fp i32)
            (global.set $sp (local.tee $fp (i32.sub (global.get $sp) (i32.const 16))))
            (global.set $other (i32.add (global.get $sp) (i32.const 8)))
            (global.set $sp (i32.add (local.get $fp) (i32.const 16)))
            (i32.sub (global.get $other) (i32.const 3))))"#;
        let code: Vec<Instr> = translated(wat, false).into_iter().map(|(i, _)| i).collect();
        let globals: Vec<Instr> = code
            .iter()
            .copied()
            .filter(|i| {
                matches!(
                    i,
                    Instr::GlobalGet { .. }
                        | Instr::GlobalSet { .. }
                        | Instr::GlobalAddC { .. }
                        | Instr::GlobalAddSetC { .. }
                        | Instr::GlobalSetAddC { .. }
                )
            })
            .collect();
        assert!(
            matches!(
                globals[..],
                [
                    Instr::GlobalAddSetC {
                        dst: 0,
                        global: 0,
                        c: 0xffff_fff0
                    },
                    // (Another global's `set`: the add is fused, not the `set`.)
                    Instr::GlobalAddC {
                        global: 0,
                        c: 8,
                        ..
                    },
                    Instr::GlobalSet { global: 1, .. },
                    Instr::GlobalSetAddC {
                        a: 0,
                        global: 0,
                        c: 16
                    },
                    Instr::GlobalAddC {
                        global: 1,
                        c: 0xffff_fffd,
                        ..
                    },
                ]
            ),
            "{code:?}"
        );
        let debug: Vec<Instr> = translated(wat, true).into_iter().map(|(i, _)| i).collect();
        assert!(!debug.iter().any(|i| matches!(
            i,
            Instr::GlobalAddC { .. } | Instr::GlobalAddSetC { .. } | Instr::GlobalSetAddC { .. }
        )));
    }

    /// A fused load's value goes straight to the local a `local.set` (or `tee`) after it
    /// names (at a trap the executor shows the address in its natural slot instead:
    /// `core/tests/variants.rs`, `load_local`).
    #[test]
    fn a_fused_load_writes_the_local_it_is_set_to() {
        let wat = r#"(module (memory 1)
          (func (param i32 i32) (result i64) (local i64)
            local.get 0
            local.get 1
            i32.const 3
            i32.shl
            i32.add
            i64.load
            local.set 2
            local.get 2))"#;
        let code: Vec<Instr> = translated(wat, false).into_iter().map(|(i, _)| i).collect();
        assert!(
            matches!(
                code[..],
                [
                    Instr::I64LoadIdx {
                        dst: 2,
                        a: 0,
                        b: 1,
                        scale: 8
                    },
                    // (The result, a local, returned from its slot: no copy.)
                    Instr::Return { src: 2, arity: 1 },
                ]
            ),
            "{code:?}"
        );
    }

    /// A memory-0 load's or store's instruction carries where the access ends (offset
    /// plus width); an offset too close to 4 GiB for that to fit 32 bits makes the
    /// generic `Wide` instruction.
    #[test]
    fn loads_and_stores_carry_the_end_of_their_access() {
        let wat = r#"(module (memory 1)
          (func (param i32) (result i32)
            (i64.store offset=8 (local.get 0) (i64.const 1))
            (i32.store8 offset=4294967294 (local.get 0) (i32.const 2))
            (drop (i32.load16_s offset=4294967294 (local.get 0)))
            (i32.load offset=4294967291 (local.get 0))))"#;
        let code: Vec<Instr> = translated(wat, false).into_iter().map(|(i, _)| i).collect();
        let access: Vec<(u32, u32)> = code.iter().filter_map(Instr::access_end).collect();
        assert_eq!(access, [(16, 8), (u32::MAX, 1), (u32::MAX, 4)], "{code:?}");
        let wide = code
            .iter()
            .filter(|i| matches!(i, Instr::Wide { .. }))
            .count();
        assert_eq!(wide, 1, "{code:?}");
    }

    /// A function's one result held by a local, or a constant's slot, is returned from
    /// there (its own `end`, when nothing branches to it, and `return`), with no copy
    /// to the result's slot first; a result something branches with is copied (the
    /// branch and the fall-through meet at the result's slot), as is every result in
    /// debug code.
    #[test]
    fn a_result_in_a_local_is_returned_from_its_slot() {
        let code = |wat: &str, debug: bool| -> Vec<Instr> {
            translated(wat, debug).into_iter().map(|(i, _)| i).collect()
        };
        let end = r#"(module (func (param i32 i32) (result i32)
            (local.set 1 (i32.add (local.get 0) (local.get 0)))
            local.get 1))"#;
        let plain = code(end, false);
        assert!(
            matches!(plain.last(), Some(Instr::Return { src: 1, arity: 1 })),
            "{plain:?}"
        );
        assert!(
            !plain.iter().any(|i| matches!(i, Instr::Copy { .. })),
            "{plain:?}"
        );
        let debug = code(end, true);
        assert!(
            debug
                .iter()
                .any(|i| matches!(i, Instr::Copy { src: 1, .. })),
            "{debug:?}"
        );
        let ret = r#"(module (func (param i32) (result i32)
            (if (local.get 0) (then (return (local.get 0))))
            i32.const 7))"#;
        let plain = code(ret, false);
        assert!(
            plain
                .iter()
                .any(|i| matches!(i, Instr::Return { src: 0, arity: 1 })),
            "{plain:?}"
        );
        // A branch to the function's end with its result: both paths meet in the slot.
        let branched = r#"(module (func (param i32) (result i32)
            (br_if 0 (local.get 0) (local.get 0))
            drop
            local.get 0))"#;
        let plain = code(branched, false);
        assert!(
            matches!(plain.last(), Some(Instr::Return { src: 1, arity: 1 })),
            "{plain:?}"
        );
    }
}
