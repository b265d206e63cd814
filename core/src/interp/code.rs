//! The interpreter's code for one compiled module: each function body is translated
//! when it is first needed (its first call, in the default
//! [`CompilationMode`](crate::CompilationMode)s) and kept for the life of the
//! compiled module, so every instance, runtime and thread sharing the module shares it.
//!
//! Translation has one entry point, `ModuleCode::translate` (private), reached through
//! [`ModuleCode::get`] (a function's code, translated if need be: what the executor asks
//! at a call) and [`ModuleCode::translate_all`] (the eager mode). An engine of its own
//! (see the design of the two engines) would keep its code the same way, beside this.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::{Mutex, OnceLock};

use wasmparser::{
    BinaryReader, FuncToValidate, FuncValidatorAllocations, FunctionBody, ValidatorResources,
};

use super::translate::{CompiledFunc, Translator};
use crate::config::CodeOptions;
use crate::error::{Error, ErrorKind, Result};
use crate::module::ModuleInfo;

/// Why a function could not be translated, kept so that every call of it fails alike.
#[derive(Clone, Debug)]
struct Failure {
    offset: u64,
    message: String,
}

/// The translated code of a module's defined functions, each built at most once.
#[derive(Debug)]
pub(crate) struct ModuleCode {
    options: CodeOptions,
    /// The validator's view of the module (types, functions, tables...), from which a
    /// body's validator is made; `None` when the module defines no function.
    resources: Option<ValidatorResources>,
    /// The byte range of every defined function's body (locals and operators) in the
    /// module bytes.
    bodies: Vec<Range<usize>>,
    /// Whether each function (module index space) gets listener hooks.
    listened: Vec<bool>,
    /// By defined-function index: set once translated. The executor reads these on
    /// every call and return, so a slot holds the code itself (no `Result`, no box).
    funcs: Box<[OnceLock<CompiledFunc>]>,
    /// Functions that failed to translate (invalid bodies, when they were not validated
    /// up front). Held while translating, so that each function is translated once.
    failures: Mutex<HashMap<u32, Failure>>,
}

impl ModuleCode {
    /// Code for the bodies at `bodies`, none translated yet.
    pub(crate) fn new(
        options: CodeOptions,
        resources: Option<ValidatorResources>,
        bodies: Vec<Range<usize>>,
    ) -> Self {
        let funcs = bodies.iter().map(|_| OnceLock::new()).collect();
        ModuleCode {
            options,
            resources,
            bodies,
            listened: Vec::new(),
            funcs,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// Gives listener hooks to the functions whose index is `true` in `listened`. Only
    /// before any function is translated (while the module is being compiled).
    pub(crate) fn set_listened(&mut self, listened: Vec<bool>) {
        debug_assert_eq!(self.translated(), 0, "listeners are set before translation");
        self.listened = listened;
    }

    /// How many defined functions have been translated.
    pub(crate) fn translated(&self) -> usize {
        self.funcs.iter().filter(|f| f.get().is_some()).count()
    }

    /// The code of defined function `def`, if it has been translated: the executor's
    /// fast path.
    #[inline(always)]
    pub(crate) fn ready(&self, def: u32) -> Option<&CompiledFunc> {
        self.funcs.get(def as usize)?.get()
    }

    /// The code of defined function `def` of `info` (whose code this is), translated now
    /// if it was not yet. Translations of one module are made one at a time, each once;
    /// threads asking for a function being translated wait for it.
    ///
    /// # Errors
    /// A body that is invalid (only possible when it was not validated up front) or that
    /// the interpreter cannot translate: [`ErrorKind::Compile`], naming the function;
    /// every later call fails alike.
    #[cold]
    #[inline(never)]
    pub(crate) fn get<'a>(&'a self, info: &ModuleInfo, def: u32) -> Result<&'a CompiledFunc> {
        let Some(slot) = self.funcs.get(def as usize) else {
            return Err(Error::usage(format!(
                "no function with defined index {def}"
            )));
        };
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        // Translated by another thread while this one waited for the lock?
        if let Some(code) = slot.get() {
            return Ok(code);
        }
        let failure = match failures.get(&def) {
            Some(failure) => failure.clone(),
            None => {
                let mut translator = Translator::new(self.options);
                let mut allocs = FuncValidatorAllocations::default();
                match self.translate(info, def, &mut translator, &mut allocs) {
                    Ok(code) => return Ok(slot.get_or_init(|| code)),
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
        drop(failures);
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

    /// Translates every function not translated yet ([`crate::CompilationMode::Eager`]).
    ///
    /// # Errors
    /// The first function that cannot be translated, as [`ErrorKind::Compile`].
    pub(crate) fn translate_all(&self, info: &ModuleInfo) -> Result<()> {
        let _translating = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let mut translator = Translator::new(self.options);
        let mut allocs = FuncValidatorAllocations::default();
        for (def, slot) in self.funcs.iter().enumerate() {
            if slot.get().is_none() {
                let code = self.translate(info, def as u32, &mut translator, &mut allocs)?;
                let _ = slot.set(code);
            }
        }
        Ok(())
    }

    /// Validates and translates defined function `def`.
    fn translate(
        &self,
        info: &ModuleInfo,
        def: u32,
        translator: &mut Translator,
        allocs: &mut FuncValidatorAllocations,
    ) -> Result<CompiledFunc> {
        let (Some(resources), Some(range)) = (&self.resources, self.bodies.get(def as usize))
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
        let mut fv = FuncToValidate {
            resources: resources.clone(),
            index,
            ty: info.func_types[index as usize],
            features: crate::module::features(),
        }
        .into_validator(std::mem::take(allocs));
        let listen = self.listened.get(index as usize).copied().unwrap_or(false);
        let code = translator.translate(info, index, &mut fv, &body, listen);
        *allocs = fv.into_allocations();
        code
    }
}
