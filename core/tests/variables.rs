//! Source-level variables from DWARF (`wasmscope::variables`): scopes, location lists,
//! Wasm locals, constants, "optimised out", and a real paused frame.

mod common;

use wasmscope::variables::{variables, FrameValues, Scope, Variable};
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

// ---- DWARF written for the test (gimli::write): every type class and location kind ----

use gimli::write::{Address, AttributeValue as A, DwarfUnit, Expression, UnitEntryId};
use gimli::{Encoding, Format};

/// `DW_OP_WASM_location 0 index` (a Wasm local).
fn wasm_local(index: u8) -> Vec<u8> {
    vec![0xed, 0x00, index]
}

const STACK_VALUE: u8 = 0x9f;
const FBREG: u8 = 0x91;
const PIECE: u8 = 0x93;

/// A module with one function and DWARF describing, in a subprogram `f` over the whole
/// code (frame base: Wasm local 0), a variable of each kind.
fn synthetic() -> Vec<u8> {
    let wasm = wat::parse_str("(module (func (export \"f\") (param i32 i32 i32 i32)))").unwrap();
    let encoding = Encoding {
        format: Format::Dwarf32,
        version: 4,
        address_size: 4,
    };
    let mut dwarf = DwarfUnit::new(encoding);
    let root = dwarf.unit.root();
    let add = |dwarf: &mut DwarfUnit, parent: UnitEntryId, tag, attrs: Vec<(gimli::DwAt, A)>| {
        let id = dwarf.unit.add(parent, tag);
        for (at, v) in attrs {
            dwarf.unit.get_mut(id).set(at, v);
        }
        id
    };
    let name = |s: &str| A::String(s.as_bytes().to_vec());
    // A base type: name, size, encoding.
    let base = |dwarf: &mut DwarfUnit, n: &str, size: u64, enc: gimli::DwAte| {
        add(
            dwarf,
            root,
            gimli::DW_TAG_base_type,
            vec![
                (gimli::DW_AT_name, name(n)),
                (gimli::DW_AT_byte_size, A::Udata(size)),
                (gimli::DW_AT_encoding, A::Encoding(enc)),
            ],
        )
    };
    let i32_ty = base(&mut dwarf, "i32", 4, gimli::DW_ATE_signed);
    let u16_ty = base(&mut dwarf, "u16", 2, gimli::DW_ATE_unsigned);
    let u64_ty = base(&mut dwarf, "u64", 8, gimli::DW_ATE_unsigned);
    let bool_ty = base(&mut dwarf, "bool", 1, gimli::DW_ATE_boolean);
    let point = add(
        &mut dwarf,
        root,
        gimli::DW_TAG_structure_type,
        vec![
            (gimli::DW_AT_name, name("Point")),
            (gimli::DW_AT_byte_size, A::Udata(8)),
        ],
    );
    for (field, at) in [("x", 0), ("y", 4)] {
        add(
            &mut dwarf,
            point,
            gimli::DW_TAG_member,
            vec![
                (gimli::DW_AT_name, name(field)),
                (gimli::DW_AT_type, A::UnitRef(i32_ty)),
                (gimli::DW_AT_data_member_location, A::Udata(at)),
            ],
        );
    }
    let color = add(
        &mut dwarf,
        root,
        gimli::DW_TAG_enumeration_type,
        vec![
            (gimli::DW_AT_name, name("Color")),
            (gimli::DW_AT_byte_size, A::Udata(4)),
        ],
    );
    for (n, v) in [("Red", 0), ("Green", 1)] {
        add(
            &mut dwarf,
            color,
            gimli::DW_TAG_enumerator,
            vec![
                (gimli::DW_AT_name, name(n)),
                (gimli::DW_AT_const_value, A::Udata(v)),
            ],
        );
    }
    let array = add(
        &mut dwarf,
        root,
        gimli::DW_TAG_array_type,
        vec![(gimli::DW_AT_type, A::UnitRef(u16_ty))],
    );
    add(
        &mut dwarf,
        array,
        gimli::DW_TAG_subrange_type,
        vec![(gimli::DW_AT_count, A::Udata(3))],
    );
    let ptr = add(
        &mut dwarf,
        root,
        gimli::DW_TAG_pointer_type,
        vec![
            (gimli::DW_AT_type, A::UnitRef(point)),
            (gimli::DW_AT_byte_size, A::Udata(4)),
        ],
    );
    let f = add(
        &mut dwarf,
        root,
        gimli::DW_TAG_subprogram,
        vec![
            (gimli::DW_AT_name, name("f")),
            (gimli::DW_AT_low_pc, A::Address(Address::Constant(0))),
            (gimli::DW_AT_high_pc, A::Udata(0x1000)),
            (
                gimli::DW_AT_frame_base,
                A::Exprloc(Expression::raw(wasm_local(0))),
            ),
        ],
    );
    let var = |dwarf: &mut DwarfUnit, n: &str, ty: Option<UnitEntryId>, loc: Option<Vec<u8>>| {
        let mut attrs = vec![(gimli::DW_AT_name, name(n))];
        if let Some(ty) = ty {
            attrs.push((gimli::DW_AT_type, A::UnitRef(ty)));
        }
        if let Some(loc) = loc {
            attrs.push((gimli::DW_AT_location, A::Exprloc(Expression::raw(loc))));
        }
        add(dwarf, f, gimli::DW_TAG_variable, attrs);
    };
    // In memory at the frame base + 8.
    var(&mut dwarf, "p", Some(point), Some(vec![FBREG, 8]));
    // In two pieces: locals 1 and 2, four bytes each.
    let mut pieces = wasm_local(1);
    pieces.extend([STACK_VALUE, PIECE, 4]);
    pieces.extend(wasm_local(2));
    pieces.extend([STACK_VALUE, PIECE, 4]);
    var(&mut dwarf, "wide", Some(u64_ty), Some(pieces));
    // A C enumeration in local 3.
    let mut l3 = wasm_local(3);
    l3.push(STACK_VALUE);
    var(&mut dwarf, "c", Some(color), Some(l3));
    // An array in memory at the frame base + 16.
    var(&mut dwarf, "a", Some(array), Some(vec![FBREG, 16]));
    // A pointer in memory at the frame base + 24.
    var(&mut dwarf, "ptr", Some(ptr), Some(vec![FBREG, 24]));
    // A Rust enum `Option<i32>`: a variant part whose discriminant (u32 at 0) picks
    // `None` (0) or `Some` (1, its `__0` at 4); in memory at the frame base + 32.
    let u32_ty = base(&mut dwarf, "u32", 4, gimli::DW_ATE_unsigned);
    let none = add(
        &mut dwarf,
        root,
        gimli::DW_TAG_structure_type,
        vec![
            (gimli::DW_AT_name, name("None")),
            (gimli::DW_AT_byte_size, A::Udata(8)),
        ],
    );
    let some = add(
        &mut dwarf,
        root,
        gimli::DW_TAG_structure_type,
        vec![
            (gimli::DW_AT_name, name("Some")),
            (gimli::DW_AT_byte_size, A::Udata(8)),
        ],
    );
    add(
        &mut dwarf,
        some,
        gimli::DW_TAG_member,
        vec![
            (gimli::DW_AT_name, name("__0")),
            (gimli::DW_AT_type, A::UnitRef(i32_ty)),
            (gimli::DW_AT_data_member_location, A::Udata(4)),
        ],
    );
    let option = add(
        &mut dwarf,
        root,
        gimli::DW_TAG_structure_type,
        vec![
            (gimli::DW_AT_name, name("Option<i32>")),
            (gimli::DW_AT_byte_size, A::Udata(8)),
        ],
    );
    let part = dwarf.unit.add(option, gimli::DW_TAG_variant_part);
    let discr = add(
        &mut dwarf,
        part,
        gimli::DW_TAG_member,
        vec![
            (gimli::DW_AT_type, A::UnitRef(u32_ty)),
            (gimli::DW_AT_data_member_location, A::Udata(0)),
        ],
    );
    dwarf
        .unit
        .get_mut(part)
        .set(gimli::DW_AT_discr, A::UnitRef(discr));
    for (v, n, ty) in [(0, "None", none), (1, "Some", some)] {
        let variant = add(
            &mut dwarf,
            part,
            gimli::DW_TAG_variant,
            vec![(gimli::DW_AT_discr_value, A::Udata(v))],
        );
        add(
            &mut dwarf,
            variant,
            gimli::DW_TAG_member,
            vec![
                (gimli::DW_AT_name, name(n)),
                (gimli::DW_AT_type, A::UnitRef(ty)),
                (gimli::DW_AT_data_member_location, A::Udata(0)),
            ],
        );
    }
    var(&mut dwarf, "opt", Some(option), Some(vec![FBREG, 32]));
    // The same type, holding None (zeros), at the frame base + 48.
    var(&mut dwarf, "nothing", Some(option), Some(vec![FBREG, 48]));
    // A Rust `&str` (pointer, length) at the frame base + 40, to "hi" at 0x150.
    let u8_ty = base(&mut dwarf, "u8", 1, gimli::DW_ATE_unsigned);
    let u8_ptr = add(
        &mut dwarf,
        root,
        gimli::DW_TAG_pointer_type,
        vec![
            (gimli::DW_AT_type, A::UnitRef(u8_ty)),
            (gimli::DW_AT_byte_size, A::Udata(4)),
        ],
    );
    let str_ty = add(
        &mut dwarf,
        root,
        gimli::DW_TAG_structure_type,
        vec![
            (gimli::DW_AT_name, name("&str")),
            (gimli::DW_AT_byte_size, A::Udata(8)),
        ],
    );
    for (n, ty, at) in [("data_ptr", u8_ptr, 0), ("length", u32_ty, 4)] {
        add(
            &mut dwarf,
            str_ty,
            gimli::DW_TAG_member,
            vec![
                (gimli::DW_AT_name, name(n)),
                (gimli::DW_AT_type, A::UnitRef(ty)),
                (gimli::DW_AT_data_member_location, A::Udata(at)),
            ],
        );
    }
    var(&mut dwarf, "s", Some(str_ty), Some(vec![FBREG, 40]));
    // A constant.
    let flag = dwarf.unit.add(f, gimli::DW_TAG_variable);
    dwarf
        .unit
        .get_mut(flag)
        .set(gimli::DW_AT_name, name("flag"));
    dwarf
        .unit
        .get_mut(flag)
        .set(gimli::DW_AT_type, A::UnitRef(bool_ty));
    dwarf
        .unit
        .get_mut(flag)
        .set(gimli::DW_AT_const_value, A::Udata(1));
    // No location: optimised out.
    var(&mut dwarf, "gone", Some(i32_ty), None);
    // A malformed expression (an operation cut short) and an unknown local.
    var(&mut dwarf, "cut", Some(i32_ty), Some(vec![0xed, 0x00]));
    var(&mut dwarf, "far", Some(i32_ty), Some(wasm_local(99)));
    // Memory out of bounds (the frame base + 4096).
    var(
        &mut dwarf,
        "outside",
        Some(i32_ty),
        Some(vec![FBREG, 0x80, 0x20]),
    );
    // No type.
    var(&mut dwarf, "untyped", None, Some(wasm_local(1)));
    // Sizes no value has: a struct of 2^40 bytes, an array of 2^64 - 1 elements.
    let huge = add(
        &mut dwarf,
        root,
        gimli::DW_TAG_structure_type,
        vec![
            (gimli::DW_AT_name, name("Huge")),
            (gimli::DW_AT_byte_size, A::Udata(1 << 40)),
        ],
    );
    var(&mut dwarf, "huge", Some(huge), Some(vec![FBREG, 0]));
    let endless = add(
        &mut dwarf,
        root,
        gimli::DW_TAG_array_type,
        vec![(gimli::DW_AT_type, A::UnitRef(i32_ty))],
    );
    add(
        &mut dwarf,
        endless,
        gimli::DW_TAG_subrange_type,
        vec![(gimli::DW_AT_count, A::Udata(u64::MAX))],
    );
    var(&mut dwarf, "endless", Some(endless), Some(vec![FBREG, 0]));
    common::with_dwarf_sections(&wasm, &mut dwarf)
}

