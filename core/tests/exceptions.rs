//! Exception handling (`throw`, `try_table`, `throw_ref`, the legacy `try`/`catch`/
//! `rethrow`/`delegate`) on every engine, beyond the spec tests: the sample's results;
//! an uncaught exception's error (its tag, payload and the trace of where it was
//! thrown); the listener rule (a frame unwound by an exception gets `abort`, also when a
//! caller catches it); exceptions across instances; a million throws in one call; the
//! feature switch.

mod common;

use std::sync::{Arc, Mutex};

use wasmscope::listener::{
    CallContext, FunctionListener, FunctionListenerFactory, ListenerAction, StackIterator,
};
use wasmscope::{CoreFeatures, Error, FunctionDefinition, Runtime, RuntimeConfig, TrapCode};

fn sample() -> Vec<u8> {
    common::wat_sample("exceptions.wat")
}

#[test]
fn the_sample_catches_what_it_throws() {
    if common::on_every_engine(the_sample_catches_what_it_throws) {
        return;
    }
    let rt = Runtime::with_config(common::engine_config());
    let m = rt.instantiate(&sample()).unwrap();
    let call = |name: &str, args: &[u64]| m.exported_function(name).unwrap().call(args);
    assert_eq!(call("safe_div", &[7, 2]).unwrap(), vec![3]);
    assert_eq!(call("safe_div", &[7, 0]).unwrap(), vec![u32::MAX as u64]);
    assert_eq!(call("parse_digits", &[0, 3]).unwrap(), vec![123]);
    assert_eq!(
        call("parse_digits", &[4, 3]).unwrap(),
        vec![-2i32 as u32 as u64]
    );
    assert_eq!(call("cleanup_count", &[5]).unwrap(), vec![5]);
    // Deep: 10,000 frames each catching and throwing on.
    assert_eq!(call("cleanup_count", &[10_000]).unwrap(), vec![10_000]);
}

#[test]
fn an_uncaught_exception_names_its_tag_and_payload_and_where_it_was_thrown() {
    if common::on_every_engine(
        an_uncaught_exception_names_its_tag_and_payload_and_where_it_was_thrown,
    ) {
        return;
    }
    let wat = r#"(module $m
      (tag $oops (export "oops") (param i32 i64))
      (func $inner (param i32) (throw $oops (local.get 0) (i64.const -5)))
      (func $middle (param i32)
        ;; A handler for another tag: the exception goes past it.
        (block $other
          (try_table (catch_all $other)
            (br 1))
          (unreachable))
        (call $inner (local.get 0)))
      (func (export "outer") (param i32) (call $middle (local.get 0))))"#;
    let rt = Runtime::with_config(common::engine_config());
    let m = rt.instantiate(&wat::parse_str(wat).unwrap()).unwrap();
    let e = m
        .exported_function("outer")
        .unwrap()
        .call(&[7])
        .unwrap_err();
    assert_eq!(e.trap_code(), Some(TrapCode::UncaughtException));
    let text = e.to_string();
    assert!(
        text.starts_with(
            "wasm error: uncaught exception: tag 0 (\"oops\") of module \"m\" with payload \
             (i32 7, i64 -5)"
        ),
        "{text}"
    );
    let frames: Vec<&str> = e.trace().iter().map(|f| f.signature.as_str()).collect();
    assert_eq!(
        frames,
        ["m.inner(i32)", "m.middle(i32)", "m.$2(i32)"],
        "{text}"
    );
}

#[test]
fn a_trap_is_not_an_exception() {
    if common::on_every_engine(a_trap_is_not_an_exception) {
        return;
    }
    let wat = r#"(module
      (func $div (param i32) (result i32) (i32.div_u (i32.const 1) (local.get 0)))
      (func (export "f") (param i32) (result i32)
        (block $caught
          (return (try_table (result i32) (catch_all $caught) (call $div (local.get 0)))))
        (i32.const -1)))"#;
    let rt = Runtime::with_config(common::engine_config());
    let m = rt.instantiate(&wat::parse_str(wat).unwrap()).unwrap();
    let f = m.exported_function("f").unwrap();
    assert_eq!(f.call(&[1]).unwrap(), vec![1]);
    let e = f.call(&[0]).unwrap_err();
    assert_eq!(e.trap_code(), Some(TrapCode::IntegerDivideByZero), "{e}");
    // The function still works after the trap.
    assert_eq!(f.call(&[1]).unwrap(), vec![1]);
}

