//! What the core's integration tests share: random modules (wasm-smith) from
//! reproducible seeds, and where a step ends in a single-step trace. Each test file that
//! uses it declares `mod common;` and uses part of it.
#![allow(dead_code)]

use wasmscope::StepMode;

/// Deterministic bytes for `Unstructured`, so a failing seed reproduces.
pub fn bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// wasm-smith's configuration for WebAssembly 2.0 modules with SIMD: no imports,
/// everything exported, canonical NaNs, one memory of at most 1 MiB, up to 20 functions.
pub fn config() -> wasm_smith::Config {
    wasm_smith::Config {
        max_imports: 0,
        export_everything: true,
        canonicalize_nans: true,
        max_memories: 1,
        max_memory32_bytes: 1 << 20,
        memory64_enabled: false,
        gc_enabled: false,
        exceptions_enabled: false,
        relaxed_simd_enabled: false,
        tail_call_enabled: false,
        threads_enabled: false,
        wide_arithmetic_enabled: false,
        extended_const_enabled: false,
        custom_page_sizes_enabled: false,
        shared_everything_threads_enabled: false,
        allow_start_export: false,
        max_funcs: 20,
        ..Default::default()
    }
}

/// Where a step in `mode` from stop `cursor` of a single-step trace ends, given every
/// stop's call depth (`depths`): the index of that stop, or `None` when the call ends
/// first. A function's first stop is one deeper than the stop before it.
pub fn next_stop(depths: &[usize], cursor: usize, mode: StepMode) -> Option<usize> {
    let depth = depths[cursor];
    let entry = |j: usize| depths[j] > depths[j - 1];
    (cursor + 1..depths.len()).find(|&j| match mode {
        StepMode::Instruction => true,
        StepMode::Over => depths[j] <= depth,
        StepMode::Out => depths[j] < depth,
        StepMode::Entry => entry(j),
        _ => entry(j) && depths[j] == depth,
    })
}
