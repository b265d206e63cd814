//! Lazy translation (and lazy validation): function bodies become interpreter code on
//! their first call, once per compiled module, and everything the runtime promises holds
//! in lazily translated code as in code translated up front.

use std::sync::{Arc, Mutex};

use wasmscope::listener::{
    CallContext, FunctionListener, FunctionListenerFactory, ListenerAction, StackIterator,
};
use wasmscope::{
    CompilationCache, CompilationMode, Error, ErrorKind, ExecutionState, FunctionDefinition,
    ModuleConfig, Runtime, RuntimeConfig, StepMode,
};

/// Four functions: `main` calls `$double` and `$check`; `$check` divides (traps on 0);
/// `$unused` is never called.
const APP: &str = r#"(module $app
  (func $double (param i32) (result i32)
    local.get 0
    i32.const 2
    i32.mul)
  (func $check (param i32) (result i32)
    i32.const 100
    local.get 0
    i32.div_s)
  (func $unused (result i32)
    i32.const 7)
  (func (export "main") (param i32) (result i32)
    local.get 0
    call $double
    call $check))"#;

fn mode(mode: CompilationMode) -> RuntimeConfig {
    RuntimeConfig::interpreter().with_compilation_mode(mode)
}

const MODES: [CompilationMode; 3] = [
    CompilationMode::Eager,
    CompilationMode::LazyTranslation,
    CompilationMode::Lazy,
];

#[test]
fn the_default_is_lazy_translation() {
    assert_eq!(
        RuntimeConfig::new().compilation_mode(),
        CompilationMode::LazyTranslation
    );
}

#[test]
fn functions_are_translated_on_their_first_call_and_once() {
    let rt = Runtime::new();
    let compiled = rt.compile_module(&wat::parse_str(APP).unwrap()).unwrap();
    assert_eq!(compiled.translated_function_count(), 0);
    let m = rt
        .instantiate_module(&compiled, ModuleConfig::new())
        .unwrap();
    assert_eq!(
        compiled.translated_function_count(),
        0,
        "instantiating runs nothing"
    );
    let main = m.exported_function("main").unwrap();
    assert_eq!(main.call(&[5]).unwrap(), vec![10]);
    assert_eq!(compiled.translated_function_count(), 3, "all but $unused");
    assert_eq!(main.call(&[25]).unwrap(), vec![2]);
    assert_eq!(compiled.translated_function_count(), 3);
}

#[test]
fn eager_mode_translates_every_function_when_compiling() {
    let rt = Runtime::with_config(mode(CompilationMode::Eager));
    let compiled = rt.compile_module(&wat::parse_str(APP).unwrap()).unwrap();
    assert_eq!(compiled.translated_function_count(), 4);
}

#[test]
fn every_mode_computes_the_same_and_traps_with_the_same_trace() {
    let mut traces = Vec::new();
    for m in MODES {
        let rt = Runtime::with_config(mode(m));
        let module = rt.instantiate(&wat::parse_str(APP).unwrap()).unwrap();
        let main = module.exported_function("main").unwrap();
        assert_eq!(main.call(&[10]).unwrap(), vec![5], "{m:?}");
        let err = main.call(&[0]).unwrap_err();
        assert_eq!(
            err.trap_code(),
            Some(wasmscope::TrapCode::IntegerDivideByZero)
        );
        let frames: Vec<_> = err
            .trace()
            .iter()
            .map(|f| (f.signature.clone(), f.code_offset))
            .collect();
        assert_eq!(frames.len(), 2, "{m:?}: {frames:?}");
        assert!(frames.iter().all(|(_, o)| o.is_some()));
        traces.push(frames);
    }
    assert_eq!(traces[0], traces[1]);
    assert_eq!(traces[0], traces[2]);
}

/// `$bad` returns an i64 where its type says i32: valid binary, invalid module.
const INVALID_UNUSED: &str = r#"(module
  (func (export "ok") (result i32) i32.const 1)
  (func $bad (export "bad") (result i32) i64.const 0)
  (func (export "calls_bad") (result i32) call $bad))"#;

fn compile_error(err: &Error) -> (u64, String) {
    match err.kind() {
        ErrorKind::Compile { offset, message } => (*offset, message.clone()),
        other => panic!("not a compile error: {other:?}"),
    }
}