/// The memory and locals of the synthetic frame: frame base (local 0) 0x100; the Point
/// (3, -4) at 0x108, the `[u16; 3]` at 0x110, the pointer 0x108 at 0x118, `Some(42)` at
/// 0x120, the &str (0x150, 2) at 0x128, "hi" at 0x150; 0x17f bytes of memory.
fn synthetic_memory() -> Vec<u8> {
    let mut mem = vec![0u8; 0x17f];
    mem[0x108..0x10c].copy_from_slice(&3i32.to_le_bytes());
    mem[0x10c..0x110].copy_from_slice(&(-4i32).to_le_bytes());
    for (i, v) in [7u16, 8, 9].iter().enumerate() {
        mem[0x110 + 2 * i..0x112 + 2 * i].copy_from_slice(&v.to_le_bytes());
    }
    mem[0x118..0x11c].copy_from_slice(&0x108u32.to_le_bytes());
    mem[0x120..0x124].copy_from_slice(&1u32.to_le_bytes());
    mem[0x124..0x128].copy_from_slice(&42i32.to_le_bytes());
    mem[0x128..0x12c].copy_from_slice(&0x150u32.to_le_bytes());
    mem[0x12c..0x130].copy_from_slice(&2u32.to_le_bytes());
    mem[0x150..0x152].copy_from_slice(b"hi");
    mem
}

