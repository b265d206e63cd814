//! Tiered compilation (`RuntimeConfig::with_tiering`): functions start on the
//! interpreter and run compiled once hot. The suites of every engine run tiered too (the
//! "tiered" engine of `common::engines`, threshold 1); these tests check what only
//! tiering does: which functions get compiled, and that calls crossing from interpreted
//! into compiled code keep results, traps and their traces, exceptions and exits as the
//! interpreter has them.

mod common;

use wasmscope::{EngineKind, ModuleConfig, Runtime, RuntimeConfig};

/// Whether this platform has the compiler (else there is nothing to tier).
fn compiles() -> bool {
    RuntimeConfig::compiler().engine() == EngineKind::Compiler
}

const CHAIN: &str = r#"(module
  (func $leaf (param i32) (result i32)
    (i32.div_u (i32.const 100) (local.get 0)))
  (func $rare (param i32) (result i32) (i32.mul (local.get 0) (i32.const 1000)))
  (func $mid (param i32) (result i32)
    (i32.add (call $leaf (local.get 0))
      (if (result i32) (i32.eq (local.get 0) (i32.const 7))
        (then (call $rare (local.get 0)))
        (else (i32.const 1)))))
  (func $cold (result i32) (i32.const 5))
  (func (export "run") (param i32) (result i32)
    (call $mid (local.get 0)))
  (func (export "once") (result i32) (call $cold))
  (func (export "loop") (param i32) (result i32) (local $acc i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get 0)))
        (local.set $acc (i32.add (local.get $acc) (call $mid (local.get 0))))
        (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
        (br $next)))
    (local.get $acc)))"#;

#[test]
fn only_hot_functions_are_compiled() {
    if !compiles() {
        return;
    }
    let rt = Runtime::with_config(RuntimeConfig::compiler().with_tiering(10));
    let compiled = rt.compile_module(&wat::parse_str(CHAIN).unwrap()).unwrap();
    let m = rt
        .instantiate_module(&compiled, ModuleConfig::new())
        .unwrap();
    let (run, once, looped) = (
        m.exported_function("run").unwrap(),
        m.exported_function("once").unwrap(),
        m.exported_function("loop").unwrap(),
    );
    assert_eq!(once.call(&[]).unwrap(), [5]);
    compiled.wait_for_background_compiles();
    assert_eq!(
        compiled.translated_function_count(),
        0,
        "a cold call compiles nothing"
    );
    // `loop` runs once, on the interpreter; it calls `$mid` 9 times: not hot yet.
    assert_eq!(looped.call(&[9]).unwrap(), [looped_sum(9)]);
    compiled.wait_for_background_compiles();
    assert_eq!(
        compiled.translated_function_count(),
        0,
        "nine calls are not ten"
    );
    // The tenth and later calls of `$mid` and `$leaf` run compiled; `$rare`, which
    // compiled `$mid` calls once (at 7), runs on the interpreter from there.
    assert_eq!(looped.call(&[30]).unwrap(), [looped_sum(30)]);
    compiled.wait_for_background_compiles();
    assert_eq!(compiled.translated_function_count(), 2, "$mid and $leaf");
    // The host's calls of `run` count too.
    for i in 1..=12 {
        assert_eq!(run.call(&[i]).unwrap(), [mid(i)]);
    }
    compiled.wait_for_background_compiles();
    assert_eq!(compiled.translated_function_count(), 3, "and run");
    assert_eq!(once.call(&[]).unwrap(), [5]);
    compiled.wait_for_background_compiles();
    assert_eq!(
        compiled.translated_function_count(),
        3,
        "never $rare, $cold nor once"
    );
    // `$rare` called from compiled code until it is hot.
    assert_eq!(looped.call(&[7]).unwrap(), [looped_sum(7)]);
    compiled.wait_for_background_compiles();
    assert_eq!(compiled.translated_function_count(), 3);
    for _ in 0..8 {
        assert_eq!(run.call(&[7]).unwrap(), [mid(7)]);
    }
    compiled.wait_for_background_compiles();
    assert_eq!(compiled.translated_function_count(), 4, "$rare is hot now");
}

/// `$mid(i)`.
fn mid(i: u64) -> u64 {
    100 / i + if i == 7 { 7000 } else { 1 }
}

fn looped_sum(n: u64) -> u64 {
    (1..=n).map(mid).sum()
}

