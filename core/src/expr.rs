//! The syntax of the expression language of watches, breakpoint conditions and logpoints
//! (evaluated against a paused frame's source variables by [`crate::variables`]).
//!
//! ```text
//! expr    := or
//! or      := and ("||" and)*
//! and     := cmp ("&&" cmp)*
//! cmp     := bitor (("==" | "!=" | "<" | "<=" | ">" | ">=") bitor)?
//! bitor   := bitxor ("|" bitxor)*        bitxor := bitand ("^" bitand)*
//! bitand  := shift ("&" shift)*          shift  := add (("<<" | ">>") add)*
//! add     := mul (("+" | "-") mul)*      mul    := cast (("*" | "/" | "%") cast)*
//! cast    := unary ("as" rtype)*
//! unary   := ("-" | "!" | "*" | "&") unary | "(" type ")" unary | postfix
//! postfix := primary ("." name | "." digits | "->" name | "[" expr "]")*
//! primary := name ("::" name)* | integer | "(" expr ")"
//! type    := ("*const" | "*mut" | "&" | "&mut")* path ("*")*      (in `(type)`: C's `int *`)
//! rtype   := ("*const" | "*mut" | "&" | "&mut")* path              (after `as`: Rust's `*const u8`)
//! ```
//!
//! Integers are decimal, `0x` hexadecimal or `0b` binary, with `_` separators. `t.0` is
//! the Rust tuple field `__0`. `(name)x` is a C cast when `name` is not a variable in
//! scope or a static (the parser asks), or names several words or pointers. At most 512
//! tokens, 64 levels of nesting and 16 of pointers.

/// A parsed expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Expr {
    /// A variable (or a static, by its path).
    Name(String),
    /// An integer literal.
    Int(i128),
    /// `e.name` (also `e->name`: the field of a pointer's target).
    Field(Box<Expr>, String),
    /// `e[i]`.
    Index(Box<Expr>, Box<Expr>),
    /// `*e`.
    Deref(Box<Expr>),
    /// `&e`.
    AddrOf(Box<Expr>),
    /// `-e`.
    Neg(Box<Expr>),
    /// `!e`.
    Not(Box<Expr>),
    /// `a op b`.
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `(T)e` or `e as T`.
    Cast(Box<Expr>, TypeName),
}

/// A binary operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Shl,
    Shr,
    BitAnd,
    BitOr,
    BitXor,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
}

/// A type named in a cast: a path (`u32`, `Point`, `struct point`) under `pointers`
/// levels of pointer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TypeName {
    pub name: String,
    pub pointers: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    Ident(String),
    Int(i128),
    /// `.0`: a tuple field.
    TupleField(String),
    Punct(&'static str),
}

const PUNCTS: [&str; 30] = [
    "::", "->", "==", "!=", "<=", ">=", "&&", "||", "<<", ">>", "(", ")", "[", "]", ".", "*", "&",
    "-", "+", "/", "%", "!", "<", ">", "|", "^", ",", ";", "{", "}",
];

fn tokens(text: &str) -> Result<Vec<Tok>, String> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c.is_ascii_alphabetic() || c == b'_' || c == b'$' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'$') {
                i += 1;
            }
            out.push(Tok::Ident(text[start..i].to_string()));
        } else if c.is_ascii_digit() {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            let after_dot = matches!(out.last(), Some(Tok::Punct(".")));
            let digits = text[start..i].replace('_', "");
            if after_dot {
                out.pop();
                out.push(Tok::TupleField(format!("__{digits}")));
                continue;
            }
            out.push(Tok::Int(integer(&digits)?));
        } else if let Some(p) = PUNCTS.iter().find(|p| text[i..].starts_with(**p)) {
            out.push(Tok::Punct(p));
            i += p.len();
        } else {
            let ch = text[i..].chars().next().unwrap_or('?');
            return Err(format!("unexpected {ch:?} at column {}", i + 1));
        }
    }
    Ok(out)
}

fn integer(digits: &str) -> Result<i128, String> {
    let lower = digits.to_ascii_lowercase();
    let (text, radix) = if let Some(h) = lower.strip_prefix("0x") {
        (h, 16)
    } else if let Some(b) = lower.strip_prefix("0b") {
        (b, 2)
    } else {
        // C and Rust suffixes on decimal literals (`10u32`, `5L`) are not taken.
        (lower.as_str(), 10)
    };
    i128::from_str_radix(text, radix).map_err(|_| format!("bad number {digits:?}"))
}

