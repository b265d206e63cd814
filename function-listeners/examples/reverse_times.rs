//! Time of the reverse commands at the end of a long recorded run (longloop with N
//! iterations): `cargo run --release -p wasmscope-listeners --example reverse_times -- N`.

use std::time::Instant;

use wasmscope::{ExecutionState, ModuleConfig};
use wasmscope_listeners::stepper::{Reverse, Stepper};

fn main() {
    let n: String = std::env::args().nth(1).unwrap_or_else(|| "1000000".into());
    let wasm = std::fs::read("samples/programs/longloop.wasm").expect("longloop.wasm");
    let mut s = Stepper::new(&wasm, wasmscope::wasi::instantiate).unwrap();
    s.set_time_travel(true);
    s.start(
        ModuleConfig::new()
            .with_args(&["longloop", &n, "1000000000000"])
            .with_stdout(std::io::sink()),
        "_start",
        &[],
    )
    .unwrap();
    // To the last progress print's... the final println: a breakpoint on `step`'s line
    // would stop every iteration; run to the end minus a few instructions instead.
    let t = Instant::now();
    let end = s.resume();
    assert!(
        matches!(end, ExecutionState::Exited(0) | ExecutionState::Finished(_)),
        "{end:?}"
    );
    let total = s.instructions();
    println!(
        "recorded run: {total} instructions, {:.1} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    for (what, how) in [
        ("reverse-stepi", Reverse::Instruction),
        ("reverse-step", Reverse::Step),
        ("reverse-next", Reverse::Next),
        ("reverse-finish", Reverse::Finish),
        ("reverse-stepi", Reverse::Instruction),
    ] {
        let t = Instant::now();
        let r = s.reverse(how);
        println!(
            "{what:15} {:9.1} ms  -> instruction {} {:?}",
            t.elapsed().as_secs_f64() * 1e3,
            s.instructions(),
            r.as_ref().map(|_| ()).map_err(|e| e.clone())
        );
    }
}
