//! Life-cycle tests of the public API beyond `api.rs`: host modules (`with_func`,
//! `with_raw_func`, `Caller`), exits from host functions and start functions, close
//! notifiers, closing, interrupts and deadlines, fuel, the compilation cache, memory
//! configuration, introspection, rollback of failed instantiation and host functions
//! called from several threads.
//!
//! The expected behaviour is wazero's (`runtime.go`) unless the contract
//! (`docs/design/runtime-api.md`) or the crate docs say otherwise. Every test runs on
//! every engine (`common::on_every_engine`).

mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use wasmscope::{
    Caller, CompilationCache, Error, ErrorKind, InterruptHandle, Limits, MemoryDefinition,
    MemoryType, Module, ModuleConfig, Runtime, TrapCode, ValueType, EXIT_CODE_CANCELED,
    EXIT_CODE_DEADLINE_EXCEEDED,
};

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// A runtime on the engine under test.
fn runtime() -> Runtime {
    Runtime::with_config(common::engine_config())
}

/// A runtime whose code polls for closes, interrupts and deadlines.
fn polling_runtime() -> Runtime {
    Runtime::with_config(common::engine_config().with_close_on_deadline(true))
}

fn wasm(src: &str) -> Vec<u8> {
    wat::parse_str(src).expect("valid wat")
}

#[track_caller]
fn expect_err<T>(r: Result<T, Error>) -> Error {
    match r {
        Ok(_) => panic!("expected an error, got Ok"),
        Err(e) => e,
    }
}

fn is_usage(e: &Error) -> bool {
    matches!(e.kind(), ErrorKind::Usage(_))
}

/// A close notifier that records every code it is called with.
fn recorder() -> (Arc<Mutex<Vec<u32>>>, impl Fn(u32) + Send + Sync + 'static) {
    let calls = Arc::new(Mutex::new(Vec::new()));
    let c = calls.clone();
    (calls, move |code| c.lock().unwrap().push(code))
}

fn recorded(calls: &Arc<Mutex<Vec<u32>>>) -> Vec<u32> {
    calls.lock().unwrap().clone()
}

/// Instantiates host module `env` with `exit(code)`, which closes its caller with `code`
/// (what WASI's `proc_exit` does), and `fail_exit(code)`, which returns `Error::exit`.
fn exit_host(rt: &Runtime) -> Module {
    rt.new_host_module_builder("env")
        .new_function_builder()
        .with_func(|mut caller: Caller<'_>, code: u32| {
            caller.close_with_exit_code(code);
        })
        .export("exit")
        .new_function_builder()
        .with_func(|code: u32| -> Result<(), Error> { Err(Error::exit(code)) })
        .export("fail_exit")
        .instantiate()
        .expect("host module env")
}

/// Runs `f` on a new thread and waits for its result for at most `secs` seconds.
#[track_caller]
fn within<T: Send + 'static>(secs: u64, what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    let engine = common::engine();
    thread::spawn(move || {
        let _ = tx.send(common::with_engine(engine, f));
    });
    rx.recv_timeout(Duration::from_secs(secs))
        .unwrap_or_else(|_| panic!("{what} did not finish within {secs} s"))
}

// ---------------------------------------------------------------------------------------
// 1. Host modules
// ---------------------------------------------------------------------------------------

#[test]
fn host_function_called_from_a_guest() {
    if common::on_every_engine(host_function_called_from_a_guest) {
        return;
    }
    let rt = runtime();
    rt.new_host_module_builder("env")
        .new_function_builder()
        .with_func(|a: i32, b: i32| a + b)
        .export("add")
        .instantiate()
        .unwrap();
    let m = rt
        .instantiate(&wasm(
            r#"(module
                (import "env" "add" (func $add (param i32 i32) (result i32)))
                (func (export "run") (param i32 i32) (result i32)
                    local.get 0 local.get 1 call $add i32.const 1 i32.add))"#,
        ))
        .unwrap();
    let run = m.typed_function::<(i32, i32), i32>("run").unwrap();
    assert_eq!(run.call((40, 1)).unwrap(), 42);
    assert_eq!(run.call((-5, 3)).unwrap(), -1);
}

#[test]
fn host_closures_of_every_result_shape() {
    if common::on_every_engine(host_closures_of_every_result_shape) {
        return;
    }
    let rt = runtime();
    let ticks = Arc::new(AtomicU64::new(0));
    let t = ticks.clone();
    rt.new_host_module_builder("env")
        .new_function_builder()
        .with_func(move || {
            t.fetch_add(1, Ordering::SeqCst);
        })
        .export("tick")
        .new_function_builder()
        .with_func(|| 7i32)
        .export("seven")
        .new_function_builder()
        .with_func(|x: i64| (x as i32 * 2, x * 3))
        .export("pair")
        .instantiate()
        .unwrap();
    let m = rt
        .instantiate(&wasm(
            r#"(module
                (import "env" "tick" (func $tick))
                (import "env" "seven" (func $seven (result i32)))
                (import "env" "pair" (func $pair (param i64) (result i32 i64)))
                (func (export "tick3") call $tick call $tick call $tick)
                (func (export "seven") (result i32) call $seven)
                (func (export "pair") (param i64) (result i32 i64) local.get 0 call $pair))"#,
        ))
        .unwrap();
    m.typed_function::<(), ()>("tick3")
        .unwrap()
        .call(())
        .unwrap();
    assert_eq!(ticks.load(Ordering::SeqCst), 3);
    assert_eq!(
        m.typed_function::<(), i32>("seven")
            .unwrap()
            .call(())
            .unwrap(),
        7
    );
    assert_eq!(
        m.typed_function::<i64, (i32, i64)>("pair")
            .unwrap()
            .call(5)
            .unwrap(),
        (10, 15)
    );
    // The signatures were derived from the closures.
    let env = rt.module("env").unwrap();
    let defs = env.exported_function_definitions();
    assert_eq!(defs["tick"].param_types(), &[] as &[ValueType]);
    assert_eq!(defs["tick"].result_types(), &[] as &[ValueType]);
    assert_eq!(defs["seven"].result_types(), &[ValueType::I32]);
    assert_eq!(defs["pair"].param_types(), &[ValueType::I64]);
    assert_eq!(
        defs["pair"].result_types(),
        &[ValueType::I32, ValueType::I64]
    );
}

#[test]
fn host_error_traps_the_guest_with_its_message() {
    if common::on_every_engine(host_error_traps_the_guest_with_its_message) {
        return;
    }
    let rt = runtime();
    rt.new_host_module_builder("env")
        .new_function_builder()
        .with_func(|x: i32| -> Result<i32, Error> {
            if x < 0 {
                Err(Error::new(format!("negative input: {x}")))
            } else {
                Ok(x * 10)
            }
        })
        .export("check")
        .instantiate()
        .unwrap();
    let m = rt
        .instantiate(&wasm(
            r#"(module $app
                (import "env" "check" (func $check (param i32) (result i32)))
                (func $run (export "run") (param i32) (result i32) local.get 0 call $check))"#,
        ))
        .unwrap();
    let run = m.exported_function("run").unwrap();
    assert_eq!(run.call(&[4]).unwrap(), vec![40]);
    let e = expect_err(run.call(&[(-3i32) as u32 as u64]));
    assert_eq!(e.trap_code(), Some(TrapCode::HostError), "{e:?}");
    assert_eq!(e.exit_code(), None);
    let msg = e.to_string();
    assert!(msg.starts_with("wasm error: "), "{msg}");
    assert!(msg.contains("negative input: -3"), "{msg}");
    // The guest frame is in the trace.
    assert!(
        e.trace().iter().any(|f| f.signature.contains("app.run")),
        "{:?}",
        e.trace()
    );
    // A trap does not close the module.
    assert!(!m.is_closed());
    assert_eq!(run.call(&[1]).unwrap(), vec![10]);
}

const TEXT_GUEST: &str = r#"(module
    (import "env" "shout" (func $shout (param i32 i32) (result i32)))
    (memory (export "memory") 1)
    (data (i32.const 0) "hello")
    (func (export "run") (result i32)
        i32.const 0 i32.const 5 call $shout
        ;; The host wrote "HELLO" at 100; the guest sees it right away.
        i32.const 100 i32.load8_u
        i32.add))"#;

