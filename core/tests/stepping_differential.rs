//! Differential test of debug stepping on random modules (wasm-smith, WebAssembly 2.0
//! features with SIMD, loops and calls made to terminate): code compiled with debug
//! stepping has a plain and a debug variant of every function, and frames move between
//! them at switch points. Whatever way a call gets to a pause (slices, steps of every
//! mode, breakpoints), the pause must be a state that stepping one instruction at a
//! time reaches, in order, and every run must end as a plain `Function::call` does.
//! After a trap, the trapping frames (locals and operands) must read the same whether
//! the trap happened in plain or in debug code.
//!
//! `core/tests/variants.rs` checks the same properties on one hand-written program.

mod common;

use arbitrary::Unstructured;
use common::{bytes, next_stop};
use wasmscope::{
    Execution, ExecutionState, Module, Runtime, RuntimeConfig, StepMode, TrapCode, ValueType,
};

/// `differential.rs`'s configuration, with fewer and shorter functions and smaller
/// memories and tables (every run instantiates the module afresh).
fn config() -> wasm_smith::Config {
    wasm_smith::Config {
        max_memory32_bytes: 2 << 16,
        max_table_elements: 64,
        max_instructions: 100,
        min_types: 1,
        min_funcs: 3,
        ..common::config()
    }
}

/// Seeds tried (modules wasm-smith cannot build from a seed's bytes are skipped).
const SEEDS: std::ops::Range<u64> = 0..300;
/// Fuel of wasm-smith's termination global: loop iterations and calls per call.
const FUEL: u32 = 100;
/// A call with more stops than this is not compared (counted in the summary).
const MAX_STOPS: usize = 20_000;
/// Budgets of the slices.
const BUDGETS: [u64; 3] = [1, 3, 17];
/// Pseudo-random walks of steps per call.
const WALKS: u64 = 3;
/// Offsets with a breakpoint per call.
const BREAKPOINTS: usize = 4;

/// How a call ended: results, or a trap (by code).
#[derive(Clone, Debug, PartialEq)]
enum Outcome {
    Values(Vec<u64>),
    Trap(Option<TrapCode>),
    Exit(u32),
}

/// A frame: source offset, locals, operands. The values are kept as their `Debug` text,
/// so that the test reads raw slots (`&[u64]`) and typed values alike (a float's text
/// tells every value but NaNs apart, and wasm-smith canonicalizes NaNs).
type Frame = (Option<u64>, String, String);

/// Everything a paused call shows, and the module's globals (the termination fuel among
/// them, so that loop iterations rarely look alike).
#[derive(Clone, Debug, PartialEq)]
struct Snapshot {
    function: u32,
    depth: usize,
    offset: Option<u64>,
    frames: Vec<Frame>,
    globals: Vec<u128>,
}

fn frames(exec: &Execution) -> Vec<Frame> {
    exec.with_stack(|s| {
        s.frames()
            .map(|f| {
                (
                    f.source_offset(),
                    format!("{:?}", f.locals()),
                    format!("{:?}", f.operands()),
                )
            })
            .collect()
    })
    .expect("a stack")
}

fn snapshot(exec: &Execution, m: &Module) -> Snapshot {
    let p = exec.position().expect("paused");
    Snapshot {
        function: p.function_index,
        depth: p.depth,
        offset: p.code_offset,
        frames: frames(exec),
        globals: m
            .globals()
            .iter()
            .map(|g| match g.value_type() {
                ValueType::V128 => g.get_v128(),
                _ => g.get() as u128,
            })
            .collect(),
    }
}

/// A fresh runtime and instance for every run, so that each run starts from the same
/// memory, tables and globals, and references (store addresses) compare equal.
fn fresh(wasm: &[u8]) -> Option<(Runtime, Module)> {
    let rt = Runtime::with_config(RuntimeConfig::interpreter().with_debug_stepping(true));
    let m = rt
        .instantiate_with_config(
            wasm,
            wasmscope::ModuleConfig::new().with_start_functions(&[]),
        )
        .ok()?;
    Some((rt, m))
}

