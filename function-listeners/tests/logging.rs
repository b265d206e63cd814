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

/// Functions named as Rust and C++ compilers name them.
const MANGLED: &str = r#"(module $app
  (import "env" "_ZN3env3log17h0123456789abcdefE" (func $log (param i32)))
  (func $_ZN7divzero5share17hc855073edf7893f1E (param i32) (result i32) local.get 0)
  (func $_Z5emptyPKci (param i32 i32))
  (func $_RNvNtCset5xJoy1xWQ_3std2rt19lang_start_internal (export "main")
    i32.const 1 call $_ZN7divzero5share17hc855073edf7893f1E call $log
    i32.const 0 i32.const 0 call $_Z5emptyPKci))"#;

fn mangled(demangle: Option<bool>) -> String {
    let buf = Buf::default();
    let mut factory = LoggingListenerFactory::new(buf.clone(), Scope::All);
    if let Some(d) = demangle {
        factory = factory.with_demangled_names(d);
    }
    let rt = Runtime::with_config(
        RuntimeConfig::interpreter().with_function_listener_factory(Arc::new(factory)),
    );
    rt.new_host_module_builder("env")
        .new_function_builder()
        .with_func(|_: i32| {})
        .export("_ZN3env3log17h0123456789abcdefE")
        .instantiate()
        .unwrap();
    let m = rt.instantiate(&wat::parse_str(MANGLED).unwrap()).unwrap();
    m.exported_function("main").unwrap().call(&[]).unwrap();
    buf.text()
}

#[test]
fn names_are_as_the_module_has_them_unless_demangled() {
    let raw = "--> app._RNvNtCset5xJoy1xWQ_3std2rt19lang_start_internal()\n\
               \t--> app._ZN7divzero5share17hc855073edf7893f1E(1)\n\
               \t<-- 1\n\
               \t==> env._ZN3env3log17h0123456789abcdefE(1)\n\
               \t<==\n\
               \t--> app._Z5emptyPKci(0,0)\n\
               \t<--\n\
               <--\n";
    assert_eq!(mangled(None), raw);
    assert_eq!(mangled(Some(false)), raw);
    assert_eq!(
        mangled(Some(true)),
        "--> app.std::rt::lang_start_internal()\n\
         \t--> app.divzero::share(1)\n\
         \t<-- 1\n\
         \t==> env.env::log(1)\n\
         \t<==\n\
         \t--> app.empty(char const*, int)(0,0)\n\
         \t<--\n\
         <--\n"
    );
}

/// A closed pipe: every write fails.
struct Closed(Arc<Mutex<usize>>);
impl Write for Closed {
    fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
        *self.0.lock().unwrap() += 1;
        Err(std::io::ErrorKind::BrokenPipe.into())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Err(std::io::ErrorKind::BrokenPipe.into())
    }
}

#[test]
fn an_output_that_fails_neither_panics_nor_stops_the_calls() {
    let attempts = Arc::new(Mutex::new(0));
    let factory = LoggingListenerFactory::new(Closed(attempts.clone()), Scope::All);
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
    assert_eq!(
        m.exported_function("boom")
            .unwrap()
            .call(&[1])
            .unwrap_err()
            .trap_code(),
        Some(wasmscope::TrapCode::IntegerDivideByZero)
    );
    // The first failed line stops the writing.
    assert_eq!(*attempts.lock().unwrap(), 1);
}

#[test]
fn the_module_is_named_as_instantiated_not_as_its_name_section_says() {
    let (rt, buf) = setup(Scope::All);
    let compiled = rt.compile_module(&wat::parse_str(APP).unwrap()).unwrap();
    let m = rt
        .instantiate_module(&compiled, wasmscope::ModuleConfig::new().with_name("inst"))
        .unwrap();
    m.exported_function("main").unwrap().call(&[]).unwrap();
    let log = buf.text();
    assert!(
        log.starts_with("--> inst.$3()\n\t--> inst.fac(n=2)"),
        "{log}"
    );
    assert!(!log.contains("app."), "{log}");
}
