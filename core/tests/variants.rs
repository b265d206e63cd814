//! Code compiled with debug stepping runs plain code where nothing can stop and moves
//! frames to code with stop points where a step or a breakpoint may stop. These tests
//! check that every pause, however the run got there (slices, steps over and out,
//! breakpoints set while paused), is exactly the state that stepping one instruction at
//! a time reaches: same function, depth, offset, and the same locals and operands in
//! every frame.

mod common;

use common::next_stop;
use wasmscope::{
    Execution, ExecutionState, Module, Runtime, RuntimeConfig, StepMode, Value, ValueType,
};

/// Loops with a call inside (an operand held across it), recursion, and calls at
/// several depths.
const PROGRAM: &str = r#"(module
  (func $sq (param $x i32) (result i32)
    local.get $x
    local.get $x
    i32.mul)
  (func $sum (param $n i32) (result i32) (local $i i32) (local $acc i32)
    (block
      (loop
        local.get $i
        local.get $n
        i32.ge_u
        br_if 1
        local.get $acc
        local.get $i
        call $sq
        i32.add
        local.set $acc
        local.get $i
        i32.const 1
        i32.add
        local.set $i
        br 0))
    local.get $acc)
  (func $fib (param $n i32) (result i32)
    local.get $n
    i32.const 2
    i32.lt_u
    if (result i32)
      local.get $n
    else
      local.get $n
      i32.const 1
      i32.sub
      call $fib
      local.get $n
      i32.const 2
      i32.sub
      call $fib
      i32.add
    end)
  (func (export "main") (param $n i32) (result i32)
    local.get $n
    call $sum
    local.get $n
    call $fib
    i32.add))"#;

const N: u64 = 6;
/// sum of squares below 6 (55) plus fib(6) (8).
const RESULT: u64 = 63;

/// Everything a paused call shows.
#[derive(Clone, Debug, PartialEq)]
struct Snapshot {
    function: u32,
    depth: usize,
    offset: Option<u64>,
    frames: Vec<(Option<u64>, Vec<Value>, Vec<Value>)>,
}

fn snapshot(exec: &Execution) -> Snapshot {
    let p = exec.position().expect("paused");
    Snapshot {
        function: p.function_index,
        depth: p.depth,
        offset: p.code_offset,
        frames: exec
            .with_stack(|s| {
                s.frames()
                    .map(|f| (f.source_offset(), f.locals(), f.operands()))
                    .collect()
            })
            .expect("a stack"),
    }
}

fn setup() -> (Runtime, Module) {
    let rt = Runtime::with_config(RuntimeConfig::interpreter().with_debug_stepping(true));
    let m = rt.instantiate(&wat::parse_str(PROGRAM).unwrap()).unwrap();
    (rt, m)
}

fn start(m: &Module) -> Execution {
    m.exported_function("main")
        .unwrap()
        .start_call(&[N])
        .unwrap()
}

