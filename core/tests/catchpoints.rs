//! Catchpoints on host calls (`Execution::set_host_call_catch`): pausing before and after
//! a WASI call, reading and changing its arguments and results, skipping it.

use std::io::Write;
use std::sync::{Arc, Mutex};

use wasmscope::{
    Execution, ExecutionState, HostCallPhase, LineStep, Module, ModuleConfig, Runtime,
    RuntimeConfig, StepMode, Value,
};

/// A writer into a shared buffer.
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

impl Shared {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

/// Writes "hi\n" to stdout with `fd_write`; exits with its errno if it fails, else with
/// the number of bytes written it read back (3).
const WRITER: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "\20\00\00\00\03\00\00\00")
  (data (i32.const 32) "hi\n")
  (func (export "_start") (local $errno i32)
    (local.set $errno
      (call $fd_write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 8)))
    (if (local.get $errno) (then (call $exit (local.get $errno))))
    (call $exit (i32.load (i32.const 8)))))"#;

struct Guest {
    module: Module,
    stdout: Shared,
    stderr: Shared,
}

fn guest() -> Guest {
    let rt = Runtime::with_config(RuntimeConfig::interpreter().with_debug_stepping(true));
    wasmscope::wasi::instantiate(&rt).unwrap();
    let (stdout, stderr) = (Shared::default(), Shared::default());
    let wasm = wat::parse_str(WRITER).unwrap();
    let module = rt
        .instantiate_with_config(
            &wasm,
            ModuleConfig::new()
                .with_stdout(stdout.clone())
                .with_stderr(stderr.clone())
                .with_start_functions(&[]),
        )
        .unwrap();
    Guest {
        module,
        stdout,
        stderr,
    }
}

fn start(g: &Guest, names: &'static [&'static str]) -> Execution {
    let mut exec = g
        .module
        .exported_function("_start")
        .unwrap()
        .start_call(&[])
        .unwrap();
    exec.set_host_call_catch(Some(Box::new(move |def| {
        def.module_name() == "wasi_snapshot_preview1"
            && def.name().is_some_and(|n| names.contains(&n))
    })));
    exec
}

fn paused(state: ExecutionState) {
    assert!(matches!(state, ExecutionState::Paused), "{state:?}");
}

fn exited(state: ExecutionState) -> u32 {
    match state {
        ExecutionState::Exited(code) => code,
        other => panic!("not exited: {other:?}"),
    }
}

#[test]
fn a_caught_call_pauses_before_and_after_with_its_arguments_and_results() {
    let g = guest();
    let mut exec = start(&g, &["fd_write"]);
    paused(exec.resume());
    let call = exec.host_call().expect("paused at the catchpoint");
    assert_eq!(call.phase, HostCallPhase::Before);
    assert_eq!(call.definition.name(), Some("fd_write"));
    assert_eq!(
        call.params,
        [1, 16, 1, 8].map(Value::I32).to_vec(),
        "its arguments"
    );
    assert_eq!(call.results, None);
    assert_eq!(g.stdout.text(), "", "the call has not run");
    // At the calling instruction, its arguments on the operand stack.
    let before = exec.position().unwrap();
    let operands = exec
        .with_stack(|s| s.frames().next().unwrap().operands())
        .unwrap();
    assert_eq!(operands, [1, 16, 1, 8].map(Value::I32).to_vec());

    paused(exec.resume());
    let call = exec.host_call().expect("paused after the call");
    assert_eq!(call.phase, HostCallPhase::After);
    assert_eq!(call.params, [1, 16, 1, 8].map(Value::I32).to_vec());
    assert_eq!(call.results, Some(vec![Value::I32(0)]));
    assert_eq!(g.stdout.text(), "hi\n", "the call has run");
    let after = exec.position().unwrap();
    assert!(
        after.code_offset > before.code_offset,
        "after the call: {before:?} then {after:?}"
    );
    let operands = exec
        .with_stack(|s| s.frames().next().unwrap().operands())
        .unwrap();
    assert_eq!(operands, vec![Value::I32(0)], "its result on the stack");

    assert_eq!(exited(exec.resume()), 3, "fd_write's nwritten, read back");
    assert!(exec.host_call().is_none());
}

#[test]
fn a_skipped_call_does_not_run_and_the_caller_gets_the_results_given() {
    let g = guest();
    let mut exec = start(&g, &["fd_write"]);
    paused(exec.resume());
    // ENOSPC (51), as a debugger's `return ENOSPC`.
    exec.set_host_call_results(&[Value::I32(51)]).unwrap();
    assert_eq!(
        exec.host_call().unwrap().results,
        Some(vec![Value::I32(51)])
    );
    assert_eq!(exited(exec.resume()), 51, "the program saw ENOSPC");
    assert_eq!(g.stdout.text(), "", "fd_write did not run");
}

