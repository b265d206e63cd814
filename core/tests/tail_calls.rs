//! Tail calls (`return_call`, `return_call_indirect`) on every engine: loops of a
//! million calls in constant stack, through the table and across instances; the trace of
//! a trap after tail calls; the listener rule (a replaced frame leaves the stack; a
//! listened function's `after` comes when the frame that replaced it returns, with its
//! results); the feature switch.

mod common;

use std::sync::{Arc, Mutex};

use wasmscope::listener::{
    CallContext, FunctionListener, FunctionListenerFactory, ListenerAction, ListenerHooks,
    StackIterator,
};
use wasmscope::{CoreFeatures, Error, FunctionDefinition, Runtime, RuntimeConfig};

fn sample() -> Vec<u8> {
    common::wat_sample("tail_calls.wat")
}

#[test]
fn a_million_tail_calls_need_no_stack() {
    if common::on_every_engine(a_million_tail_calls_need_no_stack) {
        return;
    }
    let rt = Runtime::with_config(common::engine_config());
    let m = rt.instantiate(&sample()).unwrap();
    let call = |name: &str, arg: u64| m.exported_function(name).unwrap().call(&[arg]);
    assert_eq!(call("count", 1_000_000).unwrap(), vec![1_000_000]);
    assert_eq!(call("is_even", 1_000_001).unwrap(), vec![0]);
    assert_eq!(call("is_even", 1_000_000).unwrap(), vec![1]);
    assert_eq!(call("sum_to", 1_000_000).unwrap(), vec![500_000_500_000]);
}

/// `return_call_indirect` to another instance's function and `return_call` to a host
/// function: called, and their results returned.
#[test]
fn tail_calls_out_of_the_instance_return_the_callees_results() {
    if common::on_every_engine(tail_calls_out_of_the_instance_return_the_callees_results) {
        return;
    }
    let rt = Runtime::with_config(common::engine_config());
    rt.new_host_module_builder("env")
        .new_function_builder()
        .with_func(|x: i32| x * 10)
        .export("times10")
        .instantiate()
        .unwrap();
    let lib = r#"(module $lib
      (table (export "t") 2 funcref)
      (func $plus1 (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
      (elem (i32.const 0) $plus1))"#;
    rt.instantiate(&wat::parse_str(lib).unwrap()).unwrap();
    let app = r#"(module
      (import "env" "times10" (func $times10 (param i32) (result i32)))
      (import "lib" "t" (table 2 funcref))
      (type $un (func (param i32) (result i32)))
      (func (export "host") (param i32) (result i32) (return_call $times10 (local.get 0)))
      (func (export "other") (param i32) (result i32)
        (return_call_indirect (type $un) (local.get 0) (i32.const 0)))
      (func (export "missing") (param i32) (result i32)
        (return_call_indirect (type $un) (local.get 0) (i32.const 1))))"#;
    let m = rt.instantiate(&wat::parse_str(app).unwrap()).unwrap();
    let call = |name: &str, arg: u64| m.exported_function(name).unwrap().call(&[arg]);
    assert_eq!(call("host", 4).unwrap(), vec![40]);
    assert_eq!(call("other", 4).unwrap(), vec![5]);
    let err = call("missing", 4).unwrap_err().to_string();
    assert!(err.contains("uninitialized element"), "{err}");
}

/// A tail call that does not replace its frame (to a host function or another instance's)
/// pairs the frame's `before` with one `after` or one `abort`, as a call and a return.
#[test]
fn a_tail_call_out_of_the_instance_pairs_its_hooks() {
    for (engine, config) in common::engines() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let only = Only(log.clone(), vec!["$1", "$2"], ListenerHooks::all());
        let rt = Runtime::with_config(config.with_function_listener_factory(Arc::new(only)));
        rt.new_host_module_builder("env")
            .new_function_builder()
            .with_func(|x: i32| -> Result<i32, Error> {
                match x {
                    0 => Err(Error::exit(7)),
                    _ => Ok(x * 10),
                }
            })
            .export("times10")
            .instantiate()
            .unwrap();
        // Another instance's functions: one that returns, one that traps; a null element.
        let lib = r#"(module $lib
          (table (export "t") 3 funcref)
          (func $plus1 (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
          (func $boom (param i32) (result i32) unreachable)
          (elem (i32.const 0) $plus1 $boom))"#;
        rt.instantiate(&wat::parse_str(lib).unwrap()).unwrap();
        let app = r#"(module $app
          (import "env" "times10" (func $times10 (param i32) (result i32)))
          (import "lib" "t" (table 3 funcref))
          (type $un (func (param i32) (result i32)))
          (func (export "host") (param i32) (result i32) (return_call $times10 (local.get 0)))
          (func (export "other") (param i32) (result i32)
            (return_call_indirect (type $un) (local.get 0) (local.get 0))))"#;
        let m = rt.instantiate(&wat::parse_str(app).unwrap()).unwrap();
        let call = |name: &str, arg: u64| m.exported_function(name).unwrap().call(&[arg]);
        assert_eq!(call("host", 4).unwrap(), vec![40]);
        call("host", 0).unwrap_err();
        assert_eq!(call("other", 0).unwrap(), vec![1]);
        call("other", 1).unwrap_err();
        call("other", 2).unwrap_err();
        assert_eq!(
            *log.lock().unwrap(),
            [
                "before app.$1[4] [app.$1]",
                "after app.$1[40]",
                "before app.$1[0] [app.$1]",
                "abort app.$1",
                "before app.$2[0] [app.$2]",
                "after app.$2[1]",
                "before app.$2[1] [app.$2]",
                "abort app.$2",
                "before app.$2[2] [app.$2]",
                "abort app.$2",
            ],
            "on the {engine}"
        );
    }
}

