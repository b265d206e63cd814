//! The function listener contract (wazero's, kept exactly) and resumable execution. The
//! tests run on every engine (`common::on_every_engine`), but those of paused calls,
//! which only the interpreter makes.

mod common;

use std::sync::{Arc, Mutex};

type Shared<T> = Arc<Mutex<Vec<T>>>;
/// A frame as a test sees it: name, locals, code offset.
type SeenFrame = (String, Vec<wasmscope::Value>, Option<u64>);

use wasmscope::listener::{
    CallContext, FunctionListener, FunctionListenerFactory, ListenerAction, ListenerHooks,
    StackIterator,
};
use wasmscope::{Error, ExecutionState, FunctionDefinition, ModuleConfig, Runtime, TrapCode};

/// Records every hook as a line; pauses before the functions named in `pause_on`.
struct Recorder {
    log: Arc<Mutex<Vec<String>>>,
    name: String,
    pause: bool,
    depth_seen: Arc<Mutex<Vec<usize>>>,
    /// The hooks it says it has (it writes every one it is called with).
    hooks: ListenerHooks,
}

impl FunctionListener for Recorder {
    fn hooks(&self) -> ListenerHooks {
        self.hooks
    }
    fn before(
        &self,
        call: &CallContext<'_>,
        params: &[u64],
        stack: &StackIterator<'_>,
    ) -> ListenerAction {
        assert_eq!(call.definition().debug_name(), self.name);
        assert_eq!(
            stack.frames().next().unwrap().definition().debug_name(),
            self.name,
            "callee first"
        );
        self.depth_seen.lock().unwrap().push(stack.len());
        self.log
            .lock()
            .unwrap()
            .push(format!("before {}{params:?}", self.name));
        if self.pause {
            ListenerAction::Pause
        } else {
            ListenerAction::Continue
        }
    }
    fn after(&self, _: &CallContext<'_>, results: &[u64]) {
        self.log
            .lock()
            .unwrap()
            .push(format!("after {}{results:?}", self.name));
    }
    fn abort(&self, _: &CallContext<'_>, error: &Error) {
        let what = match (error.trap_code(), error.exit_code()) {
            (Some(t), _) => t.to_string(),
            (_, Some(c)) => format!("exit {c}"),
            _ => "error".into(),
        };
        self.log
            .lock()
            .unwrap()
            .push(format!("abort {} ({what})", self.name));
    }
}

#[derive(Default)]
struct Factory {
    log: Arc<Mutex<Vec<String>>>,
    depth_seen: Arc<Mutex<Vec<usize>>>,
    /// Only these functions (by `debug_name`) get listeners; empty: all.
    only: Vec<String>,
    pause_on: Vec<String>,
    /// The hooks its listeners lack (none by default).
    lacks: ListenerHooks,
}

impl FunctionListenerFactory for Factory {
    fn new_listener(&self, def: &FunctionDefinition) -> Option<Arc<dyn FunctionListener>> {
        let name = def.debug_name();
        if !self.only.is_empty() && !self.only.contains(&name) {
            return None;
        }
        Some(Arc::new(Recorder {
            log: self.log.clone(),
            pause: self.pause_on.contains(&name),
            name,
            depth_seen: self.depth_seen.clone(),
            hooks: ListenerHooks::all() - self.lacks,
        }))
    }
}

fn runtime(factory: Factory) -> (Runtime, Shared<String>, Shared<usize>) {
    let (log, depths) = (factory.log.clone(), factory.depth_seen.clone());
    let rt = Runtime::with_config(
        common::engine_config().with_function_listener_factory(Arc::new(factory)),
    );
    (rt, log, depths)
}

const CHAIN: &str = r#"(module $app
  (func $leaf (param i32) (result i32) local.get 0 i32.const 10 i32.div_u)
  (func $mid (param i32) (result i32) local.get 0 i32.const 1 i32.add call $leaf)
  (func $top (export "top") (param i32) (result i32) local.get 0 call $mid i32.const 2 i32.mul)
  (func $boom (param i32) (result i32) i32.const 1 local.get 0 i32.div_u)
  (func $mid2 (param i32) (result i32) local.get 0 call $boom)
  (func (export "trap") (param i32) (result i32) local.get 0 call $mid2))"#;