/// The error of `run(0)` (a divide by zero two calls deep) after `warm` calls of `run(1)`.
fn trap_after(config: RuntimeConfig, warm: usize) -> String {
    let rt = Runtime::with_config(config);
    let compiled = rt.compile_module(&wat::parse_str(CHAIN).unwrap()).unwrap();
    let m = rt
        .instantiate_module(&compiled, ModuleConfig::new().with_name("app"))
        .unwrap();
    let looped = m.exported_function("loop").unwrap();
    for _ in 0..warm {
        looped.call(&[1]).unwrap();
    }
    compiled.wait_for_background_compiles();
    m.exported_function("run")
        .unwrap()
        .call(&[0])
        .unwrap_err()
        .to_string()
}

#[test]
fn a_trap_in_compiled_code_called_from_the_interpreter_has_the_whole_trace() {
    if !compiles() {
        return;
    }
    let interpreted = trap_after(RuntimeConfig::interpreter(), 0);
    assert!(
        interpreted.contains("integer divide by zero"),
        "{interpreted}"
    );
    assert_eq!(
        interpreted.matches("\n\tapp.").count(),
        3,
        "leaf, mid, run:\n{interpreted}"
    );
    // From 3 warm-up calls on, `$mid` is hot: `run`, interpreted, calls it compiled
    // (and `$leaf` with it), and the trace crosses from compiled frames into the
    // interpreter's.
    for warm in [0, 1, 2, 3, 5, 8] {
        let tiered = trap_after(RuntimeConfig::compiler().with_tiering(3), warm);
        assert_eq!(tiered, interpreted, "after {warm} warm-up calls");
    }
}

#[test]
fn exceptions_cross_from_compiled_into_interpreted_handlers() {
    if !compiles() {
        return;
    }
    let wat = r#"(module
      (tag $e (param i32))
      (func $thrower (param i32)
        (if (i32.gt_u (local.get 0) (i32.const 50)) (then (throw $e (local.get 0)))))
      (func (export "run") (param i32) (result i32)
        (block $caught (result i32)
          (try_table (catch $e $caught)
            (call $thrower (local.get 0)))
          (i32.const -1))))"#;
    let rt = Runtime::with_config(RuntimeConfig::compiler().with_tiering(2));
    let compiled = rt.compile_module(&wat::parse_str(wat).unwrap()).unwrap();
    let m = rt
        .instantiate_module(&compiled, ModuleConfig::new())
        .unwrap();
    let run = m.exported_function("run").unwrap();
    for i in 0..100u64 {
        let want = if i > 50 { i } else { u32::MAX as u64 };
        assert_eq!(run.call(&[i]).unwrap(), [want], "run({i})");
    }
    compiled.wait_for_background_compiles();
    assert_eq!(compiled.translated_function_count(), 2);
}

#[test]
fn calls_into_hot_functions_of_other_instances_run_compiled() {
    if !compiles() {
        return;
    }
    let lib = r#"(module
      (global $g (export "g") (mut i32) (i32.const 0))
      (func (export "bump") (param i32) (result i32)
        (global.set $g (i32.add (global.get $g) (local.get 0)))
        (global.get $g))
      (func $boom (export "boom") unreachable))"#;
    let app = r#"(module
      (import "lib" "bump" (func $bump (param i32) (result i32)))
      (import "lib" "boom" (func $boom))
      (func (export "run") (param i32) (result i32) (local $r i32)
        (block $done
          (loop $next
            (br_if $done (i32.eqz (local.get 0)))
            (local.set $r (call $bump (i32.const 2)))
            (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
            (br $next)))
        (local.get $r))
      (func (export "fail") (call $boom)))"#;
    let mut errors = Vec::new();
    for config in [
        RuntimeConfig::interpreter(),
        RuntimeConfig::compiler().with_tiering(4),
    ] {
        let rt = Runtime::with_config(config);
        let lib_code = rt.compile_module(&wat::parse_str(lib).unwrap()).unwrap();
        rt.instantiate_module(&lib_code, ModuleConfig::new().with_name("lib"))
            .unwrap();
        let m = rt
            .instantiate_with_config(
                &wat::parse_str(app).unwrap(),
                ModuleConfig::new().with_name("app"),
            )
            .unwrap();
        assert_eq!(
            m.exported_function("run").unwrap().call(&[10]).unwrap(),
            [20]
        );
        assert_eq!(
            m.exported_function("run").unwrap().call(&[5]).unwrap(),
            [30]
        );
        let fail = m.exported_function("fail").unwrap();
        for _ in 0..6 {
            errors.push(fail.call(&[]).unwrap_err().to_string());
        }
        if rt.config().tiering() > 0 {
            lib_code.wait_for_background_compiles();
            assert_eq!(
                lib_code.translated_function_count(),
                2,
                "bump and boom, hot"
            );
        }
    }
    assert!(errors.iter().all(|e| *e == errors[0]), "{errors:#?}");
    assert!(errors[0].contains("\tlib.boom()"), "{}", errors[0]);
}

