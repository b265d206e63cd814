//! Function names as people wrote them: Rust and C++ symbols in name sections are
//! mangled. The demangling is core's ([`wasmscope::demangle`]), the same as the command
//! line's.

/// A trace frame's signature (`module.name(params) results`, as wazero prints it) with
/// the function name demangled.
pub fn demangle_signature(signature: &str) -> String {
    wasmscope::demangle_signature(signature)
}

/// A function name as people wrote it: Rust symbols (legacy and v0) demangled without
/// their hash, C++ symbols demangled, anything else unchanged.
pub fn demangle(name: &str) -> String {
    wasmscope::demangle(name)
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
}
