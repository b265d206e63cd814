//! Memory bounds on every engine where the compiler leaves a check out because an
//! earlier one covers it: an access checked only on some paths (inside an `if`, an
//! `else`, a block left early, a loop) must still be checked after them, and a covered
//! access must still trap when the covering one would have.

mod common;

use wasmscope::{Runtime, TrapCode};

const WAT: &str = r#"(module
  (memory 1)
  ;; The load in `then` does not cover the one after `end`.
  (func (export "if_then") (param $a i32) (param $c i32) (result i32)
    (if (local.get $c) (then (drop (i32.load (local.get $a)))))
    (i32.load (local.get $a)))
  ;; Nor does the one in `else`, nor the one in `then` cover `else`.
  (func (export "if_else") (param $a i32) (param $c i32) (result i32)
    (if (result i32) (local.get $c)
      (then (i32.load (local.get $a)))
      (else (i32.load offset=4 (local.get $a)))))
  ;; A block left before its load: the load after the block is checked.
  (func (export "block_exit") (param $a i32) (param $c i32) (result i32)
    (block $out
      (br_if $out (local.get $c))
      (drop (i32.load (local.get $a))))
    (i32.load (local.get $a)))
  ;; A loop body's check does not cover the code after the loop (zero iterations).
  (func (export "loop") (param $a i32) (param $n i32) (result i32)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $n)))
        (drop (i32.load (local.get $a)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l)))
    (i32.load (local.get $a)))
  ;; A larger access after a smaller one is checked; a smaller one after a larger one
  ;; is covered (and cannot fail once the larger one passed).
  (func (export "wider") (param $a i32) (result i64)
    (drop (i32.load8_u (local.get $a)))
    (i64.load (local.get $a)))
  (func (export "narrower") (param $a i32) (result i32)
    (drop (i64.load (local.get $a)))
    (i32.load8_u offset=7 (local.get $a)))
  ;; Memory grows: a check before the growth still covers after it.
  (func (export "grown") (param $a i32) (result i32)
    (drop (i32.load (local.get $a)))
    (drop (memory.grow (i32.const 1)))
    (i32.load (local.get $a)))
)"#;

fn oob(result: Result<Vec<u64>, wasmscope::Error>) -> bool {
    matches!(result, Err(e) if e.trap_code() == Some(TrapCode::OutOfBoundsMemoryAccess))
}

#[test]
fn accesses_checked_on_some_paths_are_checked_after_them() {
    if common::on_every_engine(accesses_checked_on_some_paths_are_checked_after_them) {
        return;
    }
    let rt = Runtime::with_config(common::engine_config());
    let m = rt.instantiate(&wat::parse_str(WAT).unwrap()).unwrap();
    let call = |name: &str, args: &[u64]| m.exported_function(name).unwrap().call(args);
    let far = 70_000u64; // past the first page
    let edge = 65_533u64; // an i32 at it ends past the page
    for (name, args) in [
        ("if_then", [far, 0]),
        ("if_then", [edge, 0]),
        ("if_else", [far, 1]),
        ("if_else", [65_530, 0]),
        ("block_exit", [far, 1]),
        ("loop", [far, 0]),
    ] {
        assert!(oob(call(name, &args)), "{name}{args:?} traps");
    }
    assert_eq!(call("if_then", &[8, 1]).unwrap(), vec![0]);
    assert_eq!(call("if_else", &[65_528, 0]).unwrap(), vec![0]);
    assert_eq!(call("loop", &[8, 3]).unwrap(), vec![0]);
    assert!(oob(call("loop", &[far, 2])), "the first iteration traps");
    assert!(oob(call("wider", &[65_530])), "the i64 load traps");
    assert_eq!(call("wider", &[65_528]).unwrap(), vec![0]);
    assert!(oob(call("narrower", &[65_530])));
    assert_eq!(call("narrower", &[65_528]).unwrap(), vec![0]);
    assert_eq!(call("grown", &[65_532]).unwrap(), vec![0]);
}
