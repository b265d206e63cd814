//! The one error type of the runtime, and trap codes.

use std::fmt;
use std::sync::Arc;

/// Why execution trapped.
///
/// The `Display` text is the message the WebAssembly specification's reference interpreter
/// uses, which is also what wazero prints after `wasm error: `.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TrapCode {
    /// `unreachable` was executed.
    Unreachable,
    /// Integer division or remainder by zero.
    IntegerDivideByZero,
    /// Signed division overflow, or a float-to-int conversion out of range.
    IntegerOverflow,
    /// A NaN converted to an integer by a trapping conversion.
    InvalidConversionToInteger,
    /// A load, store or bulk memory operation outside the memory.
    OutOfBoundsMemoryAccess,
    /// A table access or bulk table operation outside the table.
    OutOfBoundsTableAccess,
    /// `call_indirect` with an index outside the table.
    UndefinedElement,
    /// `call_indirect` through a null table entry.
    UninitializedElement,
    /// `call_indirect` to a function of another signature.
    IndirectCallTypeMismatch,
    /// The call stack (depth or value stack) limit was reached.
    CallStackExhausted,
    /// A null reference was dereferenced.
    NullReference,
    /// The fuel budget of a call ran out.
    OutOfFuel,
    /// A host function returned an error.
    HostError,
    /// An exception (exception handling) left the outermost function: no handler
    /// caught it. The error's detail names its tag and payload.
    UncaughtException,
    /// `ref.cast` (or a cast by `br_on_cast`'s kin) of a value not of the type.
    CastFailure,
    /// A struct operator on a null reference.
    NullStructReference,
    /// An array operator on a null reference.
    NullArrayReference,
    /// `i31.get_s`/`i31.get_u` of a null reference.
    NullI31Reference,
    /// An array access or bulk array operation outside the array.
    OutOfBoundsArrayAccess,
    /// An allocation (an array of very many elements) larger than a GC object may be
    /// (1 GiB).
    AllocationTooLarge,
}

impl TrapCode {
    /// The message text (`integer divide by zero`, ...).
    pub fn message(self) -> &'static str {
        match self {
            TrapCode::Unreachable => "unreachable",
            TrapCode::IntegerDivideByZero => "integer divide by zero",
            TrapCode::IntegerOverflow => "integer overflow",
            TrapCode::InvalidConversionToInteger => "invalid conversion to integer",
            TrapCode::OutOfBoundsMemoryAccess => "out of bounds memory access",
            TrapCode::OutOfBoundsTableAccess => "out of bounds table access",
            TrapCode::UndefinedElement => "undefined element",
            TrapCode::UninitializedElement => "uninitialized element",
            TrapCode::IndirectCallTypeMismatch => "indirect call type mismatch",
            TrapCode::CallStackExhausted => "call stack exhausted",
            TrapCode::NullReference => "null reference",
            TrapCode::OutOfFuel => "all fuel consumed",
            TrapCode::HostError => "host function error",
            TrapCode::UncaughtException => "uncaught exception",
            TrapCode::CastFailure => "cast failure",
            TrapCode::NullStructReference => "null structure reference",
            TrapCode::NullArrayReference => "null array reference",
            TrapCode::NullI31Reference => "null i31 reference",
            TrapCode::OutOfBoundsArrayAccess => "out of bounds array access",
            TrapCode::AllocationTooLarge => "allocation too large",
        }
    }
}

impl fmt::Display for TrapCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

/// Exit code of a call ended by an [`crate::InterruptHandle`] (wazero's
/// `sys.ExitCodeContextCanceled`).
pub const EXIT_CODE_CANCELED: u32 = 0xffff_ffff;

/// Exit code of a call ended by its deadline (wazero's `sys.ExitCodeDeadlineExceeded`).
pub const EXIT_CODE_DEADLINE_EXCEEDED: u32 = 0xefff_ffff;

/// One frame of a wasm stack trace, innermost first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceFrame {
    /// `module.function(params) results`, wazero's frame format.
    pub signature: String,
    /// Byte offset of the current instruction in the code section, when known.
    pub code_offset: Option<u64>,
    /// Its source locations from DWARF, innermost inlined frame first (empty without
    /// debug info, or with [`crate::RuntimeConfig::with_debug_info_enabled`] `(false)`).
    pub sources: Vec<crate::source::SourceLocation>,
}

/// Where an out-of-bounds memory access went: [`Error::memory_access`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryAccess {
    /// The effective address (base + offset) of the access.
    pub address: u64,
    /// Its width in bytes (for the bulk operations, their length).
    pub len: u64,
    /// The memory's size in bytes at the time.
    pub memory_size: u64,
}