/// What a run is at: the function's exported name and zero parameters.
struct Call<'a> {
    wasm: &'a [u8],
    name: &'a str,
    params: Vec<u64>,
    what: String,
}

impl Call<'_> {
    fn start(&self) -> (Runtime, Module, Execution) {
        let (rt, m) = fresh(self.wasm).expect("instantiated once already");
        let exec = m
            .exported_function(self.name)
            .unwrap()
            .start_call(&self.params)
            .unwrap();
        (rt, m, exec)
    }
}

/// A run's end, or `None` while it is paused.
fn ended(state: ExecutionState) -> Option<Outcome> {
    match state {
        ExecutionState::Paused => None,
        ExecutionState::Finished(r) => Some(Outcome::Values(r)),
        ExecutionState::Trapped(e) => Some(Outcome::Trap(e.trap_code())),
        ExecutionState::Exited(code) => Some(Outcome::Exit(code)),
        other => panic!("{other:?}"),
    }
}

/// Single steps: every stop, the end, and the trapping frames after a trap. `None`
/// beyond `MAX_STOPS` stops.
struct Trace {
    stops: Vec<Snapshot>,
    end: Outcome,
    trapped: Option<Vec<Frame>>,
}

fn full_trace(call: &Call) -> Option<Trace> {
    let (_rt, m, mut exec) = call.start();
    let mut stops = Vec::new();
    loop {
        let state = exec.step(StepMode::Instruction);
        match ended(state) {
            None => {
                if stops.len() == MAX_STOPS {
                    return None;
                }
                stops.push(snapshot(&exec, &m));
            }
            Some(end) => {
                let trapped = matches!(end, Outcome::Trap(_)).then(|| frames(&exec));
                return Some(Trace {
                    stops,
                    end,
                    trapped,
                });
            }
        }
    }
}

#[derive(Default)]
struct Counts {
    modules: usize,
    calls: usize,
    too_long: usize,
    stops: usize,
    compared: usize,
    traps: usize,
    /// Calls whose trace goes into a callee.
    nested: usize,
    /// Traps whose trapping frame holds operands.
    traps_with_operands: usize,
}

impl Counts {
    fn add(&mut self, other: &Counts) {
        self.modules += other.modules;
        self.calls += other.calls;
        self.too_long += other.too_long;
        self.stops += other.stops;
        self.compared += other.compared;
        self.traps += other.traps;
        self.nested += other.nested;
        self.traps_with_operands += other.traps_with_operands;
    }
}

/// Checks a run's end against the trace's (and the trapping frames after a trap).
fn check_end(call: &Call, run: &str, exec: &Execution, end: &Outcome, trace: &Trace) {
    let what = &call.what;
    assert_eq!(*end, trace.end, "{what}: {run}: the end");
    if let Some(expected) = &trace.trapped {
        assert_eq!(
            &frames(exec),
            expected,
            "{what}: {run}: the trapping frames"
        );
    }
}

/// Slices of `budget`: every pause a later stop of the trace; after every other pause
/// one instruction on is the trace's next stop.
fn check_slices(call: &Call, trace: &Trace, budget: u64, counts: &mut Counts) {
    let what = &call.what;
    let stops = &trace.stops;
    let (_rt, m, mut exec) = call.start();
    // The first stop of the trace the next pause may be.
    let mut next = 0usize;
    let mut pauses = 0u64;
    loop {
        let state = exec.resume_for(budget);
        let Some(end) = ended(state) else {
            assert!(exec.paused_by_budget(), "{what}: budget {budget}");
            pauses += 1;
            let s = snapshot(&exec, &m);
            let Some(i) = stops[next.min(stops.len())..].iter().position(|t| *t == s) else {
                panic!(
                    "{what}: budget {budget}: pause {pauses} is no later stop of stepping \
                     (after stop {next}): {s:?}"
                );
            };
            let at = next + i;
            counts.compared += 1;
            next = at + 1;
            if pauses.is_multiple_of(2) {
                let state = exec.step(StepMode::Instruction);
                match ended(state) {
                    None => {
                        assert!(
                            at + 1 < stops.len(),
                            "{what}: budget {budget}: a stop after the last"
                        );
                        assert_eq!(
                            snapshot(&exec, &m),
                            stops[at + 1],
                            "{what}: budget {budget}: one instruction after stop {at}"
                        );
                        counts.compared += 1;
                        next = at + 2;
                    }
                    Some(end) => {
                        assert_eq!(
                            at + 1,
                            stops.len(),
                            "{what}: budget {budget}: ended after stop {at}"
                        );
                        check_end(call, &format!("budget {budget}"), &exec, &end, trace);
                        return;
                    }
                }
            }
            continue;
        };
        check_end(call, &format!("budget {budget}"), &exec, &end, trace);
        return;
    }
}

