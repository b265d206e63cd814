//! Compile and execution times of the compiler engine, as JSON lines, for
//! `samples/bench/vs_wasmtime.py` (which times wasmtime the same way and prints the
//! comparison).
//!
//! ```sh
//! cargo run --release -p wasmscope --example engine_times -- bench      # the workloads
//! cargo run --release -p wasmscope --example engine_times -- compile FILE...
//! ```
//!
//! `bench`: for each workload of `samples/bench/expected.txt` (its large `n`), the time
//! to compile the module and the median time of five calls of `run(n)` after a warm-up,
//! checking the checksum (`BENCH_ONLY=NAME`: workload NAME alone). `compile FILE...`: the best of three compile times of each file
//! (`COMPILE_RUNS=N`: of N).
//! Both compile eagerly (`CompilationMode::Eager`), so the compile time is the whole of it.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use wasmscope::{ModuleConfig, Runtime, RuntimeConfig};

fn samples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../samples/bench")
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // Eager: the compile time is all of it (by default functions compile on first call).
    let config = match std::env::var("ENGINE").as_deref() {
        Ok("interpreter") => RuntimeConfig::interpreter(),
        _ => RuntimeConfig::compiler(),
    }
    .with_compilation_mode(wasmscope::CompilationMode::Eager);
    match args.first().map(String::as_str) {
        Some("bench") => {
            let text = std::fs::read_to_string(samples_dir().join("expected.txt"))
                .expect("samples/bench/expected.txt");
            // The last line of each workload has its large n.
            let mut large: Vec<(String, i32, i64)> = Vec::new();
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                let p: Vec<&str> = line.split_whitespace().collect();
                let (name, n, sum) = (
                    p[0].to_string(),
                    p[1].parse().unwrap(),
                    p[2].parse().unwrap(),
                );
                large.retain(|(w, _, _)| *w != name);
                large.push((name, n, sum));
            }
            // (`BENCH_ONLY=name`: that workload alone.)
            let only = std::env::var("BENCH_ONLY").ok();
            large.retain(|(name, _, _)| only.as_ref().is_none_or(|o| o == name));
            for (name, n, sum) in large {
                let bytes =
                    std::fs::read(samples_dir().join(format!("{name}.wasm"))).expect("wasm");
                let rt = Runtime::with_config(config.clone());
                let t = Instant::now();
                let compiled = rt.compile_module(&bytes).expect("compiles");
                let compile = t.elapsed();
                let module = rt
                    .instantiate_module(&compiled, ModuleConfig::new())
                    .expect("instantiates");
                let run = module.typed_function::<i32, i64>("run").expect("run");
                assert_eq!(run.call(n).expect("runs"), sum, "{name} checksum");
                let times: Vec<Duration> = (0..5)
                    .map(|_| {
                        let t = Instant::now();
                        std::hint::black_box(run.call(n).expect("runs"));
                        t.elapsed()
                    })
                    .collect();
                println!(
                    "{{\"name\": \"{name}\", \"n\": {n}, \"bytes\": {}, \"compile_s\": {}, \"run_s\": {}}}",
                    bytes.len(),
                    compile.as_secs_f64(),
                    median(times).as_secs_f64()
                );
            }
        }
        Some("compile") => {
            for file in &args[1..] {
                let bytes = std::fs::read(file).expect("readable file");
                // (`COMPILE_RUNS=1`: one, for instruction counts under callgrind.)
                let runs = std::env::var("COMPILE_RUNS")
                    .ok()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(3);
                let best = (0..runs)
                    .map(|_| {
                        let rt = Runtime::with_config(config.clone());
                        let t = Instant::now();
                        rt.compile_module(&bytes).expect("compiles");
                        t.elapsed()
                    })
                    .min()
                    .unwrap_or_default();
                println!(
                    "{{\"name\": \"{file}\", \"bytes\": {}, \"compile_s\": {}}}",
                    bytes.len(),
                    best.as_secs_f64()
                );
            }
        }
        _ => {
            eprintln!("usage: engine_times bench | engine_times compile FILE...");
            std::process::exit(2);
        }
    }
}
