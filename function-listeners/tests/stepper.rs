//! Stepper sessions on the samples: breakpoint by line, step over a call, step out,
//! function breakpoints, run to cursor, close while paused with an exit code.

use std::path::PathBuf;

use wasmscope::{ExecutionState, ModuleConfig, Value};
use wasmscope_listeners::stepper::{Op, Reverse, Stepper};

fn divzero() -> Vec<u8> {
    std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../samples/programs/divzero.wasm"),
    )
    .unwrap()
}

fn session(args: &[&str]) -> Stepper {
    let mut s = Stepper::new(&divzero(), wasmscope::wasi::instantiate).unwrap();
    let mut all = vec!["divzero"];
    all.extend_from_slice(args);
    s.start(ModuleConfig::new().with_args(&all), "_start", &[])
        .unwrap();
    s
}

fn line(s: &Stepper) -> Option<u32> {
    s.source().last().map(|l| l.line)
}

#[test]
fn breakpoint_by_line_then_step_over_the_call_then_out() {
    let mut s = session(&["a", "b"]);
    // run(): `let shares = distribute(1000, buckets);`
    assert!(!s.break_at_line("divzero/src/main.rs", 54).is_empty());
    assert!(matches!(s.resume(), ExecutionState::Paused));
    assert_eq!(line(&s), Some(54));
    let depth = s.position().unwrap().depth;
    // Step over until the line changes: we never go deeper than run().
    s.clear_breakpoints();
    let mut lines = Vec::new();
    for _ in 0..200 {
        assert!(matches!(s.step_over(), ExecutionState::Paused));
        assert!(s.position().unwrap().depth <= depth);
        if let Some(l) = line(&s) {
            lines.push(l);
            if l != 54 {
                break;
            }
        }
    }
    assert!(
        lines.iter().any(|l| *l > 54),
        "left line 54 by stepping over distribute(): {lines:?}"
    );
    // Step out of run(): back in main, one level up.
    assert!(matches!(s.step_out(), ExecutionState::Paused));
    assert!(s.position().unwrap().depth < depth);
    assert_eq!(
        s.source()
            .last()
            .map(|l| l.file.ends_with("divzero/src/main.rs")),
        Some(true)
    );
    match s.resume() {
        ExecutionState::Finished(_) | ExecutionState::Exited(0) => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn function_breakpoint_and_close_with_exit_code_7() {
    let mut s = session(&[]);
    s.break_at_function("_ZN7divzero3run17h0a6d92dba8a256ceE");
    assert!(matches!(s.resume(), ExecutionState::Paused));
    let stack = s.stack();
    assert!(
        stack[0].0.ends_with("_ZN7divzero3run17h0a6d92dba8a256ceE"),
        "{:?}",
        stack[0].0
    );
    assert_eq!(stack[0].1[0], Value::I32(0), "run(0): no buckets");
    let err = s.close(7);
    assert_eq!(err.exit_code(), Some(7));
    assert!(s.module().unwrap().is_closed());
}

#[test]
fn run_to_cursor_and_the_trap_at_the_end() {
    let mut s = session(&[]);
    // raw_div's division, line 28 (inlined into share()).
    let offsets = s
        .compiled()
        .code_offsets_for_line("divzero/src/main.rs", 28);
    assert!(!offsets.is_empty());
    assert!(matches!(s.run_to(offsets[0]), ExecutionState::Paused));
    assert_eq!(s.source().first().map(|l| l.line), Some(28));
    // Running on, the division by zero traps.
    let trace = match s.resume() {
        ExecutionState::Trapped(e) => {
            assert_eq!(
                e.trap_code(),
                Some(wasmscope::TrapCode::IntegerDivideByZero)
            );
            e.trace().to_vec()
        }
        other => panic!("{other:?}"),
    };
    // The trapping call's frames stay readable: share() at the division, 1000 / 0.
    let frames = s.frames();
    assert_eq!(frames.len(), trace.len());
    assert_eq!(frames[0].code_offset, trace[0].code_offset);
    assert_eq!(frames[0].sources.first().map(|l| l.line), Some(28));
    assert!(
        frames[0]
            .operands
            .ends_with(&[Value::I32(1000), Value::I32(0)]),
        "{frames:?}"
    );
}

#[test]
fn call_level_steps_into_the_next_call_and_over_to_the_next_sibling_call() {
    // Two buckets: distribute() returns, and run() goes on to print them.
    let mut s = session(&["a", "b"]);
    s.break_at_function("_ZN7divzero3run17h0a6d92dba8a256ceE");
    assert!(matches!(s.resume(), ExecutionState::Paused));
    s.clear_breakpoints();
    let run_depth = s.position().unwrap().depth;
    // Into: the first call run() makes is distribute().
    assert!(matches!(s.step_to_next_call(), ExecutionState::Paused));
    let p = s.position().unwrap();
    assert_eq!(p.depth, run_depth + 1);
    assert!(
        s.stack()[0].0.contains("distribute"),
        "{:?}",
        s.stack()[0].0
    );
    // Over at call level: distribute runs to its end, and the next call run() makes
    // (printing the buckets) pauses at the same level.
    assert!(matches!(s.step_over_call(), ExecutionState::Paused));
    assert_eq!(s.position().unwrap().depth, run_depth + 1);
    assert!(
        !s.stack()[0].0.contains("distribute"),
        "{:?}",
        s.stack()[0].0
    );
    assert!(s.stack()[1]
        .0
        .ends_with("_ZN7divzero3run17h0a6d92dba8a256ceE"));
}

/// `main` calls `spin` (a loop of `n` iterations) and then `one`.
fn spinner() -> Stepper {
    let wasm = wat::parse_str(
        r#"(module
            (func $spin (param $n i32) (loop $l
                (local.set $n (i32.sub (local.get $n) (i32.const 1)))
                (br_if $l (local.get $n))))
            (func $one (result i32) (i32.const 1))
            (func (export "main") (result i32)
                (call $spin (i32.const 100000))
                (call $one)))"#,
    )
    .unwrap();
    let mut s = Stepper::new(&wasm, |_| Ok(())).unwrap();
    s.start(ModuleConfig::new(), "main", &[]).unwrap();
    s
}

#[test]
fn a_step_over_a_long_call_runs_in_slices_and_ends_back_in_its_function() {
    let mut s = spinner();
    assert!(matches!(s.step_into(), ExecutionState::Paused));
    let start = s.position().unwrap();
    assert_eq!(start.depth, 0, "depth counts the frames below");
    // The first instruction is `i32.const 100000`; the second is the call.
    assert!(matches!(s.step_over(), ExecutionState::Paused));
    let mut state = s.begin(Op::StepOver, 1000);
    assert!(matches!(state, ExecutionState::Paused));
    assert!(s.paused_by_budget(), "the loop takes more than 1000 steps");
    assert_eq!(s.pending(), Some(Op::StepOver));
    assert_eq!(s.position().unwrap().depth, 1, "paused inside spin");
    let frames = s.frames();
    assert_eq!(frames.len(), 2);
    assert_eq!(frames[0].definition.name(), Some("spin"));
    assert!(frames[0].code_offset.is_some());
    assert!(
        matches!(frames[0].locals[0], Value::I32(n) if n < 100000),
        "the counter went down"
    );
    let mut slices = 1;
    while s.pending().is_some() {
        state = s.go_on(1000);
        slices += 1;
        assert!(slices < 10_000);
    }
    assert!(matches!(state, ExecutionState::Paused));
    assert!(slices > 10, "{slices} slices");
    // Back in main, after the call: the step ended where an unsliced one would.
    let p = s.position().unwrap();
    assert_eq!(p.depth, 0);
    assert!(p.code_offset > start.code_offset);
    assert!(!s.paused_by_budget());
    assert!(matches!(s.resume(), ExecutionState::Finished(r) if r == [1]));
}

#[test]
fn a_cancelled_operation_leaves_the_call_paused_and_the_next_one_starts_afresh() {
    let mut s = spinner();
    // The first function entered is main itself; the next one is spin.
    assert!(matches!(
        s.begin(Op::StepToNextCall, 1000),
        ExecutionState::Paused
    ));
    assert_eq!(s.position().unwrap().depth, 0);
    assert!(matches!(
        s.begin(Op::StepToNextCall, 1000),
        ExecutionState::Paused
    ));
    assert_eq!(
        s.pending(),
        None,
        "spin is entered before the budget runs out"
    );
    assert_eq!(s.position().unwrap().depth, 1);
    let names: Vec<String> = s
        .frames()
        .iter()
        .map(|f| f.definition.debug_name())
        .collect();
    assert!(names[0].contains("spin"), "{names:?}");
    assert!(matches!(s.begin(Op::StepOut, 500), ExecutionState::Paused));
    assert_eq!(s.pending(), Some(Op::StepOut));
    s.cancel();
    assert_eq!(s.pending(), None);
    assert_eq!(s.position().unwrap().depth, 1, "still in spin");
    // A fresh step into is one instruction, not the rest of the step out.
    assert!(matches!(
        s.begin(Op::StepInto, 1000),
        ExecutionState::Paused
    ));
    assert_eq!(s.pending(), None);
    assert_eq!(s.position().unwrap().depth, 1);
    // Continue in slices to the end.
    let mut state = s.begin(Op::Continue, 10_000);
    while s.pending().is_some() {
        state = s.go_on(10_000);
    }
    assert!(matches!(state, ExecutionState::Finished(r) if r == [1]));
}

/// divzero's loop over the buckets (line 56 prints each): a session stopped nowhere yet,
/// with a breakpoint there (number returned).
fn bucket_loop(args: &[&str]) -> (Stepper, u32) {
    use wasmscope_listeners::breakpoints::BreakpointLocation;
    let mut s = Stepper::new(&divzero(), wasmscope::wasi::instantiate).unwrap();
    let id = s
        .add_breakpoint(BreakpointLocation::parse("divzero/src/main.rs:56").unwrap())
        .unwrap();
    let mut all = vec!["divzero"];
    all.extend_from_slice(args);
    s.start(ModuleConfig::new().with_args(&all), "_start", &[])
        .unwrap();
    (s, id)
}

fn value_of(s: &Stepper, expr: &str) -> String {
    let frames = s.frames();
    s.evaluate(&frames[0], expr).value.unwrap_or_else(|e| e)
}

#[test]
fn a_conditional_breakpoint_stops_only_where_its_condition_holds() {
    let (mut s, id) = bucket_loop(&["a", "b", "c", "d"]);
    s.set_condition(id, Some("i == 2")).unwrap();
    assert!(matches!(s.resume(), ExecutionState::Paused));
    assert_eq!(value_of(&s, "i"), "2");
    assert_eq!(s.stopped_by(), [id]);
    // The hits count the times the condition held.
    assert_eq!(s.breakpoint(id).unwrap().hits, 1);
    assert!(matches!(s.resume(), ExecutionState::Finished(_)));
    // A syntax error is refused when the condition is set.
    assert!(s.set_condition(id, Some("i ==")).is_err());
}

#[test]
fn hit_conditions_choose_which_hits_stop() {
    use wasmscope_listeners::breakpoints::HitCondition;
    let (mut s, id) = bucket_loop(&["a", "b", "c", "d"]);
    s.set_hit_condition(id, Some(HitCondition::parse(">=3").unwrap()))
        .unwrap();
    let mut seen = Vec::new();
    while matches!(s.resume(), ExecutionState::Paused) {
        seen.push(value_of(&s, "i"));
    }
    assert_eq!(seen, ["2", "3"]);
    assert_eq!(s.breakpoint(id).unwrap().hits, 4);
}

#[test]
fn a_logpoint_prints_and_goes_on() {
    let (mut s, id) = bucket_loop(&["a", "b", "c"]);
    s.set_log_message(id, Some("bucket {i} holds {*s}, {{braces}}, {nope}"))
        .unwrap();
    assert!(matches!(s.resume(), ExecutionState::Finished(_)));
    assert_eq!(
        s.take_log(),
        [
            "bucket 0 holds 334, {braces}, <no variable named nope in scope>",
            "bucket 1 holds 333, {braces}, <no variable named nope in scope>",
            "bucket 2 holds 333, {braces}, <no variable named nope in scope>",
        ]
    );
    assert!(s.take_log().is_empty());
    assert!(s.set_log_message(id, Some("{i +}")).is_err());
}

#[test]
fn an_error_in_a_condition_stops_and_says_so() {
    let (mut s, id) = bucket_loop(&["a"]);
    s.set_condition(id, Some("missing > 1")).unwrap();
    assert!(matches!(s.resume(), ExecutionState::Paused));
    let log = s.take_log();
    assert_eq!(
        log,
        [format!(
            "breakpoint {id}: error in condition `missing > 1`: no variable named missing in scope"
        )]
    );
}

#[test]
fn disabled_and_removed_breakpoints_do_not_stop() {
    let (mut s, id) = bucket_loop(&["a", "b"]);
    s.set_enabled(id, false).unwrap();
    assert!(matches!(s.resume(), ExecutionState::Finished(_)));
    let (mut s, id) = bucket_loop(&["a", "b"]);
    assert!(matches!(s.resume(), ExecutionState::Paused));
    assert!(s.remove_breakpoint(id));
    assert!(s.breakpoints().is_empty());
    assert!(matches!(s.resume(), ExecutionState::Finished(_)));
}

#[test]
fn a_function_breakpoint_by_its_source_name() {
    use wasmscope_listeners::breakpoints::BreakpointLocation;
    let mut s = Stepper::new(&divzero(), wasmscope::wasi::instantiate).unwrap();
    for name in ["share", "divzero::share"] {
        assert!(s
            .resolve(&BreakpointLocation::Function(name.into()))
            .is_ok());
    }
    assert_eq!(
        s.add_breakpoint(BreakpointLocation::Function("no_such_fn".into())),
        Err("no function named no_such_fn".into())
    );
    assert_eq!(
        s.add_breakpoint(BreakpointLocation::parse("divzero/src/main.rs:1").unwrap()),
        Err("no code at line 1 of a file named like \"divzero/src/main.rs\"".into())
    );
    s.add_breakpoint(BreakpointLocation::Function("share".into()))
        .unwrap();
    s.start(
        ModuleConfig::new().with_args(&["divzero", "a"]),
        "_start",
        &[],
    )
    .unwrap();
    assert!(matches!(s.resume(), ExecutionState::Paused));
    let f = s.frames()[0].definition.name().map(wasmscope::demangle);
    assert_eq!(f.as_deref(), Some("divzero::share"));
    assert_eq!(value_of(&s, "total"), "1000");
}

/// A line step run in slices of one unit of work (the workbench's way) ends where the
/// whole line step does.
#[test]
fn a_line_step_in_slices() {
    use wasmscope::LineStep;
    let (mut whole, _) = bucket_loop(&["a", "b"]);
    whole.resume();
    whole.step_line(LineStep::Over);
    let want = whole.position();
    let (mut sliced, _) = bucket_loop(&["a", "b"]);
    sliced.resume();
    sliced.clear_breakpoints();
    let mut state = sliced.begin(Op::Line(LineStep::Over), 1);
    let mut slices = 1;
    while sliced.pending().is_some() {
        state = sliced.go_on(1);
        slices += 1;
    }
    assert!(matches!(state, ExecutionState::Paused));
    assert!(slices > 1);
    assert_eq!(sliced.position(), want);
}

/// A breakpoint on an instruction in the middle of the current line stops a `next` there
/// (the line step's sub-step ends on it; the filter is asked and counts the hit).
#[test]
fn a_breakpoint_in_the_middle_of_a_line_stops_a_line_step() {
    use wasmscope::LineStep;
    use wasmscope_listeners::breakpoints::BreakpointLocation;
    let paused = || {
        let mut s = Stepper::new(&divzero(), wasmscope::wasi::instantiate).unwrap();
        s.break_at_line("divzero/src/main.rs", 54);
        s.start(
            ModuleConfig::new().with_args(&["divzero", "a"]),
            "_start",
            &[],
        )
        .unwrap();
        assert!(matches!(s.resume(), ExecutionState::Paused));
        s
    };
    // The next instruction of the same line.
    let mut s = paused();
    let here = s.position().unwrap().code_offset.unwrap();
    s.step_over();
    let mid = s.position().unwrap().code_offset.unwrap();
    assert_ne!(here, mid);
    assert_eq!(line(&s), Some(54));
    // From the line's start again, with a breakpoint at `mid`.
    let mut s = paused();
    let id = s.add_breakpoint(BreakpointLocation::Offset(mid)).unwrap();
    assert!(matches!(
        s.step_line(LineStep::Over),
        ExecutionState::Paused
    ));
    assert_eq!(s.position().unwrap().code_offset, Some(mid));
    assert_eq!(s.stopped_by(), [id]);
    assert_eq!(s.breakpoint(id).unwrap().hits, 1);
}

/// Run to cursor stops at its target even where a breakpoint's condition is false.
#[test]
fn run_to_cursor_stops_at_its_target_whatever_the_breakpoint_there_says() {
    let (mut s, id) = bucket_loop(&["a", "b", "c"]);
    s.set_condition(id, Some("i == 99")).unwrap();
    let offsets = s.breakpoint(id).unwrap().offsets;
    assert!(matches!(s.run_to(offsets[0]), ExecutionState::Paused));
    assert_eq!(value_of(&s, "i"), "0");
}

#[test]
fn a_functions_opening_line_stops_at_its_first_instruction() {
    // longloop's `fn step` (line 14): LLVM's only row for that line is at the body's
    // start, its local declarations, where no instruction is. The breakpoint goes to
    // the body's first instruction, and each call stops there.
    let wasm = std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../samples/programs/longloop.wasm"),
    )
    .unwrap();
    let mut s = Stepper::new(&wasm, wasmscope::wasi::instantiate).unwrap();
    s.start(
        ModuleConfig::new().with_args(&["longloop", "3", "1000"]),
        "_start",
        &[],
    )
    .unwrap();
    let offsets = s.break_at_line("longloop/src/main.rs", 14);
    assert_eq!(offsets.len(), 1, "{offsets:?}");
    assert!(s.compiled().is_instruction_start(offsets[0]));
    let step = s.compiled().functions_named("step");
    assert_eq!(
        step.iter()
            .map(|f| s.compiled().function_entry_offset(*f))
            .collect::<Vec<_>>(),
        vec![Some(offsets[0])]
    );
    // An offset where no instruction begins (the local declarations) is refused.
    let err = s
        .add_breakpoint(
            wasmscope_listeners::breakpoints::BreakpointLocation::Offset(offsets[0] - 1),
        )
        .unwrap_err();
    assert!(err.contains("no instruction begins"), "{err}");
    let mut stops = 0;
    while matches!(s.resume(), ExecutionState::Paused) {
        assert_eq!(s.position().unwrap().code_offset, Some(offsets[0]));
        stops += 1;
    }
    assert_eq!(stops, 3);
}

