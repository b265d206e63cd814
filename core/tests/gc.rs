//! GC (WebAssembly 3.0) beyond the spec tests: the sample's results, the collector
//! (it frees garbage while a call runs; what globals, locals, other objects, tables and
//! the host hold survives), traps, the engine rule (`RuntimeConfig::new()` runs GC on
//! the interpreter, `RuntimeConfig::compiler()` refuses it) and the debugging view of
//! objects (`Runtime::gc_object`).

mod common;

use wasmscope::{EngineKind, GcRef, Runtime, RuntimeConfig, TrapCode, Value, ValueType};

fn sample() -> Vec<u8> {
    common::wat_sample("gc.wat")
}

/// Runs the sample's calls on `config`; returns `bad_cast`'s error.
fn sample_on(config: RuntimeConfig) -> wasmscope::Error {
    let rt = Runtime::with_config(config);
    let m = rt.instantiate(&sample()).unwrap();
    let call = |name: &str, args: &[u64]| m.exported_function(name).unwrap().call(args);
    assert_eq!(call("build", &[1000]).unwrap(), vec![1000]);
    assert_eq!(call("sum", &[]).unwrap(), vec![499500]);
    assert_eq!(call("trees", &[20, 10]).unwrap(), vec![40940]);
    assert_eq!(call("hello_byte", &[1]).unwrap(), vec![101]);
    assert_eq!(
        call("i31", &[u32::MAX as u64]).unwrap(),
        vec![u32::MAX as u64]
    );
    assert_eq!(call("is_node", &[1]).unwrap(), vec![1]);
    assert_eq!(call("is_node", &[0]).unwrap(), vec![0]);
    let e = call("bad_cast", &[]).unwrap_err();
    assert_eq!(e.trap_code(), Some(TrapCode::CastFailure), "{e}");
    assert!(e.to_string().contains("cast failure"), "{e}");
    e
}

#[test]
fn the_sample_runs_with_the_default_configuration() {
    sample_on(RuntimeConfig::new());
}

#[test]
fn the_compiler_asked_for_runs_gc_with_the_interpreters_results_and_traps() {
    let config = RuntimeConfig::compiler();
    if config.engine() != EngineKind::Compiler {
        return;
    }
    // A trap in the runtime's part of a GC operator: its name, and the interpreter's
    // trace (the frame of the compiled function it happened in).
    let e = sample_on(config);
    let interpreted = sample_on(RuntimeConfig::interpreter());
    assert_eq!(e.to_string(), interpreted.to_string());
    assert!(
        e.to_string()
            .contains("cast failure\nwasm stack trace:\n\t.$8()"),
        "{e}"
    );
}

/// The engines GC runs on here: the interpreter, and the compiler where it generates
/// code.
fn engines() -> Vec<RuntimeConfig> {
    let mut engines = vec![RuntimeConfig::interpreter()];
    if RuntimeConfig::compiler().engine() == EngineKind::Compiler {
        engines.push(RuntimeConfig::compiler());
    }
    engines
}

#[test]
fn garbage_is_freed_while_a_call_runs() {
    for config in engines() {
        let engine = config.engine();
        let rt = Runtime::with_config(config);
        let m = rt.instantiate(&sample()).unwrap();
        // 100 trees of 8191 nodes: 819,100 objects, none kept.
        let nodes = m
            .exported_function("trees")
            .unwrap()
            .call(&[100, 12])
            .unwrap();
        assert_eq!(nodes, vec![819_100]);
        let stats = rt.heap_stats();
        assert!(stats.collections > 0, "{engine:?}: {stats:?}");
        assert!(stats.freed > 700_000, "{engine:?}: {stats:?}");
        // What is alive is at most what was allocated since the last collection.
        assert!(stats.objects < 100_000, "{engine:?}: {stats:?}");
    }
}