#[test]
fn before_and_after_pair_in_call_order() {
    if common::on_every_engine(before_and_after_pair_in_call_order) {
        return;
    }
    let (rt, log, depths) = runtime(Factory::default());
    let m = rt.instantiate(&wat::parse_str(CHAIN).unwrap()).unwrap();
    assert_eq!(
        m.exported_function("top").unwrap().call(&[99]).unwrap(),
        vec![20]
    );
    assert_eq!(
        *log.lock().unwrap(),
        vec![
            "before app.top[99]",
            "before app.mid[99]",
            "before app.leaf[100]",
            "after app.leaf[10]",
            "after app.mid[10]",
            "after app.top[20]",
        ]
    );
    assert_eq!(
        *depths.lock().unwrap(),
        vec![1, 2, 3],
        "the stack grows with each call"
    );
}

#[test]
fn a_trap_aborts_every_listened_frame_innermost_first() {
    if common::on_every_engine(a_trap_aborts_every_listened_frame_innermost_first) {
        return;
    }
    let (rt, log, _) = runtime(Factory::default());
    let m = rt.instantiate(&wat::parse_str(CHAIN).unwrap()).unwrap();
    let err = m.exported_function("trap").unwrap().call(&[0]).unwrap_err();
    assert_eq!(err.trap_code(), Some(TrapCode::IntegerDivideByZero));
    assert_eq!(
        *log.lock().unwrap(),
        vec![
            "before app.$5[0]",
            "before app.mid2[0]",
            "before app.boom[0]",
            "abort app.boom (integer divide by zero)",
            "abort app.mid2 (integer divide by zero)",
            "abort app.$5 (integer divide by zero)",
        ]
    );
}

#[test]
fn functions_without_a_listener_are_not_reported() {
    if common::on_every_engine(functions_without_a_listener_are_not_reported) {
        return;
    }
    let factory = Factory {
        only: vec!["app.mid".into()],
        ..Factory::default()
    };
    let (rt, log, _) = runtime(factory);
    let m = rt.instantiate(&wat::parse_str(CHAIN).unwrap()).unwrap();
    m.exported_function("top").unwrap().call(&[5]).unwrap();
    assert_eq!(
        *log.lock().unwrap(),
        vec!["before app.mid[5]", "after app.mid[0]"]
    );
}

#[test]
fn deep_stacks_abort_every_frame() {
    if common::on_every_engine(deep_stacks_abort_every_frame) {
        return;
    }
    let wat = r#"(module $deep
      (func $down (export "down") (param i32) (result i32)
        local.get 0 i32.eqz
        if (result i32) unreachable
        else local.get 0 i32.const 1 i32.sub call $down end))"#;
    let (rt, log, depths) = runtime(Factory::default());
    let m = rt.instantiate(&wat::parse_str(wat).unwrap()).unwrap();
    let err = m
        .exported_function("down")
        .unwrap()
        .call(&[40])
        .unwrap_err();
    assert_eq!(err.trap_code(), Some(TrapCode::Unreachable));
    let log = log.lock().unwrap();
    assert_eq!(log.iter().filter(|l| l.starts_with("before")).count(), 41);
    let aborts: Vec<&String> = log.iter().filter(|l| l.starts_with("abort")).collect();
    assert_eq!(aborts.len(), 41, "one abort per before, beyond 30 frames");
    assert_eq!(*depths.lock().unwrap().last().unwrap(), 41);
}