const SYNTHETIC_LOCALS: [Value; 4] = [
    Value::I32(0x100),
    Value::I32(0x1111_2222),
    Value::I32(0x3333_4444),
    Value::I32(1),
];

/// Runs `f` on the synthetic module's scope at offset 1 over its frame.
fn in_synthetic_scope(f: impl FnOnce(&Scope<'_>)) {
    let wasm = synthetic();
    let mem = synthetic_memory();
    let read = move |a: u64, n: usize| mem.get(a as usize..a as usize + n).map(<[u8]>::to_vec);
    let frame = FrameValues {
        locals: &SYNTHETIC_LOCALS,
        operands: &[],
        global: &|_| None,
        memory: &read,
    };
    let scope = Scope::new(&wasm, 1, &frame).unwrap();
    f(&scope);
}

#[test]
fn expressions_over_a_frame() {
    in_synthetic_scope(expressions_over);
}

fn expressions_over(scope: &Scope<'_>) {
    let eval = |e: &str| scope.evaluate(e).value;
    let ok = |v: &str| Ok::<String, String>(v.to_string());
    let err = |v: &str| Err::<String, String>(v.to_string());
    for (expr, want) in [
        ("p.x", ok("3")),
        ("p.y * 2", ok("-8")),
        ("ptr->y", ok("-4")),
        ("(*ptr).x + p.x", ok("6")),
        ("ptr.x", ok("3")),
        ("*ptr", ok("Point { x: 3, y: -4 }")),
        ("a[1]", ok("8")),
        ("a[1 + 1] - a[0]", ok("2")),
        ("a[3]", err("index 3 is out of bounds: the length is 3")),
        ("a[-1]", err("index -1 is out of bounds: the length is 3")),
        ("&p", ok("0x108")),
        ("*&p", ok("Point { x: 3, y: -4 }")),
        ("&a[2]", ok("0x114")),
        ("*(&a[0] + 2)", ok("9")),
        ("&a[2] - &a[0]", ok("2")),
        ("s[1]", ok("105")),
        ("s[2]", err("index 2 is out of bounds: the length is 2")),
        ("opt.0", ok("42")),
        ("opt.0 * 2 == 84", ok("true")),
        ("nothing", ok("None")),
        ("nothing.0", err("None has no field 0")),
        ("p.z", err("Point has no field z")),
        ("q + 1", err("no variable named q in scope")),
        ("c", ok("Green")),
        ("(u8)wide", ok("34")),
        ("wide as u16", ok("8738")),
        ("wide >> 32 == 0x33334444", ok("true")),
        ("*(Point *)0x108", ok("Point { x: 3, y: -4 }")),
        ("(*(struct Point *)ptr).y", ok("-4")),
        ("p.x == 3 && flag", ok("true")),
        ("!flag || p.x < 0", ok("false")),
        ("1 / (p.x - 3)", err("division by zero")),
        ("gone", err("gone is optimised out here")),
        ("*p", err("a value of type Point is not a pointer")),
        ("p[0]", err("a value of type Point cannot be indexed")),
        ("(Nope)p", err("no type named Nope")),
        ("p +", err("expected a value at the end")),
        (
            "&flag",
            err("not in linear memory (a Wasm local or a constant): no address"),
        ),
        // Unsigned 64-bit values compare as themselves; results past u64 overflow.
        ("wide == 0x3333444411112222", ok("true")),
        ("0xffffffffffffffff + 1", err("integer overflow")),
        ("0xffffffffffffffff", ok("18446744073709551615")),
        // && and || short-circuit: the index past the end is never read.
        ("a[0] == 8 && a[9] == 1", ok("false")),
        ("p.x == 3 || a[9] == 0", ok("true")),
        (
            "a[0] == 7 && a[9] == 1",
            err("index 9 is out of bounds: the length is 3"),
        ),
        // Rust casts chain, and end where the expression goes on.
        ("wide as u16 as u8", ok("34")),
        ("p.x as i64 * 10", ok("30")),
    ] {
        assert_eq!(eval(expr), want, "{expr}");
    }
    let p = scope.evaluate("ptr");
    assert_eq!(p.points_to, Some(0x108));
    assert!(p.expandable);
    assert_eq!(scope.evaluate("p").address, Some(0x108));
    assert_eq!(scope.evaluate("&p").type_name, "*Point");
    assert_eq!(scope.evaluate("p.x > 1").type_name, "bool");
    assert_eq!(scope.test("p.x > 1"), Ok(true));
    assert_eq!(scope.test("a[0] == 8"), Ok(false));
    assert_eq!(
        scope.test("p"),
        Err("a value of type Point is not a number".into())
    );
}

#[test]
fn children_are_expressions() {
    in_synthetic_scope(children_of);
}

fn children_of(scope: &Scope<'_>) {
    let kids = |e: &str| -> Vec<(String, String, Result<String, String>)> {
        scope
            .children(e)
            .unwrap()
            .into_iter()
            .map(|c| (c.label, c.expression, c.value))
            .collect()
    };
    let row = |l: &str, e: &str, v: &str| (l.to_string(), e.to_string(), Ok(v.to_string()));
    assert_eq!(kids("p"), [row("x", "p.x", "3"), row("y", "p.y", "-4")]);
    assert_eq!(
        kids("a"),
        [
            row("[0]", "a[0]", "7"),
            row("[1]", "a[1]", "8"),
            row("[2]", "a[2]", "9")
        ]
    );
    assert_eq!(kids("ptr"), [row("*ptr", "*ptr", "Point { x: 3, y: -4 }")]);
    // A child's expression evaluates to the child: the tree expands by evaluation.
    assert_eq!(
        kids("*ptr"),
        [row("x", "(*ptr).x", "3"), row("y", "(*ptr).y", "-4")]
    );
    assert_eq!(kids("opt"), [row("0", "opt.0", "42")]);
    assert!(kids("nothing").is_empty());
    assert!(!scope.evaluate("nothing").expandable);
    assert!(kids("s").is_empty());
    assert!(kids("flag").is_empty());
    assert!(scope.evaluate("opt").expandable);
    // A long array: the first 1000 elements, then how many more.
    let endless = scope.children("endless").unwrap();
    assert_eq!(endless.len(), 1001);
    assert_eq!(endless[999].expression, "endless[999]");
    assert_eq!(
        endless[1000].value,
        Err(format!("{} more: evaluate endless[i]", u64::MAX - 1000))
    );
    assert_eq!(
        scope.children("q").unwrap_err(),
        "no variable named q in scope"
    );
}

#[test]
fn every_kind_of_type_and_location() {
    let wasm = synthetic();
    // Frame base (local 0) 0x100; memory: the Point (3, -4) at 0x108, the array at
    // 0x110, the pointer 0x108 at 0x118, in 0x17f bytes of memory.
    let mut mem = vec![0u8; 0x17f];
    mem[0x108..0x10c].copy_from_slice(&3i32.to_le_bytes());
    mem[0x10c..0x110].copy_from_slice(&(-4i32).to_le_bytes());
    for (i, v) in [7u16, 8, 9].iter().enumerate() {
        mem[0x110 + 2 * i..0x112 + 2 * i].copy_from_slice(&v.to_le_bytes());
    }
    mem[0x118..0x11c].copy_from_slice(&0x108u32.to_le_bytes());
    // Some(42) at 0x120; the &str (0x150, 2) at 0x128, "hi" at 0x150.
    mem[0x120..0x124].copy_from_slice(&1u32.to_le_bytes());
    mem[0x124..0x128].copy_from_slice(&42i32.to_le_bytes());
    mem[0x128..0x12c].copy_from_slice(&0x150u32.to_le_bytes());
    mem[0x12c..0x130].copy_from_slice(&2u32.to_le_bytes());
    mem[0x150..0x152].copy_from_slice(b"hi");
    let read = move |a: u64, n: usize| mem.get(a as usize..a as usize + n).map(<[u8]>::to_vec);
    let locals = [
        Value::I32(0x100),
        Value::I32(0x1111_2222),
        Value::I32(0x3333_4444),
        Value::I32(1),
    ];
    let frame = FrameValues {
        locals: &locals,
        operands: &[],
        global: &|_| None,
        memory: &read,
    };
    let vars = variables(&wasm, 1, &frame).unwrap();
    let value = |n: &str| find(&vars, n).value.clone();
    assert_eq!(value("p"), Ok("Point { x: 3, y: -4 }".into()));
    assert_eq!(find(&vars, "p").type_name, "Point");
    assert_eq!(value("wide"), Ok(0x3333_4444_1111_2222u64.to_string()));
    assert_eq!(value("c"), Ok("Green".into()));
    assert_eq!(value("a"), Ok("[7, 8, 9]".into()));
    assert_eq!(find(&vars, "a").type_name, "[u16; 3]");
    assert_eq!(value("ptr"), Ok("0x108".into()));
    assert_eq!(find(&vars, "ptr").type_name, "*Point");
    assert_eq!(value("flag"), Ok("true".into()));
    assert_eq!(value("opt"), Ok("Some(42)".into()));
    assert_eq!(value("nothing"), Ok("None".into()));
    // An array too long to show whole: its first elements, and how many more.
    let endless = value("endless").unwrap();
    assert!(
        endless.ends_with(&format!("... {} more]", u64::MAX - 16)),
        "{endless}"
    );
    assert_eq!(value("s"), Ok("\"hi\"".into()));
    assert_eq!(value("gone"), Err("optimised out".into()));
    for broken in ["cut", "far", "outside", "untyped", "huge"] {
        let v = value(broken);
        assert!(
            v.as_ref().is_err_and(|e| e.starts_with("cannot read")),
            "{broken}: {v:?}"
        );
    }
}