#[test]
fn what_globals_locals_objects_and_tables_hold_survives_collections() {
    let wat = r#"
    (module
      (type $node (struct (field $v i32) (field $next (ref null $node))))
      (type $junk (array (mut i64)))
      (global $g (mut (ref null $node)) (ref.null $node))
      (table $t 4 anyref)
      (func $list (param $n i32) (result (ref null $node))
        (local $l (ref null $node))
        (block $done (loop $next
          (br_if $done (i32.eqz (local.get $n)))
          (local.set $l (struct.new $node (local.get $n) (local.get $l)))
          (local.set $n (i32.sub (local.get $n) (i32.const 1)))
          (br $next)))
        (local.get $l))
      (func $sum (param $l (ref null $node)) (result i32)
        (local $acc i32)
        (block $done (loop $next
          (br_if $done (ref.is_null (local.get $l)))
          (local.set $acc (i32.add (local.get $acc) (struct.get $node $v (local.get $l))))
          (local.set $l (struct.get $node $next (local.get $l)))
          (br $next)))
        (local.get $acc))
      ;; Allocates n arrays of 64 i64s and keeps none.
      (func $churn (param $n i32)
        (block $done (loop $next
          (br_if $done (i32.eqz (local.get $n)))
          (drop (array.new_default $junk (i32.const 64)))
          (local.set $n (i32.sub (local.get $n) (i32.const 1)))
          (br $next))))
      (func (export "run") (result i32 i32 i32)
        (local $mine (ref null $node))
        (global.set $g (call $list (i32.const 1000)))
        (table.set $t (i32.const 2) (call $list (i32.const 100)))
        (local.set $mine (call $list (i32.const 10)))
        (call $churn (i32.const 20000))
        (call $sum (global.get $g))
        (call $sum (ref.cast (ref null $node) (table.get $t (i32.const 2))))
        (call $sum (local.get $mine)))
      (func (export "make") (result anyref) (call $list (i32.const 3)))
      (func (export "sum_of") (param anyref) (result i32)
        (call $sum (ref.cast (ref null $node) (local.get 0))))
      (func (export "churn") (param i32) (call $churn (local.get 0))))"#;
    for config in engines() {
        let rt = Runtime::with_config(config);
        let m = rt.instantiate(&wat::parse_str(wat).unwrap()).unwrap();
        let before = rt.heap_stats();
        let sums = m.exported_function("run").unwrap().call(&[]).unwrap();
        assert_eq!(sums, vec![500_500, 5050, 55]);
        let after = rt.heap_stats();
        assert!(after.collections > before.collections, "{after:?}");
        // A reference the host holds survives later collections.
        let made = m.exported_function("make").unwrap().call(&[]).unwrap();
        let value = Value::from_slots(ValueType::AnyRef, &made).unwrap();
        assert!(
            matches!(value.gc_ref(), Some(GcRef::Object(_))),
            "{value:?}"
        );
        let collections = rt.heap_stats().collections;
        m.exported_function("churn")
            .unwrap()
            .call(&[20000])
            .unwrap();
        assert!(rt.heap_stats().collections > collections);
        let sum = m.exported_function("sum_of").unwrap().call(&made).unwrap();
        assert_eq!(sum, vec![6]);
        // The debugging view: the struct's fields, by value.
        let obj = rt.gc_object(&value, 10).unwrap();
        assert!(!obj.is_array);
        assert_eq!(obj.type_name.as_deref(), Some("node"));
        assert_eq!(
            obj.field_names,
            [Some("v".to_string()), Some("next".to_string())]
        );
        assert_eq!(obj.values[0], Value::I32(1));
        assert!(matches!(obj.values[1], Value::AnyRef(Some(_))));
    }
}