#[test]
fn caller_reads_and_writes_the_guest_memory() {
    if common::on_every_engine(caller_reads_and_writes_the_guest_memory) {
        return;
    }
    let rt = runtime();
    let oob = Arc::new(Mutex::new(None));
    let o = oob.clone();
    rt.new_host_module_builder("env")
        .new_function_builder()
        .with_func(move |mut caller: Caller<'_>, ptr: u32, len: u32| -> u32 {
            let text = caller.read(ptr, len).expect("in range").to_vec();
            let upper = text.to_ascii_uppercase();
            assert!(caller.write(100, &upper));
            // Out of range: None / false, nothing written.
            *o.lock().unwrap() = Some((
                caller.read(65535, 2).is_none(),
                caller.read(u32::MAX, 2).is_none(),
                !caller.write(65535, b"xy"),
                caller.read(65535, 1) == Some(&[0u8][..]),
            ));
            text.len() as u32
        })
        .export("shout")
        .instantiate()
        .unwrap();
    let m = rt.instantiate(&wasm(TEXT_GUEST)).unwrap();
    let r = m.exported_function("run").unwrap().call(&[]).unwrap();
    assert_eq!(r, vec![5 + b'H' as u64]);
    let mem = m.exported_memory("memory").unwrap();
    assert_eq!(mem.read(100, 5), Some(b"HELLO".to_vec()));
    assert_eq!(mem.read(0, 5), Some(b"hello".to_vec()));
    assert_eq!(*oob.lock().unwrap(), Some((true, true, true, true)));
}

#[test]
fn caller_reads_and_sets_the_guest_globals() {
    if common::on_every_engine(caller_reads_and_sets_the_guest_globals) {
        return;
    }
    let rt = runtime();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    rt.new_host_module_builder("env")
        .new_function_builder()
        .with_func(move |mut caller: Caller<'_>| -> i32 {
            let old = caller.global("g").expect("exported global g");
            let set_g = caller.set_global("g", old + 10);
            let set_k = caller.set_global("k", 99);
            let missing = caller.global("missing");
            let unexported = caller.global("hidden");
            s.lock()
                .unwrap()
                .push((caller.global("k"), set_g, set_k, missing, unexported));
            old as i32
        })
        .export("bump")
        .instantiate()
        .unwrap();
    let m = rt
        .instantiate(&wasm(
            r#"(module
                (import "env" "bump" (func $bump (result i32)))
                (global $g (export "g") (mut i32) (i32.const 5))
                (global (export "k") i32 (i32.const 1))
                (global $hidden (mut i32) (i32.const 3))
                (func (export "run") (result i32 i32) call $bump global.get $g))"#,
        ))
        .unwrap();
    let r = m
        .typed_function::<(), (i32, i32)>("run")
        .unwrap()
        .call(())
        .unwrap();
    assert_eq!(r, (5, 15), "old value, then the value the guest sees");
    assert_eq!(m.exported_global("g").unwrap().get(), 15);
    assert_eq!(m.exported_global("k").unwrap().get(), 1, "immutable");
    assert_eq!(
        *seen.lock().unwrap(),
        vec![(Some(1), true, false, None, None)]
    );
}

#[test]
fn raw_host_functions_use_the_stack() {
    if common::on_every_engine(raw_host_functions_use_the_stack) {
        return;
    }
    let rt = runtime();
    let lens = Arc::new(Mutex::new(Vec::new()));
    let (l1, l2) = (lens.clone(), lens.clone());
    rt.new_host_module_builder("env")
        .new_function_builder()
        .with_raw_func(
            &[ValueType::I32],
            &[ValueType::I32],
            move |_caller, stack| {
                l1.lock().unwrap().push(stack.len());
                stack[0] = (stack[0] as u32).wrapping_mul(3) as u64;
                Ok(())
            },
        )
        .export("triple")
        .new_function_builder()
        .with_raw_func(
            &[ValueType::I32, ValueType::I64],
            &[ValueType::I64],
            move |caller, stack| {
                l2.lock().unwrap().push(stack.len());
                // The caller is there too: read a byte of its memory.
                let byte = caller.read(0, 1).map_or(0, |b| b[0]) as u64;
                stack[0] = stack[0] + stack[1] + byte;
                Ok(())
            },
        )
        .export("sum")
        .new_function_builder()
        .with_raw_func(&[], &[ValueType::I32], |_caller, _stack| {
            Err(Error::new("raw failure"))
        })
        .export("fail")
        .instantiate()
        .unwrap();
    let m = rt
        .instantiate(&wasm(
            r#"(module
                (import "env" "triple" (func $triple (param i32) (result i32)))
                (import "env" "sum" (func $sum (param i32 i64) (result i64)))
                (import "env" "fail" (func $fail (result i32)))
                (memory 1) (data (i32.const 0) "\07")
                (func (export "triple") (param i32) (result i32) local.get 0 call $triple)
                (func (export "sum") (param i32 i64) (result i64)
                    local.get 0 local.get 1 call $sum)
                (func (export "fail") (result i32) call $fail))"#,
        ))
        .unwrap();
    assert_eq!(
        m.exported_function("triple").unwrap().call(&[14]).unwrap(),
        vec![42]
    );
    assert_eq!(
        m.exported_function("sum").unwrap().call(&[1, 100]).unwrap(),
        vec![108]
    );
    assert_eq!(*lens.lock().unwrap(), vec![1, 2], "max(params, results)");
    let e = expect_err(m.exported_function("fail").unwrap().call(&[]));
    assert_eq!(e.trap_code(), Some(TrapCode::HostError));
    assert!(e.to_string().contains("raw failure"), "{e}");
}

#[test]
fn host_functions_are_indexed_in_builder_order() {
    if common::on_every_engine(host_functions_are_indexed_in_builder_order) {
        return;
    }
    let rt = runtime();
    let compiled = rt
        .new_host_module_builder("env")
        .new_function_builder()
        .with_func(|| 3i32)
        .export("c")
        .new_function_builder()
        .with_func(|| 1i32)
        .export("a")
        .new_function_builder()
        .with_func(|| 2i32)
        .export("b")
        .compile()
        .unwrap();
    assert_eq!(compiled.name(), Some("env"));
    assert!(compiled.imported_functions().is_empty());
    let defs = compiled.exported_functions();
    let summary: Vec<(u32, Vec<&str>, String)> = defs
        .iter()
        .map(|d| (d.index(), d.export_names(), d.debug_name()))
        .collect();
    assert_eq!(
        summary,
        vec![
            (0, vec!["c"], "env.c".to_string()),
            (1, vec!["a"], "env.a".to_string()),
            (2, vec!["b"], "env.b".to_string()),
        ]
    );
    let m = rt
        .instantiate_module(&compiled, ModuleConfig::new())
        .unwrap();
    assert_eq!(m.name(), "env");
    let defs = m.exported_function_definitions();
    assert_eq!(defs.len(), 3);
    assert_eq!(defs["c"].index(), 0);
    assert_eq!(defs["a"].index(), 1);
    assert_eq!(defs["b"].index(), 2);
    assert_eq!(defs["b"].export_names(), vec!["b"]);
    assert_eq!(defs["b"].module_name(), "env");
    assert_eq!(defs["b"].import(), None);
    assert_eq!(
        m.exported_function("a").unwrap().definition().index(),
        1,
        "Function::definition agrees"
    );
}

