//! The compiler engine: WebAssembly function bodies translated to Cranelift IR
//! ([`translate`], [`ops`]), compiled to native code in executable memory ([`code`]), and
//! run with the instance's items held ([`exec`]).
//!
//! Decisions (issue "Two engines"; see ARCHITECTURE.md, "The compiler"):
//! - **Traps by signal** ([`signals`]; Linux on x86-64, code compiled without
//!   listeners): memory 0 (32-bit) has guard pages and is accessed unchecked; the other
//!   checks are conditional trap instructions. A signal handler turns a fault at one of
//!   these sites into the call's trap, with the frames it walks and the access's
//!   address; the call returns from [`signals::enter`] as a trapped one. This halves
//!   the compile time of explicit checks (BENCHMARKS.md, "Traps by signal").
//! - **Traps are explicit** elsewhere (other platforms, listeners,
//!   `WASMSCOPE_EXPLICIT_TRAPS=1`) and for the traps libcalls raise: bounds, divisors,
//!   conversions and the stack limit are checked by compiled code, which then calls the
//!   runtime to record the trap and returns through every frame (each caller checks a
//!   flag after a call), recording the trace on the way.
//! - **Deep recursion traps**: each function compares the stack pointer with a limit
//!   set when the call entered compiled code (the thread's remaining stack, less room
//!   for Rust; a call entered with little stack left runs on a new 8 MiB stack).
//! - **The store is shared with the interpreter**: compiled code reads memory 0's base
//!   and length and the globals' value slots through the `VmCtx`, and everything else
//!   (imports, tables, `call_indirect`, bulk memory, `memory.grow`) through libcalls
//!   that use the same held items as the interpreter.
//!
//! - **Machine code can be kept on disk** ([`persist`], `CompilationCache::with_dir`):
//!   libcalls are named by relocations, resolved when the code is placed.
//!
//! - **Listeners** (code compiled for a runtime with a listener factory): every function
//!   keeps its frame (function, Wasm offset) on the call's shadow stack, updated at each
//!   call site; listened functions call the `Before`/`After` libcalls; the unwind block's
//!   `Frame` libcall runs `abort`. Code compiled without listeners has none of it.
//!
//! Not yet: pausing and instruction stepping (resumable calls and debug stepping run the
//! interpreter).
//!
//! - **GC** runs on the runtime's side: each GC operator is a `Gc` libcall that runs the
//!   interpreter's implementation on the operands compiled code put in a buffer. The
//!   collector may run in it when the call is the store's only one and was entered from
//!   the host: compiled code's roots are found conservatively ([`roots`]).
//!
//! `unsafe` is allowed in [`code`] (executable memory), [`exec`] (entering compiled
//! code, the libcalls' view of the call), [`signals`] (the handler, the assembly of
//! the entry) and [`roots`] (reading the stack), each explaining its invariants; the
//! translator is safe code.

pub(crate) mod code;
pub(crate) mod exec;
mod ops;
pub(crate) mod persist;
pub(crate) mod roots;
pub(crate) mod signals;
mod simd;
pub(crate) mod translate;

/// The host's ISA with default flags, for the operator tests.
#[cfg(test)]
fn native_isa() -> cranelift_codegen::isa::OwnedTargetIsa {
    let flags = cranelift_codegen::settings::Flags::new(cranelift_codegen::settings::builder());
    cranelift_native::builder()
        .expect("host ISA")
        .finish(flags)
        .expect("host ISA flags")
}
