//! Watchpoints (`Execution::add_watchpoint`, `add_global_watchpoint`): where a watched
//! range changes, checked against a reference made by stepping every instruction and
//! comparing the bytes; reads; globals; a host function's write; removal.

use wasmscope::{
    Execution, ExecutionState, LineStep, Module, Runtime, RuntimeConfig, StepMode, WatchKind,
};

/// Writes memory in several ways: byte stores in a loop (some of the same value), a
/// 32-bit store across the range's edge, `memory.fill`, a store in a called function,
/// loads of the range, and a global set twice to the same value then changed.
const WRITER: &str = r#"(module
  (memory (export "memory") 1)
  (global $g (export "g") (mut i32) (i32.const 5))
  (func $poke (param $at i32) (param $v i32)
    (i32.store8 (local.get $at) (local.get $v)))
  (func $peek (param $at i32) (result i32)
    (i32.load8_u (local.get $at)))
  (func (export "run") (result i32) (local $i i32) (local $sum i32)
    (loop
      (i32.store8 (i32.add (i32.const 96) (local.get $i))
                  (i32.and (local.get $i) (i32.const 1)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if 0 (i32.lt_u (local.get $i) (i32.const 12))))
    (i32.store (i32.const 102) (i32.const 0x01020304))
    (global.set $g (i32.const 5))
    (call $poke (i32.const 100) (i32.const 9))
    (global.set $g (i32.const 5))
    (memory.fill (i32.const 98) (i32.const 7) (i32.const 8))
    (global.set $g (i32.const 6))
    (local.set $sum (call $peek (i32.const 101)))
    (local.set $sum (i32.add (local.get $sum) (i32.load (i32.const 200))))
    (local.set $sum (i32.add (local.get $sum) (i32.load16_u (i32.const 99))))
    (call $poke (i32.const 101) (i32.const 7))
    (local.get $sum)))"#;

fn instance() -> Module {
    let rt = Runtime::with_config(RuntimeConfig::interpreter().with_debug_stepping(true));
    rt.instantiate(&wat::parse_str(WRITER).unwrap()).unwrap()
}

fn start(m: &Module) -> Execution {
    m.exported_function("run").unwrap().start_call(&[]).unwrap()
}

/// `(function, code offset)` where the call is paused.
fn here(e: &Execution) -> (u32, Option<u64>) {
    let p = e.position().unwrap();
    (p.function_index, p.code_offset)
}

fn bytes(m: &Module, at: u64, len: u64) -> Vec<u8> {
    m.memory().unwrap().read_at(at, len).unwrap()
}

/// A place where the watched range changed: where the call is after the writing
/// instruction, the writer's code offset, the bytes before and after.
type Change = ((u32, Option<u64>), Option<u64>, Vec<u8>, Vec<u8>);

/// The reference: every instruction stepped, the range compared after each.
fn reference(at: u64, len: u64) -> Vec<Change> {
    let m = instance();
    let mut e = start(&m);
    let mut last = bytes(&m, at, len);
    let mut out = Vec::new();
    let mut before = None;
    loop {
        match e.step(StepMode::Instruction) {
            ExecutionState::Paused => {}
            ExecutionState::Finished(_) => return out,
            other => panic!("{other:?}"),
        }
        let now = bytes(&m, at, len);
        if now != last {
            out.push((here(&e), before, last.clone(), now.clone()));
            last = now;
        }
        before = here(&e).1;
    }
}

#[test]
fn a_write_watchpoint_stops_where_stepping_sees_the_bytes_change() {
    for (at, len) in [(100, 4), (96, 1), (97, 1), (105, 8), (300, 4)] {
        let want = reference(at, len);
        let m = instance();
        let mut e = start(&m);
        let id = e.add_watchpoint(&m, 0, at, len, WatchKind::Write);
        let mut got = Vec::new();
        loop {
            match e.resume() {
                ExecutionState::Paused => {}
                ExecutionState::Finished(_) => break,
                other => panic!("{other:?}"),
            }
            let hit = e.watchpoint_hit().expect("paused by the watchpoint");
            assert_eq!(hit.id, id);
            assert!(!hit.read);
            assert_eq!(hit.new, bytes(&m, at, len), "the bytes as they are now");
            got.push((here(&e), hit.code_offset, hit.old, hit.new));
        }
        assert_eq!(got, want, "range {at}+{len}");
        match at {
            // 96 is only ever given the 0 it has (a store of the same value: no stop).
            96 | 300 => assert!(got.is_empty(), "{at}: {got:?}"),
            // The loop (1), the 32-bit store, poke, memory.fill, poke.
            100 => assert!(got.len() >= 4, "{got:?}"),
            _ => assert!(!got.is_empty()),
        }
    }
}

