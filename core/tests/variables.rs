//! Source-level variables from DWARF (`wasmscope::variables`): scopes, location lists,
//! Wasm locals, constants, "optimised out", and a real paused frame.

use wasmscope::variables::{variables, FrameValues, Variable};
use wasmscope::Value;

fn divzero() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../samples/programs/divzero.wasm"
    ))
    .unwrap()
}

fn at(wasm: &[u8], offset: u64, locals: &[Value]) -> Vec<Variable> {
    at_with(wasm, offset, locals, &[])
}

fn at_with(wasm: &[u8], offset: u64, locals: &[Value], operands: &[Value]) -> Vec<Variable> {
    let frame = FrameValues {
        locals,
        operands,
        global: &|_| None,
        memory: &|_, _| None,
    };
    variables(wasm, offset, &frame).unwrap()
}

fn find<'a>(vars: &'a [Variable], name: &str) -> &'a Variable {
    vars.iter()
        .find(|v| v.name == name)
        .unwrap_or_else(|| panic!("no {name} in {vars:?}"))
}

/// `distribute(total, buckets)` of divzero (src/main.rs:43), optimised: `total` is the
/// constant 1000 (a location list of `DW_OP_constu`), `buckets` Wasm local 1, `each` local
/// 4 from offset 0x228 (the top of the operand stack just before).
#[test]
fn the_variables_of_an_optimised_rust_function() {
    let wasm = divzero();
    let locals: Vec<Value> = (0..8).map(|i| Value::I32(100 + i)).collect();
    let vars = at(&wasm, 0x230, &locals);
    let total = find(&vars, "total");
    assert_eq!(total.value, Ok("1000".into()));
    assert_eq!(total.type_name, "u32");
    assert!(total.is_parameter);
    assert_eq!(total.function.as_deref(), Some("distribute"));
    assert_eq!(find(&vars, "buckets").value, Ok("101".into()));
    let each = find(&vars, "each");
    assert_eq!(each.value, Ok("104".into()));
    assert!(!each.is_parameter);
    // Just before: `each` is the value on top of the operand stack
    // (`DW_OP_WASM_location 0x2 0`).
    let vars = at_with(&wasm, 0x226, &locals, &[Value::I32(7), Value::I32(55)]);
    assert_eq!(find(&vars, "each").value, Ok("55".into()));
    // Outside its lexical block, `each` is not in scope.
    let vars = at(&wasm, 0x1fa, &locals);
    assert!(vars.iter().all(|v| v.name != "each"), "{vars:?}");
    assert_eq!(find(&vars, "total").value, Ok("1000".into()));
}

#[test]
fn no_dwarf_or_no_function_means_no_variables() {
    let plain = wat::parse_str("(module (func))").unwrap();
    assert!(at(&plain, 0, &[]).is_empty());
    // An offset no subprogram covers.
    assert!(at(&divzero(), u64::MAX - 1, &[]).is_empty());
}

#[test]
fn a_missing_local_is_a_clear_entry_not_a_panic() {
    let vars = at(&divzero(), 0x230, &[]);
    let buckets = find(&vars, "buckets");
    assert!(
        buckets
            .value
            .as_ref()
            .is_err_and(|e| e.starts_with("cannot read")),
        "{buckets:?}"
    );
}
