//! Where a Wasm instruction came from in the program's source, as DWARF says: the type
//! that traces ([`crate::error`]) and DWARF lookups ([`crate::dwarf`], which re-exports
//! it) share, below both.

/// A place in the source: file, line and column, and the function it is in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceLocation {
    /// The source file, as the compiler recorded it (after any path remapping).
    pub file: String,
    /// 1-based line; 0 when unknown.
    pub line: u32,
    /// 1-based column; 0 when unknown or the whole line.
    pub column: u32,
    /// The (demangled) function the location is in, when known.
    pub function: Option<String>,
}

impl std::fmt::Display for SourceLocation {
    /// `file:line:col`, as traces print it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}
