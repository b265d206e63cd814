//! Record and replay (`Execution::set_recording`, `replay`, `run_to_instruction`): a
//! replayed run reaches the recorded run's states exactly (memory, position, every
//! frame's locals and operands) at chosen instruction counts, makes no host call (no
//! output), and going back one instruction lands where a forward step came from.

use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use wasmscope::{
    Execution, ExecutionState, Module, ModuleConfig, Position, Runtime, RuntimeConfig, StepMode,
    Value,
};

#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn sample(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../samples/programs")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A fresh runtime with WASI and `wasm` instantiated (not started), its stdout.
fn instance(wasm: &[u8], args: &[&str]) -> (Module, Shared) {
    let rt = Runtime::with_config(RuntimeConfig::interpreter().with_debug_stepping(true));
    wasmscope::wasi::instantiate(&rt).unwrap();
    let out = Shared::default();
    let mut argv = vec!["prog"];
    argv.extend(args);
    let m = rt
        .instantiate_with_config(
            wasm,
            ModuleConfig::new()
                .with_args(&argv)
                .with_stdout(out.clone())
                .with_start_functions(&[]),
        )
        .unwrap();
    (m, out)
}

fn start(m: &Module) -> Execution {
    m.exported_function("_start")
        .unwrap()
        .start_call(&[])
        .unwrap()
}

/// What a paused run is: where, memory 0, and every frame's locals and operands.
#[derive(Debug, PartialEq)]
struct Snapshot {
    position: Position,
    memory: Vec<u8>,
    frames: Vec<(Vec<Value>, Vec<Value>)>,
}

fn snapshot(m: &Module, e: &Execution) -> Snapshot {
    let memory = m.memory().unwrap();
    let size = u64::from(memory.pages()) * 65536;
    Snapshot {
        position: e.position().unwrap(),
        memory: memory.read_at(0, size).unwrap(),
        frames: e
            .with_stack(|s| s.frames().map(|f| (f.locals(), f.operands())).collect())
            .unwrap(),
    }
}

#[test]
fn a_replay_reaches_the_recorded_states_and_makes_no_host_call() {
    for (name, args) in [("hello.wasm", &[][..]), ("echo.wasm", &["a", "bc"][..])] {
        let wasm = sample(name);
        // The whole run, recorded.
        let (m, out) = instance(&wasm, args);
        let mut e = start(&m);
        e.set_recording(true);
        let end = e.resume();
        assert!(
            matches!(end, ExecutionState::Finished(_) | ExecutionState::Exited(0)),
            "{end:?}"
        );
        let total = e.instructions();
        let recording = e.recording().unwrap();
        assert!(recording.host_calls() > 0, "{name}");
        assert!(!out.0.lock().unwrap().is_empty());
        assert!(total > 1000, "{name}: {total}");

        for k in [1, 2, total / 3, total / 2, total - 1] {
            eprintln!("K {name} {k} of {total}");
            // A recorded run paused at k, and a replay paused at k.
            let (m1, _) = instance(&wasm, args);
            let mut live = start(&m1);
            live.set_recording(true);
            assert!(matches!(live.run_to_instruction(k), ExecutionState::Paused));
            assert!(live.paused_at_instruction());
            assert_eq!(live.instructions(), k);

            let (m2, out2) = instance(&wasm, args);
            let mut replay = start(&m2);
            replay.replay(recording.clone());
            assert!(matches!(
                replay.run_to_instruction(k),
                ExecutionState::Paused
            ));
            assert_eq!(replay.instructions(), k);
            assert_eq!(
                snapshot(&m1, &live),
                snapshot(&m2, &replay),
                "{name} at {k}"
            );
            // To the end: the same end, and no output (the host calls are replayed).
            let end = replay.resume();
            assert!(
                matches!(end, ExecutionState::Finished(_) | ExecutionState::Exited(0)),
                "{end:?}"
            );
            assert_eq!(replay.instructions(), total);
            assert!(out2.0.lock().unwrap().is_empty(), "{name}: replayed output");
        }
    }
}