/// What kind of failure an [`Error`] is.
#[derive(Debug)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The bytes are not a valid module (malformed or invalid), at a byte offset.
    Compile {
        /// Offset in the module bytes where the problem was found.
        offset: u64,
        /// What was wrong.
        message: String,
    },
    /// An import could not be resolved, or resolved to something of another type.
    Link(String),
    /// Instantiation failed for another reason (segment out of bounds, name in use, ...).
    Instantiate(String),
    /// Execution trapped.
    Trap {
        /// Why.
        code: TrapCode,
        /// Extra detail, e.g. a host function's error message.
        detail: Option<String>,
        /// The wasm stack trace, innermost frame first.
        trace: Vec<TraceFrame>,
        /// For an out-of-bounds memory access: where it went.
        access: Option<MemoryAccess>,
    },
    /// The module (or runtime) was closed with an exit code while the call ran, or the
    /// guest exited (wazero's `sys.ExitError`).
    Exit(u32),
    /// The runtime is closed (`runtime closed with exit_code(N)`).
    RuntimeClosed(u32),
    /// The module is closed.
    ModuleClosed(String),
    /// An API misuse such as a wrong number of parameters.
    Usage(String),
    /// An error with a message, e.g. from a host function ([`Error::new`]).
    Message(String),
    /// The bytes are neither a WebAssembly binary nor WAT text ([`crate::module_bytes`]).
    NotAModule {
        /// Their first bytes (at most 8; none for an empty file).
        first_bytes: Vec<u8>,
    },
    /// WAT text that does not parse ([`crate::module_bytes`]).
    Wat {
        /// 1-based line.
        line: usize,
        /// 1-based column, in characters.
        column: usize,
        /// What is wrong (one line).
        message: String,
    },
    /// A start function failed: `module[NAME] function[FN] failed: ...`.
    StartFailed {
        /// The module's name.
        module: String,
        /// The start function's name.
        function: String,
        /// The underlying failure.
        source: Box<Error>,
    },
}

/// The error type of every fallible call in `wasmscope`.
///
/// `Display` follows wazero's formats: traps print `wasm error: ...` followed by a
/// `wasm stack trace:`; exits print `module closed with exit_code(N)`.
pub struct Error(Box<ErrorKind>, Option<Arc<Exception>>);

/// A thrown exception (exception handling): its tag (store address) and payload slots.
/// An [`Error`] of code [`TrapCode::UncaughtException`] carries the exception it stands
/// for while it unwinds, so that a handler in any frame, of any engine, can catch it.
#[derive(Debug)]
pub(crate) struct Exception {
    pub tag: u32,
    pub payload: Box<[u64]>,
    /// Its `exnref` once caught by reference (the store's `Exceptions`): the same
    /// however often it is caught and thrown again.
    pub exnref: std::sync::OnceLock<u64>,
}

impl Exception {
    /// An exception of tag `tag` (store address) with `payload`.
    pub(crate) fn new(tag: u32, payload: Box<[u64]>) -> Arc<Self> {
        Arc::new(Exception {
            tag,
            payload,
            exnref: std::sync::OnceLock::new(),
        })
    }
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error carrying a message, for host functions to return (it traps the caller).
    pub fn new(message: impl Into<String>) -> Self {
        Error(Box::new(ErrorKind::Message(message.into())), None)
    }

    pub(crate) fn from_kind(kind: ErrorKind) -> Self {
        Error(Box::new(kind), None)
    }

    pub(crate) fn compile(offset: u64, message: impl Into<String>) -> Self {
        Self::from_kind(ErrorKind::Compile {
            offset,
            message: message.into(),
        })
    }

    pub(crate) fn link(message: impl Into<String>) -> Self {
        Self::from_kind(ErrorKind::Link(message.into()))
    }

