//! The portable interpreter: a translator from Wasm operators to a compact internal code,
//! and an executor that keeps all its state on the heap.

pub(crate) mod exec;
pub(crate) mod instr;
mod num;
pub(crate) mod simd;
pub(crate) mod translate;