#[test]
fn host_function_names_are_in_the_definitions() {
    if common::on_every_engine(host_function_names_are_in_the_definitions) {
        return;
    }
    let rt = runtime();
    let compiled = rt
        .new_host_module_builder("env")
        .new_function_builder()
        .with_func(|x: i32, y: i32| x + y)
        .with_name("sum")
        .with_parameter_names(&["x", "y"])
        .with_result_names(&["total"])
        .export("add")
        .new_function_builder()
        .with_func(|x: i32, _y: i64| (x, x))
        .with_parameter_names(&["x"])
        .export("plain")
        .compile()
        .unwrap();
    let named = |d: &wasmscope::FunctionDefinition| {
        (
            d.name().map(str::to_string),
            d.debug_name(),
            d.param_names()
                .iter()
                .map(|n| n.as_deref().map(str::to_string))
                .collect::<Vec<_>>(),
            d.result_names()
                .iter()
                .map(|n| n.as_deref().map(str::to_string))
                .collect::<Vec<_>>(),
        )
    };
    let s = |x: &str| Some(x.to_string());
    let add_expected = (
        s("sum"),
        "env.sum".to_string(),
        vec![s("x"), s("y")],
        vec![s("total")],
    );
    let plain_expected = (
        s("plain"),
        "env.plain".to_string(),
        vec![s("x"), None],
        vec![None, None],
    );
    let defs = compiled.exported_functions();
    assert_eq!(named(&defs[0]), add_expected);
    assert_eq!(defs[0].export_names(), vec!["add"]);
    assert_eq!(named(&defs[1]), plain_expected);

    // The same through the instance.
    let m = rt
        .instantiate_module(&compiled, ModuleConfig::new())
        .unwrap();
    let defs = m.exported_function_definitions();
    assert_eq!(named(&defs["add"]), add_expected);
    assert_eq!(named(&defs["plain"]), plain_expected);
    let add = m.exported_function("add").unwrap();
    assert_eq!(named(add.definition()), add_expected);
    assert_eq!(add.definition().export_names(), vec!["add"]);
}

#[test]
fn an_empty_host_module_name_is_an_error() {
    if common::on_every_engine(an_empty_host_module_name_is_an_error) {
        return;
    }
    let rt = runtime();
    let e = expect_err(
        rt.new_host_module_builder("")
            .new_function_builder()
            .with_func(|| {})
            .export("f")
            .compile(),
    );
    assert!(is_usage(&e), "{e:?}");
    let e = expect_err(
        rt.new_host_module_builder("")
            .new_function_builder()
            .with_func(|| {})
            .export("f")
            .instantiate(),
    );
    assert!(is_usage(&e), "{e:?}");
    // A module with a name but no functions is fine.
    let empty = rt.new_host_module_builder("empty").instantiate().unwrap();
    assert!(empty.exported_function_definitions().is_empty());
    assert!(rt.module("empty").is_some());
}

#[test]
fn host_builder_mistakes_are_errors() {
    if common::on_every_engine(host_builder_mistakes_are_errors) {
        return;
    }
    let rt = runtime();
    // Exporting without a function.
    let e = expect_err(
        rt.new_host_module_builder("env")
            .new_function_builder()
            .export("nothing")
            .compile(),
    );
    assert!(is_usage(&e), "{e:?}");
    assert!(e.to_string().contains("nothing"), "{e}");

    // Exporting a name twice.
    let e = expect_err(
        rt.new_host_module_builder("env")
            .new_function_builder()
            .with_func(|| 1i32)
            .export("twice")
            .new_function_builder()
            .with_func(|| 2i32)
            .export("twice")
            .compile(),
    );
    assert!(is_usage(&e), "{e:?}");
    assert!(e.to_string().contains("twice"), "{e}");

    // More parameter names than parameters.
    let e = expect_err(
        rt.new_host_module_builder("env")
            .new_function_builder()
            .with_func(|a: i32| a)
            .with_parameter_names(&["a", "b"])
            .export("f")
            .compile(),
    );
    assert!(is_usage(&e), "{e:?}");

    // More result names than results.
    let e = expect_err(
        rt.new_host_module_builder("env")
            .new_function_builder()
            .with_func(|a: i32| a)
            .with_result_names(&["r", "s"])
            .export("f")
            .compile(),
    );
    assert!(is_usage(&e), "{e:?}");

    // A failed instantiate registers nothing.
    expect_err(
        rt.new_host_module_builder("env")
            .new_function_builder()
            .export("f")
            .instantiate(),
    );
    assert!(rt.module("env").is_none());
    // A later, correct module may take the name.
    rt.new_host_module_builder("env")
        .new_function_builder()
        .with_func(|a: i32| a)
        .export("f")
        .instantiate()
        .unwrap();
    assert!(rt.module("env").is_some());
}

#[test]
fn importing_a_host_function_with_the_wrong_type_is_a_link_error() {
    if common::on_every_engine(importing_a_host_function_with_the_wrong_type_is_a_link_error) {
        return;
    }
    let rt = runtime();
    rt.new_host_module_builder("env")
        .new_function_builder()
        .with_func(|a: i32, b: i32| a + b)
        .export("add")
        .instantiate()
        .unwrap();
    let e = expect_err(rt.instantiate_with_config(
        &wasm(r#"(module (import "env" "add" (func (param i64) (result i64))))"#),
        ModuleConfig::new().with_name("guest"),
    ));
    assert!(matches!(e.kind(), ErrorKind::Link(_)), "{e:?}");
    let msg = e.to_string();
    assert!(msg.contains("env.add"), "{msg}");
    assert!(msg.contains("(i64) i64"), "{msg}");
    assert!(msg.contains("(i32,i32) i32"), "{msg}");
    assert!(rt.module("guest").is_none());
}

#[test]
fn host_functions_can_be_called_directly() {
    if common::on_every_engine(host_functions_can_be_called_directly) {
        return;
    }
    let rt = runtime();
    let seen = Arc::new(Mutex::new(None));
    let s = seen.clone();
    let env = rt
        .new_host_module_builder("env")
        .new_function_builder()
        .with_func(|a: i32, b: i32| a + b)
        .export("add")
        .new_function_builder()
        .with_func(move |caller: Caller<'_>| -> i32 {
            *s.lock().unwrap() =
                Some((caller.module_name().to_string(), caller.memory().is_none()));
            1
        })
        .export("who")
        .new_function_builder()
        .with_func(|| -> Result<(), Error> { Err(Error::new("direct failure")) })
        .export("fail")
        .instantiate()
        .unwrap();
    let add = env.exported_function("add").unwrap();
    assert_eq!(add.call(&[2, 3]).unwrap(), vec![5]);
    assert_eq!(
        env.typed_function::<(i32, i32), i32>("add")
            .unwrap()
            .call((-7, 2))
            .unwrap(),
        -5
    );
    let mut stack = [20, 22];
    add.call_with_stack(&mut stack).unwrap();
    assert_eq!(stack[0], 42);
    // Wrong arity is a usage error, not a crash.
    assert!(is_usage(&expect_err(add.call(&[1]))));
    // No calling module: no memory, no name.
    assert_eq!(
        env.exported_function("who").unwrap().call(&[]).unwrap(),
        vec![1]
    );
    assert_eq!(*seen.lock().unwrap(), Some((String::new(), true)));
    let e = expect_err(env.exported_function("fail").unwrap().call(&[]));
    assert_eq!(e.trap_code(), Some(TrapCode::HostError));
    assert!(e.to_string().contains("direct failure"), "{e}");
}

// ---------------------------------------------------------------------------------------
// 2. Exits from host functions
// ---------------------------------------------------------------------------------------

const EXITER: &str = r#"(module
    (import "env" "exit" (func $exit (param i32)))
    (import "env" "fail_exit" (func $fail_exit (param i32)))
    (global $after (export "after") (mut i32) (i32.const 0))
    (func (export "exit") (param i32)
        local.get 0 call $exit
        ;; Never reached.
        i32.const 1 global.set $after)
    (func (export "fail_exit") (param i32)
        local.get 0 call $fail_exit
        i32.const 1 global.set $after))"#;

#[test]
fn closing_the_caller_from_a_host_function_ends_the_call() {
    if common::on_every_engine(closing_the_caller_from_a_host_function_ends_the_call) {
        return;
    }
    let rt = runtime();
    exit_host(&rt);
    let m = rt
        .instantiate_with_config(&wasm(EXITER), ModuleConfig::new().with_name("app"))
        .unwrap();
    let exit = m.exported_function("exit").unwrap();
    let e = expect_err(exit.call(&[3]));
    assert_eq!(e.exit_code(), Some(3), "{e:?}");
    assert_eq!(e.trap_code(), None);
    assert!(matches!(e.kind(), ErrorKind::Exit(3)), "{e:?}");
    assert_eq!(e.to_string(), "module closed with exit_code(3)");
    assert!(m.is_closed());
    assert_eq!(
        m.exported_global("after").unwrap().get(),
        0,
        "ended at the exit"
    );
    assert!(rt.module("app").is_none(), "the name is free");
    // Later calls fail with the same code; the host module is untouched.
    assert_eq!(expect_err(exit.call(&[4])).exit_code(), Some(3));
    assert!(!rt.module("env").unwrap().is_closed());
}