#[test]
fn stack_frames_give_locals_and_code_offsets() {
    if common::on_every_engine(stack_frames_give_locals_and_code_offsets) {
        return;
    }
    struct Inspect(Shared<SeenFrame>);
    impl FunctionListener for Inspect {
        fn before(
            &self,
            _: &CallContext<'_>,
            _: &[u64],
            stack: &StackIterator<'_>,
        ) -> ListenerAction {
            let mut seen = self.0.lock().unwrap();
            for f in stack.frames() {
                seen.push((f.definition().debug_name(), f.locals(), f.source_offset()));
            }
            ListenerAction::Continue
        }
    }
    struct F(Shared<SeenFrame>);
    impl FunctionListenerFactory for F {
        fn new_listener(&self, def: &FunctionDefinition) -> Option<Arc<dyn FunctionListener>> {
            (def.debug_name() == "app.leaf")
                .then(|| Arc::new(Inspect(self.0.clone())) as Arc<dyn FunctionListener>)
        }
    }
    let seen = Arc::new(Mutex::new(Vec::new()));
    let rt = Runtime::with_config(
        common::engine_config().with_function_listener_factory(Arc::new(F(seen.clone()))),
    );
    let m = rt.instantiate(&wat::parse_str(CHAIN).unwrap()).unwrap();
    m.exported_function("top").unwrap().call(&[7]).unwrap();
    let seen = seen.lock().unwrap();
    let names: Vec<&str> = seen.iter().map(|(n, _, _)| n.as_str()).collect();
    assert_eq!(names, ["app.leaf", "app.mid", "app.top"]);
    assert_eq!(
        seen[0].1,
        vec![wasmscope::Value::I32(8)],
        "leaf's parameter"
    );
    // A caller's values: the interpreter keeps them; compiled code does not (its
    // values live in registers), so its callers show none.
    let top_locals = match common::engine().0 {
        "compiler" | "tiered" => vec![], // (tiering is off with listeners)
        _ => vec![wasmscope::Value::I32(7)],
    };
    assert_eq!(seen[2].1, top_locals, "top's parameter");
    // Every frame knows where it is in the code section, callers at their call.
    assert!(seen.iter().all(|(_, _, off)| off.is_some()));
    assert!(seen[1].2 < seen[2].2, "mid is defined before top");
}

/// Host module `env`: `triple` and `exit`.
fn env_module(rt: &Runtime) {
    rt.new_host_module_builder("env")
        .new_function_builder()
        .with_func(|x: i32| x * 3)
        .export("triple")
        .new_function_builder()
        .with_func(|code: u32| -> Result<(), Error> { Err(Error::exit(code)) })
        .export("exit")
        .instantiate()
        .unwrap();
}

#[test]
fn host_functions_are_listened_to_and_exits_abort_the_guest_frames() {
    if common::on_every_engine(host_functions_are_listened_to_and_exits_abort_the_guest_frames) {
        return;
    }
    let (rt, log, _) = runtime(Factory::default());
    env_module(&rt);
    let wat = r#"(module $g
      (import "env" "triple" (func $triple (param i32) (result i32)))
      (import "env" "exit" (func $exit (param i32)))
      (func (export "run") (param i32) (result i32) local.get 0 call $triple)
      (func $inner (param i32) local.get 0 call $exit)
      (func (export "quit") (param i32) local.get 0 call $inner))"#;
    let m = rt.instantiate(&wat::parse_str(wat).unwrap()).unwrap();
    assert_eq!(
        m.exported_function("run").unwrap().call(&[5]).unwrap(),
        vec![15]
    );
    let err = m.exported_function("quit").unwrap().call(&[3]).unwrap_err();
    assert_eq!(err.exit_code(), Some(3));
    assert_eq!(
        *log.lock().unwrap(),
        vec![
            "before g.$2[5]",
            "before env.triple[5]",
            "after env.triple[15]",
            "after g.$2[15]",
            "before g.$4[3]",
            "before g.inner[3]",
            "before env.exit[3]",
            "abort env.exit (exit 3)",
            "abort g.inner (exit 3)",
            "abort g.$4 (exit 3)",
        ]
    );
}

/// The log of `run` (calls on a fresh runtime whose listeners lack `lacks`).
fn log_lacking(lacks: ListenerHooks, run: fn(&Runtime)) -> Vec<String> {
    let (rt, log, _) = runtime(Factory {
        lacks,
        ..Factory::default()
    });
    run(&rt);
    let out = log.lock().unwrap().clone();
    out
}