#[test]
fn gc_traps_name_what_went_wrong() {
    let wat = r#"
    (module
      (type $s (struct (field (mut i32))))
      (type $a (array (mut i8)))
      (func (export "null_struct") (result i32) (struct.get $s 0 (ref.null $s)))
      (func (export "null_array") (result i32) (array.len (ref.null $a)))
      (func (export "oob") (param i32) (result i32)
        (array.get_u $a (array.new $a (i32.const 7) (i32.const 3)) (local.get 0)))
      (func (export "huge") (result i32)
        (array.len (array.new_default $a (i32.const -1))))
      (func (export "null_i31") (result i32) (i31.get_u (ref.null i31))))"#;
    let rt = Runtime::new();
    let m = rt.instantiate(&wat::parse_str(wat).unwrap()).unwrap();
    let trap = |name: &str, args: &[u64]| {
        m.exported_function(name)
            .unwrap()
            .call(args)
            .unwrap_err()
            .trap_code()
    };
    assert_eq!(
        trap("null_struct", &[]),
        Some(TrapCode::NullStructReference)
    );
    assert_eq!(trap("null_array", &[]), Some(TrapCode::NullArrayReference));
    assert_eq!(trap("oob", &[3]), Some(TrapCode::OutOfBoundsArrayAccess));
    assert_eq!(trap("huge", &[]), Some(TrapCode::AllocationTooLarge));
    assert_eq!(trap("null_i31", &[]), Some(TrapCode::NullI31Reference));
    let ok = m.exported_function("oob").unwrap().call(&[2]).unwrap();
    assert_eq!(ok, vec![7]);
}

#[test]
fn types_are_canonical_across_modules() {
    // Two modules define the same recursive group: a function of one is called through
    // the other's type; a struct made by one passes the other's cast.
    let a = r#"
    (module
      (rec (type $t (struct (field (ref null $u)))) (type $u (func (param (ref null $t)))))
      (func (export "f") (type $u))
      (func (export "make") (result anyref) (struct.new_default $t)))"#;
    let b = r#"
    (module
      (rec (type $t (struct (field (ref null $u)))) (type $u (func (param (ref null $t)))))
      (import "a" "f" (func $f (type $u)))
      (func (export "is_t") (param anyref) (result i32)
        (ref.test (ref $t) (local.get 0))))"#;
    let rt = Runtime::with_config(RuntimeConfig::interpreter());
    let ma = rt
        .instantiate_with_config(
            &wat::parse_str(a).unwrap(),
            wasmscope::ModuleConfig::new().with_name("a"),
        )
        .unwrap();
    let mb = rt.instantiate(&wat::parse_str(b).unwrap()).unwrap();
    let made = ma.exported_function("make").unwrap().call(&[]).unwrap();
    assert_eq!(
        mb.exported_function("is_t").unwrap().call(&made).unwrap(),
        vec![1]
    );
}

#[test]
fn references_the_host_reads_stay_valid_and_forged_ones_are_refused() {
    let wat = r#"
    (module
      (type $node (struct (field $v i32) (field $next (ref null $node))))
      (type $junk (array (mut i64)))
      (global $g (export "g") (mut anyref) (ref.null any))
      (func (export "keep") (global.set $g (struct.new $node (i32.const 41) (ref.null $node))))
      (func (export "forget") (global.set $g (ref.null any)))
      (func (export "churn") (param $n i32)
        (block $done (loop $next
          (br_if $done (i32.eqz (local.get $n)))
          (drop (array.new_default $junk (i32.const 64)))
          (local.set $n (i32.sub (local.get $n) (i32.const 1)))
          (br $next))))
      (func (export "value_of") (param anyref) (result i32)
        (struct.get $node $v (ref.cast (ref $node) (local.get 0)))))"#;
    let rt = Runtime::with_config(RuntimeConfig::interpreter());
    let m = rt.instantiate(&wat::parse_str(wat).unwrap()).unwrap();
    let call = |name: &str, args: &[u64]| m.exported_function(name).unwrap().call(args);
    call("keep", &[]).unwrap();
    // The host reads the global, the program forgets it, collections run.
    let r = m.exported_global("g").unwrap().get();
    call("forget", &[]).unwrap();
    let collections = rt.heap_stats().collections;
    call("churn", &[20000]).unwrap();
    assert!(rt.heap_stats().collections > collections);
    assert_eq!(call("value_of", &[r]).unwrap(), vec![41]);
    // A reference the host was never given is refused, never followed.
    let forged = (1u64 << 63) | 123_456;
    let e = call("value_of", &[forged]).unwrap_err();
    assert!(e.to_string().contains("neither a host handle"), "{e}");
    let e = m.exported_global("g").unwrap().set(forged).unwrap_err();
    assert!(e.to_string().contains("neither a host handle"), "{e}");
    // A debugger's look (`peek`) keeps nothing alive: once the program forgets the
    // object, the runtime does not take the reference back.
    call("keep", &[]).unwrap();
    let peeked = m.exported_global("g").unwrap().peek() as u64;
    assert!(matches!(
        Value::AnyRef(Some(peeked)).gc_ref(),
        Some(GcRef::Object(_))
    ));
    call("forget", &[]).unwrap();
    call("churn", &[20000]).unwrap();
    let e = call("value_of", &[peeked]).unwrap_err();
    assert!(e.to_string().contains("neither a host handle"), "{e}");
    // A host handle and an i31ref are fine.
    m.exported_global("g").unwrap().set(5).unwrap();
    m.exported_global("g").unwrap().set((1 << 62) | 9).unwrap();
}

