//! The specification's abstract machine where a function stands, for people learning how
//! WebAssembly runs ([`crate::CompiledModule::machine`]): the instruction about to run,
//! what it does in one sentence, the control stack (each `block`, `loop`, `if`, `else`
//! and `try_table` with its label index and block type, the one a branch would take
//! marked), and the operand stack's types before and after it with the entries it pops
//! and pushes.
//!
//! It is the validation algorithm's view (the specification's typing of the body up to
//! the instruction), so it is the same however an engine lays out its registers; the
//! values of the operands come from a paused frame ([`crate::listener::StackFrame`]'s
//! operands are in the same order).

use crate::types::ValueType;

/// What kind of construct a control-stack entry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LabelKind {
    /// The function's body (its label: `return`'s).
    Function,
    /// `block ... end`: a branch to it continues after its `end`.
    Block,
    /// `loop ... end`: a branch to it goes back to its start.
    Loop,
    /// `if ... end`, in its then branch.
    If,
    /// An `if`'s else branch.
    Else,
    /// `try_table ... end` (exception handling).
    TryTable,
    /// The legacy `try`, its `catch` and `catch_all` parts.
    Try,
}

impl std::fmt::Display for LabelKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            LabelKind::Function => "function",
            LabelKind::Block => "block",
            LabelKind::Loop => "loop",
            LabelKind::If => "if",
            LabelKind::Else => "else",
            LabelKind::TryTable => "try_table",
            LabelKind::Try => "try",
        })
    }
}

/// An entry of the control stack.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    /// The construct.
    pub kind: LabelKind,
    /// Its label index where the instruction stands (0: the innermost; `br 0` targets
    /// it).
    pub index: u32,
    /// Its block type's parameters and results (`[i32] -> [i32]`).
    pub params: Vec<ValueType>,
    /// Its results.
    pub results: Vec<ValueType>,
    /// The operand stack height when it was entered (its own operands lie above).
    pub height: usize,
    /// Whether the rest of it is unreachable (after `br`, `return`, `unreachable`): the
    /// operand stack is polymorphic there.
    pub unreachable: bool,
}

impl Label {
    /// `[i32 i32] -> [i32]`.
    pub fn block_type(&self) -> String {
        let list = |v: &[ValueType]| {
            v.iter()
                .map(|t| t.to_string())
                .collect::<Vec<_>>()
                .join(" ")
        };
        format!("[{}] -> [{}]", list(&self.params), list(&self.results))
    }
}

/// The abstract machine before one instruction of a function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MachineState {
    /// The instruction's code-section offset.
    pub code_offset: u64,
    /// The instruction, in the text format's words (`i32.add`, `local.get 0`, `br_if 1`).
    pub instruction: String,
    /// What it does, in one sentence.
    pub semantics: String,
    /// The control stack, outermost (the function) first.
    pub control: Vec<Label>,
    /// The operand stack's types before the instruction, bottom first.
    pub before: Vec<ValueType>,
    /// The operand stack's types after it, as validation types the rest of the body
    /// (after `br`, `return` or `unreachable` the stack is polymorphic there); `None`
    /// at the function's last `end`.
    pub after: Option<Vec<ValueType>>,
    /// How many entries it pops from the top of `before`.
    pub pops: u32,
    /// How many it pushes (the top of `after`).
    pub pushes: u32,
    /// The control-stack entry (an index into `control`) a branch of this instruction
    /// targets: `br`'s, `br_if`'s, `br_table`'s default, `return`'s (the function).
    pub branch_target: Option<usize>,
}

/// A construct of a function's body, for a view of its structure as nested blocks
/// ([`crate::CompiledModule::structure`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    /// The construct (`Function` for the body itself).
    pub kind: LabelKind,
    /// How deep it is nested (the body: 0).
    pub depth: usize,
    /// The code-section offset of its opening instruction (the body's first instruction).
    pub start: u64,
    /// The code-section offset of its `else`, for an `if` that has one.
    pub else_at: Option<u64>,
    /// The code-section offset of its `end`.
    pub end: u64,
    /// How many instructions it holds (its nested constructs' included, its `end` not).
    pub instructions: usize,
}