#[test]
fn an_invalid_body_is_rejected_when_compiling_unless_validation_is_lazy() {
    let wasm = wat::parse_str(INVALID_UNUSED).unwrap();
    let eager = Runtime::with_config(mode(CompilationMode::Eager))
        .compile_module(&wasm)
        .unwrap_err();
    let default = Runtime::new().compile_module(&wasm).unwrap_err();
    let (offset, message) = compile_error(&eager);
    assert_eq!(compile_error(&default), (offset, message.clone()));
    assert!(message.contains("type mismatch"), "{message}");

    // Lazy: the module compiles and its valid functions run; the invalid one fails at
    // each call with the same offset and message, naming the function.
    let rt = Runtime::with_config(mode(CompilationMode::Lazy));
    let compiled = rt.compile_module(&wasm).unwrap();
    let m = rt
        .instantiate_module(&compiled, ModuleConfig::new())
        .unwrap();
    assert_eq!(
        m.exported_function("ok").unwrap().call(&[]).unwrap(),
        vec![1]
    );
    for export in ["bad", "calls_bad", "bad"] {
        let err = m.exported_function(export).unwrap().call(&[]).unwrap_err();
        let (lazy_offset, lazy_message) = compile_error(&err);
        assert_eq!(lazy_offset, offset, "{export}");
        assert_eq!(
            lazy_message,
            format!("function[1] (bad): {message}"),
            "{export}"
        );
    }
    // The failure breaks nothing else.
    assert_eq!(
        m.exported_function("ok").unwrap().call(&[]).unwrap(),
        vec![1]
    );
}

#[test]
fn a_lazily_validated_start_function_fails_instantiation_cleanly() {
    let wasm = wat::parse_str(
        r#"(module (func $start (local i32) i64.const 1 local.set 0) (start $start))"#,
    )
    .unwrap();
    let rt = Runtime::with_config(mode(CompilationMode::Lazy));
    let err = rt.instantiate(&wasm).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("function[0]"), "{text}");
    assert!(text.contains("type mismatch"), "{text}");
}

#[test]
fn the_compilation_cache_shares_translated_code_between_runtimes() {
    let cache = CompilationCache::new();
    let wasm = wat::parse_str(APP).unwrap();
    let config = RuntimeConfig::interpreter().with_compilation_cache(cache.clone());
    let rt1 = Runtime::with_config(config.clone());
    let c1 = rt1.compile_module(&wasm).unwrap();
    let m1 = rt1.instantiate_module(&c1, ModuleConfig::new()).unwrap();
    m1.exported_function("main").unwrap().call(&[1]).unwrap();
    assert_eq!(c1.translated_function_count(), 3);

    let rt2 = Runtime::with_config(config);
    let c2 = rt2.compile_module(&wasm).unwrap();
    assert_eq!(cache.len(), 1);
    assert_eq!(
        c2.translated_function_count(),
        3,
        "translated by rt1 already"
    );
    let m2 = rt2.instantiate_module(&c2, ModuleConfig::new()).unwrap();
    assert_eq!(
        m2.exported_function("main").unwrap().call(&[3]).unwrap(),
        vec![16]
    );
    assert_eq!(c1.translated_function_count(), 3);

    // A lazily validated compilation is not handed to a runtime that validates up front.
    let rt3 =
        Runtime::with_config(mode(CompilationMode::Lazy).with_compilation_cache(cache.clone()));
    rt3.compile_module(&wasm).unwrap();
    assert_eq!(cache.len(), 2);
}

#[test]
fn threads_calling_at_once_share_one_translation() {
    let cache = CompilationCache::new();
    let wasm = wat::parse_str(APP).unwrap();
    let threads: Vec<_> = (0..4)
        .map(|i| {
            let (cache, wasm) = (cache.clone(), wasm.clone());
            std::thread::spawn(move || {
                let rt = Runtime::with_config(
                    RuntimeConfig::interpreter().with_compilation_cache(cache),
                );
                let m = rt.instantiate(&wasm).unwrap();
                let main = m.exported_function("main").unwrap();
                (0..100)
                    .map(|n| main.call(&[n % 7 + 1 + i]).unwrap()[0])
                    .sum::<u64>()
            })
        })
        .collect();
    for t in threads {
        assert!(t.join().unwrap() > 0);
    }
    assert_eq!(cache.len(), 1);
    let rt = Runtime::with_config(RuntimeConfig::interpreter().with_compilation_cache(cache));
    assert_eq!(
        rt.compile_module(&wasm)
            .unwrap()
            .translated_function_count(),
        3
    );
}

