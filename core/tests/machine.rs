//! The abstract machine of the Learn samples (`CompiledModule::machine`), checked against
//! the specification's semantics written down by hand: for each instruction of a
//! function, in order, the instruction, the control stack (kinds, innermost last), the
//! operand stack's types before and after, the pops and pushes, and a branch's target.

use wasmscope::machine::{LabelKind, MachineState};
use wasmscope::Runtime;

fn learn(name: &str) -> wasmscope::CompiledModule {
    let path = format!("{}/../samples/wat/learn/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read(path).unwrap();
    let wasm = wasmscope::module_bytes(&text).unwrap();
    Runtime::new().compile_module(&wasm).unwrap()
}

/// Every instruction of function `index`, in order (the offsets where one begins).
fn walk(compiled: &wasmscope::CompiledModule, index: u32) -> Vec<MachineState> {
    let entry = compiled.function_entry_offset(index).unwrap();
    let mut out: Vec<MachineState> = Vec::new();
    let mut o = entry;
    while out.last().is_none_or(|m| m.after.is_some()) {
        if let Some(m) = compiled.machine(index, o) {
            out.push(m);
        }
        o += 1;
        assert!(o < entry + 10_000, "no last end");
    }
    out
}

fn types(s: &str) -> Vec<String> {
    s.split_whitespace().map(String::from).collect()
}

/// One row: instruction, control kinds (outermost first), before, after (`-` for none),
/// pops, pushes, the branch target's kind.
type Row<'a> = (
    &'a str,
    &'a [LabelKind],
    &'a str,
    &'a str,
    u32,
    u32,
    Option<LabelKind>,
);