#[test]
fn the_engine_rule_holds_in_every_compilation_mode() {
    // No GC type: only an instruction in a body says the module uses GC.
    let wat = r#"(module (func (export "f") (param i32) (result i32)
        (i31.get_s (ref.i31 (local.get 0)))))"#;
    let wasm = wat::parse_str(wat).unwrap();
    let plain = wat::parse_str(
        r#"(module (func (export "f") (param i32) (result i32)
        (local.get 0)))"#,
    )
    .unwrap();
    let compiles = RuntimeConfig::compiler().engine() == EngineKind::Compiler;
    let native = if compiles {
        EngineKind::Compiler
    } else {
        EngineKind::Interpreter
    };
    for mode in [
        wasmscope::CompilationMode::LazyTranslation,
        wasmscope::CompilationMode::Eager,
        wasmscope::CompilationMode::Lazy,
    ] {
        // (engine for the GC module, engine for the plain one)
        let rules = [
            (RuntimeConfig::new(), native, native),
            (RuntimeConfig::compiler(), native, native),
            // Tiered: GC on the interpreter alone, unless the compiler is asked for.
            (
                RuntimeConfig::new().with_tiering(1),
                EngineKind::Interpreter,
                native,
            ),
            (RuntimeConfig::compiler().with_tiering(1), native, native),
            (
                RuntimeConfig::interpreter(),
                EngineKind::Interpreter,
                EngineKind::Interpreter,
            ),
        ];
        for (config, gc_engine, plain_engine) in rules {
            let what = format!("{mode:?} {config:?}");
            let rt = Runtime::with_config(config.with_compilation_mode(mode));
            let compiled = rt.compile_module(&wasm).unwrap();
            assert_eq!(compiled.engine(), Some(gc_engine), "{what}");
            let other = rt.compile_module(&plain).unwrap();
            assert_eq!(other.engine(), Some(plain_engine), "{what}");
            let m = rt
                .instantiate_module(&compiled, wasmscope::ModuleConfig::new())
                .unwrap();
            let got = m
                .exported_function("f")
                .unwrap()
                .call(&[u32::MAX as u64])
                .unwrap();
            assert_eq!(got, vec![u32::MAX as u64], "{what}");
        }
    }
}

#[test]
fn a_cache_shared_by_runtimes_gives_each_its_engine() {
    if RuntimeConfig::compiler().engine() != EngineKind::Compiler {
        return;
    }
    let cache = wasmscope::CompilationCache::new();
    let tiered = Runtime::with_config(
        RuntimeConfig::new()
            .with_tiering(1)
            .with_compilation_cache(cache.clone()),
    );
    let plain = Runtime::with_config(RuntimeConfig::new().with_compilation_cache(cache));
    let first = tiered.compile_module(&sample()).unwrap();
    let second = plain.compile_module(&sample()).unwrap();
    assert_eq!(first.engine(), Some(EngineKind::Interpreter));
    assert_eq!(second.engine(), Some(EngineKind::Compiler));
}