/// What a paused session shows: the instruction count, each frame's offset, locals and
/// operands.
fn shown(s: &Stepper) -> (u64, Vec<String>) {
    let frames = s
        .frames()
        .iter()
        .map(|f| format!("{:?} {:?} {:?}", f.code_offset, f.locals, f.operands))
        .collect();
    (s.instructions(), frames)
}

/// Steps back one instruction at a time, and jumps around the timeline, in a recorded
/// session: the replay shown goes back through its checkpoints (not a fresh replay each
/// time) and shows what a session that ran forward to the same count shows.
#[test]
fn steps_back_show_what_running_forward_to_there_shows() {
    let recorded = || {
        let mut s = Stepper::new(&divzero(), wasmscope::wasi::instantiate).unwrap();
        s.set_time_travel(true);
        s.start(
            ModuleConfig::new().with_args(&["divzero", "a", "b"]),
            "_start",
            &[],
        )
        .unwrap();
        s
    };
    let forward = |count: u64| {
        let mut s = recorded();
        assert!(matches!(s.go_to(count).unwrap(), ExecutionState::Paused));
        shown(&s)
    };
    let mut s = recorded();
    let now = 3000;
    assert!(matches!(s.go_to(now).unwrap(), ExecutionState::Paused));
    for back in 1..=25 {
        let state = s.reverse(Reverse::Instruction).unwrap();
        assert!(matches!(state, Some(ExecutionState::Paused)), "{state:?}");
        assert!(s.in_past());
        assert_eq!(shown(&s), forward(now - back), "{back} back");
    }
    for count in [10, 2500, 700, 2999, 1] {
        assert!(matches!(s.go_to(count).unwrap(), ExecutionState::Paused));
        assert_eq!(shown(&s), forward(count), "at {count}");
    }
    // One replay all along (named for the first made).
    assert!(
        s.module().unwrap().name().ends_with("~replay1"),
        "{}",
        s.module().unwrap().name()
    );
    // Forward to the present: the live call again.
    assert!(matches!(s.go_to(now).unwrap(), ExecutionState::Paused));
    assert!(!s.in_past());
    assert_eq!(shown(&s), forward(now));
}