/// Parses `text`; `is_variable` tells a variable's name from a type's in `(name)x`.
pub(crate) fn parse(text: &str, is_variable: &dyn Fn(&str) -> bool) -> Result<Expr, String> {
    let toks = tokens(text)?;
    if toks.is_empty() {
        return Err("empty expression".into());
    }
    // A bound on the tree's size (its drop and evaluation recurse through it).
    if toks.len() > MAX_TOKENS {
        return Err(format!(
            "expression too long (more than {MAX_TOKENS} tokens)"
        ));
    }
    let mut p = Parser {
        toks,
        at: 0,
        is_variable,
        depth: 0,
    };
    let e = p.expr()?;
    match p.toks.get(p.at) {
        None => Ok(e),
        Some(t) => Err(format!("unexpected {} after the expression", show(t))),
    }
}

fn show(t: &Tok) -> String {
    match t {
        Tok::Ident(s) => format!("`{s}`"),
        Tok::Int(v) => format!("`{v}`"),
        Tok::TupleField(f) => format!("`.{}`", f.trim_start_matches("__")),
        Tok::Punct(p) => format!("`{p}`"),
    }
}

struct Parser<'a> {
    toks: Vec<Tok>,
    at: usize,
    is_variable: &'a dyn Fn(&str) -> bool,
    /// Nesting depth (a bound against stack exhaustion on hostile input).
    depth: usize,
}

/// Binary operator levels, loosest first.
const LEVELS: &[&[(&str, BinOp)]] = &[
    &[("||", BinOp::Or)],
    &[("&&", BinOp::And)],
    &[
        ("==", BinOp::Eq),
        ("!=", BinOp::Ne),
        ("<=", BinOp::Le),
        (">=", BinOp::Ge),
        ("<", BinOp::Lt),
        (">", BinOp::Gt),
    ],
    &[("|", BinOp::BitOr)],
    &[("^", BinOp::BitXor)],
    &[("&", BinOp::BitAnd)],
    &[("<<", BinOp::Shl), (">>", BinOp::Shr)],
    &[("+", BinOp::Add), ("-", BinOp::Sub)],
    &[("*", BinOp::Mul), ("/", BinOp::Div), ("%", BinOp::Rem)],
];