    pub(crate) fn instantiate(message: impl Into<String>) -> Self {
        Self::from_kind(ErrorKind::Instantiate(message.into()))
    }

    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Self::from_kind(ErrorKind::Usage(message.into()))
    }

    /// `exn` unwinding: a trap of code `UncaughtException` (until a handler catches
    /// it), which carries it; [`Error::describe_exception`] names it when it leaves the
    /// call.
    pub(crate) fn thrown(exn: Arc<Exception>) -> Self {
        let mut e = Self::from_kind(ErrorKind::Trap {
            code: TrapCode::UncaughtException,
            detail: None,
            trace: Vec::new(),
            access: None,
        });
        e.1 = Some(exn);
        e
    }

    /// The exception this error stands for while it unwinds.
    pub(crate) fn exception(&self) -> Option<&Arc<Exception>> {
        self.1.as_ref()
    }

    /// Names an uncaught exception's tag and payload (once; thrown errors start
    /// without, see `thrown`).
    pub(crate) fn describe_exception(&mut self, describe: impl FnOnce() -> String) {
        if let ErrorKind::Trap {
            code: TrapCode::UncaughtException,
            detail,
            ..
        } = &mut *self.0
        {
            if detail.as_deref().is_none_or(str::is_empty) {
                *detail = Some(describe());
            }
        }
    }

    pub(crate) fn trap(code: TrapCode) -> Self {
        Self::from_kind(ErrorKind::Trap {
            code,
            detail: None,
            trace: Vec::new(),
            access: None,
        })
    }

    /// An out-of-bounds memory access trap.
    pub(crate) fn memory_trap(access: MemoryAccess) -> Self {
        Self::from_kind(ErrorKind::Trap {
            code: TrapCode::OutOfBoundsMemoryAccess,
            detail: None,
            trace: Vec::new(),
            access: Some(access),
        })
    }

    /// Where an out-of-bounds memory access went (address, width, memory size), for a
    /// trap of a load or store (SIMD ones too), `memory.fill`, `memory.copy` (the range
    /// that is outside) or `memory.init` (the destination); `None` for other errors,
    /// and for a `memory.init` whose source is outside its data segment.
    pub fn memory_access(&self) -> Option<MemoryAccess> {
        match &*self.0 {
            ErrorKind::Trap { access, .. } => *access,
            ErrorKind::StartFailed { source, .. } => source.memory_access(),
            _ => None,
        }
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> &ErrorKind {
        &self.0
    }

    /// The exit code, if this is an exit (`ExitError`), also through a start-function wrap.
    pub fn exit_code(&self) -> Option<u32> {
        match &*self.0 {
            ErrorKind::Exit(code) => Some(*code),
            ErrorKind::StartFailed { source, .. } => source.exit_code(),
            _ => None,
        }
    }

    /// The trap code, if this is a trap, also through a start-function wrap.
    pub fn trap_code(&self) -> Option<TrapCode> {
        match &*self.0 {
            ErrorKind::Trap { code, .. } => Some(*code),
            ErrorKind::StartFailed { source, .. } => source.trap_code(),
            _ => None,
        }
    }

    /// The wasm stack trace of a trap (innermost first); empty for other errors.
    pub fn trace(&self) -> &[TraceFrame] {
        match &*self.0 {
            ErrorKind::Trap { trace, .. } => trace,
            ErrorKind::StartFailed { source, .. } => source.trace(),
            _ => &[],
        }
    }

    /// This error as [`Display`](fmt::Display) prints it, with every function name in
    /// the stack trace [demangled](crate::demangle) (`app.divzero::share(i32) i32`
    /// instead of `app._ZN7divzero5share17hc855073edf7893f1E(i32) i32`); all the rest,
    /// the first line included, is the same text.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let wasm = wat::parse_str(r#"(module
    ///     (func $_ZN3app4boom17h0123456789abcdefE (export "boom") unreachable))"#)?;
    /// let rt = wasmscope::Runtime::new();
    /// let module = rt.instantiate(&wasm)?;
    /// let e = module.exported_function("boom").unwrap().call(&[]).unwrap_err();
    /// assert_eq!(
    ///     e.to_string(),
    ///     "wasm error: unreachable\nwasm stack trace:\n\t._ZN3app4boom17h0123456789abcdefE()"
    /// );
    /// assert_eq!(
    ///     e.display_demangled().to_string(),
    ///     "wasm error: unreachable\nwasm stack trace:\n\t.app::boom()"
    /// );
    /// # Ok(()) }
    /// ```
    pub fn display_demangled(&self) -> impl fmt::Display + '_ {
        Demangled(self)
    }

    /// Adds outer frames to a trap's trace (a compiled call's callers, as the trap
    /// unwinds through them).
    pub(crate) fn extend_trace(&mut self, frames: impl IntoIterator<Item = TraceFrame>) {
        if let ErrorKind::Trap { trace, .. } = &mut *self.0 {
            trace.extend(frames);
        }
    }

    pub(crate) fn set_trace(&mut self, frames: Vec<TraceFrame>) {
        if let ErrorKind::Trap { trace, .. } = &mut *self.0 {
            if trace.is_empty() {
                *trace = frames;
            }
        }
    }

    /// Turns a host function's error into a trap of the calling guest, keeping exits as
    /// they are.
    pub(crate) fn into_host_trap(self) -> Self {
        let Error(kind, exception) = self;
        match *kind {
            ErrorKind::Message(m) => Self::from_kind(ErrorKind::Trap {
                code: TrapCode::HostError,
                detail: Some(m),
                trace: Vec::new(),
                access: None,
            }),
            other => Error(Box::new(other), exception),
        }
    }
}

const MAX_TRACE_FRAMES: usize = 30;

/// [`Error::display_demangled`].
struct Demangled<'a>(&'a Error);

impl fmt::Display for Demangled<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.write(f, true)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write(f, false)
    }
}

