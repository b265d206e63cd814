//! `Runtime::unknown_imports` and `Runtime::define_unknown_imports`: stubs for the
//! function imports no module provides.

use wasmscope::{ModuleConfig, Runtime, UnknownImports};

const GUEST: &str = r#"(module
  (import "host" "known" (func $known (result i32)))
  (import "env" "a" (func $a (param i32) (result i64 f64)))
  (import "other" "v" (func $v (result v128)))
  (import "env" "a" (func $a_again (param i32) (result i64 f64)))
  (func (export "known") (result i32) (call $known))
  (func (export "a") (result i64 f64) (call $a (i32.const 3)))
  (func (export "v") (result v128) (call $v)))"#;

fn runtime_with_host() -> Runtime {
    let rt = Runtime::new();
    rt.new_host_module_builder("host")
        .new_function_builder()
        .with_func(|| 5i32)
        .export("known")
        .instantiate()
        .unwrap();
    rt
}

#[test]
fn only_imports_of_missing_modules_are_unknown() {
    let rt = runtime_with_host();
    let compiled = rt.compile_module(&wat::parse_str(GUEST).unwrap()).unwrap();
    let unknown: Vec<_> = rt
        .unknown_imports(&compiled)
        .iter()
        .map(|f| f.import().map(|(m, n)| format!("{m}.{n}")).unwrap())
        .collect();
    assert_eq!(unknown, ["env.a", "other.v", "env.a"]);
    let err = rt
        .instantiate_module(&compiled, ModuleConfig::new())
        .unwrap_err();
    assert!(err.to_string().contains("env"), "{err}");
}

#[test]
fn default_stubs_return_zeros_of_every_type() {
    let rt = runtime_with_host();
    let compiled = rt.compile_module(&wat::parse_str(GUEST).unwrap()).unwrap();
    let stubbed = rt
        .define_unknown_imports(&compiled, UnknownImports::Default)
        .unwrap();
    assert_eq!(stubbed.len(), 3);
    let m = rt
        .instantiate_module(&compiled, ModuleConfig::new())
        .unwrap();
    let call = |name: &str| m.exported_function(name).unwrap().call(&[]).unwrap();
    assert_eq!(call("known"), [5], "the real host function stays");
    assert_eq!(call("a"), [0, 0]);
    assert_eq!(call("v"), [0, 0], "a v128 is two slots");
    // The stub modules are ordinary modules of the runtime.
    assert!(rt.module("env").is_some() && rt.module("other").is_some());
    assert!(rt.unknown_imports(&compiled).is_empty());
}

#[test]
fn trap_stubs_name_the_import_in_the_error() {
    let rt = runtime_with_host();
    let compiled = rt.compile_module(&wat::parse_str(GUEST).unwrap()).unwrap();
    rt.define_unknown_imports(&compiled, UnknownImports::Trap)
        .unwrap();
    let m = rt
        .instantiate_module(&compiled, ModuleConfig::new())
        .unwrap();
    let err = m.exported_function("v").unwrap().call(&[]).unwrap_err();
    assert!(
        err.to_string()
            .contains(&UnknownImports::trap_message("other", "v")),
        "{err}"
    );
    assert!(err.trap_code().is_some(), "a trap: {err:?}");
}

#[test]
fn one_name_imported_with_two_signatures_cannot_be_stubbed() {
    let rt = Runtime::new();
    let wasm = wat::parse_str(
        r#"(module (import "env" "f" (func (param i32))) (import "env" "f" (func (param i64))))"#,
    )
    .unwrap();
    let compiled = rt.compile_module(&wasm).unwrap();
    let err = rt
        .define_unknown_imports(&compiled, UnknownImports::Trap)
        .unwrap_err();
    assert!(err.to_string().contains("two signatures"), "{err}");
}
