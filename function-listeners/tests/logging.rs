//! The logging listener prints wazero's format.

use std::io::Write;
use std::sync::{Arc, Mutex};

use wasmscope::{Runtime, RuntimeConfig};
use wasmscope_listeners::logging::{LoggingListenerFactory, Scope};

#[derive(Clone, Default)]
struct Buf(Arc<Mutex<Vec<u8>>>);
impl Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
impl Buf {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

const APP: &str = r#"(module $app
  (import "env" "log" (func $log (param i32)))
  (func $fac (param $n i64) (result i64)
    local.get $n i64.eqz
    if (result i64) i64.const 1
    else local.get $n local.get $n i64.const 1 i64.sub call $fac i64.mul end)
  (func $pair (result i32 f64) i32.const -1 f64.const 1.5)
  (func (export "main")
    i64.const 2 call $fac i32.wrap_i64 call $log
    call $pair drop drop)
  (func (export "boom") (param i32) (result i32) local.get 0 i32.const 0 i32.div_s))"#;

fn setup(scope: Scope) -> (Runtime, Buf) {
    let buf = Buf::default();
    let factory = LoggingListenerFactory::new(buf.clone(), scope);
    let rt = Runtime::with_config(
        RuntimeConfig::interpreter().with_function_listener_factory(Arc::new(factory)),
    );
    rt.new_host_module_builder("env")
        .new_function_builder()
        .with_func(|_: i32| {})
        .with_parameter_names(&["x"])
        .export("log")
        .instantiate()
        .unwrap();
    (rt, buf)
}

#[test]
fn guest_and_host_calls_nest_with_names_and_results() {
    let (rt, buf) = setup(Scope::All);
    let m = rt.instantiate(&wat::parse_str(APP).unwrap()).unwrap();
    m.exported_function("main").unwrap().call(&[]).unwrap();
    assert_eq!(
        buf.text(),
        "--> app.$3()\n\
         \t--> app.fac(n=2)\n\
         \t\t--> app.fac(n=1)\n\
         \t\t\t--> app.fac(n=0)\n\
         \t\t\t<-- 1\n\
         \t\t<-- 1\n\
         \t<-- 2\n\
         \t==> env.log(x=2)\n\
         \t<==\n\
         \t--> app.pair()\n\
         \t<-- (-1,1.5)\n\
         <--\n"
    );
}

#[test]
fn a_trap_logs_an_error_line() {
    let (rt, buf) = setup(Scope::All);
    let m = rt.instantiate(&wat::parse_str(APP).unwrap()).unwrap();
    assert!(m.exported_function("boom").unwrap().call(&[7]).is_err());
    assert_eq!(
        buf.text(),
        "--> app.$4(7)\n<-- error: wasm error: integer divide by zero\n"
    );
}

#[test]
fn host_scope_logs_only_host_calls() {
    let (rt, buf) = setup(Scope::Host);
    let m = rt.instantiate(&wat::parse_str(APP).unwrap()).unwrap();
    m.exported_function("main").unwrap().call(&[]).unwrap();
    assert_eq!(buf.text(), "==> env.log(x=2)\n<==\n");
}

#[test]
fn a_function_filter_logs_only_the_named_functions() {
    let buf = Buf::default();
    let factory = LoggingListenerFactory::new(buf.clone(), Scope::Host)
        .with_modules(&["env"])
        .with_functions(&["b"]);
    let rt = Runtime::with_config(
        RuntimeConfig::interpreter().with_function_listener_factory(Arc::new(factory)),
    );
    rt.new_host_module_builder("env")
        .new_function_builder()
        .with_func(|x: i32| x)
        .export("a")
        .new_function_builder()
        .with_func(|x: i32| x + 1)
        .with_parameter_names(&["x"])
        .with_result_names(&["y"])
        .export("b")
        .instantiate()
        .unwrap();
    let m = rt
        .instantiate(
            &wat::parse_str(
                r#"(module $app
                  (import "env" "a" (func $a (param i32) (result i32)))
                  (import "env" "b" (func $b (param i32) (result i32)))
                  (func (export "b") (result i32) i32.const 1 call $a call $b call $a))"#,
            )
            .unwrap(),
        )
        .unwrap();
    // The guest's own export named "b" is not a host function: not logged.
    m.exported_function("b").unwrap().call(&[]).unwrap();
    assert_eq!(buf.text(), "==> env.b(x=1)\n<== y=2\n");
}

#[test]
fn logging_and_tracing_together_through_a_multi_factory() {
    use wasmscope_listeners::multi::MultiListenerFactory;
    use wasmscope_listeners::tracer::{render, CallTracer};
    let buf = Buf::default();
    let tracer = CallTracer::new();
    let factory = MultiListenerFactory::new(vec![
        Arc::new(LoggingListenerFactory::new(buf.clone(), Scope::Host)),
        Arc::new(tracer.clone()),
    ]);
    let rt = Runtime::with_config(
        RuntimeConfig::interpreter().with_function_listener_factory(Arc::new(factory)),
    );
    rt.new_host_module_builder("env")
        .new_function_builder()
        .with_func(|_: i32| {})
        .with_parameter_names(&["x"])
        .export("log")
        .instantiate()
        .unwrap();
    let m = rt.instantiate(&wat::parse_str(APP).unwrap()).unwrap();
    m.exported_function("main").unwrap().call(&[]).unwrap();
    assert_eq!(buf.text(), "==> env.log(x=2)\n<==\n");
    let roots = tracer.take_roots();
    assert_eq!(roots.len(), 1);
    assert_eq!(roots[0].count(), 6, "{}", render(&roots, false));
}