#[test]
fn a_listener_is_called_only_for_the_hooks_it_has() {
    if common::on_every_engine(a_listener_is_called_only_for_the_hooks_it_has) {
        return;
    }
    // Calls that return, trap, call host functions and exit.
    fn run(rt: &Runtime) {
        env_module(rt);
        let m = rt.instantiate(&wat::parse_str(CHAIN).unwrap()).unwrap();
        m.exported_function("top").unwrap().call(&[99]).unwrap();
        m.exported_function("trap").unwrap().call(&[0]).unwrap_err();
        let wat = r#"(module $g
          (import "env" "triple" (func $triple (param i32) (result i32)))
          (import "env" "exit" (func $exit (param i32)))
          (func (export "run") (param i32) (result i32) local.get 0 call $triple)
          (func (export "quit") (param i32) local.get 0 call $exit))"#;
        let g = rt.instantiate(&wat::parse_str(wat).unwrap()).unwrap();
        g.exported_function("run").unwrap().call(&[5]).unwrap();
        g.exported_function("quit").unwrap().call(&[3]).unwrap_err();
    }
    let all = log_lacking(ListenerHooks::empty(), run);
    assert_eq!(all.len(), 6 + 6 + 4 + 4, "{all:?}");
    for bits in 1..8 {
        let lacks = ListenerHooks::from_bits_truncate(bits);
        let has = |line: &String| {
            let hook = match line.split(' ').next() {
                Some("before") => ListenerHooks::BEFORE,
                Some("after") => ListenerHooks::AFTER,
                _ => ListenerHooks::ABORT,
            };
            !lacks.contains(hook)
        };
        let want: Vec<String> = all.iter().filter(|l| has(l)).cloned().collect();
        assert_eq!(log_lacking(lacks, run), want, "lacking {lacks:?}");
    }
}

#[test]
fn a_listener_without_before_cannot_pause() {
    let factory = Factory {
        pause_on: vec!["app.mid".into()],
        lacks: ListenerHooks::BEFORE,
        ..Factory::default()
    };
    let (rt, log, _) = runtime(factory);
    let m = rt.instantiate(&wat::parse_str(CHAIN).unwrap()).unwrap();
    let mut exec = m
        .exported_function("top")
        .unwrap()
        .start_call(&[99])
        .unwrap();
    match exec.resume() {
        ExecutionState::Finished(r) => assert_eq!(r, vec![20]),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        *log.lock().unwrap(),
        [
            "after app.leaf[10]",
            "after app.mid[10]",
            "after app.top[20]"
        ]
    );
}

#[test]
fn a_listener_pauses_a_resumable_call_and_it_resumes() {
    let factory = Factory {
        pause_on: vec!["app.leaf".into()],
        ..Factory::default()
    };
    let (rt, log, _) = runtime(factory);
    let m = rt.instantiate(&wat::parse_str(CHAIN).unwrap()).unwrap();
    let top = m.exported_function("top").unwrap();
    // A plain call ignores the pause.
    assert_eq!(top.call(&[9]).unwrap(), vec![2]);
    log.lock().unwrap().clear();
    let mut exec = top.start_call(&[29]).unwrap();
    assert!(matches!(exec.resume(), ExecutionState::Paused));
    assert_eq!(log.lock().unwrap().last().unwrap(), "before app.leaf[30]");
    // Other calls may run while it is paused.
    assert_eq!(top.call(&[19]).unwrap(), vec![4]);
    match exec.resume() {
        ExecutionState::Finished(r) => assert_eq!(r, vec![6]),
        other => panic!("{other:?}"),
    }
    assert!(exec.is_done());
    assert!(
        matches!(exec.resume(), ExecutionState::Trapped(_)),
        "an ended execution stays ended"
    );
}