#[test]
fn a_read_watchpoint_stops_after_each_load_that_touches_the_range() {
    let m = instance();
    let mut e = start(&m);
    e.add_watchpoint(&m, 0, 100, 2, WatchKind::Read);
    let mut reads = Vec::new();
    loop {
        match e.resume() {
            ExecutionState::Paused => {}
            ExecutionState::Finished(r) => {
                // peek(101) = 7 (fill), load(200) = 0, load16_u(99) = 0x0707.
                assert_eq!(r, vec![7 + 0x0707]);
                break;
            }
            other => panic!("{other:?}"),
        }
        let hit = e.watchpoint_hit().unwrap();
        assert!(hit.read);
        assert_eq!(hit.old, hit.new);
        reads.push(hit.new);
    }
    // peek's load8_u of 101 and the load16_u of 99..101; not the load of 200, nor the
    // stores (no change stops a read watchpoint).
    assert_eq!(reads, vec![vec![7, 7], vec![7, 7]]);

    // Access: the changes and the reads.
    let m = instance();
    let mut e = start(&m);
    e.add_watchpoint(&m, 0, 101, 1, WatchKind::Access);
    let (mut changes, mut loads) = (0, 0);
    while let ExecutionState::Paused = e.resume() {
        if e.watchpoint_hit().unwrap().read {
            loads += 1;
        } else {
            changes += 1;
        }
    }
    // peek(101) (load16_u(99) reads 99 and 100).
    assert_eq!(loads, 1);
    // The loop's 1 (i = 5), memory.fill's 7; not the 32-bit store (102..106), nor
    // poke(101, 7) (the 7 already there).
    assert_eq!(changes, 2);
}

#[test]
fn a_global_watchpoint_stops_when_its_value_changes() {
    let m = instance();
    let mut e = start(&m);
    let id = e.add_global_watchpoint(&m, 0);
    assert!(matches!(e.resume(), ExecutionState::Paused));
    let hit = e.watchpoint_hit().unwrap();
    assert_eq!(hit.id, id);
    // 5 -> 6 (the two sets of 5 changed nothing).
    assert_eq!((hit.old[0], hit.new[0]), (5, 6));
    assert_eq!(hit.old.len(), 16);
    assert!(matches!(e.resume(), ExecutionState::Finished(_)));
}

#[test]
fn removed_watchpoints_stop_nothing_and_steps_end_at_a_hit() {
    let m = instance();
    let mut e = start(&m);
    let id = e.add_watchpoint(&m, 0, 98, 8, WatchKind::Write);
    assert!(matches!(e.resume(), ExecutionState::Paused));
    assert!(e.remove_watchpoint(id));
    assert!(!e.remove_watchpoint(id));
    assert!(matches!(e.resume(), ExecutionState::Finished(_)));

    // A line step (no DWARF: an instruction step at a time) that meets a change ends
    // there, as a step over a call that writes does.
    let m = instance();
    let mut e = start(&m);
    e.add_watchpoint(&m, 0, 100, 1, WatchKind::Write);
    let mut hits = 0;
    for _ in 0..10_000 {
        match e.step_line(LineStep::Over) {
            ExecutionState::Paused => hits += e.watchpoint_hit().is_some() as u32,
            ExecutionState::Finished(_) => break,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(hits, reference(100, 1).len() as u32);
}

#[test]
fn a_host_functions_write_stops_after_the_call() {
    let rt = Runtime::with_config(RuntimeConfig::interpreter().with_debug_stepping(true));
    wasmscope::wasi::instantiate(&rt).unwrap();
    let wasm = wat::parse_str(
        r#"(module
          (import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))
          (memory (export "memory") 1)
          (func (export "run") (result i32)
            (drop (call $random (i32.const 64) (i32.const 16)))
            (i32.load (i32.const 72))))"#,
    )
    .unwrap();
    let m = rt.instantiate(&wasm).unwrap();
    let mut e = m.exported_function("run").unwrap().start_call(&[]).unwrap();
    e.add_watchpoint(&m, 0, 72, 4, WatchKind::Write);
    assert!(matches!(e.resume(), ExecutionState::Paused));
    let hit = e.watchpoint_hit().unwrap();
    assert_eq!(hit.old, vec![0; 4]);
    assert_eq!(hit.new, bytes(&m, 72, 4));
    assert_ne!(hit.new, vec![0; 4], "random bytes");
    let call = hit.code_offset.unwrap();
    // Paused at the drop after the call: the writer is the call, just before.
    let (_, now) = here(&e);
    assert!(now.unwrap() > call, "{now:?} after the call at {call}");
    assert!(matches!(e.resume(), ExecutionState::Finished(_)));
}

