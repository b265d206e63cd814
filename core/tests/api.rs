//! Integration tests of the public API (`docs/design/runtime-api.md`, the contract):
//! life cycle, values, linking, instantiation errors, traps and their traces, memories,
//! globals, closing, and thread safety.

use std::sync::Arc;

use wasmscope::{
    CompiledModule, Error, ErrorKind, Function, Global, Memory, Module, ModuleConfig, Runtime,
    RuntimeConfig, TableElement, TrapCode, TypedFunction, ValueType,
};

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

fn runtime() -> Runtime {
    Runtime::with_config(RuntimeConfig::interpreter())
}

fn wasm(src: &str) -> Vec<u8> {
    wat::parse_str(src).expect("valid wat")
}

fn compile(rt: &Runtime, src: &str) -> CompiledModule {
    rt.compile_module(&wasm(src)).expect("compiles")
}

fn instantiate(rt: &Runtime, src: &str, name: &str) -> Module {
    let compiled = compile(rt, src);
    rt.instantiate_module(&compiled, ModuleConfig::new().with_name(name))
        .expect("instantiates")
}

fn func(module: &Module, name: &str) -> Function {
    module
        .exported_function(name)
        .unwrap_or_else(|| panic!("export {name}"))
}

fn call(module: &Module, name: &str, params: &[u64]) -> Result<Vec<u64>, Error> {
    func(module, name).call(params)
}

#[track_caller]
fn expect_err<T>(r: Result<T, Error>) -> Error {
    match r {
        Ok(_) => panic!("expected an error, got Ok"),
        Err(e) => e,
    }
}

fn is_link(e: &Error) -> bool {
    matches!(e.kind(), ErrorKind::Link(_))
}

fn is_usage(e: &Error) -> bool {
    matches!(e.kind(), ErrorKind::Usage(_))
}

fn is_instantiate(e: &Error) -> bool {
    matches!(e.kind(), ErrorKind::Instantiate(_))
}

// ---------------------------------------------------------------------------------------
// Send + Sync, checked at compile time
// ---------------------------------------------------------------------------------------

const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Runtime>();
    assert_send_sync::<CompiledModule>();
    assert_send_sync::<Module>();
    assert_send_sync::<Function>();
    assert_send_sync::<Memory>();
    assert_send_sync::<Global>();
    assert_send_sync::<Error>();
    assert_send_sync::<TypedFunction<(i32, i32), i32>>();
};

// ---------------------------------------------------------------------------------------
// Call path
// ---------------------------------------------------------------------------------------

const ADD: &str = r#"(module $app
    (func $add (export "add") (export "plus") (param $x i32) (param $y i32) (result i32)
        local.get $x local.get $y i32.add)
    (func (export "anon") (param i64) (result i64) local.get 0)
    (func $mix (export "mix") (param i32 i64) (result i64 i32 f32)
        local.get 1 local.get 0 f32.const 0.5))"#;

#[test]
fn call_path_compile_instantiate_call() {
    let rt = runtime();
    let compiled = rt.compile_module(&wasm(ADD)).unwrap();
    assert_eq!(compiled.name(), Some("app"));
    let module = rt
        .instantiate_module(&compiled, ModuleConfig::new().with_name("calc"))
        .unwrap();
    assert_eq!(module.name(), "calc");
    assert!(!module.is_closed());

    let add = func(&module, "add");
    assert_eq!(add.call(&[1, 2]).unwrap(), vec![3]);
    assert_eq!(add.call(&[0xffff_ffff, 2]).unwrap(), vec![1], "i32 wraps");
    // The same function under its second export name.
    assert_eq!(call(&module, "plus", &[40, 2]).unwrap(), vec![42]);
    assert!(module.exported_function("missing").is_none());
    assert!(module.exported_memory("add").is_none(), "kind matters");
}

#[test]
fn call_with_wrong_param_count_is_a_usage_error() {
    let rt = runtime();
    let module = instantiate(&rt, ADD, "app");
    let e = expect_err(func(&module, "add").call(&[1]));
    assert!(is_usage(&e), "{e:?}");
    assert_eq!(e.to_string(), "expected 2 params, but passed 1");
    let e = expect_err(func(&module, "add").call(&[1, 2, 3]));
    assert!(is_usage(&e), "{e:?}");
}

#[test]
fn call_with_stack_writes_results_to_the_front() {
    let rt = runtime();
    let module = instantiate(&rt, ADD, "app");
    let mut stack = [20u64, 22];
    func(&module, "add").call_with_stack(&mut stack).unwrap();
    assert_eq!(stack[0], 42);

    // More results than params: the stack must hold the results.
    let mut stack = [7u64, 0x1_0000_0000, 0xdead];
    func(&module, "mix").call_with_stack(&mut stack).unwrap();
    assert_eq!(stack, [0x1_0000_0000, 7, 0.5f32.to_bits() as u64]);

    // Too short for the three results.
    let mut short = [7u64, 8];
    let e = expect_err(func(&module, "mix").call_with_stack(&mut short));
    assert!(is_usage(&e), "{e:?}");
    assert_eq!(short, [7, 8], "nothing written on error");
}

#[test]
fn typed_function_success_and_mismatch() {
    let rt = runtime();
    let module = instantiate(&rt, ADD, "app");
    let add = module.typed_function::<(i32, i32), i32>("add").unwrap();
    assert_eq!(add.call((40, 2)).unwrap(), 42);
    assert_eq!(add.call((-5, 2)).unwrap(), -3);
    assert_eq!(add.function().definition().debug_name(), "app.add");
    let add_u = module.typed_function::<(u32, u32), u32>("add").unwrap();
    assert_eq!(add_u.call((u32::MAX, 1)).unwrap(), 0);

    let anon = module.typed_function::<i64, i64>("anon").unwrap();
    assert_eq!(anon.call(-9).unwrap(), -9);

    let mix = module
        .typed_function::<(i32, i64), (i64, i32, f32)>("mix")
        .unwrap();
    assert_eq!(mix.call((-1, i64::MIN)).unwrap(), (i64::MIN, -1, 0.5));

    // Wrong params.
    let e = expect_err(module.typed_function::<(i64, i32), i32>("add"));
    assert!(is_usage(&e), "{e:?}");
    assert!(e.to_string().contains("(i32,i32) i32"), "{e}");
    // Wrong results.
    let e = expect_err(module.typed_function::<(i32, i32), ()>("add"));
    assert!(is_usage(&e), "{e:?}");
    let e = expect_err(module.typed_function::<(i32, i32), (i32, i32)>("add"));
    assert!(is_usage(&e), "{e:?}");
    // Not exported.
    let e = expect_err(module.typed_function::<(), ()>("nope"));
    assert!(is_usage(&e), "{e:?}");
    assert!(e.to_string().contains("nope"), "{e}");
}

#[test]
fn runtime_module_lookup() {
    let rt = runtime();
    let module = instantiate(&rt, ADD, "app");
    let found = rt.module("app").expect("registered");
    assert_eq!(found.name(), "app");
    assert_eq!(call(&found, "add", &[3, 4]).unwrap(), vec![7]);
    assert!(rt.module("").is_none());
    assert!(rt.module("nope").is_none());
    // Anonymous instances are not registered under "".
    let _anon = instantiate(&rt, ADD, "");
    assert!(rt.module("").is_none());
    drop(module);
    assert!(rt.module("app").is_some(), "the runtime owns its modules");
}

