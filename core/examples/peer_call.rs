//! One call of a `samples/bench` workload's `run(n)` on one engine, for instruction
//! counts: `samples/bench/counts.sh` runs it under `valgrind --tool=callgrind`, counting
//! only inside [`measured`] (the call itself: no start-up, no compile of the module).
//!
//! ```text
//! cargo run --release -p wasmscope --example peer_call -- interpreter samples/bench/fib.wasm 25
//! cargo run --release -p wasmscope --example peer_call -- wasmi samples/bench/fib.wasm 25
//! ```
//! Engines: `interpreter`, `listened` (the interpreter with a no-op listener on every
//! function, with every hook), `listened-before` (the same listener with `before` only),
//! `listened-abort` (with `abort` only), `compiler` (wasmscope's; `compiler-listened`,
//! `compiler-listened-before`, `compiler-listened-abort` with those listeners) and `wasmi`
//! (the crate, 2.0). Prints the checksum.

use std::sync::Arc;

use wasmscope::listener::{FunctionListener, FunctionListenerFactory, ListenerHooks};
use wasmscope::{FunctionDefinition, Runtime, RuntimeConfig};

/// A listener that does nothing, on every function, with the hooks it says it has.
struct Noop(ListenerHooks);
impl FunctionListener for Noop {
    fn hooks(&self) -> ListenerHooks {
        self.0
    }
}
impl FunctionListenerFactory for Noop {
    fn new_listener(&self, _: &FunctionDefinition) -> Option<Arc<dyn FunctionListener>> {
        Some(Arc::new(Noop(self.0)))
    }
}

/// The call whose instructions are counted (callgrind's `--toggle-collect` names it).
#[inline(never)]
fn measured<T>(f: impl FnOnce() -> T) -> T {
    f()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [engine, path, n] = &args[..] else {
        eprintln!(
            "usage: peer_call interpreter|listened[-before|-abort]|compiler|wasmi FILE.wasm N"
        );
        std::process::exit(2);
    };
    let bytes = std::fs::read(path).unwrap_or_else(|e| {
        eprintln!("{path}: {e}");
        std::process::exit(1)
    });
    let n: i32 = n.parse().expect("N is an i32");
    let sum = match engine.as_str() {
        "interpreter"
        | "compiler"
        | "listened"
        | "listened-before"
        | "listened-abort"
        | "compiler-listened"
        | "compiler-listened-before"
        | "compiler-listened-abort" => {
            let (base, listened) = match engine.strip_prefix("compiler-") {
                Some(rest) => (RuntimeConfig::compiler(), rest),
                None if engine == "compiler" => (RuntimeConfig::compiler(), ""),
                None => (RuntimeConfig::interpreter(), engine.as_str()),
            };
            let hooks = match listened {
                "listened" => Some(ListenerHooks::all()),
                "listened-before" => Some(ListenerHooks::BEFORE),
                "listened-abort" => Some(ListenerHooks::ABORT),
                _ => None,
            };
            let config = match hooks {
                Some(hooks) => base.with_function_listener_factory(Arc::new(Noop(hooks))),
                None => base,
            };
            let rt = Runtime::with_config(config);
            let module = rt.instantiate(&bytes).expect("instantiate");
            let run = module.exported_function("run").expect("run export");
            // Translated on the first call: a warm-up call with n = 0 first.
            run.call(&[0]).expect("run(0)");
            measured(|| run.call(&[n as u32 as u64]).expect("run")[0] as i64)
        }
        "wasmi" => {
            let mut config = wasmi::Config::default();
            config.wasm_simd(true);
            let engine = wasmi::Engine::new(&config);
            let module = wasmi::Module::new(&engine, &bytes[..]).expect("wasmi compile");
            let mut store = wasmi::Store::new(&engine, ());
            let linker = wasmi::Linker::<()>::new(&engine);
            let instance = linker
                .instantiate_and_start(&mut store, &module)
                .expect("wasmi instantiate");
            let run = instance
                .get_typed_func::<i32, i64>(&store, "run")
                .expect("wasmi run");
            run.call(&mut store, 0).expect("wasmi run(0)");
            measured(|| run.call(&mut store, n).expect("wasmi run"))
        }
        other => {
            eprintln!("unknown engine {other:?}");
            std::process::exit(2);
        }
    };
    println!("{sum}");
}