/// A reference only a caller's compiled frame holds, while a callee in another instance
/// allocates with a collection at every allocation: the object survives (the scan goes
/// up to the host's entry, across the instances' frames), on every engine.
#[test]
fn what_a_callers_frame_in_another_instance_holds_survives_collections() {
    let lib = r#"(module
      (type $junk (array (mut i64)))
      (func (export "churn") (param $n i32)
        (block $done (loop $next
          (br_if $done (i32.eqz (local.get $n)))
          (drop (array.new_default $junk (i32.const 16)))
          (local.set $n (i32.sub (local.get $n) (i32.const 1)))
          (br $next)))))"#;
    let main = r#"(module
      (type $box (struct (field i32)))
      (import "lib" "churn" (func $churn (param i32)))
      (func (export "run") (param $v i32) (result i32)
        (local $b (ref null $box))
        (local.set $b (struct.new $box (local.get $v)))
        (call $churn (i32.const 200))
        (struct.get $box 0 (local.get $b)))
      ;; The reference on the operand stack across the call, not in a local.
      (func (export "run_stack") (param $v i32) (result i32)
        (struct.get $box 0
          (block (result (ref $box))
            (struct.new $box (local.get $v))
            (call $churn (i32.const 200))))))"#;
    for config in engines() {
        let engine = config.engine();
        let rt = Runtime::with_config(config.with_gc_zeal(true));
        rt.instantiate_with_config(
            &wat::parse_str(lib).unwrap(),
            wasmscope::ModuleConfig::new().with_name("lib"),
        )
        .unwrap();
        let m = rt.instantiate(&wat::parse_str(main).unwrap()).unwrap();
        for name in ["run", "run_stack"] {
            let before = rt.heap_stats().collections;
            let got = m.exported_function(name).unwrap().call(&[41]).unwrap();
            assert_eq!(got, vec![41], "{engine:?} {name}");
            assert!(
                rt.heap_stats().collections > before + 100,
                "{engine:?} {name}: {:?}",
                rt.heap_stats()
            );
        }
    }
}

/// A GC operator's trap and `ref.as_non_null`'s in the middle of a loop of GC operators
/// (which the interpreter's fast path runs): the trap, its trace and the values it leaves
/// are the same on every engine.
#[test]
fn traps_amid_gc_operators_are_the_same_on_every_engine() {
    let wat = r#"(module
      (type $cell (struct (field (mut i32)) (field (ref null $cell))))
      (func $walk (param $c (ref null $cell)) (param $n i32) (result i32)
        (local $acc i32)
        (block $done (loop $next
          (br_if $done (i32.eqz (local.get $n)))
          (local.set $acc (i32.add (local.get $acc) (struct.get $cell 0 (local.get $c))))
          (local.set $c (struct.get $cell 1 (ref.as_non_null (local.get $c))))
          (local.set $n (i32.sub (local.get $n) (i32.const 1)))
          (br $next)))
        (local.get $acc))
      (func $list (param $n i32) (result (ref null $cell))
        (local $l (ref null $cell))
        (block $done (loop $next
          (br_if $done (i32.eqz (local.get $n)))
          (local.set $l (struct.new $cell (local.get $n) (local.get $l)))
          (local.set $n (i32.sub (local.get $n) (i32.const 1)))
          (br $next)))
        (local.get $l))
      ;; 5 cells: walking 5 sums them, 6 reads a null cell (struct.get), and the
      ;; ref.as_non_null traps on the null after the fifth cell when the sum skips it.
      (func (export "walk") (param i32) (result i32)
        (call $walk (call $list (i32.const 5)) (local.get 0)))
      (func (export "skip") (result i32)
        (local $c (ref null $cell))
        (local.set $c (call $list (i32.const 5)))
        (block $done (loop $next
          (local.set $c (struct.get $cell 1 (ref.as_non_null (local.get $c))))
          (br $next)))
        (i32.const 0)))"#;
    let wasm = wat::parse_str(wat).unwrap();
    let mut seen: Vec<(EngineKind, String)> = Vec::new();
    for config in engines() {
        let engine = config.engine();
        let rt = Runtime::with_config(config);
        let m = rt.instantiate(&wasm).unwrap();
        let walk = m.exported_function("walk").unwrap();
        assert_eq!(walk.call(&[5]).unwrap(), vec![15], "{engine:?}");
        let e = walk.call(&[6]).unwrap_err();
        assert_eq!(
            e.trap_code(),
            Some(TrapCode::NullStructReference),
            "{engine:?}: {e}"
        );
        let f = m.exported_function("skip").unwrap().call(&[]).unwrap_err();
        assert_eq!(
            f.trap_code(),
            Some(TrapCode::NullReference),
            "{engine:?}: {f}"
        );
        seen.push((engine, format!("{e}\n--\n{f}")));
    }
    for (engine, text) in &seen[1..] {
        assert_eq!(text, &seen[0].1, "{engine:?} against {:?}", seen[0].0);
    }
}