#[test]
fn default_name_comes_from_the_name_section() {
    let rt = runtime();
    let module = rt.instantiate(&wasm(ADD)).unwrap();
    assert_eq!(module.name(), "app");
    assert!(rt.module("app").is_some());
    // A module without a name section is anonymous by default.
    let anon = rt
        .instantiate(&wasm(r#"(module (func (export "f")))"#))
        .unwrap();
    assert_eq!(anon.name(), "");
}

#[test]
fn function_definitions() {
    let rt = runtime();
    let compiled = compile(&rt, ADD);
    let defs = compiled.exported_functions();
    // Export-section order: add, plus, anon, mix.
    let names: Vec<String> = defs.iter().map(|d| d.debug_name()).collect();
    assert_eq!(names, ["app.add", "app.add", "app.$1", "app.mix"]);
    assert!(compiled.imported_functions().is_empty());

    let add = &defs[0];
    assert_eq!(add.module_name(), "app");
    assert_eq!(add.index(), 0);
    assert_eq!(add.name(), Some("add"));
    assert_eq!(add.import(), None);
    assert_eq!(add.export_names(), ["add", "plus"]);
    assert_eq!(add.param_types(), [ValueType::I32, ValueType::I32]);
    assert_eq!(add.result_types(), [ValueType::I32]);
    assert_eq!(add.func_type().to_string(), "(i32,i32) i32");
    let pnames: Vec<Option<&str>> = add.param_names().iter().map(|n| n.as_deref()).collect();
    assert_eq!(pnames, [Some("x"), Some("y")]);

    let anon = &defs[2];
    assert_eq!(anon.index(), 1);
    assert_eq!(anon.name(), None);
    assert_eq!(anon.func_type().to_string(), "(i64) i64");
    assert_eq!(defs[3].func_type().to_string(), "(i32,i64) (i64,i32,f32)");

    // Instance definitions use the instance name.
    let module = rt
        .instantiate_module(&compiled, ModuleConfig::new().with_name("calc"))
        .unwrap();
    let add = func(&module, "add");
    assert_eq!(add.definition().debug_name(), "calc.add");
    assert_eq!(add.definition().module_name(), "calc");
    assert_eq!(func(&module, "anon").definition().debug_name(), "calc.$1");
    let all = module.exported_function_definitions();
    let mut keys: Vec<&str> = all.keys().map(|k| k.as_str()).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["add", "anon", "mix", "plus"]);
    assert_eq!(all["mix"].debug_name(), "calc.mix");
    assert_eq!(all["plus"].index(), 0);
}

#[test]
fn definitions_of_an_unnamed_module_and_of_imports() {
    let rt = runtime();
    let compiled = compile(
        &rt,
        r#"(module
            (import "env" "log" (func $log (param i32)))
            (import "env" "mem" (memory 1))
            (import "env" "get" (func (result i64)))
            (func (export "f") (param f32) (result f64) f64.const 0))"#,
    );
    assert_eq!(compiled.name(), None);
    let imports = compiled.imported_functions();
    assert_eq!(imports.len(), 2);
    assert_eq!(imports[0].import(), Some(("env", "log")));
    assert_eq!(imports[0].index(), 0);
    assert_eq!(imports[0].debug_name(), ".log");
    assert_eq!(imports[0].func_type().to_string(), "(i32)");
    assert_eq!(imports[1].import(), Some(("env", "get")));
    assert_eq!(imports[1].index(), 1);
    assert_eq!(imports[1].debug_name(), ".$1");
    assert_eq!(imports[1].func_type().to_string(), "() i64");
    let exports = compiled.exported_functions();
    assert_eq!(exports.len(), 1);
    assert_eq!(exports[0].index(), 2);
    assert_eq!(exports[0].debug_name(), ".$2");
    assert_eq!(exports[0].import(), None);
    assert_eq!(exports[0].func_type().to_string(), "(f32) f64");
}

#[test]
fn compile_error_is_a_compile_kind_with_offset() {
    let rt = runtime();
    let e = expect_err(rt.compile_module(b"\0asm\x01\0\0\0\x01"));
    assert!(matches!(e.kind(), ErrorKind::Compile { .. }), "{e:?}");
    assert!(e.to_string().starts_with("invalid module: "), "{e}");
    let e = expect_err(rt.compile_module(b"not wasm"));
    assert!(
        matches!(e.kind(), ErrorKind::Compile { offset: 0, .. }),
        "{e:?}"
    );
}

// ---------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------

const VALUES: &str = r#"(module
    (func (export "i32_neg1") (result i32) i32.const -1)
    (func (export "i32_min") (result i32) i32.const 0x80000000)
    (func (export "i64_neg1") (result i64) i64.const -1)
    (func (export "f32") (result f32) f32.const 1.5)
    (func (export "f32_neg_nan") (result f32) f32.const -nan:0x200000)
    (func (export "f64") (result f64) f64.const -2.25)
    (func (export "f64_add") (param f64 f64) (result f64) local.get 0 local.get 1 f64.add)
    (func (export "f32_mul") (param f32 f32) (result f32) local.get 0 local.get 1 f32.mul)
    (func (export "extend") (param i32) (result i64) local.get 0 i64.extend_i32_s)
    (func (export "swap") (param i32 i32) (result i32 i32) local.get 1 local.get 0)
    (func (export "multi") (result i32 i64 f32 f64)
        i32.const -2 i64.const -3 f32.const -0.0 f64.const 1e300)
    (func (export "none")))"#;

#[test]
fn i32_results_are_zero_extended() {
    let rt = runtime();
    let m = instantiate(&rt, VALUES, "values");
    assert_eq!(call(&m, "i32_neg1", &[]).unwrap(), vec![0xffff_ffff]);
    assert_eq!(call(&m, "i32_min", &[]).unwrap(), vec![0x8000_0000]);
    assert_eq!(call(&m, "i64_neg1", &[]).unwrap(), vec![u64::MAX]);
    // An i32 parameter given as its zero-extended bits.
    assert_eq!(
        call(&m, "extend", &[0xffff_fffe]).unwrap(),
        vec![(-2i64) as u64]
    );
    assert_eq!(call(&m, "none", &[]).unwrap(), Vec::<u64>::new());
}

#[test]
fn float_values_travel_as_bits() {
    let rt = runtime();
    let m = instantiate(&rt, VALUES, "values");
    assert_eq!(call(&m, "f32", &[]).unwrap(), vec![1.5f32.to_bits() as u64]);
    assert_eq!(call(&m, "f64", &[]).unwrap(), vec![(-2.25f64).to_bits()]);
    // NaN payload and sign preserved through a const.
    assert_eq!(call(&m, "f32_neg_nan", &[]).unwrap(), vec![0xffa0_0000]);
    assert_eq!(
        call(&m, "f64_add", &[0.1f64.to_bits(), 0.2f64.to_bits()]).unwrap(),
        vec![(0.1f64 + 0.2).to_bits()]
    );
    assert_eq!(
        call(
            &m,
            "f32_mul",
            &[3.0f32.to_bits() as u64, (-0.5f32).to_bits() as u64]
        )
        .unwrap(),
        vec![(-1.5f32).to_bits() as u64]
    );
    let f = m.typed_function::<(f64, f64), f64>("f64_add").unwrap();
    assert_eq!(f.call((1.25, 2.5)).unwrap(), 3.75);
}

#[test]
fn multi_value_results() {
    let rt = runtime();
    let m = instantiate(&rt, VALUES, "values");
    assert_eq!(call(&m, "swap", &[1, 2]).unwrap(), vec![2, 1]);
    assert_eq!(
        call(&m, "multi", &[]).unwrap(),
        vec![
            0xffff_fffe,
            (-3i64) as u64,
            (-0.0f32).to_bits() as u64,
            1e300f64.to_bits()
        ]
    );
    let multi = m
        .typed_function::<(), (i32, i64, f32, f64)>("multi")
        .unwrap();
    let (a, b, c, d) = multi.call(()).unwrap();
    assert_eq!((a, b, d), (-2, -3, 1e300));
    assert!(c == 0.0 && c.is_sign_negative());
}

// ---------------------------------------------------------------------------------------
// Linking
// ---------------------------------------------------------------------------------------

const PROVIDER: &str = r#"(module $provider
    (memory (export "mem") 1 2)
    (global (export "counter") (mut i32) (i32.const 7))
    (global (export "base") i64 (i64.const 9))
    (table (export "tab") 2 funcref)
    (elem (i32.const 0) $double)
    (func $double (export "double") (param i32) (result i32) local.get 0 i32.const 2 i32.mul)
    (func $boom (export "boom") (param i32) unreachable))"#;

const CONSUMER: &str = r#"(module $consumer
    (import "a" "double" (func $double (param i32) (result i32)))
    (import "a" "boom" (func $boom (param i32)))
    (import "a" "mem" (memory 1))
    (import "a" "counter" (global $counter (mut i32)))
    (import "a" "base" (global $base i64))
    (import "a" "tab" (table 2 funcref))
    (type $t (func (param i32) (result i32)))
    (func (export "quad") (param i32) (result i32) local.get 0 call $double call $double)
    (func (export "store") (param i32 i32) local.get 0 local.get 1 i32.store)
    (func (export "bump") (result i32)
        global.get $counter i32.const 1 i32.add global.set $counter global.get $counter)
    (func (export "base") (result i64) global.get $base)
    (func (export "via_table") (param i32) (result i32) local.get 0 i32.const 0 call_indirect (type $t))
    (func $relay (export "relay") i32.const 1 call $boom))"#;

#[test]
fn linking_functions_memory_globals_tables_by_module_name() {
    let rt = runtime();
    let a = instantiate(&rt, PROVIDER, "a");
    let b = instantiate(&rt, CONSUMER, "b");

    assert_eq!(call(&b, "quad", &[3]).unwrap(), vec![12]);
    assert_eq!(call(&b, "via_table", &[21]).unwrap(), vec![42]);

    // Shared memory.
    call(&b, "store", &[16, 0xcafe_babe]).unwrap();
    let mem = a.exported_memory("mem").unwrap();
    assert_eq!(mem.read_u32_le(16), Some(0xcafe_babe));
    assert_eq!(b.memory().unwrap().read_u32_le(16), Some(0xcafe_babe));
    assert!(b.memory().unwrap().write_u32_le(20, 5));
    assert_eq!(mem.read_u32_le(20), Some(5));

    // Shared global.
    let counter = a.exported_global("counter").unwrap();
    assert_eq!(call(&b, "bump", &[]).unwrap(), vec![8]);
    assert_eq!(counter.get(), 8);
    counter.set(100).unwrap();
    assert_eq!(call(&b, "bump", &[]).unwrap(), vec![101]);
    assert_eq!(call(&b, "base", &[]).unwrap(), vec![9]);

    // The consumer's imported function definitions.
    let compiled = compile(&rt, CONSUMER);
    let imports = compiled.imported_functions();
    assert_eq!(imports.len(), 2);
    assert_eq!(imports[0].import(), Some(("a", "double")));
    assert_eq!(imports[0].debug_name(), "consumer.double");
    assert_eq!(imports[1].import(), Some(("a", "boom")));
}