fn check(steps: &[MachineState], rows: &[Row<'_>]) {
    assert_eq!(steps.len(), rows.len(), "{steps:#?}");
    for (m, (instr, control, before, after, pops, pushes, target)) in steps.iter().zip(rows) {
        let what = format!("{instr} at {:#x}", m.code_offset);
        assert_eq!(m.instruction, *instr, "{what}");
        let kinds: Vec<LabelKind> = m.control.iter().map(|l| l.kind).collect();
        assert_eq!(kinds, *control, "{what}: control");
        // Label indices count from the innermost (0).
        for (k, l) in m.control.iter().enumerate() {
            assert_eq!(l.index as usize, m.control.len() - 1 - k, "{what}");
        }
        let b: Vec<String> = m.before.iter().map(|t| t.to_string()).collect();
        assert_eq!(b, types(before), "{what}: before");
        match (*after, &m.after) {
            ("-", None) => {}
            (a, Some(got)) => {
                let g: Vec<String> = got.iter().map(|t| t.to_string()).collect();
                assert_eq!(g, types(a), "{what}: after");
            }
            (a, None) => panic!("{what}: after is none, want {a}"),
        }
        assert_eq!((m.pops, m.pushes), (*pops, *pushes), "{what}");
        assert_eq!(
            m.branch_target.map(|i| m.control[i].kind),
            *target,
            "{what}: target"
        );
        assert!(!m.semantics.is_empty());
    }
}

use LabelKind::{Block, Function as F, If, Loop};

#[test]
fn the_loop_with_br_if() {
    let c = learn("loop.wat");
    let fl: &[LabelKind] = &[F, Loop];
    check(
        &walk(&c, 0),
        &[
            ("i32.const 1", &[F], "", "i32", 0, 1, None),
            ("local.set 1", &[F], "i32", "", 1, 0, None),
            ("loop", &[F], "", "", 0, 0, None),
            ("local.get 2", fl, "", "i32", 0, 1, None),
            ("local.get 1", fl, "i32", "i32 i32", 0, 1, None),
            ("i32.add", fl, "i32 i32", "i32", 2, 1, None),
            ("local.set 2", fl, "i32", "", 1, 0, None),
            ("local.get 1", fl, "", "i32", 0, 1, None),
            ("i32.const 1", fl, "i32", "i32 i32", 0, 1, None),
            ("i32.add", fl, "i32 i32", "i32", 2, 1, None),
            ("local.set 1", fl, "i32", "", 1, 0, None),
            ("local.get 1", fl, "", "i32", 0, 1, None),
            ("local.get 0", fl, "i32", "i32 i32", 0, 1, None),
            ("i32.le_s", fl, "i32 i32", "i32", 2, 1, None),
            ("br_if 0", fl, "i32", "", 1, 0, Some(Loop)),
            ("end", fl, "", "", 0, 0, None),
            ("local.get 2", &[F], "", "i32", 0, 1, None),
            ("end", &[F], "i32", "-", 1, 1, None),
        ],
    );
    let m = &walk(&c, 0)[14];
    assert_eq!(
        m.semantics,
        "pops c (i32); branches to label 0 if c ≠ 0, else goes on"
    );
    assert_eq!(m.control[1].block_type(), "[] -> []");
    assert_eq!(m.control[0].block_type(), "[i32] -> [i32]");
}

#[test]
fn factorial_by_recursion() {
    let c = learn("factorial.wat");
    let fi: &[LabelKind] = &[F, If];
    let fe: &[LabelKind] = &[F, LabelKind::Else];
    check(
        &walk(&c, 0),
        &[
            ("local.get 0", &[F], "", "i64", 0, 1, None),
            ("i64.const 1", &[F], "i64", "i64 i64", 0, 1, None),
            ("i64.le_u", &[F], "i64 i64", "i32", 2, 1, None),
            ("if", &[F], "i32", "", 1, 0, None),
            ("i64.const 1", fi, "", "i64", 0, 1, None),
            ("else", fi, "i64", "", 1, 0, None),
            ("local.get 0", fe, "", "i64", 0, 1, None),
            ("local.get 0", fe, "i64", "i64 i64", 0, 1, None),
            ("i64.const 1", fe, "i64 i64", "i64 i64 i64", 0, 1, None),
            ("i64.sub", fe, "i64 i64 i64", "i64 i64", 2, 1, None),
            ("call 0", fe, "i64 i64", "i64 i64", 1, 1, None),
            ("i64.mul", fe, "i64 i64", "i64", 2, 1, None),
            ("end", fe, "i64", "i64", 1, 1, None),
            ("end", &[F], "i64", "-", 1, 1, None),
        ],
    );
    let m = &walk(&c, 0)[4];
    assert_eq!(m.control[1].block_type(), "[] -> [i64]");
}

#[test]
fn call_indirect_pops_the_index_then_the_parameters() {
    let c = learn("call_indirect.wat");
    let steps = walk(&c, 3);
    check(
        &steps,
        &[
            ("local.get 1", &[F], "", "i32", 0, 1, None),
            ("local.get 0", &[F], "i32", "i32 i32", 0, 1, None),
            ("call_indirect 0 0", &[F], "i32 i32", "i32", 2, 1, None),
            ("end", &[F], "i32", "-", 1, 1, None),
        ],
    );
    // The three functions of the table.
    check(
        &walk(&c, 0),
        &[
            ("local.get 0", &[F], "", "i32", 0, 1, None),
            ("i32.const 2", &[F], "i32", "i32 i32", 0, 1, None),
            ("i32.mul", &[F], "i32 i32", "i32", 2, 1, None),
            ("end", &[F], "i32", "-", 1, 1, None),
        ],
    );
    check(
        &walk(&c, 1),
        &[
            ("local.get 0", &[F], "", "i32", 0, 1, None),
            ("local.get 0", &[F], "i32", "i32 i32", 0, 1, None),
            ("i32.mul", &[F], "i32 i32", "i32", 2, 1, None),
            ("end", &[F], "i32", "-", 1, 1, None),
        ],
    );
    check(
        &walk(&c, 2),
        &[
            ("i32.const 0", &[F], "", "i32", 0, 1, None),
            ("local.get 0", &[F], "i32", "i32 i32", 0, 1, None),
            ("i32.sub", &[F], "i32 i32", "i32", 2, 1, None),
            ("end", &[F], "i32", "-", 1, 1, None),
        ],
    );
}

#[test]
fn a_block_and_a_branch_out_of_it() {
    let wasm = wat::parse_str(
        "(module (func (result i32)
           (block $out (result i32) (i32.const 7) (br $out) (i32.const 8))))",
    )
    .unwrap();
    let c = Runtime::new().compile_module(&wasm).unwrap();
    let fb: &[LabelKind] = &[F, Block];
    let steps = walk(&c, 0);
    // After `br` the rest of the block is unreachable: its stack is polymorphic.
    assert!(steps[3].control[1].unreachable);
    check(
        &steps,
        &[
            ("block", &[F], "", "", 0, 0, None),
            ("i32.const 7", fb, "", "i32", 0, 1, None),
            ("br 0", fb, "i32", "", 1, 0, Some(Block)),
            ("i32.const 8", fb, "", "i32", 0, 1, None),
            ("end", fb, "i32", "i32", 1, 1, None),
            ("end", &[F], "i32", "-", 1, 1, None),
        ],
    );
}

