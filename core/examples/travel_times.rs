//! Time travel's costs on one call of a workload's `run(n)` (a module of
//! `samples/bench`), every figure the best of three:
//!
//! - `plain`: a resumable call on a runtime with debug stepping, resumed to its end (what
//!   a debugger's Continue costs without recording);
//! - `recorded`: the same call recorded (`Execution::set_recording`: every instruction
//!   counted, per straight-line segment in plain code; host calls logged);
//! - `replay to N`: a fresh instance replaying the recording to the middle and to the
//!   end (what the first step back costs: `Stepper::go_to` makes such a replay), taking
//!   checkpoints on the way;
//! - `go to`: that replay, from its end, sent to 20 counts spread over the run in a
//!   shuffled order (what later steps back and timeline clicks cost: each restores the
//!   latest checkpoint before its count and replays from there), the slowest and the
//!   mean; and the checkpoints' memory against the guest's.
//!
//! ```text
//! cargo run --release -p wasmscope --example travel_times -- samples/bench/fib.wasm 27
//! ```

use std::time::{Duration, Instant};

use wasmscope::{Execution, ExecutionState, Module, Runtime, RuntimeConfig};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(path), Some(n)) = (
        args.first(),
        args.get(1).and_then(|n| n.parse::<u64>().ok()),
    ) else {
        eprintln!("usage: travel_times FILE.wasm N");
        std::process::exit(2);
    };
    let wasm = std::fs::read(path).expect("the module");
    let rt = Runtime::with_config(RuntimeConfig::interpreter().with_debug_stepping(true));
    let compiled = rt.compile_module(&wasm).expect("it compiles");
    let mut serial = 0;
    let mut instance = || -> Module {
        serial += 1;
        rt.instantiate_module(
            &compiled,
            wasmscope::ModuleConfig::new().with_name(&format!("m{serial}")),
        )
        .expect("it instantiates")
    };
    let start = |m: &Module| -> Execution {
        m.exported_function("run")
            .expect("an export named run")
            .start_call(&[n])
            .expect("the call starts")
    };
    let best = |f: &mut dyn FnMut() -> Duration| (0..3).map(|_| f()).min().unwrap_or_default();

    let plain = best(&mut || {
        let m = instance();
        let mut e = start(&m);
        let t = Instant::now();
        assert!(matches!(e.resume(), ExecutionState::Finished(_)));
        t.elapsed()
    });
    let mut recording = None;
    let mut total = 0;
    let recorded = best(&mut || {
        let m = instance();
        let mut e = start(&m);
        e.set_recording(true);
        let t = Instant::now();
        assert!(matches!(e.resume(), ExecutionState::Finished(_)));
        let d = t.elapsed();
        total = e.instructions();
        recording = e.recording();
        d
    });
    let recording = recording.expect("recorded");
    let mut replay_to = |count: u64| {
        best(&mut || {
            let m = instance();
            let mut e = start(&m);
            e.replay(recording.clone());
            let t = Instant::now();
            let s = e.run_to_instruction(count);
            assert!(matches!(
                s,
                ExecutionState::Paused | ExecutionState::Finished(_)
            ));
            t.elapsed()
        })
    };
    let middle = replay_to(total / 2);
    let end = replay_to(total);
    // The replay at the end, sent around the run.
    let m = instance();
    let mut e = start(&m);
    e.replay(recording.clone());
    e.set_instruction_limit(Some(total));
    let _ = e.run_to_instruction(total);
    let mut order: Vec<u64> = (0..20).map(|i| 1 + i * (total - 1) / 20).collect();
    // (A fixed shuffle: every other one from each end, then the rest.)
    let mut x = 7u64;
    for i in (1..order.len()).rev() {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        order.swap(i, (x >> 33) as usize % (i + 1));
    }
    let mut trips = Vec::new();
    for &count in &order {
        let t = Instant::now();
        assert!(matches!(
            e.run_to_instruction(count),
            ExecutionState::Paused
        ));
        trips.push(t.elapsed());
        assert_eq!(e.instructions(), count);
    }
    let slowest = trips.iter().max().copied().unwrap_or_default();
    let mean = trips.iter().sum::<Duration>() / trips.len().max(1) as u32;
    let stats = e.checkpoints();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!("{path} run({n}): {total} instructions");
    println!("plain (debug stepping, not recorded)  {:9.1} ms", ms(plain));
    println!(
        "recorded                               {:9.1} ms  {:.2}x plain, {:.0} M instructions/s",
        ms(recorded),
        recorded.as_secs_f64() / plain.as_secs_f64(),
        total as f64 / recorded.as_secs_f64() / 1e6
    );
    println!(
        "replay to the middle                   {:9.1} ms",
        ms(middle)
    );
    println!("replay to the end                      {:9.1} ms", ms(end));
    println!(
        "go to 20 counts (slowest, mean)        {:9.1} ms {:6.1} ms",
        ms(slowest),
        ms(mean)
    );
    match stats {
        Some(c) => println!(
            "checkpoints: {} every {} instructions, {:.2} MiB; guest memory {:.2} MiB \
             ({:.0}% of it)",
            c.count,
            c.interval,
            c.bytes as f64 / 1048576.0,
            c.memory_peak as f64 / 1048576.0,
            100.0 * c.bytes as f64 / c.memory_peak.max(1) as f64
        ),
        None => println!("checkpoints: none ({:?})", e.checkpoints_refused()),
    }
}