impl Error {
    /// wazero's text, with function names demangled when `demangled`.
    fn write(&self, f: &mut fmt::Formatter<'_>, demangled: bool) -> fmt::Result {
        match &*self.0 {
            ErrorKind::Compile { offset, message } => {
                write!(f, "invalid module: {message} (at offset 0x{offset:x})")
            }
            ErrorKind::Link(m) | ErrorKind::Instantiate(m) | ErrorKind::Usage(m) => f.write_str(m),
            ErrorKind::Message(m) => f.write_str(m),
            ErrorKind::Trap {
                code,
                detail,
                trace,
                ..
            } => {
                write!(f, "wasm error: {code}")?;
                if let Some(d) = detail {
                    write!(f, ": {d}")?;
                }
                if !trace.is_empty() {
                    write!(f, "\nwasm stack trace:")?;
                    for frame in trace.iter().take(MAX_TRACE_FRAMES) {
                        if demangled {
                            let signature = crate::names::demangle_signature(&frame.signature);
                            write!(f, "\n\t{signature}")?;
                        } else {
                            write!(f, "\n\t{}", frame.signature)?;
                        }
                        let offset = frame.code_offset.unwrap_or(0);
                        let prefix = format!("0x{offset:x}: ");
                        for (i, loc) in frame.sources.iter().enumerate() {
                            let lead = if i == 0 {
                                prefix.clone()
                            } else {
                                " ".repeat(prefix.len())
                            };
                            let inlined = if i + 1 < frame.sources.len() {
                                " (inlined)"
                            } else {
                                ""
                            };
                            write!(f, "\n\t\t{lead}{loc}{inlined}")?;
                        }
                    }
                    if trace.len() > MAX_TRACE_FRAMES {
                        write!(f, "\n\t... maybe followed by omitted frames")?;
                    }
                }
                Ok(())
            }
            ErrorKind::Exit(EXIT_CODE_CANCELED) => write!(f, "module closed with context canceled"),
            ErrorKind::Exit(EXIT_CODE_DEADLINE_EXCEEDED) => {
                write!(f, "module closed with context deadline exceeded")
            }
            ErrorKind::Exit(code) => write!(f, "module closed with exit_code({code})"),
            ErrorKind::RuntimeClosed(code) => write!(f, "runtime closed with exit_code({code})"),
            ErrorKind::ModuleClosed(name) => write!(f, "module[{name}] closed"),
            ErrorKind::NotAModule { first_bytes } if first_bytes.is_empty() => {
                write!(f, "not a WebAssembly module or WAT text: the file is empty")
            }
            ErrorKind::NotAModule { first_bytes } => {
                let hex: Vec<String> = first_bytes.iter().map(|b| format!("{b:02x}")).collect();
                write!(
                    f,
                    "not a WebAssembly module or WAT text: it starts with {}",
                    hex.join(" ")
                )?;
                // Text (a file given by mistake) is easier to recognise as text.
                if first_bytes
                    .iter()
                    .all(|b| b.is_ascii_graphic() || *b == b' ')
                {
                    write!(f, " (\"{}\")", String::from_utf8_lossy(first_bytes))?;
                }
                Ok(())
            }
            ErrorKind::Wat {
                line,
                column,
                message,
            } => write!(f, "invalid WAT text at {line}:{column}: {message}"),
            ErrorKind::StartFailed {
                module,
                function,
                source,
            } => {
                write!(f, "module[{module}] function[{function}] failed: ")?;
                source.write(f, demangled)
            }
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Error({self})")
    }
}

impl std::error::Error for Error {}

impl From<wasmparser::BinaryReaderError> for Error {
    fn from(e: wasmparser::BinaryReaderError) -> Self {
        Error::compile(e.offset(), one_line(e.message()))
    }
}

/// A message on one line: wasmparser prints some values with `{:#?}`, one item per line
/// (the bad magic number's bytes), or padded (`unknown binary version:        0x2`).
fn one_line(message: &str) -> String {
    if !message.contains('\n') && !message.contains(":  ") {
        return message.to_string();
    }
    message
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace("[ ", "[")
        .replace(", ]", "]")
        .replace(",]", "]")
}

#[cfg(test)]
mod tests {
    #[test]
    fn compile_errors_are_one_line() {
        let e = crate::Runtime::new()
            .compile_module(b"\x7fELF\x02\x01\x01\x00")
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid module: magic header not detected: bad magic number - \
             expected=[0x0, 0x61, 0x73, 0x6d] actual=[0x7f, 0x45, 0x4c, 0x46] (at offset 0x0)"
        );
        let e = crate::Runtime::new()
            .compile_module(b"\0asm\x02\0\0\0")
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid module: unknown binary version: 0x2 (at offset 0x4)"
        );
    }
}