#[test]
fn closing_a_paused_call_aborts_frames_exits_and_notifies() {
    let factory = Factory {
        pause_on: vec!["app.leaf".into()],
        ..Factory::default()
    };
    let (rt, log, _) = runtime(factory);
    let notified = Arc::new(Mutex::new(Vec::new()));
    let n = notified.clone();
    let m = rt
        .instantiate_with_config(
            &wat::parse_str(CHAIN).unwrap(),
            ModuleConfig::new().with_close_notifier(move |code| n.lock().unwrap().push(code)),
        )
        .unwrap();
    let mut exec = m
        .exported_function("top")
        .unwrap()
        .start_call(&[1])
        .unwrap();
    assert!(matches!(exec.resume(), ExecutionState::Paused));
    let err = exec.close_with_exit_code(7);
    assert_eq!(err.exit_code(), Some(7));
    assert_eq!(
        log.lock().unwrap()[3..],
        [
            "abort app.leaf (exit 7)",
            "abort app.mid (exit 7)",
            "abort app.top (exit 7)"
        ]
    );
    assert_eq!(*notified.lock().unwrap(), vec![7]);
    assert!(m.is_closed());
}

#[test]
fn a_panicking_listener_ends_the_call_with_an_error_and_the_runtime_survives() {
    if common::on_every_engine(
        a_panicking_listener_ends_the_call_with_an_error_and_the_runtime_survives,
    ) {
        return;
    }
    struct Panics;
    impl FunctionListener for Panics {
        fn before(&self, _: &CallContext<'_>, _: &[u64], _: &StackIterator<'_>) -> ListenerAction {
            panic!("listener bug");
        }
    }
    struct F;
    impl FunctionListenerFactory for F {
        fn new_listener(&self, def: &FunctionDefinition) -> Option<Arc<dyn FunctionListener>> {
            (def.debug_name() == "app.leaf").then(|| Arc::new(Panics) as Arc<dyn FunctionListener>)
        }
    }
    let rt =
        Runtime::with_config(common::engine_config().with_function_listener_factory(Arc::new(F)));
    let m = rt.instantiate(&wat::parse_str(CHAIN).unwrap()).unwrap();
    let err = m.exported_function("top").unwrap().call(&[1]).unwrap_err();
    assert!(
        err.to_string()
            .contains("function listener panicked in before: listener bug"),
        "{err}"
    );
    // The runtime still works: a function that does not reach the listener runs.
    assert_eq!(
        m.exported_function("trap").unwrap().call(&[1]).unwrap(),
        vec![1]
    );
}

#[test]
fn the_call_context_reads_globals_and_memory() {
    if common::on_every_engine(the_call_context_reads_globals_and_memory) {
        return;
    }
    struct Peek(Arc<Mutex<Option<(u64, u8)>>>);
    impl FunctionListener for Peek {
        fn before(
            &self,
            call: &CallContext<'_>,
            _: &[u64],
            _: &StackIterator<'_>,
        ) -> ListenerAction {
            let g = call.globals()[0].1;
            let m = call.memory().unwrap()[3];
            *self.0.lock().unwrap() = Some((g, m));
            ListenerAction::Continue
        }
    }
    struct F(Arc<Mutex<Option<(u64, u8)>>>);
    impl FunctionListenerFactory for F {
        fn new_listener(&self, _: &FunctionDefinition) -> Option<Arc<dyn FunctionListener>> {
            Some(Arc::new(Peek(self.0.clone())))
        }
    }
    let seen = Arc::new(Mutex::new(None));
    let rt = Runtime::with_config(
        common::engine_config().with_function_listener_factory(Arc::new(F(seen.clone()))),
    );
    let wat = r#"(module (global $g (mut i32) (i32.const 41)) (memory 1) (data (i32.const 3) "\2a")
      (func (export "f")))"#;
    rt.instantiate(&wat::parse_str(wat).unwrap())
        .unwrap()
        .exported_function("f")
        .unwrap()
        .call(&[])
        .unwrap();
    assert_eq!(
        *seen.lock().unwrap(),
        Some((41, 42)),
        "an unexported global is visible"
    );
}