/// A session's watchpoint (on the stack pointer, global 0) stops every run where it
/// changes, stays for the next run, and reverse-continue goes back to its previous hit.
#[test]
fn a_session_watchpoint_stops_each_run_and_reverse_continue_finds_its_hits() {
    use wasmscope_listeners::stepper::Watched;
    let mut s = Stepper::new(&divzero(), wasmscope::wasi::instantiate).unwrap();
    s.set_time_travel(true);
    let id = s.watch(Watched::Global(0));
    let config = || ModuleConfig::new().with_args(&["divzero", "a", "b"]);
    s.start(config(), "_start", &[]).unwrap();
    let mut hits = Vec::new();
    for _ in 0..3 {
        assert!(matches!(s.resume(), ExecutionState::Paused));
        let (hit_id, hit) = s.watch_hit().expect("stopped by the watchpoint");
        assert_eq!(hit_id, id);
        assert_ne!(hit.old, hit.new, "the stack pointer changed");
        hits.push(s.instructions());
    }
    assert!(hits[0] < hits[1] && hits[1] < hits[2], "{hits:?}");
    // Back to the previous hit, then the one before.
    assert!(matches!(
        s.reverse(Reverse::Continue).unwrap(),
        Some(ExecutionState::Paused)
    ));
    assert_eq!(s.instructions(), hits[1]);
    assert!(s.in_past());
    assert!(matches!(
        s.reverse(Reverse::Continue).unwrap(),
        Some(ExecutionState::Paused)
    ));
    assert_eq!(s.instructions(), hits[0]);
    // A new run: the watchpoint is still there, and stops where it stopped first.
    s.start(config().with_name("again"), "_start", &[]).unwrap();
    assert!(matches!(s.resume(), ExecutionState::Paused));
    assert_eq!(s.watch_hit().map(|(i, _)| i), Some(id));
    assert_eq!(s.instructions(), hits[0]);
    // Removed: the run goes to its end.
    assert!(s.unwatch(id));
    assert!(s.watched().is_empty());
    let end = s.resume();
    assert!(
        matches!(end, ExecutionState::Exited(0) | ExecutionState::Finished(_)),
        "{end:?}"
    );
}

