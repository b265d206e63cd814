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