#[test]
fn an_exit_from_compiled_code_closes_the_module() {
    if !compiles() {
        return;
    }
    // A WASI program whose hot function calls `proc_exit`.
    let wat = r#"(module
      (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
      (memory (export "memory") 1)
      (func $step (param i32) (result i32)
        (if (i32.eq (local.get 0) (i32.const 40)) (then (call $exit (i32.const 3))))
        (i32.add (local.get 0) (i32.const 1)))
      (func (export "_start") (local $i i32)
        (loop $next
          (local.set $i (call $step (local.get $i)))
          (br $next))))"#;
    for tiering in [0, 1, 7, 100] {
        let rt = Runtime::with_config(RuntimeConfig::compiler().with_tiering(tiering));
        wasmscope::wasi::instantiate(&rt).unwrap();
        let err = rt
            .instantiate_with_config(&wat::parse_str(wat).unwrap(), ModuleConfig::new())
            .unwrap_err();
        assert_eq!(err.exit_code(), Some(3), "tiering {tiering}: {err}");
    }
}

#[test]
fn listeners_and_fuel_turn_tiering_off() {
    if !compiles() {
        return;
    }
    // With fuel, every function compiles on its first call (one engine counts it).
    let rt = Runtime::with_config(
        RuntimeConfig::compiler()
            .with_tiering(50)
            .with_fuel(1 << 30),
    );
    let compiled = rt.compile_module(&wat::parse_str(CHAIN).unwrap()).unwrap();
    let m = rt
        .instantiate_module(&compiled, ModuleConfig::new())
        .unwrap();
    m.exported_function("once").unwrap().call(&[]).unwrap();
    compiled.wait_for_background_compiles();
    assert_eq!(compiled.translated_function_count(), 2, "once and $cold");
}

#[test]
fn the_bench_workloads_give_the_interpreters_checksums() {
    if !compiles() {
        return;
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../samples/bench");
    for (name, n) in [
        ("fib", 15),
        ("sort", 300),
        ("sha256", 600),
        ("bytecode", 200),
    ] {
        let wasm = std::fs::read(dir.join(format!("{name}.wasm"))).unwrap();
        let mut sums = Vec::new();
        for config in [
            RuntimeConfig::interpreter(),
            RuntimeConfig::compiler().with_tiering(1),
            RuntimeConfig::compiler().with_tiering(30),
        ] {
            let rt = Runtime::with_config(config);
            let m = rt.instantiate(&wasm).unwrap();
            let run = m.exported_function("run").unwrap();
            sums.push((0..3).map(|_| run.call(&[n]).unwrap()).collect::<Vec<_>>());
        }
        assert!(sums.iter().all(|s| *s == sums[0]), "{name}: {sums:?}");
    }
}

const MUTUAL: &str = r#"(module
  (func $f (export "f") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (i32.add (call $g (i32.sub (local.get 0) (i32.const 1))) (i32.const 1)))))
  (func $g (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (i32.add (call $f (i32.sub (local.get 0) (i32.const 1))) (i32.const 2)))))
  )"#;

/// `$f` compiled and `$g` cold: every call between them crosses between the engines.
fn mutual(threshold: u32) -> (Runtime, wasmscope::Module) {
    let rt = Runtime::with_config(RuntimeConfig::compiler().with_tiering(threshold));
    let compiled = rt.compile_module(&wat::parse_str(MUTUAL).unwrap()).unwrap();
    let m = rt
        .instantiate_module(&compiled, ModuleConfig::new())
        .unwrap();
    let f = m.exported_function("f").unwrap();
    for _ in 0..threshold + 1 {
        assert_eq!(f.call(&[0]).unwrap(), [0]);
    }
    compiled.wait_for_background_compiles();
    assert_eq!(compiled.translated_function_count(), 1, "$f alone");
    (rt, m)
}

#[test]
fn recursion_through_both_engines_ends_as_on_either() {
    if !compiles() {
        return;
    }
    // Deep, and it ends (calls cross between the engines until `$g` is hot and
    // compiled, or until a few dozen crossings are nested: then calls stay on the
    // engine they are made in; `tier_tests` in the executor checks that rule).
    let (_rt, m) = mutual(5);
    let f = m.exported_function("f").unwrap();
    assert_eq!(f.call(&[20000]).unwrap(), [30000]);
    // Endless: it traps as on either engine, without running out of memory.
    let (_rt, m) = mutual(5);
    let err = m
        .exported_function("f")
        .unwrap()
        .call(&[u32::MAX as u64 >> 1])
        .unwrap_err();
    assert!(err.to_string().contains("call stack exhausted"), "{err}");
}