/// The reverse line and call steps look back in growing windows: at the end of a long
/// loop (longloop, 5000 rounds), reverse-next lands on the loop's last line start, a
/// line step forward from there comes back, and reverse-finish from `step` (entered in
/// the last round) and then from `main` (entered before the loop, far back) find the
/// calls.
#[test]
fn reverse_steps_find_near_and_far_answers() {
    let wasm = std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../samples/programs/longloop.wasm"),
    )
    .unwrap();
    let mut s = Stepper::new(&wasm, wasmscope::wasi::instantiate).unwrap();
    s.set_time_travel(true);
    s.start(
        ModuleConfig::new()
            .with_args(&["longloop", "5000", "1000000"])
            .with_stdout(std::io::sink()),
        "_start",
        &[],
    )
    .unwrap();
    // The last line of main, after the loop.
    assert!(!s.break_at_line("longloop/src/main.rs", 33).is_empty());
    assert!(matches!(s.resume(), ExecutionState::Paused));
    assert_eq!(line(&s), Some(33));
    let now = s.instructions();
    assert!(now > 100_000, "{now}");
    s.clear_breakpoints();
    // Back one line in main: the loop's condition or body, just before.
    s.reverse(Reverse::Next).unwrap();
    let back = s.instructions();
    assert!(back < now && now - back < 200, "{back} of {now}");
    assert!(matches!(line(&s), Some(26..=32)), "{:?}", line(&s));
    // Forward by lines from there: back to line 33 at the same count.
    for _ in 0..10 {
        if s.instructions() >= now {
            break;
        }
        s.step_line(wasmscope::LineStep::Over);
    }
    assert_eq!(s.instructions(), now);
    assert_eq!(line(&s), Some(33));
    // Into `step` of the last round, then out of it backwards: the call in main.
    s.go_to(back).unwrap();
    let depth = s.position().unwrap().depth;
    let mut entered = false;
    for _ in 0..50 {
        s.step_into();
        if s.position().unwrap().depth > depth {
            entered = true;
            break;
        }
    }
    assert!(entered, "into step()");
    let inside = s.instructions();
    s.reverse(Reverse::Finish).unwrap();
    assert_eq!(s.position().unwrap().depth, depth);
    assert!(s.instructions() < inside && inside - s.instructions() < 50);
    // Out of main backwards: main was called before the loop, 10^5 instructions back.
    s.reverse(Reverse::Finish).unwrap();
    assert!(s.position().unwrap().depth < depth);
    assert!(s.instructions() < 5_000, "{}", s.instructions());
}

