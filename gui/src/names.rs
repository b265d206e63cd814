//! Function names as people wrote them: Rust symbols in name sections are mangled.

/// A trace frame's signature (`module.name(params) results`, as wazero prints it) with
/// the function name demangled.
pub fn demangle_signature(signature: &str) -> String {
    let end = signature.find('(').unwrap_or(signature.len());
    let (head, rest) = signature.split_at(end);
    match head.split_once('.') {
        Some((module, name)) => format!("{module}.{}{rest}", demangle(name)),
        None => format!("{}{rest}", demangle(head)),
    }
}

/// A function name as people wrote it: Rust symbols demangled (without their hash),
/// anything else unchanged.
pub fn demangle(name: &str) -> String {
    format!("{:#}", rustc_demangle::demangle(name))
}
