//! Instruction stepping and breakpoints on code compiled with `with_debug_stepping`.

use std::path::PathBuf;

use wasmscope::{ExecutionState, ModuleConfig, Runtime, RuntimeConfig, StepMode, Value};

const APP: &str = r#"(module $app
  (func $inc (param $x i32) (result i32)
    local.get $x
    i32.const 1
    i32.add)
  (func (export "main") (param $n i32) (result i32)
    local.get $n
    call $inc
    i32.const 10
    i32.mul))"#;

fn debug_runtime() -> Runtime {
    Runtime::with_config(RuntimeConfig::interpreter().with_debug_stepping(true))
}

#[test]
fn step_into_over_and_out() {
    let rt = debug_runtime();
    let m = rt.instantiate(&wat::parse_str(APP).unwrap()).unwrap();
    let mut exec = m
        .exported_function("main")
        .unwrap()
        .start_call(&[4])
        .unwrap();
    // The first stop point is main's first instruction.
    assert!(matches!(
        exec.step(StepMode::Instruction),
        ExecutionState::Paused
    ));
    let p = exec.position().unwrap();
    assert_eq!((p.function_index, p.depth), (1, 0));
    let first = p.code_offset.unwrap();
    // local.get, then the call: stepping into it enters $inc at depth 1.
    assert!(matches!(
        exec.step(StepMode::Instruction),
        ExecutionState::Paused
    ));
    let call_at = exec.position().unwrap().code_offset.unwrap();
    assert!(call_at > first);
    assert!(matches!(
        exec.step(StepMode::Instruction),
        ExecutionState::Paused
    ));
    let p = exec.position().unwrap();
    assert_eq!((p.function_index, p.depth), (0, 1), "inside $inc");
    // The callee's frame shows its parameter.
    let locals = exec
        .with_stack(|s| s.frames().next().unwrap().locals())
        .unwrap();
    assert_eq!(locals, vec![Value::I32(4)]);
    // Step out: back in main, after the call.
    assert!(matches!(exec.step(StepMode::Out), ExecutionState::Paused));
    let p = exec.position().unwrap();
    assert_eq!((p.function_index, p.depth), (1, 0));
    assert!(p.code_offset.unwrap() > call_at);
    // The operand stack holds inc's result.
    let operands = exec
        .with_stack(|s| s.frames().next().unwrap().operands())
        .unwrap();
    assert_eq!(operands, vec![Value::I32(5)]);
    match exec.resume() {
        ExecutionState::Finished(r) => assert_eq!(r, vec![50]),
        other => panic!("{other:?}"),
    }
}

#[test]
fn step_over_does_not_stop_inside_calls() {
    let rt = debug_runtime();
    let m = rt.instantiate(&wat::parse_str(APP).unwrap()).unwrap();
    let mut exec = m
        .exported_function("main")
        .unwrap()
        .start_call(&[1])
        .unwrap();
    let mut depths = Vec::new();
    loop {
        match exec.step(StepMode::Over) {
            ExecutionState::Paused => depths.push(exec.position().unwrap().depth),
            ExecutionState::Finished(r) => {
                assert_eq!(r, vec![20]);
                break;
            }
            other => panic!("{other:?}"),
        }
    }
    assert!(depths.len() >= 4, "{depths:?}");
    assert!(
        depths.iter().all(|d| *d == 0),
        "never inside $inc: {depths:?}"
    );
}

#[test]
fn a_breakpoint_at_a_code_offset_stops_every_time_it_is_reached() {
    let rt = debug_runtime();
    let m = rt.instantiate(&wat::parse_str(APP).unwrap()).unwrap();
    // Find $inc's first instruction by stepping once into it.
    let mut probe = m
        .exported_function("main")
        .unwrap()
        .start_call(&[0])
        .unwrap();
    for _ in 0..3 {
        probe.step(StepMode::Instruction);
    }
    let inc_entry = probe.position().unwrap().code_offset.unwrap();
    let _ = probe.close_with_exit_code(0);

    let m = rt.instantiate(&wat::parse_str(APP).unwrap()).unwrap();
    let mut exec = m
        .exported_function("main")
        .unwrap()
        .start_call(&[2])
        .unwrap();
    exec.add_breakpoint(&m, inc_entry);
    assert!(matches!(exec.resume(), ExecutionState::Paused));
    assert_eq!(exec.position().unwrap().code_offset, Some(inc_entry));
    exec.remove_breakpoint(&m, inc_entry);
    assert!(matches!(exec.resume(), ExecutionState::Finished(_)));
}