#[test]
fn a_host_function_returning_an_exit_error_ends_the_call() {
    if common::on_every_engine(a_host_function_returning_an_exit_error_ends_the_call) {
        return;
    }
    let rt = runtime();
    exit_host(&rt);
    let m = rt
        .instantiate_with_config(&wasm(EXITER), ModuleConfig::new().with_name("app"))
        .unwrap();
    let e = expect_err(m.exported_function("fail_exit").unwrap().call(&[5]));
    assert_eq!(e.exit_code(), Some(5), "{e:?}");
    assert_eq!(e.trap_code(), None, "an exit is not a trap");
    assert!(matches!(e.kind(), ErrorKind::Exit(5)), "{e:?}");
    assert_eq!(e.to_string(), "module closed with exit_code(5)");
    assert_eq!(m.exported_global("after").unwrap().get(), 0);
}

/// A module whose `_start` calls `env.exit(CODE)` (or `env.fail_exit(CODE)`).
fn start_exiter(code: u32, via_error: bool) -> Vec<u8> {
    let callee = if via_error { "$fail_exit" } else { "$exit" };
    wasm(&format!(
        r#"(module
            (import "env" "exit" (func $exit (param i32)))
            (import "env" "fail_exit" (func $fail_exit (param i32)))
            (global $after (export "after") (mut i32) (i32.const 0))
            (func (export "_start") (call {callee} (i32.const {code})) (global.set $after (i32.const 1)))
            (func (export "f") (result i32) i32.const 1))"#
    ))
}

#[test]
fn a_start_function_exiting_with_zero_succeeds() {
    if common::on_every_engine(a_start_function_exiting_with_zero_succeeds) {
        return;
    }
    let rt = runtime();
    exit_host(&rt);
    let m = rt
        .instantiate_with_config(
            &start_exiter(0, false),
            ModuleConfig::new().with_name("app"),
        )
        .expect("exit code 0 during start-up is success");
    assert_eq!(m.name(), "app");
    // The guest exited, so the module is closed (as in wazero).
    assert!(m.is_closed());
    assert_eq!(m.exported_global("after").unwrap().get(), 0);
}