type Log = Arc<Mutex<Vec<String>>>;

struct Recorder {
    log: Log,
    name: String,
}

impl FunctionListener for Recorder {
    fn before(
        &self,
        _: &CallContext<'_>,
        params: &[u64],
        stack: &StackIterator<'_>,
    ) -> ListenerAction {
        let offsets: Vec<_> = stack.frames().map(|f| f.source_offset()).collect();
        self.log
            .lock()
            .unwrap()
            .push(format!("before {}{params:?} at {offsets:?}", self.name));
        ListenerAction::Continue
    }

    fn after(&self, _: &CallContext<'_>, results: &[u64]) {
        self.log
            .lock()
            .unwrap()
            .push(format!("after {}{results:?}", self.name));
    }

    fn abort(&self, _: &CallContext<'_>, error: &Error) {
        let code = error.trap_code();
        self.log
            .lock()
            .unwrap()
            .push(format!("abort {} {code:?}", self.name));
    }
}

struct Factory(Log);

impl FunctionListenerFactory for Factory {
    fn new_listener(&self, def: &FunctionDefinition) -> Option<Arc<dyn FunctionListener>> {
        // $check is left alone: it must translate without hooks.
        let name = def.name().unwrap_or("main").to_string();
        (name != "check").then(|| {
            Arc::new(Recorder {
                log: self.0.clone(),
                name,
            }) as Arc<dyn FunctionListener>
        })
    }
}

fn listened_log(m: CompilationMode) -> (Vec<String>, usize) {
    let log: Log = Default::default();
    let rt = Runtime::with_config(
        mode(m).with_function_listener_factory(Arc::new(Factory(log.clone()))),
    );
    let compiled = rt.compile_module(&wat::parse_str(APP).unwrap()).unwrap();
    let module = rt
        .instantiate_module(&compiled, ModuleConfig::new())
        .unwrap();
    let main = module.exported_function("main").unwrap();
    main.call(&[4]).unwrap();
    main.call(&[0]).unwrap_err();
    let entries = log.lock().unwrap().clone();
    (entries, compiled.translated_function_count())
}

#[test]
fn listeners_see_the_same_calls_in_lazily_translated_code() {
    let (eager, eager_count) = listened_log(CompilationMode::Eager);
    let (lazy, lazy_count) = listened_log(CompilationMode::LazyTranslation);
    assert_eq!(eager, lazy);
    assert_eq!((eager_count, lazy_count), (4, 3));
    // Code-section offsets: a function's entry is its first operator; main calls
    // $double at 27.
    assert_eq!(
        lazy,
        [
            "before main[4] at [Some(25)]",
            "before double[4] at [Some(3), Some(27)]",
            "after double[8]",
            "after main[12]",
            "before main[0] at [Some(25)]",
            "before double[0] at [Some(3), Some(27)]",
            "after double[0]",
            "abort main Some(IntegerDivideByZero)",
        ]
    );
}

#[test]
fn a_breakpoint_in_a_function_not_yet_translated_is_hit() {
    let wasm = wat::parse_str(APP).unwrap();
    // The code-section offset of $check's `i32.div_s`, read from the binary.
    let mut code_start = 0;
    let mut div_at = None;
    for payload in wasmparser::Parser::new(0).parse_all(&wasm) {
        match payload.unwrap() {
            wasmparser::Payload::CodeSectionStart {
                unchecked_range, ..
            } => code_start = unchecked_range.start,
            wasmparser::Payload::CodeSectionEntry(body) => {
                let mut ops = body.get_operators_reader().unwrap();
                while !ops.eof() {
                    let (op, offset) = ops.read_with_offset().unwrap();
                    if matches!(op, wasmparser::Operator::I32DivS) {
                        div_at = Some(offset - code_start);
                    }
                }
            }
            _ => {}
        }
    }
    let div_at = div_at.unwrap();

    let rt = Runtime::with_config(RuntimeConfig::interpreter().with_debug_stepping(true));
    let compiled = rt.compile_module(&wasm).unwrap();
    let m = rt
        .instantiate_module(&compiled, ModuleConfig::new())
        .unwrap();
    let mut exec = m
        .exported_function("main")
        .unwrap()
        .start_call(&[5])
        .unwrap();
    exec.add_breakpoint(&m, div_at);
    assert_eq!(compiled.translated_function_count(), 0);
    assert!(matches!(exec.resume(), ExecutionState::Paused));
    let p = exec.position().unwrap();
    assert_eq!(
        (p.function_index, p.code_offset, p.depth),
        (1, Some(div_at), 1)
    );
    let operands = exec
        .with_stack(|s| s.frames().next().unwrap().operands())
        .unwrap();
    assert_eq!(
        operands,
        vec![wasmscope::Value::I32(100), wasmscope::Value::I32(10)]
    );
    assert!(matches!(exec.step(StepMode::Out), ExecutionState::Paused));
    match exec.resume() {
        ExecutionState::Finished(r) => assert_eq!(r, vec![10]),
        other => panic!("{other:?}"),
    }
}

