//! memory64 beyond the spec tests, on every engine: the sample, a memory larger than
//! 4 GiB used sparsely (an address above 4 GiB written and read), whole 64-bit address
//! checks, bulk operators with 64-bit operands, 64-bit tables.

mod common;

use wasmscope::{Runtime, TrapCode};

fn sample() -> Vec<u8> {
    common::wat_sample("memory64.wat")
}

#[test]
fn the_sample_addresses_with_64_bits() {
    if common::on_every_engine(the_sample_addresses_with_64_bits) {
        return;
    }
    let rt = Runtime::with_config(common::engine_config());
    let m = rt.instantiate(&sample()).unwrap();
    let call = |name: &str, args: &[u64]| m.exported_function(name).unwrap().call(args);
    assert_eq!(
        call("roundtrip", &[4096, u64::MAX - 1]).unwrap(),
        vec![u64::MAX - 1]
    );
    assert_eq!(call("pages", &[]).unwrap(), vec![1]);
    // At 4 GiB: past the end, not wrapped to 0.
    let e = call("load_at", &[1 << 32]).unwrap_err();
    assert_eq!(
        e.trap_code(),
        Some(TrapCode::OutOfBoundsMemoryAccess),
        "{e}"
    );
    assert_eq!(e.memory_access().unwrap().address, 1 << 32);
    // An address whose sum with the offset overflows 64 bits is out of bounds too.
    let e = call("load_at", &[u64::MAX - 3]).unwrap_err();
    assert_eq!(
        e.trap_code(),
        Some(TrapCode::OutOfBoundsMemoryAccess),
        "{e}"
    );
    // Growing past the default limit fails (-1 as an i64).
    assert_eq!(call("far_roundtrip", &[42]).unwrap(), vec![u64::MAX]);
    assert_eq!(call("grow", &[2]).unwrap(), vec![1]);
    assert_eq!(call("grow", &[1 << 40]).unwrap(), vec![u64::MAX]);
}

#[test]
fn a_memory_above_4_gib_is_used_sparsely() {
    if common::on_every_engine(a_memory_above_4_gib_is_used_sparsely) {
        return;
    }
    // Starts with 65537 pages: allocated zeroed, mapped only where touched.
    let wat = r#"(module
      (memory (export "memory") i64 65537)
      (func (export "far") (param i64) (result i64)
        (i64.store offset=100 (i64.const 4294967296) (local.get 0))
        (i64.load (i64.const 4294967396)))
      (func (export "fill_far") (param i64 i32 i64)
        (memory.fill (local.get 0) (local.get 1) (local.get 2)))
      (func (export "copy_far") (param i64 i64 i64)
        (memory.copy (local.get 0) (local.get 1) (local.get 2)))
      (func (export "byte") (param i64) (result i32) (i32.load8_u (local.get 0))))"#;
    let rt = Runtime::with_config(common::engine_config().with_memory_limit_pages(65537));
    let m = rt.instantiate(&wat::parse_str(wat).unwrap()).unwrap();
    let call = |name: &str, args: &[u64]| m.exported_function(name).unwrap().call(args);
    assert_eq!(
        call("far", &[0x1234_5678_9abc]).unwrap(),
        vec![0x1234_5678_9abc]
    );
    assert_eq!(m.memory().unwrap().size(), 65537 * 65536);
    // Bulk operators take 64-bit addresses and lengths.
    call("fill_far", &[(1 << 32) + 1000, 7, 16]).unwrap();
    assert_eq!(call("byte", &[(1 << 32) + 1015]).unwrap(), vec![7]);
    call("copy_far", &[5, (1 << 32) + 1000, 4]).unwrap();
    assert_eq!(call("byte", &[8]).unwrap(), vec![7]);
    let e = call("fill_far", &[(1 << 32) + 65530, 1, 100]).unwrap_err();
    assert_eq!(
        e.trap_code(),
        Some(TrapCode::OutOfBoundsMemoryAccess),
        "{e}"
    );
}

#[test]
fn tables_with_64_bit_indices() {
    if common::on_every_engine(tables_with_64_bit_indices) {
        return;
    }
    let wat = r#"
    (module
      (type $v (func (result i32)))
      (table $t i64 2 10 funcref)
      (table $e i64 0 externref)
      (func $seven (type $v) (i32.const 7))
      (elem (table $t) (i64.const 1) func $seven)
      (func (export "size") (result i64) (table.size $t))
      (func (export "grow") (param i64) (result i64) (table.grow $t (ref.null func) (local.get 0)))
      (func (export "grow_e") (param i64) (result i64) (table.grow $e (ref.null extern) (local.get 0)))
      (func (export "is_null") (param i64) (result i32) (ref.is_null (table.get $t (local.get 0))))
      (func (export "call") (param i64) (result i32) (call_indirect $t (type $v) (local.get 0)))
      (func (export "fill") (param i64 i64) (table.fill $t (local.get 0) (ref.func $seven) (local.get 1))))"#;
    let rt = Runtime::with_config(common::engine_config());
    let m = rt.instantiate(&wat::parse_str(wat).unwrap()).unwrap();
    let call = |name: &str, args: &[u64]| m.exported_function(name).unwrap().call(args);
    let trap = |name: &str, args: &[u64]| call(name, args).unwrap_err().trap_code();
    assert_eq!(call("size", &[]).unwrap(), vec![2]);
    assert_eq!(call("call", &[1]).unwrap(), vec![7]);
    assert_eq!(trap("call", &[0]), Some(TrapCode::UninitializedElement));
    // An index whose low 32 bits are in bounds is not.
    assert_eq!(
        trap("call", &[(1 << 32) | 1]),
        Some(TrapCode::UndefinedElement)
    );
    assert_eq!(
        trap("is_null", &[(1 << 32) | 1]),
        Some(TrapCode::OutOfBoundsTableAccess)
    );
    // Growing: the old size, or -1 as an i64.
    assert_eq!(call("grow", &[3]).unwrap(), vec![2]);
    assert_eq!(call("grow", &[6]).unwrap(), vec![u64::MAX]);
    assert_eq!(call("grow", &[u64::MAX]).unwrap(), vec![u64::MAX]);
    assert_eq!(call("grow", &[1 << 32]).unwrap(), vec![u64::MAX]);
    assert_eq!(call("grow_e", &[(1 << 32) + 1]).unwrap(), vec![u64::MAX]);
    assert_eq!(call("size", &[]).unwrap(), vec![5]);
    call("fill", &[3, 2]).unwrap();
    assert_eq!(call("call", &[4]).unwrap(), vec![7]);
    assert_eq!(
        trap("fill", &[4, (1 << 32) | 1]),
        Some(TrapCode::OutOfBoundsTableAccess)
    );
    // The API sees the type.
    assert!(m.tables()[0].table_type().table64);
}

#[test]
fn a_64_bit_table_is_linked_only_to_a_64_bit_table() {
    let rt = Runtime::new();
    rt.instantiate_with_config(
        &wat::parse_str(r#"(module (table (export "t") i64 1 funcref))"#).unwrap(),
        wasmscope::ModuleConfig::new().with_name("a"),
    )
    .unwrap();
    let e = rt
        .instantiate(&wat::parse_str(r#"(module (import "a" "t" (table 1 funcref)))"#).unwrap())
        .unwrap_err()
        .to_string();
    assert!(e.contains("table type mismatch"), "{e}");
    rt.instantiate(&wat::parse_str(r#"(module (import "a" "t" (table i64 1 funcref)))"#).unwrap())
        .unwrap();
}