#[test]
fn an_allocation_too_large_in_a_constant_expression_fails_cleanly() {
    let wat = r#"(module (type $a (array i8))
        (global (ref $a) (array.new $a (i32.const 0) (i32.const 0x40000001))))"#;
    let e = Runtime::new()
        .instantiate(&wat::parse_str(wat).unwrap())
        .unwrap_err();
    assert!(e.to_string().contains("allocation too large"), "{e}");
}

#[test]
fn host_functions_keep_the_objects_they_get_and_cannot_forge_any() {
    use std::sync::{Arc, Mutex};
    let rt = Runtime::with_config(RuntimeConfig::interpreter());
    let kept = Arc::new(Mutex::new(0u64));
    let (k1, k2) = (kept.clone(), kept.clone());
    rt.new_host_module_builder("host")
        .new_function_builder()
        .with_raw_func(&[ValueType::AnyRef], &[], move |_, stack| {
            *k1.lock().unwrap() = stack[0];
            Ok(())
        })
        .export("keep")
        .new_function_builder()
        .with_raw_func(&[], &[ValueType::AnyRef], move |_, stack| {
            stack[0] = *k2.lock().unwrap();
            Ok(())
        })
        .export("give")
        .new_function_builder()
        .with_raw_func(&[], &[ValueType::AnyRef], |_, stack| {
            stack[0] = (1 << 63) | 999_999;
            Ok(())
        })
        .export("forge")
        .instantiate()
        .unwrap();
    let wat = r#"
    (module
      (type $node (struct (field $v i32)))
      (type $junk (array (mut i64)))
      (import "host" "keep" (func $keep (param anyref)))
      (import "host" "give" (func $give (result anyref)))
      (import "host" "forge" (func $forge (result anyref)))
      (func (export "hand_over") (call $keep (struct.new $node (i32.const 41))))
      (func (export "churn") (param $n i32)
        (block $done (loop $next
          (br_if $done (i32.eqz (local.get $n)))
          (drop (array.new_default $junk (i32.const 64)))
          (local.set $n (i32.sub (local.get $n) (i32.const 1)))
          (br $next))))
      (func (export "take_back") (result i32)
        (struct.get $node $v (ref.cast (ref $node) (call $give))))
      (func (export "forged") (result i32)
        (struct.get $node $v (ref.cast (ref $node) (call $forge)))))"#;
    let m = rt.instantiate(&wat::parse_str(wat).unwrap()).unwrap();
    let call = |name: &str, args: &[u64]| m.exported_function(name).unwrap().call(args);
    call("hand_over", &[]).unwrap();
    let collections = rt.heap_stats().collections;
    call("churn", &[20000]).unwrap();
    assert!(rt.heap_stats().collections > collections);
    // The host kept the object: it survived the collections.
    assert_eq!(call("take_back", &[]).unwrap(), vec![41]);
    let e = call("forged", &[]).unwrap_err();
    assert!(e.to_string().contains("host function result"), "{e}");
}