/// Time travel refuses a module that imports a table or a mutable global: a replay
/// would share them with the live call (and change them); its own are fine.
#[test]
fn time_travel_refuses_shared_tables_and_mutable_globals() {
    let provider = wat::parse_str(
        r#"(module (table (export "t") 1 funcref) (global (export "g") (mut i32) (i32.const 1))
                   (global (export "c") i32 (i32.const 2)))"#,
    )
    .unwrap();
    for (import, refused) in [
        (r#"(import "env" "t" (table 1 funcref))"#, Some("a table")),
        (
            r#"(import "env" "g" (global (mut i32)))"#,
            Some("a mutable global"),
        ),
        (r#"(import "env" "c" (global i32))"#, None),
    ] {
        let wasm = wat::parse_str(format!(
            r#"(module {import} (memory 1)
                 (func (export "run") (result i32) (local i32)
                   (local.set 0 (i32.const 5)) (local.set 0 (i32.const 6)) (local.get 0)))"#
        ))
        .unwrap();
        let provider = provider.clone();
        let mut s = Stepper::new(&wasm, move |rt| {
            rt.instantiate_with_config(&provider, ModuleConfig::new().with_name("env"))
                .map(|_| ())
        })
        .unwrap();
        s.set_time_travel(true);
        s.start(ModuleConfig::new(), "run", &[]).unwrap();
        s.step_into();
        s.step_into();
        s.step_into();
        match (s.reverse(Reverse::Instruction), refused) {
            (Err(e), Some(what)) => assert!(e.contains(&format!("imports {what}")), "{e}"),
            (Ok(Some(ExecutionState::Paused)), None) => assert!(s.in_past()),
            (other, _) => panic!("{import}: {other:?}"),
        }
    }
}