#[test]
fn fuel_and_deadlines_hold_in_lazily_translated_code() {
    let wasm = wat::parse_str(
        r#"(module
  (func $spin (loop br 0))
  (func (export "run") call $spin))"#,
    )
    .unwrap();
    let rt = Runtime::with_config(RuntimeConfig::interpreter().with_fuel(10_000));
    let m = rt.instantiate(&wasm).unwrap();
    let err = m.exported_function("run").unwrap().call(&[]).unwrap_err();
    assert_eq!(err.trap_code(), Some(wasmscope::TrapCode::OutOfFuel));

    let rt = Runtime::with_config(RuntimeConfig::interpreter().with_close_on_deadline(true));
    let m = rt.instantiate(&wasm).unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_millis(50);
    let err = m
        .exported_function("run")
        .unwrap()
        .call_with_deadline(&[], deadline)
        .unwrap_err();
    assert_eq!(
        err.exit_code(),
        Some(wasmscope::EXIT_CODE_DEADLINE_EXCEEDED)
    );
}

/// Compiled eagerly, the compiler's workers validate the bodies (in parallel, without
/// the interpreter's code): the first invalid body's error, as the interpreter gives it.
#[test]
fn the_compilers_eager_mode_reports_the_first_invalid_body() {
    let compiler = RuntimeConfig::compiler();
    if compiler.engine() != wasmscope::EngineKind::Compiler {
        return;
    }
    // Many valid functions around two invalid ones: the first is the one reported.
    let mut wat = String::from("(module");
    for i in 0..40 {
        match i {
            17 => wat.push_str(" (func (result i32) (i64.const 1))"),
            29 => wat.push_str(" (func (result i32) (f32.const 1))"),
            _ => wat.push_str(&format!(" (func (result i32) (i32.const {i}))")),
        }
    }
    wat.push(')');
    let wasm = wat::parse_str(&wat).unwrap();
    let want = Runtime::with_config(mode(CompilationMode::Eager))
        .compile_module(&wasm)
        .unwrap_err();
    for _ in 0..5 {
        let got = Runtime::with_config(
            compiler
                .clone()
                .with_compilation_mode(CompilationMode::Eager),
        )
        .compile_module(&wasm)
        .unwrap_err();
        assert_eq!(compile_error(&got), compile_error(&want));
    }
    assert!(compile_error(&want).1.contains("found i64"), "{want}");
}

/// A tail call to a function whose body fails to translate (lazy validation) replaces no
/// frame: the calling frame is aborted once, as when any call fails.
#[test]
fn a_tail_call_to_an_invalid_body_aborts_the_caller_once() {
    let wat = r#"(module
      (func $bad (result i32) i64.const 0)
      (func $tail (result i32) return_call $bad)
      (func (export "main") (result i32) call $tail))"#;
    let mut configs = vec![("interpreter", mode(CompilationMode::Lazy))];
    if RuntimeConfig::compiler().engine() == wasmscope::EngineKind::Compiler {
        let compiler = RuntimeConfig::compiler().with_compilation_mode(CompilationMode::Lazy);
        configs.push(("compiler", compiler));
    }
    for (engine, config) in configs {
        let log: Log = Default::default();
        let factory = Arc::new(Factory(log.clone()));
        let rt = Runtime::with_config(config.with_function_listener_factory(factory));
        let m = rt.instantiate(&wat::parse_str(wat).unwrap()).unwrap();
        let err = m.exported_function("main").unwrap().call(&[]).unwrap_err();
        assert!(err.to_string().contains("type mismatch"), "{err}");
        assert_eq!(
            *log.lock().unwrap(),
            [
                "before main[] at [Some(13)]",
                "before tail[] at [Some(8), Some(13)]",
                "abort tail None",
                "abort main None",
            ],
            "on the {engine}"
        );
    }
}