#[test]
fn a_start_function_exiting_non_zero_is_an_unwrapped_exit_error() {
    if common::on_every_engine(a_start_function_exiting_non_zero_is_an_unwrapped_exit_error) {
        return;
    }
    let rt = runtime();
    exit_host(&rt);
    let (calls, notifier) = recorder();
    let e = expect_err(
        rt.instantiate_with_config(
            &start_exiter(2, false),
            ModuleConfig::new()
                .with_name("app")
                .with_close_notifier(notifier),
        ),
    );
    assert_eq!(e.exit_code(), Some(2), "{e:?}");
    assert_eq!(e.trap_code(), None);
    assert!(matches!(e.kind(), ErrorKind::Exit(2)), "not wrapped: {e:?}");
    assert_eq!(e.to_string(), "module closed with exit_code(2)");
    assert_eq!(recorded(&calls), vec![2], "the notifier saw the exit");
    // The module is gone: its name is free.
    assert!(rt.module("app").is_none());
    let good = rt
        .instantiate_with_config(
            &wasm(r#"(module (func (export "f") (result i32) i32.const 9))"#),
            ModuleConfig::new().with_name("app"),
        )
        .unwrap();
    assert_eq!(
        good.exported_function("f").unwrap().call(&[]).unwrap(),
        vec![9]
    );
}

/// wazero's `InstantiateModule` closes the module on *any* start-function error
/// (`_ = mod.Close(ctx) // Don't leak the module on error.`) before looking at the exit
/// code; an `ExitError` returned by a host function (wazero: a host function panicking
/// with `sys.NewExitError`) must not leave the failed module registered.
#[test]
fn a_start_function_exit_error_does_not_leak_the_module() {
    if common::on_every_engine(a_start_function_exit_error_does_not_leak_the_module) {
        return;
    }
    let rt = runtime();
    exit_host(&rt);
    let (calls, notifier) = recorder();
    let e = expect_err(
        rt.instantiate_with_config(
            &start_exiter(2, true),
            ModuleConfig::new()
                .with_name("app")
                .with_close_notifier(notifier),
        ),
    );
    assert_eq!(e.exit_code(), Some(2), "{e:?}");
    assert_eq!(e.to_string(), "module closed with exit_code(2)");
    assert!(
        rt.module("app").is_none(),
        "instantiation failed, yet module[app] is still registered"
    );
    assert_eq!(
        recorded(&calls).len(),
        1,
        "the failed module was closed once"
    );
    rt.instantiate_with_config(
        &wasm(r#"(module (func (export "f")))"#),
        ModuleConfig::new().with_name("app"),
    )
    .expect("the name of a failed instantiation can be reused");
}

/// Same as above with exit code 0: instantiation succeeds, and (as in wazero) the module
/// that exited is closed.
#[test]
fn a_start_function_exit_error_zero_closes_the_module() {
    if common::on_every_engine(a_start_function_exit_error_zero_closes_the_module) {
        return;
    }
    let rt = runtime();
    exit_host(&rt);
    let m = rt
        .instantiate_with_config(&start_exiter(0, true), ModuleConfig::new().with_name("app"))
        .expect("exit code 0 is success");
    assert_eq!(m.exported_global("after").unwrap().get(), 0);
    assert!(m.is_closed(), "the guest exited during start-up");
}

// ---------------------------------------------------------------------------------------
// 3. Close notifiers
// ---------------------------------------------------------------------------------------

const SIMPLE: &str = r#"(module (func (export "f") (result i32) i32.const 1))"#;

#[test]
fn close_notifier_runs_once_on_module_close() {
    if common::on_every_engine(close_notifier_runs_once_on_module_close) {
        return;
    }
    let rt = runtime();
    let (calls, notifier) = recorder();
    let m = rt
        .instantiate_with_config(
            &wasm(SIMPLE),
            ModuleConfig::new()
                .with_name("m")
                .with_close_notifier(notifier),
        )
        .unwrap();
    assert!(recorded(&calls).is_empty(), "not before the close");
    m.close_with_exit_code(7).unwrap();
    assert_eq!(recorded(&calls), vec![7]);
    m.close_with_exit_code(8).unwrap();
    m.close().unwrap();
    rt.close_with_exit_code(1).unwrap();
    assert_eq!(recorded(&calls), vec![7], "only the first close notifies");
}

#[test]
fn close_notifier_runs_for_every_module_on_runtime_close() {
    if common::on_every_engine(close_notifier_runs_for_every_module_on_runtime_close) {
        return;
    }
    let rt = runtime();
    let compiled = rt.compile_module(&wasm(SIMPLE)).unwrap();
    let log: Arc<Mutex<Vec<(&'static str, u32)>>> = Arc::default();
    for name in ["a", "b", ""] {
        let log = log.clone();
        let label = if name.is_empty() { "anonymous" } else { name };
        rt.instantiate_module(
            &compiled,
            ModuleConfig::new()
                .with_name(name)
                .with_close_notifier(move |code| log.lock().unwrap().push((label, code))),
        )
        .unwrap();
    }
    rt.close_with_exit_code(9).unwrap();
    let mut got = log.lock().unwrap().clone();
    got.sort();
    assert_eq!(got, vec![("a", 9), ("anonymous", 9), ("b", 9)]);
    rt.close_with_exit_code(10).unwrap();
    rt.close().unwrap();
    assert_eq!(log.lock().unwrap().len(), 3, "once each");
}

#[test]
fn close_notifier_runs_on_a_guest_exit() {
    if common::on_every_engine(close_notifier_runs_on_a_guest_exit) {
        return;
    }
    let rt = runtime();
    exit_host(&rt);
    let (calls, notifier) = recorder();
    let m = rt
        .instantiate_with_config(
            &wasm(EXITER),
            ModuleConfig::new()
                .with_name("app")
                .with_close_notifier(notifier),
        )
        .unwrap();
    let e = expect_err(m.exported_function("exit").unwrap().call(&[3]));
    assert_eq!(e.exit_code(), Some(3));
    assert_eq!(recorded(&calls), vec![3]);
    m.close_with_exit_code(4).unwrap();
    rt.close().unwrap();
    assert_eq!(recorded(&calls), vec![3]);
}

#[test]
fn close_notifier_may_use_the_runtime() {
    if common::on_every_engine(close_notifier_may_use_the_runtime) {
        return;
    }
    let done = within(20, "closing with notifiers that use the runtime", || {
        let rt = runtime();
        exit_host(&rt);
        rt.instantiate_with_config(&wasm(SIMPLE), ModuleConfig::new().with_name("x"))
            .unwrap();
        let found: Arc<Mutex<Vec<(u32, bool)>>> = Arc::default();
        let notifier = |rt: &Runtime, found: &Arc<Mutex<Vec<(u32, bool)>>>| {
            let (rt, found) = (rt.clone(), found.clone());
            move |code: u32| {
                let x = rt.module("x").is_some();
                // Compiling takes the runtime's locks too (and fails once it is closed).
                let _ = rt.compile_module(&wasm(SIMPLE));
                found.lock().unwrap().push((code, x));
            }
        };
        let cfg = |name: &str| {
            ModuleConfig::new()
                .with_name(name)
                .with_close_notifier(notifier(&rt, &found))
        };
        // Module::close_with_exit_code.
        let a = rt.instantiate_with_config(&wasm(SIMPLE), cfg("a")).unwrap();
        a.close_with_exit_code(7).unwrap();
        // A guest exit through a host function.
        let b = rt.instantiate_with_config(&wasm(EXITER), cfg("b")).unwrap();
        let e = expect_err(b.exported_function("exit").unwrap().call(&[3]));
        assert_eq!(e.exit_code(), Some(3));
        // Runtime::close_with_exit_code.
        rt.instantiate_with_config(&wasm(SIMPLE), cfg("c")).unwrap();
        rt.close_with_exit_code(9).unwrap();
        let got = found.lock().unwrap().clone();
        got
    });
    assert_eq!(done.len(), 3, "{done:?}");
    assert_eq!(done[0], (7, true));
    assert_eq!(done[1], (3, true));
    assert_eq!(done[2].0, 9);
}

// ---------------------------------------------------------------------------------------
// 4. Closing
// ---------------------------------------------------------------------------------------

#[test]
fn a_closed_host_module_name_can_be_reused() {
    if common::on_every_engine(a_closed_host_module_name_can_be_reused) {
        return;
    }
    let rt = runtime();
    let old = rt
        .new_host_module_builder("env")
        .new_function_builder()
        .with_func(|| 1i32)
        .export("v")
        .instantiate()
        .unwrap();
    let guest = r#"(module (import "env" "v" (func $v (result i32)))
        (func (export "v") (result i32) call $v))"#;
    let g1 = rt.instantiate(&wasm(guest)).unwrap();
    // A name in use cannot be taken.
    expect_err(
        rt.new_host_module_builder("env")
            .new_function_builder()
            .with_func(|| 2i32)
            .export("v")
            .instantiate(),
    );
    old.close().unwrap();
    assert!(rt.module("env").is_none());
    let new = rt
        .new_host_module_builder("env")
        .new_function_builder()
        .with_func(|| 2i32)
        .export("v")
        .instantiate()
        .unwrap();
    assert!(!new.is_closed());
    assert_eq!(rt.module("env").unwrap().name(), "env");
    let g2 = rt.instantiate(&wasm(guest)).unwrap();
    assert_eq!(
        g2.exported_function("v").unwrap().call(&[]).unwrap(),
        vec![2]
    );
    // The guest linked before keeps the function it imported.
    assert_eq!(
        g1.exported_function("v").unwrap().call(&[]).unwrap(),
        vec![1]
    );
}

#[test]
fn everything_fails_after_the_runtime_closes() {
    if common::on_every_engine(everything_fails_after_the_runtime_closes) {
        return;
    }
    let rt = runtime();
    let host = rt
        .new_host_module_builder("env")
        .new_function_builder()
        .with_func(|| 1i32)
        .export("v")
        .compile()
        .unwrap();
    let m = rt
        .instantiate_with_config(&wasm(SIMPLE), ModuleConfig::new().with_name("m"))
        .unwrap();
    rt.close_with_exit_code(4).unwrap();
    assert!(m.is_closed());
    assert!(rt.module("m").is_none());

    let e = expect_err(
        rt.new_host_module_builder("env2")
            .new_function_builder()
            .with_func(|| 1i32)
            .export("v")
            .compile(),
    );
    assert!(matches!(e.kind(), ErrorKind::RuntimeClosed(4)), "{e:?}");
    assert_eq!(e.to_string(), "runtime closed with exit_code(4)");
    let e = expect_err(
        rt.new_host_module_builder("env2")
            .new_function_builder()
            .with_func(|| 1i32)
            .export("v")
            .instantiate(),
    );
    assert_eq!(e.to_string(), "runtime closed with exit_code(4)");
    let e = expect_err(rt.instantiate_module(&host, ModuleConfig::new()));
    assert_eq!(e.to_string(), "runtime closed with exit_code(4)");
    let e =
        expect_err(rt.instantiate_with_config(&wasm(SIMPLE), ModuleConfig::new().with_name("m")));
    assert_eq!(e.to_string(), "runtime closed with exit_code(4)");
    assert!(rt.module("env").is_none());
    // The compiled host module is still there to inspect.
    assert_eq!(host.exported_functions().len(), 1);
}

// ---------------------------------------------------------------------------------------
// 5. Interrupts and deadlines
// ---------------------------------------------------------------------------------------

const LOOPS: &str = r#"(module $loops
    (func (export "spin") (loop (br 0)))
    (func $work (param i32) (result i32) local.get 0 i32.const 1 i32.add)
    (func (export "spin_calls") (local i32)
        (loop local.get 0 call $work local.set 0 br 0))
    (func (export "count") (param $n i32) (result i32) (local $i i32)
        (loop
            local.get $i i32.const 1 i32.add local.tee $i
            local.get $n i32.lt_u br_if 0)
        local.get $i))"#;

/// Calls `func` of `m` on a new thread; returns the channel its result arrives on.
fn call_in_background(m: &Module, func: &str) -> mpsc::Receiver<Result<Vec<u64>, Error>> {
    let f = m.exported_function(func).unwrap();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(f.call(&[]));
    });
    rx
}

#[track_caller]
fn wait(rx: &mpsc::Receiver<Result<Vec<u64>, Error>>) -> Result<Vec<u64>, Error> {
    rx.recv_timeout(Duration::from_secs(5))
        .expect("the running call was stopped within 5 s")
}

#[test]
fn interrupt_stops_an_infinite_loop_from_another_thread() {
    if common::on_every_engine(interrupt_stops_an_infinite_loop_from_another_thread) {
        return;
    }
    let rt = polling_runtime();
    let (calls, notifier) = recorder();
    let m = rt
        .instantiate_with_config(
            &wasm(LOOPS),
            ModuleConfig::new()
                .with_name("spin")
                .with_close_notifier(notifier),
        )
        .unwrap();
    let rx = call_in_background(&m, "spin");
    thread::sleep(Duration::from_millis(50));
    let handle: InterruptHandle = m.interrupt_handle();
    thread::spawn(move || handle.interrupt()).join().unwrap();
    let e = expect_err(wait(&rx));
    assert_eq!(e.exit_code(), Some(EXIT_CODE_CANCELED), "{e:?}");
    assert_eq!(e.trap_code(), None);
    assert_eq!(e.to_string(), "module closed with context canceled");
    assert!(m.is_closed());
    assert!(rt.module("spin").is_none());
    assert_eq!(recorded(&calls), vec![EXIT_CODE_CANCELED]);
    // Later calls fail with the same code.
    let e = expect_err(m.exported_function("count").unwrap().call(&[3]));
    assert_eq!(e.exit_code(), Some(EXIT_CODE_CANCELED));
}

#[test]
fn interrupt_stops_a_loop_that_calls_functions() {
    if common::on_every_engine(interrupt_stops_a_loop_that_calls_functions) {
        return;
    }
    let rt = polling_runtime();
    let m = rt.instantiate(&wasm(LOOPS)).unwrap();
    let rx = call_in_background(&m, "spin_calls");
    thread::sleep(Duration::from_millis(50));
    m.interrupt_handle().interrupt();
    let e = expect_err(wait(&rx));
    assert_eq!(e.exit_code(), Some(EXIT_CODE_CANCELED), "{e:?}");
    assert!(m.is_closed());
}