#[test]
fn without_debug_stepping_a_step_runs_to_the_end() {
    let rt = Runtime::with_config(RuntimeConfig::interpreter());
    let m = rt.instantiate(&wat::parse_str(APP).unwrap()).unwrap();
    let mut exec = m
        .exported_function("main")
        .unwrap()
        .start_call(&[1])
        .unwrap();
    assert!(matches!(
        exec.step(StepMode::Instruction),
        ExecutionState::Finished(_)
    ));
}

const DIVIDE: &str = r#"(module
  (func $div (param $a i32) (param $b i32) (result i32)
    local.get $a
    local.get $b
    i32.div_u)
  (func (export "main") (param $n i32) (result i32)
    i32.const 1000
    local.get $n
    call $div))"#;

#[test]
fn after_a_trap_the_trapping_frames_stay_readable() {
    let rt = debug_runtime();
    let m = rt.instantiate(&wat::parse_str(DIVIDE).unwrap()).unwrap();
    let main = m.exported_function("main").unwrap();
    let mut exec = main.start_call(&[0]).unwrap();
    let ExecutionState::Trapped(e) = exec.resume() else {
        panic!("1000 / 0 traps");
    };
    assert!(exec.is_done());
    let trace: Vec<_> = e.trace().iter().map(|f| f.code_offset).collect();
    let frames = exec
        .with_stack(|s| {
            s.frames()
                .map(|f| {
                    (
                        f.definition().index(),
                        f.source_offset(),
                        f.locals(),
                        f.operands(),
                    )
                })
                .collect::<Vec<_>>()
        })
        .expect("the stack stays readable after a trap");
    assert_eq!(frames.len(), 2, "{frames:?}");
    // $div at the division (the trace's instruction), dividing 1000 by 0.
    assert_eq!(frames[0].0, 0);
    assert_eq!(frames[0].1, trace[0]);
    assert_eq!(frames[0].2, [Value::I32(1000), Value::I32(0)]);
    // $div ran at full speed (no step, no breakpoint in it): plain code reads its
    // operands from the locals' slots, and they are recovered after the trap.
    assert_eq!(
        frames[0].3,
        [Value::I32(1000), Value::I32(0)],
        "the division's operands"
    );
    // main at its call.
    assert_eq!(frames[1].0, 1);
    assert_eq!(frames[1].1, trace[1]);
    assert_eq!(frames[1].2, [Value::I32(0)]);
    // Ended all the same: no position, and it cannot go on.
    assert!(exec.position().is_none());
    assert!(matches!(exec.resume(), ExecutionState::Trapped(_)));
    assert!(exec.with_stack(|s| s.len()).is_some());
    // With a breakpoint in $div it runs with stop points: after the trap the division's
    // operands are there.
    let mut exec = main.start_call(&[0]).unwrap();
    let div_entry = frames[0].1.unwrap() - 4; // local.get 0, local.get 1 (2 bytes each)
    exec.add_breakpoint(&m, div_entry);
    assert!(matches!(exec.resume(), ExecutionState::Paused));
    assert_eq!(exec.position().unwrap().code_offset, Some(div_entry));
    assert!(matches!(exec.resume(), ExecutionState::Trapped(_)));
    let operands = exec
        .with_stack(|s| s.frames().next().map(|f| f.operands()))
        .flatten();
    assert_eq!(
        operands,
        Some(vec![Value::I32(1000), Value::I32(0)]),
        "the division's operands"
    );
    // A call that finishes leaves no stack to read.
    let mut ok = main.start_call(&[4]).unwrap();
    assert!(matches!(ok.resume(), ExecutionState::Finished(r) if r == [250]));
    assert!(ok.with_stack(|s| s.len()).is_none());
}