const MAX_DEPTH: usize = 64;
/// The most tokens an expression may have.
const MAX_TOKENS: usize = 512;
/// The most pointer levels a cast may name.
const MAX_POINTERS: usize = 16;

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at)
    }

    fn punct(&self, p: &str) -> bool {
        matches!(self.peek(), Some(Tok::Punct(q)) if *q == p)
    }

    fn eat(&mut self, p: &str) -> bool {
        let yes = self.punct(p);
        if yes {
            self.at += 1;
        }
        yes
    }

    fn expect(&mut self, p: &str) -> Result<(), String> {
        if self.eat(p) {
            return Ok(());
        }
        Err(match self.peek() {
            Some(t) => format!("expected `{p}`, found {}", show(t)),
            None => format!("expected `{p}` at the end"),
        })
    }

    fn expr(&mut self) -> Result<Expr, String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err("expression nested too deeply".into());
        }
        let e = self.level(0);
        self.depth -= 1;
        e
    }

    fn level(&mut self, n: usize) -> Result<Expr, String> {
        if n == LEVELS.len() {
            return self.cast();
        }
        let mut left = self.level(n + 1)?;
        loop {
            let Some(&(_, op)) = LEVELS[n].iter().find(|(p, _)| self.punct(p)) else {
                return Ok(left);
            };
            self.at += 1;
            let right = self.level(n + 1)?;
            left = Expr::Binary(op, Box::new(left), Box::new(right));
            // Comparisons do not chain.
            if n == 2 {
                return Ok(left);
            }
        }
    }

    fn cast(&mut self) -> Result<Expr, String> {
        let mut e = self.unary()?;
        while matches!(self.peek(), Some(Tok::Ident(k)) if k == "as") {
            self.at += 1;
            let ty = self.type_name(false)?;
            e = Expr::Cast(Box::new(e), ty);
        }
        Ok(e)
    }

    fn unary(&mut self) -> Result<Expr, String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err("expression nested too deeply".into());
        }
        let e = self.unary_inner();
        self.depth -= 1;
        e
    }

    fn unary_inner(&mut self) -> Result<Expr, String> {
        for (p, make) in [
            ("-", Expr::Neg as fn(Box<Expr>) -> Expr),
            ("!", Expr::Not),
            ("*", Expr::Deref),
            ("&", Expr::AddrOf),
        ] {
            if self.eat(p) {
                if p == "&" && matches!(self.peek(), Some(Tok::Ident(k)) if k == "mut") {
                    self.at += 1;
                }
                return Ok(make(Box::new(self.unary()?)));
            }
        }
        if self.punct("(") && self.looks_like_cast() {
            self.at += 1;
            let ty = self.type_name(true)?;
            self.expect(")")?;
            let e = self.unary()?;
            return Ok(Expr::Cast(Box::new(e), ty));
        }
        self.postfix()
    }

    /// Whether the `(` at the cursor opens a C cast: a type path (not a variable's
    /// name), maybe `struct`/`enum`/`union` and `*`s, then `)` and an operand.
    fn looks_like_cast(&self) -> bool {
        let mut i = self.at + 1;
        let mut path = String::new();
        while let Some(Tok::Ident(s)) = self.toks.get(i) {
            if !path.is_empty() && !path.ends_with("::") {
                path.push(' ');
            }
            path.push_str(s);
            i += 1;
            if matches!(self.toks.get(i), Some(Tok::Punct("::"))) {
                path.push_str("::");
                i += 1;
            }
        }
        if path.is_empty() {
            return false;
        }
        let mut pointers = 0;
        while matches!(self.toks.get(i), Some(Tok::Punct("*"))) {
            pointers += 1;
            i += 1;
        }
        if !matches!(self.toks.get(i), Some(Tok::Punct(")"))) {
            return false;
        }
        let operand = matches!(
            self.toks.get(i + 1),
            Some(Tok::Ident(_) | Tok::Int(_) | Tok::Punct("(" | "*" | "&" | "-" | "!"))
        );
        operand && (pointers > 0 || path.contains(' ') || !(self.is_variable)(&path))
    }

    /// A type: Rust's `*const T`, `*mut T`, `&T`, or (in a C cast, `c_style`) a path with
    /// C's trailing `*`s.
    fn type_name(&mut self, c_style: bool) -> Result<TypeName, String> {
        let mut pointers = 0;
        loop {
            if self.eat("*") {
                if matches!(self.peek(), Some(Tok::Ident(k)) if k == "const" || k == "mut") {
                    self.at += 1;
                }
                pointers += 1;
            } else if self.eat("&") {
                if matches!(self.peek(), Some(Tok::Ident(k)) if k == "mut") {
                    self.at += 1;
                }
                pointers += 1;
            } else {
                break;
            }
        }
        // C's `struct point`, `unsigned int`: several words.
        let mut name = String::new();
        while let Some(Tok::Ident(s)) = self.peek().cloned() {
            // `x as u32 as u8`: the next cast's keyword ends this type.
            if s == "as" {
                break;
            }
            // Rust's types are one word or a path; C's may be several (`unsigned int`).
            if !c_style && !name.is_empty() && !name.ends_with("::") {
                break;
            }
            if !name.is_empty() && !name.ends_with("::") {
                name.push(' ');
            }
            name.push_str(&s);
            self.at += 1;
            if self.eat("::") {
                name.push_str("::");
            }
        }
        if name.is_empty() {
            return Err(match self.peek() {
                Some(t) => format!("expected a type, found {}", show(t)),
                None => "expected a type at the end".into(),
            });
        }
        // Rust generics: `Vec<u32>` as one name (a primitive takes none: `x as u32 < n`
        // compares).
        let primitive = matches!(
            name.as_str(),
            "i8" | "u8"
                | "i16"
                | "u16"
                | "i32"
                | "u32"
                | "i64"
                | "u64"
                | "isize"
                | "usize"
                | "f32"
                | "f64"
                | "bool"
                | "char"
        );
        if self.punct("<") && !primitive {
            let mut depth = 0usize;
            while let Some(t) = self.peek().cloned() {
                match &t {
                    Tok::Punct("<") => depth += 1,
                    Tok::Punct(">") => depth = depth.saturating_sub(1),
                    Tok::Punct(">>") => depth = depth.saturating_sub(2),
                    _ => {}
                }
                name.push_str(&match t {
                    Tok::Ident(s) => s,
                    Tok::Int(v) => v.to_string(),
                    Tok::TupleField(f) => f,
                    Tok::Punct(",") => ", ".into(),
                    Tok::Punct(p) => p.to_string(),
                });
                self.at += 1;
                if depth == 0 {
                    break;
                }
            }
        }
        while c_style && self.eat("*") {
            pointers += 1;
        }
        if pointers > MAX_POINTERS {
            return Err(format!("more than {MAX_POINTERS} levels of pointer"));
        }
        Ok(TypeName { name, pointers })
    }

    fn postfix(&mut self) -> Result<Expr, String> {
        let mut e = self.primary()?;
        loop {
            if self.eat(".") || self.eat("->") {
                let arrow = matches!(self.toks.get(self.at - 1), Some(Tok::Punct("->")));
                let name = match self.peek().cloned() {
                    Some(Tok::Ident(s)) => s,
                    Some(Tok::TupleField(f)) => f,
                    Some(t) => return Err(format!("expected a field name, found {}", show(&t))),
                    None => return Err("expected a field name at the end".into()),
                };
                self.at += 1;
                if arrow {
                    e = Expr::Deref(Box::new(e));
                }
                e = Expr::Field(Box::new(e), name);
            } else if let Some(Tok::TupleField(f)) = self.peek().cloned() {
                self.at += 1;
                e = Expr::Field(Box::new(e), f);
            } else if self.eat("[") {
                let i = self.expr()?;
                self.expect("]")?;
                e = Expr::Index(Box::new(e), Box::new(i));
            } else {
                return Ok(e);
            }
        }
    }

    fn primary(&mut self) -> Result<Expr, String> {
        match self.peek().cloned() {
            Some(Tok::Int(v)) => {
                self.at += 1;
                Ok(Expr::Int(v))
            }
            Some(Tok::Ident(s)) => {
                self.at += 1;
                let mut name = s;
                while self.punct("::") {
                    self.at += 1;
                    match self.peek().cloned() {
                        Some(Tok::Ident(s)) => {
                            self.at += 1;
                            name.push_str("::");
                            name.push_str(&s);
                        }
                        _ => return Err("expected a name after `::`".into()),
                    }
                }
                Ok(match name.as_str() {
                    "true" => Expr::Int(1),
                    "false" => Expr::Int(0),
                    _ => Expr::Name(name),
                })
            }
            Some(Tok::Punct("(")) => {
                self.at += 1;
                let e = self.expr()?;
                self.expect(")")?;
                Ok(e)
            }
            Some(t) => Err(format!("expected a value, found {}", show(&t))),
            None => Err("expected a value at the end".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Result<Expr, String> {
        parse(text, &|n| n == "x" || n == "p" || n == "v")
    }

    fn name(s: &str) -> Box<Expr> {
        Box::new(Expr::Name(s.into()))
    }

    #[test]
    fn postfix_chains() {
        assert_eq!(
            p("a.b[2].c").unwrap(),
            Expr::Field(
                Box::new(Expr::Index(
                    Box::new(Expr::Field(name("a"), "b".into())),
                    Box::new(Expr::Int(2))
                )),
                "c".into()
            )
        );
        assert_eq!(
            p("p->x").unwrap(),
            Expr::Field(Box::new(Expr::Deref(name("p"))), "x".into())
        );
        assert_eq!(p("t.0").unwrap(), Expr::Field(name("t"), "__0".into()));
        assert_eq!(
            p("t.1.0").unwrap_or_else(|e| panic!("{e}")),
            Expr::Field(Box::new(Expr::Field(name("t"), "__1".into())), "__0".into())
        );
        assert_eq!(p("std::f::X").unwrap(), Expr::Name("std::f::X".into()));
    }

    #[test]
    fn precedence() {
        use BinOp::*;
        let e = p("a + b * 2 == 7 && !c").unwrap();
        assert_eq!(
            e,
            Expr::Binary(
                And,
                Box::new(Expr::Binary(
                    Eq,
                    Box::new(Expr::Binary(
                        Add,
                        name("a"),
                        Box::new(Expr::Binary(Mul, name("b"), Box::new(Expr::Int(2))))
                    )),
                    Box::new(Expr::Int(7))
                )),
                Box::new(Expr::Not(name("c")))
            )
        );
        assert_eq!(
            p("-x - 0x10").unwrap(),
            Expr::Binary(Sub, Box::new(Expr::Neg(name("x"))), Box::new(Expr::Int(16)))
        );
        assert_eq!(
            p("*p + 1").unwrap(),
            Expr::Binary(
                Add,
                Box::new(Expr::Deref(name("p"))),
                Box::new(Expr::Int(1))
            )
        );
    }

    #[test]
    fn casts() {
        assert_eq!(
            p("(int)x").unwrap(),
            Expr::Cast(
                name("x"),
                TypeName {
                    name: "int".into(),
                    pointers: 0
                }
            )
        );
        // `(x)` is a variable in parentheses when x is a variable.
        assert_eq!(
            p("(x) - 1").unwrap(),
            Expr::Binary(BinOp::Sub, name("x"), Box::new(Expr::Int(1)))
        );
        assert_eq!(
            p("*(struct point *)0x1000").unwrap(),
            Expr::Deref(Box::new(Expr::Cast(
                Box::new(Expr::Int(0x1000)),
                TypeName {
                    name: "struct point".into(),
                    pointers: 1
                }
            )))
        );
        assert_eq!(
            p("x as *const u8").unwrap(),
            Expr::Cast(
                name("x"),
                TypeName {
                    name: "u8".into(),
                    pointers: 1
                }
            )
        );
        assert_eq!(
            p("v as Vec<u32>").unwrap(),
            Expr::Cast(
                name("v"),
                TypeName {
                    name: "Vec<u32>".into(),
                    pointers: 0
                }
            )
        );
    }

    #[test]
    fn rust_casts_chain_and_end_where_they_should() {
        assert_eq!(
            p("x as i64 * 10").unwrap(),
            Expr::Binary(
                BinOp::Mul,
                Box::new(Expr::Cast(
                    name("x"),
                    TypeName {
                        name: "i64".into(),
                        pointers: 0
                    }
                )),
                Box::new(Expr::Int(10))
            )
        );
        let Expr::Cast(inner, outer) = p("x as u32 as u8").unwrap() else {
            panic!()
        };
        assert_eq!(outer.name, "u8");
        assert!(matches!(*inner, Expr::Cast(_, ref t) if t.name == "u32"));
        assert!(matches!(
            p("x as u32 < v").unwrap(),
            Expr::Binary(BinOp::Lt, _, _)
        ));
        // A path in parentheses that is not a variable is a cast; `a::b` joins as one.
        assert!(matches!(p("(a::B)x").unwrap(), Expr::Cast(_, ref t) if t.name == "a::B"));
    }

    #[test]
    fn huge_expressions_are_refused_not_overflowed() {
        let long = vec!["1"; 100_000].join("+");
        assert!(p(&long).unwrap_err().starts_with("expression too long"));
        let stars = format!("(u8{})0", "*".repeat(100));
        assert!(p(&stars).is_err());
    }

    #[test]
    fn errors_are_messages() {
        for (text, want) in [
            ("", "empty expression"),
            ("a +", "expected a value at the end"),
            ("a[1", "expected `]` at the end"),
            ("a b", "unexpected `b` after the expression"),
            ("a.", "expected a field name at the end"),
            ("#", "unexpected '#' at column 1"),
            ("0xZZ", "bad number \"0xZZ\""),
            ("99999999999999999999999999999999999999999", "bad number"),
        ] {
            let e = p(text).unwrap_err();
            assert!(e.starts_with(want), "{text:?}: {e}");
        }
        // Hostile nesting is an error, not a stack overflow.
        let deep = "(".repeat(200) + "1" + &")".repeat(200);
        assert!(p(&deep).unwrap_err().contains("nested too deeply"));
        let deep = "-".repeat(300) + "1";
        assert!(p(&deep).unwrap_err().contains("nested too deeply"));
        let deep = "(".repeat(10_000) + "1" + &")".repeat(10_000);
        assert!(p(&deep).unwrap_err().contains("too long"));
    }
}