/// A pseudo-random walk of steps of every mode; each stop is where the trace says that
/// step ends (as in `variants.rs`). Some steps run in slices (`step_for`, then
/// `continue_for` after each budget pause, which must be a stop of the trace before the
/// step's end), and some are a `resume` to a breakpoint set while paused (the next stop
/// of the trace at its offset; removed again after the hit).
fn check_walk(call: &Call, trace: &Trace, seed: u64, counts: &mut Counts) {
    let what = &call.what;
    let stops = &trace.stops;
    let depths: Vec<usize> = stops.iter().map(|s| s.depth).collect();
    let (_rt, m, mut exec) = call.start();
    let state = exec.step(StepMode::Instruction);
    if let Some(end) = ended(state) {
        assert!(stops.is_empty(), "{what}: walk {seed}: ended at once");
        check_end(call, &format!("walk {seed}"), &exec, &end, trace);
        return;
    }
    let mut cursor = 0usize;
    assert_eq!(
        snapshot(&exec, &m),
        stops[0],
        "{what}: walk {seed}: first stop"
    );
    let mut x = seed;
    // What the walk did, for a failure's message.
    let mut steps: Vec<String> = Vec::new();
    loop {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let r = x >> 33;
        let (state, next, bp) = if r % 8 == 7 && cursor + 1 < stops.len() {
            // A breakpoint at the offset of a later stop.
            let target = cursor + 1 + (r >> 8) as usize % (stops.len() - cursor - 1);
            let Some(offset) = stops[target].offset else {
                continue;
            };
            steps.push(format!("breakpoint at {offset:#x}"));
            let next = (cursor + 1..stops.len()).find(|&j| stops[j].offset == Some(offset));
            exec.add_breakpoint(&m, offset);
            (exec.resume(), next, Some(offset))
        } else {
            let mode = match r % 8 {
                0 => StepMode::Instruction,
                1 | 2 | 6 => StepMode::Over,
                3 => StepMode::Out,
                4 => StepMode::Entry,
                _ => StepMode::SiblingEntry,
            };
            let next = next_stop(&depths, cursor, mode);
            if (r >> 8).is_multiple_of(4) {
                // In slices.
                let budget = 1 + (r >> 10) % 6;
                steps.push(format!("{mode:?} in slices of {budget}"));
                let mut state = exec.step_for(mode, budget);
                let mut at = cursor + 1;
                let end = next.unwrap_or(stops.len());
                while matches!(state, ExecutionState::Paused) && exec.paused_by_budget() {
                    let s = snapshot(&exec, &m);
                    let Some(i) = stops[at.min(end)..end].iter().position(|t| *t == s) else {
                        panic!(
                            "{what}: walk {seed}: a budget pause that is no stop of the trace \
                             from {at} before the step's end {next:?}: {s:?} (steps {steps:?})"
                        );
                    };
                    counts.compared += 1;
                    at += i + 1;
                    state = exec.continue_for(budget);
                }
                (state, next, None)
            } else {
                steps.push(format!("{mode:?}"));
                (exec.step(mode), next, None)
            }
        };
        match (ended(state), next) {
            (None, Some(j)) => {
                assert!(
                    !exec.paused_by_budget(),
                    "{what}: walk {seed}: a budget pause (steps {steps:?})"
                );
                assert_eq!(
                    snapshot(&exec, &m),
                    stops[j],
                    "{what}: walk {seed}: from stop {cursor} (steps {steps:?})"
                );
                counts.compared += 1;
                cursor = j;
            }
            (Some(end), None) => {
                check_end(call, &format!("walk {seed}"), &exec, &end, trace);
                return;
            }
            (end, next) => panic!(
                "{what}: walk {seed}: from stop {cursor}: {end:?} at {:?}, expected stop \
                 {next:?} (steps {steps:?})",
                exec.position()
            ),
        }
        if let Some(offset) = bp {
            exec.remove_breakpoint(&m, offset);
        }
    }
}