#[test]
fn a_million_exceptions_in_one_call() {
    if common::on_every_engine(a_million_exceptions_in_one_call) {
        return;
    }
    // Each iteration throws from a callee and catches in the loop: by value (no
    // reference kept) and, every other time, caught with its reference, thrown on and
    // caught again.
    let wat = r#"(module
      (tag $t (param i32))
      (func $throw (param i32) (throw $t (local.get 0)))
      (func (export "run") (param $n i32) (result i32)
        (local $sum i32)
        (loop $again
          (block $got (result i32)
            (try_table (catch $t $got) (call $throw (local.get $n)))
            (unreachable))
          (local.set $sum (i32.add (local.get $sum)))
          (if (i32.and (local.get $n) (i32.const 1))
            (then
              (block $got2 (result i32)
                (try_table (catch $t $got2)
                  (block $ref (result exnref)
                    (try_table (catch_all_ref $ref) (call $throw (i32.const 1)))
                    (unreachable))
                  (throw_ref))
                (unreachable))
              (local.set $sum (i32.add (local.get $sum)))))
          (br_if $again (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
        (local.get $sum)))"#;
    let rt = Runtime::with_config(common::engine_config());
    let m = rt.instantiate(&wat::parse_str(wat).unwrap()).unwrap();
    let n: u64 = 1_000_000;
    // n + (n-1) + ... + 1, plus 1 for each odd n (500,000 of them), mod 2^32.
    let want = ((n * (n + 1) / 2 + n / 2) as u32) as u64;
    assert_eq!(
        m.exported_function("run").unwrap().call(&[n]).unwrap(),
        vec![want]
    );
}

#[test]
fn exceptions_cross_instances_by_tag_identity() {
    if common::on_every_engine(exceptions_cross_instances_by_tag_identity) {
        return;
    }
    let rt = Runtime::with_config(common::engine_config());
    let lib = r#"(module $lib
      (tag $e (export "e") (param i32))
      (func (export "fail") (param i32) (throw $e (local.get 0))))"#;
    rt.instantiate(&wat::parse_str(lib).unwrap()).unwrap();
    let app = r#"(module
      (import "lib" "e" (tag $e (param i32)))
      (tag $mine (param i32))
      (import "lib" "fail" (func $fail (param i32)))
      (func (export "catch_theirs") (param i32) (result i32)
        (block $h (result i32)
          (try_table (catch $e $h) (call $fail (local.get 0)))
          (i32.const 0)))
      (func (export "catch_mine") (param i32) (result i32)
        (block $h (result i32)
          (try_table (catch $mine $h) (call $fail (local.get 0)))
          (i32.const 0))))"#;
    let m = rt.instantiate(&wat::parse_str(app).unwrap()).unwrap();
    let theirs = m.exported_function("catch_theirs").unwrap().call(&[9]);
    assert_eq!(theirs.unwrap(), vec![9]);
    // A tag of the same type is another tag: not caught.
    let e = m
        .exported_function("catch_mine")
        .unwrap()
        .call(&[9])
        .unwrap_err();
    assert_eq!(e.trap_code(), Some(TrapCode::UncaughtException), "{e}");
    assert!(e.to_string().contains("of module \"lib\""), "{e}");
}

/// Logs `before`, `after` and `abort` of every function.
struct Log(Arc<Mutex<Vec<String>>>);

impl FunctionListener for Log {
    fn before(&self, call: &CallContext<'_>, _: &[u64], _: &StackIterator<'_>) -> ListenerAction {
        let line = format!("before {}", call.definition().debug_name());
        self.0.lock().unwrap().push(line);
        ListenerAction::Continue
    }
    fn after(&self, call: &CallContext<'_>, results: &[u64]) {
        let line = format!("after {}{results:?}", call.definition().debug_name());
        self.0.lock().unwrap().push(line);
    }
    fn abort(&self, call: &CallContext<'_>, _: &Error) {
        let line = format!("abort {}", call.definition().debug_name());
        self.0.lock().unwrap().push(line);
    }
}