#[test]
fn trap_in_an_imported_function_has_frames_of_both_modules() {
    let rt = runtime();
    instantiate(&rt, PROVIDER, "a");
    let b = instantiate(&rt, CONSUMER, "b");
    let e = expect_err(call(&b, "relay", &[]));
    assert_eq!(e.trap_code(), Some(TrapCode::Unreachable));
    let frames: Vec<&str> = e.trace().iter().map(|f| f.signature.as_str()).collect();
    assert_eq!(frames, ["a.boom(i32)", "b.relay()"]);
    assert_eq!(
        e.to_string(),
        "wasm error: unreachable\nwasm stack trace:\n\ta.boom(i32)\n\tb.relay()"
    );
}

#[test]
fn missing_import_module_is_a_link_error() {
    let rt = runtime();
    let compiled = compile(&rt, CONSUMER);
    let e = expect_err(rt.instantiate_module(&compiled, ModuleConfig::new().with_name("b")));
    assert!(is_link(&e), "{e:?}");
    assert!(e.to_string().contains("a.double"), "{e}");
    assert!(e.to_string().contains("module[a] not instantiated"), "{e}");
    assert!(
        rt.module("b").is_none(),
        "a failed instance is not registered"
    );
}

#[test]
fn missing_import_name_is_a_link_error() {
    let rt = runtime();
    instantiate(&rt, PROVIDER, "a");
    let e = expect_err(rt.instantiate(&wasm(r#"(module (import "a" "nope" (func)))"#)));
    assert!(is_link(&e), "{e:?}");
    assert!(e.to_string().contains("a.nope"), "{e}");
    assert!(
        e.to_string()
            .contains("\"nope\" is not exported in module[a]"),
        "{e}"
    );
}

#[test]
fn function_signature_mismatch_is_a_link_error_naming_both_types() {
    let rt = runtime();
    instantiate(&rt, PROVIDER, "a");
    let e = expect_err(rt.instantiate(&wasm(
        r#"(module (import "a" "double" (func (param i64))))"#,
    )));
    assert!(is_link(&e), "{e:?}");
    let msg = e.to_string();
    assert!(msg.contains("a.double"), "{msg}");
    assert!(msg.contains("(i32) i32"), "{msg}");
    assert!(msg.contains("(i64)"), "{msg}");
    assert_eq!(
        msg,
        "import[a.double]: signature mismatch: (i64) != (i32) i32"
    );
}

#[test]
fn import_kind_and_type_mismatches_are_link_errors() {
    let rt = runtime();
    instantiate(&rt, PROVIDER, "a");
    let cases = [
        // A function imported as a memory.
        r#"(module (import "a" "double" (memory 1)))"#,
        // Mutability differs.
        r#"(module (import "a" "counter" (global i32)))"#,
        // Value type differs.
        r#"(module (import "a" "base" (global i32)))"#,
        // Memory larger than the export.
        r#"(module (import "a" "mem" (memory 2)))"#,
        // Memory maximum smaller than the export's.
        r#"(module (import "a" "mem" (memory 1 1)))"#,
        // Table larger than the export.
        r#"(module (import "a" "tab" (table 3 funcref)))"#,
        // Table with a maximum, the export has none.
        r#"(module (import "a" "tab" (table 2 10 funcref)))"#,
    ];
    for src in cases {
        let e = expect_err(rt.instantiate(&wasm(src)));
        assert!(is_link(&e), "{src}: {e:?}");
    }
    // Compatible limits link.
    rt.instantiate(&wasm(r#"(module (import "a" "mem" (memory 1 2)))"#))
        .unwrap();
    rt.instantiate(&wasm(r#"(module (import "a" "mem" (memory 0 3)))"#))
        .unwrap();
}

#[test]
fn memory_without_maximum_does_not_match_an_import_with_a_maximum() {
    // Spec import matching: an import declaring a maximum needs an export that declares
    // one too (no maximum is "unbounded"), whatever the runtime's page limit is.
    let rt = runtime();
    instantiate(&rt, r#"(module (memory (export "mem") 1))"#, "nomax");
    let e =
        expect_err(rt.instantiate(&wasm(r#"(module (import "nomax" "mem" (memory 1 65536)))"#)));
    assert!(is_link(&e), "{e:?}");

    let rt = Runtime::with_config(RuntimeConfig::interpreter().with_memory_limit_pages(8));
    instantiate(&rt, r#"(module (memory (export "mem") 1))"#, "nomax");
    let e = expect_err(rt.instantiate(&wasm(r#"(module (import "nomax" "mem" (memory 1 8)))"#)));
    assert!(is_link(&e), "{e:?}");
}

#[test]
fn register_alias_makes_a_module_importable_under_another_name() {
    let rt = runtime();
    let provider = instantiate(&rt, PROVIDER, "provider");
    // CONSUMER imports from "a", which does not exist yet.
    let compiled = compile(&rt, CONSUMER);
    let e = expect_err(rt.instantiate_module(&compiled, ModuleConfig::new().with_name("b")));
    assert!(is_link(&e), "{e:?}");

    rt.register_alias(&provider, "a").unwrap();
    let b = rt
        .instantiate_module(&compiled, ModuleConfig::new().with_name("b"))
        .unwrap();
    assert_eq!(call(&b, "quad", &[5]).unwrap(), vec![20]);
    let via_alias = rt.module("a").unwrap();
    assert_eq!(via_alias.name(), "provider");
    assert!(rt.module("provider").is_some());

    // Aliasing the same module again is fine; taking another module's name is not.
    rt.register_alias(&provider, "a").unwrap();
    let e = expect_err(rt.register_alias(&b, "a"));
    assert!(e.to_string().contains("module[a]"), "{e}");
    let e = expect_err(rt.register_alias(&b, "provider"));
    assert!(e.to_string().contains("module[provider]"), "{e}");

    // Closing frees every name of the module.
    provider.close().unwrap();
    assert!(rt.module("a").is_none());
    assert!(rt.module("provider").is_none());
}

// ---------------------------------------------------------------------------------------
// Instantiation
// ---------------------------------------------------------------------------------------

#[test]
fn a_name_in_use_is_an_error() {
    let rt = runtime();
    let compiled = compile(&rt, ADD);
    let first = rt
        .instantiate_module(&compiled, ModuleConfig::new().with_name("x"))
        .unwrap();
    let e = expect_err(rt.instantiate_module(&compiled, ModuleConfig::new().with_name("x")));
    assert!(is_instantiate(&e), "{e:?}");
    assert_eq!(e.to_string(), "module[x] has already been instantiated");
    // The first one is untouched.
    assert_eq!(call(&first, "add", &[1, 1]).unwrap(), vec![2]);
    assert_eq!(
        call(&rt.module("x").unwrap(), "add", &[2, 2]).unwrap(),
        vec![4]
    );
    // The name-section name "app" is used by default, twice is an error too.
    rt.instantiate_module(&compiled, ModuleConfig::new())
        .unwrap();
    let e = expect_err(rt.instantiate_module(&compiled, ModuleConfig::new()));
    assert_eq!(e.to_string(), "module[app] has already been instantiated");
}

#[test]
fn anonymous_modules_can_be_instantiated_many_times() {
    let rt = runtime();
    let src = r#"(module $counter
        (global $g (mut i32) (i32.const 0))
        (func (export "next") (result i32)
            global.get $g i32.const 1 i32.add global.set $g global.get $g))"#;
    let compiled = compile(&rt, src);
    let mods: Vec<Module> = (0..3)
        .map(|_| {
            rt.instantiate_module(&compiled, ModuleConfig::new().with_name(""))
                .unwrap()
        })
        .collect();
    for m in &mods {
        assert_eq!(m.name(), "");
    }
    // Each has its own state.
    assert_eq!(call(&mods[0], "next", &[]).unwrap(), vec![1]);
    assert_eq!(call(&mods[0], "next", &[]).unwrap(), vec![2]);
    assert_eq!(call(&mods[1], "next", &[]).unwrap(), vec![1]);
    assert_eq!(call(&mods[2], "next", &[]).unwrap(), vec![1]);
    assert!(rt.module("counter").is_none());
    // The name-section name is still free.
    rt.instantiate_module(&compiled, ModuleConfig::new())
        .unwrap();
    assert!(rt.module("counter").is_some());
}

#[test]
fn start_section_trap_is_wrapped() {
    let rt = runtime();
    let compiled = compile(
        &rt,
        r#"(module (func $boom unreachable) (start $boom) (func (export "f")))"#,
    );
    let e = expect_err(rt.instantiate_module(&compiled, ModuleConfig::new().with_name("app")));
    assert!(e.to_string().starts_with("module["), "{e}");
    assert_eq!(
        e.to_string(),
        "module[app] function[boom] failed: wasm error: unreachable\nwasm stack trace:\n\tapp.boom()"
    );
    assert!(
        matches!(e.kind(), ErrorKind::StartFailed { module, function, .. } if module == "app" && function == "boom"),
        "{e:?}"
    );
    assert_eq!(e.trap_code(), Some(TrapCode::Unreachable));
    assert_eq!(e.exit_code(), None);
    assert_eq!(e.trace().len(), 1);
    // The failed module does not keep its name.
    assert!(rt.module("app").is_none());
    rt.instantiate_module(
        &compiled,
        ModuleConfig::new()
            .with_name("app")
            .with_start_functions(&[]),
    )
    .expect_err("the start section always runs");
    instantiate(&rt, ADD, "app");
}

#[test]
fn start_section_without_a_name_uses_the_index() {
    let rt = runtime();
    let compiled = rt
        .compile_module(&wasm(
            r#"(module (func nop) (func i32.const 0 i32.const 0 i32.div_u drop) (start 1))"#,
        ))
        .unwrap();
    let e = expect_err(rt.instantiate_module(&compiled, ModuleConfig::new().with_name("m")));
    assert!(
        e.to_string()
            .starts_with("module[m] function[$1] failed: wasm error: integer divide by zero"),
        "{e}"
    );
    assert_eq!(e.trap_code(), Some(TrapCode::IntegerDivideByZero));
}

const STARTS: &str = r#"(module
    (global $g (export "g") (mut i32) (i32.const 0))
    (func (export "init") global.get $g i32.const 10 i32.add global.set $g)
    (func (export "_start") global.get $g i32.const 100 i32.add global.set $g)
    (func (export "fail") unreachable))"#;

#[test]
fn start_functions() {
    let rt = runtime();
    let compiled = compile(&rt, STARTS);
    // Default: `_start`.
    let m = rt
        .instantiate_module(&compiled, ModuleConfig::new().with_name("a"))
        .unwrap();
    assert_eq!(m.exported_global("g").unwrap().get(), 100);
    // Configured, in order, missing ones skipped.
    let m = rt
        .instantiate_module(
            &compiled,
            ModuleConfig::new()
                .with_name("b")
                .with_start_functions(&["missing", "init", "init", "_start"]),
        )
        .unwrap();
    assert_eq!(m.exported_global("g").unwrap().get(), 120);
    let m = rt
        .instantiate_module(
            &compiled,
            ModuleConfig::new()
                .with_name("c")
                .with_start_functions(&["init"]),
        )
        .unwrap();
    assert_eq!(m.exported_global("g").unwrap().get(), 10);
    // None.
    let m = rt
        .instantiate_module(
            &compiled,
            ModuleConfig::new().with_name("d").with_start_functions(&[]),
        )
        .unwrap();
    assert_eq!(m.exported_global("g").unwrap().get(), 0);
    // A non-function export of that name is not called either.
    let m = rt
        .instantiate_module(
            &compiled,
            ModuleConfig::new()
                .with_name("e")
                .with_start_functions(&["g"]),
        )
        .unwrap();
    assert_eq!(m.exported_global("g").unwrap().get(), 0);
    // A trapping start function.
    let e = expect_err(
        rt.instantiate_module(
            &compiled,
            ModuleConfig::new()
                .with_name("f")
                .with_start_functions(&["init", "fail"]),
        ),
    );
    assert!(
        e.to_string()
            .starts_with("module[f] function[fail] failed: wasm error: unreachable"),
        "{e}"
    );
    assert_eq!(e.trap_code(), Some(TrapCode::Unreachable));
    assert!(rt.module("f").is_none());
}

#[test]
fn data_segment_out_of_bounds() {
    let rt = runtime();
    let compiled = compile(
        &rt,
        r#"(module (memory 1) (data (i32.const 65535) "ab") (func (export "f")))"#,
    );
    let e = expect_err(rt.instantiate_module(&compiled, ModuleConfig::new().with_name("app")));
    assert_eq!(e.trap_code(), Some(TrapCode::OutOfBoundsMemoryAccess));
    assert!(
        e.to_string()
            .starts_with("wasm error: out of bounds memory access"),
        "{e}"
    );
    assert!(rt.module("app").is_none());

    // The offset is an unsigned 32-bit number.
    let e = expect_err(rt.instantiate(&wasm(r#"(module (memory 1) (data (i32.const -1) "a"))"#)));
    assert_eq!(e.trap_code(), Some(TrapCode::OutOfBoundsMemoryAccess));

    // Exactly at the end fits.
    let m = rt
        .instantiate(&wasm(
            r#"(module (memory 1) (data (i32.const 65534) "ab"))"#,
        ))
        .unwrap();
    assert_eq!(m.memory().unwrap().read(65534, 2), Some(b"ab".to_vec()));
}

#[test]
fn element_segment_out_of_bounds() {
    let rt = runtime();
    let e = expect_err(rt.instantiate(&wasm(
        r#"(module (table 1 funcref) (func $f) (elem (i32.const 1) $f))"#,
    )));
    assert_eq!(e.trap_code(), Some(TrapCode::OutOfBoundsTableAccess));
    assert!(
        e.to_string()
            .starts_with("wasm error: out of bounds table access"),
        "{e}"
    );
}

#[test]
fn memory_min_above_the_runtime_limit_fails_to_instantiate() {
    let rt = Runtime::with_config(RuntimeConfig::interpreter().with_memory_limit_pages(2));
    let e = expect_err(rt.instantiate(&wasm(r#"(module (memory 3))"#)));
    assert!(is_instantiate(&e), "{e:?}");
    rt.instantiate(&wasm(r#"(module (memory 2))"#)).unwrap();
}

// ---------------------------------------------------------------------------------------
// Traps
// ---------------------------------------------------------------------------------------

const TRAPS: &str = r#"(module $app
    (memory 1)
    (table $t 3 funcref)
    (type $v_i (func (result i32)))
    (type $i_i (func (param i32) (result i32)))
    (elem (i32.const 0) $forty_two)
    (func $forty_two (result i32) i32.const 42)
    (func $unreachable (export "unreachable") unreachable)
    (func $div (export "div") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_s)
    (func $outer (export "outer") (param i32) (result i32) i32.const 10 local.get 0 call $div)
    (func $rem64 (export "rem64") (param i64 i64) (result i64) local.get 0 local.get 1 i64.rem_u)
    (func $trunc (export "trunc") (param f32) (result i32) local.get 0 i32.trunc_f32_s)
    (func $trunc64 (export "trunc64") (param f64) (result i64) local.get 0 i64.trunc_f64_u)
    (func $load (export "load") (param i32) (result i32) local.get 0 i32.load)
    (func $store (export "store") (param i32) local.get 0 i64.const 1 i64.store offset=8)
    (func $fill (export "fill") (param i32 i32) local.get 0 i32.const 0 local.get 1 memory.fill)
    (func $table_get (export "table_get") (param i32) (result funcref) local.get 0 table.get $t)
    (func $indirect (export "indirect") (param i32) (result i32)
        local.get 0 call_indirect $t (type $v_i))
    (func $mismatch (export "mismatch") (result i32)
        i32.const 5 i32.const 0 call_indirect $t (type $i_i))
    (func $inf (export "infinite") (param i32) (result i32) local.get 0 call $inf)
    (func $rec (export "rec") (param i32) (result i32)
        local.get 0 i32.eqz
        if (result i32)
            i32.const 0
        else
            local.get 0 i32.const 1 i32.sub call $rec i32.const 1 i32.add
        end))"#;

fn traps() -> (Runtime, Module) {
    let rt = runtime();
    let m = instantiate(&rt, TRAPS, "app");
    (rt, m)
}

fn trap_of(m: &Module, name: &str, params: &[u64]) -> TrapCode {
    let e = expect_err(call(m, name, params));
    assert!(matches!(e.kind(), ErrorKind::Trap { .. }), "{name}: {e:?}");
    assert!(e.to_string().starts_with("wasm error: "), "{name}: {e}");
    assert!(
        e.to_string().contains("\nwasm stack trace:\n\t"),
        "{name}: {e}"
    );
    assert_eq!(e.exit_code(), None);
    e.trap_code().expect("a trap code")
}

#[test]
fn trap_unreachable() {
    let (_rt, m) = traps();
    assert_eq!(trap_of(&m, "unreachable", &[]), TrapCode::Unreachable);
    let e = expect_err(call(&m, "unreachable", &[]));
    assert_eq!(
        e.to_string(),
        "wasm error: unreachable\nwasm stack trace:\n\tapp.unreachable()"
    );
}

#[test]
fn trap_integer_divide_by_zero() {
    let (_rt, m) = traps();
    assert_eq!(trap_of(&m, "div", &[1, 0]), TrapCode::IntegerDivideByZero);
    assert_eq!(trap_of(&m, "rem64", &[1, 0]), TrapCode::IntegerDivideByZero);
    assert_eq!(call(&m, "div", &[7, 2]).unwrap(), vec![3]);
}

#[test]
fn trap_integer_overflow() {
    let (_rt, m) = traps();
    assert_eq!(
        trap_of(&m, "div", &[0x8000_0000, 0xffff_ffff]),
        TrapCode::IntegerOverflow
    );
    assert_eq!(
        trap_of(&m, "trunc", &[3.0e9f32.to_bits() as u64]),
        TrapCode::IntegerOverflow
    );
    assert_eq!(
        trap_of(&m, "trunc64", &[(-1.0f64).to_bits()]),
        TrapCode::IntegerOverflow
    );
    assert_eq!(
        call(&m, "trunc", &[(-7.9f32).to_bits() as u64]).unwrap(),
        vec![0xffff_fff9]
    );
}

#[test]
fn trap_invalid_conversion_to_integer() {
    let (_rt, m) = traps();
    assert_eq!(
        trap_of(&m, "trunc", &[f32::NAN.to_bits() as u64]),
        TrapCode::InvalidConversionToInteger
    );
    assert_eq!(
        trap_of(&m, "trunc64", &[f64::NAN.to_bits()]),
        TrapCode::InvalidConversionToInteger
    );
}

#[test]
fn trap_out_of_bounds_memory_access() {
    let (_rt, m) = traps();
    assert_eq!(
        trap_of(&m, "load", &[65536]),
        TrapCode::OutOfBoundsMemoryAccess
    );
    assert_eq!(
        trap_of(&m, "load", &[65533]),
        TrapCode::OutOfBoundsMemoryAccess
    );
    assert_eq!(
        trap_of(&m, "load", &[0xffff_fffc]),
        TrapCode::OutOfBoundsMemoryAccess
    );
    assert_eq!(
        trap_of(&m, "store", &[0xffff_fff8]),
        TrapCode::OutOfBoundsMemoryAccess
    );
    assert_eq!(
        trap_of(&m, "store", &[65536 - 15]),
        TrapCode::OutOfBoundsMemoryAccess
    );
    assert_eq!(
        trap_of(&m, "fill", &[65000, 537]),
        TrapCode::OutOfBoundsMemoryAccess
    );
    assert_eq!(call(&m, "load", &[65532]).unwrap(), vec![0]);
    call(&m, "store", &[65536 - 16]).unwrap();
    call(&m, "fill", &[65000, 536]).unwrap();
}

#[test]
fn trap_table_access() {
    let (_rt, m) = traps();
    assert_eq!(
        trap_of(&m, "table_get", &[3]),
        TrapCode::OutOfBoundsTableAccess
    );
    assert_eq!(
        trap_of(&m, "table_get", &[u32::MAX as u64]),
        TrapCode::OutOfBoundsTableAccess
    );
    assert_eq!(call(&m, "table_get", &[1]).unwrap(), vec![0], "null ref");
    assert_ne!(
        call(&m, "table_get", &[0]).unwrap(),
        vec![0],
        "non-null ref"
    );
    assert_eq!(call(&m, "indirect", &[0]).unwrap(), vec![42]);
    assert_eq!(trap_of(&m, "indirect", &[3]), TrapCode::UndefinedElement);
    assert_eq!(
        trap_of(&m, "indirect", &[0xffff_ffff]),
        TrapCode::UndefinedElement
    );
    assert_eq!(
        trap_of(&m, "indirect", &[1]),
        TrapCode::UninitializedElement
    );
    assert_eq!(
        trap_of(&m, "mismatch", &[]),
        TrapCode::IndirectCallTypeMismatch
    );
}

#[test]
fn trap_messages_are_the_spec_texts() {
    let cases = [
        (TrapCode::Unreachable, "unreachable"),
        (TrapCode::IntegerDivideByZero, "integer divide by zero"),
        (TrapCode::IntegerOverflow, "integer overflow"),
        (
            TrapCode::InvalidConversionToInteger,
            "invalid conversion to integer",
        ),
        (
            TrapCode::OutOfBoundsMemoryAccess,
            "out of bounds memory access",
        ),
        (
            TrapCode::OutOfBoundsTableAccess,
            "out of bounds table access",
        ),
        (TrapCode::UndefinedElement, "undefined element"),
        (TrapCode::UninitializedElement, "uninitialized element"),
        (
            TrapCode::IndirectCallTypeMismatch,
            "indirect call type mismatch",
        ),
        (TrapCode::CallStackExhausted, "call stack exhausted"),
    ];
    for (code, text) in cases {
        assert_eq!(code.to_string(), text);
        assert_eq!(code.message(), text);
    }
    // And the error prints it.
    let (_rt, m) = traps();
    let e = expect_err(call(&m, "indirect", &[1]));
    assert!(
        e.to_string()
            .starts_with("wasm error: uninitialized element\n"),
        "{e}"
    );
}

#[test]
fn infinite_recursion_exhausts_the_call_stack() {
    let (_rt, m) = traps();
    let e = expect_err(call(&m, "infinite", &[0]));
    assert_eq!(e.trap_code(), Some(TrapCode::CallStackExhausted));
    let msg = e.to_string();
    assert!(
        msg.starts_with(
            "wasm error: call stack exhausted\nwasm stack trace:\n\tapp.inf(i32) i32\n"
        ),
        "{}",
        &msg[..200.min(msg.len())]
    );
    // At most 30 frames are printed, then a marker.
    assert!(e.trace().len() > 30);
    assert_eq!(msg.matches("\n\tapp.inf(i32) i32").count(), 30);
    assert!(
        msg.ends_with("\n\t... maybe followed by omitted frames"),
        "{}",
        &msg[msg.len().saturating_sub(200)..]
    );
    // The module is still usable afterwards.
    assert_eq!(call(&m, "rec", &[3]).unwrap(), vec![3]);
}

#[test]
fn deep_finite_recursion_traps_instead_of_crashing() {
    let (_rt, m) = traps();
    let e = expect_err(call(&m, "rec", &[1_000_000]));
    assert_eq!(e.trap_code(), Some(TrapCode::CallStackExhausted));
    assert_eq!(e.trace()[0].signature, "app.rec(i32) i32");
    assert_eq!(call(&m, "rec", &[5]).unwrap(), vec![5]);
}

#[test]
fn legitimately_deep_recursion_succeeds() {
    let (_rt, m) = traps();
    assert_eq!(call(&m, "rec", &[10_000]).unwrap(), vec![10_000]);
    let rec = m.typed_function::<i32, i32>("rec").unwrap();
    assert_eq!(rec.call(20_000).unwrap(), 20_000);
}

/// Offsets, relative to the code section's payload, of the first operator matching
/// `pred` in each function body (in code-section order).
fn op_offsets(bytes: &[u8], pred: impl Fn(&wasmparser::Operator) -> bool) -> Vec<Option<u64>> {
    let mut base = 0;
    let mut out = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        match payload.unwrap() {
            wasmparser::Payload::CodeSectionStart {
                unchecked_range, ..
            } => base = unchecked_range.start,
            wasmparser::Payload::CodeSectionEntry(body) => {
                let mut found = None;
                for op in body
                    .get_operators_reader()
                    .unwrap()
                    .into_iter_with_offsets()
                {
                    let (op, offset) = op.unwrap();
                    if found.is_none() && pred(&op) {
                        found = Some(offset - base);
                    }
                }
                out.push(found);
            }
            _ => {}
        }
    }
    out
}

#[test]
fn trap_display_and_trace_frames() {
    let (_rt, m) = traps();
    let e = expect_err(call(&m, "outer", &[0]));
    assert_eq!(e.trap_code(), Some(TrapCode::IntegerDivideByZero));
    assert_eq!(
        e.to_string(),
        "wasm error: integer divide by zero\nwasm stack trace:\n\tapp.div(i32,i32) i32\n\tapp.outer(i32) i32"
    );
    let trace = e.trace();
    assert_eq!(trace.len(), 2);
    assert_eq!(trace[0].signature, "app.div(i32,i32) i32");
    assert_eq!(trace[1].signature, "app.outer(i32) i32");
    assert!(trace.iter().all(|f| f.code_offset.is_some()), "{trace:?}");

    // The offsets point at the trapping instruction and at the call.
    let bytes = wasm(TRAPS);
    let div = op_offsets(&bytes, |op| matches!(op, wasmparser::Operator::I32DivS));
    let calls = op_offsets(&bytes, |op| matches!(op, wasmparser::Operator::Call { .. }));
    // Function 2 is $div, 3 is $outer.
    assert_eq!(trace[0].code_offset, div[2], "{trace:?}");
    assert_eq!(trace[1].code_offset, calls[3], "{trace:?}");
}

#[test]
fn trap_trace_through_call_indirect() {
    let (_rt, m) = traps();
    let e = expect_err(call(&m, "mismatch", &[]));
    assert_eq!(
        e.to_string(),
        "wasm error: indirect call type mismatch\nwasm stack trace:\n\tapp.mismatch() i32"
    );
    assert!(e.trace()[0].code_offset.is_some());
}

// ---------------------------------------------------------------------------------------
// Memory
// ---------------------------------------------------------------------------------------

const MEMORY: &str = r#"(module
    (memory 1 3)
    (data (i32.const 0) "hello")
    (func (export "size") (result i32) memory.size)
    (func (export "load") (param i32) (result i32) local.get 0 i32.load)
    (func (export "grow") (param i32) (result i32) local.get 0 memory.grow))"#;

#[test]
fn memory_size_pages_and_grow() {
    let rt = runtime();
    let m = instantiate(&rt, MEMORY, "mem");
    assert!(m.exported_memory("memory").is_none(), "not exported");
    let mem = m.memory().expect("memory 0, unexported");
    assert_eq!(mem.size(), 65536);
    assert_eq!(mem.pages(), 1);
    assert_eq!(mem.read(0, 5), Some(b"hello".to_vec()));

    assert_eq!(mem.grow(1), Some(1));
    assert_eq!(mem.size(), 2 * 65536);
    assert_eq!(mem.pages(), 2);
    assert_eq!(
        call(&m, "size", &[]).unwrap(),
        vec![2],
        "wasm sees the growth"
    );
    // The new page is zeroed and usable from wasm.
    assert!(mem.write_u32_le(65536 + 4, 77));
    assert_eq!(call(&m, "load", &[65536 + 4]).unwrap(), vec![77]);

    assert_eq!(mem.grow(2), None, "past the maximum");
    assert_eq!(mem.pages(), 2, "a failed grow changes nothing");
    assert_eq!(mem.grow(0), Some(2));
    assert_eq!(mem.grow(1), Some(2));
    assert_eq!(mem.grow(1), None);
    assert_eq!(mem.grow(u32::MAX), None);
    assert_eq!(mem.size(), 3 * 65536);
    // wasm's memory.grow agrees.
    assert_eq!(call(&m, "grow", &[1]).unwrap(), vec![0xffff_ffff]);
    assert_eq!(call(&m, "grow", &[0]).unwrap(), vec![3]);
}

#[test]
fn memory_grow_from_wasm_is_visible_to_the_host() {
    let rt = runtime();
    let m = instantiate(&rt, MEMORY, "mem");
    let mem = m.memory().unwrap();
    assert_eq!(call(&m, "grow", &[2]).unwrap(), vec![1]);
    assert_eq!(mem.pages(), 3);
    assert_eq!(mem.size(), 3 * 65536);
    assert_eq!(mem.read_u32_le(3 * 65536 - 4), Some(0));
}

#[test]
fn memory_without_max_grows_up_to_the_runtime_limit() {
    let rt = Runtime::with_config(RuntimeConfig::interpreter().with_memory_limit_pages(4));
    let m = rt
        .instantiate(&wasm(r#"(module (memory (export "mem") 1))"#))
        .unwrap();
    let mem = m.exported_memory("mem").unwrap();
    assert_eq!(mem.grow(3), Some(1));
    assert_eq!(mem.grow(1), None);
    assert_eq!(mem.pages(), 4);
}

#[test]
fn memory_out_of_range_reads_and_writes_never_panic() {
    let rt = runtime();
    let m = instantiate(&rt, MEMORY, "mem");
    let mem = m.memory().unwrap();
    let size = mem.size() as u32;

    assert_eq!(mem.read(size - 4, 4), Some(vec![0; 4]));
    assert_eq!(mem.read(size - 4, 5), None);
    assert_eq!(mem.read(size, 1), None);
    assert_eq!(mem.read(0, size + 1), None);
    assert_eq!(mem.read(u32::MAX, 1), None);
    assert_eq!(mem.read(u32::MAX, u32::MAX), None);
    assert_eq!(mem.read(u32::MAX - 3, 4), None);
    assert_eq!(mem.read(1, u32::MAX), None);
    assert_eq!(mem.read_byte(size), None);
    assert_eq!(mem.read_byte(u32::MAX), None);
    assert_eq!(mem.read_u16_le(size - 1), None);
    assert_eq!(mem.read_u32_le(size - 3), None);
    assert_eq!(mem.read_u32_le(u32::MAX - 1), None);
    assert_eq!(mem.read_u64_le(size - 7), None);
    assert_eq!(mem.read_u64_le(u32::MAX), None);
    assert_eq!(mem.read_f32_le(u32::MAX - 2), None);
    assert_eq!(mem.read_f64_le(size - 4), None);

    assert!(mem.write(size - 2, &[1, 2]));
    assert!(!mem.write(size - 2, &[9, 9, 9]));
    assert_eq!(
        mem.read(size - 2, 2),
        Some(vec![1, 2]),
        "nothing written on failure"
    );
    assert!(!mem.write(u32::MAX, &[1]));
    assert!(!mem.write(u32::MAX - 1, &[1, 2, 3]));
    assert!(!mem.write_byte(size, 1));
    assert!(!mem.write_u16_le(size - 1, 1));
    assert!(!mem.write_u32_le(u32::MAX - 3, 1));
    assert!(!mem.write_u64_le(size - 7, u64::MAX));
    assert_eq!(mem.read(size - 7, 7), Some(vec![0, 0, 0, 0, 0, 1, 2]));
    assert!(!mem.write_f32_le(u32::MAX, 1.0));
    assert!(!mem.write_f64_le(u32::MAX - 7, 1.0));
}

#[test]
fn memory_typed_reads_and_writes_are_little_endian() {
    let rt = runtime();
    let m = instantiate(&rt, MEMORY, "mem");
    let mem = m.memory().unwrap();
    assert!(mem.write_u32_le(8, 0xdead_beef));
    assert_eq!(mem.read(8, 4), Some(vec![0xef, 0xbe, 0xad, 0xde]));
    assert_eq!(mem.read_byte(8), Some(0xef));
    assert_eq!(mem.read_u16_le(8), Some(0xbeef));
    assert_eq!(mem.read_u16_le(10), Some(0xdead));
    assert_eq!(call(&m, "load", &[8]).unwrap(), vec![0xdead_beef]);

    assert!(mem.write_u64_le(16, 0x0102_0304_0506_0708));
    assert_eq!(mem.read_u64_le(16), Some(0x0102_0304_0506_0708));
    assert_eq!(mem.read_u32_le(16), Some(0x0506_0708));
    assert_eq!(mem.read_byte(23), Some(0x01));

    assert!(mem.write_u16_le(32, 0xabcd));
    assert_eq!(mem.read(32, 2), Some(vec![0xcd, 0xab]));
    assert!(mem.write_byte(34, 0x7f));
    assert_eq!(mem.read_u32_le(32), Some(0x007f_abcd));

    assert!(mem.write_f32_le(40, -1.5));
    assert_eq!(mem.read_f32_le(40), Some(-1.5));
    assert_eq!(mem.read_u32_le(40), Some((-1.5f32).to_bits()));
    assert!(mem.write_f64_le(48, std::f64::consts::PI));
    assert_eq!(mem.read_f64_le(48), Some(std::f64::consts::PI));
    assert_eq!(mem.read_u64_le(48), Some(std::f64::consts::PI.to_bits()));

    // Last addressable u64.
    let last = mem.size() as u32 - 8;
    assert!(mem.write_u64_le(last, u64::MAX));
    assert_eq!(mem.read_u64_le(last), Some(u64::MAX));
}

#[test]
fn module_without_memory() {
    let rt = runtime();
    let m = instantiate(&rt, ADD, "app");
    assert!(m.memory().is_none());
    assert!(m.exported_memory("memory").is_none());
}

// ---------------------------------------------------------------------------------------
// Globals
// ---------------------------------------------------------------------------------------

#[test]
fn globals_get_and_set() {
    let rt = runtime();
    let m = instantiate(
        &rt,
        r#"(module
            (global $m (export "mut") (mut i64) (i64.const -5))
            (global (export "imm") f64 (f64.const 1.5))
            (global (export "i32") i32 (i32.const -1))
            (func (export "read") (result i64) global.get $m))"#,
        "g",
    );
    let mutable = m.exported_global("mut").unwrap();
    assert_eq!(mutable.get(), (-5i64) as u64);
    assert_eq!(mutable.value_type(), ValueType::I64);
    assert!(mutable.global_type().mutable);
    mutable.set(42).unwrap();
    assert_eq!(mutable.get(), 42);
    assert_eq!(
        call(&m, "read", &[]).unwrap(),
        vec![42],
        "wasm sees the set"
    );

    let imm = m.exported_global("imm").unwrap();
    assert_eq!(imm.get(), 1.5f64.to_bits());
    assert_eq!(imm.value_type(), ValueType::F64);
    assert!(!imm.global_type().mutable);
    let e = expect_err(imm.set(2.5f64.to_bits()));
    assert!(is_usage(&e), "{e:?}");
    assert_eq!(e.to_string(), "global is immutable");
    assert_eq!(imm.get(), 1.5f64.to_bits(), "unchanged");

    assert_eq!(
        m.exported_global("i32").unwrap().get(),
        0xffff_ffff,
        "zero-extended"
    );
    assert!(m.exported_global("read").is_none(), "kind matters");
    assert!(m.exported_global("nope").is_none());
}

// ---------------------------------------------------------------------------------------
// Close
// ---------------------------------------------------------------------------------------

#[test]
fn runtime_close_with_exit_code() {
    let rt = runtime();
    let m = instantiate(&rt, ADD, "app");
    let add = func(&m, "add");
    assert!(!m.is_closed());
    rt.close_with_exit_code(3).unwrap();
    assert!(m.is_closed());

    let e = expect_err(rt.compile_module(&wasm(ADD)));
    assert_eq!(e.to_string(), "runtime closed with exit_code(3)");
    assert!(matches!(e.kind(), ErrorKind::RuntimeClosed(3)), "{e:?}");

    // Calls fail with the exit code.
    let e = expect_err(add.call(&[1, 2]));
    assert_eq!(e.exit_code(), Some(3));
    assert_eq!(e.trap_code(), None);
    assert_eq!(e.to_string(), "module closed with exit_code(3)");
    let e = expect_err(call(&m, "add", &[1, 2]));
    assert_eq!(e.exit_code(), Some(3));

    // Idempotent: the first code stays.
    rt.close_with_exit_code(9).unwrap();
    rt.close().unwrap();
    let e = expect_err(rt.compile_module(&wasm(ADD)));
    assert_eq!(e.to_string(), "runtime closed with exit_code(3)");
    assert_eq!(expect_err(add.call(&[1, 2])).exit_code(), Some(3));

    // Nothing else works either.
    assert!(rt.module("app").is_none());
    let e = expect_err(rt.instantiate(&wasm(ADD)));
    assert_eq!(e.to_string(), "runtime closed with exit_code(3)");
    let e = expect_err(rt.register_alias(&m, "x"));
    assert_eq!(e.to_string(), "runtime closed with exit_code(3)");
}

#[test]
fn instantiating_a_compiled_module_after_close_fails() {
    let rt = runtime();
    let compiled = compile(&rt, ADD);
    rt.close().unwrap();
    let e = expect_err(rt.instantiate_module(&compiled, ModuleConfig::new()));
    assert_eq!(e.to_string(), "runtime closed with exit_code(0)");
}

#[test]
fn module_close() {
    let rt = runtime();
    let compiled = compile(&rt, ADD);
    let m = rt
        .instantiate_module(&compiled, ModuleConfig::new().with_name("app"))
        .unwrap();
    let other = rt
        .instantiate_module(&compiled, ModuleConfig::new().with_name("other"))
        .unwrap();
    let add = func(&m, "add");
    m.close_with_exit_code(7).unwrap();
    assert!(m.is_closed());
    assert!(!other.is_closed());
    assert_eq!(expect_err(add.call(&[1, 2])).exit_code(), Some(7));
    assert_eq!(call(&other, "add", &[1, 2]).unwrap(), vec![3]);

    // Idempotent.
    m.close_with_exit_code(8).unwrap();
    m.close().unwrap();
    assert_eq!(expect_err(add.call(&[1, 2])).exit_code(), Some(7));
    // Closing the runtime later keeps the module's own code.
    rt.close_with_exit_code(1).unwrap();
    assert_eq!(expect_err(add.call(&[1, 2])).exit_code(), Some(7));
    assert_eq!(
        expect_err(call(&other, "add", &[1, 2])).exit_code(),
        Some(1)
    );
}

#[test]
fn module_close_frees_its_name() {
    let rt = runtime();
    let compiled = compile(&rt, ADD);
    let first = rt
        .instantiate_module(&compiled, ModuleConfig::new().with_name("app"))
        .unwrap();
    first.close().unwrap();
    assert!(rt.module("app").is_none());
    let second = rt
        .instantiate_module(&compiled, ModuleConfig::new().with_name("app"))
        .unwrap();
    assert!(!second.is_closed());
    assert!(first.is_closed());
    assert_eq!(call(&second, "add", &[2, 3]).unwrap(), vec![5]);
    assert_eq!(
        expect_err(call(&first, "add", &[2, 3])).exit_code(),
        Some(0)
    );
    // The lookup finds the new one.
    assert!(!rt.module("app").unwrap().is_closed());
    // Closing the old handle again does not unregister the new module.
    first.close().unwrap();
    assert!(rt.module("app").is_some());
}

#[test]
fn closed_exporter_can_no_longer_be_imported() {
    let rt = runtime();
    let a = instantiate(&rt, PROVIDER, "a");
    a.close().unwrap();
    let e = expect_err(
        rt.instantiate_module(&compile(&rt, CONSUMER), ModuleConfig::new().with_name("b")),
    );
    assert!(is_link(&e), "{e:?}");
}

// ---------------------------------------------------------------------------------------
// Threads
// ---------------------------------------------------------------------------------------

const WORKER: &str = r#"(module $worker
    (memory 1)
    (global $id (mut i32) (i32.const 0))
    (func (export "set_id") (param i32) local.get 0 global.set $id
        i32.const 0 local.get 0 i32.store)
    (func (export "id") (result i32) global.get $id)
    (func (export "stored") (result i32) i32.const 0 i32.load)
    (func $fib (export "fib") (param i32) (result i32)
        local.get 0 i32.const 2 i32.lt_u
        if (result i32) local.get 0
        else
            local.get 0 i32.const 1 i32.sub call $fib
            local.get 0 i32.const 2 i32.sub call $fib i32.add
        end))"#;

#[test]
fn concurrent_anonymous_instances_on_four_threads() {
    let rt = runtime();
    let compiled = Arc::new(compile(&rt, WORKER));
    let barrier = std::sync::Barrier::new(4);
    let results: Vec<(u32, Vec<u64>)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4u32)
            .map(|t| {
                let rt = rt.clone();
                let compiled = compiled.clone();
                let barrier = &barrier;
                s.spawn(move || {
                    barrier.wait();
                    let m = rt
                        .instantiate_module(&compiled, ModuleConfig::new().with_name(""))
                        .expect("anonymous instantiation");
                    let fib = m.typed_function::<i32, i32>("fib").unwrap();
                    let mut fibs = Vec::new();
                    call(&m, "set_id", &[100 + t as u64]).unwrap();
                    for i in 0..20 {
                        fibs.push(fib.call(10 + (i + t as i32) % 5).unwrap() as u64);
                        assert_eq!(call(&m, "id", &[]).unwrap(), vec![100 + t as u64]);
                    }
                    fibs.push(call(&m, "stored", &[]).unwrap()[0]);
                    fibs.push(m.memory().unwrap().read_u32_le(0).unwrap() as u64);
                    (t, fibs)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let fib = |n: u32| -> u64 {
        let (mut a, mut b) = (0u64, 1u64);
        for _ in 0..n {
            (a, b) = (b, a + b);
        }
        a
    };
    assert_eq!(results.len(), 4);
    for (t, values) in results {
        let mut expected: Vec<u64> = (0..20).map(|i| fib(10 + (i + t) % 5)).collect();
        expected.push(100 + t as u64);
        expected.push(100 + t as u64);
        assert_eq!(values, expected, "thread {t}");
    }
    assert!(rt.module("worker").is_none(), "all anonymous");
}

#[test]
fn one_function_called_from_four_threads() {
    let rt = runtime();
    let m = instantiate(&rt, WORKER, "worker");
    let fib = func(&m, "fib");
    std::thread::scope(|s| {
        for t in 0..4u64 {
            let fib = fib.clone();
            s.spawn(move || {
                for _ in 0..10 {
                    assert_eq!(
                        fib.call(&[15 + t]).unwrap(),
                        vec![[610, 987, 1597, 2584][t as usize]]
                    );
                }
            });
        }
    });
}

// ---------------------------------------------------------------------------------------
// Inspection: every global and table (exported or not), the modules of a runtime
// ---------------------------------------------------------------------------------------

#[test]
fn globals_and_tables_are_listed_exported_or_not() {
    let rt = runtime();
    let host = rt
        .new_host_module_builder("env")
        .new_function_builder()
        .with_func(|x: i32| x)
        .export("id")
        .instantiate()
        .unwrap();
    let m = instantiate(
        &rt,
        r#"(module
            (import "env" "id" (func $id (param i32) (result i32)))
            (global $hidden (mut i32) (i32.const 7))
            (global $pi (export "pi") f64 (f64.const 3.5))
            (table $t 4 funcref)
            (table (export "ext") 2 externref)
            (elem (table $t) (i32.const 1) func $f $id)
            (func $f (export "f") (global.set $hidden (i32.const 9))))"#,
        "insp",
    );
    let globals = m.globals();
    assert_eq!(globals.len(), 2);
    assert_eq!(globals[0].value_type(), ValueType::I32);
    assert_eq!(globals[0].get(), 7);
    assert_eq!(f64::from_bits(globals[1].get()), 3.5);
    func(&m, "f").call(&[]).unwrap();
    assert_eq!(globals[0].get(), 9, "a live view of the hidden global");

    let tables = m.tables();
    assert_eq!(tables.len(), 2);
    assert_eq!(tables[0].size(), 4);
    assert_eq!(tables[0].table_type().element, ValueType::FuncRef);
    assert_eq!(tables[0].get(0), Some(TableElement::Null));
    match tables[0].get(1) {
        Some(TableElement::Function(d)) => assert_eq!(d.name(), Some("f")),
        other => panic!("expected $f, got {other:?}"),
    }
    match tables[0].get(2) {
        Some(TableElement::Function(d)) => {
            assert!(d.is_host(), "{d:?}");
            assert_eq!(d.module_name(), "env");
        }
        other => panic!("expected the host function, got {other:?}"),
    }
    assert_eq!(tables[0].get(4), None, "past the end");
    assert_eq!(tables[1].table_type().element, ValueType::ExternRef);
    assert_eq!(m.exported_table("ext").unwrap().size(), 2);
    assert!(m.exported_table("nope").is_none());

    // The runtime lists its named modules, host ones included, until they close.
    let names: Vec<String> = rt.modules().iter().map(|m| m.name().to_string()).collect();
    assert_eq!(names, ["env", "insp"]);
    assert_eq!(m.exit_code(), None);
    m.close_with_exit_code(3).unwrap();
    assert_eq!(m.exit_code(), Some(3));
    let names: Vec<String> = rt.modules().iter().map(|m| m.name().to_string()).collect();
    assert_eq!(names, ["env"]);
    drop(host);
}

#[test]
fn out_of_bounds_traps_say_where_they_went() {
    let rt = runtime();
    let m = instantiate(
        &rt,
        r#"(module (memory 1)
            (func (export "load") (param i32) (result i64) (i64.load offset=4 (local.get 0)))
            (func (export "store") (param i32) (i32.store8 (local.get 0) (i32.const 1)))
            (func (export "fill") (param i32) (memory.fill (local.get 0) (i32.const 0) (i32.const 16)))
            (func (export "copy") (param i32 i32) (memory.copy (local.get 0) (local.get 1) (i32.const 8)))
            (data $d "0123456789")
            (func (export "init") (param i32 i32) (memory.init $d (local.get 0) (local.get 1) (i32.const 4)))
            (func (export "v128") (param i32) (result v128) (v128.load offset=2 (local.get 0)))
            (func (export "lane") (param i32) (v128.store32_lane 3 (local.get 0) (v128.const i64x2 0 0)))
            (func (export "div") (param i32) (result i32) (i32.div_u (i32.const 1) (local.get 0)))
            (func (export "far_load") (param i32) (result i32) (i32.load offset=4294967294 (local.get 0)))
            (func (export "far_load16") (param i32) (result i32) (i32.load16_u offset=4294967294 (local.get 0)))
            (func (export "far_store") (param i32) (i64.store offset=4294967287 (local.get 0) (i64.const 1)))
            (func (export "edge_store") (param i32) (i32.store offset=65530 (local.get 0) (i32.const 7)))
            (func (export "edge_load") (param i32) (result i32) (i32.load offset=65530 (local.get 0))))"#,
        "oob",
    );
    // The access a call's trap recorded: (address, len).
    let access = |name: &str, args: &[u64]| {
        let a = func(&m, name)
            .call(args)
            .unwrap_err()
            .memory_access()
            .expect("the access is recorded");
        (a.address, a.len)
    };
    // Offsets near 4 GiB: the access's end does not fit 32 bits (the first two), or just
    // does (the third); the address is the offset's sum with the operand, not wrapped.
    for (name, arg, want) in [
        ("far_load", 0u64, (0xffff_fffe, 4)),
        ("far_load", 5, (0x1_0000_0003, 4)),
        ("far_load16", 0, (0xffff_fffe, 2)),
        ("far_store", 0, (0xffff_fff7, 8)),
        ("far_store", 9, (0x1_0000_0000, 8)),
    ] {
        assert_eq!(access(name, &[arg]), want, "{name}({arg})");
    }
    // The last bytes of the memory, at an offset: in bounds, then one byte past.
    func(&m, "edge_store").call(&[2]).unwrap();
    assert_eq!(func(&m, "edge_load").call(&[2]).unwrap(), vec![7]);
    assert_eq!(access("edge_store", &[3]), (65533, 4));
    assert_eq!(access("edge_load", &[3]), (65533, 4));
    let e = func(&m, "load").call(&[65530]).unwrap_err();
    assert_eq!(e.trap_code(), Some(TrapCode::OutOfBoundsMemoryAccess));
    let a = e.memory_access().expect("the access is recorded");
    assert_eq!((a.address, a.len, a.memory_size), (65534, 8, 65536));
    // Addresses are unsigned 32-bit, plus the offset.
    let e = func(&m, "store")
        .call(&[(-1i32) as u32 as u64])
        .unwrap_err();
    let a = e.memory_access().unwrap();
    assert_eq!((a.address, a.len), (0xffff_ffff, 1));
    let e = func(&m, "fill").call(&[65530]).unwrap_err();
    assert_eq!(e.memory_access().unwrap().len, 16);
    // SIMD loads and stores, lanes included.
    assert_eq!(access("v128", &[65520]), (65522, 16));
    assert_eq!(access("lane", &[65534]), (65534, 4));
    // memory.copy names the range that is outside: the source, else the destination.
    assert_eq!(access("copy", &[0, 65532]), (65532, 8));
    assert_eq!(access("copy", &[65530, 0]), (65530, 8));
    // memory.init: the destination; outside the data segment there is no memory address.
    assert_eq!(access("init", &[65534, 0]), (65534, 4));
    let e = func(&m, "init").call(&[0, 8]).unwrap_err();
    assert_eq!(e.trap_code(), Some(TrapCode::OutOfBoundsMemoryAccess));
    assert_eq!(e.memory_access(), None);
    // Other traps carry none; the message is unchanged.
    let e = func(&m, "div").call(&[0]).unwrap_err();
    assert_eq!(e.memory_access(), None);
    assert!(func(&m, "load")
        .call(&[65530])
        .unwrap_err()
        .to_string()
        .starts_with("wasm error: out of bounds memory access\n"));
}

/// A result computed into a local and returned from it (`local.set` then `return
/// (local.get)`, or the function's end): the interpreter returns it from the local's slot,
/// and the value written just before may reach the return in a register only. Called
/// from the host (the return's general path) and from another function (the fast one),
/// with and without branches to the end.
#[test]
fn results_returned_from_a_local_are_the_values_written_there() {
    let rt = runtime();
    let m = instantiate(
        &rt,
        r#"(module
            (func $ret (export "ret") (param i32 i32) (result i32) (local i32)
              (local.set 2 (i32.add (local.get 0) (local.get 1)))
              (return (local.get 2)))
            (func $end (export "end") (param i32 i32) (result i32) (local i32)
              (local.set 2 (i32.mul (local.get 0) (local.get 1)))
              (local.get 2))
            (func $param (export "param") (param i32 i32) (result i32)
              (local.set 0 (i32.sub (local.get 0) (local.get 1)))
              (local.get 0))
            (func $branch (export "branch") (param i32 i32) (result i32)
              (drop (br_if 0 (local.get 1) (local.get 0)))
              (local.get 0))
            (func (export "nested") (param i32 i32) (result i32)
              (i32.add
                (i32.add (call $ret (local.get 0) (local.get 1))
                         (call $end (local.get 0) (local.get 1)))
                (i32.add (call $param (local.get 0) (local.get 1))
                         (call $branch (local.get 0) (local.get 1))))))"#,
        "ret",
    );
    for (a, b) in [(3u64, 4u64), (10, 0), (0xffff_ffff, 2)] {
        let (x, y) = (a as u32, b as u32);
        let want = [
            x.wrapping_add(y),
            x.wrapping_mul(y),
            x.wrapping_sub(y),
            // (`br_if`'s value is `b`, its condition `a`.)
            if x != 0 { y } else { x },
        ];
        for (name, w) in ["ret", "end", "param", "branch"].iter().zip(want) {
            assert_eq!(
                call(&m, name, &[a, b]).unwrap(),
                vec![w as u64],
                "{name}({a}, {b})"
            );
        }
        let sum = want.iter().fold(0u32, |s, w| s.wrapping_add(*w));
        assert_eq!(call(&m, "nested", &[a, b]).unwrap(), vec![sum as u64]);
    }
}
