//! Multi-memory beyond the spec tests, on every engine: the sample's results, each
//! memory's own bounds in traps, `memory.copy` between memories, and the API's view of
//! several memories (`Module::memories`, `Caller::memory_at`).

mod common;

use wasmscope::{Caller, Runtime, TrapCode};

fn sample() -> Vec<u8> {
    common::wat_sample("multi_memory.wat")
}

#[test]
fn the_sample_uses_both_memories() {
    if common::on_every_engine(the_sample_uses_both_memories) {
        return;
    }
    let rt = Runtime::with_config(common::engine_config());
    let m = rt.instantiate(&sample()).unwrap();
    let call = |name: &str, args: &[u64]| m.exported_function(name).unwrap().call(args);
    assert_eq!(call("sum", &[0, 4]).unwrap(), vec![10]);
    assert_eq!(call("reverse_into_output", &[4]).unwrap(), vec![4]);
    assert_eq!(call("copy_out", &[8, 3]).unwrap(), vec![3]);
    assert_eq!(call("sizes", &[]).unwrap(), vec![1, 2]);
    let memories = m.memories();
    assert_eq!(memories.len(), 2);
    assert_eq!(memories[1].read(0, 4).unwrap(), [4, 3, 2, 1]);
    assert_eq!(memories[1].read(8, 3).unwrap(), b"abc");
    // Memory 0 is untouched by the writes to memory 1.
    assert_eq!(memories[0].read(0, 4).unwrap(), [1, 2, 3, 4]);
    assert_eq!(m.exported_memory("output").unwrap().size(), 2 * 65536);
    // Memory 1 has two pages: an address in its second page is in bounds there...
    assert_eq!(call("output_byte", &[65536 + 5]).unwrap(), vec![0]);
    // ...and past its end it traps, naming that memory's size.
    let e = call("output_byte", &[131072]).unwrap_err();
    assert_eq!(e.trap_code(), Some(TrapCode::OutOfBoundsMemoryAccess));
    assert_eq!(e.memory_access().unwrap().memory_size, 131072, "{e}");
}

#[test]
fn memory_copy_between_memories_checks_both_bounds() {
    if common::on_every_engine(memory_copy_between_memories_checks_both_bounds) {
        return;
    }
    let wat = r#"(module
      (memory $a 1)
      (memory $b 2)
      (data (memory $a) (i32.const 65530) "123456")
      (func (export "copy") (param i32 i32 i32)
        (memory.copy $b $a (local.get 0) (local.get 1) (local.get 2)))
      (func (export "b") (param i32) (result i32) (i32.load8_u $b (local.get 0))))"#;
    let rt = Runtime::with_config(common::engine_config());
    let m = rt.instantiate(&wat::parse_str(wat).unwrap()).unwrap();
    let call = |name: &str, args: &[u64]| m.exported_function(name).unwrap().call(args);
    // Into $b's second page, which $a does not have.
    call("copy", &[100_000, 65530, 6]).unwrap();
    assert_eq!(call("b", &[100_005]).unwrap(), vec![b'6' as u64]);
    // The source range leaves $a: a trap, nothing written.
    let e = call("copy", &[0, 65531, 6]).unwrap_err();
    assert_eq!(
        e.trap_code(),
        Some(TrapCode::OutOfBoundsMemoryAccess),
        "{e}"
    );
    assert_eq!(call("b", &[0]).unwrap(), vec![0]);
    // The destination range leaves $b.
    let e = call("copy", &[131_070, 65530, 6]).unwrap_err();
    assert_eq!(
        e.trap_code(),
        Some(TrapCode::OutOfBoundsMemoryAccess),
        "{e}"
    );
    assert_eq!(call("b", &[131_070]).unwrap(), vec![0]);
}

#[test]
fn a_host_function_reads_any_memory_of_its_caller() {
    if common::on_every_engine(a_host_function_reads_any_memory_of_its_caller) {
        return;
    }
    let rt = Runtime::with_config(common::engine_config());
    rt.new_host_module_builder("env")
        .new_function_builder()
        .with_func(|caller: Caller<'_>, p: u32| -> u32 {
            let second = caller.memory_at(1).map_or(0, |m| m[p as usize] as u32);
            let first = caller.memory().map_or(0, |m| m[p as usize] as u32);
            second * 1000 + first
        })
        .export("peek")
        .instantiate()
        .unwrap();
    let wat = r#"(module
      (import "env" "peek" (func $peek (param i32) (result i32)))
      (memory 1)
      (memory 1)
      (data (memory 0) (i32.const 3) "\07")
      (data (memory 1) (i32.const 3) "\09")
      (func (export "peek") (param i32) (result i32) (call $peek (local.get 0))))"#;
    let m = rt.instantiate(&wat::parse_str(wat).unwrap()).unwrap();
    let r = m.exported_function("peek").unwrap().call(&[3]).unwrap();
    assert_eq!(r, vec![9007]);
}