fn divzero() -> Vec<u8> {
    std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../samples/programs/divzero.wasm"),
    )
    .unwrap()
}

#[test]
fn a_breakpoint_on_a_source_line_of_a_sample_is_hit_and_the_call_can_be_closed() {
    let rt = debug_runtime();
    wasmscope::wasi::instantiate(&rt).unwrap();
    let compiled = rt.compile_module(&divzero()).unwrap();
    // Line 54: `let shares = distribute(1000, buckets);` in run().
    let offsets = compiled.code_offsets_for_line("divzero/src/main.rs", 54);
    assert!(!offsets.is_empty());
    for o in &offsets {
        assert!(
            compiled.source_locations(*o).iter().any(|l| l.line == 54),
            "offset {o:#x}"
        );
    }
    let notified = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let n = notified.clone();
    let m = rt
        .instantiate_module(
            &compiled,
            ModuleConfig::new()
                .with_start_functions(&[])
                .with_args(&["divzero"])
                .with_close_notifier(move |c| n.lock().unwrap().push(c)),
        )
        .unwrap();
    let mut exec = m
        .exported_function("_start")
        .unwrap()
        .start_call(&[])
        .unwrap();
    for o in &offsets {
        exec.add_breakpoint(&m, *o);
    }
    assert!(matches!(exec.resume(), ExecutionState::Paused));
    let p = exec.position().unwrap();
    assert!(offsets.contains(&p.code_offset.unwrap()), "{p:?}");
    assert!(p.depth >= 3, "run() is called from main via std: {p:?}");
    // Close while paused with exit code 7.
    let err = exec.close_with_exit_code(7);
    assert_eq!(err.exit_code(), Some(7));
    assert!(m.is_closed());
    assert_eq!(*notified.lock().unwrap(), vec![7]);
    assert!(
        matches!(exec.resume(), ExecutionState::Exited(7)),
        "the execution stays closed"
    );
}

#[test]
fn a_long_run_can_go_in_slices() {
    let wat = r#"(module (func (export "count") (param i32) (result i32) (local i32)
        (loop
          local.get 1 i32.const 1 i32.add local.set 1
          local.get 1 local.get 0 i32.lt_u br_if 0)
        local.get 1))"#;
    let rt = debug_runtime();
    let m = rt.instantiate(&wat::parse_str(wat).unwrap()).unwrap();
    let mut exec = m
        .exported_function("count")
        .unwrap()
        .start_call(&[10_000])
        .unwrap();
    let mut slices = 0;
    let result = loop {
        match exec.resume_for(1000) {
            ExecutionState::Paused => {
                assert!(exec.paused_by_budget());
                slices += 1;
            }
            ExecutionState::Finished(r) => break r,
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(result, vec![10_000]);
    // Nothing can stop in the loop: it runs plain code, where a unit of the budget is a
    // loop iteration.
    assert!((9..=11).contains(&slices), "ran in {slices} slices");
    // A breakpoint inside a slice is a real pause, not the budget's.
    let m = rt.instantiate(&wat::parse_str(APP).unwrap()).unwrap();
    let mut exec = m
        .exported_function("main")
        .unwrap()
        .start_call(&[1])
        .unwrap();
    exec.step(StepMode::Instruction);
    let first = exec.position().unwrap().code_offset.unwrap();
    let _ = exec.close_with_exit_code(0);
    let m = rt.instantiate(&wat::parse_str(APP).unwrap()).unwrap();
    let mut exec = m
        .exported_function("main")
        .unwrap()
        .start_call(&[1])
        .unwrap();
    exec.add_breakpoint(&m, first);
    assert!(matches!(exec.resume_for(1_000_000), ExecutionState::Paused));
    assert!(!exec.paused_by_budget());
}

/// Tail calls under the debugger: the callee replaces the frame, at the same depth; a
/// step over the tail call stops at the callee's first instruction (the caller is gone)
/// and a step out leaves for the caller's caller.
#[test]
fn a_tail_call_replaces_the_frame_being_stepped() {
    let rt = debug_runtime();
    let wasm = wat::parse_str(
        r#"(module
          (func $down (param $n i32) (result i32)
            (if (result i32) (i32.eqz (local.get $n))
              (then (i32.const 7))
              (else (return_call $down (i32.sub (local.get $n) (i32.const 1))))))
          (func $mid (param $n i32) (result i32)
            local.get $n
            return_call $down)
          (func (export "main") (param $n i32) (result i32)
            local.get $n
            call $mid
            i32.const 1
            i32.add))"#,
    )
    .unwrap();
    let m = rt.instantiate(&wasm).unwrap();
    let mut exec = m
        .exported_function("main")
        .unwrap()
        .start_call(&[2])
        .unwrap();
    let at = |exec: &mut wasmscope::Execution, mode| {
        assert!(matches!(exec.step(mode), ExecutionState::Paused));
        let p = exec.position().unwrap();
        (p.function_index, p.depth)
    };
    assert_eq!(at(&mut exec, StepMode::Instruction), (2, 0), "main");
    assert_eq!(at(&mut exec, StepMode::Instruction), (2, 0), "the call");
    assert_eq!(at(&mut exec, StepMode::Instruction), (1, 1), "in $mid");
    assert_eq!(at(&mut exec, StepMode::Instruction), (1, 1), "return_call");
    // Over the tail call: $down runs in $mid's place, at $mid's depth.
    assert_eq!(at(&mut exec, StepMode::Over), (0, 1), "$down replaced $mid");
    let stack: Vec<String> = exec
        .with_stack(|s| s.frames().map(|f| f.definition().debug_name()).collect())
        .unwrap();
    assert_eq!(stack.len(), 2, "{stack:?}: $down and main");
    // Out of $down (after its own tail calls): back in main, after the call.
    assert_eq!(at(&mut exec, StepMode::Out), (2, 0));
    match exec.resume() {
        ExecutionState::Finished(r) => assert_eq!(r, vec![8]),
        other => panic!("{other:?}"),
    }
}