#[test]
fn one_instruction_back_is_where_a_forward_step_came_from() {
    let wasm = sample("hello.wasm");
    let (m, _) = instance(&wasm, &[]);
    let mut e = start(&m);
    e.set_recording(true);
    // Forward: a few hundred single steps, the state before each kept.
    let mut before = Vec::new();
    assert!(matches!(
        e.step(StepMode::Instruction),
        ExecutionState::Paused
    ));
    for _ in 0..300 {
        before.push((e.instructions(), snapshot(&m, &e)));
        assert!(matches!(
            e.step(StepMode::Instruction),
            ExecutionState::Paused
        ));
        assert_eq!(
            e.instructions(),
            before.last().unwrap().0 + 1,
            "one instruction"
        );
    }
    let recording = e.recording().unwrap();
    // Back: each count replayed gives the state the forward step started from.
    for (count, state) in before.iter().rev().step_by(37) {
        let (m2, _) = instance(&wasm, &[]);
        let mut replay = start(&m2);
        replay.replay(recording.clone());
        assert!(matches!(
            replay.run_to_instruction(*count),
            ExecutionState::Paused
        ));
        assert_eq!(&snapshot(&m2, &replay), state, "at {count}");
    }
}

#[test]
fn a_replay_that_goes_another_way_says_so() {
    // hello's recording replayed by another program: its first host call is not where
    // hello made one.
    let (m, _) = instance(&sample("hello.wasm"), &[]);
    let mut e = start(&m);
    e.set_recording(true);
    let _ = e.resume();
    let recording = e.recording().unwrap();
    let (m2, _) = instance(&sample("echo.wasm"), &["a"]);
    let mut replay = start(&m2);
    replay.replay(recording);
    match replay.resume() {
        ExecutionState::Trapped(err) => assert!(
            err.to_string()
                .contains("the replay went another way than the recording: host call 1"),
            "{err}"
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn results_changed_at_a_catchpoint_are_what_the_replay_gives() {
    let wasm = sample("hello.wasm");
    let (m, _) = instance(&wasm, &[]);
    let mut e = start(&m);
    e.set_recording(true);
    e.set_host_call_catch(Some(Box::new(|d| d.name() == Some("fd_write"))));
    assert!(matches!(e.resume(), ExecutionState::Paused));
    assert!(
        matches!(e.resume(), ExecutionState::Paused),
        "after the call"
    );
    // EIO instead of success: Rust's println panics (a trap in Wasm).
    e.set_host_call_results(&[Value::I32(29)]).unwrap();
    e.set_host_call_catch(None);
    let live = e.resume();
    assert!(matches!(live, ExecutionState::Trapped(_)), "{live:?}");
    let total = e.instructions();
    let (m2, _) = instance(&wasm, &[]);
    let mut replay = start(&m2);
    replay.replay(e.recording().unwrap());
    match replay.resume() {
        ExecutionState::Trapped(err) => {
            assert!(!err.to_string().contains("another way"), "{err}");
        }
        other => panic!("the replay went otherwise: {other:?}"),
    }
    assert_eq!(replay.instructions(), total);
}

/// How a counted run ended, its count, and the count at each host call.
#[derive(Debug, PartialEq)]
struct Counted {
    end: String,
    instructions: u64,
    host_calls: Vec<u64>,
}

/// Runs `e` to its end, recorded; with `debug`, in debug code everywhere: a watchpoint
/// on memory 0's last byte (never written by these programs) makes every function run
/// it, and without a memory the run goes one instruction step at a time.
fn counted(m: &Module, mut e: Execution, debug: bool) -> Counted {
    e.set_recording(true);
    let mut state = None;
    match m.memory() {
        Some(memory) if debug => {
            let size = u64::from(memory.pages()) * 65536;
            e.add_watchpoint(m, 0, size - 1, 1, wasmscope::WatchKind::Write);
        }
        None if debug => loop {
            match e.step(StepMode::Instruction) {
                ExecutionState::Paused => continue,
                other => break state = Some(other),
            }
        },
        _ => {}
    }
    let end = match state.unwrap_or_else(|| e.resume()) {
        ExecutionState::Finished(v) => format!("finished {v:?}"),
        ExecutionState::Exited(code) => format!("exited {code}"),
        ExecutionState::Trapped(err) => format!("trapped {err}"),
        other => panic!("{other:?}"),
    };
    Counted {
        end,
        instructions: e.instructions(),
        host_calls: e.recording().unwrap().host_call_steps(),
    }
}

/// Counting in plain code (a `Count` per straight-line segment) agrees with counting in
/// debug code (one per stop point): the same count at every host call and at the end,
/// on programs with loops, calls, branches, `br_table`s, traps mid-segment, exceptions
/// and SIMD.
#[test]
fn plain_code_counts_what_debug_code_counts() {
    let programs: [(&str, &[&str]); 6] = [
        ("hello.wasm", &[]),
        ("echo.wasm", &["a", "bc"]),
        ("divzero.wasm", &[]),
        ("divzero.wasm", &["a", "b", "c"]),
        ("oob.wasm", &[]),
        ("panic.wasm", &[]),
    ];
    for (name, args) in programs {
        let wasm = sample(name);
        let run = |debug: bool| {
            let (m, _) = instance(&wasm, args);
            counted(&m, start(&m), debug)
        };
        let plain = run(false);
        assert!(plain.instructions > 1000, "{name}: {plain:?}");
        assert_eq!(plain, run(true), "{name} {args:?}");
    }
    let bench = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../samples/bench");
    let workloads: [(&str, &[u64]); 9] = [
        ("bytecode", &[300]),
        ("fib", &[15]),
        ("mandelbrot", &[12]),
        ("matmul", &[10]),
        ("nbody", &[100]),
        ("sha256", &[500]),
        ("sort", &[300]),
        ("simd", &[2000]),
        ("exceptions", &[30, 5]),
    ];
    for (name, params) in workloads {
        let wasm = match std::fs::read(bench.join(format!("{name}.wasm"))) {
            Ok(w) => w,
            Err(_) => wat::parse_file(bench.join(format!("{name}.wat"))).unwrap(),
        };
        let run = |debug: bool| {
            let rt = Runtime::with_config(RuntimeConfig::interpreter().with_debug_stepping(true));
            let m = rt.instantiate(&wasm).unwrap();
            let e = m
                .exported_function("run")
                .unwrap()
                .start_call(params)
                .unwrap();
            counted(&m, e, debug)
        };
        let plain = run(false);
        assert!(plain.instructions > 1000, "{name}: {plain:?}");
        assert_eq!(plain, run(true), "{name}");
    }
}

/// A trap in the middle of a straight-line segment: plain code counted the whole
/// segment at its start, and takes back the operators the trap kept from running, so
/// the count at the trap is debug code's, and a run to that count pauses before the
/// trapping operator.
#[test]
fn a_trap_mid_segment_counts_up_to_the_trapping_operator() {
    let wasm = wat::parse_str(
        r#"(module
             (memory 1)
             (func $f (param i32) (result i32)
               (local i32)
               (loop $l
                 (local.set 1 (i32.add (local.get 1) (i32.const 1)))
                 (br_if $l (i32.lt_u (local.get 1) (i32.const 5))))
               ;; a segment: the division traps when the parameter is 0, with
               ;; operators after it in the same segment
               (i32.div_u (i32.const 10) (local.get 0))
               (i32.add (i32.const 1))
               (i32.mul (i32.const 3))
               (i32.sub (i32.const 2)))
             (func (export "run") (param i32) (result i32)
               (i32.add (call $f (local.get 0)) (i32.const 1))))"#,
    )
    .unwrap();
    let at_trap = |debug: bool| {
        let rt = Runtime::with_config(RuntimeConfig::interpreter().with_debug_stepping(true));
        let m = rt.instantiate(&wasm).unwrap();
        let mut e = m
            .exported_function("run")
            .unwrap()
            .start_call(&[0])
            .unwrap();
        e.set_recording(true);
        if debug {
            e.add_watchpoint(&m, 0, 65535, 1, wasmscope::WatchKind::Write);
        }
        let end = e.resume();
        assert!(matches!(end, ExecutionState::Trapped(_)), "{end:?}");
        (e.instructions(), innermost(&e))
    };
    let (plain, plain_at) = at_trap(false);
    let (debug, debug_at) = at_trap(true);
    assert_eq!(plain, debug);
    assert_eq!(plain_at, debug_at);
    // `run`: `local.get 0` and the call; `f`: `loop` and 5 rounds of 8, then `end`,
    // `i32.const 10`, `local.get 0` and the division, which traps.
    assert_eq!(plain, 2 + 1 + 5 * 8 + 1 + 3);

    // A run to that count pauses before the division; one step traps there.
    let rt = Runtime::with_config(RuntimeConfig::interpreter().with_debug_stepping(true));
    let m = rt.instantiate(&wasm).unwrap();
    let mut e = m
        .exported_function("run")
        .unwrap()
        .start_call(&[0])
        .unwrap();
    e.set_recording(true);
    assert!(matches!(
        e.run_to_instruction(plain),
        ExecutionState::Paused
    ));
    assert_eq!(
        innermost(&e),
        plain_at,
        "paused before the trapping division"
    );
    assert!(matches!(
        e.step(StepMode::Instruction),
        ExecutionState::Trapped(_)
    ));
    assert_eq!(e.instructions(), plain);
}

/// The innermost frame's Wasm offset and operands.
fn innermost(e: &Execution) -> (Option<u64>, Vec<Value>) {
    e.with_stack(|s| {
        let f = s.frames().next().unwrap();
        (f.source_offset(), f.operands())
    })
    .unwrap()
}

/// A run to instruction `k` from plain code (which counts per segment and moves to debug
/// code in the segment holding `k`) pauses where a run in debug code everywhere pauses:
/// the same position, frames and memory, for counts spread over a workload's run.
#[test]
fn runs_to_an_instruction_land_where_debug_code_lands() {
    let bench = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../samples/bench");
    let wasm = std::fs::read(bench.join("sort.wasm")).unwrap();
    let paused_at = |k: u64, debug: bool| {
        let rt = Runtime::with_config(RuntimeConfig::interpreter().with_debug_stepping(true));
        let m = rt.instantiate(&wasm).unwrap();
        let mut e = m
            .exported_function("run")
            .unwrap()
            .start_call(&[300])
            .unwrap();
        e.set_recording(true);
        if debug {
            let size = u64::from(m.memory().unwrap().pages()) * 65536;
            e.add_watchpoint(&m, 0, size - 1, 1, wasmscope::WatchKind::Write);
        }
        assert!(matches!(e.run_to_instruction(k), ExecutionState::Paused));
        assert_eq!(e.instructions(), k);
        let at = snapshot(&m, &e);
        // And on from there, counting on: the same end.
        assert!(matches!(e.resume(), ExecutionState::Finished(_)));
        (at, e.instructions())
    };
    let total = {
        let rt = Runtime::with_config(RuntimeConfig::interpreter().with_debug_stepping(true));
        let m = rt.instantiate(&wasm).unwrap();
        counted(
            &m,
            m.exported_function("run")
                .unwrap()
                .start_call(&[300])
                .unwrap(),
            false,
        )
        .instructions
    };
    // Counts at every residue of a segment's length, all over the run.
    for k in (1..total)
        .step_by((total / 37) as usize)
        .chain([total - 1, total])
    {
        assert_eq!(paused_at(k, false), paused_at(k, true), "at {k} of {total}");
    }
}

/// A replay goes back through its checkpoints: paused anywhere (at the end, or after
/// earlier trips), a run to an earlier count restores the latest checkpoint before it
/// and reaches the state a fresh replay reaches there; the checkpoints stay within their
/// budget (the guest's memory plus a quarter) while the interval doubles.
#[test]
fn a_replay_goes_back_through_its_checkpoints() {
    for (name, args) in [("echo.wasm", &["a", "bc"][..]), ("divzero.wasm", &[][..])] {
        let wasm = sample(name);
        let (m, _) = instance(&wasm, args);
        let mut e = start(&m);
        e.set_recording(true);
        let end = e.resume();
        let total = e.instructions();
        let recording = e.recording().unwrap();

        let fresh = |k: u64| {
            let (m2, _) = instance(&wasm, args);
            let mut r = start(&m2);
            r.replay(recording.clone());
            r.set_checkpoint_interval(None);
            assert!(matches!(r.run_to_instruction(k), ExecutionState::Paused));
            snapshot(&m2, &r)
        };
        // (One at every segment, too: echo's then outgrow their budget and thin out.)
        for interval in [97, 1] {
            let (m1, out) = instance(&wasm, args);
            let mut r = start(&m1);
            r.replay(recording.clone());
            r.set_checkpoint_interval(Some(interval));
            // To the end first: every checkpoint taken. divzero's run ends in a trap, which
            // the replay goes back from; echo's exits, so the replay pauses before that (as
            // time travel's replays do: a call that has exited cannot go back).
            let trapped = matches!(end, ExecutionState::Trapped(_));
            if !trapped {
                r.set_instruction_limit(Some(total));
            }
            let replayed_end = r.resume();
            if trapped {
                assert_eq!(format!("{replayed_end:?}"), format!("{end:?}"), "{name}");
            } else {
                assert!(
                    matches!(replayed_end, ExecutionState::Paused),
                    "{replayed_end:?}"
                );
            }
            assert_eq!(r.instructions(), total);
            let stats = r.checkpoints().expect("checkpoints taken");
            assert!(stats.count >= 3, "{name}: {stats:?}");
            assert!(stats.bytes <= stats.budget, "{name}: {stats:?}");
            if interval == 1 && name == "echo.wasm" {
                // (Its 2,000-odd segments' stack chunks outgrow the budget.)
                assert!(stats.interval > 1, "{name}: thinned: {stats:?}");
            }
            // Back, forward and back again, to counts in no order.
            for k in [
                total / 2,
                7,
                total - 3,
                total / 3,
                1,
                total / 2 + 1,
                total / 5,
            ] {
                assert!(
                    matches!(r.run_to_instruction(k), ExecutionState::Paused),
                    "{name} to {k}"
                );
                assert_eq!(r.instructions(), k);
                assert_eq!(snapshot(&m1, &r), fresh(k), "{name} at {k}");
            }
            assert!(out.0.lock().unwrap().is_empty(), "{name}: replayed output");
            let stats = r.checkpoints().unwrap();
            assert!(stats.bytes <= stats.budget, "{name}: {stats:?}");
        }
    }
}

/// Modules whose state a checkpoint cannot hold exactly take none, and say why.
#[test]
fn a_module_with_exceptions_takes_no_checkpoints() {
    let bench = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../samples/bench");
    let wasm = wat::parse_file(bench.join("exceptions.wat")).unwrap();
    let rt = Runtime::with_config(RuntimeConfig::interpreter().with_debug_stepping(true));
    let m = rt.instantiate(&wasm).unwrap();
    let mut e = m
        .exported_function("run")
        .unwrap()
        .start_call(&[30, 5])
        .unwrap();
    e.set_recording(true);
    assert!(matches!(e.resume(), ExecutionState::Finished(_)));
    let m2 = rt
        .instantiate_module(
            &rt.compile_module(&wasm).unwrap(),
            ModuleConfig::new().with_name("again"),
        )
        .unwrap();
    let mut r = m2
        .exported_function("run")
        .unwrap()
        .start_call(&[30, 5])
        .unwrap();
    r.replay(e.recording().unwrap());
    assert!(matches!(r.run_to_instruction(100), ExecutionState::Paused));
    assert_eq!(r.checkpoints(), None);
    assert_eq!(
        r.checkpoints_refused(),
        Some("the module uses GC objects or exceptions")
    );
}

/// Calls through a table are marked as direct calls are (the interpreter's fast path
/// makes both): every one, once.
#[test]
fn call_marks_count_the_calls_through_a_table() {
    let wat = r#"(module
      (type $t (func (param i32) (result i32)))
      (table 2 funcref) (elem (i32.const 0) $inc $dbl)
      (func $inc (type $t) (i32.add (local.get 0) (i32.const 1)))
      (func $dbl (type $t) (i32.shl (local.get 0) (i32.const 1)))
      (func (export "run") (param $n i32) (result i32) (local $i i32) (local $acc i32)
        (loop $l
          (local.set $acc (call_indirect (type $t) (local.get $acc)
            (i32.and (local.get $i) (i32.const 1))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
        (local.get $acc)))"#;
    let rt = Runtime::with_config(RuntimeConfig::interpreter().with_debug_stepping(true));
    let m = rt.instantiate(&wat::parse_str(wat).unwrap()).unwrap();
    let mut e = m
        .exported_function("run")
        .unwrap()
        .start_call(&[1000])
        .unwrap();
    e.set_recording(true);
    let ExecutionState::Finished(results) = e.resume() else {
        panic!("the run did not finish");
    };
    // acc: +1 at even i, *2 at odd i, 500 times: a_{k+1} = 2 (a_k + 1) mod 2^32.
    let want = (0..500).fold(0u32, |a, _| a.wrapping_add(1).wrapping_mul(2));
    assert_eq!(results, vec![want as u64]);
    let marks = e.recording().unwrap().call_marks();
    let total: u64 = marks.iter().map(|m| m.1).sum();
    assert_eq!(total, 1000);
    // Where: at the count of each calling instruction, as stepping from entry to entry
    // finds them (as in `call_marks_are_where_the_calls_began`; 1000 calls fill fewer
    // buckets than the most kept, so each is its own).
    let m2 = rt.instantiate(&wat::parse_str(wat).unwrap()).unwrap();
    let mut r = m2
        .exported_function("run")
        .unwrap()
        .start_call(&[1000])
        .unwrap();
    r.set_recording(true);
    let mut entries: Vec<u64> = Vec::new();
    while matches!(r.step(StepMode::Entry), ExecutionState::Paused) {
        entries.push(r.instructions());
    }
    let expected: Vec<(u64, u64)> = entries.iter().skip(1).map(|c| (c - 1, 1)).collect();
    assert_eq!(expected.len(), 1000);
    assert_eq!(marks, expected);
}

/// A recording's call marks: every call of a Wasm function the run made, at the count
/// of its calling instruction (a reference: stepping from function entry to function
/// entry in debug code), and bounded in size on a long run with the total kept.
#[test]
fn call_marks_are_where_the_calls_began() {
    let wasm = sample("divzero.wasm");
    let (m, _) = instance(&wasm, &["a", "b"]);
    let mut e = start(&m);
    e.set_recording(true);
    // Paused in the middle, and at the end: the marks without a copy of the log are the
    // recording's.
    assert!(matches!(e.run_to_instruction(3000), ExecutionState::Paused));
    let r = e.recording().unwrap();
    assert_eq!(e.recorded_call_marks(), r.call_marks());
    assert_eq!(e.recorded_host_call_steps(), r.host_call_steps());
    assert!(!e.recorded_host_call_steps().is_empty());
    assert!(matches!(
        e.resume(),
        ExecutionState::Exited(0) | ExecutionState::Finished(_)
    ));
    let marks = e.recording().unwrap().call_marks();
    assert_eq!(e.recorded_call_marks(), marks);
    assert_eq!(
        e.recorded_host_call_steps(),
        e.recording().unwrap().host_call_steps()
    );

    let (m2, _) = instance(&wasm, &["a", "b"]);
    let mut r = start(&m2);
    r.set_recording(true);
    let mut entries: Vec<u64> = Vec::new();
    while matches!(r.step(StepMode::Entry), ExecutionState::Paused) {
        entries.push(r.instructions());
    }
    // (The first entry is the call's own function, not a call the run made.)
    let mut expected: Vec<(u64, u64)> = Vec::new();
    for c in entries.iter().skip(1).map(|c| c - 1) {
        match expected.last_mut() {
            Some((at, n)) if *at == c => *n += 1,
            _ => expected.push((c, 1)),
        }
    }
    assert!(expected.len() > 50, "{}", expected.len());
    assert_eq!(marks, expected);

    // A long run: at most 2048 buckets, every call counted.
    let bench = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../samples/bench");
    let wasm = std::fs::read(bench.join("fib.wasm")).unwrap();
    let rt = Runtime::with_config(RuntimeConfig::interpreter().with_debug_stepping(true));
    let m = rt.instantiate(&wasm).unwrap();
    let mut e = m
        .exported_function("run")
        .unwrap()
        .start_call(&[20])
        .unwrap();
    e.set_recording(true);
    assert!(matches!(e.resume(), ExecutionState::Finished(_)));
    let marks = e.recording().unwrap().call_marks();
    assert!(marks.len() <= 2048, "{}", marks.len());
    assert!(marks.windows(2).all(|w| w[0].0 < w[1].0));
    // fib(20) calls fib 2 * fib(21) - 1 times (and `run` calls it once, and whatever
    // else `run` calls).
    let total: u64 = marks.iter().map(|m| m.1).sum();
    assert!((2 * 10946 - 1..2 * 10946 + 8).contains(&total), "{total}");
}
