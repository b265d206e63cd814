//! Stubs for imports nobody provides: run a module whose unknown imports are never
//! called (wasmtime's `-W unknown-imports-trap=y` and `unknown-imports-default=y`).
//!
//! A module built for a browser or another embedder often imports functions from a
//! module name this runtime has no module for (`env`, `rb-js-abi-host`, ...) while the
//! code a command line runs never calls them. [`Runtime::define_unknown_imports`]
//! instantiates, for each such module name, a host module of stubs with the imported
//! signatures: each traps with a message naming the import, or returns zeros.
//!
//! Built on the public API only (compiled modules' import definitions and host module
//! builders).

use std::collections::BTreeMap;

use crate::compiled::CompiledModule;
use crate::error::{Error, Result};
use crate::runtime::Runtime;
use crate::types::FunctionDefinition;

/// What a stub for an unknown import does when it is called.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum UnknownImports {
    /// Trap with a message naming the import (wasmtime's `unknown-imports-trap`); the
    /// default.
    #[default]
    Trap,
    /// Return zero for every result (wasmtime's `unknown-imports-default`).
    Default,
}

impl UnknownImports {
    /// The trap message of a trapping stub for `module.name`.
    pub fn trap_message(module: &str, name: &str) -> String {
        format!("unknown import {module}.{name} was called (it is stubbed to trap)")
    }
}

impl Runtime {
    /// The function imports of `compiled` whose module name no module of this runtime
    /// has (in import order): the ones [`Runtime::define_unknown_imports`] would stub.
    ///
    /// Imports from a module that exists but lacks the name are not listed: they stay a
    /// link error, as do unknown memory, table and global imports (nothing sensible can
    /// stand in for them).
    pub fn unknown_imports(&self, compiled: &CompiledModule) -> Vec<FunctionDefinition> {
        compiled
            .imported_functions()
            .into_iter()
            .filter(|f| {
                f.import()
                    .is_some_and(|(module, _)| self.module(module).is_none())
            })
            .collect()
    }

    /// Instantiates one host module per unknown module name of `compiled` (see
    /// [`Runtime::unknown_imports`]) with a stub for each imported function, so that
    /// `compiled` links; returns the stubbed imports. Stubs are ordinary host functions:
    /// listeners, traces and the logging listener see them under the import's names.
    ///
    /// ```
    /// use wasmscope::{Runtime, UnknownImports};
    /// # fn main() -> wasmscope::Result<()> {
    /// let rt = Runtime::new();
    /// let wasm = wat::parse_str(r#"(module
    ///     (import "env" "never" (func $never (param i32) (result i64)))
    ///     (func (export "answer") (result i32) (i32.const 42))
    ///     (func (export "oops") (result i64) (call $never (i32.const 1))))"#).unwrap();
    /// let compiled = rt.compile_module(&wasm)?;
    /// assert!(rt.instantiate_module(&compiled, Default::default()).is_err());
    /// let stubbed = rt.define_unknown_imports(&compiled, UnknownImports::Trap)?;
    /// assert_eq!(stubbed[0].import(), Some(("env", "never")));
    /// let module = rt.instantiate_module(&compiled, Default::default())?;
    /// assert_eq!(module.exported_function("answer").unwrap().call(&[])?, [42]);
    /// let err = module.exported_function("oops").unwrap().call(&[]).unwrap_err();
    /// assert!(err.to_string().contains("unknown import env.never was called"));
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// The runtime is closed; one import name is imported twice with different
    /// signatures (a host module cannot export both).
    pub fn define_unknown_imports(
        &self,
        compiled: &CompiledModule,
        mode: UnknownImports,
    ) -> Result<Vec<FunctionDefinition>> {
        let unknown = self.unknown_imports(compiled);
        let mut by_module: BTreeMap<&str, Vec<&FunctionDefinition>> = BTreeMap::new();
        for f in &unknown {
            if let Some((module, _)) = f.import() {
                by_module.entry(module).or_default().push(f);
            }
        }
        for (module, funcs) in by_module {
            let mut builder = self.new_host_module_builder(module);
            let mut done: Vec<(&str, &FunctionDefinition)> = Vec::new();
            for f in funcs {
                let Some((_, name)) = f.import() else {
                    continue;
                };
                if let Some((_, first)) = done.iter().find(|(n, _)| *n == name) {
                    if first.func_type() != f.func_type() {
                        return Err(Error::new(format!(
                            "import[{module}.{name}] is imported with two signatures \
                             ({} and {}); it cannot be stubbed",
                            first.func_type(),
                            f.func_type()
                        )));
                    }
                    continue;
                }
                done.push((name, f));
                let results = f.func_type().result_slots();
                let message = UnknownImports::trap_message(module, name);
                builder = builder
                    .new_function_builder()
                    .with_raw_func(
                        f.param_types(),
                        f.result_types(),
                        move |_, stack| match mode {
                            UnknownImports::Trap => Err(Error::new(message.clone())),
                            UnknownImports::Default => {
                                stack[..results].fill(0);
                                Ok(())
                            }
                        },
                    )
                    .export(name);
            }
            builder.instantiate()?;
        }
        Ok(unknown)
    }
}
