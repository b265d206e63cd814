//! How calls on different modules scale across threads: fib(N) from
//! `samples/bench/fib.wasm` once on one thread, then on two threads at once, each on its
//! own module, first of one runtime, then of two runtimes. The seed's runtime runs calls
//! on different modules in parallel; the ratio shows whether this one does (1.0: fully
//! parallel; 2.0: serialised). Best of three each.
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
    println!(
        "fib({n}): one call {:.3} s; two threads, two modules of one runtime {:.3} s ({:.2}x); \
         two runtimes {:.3} s ({:.2}x)",
        one.as_secs_f64(),
        shared.as_secs_f64(),
        shared.as_secs_f64() / one.as_secs_f64(),
        separate.as_secs_f64(),
        separate.as_secs_f64() / one.as_secs_f64(),
    );
}