/// A breakpoint at `offset`, set before the call starts, and `resume`: it stops at every
/// stop of the trace at that offset, in order.
fn check_breakpoint(call: &Call, trace: &Trace, offset: u64, counts: &mut Counts) {
    let what = &call.what;
    let expected: Vec<&Snapshot> = trace
        .stops
        .iter()
        .filter(|s| s.offset == Some(offset))
        .collect();
    let (_rt, m, mut exec) = call.start();
    exec.add_breakpoint(&m, offset);
    let mut hits = 0;
    loop {
        let state = exec.resume();
        let Some(end) = ended(state) else {
            assert!(!exec.paused_by_budget(), "{what}: offset {offset:#x}");
            assert!(
                hits < expected.len(),
                "{what}: breakpoint at {offset:#x}: hit {hits} of {}: {:?}",
                expected.len(),
                snapshot(&exec, &m)
            );
            assert_eq!(
                &snapshot(&exec, &m),
                expected[hits],
                "{what}: breakpoint at {offset:#x}, hit {hits}"
            );
            counts.compared += 1;
            hits += 1;
            continue;
        };
        assert_eq!(
            hits,
            expected.len(),
            "{what}: breakpoint at {offset:#x}: hits"
        );
        check_end(
            call,
            &format!("breakpoint at {offset:#x}"),
            &exec,
            &end,
            trace,
        );
        return;
    }
}

fn check_call(call: &Call, counts: &mut Counts) {
    let what = &call.what;
    // 1. The plain call.
    let plain = {
        let (_rt, m) = fresh(call.wasm).unwrap();
        match m.exported_function(call.name).unwrap().call(&call.params) {
            Ok(r) => Outcome::Values(r),
            Err(e) => match e.exit_code() {
                Some(code) => Outcome::Exit(code),
                None => Outcome::Trap(e.trap_code()),
            },
        }
    };
    // 2. Single steps.
    let Some(trace) = full_trace(call) else {
        counts.too_long += 1;
        return;
    };
    counts.calls += 1;
    counts.stops += trace.stops.len();
    counts.nested += trace.stops.iter().any(|s| s.depth > 0) as usize;
    counts.traps_with_operands += trace
        .trapped
        .as_ref()
        .is_some_and(|f| f.first().is_some_and(|f| f.2 != "[]"))
        as usize;
    assert_eq!(
        trace.end, plain,
        "{what}: single steps end as the plain call"
    );
    assert!(
        trace.stops.iter().all(|s| !s.frames.is_empty()),
        "{what}: a stop without frames"
    );
    // 4. A plain run to the trap reads the trapping frames that single steps read.
    {
        let (_rt, _m, mut exec) = call.start();
        let end = ended(exec.resume()).expect("no breakpoint, no step: no pause");
        check_end(call, "resume", &exec, &end, &trace);
        if trace.trapped.is_some() {
            counts.traps += 1;
        }
    }
    // 3a. Slices.
    for budget in BUDGETS {
        check_slices(call, &trace, budget, counts);
    }
    // 3b. Walks of steps.
    for seed in 1..=WALKS {
        check_walk(call, &trace, seed, counts);
    }
    // 3c. Breakpoints: the first stop, the deepest stop, the last stop, and others.
    let stops = &trace.stops;
    if stops.is_empty() {
        return;
    }
    let deepest = (0..stops.len()).max_by_key(|&i| stops[i].depth).unwrap();
    let mut picks = vec![0, deepest, stops.len() - 1];
    let mut x = stops.len() as u64 * 2654435761;
    while picks.len() < BREAKPOINTS {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        picks.push((x >> 33) as usize % stops.len());
    }
    let mut offsets: Vec<u64> = picks.iter().filter_map(|&i| stops[i].offset).collect();
    offsets.sort();
    offsets.dedup();
    for offset in offsets {
        check_breakpoint(call, &trace, offset, counts);
    }
}

