//! Peer comparison: the workloads of `samples/bench/` on wasmscope's interpreter and on
//! wasmi, side by side in one process, same module bytes, same inputs, compile time
//! excluded (one warm-up call each, then the median of several timed calls).
//!
//! ```text
//! cargo bench -p wasmscope --bench peers              # every workload, recommended n
//! cargo bench -p wasmscope --bench peers -- fib sort  # some workloads
//! cargo bench -p wasmscope --bench peers -- --quick   # small n (a smoke run)
//! ```
//! It prints one row per workload (time per call on each engine and the ratio
//! ours/wasmi) and the geometric mean of the ratios.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use std::sync::Arc;

use wasmscope::listener::{FunctionListener, FunctionListenerFactory};
use wasmscope::{FunctionDefinition, ModuleConfig, Runtime, RuntimeConfig};

/// A listener that does nothing, on every function: the cost of the hooks themselves.
struct Noop;
impl FunctionListener for Noop {}
impl FunctionListenerFactory for Noop {
    fn new_listener(&self, _: &FunctionDefinition) -> Option<Arc<dyn FunctionListener>> {
        Some(Arc::new(Noop))
    }
}

struct Workload {
    name: String,
    small_n: i32,
    small_sum: i64,
    n: i32,
    sum: i64,
}

fn samples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../samples/bench")
}