/// The hooks see a global as the code left it just before: the interpreter's fast path
/// writes globals in place while its run goes on through listened calls.
#[test]
fn the_hooks_see_the_globals_the_code_just_set() {
    if common::on_every_engine(the_hooks_see_the_globals_the_code_just_set) {
        return;
    }
    struct Peek(Arc<Mutex<Vec<(&'static str, u64)>>>);
    impl FunctionListener for Peek {
        fn before(
            &self,
            call: &CallContext<'_>,
            _: &[u64],
            _: &StackIterator<'_>,
        ) -> ListenerAction {
            let g = call.globals()[0].1;
            self.0.lock().unwrap().push(("before", g));
            ListenerAction::Continue
        }
        fn after(&self, call: &CallContext<'_>, _: &[u64]) {
            let g = call.globals()[0].1;
            self.0.lock().unwrap().push(("after", g));
        }
    }
    struct F(Arc<Mutex<Vec<(&'static str, u64)>>>);
    impl FunctionListenerFactory for F {
        fn new_listener(&self, def: &FunctionDefinition) -> Option<Arc<dyn FunctionListener>> {
            (def.name() == Some("bump")).then(|| Arc::new(Peek(self.0.clone())) as _)
        }
    }
    let seen = Arc::new(Mutex::new(Vec::new()));
    let rt = Runtime::with_config(
        common::engine_config().with_function_listener_factory(Arc::new(F(seen.clone()))),
    );
    let wat = r#"(module (global $g (mut i64) (i64.const 7))
      (func $bump (global.set $g (i64.add (global.get $g) (i64.const 100))))
      (func (export "f") (param $n i32) (local $i i32)
        (loop $l
          (global.set $g (i64.extend_i32_u (local.get $i)))
          (call $bump)
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $l (i32.lt_u (local.get $i) (local.get $n))))))"#;
    let m = rt.instantiate(&wat::parse_str(wat).unwrap()).unwrap();
    m.exported_function("f").unwrap().call(&[5]).unwrap();
    let expected: Vec<_> = (0..5u64)
        .flat_map(|i| [("before", i), ("after", i + 100)])
        .collect();
    assert_eq!(*seen.lock().unwrap(), expected);
}

/// Every frame (name and code offset) each listener sees, across a host function, a
/// call through a table and a call into another module.
fn stacks_seen(config: wasmscope::RuntimeConfig) -> Vec<String> {
    struct Stacks(Arc<Mutex<Vec<String>>>);
    impl FunctionListener for Stacks {
        fn before(
            &self,
            call: &CallContext<'_>,
            params: &[u64],
            stack: &StackIterator<'_>,
        ) -> ListenerAction {
            let frames: Vec<String> = stack
                .frames()
                .map(|f| format!("{}@{:?}", f.definition().debug_name(), f.source_offset()))
                .collect();
            self.0.lock().unwrap().push(format!(
                "{}{params:?}: {}",
                call.definition().debug_name(),
                frames.join(" < ")
            ));
            ListenerAction::Continue
        }
        fn after(&self, call: &CallContext<'_>, results: &[u64]) {
            self.0.lock().unwrap().push(format!(
                "after {}{results:?}",
                call.definition().debug_name()
            ));
        }
        fn abort(&self, call: &CallContext<'_>, error: &Error) {
            self.0.lock().unwrap().push(format!(
                "abort {} ({})",
                call.definition().debug_name(),
                error.to_string().lines().next().unwrap_or("")
            ));
        }
    }
    struct F(Arc<Mutex<Vec<String>>>);
    impl FunctionListenerFactory for F {
        fn new_listener(&self, _: &FunctionDefinition) -> Option<Arc<dyn FunctionListener>> {
            Some(Arc::new(Stacks(self.0.clone())))
        }
    }
    let seen = Arc::new(Mutex::new(Vec::new()));
    let rt = Runtime::with_config(config.with_function_listener_factory(Arc::new(F(seen.clone()))));
    rt.new_host_module_builder("env")
        .new_function_builder()
        .with_func(|x: i32| x + 1)
        .export("inc")
        .instantiate()
        .unwrap();
    let lib = r#"(module $lib
      (import "env" "inc" (func $inc (param i32) (result i32)))
      (func $twice (export "twice") (param i32) (result i32)
        local.get 0 call $inc local.get 0 i32.add)
      (func (export "fail") (param i32) (result i32)
        local.get 0 call $twice i32.const 0 i32.div_u))"#;
    rt.instantiate(&wat::parse_str(lib).unwrap()).unwrap();
    let app = r#"(module $app
      (import "lib" "twice" (func $twice (param i32) (result i32)))
      (import "lib" "fail" (func $fail (param i32) (result i32)))
      (type $un (func (param i32) (result i32)))
      (table 1 funcref)
      (elem (i32.const 0) $via)
      (func $via (param i32) (result i32) (local i64) local.get 0 call $twice)
      (func (export "run") (param i32) (result i32)
        local.get 0 i32.const 0 call_indirect (type $un) i32.const 1 i32.add)
      (func (export "fail") (param i32) (result i32)
        i32.const 100 drop local.get 0 call $fail))"#;
    let m = rt.instantiate(&wat::parse_str(app).unwrap()).unwrap();
    assert_eq!(
        m.exported_function("run").unwrap().call(&[5]).unwrap(),
        vec![12]
    );
    let err = m.exported_function("fail").unwrap().call(&[5]).unwrap_err();
    assert!(err.to_string().contains("integer divide by zero"), "{err}");
    let out = seen.lock().unwrap().clone();
    out
}

