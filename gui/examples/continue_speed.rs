//! How fast the workbench's Continue runs a program, against a plain call: fib(32) from
//! `samples/bench/fib.wasm`, with a breakpoint that is never hit, driven frame by frame
//! as the window drives it ([`Session::tick`] once per frame, the rest of each frame
//! spent drawing, simulated by a sleep).
//!
//! ```sh
//! cargo run --release -p wasmscope-gui --example continue_speed [-- DRAW_MS]
//! ```

use std::time::{Duration, Instant};

use wasmscope_gui::session::{RunOptions, Session};
use wasmscope_listeners::stepper::Op;

fn main() {
    let draw = Duration::from_millis(
        std::env::args()
            .nth(1)
            .and_then(|a| a.parse().ok())
            .unwrap_or(4),
    );
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../samples/bench/fib.wasm");
    let wasm = std::fs::read(path).expect("samples/bench/fib.wasm");
    let n = 32u64;

    let rt = wasmscope::Runtime::new();
    let module = rt.instantiate(&wasm).expect("fib instantiates");
    let run = module.exported_function("run").expect("run");
    let mut plain = Duration::MAX;
    let mut expected = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        expected = run.call(&[n]).expect("fib runs");
        plain = plain.min(t.elapsed());
    }

    let mut best = Duration::MAX;
    let mut frames = 0;
    for _ in 0..3 {
        let mut session = Session::default();
        // An offset no instruction has: a breakpoint that is never hit.
        let never = wasmscope_gui::state::Breakpoints::new();
        never.add(
            wasmscope_gui::state::Breakpoint::Offset(u64::MAX >> 1),
            vec![u64::MAX >> 1],
        );
        session.start("fib", &wasm, "run", &[n], &never, &RunOptions::default());
        let t = Instant::now();
        session.begin(Op::Continue);
        frames = 1;
        while session.tick() {
            frames += 1;
            std::thread::sleep(draw);
        }
        best = best.min(t.elapsed());
        match session.state() {
            wasmscope_gui::session::RunState::Finished(r) => assert_eq!(r, &expected),
            other => panic!("the session ended as {other:?}"),
        }
    }
    println!(
        "fib({n}): plain call {:.3} s; workbench Continue {:.3} s in {frames} frames \
         ({} ms drawing per frame) = {:.2}x",
        plain.as_secs_f64(),
        best.as_secs_f64(),
        draw.as_millis(),
        best.as_secs_f64() / plain.as_secs_f64()
    );
}