/// Gives each function the listener hooks `hooks` names for it (none: no listener).
struct ByName(Arc<Mutex<Vec<String>>>, Vec<(&'static str, ListenerHooks)>);

impl FunctionListenerFactory for ByName {
    fn new_listener(&self, def: &FunctionDefinition) -> Option<Arc<dyn FunctionListener>> {
        let name = def.debug_name();
        let (_, hooks) = self.1.iter().find(|(n, _)| name.ends_with(n))?;
        Some(Arc::new(Log(self.0.clone(), *hooks)))
    }
}

/// A replaced function owes what it has to the frame that replaced it, whatever hooks
/// (or none) that frame's listener has, through `return_call` and `return_call_indirect`.
#[test]
fn a_replaced_function_owes_its_hooks_whatever_its_callee_has() {
    use ListenerHooks as H;
    let wat = r#"(module $m
      (type $un (func (param i32) (result i32)))
      (table 1 funcref)
      (elem (i32.const 0) $leaf)
      (func $leaf (param i32) (result i32) local.get 0 i32.const 1 i32.add)
      (func $mid (param i32) (result i32) (return_call $leaf (local.get 0)))
      (func $mid_ind (param i32) (result i32)
        (return_call_indirect (type $un) (local.get 0) (i32.const 0)))
      (func $div (param i32) (result i32) i32.const 1 local.get 0 i32.div_u)
      (func $mid_trap (param i32) (result i32) (return_call $div (local.get 0)))
      (func $a (export "a") (param i32) (result i32) (call $mid (local.get 0)))
      (func $b (export "b") (param i32) (result i32) (call $mid_ind (local.get 0)))
      (func $c (export "c") (param i32) (result i32) (call $mid_trap (local.get 0))))"#;
    for (engine, config) in common::engines() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let hooks = vec![
            (".leaf", H::BEFORE),
            (".mid", H::AFTER),
            (".mid_ind", H::AFTER | H::ABORT),
            (".mid_trap", H::ABORT),
        ];
        let factory = ByName(log.clone(), hooks);
        let rt = Runtime::with_config(config.with_function_listener_factory(Arc::new(factory)));
        let m = rt.instantiate(&wat::parse_str(wat).unwrap()).unwrap();
        let call = |name: &str, arg: u64| m.exported_function(name).unwrap().call(&[arg]);
        assert_eq!(call("a", 1).unwrap(), vec![2]);
        assert_eq!(call("b", 1).unwrap(), vec![2]);
        call("c", 0).unwrap_err();
        assert_eq!(call("c", 1).unwrap(), vec![1]);
        assert_eq!(
            *log.lock().unwrap(),
            [
                "before m.leaf[1] [m.leaf < m.a]",
                "after m.mid[2]",
                "before m.leaf[1] [m.leaf < m.b]",
                "after m.mid_ind[2]",
                "abort m.mid_trap",
            ],
            "on the {engine}"
        );
    }
}

/// A replaced frame is gone from the trace; the same text on every engine.
#[test]
fn a_trap_after_tail_calls_traces_the_frames_that_are_left() {
    let traces: Vec<String> = common::engines()
        .into_iter()
        .map(|(_, config)| {
            let rt = Runtime::with_config(config);
            let m = rt.instantiate(&sample()).unwrap();
            let err = m.exported_function("fail_after").unwrap().call(&[3]);
            err.unwrap_err().to_string()
        })
        .collect();
    let t = &traces[0];
    assert!(t.starts_with("wasm error: unreachable"), "{t}");
    // $boom, then the export `fail_after` (function 9, unnamed): no $down frame.
    assert!(t.contains("\t.boom() i32\n\t.$9(i32) i32"), "{t}");
    assert!(!t.contains("down"), "the replaced frames are gone: {t}");
    for other in &traces[1..] {
        assert_eq!(other, t);
    }
}

/// Logs hooks and, at `before`, the stack's function names; says it has the hooks in its
/// second field (all of them are written, so that one called without being had shows).
struct Log(Arc<Mutex<Vec<String>>>, ListenerHooks);