impl FunctionListenerFactory for Log {
    fn new_listener(&self, _: &FunctionDefinition) -> Option<Arc<dyn FunctionListener>> {
        Some(Arc::new(Log(self.0.clone())))
    }
}

#[test]
fn frames_unwound_by_an_exception_get_abort() {
    if common::on_every_engine(frames_unwound_by_an_exception_get_abort) {
        return;
    }
    let wat = r#"(module $m
      (tag $t (param i32))
      (func $thrower (param i32) (throw $t (local.get 0)))
      (func $between (param i32) (call $thrower (local.get 0)))
      (func (export "catches") (param i32) (result i32)
        (block $h (result i32)
          (try_table (catch $t $h) (call $between (local.get 0)))
          (i32.const 0)))
      (func (export "escapes") (param i32) (call $between (local.get 0))))"#;
    let log = Arc::new(Mutex::new(Vec::new()));
    let rt = Runtime::with_config(
        common::engine_config().with_function_listener_factory(Arc::new(Log(log.clone()))),
    );
    let m = rt.instantiate(&wat::parse_str(wat).unwrap()).unwrap();
    assert_eq!(
        m.exported_function("catches").unwrap().call(&[3]).unwrap(),
        vec![3]
    );
    assert_eq!(
        std::mem::take(&mut *log.lock().unwrap()),
        [
            "before m.$2",
            "before m.between",
            "before m.thrower",
            "abort m.thrower",
            "abort m.between",
            "after m.$2[3]"
        ]
    );
    m.exported_function("escapes")
        .unwrap()
        .call(&[3])
        .unwrap_err();
    assert_eq!(
        std::mem::take(&mut *log.lock().unwrap()),
        [
            "before m.$3",
            "before m.between",
            "before m.thrower",
            "abort m.thrower",
            "abort m.between",
            "abort m.$3"
        ]
    );
}

#[test]
fn exceptions_can_be_turned_off() {
    let wasm = sample();
    let config = RuntimeConfig::interpreter()
        .with_core_features(CoreFeatures::SUPPORTED.without(CoreFeatures::EXCEPTION_HANDLING));
    let err = Runtime::with_config(config)
        .compile_module(&wasm)
        .unwrap_err()
        .to_string();
    assert!(err.contains("exception"), "{err}");
    let legacy =
        wat::parse_str("(module (tag $t) (func (export \"f\") try throw $t catch $t end))")
            .unwrap();
    let config = RuntimeConfig::interpreter()
        .with_core_features(CoreFeatures::SUPPORTED.without(CoreFeatures::LEGACY_EXCEPTIONS));
    let err = Runtime::with_config(config)
        .compile_module(&legacy)
        .unwrap_err()
        .to_string();
    assert!(err.contains("legacy"), "{err}");
    // The default is 3.0 (`try_table`), which has no legacy instructions: refused, by
    // name; `SUPPORTED` has both forms.
    let rt = Runtime::new();
    assert_eq!(rt.config().core_features(), CoreFeatures::V3);
    rt.compile_module(&wasm).unwrap();
    let err = rt.compile_module(&legacy).unwrap_err().to_string();
    assert!(err.contains("legacy"), "{err}");
    let rt = Runtime::with_config(RuntimeConfig::new().with_core_features(CoreFeatures::SUPPORTED));
    let m = rt.instantiate(&legacy).unwrap();
    m.exported_function("f").unwrap().call(&[]).unwrap();
}

/// A tail call replaces its frame: the frame's handlers do not catch what the callee
/// throws, also when the callee is an import or another instance's function (which
/// the engines call and then return from).
#[test]
fn a_tail_calls_frame_does_not_catch() {
    if common::on_every_engine(a_tail_calls_frame_does_not_catch) {
        return;
    }
    let rt = Runtime::with_config(common::engine_config());
    let lib = r#"(module $lib
      (tag $e (export "e"))
      (table (export "t") 1 funcref)
      (func $fail (export "fail") (throw $e))
      (elem (i32.const 0) $fail))"#;
    rt.instantiate(&wat::parse_str(lib).unwrap()).unwrap();
    let app = r#"(module
      (import "lib" "fail" (func $fail))
      (import "lib" "t" (table 1 funcref))
      (func $local (call $fail))
      (func (export "import")
        (block $h (try_table (catch_all $h) (return_call $fail))))
      (func (export "indirect")
        (block $h (try_table (catch_all $h) (return_call_indirect (i32.const 0)))))
      (func (export "local")
        (block $h (try_table (catch_all $h) (return_call $local))))
      (func (export "plain")
        (block $h (try_table (catch_all $h) (call $fail)))))"#;
    let m = rt.instantiate(&wat::parse_str(app).unwrap()).unwrap();
    for name in ["import", "indirect", "local"] {
        let e = m.exported_function(name).unwrap().call(&[]).unwrap_err();
        assert_eq!(
            e.trap_code(),
            Some(TrapCode::UncaughtException),
            "{name}: {e}"
        );
    }
    m.exported_function("plain").unwrap().call(&[]).unwrap();
}