/// divzero run with two arguments, paused at the first statement of `line` of its
/// main.rs (the breakpoint removed again); its compiled module.
fn divzero_paused_at_line(line: u32) -> (wasmscope::CompiledModule, wasmscope::Execution) {
    let rt = debug_runtime();
    wasmscope::wasi::instantiate(&rt).unwrap();
    let compiled = rt.compile_module(&divzero()).unwrap();
    let offsets = compiled.code_offsets_for_line("divzero/src/main.rs", line);
    assert!(!offsets.is_empty(), "line {line} has statements");
    let m = rt
        .instantiate_module(
            &compiled,
            ModuleConfig::new()
                .with_start_functions(&[])
                .with_args(&["divzero", "a", "b"]),
        )
        .unwrap();
    let mut exec = m
        .exported_function("_start")
        .unwrap()
        .start_call(&[])
        .unwrap();
    for o in &offsets {
        exec.add_breakpoint(&m, *o);
    }
    assert!(matches!(exec.resume(), ExecutionState::Paused));
    for o in &offsets {
        exec.remove_breakpoint(&m, *o);
    }
    (compiled, exec)
}

/// Steps by source line in divzero's `distribute` (lines 46, 47, 49, 50 begin
/// statements there): each `next` goes to the next line, then back into `run`.
#[test]
fn line_steps_go_from_statement_to_statement() {
    let file = "divzero/src/main.rs";
    let (compiled, mut exec) = divzero_paused_at_line(46);
    // The function's own line (the outermost location: the innermost may be code
    // inlined into it).
    let line = |exec: &wasmscope::Execution| {
        let o = exec.position().unwrap().code_offset.unwrap();
        let locs = compiled.source_locations(o);
        let l = locs.last().unwrap();
        (l.file.clone(), l.line, exec.position().unwrap().depth)
    };
    let (f0, l0, d0) = line(&exec);
    assert!(f0.ends_with(file) && l0 == 46, "{f0}:{l0}");
    let mut seen = Vec::new();
    for _ in 0..4 {
        assert!(matches!(
            exec.step_line(wasmscope::LineStep::Over),
            ExecutionState::Paused
        ));
        seen.push(line(&exec));
    }
    let lines: Vec<u32> = seen.iter().map(|s| s.1).collect();
    assert_eq!(lines[..3], [47, 49, 50], "{seen:?}");
    // Then out of distribute, back in run() right after its call (the instruction after
    // it belongs to line 55, the loop over the result), a shallower frame.
    assert!((54..=55).contains(&seen[3].1) && seen[3].2 < d0, "{seen:?}");
    assert!(seen[3].0.ends_with(file), "{seen:?}");
}