impl FunctionListener for Log {
    fn hooks(&self) -> ListenerHooks {
        self.1
    }
    fn before(
        &self,
        call: &CallContext<'_>,
        params: &[u64],
        stack: &StackIterator<'_>,
    ) -> ListenerAction {
        let names: Vec<String> = stack
            .frames()
            .map(|f| f.definition().debug_name())
            .collect();
        self.0.lock().unwrap().push(format!(
            "before {}{params:?} [{}]",
            call.definition().debug_name(),
            names.join(" < ")
        ));
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

/// Listens to the functions whose debug name is in `names` (all when empty), with
/// listeners that have the hooks `hooks`.
struct Only(Arc<Mutex<Vec<String>>>, Vec<&'static str>, ListenerHooks);

impl FunctionListenerFactory for Only {
    fn new_listener(&self, def: &FunctionDefinition) -> Option<Arc<dyn FunctionListener>> {
        let name = def.debug_name();
        (self.1.is_empty() || self.1.iter().any(|n| name.ends_with(n)))
            .then(|| Arc::new(Log(self.0.clone(), self.2)) as Arc<dyn FunctionListener>)
    }
}

fn logged(config: RuntimeConfig, only: Vec<&'static str>, name: &str, arg: u64) -> Vec<String> {
    logged_with(config, only, ListenerHooks::all(), name, arg)
}

/// [`logged`] with listeners that have the hooks `hooks`.
fn logged_with(
    config: RuntimeConfig,
    only: Vec<&'static str>,
    hooks: ListenerHooks,
    name: &str,
    arg: u64,
) -> Vec<String> {
    let log = Arc::new(Mutex::new(Vec::new()));
    let rt = Runtime::with_config(config.with_function_listener_factory(Arc::new(Only(
        log.clone(),
        only,
        hooks,
    ))));
    let m = rt.instantiate(&sample()).unwrap();
    let _ = m.exported_function(name).unwrap().call(&[arg]);
    let out = log.lock().unwrap().clone();
    out
}

#[test]
fn a_listened_function_returns_after_its_tail_callee() {
    for (engine, config) in common::engines() {
        // Every function listened: each tail call still replaces the frame (the stacks
        // stay one deep), and each replaced function's `after` comes when the frame
        // that replaced it returns, latest first, with the same results.
        let all = logged(config.clone(), vec![], "count", 2);
        assert_eq!(
            all,
            [
                "before .$1[2] [.$1]",
                "before .count_from[2, 0] [.count_from]",
                "before .count_from[1, 1] [.count_from]",
                "before .count_from[0, 2] [.count_from]",
                "after .count_from[2]",
                "after .count_from[2]",
                "after .count_from[2]",
                "after .$1[2]",
            ],
            "on the {engine}"
        );
        // A trap after tail calls: the trapping frame's `abort`, then those it replaced.
        let trapped = logged(config.clone(), vec![], "fail_after", 1);
        assert_eq!(
            trapped,
            [
                "before .$9[1] [.$9]",
                "before .down[1] [.down < .$9]",
                "before .down[0] [.down < .$9]",
                "before .boom[] [.boom < .$9]",
                "abort .boom",
                "abort .down",
                "abort .down",
                "abort .$9",
            ],
            "on the {engine}"
        );
        // Only $boom listened: the $down frames it replaced are gone from its stack.
        let boom = logged(config.clone(), vec!["boom"], "fail_after", 2);
        assert_eq!(
            boom,
            ["before .boom[] [.boom < .$9]", "abort .boom"],
            "on the {engine}"
        );
        // A million listened tail calls need no stack either.
        let many = logged(config, vec![], "count", 1_000_000);
        assert_eq!(many.len(), 2 * 1_000_002, "on the {engine}");
        assert_eq!(
            many.last().unwrap(),
            "after .$1[1000000]",
            "on the {engine}"
        );
    }
}

/// The lines of `log` written by the hooks in `hooks`.
fn lines_of(log: &[String], hooks: ListenerHooks) -> Vec<String> {
    let has = |line: &String| {
        let hook = match line.split(' ').next() {
            Some("before") => ListenerHooks::BEFORE,
            Some("after") => ListenerHooks::AFTER,
            _ => ListenerHooks::ABORT,
        };
        hooks.contains(hook)
    };
    log.iter().filter(|l| has(l)).cloned().collect()
}

#[test]
fn a_listener_without_some_hooks_gets_the_others_across_tail_calls() {
    for (engine, config) in common::engines() {
        for (name, arg) in [("count", 2), ("fail_after", 1)] {
            let all = logged(config.clone(), vec![], name, arg);
            assert!(all.len() >= 8, "{all:?}");
            for bits in 0..8 {
                let hooks = ListenerHooks::from_bits_truncate(bits);
                // (`after` and `abort` owed by replaced frames come without `before`.)
                let some = logged_with(config.clone(), vec![], hooks, name, arg);
                assert_eq!(
                    some,
                    lines_of(&all, hooks),
                    "{name}({arg}) with {hooks:?} on the {engine}"
                );
            }
        }
    }
}

#[test]
fn tail_calls_can_be_turned_off() {
    let rt =
        Runtime::with_config(RuntimeConfig::interpreter().with_core_features(CoreFeatures::V2));
    let err = rt.compile_module(&sample()).unwrap_err().to_string();
    assert!(err.contains("tail calls"), "{err}");
}