/// The instruction's name in the text format, from wasmparser's operator name
/// (`I32TruncF32S` → `i32.trunc_f32_s`, `LocalGet` → `local.get`, `BrIf` → `br_if`).
pub(crate) fn mnemonic(name: &str) -> String {
    let mut words: Vec<String> = Vec::new();
    for c in name.chars() {
        let boundary = c.is_ascii_uppercase()
            && words.last().is_some_and(|w| {
                // `I32`, `F64x2`, `I8x16`: a type name stays one word.
                !(w.len() == 1 && "IFV".contains(w.as_str()))
            });
        if boundary || words.is_empty() {
            words.push(String::new());
        }
        if let Some(w) = words.last_mut() {
            w.push(c);
        }
    }
    // `I32` was split as `I` `32`? No: digits never start a word. Lower-case all.
    let words: Vec<String> = words.iter().map(|w| w.to_ascii_lowercase()).collect();
    let Some(first) = words.first() else {
        return String::new();
    };
    let typed =
        first.starts_with(['i', 'f', 'v']) && first[1..].starts_with(|c: char| c.is_ascii_digit());
    let spaced = [
        "local", "global", "memory", "table", "ref", "elem", "data", "struct", "array", "any",
        "extern", "i31",
    ];
    if (typed || spaced.contains(&first.as_str())) && words.len() > 1 {
        format!("{first}.{}", words[1..].join("_"))
    } else {
        words.join("_")
    }
}