#[test]
fn a_deadline_stops_an_infinite_loop() {
    if common::on_every_engine(a_deadline_stops_an_infinite_loop) {
        return;
    }
    let rt = polling_runtime();
    for func in ["spin", "spin_calls"] {
        let m = rt.instantiate(&wasm(LOOPS)).unwrap();
        let f = m.exported_function(func).unwrap();
        let r = within(5, "a call with a 50 ms deadline", move || {
            f.call_with_deadline(&[], Instant::now() + Duration::from_millis(50))
        });
        let e = expect_err(r);
        assert_eq!(
            e.exit_code(),
            Some(EXIT_CODE_DEADLINE_EXCEEDED),
            "{func}: {e:?}"
        );
        assert_eq!(e.trap_code(), None);
        assert_eq!(
            e.to_string(),
            "module closed with context deadline exceeded"
        );
        assert!(m.is_closed(), "{func}");
    }
}

#[test]
fn a_deadline_that_is_not_reached_changes_nothing() {
    if common::on_every_engine(a_deadline_that_is_not_reached_changes_nothing) {
        return;
    }
    let rt = polling_runtime();
    let m = rt.instantiate(&wasm(LOOPS)).unwrap();
    let count = m.exported_function("count").unwrap();
    let r = count
        .call_with_deadline(&[10_000], Instant::now() + Duration::from_secs(60))
        .unwrap();
    assert_eq!(r, vec![10_000]);
    assert!(!m.is_closed());
}

#[test]
fn module_close_from_another_thread_stops_a_running_loop() {
    if common::on_every_engine(module_close_from_another_thread_stops_a_running_loop) {
        return;
    }
    let rt = polling_runtime();
    let (calls, notifier) = recorder();
    let m = rt
        .instantiate_with_config(
            &wasm(LOOPS),
            ModuleConfig::new()
                .with_name("spin")
                .with_close_notifier(notifier),
        )
        .unwrap();
    let rx = call_in_background(&m, "spin");
    thread::sleep(Duration::from_millis(50));
    let closer = m.clone();
    let closed = within(5, "Module::close_with_exit_code", move || {
        closer.close_with_exit_code(4)
    });
    closed.unwrap();
    let e = expect_err(wait(&rx));
    assert_eq!(e.exit_code(), Some(4), "{e:?}");
    assert_eq!(e.to_string(), "module closed with exit_code(4)");
    assert!(m.is_closed());
    assert_eq!(recorded(&calls), vec![4]);
}

#[test]
fn runtime_close_from_another_thread_stops_a_running_loop() {
    if common::on_every_engine(runtime_close_from_another_thread_stops_a_running_loop) {
        return;
    }
    let rt = polling_runtime();
    let m = rt.instantiate(&wasm(LOOPS)).unwrap();
    let rx = call_in_background(&m, "spin_calls");
    thread::sleep(Duration::from_millis(50));
    let rt2 = rt.clone();
    within(5, "Runtime::close_with_exit_code", move || {
        rt2.close_with_exit_code(6)
    })
    .unwrap();
    let e = expect_err(wait(&rx));
    assert_eq!(e.exit_code(), Some(6), "{e:?}");
    assert!(m.is_closed());
}

#[test]
fn without_close_on_deadline_a_past_deadline_is_ignored() {
    if common::on_every_engine(without_close_on_deadline_a_past_deadline_is_ignored) {
        return;
    }
    // Without `with_close_on_deadline` the compiled code has no interrupt checks at all,
    // so a deadline is never looked at: a finite call with a deadline already in the past
    // runs to completion and the module stays open.
    let rt = runtime();
    let m = rt.instantiate(&wasm(LOOPS)).unwrap();
    let deadline = Instant::now();
    thread::sleep(Duration::from_millis(2));
    let count = m.exported_function("count").unwrap();
    assert_eq!(
        count.call_with_deadline(&[100_000], deadline).unwrap(),
        vec![100_000]
    );
    assert!(!m.is_closed());

    // With the checks compiled in, the same call is stopped.
    let rt = polling_runtime();
    let m = rt.instantiate(&wasm(LOOPS)).unwrap();
    let count = m.exported_function("count").unwrap();
    let e = expect_err(count.call_with_deadline(&[100_000], deadline));
    assert_eq!(e.exit_code(), Some(EXIT_CODE_DEADLINE_EXCEEDED), "{e:?}");
    assert!(m.is_closed());
}

/// `InterruptHandle` docs: "Without that option running code does not poll, and the
/// interrupt only takes effect as a close once the call returns."
#[test]
fn without_close_on_deadline_an_interrupt_closes_the_module_when_the_call_returns() {
    if common::on_every_engine(
        without_close_on_deadline_an_interrupt_closes_the_module_when_the_call_returns,
    ) {
        return;
    }
    let rt = runtime();
    let handle: Arc<OnceLock<InterruptHandle>> = Arc::default();
    let h = handle.clone();
    rt.new_host_module_builder("env")
        .new_function_builder()
        .with_func(move || {
            h.get().expect("handle set").interrupt();
        })
        .export("interrupt_me")
        .instantiate()
        .unwrap();
    let m = rt
        .instantiate(&wasm(
            r#"(module (import "env" "interrupt_me" (func $i))
                (func (export "run") (result i32) call $i i32.const 5))"#,
        ))
        .unwrap();
    handle.set(m.interrupt_handle()).unwrap();
    let r = m.exported_function("run").unwrap().call(&[]);
    assert_eq!(r.unwrap(), vec![5], "no polls: the call completes");
    assert!(
        m.is_closed(),
        "the interrupt should have closed the module once the call returned"
    );
    let e = expect_err(m.exported_function("run").unwrap().call(&[]));
    assert_eq!(e.exit_code(), Some(EXIT_CODE_CANCELED), "{e:?}");
}

// ---------------------------------------------------------------------------------------
// 6. Fuel
// ---------------------------------------------------------------------------------------

#[test]
fn fuel_limits_a_loop() {
    if common::on_every_engine(fuel_limits_a_loop) {
        return;
    }
    let run = |fuel: u64, n: u64| {
        let rt = Runtime::with_config(common::engine_config().with_fuel(fuel));
        assert_eq!(rt.config().fuel(), Some(fuel));
        let m = rt.instantiate(&wasm(LOOPS)).unwrap();
        m.exported_function("count").unwrap().call(&[n])
    };
    assert_eq!(run(100_000, 1000).unwrap(), vec![1000]);
    let e = expect_err(run(1000, 1000));
    assert_eq!(e.trap_code(), Some(TrapCode::OutOfFuel), "{e:?}");
    assert_eq!(e.exit_code(), None);
    assert!(e.to_string().starts_with("wasm error: "), "{e}");
}

#[test]
fn fuel_is_a_budget_per_call() {
    if common::on_every_engine(fuel_is_a_budget_per_call) {
        return;
    }
    // One call of count(1000) needs a few thousand units (6 instructions per iteration);
    // 12_000 is enough for one call but not for two together.
    let rt = Runtime::with_config(common::engine_config().with_fuel(12_000));
    let m = rt.instantiate(&wasm(LOOPS)).unwrap();
    let count = m.exported_function("count").unwrap();
    for i in 0..3 {
        assert_eq!(count.call(&[1000]).unwrap(), vec![1000], "call {i}");
    }
    // Running out traps that call only; the next one gets a full budget again.
    let e = expect_err(count.call(&[10_000]));
    assert_eq!(e.trap_code(), Some(TrapCode::OutOfFuel));
    assert!(!m.is_closed(), "a trap does not close the module");
    assert_eq!(count.call(&[1000]).unwrap(), vec![1000]);
}

// ---------------------------------------------------------------------------------------
// 7. Compilation cache
// ---------------------------------------------------------------------------------------

const COUNTER: &str = r#"(module
    (memory (export "memory") 1)
    (global $n (mut i32) (i32.const 0))
    (func (export "inc") (result i32)
        global.get $n i32.const 1 i32.add global.set $n global.get $n)
    (func (export "store") (param i32) i32.const 0 local.get 0 i32.store)
    (func (export "load") (result i32) i32.const 0 i32.load))"#;