/// Reads `samples/bench/expected.txt`: `name n checksum`, small n first.
fn workloads() -> Vec<Workload> {
    let text = std::fs::read_to_string(samples_dir().join("expected.txt")).expect("expected.txt");
    let mut out: Vec<Workload> = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let parts: Vec<&str> = line.split_whitespace().collect();
        let (name, n, sum) = (
            parts[0],
            parts[1].parse().unwrap(),
            parts[2].parse().unwrap(),
        );
        match out.iter_mut().find(|w| w.name == name) {
            Some(w) => {
                w.n = n;
                w.sum = sum;
            }
            None => out.push(Workload {
                name: name.to_string(),
                small_n: n,
                small_sum: sum,
                n,
                sum,
            }),
        }
    }
    out
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let quick = args.iter().any(|a| a == "--quick");
    let filters: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let reps = if quick { 3 } else { 5 };

    println!(
        "{:<12} {:>8} {:>14} {:>14} {:>12} {:>16} {:>14} {:>14} {:>15} {:>16}",
        "workload",
        "n",
        "wasmscope",
        "wasmi",
        "ours/wasmi",
        "no-op listeners",
        "listened/plain",
        "compiler",
        "compiler/wasmi",
        "compiler listened"
    );
    let (mut compiler_log_sum, mut compiler_count) = (0.0, 0);
    let mut compiler_listened_log_sum = 0.0;
    let mut listener_log_sum = 0.0;
    let mut log_sum = 0.0;
    let mut count = 0;
    for w in workloads() {
        if !filters.is_empty() && !filters.iter().any(|f| w.name.contains(f.as_str())) {
            continue;
        }
        let (n, sum) = if quick {
            (w.small_n, w.small_sum)
        } else {
            (w.n, w.sum)
        };
        let bytes = std::fs::read(samples_dir().join(format!("{}.wasm", w.name))).expect("wasm");

        // wasmscope
        let rt = Runtime::with_config(RuntimeConfig::interpreter());
        let compiled = rt.compile_module(&bytes).expect("compile");
        let module = rt
            .instantiate_module(&compiled, ModuleConfig::new())
            .expect("instantiate");
        let run = module
            .typed_function::<i32, i64>("run")
            .expect("run export");

        // wasmi
        let mut wconfig = wasmi::Config::default();
        wconfig.wasm_simd(true);
        let engine = wasmi::Engine::new(&wconfig);
        let wmodule = wasmi::Module::new(&engine, &bytes[..]).expect("wasmi compile");
        let mut store = wasmi::Store::new(&engine, ());
        let linker = wasmi::Linker::<()>::new(&engine);
        let instance = linker
            .instantiate_and_start(&mut store, &wmodule)
            .expect("wasmi instantiate");
        let wrun = instance
            .get_typed_func::<i32, i64>(&store, "run")
            .expect("wasmi run");

        // wasmscope with a no-op listener on every function.
        let lrt = Runtime::with_config(
            RuntimeConfig::interpreter().with_function_listener_factory(Arc::new(Noop)),
        );
        let lmodule = lrt
            .instantiate_with_config(&bytes, ModuleConfig::new())
            .expect("instantiate");
        let lrun = lmodule
            .typed_function::<i32, i64>("run")
            .expect("run export");
        assert_eq!(
            lrun.call(n).expect("listened run"),
            sum,
            "{} checksum (listeners)",
            w.name
        );

        // The compiler engine (where it compiles the module).
        let crt = Runtime::with_config(RuntimeConfig::compiler());
        let crun = crt
            .instantiate_with_config(&bytes, ModuleConfig::new())
            .ok()
            .map(|m| m.typed_function::<i32, i64>("run").expect("run export"));
        if let Some(crun) = &crun {
            assert_eq!(
                crun.call(n).expect("compiled run"),
                sum,
                "{} checksum (compiler)",
                w.name
            );
        }

        // The compiler with a no-op listener on every function.
        let clrt = Runtime::with_config(
            RuntimeConfig::compiler().with_function_listener_factory(Arc::new(Noop)),
        );
        let clrun = crun.as_ref().map(|_| {
            clrt.instantiate_with_config(&bytes, ModuleConfig::new())
                .expect("instantiate")
                .typed_function::<i32, i64>("run")
                .expect("run export")
        });
        if let Some(clrun) = &clrun {
            assert_eq!(
                clrun.call(n).expect("compiled listened run"),
                sum,
                "{} checksum (compiler, listeners)",
                w.name
            );
        }

        // Warm-up (wasmi translates lazily), checking both answers.
        assert_eq!(
            run.call(n).expect("wasmscope run"),
            sum,
            "{} checksum (wasmscope)",
            w.name
        );
        assert_eq!(
            wrun.call(&mut store, n).expect("wasmi run"),
            sum,
            "{} checksum (wasmi)",
            w.name
        );

        let (mut ours, mut theirs, mut listened) = (Vec::new(), Vec::new(), Vec::new());
        let (mut compiled, mut compiled_listened) = (Vec::new(), Vec::new());
        for _ in 0..reps {
            if let Some(crun) = &crun {
                let t = Instant::now();
                std::hint::black_box(crun.call(n).unwrap());
                compiled.push(t.elapsed());
            }
            if let Some(clrun) = &clrun {
                let t = Instant::now();
                std::hint::black_box(clrun.call(n).unwrap());
                compiled_listened.push(t.elapsed());
            }
            let t = Instant::now();
            std::hint::black_box(run.call(n).unwrap());
            ours.push(t.elapsed());
            let t = Instant::now();
            std::hint::black_box(wrun.call(&mut store, n).unwrap());
            theirs.push(t.elapsed());
            let t = Instant::now();
            std::hint::black_box(lrun.call(n).unwrap());
            listened.push(t.elapsed());
        }
        let (o, t, l) = (median(ours), median(theirs), median(listened));
        let ratio = o.as_secs_f64() / t.as_secs_f64();
        let lratio = l.as_secs_f64() / o.as_secs_f64();
        log_sum += ratio.ln();
        listener_log_sum += lratio.ln();
        count += 1;
        let (compiler, compiler_ratio, compiler_listened) = if compiled.is_empty() {
            ("-".to_string(), "-".to_string(), "-".to_string())
        } else {
            let c = median(compiled);
            let r = c.as_secs_f64() / t.as_secs_f64();
            let cl = median(compiled_listened).as_secs_f64() / c.as_secs_f64();
            compiler_log_sum += r.ln();
            compiler_listened_log_sum += cl.ln();
            compiler_count += 1;
            (
                format!("{:.2} ms", c.as_secs_f64() * 1e3),
                format!("{r:.2}"),
                format!("{cl:.2}"),
            )
        };
        println!(
            "{:<12} {:>8} {:>11.2} ms {:>11.2} ms {:>12.2} {:>13.2} ms {:>14.2} {:>14} {:>15} {:>16}",
            w.name,
            n,
            o.as_secs_f64() * 1e3,
            t.as_secs_f64() * 1e3,
            ratio,
            l.as_secs_f64() * 1e3,
            lratio,
            compiler,
            compiler_ratio,
            compiler_listened
        );
    }
    if count > 0 {
        println!(
            "geometric mean of ours/wasmi: {:.2}",
            (log_sum / count as f64).exp()
        );
        println!(
            "geometric mean of listened/plain: {:.2}",
            (listener_log_sum / count as f64).exp()
        );
    }
    if compiler_count > 0 {
        println!(
            "geometric mean of compiler/wasmi ({compiler_count} workloads): {:.3}",
            (compiler_log_sum / compiler_count as f64).exp()
        );
        println!(
            "geometric mean of compiler listened/plain: {:.2}",
            (compiler_listened_log_sum / compiler_count as f64).exp()
        );
    }
}
