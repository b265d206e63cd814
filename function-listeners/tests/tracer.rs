//! The call tracer builds the tree of calls, through returns, traps and exits.

use std::sync::Arc;
use std::time::Duration;

use wasmscope::listener::{
    CallContext, FunctionListener, FunctionListenerFactory, ListenerAction, StackIterator,
};
use wasmscope::{Error, ExecutionState, FunctionDefinition, Runtime, RuntimeConfig};
use wasmscope_listeners::multi::MultiListenerFactory;
use wasmscope_listeners::tracer::{render, CallNode, CallTracer, Outcome};

const APP: &str = r#"(module $app
  (import "env" "log" (func $log (param i32)))
  (import "env" "exit" (func $exit))
  (import "env" "nap" (func $nap))
  (func $fac (param $n i64) (result i64)
    local.get $n i64.eqz
    if (result i64) i64.const 1
    else local.get $n local.get $n i64.const 1 i64.sub call $fac i64.mul end)
  (func $pair (result i32 f64) i32.const -1 f64.const 1.5)
  (func $main (export "main")
    i64.const 2 call $fac i32.wrap_i64 call $log
    call $pair drop drop)
  (func $div (param $a i32) (param $b i32) (result i32) local.get $a local.get $b i32.div_s)
  (func $boom (export "boom") (param i32) (result i32) local.get 0 i32.const 0 call $div)
  (func $quit (export "quit") i32.const 1 call $log call $exit i32.const 2 call $log)
  (func $slow (export "slow") call $nap call $nap))"#;

const NAP: Duration = Duration::from_millis(3);

fn setup_with(factory: Arc<dyn FunctionListenerFactory>) -> wasmscope::Module {
    let rt =
        Runtime::with_config(RuntimeConfig::interpreter().with_function_listener_factory(factory));
    rt.new_host_module_builder("env")
        .new_function_builder()
        .with_func(|_: i32| {})
        .with_parameter_names(&["x"])
        .export("log")
        .new_function_builder()
        .with_func(|| -> wasmscope::Result<()> { Err(Error::exit(3)) })
        .export("exit")
        .new_function_builder()
        .with_func(|| std::thread::sleep(NAP))
        .export("nap")
        .instantiate()
        .unwrap();
    rt.instantiate(&wat::parse_str(APP).unwrap()).unwrap()
}

fn setup() -> (wasmscope::Module, CallTracer) {
    let tracer = CallTracer::new();
    (setup_with(Arc::new(tracer.clone())), tracer)
}

#[test]
fn the_tree_has_every_call_with_params_and_results() {
    let (m, tracer) = setup();
    m.exported_function("main").unwrap().call(&[]).unwrap();
    let roots = tracer.take_roots();
    assert_eq!(
        render(&roots, false),
        "app.main() -> ()\n\
         \x20 app.fac(n=2) -> 2\n\
         \x20   app.fac(n=1) -> 1\n\
         \x20     app.fac(n=0) -> 1\n\
         \x20 env.log(x=2) -> ()\n\
         \x20 app.pair() -> (-1,1.5)\n"
    );
    assert_eq!(roots.len(), 1);
    let main = &roots[0];
    assert_eq!(main.count(), 6);
    assert!(!main.host);
    assert!(main.children[1].host);
    assert_eq!(main.children[1].function, "env.log");
    assert_eq!(main.children[1].params, vec!["x=2".to_string()]);
    assert_eq!(
        main.children[2].results,
        vec!["-1".to_string(), "1.5".to_string()]
    );
    // Taken: the tracer is empty, and nothing is left open.
    assert!(tracer.take_roots().is_empty());
    assert_eq!(tracer.open_calls(), 0);
}

/// Every node's duration covers its children's.
fn check_durations(node: &CallNode) {
    let children: Duration = node.children.iter().map(|c| c.duration).sum();
    assert!(
        node.duration >= children,
        "{}: {:?} < children {:?}",
        node.function,
        node.duration,
        children
    );
    node.children.iter().for_each(check_durations);
}

#[test]
fn durations_are_measured_and_nest() {
    let (m, tracer) = setup();
    m.exported_function("slow").unwrap().call(&[]).unwrap();
    m.exported_function("main").unwrap().call(&[]).unwrap();
    let roots = tracer.take_roots();
    assert_eq!(roots.len(), 2);
    let slow = &roots[0];
    assert_eq!(slow.function, "app.slow");
    assert_eq!(slow.children.len(), 2);
    for nap in &slow.children {
        assert!(nap.duration >= NAP, "{:?}", nap.duration);
    }
    assert!(slow.duration >= 2 * NAP);
    roots.iter().for_each(check_durations);
    // The rendering with durations shows one on every line.
    let text = render(&roots, true);
    assert_eq!(text.lines().count(), 3 + 6);
    for line in text.lines() {
        assert!(line.ends_with("µs]"), "{line}");
    }
}

