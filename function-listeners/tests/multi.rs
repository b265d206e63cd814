//! Several factories as one: each listener is called for the hooks it has, in nesting
//! order, and the combined listener has the hooks any of them has.

use std::sync::{Arc, Mutex};

use wasmscope::listener::{
    CallContext, FunctionListener, FunctionListenerFactory, ListenerAction, ListenerHooks,
    StackIterator,
};
use wasmscope::{Error, FunctionDefinition, Runtime, RuntimeConfig};
use wasmscope_listeners::multi::MultiListenerFactory;

type Log = Arc<Mutex<Vec<String>>>;

/// Writes every hook it is called with, as `tag hook function`; says it has `hooks`.
struct Writes {
    tag: &'static str,
    hooks: ListenerHooks,
    log: Log,
}

impl Writes {
    fn write(&self, hook: &str, call: &CallContext<'_>) {
        let line = format!("{} {hook} {}", self.tag, call.definition().debug_name());
        self.log.lock().unwrap().push(line);
    }
}

impl FunctionListener for Writes {
    fn hooks(&self) -> ListenerHooks {
        self.hooks
    }
    fn before(&self, call: &CallContext<'_>, _: &[u64], _: &StackIterator<'_>) -> ListenerAction {
        self.write("before", call);
        ListenerAction::Continue
    }
    fn after(&self, call: &CallContext<'_>, _: &[u64]) {
        self.write("after", call);
    }
    fn abort(&self, call: &CallContext<'_>, _: &Error) {
        self.write("abort", call);
    }
}

struct Factory(&'static str, ListenerHooks, Log);

impl FunctionListenerFactory for Factory {
    fn new_listener(&self, _: &FunctionDefinition) -> Option<Arc<dyn FunctionListener>> {
        Some(Arc::new(Writes {
            tag: self.0,
            hooks: self.1,
            log: self.2.clone(),
        }))
    }
}

const APP: &str = r#"(module $app
  (func $div (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_s)
  (func (export "run") (param i32) (result i32) i32.const 7 local.get 0 call $div))"#;

/// The log of `run(1)` then `run(0)` (a trap) with `factories`' listeners.
fn log_of(factories: &[(&'static str, ListenerHooks)]) -> Vec<String> {
    let log = Log::default();
    let factories = factories
        .iter()
        .map(|(tag, hooks)| {
            Arc::new(Factory(tag, *hooks, log.clone())) as Arc<dyn FunctionListenerFactory>
        })
        .collect();
    let config = RuntimeConfig::interpreter()
        .with_function_listener_factory(Arc::new(MultiListenerFactory::new(factories)));
    let rt = Runtime::with_config(config);
    let m = rt.instantiate(&wat::parse_str(APP).unwrap()).unwrap();
    let run = m.exported_function("run").unwrap();
    assert_eq!(run.call(&[1]).unwrap(), vec![7]);
    assert!(run.call(&[0]).is_err());
    let out = log.lock().unwrap().clone();
    out
}

#[test]
fn each_listener_gets_only_the_hooks_it_has() {
    let log = log_of(&[
        ("a", ListenerHooks::BEFORE),
        ("b", ListenerHooks::ABORT),
        ("c", ListenerHooks::all()),
    ]);
    assert_eq!(
        log,
        [
            "a before app.$1",
            "c before app.$1",
            "a before app.div",
            "c before app.div",
            "c after app.div",
            "c after app.$1",
            "a before app.$1",
            "c before app.$1",
            "a before app.div",
            "c before app.div",
            "c abort app.div",
            "b abort app.div",
            "c abort app.$1",
            "b abort app.$1",
        ]
    );
}

#[test]
fn the_combined_listener_has_the_hooks_any_of_them_has() {
    let hooks = |parts: &[ListenerHooks]| {
        let log = Log::default();
        let factories = (parts.iter())
            .map(|h| Arc::new(Factory("x", *h, log.clone())) as Arc<dyn FunctionListenerFactory>)
            .collect();
        let rt = Runtime::with_config(RuntimeConfig::interpreter());
        let m = rt.compile_module(&wat::parse_str(APP).unwrap()).unwrap();
        let def = m.exported_functions().into_iter().next().unwrap();
        MultiListenerFactory::new(factories)
            .new_listener(&def)
            .map(|l| l.hooks())
    };
    use ListenerHooks as H;
    assert_eq!(hooks(&[H::BEFORE, H::BEFORE]), Some(H::BEFORE));
    assert_eq!(hooks(&[H::BEFORE, H::ABORT]), Some(H::BEFORE | H::ABORT));
    assert_eq!(hooks(&[H::AFTER, H::empty()]), Some(H::AFTER));
    assert_eq!(hooks(&[H::empty(), H::empty()]), None);
}

#[test]
fn listeners_without_hooks_are_left_out() {
    // One with no hooks and one with `after` only: the function's listener is the latter.
    let log = log_of(&[("a", ListenerHooks::empty()), ("b", ListenerHooks::AFTER)]);
    assert_eq!(log, ["b after app.div", "b after app.$1"]);
    // None with any hook: no listener at all.
    assert!(log_of(&[("a", ListenerHooks::empty())]).is_empty());
}