/// The immediates of an operator as the text format writes them (`0`, `1`, `offset=8`),
/// from its `Debug` form.
pub(crate) fn immediates(debug: &str) -> String {
    let Some(open) = debug.find('{') else {
        return String::new();
    };
    let inner = debug[open + 1..].trim_end_matches('}').trim();
    let mut out = Vec::new();
    // `name: value` pairs at the top level.
    let mut depth = 0;
    let mut start = 0;
    let mut parts = Vec::new();
    for (i, c) in inner.char_indices() {
        match c {
            '{' | '[' | '(' => depth += 1,
            '}' | ']' | ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    for p in parts {
        let Some((name, value)) = p.split_once(':') else {
            continue;
        };
        let (name, value) = (name.trim(), value.trim());
        if name == "memarg" {
            if let Some(o) = value.split("offset: ").nth(1) {
                let o = o.split([',', ' ', '}']).next().unwrap_or("0");
                if o != "0" {
                    out.push(format!("offset={o}"));
                }
            }
            continue;
        }
        if name == "blockty" {
            continue;
        }
        // Numbers (a float's Debug is `Ieee32(...)`: its bits; shown as they are).
        if value.chars().all(|c| c.is_ascii_digit() || c == '-') {
            out.push(value.to_string());
        } else if let Some(v) = value
            .strip_prefix("Ieee32(")
            .or_else(|| value.strip_prefix("Ieee64("))
        {
            let bits: u64 = v.trim_end_matches(')').parse().unwrap_or(0);
            out.push(if value.starts_with("Ieee32") {
                format!("{:?}", f32::from_bits(bits as u32))
            } else {
                format!("{:?}", f64::from_bits(bits))
            });
        } else if name == "targets" {
            out.push(value.to_string());
        }
    }
    out.join(" ")
}

/// The one-sentence semantics of instruction `name` (its mnemonic) with immediates
/// `imm`, popping `pops` and pushing `pushes` entries.
pub(crate) fn semantics(name: &str, imm: &str, pops: u32, pushes: u32) -> String {
    let (ty, op) = name.split_once('.').unwrap_or(("", name));
    let binary = [
        ("add", "c1 + c2"),
        ("sub", "c1 - c2"),
        ("mul", "c1 × c2"),
        ("div", "c1 ÷ c2"),
        (
            "div_s",
            "c1 ÷ c2, signed (traps on a zero divisor or overflow)",
        ),
        ("div_u", "c1 ÷ c2, unsigned (traps on a zero divisor)"),
        (
            "rem_s",
            "the signed remainder of c1 ÷ c2 (traps on a zero divisor)",
        ),
        (
            "rem_u",
            "the unsigned remainder of c1 ÷ c2 (traps on a zero divisor)",
        ),
        ("and", "the bitwise and of c1 and c2"),
        ("or", "the bitwise or of c1 and c2"),
        ("xor", "the bitwise exclusive or of c1 and c2"),
        ("shl", "c1 shifted left by c2 bits"),
        ("shr_s", "c1 shifted right by c2 bits, keeping the sign"),
        ("shr_u", "c1 shifted right by c2 bits, filling with zeros"),
        ("rotl", "c1 rotated left by c2 bits"),
        ("rotr", "c1 rotated right by c2 bits"),
        ("min", "the smaller of c1 and c2"),
        ("max", "the larger of c1 and c2"),
        ("copysign", "c1 with the sign of c2"),
    ];
    let compare = [
        ("eq", "c1 = c2"),
        ("ne", "c1 ≠ c2"),
        ("lt_s", "c1 < c2 (signed)"),
        ("lt_u", "c1 < c2 (unsigned)"),
        ("gt_s", "c1 > c2 (signed)"),
        ("gt_u", "c1 > c2 (unsigned)"),
        ("le_s", "c1 ≤ c2 (signed)"),
        ("le_u", "c1 ≤ c2 (unsigned)"),
        ("ge_s", "c1 ≥ c2 (signed)"),
        ("ge_u", "c1 ≥ c2 (unsigned)"),
        ("lt", "c1 < c2"),
        ("gt", "c1 > c2"),
        ("le", "c1 ≤ c2"),
        ("ge", "c1 ≥ c2"),
    ];
    let numeric =
        ty.starts_with(['i', 'f']) && ty[1..].chars().all(|c| c.is_ascii_digit()) && !ty.is_empty();
    if numeric {
        if op == "const" {
            return format!("pushes the constant {imm} ({ty})");
        }
        if let Some((_, what)) = binary.iter().find(|(o, _)| *o == op) {
            return format!("pops c2, then c1 (both {ty}); pushes {what}");
        }
        if let Some((_, what)) = compare.iter().find(|(o, _)| *o == op) {
            return format!("pops c2, then c1 (both {ty}); pushes 1 (i32) if {what}, else 0");
        }
        if op == "eqz" {
            return format!("pops c ({ty}); pushes 1 (i32) if c is 0, else 0");
        }
        // A memory access's static offset: `a + 16`.
        let at = match imm.strip_prefix("offset=") {
            Some(o) => format!(" + {o}"),
            None => String::new(),
        };
        if op.starts_with("load") {
            return format!(
                "pops an address a (i32); pushes the {ty} stored in memory at a{} (traps when \
                 that is out of bounds)",
                at,
            );
        }
        if op.starts_with("store") {
            return format!(
                "pops a value c ({ty}), then an address a (i32); stores c in memory at a{} \
                 (traps when that is out of bounds)",
                at,
            );
        }
        if [
            "clz", "ctz", "popcnt", "neg", "abs", "sqrt", "ceil", "floor", "trunc", "nearest",
        ]
        .contains(&op)
        {
            return format!("pops c ({ty}); pushes {op}(c)");
        }
        return format!("pops c; pushes it converted to {ty} ({op})");
    }
    match name {
        "local.get" => format!("pushes the value of local {imm}"),
        "local.set" => format!("pops a value into local {imm}"),
        "local.tee" => format!("copies the top value into local {imm} (it stays on the stack)"),
        "global.get" => format!("pushes the value of global {imm}"),
        "global.set" => format!("pops a value into global {imm}"),
        "block" => "enters a block; its label is its end: a branch to it continues after the \
                    block"
            .into(),
        "loop" => {
            "enters a loop; its label is its start: a branch to it runs the loop again".into()
        }
        "if" => "pops c (i32); runs the then branch if c ≠ 0, else the else branch (if any)".into(),
        "else" => "ends the then branch: goes on after the if's end".into(),
        "end" => "ends the innermost construct (at the function's last end, the function \
                  returns); its results stay on the operand stack"
            .into(),
        "br" => format!("branches to label {imm} (its operands carried over)"),
        "br_if" => format!("pops c (i32); branches to label {imm} if c ≠ 0, else goes on"),
        "br_table" => "pops an index i (i32); branches to the i-th label of the table, the \
                       last one when i is out of its range"
            .into(),
        "return" => "returns from the function with its results".into(),
        "call" => format!(
            "pops the parameters of function {imm}, calls it; pushes its results when it returns"
        ),
        "call_indirect" => "pops a table index i (i32), then the parameters; calls the \
                            function at entry i of the table (traps when there is none, or \
                            of another type)"
            .into(),
        "return_call" | "return_call_indirect" | "return_call_ref" => {
            "a tail call: calls the function in place of this one (its frame is replaced)".into()
        }
        "drop" => "pops a value and discards it".into(),
        "select" => "pops c (i32), v2, then v1; pushes v1 if c ≠ 0, else v2".into(),
        "nop" => "does nothing".into(),
        "unreachable" => "traps: the program should never get here".into(),
        "memory.size" => "pushes the memory's size in pages of 64 KiB".into(),
        "memory.grow" => "pops n; grows the memory by n pages, pushes its old size in pages \
                          (or -1 when it cannot grow)"
            .into(),
        "memory.fill" => "pops n, a value v, an address d; fills n bytes at d with v".into(),
        "memory.copy" => "pops n, an address s, an address d; copies n bytes from s to d".into(),
        "throw" => format!("pops the payload of tag {imm} and throws an exception"),
        _ => format!("pops {pops}, pushes {pushes}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mnemonics_are_the_text_formats() {
        for (name, want) in [
            ("I32Add", "i32.add"),
            ("I32TruncF32S", "i32.trunc_f32_s"),
            ("I32Load8U", "i32.load8_u"),
            ("I64ExtendI32U", "i64.extend_i32_u"),
            ("F64ConvertI32S", "f64.convert_i32_s"),
            ("LocalGet", "local.get"),
            ("GlobalSet", "global.set"),
            ("MemoryGrow", "memory.grow"),
            ("BrIf", "br_if"),
            ("BrTable", "br_table"),
            ("CallIndirect", "call_indirect"),
            ("ReturnCallIndirect", "return_call_indirect"),
            ("End", "end"),
            ("I32Eqz", "i32.eqz"),
            ("I32Extend8S", "i32.extend8_s"),
        ] {
            assert_eq!(mnemonic(name), want, "{name}");
        }
    }

    #[test]
    fn immediates_from_debug() {
        assert_eq!(immediates("LocalGet { local_index: 3 }"), "3");
        assert_eq!(immediates("I32Const { value: -5 }"), "-5");
        assert_eq!(immediates("Br { relative_depth: 1 }"), "1");
        assert_eq!(
            immediates(
                "I32Load { memarg: MemArg { align: 2, max_align: 2, offset: 8, memory: 0 } }"
            ),
            "offset=8"
        );
        assert_eq!(
            immediates(
                "I32Load { memarg: MemArg { align: 2, max_align: 2, offset: 0, memory: 0 } }"
            ),
            ""
        );
        assert_eq!(
            immediates("F64Const { value: Ieee64(4611686018427387904) }"),
            "2.0"
        );
        assert_eq!(immediates("Block { blockty: Empty }"), "");
        assert_eq!(immediates("Nop"), "");
    }

    #[test]
    fn a_sentence_for_each_kind() {
        assert_eq!(
            semantics("i32.add", "", 2, 1),
            "pops c2, then c1 (both i32); pushes c1 + c2"
        );
        assert_eq!(
            semantics("i32.lt_s", "", 2, 1),
            "pops c2, then c1 (both i32); pushes 1 (i32) if c1 < c2 (signed), else 0"
        );
        assert_eq!(
            semantics("local.get", "0", 0, 1),
            "pushes the value of local 0"
        );
        assert_eq!(
            semantics("i64.const", "7", 0, 1),
            "pushes the constant 7 (i64)"
        );
        assert_eq!(semantics("v128.any_true", "", 1, 1), "pops 1, pushes 1");
    }
}