#[test]
fn memory_loads_and_stores() {
    let c = learn("memory.wat");
    let f: &[LabelKind] = &[F];
    check(
        &walk(&c, 0),
        &[
            ("i32.const 16", f, "", "i32", 0, 1, None),
            ("i32.const 287454020", f, "i32", "i32 i32", 0, 1, None),
            ("i32.store", f, "i32 i32", "", 2, 0, None),
            ("i32.const 20", f, "", "i32", 0, 1, None),
            ("i32.const 1432778632", f, "i32", "i32 i32", 0, 1, None),
            ("i32.store", f, "i32 i32", "", 2, 0, None),
            ("i32.const 16", f, "", "i32", 0, 1, None),
            ("i32.load", f, "i32", "i32", 1, 1, None),
            ("local.set 0", f, "i32", "", 1, 0, None),
            ("i32.const 16", f, "", "i32", 0, 1, None),
            ("i32.const 20", f, "i32", "i32 i32", 0, 1, None),
            ("i32.load", f, "i32 i32", "i32 i32", 1, 1, None),
            ("i32.store", f, "i32 i32", "", 2, 0, None),
            ("i32.const 20", f, "", "i32", 0, 1, None),
            ("local.get 0", f, "i32", "i32 i32", 0, 1, None),
            ("i32.store", f, "i32 i32", "", 2, 0, None),
            ("i32.const 0", f, "", "i32", 0, 1, None),
            ("i32.load offset=16", f, "i32", "i32", 1, 1, None),
            ("end", f, "i32", "-", 1, 1, None),
        ],
    );
    let m = &walk(&c, 0)[17];
    assert_eq!(
        m.semantics,
        "pops an address a (i32); pushes the i32 stored in memory at a + 16 (traps when \
         that is out of bounds)"
    );
}

#[test]
fn the_trap_sample() {
    let c = learn("trap.wat");
    check(
        &walk(&c, 0),
        &[
            ("local.get 0", &[F], "", "i32", 0, 1, None),
            ("local.get 1", &[F], "i32", "i32 i32", 0, 1, None),
            ("i32.div_u", &[F], "i32 i32", "i32", 2, 1, None),
            ("end", &[F], "i32", "-", 1, 1, None),
        ],
    );
}

#[test]
fn the_structure_of_a_body() {
    let c = learn("factorial.wat");
    let s = c.structure(0).unwrap();
    let shape: Vec<(LabelKind, usize, usize, bool)> = s
        .iter()
        .map(|b| (b.kind, b.depth, b.instructions, b.else_at.is_some()))
        .collect();
    // The body: 3 instructions, the if, and the if's 1 + else + 6; the if: 8.
    assert_eq!(shape, [(F, 0, 12, false), (If, 1, 8, true)]);
    let body = &walk(&c, 0);
    assert_eq!(s[0].start, body[0].code_offset);
    assert_eq!(s[0].end, body.last().unwrap().code_offset);
    assert_eq!(s[1].start, body[3].code_offset, "the if");
    assert_eq!(s[1].else_at, Some(body[5].code_offset));
    assert_eq!(s[1].end, body[12].code_offset);
    let l = learn("loop.wat").structure(0).unwrap();
    assert_eq!(l[1].kind, Loop);
    assert_eq!(l[1].instructions, 12);
}