#[test]
fn a_trap_unwinds_every_open_call_and_the_next_call_starts_a_new_root() {
    let (m, tracer) = setup();
    let err = m.exported_function("boom").unwrap().call(&[7]).unwrap_err();
    assert!(err.trap_code().is_some());
    m.exported_function("main").unwrap().call(&[]).unwrap();
    let roots = tracer.take_roots();
    assert_eq!(roots.len(), 2, "{}", render(&roots, false));
    let trapped = Outcome::Trapped("wasm error: integer divide by zero".into());
    assert_eq!(roots[0].outcome, trapped);
    assert_eq!(roots[0].children[0].outcome, trapped);
    assert!(roots[0].results.is_empty());
    assert_eq!(
        render(&roots[..1], false),
        "app.boom(7) !! trapped: wasm error: integer divide by zero\n\
         \x20 app.div(a=7,b=0) !! trapped: wasm error: integer divide by zero\n"
    );
    assert_eq!(roots[1].function, "app.main");
    assert_eq!(roots[1].count(), 6);
    assert_eq!(tracer.open_calls(), 0);
}

#[test]
fn a_host_exit_ends_the_host_call_and_its_callers_as_exited() {
    let (m, tracer) = setup();
    let err = m.exported_function("quit").unwrap().call(&[]).unwrap_err();
    assert_eq!(err.exit_code(), Some(3));
    let roots = tracer.take_roots();
    assert_eq!(
        render(&roots, false),
        "app.quit() !! exited(3)\n\
         \x20 env.log(x=1) -> ()\n\
         \x20 env.exit() !! exited(3)\n"
    );
    assert_eq!(roots[0].outcome, Outcome::Exited(3));
    assert_eq!(tracer.open_calls(), 0);
}

/// Pauses on entry to functions named `pause_here`.
struct PauseAt;
struct PauseListener;
impl FunctionListener for PauseListener {
    fn before(&self, _: &CallContext<'_>, _: &[u64], _: &StackIterator<'_>) -> ListenerAction {
        ListenerAction::Pause
    }
}
impl FunctionListenerFactory for PauseAt {
    fn new_listener(&self, def: &FunctionDefinition) -> Option<Arc<dyn FunctionListener>> {
        (def.name() == Some("pair")).then(|| Arc::new(PauseListener) as Arc<dyn FunctionListener>)
    }
}

#[test]
fn a_paused_call_stays_open_until_resumed_alongside_another_listener() {
    let tracer = CallTracer::new();
    let m = setup_with(Arc::new(MultiListenerFactory::new(vec![
        Arc::new(tracer.clone()),
        Arc::new(PauseAt),
    ])));
    let mut exec = m
        .exported_function("main")
        .unwrap()
        .start_call(&[])
        .unwrap();
    assert!(matches!(exec.resume(), ExecutionState::Paused));
    // main and pair are open; fac's calls and log are in main's node, not finished.
    assert_eq!(tracer.open_calls(), 2);
    assert!(tracer.take_roots().is_empty());
    assert!(matches!(exec.resume(), ExecutionState::Finished(_)));
    assert_eq!(tracer.open_calls(), 0);
    let roots = tracer.take_roots();
    assert_eq!(roots.len(), 1);
    assert_eq!(roots[0].count(), 6);
    assert_eq!(roots[0].children[2].results, vec!["-1", "1.5"]);
}

#[test]
fn closing_a_paused_call_ends_its_calls_as_exited() {
    let tracer = CallTracer::new();
    let m = setup_with(Arc::new(MultiListenerFactory::new(vec![
        Arc::new(tracer.clone()),
        Arc::new(PauseAt),
    ])));
    let mut exec = m
        .exported_function("main")
        .unwrap()
        .start_call(&[])
        .unwrap();
    assert!(matches!(exec.resume(), ExecutionState::Paused));
    let err = exec.close_with_exit_code(9);
    assert_eq!(err.exit_code(), Some(9));
    let roots = tracer.take_roots();
    assert_eq!(roots.len(), 1);
    assert_eq!(roots[0].outcome, Outcome::Exited(9));
    assert_eq!(roots[0].children.last().unwrap().function, "app.pair");
    assert_eq!(
        roots[0].children.last().unwrap().outcome,
        Outcome::Exited(9)
    );
    assert_eq!(tracer.open_calls(), 0);
}