/// Every stop, one instruction at a time.
fn full_trace(m: &Module) -> Vec<Snapshot> {
    let mut exec = start(m);
    let mut trace = Vec::new();
    loop {
        match exec.step(StepMode::Instruction) {
            ExecutionState::Paused => trace.push(snapshot(&exec)),
            ExecutionState::Finished(r) => {
                assert_eq!(r, vec![RESULT]);
                return trace;
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn the_stack_is_readable_at_every_step() {
    let (_rt, m) = setup();
    let trace = full_trace(&m);
    assert!(trace.len() > 300, "{} stops", trace.len());
    assert!(trace.iter().any(|s| s.depth >= 4), "fib recurses");
    assert!(trace.iter().all(|s| !s.frames.is_empty()));
}

#[test]
fn a_slice_ends_at_a_state_that_stepping_reaches() {
    let (_rt, m) = setup();
    let trace = full_trace(&m);
    for budget in [1, 2, 3, 5, 8, 13] {
        let mut exec = start(&m);
        let mut cursor = 0usize;
        let mut pauses = 0;
        loop {
            match exec.resume_for(budget) {
                ExecutionState::Paused => {
                    assert!(exec.paused_by_budget());
                    pauses += 1;
                    let s = snapshot(&exec);
                    let Some(i) = trace[cursor..].iter().position(|t| *t == s) else {
                        panic!("budget {budget}: a pause stepping never reaches: {s:?}");
                    };
                    cursor += i;
                    // One instruction on from there is the next stop of the trace.
                    if pauses % 2 == 0 && cursor + 1 < trace.len() {
                        assert!(matches!(
                            exec.step(StepMode::Instruction),
                            ExecutionState::Paused
                        ));
                        cursor += 1;
                        assert_eq!(snapshot(&exec), trace[cursor], "budget {budget}");
                    }
                }
                ExecutionState::Finished(r) => {
                    assert_eq!(r, vec![RESULT]);
                    break;
                }
                other => panic!("{other:?}"),
            }
        }
        assert!(pauses >= 3, "budget {budget}: {pauses} pauses");
    }
}

#[test]
fn steps_over_out_and_to_calls_end_where_stepping_says() {
    let (_rt, m) = setup();
    let trace = full_trace(&m);
    let depths: Vec<usize> = trace.iter().map(|s| s.depth).collect();
    // A fixed pseudo-random walk of steps.
    for seed in 1..=12u64 {
        let mut x = seed;
        let mut exec = start(&m);
        assert!(matches!(
            exec.step(StepMode::Instruction),
            ExecutionState::Paused
        ));
        let mut cursor = 0usize;
        assert_eq!(snapshot(&exec), trace[0]);
        loop {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let mode = match (x >> 33) % 6 {
                0 => StepMode::Instruction,
                1 | 2 => StepMode::Over,
                3 => StepMode::Out,
                4 => StepMode::Entry,
                _ => StepMode::SiblingEntry,
            };
            let next = next_stop(&depths, cursor, mode);
            match (exec.step(mode), next) {
                (ExecutionState::Paused, Some(j)) => {
                    assert_eq!(
                        snapshot(&exec),
                        trace[j],
                        "seed {seed}, {mode:?} from {cursor}"
                    );
                    cursor = j;
                }
                (ExecutionState::Finished(r), None) => {
                    assert_eq!(r, vec![RESULT]);
                    break;
                }
                (state, next) => {
                    panic!("seed {seed}, {mode:?} from {cursor}: {state:?}, expected {next:?}")
                }
            }
        }
    }
}

#[test]
fn a_breakpoint_stops_at_every_pass_in_order() {
    let (_rt, m) = setup();
    let trace = full_trace(&m);
    let mut offsets: Vec<u64> = trace.iter().filter_map(|s| s.offset).collect();
    offsets.sort();
    offsets.dedup();
    assert!(offsets.len() > 30);
    for o in offsets {
        let expected: Vec<&Snapshot> = trace.iter().filter(|s| s.offset == Some(o)).collect();
        let mut exec = start(&m);
        exec.add_breakpoint(&m, o);
        let mut hits = 0;
        loop {
            match exec.resume_for(4) {
                ExecutionState::Paused if exec.paused_by_budget() => {}
                ExecutionState::Paused => {
                    assert_eq!(
                        &snapshot(&exec),
                        expected[hits],
                        "offset {o:#x}, hit {hits}"
                    );
                    hits += 1;
                }
                ExecutionState::Finished(r) => {
                    assert_eq!(r, vec![RESULT]);
                    break;
                }
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(hits, expected.len(), "offset {o:#x}");
    }
}

#[test]
fn a_breakpoint_set_while_paused_in_a_callee_stops_its_caller() {
    let (_rt, m) = setup();
    let trace = full_trace(&m);
    // $sq (function 0) at its first instruction, called from $sum's loop (function 1).
    let sq_entry = trace
        .iter()
        .find(|s| s.function == 0)
        .unwrap()
        .offset
        .unwrap();
    let in_sum: Vec<&Snapshot> = trace.iter().filter(|s| s.function == 1).collect();
    let mut exec = start(&m);
    exec.add_breakpoint(&m, sq_entry);
    assert!(matches!(exec.resume(), ExecutionState::Paused));
    let at = snapshot(&exec);
    let cursor = trace.iter().position(|t| *t == at).expect("in the trace");
    // Every offset of $sum after the call: the caller, entered before the breakpoint
    // was set, must stop there on its way back.
    exec.remove_breakpoint(&m, sq_entry);
    let after = trace[cursor..]
        .iter()
        .find(|s| s.function == 1)
        .expect("back in $sum");
    for s in &in_sum {
        exec.add_breakpoint(&m, s.offset.unwrap());
    }
    assert!(matches!(exec.resume(), ExecutionState::Paused));
    assert_eq!(&snapshot(&exec), after);
}

/// Traps with operands below the trapping instruction's own, from locals, constants
/// and computed values.
const TRAPS: &str = r#"(module
  (memory 1)
  (table 2 funcref)
  (func (export "div") (param $a i32) (param $b i32) (result i32)
    i32.const 7
    local.get $a
    local.get $a
    local.get $b
    i32.add
    drop
    i32.const 1000
    local.get $b
    i32.div_u
    i32.add
    i32.add)
  (func (export "load") (param $a i32) (param $b i32) (result i64)
    i64.const 5
    local.get $b
    local.get $a
    i32.const 65536
    i32.mul
    i32.load offset=4
    i64.extend_i32_u
    drop
    drop)
  ;; An element's address (`i32.shl` by a constant, `i32.add`) loaded: plain code fuses
  ;; the three into one instruction.
  (func (export "load_index") (param $a i32) (param $b i32) (result i64)
    i64.const 6
    local.get $b
    local.get $a
    i32.const 13
    i32.shl
    i32.add
    i64.load
    drop)
  ;; The same for an address plus a constant.
  (func (export "load_at") (param $a i32) (param $b i32) (result i64)
    i64.const 6
    local.get $a
    i32.const 65530
    i32.add
    i64.load
    drop)
  ;; A fused load whose value goes to a local: at the trap the local is untouched.
  (func (export "load_local") (param $a i32) (param $b i32) (result i64)
    (local $v i64)
    i64.const 6
    local.get $b
    local.get $a
    i32.const 13
    i32.shl
    i32.add
    i64.load
    local.set $v
    drop
    local.get $v)
;; Operands that plain code passes from one instruction to the next in a register (the
  ;; accumulator): at the trap they are in their slots.
  (func (export "div_acc") (param $a i32) (param $b i32) (result i32)
    i32.const 9
    local.get $a
    local.get $b
    i32.const 1
    i32.sub
    i32.div_s
    i32.add)
  (func (export "store_acc") (param $a i32) (param $b i32) (result i32)
    i32.const 4
    local.get $a
    i32.const 65536
    i32.mul
    local.get $b
    i32.const 5
    i32.add
    i32.store
    i32.const 0
    i32.add)
  (func (export "store_addr_acc") (param $a i32) (param $b i32) (result i32)
    i32.const 4
    local.get $a
    local.get $b
    i32.add
    local.get $b
    i32.store offset=65534
    i32.const 0
    i32.add)
  (func (export "trunc_acc") (param $a i32) (param $b i32) (result i32)
    i32.const 8
    local.get $a
    f64.convert_i32_s
    f64.const 1e10
    f64.mul
    i32.trunc_f64_s
    i32.add)
  ;; A store that traps while the accumulator holds a loaded value for the `br_table`
  ;; after it (`HELD`; `interp::code`'s `a_value_is_held_...` checks the translation): the
  ;; local the load wrote shows it.
  (func (export "held_store") (param $a i32) (param $b i32) (result i32) (local $x i32)
    i32.const 4
    i32.const 5
    i32.store
    block block
      local.get $a
      i32.load
      local.tee $x
      i32.const 9
      i32.gt_u
      br_if 0
      local.get $b
      local.get $a
      i32.store offset=65536
      local.get $x
      br_table 0 1
    end end
    local.get $x)
  ;; An f64 store whose value comes from the float accumulator (`f64.add` before it).
  (func (export "fstore_acc") (param $a i32) (param $b i32) (result i32)
    i32.const 4
    i32.const 65536
    local.get $a
    f64.convert_i32_u
    f64.const 0.5
    f64.add
    f64.store
    i32.const 0
    i32.add)
  (func (export "v128_load_acc") (param $a i32) (param $b i32) (result i32)
    local.get $b
    i32.const 1
    i32.add
    local.get $a
    i32.const 65536
    i32.mul
    v128.load
    drop)
  ;; A `v128.store` of a local's value: plain code reads the local (no copy to the
  ;; stack), and the trap shows the value as an operand all the same.
  (func (export "v128_store_local") (param $a i32) (param $b i32) (result i32)
    (local v128)
    v128.const i32x4 1 2 3 4
    local.set 2
    local.get $b
    local.get $a
    i32.const 65536
    i32.mul
    local.get 2
    v128.store
    drop
    i32.const 0)
  ;; A fused load that writes the local its index came from, the instruction before
  ;; having written that local in the accumulator only: at the trap the local holds what
  ;; that instruction wrote.
  (func (export "load_local_acc") (param $a i32) (param $b i32) (result i32)
    local.get $b
    i32.const 1
    i32.add
    local.set $b
    local.get $a
    local.get $b
    i32.const 2
    i32.shl
    i32.add
    i32.load
    local.set $b
    local.get $b)
  (func (export "indirect") (param $a i32) (param $b i32) (result i32)
    local.get $a
    f64.const 2.5
    drop
    local.get $b
    i32.const 3
    i32.add
    local.get $b
    call_indirect (param i32) (result i32)
    i32.add)
  (func (export "simd") (param $a i32) (param $b i32) (result i32)
    v128.const i32x4 1 2 3 4
    f64.const -0.5
    local.get $a
    local.get $b
    i32.div_s
    drop
    drop
    i32x4.extract_lane 3)
  (elem declare func $nothing)
  (func $nothing)
  (func (export "reftrap") (param $a i32) (param $b i32) (result i32)
    ref.func $nothing
    local.get $a
    local.get $b
    i32.div_u
    drop
    drop
    i32.const 0)
  (func (export "unreachable") (param $a i32) (param $b i32) (result i32)
    local.get $b
    local.get $a
    i32.const 9
    unreachable))"#;

#[test]
fn a_trap_in_plain_code_shows_the_operands_that_stepping_shows() {
    let (rt, _) = setup();
    let m = rt.instantiate(&wat::parse_str(TRAPS).unwrap()).unwrap();
    for (name, args) in [
        ("div", [3u64, 0]),
        ("load", [1, 2]),
        ("load_index", [8, 3]),
        ("load_at", [8, 3]),
        ("load_local", [8, 3]),
        // (-2^31 / -1 overflows: the divisor the accumulator held is not a zero.)
        ("div_acc", [0x8000_0000, 0]),
        ("store_acc", [1, 2]),
        ("store_addr_acc", [1, 2]),
        ("trunc_acc", [3, 0]),
        ("fstore_acc", [1, 0]),
        ("held_store", [4, 1]),
        ("v128_load_acc", [1, 0]),
        ("v128_store_local", [1, 9]),
        ("load_local_acc", [65532, 0]),
        ("indirect", [4, 1]),
        ("unreachable", [5, 6]),
        ("simd", [7, 0]),
        ("reftrap", [3, 0]),
    ] {
        let f = m.exported_function(name).unwrap();
        let trapped = |exec: &Execution| {
            exec.with_stack(|s| {
                s.frames()
                    .map(|f| (f.source_offset(), f.locals(), f.operands()))
                    .collect::<Vec<_>>()
            })
            .unwrap()
        };
        // Plain code: runs to the trap at once.
        let mut plain = f.start_call(&args).unwrap();
        assert!(
            matches!(plain.resume(), ExecutionState::Trapped(_)),
            "{name}"
        );
        // Debug code: one instruction at a time.
        let mut stepped = f.start_call(&args).unwrap();
        while let ExecutionState::Paused = stepped.step(StepMode::Instruction) {}
        assert!(stepped.is_done());
        let (a, b) = (trapped(&plain), trapped(&stepped));
        assert!(!b[0].2.is_empty(), "{name}: {b:?}");
        assert_eq!(a, b, "{name}");
        // Typed values, a vector as one.
        let expected = match name {
            "load" => vec![Value::I64(5), Value::I32(2), Value::I32(65536)],
            // 3 + (8 << 13) = 65539: the address the load was given.
            "load_index" => vec![Value::I64(6), Value::I32(65539)],
            "load_at" => vec![Value::I64(6), Value::I32(65538)],
            "div_acc" => vec![Value::I32(9), Value::I32(i32::MIN), Value::I32(-1)],
            "store_acc" => vec![Value::I32(4), Value::I32(65536), Value::I32(7)],
            "store_addr_acc" => vec![Value::I32(4), Value::I32(3), Value::I32(2)],
            "trunc_acc" => vec![Value::I32(8), Value::F64(3e10)],
            "fstore_acc" => vec![Value::I32(4), Value::I32(65536), Value::F64(1.5)],
            "held_store" => {
                assert_eq!(b[0].1[2], Value::I32(5), "{name}: the local");
                vec![Value::I32(1), Value::I32(4)]
            }
            "v128_load_acc" => vec![Value::I32(1), Value::I32(65536)],
            "load_local" => {
                assert_eq!(b[0].1[2], Value::I64(0), "{name}: the local");
                vec![Value::I64(6), Value::I32(65539)]
            }
            "simd" => vec![
                Value::V128(0x0000_0004_0000_0003_0000_0002_0000_0001),
                Value::F64(-0.5),
                Value::I32(7),
                Value::I32(0),
            ],
            "reftrap" => {
                // `ref.func` gives a non-nullable reference: still a funcref.
                let types: Vec<_> = b[0].2.iter().map(|v| v.ty()).collect();
                assert_eq!(
                    types,
                    [ValueType::FuncRef, ValueType::I32, ValueType::I32],
                    "{name}"
                );
                assert_ne!(b[0].2[0], Value::FuncRef(None), "not null");
                continue;
            }
            _ => continue,
        };
        assert_eq!(b[0].2, expected, "{name}");
    }
}

/// Pauses at the entry of the function named `sq`.
struct PauseAtSq;
impl wasmscope::listener::FunctionListenerFactory for PauseAtSq {
    fn new_listener(
        &self,
        def: &wasmscope::FunctionDefinition,
    ) -> Option<std::sync::Arc<dyn wasmscope::listener::FunctionListener>> {
        (def.name() == Some("sq")).then(|| {
            std::sync::Arc::new(PauseAtSq)
                as std::sync::Arc<dyn wasmscope::listener::FunctionListener>
        })
    }
}
impl wasmscope::listener::FunctionListener for PauseAtSq {
    fn before(
        &self,
        _: &wasmscope::listener::CallContext<'_>,
        _: &[u64],
        _: &wasmscope::listener::StackIterator<'_>,
    ) -> wasmscope::listener::ListenerAction {
        wasmscope::listener::ListenerAction::Pause
    }
}

#[test]
fn a_step_to_the_next_call_from_a_listener_pause_at_entry_stops_at_that_functions_start() {
    let rt = Runtime::with_config(
        RuntimeConfig::interpreter()
            .with_debug_stepping(true)
            .with_function_listener_factory(std::sync::Arc::new(PauseAtSq)),
    );
    let m = rt.instantiate(&wat::parse_str(PROGRAM).unwrap()).unwrap();
    let (_, plain) = setup();
    let sq_first = full_trace(&plain)
        .iter()
        .find(|s| s.function == 0)
        .unwrap()
        .offset;
    // Whether or not the function holds a breakpoint (debug or plain code when the
    // listener paused), the step ends at its first instruction.
    for breakpoint in [false, true] {
        let mut exec = start(&m);
        if breakpoint {
            // An offset of $sq that is never reached first: its last instruction.
            let last = full_trace(&plain)
                .iter()
                .filter(|s| s.function == 0)
                .map(|s| s.offset.unwrap())
                .max()
                .unwrap();
            exec.add_breakpoint(&m, last);
        }
        assert!(matches!(exec.resume(), ExecutionState::Paused));
        let p = exec.position().unwrap();
        assert_eq!(p.function_index, 0, "paused by the listener in $sq");
        assert!(matches!(exec.step(StepMode::Entry), ExecutionState::Paused));
        let p = exec.position().unwrap();
        assert_eq!(
            (p.function_index, p.code_offset),
            (0, sq_first),
            "breakpoint in $sq: {breakpoint}"
        );
        // The same call ($sq(0), the first), not the next one the listener pauses in.
        let locals = exec
            .with_stack(|s| s.frames().next().unwrap().locals())
            .unwrap();
        assert_eq!(
            locals,
            vec![Value::I32(0)],
            "breakpoint in $sq: {breakpoint}"
        );
    }
}

#[test]
fn running_out_of_fuel_at_a_block_start_shows_no_stale_operands() {
    // The `then` result stays in local 1's slot until the end label; jumps reach the
    // labels with other operands than the operator before them left.
    let wat = r#"(module (func (export "f") (param i32) (result i32) (local i32)
        (if (result i32) (local.get 0)
          (then (local.get 1))
          (else (i32.const 7)))
        (loop (result i32) (i32.const 1))
        i32.add))"#;
    let mut fuel_traps = 0;
    for fuel in 1..40 {
        let rt = Runtime::with_config(
            RuntimeConfig::interpreter()
                .with_debug_stepping(true)
                .with_fuel(fuel),
        );
        let m = rt.instantiate(&wat::parse_str(wat).unwrap()).unwrap();
        let mut exec = m.exported_function("f").unwrap().start_call(&[0]).unwrap();
        let ExecutionState::Trapped(e) = exec.resume() else {
            continue;
        };
        assert_eq!(e.trap_code(), Some(wasmscope::TrapCode::OutOfFuel));
        fuel_traps += 1;
        // Every fuel charge here is at the entry or at a label: no operand to show.
        let operands = exec
            .with_stack(|s| s.frames().next().unwrap().operands())
            .unwrap();
        assert_eq!(operands, [], "fuel {fuel}");
    }
    assert!(fuel_traps >= 2, "{fuel_traps} fuel traps");
}
