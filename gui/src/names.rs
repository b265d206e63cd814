//! Function names as people wrote them: Rust and C++ symbols in name sections are
//! mangled. The demangling is core's ([`wasmscope::demangle`]), the same as the command
//! line's.

pub use wasmscope::{demangle, demangle_signature};

/// A line of WebAssembly text as `wasmprinter` prints it, with every `$name` identifier
/// demangled (`call $_ZN7divzero5share17hc855073edf7893f1E` reads `call $divzero::share`),
/// for display (the Code view); identifiers that are not mangled stay as they are.
pub fn demangle_identifiers(line: &str) -> String {
    /// WAT's `idchar`s: what a `$name` is made of.
    fn idchar(c: char) -> bool {
        c.is_ascii_alphanumeric() || "!#$%&'*+-./:<=>?@\\^_`|~".contains(c)
    }
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..=at]);
        rest = &rest[at + 1..];
        // `$"name"`: a name with characters outside `idchar` (no escapes in mangled names).
        let (name, quoted) = match rest.strip_prefix('"') {
            Some(inner) => match inner.find('"') {
                Some(end) => (&inner[..end], true),
                None => ("", false),
            },
            None => (
                &rest[..rest.find(|c| !idchar(c)).unwrap_or(rest.len())],
                false,
            ),
        };
        let len = name.len() + if quoted { 2 } else { 0 };
        let demangled = demangle(name);
        if demangled == name {
            out.push_str(&rest[..len]);
        } else {
            out.push_str(&demangled);
        }
        rest = &rest[len..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn rust_and_cpp() {
        assert_eq!(
            super::demangle("_ZN7divzero5share17hc855073edf7893f1E"),
            "divzero::share"
        );
        assert_eq!(
            super::demangle("_RNvNtCset5xJoy1xWQ_3std2rt19lang_start_internal"),
            "std::rt::lang_start_internal"
        );
        assert_eq!(super::demangle("_Z3addii"), "add(int, int)");
        assert_eq!(super::demangle("$fac"), "$fac");
        assert_eq!(
            super::demangle_signature("app._Z3addii(i32,i32) i32"),
            "app.add(int, int)(i32,i32) i32"
        );
    }

    #[test]
    fn identifiers_in_wat_text() {
        let d = super::demangle_identifiers;
        assert_eq!(
            d("    call $_ZN7divzero5share17hc855073edf7893f1E"),
            "    call $divzero::share"
        );
        assert_eq!(
            d("call $_ZN3std2rt10lang_start28_$u7b$$u7b$closure$u7d$$u7d$17ha1c28adaaeb6ae4fE)"),
            "call $std::rt::lang_start::{{closure}})"
        );
        assert_eq!(
            d("  (func $_ZN7divzero4main17hfc4588b03000e101E (;12;) (type 3) (param $x i32)"),
            "  (func $divzero::main (;12;) (type 3) (param $x i32)"
        );
        assert_eq!(
            d("(elem (;0;) (i32.const 1) func $_Z3addii $__main_void $\"_Z3subii\")"),
            "(elem (;0;) (i32.const 1) func $add(int, int) $__main_void $sub(int, int))"
        );
        for unchanged in [
            "local.get $x",
            "i32.const 7",
            "$",
            "$\"unclosed",
            "$foo$_ZN3bar3bazE",
            "a $ b",
            "",
        ] {
            assert_eq!(d(unchanged), unchanged);
        }
    }
}