/// A read watchpoint sees reads that are not loads: `memory.copy`'s source, and the
/// bytes a WASI call reads (`fd_write`'s iovec and the text it writes, a path); not the
/// bytes a call only writes (`fd_read`'s buffer), nor a copy's destination.
#[test]
fn a_read_watchpoint_sees_copies_and_the_bytes_a_wasi_call_reads() {
    let rt = Runtime::with_config(RuntimeConfig::interpreter().with_debug_stepping(true));
    wasmscope::wasi::instantiate(&rt).unwrap();
    let wasm = wat::parse_str(
        r#"(module
          (import "wasi_snapshot_preview1" "fd_write"
            (func $write (param i32 i32 i32 i32) (result i32)))
          (memory (export "memory") 1)
          ;; the iovec at 0: {buf 16, len 3}; the text at 16
          (data (i32.const 0) "\10\00\00\00\03\00\00\00")
          (data (i32.const 16) "hi\n")
          (func (export "run") (result i32)
            (memory.copy (i32.const 400) (i32.const 300) (i32.const 8))  ;; 300 read
            (memory.copy (i32.const 500) (i32.const 600) (i32.const 8))  ;; 500 written
            (drop (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 32)))
            (i32.const 7)))"#,
    )
    .unwrap();
    let stops = |at: u64, len: u64| {
        let m = rt
            .instantiate_module(
                &rt.compile_module(&wasm).unwrap(),
                wasmscope::ModuleConfig::new()
                    .with_name(&format!("m{at}"))
                    .with_stdout(std::io::sink()),
            )
            .unwrap();
        let mut e = m.exported_function("run").unwrap().start_call(&[]).unwrap();
        e.add_watchpoint(&m, 0, at, len, WatchKind::Read);
        let mut hits = Vec::new();
        while matches!(e.resume(), ExecutionState::Paused) {
            let hit = e.watchpoint_hit().expect("a watchpoint's pause");
            assert!(hit.read);
            hits.push(hit.code_offset.unwrap());
        }
        hits
    };
    // The first copy's source; the call's text and its iovec: one stop each.
    let copy = stops(302, 2);
    assert_eq!(copy.len(), 1, "{copy:?}");
    let text = stops(17, 1);
    let iovec = stops(4, 4);
    assert_eq!(text.len(), 1, "{text:?}");
    assert_eq!(text, iovec, "both read by the same call");
    assert!(text[0] > copy[0]);
    // A copy's destination and bytes nothing reads: no stop.
    assert!(stops(500, 8).is_empty());
    assert!(
        stops(32, 4).is_empty(),
        "fd_write's nwritten is written, not read"
    );
}

/// A read watchpoint on another memory than 0 sees that memory's loads (the generic
/// `Wide` instruction, as are 64-bit memories' loads), and not memory 0's loads at the
/// same addresses.
#[test]
fn a_read_watchpoint_sees_the_loads_of_another_memory() {
    let rt = Runtime::with_config(RuntimeConfig::interpreter().with_debug_stepping(true));
    let wasm = wat::parse_str(
        r#"(module
          (memory $a 1)
          (memory $b 1)
          (data (memory $b) (i32.const 40) "\05\06\07\08")
          (func (export "run") (result i32)
            (i32.add
              (i32.load $a (i32.const 40))
              (i32.add
                (i32.load8_u $b offset=1 (i32.const 40))
                (i32.load16_u $b (i32.const 50))))))"#,
    )
    .unwrap();
    let reads = |memory: u32, at: u64, len: u64| {
        let m = rt.instantiate(&wasm).unwrap();
        let mut e = m.exported_function("run").unwrap().start_call(&[]).unwrap();
        e.add_watchpoint(&m, memory, at, len, WatchKind::Read);
        let mut hits = Vec::new();
        loop {
            match e.resume() {
                ExecutionState::Paused => {
                    let hit = e.watchpoint_hit().expect("a watchpoint's pause");
                    assert!(hit.read);
                    hits.push(hit.new);
                }
                ExecutionState::Finished(r) => {
                    assert_eq!(r, vec![6]);
                    break hits;
                }
                other => panic!("{other:?}"),
            }
        }
    };
    // Memory 1's byte 41 (the load8_u at offset 1): one stop, with its bytes.
    assert_eq!(reads(1, 41, 1), vec![vec![6]]);
    // Its bytes 42..44, which no load reads; byte 50's load16_u.
    assert!(reads(1, 42, 2).is_empty());
    assert_eq!(reads(1, 51, 1), vec![vec![0]]);
    // Memory 0's byte 40: its own load; memory 1's loads are not its.
    assert_eq!(reads(0, 40, 4), vec![vec![0, 0, 0, 0]]);
    assert!(reads(0, 41, 1).len() == 1 && reads(0, 50, 2).is_empty());
}