/// `step` (Into) from run()'s call of distribute enters it; `finish` (Out) comes back.
#[test]
fn a_line_step_into_enters_the_call_and_out_returns() {
    let (compiled, mut exec) = divzero_paused_at_line(54);
    let depth = exec.position().unwrap().depth;
    assert!(matches!(
        exec.step_line(wasmscope::LineStep::Into),
        ExecutionState::Paused
    ));
    let inside = exec.position().unwrap();
    assert!(inside.depth > depth, "{inside:?}");
    let o = inside.code_offset.unwrap();
    assert!(!compiled.source_locations(o).is_empty(), "a line there");
    assert!(matches!(
        exec.step_line(wasmscope::LineStep::Out),
        ExecutionState::Paused
    ));
    assert!(exec.position().unwrap().depth < inside.depth);
}

/// A line step in slices of one instruction ends where the whole line step ends: each
/// slice pauses with `paused_by_budget`, and `continue_for` goes on with the same step.
#[test]
fn a_line_step_in_slices_ends_where_the_whole_step_ends() {
    for kind in [
        wasmscope::LineStep::Over,
        wasmscope::LineStep::Into,
        wasmscope::LineStep::Out,
    ] {
        let (_, mut whole) = divzero_paused_at_line(54);
        assert!(matches!(whole.step_line(kind), ExecutionState::Paused));
        let want = whole.position().unwrap();
        let (_, mut sliced) = divzero_paused_at_line(54);
        let mut state = sliced.step_line_for(kind, 1);
        let mut slices = 1;
        while matches!(state, ExecutionState::Paused) && sliced.paused_by_budget() {
            state = sliced.continue_for(1);
            slices += 1;
            assert!(slices < 1_000_000, "{kind:?} never ends");
        }
        assert!(
            matches!(state, ExecutionState::Paused),
            "{kind:?}: {state:?}"
        );
        assert_eq!(sliced.position().unwrap(), want, "{kind:?}");
        assert!(slices > 1, "{kind:?} took {slices} slice(s)");
    }
}

/// A breakpoint inside a call that a step over runs through: the filter's `false` lets
/// the step go on (it ends back in the caller), `true` stops there.
#[test]
fn a_filtered_breakpoint_inside_a_step_over_lets_the_step_go_on() {
    for take in [false, true] {
        let rt = debug_runtime();
        let wasm = wat::parse_str(APP).unwrap();
        let compiled = rt.compile_module(&wasm).unwrap();
        let m = rt
            .instantiate_module(&compiled, ModuleConfig::new())
            .unwrap();
        let mut exec = m
            .exported_function("main")
            .unwrap()
            .start_call(&[4])
            .unwrap();
        // To main's call of $inc.
        exec.step(StepMode::Instruction);
        exec.step(StepMode::Instruction);
        let call_at = exec.position().unwrap().code_offset.unwrap();
        exec.add_breakpoint(&m, compiled.function_entry_offset(0).unwrap());
        let asked = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
        let counter = asked.clone();
        exec.set_breakpoint_filter(Some(Box::new(move |e: &wasmscope::Execution| {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            assert_eq!(e.position().unwrap().function_index, 0);
            take
        })));
        assert!(matches!(exec.step(StepMode::Over), ExecutionState::Paused));
        let p = exec.position().unwrap();
        assert_eq!(asked.load(std::sync::atomic::Ordering::SeqCst), 1);
        if take {
            assert!(exec.paused_at_breakpoint());
            assert_eq!((p.function_index, p.depth), (0, 1), "stopped in $inc");
        } else {
            assert!(!exec.paused_at_breakpoint());
            assert_eq!((p.function_index, p.depth), (1, 0), "the step went on");
            assert!(p.code_offset.unwrap() > call_at);
        }
    }
}