#[test]
fn stepping_random_modules_reaches_only_the_states_of_single_steps() {
    compare_random_modules();
}

fn compare_random_modules() {
    // `STEPPING_SEEDS=A..B` and `STEPPING_FUEL=N` explore other modules.
    let seeds = std::env::var("STEPPING_SEEDS")
        .ok()
        .and_then(|v| {
            let (a, b) = v.split_once("..")?;
            Some(a.parse().ok()?..b.parse().ok()?)
        })
        .unwrap_or(SEEDS);
    let fuel = std::env::var("STEPPING_FUEL")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(FUEL);
    let default_run = seeds == SEEDS && fuel == FUEL;
    // The seeds shared out over the cores (every `threads`-th to each thread), each
    // thread with room for wasm-smith, which recurses on deeply nested code.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
    let workers: Vec<_> = (0..threads)
        .map(|k| {
            let seeds = seeds.clone().filter(move |s| s % threads == k);
            std::thread::Builder::new()
                .stack_size(256 << 20)
                .spawn(move || compare_seeds(seeds, fuel))
                .unwrap()
        })
        .collect();
    let mut counts = Counts::default();
    for w in workers {
        counts.add(&w.join().unwrap());
    }
    report(&counts, default_run);
}

/// The comparisons of the modules of `seeds`, with what they counted.
fn compare_seeds(seeds: impl Iterator<Item = u64>, fuel: u32) -> Counts {
    let mut counts = Counts::default();
    for seed in seeds {
        if std::env::var("DIFF_TRACE").is_ok() {
            eprintln!("seed {seed}");
        }
        let data = bytes(seed, 4096);
        let mut u = Unstructured::new(&data);
        let Ok(mut module) = wasm_smith::Module::new(config(), &mut u) else {
            continue;
        };
        if module.ensure_termination(fuel).is_err() {
            continue;
        }
        let wasm = module.to_bytes();
        let Some((_rt, m)) = fresh(&wasm) else {
            continue; // a start function or a segment traps
        };
        counts.modules += 1;
        let mut names: Vec<(String, wasmscope::FunctionDefinition)> =
            m.exported_function_definitions().into_iter().collect();
        names.sort_by(|a, b| a.0.cmp(&b.0));
        for (name, def) in names {
            let params = def
                .param_types()
                .iter()
                .flat_map(|t| vec![0; t.slots()])
                .collect();
            let call = Call {
                wasm: &wasm,
                name: &name,
                params,
                what: format!("seed {seed}: export {name:?}"),
            };
            check_call(&call, &mut counts);
        }
    }
    counts
}

/// Says what the comparisons counted, and checks (on the default seeds) that they
/// covered what they should.
fn report(counts: &Counts, default_run: bool) {
    eprintln!(
        "stepping differential: {} modules, {} calls ({} with calls; {} over {MAX_STOPS} \
         stops skipped), {} stops traced, {} pauses compared, {} traps compared ({} with \
         operands)",
        counts.modules,
        counts.calls,
        counts.nested,
        counts.too_long,
        counts.stops,
        counts.compared,
        counts.traps,
        counts.traps_with_operands
    );
    if default_run {
        assert!(counts.modules > 250, "only {} modules", counts.modules);
        assert!(counts.calls > 1000, "only {} calls", counts.calls);
        assert!(
            counts.nested > 200,
            "only {} calls with calls",
            counts.nested
        );
        assert!(counts.traps > 500, "only {} traps", counts.traps);
        assert!(
            counts.traps_with_operands > 300,
            "only {} traps with operands",
            counts.traps_with_operands
        );
    }
}