#[test]
fn changed_results_after_the_call_reach_the_caller() {
    let g = guest();
    let mut exec = start(&g, &["fd_write"]);
    paused(exec.resume());
    paused(exec.resume());
    exec.set_host_call_results(&[Value::I32(29)]).unwrap();
    assert_eq!(exited(exec.resume()), 29, "EIO, as changed");
    assert_eq!(g.stdout.text(), "hi\n", "the write itself happened");
}

#[test]
fn changed_arguments_are_what_the_function_gets() {
    let g = guest();
    let mut exec = start(&g, &["fd_write"]);
    paused(exec.resume());
    // To stderr, two bytes.
    let memory = g.module.memory().unwrap();
    assert!(memory.write(20, &2u32.to_le_bytes()), "iovec length 2");
    exec.set_host_call_params(&[2, 16, 1, 8].map(Value::I32)[..])
        .unwrap();
    assert_eq!(
        exec.host_call().unwrap().params,
        [2, 16, 1, 8].map(Value::I32).to_vec()
    );
    paused(exec.resume());
    assert_eq!(
        exec.host_call().unwrap().params,
        [2, 16, 1, 8].map(Value::I32).to_vec(),
        "after the call: the arguments it got"
    );
    assert_eq!(exited(exec.resume()), 2);
    assert_eq!(g.stdout.text(), "");
    assert_eq!(g.stderr.text(), "hi");
}

#[test]
fn bad_changes_are_refused_with_a_clear_error() {
    let g = guest();
    let mut exec = start(&g, &["fd_write"]);
    let not_paused = exec.set_host_call_results(&[Value::I32(0)]).unwrap_err();
    assert!(
        not_paused.to_string().contains("not paused at a host call"),
        "{not_paused}"
    );
    paused(exec.resume());
    let e = exec.set_host_call_params(&[Value::I32(1)]).unwrap_err();
    assert!(e.to_string().contains("4 parameters, 1 given"), "{e}");
    let e = exec.set_host_call_results(&[Value::I64(0)]).unwrap_err();
    assert!(e.to_string().contains("I32"), "{e}");
    let e = exec.set_host_call_results(&[]).unwrap_err();
    assert!(e.to_string().contains("1 results, 0 given"), "{e}");
    paused(exec.resume());
    let e = exec
        .set_host_call_params(&[1, 16, 1, 8].map(Value::I32)[..])
        .unwrap_err();
    assert!(e.to_string().contains("has returned"), "{e}");
    // Nothing was changed by the refused calls.
    assert_eq!(exited(exec.resume()), 3);
    assert_eq!(g.stdout.text(), "hi\n");
}

#[test]
fn only_the_functions_the_filter_accepts_are_caught() {
    let g = guest();
    let mut exec = start(&g, &["proc_exit"]);
    paused(exec.resume());
    let call = exec.host_call().unwrap();
    assert_eq!(call.definition.name(), Some("proc_exit"));
    assert_eq!(call.params, vec![Value::I32(3)]);
    assert_eq!(g.stdout.text(), "hi\n", "fd_write ran uncaught");
    // proc_exit ends the call: no pause after it.
    assert_eq!(exited(exec.resume()), 3);

    let g = guest();
    let mut exec = start(&g, &[]);
    assert_eq!(exited(exec.resume()), 3, "nothing caught");
    let g = guest();
    let mut exec = start(&g, &["fd_write"]);
    exec.set_host_call_catch(None);
    assert_eq!(exited(exec.resume()), 3, "the catch removed");
}

#[test]
fn steps_end_at_catchpoints() {
    // An instruction step over the call stops before and after it.
    let g = guest();
    let mut exec = start(&g, &["fd_write"]);
    let mut phases = Vec::new();
    for _ in 0..100 {
        match exec.step(StepMode::Over) {
            ExecutionState::Paused => {
                if let Some(call) = exec.host_call() {
                    phases.push(call.phase);
                }
            }
            ExecutionState::Exited(3) => break,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(phases, [HostCallPhase::Before, HostCallPhase::After]);
    assert_eq!(g.stdout.text(), "hi\n");

    // A line step (no DWARF: instruction steps) too, and it goes on from there.
    let g = guest();
    let mut exec = start(&g, &["fd_write"]);
    let mut phases = Vec::new();
    for _ in 0..100 {
        match exec.step_line(LineStep::Over) {
            ExecutionState::Paused => {
                if let Some(call) = exec.host_call() {
                    phases.push(call.phase);
                }
            }
            ExecutionState::Exited(3) => break,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(phases, [HostCallPhase::Before, HostCallPhase::After]);
}

#[test]
fn a_caught_call_closed_meanwhile_does_not_run() {
    let g = guest();
    let mut exec = start(&g, &["fd_write"]);
    paused(exec.resume());
    let e = exec.close_with_exit_code(7);
    assert_eq!(e.exit_code(), Some(7));
    assert_eq!(g.stdout.text(), "");
}
