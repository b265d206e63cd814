//! How calls on different modules scale across threads: fib(N) from
//! `samples/bench/fib.wasm` once on one thread, then on two threads at once, each on its
//! own module, first of one runtime, then of two runtimes. The seed's runtime runs calls
//! on different modules in parallel; the ratio shows whether this one does (1.0: fully
//! parallel; 2.0: serialised). Last, two modules that import one memory (a recursive fib
//! in WAT that keeps a call counter in it): they take turns, by design (each call holds
//! what its module can reach), so that ratio is about 2.0. Best of three each.
//!
//! ```sh
//! cargo run --release -p wasmscope --example parallel_calls [-- N]
//! ```

use std::time::{Duration, Instant};

use wasmscope::{ModuleConfig, Runtime};

fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(30);
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../samples/bench/fib.wasm");
    let wasm = std::fs::read(path).expect("samples/bench/fib.wasm");
    let instance = |rt: &Runtime, name: &str| {
        rt.instantiate_module(
            &rt.compile_module(&wasm).expect("fib compiles"),
            ModuleConfig::new().with_name(name),
        )
        .expect("fib instantiates")
    };
    let best = |f: &dyn Fn()| {
        (0..3)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed()
            })
            .min()
            .unwrap_or(Duration::MAX)
    };
    let run = |m: &wasmscope::Module| {
        m.exported_function("run")
            .expect("run")
            .call(&[n])
            .expect("fib runs");
    };

    let rt = Runtime::new();
    let (a, b) = (instance(&rt, "a"), instance(&rt, "b"));
    let one = best(&|| run(&a));
    let shared = best(&|| {
        std::thread::scope(|s| {
            s.spawn(|| run(&a));
            s.spawn(|| run(&b));
        })
    });
    let (rt1, rt2) = (Runtime::new(), Runtime::new());
    let (c, d) = (instance(&rt1, "c"), instance(&rt2, "d"));
    let separate = best(&|| {
        std::thread::scope(|s| {
            s.spawn(|| run(&c));
            s.spawn(|| run(&d));
        })
    });
    // Two modules sharing an imported memory.
    let rt = Runtime::new();
    rt.instantiate(&wat::parse_str(r#"(module (memory (export "memory") 1))"#).expect("wat"))
        .and_then(|m| rt.register_alias(&m, "mem"))
        .expect("memory module");
    let counting = wat::parse_str(
        r#"(module
          (import "mem" "memory" (memory 1))
          (func $fib (param i64) (result i64)
            (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (i32.const 1)))
            (if (result i64) (i64.lt_u (local.get 0) (i64.const 2))
              (then (local.get 0))
              (else (i64.add (call $fib (i64.sub (local.get 0) (i64.const 1)))
                             (call $fib (i64.sub (local.get 0) (i64.const 2)))))))
          (func (export "run") (param i64) (result i64) (call $fib (local.get 0))))"#,
    )
    .expect("wat");
    let compiled = rt.compile_module(&counting).expect("compiles");
    let (e, f) = (
        rt.instantiate_module(&compiled, ModuleConfig::new().with_name("e"))
            .expect("e"),
        rt.instantiate_module(&compiled, ModuleConfig::new().with_name("f"))
            .expect("f"),
    );
    let one_counting = best(&|| run(&e));
    let sharing = best(&|| {
        std::thread::scope(|s| {
            s.spawn(|| run(&e));
            s.spawn(|| run(&f));
        })
    });
    println!(
        "fib({n}): one call {:.3} s; two threads, two modules of one runtime {:.3} s ({:.2}x); \
         two runtimes {:.3} s ({:.2}x)",
        one.as_secs_f64(),
        shared.as_secs_f64(),
        shared.as_secs_f64() / one.as_secs_f64(),
        separate.as_secs_f64(),
        separate.as_secs_f64() / one.as_secs_f64(),
    );
    println!(
        "counting fib({n}), two modules sharing one memory: one call {:.3} s; two threads \
         {:.3} s ({:.2}x)",
        one_counting.as_secs_f64(),
        sharing.as_secs_f64(),
        sharing.as_secs_f64() / one_counting.as_secs_f64(),
    );
}
