//! The portable interpreter: a translator from Wasm operators to a compact internal code
//! (one function at a time, on its first call: `code`), and an executor that keeps all
//! its state on the heap.

pub(crate) mod checkpoint;
pub(crate) mod code;
pub(crate) mod exec;
pub(crate) mod gc;
pub(crate) mod heights;
pub(crate) mod hot;
pub(crate) mod instr;
pub(crate) mod num;
pub(crate) mod simd;
pub(crate) mod translate;