#[test]
fn runtimes_sharing_a_cache_compile_once_and_run_independently() {
    if common::on_every_engine(runtimes_sharing_a_cache_compile_once_and_run_independently) {
        return;
    }
    let cache = CompilationCache::new();
    assert!(cache.is_empty());
    let cfg = common::engine_config().with_compilation_cache(cache.clone());
    let (rt1, rt2) = (Runtime::with_config(cfg.clone()), Runtime::with_config(cfg));
    let bytes = wasm(COUNTER);
    let c1 = rt1.compile_module(&bytes).unwrap();
    assert_eq!(cache.len(), 1);
    let c2 = rt2.compile_module(&bytes).unwrap();
    assert_eq!(cache.len(), 1, "compiled once");
    rt2.instantiate(&bytes).unwrap();
    assert_eq!(cache.len(), 1);

    let m1 = rt1.instantiate_module(&c1, ModuleConfig::new()).unwrap();
    let m2 = rt2.instantiate_module(&c2, ModuleConfig::new()).unwrap();
    let call = |m: &Module, f: &str, p: &[u64]| m.exported_function(f).unwrap().call(p).unwrap();
    call(&m1, "store", &[111]);
    call(&m2, "store", &[222]);
    assert_eq!(call(&m1, "load", &[]), vec![111]);
    assert_eq!(call(&m2, "load", &[]), vec![222]);
    assert_eq!(call(&m1, "inc", &[]), vec![1]);
    assert_eq!(call(&m1, "inc", &[]), vec![2]);
    assert_eq!(call(&m2, "inc", &[]), vec![1]);
    // Closing one runtime leaves the other's modules alone.
    rt1.close().unwrap();
    assert_eq!(call(&m2, "inc", &[]), vec![2]);
    assert_eq!(m2.memory().unwrap().read_u32_le(0), Some(222));
}

#[test]
fn the_cache_keys_on_the_code_options() {
    if common::on_every_engine(the_cache_keys_on_the_code_options) {
        return;
    }
    let cache = CompilationCache::new();
    let base = common::engine_config().with_compilation_cache(cache.clone());
    let bytes = wasm(LOOPS);
    Runtime::with_config(base.clone())
        .compile_module(&bytes)
        .unwrap();
    assert_eq!(cache.len(), 1);
    let fueled = Runtime::with_config(base.clone().with_fuel(1000));
    fueled.compile_module(&bytes).unwrap();
    assert_eq!(cache.len(), 2, "fuel metering changes the code");
    Runtime::with_config(base.clone().with_close_on_deadline(true))
        .compile_module(&bytes)
        .unwrap();
    assert_eq!(cache.len(), 3, "interrupt checks change the code");

    // Another budget is the same code: no new entry, and each runtime keeps its budget.
    let rich = Runtime::with_config(base.clone().with_fuel(1_000_000));
    let m_rich = rich.instantiate(&bytes).unwrap();
    assert_eq!(cache.len(), 3);
    let m_poor = fueled.instantiate(&bytes).unwrap();
    assert_eq!(
        m_rich
            .exported_function("count")
            .unwrap()
            .call(&[1000])
            .unwrap(),
        vec![1000]
    );
    let e = expect_err(m_poor.exported_function("count").unwrap().call(&[1000]));
    assert_eq!(e.trap_code(), Some(TrapCode::OutOfFuel));

    // The cached entry without fuel has no checks: it runs unmetered.
    let free = Runtime::with_config(base).instantiate(&bytes).unwrap();
    assert_eq!(
        free.exported_function("count")
            .unwrap()
            .call(&[100_000])
            .unwrap(),
        vec![100_000]
    );
    cache.clear();
    assert!(cache.is_empty());
}

#[test]
fn invalid_modules_are_not_cached() {
    if common::on_every_engine(invalid_modules_are_not_cached) {
        return;
    }
    let cache = CompilationCache::new();
    let rt = Runtime::with_config(common::engine_config().with_compilation_cache(cache.clone()));
    let bad = b"\0asm\x01\0\0\0\x01\x05".to_vec();
    let e = expect_err(rt.compile_module(&bad));
    assert!(matches!(e.kind(), ErrorKind::Compile { .. }), "{e:?}");
    assert_eq!(cache.len(), 0);
    rt.compile_module(&wasm(SIMPLE)).unwrap();
    assert_eq!(cache.len(), 1);
    let e = expect_err(rt.compile_module(&bad));
    assert!(matches!(e.kind(), ErrorKind::Compile { .. }), "{e:?}");
    assert_eq!(cache.len(), 1);
    // Valid syntax, invalid module (type error): not cached either.
    let invalid = wasm(r#"(module (func (result i32) i64.const 1))"#);
    expect_err(rt.compile_module(&invalid));
    expect_err(rt.compile_module(&invalid));
    assert_eq!(cache.len(), 1);
}

// ---------------------------------------------------------------------------------------
// 8. Memory configuration
// ---------------------------------------------------------------------------------------

#[test]
fn a_memory_limit_above_65536_pages_is_for_64_bit_memories() {
    if common::on_every_engine(a_memory_limit_above_65536_pages_is_for_64_bit_memories) {
        return;
    }
    let rt = Runtime::with_config(common::engine_config().with_memory_limit_pages(65537));
    assert_eq!(rt.config().memory_limit_pages(), 65537);
    // A 32-bit memory still has at most 65536 pages: one that must start larger fails.
    let e = expect_err(rt.instantiate(&wasm("(module (memory 65537))")));
    assert!(e.to_string().contains("65536"), "{e}");
    rt.instantiate(&wasm("(module (memory 65536))")).unwrap();
    // A 64-bit memory may start above 4 GiB under that limit, and not under the default.
    rt.instantiate(&wasm("(module (memory i64 65537))"))
        .unwrap();
    let e = expect_err(runtime().instantiate(&wasm("(module (memory i64 65537))")));
    assert!(e.to_string().contains("limit of 65536 pages"), "{e}");
}

#[test]
fn the_memory_limit_caps_growth_with_and_without_capacity_from_max() {
    if common::on_every_engine(the_memory_limit_caps_growth_with_and_without_capacity_from_max) {
        return;
    }
    for from_max in [false, true] {
        let rt = Runtime::with_config(
            common::engine_config()
                .with_memory_limit_pages(2)
                .with_memory_capacity_from_max(from_max),
        );
        let grower = |decl: &str| {
            rt.instantiate(&wasm(&format!(
                r#"(module (memory (export "mem") {decl})
                    (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
                    (func (export "size") (result i32) memory.size)
                    (func (export "poke") (param i32) local.get 0 i32.const 42 i32.store8))"#
            )))
        };
        for decl in ["1", "1 10"] {
            let m = grower(decl).unwrap();
            let f = |n: &str, p: &[u64]| m.exported_function(n).unwrap().call(p).unwrap();
            assert_eq!(f("grow", &[1]), vec![1], "{from_max} {decl}");
            assert_eq!(f("grow", &[1]), vec![0xffff_ffff], "{from_max} {decl}: -1");
            assert_eq!(f("grow", &[0]), vec![2]);
            assert_eq!(f("size", &[]), vec![2]);
            f("poke", &[2 * 65536 - 1]);
            let mem = m.exported_memory("mem").unwrap();
            assert_eq!(mem.read_byte(2 * 65536 - 1), Some(42));
            assert_eq!(mem.grow(1), None);
            assert_eq!(mem.size(), 2 * 65536);
        }
        let e = expect_err(grower("3"));
        assert!(
            matches!(e.kind(), ErrorKind::Instantiate(_)),
            "{from_max}: {e:?}"
        );
        grower("2").unwrap();
    }
}

// ---------------------------------------------------------------------------------------
// 9. Introspection
// ---------------------------------------------------------------------------------------

const CUSTOM: &str = r#"(module $m
    (@custom "my-section" "hello")
    (@custom "other" (after last) "x")
    (func $f (export "f")))"#;

