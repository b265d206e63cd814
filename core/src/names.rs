//! Function names as people wrote them: compilers put mangled symbols in name sections.

/// A function name as people wrote it: Rust symbols (legacy `_ZN…E` and v0 `_R…`)
/// demangled without their hash, C++ (Itanium `_Z…`) symbols demangled with their
/// parameter types; anything else — names that are not mangled, or that do not demangle —
/// unchanged.
///
/// The same demangling that [`crate::dwarf::SourceLocation::function`] gets from DWARF
/// (addr2line's), here without a language to go by: Rust is tried first, then C++ for
/// names with Itanium's `_Z` prefix (a plain name such as `x` is a C++ type's mangling,
/// and stays a name).
///
/// ```
/// use wasmscope::demangle;
///
/// assert_eq!(demangle("_ZN7divzero5share17hc855073edf7893f1E"), "divzero::share");
/// assert_eq!(demangle("_RNvNtCset5xJoy1xWQ_3std2rt19lang_start_internal"), "std::rt::lang_start_internal");
/// assert_eq!(demangle("_Z5emptyPKci"), "empty(char const*, int)");
/// assert_eq!(demangle("main"), "main");
/// assert_eq!(demangle("_Znot mangled"), "_Znot mangled");
/// ```
pub fn demangle(name: &str) -> String {
    // addr2line's guess without a language would read any short name as C++ (`x` is
    // `long long`): C++ only for Itanium's `_Z` prefix.
    addr2line::demangle(name, gimli::DW_LANG_Rust)
        .or_else(|| {
            name.starts_with("_Z")
                .then(|| addr2line::demangle(name, gimli::DW_LANG_C_plus_plus))
                .flatten()
        })
        .unwrap_or_else(|| name.to_string())
}

/// A trace frame's signature ([`crate::TraceFrame::signature`],
/// `module.function(params) results`, wazero's format) with the function name
/// [demangled](demangle); the module name and the types stay as they are.
///
/// ```
/// use wasmscope::demangle_signature;
///
/// assert_eq!(
///     demangle_signature("app._ZN7divzero5share17hc855073edf7893f1E(i32) i32"),
///     "app.divzero::share(i32) i32"
/// );
/// assert_eq!(demangle_signature("my.app.$3()"), "my.app.$3()");
/// ```
pub fn demangle_signature(signature: &str) -> String {
    // Mangled names have no `(`; module names may have `.`: the name is the first part
    // after a `.` that demangles.
    let end = signature.find('(').unwrap_or(signature.len());
    let (head, rest) = signature.split_at(end);
    for (dot, _) in head.match_indices('.') {
        let name = &head[dot + 1..];
        let demangled = demangle(name);
        if demangled != name {
            return format!("{}{demangled}{rest}", &head[..=dot]);
        }
    }
    format!("{}{rest}", demangle(head))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_legacy_v0_and_cpp() {
        // Legacy with an LLVM suffix, v0 with generics, C++ with a namespace.
        assert_eq!(
            demangle("_ZN4core3fmt5write17h0123456789abcdefE.llvm.1234"),
            "core::fmt::write"
        );
        assert_eq!(
            demangle("_RNvXs8_NtNtNtCsdHhIpgkcIfN_4core3fmt3num3impmNtB9_7Display3fmt"),
            "<u32 as core::fmt::Display>::fmt"
        );
        assert_eq!(demangle("_ZN3foo3barEv"), "foo::bar()");
        assert_eq!(demangle("__original_main"), "__original_main");
        assert_eq!(demangle(""), "");
    }

    #[test]
    fn names_that_only_look_mangled_stay() {
        for name in [
            "x",
            "i",
            "v",
            "f",
            "Sa",
            "St3foo",
            "N3foo3barE",
            "main",
            "R",
            "$0",
            "_Z",
            "_R",
            "_ZN",
            "_ZN3fooE\u{0}",
            "_RNvC",
            "_Z3foo(",
            "_ZZZZZ",
        ] {
            assert_eq!(demangle(name), name, "{name:?}");
        }
    }

    #[test]
    fn signatures() {
        assert_eq!(
            demangle_signature("divzero.wasm._ZN7divzero4main17hfc4588b03000e101E()"),
            "divzero.wasm.divzero::main()"
        );
        assert_eq!(
            demangle_signature("_ZN7divzero4main17hfc4588b03000e101E(i32) (i32,i64)"),
            "divzero::main(i32) (i32,i64)"
        );
        assert_eq!(
            demangle_signature("wasi_snapshot_preview1.fd_write(i32,i32,i32,i32) i32"),
            "wasi_snapshot_preview1.fd_write(i32,i32,i32,i32) i32"
        );
        assert_eq!(demangle_signature("no parens"), "no parens");
    }
}