/// A session watchpoint with a condition stops only where it holds (in the frame the
/// hit pauses in), in the live call and in the past shown.
#[test]
fn a_watchpoint_condition_decides_where_it_stops() {
    use wasmscope_listeners::stepper::Watched;
    let session = |condition: Option<&str>| {
        let mut s = Stepper::new(&divzero(), wasmscope::wasi::instantiate).unwrap();
        s.set_time_travel(true);
        let id = s.watch(Watched::Global(0));
        s.set_watch_condition(id, condition.map(str::to_string));
        s.start(
            ModuleConfig::new().with_args(&["divzero", "a", "b"]),
            "_start",
            &[],
        )
        .unwrap();
        let mut stops = 0;
        while matches!(s.resume(), ExecutionState::Paused) {
            assert!(s.watch_hit().is_some());
            stops += 1;
        }
        stops
    };
    let all = session(None);
    assert!(all > 20, "{all}");
    assert_eq!(session(Some("0")), 0, "a condition that never holds");
    assert_eq!(session(Some("1 == 1")), all);
    // An error in the condition stops, as gdb does.
    assert_eq!(session(Some("no_such_name")), all);
    // In the past shown: back to the start, then on with a condition that never holds.
    let mut s = Stepper::new(&divzero(), wasmscope::wasi::instantiate).unwrap();
    s.set_time_travel(true);
    let id = s.watch(Watched::Global(0));
    s.start(
        ModuleConfig::new().with_args(&["divzero", "a", "b"]),
        "_start",
        &[],
    )
    .unwrap();
    for _ in 0..5 {
        assert!(matches!(s.resume(), ExecutionState::Paused));
    }
    let fifth = s.instructions();
    s.go_to(10).unwrap();
    assert!(s.in_past());
    s.set_watch_condition(id, Some("0".into()));
    assert_eq!(s.watch_condition(id).as_deref(), Some("0"));
    // On in the past: nothing stops before the present, where the live call waits.
    let state = s.resume();
    assert!(
        matches!(state, ExecutionState::Paused),
        "{state:?} at {} of {fifth}",
        s.instructions()
    );
    assert_eq!(s.instructions(), fifth);
}