/// The compiler reports the same calls, stacks (functions and code offsets, callers at
/// their call instructions), results and aborts as the interpreter.
#[test]
fn both_engines_report_the_same_stacks() {
    let engines = common::engines();
    let seen: Vec<(&str, Vec<String>)> = engines
        .iter()
        .map(|(name, config)| (*name, stacks_seen(config.clone())))
        .collect();
    let (first, expected) = &seen[0];
    assert!(
        expected.iter().any(|l| l.starts_with("env.inc")
            && l.contains("lib.twice@Some(")
            && l.contains("app.via@Some(")
            && l.contains("app.$3@Some(")),
        "{expected:#?}"
    );
    assert!(
        expected.iter().any(|l| l.starts_with("abort app.")),
        "{expected:#?}"
    );
    for (name, lines) in &seen[1..] {
        assert_eq!(lines, expected, "{name} against the {first}");
    }
}

/// The offset in the Code section (as `StackFrame::source_offset` gives it) of the first
/// operator of defined function `index` of `wasm`.
fn first_operator_offset(wasm: &[u8], index: usize) -> u64 {
    let (mut start, mut n) = (0, 0);
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        match payload.unwrap() {
            wasmparser::Payload::CodeSectionStart {
                unchecked_range, ..
            } => start = unchecked_range.start,
            wasmparser::Payload::CodeSectionEntry(body) if n == index => {
                let mut ops = body.get_operators_reader().unwrap();
                return ops.read_with_offset().unwrap().1 - start;
            }
            wasmparser::Payload::CodeSectionEntry(_) => n += 1,
            _ => {}
        }
    }
    panic!("no function {index}")
}

/// A frame as a test reads it: function, code offset, locals, operands.
type FrameValues = (
    String,
    Option<u64>,
    Vec<wasmscope::Value>,
    Vec<wasmscope::Value>,
);

/// What an entry hook saw: the parameters and the frames.
type HookSeen = Arc<Mutex<Option<(Vec<u64>, Vec<FrameValues>)>>>;