#[test]
fn custom_sections_are_kept_on_request() {
    if common::on_every_engine(custom_sections_are_kept_on_request) {
        return;
    }
    let bytes = wasm(CUSTOM);
    let rt = Runtime::with_config(common::engine_config().with_custom_sections(true));
    let compiled = rt.compile_module(&bytes).unwrap();
    let sections = compiled.custom_sections();
    assert!(
        sections.contains(&("my-section", &b"hello"[..])),
        "{sections:?}"
    );
    assert!(sections.contains(&("other", &b"x"[..])), "{sections:?}");
    assert!(sections.iter().any(|(n, _)| *n == "name"), "{sections:?}");
    assert_eq!(sections.len(), 3, "{sections:?}");

    let plain = runtime().compile_module(&bytes).unwrap();
    let names: Vec<&str> = plain.custom_sections().iter().map(|(n, _)| *n).collect();
    assert_eq!(names, vec!["name"]);
    assert_eq!(plain.name(), Some("m"));
}

#[test]
fn custom_sections_appended_by_hand() {
    if common::on_every_engine(custom_sections_appended_by_hand) {
        return;
    }
    // A custom section built by hand: id 0, size, name length, name, payload.
    let mut bytes = wasm("(module)");
    let name = b"by-hand";
    let payload = b"\x01\x02\x03";
    bytes.push(0);
    bytes.push((1 + name.len() + payload.len()) as u8);
    bytes.push(name.len() as u8);
    bytes.extend_from_slice(name);
    bytes.extend_from_slice(payload);
    let rt = Runtime::with_config(common::engine_config().with_custom_sections(true));
    let compiled = rt.compile_module(&bytes).unwrap();
    assert_eq!(compiled.custom_sections(), vec![("by-hand", &payload[..])]);
    assert!(runtime()
        .compile_module(&bytes)
        .unwrap()
        .custom_sections()
        .is_empty());
}

#[test]
fn memory_definitions() {
    if common::on_every_engine(memory_definitions) {
        return;
    }
    let rt = runtime();
    let importer = rt
        .compile_module(&wasm(
            r#"(module
                (import "env" "mem" (memory 1 4))
                (export "m1" (memory 0))
                (export "m2" (memory 0)))"#,
        ))
        .unwrap();
    let imported = MemoryDefinition {
        index: 0,
        import: Some(("env".to_string(), "mem".to_string())),
        export_names: vec!["m1".to_string(), "m2".to_string()],
        ty: MemoryType {
            limits: Limits {
                min: 1,
                max: Some(4),
            },
        },
    };
    assert_eq!(importer.imported_memories(), vec![imported.clone()]);
    assert_eq!(importer.exported_memories(), vec![imported]);

    let definer = rt
        .compile_module(&wasm(r#"(module (memory (export "mem") 2 3))"#))
        .unwrap();
    assert!(definer.imported_memories().is_empty());
    assert_eq!(
        definer.exported_memories(),
        vec![MemoryDefinition {
            index: 0,
            import: None,
            export_names: vec!["mem".to_string()],
            ty: MemoryType {
                limits: Limits {
                    min: 2,
                    max: Some(3),
                },
            },
        }]
    );

    let hidden = rt
        .compile_module(&wasm(r#"(module (import "env" "mem" (memory 1)))"#))
        .unwrap();
    let defs = hidden.imported_memories();
    assert_eq!(defs.len(), 1);
    assert_eq!(defs[0].ty.limits, Limits { min: 1, max: None });
    assert!(defs[0].export_names.is_empty());
    assert!(hidden.exported_memories().is_empty());

    let none = rt.compile_module(&wasm(r#"(module (memory 1))"#)).unwrap();
    assert!(none.imported_memories().is_empty());
    assert!(none.exported_memories().is_empty());
}

// ---------------------------------------------------------------------------------------
// 10. Failed instantiation
// ---------------------------------------------------------------------------------------

#[test]
fn a_failed_instantiation_leaks_nothing_observable() {
    if common::on_every_engine(a_failed_instantiation_leaks_nothing_observable) {
        return;
    }
    let rt = runtime();
    let (calls, notifier) = recorder();
    let e = expect_err(
        rt.instantiate_with_config(
            &wasm(
                r#"(module (memory (export "mem") 1) (data (i32.const 65535) "ab")
                (func (export "f") (result i32) i32.const 1))"#,
            ),
            ModuleConfig::new()
                .with_name("x")
                .with_close_notifier(notifier),
        ),
    );
    assert_eq!(
        e.trap_code(),
        Some(TrapCode::OutOfBoundsMemoryAccess),
        "{e:?}"
    );
    assert!(rt.module("x").is_none());
    // Nothing can import from it.
    let importer = wasm(r#"(module (import "x" "f" (func (result i32))))"#);
    let e = expect_err(rt.instantiate(&importer));
    assert!(matches!(e.kind(), ErrorKind::Link(_)), "{e:?}");

    let good = rt
        .instantiate_with_config(
            &wasm(r#"(module (memory (export "mem") 1) (func (export "f") (result i32) i32.const 2))"#),
            ModuleConfig::new().with_name("x"),
        )
        .unwrap();
    assert_eq!(
        good.exported_function("f").unwrap().call(&[]).unwrap(),
        vec![2]
    );
    assert_eq!(
        rt.module("x")
            .unwrap()
            .exported_function("f")
            .unwrap()
            .call(&[])
            .unwrap(),
        vec![2]
    );
    // The good module's memory is fresh: nothing of the failed one's data.
    assert_eq!(
        good.exported_memory("mem").unwrap().read(65534, 2),
        Some(vec![0, 0])
    );
    rt.instantiate(&importer).unwrap();
    rt.close().unwrap();
    assert!(
        recorded(&calls).is_empty(),
        "the failed module never existed"
    );
}

// ---------------------------------------------------------------------------------------
// 11. Threads
// ---------------------------------------------------------------------------------------

#[test]
fn a_host_function_called_from_four_threads_counts_every_call() {
    if common::on_every_engine(a_host_function_called_from_four_threads_counts_every_call) {
        return;
    }
    let rt = runtime();
    let counter = Arc::new(AtomicU64::new(0));
    let c = counter.clone();
    rt.new_host_module_builder("env")
        .new_function_builder()
        .with_func(move |x: i32| -> i32 {
            c.fetch_add(1, Ordering::SeqCst);
            x + 1
        })
        .export("hit")
        .instantiate()
        .unwrap();
    let compiled = rt
        .compile_module(&wasm(
            r#"(module (import "env" "hit" (func $hit (param i32) (result i32)))
                (func (export "run") (param $n i32) (result i32) (local $i i32) (local $acc i32)
                    (block (loop
                        local.get $i local.get $n i32.ge_u br_if 1
                        local.get $acc call $hit local.set $acc
                        local.get $i i32.const 1 i32.add local.set $i
                        br 0))
                    local.get $acc))"#,
        ))
        .unwrap();
    const THREADS: u64 = 4;
    const ROUNDS: u64 = 25;
    const PER_CALL: u64 = 40;
    let barrier = Arc::new(std::sync::Barrier::new(THREADS as usize));
    let handles: Vec<_> = (0..THREADS)
        .map(|_| {
            let (rt, compiled, barrier) = (rt.clone(), compiled.clone(), barrier.clone());
            thread::spawn(move || {
                let m = rt
                    .instantiate_module(&compiled, ModuleConfig::new().with_name(""))
                    .expect("anonymous instance");
                let run = m.typed_function::<i32, i32>("run").unwrap();
                barrier.wait();
                for _ in 0..ROUNDS {
                    assert_eq!(run.call(PER_CALL as i32).unwrap(), PER_CALL as i32);
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(counter.load(Ordering::SeqCst), THREADS * ROUNDS * PER_CALL);
}

/// On the compiler, a resumable call runs on the interpreter (pausing and stepping are
/// the interpreter's), with the same result; a plain call of the same function runs the
/// native code.
#[test]
fn resumable_calls_on_the_compiler_run_the_interpreter() {
    if common::on_every_engine(resumable_calls_on_the_compiler_run_the_interpreter) {
        return;
    }
    let rt = Runtime::with_config(common::engine_config());
    let m = rt
        .instantiate(&wasm(
            r#"(module (func (export "sq") (param i32) (result i32)
                 local.get 0 local.get 0 i32.mul))"#,
        ))
        .unwrap();
    let sq = m.exported_function("sq").unwrap();
    assert_eq!(sq.call(&[9]).unwrap(), vec![81]);
    let mut ex = sq.start_call(&[7]).unwrap();
    match ex.resume() {
        wasmscope::ExecutionState::Finished(results) => assert_eq!(results, vec![49]),
        other => panic!("expected the call to finish, got {other:?}"),
    }
}