/// A debugger's "pause on exceptions": the execution stops at each throw, before any
/// handler, with the exception readable; resuming runs the handler. An uncaught
/// exception stays readable after the call ended.
#[test]
fn an_execution_can_pause_at_each_throw() {
    use wasmscope::{ExecutionState, StepMode, Value};
    let wat = r#"(module $m
      (tag $t (export "t") (param i32))
      (func $thrower (param i32) (throw $t (local.get 0)))
      (func (export "run") (param i32) (result i32)
        (block $h (result i32)
          (try_table (catch $t $h) (call $thrower (local.get 0)))
          (i32.const 0))
        (i32.const 100)
        (i32.add))
      (func (export "escape") (param i32) (call $thrower (local.get 0))))"#;
    let rt = Runtime::with_config(RuntimeConfig::interpreter().with_debug_stepping(true));
    let m = rt.instantiate(&wat::parse_str(wat).unwrap()).unwrap();
    let run = m.exported_function("run").unwrap();
    // Off: no pause.
    let mut ex = run.start_call(&[7]).unwrap();
    assert!(matches!(ex.resume(), ExecutionState::Finished(r) if r == vec![107]));
    let mut ex = run.start_call(&[7]).unwrap();
    ex.set_pause_on_exceptions(true);
    assert!(matches!(ex.resume(), ExecutionState::Paused));
    let thrown = ex.exception().expect("paused at a throw");
    assert_eq!(thrown.module, "m");
    assert_eq!(thrown.tag_index, 0);
    assert_eq!(thrown.tag_exports, ["t"]);
    assert_eq!(thrown.payload, [Value::I32(7)]);
    assert_eq!(
        thrown.description,
        "tag 0 (\"t\") of module \"m\" with payload (i32 7)"
    );
    // At the `throw` in $thrower, one call deep; the Stack shows the frame there, with
    // the payload as its operand.
    let at = ex.position().unwrap();
    assert_eq!((at.function_index, at.depth), (0, 1));
    let (offset, operands) = ex
        .with_stack(|s| {
            let top = s.frames().next().unwrap();
            (top.source_offset(), top.operands())
        })
        .unwrap();
    assert_eq!(offset, at.code_offset);
    assert_eq!(operands, [Value::I32(7)]);
    // A step runs the handler: the next stop is in `run`, after the try_table.
    assert!(matches!(
        ex.step(StepMode::Instruction),
        ExecutionState::Paused
    ));
    assert!(ex.exception().is_none());
    let at = ex.position().unwrap();
    assert_eq!((at.function_index, at.depth), (1, 0));
    assert!(matches!(ex.resume(), ExecutionState::Finished(r) if r == vec![107]));
    // Uncaught: paused at the throw, then the call ends; the exception stays readable.
    let mut ex = m
        .exported_function("escape")
        .unwrap()
        .start_call(&[9])
        .unwrap();
    ex.set_pause_on_exceptions(true);
    assert!(matches!(ex.resume(), ExecutionState::Paused));
    let e = match ex.resume() {
        ExecutionState::Trapped(e) => e,
        other => panic!("{other:?}"),
    };
    assert_eq!(e.trap_code(), Some(TrapCode::UncaughtException));
    assert_eq!(ex.exception().unwrap().payload, [Value::I32(9)]);
    // The frames at the throw stay readable, as after a trap.
    let names = ex
        .with_stack(|s| {
            s.frames()
                .map(|f| f.definition().debug_name())
                .collect::<Vec<_>>()
        })
        .unwrap();
    assert_eq!(names, ["m.thrower", "m.$2"]);
}