/// What a listener's entry hook sees of the stack on the interpreter: every frame's
/// function, code offset, locals and operands. In a plain call the fast path runs the hook
/// while the frames its run pushed are not completed (the hook derives what it reads of
/// them); in a resumable one the executor runs it, with the frames complete. Both must
/// see the same, and the same as the executor's own walk of the stack at the pause the
/// hook asks for. In plain code and in code compiled for debug stepping.
#[test]
fn the_entry_hook_sees_each_frames_values_as_the_executor_does() {
    const APP: &str = r#"(module $app
      (func $leaf (param i32 i64) (result i32) (local f32)
        local.get 0 i32.const 3 i32.add)
      (func $mid (param i32) (result i32) (local i32)
        i32.const 5 local.set 1
        local.get 0 i32.const 100 i32.add
        local.get 0 i64.const 9 call $leaf
        i32.add)
      (func $top (export "top") (param i32) (result i32)
        local.get 0 i32.const 7 i32.mul
        local.get 0 call $mid i32.add))"#;
    fn frames_of(stack: &StackIterator<'_>) -> Vec<FrameValues> {
        (stack.frames())
            .map(|f| {
                let name = f.definition().debug_name();
                (name, f.source_offset(), f.locals(), f.operands())
            })
            .collect()
    }
    struct Seen(HookSeen);
    impl FunctionListener for Seen {
        fn hooks(&self) -> ListenerHooks {
            ListenerHooks::BEFORE
        }
        fn before(
            &self,
            _: &CallContext<'_>,
            params: &[u64],
            stack: &StackIterator<'_>,
        ) -> ListenerAction {
            *self.0.lock().unwrap() = Some((params.to_vec(), frames_of(stack)));
            ListenerAction::Pause
        }
    }
    struct F(HookSeen);
    impl FunctionListenerFactory for F {
        fn new_listener(&self, def: &FunctionDefinition) -> Option<Arc<dyn FunctionListener>> {
            (def.debug_name() == "app.leaf")
                .then(|| Arc::new(Seen(self.0.clone())) as Arc<dyn FunctionListener>)
        }
    }
    use wasmscope::Value::{F32, I32, I64};
    let wasm = wat::parse_str(APP).unwrap();
    for debug in [false, true] {
        let seen = Arc::new(Mutex::new(None));
        let rt = Runtime::with_config(
            wasmscope::RuntimeConfig::interpreter()
                .with_debug_stepping(debug)
                .with_function_listener_factory(Arc::new(F(seen.clone()))),
        );
        let m = rt.instantiate(&wasm).unwrap();
        let top = m.exported_function("top").unwrap();
        // A plain call: the fast path's hook (the pause is not honoured).
        assert_eq!(top.call(&[2]).unwrap(), vec![14 + 102 + 5]);
        let (params, fast) = seen.lock().unwrap().take().expect("the hook ran");
        assert_eq!(params, [2, 9], "debug {debug}");
        let values: Vec<(&str, &[wasmscope::Value], &[wasmscope::Value])> = (fast.iter())
            .map(|(n, _, l, o)| (n.as_str(), l.as_slice(), o.as_slice()))
            .collect();
        assert_eq!(
            values,
            [
                ("app.leaf", &[I32(2), I64(9), F32(0.0)][..], &[][..]),
                ("app.mid", &[I32(2), I32(5)][..], &[I32(102)][..]),
                ("app.top", &[I32(2)][..], &[I32(14)][..]),
            ],
            "debug {debug}"
        );
        // The function at its entry: its first operator.
        assert_eq!(
            fast[0].1,
            Some(first_operator_offset(&wasm, 0)),
            "debug {debug}"
        );
        // A resumable call: the executor's hook, and its walk at the pause.
        let mut exec = top.start_call(&[2]).unwrap();
        assert!(
            matches!(exec.resume(), ExecutionState::Paused),
            "debug {debug}"
        );
        let (params, hook) = seen.lock().unwrap().take().expect("the hook ran");
        assert_eq!(params, [2, 9], "debug {debug}");
        assert_eq!(hook, fast, "debug {debug}");
        let paused = exec.with_stack(frames_of).unwrap();
        assert_eq!(hook[1..], paused[1..], "debug {debug}");
        assert_eq!((&hook[0].0, &hook[0].2), (&paused[0].0, &paused[0].2));
        match exec.resume() {
            ExecutionState::Finished(r) => assert_eq!(r, vec![14 + 102 + 5]),
            other => panic!("{other:?}"),
        }
    }
}
